/* SPDX-License-Identifier: MIT */
/* Creation, exit, join and detach: return values, many threads, error
 * codes, nesting, pthread_exit from main, the region cache. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <semaphore.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "common.h"
#include "tlsmod.h"

/* ---- return values: returning, pthread_exit, pthread_exit deep down ---- */

enum how { RETURN, EXIT, EXIT_NESTED };
struct ret_case {
	enum how how;
	void *value;
};

__attribute__((noreturn, noinline))
static void exit_deep(int depth, void *value)
{
	char frame[64];
	snprintf(frame, sizeof frame, "%d", depth);	/* a real frame */
	if (depth > 0)
		exit_deep(depth - 1, value);
	pthread_exit(value);
}

static void *ret_thread(void *arg)
{
	const struct ret_case *c = arg;
	switch (c->how) {
	case EXIT:
		pthread_exit(c->value);
	case EXIT_NESTED:
		exit_deep(10, c->value);
		break;
	case RETURN:
		break;
	}
	return c->value;
}

START_TEST(test_return_values)
{
	static int target;
	const struct ret_case cases[] = {
		{ RETURN, &target }, { RETURN, NULL }, { RETURN, (void *)-1 },
		{ EXIT, &target }, { EXIT, (void *)42 },
		{ EXIT_NESTED, &target }, { EXIT_NESTED, (void *)7 },
	};
	const int n = sizeof cases / sizeof *cases;
	pthread_t th[n];
	for (int i = 0; i < n; i++)
		th[i] = tst_start(NULL, ret_thread, (void *)&cases[i]);
	for (int i = n - 1; i >= 0; i--)
		ck_assert_ptr_eq(tst_join(th[i]), cases[i].value);
	/* a NULL value pointer is allowed */
	pthread_t t = tst_start(NULL, ret_thread, (void *)&cases[3]);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
}
END_TEST

/* ---- pthread_self / pthread_equal ---- */

struct self_info {
	pthread_t self1, self2;
	int equal;
};

static void *self_thread(void *arg)
{
	struct self_info *s = arg;
	s->self1 = pthread_self();
	sched_yield();
	s->self2 = pthread_self();
	s->equal = pthread_equal(s->self1, s->self2);
	tst_check_own(s->self1, 1);
	return NULL;
}

START_TEST(test_self_equal)
{
	struct self_info s[4];
	pthread_t th[4];
	pthread_t me = pthread_self();
	ck_assert(pthread_equal(me, pthread_self()));
	tst_check_own(me, 0);
	for (int i = 0; i < 4; i++)
		th[i] = tst_start(NULL, self_thread, &s[i]);
	for (int i = 0; i < 4; i++) {
		tst_join(th[i]);
		ck_assert(s[i].equal);
		ck_assert(pthread_equal(s[i].self1, th[i]));
		ck_assert(!pthread_equal(s[i].self1, me));
		for (int j = 0; j < i; j++)
			ck_assert(!pthread_equal(th[i], th[j]));
	}
	ck_assert(pthread_equal(me, pthread_self()));
}
END_TEST

/* ---- 1,000 threads alive at once (100 under an emulator) ---- */

#define MANY 1000
static atomic_int many_alive, many_release;
static int many_tid[MANY];

static void *many_thread(void *arg)
{
	intptr_t i = (intptr_t)arg;
	many_tid[i] = tst_gettid();
	atomic_fetch_add(&many_alive, 1);
	tst_wait_at_least(&many_release, 1);
	return (void *)(i * 3 + 1);
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

START_TEST(test_thousand_alive)
{
	/* 256 KiB stacks: a 32-bit address space has no room for a
	 * thousand default ones (8 MiB). */
	static pthread_t th[MANY];
	int n = tst_test_scaled(MANY, 10);
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 256 << 10);
	for (intptr_t i = 0; i < n; i++)
		th[i] = tst_start(&a, many_thread, (void *)i);
	pthread_attr_destroy(&a);
	tst_wait_at_least(&many_alive, n);
	ck_assert_int_ge(tst_count_tasks(), n + 1);
	qsort(many_tid, n, sizeof *many_tid, cmp_int);
	for (int i = 1; i < n; i++)
		ck_assert_int_ne(many_tid[i - 1], many_tid[i]);
	atomic_store(&many_release, 1);
	for (intptr_t i = 0; i < n; i++)
		ck_assert_ptr_eq(tst_join(th[i]), (void *)(i * 3 + 1));
	tst_test_quiesce();
	ck_assert_int_eq(tst_tasks_settle(1), 1);
}
END_TEST

