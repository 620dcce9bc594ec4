/* SPDX-License-Identifier: MIT */
/* Mutex attributes: one int holding the kind exactly as a mutex stores it
 * (sync.h CT_MK_*), so pthread_mutex_init copies it as is. */
#include <errno.h>
#include <sched.h>
#include "sync.h"

#define A(a) (*(int *)(a))
#define CA(a) (*(const int *)(a))

int pthread_mutexattr_init(pthread_mutexattr_t *a)
{
	A(a) = PTHREAD_MUTEX_DEFAULT;
	return 0;
}

int pthread_mutexattr_destroy(pthread_mutexattr_t *a)
{
	return 0;
}

int pthread_mutexattr_settype(pthread_mutexattr_t *a, int type)
{
	if (type < PTHREAD_MUTEX_NORMAL || type > PTHREAD_MUTEX_ADAPTIVE_NP)
		return EINVAL;
	A(a) = (A(a) & ~CT_MK_TYPE) | type;
	return 0;
}

int pthread_mutexattr_gettype(const pthread_mutexattr_t *a, int *type)
{
	*type = CA(a) & CT_MK_TYPE;
	return 0;
}

int pthread_mutexattr_setpshared(pthread_mutexattr_t *a, int pshared)
{
	return ct_set_pshared(&A(a), CT_MK_SHARED, pshared);
}

int pthread_mutexattr_getpshared(const pthread_mutexattr_t *a, int *pshared)
{
	*pshared = ct_pshared(CA(a), CT_MK_SHARED);
	return 0;
}

int pthread_mutexattr_setprotocol(pthread_mutexattr_t *a, int protocol)
{
	int bits;
	switch (protocol) {
	case PTHREAD_PRIO_NONE: bits = 0; break;
	case PTHREAD_PRIO_INHERIT: bits = CT_MK_PI; break;
	case PTHREAD_PRIO_PROTECT: bits = CT_MK_PP; break;
	default: return EINVAL;
	}
	A(a) = (A(a) & ~(CT_MK_PI | CT_MK_PP)) | bits;
	return 0;
}

int pthread_mutexattr_getprotocol(const pthread_mutexattr_t *a, int *protocol)
{
	*protocol = CA(a) & CT_MK_PI ? PTHREAD_PRIO_INHERIT
		  : CA(a) & CT_MK_PP ? PTHREAD_PRIO_PROTECT : PTHREAD_PRIO_NONE;
	return 0;
}

int pthread_mutexattr_setprioceiling(pthread_mutexattr_t *a, int ceiling)
{
	if (ceiling < sched_get_priority_min(SCHED_FIFO) ||
	    ceiling > sched_get_priority_max(SCHED_FIFO))
		return EINVAL;
	A(a) = (A(a) & ~(0xfff << CT_MK_CEIL_SHIFT)) |
	       ceiling << CT_MK_CEIL_SHIFT;
	return 0;
}

/* A ceiling never set reads as the lowest real-time priority. */
int pthread_mutexattr_getprioceiling(const pthread_mutexattr_t *a, int *ceiling)
{
	int c = (CA(a) >> CT_MK_CEIL_SHIFT) & 0xfff;
	int min = sched_get_priority_min(SCHED_FIFO);
	*ceiling = c < min ? min : c;
	return 0;
}

int pthread_mutexattr_setrobust(pthread_mutexattr_t *a, int robust)
{
	if (robust != PTHREAD_MUTEX_STALLED && robust != PTHREAD_MUTEX_ROBUST)
		return EINVAL;
	A(a) = (A(a) & ~CT_MK_ROBUST) |
	       (robust == PTHREAD_MUTEX_ROBUST ? CT_MK_ROBUST : 0);
	return 0;
}

int pthread_mutexattr_getrobust(const pthread_mutexattr_t *a, int *robust)
{
	*robust = CA(a) & CT_MK_ROBUST ? PTHREAD_MUTEX_ROBUST
				       : PTHREAD_MUTEX_STALLED;
	return 0;
}

ct_alias(pthread_mutexattr_setrobust_np, pthread_mutexattr_setrobust);
ct_alias(pthread_mutexattr_getrobust_np, pthread_mutexattr_getrobust);
ct_alias(pthread_mutexattr_setkind_np, pthread_mutexattr_settype);
ct_alias(pthread_mutexattr_getkind_np, pthread_mutexattr_gettype);
ct_alias(__pthread_mutexattr_init, pthread_mutexattr_init);
ct_alias(__pthread_mutexattr_destroy, pthread_mutexattr_destroy);
ct_alias(__pthread_mutexattr_settype, pthread_mutexattr_settype);
