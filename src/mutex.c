/* SPDX-License-Identifier: MIT */
/* Mutexes: the plain and checked words, the one dispatch over the
 * protocols, and the entry points.
 *
 * Plain word (normal, adaptive; and under the checked types and priority
 * protection): 0 free, 1 locked, 2 locked and perhaps waited for
 * (Drepper's mutex #3).  An unlock that finds 2 wakes one waiter; a woken
 * waiter takes the lock back at 2, since it cannot know whether others
 * still sleep.
 *
 * Checked types (recursive, errorcheck, and priority protection,
 * mutex_pp.c) keep the owner's tid in `owner' for EDEADLK/EPERM and
 * recursion; the normal type skips that, as glibc does.  Robust and PI
 * mutexes use the kernel's tid word instead (mutex_robust.c).
 *
 * An uncontended lock and unlock of a normal mutex never leave
 * pthread_mutex_lock/unlock; everything else goes through the dispatch,
 * one protocol per kind. */
#define _GNU_SOURCE	/* <pthread.h> declares the clock* variants */
#include <errno.h>
#include <limits.h>
#include "mutex.h"
#include "glibc/glibc.h"
#include "valgrind.h"

#define M(p) ((struct ct_mutex *)(p))

/* ---- plain word ---- */

/* Adaptive mutexes spin this long at most before sleeping; the budget
 * follows the spins that recent acquisitions needed (`spins'). */
#define ADAPTIVE_MAX_SPIN 100

static bool adaptive_spin(struct ct_mutex *m)
{
	int budget = m->spins * 2 + 10, i;
	if (budget > ADAPTIVE_MAX_SPIN)
		budget = ADAPTIVE_MAX_SPIN;
	for (i = 0; i < budget; i++) {
		int c = 0;
		if (atomic_load_explicit(&m->lock, memory_order_relaxed) == 0 &&
		    atomic_compare_exchange_weak_explicit(&m->lock, &c, 1,
				memory_order_acquire, memory_order_relaxed)) {
			m->spins += (i - m->spins) / 8;
			return true;
		}
		ct_cpu_relax();
	}
	m->spins += (budget - m->spins) / 8;
	return false;
}

/* Block until the word is ours, leaving it at 2. */
static int plain_lock_wait(struct ct_mutex *m, int kind, clockid_t clock,
			   const struct timespec *abstime)
{
	while (atomic_exchange_explicit(&m->lock, 2, memory_order_acquire)) {
		int r = ct_futex_wait(&m->lock, 2, clock, abstime,
				      ct_mutex_shared(kind));
		if (r == ETIMEDOUT || r == EINVAL)
			return r;
	}
	return 0;
}

static int plain_lock(struct ct_mutex *m, int kind, clockid_t clock,
		      const struct timespec *abstime, bool try)
{
	int c = 0;
	if (atomic_compare_exchange_strong_explicit(&m->lock, &c, 1,
			memory_order_acquire, memory_order_relaxed))
		return 0;
	if (try)
		return EBUSY;
	if ((kind & CT_MK_TYPE) == PTHREAD_MUTEX_ADAPTIVE_NP && adaptive_spin(m))
		return 0;
	return plain_lock_wait(m, kind, clock, abstime);
}

static inline void plain_unlock(struct ct_mutex *m, int kind)
{
	if (atomic_exchange_explicit(&m->lock, 0, memory_order_release) == 2)
		ct_futex_wake(&m->lock, 1, ct_mutex_shared(kind));
}

/* ---- checked word: recursive, errorcheck ---- */

int ct_mutex_never(clockid_t clock, const struct timespec *abstime)
{
	_Atomic int zero = 0;
	int r;
	do
		r = ct_futex_wait(&zero, 0, clock, abstime, false);
	while (r != ETIMEDOUT && r != EINVAL);
	return r;
}

int ct_mutex_relock(struct ct_mutex *m, int kind, clockid_t clock,
		    const struct timespec *abstime, bool try)
{
	switch (kind & CT_MK_TYPE) {
	case PTHREAD_MUTEX_RECURSIVE:
		if (m->count == UINT_MAX)
			return EAGAIN;
		m->count++;
		return 0;
	case PTHREAD_MUTEX_ERRORCHECK:
		return try ? EBUSY : EDEADLK;
	default:
		return try ? EBUSY : ct_mutex_never(clock, abstime);
	}
}

int ct_mutex_checked_lock(struct ct_mutex *m, int kind, clockid_t clock,
			  const struct timespec *abstime, bool try)
{
	int tid = ct_self_tid();
	if (atomic_load_explicit(&m->owner, memory_order_relaxed) == tid)
		return ct_mutex_relock(m, kind, clock, abstime, try);
	int r = plain_lock(m, kind, clock, abstime, try);
	if (r)
		return r;
	atomic_store_explicit(&m->owner, tid, memory_order_relaxed);
	m->count = 0;
	return 0;
}

