/* SPDX-License-Identifier: MIT */
/* Opt-in reuse of ended threads (clonethreads_set_reuse): a pthread that
 * runs on a parked kernel thread looks like a new thread in everything
 * the library can reset -- TLS, keys, signal mask and pending signals,
 * name, scheduling and affinity, cancellation, errno, locale, alternate
 * signal stack, handle -- the pool is bounded in number and idle time,
 * and fork's child starts without one.  glibc has no such mode: left out
 * of the reference run. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <locale.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include "common.h"

static int set_reuse(unsigned max)
{
	int (*f)(unsigned) = (int (*)(unsigned))
		dlsym(RTLD_DEFAULT, "clonethreads_set_reuse");
	ck_assert_ptr_nonnull(f);
	return f(max);
}

/* An empty pool of at most `max' (parked threads from earlier tests go);
 * returns the bound to give back. */
static int fresh_pool(unsigned max)
{
	int old = set_reuse(0);
	tst_tasks_settle(1);
	set_reuse(max);
	return old;
}

static __thread int tls_five = 5;
static pthread_key_t key;
static atomic_int usr1_seen;

static void on_usr1(int sig)
{
	atomic_fetch_add(&usr1_seen, 1);
}

/* What a thread found at its start, and its tid. */
struct found {
	int tid, tls, errno_at_start, nice, cpus, cancel_state, cancel_type;
	void *key_value;
	int usr1_blocked, altstack_on, global_locale;
	char name[16];
};

static struct found look(void)
{
	struct found f = { .tid = tst_gettid(), .errno_at_start = errno,
			   .tls = tls_five, .key_value = pthread_getspecific(key) };
	errno = 0;
	f.nice = getpriority(PRIO_PROCESS, 0);
	cpu_set_t set;
	sched_getaffinity(0, sizeof set, &set);
	f.cpus = CPU_COUNT(&set);
	pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &f.cancel_state);
	pthread_setcanceltype(PTHREAD_CANCEL_DEFERRED, &f.cancel_type);
	sigset_t mask;
	pthread_sigmask(SIG_SETMASK, NULL, &mask);
	f.usr1_blocked = sigismember(&mask, SIGUSR1);
	stack_t ss;
	sigaltstack(NULL, &ss);
	f.altstack_on = !(ss.ss_flags & SS_DISABLE);
	f.global_locale = uselocale((locale_t)0) == LC_GLOBAL_LOCALE;
	prctl(PR_GET_NAME, f.name);
	return f;
}

static char altstack[64 * 1024];

/* Looks, then changes everything it can before it ends. */
static void *dirty(void *arg)
{
	struct found *f = arg;
	*f = look();
	tls_five = 99;
	pthread_setspecific(key, f);
	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);
	pthread_setname_np(pthread_self(), "dirty");
	setpriority(PRIO_PROCESS, 0, 5);
	cpu_set_t one;
	CPU_ZERO(&one);
	sched_getaffinity(0, sizeof one, &one);
	for (int cpu = 0, kept = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &one) && kept++)
			CPU_CLR(cpu, &one);
	sched_setaffinity(0, sizeof one, &one);
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, NULL);
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack };
	sigaltstack(&ss, NULL);
	uselocale(newlocale(LC_ALL_MASK, "C", (locale_t)0));
	errno = 77;
	return NULL;
}

