/* SPDX-License-Identifier: MIT */
/* A correct multi-threaded program for the race checkers (tests/valgrind.c
 * runs it under helgrind and DRD): every shared variable is handed from
 * thread to thread through one of the synchronization functions, so a
 * checker that understands them reports nothing.  Small counts: it runs
 * under valgrind.  Exits non-zero if a result is wrong. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>
#include <time.h>
#include <unistd.h>

#define N 3		/* threads per exercise */
#define ROUNDS 24	/* a multiple of 6 */

static int failures;

/* In the reference run (glibc's own functions, tests/run-test) the calls
 * that valgrind 3.19's tools do not understand with glibc 2.36 are
 * replaced by their plain forms: helgrind intercepts neither sem_trywait,
 * sem_timedwait, the timed rwlock locks nor pthread_once, and DRD crashes
 * in glibc's thrd_create (it reads glibc's C11 attribute marker as an
 * attribute). */
static int glibc_ref;

static void expect(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "vg_clean: %s\n", what);
		failures++;
	}
}

/* Run fn in N threads, each given its index, and join them. */
static void run(void *(*fn)(void *))
{
	pthread_t t[N];
	for (long i = 0; i < N; i++)
		expect(pthread_create(&t[i], NULL, fn, (void *)i) == 0, "create");
	for (int i = 0; i < N; i++)
		expect(pthread_join(t[i], NULL) == 0, "join");
}

static struct timespec soon(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 10;
	return ts;
}

/* ---- creation, join, exit, detach ---- */

static int before_create, in_thread;

static void *child(void *arg)
{
	in_thread = before_create + 1;	/* creation orders the read */
	if (arg)
		pthread_exit(arg);
	return NULL;
}

static sem_t detached_go, detached_done;
static int detached_result;

static void *detached(void *arg)
{
	if (arg)
		sem_wait(&detached_go);
	detached_result = 7;
	sem_post(&detached_done);
	return NULL;
}

static void threads(void)
{
	pthread_t t;
	void *r;
	pthread_attr_t a;
	before_create = 41;
	pthread_create(&t, NULL, child, &in_thread);
	expect(pthread_join(t, &r) == 0 && r == &in_thread, "pthread_exit");
	expect(in_thread == 42, "join orders the thread's writes");

	/* Explicit scheduling: the creator applies it before the thread
	 * may run. */
	pthread_attr_init(&a);
	pthread_attr_setinheritsched(&a, PTHREAD_EXPLICIT_SCHED);
	pthread_attr_setschedpolicy(&a, SCHED_OTHER);
	before_create = 43;
	pthread_create(&t, &a, child, NULL);
	pthread_join(t, NULL);
	expect(in_thread == 44, "explicit scheduling");
	pthread_attr_destroy(&a);

	/* Stacks of the program's own, twice the same. */
	static char stack[2][1 << 16] __attribute__((aligned(64)));
	for (int i = 0; i < 4; i++) {
		pthread_attr_init(&a);
		pthread_attr_setstack(&a, stack[i & 1], sizeof stack[i & 1]);
		before_create = 45 + i;
		pthread_create(&t, &a, child, NULL);
		pthread_join(t, NULL);
		expect(in_thread == 46 + i, "user stack");
		pthread_attr_destroy(&a);
	}

	sem_init(&detached_go, 0, 0);
	sem_init(&detached_done, 0, 0);
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	for (int i = 0; i <= N; i++) {
		/* The last one is detached by pthread_detach, before it ends:
		 * DRD 3.19 never forgets a thread detached after its end, and
		 * then mistakes the next thread glibc gives the same pthread_t
		 * for it. */
		if (i < N) {
			pthread_create(&t, &a, detached, NULL);
		} else {
			pthread_create(&t, NULL, detached, &detached_go);
			pthread_detach(t);
			sem_post(&detached_go);
		}
		sem_wait(&detached_done);
		expect(detached_result == 7, "detached");
		detached_result = 0;
	}
	pthread_attr_destroy(&a);
	sem_destroy(&detached_go);
	sem_destroy(&detached_done);
}

/* ---- mutexes of every kind ---- */

static pthread_mutex_t mutex;
static long counter;

