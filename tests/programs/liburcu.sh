#!/bin/sh
# SPDX-License-Identifier: MIT
# liburcu's own tests, from Debian's source package (built once by
# tests/programs/liburcu-build), under glibc and with the library
# preloaded: the unit tests, the fork test, rcutorture's stress test for
# every flavour (memb, mb, signal, qsbr, bp; the call_rcu worker kinds in
# turn), its perf test per flavour, the rculfhash test script, and the
# call_rcu/defer_rcu and queue/stack benchmarks (wait-free queues,
# lock-free queue and stacks) with concurrent updaters.  The signal flavour signals every registered
# reader with pthread_kill at each grace period.
#
# Their TAP verdicts must be the same in both modes (all "ok"); the
# programs print timing-dependent counts, which are not compared.
. "$srcdir/tests/programs/harness.sh"
requires strace strace
requires dpkg-dev dpkg-source
requires debian-archive-keyring "Debian's archive keyring" \
	test -f /usr/share/keyrings/debian-archive-keyring.gpg
urcu=$("$CT_SRCDIR/tests/programs/liburcu-build" "$CT_BUILDDIR/tests/programs/liburcu") ||
	{ echo "liburcu could not be fetched or built"; exit 99; }
cd "$urcu/tests" || exit 99
# One shell runs them all, so a single trace shows who made the threads.
cat >"$W/suite.sh" <<'SUITE'
set -u
verdict() { status=$?; [ $status = 0 ] && echo "ok - $*" || echo "not ok - $* (status $status)"; }
cd unit
for t in test_arch test_uatomic test_urcu_multiflavor test_urcu_multiflavor_dynlink \
	test_urcu_multiflavor_single_unit test_urcu_multiflavor_single_unit_dynlink; do
	./$t >/dev/null 2>&1; verdict "unit $t"
done
cd ../regression
./test_urcu_fork.tap >/dev/null 2>&1; verdict "regression test_urcu_fork"
set -- "membarrier callrcu_global" "mb callrcu_percpu" "signal callrcu_perthread" \
	"qsbr callrcu_global" "bp callrcu_percpu"
for fc; do
	./rcutorture_urcu_${fc% *} 2 stress 1 ${fc#* } >/dev/null 2>&1
	verdict "rcutorture ${fc% *} stress ${fc#* }"
	./rcutorture_urcu_${fc% *} 2 perf 1 >/dev/null 2>&1
	verdict "rcutorture ${fc% *} perf"
done
cd ../benchmark
./runhash.sh 1 2>&1 | grep -E '^(not )?ok' ||
	echo "not ok - rculfhash: runhash.sh printed no verdict"
# Not test_urcu_wfs: liburcu 0.13.2's version stores every enqueuer's
# handle at tid_enqueuer[i] with `i' uninitialised and joins handles it
# never set (exit status 1 under glibc, a crash elsewhere: undefined).
for t in test_urcu_gc test_urcu_signal_gc test_urcu_mb_gc test_urcu_qsbr_gc \
	test_urcu_lgc test_urcu_bp test_urcu_defer test_urcu_wfcq test_urcu_wfq \
	test_urcu_lfq test_urcu_lfs test_urcu_lfs_rcu; do
	./$t 2 2 1 >/dev/null 2>&1; verdict "benchmark $t 2 readers 2 writers"
done
SUITE
for mode in glibc preload; do
	traced "$mode" bash "$W/suite.sh"
	grep -c '^ok' "$W/$mode.out" | sed "s/^/  $mode: ok /"
	grep '^not ok' "$W/$mode.out" && fail "$mode: a liburcu test failed"
done
agree glibc preload
finish
