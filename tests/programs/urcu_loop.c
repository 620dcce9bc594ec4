/* SPDX-License-Identifier: MIT */
/* RCU readers in threads that come and go: for each liburcu flavour, a
 * writer keeps replacing a shared object (freed through call_rcu or after
 * synchronize_rcu) while rounds of short-lived reader threads register,
 * read, unregister and exit.  A freed object is poisoned first, so a
 * reader that could see it after its grace period would count a bad read.
 * Thread registration is where liburcu meets the thread library: it keeps
 * every registered thread on a list (and, for the signal flavour, signals
 * each of them with pthread_kill at every grace period). */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <urcu/call-rcu.h>
#include <urcu/flavor.h>
#include <urcu/pointer.h>
#include "which.h"

extern const struct rcu_flavor_struct urcu_memb_flavor, urcu_mb_flavor,
	urcu_signal_flavor, urcu_qsbr_flavor, urcu_bp_flavor;

enum { READERS = 4, READS = 300 };
static int rounds = 200;	/* --small: 10, for valgrind */
enum { LIVE = 0x11fe, DEAD = 0xdead };

struct obj {
	long magic;
	struct rcu_head head;
};

static const struct rcu_flavor_struct *fl;
static struct obj *current;
static atomic_long bad_reads, retired_by_callback, callbacks_run;
static atomic_bool stop;

static void retire(struct obj *o)
{
	o->magic = DEAD;
	free(o);
}

static void free_cb(struct rcu_head *h)
{
	atomic_fetch_add(&callbacks_run, 1);
	retire((struct obj *)((char *)h - offsetof(struct obj, head)));
}

static struct obj *fresh(void)
{
	struct obj *o = calloc(1, sizeof *o);
	o->magic = LIVE;
	return o;
}

static void *reader(void *arg)
{
	fl->register_thread();
	for (int i = 0; i < READS; i++) {
		fl->read_lock();
		struct obj *o = rcu_dereference(current);
		if (o->magic != LIVE)
			atomic_fetch_add(&bad_reads, 1);
		fl->read_unlock();
		fl->read_quiescent_state();	/* qsbr; a no-op elsewhere */
	}
	fl->unregister_thread();
	return NULL;
}

static void *writer(void *arg)
{
	for (long n = 0; !atomic_load(&stop); n++) {
		struct obj *old = rcu_xchg_pointer(&current, fresh());
		if (n % 2) {
			atomic_fetch_add(&retired_by_callback, 1);
			fl->update_call_rcu(&old->head, free_cb);
		} else {
			fl->update_synchronize_rcu();
			retire(old);
		}
		/* Let the readers run: under valgrind threads take turns. */
		sched_yield();
	}
	return NULL;
}

static int run_flavor(const char *name, const struct rcu_flavor_struct *f)
{
	fl = f;
	current = fresh();
	atomic_store(&stop, false);
	atomic_store(&bad_reads, 0);
	atomic_store(&retired_by_callback, 0);
	atomic_store(&callbacks_run, 0);
	pthread_t w, r[READERS];
	pthread_create(&w, NULL, writer, NULL);
	int created = 0;
	for (int round = 0; round < rounds; round++) {
		for (int i = 0; i < READERS; i++)
			created += pthread_create(&r[i], NULL, reader, NULL) == 0;
		for (int i = 0; i < READERS; i++)
			pthread_join(r[i], NULL);
	}
	atomic_store(&stop, true);
	pthread_join(w, NULL);
	fl->barrier();		/* every call_rcu callback has run */
	retire(current);
	int ok = created == rounds * READERS && atomic_load(&bad_reads) == 0 &&
		 atomic_load(&callbacks_run) == atomic_load(&retired_by_callback);
	printf("%s: %d reader threads, %ld bad reads, call_rcu callbacks %s\n",
	       name, created, atomic_load(&bad_reads),
	       atomic_load(&callbacks_run) == atomic_load(&retired_by_callback) ?
		       "all ran" : "MISSING");
	return ok;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--small"))
		rounds = 10;
	which_print();
	int ok = run_flavor("memb", &urcu_memb_flavor);
	ok &= run_flavor("mb", &urcu_mb_flavor);
	ok &= run_flavor("signal", &urcu_signal_flavor);
	ok &= run_flavor("qsbr", &urcu_qsbr_flavor);
	ok &= run_flavor("bp", &urcu_bp_flavor);
	return ok ? 0 : 1;
}
