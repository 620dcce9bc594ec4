/* SPDX-License-Identifier: MIT */
/* Who am I: the calling thread's descriptor, library start-up, and the
 * stand-in descriptors of threads this library did not create. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <unistd.h>
#include <sys/auxv.h>
#include "sys.h"
#include "cancel.h"
#include "reuse.h"
#include "glibc/glibc.h"
#include "valgrind.h"

hidden size_t ct_page_size;
hidden __thread struct ct_thread *ct_self_desc
	__attribute__((tls_model("initial-exec")));

/* ct_self_desc is initial-exec TLS: at the same offset from the thread
 * pointer in every thread. */
void ct_self_install(struct ct_thread *t)
{
	ptrdiff_t off = (char *)&ct_self_desc - (char *)ct_get_tp();
	*(struct ct_thread **)((char *)t->tp + off) = t;
}

/* The main thread and glibc-created threads keep glibc's TCB and get a
 * descriptor of their own, with a handle like any other: main's is
 * static, the others' mapped (start-up and the first call of a thread
 * may come from inside malloc: no malloc here). */
static ct_private struct ct_thread main_desc;

static size_t standin_size(void)
{
	return (sizeof(struct ct_thread) + ct_page_size - 1) & ~(ct_page_size - 1);
}

static struct ct_thread *standin(enum ct_kind kind)
{
	struct ct_thread *t = &main_desc;
	if (kind != CT_MAIN) {
		t = ct_mmap(NULL, standin_size(), PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1);
		if (t == MAP_FAILED)
			t = NULL;
	}
	if (!t || ct_slot_alloc(t, &t->slot)) {
		static const char msg[] =
			"clonethreads: out of memory for a thread descriptor\n";
		write(STDERR_FILENO, msg, sizeof msg - 1);
		abort();
	}
	ct_vg_private(t, sizeof *t);
	t->kind = kind;
	ct_glibc_adopt(t);
	if (kind == CT_MAIN)
		ct_glibc_own_tid(t);
	t->handle = ct_handle(t->slot);
	ct_self_desc = t;
	ct_list_add(t);
	ct_vg_thread_named(t->handle, kind == CT_MAIN);
	return t;
}

void ct_standin_free(struct ct_thread *t)
{
	ct_slot_free(t->slot);
	if (t != &main_desc)
		ct_munmap(t, standin_size());
}

/* glibc ends its own threads through __call_tls_dtors, which calls this. */
static void foreign_exit(void *arg)
{
	struct ct_thread *t = arg;
	ct_key_run_destructors(t);
	ct_cancel_thread_exit(t);
	ct_list_del(t);
	ct_self_desc = NULL;
	ct_standin_free(t);
}

static bool initialized;

/* Runs before main, or earlier on first use: a constructor of another
 * library may call in before ours ran, and so may an allocator's own
 * initialisation (jemalloc's asks pthread_self while it holds its lock).
 * So nothing here calls malloc, free, stdio or ld.so's dlsym/dlopen,
 * which could come back into that allocator or wait for that lock; every
 * step keeps to system calls and its own memory.  Start-up is
 * single-threaded. */
__attribute__((constructor)) static void ct_init(void)
{
	if (initialized)
		return;
	initialized = true;
	ct_page_size = getauxval(AT_PAGESZ);
	ct_vg_init();
	ct_glibc_init();
	ct_attr_init_default();
	ct_fork_init();
	ct_setxid_note_outsiders();
	standin(CT_MAIN);
	ct_reuse_from_env();
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

/* glibc 2.42's: the thread's kernel id, -1 once it has ended. */
pid_t pthread_gettid_np(pthread_t th)
{
	struct ct_thread *t = ct_lookup(th);
	int tid = t && !(atomic_load(&t->detach_state) & CT_EXITED)
		? atomic_load_explicit(ct_tid(t), memory_order_relaxed) : 0;
	return tid > 0 ? tid : -1;
}
