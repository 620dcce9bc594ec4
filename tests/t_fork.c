/* fork from a thread, and from main while threads run: the child has
 * working stdio and malloc, pthread_self, and can create threads. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "core.h"

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
	CT_CHILD_CHECK(pthread_equal(pthread_self(), j->self));
	CT_CHILD_CHECK(ct_gettid() == getpid());
	void *blocks[64];
	for (int i = 0; i < 64; i++) {
		blocks[i] = malloc(1 + i * 997);
		CT_CHILD_CHECK(blocks[i] != NULL);
		memset(blocks[i], i, 1 + i * 997);
	}
	for (int i = 0; i < 64; i++)
		free(blocks[i]);
	CT_CHILD_CHECK(dup2(j->fd, STDOUT_FILENO) == STDOUT_FILENO);
	pthread_t th;
	CT_CHILD_CHECK(pthread_create(&th, NULL, child_thread, (void *)1) == 0);
	void *ret;
	CT_CHILD_CHECK(pthread_join(th, &ret) == 0);
	CT_CHILD_CHECK(ret != NULL);
	free(ret);
	printf("child main\n");
	CT_CHILD_CHECK(fflush(stdout) == 0);
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
	int status = ct_in_child(fork_child, &j);
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
		busy[i] = ct_start(NULL, busy_thread, NULL);
	pthread_t th = ct_start(NULL, forking_thread, NULL);
	intptr_t err = (intptr_t)ct_join(th);
	atomic_store(&busy_stop, 1);
	for (int i = 0; i < 2; i++)
		ck_assert_ptr_null(ct_join(busy[i]));
	ck_assert_msg(err == 0, "fork from a thread: %s %d",
		      err >= 1000 ? "child exit status" : "code",
		      (int)(err >= 1000 ? err - 1000 : err));
}
END_TEST

START_TEST(test_fork_from_main)
{
	pthread_t busy[2];
	for (int i = 0; i < 2; i++)
		busy[i] = ct_start(NULL, busy_thread, NULL);
	intptr_t err = 0;
	for (int i = 0; i < 10 && !err; i++)
		err = fork_once();
	atomic_store(&busy_stop, 1);
	for (int i = 0; i < 2; i++)
		ck_assert_ptr_null(ct_join(busy[i]));
	ck_assert_msg(err == 0, "fork from main: %s %d",
		      err >= 1000 ? "child exit status" : "code",
		      (int)(err >= 1000 ? err - 1000 : err));
	/* the parent's threads still work */
	pthread_t th = ct_start(NULL, child_thread, NULL);
	free(ct_join(th));
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
		th[i] = ct_start(NULL, spawn_thread, (void *)(i + 3));
	for (int i = 0; i < 4; i++)
		ck_assert_ptr_null(ct_join(th[i]));
}
END_TEST

Suite *fork_suite(void)
{
	Suite *s = suite_create("fork");
	TCase *tc = tcase_create("fork");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_fork_from_thread);
	tcase_add_test(tc, test_fork_from_main);
	tcase_add_test(tc, test_spawn_from_threads);
	suite_add_tcase(s, tc);
	return s;
}
