/* The foundation's tests: creation, exit, join, TLS, keys, attributes,
 * glibc coexistence and fork.  This file holds main and the helpers that
 * every suite shares (core.h). */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "core.h"

void ct_wait_at_least(atomic_int *v, int n)
{
	while (atomic_load(v) < n)
		sched_yield();
}

void ct_gate_pass(atomic_int *gate, int n)
{
	atomic_fetch_add(gate, 1);
	ct_wait_at_least(gate, n);
}

pthread_t ct_start(const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
	pthread_t th;
	int err = pthread_create(&th, attr, fn, arg);
	ck_assert_msg(err == 0, "pthread_create: %s", strerror(err));
	return th;
}

void *ct_join(pthread_t th)
{
	void *ret = NULL;
	int err = pthread_join(th, &ret);
	ck_assert_msg(err == 0, "pthread_join: %s", strerror(err));
	return ret;
}

static int wait_status(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int ct_in_child(int (*fn)(void *), void *arg)
{
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int ret = fn(arg);
		fflush(NULL);
		_exit(ret);
	}
	return wait_status(pid);
}

#define SCENARIO_VAR "CT_CORE_SCENARIO"

int ct_rerun(const char *scenario, const char *const *env)
{
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		for (; env && *env; env++)
			putenv((char *)*env);
		setenv(SCENARIO_VAR, scenario, 1);
		execl("/proc/self/exe", "core-scenario", (char *)NULL);
		_exit(127);
	}
	return wait_status(pid);
}

static int count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	int n = 0, c;
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

int ct_count_maps(void)
{
	return count_lines("/proc/self/maps");
}

int ct_count_tasks(void)
{
	DIR *d = opendir("/proc/self/task");
	ck_assert_ptr_nonnull(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

int ct_gettid(void)
{
	return (int)syscall(SYS_gettid);
}

/* Scenarios: ct_rerun starts this program again with SCENARIO_VAR set, and
 * main runs just that case (for what must be set before start-up, or must
 * own the whole process, such as pthread_exit from main). */
static int malloc_scenario(void)
{
	return ct_malloc_stress(8, 30000);
}

static const struct {
	const char *name;
	int (*run)(void);
} scenarios[] = {
	{ "malloc", malloc_scenario },
	{ "exit-main", ct_exit_main_scenario },
};

/* Every other pthread function the core tests call. */
static const char *const extra[] = {
	"pthread_detach", "pthread_exit", "pthread_equal", "pthread_once",
	"pthread_tryjoin_np", "pthread_timedjoin_np", "pthread_clockjoin_np",
	"pthread_key_create", "pthread_key_delete",
	"pthread_getspecific", "pthread_setspecific",
	"pthread_attr_init", "pthread_attr_destroy",
	"pthread_attr_setdetachstate", "pthread_attr_getdetachstate",
	"pthread_attr_setstacksize", "pthread_attr_getstacksize",
	"pthread_attr_setguardsize", "pthread_attr_getguardsize",
	"pthread_attr_setstack", "pthread_attr_getstack",
	"pthread_attr_setschedpolicy", "pthread_attr_getschedpolicy",
	"pthread_attr_setschedparam", "pthread_attr_getschedparam",
	"pthread_attr_setinheritsched", "pthread_attr_getinheritsched",
	"pthread_attr_setscope", "pthread_attr_getscope",
	"pthread_attr_setaffinity_np", "pthread_attr_getaffinity_np",
	"pthread_attr_setsigmask_np", "pthread_attr_getsigmask_np",
	"pthread_getattr_np", "pthread_getattr_default_np",
	"pthread_setattr_default_np", "clonethreads_is_own_thread",
	NULL
};

int main(void)
{
	const char *scenario = getenv(SCENARIO_VAR);
	if (scenario) {
		static const char *const base[] = {
			"pthread_create", "pthread_join", NULL };
		ct_test_assert_ours(base);
		ct_test_assert_ours(extra);
		for (size_t i = 0; i < sizeof scenarios / sizeof *scenarios; i++)
			if (!strcmp(scenario, scenarios[i].name))
				return scenarios[i].run();
		fprintf(stderr, "unknown scenario %s\n", scenario);
		return 2;
	}
	static Suite *(*const suites[])(void) = {
		create_suite, tls_suite, keys_suite, attr_suite,
		glibc_suite, fork_suite, NULL
	};
	return ct_test_run(suites, extra);
}
