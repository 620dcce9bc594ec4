/* SPDX-License-Identifier: MIT */
/* Thread-specific data.  A key's generation (seq) is odd while the key
 * exists; a thread's value counts only if it was stored under the key's
 * current generation, so a deleted and re-created key reads NULL
 * everywhere without visiting any thread. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "thread.h"

static ct_private struct {
	_Atomic uintptr_t seq;
	void (*_Atomic dtor)(void *);
} keys[PTHREAD_KEYS_MAX];
hidden ct_private ct_lock_t ct_key_lock;	/* serialises create and delete */

static inline bool in_use(uintptr_t seq)
{
	return seq & 1;
}

int pthread_key_create(pthread_key_t *key, void (*dtor)(void *))
{
	ct_lock(&ct_key_lock);
	for (unsigned k = 0; k < PTHREAD_KEYS_MAX; k++) {
		uintptr_t seq = atomic_load(&keys[k].seq);
		if (in_use(seq) || seq + 1 < seq)	/* exhausted generations */
			continue;
		atomic_store(&keys[k].dtor, dtor);
		atomic_store(&keys[k].seq, seq + 1);
		ct_unlock(&ct_key_lock);
		*key = k;
		return 0;
	}
	ct_unlock(&ct_key_lock);
	return EAGAIN;
}

int pthread_key_delete(pthread_key_t key)
{
	int err = EINVAL;
	ct_lock(&ct_key_lock);
	if (key < PTHREAD_KEYS_MAX && in_use(atomic_load(&keys[key].seq))) {
		atomic_fetch_add(&keys[key].seq, 1);
		err = 0;
	}
	ct_unlock(&ct_key_lock);
	return err;
}

/* The thread's slot for key k; with `alloc', create its second-level
 * block if needed (NULL when out of memory). */
static struct ct_key_value *slot(struct ct_thread *t, unsigned k, bool alloc)
{
	if (k < CT_KEY_L1)
		return &t->specific[k];
	struct ct_key_value **blk = &t->specific2[k / CT_KEY_L1];
	if (!*blk && alloc)
		*blk = calloc(CT_KEY_L1, sizeof **blk);
	return *blk ? &(*blk)[k % CT_KEY_L1] : NULL;
}

void *pthread_getspecific(pthread_key_t key)
{
	if (key >= PTHREAD_KEYS_MAX)
		return NULL;
	struct ct_key_value *v = slot(ct_self(), key, false);
	return v && v->seq == atomic_load_explicit(&keys[key].seq,
			memory_order_relaxed) ? v->value : NULL;
}

int pthread_setspecific(pthread_key_t key, const void *value)
{
	if (key >= PTHREAD_KEYS_MAX)
		return EINVAL;
	uintptr_t seq = atomic_load_explicit(&keys[key].seq, memory_order_relaxed);
	if (!in_use(seq))
		return EINVAL;
	struct ct_thread *t = ct_self();
	struct ct_key_value *v = slot(t, key, true);
	if (!v)
		return ENOMEM;
	v->seq = seq;
	v->value = (void *)value;
	t->specific_used = true;
	return 0;
}

/* At thread exit: destructors for non-NULL values, repeated while they
 * store new values, at most PTHREAD_DESTRUCTOR_ITERATIONS rounds.  Then
 * every slot is cleared: values must not reach the region's next thread. */
void ct_key_run_destructors(struct ct_thread *t)
{
	if (!t->specific_used)
		return;
	for (int round = 0; round < PTHREAD_DESTRUCTOR_ITERATIONS; round++) {
		bool ran = false;
		for (unsigned k = 0; k < PTHREAD_KEYS_MAX; k++) {
			if (k >= CT_KEY_L1 && !t->specific2[k / CT_KEY_L1]) {
				k |= CT_KEY_L1 - 1;	/* skip the empty block */
				continue;
			}
			struct ct_key_value *v = slot(t, k, false);
			uintptr_t seq = atomic_load(&keys[k].seq);
			void (*dtor)(void *) = atomic_load(&keys[k].dtor);
			if (!v->value || v->seq != seq || !in_use(seq) || !dtor)
				continue;
			void *value = v->value;
			v->value = NULL;
			dtor(value);
			ran = true;
		}
		if (!ran)
			break;
	}
	for (unsigned b = 0; b < CT_KEY_L2; b++)
		free(t->specific2[b]);
	memset(t->specific, 0, sizeof t->specific);
	memset(t->specific2, 0, sizeof t->specific2);
	t->specific_used = false;
}

/* Names older binaries and libstdc++'s gthr layer import. */
ct_alias(__pthread_key_create, pthread_key_create);
ct_alias(__pthread_getspecific, pthread_getspecific);
ct_alias(__pthread_setspecific, pthread_setspecific);
