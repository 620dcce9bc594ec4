/* SPDX-License-Identifier: MIT */
/* The helpers every test program shares (common.h). */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <gnu/libc-version.h>
#include <malloc.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "common.h"

int tst_test_glibc(void)
{
	static int mode = -1;
	if (mode < 0) {
		const char *impl = getenv("CT_TEST_IMPL");
		mode = impl && !strcmp(impl, "glibc");
	}
	return mode;
}

static int count_task_entries(void);
/* Tasks that were there before main's first thread: an emulator's own
 * (qemu-user keeps a thread of its own, in forked children too). */
static int tasks_before_main;
static void note_emulator_tasks(void);

/* Threads a constructor ran and joined (libinitfirst's) may still be in
 * the task list: under qemu-user, which clears the tid word itself before
 * the thread ends, for a moment.  The fewest tasks seen in 100 ms. */
static int tasks_settled(void)
{
	int n = count_task_entries();
	struct timespec ms10 = { 0, 10000000 };
	for (int i = 0; tst_test_emulated() && i < 10; i++) {
		nanosleep(&ms10, NULL);
		int again = count_task_entries();
		if (again < n)
			n = again;
	}
	return n;
}

void tst_note_start(void)
{
	tasks_before_main = tasks_settled();
	note_emulator_tasks();
}

int tst_glibc_release_before(int major, int minor)
{
	int ma = 0, mi = 0;
	if (sscanf(gnu_get_libc_version(), "%d.%d", &ma, &mi) != 2)
		return 0;
	return ma < major || (ma == major && mi < minor);
}

int tst_test_glibc_before(int major, int minor)
{
	return tst_test_glibc() && tst_glibc_release_before(major, minor);
}

void *tst_glibc_threads(void)
{
	void *h = dlopen("libpthread.so.0", RTLD_NOW | RTLD_NOLOAD);
	if (!h || !dlsym(h, "pthread_getattr_np"))
		h = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	return h;
}

void tst_check_own(pthread_t th, int own)
{
	if (tst_test_glibc())
		return;
	int (*is_own)(pthread_t) = (int (*)(pthread_t))
		dlsym(RTLD_DEFAULT, "clonethreads_is_own_thread");
	ck_assert_msg(is_own != NULL, "clonethreads_is_own_thread not found");
	ck_assert_int_eq(is_own(th), own);
}

const char *tst_module_path(const char *file)
{
	static char path[4096];
	const char *dir = getenv("CT_TEST_MODULE_DIR");
	snprintf(path, sizeof path, "%s/%s", dir ? dir : "tests/.libs", file);
	return path;
}

void tst_wait_at_least(atomic_int *v, int n)
{
	while (atomic_load(v) < n)
		sched_yield();
}

void tst_gate_pass(atomic_int *gate, int n)
{
	atomic_fetch_add(gate, 1);
	tst_wait_at_least(gate, n);
}

pthread_t tst_start(const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
	pthread_t th;
	int err = pthread_create(&th, attr, fn, arg);
	ck_assert_msg(err == 0, "pthread_create: %s", strerror(err));
	return th;
}

void *tst_join(pthread_t th)
{
	void *ret = NULL;
	int err = pthread_join(th, &ret);
	ck_assert_msg(err == 0, "pthread_join: %s", strerror(err));
	return ret;
}

void tst_run(int n, void *(*fn)(void *), void *arg)
{
	pthread_t t[64];
	ck_assert_int_le(n, 64);
	for (int i = 0; i < n; i++)
		t[i] = tst_start(NULL, fn, arg);
	for (int i = 0; i < n; i++)
		tst_join(t[i]);
}

struct in_thread {
	void *(*fn)(void *);
	void *arg;
	int tid;
};

static void *in_thread(void *arg)
{
	struct in_thread *job = arg;
	job->tid = tst_gettid();
	return job->fn(job->arg);
}

/* Natively the join already means the thread is gone; qemu-user clears
 * the tid word and wakes the joiner itself, a moment before the thread's
 * task exits (and the kernel hands a PI mutex it held on): what it held
 * is a dead owner's only then. */
