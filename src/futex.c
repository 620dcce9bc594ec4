/* SPDX-License-Identifier: MIT */
/* Every futex system call of the library, and the internal lock. */
#include <errno.h>
#include <limits.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "cancel.h"

/* The futex system call, returning -errno: pthread functions must leave
 * the caller's errno alone, and a parked thread (reuse.c) must not touch
 * its TLS at all while it waits. */
static ct_tcb_free long sys_futex(_Atomic int *addr, int op, int val, long arg4,
		      _Atomic int *addr2, int val3)
{
	return ct_syscall(CT_SYS_FUTEX, (long)addr, op, val, arg4, (long)addr2,
			  val3);
}

static inline int flags_for(bool shared)
{
	return shared ? 0 : FUTEX_PRIVATE_FLAG;
}

ct_tcb_free int ct_check_timespec(const struct timespec *ts)
{
	return ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000L ? EINVAL : 0;
}

ct_tcb_free int ct_futex_wait(_Atomic int *addr, int val, clockid_t clock,
			      const struct timespec *abstime, bool shared)
{
	int op = FUTEX_WAIT_BITSET | flags_for(shared);
	if (abstime) {
		if (ct_check_timespec(abstime))
			return EINVAL;
		if (clock == CLOCK_REALTIME)
			op |= FUTEX_CLOCK_REALTIME;
		else if (clock != CLOCK_MONOTONIC)
			return EINVAL;
		/* The kernel rejects negative absolute times: such a deadline
		 * has passed already. */
		if (abstime->tv_sec < 0)
			return ETIMEDOUT;
	}
	long r = sys_futex(addr, op, val, (long)abstime, NULL,
			   FUTEX_BITSET_MATCH_ANY);
	switch (r) {
	case 0: case -EAGAIN: case -EINTR: case -ETIMEDOUT:
		return -r;
	default:	/* EFAULT or ENOSYS would be a bug of ours */
		return EINVAL;
	}
}

int ct_futex_wait_cp(_Atomic int *addr, int val, clockid_t clock,
		     const struct timespec *abstime, bool shared)
{
	int old = ct_cancel_point_enter();
	int r = ct_futex_wait(addr, val, clock, abstime, shared);
	ct_cancel_point_leave(old);
	return r;
}

ct_tcb_free int ct_futex_wake(_Atomic int *addr, int n, bool shared)
{
	long r = sys_futex(addr, FUTEX_WAKE | flags_for(shared), n, 0, NULL, 0);
	return r < 0 ? 0 : (int)r;
}

int ct_futex_requeue(_Atomic int *addr, int wake, int requeue,
		     _Atomic int *addr2, int val, bool shared)
{
	return sys_futex(addr, FUTEX_CMP_REQUEUE | flags_for(shared), wake,
			 requeue, addr2, val);
}

/* Drepper's three-state lock ("Futexes are tricky", mutex #3). */
ct_tcb_free void ct_lock(ct_lock_t *l)
{
	int c = 0;
	if (atomic_compare_exchange_strong_explicit(&l->v, &c, 1,
			memory_order_acquire, memory_order_relaxed))
		return;
	if (c != 2)
		c = atomic_exchange_explicit(&l->v, 2, memory_order_acquire);
	while (c != 0) {
		ct_futex_wait(&l->v, 2, CLOCK_MONOTONIC, NULL, false);
		c = atomic_exchange_explicit(&l->v, 2, memory_order_acquire);
	}
}

ct_tcb_free void ct_unlock(ct_lock_t *l)
{
	if (atomic_exchange_explicit(&l->v, 0, memory_order_release) == 2)
		ct_futex_wake(&l->v, 1, false);
}

/* The priority-inheritance operations (PI mutexes): the kernel owns the
 * word's protocol, writing the new owner's tid on hand-over.
 * FUTEX_LOCK_PI2 (Linux 5.14) measures a deadline on CLOCK_MONOTONIC
 * unless told FUTEX_CLOCK_REALTIME; the older FUTEX_LOCK_PI only knows
 * CLOCK_REALTIME, so without PI2 a monotonic deadline is translated. */
static long lock_pi(_Atomic int *addr, clockid_t clock,
		    const struct timespec *abstime, bool shared)
{
	int op = FUTEX_LOCK_PI2 | flags_for(shared);
	if (clock == CLOCK_REALTIME)
		op |= FUTEX_CLOCK_REALTIME;
	long r = sys_futex(addr, op, 0, (long)abstime, NULL, 0);
	if (r != -ENOSYS)
		return r;
	struct timespec rt, now, *dl = (struct timespec *)abstime;
	if (abstime && clock == CLOCK_MONOTONIC) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		clock_gettime(CLOCK_REALTIME, &rt);
		rt.tv_sec += abstime->tv_sec - now.tv_sec;
		rt.tv_nsec += abstime->tv_nsec - now.tv_nsec;
		if (rt.tv_nsec < 0)
			rt.tv_nsec += 1000000000L, rt.tv_sec--;
		else if (rt.tv_nsec >= 1000000000L)
			rt.tv_nsec -= 1000000000L, rt.tv_sec++;
		dl = &rt;
	}
	return sys_futex(addr, FUTEX_LOCK_PI | flags_for(shared), 0, (long)dl,
			 NULL, 0);
}

int ct_futex_lock_pi(_Atomic int *addr, clockid_t clock,
		     const struct timespec *abstime, bool shared, bool try)
{
	long r;
	if (try) {
		r = sys_futex(addr, FUTEX_TRYLOCK_PI | flags_for(shared), 0, 0,
			      NULL, 0);
	} else {
		if (abstime) {
			if (ct_check_timespec(abstime) || !ct_clock_ok(clock))
				return EINVAL;
			if (abstime->tv_sec < 0)
				return ETIMEDOUT;
		}
		r = lock_pi(addr, clock, abstime, shared);
	}
	return -r;
}

int ct_futex_unlock_pi(_Atomic int *addr, bool shared)
{
	return -sys_futex(addr, FUTEX_UNLOCK_PI | flags_for(shared), 0, 0, NULL, 0);
}
