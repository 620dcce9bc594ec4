/* SPDX-License-Identifier: MIT */
/* pthread_create: a region from the cache (or a new mapping), then the raw
 * clone system call through the arch trampoline.
 *
 * Who owns what while a thread is being created: the creator owns the
 * region until clone succeeds; from then on the new thread does (see
 * thread.h).
 *
 * Everything the child needs, its ct_self_desc and its TCB included, is
 * in place before clone, so a signal handler may run in the child from its
 * first instruction; and the child runs with its creator's signal mask,
 * which it inherits.  So signals are not blocked across clone (glibc and
 * musl block them all, and unblock them in the child): a signal that
 * interrupts clone in the creator is handled and clone restarts, as the
 * kernel does for fork (ERESTARTNOINTR).  They are blocked only where the
 * child must start with another mask (the sigmask attribute) or must wait
 * for its creator (explicit scheduling, affinity), and the child then
 * installs its mask as its first act. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "cancel.h"
#include "reuse.h"
#include "stats.h"
#include "glibc/glibc.h"
#include "valgrind.h"

static const unsigned long clone_flags =
	CLONE_VM		/* share the address space */
	| CLONE_FS		/* cwd, root, umask */
	| CLONE_FILES		/* the file descriptor table */
	| CLONE_SIGHAND		/* signal handlers */
	| CLONE_THREAD		/* same thread group: same pid, one process */
	| CLONE_SYSVSEM		/* System V semaphore undo lists */
	| CLONE_SETTLS		/* the thread pointer of the new TCB */
	| CLONE_PARENT_SETTID	/* tid written before clone returns */
	| CLONE_CHILD_CLEARTID;	/* tid zeroed and futex-woken at exit: join */

static void set_mask(const sigset_t *set, sigset_t *old)
{
	/* The raw call: glibc's wrapper would keep its own internal signals
	 * unblocked. */
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, set, old, _NSIG / 8);
}

/* The new thread, from its first instruction to its end: one frame, so
 * that the stack it takes from the thread is no deeper than glibc's. */
static int start(void *arg)
{
	struct ct_thread *first = arg;
	if (unlikely(first->startup != CT_GO)) {
		/* The creator applies scheduling attributes first. */
		while (first->startup == CT_WAIT)
			ct_futex_wait(&first->startup, CT_WAIT, CLOCK_MONOTONIC,
				      NULL, false);
		if (first->startup == CT_ABORT)
			return 0;	/* exits; the creator reaps us */
	}
	/* A reusable thread starts over here when a creator takes it from
	 * the pool (reuse.c), as the new pthread's thread.  No local lives
	 * across either longjmp: each is read afresh from ct_self(). */
	if (first->kt.reusable && ct_setjmp(&first->kt.restart, 0))
		ct_reuse_drain();
	struct ct_thread *t = ct_self();
	if (t->have_sigmask)
		set_mask(&t->sigmask, NULL);
	ct_glibc_thread_start(t);
	ct_vg_thread_start(t);
	/* The outermost frame: cancellation and pthread_exit unwind to here
	 * (unwind.c), and the thread ends with t->result -- the cancelled
	 * value unless the routine returns or calls pthread_exit. */
	struct ct_unwind_buf buf;
	t->result = PTHREAD_CANCELED;
	if (!ct_setjmp(buf.cancel_jmp_buf, 0)) {
		ct_unwind_outermost(&buf);
		if (unlikely(ct_stats_on)) ct_stats_start(t);
		t->result = t->start(t->arg);
	}
	ct_thread_exit(ct_self(), ct_self()->result);
}

static bool round_page(size_t v, size_t *out)
{
	size_t page = ct_page_size;
	if (__builtin_add_overflow(v, page - 1, out))
		return false;
	*out &= ~(page - 1);
	return true;
}

/* Scheduling attributes, applied by the creator to the new tid. */
static int apply_sched(struct ct_thread *t, const struct ct_attr *a)
{
	pid_t tid = atomic_load(ct_tid(t));
	if (a->inherit == PTHREAD_EXPLICIT_SCHED &&
	    syscall(SYS_sched_setscheduler, tid, a->policy, &a->param))
		return errno;
	if (a->ext && a->ext->cpuset &&
	    syscall(SYS_sched_setaffinity, tid, a->ext->cpusetsize, a->ext->cpuset))
		return errno;
	return 0;
}

