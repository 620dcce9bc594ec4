/* SPDX-License-Identifier: MIT */
/* sqlite from several threads: each writer has its own connection to one
 * WAL database, readers on their own connections check a snapshot
 * invariant while the writers run, then several threads share a single
 * serialized connection.  Ends with PRAGMA integrity_check and totals that
 * do not depend on the interleaving.
 * Usage: sqlite DBFILE [--small]   (--small: fewer rows, for valgrind) */
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "which.h"

enum { WRITERS = 6, READERS = 3, SHARERS = 4, BATCH = 50 };
static int rows_each = 1500;	/* pairs per writer */

static const char *path;
static sqlite3 *shared;		/* one serialized connection for SHARERS */
static atomic_int writers_left = WRITERS;
static atomic_int failures;

static void fail(sqlite3 *db, const char *what)
{
	fprintf(stderr, "%s: %s\n", what, db ? sqlite3_errmsg(db) : "");
	atomic_fetch_add(&failures, 1);
}

static sqlite3 *open_db(int flags)
{
	sqlite3 *db;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | flags, NULL)) {
		fail(db, "open");
		exit(1);
	}
	sqlite3_busy_timeout(db, 60000);
	return db;
}

static void exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", sql, err);
		sqlite3_free(err);
		atomic_fetch_add(&failures, 1);
	}
}

static long query_long(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	long v = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fail(db, sql);
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else
		fail(db, sql);
	sqlite3_finalize(st);
	return v;
}

/* "label: value" for each row of a one-column statement. */
static void print_rows(sqlite3 *db, const char *label, const char *sql)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fail(db, sql);
		return;
	}
	while (sqlite3_step(st) == SQLITE_ROW)
		printf("%s: %s\n", label, sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

/* Rows come in pairs (+v, -v) inside one transaction, so any snapshot a
 * reader sees sums to zero. */
static void insert_pairs(sqlite3 *db, int who, int rows)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "INSERT INTO t(who, v) VALUES (?, ?)", -1,
			       &st, NULL) != SQLITE_OK) {
		fail(db, "prepare insert");
		return;
	}
	/* A shared connection has one transaction at a time: its users
	 * hold the connection's own mutex across each of theirs. */
	sqlite3_mutex *m = db == shared ? sqlite3_db_mutex(db) : NULL;
	for (int i = 0; i < rows; i += BATCH) {
		sqlite3_mutex_enter(m);
		exec(db, "BEGIN IMMEDIATE");
		for (int k = i; k < i + BATCH && k < rows; k++) {
			for (int sign = 1; sign >= -1; sign -= 2) {
				sqlite3_bind_int(st, 1, who);
				sqlite3_bind_int(st, 2, sign * (k + 1));
				if (sqlite3_step(st) != SQLITE_DONE)
					fail(db, "insert");
				sqlite3_reset(st);
			}
		}
		exec(db, "COMMIT");
		sqlite3_mutex_leave(m);
	}
	sqlite3_finalize(st);
}

static void *writer(void *arg)
{
	sqlite3 *db = open_db(SQLITE_OPEN_NOMUTEX);
	insert_pairs(db, (int)(long)arg, rows_each);
	sqlite3_close(db);
	atomic_fetch_sub(&writers_left, 1);
	return NULL;
}

static void *reader(void *arg)
{
	sqlite3 *db = open_db(SQLITE_OPEN_NOMUTEX);
	do {
		if (query_long(db, "SELECT coalesce(sum(v), 0) FROM t") != 0)
			fail(NULL, "a snapshot that does not sum to zero");
	} while (atomic_load(&writers_left) > 0);
	sqlite3_close(db);
	return NULL;
}

static void *sharer(void *arg)
{
	insert_pairs(shared, 100 + (int)(long)arg, rows_each / 2);
	return NULL;
}

static void run(void *(*fn)(void *), int n, pthread_t *ts)
{
	for (long i = 0; i < n; i++)
		if (pthread_create(&ts[i], NULL, fn, (void *)i))
			fail(NULL, "pthread_create");
}

static void join(int n, pthread_t *ts)
{
	for (int i = 0; i < n; i++)
		pthread_join(ts[i], NULL);
}

int main(int argc, char **argv)
{
	if (argc < 2 || !sqlite3_threadsafe())
		return 2;
	if (argc > 2 && !strcmp(argv[2], "--small"))
		rows_each = 50;
	path = argv[1];
	unlink(path);
	sqlite3 *db;
	if (sqlite3_open(path, &db))
		return 2;
	which_print();
	print_rows(db, "journal mode", "PRAGMA journal_mode=WAL");
	exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, who INTEGER, v INTEGER)");
	sqlite3_close(db);

	pthread_t w[WRITERS], r[READERS], s[SHARERS];
	run(reader, READERS, r);
	run(writer, WRITERS, w);
	join(WRITERS, w);
	join(READERS, r);

	shared = open_db(SQLITE_OPEN_FULLMUTEX);
	run(sharer, SHARERS, s);
	join(SHARERS, s);
	sqlite3_close(shared);

	db = open_db(0);
	printf("rows: %ld\n", query_long(db, "SELECT count(*) FROM t"));
	printf("writers: %ld\n", query_long(db, "SELECT count(DISTINCT who) FROM t"));
	printf("sum of positive values: %ld\n",
	       query_long(db, "SELECT sum(v) FROM t WHERE v > 0"));
	print_rows(db, "integrity_check", "PRAGMA integrity_check");
	exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
	sqlite3_close(db);
	printf("failures: %d\n", atomic_load(&failures));
	return atomic_load(&failures) ? 1 : 0;
}
