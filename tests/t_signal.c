/* SPDX-License-Identifier: MIT */
/* Signals: pthread_kill and its liveness probe, pthread_sigqueue,
 * pthread_sigmask, and the library's own signals staying its own. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include "common.h"

static atomic_int got_tid, got_value;

/* The value first: the test reads it once it sees the tid. */
static void on_sig(int sig, siginfo_t *si, void *uc)
{
	if (si->si_code == SI_QUEUE)
		atomic_store(&got_value, si->si_value.sival_int);
	atomic_store(&got_tid, tst_gettid());
}

struct target {
	atomic_int tid, go;
};

static void *target(void *arg)
{
	struct target *t = arg;
	atomic_store(&t->tid, tst_gettid());
	tst_wait_at_least(&t->go, 1);
	return (void *)3;
}

START_TEST(kill_and_queue)
{
	struct sigaction sa = { .sa_sigaction = on_sig, .sa_flags = SA_SIGINFO };
	sigemptyset(&sa.sa_mask);
	ck_assert_int_eq(sigaction(SIGUSR1, &sa, NULL), 0);
	struct target t = { 0 };
	pthread_t th = tst_start(NULL, target, &t);
	tst_wait_at_least(&t.tid, 1);
	atomic_store(&got_tid, 0);
	ck_assert_int_eq(pthread_kill(th, SIGUSR1), 0);
	while (!atomic_load(&got_tid))
		sched_yield();
	ck_assert_int_eq(atomic_load(&got_tid), atomic_load(&t.tid));
	atomic_store(&got_tid, 0);
	ck_assert_int_eq(pthread_sigqueue(th, SIGUSR1, (union sigval){ 4242 }), 0);
	while (!atomic_load(&got_tid))
		sched_yield();
	ck_assert_int_eq(atomic_load(&got_tid), atomic_load(&t.tid));
	ck_assert_int_eq(atomic_load(&got_value), 4242);
	/* glibc's internal signals and nonsense are refused. */
	ck_assert_int_eq(pthread_kill(th, SIGRTMIN - 2), EINVAL);
	ck_assert_int_eq(pthread_kill(th, SIGRTMIN - 1), EINVAL);
	ck_assert_int_eq(pthread_kill(th, -1), EINVAL);
	ck_assert_int_eq(pthread_kill(th, 100000), EINVAL);
	ck_assert_int_eq(pthread_sigqueue(th, SIGRTMIN - 2, (union sigval){ 0 }), EINVAL);
	atomic_store(&t.go, 1);
	tst_join(th);
	signal(SIGUSR1, SIG_DFL);
}
END_TEST

/* Signal 0 says "still there" for a thread that has ended but is not
 * joined yet, as in glibc; a real signal to it is dropped.  That is the
 * answer of glibc 2.34's pthread_kill; a program built against an older
 * glibc calls the first version, whose answer is ESRCH (kill_versions
 * below tests both). */
static int kill_ended_answer(void)
{
	void *now = dlvsym(RTLD_DEFAULT, "pthread_kill", "GLIBC_2.34");
	return now && (void *)pthread_kill == now ? 0 : ESRCH;
}

START_TEST(probe_ended)
{
	int answer = kill_ended_answer();
	for (int round = 0; round < 20; round++) {
		struct target t = { .go = 1 };
		pthread_t th = tst_start(NULL, target, &t);
		tst_wait_at_least(&t.tid, 1);
		ck_assert(tst_wait_ended(atomic_load(&t.tid)));
		ck_assert_int_eq(pthread_kill(th, 0), answer);
		ck_assert_int_eq(pthread_kill(th, SIGUSR1), answer); /* dropped */
		ck_assert_ptr_eq(tst_join(th), (void *)3);
	}
}
END_TEST

/* glibc exports pthread_kill at two versions that answer differently
 * for a thread that has ended but is not joined yet: its first version
 * (GLIBC_2.2.5 on x86_64; the CPU's first) ESRCH, GLIBC_2.34's 0.  A
 * program built against glibc before 2.34 asks for the first.  Looked up
 * by version, each must answer as glibc's does (and be the
 * implementation's own).  glibc before 2.34 has only the first. */
typedef int kill_fn(pthread_t, int);

static kill_fn *first_kill(void)
{
	static const char *const firsts[] = {
		"GLIBC_2.2.5", "GLIBC_2.0", "GLIBC_2.17", "GLIBC_2.27" };
	for (size_t i = 0; i < sizeof firsts / sizeof *firsts; i++) {
		kill_fn *k = (kill_fn *)dlvsym(RTLD_DEFAULT, "pthread_kill", firsts[i]);
		if (k)
			return k;
	}
	return NULL;
}

START_TEST(kill_versions)
{
	kill_fn *first = first_kill();
	kill_fn *now = (kill_fn *)dlvsym(RTLD_DEFAULT, "pthread_kill", "GLIBC_2.34");
	ck_assert_msg(first, "no first version of pthread_kill");
	tst_assert_ours_at("pthread_kill (first version)", (void *)first);
	if (now)
		tst_assert_ours_at("pthread_kill@GLIBC_2.34", (void *)now);
	else	/* a glibc before 2.34 under test */
		ck_assert(tst_test_glibc());
	for (int round = 0; round < 20; round++) {
		struct target t = { .go = 1 };
		pthread_t th = tst_start(NULL, target, &t);
		tst_wait_at_least(&t.tid, 1);
		ck_assert(tst_wait_ended(atomic_load(&t.tid)));
		ck_assert_int_eq(first(th, 0), ESRCH);
		ck_assert_int_eq(first(th, SIGUSR1), ESRCH);
		/* The ended thread answers before the signal is looked at. */
		ck_assert_int_eq(first(th, 1000), ESRCH);
		if (now) {
			ck_assert_int_eq(now(th, 0), 0);
			ck_assert_int_eq(now(th, 1000), 0);
		}
		ck_assert_ptr_eq(tst_join(th), (void *)3);
	}
}
END_TEST

