/* SPDX-License-Identifier: MIT */
/* Condition variables: signal/broadcast semantics, producer/consumer,
 * timeouts on both clocks, bad input, destroy, process-shared, wait
 * morphing, destroy right after a broadcast under the mutex, and waits
 * that a signal handler interrupts. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common.h"

struct gate {
	pthread_mutex_t m;
	pthread_cond_t c;
	int go, ready, done;
};

static void *gate_wait(void *p)
{
	struct gate *g = p;
	pthread_mutex_lock(&g->m);
	g->ready++;
	while (!g->go)
		pthread_cond_wait(&g->c, &g->m);
	g->go--;	/* each wake-up consumes one "go" unless broadcast */
	g->done++;
	pthread_mutex_unlock(&g->m);
	return NULL;
}

static void wait_ready(struct gate *g, int n)
{
	for (;;) {
		pthread_mutex_lock(&g->m);
		int r = g->ready;
		pthread_mutex_unlock(&g->m);
		if (r >= n)
			break;
		usleep(1000);
	}
	usleep(20000);	/* let them reach the futex */
}

/* Each signal lets exactly one waiter through; none is lost. */
START_TEST(signal_one_each)
{
	struct gate g = { .m = PTHREAD_MUTEX_INITIALIZER, .c = PTHREAD_COND_INITIALIZER };
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, gate_wait, &g);
	wait_ready(&g, 4);
	for (int i = 1; i <= 4; i++) {
		pthread_mutex_lock(&g.m);
		g.go++;
		pthread_cond_signal(&g.c);
		pthread_mutex_unlock(&g.m);
		struct timespec s;
		clock_gettime(CLOCK_MONOTONIC, &s);
		for (;;) {
			pthread_mutex_lock(&g.m);
			int d = g.done;
			pthread_mutex_unlock(&g.m);
			if (d == i)
				break;
			ck_assert_int_lt(tst_elapsed_ms(&s), 5000);
			usleep(500);
		}
	}
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	ck_assert_int_eq(pthread_cond_signal(&g.c), 0);	/* no waiters */
	ck_assert_int_eq(pthread_cond_destroy(&g.c), 0);
}
END_TEST

static void *bcast_wait(void *p)
{
	struct gate *g = p;
	pthread_mutex_lock(&g->m);
	g->ready++;
	while (!g->go)
		pthread_cond_wait(&g->c, &g->m);
	g->done++;
	pthread_mutex_unlock(&g->m);
	return NULL;
}

/* Broadcast releases everyone, for each mutex kind (requeue or not). */
START_TEST(broadcast_all)
{
	static const int types[] = { PTHREAD_MUTEX_NORMAL,
		PTHREAD_MUTEX_RECURSIVE, PTHREAD_MUTEX_ERRORCHECK,
		PTHREAD_MUTEX_ADAPTIVE_NP };
	for (int k = 0; k < 6; k++) {
		struct gate g = { .c = PTHREAD_COND_INITIALIZER };
		pthread_mutexattr_t a;
		pthread_mutexattr_init(&a);
		pthread_mutexattr_settype(&a, types[k % 4]);
		if (k == 4)
			pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT);
		if (k == 5)
			pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
		pthread_mutex_init(&g.m, &a);
		pthread_t t[8];
		for (int i = 0; i < 8; i++)
			pthread_create(&t[i], NULL, bcast_wait, &g);
		wait_ready(&g, 8);
		pthread_mutex_lock(&g.m);
		g.go = 1;
		ck_assert_int_eq(pthread_cond_broadcast(&g.c), 0);
		pthread_mutex_unlock(&g.m);
		for (int i = 0; i < 8; i++)
			pthread_join(t[i], NULL);
		ck_assert_int_eq(g.done, 8);
		/* The mutex is sane afterwards. */
		ck_assert_int_eq(pthread_mutex_trylock(&g.m), 0);
		ck_assert_int_eq(pthread_mutex_unlock(&g.m), 0);
		ck_assert_int_eq(pthread_mutex_destroy(&g.m), 0);
		ck_assert_int_eq(pthread_cond_destroy(&g.c), 0);
	}
}
END_TEST

/* ---- bounded queue: 3 producers, 3 consumers ---- */

