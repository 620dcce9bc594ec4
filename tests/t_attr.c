/* SPDX-License-Identifier: MIT */
/* Attributes: defaults, setters and getters, bad values, what a new thread
 * gets from them (stack, guard, scheduling, affinity, signal mask), the
 * process-wide defaults, and pthread_getattr_np. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>
#include "common.h"

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* glibc's rule: RLIMIT_STACK's soft limit rounded up to a page, 2 MiB on
 * x86_64 (the per-arch default) when unlimited, at least PTHREAD_STACK_MIN. */
static size_t default_stack_size(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_STACK, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return 2 << 20;
	size_t s = rl.rlim_cur < (rlim_t)PTHREAD_STACK_MIN ? (size_t)PTHREAD_STACK_MIN
							   : rl.rlim_cur;
	return (s + page_size() - 1) & ~(page_size() - 1);
}

START_TEST(test_attr_init_defaults)
{
	pthread_attr_t a;
	int v;
	size_t s;
	ck_assert_int_eq(pthread_attr_init(&a), 0);
	ck_assert_int_eq(pthread_attr_getdetachstate(&a, &v), 0);
	ck_assert_int_eq(v, PTHREAD_CREATE_JOINABLE);
	ck_assert_int_eq(pthread_attr_getinheritsched(&a, &v), 0);
	ck_assert_int_eq(v, PTHREAD_INHERIT_SCHED);
	ck_assert_int_eq(pthread_attr_getschedpolicy(&a, &v), 0);
	ck_assert_int_eq(v, SCHED_OTHER);
	ck_assert_int_eq(pthread_attr_getscope(&a, &v), 0);
	ck_assert_int_eq(v, PTHREAD_SCOPE_SYSTEM);
	ck_assert_int_eq(pthread_attr_getguardsize(&a, &s), 0);
	ck_assert_uint_eq(s, page_size());
	ck_assert_int_eq(pthread_attr_getstacksize(&a, &s), 0);
	ck_assert_uint_eq(s, default_stack_size());
	ck_assert_int_eq(pthread_attr_destroy(&a), 0);

	ck_assert_int_eq(pthread_getattr_default_np(&a), 0);
	ck_assert_int_eq(pthread_attr_getstacksize(&a, &s), 0);
	ck_assert_uint_eq(s, default_stack_size());
	ck_assert_int_eq(pthread_attr_getguardsize(&a, &s), 0);
	ck_assert_uint_eq(s, page_size());
	pthread_attr_destroy(&a);
}
END_TEST

/* glibc 2.32's signal mask attribute, looked up rather than linked: the
 * tests build against older glibc too, whose reference run has none. */
typedef int setsigmask_fn(pthread_attr_t *, const sigset_t *);
typedef int getsigmask_fn(const pthread_attr_t *, sigset_t *);

static void *sigmask_call(const char *name)
{
	void *f = dlsym(RTLD_DEFAULT, name);
	if (f)
		tst_assert_ours_at(name, f);
	else	/* only glibc before 2.32 lacks it */
		ck_assert(tst_test_glibc_before(2, 32));
	return f;
}

