/* Who am I: the calling thread's descriptor, library start-up, and the
 * stand-in descriptors of threads this library did not create. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "internal.h"

hidden __thread struct ct_thread *ct_self_desc
	__attribute__((tls_model("initial-exec")));

/* ct_self_desc is initial-exec TLS: at the same offset from the thread
 * pointer in every thread. */
void ct_self_install(struct ct_thread *t)
{
	ptrdiff_t off = (char *)&ct_self_desc - (char *)ct_get_tp();
	*(struct ct_thread **)((char *)CT_PD_TO_TP(t->handle) + off) = t;
}

/* The main thread and glibc-created threads get a zeroed glibc-format
 * block with their tid, followed by our descriptor: the same shape as a
 * thread of ours, so handles are uniform. */
static struct ct_thread *standin(enum ct_kind kind)
{
	void *pd = calloc(1, ct_glibc.desc_off + sizeof(struct ct_thread));
	if (!pd) {
		fputs("clonethreads: out of memory for a thread descriptor\n", stderr);
		abort();
	}
	struct ct_thread *t = ct_desc((pthread_t)pd);
	t->handle = (pthread_t)pd;
	t->kind = kind;
	t->foreign_pd = CT_TP_TO_PD(ct_get_tp());
	ct_glibc_init_standin(pd, syscall(SYS_gettid));
	ct_self_desc = t;
	ct_list_add(t);
	return t;
}

/* glibc ends its own threads through __call_tls_dtors, which calls this. */
static void foreign_exit(void *arg)
{
	struct ct_thread *t = arg;
	ct_key_run_destructors(t);
	ct_list_del(t);
	ct_self_desc = NULL;
	free((void *)t->handle);
}

static bool initialized;

/* Runs before main (and on first use, should a constructor of another
 * library call in before ours ran).  Start-up is single-threaded. */
__attribute__((constructor)) static void ct_init(void)
{
	if (initialized)
		return;
	initialized = true;
	ct_glibc_init();
	ct_attr_init_default();
	ct_fork_init();
	standin(CT_MAIN);
}

struct ct_thread *ct_self_slow(void)
{
	if (!initialized)
		ct_init();
	if (ct_self_desc)
		return ct_self_desc;
	struct ct_thread *t = standin(CT_FOREIGN);
	ct_glibc_at_foreign_exit(foreign_exit, t);
	return t;
}

pthread_t pthread_self(void)
{
	return ct_self()->handle;
}

int pthread_equal(pthread_t a, pthread_t b)
{
	return a == b;
}
