/* SPDX-License-Identifier: MIT */
/* Private to the synchronization objects: how they use glibc's object
 * sizes, and the few calls between families (condvar -> mutex, C11 ->
 * pthread).  Sizes are those of glibc's types on the CPU, and only the
 * offsets glibc's static initializers write are fixed, at glibc's places
 * (offsetof on glibc's own types): a mutex's kind (byte 16 on 64-bit
 * CPUs, 12 on i386) and a rwlock's (byte 48, or 24); an all-zero object
 * of any type is a valid default one. */
#ifndef CT_SYNC_H
#define CT_SYNC_H

#include <errno.h>
#include <semaphore.h>
#include <threads.h>
#include "thread.h"

/* ---- mutex.c, mutex_pp.c, mutex_robust.c ---- */

/* Mutex kind bits.  Types 0-3 and the flag values are glibc's, so its
 * static initializers (which write only the type) mean the same here. */
#define CT_MK_TYPE	3	/* PTHREAD_MUTEX_{NORMAL,RECURSIVE,ERRORCHECK,ADAPTIVE}_NP */
#define CT_MK_ROBUST	16
#define CT_MK_PI	32	/* PTHREAD_PRIO_INHERIT: kernel-managed tid word */
#define CT_MK_PP	64	/* PTHREAD_PRIO_PROTECT: ceiling in the high bits */
#define CT_MK_SHARED	128	/* PTHREAD_PROCESS_SHARED: no private futex flag */
#define CT_MK_CEIL_SHIFT 19
#define CT_MK_VALID	(CT_MK_TYPE | CT_MK_ROBUST | CT_MK_PI | CT_MK_PP | \
			 CT_MK_SHARED | (0xfff << CT_MK_CEIL_SHIFT))
#define CT_MK_DESTROYED	(-1)	/* any use after destroy gives EINVAL */

/* The fields in glibc's order (struct __pthread_mutex_s), which differs
 * with the link format of glibc's robust list on the CPU: doubly linked
 * (64-bit CPUs), or singly linked in a word shared with the spin count
 * (i386, where the kind comes before the spare word). */
struct ct_mutex {
	/* Robust and PI mutexes: the kernel's word, owner tid |
	 * FUTEX_WAITERS | FUTEX_OWNER_DIED.  The others: 0 free, 1 locked,
	 * 2 locked and perhaps waited for. */
	_Atomic int lock;
	unsigned count;		/* recursive: locks beyond the first */
	/* Checked types (recursive, errorcheck, PP): the owner's tid.
	 * Robust: CT_OWNER_INCONSISTENT / CT_OWNER_NOTRECOVERABLE or 0. */
	_Atomic int owner;
#if __PTHREAD_MUTEX_HAVE_PREV
	int held_ceiling;	/* PP: the ceiling its owner holds (sched.c) */
	_Atomic int kind;	/* glibc's __kind */
	short spins;		/* adaptive: learned spin budget */
	short unused;
	/* Robust: the owner thread's list of held robust mutexes.  Only the
	 * owner touches them; `next' is the node the kernel walks. */
	struct robust_list *prev;
	struct robust_list next;
#else
	_Atomic int kind;
	int held_ceiling;
	union {			/* a robust mutex never spins */
		short spins;
		struct robust_list next;
	};
#endif
};
/* aarch64's pthread_mutex_t is 48 bytes, the other 64-bit CPUs' 40,
 * i386's 24: ours fits. */
_Static_assert(sizeof(struct ct_mutex) <= sizeof(pthread_mutex_t), "mutex size");
_Static_assert(offsetof(struct ct_mutex, kind) ==
	       offsetof(pthread_mutex_t, __data.__kind), "mutex kind offset");

#define CT_OWNER_INCONSISTENT	0x7fffffff
#define CT_OWNER_NOTRECOVERABLE	0x7ffffffe

/* For condition variables: release a mutex the caller owns, however deep
 * its recursion (*depth keeps it), and take it back.  `contended' makes
 * the relock leave the word at 2, needed after a broadcast requeued other
 * waiters onto it. */
hidden int ct_mutex_cond_unlock(struct ct_mutex *m, unsigned *depth);
hidden int ct_mutex_cond_lock(struct ct_mutex *m, unsigned depth,
			      bool contended);
/* May a broadcast move waiters onto this mutex's word with a requeue? */
static inline bool ct_mutex_requeueable(const struct ct_mutex *m, bool shared)
{
	int k = atomic_load_explicit(&((struct ct_mutex *)m)->kind,
				     memory_order_relaxed);
	return (k & (CT_MK_ROBUST | CT_MK_PI | CT_MK_PP)) == 0 &&
	       !(k & CT_MK_SHARED) == !shared;
}
/* A waiter was just requeued, unwoken, onto this (requeueable) mutex's
 * word: make sure an unlock wakes it. */
