/* aarch64.  TLS variant I: the thread pointer (tpidr_el0) points at a
 * 16-byte TCB {dtv, private}; the static TLS blocks follow it, and glibc's
 * struct pthread lies right below it.  The stack-protector canary and the
 * pointer guard are process-wide variables here, not TCB words.  See
 * ../arch_common.h for what each name means. */
#ifndef CT_ARCH_H
#define CT_ARCH_H

#include <stdbool.h>
#include <ucontext.h>
#include "arch_common.h"

/* ---- thread pointer and TLS ---- */
static inline uintptr_t ct_get_tp(void)
{
	uintptr_t tp;
	__asm__ ("mrs %0, tpidr_el0" : "=r"(tp));
	return tp;
}
#define CT_ARCH_TLS_ABOVE_TP 1
#define CT_ARCH_DTV_AT_TP 0

/* ---- glibc's tcbhead_t (sysdeps/aarch64/nptl/tls.h) ---- */
#define CT_ARCH_TCB_SELF { }
#define CT_ARCH_TCB_INHERITED { }
#define CT_ARCH_MULTIPLE_THREADS 0

/* The signature glibc registers every thread's rseq area with, the word
 * before rseq abort handlers (RSEQ_SIG of glibc's <sys/rseq.h>, which
 * releases before 2.35 lack). */
#define CT_ARCH_RSEQ_SIG 0xd428bc00

/* glibc's first symbol version on the CPU, where the first answers of
 * symbols whose answers later changed sit (pthread_kill: signal.c). */
#define CT_ARCH_GLIBC_BASE "GLIBC_2.17"

/* glibc's __HAVE_64B_ATOMICS: its semaphores keep the value and the
 * waiters in one 64-bit word (sync.h). */
#define CT_ARCH_64B_ATOMICS 1

/* ---- thread creation ---- */
#define CT_ARCH_STACK_DEFAULT (2UL << 20)
/* 64 KiB: a function may drop its stack pointer by up to 64 KiB before it
 * first stores (the guard size GCC's stack clash protection assumes). */
#define CT_ARCH_MIN_GUARD (64UL << 10)

/* ---- spinning ---- */
/* What a spin-wait loop does between two looks at the lock word. */
static inline void ct_cpu_relax(void)
{
	__asm__ volatile ("yield" ::: "memory");
}

/* ---- system calls ---- */

/* The raw system call: -errno on failure, and no errno, no TLS touched
 * (a parked thread waits with it while its TLS is being renewed). */
static inline long ct_syscall(long n, long a, long b, long c, long d, long e,
			      long f)
{
	register long x8 __asm__("x8") = n, x0 __asm__("x0") = a,
		      x1 __asm__("x1") = b, x2 __asm__("x2") = c,
		      x3 __asm__("x3") = d, x4 __asm__("x4") = e,
		      x5 __asm__("x5") = f;
	__asm__ volatile ("svc 0" : "+r"(x0)
			  : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			  : "memory");
	return x0;
}

/* The calls that take the library's struct timespec. */
#define CT_SYS_FUTEX SYS_futex
#define CT_SYS_TIMER_SETTIME SYS_timer_settime

/* The set*id system calls (32-bit ids under the plain names here). */
#define CT_SYS_ID(name) SYS_##name

/* ---- signals: what cancellation needs to know of an interrupted
 * context (cancel.c) ---- */

/* The kernel provides the signal return (the vDSO's): no restorer.  Its
 * struct sigaction still has the field. */
#define CT_KSIGACTION_RESTORER 1
#define CT_SA_RESTORER_FLAG 0
#define CT_SA_RESTORER NULL

/* The interrupted instruction, and the system call result register (x0). */
static inline uintptr_t ct_uc_pc(const ucontext_t *uc)
{
	return uc->uc_mcontext.pc;
}
static inline long ct_uc_sysret(const ucontext_t *uc)
{
	return uc->uc_mcontext.regs[0];
}
/* Is there an `svc #0' instruction at pc? */
#define CT_SYSCALL_INSN_LEN 4
static inline bool ct_is_syscall_insn(uintptr_t pc)
{
	return *(const uint32_t *)pc == 0xd4000001;
}

#endif
