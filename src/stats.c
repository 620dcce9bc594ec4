/* Statistics of thread spawning: what creating, starting and joining
 * threads cost this process, in a report written when it ends.
 *
 * On when CLONETHREADS_STATS names a file at start-up (clonethreads-run
 * --stats sets it); CLONETHREADS_STATS_FORMAT=json asks for the report as
 * JSON (the schema: tools/clonethreads-stats.schema.json).  The report
 * goes to the file with each "%p" replaced by the process id, or, without
 * a "%p", to FILE.PID; "-" is standard error.  So every process writes
 * its own: a forked child starts from zero (fork.c's child handler calls
 * ct_stats_forked) and an exec'd program inherits the variable.  It is
 * written by an atexit handler: at exit(), at the return from main, and
 * when the last thread ends by pthread_exit (exit.c's step 3 calls
 * exit); a process that ends otherwise (_exit, a fatal signal, exec)
 * writes none.
 *
 * What an event costs, on: one clock read (CLOCK_MONOTONIC, the vDSO) and
 * a few relaxed atomic additions to counters of fixed size -- log-scale
 * histograms, a small table of stack sizes -- and, with reuse off, the
 * simulated pool's lock (below).  The CPU time of creates, starts and
 * joins is read for a sample of them only: a thread's CPU clock is a
 * system call (some 250 ns, where the monotonic clock takes 20).  Nothing
 * is allocated; the report is formatted into a static buffer and written
 * with write(2).
 *
 * The reuse estimate.  With reuse off, the pool CLONETHREADS_REUSE=64
 * would keep is simulated by reuse.c's rules: a thread that could be
 * parked (no stack of the program's, no scheduling set by its creator) is
 * offered when it is reaped -- joined, or ended detached -- if fewer than
 * 64 are there; a create of that stack geometry takes the newest; one
 * nobody takes within CT_REUSE_IDLE_MS leaves.  Each create served so
 * would save the difference between a create + join cycle on a new thread
 * and one on a parked thread: measured by clonethreads-run on this
 * machine just before the program started (CLONETHREADS_STATS_CYCLE), or
 * else make bench's figures on the build machine (CYCLE_*_NS), and the
 * report says which.  With reuse on, the same difference is counted for
 * the creates it really served. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "reuse.h"
#include "stats.h"

hidden bool ct_stats_on;

/* A create + join cycle, in ns, on a new thread and on a parked one,
 * where clonethreads-run did not measure them: make bench's medians with
 * the default stack on the 2-core build machine (bench/results/full.csv:
 * clonethreads 10.7 us, clonethreads-reuse 3.5 us). */
#define CYCLE_NEW_NS 10700
#define CYCLE_REUSED_NS 3500
/* The pool the estimate simulates: make bench's CLONETHREADS_REUSE. */
#define SIM_MAX 64

/* A log-scale histogram of nanoseconds: values below SUBS exactly, then
 * SUBS buckets per power of two (each 1/8 of its octave: a percentile is
 * within 6% of the truth), up to 2^(OCTAVES + SUB_BITS) ns (78 hours);
 * longer ones count in the last bucket.  The count is the buckets' sum. */
#define SUB_BITS 3
#define SUBS (1 << SUB_BITS)
#define OCTAVES 45
#define BUCKETS ((OCTAVES + 1) * SUBS)
struct hist {
	_Atomic uint64_t bucket[BUCKETS];
	_Atomic uint64_t sum, max;
};

/* Lifetimes below 10 us, 100 us, 1 ms, 10 ms, 100 ms, and longer. */
#define LIFE_BUCKETS 6
/* Distinct stack sizes told apart; more count as "other". */
#define STACK_SIZES 8
enum { STACK_DEFAULT, STACK_SET, STACK_OWN };	/* where a size came from */

/* The CPU time of a sample of the events: each thread's first SAMPLE_ALL
 * creates and joins, then one in SAMPLE_ALL, which stands for the
 * SAMPLE_ALL events up to it (its weight); a new thread's start is
 * sampled with its create.  The weighted sum estimates the total. */
#define SAMPLE_ALL 64
enum { CPU_START = CT_STATS_LASTING, CPU_KINDS };
struct cpu_sample {
	_Atomic uint64_t n, weighted;
};

/* The counters, in two groups that different threads write, each on
 * cache lines of its own: creators and joiners, and the threads
 * themselves at their start and end. */
