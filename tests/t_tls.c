/* SPDX-License-Identifier: MIT */
/* Thread-local storage: errno and __thread data in the program, in a
 * linked shared library and in a module dlopen'ed after threads started;
 * a reused thread region starts from the images again; the stack
 * protector's canary. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "tlsmod.h"

TST_TLS_PROBE_DEFINE(prog, 7, "program image");

/* What one thread found: 0 when every check passed, else the number of
 * the first failed check. */
struct tls_report {
	int failed;
	void *addr;
	int *errno_addr;
};

/* Checks the calling thread's fresh TLS against the image, writes values
 * of its own (`id'), waits at *gate for `n' threads, then checks that its
 * values are still its own. */
static int tls_check(const struct tst_tls_probe *p, int id, atomic_int *gate,
		     int n, struct tls_report *r)
{
	char mine[32];
	snprintf(mine, sizeof mine, "thread %d", id);
	r->addr = p->addr();
	r->errno_addr = &errno;
	if (errno != 0)
		return 1;
	if (p->get_init() != p->image_init)
		return 2;
	if (p->get_bss() != 0)
		return 3;
	if (strcmp(p->get_str(), p->image_str))
		return 4;
	if (!p->big_is_image())
		return 5;
	errno = 1000 + id;
	p->set_init(id);
	p->set_bss(-id);
	p->set_str(mine);
	if (gate)
		tst_gate_pass(gate, n);
	if (errno != 1000 + id)
		return 6;
	if (p->get_init() != id || p->get_bss() != -id)
		return 7;
	if (strcmp(p->get_str(), mine))
		return 8;
	p->big_scribble();
	return 0;
}

struct tls_job {
	const struct tst_tls_probe *const *probe;	/* read when `go' is set */
	atomic_int *go;
	int id;
	atomic_int *gate;
	int n;
	struct tls_report report;
};

static void *tls_thread(void *arg)
{
	struct tls_job *j = arg;
	if (j->go)
		tst_wait_at_least(j->go, 1);
	j->report.failed = tls_check(*j->probe, j->id, j->gate, j->n,
				     &j->report);
	return NULL;
}

/* Main's own copy, changed before threads start, must not be their image,
 * and must not change while they run. */
static void main_scribble(const struct tst_tls_probe *p)
{
	p->set_init(-5);
	p->set_bss(55);
	p->set_str("main's copy");
}

static void main_check(const struct tst_tls_probe *p)
{
	ck_assert_int_eq(p->get_init(), -5);
	ck_assert_int_eq(p->get_bss(), 55);
	ck_assert_str_eq(p->get_str(), "main's copy");
}

static void check_reports(struct tls_job *jobs, int n)
{
	for (int i = 0; i < n; i++) {
		ck_assert_msg(jobs[i].report.failed == 0,
			      "thread %d: check %d failed", i,
			      jobs[i].report.failed);
		for (int k = 0; k < i; k++) {
			ck_assert_ptr_ne(jobs[i].report.addr, jobs[k].report.addr);
			ck_assert_ptr_ne(jobs[i].report.errno_addr,
					 jobs[k].report.errno_addr);
		}
	}
}

static const struct tst_tls_probe *const linked_probes[] = {
	&prog_probe, &tlsmod_probe,
};

#define TLS_THREADS 8

START_TEST(test_tls_per_thread)
{
	const struct tst_tls_probe *const *p = &linked_probes[_i];
	main_scribble(*p);
	errno = 0;
	atomic_int gate = 0;
	struct tls_job jobs[TLS_THREADS];
	pthread_t th[TLS_THREADS];
	for (int i = 0; i < TLS_THREADS; i++) {
		jobs[i] = (struct tls_job){ .probe = p, .id = i + 1,
					    .gate = &gate, .n = TLS_THREADS };
		th[i] = tst_start(NULL, tls_thread, &jobs[i]);
	}
	for (int i = 0; i < TLS_THREADS; i++)
		tst_join(th[i]);
	check_reports(jobs, TLS_THREADS);
	main_check(*p);
	/* none of the threads' errno values reached main's */
	ck_assert_int_lt(errno, 1000);
	ck_assert_ptr_ne(jobs[0].report.errno_addr, &errno);
}
END_TEST

/* A thread that runs on a region another thread left must still start
 * from the images (and errno 0), whatever its predecessor wrote. */
START_TEST(test_tls_reuse)
{
	const struct tst_tls_probe *const *p = &linked_probes[_i];
	for (int round = 0; round < 5; round++) {
		struct tls_job job = { .probe = p, .id = round + 1 };
		tst_join(tst_start(NULL, tls_thread, &job));
		ck_assert_msg(job.report.failed == 0, "round %d: check %d failed",
			      round, job.report.failed);
	}
}
END_TEST

/* dlopen after threads started: threads from before and after the dlopen
 * all see the module's image and keep their own values apart. */
