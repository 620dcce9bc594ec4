/* SPDX-License-Identifier: MIT */
/* The statistics report (CLONETHREADS_STATS): a process with known
 * threads gets its counts exactly and each thread's lifetime in the right
 * bucket, in both formats; the JSON report validates against the
 * installed schema; a forked child writes a report of its own, from zero,
 * and the parent's stays its own; with the variable unset nothing is
 * written.  Each scenario runs in a process of its own (tst_rerun), which
 * writes its report at exit.  glibc has no such report: left out of the
 * reference run. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "common.h"

#define WHY "glibc writes no statistics report"

/* The scenario's directory: its report, and what it expects of it. */
#define DIR_VAR "CT_STATS_DIR"

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, us % 1000000 * 1000L };
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ---- the scenario with known threads ---- */

#define LIFE_BUCKETS 6
static const uint64_t life_limits[LIFE_BUCKETS - 1] = {
	10000, 100000, 1000000, 10000000, 100000000 };

struct known {
	long sleep_us;
	atomic_int *gate;	/* wait here until all four are in */
	uint64_t life;		/* the routine's own measure of its run */
	atomic_int tid, done;
};

static void *known_thread(void *arg)
{
	struct known *k = arg;
	uint64_t begin = now_ns();
	atomic_store(&k->tid, tst_gettid());
	if (k->gate)
		tst_gate_pass(k->gate, 4);
	if (k->sleep_us)
		sleep_us(k->sleep_us);
	k->life = now_ns() - begin;
	atomic_store(&k->done, 1);
	return NULL;
}

/* Until k's thread has ended (its routine returned and the library saw
 * it end: gone, or parked where reuse is on). */
static void wait_done(struct known *k)
{
	while (!atomic_load(&k->done))
		sched_yield();
	tst_wait_ended(atomic_load(&k->tid));
}

static int start_known(pthread_t *th, const pthread_attr_t *attr, struct known *k)
{
	return pthread_create(th, attr, known_thread, k);
}

/* Threads, in the order made: 3 that return at once (see quick below),
 * each joined before the next; 4 alive together (the peak), two sleeping
 * 2 ms with the default stack and two 20 ms with a 256 KiB stack (above
 * every CPU's PTHREAD_STACK_MIN), joined; 1 created detached sleeping
 * 150 ms; 1 detached by pthread_detach, returning at once.  Writes the
 * lifetime buckets it expects, from each routine's own measure (the
 * library's is a little longer: from just before the routine to just
 * after), to the file "expected"; exit status 3 when a measure falls
 * within 10% below a bucket's limit, where the library's may cross it
 * (the caller runs it again). */
static int stats_known_scenario(void)
{
	struct known k[9] = { 0 };
	/* Under an emulator a thread that returns at once lives some 10 us,
	 * and the library's measure a few more: the quick ones sleep to the
	 * middle of the 100 us - 1 ms bucket there instead. */
	long quick = tst_test_emulated() ? 300 : 0;
	for (int i = 0; i < 9; i++)
		k[i].sleep_us = quick;
	atomic_int gate = 0;
	pthread_t th;
	for (int i = 0; i < 3; i++)
		TST_CHILD_CHECK(!start_known(&th, NULL, &k[i]) && !pthread_join(th, NULL));

	pthread_attr_t small;
	pthread_attr_init(&small);
	TST_CHILD_CHECK(!pthread_attr_setstacksize(&small, 256 * 1024));
	pthread_t four[4];
	for (int i = 3; i < 7; i++) {
		k[i].gate = &gate;
		k[i].sleep_us = i < 5 ? 2000 : 20000;
		TST_CHILD_CHECK(!start_known(&four[i - 3], i < 5 ? NULL : &small, &k[i]));
	}
	for (int i = 0; i < 4; i++)
		TST_CHILD_CHECK(!pthread_join(four[i], NULL));

	pthread_attr_t detached;
	pthread_attr_init(&detached);
	pthread_attr_setdetachstate(&detached, PTHREAD_CREATE_DETACHED);
	k[7].sleep_us = 150000;
	TST_CHILD_CHECK(!start_known(&th, &detached, &k[7]));
	wait_done(&k[7]);
	TST_CHILD_CHECK(!start_known(&th, NULL, &k[8]) && !pthread_detach(th));
	wait_done(&k[8]);

	int expected[LIFE_BUCKETS] = { 0 }, ambiguous = 0;
	for (int i = 0; i < 9; i++) {
		int b = 0;
		while (b < LIFE_BUCKETS - 1 && k[i].life >= life_limits[b])
			b++;
		expected[b]++;
		ambiguous |= b < LIFE_BUCKETS - 1 && k[i].life >= life_limits[b] / 10 * 9;
	}
	char path[4096];
	snprintf(path, sizeof path, "%s/expected", getenv(DIR_VAR));
	FILE *f = fopen(path, "w");
	TST_CHILD_CHECK(f != NULL);
	for (int b = 0; b < LIFE_BUCKETS; b++)
		fprintf(f, "%d\n", expected[b]);
	TST_CHILD_CHECK(fclose(f) == 0);
	return ambiguous ? 3 : 0;
}
TST_SCENARIO("stats-known", stats_known_scenario);

