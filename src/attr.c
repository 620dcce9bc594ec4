/* SPDX-License-Identifier: MIT */
/* pthread_attr_*: the attributes live inside glibc's pthread_attr_t
 * (struct ct_attr, thread.h); affinity and signal mask, which do not
 * fit, in a separately allocated extension owned by the object. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include "thread.h"

/* glibc 2.32's answer for "no mask set"; the library builds on older
 * headers too (one build serves every later release). */
#ifndef PTHREAD_ATTR_NO_SIGMASK_NP
#define PTHREAD_ATTR_NO_SIGMASK_NP (-1)
#endif

int pthread_attr_init(pthread_attr_t *attr)
{
	memset(attr, 0, sizeof *attr);
	struct ct_attr *a = CT_ATTR(attr);
	a->detach = PTHREAD_CREATE_JOINABLE;
	a->policy = SCHED_OTHER;
	a->inherit = PTHREAD_INHERIT_SCHED;
	a->scope = PTHREAD_SCOPE_SYSTEM;
	a->guard_size = ct_page_size;
	return 0;
}

static void free_ext(struct ct_attr *a)
{
	if (a->ext)
		free(a->ext->cpuset);
	free(a->ext);
	a->ext = NULL;
}

int pthread_attr_destroy(pthread_attr_t *attr)
{
	free_ext(CT_ATTR(attr));
	return 0;
}

int ct_attr_copy(struct ct_attr *dst, const struct ct_attr *src)
{
	*dst = *src;
	dst->ext = NULL;
	if (!src->ext)
		return 0;
	if (!(dst->ext = malloc(sizeof *dst->ext)))
		return ENOMEM;
	*dst->ext = *src->ext;
	if (src->ext->cpuset) {
		dst->ext->cpuset = malloc(src->ext->cpusetsize);
		if (!dst->ext->cpuset) {
			free(dst->ext);
			dst->ext = NULL;
			return ENOMEM;
		}
		memcpy(dst->ext->cpuset, src->ext->cpuset, src->ext->cpusetsize);
	}
	return 0;
}

void ct_attr_free(struct ct_attr *a)
{
	free_ext(a);
}

static struct ct_attr_ext *ext(struct ct_attr *a)
{
	if (!a->ext)
		a->ext = calloc(1, sizeof *a->ext);
	return a->ext;
}

int pthread_attr_setdetachstate(pthread_attr_t *attr, int v)
{
	if (v != PTHREAD_CREATE_JOINABLE && v != PTHREAD_CREATE_DETACHED)
		return EINVAL;
	CT_ATTR(attr)->detach = v;
	return 0;
}

int pthread_attr_getdetachstate(const pthread_attr_t *attr, int *v)
{
	*v = CT_ATTR(attr)->detach;
	return 0;
}

int pthread_attr_setguardsize(pthread_attr_t *attr, size_t v)
{
	CT_ATTR(attr)->guard_size = v;
	return 0;
}

int pthread_attr_getguardsize(const pthread_attr_t *attr, size_t *v)
{
	*v = CT_ATTR(attr)->guard_size;
	return 0;
}

int pthread_attr_setinheritsched(pthread_attr_t *attr, int v)
{
	if (v != PTHREAD_INHERIT_SCHED && v != PTHREAD_EXPLICIT_SCHED)
		return EINVAL;
	CT_ATTR(attr)->inherit = v;
	return 0;
}

int pthread_attr_getinheritsched(const pthread_attr_t *attr, int *v)
{
	*v = CT_ATTR(attr)->inherit;
	return 0;
}

static bool valid_policy(int p)
{
	return p == SCHED_OTHER || p == SCHED_FIFO || p == SCHED_RR;
}

int pthread_attr_setschedpolicy(pthread_attr_t *attr, int v)
{
	if (!valid_policy(v))
		return EINVAL;
	CT_ATTR(attr)->policy = v;
	return 0;
}

int pthread_attr_getschedpolicy(const pthread_attr_t *attr, int *v)
{
	*v = CT_ATTR(attr)->policy;
	return 0;
}

int pthread_attr_setschedparam(pthread_attr_t *attr, const struct sched_param *p)
{
	struct ct_attr *a = CT_ATTR(attr);
	if (p->sched_priority < sched_get_priority_min(a->policy) ||
	    p->sched_priority > sched_get_priority_max(a->policy))
		return EINVAL;
	a->param = *p;
	return 0;
}

int pthread_attr_getschedparam(const pthread_attr_t *attr, struct sched_param *p)
{
	*p = CT_ATTR(attr)->param;
	return 0;
}

