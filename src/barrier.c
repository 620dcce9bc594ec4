/* SPDX-License-Identifier: MIT */
/* Barriers: an arrival counter and a round number (the futex).
 *
 * A thread reads the round before it counts itself in, so the last
 * arrival cannot end the round unseen.  The last arrival resets the
 * counter before it bumps the round: a thread can only start the next
 * round after seeing the bump, so it always counts from zero.  `inside'
 * lets destroy wait until woken threads no longer touch the object. */
#include <errno.h>
#include <limits.h>
#include "sync.h"
#include "valgrind.h"

#define DESTROY 0x40000000

struct ct_barrier {
	_Atomic int round;
	_Atomic unsigned arrived;
	unsigned count;
	int shared;
	_Atomic int inside;
	char pad[sizeof(pthread_barrier_t) - 5 * sizeof(int)];	/* i386: 0 */
};
_Static_assert(sizeof(struct ct_barrier) == sizeof(pthread_barrier_t), "barrier size");

#define B(p) ((struct ct_barrier *)(p))

int pthread_barrier_init(pthread_barrier_t *bb, const pthread_barrierattr_t *a,
			 unsigned count)
{
	if (count == 0 || count > INT_MAX)
		return EINVAL;
	ct_vg_barrier_init_pre(bb, count);
	*B(bb) = (struct ct_barrier){
		.count = count,
		.shared = a && *(const int *)a == PTHREAD_PROCESS_SHARED,
	};
	ct_vg_barrier_init_post(bb);
	return 0;
}

static int wait_round(struct ct_barrier *b)
{
	int r = 0;
	atomic_fetch_add(&b->inside, 1);
	int round = atomic_load(&b->round);
	if (atomic_fetch_add(&b->arrived, 1) + 1 == b->count) {
		atomic_store(&b->arrived, 0);
		atomic_fetch_add(&b->round, 1);
		ct_futex_wake(&b->round, INT_MAX, b->shared);
		r = PTHREAD_BARRIER_SERIAL_THREAD;
	} else {
		while (atomic_load(&b->round) == round)
			ct_futex_wait(&b->round, round, CLOCK_MONOTONIC, NULL,
				      b->shared);
	}
	if (atomic_fetch_sub(&b->inside, 1) == (DESTROY | 1))
		ct_futex_wake(&b->inside, INT_MAX, b->shared);
	return r;
}

int pthread_barrier_wait(pthread_barrier_t *b)
{
	ct_vg_barrier_wait_pre(b);
	int r = wait_round(B(b));
	ct_vg_barrier_wait_post(b, r);
	return r;
}

/* EBUSY while a round is filling; else wait for the last round's
 * threads to be out. */
static int destroy(struct ct_barrier *b)
{
	if (atomic_load(&b->arrived))
		return EBUSY;
	atomic_fetch_or(&b->inside, DESTROY);
	int v;
	while ((v = atomic_load(&b->inside)) != DESTROY)
		ct_futex_wait(&b->inside, v, CLOCK_MONOTONIC, NULL, b->shared);
	return 0;
}

int pthread_barrier_destroy(pthread_barrier_t *b)
{
	ct_vg_barrier_destroy_pre(b);
	int r = destroy(B(b));
	ct_vg_barrier_destroy_post(b);
	return r;
}

int pthread_barrierattr_init(pthread_barrierattr_t *a)
{
	*(int *)a = PTHREAD_PROCESS_PRIVATE;
	return 0;
}

int pthread_barrierattr_destroy(pthread_barrierattr_t *a)
{
	return 0;
}

int pthread_barrierattr_setpshared(pthread_barrierattr_t *a, int pshared)
{
	return ct_set_pshared((int *)a, 1, pshared);
}

int pthread_barrierattr_getpshared(const pthread_barrierattr_t *a, int *pshared)
{
	*pshared = ct_pshared(*(const int *)a, 1);
	return 0;
}
