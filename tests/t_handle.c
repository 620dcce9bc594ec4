/* SPDX-License-Identifier: MIT */
/* Handles that name no thread any more -- joined, detached and ended,
 * their memory reused by a new thread -- and garbage: ESRCH from every
 * call that takes a handle, never a crash, never an action on the thread
 * that now lives in the same memory.  All of it beyond glibc, where such
 * a handle is undefined behaviour (and typically a crash). */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <unistd.h>
#include "common.h"

static void *returns(void *arg)
{
	return arg;
}

static void *waits(void *arg)
{
	tst_wait_at_least(arg, 1);
	return NULL;
}

/* Every call that takes a handle says ESRCH for h. */
static void assert_dead(pthread_t h)
{
	struct sched_param sp = { 0 };
	int policy;
	cpu_set_t set;
	clockid_t clock;
	char name[16];
	pthread_attr_t attr;
	void *ret;
	ck_assert_int_eq(pthread_join(h, &ret), ESRCH);
	ck_assert_int_eq(pthread_tryjoin_np(h, &ret), ESRCH);
	ck_assert_int_eq(pthread_detach(h), ESRCH);
	ck_assert_int_eq(pthread_kill(h, 0), ESRCH);
	ck_assert_int_eq(pthread_kill(h, SIGUSR1), ESRCH);
	ck_assert_int_eq(pthread_sigqueue(h, SIGUSR1, (union sigval){ 0 }), ESRCH);
	ck_assert_int_eq(pthread_cancel(h), ESRCH);
	ck_assert_int_eq(pthread_setschedparam(h, SCHED_OTHER, &sp), ESRCH);
	ck_assert_int_eq(pthread_getschedparam(h, &policy, &sp), ESRCH);
	ck_assert_int_eq(pthread_setschedprio(h, 0), ESRCH);
	ck_assert_int_eq(pthread_getaffinity_np(h, sizeof set, &set), ESRCH);
	ck_assert_int_eq(pthread_setaffinity_np(h, sizeof set, &set), ESRCH);
	ck_assert_int_eq(pthread_getcpuclockid(h, &clock), ESRCH);
	ck_assert_int_eq(pthread_setname_np(h, "x"), ESRCH);
	ck_assert_int_eq(pthread_getname_np(h, name, sizeof name), ESRCH);
	ck_assert_int_eq(pthread_getattr_np(h, &attr), ESRCH);
}

START_TEST(joined)
{
	pthread_t th = tst_start(NULL, returns, (void *)5);
	ck_assert_ptr_eq(tst_join(th), (void *)5);
	assert_dead(th);
	/* A second join, and a join through another copy of the handle. */
	pthread_t copy = th;
	ck_assert_int_eq(pthread_join(copy, NULL), ESRCH);
}
END_TEST

/* The next thread gets the first one's memory (the region cache hands
 * the most recent back first): the old handle still names nothing, and
 * the new thread is untouched by calls on it. */
START_TEST(reused)
{
	for (int round = 0; round < 50; round++) {
		pthread_t old = tst_start(NULL, returns, NULL);
		tst_join(old);
		atomic_int go = 0;
		pthread_t now = tst_start(NULL, waits, &go);
		ck_assert(!pthread_equal(old, now));
		assert_dead(old);
		ck_assert_int_eq(pthread_kill(now, 0), 0);
		atomic_store(&go, 1);
		ck_assert_ptr_eq(tst_join(now), NULL);	/* not cancelled */
	}
}
END_TEST

/* A detached thread's handle dies with the thread. */
START_TEST(detached_ended)
{
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	atomic_int go = 0;
	pthread_t th = tst_start(&a, waits, &go);
	ck_assert_int_eq(pthread_kill(th, 0), 0);
	atomic_store(&go, 1);
	while (pthread_kill(th, 0) == 0)
		sched_yield();
	assert_dead(th);
	pthread_attr_destroy(&a);
}
END_TEST

START_TEST(garbage)
{
	static const uintptr_t values[] = {
		0, 1, 2, 0x1000, 0xdeadbeef, (uintptr_t)-1, (uintptr_t)-4096,
		(uintptr_t)&values, UINTPTR_MAX / 3, 12345678,
	};
	for (size_t i = 0; i < sizeof values / sizeof *values; i++)
		assert_dead((pthread_t)values[i]);
	/* And a live thread's handle with its bits moved. */
	atomic_int go = 0;
	pthread_t th = tst_start(NULL, waits, &go);
	assert_dead(th + 1);
	assert_dead(th ^ ((pthread_t)1 << (sizeof th * 8 - 1)));
	atomic_store(&go, 1);
	tst_join(th);
}
END_TEST

TST_SUITE(handle_suite)
{
	Suite *s = suite_create("handle");
	TCase *tc = tcase_create("handle");
	tst_tcase_add_beyond_glibc(tc, joined, "undefined: glibc reads freed memory");
	tst_tcase_add_beyond_glibc(tc, reused, "undefined: glibc acts on the new thread");
	tst_tcase_add_beyond_glibc(tc, detached_ended, "undefined in glibc");
	tst_tcase_add_beyond_glibc(tc, garbage, "glibc dereferences it: a crash");
	suite_add_tcase(s, tc);
	return s;
}
