/* SPDX-License-Identifier: MIT */
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
 * exit), into a file opened at start-up (open_report says why); a
 * process that ends otherwise (_exit, a fatal signal, exec) leaves it
 * empty.
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
#include "stats_counts.h"

hidden bool ct_stats_on;

hidden struct ct_stats_counts ct_stats;
hidden struct ct_stats_sim ct_stats_sim;
hidden struct ct_stats_cfg ct_stats_cfg = {
	.cycle_new = CYCLE_NEW_NS, .cycle_reused = CYCLE_REUSED_NS, .fd = -1 };
static uint64_t cpu_read;		/* what reading a CPU clock adds to it */

/* The calling thread's creates and joins so far (for the sample), and its
 * CPU time when a sampled one began (0: the one in progress is not). */
static __thread struct {
	uint64_t events[CT_STATS_LASTING], cpu_begun[CT_STATS_LASTING];
} mine __attribute__((tls_model("initial-exec")));

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

uint64_t ct_stats_bucket_mid(unsigned i)
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
	add(&ct_stats.cpu[kind].n, 1);
	add(&ct_stats.cpu[kind].weighted, weight * cpu);
}

/* ---- the simulated pool, under ct_stats_sim.lock ---- */

static void sim_expire(uint64_t now)
{
	const uint64_t idle = CT_REUSE_IDLE_MS * 1000000ull;
	unsigned k = 0;
	while (k < ct_stats_sim.n && ct_stats_sim.e[k].since + idle < now)
		k++;
	memmove(ct_stats_sim.e, ct_stats_sim.e + k, (ct_stats_sim.n - k) * sizeof ct_stats_sim.e[0]);
	ct_stats_sim.n -= k;
}

/* A create of t's geometry: served by the newest that fits. */
static void sim_take(struct ct_thread *t, uint64_t now)
{
	ct_lock(&ct_stats_sim.lock);
	ct_stats_sim.eligible++;
	sim_expire(now);
	for (unsigned i = ct_stats_sim.n; i-- > 0;) {
		if (ct_stats_sim.e[i].stack == t->region.stack_size &&
		    ct_stats_sim.e[i].guard == t->region.guard_size) {
			memmove(ct_stats_sim.e + i, ct_stats_sim.e + i + 1,
				(ct_stats_sim.n - i - 1) * sizeof ct_stats_sim.e[0]);
			ct_stats_sim.n--;
			ct_stats_sim.served++;
			break;
		}
	}
	ct_unlock(&ct_stats_sim.lock);
}

/* t is reaped: it would be parked, if there is room. */
static void sim_give(struct ct_thread *t, uint64_t now)
{
	if (!t->stats_poolable || ct_reuse_on())
		return;
	ct_lock(&ct_stats_sim.lock);
	sim_expire(now);
	if (ct_stats_sim.n < SIM_MAX) {
		ct_stats_sim.e[ct_stats_sim.n].since = now;
		ct_stats_sim.e[ct_stats_sim.n].stack = t->region.stack_size;
		ct_stats_sim.e[ct_stats_sim.n].guard = t->region.guard_size;
		if (++ct_stats_sim.n > ct_stats_sim.most)
			ct_stats_sim.most = ct_stats_sim.n;
	} else {
		ct_stats_sim.full++;
	}
	ct_unlock(&ct_stats_sim.lock);
}

/* ---- the events ---- */

uint64_t ct_stats_begin(enum ct_stats_event e)
{
	mine.cpu_begun[e] = sample_weight(e) ? ct_stats_ns(CLOCK_THREAD_CPUTIME_ID) : 0;
	return ct_stats_now();
}

/* The end of a create or join: its CPU time, if it is in the sample. */
static void cpu_end(enum ct_stats_event e)
{
	uint64_t begun = mine.cpu_begun[e];
	if (!begun)
		return;
	uint64_t k = mine.events[e] - 1, cpu = ct_stats_ns(CLOCK_THREAD_CPUTIME_ID) - begun;
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
		add(reused ? &ct_stats.hits : &ct_stats.misses, 1);
	else if (poolable && called)
		sim_take(t, called);
}

