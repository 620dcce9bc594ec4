/* SPDX-License-Identifier: MIT */
/* Bursts: ROUNDS times, THREADS threads alive at once (each mallocs,
 * waits at a barrier with the others, frees), then all joined.  After the last round the process's memory is printed, with
 * /proc/self/smaps summed by kind of mapping, so that a difference
 * between two thread libraries can be traced to where it lives.
 * Usage: burst ROUNDS THREADS */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "../programs/which.h"
#include "mem.h"

static pthread_barrier_t gate;

/* A thread allocates blocks of twenty sizes up to 2 KB while all are
 * starting, and frees them once all are alive: freed blocks this small go
 * to the thread's malloc cache (tcache), which glibc empties back into the
 * arena when the thread exits. */
enum { BLOCKS = 20 };
static void *body(void *arg)
{
	long i = (long)arg;
	char *p[BLOCKS];
	for (int k = 0; k < BLOCKS; k++) {
		size_t n = 16 + (size_t)((i + k) * 131) % 2000;
		p[k] = malloc(n);
		memset(p[k], (int)i, n);
	}
	pthread_barrier_wait(&gate);
	for (int k = 0; k < BLOCKS; k++)
		free(p[k]);
	return NULL;
}

/* Resident kB of the mappings of each kind: [heap], [stack], anonymous
 * (thread stacks and regions, malloc's arenas), file-backed. */
static void smaps_by_kind(void)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	long rss[4] = { 0 }, count[4] = { 0 };
	static const char *names[4] = { "heap", "stack", "anon", "file" };
	int k = 3;
	while (f && fgets(line, sizeof line, f)) {
		unsigned long lo, hi;
		char path[256] = "";
		long kb;
		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %255s", &lo, &hi, path) >= 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			k = !strcmp(path, "[heap]") ? 0 : !strcmp(path, "[stack]") ? 1 :
			    path[0] == '\0' ? 2 : 3;
			count[k]++;
		} else if (sscanf(line, "Rss: %ld kB", &kb) == 1) {
			rss[k] += kb;
		}
	}
	if (f)
		fclose(f);
	for (k = 0; k < 4; k++)
		printf("%s%s=%ldkB/%ld", k ? " " : "smaps ", names[k], rss[k], count[k]);
	putchar('\n');
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	long rounds = atol(argv[1]), threads = atol(argv[2]);
	pthread_t *t = calloc(threads, sizeof *t);
	which_print();
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long r = 0; r < rounds; r++) {
		pthread_barrier_init(&gate, NULL, threads);
		for (long i = 0; i < threads; i++)
			if (pthread_create(&t[i], NULL, body, (void *)(r * threads + i))) {
				printf("pthread_create failed in round %ld\n", r);
				return 1;
			}
		for (long i = 0; i < threads; i++)
			pthread_join(t[i], NULL);
		pthread_barrier_destroy(&gate);
		if (r == 0)
			mem_print("after the first round:", mem_now());
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	mem_print("after the last round:", mem_now());
	smaps_by_kind();
	printf("%ld rounds of %ld threads in %.1f s\n", rounds, threads, secs);
	return 0;
}
