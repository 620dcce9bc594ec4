/* SPDX-License-Identifier: MIT */
/* The spawn benchmark's workloads, one repetition per run:
 *
 *	spawn_bench [-n CYCLES] [-S STACKS] [-t SIZES] [-m] WORKLOAD
 *
 * WORKLOAD is cycle, phases, burst, detached, detached_many or
 * two_creators.  STACKS is a
 * comma-separated list of stack settings, "default" (no attribute) or a
 * size in bytes with an optional k or m suffix (default: default,64k);
 * SIZES the burst sizes, threads alive at once (default: 1,10,100,1000).
 * For each stack setting the program warms up, then prints one line per
 * measured figure: "workload stack threads v1 v2 ...", the raw samples in
 * microseconds (one per cycle, or one per burst / chunk of detached
 * threads), the stack named as given.  With -m, burst also prints "memory
 * stack N rss_kib maps base_rss_kib base_maps" from one extra burst per
 * size: resident KiB and mappings while all N threads are alive, and
 * before they started.  Lines starting with '#' are comments.
 * clonethreads-bench interleaves the implementations and does the
 * statistics.
 *
 * The same file is linked with spawn_pthread.c (glibc, clonethreads, musl)
 * and with floor.c (bare clone); see spawn.h for what thread code may do. */
#define _GNU_SOURCE
#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "spawn.h"

/* The kernel's futex ABI, spelt out: the musl build has no kernel headers. */
#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129

#define BURST_MAX 1000		/* the floor has slots for a burst + 2 */
#define SETTINGS_MAX 16

struct stack {
	const char *name;	/* as given on the command line */
	size_t size;		/* 0: default attributes */
	int flags;		/* SPAWN_SIZED unless default */
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double us(uint64_t ns)
{
	return ns / 1e3;
}

static void futex_wait(_Atomic int *w, int val)
{
	syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, val, NULL);
}

static void futex_wake(_Atomic int *w)
{
	syscall(SYS_futex, w, FUTEX_WAKE_PRIVATE, INT_MAX);
}

static void die(const char *what)
{
	fprintf(stderr, "spawn_bench: %s failed\n", what);
	exit(1);
}

static void print_samples(const char *workload, const struct stack *s,
			  int threads, const double *v, int n)
{
	printf("%s %s %d", workload, s->name, threads);
	for (int i = 0; i < n; i++)
		printf(" %.3f", v[i]);
	putchar('\n');
}

/* A gate threads wait at until it opens; the burst holds all its threads
 * alive with it, the two creators start together with it. */
static _Atomic int gate;

static void gate_wait(void)
{
	while (!atomic_load(&gate))
		futex_wait(&gate, 0);
}

static void gate_open(void)
{
	atomic_store(&gate, 1);
	futex_wake(&gate);
}

static void *noop(void *arg)
{
	return arg;
}

/* The headline: create and join a thread that returns at once.  Runs in
 * spawned threads too (two_creators), hence an error return, no exit. */
static int cycles(int flags, int n, double *out)
{
	for (int i = 0; i < n; i++) {
		spawn_t t;
		uint64_t t0 = now_ns();
		if (spawn(&t, noop, NULL, flags))
			return -1;
		spawn_join(t);
		if (out)
			out[i] = us(now_ns() - t0);
	}
	return 0;
}

static void cycle(const struct stack *s, int n, double *buf)
{
	if (cycles(s->flags, n, buf))
		die("spawn");
	print_samples("cycle", s, 1, buf, n);
}

struct stamps {
	uint64_t first, last;
};

static void *stamped(void *arg)
{
	struct stamps *st = arg;
	st->first = now_ns();
	st->last = now_ns();
	return NULL;
}

/* Where one cycle's time goes, timed from both sides. */
static void phases(const struct stack *s, int n, double *buf)
{
	double *start = buf, *create = buf + n, *join = buf + 2 * n;
	for (int i = 0; i < n; i++) {
		struct stamps st;
		spawn_t t;
		uint64_t t0 = now_ns();
		if (spawn(&t, stamped, &st, s->flags))
			die("spawn");
		uint64_t t1 = now_ns();
		spawn_join(t);
		uint64_t t2 = now_ns();
		start[i] = us(st.first - t0);
		create[i] = us(t1 - t0);
		join[i] = us(t2 - st.last);
	}
	print_samples("phase_start", s, 1, start, n);
	print_samples("phase_create", s, 1, create, n);
	print_samples("phase_join", s, 1, join, n);
}

static void *gated(void *arg)
{
	gate_wait();
	return arg;
}

/* Resident KiB and number of mappings of this process right now.  The
 * resident size comes from smaps_rollup, which counts pages: VmRSS in
 * /proc/self/status is kept in per-CPU batches on recent kernels and can
 * be off by hundreds of KiB, more than a small burst uses. */
