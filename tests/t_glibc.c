/* SPDX-License-Identifier: MIT */
/* glibc in our threads: stdio and malloc under contention, ctype and the
 * resolver, locales, sched_getcpu, signals to a thread, thread names. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <malloc.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "common.h"
#include "tlsmod.h"

/* ---- many threads writing whole lines through one FILE ---- */

#define IO_THREADS 8
#define IO_LINES 2000
static FILE *io_file;
static atomic_int io_gate;

static void *io_thread(void *arg)
{
	int id = (int)(intptr_t)arg;
	char line[128];
	tst_gate_pass(&io_gate, IO_THREADS);
	for (int n = 0; n < IO_LINES; n++) {
		int len = n % 60;
		char pay[64];
		memset(pay, 'a' + id, len);
		pay[len] = 0;
		switch (n % 4) {
		case 0:
			fprintf(io_file, "T%02d L%05d %d %s\n", id, n, len, pay);
			break;
		case 1:
			snprintf(line, sizeof line, "T%02d L%05d %d %s\n", id, n, len, pay);
			fputs(line, io_file);
			break;
		case 2:
			snprintf(line, sizeof line, "T%02d L%05d %d %s\n", id, n, len, pay);
			fwrite(line, 1, strlen(line), io_file);
			break;
		case 3:	/* character by character, under the FILE's lock */
			snprintf(line, sizeof line, "T%02d L%05d %d %s\n", id, n, len, pay);
			flockfile(io_file);
			for (char *p = line; *p; p++)
				putc_unlocked(*p, io_file);
			funlockfile(io_file);
			break;
		}
	}
	return NULL;
}

START_TEST(test_concurrent_stdio)
{
	io_file = tmpfile();
	ck_assert_ptr_nonnull(io_file);
	/* a small buffer: flushes happen in the middle of lines */
	static char buf[100];
	setvbuf(io_file, buf, _IOFBF, sizeof buf);
	pthread_t th[IO_THREADS];
	for (intptr_t i = 0; i < IO_THREADS; i++)
		th[i] = tst_start(NULL, io_thread, (void *)i);
	for (int i = 0; i < IO_THREADS; i++)
		tst_join(th[i]);
	ck_assert_int_eq(fflush(io_file), 0);
	rewind(io_file);
	int next[IO_THREADS] = { 0 };
	char line[256];
	int total = 0;
	while (fgets(line, sizeof line, io_file)) {
		int id, n, len, used = 0;
		ck_assert_msg(sscanf(line, "T%d L%d %d%n", &id, &n, &len, &used) == 3 &&
			      line[used++] == ' ', "garbled line %d: %s", total, line);
		ck_assert_msg(id >= 0 && id < IO_THREADS && n == next[id] &&
			      len == n % 60, "bad line %d: %s", total, line);
		for (int k = 0; k < len; k++)
			ck_assert_msg(line[used + k] == 'a' + id, "bad line %d: %s",
				      total, line);
		ck_assert_msg(!strcmp(line + used + len, "\n"), "bad end %d: %s",
			      total, line);
		next[id]++;
		total++;
	}
	ck_assert_int_eq(total, IO_THREADS * IO_LINES);
	fclose(io_file);
}
END_TEST

/* putc and fputs without flockfile: nothing written is lost or doubled
 * (the FILE exists before any thread, so its locking must be switched on
 * when the first thread starts). */
#define PUTC_ROUNDS 4000
static FILE *putc_file;

static void *putc_thread(void *arg)
{
	char c = (char)(intptr_t)arg;
	char four[5] = { c, c, c, c, 0 };
	tst_gate_pass(&io_gate, IO_THREADS);
	for (int n = 0; n < PUTC_ROUNDS; n++) {
		putc(c, putc_file);
		putc(c, putc_file);
		putc(c, putc_file);
		fputs(four, putc_file);
		fputc(c, putc_file);
	}
	return NULL;
}

