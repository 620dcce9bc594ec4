/* SPDX-License-Identifier: MIT */
/* Where glibc's own cancellation points make their system call.
 *
 * Before 2.41 each of glibc's cancellation points (read, pause, ...) sets
 * the asynchronous bit of cancelhandling around its system call, and
 * SIGCANCEL's handler acts on what it interrupts there (cancel.c).  Since
 * 2.41 they leave the bit alone and make the call through one stub,
 * __syscall_cancel_arch: it checks for a request, then makes the call;
 * glibc's handler acts when the interrupted instruction lies in the stub,
 * up to and including the system call instruction.  The stub is not
 * exported.  So it is learnt, once, the first time a thread is
 * cancelled: a thread of ours calls glibc's pause() and sigsuspend(), two
 * cancellation points, each interrupted by SIGCANCEL (with a value the
 * handler knows); if both were at one system call instruction, that is
 * the stub's, and the unwind tables say where its function begins.  If
 * they were not, glibc has no such stub. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include "sys.h"
#include <sys/syscall.h>
#include "cancel.h"
#include "glibc.h"

/* libgcc's look-up of the unwind tables: the function holding pc. */
struct dwarf_eh_bases {
	void *tbase, *dbase, *func;
};
extern const void *_Unwind_Find_FDE(void *pc, struct dwarf_eh_bases *bases);

static struct {
	_Atomic int state;		/* 2 once known */
	uintptr_t start, insn;		/* the stub; insn 0: none */
} stub;

/* The system call instruction last interrupted by the probe's signal,
 * in the probe's thread. */
static _Atomic uintptr_t hit;

void ct_glibc_cancel_probe_hit(const ucontext_t *uc)
{
	uintptr_t pc = ct_uc_pc(uc);
	if (ct_is_syscall_insn(pc))
		atomic_store(&hit, pc);
	else if (ct_uc_sysret(uc) == -EINTR &&
		 ct_is_syscall_insn(pc - CT_SYSCALL_INSN_LEN))
		atomic_store(&hit, pc - CT_SYSCALL_INSN_LEN);
}

/* The instruction where a cancellation point blocked, interrupted by
 * the ticks of a timer (the first tick may come before it blocks). */
static uintptr_t blocked_at(int (*point)(void *), void *arg)
{
	atomic_store(&hit, 0);
	while (point(arg) < 0 && errno == EINTR && !atomic_load(&hit))
		;
	return atomic_load(&hit);
}

static int call_pause(void *fn)
{
	return ((int (*)(void))fn)();
}

static int call_sigsuspend(void *fn)
{
	sigset_t mask;
	pthread_sigmask(SIG_BLOCK, NULL, &mask);
	return ((int (*)(const sigset_t *))fn)(&mask);
}

static void *probe(void *arg)
{
	(void)arg;
	void *pause = ct_glibc_sym("pause"), *sigsuspend = ct_glibc_sym("sigsuspend");
	struct sigevent sev = {
		.sigev_notify = SIGEV_THREAD_ID,
		.sigev_signo = CT_SIGCANCEL,
		.sigev_value.sival_int = CT_CANCEL_PROBE,
		._sigev_un._tid = syscall(SYS_gettid),
	};
	int timer;
	if (!pause || !sigsuspend ||
	    syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &timer))
		return NULL;
	struct itimerspec tick = { { 0, 1000000 }, { 0, 1000000 } };
	syscall(CT_SYS_TIMER_SETTIME, timer, 0, &tick, NULL);
	uintptr_t a = blocked_at(call_pause, pause);
	uintptr_t b = blocked_at(call_sigsuspend, sigsuspend);
	syscall(SYS_timer_delete, timer);
	struct dwarf_eh_bases bases;
	if (a && a == b && _Unwind_Find_FDE((void *)a, &bases) && bases.func &&
	    (uintptr_t)bases.func <= a) {
		stub.start = (uintptr_t)bases.func;
		stub.insn = a;
	}
	return NULL;
}

static void learn(void)
{
	ct_lock(&ct_glibc_once_lock);
	if (atomic_load(&stub.state) != 2) {
		/* Not a cancellation point (pthread_cancel calls this).  The
		 * probe runs on a stack of its own, which makes it a thread
		 * that is never kept for reuse (reuse.c). */
		int state;
		pthread_t th;
		pthread_attr_t attr;
		size_t size = 64 << 10;
		void *stack = ct_mmap(NULL, size, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1);
		pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &state);
		pthread_attr_init(&attr);
		if (stack != MAP_FAILED && !pthread_attr_setstack(&attr, stack, size) &&
		    !pthread_create(&th, &attr, probe, NULL))
			ct_join(th, NULL, CLOCK_REALTIME, NULL, false);
		pthread_attr_destroy(&attr);
		if (stack != MAP_FAILED)
			ct_munmap(stack, size);
		pthread_setcancelstate(state, NULL);
		atomic_store_explicit(&stub.state, 2, memory_order_release);
	}
	ct_unlock(&ct_glibc_once_lock);
}

bool ct_glibc_cancel_stub(void)
{
	if (atomic_load_explicit(&stub.state, memory_order_acquire) != 2)
		learn();
	return stub.insn != 0;
}

bool ct_glibc_cancel_stub_known(void)
{
	return atomic_load_explicit(&stub.state, memory_order_acquire) == 2 &&
	       stub.insn;
}

bool ct_glibc_in_cancel_stub(const ucontext_t *uc)
{
	uintptr_t pc = ct_uc_pc(uc);
	return (pc >= stub.start && pc <= stub.insn) ||
	       (pc == stub.insn + CT_SYSCALL_INSN_LEN && ct_uc_sysret(uc) == -EINTR);
}
