/* Mutexes: every type and protocol over one of two futex words.
 *
 * Plain word (normal, adaptive, recursive, errorcheck, PP): 0 free,
 * 1 locked, 2 locked and perhaps waited for (Drepper's mutex #3).  An
 * unlock that finds 2 wakes one waiter; a woken waiter takes the lock
 * back at 2, since it cannot know whether others still sleep.
 *
 * Tid word (robust, PI): the kernel's format, owner tid | FUTEX_WAITERS |
 * FUTEX_OWNER_DIED.  The kernel reads it when an owner dies (robust list)
 * or when it queues waiters by priority (PI).
 *
 * Checked types keep the owner's tid in `owner' for EDEADLK/EPERM and
 * recursion; the normal type skips that, as glibc does. */
#define _GNU_SOURCE	/* <pthread.h> declares the clock* variants */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "sync.h"
#include "glibc/glibc.h"
#include "valgrind.h"

#define M(p) ((struct ct_mutex *)(p))

static inline bool shared_of(int kind)
{
	return kind & CT_MK_SHARED;
}

/* Waiters on a robust mutex sleep shared, private or not: when an owner
 * dies holding it, the kernel's wake from the robust list is a shared
 * wake, which a private sleeper would never see. */
static inline bool robust_shared(int kind)
{
	return kind & (CT_MK_SHARED | CT_MK_ROBUST);
}

/* ---- plain word ---- */

/* Adaptive mutexes spin this long at most before sleeping; the budget
 * follows the spins that recent acquisitions needed (`spins'). */
#define ADAPTIVE_MAX_SPIN 100

static bool adaptive_spin(struct ct_mutex *m)
{
	int budget = m->spins * 2 + 10, i;
	if (budget > ADAPTIVE_MAX_SPIN)
		budget = ADAPTIVE_MAX_SPIN;
	for (i = 0; i < budget; i++) {
		int c = 0;
		if (atomic_load_explicit(&m->lock, memory_order_relaxed) == 0 &&
		    atomic_compare_exchange_weak_explicit(&m->lock, &c, 1,
				memory_order_acquire, memory_order_relaxed)) {
			m->spins += (i - m->spins) / 8;
			return true;
		}
		ct_cpu_relax();
	}
	m->spins += (budget - m->spins) / 8;
	return false;
}

/* Block until the word is ours, leaving it at 2. */
static int plain_lock_wait(struct ct_mutex *m, int kind, clockid_t clock,
			   const struct timespec *abstime)
{
	while (atomic_exchange_explicit(&m->lock, 2, memory_order_acquire)) {
		int r = ct_futex_wait(&m->lock, 2, clock, abstime,
				      shared_of(kind));
		if (r == ETIMEDOUT || r == EINVAL)
			return r;
	}
	return 0;
}

static int plain_lock(struct ct_mutex *m, int kind, clockid_t clock,
		      const struct timespec *abstime, bool try)
{
	int c = 0;
	if (atomic_compare_exchange_strong_explicit(&m->lock, &c, 1,
			memory_order_acquire, memory_order_relaxed))
		return 0;
	if (try)
		return EBUSY;
	if ((kind & CT_MK_TYPE) == PTHREAD_MUTEX_ADAPTIVE_NP && adaptive_spin(m))
		return 0;
	return plain_lock_wait(m, kind, clock, abstime);
}

static inline void plain_unlock(struct ct_mutex *m, int kind)
{
	if (atomic_exchange_explicit(&m->lock, 0, memory_order_release) == 2)
		ct_futex_wake(&m->lock, 1, shared_of(kind));
}

/* ---- priority protection ---- */

/* Raise a real-time caller to the ceiling; returns the priority to
 * restore + 1, 0 for none, or -EINVAL if the caller is above the
 * ceiling.  Other policies have no priority to raise. */
static int pp_raise(int kind)
{
	int ceiling = (kind >> CT_MK_CEIL_SHIFT) & 0xfff;
	int policy = sched_getscheduler(0);
	struct sched_param sp;
	if ((policy != SCHED_FIFO && policy != SCHED_RR) ||
	    sched_getparam(0, &sp))
		return 0;
	if (sp.sched_priority > ceiling)
		return -EINVAL;
	if (sp.sched_priority == ceiling)
		return 0;
	int old = sp.sched_priority;
	sp.sched_priority = ceiling;
	return sched_setparam(0, &sp) ? 0 : old + 1;
}

static void pp_restore(int saved)
{
	if (saved) {
		struct sched_param sp = { .sched_priority = saved - 1 };
		sched_setparam(0, &sp);
	}
}

/* ---- checked types: recursive, errorcheck, PP ---- */

