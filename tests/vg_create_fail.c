/* SPDX-License-Identifier: MIT */
/* A pthread_create that fails, then one deliberate race, for the race
 * checkers (tests/valgrind.c).  The default attributes carry a CPU set
 * (pthread_setattr_default_np), so a create without attributes copies
 * them, and this program's malloc, calloc and realloc fail while
 * `failing' is set: the copy fails, and so does the create.  The tools
 * run with --ignore-thread-creation=yes, under which they ignore what the
 * creating thread does, and the stack it grows, between the start and the
 * end of its pthread_create: a create that returned without telling them
 * it ended would hide the race that follows (helgrind) or stop DRD at its
 * next create.  valgrind must leave this program's malloc alone
 * (--soname-synonyms=somalloc=nouserintercepts); it still replaces libc's,
 * which this one calls.  Exits non-zero if the create did not fail. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int failing;

#define FAILING(name, params, args)					\
	void *name params						\
	{								\
		static void *(*next) params;				\
		if (failing) {						\
			errno = ENOMEM;					\
			return NULL;					\
		}							\
		if (!next)						\
			next = (void *(*) params)dlsym(RTLD_NEXT, #name); \
		return next args;					\
	}
FAILING(malloc, (size_t n), (n))
FAILING(calloc, (size_t n, size_t size), (n, size))
FAILING(realloc, (void *p, size_t n), (p, n))

static void *nothing(void *arg)
{
	return arg;
}

static void *increment(void *arg)
{
	++*(int *)arg;
	return NULL;
}

/* In a frame made after the failed create: the tools would not track
 * this stack if they still took the caller for one inside create. */
static __attribute__((noinline)) void race(void)
{
	int racy = 0;
	pthread_t t;
	printf("racy at %p\n", (void *)&racy);	/* tests/valgrind.c reads it */
	pthread_create(&t, NULL, increment, &racy);
	nanosleep(&(struct timespec){ 0, 200000000 }, NULL);
	racy++;		/* the race: nothing orders it after the thread's */
	pthread_join(t, NULL);
	printf("racy %d\n", racy);
}

int main(void)
{
	pthread_attr_t attr, plain;
	cpu_set_t cpus;
	pthread_t t;
	if (sched_getaffinity(0, sizeof cpus, &cpus) ||
	    pthread_attr_init(&attr) || pthread_attr_init(&plain) ||
	    pthread_attr_setaffinity_np(&attr, sizeof cpus, &cpus) ||
	    pthread_setattr_default_np(&attr))
		return 2;
	failing = 1;
	int err = pthread_create(&t, NULL, nothing, NULL);
	failing = 0;
	if (err == 0) {
		fprintf(stderr, "vg_create_fail: the create did not fail\n");
		return 1;
	}
	pthread_setattr_default_np(&plain);
	race();
	return 0;
}