START_TEST(test_attr_round_trip)
{
	pthread_attr_t a;
	int v;
	size_t s;
	pthread_attr_init(&a);
	static const int detach[] = { PTHREAD_CREATE_DETACHED, PTHREAD_CREATE_JOINABLE };
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(pthread_attr_setdetachstate(&a, detach[i]), 0);
		ck_assert_int_eq(pthread_attr_getdetachstate(&a, &v), 0);
		ck_assert_int_eq(v, detach[i]);
	}
	static const int inherit[] = { PTHREAD_EXPLICIT_SCHED, PTHREAD_INHERIT_SCHED };
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(pthread_attr_setinheritsched(&a, inherit[i]), 0);
		ck_assert_int_eq(pthread_attr_getinheritsched(&a, &v), 0);
		ck_assert_int_eq(v, inherit[i]);
	}
	static const int policy[] = { SCHED_FIFO, SCHED_RR, SCHED_OTHER };
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(pthread_attr_setschedpolicy(&a, policy[i]), 0);
		ck_assert_int_eq(pthread_attr_getschedpolicy(&a, &v), 0);
		ck_assert_int_eq(v, policy[i]);
	}
	struct sched_param sp = { .sched_priority = 0 }, got;
	ck_assert_int_eq(pthread_attr_setschedparam(&a, &sp), 0);
	ck_assert_int_eq(pthread_attr_getschedparam(&a, &got), 0);
	ck_assert_int_eq(got.sched_priority, 0);
	ck_assert_int_eq(pthread_attr_setscope(&a, PTHREAD_SCOPE_SYSTEM), 0);
	ck_assert_int_eq(pthread_attr_getscope(&a, &v), 0);
	ck_assert_int_eq(v, PTHREAD_SCOPE_SYSTEM);
	const size_t sizes[] = { PTHREAD_STACK_MIN, 1 << 20, 3 * page_size() + PTHREAD_STACK_MIN };
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(pthread_attr_setstacksize(&a, sizes[i]), 0);
		ck_assert_int_eq(pthread_attr_getstacksize(&a, &s), 0);
		ck_assert_uint_eq(s, sizes[i]);
	}
	const size_t guards[] = { 0, page_size(), 4 * page_size(), 1 << 20 };
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(pthread_attr_setguardsize(&a, guards[i]), 0);
		ck_assert_int_eq(pthread_attr_getguardsize(&a, &s), 0);
		ck_assert_uint_eq(s, guards[i]);
	}
	size_t stack_size = 2 * PTHREAD_STACK_MIN;
	char *stack = malloc(stack_size);
	void *addr;
	ck_assert_int_eq(pthread_attr_setstack(&a, stack, stack_size), 0);
	ck_assert_int_eq(pthread_attr_getstack(&a, &addr, &s), 0);
	ck_assert_ptr_eq(addr, stack);
	ck_assert_uint_eq(s, stack_size);
	free(stack);

	cpu_set_t set, back;
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	ck_assert_int_eq(pthread_attr_setaffinity_np(&a, sizeof set, &set), 0);
	CPU_ZERO(&back);
	ck_assert_int_eq(pthread_attr_getaffinity_np(&a, sizeof back, &back), 0);
	ck_assert(CPU_EQUAL(&set, &back));

	setsigmask_fn *setsigmask = sigmask_call("pthread_attr_setsigmask_np");
	getsigmask_fn *getsigmask = sigmask_call("pthread_attr_getsigmask_np");
	if (setsigmask && getsigmask) {
		sigset_t mask, mback;
		sigemptyset(&mask);
		sigaddset(&mask, SIGUSR2);
		ck_assert_int_eq(setsigmask(&a, &mask), 0);
		ck_assert_int_eq(getsigmask(&a, &mback), 0);
		ck_assert(sigismember(&mback, SIGUSR2));
		ck_assert(!sigismember(&mback, SIGUSR1));
	}
	ck_assert_int_eq(pthread_attr_destroy(&a), 0);
}
END_TEST

/* Each bad value is refused with the POSIX code and leaves the attribute
 * as it was. */
static int set_detach(pthread_attr_t *a, long v) { return pthread_attr_setdetachstate(a, (int)v); }
static int set_policy(pthread_attr_t *a, long v) { return pthread_attr_setschedpolicy(a, (int)v); }
static int set_inherit(pthread_attr_t *a, long v) { return pthread_attr_setinheritsched(a, (int)v); }
static int set_scope(pthread_attr_t *a, long v) { return pthread_attr_setscope(a, (int)v); }
static int set_stacksize(pthread_attr_t *a, long v) { return pthread_attr_setstacksize(a, (size_t)v); }
static int set_stack(pthread_attr_t *a, long v)
{
	static char stack[1 << 16];	/* never used: the size is refused */
	return pthread_attr_setstack(a, stack, (size_t)v);
}
static int set_prio(pthread_attr_t *a, long v)
{
	/* the default policy is SCHED_OTHER, whose only priority is 0 */
	struct sched_param sp = { .sched_priority = (int)v };
	return pthread_attr_setschedparam(a, &sp);
}

