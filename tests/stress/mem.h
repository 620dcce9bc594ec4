/* SPDX-License-Identifier: MIT */
/* What a stress program measures about its own process. */
#ifndef TST_STRESS_MEM_H
#define TST_STRESS_MEM_H
#include <stddef.h>

struct mem {
	long rss_kb;		/* VmRSS */
	long maps;		/* lines of /proc/self/maps */
	long threads;		/* Threads: in /proc/self/status */
	size_t heap_kb;		/* malloc's arenas + its mmapped chunks */
	size_t heap_used_kb;	/* of which allocated (or in a thread cache) */
	long arenas;		/* malloc arenas (malloc_info's heaps) */
};

struct mem mem_now(void);
/* The first number of field `name' in a /proc/.../status file, or -1. */
long status_field(const char *file, const char *name);
/* Until /proc/self/status counts `n' threads (detached ones finishing). */
void mem_wait_threads(long n);
/* "label rss_kb=.. maps=.. heap_kb=.. heap_used_kb=.. arenas=.." on stdout. */
void mem_print(const char *label, struct mem m);
#endif
