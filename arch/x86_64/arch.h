/* x86_64.  TLS variant II: the thread pointer (%fs base) points at glibc's
 * struct pthread, whose first words are the tcbhead; the static TLS blocks
 * lie just below it.  See ../arch_common.h for what each name means. */
#ifndef CT_ARCH_H
#define CT_ARCH_H

#include <stdbool.h>
#include <ucontext.h>
#include "arch_common.h"

/* ---- thread pointer and TLS ---- */
static inline uintptr_t ct_get_tp(void)
{
	uintptr_t tp;
	__asm__ ("mov %%fs:0,%0" : "=r"(tp));
	return tp;
}
#define CT_ARCH_TLS_ABOVE_TP 0
#define CT_ARCH_DTV_AT_TP 0x08

/* ---- glibc's tcbhead_t (sysdeps/x86_64/nptl/tls.h) ---- */
#define CT_ARCH_TCB_SELF { 0x00 /* tcb */, 0x10 /* self */ }
#define CT_ARCH_TCB_INHERITED {						\
	{ 0x28, 8 },	/* stack_guard: the -fstack-protector canary */	\
	{ 0x30, 8 },	/* pointer_guard: the PTR_MANGLE key */		\
	{ 0x48, 4 },	/* feature_1: CET bits */			\
}
#define CT_ARCH_MULTIPLE_THREADS 0x18
/* The signature glibc registers every thread's rseq area with, the word
 * before rseq abort handlers (RSEQ_SIG of glibc's <sys/rseq.h>, which
 * releases before 2.35 lack). */
#define CT_ARCH_RSEQ_SIG 0x53053053

/* glibc's first symbol version on the CPU, where the first answers of
 * symbols whose answers later changed sit (pthread_kill: signal.c). */
#define CT_ARCH_GLIBC_BASE "GLIBC_2.2.5"

/* glibc's __HAVE_64B_ATOMICS: its semaphores keep the value and the
 * waiters in one 64-bit word (sync.h). */
#define CT_ARCH_64B_ATOMICS 1

/* ---- thread creation ---- */
#define CT_ARCH_STACK_DEFAULT (2UL << 20)
#define CT_ARCH_MIN_GUARD 0UL

/* ---- spinning ---- */
/* What a spin-wait loop does between two looks at the lock word. */
static inline void ct_cpu_relax(void)
{
	__builtin_ia32_pause();
}

/* ---- system calls ---- */

/* The raw system call: -errno on failure, and no errno, no TLS touched
 * (a parked thread waits with it while its TLS is being renewed). */
static inline long ct_syscall(long n, long a, long b, long c, long d, long e,
			      long f)
{
	register long r10 __asm__("r10") = d, r8 __asm__("r8") = e,
		      r9 __asm__("r9") = f;
	long ret;
	__asm__ volatile ("syscall" : "=a"(ret)
			  : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8),
			    "r"(r9)
			  : "rcx", "r11", "memory");
	return ret;
}

/* The calls that take the library's struct timespec. */
#define CT_SYS_FUTEX SYS_futex
#define CT_SYS_TIMER_SETTIME SYS_timer_settime

/* The set*id system calls that take 32-bit ids (i386 has older 16-bit
 * ones under the plain names). */
#define CT_SYS_ID(name) SYS_##name

/* ---- signals: what cancellation needs to know of an interrupted
 * context (cancel.c) ---- */

/* The raw rt_sigaction needs a restorer on x86_64 (sigreturn.S): the
 * flag (SA_RESTORER) and the function; 0 and NULL where the kernel
 * provides one.  CT_KSIGACTION_RESTORER: the kernel's struct sigaction
 * has the sa_restorer field. */
void ct_restore_rt(void);
#define CT_KSIGACTION_RESTORER 1
#define CT_SA_RESTORER_FLAG 0x04000000
#define CT_SA_RESTORER ct_restore_rt

/* The interrupted instruction, and the system call result register. */
static inline uintptr_t ct_uc_pc(const ucontext_t *uc)
{
	return uc->uc_mcontext.gregs[16];	/* REG_RIP */
}
static inline long ct_uc_sysret(const ucontext_t *uc)
{
	return uc->uc_mcontext.gregs[13];	/* REG_RAX */
}
/* Is there a `syscall' instruction at pc? */
#define CT_SYSCALL_INSN_LEN 2
static inline bool ct_is_syscall_insn(uintptr_t pc)
{
	const unsigned char *p = (const unsigned char *)pc;
	return p[0] == 0x0f && p[1] == 0x05;
}

#endif
