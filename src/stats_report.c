/* SPDX-License-Identifier: MIT */
/* The statistics report (stats.c says what it holds and when it is
 * written): formatted into a static buffer, as text or as JSON (the
 * schema: tools/clonethreads-stats.schema.json), and written with
 * write(2). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "reuse.h"
#include "stats_counts.h"

static char out[32768];
static size_t len;

static __attribute__((format(printf, 1, 2))) void put(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out + len, sizeof out - len, fmt, ap);
	va_end(ap);
	if (n > 0)
		len += (size_t)n < sizeof out - len ? (size_t)n : sizeof out - len - 1;
}

/* A string as JSON: quoted, with what must be escaped escaped. */
static void put_json_string(const char *s)
{
	put("\"");
	for (; *s; s++) {
		unsigned char c = *s;
		if (c == '"' || c == '\\')
			put("\\%c", c);
		else if (c < 0x20)
			put("\\u%04x", c);
		else
			put("%c", c);
	}
	put("\"");
}

static double us(uint64_t ns)
{
	return ns / 1e3;
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * part / whole : 0;
}

/* A duration for the text report. */
static const char *text_time(char *buf, size_t size, uint64_t ns)
{
	if (ns < 1000)
		snprintf(buf, size, "%llu ns", (unsigned long long)ns);
	else if (ns < 1000000)
		snprintf(buf, size, "%.1f us", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, size, "%.2f ms", ns / 1e6);
	else
		snprintf(buf, size, "%.3f s", ns / 1e9);
	return buf;
}


/* How much of the process's time one kind of event took. */
static void share(bool in_json, const char *name, uint64_t sum, uint64_t events,
		  struct cpu_sample *c, uint64_t wall, uint64_t cpu, bool last)
{
	uint64_t samples = atomic_load(&c->n), total = atomic_load(&c->weighted);
	bool have = samples;
	if (in_json) {
		put("    \"%s\": {\"total_us\": %.3f, \"wall_pct\": %.4f, ",
		    name, us(sum), pct(sum, wall));
		if (have)
			put("\"cpu_us\": %.3f, \"cpu_pct\": %.4f, ", us(total),
			    pct(total, cpu));
		else
			put("\"cpu_us\": null, \"cpu_pct\": null, ");
		put("\"cpu_samples\": %llu}%s\n", (unsigned long long)samples,
		    last ? "" : ",");
		return;
	}
	char a[32], b[32];
	put("%-20s %s = %.2f%% of wall", name, text_time(a, sizeof a, sum),
	    pct(sum, wall));
	if (have)
		put("; CPU %s = %.2f%% of CPU (%llu of %llu sampled)\n",
		    text_time(b, sizeof b, total), pct(total, cpu),
		    (unsigned long long)samples, (unsigned long long)events);
	else
		put("; CPU not measured%s\n", events ? " (reused threads)" : "");
}

struct summary {
	uint64_t n, sum, median, p90, p99, max;
};

static struct summary summarize(struct hist *h)
{
	struct summary s = {
		.sum = atomic_load(&h->sum), .max = atomic_load(&h->max) };
	uint64_t counts[BUCKETS];
	for (unsigned i = 0; i < BUCKETS; i++)
		s.n += counts[i] = atomic_load(&h->bucket[i]);
	static const unsigned permille[] = { 500, 900, 990 };
	uint64_t *at[] = { &s.median, &s.p90, &s.p99 };
	for (unsigned q = 0; q < 3 && s.n; q++) {
		uint64_t rank = (s.n * permille[q] + 999) / 1000, seen = 0;
		unsigned i = 0;
		while ((seen += counts[i]) < rank)
			i++;
		uint64_t v = ct_stats_bucket_mid(i);
		*at[q] = v < s.max ? v : s.max;
	}
	return s;
}

static void text_summary(const char *label, struct summary s)
{
	char a[32], b[32], c[32], d[32], e[32];
	if (!s.n) {
		put("%-20s none\n", label);
		return;
	}
	put("%-20s %llu, %s in all; median %s, p90 %s, p99 %s, max %s\n",
	    label, (unsigned long long)s.n, text_time(e, sizeof e, s.sum),
	    text_time(a, sizeof a, s.median), text_time(b, sizeof b, s.p90),
	    text_time(c, sizeof c, s.p99), text_time(d, sizeof d, s.max));
}

static void json_summary(const char *name, struct summary s)
{
	put("  \"%s\": {\"count\": %llu, \"total_us\": %.3f, \"median_us\": %.3f, "
	    "\"p90_us\": %.3f, \"p99_us\": %.3f, \"max_us\": %.3f},\n", name,
	    (unsigned long long)s.n, us(s.sum), us(s.median), us(s.p90),
	    us(s.p99), us(s.max));
}

static const char *const life_names[LIFE_BUCKETS] = {
	"under_10us", "under_100us", "under_1ms", "under_10ms", "under_100ms",
	"longer" };
