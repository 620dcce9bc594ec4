/* Spinlocks: test-and-test-and-set on the int glibc gives us.  Waiting
 * reads only, so the line stays shared until the holder lets go.  Each
 * call tells the race checkers (valgrind.h). */
#include <errno.h>
#include "sync.h"
#include "valgrind.h"

#define S(p) ((_Atomic int *)(p))

int pthread_spin_init(pthread_spinlock_t *l, int pshared)
{
	ct_vg_spin_unlock_pre(l);
	atomic_store_explicit(S(l), 0, memory_order_relaxed);
	ct_vg_spin_unlock_post(l);
	return 0;
}

int pthread_spin_destroy(pthread_spinlock_t *l)
{
	ct_vg_spin_destroy(l);
	return 0;
}

int pthread_spin_lock(pthread_spinlock_t *l)
{
	ct_vg_spin_lock_pre(l, false);
	while (atomic_exchange_explicit(S(l), 1, memory_order_acquire))
		while (atomic_load_explicit(S(l), memory_order_relaxed))
			ct_cpu_relax();
	ct_vg_spin_lock_post(l, 0);
	return 0;
}

int pthread_spin_trylock(pthread_spinlock_t *l)
{
	ct_vg_spin_lock_pre(l, true);
	int r = atomic_exchange_explicit(S(l), 1, memory_order_acquire) ? EBUSY : 0;
	ct_vg_spin_lock_post(l, r);
	return r;
}

int pthread_spin_unlock(pthread_spinlock_t *l)
{
	ct_vg_spin_unlock_pre(l);
	atomic_store_explicit(S(l), 0, memory_order_release);
	ct_vg_spin_unlock_post(l);
	return 0;
}
