/* SPDX-License-Identifier: MIT */
/* Unnamed and named semaphores share glibc's protocol (sync.h), so a
 * named one works between a glibc process and ours.  A waiter counts
 * itself before it sleeps on the value being 0; sem_post adds one to the
 * value and wakes one sleeper if any are counted.  Where glibc has 64-bit
 * atomics, value and count share one word; elsewhere (i386) a bit of the
 * value word says that waiters may be counted, in a word of their own.
 *
 * The waits are cancellation points, at entry as in glibc and while
 * asleep.  A waiter cancelled while asleep uncounts itself, and hands a
 * post's wake-up on to another sleeper if the value it leaves is not 0.
 * A thread of the asynchronous type waits as a deferred one: a request
 * acting between the instructions of the wait (past the system call,
 * before the token is taken) would skip that cleanup, which runs only
 * around calls; the request acts when the wait returns instead. */
#define _GNU_SOURCE	/* <pthread.h> declares the clock* variants */
#include <errno.h>
#include <limits.h>
#include "cancel.h"
#include "sync.h"
#include "valgrind.h"

#define S(p) ((struct ct_sem *)(p))

static inline int fail(int err)
{
	errno = err;
	return -1;
}

static inline bool shared(struct ct_sem *s)
{
	return s->private != 0;
}

/* Per protocol: value_word (the futex waiters sleep on), count (the
 * value), try_take, wait_token (count in, sleep until a token is taken
 * or the wait fails, count out; 0 or the error), give (one token more;
 * EOVERFLOW), set (sem_init's value). */
#if CT_ARCH_64B_ATOMICS

#define WAITER ((uint64_t)1 << CT_SEM_WAITER_SHIFT)

static inline _Atomic int *value_word(struct ct_sem *s)
{
	return (_Atomic int *)&s->data;	/* low half, little-endian */
}

static inline unsigned count(struct ct_sem *s)
{
	return atomic_load_explicit(&s->data, memory_order_relaxed) &
	       CT_SEM_VALUE_MASK;
}

static bool try_take(struct ct_sem *s)
{
	uint64_t d = atomic_load_explicit(&s->data, memory_order_relaxed);
	while (d & CT_SEM_VALUE_MASK)
		if (atomic_compare_exchange_weak_explicit(&s->data, &d, d - 1,
				memory_order_acquire, memory_order_relaxed))
			return true;
	return false;
}

static void cancelled(struct ct_sem **waiting)
{
	struct ct_sem *s = *waiting;
	if (!s)
		return;
	uint64_t d = atomic_fetch_sub(&s->data, WAITER) - WAITER;
	if ((d & CT_SEM_VALUE_MASK) && (d >> CT_SEM_WAITER_SHIFT))
		ct_futex_wake(value_word(s), 1, shared(s));
}

static int wait_token(struct ct_sem *s, clockid_t clock,
		      const struct timespec *abstime)
{
	struct ct_sem *waiting __attribute__((cleanup(cancelled))) = s;
	uint64_t d = atomic_fetch_add_explicit(&s->data, WAITER,
					       memory_order_relaxed) + WAITER;
	for (;;) {
		if (d & CT_SEM_VALUE_MASK) {
			/* The token, and out of the count, at once. */
			if (atomic_compare_exchange_weak_explicit(&s->data, &d,
					d - 1 - WAITER, memory_order_acquire,
					memory_order_relaxed))
				break;
			continue;
		}
		int r = ct_futex_wait_cp(value_word(s), 0, clock, abstime,
					 shared(s));
		if (r == ETIMEDOUT || r == EINTR || r == EINVAL) {
			atomic_fetch_sub_explicit(&s->data, WAITER,
						  memory_order_relaxed);
			waiting = NULL;
			return r;
		}
		d = atomic_load_explicit(&s->data, memory_order_relaxed);
	}
	waiting = NULL;
	return 0;
}