START_TEST(test_concurrent_putc)
{
	putc_file = tmpfile();
	ck_assert_ptr_nonnull(putc_file);
	static char buf[64];
	setvbuf(putc_file, buf, _IOFBF, sizeof buf);
	pthread_t th[IO_THREADS];
	for (intptr_t i = 0; i < IO_THREADS; i++)
		th[i] = tst_start(NULL, putc_thread, (void *)('a' + i));
	for (int i = 0; i < IO_THREADS; i++)
		tst_join(th[i]);
	ck_assert_int_eq(fflush(putc_file), 0);
	rewind(putc_file);
	long count[IO_THREADS] = { 0 }, other = 0;
	int c;
	while ((c = getc(putc_file)) != EOF) {
		if (c >= 'a' && c < 'a' + IO_THREADS)
			count[c - 'a']++;
		else
			other++;
	}
	fclose(putc_file);
	ck_assert_int_eq(other, 0);
	for (int i = 0; i < IO_THREADS; i++)
		ck_assert_msg(count[i] == 8 * PUTC_ROUNDS, "thread %d: %ld of %d",
			      i, count[i], 8 * PUTC_ROUNDS);
}
END_TEST

/* ---- malloc/free from many threads, blocks freed by other threads ---- */

#define MSLOTS 256
struct mblock {
	size_t size;
	unsigned char pat;
};
static _Atomic(struct mblock *) mslots[MSLOTS];
static atomic_int merrors, mgate;
static int mthreads, mrounds;

static int mblock_ok(const struct mblock *b)
{
	const unsigned char *p = (const unsigned char *)(b + 1);
	size_t n = b->size - sizeof *b;
	for (size_t i = 0; i < n && i < 128; i++)
		if (p[i] != b->pat)
			return 0;
	return p[n - 1] == b->pat;
}

static struct mblock *mblock_new(uint32_t *seed, int kind)
{
	uint32_t x = *seed;
	x ^= x << 13; x ^= x >> 17; x ^= x << 5;
	*seed = x;
	size_t size = x % 100 < 70 ? 1 + x % 256 :
		      x % 100 < 95 ? 257 + x % 8192 : (64 << 10) + x % (256 << 10);
	size += sizeof(struct mblock) + 1;
	struct mblock *b;
	if (kind == 1) {
		b = calloc(1, size);
		if (b)
			for (size_t i = sizeof *b; i < size; i++)
				if (((unsigned char *)b)[i])
					return NULL;
	} else if (kind == 2) {
		b = malloc(16);
		struct mblock *r = b ? realloc(b, size) : NULL;
		if (!r)
			free(b);
		b = r;
	} else {
		b = malloc(size);
	}
	if (!b)
		return NULL;
	b->size = size;
	b->pat = (unsigned char)x | 1;
	unsigned char *p = (unsigned char *)(b + 1);
	size_t n = size - sizeof *b;
	memset(p, b->pat, n < 128 ? n : 128);
	p[n - 1] = b->pat;
	return b;
}

static void *malloc_thread(void *arg)
{
	uint32_t seed = 2463534242u + 7919u * (uint32_t)(intptr_t)arg;
	tst_gate_pass(&mgate, mthreads);
	for (int r = 0; r < mrounds; r++) {
		struct mblock *b = mblock_new(&seed, r % 5);
		if (!b) {
			atomic_fetch_add(&merrors, 1);
			continue;
		}
		struct mblock *old = atomic_exchange(&mslots[seed % MSLOTS], b);
		if (old) {
			if (!mblock_ok(old))
				atomic_fetch_add(&merrors, 1);
			free(old);
		}
		/* and short-lived small blocks of our own (fastbin sizes) */
		void *tmp[4];
		for (int k = 0; k < 4; k++)
			if (!(tmp[k] = malloc(16 + (seed >> (k * 7)) % 112)))
				atomic_fetch_add(&merrors, 1);
		for (int k = 0; k < 4; k++)
			free(tmp[(k + r) % 4]);
	}
	return NULL;
}