static ct_private struct {
	_Alignas(64) struct hist create, join;
	_Atomic uint64_t detached, detached_later, failed;
	_Atomic uint64_t hits, misses;	/* reuse on: parked thread or not */
	/* Key: size << 2 | STACK_*, 0 for a free entry. */
	struct { _Atomic uint64_t key, count; } stack[STACK_SIZES];
	_Atomic uint64_t stack_other;
	struct cpu_sample cpu[CPU_KINDS];

	_Alignas(64) struct hist start;
	_Atomic int64_t alive;		/* running their start routine */
	_Atomic int64_t peak_alive;
	_Atomic uint64_t life[LIFE_BUCKETS];
} S;

/* The simulated pool: threads in the order they were offered. */
static ct_private struct {
	ct_lock_t lock;
	unsigned n, most;		/* held now; at most */
	uint64_t served, eligible, full;
	struct { uint64_t since; size_t stack, guard; } e[SIM_MAX];
} sim;

/* The calling thread's creates and joins so far (for the sample), and its
 * CPU time when a sampled one began (0: the one in progress is not). */
static __thread struct {
	uint64_t events[CT_STATS_LASTING], cpu_begun[CT_STATS_LASTING];
} mine __attribute__((tls_model("initial-exec")));

/* Set at start-up (and in a forked child); read by the report. */
static char path[PATH_MAX];		/* absolute, "%p" not yet replaced */
static bool json;
static uint64_t cycle_new = CYCLE_NEW_NS, cycle_reused = CYCLE_REUSED_NS;
static bool cycle_measured;
static uint64_t wall0, cpu0;		/* the process's start, for the shares */
static uint64_t cpu_read;		/* what reading a CPU clock adds to it */

static uint64_t ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static uint64_t now(void)
{
	return ns(CLOCK_MONOTONIC);
}