long tst_in_thread(void *(*fn)(void *), void *arg)
{
	struct in_thread job = { fn, arg, 0 };
	long r = (long)tst_join(tst_start(NULL, in_thread, &job));
	while (tst_task_state(job.tid))
		sched_yield();
	return r;
}

TCase *tst_tcase(const char *name)
{
	TCase *tc = tcase_create(name);
	tcase_set_timeout(tc, 30);
	return tc;
}

void *tst_shared(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(p, MAP_FAILED);
	return p;
}

struct timespec tst_deadline(clockid_t clock, long ms)
{
	struct timespec t;
	clock_gettime(clock, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

long tst_elapsed_ms(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000 +
	       (now.tv_nsec - start->tv_nsec) / 1000000;
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

int tst_in_child(int (*fn)(void *), void *arg)
{
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		note_emulator_tasks();
		int ret = fn(arg);
		fflush(NULL);
		_exit(ret);
	}
	return wait_status(pid);
}

int tst_child_ok(int pid)
{
	return wait_status(pid) == 0;
}

/* This program again.  Under an emulator (TEST_EMULATOR, a qemu-user
 * command, which passes exec through to the machine) that means the
 * emulator with this program's path. */
static void exec_self(void)
{
	const char *emulator = getenv("TEST_EMULATOR");
	if (!emulator || !*emulator) {
		execl("/proc/self/exe", "test-scenario", (char *)NULL);
		return;
	}
	static char exe[4096], words[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n < 0 || strlen(emulator) >= sizeof words)
		return;
	exe[n] = 0;
	strcpy(words, emulator);
	char *argv[64];
	int argc = 0;
	for (char *w = strtok(words, " "); w && argc < 62; w = strtok(NULL, " "))
		argv[argc++] = w;
	argv[argc++] = exe;
	argv[argc] = NULL;
	execvp(argv[0], argv);
}

int tst_rerun(const char *scenario, const char *const *env)
{
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		for (; env && *env; env++)
			putenv((char *)*env);
		setenv(TST_SCENARIO_VAR, scenario, 1);
		exec_self();
		_exit(127);
	}
	return wait_status(pid);
}

#define MARKER_VAR "CT_MARKER"

int tst_rerun_marked(const char *scenario, char *out, size_t size)
{
	const char *tmp = getenv("TMPDIR");
	char path[512], env[sizeof path + 16];
	snprintf(path, sizeof path, "%s/ct-%s-XXXXXX", tmp ? tmp : "/tmp",
		 scenario);
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	snprintf(env, sizeof env, MARKER_VAR "=%s", path);
	const char *const envs[] = { env, NULL };
	int status = tst_rerun(scenario, envs);
	ssize_t n = read(fd, out, size - 1);
	close(fd);
	unlink(path);
	out[n > 0 ? n : 0] = 0;
	return status;
}

FILE *tst_marker(void)
{
	const char *path = getenv(MARKER_VAR);
	return path ? fopen(path, "w") : NULL;
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

int tst_count_maps(void)
{
	return count_lines("/proc/self/maps");
}

int tst_malloc_arenas(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(malloc_info(0, f), 0);
	fclose(f);
	int n = 0;
	for (const char *p = text; (p = strstr(p, "<heap nr=")); p++)
		n++;
	free(text);
	return n;
}

/* Called from main too, outside any test: no ck_assert here. */
static int count_task_entries(void)
{
	DIR *d = opendir("/proc/self/task");
	if (!d) {
		perror("/proc/self/task");
		exit(99);
	}
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* The emulator's tasks of this process: those beside the caller when it
 * started (main, or a tst_in_child child). */
static int emulator_tids[8], n_emulator_tids;

static void note_emulator_tasks(void)
{
	n_emulator_tids = 0;
	DIR *d = opendir("/proc/self/task");
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)) && n_emulator_tids < 8) {
		int tid = atoi(e->d_name);
		if (tid > 0 && tid != tst_gettid())
			emulator_tids[n_emulator_tids++] = tid;
	}
	closedir(d);
}

int tst_emulator_task(int tid)
{
	for (int i = 0; i < n_emulator_tids; i++)
		if (emulator_tids[i] == tid)
			return 1;
	return 0;
}

int tst_count_tasks(void)
{
	return count_task_entries() - tasks_before_main + 1;
}

