/* SPDX-License-Identifier: MIT */
/* x86_64.  TLS variant II: the thread pointer (%fs base) points at glibc's
 * struct pthread, whose first words are the tcbhead; the static TLS blocks
 * lie just below it.  ../arch_common.h says what each name means and
 * gives the rest. */
#ifndef CT_ARCH_H
#define CT_ARCH_H

static inline uintptr_t ct_get_tp(void)
{
	uintptr_t tp;
	__asm__ ("mov %%fs:0,%0" : "=r"(tp));
	return tp;
}
#define CT_ARCH_TLS_ABOVE_TP 0
#define CT_ARCH_DTV_AT_TP 0x08

/* glibc's tcbhead_t (sysdeps/x86_64/nptl/tls.h) */
#define CT_ARCH_TCB_SELF { 0x00 /* tcb */, 0x10 /* self */ }
#define CT_ARCH_TCB_INHERITED {						\
	{ 0x28, 8 },	/* stack_guard: the -fstack-protector canary */	\
	{ 0x30, 8 },	/* pointer_guard: the PTR_MANGLE key */		\
	{ 0x48, 4 },	/* feature_1: CET bits */			\
}
#define CT_ARCH_MULTIPLE_THREADS 0x18
#define CT_ARCH_RSEQ_SIG 0x53053053
#define CT_ARCH_GLIBC_BASE "GLIBC_2.2.5"

#define CT_ARCH_PAUSE "pause"

/* `syscall': the number and the result in rax; it clobbers rcx, r11. */
#define CT_SYSCALL_INSN_BYTES "\x0f\x05"
#define CT_SYSCALL_INSN "syscall"
#define CT_SYSCALL_REGS "rax", "rdi", "rsi", "rdx", "r10", "r8", "r9"
#define CT_SYSCALL_RESULT_IN_NR 1
#define CT_SYSCALL_CLOBBERS "rcx", "r11",

/* The kernel wants a signal return function (sigreturn.S). */
void ct_restore_rt(void);
#define CT_SA_RESTORER_FLAG 0x04000000	/* SA_RESTORER */
#define CT_SA_RESTORER ct_restore_rt
#define CT_UC_PC gregs[16]		/* REG_RIP */
#define CT_UC_SYSRET gregs[13]		/* REG_RAX */

#endif
