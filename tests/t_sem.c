/* SPDX-License-Identifier: MIT */
/* Semaphores: counting, errors, timeouts, ping-pong, process-shared, and
 * named ones shared with glibc's own implementation. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common.h"

START_TEST(counting_and_errors)
{
	sem_t s;
	int v;
	ck_assert_int_eq(sem_init(&s, 0, (unsigned)SEM_VALUE_MAX + 1), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(sem_init(&s, 0, 2), 0);
	ck_assert_int_eq(sem_getvalue(&s, &v), 0);
	ck_assert_int_eq(v, 2);
	ck_assert_int_eq(sem_wait(&s), 0);
	ck_assert_int_eq(sem_trywait(&s), 0);
	ck_assert_int_eq(sem_trywait(&s), -1);
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert_int_eq(sem_post(&s), 0);
	ck_assert_int_eq(sem_getvalue(&s, &v), 0);
	ck_assert_int_eq(v, 1);
	ck_assert_int_eq(sem_destroy(&s), 0);
	ck_assert_int_eq(sem_init(&s, 0, SEM_VALUE_MAX), 0);
	ck_assert_int_eq(sem_post(&s), -1);
	ck_assert_int_eq(errno, EOVERFLOW);
	ck_assert_int_eq(sem_getvalue(&s, &v), 0);
	ck_assert_int_eq(v, SEM_VALUE_MAX);
}
END_TEST

START_TEST(timeouts)
{
	sem_t s, fresh;
	memset(&s, 0, sizeof s);
	memset(&fresh, 0, sizeof fresh);
	sem_init(&s, 0, 0);
	sem_init(&fresh, 0, 0);
	struct timespec st, t = tst_deadline(CLOCK_REALTIME, 20);
	clock_gettime(CLOCK_MONOTONIC, &st);
	ck_assert_int_eq(sem_timedwait(&s, &t), -1);
	ck_assert_int_eq(errno, ETIMEDOUT);
	ck_assert_int_ge(tst_elapsed_ms(&st), 19);
	t = tst_deadline(CLOCK_MONOTONIC, 20);
	ck_assert_int_eq(sem_clockwait(&s, CLOCK_MONOTONIC, &t), -1);
	ck_assert_int_eq(errno, ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &st);
	struct timespec past = { 0, 0 }, neg = { -1, 0 };
	ck_assert_int_eq(sem_timedwait(&s, &past), -1);
	ck_assert_int_eq(errno, ETIMEDOUT);
	ck_assert_int_eq(sem_clockwait(&s, CLOCK_MONOTONIC, &neg), -1);
	ck_assert_int_eq(errno, ETIMEDOUT);
	ck_assert_int_lt(tst_elapsed_ms(&st), 50);
	past.tv_nsec = 1000000000L;
	ck_assert_int_eq(sem_timedwait(&s, &past), -1);
	ck_assert_int_eq(errno, EINVAL);
	t = tst_deadline(CLOCK_MONOTONIC, 20);
	ck_assert_int_eq(sem_clockwait(&s, CLOCK_PROCESS_CPUTIME_ID, &t), -1);
	ck_assert_int_eq(errno, EINVAL);
	sem_post(&s);
	ck_assert_int_eq(sem_clockwait(&s, CLOCK_REALTIME, &t), 0);
	int v;
	sem_getvalue(&s, &v);
	ck_assert_int_eq(v, 0);
	/* The timed-out waiters left no trace: no waiter counted, no
	 * waiters bit, whichever protocol glibc has here. */
	ck_assert(!memcmp(&s, &fresh, sizeof s));
}
END_TEST

struct pp {
	sem_t ping, pong;
	int n;
};

static void *ponger(void *p)
{
	struct pp *s = p;
	for (int i = 0; i < s->n; i++) {
		sem_wait(&s->ping);
		sem_post(&s->pong);
	}
	return NULL;
}

START_TEST(ping_pong)
{
	struct pp s = { .n = 20000 };
	sem_init(&s.ping, 0, 0);
	sem_init(&s.pong, 0, 0);
	pthread_t t;
	pthread_create(&t, NULL, ponger, &s);
	for (int i = 0; i < s.n; i++) {
		sem_post(&s.ping);
		ck_assert_int_eq(sem_wait(&s.pong), 0);
	}
	pthread_join(t, NULL);
}
END_TEST

/* Many posters and waiters: every post is consumed exactly once. */
static void *take_many(void *p)
{
	for (int i = 0; i < 10000; i++)
		while (sem_wait(p))
			;
	return NULL;
}

static void *give_many(void *p)
{
	for (int i = 0; i < 10000; i++)
		sem_post(p);
	return NULL;
}

START_TEST(many)
{
	static sem_t s;
	sem_init(&s, 0, 0);
	pthread_t t[6];
	for (int i = 0; i < 6; i++)
		pthread_create(&t[i], NULL, i % 2 ? give_many : take_many, &s);
	for (int i = 0; i < 6; i++)
		pthread_join(t[i], NULL);
	int v;
	sem_getvalue(&s, &v);
	ck_assert_int_eq(v, 0);
}
END_TEST

START_TEST(shared_across_fork)
{
	struct pp *s = tst_shared(sizeof *s);
	s->n = 5000;
	sem_init(&s->ping, 1, 0);
	sem_init(&s->pong, 1, 0);
	pid_t pid = fork();
	if (pid == 0) {
		ponger(s);
		_exit(0);
	}
	for (int i = 0; i < s->n; i++) {
		sem_post(&s->ping);
		sem_wait(&s->pong);
	}
	ck_assert(tst_child_ok(pid));
}
END_TEST

