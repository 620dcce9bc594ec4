/* i386.  TLS variant II, as on x86_64: the thread pointer is the base of
 * the segment %gs selects, and points at glibc's struct pthread, whose
 * first words are the tcbhead; the static TLS blocks lie just below it.
 * See ../arch_common.h for what each name means. */
#ifndef CT_ARCH_H
#define CT_ARCH_H

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

/* The signature before rseq abort handlers (<sys/rseq.h>), which glibc
 * registers every thread's rseq area with. */
#define CT_ARCH_RSEQ_SIG RSEQ_SIG

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
 * (a parked thread waits with it while its TLS is being renewed).  The
 * sixth argument goes in %ebp, which may be the frame pointer: it is
 * pushed first (its operand read before %esp moves), then loaded. */
static inline long ct_syscall(long n, long a, long b, long c, long d, long e,
			      long f)
{
	long ret;
	__asm__ volatile ("pushl %7\n\tpush %%ebp\n\tmov 4(%%esp), %%ebp\n\t"
			  "int $0x80\n\tpop %%ebp\n\tadd $4, %%esp"
			  : "=a"(ret)
			  : "a"(n), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e), "g"(f)
			  : "memory");
	return ret;
}

/* ---- signals ---- */

#endif