static const char *const life_labels[LIFE_BUCKETS] = {
	"<10us", "<100us", "<1ms", "<10ms", "<100ms", "longer" };
static const char *const stack_from[] = { "default", "attribute", "own_stack" };

static const char *text_size(char *buf, size_t size, uint64_t bytes)
{
	if (bytes % (1 << 20) == 0)
		snprintf(buf, size, "%llu MiB", (unsigned long long)bytes >> 20);
	else if (bytes % 1024 == 0)
		snprintf(buf, size, "%llu KiB", (unsigned long long)bytes >> 10);
	else
		snprintf(buf, size, "%llu bytes", (unsigned long long)bytes);
	return buf;
}

#define ASSUMPTION \
	"each create served by a parked thread saves the difference between " \
	"a create + join cycle on a new thread and one on a parked thread; " \
	"the pool follows the library's rules (a thread is offered when " \
	"joined or when it ends detached, if fewer than the bound are " \
	"parked; a create takes the newest of its stack size; one idle for " \
	"2 s leaves); the saving is time spent in create, start and join, " \
	"and shortens the wall time only as far as the program waits on those"

void ct_stats_report(void)
{
	struct summary create = summarize(&ct_stats.create), start = summarize(&ct_stats.start),
		       join = summarize(&ct_stats.join);
	uint64_t wall = ct_stats_now() - ct_stats_cfg.wall0, cpu = ct_stats_ns(CLOCK_PROCESS_CPUTIME_ID) - ct_stats_cfg.cpu0;
	unsigned long long created = create.n, detached = ct_stats.detached,
			   joinable = created - detached, later = ct_stats.detached_later,
			   failed = ct_stats.failed, hits = ct_stats.hits, misses = ct_stats.misses;
	long long peak = ct_stats.peak_alive, alive = ct_stats.alive;
	ct_lock(&ct_stats_sim.lock);
	bool reuse = hits + misses > 0 || ct_reuse_on();
	unsigned long long served = reuse ? hits : ct_stats_sim.served,
			   eligible = reuse ? hits + misses : ct_stats_sim.eligible,
			   pool_most = ct_stats_sim.most, pool_full = ct_stats_sim.full;
	ct_unlock(&ct_stats_sim.lock);
	/* Negative where a reused cycle measured slower (a busy machine). */
	int64_t per = (int64_t)ct_stats_cfg.cycle_new - (int64_t)ct_stats_cfg.cycle_reused;
	int64_t saving = (int64_t)served * per;
	uint64_t per_abs = per < 0 ? -per : per, saving_abs = saving < 0 ? -saving : saving;
	const char *source = ct_stats_cfg.cycle_measured ? "measured" : "constant";
	const char *source_text = ct_stats_cfg.cycle_measured ?
		"measured by clonethreads-run on this machine before the program "
		"started (CLONETHREADS_STATS_CYCLE, unless set by hand)" :
		"make bench's medians on the build machine of this version "
		"(default stack), not measured on this machine";
	pid_t pid = getpid();
	len = 0;
	if (ct_stats_cfg.json) {
		put("{\n  \"format\": \"clonethreads-stats\",\n  \"version\": 1,\n"
		    "  \"library_version\": \"%s\",\n  \"pid\": %d,\n  \"program\": ",
		    PACKAGE_VERSION, (int)pid);
		put_json_string(program_invocation_short_name);
		put(",\n  \"wall_us\": %.3f,\n  \"cpu_us\": %.3f,\n", us(wall), us(cpu));
		put("  \"threads\": {\"created\": %llu, \"joinable\": %llu, "
		    "\"detached\": %llu, \"detached_later\": %llu, \"joined\": %llu, "
		    "\"peak_alive\": %lld, \"alive_at_exit\": %lld, "
		    "\"failed_creates\": %llu},\n", created, joinable, detached,
		    later, (unsigned long long)join.n, peak, alive, failed);
		json_summary("create_to_return", create);
		json_summary("create_to_start", start);
		json_summary("join_wait", join);
		put("  \"lifetimes\": {");
		for (unsigned i = 0; i < LIFE_BUCKETS; i++)
			put("%s\"%s\": %llu", i ? ", " : "", life_names[i],
			    (unsigned long long)ct_stats.life[i]);
		put("},\n  \"stack_sizes\": [");
		for (unsigned i = 0; i < STACK_SIZES && ct_stats.stack[i].key; i++)
			put("%s{\"bytes\": %llu, \"from\": \"%s\", \"count\": %llu}",
			    i ? ", " : "", (unsigned long long)ct_stats.stack[i].key >> 2,
			    stack_from[ct_stats.stack[i].key & 3],
			    (unsigned long long)ct_stats.stack[i].count);
		put("],\n  \"stack_sizes_other\": %llu,\n",
		    (unsigned long long)ct_stats.stack_other);
		put("  \"reuse\": {\"on\": %s, \"hits\": %llu, \"misses\": %llu},\n",
		    reuse ? "true" : "false", hits, misses);
		put("  \"time_share\": {\n");
		share(true, "create", create.sum, create.n,
		      &ct_stats.cpu[CT_STATS_CREATE], wall, cpu, false);
		share(true, "start", start.sum, start.n, &ct_stats.cpu[CPU_START],
		      wall, cpu, false);
		share(true, "join_wait", join.sum, join.n,
		      &ct_stats.cpu[CT_STATS_JOIN], wall, cpu, true);
		put("  },\n");
		put("  \"reuse_estimate\": {\"basis\": \"%s\", ",
		    reuse ? "observed" : "simulated");
		if (reuse)
			put("\"max_parked\": null, \"pool_most\": null, "
			    "\"pool_full\": null, ");
		else
			put("\"max_parked\": %d, \"pool_most\": %llu, "
			    "\"pool_full\": %llu, ", SIM_MAX, pool_most, pool_full);
		put("\"served\": %llu, \"eligible\": %llu, \"new_cycle_us\": %.3f, "
		    "\"reused_cycle_us\": %.3f, \"cycle_source\": \"%s\", "
		    "\"saving_us\": %.3f, \"saving_wall_pct\": %.4f, "
		    "\"assumption\": \"%s\"}\n}\n", served, eligible,
		    us(ct_stats_cfg.cycle_new), us(ct_stats_cfg.cycle_reused), source, saving / 1e3,
		    (saving < 0 ? -1 : 1) * pct(saving_abs, wall), ASSUMPTION);
	} else {
		char a[32], b[32];
		put("clonethreads statistics: pid %d, %s, clonethreads %s\n", (int)pid,
		    program_invocation_short_name, PACKAGE_VERSION);
		put("%-20s wall %s since start-up, CPU %s\n", "time:",
		    text_time(a, sizeof a, wall), text_time(b, sizeof b, cpu));
		put("%-20s created %llu (joinable %llu, detached %llu), detached "
		    "later %llu, joined %llu, peak alive %lld, alive at exit %lld, "
		    "creates failed %llu\n", "threads:", created, joinable,
		    detached, later, (unsigned long long)join.n, peak, alive, failed);
		text_summary("create to return:", create);
		text_summary("create to start:", start);
		text_summary("join waits:", join);
		put("%-20s", "lifetimes:");
		for (unsigned i = 0; i < LIFE_BUCKETS; i++)
			put("%s %s %llu", i ? "," : "", life_labels[i],
			    (unsigned long long)ct_stats.life[i]);
		put("\n%-20s", "stack sizes:");
		for (unsigned i = 0; i < STACK_SIZES && ct_stats.stack[i].key; i++)
			put("%s %s (%s) %llu", i ? "," : "",
			    text_size(a, sizeof a, ct_stats.stack[i].key >> 2),
			    stack_from[ct_stats.stack[i].key & 3],
			    (unsigned long long)ct_stats.stack[i].count);
		if (ct_stats.stack_other)
			put(", other sizes %llu", (unsigned long long)ct_stats.stack_other);
		put("%s\n", ct_stats.stack[0].key ? "" : " none");
		if (reuse)
			put("%-20s on: %llu creates took a parked thread, %llu made "
			    "a new one\n", "reuse:", hits, misses);
		else
			put("%-20s off\n", "reuse:");
		share(false, "time in creates:", create.sum, create.n,
		      &ct_stats.cpu[CT_STATS_CREATE], wall, cpu, false);
		share(false, "time to start:", start.sum, start.n,
		      &ct_stats.cpu[CPU_START], wall, cpu, false);
		share(false, "time in joins:", join.sum, join.n,
		      &ct_stats.cpu[CT_STATS_JOIN], wall, cpu, true);
		if (reuse)
			put("%-20s reuse started %llu of %llu threads on parked "
			    "ones", "reuse estimate:", served, eligible);
		else
			put("%-20s CLONETHREADS_REUSE=%d would have started %llu of "
			    "%llu threads on parked ones (the pool held up to %llu, "
			    "%llu turned away as it was full)", "reuse estimate:",
			    SIM_MAX, served, eligible, pool_most, pool_full);
		put("; each %s %s%s: about %s in all, %.2f%% of wall time\n",
		    per < 0 ? "costs" : "saves", text_time(a, sizeof a, per_abs),
		    per < 0 ? " more here" : "", text_time(b, sizeof b, saving_abs),
		    pct(saving_abs, wall));
		put("%-20s %s new, %s reused: %s\n", "cycle costs:",
		    text_time(a, sizeof a, ct_stats_cfg.cycle_new),
		    text_time(b, sizeof b, ct_stats_cfg.cycle_reused), source_text);
		put("%-20s %s\n", "assumption:", ASSUMPTION);
	}

	int fd = ct_stats_cfg.fd;
	if (fd < 0)
		return;
	/* One write, as far as it goes: reports of processes sharing
	 * standard error do not interleave. */
	for (size_t done = 0; done < len;) {
		ssize_t w = write(fd, out + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		done += w;
	}
	close(fd);
}

