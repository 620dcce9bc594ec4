#!/bin/sh
# SPDX-License-Identifier: MIT
# Exhaustion and fault injection (tests/stress/fault.c): RLIMIT_AS,
# RLIMIT_NPROC as a user that is not root, and a seccomp filter failing
# the Nth clone or mmap.  pthread_create returns EAGAIN, nothing leaks,
# creates succeed once the limit is lifted; under glibc and the library.
. "$srcdir/tests/programs/harness.sh"
for scenario in as nproc seccomp; do
	TAG=$scenario.
	for m in glibc preload; do
		run "$m" "$STRESS/fault_preload" "$scenario"
		grep -v '^threads: ' "$W/$scenario.$m.out" | sed "s/^/  /"
		succeeded "$m"
	done
done
finish
