/* SPDX-License-Identifier: MIT */
/* pthread_once: the first caller runs init; the others wait on the
 * control word until it is done.  An init routine that is cancelled, or
 * throws, leaves the control as if pthread_once had never been called
 * (POSIX): a waiter then runs init itself.  Whatever init did happens
 * before any pthread_once on the same control returns: the race checkers
 * are told so (valgrind.h). */
#include "cancel.h"
#include "valgrind.h"

enum { NEW, RUNNING, WAITING, DONE };

static void finish(_Atomic int *c, int state)
{
	if (atomic_exchange(c, state) == WAITING)
		ct_futex_wake(c, INT32_MAX, false);
}

/* The runner, while init runs: its control, NULL once settled.  Init
 * may leave in two ways that skip its return, and each must give the
 * control back (NEW) exactly once.  Forced unwinding (cancellation,
 * pthread_exit) runs the old-style buffer's handler -- also when the
 * unwinder stops at a frame of init without unwind information and jumps
 * straight to the target buffer, skipping the landing pads between (the
 * buffer's handler runs on the way: unwind.c).  An exception thrown by
 * init leaves the old-style buffer alone: the cleanup attribute takes it
 * off the chain.  glibc's pthread_once registers its handler both ways
 * too. */
struct runner {
	struct _pthread_cleanup_buffer buf;
	_Atomic int *c;
};

static void give_back(void *arg)
{
	struct runner *r = arg;
	if (r->c) {
		finish(r->c, NEW);
		r->c = NULL;
	}
}

static void unwound(struct runner *r)
{
	if (r->c) {
		_pthread_cleanup_pop(&r->buf, 0);
		give_back(r);
	}
}

static ct_vg_annotated void vg_done(_Atomic int *c)
{
	ct_vg_happens_after(c);
}

static inline int done(_Atomic int *c)
{
	if (ct_vg_listening())
		vg_done(c);
	return 0;
}

/* Out of line: the fast path below keeps no frame. */
static __attribute__((noinline)) int first_time(_Atomic int *c,
						void (*init)(void))
{
	for (;;) {
		int s = NEW;
		if (atomic_compare_exchange_strong(c, &s, RUNNING)) {
			struct runner r __attribute__((cleanup(unwound))) =
				{ .c = c };
			_pthread_cleanup_push(&r.buf, give_back, &r);
			init();
			_pthread_cleanup_pop(&r.buf, 0);
			r.c = NULL;
			ct_vg_happens_before(c);
			finish(c, DONE);
			return 0;
		}
		if (s == DONE)
			return done(c);
		/* Announce a waiter so the runner knows to wake us. */
		if (s == RUNNING &&
		    !atomic_compare_exchange_strong(c, &s, WAITING) && s != WAITING)
			continue;
		ct_futex_wait(c, WAITING, CLOCK_MONOTONIC, NULL, false);
	}
}

int pthread_once(pthread_once_t *control, void (*init)(void))
{
	_Atomic int *c = (_Atomic int *)control;
	if (likely(atomic_load_explicit(c, memory_order_acquire) == DONE))
		return done(c);
	return first_time(c, init);
}

ct_alias(__pthread_once, pthread_once);
