/* Spinlocks: test-and-test-and-set on the int glibc gives us.  Waiting
 * reads only, so the line stays shared until the holder lets go. */
#include <errno.h>
#include "sync.h"

#define S(p) ((_Atomic int *)(p))

int pthread_spin_init(pthread_spinlock_t *l, int pshared)
{
	atomic_store_explicit(S(l), 0, memory_order_relaxed);
	return 0;
}

int pthread_spin_destroy(pthread_spinlock_t *l)
{
	return 0;
}

int pthread_spin_lock(pthread_spinlock_t *l)
{
	while (atomic_exchange_explicit(S(l), 1, memory_order_acquire))
		while (atomic_load_explicit(S(l), memory_order_relaxed))
			ct_cpu_relax();
	return 0;
}

int pthread_spin_trylock(pthread_spinlock_t *l)
{
	return atomic_exchange_explicit(S(l), 1, memory_order_acquire) ? EBUSY : 0;
}

int pthread_spin_unlock(pthread_spinlock_t *l)
{
	atomic_store_explicit(S(l), 0, memory_order_release);
	return 0;
}
