/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include "reuse.h"
#include "stats.h"
#include "valgrind.h"

/* After this, nobody joins the thread.  If it has already passed its exit
 * decision (CT_EXITED) it will not free its region itself: we do. */
int pthread_detach(pthread_t th)
{
	struct ct_thread *t = ct_lookup(th);
	if (!t)
		return ESRCH;
	if (t->kind == CT_FOREIGN)
		return EINVAL;
	int s = ct_claim(t, CT_DETACHED);
	if (s < 0)
		return EINVAL;
	ct_vg_detached(th);
	if (unlikely(ct_stats_on)) ct_stats_detach(t, s);
	if (s & CT_EXITED)
		ct_reap(t);
	return 0;
}
