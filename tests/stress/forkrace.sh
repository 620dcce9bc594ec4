#!/bin/sh
# SPDX-License-Identifier: MIT
# fork while threads are created and end (tests/stress/forkrace.c):
# 10,000 forks, each child creating and joining a thread, under glibc,
# with the library, and with the library's thread reuse on; no child may
# hang or die.  STRESS_FORKS changes the count.
. "$srcdir/tests/programs/harness.sh"
forks=${STRESS_FORKS:-10000}
for m in glibc preload; do
	run "$m" "$STRESS/forkrace_preload" "$forks"
	grep -v '^threads: ' "$W/$m.out" | sed "s/^/  /"
	succeeded "$m"
done
TAG=reuse.
CLONETHREADS_REUSE=64 run preload "$STRESS/forkrace_preload" "$forks"
grep -v '^threads: ' "$W/reuse.preload.out" | sed "s/^/  /"
succeeded preload
finish
