/* SPDX-License-Identifier: MIT */
/* Read-write locks: sharing, exclusion, kinds, errors, stress. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>
#include "common.h"

static void *tryrd(void *l) { return (void *)(long)pthread_rwlock_tryrdlock(l); }
static void *trywr(void *l) { return (void *)(long)pthread_rwlock_trywrlock(l); }
static void *rd_keep(void *l) { return (void *)(long)pthread_rwlock_rdlock(l); }

START_TEST(basics)
{
	pthread_rwlock_t a = PTHREAD_RWLOCK_INITIALIZER;
	pthread_rwlock_t b = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;
	pthread_rwlock_t *ls[] = { &a, &b };
	for (int i = 0; i < 2; i++) {
		pthread_rwlock_t *l = ls[i];
		ck_assert_int_eq(pthread_rwlock_rdlock(l), 0);
		ck_assert_int_eq(tst_in_thread(tryrd, l), 0);	/* shared */
		ck_assert_int_eq(tst_in_thread(trywr, l), EBUSY);
		ck_assert_int_eq(pthread_rwlock_unlock(l), 0);	/* ours */
		ck_assert_int_eq(pthread_rwlock_unlock(l), 0);	/* thread's */
		/* Unlocking a lock nobody holds is undefined: the library
		 * says EPERM, glibc corrupts the lock. */
		if (!tst_test_glibc())
			ck_assert_int_eq(pthread_rwlock_unlock(l), EPERM);
		ck_assert_int_eq(pthread_rwlock_wrlock(l), 0);
		ck_assert_int_eq(pthread_rwlock_wrlock(l), EDEADLK);
		ck_assert_int_eq(pthread_rwlock_rdlock(l), EDEADLK);
		ck_assert_int_eq(pthread_rwlock_trywrlock(l), EBUSY);
		ck_assert_int_eq(pthread_rwlock_tryrdlock(l), EBUSY);
		ck_assert_int_eq(tst_in_thread(tryrd, l), EBUSY);
		ck_assert_int_eq(tst_in_thread(trywr, l), EBUSY);
		pthread_t t;
		pthread_create(&t, NULL, trywr, l);
		void *r;
		pthread_join(t, &r);
		ck_assert_int_eq((long)r, EBUSY);
		ck_assert_int_eq(pthread_rwlock_unlock(l), 0);
		ck_assert_int_eq(pthread_rwlock_trywrlock(l), 0);
		ck_assert_int_eq(pthread_rwlock_unlock(l), 0);
		ck_assert_int_eq(pthread_rwlock_destroy(l), 0);
	}
}
END_TEST

/* Waits for the write lock (its tid first, so that the test can see it
 * block), and lets it go at once. */
static atomic_int wr_tid;

static void *wr_once(void *l)
{
	atomic_store(&wr_tid, tst_gettid());
	pthread_rwlock_wrlock(l);
	pthread_rwlock_unlock(l);
	return NULL;
}

/* Holds the write lock from `held' being set until `release' is. */
static atomic_int wr_held, wr_release;

static void *wr_hold(void *l)
{
	pthread_rwlock_wrlock(l);
	atomic_store(&wr_held, 1);
	while (!atomic_load(&wr_release))
		usleep(1000);
	pthread_rwlock_unlock(l);
	return NULL;
}

