/* SPDX-License-Identifier: MIT */
/* The race checkers understand the library (src/valgrind.h).  valgrind's
 * helgrind and DRD run programs linked the way this one is (linkage():
 * "direct" or "preload"; the reference run uses the glibc-linked ones
 * without the preload) and must report what they report under glibc:
 *
 *   vg_clean  a correct program using every thread and synchronization
 *             function: no error at all;
 *   vg_race   one deliberate race: reported, on that variable only, as
 *             many times as under glibc;
 *   vg_create_fail  a pthread_create that fails, then one deliberate race,
 *             under the tools' --ignore-thread-creation=yes: the same.
 *
 * DRD preloads a -z initfirst library whose constructor calls
 * pthread_self() before any other constructor has run: the library starts
 * from there, or these programs stop before main.
 *
 * The reuse run asks for thread reuse, which the library turns down under
 * valgrind: helgrind cannot join a pthread whose kernel thread lives on.
 *
 * Run by `make check-valgrind' (valgrind is slow: not part of make check). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common.h"

/* What one run of a tool on a program gave. */
struct run {
	int status;		/* the program's exit status (valgrind passes it on) */
	int errors;		/* ERROR SUMMARY, -1 if none was printed */
	int races;		/* race reports */
	int api_errors;		/* helgrind's "call to pthread_X failed" */
	int elsewhere;		/* race reports not on the program's `racy' */
	char log[PATH_MAX];
	char out[256];		/* the program's standard output */
};

/* How this program is linked, which its name says: "direct" or
 * "preload" (tests/valgrind_direct, run as is or as libtool's
 * .libs/lt-valgrind_direct). */
static const char *linkage(void)
{
	static char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = 0;
	return n > 7 && !strcmp(exe + n - 7, "_direct") ? "direct" : "preload";
}

/* This run's name: the link, or glibc, or reuse (the direct link with
 * thread reuse asked for, which the library turns down under valgrind). */
static const char *mode(void)
{
	const char *reuse = getenv("CLONETHREADS_REUSE");
	return tst_test_glibc() ? "glibc" : reuse && *reuse ? "reuse" : linkage();
}

/* Count the errors and race reports in r->log; reports at another address
 * than `at' (0: any) count as elsewhere too.  helgrind: "Possible data
 * race during read of size 4 at 0x10C0B4 by thread #1"; DRD: "Conflicting
 * load by thread 1 at 0x0010c0b4 size 4". */
static void read_log(struct run *r, unsigned long at)
{
	FILE *f = fopen(r->log, "r");
	ck_assert_msg(f != NULL, "no valgrind log %s", r->log);
	char line[1024];
	r->errors = -1;
	while (fgets(line, sizeof line, f)) {
		const char *s;
		if ((s = strstr(line, "ERROR SUMMARY: ")))
			r->errors = atoi(s + strlen("ERROR SUMMARY: "));
		if (strstr(line, "'s call to pthread_") && strstr(line, " failed"))
			r->api_errors++;
		if (!strstr(line, "Possible data race") &&
		    !strstr(line, "Conflicting load") &&
		    !strstr(line, "Conflicting store"))
			continue;
		r->races++;
		s = strstr(line, " at 0x");
		if (!s || (at && strtoul(s + 4, NULL, 16) != at))
			r->elsewhere++;
	}
	fclose(f);
}

static void read_file(const char *name, char *buf, size_t size)
{
	FILE *f = fopen(name, "r");
	ck_assert_msg(f != NULL, "no output file %s", name);
	buf[fread(buf, 1, size - 1, f)] = 0;
	fclose(f);
}

/* valgrind --tool=tool, with the options opts (NULL-terminated), on
 * tests/prog_<link>; reference: on the glibc-linked program without the
 * preload, whatever this program's mode.  Logs are kept next to the
 * programs. */