int pthread_attr_setscope(pthread_attr_t *attr, int v)
{
	if (v == PTHREAD_SCOPE_PROCESS)
		return ENOTSUP;	/* Linux threads are system-scope only */
	if (v != PTHREAD_SCOPE_SYSTEM)
		return EINVAL;
	CT_ATTR(attr)->scope = v;
	return 0;
}

int pthread_attr_getscope(const pthread_attr_t *attr, int *v)
{
	*v = CT_ATTR(attr)->scope;
	return 0;
}

int pthread_attr_setstacksize(pthread_attr_t *attr, size_t v)
{
	if (v < (size_t)PTHREAD_STACK_MIN)
		return EINVAL;
	CT_ATTR(attr)->stack_size = v;
	return 0;
}

int pthread_attr_getstacksize(const pthread_attr_t *attr, size_t *v)
{
	struct ct_attr *a = CT_ATTR(attr);
	if (a->stack_size) {
		*v = a->stack_size;
	} else {
		struct ct_attr def;
		int err = ct_attr_get_default(&def);
		if (err)
			return err;
		*v = def.stack_size;
		ct_attr_free(&def);
	}
	return 0;
}

int pthread_attr_setstack(pthread_attr_t *attr, void *addr, size_t size)
{
	if (size < (size_t)PTHREAD_STACK_MIN)
		return EINVAL;
	struct ct_attr *a = CT_ATTR(attr);
	a->stack_addr = addr;
	a->stack_size = size;
	a->have_stack = true;
	return 0;
}

int pthread_attr_getstack(const pthread_attr_t *attr, void **addr, size_t *size)
{
	*addr = CT_ATTR(attr)->stack_addr;
	return pthread_attr_getstacksize(attr, size);
}

/* Obsolete: addr is the stack's top on a downward-growing stack. */
int pthread_attr_setstackaddr(pthread_attr_t *attr, void *top)
{
	struct ct_attr *a = CT_ATTR(attr);
	size_t size;
	pthread_attr_getstacksize(attr, &size);
	a->stack_addr = (char *)top - size;
	a->stack_size = size;
	a->have_stack = true;
	return 0;
}

int pthread_attr_getstackaddr(const pthread_attr_t *attr, void **top)
{
	struct ct_attr *a = CT_ATTR(attr);
	*top = (char *)a->stack_addr + a->stack_size;
	return 0;
}

int pthread_attr_setaffinity_np(pthread_attr_t *attr, size_t size,
				const cpu_set_t *set)
{
	struct ct_attr *a = CT_ATTR(attr);
	if (!size) {
		if (a->ext) {
			free(a->ext->cpuset);
			a->ext->cpuset = NULL;
			a->ext->cpusetsize = 0;
		}
		return 0;
	}
	cpu_set_t *copy = malloc(size);
	if (!copy || !ext(a)) {
		free(copy);
		return ENOMEM;
	}
	memcpy(copy, set, size);
	free(a->ext->cpuset);
	a->ext->cpuset = copy;
	a->ext->cpusetsize = size;
	return 0;
}

int pthread_attr_getaffinity_np(const pthread_attr_t *attr, size_t size,
				cpu_set_t *set)
{
	const struct ct_attr_ext *e = CT_ATTR(attr)->ext;
	if (!e || !e->cpuset) {
		memset(set, 0xff, size);	/* no restriction */
		return 0;
	}
	/* Bits beyond the caller's buffer must all be clear. */
	for (size_t i = size; i < e->cpusetsize; i++)
		if (((const char *)e->cpuset)[i])
			return EINVAL;
	size_t n = size < e->cpusetsize ? size : e->cpusetsize;
	memcpy(set, e->cpuset, n);
	memset((char *)set + n, 0, size - n);
	return 0;
}

int pthread_attr_setsigmask_np(pthread_attr_t *attr, const sigset_t *mask)
{
	struct ct_attr *a = CT_ATTR(attr);
	if (!mask) {
		if (a->ext)
			a->ext->have_sigmask = false;
		return 0;
	}
	if (!ext(a))
		return ENOMEM;
	a->ext->sigmask = *mask;
	a->ext->have_sigmask = true;
	return 0;
}

int pthread_attr_getsigmask_np(const pthread_attr_t *attr, sigset_t *mask)
{
	const struct ct_attr_ext *e = CT_ATTR(attr)->ext;
	if (!e || !e->have_sigmask) {
		sigemptyset(mask);
		return PTHREAD_ATTR_NO_SIGMASK_NP;
	}
	*mask = e->sigmask;
	return 0;
}
