/* SPDX-License-Identifier: MIT */
/* glibc's *64 entry points, on a CPU whose time_t is 32 bits by default
 * (i386): this program is built with _TIME_BITS=64, so <pthread.h>,
 * <semaphore.h> and <threads.h> send every call that takes a timespec to
 * its *64 name.  Each times out when it should, and a deadline past 2038
 * is a deadline, not one that has passed (a 32-bit time would have
 * wrapped it). */
#define _GNU_SOURCE
#include <errno.h>
#include <semaphore.h>
#include <stdint.h>
#include <threads.h>
#include <time.h>
#include <unistd.h>
#include "common.h"

_Static_assert(sizeof(time_t) == 8, "built with _TIME_BITS=64");

/* In ms from now on `clock'. */
static struct timespec in(clockid_t clock, long ms)
{
	struct timespec t;
	clock_gettime(clock, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += ms % 1000 * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

/* 1 January 2100, on CLOCK_REALTIME. */
static const struct timespec after_2038 = { .tv_sec = 4102444800LL };

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static atomic_int held, release;

/* Holds m and rw for writing until released. */
static void *holder(void *arg)
{
	pthread_mutex_lock(&m);
	pthread_rwlock_wrlock(&rw);
	atomic_store(&held, 1);
	tst_wait_at_least(&release, 1);
	pthread_rwlock_unlock(&rw);
	pthread_mutex_unlock(&m);
	return NULL;
}

START_TEST(timeouts)
{
	held = release = 0;
	pthread_t th = tst_start(NULL, holder, NULL);
	tst_wait_at_least(&held, 1);
	struct timespec t = in(CLOCK_REALTIME, 20);
	ck_assert_int_eq(pthread_mutex_timedlock(&m, &t), ETIMEDOUT);
	t = in(CLOCK_MONOTONIC, 20);
	ck_assert_int_eq(pthread_mutex_clocklock(&m, CLOCK_MONOTONIC, &t), ETIMEDOUT);
	t = in(CLOCK_REALTIME, 20);
	ck_assert_int_eq(pthread_rwlock_timedrdlock(&rw, &t), ETIMEDOUT);
	t = in(CLOCK_REALTIME, 20);
	ck_assert_int_eq(pthread_rwlock_timedwrlock(&rw, &t), ETIMEDOUT);
	t = in(CLOCK_MONOTONIC, 20);
	ck_assert_int_eq(pthread_rwlock_clockrdlock(&rw, CLOCK_MONOTONIC, &t), ETIMEDOUT);
	t = in(CLOCK_MONOTONIC, 20);
	ck_assert_int_eq(pthread_rwlock_clockwrlock(&rw, CLOCK_MONOTONIC, &t), ETIMEDOUT);
	/* th runs on: the joins time out too. */
	t = in(CLOCK_REALTIME, 20);
	ck_assert_int_eq(pthread_timedjoin_np(th, NULL, &t), ETIMEDOUT);
	t = in(CLOCK_MONOTONIC, 20);
	ck_assert_int_eq(pthread_clockjoin_np(th, NULL, CLOCK_MONOTONIC, &t), ETIMEDOUT);
	atomic_store(&release, 1);
	ck_assert_int_eq(pthread_clockjoin_np(th, NULL, CLOCK_REALTIME, &after_2038), 0);
	/* Free now: the far deadline does not matter. */
	ck_assert_int_eq(pthread_mutex_timedlock(&m, &after_2038), 0);
	pthread_mutex_unlock(&m);
	ck_assert_int_eq(pthread_rwlock_timedwrlock(&rw, &after_2038), 0);
	pthread_rwlock_unlock(&rw);

	pthread_cond_t c = PTHREAD_COND_INITIALIZER;
	pthread_mutex_lock(&m);
	t = in(CLOCK_REALTIME, 20);
	ck_assert_int_eq(pthread_cond_timedwait(&c, &m, &t), ETIMEDOUT);
	t = in(CLOCK_MONOTONIC, 20);
	ck_assert_int_eq(pthread_cond_clockwait(&c, &m, CLOCK_MONOTONIC, &t), ETIMEDOUT);
	pthread_mutex_unlock(&m);

	sem_t s;
	sem_init(&s, 0, 0);
	t = in(CLOCK_REALTIME, 20);
	ck_assert_int_eq(sem_timedwait(&s, &t), -1);
	ck_assert_int_eq(errno, ETIMEDOUT);
	t = in(CLOCK_MONOTONIC, 20);
	ck_assert_int_eq(sem_clockwait(&s, CLOCK_MONOTONIC, &t), -1);
	ck_assert_int_eq(errno, ETIMEDOUT);

	mtx_t cm;
	cnd_t cc;
	ck_assert_int_eq(mtx_init(&cm, mtx_timed), thrd_success);
	ck_assert_int_eq(cnd_init(&cc), thrd_success);
	ck_assert_int_eq(mtx_lock(&cm), thrd_success);
	t = in(CLOCK_REALTIME, 20);
	ck_assert_int_eq(cnd_timedwait(&cc, &cm, &t), thrd_timedout);
	mtx_unlock(&cm);
	ck_assert_int_eq(mtx_timedlock(&cm, &after_2038), thrd_success);
	mtx_unlock(&cm);
	struct timespec ms = { 0, 1000000 }, left;
	ck_assert_int_eq(thrd_sleep(&ms, &left), 0);
}
END_TEST

/* Each wait with a deadline past 2038 sleeps until its event, which comes
 * only once the waiter is asleep (a deadline wrapped into the past would
 * time out at once): a post, a mutex and a write lock given up, the end
 * of the thread joined. */
enum { POST, MUTEX, RWLOCK, JOIN, NKINDS };
static sem_t later;
static atomic_int waiter_tid, locked;

static void *wakes_waiter(void *arg)
{
	int kind = (int)(intptr_t)arg;
	if (kind == MUTEX)
		pthread_mutex_lock(&m);
	if (kind == RWLOCK)
		pthread_rwlock_wrlock(&rw);
	atomic_store(&locked, 1);
	tst_wait_blocked(atomic_load(&waiter_tid));
	if (kind == POST)
		sem_post(&later);
	if (kind == MUTEX)
		pthread_mutex_unlock(&m);
	if (kind == RWLOCK)
		pthread_rwlock_unlock(&rw);
	return NULL;
}

START_TEST(far_deadline_waits)
{
	int kind = _i % NKINDS;
	sem_init(&later, 0, 0);
	locked = 0;
	waiter_tid = tst_gettid();
	pthread_t th = tst_start(NULL, wakes_waiter, (void *)(intptr_t)kind);
	tst_wait_at_least(&locked, 1);
	switch (kind) {
	case POST:
		ck_assert_int_eq(sem_timedwait(&later, &after_2038), 0);
		break;
	case MUTEX:
		ck_assert_int_eq(pthread_mutex_timedlock(&m, &after_2038), 0);
		pthread_mutex_unlock(&m);
		break;
	case RWLOCK:
		ck_assert_int_eq(pthread_rwlock_timedwrlock(&rw, &after_2038), 0);
		pthread_rwlock_unlock(&rw);
		break;
	case JOIN:
		ck_assert_int_eq(pthread_clockjoin_np(th, NULL, CLOCK_REALTIME,
						      &after_2038), 0);
		return;
	}
	tst_join(th);
}
END_TEST

TST_SUITE(time64_suite)
{
	Suite *s = suite_create("time64");
	TCase *tc = tcase_create("time64");
	tcase_add_test(tc, timeouts);
	tcase_add_loop_test(tc, far_deadline_waits, 0, 5 * NKINDS);
	suite_add_tcase(s, tc);
	return s;
}
