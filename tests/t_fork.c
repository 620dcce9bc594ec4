/* SPDX-License-Identifier: MIT */
/* fork from a thread, and from main while threads run: the child has
 * working stdio and malloc, pthread_self, and can create threads. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common.h"

/* Keeps stdio and malloc locks busy in the parent while others fork. */
static atomic_int busy_stop;

static void *busy_thread(void *arg)
{
	FILE *f = tmpfile();
	if (!f)
		return (void *)1;
	for (unsigned n = 0; !atomic_load(&busy_stop); n++) {
		char *p = malloc(16 + n % 4000);
		if (!p)
			return (void *)2;
		memset(p, 'x', 16);
		fprintf(f, "%u %.8s\n", n, p);
		free(p);
		if (n % 1000 == 0)
			rewind(f);
	}
	fclose(f);
	return NULL;
}

/* Says so on stdout when arg is set. */
static void *child_thread(void *arg)
{
	if (arg)
		printf("child thread\n");
	return malloc(100);
}

struct fork_job {
	int fd;
	pthread_t self;
};

static int fork_child(void *arg)
{
	const struct fork_job *j = arg;
	TST_CHILD_CHECK(pthread_equal(pthread_self(), j->self));
	TST_CHILD_CHECK(tst_gettid() == getpid());
	void *blocks[64];
	for (int i = 0; i < 64; i++) {
		blocks[i] = malloc(1 + i * 997);
		TST_CHILD_CHECK(blocks[i] != NULL);
		memset(blocks[i], i, 1 + i * 997);
	}
	for (int i = 0; i < 64; i++)
		free(blocks[i]);
	TST_CHILD_CHECK(dup2(j->fd, STDOUT_FILENO) == STDOUT_FILENO);
	pthread_t th;
	TST_CHILD_CHECK(pthread_create(&th, NULL, child_thread, (void *)1) == 0);
	void *ret;
	TST_CHILD_CHECK(pthread_join(th, &ret) == 0);
	TST_CHILD_CHECK(ret != NULL);
	free(ret);
	printf("child main\n");
	TST_CHILD_CHECK(fflush(stdout) == 0);
	return 0;
}

/* Forks, runs fork_child there; returns 0 when the child exited with 0
 * and wrote what it should, else a code saying what went wrong. */
static intptr_t fork_once(void)
{
	int fds[2];
	if (pipe(fds))
		return 1;
	struct fork_job j = { fds[1], pthread_self() };
	int status = tst_in_child(fork_child, &j);
	close(fds[1]);
	char buf[128] = "";
	ssize_t n = 0, r;
	while (n < (ssize_t)sizeof buf - 1 &&
	       (r = read(fds[0], buf + n, sizeof buf - 1 - n)) > 0)
		n += r;
	close(fds[0]);
	if (status != 0)
		return 1000 + status;
	if (strcmp(buf, "child thread\nchild main\n"))
		return 2;
	return 0;
}

static void *forking_thread(void *arg)
{
	for (int i = 0; i < 10; i++) {
		intptr_t err = fork_once();
		if (err)
			return (void *)err;
	}
	return NULL;
}

START_TEST(test_fork_from_thread)
{
	pthread_t busy[2];
	for (int i = 0; i < 2; i++)
		busy[i] = tst_start(NULL, busy_thread, NULL);
	pthread_t th = tst_start(NULL, forking_thread, NULL);
	intptr_t err = (intptr_t)tst_join(th);
	atomic_store(&busy_stop, 1);
	for (int i = 0; i < 2; i++)
		ck_assert_ptr_null(tst_join(busy[i]));
	ck_assert_msg(err == 0, "fork from a thread: %s %d",
		      err >= 1000 ? "child exit status" : "code",
		      (int)(err >= 1000 ? err - 1000 : err));
}
END_TEST

START_TEST(test_fork_from_main)
{
	pthread_t busy[2];
	for (int i = 0; i < 2; i++)
		busy[i] = tst_start(NULL, busy_thread, NULL);
	intptr_t err = 0;
	for (int i = 0; i < 10 && !err; i++)
		err = fork_once();
	atomic_store(&busy_stop, 1);
	for (int i = 0; i < 2; i++)
		ck_assert_ptr_null(tst_join(busy[i]));
	ck_assert_msg(err == 0, "fork from main: %s %d",
		      err >= 1000 ? "child exit status" : "code",
		      (int)(err >= 1000 ? err - 1000 : err));
	/* the parent's threads still work */
	pthread_t th = tst_start(NULL, child_thread, NULL);
	free(tst_join(th));
}
END_TEST

