/* SPDX-License-Identifier: MIT */
/* Opt-in reuse of exited kernel threads (CLONETHREADS_REUSE=N, or
 * clonethreads_set_reuse): every library that makes a kernel thread per
 * pthread_create pays clone + exit + wake each time.  With reuse on, up
 * to N threads that end are parked instead of exiting -- asleep on a
 * futex in their descriptor -- and pthread_create hands its start routine
 * to a parked one and wakes it, which starts it over from its first frame
 * (create.c's start, through a jump buffer set there).
 *
 * A pthread that ends on a reusable thread:
 *   1. is admitted to the pool if there is room (else it exits as usual),
 *   2. tells its joiner it has ended (the `done' word: the kernel's clear
 *      of the tid word, what join waits on otherwise, never comes),
 *   3. puts back what the next pthread must not inherit: sigaltstack off,
 *      name, scheduling and affinity to the values the process had when
 *      reuse was enabled, every signal but set*id's blocked while parked
 *      (a parked thread must not take the process's signals),
 *   4. is available once it is both ready (3 done) and reaped (joined,
 *      or detached); until then no creator touches it.
 * A creator that takes it resets the descriptor, TCB and TLS as for a
 * fresh thread (glibc/tcb.c), with the creator's signal mask; the woken thread
 * drains thread-directed signals sent to its tid while it was parked
 * (POSIX: a new thread has none pending) and installs the mask.
 *
 * Parked threads are bounded in number (N) and in idle time: one that
 * nobody takes within CT_REUSE_IDLE_MS exits. */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <linux/rseq.h>
#include <sys/syscall.h>
#include "clonethreads.h"
#include "cancel.h"
#include "reuse.h"
#include "glibc/glibc.h"
#include "valgrind.h"

/* The kernel's struct sched_attr, its first version (<linux/sched/types.h>
 * cannot be included beside <sched.h>). */
struct kattr {
	uint32_t size, policy;
	uint64_t flags;
	int32_t nice;
	uint32_t priority;
	uint64_t runtime, deadline, period;
};

/* kt.park: a thread's way through the pool. */
enum { NONE, PARKING, PARKED, TAKEN, JOB, LEAVE, GONE };

hidden ct_lock_t ct_reuse_lock;	/* the pool and every kt.park change */
static unsigned max_parked;	/* 0: reuse off */
static unsigned parked;		/* threads in PARKING or PARKED */
static unsigned leaving;	/* of those, told to leave, not gone yet */
static struct ct_thread *available;	/* ready and reaped, LIFO */
static struct ct_thread *all;		/* every PARKING/PARKED thread */
static _Atomic int offered;	/* bumped when one becomes available */
static _Atomic int takers;	/* creators waiting for that */

/* The hand-overs: a joiner waits for the joined thread's end (`done'),
 * a creator for a reaped thread to be ready (`offered'), a parked thread
 * for a creator to take it and give it its job (kt.park).  When both
 * sides run, the steps are a microsecond or two apart; a sleep and a
 * wake-up across CPUs, the other CPU gone idle, cost several times that
 * (a reuse cycle took 11 us without spinning there, 2.2 us when both
 * sides shared a CPU).  But a spin only pays while the side it waits for
 * runs on another CPU: with every CPU busy with other work, that side is
 * often waiting for a CPU -- or for the very CPU the spin holds -- and
 * spinning made a cycle 7-12 us against 2.9 without.  So a hand-over
 * spins (spin()) only
 *  - if the other side runs: it is not asleep, nor woken and not run yet
 *    (a parked thread's kt.sleeping, a joiner's `done' of 2, sleeping
 *    creators, `takers', say so) -- such a thread runs only after an
 *    idle CPU's wake-up time on an idle machine, after other work on a
 *    busy one;
 *  - if it did not last run on this CPU (the cpu_id the kernel keeps in
 *    each thread's rseq area): it could then only be waiting for this
 *    CPU;
 *  - while spinning has paid lately at this kind of hand-over: each kind
 *    keeps a score of recent outcomes; below zero, one hand-over in
 *    PROBE_EVERY spins, to see when it pays again;
 * and no longer than twice its recent spins plus a margin (as glibc's
 * adaptive mutexes), at most HANDOVER_SPINS (about 2 us on the build
 * machine).  Should both sides fall asleep at every hand-over, the next
 * create takes the thread before it sleeps often enough (its wait for
 * the creator, who runs, spins), and from there on both run. */
