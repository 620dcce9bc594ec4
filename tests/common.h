/* Shared by every test program.
 *
 * Each program runs in three ways (tests/run-test): linked with the
 * library (*_direct), linked with glibc and the library preloaded
 * (*_preload), and that same glibc-linked binary without the preload: the
 * reference run (*_glibc).  The reference says what glibc does; a test
 * that checks something glibc lacks says so and is left out of it. */
#ifndef CT_TEST_COMMON_H
#define CT_TEST_COMMON_H
#include <check.h>
#include <pthread.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* True in the reference run: the pthread functions are glibc's. */
int ct_test_glibc(void);

/* Abort the program unless each named function resolves to the
 * implementation under test: libclonethreads, or libc.so.6 in the
 * reference run (so neither can pass for the other). */
void ct_test_assert_ours(const char *const *names);
/* The same for a function found otherwise (by version, say). */
void ct_assert_ours_at(const char *name, void *f);

/* A case that must own a process (set before start-up, or ending main):
 * ct_rerun runs it in a fresh process started from this executable. */
struct ct_scenario {
	const char *name;
	int (*run)(void);
};

/* main of a test program: runs the named scenario if this process is one,
 * else the suites (NULL-terminated list of constructors), after checking
 * that pthread_create, pthread_join, pthread_self and every name in
 * `extra' are the implementation's.  Returns the exit status. */
int ct_test_main(Suite *(*const *suites)(void), const char *const *extra,
		 const struct ct_scenario *scenarios);

/* Add a test of something glibc does not do (it crashes, or lacks the
 * feature): left out of the reference run.  `why' says what glibc does. */
#define ct_tcase_add_beyond_glibc(tc, fn, why) do {			\
		if (!ct_test_glibc())					\
			tcase_add_test(tc, fn);				\
		else							\
			ct_test_left_out(#fn, "beyond glibc: " why);	\
	} while (0)
#define ct_tcase_add_loop_beyond_glibc(tc, fn, from, to, why) do {	\
		if (!ct_test_glibc())					\
			tcase_add_loop_test(tc, fn, from, to);		\
		else							\
			ct_test_left_out(#fn, "beyond glibc: " why);	\
	} while (0)

/* The reference run on a glibc older than major.minor: where an answer
 * of glibc changed between releases, the test expects the one of the
 * release under test (the library gives today's). */
int ct_test_glibc_before(int major, int minor);
/* The glibc the program runs on is older than major.minor, in any run. */
int ct_glibc_release_before(int major, int minor);

/* Check that `th' was (own = 1) or was not (own = 0) created by the
 * library; glibc has no such notion, so the reference run checks nothing. */
void ct_check_own(pthread_t th, int own);

/* Path of a test module built next to the tests (for dlopen). */
const char *ct_test_module(const char *file);

/* pthread_create / pthread_join that fail the test on error; ct_join
 * returns the thread's value. */
pthread_t ct_start(const pthread_attr_t *attr, void *(*fn)(void *), void *arg);
void *ct_join(pthread_t th);

/* Run fn(arg) in a forked child and return its exit status, or 128 plus
 * the signal number if a signal killed it.  The child exits with fn's
 * return value; fn reports its failures with CT_CHILD_CHECK. */
int ct_in_child(int (*fn)(void *), void *arg);
/* Run a scenario of this program in a fresh process, with `env'
 * (NAME=VALUE strings, NULL-terminated) added to the environment.
 * Returns as ct_in_child does. */
int ct_rerun(const char *scenario, const char *const *env);
/* Where a failing check in a child process or scenario is reported. */
#define CT_CHILD_CHECK(cond) do {					\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: check failed: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			return 1;					\
		}							\
	} while (0)

/* Lines in /proc/self/maps; threads in /proc/self/task (not counting an
 * emulator's own). */
int ct_count_maps(void);
int ct_count_tasks(void);
/* glibc's malloc arenas (malloc_info's heaps): a thread gets one of its
 * own, 64 MiB of address space, on its first malloc or free. */
int ct_malloc_arenas(void);
/* ct_count_tasks() once it is down to n, or after 2 s.  Threads that are
 * joined (or whose tid word the kernel cleared) may still be in the task
 * list for a moment: natively a very short one, under qemu-user (which
 * clears the tid word itself, before the thread ends) a longer one. */
int ct_tasks_settle(int n);
/* Whether task tid is an emulator's own thread (qemu-user keeps one in
 * each process it runs): one that was there beside the first thread when
 * this process, or ct_in_child's child, started.  Never, natively. */
int ct_emulator_task(int tid);
/* Say that a test is left out of this run, and why: a check this system
 * cannot make (never counted as passed).  One line "left out: TEST (WHY)"
 * in the test log. */
void ct_test_left_out(const char *test, const char *why);
/* Whether a thread that returns from a signal handler goes on with its
 * own TLS.  Always on a real kernel; qemu-i386 (7.2) reloads the thread
 * pointer at sigreturn from a descriptor table all threads share, which
 * holds the newest thread's TLS: glibc's threads and ours then run on
 * another thread's TLS.  Probed once, in a child process.  Where it is
 * lost, also says that `test' (whose threads return from signal
 * handlers) is left out. */
int ct_signal_return_keeps_tls(const char *test);
#define ct_tcase_add_signal_return(tc, fn) do {				\
		if (ct_signal_return_keeps_tls(#fn))			\
			tcase_add_test(tc, fn);				\
	} while (0)
#define ct_tcase_add_loop_signal_return(tc, fn, from, to) do {		\
		if (ct_signal_return_keeps_tls(#fn))			\
			tcase_add_loop_test(tc, fn, from, to);		\
	} while (0)
/* True under an emulator (TEST_EMULATOR set, see tests/run-test). */
int ct_test_emulated(void);
/* Under an emulator: n divided by `div', at least 1; else n.  For the
 * thread counts whose size checks nothing more there: a thread start
 * costs ten to forty times what it does natively, and qemu-aarch64 keeps
 * some 280 KB for every thread it ever ran. */
int ct_test_scaled(int n, int div);
/* The kernel thread id of the calling thread. */
int ct_gettid(void);
/* Until thread tid sleeps in the kernel (a blocking call): so that a
 * wake-up test has its waiter blocked at the moment of the event.  0 if
 * the thread is gone instead. */
int ct_wait_blocked(int tid);

/* Reuse (CLONETHREADS_REUSE in the environment of the *_reuse runs): the
 * library keeps ended threads parked.  ct_test_quiesce makes the parked
 * ones that are free to go exit, for tests that count the process's tasks
 * or mappings; ct_wait_ended waits until thread tid has ended: its task is
 * gone, or parked. */
int ct_test_reuse(void);
void ct_test_quiesce(void);
int ct_wait_ended(int tid);

/* The bytes malloc has handed out and not had back (mallinfo2's
 * uordblks + hblkhd; mallinfo's before glibc 2.33, which has no
 * mallinfo2). */
size_t ct_malloc_in_use(void);

#ifdef __cplusplus
}
#else
#include <stdatomic.h>
/* Yield until *v >= n. */
void ct_wait_at_least(atomic_int *v, int n);
/* Count this thread in at *gate, then wait until n threads have. */
void ct_gate_pass(atomic_int *gate, int n);
#endif
#endif
