/* SPDX-License-Identifier: MIT */
/* Cancellation: every kind of blocking point with the thread already
 * blocked when the request comes, many rounds each; cleanup handlers of
 * every kind in order; a read that received data is not lost; state and
 * type; the synchronization objects' duties when a waiter is cancelled;
 * functions that are no cancellation points; cancelling main. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cleanup_x.h"
#include "common.h"
#include "once_nounwind.h"

/* ---- every blocking point, blocked when the request comes ---- */

enum point {
	READ, NANOSLEEP, FGETS, POLL, SIGWAIT, COND, COND_TIMED, SEM,
	SEM_TIMED, JOIN, TESTCANCEL, ASYNC, NPOINTS
};
static const char *const point_names[] = {
	"read", "nanosleep", "fgets", "poll", "sigwait", "cond", "cond_timed",
	"sem", "sem_timed", "join", "testcancel", "async"
};

struct blocked {
	enum point point;
	atomic_int tid, cleaned;
	int pipe[2];
	FILE *in;
	pthread_mutex_t m;
	pthread_cond_t c;
	sem_t s;
	pthread_t other;	/* JOIN waits for it */
};

static void cleaned(void *arg)
{
	struct blocked *b = arg;
	/* A condvar waiter is cancelled with the mutex held again (POSIX);
	 * an errorcheck mutex says whose it is. */
	if (b->point == COND || b->point == COND_TIMED) {
		if (pthread_mutex_lock(&b->m) != EDEADLK)
			return;
		pthread_mutex_unlock(&b->m);
	}
	atomic_store(&b->cleaned, 1);
}

static void *blocker(void *arg)
{
	struct blocked *b = arg;
	char buf[64];
	struct timespec t;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	atomic_store(&b->tid, tst_gettid());
	pthread_cleanup_push(cleaned, b);
	switch (b->point) {
	case READ:
		read(b->pipe[0], buf, sizeof buf);
		break;
	case NANOSLEEP:
		t = (struct timespec){ 100, 0 };
		nanosleep(&t, NULL);
		break;
	case FGETS:
		fgets(buf, sizeof buf, b->in);
		break;
	case POLL: {
		struct pollfd p = { .fd = b->pipe[0], .events = POLLIN };
		poll(&p, 1, 100000);
		break;
	}
	case SIGWAIT: {
		int sig;
		sigwait(&set, &sig);
		break;
	}
	case COND:
	case COND_TIMED:
		pthread_mutex_lock(&b->m);
		t = tst_deadline(CLOCK_REALTIME, 100000);
		for (;;)
			if (b->point == COND)
				pthread_cond_wait(&b->c, &b->m);
			else
				pthread_cond_timedwait(&b->c, &b->m, &t);
	case SEM:
		sem_wait(&b->s);
		break;
	case SEM_TIMED:
		t = tst_deadline(CLOCK_REALTIME, 100000);
		sem_timedwait(&b->s, &t);
		break;
	case JOIN:
		pthread_join(b->other, NULL);
		break;
	case TESTCANCEL:
		for (;;)
			pthread_testcancel();
	case ASYNC:
		pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, NULL);
		for (;;)
			;
	case NPOINTS:
		break;
	}
	pthread_cleanup_pop(0);
	return (void *)1;	/* not cancelled */
}

static void *sleeper(void *fd)
{
	char c;
	read((int)(intptr_t)fd, &c, 1);
	return NULL;
}

#define POINT_ROUNDS 25

