/* SPDX-License-Identifier: MIT */
/* glibc's list of threads that run on stacks of their own.
 *
 * glibc keeps every thread on one of two lists: dl_stack_used (stacks it
 * allocated) and dl_stack_user (stacks the program gave, and the main
 * thread).  What glibc does for all threads, it does by walking them:
 *   - a dlopen'ed module with initial-exec TLS gets its block initialised
 *     in every listed thread (_dl_init_static_tls): unlisted, a thread
 *     reads zeros, or a value of the module's last load;
 *   - dlclose and dlopen wait for every listed thread in the middle of a
 *     lazy symbol binding (the gscope flag in its TCB) before they change
 *     the scopes under it;
 *   - libthread_db (gdb) finds threads there.
 * So the library's threads join dl_stack_user from their start to their
 * end, under glibc's lock of the lists.  Never dl_stack_used: a forked
 * child moves the threads it lost from there into glibc's stack cache,
 * for glibc to reuse; fork's child puts the forking thread itself there
 * unless glibc marked its stack as the program's, so the library moves it
 * back (ct_glibc_forked).
 *
 * Where the list and the lock are: since glibc 2.34 in ld.so's
 * _rtld_global, the lists at libthread_db's offsets and the lock after
 * the user list, past the stack cache's list, its size and the in-flight
 * stack (48 bytes on, 24 on i386; the layout is checked: the main thread
 * is on the list, the cache's head is a list, the lock is free); before,
 * in libpthread,
 * by the names libthread_db looks them up by. */
#include "glibc.h"
#include "valgrind.h"

struct list {
	struct list *next, *prev;
};

static struct list *user;	/* NULL: no list found, nothing to join */
static ct_lock_t *lock;

static bool is_list(const struct list *l)
{
	return l && l->next && l->prev && l->next->prev == l && l->prev->next == l;
}

/* Is node on the list headed by head? */
static bool on(const struct list *head, const struct list *node)
{
	for (const struct list *l = head->next; l != head; l = l->next)
		if (l == node)
			return true;
	return false;
}

void ct_glibc_find_threadlist(void)
{
	struct list *main_node =
		CT_PD_FIELD(ct_tp_to_pd(ct_get_tp()), ct_glibc.off_list, struct list);
	char *rtld = ct_glibc_sym("_rtld_global");
	const uint32_t *used_d = ct_glibc_sym("_thread_db_rtld_global__dl_stack_used");
	const uint32_t *user_d = ct_glibc_sym("_thread_db_rtld_global__dl_stack_user");
	if (rtld && used_d && user_d) {
		struct list *used = (struct list *)(rtld + used_d[2]);
		user = (struct list *)(rtld + user_d[2]);
		/* the stack cache: a list, empty, so its size 0; no stack in
		 * flight; then the lock */
		struct list *cache = user + 1;
		size_t *cache_size = (size_t *)(cache + 1);
		uintptr_t *in_flight = (uintptr_t *)(cache_size + 1);
		lock = (ct_lock_t *)(in_flight + 1);
		if (used + 1 != user || !is_list(used) || !is_list(cache) ||
		    cache->next != cache || *cache_size || *in_flight)
			ct_glibc_refuse("glibc's thread lists not where expected");
	} else {
		user = ct_glibc_sym("__stack_user");
		lock = ct_glibc_sym("stack_cache_lock");
		if (!user || !lock)
			ct_glibc_refuse("glibc's list of threads on their own stacks not found");
	}
	if (!is_list(user) || !on(user, main_node) ||
	    atomic_load(&lock->v) != 0)
		ct_glibc_refuse("glibc's list of threads on their own stacks");
	/* The race checkers see the list's lock as a plain word: the head
	 * and the main thread's node, written under it by every thread, are
	 * ours to keep (the other nodes are in our threads' regions). */
	ct_vg_private(user, sizeof *user);
	ct_vg_private(main_node, sizeof *main_node);
}

static void add(struct list *node)
{
	node->next = user->next;
	node->prev = user;
	user->next->prev = node;
	user->next = node;
}

static void del(struct list *node)
{
	node->prev->next = node->next;
	node->next->prev = node->prev;
	node->next = node->prev = node;
}

void ct_glibc_list_thread(struct ct_thread *t)
{
	ct_lock(lock);
	add(CT_PD_FIELD(t->pd, ct_glibc.off_list, struct list));
	ct_unlock(lock);
}

void ct_glibc_unlist_thread(struct ct_thread *t)
{
	ct_lock(lock);
	del(CT_PD_FIELD(t->pd, ct_glibc.off_list, struct list));
	ct_unlock(lock);
}

/* In a forked child, alone: glibc has made its lists anew, the forking
 * thread on one of them. */
void ct_glibc_relist_forked(struct ct_thread *self)
{
	*lock = (ct_lock_t){ 0 };
	struct list *node = CT_PD_FIELD(self->pd, ct_glibc.off_list, struct list);
	del(node);
	add(node);
}