/* fork while other threads are created and end.  The child inherits each
 * thread wherever it was: a detached one that has just put its region
 * back for reuse but not yet exited (only the kernel clears its tid word,
 * and only in the parent), one inside malloc or emptying its malloc cache
 * on its way out.  Each child creates a thread and joins it: none may
 * hang (an alarm ends it) or die.  The window is a few instructions wide:
 * many rounds, two threads churning all along. */
static atomic_int churn_stop, churn_alive;

static void *uses_malloc(void *arg)
{
	void *p[8];
	for (int i = 0; i < 8; i++)
		p[i] = malloc(16 + 64 * i);
	for (int i = 0; i < 8; i++)
		free(p[i]);
	if (arg)
		atomic_fetch_sub((atomic_int *)arg, 1);
	return NULL;
}

static void *detached_churn(void *arg)
{
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	while (!atomic_load(&churn_stop)) {
		pthread_t th;
		if (atomic_load(&churn_alive) >= 16) {
			sched_yield();
			continue;
		}
		atomic_fetch_add(&churn_alive, 1);
		if (pthread_create(&th, &attr, uses_malloc, &churn_alive))
			atomic_fetch_sub(&churn_alive, 1);
	}
	pthread_attr_destroy(&attr);
	while (atomic_load(&churn_alive))
		sched_yield();
	return NULL;
}

static void *joinable_churn(void *arg)
{
	while (!atomic_load(&churn_stop)) {
		pthread_t th;
		if (pthread_create(&th, NULL, uses_malloc, NULL) == 0)
			pthread_join(th, NULL);
	}
	return NULL;
}

START_TEST(test_fork_while_churning)
{
	atomic_store(&churn_stop, 0);
	pthread_t churn[2] = { tst_start(NULL, detached_churn, NULL),
			       tst_start(NULL, joinable_churn, NULL) };
	int hung = 0, died = 0, failed = 0, rounds = tst_test_scaled(400, 40);
	for (int round = 0; round < rounds && !hung && !died && !failed; round++) {
		fflush(NULL);
		pid_t pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			alarm(3);
			/* qemu-user's child deadlocks in its own clone lock,
			 * with glibc's threads as with ours, when forked while
			 * a thread was being created (SIGALRM never gets
			 * through): there the child only uses malloc. */
			if (tst_test_emulated()) {
				uses_malloc(NULL);
				_exit(0);
			}
			pthread_t th;
			if (pthread_create(&th, NULL, uses_malloc, NULL))
				_exit(2);
			_exit(pthread_join(th, NULL) ? 3 : 0);
		}
		int status;
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
			hung++;
		else if (WIFSIGNALED(status))
			died++;
		else if (WEXITSTATUS(status))
			failed++;
	}
	atomic_store(&churn_stop, 1);
	tst_join(churn[0]);
	tst_join(churn[1]);
	ck_assert_msg(!hung && !died && !failed,
		      "of %d forks, a child %s", rounds, hung ? "hung" :
		      died ? "died of a signal" : "failed");
}
END_TEST

/* system() and popen() from threads: glibc's posix_spawn path. */
static void *spawn_thread(void *arg)
{
	intptr_t code = (intptr_t)arg;
	char cmd[64];
	snprintf(cmd, sizeof cmd, "exit %d", (int)code);
	int status = system(cmd);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != code)
		return (void *)1;
	FILE *p = popen("echo spawned", "r");
	if (!p)
		return (void *)2;
	char line[32] = "";
	if (!fgets(line, sizeof line, p) || strcmp(line, "spawned\n"))
		return (void *)3;
	if (pclose(p) != 0)
		return (void *)4;
	return NULL;
}

START_TEST(test_spawn_from_threads)
{
	pthread_t th[4];
	for (intptr_t i = 0; i < 4; i++)
		th[i] = tst_start(NULL, spawn_thread, (void *)(i + 3));
	for (int i = 0; i < 4; i++)
		ck_assert_ptr_null(tst_join(th[i]));
}
END_TEST

/* ---- a fork while a detached thread is at its very end ---- */