#define QN 8
#define ITEMS 20000
struct queue {
	pthread_mutex_t m;
	pthread_cond_t not_empty, not_full;
	int buf[QN], head, count;
	long sum, taken;
	int signal_only;
};

static void *producer(void *p)
{
	struct queue *q = p;
	for (int i = 1; i <= ITEMS; i++) {
		pthread_mutex_lock(&q->m);
		while (q->count == QN)
			pthread_cond_wait(&q->not_full, &q->m);
		q->buf[(q->head + q->count++) % QN] = i;
		if (q->signal_only || i % 3)
			pthread_cond_signal(&q->not_empty);
		else
			pthread_cond_broadcast(&q->not_empty);
		pthread_mutex_unlock(&q->m);
	}
	return NULL;
}

static void *consumer(void *p)
{
	struct queue *q = p;
	for (;;) {
		pthread_mutex_lock(&q->m);
		while (q->count == 0 && q->taken < 3L * ITEMS)
			pthread_cond_wait(&q->not_empty, &q->m);
		if (q->count == 0) {
			pthread_mutex_unlock(&q->m);
			return NULL;
		}
		q->sum += q->buf[q->head];
		q->head = (q->head + 1) % QN;
		q->count--;
		if (++q->taken == 3L * ITEMS)
			pthread_cond_broadcast(&q->not_empty);
		pthread_cond_signal(&q->not_full);
		pthread_mutex_unlock(&q->m);
	}
}

START_TEST(producer_consumer)
{
	for (int mode = 0; mode < 2; mode++) {
		static struct queue q;
		q = (struct queue){ .m = PTHREAD_MUTEX_INITIALIZER,
			.not_empty = PTHREAD_COND_INITIALIZER,
			.not_full = PTHREAD_COND_INITIALIZER };
		q.signal_only = mode;
		pthread_t t[6];
		for (int i = 0; i < 3; i++) {
			pthread_create(&t[i], NULL, producer, &q);
			pthread_create(&t[3 + i], NULL, consumer, &q);
		}
		for (int i = 0; i < 6; i++)
			pthread_join(t[i], NULL);
		ck_assert_int_eq(q.taken, 3L * ITEMS);
		ck_assert_int_eq(q.sum, 3L * ITEMS * (ITEMS + 1) / 2);
	}
}
END_TEST

START_TEST(timeouts)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t c = PTHREAD_COND_INITIALIZER, mc;
	pthread_condattr_t a;
	clockid_t clk;
	ck_assert_int_eq(pthread_condattr_init(&a), 0);
	ck_assert_int_eq(pthread_condattr_getclock(&a, &clk), 0);
	ck_assert_int_eq(clk, CLOCK_REALTIME);
	ck_assert_int_eq(pthread_condattr_setclock(&a, CLOCK_PROCESS_CPUTIME_ID), EINVAL);
	ck_assert_int_eq(pthread_condattr_setclock(&a, CLOCK_MONOTONIC), 0);
	ck_assert_int_eq(pthread_condattr_getclock(&a, &clk), 0);
	ck_assert_int_eq(clk, CLOCK_MONOTONIC);
	ck_assert_int_eq(pthread_cond_init(&mc, &a), 0);
	pthread_mutex_lock(&m);
	struct timespec s, t;
	clock_gettime(CLOCK_MONOTONIC, &s);
	t = tst_deadline(CLOCK_REALTIME, 30);
	ck_assert_int_eq(pthread_cond_timedwait(&c, &m, &t), ETIMEDOUT);
	ck_assert_int_ge(tst_elapsed_ms(&s), 29);
	clock_gettime(CLOCK_MONOTONIC, &s);
	t = tst_deadline(CLOCK_MONOTONIC, 30);
	ck_assert_int_eq(pthread_cond_timedwait(&mc, &m, &t), ETIMEDOUT);
	ck_assert_int_ge(tst_elapsed_ms(&s), 29);
	t = tst_deadline(CLOCK_MONOTONIC, 20);
	ck_assert_int_eq(pthread_cond_clockwait(&c, &m, CLOCK_MONOTONIC, &t), ETIMEDOUT);
	t = tst_deadline(CLOCK_REALTIME, 20);
	ck_assert_int_eq(pthread_cond_clockwait(&mc, &m, CLOCK_REALTIME, &t), ETIMEDOUT);
	/* Past deadlines return at once; the mutex is held again. */
	clock_gettime(CLOCK_MONOTONIC, &s);
	struct timespec past = { 0, 5 }, neg = { -3, 0 };
	ck_assert_int_eq(pthread_cond_timedwait(&c, &m, &past), ETIMEDOUT);
	ck_assert_int_eq(pthread_cond_timedwait(&mc, &m, &neg), ETIMEDOUT);
	ck_assert_int_lt(tst_elapsed_ms(&s), 50);
	ck_assert_int_eq(pthread_mutex_trylock(&m), EBUSY);
	/* Bad input. */
	t.tv_nsec = 1000000000L;
	ck_assert_int_eq(pthread_cond_timedwait(&c, &m, &t), EINVAL);
	t.tv_nsec = -1;
	ck_assert_int_eq(pthread_cond_clockwait(&c, &m, CLOCK_MONOTONIC, &t), EINVAL);
	t = tst_deadline(CLOCK_REALTIME, 10);
	ck_assert_int_eq(pthread_cond_clockwait(&c, &m, CLOCK_THREAD_CPUTIME_ID, &t), EINVAL);
	ck_assert_int_eq(pthread_cond_clockwait(&c, &m, 999, &t), EINVAL);
	ck_assert_int_eq(pthread_mutex_trylock(&m), EBUSY);
	pthread_mutex_unlock(&m);
	ck_assert_int_eq(pthread_cond_destroy(&c), 0);
	ck_assert_int_eq(pthread_cond_destroy(&mc), 0);
}
END_TEST

