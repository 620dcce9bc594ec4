/* SPDX-License-Identifier: MIT */
/* What the mutex files share: mutex.c (the plain and checked words, the
 * one dispatch, the entry points), mutex_pp.c (priority protection) and
 * mutex_robust.c (the kernel's tid word: robust and priority
 * inheritance). */
#ifndef CT_MUTEX_H
#define CT_MUTEX_H

#include "sync.h"

/* A protocol: lock with an optional absolute deadline on `clock' (try:
 * never block), and unlock (depth: release fully, keeping the recursion
 * there, for condition variables).  `kind' is the mutex's kind word, as
 * the dispatch read it. */
struct ct_mutex_proto {
	int (*lock)(struct ct_mutex *m, int kind, clockid_t clock,
		    const struct timespec *abstime, bool try);
	int (*unlock)(struct ct_mutex *m, int kind, unsigned *depth);
};
extern hidden const struct ct_mutex_proto ct_mutex_pp_proto;	/* mutex_pp.c */
extern hidden const struct ct_mutex_proto ct_mutex_tid_proto;	/* mutex_robust.c */

static inline bool ct_mutex_shared(int kind)
{
	return kind & CT_MK_SHARED;
}

static inline int ct_mutex_kind(struct ct_mutex *m)
{
	return atomic_load_explicit(&m->kind, memory_order_relaxed);
}

/* ---- mutex.c, for the other protocols ---- */

/* The checked word (recursive, errorcheck, and under priority
 * protection): the owner's tid in `owner', the lock a plain word. */
hidden int ct_mutex_checked_lock(struct ct_mutex *m, int kind, clockid_t clock,
				 const struct timespec *abstime, bool try);
hidden int ct_mutex_checked_unlock(struct ct_mutex *m, int kind,
				   unsigned *depth);
/* The owner locks again: one level more (recursive), EDEADLK
 * (errorcheck), or the deadlock POSIX prescribes for the others; a
 * trylock fails with EBUSY. */
hidden int ct_mutex_relock(struct ct_mutex *m, int kind, clockid_t clock,
			   const struct timespec *abstime, bool try);
/* A lock that can never be had: wait out the deadline, or for ever. */
hidden int ct_mutex_never(clockid_t clock, const struct timespec *abstime);
/* An unlock by the owner takes one recursion level off (true: still
 * held), or, for a condvar wait (depth), all of them into *depth. */
hidden bool ct_mutex_unwind_count(struct ct_mutex *m, unsigned *depth);

#endif