static struct run run(const char *tool, const char *const *opts,
		      const char *prog, bool reference)
{
	struct run r = { 0 };
	const char *dir = getenv("CT_TEST_BIN_DIR");
	const char *linked = reference || tst_test_glibc() ? "preload" : linkage();
	const char *kind = reference ? "-reference" : "";
	char exe[PATH_MAX], out[PATH_MAX + 32], logopt[PATH_MAX + 16], toolopt[64];
	snprintf(exe, sizeof exe, "%s/%s_%s", dir ? dir : "tests", prog, linked);
	snprintf(r.log, sizeof r.log, "%s.%s-%s%s.vg", exe, mode(), tool, kind);
	snprintf(out, sizeof out, "%s.%s-%s%s.out", exe, mode(), tool, kind);
	snprintf(logopt, sizeof logopt, "--log-file=%s", r.log);
	snprintf(toolopt, sizeof toolopt, "--tool=%s", tool);
	const char *valgrind = getenv("VALGRIND");
	if (!valgrind || !*valgrind)
		valgrind = "valgrind";

	fflush(NULL);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
			_exit(126);
		if (reference) {
			unsetenv("LD_PRELOAD");
			unsetenv("CLONETHREADS_REUSE");
			setenv("CT_TEST_IMPL", "glibc", 1);
		}
		const char *argv[16] = { valgrind, toolopt, logopt };
		int argc = 3;
		while (opts && *opts && argc < 14)
			argv[argc++] = *opts++;
		argv[argc++] = exe;
		argv[argc] = NULL;
		execvp(valgrind, (char *const *)argv);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		ck_assert_int_eq(errno, EINTR);
	r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	read_file(out, r.out, sizeof r.out);
	const char *at = strstr(r.out, "racy at ");
	read_log(&r, at ? strtoul(at + strlen("racy at "), NULL, 16) : 0);
	return r;
}

static void clean(const char *tool)
{
	struct run r = run(tool, NULL, "vg_clean", false);
	ck_assert_msg(r.status == 0, "vg_clean under %s exited with %d (%s)",
		      tool, r.status, r.log);
	ck_assert_msg(r.errors == 0, "%s reported %d errors on vg_clean (%s)",
		      tool, r.errors, r.log);
}

/* prog under tool reports what it reports under glibc: its races on
 * `racy', at least `least' of them, and nothing else.  (helgrind also
 * reports the calls of glibc's pthread functions that fail, which the
 * library does not tell it: those errors are not compared.) */
static void as_glibc(const char *tool, const char *const *opts,
		     const char *prog, int least)
{
	struct run ref = run(tool, opts, prog, true);
	struct run r = run(tool, opts, prog, false);
	ck_assert_msg(r.status == 0 && ref.status == 0,
		      "%s under %s exited with %d, %d under glibc (%s, %s)",
		      prog, tool, r.status, ref.status, r.log, ref.log);
	ck_assert_msg(strstr(r.out, "racy at "), "%s printed: %s", prog, r.out);
	ck_assert_msg(r.races >= least, "%s saw %d races (%s)", tool, r.races,
		      r.log);
	ck_assert_msg(r.elsewhere == 0 && r.races + r.api_errors == r.errors,
		      "%s reported %d errors, %d of %d races elsewhere than "
		      "on racy (%s)", tool, r.errors, r.elsewhere, r.races, r.log);
	ck_assert_msg(r.races == ref.races && ref.elsewhere == 0,
		      "%s reported %d races, %d under glibc (%s, %s)",
		      tool, r.races, ref.races, r.log, ref.log);
}

START_TEST(test_helgrind_clean) { clean("helgrind"); }
END_TEST

START_TEST(test_drd_clean) { clean("drd"); }
END_TEST

START_TEST(test_helgrind_race) { as_glibc("helgrind", NULL, "vg_race", 1); }
END_TEST

START_TEST(test_drd_race) { as_glibc("drd", NULL, "vg_race", 1); }
END_TEST

/* The tools ignore what the creating thread does inside pthread_create,
 * and the program's malloc is its own (vg_create_fail.c).  helgrind then
 * reports the race on the stack only if the failed create ended in its
 * books; DRD, which checks no stack variable by default, stops at the
 * next create if it did not. */
static const char *const creation_ignored[] = {
	"--ignore-thread-creation=yes",
	"--soname-synonyms=somalloc=nouserintercepts", NULL };

START_TEST(test_helgrind_create_fail)
{
	as_glibc("helgrind", creation_ignored, "vg_create_fail", 1);
}
END_TEST

START_TEST(test_drd_create_fail)
{
	as_glibc("drd", creation_ignored, "vg_create_fail", 0);
}
END_TEST

TST_SUITE(valgrind_suite)
{
	Suite *s = suite_create("valgrind");
	TCase *tc = tcase_create("race checkers");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_helgrind_clean);
	tcase_add_test(tc, test_drd_clean);
	tcase_add_test(tc, test_helgrind_race);
	tcase_add_test(tc, test_drd_race);
	tcase_add_test(tc, test_helgrind_create_fail);
	tcase_add_test(tc, test_drd_create_fail);
	suite_add_tcase(s, tc);
	return s;
}
