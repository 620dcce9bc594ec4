/* SPDX-License-Identifier: MIT */
/* clonethreads-run: run a dynamically linked glibc program on clonethreads'
 * threads, by preloading the installed library.
 *
 *	clonethreads-run [--library FILE] [--stats[=FILE]]
 *			 [--stats-format=text|json] [--] PROG [ARGS...]
 *	clonethreads-run [--library FILE] --check
 *
 * PROG replaces this process (exec, no child): its pid, the signals sent to
 * it and its exit status are its own.  The library goes first in
 * LD_PRELOAD, before whatever the caller had there, so that the program's
 * pthread calls bind to it; the rest of the list is kept.  --stats asks
 * the library for its report of the program's thread spawning, through
 * the environment (CLONETHREADS_STATS, CLONETHREADS_STATS_FORMAT), with
 * the cost of a create + join cycle measured here first
 * (CLONETHREADS_STATS_CYCLE, calibrate.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "library.h"
#include "run.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: clonethreads-run [--library FILE] [--stats[=FILE]] "
		"[--stats-format=FORMAT]\n"
		"                        [--] PROG [ARGS...]\n"
		"       clonethreads-run [--library FILE] --check\n"
		"Run PROG with the clonethreads library preloaded, so that its "
		"threads are\nclonethreads' threads.\n\n"
		"  --check          run a small threaded program this way and "
		"report whether\n"
		"                   its threads are clonethreads' and the "
		"library accepts this glibc\n"
		"  --library FILE   preload FILE instead of %s\n"
		"  --stats[=FILE]   when each process of PROG ends, report what "
		"its threads cost:\n"
		"                   to FILE.PID (FILE with %%p: the pid there), "
		"or standard error\n"
		"  --stats-format=text|json\n"
		"                   the report's format (default: text)\n"
		"  --help           this text\n"
		"  --version        the version\n\n"
		"The exit status is PROG's; 2 for bad options, 125 if the library "
		"is unusable,\n126 if PROG cannot be run preloaded (statically "
		"linked, set-user-ID or\nset-group-ID, another machine's), 127 if "
		"it is not found.\n", CT_LIBRARY);
}

static int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("clonethreads-run: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'clonethreads-run --help'.\n", stderr);
	return RUN_USAGE;
}

int preload_first(const char *library)
{
	const char *old = getenv("LD_PRELOAD");
	char *list;
	if (asprintf(&list, "%s%s%s", library, old && *old ? " " : "",
		     old ? old : "") < 0)
		return -1;
	return setenv("LD_PRELOAD", list, 1);
}

/* The environment that asks the library for its report; the cost of a
 * cycle is measured unless the caller gave it. */
static int set_stats(const char *library, const char *file, const char *format)
{
	if (setenv("CLONETHREADS_STATS", file, 1) ||
	    (format && setenv("CLONETHREADS_STATS_FORMAT", format, 1))) {
		perror("clonethreads-run: --stats");
		return -1;
	}
	const char *given = getenv("CLONETHREADS_STATS_CYCLE");
	char cycle[64];
	if (given && *given)
		return 0;
	if (!calibrate(library, cycle, sizeof cycle)) {
		fprintf(stderr, "clonethreads-run: could not time a create + join "
			"cycle here: the report's reuse estimate uses the "
			"library's figures\n");
		return 0;
	}
	return setenv("CLONETHREADS_STATS_CYCLE", cycle, 1) ? -1 : 0;
}

/* Runs PROG, or returns the status to exit with. */
static int run(const char *library, char **argv)
{
	char *path = find_program(argv[0]);
	if (!path) {
		fprintf(stderr, "clonethreads-run: %s: %s\n", argv[0],
			errno == ENOENT ? "command not found" : strerror(errno));
		return errno == ENOENT ? RUN_NOT_FOUND : RUN_CANNOT;
	}
	char why[8192];
	if (!preloadable(path, library, why, sizeof why)) {
		fprintf(stderr, "clonethreads-run: refusing %s: %s\n", argv[0], why);
		return RUN_CANNOT;
	}
	if (preload_first(library)) {
		perror("clonethreads-run: LD_PRELOAD");
		return RUN_FAILED;
	}
	execv(path, argv);
	if (errno == ENOEXEC) {
		/* As execvp: an executable file without "#!" is a shell
		 * script. */
		int argc = 0;
		while (argv[argc])
			argc++;
		char **sh = calloc(argc + 2, sizeof *sh);
		if (sh) {
			sh[0] = "/bin/sh";
			sh[1] = path;
			memcpy(sh + 2, argv + 1, argc * sizeof *sh);
			execv(sh[0], sh);
		}
	}
	fprintf(stderr, "clonethreads-run: cannot run %s: %s\n", argv[0],
		strerror(errno));
	return errno == ENOENT ? RUN_NOT_FOUND : RUN_CANNOT;
}

int main(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');
	if (!strcmp(base ? base + 1 : argv[0], PROBE_NAME))
		return probe_main(argc, argv);

	if (!strcmp(base ? base + 1 : argv[0], CALIBRATE_NAME))
		return calibrate_main();

	const char *library = CT_LIBRARY;
	const char *stats = NULL, *stats_format = NULL;
	bool want_check = false;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (!strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(a, "--version")) {
			printf("clonethreads-run (clonethreads) %s\n", PACKAGE_VERSION);
			return 0;
		}
		if (!strcmp(a, "--check"))
			want_check = true;
		else if (!strcmp(a, "--library")) {
			if (++i == argc)
				return usage_error("--library needs a FILE");
			library = argv[i];
		}
		else if (!strncmp(a, "--library=", 10))
			library = a + 10;
		else if (!strcmp(a, "--stats"))
			stats = "-";
		else if (!strncmp(a, "--stats=", 8) && a[8])
			stats = a + 8;
		else if (!strcmp(a, "--stats-format")) {
			if (++i == argc)
				return usage_error("--stats-format needs text or json");
			stats_format = argv[i];
		}
		else if (!strncmp(a, "--stats-format=", 15))
			stats_format = a + 15;
		else
			return usage_error("unknown option %s", a);
	}
	if (want_check && i < argc)
		return usage_error("--check takes no program");
	if (!want_check && i == argc)
		return usage_error("no program given");
	if (stats_format && strcmp(stats_format, "text") &&
	    strcmp(stats_format, "json"))
		return usage_error("--stats-format is text or json, not %s",
				   stats_format);
	if (stats_format && !stats)
		return usage_error("--stats-format without --stats");
	if (want_check && stats)
		return usage_error("--check takes no --stats");

	/* LD_PRELOAD is read relative to PROG's working directory, and a
	 * space or colon would split the path into two entries. */
	char real[PATH_MAX];
	if (!realpath(library, real)) {
		fprintf(stderr, "clonethreads-run: the library %s: %s\n", library,
			strerror(errno));
		return RUN_FAILED;
	}
	if (strpbrk(real, " :")) {
		fprintf(stderr, "clonethreads-run: the library's path %s has a "
			"space or colon, which LD_PRELOAD cannot hold\n", real);
		return RUN_FAILED;
	}
	if (stats && set_stats(real, stats, stats_format))
		return RUN_FAILED;
	return want_check ? check(real) : run(real, argv + i);
}
