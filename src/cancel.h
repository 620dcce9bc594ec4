/* SPDX-License-Identifier: MIT */
/* Cancellation, forced unwinding, and the library's two internal
 * signals: what cancel.c, unwind.c and signal.c offer the rest. */
#ifndef CT_CANCEL_H
#define CT_CANCEL_H

#include "thread.h"

/* ---- cancel.c ---- */

/* Around the blocking system call of a cancellation point: a request
 * already made acts at once; one arriving during the call acts if the
 * call has had no effect yet (cancel.c explains). */
hidden int ct_cancel_point_enter(void);
hidden void ct_cancel_point_leave(int old);
/* Around a call into glibc that glibc makes a cancellation point (open,
 * read, write, close, a stdio stream's I/O, ...) from one of ours that is
 * not one: cancellation is disabled inside, so a request neither acts
 * there nor is lost -- it acts at the next cancellation point (glibc's
 * rule for its own such functions: sem_open, pthread_getattr_np).
 * Leaving gives back the state entered with. */
hidden int ct_nocancel_enter(void);
hidden void ct_nocancel_leave(int old);
/* Act on a request, if one is pending and enabled. */
hidden void ct_testcancel(void);
/* Set the deferred type for a cleanup region; returns the type to give
 * back to ct_cancel_type_restore (which acts on a pending request). */
hidden int ct_cancel_type_defer(void);
hidden void ct_cancel_type_restore(int type);
/* The calling thread is ending: no request acts on it any more. */
hidden void ct_cancel_exiting(void);
/* A thread's cancellation resources, at its exit. */
hidden void ct_cancel_thread_exit(struct ct_thread *t);

/* ---- unwind.c: forced unwinding (cancellation, pthread_exit) ---- */

/* End the calling thread by unwinding its stack to its chain of cleanup
 * buffers (t->result says with what). */
hidden _Noreturn void ct_unwind(struct ct_thread *t);
/* The calling thread's outermost buffer (glibc/glibc.h), just set with
 * ct_setjmp in the frame that runs the thread (or main): cancellation and
 * pthread_exit unwind to it. */
struct ct_unwind_buf;
hidden void ct_unwind_outermost(struct ct_unwind_buf *buf);

/* glibc's old-style cleanup buffers, chained at the TCB's `cleanup'
 * (the library's are the exported ABI functions; <pthread.h> no longer
 * declares them).  Forced unwinding runs their handlers even where the
 * unwinder stops at a frame without unwind information. */
void _pthread_cleanup_push(struct _pthread_cleanup_buffer *b,
			   void (*routine)(void *), void *arg);
void _pthread_cleanup_pop(struct _pthread_cleanup_buffer *b, int execute);

/* ---- signal.c: the library's own signals ---- */

/* glibc's two internal signals (nptl/pthreadP.h): glibc's sigaction
 * refuses them, its sigprocmask never blocks them, sigfillset leaves them
 * out; the library installs its own handlers on them. */
#define CT_SIGCANCEL __SIGRTMIN
#define CT_SIGSETXID (__SIGRTMIN + 1)
static inline bool ct_internal_signal(int sig)
{
	return sig == CT_SIGCANCEL || sig == CT_SIGSETXID;
}
/* Make fn the handler of an internal signal unless it is already (glibc
 * installs its own when it starts a thread itself). */
hidden void ct_sigaction_internal(int sig,
				  void (*fn)(int, siginfo_t *, void *));

#endif