static void *mutex_worker(void *arg)
{
	for (int i = 0; i < ROUNDS; i++) {
		struct timespec ts = soon();
		switch (i % 3) {
		case 0:
			pthread_mutex_lock(&mutex);
			break;
		case 1:
			while (pthread_mutex_trylock(&mutex) == EBUSY)
				sched_yield();
			break;
		case 2:
			pthread_mutex_timedlock(&mutex, &ts);
			break;
		}
		counter++;
		pthread_mutex_unlock(&mutex);
	}
	return NULL;
}

static void mutexes(void)
{
	static const struct { int type, robust, protocol, pshared; } kinds[] = {
		{ PTHREAD_MUTEX_NORMAL, 0, PTHREAD_PRIO_NONE, 0 },
		{ PTHREAD_MUTEX_RECURSIVE, 0, PTHREAD_PRIO_NONE, 0 },
		{ PTHREAD_MUTEX_ERRORCHECK, 0, PTHREAD_PRIO_NONE, 0 },
		{ PTHREAD_MUTEX_ADAPTIVE_NP, 0, PTHREAD_PRIO_NONE, 0 },
		{ PTHREAD_MUTEX_NORMAL, 1, PTHREAD_PRIO_NONE, 0 },
		{ PTHREAD_MUTEX_NORMAL, 0, PTHREAD_PRIO_INHERIT, 0 },
		{ PTHREAD_MUTEX_RECURSIVE, 1, PTHREAD_PRIO_INHERIT, 0 },
		{ PTHREAD_MUTEX_NORMAL, 0, PTHREAD_PRIO_NONE, 1 },
	};
	for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
		pthread_mutexattr_t a;
		pthread_mutexattr_init(&a);
		pthread_mutexattr_settype(&a, kinds[k].type);
		pthread_mutexattr_setrobust(&a, kinds[k].robust);
		pthread_mutexattr_setprotocol(&a, kinds[k].protocol);
		pthread_mutexattr_setpshared(&a, kinds[k].pshared);
		expect(pthread_mutex_init(&mutex, &a) == 0, "mutex_init");
		pthread_mutexattr_destroy(&a);
		counter = 0;
		run(mutex_worker);
		expect(counter == N * ROUNDS, "mutex counter");
		expect(pthread_mutex_destroy(&mutex) == 0, "mutex_destroy");
	}
	/* A recursive mutex taken twice, and the static initializer. */
	static pthread_mutex_t rec = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
	pthread_mutex_lock(&rec);
	pthread_mutex_lock(&rec);
	pthread_mutex_unlock(&rec);
	pthread_mutex_unlock(&rec);
}

/* ---- read-write locks ---- */

static pthread_rwlock_t rwlock = PTHREAD_RWLOCK_INITIALIZER;
static long shared_value;

static void *rwlock_worker(void *arg)
{
	long seen = 0;
	for (int i = 0; i < ROUNDS; i++) {
		struct timespec ts = soon();
		switch (i % 6) {
		case 0:
			pthread_rwlock_wrlock(&rwlock);
			shared_value++;
			break;
		case 1:
			while (pthread_rwlock_trywrlock(&rwlock) == EBUSY)
				sched_yield();
			shared_value++;
			break;
		case 2:
			if (glibc_ref)
				pthread_rwlock_wrlock(&rwlock);
			else
				pthread_rwlock_timedwrlock(&rwlock, &ts);
			shared_value++;
			break;
		case 3:
			pthread_rwlock_rdlock(&rwlock);
			seen += shared_value;
			break;
		case 4:
			while (pthread_rwlock_tryrdlock(&rwlock) == EBUSY)
				sched_yield();
			seen += shared_value;
			break;
		case 5:
			if (glibc_ref)
				pthread_rwlock_rdlock(&rwlock);
			else
				pthread_rwlock_timedrdlock(&rwlock, &ts);
			seen += shared_value;
			break;
		}
		pthread_rwlock_unlock(&rwlock);
	}
	return (void *)seen;
}

static void rwlocks(void)
{
	run(rwlock_worker);
	expect(shared_value == N * (ROUNDS / 2), "rwlock counter");
	pthread_rwlock_destroy(&rwlock);
}

/* ---- condition variables: a queue, woken by signal and broadcast ---- */

static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_cond = PTHREAD_COND_INITIALIZER;
static int queue[N * ROUNDS], q_len, q_taken;