START_TEST(errors_and_destroy)
{
	pthread_mutex_t e = PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP;
	pthread_cond_t c = PTHREAD_COND_INITIALIZER;
	ck_assert_int_eq(pthread_cond_wait(&c, &e), EPERM);	/* not owned */
	struct gate g = { .m = PTHREAD_MUTEX_INITIALIZER, .c = PTHREAD_COND_INITIALIZER };
	pthread_t t;
	pthread_create(&t, NULL, bcast_wait, &g);
	wait_ready(&g, 1);
	/* Destroying a condvar a thread is blocked on is undefined: the
	 * library says EBUSY, glibc waits for ever. */
	if (!tst_test_glibc())
		ck_assert_int_eq(pthread_cond_destroy(&g.c), EBUSY);
	pthread_mutex_lock(&g.m);
	g.go = 1;
	pthread_cond_broadcast(&g.c);
	pthread_mutex_unlock(&g.m);
	/* Broadcast then destroy at once: legal, must wait for the waiter. */
	ck_assert_int_eq(pthread_cond_destroy(&g.c), 0);
	pthread_join(t, NULL);
	ck_assert_int_eq(g.done, 1);
}
END_TEST

static void *recursive_signaller(void *p)
{
	struct gate *g = p;
	pthread_mutex_lock(&g->m);	/* only possible if fully released */
	g->go = 1;
	pthread_cond_signal(&g->c);
	pthread_mutex_unlock(&g->m);
	return NULL;
}

START_TEST(recursive_mutex_wait)
{
	struct gate g = { .m = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP,
			  .c = PTHREAD_COND_INITIALIZER };
	pthread_mutex_lock(&g.m);
	pthread_mutex_lock(&g.m);
	pthread_t t;
	pthread_create(&t, NULL, recursive_signaller, &g);
	while (!g.go)
		ck_assert_int_eq(pthread_cond_wait(&g.c, &g.m), 0);
	pthread_join(t, NULL);
	ck_assert_int_eq(pthread_mutex_unlock(&g.m), 0);
	ck_assert_int_eq(pthread_mutex_unlock(&g.m), 0);
	ck_assert_int_eq(pthread_mutex_unlock(&g.m), EPERM);
}
END_TEST