hidden void ct_mutex_requeued(struct ct_mutex *m);
/* pthread_mutex_unlock; depth: release fully, keeping the recursion. */
hidden int ct_mutex_release(struct ct_mutex *m, unsigned *depth);
/* Lock with an optional absolute deadline on `clock'; try: never block. */
hidden int ct_mutex_acquire(struct ct_mutex *m, clockid_t clock,
			    const struct timespec *abstime, bool try);

static inline int ct_self_tid(void)
{
	return atomic_load_explicit(ct_tid(ct_self()), memory_order_relaxed);
}

/* ---- cond.c ---- */
struct ct_cond {
	/* Low half: waiters inside wait (| CT_COND_DESTROY), a futex for
	 * destroy.  High half: waiters no signal has accounted for yet. */
	_Atomic uint64_t state;
	_Atomic int seq;	/* futex: bumped by every signal/broadcast */
	_Atomic int bcast;	/* bumped before each requeueing broadcast */
	struct ct_mutex *_Atomic mutex;	/* private only: the waiters' mutex */
	int flags;		/* condattr: CT_COND_MONOTONIC | CT_COND_SHARED */
	char pad[sizeof(pthread_cond_t) - sizeof(uint64_t) - 3 * sizeof(int) -
		 sizeof(void *)];
};
_Static_assert(sizeof(struct ct_cond) == sizeof(pthread_cond_t), "cond size");
#define CT_COND_MONOTONIC 1
#define CT_COND_SHARED	  2
hidden int ct_cond_wait(struct ct_cond *c, struct ct_mutex *m, clockid_t clock,
			const struct timespec *abstime);
hidden int ct_cond_wake(struct ct_cond *c, bool all);

/* ---- C11: a pthread error as a thrd_* result ---- */
static inline int ct_thrd_result(int err)
{
	switch (err) {
	case 0: return thrd_success;
	case EBUSY: return thrd_busy;
	case ENOMEM: return thrd_nomem;
	case ETIMEDOUT: return thrd_timedout;
	default: return thrd_error;
	}
}

/* ---- sem.c: glibc's semaphore protocol on the CPU, so that a glibc
 * process and ours can share a named one.  With 64-bit atomics: one
 * word, the value in the low half and the number of waiters in the high
 * half; waiters sleep on the value.  Without (i386): the value shifted
 * left by one, its low bit set while waiters may sleep on the word, and
 * their number in a word of its own.  `private' is glibc's inverted
 * flag: 0 process-private, CT_SEM_SHARED (FUTEX_PRIVATE_FLAG's value)
 * process-shared. */
#if CT_ARCH_64B_ATOMICS
struct ct_sem {
	_Atomic uint64_t data;
	int private;
	char pad[sizeof(sem_t) - sizeof(uint64_t) - sizeof(int)];
};
#define CT_SEM_WAITER_SHIFT 32
#define CT_SEM_VALUE_MASK 0xffffffffu
#else
struct ct_sem {
	_Atomic unsigned value;
	int private;
	int pad;
	_Atomic unsigned nwaiters;
};
#define CT_SEM_VALUE_SHIFT 1
#define CT_SEM_NWAITERS 1u
#endif
_Static_assert(sizeof(struct ct_sem) == sizeof(sem_t), "sem size");
#define CT_SEM_SHARED FUTEX_PRIVATE_FLAG

/* sem_named.c: the list of named semaphores this process has mapped. */
extern hidden ct_lock_t ct_sem_named_lock;

/* The pshared attribute of every attribute object: the `flag' bit of an
 * int word (barrier and rwlock attributes keep the value itself, which is
 * the same thing with flag 1). */
_Static_assert(PTHREAD_PROCESS_PRIVATE == 0 && PTHREAD_PROCESS_SHARED == 1,
	       "pshared values are glibc's");
static inline int ct_set_pshared(int *word, int flag, int pshared)
{
	if (pshared != PTHREAD_PROCESS_PRIVATE &&
	    pshared != PTHREAD_PROCESS_SHARED)
		return EINVAL;
	*word = (*word & ~flag) | (pshared == PTHREAD_PROCESS_SHARED ? flag : 0);
	return 0;
}

static inline int ct_pshared(int word, int flag)
{
	return word & flag ? PTHREAD_PROCESS_SHARED : PTHREAD_PROCESS_PRIVATE;
}

#endif
