/* SPDX-License-Identifier: MIT */
/* Spawning through the POSIX API: the same object code measures glibc,
 * clonethreads or musl depending only on what it is linked with.
 * BENCH_IMPL names the build; BENCH_EXPECT_LIB, when set, is a substring
 * the file defining pthread_create must contain (dynamic builds). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "spawn.h"

/* Indexed by the SPAWN_* flags; [0] stays unused: default attributes are
 * passed as NULL, the way most programs call pthread_create. */
static pthread_attr_t attrs[4];

void spawn_init(void)
{
	for (int f = 1; f < 4; f++) {
		pthread_attr_init(&attrs[f]);
		if (f & SPAWN_DETACHED)
			pthread_attr_setdetachstate(&attrs[f],
						    PTHREAD_CREATE_DETACHED);
	}
#ifdef BENCH_EXPECT_LIB
	/* The address the program's own calls bind to, not a dlsym lookup. */
	Dl_info info;
	const char *from = dladdr((void *)pthread_create, &info) &&
			   info.dli_fname ? info.dli_fname : "?";
#ifndef BENCH_EXPECT_ALT
#define BENCH_EXPECT_ALT BENCH_EXPECT_LIB
#endif
	if (!strstr(from, BENCH_EXPECT_LIB) && !strstr(from, BENCH_EXPECT_ALT)) {
		fprintf(stderr, "%s: pthread_create comes from %s, not %s\n",
			BENCH_IMPL, from, BENCH_EXPECT_LIB);
		exit(2);
	}
	printf("# %s: pthread_create from %s\n", BENCH_IMPL, from);
#else
	printf("# %s: pthread_create linked statically\n", BENCH_IMPL);
#endif
}

int spawn_set_stack(size_t size)
{
	for (int f = SPAWN_SIZED; f < 4; f += 2) {
		int err = pthread_attr_setstacksize(&attrs[f], size);
		if (err)
			return err;
	}
	return 0;
}

int spawn(spawn_t *t, spawn_fn fn, void *arg, int flags)
{
	pthread_t th;
	int err = pthread_create(&th, flags ? &attrs[flags] : NULL, fn, arg);
	*t = (spawn_t)th;
	return err;
}

void spawn_join(spawn_t t)
{
	pthread_join((pthread_t)t, NULL);
}
