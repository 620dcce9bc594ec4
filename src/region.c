/* SPDX-License-Identifier: MIT */
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
 * first, after glibc/keep.c has kept their libc TLS block.  A cached region is
 * handed out again, or unmapped, only after the kernel has cleared its
 * tid word, i.e. after the last instruction of its old thread.
 *
 * A region given back while its thread still runs (a detached thread's
 * own, at its end) waits on the `dying' queue, in order, until the kernel
 * has cleared its tid; the cache proper holds only regions whose thread
 * is gone.  So neither handing out nor trimming walks past regions still
 * running: with thousands of threads ending at once, a walk over them
 * under the lock made every exit slower the more there were.
 *
 * A thread giving back its own region is ending and has emptied its
 * malloc cache (ct_glibc_drop_tcache): a malloc or free there would set
 * up a new cache -- and, in a thread that never allocated, a new malloc
 * arena, 64 MiB of address space each, up to 8 per CPU.  Retiring a
 * region's thread block (glibc/: ct_glibc_retire_tcb) frees its malloc
 * cache and DTV, so an ending thread trims only the stacks: it unmaps a
 * victim's guard and stack and leaves the thread block, a `husk', for
 * the next creator, joiner or detacher to retire and unmap. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include "sys.h"
#include "glibc/glibc.h"
#include "valgrind.h"

#define CT_CACHE_MAX (40UL << 20)
/* Entries of the dying queue looked at per call, oldest first. */
#define CT_DYING_SCAN 8

hidden ct_private ct_lock_t ct_cache_lock;
/* Gone threads' regions, most recently used first. */
static ct_private struct ct_thread cache = { .cache_next = &cache, .cache_prev = &cache };
static ct_private size_t cache_bytes;	/* map_size of every cached region */
/* Regions of threads still ending, oldest first (linked by cache_next),
 * and the thread blocks of trimmed regions not retired yet. */
static ct_private struct ct_thread *dying, **dying_end = &dying, *husks;

static void unlink_cached(struct ct_thread *t)
{
	t->cache_prev->cache_next = t->cache_next;
	t->cache_next->cache_prev = t->cache_prev;
	cache_bytes -= t->region.map_size;
}

static void link_cached(struct ct_thread *t)
{
	t->cache_next = cache.cache_next;
	t->cache_prev = &cache;
	t->cache_next->cache_prev = t;
	cache.cache_next = t;
	cache_bytes += t->region.map_size;
}

static bool gone(struct ct_thread *t)
{
	return atomic_load_explicit(ct_tid(t), memory_order_acquire) == 0;
}

/* Unlink *p, an entry of the dying queue. */
static struct ct_thread *unlink_dying(struct ct_thread **p)
{
	struct ct_thread *t = *p;
	if (!(*p = t->cache_next))
		dying_end = p;
	return t;
}

/* Under the lock: the oldest dying regions whose thread is gone now join
 * the cache. */
static void settle(void)
{
	struct ct_thread **p = &dying;
	for (int n = 0; *p && n < CT_DYING_SCAN; n++) {
		if (gone(*p))
			link_cached(unlink_dying(p));
		else
			p = &(*p)->cache_next;
	}
}

/* Under the lock: regions beyond the cache's size, oldest first (every
 * cached region's thread is gone), linked by cache_next. */
static struct ct_thread *trim(void)
{
	struct ct_thread *victims = NULL;
	while (cache_bytes > CT_CACHE_MAX) {
		struct ct_thread *v = cache.cache_prev;
		unlink_cached(v);
		v->cache_next = victims;
		victims = v;
	}
	return victims;
}

/* Under the lock: every husk, for a thread that may retire them. */
static struct ct_thread *take_husks(void)
{
	struct ct_thread *h = husks;
	husks = NULL;
	return h;
}

