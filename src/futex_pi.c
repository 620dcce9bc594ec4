/* The priority-inheritance futex operations (robust and PI mutexes only;
 * everything else goes through futex.c).  The kernel owns the word's
 * protocol here: it writes the new owner's tid on hand-over. */
#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "sync.h"

static inline int flags_for(bool shared)
{
	return shared ? 0 : FUTEX_PRIVATE_FLAG;
}

/* FUTEX_LOCK_PI2 (Linux 5.14) measures the deadline on CLOCK_MONOTONIC
 * unless told FUTEX_CLOCK_REALTIME; the older FUTEX_LOCK_PI only knows
 * CLOCK_REALTIME, so without PI2 a monotonic deadline is translated. */
static long lock_pi(_Atomic int *addr, clockid_t clock,
		    const struct timespec *abstime, bool shared)
{
	int op = FUTEX_LOCK_PI2 | flags_for(shared);
	if (clock == CLOCK_REALTIME)
		op |= FUTEX_CLOCK_REALTIME;
	long r = syscall(SYS_futex, addr, op, 0, abstime);
	if (r == 0 || errno != ENOSYS)
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
	return syscall(SYS_futex, addr, FUTEX_LOCK_PI | flags_for(shared), 0, dl);
}

int ct_futex_lock_pi(_Atomic int *addr, clockid_t clock,
		     const struct timespec *abstime, bool shared, bool try)
{
	long r;
	if (try) {
		r = syscall(SYS_futex, addr, FUTEX_TRYLOCK_PI | flags_for(shared),
			    0, NULL);
	} else {
		if (abstime) {
			if (ct_check_timespec(abstime) || !ct_clock_ok(clock))
				return EINVAL;
			if (abstime->tv_sec < 0)
				return ETIMEDOUT;
		}
		r = lock_pi(addr, clock, abstime, shared);
	}
	return r ? errno : 0;
}

int ct_futex_unlock_pi(_Atomic int *addr, bool shared)
{
	long r = syscall(SYS_futex, addr, FUTEX_UNLOCK_PI | flags_for(shared));
	return r ? errno : 0;
}
