/* riscv64.  TLS variant I: the thread pointer (tp) points at the static
 * TLS blocks; the TCB {dtv, private} lies right below it, and glibc's
 * struct pthread below that.  The stack-protector canary and the pointer
 * guard are process-wide variables here, not TCB words.  See
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
	__asm__ ("mv %0, tp" : "=r"(tp));
	return tp;
}
#define CT_ARCH_TLS_ABOVE_TP 1
#define CT_ARCH_DTV_AT_TP (-16)

/* ---- glibc's tcbhead_t (sysdeps/riscv/nptl/tls.h) ---- */
#define CT_ARCH_TCB_SELF { }
#define CT_ARCH_TCB_INHERITED { }
#define CT_ARCH_MULTIPLE_THREADS 0

/* glibc 2.36 has no rseq signature for this CPU: 0 says it keeps no rseq
 * area (__rseq_offset and __rseq_size are 0) and registers none. */
#define CT_ARCH_RSEQ_SIG 0

/* glibc's first symbol version on the CPU, where the first answers of
 * symbols whose answers later changed sit (pthread_kill: signal.c). */
#define CT_ARCH_GLIBC_BASE "GLIBC_2.27"

/* glibc's __HAVE_64B_ATOMICS: its semaphores keep the value and the
 * waiters in one 64-bit word (sync.h). */
#define CT_ARCH_64B_ATOMICS 1

/* ---- thread creation ---- */
#define CT_ARCH_STACK_DEFAULT (2UL << 20)
#define CT_ARCH_MIN_GUARD 0UL

/* ---- spinning ---- */
/* What a spin-wait loop does between two looks at the lock word: no
 * more than a compiler barrier (the pause hint is an extension). */
static inline void ct_cpu_relax(void)
{
	__asm__ volatile ("" ::: "memory");
}

/* ---- system calls ---- */

/* The raw system call: -errno on failure, and no errno, no TLS touched
 * (a parked thread waits with it while its TLS is being renewed). */
static inline long ct_syscall(long n, long a, long b, long c, long d, long e,
			      long f)
{
	register long a7 __asm__("a7") = n, a0 __asm__("a0") = a,
		      a1 __asm__("a1") = b, a2 __asm__("a2") = c,
		      a3 __asm__("a3") = d, a4 __asm__("a4") = e,
		      a5 __asm__("a5") = f;
	__asm__ volatile ("ecall" : "+r"(a0)
			  : "r"(a7), "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(a5)
			  : "memory");
	return a0;
}

/* The calls that take the library's struct timespec. */
#define CT_SYS_FUTEX SYS_futex
#define CT_SYS_TIMER_SETTIME SYS_timer_settime

/* The set*id system calls (32-bit ids under the plain names here). */
#define CT_SYS_ID(name) SYS_##name

/* ---- signals: what cancellation needs to know of an interrupted
 * context (cancel.c) ---- */

/* The kernel provides the signal return (the vDSO's): no restorer, and
 * its struct sigaction has no sa_restorer field. */
#define CT_KSIGACTION_RESTORER 0
#define CT_SA_RESTORER_FLAG 0
#define CT_SA_RESTORER NULL

/* The interrupted instruction, and the system call result register (a0). */
static inline uintptr_t ct_uc_pc(const ucontext_t *uc)
{
	return uc->uc_mcontext.__gregs[0];	/* REG_PC */
}
static inline long ct_uc_sysret(const ucontext_t *uc)
{
	return uc->uc_mcontext.__gregs[10];	/* REG_A0 */
}
/* Is there an `ecall' instruction at pc?  (Compressed instructions are
 * 2-byte aligned: read it in halves.) */
#define CT_SYSCALL_INSN_LEN 4
static inline bool ct_is_syscall_insn(uintptr_t pc)
{
	const uint16_t *p = (const uint16_t *)pc;
	return p[0] == 0x0073 && p[1] == 0x0000;
}

#endif