/* A process-shared mutex and condvar ping-pong between two processes. */
START_TEST(shared_across_fork)
{
	struct { pthread_mutex_t m; pthread_cond_t c; int turn; } *s =
		tst_shared(sizeof *s);
	pthread_mutexattr_t ma;
	pthread_condattr_t ca;
	int v;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_condattr_init(&ca);
	ck_assert_int_eq(pthread_condattr_setpshared(&ca, 3), EINVAL);
	ck_assert_int_eq(pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED), 0);
	ck_assert_int_eq(pthread_condattr_getpshared(&ca, &v), 0);
	ck_assert_int_eq(v, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(&s->m, &ma);
	pthread_cond_init(&s->c, &ca);
	pid_t pid = fork();
	int me = pid == 0;
	for (int i = 0; i < 2000; i++) {
		pthread_mutex_lock(&s->m);
		while (s->turn % 2 != me)
			pthread_cond_wait(&s->c, &s->m);
		s->turn++;
		pthread_cond_signal(&s->c);
		pthread_mutex_unlock(&s->m);
	}
	if (pid == 0)
		_exit(0);
	ck_assert(tst_child_ok(pid));
	ck_assert_int_eq(s->turn, 4000);
}
END_TEST

/* ---- wait morphing and destroy under the mutex, for each mutex kind ---- */

static const struct mtype {
	int type, protocol, robust;
} mtypes[] = {
	{ PTHREAD_MUTEX_NORMAL, PTHREAD_PRIO_NONE, PTHREAD_MUTEX_STALLED },
	{ PTHREAD_MUTEX_RECURSIVE, PTHREAD_PRIO_NONE, PTHREAD_MUTEX_STALLED },
	{ PTHREAD_MUTEX_ERRORCHECK, PTHREAD_PRIO_NONE, PTHREAD_MUTEX_STALLED },
	{ PTHREAD_MUTEX_ADAPTIVE_NP, PTHREAD_PRIO_NONE, PTHREAD_MUTEX_STALLED },
	/* Not plain words: a signal must not move waiters onto these. */
	{ PTHREAD_MUTEX_ERRORCHECK, PTHREAD_PRIO_INHERIT, PTHREAD_MUTEX_STALLED },
	{ PTHREAD_MUTEX_RECURSIVE, PTHREAD_PRIO_NONE, PTHREAD_MUTEX_ROBUST },
};
#define NMTYPES (int)(sizeof mtypes / sizeof *mtypes)

static void mtype_init(pthread_mutex_t *m, const struct mtype *t)
{
	pthread_mutexattr_t a;
	ck_assert_int_eq(pthread_mutexattr_init(&a), 0);
	ck_assert_int_eq(pthread_mutexattr_settype(&a, t->type), 0);
	ck_assert_int_eq(pthread_mutexattr_setprotocol(&a, t->protocol), 0);
	ck_assert_int_eq(pthread_mutexattr_setrobust(&a, t->robust), 0);
	ck_assert_int_eq(pthread_mutex_init(m, &a), 0);
	pthread_mutexattr_destroy(&a);
}

/* Recursive mutexes are held several levels deep across the waits. */
/* A condvar wait releases every level of a recursive mutex and takes
 * them all back; glibc releases one level only, so the reference run
 * holds it once. */
static int mtype_depth(const struct mtype *t)
{
	return t->type == PTHREAD_MUTEX_RECURSIVE && !tst_test_glibc() ? 3 : 1;
}

/* Failures seen by helper threads, reported by the test thread. */
struct failure {
	atomic_int line, value;
};

static void check(struct failure *f, bool ok, int line, int value)
{
	int none = 0;
	if (!ok && atomic_compare_exchange_strong(&f->line, &none, line))
		atomic_store(&f->value, value);
}

static void assert_no_failure(struct failure *f)
{
	ck_assert_msg(atomic_load(&f->line) == 0,
		      "helper thread check failed at line %d (value %d)",
		      atomic_load(&f->line), atomic_load(&f->value));
}

static void lock_deep(struct failure *f, pthread_mutex_t *m,
		      const struct mtype *t)
{
	for (int i = 0; i < mtype_depth(t); i++) {
		int r = pthread_mutex_lock(m);
		check(f, r == 0, __LINE__, r);
	}
}

/* Unlock as often as locked; a checked mutex must then be ours no more. */
static void unlock_deep(struct failure *f, pthread_mutex_t *m,
			const struct mtype *t)
{
	for (int i = 0; i < mtype_depth(t); i++) {
		int r = pthread_mutex_unlock(m);
		check(f, r == 0, __LINE__, r);
	}
	if (t->type == PTHREAD_MUTEX_RECURSIVE ||
	    t->type == PTHREAD_MUTEX_ERRORCHECK) {
		int r = pthread_mutex_unlock(m);
		check(f, r == EPERM, __LINE__, r);
	}
}

