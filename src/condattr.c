/* SPDX-License-Identifier: MIT */
/* Condition variable attributes: one int, copied into the condvar's
 * flags by pthread_cond_init (sync.h CT_COND_*). */
#include <errno.h>
#include "sync.h"

#define A(a) (*(int *)(a))
#define CA(a) (*(const int *)(a))

int pthread_condattr_init(pthread_condattr_t *a)
{
	A(a) = 0;
	return 0;
}

int pthread_condattr_destroy(pthread_condattr_t *a)
{
	return 0;
}

int pthread_condattr_setclock(pthread_condattr_t *a, clockid_t clock)
{
	if (!ct_clock_ok(clock))
		return EINVAL;
	A(a) = (A(a) & ~CT_COND_MONOTONIC) |
	       (clock == CLOCK_MONOTONIC ? CT_COND_MONOTONIC : 0);
	return 0;
}

int pthread_condattr_getclock(const pthread_condattr_t *a, clockid_t *clock)
{
	*clock = CA(a) & CT_COND_MONOTONIC ? CLOCK_MONOTONIC : CLOCK_REALTIME;
	return 0;
}

int pthread_condattr_setpshared(pthread_condattr_t *a, int pshared)
{
	return ct_set_pshared(&A(a), CT_COND_SHARED, pshared);
}

int pthread_condattr_getpshared(const pthread_condattr_t *a, int *pshared)
{
	*pshared = ct_pshared(CA(a), CT_COND_SHARED);
	return 0;
}
