/* SPDX-License-Identifier: MIT */
/* What the race checkers must be told: valgrind's helgrind and DRD learn
 * about threads and synchronization by intercepting glibc's pthread
 * functions, which a program on this library never calls.  So the library
 * sends, at the same points, the client requests their intercepts send
 * (helgrind/hg_intercepts.c, drd/drd_pthread_intercepts.c): each ct_vg_*
 * below names the event, and sends both tools' requests for it.  A tool
 * ignores the other's requests, but for a few helgrind ones that DRD
 * reads as its own (drd.h): the untracked range and the happens-before
 * pair, meant for both, and the rwlock creation and destruction, which
 * DRD would take for a user-defined rwlock's (ct_vg_drd).
 *
 * The library's own bookkeeping (descriptors, TLS and TCBs, the handle
 * table, the region cache, the key table) is shared between threads under
 * internal locks the tools do not see; glibc's equivalent lives in libc,
 * whose races the tools' default suppressions hide.  Here that memory is
 * declared private (ct_vg_private): neither tool checks it.  The internal
 * locks are deliberately not announced: a happens-before edge through,
 * say, the region cache would order two unrelated threads of the program
 * and hide its real races.
 *
 * Natively each ct_vg_* is a load of ct_vg_on and a branch never taken;
 * without valgrind's headers (cross builds) they compile to nothing. */
#ifndef CT_VALGRIND_H
#define CT_VALGRIND_H

#include <stdbool.h>

#if defined(HAVE_VALGRIND_HELGRIND_H) && defined(HAVE_VALGRIND_DRD_H)
#define CT_VG_REQUESTS 1
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <valgrind/helgrind.h>
#include <valgrind/drd.h>

/* Running under valgrind, and under DRD: set once, at start-up. */
extern __attribute__((visibility("hidden"))) bool ct_vg_on, ct_vg_drd;
__attribute__((visibility("hidden"))) void ct_vg_init(void);
struct ct_thread;
__attribute__((visibility("hidden")))
void ct_vg_created(pthread_t self, _Atomic int *named, int err);
__attribute__((visibility("hidden"))) void ct_vg_started(struct ct_thread *t);
__attribute__((visibility("hidden"))) void ct_vg_region(struct ct_thread *t);

/* DRD's requests for its own intercepts (drd_clientreq.h, not installed),
 * in their order there; checked against valgrind 3.19's intercepts. */
enum {
	CT_DRD_START_NEW_SEGMENT = VG_USERREQ_TOOL_BASE('D', 'r') + 1,
	CT_DRD_SET_PTHREADID, CT_DRD_SET_JOINABLE,
	CT_DRD_ENTERING_PTHREAD_CREATE, CT_DRD_LEFT_PTHREAD_CREATE,
	CT_DRD_POST_THREAD_JOIN, CT_DRD_PRE_THREAD_CANCEL, CT_DRD_POST_THREAD_CANCEL,
	CT_DRD_PRE_MUTEX_INIT, CT_DRD_POST_MUTEX_INIT,
	CT_DRD_PRE_MUTEX_DESTROY, CT_DRD_POST_MUTEX_DESTROY,
	CT_DRD_PRE_MUTEX_LOCK, CT_DRD_POST_MUTEX_LOCK,
	CT_DRD_PRE_MUTEX_UNLOCK, CT_DRD_POST_MUTEX_UNLOCK,
	CT_DRD_PRE_SPIN_INIT_OR_UNLOCK, CT_DRD_POST_SPIN_INIT_OR_UNLOCK,
	CT_DRD_PRE_COND_INIT, CT_DRD_POST_COND_INIT,
	CT_DRD_PRE_COND_DESTROY, CT_DRD_POST_COND_DESTROY,
	CT_DRD_PRE_COND_WAIT, CT_DRD_POST_COND_WAIT,
	CT_DRD_PRE_COND_SIGNAL, CT_DRD_POST_COND_SIGNAL,
	CT_DRD_PRE_COND_BROADCAST, CT_DRD_POST_COND_BROADCAST,
	CT_DRD_PRE_SEM_INIT, CT_DRD_POST_SEM_INIT,
	CT_DRD_PRE_SEM_DESTROY, CT_DRD_POST_SEM_DESTROY,
	CT_DRD_PRE_SEM_OPEN, CT_DRD_POST_SEM_OPEN,
	CT_DRD_PRE_SEM_CLOSE, CT_DRD_POST_SEM_CLOSE,
	CT_DRD_PRE_SEM_WAIT, CT_DRD_POST_SEM_WAIT,
	CT_DRD_PRE_SEM_POST, CT_DRD_POST_SEM_POST,
	CT_DRD_PRE_BARRIER_INIT, CT_DRD_POST_BARRIER_INIT,
	CT_DRD_PRE_BARRIER_DESTROY, CT_DRD_POST_BARRIER_DESTROY,
	CT_DRD_PRE_BARRIER_WAIT, CT_DRD_POST_BARRIER_WAIT,
	CT_DRD_PRE_RWLOCK_INIT, CT_DRD_POST_RWLOCK_INIT,
	CT_DRD_PRE_RWLOCK_DESTROY, CT_DRD_POST_RWLOCK_DESTROY,
	CT_DRD_PRE_RWLOCK_RDLOCK, CT_DRD_POST_RWLOCK_RDLOCK,
	CT_DRD_PRE_RWLOCK_WRLOCK, CT_DRD_POST_RWLOCK_WRLOCK,
	CT_DRD_PRE_RWLOCK_UNLOCK, CT_DRD_POST_RWLOCK_UNLOCK,
};
_Static_assert(CT_DRD_POST_RWLOCK_UNLOCK == VG_USERREQ_TOOL_BASE('D', 'r') + 56,
	       "DRD's request numbers");
