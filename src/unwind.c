/* SPDX-License-Identifier: MIT */
/* Forced unwinding: cancellation and pthread_exit end a thread by
 * unwinding its stack, running on the way what glibc runs: C++
 * destructors and catch (...) blocks (libgcc's forced unwinding), and the
 * C cleanup handlers of both kinds <pthread.h> makes -- the buffers
 * chained at the TCB's cleanup_jmp_buf (pthread_cleanup_push without
 * exceptions: reached by longjmp), and the old-style ones chained at
 * `cleanup', which glibc's own code uses to release its locks.  The
 * innermost buffer is the target; the thread's outermost one is set by
 * its first frame (create.c, or main's in glibc/start.c), where the thread then
 * ends.
 *
 * glibc's cancellation points unwind the same chains with glibc's own
 * copy of this logic, so either may end a thread of ours. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <unistd.h>
#include "cancel.h"
#include "glibc/glibc.h"

/* glibc's entry points for the buffers, as <pthread.h> declares them for
 * programs built without exceptions (the library is built with them,
 * where the header leaves them out): __cleanup_fct_attribute passes the
 * buffer in a register on i386. */
void __pthread_register_cancel(__pthread_unwind_buf_t *) __cleanup_fct_attribute;
void __pthread_unregister_cancel(__pthread_unwind_buf_t *) __cleanup_fct_attribute;
void __pthread_register_cancel_defer(__pthread_unwind_buf_t *)
	__cleanup_fct_attribute;
void __pthread_unregister_cancel_restore(__pthread_unwind_buf_t *)
	__cleanup_fct_attribute;
_Noreturn void __pthread_unwind_next(__pthread_unwind_buf_t *)
	__cleanup_fct_attribute;

void ct_unwind_outermost(struct ct_unwind_buf *buf)
{
	void *pd = ct_self()->pd;
	buf->prev = *ct_cleanup_jmp_buf(pd);
	buf->cleanup = *ct_cleanup_chain(pd);
	*ct_cleanup_jmp_buf(pd) = buf;
}

/* A catch (...) block ended without rethrowing: the thread cannot go on
 * as if it had not been cancelled.  glibc aborts too. */
static void not_rethrown(_Unwind_Reason_Code reason, struct _Unwind_Exception *e)
{
	static const char msg[] = "FATAL: exception not rethrown\n";
	write(STDERR_FILENO, msg, sizeof msg - 1);
	abort();
}

/* Stack addresses are compared as distances from the thread's stack top:
 * an address outside the stack (an alternate signal stack) then counts as
 * deeper than every frame on it. */
static _Unwind_Reason_Code stop(int version, _Unwind_Action actions,
				_Unwind_Exception_Class cls,
				struct _Unwind_Exception *e,
				struct _Unwind_Context *ctx, void *param)
{
	struct ct_unwind_buf *target = param;
	void *pd = ct_self()->pd;
	uintptr_t top = ct_glibc_stack_top(pd);
	/* The CFA of the frame below the one about to be unwound, i.e. that
	 * frame's stack pointer.  A buffer lies in the frame that set it:
	 * the first such stack pointer above the buffer is that of the
	 * frame's caller.  (glibc compares with the stack pointer saved in
	 * the buffer, one frame earlier; that word is mangled with a key
	 * whose place changed between releases.  The frames that set buffers
	 * are built without exceptions, and have no cleanups of their own to
	 * run in between.) */
	uintptr_t cfa = _Unwind_GetCFA(ctx) - top;
	bool reached = (actions & _UA_END_OF_STACK) ||
		(target && cfa > (uintptr_t)target - top);

