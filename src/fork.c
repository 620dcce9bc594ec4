/* fork(): glibc's fork runs the handlers registered with __register_atfork
 * (the list pthread_atfork feeds).  Our internal locks are taken across
 * the fork so that the child never inherits one held by a thread that
 * does not exist there, and the child forgets the threads it lost. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "reuse.h"
#include "glibc/glibc.h"
#include "stats.h"

extern void *__dso_handle;
extern int __register_atfork(void (*)(void), void (*)(void), void (*)(void), void *);

/* Always taken in this order (the list lock is taken inside the cache
 * lock nowhere, so any fixed order is deadlock-free). */
static void prepare(void)
{
	ct_lock(&ct_key_lock);
	ct_lock(&ct_list_lock);
	ct_lock(&ct_reuse_lock);
	ct_lock(&ct_cache_lock);
}

static void parent(void)
{
	ct_unlock(&ct_cache_lock);
	ct_unlock(&ct_reuse_lock);
	ct_unlock(&ct_list_lock);
	ct_unlock(&ct_key_lock);
}

/* A thread that did not survive the fork never exits here: its region
 * is free.  A lost stand-in is dropped, except main's, which stays as an
 * ended thread: its handle may still be compared, or joined. */
static void lose(struct ct_thread *t)
{
	atomic_store(ct_tid(t), 0);
	if (t->kind == CT_OURS)
		ct_region_put(t);
	else if (t->kind == CT_FOREIGN)
		ct_standin_free(t);
	else
		atomic_fetch_or(&t->detach_state, CT_EXITED);
}

static void child(void)
{
	struct ct_thread *self = ct_self_desc, *t = ct_list_head, *next;
	ct_key_lock = ct_list_lock = ct_reuse_lock = ct_cache_lock = (ct_lock_t){ 0 };
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
	ct_setxid_note_outsiders();
	if (self) {
		/* The kernel keeps no robust list and no timers across fork
		 * (glibc has set the TCB's tid). */
		self->kt.robust_registered = false;
		self->kt.cancel_timer_armed = false;
		ct_glibc_own_tid(self);
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