#define HANDOVER_SPINS 200
#define SCORE_MAX 16
#define PROBE_EVERY 64
static int handover_spins;	/* 0: never (one CPU, or CLONETHREADS_REUSE_SPIN=0) */
static bool no_spin;		/* CLONETHREADS_REUSE_SPIN=0 */
/* Where the other side is: a CPU, or one of these. */
enum { CPU_UNKNOWN = -1, CPU_ASLEEP = -2 };
/* The kinds of hand-over, each learning on its own. */
enum { AT_JOIN, AT_TAKE, AT_PARKED, AT_TAKEN, SITES };
static struct site {
	_Atomic int score;	/* spins that paid, less twice those that did not */
	_Atomic int spins;	/* recent spins, averaged */
	_Atomic unsigned probes;
} __attribute__((aligned(64))) sites[SITES] = {
	[0 ... SITES - 1] = { .spins = HANDOVER_SPINS / 2 },
};
/* What a new thread would have inherited, as of enabling reuse. */
static struct {
	char name[16];
	struct kattr attr;
	cpu_set_t cpus;
} pristine;

/* The CPU the thread with this thread pointer last ran on, as the kernel
 * writes it into its rseq area at every return to user space on a new
 * CPU; CPU_UNKNOWN without one, or where none is registered (its cpu_id
 * is then marked failed, tcb.c).  Only a hint: a parked thread's area may
 * be in the middle of being renewed (glibc/ keeps what the kernel
 * wrote). */
static ct_tcb_free int cpu_at(const void *tp)
{
	if (!ct_glibc.rseq_len)
		return CPU_UNKNOWN;
	const _Atomic uint32_t *id = (const _Atomic uint32_t *)
		((const char *)tp + ct_glibc.rseq_off +
		 offsetof(struct rseq, cpu_id));
	int cpu = (int)atomic_load_explicit(id, memory_order_relaxed);
	return cpu >= 0 ? cpu : CPU_UNKNOWN;
}

/* Spin while *word == val, if and as long as that can pay (above), at
 * hand-over `at'; the other side is at CPU `peer' (or CPU_UNKNOWN, or
 * CPU_ASLEEP), this one at `me'.  True once *word differs, false when it
 * is time to sleep. */
static ct_tcb_free bool spin(_Atomic int *word, int val, int at, int peer,
			     int me)
{
	if (!handover_spins || peer == CPU_ASLEEP || (peer >= 0 && peer == me))
		return false;
	struct site *s = &sites[at];
	int score = atomic_load_explicit(&s->score, memory_order_relaxed);
	if (score < 0 && atomic_fetch_add_explicit(&s->probes, 1,
			memory_order_relaxed) % PROBE_EVERY)
		return false;
	int avg = atomic_load_explicit(&s->spins, memory_order_relaxed);
	int limit = 2 * avg + 16 < handover_spins ? 2 * avg + 16 : handover_spins;
	int i = 0;
	bool paid = false;
	for (; i < limit; i++) {
		if (atomic_load_explicit(word, memory_order_acquire) != val) {
			paid = true;
			break;
		}
		ct_cpu_relax();
	}
	/* Racy updates of a hint: a lost one does no harm. */
	atomic_store_explicit(&s->spins, avg + (i - avg) / 8,
			      memory_order_relaxed);
	score = paid ? (score < SCORE_MAX ? score + 1 : SCORE_MAX)
		     : (score > -SCORE_MAX + 1 ? score - 2 : -SCORE_MAX);
	atomic_store_explicit(&s->score, score, memory_order_relaxed);
	return paid;
}

/* kt.partner_cpu holds a CPU + 1; 0 (a new kernel thread's) unknown. */
static void set_partner(struct ct_thread *t, int cpu)
{
	atomic_store_explicit(&t->kt.partner_cpu, cpu + 1, memory_order_relaxed);
}

static ct_tcb_free int partner(struct ct_thread *t)
{
	int v = atomic_load_explicit(&t->kt.partner_cpu, memory_order_relaxed);
	return v > 0 ? v - 1 : CPU_UNKNOWN;
}

bool ct_reuse_join_spin(struct ct_thread *t)
{
	int me = cpu_at((void *)ct_get_tp());
	set_partner(t, me);	/* for t's own wait, parked, for a create */
	int peer = atomic_load(&t->kt.sleeping) ? CPU_ASLEEP : cpu_at(t->tp);
	return spin(&t->done, 0, AT_JOIN, peer, me);
}

bool ct_reuse_on(void)
{
	return atomic_load_explicit((_Atomic unsigned *)&max_parked,
				    memory_order_relaxed) != 0;
}

