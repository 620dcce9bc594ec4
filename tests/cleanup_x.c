/* SPDX-License-Identifier: MIT */
/* Compiled with -fexceptions: pthread_cleanup_push is then glibc's
 * exception-based variant (a cleanup attribute and
 * __pthread_cleanup_routine), which cancellation reaches by unwinding. */
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include "cleanup_x.h"

static void append(char *buf, char c)
{
	size_t n = strlen(buf);
	buf[n] = c;
	buf[n + 1] = 0;
}

static void h1(void *buf) { append(buf, '1'); }
static void h2(void *buf) { append(buf, '2'); }
static void h3(void *buf) { append(buf, '3'); }

void *tst_cleanup_x_thread(void *buf)
{
	pthread_cleanup_push(h1, buf);
	pthread_cleanup_push(h2, buf);
	pthread_cleanup_push(h3, buf);
	for (;;)
		pause();
	pthread_cleanup_pop(0);
	pthread_cleanup_pop(0);
	pthread_cleanup_pop(0);
	return NULL;
}
