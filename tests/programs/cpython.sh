#!/bin/sh
# CPython's own threading tests (Debian's libpython3.11-testsuite), run
# inside one interpreter (tests/programs/cpython.py) under glibc and with
# the library preloaded: both must pass every test.  The two runs go side
# by side: the tests mostly wait (timeouts, process pools), so together
# they take the time of one.
. "$srcdir/tests/programs/harness.sh"
PYTHON=/usr/bin/python3
TESTS="test_threading test_thread test_threading_local test_queue
	test_concurrent_futures test_threadsignals"
cd "$W" || exit 99
for m in glibc preload; do
	mkdir -p "$W/$m.tmp"
	(cd "$W/$m.tmp" && run "$m" "$PYTHON" "$CT_SRCDIR/tests/programs/cpython.py" $TESTS) &
done
wait
for m in glibc preload; do
	grep -E '^(== Tests result|All [0-9]+ tests OK|[0-9]+ tests? failed|    test_)' "$W/$m.out" |
		sed "s/^/  $m: /"
	# regrtest prints durations and load averages: keep its verdicts.
	grep -E '^(threads: |Tests result: |All [0-9]+ tests OK)' "$W/$m.out" >"$W/$m.v"
	mv "$W/$m.v" "$W/$m.out"
done
agree glibc preload
finish