/* A lock that can never be had (the owner relocks a normal mutex, or a
 * non-robust PI owner died): wait out the deadline, or forever, as glibc
 * does -- POSIX's "attempting to relock causes deadlock". */
static int never(clockid_t clock, const struct timespec *abstime)
{
	_Atomic int zero = 0;
	int r;
	do
		r = ct_futex_wait(&zero, 0, clock, abstime, false);
	while (r != ETIMEDOUT && r != EINVAL);
	return r;
}

/* The owner locks again: one level more (recursive), EDEADLK
 * (errorcheck), or the deadlock POSIX prescribes for the others; a
 * trylock fails with EBUSY. */
static int relock_by_owner(struct ct_mutex *m, int kind, clockid_t clock,
			   const struct timespec *abstime, bool try)
{
	switch (kind & CT_MK_TYPE) {
	case PTHREAD_MUTEX_RECURSIVE:
		if (m->count == UINT_MAX)
			return EAGAIN;
		m->count++;
		return 0;
	case PTHREAD_MUTEX_ERRORCHECK:
		return try ? EBUSY : EDEADLK;
	default:
		return try ? EBUSY : never(clock, abstime);
	}
}

static int checked_lock(struct ct_mutex *m, int kind, clockid_t clock,
			const struct timespec *abstime, bool try)
{
	int tid = ct_self_tid();
	if (atomic_load_explicit(&m->owner, memory_order_relaxed) == tid)
		return relock_by_owner(m, kind, clock, abstime, try);
	int saved = 0;
	if (kind & CT_MK_PP) {
		saved = pp_raise(kind);
		if (saved < 0)
			return -saved;
	}
	int r = plain_lock(m, kind, clock, abstime, try);
	if (r) {
		pp_restore(saved);
		return r;
	}
	atomic_store_explicit(&m->owner, tid, memory_order_relaxed);
	m->count = 0;
	m->saved_prio = saved;
	return 0;
}

/* A recursive unlock takes one level off; a condvar wait (depth) takes
 * them all and keeps the count for its relock.  True while still held. */
static bool unwind_count(struct ct_mutex *m, unsigned *depth)
{
	if (depth) {
		*depth = m->count;
		m->count = 0;
		return false;
	}
	if (!m->count)
		return false;
	m->count--;
	return true;
}