/* ---- the scenario with a forked child ---- */

static void *nothing(void *arg)
{
	return arg;
}

static void run_joined(int n)
{
	for (int i = 0; i < n; i++) {
		pthread_t th;
		if (pthread_create(&th, NULL, nothing, NULL) || pthread_join(th, NULL))
			exit(1);
	}
}

/* Forks from a thread of the library's.  The child makes 3 threads and
 * ends when this thread, its only one, returns (exit.c's step 3). */
static void *forking_thread(void *arg)
{
	pid_t pid = fork();
	if (pid == 0) {
		run_joined(3);
		return NULL;
	}
	int status;
	*(int *)arg = pid > 0 && waitpid(pid, &status, 0) == pid &&
		      WIFEXITED(status) && WEXITSTATUS(status) == 0;
	return NULL;
}

/* The parent makes 5 threads: 2, the forking one, 2 more. */
static int stats_fork_scenario(void)
{
	run_joined(2);
	int child_ok = 0;
	pthread_t th;
	TST_CHILD_CHECK(!pthread_create(&th, NULL, forking_thread, &child_ok));
	TST_CHILD_CHECK(!pthread_join(th, NULL) && child_ok);
	run_joined(2);
	return 0;
}
TST_SCENARIO("stats-fork", stats_fork_scenario);

/* ---- reading the reports ---- */

static char dir[4096];

static void fresh_dir(void)
{
	snprintf(dir, sizeof dir, "%s/ct-stats.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(void)
{
	DIR *d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	struct dirent *e;
	char path[8192];
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
			unlink(path);
		}
	closedir(d);
	rmdir(dir);
}

/* The reports in the directory (files named r.*), up to max; their
 * names in names[], their count returned. */
static int reports(char names[][256], int max)
{
	DIR *d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "r.", 2)) {
			ck_assert_int_lt(n, max);
			snprintf(names[n++], 256, "%s", e->d_name);
		}
	closedir(d);
	return n;
}

/* The file's text, in memory of its own. */
static char *slurp(const char *name)
{
	char buf[65536], path[8192];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	int fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	ck_assert_int_gt(n, 0);
	buf[n] = 0;
	return strdup(buf);
}

/* The number after "key": in a JSON report (keys read so are unique in
 * it), or after `key' in a text one. */
static long long number_after(const char *doc, const char *key)
{
	const char *p = strstr(doc, key);
	ck_assert_msg(p != NULL, "no %s in the report:\n%s", key, doc);
	return strtoll(p + strlen(key), NULL, 10);
}

static long long json_number(const char *doc, const char *key)
{
	char k[64];
	snprintf(k, sizeof k, "\"%s\": ", key);
	return number_after(doc, k);
}

static void expected_lives(int life[LIFE_BUCKETS])
{
	char *e = slurp("expected");
	for (int b = 0; b < LIFE_BUCKETS; b++)
		life[b] = strtol(e, &e, 10);
}

static const char *const life_keys[LIFE_BUCKETS] = {
	"under_10us", "under_100us", "under_1ms", "under_10ms", "under_100ms",
	"longer" };

/* The report's lifetimes are the ones the scenario expects. */
static bool lives_as_expected(const char *r)
{
	int life[LIFE_BUCKETS];
	expected_lives(life);
	if (strchr(r, '{')) {
		for (int b = 0; b < LIFE_BUCKETS; b++)
			if (json_number(r, life_keys[b]) != life[b])
				return false;
		return true;
	}
	char line[256];
	snprintf(line, sizeof line, "\nlifetimes:           <10us %d, <100us %d, "
		 "<1ms %d, <10ms %d, <100ms %d, longer %d\n", life[0], life[1],
		 life[2], life[3], life[4], life[5]);
	return strstr(r, line) != NULL;
}

/* A scenario in a fresh process with statistics on in `format', until
 * its lifetimes are unambiguous; the one report it wrote.  A thread that
 * returns at once lives a few microseconds, as the library measures it
 * too, unless it is preempted in between on a loaded machine: then the
 * scenario runs again, up to five times. */
