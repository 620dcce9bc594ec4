/* SPDX-License-Identifier: MIT */
/* Condition variables: a sequence futex and a count of waiters.
 *
 * A waiter reads `seq' before it registers and before it releases the
 * mutex, then sleeps only while `seq' is unchanged; every signal and
 * broadcast bumps `seq' after it has seen the registration, so a wake-up
 * is never lost between "mutex released" and "asleep".
 *
 * `state' counts waiters inside wait (low half) and waiters no signal has
 * accounted for yet (high half, "unwoken").  A signal claims one unwoken
 * waiter and wakes one sleeper; a broadcast claims all.  A waiter leaving
 * clamps unwoken to the waiters still inside, because more waiters may
 * leave than were signalled (a waiter that never slept sees the new seq,
 * timeouts, spurious wake-ups).  Unwoken never undercounts a sleeper, so
 * a signal is never skipped while one sleeps; it may overcount, which
 * costs at most a wake-up nobody needed.
 *
 * A private broadcast wakes one waiter and requeues the others onto the
 * mutex word, instead of waking a herd that would only fight over the
 * mutex.  A private signal while the mutex is held (typically by the
 * signaller) wakes nobody: it requeues one waiter onto the mutex word and
 * makes sure the word is at 2, so the unlock wakes it once the mutex is
 * free -- rather than a waiter that wakes only to sleep again on the
 * mutex ("wait morphing").  Waiters that may have been requeued (they see
 * `bcast' changed and did sleep) take the mutex back in its contended
 * state, so that each unlock keeps waking the next of them.
 *
 * `bcast' is bumped after `seq' and before the requeue: a waiter in the
 * futex queue at the requeue compared the old seq in the kernel, so it
 * read `bcast' (after registering, before sleeping) before the bump and
 * sees it change.  A requeued waiter that times out on the mutex word
 * was still signalled (seq moved): it returns 0, so that no signal is
 * spent on a waiter reporting ETIMEDOUT.
 *
 * The wait is a cancellation point.  A waiter cancelled while it sleeps
 * leaves, passes on a signal it may have been sent (POSIX: a cancelled
 * waiter consumes no signal another waiter could take), and takes the
 * mutex back before the program's cleanup handlers run. */
#define _GNU_SOURCE	/* <pthread.h> declares the clock* variants */
#include <errno.h>
#include <limits.h>
#include "cancel.h"
#include "sync.h"
#include "valgrind.h"

#define C(p) ((struct ct_cond *)(p))
#define INSIDE_MASK 0x7fffffffu
#define DESTROY 0x80000000u	/* destroy waits for the last to leave */
#define UNWOKEN_ONE ((uint64_t)1 << 32)

static inline _Atomic int *inside_word(struct ct_cond *c)
{
	return (_Atomic int *)&c->state;	/* low half, little-endian */
}

static void leave(struct ct_cond *c, bool shared)
{
	uint64_t s = atomic_load_explicit(&c->state, memory_order_relaxed), n;
	do {
		uint32_t inside = (uint32_t)s - 1, unwoken = s >> 32;
		if (unwoken > (inside & INSIDE_MASK))
			unwoken = inside & INSIDE_MASK;
		n = (uint64_t)unwoken << 32 | inside;
	} while (!atomic_compare_exchange_weak_explicit(&c->state, &s, n,
			memory_order_release, memory_order_relaxed));
	if ((uint32_t)n == DESTROY)
		ct_futex_wake(inside_word(c), INT_MAX, shared);
}

struct waiter {
	struct ct_cond *c;
	struct ct_mutex *m;
	int seq;
	unsigned depth;
	bool asleep;		/* between the mutex release and the relock */
};

/* Runs when a cancellation unwinds a sleeping waiter. */
static void cancelled(struct waiter *w)
{
	if (!w->asleep)
		return;
	struct ct_cond *c = w->c;
	bool signalled = atomic_load(&c->seq) != w->seq;
	leave(c, c->flags & CT_COND_SHARED);
	if (signalled)
		ct_cond_wake(c, false);
	ct_mutex_cond_lock(w->m, w->depth, true);
}

