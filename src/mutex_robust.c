/* SPDX-License-Identifier: MIT */
/* Robust and priority-inheritance mutexes: the tid word, in the kernel's
 * format -- owner tid | FUTEX_WAITERS | FUTEX_OWNER_DIED.  The kernel
 * reads it when an owner dies (the robust list: it marks each word the
 * dead thread still owns and wakes a waiter) and when it queues waiters
 * by priority and boosts the owner (PI: FUTEX_LOCK_PI, FUTEX_UNLOCK_PI).
 * A robust mutex whose owner died is taken with EOWNERDEAD; unlocked
 * without pthread_mutex_consistent, it can never be taken again. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "mutex.h"

#define M(p) ((struct ct_mutex *)(p))

/* Waiters on a robust mutex sleep shared, private or not: when an owner
 * dies holding it, the kernel's wake from the robust list is a shared
 * wake, which a private sleeper would never see. */
static inline bool robust_shared(int kind)
{
	return kind & (CT_MK_SHARED | CT_MK_ROBUST);
}

/* ---- robust list ---- */

/* The kernel walks the caller's list of held robust mutexes when it dies
 * and marks each word it still owns FUTEX_OWNER_DIED.  list_op_pending
 * covers the one mutex between "word taken" and "linked" (or "unlinked"
 * and "word released"), so a death at any instruction is seen. */
static struct robust_list_head *robust_head(void)
{
	struct ct_thread *self = ct_self();
	struct robust_list_head *h = &self->kt.robust_head;
	if (unlikely(!self->kt.robust_registered)) {
		h->list.next = &h->list;
		h->futex_offset = offsetof(struct ct_mutex, lock) -
				  offsetof(struct ct_mutex, next);
		h->list_op_pending = NULL;
		syscall(SYS_set_robust_list, h, sizeof *h);
		self->kt.robust_registered = true;
	}
	return h;
}

static inline struct ct_mutex *node_mutex(struct robust_list *n)
{
	return (struct ct_mutex *)((char *)n - offsetof(struct ct_mutex, next));
}

/* The compiler must not move list stores across the futex word updates:
 * the kernel reads both in this thread's context when it dies. */
#define KERNEL_VISIBLE() atomic_signal_fence(memory_order_seq_cst)

/* The kernel tells PI entries by bit 0 of the pointer to them (it must
 * hand their words over through the PI state, not wake a waiter). */
static inline struct robust_list *tagged(struct ct_mutex *m, int kind)
{
	return (struct robust_list *)((uintptr_t)&m->next |
				      !!(kind & CT_MK_PI));
}

static inline struct robust_list *untag(struct robust_list *n)
{
	return (struct robust_list *)((uintptr_t)n & ~(uintptr_t)1);
}

/* The node before n, whose `next' leads to it.  Doubly linked, `prev'
 * (untagged) makes this O(1).  Singly linked, the list is walked from the
 * head: it holds the mutexes the thread owns, most recently locked first,
 * which is usually the one unlocked. */
static struct robust_list *robust_prev(struct robust_list_head *h,
				       struct ct_mutex *m)
{
#if __PTHREAD_MUTEX_HAVE_PREV
	return m->prev;
#else
	struct robust_list *p = &h->list;
	while (untag(p->next) != &m->next)
		p = untag(p->next);
	return p;
#endif
}

/* Doubly linked: the node after `prev' now is n (tagged or the head). */
static inline void set_prev(struct robust_list_head *h, struct robust_list *n,
			    struct robust_list *prev)
{
#if __PTHREAD_MUTEX_HAVE_PREV
	if (untag(n) != &h->list)
		node_mutex(untag(n))->prev = prev;
#endif
}

/* Push m in front. */
static void robust_link(struct robust_list_head *h, struct ct_mutex *m,
			int kind)
{
	struct robust_list *first = h->list.next;
	m->next.next = first;
	set_prev(h, &m->next, &h->list);
	set_prev(h, first, &m->next);
	KERNEL_VISIBLE();
	h->list.next = tagged(m, kind);
	KERNEL_VISIBLE();
}