START_TEST(test_attr_bad_values)
{
	const struct {
		const char *what;
		int (*set)(pthread_attr_t *, long);
		long value;
		int err;
	} bad[] = {
		{ "detachstate", set_detach, 42, EINVAL },
		{ "detachstate", set_detach, -1, EINVAL },
		{ "schedpolicy", set_policy, 42, EINVAL },
		{ "schedpolicy", set_policy, -1, EINVAL },
		{ "inheritsched", set_inherit, 42, EINVAL },
		{ "scope", set_scope, 42, EINVAL },
		{ "scope", set_scope, PTHREAD_SCOPE_PROCESS, ENOTSUP },
		{ "stacksize", set_stacksize, PTHREAD_STACK_MIN - 1, EINVAL },
		{ "stacksize", set_stacksize, 0, EINVAL },
		{ "stack", set_stack, PTHREAD_STACK_MIN - 1, EINVAL },
		{ "schedparam", set_prio, 50, EINVAL },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		pthread_attr_t a, fresh;
		pthread_attr_init(&a);
		pthread_attr_init(&fresh);
		ck_assert_msg(bad[i].set(&a, bad[i].value) == bad[i].err,
			      "%s = %ld: expected %s", bad[i].what, bad[i].value,
			      strerror(bad[i].err));
		ck_assert_msg(!memcmp(&a, &fresh, sizeof a),
			      "%s = %ld changed the attribute", bad[i].what,
			      bad[i].value);
		pthread_attr_destroy(&a);
		pthread_attr_destroy(&fresh);
	}
}
END_TEST

/* ---- what the thread gets ---- */

struct seen {
	int ok;			/* pthread_getattr_np worked */
	void *stackaddr;	/* lowest address */
	size_t stacksize, guardsize;
	int detach;
	uintptr_t local;	/* address of a local variable */
	int policy;
	cpu_set_t cpus;
	sigset_t mask;
};

static void observe(struct seen *s)
{
	int local = 0;
	pthread_attr_t a;
	s->local = (uintptr_t)&local;
	s->ok = pthread_getattr_np(pthread_self(), &a) == 0 &&
		pthread_attr_getstack(&a, &s->stackaddr, &s->stacksize) == 0 &&
		pthread_attr_getguardsize(&a, &s->guardsize) == 0 &&
		pthread_attr_getdetachstate(&a, &s->detach) == 0;
	pthread_attr_destroy(&a);
	s->policy = sched_getscheduler(0);
	CPU_ZERO(&s->cpus);
	sched_getaffinity(0, sizeof s->cpus, &s->cpus);
	sigprocmask(SIG_BLOCK, NULL, &s->mask);
}

static void *observe_thread(void *arg)
{
	observe(arg);
	return NULL;
}

static struct seen run_observed(const pthread_attr_t *attr)
{
	struct seen s;
	memset(&s, 0, sizeof s);
	tst_join(tst_start(attr, observe_thread, &s));
	ck_assert_msg(s.ok, "pthread_getattr_np failed in the thread");
	return s;
}

/* Can the byte at addr be read at all?  A guard page cannot: mapped
 * without access (PROT_NONE), or, as glibc 2.43 and later make them, a
 * guard region installed by madvise (which /proc/self/maps does not
 * show).  write() from it fails with EFAULT rather than fault, natively
 * and under qemu-user alike (which has no process_vm_readv). */
static bool readable(uintptr_t addr)
{
	int fd[2];
	char c;
	ck_assert_int_eq(pipe(fd), 0);
	bool ok = write(fd[1], (const void *)addr, 1) == 1;
	if (ok)
		ck_assert_int_eq(read(fd[0], &c, 1), 1);
	close(fd[0]);
	close(fd[1]);
	return ok;
}

