/* SPDX-License-Identifier: MIT */
/* set*id in a multi-threaded program: the credentials are per thread in
 * the kernel, and POSIX wants setuid and friends to change the whole
 * process, so the thread library must carry each change to every thread.
 * Workers park; main changes group and user ids; then every worker reads
 * its own ids with the raw system calls (glibc's wrappers would answer
 * from the same thread's view anyway).  It drops from root to nobody;
 * as another user there is nothing it can change and check, and it says
 * so. */
#define _GNU_SOURCE
#include <grp.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "which.h"

enum { WORKERS = 4 };
static pthread_barrier_t parked, changed, reported;
static int wrong;

static void *worker(void *arg)
{
	uid_t want_uid = *(uid_t *)arg;
	pthread_barrier_wait(&parked);
	pthread_barrier_wait(&changed);
	uid_t r, e, s;
	gid_t gr, ge, gs;
	syscall(SYS_getresuid, &r, &e, &s);
	syscall(SYS_getresgid, &gr, &ge, &gs);
	if (e != want_uid || r != want_uid || s != want_uid || ge != 65534)
		__atomic_add_fetch(&wrong, 1, __ATOMIC_SEQ_CST);
	pthread_barrier_wait(&reported);
	return NULL;
}

int main(void)
{
	which_print();
	if (geteuid() != 0) {
		printf("left out: set*id needs root\n");
		return 0;
	}
	uid_t want = 65534;
	pthread_t t[WORKERS];
	pthread_barrier_init(&parked, NULL, WORKERS + 1);
	pthread_barrier_init(&changed, NULL, WORKERS + 1);
	pthread_barrier_init(&reported, NULL, WORKERS + 1);
	for (int i = 0; i < WORKERS; i++)
		pthread_create(&t[i], NULL, worker, &want);
	pthread_barrier_wait(&parked);
	int e = setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		setresuid(65534, 65534, 65534);
	pthread_barrier_wait(&changed);
	pthread_barrier_wait(&reported);
	for (int i = 0; i < WORKERS; i++)
		pthread_join(t[i], NULL);
	printf("changed the ids: %s\n", e ? "failed" : "yes");
	printf("workers with other ids: %d\n", wrong);
	return e || wrong;
}