/* Used in-process and as a scenario under malloc tunables; returns 0 when
 * no block was corrupted and nothing failed. */
static int malloc_stress(int nthreads, int rounds)
{
	pthread_t th[nthreads];
	mthreads = nthreads;
	mrounds = rounds;
	for (intptr_t i = 0; i < nthreads; i++)
		TST_CHILD_CHECK(pthread_create(&th[i], NULL, malloc_thread, (void *)i) == 0);
	for (int i = 0; i < nthreads; i++)
		TST_CHILD_CHECK(pthread_join(th[i], NULL) == 0);
	for (int i = 0; i < MSLOTS; i++) {
		struct mblock *b = atomic_exchange(&mslots[i], NULL);
		if (b && !mblock_ok(b))
			atomic_fetch_add(&merrors, 1);
		free(b);
	}
	TST_CHILD_CHECK(atomic_load(&merrors) == 0);
	return 0;
}

START_TEST(test_malloc_stress)
{
	ck_assert_int_eq(malloc_stress(8, 4000), 0);
}
END_TEST

/* Without tcache and with one arena every thread meets in the same bins:
 * the tunable must be set before start-up, so this is its own process. */
static int malloc_scenario(void)
{
	return malloc_stress(8, 30000);
}
TST_SCENARIO("malloc", malloc_scenario);

START_TEST(test_malloc_one_arena)
{
	static const char *const env[] = {
		"GLIBC_TUNABLES=glibc.malloc.tcache_count=0:glibc.malloc.arena_max=1",
		NULL
	};
	ck_assert_int_eq(tst_rerun("malloc", env), 0);
}
END_TEST

/* glibc empties an ending thread's malloc cache (tcache) back into the
 * arenas; a thread library that did not would keep every ended thread's
 * cached chunks.  A thread fills every cache bin up to ~1 KB (7 chunks
 * each, some 200 KB in all); after ten such threads the heap in use is
 * back where it was, but for what the library keeps per thread. */
enum { CACHE_BINS = 60, CACHE_FILL = 7 };

static void *fill_cache(void *arg)
{
	(void)arg;
	void *p[CACHE_FILL];
	for (int bin = 0; bin < CACHE_BINS; bin++) {
		for (int k = 0; k < CACHE_FILL; k++)
			p[k] = malloc(24 + 16 * (size_t)bin);
		for (int k = 0; k < CACHE_FILL; k++)
			free(p[k]);
	}
	return NULL;
}

static size_t heap_in_use(void)
{
	/* Parked threads (the *_reuse runs) keep their caches warm until
	 * they leave the pool. */
	if (tst_test_reuse())
		tst_test_quiesce();
	return tst_malloc_in_use();
}

START_TEST(test_malloc_cache_emptied)
{
	size_t before = heap_in_use();
	for (int i = 0; i < 10; i++)
		tst_join(tst_start(NULL, fill_cache, NULL));
	size_t after = heap_in_use();
	ck_assert_msg(after <= before + 16 * 1024,
		      "heap in use grew by %zu bytes", after - before);
}
END_TEST

/* ---- ctype and the resolver in a thread ---- */

struct lookup {
	int ctype_ok, gai, count, loopback;
};

static void *lookup_thread(void *arg)
{
	struct lookup *l = arg;
	/* through the per-thread tables, not folded at compile time */
	volatile int q = 'q', Q = 'Q', z = 'z', one = '1';
	l->ctype_ok = toupper(q) == 'Q' && tolower(Q) == 'q' &&
		      isalpha(z) && !isalpha(one) && isdigit(one);
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
				  .ai_socktype = SOCK_STREAM }, *res, *ai;
	l->gai = getaddrinfo("localhost", "80", &hints, &res);
	if (l->gai)
		return NULL;
	for (ai = res; ai; ai = ai->ai_next) {
		l->count++;
		if (ai->ai_family == AF_INET) {
			struct sockaddr_in *in = (struct sockaddr_in *)ai->ai_addr;
			l->loopback += (ntohl(in->sin_addr.s_addr) >> 24) == 127;
		} else if (ai->ai_family == AF_INET6) {
			struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ai->ai_addr;
			l->loopback += IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
		}
	}
	freeaddrinfo(res);
	return NULL;
}