START_TEST(cancel_blocked)
{
	enum point p = _i;
	for (int round = 0; round < POINT_ROUNDS; round++) {
		static struct blocked b;
		b = (struct blocked){ .point = p };
		ck_assert_int_eq(pipe(b.pipe), 0);
		pthread_mutexattr_t ma;
		pthread_mutexattr_init(&ma);
		pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ERRORCHECK);
		pthread_mutex_init(&b.m, &ma);
		pthread_cond_init(&b.c, NULL);
		sem_init(&b.s, 0, 0);
		b.in = fdopen(b.pipe[0], "r");
		if (p == JOIN)
			b.other = tst_start(NULL, sleeper, (void *)(intptr_t)b.pipe[0]);
		pthread_t th = tst_start(NULL, blocker, &b);
		while (!atomic_load(&b.tid))
			sched_yield();
		if (p != TESTCANCEL && p != ASYNC)
			ck_assert(tst_wait_blocked(atomic_load(&b.tid)));
		ck_assert_int_eq(pthread_cancel(th), 0);
		ck_assert_msg(tst_join(th) == PTHREAD_CANCELED, "%s, round %d",
			      point_names[p], round);
		ck_assert_msg(atomic_load(&b.cleaned), "%s: no cleanup",
			      point_names[p]);
		if (p == FGETS)	/* glibc's own cleanup released the FILE */
			ck_assert_int_eq(ftrylockfile(b.in), 0);
		if (p == JOIN) {	/* still joinable: the join gave up */
			ck_assert_int_eq(write(b.pipe[1], "x", 1), 1);
			tst_join(b.other);
		}
		fclose(b.in);
		close(b.pipe[1]);
		sem_destroy(&b.s);
		pthread_cond_destroy(&b.c);
		pthread_mutex_destroy(&b.m);
	}
}
END_TEST

/* ---- cleanup handlers: order, every kind, pthread_exit too ---- */

static char order[16];

/* The old-style buffers: glibc exports these, no header declares them. */
extern void _pthread_cleanup_push(struct _pthread_cleanup_buffer *,
				  void (*)(void *), void *);
extern void _pthread_cleanup_pop(struct _pthread_cleanup_buffer *, int);

static void append(void *c)
{
	size_t n = strlen(order);
	order[n] = (char)(intptr_t)c;
	order[n + 1] = 0;
}

static void *pushes(void *arg)
{
	struct _pthread_cleanup_buffer old;
	/* The old-style buffers glibc's own code uses, under the others. */
	_pthread_cleanup_push(&old, append, (void *)(intptr_t)'0');
	pthread_cleanup_push(append, (void *)(intptr_t)'1');
	pthread_cleanup_push(append, (void *)(intptr_t)'2');
	pthread_cleanup_push(append, (void *)(intptr_t)'3');
	if (arg)
		pthread_exit(arg);
	for (;;)
		pause();
	pthread_cleanup_pop(0);
	pthread_cleanup_pop(0);
	pthread_cleanup_pop(0);
	_pthread_cleanup_pop(&old, 0);
	return NULL;
}

START_TEST(cleanup_order)
{
	for (int round = 0; round < 20; round++) {
		order[0] = 0;
		ck_assert_ptr_eq(tst_join(tst_start(NULL, pushes, (void *)7)), (void *)7);
		ck_assert_str_eq(order, "3210");
		order[0] = 0;
		pthread_t th = tst_start(NULL, pushes, NULL);
		ck_assert_int_eq(pthread_cancel(th), 0);
		ck_assert_ptr_eq(tst_join(th), PTHREAD_CANCELED);
		ck_assert_str_eq(order, "3210");
		/* The exception-based variant of <pthread.h>. */
		char buf[8] = "";
		th = tst_start(NULL, tst_cleanup_x_thread, buf);
		ck_assert_int_eq(pthread_cancel(th), 0);
		ck_assert_ptr_eq(tst_join(th), PTHREAD_CANCELED);
		ck_assert_str_eq(buf, "321");
	}
}
END_TEST

/* pthread_cleanup_push_defer_np makes an asynchronous thread deferred
 * inside the region; pop_restore_np makes it asynchronous again, acting
 * on a request made meanwhile. */
static atomic_int defer_phase;

