/* SPDX-License-Identifier: MIT */
/* Priority-protection mutexes (PTHREAD_PRIO_PROTECT): a checked word
 * (mutex.c) whose owner runs at least at the mutex's ceiling, kept in the
 * high bits of the kind.  Its own priority, above the ceiling, makes a
 * lock EINVAL; what is raised, and what the program sees meanwhile, is
 * sched.c's. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include "mutex.h"

#define M(p) ((struct ct_mutex *)(p))

static inline int ceiling_of(int kind)
{
	return (kind >> CT_MK_CEIL_SHIFT) & 0xfff;
}

/* The owner holds the mutex's ceiling (sched.c): taken before the word,
 * so that it competes for it at the ceiling already, given back after. */
static int pp_lock(struct ct_mutex *m, int kind, clockid_t clock,
		   const struct timespec *abstime, bool try)
{
	if (atomic_load_explicit(&m->owner, memory_order_relaxed) ==
	    ct_self_tid())
		return ct_mutex_relock(m, kind, clock, abstime, try);
	int ceiling = ceiling_of(kind);
	int r = ct_sched_pp(0, ceiling);
	if (r)
		return r;
	r = ct_mutex_checked_lock(m, kind, clock, abstime, try);
	if (r)
		ct_sched_pp(ceiling, 0);
	else
		m->held_ceiling = ceiling;
	return r;
}

static int pp_unlock(struct ct_mutex *m, int kind, unsigned *depth)
{
	if (atomic_load_explicit(&m->owner, memory_order_relaxed) !=
	    ct_self_tid())
		return EPERM;
	/* Read while the mutex is still ours. */
	int ceiling = m->held_ceiling;
	bool last = depth || !m->count;
	ct_mutex_checked_unlock(m, kind, depth);
	if (last)
		ct_sched_pp(ceiling, 0);
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
	int r = owned ? ct_sched_pp(m->held_ceiling, ceiling)
		      : ct_mutex_acquire(m, CLOCK_REALTIME, NULL, false);
	if (r)
		return r;
	if (owned)	/* the owner holds the new ceiling from now on */
		m->held_ceiling = ceiling;
	*old = ceiling_of(kind);
	kind = (kind & ~(0xfff << CT_MK_CEIL_SHIFT)) |
	       ceiling << CT_MK_CEIL_SHIFT;
	atomic_store_explicit(&m->kind, kind, memory_order_relaxed);
	if (!owned)
		ct_mutex_release(m, NULL);
	return 0;
}
