/* Unnamed and named semaphores share glibc's protocol (sync.h), so a
 * named one works between a glibc process and ours.  A waiter counts
 * itself in the high half before it sleeps on the value being 0; sem_post
 * adds one to the value and wakes one sleeper if any are counted.
 *
 * The waits are cancellation points, at entry as in glibc and while
 * asleep.  A waiter cancelled while asleep uncounts itself, and hands a
 * post's wake-up on to another sleeper if the value it leaves is not 0.
 * A thread of the asynchronous type waits as a deferred one: a request
 * acting between the instructions of the wait (past the system call,
 * before the token is taken) would skip that cleanup, which runs only
 * around calls; the request acts when the wait returns instead. */
#include <errno.h>
#include <limits.h>
#include "sync.h"
#include "valgrind.h"

#define S(p) ((struct ct_sem *)(p))
#define WAITER ((uint64_t)1 << CT_SEM_WAITER_SHIFT)

static inline _Atomic int *value_word(struct ct_sem *s)
{
	return (_Atomic int *)&s->data;	/* low half, little-endian */
}

static inline int fail(int err)
{
	errno = err;
	return -1;
}

static bool try_take(struct ct_sem *s)
{
	uint64_t d = atomic_load_explicit(&s->data, memory_order_relaxed);
	while (d & CT_SEM_VALUE_MASK)
		if (atomic_compare_exchange_weak_explicit(&s->data, &d, d - 1,
				memory_order_acquire, memory_order_relaxed))
			return true;
	return false;
}

static void cancelled(struct ct_sem **waiting)
{
	struct ct_sem *s = *waiting;
	if (!s)
		return;
	uint64_t d = atomic_fetch_sub(&s->data, WAITER) - WAITER;
	if ((d & CT_SEM_VALUE_MASK) && (d >> CT_SEM_WAITER_SHIFT))
		ct_futex_wake(value_word(s), 1, s->private != 0);
}

static int take(struct ct_sem *s, clockid_t clock, const struct timespec *abstime)
{
	if (abstime && ct_check_timespec(abstime))
		return fail(EINVAL);
	ct_testcancel();
	if (try_take(s))
		return 0;
	int type = ct_cancel_type_defer();
	struct ct_sem *waiting __attribute__((cleanup(cancelled))) = s;
	uint64_t d = atomic_fetch_add_explicit(&s->data, WAITER,
					       memory_order_relaxed) + WAITER;
	int r = 0;
	for (;;) {
		if (d & CT_SEM_VALUE_MASK) {
			if (atomic_compare_exchange_weak_explicit(&s->data, &d,
					d - 1 - WAITER, memory_order_acquire,
					memory_order_relaxed))
				break;
			continue;
		}
		r = ct_futex_wait_cp(value_word(s), 0, clock, abstime,
				     s->private != 0);
		if (r == ETIMEDOUT || r == EINTR || r == EINVAL) {
			atomic_fetch_sub_explicit(&s->data, WAITER,
						  memory_order_relaxed);
			break;
		}
		d = atomic_load_explicit(&s->data, memory_order_relaxed);
		r = 0;
	}
	waiting = NULL;
	ct_cancel_type_restore(type);
	return r ? fail(r) : 0;
}

/* The waits and sem_post tell the race checkers (valgrind.h) from
 * annotated copies. */
static ct_vg_annotated int vg_take(sem_t *sem, clockid_t clock,
				   const struct timespec *abstime)
{
	ct_vg_sem_wait_pre(sem);
	int r = take(S(sem), clock, abstime);
	ct_vg_sem_wait_post(sem, r);
	return r;
}

static int wait_for(sem_t *sem, clockid_t clock, const struct timespec *abstime)
{
	return ct_vg_listening() ? vg_take(sem, clock, abstime)
				 : take(S(sem), clock, abstime);
}

int sem_init(sem_t *sem, int pshared, unsigned value)
{
	if (value > SEM_VALUE_MAX)
		return fail(EINVAL);
	ct_vg_sem_init_pre(sem, pshared, value);
	*S(sem) = (struct ct_sem){
		.data = value,
		.private = pshared ? CT_SEM_SHARED : 0,
	};
	ct_vg_sem_init_post(sem, value);
	return 0;
}

int sem_destroy(sem_t *sem)
{
	ct_vg_sem_destroy(sem);
	return 0;
}

static int post(struct ct_sem *s)
{
	uint64_t d = atomic_load_explicit(&s->data, memory_order_relaxed);
	do {
		if ((d & CT_SEM_VALUE_MASK) == SEM_VALUE_MAX)
			return fail(EOVERFLOW);
	} while (!atomic_compare_exchange_weak_explicit(&s->data, &d, d + 1,
			memory_order_release, memory_order_relaxed));
	if (d >> CT_SEM_WAITER_SHIFT)
		ct_futex_wake(value_word(s), 1, s->private != 0);
	return 0;
}

static ct_vg_annotated int vg_post(sem_t *sem)
{
	ct_vg_sem_post_pre(sem);
	int r = post(S(sem));
	ct_vg_sem_post_post(sem, r);
	return r;
}

int sem_post(sem_t *sem)
{
	return ct_vg_listening() ? vg_post(sem) : post(S(sem));
}

int sem_wait(sem_t *sem)
{
	return wait_for(sem, CLOCK_REALTIME, NULL);
}

static int trywait(sem_t *sem)
{
	return try_take(S(sem)) ? 0 : fail(EAGAIN);
}

static ct_vg_annotated int vg_trywait(sem_t *sem)
{
	ct_vg_sem_wait_pre(sem);
	int r = trywait(sem);
	ct_vg_sem_wait_post(sem, r);
	return r;
}

int sem_trywait(sem_t *sem)
{
	return ct_vg_listening() ? vg_trywait(sem) : trywait(sem);
}

int sem_timedwait(sem_t *sem, const struct timespec *abstime)
{
	return wait_for(sem, CLOCK_REALTIME, abstime);
}

int sem_clockwait(sem_t *sem, clockid_t clock, const struct timespec *abstime)
{
	return ct_clock_ok(clock) ? wait_for(sem, clock, abstime) : fail(EINVAL);
}

int sem_getvalue(sem_t *restrict sem, int *restrict value)
{
	*value = atomic_load_explicit(&S(sem)->data, memory_order_relaxed) &
		 CT_SEM_VALUE_MASK;
	return 0;
}
