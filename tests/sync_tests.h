/* Helpers shared by the synchronization test files. */
#ifndef CT_SYNC_TESTS_H
#define CT_SYNC_TESTS_H
#include <check.h>
#include <pthread.h>
#include <stddef.h>
#include <time.h>
#include "common.h"

Suite *mutex_suite(void);
Suite *cond_suite(void);
Suite *rwlock_suite(void);
Suite *barrier_spin_suite(void);
Suite *sem_suite(void);
Suite *c11_suite(void);

/* An absolute deadline ms milliseconds from now on `clock'. */
struct timespec st_deadline(clockid_t clock, long ms);
/* Milliseconds elapsed on CLOCK_MONOTONIC since *start. */
long st_elapsed_ms(const struct timespec *start);
/* Zeroed memory shared with fork()ed children. */
void *st_shared(size_t size);
/* Run fn(arg) in n threads and join them all. */
void st_run(int n, void *(*fn)(void *), void *arg);
/* Run fn(arg) in one new thread and return what it returned. */
long st_in_thread(void *(*fn)(void *), void *arg);
/* Wait for a child; true if it exited with status 0. */
int st_child_ok(int pid);
/* A test case with a generous timeout for stress work. */
TCase *st_tcase(const char *name);
#endif
