/* The one internal header of clonethreads.
 *
 * A thread is described by a struct ct_thread (its descriptor) and runs on
 * a glibc-format `struct pthread' (its TCB, `pd'): glibc's code in the
 * thread reads its own fields there at the thread pointer.  For threads we
 * create, TCB and descriptor lie at the top of the thread's region; the
 * main thread and threads glibc started itself keep glibc's TCB and get a
 * heap descriptor on first use.
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
#ifndef CT_INTERNAL_H
#define CT_INTERNAL_H

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <bits/types/res_state.h>
#include <time.h>
#include <unwind.h>
#include <linux/futex.h>
#include "arch.h"

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

/* ---- futex.c: every futex call of the library goes through here ---- */

/* Wait while *addr == val.  abstime (may be NULL) is an absolute deadline
 * on `clock' (CLOCK_REALTIME or CLOCK_MONOTONIC).  Returns 0 on wake-up
 * (possibly spurious), EAGAIN if *addr != val, ETIMEDOUT, EINTR, or EINVAL
 * for a bad clock or timeout.  shared: no FUTEX_PRIVATE_FLAG. */
hidden int ct_futex_wait(_Atomic int *addr, int val, clockid_t clock,
			 const struct timespec *abstime, bool shared);
/* The same, as a cancellation point (cancel.c). */
hidden int ct_futex_wait_cp(_Atomic int *addr, int val, clockid_t clock,
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

/* Code that may run while the thread's TCB is rewritten under it (a
 * parked thread, reuse.c, and the set*id handler, which may run in one):
 * no TLS, no call through the PLT, and no stack protector, whose canary
 * is read from the TCB. */
#define ct_tcb_free __attribute__((no_stack_protector))

/* A small internal lock (0 free, 1 locked, 2 locked with waiters),
 * process-private.  Never held across a call into user code. */
typedef struct { _Atomic int v; } ct_lock_t;
hidden void ct_lock(ct_lock_t *l);
hidden void ct_unlock(ct_lock_t *l);

/* ---- the thread descriptor ---- */

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
	bool tls_ready;			/* DTV allocated by _dl_allocate_tls */
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
	struct ct_thread *pool_next, *pool_all;
	struct __cancel_jmp_buf_tag restart[1];	/* create.c's start */
};

struct ct_thread {
	/* The region (CT_OURS only): one mapping, low to high: guard, stack,
	 * static TLS, glibc TCB, this descriptor.  With a user-supplied stack
	 * the region holds no guard and no stack, only TLS, TCB, descriptor. */
	struct ct_region region;
	struct ct_kthread kt;

	/* ---- the pthread: from here on, zero when it starts ---- */
	char fresh[0];
	/* Thread list: every thread this library knows (ours, main, foreign
	 * ones that called into us), under ct_list_lock.  set*id broadcast
	 * and fork walk it. */
	struct ct_thread *next, *prev;
	void *pd;			/* glibc's struct pthread: the TCB */
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

	/* Cancellation (cancel.c); the state itself is glibc's cancelhandling
	 * word in the TCB, which glibc's cancellation points read too. */
	bool cancel_async;		/* the program chose asynchronous */
	struct _Unwind_Exception exc;	/* forced unwinding (unwind.c) */

	struct ct_thread *cache_next, *cache_prev;	/* region cache links */
	void *stack;			/* the stack as reported: lowest address */
	size_t stack_avail;		/* and size (TLS and TCB at its top) */
	size_t guard_asked;		/* reported; the region's may be more */
	void *stack_top;		/* where the thread's stack pointer starts */

	/* Thread-specific data (key.c). */
	bool specific_used;
	struct ct_key_value specific[CT_KEY_L1];
	struct ct_key_value *specific2[CT_KEY_L2];

};

/* ---- glibc.c: the only place that touches glibc-private state ---- */

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
	size_t page_size;
};
extern hidden struct ct_glibc ct_glibc;

hidden void ct_glibc_init(void);
/* Before the first clone: put glibc in multi-threaded mode. */
hidden void ct_glibc_go_multithreaded(void);
/* Fill the TCB of a new thread whose static TLS area ends at tp.  live:
 * the region's kernel thread is alive (parked): keep what the kernel holds
 * in the TCB (its tid word, the rseq area it writes). */
