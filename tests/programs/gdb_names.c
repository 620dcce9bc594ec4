/* SPDX-License-Identifier: MIT */
/* A program to look at in gdb: three named worker threads parked in their
 * start routine when the program reaches all_ready(), where gdb stops it.
 * Worker 0 names itself with prctl(PR_SET_NAME), worker 1 with
 * pthread_setname_np(pthread_self()), and main names worker 2 through its
 * handle with pthread_setname_np and reads the name back.
 * Usage: gdb_names [FILE]: what it prints goes to FILE if given.  Under
 * gdb, its output and gdb's share a file, and gdb writes its own in blocks
 * that may end mid-line: a line of ours would land inside one of gdb's. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>
#include "which.h"

enum { WORKERS = 3 };
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int named, release;

/* Not inlined: gdb's breakpoint.  The workers are all named and waiting. */
__attribute__((noinline)) void all_ready(void)
{
	__asm__ volatile("" ::: "memory");
}

static void *worker(void *arg)
{
	char name[16];
	snprintf(name, sizeof name, "ct-worker-%ld", (long)arg);
	if ((long)arg == 0)
		prctl(PR_SET_NAME, name);
	else if ((long)arg == 1)
		pthread_setname_np(pthread_self(), name);
	pthread_mutex_lock(&lock);
	named++;
	pthread_cond_broadcast(&cond);
	while (!release)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[WORKERS];
	if (argc > 1 && !freopen(argv[1], "w", stdout)) {
		perror(argv[1]);
		return 1;
	}
	which_print();
	for (long i = 0; i < WORKERS; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	pthread_mutex_lock(&lock);
	while (named < WORKERS)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	char name[16] = "";
	pthread_setname_np(t[2], "ct-worker-2");
	pthread_getname_np(t[2], name, sizeof name);
	printf("worker 2 is called %s\n", name);
	all_ready();
	pthread_mutex_lock(&lock);
	release = 1;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < WORKERS; i++)
		pthread_join(t[i], NULL);
	puts("done");
	return 0;
}
