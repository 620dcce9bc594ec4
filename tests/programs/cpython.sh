#!/bin/sh
# SPDX-License-Identifier: MIT
# CPython's own threading tests (Debian's libpython3.11-testsuite), run
# inside one interpreter (tests/programs/cpython.py) under glibc and with
# the library preloaded: both must pass every test.  The two runs go side
# by side: the tests mostly wait (timeouts, process pools), so together
# they take the time of one.  A test method that fails is run once more,
# alone (cpython.py says how); the log shows its first failure and the
# second run, so a test that needed one is seen, and one that fails twice
# fails the run.
. "$srcdir/tests/programs/harness.sh"
PYTHON=/usr/bin/python3
requires python3 "$PYTHON" test -x "$PYTHON"
version=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
requires "libpython$version-testsuite" "CPython's test suite" \
	"$PYTHON" -c 'import test.libregrtest, test.test_concurrent_futures'
TESTS="test_threading test_thread test_threading_local test_queue
	test_concurrent_futures test_threadsignals"
cd "$W" || exit 99
for m in glibc preload; do
	mkdir -p "$W/$m.tmp"
	(cd "$W/$m.tmp" && run "$m" "$PYTHON" "$CT_SRCDIR/tests/programs/cpython.py" $TESTS) &
done
wait
for m in glibc preload; do
	grep -E '^(== Tests result|All [0-9]+ tests OK|[0-9]+ tests? failed|[0-9]+ re-run tests?:|    test_)' "$W/$m.out" |
		sed "s/^/  $m: /"
	# A failure (the first lines of its traceback) and its second run.
	sed -n '/^test .* failed/,/^$/p' "$W/$m.out" | grep . | head -12 |
		sed "s/^/  $m: /"
	sed -n 's/.*\(Re-running test_.*\)/\1/p' "$W/$m.out" | sed "s/^/  $m: /"
	# regrtest prints durations and load averages: keep its last count
	# of tests that passed, which both runs must print alike.
	{ grep '^threads: ' "$W/$m.out"; grep -E '^All [0-9]+ tests OK' "$W/$m.out" | tail -1; } >"$W/$m.v"
	mv "$W/$m.v" "$W/$m.out"
done
agree glibc preload
finish