static void *deferring(void *arg)
{
	pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, NULL);
	pthread_cleanup_push_defer_np(append, (void *)(intptr_t)'d');
	atomic_store(&defer_phase, 1);
	while (atomic_load(&defer_phase) < 2)	/* cancelled here: deferred */
		;
	int type;
	pthread_setcanceltype(PTHREAD_CANCEL_DEFERRED, &type);
	append((void *)(intptr_t)(type == PTHREAD_CANCEL_DEFERRED ? 'D' : 'A'));
	pthread_setcanceltype(type, NULL);
	pthread_cleanup_pop_restore_np(0);	/* acts: never returns */
	append((void *)(intptr_t)'!');
	return NULL;
}

START_TEST(cleanup_defer_np)
{
	order[0] = 0;
	defer_phase = 0;
	pthread_t th = tst_start(NULL, deferring, NULL);
	tst_wait_at_least(&defer_phase, 1);
	ck_assert_int_eq(pthread_cancel(th), 0);
	atomic_store(&defer_phase, 2);
	ck_assert_ptr_eq(tst_join(th), PTHREAD_CANCELED);
	ck_assert_str_eq(order, "D");
}
END_TEST

/* ---- a read that got its data is not cancelled: the data is kept ---- */

struct reader {
	int fd;
	atomic_int tid, got;
};

/* Reads one byte, then waits in pause() for the request, which may also
 * have come while read still ran. */
static void *reading(void *arg)
{
	struct reader *r = arg;
	char c;
	atomic_store(&r->tid, tst_gettid());
	if (read(r->fd, &c, 1) == 1)
		atomic_store(&r->got, 1);
	for (;;)
		pause();
	return NULL;
}

/* The byte is written just before the cancel: either the read returned
 * it, or it is still in the pipe.  Acting on the request after the read
 * had completed would lose it. */
START_TEST(read_not_lost)
{
	int kept = 0, returned = 0;
	for (int round = 0; round < 300; round++) {
		int fds[2];
		ck_assert_int_eq(pipe2(fds, O_NONBLOCK), 0);
		struct reader r = { .fd = fds[0] };
		ck_assert_int_eq(fcntl(fds[0], F_SETFL, 0), 0);	/* blocking */
		pthread_t th = tst_start(NULL, reading, &r);
		while (!atomic_load(&r.tid))
			sched_yield();
		ck_assert(tst_wait_blocked(atomic_load(&r.tid)));
		ck_assert_int_eq(write(fds[1], "x", 1), 1);
		ck_assert_int_eq(pthread_cancel(th), 0);
		ck_assert_ptr_eq(tst_join(th), PTHREAD_CANCELED);
		ck_assert_int_eq(fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
		char c;
		int in_pipe = read(fds[0], &c, 1) == 1;
		ck_assert_msg(in_pipe != atomic_load(&r.got),
			      "round %d: the byte was %s", round,
			      in_pipe ? "read twice" : "lost");
		kept += in_pipe;
		returned += atomic_load(&r.got);
		close(fds[0]);
		close(fds[1]);
	}
	fprintf(stderr, "read_not_lost: %d returned, %d left in the pipe\n",
		returned, kept);
}
END_TEST

/* ---- a request that arrives in a signal handler inside the call ---- */

/* The thread sits in read; a handler of the program runs in it (inside
 * read's cancellation window) while the request comes.  The request must
 * still end the thread once read blocks again. */
static atomic_int in_handler, handler_release;

static void busy_handler(int sig)
{
	atomic_store(&in_handler, 1);
	while (!atomic_load(&handler_release))
		;
}

START_TEST(cancel_during_handler)
{
	struct sigaction sa = { .sa_handler = busy_handler, .sa_flags = SA_RESTART };
	sigemptyset(&sa.sa_mask);
	ck_assert_int_eq(sigaction(SIGUSR1, &sa, NULL), 0);
	for (int round = 0; round < 10; round++) {
		int fds[2];
		ck_assert_int_eq(pipe(fds), 0);
		struct reader r = { .fd = fds[0] };
		in_handler = handler_release = 0;
		pthread_t th = tst_start(NULL, reading, &r);
		while (!atomic_load(&r.tid))
			sched_yield();
		ck_assert(tst_wait_blocked(atomic_load(&r.tid)));
		ck_assert_int_eq(pthread_kill(th, SIGUSR1), 0);
		tst_wait_at_least(&in_handler, 1);
		ck_assert_int_eq(pthread_cancel(th), 0);
		atomic_store(&handler_release, 1);
		ck_assert_ptr_eq(tst_join(th), PTHREAD_CANCELED);
		ck_assert_int_eq(atomic_load(&r.got), 0);
		close(fds[0]);
		close(fds[1]);
	}
	signal(SIGUSR1, SIG_DFL);
}
END_TEST

/* ---- state and type ---- */

static void *states(void *arg)
{
	int old;
	if (pthread_setcancelstate(7, &old) != EINVAL ||
	    pthread_setcanceltype(7, &old) != EINVAL)
		return (void *)1;
	if (pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old) ||
	    old != PTHREAD_CANCEL_ENABLE)
		return (void *)2;
	pthread_cancel(pthread_self());
	/* Disabled: the cancellation points let it pass. */
	struct timespec ms = { 0, 1000000 };
	if (nanosleep(&ms, NULL))
		return (void *)3;
	pthread_testcancel();
	if (pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, &old) ||
	    old != PTHREAD_CANCEL_DEFERRED)
		return (void *)4;
	if (pthread_setcanceltype(PTHREAD_CANCEL_DEFERRED, &old) ||
	    old != PTHREAD_CANCEL_ASYNCHRONOUS)
		return (void *)5;
	if (pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old) ||
	    old != PTHREAD_CANCEL_DISABLE)
		return (void *)6;
	/* Enabled, deferred: pending until a cancellation point. */
	append((void *)(intptr_t)'e');
	pthread_testcancel();
	return (void *)7;
}

