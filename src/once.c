/* pthread_once: the first caller runs init; the others wait on the
 * control word until it is done. */
#include "internal.h"

enum { NEW, RUNNING, WAITING, DONE };

int pthread_once(pthread_once_t *control, void (*init)(void))
{
	_Atomic int *c = (_Atomic int *)control;
	if (likely(atomic_load_explicit(c, memory_order_acquire) == DONE))
		return 0;
	for (;;) {
		int s = NEW;
		if (atomic_compare_exchange_strong(c, &s, RUNNING)) {
			init();
			if (atomic_exchange(c, DONE) == WAITING)
				ct_futex_wake(c, INT32_MAX, false);
			return 0;
		}
		if (s == DONE)
			return 0;
		/* Announce a waiter so the runner knows to wake us. */
		if (s == RUNNING &&
		    !atomic_compare_exchange_strong(c, &s, WAITING) && s != WAITING)
			continue;
		ct_futex_wait(c, WAITING, CLOCK_MONOTONIC, NULL, false);
	}
}

ct_alias(__pthread_once, pthread_once);