/* Retire and unmap a list of victims or husks: not in an ending thread. */
static void unmap_all(struct ct_thread *v)
{
	for (struct ct_thread *next; v; v = next) {
		next = v->cache_next;
		if (v->region.tls_ready)
			ct_glibc_retire_tcb(v);
		ct_slot_free(v->region.slot);
		ct_munmap(v->region.map, v->region.map_size);
	}
}

/* In an ending thread: unmap the victims' guards and stacks, and leave
 * their thread blocks as husks. */
static void unmap_stacks(struct ct_thread *victims)
{
	struct ct_thread *v, *last = NULL;
	for (v = victims; v; v = v->cache_next) {
		size_t below = v->region.guard_size + v->region.stack_size;
		if (below && !ct_munmap(v->region.map, below)) {
			v->region.map = (char *)v->region.map + below;
			v->region.map_size -= below;
		}
		last = v;
	}
	if (!last)
		return;
	ct_lock(&ct_cache_lock);
	last->cache_next = husks;
	husks = victims;
	ct_unlock(&ct_cache_lock);
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
	void *map = ct_mmap(NULL, size, guard_size ? PROT_NONE : PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1);
	if (map == MAP_FAILED)
		return EAGAIN;
	if (guard_size && ct_mprotect((char *)map + guard_size, size - guard_size,
				   PROT_READ | PROT_WRITE)) {
		ct_munmap(map, size);
		return EAGAIN;
	}
	*r = (struct ct_region){ map, size, stack_size, guard_size, 0, false };
	return 0;
}

static bool fits(struct ct_thread *t, size_t stack_size, size_t guard_size)
{
	return t->region.stack_size == stack_size &&
	       t->region.guard_size == guard_size;
}

/* Take a cached region of this geometry, the most recently used one;
 * NULL if none.  While few threads are alive, also a region whose thread
 * is ending right now (a detached thread that just gave it back): the
 * wait for its end is shorter than mapping and faulting in a fresh one.
 * With more alive, such a thread may wait for a CPU long: never then.
 * Hands the caller the husks to retire. */
static struct ct_thread *take_cached(size_t stack_size, size_t guard_size,
				     struct ct_thread **husks_out)
{
	struct ct_thread *t;
	ct_lock(&ct_cache_lock);
	settle();
	for (t = cache.cache_next; t != &cache && !fits(t, stack_size, guard_size);
	     t = t->cache_next)
		;
	if (t != &cache) {
		unlink_cached(t);
	} else {
		t = NULL;
		if (atomic_load_explicit(&ct_live_threads, memory_order_relaxed) <
		    CT_HOT_REGIONS)
			for (struct ct_thread **p = &dying; *p;
			     p = &(*p)->cache_next)
				if (fits(*p, stack_size, guard_size)) {
					t = unlink_dying(p);
					break;
				}
	}
	*husks_out = take_husks();
	ct_unlock(&ct_cache_lock);
	return t;
}

int ct_region_get(struct ct_thread **out, size_t stack_size, size_t guard_size)
{
	struct ct_region r;
	struct ct_thread *h, *old = take_cached(stack_size, guard_size, &h);
	unmap_all(h);
	if (old) {
		/* One taken from the dying queue: wait for the kernel's
		 * clear-tid wake. */
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
		ct_munmap(r.map, r.map_size);
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
	/* Its own region, given back by a thread at its end. */
	bool ending = t == ct_self_desc;
	struct ct_thread *victims, *h = NULL;
	ct_handle_retire(t->region.slot);	/* its handles are stale now */
	ct_lock(&ct_cache_lock);
	if (gone(t)) {
		link_cached(t);
	} else {
		t->cache_next = NULL;
		*dying_end = t;
		dying_end = &t->cache_next;
	}
	settle();
	victims = trim();
	if (!ending)
		h = take_husks();
	ct_unlock(&ct_cache_lock);
	if (ending) {
		unmap_stacks(victims);
	} else {
		unmap_all(victims);
		unmap_all(h);
	}
}
