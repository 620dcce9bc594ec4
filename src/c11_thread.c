/* SPDX-License-Identifier: MIT */
/* C11 threads over our pthreads.  A C11 start routine returns int, a
 * pthread one void *: thrd_create passes a small heap record to an
 * adapter that calls the C11 routine and widens its result. */
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <threads.h>
#include "sync.h"

_Static_assert(sizeof(thrd_t) == sizeof(pthread_t), "thrd_t size");
_Static_assert(sizeof(tss_t) == sizeof(pthread_key_t), "tss_t size");

struct c11_start {
	thrd_start_t func;
	void *arg;
};

static void *c11_adapter(void *p)
{
	struct c11_start s = *(struct c11_start *)p;
	free(p);
	return (void *)(intptr_t)s.func(s.arg);
}

int thrd_create(thrd_t *thr, thrd_start_t func, void *arg)
{
	struct c11_start *s = malloc(sizeof *s);
	if (!s)
		return thrd_nomem;
	*s = (struct c11_start){ func, arg };
	int r = pthread_create((pthread_t *)thr, NULL, c11_adapter, s);
	if (r)
		free(s);
	return ct_thrd_result(r);
}

int thrd_join(thrd_t thr, int *res)
{
	void *v;
	int r = pthread_join((pthread_t)thr, &v);
	if (r == 0 && res)
		*res = (int)(intptr_t)v;
	return ct_thrd_result(r);
}

_Noreturn void thrd_exit(int res)
{
	pthread_exit((void *)(intptr_t)res);
}

int thrd_detach(thrd_t thr)
{
	return ct_thrd_result(pthread_detach((pthread_t)thr));
}

thrd_t thrd_current(void)
{
	return (thrd_t)pthread_self();
}

int thrd_equal(thrd_t a, thrd_t b)
{
	return a == b;
}

/* 0 slept, -1 interrupted by a signal, other negative: error. */
int thrd_sleep(const struct timespec *req, struct timespec *rem)
{
	if (nanosleep(req, rem) == 0)
		return 0;
	return errno == EINTR ? -1 : -2;
}

void thrd_yield(void)
{
	sched_yield();
}

int tss_create(tss_t *key, tss_dtor_t dtor)
{
	return ct_thrd_result(pthread_key_create((pthread_key_t *)key, dtor));
}

void tss_delete(tss_t key)
{
	pthread_key_delete((pthread_key_t)key);
}

void *tss_get(tss_t key)
{
	return pthread_getspecific((pthread_key_t)key);
}

int tss_set(tss_t key, void *value)
{
	return ct_thrd_result(pthread_setspecific((pthread_key_t)key, value));
}