START_TEST(state_and_type)
{
	order[0] = 0;
	ck_assert_ptr_eq(tst_join(tst_start(NULL, states, NULL)), PTHREAD_CANCELED);
	ck_assert_str_eq(order, "e");
}
END_TEST

/* Asynchronous with a request pending: acts at once. */
static void *async_pending(void *arg)
{
	pthread_cancel(pthread_self());
	append((void *)(intptr_t)'a');
	pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, NULL);
	append((void *)(intptr_t)'!');
	return NULL;
}

START_TEST(async_acts_at_once)
{
	order[0] = 0;
	ck_assert_ptr_eq(tst_join(tst_start(NULL, async_pending, NULL)),
			 PTHREAD_CANCELED);
	ck_assert_str_eq(order, "a");
}
END_TEST

/* A thread that has ended keeps its value: cancel succeeds, changes
 * nothing. */
static void *returns_seven(void *arg)
{
	atomic_store((atomic_int *)arg, tst_gettid());
	return (void *)7;
}

START_TEST(cancel_ended)
{
	atomic_int tid = 0;
	pthread_t th = tst_start(NULL, returns_seven, &tid);
	tst_wait_at_least(&tid, 1);
	ck_assert(tst_wait_ended(atomic_load(&tid)));
	/* glibc before 2.34 said ESRCH */
	ck_assert_int_eq(pthread_cancel(th), tst_test_glibc_before(2, 34) ? ESRCH : 0);
	ck_assert_ptr_eq(tst_join(th), (void *)7);
}
END_TEST

/* ---- the synchronization objects when a waiter is cancelled ---- */

/* Two waiters blocked; one wake-up (a condvar signal, a semaphore post),
 * and one of the waiters cancelled at once.  If the cancelled one took
 * the wake-up with it, the other must still wake: a cancelled waiter
 * consumes no signal (POSIX), and a post is not lost.  When the
 * cancelled one returned normally instead, the other is released at the
 * end. */
