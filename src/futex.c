/* Every futex system call of the library, and the internal lock. */
#include <errno.h>
#include <limits.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "internal.h"

static inline int flags_for(bool shared)
{
	return shared ? 0 : FUTEX_PRIVATE_FLAG;
}

int ct_check_timespec(const struct timespec *ts)
{
	return ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000L ? EINVAL : 0;
}

int ct_futex_wait(_Atomic int *addr, int val, clockid_t clock,
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
	long r = syscall(SYS_futex, addr, op, val, abstime, NULL,
			 FUTEX_BITSET_MATCH_ANY);
	if (r == 0)
		return 0;
	switch (errno) {
	case EAGAIN: case EINTR: case ETIMEDOUT:
		return errno;
	default:	/* EFAULT or ENOSYS would be a bug of ours */
		return EINVAL;
	}
}

int ct_futex_wake(_Atomic int *addr, int n, bool shared)
{
	long r = syscall(SYS_futex, addr, FUTEX_WAKE | flags_for(shared), n);
	return r < 0 ? 0 : (int)r;
}

int ct_futex_requeue(_Atomic int *addr, int wake, int requeue,
		     _Atomic int *addr2, int val, bool shared)
{
	long r = syscall(SYS_futex, addr, FUTEX_CMP_REQUEUE | flags_for(shared),
			 wake, (long)requeue, addr2, val);
	return r < 0 ? -errno : (int)r;
}

/* Drepper's three-state lock ("Futexes are tricky", mutex #3). */
void ct_lock(ct_lock_t *l)
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

void ct_unlock(ct_lock_t *l)
{
	if (atomic_exchange_explicit(&l->v, 0, memory_order_release) == 2)
		ct_futex_wake(&l->v, 1, false);
}
