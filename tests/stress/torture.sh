#!/bin/sh
# SPDX-License-Identifier: MIT
# Torture (tests/stress/torture.c): threads randomly creating, joining and
# detaching children that use mutexes, condvars and rwlocks, for
# STRESS_TORTURE_SECONDS (default 20) under each of glibc and the library.
# The seed is printed: `torture_preload SECONDS SEED' replays a run.
. "$srcdir/tests/programs/harness.sh"
seconds=${STRESS_TORTURE_SECONDS:-20}
seed=${STRESS_SEED:-$(date +%s)}
for m in glibc preload; do
	run "$m" "$STRESS/torture_preload" "$seconds" "$seed"
	grep -v '^threads: ' "$W/$m.out" | sed "s/^/  /"
	succeeded "$m"
done
finish