int pthread_create(pthread_t *restrict res, const pthread_attr_t *restrict attrp,
		   void *(*fn)(void *), void *restrict arg)
{
	uint64_t called = unlikely(ct_stats_on) ? ct_stats_begin(CT_STATS_CREATE) : 0;
	struct ct_thread *t;
	ct_self();	/* initialises the library if a constructor calls us first */
	_Atomic int named __attribute__((unused)) = 0;	/* valgrind.h */
	ct_vg_create_begin(ct_self()->handle);
	struct ct_attr def;
	/* Every return goes through out: the race checkers' pthread_create
	 * ends there (ct_vg_create_end), failed or not. */
	int err = ct_attr_get_default(&def);
	if (err) {
		err = EAGAIN;
		goto out;
	}
	const struct ct_attr *a = attrp ? CT_ATTR(attrp) : &def;
	size_t stack = 0, guard = 0, guard_asked = 0;
	if (!a->have_stack &&
	    (!round_page(a->stack_size ? a->stack_size : def.stack_size, &stack) ||
	     !round_page(a->guard_size, &guard_asked))) {
		err = EINVAL;	/* absurd sizes must not wrap to small ones */
		goto out;
	}
	/* A guard, if any, is at least the CPU's minimum (as in glibc). */
	if (guard_asked)
		guard = guard_asked > CT_ARCH_MIN_GUARD ? guard_asked
							: CT_ARCH_MIN_GUARD;
	ct_glibc_go_multithreaded();
	bool sched = a->inherit == PTHREAD_EXPLICIT_SCHED ||
		     (a->ext && a->ext->cpuset);
	/* Opt-in reuse: a parked thread of this geometry starts the routine,
	 * unless the thread must begin differently than a parked one can
	 * (on the program's stack, or with scheduling set by the creator). */
	bool reusable = ct_reuse_on() && !a->have_stack && !sched;
	struct ct_thread *parked = reusable ? ct_reuse_take(stack, guard) : NULL;
	t = parked;
	if (parked && (err = ct_region_renew(t))) {
		ct_reuse_give_back(t);
		goto out;
	}
	if (!parked && (err = ct_region_get(&t, stack, guard)))
		goto out;
	t->kt.reusable = reusable;
	t->guard_asked = guard_asked;
	if (a->have_stack) {
		t->stack = a->stack_addr;
		t->stack_avail = a->stack_size;
		t->stack_top = (char *)a->stack_addr + a->stack_size;
	}
	ct_glibc_set_stack(t);
	t->start = fn;
	t->arg = arg;
	ct_vg_create_child(t, &named);
	t->detach_state = a->detach == PTHREAD_CREATE_DETACHED ? CT_DETACHED : 0;
	/* Once clone returns, a detached thread may be gone and its region
	 * reused: after that the creator touches t only while the child is
	 * held at startup (CT_WAIT). */
	t->startup = sched ? CT_WAIT : CT_GO;
	if (unlikely(ct_stats_on)) ct_stats_create(t, called, !a->have_stack && !sched, parked);

	ct_self_install(t);
	*res = t->handle;	/* visible to the new thread from its start */
	ct_list_add(t);
	ct_glibc_list_thread(t);
	atomic_fetch_add(&ct_live_threads, 1);
	bool own_mask = a->ext && a->ext->have_sigmask;
	if (parked) {
		/* It inherits nothing from us: give it our mask. */
		t->have_sigmask = true;
		if (own_mask)
			t->sigmask = a->ext->sigmask;
		else
			set_mask(NULL, &t->sigmask);
		ct_reuse_wake(t);
		goto out;
	}
	bool block = own_mask || sched;
	sigset_t all, old;
	t->have_sigmask = block;
	if (block) {
		sigfillset(&all);	/* all but glibc's internal signals */
		set_mask(&all, &old);
		t->sigmask = own_mask ? a->ext->sigmask : old;
	}

	long r = ct_clone(start, t->stack_top, clone_flags,
			  t, (int *)ct_tid(t), t->tp,
			  (int *)ct_tid(t));
	err = r < 0 ? EAGAIN : 0;
	if (!err && sched) {
		err = apply_sched(t, a);
		t->startup = err ? CT_ABORT : CT_GO;
		ct_futex_wake(&t->startup, 1, false);
		if (err)	/* the child exits without running fn */
			ct_wait_gone(t);
	}
	if (err) {
		/* Tell a set*id broadcast not to wait for this one's tid. */
		atomic_store(&t->startup, CT_ABORT);
		atomic_fetch_sub(&ct_live_threads, 1);
		ct_glibc_unlist_thread(t);
		ct_list_del(t);
		ct_region_put(t);
	}
	if (block)
		set_mask(&old, NULL);
out:
	if (unlikely(ct_stats_on)) ct_stats_created(called, attrp, &def, err);
	ct_attr_free(&def);
	ct_vg_create_end(ct_self()->handle, &named, err);
	return err;
}