/* pthread_gettid_np (glibc 2.42): the thread's kernel id while it runs,
 * -1 once it has ended (glibc gives -1 past its exit's bookkeeping). */
static void *says_and_waits(void *arg)
{
	struct target *t = arg;
	atomic_store(&t->tid, tst_gettid());
	tst_wait_at_least(&t->go, 1);
	return (void *)3;
}

START_TEST(gettid_np)
{
	pid_t (*gettid_np)(pthread_t) =
		(pid_t (*)(pthread_t))dlsym(RTLD_DEFAULT, "pthread_gettid_np");
	if (!gettid_np) {	/* glibc before 2.42 under test */
		ck_assert(tst_test_glibc());
		return;
	}
	tst_assert_ours_at("pthread_gettid_np", (void *)gettid_np);
	ck_assert_int_eq(gettid_np(pthread_self()), tst_gettid());
	for (int round = 0; round < 20; round++) {
		struct target t = { 0 };
		pthread_t th = tst_start(NULL, says_and_waits, &t);
		tst_wait_at_least(&t.tid, 1);
		ck_assert_int_eq(gettid_np(th), atomic_load(&t.tid));
		atomic_store(&t.go, 1);
		ck_assert(tst_wait_ended(atomic_load(&t.tid)));
		ck_assert_int_eq(gettid_np(th), -1);
		ck_assert_ptr_eq(tst_join(th), (void *)3);
	}
}
END_TEST

/* ESRCH once the handle is dead: beyond glibc, where it is undefined. */
START_TEST(probe_joined)
{
	struct target t = { .go = 1 };
	pthread_t th = tst_start(NULL, target, &t);
	tst_join(th);
	ck_assert_int_eq(pthread_kill(th, 0), ESRCH);
	ck_assert_int_eq(pthread_sigqueue(th, SIGUSR1, (union sigval){ 0 }), ESRCH);
}
END_TEST

/* The mask's bit of signal `sig' in /proc/self/task/TID/status's SigBlk. */
static int blocked_in_proc(int sig)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/self/task/%d/status", tst_gettid());
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	unsigned long long mask = 0;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "SigBlk: %llx", &mask) == 1)
			break;
	fclose(f);
	return (mask >> (sig - 1)) & 1;
}

/* The raw bit: glibc's sigismember refuses the internal signals. */
static int has(const sigset_t *set, int sig)
{
	const unsigned long *w = (const unsigned long *)set;
	unsigned bits = 8 * sizeof *w;
	return (w[(sig - 1) / bits] >> ((sig - 1) % bits)) & 1;
}

static void *masks(void *arg)
{
	sigset_t all, old;
	memset(&all, 0xff, sizeof all);	/* the internal ones too */
	if (pthread_sigmask(SIG_BLOCK, &all, &old))
		return (void *)1;
	if (!blocked_in_proc(SIGUSR1) || blocked_in_proc(SIGRTMIN - 2) ||
	    blocked_in_proc(SIGRTMIN - 1))
		return (void *)2;
	if (pthread_sigmask(SIG_SETMASK, NULL, &old) ||
	    !has(&old, SIGUSR1) || has(&old, SIGRTMIN - 2) ||
	    has(&old, SIGRTMIN - 1))
		return (void *)3;
	if (pthread_sigmask(99, &all, NULL) != EINVAL)
		return (void *)4;
	/* The library's signals still reach this thread: cancel it. */
	pthread_cancel(pthread_self());
	pthread_testcancel();
	return (void *)5;
}

START_TEST(mask_keeps_internal)
{
	ck_assert_ptr_eq(tst_join(tst_start(NULL, masks, NULL)), PTHREAD_CANCELED);
}
END_TEST

/* The program's handlers of every real-time signal see nothing of the
 * library's cancellation. */
static atomic_int program_saw;

static void count_rt(int sig)
{
	atomic_fetch_add(&program_saw, 1);
}

static void *sleeps(void *arg)
{
	atomic_store((atomic_int *)arg, tst_gettid());
	for (;;)
		pause();
	return NULL;
}

START_TEST(internal_signals_unseen)
{
	for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		ck_assert_int_eq(signal(sig, count_rt) == SIG_ERR, 0);
	for (int round = 0; round < 20; round++) {
		atomic_int tid = 0;
		pthread_t th = tst_start(NULL, sleeps, &tid);
		tst_wait_at_least(&tid, 1);
		ck_assert(tst_wait_blocked(atomic_load(&tid)));
		ck_assert_int_eq(pthread_cancel(th), 0);
		ck_assert_ptr_eq(tst_join(th), PTHREAD_CANCELED);
	}
	ck_assert_int_eq(atomic_load(&program_saw), 0);
	for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		signal(sig, SIG_DFL);
}
END_TEST

TST_SUITE(signal_suite)
{
	Suite *s = suite_create("signal");
	TCase *tc = tcase_create("signal");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, kill_and_queue);
	tcase_add_test(tc, probe_ended);
	tcase_add_test(tc, kill_versions);
	tcase_add_test(tc, gettid_np);
	tst_tcase_add_beyond_glibc(tc, probe_joined,
		"a joined thread's handle is undefined to use in glibc");
	tcase_add_test(tc, mask_keeps_internal);
	tcase_add_test(tc, internal_signals_unseen);
	suite_add_tcase(s, tc);
	return s;
}
