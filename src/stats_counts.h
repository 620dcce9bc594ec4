/* SPDX-License-Identifier: MIT */
/* The counters of the statistics report: kept by stats.c as threads
 * come and go, read by stats_report.c when the process ends. */
#ifndef CT_STATS_COUNTS_H
#define CT_STATS_COUNTS_H

#include <limits.h>
#include <time.h>
#include "stats.h"

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
struct ct_stats_counts {
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
};
extern hidden struct ct_stats_counts ct_stats;

/* The simulated pool: threads in the order they were offered. */
struct ct_stats_sim {
	ct_lock_t lock;
	unsigned n, most;		/* held now; at most */
	uint64_t served, eligible, full;
	struct { uint64_t since; size_t stack, guard; } e[SIM_MAX];
};
extern hidden struct ct_stats_sim ct_stats_sim;

/* Set at start-up (and in a forked child); read by the report. */
struct ct_stats_cfg {
	char path[PATH_MAX];		/* absolute, "%p" not yet replaced */
	bool json;
	uint64_t cycle_new, cycle_reused;
	bool cycle_measured;
	uint64_t wall0, cpu0;		/* the process's start, for the shares */
	int fd;				/* the report's, open from start-up */
};
extern hidden struct ct_stats_cfg ct_stats_cfg;

/* A clock's reading in ns; CLOCK_MONOTONIC's. */
static inline uint64_t ct_stats_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}
static inline uint64_t ct_stats_now(void)
{
	return ct_stats_ns(CLOCK_MONOTONIC);
}
/* The middle of histogram bucket i (its value, below SUBS). */
hidden uint64_t ct_stats_bucket_mid(unsigned i);
/* stats_report.c: write the report (an atexit handler). */
hidden void ct_stats_report(void);

#endif
