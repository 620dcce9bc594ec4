/* SPDX-License-Identifier: MIT */
/* malloc's per-thread cache (tcache), in libc's TLS block.
 *
 * glibc empties an ending thread's cache into the arenas
 * (tcache_thread_shutdown); nothing exported does that, so the library
 * finds malloc's `tcache' variable in the block and does it: otherwise
 * the blocks kept for later threads (keep.c) would keep cached chunks.
 *
 * Only when glibc's malloc is the program's malloc: with another one
 * (jemalloc, tcmalloc, mimalloc) glibc's cache is never made. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/uio.h>
#include "glibc.h"

#define FIELD(base, off, type) (*CT_PD_FIELD(base, off, type))

/* ---- malloc's per-thread cache ----
 *
 * Its layout, glibc 2.26 on: a count per bin (uint16_t), then the bins,
 * each a list of free chunks linked through their first word.  What
 * changed between releases, and is therefore found, not assumed: the
 * number of bins (64; 76 since 2.42), whether a bin's count says how many
 * chunks it holds or how many more it may take (since 2.42), whether the
 * links are mangled with their own address (since 2.32), and what a
 * thread without a cache has there: NULL, or since 2.42 a static
 * stand-in that malloc relies on (what libc's TLS image holds). */
static struct {
	ptrdiff_t off;		/* of `tcache' in libc's block; -1 none */
	void *none;		/* its value in a thread without a cache */
	size_t bins_off;	/* of the first bin in the struct */
	unsigned nbins;
	bool mangled;		/* link = (its address >> 12) ^ next */
	bool counts_free;	/* a count is room left, not chunks held */
} tc = { .off = -1 };

struct tcache_entry {
	uintptr_t next;
	uintptr_t key;		/* marks a cached chunk (double-free check) */
};

#define CT_TCACHE_MAX_BINS 128
/* Every bin full and empty: while a block's cache is emptied its
 * `tcache' points here, so that free() passes each chunk on to its arena
 * (with NULL there, free() would start a new cache and keep them).  Only
 * free() runs meanwhile, which never writes here. */
static struct {
	uint16_t counts[CT_TCACHE_MAX_BINS];
	void *bins[CT_TCACHE_MAX_BINS];
} full;

static uintptr_t next_of(const struct tcache_entry *e, uintptr_t link)
{
	return tc.mangled ? ((uintptr_t)&e->next >> 12) ^ link : link;
}

/* Copy len bytes from src, which may be no valid address: false then.
 * process_vm_readv fails rather than faults; qemu-user does not have it
 * (ENOSYS), and there a pipe does the same (write fails with EFAULT).
 * The pipe, once made, stays in *fds for the next call. */
static bool peek(void *dst, const void *src, size_t len, int fds[2])
{
	struct iovec mine = { dst, len }, theirs = { (void *)src, len };
	if (process_vm_readv(getpid(), &mine, 1, &theirs, 1, 0) == (ssize_t)len)
		return true;
	if (errno != ENOSYS || (fds[0] < 0 && pipe2(fds, O_CLOEXEC)))
		return false;
	return write(fds[1], src, len) == (ssize_t)len &&
	       read(fds[0], dst, len) == (ssize_t)len;
}

/* In the cache struct at p (read through peek), the bin whose head is
 * `head' and whose second chunk is `second': its byte offset, or 0. */
static size_t find_bin(const char *p, uintptr_t head, uintptr_t second,
		       int fds[2])
{
	uintptr_t words[(sizeof(uint16_t) + sizeof(void *)) * CT_TCACHE_MAX_BINS /
			sizeof(void *)];
	if (!peek(words, p, sizeof words, fds))
		return 0;
	for (size_t i = 1; i < sizeof words / sizeof *words; i++) {
		struct tcache_entry *e = (struct tcache_entry *)head;
		if (words[i] != head)
			continue;
		uintptr_t link = e->next;	/* head is our free chunk */
		if (link == second || ((uintptr_t)&e->next >> 12 ^ link) == second) {
			tc.mangled = link != second;
			return i * sizeof(uintptr_t);
		}
	}
	return 0;
}

/* Found on the calling thread: after it frees two chunks of one size
 * into an empty bin, its cache has the second at the head of the bin and
 * the first after it.  The smallest size is bin 0: where the bins begin,
 * and so how many counts precede them.  A third free of the size shows
 * which way the count goes.  The bins are emptied first (what the thread
 * has cached of the two sizes taken, up to HOLD chunks each), and each
 * word of the block is read as a struct only through peek.  With the
 * cache tuned off nothing matches: no cache to empty. */
