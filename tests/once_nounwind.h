/* SPDX-License-Identifier: MIT */
/* tests/once_nounwind.c, built into libnounwind without any unwind
 * information. */
#ifndef TST_ONCE_NOUNWIND_H
#define TST_ONCE_NOUNWIND_H
#include <stdatomic.h>

/* A pthread_once init routine in a frame without unwind information: it
 * stores its thread's tid in tst_once_nounwind_tid, then blocks in
 * pause(). */
extern atomic_int tst_once_nounwind_tid;
void tst_once_nounwind_init(void);

#endif