START_TEST(test_getaddrinfo_thread)
{
	struct lookup l[4];
	pthread_t th[4];
	memset(l, 0, sizeof l);
	for (int i = 0; i < 4; i++)
		th[i] = tst_start(NULL, lookup_thread, &l[i]);
	for (int i = 0; i < 4; i++) {
		tst_join(th[i]);
		ck_assert(l[i].ctype_ok);
		ck_assert_msg(l[i].gai == 0, "getaddrinfo: %s", gai_strerror(l[i].gai));
		ck_assert_int_gt(l[i].count, 0);
		ck_assert_int_eq(l[i].loopback, l[i].count);
	}
}
END_TEST

/* ---- locales: uselocale is per thread, setlocale is global ---- */

struct loc_probe {
	locale_t use;		/* uselocale this first, if set */
	atomic_int *hold;	/* then wait for it, if set */
	atomic_int started;
	int was_global, mb_before, mb_after, mb_final;
};

static void *locale_thread(void *arg)
{
	struct loc_probe *p = arg;
	p->was_global = uselocale((locale_t)0) == LC_GLOBAL_LOCALE;
	p->mb_before = (int)MB_CUR_MAX;
	if (p->use)
		uselocale(p->use);
	p->mb_after = (int)MB_CUR_MAX;
	atomic_store(&p->started, 1);
	if (p->hold)
		tst_wait_at_least(p->hold, 1);
	p->mb_final = (int)MB_CUR_MAX;
	return NULL;	/* leaves its locale in place */
}

static struct loc_probe run_locale(locale_t use)
{
	struct loc_probe p = { .use = use };
	tst_join(tst_start(NULL, locale_thread, &p));
	return p;
}

START_TEST(test_locale_thread)
{
	locale_t c = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	locale_t utf8 = newlocale(LC_ALL_MASK, "C.UTF-8", (locale_t)0);
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_nonnull(utf8);
	ck_assert_int_eq((int)MB_CUR_MAX, 1);

	/* a thread's uselocale reaches neither main nor a new thread */
	struct loc_probe u = run_locale(utf8);
	ck_assert(u.was_global);
	ck_assert_int_eq(u.mb_before, 1);
	ck_assert_int_eq(u.mb_after, 6);
	ck_assert_int_eq((int)MB_CUR_MAX, 1);
	ck_assert(uselocale((locale_t)0) == LC_GLOBAL_LOCALE);
	struct loc_probe fresh = run_locale(NULL);
	ck_assert(fresh.was_global);
	ck_assert_int_eq(fresh.mb_before, 1);

	/* setlocale reaches every thread on the global locale, not one that
	 * chose its own */
	atomic_int hold = 0;
	struct loc_probe held = { .use = c, .hold = &hold };
	pthread_t th = tst_start(NULL, locale_thread, &held);
	tst_wait_at_least(&held.started, 1);
	ck_assert_ptr_nonnull(setlocale(LC_ALL, "C.UTF-8"));
	ck_assert_int_eq((int)MB_CUR_MAX, 6);
	struct loc_probe after = run_locale(NULL);
	ck_assert(after.was_global);
	ck_assert_int_eq(after.mb_before, 6);
	atomic_store(&hold, 1);
	tst_join(th);
	ck_assert_int_eq(held.mb_after, 1);
	ck_assert_int_eq(held.mb_final, 1);
	setlocale(LC_ALL, "C");
}
END_TEST

/* ---- sched_getcpu agrees with the kernel ---- */

struct cpu_probe {
	int cpu;	/* pin to this one, or -1 */
	int bad, sample;
};

