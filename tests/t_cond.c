/* Condition variables: signal/broadcast semantics, producer/consumer,
 * timeouts on both clocks, bad input, destroy, process-shared. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
#include "sync_tests.h"

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
			ck_assert_int_lt(st_elapsed_ms(&s), 5000);
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
	t = st_deadline(CLOCK_REALTIME, 30);
	ck_assert_int_eq(pthread_cond_timedwait(&c, &m, &t), ETIMEDOUT);
	ck_assert_int_ge(st_elapsed_ms(&s), 29);
	clock_gettime(CLOCK_MONOTONIC, &s);
	t = st_deadline(CLOCK_MONOTONIC, 30);
	ck_assert_int_eq(pthread_cond_timedwait(&mc, &m, &t), ETIMEDOUT);
	ck_assert_int_ge(st_elapsed_ms(&s), 29);
	t = st_deadline(CLOCK_MONOTONIC, 20);
	ck_assert_int_eq(pthread_cond_clockwait(&c, &m, CLOCK_MONOTONIC, &t), ETIMEDOUT);
	t = st_deadline(CLOCK_REALTIME, 20);
	ck_assert_int_eq(pthread_cond_clockwait(&mc, &m, CLOCK_REALTIME, &t), ETIMEDOUT);
	/* Past deadlines return at once; the mutex is held again. */
	clock_gettime(CLOCK_MONOTONIC, &s);
	struct timespec past = { 0, 5 }, neg = { -3, 0 };
	ck_assert_int_eq(pthread_cond_timedwait(&c, &m, &past), ETIMEDOUT);
	ck_assert_int_eq(pthread_cond_timedwait(&mc, &m, &neg), ETIMEDOUT);
	ck_assert_int_lt(st_elapsed_ms(&s), 50);
	ck_assert_int_eq(pthread_mutex_trylock(&m), EBUSY);
	/* Bad input. */
	t.tv_nsec = 1000000000L;
	ck_assert_int_eq(pthread_cond_timedwait(&c, &m, &t), EINVAL);
	t.tv_nsec = -1;
	ck_assert_int_eq(pthread_cond_clockwait(&c, &m, CLOCK_MONOTONIC, &t), EINVAL);
	t = st_deadline(CLOCK_REALTIME, 10);
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
		st_shared(sizeof *s);
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
	ck_assert(st_child_ok(pid));
	ck_assert_int_eq(s->turn, 4000);
}
END_TEST

Suite *cond_suite(void)
{
	Suite *s = suite_create("cond");
	TCase *tc = st_tcase("cond");
	tcase_add_test(tc, signal_one_each);
	tcase_add_test(tc, broadcast_all);
	tcase_add_test(tc, producer_consumer);
	tcase_add_test(tc, timeouts);
	tcase_add_test(tc, errors_and_destroy);
	tcase_add_test(tc, recursive_mutex_wait);
	tcase_add_test(tc, shared_across_fork);
	suite_add_tcase(s, tc);
	return s;
}
