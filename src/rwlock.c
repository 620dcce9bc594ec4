/* SPDX-License-Identifier: MIT */
/* Read-write locks: one futex word.
 *
 *   bits 0-27  readers holding it
 *   WAIT       someone sleeps (or is about to) on the word
 *   WW         a writer waits: new readers stay out (writer-preferring
 *              kind only; set by each such writer before it sleeps)
 *   WR         a writer holds it
 *
 * Invariant: a sleeper sleeps only on a word value that has WAIT set, and
 * whoever clears WAIT wakes every sleeper; the woken ones set it again if
 * they go back to sleep.  So no wake-up is lost, at the price of waking
 * all waiters when the lock becomes free.
 *
 * PTHREAD_RWLOCK_PREFER_WRITER_NP behaves like PREFER_READER, as in glibc:
 * a thread holding a read lock may take it again, which writer
 * preference would deadlock. */
#define _GNU_SOURCE	/* <pthread.h> declares the clock* variants */
#include <errno.h>
#include <limits.h>
#include "sync.h"
#include "valgrind.h"

#define RD_MASK	0x0fffffff
#define WAIT	0x10000000
#define WW	0x20000000
#define WR	0x40000000

#define KIND_OFF offsetof(pthread_rwlock_t, __data.__flags)
struct ct_rwlock {
	_Atomic int word;
	_Atomic int writer;	/* tid of the write owner, for EDEADLK/EPERM */
	int shared;		/* PTHREAD_PROCESS_SHARED */
	char pad[KIND_OFF - 3 * sizeof(int)];
	/* At glibc's __flags, which its static initializers write: an int
	 * on 64-bit CPUs, a byte followed by three zero ones on i386. */
	int kind;
	char pad2[sizeof(pthread_rwlock_t) - KIND_OFF - sizeof(int)];
};
_Static_assert(sizeof(struct ct_rwlock) == sizeof(pthread_rwlock_t), "rwlock size");
_Static_assert(offsetof(struct ct_rwlock, kind) == KIND_OFF, "rwlock kind offset");

#define RW(p) ((struct ct_rwlock *)(p))

static inline bool prefer_writer(struct ct_rwlock *rw)
{
	return rw->kind == PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP;
}

/* Sleep on value v | bits; returns 0 to retry, or ETIMEDOUT/EINVAL. */
static int sleep_on(struct ct_rwlock *rw, int *v, int bits, clockid_t clock,
		    const struct timespec *abstime)
{
	int want = *v | bits;
	if (want != *v && !atomic_compare_exchange_weak_explicit(&rw->word,
			v, want, memory_order_relaxed, memory_order_relaxed))
		return 0;
	int r = ct_futex_wait(&rw->word, want, clock, abstime, rw->shared);
	*v = atomic_load_explicit(&rw->word, memory_order_relaxed);
	return r == ETIMEDOUT || r == EINVAL ? r : 0;
}

static bool owns_write(struct ct_rwlock *rw, int v)
{
	return (v & WR) && atomic_load_explicit(&rw->writer,
				memory_order_relaxed) == ct_self_tid();
}

static int rd_lock(struct ct_rwlock *rw, clockid_t clock,
		   const struct timespec *abstime, bool try)
{
	/* A bad deadline is refused even when the lock is free, as glibc
	 * does (POSIX lets it be ignored then). */
	if (abstime && ct_check_timespec(abstime))
		return EINVAL;
	int v = atomic_load_explicit(&rw->word, memory_order_relaxed);
	for (;;) {
		if (!(v & (WR | WW))) {
			if ((v & RD_MASK) == RD_MASK)
				return EAGAIN;
			if (atomic_compare_exchange_weak_explicit(&rw->word,
					&v, v + 1, memory_order_acquire,
					memory_order_relaxed))
				return 0;
			continue;
		}
		if (try)	/* EBUSY even for the owner, as in glibc */
			return EBUSY;
		if (owns_write(rw, v))
			return EDEADLK;
		int r = sleep_on(rw, &v, WAIT, clock, abstime);
		if (r)
			return r;
	}
}

static int wr_lock(struct ct_rwlock *rw, clockid_t clock,
		   const struct timespec *abstime, bool try)
{
	if (abstime && ct_check_timespec(abstime))
		return EINVAL;
	int v = 0, slept = 0;	/* WAIT once we slept: others may sleep */
	int ww = prefer_writer(rw) ? WW : 0;
	for (;;) {
		if (!(v & (WR | RD_MASK))) {
			if (atomic_compare_exchange_weak_explicit(&rw->word,
					&v, v | WR | slept,
					memory_order_acquire,
					memory_order_relaxed)) {
				atomic_store_explicit(&rw->writer,
					ct_self_tid(), memory_order_relaxed);
				return 0;
			}
			continue;
		}
		if (try)	/* EBUSY even for the owner, as in glibc */
			return EBUSY;
		if (owns_write(rw, v))
			return EDEADLK;
		int r = sleep_on(rw, &v, WAIT | ww, clock, abstime);
		if (r) {
			/* Readers may be held back by our WW alone. */
			if (ww && atomic_fetch_and_explicit(&rw->word,
					~(WW | WAIT), memory_order_relaxed) & WAIT)
				ct_futex_wake(&rw->word, INT_MAX, rw->shared);
			return r;
		}
		slept = WAIT;
	}
}

