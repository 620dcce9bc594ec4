/* SPDX-License-Identifier: MIT */
/* i386.  TLS variant II, as on x86_64: the thread pointer is the base of
 * the segment %gs selects, and points at glibc's struct pthread, whose
 * first words are the tcbhead; the static TLS blocks lie just below it.
 * ../arch_common.h says what each name means and gives the rest. */
#ifndef CT_ARCH_H
#define CT_ARCH_H

static inline uintptr_t ct_get_tp(void)
{
	uintptr_t tp;
	__asm__ ("movl %%gs:0,%0" : "=r"(tp));
	return tp;
}
#define CT_ARCH_TLS_ABOVE_TP 0
#define CT_ARCH_DTV_AT_TP 0x04

/* glibc's tcbhead_t (sysdeps/i386/nptl/tls.h) */
#define CT_ARCH_TCB_SELF { 0x00 /* tcb */, 0x08 /* self */ }
#define CT_ARCH_TCB_INHERITED {						\
	{ 0x10, 4 },	/* sysinfo: libc's system calls jump through it */ \
	{ 0x14, 4 },	/* stack_guard: the -fstack-protector canary */	\
	{ 0x18, 4 },	/* pointer_guard: the PTR_MANGLE key */		\
	{ 0x20, 4 },	/* feature_1: CET bits */			\
}
#define CT_ARCH_MULTIPLE_THREADS 0x0c
#define CT_ARCH_RSEQ_SIG 0x53053053
#define CT_ARCH_GLIBC_BASE "GLIBC_2.0"
#define CT_ARCH_64B_ATOMICS 0

#define CT_ARCH_PAUSE "pause"

/* `int $0x80' (glibc's own calls go through the vDSO's __kernel_vsyscall,
 * which restarts and returns at one too).  ct_syscall is not inline here
 * (syscall.S): the sixth argument goes in %ebp, and a signal that
 * interrupts the instruction must find CFI that describes the frame
 * exactly there, to unwind from it (cancellation); inline assembly that
 * pushes %ebp has none. */
#define CT_SYSCALL_INSN_BYTES "\xcd\x80"

/* The library is built with a 64-bit time_t here (configure), as the
 * *_time64 calls take (Linux 5.1); the plain set*id calls take 16-bit
 * ids; mmap is mmap2, its offset in pages. */
#define CT_SYS_FUTEX SYS_futex_time64
#define CT_SYS_MMAP SYS_mmap2
#define CT_SYS_TIMER_SETTIME SYS_timer_settime64
#define CT_SYS_ID(name) SYS_##name##32

#define CT_UC_PC gregs[14]		/* REG_EIP */
#define CT_UC_SYSRET gregs[11]		/* REG_EAX */

#endif