static int wait_on(struct ct_cond *c, struct ct_mutex *m, clockid_t clock,
		   const struct timespec *abstime)
{
	if (abstime && ct_check_timespec(abstime))
		return EINVAL;
	bool shared = c->flags & CT_COND_SHARED;
	if (!shared)
		atomic_store_explicit(&c->mutex, m, memory_order_relaxed);
	struct waiter w __attribute__((cleanup(cancelled))) = {
		.c = c, .m = m, .seq = atomic_load(&c->seq) };
	int seq = w.seq;
	atomic_fetch_add(&c->state, UNWOKEN_ONE + 1);
	int bcast = atomic_load_explicit(&c->bcast, memory_order_relaxed);
	int r = ct_mutex_cond_unlock(m, &w.depth);
	if (r) {
		leave(c, shared);
		return r;
	}
	/* The signal often comes while we release the mutex: spare the
	 * system call then. */
	w.asleep = true;
	r = atomic_load_explicit(&c->seq, memory_order_relaxed) != seq ? EAGAIN
	    : ct_futex_wait_cp(&c->seq, seq, clock, abstime, shared);
	/* A signal handler's EINTR, or a wake-up that no signal or
	 * broadcast sent (seq unchanged), is not the end of the wait: as in
	 * glibc, only one of those or the deadline ends it. */
	while ((r == EINTR || r == 0) &&
	       atomic_load_explicit(&c->seq, memory_order_relaxed) == seq)
		r = ct_futex_wait_cp(&c->seq, seq, clock, abstime, shared);
	w.asleep = false;
	/* EAGAIN: never queued, so never requeued. */
	bool contended = r != EAGAIN && atomic_load_explicit(&c->bcast,
					memory_order_relaxed) != bcast;
	if (r == ETIMEDOUT && atomic_load(&c->seq) != seq)
		r = 0;
	r = r == ETIMEDOUT || r == EINVAL ? r : 0;
	leave(c, shared);
	int lr = ct_mutex_cond_lock(m, w.depth, contended);
	return lr ? lr : r;
}

/* Waits and wake-ups tell the race checkers (valgrind.h) from annotated
 * copies. */
static ct_vg_annotated int vg_wait_on(struct ct_cond *c, struct ct_mutex *m,
				      clockid_t clock,
				      const struct timespec *abstime)
{
	bool valid __attribute__((unused)) = false;
	ct_vg_cond_wait_pre(c, m, atomic_load(&m->kind), &valid);
	int r = wait_on(c, m, clock, abstime);
	ct_vg_cond_wait_post(c, m, r, valid);
	return r;
}

int ct_cond_wait(struct ct_cond *c, struct ct_mutex *m, clockid_t clock,
		 const struct timespec *abstime)
{
	return ct_vg_listening() ? vg_wait_on(c, m, clock, abstime)
				 : wait_on(c, m, clock, abstime);
}

/* Claim one unwoken waiter (all: every one); false if there is none. */
static bool claim(struct ct_cond *c, bool all)
{
	uint64_t s = atomic_load(&c->state);
	do {
		if ((s >> 32) == 0)
			return false;
	} while (!atomic_compare_exchange_weak(&c->state, &s,
			all ? (uint32_t)s : s - UNWOKEN_ONE));
	return true;
}

