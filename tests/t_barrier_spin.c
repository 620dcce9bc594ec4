/* SPDX-License-Identifier: MIT */
/* Barriers (rounds, the serial thread, process-shared) and spinlocks. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>
#include "common.h"

#define NT 4
#define ROUNDS 300
struct rounds {
	pthread_barrier_t b;
	atomic_int arrived[ROUNDS], serial[ROUNDS];
	atomic_int bad;
};

static void *round_trip(void *p)
{
	struct rounds *r = p;
	for (int i = 0; i < ROUNDS; i++) {
		atomic_fetch_add(&r->arrived[i], 1);
		int v = pthread_barrier_wait(&r->b);
		if (v == PTHREAD_BARRIER_SERIAL_THREAD)
			atomic_fetch_add(&r->serial[i], 1);
		else if (v != 0)
			atomic_store(&r->bad, 1);
		/* Nobody leaves before everyone arrived. */
		if (atomic_load(&r->arrived[i]) != NT)
			atomic_store(&r->bad, 1);
	}
	return NULL;
}

START_TEST(barrier_rounds)
{
	static struct rounds r;
	ck_assert_int_eq(pthread_barrier_init(&r.b, NULL, NT), 0);
	tst_run(NT, round_trip, &r);
	ck_assert_int_eq(r.bad, 0);
	for (int i = 0; i < ROUNDS; i++)
		ck_assert_int_eq(r.serial[i], 1);
	ck_assert_int_eq(pthread_barrier_destroy(&r.b), 0);
}
END_TEST

static void *barrier_once(void *b)
{
	pthread_barrier_wait(b);
	return NULL;
}

START_TEST(barrier_errors)
{
	pthread_barrier_t b;
	pthread_barrierattr_t a;
	int v;
	ck_assert_int_eq(pthread_barrier_init(&b, NULL, 0), EINVAL);
	ck_assert_int_eq(pthread_barrier_init(&b, NULL, 1), 0);
	ck_assert_int_eq(pthread_barrier_wait(&b), PTHREAD_BARRIER_SERIAL_THREAD);
	ck_assert_int_eq(pthread_barrier_wait(&b), PTHREAD_BARRIER_SERIAL_THREAD);
	ck_assert_int_eq(pthread_barrier_destroy(&b), 0);
	ck_assert_int_eq(pthread_barrierattr_init(&a), 0);
	ck_assert_int_eq(pthread_barrierattr_getpshared(&a, &v), 0);
	ck_assert_int_eq(v, PTHREAD_PROCESS_PRIVATE);
	ck_assert_int_eq(pthread_barrierattr_setpshared(&a, 5), EINVAL);
	ck_assert_int_eq(pthread_barrierattr_destroy(&a), 0);
	/* A round in progress: destroy is refused. */
	ck_assert_int_eq(pthread_barrier_init(&b, NULL, 2), 0);
	pthread_t t;
	pthread_create(&t, NULL, barrier_once, &b);
	usleep(10000);
	/* Destroying a barrier a thread is blocked on is undefined: the
	 * library says EBUSY, glibc waits for ever. */
	if (!tst_test_glibc())
		ck_assert_int_eq(pthread_barrier_destroy(&b), EBUSY);
	pthread_barrier_wait(&b);
	ck_assert_int_eq(pthread_barrier_destroy(&b), 0);
	pthread_join(t, NULL);
}
END_TEST

START_TEST(barrier_across_fork)
{
	struct { pthread_barrier_t b; atomic_int phase[50]; int bad; } *s =
		tst_shared(sizeof *s);
	pthread_barrierattr_t a;
	int v;
	pthread_barrierattr_init(&a);
	ck_assert_int_eq(pthread_barrierattr_setpshared(&a, PTHREAD_PROCESS_SHARED), 0);
	ck_assert_int_eq(pthread_barrierattr_getpshared(&a, &v), 0);
	ck_assert_int_eq(v, PTHREAD_PROCESS_SHARED);
	ck_assert_int_eq(pthread_barrier_init(&s->b, &a, 2), 0);
	pid_t pid = fork();
	for (int i = 0; i < 50; i++) {
		atomic_fetch_add(&s->phase[i], 1);
		pthread_barrier_wait(&s->b);
		if (atomic_load(&s->phase[i]) != 2)
			s->bad = 1;
		pthread_barrier_wait(&s->b);
	}
	if (pid == 0)
		_exit(0);
	ck_assert(tst_child_ok(pid));
	ck_assert_int_eq(s->bad, 0);
}
END_TEST

struct spin_counter {
	pthread_spinlock_t l;
	long n;
};

static void *spin_up(void *p)
{
	struct spin_counter *c = p;
	for (int i = 0; i < 50000; i++) {
		if (i % 3)
			pthread_spin_lock(&c->l);
		else
			while (pthread_spin_trylock(&c->l) == EBUSY)
				;
		c->n++;
		pthread_spin_unlock(&c->l);
	}
	return NULL;
}

START_TEST(spinlock)
{
	struct spin_counter c;
	ck_assert_int_eq(pthread_spin_init(&c.l, PTHREAD_PROCESS_PRIVATE), 0);
	c.n = 0;
	ck_assert_int_eq(pthread_spin_lock(&c.l), 0);
	ck_assert_int_eq(pthread_spin_trylock(&c.l), EBUSY);
	ck_assert_int_eq(pthread_spin_unlock(&c.l), 0);
	ck_assert_int_eq(pthread_spin_trylock(&c.l), 0);
	ck_assert_int_eq(pthread_spin_unlock(&c.l), 0);
	tst_run(4, spin_up, &c);
	ck_assert_int_eq(c.n, 200000);
	ck_assert_int_eq(pthread_spin_destroy(&c.l), 0);
}
END_TEST

TST_SUITE(barrier_spin_suite)
{
	Suite *s = suite_create("barrier_spin");
	TCase *tc = tst_tcase("barrier_spin");
	tcase_add_test(tc, barrier_rounds);
	tcase_add_test(tc, barrier_errors);
	tcase_add_test(tc, barrier_across_fork);
	tcase_add_test(tc, spinlock);
	suite_add_tcase(s, tc);
	return s;
}