static int give(struct ct_sem *s)
{
	uint64_t d = atomic_load_explicit(&s->data, memory_order_relaxed);
	do {
		if ((d & CT_SEM_VALUE_MASK) == SEM_VALUE_MAX)
			return EOVERFLOW;
	} while (!atomic_compare_exchange_weak_explicit(&s->data, &d, d + 1,
			memory_order_release, memory_order_relaxed));
	if (d >> CT_SEM_WAITER_SHIFT)
		ct_futex_wake(value_word(s), 1, shared(s));
	return 0;
}

static inline void set(struct ct_sem *s, unsigned value)
{
	s->data = value;
}

#else	/* glibc's protocol without 64-bit atomics */

#define TOKEN (1u << CT_SEM_VALUE_SHIFT)

static inline _Atomic int *value_word(struct ct_sem *s)
{
	return (_Atomic int *)&s->value;
}

static inline unsigned count(struct ct_sem *s)
{
	return atomic_load_explicit(&s->value, memory_order_relaxed) >>
	       CT_SEM_VALUE_SHIFT;
}

static bool try_take(struct ct_sem *s)
{
	unsigned v = atomic_load_explicit(&s->value, memory_order_relaxed);
	while (v >= TOKEN)
		if (atomic_compare_exchange_weak_explicit(&s->value, &v,
				v - TOKEN, memory_order_acquire,
				memory_order_relaxed))
			return true;
	return false;
}

/* Count this waiter out.  The last one out clears the bit; if another
 * came in meanwhile, the bit is set again and the tokens there are get
 * their wake-ups, which a post that saw the bit clear did not send.
 * (glibc's order of operations, so that processes of both share one.) */
static void count_out(struct ct_sem *s)
{
	unsigned guess = atomic_load_explicit(&s->nwaiters, memory_order_relaxed);
	if (guess == 1)
		atomic_fetch_and_explicit(&s->value, ~CT_SEM_NWAITERS,
					  memory_order_acquire);
	unsigned before = atomic_fetch_sub_explicit(&s->nwaiters, 1,
						    memory_order_release);
	if (before > 1 && guess == 1) {
		unsigned v = atomic_fetch_or_explicit(&s->value, CT_SEM_NWAITERS,
						      memory_order_relaxed);
		if (v >= TOKEN)
			ct_futex_wake(value_word(s), v >> CT_SEM_VALUE_SHIFT,
				      shared(s));
	}
}

static void cancelled(struct ct_sem **waiting)
{
	struct ct_sem *s = *waiting;
	if (!s)
		return;
	count_out(s);
	unsigned v = atomic_load(&s->value);
	if (v >= TOKEN && (v & CT_SEM_NWAITERS))
		ct_futex_wake(value_word(s), 1, shared(s));
}

static int wait_token(struct ct_sem *s, clockid_t clock,
		      const struct timespec *abstime)
{
	struct ct_sem *waiting __attribute__((cleanup(cancelled))) = s;
	atomic_fetch_add_explicit(&s->nwaiters, 1, memory_order_acquire);
	unsigned v = atomic_load_explicit(&s->value, memory_order_relaxed);
	int r = 0;
	for (;;) {
		if (v >= TOKEN) {
			if (atomic_compare_exchange_weak_explicit(&s->value,
					&v, v - TOKEN, memory_order_acquire,
					memory_order_relaxed))
				break;
			continue;
		}
		/* No token: make sure posts know to wake, then sleep. */
		if (!(v & CT_SEM_NWAITERS) &&
		    !atomic_compare_exchange_weak_explicit(&s->value, &v,
				v | CT_SEM_NWAITERS, memory_order_release,
				memory_order_relaxed))
			continue;
		r = ct_futex_wait_cp(value_word(s), CT_SEM_NWAITERS, clock,
				     abstime, shared(s));
		if (r == ETIMEDOUT || r == EINTR || r == EINVAL)
			break;
		r = 0;
		v = atomic_load_explicit(&s->value, memory_order_relaxed);
	}
	count_out(s);
	waiting = NULL;
	return r;
}

