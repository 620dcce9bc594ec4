/* SPDX-License-Identifier: MIT */
/* Cancellation.
 *
 * The state is glibc's cancelhandling word in the thread's TCB, so that
 * glibc's own cancellation points (read, nanosleep, sigwait, fgets, ...)
 * and ours agree on it.  A request sets CT_CANCELED; a cancellation point
 * acts on it at entry; around its blocking system call the point sets
 * CT_CANCEL_ASYNC, and a request made meanwhile is delivered by
 * SIGCANCEL, whose handler decides.
 *
 * The race POSIX cares about: the system call may have completed (a read
 * consumed data) just as the signal arrives, and acting then would lose
 * the data.  So the handler acts only when the interrupted context shows
 * that the call has had no effect: the thread sits on the system call
 * instruction (about to run it, or to restart it after the handler), or
 * just past it with EINTR.  Anywhere else in the window it cannot tell
 * "before the call" from "after it", and does not act: the request stays
 * set, so the next cancellation point acts at entry -- and in case the
 * thread was before the call and now blocks in it, a one-shot timer sends
 * SIGCANCEL again 1 ms later, which then finds it in the call.
 *
 * When the program chose the asynchronous type, the handler acts wherever
 * the thread is. */
#define _GNU_SOURCE
#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "cancel.h"
#include "glibc/glibc.h"

static _Atomic int *self_cancelhandling(void)
{
	return ct_cancelhandling(ct_self()->pd);
}

/* Requested, enabled, and the thread not already ending. */
static bool pending(int ch)
{
	return (ch & (CT_CANCEL_DISABLED | CT_CANCELED | CT_CANCEL_EXITING |
		      CT_CANCEL_TERMINATED)) == CT_CANCELED;
}

static _Noreturn void act(void)
{
	struct ct_thread *t = ct_self();
	atomic_fetch_or(self_cancelhandling(), CT_CANCEL_EXITING);
	t->result = PTHREAD_CANCELED;
	ct_unwind(t);
}

void ct_testcancel(void)
{
	if (pending(atomic_load(self_cancelhandling())))
		act();
}

void pthread_testcancel(void)
{
	ct_testcancel();
}

int ct_cancel_point_enter(void)
{
	int old = atomic_fetch_or(self_cancelhandling(), CT_CANCEL_ASYNC);
	if (pending(old))
		act();
	return old;
}

void ct_cancel_point_leave(int old)
{
	if (!(old & CT_CANCEL_ASYNC))
		atomic_fetch_and(self_cancelhandling(), ~CT_CANCEL_ASYNC);
}

/* ---- the handler ---- */

/* The system call the thread was in has had no effect. */
static bool no_effect_yet(const ucontext_t *uc)
{
	uintptr_t pc = ct_uc_pc(uc);
	if (ct_is_syscall_insn(pc))
		return true;
	/* Read the bytes before pc only when they are on pc's page. */
	return pc % ct_page_size >= CT_SYSCALL_INSN_LEN &&
	       ct_is_syscall_insn(pc - CT_SYSCALL_INSN_LEN) &&
	       ct_uc_sysret(uc) == -EINTR;
}

/* SIGCANCEL to this thread again in 1 ms, then 2, 4, ... up to a
 * second: until it is found where the request can act, or, past that,
 * until its next cancellation point acts at entry. */
#define CT_CANCEL_RETRIES 11

static void retry_later(struct ct_thread *t)
{
	if (t->cancel_retries >= CT_CANCEL_RETRIES)
		return;
	if (!t->kt.cancel_timer_armed) {
		struct sigevent sev = {
			.sigev_notify = SIGEV_THREAD_ID,
			.sigev_signo = CT_SIGCANCEL,
			.sigev_value.sival_int = CT_SIGCANCEL,
			._sigev_un._tid = atomic_load(ct_tid(t)),
		};
		if (syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev,
			    &t->kt.cancel_timer))
			return;	/* the next cancellation point acts */
		t->kt.cancel_timer_armed = true;
	}
	long ms = 1L << t->cancel_retries++;
	struct itimerspec its = {
		.it_value = { ms / 1000, ms % 1000 * 1000000 }
	};
	syscall(CT_SYS_TIMER_SETTIME, t->kt.cancel_timer, 0, &its, NULL);
}

static void on_sigcancel(int sig, siginfo_t *si, void *uc)
{
	/* Where glibc's cancellation points make their calls (glibc/). */
	if (si->si_code == SI_TIMER && si->si_value.sival_int == CT_CANCEL_PROBE) {
		ct_glibc_cancel_probe_hit(uc);
		return;
	}
	/* Only from the library: tgkill in this process, or its timer. */
	if (!(si->si_code == SI_TKILL && si->si_pid == getpid()) &&
	    !(si->si_code == SI_TIMER && si->si_value.sival_int == CT_SIGCANCEL))
		return;
	/* Only a thread that has a descriptor can have been cancelled (no
	 * descriptor is made here: a handler may not take locks). */
	struct ct_thread *t = ct_self_desc;
	if (!t)
		return;
	int saved = errno;
	int ch = atomic_load(ct_cancelhandling(t->pd));
	if (pending(ch) && (ch & CT_CANCEL_ASYNC)) {
		if (t->cancel_async || no_effect_yet(uc))
			act();
		retry_later(t);
	} else if (pending(ch) && ct_glibc_cancel_stub_known()) {
		/* glibc's points since 2.41: in the stub, its system call
		 * not made, it acts; elsewhere the thread may still be in one
		 * (a handler of the program interrupted it). */
		if (ct_glibc_in_cancel_stub(uc))
			act();
		retry_later(t);
	}
	errno = saved;
}

