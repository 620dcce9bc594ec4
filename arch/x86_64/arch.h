/* x86_64: what differs on this CPU.  TLS variant II: the thread pointer
 * (%fs base) points at glibc's struct pthread, whose first words are the
 * tcbhead; the static TLS blocks lie just below it. */
#ifndef CT_ARCH_H
#define CT_ARCH_H

#include <stdbool.h>
#include <stdint.h>
#include <ucontext.h>

/* Static TLS sits below the thread pointer (variant II). */
#define CT_TLS_BELOW_TP 1

static inline uintptr_t ct_get_tp(void)
{
	uintptr_t tp;
	__asm__ ("mov %%fs:0,%0" : "=r"(tp));
	return tp;
}

/* glibc's struct pthread starts at the thread pointer. */
#define CT_TP_TO_PD(tp) ((void *)(tp))
#define CT_PD_TO_TP(pd) ((uintptr_t)(pd))
/* CLONE_SETTLS takes the thread pointer value itself. */
#define CT_CLONE_TLS_ARG(tp) ((void *)(tp))

/* glibc's tcbhead_t on x86_64 (sysdeps/x86_64/nptl/tls.h): fields of the
 * TCB header that glibc code reads in every thread. */
#define CT_TCB_SELF0         0x00  /* tcb: pointer to itself */
#define CT_TCB_SELF          0x10  /* self: pointer to struct pthread */
#define CT_TCB_MULTI         0x18  /* multiple_threads (malloc's fast paths) */
#define CT_TCB_STACK_GUARD   0x28  /* -fstack-protector canary */
#define CT_TCB_POINTER_GUARD 0x30  /* PTR_MANGLE key */
#define CT_TCB_FEATURE_1     0x48  /* CET feature bits */

/* Default stack when RLIMIT_STACK is unlimited (glibc's
 * ARCH_STACK_DEFAULT_SIZE for this CPU). */
#define CT_ARCH_STACK_DEFAULT (2UL << 20)
/* Smallest guard glibc uses here (ARCH_MIN_GUARD_SIZE): none beyond the
 * one page default. */
#define CT_ARCH_MIN_GUARD 0UL

/* The clone trampoline (clone.S): starts fn(arg) on `stack` in the child,
 * returns the child's tid (or -errno) in the parent. */
long ct_clone(int (*fn)(void *), void *stack, unsigned long flags, void *arg,
	      int *ptid, void *tls, int *ctid);

/* The set*id system calls that take 32-bit ids (i386 has older 16-bit
 * ones under the plain names). */
#define CT_SYS_ID(name) SYS_##name

/* ---- signals: what cancellation needs to know of an interrupted
 * context (cancel.c) ---- */

/* The raw rt_sigaction needs a restorer on x86_64 (sigreturn.S): the
 * flag (SA_RESTORER) and the function; 0 and NULL where the kernel
 * provides one. */
void ct_restore_rt(void);
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

/* The stack pointer glibc's setjmp saved in a jump buffer: slot 6,
 * mangled with the TCB's pointer guard (xor, then rotate left 17). */
static inline uintptr_t ct_jmpbuf_sp(const long *jb)
{
	uintptr_t sp = jb[6], guard;
	__asm__ ("mov %%fs:%c1,%0" : "=r"(guard) : "i"(CT_TCB_POINTER_GUARD));
	return ((sp >> 17) | (sp << 47)) ^ guard;
}

#endif
