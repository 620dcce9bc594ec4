/* SPDX-License-Identifier: MIT */
/* Mutexes: every type, protocol and error, robust owner death across
 * threads and processes, PI, priority protection under a real-time
 * policy, process-shared across fork. */
#define _GNU_SOURCE
/* The *_np aliases are deprecated but still exported: test them. */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "common.h"

/* pthread_mutex_init with these attributes: its result. */
static int init(pthread_mutex_t *m, int type, int robust, int protocol,
		int pshared)
{
	pthread_mutexattr_t a;
	ck_assert_int_eq(pthread_mutexattr_init(&a), 0);
	ck_assert_int_eq(pthread_mutexattr_settype(&a, type), 0);
	ck_assert_int_eq(pthread_mutexattr_setrobust(&a, robust), 0);
	ck_assert_int_eq(pthread_mutexattr_setprotocol(&a, protocol), 0);
	ck_assert_int_eq(pthread_mutexattr_setpshared(&a, pshared ?
		PTHREAD_PROCESS_SHARED : PTHREAD_PROCESS_PRIVATE), 0);
	int r = pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
	return r;
}

static pthread_mutex_t *make(int type, int robust, int protocol, int pshared)
{
	static pthread_mutex_t ms[8];
	static int next;
	pthread_mutex_t *m = pshared ? tst_shared(sizeof *m) : &ms[next++ % 8];
	ck_assert_int_eq(init(m, type, robust, protocol, pshared), 0);
	return m;
}

/* Owner death is detected by the kernel, which walks a dying thread's
 * robust list.  qemu-user does not implement the robust list calls (the
 * list lives in guest memory and it cannot see the thread die), so the
 * tests that kill an owner would wait forever there. */
static int robust_list_syscalls(void)
{
	void *head;
	size_t len;
	return syscall(SYS_get_robust_list, 0, &head, &len) == 0 ||
	       errno != ENOSYS;
}

static void *try_other(void *m)
{
	return (void *)(long)pthread_mutex_trylock(m);
}

static void *unlock_other(void *m)
{
	return (void *)(long)pthread_mutex_unlock(m);
}

START_TEST(static_initializers)
{
	pthread_mutex_t n = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_t r = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
	pthread_mutex_t e = PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP;
	pthread_mutex_t a = PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP;
	ck_assert_int_eq(pthread_mutex_lock(&n), 0);
	ck_assert_int_eq(pthread_mutex_trylock(&n), EBUSY);
	ck_assert_int_eq(tst_in_thread(try_other, &n), EBUSY);
	ck_assert_int_eq(pthread_mutex_unlock(&n), 0);
	ck_assert_int_eq(pthread_mutex_lock(&r), 0);
	ck_assert_int_eq(pthread_mutex_lock(&r), 0);
	ck_assert_int_eq(pthread_mutex_trylock(&r), 0);
	ck_assert_int_eq(tst_in_thread(try_other, &r), EBUSY);
	ck_assert_int_eq(tst_in_thread(unlock_other, &r), EPERM);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(pthread_mutex_unlock(&r), 0);
	ck_assert_int_eq(pthread_mutex_unlock(&r), EPERM);
	ck_assert_int_eq(tst_in_thread(try_other, &r), 0);	/* thread exits holding */
	ck_assert_int_eq(pthread_mutex_lock(&e), 0);
	ck_assert_int_eq(pthread_mutex_lock(&e), EDEADLK);
	ck_assert_int_eq(pthread_mutex_trylock(&e), EBUSY);
	ck_assert_int_eq(tst_in_thread(unlock_other, &e), EPERM);
	ck_assert_int_eq(pthread_mutex_unlock(&e), 0);
	ck_assert_int_eq(pthread_mutex_unlock(&e), EPERM);
	ck_assert_int_eq(pthread_mutex_lock(&a), 0);
	ck_assert_int_eq(tst_in_thread(try_other, &a), EBUSY);
	ck_assert_int_eq(pthread_mutex_unlock(&a), 0);
	ck_assert_int_eq(pthread_mutex_destroy(&a), 0);
}
END_TEST

