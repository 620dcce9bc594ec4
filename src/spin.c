/* SPDX-License-Identifier: MIT */
/* Spinlocks: test-and-test-and-set on the int glibc gives us.  Waiting
 * reads only, so the line stays shared until the holder lets go.  The
 * calls tell the race checkers (valgrind.h) from annotated copies. */
#include <errno.h>
#include "sync.h"
#include "valgrind.h"

#define S(p) ((_Atomic int *)(p))

static inline int lock(pthread_spinlock_t *l)
{
	while (atomic_exchange_explicit(S(l), 1, memory_order_acquire))
		while (atomic_load_explicit(S(l), memory_order_relaxed))
			ct_cpu_relax();
	return 0;
}

static inline int trylock(pthread_spinlock_t *l)
{
	return atomic_exchange_explicit(S(l), 1, memory_order_acquire) ? EBUSY : 0;
}

static inline int unlock(pthread_spinlock_t *l)
{
	atomic_store_explicit(S(l), 0, memory_order_release);
	return 0;
}

static ct_vg_annotated int vg_lock(pthread_spinlock_t *l, bool try)
{
	ct_vg_spin_lock_pre(l, try);
	int r = try ? trylock(l) : lock(l);
	ct_vg_spin_lock_post(l, r);
	return r;
}

/* Initialising a spinlock is unlocking it, for the race checkers too. */
static ct_vg_annotated int vg_unlock(pthread_spinlock_t *l)
{
	ct_vg_spin_unlock_pre(l);
	unlock(l);
	ct_vg_spin_unlock_post(l);
	return 0;
}

int pthread_spin_init(pthread_spinlock_t *l, int pshared)
{
	return ct_vg_listening() ? vg_unlock(l) : unlock(l);
}

int pthread_spin_destroy(pthread_spinlock_t *l)
{
	ct_vg_spin_destroy(l);
	return 0;
}

int pthread_spin_lock(pthread_spinlock_t *l)
{
	return ct_vg_listening() ? vg_lock(l, false) : lock(l);
}

int pthread_spin_trylock(pthread_spinlock_t *l)
{
	return ct_vg_listening() ? vg_lock(l, true) : trylock(l);
}

int pthread_spin_unlock(pthread_spinlock_t *l)
{
	return ct_vg_listening() ? vg_unlock(l) : unlock(l);
}
