/* SPDX-License-Identifier: MIT */
/* A thread's TCB, made as glibc's pthread_create makes one: each write
 * names the glibc behaviour it serves.
 *
 * TLS is laid out by ld.so's own _dl_allocate_tls, not by us: it is what
 * glibc's allocate_stack uses, so every module's static block, the DTV
 * format, dynamic TLS (__tls_get_addr, TLS descriptors) and modules
 * dlopen'ed later are handled exactly as for glibc's threads.  The price
 * is a malloc'ed DTV per thread. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <locale.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/rseq.h>
#include <sys/syscall.h>
#include "glibc.h"

#define FIELD(base, off, type) (*CT_PD_FIELD(base, off, type))

/* TCB header words, per CPU (arch.h). */
static const ptrdiff_t tcb_self[] = CT_ARCH_TCB_SELF;
static const struct ct_tcb_word tcb_inherited[] = CT_ARCH_TCB_INHERITED;
#define END(array) ((array) + sizeof(array) / sizeof(*(array)))

size_t ct_glibc_block_bytes(void)
{
	return (ct_glibc.block_below + ct_glibc.block_above +
		ct_glibc.tls_static_align + ct_page_size - 1) & ~(ct_page_size - 1);
}

static void place(struct ct_thread *t, void *pd)
{
	t->pd = pd;
	t->tp = (char *)pd + ct_glibc.tp_off;
	t->tid = CT_PD_FIELD(pd, ct_glibc.off_tid, _Atomic int);
}

struct ct_thread *ct_glibc_place(void *map, size_t size)
{
	uintptr_t top = (uintptr_t)map + size;
	uintptr_t tp = (top - ct_glibc.block_above) &
		       ~(ct_glibc.tls_static_align - 1);
	char *pd = ct_tp_to_pd(tp);
	struct ct_thread *t = (struct ct_thread *)(pd + ct_glibc.desc_off);
	place(t, pd);
	return t;
}

void ct_glibc_adopt(struct ct_thread *t)
{
	place(t, ct_tp_to_pd(ct_get_tp()));
}

void ct_glibc_own_tid(struct ct_thread *self)
{
	ct_syscall(SYS_set_tid_address, (long)self->tid, 0, 0, 0, 0, 0);
}

hidden ct_lock_t ct_glibc_once_lock;

void ct_glibc_forked(struct ct_thread *self)
{
	/* A lost thread may have been learning something: the child learns
	 * it again (what is learnt is written before it counts as known). */
	ct_glibc_once_lock = (ct_lock_t){ 0 };
	if (self)
		ct_glibc_own_tid(self);
	if (self && self->kind == CT_OURS)
		ct_glibc_relist_forked(self);
}

void ct_glibc_go_multithreaded(void)
{
	/* glibc's code reads the *calling* thread's multiple_threads where
	 * the CPU's TCB has one (x86: the system call wrappers' cancellation
	 * check, and malloc's choice of its locked paths in older releases):
	 * every thread that creates one sets its own. */
	FIELD(ct_tp_to_pd(ct_get_tp()), CT_ARCH_MULTIPLE_THREADS, int) = 1;
	/* malloc's thread cache is learnt while the process has one thread
	 * (once; malloc.c). */
	ct_glibc_find_tcache();
	/* stdio (_IO_enable_locks makes every FILE lock), malloc and
	 * libstdc++'s reference counts skip their locks and atomics while
	 * __libc_single_threaded says so; glibc sets it again in a forked
	 * child.  Before glibc had it, stdio's locks are all there is to
	 * turn on, once. */
	struct ct_glibc_calls *c = &ct_glibc_call;
	static bool locks_on;
	if (c->libc_single_threaded ? *c->libc_single_threaded ||
				      *c->prog_single_threaded : !locks_on) {
		c->io_enable_locks();
		locks_on = true;
		if (c->libc_single_threaded) {
			*c->libc_single_threaded = 0;
			*c->prog_single_threaded = 0;
		}
	}
}

void ct_glibc_retire_tcb(struct ct_thread *t)
{
	char state[ct_glibc_state_size()];
	ct_glibc_empty_tcache(ct_glibc_libc_block(t->tp));
	ct_glibc_save_state(t, state);
	ct_glibc_keep(state);
	ct_glibc_call.dl_deallocate_tls(t->tp, false);	/* DTV, dynamic TLS */
	t->region.tls_ready = false;
}