static void check_brackets(const struct seen *s)
{
	uintptr_t lo = (uintptr_t)s->stackaddr;
	ck_assert_uint_gt(s->local, lo);
	ck_assert_uint_lt(s->local, lo + s->stacksize);
}

START_TEST(test_getattr_np_thread)
{
	const struct { size_t stack, guard; } cases[] = {
		{ 256 << 10, 2 }, { PTHREAD_STACK_MIN, 1 }, { 1 << 20, 0 },
		{ 3 << 20, 16 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		pthread_attr_t a;
		pthread_attr_init(&a);
		pthread_attr_setstacksize(&a, cases[i].stack);
		pthread_attr_setguardsize(&a, cases[i].guard * page_size());
		struct seen s = run_observed(&a);
		pthread_attr_destroy(&a);
		/* glibc hands out a cached stack of up to four times the
		 * size asked for, and reports its size (aarch64's
		 * PTHREAD_STACK_MIN, 128 KiB, gets the 256 KiB one). */
		if (tst_test_glibc())
			ck_assert_uint_ge(s.stacksize, cases[i].stack);
		else
			ck_assert_uint_eq(s.stacksize, cases[i].stack);
		ck_assert_uint_eq(s.guardsize, cases[i].guard * page_size());
		ck_assert_int_eq(s.detach, PTHREAD_CREATE_JOINABLE);
		check_brackets(&s);
		/* the guard sits just below the reported stack, where tools
		 * that catch overflows look for it, and cannot be touched */
		if (cases[i].guard) {
			uintptr_t low = (uintptr_t)s.stackaddr;
			ck_assert_msg(readable(low) && !readable(low - 1) &&
				      !readable(low - cases[i].guard * page_size()),
				      "stack %zu, guard %zu: the pages below the "
				      "reported stack are not the guard",
				      cases[i].stack, cases[i].guard * page_size());
		}
	}
	/* default attributes */
	struct seen s = run_observed(NULL);
	ck_assert_uint_eq(s.stacksize, default_stack_size());
	ck_assert_uint_eq(s.guardsize, page_size());
	check_brackets(&s);
}
END_TEST

START_TEST(test_getattr_np_main)
{
	struct seen s;
	observe(&s);
	ck_assert(s.ok);
	ck_assert_uint_gt(s.stacksize, 0);
	check_brackets(&s);
}
END_TEST

/* ---- the main thread's stack, when its mapping is split ---- */

struct main_stack {
	uintptr_t lo, hi;
};

/* glibc's own functions, from libc.so.6, whatever the program binds. */
struct glibc_getattr {
	pthread_t (*self)(void);
	int (*getattr)(pthread_t, pthread_attr_t *);
	int (*getstack)(const pthread_attr_t *, void **, size_t *);
	int (*destroy)(pthread_attr_t *);
};

/* Main's stack by the implementation under test, or by glibc's (g). */
static int main_stack_by(const struct glibc_getattr *g, struct main_stack *s)
{
	pthread_attr_t a;
	void *addr;
	size_t size;
	int err = g ? g->getattr(g->self(), &a)
		    : pthread_getattr_np(pthread_self(), &a);
	if (err)
		return err;
	err = g ? g->getstack(&a, &addr, &size)
		: pthread_attr_getstack(&a, &addr, &size);
	if (g)
		g->destroy(&a);
	else
		pthread_attr_destroy(&a);
	s->lo = (uintptr_t)addr;
	s->hi = s->lo + size;
	return err;
}

/* Our answer for main against glibc's own (on glibc's descriptor of
 * main), and its top against the first answer's. */
static int same_as_glibc(const struct glibc_getattr *g,
			 const struct main_stack *first, const char *when)
{
	struct main_stack ours, theirs;
	TST_CHILD_CHECK(main_stack_by(NULL, &ours) == 0);
	TST_CHILD_CHECK(main_stack_by(g, &theirs) == 0);
	if (ours.lo != theirs.lo || ours.hi != theirs.hi ||
	    (first && ours.hi != first->hi)) {
		fprintf(stderr, "%s: main's stack %#lx-%#lx, glibc's %#lx-%#lx, "
			"top at first %#lx\n", when, (unsigned long)ours.lo,
			(unsigned long)ours.hi, (unsigned long)theirs.lo,
			(unsigned long)theirs.hi,
			(unsigned long)(first ? first->hi : 0));
		return 1;
	}
	return 0;
}

static int main_stack_split_scenario(void)
{
	void *libc = tst_glibc_threads();
	TST_CHILD_CHECK(libc != NULL);
	struct glibc_getattr g = {
		(pthread_t (*)(void))dlsym(libc, "pthread_self"),
		(int (*)(pthread_t, pthread_attr_t *))dlsym(libc, "pthread_getattr_np"),
		(int (*)(const pthread_attr_t *, void **, size_t *))
			dlsym(libc, "pthread_attr_getstack"),
		(int (*)(pthread_attr_t *))dlsym(libc, "pthread_attr_destroy"),
	};
	TST_CHILD_CHECK(g.self && g.getattr && g.getstack && g.destroy);
	struct main_stack first;
	TST_CHILD_CHECK(main_stack_by(NULL, &first) == 0);
	if (same_as_glibc(&g, NULL, "at first"))
		return 1;
	/* A page of this frame, well below __libc_stack_end, made
	 * read-only: the mapping below the one holding __libc_stack_end now
	 * ends there. */
	volatile char deep[64 << 10];
	deep[0] = 0;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t p = ((uintptr_t)deep & ~(page - 1)) + page;
	TST_CHILD_CHECK(mprotect((void *)p, page, PROT_READ) == 0);
	if (same_as_glibc(&g, &first, "one page read-only"))
		return 1;
	TST_CHILD_CHECK(mprotect((void *)p, page, PROT_READ | PROT_WRITE) == 0);
	/* A module that needs an executable stack: glibc makes the stack
	 * executable from the page holding __libc_stack_end down. */
	void *h = dlopen(tst_module_path("execstack.so"), RTLD_NOW);
	if (!h)
		fprintf(stderr, "%s\n", dlerror());
	TST_CHILD_CHECK(h != NULL);
	if (same_as_glibc(&g, &first, "stack made executable"))
		return 1;
	return deep[0];
}
TST_SCENARIO("main-stack-split", main_stack_split_scenario);

/* The main thread's stack is what glibc reports: it ends with the page
 * above __libc_stack_end, not with the mapping that holds it, so its top
 * stays where it was when that mapping is split.  In a process of its
 * own, with an environment of a few pages: __libc_stack_end is then
 * that far below the mapping's end. */
START_TEST(test_getattr_np_main_split)
{
	static char pad[4 * 4096 + 8] = "CT_PAD=";
	memset(pad + 7, 'x', sizeof pad - 8);
	/* glibc 2.41 and later dlopen a module that needs an executable
	 * stack only when told so (older ones ignore the tunable). */
	const char *const env[] = { pad, "GLIBC_TUNABLES=glibc.rtld.execstack=2",
				    NULL };
	ck_assert_int_eq(tst_rerun("main-stack-split", env), 0);
}
END_TEST

/* The stack is as big as asked for: a thread can use half of it, and
 * glibc's internal alloca limit (derived from the stack size glibc finds
 * in its descriptor) keeps printf off a small stack. */
static void *deep_thread(void *arg)
{
	size_t use = (size_t)arg;
	volatile char *big = __builtin_alloca(use);
	for (size_t i = 0; i < use; i += 512)
		big[i] = (char)i;
	big[use - 1] = 1;
	/* more digits than this stack holds: glibc must not alloca them */
	volatile int digits = 10000;	/* 40 KB of wide digits */
	int n = snprintf(NULL, 0, "%.*f", digits, 1.0);
	return (void *)(intptr_t)(n == 10002 && big[0] == 0);
}

START_TEST(test_stack_usable)
{
	const size_t sizes[] = { 64 << 10, 256 << 10, 1 << 20 };
	for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		pthread_attr_t a;
		pthread_attr_init(&a);
		pthread_attr_setstacksize(&a, sizes[i]);
		/* half of it (glibc counts its TLS in the size) */
		void *ok = tst_join(tst_start(&a, deep_thread,
					    (void *)(sizes[i] / 2)));
		pthread_attr_destroy(&a);
		ck_assert_msg(ok == (void *)1, "stack size %zu", sizes[i]);
	}
}
END_TEST