/* Wake what claim() accounted for. */
static void wake(struct ct_cond *c, bool all)
{
	bool shared = c->flags & CT_COND_SHARED;
	int seq = atomic_fetch_add(&c->seq, 1) + 1;
	struct ct_mutex *m = shared ? NULL :
		atomic_load_explicit(&c->mutex, memory_order_relaxed);
	/* A signal requeues only onto a mutex that already has waiters: its
	 * unlock makes a wake call anyway, and the waiter would only find it
	 * held.  On a free or merely held mutex a plain wake is one system
	 * call where requeue plus the unlock's wake are two, and the waiter
	 * usually finds the mutex released by the time it runs. */
	if (m && ct_mutex_requeueable(m, false) &&
	    (all || atomic_load_explicit(&m->lock, memory_order_relaxed) == 2)) {
		atomic_fetch_add(&c->bcast, 1);
		int n = ct_futex_requeue(&c->seq, all ? 1 : 0, all ? INT_MAX : 1,
					 &m->lock, seq, false);
		/* The broadcast's woken waiter relocks at 2 and so hands the
		 * word on; a signal woke nobody, so it sees to it itself. */
		if (n > 0 && !all)
			ct_mutex_requeued(m);
		if (n >= 0)
			return;
		/* seq moved again (EAGAIN): fall back to a plain wake. */
	}
	ct_futex_wake(&c->seq, all ? INT_MAX : 1, shared);
}

static void wake_claimed(struct ct_cond *c, bool all)
{
	if (claim(c, all))
		wake(c, all);
}

static ct_vg_annotated void vg_wake_claimed(struct ct_cond *c, bool all)
{
	ct_vg_cond_wake_pre(c, all);
	wake_claimed(c, all);
	ct_vg_cond_wake_post(c, all);
}

int ct_cond_wake(struct ct_cond *c, bool all)
{
	if (ct_vg_listening())
		vg_wake_claimed(c, all);
	else
		wake_claimed(c, all);
	return 0;
}

int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	return ct_cond_wait(C(c), (struct ct_mutex *)m, CLOCK_REALTIME, NULL);
}

int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
			   const struct timespec *abstime)
{
	clockid_t clock = C(c)->flags & CT_COND_MONOTONIC ? CLOCK_MONOTONIC
							   : CLOCK_REALTIME;
	return ct_cond_wait(C(c), (struct ct_mutex *)m, clock, abstime);
}

int pthread_cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m,
			   clockid_t clock, const struct timespec *abstime)
{
	if (!ct_clock_ok(clock))
		return EINVAL;
	return ct_cond_wait(C(c), (struct ct_mutex *)m, clock, abstime);
}

int pthread_cond_signal(pthread_cond_t *c)
{
	return ct_cond_wake(C(c), false);
}

int pthread_cond_broadcast(pthread_cond_t *c)
{
	return ct_cond_wake(C(c), true);
}

int pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *a)
{
	*C(c) = (struct ct_cond){ .flags = a ? *(const int *)a : 0 };
	ct_vg_cond_init(c);
	return 0;
}

/* EBUSY while a waiter is still blocked; otherwise wait for the waiters
 * already woken to be out, so the memory may be freed on return. */
static int destroy(struct ct_cond *c)
{
	if (atomic_load(&c->state) >> 32)
		return EBUSY;
	bool shared = c->flags & CT_COND_SHARED;
	atomic_fetch_or(&c->state, DESTROY);
	/* Woken waiters may sit requeued on the mutex word, which the caller
	 * may hold: wake them there, so each leaves before relocking. */
	struct ct_mutex *m = shared ? NULL :
		atomic_load_explicit(&c->mutex, memory_order_relaxed);
	if (m && atomic_load(inside_word(c)) != (int)DESTROY &&
	    ct_mutex_requeueable(m, false))
		ct_futex_wake(&m->lock, INT_MAX, false);
	for (;;) {
		int v = atomic_load(inside_word(c));
		if ((unsigned)v == DESTROY)
			return 0;
		ct_futex_wait(inside_word(c), v, CLOCK_MONOTONIC, NULL, shared);
	}
}

int pthread_cond_destroy(pthread_cond_t *cc)
{
	struct ct_cond *c = C(cc);
	ct_vg_cond_destroy_pre(c, ct_vg_untouched(c));
	int r = destroy(c);
	ct_vg_cond_destroy_post(c, r);
	return r;
}