/* Everything else is set up as for a fresh glibc thread. */
int ct_glibc_setup_tcb(struct ct_thread *t, bool live)
{
	void *pd = t->pd;
	char *tp = t->tp, *creator = (char *)ct_get_tp();
	char state[ct_glibc_state_size()], rseq[ct_glibc.rseq_len + 1];
	int tid = *t->tid;

	/* glibc's per-thread state passes on from the region's last thread
	 * (keep.c), or from a kept one; the rest of struct pthread starts
	 * at zero.  A parked thread also keeps its tid word (the kernel
	 * clears it when the thread finally exits) and the rseq area the
	 * kernel has registered and keeps writing. */
	bool have_state = t->region.tls_ready;
	if (have_state)
		ct_glibc_save_state(t, state);
	else
		have_state = ct_glibc_take(state);
	if (live)
		memcpy(rseq, tp + ct_glibc.rseq_off, ct_glibc.rseq_len);
	/* ld.so lays the static TLS out afresh and makes a DTV, as for a
	 * glibc thread (the last thread's DTV and dynamic TLS go first).
	 * _dl_allocate_tls is the call whose meaning no release changed. */
	if (t->region.tls_ready)
		ct_glibc_call.dl_deallocate_tls(tp, false);
	memset(pd, 0, ct_glibc.tail_off);
	t->region.tls_ready = ct_glibc_call.dl_allocate_tls(tp) != NULL;
	if (!t->region.tls_ready) {
		if (have_state)
			ct_glibc_keep(state);
		return EAGAIN;
	}
	if (have_state)
		ct_glibc_load_state(t, state);

	/* tcbhead: self pointers (THREAD_SELF); what the CPU keeps there of
	 * the process's secrets and settings (the canary checked by
	 * -fstack-protector code, the pointer guard that demangles function
	 * pointers other threads stored, ...), as the creator has them;
	 * multiple_threads, as glibc sets it in every new thread. */
	for (const ptrdiff_t *w = tcb_self; w < END(tcb_self); w++)
		FIELD(tp, *w, void *) = tp;
	for (const struct ct_tcb_word *w = tcb_inherited; w < END(tcb_inherited); w++)
		memcpy(tp + w->off, creator + w->off, w->size);
	FIELD(pd, CT_ARCH_MULTIPLE_THREADS, int) = 1;
	/* fork()'s child unlinks THREAD_SELF->list from glibc's thread
	 * lists: a self-linked node makes that a no-op.  (The tid is 0 until
	 * the kernel writes it at clone.) */
	void **list = &FIELD(pd, ct_glibc.off_list, void *);
	list[0] = list[1] = list;
	if (live) {
		*t->tid = tid;
		memcpy(tp + ct_glibc.rseq_off, rseq, ct_glibc.rseq_len);
	} else if (ct_glibc.rseq_len) {
		/* sched_getcpu reads rseq's cpu_id unchecked: -1
		 * (uninitialised) until the thread registers, -2 (failed)
		 * where none registers, and it asks the kernel. */
		memset(tp + ct_glibc.rseq_off, 0, ct_glibc.rseq_len);
		((struct rseq *)(tp + ct_glibc.rseq_off))->cpu_id =
			ct_glibc.rseq_register ? RSEQ_CPU_ID_UNINITIALIZED :
						 RSEQ_CPU_ID_REGISTRATION_FAILED;
	}
	return 0;
}

void ct_glibc_set_stack(struct ct_thread *t)
{
	/* __libc_alloca_cutoff sizes glibc's internal alloca use from this;
	 * left 0 it allows more than a small stack holds. */
	void *pd = t->pd;
	FIELD(pd, ct_glibc.off_stackblock, void *) = t->stack;
	FIELD(pd, ct_glibc.off_stackblock_size, size_t) = t->stack_avail;
	FIELD(pd, ct_glibc.off_guardsize, size_t) = t->region.guard_size;
}

/* glibc's own threads: the guard is at the low end of the block. */
void ct_glibc_stack(void *pd, void **addr, size_t *size, size_t *guard)
{
	*guard = FIELD(pd, ct_glibc.off_guardsize, size_t);
	*addr = FIELD(pd, ct_glibc.off_stackblock, char *) + *guard;
	*size = FIELD(pd, ct_glibc.off_stackblock_size, size_t) - *guard;
}

uintptr_t ct_glibc_stack_top(void *pd)
{
	return (uintptr_t)FIELD(pd, ct_glibc.off_stackblock, void *) +
	       FIELD(pd, ct_glibc.off_stackblock_size, size_t);
}

void ct_glibc_thread_start(struct ct_thread *t)
{
	char *tp = t->tp;
	/* Once per kernel thread: a parked one taken again has its area
	 * registered still.  sched_getcpu then reads the CPU from it. */
	if (ct_glibc.rseq_register && !t->kt.rseq_registered) {
		t->kt.rseq_registered = true;
		if (syscall(SYS_rseq, tp + ct_glibc.rseq_off, ct_glibc.rseq_len,
			    0, CT_ARCH_RSEQ_SIG) != 0)
			((struct rseq *)(tp + ct_glibc.rseq_off))->cpu_id =
				RSEQ_CPU_ID_REGISTRATION_FAILED;
	}
	/* A reused libc block carries the last thread's errno, locale and
	 * ctype pointers (isalpha & co. crash on NULL ones). */
	errno = 0;
	h_errno = 0;
	uselocale(LC_GLOBAL_LOCALE);
	ct_glibc_call.ctype_init();
	/* The thread's own resolver state, as each glibc thread has. */
	FIELD(ct_glibc_libc_block(tp), ct_glibc.resp_off, struct __res_state *) =
		&t->kt.res;
}

void ct_glibc_thread_exit(void)
{
	ct_glibc_call.call_tls_dtors();	/* C++ thread_local destructors */
}

void ct_glibc_thread_freeres(struct ct_thread *t)
{
	if (t->kt.res.nscount)
		ct_glibc_call.res_nclose(&t->kt.res);
	/* A pending dlerror() message would show in the next thread. */
	while (dlerror())
		;
}

void ct_glibc_drop_tcache(void)
{
	ct_glibc_empty_tcache(ct_glibc_libc_block((void *)ct_get_tp()));
}

extern void *__dso_handle;

void ct_glibc_at_foreign_exit(void (*fn)(void *), void *arg)
{
	/* Runs from glibc's own thread exit (__call_tls_dtors). */
	ct_glibc_call.cxa_thread_atexit_impl(fn, arg, &__dso_handle);
}
