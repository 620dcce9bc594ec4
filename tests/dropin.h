/* The drop-in tests' suites: cancellation, signals, set*id, handles,
 * scheduling and names, start-up from the earliest constructors. */
#ifndef CT_TEST_DROPIN_H
#define CT_TEST_DROPIN_H
#include "common.h"

Suite *cancel_suite(void);
Suite *signal_suite(void);
Suite *setxid_suite(void);
Suite *handle_suite(void);
Suite *sched_suite(void);
Suite *startup_suite(void);
Suite *reuse_suite(void);

/* Scenarios, each run in its own process by ct_rerun. */
int ct_cancel_main_scenario(void);	/* t_cancel.c */

/* A thread that pushes handlers 1, 2, 3 with <pthread.h>'s exception-
 * based variant (cleanup_x.c is compiled with -fexceptions), then blocks
 * in pause(); each handler appends its number to the string at arg. */
void *ct_cleanup_x_thread(void *arg);

/* A pthread_once init routine in a frame without unwind information
 * (once_nounwind.c): it stores its thread's tid in ct_once_nounwind_tid,
 * then blocks in pause(). */
#include <stdatomic.h>
extern atomic_int ct_once_nounwind_tid;
void ct_once_nounwind_init(void);

/* An absolute deadline ms milliseconds from now on `clock'. */
struct timespec ct_deadline(clockid_t clock, long ms);

#endif
