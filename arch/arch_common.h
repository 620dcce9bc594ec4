/* SPDX-License-Identifier: MIT */
/* The CPU layer as src/ sees it: src/ includes this header, never a CPU's
 * own.  It includes arch/<cpu>/arch.h, which defines only what differs
 * between CPUs, then gives the defaults (#ifndef, as musl's
 * pthread_arch.h) and declares everything once, so that every CPU's
 * helpers have one signature.
 *
 * What each arch.h defines
 *   ct_get_tp()              the calling thread's thread pointer
 *   CT_ARCH_TLS_ABOVE_TP     1: TLS variant I (static TLS after the TCB,
 *                            above the thread pointer; glibc's struct
 *                            pthread below it); 0: variant II (static TLS
 *                            below the thread pointer, struct pthread at it)
 *   CT_ARCH_DTV_AT_TP        where the DTV pointer sits, from the thread
 *                            pointer (the TLS ABI of the CPU).  Start-up
 *                            finds struct pthread from it and glibc's
 *                            libthread_db descriptor of the same word.
 *   CT_SYSCALL_INSN_BYTES    the system call instruction, as a string of
 *                            its bytes in memory
 *   CT_SYSCALL_INSN,         the instruction as inline assembly, the
 *   CT_SYSCALL_REGS          registers of the number and of arguments 1 to
 *                            6, and whether the result comes back in the
 *   CT_SYSCALL_RESULT_IN_NR  number's register (else in the first
 *                            argument's); without CT_SYSCALL_REGS the CPU
 *                            has ct_syscall in assembly (syscall.S)
 *   CT_UC_PC, CT_UC_SYSRET   the mcontext fields of the interrupted pc and
 *                            of the system call result register
 *   CT_ARCH_RSEQ_SIG         the signature glibc registers every thread's
 *                            rseq area with, the word before rseq abort
 *                            handlers (RSEQ_SIG of glibc's <sys/rseq.h>,
 *                            which releases before 2.35 lack); 0 where
 *                            glibc keeps no rseq area
 *   CT_ARCH_GLIBC_BASE       glibc's first symbol version on the CPU,
 *                            where the first answers of symbols whose
 *                            answers later changed sit (pthread_kill:
 *                            signal.c)
 * and, where the default below does not hold, any other name of this
 * file. */
#ifndef CT_ARCH_COMMON_H
#define CT_ARCH_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <ucontext.h>
#include "arch.h"

/* ---- glibc's TCB header (tcbhead_t), offsets from the thread pointer ---- */

/* Words that point at the thread pointer itself (THREAD_SELF). */
#ifndef CT_ARCH_TCB_SELF
#define CT_ARCH_TCB_SELF { }
#endif
/* { {offset, size}... } of words a new thread copies from its creator
 * (canary, pointer guard, CET bits, i386's system call entry).  Where the
 * canary and the pointer guard are process-wide variables, none. */
struct ct_tcb_word {
	ptrdiff_t off;
	size_t size;
};
#ifndef CT_ARCH_TCB_INHERITED
#define CT_ARCH_TCB_INHERITED { }
#endif
/* header.multiple_threads from the start of struct pthread: its first
 * word where the TCB is not glibc's struct pthread's head (variant I). */
#ifndef CT_ARCH_MULTIPLE_THREADS
#define CT_ARCH_MULTIPLE_THREADS 0
#endif
/* glibc's __HAVE_64B_ATOMICS: 1, its semaphores keep the value and the
 * waiters in one 64-bit word; 0, in two 32-bit words (sync.h). */
#ifndef CT_ARCH_64B_ATOMICS
#define CT_ARCH_64B_ATOMICS 1
#endif

/* ---- thread creation ---- */

/* glibc's ARCH_STACK_DEFAULT_SIZE (RLIMIT_STACK unlimited) and
 * ARCH_MIN_GUARD_SIZE. */
#ifndef CT_ARCH_STACK_DEFAULT
#define CT_ARCH_STACK_DEFAULT (2UL << 20)
#endif
#ifndef CT_ARCH_MIN_GUARD
#define CT_ARCH_MIN_GUARD 0UL
#endif

/* clone.S: starts fn(arg) on `stack' (its top) in a new thread made by
 * the clone system call with `flags'; `tp' becomes its thread pointer on
 * every CPU (the trampoline turns it into what the kernel's CLONE_SETTLS
 * takes there).  Returns the child's tid, or -errno, in the parent.  If fn
 * returns, the thread exits with fn's value.  The child side is the
 * outermost frame: its CFI marks the return address undefined, so
 * unwinders stop there. */
