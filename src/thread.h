/* SPDX-License-Identifier: MIT */
/* The thread descriptor, and what the files of a thread's life (create,
 * exit, join, detach, the region cache, handles, keys, attributes) say to
 * each other.
 *
 * A thread is described by a struct ct_thread (its descriptor) and runs on
 * a glibc-format `struct pthread' (its TCB, `pd'): glibc's code in the
 * thread reads its own fields there at the thread pointer (glibc/glibc.h
 * is the one place that knows them).  For threads we create, TCB and
 * descriptor lie at the top of the thread's region; the main thread and
 * threads glibc started itself keep glibc's TCB and get a heap descriptor
 * on first use.
 *
 * A thread handle (pthread_t) is not an address: it names a slot of the
 * handle table and the slot's generation (handle.c), so that a handle of a
 * thread that is gone is recognised (ESRCH) without touching its memory.
 *
 * Ownership of a thread we created: the mapping that holds its stack, TLS,
 * TCB and descriptor (a "region") belongs to the thread while it runs.  The
 * detach_state word decides who gives it back to the region cache after
 * the thread is gone: the thread itself when detached, else its joiner.
 * A region is reused only once the kernel has cleared its tid word
 * (CLONE_CHILD_CLEARTID), i.e. after the last instruction of its thread. */
#ifndef CT_THREAD_H
#define CT_THREAD_H

#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <unwind.h>
#include <linux/futex.h>
#include <bits/types/res_state.h>
#include "arch_common.h"
#include "defs.h"
#include "futex.h"

/* The page size, from start-up on. */
extern hidden size_t ct_page_size;

/* A jump buffer that saves no signal mask: the part of a jmp_buf that
 * glibc's __sigsetjmp fills and longjmp reads when the mask was not saved
 * (<pthread.h>'s struct __cancel_jmp_buf_tag, which older glibc leaves
 * unnamed). */
struct ct_jmp_buf {
	__jmp_buf regs;
	int mask_was_saved;
};
extern int ct_setjmp(struct ct_jmp_buf *env, int savemask)
	__asm__("__sigsetjmp") __attribute__((returns_twice, nothrow));
extern _Noreturn void ct_longjmp(struct ct_jmp_buf *env, int val)
	__asm__("longjmp") __attribute__((nothrow));

/* detach_state bits.  The thread's exit sets CT_EXITED with one atomic
 * OR: that is the single point deciding who frees the region.  If
 * CT_DETACHED was already set, the thread does; otherwise whoever later
 * joins, or detaches it, does.  Above the bits, a count of threads about
 * to make a system call on this one's tid (ct_pin): the exit waits for
 * them, so that no signal or setting goes to a tid the kernel has given
 * to a new thread. */
enum {
	CT_DETACHED = 1,	/* nobody will join: the thread frees itself */
	CT_EXITED = 2,		/* past its exit decision */
	CT_JOINING = 4,		/* a joiner has claimed it */
	CT_PINNED = 8,		/* one pin (a count, in the bits above) */
};

/* A new thread's start: at once, after its creator has applied
 * scheduling attributes, or not at all (its creation failed). */
enum ct_startup { CT_GO, CT_WAIT, CT_ABORT };

enum ct_kind {
	CT_OURS,	/* created by pthread_create here: owns a region */
	CT_MAIN,	/* the process's initial thread */
	CT_FOREIGN,	/* started by glibc itself (timers, mq_notify, ...) */
};

/* Real-time priorities, 1 to 99 on Linux (MAX_RT_PRIO - 1), index the
 * holds of priority-protection ceilings. */
#define CT_PP_LEVELS 100

#define CT_KEY_L1 32		/* keys with inline value slots */
#define CT_KEY_L2 ((PTHREAD_KEYS_MAX + CT_KEY_L1 - 1) / CT_KEY_L1)

struct ct_key_value {
	uintptr_t seq;		/* key generation the value belongs to */
	void *value;
};

/* What a region is; it survives in the cache from thread to thread. */
struct ct_region {
	void *map;
	size_t map_size;
	size_t stack_size, guard_size;	/* cache key (0, 0: user stack) */
	unsigned slot;			/* its handle-table slot (handle.c) */
	bool tls_ready;			/* DTV allocated by ld.so */
};

/* What belongs to the kernel thread rather than to the pthread running
 * on it: kept when a parked thread takes on a new pthread (reuse.c). */
struct ct_kthread {
	/* Cancellation's retry timer (cancel.c), made for this tid. */
	bool cancel_timer_armed;
	int cancel_timer;
	/* Robust mutexes held (registered with set_robust_list on first use,
	 * see mutex code). */
	struct robust_list_head robust_head;
	bool robust_registered;
	bool rseq_registered;
	/* Reuse (reuse.c). */
	bool reusable;			/* it may park when its pthread ends */
	bool ready, reaped;		/* parked: both make it available */
	_Atomic int park;		/* where it is in the pool; its futex */
	_Atomic int sleeping;		/* asleep on park, or woken, not run yet */
	_Atomic int partner_cpu;	/* its joiner's or creator's, last seen */
	struct ct_thread *pool_next, *pool_all;
	struct ct_jmp_buf restart;	/* create.c's start */
	/* The resolver's state, each thread's own as in glibc (glibc/). */
	struct __res_state res;
};

