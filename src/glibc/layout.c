/* SPDX-License-Identifier: MIT */
/* Start-up: where glibc keeps what, found in glibc's own descriptors and
 * by probing glibc's own code, each fact checked on the main thread.
 *
 * No version number decides anything: every release from 2.31 on is
 * read the same way, and what differs between releases (the size of
 * struct pthread, where the rseq area lives, whether libpthread holds the
 * thread functions, whether __libc_single_threaded exists) is whatever
 * the descriptors and probes say.  A fact that cannot be found or does
 * not check out stops the program with one line naming it (refuse).
 *
 * This runs on the first pthread call or in the library's constructor,
 * whichever comes first: possibly inside an allocator that holds its own
 * lock, or in the earliest constructor of the process.  So it calls
 * nothing that may allocate or take a lock (no malloc, no stdio, no dlsym
 * or dladdr): symbols come from elf.c, output is one write(2).
 *
 *   what                          found from                     checked by
 *   struct pthread size, tid,     libthread_db's _thread_db_*    tid == gettid(); list node
 *   list, cancelhandling, dtv     descriptors                    linked; TCB self pointers
 *   the thread pointer in it      dtv descriptor and the CPU's   the TCB's self pointers,
 *                                 TLS ABI (arch.h)               and tid, read through it
 *   stackblock, stackblock_size,  after nextevent: the one word  that it is the only one
 *   guardsize                     holding __libc_stack_end
 *   cleanup, cleanup_jmp_buf      the two words before           glibc's own push functions
 *                                 cancelhandling                 write there
 *   cancel state and type bits    glibc's cancelhandling bits    glibc's own setters flip them
 *   static TLS                    ld.so's _dl_get_tls_static_info  holds struct pthread
 *   libc's TLS block              link map's l_tls_offset        holds errno
 *                                 (descriptor), ELF PT_TLS
 *   the resolver state pointer    libc's TLS symbol __resp       glibc's __res_state() reads it
 *   rseq area                     __rseq_offset, __rseq_size     inside the thread block
 *                                 (none before 2.35)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "glibc.h"

/* Until start-up has read glibc's flag, the process counts as threaded:
 * a mutex may be locked from a constructor that runs before ours. */
static const char never_single = 0;
hidden struct ct_glibc ct_glibc = { .single_threaded = &never_single };
hidden struct ct_glibc_calls ct_glibc_call;

#define FIELD(base, off, type) (*CT_PD_FIELD(base, off, type))

/* glibc's release, for the refusal line only: nothing is decided by it. */
static const char *release(void)
{
	const char *(*version)(void) = ct_elf_libc.map
		? ct_elf_sym(&ct_elf_libc, "gnu_get_libc_version") : NULL;
	return version ? version() : "unknown";
}

void ct_glibc_refuse(const char *what)
{
	const char *parts[] = {
		"clonethreads: cannot run on this glibc (", release(), "): ",
		what, "\n" };
	char line[256];
	size_t n = 0;
	for (size_t i = 0; i < sizeof parts / sizeof *parts; i++)
		for (const char *c = parts[i]; *c && n < sizeof line - 1; c++)
			line[n++] = *c;
	if (line[n - 1] != '\n')
		line[n++] = '\n';
	ct_syscall(SYS_write, STDERR_FILENO, (long)line, n, 0, 0, 0);
	ct_syscall(SYS_exit_group, 125, 0, 0, 0, 0, 0);
	__builtin_unreachable();
}

/* libpthread first: before glibc 2.34 libc kept only forwarders to some
 * of its functions, and since it is an empty shell. */
void *ct_glibc_sym(const char *name)
{
	void *p = ct_elf_libpthread.map ? ct_elf_sym(&ct_elf_libpthread, name)
					: NULL;
	if (!p)
		p = ct_elf_sym(&ct_elf_libc, name);
	if (!p)
		p = ct_elf_sym(&ct_elf_ldso, name);
	/* libthread_db's descriptors, before 2.34. */
	return p || !ct_elf_libpthread.map ? p
		: ct_elf_file_sym(&ct_elf_libpthread, name);
}

static void *need(const char *name)
{
	void *p = ct_glibc_sym(name);
	if (!p) {
		char what[96] = "no ";
		strncat(what, name, sizeof what - 4);
		ct_glibc_refuse(what);
	}
	return p;
}

