#!/bin/sh
# SPDX-License-Identifier: MIT
# gdb on a program stopped with three named workers: `info threads' lists
# them by name, and `thread apply all bt' shows every thread's stack from
# its innermost frame down to its first one (for a worker: the clone
# trampoline below its start routine) with no unknown `?? ()' frame.
# The program writes its own lines to a file of their own (gdb_names.c
# says why); they are what the three runs must agree on.
. "$srcdir/tests/programs/harness.sh"
requires gdb gdb
gdb_run() {
	mode=$1 bin=$2
	env=
	[ "$mode" = preload ] && env="set environment LD_PRELOAD $CT_LIB"
	run "$mode" gdb -nx -batch -ex 'set startup-with-shell off' \
		-ex "$env" -ex 'break all_ready' -ex run -ex 'info threads' \
		-ex 'thread apply all bt' -ex continue --args "$bin" "$W/$mode.prog"
	out=$W/$mode.out
	sed "s/^/  $mode: /" "$W/$mode.prog"
	for i in 0 1 2; do
		grep -q "^ .*\"ct-worker-$i\" " "$out" ||
			fail "$mode: info threads does not show ct-worker-$i"
	done
	# One block per thread after "Thread N (...):"; a worker's ends with
	# its start routine and what called it.
	workers=$(awk '/^Thread [0-9]+ .*"ct-worker-/ { w = 1; next }
		w && / in worker \(/ { n++; w = 0 } END { print n + 0 }' "$out")
	[ "$workers" = 3 ] ||
		fail "$mode: $workers of 3 worker backtraces reach the start routine"
	if grep -q ' in ?? ()' "$out"; then
		fail "$mode: a backtrace runs past the thread's first frame:"
		grep -B2 ' in ?? ()' "$out"
	fi
	grep -q 'exited normally' "$out" || fail "$mode: did not exit normally"
	# gdb's own lines differ between runs; the agreement is on the
	# program's.
	cp "$W/$mode.prog" "$out"
}
gdb_run glibc "$PROG/gdb_names_preload"
gdb_run preload "$PROG/gdb_names_preload"
gdb_run direct "$PROG/gdb_names_direct"
agree glibc preload direct
finish
