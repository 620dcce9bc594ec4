/* The foundation tests' suites.  Test synchronisation uses only C11
 * atomics and sched_yield, so these tests depend on nothing but thread
 * creation, exit and join. */
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
Suite *unwind_suite(void);
Suite *stats_suite(void);

/* Scenarios, each run in its own process by ct_rerun. */
int ct_malloc_stress(int nthreads, int rounds);	/* t_glibc.c */
int ct_exit_main_scenario(void);			/* t_create.c */
int ct_stats_known_scenario(void);			/* t_stats.c */
int ct_stats_fork_scenario(void);			/* t_stats.c */
int ct_main_stack_split_scenario(void);		/* t_attr.c */

#endif