struct ct_thread {
	/* The region (CT_OURS only): one mapping, low to high: guard, stack,
	 * static TLS, glibc TCB, this descriptor.  With a user-supplied stack
	 * the region holds no guard and no stack, only TLS, TCB, descriptor. */
	struct ct_region region;
	struct ct_kthread kt;
	/* Where glibc's struct pthread is, the thread pointer, and the
	 * kernel's set/clear-tid word in it (glibc/glibc.h places them). */
	void *pd, *tp;
	_Atomic int *tid;

	/* ---- the pthread: from here on, zero when it starts ---- */
	char fresh[0];
	/* Thread list: every thread this library knows (ours, main, foreign
	 * ones that called into us), under ct_list_lock.  set*id broadcast
	 * and fork walk it. */
	struct ct_thread *next, *prev;
	pthread_t handle;
	_Atomic int detach_state;	/* CT_DETACHED | CT_EXITED | CT_JOINING */
	unsigned char kind;		/* enum ct_kind */
	unsigned slot;			/* stand-ins: their handle-table slot */

	void *(*start)(void *);
	void *arg;
	void *result;
	sigset_t sigmask;		/* with have_sigmask: the child's mask */
	bool have_sigmask;
	_Atomic int startup;		/* enum ct_startup */
	_Atomic int *vg_named;		/* under valgrind only (valgrind.h) */

	/* A reusable thread's end, for its joiner: 1 ended, 2 waited for. */
	_Atomic int done;

	/* Statistics (stats.c), when on: when its create was called, then
	 * when its start routine began; whether a parked thread could run
	 * it (reuse.c); the weight of its start in the CPU sample. */
	uint64_t stats_time;
	bool stats_poolable;
	unsigned stats_weight;

	/* Cancellation (cancel.c); the state itself is glibc's, in the TCB,
	 * where glibc's cancellation points read it too. */
	bool cancel_async;		/* the program chose asynchronous */
	unsigned char cancel_retries;	/* SIGCANCEL resent (cancel.c) */
	struct _Unwind_Exception exc;	/* forced unwinding (unwind.c) */

	struct ct_thread *cache_next, *cache_prev;	/* region cache links */
	void *stack;			/* the stack as reported: lowest address */
	size_t stack_avail;		/* and size (TLS and TCB at its top) */
	size_t guard_asked;		/* reported; the region's may be more */
	void *stack_top;		/* where the thread's stack pointer starts */

	/* Priority protection (sched.c), under sched_lock.  pp_held counts
	 * the priority-protection mutexes held at each ceiling, pp_max is
	 * the highest ceiling held (0: none).  While there is one, the
	 * thread's own policy and priority are kept here -- what the program
	 * set and sees -- and the kernel has the higher of the priority and
	 * pp_max (under a real-time policy). */
	ct_lock_t sched_lock;
	int pp_max, own_policy, own_prio;
	unsigned short pp_held[CT_PP_LEVELS];

	/* Thread-specific data (key.c). */
	bool specific_used;
	struct ct_key_value specific[CT_KEY_L1];
	struct ct_key_value *specific2[CT_KEY_L2];
};

/* The kernel's set/clear-tid word: the thread's tid while it runs. */
static inline _Atomic int *ct_tid(const struct ct_thread *t)
{
	return t->tid;
}

/* ---- self.c ---- */

/* The calling thread's descriptor; the main thread and glibc-created
 * threads get one on first use. */
extern hidden __thread struct ct_thread *ct_self_desc
	__attribute__((tls_model("initial-exec")));
hidden struct ct_thread *ct_self_slow(void);
static inline struct ct_thread *ct_self(void)
{
	struct ct_thread *t = ct_self_desc;
	return likely(t != NULL) ? t : ct_self_slow();
}
/* Set a new thread's ct_self_desc from its creator, before clone. */
hidden void ct_self_install(struct ct_thread *t);
/* A stand-in descriptor is gone (its thread ended, or fork lost it). */
hidden void ct_standin_free(struct ct_thread *t);

/* ---- handle.c: pthread_t values ---- */

/* A slot for a region or a stand-in descriptor, pointing at t; EAGAIN
 * when the table is full.  Freed when the region is unmapped. */
hidden int ct_slot_alloc(struct ct_thread *t, unsigned *slot);
hidden void ct_slot_free(unsigned slot);
/* The handle of the thread now in the slot. */
hidden pthread_t ct_handle(unsigned slot);
/* fn(t) for the descriptor in every slot (fork's child: nothing else
 * runs). */
hidden void ct_slots_each(void (*fn)(struct ct_thread *t));
extern hidden ct_lock_t ct_handle_lock;
/* Every handle made from the slot so far stops being valid. */
hidden void ct_handle_retire(unsigned slot);
/* The descriptor a handle names, or NULL for a handle of a thread that is
 * gone (joined, or ended detached) and for garbage. */
hidden struct ct_thread *ct_lookup(pthread_t h);