START_TEST(destroy_busy)
{
	static const int types[] = { PTHREAD_MUTEX_NORMAL,
		PTHREAD_MUTEX_RECURSIVE, PTHREAD_MUTEX_ERRORCHECK,
		PTHREAD_MUTEX_ADAPTIVE_NP };
	for (int i = 0; i < 4; i++) {
		pthread_mutex_t *m = make(types[i], PTHREAD_MUTEX_STALLED,
					  PTHREAD_PRIO_NONE, 0);
		ck_assert_int_eq(pthread_mutex_lock(m), 0);
		ck_assert_int_eq(pthread_mutex_destroy(m), EBUSY);
		ck_assert_int_eq(pthread_mutex_unlock(m), 0);
		ck_assert_int_eq(pthread_mutex_destroy(m), 0);
		ck_assert_int_eq(pthread_mutex_lock(m), EINVAL);
		ck_assert_int_eq(pthread_mutex_init(m, NULL), 0);
		ck_assert_int_eq(pthread_mutex_lock(m), 0);
		ck_assert_int_eq(pthread_mutex_unlock(m), 0);
	}
	pthread_mutex_t *m = make(PTHREAD_MUTEX_NORMAL, PTHREAD_MUTEX_ROBUST,
				  PTHREAD_PRIO_INHERIT, 0);
	/* A robust mutex may be destroyed while held (its owner may be
	 * dead), as glibc allows. */
	ck_assert_int_eq(pthread_mutex_lock(m), 0);
	ck_assert_int_eq(pthread_mutex_destroy(m), 0);
	ck_assert_int_eq(pthread_mutex_lock(m), EINVAL);
}
END_TEST

static void *lock_hold(void *m)
{
	pthread_mutex_lock(m);
	return NULL;	/* exits holding it */
}

/* A holder that keeps the mutex until told, then lets go: a mutex whose
 * owner has ended is another matter (robust mutexes, below) -- a plain
 * PI mutex's word would name a dead thread's id, which the kernel may
 * give to a new task meanwhile. */
struct holder {
	pthread_mutex_t *m;
	atomic_int locked, release;
	pthread_t th;
};

static void *hold_until_released(void *arg)
{
	struct holder *h = arg;
	pthread_mutex_lock(h->m);
	atomic_store(&h->locked, 1);
	tst_wait_at_least(&h->release, 1);
	pthread_mutex_unlock(h->m);
	return NULL;
}

static void hold(struct holder *h, pthread_mutex_t *m)
{
	*h = (struct holder){ .m = m };
	h->th = tst_start(NULL, hold_until_released, h);
	tst_wait_at_least(&h->locked, 1);
}

static void let_go(struct holder *h)
{
	atomic_store(&h->release, 1);
	tst_join(h->th);
}

/* Timed locks on every kind, against a holder that keeps the lock. */
START_TEST(timed)
{
	static const int protos[] = { PTHREAD_PRIO_NONE, PTHREAD_PRIO_INHERIT };
	for (int p = 0; p < 2; p++)
	for (int type = 0; type < 4; type++) {
		pthread_mutex_t *m = make(type, PTHREAD_MUTEX_STALLED,
					  protos[p], 0);
		struct timespec t = tst_deadline(CLOCK_REALTIME, 0);
		/* Free: the deadline is not looked at. */
		t.tv_nsec = 1000000000L;
		ck_assert_int_eq(pthread_mutex_timedlock(m, &t), 0);
		ck_assert_int_eq(pthread_mutex_unlock(m), 0);
		struct holder h;
		hold(&h, m);
		ck_assert_int_eq(pthread_mutex_timedlock(m, &t), EINVAL);
		t.tv_nsec = -1;
		ck_assert_int_eq(pthread_mutex_clocklock(m, CLOCK_MONOTONIC, &t),
				 EINVAL);
		struct timespec past = { 1, 0 }, start;
		clock_gettime(CLOCK_MONOTONIC, &start);
		ck_assert_int_eq(pthread_mutex_timedlock(m, &past), ETIMEDOUT);
		past.tv_sec = -5;
		/* A deadline before the epoch has passed too.  glibc 2.36
		 * hands it to FUTEX_LOCK_PI for a PI mutex, which refuses
		 * it (EINVAL); POSIX names ETIMEDOUT. */
		if (!tst_test_glibc() || protos[p] != PTHREAD_PRIO_INHERIT)
			ck_assert_int_eq(pthread_mutex_timedlock(m, &past),
					 ETIMEDOUT);
		ck_assert_int_lt(tst_elapsed_ms(&start), 50);
		t = tst_deadline(CLOCK_MONOTONIC, 30);
		ck_assert_int_eq(pthread_mutex_clocklock(m, CLOCK_MONOTONIC, &t),
				 ETIMEDOUT);
		/* glibc before 2.35 times a PI lock out at once on this
		 * clock (it had no FUTEX_LOCK_PI2). */
		if (protos[p] != PTHREAD_PRIO_INHERIT || !tst_test_glibc_before(2, 35))
			ck_assert_int_ge(tst_elapsed_ms(&start), 29);
		t = tst_deadline(CLOCK_REALTIME, 20);
		ck_assert_int_eq(pthread_mutex_clocklock(m, CLOCK_REALTIME, &t),
				 ETIMEDOUT);
		ck_assert_int_eq(pthread_mutex_clocklock(m, CLOCK_PROCESS_CPUTIME_ID,
							 &t), EINVAL);
		ck_assert_int_eq(pthread_mutex_clocklock(m, 12345, &t), EINVAL);
		let_go(&h);
	}
}
END_TEST

