/* SPDX-License-Identifier: MIT */
/* Statistics of thread spawning (stats.c): what creating, starting and
 * joining threads cost this process, reported when it ends
 * (CLONETHREADS_STATS=FILE; clonethreads-run --stats).
 *
 * Each event of a thread's life calls in through one line,
 *	if (unlikely(ct_stats_on)) ct_stats_...(...);
 * and where an event lasts (create, join), its beginning is read only when
 * on:
 *	uint64_t called = unlikely(ct_stats_on) ? ct_stats_begin(...) : 0;
 * so that with statistics off an event costs one load and one branch never
 * taken, and no clock is read. */
#ifndef CT_STATS_H
#define CT_STATS_H

#include <stdint.h>
#include "thread.h"

/* Set once, by the library's constructor (stats.c); never changed after. */
extern hidden bool ct_stats_on;

/* The two events that last: their beginning, on CLOCK_MONOTONIC in ns
 * (and, for some, the calling thread's CPU time, kept aside). */
enum ct_stats_event { CT_STATS_CREATE, CT_STATS_JOIN, CT_STATS_LASTING };
hidden uint64_t ct_stats_begin(enum ct_stats_event e);

/* pthread_create, before the new thread can run: `called' is when the
 * call began; `poolable' whether a parked thread could have run it (no
 * stack of the program's, no scheduling set by the creator); `reused'
 * whether one does. */
hidden void ct_stats_create(struct ct_thread *t, uint64_t called,
			    bool poolable, bool reused);
/* pthread_create, returning err, with the attributes the program gave
 * (attrp) and the defaults (def). */
hidden void ct_stats_created(uint64_t called, const pthread_attr_t *attrp,
			     const struct ct_attr *def, int err);
/* The new thread, just before its start routine; and at its end. */
hidden void ct_stats_start(struct ct_thread *t);
hidden void ct_stats_exit(struct ct_thread *t);
/* A join that returns t's value, called at `called'. */
hidden void ct_stats_join(struct ct_thread *t, uint64_t called);
/* pthread_detach of t, whose detach state was `state' before. */
hidden void ct_stats_detach(struct ct_thread *t, int state);
/* In fork's child: counts of its own, from zero. */
hidden void ct_stats_forked(void);

#endif
