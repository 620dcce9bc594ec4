/* SPDX-License-Identifier: MIT */
/* fork while threads are created and end (the unit test's t_fork.c
 * test_fork_while_churning, at scale): one thread creates detached
 * threads (at most 16 at a time), another creates and joins, all of them
 * using malloc, while the main thread forks ROUNDS times.  Each child
 * creates one thread, joins it and exits 0; a child that has not within
 * 10 s is killed by its alarm and counts as hung.  Prints the counts, and
 * fails if any child hung, died or failed.
 * Usage: forkrace ROUNDS */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../programs/which.h"

static atomic_int stop, alive;

static void *uses_malloc(void *arg)
{
	void *p[8];
	for (int i = 0; i < 8; i++)
		p[i] = malloc(16 + 64 * i);
	for (int i = 0; i < 8; i++)
		free(p[i]);
	if (arg)
		atomic_fetch_sub(&alive, 1);
	return NULL;
}

static void *detached_creator(void *arg)
{
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	while (!atomic_load(&stop)) {
		pthread_t th;
		if (atomic_load(&alive) >= 16) {
			sched_yield();
			continue;
		}
		atomic_fetch_add(&alive, 1);
		if (pthread_create(&th, &attr, uses_malloc, &alive))
			atomic_fetch_sub(&alive, 1);
	}
	while (atomic_load(&alive))
		sched_yield();
	return NULL;
}

static void *joinable_creator(void *arg)
{
	while (!atomic_load(&stop)) {
		pthread_t th;
		if (pthread_create(&th, NULL, uses_malloc, NULL) == 0)
			pthread_join(th, NULL);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 10000;
	which_print();
	pthread_t creators[2];
	if (pthread_create(&creators[0], NULL, detached_creator, NULL) ||
	    pthread_create(&creators[1], NULL, joinable_creator, NULL))
		return 2;
	int hung = 0, died = 0, failed = 0;
	for (int round = 0; round < rounds; round++) {
		fflush(NULL);
		pid_t pid = fork();
		if (pid < 0)
			return 3;
		if (pid == 0) {
			alarm(10);
			pthread_t th;
			if (pthread_create(&th, NULL, uses_malloc, NULL))
				_exit(2);
			_exit(pthread_join(th, NULL) ? 3 : 0);
		}
		int status;
		if (waitpid(pid, &status, 0) != pid)
			return 4;
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
			hung++;
		else if (WIFSIGNALED(status))
			died++;
		else if (WEXITSTATUS(status))
			failed++;
	}
	atomic_store(&stop, 1);
	pthread_join(creators[0], NULL);
	pthread_join(creators[1], NULL);
	printf("forks %d: hung %d, died %d, failed %d\n", rounds, hung, died,
	       failed);
	return hung || died || failed;
}
