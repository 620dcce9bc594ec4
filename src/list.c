/* SPDX-License-Identifier: MIT */
/* The list of every thread the library knows: the threads it created,
 * the main thread, and glibc-created threads that called into it.  A
 * set*id broadcast or fork's child handler walks it under ct_list_lock. */
#include "thread.h"

hidden ct_private ct_lock_t ct_list_lock;
hidden ct_private struct ct_thread *ct_list_head;
/* Threads that count for "the last thread exits the process": ours and
 * the main thread. */
hidden ct_private _Atomic int ct_live_threads = 1;

void ct_list_add(struct ct_thread *t)
{
	ct_lock(&ct_list_lock);
	if (!ct_list_head) {
		t->next = t->prev = t;
		ct_list_head = t;
	} else {
		t->next = ct_list_head;
		t->prev = ct_list_head->prev;
		t->prev->next = t;
		ct_list_head->prev = t;
	}
	ct_unlock(&ct_list_lock);
}

void ct_list_del(struct ct_thread *t)
{
	ct_lock(&ct_list_lock);
	if (t->next == t) {
		ct_list_head = NULL;
	} else {
		t->prev->next = t->next;
		t->next->prev = t->prev;
		if (ct_list_head == t)
			ct_list_head = t->next;
	}
	t->next = t->prev = NULL;
	ct_unlock(&ct_list_lock);
}