/* Back from a wait: the mutex must be held, by us where that shows. */
static void check_held(struct failure *f, pthread_mutex_t *m,
		       const struct mtype *t)
{
	int r;
	switch (t->type) {
	case PTHREAD_MUTEX_ERRORCHECK:
		r = pthread_mutex_lock(m);
		check(f, r == EDEADLK, __LINE__, r);
		break;
	case PTHREAD_MUTEX_RECURSIVE:	/* one level more and back */
		r = pthread_mutex_trylock(m);
		check(f, r == 0, __LINE__, r);
		r = pthread_mutex_unlock(m);
		check(f, r == 0, __LINE__, r);
		break;
	default:
		r = pthread_mutex_trylock(m);
		check(f, r == EBUSY, __LINE__, r);
	}
}

enum wait_kind { WAIT_PLAIN, WAIT_FAR, WAIT_SHORT };

static int wait_as(enum wait_kind k, pthread_cond_t *c, pthread_mutex_t *m)
{
	struct timespec t;
	switch (k) {
	case WAIT_FAR:
		t = tst_deadline(CLOCK_REALTIME, 3600 * 1000L);
		return pthread_cond_timedwait(c, m, &t);
	case WAIT_SHORT:
		t = tst_deadline(CLOCK_MONOTONIC, 1);
		return pthread_cond_clockwait(c, m, CLOCK_MONOTONIC, &t);
	default:
		return pthread_cond_wait(c, m);
	}
}

/* The test thread hands out `tokens' in phases; each waiter takes at most
 * one per phase, so every signal must wake a waiter of its own: one left
 * asleep on the mutex word while the mutex is free is never made up for
 * by another waiter. */
#define MORPH_WAITERS 4
#define MORPH_HANDOVERS 2000
struct morph {
	pthread_mutex_t m;
	pthread_cond_t c;
	const struct mtype *t;
	int tokens, phase, stop;	/* under m */
	atomic_int consumed;
	atomic_int holder;		/* who holds m, by the holders' word */
	struct failure f;
};

struct morph_waiter {
	struct morph *s;
	int id;
	enum wait_kind kind;
};

static void took(struct morph *s, int id)
{
	int was = atomic_exchange(&s->holder, id);
	check(&s->f, was == 0, __LINE__, was);
}

static void gave(struct morph *s, int id)
{
	int was = atomic_exchange(&s->holder, 0);
	check(&s->f, was == id, __LINE__, was);
}

static void *morph_wait(void *p)
{
	struct morph_waiter *w = p;
	struct morph *s = w->s;
	int last = 0;
	lock_deep(&s->f, &s->m, s->t);
	took(s, w->id);
	for (;;) {
		while (!s->stop && (s->tokens == 0 || last == s->phase)) {
			gave(s, w->id);
			int r = wait_as(w->kind, &s->c, &s->m);
			took(s, w->id);
			check(&s->f, r == 0 ||
			      (w->kind == WAIT_SHORT && r == ETIMEDOUT),
			      __LINE__, r);
			check_held(&s->f, &s->m, s->t);
		}
		if (s->stop)
			break;
		s->tokens--;
		last = s->phase;
		atomic_fetch_add(&s->consumed, 1);
	}
	gave(s, w->id);
	unlock_deep(&s->f, &s->m, s->t);
	return NULL;
}