static void *consumer(void *arg)
{
	long sum = 0;
	pthread_mutex_lock(&q_lock);
	for (;;) {
		while (q_taken == q_len && q_taken < N * ROUNDS) {
			struct timespec ts = soon();
			if (q_taken & 1)
				pthread_cond_wait(&q_cond, &q_lock);
			else
				pthread_cond_timedwait(&q_cond, &q_lock, &ts);
		}
		if (q_taken == N * ROUNDS)
			break;
		sum += queue[q_taken++];
	}
	pthread_mutex_unlock(&q_lock);
	return (void *)sum;
}

static void condvars(void)
{
	pthread_t t[N];
	long total = 0;
	for (int i = 0; i < N; i++)
		pthread_create(&t[i], NULL, consumer, NULL);
	for (int i = 0; i < N * ROUNDS; i++) {
		pthread_mutex_lock(&q_lock);
		queue[q_len++] = i;
		if (i % 4 == 0 || q_len == N * ROUNDS)
			pthread_cond_broadcast(&q_cond);
		else
			pthread_cond_signal(&q_cond);
		pthread_mutex_unlock(&q_lock);
	}
	for (int i = 0; i < N; i++) {
		void *r;
		pthread_join(t[i], &r);
		total += (long)r;
	}
	expect(total == (long)N * ROUNDS * (N * ROUNDS - 1) / 2, "condvar sum");
	pthread_cond_destroy(&q_cond);
}

/* ---- semaphores: a ring handed over by post and wait alone ---- */

static sem_t slots, items;
static int ring[4];

static void *producer(void *arg)
{
	for (int i = 0; i < ROUNDS; i++) {
		struct timespec ts = soon();
		if ((i & 1) || glibc_ref)
			sem_wait(&slots);
		else
			sem_timedwait(&slots, &ts);
		ring[i % 4] = i;
		sem_post(&items);
	}
	return NULL;
}

static void semaphores(void)
{
	pthread_t t;
	long sum = 0;
	sem_init(&slots, 0, 4);
	sem_init(&items, 0, 0);
	pthread_create(&t, NULL, producer, NULL);
	for (int i = 0; i < ROUNDS; i++) {
		if (glibc_ref)
			sem_wait(&items);
		else
			while (sem_trywait(&items))
				sched_yield();
		sum += ring[i % 4];
		sem_post(&slots);
	}
	pthread_join(t, NULL);
	expect(sum == ROUNDS * (ROUNDS - 1) / 2, "semaphore sum");
	sem_destroy(&slots);
	sem_destroy(&items);
}

/* ---- barriers: each writes its own slot, then reads the others ---- */

static pthread_barrier_t barrier;
static int slot_of[N];

static void *barrier_worker(void *arg)
{
	int me = (long)arg, bad = 0;
	for (int round = 1; round <= 4; round++) {
		slot_of[me] = round;
		pthread_barrier_wait(&barrier);
		for (int i = 0; i < N; i++)
			bad |= slot_of[i] != round;
		pthread_barrier_wait(&barrier);
	}
	expect(!bad, "barrier");
	return NULL;
}

static void barriers(void)
{
	pthread_barrier_init(&barrier, NULL, N);
	run(barrier_worker);
	pthread_barrier_destroy(&barrier);
}

/* ---- spinlocks, pthread_once, keys ---- */

static pthread_spinlock_t spin;
static long spin_counter;

static void *spin_worker(void *arg)
{
	for (int i = 0; i < ROUNDS; i++) {
		if (i & 1)
			pthread_spin_lock(&spin);
		else
			while (pthread_spin_trylock(&spin) == EBUSY)
				sched_yield();
		spin_counter++;
		pthread_spin_unlock(&spin);
	}
	return NULL;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int once_value;
static pthread_key_t key;
static pthread_mutex_t destructed_lock = PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP;
static int destructed;

static void once_init(void)
{
	once_value = 42;
}

static void key_destructor(void *p)
{
	free(p);
	pthread_mutex_lock(&destructed_lock);
	destructed++;
	pthread_mutex_unlock(&destructed_lock);
}

static void *misc_worker(void *arg)
{
	pthread_once(&once, once_init);
	/* helgrind does not intercept glibc's pthread_once. */
	int v = glibc_ref ? 42 : once_value;
	expect(v == 42, "once");
	char *p = malloc(64);
	snprintf(p, 64, "thread %d", v);
	pthread_setspecific(key, p);
	expect(pthread_getspecific(key) == p, "getspecific");
	printf("%s\n", p);
	return spin_worker(arg);
}

static void misc(void)
{
	pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE);
	pthread_key_create(&key, key_destructor);
	run(misc_worker);
	expect(spin_counter == N * ROUNDS && once_value == 42, "spin, once");
	expect(destructed == N, "key destructors");
	pthread_spin_destroy(&spin);
	pthread_key_delete(key);
}