/* ---- detach ---- */

struct blocker {
	atomic_int started, go, done;
	void *value;
};

/* Starts, waits for go, finishes its work and returns value. */
static void *blocker_thread(void *arg)
{
	struct blocker *b = arg;
	atomic_store(&b->started, 1);
	tst_wait_at_least(&b->go, 1);
	atomic_store(&b->done, 1);
	return b->value;
}

START_TEST(test_detach)
{
	/* 0: pthread_detach on a running thread; 1: detached by attribute */
	for (int via_attr = 0; via_attr < 2; via_attr++) {
		struct blocker b = { .value = NULL };
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		if (via_attr)
			pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		pthread_t th = tst_start(&attr, blocker_thread, &b);
		pthread_attr_destroy(&attr);
		tst_wait_at_least(&b.started, 1);
		if (!via_attr)
			ck_assert_int_eq(pthread_detach(th), 0);
		/* still alive (waits for go), so the handle is valid */
		ck_assert_int_eq(pthread_join(th, NULL), EINVAL);
		ck_assert_int_eq(pthread_detach(th), EINVAL);
		atomic_store(&b.go, 1);
		tst_wait_at_least(&b.done, 1);
	}
}
END_TEST

/* Says its tid, and ends. */
static void *tid_thread(void *arg)
{
	atomic_store((atomic_int *)arg, tst_gettid());
	return NULL;
}

/* Detaching a thread that has already exited frees it. */
START_TEST(test_detach_exited)
{
	static const struct ret_case c = { RETURN, NULL };
	for (int i = 0; i < 3; i++)
		tst_join(tst_start(NULL, ret_thread, (void *)&c));
	tst_test_quiesce();
	int maps = tst_count_maps();
	for (int i = 0; i < 50; i++) {
		atomic_int tid = 0;
		pthread_t th = tst_start(NULL, tid_thread, &tid);
		tst_wait_at_least(&tid, 1);
		ck_assert(tst_wait_ended(atomic_load(&tid)));	/* not joined */
		ck_assert_int_eq(pthread_detach(th), 0);
	}
	tst_test_quiesce();
	ck_assert_int_le(tst_count_maps(), maps);
}
END_TEST

/* Many detached threads come and go; every one runs. */
static atomic_int detached_runs;

static void *count_thread(void *arg)
{
	atomic_fetch_add(&detached_runs, 1);
	return NULL;
}

START_TEST(test_detached_many)
{
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	int n = tst_test_scaled(500, 5);
	for (int i = 0; i < n; i++)
		tst_start(&attr, count_thread, NULL);
	pthread_attr_destroy(&attr);
	tst_wait_at_least(&detached_runs, n);
	/* and a joinable one still works afterwards */
	static const struct ret_case c = { RETURN, (void *)5 };
	ck_assert_ptr_eq(tst_join(tst_start(NULL, ret_thread, (void *)&c)),
			 (void *)5);
}
END_TEST

/* ---- join errors ---- */

static void *join_self_thread(void *arg)
{
	return (void *)(intptr_t)pthread_join(pthread_self(), NULL);
}

START_TEST(test_join_self)
{
	ck_assert_int_eq(pthread_join(pthread_self(), NULL), EDEADLK);
	pthread_t th = tst_start(NULL, join_self_thread, NULL);
	ck_assert_int_eq((intptr_t)tst_join(th), EDEADLK);
}
END_TEST

static struct timespec in_ms(clockid_t clock, long ms)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += ms % 1000 * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return ts;
}