static void unlink_all(struct ct_thread *t)
{
	struct ct_thread **p = &all;
	while (*p != t)
		p = &(*p)->kt.pool_all;
	*p = t->kt.pool_all;
}

static void unlink_available(struct ct_thread *t)
{
	struct ct_thread **p = &available;
	while (*p && *p != t)
		p = &(*p)->kt.pool_next;
	if (*p)
		*p = t->kt.pool_next;
}

/* A parked thread that is not asleep needs no wake-up: it sets
 * kt.sleeping before its futex wait, which then finds the new value (the
 * two stores and loads are sequentially consistent). */
static ct_tcb_free void tell(struct ct_thread *t, int what)
{
	atomic_store(&t->kt.park, what);
	if (atomic_load(&t->kt.sleeping))
		ct_futex_wake(&t->kt.park, 1, false);
}

/* A parked thread's futex wait on kt.park, saying it sleeps. */
static ct_tcb_free int sleep_parked(struct ct_thread *t, int p,
				    const struct timespec *until)
{
	atomic_store(&t->kt.sleeping, 1);
	int r = ct_futex_wait(&t->kt.park, p, CLOCK_MONOTONIC, until, false);
	atomic_store(&t->kt.sleeping, 0);
	return r;
}

/* Under the lock: make a parked thread that nobody can take any more
 * leave; it counts itself out. */
static ct_tcb_free void send_away(struct ct_thread *t)
{
	leaving++;
	tell(t, LEAVE);
}

/* Under the lock: ready and reaped makes it available -- or, beyond a
 * bound lowered meanwhile, makes it leave.  Creators waiting for it look
 * again either way; true if some were asleep. */
static ct_tcb_free bool offer(struct ct_thread *t)
{
	if (!t->kt.ready || !t->kt.reaped)
		return false;
	if (parked - leaving > max_parked) {
		send_away(t);
	} else {
		t->kt.pool_next = available;
		available = t;
	}
	atomic_fetch_add(&offered, 1);
	if (!atomic_load(&takers))
		return false;
	ct_futex_wake(&offered, INT_MAX, false);
	return true;
}

/* Step 3: what the next pthread must not inherit. */
static void put_back(void)
{
	stack_t off = { .ss_flags = SS_DISABLE };
	sigaltstack(&off, NULL);
	char name[16];
	if (prctl(PR_GET_NAME, name) == 0 && strcmp(name, pristine.name))
		prctl(PR_SET_NAME, pristine.name);
	struct kattr attr;
	if (syscall(SYS_sched_getattr, 0, &attr, sizeof attr, 0) == 0 &&
	    (attr.policy != pristine.attr.policy || attr.nice != pristine.attr.nice ||
	     attr.priority != pristine.attr.priority))
		syscall(SYS_sched_setattr, 0, &pristine.attr, 0);
	cpu_set_t cpus;
	if (sched_getaffinity(0, sizeof cpus, &cpus) == 0 &&
	    !CPU_EQUAL(&cpus, &pristine.cpus))
		sched_setaffinity(0, sizeof pristine.cpus, &pristine.cpus);
	/* Parked, it takes no signal but set*id's: the process's signals go
	 * to live threads, and a handler must not run in it while a creator
	 * renews its TLS (the set*id handler touches none). */
	sigset_t mask;
	memset(&mask, 0xff, sizeof mask);
	unsigned long *w = (unsigned long *)&mask;
	const unsigned bits = CHAR_BIT * sizeof *w;
	w[(CT_SIGSETXID - 1) / bits] &= ~(1UL << (CT_SIGSETXID - 1) % bits);
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &mask, NULL, _NSIG / 8);
}

/* The joiner of a reusable thread waits on `done' (join.c); true if it
 * was asleep. */
static bool signal_done(struct ct_thread *t)
{
	if (atomic_exchange(&t->done, 1) != 2)
		return false;
	ct_futex_wake(&t->done, 1, false);
	return true;
}

/* A thread that ends holding robust mutexes exits for real: the kernel
 * marks them for the next owner (EOWNERDEAD) only then. */
static bool holds_robust(struct ct_thread *t)
{
	struct robust_list_head *h = &t->kt.robust_head;
	return t->kt.robust_registered &&
	       (h->list.next != &h->list || h->list_op_pending);
}

static bool fits(struct ct_thread *t, size_t stack_size, size_t guard_size)
{
	return t->region.stack_size == stack_size &&
	       t->region.guard_size == guard_size;
}