long ct_clone(int (*fn)(void *), void *stack, unsigned long flags, void *arg,
	      int *ptid, void *tp, int *ctid) __attribute__((visibility("hidden")));

/* ---- spinning ---- */

/* What a spin-wait loop does between two looks at the lock word: the
 * CPU's pause hint (CT_ARCH_PAUSE, an instruction), or no more than a
 * compiler barrier. */
#ifndef CT_ARCH_PAUSE
#define CT_ARCH_PAUSE ""
#endif
static inline void ct_cpu_relax(void)
{
	__asm__ volatile (CT_ARCH_PAUSE ::: "memory");
}

/* ---- system calls ---- */

/* The raw system call: the result or -errno, without touching errno or
 * anything in TLS (a parked thread waits with it while its TLS is being
 * renewed).  The instruction is in the library's own code: a cancellation
 * request that interrupts a futex wait unwinds from a frame with unwind
 * information, which glibc's syscall() lacks on some CPUs (riscv64). */
#ifdef CT_SYSCALL_REGS
#ifndef CT_SYSCALL_CLOBBERS
#define CT_SYSCALL_CLOBBERS
#endif
#define CT_SYSCALL_VARS(rn, ra, rb, rc, rd, re, rf)			\
	register long n_ __asm__(rn) = n, a_ __asm__(ra) = a,		\
		b_ __asm__(rb) = b, c_ __asm__(rc) = c, d_ __asm__(rd) = d, \
		e_ __asm__(re) = e, f_ __asm__(rf) = f
#define CT_SYSCALL_VARS_OF(regs) CT_SYSCALL_VARS(regs)
static inline long ct_syscall(long n, long a, long b, long c, long d, long e,
			      long f)
{
	CT_SYSCALL_VARS_OF(CT_SYSCALL_REGS);
	__asm__ volatile (CT_SYSCALL_INSN : "+r"(n_), "+r"(a_)
			  : "r"(b_), "r"(c_), "r"(d_), "r"(e_), "r"(f_)
			  : CT_SYSCALL_CLOBBERS "memory");
	return CT_SYSCALL_RESULT_IN_NR ? n_ : a_;
}
#else
long ct_syscall(long n, long a, long b, long c, long d, long e, long f)
	__attribute__((visibility("hidden")));
#endif

/* The calls that take the library's struct timespec, whose time_t has 64
 * bits on every CPU (configure). */
#ifndef CT_SYS_FUTEX
#define CT_SYS_FUTEX SYS_futex
#define CT_SYS_TIMER_SETTIME SYS_timer_settime
#endif
/* mmap with its offset in bytes (sys.h maps at offset 0 only). */
#ifndef CT_SYS_MMAP
#define CT_SYS_MMAP SYS_mmap
#endif
/* The set*id system calls that take 32-bit ids. */
#ifndef CT_SYS_ID
#define CT_SYS_ID(name) SYS_##name
#endif

/* ---- signals: what cancellation needs to know of an interrupted
 * context (cancel.c) ---- */

/* The raw rt_sigaction: the kernel's struct sigaction has the
 * sa_restorer field (CT_KSIGACTION_RESTORER), and the kernel wants a
 * signal return function there (CT_SA_RESTORER, with the flag), or
 * provides its own (the vDSO's: 0 and NULL). */
#ifndef CT_KSIGACTION_RESTORER
#define CT_KSIGACTION_RESTORER 1
#endif
#ifndef CT_SA_RESTORER
#define CT_SA_RESTORER_FLAG 0
#define CT_SA_RESTORER NULL
#endif

/* The interrupted instruction, and the system call result register.  On
 * every CPU, natively and under qemu-user alike, a call to be restarted
 * after the handler shows the pc on the system call instruction; one that
 * failed with EINTR, the pc just past it and -EINTR. */
static inline uintptr_t ct_uc_pc(const ucontext_t *uc)
{
	return uc->uc_mcontext.CT_UC_PC;
}
static inline long ct_uc_sysret(const ucontext_t *uc)
{
	return uc->uc_mcontext.CT_UC_SYSRET;
}
/* Is the system call instruction at pc?  (Read byte by byte: a pc may be
 * less aligned than the instruction's size.) */
#define CT_SYSCALL_INSN_LEN (sizeof CT_SYSCALL_INSN_BYTES - 1)
static inline bool ct_is_syscall_insn(uintptr_t pc)
{
	return !memcmp((const void *)pc, CT_SYSCALL_INSN_BYTES,
		       CT_SYSCALL_INSN_LEN);
}

#endif