static int give(struct ct_sem *s)
{
	unsigned v = atomic_load_explicit(&s->value, memory_order_relaxed);
	do {
		if ((v >> CT_SEM_VALUE_SHIFT) == SEM_VALUE_MAX)
			return EOVERFLOW;
	} while (!atomic_compare_exchange_weak_explicit(&s->value, &v,
			v + TOKEN, memory_order_release, memory_order_relaxed));
	if (v & CT_SEM_NWAITERS)
		ct_futex_wake(value_word(s), 1, shared(s));
	return 0;
}

static inline void set(struct ct_sem *s, unsigned value)
{
	s->value = value << CT_SEM_VALUE_SHIFT;
	s->nwaiters = 0;
}

#endif

static int take(struct ct_sem *s, clockid_t clock, const struct timespec *abstime)
{
	if (abstime && ct_check_timespec(abstime))
		return fail(EINVAL);
	ct_testcancel();
	if (try_take(s))
		return 0;
	int type = ct_cancel_type_defer();
	int r = wait_token(s, clock, abstime);
	ct_cancel_type_restore(type);
	return r ? fail(r) : 0;
}

/* The waits and sem_post tell the race checkers (valgrind.h) from
 * annotated copies. */
static ct_vg_annotated int vg_take(sem_t *sem, clockid_t clock,
				   const struct timespec *abstime)
{
	ct_vg_sem_wait_pre(sem);
	int r = take(S(sem), clock, abstime);
	ct_vg_sem_wait_post(sem, r);
	return r;
}

static int wait_for(sem_t *sem, clockid_t clock, const struct timespec *abstime)
{
	return ct_vg_listening() ? vg_take(sem, clock, abstime)
				 : take(S(sem), clock, abstime);
}

int sem_init(sem_t *sem, int pshared, unsigned value)
{
	if (value > SEM_VALUE_MAX)
		return fail(EINVAL);
	ct_vg_sem_init_pre(sem, pshared, value);
	struct ct_sem *s = S(sem);
	set(s, value);
	s->private = pshared ? CT_SEM_SHARED : 0;
	ct_vg_sem_init_post(sem, value);
	return 0;
}

int sem_destroy(sem_t *sem)
{
	ct_vg_sem_destroy(sem);
	return 0;
}

static int post(struct ct_sem *s)
{
	int err = give(s);
	return err ? fail(err) : 0;
}

static ct_vg_annotated int vg_post(sem_t *sem)
{
	ct_vg_sem_post_pre(sem);
	int r = post(S(sem));
	ct_vg_sem_post_post(sem, r);
	return r;
}

int sem_post(sem_t *sem)
{
	return ct_vg_listening() ? vg_post(sem) : post(S(sem));
}

int sem_wait(sem_t *sem)
{
	return wait_for(sem, CLOCK_REALTIME, NULL);
}

static int trywait(sem_t *sem)
{
	return try_take(S(sem)) ? 0 : fail(EAGAIN);
}

static ct_vg_annotated int vg_trywait(sem_t *sem)
{
	ct_vg_sem_wait_pre(sem);
	int r = trywait(sem);
	ct_vg_sem_wait_post(sem, r);
	return r;
}

int sem_trywait(sem_t *sem)
{
	return ct_vg_listening() ? vg_trywait(sem) : trywait(sem);
}

int sem_timedwait(sem_t *sem, const struct timespec *abstime)
{
	return wait_for(sem, CLOCK_REALTIME, abstime);
}

int sem_clockwait(sem_t *sem, clockid_t clock, const struct timespec *abstime)
{
	return ct_clock_ok(clock) ? wait_for(sem, clock, abstime) : fail(EINVAL);
}

int sem_getvalue(sem_t *restrict sem, int *restrict value)
{
	*value = count(S(sem));
	return 0;
}