static inline int lock(struct ct_rwlock *rw, bool write, clockid_t clock,
			const struct timespec *abstime, bool try)
{
	return write ? wr_lock(rw, clock, abstime, try)
		     : rd_lock(rw, clock, abstime, try);
}

/* Every lock call, telling the race checkers (valgrind.h) from an
 * annotated copy. */
static ct_vg_annotated int vg_acquire(struct ct_rwlock *rw, bool write,
				      clockid_t clock,
				      const struct timespec *abstime, bool try)
{
	ct_vg_rwlock_lock_pre(rw, write, try);
	int r = lock(rw, write, clock, abstime, try);
	ct_vg_rwlock_lock_post(rw, write, r);
	return r;
}

static int acquire(struct ct_rwlock *rw, bool write, clockid_t clock,
		   const struct timespec *abstime, bool try)
{
	return ct_vg_listening() ? vg_acquire(rw, write, clock, abstime, try)
				 : lock(rw, write, clock, abstime, try);
}

static int unlock(struct ct_rwlock *rw)
{
	int v = atomic_load_explicit(&rw->word, memory_order_relaxed);
	if (v & WR) {
		if (!owns_write(rw, v))
			return EPERM;
		atomic_store_explicit(&rw->writer, 0, memory_order_relaxed);
		if (atomic_exchange_explicit(&rw->word, 0,
				memory_order_release) & WAIT)
			ct_futex_wake(&rw->word, INT_MAX, rw->shared);
		return 0;
	}
	if (!(v & RD_MASK))
		return EPERM;
	v = atomic_fetch_sub_explicit(&rw->word, 1, memory_order_release) - 1;
	if ((v & RD_MASK) == 0 && (v & WAIT) &&
	    atomic_fetch_and_explicit(&rw->word, ~WAIT,
			memory_order_relaxed) & WAIT)
		ct_futex_wake(&rw->word, INT_MAX, rw->shared);
	return 0;
}

static ct_vg_annotated int vg_unlock(struct ct_rwlock *rw)
{
	ct_vg_rwlock_unlock_pre(rw);
	int r = unlock(rw);
	ct_vg_rwlock_unlock_post(rw, r);
	return r;
}

int pthread_rwlock_unlock(pthread_rwlock_t *l)
{
	return ct_vg_listening() ? vg_unlock(RW(l)) : unlock(RW(l));
}

int pthread_rwlock_rdlock(pthread_rwlock_t *l)
{
	return acquire(RW(l), false, CLOCK_REALTIME, NULL, false);
}

int pthread_rwlock_tryrdlock(pthread_rwlock_t *l)
{
	return acquire(RW(l), false, CLOCK_REALTIME, NULL, true);
}

int pthread_rwlock_timedrdlock(pthread_rwlock_t *l, const struct timespec *t)
{
	return acquire(RW(l), false, CLOCK_REALTIME, t, false);
}

int pthread_rwlock_clockrdlock(pthread_rwlock_t *l, clockid_t clock,
			       const struct timespec *t)
{
	return ct_clock_ok(clock) ? acquire(RW(l), false, clock, t, false)
				  : EINVAL;
}

int pthread_rwlock_wrlock(pthread_rwlock_t *l)
{
	return acquire(RW(l), true, CLOCK_REALTIME, NULL, false);
}

int pthread_rwlock_trywrlock(pthread_rwlock_t *l)
{
	return acquire(RW(l), true, CLOCK_REALTIME, NULL, true);
}

int pthread_rwlock_timedwrlock(pthread_rwlock_t *l, const struct timespec *t)
{
	return acquire(RW(l), true, CLOCK_REALTIME, t, false);
}

int pthread_rwlock_clockwrlock(pthread_rwlock_t *l, clockid_t clock,
			       const struct timespec *t)
{
	return ct_clock_ok(clock) ? acquire(RW(l), true, clock, t, false)
				  : EINVAL;
}

/* rwlockattr.c keeps {kind, pshared} in the attribute's two ints. */
int pthread_rwlock_init(pthread_rwlock_t *l, const pthread_rwlockattr_t *a)
{
	const int *attr = (const int *)a;
	*RW(l) = (struct ct_rwlock){
		.kind = a ? attr[0] : PTHREAD_RWLOCK_DEFAULT_NP,
		.shared = a ? attr[1] == PTHREAD_PROCESS_SHARED : 0,
	};
	ct_vg_rwlock_init(l);
	return 0;
}

/* Always succeeds, as in glibc: destroying a lock still held is
 * undefined, and programs tested on glibc never see EBUSY here. */
int pthread_rwlock_destroy(pthread_rwlock_t *l)
{
	ct_vg_rwlock_destroy(l);
	return 0;
}

ct_alias(__pthread_rwlock_init, pthread_rwlock_init);
ct_alias(__pthread_rwlock_destroy, pthread_rwlock_destroy);
ct_alias(__pthread_rwlock_rdlock, pthread_rwlock_rdlock);
ct_alias(__pthread_rwlock_tryrdlock, pthread_rwlock_tryrdlock);
ct_alias(__pthread_rwlock_wrlock, pthread_rwlock_wrlock);
ct_alias(__pthread_rwlock_trywrlock, pthread_rwlock_trywrlock);
ct_alias(__pthread_rwlock_unlock, pthread_rwlock_unlock);