/* ---- two threads that meet only inside the library ---- */

/* Each opens a named semaphore, left open for main to close (the library
 * keeps a list of them), and creates and joins a thread with a stack
 * larger than the library's region cache (the TLS blocks of unmapped
 * regions are kept for new ones).  The second sleeps rather than wait for
 * the first: nothing of the program orders them. */
static char sem_names[2][32];

static void *nothing(void *arg)
{
	return arg;
}

static void *unrelated(void *arg)
{
	long second = (long)arg;
	if (second)
		nanosleep(&(struct timespec){ 0, 300000000 }, NULL);
	sem_t *s = sem_open(sem_names[second], O_CREAT | O_EXCL, 0600, 0);
	expect(s != SEM_FAILED && sem_post(s) == 0 && sem_wait(s) == 0,
	       "named semaphore");
	pthread_attr_t a;
	pthread_t t;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, (second ? 56 : 48) << 20);
	expect(pthread_create(&t, &a, nothing, NULL) == 0 &&
	       pthread_join(t, NULL) == 0, "large stack");
	pthread_attr_destroy(&a);
	return s;
}

static void unrelated_threads(void)
{
	pthread_t t[2];
	void *s[2];
	for (long i = 0; i < 2; i++) {
		snprintf(sem_names[i], sizeof sem_names[i], "/vg_clean.%d.%ld",
			 (int)getpid(), i);
		pthread_create(&t[i], NULL, unrelated, (void *)i);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], &s[i]);
	for (int i = 0; i < 2; i++) {
		if (s[i] != SEM_FAILED)
			sem_close(s[i]);
		sem_unlink(sem_names[i]);
	}
}

/* ---- C11 ---- */

static mtx_t c11_mtx;
static cnd_t c11_cnd;
static once_flag c11_once = ONCE_FLAG_INIT;
static int c11_ready, c11_value;
static tss_t c11_key;
static int c11_arg[N];

static void c11_init(void)
{
	c11_value = 1;
}

static int c11_worker(void *arg)
{
	call_once(&c11_once, c11_init);
	tss_set(c11_key, arg);
	mtx_lock(&c11_mtx);
	while (!c11_ready)
		cnd_wait(&c11_cnd, &c11_mtx);
	c11_value++;
	mtx_unlock(&c11_mtx);
	return tss_get(c11_key) == arg;
}

static void *c11_pthread(void *arg)
{
	return (void *)(long)c11_worker(arg);
}

static void c11(void)
{
	thrd_t t[N];
	int ok = 1, r;
	mtx_init(&c11_mtx, mtx_plain);
	cnd_init(&c11_cnd);
	tss_create(&c11_key, NULL);
	for (int i = 0; i < N; i++)
		if (glibc_ref)
			pthread_create((pthread_t *)&t[i], NULL, c11_pthread,
				       &c11_arg[i]);
		else
			thrd_create(&t[i], c11_worker, &c11_arg[i]);
	mtx_lock(&c11_mtx);
	c11_ready = 1;
	cnd_broadcast(&c11_cnd);
	mtx_unlock(&c11_mtx);
	for (int i = 0; i < N; i++) {
		void *v;
		if (glibc_ref)
			pthread_join(t[i], &v), r = (long)v;
		else
			thrd_join(t[i], &r);
		ok &= r;
	}
	expect(ok && c11_value == N + 1, "C11");
	tss_delete(c11_key);
	cnd_destroy(&c11_cnd);
	mtx_destroy(&c11_mtx);
}

int main(void)
{
	const char *impl = getenv("CT_TEST_IMPL");
	glibc_ref = impl && !strcmp(impl, "glibc");
	threads();
	mutexes();
	rwlocks();
	condvars();
	semaphores();
	barriers();
	misc();
	unrelated_threads();
	c11();
	return failures ? 1 : 0;
}