static void memory_now(long *rss_kib, long *maps)
{
	char line[512];
	FILE *f = fopen("/proc/self/smaps_rollup", "r");
	if (!f)
		die("/proc/self/smaps_rollup");
	*rss_kib = -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "Rss: %ld", rss_kib) == 1)
			break;
	fclose(f);
	if (!(f = fopen("/proc/self/maps", "r")))
		die("/proc/self/maps");
	*maps = 0;
	while (fgets(line, sizeof line, f))
		if (strchr(line, '\n'))
			++*maps;
	fclose(f);
}

/* Create n threads that all stay alive, then release and join them all;
 * returns the time per thread.  With `memory', records RSS and mappings
 * while all are alive (outside the timed part). */
static double burst_once(const struct stack *s, int n, int memory)
{
	static spawn_t t[BURST_MAX];
	long rss0, maps0, rss, maps;
	if (memory)
		memory_now(&rss0, &maps0);
	atomic_store(&gate, 0);
	uint64_t t0 = now_ns();
	for (int i = 0; i < n; i++)
		if (spawn(&t[i], gated, NULL, s->flags))
			die("spawn");
	uint64_t t1 = now_ns();
	if (memory) {
		memory_now(&rss, &maps);
		printf("memory %s %d %ld %ld %ld %ld\n", s->name, n, rss, maps,
		       rss0, maps0);
	}
	uint64_t t2 = now_ns();
	gate_open();
	for (int i = 0; i < n; i++)
		spawn_join(t[i]);
	return us(t1 - t0 + now_ns() - t2) / n;
}

static int want_memory;		/* -m */
static int burst_sizes[SETTINGS_MAX] = { 1, 10, 100, BURST_MAX };
static int nburst_sizes = 4;	/* -t */

static void burst(const struct stack *s, int n, double *buf)
{
	long rss, maps;
	if (want_memory)	/* the first reading allocates: not a thread's */
		memory_now(&rss, &maps);
	for (int k = 0; k < nburst_sizes; k++) {
		int size = burst_sizes[k];
		/* About as many threads in all as a cycle run, within bounds. */
		int reps = n / size < 1 ? 1 : n / size > 200 ? 200 : n / size;
		if (want_memory)
			burst_once(s, size, 1);
		for (int r = 0; r < reps; r++)
			buf[r] = burst_once(s, size, 0);
		print_samples("burst", s, size, buf, reps);
	}
}

static _Atomic int finished;
static int detached_total;

static void *counted(void *arg)
{
	if (atomic_fetch_add(&finished, 1) + 1 == detached_total)
		futex_wake(&finished);
	return arg;
}

/* Detached threads as fast as they can be created; the last one to finish
 * wakes us.  One sample per chunk of n/10 threads. */
static void detached(const struct stack *s, int n, double *buf)
{
	int chunks = 10, per = n / chunks > 0 ? n / chunks : 1;
	for (int c = 0; c < chunks; c++) {
		spawn_t t;
		atomic_store(&finished, 0);
		detached_total = per;
		uint64_t t0 = now_ns();
		for (int i = 0; i < per; i++)
			if (spawn(&t, counted, NULL, s->flags | SPAWN_DETACHED))
				die("spawn");
		int done;
		while ((done = atomic_load(&finished)) != per)
			futex_wait(&finished, done);
		buf[c] = us(now_ns() - t0) / per;
	}
	print_samples("detached", s, 1, buf, chunks);
}

/* detached_many: batch b's threads wait until released[b % 2] > b, so
 * that releasing one batch wakes none of the next. */
static _Atomic int released[2];

static void *held(void *arg)
{
	int batch = (int)(intptr_t)arg, r;
	_Atomic int *gate = &released[batch % 2];
	while ((r = atomic_load(gate)) <= batch)
		futex_wait(gate, r);
	return counted(NULL);
}

static void release(int batch)
{
	atomic_store(&released[batch % 2], batch + 1);
	futex_wake(&released[batch % 2]);
}

#define MANY_BATCH 500

/* Many detached threads created while many others still run: 10 * n
 * threads in batches of MANY_BATCH; a batch's threads wait until the next
 * batch has been created, then end while the creator goes on, so that
 * between MANY_BATCH and twice that many are alive.  One sample per
 * batch: the time to create it and release the one before, per thread;
 * the last one includes waiting for every thread to end. */
static void detached_many(const struct stack *s, int n, double *buf)
{
	int batches = 10 * n / MANY_BATCH < 2 ? 2 : 10 * n / MANY_BATCH;
	atomic_store(&finished, 0);
	atomic_store(&released[0], 0);
	atomic_store(&released[1], 0);
	detached_total = batches * MANY_BATCH;
	for (int b = 0; b < batches; b++) {
		spawn_t t;
		uint64_t t0 = now_ns();
		for (int i = 0; i < MANY_BATCH; i++)
			if (spawn(&t, held, (void *)(intptr_t)b,
				  s->flags | SPAWN_DETACHED))
				die("spawn");
		if (b > 0)
			release(b - 1);
		if (b == batches - 1) {
			release(b);
			int done;
			while ((done = atomic_load(&finished)) != detached_total)
				futex_wait(&finished, done);
		}
		buf[b] = us(now_ns() - t0) / MANY_BATCH;
	}
	print_samples("detached_many", s, 1, buf, batches);
}

