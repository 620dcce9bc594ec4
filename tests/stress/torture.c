/* SPDX-License-Identifier: MIT */
/* Torture: WORKERS threads, for SECONDS, pick random actions: create a
 * child (joinable or detached), join one, detach one, yield.  Children
 * work on shared state under a mutex, a read-write lock and a condition
 * variable, sometimes create and join a grandchild, and yield at random
 * points.  Far more threads than cores are alive at once.  Invariants:
 *   - the mutex-protected pair stays equal at every look;
 *   - a reader under the rwlock sees an array written whole;
 *   - tokens moved between two accounts (waiting on the condvar for a
 *     non-empty account) are conserved;
 *   - every join returns what that child returned;
 *   - every child started also finished (detached ones included).
 * Usage: torture SECONDS [SEED] */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "../programs/which.h"
#include "mem.h"

enum { WORKERS = 8, KEEP = 16, ARRAY = 64, TOKENS = 1000 };

static pthread_mutex_t pair_lock = PTHREAD_MUTEX_INITIALIZER;
static long pair_a, pair_b;
static pthread_rwlock_t array_lock = PTHREAD_RWLOCK_INITIALIZER;
static long array[ARRAY];
static pthread_mutex_t bank_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t bank_cond = PTHREAD_COND_INITIALIZER;
static long account[2] = { TOKENS, 0 };

static atomic_long started, finished, created, joined, detached, broken;
static atomic_bool stopping;

static unsigned next_rand(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 16;
}

static void maybe_yield(unsigned *s)
{
	if (next_rand(s) % 4 == 0)
		sched_yield();
}

static void *grandchild(void *arg)
{
	atomic_fetch_add(&started, 1);
	unsigned s = (unsigned)(long)arg;
	maybe_yield(&s);
	atomic_fetch_add(&finished, 1);
	return arg;
}

static void *child(void *arg)
{
	atomic_fetch_add(&started, 1);
	unsigned s = (unsigned)(long)arg;
	for (int k = 0; k < 8; k++) {
		switch (next_rand(&s) % 5) {
		case 0:		/* the pair */
			pthread_mutex_lock(&pair_lock);
			if (pair_a != pair_b)
				atomic_fetch_add(&broken, 1);
			pair_a++;
			maybe_yield(&s);
			pair_b++;
			pthread_mutex_unlock(&pair_lock);
			break;
		case 1: {	/* the array: write it whole */
			long v = next_rand(&s);
			pthread_rwlock_wrlock(&array_lock);
			for (int i = 0; i < ARRAY; i++) {
				array[i] = v;
				if (i == ARRAY / 2)
					maybe_yield(&s);
			}
			pthread_rwlock_unlock(&array_lock);
			break;
		}
		case 2:		/* the array: read it */
			pthread_rwlock_rdlock(&array_lock);
			for (int i = 1; i < ARRAY; i++)
				if (array[i] != array[0]) {
					atomic_fetch_add(&broken, 1);
					break;
				}
			maybe_yield(&s);
			pthread_rwlock_unlock(&array_lock);
			break;
		case 3: {	/* move a token, waiting for one if need be */
			int from = next_rand(&s) % 2;
			struct timespec until;
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_nsec += 2000000;
			if (until.tv_nsec >= 1000000000) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000;
			}
			pthread_mutex_lock(&bank_lock);
			int e = 0;
			while (account[from] == 0 && e != ETIMEDOUT)
				e = pthread_cond_timedwait(&bank_cond, &bank_lock, &until);
			if (account[from] > 0) {
				account[from]--;
				account[!from]++;
				pthread_cond_broadcast(&bank_cond);
			}
			if (account[0] + account[1] != TOKENS)
				atomic_fetch_add(&broken, 1);
			pthread_mutex_unlock(&bank_lock);
			break;
		}
		case 4: {	/* a grandchild */
			pthread_t g;
			void *res;
			long token = next_rand(&s);
			if (pthread_create(&g, NULL, grandchild, (void *)token) == 0) {
				atomic_fetch_add(&created, 1);
				pthread_join(g, &res);
				atomic_fetch_add(&joined, 1);
				if (res != (void *)token)
					atomic_fetch_add(&broken, 1);
			}
			break;
		}
		}
		maybe_yield(&s);
	}
	atomic_fetch_add(&finished, 1);
	return arg;
}