static void morph_round(const struct mtype *t)
{
	static const enum wait_kind kinds[MORPH_WAITERS] = {
		WAIT_PLAIN, WAIT_PLAIN, WAIT_FAR, WAIT_SHORT };
	static struct morph s;
	s = (struct morph){ .c = PTHREAD_COND_INITIALIZER, .t = t };
	mtype_init(&s.m, t);
	struct morph_waiter w[MORPH_WAITERS];
	pthread_t th[MORPH_WAITERS];
	for (int i = 0; i < MORPH_WAITERS; i++) {
		w[i] = (struct morph_waiter){ &s, i + 1, kinds[i] };
		ck_assert_int_eq(pthread_create(&th[i], NULL, morph_wait, &w[i]), 0);
	}
	const int me = MORPH_WAITERS + 1;
	int total = 0;
	for (int phase = 1; total < MORPH_HANDOVERS; phase++) {
		int k = 1 + phase % 3;	/* < MORPH_WAITERS */
		ck_assert_int_eq(pthread_mutex_lock(&s.m), 0);
		took(&s, me);
		s.phase = phase;
		s.tokens += k;
		total += k;
		for (int i = 0; i < k; i++)
			ck_assert_int_eq(pthread_cond_signal(&s.c), 0);
		gave(&s, me);
		ck_assert_int_eq(pthread_mutex_unlock(&s.m), 0);
		while (atomic_load(&s.consumed) < total)
			sched_yield();
	}
	ck_assert_int_eq(pthread_mutex_lock(&s.m), 0);
	s.stop = 1;
	ck_assert_int_eq(pthread_cond_broadcast(&s.c), 0);
	ck_assert_int_eq(pthread_mutex_unlock(&s.m), 0);
	for (int i = 0; i < MORPH_WAITERS; i++)
		ck_assert_int_eq(pthread_join(th[i], NULL), 0);
	assert_no_failure(&s.f);
	ck_assert_int_eq(s.tokens, 0);
	ck_assert_int_eq(atomic_load(&s.consumed), total);
	ck_assert_int_eq(pthread_mutex_trylock(&s.m), 0);
	ck_assert_int_eq(pthread_mutex_unlock(&s.m), 0);
	ck_assert_int_eq(pthread_mutex_destroy(&s.m), 0);
	ck_assert_int_eq(pthread_cond_destroy(&s.c), 0);
}

/* Signals under the mutex move waiters onto the mutex word ("wait
 * morphing"); each unlock must still get every one of them going. */
START_TEST(signal_morph_handover)
{
	for (int i = 0; i < NMTYPES; i++)
		morph_round(&mtypes[i]);
}
END_TEST

/* ---- a signalled timed waiter whose deadline passes on the mutex ---- */

struct late {
	pthread_mutex_t m;
	pthread_cond_t c;
	const struct mtype *t;
	struct timespec deadline;	/* CLOCK_MONOTONIC */
	int inside;			/* under m */
	atomic_int result;
	struct failure f;
};

static void *late_wait(void *p)
{
	struct late *l = p;
	lock_deep(&l->f, &l->m, l->t);
	l->inside = 1;
	int r;
	do	/* `inside' becomes 2 with the signal */
		r = pthread_cond_clockwait(&l->c, &l->m, CLOCK_MONOTONIC,
					   &l->deadline);
	while (r == 0 && l->inside == 1);
	atomic_store(&l->result, r);
	check_held(&l->f, &l->m, l->t);
	unlock_deep(&l->f, &l->m, l->t);
	return NULL;
}

static bool before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	       (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* The signal comes before the deadline but the signaller keeps the mutex
 * past it: the waiter was signalled, so it must report 0, not a timeout
 * (a signal is never spent on a waiter that reports ETIMEDOUT). */
START_TEST(signalled_then_deadline_on_mutex)
{
	for (int i = 0; i < NMTYPES; i++) {
		static struct late l;
		l = (struct late){ .c = PTHREAD_COND_INITIALIZER, .t = &mtypes[i],
			.deadline = tst_deadline(CLOCK_MONOTONIC, 60) };
		mtype_init(&l.m, l.t);
		pthread_t th;
		ck_assert_int_eq(pthread_create(&th, NULL, late_wait, &l), 0);
		for (;;) {
			ck_assert_int_eq(pthread_mutex_lock(&l.m), 0);
			if (l.inside)
				break;
			ck_assert_int_eq(pthread_mutex_unlock(&l.m), 0);
			sched_yield();
		}
		usleep(5000);	/* let it get to sleep */
		l.inside = 2;
		ck_assert_int_eq(pthread_cond_signal(&l.c), 0);
		/* Signalled before the deadline for sure: the waiter cannot
		 * have seen its time run out before the signal.  Otherwise
		 * (a slow machine) either answer is right. */
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		bool in_time = before(&now, &l.deadline);
		/* Keep the mutex until well past the deadline. */
		struct timespec until = tst_deadline(CLOCK_MONOTONIC, 80);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL))
			;
		ck_assert_int_eq(pthread_mutex_unlock(&l.m), 0);
		ck_assert_int_eq(pthread_join(th, NULL), 0);
		assert_no_failure(&l.f);
		int r = atomic_load(&l.result);
		if (in_time)
			ck_assert_int_eq(r, 0);
		else
			ck_assert(r == 0 || r == ETIMEDOUT);
		ck_assert_int_eq(pthread_mutex_destroy(&l.m), 0);
		ck_assert_int_eq(pthread_cond_destroy(&l.c), 0);
	}
}
END_TEST