static int checked_unlock(struct ct_mutex *m, int kind, unsigned *depth)
{
	if (atomic_load_explicit(&m->owner, memory_order_relaxed) !=
	    ct_self_tid())
		return EPERM;
	if (unwind_count(m, depth))
		return 0;
	int saved = m->saved_prio;
	atomic_store_explicit(&m->owner, 0, memory_order_relaxed);
	plain_unlock(m, kind);
	if (kind & CT_MK_PP)
		pp_restore(saved);
	return 0;
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
	bool shared = shared_of(kind);
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
			return relock_by_owner(m, kind, clock, abstime, try);
		/* A dead owner's word (robust) is taken over by the kernel
		 * even for trylock. */
		if (try && !(c & FUTEX_OWNER_DIED))
			return EBUSY;
		int r = ct_futex_lock_pi(&m->lock, clock, abstime,
					 shared_of(kind), try);
		if (try && (r == EAGAIN || r == EBUSY))
			return EBUSY;	/* FUTEX_TRYLOCK_PI: held */
		if (r == EAGAIN || r == EINTR)
			continue;	/* owner exiting: look again */
		if (r == ESRCH && !h)	/* a non-robust owner died */
			return never(clock, abstime);
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
			return relock_by_owner(m, kind, clock, abstime, try);
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
	if (unwind_count(m, depth))
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

/* ---- dispatch ---- */

static inline int load_kind(struct ct_mutex *m)
{
	return atomic_load_explicit(&m->kind, memory_order_relaxed);
}

int ct_mutex_acquire(struct ct_mutex *m, clockid_t clock,
		     const struct timespec *abstime, bool try)
{
	int kind = load_kind(m);
	if (unlikely(kind & ~CT_MK_VALID))
		return EINVAL;
	if (kind & (CT_MK_ROBUST | CT_MK_PI))
		return tid_lock(m, kind, clock, abstime, try);
	int type = kind & CT_MK_TYPE;
	if ((kind & CT_MK_PP) || type == PTHREAD_MUTEX_RECURSIVE ||
	    type == PTHREAD_MUTEX_ERRORCHECK)
		return checked_lock(m, kind, clock, abstime, try);
	return plain_lock(m, kind, clock, abstime, try);
}

int ct_mutex_release(struct ct_mutex *m, unsigned *depth)
{
	int kind = load_kind(m);
	if (unlikely(kind & ~CT_MK_VALID))
		return EINVAL;
	if (kind & (CT_MK_ROBUST | CT_MK_PI))
		return tid_unlock(m, kind, depth);
	int type = kind & CT_MK_TYPE;
	if ((kind & CT_MK_PP) || type == PTHREAD_MUTEX_RECURSIVE ||
	    type == PTHREAD_MUTEX_ERRORCHECK)
		return checked_unlock(m, kind, depth);
	plain_unlock(m, kind);
	return 0;
}

static inline int lock(struct ct_mutex *m)
{
	int kind = load_kind(m);
	/* A private normal mutex in a single-threaded process: nobody can
	 * race with us, so no atomic instruction (glibc does the same). */
	if (kind == 0 && ct_glibc_single_threaded() &&
	    atomic_load_explicit(&m->lock, memory_order_relaxed) == 0) {
		atomic_store_explicit(&m->lock, 1, memory_order_relaxed);
		return 0;
	}
	/* Fast path: a normal mutex, free. */
	if (likely((kind & ~CT_MK_SHARED) == 0)) {
		int c = 0;
		if (likely(atomic_compare_exchange_strong_explicit(&m->lock,
				&c, 1, memory_order_acquire,
				memory_order_relaxed)))
			return 0;
	}
	return ct_mutex_acquire(m, CLOCK_REALTIME, NULL, false);
}

static inline int unlock(struct ct_mutex *m)
{
	int kind = load_kind(m);
	if (kind == 0 && ct_glibc_single_threaded()) {
		atomic_store_explicit(&m->lock, 0, memory_order_relaxed);
		return 0;
	}
	if (likely((kind & ~CT_MK_SHARED) == 0)) {
		plain_unlock(m, kind);
		return 0;
	}
	return ct_mutex_release(m, NULL);
}

/* The entry points, each telling the race checkers (valgrind.h) from an
 * annotated copy. */

static ct_vg_annotated int vg_lock(struct ct_mutex *m)
{
	ct_vg_mutex_lock_pre(m, load_kind(m), false, false);
	int r = lock(m);
	ct_vg_mutex_lock_post(m, r);
	return r;
}

int pthread_mutex_lock(pthread_mutex_t *m)
{
	return ct_vg_listening() ? vg_lock(M(m)) : lock(M(m));
}

static ct_vg_annotated int vg_unlock(struct ct_mutex *m)
{
	ct_vg_mutex_unlock_pre(m, load_kind(m));
	int r = unlock(m);
	ct_vg_mutex_unlock_post(m);
	return r;
}

int pthread_mutex_unlock(pthread_mutex_t *m)
{
	return ct_vg_listening() ? vg_unlock(M(m)) : unlock(M(m));
}

static ct_vg_annotated int vg_acquire(struct ct_mutex *m, clockid_t clock,
				      const struct timespec *abstime, bool try)
{
	ct_vg_mutex_lock_pre(m, load_kind(m), try, abstime != NULL);
	int r = ct_mutex_acquire(m, clock, abstime, try);
	ct_vg_mutex_lock_post(m, r);
	return r;
}

static int acquire(struct ct_mutex *m, clockid_t clock,
		   const struct timespec *abstime, bool try)
{
	return ct_vg_listening() ? vg_acquire(m, clock, abstime, try)
				 : ct_mutex_acquire(m, clock, abstime, try);
}

int pthread_mutex_trylock(pthread_mutex_t *m)
{
	return acquire(M(m), CLOCK_REALTIME, NULL, true);
}

int pthread_mutex_clocklock(pthread_mutex_t *m, clockid_t clock,
			    const struct timespec *abstime)
{
	if (!ct_clock_ok(clock))
		return EINVAL;
	return acquire(M(m), clock, abstime, false);
}

int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *abstime)
{
	return acquire(M(m), CLOCK_REALTIME, abstime, false);
}

int ct_mutex_cond_unlock(struct ct_mutex *m, unsigned *depth)
{
	*depth = 0;
	return ct_mutex_release(m, depth);
}

int ct_mutex_cond_lock(struct ct_mutex *m, unsigned depth, bool contended)
{
	int kind = load_kind(m), r;
	if (contended && !(kind & (CT_MK_ROBUST | CT_MK_PI | CT_MK_PP))) {
		r = plain_lock_wait(m, kind, CLOCK_REALTIME, NULL);
		int type = kind & CT_MK_TYPE;
		if (type == PTHREAD_MUTEX_RECURSIVE ||
		    type == PTHREAD_MUTEX_ERRORCHECK)
			atomic_store_explicit(&m->owner, ct_self_tid(),
					      memory_order_relaxed);
	} else {
		r = ct_mutex_acquire(m, CLOCK_REALTIME, NULL, false);
	}
	if (r == 0 || r == EOWNERDEAD)
		m->count = depth;
	return r;
}

