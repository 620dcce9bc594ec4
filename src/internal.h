/* The one internal header of clonethreads.
 *
 * A thread handle (pthread_t) is the address of a glibc-format `struct
 * pthread' block of ct_glibc.pd_size bytes, followed by our own descriptor
 * (struct ct_thread) at handle + ct_glibc.desc_off.  For threads we create
 * the block is the thread's real TCB (the thread pointer points at it, so
 * glibc's code in the thread reads its fields); for the main thread and
 * threads glibc started itself it is a zeroed stand-in with the tid filled,
 * so that glibc functions handed such a handle still read valid fields.
 *
 * Ownership of a thread we created: the mapping that holds its stack, TLS,
 * TCB and descriptor (a "region") belongs to the thread while it runs.  The
 * detach_state word decides who gives it back to the region cache after
 * the thread is gone: the thread itself when detached, else its joiner.
 * A region is reused only once the kernel has cleared its tid word
 * (CLONE_CHILD_CLEARTID), i.e. after the last instruction of its thread. */
#ifndef CT_INTERNAL_H
#define CT_INTERNAL_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <bits/types/res_state.h>
#include <time.h>
#include <linux/futex.h>
#include "arch.h"

#define hidden __attribute__((visibility("hidden")))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
/* An exported second name for a function (glibc's __pthread_* aliases). */
#define ct_alias(name, target) \
	__typeof(target) name __attribute__((alias(#target), copy(target)))

/* ---- futex.c: every futex call of the library goes through here ---- */

/* Wait while *addr == val.  abstime (may be NULL) is an absolute deadline
 * on `clock' (CLOCK_REALTIME or CLOCK_MONOTONIC).  Returns 0 on wake-up
 * (possibly spurious), EAGAIN if *addr != val, ETIMEDOUT, EINTR, or EINVAL
 * for a bad clock or timeout.  shared: no FUTEX_PRIVATE_FLAG. */
hidden int ct_futex_wait(_Atomic int *addr, int val, clockid_t clock,
			 const struct timespec *abstime, bool shared);
hidden int ct_futex_wake(_Atomic int *addr, int n, bool shared);
/* Wake `wake' waiters on addr and move up to `requeue' more to addr2,
 * if *addr still equals val (FUTEX_CMP_REQUEUE). */
hidden int ct_futex_requeue(_Atomic int *addr, int wake, int requeue,
			    _Atomic int *addr2, int val, bool shared);
/* The clocks a timed wait accepts. */
static inline bool ct_clock_ok(clockid_t c)
{
	return c == CLOCK_REALTIME || c == CLOCK_MONOTONIC;
}
/* EINVAL unless ts is a valid timespec (0 <= tv_nsec < 1e9). */
hidden int ct_check_timespec(const struct timespec *ts);

/* Priority inheritance (FUTEX_LOCK_PI/TRYLOCK_PI/UNLOCK_PI); try: never
 * block.  Return 0 or the error. */
/* Take a PI futex word for the caller (kernel queues by priority and
 * boosts the owner).  try: FUTEX_TRYLOCK_PI.  Returns 0, ETIMEDOUT,
 * EDEADLK, EINVAL, or another kernel error. */
hidden int ct_futex_lock_pi(_Atomic int *addr, clockid_t clock,
			    const struct timespec *abstime, bool shared,
			    bool try);
hidden int ct_futex_unlock_pi(_Atomic int *addr, bool shared);

/* A small internal lock (0 free, 1 locked, 2 locked with waiters),
 * process-private.  Never held across a call into user code. */
typedef struct { _Atomic int v; } ct_lock_t;
hidden void ct_lock(ct_lock_t *l);
hidden void ct_unlock(ct_lock_t *l);

/* ---- the thread descriptor ---- */

/* detach_state bits.  The thread's exit sets CT_EXITED with one atomic
 * OR: that is the single point deciding who frees the region.  If
 * CT_DETACHED was already set, the thread does; otherwise whoever later
 * joins, or detaches it, does. */
enum {
	CT_DETACHED = 1,	/* nobody will join: the thread frees itself */
	CT_EXITED = 2,		/* past its exit decision */
	CT_JOINING = 4,		/* a joiner has claimed it */
};

enum ct_kind {
	CT_OURS,	/* created by pthread_create here: owns a region */
	CT_MAIN,	/* the process's initial thread */
	CT_FOREIGN,	/* started by glibc itself (timers, mq_notify, ...) */
};

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
	bool tls_ready;			/* DTV allocated by _dl_allocate_tls */
};

struct ct_thread {
	/* Thread list: every thread this library knows (ours, main, foreign
	 * ones that called into us), under ct_list_lock.  set*id broadcast
	 * and fork walk it. */
	struct ct_thread *next, *prev;
	pthread_t handle;		/* glibc-format block before us */
	_Atomic int detach_state;	/* CT_DETACHED | CT_EXITED | CT_JOINING */
	unsigned char kind;		/* enum ct_kind */
	void *foreign_pd;		/* not ours: glibc's real struct pthread */

	void *(*start)(void *);
	void *arg;
	void *result;
	sigset_t sigmask;		/* the child's first act installs it */
	_Atomic int startup;		/* 0 go, 1 wait for the creator, 2 abort */

	/* The region (CT_OURS only): one mapping, low to high: guard, stack,
	 * static TLS, glibc TCB, this descriptor.  With a user-supplied stack
	 * the region holds no guard and no stack, only TLS, TCB, descriptor. */
	struct ct_region region;
	struct ct_thread *cache_next, *cache_prev;	/* region cache links */
	void *stack;			/* the stack as reported: lowest address */
	size_t stack_avail;		/* and size (TLS and TCB at its top) */
	void *stack_top;		/* where the thread's stack pointer starts */

	/* Thread-specific data (key.c). */
	bool specific_used;
	struct ct_key_value specific[CT_KEY_L1];
	struct ct_key_value *specific2[CT_KEY_L2];

	/* Robust mutexes held (registered with set_robust_list on first use,
	 * see mutex code). */
	struct robust_list_head robust_head;
	bool robust_registered;

	/* Resolver state: glibc points each thread's __resp at its own. */
	struct __res_state res;
};

/* ---- glibc.c: the only place that touches glibc-private state ---- */

struct ct_glibc {
	size_t pd_size;		/* sizeof glibc's struct pthread */
	size_t off_tid, off_list, off_stackblock, off_stackblock_size,
	       off_guardsize;
	size_t desc_off;	/* our descriptor: handle + desc_off */
	size_t tls_static_size, tls_static_align;	/* incl. the TCB */
	ptrdiff_t libc_tls_off;	/* libc's static TLS block: tp - off */
	size_t libc_tls_size;
	int rseq_off;		/* __rseq_offset */
	unsigned rseq_size;	/* __rseq_size, 0 if glibc did not register */
	size_t page_size;
};
extern hidden struct ct_glibc ct_glibc;

hidden void ct_glibc_init(void);
/* Before the first clone: put glibc in multi-threaded mode. */
hidden void ct_glibc_go_multithreaded(void);
/* Fill the TCB of a new thread whose static TLS area ends at tp. */
hidden int ct_glibc_setup_tcb(struct ct_thread *t);
/* Once the thread's stack is final: glibc's record of it. */
hidden void ct_glibc_set_stack(struct ct_thread *t);
/* Before a region that ran a thread is unmapped: keep libc's block. */
hidden void ct_glibc_retire_tcb(struct ct_thread *t);
/* Stand-in block for the main thread or a glibc-created one. */
hidden void ct_glibc_init_standin(void *pd, int tid);
/* In the new thread, before its start routine / at its exit. */
hidden void ct_glibc_thread_start(struct ct_thread *t);
hidden void ct_glibc_thread_exit(struct ct_thread *t);
/* Ask glibc to call fn(arg) when a glibc-created thread exits. */
hidden void ct_glibc_at_foreign_exit(void (*fn)(void *), void *arg);

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
/* The kernel's set/clear-tid word: glibc's struct pthread tid field. */
static inline _Atomic int *ct_tid(const struct ct_thread *t)
{
	return (_Atomic int *)((char *)t->handle + ct_glibc.off_tid);
}
/* Set a new thread's ct_self_desc from its creator, before clone. */
hidden void ct_self_install(struct ct_thread *t);
static inline struct ct_thread *ct_desc(pthread_t h)
{
	return (struct ct_thread *)((char *)h + ct_glibc.desc_off);
}

/* ---- list.c ---- */
extern hidden ct_lock_t ct_list_lock;
extern hidden struct ct_thread *ct_list_head;	/* circular; NULL if empty */
extern hidden _Atomic int ct_live_threads;	/* ours + main, alive */
hidden void ct_list_add(struct ct_thread *t);
hidden void ct_list_del(struct ct_thread *t);

/* ---- region.c: one mapping per thread, and the cache of them ---- */
/* A region with a fresh-looking TCB/TLS and a zeroed descriptor whose
 * handle, tid, map fields are set; EAGAIN/ENOMEM/EINVAL on failure. */
hidden int ct_region_get(struct ct_thread **out, size_t stack_size,
			 size_t guard_size);
/* Back to the cache; may be called before the kernel cleared its tid. */
hidden void ct_region_put(struct ct_thread *t);
extern hidden ct_lock_t ct_cache_lock;

/* ---- attr.c ---- */
struct ct_attr {			/* the inside of a pthread_attr_t */
	int detach, policy, inherit, scope;
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
/* pthread_setattr_default_np's attributes (default_attr.c). */
hidden void ct_attr_init_default(void);
hidden int ct_attr_get_default(struct ct_attr *out);	/* ENOMEM */
/* Deep copy (ext); ENOMEM.  ct_attr_free releases a copy's ext. */
hidden int ct_attr_copy(struct ct_attr *dst, const struct ct_attr *src);
hidden void ct_attr_free(struct ct_attr *a);

/* ---- key.c ---- */
hidden void ct_key_run_destructors(struct ct_thread *t);

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

/* ---- fork.c ---- */
hidden void ct_fork_init(void);

#endif
