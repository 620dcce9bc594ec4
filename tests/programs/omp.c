/* SPDX-License-Identifier: MIT */
/* OpenMP as libgomp runs it: its worker threads come from pthread_create.
 * Run with OMP_NUM_THREADS=1..16; the printed results do not depend on the
 * team size (integer arithmetic), except the team size line itself. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "which.h"

int main(void)
{
	const long n = 4000000;
	int team = 0, mixed = 0;
	const char *workers = NULL;
	long sum = 0, tasks = 0, critical = 0;

#pragma omp parallel
	{
#pragma omp single
		team = omp_get_num_threads();
		/* The team's other members are libgomp's pthreads. */
		if (omp_get_thread_num() != 0) {
			const char *w = which_threads();
#pragma omp critical
			{
				if (workers && strcmp(workers, w))
					mixed = 1;
				workers = w;
			}
		}
#pragma omp for reduction(+ : sum) schedule(dynamic, 1000)
		for (long i = 0; i < n; i++)
			sum += (i * 7) % 13;
#pragma omp single
		for (int t = 0; t < 1000; t++) {
#pragma omp task
			{
#pragma omp atomic
				tasks += t;
			}
		}
#pragma omp barrier
		for (int k = 0; k < 1000; k++) {
#pragma omp critical
			critical++;
		}
	}

	const char *want = getenv("OMP_NUM_THREADS");
	printf("team size: %d (asked %s)\n", team, want ? want : "-");
	/* One thread has no workers to ask: report the main library then. */
	if (team == 1)
		which_print();
	else
		printf("threads: %s\n", mixed ? "mixed" : workers);
	printf("sum: %ld\ntasks: %ld\ncritical per thread: %ld\n", sum, tasks,
	       critical / team);
	long expect = 0;
	for (long i = 0; i < n; i++)
		expect += (i * 7) % 13;
	int ok = sum == expect && tasks == 999L * 1000 / 2 &&
		 critical == 1000L * team && (!want || team == atoi(want));
	puts(ok ? "result: ok" : "result: WRONG");
	return ok ? 0 : 1;
}
