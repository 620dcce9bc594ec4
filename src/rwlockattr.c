/* SPDX-License-Identifier: MIT */
/* Read-write lock attributes: {kind, pshared} in the 8-byte object. */
#include <errno.h>
#include "sync.h"

#define A(a) ((int *)(a))
#define CA(a) ((const int *)(a))

int pthread_rwlockattr_init(pthread_rwlockattr_t *a)
{
	A(a)[0] = PTHREAD_RWLOCK_DEFAULT_NP;
	A(a)[1] = PTHREAD_PROCESS_PRIVATE;
	return 0;
}

int pthread_rwlockattr_destroy(pthread_rwlockattr_t *a)
{
	return 0;
}

int pthread_rwlockattr_setkind_np(pthread_rwlockattr_t *a, int kind)
{
	if (kind != PTHREAD_RWLOCK_PREFER_READER_NP &&
	    kind != PTHREAD_RWLOCK_PREFER_WRITER_NP &&
	    kind != PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP)
		return EINVAL;
	A(a)[0] = kind;
	return 0;
}

int pthread_rwlockattr_getkind_np(const pthread_rwlockattr_t *a, int *kind)
{
	*kind = CA(a)[0];
	return 0;
}

int pthread_rwlockattr_setpshared(pthread_rwlockattr_t *a, int pshared)
{
	return ct_set_pshared(&A(a)[1], 1, pshared);
}

int pthread_rwlockattr_getpshared(const pthread_rwlockattr_t *a, int *pshared)
{
	*pshared = ct_pshared(CA(a)[1], 1);
	return 0;
}