START_TEST(test_tls_dlopen)
{
	enum { BEFORE = 4, AFTER = 4, N = BEFORE + AFTER };
	static const struct tst_tls_probe *probe;
	atomic_int go = 0, gate = 0;
	struct tls_job jobs[N];
	pthread_t th[N];
	for (int i = 0; i < BEFORE; i++) {
		jobs[i] = (struct tls_job){ .probe = &probe, .go = &go,
					    .id = i + 1, .gate = &gate, .n = N };
		th[i] = tst_start(NULL, tls_thread, &jobs[i]);
	}
	probe = tst_module_symbol("tlsdl.so", "tlsdl_probe");
	for (int i = BEFORE; i < N; i++) {
		jobs[i] = (struct tls_job){ .probe = &probe, .id = i + 1,
					    .gate = &gate, .n = N };
		th[i] = tst_start(NULL, tls_thread, &jobs[i]);
	}
	atomic_store(&go, 1);
	/* main too: its block was created by the dlopen in this thread */
	ck_assert_int_eq(probe->get_init(), 4242);
	ck_assert_str_eq(probe->get_str(), "tlsdl image");
	ck_assert(probe->big_is_image());
	main_scribble(probe);
	for (int i = 0; i < N; i++)
		tst_join(th[i]);
	check_reports(jobs, N);
	main_check(probe);
	/* and a thread on a reused region after all that */
	struct tls_job again = { .probe = &probe, .id = 99 };
	tst_join(tst_start(NULL, tls_thread, &again));
	ck_assert_int_eq(again.report.failed, 0);
}
END_TEST

/* A module with initial-exec TLS dlopen'ed while a thread runs: ld.so
 * puts its block in the static TLS the thread already has and copies
 * the module's image there, in every thread it knows -- and so again
 * after a dlclose and a second dlopen, where the thread would otherwise
 * read what it wrote into the block the first time.  The thread waits
 * in its routine at each dlopen; many rounds. */
struct ie_job {
	atomic_int step, done;
	int (*get)(void);
	void (*set)(int);
	int seen[2];
};

static void *ie_thread(void *arg)
{
	struct ie_job *j = arg;
	for (int load = 0; load < 2; load++) {
		tst_wait_at_least(&j->step, 2 * load + 1);	/* loaded */
		j->seen[load] = j->get();
		j->set(7);
		atomic_store(&j->done, load + 1);
	}
	return NULL;
}

START_TEST(test_tls_initial_exec_dlopen)
{
	for (int round = 0; round < 20; round++) {
		struct ie_job j = { 0 };
		pthread_t th = tst_start(NULL, ie_thread, &j);
		for (int load = 0; load < 2; load++) {
			void *h = tst_module("tlsie.so");
			j.get = (int (*)(void))dlsym(h, "tlsie_get");
			j.set = (void (*)(int))dlsym(h, "tlsie_set");
			ck_assert(j.get && j.set);
			atomic_store(&j.step, 2 * load + 1);
			tst_wait_at_least(&j.done, load + 1);
			ck_assert_int_eq(dlclose(h), 0);
			atomic_store(&j.step, 2 * load + 2);
		}
		tst_join(th);
		ck_assert_msg(j.seen[0] == 42 && j.seen[1] == 42,
			      "round %d: the running thread read %d, then %d",
			      round, j.seen[0], j.seen[1]);
	}
}
END_TEST

/* ---- stack protector ---- */

__attribute__((optimize("stack-protector-strong"), noinline))
static int protected_fn(int seed)
{
	char buf[128];
	snprintf(buf, sizeof buf, "%d-%s", seed, "protected");
	return (int)strlen(buf);
}

static uintptr_t read_canary(void)
{
#if defined(__x86_64__)
	uintptr_t v;
	__asm__ volatile("mov %%fs:0x28, %0" : "=r"(v));
	return v;
#else
	return 0;	/* checked through protected_fn alone */
#endif
}

static void *canary_thread(void *arg)
{
	uintptr_t *out = arg;
	out[0] = read_canary();
	out[1] = (uintptr_t)protected_fn(12345);
	return NULL;
}

START_TEST(test_stack_protector)
{
	uintptr_t out[2];
	tst_join(tst_start(NULL, canary_thread, out));
	ck_assert_uint_eq(out[0], read_canary());
	ck_assert_uint_eq(out[1], strlen("12345-protected"));
	ck_assert_int_eq(protected_fn(1), (int)strlen("1-protected"));
}
END_TEST

/* ---- dlerror state is per thread and does not reach a later thread ---- */

static void *dlerror_thread(void *arg)
{
	intptr_t fail = (intptr_t)arg;
	if (dlerror() != NULL)
		return (void *)1;	/* inherited someone's error */
	if (fail) {
		if (dlopen("/nonexistent/ct-no-such-module.so", RTLD_NOW))
			return (void *)2;
		/* left pending on purpose */
	}
	return NULL;
}

START_TEST(test_dlerror_per_thread)
{
	ck_assert_ptr_null(dlopen("/nonexistent/ct-main.so", RTLD_NOW));
	for (intptr_t i = 0; i < 10; i++)
		ck_assert_ptr_null(tst_join(tst_start(NULL, dlerror_thread,
						    (void *)(intptr_t)(i % 2 == 0))));
	/* main's own message is still there */
	const char *msg = dlerror();
	ck_assert_ptr_nonnull(msg);
	ck_assert_ptr_nonnull(strstr(msg, "ct-main.so"));
}
END_TEST

TST_SUITE(tls_suite)
{
	Suite *s = suite_create("tls");
	TCase *tc = tcase_create("tls");
	tcase_set_timeout(tc, 20);
	int nprobes = sizeof linked_probes / sizeof *linked_probes;
	tcase_add_loop_test(tc, test_tls_per_thread, 0, nprobes);
	tcase_add_loop_test(tc, test_tls_reuse, 0, nprobes);
	tcase_add_test(tc, test_tls_dlopen);
	tcase_add_test(tc, test_tls_initial_exec_dlopen);
	tcase_add_test(tc, test_stack_protector);
	tcase_add_test(tc, test_dlerror_per_thread);
	suite_add_tcase(s, tc);
	return s;
}
