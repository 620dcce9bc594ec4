/* SPDX-License-Identifier: MIT */
/* A thread's scheduling, affinity and CPU clock, by handle: system calls
 * on its tid (pinned, so the tid is still the thread's).
 *
 * Priority protection: while a thread holds PTHREAD_PRIO_PROTECT mutexes
 * the kernel runs it at the highest of their ceilings, if that is above
 * its own priority; the program still sees and sets its own (glibc's
 * rule, nptl/tpp.c): pthread_getschedparam reports it, and
 * pthread_setschedparam and pthread_setschedprio change it, the kernel
 * getting the ceiling as long as that is higher.  The holds and the own
 * priority are the thread's, under its sched_lock, which the thread takes
 * in its PP mutex calls and others in these. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "thread.h"

/* syscall(nr, tid, a, b), errno left alone: its result, or -errno. */
static long sys(long nr, int tid, long a, long b)
{
	int saved = errno;
	long r = syscall(nr, tid, a, b);
	if (r < 0)
		r = -errno;
	errno = saved;
	return r;
}

/* sys() on the tid of the thread th names (-ESRCH for a handle of no
 * thread or of a thread that has ended). */
static long on_tid(pthread_t th, long nr, long a, long b)
{
	struct ct_thread *t = ct_lookup(th);
	int tid = t ? ct_pin(t) : 0;
	if (!tid)
		return -ESRCH;
	long r = sys(nr, tid, a, b);
	ct_unpin(t);
	return r;
}

static int err_of(long r)
{
	return r < 0 ? -r : 0;
}

/* ---- priority protection ---- */

static bool realtime(int policy)
{
	policy &= ~SCHED_RESET_ON_FORK;
	return policy == SCHED_FIFO || policy == SCHED_RR;
}

/* The priority the kernel is to give t, holding PP mutexes. */
static int raised(const struct ct_thread *t)
{
	return realtime(t->own_policy) && t->pp_max > t->own_prio
	       ? t->pp_max : t->own_prio;
}

static void count(struct ct_thread *t, int give, int take)
{
	if (give)
		t->pp_held[give]--;
	if (take)
		t->pp_held[take]++;
	int max = t->pp_max > take ? t->pp_max : take;
	while (max > 0 && !t->pp_held[max])
		max--;
	t->pp_max = max;
}

int ct_sched_pp(int give, int take)
{
	struct ct_thread *t = ct_self();
	int tid = atomic_load_explicit(ct_tid(t), memory_order_relaxed);
	long r = 0;
	ct_lock(&t->sched_lock);
	if (!t->pp_max) {	/* nothing held: the kernel's is its own */
		struct sched_param sp;
		r = sys(SYS_sched_getscheduler, tid, 0, 0);
		t->own_policy = r;
		if (r >= 0)
			r = sys(SYS_sched_getparam, tid, (long)&sp, 0);
		if (r == 0)
			t->own_prio = sp.sched_priority;
	}
	if (r == 0 && !give && realtime(t->own_policy) && t->own_prio > take)
		r = -EINVAL;
	if (r == 0 && take && t->pp_held[take] == USHRT_MAX)
		r = -EAGAIN;
	if (r == 0) {
		int before = raised(t);
		count(t, give, take);
		struct sched_param sp = { .sched_priority = raised(t) };
		if (sp.sched_priority != before) {
			r = sys(SYS_sched_setparam, tid, (long)&sp, 0);
			if (r && take)
				count(t, take, give);
			if (!take)	/* a hold given back is gone */
				r = 0;
		}
	}
	ct_unlock(&t->sched_lock);
	return err_of(r);
}

/* ---- by handle ---- */

int ct_sched_get(struct ct_thread *t, int tid, int *policy,
		 struct sched_param *param)
{
	long r = 0;
	ct_lock(&t->sched_lock);
	if (t->pp_max) {
		*policy = t->own_policy;
		*param = (struct sched_param){ .sched_priority = t->own_prio };
	} else {
		r = sys(SYS_sched_getscheduler, tid, 0, 0);
		if (r >= 0) {
			*policy = r;
			r = sys(SYS_sched_getparam, tid, (long)param, 0);
		}
	}
	ct_unlock(&t->sched_lock);
	return err_of(r);
}

/* Set t's own policy (policy < 0: keep it) and priority; the kernel's
 * stays at the ceilings t holds, if they are higher. */
static int set_own(pthread_t th, int policy, int prio)
{
	struct ct_thread *t = ct_lookup(th);
	int tid = t ? ct_pin(t) : 0;
	if (!tid)
		return ESRCH;
	ct_lock(&t->sched_lock);
	struct sched_param sp = { .sched_priority = prio };
	if (t->pp_max && realtime(policy < 0 ? t->own_policy : policy) &&
	    t->pp_max > prio)
		sp.sched_priority = t->pp_max;
	long r = policy < 0
		? sys(SYS_sched_setparam, tid, (long)&sp, 0)
		: sys(SYS_sched_setscheduler, tid, policy, (long)&sp);
	if (r == 0 && t->pp_max) {
		if (policy >= 0)
			t->own_policy = policy;
		t->own_prio = prio;
	}
	ct_unlock(&t->sched_lock);
	ct_unpin(t);
	return err_of(r);
}

int pthread_setschedparam(pthread_t th, int policy,
			  const struct sched_param *param)
{
	if (policy < 0)
		return EINVAL;
	return set_own(th, policy, param->sched_priority);
}

int pthread_setschedprio(pthread_t th, int prio)
{
	return set_own(th, -1, prio);
}

int pthread_getschedparam(pthread_t th, int *policy, struct sched_param *param)
{
	struct ct_thread *t = ct_lookup(th);
	int tid = t ? ct_pin(t) : 0;
	if (!tid)
		return ESRCH;
	int err = ct_sched_get(t, tid, policy, param);
	ct_unpin(t);
	return err;
}

int pthread_setaffinity_np(pthread_t th, size_t size, const cpu_set_t *set)
{
	return err_of(on_tid(th, SYS_sched_setaffinity, size, (long)set));
}

/* The kernel fills what it knows; the rest of the set is cleared. */
int pthread_getaffinity_np(pthread_t th, size_t size, cpu_set_t *set)
{
	long r = on_tid(th, SYS_sched_getaffinity, size > INT_MAX ? INT_MAX : size,
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
