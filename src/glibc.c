/* Coexistence with glibc: the only file that touches glibc-private state.
 *
 * glibc's own code (malloc, stdio, errno, locale, the resolver, dlopen,
 * libstdc++) runs inside our threads and reads glibc's `struct pthread' at
 * the thread pointer.  Each write below names the glibc behaviour it serves.
 * Everything we rely on is looked up or checked in ct_glibc_init(); a
 * failed check stops the program with one message rather than corrupting
 * memory later.
 *
 * TLS is laid out by ld.so's own _dl_allocate_tls, not by us: it is what
 * glibc's allocate_stack uses, so every module's static block, the DTV
 * format, dynamic TLS (__tls_get_addr, TLS descriptors) and modules
 * dlopen'ed later are handled exactly as for glibc's threads, and a new
 * glibc changes nothing here.  The price is a malloc'ed DTV per region. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <locale.h>
#include <netdb.h>
#include <gnu/libc-version.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/rseq.h>
#include <sys/syscall.h>
#include "internal.h"

hidden struct ct_glibc ct_glibc;

#define CT_LIBC_TLS_MAX 1024	/* libc's static TLS block: 144 bytes in 2.36 */

/* ld.so (GLIBC_PRIVATE), as glibc's allocate_stack calls them. */
static void *(*dl_allocate_tls)(void *tcb);
static void (*dl_deallocate_tls)(void *tcb, bool free_tcb);
/* libc (GLIBC_PRIVATE unless noted). */
static void (*io_enable_locks)(void);
static void (*ctype_init)(void);
static void (*call_tls_dtors)(void);
static int (*cxa_thread_atexit_impl)(void (*)(void *), void *, void *);
static char *libc_single_threaded, *prog_single_threaded;
/* glibc points each thread's resolver state here (resolv/res-state.c). */
extern __thread struct __res_state *__resp
	__attribute__((tls_model("initial-exec")));
extern void *__libc_stack_end;
extern void *__dso_handle;
/* <resolv.h>'s name for it; that header's macros clash with <link.h>. */
extern void __res_nclose(struct __res_state *);

static _Noreturn void fail(const char *what)
{
	fprintf(stderr, "clonethreads: this glibc (%s) is not supported: %s\n",
		gnu_get_libc_version(), what);
	abort();
}

static void *need(void *handle, const char *name)
{
	void *p = dlsym(handle, name);
	if (!p)
		fail(name);
	return p;
}

/* libthread_db's descriptor of a struct pthread field: {bits, count,
 * byte offset}. */
static size_t db_offset(void *libc, const char *name)
{
	const uint32_t *d = need(libc, name);
	return d[2];
}

static int find_libc_tls(struct dl_phdr_info *info, size_t size, void *arg)
{
	char *e = (char *)&errno;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		char *data = info->dlpi_tls_data;
		if (ph->p_type != PT_TLS || !data)
			continue;
		if (e >= data && e < data + ph->p_memsz) {
			ct_glibc.libc_tls_off = (char *)ct_get_tp() - data;
			ct_glibc.libc_tls_size = ph->p_memsz;
			return 1;
		}
	}
	return 0;
}

#define FIELD(pd, off, type) (*(type *)((char *)(pd) + (off)))