static void *worker(void *arg)
{
	unsigned s = (unsigned)(long)arg;
	pthread_t kids[KEEP];
	long tokens[KEEP];
	int n = 0;
	pthread_attr_t det;
	pthread_attr_init(&det);
	pthread_attr_setdetachstate(&det, PTHREAD_CREATE_DETACHED);
	while (!atomic_load(&stopping) || n > 0) {
		unsigned what = atomic_load(&stopping) ? 1 : next_rand(&s) % 6;
		if (what <= 1 && n > 0) {	/* join one */
			int i = next_rand(&s) % n;
			void *res;
			pthread_join(kids[i], &res);
			atomic_fetch_add(&joined, 1);
			if (res != (void *)tokens[i])
				atomic_fetch_add(&broken, 1);
			kids[i] = kids[--n];
			tokens[i] = tokens[n];
		} else if (what == 2 && n > 0) {	/* detach one */
			int i = next_rand(&s) % n;
			if (pthread_detach(kids[i]))
				atomic_fetch_add(&broken, 1);
			atomic_fetch_add(&detached, 1);
			kids[i] = kids[--n];
			tokens[i] = tokens[n];
		} else if (what == 3) {
			sched_yield();
		} else if (what == 4) {		/* a detached child */
			pthread_t t;
			if (pthread_create(&t, &det, child, (void *)(long)next_rand(&s)) == 0) {
				atomic_fetch_add(&created, 1);
				atomic_fetch_add(&detached, 1);
			}
		} else if (n < KEEP) {		/* a joinable child */
			tokens[n] = next_rand(&s);
			if (pthread_create(&kids[n], NULL, child, (void *)tokens[n]) == 0) {
				atomic_fetch_add(&created, 1);
				n++;
			}
		}
	}
	pthread_attr_destroy(&det);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	int seconds = atoi(argv[1]);
	unsigned seed = argc > 2 ? (unsigned)atoi(argv[2]) : (unsigned)time(NULL);
	which_print();
	printf("seed %u, %d seconds\n", seed, seconds);
	pthread_t w[WORKERS];
	for (long i = 0; i < WORKERS; i++)
		pthread_create(&w[i], NULL, worker, (void *)(long)(seed + 7919 * i));
	long peak = 0;
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		struct timespec tick = { 0, 20000000 };
		nanosleep(&tick, NULL);
		long alive = mem_now().threads;
		if (alive > peak)
			peak = alive;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - start.tv_sec < seconds);
	atomic_store(&stopping, true);
	for (int i = 0; i < WORKERS; i++)
		pthread_join(w[i], NULL);
	/* Detached children finish on their own: wait for them (bounded). */
	for (int i = 0; i < 1000 && atomic_load(&finished) != atomic_load(&started); i++) {
		struct timespec tick = { 0, 10000000 };
		nanosleep(&tick, NULL);
	}
	mem_wait_threads(1);
	printf("threads created %ld (joined %ld, detached %ld), peak %ld alive\n",
	       atomic_load(&created), atomic_load(&joined), atomic_load(&detached), peak);
	int ok = atomic_load(&broken) == 0 &&
		 atomic_load(&started) == atomic_load(&finished) &&
		 atomic_load(&started) == atomic_load(&created) &&
		 account[0] + account[1] == TOKENS && pair_a == pair_b;
	printf("invariants: %s (broken %ld, started %ld, finished %ld)\n",
	       ok ? "held" : "BROKEN", atomic_load(&broken), atomic_load(&started),
	       atomic_load(&finished));
	return ok ? 0 : 1;
}
