/* A thread's scheduling, affinity and CPU clock, by handle: system calls
 * on its tid (pinned, so the tid is still the thread's). */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "thread.h"

/* syscall(nr, tid, a, b) on the thread's tid: its result, or -errno
 * (-ESRCH for a handle of no thread or of a thread that has ended). */
static int on_tid(pthread_t th, long nr, long a, long b)
{
	struct ct_thread *t = ct_lookup(th);
	int tid = t ? ct_pin(t) : 0;
	if (!tid)
		return -ESRCH;
	int saved = errno;
	long r = syscall(nr, tid, a, b);
	int err = r < 0 ? errno : 0;
	errno = saved;
	ct_unpin(t);
	return err ? -err : (int)r;
}

static int err_of(int r)
{
	return r < 0 ? -r : 0;
}

int pthread_setschedparam(pthread_t th, int policy,
			  const struct sched_param *param)
{
	return err_of(on_tid(th, SYS_sched_setscheduler, policy, (long)param));
}

int pthread_getschedparam(pthread_t th, int *policy, struct sched_param *param)
{
	int r = on_tid(th, SYS_sched_getscheduler, 0, 0);
	if (r < 0)
		return -r;
	*policy = r;
	return err_of(on_tid(th, SYS_sched_getparam, (long)param, 0));
}

int pthread_setschedprio(pthread_t th, int prio)
{
	int r = on_tid(th, SYS_sched_getscheduler, 0, 0);
	if (r < 0)
		return -r;
	struct sched_param p = { .sched_priority = prio };
	return pthread_setschedparam(th, r, &p);
}

int pthread_setaffinity_np(pthread_t th, size_t size, const cpu_set_t *set)
{
	return err_of(on_tid(th, SYS_sched_setaffinity, size, (long)set));
}

/* The kernel fills what it knows; the rest of the set is cleared. */
int pthread_getaffinity_np(pthread_t th, size_t size, cpu_set_t *set)
{
	int r = on_tid(th, SYS_sched_getaffinity, size > INT_MAX ? INT_MAX : size,
		       (long)set);
	if (r < 0)
		return -r;
	memset((char *)set + r, 0, size - r);
	return 0;
}

/* The kernel's per-thread CPU clock: ~tid << 3 | CPUCLOCK_PERTHREAD |
 * CPUCLOCK_SCHED. */
int pthread_getcpuclockid(pthread_t th, clockid_t *clock)
{
	struct ct_thread *t = ct_lookup(th);
	int tid = t ? atomic_load(ct_tid(t)) : 0;
	if (!tid)
		return ESRCH;
	*clock = (clockid_t)((~(unsigned)tid << 3) | 4 | 2);
	return 0;
}

/* <pthread.h> redirects pthread_yield to sched_yield: the symbol is
 * defined under its own name for the binaries that still import it. */
int ct_pthread_yield(void) __asm__("pthread_yield");
int ct_pthread_yield(void)
{
	sched_yield();
	return 0;
}

/* Threads are scheduled by the kernel one to one: the level is only
 * remembered, as POSIX allows. */
static ct_private _Atomic int concurrency;

int pthread_setconcurrency(int level)
{
	if (level < 0)
		return EINVAL;
	atomic_store(&concurrency, level);
	return 0;
}

int pthread_getconcurrency(void)
{
	return atomic_load(&concurrency);
}

/* A relic of LinuxThreads; glibc's does nothing either. */
void pthread_kill_other_threads_np(void)
{
}