#define HOLD 64

static void probe_sizes(char *block, uintptr_t a, uintptr_t b, void *c,
			uintptr_t s1, uintptr_t s2)
{
	int fds[2] = { -1, -1 };
	for (size_t off = 0; off + sizeof(void *) <= ct_glibc.libc_tls_size;
	     off += sizeof(void *)) {
		char *p = FIELD(block, off, char *);
		size_t bin, bin0;
		if (!p || !(bin = find_bin(p, b, a, fds)) ||
		    !(bin0 = find_bin(p, s2, s1, fds)) ||
		    bin0 % sizeof(uint16_t) || bin0 / sizeof(uint16_t) >
		    CT_TCACHE_MAX_BINS || bin < bin0)
			continue;
		/* volatile: the compiler takes free() for touching nothing
		 * but the chunk it frees. */
		volatile uint16_t *count = (uint16_t *)p +
			(bin - bin0) / sizeof(void *);
		uint16_t before = *count;
		free(c);
		uint16_t after = *count;
		if (after == (uint16_t)(before + 1) ||
		    after == (uint16_t)(before - 1)) {
			tc.counts_free = after < before;
			tc.bins_off = bin0;
			tc.nbins = bin0 / sizeof(uint16_t);
			tc.off = off;
			if (off + sizeof(void *) <= ct_glibc.libc_tls_image_size)
				tc.none = FIELD(ct_glibc.libc_tls_image, off, void *);
			memset(full.counts, tc.counts_free ? 0 : 0xff,
			       sizeof full.counts);
		}
		c = NULL;
		break;
	}
	free(c);
	if (fds[0] >= 0) {
		close(fds[0]);
		close(fds[1]);
	}
}

static void probe(void)
{
	if (ct_elf_global("malloc", NULL) != ct_elf_sym(&ct_elf_libc, "malloc") ||
	    ct_elf_global("free", NULL) != ct_elf_sym(&ct_elf_libc, "free"))
		return;		/* another malloc: glibc's cache is never made */
	void *hold[2 * HOLD];
	for (int i = 0; i < HOLD; i++) {
		hold[i] = malloc(1000);
		hold[HOLD + i] = malloc(1);
	}
	void *a = malloc(1000), *b = malloc(1000), *c = malloc(1000);
	void *s1 = malloc(1), *s2 = malloc(1);
	/* Compared as numbers: they are free chunks from here on. */
	uintptr_t first = (uintptr_t)a, second = (uintptr_t)b;
	uintptr_t small1 = (uintptr_t)s1, small2 = (uintptr_t)s2;
	free(a);
	free(b);
	free(s1);
	free(s2);
	if (first && second && c && small1 && small2)
		probe_sizes(ct_glibc_libc_block((void *)ct_get_tp()), first,
			    second, c, small1, small2);
	else
		free(c);
	for (int i = 0; i < 2 * HOLD; i++)
		free(hold[i]);
	/* The probe's chunks would stay in the thread's cache. */
	ct_glibc_empty_tcache(ct_glibc_libc_block((void *)ct_get_tp()));
}

void ct_glibc_find_tcache(void)
{
	static _Atomic bool done;
	if (atomic_load_explicit(&done, memory_order_acquire))
		return;
	ct_lock(&ct_glibc_once_lock);
	int saved = errno;	/* peek's failures are no caller's business */
	if (!done)
		probe();
	errno = saved;
	atomic_store_explicit(&done, true, memory_order_release);
	ct_unlock(&ct_glibc_once_lock);
}

void ct_glibc_empty_tcache(char *block)
{
	if (tc.off < 0)
		return;
	char *cache = FIELD(block, tc.off, char *);
	if (cache == tc.none || cache == (char *)&full)
		return;
	FIELD(block, tc.off, void *) = &full;
	struct tcache_entry **bins = (void *)(cache + tc.bins_off);
	for (unsigned i = 0; i < tc.nbins; i++) {
		struct tcache_entry *e = bins[i], *next;
		for (; e; e = next) {
			next = (struct tcache_entry *)next_of(e, e->next);
			/* Not marked as cached: free() would otherwise search
			 * its cache for it (a double free).  volatile: the
			 * compiler takes a store just before free() for dead. */
			*(volatile uintptr_t *)&e->key = 0;
			free(e);
		}
	}
	free(cache);
	FIELD(block, tc.off, void *) = tc.none;
}
