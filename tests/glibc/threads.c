/* SPDX-License-Identifier: MIT */
/* A program as its users write one: four threads made with
 * pthread_create, built against glibc alone.  It prints the glibc it runs
 * on and how many of its threads the library says are its own
 * (clonethreads_is_own_thread, looked up at run time: none without the
 * library).  tests/glibc/clone-check builds it with each release's
 * compiler and runs it under strace. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <gnu/libc-version.h>
#include <pthread.h>
#include <stdio.h>

#define N 4

static pthread_barrier_t all_started;

static void *work(void *arg)
{
	pthread_barrier_wait(&all_started);
	return arg;
}

int main(void)
{
	int (*is_own)(pthread_t) = (int (*)(pthread_t))
		dlsym(RTLD_DEFAULT, "clonethreads_is_own_thread");
	pthread_t th[N];
	int own = 0;

	printf("glibc %s\n", gnu_get_libc_version());
	pthread_barrier_init(&all_started, NULL, N + 1);
	for (int i = 0; i < N; i++) {
		int err = pthread_create(&th[i], NULL, work, NULL);
		if (err) {
			printf("pthread_create: error %d\n", err);
			return 1;
		}
	}
	pthread_barrier_wait(&all_started);
	for (int i = 0; i < N; i++)
		if (is_own && is_own(th[i]))
			own++;
	for (int i = 0; i < N; i++)
		pthread_join(th[i], NULL);
	printf("threads: %d of %d the library's\n", own, N);
	return 0;
}