/* A detached thread gives its region back just before its exit system
 * call; the region is reused once the kernel has cleared its tid.  A fork
 * meanwhile: in the child that thread does not exist and its tid is
 * never cleared, so a create there must not wait for it.  The window is
 * held open with a tracer that stops the thread at PTRACE_EVENT_EXIT,
 * inside the exit call, before the kernel clears the tid.  The threads
 * run on stacks of their own: such a thread is never kept for reuse
 * (CLONETHREADS_REUSE), and its region (only TLS and descriptors) is
 * the one a create with another stack of its own takes. */
#define OWN_STACK (256 * 1024)

struct ending {
	sem_t go;
	atomic_int tid;
};

static void *ends_when_told(void *arg)
{
	struct ending *e = arg;
	atomic_store(&e->tid, tst_gettid());
	while (sem_wait(&e->go))
		;
	return NULL;
}

static int create_on_own_stack(void *arg)
{
	/* A create waiting for the lost thread never returns. */
	signal(SIGALRM, SIG_DFL);
	alarm(20);
	pthread_attr_t a;
	pthread_attr_init(&a);
	TST_CHILD_CHECK(pthread_attr_setstack(&a, arg, OWN_STACK) == 0);
	pthread_t th;
	TST_CHILD_CHECK(pthread_create(&th, &a, child_thread, NULL) == 0);
	void *r;
	TST_CHILD_CHECK(pthread_join(th, &r) == 0);
	free(r);
	return 0;
}

/* The tracer: seize tid once told, stop it at its exit, say so, and let
 * it go once told.  Each step is a byte on a pipe. */
static int tracer(int tid, int in, int out)
{
	char c;
	if (read(in, &c, 1) != 1)
		return 1;
	if (ptrace(PTRACE_SEIZE, tid, NULL, (void *)PTRACE_O_TRACEEXIT)) {
		c = 'n';	/* not allowed here */
		return write(out, &c, 1) == 1 ? 0 : 1;
	}
	c = 'a';
	if (write(out, &c, 1) != 1)
		return 1;
	int st;
	if (waitpid(tid, &st, __WALL) != tid || !WIFSTOPPED(st) ||
	    st >> 8 != (SIGTRAP | PTRACE_EVENT_EXIT << 8))
		return 1;
	c = 's';
	if (write(out, &c, 1) != 1 || read(in, &c, 1) != 1)
		return 1;
	return ptrace(PTRACE_DETACH, tid, NULL, NULL) ? 1 : 0;
}

START_TEST(test_fork_while_thread_ends)
{
	static struct ending e;
	sem_init(&e.go, 0, 0);
	atomic_store(&e.tid, 0);
	char *stacks = malloc(2 * OWN_STACK);
	ck_assert_ptr_nonnull(stacks);
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstack(&a, stacks, OWN_STACK);
	tst_start(&a, ends_when_told, &e);
	tst_wait_at_least(&e.tid, 1);
	int to[2], from[2];
	ck_assert_int_eq(pipe(to), 0);
	ck_assert_int_eq(pipe(from), 0);
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(tracer(atomic_load(&e.tid), to[0], from[1]));
	prctl(PR_SET_PTRACER, pid);	/* where Yama asks for it */
	char c = 'g';
	ck_assert_int_eq(write(to[1], &c, 1), 1);
	ck_assert_int_eq(read(from[0], &c, 1), 1);
	if (c == 'n') {
		sem_post(&e.go);
		tst_test_left_out("test_fork_while_thread_ends",
				 "no ptrace of our own threads here");
	} else {
		ck_assert_int_eq(c, 'a');
		sem_post(&e.go);
		ck_assert_int_eq(read(from[0], &c, 1), 1);
		ck_assert_int_eq(c, 's');	/* stopped inside its exit */
		ck_assert_int_eq(tst_in_child(create_on_own_stack,
					     stacks + OWN_STACK), 0);
		ck_assert_int_eq(write(to[1], &c, 1), 1);
	}
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	prctl(PR_SET_PTRACER, 0);
	tst_wait_ended(atomic_load(&e.tid));
	pthread_attr_destroy(&a);
	free(stacks);
}
END_TEST

TST_SUITE(fork_suite)
{
	Suite *s = suite_create("fork");
	TCase *tc = tcase_create("fork");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_fork_from_thread);
	tcase_add_test(tc, test_fork_from_main);
	tcase_add_test(tc, test_spawn_from_threads);
	tcase_add_test(tc, test_fork_while_churning);
	tcase_add_test(tc, test_fork_while_thread_ends);
	suite_add_tcase(s, tc);
	return s;
}
