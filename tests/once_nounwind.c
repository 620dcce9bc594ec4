/* SPDX-License-Identifier: MIT */
/* Compiled without unwind information (-fno-exceptions
 * -fno-asynchronous-unwind-tables -fno-unwind-tables): an unwinder that
 * reaches this frame cannot go past it. */
#include <unistd.h>
#include "common.h"
#include "once_nounwind.h"

atomic_int tst_once_nounwind_tid;

/* A pthread_once init routine that blocks in pause() until cancelled. */
void tst_once_nounwind_init(void)
{
	atomic_store(&tst_once_nounwind_tid, tst_gettid());
	for (;;)
		pause();
}