static void stack_add(uint64_t key)
{
	for (unsigned i = 0; i < STACK_SIZES; i++) {
		uint64_t k = atomic_load_explicit(&ct_stats.stack[i].key, memory_order_relaxed);
		if (!k && atomic_compare_exchange_strong(&ct_stats.stack[i].key, &k, key))
			k = key;
		if (k == key) {
			add(&ct_stats.stack[i].count, 1);
			return;
		}
	}
	add(&ct_stats.stack_other, 1);
}

void ct_stats_created(uint64_t called, const pthread_attr_t *attrp,
		      const struct ct_attr *def, int err)
{
	/* 0: the call began before start-up turned statistics on. */
	if (!called)
		return;
	if (err) {
		add(&ct_stats.failed, 1);
		return;
	}
	hist_add(&ct_stats.create, ct_stats_now() - called);
	cpu_end(CT_STATS_CREATE);
	const struct ct_attr *a = attrp ? CT_ATTR(attrp) : def;
	if (a->detach == PTHREAD_CREATE_DETACHED)
		add(&ct_stats.detached, 1);
	int from = a->have_stack ? STACK_OWN :
		   attrp && a->stack_size ? STACK_SET : STACK_DEFAULT;
	stack_add((uint64_t)(a->stack_size ? a->stack_size : def->stack_size) << 2 | from);
}

