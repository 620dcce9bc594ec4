/* SPDX-License-Identifier: MIT */
/* Thread exit: the return from a start routine, and the end of the
 * unwinding that pthread_exit and cancellation start (unwind.c).  The
 * steps run in this order; each says what it protects. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <unistd.h>
#include "sys.h"
#include <sys/syscall.h>
#include "cancel.h"
#include "reuse.h"
#include "stats.h"
#include "glibc/glibc.h"

static void release_stack(struct ct_thread *t)
{
	uintptr_t page = ct_page_size;
	uintptr_t low = (uintptr_t)t->stack;
	uintptr_t here = ((uintptr_t)__builtin_frame_address(0) & ~(page - 1)) - page;
	if (here > low)
		ct_madvise((void *)low, here - low, MADV_DONTNEED);
}

_Noreturn void ct_thread_exit(struct ct_thread *t, void *result)
{
	t->result = result;
	if (unlikely(ct_stats_on)) ct_stats_exit(t);

	/* 1. No cancellation request acts any more. */
	ct_cancel_exiting();

	/* 2. User code still runs here (thread_local destructors, then key
	 *    destructors, in glibc's order), with the thread fully alive:
	 *    it may use every pthread call. */
	ct_glibc_thread_exit();
	ct_key_run_destructors(t);
	ct_cancel_thread_exit(t);
	ct_glibc_thread_freeres(t);
	if (!t->kt.reusable)
		ct_glibc_drop_tcache();

	/* 3. The last thread ends the process as if by exit(0), running
	 *    atexit handlers and flushing stdio. */
	if (t->kind != CT_FOREIGN &&
	    atomic_fetch_sub(&ct_live_threads, 1) == 1)
		exit(0);

	/* 4. With many threads alive, regions will sit idle in the cache:
	 *    give the stack pages this thread touched back to the kernel,
	 *    below the frame we are running on (glibc does this at every
	 *    exit; a sequential create/join loop then pays for it each time). */
	if (t->kind == CT_OURS && t->region.stack_size &&
	    atomic_load_explicit(&ct_live_threads, memory_order_relaxed) >= CT_HOT_REGIONS)
		release_stack(t);

	/* Signals stay deliverable to the end: a handler that runs after
	 * this point still finds its stack, TLS and descriptor intact,
	 * because nobody reuses the region before the kernel has cleared the
	 * tid word, which happens after this thread's last instruction.
	 *
	 * 5. Off the thread lists, ours and glibc's: a set*id broadcast or
	 *    fork no longer counts this thread, nor does a dlopen (whose
	 *    module's TLS it will not read) or dlclose (no lazy binding of
	 *    it is left to wait for). */
	ct_list_del(t);
	if (t->kind == CT_OURS)
		ct_glibc_unlist_thread(t);

	/* 6. The single decision of who frees the region (thread.h).  A
	 *    thread that is making a system call on our tid (ct_pin) is
	 *    waited for, later ones see CT_EXITED and leave us alone.  A
	 *    detached thread puts its region back now; the cache hands it
	 *    out only after the kernel has cleared the tid below. */
	int s = atomic_fetch_or(&t->detach_state, CT_EXITED);
	ct_wait_unpinned(t, s | CT_EXITED);
	/* With reuse on, the kernel thread may live on, parked: then this
	 *    never returns (reuse.c). */
	if (t->kt.reusable)
		ct_reuse_park(t, s & CT_DETACHED);
	if ((s & CT_DETACHED) && t->kind == CT_OURS)
		ct_region_put(t);

	/* 7. Only this thread ends (SYS_exit, not exit_group); the kernel
	 *    then zeroes its tid word and wakes the joiner (the main
	 *    thread's too: glibc registered it with set_tid_address). */
	for (;;)
		syscall(SYS_exit, 0);
}

void pthread_exit(void *result)
{
	struct ct_thread *t = ct_self();
	t->result = result;
	ct_cancel_exiting();
	ct_unwind(t);
}
