/* SPDX-License-Identifier: MIT */
/* C11 mutexes, condition variables and call_once: the pthread objects
 * and functions behind them (mtx_t and cnd_t have the sizes of
 * pthread_mutex_t and pthread_cond_t; once_flag is a pthread_once_t), so
 * the race checkers hear of them as of the others (valgrind.h). */
#include <threads.h>
#include "sync.h"

#define M(p) ((struct ct_mutex *)(p))
#define C(p) ((struct ct_cond *)(p))

_Static_assert(sizeof(mtx_t) == sizeof(pthread_mutex_t), "mtx_t size");
_Static_assert(sizeof(cnd_t) == sizeof(pthread_cond_t), "cnd_t size");
_Static_assert(sizeof(once_flag) == sizeof(pthread_once_t), "once_flag size");

/* Any type is accepted, as glibc does: the two recursive combinations
 * make a recursive mutex, anything else a plain one (mtx_timed changes
 * nothing: every mutex here has a timed lock). */
int mtx_init(mtx_t *m, int type)
{
	bool recursive = type == (mtx_plain | mtx_recursive) ||
			 type == (mtx_timed | mtx_recursive);
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, recursive ? PTHREAD_MUTEX_RECURSIVE
						: PTHREAD_MUTEX_NORMAL);
	pthread_mutex_init((pthread_mutex_t *)m, &a);
	return thrd_success;
}

void mtx_destroy(mtx_t *m)
{
	pthread_mutex_destroy((pthread_mutex_t *)m);
}

int mtx_lock(mtx_t *m)
{
	return ct_thrd_result(pthread_mutex_lock((pthread_mutex_t *)m));
}

int mtx_trylock(mtx_t *m)
{
	return ct_thrd_result(pthread_mutex_trylock((pthread_mutex_t *)m));
}

int mtx_timedlock(mtx_t *restrict m, const struct timespec *restrict ts)
{
	return ct_thrd_result(pthread_mutex_timedlock((pthread_mutex_t *)m, ts));
}

int mtx_unlock(mtx_t *m)
{
	return ct_thrd_result(pthread_mutex_unlock((pthread_mutex_t *)m));
}

int cnd_init(cnd_t *c)
{
	pthread_cond_init((pthread_cond_t *)c, NULL);
	return thrd_success;
}

void cnd_destroy(cnd_t *c)
{
	pthread_cond_destroy((pthread_cond_t *)c);
}

int cnd_signal(cnd_t *c)
{
	return ct_thrd_result(ct_cond_wake(C(c), false));
}

int cnd_broadcast(cnd_t *c)
{
	return ct_thrd_result(ct_cond_wake(C(c), true));
}

int cnd_wait(cnd_t *c, mtx_t *m)
{
	return ct_thrd_result(ct_cond_wait(C(c), M(m), CLOCK_REALTIME, NULL));
}

int cnd_timedwait(cnd_t *restrict c, mtx_t *restrict m,
		  const struct timespec *restrict ts)
{
	return ct_thrd_result(ct_cond_wait(C(c), M(m), CLOCK_REALTIME, ts));
}

void call_once(once_flag *flag, void (*func)(void))
{
	pthread_once((pthread_once_t *)flag, func);
}
