/* SPDX-License-Identifier: MIT */
/* clonethreads-run --check: would a program run this way get the library's
 * threads here?
 *
 * The command runs itself again under the name PROBE_NAME, a dynamically
 * linked glibc program like any other, with the library first in
 * LD_PRELOAD exactly as for PROG.  The probe writes its findings to a
 * pipe; the command relays them.  What is checked:
 *  - the library was loaded, and its start-up check let main run: the
 *    check is the library's constructor, which ends the process with one
 *    message when this glibc lacks a detail the library relies on, and a
 *    preloaded library's constructors run before main;
 *  - pthread_create, as the program's own calls bind it, is the library's;
 *  - each thread's start routine is called from the library's code (by
 *    dladdr of its return address, glibc's start_thread otherwise), and
 *    the library says the thread is its own. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <gnu/libc-version.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "run.h"

#define PROBE_THREADS 4

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/* The file the code at addr comes from. */
static const char *owner(const void *addr)
{
	Dl_info info;
	return dladdr(addr, &info) && info.dli_fname ? info.dli_fname : "?";
}

static const char *library;
static int (*is_own_thread)(pthread_t);

struct probe_thread {
	const char *caller;	/* the file of the code that called the start
				   routine */
	bool own;		/* started by the library, which says it is its own */
	char text[32];		/* glibc at work in the thread */
};

static void *probe_thread(void *arg)
{
	struct probe_thread *p = arg;
	p->caller = owner(__builtin_extract_return_addr(
		__builtin_return_address(0)));
	/* Only the library's own handles may be given to it: it reads its
	 * descriptor past the end of glibc's. */
	p->own = same_file(p->caller, library) && is_own_thread(pthread_self());
	char *s = strdup("malloc and stdio");
	if (s)
		snprintf(p->text, sizeof p->text, "%s", s);
	free(s);
	return NULL;
}

int probe_main(int argc, char **argv)
{
	if (argc != 2)
		return RUN_USAGE;
	library = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);	/* each finding, even if we crash */
	const char *(*version)(void) = dlsym(RTLD_DEFAULT, "clonethreads_version");
	is_own_thread = dlsym(RTLD_DEFAULT, "clonethreads_is_own_thread");
	if (!version || !is_own_thread || !same_file(owner(version), library)) {
		printf("start-up check: not run: the library was not loaded "
		       "(see the dynamic loader's message above)\n");
		return 1;
	}
	printf("start-up check: passed: clonethreads %s accepts glibc %s\n",
	       version(), gnu_get_libc_version());

	const char *create = owner((void *)pthread_create);
	bool create_ok = same_file(create, library);
	printf("pthread_create: %s%s\n", create, create_ok ? "" : ", not the library");

	struct probe_thread p[PROBE_THREADS] = { 0 };
	pthread_t t[PROBE_THREADS];
	for (int i = 0; i < PROBE_THREADS; i++) {
		int err = pthread_create(&t[i], NULL, probe_thread, &p[i]);
		if (err) {
			printf("threads:        pthread_create failed: %s\n",
			       strerror(err));
			return 1;
		}
	}
	int ours = 0;
	const char *other = NULL;
	for (int i = 0; i < PROBE_THREADS; i++) {
		pthread_join(t[i], NULL);
		if (p[i].own && p[i].text[0])
			ours++;
		else
			other = p[i].caller;
	}
	printf("threads:        %d of %d started by the library%s%s\n", ours,
	       PROBE_THREADS, other ? "; others by " : "", other ? other : "");
	return create_ok && ours == PROBE_THREADS ? 0 : 1;
}

/* How a process ended, for a message. */
static void describe(int status, char *buf, size_t size)
{
	if (WIFSIGNALED(status))
		snprintf(buf, size, "killed by signal %d, %s", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, size, "exit status %d", WEXITSTATUS(status));
}

int check(const char *library)
{
	printf("library:        %s\n", library);
	fflush(stdout);
	int fds[2];
	if (pipe2(fds, O_CLOEXEC)) {
		perror("clonethreads-run: pipe");
		return RUN_FAILED;
	}
	pid_t pid = fork();
	if (pid < 0) {
		perror("clonethreads-run: fork");
		return RUN_FAILED;
	}
	if (!pid) {
		dup2(fds[1], STDOUT_FILENO);
		if (!preload_first(library))
			execl("/proc/self/exe", PROBE_NAME, library, (char *)NULL);
		perror("clonethreads-run: the probe");
		_exit(RUN_FAILED);
	}
	close(fds[1]);
	char buf[4096];
	size_t reported = 0;
	ssize_t n;
	while ((n = read(fds[0], buf, sizeof buf)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		fwrite(buf, 1, n, stdout);
		reported += n;
	}
	close(fds[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		printf("ok: programs run with clonethreads-run get the library's "
		       "threads here\n");
		return 0;
	}
	char how[128];
	describe(status, how, sizeof how);
	fflush(stdout);
	if (!reported)
		fprintf(stderr, "clonethreads-run: the probe stopped before its "
			"main (%s): the library's start-up check refused glibc "
			"%s, or the library cannot be loaded; the message above "
			"says which\n", how, gnu_get_libc_version());
	else
		fprintf(stderr, "clonethreads-run: check failed: programs run "
			"with clonethreads-run would not get the library's "
			"threads here\n");
	return 1;
}
