/* SPDX-License-Identifier: MIT */
/* Thread-specific data: values per thread, destructors (value passed,
 * rounds, NULL values skipped, pthread_key_delete), no leaks into later
 * threads or reused keys, running out of keys. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include "common.h"

/* A destructor that records its calls; `resets' says how many times it
 * puts a value back (so it is called again in the next round). */
static pthread_key_t dkey;
static atomic_int dcalls, dbad, dresets;
static void *dlast;

static void recording_dtor(void *value)
{
	atomic_fetch_add(&dcalls, 1);
	dlast = value;
	if (pthread_getspecific(dkey) != NULL)	/* cleared before the call */
		atomic_fetch_add(&dbad, 1);
	if (atomic_fetch_sub(&dresets, 1) > 0)
		pthread_setspecific(dkey, (char *)value + 1);
}

static int calls(atomic_int *counter)
{
	return atomic_load(counter);
}

static void reset_recorder(int resets)
{
	atomic_store(&dcalls, 0);
	atomic_store(&dbad, 0);
	atomic_store(&dresets, resets);
	dlast = NULL;
}

enum { SET_VALUE, SET_THEN_NULL, NEVER_SET };

static void *setter_thread(void *arg)
{
	intptr_t mode = (intptr_t)arg;
	static char target[8];
	if (pthread_getspecific(dkey) != NULL)
		return (void *)1;
	if (mode != NEVER_SET && pthread_setspecific(dkey, target) != 0)
		return (void *)2;
	if (pthread_getspecific(dkey) != (mode == NEVER_SET ? NULL : target))
		return (void *)3;
	if (mode == SET_THEN_NULL && pthread_setspecific(dkey, NULL) != 0)
		return (void *)4;
	return target;
}

START_TEST(test_destructor_runs)
{
	static const struct { int mode, calls; } cases[] = {
		{ SET_VALUE, 1 }, { SET_THEN_NULL, 0 }, { NEVER_SET, 0 },
	};
	ck_assert_int_eq(pthread_key_create(&dkey, recording_dtor), 0);
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		reset_recorder(0);
		void *target = tst_join(tst_start(NULL, setter_thread,
						(void *)(intptr_t)cases[i].mode));
		ck_assert_uint_gt((uintptr_t)target, 4);
		/* ran (or not) before join returned */
		ck_assert_int_eq(calls(&dcalls), cases[i].calls);
		if (cases[i].calls)
			ck_assert_ptr_eq(dlast, target);
		ck_assert_int_eq(calls(&dbad), 0);
	}
	ck_assert_int_eq(pthread_key_delete(dkey), 0);
}
END_TEST

/* A destructor that sets a value again is called again, for at most
 * PTHREAD_DESTRUCTOR_ITERATIONS rounds. */
START_TEST(test_destructor_rounds)
{
	static const struct { int resets, calls; } cases[] = {
		{ 1, 2 },
		{ PTHREAD_DESTRUCTOR_ITERATIONS - 1, PTHREAD_DESTRUCTOR_ITERATIONS },
		{ 1000, PTHREAD_DESTRUCTOR_ITERATIONS },
	};
	ck_assert_int_eq(pthread_key_create(&dkey, recording_dtor), 0);
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		reset_recorder(cases[i].resets);
		char *target = tst_join(tst_start(NULL, setter_thread,
						(void *)(intptr_t)SET_VALUE));
		ck_assert_int_eq(calls(&dcalls), cases[i].calls);
		ck_assert_ptr_eq(dlast, target + cases[i].calls - 1);
	}
	ck_assert_int_eq(pthread_key_delete(dkey), 0);
}
END_TEST

/* Many keys with destructors, each called once with its own value. */
#define NKEYS 100
static pthread_key_t many_keys[NKEYS];
static atomic_int many_calls[NKEYS];
static int many_values[NKEYS];

static void many_dtor(void *value)
{
	int *v = value;
	atomic_fetch_add(&many_calls[v - many_values], 1);
}

static void *many_keys_thread(void *arg)
{
	for (int i = 0; i < NKEYS; i++)
		if (pthread_setspecific(many_keys[i], &many_values[i]))
			return (void *)1;
	for (int i = 0; i < NKEYS; i++)
		if (pthread_getspecific(many_keys[i]) != &many_values[i])
			return (void *)2;
	return NULL;
}

