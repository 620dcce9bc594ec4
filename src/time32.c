/* SPDX-License-Identifier: MIT */
/* The functions that take a timespec, for programs built with a 32-bit
 * time_t, where that is the CPU's default (i386).  The library itself is
 * built with a 64-bit time_t there, so its own definitions of these are
 * glibc's *64 entry points (the names <pthread.h> gives them with
 * _TIME_BITS=64); this file, built with the 32-bit time_t, widens the
 * time and calls them, as glibc's plain names do. */
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <threads.h>
#include <time.h>

/* The library's struct timespec: glibc's __timespec64 (a 32-bit tv_nsec
 * and padding on a 32-bit CPU). */
struct ts64 {
	int64_t tv_sec;
	long tv_nsec;
	int pad;
};

extern int __pthread_mutex_timedlock64(pthread_mutex_t *, const struct ts64 *);
extern int __pthread_mutex_clocklock64(pthread_mutex_t *, clockid_t,
				       const struct ts64 *);
extern int __pthread_rwlock_timedrdlock64(pthread_rwlock_t *, const struct ts64 *);
extern int __pthread_rwlock_timedwrlock64(pthread_rwlock_t *, const struct ts64 *);
extern int __pthread_rwlock_clockrdlock64(pthread_rwlock_t *, clockid_t,
					  const struct ts64 *);
extern int __pthread_rwlock_clockwrlock64(pthread_rwlock_t *, clockid_t,
					  const struct ts64 *);
extern int __pthread_cond_timedwait64(pthread_cond_t *, pthread_mutex_t *,
				      const struct ts64 *);
extern int __pthread_cond_clockwait64(pthread_cond_t *, pthread_mutex_t *,
				      clockid_t, const struct ts64 *);
extern int __pthread_timedjoin_np64(pthread_t, void **, const struct ts64 *);
extern int __pthread_clockjoin_np64(pthread_t, void **, clockid_t,
				    const struct ts64 *);
extern int __sem_timedwait64(sem_t *, const struct ts64 *);
extern int __sem_clockwait64(sem_t *, clockid_t, const struct ts64 *);
extern int __mtx_timedlock64(mtx_t *, const struct ts64 *);
extern int __cnd_timedwait64(cnd_t *, mtx_t *, const struct ts64 *);
extern int __thrd_sleep64(const struct ts64 *, struct ts64 *);

/* *ts in buf, or NULL for none (the functions check the rest). */
static const struct ts64 *wide(const struct timespec *ts, struct ts64 *buf)
{
	if (!ts)
		return NULL;
	*buf = (struct ts64){ .tv_sec = ts->tv_sec, .tv_nsec = ts->tv_nsec };
	return buf;
}

int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *ts)
{
	struct ts64 t;
	return __pthread_mutex_timedlock64(m, wide(ts, &t));
}

int pthread_mutex_clocklock(pthread_mutex_t *m, clockid_t c,
			    const struct timespec *ts)
{
	struct ts64 t;
	return __pthread_mutex_clocklock64(m, c, wide(ts, &t));
}

int pthread_rwlock_timedrdlock(pthread_rwlock_t *l, const struct timespec *ts)
{
	struct ts64 t;
	return __pthread_rwlock_timedrdlock64(l, wide(ts, &t));
}

int pthread_rwlock_timedwrlock(pthread_rwlock_t *l, const struct timespec *ts)
{
	struct ts64 t;
	return __pthread_rwlock_timedwrlock64(l, wide(ts, &t));
}

int pthread_rwlock_clockrdlock(pthread_rwlock_t *l, clockid_t c,
			       const struct timespec *ts)
{
	struct ts64 t;
	return __pthread_rwlock_clockrdlock64(l, c, wide(ts, &t));
}

int pthread_rwlock_clockwrlock(pthread_rwlock_t *l, clockid_t c,
			       const struct timespec *ts)
{
	struct ts64 t;
	return __pthread_rwlock_clockwrlock64(l, c, wide(ts, &t));
}

int pthread_cond_timedwait(pthread_cond_t *cv, pthread_mutex_t *m,
			   const struct timespec *ts)
{
	struct ts64 t;
	return __pthread_cond_timedwait64(cv, m, wide(ts, &t));
}

int pthread_cond_clockwait(pthread_cond_t *cv, pthread_mutex_t *m,
			   clockid_t c, const struct timespec *ts)
{
	struct ts64 t;
	return __pthread_cond_clockwait64(cv, m, c, wide(ts, &t));
}

int pthread_timedjoin_np(pthread_t th, void **ret, const struct timespec *ts)
{
	struct ts64 t;
	return __pthread_timedjoin_np64(th, ret, wide(ts, &t));
}

int pthread_clockjoin_np(pthread_t th, void **ret, clockid_t c,
			 const struct timespec *ts)
{
	struct ts64 t;
	return __pthread_clockjoin_np64(th, ret, c, wide(ts, &t));
}

int sem_timedwait(sem_t *s, const struct timespec *ts)
{
	struct ts64 t;
	return __sem_timedwait64(s, wide(ts, &t));
}

int sem_clockwait(sem_t *s, clockid_t c, const struct timespec *ts)
{
	struct ts64 t;
	return __sem_clockwait64(s, c, wide(ts, &t));
}

int mtx_timedlock(mtx_t *restrict m, const struct timespec *restrict ts)
{
	struct ts64 t;
	return __mtx_timedlock64(m, wide(ts, &t));
}

int cnd_timedwait(cnd_t *restrict cv, mtx_t *restrict m,
		  const struct timespec *restrict ts)
{
	struct ts64 t;
	return __cnd_timedwait64(cv, m, wide(ts, &t));
}

/* The time left goes back narrowed: it is at most the time asked for. */
int thrd_sleep(const struct timespec *req, struct timespec *rem)
{
	struct ts64 t, left;
	int r = __thrd_sleep64(wide(req, &t), rem ? &left : NULL);
	if (r == -1 && rem)
		*rem = (struct timespec){ left.tv_sec, left.tv_nsec };
	return r;
}
