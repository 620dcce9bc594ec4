/* The synchronization test program: mutexes, condvars, rwlocks, barriers,
 * spinlocks, semaphores and C11 threads, in both link modes. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "common.h"
#include "sync_tests.h"

struct timespec st_deadline(clockid_t clock, long ms)
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

long st_elapsed_ms(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000 +
	       (now.tv_nsec - start->tv_nsec) / 1000000;
}

void *st_shared(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(p, MAP_FAILED);
	return p;
}

void st_run(int n, void *(*fn)(void *), void *arg)
{
	pthread_t t[64];
	ck_assert_int_le(n, 64);
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, fn, arg), 0);
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
}

struct in_thread {
	void *(*fn)(void *);
	void *arg;
	int tid;
};

static void *in_thread(void *arg)
{
	struct in_thread *job = arg;
	job->tid = (int)syscall(SYS_gettid);
	return job->fn(job->arg);
}

/* Returns once the thread is gone from the kernel too, so that what it
 * held is a dead owner's.  Natively the join already means that; qemu-user
 * clears the tid word and wakes the joiner itself, a moment before the
 * thread's task exits (and the kernel hands a PI mutex it held on). */
long st_in_thread(void *(*fn)(void *), void *arg)
{
	pthread_t t;
	void *r;
	struct in_thread job = { fn, arg, 0 };
	ck_assert_int_eq(pthread_create(&t, NULL, in_thread, &job), 0);
	ck_assert_int_eq(pthread_join(t, &r), 0);
	char task[64];
	snprintf(task, sizeof task, "/proc/self/task/%d", job.tid);
	while (access(task, F_OK) == 0)
		sched_yield();
	return (long)r;
}

int st_child_ok(int pid)
{
	int status;
	if (waitpid(pid, &status, 0) != pid)
		return 0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

TCase *st_tcase(const char *name)
{
	TCase *tc = tcase_create(name);
	tcase_set_timeout(tc, 30);
	return tc;
}

int main(void)
{
	static Suite *(*const suites[])(void) = {
		mutex_suite, cond_suite, rwlock_suite, barrier_spin_suite,
		sem_suite, c11_suite, NULL };
	static const char *const extra[] = {
		"pthread_mutex_lock", "pthread_mutex_unlock",
		"pthread_mutex_consistent", "pthread_mutexattr_settype",
		"pthread_cond_wait", "pthread_cond_broadcast",
		"pthread_rwlock_rdlock", "pthread_barrier_wait",
		"pthread_spin_lock", "sem_wait", "sem_post", "sem_open",
		"mtx_lock", "cnd_wait", "thrd_create", "tss_create",
		"call_once", NULL };
	return ct_test_main(suites, extra, NULL);
}