	/* Old-style handlers in the frames left so far, innermost first,
	 * down to those the target was pushed over. */
	struct _pthread_cleanup_buffer **chain = ct_cleanup_chain(pd), *c;
	struct _pthread_cleanup_buffer *outer = target ? target->cleanup : NULL;
	while ((c = *chain) != outer &&
	       (reached || cfa >= (uintptr_t)c - top)) {
		*chain = c->__prev;
		c->__routine(c->__arg);
	}
	if (reached) {
		if (target)
			ct_longjmp(target->cancel_jmp_buf, 1);
		/* No buffer at all: the thread ends right here. */
		struct ct_thread *t = ct_self();
		ct_thread_exit(t, t->result);
	}
	return _URC_NO_REASON;
}

static _Noreturn void unwind_to(struct ct_thread *t, struct ct_unwind_buf *target)
{
	t->exc.exception_class = 0;	/* not catchable as a C++ type */
	t->exc.exception_cleanup = not_rethrown;
	_Unwind_ForcedUnwind(&t->exc, stop, target);
	abort();	/* the stack could not be unwound at all */
}

void ct_unwind(struct ct_thread *t)
{
	unwind_to(t, *ct_cleanup_jmp_buf(t->pd));
}

/* ---- glibc's cleanup ABI, as <pthread.h> compiles into programs ---- */

/* pthread_cleanup_push in C without exceptions: a buffer set with
 * __sigsetjmp; cancellation jumps there, the handler runs, and this goes
 * on to the next buffer. */
void __cleanup_fct_attribute __pthread_register_cancel(__pthread_unwind_buf_t *b)
{
	ct_unwind_outermost((struct ct_unwind_buf *)b);
}

void __cleanup_fct_attribute __pthread_unregister_cancel(__pthread_unwind_buf_t *b)
{
	void *pd = ct_self()->pd;
	*ct_cleanup_jmp_buf(pd) = ((struct ct_unwind_buf *)b)->prev;
}

void __cleanup_fct_attribute __pthread_register_cancel_defer(__pthread_unwind_buf_t *b)
{
	struct ct_unwind_buf *buf = (struct ct_unwind_buf *)b;
	buf->canceltype = ct_cancel_type_defer();
	ct_unwind_outermost(buf);
}

void __cleanup_fct_attribute __pthread_unregister_cancel_restore(__pthread_unwind_buf_t *b)
{
	__pthread_unregister_cancel(b);
	ct_cancel_type_restore(((struct ct_unwind_buf *)b)->canceltype);
}

void __cleanup_fct_attribute __pthread_unwind_next(__pthread_unwind_buf_t *b)
{
	unwind_to(ct_self(), ((struct ct_unwind_buf *)b)->prev);
}

/* pthread_cleanup_push in C with exceptions: the handler runs from a
 * cleanup attribute, on the way out or while unwinding. */
void __pthread_cleanup_routine(struct __pthread_cleanup_frame *f)
{
	if (f->__do_it)
		f->__cancel_routine(f->__cancel_arg);
}

/* The old-style buffers (glibc's own code, older binaries). */
void _pthread_cleanup_push(struct _pthread_cleanup_buffer *b,
			   void (*routine)(void *), void *arg)
{
	struct _pthread_cleanup_buffer **chain =
		ct_cleanup_chain(ct_self()->pd);
	b->__routine = routine;
	b->__arg = arg;
	b->__prev = *chain;
	*chain = b;
}

void _pthread_cleanup_pop(struct _pthread_cleanup_buffer *b, int execute)
{
	*ct_cleanup_chain(ct_self()->pd) = b->__prev;
	if (execute)
		b->__routine(b->__arg);
}

void _pthread_cleanup_push_defer(struct _pthread_cleanup_buffer *b,
				 void (*routine)(void *), void *arg)
{
	int type = ct_cancel_type_defer();
	_pthread_cleanup_push(b, routine, arg);
	b->__canceltype = type;
}

void _pthread_cleanup_pop_restore(struct _pthread_cleanup_buffer *b, int execute)
{
	_pthread_cleanup_pop(b, 0);
	ct_cancel_type_restore(b->__canceltype);
	if (execute)
		b->__routine(b->__arg);
}
