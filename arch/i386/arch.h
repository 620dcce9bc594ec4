/* i386.  TLS variant II, as on x86_64: the thread pointer is the base of
 * the segment %gs selects, and points at glibc's struct pthread, whose
 * first words are the tcbhead; the static TLS blocks lie just below it.
 * See ../arch_common.h for what each name means. */
#ifndef CT_ARCH_H
#define CT_ARCH_H

#include <stdbool.h>
#include <ucontext.h>
#include "arch_common.h"

/* ---- thread pointer and TLS ---- */
static inline uintptr_t ct_get_tp(void)
{
	uintptr_t tp;
	__asm__ ("movl %%gs:0,%0" : "=r"(tp));
	return tp;
}
#define CT_ARCH_TLS_ABOVE_TP 0
#define CT_ARCH_DTV_AT_TP 0x04

/* ---- glibc's tcbhead_t (sysdeps/i386/nptl/tls.h) ---- */
#define CT_ARCH_TCB_SELF { 0x00 /* tcb */, 0x08 /* self */ }
#define CT_ARCH_TCB_INHERITED {						\
	{ 0x10, 4 },	/* sysinfo: libc's system calls jump through it */ \
	{ 0x14, 4 },	/* stack_guard: the -fstack-protector canary */	\
	{ 0x18, 4 },	/* pointer_guard: the PTR_MANGLE key */		\
	{ 0x20, 4 },	/* feature_1: CET bits */			\
}
#define CT_ARCH_MULTIPLE_THREADS 0x0c

/* The signature glibc registers every thread's rseq area with, the word
 * before rseq abort handlers (RSEQ_SIG of glibc's <sys/rseq.h>, which
 * releases before 2.35 lack). */
#define CT_ARCH_RSEQ_SIG 0x53053053

/* glibc's first symbol version on the CPU, where the first answers of
 * symbols whose answers later changed sit (pthread_kill: signal.c). */
#define CT_ARCH_GLIBC_BASE "GLIBC_2.0"

/* glibc's __HAVE_64B_ATOMICS: none here, its semaphores keep the value
 * and the waiters in two 32-bit words (sync.h). */
#define CT_ARCH_64B_ATOMICS 0

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

/* The raw system call (syscall.S): -errno on failure, and no errno, no
 * TLS touched.  Not inline: the sixth argument goes in %ebp, and a
 * signal that interrupts the `int $0x80' must find CFI that describes
 * the frame exactly there, to unwind from it (cancellation); inline
 * assembly that pushes %ebp has none. */
long ct_syscall(long n, long a, long b, long c, long d, long e, long f)
	__attribute__((visibility("hidden")));

/* The calls that take the library's struct timespec: it is built with a
 * 64-bit time_t here (configure), as the *_time64 calls take (Linux
 * 5.1). */
#define CT_SYS_FUTEX SYS_futex_time64
#define CT_SYS_TIMER_SETTIME SYS_timer_settime64

/* The set*id system calls that take 32-bit ids (the plain names take
 * 16-bit ones here). */
#define CT_SYS_ID(name) SYS_##name##32

/* ---- signals: what cancellation needs to know of an interrupted
 * context (cancel.c) ---- */

/* The kernel provides the signal return (the vDSO's): no restorer.  Its
 * struct sigaction has the field. */
#define CT_KSIGACTION_RESTORER 1
#define CT_SA_RESTORER_FLAG 0
#define CT_SA_RESTORER NULL

/* The interrupted instruction, and the system call result register. */
static inline uintptr_t ct_uc_pc(const ucontext_t *uc)
{
	return uc->uc_mcontext.gregs[14];	/* REG_EIP */
}
static inline long ct_uc_sysret(const ucontext_t *uc)
{
	return uc->uc_mcontext.gregs[11];	/* REG_EAX */
}
/* Is there an `int $0x80' at pc?  (glibc's own calls go through the
 * vDSO's __kernel_vsyscall, which restarts and returns at one too.) */
#define CT_SYSCALL_INSN_LEN 2
static inline bool ct_is_syscall_insn(uintptr_t pc)
{
	const unsigned char *p = (const unsigned char *)pc;
	return p[0] == 0xcd && p[1] == 0x80;
}

#endif
