/* What every arch/<cpu>/arch.h provides, and the declarations they share.
 * src/ asks these names, never the CPU.
 *
 * Thread pointer and TLS
 *   ct_get_tp()              the calling thread's thread pointer
 *   CT_ARCH_TLS_ABOVE_TP     1: TLS variant I (static TLS after the TCB,
 *                            above the thread pointer; glibc's struct
 *                            pthread below it); 0: variant II (static TLS
 *                            below the thread pointer, struct pthread at it)
 *   CT_ARCH_DTV_AT_TP        where the DTV pointer sits, from the thread
 *                            pointer (the TLS ABI of the CPU).  Start-up
 *                            finds struct pthread from it and glibc's
 *                            libthread_db descriptor of the same word.
 *
 * glibc's TCB header (tcbhead_t), offsets from the thread pointer
 *   CT_ARCH_TCB_SELF         { offsets... } of words that point at the
 *                            thread pointer itself (THREAD_SELF)
 *   CT_ARCH_TCB_INHERITED    { {offset, size}... } of words a new thread
 *                            copies from its creator (canary, pointer
 *                            guard, CET bits, i386's system call entry)
 *   CT_ARCH_MULTIPLE_THREADS offset of header.multiple_threads from the
 *                            start of struct pthread
 *   CT_ARCH_RSEQ_SIG         the signature glibc registers rseq areas with;
 *                            0 where glibc keeps no rseq area
 *   CT_ARCH_64B_ATOMICS      glibc's __HAVE_64B_ATOMICS, which chooses its
 *                            semaphore protocol
 *
 * Thread creation
 *   ct_clone()               clone.S: the raw system call, see below.  The
 *                            TLS argument is the new thread pointer on every
 *                            CPU; the trampoline turns it into what the
 *                            kernel's CLONE_SETTLS takes there.  Its child
 *                            side is the outermost frame: its CFI marks the
 *                            return address undefined, so unwinders stop.
 *   CT_ARCH_STACK_DEFAULT    glibc's ARCH_STACK_DEFAULT_SIZE (RLIMIT_STACK
 *                            unlimited)
 *   CT_ARCH_MIN_GUARD        glibc's ARCH_MIN_GUARD_SIZE
 *
 * Spinning
 *   ct_cpu_relax()           between two looks at a contended lock word
 *
 * System calls
 *   ct_syscall(n, a..f)      the raw system call: the result or -errno,
 *                            without touching errno or anything in TLS.
 *                            The instruction is in the library's own code:
 *                            a cancellation request that interrupts a
 *                            futex wait unwinds from a frame with unwind
 *                            information, which glibc's syscall() lacks on
 *                            some CPUs (riscv64).
 *   CT_SYS_FUTEX,            the calls that take the library's struct
 *   CT_SYS_TIMER_SETTIME     timespec: its time_t has 64 bits on every CPU
 *                            (on i386 the *_time64 calls)
 *   CT_SYS_ID(name)          the set*id system calls with 32-bit ids
 *
 * Signals (a section of its own in each arch.h)
 *   CT_KSIGACTION_RESTORER   1 if the kernel's struct sigaction has the
 *                            sa_restorer field (not on riscv64)
 *   CT_SA_RESTORER_FLAG,     SA_RESTORER and the signal return function
 *   CT_SA_RESTORER           where the kernel wants one (x86_64); 0 and
 *                            NULL where it provides its own
 *   ct_uc_pc(), ct_uc_sysret()  the interrupted instruction and the
 *                            system call result register in a ucontext.
 *                            On every CPU, natively and under qemu-user
 *                            alike, a call to be restarted after the
 *                            handler shows the pc on the system call
 *                            instruction; one that failed with EINTR, the
 *                            pc just past it and -EINTR.
 *   ct_is_syscall_insn(),    that instruction at a pc, and its length
 *   CT_SYSCALL_INSN_LEN */
#ifndef CT_ARCH_COMMON_H
#define CT_ARCH_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* A word of the TCB header: offset from the thread pointer, size. */
struct ct_tcb_word {
	ptrdiff_t off;
	size_t size;
};

/* Starts fn(arg) on `stack' (its top) in a new thread made by the clone
 * system call with `flags'; `tp' becomes its thread pointer.  Returns the
 * child's tid, or -errno, in the parent.  If fn returns, the thread exits
 * with fn's value. */
long ct_clone(int (*fn)(void *), void *stack, unsigned long flags, void *arg,
	      int *ptid, void *tp, int *ctid) __attribute__((visibility("hidden")));

#endif