START_TEST(timed)
{
	pthread_rwlock_t l = PTHREAD_RWLOCK_INITIALIZER;
	ck_assert_int_eq(pthread_rwlock_wrlock(&l), 0);
	struct timespec s, t;
	clock_gettime(CLOCK_MONOTONIC, &s);
	t = tst_deadline(CLOCK_REALTIME, 20);
	ck_assert_int_eq(tst_in_thread(tryrd, &l), EBUSY);
	pthread_rwlock_unlock(&l);
	pthread_t h;
	pthread_create(&h, NULL, rd_keep, &l);	/* exits holding a read lock */
	pthread_join(h, NULL);
	ck_assert_int_eq(pthread_rwlock_timedwrlock(&l, &t), ETIMEDOUT);
	ck_assert_int_ge(tst_elapsed_ms(&s), 19);
	t = tst_deadline(CLOCK_MONOTONIC, 20);
	ck_assert_int_eq(pthread_rwlock_clockwrlock(&l, CLOCK_MONOTONIC, &t), ETIMEDOUT);
	struct timespec past = { 0, 0 };
	ck_assert_int_eq(pthread_rwlock_timedwrlock(&l, &past), ETIMEDOUT);
	ck_assert_int_eq(pthread_rwlock_clockwrlock(&l, 77, &t), EINVAL);
	past.tv_nsec = 1000000000L;
	ck_assert_int_eq(pthread_rwlock_timedwrlock(&l, &past), EINVAL);
	/* A bad deadline is refused even when readers could get in, as
	 * glibc does. */
	ck_assert_int_eq(pthread_rwlock_timedrdlock(&l, &past), EINVAL);
	pthread_rwlock_unlock(&l);
	/* While a writer holds it timed readers fail, then succeed. */
	wr_held = wr_release = 0;
	pthread_create(&h, NULL, wr_hold, &l);
	while (!atomic_load(&wr_held))
		usleep(1000);
	t = tst_deadline(CLOCK_MONOTONIC, 5);
	ck_assert_int_eq(pthread_rwlock_clockrdlock(&l, CLOCK_MONOTONIC, &t), ETIMEDOUT);
	t = tst_deadline(CLOCK_REALTIME, 2);
	ck_assert_int_eq(pthread_rwlock_timedrdlock(&l, &t), ETIMEDOUT);
	ck_assert_int_eq(pthread_rwlock_clockrdlock(&l, CLOCK_BOOTTIME + 100, &t), EINVAL);
	atomic_store(&wr_release, 1);
	t = tst_deadline(CLOCK_MONOTONIC, 5000);
	ck_assert_int_eq(pthread_rwlock_clockrdlock(&l, CLOCK_MONOTONIC, &t), 0);
	pthread_rwlock_unlock(&l);
	pthread_join(h, NULL);
}
END_TEST

/* With writer preference, a waiting writer keeps new readers out; with
 * the default kind, readers keep getting in. */
START_TEST(kinds)
{
	pthread_rwlockattr_t a;
	int v;
	ck_assert_int_eq(pthread_rwlockattr_init(&a), 0);
	ck_assert_int_eq(pthread_rwlockattr_getkind_np(&a, &v), 0);
	ck_assert_int_eq(v, PTHREAD_RWLOCK_PREFER_READER_NP);
	ck_assert_int_eq(pthread_rwlockattr_setkind_np(&a, 3), EINVAL);
	ck_assert_int_eq(pthread_rwlockattr_getpshared(&a, &v), 0);
	ck_assert_int_eq(v, PTHREAD_PROCESS_PRIVATE);
	ck_assert_int_eq(pthread_rwlockattr_setpshared(&a, 2), EINVAL);
	for (int k = 0; k < 3; k++) {
		ck_assert_int_eq(pthread_rwlockattr_setkind_np(&a, k), 0);
		ck_assert_int_eq(pthread_rwlockattr_getkind_np(&a, &v), 0);
		ck_assert_int_eq(v, k);
		pthread_rwlock_t l;
		ck_assert_int_eq(pthread_rwlock_init(&l, &a), 0);
		ck_assert_int_eq(pthread_rwlock_rdlock(&l), 0);
		pthread_t w;
		wr_tid = 0;
		pthread_create(&w, NULL, wr_once, &l);
		tst_wait_at_least(&wr_tid, 1);
		ck_assert(tst_wait_blocked(atomic_load(&wr_tid)));	/* the writer waits */
		long r = tst_in_thread(tryrd, &l);
		if (k == PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP) {
			ck_assert_int_eq(r, EBUSY);
		} else {
			ck_assert_int_eq(r, 0);
			pthread_rwlock_unlock(&l);
		}
		ck_assert_int_eq(pthread_rwlock_unlock(&l), 0);
		pthread_join(w, NULL);
		ck_assert_int_eq(pthread_rwlock_destroy(&l), 0);
	}
	/* A timed-out writer must let the readers it held back in. */
	ck_assert_int_eq(pthread_rwlockattr_setkind_np(&a,
		PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP), 0);
	pthread_rwlock_t l;
	pthread_rwlock_init(&l, &a);
	pthread_rwlock_rdlock(&l);
	struct timespec t = tst_deadline(CLOCK_REALTIME, 20);
	ck_assert_int_eq(pthread_rwlock_timedwrlock(&l, &t), ETIMEDOUT);
	ck_assert_int_eq(tst_in_thread(tryrd, &l), 0);
}
END_TEST

