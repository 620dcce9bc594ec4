/* SPDX-License-Identifier: MIT */
/* The spawn benchmark's one seam: spawn_bench.c drives the workloads
 * through these few calls, and each implementation provides them once --
 * spawn_pthread.c with pthread_create/pthread_join (built against glibc,
 * clonethreads and musl), floor.c with the bare clone system call.
 *
 * Everything the workloads run inside a spawned thread must be safe in a
 * floor thread too: no malloc, no stdio, no thread-local variables. */
#ifndef SPAWN_H
#define SPAWN_H

#include <stddef.h>
#include <stdint.h>

typedef uintptr_t spawn_t;
typedef void *(*spawn_fn)(void *);

enum {
	SPAWN_SIZED = 1,	/* the spawn_set_stack size, not the default */
	SPAWN_DETACHED = 2,	/* never joined: gone when fn returns */
};

/* Implementation name and, on stdout as a '#' comment, where its
 * pthread_create comes from; exits if that is not the expected library. */
void spawn_init(void);

/* The stack size of SPAWN_SIZED spawns from now on; called with no thread
 * running.  0 or EINVAL (too small for the implementation, or larger than
 * the floor's slots). */
int spawn_set_stack(size_t size);

/* Start fn(arg) in a new thread; 0 or an errno value. */
int spawn(spawn_t *t, spawn_fn fn, void *arg, int flags);

/* Wait until the (joinable) thread t has finished. */
void spawn_join(spawn_t t);

#endif