static const char *name(void)
{
	static char buf[64];	/* fixed at first use: children share it */
	if (!buf[0])
		snprintf(buf, sizeof buf, "/ct-sync-test-%d", (int)getpid());
	return buf;
}

START_TEST(named)
{
	char path[128];
	struct stat st;
	sem_unlink(name());
	snprintf(path, sizeof path, "/dev/shm/sem.%s", name() + 1);
	ck_assert_ptr_eq(sem_open(name(), 0), SEM_FAILED);
	ck_assert_int_eq(errno, ENOENT);
	sem_t *a = sem_open(name(), O_CREAT | O_EXCL, 0600, 3);
	ck_assert_ptr_ne(a, SEM_FAILED);
	ck_assert_int_eq(stat(path, &st), 0);	/* glibc's naming */
	ck_assert_int_eq(st.st_size, sizeof(sem_t));
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_ptr_eq(sem_open(name(), O_CREAT | O_EXCL, 0600, 3), SEM_FAILED);
	ck_assert_int_eq(errno, EEXIST);
	sem_t *b = sem_open(name(), O_CREAT, 0600, 9);	/* exists: 3 */
	ck_assert_ptr_eq(a, b);		/* the same name: the same address */
	int v;
	sem_getvalue(b, &v);
	ck_assert_int_eq(v, 3);
	ck_assert_int_eq(sem_close(b), 0);
	sem_t *c = sem_open(name() + 1, 0);	/* no slash: the same file */
	ck_assert_ptr_ne(c, SEM_FAILED);
	sem_getvalue(c, &v);
	ck_assert_int_eq(v, 3);
	ck_assert_int_eq(sem_close(c), 0);
	ck_assert_int_eq(sem_wait(a), 0);	/* still mapped: one close left */
	pid_t pid = fork();
	if (pid == 0) {
		sem_t *c = sem_open(name(), 0);
		_exit(c == SEM_FAILED || sem_post(c) || sem_post(c) ||
		      sem_close(c));
	}
	ck_assert(tst_child_ok(pid));
	sem_getvalue(a, &v);
	ck_assert_int_eq(v, 4);
	ck_assert_int_eq(sem_close(a), 0);
	ck_assert_int_eq(sem_close(a), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(sem_unlink(name()), 0);
	ck_assert_int_eq(sem_unlink(name()), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_ptr_eq(sem_open("/", O_CREAT, 0600, 1), SEM_FAILED);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_eq(sem_open("/a/b", O_CREAT, 0600, 1), SEM_FAILED);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_eq(sem_open(name(), O_CREAT, 0600,
				  (unsigned)SEM_VALUE_MAX + 1), SEM_FAILED);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(sem_unlink("/a/b"), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

/* glibc's own sem_* (looked up inside libc.so.6, or libpthread.so.0
 * before glibc 2.34) on the same named semaphore as ours: the protocol
 * and the file are the same. */
START_TEST(named_with_glibc)
{
	void *libc = tst_glibc_threads();
	ck_assert_ptr_nonnull(libc);
	sem_t *(*g_open)(const char *, int, ...) = dlsym(libc, "sem_open");
	int (*g_post)(sem_t *) = dlsym(libc, "sem_post");
	int (*g_wait)(sem_t *) = dlsym(libc, "sem_wait");
	int (*g_close)(sem_t *) = dlsym(libc, "sem_close");
	ck_assert(g_open && g_post && g_wait && g_close);
	ck_assert_ptr_ne((void *)g_post, (void *)sem_post);
	sem_unlink(name());
	sem_t *g = g_open(name(), O_CREAT | O_EXCL, 0600, 0);
	ck_assert_ptr_ne(g, SEM_FAILED);
	sem_t *o = sem_open(name(), 0);
	ck_assert_ptr_ne(o, SEM_FAILED);
	ck_assert_int_eq(g_post(g), 0);
	ck_assert_int_eq(sem_trywait(o), 0);
	/* A glibc waiter blocked in the kernel is woken by our post. */
	pid_t pid = fork();
	if (pid == 0)
		_exit(g_wait(g) != 0);
	usleep(20000);
	ck_assert_int_eq(sem_post(o), 0);
	ck_assert(tst_child_ok(pid));
	/* And the other way round. */
	pid = fork();
	if (pid == 0)
		_exit(sem_wait(o) != 0);
	usleep(20000);
	ck_assert_int_eq(g_post(g), 0);
	ck_assert(tst_child_ok(pid));
	g_close(g);
	sem_close(o);
	ck_assert_int_eq(sem_unlink(name()), 0);
}
END_TEST

TST_SUITE(sem_suite)
{
	Suite *s = suite_create("sem");
	TCase *tc = tst_tcase("sem");
	tcase_add_test(tc, counting_and_errors);
	tcase_add_test(tc, timeouts);
	tcase_add_test(tc, ping_pong);
	tcase_add_test(tc, many);
	tcase_add_test(tc, shared_across_fork);
	tcase_add_test(tc, named);
	tst_tcase_add_beyond_glibc(tc, named_with_glibc,
		"it checks the library against glibc's own sem_*");
	suite_add_tcase(s, tc);
	return s;
}
