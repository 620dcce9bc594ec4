/* SPDX-License-Identifier: MIT */
/* aarch64.  TLS variant I: the thread pointer (tpidr_el0) points at a
 * 16-byte TCB {dtv, private}; the static TLS blocks follow it, and glibc's
 * struct pthread lies right below it.  The stack-protector canary and the
 * pointer guard are process-wide variables here, not TCB words.
 * ../arch_common.h says what each name means and gives the rest. */
#ifndef CT_ARCH_H
#define CT_ARCH_H

static inline uintptr_t ct_get_tp(void)
{
	uintptr_t tp;
	__asm__ ("mrs %0, tpidr_el0" : "=r"(tp));
	return tp;
}
#define CT_ARCH_TLS_ABOVE_TP 1
#define CT_ARCH_DTV_AT_TP 0
#define CT_ARCH_RSEQ_SIG 0xd428bc00
#define CT_ARCH_GLIBC_BASE "GLIBC_2.17"

/* 64 KiB: a function may drop its stack pointer by up to 64 KiB before it
 * first stores (the guard size GCC's stack clash protection assumes). */
#define CT_ARCH_MIN_GUARD (64UL << 10)

#define CT_ARCH_PAUSE "yield"

/* `svc #0': the result in x0. */
#define CT_SYSCALL_INSN_BYTES "\x01\x00\x00\xd4"
#define CT_SYSCALL_INSN "svc 0"
#define CT_SYSCALL_REGS "x8", "x0", "x1", "x2", "x3", "x4", "x5"
#define CT_SYSCALL_RESULT_IN_NR 0

#define CT_UC_PC pc
#define CT_UC_SYSRET regs[0]

#endif
