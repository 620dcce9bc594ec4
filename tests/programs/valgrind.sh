#!/bin/sh
# SPDX-License-Identifier: MIT
# valgrind memcheck on the programs of this directory, in each mode: no
# error and no definitely lost block (both make valgrind exit 97).  The
# programs run with --small: under valgrind threads take turns on one core.
. "$srcdir/tests/programs/harness.sh"
requires valgrind valgrind
built sqlite libsqlite3 libsqlite3-dev
built urcu_loop liburcu liburcu-dev
VG="valgrind -q --error-exitcode=97 --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite"
memcheck() {
	name=$1
	shift
	TAG=$name.
	run glibc $VG "$PROG/${name}_preload" "$@"
	run preload $VG "$PROG/${name}_preload" "$@"
	run direct $VG "$PROG/${name}_direct" "$@"
	agree glibc preload direct
}
memcheck cxx20 --small
memcheck sqlite "$W/test.db" --small
memcheck urcu_loop --small
memcheck gdb_names
finish
