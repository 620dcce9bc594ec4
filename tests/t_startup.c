/* SPDX-License-Identifier: MIT */
/* Start-up from anywhere: the library works when its first caller is the
 * earliest code of the process -- a -z initfirst library's constructor
 * (initfirst.c, linked into this program) or an entry of the program's
 * .preinit_array, which run before any other constructor. */
#define _GNU_SOURCE
#include <errno.h>
#include "common.h"
#include "initfirst.h"

static struct tst_early preinit;

static void *early_thread(void *arg)
{
	return arg;
}

static void run_preinit(void)
{
	tst_early_run(&preinit, early_thread);
}

__attribute__((section(".preinit_array"), used))
static void (*const preinit_entry)(void) = run_preinit;

START_TEST(earliest_callers)
{
	ck_assert(tst_initfirst.ran);
	ck_assert(preinit.ran);
	ck_assert(tst_initfirst.locked);
	ck_assert(preinit.locked);
	ck_assert(tst_initfirst.onced);
	ck_assert(preinit.onced);
	ck_assert(tst_initfirst.stated);
	ck_assert(preinit.stated);
	ck_assert(pthread_equal(tst_initfirst.self, pthread_self()));
	ck_assert(pthread_equal(preinit.self, pthread_self()));
	ck_assert(tst_initfirst.created);
	ck_assert(preinit.created);
	/* libc was initialised afterwards with the program's environment
	 * and arguments, not before (as a dlopen there would have done). */
	extern char **environ;
	ck_assert_ptr_nonnull(environ);
	ck_assert_ptr_nonnull(environ[0]);
	ck_assert_ptr_nonnull(program_invocation_name);
	/* and everything works afterwards */
	ck_assert_ptr_eq(tst_join(tst_start(NULL, early_thread, &preinit)), &preinit);
}
END_TEST

TST_SUITE(startup_suite)
{
	Suite *s = suite_create("startup");
	TCase *tc = tcase_create("startup");
	tcase_add_test(tc, earliest_callers);
	suite_add_tcase(s, tc);
	return s;
}
