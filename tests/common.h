/* SPDX-License-Identifier: MIT */
/* What every test program shares: its main (common.c), which runs the
 * suites its files register, and the helpers.  Names here start with
 * tst_ (the library's internal ones with ct_).  tests/README.md says how
 * to add a test.
 *
 * Each program runs four ways (tests/run-test): linked with the library
 * (*_direct), linked with glibc and the library preloaded (*_preload),
 * that same glibc-linked binary without the preload: the reference run
 * (*_glibc), and the linked one with thread reuse on (*_reuse).  The
 * reference says what glibc does; a test that checks something glibc
 * lacks says so and is left out of it.
 *
 * Before anything else main checks that every thread function the
 * program and its test modules import resolves to the implementation
 * under test: the library, or libc in the reference run.  The names come
 * from the objects' own dynamic symbol tables, so nothing is listed by
 * hand. */
#ifndef TST_COMMON_H
#define TST_COMMON_H
#include <check.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- registration ---- */

/* Defines a suite constructor, `static Suite *name(void)', and registers
 * it: main runs every registered suite, in link order.  A linker-section
 * table of pointers (tst_suites), so a test file is registered by being
 * linked in. */
#define TST_SUITE(name)							\
	static Suite *name(void);					\
	static Suite *(*const tst_suite_##name)(void)			\
		__attribute__((section("tst_suites"), used)) = name;	\
	static Suite *name(void)

/* A case that must own a process (set before start-up, or ending main):
 * registered under `name', it runs when tst_rerun starts this program
 * again for it; its value is the process's exit status. */
struct tst_scenario {
	const char *name;
	int (*run)(void);
};
#define TST_SCENARIO_VAR "CT_TEST_SCENARIO"	/* names it to the process */
#define TST_SCENARIO(label, fn)						\
	static const struct tst_scenario tst_scenario_##fn = { label, fn }; \
	static const struct tst_scenario *const tst_scenario_at_##fn	\
		__attribute__((section("tst_scenarios"), used)) =	\
		&tst_scenario_##fn

/* ---- the run ---- */

/* What main (main.c) does first: notes the tasks there are beside the
 * main thread (an emulator's own). */
void tst_note_start(void);

/* True in the reference run: the pthread functions are glibc's. */
int tst_test_glibc(void);

/* Add a test of something glibc does not do (it crashes, or lacks the
 * feature): left out of the reference run.  `why' says what glibc does. */
#define tst_tcase_add_beyond_glibc(tc, fn, why) do {			\
		if (!tst_test_glibc())					\
			tcase_add_test(tc, fn);				\
		else							\
			tst_test_left_out(#fn, "beyond glibc: " why);	\
	} while (0)
#define tst_tcase_add_loop_beyond_glibc(tc, fn, from, to, why) do {	\
		if (!tst_test_glibc())					\
			tcase_add_loop_test(tc, fn, from, to);		\
		else							\
			tst_test_left_out(#fn, "beyond glibc: " why);	\
	} while (0)
/* Say that a test is left out of this run, and why: a check this system
 * cannot make (never counted as passed).  One line "left out: TEST (WHY)"
 * in the test log. */
void tst_test_left_out(const char *test, const char *why);

/* Abort the program unless f, the function `name' found otherwise than
 * by linking (by version, say), is the implementation's: the library, or
 * libc in the reference run (so neither can pass for the other). */
void tst_assert_ours_at(const char *name, void *f);

/* The reference run on a glibc older than major.minor: where an answer
 * of glibc changed between releases, the test expects the one of the
 * release under test (the library gives today's). */
int tst_test_glibc_before(int major, int minor);
/* The glibc the program runs on is older than major.minor, in any run. */
int tst_glibc_release_before(int major, int minor);

/* glibc's own thread functions, for dlsym: in libpthread.so.0 before
 * glibc 2.34 (when the program links it), in libc.so.6 since. */
void *tst_glibc_threads(void);

/* Check that `th' was (own = 1) or was not (own = 0) created by the
 * library; glibc has no such notion, so the reference run checks nothing. */
void tst_check_own(pthread_t th, int own);

/* A test module built next to the tests (tests/.libs/file), dlopen'ed
 * (its thread functions checked as the program's are at start): its
 * handle, or the address of `symbol' in it. */
void *tst_module(const char *file);
void *tst_module_symbol(const char *file, const char *symbol);
/* Where that module is (for a scenario, which makes no Check assertion). */
const char *tst_module_path(const char *file);

/* A test case with a generous timeout, for stress work. */
TCase *tst_tcase(const char *name);

/* ---- threads ---- */

/* pthread_create / pthread_join that fail the test on error; tst_join
 * returns the thread's value. */
pthread_t tst_start(const pthread_attr_t *attr, void *(*fn)(void *), void *arg);
void *tst_join(pthread_t th);
/* Run fn(arg) in n threads and join them all. */
void tst_run(int n, void *(*fn)(void *), void *arg);
/* Run fn(arg) in one new thread and return what it returned, once the
 * thread is gone from the kernel too. */
long tst_in_thread(void *(*fn)(void *), void *arg);

/* ---- processes ---- */

/* Run fn(arg) in a forked child and return its exit status, or 128 plus
 * the signal number if a signal killed it.  The child exits with fn's
 * return value; fn reports its failures with TST_CHILD_CHECK. */
int tst_in_child(int (*fn)(void *), void *arg);
/* Wait for a child; true if it exited with status 0. */
int tst_child_ok(int pid);
/* Run a scenario of this program in a fresh process, with `env'
 * (NAME=VALUE strings, NULL-terminated) added to the environment.
 * Returns as tst_in_child does. */
int tst_rerun(const char *scenario, const char *const *env);
/* tst_rerun with a file the scenario writes to (tst_marker): what it
 * wrote is in out (a string, cut to size). */
int tst_rerun_marked(const char *scenario, char *out, size_t size);
/* In a scenario run by tst_rerun_marked: its file, open for writing. */
FILE *tst_marker(void);
/* Where a failing check in a child process or scenario is reported. */
#define TST_CHILD_CHECK(cond) do {					\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: check failed: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			return 1;					\
		}							\
	} while (0)
