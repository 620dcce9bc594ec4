/* Shared by every test program. */
#ifndef CT_TEST_COMMON_H
#define CT_TEST_COMMON_H
#include <check.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Abort the program unless each named function resolves to
 * libclonethreads (so a test can never pass on glibc's version). */
void ct_test_assert_ours(const char *const *names);

/* Run the suites (NULL-terminated list of constructors) after checking
 * that pthread_create, pthread_join, pthread_self and every name in
 * `extra' are ours.  Returns the exit status for main. */
int ct_test_run(Suite *(*const *suites)(void), const char *const *extra);

/* Path of a test module built next to the tests (for dlopen). */
const char *ct_test_module(const char *file);

#ifdef __cplusplus
}
#endif
#endif
