/* SPDX-License-Identifier: MIT */
/* Opt-in reuse of ended kernel threads (reuse.c): what create, join and
 * exit ask of the pool of parked threads. */
#ifndef CT_REUSE_H
#define CT_REUSE_H

#include "thread.h"

/* A parked thread nobody takes within this time exits. */
#define CT_REUSE_IDLE_MS 2000

extern hidden ct_lock_t ct_reuse_lock;
hidden bool ct_reuse_on(void);
/* A joiner of the reusable thread t, whose pthread has not said it is
 * done: spin while that can pay (reuse.c); true once t->done changed,
 * false when it is time to sleep. */
hidden bool ct_reuse_join_spin(struct ct_thread *t);
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
/* A taken thread that could not be set up goes back to the pool. */
hidden void ct_reuse_give_back(struct ct_thread *t);
/* In a woken thread: drop thread-directed signals sent while parked. */
hidden void ct_reuse_drain(void);
/* In fork's child. */
hidden void ct_reuse_forget(void);
hidden void ct_reuse_from_env(void);

#endif