static void *cpu_thread(void *arg)
{
	struct cpu_probe *p = arg;
	if (p->cpu >= 0) {
		cpu_set_t one;
		CPU_ZERO(&one);
		CPU_SET(p->cpu, &one);
		if (sched_setaffinity(0, sizeof one, &one)) {
			p->bad = -1;
			return NULL;
		}
	}
	for (int i = 0; i < 50; i++) {
		unsigned kcpu = ~0u;
		int c = sched_getcpu();
		syscall(SYS_getcpu, &kcpu, NULL, NULL);
		p->sample = c;
		if (p->cpu >= 0 && (c != p->cpu || (int)kcpu != p->cpu))
			p->bad++;
		sched_yield();
	}
	return NULL;
}

/* Pinned to each CPU the process may use in turn: true if every answer
 * was right, else false with p the CPU that was wrong. */
static bool every_cpu_right(struct cpu_probe *p)
{
	cpu_set_t allowed;
	if (sched_getaffinity(0, sizeof allowed, &allowed))
		return false;
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &allowed))
			continue;
		*p = (struct cpu_probe){ .cpu = cpu };
		pthread_t th;	/* no Check asserts: a scenario calls this */
		if (pthread_create(&th, NULL, cpu_thread, p) || pthread_join(th, NULL))
			return false;
		if (p->bad)
			return false;
	}
	return true;
}

/* With glibc's rseq turned off (its tunable, glibc 2.35 and later; a
 * kernel or an emulator without rseq does the same): sched_getcpu then
 * finds the area's CPU marked unknown in every thread, and asks the
 * kernel. */
static int getcpu_no_rseq_scenario(void)
{
	struct cpu_probe p;
	if (every_cpu_right(&p))
		return 0;
	fprintf(stderr, "pinned to CPU %d: %d wrong answers (last %d)\n",
		p.cpu, p.bad, p.sample);
	return 1;
}
TST_SCENARIO("getcpu-no-rseq", getcpu_no_rseq_scenario);

START_TEST(test_sched_getcpu)
{
	struct cpu_probe p;
	ck_assert_msg(every_cpu_right(&p), "pinned to CPU %d: %d wrong answers (last %d)",
		      p.cpu, p.bad, p.sample);
	p = (struct cpu_probe){ .cpu = -1 };
	tst_join(tst_start(NULL, cpu_thread, &p));
	cpu_set_t allowed;
	ck_assert_int_eq(sched_getaffinity(0, sizeof allowed, &allowed), 0);
	ck_assert_int_ge(p.sample, 0);
	ck_assert(CPU_ISSET(p.sample, &allowed));
	const char *const no_rseq[] = { "GLIBC_TUNABLES=glibc.pthread.rseq=0", NULL };
	ck_assert_int_eq(tst_rerun("getcpu-no-rseq", no_rseq), 0);
}
END_TEST

/* ---- signals reach the right thread; names ---- */

static _Atomic int sig_tid;

static void record_tid(int sig)
{
	atomic_store(&sig_tid, tst_gettid());
}

struct sig_job {
	int tid;
	int raised_to;		/* handler's tid after raise() */
	atomic_int ready, go;
};

static void *signal_thread(void *arg)
{
	struct sig_job *j = arg;
	j->tid = tst_gettid();
	raise(SIGUSR1);
	j->raised_to = atomic_load(&sig_tid);
	atomic_store(&j->ready, 1);
	tst_wait_at_least(&j->go, 1);
	return NULL;
}

