# SPDX-License-Identifier: MIT
# Sourced by every script of tests/programs and tests/stress; the automake
# test driver runs them from the top of the build tree.
# A program runs once per mode and the runs must agree:
#   glibc    the program as built against glibc (our own: NAME_preload),
#            nothing preloaded;
#   preload  the same binary with LD_PRELOAD of the built library;
#   direct   a build of the program linked with -lclonethreads
#            (NAME_direct).
# Every run's output must name the library that made its threads (a
# "threads: NAME" line, printed by the program itself or derived from the
# clone system calls it made), and that name must match the mode, so a
# preload that silently did not take effect cannot pass for a result.
set -u
: "${CT_LIB:?CT_LIB unset}" "${srcdir:?srcdir unset}"
# The whole script runs under a time limit (SUITE_TIMEOUT seconds).
if [ -z "${CT_TIMED:-}" ]; then
	CT_TIMED=1 exec timeout -k 30 "${SUITE_TIMEOUT:-900}" /bin/sh "$0" "$@"
fi
CT_BUILDDIR=$(pwd)
CT_SRCDIR=$(cd "$srcdir" && pwd)
PROG="$CT_BUILDDIR/tests/programs"
STRESS="$CT_BUILDDIR/tests/stress"
RUN_TIMEOUT=${RUN_TIMEOUT:-600}

# Work directory of this test, kept after a failure for a look.
W="$CT_BUILDDIR/tests/$(basename "$(dirname "$0")")/$(basename "$0" .sh).d"
rm -rf "$W" && mkdir -p "$W" || exit 99
failed=0

fail() {
	echo "FAIL: $*"
	failed=1
}

# run MODE CMD...: stdout to $W/MODE.out, stderr to $W/MODE.err, the exit
# status to $W/MODE.rc.  The mode only decides whether the library is
# preloaded; `direct' runs name the directly linked binary themselves.
# A test running the same program several ways sets TAG to keep the files
# of each apart.
TAG=
# (Variables of these functions start with _: the scripts' own are global
# too.)
run() {
	_m=$1 _f=$W/$TAG$1
	shift
	if [ "$_m" = preload ]; then
		LD_PRELOAD="$CT_LIB" timeout -k 10 "$RUN_TIMEOUT" "$@"
	else
		timeout -k 10 "$RUN_TIMEOUT" "$@"
	fi >"$_f.out" 2>"$_f.err"
	echo $? >"$_f.rc"
	echo "$TAG$_m: exit status $(cat "$_f.rc")," \
		"$(grep -m1 '^threads: ' "$_f.out" || echo 'threads: see below')"
}

# traced MODE CMD...: as run, for programs that do not say who made their
# threads: the clone system calls are recorded (strace with a seccomp
# filter stops only at them) and the answer is appended to the output.
# glibc 2.36 makes threads with clone3; the library with clone and the
# NPTL flag set.
CT_FLAGS='CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID'
traced() {
	_t=$1
	shift
	run "$_t" strace -f -qq --seccomp-bpf -e trace=clone,clone3 \
		-o "$W/$TAG$_t.strace" "$@"
	_who=$(threads_from_strace "$W/$TAG$_t.strace")
	echo "threads: $_who" >>"$W/$TAG$_t.out"
	echo "  threads: $_who (from its clone system calls)"
}

threads_from_strace() {
	_ours=$(grep -c "clone(.*flags=$CT_FLAGS," "$1")
	_glibcs=$(grep -c 'clone3(.*CLONE_THREAD' "$1")
	if [ "$_ours" -gt 0 ] && [ "$_glibcs" -eq 0 ]; then
		echo clonethreads
	elif [ "$_glibcs" -gt 0 ] && [ "$_ours" -eq 0 ]; then
		echo glibc
	elif [ "$_glibcs" -eq 0 ]; then
		echo none
	else
		echo "mixed ($_ours clone, $_glibcs clone3)"
	fi
}

# succeeded MODE: the run reported the library it should and exited 0.
succeeded() {
	_f=$W/$TAG$1
	_want=clonethreads
	[ "$1" = glibc ] && _want=glibc
	grep -qx "threads: $_want" "$_f.out" ||
		fail "$TAG$1: threads not made by $_want"
	[ "$(cat "$_f.rc")" = 0 ] ||
		{ fail "$TAG$1: exit status $(cat "$_f.rc")"; tail -20 "$_f.err"; }
}

# agree MODE...: every mode reported the library it should, exited 0, and
# printed the same output as the first one (the threads line aside).
agree() {
	_first=
	for _a; do
		succeeded "$_a"
		_f=$W/$TAG$_a
		grep -v '^threads: ' "$_f.out" >"$_f.cmp"
		if [ -z "$_first" ]; then
			_first=$_f
		elif ! cmp -s "$_first.cmp" "$_f.cmp"; then
			fail "$TAG$_a: output differs from ${_first##*/}"
			diff "$_first.cmp" "$_f.cmp" | head -20
		fi
	done
}

# own_program NAME ARGS...: one of the programs of this directory, built
# against glibc (NAME_preload) and linked with the library (NAME_direct),
# run the three ways; the runs must agree.
own_program() {
	_name=$1
	shift
	run glibc "$PROG/${_name}_preload" "$@"
	run preload "$PROG/${_name}_preload" "$@"
	run direct "$PROG/${_name}_direct" "$@"
	agree glibc preload direct
}

# requires PACKAGE WHAT [COMMAND...]: this check needs WHAT, which Debian's
# PACKAGE installs; COMMAND (by default `command -v WHAT') succeeds if it
# is here.  If not, the check says so in one line and is skipped (status
# 77), unless CT_NOTHING_MISSING is set (.ci/run, after
# tests/install-deps): then it is a hard error (99).
requires() {
	_pkg=$1 _what=$2
	shift 2
	[ $# -gt 0 ] || set -- command -v "$_what"
	"$@" >/dev/null 2>&1 && return 0
	echo "SKIP: $_what is missing; to install it: apt-get install $_pkg" \
		"(tests/install-deps installs what every check needs)"
	rm -rf "$W"
	[ -n "${CT_NOTHING_MISSING:-}" ] && exit 99
	exit 77
}

# built NAME LIBRARY PACKAGE: requires our program NAME, which configure
# leaves out without LIBRARY.
built() {
	requires "$3, then configure again" "$2 (configure left out $1)" \
		test -x "$PROG/${1}_direct"
}

# The verdict: Check's summary line (what .ci/run counts; the script is
# one check) and the exit status the automake driver reads.
finish() {
	if [ "$failed" = 0 ]; then
		rm -rf "$W"
		echo "100%: Checks: 1, Failures: 0, Errors: 0"
	else
		echo "0%: Checks: 1, Failures: 1, Errors: 0"
	fi
	exit "$failed"
}