/* DRD's mutex kinds (MutexT) and its barrier kind for POSIX barriers. */
enum { CT_DRD_RECURSIVE = 1, CT_DRD_ERRORCHECK, CT_DRD_DEFAULT, CT_DRD_SPIN };
#define CT_DRD_PTHREAD_BARRIER 1

/* One request, arguments as words, out of line (the callers' fast paths
 * then keep no room for them); it returns the tool's answer. */
__attribute__((visibility("hidden"), noinline, cold))
uintptr_t ct_vg_req(uintptr_t req, uintptr_t a, uintptr_t b, uintptr_t c,
		    uintptr_t d, uintptr_t e);
#define CT_REQ(req, a, b, c, d) ct_vg_req((req), (uintptr_t)(a), \
	(uintptr_t)(b), (uintptr_t)(c), (uintptr_t)(d), 0)
#define CT_HG(req, a, b, c, d) CT_REQ(_VG_USERREQ__HG_##req, a, b, c, d)
#define CT_DRD(req, a, b, c, d) CT_REQ(CT_DRD_##req, a, b, c, d)
/* The statements run only under valgrind: their arguments cost nothing
 * natively. */
#define CT_VG(...) do { if (__builtin_expect(ct_vg_on, 0)) { __VA_ARGS__; } } while (0)

#else
#define CT_VG(...) do { } while (0)
static inline void ct_vg_init(void) {}
#endif

/* Whether the tools listen.  The fastest calls test it once and take an
 * annotated copy of themselves out of line when it holds, so that their
 * fast path keeps no registers for the requests (ct_vg_annotated). */
#ifdef CT_VG_REQUESTS
#define ct_vg_listening() __builtin_expect(ct_vg_on, 0)
#else
#define ct_vg_listening() 0
#endif
#define ct_vg_annotated __attribute__((noinline, cold))

/* ---- the library's own memory ---- */

/* Neither tool checks [p, p + n) from now on (helgrind's untracked
 * range, DRD's suppression: DRD reads helgrind's request as its own). */
#define ct_vg_private(p, n) CT_VG(CT_HG(ARANGE_MAKE_UNTRACKED, (p), (n), 0, 0))

/* The library's parts of a new region: glibc's TCB and our descriptor,
 * libc's TLS block, our TLS variable.  (helgrind leaves a region mapped
 * without access for its guard untracked anyway, as it does glibc's
 * stacks, but for its stack, tracked frame by frame as it is used; a
 * region around a user stack is mapped accessible, and tracked.) */
#define ct_vg_private_region(t) CT_VG(ct_vg_region(t))

/* ---- threads ---- */

/* pthread_create, in the creator, first.  DRD then knows the creator is
 * inside create: memory mapped meanwhile belongs to the new thread. */
#define ct_vg_create_begin(self) CT_VG(CT_HG(PTHREAD_CREATE_BEGIN, 0, 0, 0, 0); \
	CT_DRD(SET_PTHREADID, (self), 0, 0, 0); \
	CT_DRD(ENTERING_PTHREAD_CREATE, 0, 0, 0, 0))
