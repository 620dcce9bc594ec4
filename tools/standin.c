/* SPDX-License-Identifier: MIT */
/* A stand-in for the library, for the tests of clonethreads-run --check.
 * It exports the library's clonethreads_* extras but no pthread_create,
 * so a program's threads stay glibc's while the extras answer as if they
 * were the library's.  With CT_STANDIN_REFUSE set, its start-up check (a
 * constructor) ends the process with one message before main, as the
 * library's does on a glibc it does not support. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

__attribute__((constructor)) static void start_up_check(void)
{
	if (!getenv("CT_STANDIN_REFUSE"))
		return;
	fputs("clonethreads: this glibc is not supported: (the stand-in "
	      "refuses it)\n", stderr);
	abort();
}

const char *clonethreads_version(void)
{
	return "stand-in";
}

int clonethreads_is_own_thread(pthread_t th)
{
	return 1;
}