START_TEST(test_signal_to_thread)
{
	struct sigaction sa = { .sa_handler = record_tid };
	sigemptyset(&sa.sa_mask);
	ck_assert_int_eq(sigaction(SIGUSR1, &sa, NULL), 0);
	static struct sig_job j;
	pthread_t th = tst_start(NULL, signal_thread, &j);
	tst_wait_at_least(&j.ready, 1);
	ck_assert_int_eq(j.raised_to, j.tid);
	/* pthread_kill with our handle goes to that thread */
	atomic_store(&sig_tid, 0);
	ck_assert_int_eq(pthread_kill(th, SIGUSR1), 0);
	while (atomic_load(&sig_tid) == 0)
		sched_yield();
	ck_assert_int_eq(atomic_load(&sig_tid), j.tid);
	ck_assert_int_eq(pthread_kill(th, 0), 0);
	/* and a thread name set through the handle */
	char name[16] = "";
	ck_assert_int_eq(pthread_setname_np(th, "ct-worker"), 0);
	ck_assert_int_eq(pthread_getname_np(th, name, sizeof name), 0);
	ck_assert_str_eq(name, "ct-worker");
	/* glibc's scheduling, CPU-clock and affinity calls read its tid */
	int policy;
	struct sched_param sp;
	ck_assert_int_eq(pthread_getschedparam(th, &policy, &sp), 0);
	ck_assert_int_eq(policy, SCHED_OTHER);
	ck_assert_int_eq(pthread_setschedparam(th, SCHED_OTHER, &sp), 0);
	clockid_t clk;
	struct timespec cpu;
	ck_assert_int_eq(pthread_getcpuclockid(th, &clk), 0);
	ck_assert_int_eq(clock_gettime(clk, &cpu), 0);
	cpu_set_t set;
	ck_assert_int_eq(pthread_getaffinity_np(th, sizeof set, &set), 0);
	ck_assert_int_gt(CPU_COUNT(&set), 0);
	atomic_store(&j.go, 1);
	tst_join(th);
	/* the main thread's handle is a stand-in block: glibc's functions
	 * must reach the real main thread through the tid it holds */
	pthread_t self = pthread_self();
	ck_assert_int_eq(pthread_kill(self, 0), 0);
	ck_assert_int_eq(pthread_setname_np(self, "ct-main"), 0);
	ck_assert_int_eq(pthread_getname_np(self, name, sizeof name), 0);
	ck_assert_str_eq(name, "ct-main");
}
END_TEST

/* ---- a signal storm while threads come and go ---- */

/* Handlers run on whichever thread the kernel picks, new ones included:
 * each must find its TLS and errno in place; join must not fail with
 * EINTR. */
static __thread long storm_hits;
static atomic_int storm_bad;

static void storm_handler(int sig)
{
	int saved = errno;
	storm_hits++;
	errno = saved;
}

static void *storm_thread(void *arg)
{
	int id = (int)(intptr_t)arg;
	errno = id;
	for (int i = 0; i < 200; i++)
		sched_yield();
	if (errno != id)
		atomic_fetch_add(&storm_bad, 1);
	return arg;
}

START_TEST(test_signals_during_create)
{
	struct sigaction sa = { .sa_handler = storm_handler, .sa_flags = SA_RESTART };
	sigemptyset(&sa.sa_mask);
	ck_assert_int_eq(sigaction(SIGUSR2, &sa, NULL), 0);
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR2 };
	timer_t timer;
	ck_assert_int_eq(timer_create(CLOCK_MONOTONIC, &sev, &timer), 0);
	struct itimerspec its = { .it_value = { 0, 100000 }, .it_interval = { 0, 100000 } };
	ck_assert_int_eq(timer_settime(timer, 0, &its, NULL), 0);
	pthread_attr_t detached;
	pthread_attr_init(&detached);
	pthread_attr_setdetachstate(&detached, PTHREAD_CREATE_DETACHED);
	for (intptr_t i = 1; i <= tst_test_scaled(1000, 10); i++) {
		pthread_t th[2];
		for (int k = 0; k < 2; k++)
			th[k] = tst_start(NULL, storm_thread, (void *)(i * 2 + k));
		if (i % 5 == 0)
			tst_start(&detached, storm_thread, (void *)i);
		for (int k = 0; k < 2; k++) {
			void *ret = NULL;
			int err = pthread_join(th[k], &ret);
			ck_assert_msg(err == 0, "pthread_join: %s", strerror(err));
			ck_assert_ptr_eq(ret, (void *)(i * 2 + k));
		}
	}
	pthread_attr_destroy(&detached);
	timer_delete(timer);
	ck_assert_int_eq(atomic_load(&storm_bad), 0);
}
END_TEST

