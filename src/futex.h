/* SPDX-License-Identifier: MIT */
/* The futex system call, as every wait and wake of the library makes it
 * (futex.c), and the library's internal lock built on it. */
#ifndef CT_FUTEX_H
#define CT_FUTEX_H

#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>
#include <linux/futex.h>
#include "defs.h"

/* Linux 5.14's; the library builds with older kernel headers too, and
 * falls back on FUTEX_LOCK_PI where the kernel lacks it (futex.c). */
#ifndef FUTEX_LOCK_PI2
#define FUTEX_LOCK_PI2 13
#endif

/* Wait while *addr == val.  abstime (may be NULL) is an absolute deadline
 * on `clock' (CLOCK_REALTIME or CLOCK_MONOTONIC).  Returns 0 on wake-up
 * (possibly spurious), EAGAIN if *addr != val, ETIMEDOUT, EINTR, or EINVAL
 * for a bad clock or timeout.  shared: no FUTEX_PRIVATE_FLAG. */
hidden int ct_futex_wait(_Atomic int *addr, int val, clockid_t clock,
			 const struct timespec *abstime, bool shared);
/* The same, as a cancellation point. */
hidden int ct_futex_wait_cp(_Atomic int *addr, int val, clockid_t clock,
			    const struct timespec *abstime, bool shared);
hidden int ct_futex_wake(_Atomic int *addr, int n, bool shared);
/* Wake `wake' waiters on addr and move up to `requeue' more to addr2,
 * if *addr still equals val (FUTEX_CMP_REQUEUE). */
hidden int ct_futex_requeue(_Atomic int *addr, int wake, int requeue,
			    _Atomic int *addr2, int val, bool shared);

/* Priority inheritance: take a PI futex word for the caller (the kernel
 * queues by priority and boosts the owner); try: FUTEX_TRYLOCK_PI, never
 * block.  Returns 0, ETIMEDOUT, EDEADLK, EINVAL, or another kernel
 * error. */
hidden int ct_futex_lock_pi(_Atomic int *addr, clockid_t clock,
			    const struct timespec *abstime, bool shared,
			    bool try);
hidden int ct_futex_unlock_pi(_Atomic int *addr, bool shared);

/* The clocks a timed wait accepts. */
static inline bool ct_clock_ok(clockid_t c)
{
	return c == CLOCK_REALTIME || c == CLOCK_MONOTONIC;
}
/* EINVAL unless ts is a valid timespec (0 <= tv_nsec < 1e9). */
hidden int ct_check_timespec(const struct timespec *ts);

/* A small internal lock (0 free, 1 locked, 2 locked with waiters),
 * process-private.  Never held across a call into user code. */
typedef struct { _Atomic int v; } ct_lock_t;
hidden void ct_lock(ct_lock_t *l);
hidden void ct_unlock(ct_lock_t *l);

#endif