void ct_glibc_init(void)
{
	void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	if (!libc)
		fail("no libc.so.6 (fully static programs are not supported)");
	dl_allocate_tls = need(RTLD_DEFAULT, "_dl_allocate_tls");
	dl_deallocate_tls = need(RTLD_DEFAULT, "_dl_deallocate_tls");
	void (*static_info)(size_t *, size_t *) =
		need(RTLD_DEFAULT, "_dl_get_tls_static_info");
	static_info(&ct_glibc.tls_static_size, &ct_glibc.tls_static_align);
	io_enable_locks = need(libc, "_IO_enable_locks");
	ctype_init = need(libc, "__ctype_init");
	call_tls_dtors = need(libc, "__call_tls_dtors");
	cxa_thread_atexit_impl = need(libc, "__cxa_thread_atexit_impl");
	/* A program that mentions __libc_single_threaded (libstdc++'s inline
	 * helpers do) has its own copy (R_X86_64_COPY); both must say 0. */
	libc_single_threaded = need(libc, "__libc_single_threaded");
	prog_single_threaded = need(RTLD_DEFAULT, "__libc_single_threaded");

	ct_glibc.pd_size = *(const uint32_t *)need(libc, "_thread_db_sizeof_pthread");
	ct_glibc.off_tid = db_offset(libc, "_thread_db_pthread_tid");
	ct_glibc.off_list = db_offset(libc, "_thread_db_pthread_list");
	if (db_offset(libc, "_thread_db_pthread_dtvp") != 8)
		fail("dtv not at tcbhead offset 8");
	/* stackblock, stackblock_size, guardsize have no descriptor: they
	 * are consecutive in struct pthread (2.36: 1680, 1688, 1696), and the
	 * initial thread's stackblock_size holds __libc_stack_end. */
	ct_glibc.off_stackblock_size = 1688;
	ct_glibc.off_stackblock = ct_glibc.off_stackblock_size - sizeof(void *);
	ct_glibc.off_guardsize = ct_glibc.off_stackblock_size + sizeof(size_t);
	void *main_pd = CT_TP_TO_PD(ct_get_tp());
	if (FIELD(main_pd, ct_glibc.off_stackblock_size, void *) != __libc_stack_end)
		fail("struct pthread.stackblock_size not where expected");
	if (FIELD(main_pd, ct_glibc.off_tid, pid_t) != getpid() &&
	    FIELD(main_pd, ct_glibc.off_tid, pid_t) != (pid_t)syscall(SYS_gettid))
		fail("struct pthread.tid not where expected");
	if (ct_glibc.tls_static_size < ct_glibc.pd_size ||
	    (ct_glibc.tls_static_align & (ct_glibc.tls_static_align - 1)))
		fail("static TLS geometry");
	ct_glibc.rseq_off = __rseq_offset;
	ct_glibc.rseq_size = __rseq_size;
	ct_glibc.desc_off = (ct_glibc.pd_size + 63) & ~(size_t)63;
	ct_glibc.page_size = sysconf(_SC_PAGESIZE);
	if (!dl_iterate_phdr(find_libc_tls, NULL))
		fail("libc's TLS block (errno) not found");
	if (ct_glibc.libc_tls_size > CT_LIBC_TLS_MAX)
		fail("libc's TLS block is larger than expected");
}

void ct_glibc_go_multithreaded(void)
{
	/* malloc's arena code takes its locks and stops using the non-atomic
	 * fastbin path only when the *calling* thread's multiple_threads is
	 * set; every thread that creates one sets its own. */
	*(int *)((char *)ct_get_tp() + CT_TCB_MULTI) = 1;
	if (*libc_single_threaded || *prog_single_threaded) {
		/* malloc, stdio (_IO_enable_locks makes every FILE lock) and
		 * libstdc++'s refcounts trust these to skip atomics. */
		io_enable_locks();
		*libc_single_threaded = 0;
		*prog_single_threaded = 0;
	}
}

/* libc's own static TLS block (tcache, arena, locale state) is never
 * thrown away: glibc 2.36 exports no way to shut a thread's tcache down,
 * so a discarded block would leak its cached chunks.  A reused region
 * keeps its block; an unmapped region's block goes to this pool of spares
 * (guarded by ct_cache_lock), which fresh regions inherit.  The pool only
 * grows to the peak number of threads alive at once. */
struct spare {
	struct spare *next;
	char block[];
};
static struct spare *spares;

static void put_spare(const char *block)
{
	struct spare *s = malloc(sizeof *s + ct_glibc.libc_tls_size);
	if (!s)		/* out of memory: that block's cache is lost, no more */
		return;
	memcpy(s->block, block, ct_glibc.libc_tls_size);
	ct_lock(&ct_cache_lock);
	s->next = spares;
	spares = s;
	ct_unlock(&ct_cache_lock);
}

static bool take_spare(char *block)
{
	ct_lock(&ct_cache_lock);
	struct spare *s = spares;
	if (s)
		spares = s->next;
	ct_unlock(&ct_cache_lock);
	if (s) {
		memcpy(block, s->block, ct_glibc.libc_tls_size);
		free(s);
	}
	return s;
}

void ct_glibc_retire_tcb(struct ct_thread *t)
{
	char *tp = (char *)CT_PD_TO_TP(t->handle);
	put_spare(tp - ct_glibc.libc_tls_off);
	dl_deallocate_tls(tp, false);	/* DTV and dynamic TLS blocks */
}