struct creator {
	int flags, n, err;
	double *out;
};

static void *creator(void *arg)
{
	struct creator *c = arg;
	gate_wait();
	c->err = cycles(c->flags, c->n, c->out);
	return NULL;
}

/* Two threads running the cycle loop at once. */
static void two_creators(const struct stack *s, int n, double *buf)
{
	struct creator c[2];
	spawn_t t[2];
	atomic_store(&gate, 0);
	for (int i = 0; i < 2; i++) {
		c[i] = (struct creator){ s->flags, n, 0, buf + i * n };
		if (spawn(&t[i], creator, &c[i], 0))
			die("spawn");
	}
	gate_open();
	for (int i = 0; i < 2; i++)
		spawn_join(t[i]);
	if (c[0].err || c[1].err)
		die("spawn");
	print_samples("two_creators", s, 2, buf, 2 * n);
}

static const struct workload {
	const char *name;
	void (*run)(const struct stack *, int, double *);
} workloads[] = {
	{ "cycle", cycle },
	{ "phases", phases },
	{ "burst", burst },
	{ "detached", detached },
	{ "detached_many", detached_many },
	{ "two_creators", two_creators },
};

static void usage(void)
{
	fprintf(stderr, "usage: spawn_bench [-n CYCLES] [-S STACKS] [-t SIZES] "
		"[-m] cycle|phases|burst|detached|detached_many|"
		"two_creators\n");
	exit(2);
}

/* "default" (0), or bytes with an optional k/m suffix. */
static int parse_stack(const char *text, size_t *size)
{
	*size = 0;
	if (!strcmp(text, "default"))
		return 0;
	char *end;
	unsigned long long v = strtoull(text, &end, 10);
	int shift = *end == 'k' ? 10 : *end == 'm' ? 20 : 0;
	if (shift)
		end++;
	if (end == text || *end || v == 0 || v > (SIZE_MAX >> shift))
		return -1;
	*size = (size_t)v << shift;
	return 0;
}

/* Splits a comma-separated list in place; returns the number of items. */
static int split(char *list, char **items)
{
	int n = 0;
	for (char *item = strtok(list, ","); item; item = strtok(NULL, ","))
		if (n < SETTINGS_MAX)
			items[n++] = item;
		else
			usage();
	return n;
}

int main(int argc, char **argv)
{
	int n = 2000, opt, nstacks = 0;
	char *items[SETTINGS_MAX], default_stacks[] = "default,64k";
	char *stack_list = default_stacks;
	struct stack stacks[SETTINGS_MAX];
	while ((opt = getopt(argc, argv, "n:S:t:m")) != -1) {
		if (opt == 'n' && (n = atoi(optarg)) > 0)
			continue;
		if (opt == 'S') {
			stack_list = optarg;
			continue;
		}
		if (opt == 't') {
			nburst_sizes = split(optarg, items);
			for (int i = 0; i < nburst_sizes; i++) {
				burst_sizes[i] = atoi(items[i]);
				if (burst_sizes[i] < 1 || burst_sizes[i] > BURST_MAX)
					usage();
			}
			continue;
		}
		if (opt == 'm') {
			want_memory = 1;
			continue;
		}
		usage();
	}
	nstacks = split(stack_list, items);
	for (int i = 0; i < nstacks; i++) {
		size_t size;
		if (parse_stack(items[i], &size))
			usage();
		stacks[i] = (struct stack){ items[i], size, size ? SPAWN_SIZED : 0 };
	}
	if (!nstacks || !nburst_sizes)
		usage();
	if (optind != argc - 1)
		usage();
	const struct workload *w = NULL;
	for (size_t i = 0; i < sizeof workloads / sizeof *workloads; i++)
		if (!strcmp(argv[optind], workloads[i].name))
			w = &workloads[i];
	if (!w)
		usage();

	spawn_init();
	double *buf = malloc(3 * sizeof *buf * (n > BURST_MAX ? n : BURST_MAX));
	if (!buf)
		die("malloc");
	for (int i = 0; i < nstacks; i++) {
		const struct stack *s = &stacks[i];
		if (s->size && spawn_set_stack(s->size)) {
			fprintf(stderr, "spawn_bench: stack size %s not possible "
				"here\n", s->name);
			exit(2);
		}
		/* Warm-up: caches, lazy binding, the libraries' stack caches. */
		if (cycles(s->flags, n / 10 + 10, NULL))
			die("spawn");
		w->run(s, n, buf);
		fflush(stdout);
	}
	free(buf);
	return 0;
}