START_TEST(test_join_running)
{
	static int value;
	struct blocker b = { .value = &value };
	pthread_t th = tst_start(NULL, blocker_thread, &b);
	tst_wait_at_least(&b.started, 1);
	void *ret = NULL;

	ck_assert_int_eq(pthread_tryjoin_np(th, &ret), EBUSY);
	struct timespec ts = in_ms(CLOCK_REALTIME, 20);
	ck_assert_int_eq(pthread_timedjoin_np(th, &ret, &ts), ETIMEDOUT);
	ts.tv_sec -= 10;	/* in the past */
	ck_assert_int_eq(pthread_timedjoin_np(th, &ret, &ts), ETIMEDOUT);
	ts = in_ms(CLOCK_MONOTONIC, 20);
	ck_assert_int_eq(pthread_clockjoin_np(th, &ret, CLOCK_MONOTONIC, &ts),
			 ETIMEDOUT);
	ts = in_ms(CLOCK_REALTIME, 20);
	ck_assert_int_eq(pthread_clockjoin_np(th, &ret, CLOCK_REALTIME, &ts),
			 ETIMEDOUT);
	/* glibc before 2.34 waits on that clock (2.31's clockjoin was new) */
	ts = in_ms(CLOCK_MONOTONIC, 1000);
	if (!tst_test_glibc_before(2, 34))
		ck_assert_int_eq(pthread_clockjoin_np(th, &ret,
						      CLOCK_PROCESS_CPUTIME_ID, &ts),
				 EINVAL);
	ck_assert_ptr_null(ret);
	atomic_store(&b.go, 1);
	ts = in_ms(CLOCK_MONOTONIC, 60000);
	ck_assert_int_eq(pthread_clockjoin_np(th, &ret, CLOCK_MONOTONIC, &ts), 0);
	ck_assert_ptr_eq(ret, &value);
}
END_TEST

/* A timespec whose tv_nsec is out of range is EINVAL, not a hang. */
START_TEST(test_join_bad_timespec)
{
	static const long bad_nsec[] = { 1000000000, -1, LONG_MAX };
	struct blocker b = { .value = NULL };
	pthread_t th = tst_start(NULL, blocker_thread, &b);
	tst_wait_at_least(&b.started, 1);
	for (size_t i = 0; i < sizeof bad_nsec / sizeof *bad_nsec; i++) {
		struct timespec ts = in_ms(CLOCK_REALTIME, 1000);
		ts.tv_nsec = bad_nsec[i];
		ck_assert_int_eq(pthread_timedjoin_np(th, NULL, &ts), EINVAL);
		ck_assert_int_eq(pthread_clockjoin_np(th, NULL, CLOCK_MONOTONIC,
						      &ts), EINVAL);
	}
	atomic_store(&b.go, 1);
	tst_join(th);
}
END_TEST

/* tryjoin and timedjoin succeed on a thread that has finished. */
START_TEST(test_tryjoin_finished)
{
	static int value;
	for (int timed = 0; timed < 2; timed++) {
		struct blocker b = { .value = &value, .go = 1 };
		pthread_t th = tst_start(NULL, blocker_thread, &b);
		void *ret = NULL;
		int err;
		if (timed) {
			struct timespec ts = in_ms(CLOCK_REALTIME, 60000);
			err = pthread_timedjoin_np(th, &ret, &ts);
		} else {
			while ((err = pthread_tryjoin_np(th, &ret)) == EBUSY)
				sched_yield();
		}
		ck_assert_int_eq(err, 0);
		ck_assert_ptr_eq(ret, &value);
	}
}
END_TEST

/* ---- successful calls leave errno alone (as glibc's do) ---- */

/* Exits after a few yields, so that some joins catch it mid-exit. */
static void *yield_thread(void *arg)
{
	for (intptr_t i = (intptr_t)arg % 4; i > 0; i--)
		sched_yield();
	return arg;
}

/* Interrupts the joiner's wait (a handler without SA_RESTART) once the
 * joiner sleeps, then exits. */
static atomic_int eintr_hits;

static void eintr_handler(int sig)
{
	atomic_fetch_add(&eintr_hits, 1);
}

static char task_state(int tid)
{
	char path[64], line[1024];
	snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)getpid(), tid);
	FILE *f = fopen(path, "r");
	if (!f)
		return '?';
	char *p = fgets(line, sizeof line, f);
	fclose(f);
	p = p ? strrchr(line, ')') : NULL;
	return p ? p[2] : '?';
}

static void *interrupt_thread(void *arg)
{
	int joiner = (int)(intptr_t)arg;
	int hits = atomic_load(&eintr_hits);
	while (task_state(joiner) != 'S')
		sched_yield();
	syscall(SYS_tgkill, getpid(), joiner, SIGUSR1);
	tst_wait_at_least(&eintr_hits, hits + 1);
	return NULL;
}

