/* SPDX-License-Identifier: MIT */
/* pthread_join and its try/timed/clock variants: a futex wait on the tid
 * word the kernel clears when the thread is gone (CLONE_CHILD_CLEARTID).
 * The wait is shared (no FUTEX_PRIVATE_FLAG): the kernel's clear-tid wake
 * is a shared wake.  A join that waits is a cancellation point. */
#define _GNU_SOURCE
#include <errno.h>
#include "cancel.h"
#include "reuse.h"
#include "stats.h"
#include "valgrind.h"

void ct_wait_gone(struct ct_thread *t)
{
	int tid;
	while ((tid = atomic_load_explicit(ct_tid(t), memory_order_acquire)))
		ct_futex_wait(ct_tid(t), tid, CLOCK_MONOTONIC, NULL, true);
}

void ct_reap(struct ct_thread *t)
{
	if (t->kind == CT_OURS && !(t->kt.reusable && ct_reuse_reap(t)))
		ct_region_put(t);
}

int ct_claim(struct ct_thread *t, int bit)
{
	int s = atomic_load(&t->detach_state);
	do {
		if (s & (CT_DETACHED | CT_JOINING))
			return -1;
	} while (!atomic_compare_exchange_weak(&t->detach_state, &s, s | bit));
	return s;
}

/* A joiner that gives up (busy, timed out, cancelled) leaves the thread
 * joinable; if it exited meanwhile, a later join or detach reaps it (it
 * saw no CT_DETACHED). */
static void unclaim(struct ct_thread **claimed)
{
	if (*claimed)
		atomic_fetch_and(&(*claimed)->detach_state, ~CT_JOINING);
}

int ct_join(pthread_t th, void **res, clockid_t clock,
	    const struct timespec *abstime, bool try)
{
	uint64_t called = unlikely(ct_stats_on) ? ct_stats_begin(CT_STATS_JOIN) : 0;
	if (abstime && (ct_check_timespec(abstime) || !ct_clock_ok(clock)))
		return EINVAL;
	struct ct_thread *t = ct_lookup(th);
	if (!t)
		return ESRCH;
	if (t == ct_self())
		return EDEADLK;
	if (t->kind == CT_FOREIGN)
		return EINVAL;
	/* One joiner, and never a detached thread. */
	if (ct_claim(t, CT_JOINING) < 0)
		return EINVAL;

	struct ct_thread *claimed __attribute__((cleanup(unclaim))) = t;
	/* Until the kernel clears the tid word, or, for a thread that may
	 * live on parked (reuse.c), until it says it is done. */
	bool reusable = t->kt.reusable;
	_Atomic int *word = reusable ? &t->done : ct_tid(t);
	const int ended = reusable ? 1 : 0;
	for (;;) {
		int v = atomic_load_explicit(word, memory_order_acquire);
		if (v == ended)
			break;
		if (try)
			return EBUSY;
		if (reusable) {
			/* A brief spin (it may be ending now), then say we
			 * wait (2), so that it wakes us. */
			if (v == 0 && (ct_reuse_join_spin(t) ||
				       !atomic_compare_exchange_strong(word, &v, 2)))
				continue;
			v = 2;
		}
		if (ct_futex_wait_cp(word, v, clock, abstime, !reusable) ==
		    ETIMEDOUT)
			return ETIMEDOUT;
	}
	claimed = NULL;
	ct_vg_joined(th);
	if (res)
		*res = t->result;
	if (unlikely(ct_stats_on)) ct_stats_join(t, called);
	ct_reap(t);
	return 0;
}

int pthread_join(pthread_t th, void **res)
{
	return ct_join(th, res, CLOCK_REALTIME, NULL, false);
}

int pthread_tryjoin_np(pthread_t th, void **res)
{
	return ct_join(th, res, CLOCK_REALTIME, NULL, true);
}

int pthread_timedjoin_np(pthread_t th, void **res, const struct timespec *abstime)
{
	return ct_join(th, res, CLOCK_REALTIME, abstime, false);
}

int pthread_clockjoin_np(pthread_t th, void **res, clockid_t clock,
			 const struct timespec *abstime)
{
	return ct_join(th, res, clock, abstime, false);
}
