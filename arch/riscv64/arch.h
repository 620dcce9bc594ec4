/* SPDX-License-Identifier: MIT */
/* riscv64.  TLS variant I: the thread pointer (tp) points at the static
 * TLS blocks; the TCB {dtv, private} lies right below it, and glibc's
 * struct pthread below that.  The stack-protector canary and the pointer
 * guard are process-wide variables here, not TCB words.
 * ../arch_common.h says what each name means and gives the rest: no
 * pause hint (it is an extension). */
#ifndef CT_ARCH_H
#define CT_ARCH_H

static inline uintptr_t ct_get_tp(void)
{
	uintptr_t tp;
	__asm__ ("mv %0, tp" : "=r"(tp));
	return tp;
}
#define CT_ARCH_TLS_ABOVE_TP 1
#define CT_ARCH_DTV_AT_TP (-16)

/* glibc 2.36 has no rseq signature for this CPU: it keeps no rseq area
 * (__rseq_offset and __rseq_size are 0) and registers none. */
#define CT_ARCH_RSEQ_SIG 0
#define CT_ARCH_GLIBC_BASE "GLIBC_2.27"

/* `ecall': the result in a0. */
#define CT_SYSCALL_INSN_BYTES "\x73\x00\x00\x00"
#define CT_SYSCALL_INSN "ecall"
#define CT_SYSCALL_REGS "a7", "a0", "a1", "a2", "a3", "a4", "a5"
#define CT_SYSCALL_RESULT_IN_NR 0

/* The kernel's struct sigaction has no sa_restorer field here. */
#define CT_KSIGACTION_RESTORER 0
#define CT_UC_PC __gregs[0]		/* REG_PC */
#define CT_UC_SYSRET __gregs[10]	/* REG_A0 */

#endif