START_TEST(test_errno_preserved)
{
	struct sigaction sa = { .sa_handler = eintr_handler };	/* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	ck_assert_int_eq(sigaction(SIGUSR1, &sa, NULL), 0);
	for (int i = 0; i < 10; i++) {
		errno = 4242;
		pthread_t th = tst_start(NULL, interrupt_thread,
					(void *)(intptr_t)tst_gettid());
		ck_assert_int_eq(errno, 4242);
		ck_assert_int_eq(pthread_join(th, NULL), 0);
		ck_assert_msg(errno == 4242, "errno %d after an interrupted join",
			      errno);
	}
	enum { PER_CYCLE = 4 };
	for (int i = 0; i < tst_test_scaled(2000, 10); i++) {
		pthread_t th[PER_CYCLE];
		errno = 4242;
		for (intptr_t k = 0; k < PER_CYCLE; k++)
			th[k] = tst_start(NULL, yield_thread, (void *)(i + k));
		int after_create = errno;
		for (int k = 0; k < PER_CYCLE; k++) {
			int err = k == PER_CYCLE - 1 && i % 2 ? pthread_detach(th[k])
							     : pthread_join(th[k], NULL);
			ck_assert_int_eq(err, 0);
		}
		ck_assert_msg(after_create == 4242 && errno == 4242,
			      "cycle %d: errno %d after create, %d after join "
			      "and detach", i, after_create, errno);
	}
}
END_TEST

/* ---- threads created by threads ---- */

static void *leaf_thread(void *arg)
{
	return (void *)((intptr_t)arg * 2);
}

static void *parent_thread(void *arg)
{
	intptr_t v = (intptr_t)arg;
	pthread_t child;
	if (pthread_create(&child, NULL, leaf_thread, (void *)v))
		return NULL;
	void *r;
	if (pthread_join(child, &r))
		return NULL;
	/* a second child that outlives us: main joins it */
	pthread_t *orphan = malloc(sizeof *orphan);
	if (!orphan || pthread_create(orphan, NULL, leaf_thread, (void *)(v + 1)))
		return NULL;
	struct { intptr_t r; pthread_t *orphan; } *out = malloc(sizeof *out);
	out->r = (intptr_t)r;
	out->orphan = orphan;
	return out;
}

START_TEST(test_nested_create)
{
	pthread_t th[4];
	for (intptr_t i = 0; i < 4; i++)
		th[i] = tst_start(NULL, parent_thread, (void *)(i + 10));
	for (intptr_t i = 0; i < 4; i++) {
		struct { intptr_t r; pthread_t *orphan; } *out = tst_join(th[i]);
		ck_assert_ptr_nonnull(out);
		ck_assert_int_eq(out->r, (i + 10) * 2);
		ck_assert_int_eq((intptr_t)tst_join(*out->orphan), (i + 11) * 2);
		free(out->orphan);
		free(out);
	}
}
END_TEST

/* ---- several threads create and join (or detach) at once ---- */

#define CREATORS 4
#define CREATES 300
static atomic_int storm_detached;

static void *storm_leaf(void *arg)
{
	if (!arg)
		atomic_fetch_add(&storm_detached, 1);
	return arg;
}

static void *creator_thread(void *arg)
{
	pthread_attr_t detached;
	pthread_attr_init(&detached);
	pthread_attr_setdetachstate(&detached, PTHREAD_CREATE_DETACHED);
	intptr_t bad = 0;
	for (intptr_t i = 1; i <= CREATES; i++) {
		pthread_t th;
		void *ret = NULL;
		if (pthread_create(&th, NULL, storm_leaf, (void *)i) ||
		    pthread_join(th, &ret) || ret != (void *)i)
			bad++;
		if (pthread_create(&th, &detached, storm_leaf, NULL))
			bad++;
	}
	pthread_attr_destroy(&detached);
	return (void *)bad;
}

START_TEST(test_concurrent_creators)
{
	pthread_t th[CREATORS];
	for (int i = 0; i < CREATORS; i++)
		th[i] = tst_start(NULL, creator_thread, NULL);
	for (int i = 0; i < CREATORS; i++)
		ck_assert_int_eq((intptr_t)tst_join(th[i]), 0);
	tst_wait_at_least(&storm_detached, CREATORS * CREATES);
}
END_TEST

/* ---- a detached thread outlives main's other threads ---- */

static atomic_int others_joined, outlive_done;
static long outlive_result;

static void *outlive_thread(void *arg)
{
	tst_wait_at_least(&others_joined, 1);
	/* real work after every other thread is gone */
	long sum = 0;
	for (int round = 0; round < 50; round++) {
		size_t n = 1000 + round * 37;
		long *v = malloc(n * sizeof *v);
		if (!v)
			return NULL;
		for (size_t i = 0; i < n; i++)
			v[i] = i;
		for (size_t i = 0; i < n; i++)
			sum += v[i];
		free(v);
	}
	char buf[64];
	snprintf(buf, sizeof buf, "%ld", sum);
	outlive_result = strtol(buf, NULL, 10);
	atomic_store(&outlive_done, 1);
	return NULL;
}

START_TEST(test_detached_outlives)
{
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	tst_start(&attr, outlive_thread, NULL);
	pthread_attr_destroy(&attr);
	pthread_t th[4];
	static const struct ret_case c = { RETURN, NULL };
	for (int i = 0; i < 4; i++)
		th[i] = tst_start(NULL, ret_thread, (void *)&c);
	for (int i = 0; i < 4; i++)
		tst_join(th[i]);
	atomic_store(&others_joined, 1);
	tst_wait_at_least(&outlive_done, 1);
	long expect = 0;
	for (int round = 0; round < 50; round++) {
		long n = 1000 + round * 37;
		expect += n * (n - 1) / 2;
	}
	ck_assert_int_eq(outlive_result, expect);
}
END_TEST

/* ---- pthread_exit from main (a scenario in its own process) ---- */

#define EXIT_MAIN_THREADS 6
static FILE *exit_main_marker;
static atomic_int exit_main_left = EXIT_MAIN_THREADS;

/* The initial thread has exited once its task is a zombie. */
static int main_task_gone(void)
{
	char state = tst_task_state(getpid());
	return state == 'Z' || state == 'X';
}

static pthread_t exit_main_handle;
static atomic_int exit_main_joined;

static void *exit_main_thread(void *arg)
{
	if (arg) {	/* the initial thread can be joined like any other */
		void *ret = NULL;
		if (pthread_join(exit_main_handle, &ret) == 0 &&
		    ret == (void *)0x1234)
			atomic_store(&exit_main_joined, 1);
	}
	while (!main_task_gone())
		sched_yield();
	char *work = malloc(4096);	/* the process still works */
	if (!work)
		return NULL;
	snprintf(work, 4096, "last %d\n", EXIT_MAIN_THREADS);
	if (atomic_fetch_sub(&exit_main_left, 1) == 1)
		fprintf(exit_main_marker, "%sjoined %d\n", work,
			atomic_load(&exit_main_joined));	/* buffered */
	free(work);
	return NULL;
}

static void exit_main_atexit(void)
{
	fputs("atexit\n", exit_main_marker);
}

/* pthread_exit runs the calling thread's key destructors, main's too. */
static void exit_main_dtor(void *value)
{
	fputs(value, exit_main_marker);
}

static int exit_main_scenario(void)
{
	exit_main_marker = tst_marker();
	TST_CHILD_CHECK(exit_main_marker != NULL);
	TST_CHILD_CHECK(atexit(exit_main_atexit) == 0);
	pthread_key_t key;
	TST_CHILD_CHECK(pthread_key_create(&key, exit_main_dtor) == 0);
	TST_CHILD_CHECK(pthread_setspecific(key, "main dtor\n") == 0);
	pthread_attr_t detached;
	pthread_attr_init(&detached);
	pthread_attr_setdetachstate(&detached, PTHREAD_CREATE_DETACHED);
	exit_main_handle = pthread_self();
	for (int i = 0; i < EXIT_MAIN_THREADS; i++) {
		pthread_t th;
		TST_CHILD_CHECK(pthread_create(&th, i % 2 ? &detached : NULL,
					      exit_main_thread,
					      i == 0 ? &exit_main_joined : NULL) == 0);
	}
	pthread_exit((void *)0x1234);
}

TST_SCENARIO("exit-main", exit_main_scenario);

START_TEST(test_exit_from_main)
{
	char out[128];
	ck_assert_int_eq(tst_rerun_marked("exit-main", out, sizeof out), 0);
	ck_assert_str_eq(out, "main dtor\nlast 6\njoined 1\natexit\n");
}
END_TEST

/* ---- the region cache: create after join needs no new mapping ---- */

START_TEST(test_maps_flat)
{
	static const struct ret_case c = { RETURN, NULL };
	for (int i = 0; i < 3; i++)
		tst_join(tst_start(NULL, ret_thread, (void *)&c));
	int before = tst_count_maps();
	for (int i = 0; i < 100; i++)
		tst_join(tst_start(NULL, ret_thread, (void *)&c));
	int after = tst_count_maps();
	ck_assert_int_le(after, before);
}
END_TEST

/* ---- thread exit leaks nothing: malloc'ed bytes and mappings stay flat ---- */

static const struct tst_tls_probe *leak_probe;
static atomic_int leak_runs, leak_bad;

static void *leak_cycle_thread(void *arg)
{
	void *p = malloc(100 + (uintptr_t)arg % 3000);	/* an arena, a tcache */
	free(p);
	/* the dlopen'ed module's TLS is allocated on first use */
	if (leak_probe && leak_probe->get_init() != leak_probe->image_init)
		atomic_fetch_add(&leak_bad, 1);
	atomic_fetch_add(&leak_runs, 1);
	return NULL;
}

static size_t malloc_in_use(void)
{
	return tst_malloc_in_use();
}

/* Runs `cycles' threads one after the other, joinable or detached. */
static void leak_cycles(const pthread_attr_t *attr, int cycles)
{
	for (int i = 0; i < cycles; i++) {
		int runs = atomic_load(&leak_runs);
		pthread_t th = tst_start(attr, leak_cycle_thread,
					(void *)(uintptr_t)i);
		if (attr)
			tst_wait_at_least(&leak_runs, runs + 1);
		else
			tst_join(th);
	}
}

START_TEST(test_exit_no_leak)
{
	/* _i == 1: every thread also touches a dlopen'ed module's TLS */
	if (_i) {
		leak_probe = tst_module_symbol("tlsdl.so", "tlsdl_probe");
	}
	pthread_attr_t detached;
	pthread_attr_init(&detached);
	pthread_attr_setdetachstate(&detached, PTHREAD_CREATE_DETACHED);
	const int cycles = tst_test_scaled(3000, 10);
	/* what a warm cache holds is not a leak */
	leak_cycles(NULL, 200);
	leak_cycles(&detached, 200);
	leak_cycles(NULL, 200);
	size_t bytes = malloc_in_use();
	int maps = tst_count_maps();
	leak_cycles(NULL, cycles);
	ck_assert_msg(malloc_in_use() <= bytes + 64 * 1024,
		      "%zu bytes more in use after %d create/join cycles",
		      malloc_in_use() - bytes, cycles);
	ck_assert_int_le(tst_count_maps(), maps);
	/* detached: a few may still be on their way out when we look */
	leak_cycles(&detached, cycles);
	ck_assert_msg(malloc_in_use() <= bytes + 128 * 1024,
		      "%zu bytes more in use after %d detached threads",
		      malloc_in_use() - bytes, cycles);
	ck_assert_int_le(tst_count_maps(), maps + 32);
	pthread_attr_destroy(&detached);
	ck_assert_int_eq(atomic_load(&leak_bad), 0);
}
END_TEST

/* ---- threads that never allocate own no malloc arena ---- */

#define ARENA_THREADS 12
static sem_t arena_release[ARENA_THREADS];
static atomic_int arena_tid[ARENA_THREADS];

static void *arena_thread(void *arg)
{
	int i = (int)(intptr_t)arg;
	atomic_store(&arena_tid[i], tst_gettid());
	while (sem_wait(&arena_release[i]))
		;
	return NULL;
}

/* Detached threads that never call malloc end one after another while
 * their 8 MiB stacks overflow the region cache (40 MiB, as glibc's stack
 * cache): the thread that ends must not trim the cache with malloc or
 * free -- in a thread that has none, they set up a malloc arena, 64 MiB
 * of address space each, up to 8 per CPU.  glibc's own threads make
 * none either. */
START_TEST(test_no_arena_when_ending)
{
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&a, 8 << 20);
	int arenas = tst_malloc_arenas();
	for (int i = 0; i < ARENA_THREADS; i++) {
		sem_init(&arena_release[i], 0, 0);
		arena_tid[i] = 0;
		tst_start(&a, arena_thread, (void *)(intptr_t)i);
	}
	for (int i = 0; i < ARENA_THREADS; i++) {
		tst_wait_at_least(&arena_tid[i], 1);
		sem_post(&arena_release[i]);
		ck_assert(tst_wait_ended(atomic_load(&arena_tid[i])));
	}
	/* glibc before 2.34 gave each of its ending threads an arena */
	if (!tst_test_glibc_before(2, 34))
		ck_assert_int_eq(tst_malloc_arenas(), arenas);
	pthread_attr_destroy(&a);
}
END_TEST