static void add(_Atomic uint64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static unsigned bucket_of(uint64_t ns)
{
	if (ns < SUBS)
		return ns;
	unsigned e = 63 - __builtin_clzll(ns);
	unsigned i = (e - SUB_BITS + 1) * SUBS + ((ns >> (e - SUB_BITS)) & (SUBS - 1));
	return i < BUCKETS ? i : BUCKETS - 1;
}

/* The middle of bucket i (its value, below SUBS). */
static uint64_t bucket_mid(unsigned i)
{
	if (i < SUBS)
		return i;
	unsigned shift = i / SUBS - 1;
	return ((uint64_t)(SUBS + i % SUBS) << shift) + ((1ull << shift) >> 1);
}

static void hist_add(struct hist *h, uint64_t ns)
{
	add(&h->bucket[bucket_of(ns)], 1);
	add(&h->sum, ns);
	uint64_t m = atomic_load_explicit(&h->max, memory_order_relaxed);
	while (ns > m && !atomic_compare_exchange_weak_explicit(
			&h->max, &m, ns, memory_order_relaxed, memory_order_relaxed))
		;
}

/* The weight of this thread's next event of kind e in the CPU sample: 0
 * if it is not sampled. */
static unsigned sample_weight(enum ct_stats_event e)
{
	uint64_t k = mine.events[e]++;
	return k < SAMPLE_ALL ? 1 : k % SAMPLE_ALL ? 0 : SAMPLE_ALL;
}

static void sample_add(int kind, unsigned weight, uint64_t cpu)
{
	add(&S.cpu[kind].n, 1);
	add(&S.cpu[kind].weighted, weight * cpu);
}

/* ---- the simulated pool, under sim.lock ---- */

static void sim_expire(uint64_t now)
{
	const uint64_t idle = CT_REUSE_IDLE_MS * 1000000ull;
	unsigned k = 0;
	while (k < sim.n && sim.e[k].since + idle < now)
		k++;
	memmove(sim.e, sim.e + k, (sim.n - k) * sizeof sim.e[0]);
	sim.n -= k;
}

/* A create of t's geometry: served by the newest that fits. */
static void sim_take(struct ct_thread *t, uint64_t now)
{
	ct_lock(&sim.lock);
	sim.eligible++;
	sim_expire(now);
	for (unsigned i = sim.n; i-- > 0;) {
		if (sim.e[i].stack == t->region.stack_size &&
		    sim.e[i].guard == t->region.guard_size) {
			memmove(sim.e + i, sim.e + i + 1,
				(sim.n - i - 1) * sizeof sim.e[0]);
			sim.n--;
			sim.served++;
			break;
		}
	}
	ct_unlock(&sim.lock);
}

/* t is reaped: it would be parked, if there is room. */
static void sim_give(struct ct_thread *t, uint64_t now)
{
	if (!t->stats_poolable || ct_reuse_on())
		return;
	ct_lock(&sim.lock);
	sim_expire(now);
	if (sim.n < SIM_MAX) {
		sim.e[sim.n].since = now;
		sim.e[sim.n].stack = t->region.stack_size;
		sim.e[sim.n].guard = t->region.guard_size;
		if (++sim.n > sim.most)
			sim.most = sim.n;
	} else {
		sim.full++;
	}
	ct_unlock(&sim.lock);
}

/* ---- the events ---- */

uint64_t ct_stats_begin(enum ct_stats_event e)
{
	mine.cpu_begun[e] = sample_weight(e) ? ns(CLOCK_THREAD_CPUTIME_ID) : 0;
	return now();
}

/* The end of a create or join: its CPU time, if it is in the sample. */
static void cpu_end(enum ct_stats_event e)
{
	uint64_t begun = mine.cpu_begun[e];
	if (!begun)
		return;
	uint64_t k = mine.events[e] - 1, cpu = ns(CLOCK_THREAD_CPUTIME_ID) - begun;
	sample_add(e, k < SAMPLE_ALL ? 1 : SAMPLE_ALL, cpu > cpu_read ? cpu - cpu_read : 0);
}

void ct_stats_create(struct ct_thread *t, uint64_t called, bool poolable,
		     bool reused)
{
	t->stats_time = called;
	t->stats_poolable = poolable;
	/* Its start is sampled with its create; a reused thread's CPU clock
	 * runs on from its earlier pthreads. */
	t->stats_weight = 0;
	if (mine.cpu_begun[CT_STATS_CREATE] && !t->kt.reusable)
		t->stats_weight = mine.events[CT_STATS_CREATE] <= SAMPLE_ALL ? 1 : SAMPLE_ALL;
	if (ct_reuse_on())
		add(reused ? &S.hits : &S.misses, 1);
	else if (poolable && called)
		sim_take(t, called);
}

static void stack_add(uint64_t key)
{
	for (unsigned i = 0; i < STACK_SIZES; i++) {
		uint64_t k = atomic_load_explicit(&S.stack[i].key, memory_order_relaxed);
		if (!k && atomic_compare_exchange_strong(&S.stack[i].key, &k, key))
			k = key;
		if (k == key) {
			add(&S.stack[i].count, 1);
			return;
		}
	}
	add(&S.stack_other, 1);
}

void ct_stats_created(uint64_t called, const pthread_attr_t *attrp,
		      const struct ct_attr *def, int err)
{
	/* 0: the call began before start-up turned statistics on. */
	if (!called)
		return;
	if (err) {
		add(&S.failed, 1);
		return;
	}
	hist_add(&S.create, now() - called);
	cpu_end(CT_STATS_CREATE);
	const struct ct_attr *a = attrp ? CT_ATTR(attrp) : def;
	if (a->detach == PTHREAD_CREATE_DETACHED)
		add(&S.detached, 1);
	int from = a->have_stack ? STACK_OWN :
		   attrp && a->stack_size ? STACK_SET : STACK_DEFAULT;
	stack_add((uint64_t)(a->stack_size ? a->stack_size : def->stack_size) << 2 | from);
}

void ct_stats_start(struct ct_thread *t)
{
	if (!t->stats_time)
		return;
	uint64_t start = now();
	hist_add(&S.start, start - t->stats_time);
	t->stats_time = start;
	/* A new thread's CPU clock holds its start alone. */
	if (t->stats_weight)
		sample_add(CPU_START, t->stats_weight, ns(CLOCK_THREAD_CPUTIME_ID));
	int64_t alive = atomic_fetch_add_explicit(&S.alive, 1, memory_order_relaxed) + 1;
	int64_t peak = atomic_load_explicit(&S.peak_alive, memory_order_relaxed);
	while (alive > peak && !atomic_compare_exchange_weak_explicit(
			&S.peak_alive, &peak, alive, memory_order_relaxed,
			memory_order_relaxed))
		;
}

/* A thread's start routine has ended.  Detached, it is reaped now; if
 * pthread_detach comes between this and its exit decision, the simulated
 * pool misses it (a rare race, for an estimate). */
void ct_stats_exit(struct ct_thread *t)
{
	/* 0: main, a thread glibc started, one created before start-up, or
	 * the forking thread in a child (which did not create it). */
	if (!t->stats_time)
		return;
	uint64_t end = now(), life = end - t->stats_time;
	unsigned i = 0;
	for (uint64_t limit = 10000; i < LIFE_BUCKETS - 1 && life >= limit; limit *= 10)
		i++;
	add(&S.life[i], 1);
	atomic_fetch_sub_explicit(&S.alive, 1, memory_order_relaxed);
	if (atomic_load(&t->detach_state) & CT_DETACHED)
		sim_give(t, end);
}

void ct_stats_join(struct ct_thread *t, uint64_t called)
{
	if (!called)
		return;
	uint64_t end = now();
	hist_add(&S.join, end - called);
	cpu_end(CT_STATS_JOIN);
	sim_give(t, end);
}

void ct_stats_detach(struct ct_thread *t, int state)
{
	add(&S.detached_later, 1);
	if (state & CT_EXITED)
		sim_give(t, now());
}

/* The process's clocks start now. */
static void clocks_start(void)
{
	wall0 = now();
	cpu0 = ns(CLOCK_PROCESS_CPUTIME_ID);
}

void ct_stats_forked(void)
{
	memset(&S, 0, sizeof S);
	memset(&sim, 0, sizeof sim);
	memset(&mine, 0, sizeof mine);
	clocks_start();
	if (ct_self_desc)
		ct_self_desc->stats_time = 0;
}

/* ---- the report ---- */

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
		uint64_t v = bucket_mid(i);
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

static void report(void)
{
	struct summary create = summarize(&S.create), start = summarize(&S.start),
		       join = summarize(&S.join);
	uint64_t wall = now() - wall0, cpu = ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
	unsigned long long created = create.n, detached = S.detached,
			   joinable = created - detached, later = S.detached_later,
			   failed = S.failed, hits = S.hits, misses = S.misses;
	long long peak = S.peak_alive, alive = S.alive;
	ct_lock(&sim.lock);
	bool reuse = hits + misses > 0 || ct_reuse_on();
	unsigned long long served = reuse ? hits : sim.served,
			   eligible = reuse ? hits + misses : sim.eligible,
			   pool_most = sim.most, pool_full = sim.full;
	ct_unlock(&sim.lock);
	/* Negative where a reused cycle measured slower (a busy machine). */
	int64_t per = (int64_t)cycle_new - (int64_t)cycle_reused;
	int64_t saving = (int64_t)served * per;
	uint64_t per_abs = per < 0 ? -per : per, saving_abs = saving < 0 ? -saving : saving;
	const char *source = cycle_measured ? "measured" : "constant";
	const char *source_text = cycle_measured ?
		"measured by clonethreads-run on this machine before the program "
		"started (CLONETHREADS_STATS_CYCLE, unless set by hand)" :
		"make bench's medians on the build machine of this version "
		"(default stack), not measured on this machine";
	pid_t pid = getpid();
	len = 0;
	if (json) {
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
			    (unsigned long long)S.life[i]);
		put("},\n  \"stack_sizes\": [");
		for (unsigned i = 0; i < STACK_SIZES && S.stack[i].key; i++)
			put("%s{\"bytes\": %llu, \"from\": \"%s\", \"count\": %llu}",
			    i ? ", " : "", (unsigned long long)S.stack[i].key >> 2,
			    stack_from[S.stack[i].key & 3],
			    (unsigned long long)S.stack[i].count);
		put("],\n  \"stack_sizes_other\": %llu,\n",
		    (unsigned long long)S.stack_other);
		put("  \"reuse\": {\"on\": %s, \"hits\": %llu, \"misses\": %llu},\n",
		    reuse ? "true" : "false", hits, misses);
		put("  \"time_share\": {\n");
		share(true, "create", create.sum, create.n,
		      &S.cpu[CT_STATS_CREATE], wall, cpu, false);
		share(true, "start", start.sum, start.n, &S.cpu[CPU_START],
		      wall, cpu, false);
		share(true, "join_wait", join.sum, join.n,
		      &S.cpu[CT_STATS_JOIN], wall, cpu, true);
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
		    us(cycle_new), us(cycle_reused), source, saving / 1e3,
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
			    (unsigned long long)S.life[i]);
		put("\n%-20s", "stack sizes:");
		for (unsigned i = 0; i < STACK_SIZES && S.stack[i].key; i++)
			put("%s %s (%s) %llu", i ? "," : "",
			    text_size(a, sizeof a, S.stack[i].key >> 2),
			    stack_from[S.stack[i].key & 3],
			    (unsigned long long)S.stack[i].count);
		if (S.stack_other)
			put(", other sizes %llu", (unsigned long long)S.stack_other);
		put("%s\n", S.stack[0].key ? "" : " none");
		if (reuse)
			put("%-20s on: %llu creates took a parked thread, %llu made "
			    "a new one\n", "reuse:", hits, misses);
		else
			put("%-20s off\n", "reuse:");
		share(false, "time in creates:", create.sum, create.n,
		      &S.cpu[CT_STATS_CREATE], wall, cpu, false);
		share(false, "time to start:", start.sum, start.n,
		      &S.cpu[CPU_START], wall, cpu, false);
		share(false, "time in joins:", join.sum, join.n,
		      &S.cpu[CT_STATS_JOIN], wall, cpu, true);
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
		    text_time(a, sizeof a, cycle_new),
		    text_time(b, sizeof b, cycle_reused), source_text);
		put("%-20s %s\n", "assumption:", ASSUMPTION);
	}

	int fd = STDERR_FILENO;
	char name[PATH_MAX + 32];
	if (strcmp(path, "-")) {
		/* Each "%p" is the pid; without one, ".PID" is added. */
		size_t n = 0;
		bool expanded = false;
		for (const char *s = path; *s && n < sizeof name - 24; s++) {
			if (s[0] == '%' && s[1] == 'p') {
				n += snprintf(name + n, sizeof name - n, "%d", (int)pid);
				expanded = true;
				s++;
			} else {
				name[n++] = *s;
			}
		}
		if (!expanded)
			n += snprintf(name + n, sizeof name - n, ".%d", (int)pid);
		name[n] = 0;
		fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (fd < 0) {
			dprintf(STDERR_FILENO, "clonethreads: cannot write the "
				"statistics to %s: %s\n", name, strerror(errno));
			return;
		}
	}
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
	if (fd != STDERR_FILENO)
		close(fd);
}