/* ---- destroy right after a broadcast, the mutex still held ---- */

#define DESTROY_WAITERS 3
#define DESTROY_ROUNDS 200
struct bdestroy {
	pthread_mutex_t m;
	pthread_cond_t c;
	const struct mtype *t;
	int go;				/* under m */
	atomic_int ready, returned;
	struct failure f;
};

static void *bdestroy_wait(void *p)
{
	struct bdestroy *d = p;
	lock_deep(&d->f, &d->m, d->t);
	atomic_fetch_add(&d->ready, 1);
	while (!d->go) {
		int r = pthread_cond_wait(&d->c, &d->m);
		check(&d->f, r == 0, __LINE__, r);
		check_held(&d->f, &d->m, d->t);
	}
	atomic_fetch_add(&d->returned, 1);
	unlock_deep(&d->f, &d->m, d->t);
	return NULL;
}

static bool all_bytes(const void *p, size_t n, unsigned char v)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i] != v)
			return false;
	return true;
}

/* Woken waiters are no longer blocked, so the condvar may be destroyed at
 * once, even before the mutex they need is released.  Once destroy has
 * returned, nobody may touch the condvar's memory. */
START_TEST(destroy_after_broadcast_under_mutex)
{
	static struct bdestroy d;
	for (int round = 0; round < DESTROY_ROUNDS; round++) {
		d = (struct bdestroy){ .t = &mtypes[round % NMTYPES] };
		mtype_init(&d.m, d.t);
		ck_assert_int_eq(pthread_cond_init(&d.c, NULL), 0);
		pthread_t th[DESTROY_WAITERS];
		for (int i = 0; i < DESTROY_WAITERS; i++)
			ck_assert_int_eq(pthread_create(&th[i], NULL,
						bdestroy_wait, &d), 0);
		while (atomic_load(&d.ready) < DESTROY_WAITERS)
			sched_yield();
		ck_assert_int_eq(pthread_mutex_lock(&d.m), 0);
		for (int i = 0; i < 3; i++)	/* let them get to sleep */
			sched_yield();
		d.go = 1;
		ck_assert_int_eq(pthread_cond_broadcast(&d.c), 0);
		ck_assert_int_eq(pthread_cond_destroy(&d.c), 0);
		memset(&d.c, 0xAA, sizeof d.c);
		ck_assert_int_eq(pthread_mutex_unlock(&d.m), 0);
		for (int i = 0; i < DESTROY_WAITERS; i++)
			ck_assert_int_eq(pthread_join(th[i], NULL), 0);
		assert_no_failure(&d.f);
		ck_assert_int_eq(atomic_load(&d.returned), DESTROY_WAITERS);
		ck_assert_msg(all_bytes(&d.c, sizeof d.c, 0xAA),
			      "condvar touched after destroy (round %d)", round);
		/* The memory is a condvar again. */
		ck_assert_int_eq(pthread_cond_init(&d.c, NULL), 0);
		ck_assert_int_eq(pthread_mutex_lock(&d.m), 0);
		struct timespec past = { 0, 0 };
		ck_assert_int_eq(pthread_cond_timedwait(&d.c, &d.m, &past), ETIMEDOUT);
		ck_assert_int_eq(pthread_mutex_unlock(&d.m), 0);
		ck_assert_int_eq(pthread_cond_destroy(&d.c), 0);
		ck_assert_int_eq(pthread_mutex_destroy(&d.m), 0);
	}
}
END_TEST

/* ---- a signal handler interrupts the wait ---- */

#define INTR_ROUNDS 20
static atomic_int intr_handled;

static void intr_handler(int sig)
{
	(void)sig;
	atomic_fetch_add(&intr_handled, 1);
}

struct intr {
	pthread_mutex_t m;
	pthread_cond_t c;
	int how;		/* 0 wait, 1 timedwait, 2 clockwait */
	int go;			/* under m: set only with the last signal */
	atomic_int tid, returned;
	int result, go_seen;
};

