/* SPDX-License-Identifier: MIT */
/* Thread churn: CYCLES threads, one after another, each mallocs, frees
 * and printfs to /dev/null.  joinable: create then join; detached: at
 * most 64 detached threads at a time.  Memory and mappings are taken
 * after the first 10,000 threads and after the last; the process must not
 * grow in between by more than a small constant.  New malloc arenas are
 * allowed for: with 64 threads alive malloc keeps adding arenas (up to
 * 8 per core) long after the first 10,000, under any thread library.
 * Usage: churn joinable|detached CYCLES */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "../programs/which.h"
#include "mem.h"

enum { WARM = 10000, MAX_DETACHED = 64 };
/* Growth allowed between the two measurements.  Malloc's heap in use
 * must stay flat: a leak of a few bytes a thread shows there.  Mappings:
 * per new arena its heap's mapping and the reserved rest of it.  Resident
 * memory: per arena (new or not: with 64 threads at a time, threads land
 * in every arena long after the first 10,000 and touch pages of it that
 * were not resident yet) what a few threads touch in it. */
enum { HEAP_SLACK_KB = 64, RSS_SLACK_KB = 256, MAPS_SLACK = 4,
       ARENA_KB = 64, ARENA_MAPS = 2 };

static FILE *devnull;
static sem_t slots;		/* detached threads that may still run */

static void *body(void *arg)
{
	long i = (long)arg;
	size_t n = 16 + (size_t)(i * 7919) % 8192;
	char *p = malloc(n);
	memset(p, (int)i, n);
	fprintf(devnull, "thread %ld: %zu bytes, first %d\n", i, n, p[0]);
	free(p);
	return NULL;
}

static void *nothing(void *arg)
{
	return arg;
}

/* The regions of the last detached threads, given back while their
 * threads were still ending, are cached or unmapped by the next creates
 * and joins (a few each, under either library): some create + join
 * cycles first, so that both measurements see a settled cache, not
 * however many threads happened to end last. */
static int settle(void)
{
	for (int i = 0; i < 2 * MAX_DETACHED; i++) {
		pthread_t t;
		int e = pthread_create(&t, NULL, nothing, NULL);
		if (e) {
			printf("pthread_create failed settling: %s\n", strerror(e));
			return 1;
		}
		pthread_join(t, NULL);
	}
	return 0;
}

static void *detached_body(void *arg)
{
	body(arg);
	sem_post(&slots);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	int detached = !strcmp(argv[1], "detached");
	long cycles = atol(argv[2]);
	devnull = fopen("/dev/null", "w");
	sem_init(&slots, 0, MAX_DETACHED);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, detached ? PTHREAD_CREATE_DETACHED :
						      PTHREAD_CREATE_JOINABLE);
	which_print();
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct mem warm = { 0 };
	for (long i = 0; i < cycles; i++) {
		pthread_t t;
		if (detached)
			while (sem_wait(&slots))
				;
		int e = pthread_create(&t, &attr, detached ? detached_body : body,
				       (void *)i);
		if (e) {
			printf("pthread_create failed at %ld: %s\n", i, strerror(e));
			return 1;
		}
		if (!detached)
			pthread_join(t, NULL);
		if (i + 1 == WARM || i + 1 == cycles) {
			mem_wait_threads(1);
			if (settle())
				return 1;
			struct mem m = mem_now();
			if (i + 1 == WARM)
				warm = m;
			char label[64];
			snprintf(label, sizeof label, "%s after %ld:", argv[1], i + 1);
			mem_print(label, m);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	struct mem end = mem_now();	/* the same as the last print */
	double secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	long arenas = end.arenas - warm.arenas;
	printf("%s: %ld threads in %.1f s (%.1f us each); growth: rss %+ld kB,"
	       " maps %+ld, heap in use %+ld kB, arenas %+ld\n",
	       argv[1], cycles, secs, secs * 1e6 / cycles,
	       end.rss_kb - warm.rss_kb, end.maps - warm.maps,
	       (long)end.heap_used_kb - (long)warm.heap_used_kb, arenas);
	int ok = (long)end.heap_used_kb - (long)warm.heap_used_kb <= HEAP_SLACK_KB &&
		 end.rss_kb - warm.rss_kb <= RSS_SLACK_KB + ARENA_KB * end.arenas &&
		 end.maps - warm.maps <= MAPS_SLACK + ARENA_MAPS * arenas;
	puts(ok ? "result: flat" : "result: GROWS");
	return ok ? 0 : 1;
}