/* Under the lock, the pool full: make room for t by sending away the
 * longest parked available thread of another stack geometry, which the
 * program may no longer create (it would only be taken again after its
 * idle time, and meanwhile threads of the geometry in use could not be
 * kept). */
static bool make_room(struct ct_thread *t)
{
	struct ct_thread **p, **oldest = NULL;
	for (p = &available; *p; p = &(*p)->kt.pool_next)
		if (!fits(*p, t->region.stack_size, t->region.guard_size))
			oldest = p;
	if (!oldest)
		return false;
	struct ct_thread *v = *oldest;
	*oldest = v->kt.pool_next;
	send_away(v);
	return true;
}

void ct_reuse_park(struct ct_thread *t, bool detached)
{
	ct_lock(&ct_reuse_lock);
	bool admit = !holds_robust(t) &&
		     (parked - leaving < max_parked || make_room(t));
	if (admit) {
		parked++;
		t->kt.park = PARKING;
		t->kt.ready = false;
		t->kt.reaped = detached;
		t->kt.pool_all = all;
		all = t;
	}
	ct_unlock(&ct_reuse_lock);
	if (detached && admit)
		ct_handle_retire(t->region.slot);	/* the pthread is gone */
	/* Where the next create will come from: a joiner that sleeps, or
	 * creators asleep for this thread, are a wake-up away. */
	bool partner_asleep = signal_done(t);
	if (!admit)
		return;		/* it exits as usual */
	put_back();
	struct timespec idle;
	clock_gettime(CLOCK_MONOTONIC, &idle);
	idle.tv_sec += CT_REUSE_IDLE_MS / 1000;
	/* From here until it is told JOB, a creator may be renewing this
	 * thread's TCB and TLS under it: nothing below touches them (the
	 * futex and lock calls are raw system calls). */
	ct_lock(&ct_reuse_lock);
	t->kt.ready = true;
	t->kt.park = PARKED;
	partner_asleep |= offer(t);
	ct_unlock(&ct_reuse_lock);
	for (;;) {
		int p = atomic_load(&t->kt.park);
		if (p == JOB) {
			t->kt.park = NONE;
			ct_longjmp(&t->kt.restart, 1);	/* create.c's start */
		}
		int me = cpu_at(t->tp), other = partner(t);
		if (p == TAKEN) {	/* a creator is setting it up */
			if (!spin(&t->kt.park, TAKEN, AT_TAKEN, other, me))
				sleep_parked(t, TAKEN, NULL);
			continue;
		}
		/* A joined thread's joiner often creates again at once (a
		 * fork-join loop); a detached one's creator has other parked
		 * threads to take, and a spin here only takes its CPU. */
		if (p != LEAVE &&
		    ((!detached && spin(&t->kt.park, p, AT_PARKED,
					partner_asleep ? CPU_ASLEEP : other,
					me)) ||
		     sleep_parked(t, p, &idle) != ETIMEDOUT))
			continue;
		ct_lock(&ct_reuse_lock);
		p = atomic_load(&t->kt.park);
		if (p == TAKEN || p == JOB) {	/* taken just now */
			ct_unlock(&ct_reuse_lock);
			continue;
		}
		bool reaped = t->kt.reaped;
		unlink_available(t);
		unlink_all(t);
		parked--;
		if (p == LEAVE)
			leaving--;
		t->kt.park = GONE;
		ct_unlock(&ct_reuse_lock);
		/* Its TLS is its own again: nobody takes it now. */
		ct_glibc_drop_tcache();
		if (reaped)	/* nobody else gives its region back */
			ct_region_put(t);
		for (;;)
			syscall(SYS_exit, 0);
	}
}

bool ct_reuse_reap(struct ct_thread *t)
{
	ct_lock(&ct_reuse_lock);
	int p = atomic_load(&t->kt.park);
	bool parked_here = p == PARKING || p == PARKED;
	if (parked_here) {
		t->kt.reaped = true;
		ct_handle_retire(t->region.slot);
		offer(t);
	}
	ct_unlock(&ct_reuse_lock);
	return parked_here;
}

/* A reaped thread still putting things back will be available within a
 * few system calls: worth waiting for rather than cloning a new one (a
 * create right after a join finds the joined thread there). */