/* ---- pthread_once ---- */

#define ONCE_THREADS 8
#define ONCES 16
static pthread_once_t onces[ONCES];
static atomic_int once_runs[ONCES], once_done[ONCES], once_gate;
static atomic_int once_bad;

static void once_init(int i)
{
	atomic_fetch_add(&once_runs[i], 1);
	for (int k = 0; k < 20; k++)
		sched_yield();	/* give the others time to pile up */
	atomic_store(&once_done[i], 1);
}

#define ONCE_FN(i) static void once_fn##i(void) { once_init(i); }
ONCE_FN(0) ONCE_FN(1) ONCE_FN(2) ONCE_FN(3) ONCE_FN(4) ONCE_FN(5)
ONCE_FN(6) ONCE_FN(7) ONCE_FN(8) ONCE_FN(9) ONCE_FN(10) ONCE_FN(11)
ONCE_FN(12) ONCE_FN(13) ONCE_FN(14) ONCE_FN(15)
static void (*const once_fns[ONCES])(void) = {
	once_fn0, once_fn1, once_fn2, once_fn3, once_fn4, once_fn5,
	once_fn6, once_fn7, once_fn8, once_fn9, once_fn10, once_fn11,
	once_fn12, once_fn13, once_fn14, once_fn15,
};

static void *once_thread(void *arg)
{
	tst_gate_pass(&once_gate, ONCE_THREADS);
	for (int i = 0; i < ONCES; i++) {
		if (pthread_once(&onces[i], once_fns[i]) != 0)
			atomic_fetch_add(&once_bad, 1);
		/* returns only after the init routine completed */
		if (!atomic_load(&once_done[i]))
			atomic_fetch_add(&once_bad, 1);
	}
	return NULL;
}