/* A stream of signals at the creating thread while it creates: a
 * profiling timer at its fastest rate and another thread sending SIGUSR1
 * to the process without pause.  Creation neither stalls nor fails (the
 * kernel restarts an interrupted clone), and a handler that runs in a new
 * thread before its start routine finds the thread complete: a valid
 * handle, errno, TLS -- the library does not block signals across clone,
 * because everything is in place before it. */
static __thread int in_routine;
static __thread int tls_seven = 7;
static atomic_int early_hits, early_bad, sender_stop;
static int creator_tid, sender_tid;

static void stream_handler(int sig)
{
	int saved = errno;
	int tid = tst_gettid();
	if (!in_routine && tid != creator_tid && tid != sender_tid) {
		atomic_fetch_add(&early_hits, 1);
		errno = 12345;
		if (errno != 12345 || tls_seven != 7 ||
		    tlsmod_probe.get_init() != tlsmod_probe.image_init ||
		    !pthread_equal(pthread_self(), pthread_self()) ||
		    pthread_kill(pthread_self(), 0) != 0)
			atomic_fetch_add(&early_bad, 1);
	}
	errno = saved;
}

static void *stream_sender(void *arg)
{
	sender_tid = tst_gettid();
	atomic_store((atomic_int *)arg, 1);
	while (!atomic_load(&sender_stop))
		kill(getpid(), SIGUSR1);
	return NULL;
}

static void *stream_child(void *arg)
{
	in_routine = 1;
	return arg;
}

START_TEST(test_signal_stream_at_create)
{
	struct sigaction sa = { .sa_handler = stream_handler, .sa_flags = SA_RESTART };
	sigemptyset(&sa.sa_mask);
	ck_assert_int_eq(sigaction(SIGUSR1, &sa, NULL), 0);
	ck_assert_int_eq(sigaction(SIGPROF, &sa, NULL), 0);
	creator_tid = tst_gettid();
	atomic_int up = 0;
	sender_stop = 0;
	pthread_t sender = tst_start(NULL, stream_sender, &up);
	tst_wait_at_least(&up, 1);
	struct itimerval fast = { { 0, 1 }, { 0, 1 } }, off = { { 0, 0 }, { 0, 0 } };
	ck_assert_int_eq(setitimer(ITIMER_PROF, &fast, NULL), 0);
	for (intptr_t i = 1; i <= tst_test_scaled(3000, 10); i++)
		ck_assert_ptr_eq(tst_join(tst_start(NULL, stream_child, (void *)i)), (void *)i);
	ck_assert_int_eq(setitimer(ITIMER_PROF, &off, NULL), 0);
	atomic_store(&sender_stop, 1);
	tst_join(sender);
	signal(SIGUSR1, SIG_DFL);
	signal(SIGPROF, SIG_DFL);
	ck_assert_int_eq(atomic_load(&early_bad), 0);
	fprintf(stderr, "signal stream: %d handlers ran in a new thread "
		"before its start routine\n", atomic_load(&early_hits));
}
END_TEST

/* ---- atexit handlers registered in a thread run at exit in main ---- */

/* glibc stores them mangled with the pointer guard of the registering
 * thread and demangles them in the exiting one. */
static int atexit_fd = -1;

static void atexit_mark(void)
{
	if (write(atexit_fd, "ran\n", 4) != 4)
		_exit(3);
}

static void *atexit_thread(void *arg)
{
	return (void *)(intptr_t)atexit(atexit_mark);
}

static int atexit_child(void *arg)
{
	atexit_fd = *(int *)arg;
	pthread_t th;
	void *ret;
	TST_CHILD_CHECK(pthread_create(&th, NULL, atexit_thread, NULL) == 0);
	TST_CHILD_CHECK(pthread_join(th, &ret) == 0 && ret == NULL);
	exit(0);
}

