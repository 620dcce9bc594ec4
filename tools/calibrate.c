/* SPDX-License-Identifier: MIT */
/* clonethreads-run --stats: what a create + join cycle costs on this
 * machine, on a new thread and on a parked one (the library's reuse), for
 * the report's estimate of what CLONETHREADS_REUSE would save.
 *
 * As for --check, the command runs itself again, under CALIBRATE_NAME,
 * with the library preloaded; that process times create + join cycles of
 * a thread that returns at once, in ROUNDS rounds that alternate reuse
 * off and on (so that a change of the machine's load meanwhile hits both
 * alike), and prints the two medians, in microseconds, as the library
 * reads them from CLONETHREADS_STATS_CYCLE: "NEW,REUSED".  About 15 ms
 * here. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include "run.h"

#define ROUNDS 5
#define CYCLES 200		/* a round's cycles of each kind */
#define WARM_UP 50
#define REUSE 64		/* make bench's bound */

static void *nothing(void *arg)
{
	return arg;
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* n cycles, their durations appended at *out; false if a call fails. */
static bool cycles(int n, double **out)
{
	for (int i = 0; i < n; i++) {
		pthread_t t;
		double start = now_ns();
		if (pthread_create(&t, NULL, nothing, NULL) || pthread_join(t, NULL))
			return false;
		*(*out)++ = now_ns() - start;
	}
	return true;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof *v, by_value);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int calibrate_main(void)
{
	int (*set_reuse)(unsigned) = (int (*)(unsigned))
		dlsym(RTLD_DEFAULT, "clonethreads_set_reuse");
	if (!set_reuse)
		return 1;
	static double fresh[ROUNDS * CYCLES], reused[ROUNDS * CYCLES];
	static double scratch[WARM_UP];
	double *f = fresh, *r = reused, *w = scratch;
	set_reuse(REUSE);
	if (!cycles(WARM_UP, &w))
		return 1;
	for (int round = 0; round < ROUNDS; round++) {
		set_reuse(0);
		if (!cycles(CYCLES, &f))
			return 1;
		set_reuse(REUSE);
		if (!cycles(CYCLES, &r))
			return 1;
	}
	set_reuse(0);
	printf("%.3f,%.3f\n", median(fresh, ROUNDS * CYCLES) / 1e3,
	       median(reused, ROUNDS * CYCLES) / 1e3);
	return 0;
}

bool calibrate(const char *library, char *out, size_t size)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC))
		return false;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return false;
	}
	if (!pid) {
		/* Neither a report of its own nor the program's reuse. */
		unsetenv("CLONETHREADS_STATS");
		unsetenv("CLONETHREADS_REUSE");
		dup2(fds[1], STDOUT_FILENO);
		if (!preload_first(library))
			execl("/proc/self/exe", CALIBRATE_NAME, (char *)NULL);
		_exit(RUN_FAILED);
	}
	close(fds[1]);
	size_t got = 0;
	ssize_t n;
	while (got < size - 1 &&
	       ((n = read(fds[0], out + got, size - 1 - got)) > 0 ||
		(n < 0 && errno == EINTR)))
		got += n > 0 ? n : 0;
	close(fds[0]);
	out[got] = 0;
	out[strcspn(out, "\n")] = 0;
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 && got;
}