START_TEST(test_once)
{
	for (int i = 0; i < ONCES; i++)
		onces[i] = (pthread_once_t)PTHREAD_ONCE_INIT;
	pthread_t th[ONCE_THREADS];
	for (int i = 0; i < ONCE_THREADS; i++)
		th[i] = tst_start(NULL, once_thread, NULL);
	for (int i = 0; i < ONCE_THREADS; i++)
		tst_join(th[i]);
	ck_assert_int_eq(atomic_load(&once_bad), 0);
	for (int i = 0; i < ONCES; i++) {
		ck_assert_int_eq(atomic_load(&once_runs[i]), 1);
		ck_assert_int_eq(pthread_once(&onces[i], once_fns[i]), 0);
		ck_assert_int_eq(atomic_load(&once_runs[i]), 1);
	}
}
END_TEST

/* ---- a refused create (EAGAIN, EPERM) leaves nothing behind ---- */

/* How the create is refused: the kernel's process limit, the address
 * space limit (mmap fails), or a real-time policy without privilege. */
enum refusal { BY_NPROC, BY_AS, BY_SCHED };
static const int refusal_err[] = { EAGAIN, EAGAIN, EPERM };

static long vm_size_bytes(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;
	while (f && fgets(line, sizeof line, f))
		sscanf(line, "VmSize: %ld", &kb);
	if (f)
		fclose(f);
	return kb * 1024;
}