struct pair {
	pthread_mutex_t m;
	pthread_cond_t c;
	sem_t s;
	int tokens, stop;	/* under m */
	int async;		/* the first waiter waits asynchronous */
	atomic_int tid[2], woke[2];
};

static void unlock_m(void *m)
{
	pthread_mutex_unlock(m);
}

static void *cond_waiter(void *arg)
{
	struct pair *p = arg;
	int me = atomic_load(&p->tid[0]) ? 1 : 0;
	pthread_mutex_lock(&p->m);
	atomic_store(&p->tid[me], tst_gettid());
	pthread_cleanup_push(unlock_m, &p->m);
	while (!p->tokens && !p->stop)
		pthread_cond_wait(&p->c, &p->m);
	if (p->tokens) {
		p->tokens--;
		atomic_store(&p->woke[me], 1);
	}
	pthread_cleanup_pop(1);
	return NULL;
}

static void *sem_waiter(void *arg)
{
	struct pair *p = arg;
	int me = atomic_load(&p->tid[0]) ? 1 : 0;
	if (me == 0 && p->async)
		pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, NULL);
	atomic_store(&p->tid[me], tst_gettid());
	if (sem_wait(&p->s) == 0)
		atomic_store(&p->woke[me], 1);
	return NULL;
}

/* The pair blocked, in waiter's routine: a and b. */
static void start_pair(struct pair *p, void *(*waiter)(void *), int async,
		       pthread_t *a, pthread_t *b)
{
	*p = (struct pair){ .m = PTHREAD_MUTEX_INITIALIZER,
			    .c = PTHREAD_COND_INITIALIZER, .async = async };
	sem_init(&p->s, 0, 0);
	*a = tst_start(NULL, waiter, p);
	while (!atomic_load(&p->tid[0]))
		sched_yield();
	*b = tst_start(NULL, waiter, p);
	while (!atomic_load(&p->tid[1]))
		sched_yield();
	ck_assert(tst_wait_blocked(atomic_load(&p->tid[0])));
	ck_assert(tst_wait_blocked(atomic_load(&p->tid[1])));
}

/* Takes the mutex, which the test holds: the signal then finds it
 * contended, and moves its waiter onto the mutex instead of waking it. */
static atomic_int contender_tid;

static void *contender(void *arg)
{
	struct pair *p = arg;
	atomic_store(&contender_tid, tst_gettid());
	pthread_mutex_lock(&p->m);
	pthread_mutex_unlock(&p->m);
	return NULL;
}

START_TEST(cond_cancel_passes_signal)
{
	int passed = 0;
	for (int round = 0; round < 100; round++) {
		static struct pair p;
		pthread_t a, b;
		start_pair(&p, cond_waiter, 0, &a, &b);
		pthread_mutex_lock(&p.m);
		contender_tid = 0;
		pthread_t c = tst_start(NULL, contender, &p);
		tst_wait_at_least(&contender_tid, 1);
		ck_assert(tst_wait_blocked(atomic_load(&contender_tid)));
		p.tokens = 1;
		pthread_cond_signal(&p.c);
		pthread_cancel(a);
		pthread_mutex_unlock(&p.m);
		if (tst_join(a) != PTHREAD_CANCELED) {
			pthread_mutex_lock(&p.m);	/* a had it: release b */
			p.stop = 1;
			pthread_cond_broadcast(&p.c);
			pthread_mutex_unlock(&p.m);
		} else {
			passed++;
		}
		tst_join(b);
		tst_join(c);
		ck_assert_msg(atomic_load(&p.woke[0]) + atomic_load(&p.woke[1]) == 1,
			      "round %d: the signal was lost", round);
	}
	fprintf(stderr, "cond_cancel_passes_signal: %d of 100 cancelled\n", passed);
}
END_TEST