/* ---- counters under contention, every kind ---- */

struct counter {
	pthread_mutex_t *m;
	long n;
	int iters;
	int timed;
};

static void *count_up(void *p)
{
	struct counter *c = p;
	for (int i = 0; i < c->iters; i++) {
		int r;
		if (c->timed) {
			struct timespec t = tst_deadline(CLOCK_MONOTONIC, 10000);
			r = pthread_mutex_clocklock(c->m, CLOCK_MONOTONIC, &t);
		} else if (i % 7 == 0) {
			while ((r = pthread_mutex_trylock(c->m)) == EBUSY)
				sched_yield();
		} else {
			r = pthread_mutex_lock(c->m);
		}
		if (r)
			abort();
		long v = c->n;
		if (i % 64 == 0)
			sched_yield();
		c->n = v + 1;
		if (pthread_mutex_unlock(c->m))
			abort();
	}
	return NULL;
}

START_TEST(counter_stress)
{
	static const int protos[] = { PTHREAD_PRIO_NONE, PTHREAD_PRIO_INHERIT };
	for (int type = 0; type < 4; type++)
	for (int robust = 0; robust < 2; robust++)
	for (int p = 0; p < 2; p++)
	for (int timed = 0; timed < 2; timed++) {
		/* glibc before 2.35 times a priority-inheritance lock out at
		 * once on CLOCK_MONOTONIC (it had no FUTEX_LOCK_PI2). */
		if (timed && protos[p] == PTHREAD_PRIO_INHERIT &&
		    tst_test_glibc_before(2, 35)) {
			if (!type && !robust)
				tst_test_left_out("counter_stress, timed PI",
					"glibc before 2.35 times it out at once");
			continue;
		}
		struct counter c = {
			make(type, robust, protos[p], 0), 0, 3000, timed };
		tst_run(4, count_up, &c);
		ck_assert_int_eq(c.n, 4 * 3000);
		ck_assert_int_eq(pthread_mutex_destroy(c.m), 0);
	}
}
END_TEST

START_TEST(counter_across_fork)
{
	for (int kind = 0; kind < 3; kind++) {
		struct counter *c = tst_shared(sizeof *c);
		/* Where glibc does not take the kernel's robust list for
		 * granted (riscv64), it refuses a shared robust mutex when
		 * the kernel has none (qemu-user). */
		if (kind == 1 && tst_test_glibc() && !robust_list_syscalls()) {
			pthread_mutex_t *m = tst_shared(sizeof *m);
			int r = init(m, 0, 1, PTHREAD_PRIO_NONE, 1);
			ck_assert(r == 0 || r == ENOTSUP);
			if (r == ENOTSUP) {
				tst_test_left_out("counter_across_fork, shared "
						 "robust", "glibc refuses it "
						 "without the kernel's robust "
						 "list");
				continue;
			}
			pthread_mutex_destroy(m);
		}
		c->m = make(kind == 2 ? PTHREAD_MUTEX_ERRORCHECK : 0,
			    kind == 1, PTHREAD_PRIO_NONE, 1);
		c->iters = 20000;
		pid_t pid = fork();
		if (pid == 0) {
			count_up(c);
			_exit(0);
		}
		count_up(c);
		ck_assert(tst_child_ok(pid));
		ck_assert_int_eq(c->n, 40000);
	}
}
END_TEST

/* ---- robust ---- */

START_TEST(robust_thread_death)
{
	static const int protos[] = { PTHREAD_PRIO_NONE, PTHREAD_PRIO_INHERIT };
	for (int p = 0; p < 2; p++)
	for (int type = 0; type < 3; type++) {
		pthread_mutex_t *m = make(type, PTHREAD_MUTEX_ROBUST,
					  protos[p], 0);
		tst_in_thread(lock_hold, m);
		ck_assert_int_eq(pthread_mutex_lock(m), EOWNERDEAD);
		ck_assert_int_eq(pthread_mutex_consistent(m), 0);
		ck_assert_int_eq(pthread_mutex_consistent(m), EINVAL);
		ck_assert_int_eq(pthread_mutex_unlock(m), 0);
		ck_assert_int_eq(pthread_mutex_lock(m), 0);
		ck_assert_int_eq(pthread_mutex_unlock(m), 0);
		/* Dead owner, trylock; then unlock without consistent. */
		tst_in_thread(lock_hold, m);
		ck_assert_int_eq(pthread_mutex_trylock(m), EOWNERDEAD);
		ck_assert_int_eq(pthread_mutex_unlock(m), 0);
		ck_assert_int_eq(pthread_mutex_lock(m), ENOTRECOVERABLE);
		ck_assert_int_eq(pthread_mutex_trylock(m), ENOTRECOVERABLE);
		ck_assert_int_eq(pthread_mutex_destroy(m), 0);
	}
	/* Not robust: consistent is refused. */
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_lock(&m);
	ck_assert_int_eq(pthread_mutex_consistent_np(&m), EINVAL);
}
END_TEST

