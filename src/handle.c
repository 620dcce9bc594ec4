/* SPDX-License-Identifier: MIT */
/* Thread handles.
 *
 * A pthread_t names a slot of a table that is never freed, and the
 * generation the slot had when the handle was made:
 *
 *     handle = generation << CT_HALF | slot index
 *
 * A region owns one slot for as long as it is mapped (a stand-in
 * descriptor for as long as it lives), and reaping its thread bumps the
 * slot's generation.  So every handle of a joined thread, or of a detached
 * thread that ended, stops matching at once -- even while its region
 * already runs the next thread -- and looking a handle up never touches
 * memory the handle's thread owned: a stale or garbage handle gets ESRCH,
 * not a crash and not an action on another thread.  The generation is
 * never 0, so no handle is 0.
 *
 * Cost on the spawn cycle: none on create (the handle is computed from the
 * region's slot); one atomic increment when the thread is reaped.
 * Generations wrap after 2^32 reuses of one slot (2^16 where pthread_t
 * has 32 bits); only then could a long-stale handle match again. */
#include <errno.h>
#include "sys.h"
#include "thread.h"
#include "valgrind.h"

#define CT_HALF (sizeof(pthread_t) * CHAR_BIT / 2)
#define CHUNK 1024			/* slots per chunk */
#define MAX_SLOTS ((1UL << CT_HALF) < (1UL << 20) ? (1UL << CT_HALF) : (1UL << 20))

struct slot {
	_Atomic unsigned long gen;	/* CT_HALF bits used, never 0 */
	struct ct_thread *_Atomic t;
	unsigned next_free;		/* free list link, under lock */
};

static ct_private struct slot *_Atomic chunks[MAX_SLOTS / CHUNK];
hidden ct_private ct_lock_t ct_handle_lock;	/* allocation and the free list */
static ct_private unsigned used, free_head = -1u; /* slots handed out; list */

static struct slot *slot_at(unsigned i)
{
	return &atomic_load_explicit(&chunks[i / CHUNK],
				     memory_order_acquire)[i % CHUNK];
}

int ct_slot_alloc(struct ct_thread *t, unsigned *out)
{
	unsigned i;
	ct_lock(&ct_handle_lock);
	if (free_head != -1u) {
		i = free_head;
		free_head = slot_at(i)->next_free;
	} else if (used < MAX_SLOTS) {
		i = used;
		if (i % CHUNK == 0) {
			/* Mapped, not malloc'ed: the first slot is the main
			 * thread's, at start-up (self.c says why). */
			struct slot *c = ct_mmap(NULL, CHUNK * sizeof *c,
					      PROT_READ | PROT_WRITE,
					      MAP_PRIVATE | MAP_ANONYMOUS, -1);
			if (c == MAP_FAILED) {
				ct_unlock(&ct_handle_lock);
				return EAGAIN;
			}
			ct_vg_private(c, CHUNK * sizeof *c);
			for (unsigned k = 0; k < CHUNK; k++)
				c[k].gen = 1;
			atomic_store_explicit(&chunks[i / CHUNK], c,
					      memory_order_release);
		}
		used++;
	} else {
		ct_unlock(&ct_handle_lock);
		return EAGAIN;
	}
	ct_unlock(&ct_handle_lock);
	atomic_store_explicit(&slot_at(i)->t, t, memory_order_release);
	*out = i;
	return 0;
}

void ct_slot_free(unsigned i)
{
	struct slot *s = slot_at(i);
	ct_handle_retire(i);
	atomic_store_explicit(&s->t, NULL, memory_order_relaxed);
	ct_lock(&ct_handle_lock);
	s->next_free = free_head;
	free_head = i;
	ct_unlock(&ct_handle_lock);
}

void ct_slots_each(void (*fn)(struct ct_thread *t))
{
	for (unsigned i = 0; i < used; i++) {
		struct ct_thread *t = atomic_load_explicit(&slot_at(i)->t,
							   memory_order_relaxed);
		if (t)
			fn(t);
	}
}

pthread_t ct_handle(unsigned i)
{
	unsigned long gen = atomic_load_explicit(&slot_at(i)->gen,
						 memory_order_relaxed);
	return (pthread_t)(gen << CT_HALF | i);
}

void ct_handle_retire(unsigned i)
{
	struct slot *s = slot_at(i);
	unsigned long gen = atomic_load_explicit(&s->gen, memory_order_relaxed);
	gen = (gen + 1) & ((1UL << CT_HALF) - 1);
	atomic_store_explicit(&s->gen, gen ? gen : 1, memory_order_release);
}

struct ct_thread *ct_lookup(pthread_t h)
{
	unsigned long i = (unsigned long)h & ((1UL << CT_HALF) - 1);
	if (i >= MAX_SLOTS)
		return NULL;
	struct slot *c = atomic_load_explicit(&chunks[i / CHUNK],
					      memory_order_acquire);
	if (!c)
		return NULL;
	struct slot *s = &c[i % CHUNK];
	if (atomic_load_explicit(&s->gen, memory_order_acquire) !=
	    (unsigned long)h >> CT_HALF)
		return NULL;
	return atomic_load_explicit(&s->t, memory_order_relaxed);
}
