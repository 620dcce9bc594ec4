/* SPDX-License-Identifier: MIT */
/* C11 threads: mtx, cnd, call_once, thrd, tss over our implementation. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdatomic.h>
#include <threads.h>
#include <time.h>
#include "common.h"

static int trylock_other(void *m)
{
	return mtx_trylock(m);
}

START_TEST(mutexes)
{
	mtx_t m;
	thrd_t t;
	int r;
	/* Any type is accepted, as in glibc: all but the two recursive
	 * combinations make a plain mutex. */
	ck_assert_int_eq(mtx_init(&m, 7), thrd_success);
	ck_assert_int_eq(mtx_lock(&m), thrd_success);
	ck_assert_int_eq(mtx_trylock(&m), thrd_busy);
	ck_assert_int_eq(mtx_unlock(&m), thrd_success);
	mtx_destroy(&m);
	ck_assert_int_eq(mtx_init(&m, mtx_plain), thrd_success);
	ck_assert_int_eq(mtx_lock(&m), thrd_success);
	ck_assert_int_eq(mtx_trylock(&m), thrd_busy);
	ck_assert_int_eq(mtx_unlock(&m), thrd_success);
	mtx_destroy(&m);
	ck_assert_int_eq(mtx_init(&m, mtx_timed | mtx_recursive), thrd_success);
	ck_assert_int_eq(mtx_lock(&m), thrd_success);
	ck_assert_int_eq(mtx_trylock(&m), thrd_success);
	ck_assert_int_eq(thrd_create(&t, trylock_other, &m), thrd_success);
	ck_assert_int_eq(thrd_join(t, &r), thrd_success);
	ck_assert_int_eq(r, thrd_busy);
	struct timespec ts = tst_deadline(CLOCK_REALTIME, 10);
	ck_assert_int_eq(mtx_timedlock(&m, &ts), thrd_success);	/* recursion */
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(mtx_unlock(&m), thrd_success);
	ck_assert_int_eq(mtx_unlock(&m), thrd_error);
	mtx_destroy(&m);
}
END_TEST

static int hold(void *m)
{
	return mtx_lock(m);
}

START_TEST(timed_mutex)
{
	mtx_t m;
	thrd_t t;
	mtx_init(&m, mtx_timed);
	ck_assert_int_eq(thrd_create(&t, hold, &m), thrd_success);
	ck_assert_int_eq(thrd_join(t, NULL), thrd_success);
	struct timespec ts = tst_deadline(CLOCK_REALTIME, 20);
	ck_assert_int_eq(mtx_timedlock(&m, &ts), thrd_timedout);
	ts.tv_nsec = -1;
	ck_assert_int_eq(mtx_timedlock(&m, &ts), thrd_error);
}
END_TEST

struct cq {
	mtx_t m;
	cnd_t c;
	int items, done;
};

static int cnd_consumer(void *p)
{
	struct cq *q = p;
	int got = 0;
	mtx_lock(&q->m);
	for (;;) {
		while (q->items == 0 && !q->done)
			cnd_wait(&q->c, &q->m);
		if (q->items == 0)
			break;
		q->items--;
		got++;
	}
	mtx_unlock(&q->m);
	return got;
}

START_TEST(condvars)
{
	struct cq q = { .items = 0 };
	thrd_t t[3];
	mtx_init(&q.m, mtx_plain);
	ck_assert_int_eq(cnd_init(&q.c), thrd_success);
	for (int i = 0; i < 3; i++)
		thrd_create(&t[i], cnd_consumer, &q);
	for (int i = 0; i < 3000; i++) {
		mtx_lock(&q.m);
		q.items++;
		ck_assert_int_eq(cnd_signal(&q.c), thrd_success);
		mtx_unlock(&q.m);
	}
	mtx_lock(&q.m);
	q.done = 1;
	ck_assert_int_eq(cnd_broadcast(&q.c), thrd_success);
	mtx_unlock(&q.m);
	int total = 0;
	for (int i = 0; i < 3; i++) {
		int r;
		thrd_join(t[i], &r);
		total += r;
	}
	ck_assert_int_eq(total, 3000);
	mtx_lock(&q.m);
	struct timespec ts = tst_deadline(CLOCK_REALTIME, 20);
	ck_assert_int_eq(cnd_timedwait(&q.c, &q.m, &ts), thrd_timedout);
	mtx_unlock(&q.m);
	cnd_destroy(&q.c);
	mtx_destroy(&q.m);
}
END_TEST

static atomic_int once_runs;
static once_flag flag = ONCE_FLAG_INIT;
static void init_once(void) { atomic_fetch_add(&once_runs, 1); }
static int call_it(void *p) { call_once(&flag, init_once); return 0; }

static atomic_int dtor_calls;
static tss_t key;
static void dtor(void *v) { atomic_fetch_add(&dtor_calls, (int)(long)v); }
static int use_tss(void *p)
{
	if (tss_get(key) != NULL)
		return 1;
	if (tss_set(key, (void *)5L) != thrd_success || tss_get(key) != (void *)5L)
		return 1;
	if (p)
		thrd_exit(42);
	return 7;
}

static int self_check(void *p)
{
	return thrd_equal(thrd_current(), *(thrd_t *)p) ? 0 : 1;
}

START_TEST(threads)
{
	thrd_t t[4];
	int r;
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(thrd_create(&t[i], call_it, NULL), thrd_success);
	for (int i = 0; i < 4; i++)
		thrd_join(t[i], NULL);
	ck_assert_int_eq(once_runs, 1);
	ck_assert_int_eq(tss_create(&key, dtor), thrd_success);
	ck_assert_int_eq(thrd_create(&t[0], use_tss, NULL), thrd_success);
	ck_assert_int_eq(thrd_join(t[0], &r), thrd_success);
	ck_assert_int_eq(r, 7);
	ck_assert_int_eq(thrd_create(&t[0], use_tss, &r), thrd_success);
	ck_assert_int_eq(thrd_join(t[0], &r), thrd_success);
	ck_assert_int_eq(r, 42);	/* thrd_exit's value */
	ck_assert_int_eq(dtor_calls, 10);
	tss_delete(key);
	static thrd_t me;
	ck_assert_int_eq(thrd_create(&me, self_check, &me), thrd_success);
	ck_assert_int_eq(thrd_join(me, &r), thrd_success);
	ck_assert_int_eq(r, 0);
	ck_assert(thrd_equal(thrd_current(), thrd_current()));
	ck_assert(!thrd_equal(thrd_current(), me));
	ck_assert_int_eq(thrd_create(&t[0], call_it, NULL), thrd_success);
	ck_assert_int_eq(thrd_detach(t[0]), thrd_success);
	struct timespec d = { 0, 1000000 }, s;
	clock_gettime(CLOCK_MONOTONIC, &s);
	ck_assert_int_eq(thrd_sleep(&d, NULL), 0);
	ck_assert_int_ge(tst_elapsed_ms(&s), 1);
	d.tv_nsec = -5;
	ck_assert_int_lt(thrd_sleep(&d, NULL), -1);
	thrd_yield();
}
END_TEST

TST_SUITE(c11_suite)
{
	Suite *s = suite_create("c11");
	TCase *tc = tst_tcase("c11");
	tcase_add_test(tc, mutexes);
	tcase_add_test(tc, timed_mutex);
	tcase_add_test(tc, condvars);
	tcase_add_test(tc, threads);
	suite_add_tcase(s, tc);
	return s;
}