int tst_tasks_settle(int n)
{
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	int c;
	while ((c = tst_count_tasks()) > n) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= 2)
			break;
		sched_yield();
	}
	return c;
}

void tst_test_left_out(const char *test, const char *why)
{
	printf("left out: %s (%s)\n", test, why);
	fflush(stdout);
}

/* Where this thread's TLS is: an opaque call, so that the compiler
 * cannot reuse an address computed before a signal. */
static __thread int tls_marker;
static void *tls_marker_address(void)
{
	void *p = &tls_marker;
	__asm__ volatile ("" : "+r" (p));
	return p;
}
static void *(*volatile tls_marker_at)(void) = tls_marker_address;

static void *returns_arg(void *arg) { return arg; }
static void ignores_signal(int sig) { (void)sig; }

/* In a child: a thread made and joined (the newest thread's TLS is then
 * another than main's), then a handler run and returned from in main. */
static int probe_signal_return(void)
{
	pthread_t th;
	if (pthread_create(&th, NULL, returns_arg, NULL) ||
	    pthread_join(th, NULL))
		return 2;
	void *before = tls_marker_at();
	signal(SIGUSR1, ignores_signal);
	raise(SIGUSR1);
	return tls_marker_at() != before;
}

int tst_signal_return_keeps_tls(const char *test)
{
	static int keeps = -1;
	if (keeps < 0) {
		/* Not tst_in_child: Check's assertions are for tests only,
		 * and suites call this while they are being made. */
		fflush(NULL);
		pid_t pid = fork();
		if (pid == 0)
			_exit(probe_signal_return());
		keeps = pid > 0 && wait_status(pid) == 0;
	}
	if (!keeps)
		tst_test_left_out(test, "a thread returning from a signal handler "
				 "goes on with another thread's TLS here, glibc's "
				 "too (qemu-i386 reloads %gs from a table all "
				 "threads share)");
	return keeps;
}

int tst_test_emulated(void)
{
	const char *emulator = getenv("TEST_EMULATOR");
	return emulator && *emulator;
}

int tst_test_scaled(int n, int div)
{
	if (!tst_test_emulated())
		return n;
	return n / div > 0 ? n / div : 1;
}

int tst_gettid(void)
{
	return (int)syscall(SYS_gettid);
}

char tst_task_state(int tid)
{
	char path[64], line[512];
	snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	char *p = fgets(line, sizeof line, f);
	fclose(f);
	p = p ? strrchr(line, ')') : NULL;
	return p ? p[2] : 0;
}

/* S (sleeping) twice, 1 ms apart, is taken as blocked. */
int tst_wait_blocked(int tid)
{
	struct timespec ms = { 0, 1000000 };
	for (int asleep = 0; asleep < 2; ) {
		char s = tst_task_state(tid);
		if (!s)
			return 0;
		asleep = s == 'S' ? asleep + 1 : 0;
		nanosleep(&ms, NULL);
	}
	return 1;
}

int tst_test_reuse(void)
{
	const char *v = getenv("CLONETHREADS_REUSE");
	return v && atoi(v) > 0 && !tst_test_glibc();
}

void tst_test_quiesce(void)
{
	if (!tst_test_reuse())
		return;
	int (*set_reuse)(unsigned) = (int (*)(unsigned))
		dlsym(RTLD_DEFAULT, "clonethreads_set_reuse");
	ck_assert_ptr_nonnull(set_reuse);
	int old = set_reuse(0);
	tst_tasks_settle(1);
	set_reuse(old);
}

int tst_wait_ended(int tid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/self/task/%d", tid);
	if (tst_test_reuse())
		return tst_wait_blocked(tid);	/* gone, or parked */
	while (access(path, F_OK) == 0)
		sched_yield();
	return 1;
}

size_t tst_malloc_in_use(void)
{
#if __GLIBC_PREREQ(2, 33)
	struct mallinfo2 m = mallinfo2();
	return m.uordblks + m.hblkhd;
#else
	/* int fields: right while the heap stays under 2 GiB, as here */
	struct mallinfo m = mallinfo();
	return (size_t)(unsigned)m.uordblks + (size_t)(unsigned)m.hblkhd;
#endif
}
