/* x86_64: what differs on this CPU.  TLS variant II: the thread pointer
 * (%fs base) points at glibc's struct pthread, whose first words are the
 * tcbhead; the static TLS blocks lie just below it. */
#ifndef CT_ARCH_H
#define CT_ARCH_H

#include <stdint.h>

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

#endif
