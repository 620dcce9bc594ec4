/* Compiled without unwind information (-fno-exceptions
 * -fno-asynchronous-unwind-tables -fno-unwind-tables): an unwinder that
 * reaches this frame cannot go past it. */
#include <unistd.h>
#include "dropin.h"

atomic_int ct_once_nounwind_tid;

/* A pthread_once init routine that blocks in pause() until cancelled. */
void ct_once_nounwind_init(void)
{
	atomic_store(&ct_once_nounwind_tid, ct_gettid());
	for (;;)
		pause();
}
