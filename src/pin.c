/* SPDX-License-Identifier: MIT */
/* Pinning: a thread about to make a system call on another thread's tid
 * (a signal, a scheduling setting) keeps that thread from exiting until
 * the call is made, so that nothing goes to a tid the kernel has already
 * given to a new thread.  The pins are counted in the detach_state word,
 * above its bits (thread.h); the exit decision waits for them. */
#include "thread.h"

int ct_pin(struct ct_thread *t)
{
	int s = atomic_fetch_add(&t->detach_state, CT_PINNED);
	if (!(s & CT_EXITED))
		return atomic_load_explicit(ct_tid(t), memory_order_relaxed);
	ct_unpin(t);
	return 0;
}

void ct_unpin(struct ct_thread *t)
{
	int s = atomic_fetch_sub(&t->detach_state, CT_PINNED) - CT_PINNED;
	if ((s & CT_EXITED) && s < CT_PINNED)	/* the exit waits for us */
		ct_futex_wake(&t->detach_state, 1, false);
}

void ct_wait_unpinned(struct ct_thread *t, int s)
{
	while (s >= CT_PINNED) {
		ct_futex_wait(&t->detach_state, s, CLOCK_MONOTONIC, NULL, false);
		s = atomic_load(&t->detach_state);
	}
}