/* The owner dies while a waiter is blocked on the mutex: the kernel's
 * wake from the owner's robust list must reach it, for every kind --
 * private and shared, plain and priority-inheriting, lock and timedlock
 * -- over many rounds (the death races the waiter's sleep). */
struct death {
	pthread_mutex_t *m;
	atomic_int locked, die, waiter_tid;
	int timed;
};

static void *dies_holding(void *arg)
{
	struct death *d = arg;
	pthread_mutex_lock(d->m);
	atomic_store(&d->locked, 1);
	tst_wait_at_least(&d->die, 1);
	return NULL;	/* ends holding it */
}

static void *waits_for_dead(void *arg)
{
	struct death *d = arg;
	atomic_store(&d->waiter_tid, tst_gettid());
	struct timespec t = tst_deadline(CLOCK_REALTIME, 20000);
	int r = d->timed ? pthread_mutex_timedlock(d->m, &t)
			 : pthread_mutex_lock(d->m);
	if (r == EOWNERDEAD && pthread_mutex_consistent(d->m) == 0 &&
	    pthread_mutex_unlock(d->m) == 0)
		return NULL;
	return (void *)(long)(r ? r : -1);
}

START_TEST(robust_death_wakes_waiter)
{
	int shared = _i & 1, pi = _i >> 1 & 1, timed = _i >> 2;
	pthread_mutex_t *m = make(PTHREAD_MUTEX_NORMAL, PTHREAD_MUTEX_ROBUST,
				  pi ? PTHREAD_PRIO_INHERIT : PTHREAD_PRIO_NONE,
				  shared);
	for (int round = 0; round < 60; round++) {
		static struct death d;
		d = (struct death){ .m = m, .timed = timed };
		pthread_t owner, waiter;
		ck_assert_int_eq(pthread_create(&owner, NULL, dies_holding, &d), 0);
		tst_wait_at_least(&d.locked, 1);
		ck_assert_int_eq(pthread_create(&waiter, NULL, waits_for_dead, &d), 0);
		tst_wait_at_least(&d.waiter_tid, 1);
		ck_assert(tst_wait_blocked(atomic_load(&d.waiter_tid)));
		atomic_store(&d.die, 1);
		ck_assert_int_eq(pthread_join(owner, NULL), 0);
		void *r;
		ck_assert_int_eq(pthread_join(waiter, &r), 0);
		ck_assert_msg(r == NULL, "%s %s %s, round %d: %ld",
			      shared ? "shared" : "private", pi ? "PI" : "plain",
			      timed ? "timedlock" : "lock", round, (long)r);
	}
}
END_TEST

static void *lock_consistent_unlock(void *m)
{
	int r = pthread_mutex_lock(m);
	if (r == EOWNERDEAD)
		pthread_mutex_consistent(m);
	pthread_mutex_unlock(m);
	return (void *)(long)r;
}

/* Several held robust mutexes: all get marked; a waiter is woken. */
START_TEST(robust_list_many)
{
	pthread_mutex_t *m[5];
	for (int i = 0; i < 5; i++)
		m[i] = make(PTHREAD_MUTEX_NORMAL, PTHREAD_MUTEX_ROBUST,
			    i % 2 ? PTHREAD_PRIO_INHERIT : PTHREAD_PRIO_NONE, 0);
	/* Lock and unlock in a different order first, to use the list. */
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(pthread_mutex_lock(m[i]), 0);
	ck_assert_int_eq(pthread_mutex_unlock(m[2]), 0);
	ck_assert_int_eq(pthread_mutex_unlock(m[0]), 0);
	ck_assert_int_eq(pthread_mutex_unlock(m[4]), 0);
	ck_assert_int_eq(pthread_mutex_unlock(m[1]), 0);
	ck_assert_int_eq(pthread_mutex_unlock(m[3]), 0);
	pid_t pid = fork();	/* the child holds nothing of ours */
	if (pid == 0)
		_exit(0);
	ck_assert(tst_child_ok(pid));
	for (int i = 0; i < 5; i++)
		tst_in_thread(lock_hold, m[i]);
	for (int i = 4; i >= 0; i--)
		ck_assert_int_eq(tst_in_thread(lock_consistent_unlock, m[i]),
				 EOWNERDEAD);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(tst_in_thread(lock_consistent_unlock, m[i]), 0);
}
END_TEST