/* A stack the caller provides is the one the thread runs on. */
START_TEST(test_user_stack)
{
	size_t size = 256 << 10;
	void *stack = aligned_alloc(page_size(), size);
	ck_assert_ptr_nonnull(stack);
	memset(stack, 0xa5, size);
	pthread_attr_t a;
	pthread_attr_init(&a);
	ck_assert_int_eq(pthread_attr_setstack(&a, stack, size), 0);
	for (int round = 0; round < 3; round++) {
		struct seen s = run_observed(&a);
		ck_assert_uint_gt(s.local, (uintptr_t)stack);
		ck_assert_uint_lt(s.local, (uintptr_t)stack + size);
		ck_assert_ptr_eq(s.stackaddr, stack);
		ck_assert_uint_le(s.stacksize, size);
		check_brackets(&s);
	}
	pthread_attr_destroy(&a);
	free(stack);
}
END_TEST

struct flagged {
	struct seen s;
	atomic_int done;
};

static void *observe_flag_thread(void *arg)
{
	struct flagged *f = arg;
	observe(&f->s);
	atomic_store(&f->done, 1);
	return NULL;
}

START_TEST(test_detached_attr_seen)
{
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	static struct flagged f;
	tst_start(&a, observe_flag_thread, &f);
	pthread_attr_destroy(&a);
	tst_wait_at_least(&f.done, 1);
	ck_assert(f.s.ok);
	ck_assert_int_eq(f.s.detach, PTHREAD_CREATE_DETACHED);
	check_brackets(&f.s);
}
END_TEST