/* The new thread t will set *named once the tools know it by its handle
 * (ct_vg_thread_start); named is on the creator's stack, which outlives
 * the wait, where t may be gone and reused already. */
#define ct_vg_create_child(t, named) CT_VG((t)->vg_named = (named))
/* pthread_create, in the creator, last (err: its result).  As the tools'
 * intercepts do, it waits for the new thread to be named: helgrind cannot
 * join, nor DRD detach, a handle it has not heard of. */
#define ct_vg_create_end(self, named, err) CT_VG(ct_vg_created((self), (named), (err)))
/* In a new thread, before its start routine: the tools map its handle to
 * it, and DRD learns whether anybody will join it. */
#define ct_vg_thread_start(t) CT_VG(ct_vg_started(t))
/* The main thread and threads glibc started name themselves too. */
#define ct_vg_thread_named(self, joinable) CT_VG( \
	CT_HG(SET_MY_PTHREAD_T, (self), 0, 0, 0); \
	CT_DRD(SET_PTHREADID, (self), 0, 0, 0); \
	CT_DRD(SET_JOINABLE, (self), (joinable), 0, 0))
/* The joiner happens after everything the joined thread did. */
#define ct_vg_joined(th) CT_VG(CT_HG(PTHREAD_JOIN_POST, (th), 0, 0, 0); \
	CT_DRD(POST_THREAD_JOIN, (th), 0, 0, 0))
#define ct_vg_detached(th) CT_VG(CT_DRD(SET_JOINABLE, (th), 0, 0, 0))

/* A plain happens-before edge through the object at p (pthread_once). */
#define ct_vg_happens_before(p) CT_VG(CT_HG(USERSO_SEND_PRE, (p), 0, 0, 0))
#define ct_vg_happens_after(p) CT_VG(CT_HG(USERSO_RECV_POST, (p), 0, 0, 0))

/* ---- mutexes: `kind' is the mutex's kind word (sync.h) ---- */

#define ct_vg_drd_mutex_type(kind) \
	(((kind) & 3) == PTHREAD_MUTEX_RECURSIVE ? CT_DRD_RECURSIVE : \
	 ((kind) & 3) == PTHREAD_MUTEX_ERRORCHECK ? CT_DRD_ERRORCHECK : CT_DRD_DEFAULT)
#define ct_vg_mutex_init_pre(m, kind) CT_VG( \
	CT_DRD(PRE_MUTEX_INIT, (m), ct_vg_drd_mutex_type(kind), 0, 0))
#define ct_vg_mutex_init_post(m, kind) CT_VG( \
	CT_HG(PTHREAD_MUTEX_INIT_POST, (m), ((kind) & 3) == PTHREAD_MUTEX_RECURSIVE, 0, 0); \
	CT_DRD(POST_MUTEX_INIT, (m), 0, 0, 0))
/* The object still holds its static initializer (all zero bytes, as all
 * of glibc's but for a few mutex kinds'). */
#define ct_vg_untouched(p) ct_vg_zero((p), sizeof *(p))
static inline bool ct_vg_zero(const void *p, size_t n)
{
	const unsigned char *b = p;
	while (n && !*b)
		n--, b++;
	return n == 0;
}
#define ct_vg_mutex_destroy_pre(m, untouched) CT_VG( \
	CT_HG(PTHREAD_MUTEX_DESTROY_PRE, (m), (untouched), 0, 0); \
	CT_DRD(PRE_MUTEX_DESTROY, (m), 0, 0, 0))
#define ct_vg_mutex_destroy_post(m, kind) CT_VG( \
	CT_DRD(POST_MUTEX_DESTROY, (m), ct_vg_drd_mutex_type(kind), 0, 0))
/* Every call declares the object private: its words change inside the
 * library, outside any lock the tools see (glibc's do so inside libc).
 * (The words of semaphores and barriers change by atomic
 * read-modify-write only, which the tools count as reads.)
 * try: a trylock; timed: a timed lock, which helgrind counts as a try too
 * (relocking then fails rather than deadlocks). */