static char *run_known(const char *format)
{
	char stats[8192], where[8192];
	snprintf(stats, sizeof stats, "CLONETHREADS_STATS=%s/r.%%p", dir);
	snprintf(where, sizeof where, DIR_VAR "=%s", dir);
	char fmt[64];
	snprintf(fmt, sizeof fmt, "CLONETHREADS_STATS_FORMAT=%s", format);
	const char *env[] = { stats, where, fmt, NULL };
	int status, tries = 0;
	char *r = NULL;
	do {
		char names[4][256];
		for (int i = reports(names, 4); i-- > 0;) {
			char path[8192];
			snprintf(path, sizeof path, "%s/%s", dir, names[i]);
			unlink(path);
		}
		status = tst_rerun("stats-known", env);
		if (status == 0) {
			ck_assert_int_eq(reports(names, 4), 1);
			r = slurp(names[0]);
		}
	} while ((status == 3 || (status == 0 && !lives_as_expected(r))) &&
		 ++tries < 5);
	ck_assert_int_eq(status, 0);
	return r;
}


START_TEST(known_counts_json)
{
	fresh_dir();
	char *r = run_known("json");
	ck_assert_int_eq(json_number(r, "created"), 9);
	ck_assert_int_eq(json_number(r, "joinable"), 8);
	ck_assert_int_eq(json_number(r, "detached"), 1);
	ck_assert_int_eq(json_number(r, "detached_later"), 1);
	ck_assert_int_eq(json_number(r, "joined"), 7);
	ck_assert_int_eq(json_number(r, "peak_alive"), 4);
	ck_assert_int_eq(json_number(r, "alive_at_exit"), 0);
	ck_assert_int_eq(json_number(r, "failed_creates"), 0);
	ck_assert_int_eq(json_number(r, "pid") > 0, 1);
	/* Every create, start and join is in its histogram. */
	const char *p = strstr(r, "\"create_to_start\": ");
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(json_number(p, "count"), 9);
	p = strstr(r, "\"join_wait\": ");
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(json_number(p, "count"), 7);
	int life[LIFE_BUCKETS];
	expected_lives(life);
	for (int b = 0; b < LIFE_BUCKETS; b++)
		ck_assert_msg(json_number(r, life_keys[b]) == life[b],
			      "%s: %lld, expected %d:\n%s", life_keys[b],
			      json_number(r, life_keys[b]), life[b], r);
	/* 7 threads took the default size, 2 the attribute's 256 KiB. */
	ck_assert_ptr_nonnull(strstr(r, "\"from\": \"default\", \"count\": 7}"));
	ck_assert_ptr_nonnull(strstr(r, "{\"bytes\": 262144, \"from\": \"attribute\", \"count\": 2}"));
	if (tst_test_reuse()) {
		ck_assert_ptr_nonnull(strstr(r, "\"reuse\": {\"on\": true"));
		ck_assert_int_eq(json_number(r, "hits") + json_number(r, "misses"), 9);
		ck_assert_ptr_nonnull(strstr(r, "\"basis\": \"observed\""));
	} else {
		ck_assert_ptr_nonnull(strstr(r, "\"reuse\": {\"on\": false, \"hits\": 0, \"misses\": 0}"));
		/* The simulated pool: the 2nd and 3rd creates take the
		 * thread joined just before; the first of the four takes the
		 * 3rd; the four are parked when joined, and the last two
		 * creates take one of the default size each (the two of 64
		 * KiB fit none). */
		ck_assert_ptr_nonnull(strstr(r, "\"basis\": \"simulated\""));
		ck_assert_int_eq(json_number(r, "served"), 2 + 1 + 2);
		ck_assert_int_eq(json_number(r, "eligible"), 9);
	}
	remove_dir();
}
END_TEST

START_TEST(known_counts_text)
{
	fresh_dir();
	char *r = run_known("text");
	ck_assert_msg(strstr(r, "\nthreads:             created 9 (joinable 8, "
			     "detached 1), detached later 1, joined 7, peak "
			     "alive 4, alive at exit 0, creates failed 0\n"), "%s", r);
	int life[LIFE_BUCKETS];
	expected_lives(life);
	char line[256];
	snprintf(line, sizeof line, "\nlifetimes:           <10us %d, <100us %d, "
		 "<1ms %d, <10ms %d, <100ms %d, longer %d\n", life[0], life[1],
		 life[2], life[3], life[4], life[5]);
	ck_assert_msg(strstr(r, line), "no line%s in:\n%s", line, r);
	ck_assert_msg(strstr(r, "\nstack sizes:         ") &&
		      strstr(r, " (default) 7, 256 KiB (attribute) 2\n"), "%s", r);
	remove_dir();
}
END_TEST

/* The JSON report validates against the schema installed with the
 * library, by a validator of its own (and the jsonschema package, where
 * it is installed). */