/* The owner dies in another process while the parent waits on it, and
 * once more while nobody waits. */
START_TEST(robust_process_death)
{
	static const int protos[] = { PTHREAD_PRIO_NONE, PTHREAD_PRIO_INHERIT };
	/* A robust mutex held across the fork: the child must still
	 * register its own list. */
	pthread_mutex_t *mine = make(0, PTHREAD_MUTEX_ROBUST, 0, 0);
	ck_assert_int_eq(pthread_mutex_lock(mine), 0);
	for (int p = 0; p < 2; p++) {
		pthread_mutex_t *m = make(PTHREAD_MUTEX_ERRORCHECK,
					  PTHREAD_MUTEX_ROBUST, protos[p], 1);
		int pfd[2];
		ck_assert_int_eq(pipe(pfd), 0);
		pid_t pid = fork();
		if (pid == 0) {
			if (pthread_mutex_lock(m))
				_exit(1);
			write(pfd[1], "x", 1);
			usleep(50000);
			_exit(0);	/* dies holding it */
		}
		char ch;
		ck_assert_int_eq(read(pfd[0], &ch, 1), 1);
		ck_assert_int_eq(pthread_mutex_trylock(m), EBUSY);
		ck_assert_int_eq(pthread_mutex_lock(m), EOWNERDEAD);
		ck_assert(tst_child_ok(pid));
		ck_assert_int_eq(pthread_mutex_consistent(m), 0);
		ck_assert_int_eq(pthread_mutex_unlock(m), 0);
		pid = fork();
		if (pid == 0)
			_exit(pthread_mutex_lock(m) ? 1 : 0);
		ck_assert(tst_child_ok(pid));
		ck_assert_int_eq(pthread_mutex_lock(m), EOWNERDEAD);
		ck_assert_int_eq(pthread_mutex_unlock(m), 0);
		ck_assert_int_eq(pthread_mutex_lock(m), ENOTRECOVERABLE);
		close(pfd[0]);
		close(pfd[1]);
	}
	ck_assert_int_eq(pthread_mutex_unlock(mine), 0);
}
END_TEST

/* ---- priority protocols ---- */

/* The owner relocking a normal (or adaptive) mutex deadlocks, as POSIX
 * says and glibc does for every protocol and robustness: a timed lock
 * waits out its deadline, a trylock says EBUSY. */
START_TEST(normal_relock_deadlocks)
{
	static const int types[] = { PTHREAD_MUTEX_NORMAL, PTHREAD_MUTEX_ADAPTIVE_NP };
	static const int protos[] = { PTHREAD_PRIO_NONE, PTHREAD_PRIO_INHERIT };
	for (int t = 0; t < 2; t++)
	for (int p = 0; p < 2; p++)
	for (int robust = 0; robust < 2; robust++) {
		pthread_mutex_t *m = make(types[t], robust ? PTHREAD_MUTEX_ROBUST
					  : PTHREAD_MUTEX_STALLED, protos[p], 0);
		ck_assert_int_eq(pthread_mutex_lock(m), 0);
		ck_assert_int_eq(pthread_mutex_trylock(m), EBUSY);
		struct timespec start, t20 = tst_deadline(CLOCK_REALTIME, 20);
		clock_gettime(CLOCK_MONOTONIC, &start);
		ck_assert_int_eq(pthread_mutex_timedlock(m, &t20), ETIMEDOUT);
		ck_assert_int_ge(tst_elapsed_ms(&start), 19);
		ck_assert_int_eq(pthread_mutex_unlock(m), 0);
	}
}
END_TEST

START_TEST(pi_basics)
{
	pthread_mutex_t *m = make(PTHREAD_MUTEX_ERRORCHECK, 0,
				  PTHREAD_PRIO_INHERIT, 0);
	ck_assert_int_eq(pthread_mutex_lock(m), 0);
	ck_assert_int_eq(pthread_mutex_lock(m), EDEADLK);
	ck_assert_int_eq(tst_in_thread(try_other, m), EBUSY);
	ck_assert_int_eq(tst_in_thread(unlock_other, m), EPERM);
	ck_assert_int_eq(pthread_mutex_unlock(m), 0);
	ck_assert_int_eq(pthread_mutex_unlock(m), EPERM);
	m = make(PTHREAD_MUTEX_RECURSIVE, 0, PTHREAD_PRIO_INHERIT, 0);
	ck_assert_int_eq(pthread_mutex_lock(m), 0);
	ck_assert_int_eq(pthread_mutex_trylock(m), 0);
	ck_assert_int_eq(pthread_mutex_unlock(m), 0);
	ck_assert_int_eq(tst_in_thread(try_other, m), EBUSY);
	ck_assert_int_eq(pthread_mutex_unlock(m), 0);
	ck_assert_int_eq(tst_in_thread(try_other, m), 0);
	/* The word is the kernel's PI format: the owner's tid. */
	ck_assert_int_ne(*(volatile int *)m & 0x3fffffff, 0);
}
END_TEST