#define ct_vg_mutex_lock_pre(m, kind, try, timed) CT_VG( \
	ct_vg_private((m), sizeof(pthread_mutex_t)); \
	CT_HG(PTHREAD_MUTEX_LOCK_PRE, (m), (try) || (timed), 0, 0); \
	CT_DRD(PRE_MUTEX_LOCK, (m), ct_vg_drd_mutex_type(kind), (try), 0))
/* A robust mutex whose owner died is held all the same (EOWNERDEAD). */
#define ct_vg_mutex_lock_post(m, r) CT_VG( \
	CT_HG(PTHREAD_MUTEX_LOCK_POST, (m), (r) == 0 || (r) == EOWNERDEAD, 0, 0); \
	CT_DRD(POST_MUTEX_LOCK, (m), (r) == 0 || (r) == EOWNERDEAD, 0, 0))
#define ct_vg_mutex_unlock_pre(m, kind) CT_VG(ct_vg_private((m), sizeof(pthread_mutex_t)); \
	CT_HG(PTHREAD_MUTEX_UNLOCK_PRE, (m), 0, 0, 0); \
	CT_DRD(PRE_MUTEX_UNLOCK, (m), ct_vg_drd_mutex_type(kind), 0, 0))
#define ct_vg_mutex_unlock_post(m) CT_VG(CT_HG(PTHREAD_MUTEX_UNLOCK_POST, (m), 0, 0, 0); \
	CT_DRD(POST_MUTEX_UNLOCK, (m), 0, 0, 0))

/* ---- condition variables ---- */

#define ct_vg_cond_init(c) CT_VG(CT_DRD(PRE_COND_INIT, (c), 0, 0, 0); \
	CT_HG(PTHREAD_COND_INIT_POST, (c), 0, 0, 0); \
	CT_DRD(POST_COND_INIT, (c), 0, 0, 0))
#define ct_vg_cond_destroy_pre(c, untouched) CT_VG( \
	CT_HG(PTHREAD_COND_DESTROY_PRE, (c), (untouched), 0, 0); \
	CT_DRD(PRE_COND_DESTROY, (c), 0, 0, 0))
#define ct_vg_cond_destroy_post(c, r) CT_VG(CT_DRD(POST_COND_DESTROY, (c), (r) == 0, 0, 0))
/* The wait releases the mutex and takes it back: helgrind is told so only
 * if it found the mutex valid (held by the caller); *valid keeps that. */
#define ct_vg_cond_wait_pre(c, m, kind, valid) CT_VG(ct_vg_private((c), sizeof(pthread_cond_t)); \
	*(valid) = CT_HG(PTHREAD_COND_WAIT_PRE, (c), (m), 0, 0); \
	if (*(valid)) CT_HG(PTHREAD_MUTEX_UNLOCK_PRE, (m), 0, 0, 0); \
	CT_DRD(PRE_COND_WAIT, (c), (m), ct_vg_drd_mutex_type(kind), 0))
/* r: the wait's result; the mutex is held again after 0 and ETIMEDOUT. */
#define ct_vg_cond_wait_post(c, m, r, valid) CT_VG( \
	bool held_ = (r) == 0 || (r) == ETIMEDOUT; \
	if (valid) CT_HG(PTHREAD_MUTEX_LOCK_POST, (m), held_, 0, 0); \
	CT_HG(PTHREAD_COND_WAIT_POST, (c), (m), (r) == ETIMEDOUT, held_ && (valid)); \
	CT_DRD(POST_COND_WAIT, (c), (m), 1, 0))
#define ct_vg_cond_wake_pre(c, all) CT_VG(ct_vg_private((c), sizeof(pthread_cond_t)); \
	if (all) { CT_HG(PTHREAD_COND_BROADCAST_PRE, (c), 0, 0, 0); \
		   CT_DRD(PRE_COND_BROADCAST, (c), 0, 0, 0); } \
	else { CT_HG(PTHREAD_COND_SIGNAL_PRE, (c), 0, 0, 0); \
	       CT_DRD(PRE_COND_SIGNAL, (c), 0, 0, 0); })
#define ct_vg_cond_wake_post(c, all) CT_VG( \
	if (all) { CT_HG(PTHREAD_COND_BROADCAST_POST, (c), 0, 0, 0); \
		   CT_DRD(POST_COND_BROADCAST, (c), 0, 0, 0); } \
	else { CT_HG(PTHREAD_COND_SIGNAL_POST, (c), 0, 0, 0); \
	       CT_DRD(POST_COND_SIGNAL, (c), 0, 0, 0); })