/* CLONETHREADS_STATS_CYCLE=NEW,REUSED: a cycle's cost in microseconds. */
static void read_cycle(const char *v)
{
	char *end;
	double fresh = strtod(v, &end), reused;
	if (*end == ',' && (reused = strtod(end + 1, &end)) > 0 && !*end &&
	    fresh > 0 && fresh < 1e9) {
		cycle_new = fresh * 1e3;
		cycle_reused = reused * 1e3;
		cycle_measured = true;
	} else {
		dprintf(STDERR_FILENO, "clonethreads: CLONETHREADS_STATS_CYCLE=%s "
			"is not NEW,REUSED in microseconds: ignored\n", v);
	}
}

/* A constructor of the library: it runs after libc's, so the environment
 * is there (a -z initfirst library's constructor, or a .preinit_array
 * entry, may create threads before this; those are not counted).  The
 * atexit handler registered now runs after the program's own and after
 * the destructors, so threads they create are counted too. */
__attribute__((constructor)) static void stats_init(void)
{
	const char *file = getenv("CLONETHREADS_STATS");
	if (!file || !*file)
		return;
	const char *format = getenv("CLONETHREADS_STATS_FORMAT");
	json = format && !strcmp(format, "json");
	if (format && *format && !json && strcmp(format, "text"))
		dprintf(STDERR_FILENO, "clonethreads: CLONETHREADS_STATS_FORMAT=%s "
			"is neither text nor json: text\n", format);
	const char *cycle = getenv("CLONETHREADS_STATS_CYCLE");
	if (cycle && *cycle)
		read_cycle(cycle);
	/* A relative name is the start-up directory's: the program may
	 * change directory before it ends. */
	size_t n = 0;
	if (file[0] != '/' && strcmp(file, "-")) {
		if (!getcwd(path, sizeof path - 1)) {
			dprintf(STDERR_FILENO, "clonethreads: CLONETHREADS_STATS=%s: "
				"the current directory: %s: no statistics\n", file,
				strerror(errno));
			return;
		}
		n = strlen(path);
		path[n++] = '/';
	}
	if (strlen(file) >= sizeof path - n) {
		dprintf(STDERR_FILENO, "clonethreads: CLONETHREADS_STATS=%s: the "
			"name is too long: no statistics\n", file);
		return;
	}
	strcpy(path + n, file);
	clocks_start();
	/* Two reads in a row: what a sampled event's CPU time holds of the
	 * reading itself. */
	cpu_read = UINT64_MAX;
	for (int i = 0; i < 3; i++) {
		uint64_t first = ns(CLOCK_THREAD_CPUTIME_ID);
		uint64_t d = ns(CLOCK_THREAD_CPUTIME_ID) - first;
		if (d < cpu_read)
			cpu_read = d;
	}
	if (atexit(report))
		return;
	ct_stats_on = true;
}
