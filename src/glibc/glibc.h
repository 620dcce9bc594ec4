/* SPDX-License-Identifier: MIT */
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

#include <link.h>
#include <bits/types/res_state.h>
#include "thread.h"

/* What start-up found (layout.c). */
struct ct_glibc {
	size_t pd_size;		/* sizeof glibc's struct pthread */
	size_t off_tid, off_list, off_stackblock, off_stackblock_size,
	       off_guardsize;
	/* From here to its end struct pthread holds glibc's own per-thread
	 * state, which threads pass on (keep.c). */
	size_t tail_off;
	/* Cancellation: the state word, the chain of unwind buffers and the
	 * chain of old-style cleanup buffers (they precede cancelhandling). */
	size_t off_cancelhandling, off_cleanup_jmp_buf, off_cleanup;
	size_t tp_off;		/* the thread pointer: pd + tp_off */
	ptrdiff_t desc_off;	/* our descriptor: pd + desc_off (CT_OURS) */
	/* A thread block: its static TLS, TCB, struct pthread and our
	 * descriptor span [tp - block_below, tp + block_above); tp is
	 * aligned to tls_static_align. */
	size_t block_below, block_above;
	size_t tls_static_size, tls_static_align;	/* incl. the TCB */
	ptrdiff_t libc_tls_off;	/* libc's static TLS block: tp - off */
	size_t libc_tls_size;
	/* What a new thread's block starts with: this image, then zeros. */
	const char *libc_tls_image;
	size_t libc_tls_image_size;
	/* The thread's rseq area, tp + rseq_off, rseq_len bytes of it ours
	 * to set up (0 before glibc had one); registered with the kernel
	 * only where glibc registered main's (rseq_register). */
	ptrdiff_t rseq_off;
	unsigned rseq_len;
	bool rseq_register;
	/* glibc's per-thread pointer to the resolver state, in libc's block */
	ptrdiff_t resp_off;
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
/* The kernel is to clear and wake the calling thread's tid word when it
 * exits, as pthread_join expects (glibc has another word cleared for
 * its initial thread since 2.43, and for a forked child's). */
hidden void ct_glibc_own_tid(struct ct_thread *self);
/* In fork's child: what a lost thread may have been doing once. */
hidden void ct_glibc_forked(struct ct_thread *self);
/* A thread of ours is on glibc's list of threads from its start to its
 * end, so that glibc does for it what it does for every thread
 * (threadlist.c says what). */
hidden void ct_glibc_list_thread(struct ct_thread *t);
hidden void ct_glibc_unlist_thread(struct ct_thread *t);
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

/* ---- glibc's own cancellation points (cancelpoint.c) ---- */

/* Do glibc's cancellation points make their system calls through one
 * stub (glibc 2.41 on)?  The first call learns it: a thread of ours and
 * a few milliseconds. */
hidden bool ct_glibc_cancel_stub(void);
/* It is known to: without learning it (a signal handler asks). */
hidden bool ct_glibc_cancel_stub_known(void);
/* Was the interrupted context inside that stub, its system call not made
 * yet, or failed with EINTR? */
hidden bool ct_glibc_in_cancel_stub(const ucontext_t *uc);
/* SIGCANCEL's value while the stub is learnt, and the handler's part. */
#define CT_CANCEL_PROBE 0x43540001
hidden void ct_glibc_cancel_probe_hit(const ucontext_t *uc);

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

/* ==== inside this folder only ==== */

/* A loaded object's dynamic symbol table (elf.c). */
struct ct_elf_map {
	struct link_map *map;
	const ElfW(Sym) *sym;
	const char *str;
	const uint32_t *gnu, *sysv;	/* hash tables */
	const ElfW(Half) *versym;
	size_t soname;			/* in str; 0 if none */
};
/* glibc's objects; libpthread only where the program loaded one. */
extern hidden struct ct_elf_map ct_elf_libc, ct_elf_ldso, ct_elf_libpthread;
hidden bool ct_elf_find_glibc(void);
/* A symbol the object defines at its default version, or NULL. */
hidden const ElfW(Sym) *ct_elf_lookup(const struct ct_elf_map *e,
				      const char *name);
/* Its address (NULL for a TLS symbol: see ct_elf_lookup's st_value). */
hidden void *ct_elf_sym(const struct ct_elf_map *e, const char *name);
/* A symbol from the object file's full symbol table, or NULL. */
hidden void *ct_elf_file_sym(const struct ct_elf_map *e, const char *name);
/* What the program's own lookup of `name' finds: the first object in
 * load order that defines it (*owner, if asked). */
hidden void *ct_elf_global(const char *name, struct link_map **owner);

/* threadlist.c: where glibc's list of threads is (start-up), and the
 * forking thread back on it in the child. */
hidden void ct_glibc_find_threadlist(void);
hidden void ct_glibc_relist_forked(struct ct_thread *self);

/* glibc's own definition of a symbol: libpthread's (where older
 * releases kept the thread functions), else libc's, else ld.so's. */
hidden void *ct_glibc_sym(const char *name);
/* Stop the program with one line saying what differs (layout.c). */
hidden _Noreturn void ct_glibc_refuse(const char *what);

/* glibc's calls the folder makes, found at start-up. */
struct ct_glibc_calls {
	void *(*dl_allocate_tls)(void *tcb);
	void (*dl_deallocate_tls)(void *tcb, bool free_tcb);
	void *(*dl_allocate_tls_init)(void *tcb, bool init_tls);
	void (*io_enable_locks)(void);
	void (*ctype_init)(void);
	void (*call_tls_dtors)(void);
	int (*cxa_thread_atexit_impl)(void (*)(void *), void *, void *);
	void (*res_nclose)(struct __res_state *);
	int (*libc_start_main)(int (*)(int, char **, char **), int, char **,
			       void (*)(void), void (*)(void), void (*)(void),
			       void *);
	/* The variables glibc and a program that mentions it (a copy
	 * relocation) each keep of __libc_single_threaded; NULL before
	 * glibc had one. */
	char *libc_single_threaded, *prog_single_threaded;
};
extern hidden struct ct_glibc_calls ct_glibc_call;

/* libc's own static TLS block of a thread. */
static inline char *ct_glibc_libc_block(const void *tp)
{
	return (char *)tp - ct_glibc.libc_tls_off;
}

/* keep.c: glibc's per-thread state, passed on from thread to thread:
 * libc's block and the tail of struct pthread. */
hidden size_t ct_glibc_state_size(void);
hidden void ct_glibc_save_state(const struct ct_thread *t, char *state);
hidden void ct_glibc_load_state(struct ct_thread *t, const char *state);
extern hidden ct_lock_t ct_glibc_keep_lock;	/* the pool */
/* Held while something is learnt once (tcache.c, cancelpoint.c). */
extern hidden ct_lock_t ct_glibc_once_lock;
/* The state of a region about to be unmapped, for a later thread. */
hidden void ct_glibc_keep(const char *state);
/* A kept state for a fresh region, if there is one (true). */
hidden bool ct_glibc_take(char *state);

/* tcache.c: malloc's per-thread cache.  Empty a libc block's cache into
 * the arenas, as glibc does at the end of its threads. */
hidden void ct_glibc_empty_tcache(char *block);
/* Learn where malloc keeps its per-thread cache, on the calling thread,
 * if glibc's malloc is the program's: once, before the first thread. */
hidden void ct_glibc_find_tcache(void);

#endif
