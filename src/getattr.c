/* SPDX-License-Identifier: MIT */
/* pthread_getattr_np: the attributes a running thread actually has. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include "cancel.h"
#include "glibc/glibc.h"

extern void *__libc_stack_end;

/* The initial thread's stack, as glibc computes it: it ends with the page
 * above __libc_stack_end (the arguments, environment and auxiliary vector
 * further up do not count), and reaches down as far as RLIMIT_STACK
 * allows, less what of the mapping holding __libc_stack_end lies above
 * that end, and never into the mapping below.  The top is thus not the
 * mapping's end, which moves when the mapping is split: a dlopen that
 * makes the stack executable changes it from the page holding
 * __libc_stack_end down.  The stream's I/O would be cancellation points:
 * the caller turns cancellation off. */
static int main_stack(void **addr, size_t *size)
{
	FILE *f = fopen("/proc/self/maps", "re");
	if (!f)
		return errno;
	struct rlimit rl;
	int err = getrlimit(RLIMIT_STACK, &rl) ? errno : ENOENT;
	uintptr_t from, to, last_to = 0, end = (uintptr_t)__libc_stack_end;
	uintptr_t top = (end & ~(ct_page_size - 1)) + ct_page_size;
	char *line = NULL;
	size_t cap = 0;
	while (err == ENOENT && getline(&line, &cap, f) > 0) {
		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR, &from, &to) != 2)
			continue;
		if (from <= end && end < to) {
			size_t s = (rl.rlim_cur - (to - top)) & ~(ct_page_size - 1);
			if (s > top - last_to)
				s = top - last_to;
			*addr = (void *)(top - s);
			*size = s;
			err = 0;
		}
		last_to = to;
	}
	free(line);
	fclose(f);
	return err;
}

static int affinity(struct ct_attr *a, pid_t tid)
{
	for (size_t size = sizeof(cpu_set_t); size <= 1 << 20; size *= 2) {
		cpu_set_t *set = malloc(size);
		if (!set)
			return ENOMEM;
		if (sched_getaffinity(tid, size, set) == 0) {
			int err = pthread_attr_setaffinity_np((pthread_attr_t *)a, size, set);
			free(set);
			return err;
		}
		free(set);
		if (errno != EINVAL)
			return errno;
	}
	return EINVAL;
}

int pthread_getattr_np(pthread_t th, pthread_attr_t *attr)
{
	struct ct_thread *t = ct_lookup(th);
	if (!t)
		return ESRCH;
	struct ct_attr *a = CT_ATTR(attr);
	int err = 0;
	pthread_attr_init(attr);
	a->detach = t->detach_state & CT_DETACHED ? PTHREAD_CREATE_DETACHED
						  : PTHREAD_CREATE_JOINABLE;
	if (t->kind == CT_OURS) {
		a->stack_addr = t->stack;
		a->stack_size = t->stack_avail;
		a->guard_size = t->guard_asked;
	} else if (t->kind == CT_MAIN) {
		int state = ct_nocancel_enter();
		err = main_stack(&a->stack_addr, &a->stack_size);
		ct_nocancel_leave(state);
		a->guard_size = 0;
	} else {	/* glibc's own descriptor knows */
		ct_glibc_stack(t->pd, &a->stack_addr, &a->stack_size,
			       &a->guard_size);
	}
	a->have_stack = true;
	pid_t tid = err ? 0 : ct_pin(t);
	if (tid) {
		int policy;
		err = ct_sched_get(t, tid, &policy, &a->param);
		a->policy = policy;
		if (!err)
			err = affinity(a, tid);
		ct_unpin(t);
	}
	if (err)
		pthread_attr_destroy(attr);
	return err;
}