START_TEST(pp_basics)
{
	int lo = sched_get_priority_min(SCHED_FIFO);
	int hi = sched_get_priority_max(SCHED_FIFO), c;
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	ck_assert_int_eq(pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_PROTECT), 0);
	ck_assert_int_eq(pthread_mutexattr_setprioceiling(&a, hi + 1), EINVAL);
	ck_assert_int_eq(pthread_mutexattr_setprioceiling(&a, lo + 1), 0);
	ck_assert_int_eq(pthread_mutexattr_getprioceiling(&a, &c), 0);
	ck_assert_int_eq(c, lo + 1);
	pthread_mutex_t m;
	ck_assert_int_eq(pthread_mutex_init(&m, &a), 0);
	ck_assert_int_eq(pthread_mutex_getprioceiling(&m, &c), 0);
	ck_assert_int_eq(c, lo + 1);
	ck_assert_int_eq(pthread_mutex_lock(&m), 0);
	ck_assert_int_eq(tst_in_thread(try_other, &m), EBUSY);
	ck_assert_int_eq(pthread_mutex_unlock(&m), 0);
	int old;
	ck_assert_int_eq(pthread_mutex_setprioceiling(&m, hi, &old), 0);
	ck_assert_int_eq(old, lo + 1);
	ck_assert_int_eq(pthread_mutex_getprioceiling(&m, &c), 0);
	ck_assert_int_eq(c, hi);
	ck_assert_int_eq(pthread_mutex_setprioceiling(&m, hi + 1, &old), EINVAL);
	ck_assert_int_eq(pthread_mutex_lock(&m), 0);
	ck_assert_int_eq(pthread_mutex_setprioceiling(&m, lo, &old), 0);
	ck_assert_int_eq(pthread_mutex_unlock(&m), 0);
	ck_assert_int_eq(tst_in_thread(try_other, &m), 0);
	pthread_mutex_t plain = PTHREAD_MUTEX_INITIALIZER;
	ck_assert_int_eq(pthread_mutex_getprioceiling(&plain, &c), EINVAL);
	/* Robust and priority protection do not combine. */
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	ck_assert_int_eq(pthread_mutex_init(&m, &a), ENOTSUP);
}
END_TEST

/* ---- priority protection under SCHED_FIFO ---- */

/* The thread's own priority is PP_OWN; the mutexes' ceilings are
 * PP_LOW < PP_OWN < PP_MID < PP_HIGH. */
enum { PP_LOW = 12, PP_OWN = 15, PP_MID = 20, PP_HIGH = 30 };

static int pp_init(pthread_mutex_t *m, int ceiling)
{
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_PROTECT);
	pthread_mutexattr_setprioceiling(&a, ceiling);
	int r = pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
	return r;
}

/* What the program sees (pthread_getschedparam, pthread_getattr_np), and
 * what the kernel runs the thread at. */
static int seen_prio(pthread_t th)
{
	int policy;
	struct sched_param sp;
	if (pthread_getschedparam(th, &policy, &sp) || policy != SCHED_FIFO)
		return -1;
	return sp.sched_priority;
}

static int attr_prio(pthread_t th)
{
	pthread_attr_t a;
	struct sched_param sp;
	if (pthread_getattr_np(th, &a))
		return -1;
	int r = pthread_attr_getschedparam(&a, &sp);
	pthread_attr_destroy(&a);
	return r ? -1 : sp.sched_priority;
}

static int kernel_prio(int tid)
{
	struct sched_param sp;
	return sched_getparam(tid, &sp) ? -1 : sp.sched_priority;
}

struct pp_run {
	pthread_mutex_t low, mid, high;
	atomic_int tid, holding;
	sem_t go;
	int line, got;		/* the first failed check, and what it saw */
};

#define PP_CHECK(r, expr, want) do {					\
		int got_ = (expr);					\
		if (got_ != (want)) {					\
			(r)->line = __LINE__;				\
			(r)->got = got_;				\
			return NULL;					\
		}							\
	} while (0)

