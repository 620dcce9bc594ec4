/* SPDX-License-Identifier: MIT */
/* Scheduling, affinity, CPU clocks, names, concurrency, yield -- by
 * handle, on our threads and on main.  Names are checked where the
 * system shows them: /proc/self/task/TID/comm. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "common.h"

struct spinner {
	atomic_int tid, stop;
};

static void *spin(void *arg)
{
	struct spinner *s = arg;
	atomic_store(&s->tid, tst_gettid());
	while (!atomic_load(&s->stop))
		;
	return NULL;
}

static void comm_of(int tid, char *buf, size_t len)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/self/task/%d/comm", tid);
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(buf, len, f));
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
}

START_TEST(names)
{
	struct spinner s = { 0 };
	pthread_t th = tst_start(NULL, spin, &s);
	tst_wait_at_least(&s.tid, 1);
	char name[16], comm[32];
	ck_assert_int_eq(pthread_setname_np(th, "worker-1"), 0);
	comm_of(atomic_load(&s.tid), comm, sizeof comm);
	ck_assert_str_eq(comm, "worker-1");
	ck_assert_int_eq(pthread_getname_np(th, name, sizeof name), 0);
	ck_assert_str_eq(name, "worker-1");
	ck_assert_int_eq(pthread_setname_np(th, "0123456789abcdef"), ERANGE);
	ck_assert_int_eq(pthread_setname_np(th, "0123456789abcde"), 0);
	ck_assert_int_eq(pthread_getname_np(th, name, sizeof name), 0);
	ck_assert_str_eq(name, "0123456789abcde");
	ck_assert_int_eq(pthread_getname_np(th, name, 15), ERANGE);
	/* The caller's own name, through its handle. */
	pthread_t me = pthread_self();
	char saved[16];
	ck_assert_int_eq(pthread_getname_np(me, saved, sizeof saved), 0);
	ck_assert_int_eq(pthread_setname_np(me, "main-named"), 0);
	comm_of(tst_gettid(), comm, sizeof comm);
	ck_assert_str_eq(comm, "main-named");
	ck_assert_int_eq(pthread_getname_np(me, name, sizeof name), 0);
	ck_assert_str_eq(name, "main-named");
	ck_assert_int_eq(pthread_setname_np(me, saved), 0);
	atomic_store(&s.stop, 1);
	tst_join(th);
}
END_TEST

START_TEST(scheduling)
{
	struct spinner s = { 0 };
	pthread_t th = tst_start(NULL, spin, &s);
	tst_wait_at_least(&s.tid, 1);
	int tid = atomic_load(&s.tid), policy;
	struct sched_param sp = { 0 };
	ck_assert_int_eq(pthread_getschedparam(th, &policy, &sp), 0);
	ck_assert_int_eq(policy, SCHED_OTHER);
	ck_assert_int_eq(pthread_setschedparam(th, SCHED_BATCH, &sp), 0);
	ck_assert_int_eq(sched_getscheduler(tid), SCHED_BATCH);
	ck_assert_int_eq(pthread_getschedparam(th, &policy, &sp), 0);
	ck_assert_int_eq(policy, SCHED_BATCH);
	sp.sched_priority = 5;
	ck_assert_int_eq(pthread_setschedparam(th, SCHED_OTHER, &sp), EINVAL);
	ck_assert_int_eq(pthread_setschedprio(th, 5), EINVAL);	/* BATCH: 0 only */
	ck_assert_int_eq(pthread_setschedprio(th, 0), 0);
	if (geteuid() == 0) {
		sp.sched_priority = 1;
		ck_assert_int_eq(pthread_setschedparam(th, SCHED_RR, &sp), 0);
		ck_assert_int_eq(sched_getscheduler(tid), SCHED_RR);
		ck_assert_int_eq(pthread_setschedprio(th, 2), 0);
		ck_assert_int_eq(pthread_getschedparam(th, &policy, &sp), 0);
		ck_assert_int_eq(policy, SCHED_RR);
		ck_assert_int_eq(sp.sched_priority, 2);
		sp.sched_priority = 0;
		ck_assert_int_eq(pthread_setschedparam(th, SCHED_OTHER, &sp), 0);
	}
	/* Affinity: to one CPU and back; the rest of a large set cleared. */
	cpu_set_t all, one, got;
	ck_assert_int_eq(pthread_getaffinity_np(th, sizeof all, &all), 0);
	int cpu = 0;
	while (!CPU_ISSET(cpu, &all))
		cpu++;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	ck_assert_int_eq(pthread_setaffinity_np(th, sizeof one, &one), 0);
	ck_assert_int_eq(sched_getaffinity(tid, sizeof got, &got), 0);
	ck_assert(CPU_EQUAL(&got, &one));
	memset(&got, 0xff, sizeof got);
	ck_assert_int_eq(pthread_getaffinity_np(th, sizeof got, &got), 0);
	ck_assert(CPU_EQUAL(&got, &one));
	ck_assert_int_eq(pthread_setaffinity_np(th, sizeof all, &all), 0);
	/* The thread's CPU clock runs while it spins (on a loaded machine it
	 * may not be given the CPU for a while: up to 10 s). */
	clockid_t clock;
	struct timespec a, b;
	ck_assert_int_eq(pthread_getcpuclockid(th, &clock), 0);
	ck_assert_int_eq(clock_gettime(clock, &a), 0);
	for (int tries = 0; tries < 500; tries++) {
		usleep(20000);
		ck_assert_int_eq(clock_gettime(clock, &b), 0);
		if (b.tv_sec != a.tv_sec || b.tv_nsec != a.tv_nsec)
			break;
	}
	ck_assert(b.tv_sec > a.tv_sec || b.tv_nsec > a.tv_nsec);
	atomic_store(&s.stop, 1);
	tst_join(th);
}
END_TEST

START_TEST(concurrency_and_yield)
{
	ck_assert_int_eq(pthread_getconcurrency(), 0);
	ck_assert_int_eq(pthread_setconcurrency(-1), EINVAL);
	ck_assert_int_eq(pthread_setconcurrency(4), 0);
	ck_assert_int_eq(pthread_getconcurrency(), 4);
	ck_assert_int_eq(pthread_setconcurrency(0), 0);
	/* pthread_yield and pthread_kill_other_threads_np are symbols for
	 * old binaries only; glibc's are not reachable by dlsym. */
	if (!tst_test_glibc()) {
		int (*yield)(void) = (int (*)(void))
			dlsym(RTLD_DEFAULT, "pthread_yield");
		ck_assert_ptr_nonnull(yield);
		ck_assert_int_eq(yield(), 0);
		void (*kill_others)(void) = (void (*)(void))
			dlsym(RTLD_DEFAULT, "pthread_kill_other_threads_np");
		ck_assert_ptr_nonnull(kill_others);
		kill_others();	/* a no-op, as in glibc */
	}
	ck_assert_int_eq(pthread_kill(pthread_self(), 0), 0);
}
END_TEST

TST_SUITE(sched_suite)
{
	Suite *s = suite_create("sched");
	TCase *tc = tcase_create("sched");
	tcase_add_test(tc, names);
	tcase_add_test(tc, scheduling);
	tcase_add_test(tc, concurrency_and_yield);
	suite_add_tcase(s, tc);
	return s;
}
