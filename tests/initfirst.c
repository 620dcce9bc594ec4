/* SPDX-License-Identifier: MIT */
/* A library marked -z initfirst (as valgrind's DRD preload is): its
 * constructor runs before every other, the thread library's included,
 * and uses threads there. */
#include <pthread.h>
#include "initfirst.h"

struct tst_early tst_initfirst;

static void *early_thread(void *arg)
{
	return arg;
}

__attribute__((constructor)) static void early(void)
{
	tst_early_run(&tst_initfirst, early_thread);
}