static int refused_child(void *arg)
{
	enum refusal how = (enum refusal)(intptr_t)arg;
	static const struct ret_case c = { RETURN, (void *)9 };
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	/* bigger than anything a cache could hold: this create must map */
	TST_CHILD_CHECK(pthread_attr_setstacksize(&attr, 64 << 20) == 0);
	int resource = how == BY_NPROC ? RLIMIT_NPROC :
		       how == BY_AS ? RLIMIT_AS : RLIMIT_RTPRIO;
	struct rlimit saved, lim;
	TST_CHILD_CHECK(getrlimit(resource, &saved) == 0);
	lim = saved;
	if (how == BY_NPROC || how == BY_SCHED) {
		/* this process already counts as 1; no real-time priority */
		lim.rlim_cur = how == BY_NPROC ? 1 : 0;
		TST_CHILD_CHECK(setrlimit(resource, &lim) == 0);
		if (how == BY_SCHED) {
			struct sched_param sp = { .sched_priority = 1 };
			TST_CHILD_CHECK(pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED) == 0);
			TST_CHILD_CHECK(pthread_attr_setschedpolicy(&attr, SCHED_FIFO) == 0);
			TST_CHILD_CHECK(pthread_attr_setschedparam(&attr, &sp) == 0);
		}
		/* root is exempt from both limits (CAP_SYS_RESOURCE,
		 * CAP_SYS_NICE): drop to an ordinary uid */
		if (geteuid() == 0) {
			TST_CHILD_CHECK(setresgid(65534, 65534, 65534) == 0);
			TST_CHILD_CHECK(setresuid(65534, 65534, 65534) == 0);
		}
	} else {
		long vm = vm_size_bytes();
		TST_CHILD_CHECK(vm > 0);
		lim.rlim_cur = vm + (4 << 20);
		TST_CHILD_CHECK(setrlimit(resource, &lim) == 0);
	}
	pthread_t th;
	for (int i = 0; i < 3; i++) {
		int err = pthread_create(&th, &attr, ret_thread, (void *)&c);
		if (err != refusal_err[how])
			fprintf(stderr, "pthread_create: %s\n", strerror(err));
		TST_CHILD_CHECK(err == refusal_err[how]);
		TST_CHILD_CHECK(tst_tasks_settle(1) == 1);	/* nothing half-made */
	}
	lim.rlim_cur = saved.rlim_cur;
	TST_CHILD_CHECK(setrlimit(resource, &lim) == 0);
	if (how == BY_SCHED)	/* still unprivileged: an ordinary policy */
		TST_CHILD_CHECK(pthread_attr_setschedpolicy(&attr, SCHED_OTHER) == 0 &&
			       pthread_attr_setschedparam(&attr, &(struct sched_param){ 0 }) == 0);
	TST_CHILD_CHECK(pthread_create(&th, &attr, ret_thread, (void *)&c) == 0);
	void *ret;
	TST_CHILD_CHECK(pthread_join(th, &ret) == 0);
	TST_CHILD_CHECK(ret == (void *)9);
	TST_CHILD_CHECK(pthread_create(&th, NULL, ret_thread, (void *)&c) == 0);
	TST_CHILD_CHECK(pthread_join(th, &ret) == 0);
	TST_CHILD_CHECK(ret == (void *)9);
	return 0;
}