START_TEST(fresh_state)
{
	int old = fresh_pool(4);
	ck_assert_int_eq(pthread_key_create(&key, NULL), 0);
	struct found first, again;
	tst_join(tst_start(NULL, dirty, &first));
	/* Each next thread runs on the same kernel thread, taken from its
	 * sleep in the pool, and finds it new. */
	for (int round = 0; round < 10; round++) {
		ck_assert(tst_wait_blocked(first.tid));	/* parked */
		tst_join(tst_start(NULL, dirty, &again));
		ck_assert_int_eq(again.tid, first.tid);
		ck_assert_int_eq(again.tls, 5);
		ck_assert_ptr_null(again.key_value);
		ck_assert_int_eq(again.errno_at_start, 0);
		ck_assert_int_eq(again.usr1_blocked, first.usr1_blocked);
		ck_assert_str_eq(again.name, first.name);
		ck_assert_int_eq(again.nice, first.nice);
		ck_assert_int_eq(again.cpus, first.cpus);
		ck_assert_int_eq(again.cancel_state, PTHREAD_CANCEL_ENABLE);
		ck_assert_int_eq(again.cancel_type, PTHREAD_CANCEL_DEFERRED);
		ck_assert_int_eq(again.altstack_on, 0);
		ck_assert(again.global_locale);
	}
	pthread_key_delete(key);
	set_reuse(old);
}
END_TEST

/* The mask is the creator's, whatever the last thread's was. */
struct mask_seen {
	int tid, blocked;
};

static void *mask_of(void *arg)
{
	struct mask_seen *m = arg;
	sigset_t mask;
	pthread_sigmask(SIG_SETMASK, NULL, &mask);
	m->blocked = sigismember(&mask, SIGUSR2);
	m->tid = tst_gettid();
	return NULL;
}

START_TEST(creator_mask)
{
	int old = fresh_pool(4);
	struct mask_seen first = { 0, -1 }, m;
	tst_join(tst_start(NULL, mask_of, &first));
	ck_assert_int_eq(first.blocked, 0);
	sigset_t usr2, saved;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &usr2, &saved);
	/* Blocked in the creator, then not: each reused thread follows. */
	for (int round = 0; round < 10; round++) {
		int want = round % 2 == 0;
		pthread_sigmask(want ? SIG_BLOCK : SIG_UNBLOCK, &usr2, NULL);
		ck_assert(tst_wait_blocked(first.tid));	/* parked */
		m = (struct mask_seen){ 0, -1 };
		tst_join(tst_start(NULL, mask_of, &m));
		ck_assert_int_eq(m.tid, first.tid);
		ck_assert_int_eq(m.blocked, want);
	}
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	set_reuse(old);
}
END_TEST

/* A signal sent to a parked thread's tid is not the next thread's. */
static void *says_tid(void *arg)
{
	atomic_store((atomic_int *)arg, tst_gettid());
	return NULL;
}

START_TEST(no_pending_signal)
{
	int old = fresh_pool(4);
	struct sigaction sa = { .sa_handler = on_usr1 };
	sigemptyset(&sa.sa_mask);
	ck_assert_int_eq(sigaction(SIGUSR1, &sa, NULL), 0);
	atomic_int tid = 0;
	tst_join(tst_start(NULL, says_tid, &tid));
	for (int round = 0; round < 20; round++) {
		ck_assert(tst_wait_blocked(atomic_load(&tid)));	/* parked */
		usr1_seen = 0;
		ck_assert_int_eq(syscall(SYS_tgkill, getpid(),
					 atomic_load(&tid), SIGUSR1), 0);
		/* Left pending, it would run as soon as the next thread
		 * unblocks it, before that one can end. */
		atomic_int tid2 = 0;
		tst_join(tst_start(NULL, says_tid, &tid2));
		ck_assert_int_eq(atomic_load(&tid2), atomic_load(&tid));
		ck_assert_int_eq(atomic_load(&usr1_seen), 0);
	}
	signal(SIGUSR1, SIG_DFL);
	set_reuse(old);
}
END_TEST

/* The old handle names nothing, the new one its thread; cancellation
 * reaches the thread that runs now. */
static void *blocks(void *arg)
{
	atomic_store((atomic_int *)arg, tst_gettid());
	for (;;)
		pause();
	return NULL;
}