/* ---- read-write locks ---- */

#define ct_vg_rwlock_init(l) CT_VG(CT_DRD(PRE_RWLOCK_INIT, (l), 0, 0, 0); \
	if (!ct_vg_drd) CT_HG(PTHREAD_RWLOCK_INIT_POST, (l), 0, 0, 0); \
	CT_DRD(POST_RWLOCK_INIT, (l), 0, 0, 0))
#define ct_vg_rwlock_destroy(l) CT_VG( \
	if (!ct_vg_drd) CT_HG(PTHREAD_RWLOCK_DESTROY_PRE, (l), 0, 0, 0); \
	CT_DRD(PRE_RWLOCK_DESTROY, (l), 0, 0, 0); \
	CT_DRD(POST_RWLOCK_DESTROY, (l), 0, 0, 0))
#define ct_vg_rwlock_lock_pre(l, write, try) CT_VG(ct_vg_private((l), sizeof(pthread_rwlock_t)); \
	CT_HG(PTHREAD_RWLOCK_LOCK_PRE, (l), (write), (try), 0); \
	CT_REQ((write) ? CT_DRD_PRE_RWLOCK_WRLOCK : CT_DRD_PRE_RWLOCK_RDLOCK, (l), 0, 0, 0))
#define ct_vg_rwlock_lock_post(l, write, r) CT_VG( \
	CT_HG(PTHREAD_RWLOCK_LOCK_POST, (l), (write), (r) == 0, 0); \
	CT_REQ((write) ? CT_DRD_POST_RWLOCK_WRLOCK : CT_DRD_POST_RWLOCK_RDLOCK, (l), (r) == 0, 0, 0))
#define ct_vg_rwlock_unlock_pre(l) CT_VG(ct_vg_private((l), sizeof(pthread_rwlock_t)); \
	CT_HG(PTHREAD_RWLOCK_UNLOCK_PRE, (l), 0, 0, 0); \
	CT_DRD(PRE_RWLOCK_UNLOCK, (l), 0, 0, 0))
#define ct_vg_rwlock_unlock_post(l, r) CT_VG(CT_HG(PTHREAD_RWLOCK_UNLOCK_POST, (l), 0, 0, 0); \
	CT_DRD(POST_RWLOCK_UNLOCK, (l), (r) == 0, 0, 0))

/* ---- semaphores (r: the call's result, 0 or -1) ---- */

#define ct_vg_sem_init_pre(s, pshared, value) CT_VG( \
	CT_DRD(PRE_SEM_INIT, (s), (pshared), (value), 0))
#define ct_vg_sem_init_post(s, value) CT_VG(CT_HG(POSIX_SEM_INIT_POST, (s), (value), 0, 0); \
	CT_DRD(POST_SEM_INIT, (s), 0, 0, 0))
#define ct_vg_sem_destroy(s) CT_VG(CT_HG(POSIX_SEM_DESTROY_PRE, (s), 0, 0, 0); \
	CT_DRD(PRE_SEM_DESTROY, (s), 0, 0, 0); \
	CT_DRD(POST_SEM_DESTROY, (s), 0, 0, 0))
#define ct_vg_sem_wait_pre(s) CT_VG(CT_HG(POSIX_SEM_WAIT_PRE, (s), 0, 0, 0); \
	CT_DRD(PRE_SEM_WAIT, (s), 0, 0, 0))
#define ct_vg_sem_wait_post(s, r) CT_VG(CT_HG(POSIX_SEM_WAIT_POST, (s), (r) == 0, 0, 0); \
	CT_DRD(POST_SEM_WAIT, (s), (r) == 0, 0, 0))
#define ct_vg_sem_post_pre(s) CT_VG(CT_HG(POSIX_SEM_POST_PRE, (s), 0, 0, 0); \
	CT_DRD(PRE_SEM_POST, (s), 0, 0, 0))
#define ct_vg_sem_post_post(s, r) CT_VG(CT_HG(POSIX_SEM_POST_POST, (s), 0, 0, 0); \
	CT_DRD(POST_SEM_POST, (s), (r) == 0, 0, 0))
/* sem_open: s is SEM_FAILED or the semaphore; helgrind hears of it only
 * when it may have been created. */
#define ct_vg_sem_open_pre(name, oflag, mode, value) CT_VG( \
	CT_DRD(PRE_SEM_OPEN, (name), (oflag), (mode), (value)))
