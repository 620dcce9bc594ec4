/* SPDX-License-Identifier: MIT */
/* What glibc keeps of a thread from one thread to the next.
 *
 * glibc keeps an ended thread's stack, and with it the thread's TLS and
 * struct pthread, for a later thread; nothing in them is thrown away.
 * Two parts of them hold glibc's own per-thread state, which glibc
 * releases only in its own thread exit, through nothing exported:
 *   - libc's static TLS block: malloc's cache and the thread's claim on
 *     an arena, the locale;
 *   - the tail of struct pthread past the stack fields: the strsignal
 *     and strerror_l buffers, the vDSO getrandom state.
 * So every thread inherits them from an ended one, as glibc's threads
 * from a cached stack do: a region reused keeps its own (tcb.c), and the
 * state of a region unmapped goes to a pool that fresh regions take
 * from.  The pool only grows to the peak number of threads alive at
 * once; without it, each ended thread would leave its cache, buffers and
 * arena claim behind (and malloc makes new arenas for new threads). */
#define _GNU_SOURCE
#include <string.h>
#include "sys.h"
#include "glibc.h"
#include "valgrind.h"

/* A thread's state: libc's block, then struct pthread from tail_off. */
size_t ct_glibc_state_size(void)
{
	return ct_glibc.libc_tls_size + ct_glibc.pd_size - ct_glibc.tail_off;
}

void ct_glibc_save_state(const struct ct_thread *t, char *state)
{
	memcpy(state, ct_glibc_libc_block(t->tp), ct_glibc.libc_tls_size);
	memcpy(state + ct_glibc.libc_tls_size, (char *)t->pd + ct_glibc.tail_off,
	       ct_glibc.pd_size - ct_glibc.tail_off);
}

void ct_glibc_load_state(struct ct_thread *t, const char *state)
{
	memcpy(ct_glibc_libc_block(t->tp), state, ct_glibc.libc_tls_size);
	memcpy((char *)t->pd + ct_glibc.tail_off, state + ct_glibc.libc_tls_size,
	       ct_glibc.pd_size - ct_glibc.tail_off);
}

/* Records carved from pages of our own: the pool is reached from any
 * thread's exit, where malloc is not safe to call (the ending thread's
 * own cache is gone, and malloc would give it a new one and an arena). */
struct kept {
	struct kept *next;
	char state[];
};
hidden ct_private ct_lock_t ct_glibc_keep_lock;
static ct_private struct kept *kept, *unused;

static struct kept *record(void)
{
	size_t size = (sizeof(struct kept) + ct_glibc_state_size() + 15) & ~15;
	if (!unused) {
		size_t bytes = size > ct_page_size ? size : ct_page_size;
		char *page = ct_mmap(NULL, bytes, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1);
		if (page == MAP_FAILED)
			return NULL;
		ct_vg_private(page, bytes);
		for (size_t off = 0; off + size <= bytes; off += size) {
			struct kept *k = (struct kept *)(page + off);
			k->next = unused;
			unused = k;
		}
	}
	struct kept *k = unused;
	unused = k->next;
	return k;
}

void ct_glibc_keep(const char *state)
{
	ct_lock(&ct_glibc_keep_lock);
	struct kept *k = record();
	if (k) {	/* out of memory: that thread's state is lost */
		memcpy(k->state, state, ct_glibc_state_size());
		k->next = kept;
		kept = k;
	}
	ct_unlock(&ct_glibc_keep_lock);
}

bool ct_glibc_take(char *state)
{
	ct_lock(&ct_glibc_keep_lock);
	struct kept *k = kept;
	if (k) {
		kept = k->next;
		memcpy(state, k->state, ct_glibc_state_size());
		k->next = unused;
		unused = k;
	}
	ct_unlock(&ct_glibc_keep_lock);
	return k;
}