static void robust_unlink(struct robust_list_head *h, struct ct_mutex *m)
{
	struct robust_list *n = m->next.next, *p = robust_prev(h, m);
	p->next = n;
	set_prev(h, n, p);
	KERNEL_VISIBLE();
}

static inline void pending(struct robust_list_head *h, struct ct_mutex *m,
			   int kind)
{
	KERNEL_VISIBLE();
	if (h)
		h->list_op_pending = m ? tagged(m, kind) : NULL;
	KERNEL_VISIBLE();
}

/* ---- tid word: robust and/or PI ---- */

static void tid_release(struct ct_mutex *m, int kind, int tid, bool all);

/* The word is ours now: finish the acquisition for a robust mutex. */
static int tid_acquired(struct ct_mutex *m, int kind, int tid,
			struct robust_list_head *h, bool owner_died)
{
	if (!h)
		return 0;
	if (atomic_load_explicit(&m->owner, memory_order_relaxed) ==
	    CT_OWNER_NOTRECOVERABLE) {
		tid_release(m, kind, tid, true);
		return ENOTRECOVERABLE;
	}
	m->count = 0;
	if (owner_died)
		atomic_store_explicit(&m->owner, CT_OWNER_INCONSISTENT,
				      memory_order_relaxed);
	robust_link(h, m, kind);
	return owner_died ? EOWNERDEAD : 0;
}

/* Give the word back; all: wake every waiter (the mutex just became
 * unrecoverable, each must see that). */
static void tid_release(struct ct_mutex *m, int kind, int tid, bool all)
{
	bool shared = ct_mutex_shared(kind);
	if (kind & CT_MK_PI) {
		int c = tid;
		if (!atomic_compare_exchange_strong_explicit(&m->lock, &c, 0,
				memory_order_release, memory_order_relaxed))
			ct_futex_unlock_pi(&m->lock, shared);
		return;
	}
	int old = atomic_exchange_explicit(&m->lock, 0, memory_order_release);
	if (all || (old & FUTEX_WAITERS))
		ct_futex_wake(&m->lock, all ? INT_MAX : 1, robust_shared(kind));
}

static int pi_lock(struct ct_mutex *m, int kind, int tid,
		   struct robust_list_head *h, clockid_t clock,
		   const struct timespec *abstime, bool try)
{
	for (;;) {
		int c = 0;
		if (atomic_compare_exchange_strong_explicit(&m->lock, &c, tid,
				memory_order_acquire, memory_order_relaxed))
			return tid_acquired(m, kind, tid, h, false);
		if ((c & FUTEX_TID_MASK) == tid)
			return ct_mutex_relock(m, kind, clock, abstime, try);
		/* A dead owner's word (robust) is taken over by the kernel
		 * even for trylock. */
		if (try && !(c & FUTEX_OWNER_DIED))
			return EBUSY;
		int r = ct_futex_lock_pi(&m->lock, clock, abstime,
					 ct_mutex_shared(kind), try);
		if (try && (r == EAGAIN || r == EBUSY))
			return EBUSY;	/* FUTEX_TRYLOCK_PI: held */
		if (r == EAGAIN || r == EINTR)
			continue;	/* owner exiting: look again */
		if (r == ESRCH && !h)	/* a non-robust owner died */
			return ct_mutex_never(clock, abstime);
		if (r)
			return r;
		int v = atomic_load_explicit(&m->lock, memory_order_relaxed);
		bool died = v & FUTEX_OWNER_DIED;
		if (died)
			atomic_fetch_and_explicit(&m->lock, ~FUTEX_OWNER_DIED,
						  memory_order_relaxed);
		return tid_acquired(m, kind, tid, h, died && h);
	}
}