/* ---- requests and settings ---- */

int pthread_cancel(pthread_t th)
{
	struct ct_thread *t = ct_lookup(th);
	if (!t)
		return ESRCH;
	/* Cancellation points of a process that never made a thread skip
	 * the check (glibc's single-threaded fast path): not any more. */
	ct_glibc_go_multithreaded();
	ct_sigaction_internal(CT_SIGCANCEL, on_sigcancel);
	if (t == ct_self()) {
		int old = atomic_fetch_or(self_cancelhandling(),
					  CT_CANCELING | CT_CANCELED);
		if (pending(old | CT_CANCELED) && (old & CT_CANCEL_ASYNC))
			act();
		return 0;
	}
	/* A thread inside one of glibc's cancellation points is told by a
	 * signal: since glibc 2.41 nothing in cancelhandling shows it is
	 * there, and the signal's handler looks. */
	bool glibc_stub = ct_glibc_cancel_stub();
	int tid = ct_pin(t), err = 0;
	if (!tid)
		return 0;	/* it has ended: its outcome is decided */
	/* CANCELING with CANCELED, always: glibc's cancellation points wait
	 * while only CANCELING is set. */
	int old = atomic_fetch_or(ct_cancelhandling(t->pd),
				  CT_CANCELING | CT_CANCELED);
	if (!(old & CT_CANCELED) && pending(old | CT_CANCELED) &&
	    ((old & CT_CANCEL_ASYNC) || glibc_stub)) {
		int saved = errno;
		if (syscall(SYS_tgkill, getpid(), tid, CT_SIGCANCEL))
			err = errno;
		errno = saved;
	}
	ct_unpin(t);
	return err;
}

/* Set the state; *oldstate (may be NULL) is written before enabling acts
 * on a request that waits for it, as it does in the asynchronous type. */
static void set_state(int state, int *oldstate)
{
	_Atomic int *ch = self_cancelhandling();
	int old = state == PTHREAD_CANCEL_DISABLE
		? atomic_fetch_or(ch, CT_CANCEL_DISABLED)
		: atomic_fetch_and(ch, ~CT_CANCEL_DISABLED);
	if (oldstate)
		*oldstate = old & CT_CANCEL_DISABLED ? PTHREAD_CANCEL_DISABLE
						     : PTHREAD_CANCEL_ENABLE;
	if (state == PTHREAD_CANCEL_ENABLE &&
	    pending(old & ~CT_CANCEL_DISABLED) && (old & CT_CANCEL_ASYNC))
		act();
}

int pthread_setcancelstate(int state, int *oldstate)
{
	if (state != PTHREAD_CANCEL_ENABLE && state != PTHREAD_CANCEL_DISABLE)
		return EINVAL;
	set_state(state, oldstate);
	return 0;
}

int ct_nocancel_enter(void)
{
	int old;
	set_state(PTHREAD_CANCEL_DISABLE, &old);
	return old;
}

void ct_nocancel_leave(int old)
{
	set_state(old, NULL);
}

int pthread_setcanceltype(int type, int *oldtype)
{
	if (type != PTHREAD_CANCEL_DEFERRED &&
	    type != PTHREAD_CANCEL_ASYNCHRONOUS)
		return EINVAL;
	int old = ct_cancel_type_defer();
	if (oldtype)
		*oldtype = old;
	ct_cancel_type_restore(type);	/* may act: *oldtype is written */
	return 0;
}

/* The handler tells the program's choice from a cancellation point's
 * window by the descriptor's flag: clear the flag after the bit, set it
 * before. */
int ct_cancel_type_defer(void)
{
	struct ct_thread *t = ct_self();
	int old = atomic_fetch_and(self_cancelhandling(), ~CT_CANCEL_ASYNC);
	t->cancel_async = false;
	return old & CT_CANCEL_ASYNC ? PTHREAD_CANCEL_ASYNCHRONOUS
				     : PTHREAD_CANCEL_DEFERRED;
}

void ct_cancel_type_restore(int type)
{
	if (type != PTHREAD_CANCEL_ASYNCHRONOUS)
		return;
	ct_self()->cancel_async = true;
	if (pending(atomic_fetch_or(self_cancelhandling(), CT_CANCEL_ASYNC)))
		act();
}

void ct_cancel_exiting(void)
{
	atomic_fetch_or(self_cancelhandling(), CT_CANCEL_EXITING);
}

void ct_cancel_thread_exit(struct ct_thread *t)
{
	if (t->kt.cancel_timer_armed)
		syscall(SYS_timer_delete, t->kt.cancel_timer);
	t->kt.cancel_timer_armed = false;
}
