/* SPDX-License-Identifier: MIT */
/* fork(): glibc's fork runs the handlers registered with __register_atfork
 * (the list pthread_atfork feeds).
 *
 * The child has one thread, the one that forked; it inherits the memory
 * of every other, each caught wherever it was.  What it may use of that:
 *   - every structure the library keeps under its locks: the locks are
 *     taken across the fork, so none is caught half-changed;
 *   - no tid word but its own: no other thread will exit there to clear
 *     one, so the child clears them all (as glibc does for its threads),
 *     or a join, or a create waiting for a cached region, waits for ever;
 *   - not the TLS and glibc state of a thread that was running, or parked
 *     (malloc's cache among it, which it may have been changing): such a
 *     region goes to the cache as one that never ran a thread, its DTV
 *     and caches left to leak, as glibc leaves its lost threads';
 *   - the state of a region whose thread had ended (the cache, a thread
 *     not joined yet): it emptied its malloc cache first, and is kept. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "reuse.h"
#include "stats.h"
#include "sync.h"
#include "glibc/glibc.h"

extern void *__dso_handle;
extern int __register_atfork(void (*)(void), void (*)(void), void (*)(void), void *);

/* The locks the library's structures are kept under, taken in this
 * order: each may be taken while holding one before it, never one after
 * it (a set*id broadcast takes the list lock; the rest are taken alone). */
static ct_lock_t *const locks[] = {
	&ct_setxid_lock, &ct_key_lock, &ct_list_lock, &ct_reuse_lock,
	&ct_cache_lock, &ct_handle_lock, &ct_glibc_keep_lock,
	&ct_default_attr_lock, &ct_sem_named_lock,
};
#define NLOCKS (sizeof locks / sizeof *locks)

static void prepare(void)
{
	for (size_t i = 0; i < NLOCKS; i++)
		ct_lock(locks[i]);
}

static void parent(void)
{
	for (size_t i = NLOCKS; i-- > 0;)
		ct_unlock(locks[i]);
}

static void clear_tid(struct ct_thread *t)
{
	if (t != ct_self_desc)
		atomic_store(ct_tid(t), 0);
}

/* A thread that was running: its region is free, its TLS not to be
 * passed on.  A lost stand-in is dropped, except main's, which stays as
 * an ended thread: its handle may still be compared, or joined. */
static void lose(struct ct_thread *t)
{
	if (t->kind == CT_OURS) {
		t->region.tls_ready = false;
		ct_region_put(t);
	} else if (t->kind == CT_FOREIGN) {
		ct_standin_free(t);
	} else {
		atomic_fetch_or(&t->detach_state, CT_EXITED);
	}
}

static void child(void)
{
	struct ct_thread *self = ct_self_desc, *t = ct_list_head, *next;
	for (size_t i = 0; i < NLOCKS; i++)
		*locks[i] = (ct_lock_t){ 0 };
	ct_slots_each(clear_tid);
	ct_glibc_forked(self);
	ct_reuse_forget();
	if (unlikely(ct_stats_on)) ct_stats_forked();
	if (t) {
		do {
			next = t->next;
			if (t != self)
				lose(t);
		} while ((t = next) != ct_list_head);
	}
	ct_list_head = NULL;
	ct_live_threads = 1;
	ct_setxid_fork_child();
	if (self) {
		/* The kernel keeps no robust list and no timers across fork
		 * (glibc has set the TCB's tid). */
		self->kt.robust_registered = false;
		self->kt.cancel_timer_armed = false;
		/* A lost thread may have held it, setting our priority. */
		self->sched_lock = (ct_lock_t){ 0 };
		ct_list_add(self);
	}
}

void ct_fork_init(void)
{
	__register_atfork(prepare, parent, child, &__dso_handle);
}

/* Programs built against glibc call __register_atfork themselves (their
 * pthread_atfork is a static stub); this is for the others. */
int pthread_atfork(void (*prepare)(void), void (*parent)(void),
		   void (*child)(void))
{
	return __register_atfork(prepare, parent, child, &__dso_handle);
}