/* libthread_db's descriptor of a field: {bits, count, byte offset}. */
static size_t db_offset(const char *name)
{
	const uint32_t *d = need(name);
	return d[2];
}

/* glibc's calls, where they are glibc's.  What only some releases have
 * is looked up without need(). */
static void find_calls(void)
{
	struct ct_glibc_calls *c = &ct_glibc_call;
	c->dl_allocate_tls = need("_dl_allocate_tls");
	c->dl_deallocate_tls = need("_dl_deallocate_tls");
	/* Its second argument came with glibc 2.35; passing it to an older
	 * one, which takes one, is harmless. */
	c->dl_allocate_tls_init = need("_dl_allocate_tls_init");
	c->io_enable_locks = need("_IO_enable_locks");
	c->ctype_init = need("__ctype_init");
	c->call_tls_dtors = need("__call_tls_dtors");
	c->cxa_thread_atexit_impl = need("__cxa_thread_atexit_impl");
	c->res_nclose = need("__res_nclose");
	c->libc_start_main = need("__libc_start_main");
	c->libc_single_threaded = ct_glibc_sym("__libc_single_threaded");
	/* A program that mentions it (libstdc++'s inline helpers do) has a
	 * copy of its own, which is what the program's lookup finds. */
	c->prog_single_threaded = c->libc_single_threaded
		? ct_elf_global("__libc_single_threaded", NULL) : NULL;
	if (c->libc_single_threaded)
		ct_glibc.single_threaded = c->libc_single_threaded;
}

/* TCB header words, per CPU (arch.h). */
static const ptrdiff_t tcb_self[] = CT_ARCH_TCB_SELF;
#define END(array) ((array) + sizeof(array) / sizeof(*(array)))

static size_t align_up(size_t v, size_t align)
{
	return (v + align - 1) & ~(align - 1);
}

/* struct pthread: what libthread_db does not say is derived from what it
 * does, and checked on the main thread's own. */
static void find_pthread(void)
{
	ct_glibc.pd_size = *(const uint32_t *)need("_thread_db_sizeof_pthread");
	ct_glibc.off_tid = db_offset("_thread_db_pthread_tid");
	ct_glibc.off_list = db_offset("_thread_db_pthread_list");
	/* The DTV pointer's place in struct pthread (libthread_db) and from
	 * the thread pointer (the CPU's TLS ABI) place struct pthread. */
	ct_glibc.tp_off = db_offset("_thread_db_pthread_dtvp") - CT_ARCH_DTV_AT_TP;
	char *tp = (char *)ct_get_tp(), *pd = ct_tp_to_pd(ct_get_tp());
	for (const ptrdiff_t *w = tcb_self; w < END(tcb_self); w++)
		if (FIELD(tp, *w, char *) != tp)
			ct_glibc_refuse("TCB self pointer not where expected");
	pid_t tid = FIELD(pd, ct_glibc.off_tid, pid_t);
	if (tid != ct_syscall(SYS_gettid, 0, 0, 0, 0, 0, 0))
		ct_glibc_refuse("struct pthread.tid not where expected");
	/* The main thread is on glibc's list of threads with their own
	 * stacks (fork's child unlinks every thread from it). */
	void **list = &FIELD(pd, ct_glibc.off_list, void *);
	void **next = list[0], **prev = list[1];
	if (!next || !prev || next[1] != list || prev[0] != list)
		ct_glibc_refuse("struct pthread.list is not a list node");

	/* stackblock, stackblock_size, guardsize have no descriptor: they
	 * follow nextevent and the unwinder's exception object, whose size
	 * and alignment glibc's build decides (x86_64: 1680..1696, i386:
	 * 608..616).  The initial thread's stackblock_size holds
	 * __libc_stack_end: it must be the one word that does, shortly after
	 * nextevent. */
	void **stack_end = need("__libc_stack_end");
	size_t from = db_offset("_thread_db_pthread_nextevent") + sizeof(void *);
	for (size_t off = from; off < from + 64; off += sizeof(void *)) {
		if (FIELD(pd, off, void *) != *stack_end)
			continue;
		if (ct_glibc.off_stackblock_size)
			ct_glibc_refuse("struct pthread.stackblock_size is ambiguous");
		ct_glibc.off_stackblock_size = off;
	}
	if (!ct_glibc.off_stackblock_size)
		ct_glibc_refuse("struct pthread.stackblock_size not found");
	ct_glibc.off_stackblock = ct_glibc.off_stackblock_size - sizeof(void *);
	ct_glibc.off_guardsize = ct_glibc.off_stackblock_size + sizeof(size_t);
	ct_glibc.tail_off = ct_glibc.off_guardsize + sizeof(size_t);
}