static void *pp_thread(void *arg)
{
	struct pp_run *r = arg;
	pthread_t me = pthread_self();
	int tid = tst_gettid();
	struct sched_param own = { .sched_priority = PP_OWN };
	PP_CHECK(r, pthread_setschedparam(me, SCHED_FIFO, &own), 0);
	/* Raised to the ceiling, seen at its own priority. */
	PP_CHECK(r, pthread_mutex_lock(&r->high), 0);
	PP_CHECK(r, kernel_prio(tid), PP_HIGH);
	PP_CHECK(r, seen_prio(me), PP_OWN);
	PP_CHECK(r, attr_prio(me), PP_OWN);
	/* A ceiling between its own priority and the raised one is
	 * allowed; one below its own is not. */
	PP_CHECK(r, pthread_mutex_lock(&r->mid), 0);
	PP_CHECK(r, pthread_mutex_lock(&r->low), EINVAL);
	PP_CHECK(r, kernel_prio(tid), PP_HIGH);
	/* Given back out of order: the highest ceiling still held. */
	PP_CHECK(r, pthread_mutex_unlock(&r->high), 0);
	PP_CHECK(r, kernel_prio(tid), PP_MID);
	PP_CHECK(r, pthread_mutex_unlock(&r->mid), 0);
	PP_CHECK(r, kernel_prio(tid), PP_OWN);
	PP_CHECK(r, seen_prio(me), PP_OWN);
	/* Its own priority set while raised: the kernel keeps the ceiling
	 * while that is higher. */
	PP_CHECK(r, pthread_mutex_lock(&r->high), 0);
	own.sched_priority = PP_LOW;
	PP_CHECK(r, pthread_setschedparam(me, SCHED_FIFO, &own), 0);
	PP_CHECK(r, kernel_prio(tid), PP_HIGH);
	PP_CHECK(r, seen_prio(me), PP_LOW);
	PP_CHECK(r, pthread_setschedprio(me, PP_HIGH + 5), 0);
	PP_CHECK(r, kernel_prio(tid), PP_HIGH + 5);
	PP_CHECK(r, seen_prio(me), PP_HIGH + 5);
	PP_CHECK(r, pthread_setschedprio(me, PP_OWN), 0);
	PP_CHECK(r, kernel_prio(tid), PP_HIGH);
	PP_CHECK(r, seen_prio(me), PP_OWN);
	/* ... and by another thread, while this one holds the mutex. */
	atomic_store(&r->tid, tid);
	atomic_store(&r->holding, 1);
	while (sem_wait(&r->go))
		;
	PP_CHECK(r, kernel_prio(tid), PP_HIGH);
	PP_CHECK(r, pthread_mutex_unlock(&r->high), 0);
	PP_CHECK(r, kernel_prio(tid), PP_MID + 1);
	PP_CHECK(r, seen_prio(me), PP_MID + 1);
	return NULL;
}

/* The thread's own priority is what the program sees and sets while a
 * PRIO_PROTECT mutex raises it, and what a lock's ceiling is checked
 * against (glibc's rule); the kernel runs it at the highest ceiling it
 * holds, when that is higher. */
START_TEST(pp_own_priority)
{
	static struct pp_run r;
	r = (struct pp_run){ .line = 0 };
	ck_assert_int_eq(pp_init(&r.low, PP_LOW), 0);
	ck_assert_int_eq(pp_init(&r.mid, PP_MID), 0);
	ck_assert_int_eq(pp_init(&r.high, PP_HIGH), 0);
	ck_assert_int_eq(sem_init(&r.go, 0, 0), 0);
	pthread_t th = tst_start(NULL, pp_thread, &r);
	while (!atomic_load(&r.holding) && !r.line)
		usleep(1000);
	if (atomic_load(&r.holding)) {
		struct sched_param sp = { .sched_priority = PP_MID + 1 };
		ck_assert_int_eq(pthread_setschedparam(th, SCHED_FIFO, &sp), 0);
		ck_assert_int_eq(kernel_prio(atomic_load(&r.tid)), PP_HIGH);
		ck_assert_int_eq(seen_prio(th), PP_MID + 1);
		ck_assert_int_eq(sem_post(&r.go), 0);
	}
	tst_join(th);
	ck_assert_msg(r.line == 0, "t_mutex.c:%d: got %d", r.line, r.got);
}
END_TEST

/* Whether this process may run a thread under SCHED_FIFO. */
static void *try_fifo(void *arg)
{
	struct sched_param sp = { .sched_priority = PP_OWN };
	return (void *)(intptr_t)pthread_setschedparam(pthread_self(),
						       SCHED_FIFO, &sp);
}