struct ct_thread *ct_reuse_take(size_t stack_size, size_t guard_size)
{
	for (;;) {
		struct ct_thread *t;
		bool soon = false;
		int seen = atomic_load(&offered);
		ct_lock(&ct_reuse_lock);
		for (t = available; t && !fits(t, stack_size, guard_size);
		     t = t->kt.pool_next)
			;
		int me = cpu_at((void *)ct_get_tp()), peer = CPU_UNKNOWN;
		if (t) {
			unlink_available(t);
			unlink_all(t);
			parked--;
			set_partner(t, me);
			t->kt.park = TAKEN;
		} else {
			for (struct ct_thread *p = all; p && !soon; p = p->kt.pool_all) {
				soon = p->kt.reaped && !p->kt.ready &&
				       fits(p, stack_size, guard_size);
				/* It will look for us once parked; we for it
				 * while it is putting things back (it does
				 * not sleep meanwhile). */
				if (soon) {
					set_partner(p, me);
					peer = cpu_at(p->tp);
				}
			}
		}
		ct_unlock(&ct_reuse_lock);
		if (t || !soon)
			return t;
		if (spin(&offered, seen, AT_TAKE, peer, me))
			continue;
		atomic_fetch_add(&takers, 1);
		if (atomic_load(&offered) == seen)
			ct_futex_wait(&offered, seen, CLOCK_MONOTONIC, NULL, false);
		atomic_fetch_sub(&takers, 1);
	}
}

void ct_reuse_wake(struct ct_thread *t)
{
	tell(t, JOB);
}

void ct_reuse_give_back(struct ct_thread *t)
{
	ct_lock(&ct_reuse_lock);
	parked++;
	t->kt.pool_all = all;
	all = t;
	t->kt.ready = t->kt.reaped = true;
	tell(t, PARKED);
	offer(t);
	ct_unlock(&ct_reuse_lock);
}

/* In the woken thread: thread-directed signals sent to its tid while it
 * was parked are not the new thread's. */
void ct_reuse_drain(void)
{
	sigset_t pending;
	struct timespec now = { 0, 0 };
	while (syscall(SYS_rt_sigpending, &pending, _NSIG / 8) == 0 &&
	       !sigisemptyset(&pending) &&
	       syscall(SYS_rt_sigtimedwait, &pending, NULL, &now, _NSIG / 8) > 0)
		;
}

/* fork()'s child has none of the parked threads: they end there (the
 * fork holds the lock across, and has cleared their tid words). */
void ct_reuse_forget(void)
{
	for (struct ct_thread *t = all, *next; t; t = next) {
		next = t->kt.pool_all;
		t->kt.park = GONE;
		t->region.tls_ready = false;	/* fork.c says why */
		if (t->kt.reaped)
			ct_region_put(t);
	}
	all = available = NULL;
	parked = leaving = 0;
}

/* CLONETHREADS_REUSE=N.  Read at start-up; again when main is entered,
 * for a process whose first caller was too early to see the environment
 * (a .preinit_array entry). */
void ct_reuse_from_env(void)
{
	/* CLONETHREADS_REUSE_SPIN=0: hand-overs never spin (for measuring
	 * what the spin gains, bench/). */
	const char *v = getenv("CLONETHREADS_REUSE_SPIN");
	if (v && !strcmp(v, "0"))
		no_spin = true;
	v = getenv("CLONETHREADS_REUSE");
	if (v && *v)
		clonethreads_set_reuse(strtoul(v, NULL, 10));
}

int clonethreads_set_reuse(unsigned max)
{
	ct_self();	/* the library is initialised */
	/* The race checkers take a pthread for a kernel thread: helgrind
	 * joins only one that has exited (valgrind.h).  Under valgrind every
	 * thread exits. */
	if (ct_vg_listening())
		max = 0;
	if (max && !ct_reuse_on()) {
		prctl(PR_GET_NAME, pristine.name);
		syscall(SYS_sched_getattr, 0, &pristine.attr,
			sizeof pristine.attr, 0);
		pristine.attr.size = sizeof pristine.attr;
		pristine.attr.flags = 0;
		sched_getaffinity(0, sizeof pristine.cpus, &pristine.cpus);
		handover_spins = sysconf(_SC_NPROCESSORS_ONLN) > 1 && !no_spin ?
				 HANDOVER_SPINS : 0;
	}
	ct_lock(&ct_reuse_lock);
	unsigned old = max_parked;
	max_parked = max;
	/* Available threads beyond the new bound leave (they count
	 * themselves out); busy ones are turned away when they end. */
	for (unsigned excess = parked - leaving > max ? parked - leaving - max : 0;
	     excess && available; excess--) {
		struct ct_thread *t = available;
		available = t->kt.pool_next;
		send_away(t);
	}
	ct_unlock(&ct_reuse_lock);
	return (int)old;
}