/* Process-wide defaults apply to threads created without attributes. */
START_TEST(test_default_attr)
{
	pthread_attr_t a, got;
	size_t s;
	pthread_attr_init(&a);
	ck_assert_int_eq(pthread_attr_setstacksize(&a, 512 << 10), 0);
	ck_assert_int_eq(pthread_attr_setguardsize(&a, 2 * page_size()), 0);
	ck_assert_int_eq(pthread_setattr_default_np(&a), 0);
	ck_assert_int_eq(pthread_getattr_default_np(&got), 0);
	ck_assert_int_eq(pthread_attr_getstacksize(&got, &s), 0);
	ck_assert_uint_eq(s, 512 << 10);
	ck_assert_int_eq(pthread_attr_getguardsize(&got, &s), 0);
	ck_assert_uint_eq(s, 2 * page_size());
	pthread_attr_destroy(&got);
	pthread_attr_destroy(&a);

	struct seen seen = run_observed(NULL);
	ck_assert_uint_eq(seen.stacksize, 512 << 10);
	ck_assert_uint_eq(seen.guardsize, 2 * page_size());
	check_brackets(&seen);
	/* a fresh attribute object starts from the new default size */
	pthread_attr_init(&a);
	ck_assert_int_eq(pthread_attr_getstacksize(&a, &s), 0);
	ck_assert_uint_eq(s, 512 << 10);
	pthread_attr_destroy(&a);

	/* a default with a stack address, or a bad size, is refused */
	size_t stack_size = 2 * PTHREAD_STACK_MIN;
	char *stack = malloc(stack_size);
	pthread_attr_init(&a);
	pthread_attr_setstack(&a, stack, stack_size);
	ck_assert_int_eq(pthread_setattr_default_np(&a), EINVAL);
	pthread_attr_destroy(&a);
	free(stack);
	pthread_getattr_default_np(&got);
	ck_assert_int_eq(pthread_attr_getstacksize(&got, &s), 0);
	ck_assert_uint_eq(s, 512 << 10);
	pthread_attr_destroy(&got);
}
END_TEST

