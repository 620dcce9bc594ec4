/* SPDX-License-Identifier: MIT */
/* tests/cleanup_x.c, built into libcleanupx with -fexceptions. */
#ifndef TST_CLEANUP_X_H
#define TST_CLEANUP_X_H

/* A thread that pushes handlers 1, 2, 3 with <pthread.h>'s exception-
 * based variant, then blocks in pause(); each handler appends its number
 * to the string at arg. */
void *tst_cleanup_x_thread(void *arg);

#endif
