/* The glibc boundary: everything the library knows of glibc's private
 * state, and the only header that knows it.  glibc's own code (malloc,
 * stdio, errno, locale, the resolver, dlopen, libstdc++) runs inside our
 * threads and reads glibc's `struct pthread' at the thread pointer; the
 * files of this folder find where glibc keeps what, at start-up, from
 * glibc's own descriptors and by probing glibc's own code, and fill each
 * new thread's TCB as glibc's pthread_create would.  The rest of the
 * library calls the functions below; only cancellation and unwinding,
 * which share glibc's protocol with glibc's own cancellation points, read
 * glibc's fields through the accessors at the end. */
#ifndef CT_GLIBC_H
#define CT_GLIBC_H

#include "thread.h"

/* What start-up found (layout.c). */
struct ct_glibc {
	size_t pd_size;		/* sizeof glibc's struct pthread */
	size_t off_tid, off_list, off_stackblock, off_stackblock_size,
	       off_guardsize;
	/* Cancellation: the state word, the chain of unwind buffers and the
	 * chain of old-style cleanup buffers (they precede cancelhandling). */
	size_t off_cancelhandling, off_cleanup_jmp_buf, off_cleanup;
	size_t off_res;		/* the thread's resolver state */
	size_t tp_off;		/* the thread pointer: pd + tp_off */
	ptrdiff_t desc_off;	/* our descriptor: pd + desc_off (CT_OURS) */
	/* A thread block: its static TLS, TCB, struct pthread and our
	 * descriptor span [tp - block_below, tp + block_above); tp is
	 * aligned to tls_static_align. */
	size_t block_below, block_above;
	size_t tls_static_size, tls_static_align;	/* incl. the TCB */
	ptrdiff_t libc_tls_off;	/* libc's static TLS block: tp - off */
	size_t libc_tls_size;
	int rseq_off;		/* __rseq_offset */
	unsigned rseq_size;	/* __rseq_size, 0 if glibc did not register */
	/* glibc's single-threaded flag, which skips locking where set. */
	const char *single_threaded;
};
extern hidden struct ct_glibc ct_glibc;

/* ---- start-up ---- */

/* Find and check what the library relies on; a glibc it cannot verify
 * ends the program with one line saying what differs. */
hidden void ct_glibc_init(void);
/* Before the first clone: put glibc in multi-threaded mode. */
hidden void ct_glibc_go_multithreaded(void);
/* glibc's flag: no other thread exists, so no lock is needed. */
static inline bool ct_glibc_single_threaded(void)
{
	return *ct_glibc.single_threaded;
}

/* ---- a thread's block: static TLS, TCB, our descriptor ---- */

/* The bytes a thread block takes at the top of a region. */
hidden size_t ct_glibc_block_bytes(void);
/* The descriptor of the block at the top of [map, map + size), with its
 * pd, tp and tid placed (the rest of it is the caller's to fill). */
hidden struct ct_thread *ct_glibc_place(void *map, size_t size);
/* A stand-in descriptor for the calling thread, on glibc's own TCB. */
hidden void ct_glibc_adopt(struct ct_thread *t);
/* Fill the TCB of a new thread.  live: the region's kernel thread is
 * alive (parked): keep what the kernel holds in the TCB (its tid word,
 * the rseq area it writes).  EAGAIN when TLS cannot be allocated. */
hidden int ct_glibc_setup_tcb(struct ct_thread *t, bool live);
/* Once the thread's stack is final: glibc's record of it. */
hidden void ct_glibc_set_stack(struct ct_thread *t);
/* Before a region that ran a thread is unmapped: keep libc's block. */
hidden void ct_glibc_retire_tcb(struct ct_thread *t);
/* The stack glibc records for a thread it created itself: lowest
 * address, size and guard below it. */
hidden void ct_glibc_stack(void *pd, void **addr, size_t *size,
			   size_t *guard);

/* ---- a thread's life ---- */

/* In the new thread, before its start routine. */
hidden void ct_glibc_thread_start(struct ct_thread *t);
/* At its exit: C++ thread_local destructors, before the key destructors;
 * then, after them, glibc's per-thread state released as glibc releases
 * it; last (the others free memory into it) malloc's thread cache, which
 * a thread kept for reuse keeps warm until it leaves the pool. */
hidden void ct_glibc_thread_exit(void);
hidden void ct_glibc_thread_freeres(struct ct_thread *t);
hidden void ct_glibc_drop_tcache(void);
/* Ask glibc to call fn(arg) when a glibc-created thread exits. */
hidden void ct_glibc_at_foreign_exit(void (*fn)(void *), void *arg);

/* ---- cancellation's share of struct pthread ---- */

#define CT_PD_FIELD(pd, off, type) ((type *)((char *)(pd) + (off)))
/* A TCB's thread pointer, and the other way round. */
static inline void *ct_tp_to_pd(uintptr_t tp)
{
	return (void *)(tp - ct_glibc.tp_off);
}

/* glibc's cancelhandling bits (nptl/descr.h). */
enum {
	CT_CANCEL_DISABLED = 1,	/* PTHREAD_CANCEL_DISABLE */
	CT_CANCEL_ASYNC = 2,	/* acted on at once: the program chose
				 * asynchronous, or inside a cancellation
				 * point's system call */
	CT_CANCELING = 4,
	CT_CANCELED = 8,	/* requested */
	CT_CANCEL_EXITING = 16,	/* ending: no more requests act */
	CT_CANCEL_TERMINATED = 32,
};
static inline _Atomic int *ct_cancelhandling(void *pd)
{
	return CT_PD_FIELD(pd, ct_glibc.off_cancelhandling, _Atomic int);
}

/* glibc's private reading of the public __pthread_unwind_buf_t
 * (nptl/descr.h): pthread_cleanup_push's buffers and each thread's
 * outermost one, chained at the TCB's cleanup_jmp_buf. */
struct ct_unwind_buf {
	struct ct_jmp_buf cancel_jmp_buf[1];
	struct ct_unwind_buf *prev;
	struct _pthread_cleanup_buffer *cleanup;	/* old-style, at push */
	int canceltype;
	void *unused;
};
_Static_assert(sizeof(struct ct_unwind_buf) == sizeof(__pthread_unwind_buf_t),
	       "glibc's unwind buffer");
static inline struct ct_unwind_buf **ct_cleanup_jmp_buf(void *pd)
{
	return CT_PD_FIELD(pd, ct_glibc.off_cleanup_jmp_buf, struct ct_unwind_buf *);
}
static inline struct _pthread_cleanup_buffer **ct_cleanup_chain(void *pd)
{
	return CT_PD_FIELD(pd, ct_glibc.off_cleanup, struct _pthread_cleanup_buffer *);
}
/* The top of a thread's stack, as glibc records it (unwind.c compares
 * stack addresses relative to it). */
hidden uintptr_t ct_glibc_stack_top(void *pd);

#endif