/* Whether RLIMIT_AS stops an mmap here: qemu-user accepts the limit but
 * does not apply it (it would limit the emulator's own memory). */
static int address_limit_holds(void)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		struct rlimit lim = { 64 << 20, 64 << 20 };
		if (setrlimit(RLIMIT_AS, &lim))
			_exit(1);
		void *p = mmap(NULL, 128 << 20, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		_exit(p == MAP_FAILED ? 0 : 1);
	}
	int status;
	return pid > 0 && waitpid(pid, &status, 0) == pid &&
	       WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

START_TEST(test_create_refused)
{
	/* _i: BY_NPROC, BY_AS, BY_SCHED */
	ck_assert_int_eq(tst_in_child(refused_child, (void *)(intptr_t)_i), 0);
}
END_TEST

TST_SUITE(create_suite)
{
	Suite *s = suite_create("create");
	TCase *tc = tcase_create("basic");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_return_values);
	tcase_add_test(tc, test_self_equal);
	tcase_add_test(tc, test_detach);
	tcase_add_test(tc, test_detach_exited);
	tcase_add_test(tc, test_detached_many);
	tst_tcase_add_signal_return(tc, test_errno_preserved);
	tcase_add_test(tc, test_join_self);
	tcase_add_test(tc, test_join_running);
	tst_tcase_add_beyond_glibc(tc, test_join_bad_timespec,
		"glibc 2.36 spins until the thread ends; its manual names EINVAL");
	tcase_add_test(tc, test_tryjoin_finished);
	tcase_add_test(tc, test_nested_create);
	tcase_add_test(tc, test_concurrent_creators);
	tcase_add_test(tc, test_detached_outlives);
	tcase_add_test(tc, test_exit_from_main);
	tcase_add_test(tc, test_maps_flat);
	tcase_add_loop_test(tc, test_exit_no_leak, 0, 2);
	tcase_add_test(tc, test_no_arena_when_ending);
	tcase_add_test(tc, test_once);
	tcase_add_loop_test(tc, test_create_refused, BY_NPROC, BY_NPROC + 1);
	if (address_limit_holds())
		tcase_add_loop_test(tc, test_create_refused, BY_AS, BY_AS + 1);
	else
		tst_test_left_out("test_create_refused:1", "RLIMIT_AS does not "
				 "stop mmap here (qemu-user ignores it)");
	tcase_add_loop_test(tc, test_create_refused, BY_SCHED, BY_SCHED + 1);
	suite_add_tcase(s, tc);
	TCase *many = tcase_create("many");
	tcase_set_timeout(many, 60);
	tcase_add_test(many, test_thousand_alive);
	suite_add_tcase(s, many);
	return s;
}