/* The same for a semaphore.  A waiter that waits asynchronous (_i) can
 * be cancelled after the post woke it, before it took the token; or after
 * its sem_wait returned with the token, which then goes with it (sem_wait
 * is not async-cancel-safe): lost is a token left in the semaphore while
 * b sleeps. */
START_TEST(sem_cancel_passes_post)
{
	for (int round = 0; round < 100; round++) {
		static struct pair p;
		pthread_t a, b;
		start_pair(&p, sem_waiter, _i, &a, &b);
		sem_post(&p.s);
		pthread_cancel(a);
		if (tst_join(a) != PTHREAD_CANCELED) {
			sem_post(&p.s);	/* a had it: release b */
		} else if (_i && tst_wait_blocked(atomic_load(&p.tid[1])) &&
			   !atomic_load(&p.woke[1])) {
			int value;
			sem_getvalue(&p.s, &value);
			ck_assert_msg(value == 0, "round %d: the post's wake-up "
				      "was lost", round);
			sem_post(&p.s);	/* a was cancelled holding it */
		}
		tst_join(b);
		ck_assert_msg(atomic_load(&p.woke[1]), "round %d: the post's "
			      "wake-up was lost", round);
		sem_destroy(&p.s);
	}
}
END_TEST

/* A cancelled init routine leaves pthread_once as if never called. */
static pthread_once_t once = PTHREAD_ONCE_INIT;
static atomic_int once_runs;

static void once_init(void)
{
	if (atomic_fetch_add(&once_runs, 1) == 0) {
		pthread_cancel(pthread_self());
		pthread_testcancel();
	}
}

static void *once_thread(void *arg)
{
	pthread_once(&once, once_init);
	return NULL;
}

START_TEST(once_cancelled)
{
	ck_assert_ptr_eq(tst_join(tst_start(NULL, once_thread, NULL)), PTHREAD_CANCELED);
	ck_assert_int_eq(atomic_load(&once_runs), 1);
	ck_assert_ptr_eq(tst_join(tst_start(NULL, once_thread, NULL)), NULL);
	ck_assert_int_eq(atomic_load(&once_runs), 2);
	pthread_once(&once, once_init);
	ck_assert_int_eq(atomic_load(&once_runs), 2);
}
END_TEST

/* An init routine cancelled in a frame without unwind information: the
 * unwinder stops there and jumps to the thread's outermost buffer, past
 * pthread_once's frame, which must still leave the control unused -- a
 * waiter already blocked on it then runs its own init. */
#define NOUNWIND_ROUNDS 20
static pthread_once_t nounwind_once;
static atomic_int nounwind_waiter_tid, nounwind_second;

static void nounwind_second_init(void)
{
	atomic_fetch_add(&nounwind_second, 1);
}

static void *nounwind_runner(void *arg)
{
	pthread_once(&nounwind_once, tst_once_nounwind_init);
	return NULL;
}

static void *nounwind_waiter(void *arg)
{
	atomic_store(&nounwind_waiter_tid, tst_gettid());
	pthread_once(&nounwind_once, nounwind_second_init);
	return NULL;
}

START_TEST(once_cancelled_without_unwind_info)
{
	for (int round = 0; round < NOUNWIND_ROUNDS; round++) {
		nounwind_once = PTHREAD_ONCE_INIT;
		atomic_store(&tst_once_nounwind_tid, 0);
		atomic_store(&nounwind_waiter_tid, 0);
		pthread_t runner = tst_start(NULL, nounwind_runner, NULL);
		tst_wait_at_least(&tst_once_nounwind_tid, 1);
		ck_assert(tst_wait_blocked(atomic_load(&tst_once_nounwind_tid)));
		pthread_t waiter = tst_start(NULL, nounwind_waiter, NULL);
		tst_wait_at_least(&nounwind_waiter_tid, 1);
		ck_assert(tst_wait_blocked(atomic_load(&nounwind_waiter_tid)));
		ck_assert_int_eq(pthread_cancel(runner), 0);
		ck_assert_ptr_eq(tst_join(runner), PTHREAD_CANCELED);
		struct timespec limit = tst_deadline(CLOCK_REALTIME, 10000);
		int r = pthread_timedjoin_np(waiter, NULL, &limit);
		ck_assert_msg(r == 0, "round %d: the waiter still waits on the "
			      "control after the init routine was cancelled "
			      "(%s)", round, strerror(r));
		ck_assert_int_eq(atomic_load(&nounwind_second), round + 1);
	}
}
END_TEST

