/* SPDX-License-Identifier: MIT */
/* clonethreads: POSIX threads from the raw clone system call.
 * Include <pthread.h> as usual; this header only adds the extras. */
#ifndef CLONETHREADS_H
#define CLONETHREADS_H

#include <pthread.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library's version string, e.g. "0.1.0". */
const char *clonethreads_version(void);

/* 1 if `th' is a thread this library created, 0 for the main thread and
 * threads glibc started itself. */
int clonethreads_is_own_thread(pthread_t th);

/* Opt-in reuse of ended threads: up to `max' kernel threads whose
 * pthread has ended are kept parked, and pthread_create starts its
 * routine on one of them instead of making a new one (0, the default,
 * turns it off; CLONETHREADS_REUSE=max in the environment sets it at
 * start-up).  A reused thread keeps its kernel tid and accumulated CPU
 * time; see the README for everything else it does and does not carry
 * over.  Under valgrind reuse stays off.  Returns the previous bound. */
int clonethreads_set_reuse(unsigned max);

#ifdef __cplusplus
}
#endif

#endif