bool ct_mutex_unwind_count(struct ct_mutex *m, unsigned *depth)
{
	if (depth) {
		*depth = m->count;
		m->count = 0;
		return false;
	}
	if (!m->count)
		return false;
	m->count--;
	return true;
}

int ct_mutex_checked_unlock(struct ct_mutex *m, int kind, unsigned *depth)
{
	if (atomic_load_explicit(&m->owner, memory_order_relaxed) !=
	    ct_self_tid())
		return EPERM;
	if (ct_mutex_unwind_count(m, depth))
		return 0;
	atomic_store_explicit(&m->owner, 0, memory_order_relaxed);
	plain_unlock(m, kind);
	return 0;
}

/* ---- dispatch ---- */

static int plain_release(struct ct_mutex *m, int kind, unsigned *depth)
{
	plain_unlock(m, kind);
	return 0;
}

static const struct ct_mutex_proto plain_proto = { plain_lock, plain_release };
static const struct ct_mutex_proto checked_proto = {
	ct_mutex_checked_lock, ct_mutex_checked_unlock };

/* The protocol of a valid kind. */
static const struct ct_mutex_proto *proto_of(int kind)
{
	if (kind & (CT_MK_ROBUST | CT_MK_PI))
		return &ct_mutex_tid_proto;
	if (kind & CT_MK_PP)
		return &ct_mutex_pp_proto;
	int type = kind & CT_MK_TYPE;
	return type == PTHREAD_MUTEX_RECURSIVE || type == PTHREAD_MUTEX_ERRORCHECK
	       ? &checked_proto : &plain_proto;
}

int ct_mutex_acquire(struct ct_mutex *m, clockid_t clock,
		     const struct timespec *abstime, bool try)
{
	int kind = ct_mutex_kind(m);
	if (unlikely(kind & ~CT_MK_VALID))
		return EINVAL;
	return proto_of(kind)->lock(m, kind, clock, abstime, try);
}

int ct_mutex_release(struct ct_mutex *m, unsigned *depth)
{
	int kind = ct_mutex_kind(m);
	if (unlikely(kind & ~CT_MK_VALID))
		return EINVAL;
	return proto_of(kind)->unlock(m, kind, depth);
}

/* ---- entry points ---- */

static inline int lock(struct ct_mutex *m)
{
	int kind = ct_mutex_kind(m);
	/* A private normal mutex in a single-threaded process: nobody can
	 * race with us, so no atomic instruction (glibc does the same). */
	if (kind == 0 && ct_glibc_single_threaded() &&
	    atomic_load_explicit(&m->lock, memory_order_relaxed) == 0) {
		atomic_store_explicit(&m->lock, 1, memory_order_relaxed);
		return 0;
	}
	/* Fast path: a normal mutex, free. */
	if (likely((kind & ~CT_MK_SHARED) == 0)) {
		int c = 0;
		if (likely(atomic_compare_exchange_strong_explicit(&m->lock,
				&c, 1, memory_order_acquire,
				memory_order_relaxed)))
			return 0;
	}
	return ct_mutex_acquire(m, CLOCK_REALTIME, NULL, false);
}

static inline int unlock(struct ct_mutex *m)
{
	int kind = ct_mutex_kind(m);
	if (kind == 0 && ct_glibc_single_threaded()) {
		atomic_store_explicit(&m->lock, 0, memory_order_relaxed);
		return 0;
	}
	if (likely((kind & ~CT_MK_SHARED) == 0)) {
		plain_unlock(m, kind);
		return 0;
	}
	return ct_mutex_release(m, NULL);
}

/* The entry points, each telling the race checkers (valgrind.h) from an
 * annotated copy. */

static ct_vg_annotated int vg_lock(struct ct_mutex *m)
{
	ct_vg_mutex_lock_pre(m, ct_mutex_kind(m), false, false);
	int r = lock(m);
	ct_vg_mutex_lock_post(m, r);
	return r;
}

int pthread_mutex_lock(pthread_mutex_t *m)
{
	return ct_vg_listening() ? vg_lock(M(m)) : lock(M(m));
}

static ct_vg_annotated int vg_unlock(struct ct_mutex *m)
{
	ct_vg_mutex_unlock_pre(m, ct_mutex_kind(m));
	int r = unlock(m);
	ct_vg_mutex_unlock_post(m);
	return r;
}

int pthread_mutex_unlock(pthread_mutex_t *m)
{
	return ct_vg_listening() ? vg_unlock(M(m)) : unlock(M(m));
}