START_TEST(handles_and_cancel)
{
	int old = fresh_pool(4);
	for (int round = 0; round < 20; round++) {
		atomic_int tid = 0, tid2 = 0;
		pthread_t first = tst_start(NULL, says_tid, &tid);
		tst_join(first);
		ck_assert(tst_wait_blocked(atomic_load(&tid)));	/* parked */
		pthread_t now = tst_start(NULL, blocks, &tid2);
		tst_wait_at_least(&tid2, 1);
		ck_assert_int_eq(atomic_load(&tid2), atomic_load(&tid));
		ck_assert(!pthread_equal(first, now));
		ck_assert_int_eq(pthread_kill(first, 0), ESRCH);
		ck_assert_int_eq(pthread_join(first, NULL), ESRCH);
		ck_assert_int_eq(pthread_cancel(first), ESRCH);
		ck_assert(tst_wait_blocked(atomic_load(&tid2)));
		ck_assert_int_eq(pthread_cancel(now), 0);
		ck_assert_ptr_eq(tst_join(now), PTHREAD_CANCELED);
	}
	set_reuse(old);
}
END_TEST

/* Detached threads park themselves and are taken again. */
START_TEST(detached)
{
	int old = fresh_pool(4);
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	atomic_int first = 0;
	tst_start(&a, says_tid, &first);
	tst_wait_at_least(&first, 1);
	ck_assert(tst_wait_blocked(atomic_load(&first)));	/* parked */
	for (int i = 0; i < 20; i++) {
		atomic_int tid = 0;
		tst_start(&a, says_tid, &tid);
		tst_wait_at_least(&tid, 1);
		ck_assert_int_eq(atomic_load(&tid), atomic_load(&first));
		ck_assert(tst_wait_blocked(atomic_load(&tid)));
	}
	pthread_attr_destroy(&a);
	set_reuse(old);
}
END_TEST

/* No more than the bound are parked; turning reuse off lets them go. */
START_TEST(bounded)
{
	int old = fresh_pool(2);
	pthread_t th[5];
	atomic_int tid[5] = { 0 };
	for (int i = 0; i < 5; i++)
		th[i] = tst_start(NULL, says_tid, &tid[i]);
	for (int i = 0; i < 5; i++)
		tst_join(th[i]);
	ck_assert_int_eq(tst_tasks_settle(3), 3);	/* main and two parked */
	set_reuse(0);
	ck_assert_int_eq(tst_tasks_settle(1), 1);
	set_reuse(old);
}
END_TEST

struct other {
	atomic_int *gate, tid;
};

static void *meets_other(void *arg)
{
	struct other *o = arg;
	atomic_store(&o->tid, tst_gettid());
	tst_gate_pass(o->gate, 2);
	return NULL;
}

/* The pool full of threads of one stack size, a thread of another size
 * that ends takes the place of one of them: the program may have stopped
 * creating the first kind, whose threads would hold the pool for their
 * whole idle time.  (Only a thread already parked gives its place: one
 * still putting things back after its join counts as parked and stays.) */
START_TEST(other_size_makes_room)
{
	int old = fresh_pool(2);
	atomic_int gate = 0;
	struct other o[2] = { { &gate, 0 }, { &gate, 0 } };
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		th[i] = tst_start(NULL, meets_other, &o[i]);
	for (int i = 0; i < 2; i++)
		tst_join(th[i]);
	for (int i = 0; i < 2; i++)	/* parked, asleep: available */
		ck_assert(tst_wait_blocked(atomic_load(&o[i].tid)));
	ck_assert_int_eq(tst_count_tasks(), 3);	/* main and two parked */
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 128 << 10);
	atomic_int first = 0;
	tst_join(tst_start(&a, says_tid, &first));
	ck_assert(tst_wait_blocked(atomic_load(&first)));	/* parked */
	for (int i = 0; i < 10; i++) {
		atomic_int tid = 0;
		tst_join(tst_start(&a, says_tid, &tid));
		ck_assert_int_eq(atomic_load(&tid), atomic_load(&first));
	}
	ck_assert_int_eq(tst_tasks_settle(3), 3);	/* one of each left */
	pthread_attr_destroy(&a);
	set_reuse(old);
}
END_TEST

