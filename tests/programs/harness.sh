# Sourced by every tests/programs/*.test and tests/stress/*.test script.
# A program runs once per mode and the runs must agree:
#   glibc    the program as built against glibc, nothing preloaded;
#   preload  the same binary with LD_PRELOAD of the built library;
#   direct   a build of the program linked with -lclonethreads.
# Every run's output must name the library that made its threads (a
# "threads: NAME" line, printed by the program itself or derived from the
# clone system calls it made), and that name must match the mode, so a
# preload that silently did not take effect cannot pass for a result.
set -u
: "${CT_LIB:?CT_LIB unset}" "${srcdir:?srcdir unset}" "${CT_BUILDDIR:?CT_BUILDDIR unset}"
CT_SRCDIR=$(cd "$srcdir" && pwd)
PROG="$CT_BUILDDIR/tests/programs"
STRESS="$CT_BUILDDIR/tests/stress"
RUN_TIMEOUT=${RUN_TIMEOUT:-600}

# Work directory of this test, kept after a failure for a look.
W="$CT_BUILDDIR/tests/$(basename "$(dirname "$0")")/$(basename "$0" .test).d"
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
run() {
	m=$1 mode=$TAG$1
	shift
	if [ "$m" = preload ]; then
		LD_PRELOAD="$CT_LIB" timeout -k 10 "$RUN_TIMEOUT" "$@"
	else
		timeout -k 10 "$RUN_TIMEOUT" "$@"
	fi >"$W/$mode.out" 2>"$W/$mode.err"
	echo $? >"$W/$mode.rc"
	echo "$mode: exit status $(cat "$W/$mode.rc")," \
		"$(grep -m1 '^threads: ' "$W/$mode.out" || echo 'threads: see below')"
}

# traced MODE CMD...: as run, for programs that do not say who made their
# threads: the clone system calls are recorded (strace with a seccomp
# filter stops only at them) and the answer is appended to the output.
# glibc 2.36 makes threads with clone3; the library with clone and the
# NPTL flag set.
CT_FLAGS='CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID'
traced() {
	m=$1
	shift
	run "$m" strace -f -qq --seccomp-bpf -e trace=clone,clone3 \
		-o "$W/$TAG$m.strace" "$@"
	who=$(threads_from_strace "$W/$TAG$m.strace")
	echo "threads: $who" >>"$W/$TAG$m.out"
	echo "  threads: $who (from its clone system calls)"
}

threads_from_strace() {
	ours=$(grep -c "clone(.*flags=$CT_FLAGS," "$1")
	glibcs=$(grep -c 'clone3(.*CLONE_THREAD' "$1")
	if [ "$ours" -gt 0 ] && [ "$glibcs" -eq 0 ]; then
		echo clonethreads
	elif [ "$glibcs" -gt 0 ] && [ "$ours" -eq 0 ]; then
		echo glibc
	elif [ "$glibcs" -eq 0 ]; then
		echo none
	else
		echo "mixed ($ours clone, $glibcs clone3)"
	fi
}

# agree MODE...: every mode reported the library it should, exited 0, and
# printed the same output as the first one (the threads line aside).
agree() {
	first=
	for m; do
		mode=$TAG$m
		want=clonethreads
		[ "$m" = glibc ] && want=glibc
		grep -qx "threads: $want" "$W/$mode.out" ||
			fail "$mode: threads not made by $want"
		[ "$(cat "$W/$mode.rc")" = 0 ] ||
			{ fail "$mode: exit status $(cat "$W/$mode.rc")"; tail -20 "$W/$mode.err"; }
		grep -v '^threads: ' "$W/$mode.out" >"$W/$mode.cmp"
		if [ -z "$first" ]; then
			first=$mode
		elif ! cmp -s "$W/$first.cmp" "$W/$mode.cmp"; then
			fail "$mode output differs from $first"
			diff "$W/$first.cmp" "$W/$mode.cmp" | head -20
		fi
	done
}

# own_program NAME ARGS...: one of the programs of this directory, built
# against glibc (NAME_glibc) and linked with the library (NAME_direct), run
# the three ways; the runs must agree.
own_program() {
	name=$1
	shift
	run glibc "$PROG/${name}_glibc" "$@"
	run preload "$PROG/${name}_glibc" "$@"
	run direct "$PROG/${name}_direct" "$@"
	agree glibc preload direct
}

# The test's verdict: the exit status the automake driver reads.
finish() {
	[ "$failed" = 0 ] && rm -rf "$W"
	exit "$failed"
}