/* cleanup_jmp_buf and cleanup, glibc's two chains of cleanup buffers,
 * have no descriptor; they are the two pointers before cancelhandling
 * (nptl/descr.h since 2.3.3).  Checked by letting glibc's own
 * registration functions push a buffer on the main thread's chains and
 * looking where it landed, then popping it again; the state and type
 * bits of cancelhandling (glibc's CANCELSTATE_BIT and CANCELTYPE_BIT),
 * by glibc's own setters. */
static void find_cancel(void)
{
	ct_glibc.off_cancelhandling = db_offset("_thread_db_pthread_cancelhandling");
	ct_glibc.off_cleanup_jmp_buf = ct_glibc.off_cancelhandling - sizeof(void *);
	ct_glibc.off_cleanup = ct_glibc.off_cleanup_jmp_buf - sizeof(void *);
	void (*reg)(__pthread_unwind_buf_t *) __cleanup_fct_attribute =
		need("__pthread_register_cancel");
	void (*unreg)(__pthread_unwind_buf_t *) __cleanup_fct_attribute =
		need("__pthread_unregister_cancel");
	void (*push)(struct _pthread_cleanup_buffer *, void (*)(void *), void *) =
		need("_pthread_cleanup_push");
	void (*pop)(struct _pthread_cleanup_buffer *, int) =
		need("_pthread_cleanup_pop");
	int (*setstate)(int, int *) = need("pthread_setcancelstate");
	int (*settype)(int, int *) = need("pthread_setcanceltype");
	void *pd = ct_tp_to_pd(ct_get_tp());
	__pthread_unwind_buf_t ub;
	struct _pthread_cleanup_buffer cb;
	reg(&ub);
	bool jb_ok = FIELD(pd, ct_glibc.off_cleanup_jmp_buf, void *) == &ub;
	unreg(&ub);
	push(&cb, NULL, NULL);
	bool cb_ok = FIELD(pd, ct_glibc.off_cleanup, void *) == &cb;
	pop(&cb, 0);
	if (!jb_ok || !cb_ok)
		ct_glibc_refuse("struct pthread.cleanup_jmp_buf/cleanup not where expected");

	_Atomic int *ch = ct_cancelhandling(pd);
	int before = *ch, state, type;
	setstate(PTHREAD_CANCEL_DISABLE, &state);
	int disabled = *ch;
	setstate(state, NULL);
	settype(PTHREAD_CANCEL_ASYNCHRONOUS, &type);
	int async = *ch;
	settype(type, NULL);
	if (disabled != (before | CT_CANCEL_DISABLED) ||
	    async != (before | CT_CANCEL_ASYNC) || *ch != before)
		ct_glibc_refuse("cancellation state not where expected");
}

/* The static TLS, and where a thread block puts struct pthread, our
 * descriptor and the thread pointer. */
static void find_tls(void)
{
	void (*static_info)(size_t *, size_t *) = need("_dl_get_tls_static_info");
	static_info(&ct_glibc.tls_static_size, &ct_glibc.tls_static_align);
	if (ct_glibc.tls_static_align & (ct_glibc.tls_static_align - 1) ||
	    (!CT_ARCH_TLS_ABOVE_TP && ct_glibc.tls_static_size < ct_glibc.pd_size))
		ct_glibc_refuse("static TLS geometry");
	size_t tls = align_up(ct_glibc.tls_static_size, ct_glibc.tls_static_align);
	size_t desc = align_up(sizeof(struct ct_thread), 64);
	if (CT_ARCH_TLS_ABOVE_TP) {
		/* Low to high: ours, struct pthread (and on some CPUs the
		 * TCB), the thread pointer, the static TLS. */
		ct_glibc.desc_off = -(ptrdiff_t)desc;
		ct_glibc.block_below = ct_glibc.tp_off + desc;
		ct_glibc.block_above = tls;
	} else {
		/* The static TLS, the thread pointer at struct pthread
		 * (counted in the static TLS size), ours. */
		ct_glibc.desc_off = align_up(ct_glibc.pd_size, 64);
		ct_glibc.block_below = tls - ct_glibc.pd_size;
		ct_glibc.block_above = ct_glibc.desc_off + sizeof(struct ct_thread);
	}
}