/* Zeroed memory shared with fork()ed children. */
void *tst_shared(size_t size);

/* ---- time ---- */

/* An absolute deadline ms milliseconds from now on `clock'. */
struct timespec tst_deadline(clockid_t clock, long ms);
/* Milliseconds elapsed on CLOCK_MONOTONIC since *start. */
long tst_elapsed_ms(const struct timespec *start);

/* ---- what the kernel shows ---- */

/* Lines in /proc/self/maps; threads in /proc/self/task (not counting an
 * emulator's own). */
int tst_count_maps(void);
int tst_count_tasks(void);
/* glibc's malloc arenas (malloc_info's heaps): a thread gets one of its
 * own, 64 MiB of address space, on its first malloc or free. */
int tst_malloc_arenas(void);
/* tst_count_tasks() once it is down to n, or after 2 s.  Threads that are
 * joined (or whose tid word the kernel cleared) may still be in the task
 * list for a moment: natively a very short one, under qemu-user (which
 * clears the tid word itself, before the thread ends) a longer one. */
int tst_tasks_settle(int n);
/* Whether task tid is an emulator's own thread (qemu-user keeps one in
 * each process it runs): one that was there beside the first thread when
 * this process, or tst_in_child's child, started.  Never, natively. */
int tst_emulator_task(int tid);
/* The kernel thread id of the calling thread. */
int tst_gettid(void);
/* The state letter of task tid of this process (/proc/self/task/TID/stat:
 * R, S, D, Z, ...), 0 if there is no such task. */
char tst_task_state(int tid);
/* Until thread tid sleeps in the kernel (a blocking call): so that a
 * wake-up test has its waiter blocked at the moment of the event.  0 if
 * the thread is gone instead. */
int tst_wait_blocked(int tid);

/* ---- the system under test ---- */

/* Whether a thread that returns from a signal handler goes on with its
 * own TLS.  Always on a real kernel; qemu-i386 (7.2) reloads the thread
 * pointer at sigreturn from a descriptor table all threads share, which
 * holds the newest thread's TLS: glibc's threads and ours then run on
 * another thread's TLS.  Probed once, in a child process.  Where it is
 * lost, also says that `test' (whose threads return from signal
 * handlers) is left out. */
int tst_signal_return_keeps_tls(const char *test);
#define tst_tcase_add_signal_return(tc, fn) do {			\
		if (tst_signal_return_keeps_tls(#fn))			\
			tcase_add_test(tc, fn);				\
	} while (0)
#define tst_tcase_add_loop_signal_return(tc, fn, from, to) do {	\
		if (tst_signal_return_keeps_tls(#fn))			\
			tcase_add_loop_test(tc, fn, from, to);		\
	} while (0)
/* True under an emulator (TEST_EMULATOR set, see tests/run-test). */
int tst_test_emulated(void);
/* Under an emulator: n divided by `div', at least 1; else n.  For the
 * thread counts whose size checks nothing more there: a thread start
 * costs ten to forty times what it does natively, and qemu-aarch64 keeps
 * some 280 KB for every thread it ever ran. */
int tst_test_scaled(int n, int div);

/* Reuse (CLONETHREADS_REUSE in the environment of the *_reuse runs): the
 * library keeps ended threads parked.  tst_test_quiesce makes the parked
 * ones that are free to go exit, for tests that count the process's tasks
 * or mappings; tst_wait_ended waits until thread tid has ended: its task
 * is gone, or parked. */
int tst_test_reuse(void);
void tst_test_quiesce(void);
int tst_wait_ended(int tid);

/* The bytes malloc has handed out and not had back (mallinfo2's
 * uordblks + hblkhd; mallinfo's before glibc 2.33, which has no
 * mallinfo2). */
size_t tst_malloc_in_use(void);

#ifdef __cplusplus
}
#else
#include <stdatomic.h>
/* Yield until *v >= n. */
void tst_wait_at_least(atomic_int *v, int n);
/* Count this thread in at *gate, then wait until n threads have. */
void tst_gate_pass(atomic_int *gate, int n);
#endif
#endif
