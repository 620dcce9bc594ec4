/* Shared by every test program.
 *
 * Each program runs in three ways (tests/run-test): linked with the
 * library (*_direct), linked with glibc and the library preloaded
 * (*_preload), and that same glibc-linked binary without the preload: the
 * reference run (*_glibc).  The reference says what glibc does; a test
 * that checks something glibc lacks says so and is left out of it. */
#ifndef CT_TEST_COMMON_H
#define CT_TEST_COMMON_H
#include <check.h>
#include <pthread.h>

#ifdef __cplusplus
extern "C" {
#endif

/* True in the reference run: the pthread functions are glibc's. */
int ct_test_glibc(void);

/* Abort the program unless each named function resolves to the
 * implementation under test: libclonethreads, or libc.so.6 in the
 * reference run (so neither can pass for the other). */
void ct_test_assert_ours(const char *const *names);

/* Run the suites (NULL-terminated list of constructors) after checking
 * that pthread_create, pthread_join, pthread_self and every name in
 * `extra' are the implementation's.  Returns the exit status for main. */
int ct_test_run(Suite *(*const *suites)(void), const char *const *extra);

/* Add a test of something glibc does not do (it crashes, or lacks the
 * feature): left out of the reference run.  `why' says what glibc does. */
#define ct_tcase_add_beyond_glibc(tc, fn, why) \
	do { if (!ct_test_glibc()) tcase_add_test(tc, fn); } while (0)

/* Check that `th' was (own = 1) or was not (own = 0) created by the
 * library; glibc has no such notion, so the reference run checks nothing. */
void ct_check_own(pthread_t th, int own);

/* Path of a test module built next to the tests (for dlopen). */
const char *ct_test_module(const char *file);

#ifdef __cplusplus
}
#endif
#endif