START_TEST(json_schema)
{
	fresh_dir();
	run_known("json");
	char names[4][256], report[8192], schema[4096], check[4096];
	reports(names, 4);
	snprintf(report, sizeof report, "%s/%s", dir, names[0]);
	const char *src = getenv("CT_TEST_SRC_DIR");
	ck_assert_ptr_nonnull(src);
	snprintf(schema, sizeof schema, "%s/tools/clonethreads-stats.schema.json", src);
	snprintf(check, sizeof check, "%s/tests/json_schema_check.py", src);
	const char *python = getenv("PYTHON3");
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* Not the library's preload in the validator. */
		unsetenv("LD_PRELOAD");
		execlp(python && *python ? python : "python3", "python3", check,
		       schema, report, (char *)NULL);
		_exit(127);
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "the report does not validate (status %d):\n%s", status,
		      slurp(names[0]));
	remove_dir();
}
END_TEST

/* FILE without %p: each process writes FILE.PID. */
START_TEST(forked_child)
{
	fresh_dir();
	char stats[8192];
	snprintf(stats, sizeof stats, "CLONETHREADS_STATS=%s/r", dir);
	const char *env[] = { stats, "CLONETHREADS_STATS_FORMAT=json", NULL };
	ck_assert_int_eq(tst_rerun("stats-fork", env), 0);
	char names[4][256];
	ck_assert_int_eq(reports(names, 4), 2);
	int parent = -1, child = -1;
	for (int i = 0; i < 2; i++) {
		char *r = slurp(names[i]);
		long long pid = json_number(r, "pid"), created = json_number(r, "created");
		ck_assert_int_eq(atoll(names[i] + 2), pid);
		/* The child counts its own 3, none of its parent's. */
		if (created == 5)
			parent = i;
		else if (created == 3)
			child = i;
		ck_assert_msg(created == 5 || created == 3, "%s", r);
		ck_assert_int_eq(json_number(r, "joined"), created == 5 ? 5 : 3);
		ck_assert_int_eq(json_number(r, "alive_at_exit"), 0);
		ck_assert_int_eq(json_number(r, "under_10us") +
				 json_number(r, "under_100us") +
				 json_number(r, "under_1ms") +
				 json_number(r, "under_10ms") +
				 json_number(r, "under_100ms") +
				 json_number(r, "longer"), created);
	}
	ck_assert(parent >= 0 && child >= 0);
	remove_dir();
}
END_TEST

/* Unset or empty, nothing is written: no file, nothing on stderr. */
START_TEST(off_writes_nothing)
{
	fresh_dir();
	char where[8192], cwd[4096];
	snprintf(where, sizeof where, DIR_VAR "=%s", dir);
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
	ck_assert_int_eq(chdir(dir), 0);
	char err[8192];
	snprintf(err, sizeof err, "%s/stderr", dir);
	int fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600), saved = dup(2);
	ck_assert(fd >= 0 && saved >= 0);
	const char *unset[] = { where, "CLONETHREADS_STATS_FORMAT=json", NULL };
	const char *empty[] = { where, "CLONETHREADS_STATS=", NULL };
	fflush(stderr);
	dup2(fd, 2);
	unsetenv("CLONETHREADS_STATS");
	int status[2];
	do
		status[0] = tst_rerun("stats-known", unset);
	while (status[0] == 3);
	do
		status[1] = tst_rerun("stats-known", empty);
	while (status[1] == 3);
	dup2(saved, 2);
	close(saved);
	close(fd);
	ck_assert_int_eq(chdir(cwd), 0);
	ck_assert_int_eq(status[0], 0);
	ck_assert_int_eq(status[1], 0);
	struct stat st;
	ck_assert_int_eq(stat(err, &st), 0);
	ck_assert_int_eq(st.st_size, 0);
	DIR *d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	struct dirent *e;
	while ((e = readdir(d)))
		ck_assert_msg(e->d_name[0] == '.' || !strcmp(e->d_name, "expected") ||
			      !strcmp(e->d_name, "stderr"), "%s written", e->d_name);
	closedir(d);
	remove_dir();
}
END_TEST

TST_SUITE(stats_suite)
{
	Suite *s = suite_create("stats");
	TCase *tc = tcase_create("stats");
	tcase_set_timeout(tc, 60);
	tst_tcase_add_beyond_glibc(tc, known_counts_json, WHY);
	tst_tcase_add_beyond_glibc(tc, known_counts_text, WHY);
	tst_tcase_add_beyond_glibc(tc, json_schema, WHY);
	tst_tcase_add_beyond_glibc(tc, forked_child, WHY);
	tst_tcase_add_beyond_glibc(tc, off_writes_nothing, WHY);
	suite_add_tcase(s, tc);
	return s;
}
