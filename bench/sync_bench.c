/* SPDX-License-Identifier: MIT */
/* Synchronization micro-benchmarks, one source built twice:
 *
 *   gcc -O2 -pthread sync_bench.c -o sync_bench_glibc
 *   gcc -O2 -pthread sync_bench.c -o sync_bench_ct -lclonethreads
 *
 * (the second with -L/-Wl,-rpath pointing at the built library).  Usage:
 * `sync_bench WORKLOAD ITERS`; after a warm-up of ITERS/10 operations it
 * runs ITERS and prints one line: microseconds per operation.
 *
 *   mutex_uncontended  lock+unlock of a normal mutex, one thread
 *   mutex_handoff      two threads lock+unlock one mutex (per pair)
 *   cond_pingpong      two threads hand a turn back and forth through a
 *                      mutex and a condvar (per hand-over)
 *   sem_pingpong       the same with two semaphores (per hand-over)
 *   rwlock_read        two threads, 1 write lock per 100 read locks
 *   robust_fork        a process-shared robust mutex and fork: a child
 *                      takes the mutex and exits holding it; the parent
 *                      waits for it, takes the mutex (EOWNERDEAD), makes
 *                      it consistent and unlocks it (per round).  The
 *                      process has made a thread before, as a threaded
 *                      program has. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

static pthread_mutex_t mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cnd = PTHREAD_COND_INITIALIZER;
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static sem_t ping, pong;
static volatile long shared_counter;
static long turn;

static double now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

/* ---- one loop per workload; arg: number of operations ---- */

static void *uncontended(void *p)
{
	for (long i = (long)p; i > 0; i--) {
		pthread_mutex_lock(&mtx);
		pthread_mutex_unlock(&mtx);
	}
	return NULL;
}

static void *handoff(void *p)
{
	for (long i = (long)p; i > 0; i--) {
		pthread_mutex_lock(&mtx);
		shared_counter++;
		pthread_mutex_unlock(&mtx);
	}
	return NULL;
}

/* Thread `me' (0 or 1) takes the turns of its parity. */
static void cond_turns(long n, long me)
{
	pthread_mutex_lock(&mtx);
	for (long i = 0; i < n; i++) {
		while ((turn & 1) != me)
			pthread_cond_wait(&cnd, &mtx);
		turn++;
		pthread_cond_signal(&cnd);
	}
	pthread_mutex_unlock(&mtx);
}

static void *cond_other(void *p)
{
	cond_turns((long)p, 1);
	return NULL;
}

static void *sem_other(void *p)
{
	for (long i = (long)p; i > 0; i--) {
		sem_wait(&ping);
		sem_post(&pong);
	}
	return NULL;
}

static void *reader(void *p)
{
	for (long i = (long)p; i > 0; i--) {
		if (i % 100 == 0) {
			pthread_rwlock_wrlock(&rw);
			shared_counter++;
		} else {
			pthread_rwlock_rdlock(&rw);
			(void)shared_counter;
		}
		pthread_rwlock_unlock(&rw);
	}
	return NULL;
}

static pthread_mutex_t *robust;	/* in memory shared with the children */

static void robust_init(void)
{
	robust = mmap(NULL, sizeof *robust, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (robust == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(robust, &a);
	pthread_mutexattr_destroy(&a);
	pthread_t t;	/* the process is threaded, as the programs that do this */
	pthread_create(&t, NULL, uncontended, (void *)1L);
	pthread_join(t, NULL);
}

static void robust_round(void)
{
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		_exit(pthread_mutex_lock(robust) == 0 ? 0 : 1);
	}
	int status;
	if (waitpid(pid, &status, 0) != pid || status != 0 ||
	    pthread_mutex_lock(robust) != EOWNERDEAD ||
	    pthread_mutex_consistent(robust) ||
	    pthread_mutex_unlock(robust)) {
		fprintf(stderr, "robust_fork: a round went wrong\n");
		exit(1);
	}
}

/* Runs `n' operations of the workload; returns the operations done. */
static long run(const char *w, long n)
{
	pthread_t t;
	if (!strcmp(w, "mutex_uncontended")) {
		uncontended((void *)n);
		return n;
	}
	if (!strcmp(w, "mutex_handoff") || !strcmp(w, "rwlock_read")) {
		void *(*fn)(void *) = w[0] == 'm' ? handoff : reader;
		pthread_create(&t, NULL, fn, (void *)(n / 2));
		fn((void *)(n / 2));
		pthread_join(t, NULL);
		return n / 2 * 2;
	}
	if (!strcmp(w, "cond_pingpong")) {
		/* n hand-overs: each thread takes n/2 turns. */
		pthread_create(&t, NULL, cond_other, (void *)(n / 2));
		cond_turns(n / 2, 0);
		pthread_join(t, NULL);
		return n / 2 * 2;
	}
	if (!strcmp(w, "sem_pingpong")) {
		pthread_create(&t, NULL, sem_other, (void *)(n / 2));
		for (long i = n / 2; i > 0; i--) {
			sem_post(&ping);
			sem_wait(&pong);
		}
		pthread_join(t, NULL);
		return n / 2 * 2;
	}
	if (!strcmp(w, "robust_fork")) {
		if (!robust)
			robust_init();
		for (long i = n; i > 0; i--)
			robust_round();
		return n;
	}
	fprintf(stderr, "unknown workload %s\n", w);
	exit(2);
}

int main(int argc, char **argv)
{
	if (argc != 3 || atol(argv[2]) < 2) {
		fprintf(stderr, "usage: %s WORKLOAD ITERS\n", argv[0]);
		return 2;
	}
	long iters = atol(argv[2]);
	sem_init(&ping, 0, 0);
	sem_init(&pong, 0, 0);
	run(argv[1], iters / 10 > 2 ? iters / 10 : 2);
	turn = 0;
	double t0 = now_us();
	long done = run(argv[1], iters);
	double t1 = now_us();
	printf("%.6f\n", (t1 - t0) / done);
	return 0;
}
