#!/bin/sh
# SPDX-License-Identifier: MIT
# 1,000,000 create/join cycles, then 1,000,000 detached threads (at most
# 64 at a time): memory and mappings after the last thread within a small
# constant of those after the first 10,000 (tests/stress/churn.c), under
# glibc and with the library.  STRESS_CYCLES changes the count.
. "$srcdir/tests/programs/harness.sh"
cycles=${STRESS_CYCLES:-1000000}
for kind in joinable detached; do
	TAG=$kind.
	for m in glibc preload; do
		run "$m" "$STRESS/churn_preload" "$kind" "$cycles"
		grep -E "^$kind" "$W/$kind.$m.out" | sed "s/^/  /"
		succeeded "$m"
	done
done
finish
