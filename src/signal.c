/* SPDX-License-Identifier: MIT */
/* Signals to threads, signal masks, and the handlers of the library's own
 * two signals (cancellation and set*id). */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "cancel.h"

/* The kernel's struct sigaction (the CPU says whether it has a
 * restorer field).  The kernel reads _NSIG / 8 bytes of mask; the field
 * has glibc's sigset_t size, as in glibc's own kernel_sigaction, whose
 * zeroed spare words also keep qemu-user 7.2 inside the struct: on
 * riscv64 it reads and writes a restorer field the kernel does not
 * have. */
struct ksigaction {
	void (*handler)(int, siginfo_t *, void *);
	unsigned long flags;
#if CT_KSIGACTION_RESTORER
	void (*restorer)(void);
#endif
	sigset_t mask;
};

/* glibc's sigaction refuses the internal signals: the raw call.  The
 * handlers run with no signal blocked beyond their own, restart
 * interrupted calls (cancel.c relies on that), and take siginfo. */
void ct_sigaction_internal(int sig, void (*fn)(int, siginfo_t *, void *))
{
	struct ksigaction old, sa = {
		.handler = fn,
		.flags = SA_SIGINFO | SA_RESTART | CT_SA_RESTORER_FLAG,
#if CT_KSIGACTION_RESTORER
		.restorer = CT_SA_RESTORER,
#endif
	};
	if (syscall(SYS_rt_sigaction, sig, NULL, &old, _NSIG / 8) == 0 &&
	    old.handler == fn)
		return;
	syscall(SYS_rt_sigaction, sig, &sa, NULL, _NSIG / 8);
}

/* pthread_kill has two answers for a thread that has ended but is not
 * joined yet.  glibc 2.34 on: it still exists for POSIX, the signal is
 * dropped (so signal 0 says "still there").  Before: ESRCH.  A program
 * built against glibc before 2.34 asks for the first version, and gets
 * the answer it was built for; the version names are glibc's (the CPU's
 * first one: arch.h).  Both are exported as versioned names only. */
static int kill_thread(pthread_t th, int sig, bool ended_is_gone)
{
	if (ct_internal_signal(sig))
		return EINVAL;
	struct ct_thread *t = ct_lookup(th);
	if (!t)
		return ESRCH;
	/* An ended thread answers before the signal is looked at; for a
	 * running one the kernel refuses a signal number that is none. */
	int saved = errno, tid = ct_pin(t), err = 0;
	if (!tid)
		return ended_is_gone ? ESRCH : 0;
	if (syscall(SYS_tgkill, getpid(), tid, sig))
		err = errno;
	ct_unpin(t);
	errno = saved;
	return err;
}

int ct_pthread_kill(pthread_t th, int sig)
{
	return kill_thread(th, sig, false);
}
__asm__(".symver ct_pthread_kill, pthread_kill@@GLIBC_2.34");

int ct_pthread_kill_first(pthread_t th, int sig)
{
	return kill_thread(th, sig, true);
}
__asm__(".symver ct_pthread_kill_first, pthread_kill@" CT_ARCH_GLIBC_BASE);

/* Unlike pthread_kill, an ended thread is ESRCH here, as in glibc. */
int pthread_sigqueue(pthread_t th, int sig, const union sigval value)
{
	if (ct_internal_signal(sig) || sig < 0 || sig >= _NSIG)
		return EINVAL;
	struct ct_thread *t = ct_lookup(th);
	if (!t)
		return ESRCH;
	siginfo_t info;
	memset(&info, 0, sizeof info);
	info.si_signo = sig;
	info.si_code = SI_QUEUE;
	info.si_pid = getpid();
	info.si_uid = getuid();
	info.si_value = value;
	int saved = errno, err = ESRCH;
	int tid = ct_pin(t);
	if (tid) {
		err = syscall(SYS_rt_tgsigqueueinfo, info.si_pid, tid, sig,
			      &info) ? errno : 0;
		ct_unpin(t);
	}
	errno = saved;
	return err;
}

/* glibc's sigdelset refuses the internal signals: clear their bits. */
static void strip_internal(sigset_t *set)
{
	unsigned long *w = (unsigned long *)set;
	const unsigned bits = CHAR_BIT * sizeof *w;
	for (int sig = CT_SIGCANCEL; sig <= CT_SIGSETXID; sig++)
		w[(sig - 1) / bits] &= ~(1UL << (sig - 1) % bits);
}

/* The internal signals can neither be blocked nor be seen blocked. */
int pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	sigset_t copy;
	if (set) {
		if (how != SIG_BLOCK && how != SIG_UNBLOCK && how != SIG_SETMASK)
			return EINVAL;
		if (how != SIG_UNBLOCK) {
			copy = *set;
			strip_internal(&copy);
			set = &copy;
		}
	}
	int saved = errno, err = 0;
	if (syscall(SYS_rt_sigprocmask, how, set, old, _NSIG / 8))
		err = errno;
	errno = saved;
	if (!err && old)
		strip_internal(old);
	return err;
}