static int fifo_refused(void)
{
	pthread_t th;
	void *r = (void *)(intptr_t)EAGAIN;
	if (pthread_create(&th, NULL, try_fifo, NULL) == 0)
		pthread_join(th, &r);
	return (int)(intptr_t)r;
}

START_TEST(attributes)
{
	pthread_mutexattr_t a;
	int v;
	ck_assert_int_eq(pthread_mutexattr_init(&a), 0);
	ck_assert_int_eq(pthread_mutexattr_gettype(&a, &v), 0);
	ck_assert_int_eq(v, PTHREAD_MUTEX_DEFAULT);
	ck_assert_int_eq(pthread_mutexattr_settype(&a, 4), EINVAL);
	ck_assert_int_eq(pthread_mutexattr_settype(&a, -1), EINVAL);
	ck_assert_int_eq(pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE), 0);
	ck_assert_int_eq(pthread_mutexattr_gettype(&a, &v), 0);
	ck_assert_int_eq(v, PTHREAD_MUTEX_RECURSIVE);
	ck_assert_int_eq(pthread_mutexattr_getpshared(&a, &v), 0);
	ck_assert_int_eq(v, PTHREAD_PROCESS_PRIVATE);
	ck_assert_int_eq(pthread_mutexattr_setpshared(&a, 7), EINVAL);
	ck_assert_int_eq(pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED), 0);
	ck_assert_int_eq(pthread_mutexattr_getpshared(&a, &v), 0);
	ck_assert_int_eq(v, PTHREAD_PROCESS_SHARED);
	ck_assert_int_eq(pthread_mutexattr_getprotocol(&a, &v), 0);
	ck_assert_int_eq(v, PTHREAD_PRIO_NONE);
	ck_assert_int_eq(pthread_mutexattr_setprotocol(&a, 9), EINVAL);
	ck_assert_int_eq(pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT), 0);
	ck_assert_int_eq(pthread_mutexattr_getprotocol(&a, &v), 0);
	ck_assert_int_eq(v, PTHREAD_PRIO_INHERIT);
	ck_assert_int_eq(pthread_mutexattr_getrobust(&a, &v), 0);
	ck_assert_int_eq(v, PTHREAD_MUTEX_STALLED);
	ck_assert_int_eq(pthread_mutexattr_setrobust(&a, 5), EINVAL);
	ck_assert_int_eq(pthread_mutexattr_setrobust_np(&a, PTHREAD_MUTEX_ROBUST_NP), 0);
	ck_assert_int_eq(pthread_mutexattr_getrobust_np(&a, &v), 0);
	ck_assert_int_eq(v, PTHREAD_MUTEX_ROBUST);
	ck_assert_int_eq(pthread_mutexattr_gettype(&a, &v), 0);
	ck_assert_int_eq(v, PTHREAD_MUTEX_RECURSIVE);
	ck_assert_int_eq(pthread_mutexattr_destroy(&a), 0);
}
END_TEST

TST_SUITE(mutex_suite)
{
	Suite *s = suite_create("mutex");
	TCase *tc = tst_tcase("mutex");
	tcase_add_test(tc, static_initializers);
	tcase_add_test(tc, destroy_busy);
	tcase_add_test(tc, timed);
	tcase_add_test(tc, counter_stress);
	tcase_add_test(tc, counter_across_fork);
	if (robust_list_syscalls()) {
		tcase_add_test(tc, robust_thread_death);
		tcase_add_test(tc, robust_list_many);
		tcase_add_loop_test(tc, robust_death_wakes_waiter, 0, 8);
		tcase_add_test(tc, robust_process_death);
	} else {
		static const char *const left_out[] = { "robust_thread_death",
			"robust_list_many", "robust_death_wakes_waiter",
			"robust_process_death" };
		for (int i = 0; i < 4; i++)
			tst_test_left_out(left_out[i], "no robust list in this "
					 "kernel (get_robust_list: ENOSYS, as "
					 "under qemu-user): nobody marks a dead "
					 "owner's mutex");
	}
	tcase_add_test(tc, normal_relock_deadlocks);
	tcase_add_test(tc, pi_basics);
	tst_tcase_add_beyond_glibc(tc, pp_basics, "glibc 2.36 asks the kernel for "
		"SCHED_OTHER at the ceiling priority: every lock fails with EINVAL");
	int refused = fifo_refused();
	if (refused == 0)
		tcase_add_test(tc, pp_own_priority);
	else
		tst_test_left_out("pp_own_priority", refused == EPERM
			? "this process may not set a real-time policy (EPERM: "
			  "neither root nor CAP_SYS_NICE nor RLIMIT_RTPRIO)"
			: "SCHED_FIFO refused for a test thread");
	tcase_add_test(tc, attributes);
	suite_add_tcase(s, tc);
	return s;
}