/* A parked thread nobody takes leaves after its idle time (2 s). */
START_TEST(idle_exit)
{
	int old = fresh_pool(2);
	atomic_int tid = 0;
	tst_join(tst_start(NULL, says_tid, &tid));
	ck_assert(tst_wait_blocked(atomic_load(&tid)));
	ck_assert_int_eq(tst_count_tasks(), 2);
	struct timespec t = { 3, 0 };
	nanosleep(&t, NULL);
	ck_assert_int_eq(tst_count_tasks(), 1);
	set_reuse(old);
}
END_TEST

#define LEAVERS 12

static void *meets_all(void *gate)
{
	tst_gate_pass(gate, LEAVERS);
	return NULL;
}

/* Parked threads leave one after another while their 8 MiB stacks
 * overflow the region cache (40 MiB): a thread leaving the pool has
 * emptied its malloc cache and never called malloc itself, and giving
 * back its region must not trim the cache with malloc or free -- there
 * they set up a malloc arena, 64 MiB of address space each, up to 8 per
 * CPU. */
START_TEST(leaving_makes_no_arena)
{
	int old = fresh_pool(LEAVERS);
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 8 << 20);
	atomic_int gate = 0;
	pthread_t th[LEAVERS];
	for (int i = 0; i < LEAVERS; i++)
		th[i] = tst_start(&a, meets_all, &gate);
	for (int i = 0; i < LEAVERS; i++)
		tst_join(th[i]);
	ck_assert_int_eq(tst_tasks_settle(1 + LEAVERS), 1 + LEAVERS);
	int arenas = tst_malloc_arenas();
	for (int left = LEAVERS; left-- > 0;) {
		set_reuse(left);
		ck_assert_int_eq(tst_tasks_settle(1 + left), 1 + left);
	}
	ck_assert_int_eq(tst_malloc_arenas(), arenas);
	pthread_attr_destroy(&a);
	set_reuse(old);
}
END_TEST

static int child_creates(void *arg)
{
	/* None of the parent's parked threads here: a new one runs. */
	atomic_int tid = 0;
	pthread_t th;
	TST_CHILD_CHECK(pthread_create(&th, NULL, says_tid, &tid) == 0);
	TST_CHILD_CHECK(pthread_join(th, NULL) == 0);
	TST_CHILD_CHECK(atomic_load(&tid) != *(int *)arg);
	return 0;
}

START_TEST(fork_child_has_none)
{
	int old = fresh_pool(4);
	atomic_int tid = 0;
	tst_join(tst_start(NULL, says_tid, &tid));
	ck_assert(tst_wait_blocked(atomic_load(&tid)));
	int parked = atomic_load(&tid);
	ck_assert_int_eq(tst_in_child(child_creates, &parked), 0);
	set_reuse(old);
}
END_TEST

TST_SUITE(reuse_suite)
{
	Suite *s = suite_create("reuse");
	TCase *tc = tcase_create("reuse");
	tcase_set_timeout(tc, 30);
	tst_tcase_add_beyond_glibc(tc, fresh_state, "glibc has no thread reuse");
	tst_tcase_add_beyond_glibc(tc, creator_mask, "glibc has no thread reuse");
	tst_tcase_add_beyond_glibc(tc, no_pending_signal, "glibc has no thread reuse");
	tst_tcase_add_beyond_glibc(tc, handles_and_cancel, "glibc has no thread reuse");
	tst_tcase_add_beyond_glibc(tc, detached, "glibc has no thread reuse");
	tst_tcase_add_beyond_glibc(tc, bounded, "glibc has no thread reuse");
	tst_tcase_add_beyond_glibc(tc, other_size_makes_room, "glibc has no thread reuse");
	tst_tcase_add_beyond_glibc(tc, idle_exit, "glibc has no thread reuse");
	tst_tcase_add_beyond_glibc(tc, fork_child_has_none, "glibc has no thread reuse");
	tst_tcase_add_beyond_glibc(tc, leaving_makes_no_arena, "glibc has no thread reuse");
	suite_add_tcase(s, tc);
	return s;
}