/* One wait, no loop: whether it returned is what the test looks at. */
static void *intr_wait(void *p)
{
	struct intr *w = p;
	struct timespec rt = tst_deadline(CLOCK_REALTIME, 60000);
	struct timespec mono = tst_deadline(CLOCK_MONOTONIC, 60000);
	pthread_mutex_lock(&w->m);
	atomic_store(&w->tid, tst_gettid());
	int r = w->how == 0 ? pthread_cond_wait(&w->c, &w->m)
	      : w->how == 1 ? pthread_cond_timedwait(&w->c, &w->m, &rt)
	      : pthread_cond_clockwait(&w->c, &w->m, CLOCK_MONOTONIC, &mono);
	w->result = r;
	w->go_seen = w->go;
	atomic_store(&w->returned, 1);
	pthread_mutex_unlock(&w->m);
	return NULL;
}

/* A wait is not interrupted by a signal: the handler runs and the waiter
 * sleeps on until it is signalled (no spurious return from EINTR), with
 * the handler installed with and without SA_RESTART, in every kind of
 * wait. */
START_TEST(signal_handler_does_not_end_wait)
{
	static const char *const how[] = { "wait", "timedwait", "clockwait" };
	for (int restart = 0; restart < 2; restart++) {
		struct sigaction sa = { .sa_handler = intr_handler }, old;
		sa.sa_flags = restart ? SA_RESTART : 0;
		sigemptyset(&sa.sa_mask);
		ck_assert_int_eq(sigaction(SIGUSR1, &sa, &old), 0);
		for (int h = 0; h < 3; h++) {
			static struct intr w;
			w = (struct intr){ .m = PTHREAD_MUTEX_INITIALIZER,
				.c = PTHREAD_COND_INITIALIZER, .how = h };
			pthread_t th = tst_start(NULL, intr_wait, &w);
			tst_wait_at_least(&w.tid, 1);
			int tid = atomic_load(&w.tid);
			for (int i = 0; i < INTR_ROUNDS; i++) {
				ck_assert_int_eq(tst_wait_blocked(tid), 1);
				int seen = atomic_load(&intr_handled);
				ck_assert_int_eq(pthread_kill(th, SIGUSR1), 0);
				tst_wait_at_least(&intr_handled, seen + 1);
				/* Back asleep, or returned: give it the time. */
				tst_wait_blocked(tid);
				ck_assert_msg(!atomic_load(&w.returned),
					"pthread_cond_%s returned %d after signal "
					"%d (SA_RESTART %s), not signalled",
					how[h], w.result, i + 1,
					restart ? "on" : "off");
			}
			ck_assert_int_eq(pthread_mutex_lock(&w.m), 0);
			w.go = 1;
			ck_assert_int_eq(pthread_cond_signal(&w.c), 0);
			ck_assert_int_eq(pthread_mutex_unlock(&w.m), 0);
			tst_join(th);
			ck_assert_int_eq(w.result, 0);
			ck_assert_int_eq(w.go_seen, 1);
			ck_assert_int_eq(pthread_cond_destroy(&w.c), 0);
		}
		ck_assert_int_eq(sigaction(SIGUSR1, &old, NULL), 0);
	}
}
END_TEST

TST_SUITE(cond_suite)
{
	Suite *s = suite_create("cond");
	TCase *tc = tst_tcase("cond");
	tcase_add_test(tc, signal_one_each);
	tcase_add_test(tc, broadcast_all);
	tcase_add_test(tc, producer_consumer);
	tcase_add_test(tc, timeouts);
	tcase_add_test(tc, errors_and_destroy);
	tst_tcase_add_beyond_glibc(tc, recursive_mutex_wait, "glibc releases one "
		"level of a recursive mutex: the signaller never gets it");
	tcase_add_test(tc, shared_across_fork);
	tcase_add_test(tc, signal_morph_handover);
	tcase_add_test(tc, signalled_then_deadline_on_mutex);
	tcase_add_test(tc, destroy_after_broadcast_under_mutex);
	tst_tcase_add_signal_return(tc, signal_handler_does_not_end_wait);
	suite_add_tcase(s, tc);
	return s;
}
