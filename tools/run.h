/* SPDX-License-Identifier: MIT */
/* clonethreads-run: what its files share. */
#ifndef CT_RUN_H
#define CT_RUN_H

#include <stdbool.h>
#include <stddef.h>

/* Exit statuses of the command itself, as env(1) and nice(1) use them;
 * otherwise it exits with PROG's status, being PROG. */
enum {
	RUN_USAGE = 2,		/* bad options */
	RUN_FAILED = 125,	/* the library is unusable */
	RUN_CANNOT = 126,	/* PROG found but not run: refused or not executable */
	RUN_NOT_FOUND = 127,	/* PROG not found */
};

/* The name the --check probe runs under: clonethreads-run re-executes
 * itself by this name with the library preloaded. */
#define PROBE_NAME "clonethreads-probe"
/* And by this one to time create + join cycles for --stats. */
#define CALIBRATE_NAME "clonethreads-calibrate"

/* program.c: PROG before it is run. */

/* PROG as execvp(3) would find it: a name with a slash as it is, else the
 * first executable regular file of that name along PATH.  Returns a
 * malloc'ed path, or NULL with errno ENOENT or EACCES. */
char *find_program(const char *prog);

/* Why the dynamic loader would not put `library' into the program at
 * `path' (after following "#!" interpreters, as the kernel does): it is
 * statically linked, set-user-ID or set-group-ID, or built for another
 * machine.  Writes a sentence fragment into why and returns false; true
 * when nothing stands in the way. */
bool preloadable(const char *path, const char *library, char *why,
		 size_t size);

/* run.c */

/* LD_PRELOAD with `library' first and what the caller had after it;
 * 0, or -1 with errno. */
int preload_first(const char *library);

/* check.c: --check, both sides. */

/* Runs the probe (this program as PROBE_NAME) with `library' preloaded
 * and reports; the exit status of --check. */
int check(const char *library);

/* The probe's main, in the preloaded process. */
int probe_main(int argc, char **argv);

/* calibrate.c: --stats, both sides. */

/* Times create + join cycles with `library' preloaded, on new threads and
 * on parked ones, and writes "NEW,REUSED" (medians in microseconds) to
 * out; false if that failed. */
bool calibrate(const char *library, char *out, size_t size);

/* The timing process's main. */
int calibrate_main(void);

#endif