/* ---- list.c ---- */
extern hidden ct_lock_t ct_list_lock;
extern hidden struct ct_thread *ct_list_head;	/* circular; NULL if empty */
extern hidden _Atomic int ct_live_threads;	/* ours + main, alive */
hidden void ct_list_add(struct ct_thread *t);
hidden void ct_list_del(struct ct_thread *t);

/* ---- region.c: one mapping per thread, and the cache of them ---- */
/* While fewer threads than this are alive, a region given back is about
 * to be reused by the next create: an exiting thread keeps its stack
 * pages (exit.c), and a create waits for a thread that is ending rather
 * than map a fresh region (region.c). */
#define CT_HOT_REGIONS 8
/* A region with a fresh-looking TCB/TLS and a zeroed descriptor whose
 * handle, tid, map fields are set; EAGAIN/ENOMEM/EINVAL on failure. */
hidden int ct_region_get(struct ct_thread **out, size_t stack_size,
			 size_t guard_size);
/* Back to the cache; may be called before the kernel cleared its tid. */
hidden void ct_region_put(struct ct_thread *t);
/* A parked thread's region, its descriptor, TCB and TLS made fresh for
 * the pthread it will run next; EAGAIN when TLS cannot be allocated. */
hidden int ct_region_renew(struct ct_thread *t);
extern hidden ct_lock_t ct_cache_lock;

/* ---- attr.c, default_attr.c ---- */
struct ct_attr {			/* the inside of a pthread_attr_t */
	signed char detach, policy, inherit, scope;	/* i386's is 36 bytes */
	struct sched_param param;
	bool have_stack;
	size_t guard_size;
	void *stack_addr;		/* lowest address */
	size_t stack_size;
	struct ct_attr_ext *ext;	/* NULL unless cpuset/sigmask set */
};
struct ct_attr_ext {
	cpu_set_t *cpuset;
	size_t cpusetsize;
	bool have_sigmask;
	sigset_t sigmask;
};
_Static_assert(sizeof(struct ct_attr) <= sizeof(pthread_attr_t),
	       "our attributes must fit glibc's pthread_attr_t");
#define CT_ATTR(a) ((struct ct_attr *)(a))
/* pthread_setattr_default_np's attributes. */
hidden void ct_attr_init_default(void);
hidden int ct_attr_get_default(struct ct_attr *out);	/* ENOMEM */
extern hidden ct_lock_t ct_default_attr_lock;
/* Deep copy (ext); ENOMEM.  ct_attr_free releases a copy's ext. */
hidden int ct_attr_copy(struct ct_attr *dst, const struct ct_attr *src);
hidden void ct_attr_free(struct ct_attr *a);

/* ---- key.c ---- */
hidden void ct_key_run_destructors(struct ct_thread *t);
extern hidden ct_lock_t ct_key_lock;

/* ---- exit.c ---- */
hidden _Noreturn void ct_thread_exit(struct ct_thread *t, void *result);

/* ---- join.c ---- */
hidden int ct_join(pthread_t th, void **res, clockid_t clock,
		   const struct timespec *abstime, bool try);
/* Set `bit' (CT_JOINING or CT_DETACHED) in the thread's detach state,
 * unless it is detached or claimed by a joiner already: then -1.  Returns
 * the state before. */
hidden int ct_claim(struct ct_thread *t, int bit);
/* Until the kernel has cleared t's tid word: the thread is gone. */
hidden void ct_wait_gone(struct ct_thread *t);
/* Give a finished joinable (or late-detached) thread's region back. */
hidden void ct_reap(struct ct_thread *t);

/* ---- pin.c ---- */
/* The thread's tid, with the thread kept from exiting until ct_unpin
 * (its tid is then safe to pass to the kernel); 0 if it has exited
 * already (nothing to unpin). */
hidden int ct_pin(struct ct_thread *t);
hidden void ct_unpin(struct ct_thread *t);
/* At the exit decision: wait for the pins taken before it. */
hidden void ct_wait_unpinned(struct ct_thread *t, int state);

/* ---- sched.c ---- */
/* Thread t's own scheduling (tid: t pinned): not what priority-protection
 * mutexes raise it to.  0 or an errno. */
hidden int ct_sched_get(struct ct_thread *t, int tid, int *policy,
			struct sched_param *param);
/* Priority protection: the calling thread gives back a hold of ceiling
 * `give' and takes one of `take' (0: none), and the kernel gets its new
 * priority.  A new hold (give 0) of a ceiling below the thread's own
 * real-time priority is EINVAL; too many holds of one ceiling EAGAIN; a
 * raise the kernel refuses its error, and nothing is taken. */
hidden int ct_sched_pp(int give, int take);

/* ---- fork.c ---- */
hidden void ct_fork_init(void);

/* ---- setxid.c ---- */
/* At start-up: remember the threads there are beside the caller, which
 * are not the program's (an emulator's own); in a forked child, again
 * where there were any. */
hidden void ct_setxid_note_outsiders(void);
hidden void ct_setxid_fork_child(void);
extern hidden ct_lock_t ct_setxid_lock;	/* one broadcast at a time */

#endif