/* A sleeper on a plain word is safe once the word is seen at 2 after it
 * queued: the unlock that leaves 2 wakes one, and every woken sleeper
 * takes the word back at 2.  Or once the word is seen free and a wake
 * follows.  (The load comes after the requeue's futex bucket locks.) */
void ct_mutex_requeued(struct ct_mutex *m)
{
	int v = atomic_load(&m->lock);
	while (v != 2) {
		if (v == 0) {
			ct_futex_wake(&m->lock, 1, false);
			return;
		}
		if (atomic_compare_exchange_weak_explicit(&m->lock, &v, 2,
				memory_order_relaxed, memory_order_relaxed))
			return;
	}
}

/* ---- init, destroy, robustness, ceilings ---- */

int pthread_mutex_init(pthread_mutex_t *mm, const pthread_mutexattr_t *a)
{
	struct ct_mutex *m = M(mm);
	int kind = 0;
	if (a) {
		/* mutexattr.c stores the kind in the same encoding. */
		kind = *(const int *)a;
		if ((kind & CT_MK_ROBUST) && (kind & CT_MK_PP))
			return ENOTSUP;
	}
	ct_vg_mutex_init_pre(m, kind);
	*m = (struct ct_mutex){ .kind = kind };
	ct_vg_mutex_init_post(m, kind);
	return 0;
}

static int destroy(struct ct_mutex *m)
{
	int kind = load_kind(m);
	if (kind & ~CT_MK_VALID)
		return EINVAL;
	/* A robust mutex may be destroyed even while held (by a thread that
	 * may have died), as glibc allows. */
	int v = atomic_load_explicit(&m->lock, memory_order_relaxed);
	if (!(kind & CT_MK_ROBUST) && (kind & CT_MK_PI ? v & FUTEX_TID_MASK : v))
		return EBUSY;
	atomic_store_explicit(&m->kind, CT_MK_DESTROYED, memory_order_relaxed);
	return 0;
}

int pthread_mutex_destroy(pthread_mutex_t *mm)
{
	struct ct_mutex *m = M(mm);
	ct_vg_mutex_destroy_pre(m, ct_vg_untouched(m));
	int r = destroy(m);
	ct_vg_mutex_destroy_post(m, load_kind(m));
	return r;
}

int pthread_mutex_consistent(pthread_mutex_t *mm)
{
	struct ct_mutex *m = M(mm);
	int kind = load_kind(m);
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

int pthread_mutex_getprioceiling(const pthread_mutex_t *mm, int *ceiling)
{
	int kind = load_kind(M(mm));
	if ((kind & ~CT_MK_VALID) || !(kind & CT_MK_PP))
		return EINVAL;
	*ceiling = (kind >> CT_MK_CEIL_SHIFT) & 0xfff;
	return 0;
}

/* The ceiling changes under the mutex itself, as POSIX asks. */
int pthread_mutex_setprioceiling(pthread_mutex_t *mm, int ceiling, int *old)
{
	struct ct_mutex *m = M(mm);
	int kind = load_kind(m);
	if ((kind & ~CT_MK_VALID) || !(kind & CT_MK_PP) ||
	    ceiling < sched_get_priority_min(SCHED_FIFO) ||
	    ceiling > sched_get_priority_max(SCHED_FIFO))
		return EINVAL;
	bool owned = atomic_load_explicit(&m->owner, memory_order_relaxed) ==
		     ct_self_tid();
	if (!owned) {
		int r = ct_mutex_acquire(m, CLOCK_REALTIME, NULL, false);
		if (r)
			return r;
	}
	*old = (kind >> CT_MK_CEIL_SHIFT) & 0xfff;
	kind = (kind & ~(0xfff << CT_MK_CEIL_SHIFT)) |
	       ceiling << CT_MK_CEIL_SHIFT;
	atomic_store_explicit(&m->kind, kind, memory_order_relaxed);
	if (!owned)
		ct_mutex_release(m, NULL);
	return 0;
}

/* glibc's internal names, which some programs and libraries call. */
ct_alias(__pthread_mutex_lock, pthread_mutex_lock);
ct_alias(__pthread_mutex_unlock, pthread_mutex_unlock);
ct_alias(__pthread_mutex_trylock, pthread_mutex_trylock);
ct_alias(__pthread_mutex_init, pthread_mutex_init);
ct_alias(__pthread_mutex_destroy, pthread_mutex_destroy);