hidden int ct_glibc_setup_tcb(struct ct_thread *t, bool live);
/* Once the thread's stack is final: glibc's record of it. */
hidden void ct_glibc_set_stack(struct ct_thread *t);
/* Before a region that ran a thread is unmapped: keep libc's block. */
hidden void ct_glibc_retire_tcb(struct ct_thread *t);
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
/* The top of the calling thread's stack, as glibc records it (unwind.c
 * compares stack addresses relative to it). */
hidden uintptr_t ct_glibc_stack_top(void *pd);

#define CT_PD_FIELD(pd, off, type) ((type *)((char *)(pd) + (off)))
/* A TCB's thread pointer, and the other way round. */
static inline uintptr_t ct_pd_to_tp(void *pd)
{
	return (uintptr_t)pd + ct_glibc.tp_off;
}
static inline void *ct_tp_to_pd(uintptr_t tp)
{
	return (void *)(tp - ct_glibc.tp_off);
}

/* The kernel's set/clear-tid word: glibc's struct pthread tid field. */
static inline _Atomic int *ct_tid(const struct ct_thread *t)
{
	return CT_PD_FIELD(t->pd, ct_glibc.off_tid, _Atomic int);
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
/* A region with a fresh-looking TCB/TLS and a zeroed descriptor whose
 * handle, tid, map fields are set; EAGAIN/ENOMEM/EINVAL on failure. */
hidden int ct_region_get(struct ct_thread **out, size_t stack_size,
			 size_t guard_size);
/* Back to the cache; may be called before the kernel cleared its tid. */
hidden void ct_region_put(struct ct_thread *t);
/* A parked thread's region, its descriptor, TCB and TLS made fresh for
 * the pthread it will run next. */
hidden void ct_region_renew(struct ct_thread *t);
extern hidden ct_lock_t ct_cache_lock;

/* ---- attr.c ---- */
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

/* The thread's tid, with the thread kept from exiting until ct_unpin
 * (t->tid is then safe to pass to the kernel); 0 if it has exited
 * already (nothing to unpin). */
hidden int ct_pin(struct ct_thread *t);
hidden void ct_unpin(struct ct_thread *t);
/* At the exit decision: wait for the pins taken before it. */
hidden void ct_wait_unpinned(struct ct_thread *t, int state);

/* ---- fork.c ---- */
hidden void ct_fork_init(void);

/* ---- reuse.c: opt-in reuse of ended kernel threads ---- */
extern hidden ct_lock_t ct_reuse_lock;
hidden bool ct_reuse_on(void);
/* Spin while *word == val, briefly (a hand-over of reuse is about to
 * happen): true once it differs, false when it is time to sleep. */
hidden bool ct_reuse_wait_spin(_Atomic int *word, int val);
/* At a reusable thread's exit decision: park it if the pool has room
 * (never returns: it is either taken for a new pthread, through
 * kt.restart, or exits), else tell its joiner it ended, and return. */
hidden void ct_reuse_park(struct ct_thread *t, bool detached);
/* A joiner or detacher reaps t: true if it is parked (now or soon
 * available), false if it exited as usual (give its region back). */
hidden bool ct_reuse_reap(struct ct_thread *t);
/* A parked thread of this geometry, taken; NULL if none. */
hidden struct ct_thread *ct_reuse_take(size_t stack_size, size_t guard_size);
/* Start the taken thread, set up (ct_region_renew) for its new pthread. */
hidden void ct_reuse_wake(struct ct_thread *t);
/* In a woken thread: drop thread-directed signals sent while parked. */
hidden void ct_reuse_drain(void);
/* In fork's child. */
hidden void ct_reuse_forget(void);
hidden void ct_reuse_from_env(void);

/* ---- signal.c: signals, and the library's own ---- */

/* glibc's two internal signals (nptl/pthreadP.h): glibc's sigaction
 * refuses them, its sigprocmask never blocks them, sigfillset leaves them
 * out; the library installs its own handlers on them. */
#define CT_SIGCANCEL __SIGRTMIN
#define CT_SIGSETXID (__SIGRTMIN + 1)
static inline bool ct_internal_signal(int sig)
{
	return sig == CT_SIGCANCEL || sig == CT_SIGSETXID;
}
/* Make fn the handler of an internal signal unless it is already (glibc
 * installs its own when it starts a thread itself). */
hidden void ct_sigaction_internal(int sig,
				  void (*fn)(int, siginfo_t *, void *));
/* tgkill to a thread of ours, pinned (0 when it has exited). */
hidden int ct_signal_thread(struct ct_thread *t, int sig);

/* ---- setxid.c ---- */

/* At start-up and in a forked child: remember the threads there are
 * beside the caller, which are not the program's (an emulator's own). */
hidden void ct_setxid_note_outsiders(void);

/* ---- cancel.c: cancellation ---- */

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
/* Around the blocking system call of a cancellation point: a request
 * already made acts at once; one arriving during the call acts if the
 * call has had no effect yet (cancel.c explains). */
hidden int ct_cancel_point_enter(void);
hidden void ct_cancel_point_leave(int old);
/* Act on a request, if one is pending and enabled. */
hidden void ct_testcancel(void);
/* Set the deferred type for a cleanup region; returns the type to give
 * back to ct_cancel_type_restore (which acts on a pending request). */
hidden int ct_cancel_type_defer(void);
hidden void ct_cancel_type_restore(int type);
/* A thread's cancellation resources, at its exit. */
hidden void ct_cancel_thread_exit(struct ct_thread *t);

/* ---- unwind.c: forced unwinding (cancellation, pthread_exit) ---- */

/* glibc's private reading of the public __pthread_unwind_buf_t
 * (nptl/descr.h): pthread_cleanup_push's buffers and each thread's
 * outermost one, chained at the TCB's cleanup_jmp_buf. */
struct ct_unwind_buf {
	struct __cancel_jmp_buf_tag cancel_jmp_buf[1];
	struct ct_unwind_buf *prev;
	struct _pthread_cleanup_buffer *cleanup;	/* old-style, at push */
	int canceltype;
	void *unused;
};
_Static_assert(sizeof(struct ct_unwind_buf) == sizeof(__pthread_unwind_buf_t),
	       "glibc's unwind buffer");
/* glibc's entry points for the buffers, as <pthread.h> declares them for
 * programs built without exceptions (the library is built with them,
 * where the header leaves them out): __cleanup_fct_attribute passes the
 * buffer in a register on i386. */
void __pthread_register_cancel(__pthread_unwind_buf_t *) __cleanup_fct_attribute;
void __pthread_unregister_cancel(__pthread_unwind_buf_t *) __cleanup_fct_attribute;
void __pthread_register_cancel_defer(__pthread_unwind_buf_t *)
	__cleanup_fct_attribute;
void __pthread_unregister_cancel_restore(__pthread_unwind_buf_t *)
	__cleanup_fct_attribute;
_Noreturn void __pthread_unwind_next(__pthread_unwind_buf_t *)
	__cleanup_fct_attribute;
static inline struct ct_unwind_buf **ct_cleanup_jmp_buf(void *pd)
{
	return CT_PD_FIELD(pd, ct_glibc.off_cleanup_jmp_buf, struct ct_unwind_buf *);
}
static inline struct _pthread_cleanup_buffer **ct_cleanup_chain(void *pd)
{
	return CT_PD_FIELD(pd, ct_glibc.off_cleanup, struct _pthread_cleanup_buffer *);
}
/* __sigsetjmp on such a buffer: it is shorter than a jmp_buf, but with no
 * mask saved nothing beyond it is used. */
extern int ct_sigsetjmp(struct __cancel_jmp_buf_tag *env, int savemask)
	__asm__("__sigsetjmp") __attribute__((returns_twice, nothrow));
extern _Noreturn void ct_longjmp(struct __cancel_jmp_buf_tag *env, int val)
	__asm__("longjmp") __attribute__((nothrow));
/* The calling thread's outermost buffer, just set with ct_sigsetjmp in
 * the frame that runs the thread (or main). */
hidden void ct_unwind_outermost(struct ct_unwind_buf *buf);
/* End the calling thread by unwinding its stack to the buffer chain
 * (t->result says with what). */
hidden _Noreturn void ct_unwind(struct ct_thread *t);

#endif