START_TEST(test_atexit_from_thread)
{
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	int status = tst_in_child(atexit_child, &fds[1]);
	close(fds[1]);
	char buf[16] = "";
	ck_assert_int_ge(read(fds[0], buf, sizeof buf - 1), 0);
	close(fds[0]);
	ck_assert_int_eq(status, 0);
	ck_assert_str_eq(buf, "ran\n");
}
END_TEST

/* ---- a thread glibc started itself (SIGEV_THREAD timer) ---- */

static pthread_key_t foreign_key;
static atomic_int foreign_done, foreign_dtor;
static struct {
	int self_ok, key_ok, create_ok;
} foreign;

static void foreign_key_dtor(void *value)
{
	if (value == &foreign)
		atomic_store(&foreign_dtor, 1);
}

static void *foreign_child(void *arg)
{
	return arg;
}

static void foreign_notify(union sigval sv)
{
	pthread_t me = pthread_self();
	tst_check_own(me, 0);
	foreign.self_ok = pthread_equal(me, pthread_self()) &&
			  !pthread_equal(me, *(pthread_t *)sv.sival_ptr);
	foreign.key_ok = pthread_getspecific(foreign_key) == NULL &&
			 pthread_setspecific(foreign_key, &foreign) == 0 &&
			 pthread_getspecific(foreign_key) == &foreign;
	pthread_t th;
	void *ret = NULL;
	foreign.create_ok = pthread_create(&th, NULL, foreign_child, &foreign) == 0 &&
			    pthread_join(th, &ret) == 0 && ret == &foreign;
	atomic_store(&foreign_done, 1);
}

START_TEST(test_foreign_thread)
{
	static pthread_t main_thread;
	main_thread = pthread_self();
	ck_assert_int_eq(pthread_key_create(&foreign_key, foreign_key_dtor), 0);
	struct sigevent sev = {
		.sigev_notify = SIGEV_THREAD,
		.sigev_notify_function = foreign_notify,
		.sigev_value.sival_ptr = &main_thread,
	};
	timer_t timer;
	ck_assert_int_eq(timer_create(CLOCK_MONOTONIC, &sev, &timer), 0);
	struct itimerspec its = { .it_value = { 0, 1000000 } };
	ck_assert_int_eq(timer_settime(timer, 0, &its, NULL), 0);
	tst_wait_at_least(&foreign_done, 1);
	ck_assert(foreign.self_ok);
	ck_assert(foreign.key_ok);
	ck_assert(foreign.create_ok);
	/* that thread's key destructors run when it exits */
	tst_wait_at_least(&foreign_dtor, 1);
	timer_delete(timer);
}
END_TEST

TST_SUITE(glibc_suite)
{
	Suite *s = suite_create("glibc");
	TCase *tc = tcase_create("glibc");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_concurrent_stdio);
	tcase_add_test(tc, test_concurrent_putc);
	tcase_add_test(tc, test_malloc_stress);
	tcase_add_test(tc, test_malloc_one_arena);
	tcase_add_test(tc, test_malloc_cache_emptied);
	tcase_add_test(tc, test_getaddrinfo_thread);
	tcase_add_test(tc, test_locale_thread);
	tcase_add_test(tc, test_sched_getcpu);
	tcase_add_test(tc, test_signal_to_thread);
	tst_tcase_add_signal_return(tc, test_signals_during_create);
	tst_tcase_add_signal_return(tc, test_signal_stream_at_create);
	tcase_add_test(tc, test_atexit_from_thread);
	if (!tst_test_glibc() && tst_glibc_release_before(2, 34))
		tst_test_left_out("test_foreign_thread", "glibc before 2.34 reads "
				 "its timer helper's tid through the pthread_t, "
				 "which is no address here (a known gap)");
	else
		tcase_add_test(tc, test_foreign_thread);
	suite_add_tcase(s, tc);
	return s;
}