START_TEST(test_many_keys)
{
	for (int i = 0; i < NKEYS; i++)
		ck_assert_int_eq(pthread_key_create(&many_keys[i], many_dtor), 0);
	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		th[i] = tst_start(NULL, many_keys_thread, NULL);
	for (int i = 0; i < 4; i++)
		ck_assert_ptr_null(tst_join(th[i]));
	for (int i = 0; i < NKEYS; i++) {
		ck_assert_int_eq(calls(&many_calls[i]), 4);
		ck_assert_ptr_null(pthread_getspecific(many_keys[i]));
		ck_assert_int_eq(pthread_key_delete(many_keys[i]), 0);
	}
}
END_TEST

/* pthread_key_delete while a thread holds a value: no destructor; and a
 * key created afterwards (which may reuse the slot) reads NULL there. */
static pthread_key_t del_key, new_key;
static atomic_int del_stage;

static void *delete_thread(void *arg)
{
	static char v;
	if (pthread_setspecific(del_key, &v))
		return (void *)1;
	atomic_store(&del_stage, 1);
	tst_wait_at_least(&del_stage, 2);	/* main deletes, creates */
	if (pthread_getspecific(new_key) != NULL)
		return (void *)2;
	return NULL;
}

static void must_not_run(void *value)
{
	ck_abort_msg("destructor of a deleted key ran");
}

START_TEST(test_key_delete)
{
	ck_assert_int_eq(pthread_key_create(&del_key, must_not_run), 0);
	pthread_t th = tst_start(NULL, delete_thread, NULL);
	tst_wait_at_least(&del_stage, 1);
	ck_assert_int_eq(pthread_key_delete(del_key), 0);
	ck_assert_int_eq(pthread_key_create(&new_key, must_not_run), 0);
	atomic_store(&del_stage, 2);
	ck_assert_ptr_null(tst_join(th));
	ck_assert_int_eq(pthread_key_delete(new_key), 0);
}
END_TEST

/* Values do not leak into a later thread that runs on a cached region,
 * nor between threads alive at once, nor from main. */
static pthread_key_t leak_key;

static void *leak_thread(void *arg)
{
	void *seen = pthread_getspecific(leak_key);
	pthread_setspecific(leak_key, arg);
	return seen;
}

START_TEST(test_no_leak)
{
	ck_assert_int_eq(pthread_key_create(&leak_key, NULL), 0);
	static char mine, theirs;
	ck_assert_int_eq(pthread_setspecific(leak_key, &mine), 0);
	for (int i = 0; i < 20; i++)
		ck_assert_ptr_null(tst_join(tst_start(NULL, leak_thread, &theirs)));
	ck_assert_ptr_eq(pthread_getspecific(leak_key), &mine);
	ck_assert_int_eq(pthread_key_delete(leak_key), 0);
}
END_TEST

/* Keys run out with EAGAIN, and deleting gives them back. */
START_TEST(test_keys_exhausted)
{
	static pthread_key_t keys[PTHREAD_KEYS_MAX + 1];
	int n = 0, err = 0;
	while (n <= PTHREAD_KEYS_MAX &&
	       (err = pthread_key_create(&keys[n], NULL)) == 0)
		n++;
	ck_assert_int_eq(err, EAGAIN);
	ck_assert_int_le(n, PTHREAD_KEYS_MAX);
	ck_assert_int_ge(n, PTHREAD_KEYS_MAX - 64);
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(pthread_key_delete(keys[i]), 0);
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(pthread_key_create(&keys[i], NULL), 0);
}
END_TEST

TST_SUITE(keys_suite)
{
	Suite *s = suite_create("keys");
	TCase *tc = tcase_create("keys");
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_destructor_runs);
	tcase_add_test(tc, test_destructor_rounds);
	tcase_add_test(tc, test_many_keys);
	tcase_add_test(tc, test_key_delete);
	tcase_add_test(tc, test_no_leak);
	tcase_add_test(tc, test_keys_exhausted);
	suite_add_tcase(s, tc);
	return s;
}