/* Does [tp + off, tp + off + len) lie in the static TLS and struct
 * pthread of a thread block (not in our descriptor)? */
static bool in_block(ptrdiff_t off, size_t len)
{
	ptrdiff_t lo = -(ptrdiff_t)ct_glibc.block_below, hi = ct_glibc.block_above;
	if (CT_ARCH_TLS_ABOVE_TP)
		lo += align_up(sizeof(struct ct_thread), 64);
	else
		hi = ct_glibc.pd_size;
	return off >= lo && off + (ptrdiff_t)len <= hi;
}

/* libc's static TLS block: at l_tls_offset from the thread pointer (its
 * link map field has a libthread_db descriptor), as large as libc's
 * PT_TLS segment (read from libc's own program headers, mapped with its
 * first page); it must hold errno. */
static void find_libc_block(void)
{
	struct link_map *libc = ct_elf_libc.map;
	size_t off = FIELD(libc, db_offset("_thread_db_link_map_l_tls_offset"),
			   size_t);
	const ElfW(Ehdr) *eh = (const void *)libc->l_addr;
	const ElfW(Phdr) *ph = (const void *)(libc->l_addr + eh->e_phoff);
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_TLS)
			continue;
		ct_glibc.libc_tls_size = ph[i].p_memsz;
		ct_glibc.libc_tls_image = (const char *)libc->l_addr + ph[i].p_vaddr;
		ct_glibc.libc_tls_image_size = ph[i].p_filesz;
	}
	ct_glibc.libc_tls_off = CT_ARCH_TLS_ABOVE_TP ? -(ptrdiff_t)off : (ptrdiff_t)off;
	char *block = ct_glibc_libc_block((void *)ct_get_tp());
	char *e = (char *)&errno;
	if (!ct_glibc.libc_tls_size || e < block ||
	    e >= block + ct_glibc.libc_tls_size ||
	    !in_block(-ct_glibc.libc_tls_off, ct_glibc.libc_tls_size))
		ct_glibc_refuse("libc's TLS block (errno) not found");

	/* Each glibc thread's resolver state is its own, through the TLS
	 * pointer __resp (resolv/res-state.c), which glibc's __res_state()
	 * returns. */
	const ElfW(Sym) *resp = ct_elf_lookup(&ct_elf_libc, "__resp");
	void *(*res_state)(void) = need("__res_state");
	if (!resp || ELF64_ST_TYPE(resp->st_info) != STT_TLS ||
	    resp->st_value + sizeof(void *) > ct_glibc.libc_tls_size ||
	    FIELD(block, resp->st_value, void *) != res_state())
		ct_glibc_refuse("the resolver state pointer __resp not found");
	ct_glibc.resp_off = resp->st_value;
}

/* glibc has an rseq area in every thread since 2.35: at __rseq_offset
 * from the thread pointer (inside struct pthread until 2.40, in the
 * static TLS since), __rseq_size bytes of it used, and no fewer than 32
 * registered.  __rseq_size is 0 where glibc registered none (a kernel or
 * an emulator without rseq, or turned off by a tunable): the area is
 * there still, and sched_getcpu reads its cpu_id, which glibc then sets
 * to RSEQ_CPU_ID_REGISTRATION_FAILED in every thread. */
static void find_rseq(void)
{
	const ptrdiff_t *off = ct_glibc_sym("__rseq_offset");
	const unsigned *size = ct_glibc_sym("__rseq_size");
	if (!off || !size || !CT_ARCH_RSEQ_SIG)
		return;	/* none where glibc has no signature (arch.h) */
	ct_glibc.rseq_off = *off;
	ct_glibc.rseq_len = *size < 32 ? 32 : *size;
	ct_glibc.rseq_register = *size != 0;
	if (!in_block(ct_glibc.rseq_off, ct_glibc.rseq_len))
		ct_glibc_refuse("the rseq area lies outside the thread's TLS");
}

void ct_glibc_init(void)
{
	if (!ct_elf_find_glibc())
		ct_glibc_refuse("no libc.so.6 and ld.so (fully static programs "
				"are not supported)");
	find_calls();
	find_pthread();
	find_cancel();
	find_tls();
	find_libc_block();
	find_rseq();
	ct_glibc_find_threadlist();
}