static int robust_lock(struct ct_mutex *m, int kind, int tid,
		       struct robust_list_head *h, clockid_t clock,
		       const struct timespec *abstime, bool try)
{
	int slept = 0;	/* FUTEX_WAITERS once we slept: others may sleep */
	int v = atomic_load_explicit(&m->lock, memory_order_relaxed);
	for (;;) {
		if ((v & FUTEX_TID_MASK) == 0) {
			int nv = tid | (v & FUTEX_WAITERS) | slept;
			if (!atomic_compare_exchange_weak_explicit(&m->lock,
					&v, nv, memory_order_acquire,
					memory_order_relaxed))
				continue;
			return tid_acquired(m, kind, tid, h,
					    v & FUTEX_OWNER_DIED);
		}
		if ((v & FUTEX_TID_MASK) == tid)
			return ct_mutex_relock(m, kind, clock, abstime, try);
		if (try)
			return EBUSY;
		if (!(v & FUTEX_WAITERS) &&
		    !atomic_compare_exchange_weak_explicit(&m->lock, &v,
				v | FUTEX_WAITERS, memory_order_relaxed,
				memory_order_relaxed))
			continue;
		int r = ct_futex_wait(&m->lock, v | FUTEX_WAITERS, clock,
				      abstime, robust_shared(kind));
		if (r == ETIMEDOUT || r == EINVAL)
			return r;
		slept = FUTEX_WAITERS;
		v = atomic_load_explicit(&m->lock, memory_order_relaxed);
	}
}

static int tid_lock(struct ct_mutex *m, int kind, clockid_t clock,
		    const struct timespec *abstime, bool try)
{
	int tid = ct_self_tid();
	struct robust_list_head *h = NULL;
	if (kind & CT_MK_ROBUST) {
		if (atomic_load_explicit(&m->owner, memory_order_relaxed) ==
		    CT_OWNER_NOTRECOVERABLE)
			return ENOTRECOVERABLE;
		h = robust_head();
		pending(h, m, kind);
	}
	int r = kind & CT_MK_PI
		? pi_lock(m, kind, tid, h, clock, abstime, try)
		: robust_lock(m, kind, tid, h, clock, abstime, try);
	pending(h, NULL, kind);	/* linked by now, or not ours */
	return r;
}

static int tid_unlock(struct ct_mutex *m, int kind, unsigned *depth)
{
	int tid = ct_self_tid();
	if ((atomic_load_explicit(&m->lock, memory_order_relaxed) &
	     FUTEX_TID_MASK) != tid)
		return EPERM;
	if (ct_mutex_unwind_count(m, depth))
		return 0;
	if (!(kind & CT_MK_ROBUST)) {
		tid_release(m, kind, tid, false);
		return 0;
	}
	/* Unlocked without pthread_mutex_consistent: unusable forever. */
	bool lost = atomic_load_explicit(&m->owner, memory_order_relaxed) ==
		    CT_OWNER_INCONSISTENT;
	struct robust_list_head *h = robust_head();
	pending(h, m, kind);
	robust_unlink(h, m);
	atomic_store_explicit(&m->owner, lost ? CT_OWNER_NOTRECOVERABLE : 0,
			      memory_order_relaxed);
	tid_release(m, kind, tid, lost);
	pending(h, NULL, kind);
	return 0;
}

const struct ct_mutex_proto ct_mutex_tid_proto = { tid_lock, tid_unlock };

/* ---- robustness ---- */

int pthread_mutex_consistent(pthread_mutex_t *mm)
{
	struct ct_mutex *m = M(mm);
	int kind = ct_mutex_kind(m);
	if ((kind & ~CT_MK_VALID) || !(kind & CT_MK_ROBUST) ||
	    atomic_load_explicit(&m->owner, memory_order_relaxed) !=
	    CT_OWNER_INCONSISTENT ||
	    (atomic_load_explicit(&m->lock, memory_order_relaxed) &
	     FUTEX_TID_MASK) != ct_self_tid())
		return EINVAL;
	atomic_store_explicit(&m->owner, 0, memory_order_relaxed);
	return 0;
}

ct_alias(pthread_mutex_consistent_np, pthread_mutex_consistent);