/* Everything else is set up as for a fresh glibc thread. */
int ct_glibc_setup_tcb(struct ct_thread *t)
{
	void *pd = (void *)t->handle;
	char *tp = (char *)CT_PD_TO_TP(pd), *creator = (char *)ct_get_tp();
	char *libc_tls = tp - ct_glibc.libc_tls_off;
	char block[CT_LIBC_TLS_MAX];
	bool have_block;

	if (t->region.tls_ready) {
		memcpy(block, libc_tls, ct_glibc.libc_tls_size);
		have_block = true;
		/* Frees the DTV and the dynamic TLS blocks of the last thread. */
		dl_deallocate_tls(tp, false);
		t->region.tls_ready = false;
		memset(pd, 0, ct_glibc.pd_size);
	} else {
		have_block = take_spare(block);
	}
	if (!dl_allocate_tls(tp)) {
		if (have_block)
			put_spare(block);
		return EAGAIN;
	}
	t->region.tls_ready = true;
	if (have_block)
		memcpy(libc_tls, block, ct_glibc.libc_tls_size);

	/* tcbhead: self pointers (THREAD_SELF), the canary checked by
	 * -fstack-protector code, the pointer guard that demangles function
	 * pointers other threads stored, CET bits. */
	FIELD(tp, CT_TCB_SELF0, void *) = tp;
	FIELD(tp, CT_TCB_SELF, void *) = pd;
	FIELD(tp, CT_TCB_MULTI, int) = 1;
	FIELD(tp, CT_TCB_STACK_GUARD, uintptr_t) = FIELD(creator, CT_TCB_STACK_GUARD, uintptr_t);
	FIELD(tp, CT_TCB_POINTER_GUARD, uintptr_t) = FIELD(creator, CT_TCB_POINTER_GUARD, uintptr_t);
	FIELD(tp, CT_TCB_FEATURE_1, unsigned) = FIELD(creator, CT_TCB_FEATURE_1, unsigned);
	ct_glibc_init_standin(pd, 0);	/* tid is set by the kernel */
	/* sched_getcpu reads rseq's cpu_id unchecked: -1 (uninitialised)
	 * until the thread registers, -2 (failed) makes it call getcpu. */
	((struct rseq *)(tp + ct_glibc.rseq_off))->cpu_id =
		ct_glibc.rseq_size ? RSEQ_CPU_ID_UNINITIALIZED
				   : RSEQ_CPU_ID_REGISTRATION_FAILED;
	return 0;
}

void ct_glibc_set_stack(struct ct_thread *t)
{
	/* __libc_alloca_cutoff sizes glibc's internal alloca use from this;
	 * left 0 it allows more than a small stack holds. */
	void *pd = (void *)t->handle;
	FIELD(pd, ct_glibc.off_stackblock, void *) = t->stack;
	FIELD(pd, ct_glibc.off_stackblock_size, size_t) = t->stack_avail;
	FIELD(pd, ct_glibc.off_guardsize, size_t) = t->region.guard_size;
}

void ct_glibc_init_standin(void *pd, int tid)
{
	/* fork()'s child unlinks THREAD_SELF->list from glibc's thread
	 * lists: a self-linked node makes that a no-op. */
	void **list = &FIELD(pd, ct_glibc.off_list, void *);
	list[0] = list[1] = list;
	/* glibc's recursive locks, raise() and pthread_kill read the tid. */
	FIELD(pd, ct_glibc.off_tid, int) = tid;
}

void ct_glibc_thread_start(struct ct_thread *t)
{
	char *tp = (char *)ct_get_tp();
	if (ct_glibc.rseq_size &&
	    syscall(SYS_rseq, tp + ct_glibc.rseq_off, 32, 0, RSEQ_SIG) != 0)
		((struct rseq *)(tp + ct_glibc.rseq_off))->cpu_id =
			RSEQ_CPU_ID_REGISTRATION_FAILED;
	/* A reused libc block carries the last thread's errno, locale and
	 * ctype pointers (isalpha & co. crash on NULL ones). */
	errno = 0;
	h_errno = 0;
	uselocale(LC_GLOBAL_LOCALE);
	ctype_init();
	__resp = &t->res;
}

void ct_glibc_thread_exit(struct ct_thread *t)
{
	call_tls_dtors();	/* C++ thread_local destructors */
	if (t->res.nscount)
		__res_nclose(&t->res);
	/* A pending dlerror() message would show in the next thread. */
	while (dlerror())
		;
}

void ct_glibc_at_foreign_exit(void (*fn)(void *), void *arg)
{
	/* Runs from glibc's own thread exit (__call_tls_dtors). */
	cxa_thread_atexit_impl(fn, arg, &__dso_handle);
}
