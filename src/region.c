/* One mapping per thread, and the cache of them.
 *
 *   low                                                      high
 *   | guard | stack ..........................| thread block  |
 *           ^stack                            ^stack top
 *           <---------- stack size ---------->
 *
 * The thread block is the static TLS, glibc's TCB and struct pthread, and
 * our descriptor, around the thread pointer (glibc/layout.c), in
 * pages of its own at the top:
 *   TLS variant II (static TLS below the thread pointer):
 *     | static TLS | struct pthread = TCB | ours |
 *                  ^tp = pd
 *   TLS variant I (static TLS above it):
 *     | ours | struct pthread (+ TCB) | static TLS |
 *            ^pd                      ^tp
 *
 * The whole stack size asked for is stack, as in musl (glibc counts its
 * TLS and struct pthread in it): a thread can use at least as much of it
 * as under glibc, the guard sits right below it, and a thread touches the
 * same number of pages as a glibc one whose first frames share a page
 * with its TLS.  With a user-supplied stack the region holds only the
 * thread block.
 *
 * An exited thread's region goes back to the cache; idle regions beyond
 * CT_CACHE_MAX bytes (glibc's stack cache size) are unmapped, oldest
 * first, after glibc.c has kept their libc TLS block.  A cached region is
 * handed out again, or unmapped, only after the kernel has cleared its
 * tid word, i.e. after the last instruction of its old thread. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include "glibc/glibc.h"
#include "valgrind.h"

#define CT_CACHE_MAX (40UL << 20)

hidden ct_private ct_lock_t ct_cache_lock;
static ct_private struct ct_thread cache = { .cache_next = &cache, .cache_prev = &cache };
static ct_private size_t cache_bytes;	/* map_size of every cached region */

static void unlink_cached(struct ct_thread *t)
{
	t->cache_prev->cache_next = t->cache_next;
	t->cache_next->cache_prev = t->cache_prev;
	cache_bytes -= t->region.map_size;
}

static bool gone(struct ct_thread *t)
{
	return atomic_load_explicit(ct_tid(t), memory_order_acquire) == 0;
}

/* The per-pthread part of the descriptor: zero, and what follows from the
 * region's layout. */
static void lay_out_pthread(struct ct_thread *t)
{
	memset(t->fresh, 0, sizeof *t - offsetof(struct ct_thread, fresh));
	t->kind = CT_OURS;
	t->stack = (char *)t->region.map + t->region.guard_size;
	t->stack_avail = t->region.stack_size;
	t->stack_top = (char *)t->stack + t->stack_avail;
}

static struct ct_thread *lay_out(struct ct_region r)
{
	struct ct_thread *t = ct_glibc_place(r.map, r.map_size);
	/* A new kernel thread: nothing of the last one's (lay_out_pthread
	 * zeroes the rest). */
	memset(&t->kt, 0, sizeof t->kt);
	t->region = r;
	lay_out_pthread(t);
	return t;
}

static int map_region(struct ct_region *r, size_t stack_size,
		      size_t guard_size)
{
	size_t size;
	if (__builtin_add_overflow(stack_size, guard_size, &size) ||
	    __builtin_add_overflow(size, ct_glibc_block_bytes(), &size))
		return EINVAL;
	void *map = mmap(NULL, size, guard_size ? PROT_NONE : PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (map == MAP_FAILED)
		return EAGAIN;
	if (guard_size && mprotect((char *)map + guard_size, size - guard_size,
				   PROT_READ | PROT_WRITE)) {
		munmap(map, size);
		return EAGAIN;
	}
	*r = (struct ct_region){ map, size, stack_size, guard_size, 0, false };
	return 0;
}

/* Take a cached region of this geometry, the most recently used one
 * whose old thread is fully gone if there is one; NULL if none. */
static struct ct_thread *take_cached(size_t stack_size, size_t guard_size)
{
	struct ct_thread *t, *match = NULL;
	ct_lock(&ct_cache_lock);
	for (t = cache.cache_next; t != &cache; t = t->cache_next) {
		if (t->region.stack_size != stack_size || t->region.guard_size != guard_size)
			continue;
		if (!match)
			match = t;
		if (gone(t)) {
			match = t;
			break;
		}
	}
	if (match)
		unlink_cached(match);
	ct_unlock(&ct_cache_lock);
	return match;
}

int ct_region_get(struct ct_thread **out, size_t stack_size, size_t guard_size)
{
	struct ct_region r;
	struct ct_thread *old = take_cached(stack_size, guard_size);
	if (old) {
		/* A detached thread puts its region back just before it
		 * exits: wait for the kernel's clear-tid wake. */
		ct_wait_gone(old);
		r = old->region;
	} else {
		int err = map_region(&r, stack_size, guard_size);
		if (err)
			return err;
	}
	struct ct_thread *t = lay_out(r);
	if (!old)
		ct_vg_private_region(t);
	int err = old ? 0 : ct_slot_alloc(t, &t->region.slot);
	if (err) {
		munmap(r.map, r.map_size);
		return err;
	}
	err = ct_glibc_setup_tcb(t, false);
	if (err) {
		ct_region_put(t);
		return err;
	}
	t->handle = ct_handle(t->region.slot);
	*out = t;
	return 0;
}

int ct_region_renew(struct ct_thread *t)
{
	lay_out_pthread(t);
	int err = ct_glibc_setup_tcb(t, true);
	if (err)
		return err;
	/* The kernel keeps the robust list's place; an ended pthread that
	 * held robust mutexes was not parked (reuse.c), so it is empty. */
	struct robust_list_head *h = &t->kt.robust_head;
	h->list.next = &h->list;
	h->list_op_pending = NULL;
	t->handle = ct_handle(t->region.slot);
	return 0;
}

void ct_region_put(struct ct_thread *t)
{
	struct ct_thread *victims = NULL, *v;
	ct_handle_retire(t->region.slot);	/* its handles are stale now */
	ct_lock(&ct_cache_lock);
	t->cache_next = cache.cache_next;
	t->cache_prev = &cache;
	t->cache_next->cache_prev = t;
	cache.cache_next = t;
	cache_bytes += t->region.map_size;
	/* Trim from the oldest end, never a region still running. */
	for (v = cache.cache_prev; cache_bytes > CT_CACHE_MAX && v != &cache; ) {
		struct ct_thread *prev = v->cache_prev;
		if (gone(v)) {
			unlink_cached(v);
			v->cache_next = victims;
			victims = v;
		}
		v = prev;
	}
	ct_unlock(&ct_cache_lock);
	while ((v = victims)) {
		victims = v->cache_next;
		if (v->region.tls_ready)
			ct_glibc_retire_tcb(v);
		ct_slot_free(v->region.slot);
		munmap(v->region.map, v->region.map_size);
	}
}