/* ---- functions that are no cancellation points ---- */

/* Each one's work includes calls that glibc makes cancellation points
 * (open, read, write, close, a stdio stream's I/O): a request pending
 * at the call must not act inside it, and must act at the next
 * cancellation point. */
enum not_point {
	SEM_OPEN, SEM_CLOSE, SEM_UNLINK, GETATTR_MAIN, SETNAME_OTHER,
	GETNAME_OTHER, NNOT_POINTS
};
static const char *const not_point_names[] = {
	"sem_open", "sem_close", "sem_unlink", "pthread_getattr_np (main)",
	"pthread_setname_np (another thread)",
	"pthread_getname_np (another thread)"
};

struct not_point_job {
	enum not_point which;
	pthread_t other;	/* the main thread */
	char sem_name[64];
	sem_t *sem;
	atomic_int returned;
	int result;
};

static void *not_point(void *arg)
{
	struct not_point_job *j = arg;
	/* A request pending, enabled, deferred. */
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	pthread_cancel(pthread_self());
	pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
	pthread_attr_t a;
	char name[16];
	switch (j->which) {
	case SEM_OPEN:
		j->sem = sem_open(j->sem_name, O_CREAT | O_EXCL, 0600, 1);
		j->result = j->sem == SEM_FAILED ? errno : 0;
		break;
	case SEM_CLOSE:
		j->result = sem_close(j->sem) ? errno : 0;
		break;
	case SEM_UNLINK:
		j->result = sem_unlink(j->sem_name) ? errno : 0;
		break;
	case GETATTR_MAIN:
		j->result = pthread_getattr_np(j->other, &a);
		if (!j->result)
			pthread_attr_destroy(&a);
		break;
	case SETNAME_OTHER:
		j->result = pthread_setname_np(j->other, "ct-renamed");
		break;
	case GETNAME_OTHER:
		j->result = pthread_getname_np(j->other, name, sizeof name);
		break;
	default:
		break;
	}
	atomic_store(&j->returned, 1);
	pthread_testcancel();
	return NULL;
}

START_TEST(not_points_keep_request)
{
	static struct not_point_job j;
	j = (struct not_point_job){ .which = _i, .other = pthread_self() };
	snprintf(j.sem_name, sizeof j.sem_name, "/ct-not-point-%d", (int)getpid());
	sem_unlink(j.sem_name);
	if (_i == SEM_CLOSE || _i == SEM_UNLINK) {
		j.sem = sem_open(j.sem_name, O_CREAT | O_EXCL, 0600, 1);
		ck_assert_ptr_ne(j.sem, SEM_FAILED);
	}
	char saved[16];
	ck_assert_int_eq(pthread_getname_np(pthread_self(), saved, sizeof saved), 0);
	void *r = tst_join(tst_start(NULL, not_point, &j));
	ck_assert_int_eq(pthread_setname_np(pthread_self(), saved), 0);
	if (_i == SEM_OPEN && j.returned && !j.result)
		sem_close(j.sem);
	if (_i == SEM_UNLINK)
		sem_close(j.sem);
	int unlinked = sem_unlink(j.sem_name) ? errno : 0;
	ck_assert_msg(atomic_load(&j.returned), "%s acted on the request",
		      not_point_names[_i]);
	ck_assert_msg(j.result == 0, "%s: %s", not_point_names[_i],
		      strerror(j.result));
	ck_assert_ptr_eq(r, PTHREAD_CANCELED);
	/* sem_unlink removed the name; the others left it to us. */
	ck_assert_int_eq(unlinked, _i == SEM_UNLINK ? ENOENT :
			 _i <= SEM_UNLINK ? 0 : ENOENT);
}
END_TEST