/* 8 readers and 2 writers: writers keep a == b, readers never see a
 * torn pair. */
struct pair {
	pthread_rwlock_t l;
	volatile long a, b;
	int bad;
	pthread_barrier_t start;
};

static void *reader(void *p)
{
	struct pair *s = p;
	pthread_barrier_wait(&s->start);
	for (int i = 0; i < 20000; i++) {
		int r = i % 5 ? pthread_rwlock_rdlock(&s->l)
			      : pthread_rwlock_tryrdlock(&s->l);
		if (r == EBUSY)
			continue;
		if (r || s->a != s->b)
			s->bad = 1;
		pthread_rwlock_unlock(&s->l);
	}
	return NULL;
}

static void *writer(void *p)
{
	struct pair *s = p;
	pthread_barrier_wait(&s->start);
	for (int i = 0; i < 5000; i++) {
		struct timespec t = tst_deadline(CLOCK_MONOTONIC, 10000);
		if (pthread_rwlock_clockwrlock(&s->l, CLOCK_MONOTONIC, &t))
			s->bad = 1;
		s->a++;
		if (i % 100 == 0)
			sched_yield();
		s->b++;
		pthread_rwlock_unlock(&s->l);
	}
	return NULL;
}

START_TEST(readers_writers)
{
	for (int k = 0; k < 3; k += 2) {
		static struct pair s;
		pthread_rwlockattr_t a;
		pthread_rwlockattr_init(&a);
		pthread_rwlockattr_setkind_np(&a, k);
		s = (struct pair){ .a = 0 };
		pthread_rwlock_init(&s.l, &a);
		pthread_barrier_init(&s.start, NULL, 10);
		pthread_t t[10];
		for (int i = 0; i < 10; i++)
			pthread_create(&t[i], NULL, i < 8 ? reader : writer, &s);
		for (int i = 0; i < 10; i++)
			pthread_join(t[i], NULL);
		ck_assert_int_eq(s.bad, 0);
		ck_assert_int_eq(s.a, 10000);
		ck_assert_int_eq(s.b, 10000);
	}
}
END_TEST

START_TEST(shared_across_fork)
{
	struct { pthread_rwlock_t l; long n; } *s = tst_shared(sizeof *s);
	pthread_rwlockattr_t a;
	int v;
	pthread_rwlockattr_init(&a);
	ck_assert_int_eq(pthread_rwlockattr_setpshared(&a, PTHREAD_PROCESS_SHARED), 0);
	ck_assert_int_eq(pthread_rwlockattr_getpshared(&a, &v), 0);
	ck_assert_int_eq(v, PTHREAD_PROCESS_SHARED);
	pthread_rwlock_init(&s->l, &a);
	pid_t pid = fork();
	for (int i = 0; i < 20000; i++) {
		pthread_rwlock_wrlock(&s->l);
		s->n++;
		pthread_rwlock_unlock(&s->l);
		pthread_rwlock_rdlock(&s->l);
		pthread_rwlock_unlock(&s->l);
	}
	if (pid == 0)
		_exit(0);
	ck_assert(tst_child_ok(pid));
	ck_assert_int_eq(s->n, 40000);
}
END_TEST

TST_SUITE(rwlock_suite)
{
	Suite *s = suite_create("rwlock");
	TCase *tc = tst_tcase("rwlock");
	tcase_add_test(tc, basics);
	tcase_add_test(tc, timed);
	tcase_add_test(tc, kinds);
	tcase_add_test(tc, readers_writers);
	tcase_add_test(tc, shared_across_fork);
	suite_add_tcase(s, tc);
	return s;
}
