/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <malloc.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mem.h"

long status_field(const char *file, const char *name)
{
	FILE *f = fopen(file, "r");
	char line[256];
	long v = -1;
	size_t n = strlen(name);
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, name, n) && line[n] == ':')
			sscanf(line + n + 1, "%ld", &v);
	if (f)
		fclose(f);
	return v;
}

struct mem mem_now(void)
{
	struct mem m = { .rss_kb = status_field("/proc/self/status", "VmRSS"),
			 .threads = status_field("/proc/self/status", "Threads") };
	FILE *f = fopen("/proc/self/maps", "r");
	int c;
	while (f && (c = getc(f)) != EOF)
		m.maps += c == '\n';
	if (f)
		fclose(f);
	char *xml = NULL;
	size_t len = 0;
	FILE *mf = open_memstream(&xml, &len);
	malloc_info(0, mf);
	fclose(mf);
	for (char *p = xml; (p = strstr(p, "<heap nr=")); p++)
		m.arenas++;
	free(xml);
	struct mallinfo2 mi = mallinfo2();
	m.heap_kb = (mi.arena + mi.hblkhd) / 1024;
	m.heap_used_kb = (mi.uordblks + mi.hblkhd) / 1024;
	return m;
}

void mem_wait_threads(long n)
{
	while (status_field("/proc/self/status", "Threads") > n)
		sched_yield();
}

void mem_print(const char *label, struct mem m)
{
	printf("%s rss_kb=%ld maps=%ld heap_kb=%zu heap_used_kb=%zu arenas=%ld\n",
	       label, m.rss_kb, m.maps, m.heap_kb, m.heap_used_kb, m.arenas);
	fflush(stdout);
}
