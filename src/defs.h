/* SPDX-License-Identifier: MIT */
/* What every file of the library uses: symbol visibility, the section of
 * the library's own bookkeeping, branch hints and exported aliases. */
#ifndef CT_DEFS_H
#define CT_DEFS_H

#define hidden __attribute__((visibility("hidden")))
/* Bookkeeping shared between threads under the library's own locks: in
 * one section, which the race checkers are told to leave alone
 * (valgrind.h). */
#define ct_private __attribute__((section("ct_private")))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
/* An exported second name for a function (glibc's __pthread_* aliases),
 * given as the symbol itself: with _GNU_SOURCE <pthread.h> maps some of
 * the names (the deprecated _np spellings) onto their targets. */
#define ct_alias(name, target) \
	__typeof(target) ct_alias_##name __asm__(#name) \
		__attribute__((alias(#target), copy(target)))

/* Code that may run while the thread's TCB is rewritten under it (a
 * parked thread, reuse.c, and the set*id handler, which may run in one):
 * no TLS, no call through the PLT, and no stack protector, whose canary
 * is read from the TCB. */
#if __has_attribute(no_stack_protector)
#define ct_tcb_free __attribute__((no_stack_protector))
#else	/* GCC before 11 */
#define ct_tcb_free __attribute__((optimize("no-stack-protector")))
#endif

#endif
