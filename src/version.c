/* SPDX-License-Identifier: MIT */
/* The exported clonethreads_* extras. */
#include "clonethreads.h"
#include "thread.h"

const char *clonethreads_version(void)
{
	return PACKAGE_VERSION;
}

int clonethreads_is_own_thread(pthread_t th)
{
	struct ct_thread *t = ct_lookup(th);
	return t && t->kind == CT_OURS;
}
