/* pthread_once: the first caller runs init; the others wait on the
 * control word until it is done.  An init routine that is cancelled
 * leaves the control as if pthread_once had never been called (POSIX):
 * a waiter then runs init itself.  Whatever init did happens before any
 * pthread_once on the same control returns: the race checkers are told
 * so (valgrind.h). */
#include "cancel.h"
#include "valgrind.h"

enum { NEW, RUNNING, WAITING, DONE };

static void finish(_Atomic int *c, int state)
{
	if (atomic_exchange(c, state) == WAITING)
		ct_futex_wake(c, INT32_MAX, false);
}

static void cancelled(_Atomic int **running)
{
	if (*running)
		finish(*running, NEW);
}

static ct_vg_annotated void vg_done(_Atomic int *c)
{
	ct_vg_happens_after(c);
}

static inline int done(_Atomic int *c)
{
	if (ct_vg_listening())
		vg_done(c);
	return 0;
}

/* Out of line: the fast path below keeps no frame. */
static __attribute__((noinline)) int first_time(_Atomic int *c,
						void (*init)(void))
{
	for (;;) {
		int s = NEW;
		if (atomic_compare_exchange_strong(c, &s, RUNNING)) {
			_Atomic int *running __attribute__((cleanup(cancelled))) = c;
			init();
			running = NULL;
			ct_vg_happens_before(c);
			finish(c, DONE);
			return 0;
		}
		if (s == DONE)
			return done(c);
		/* Announce a waiter so the runner knows to wake us. */
		if (s == RUNNING &&
		    !atomic_compare_exchange_strong(c, &s, WAITING) && s != WAITING)
			continue;
		ct_futex_wait(c, WAITING, CLOCK_MONOTONIC, NULL, false);
	}
}

int pthread_once(pthread_once_t *control, void (*init)(void))
{
	_Atomic int *c = (_Atomic int *)control;
	if (likely(atomic_load_explicit(c, memory_order_acquire) == DONE))
		return done(c);
	return first_time(c, init);
}

ct_alias(__pthread_once, pthread_once);