/* ---- cancelling main (a scenario in its own process) ---- */

static pthread_t main_handle;
static FILE *main_marker;

static void main_cleanup(void *arg)
{
	fputs("main cleanup\n", main_marker);
}

static void *main_canceller(void *arg)
{
	if (!tst_wait_blocked(getpid()) || pthread_cancel(main_handle))
		return NULL;
	void *ret = NULL;
	if (pthread_join(main_handle, &ret) == 0 && ret == PTHREAD_CANCELED)
		fputs("main cancelled\n", main_marker);
	return NULL;	/* the last thread: the process exits 0 */
}

static void main_atexit(void)
{
	fputs("atexit\n", main_marker);
}

static int cancel_main_scenario(void)
{
	main_marker = tst_marker();
	TST_CHILD_CHECK(main_marker != NULL);
	TST_CHILD_CHECK(atexit(main_atexit) == 0);
	main_handle = pthread_self();
	pthread_t th;
	TST_CHILD_CHECK(pthread_create(&th, NULL, main_canceller, NULL) == 0);
	pthread_cleanup_push(main_cleanup, NULL);
	for (;;)
		pause();
	pthread_cleanup_pop(0);
	return 1;
}
TST_SCENARIO("cancel-main", cancel_main_scenario);

START_TEST(cancel_main)
{
	char out[128];
	ck_assert_int_eq(tst_rerun_marked("cancel-main", out, sizeof out), 0);
	ck_assert_str_eq(out, "main cleanup\nmain cancelled\natexit\n");
}
END_TEST

TST_SUITE(cancel_suite)
{
	Suite *s = suite_create("cancel");
	TCase *tc = tcase_create("cancel");
	tcase_set_timeout(tc, 60);
	tst_tcase_add_loop_signal_return(tc, cancel_blocked, 0, NPOINTS);
	tst_tcase_add_signal_return(tc, cleanup_order);
	tcase_add_test(tc, cleanup_defer_np);
	if (tst_signal_return_keeps_tls("read_not_lost"))
		tst_tcase_add_beyond_glibc(tc, read_not_lost, "glibc 2.36 acts "
			"on the request after the read completed: the data "
			"is lost");
	if (tst_test_glibc() && !tst_test_glibc_before(2, 41))
		tst_test_left_out("cancel_during_handler", "beyond glibc 2.41 and "
			"later, whose cancellable calls no longer look again "
			"once a handler of the program has run");
	else
		tst_tcase_add_signal_return(tc, cancel_during_handler);
	tcase_add_test(tc, state_and_type);
	tcase_add_test(tc, async_acts_at_once);
	tcase_add_test(tc, cancel_ended);
	tst_tcase_add_signal_return(tc, cond_cancel_passes_signal);
	if (tst_signal_return_keeps_tls("sem_cancel_passes_post"))
		tst_tcase_add_loop_beyond_glibc(tc, sem_cancel_passes_post, 0, 2,
			"glibc 2.36's cancelled waiter takes a post's wake-up "
			"with it: the other sleeps on with the value at 1");
	tcase_add_test(tc, once_cancelled);
	tst_tcase_add_signal_return(tc, once_cancelled_without_unwind_info);
	tcase_add_loop_test(tc, not_points_keep_request, 0, NNOT_POINTS);
	tcase_add_test(tc, cancel_main);
	suite_add_tcase(s, tc);
	return s;
}
