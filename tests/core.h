/* Helpers shared by the foundation tests (tests/core.c defines them).
 * Test synchronisation uses only C11 atomics and sched_yield, so these
 * tests depend on nothing but thread creation, exit and join. */
#ifndef CT_TEST_CORE_H
#define CT_TEST_CORE_H
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include "common.h"

Suite *create_suite(void);
Suite *tls_suite(void);
Suite *keys_suite(void);
Suite *attr_suite(void);
Suite *glibc_suite(void);
Suite *fork_suite(void);

/* Yield until *v >= n. */
void ct_wait_at_least(atomic_int *v, int n);
/* Count this thread in at *gate, then wait until n threads have. */
void ct_gate_pass(atomic_int *gate, int n);

/* pthread_create that fails the test on error. */
pthread_t ct_start(const pthread_attr_t *attr, void *(*fn)(void *), void *arg);
/* pthread_join that fails the test on error; returns the thread's value. */
void *ct_join(pthread_t th);

/* Run fn(arg) in a forked child and return its exit status, or 128 plus
 * the signal number if a signal killed it.  The child exits with fn's
 * return value; fn reports its failures with CT_CHILD_CHECK. */
int ct_in_child(int (*fn)(void *), void *arg);
/* Run a scenario of this program (see core.c) in a fresh process started
 * from this executable, with `env' (NAME=VALUE strings, NULL-terminated)
 * added to the environment.  Returns as ct_in_child does. */
int ct_rerun(const char *scenario, const char *const *env);
/* Where a failing check in a child process or scenario is reported. */
#define CT_CHILD_CHECK(cond) do {					\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: check failed: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			return 1;					\
		}							\
	} while (0)

/* Lines in /proc/self/maps; entries in /proc/self/task. */
int ct_count_maps(void);
int ct_count_tasks(void);
/* The kernel thread id of the calling thread. */
int ct_gettid(void);

/* Scenarios, each run in its own process by ct_rerun. */
int ct_malloc_stress(int nthreads, int rounds);	/* t_glibc.c */
int ct_exit_main_scenario(void);			/* t_create.c */

#endif