void ct_stats_start(struct ct_thread *t)
{
	if (!t->stats_time)
		return;
	uint64_t start = ct_stats_now();
	hist_add(&ct_stats.start, start - t->stats_time);
	t->stats_time = start;
	/* A new thread's CPU clock holds its start alone. */
	if (t->stats_weight)
		sample_add(CPU_START, t->stats_weight, ct_stats_ns(CLOCK_THREAD_CPUTIME_ID));
	int64_t alive = atomic_fetch_add_explicit(&ct_stats.alive, 1, memory_order_relaxed) + 1;
	int64_t peak = atomic_load_explicit(&ct_stats.peak_alive, memory_order_relaxed);
	while (alive > peak && !atomic_compare_exchange_weak_explicit(
			&ct_stats.peak_alive, &peak, alive, memory_order_relaxed,
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
	uint64_t end = ct_stats_now(), life = end - t->stats_time;
	unsigned i = 0;
	for (uint64_t limit = 10000; i < LIFE_BUCKETS - 1 && life >= limit; limit *= 10)
		i++;
	add(&ct_stats.life[i], 1);
	atomic_fetch_sub_explicit(&ct_stats.alive, 1, memory_order_relaxed);
	if (atomic_load(&t->detach_state) & CT_DETACHED)
		sim_give(t, end);
}

void ct_stats_join(struct ct_thread *t, uint64_t called)
{
	if (!called)
		return;
	uint64_t end = ct_stats_now();
	hist_add(&ct_stats.join, end - called);
	cpu_end(CT_STATS_JOIN);
	sim_give(t, end);
}

void ct_stats_detach(struct ct_thread *t, int state)
{
	add(&ct_stats.detached_later, 1);
	if (state & CT_EXITED)
		sim_give(t, ct_stats_now());
}

/* The process's clocks start now. */
static void clocks_start(void)
{
	ct_stats_cfg.wall0 = ct_stats_now();
	ct_stats_cfg.cpu0 = ct_stats_ns(CLOCK_PROCESS_CPUTIME_ID);
}

/* The report's file, opened at start-up (and in a forked child, for its
 * own): a program may close standard error before it exits, or forbid
 * itself to create files (xz's sandbox does both).  "%p" in the name is
 * the pid, or without one ".PID" is added; "-" is standard error. */
static void open_report(void)
{
	if (!strcmp(ct_stats_cfg.path, "-")) {
		ct_stats_cfg.fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
		return;
	}
	char name[PATH_MAX + 32];
	size_t n = 0;
	bool expanded = false;
	for (const char *s = ct_stats_cfg.path; *s && n < sizeof name - 24; s++) {
		if (s[0] == '%' && s[1] == 'p') {
			n += snprintf(name + n, sizeof name - n, "%d", (int)getpid());
			expanded = true;
			s++;
		} else {
			name[n++] = *s;
		}
	}
	if (!expanded)
		n += snprintf(name + n, sizeof name - n, ".%d", (int)getpid());
	name[n] = 0;
	ct_stats_cfg.fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (ct_stats_cfg.fd < 0)
		dprintf(STDERR_FILENO, "clonethreads: cannot write the statistics "
			"to %s: %s\n", name, strerror(errno));
}

void ct_stats_forked(void)
{
	if (ct_stats_cfg.fd >= 0)
		close(ct_stats_cfg.fd);	/* the parent's */
	open_report();
	memset(&ct_stats, 0, sizeof ct_stats);
	memset(&ct_stats_sim, 0, sizeof ct_stats_sim);
	memset(&mine, 0, sizeof mine);
	clocks_start();
	if (ct_self_desc)
		ct_self_desc->stats_time = 0;
}

/* CLONETHREADS_STATS_CYCLE=NEW,REUSED: a cycle's cost in microseconds. */
static void read_cycle(const char *v)
{
	char *end;
	double fresh = strtod(v, &end), reused;
	if (*end == ',' && (reused = strtod(end + 1, &end)) > 0 && !*end &&
	    fresh > 0 && fresh < 1e9) {
		ct_stats_cfg.cycle_new = fresh * 1e3;
		ct_stats_cfg.cycle_reused = reused * 1e3;
		ct_stats_cfg.cycle_measured = true;
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
	ct_stats_cfg.json = format && !strcmp(format, "json");
	if (format && *format && !ct_stats_cfg.json && strcmp(format, "text"))
		dprintf(STDERR_FILENO, "clonethreads: CLONETHREADS_STATS_FORMAT=%s "
			"is neither text nor json: text\n", format);
	const char *cycle = getenv("CLONETHREADS_STATS_CYCLE");
	if (cycle && *cycle)
		read_cycle(cycle);
	/* A relative name is the start-up directory's: the program may
	 * change directory before it ends. */
	size_t n = 0;
	if (file[0] != '/' && strcmp(file, "-")) {
		if (!getcwd(ct_stats_cfg.path, sizeof ct_stats_cfg.path - 1)) {
			dprintf(STDERR_FILENO, "clonethreads: CLONETHREADS_STATS=%s: "
				"the current directory: %s: no statistics\n", file,
				strerror(errno));
			return;
		}
		n = strlen(ct_stats_cfg.path);
		ct_stats_cfg.path[n++] = '/';
	}
	if (strlen(file) >= sizeof ct_stats_cfg.path - n) {
		dprintf(STDERR_FILENO, "clonethreads: CLONETHREADS_STATS=%s: the "
			"name is too long: no statistics\n", file);
		return;
	}
	strcpy(ct_stats_cfg.path + n, file);
	open_report();
	if (ct_stats_cfg.fd < 0)
		return;
	clocks_start();
	/* Two reads in a row: what a sampled event's CPU time holds of the
	 * reading itself. */
	cpu_read = UINT64_MAX;
	for (int i = 0; i < 3; i++) {
		uint64_t first = ct_stats_ns(CLOCK_THREAD_CPUTIME_ID);
		uint64_t d = ct_stats_ns(CLOCK_THREAD_CPUTIME_ID) - first;
		if (d < cpu_read)
			cpu_read = d;
	}
	if (atexit(ct_stats_report))
		return;
	ct_stats_on = true;
}
