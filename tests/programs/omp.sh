#!/bin/sh
# SPDX-License-Identifier: MIT
# OpenMP (libgomp's workers are pthreads) with teams of 1 to 16 threads.
. "$srcdir/tests/programs/harness.sh"
for n in $(seq 1 16); do
	TAG=n$n.
	OMP_NUM_THREADS=$n own_program omp
done
finish