static ct_vg_annotated int vg_acquire(struct ct_mutex *m, clockid_t clock,
				      const struct timespec *abstime, bool try)
{
	ct_vg_mutex_lock_pre(m, ct_mutex_kind(m), try, abstime != NULL);
	int r = ct_mutex_acquire(m, clock, abstime, try);
	ct_vg_mutex_lock_post(m, r);
	return r;
}

static int acquire(struct ct_mutex *m, clockid_t clock,
		   const struct timespec *abstime, bool try)
{
	return ct_vg_listening() ? vg_acquire(m, clock, abstime, try)
				 : ct_mutex_acquire(m, clock, abstime, try);
}

int pthread_mutex_trylock(pthread_mutex_t *m)
{
	return acquire(M(m), CLOCK_REALTIME, NULL, true);
}

int pthread_mutex_clocklock(pthread_mutex_t *m, clockid_t clock,
			    const struct timespec *abstime)
{
	if (!ct_clock_ok(clock))
		return EINVAL;
	return acquire(M(m), clock, abstime, false);
}

int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *abstime)
{
	return acquire(M(m), CLOCK_REALTIME, abstime, false);
}

int ct_mutex_cond_unlock(struct ct_mutex *m, unsigned *depth)
{
	*depth = 0;
	return ct_mutex_release(m, depth);
}

int ct_mutex_cond_lock(struct ct_mutex *m, unsigned depth, bool contended)
{
	int kind = ct_mutex_kind(m), r;
	if (contended && !(kind & (CT_MK_ROBUST | CT_MK_PI | CT_MK_PP))) {
		r = plain_lock_wait(m, kind, CLOCK_REALTIME, NULL);
		int type = kind & CT_MK_TYPE;
		if (type == PTHREAD_MUTEX_RECURSIVE ||
		    type == PTHREAD_MUTEX_ERRORCHECK)
			atomic_store_explicit(&m->owner, ct_self_tid(),
					      memory_order_relaxed);
	} else {
		r = ct_mutex_acquire(m, CLOCK_REALTIME, NULL, false);
	}
	if (r == 0 || r == EOWNERDEAD)
		m->count = depth;
	return r;
}

/* A sleeper on a plain word is safe once the word is seen at 2 after it
 * queued: the unlock that leaves 2 wakes one, and every woken sleeper
 * takes the word back at 2.  Or once the word is seen free and a wake
 * follows.  (The load comes after the requeue's futex bucket locks.) */
void ct_mutex_requeued(struct ct_mutex *m)
{
	int v = atomic_load(&m->lock);
	while (v != 2) {
		if (v == 0) {
			ct_futex_wake(&m->lock, 1, false);
			return;
		}
		if (atomic_compare_exchange_weak_explicit(&m->lock, &v, 2,
				memory_order_relaxed, memory_order_relaxed))
			return;
	}
}

/* ---- init, destroy ---- */

int pthread_mutex_init(pthread_mutex_t *mm, const pthread_mutexattr_t *a)
{
	struct ct_mutex *m = M(mm);
	int kind = 0;
	if (a) {
		/* mutexattr.c stores the kind in the same encoding. */
		kind = *(const int *)a;
		if ((kind & CT_MK_ROBUST) && (kind & CT_MK_PP))
			return ENOTSUP;
	}
	ct_vg_mutex_init_pre(m, kind);
	*m = (struct ct_mutex){ .kind = kind };
	ct_vg_mutex_init_post(m, kind);
	return 0;
}

static int destroy(struct ct_mutex *m)
{
	int kind = ct_mutex_kind(m);
	if (kind & ~CT_MK_VALID)
		return EINVAL;
	/* A robust mutex may be destroyed even while held (by a thread that
	 * may have died), as glibc allows. */
	int v = atomic_load_explicit(&m->lock, memory_order_relaxed);
	if (!(kind & CT_MK_ROBUST) && (kind & CT_MK_PI ? v & FUTEX_TID_MASK : v))
		return EBUSY;
	atomic_store_explicit(&m->kind, CT_MK_DESTROYED, memory_order_relaxed);
	return 0;
}

int pthread_mutex_destroy(pthread_mutex_t *mm)
{
	struct ct_mutex *m = M(mm);
	ct_vg_mutex_destroy_pre(m, ct_vg_untouched(m));
	int r = destroy(m);
	ct_vg_mutex_destroy_post(m, ct_mutex_kind(m));
	return r;
}

/* glibc's internal names, which some programs and libraries call. */
ct_alias(__pthread_mutex_lock, pthread_mutex_lock);
ct_alias(__pthread_mutex_unlock, pthread_mutex_unlock);
ct_alias(__pthread_mutex_trylock, pthread_mutex_trylock);
ct_alias(__pthread_mutex_init, pthread_mutex_init);
ct_alias(__pthread_mutex_destroy, pthread_mutex_destroy);
