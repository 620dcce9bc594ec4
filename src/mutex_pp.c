/* Priority-protection mutexes (PTHREAD_PRIO_PROTECT): a checked word
 * (mutex.c) whose owner runs at least at the mutex's ceiling, kept in the
 * high bits of the kind. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include "mutex.h"

#define M(p) ((struct ct_mutex *)(p))

static inline int ceiling_of(int kind)
{
	return (kind >> CT_MK_CEIL_SHIFT) & 0xfff;
}

/* Raise a real-time caller to the ceiling; returns the priority to
 * restore + 1, 0 for none, or -EINVAL if the caller is above the
 * ceiling.  Other policies have no priority to raise. */
static int pp_raise(int kind)
{
	int ceiling = ceiling_of(kind);
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


static int pp_lock(struct ct_mutex *m, int kind, clockid_t clock,
		   const struct timespec *abstime, bool try)
{
	if (atomic_load_explicit(&m->owner, memory_order_relaxed) ==
	    ct_self_tid())
		return ct_mutex_relock(m, kind, clock, abstime, try);
	int saved = pp_raise(kind);
	if (saved < 0)
		return -saved;
	int r = ct_mutex_checked_lock(m, kind, clock, abstime, try);
	if (r)
		pp_restore(saved);
	else
		m->saved_prio = saved;
	return r;
}

static int pp_unlock(struct ct_mutex *m, int kind, unsigned *depth)
{
	if (atomic_load_explicit(&m->owner, memory_order_relaxed) !=
	    ct_self_tid())
		return EPERM;
	/* Read while the mutex is still ours. */
	int saved = m->saved_prio;
	bool last = depth || !m->count;
	ct_mutex_checked_unlock(m, kind, depth);
	if (last)
		pp_restore(saved);
	return 0;
}

const struct ct_mutex_proto ct_mutex_pp_proto = { pp_lock, pp_unlock };

/* ---- ceilings ---- */

int pthread_mutex_getprioceiling(const pthread_mutex_t *mm, int *ceiling)
{
	int kind = ct_mutex_kind(M(mm));
	if ((kind & ~CT_MK_VALID) || !(kind & CT_MK_PP))
		return EINVAL;
	*ceiling = ceiling_of(kind);
	return 0;
}

/* The ceiling changes under the mutex itself, as POSIX asks. */
int pthread_mutex_setprioceiling(pthread_mutex_t *mm, int ceiling, int *old)
{
	struct ct_mutex *m = M(mm);
	int kind = ct_mutex_kind(m);
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
	*old = ceiling_of(kind);
	kind = (kind & ~(0xfff << CT_MK_CEIL_SHIFT)) |
	       ceiling << CT_MK_CEIL_SHIFT;
	atomic_store_explicit(&m->kind, kind, memory_order_relaxed);
	if (!owned)
		ct_mutex_release(m, NULL);
	return 0;
}