#define ct_vg_sem_open_post(s, name, oflag, mode, value) CT_VG( \
	if ((s) != SEM_FAILED && ((oflag) & O_CREAT)) \
		CT_HG(POSIX_SEM_INIT_POST, (s), (value), 0, 0); \
	ct_vg_req(CT_DRD_POST_SEM_OPEN, (s) != SEM_FAILED ? (uintptr_t)(s) : 0, \
		  (uintptr_t)(name), (uintptr_t)(oflag), (uintptr_t)(mode), (value)))
#define ct_vg_sem_close_pre(s) CT_VG(CT_HG(POSIX_SEM_DESTROY_PRE, (s), 0, 0, 0); \
	CT_DRD(PRE_SEM_CLOSE, (s), 0, 0, 0))
#define ct_vg_sem_close_post(s) CT_VG(CT_DRD(POST_SEM_CLOSE, (s), 0, 0, 0))

/* ---- barriers and spinlocks ---- */

#define ct_vg_barrier_init_pre(b, count) CT_VG( \
	CT_HG(PTHREAD_BARRIER_INIT_PRE, (b), (count), 0, 0); \
	CT_DRD(PRE_BARRIER_INIT, (b), CT_DRD_PTHREAD_BARRIER, (count), 0))
#define ct_vg_barrier_init_post(b) CT_VG( \
	CT_DRD(POST_BARRIER_INIT, (b), CT_DRD_PTHREAD_BARRIER, 0, 0))
#define ct_vg_barrier_wait_pre(b) CT_VG(CT_HG(PTHREAD_BARRIER_WAIT_PRE, (b), 0, 0, 0); \
	CT_DRD(PRE_BARRIER_WAIT, (b), CT_DRD_PTHREAD_BARRIER, 0, 0))
#define ct_vg_barrier_wait_post(b, r) CT_VG(CT_DRD(POST_BARRIER_WAIT, (b), \
	CT_DRD_PTHREAD_BARRIER, 1, (r) == PTHREAD_BARRIER_SERIAL_THREAD))
#define ct_vg_barrier_destroy_pre(b) CT_VG(CT_HG(PTHREAD_BARRIER_DESTROY_PRE, (b), 0, 0, 0); \
	CT_DRD(PRE_BARRIER_DESTROY, (b), CT_DRD_PTHREAD_BARRIER, 0, 0))
#define ct_vg_barrier_destroy_post(b) CT_VG( \
	CT_DRD(POST_BARRIER_DESTROY, (b), CT_DRD_PTHREAD_BARRIER, 0, 0))

/* Initialising a spinlock is unlocking it, for both tools. */
#define ct_vg_spin_unlock_pre(l) CT_VG(ct_vg_private((l), sizeof(pthread_spinlock_t)); \
	CT_HG(PTHREAD_SPIN_INIT_OR_UNLOCK_PRE, (l), 0, 0, 0); \
	CT_DRD(PRE_SPIN_INIT_OR_UNLOCK, (l), 0, 0, 0))
#define ct_vg_spin_unlock_post(l) CT_VG(CT_HG(PTHREAD_SPIN_INIT_OR_UNLOCK_POST, (l), 0, 0, 0); \
	CT_DRD(POST_SPIN_INIT_OR_UNLOCK, (l), 0, 0, 0))
#define ct_vg_spin_lock_pre(l, try) CT_VG(ct_vg_private((l), sizeof(pthread_spinlock_t)); \
	CT_HG(PTHREAD_SPIN_LOCK_PRE, (l), (try), 0, 0); \
	CT_DRD(PRE_MUTEX_LOCK, (l), CT_DRD_SPIN, (try), 0))
#define ct_vg_spin_lock_post(l, r) CT_VG(if ((r) == 0) CT_HG(PTHREAD_SPIN_LOCK_POST, (l), 0, 0, 0); \
	CT_DRD(POST_MUTEX_LOCK, (l), (r) == 0, 0, 0))
#define ct_vg_spin_destroy(l) CT_VG(CT_HG(PTHREAD_SPIN_DESTROY_PRE, (l), 0, 0, 0); \
	CT_DRD(PRE_MUTEX_DESTROY, (l), 0, 0, 0); \
	CT_DRD(POST_MUTEX_DESTROY, (l), CT_DRD_SPIN, 0, 0))

#endif
