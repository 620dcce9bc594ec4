/* SPDX-License-Identifier: MIT */
/* The attributes pthread_create uses without an attribute object:
 * pthread_setattr_default_np / pthread_getattr_default_np. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <sys/resource.h>
#include "thread.h"

hidden ct_private ct_lock_t ct_default_attr_lock;
/* A whole pthread_attr_t, which pthread_attr_init fills: struct ct_attr,
 * its inside, is smaller on some CPUs (i386, aarch64), where the rest of
 * that write would land on the next variable. */
static ct_private pthread_attr_t def_attr;
static struct ct_attr *const def = CT_ATTR(&def_attr);

/* glibc's choice: RLIMIT_STACK's soft limit at start-up, the arch default
 * when that is unlimited, never below PTHREAD_STACK_MIN. */
void ct_attr_init_default(void)
{
	struct rlimit rl;
	size_t page = ct_page_size, size;
	if (getrlimit(RLIMIT_STACK, &rl) || rl.rlim_cur == RLIM_INFINITY)
		size = CT_ARCH_STACK_DEFAULT;
	else if (rl.rlim_cur < (rlim_t)PTHREAD_STACK_MIN)
		size = (size_t)PTHREAD_STACK_MIN;
	else
		size = rl.rlim_cur;
	pthread_attr_init(&def_attr);
	def->stack_size = (size + page - 1) & ~(page - 1);
}

int ct_attr_get_default(struct ct_attr *out)
{
	ct_lock(&ct_default_attr_lock);
	int err = ct_attr_copy(out, def);
	ct_unlock(&ct_default_attr_lock);
	return err;
}

int pthread_getattr_default_np(pthread_attr_t *attr)
{
	return ct_attr_get_default(CT_ATTR(attr));
}

int pthread_setattr_default_np(const pthread_attr_t *attr)
{
	const struct ct_attr *a = CT_ATTR(attr);
	if (a->have_stack || (a->stack_size && a->stack_size < (size_t)PTHREAD_STACK_MIN))
		return EINVAL;
	struct ct_attr copy;
	int err = ct_attr_copy(&copy, a);
	if (err)
		return err;
	ct_lock(&ct_default_attr_lock);
	if (!copy.stack_size)	/* 0 keeps the current default */
		copy.stack_size = def->stack_size;
	struct ct_attr old = *def;
	*def = copy;
	ct_unlock(&ct_default_attr_lock);
	ct_attr_free(&old);
	return 0;
}