/* Scheduling: inherited from the creator by default, or explicit. */
START_TEST(test_sched_applied)
{
	struct sched_param p = { .sched_priority = 0 };
	ck_assert_int_eq(sched_setscheduler(0, SCHED_BATCH, &p), 0);
	struct seen s = run_observed(NULL);
	ck_assert_int_eq(s.policy, SCHED_BATCH);

	pthread_attr_t a;
	pthread_attr_init(&a);
	ck_assert_int_eq(pthread_attr_setinheritsched(&a, PTHREAD_EXPLICIT_SCHED), 0);
	ck_assert_int_eq(pthread_attr_setschedpolicy(&a, SCHED_OTHER), 0);
	ck_assert_int_eq(pthread_attr_setschedparam(&a, &p), 0);
	s = run_observed(&a);
	ck_assert_int_eq(s.policy, SCHED_OTHER);
	pthread_attr_destroy(&a);
}
END_TEST

/* Affinity from the attribute, one allowed CPU at a time. */
START_TEST(test_affinity_applied)
{
	cpu_set_t allowed;
	ck_assert_int_eq(sched_getaffinity(0, sizeof allowed, &allowed), 0);
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &allowed))
			continue;
		cpu_set_t one;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		pthread_attr_t a;
		pthread_attr_init(&a);
		ck_assert_int_eq(pthread_attr_setaffinity_np(&a, sizeof one, &one), 0);
		struct seen s = run_observed(&a);
		pthread_attr_destroy(&a);
		ck_assert_msg(CPU_EQUAL(&s.cpus, &one), "affinity for CPU %d", cpu);
	}
	/* without the attribute: the creator's set */
	struct seen s = run_observed(NULL);
	ck_assert(CPU_EQUAL(&s.cpus, &allowed));
}
END_TEST

/* The signal mask: the creator's, or the attribute's. */
START_TEST(test_sigmask_applied)
{
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	ck_assert_int_eq(sigprocmask(SIG_BLOCK, &block, &old), 0);
	sigset_t before, after;
	sigprocmask(SIG_BLOCK, NULL, &before);
	struct seen s = run_observed(NULL);
	/* the creator's own mask is as it was */
	sigprocmask(SIG_BLOCK, NULL, &after);
	for (int sig = 1; sig < NSIG; sig++)
		ck_assert_int_eq(sigismember(&after, sig), sigismember(&before, sig));
	ck_assert(sigismember(&s.mask, SIGUSR1));
	ck_assert(!sigismember(&s.mask, SIGUSR2));

	setsigmask_fn *setsigmask = sigmask_call("pthread_attr_setsigmask_np");
	if (setsigmask) {
		pthread_attr_t a;
		pthread_attr_init(&a);
		sigset_t other;
		sigemptyset(&other);
		sigaddset(&other, SIGUSR2);
		ck_assert_int_eq(setsigmask(&a, &other), 0);
		s = run_observed(&a);
		pthread_attr_destroy(&a);
		ck_assert(!sigismember(&s.mask, SIGUSR1));
		ck_assert(sigismember(&s.mask, SIGUSR2));
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
}
END_TEST

TST_SUITE(attr_suite)
{
	Suite *s = suite_create("attr");
	TCase *tc = tcase_create("attr");
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_attr_init_defaults);
	tcase_add_test(tc, test_attr_round_trip);
	tcase_add_test(tc, test_attr_bad_values);
	tcase_add_test(tc, test_getattr_np_thread);
	tcase_add_test(tc, test_getattr_np_main);
	tcase_add_test(tc, test_getattr_np_main_split);
	tcase_add_test(tc, test_stack_usable);
	tcase_add_test(tc, test_user_stack);
	tcase_add_test(tc, test_detached_attr_seen);
	tcase_add_test(tc, test_default_attr);
	tcase_add_test(tc, test_sched_applied);
	tcase_add_test(tc, test_affinity_applied);
	tcase_add_test(tc, test_sigmask_applied);
	suite_add_tcase(s, tc);
	return s;
}
