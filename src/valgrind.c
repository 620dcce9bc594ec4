/* SPDX-License-Identifier: MIT */
/* Whether the race checkers are listening, and the thread start-up
 * handshake they need (valgrind.h). */
#include "glibc/glibc.h"
#include "valgrind.h"

#ifdef CT_VG_REQUESTS
hidden bool ct_vg_on, ct_vg_drd;
extern hidden char __start_ct_private[], __stop_ct_private[];

uintptr_t ct_vg_req(uintptr_t req, uintptr_t a, uintptr_t b, uintptr_t c,
		    uintptr_t d, uintptr_t e)
{
	return VALGRIND_DO_CLIENT_REQUEST_EXPR(0, req, a, b, c, d, e);
}

/* At start-up, before any thread or synchronization object of ours. */
void ct_vg_init(void)
{
	ct_vg_on = RUNNING_ON_VALGRIND;
	ct_vg_drd = ct_vg_on && DRD_GET_DRD_THREADID != 0;
	ct_vg_private(__start_ct_private, __stop_ct_private - __start_ct_private);
}

void ct_vg_region(struct ct_thread *t)
{
	/* struct pthread and ours are neighbours, in either order (the TLS
	 * variant decides: region.c). */
	char *tp = (char *)t->tp, *pd = t->pd, *d = (char *)t;
	char *lo = pd < d ? pd : d;
	char *hi = pd < d ? d + sizeof *t : pd + ct_glibc.pd_size;
	ct_vg_private(lo, hi - lo);
	ct_vg_private(tp - ct_glibc.libc_tls_off, ct_glibc.libc_tls_size);
	ct_vg_private(tp + ((char *)&ct_self_desc - (char *)ct_get_tp()),
		      sizeof ct_self_desc);
}

void ct_vg_created(pthread_t self, _Atomic int *named, int err)
{
	CT_HG(PTHREAD_CREATE_END, 0, 0, 0, 0);
	CT_DRD(LEFT_PTHREAD_CREATE, 0, 0, 0, 0);
	while (!err && !atomic_load(named))
		ct_futex_wait(named, 0, CLOCK_MONOTONIC, NULL, false);
	CT_DRD(START_NEW_SEGMENT, self, 0, 0, 0);
}

void ct_vg_started(struct ct_thread *t)
{
	bool joinable = !(atomic_load(&t->detach_state) & CT_DETACHED);
	ct_vg_thread_named(t->handle, joinable);
	atomic_store(t->vg_named, 1);
	ct_futex_wake(t->vg_named, 1, false);
}
#endif
