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
 * glibc changes nothing here.  The price is a malloc'ed DTV per region.
 *
 * Cancellation joins glibc's own mechanism: glibc's cancellation points
 * (read, nanosleep, ...) read and write `cancelhandling' in the TCB and
 * unwind to the buffer chain at `cleanup_jmp_buf'; so do ours (cancel.c,
 * unwind.c), through the offsets found here. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
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
#include <sys/uio.h>
#include <bits/types/res_state.h>
#include "cancel.h"
#include "reuse.h"
#include "valgrind.h"
#include "glibc.h"

hidden struct ct_glibc ct_glibc;

#define CT_LIBC_TLS_MAX 1024	/* libc's static TLS block: 144 bytes in 2.36 */

/* ld.so (GLIBC_PRIVATE), as glibc's allocate_stack calls them. */
static void *(*dl_allocate_tls)(void *tcb);
static void (*dl_deallocate_tls)(void *tcb, bool free_tcb);
static void *(*dl_allocate_tls_init)(void *tcb, bool init_tls);
/* A DTV entry; the TCB points at entry 1, entry -1 counts the slots. */
union dtv {
	size_t counter;
	struct { void *val, *to_free; } pointer;
};
/* libc (GLIBC_PRIVATE unless noted). */
static void (*io_enable_locks)(void);
static void (*ctype_init)(void);
static void (*call_tls_dtors)(void);
static int (*cxa_thread_atexit_impl)(void (*)(void *), void *, void *);
static char *libc_single_threaded, *prog_single_threaded;
static int (*libc_start_main)(int (*)(int, char **, char **), int, char **,
			      void (*)(void), void (*)(void), void (*)(void),
			      void *);
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

static struct link_map *libc;	/* libc.so.6's link map */

/* A dynamic-section pointer: ld.so relocates them in place, except on
 * CPUs where the section is read-only (riscv). */
static uintptr_t dyn_ptr(const ElfW(Dyn) *d)
{
	return d->d_un.d_ptr < libc->l_addr ? libc->l_addr + d->d_un.d_ptr
					    : d->d_un.d_ptr;
}

/* A symbol libc itself defines (its default version), looked up in
 * libc's own GNU hash table.  dlsym cannot do it: other handles find this
 * library's definitions (or the program's copies) first, and a handle of
 * libc from dlopen would, in the earliest code of a process (a
 * .preinit_array entry, an initfirst constructor), run libc's
 * initialisation before it has the program's arguments and environment. */
static void *libc_sym(const char *name)
{
	const ElfW(Sym) *sym = NULL;
	const char *str = NULL;
	const uint32_t *ht = NULL;
	const ElfW(Half) *versym = NULL;
	for (const ElfW(Dyn) *d = libc->l_ld; d->d_tag != DT_NULL; d++) {
		if (d->d_tag == DT_SYMTAB)
			sym = (const void *)dyn_ptr(d);
		else if (d->d_tag == DT_STRTAB)
			str = (const void *)dyn_ptr(d);
		else if (d->d_tag == DT_GNU_HASH)
			ht = (const void *)dyn_ptr(d);
		else if (d->d_tag == DT_VERSYM)
			versym = (const void *)dyn_ptr(d);
	}
	if (!sym || !str || !ht)
		return NULL;
	uint32_t h = 5381, nbuckets = ht[0], symoffset = ht[1];
	for (const char *c = name; *c; c++)
		h = h * 33 + (unsigned char)*c;
	const uint32_t *buckets = (const uint32_t *)
		((const ElfW(Addr) *)&ht[4] + ht[2]);	/* past the bloom */
	const uint32_t *chain = buckets + nbuckets;
	for (uint32_t i = buckets[h % nbuckets]; i >= symoffset; i++) {
		uint32_t h2 = chain[i - symoffset];
		if ((h | 1) == (h2 | 1) && sym[i].st_shndx != SHN_UNDEF &&
		    !(versym && (versym[i] & 0x8000)) &&	/* not hidden */
		    !strcmp(name, str + sym[i].st_name))
			return (void *)(libc->l_addr + sym[i].st_value);
		if (h2 & 1)
			break;
	}
	return NULL;
}

static void *need(void *p, const char *name)
{
	if (!p)
		fail(name);
	return p;
}

#define need_libc(name) need(libc_sym(name), name)
#define need_global(name) need(dlsym(RTLD_DEFAULT, name), name)

/* libthread_db's descriptor of a struct pthread field: {bits, count,
 * byte offset}. */
static size_t db_offset(const char *name)
{
	const uint32_t *d = need_libc(name);
	return d[2];
}

#define FIELD(pd, off, type) (*CT_PD_FIELD(pd, off, type))

/* TCB header words, per CPU (arch.h). */
static const ptrdiff_t tcb_self[] = CT_ARCH_TCB_SELF;
static const struct ct_tcb_word tcb_inherited[] = CT_ARCH_TCB_INHERITED;
#define END(array) ((array) + sizeof(array) / sizeof(*(array)))

static size_t align_up(size_t v, size_t align)
{
	return (v + align - 1) & ~(align - 1);
}

/* Where struct pthread, its stack fields and a thread block lie: what
 * libthread_db does not say is derived from what it does, and checked on
 * the main thread's real struct pthread. */
static void find_layout(void)
{
	ct_glibc.pd_size = *(const uint32_t *)need_libc("_thread_db_sizeof_pthread");
	ct_glibc.off_tid = db_offset("_thread_db_pthread_tid");
	ct_glibc.off_list = db_offset("_thread_db_pthread_list");
	/* The DTV pointer's place in struct pthread (libthread_db) and from
	 * the thread pointer (the CPU's TLS ABI) place struct pthread. */
	ct_glibc.tp_off = db_offset("_thread_db_pthread_dtvp") - CT_ARCH_DTV_AT_TP;
	/* stackblock, stackblock_size, guardsize have no descriptor: they
	 * follow nextevent and the unwinder's exception object, whose size
	 * and alignment glibc's build decides (2.36: x86_64 1680..1696, i386
	 * 608..616).  The initial thread's stackblock_size holds
	 * __libc_stack_end: it must be the one word that does, shortly after
	 * nextevent. */
	char *tp = (char *)ct_get_tp(), *main_pd = ct_tp_to_pd(ct_get_tp());
	size_t from = db_offset("_thread_db_pthread_nextevent") + sizeof(void *);
	for (size_t off = from; off < from + 64; off += sizeof(void *)) {
		if (FIELD(main_pd, off, void *) != __libc_stack_end)
			continue;
		if (ct_glibc.off_stackblock_size)
			fail("struct pthread.stackblock_size is ambiguous");
		ct_glibc.off_stackblock_size = off;
	}
	if (!ct_glibc.off_stackblock_size)
		fail("struct pthread or its stackblock_size not where expected");
	ct_glibc.off_stackblock = ct_glibc.off_stackblock_size - sizeof(void *);
	ct_glibc.off_guardsize = ct_glibc.off_stackblock_size + sizeof(size_t);
	if (FIELD(main_pd, ct_glibc.off_tid, pid_t) != getpid() &&
	    FIELD(main_pd, ct_glibc.off_tid, pid_t) != (pid_t)syscall(SYS_gettid))
		fail("struct pthread.tid not where expected");
	for (const ptrdiff_t *w = tcb_self; w < END(tcb_self); w++)
		if (FIELD(tp, *w, char *) != tp)
			fail("TCB self pointer not where expected");
	if (CT_ARCH_RSEQ_SIG &&
	    (tp + __rseq_offset < main_pd ||
	     tp + __rseq_offset + sizeof(struct rseq) > main_pd + ct_glibc.pd_size))
		fail("rseq area outside struct pthread");

	if (ct_glibc.tls_static_align & (ct_glibc.tls_static_align - 1) ||
	    (!CT_ARCH_TLS_ABOVE_TP && ct_glibc.tls_static_size < ct_glibc.pd_size))
		fail("static TLS geometry");
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

/* The size of libc's TLS segment, from its program headers (arg: libc's
 * load address).  dlpi_tls_data is not used: in the earliest
 * constructors (-z initfirst) it is still NULL. */
static int find_libc_tls(struct dl_phdr_info *info, size_t size, void *arg)
{
	if (info->dlpi_addr != *(ElfW(Addr) *)arg)
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_TLS)
			ct_glibc.libc_tls_size = info->dlpi_phdr[i].p_memsz;
	return 1;
}

/* libc's static TLS block: at l_tls_offset from the thread pointer (its
 * link map field has a libthread_db descriptor); it must hold errno. */
static void libc_tls(void)
{
	size_t off = *(size_t *)((char *)libc +
		db_offset("_thread_db_link_map_l_tls_offset"));
	dl_iterate_phdr(find_libc_tls, &libc->l_addr);
	ct_glibc.libc_tls_off = CT_ARCH_TLS_ABOVE_TP ? -(ptrdiff_t)off : (ptrdiff_t)off;
	char *block = (char *)ct_get_tp() - ct_glibc.libc_tls_off;
	char *e = (char *)&errno;
	if (!ct_glibc.libc_tls_size || e < block ||
	    e >= block + ct_glibc.libc_tls_size)
		fail("libc's TLS block (errno) not found");
	if (ct_glibc.libc_tls_size > CT_LIBC_TLS_MAX)
		fail("libc's TLS block is larger than expected");
}

/* malloc's per-thread cache.  glibc empties an ending thread's cache
 * back into the arenas (tcache_thread_shutdown); nothing exported does
 * that, so the library finds malloc's `tcache' variable in libc's TLS
 * block and does it: otherwise every ended thread's cache keeps its
 * chunks.  The struct, glibc 2.26 on: a count per bin, then the bins,
 * each a list of free chunks linked through their first word, which
 * since 2.32 holds the next pointer mangled with its own address. */
#define CT_TCACHE_BINS 64
struct tcache {
	uint16_t counts[CT_TCACHE_BINS];
	struct tcache_entry { uintptr_t next, key; } *bins[CT_TCACHE_BINS];
};
static ptrdiff_t tcache_off = -1;	/* in libc's block; -1 unknown */
/* Every bin full, none holding a chunk: while a block's cache is emptied
 * its `tcache' points here, so free() passes each chunk on to its arena
 * (with NULL there, free() would start a new cache and keep them).  Only
 * free() runs meanwhile, which never writes here. */
static struct tcache tcache_full;

static struct tcache_entry *tcache_next(struct tcache_entry *e)
{
	return (struct tcache_entry *)(((uintptr_t)&e->next >> 12) ^ e->next);
}

/* Copy len bytes from src, which may be no valid address: false then.
 * process_vm_readv fails rather than faults; qemu-user does not have it
 * (ENOSYS), and there a pipe does the same (write fails with EFAULT).
 * The pipe, once made, stays in *fds for the next call. */
static bool peek(void *dst, const void *src, size_t len, int fds[2])
{
	struct iovec mine = { dst, len }, theirs = { (void *)src, len };
	if (process_vm_readv(getpid(), &mine, 1, &theirs, 1, 0) == (ssize_t)len)
		return true;
	if (errno != ENOSYS || (fds[0] < 0 && pipe2(fds, O_CLOEXEC)))
		return false;
	return write(fds[1], src, len) == (ssize_t)len &&
	       read(fds[0], dst, len) == (ssize_t)len;
}

/* Found on the calling thread: after it frees chunk a then chunk b of one
 * size, its cache struct has b at the head of a bin and a after it.  A
 * word of the block is read as a struct only through peek.  With another
 * malloc, or the cache tuned off, nothing matches: no cache to empty. */
static void find_tcache(void)
{
	char *block = (char *)ct_get_tp() - ct_glibc.libc_tls_off;
	memset(tcache_full.counts, 0xff, sizeof tcache_full.counts);
	void *a = malloc(1000), *b = malloc(1000);
	/* Compared as numbers: they are free chunks from here on. */
	uintptr_t first = (uintptr_t)a, second = (uintptr_t)b;
	free(a);
	free(b);
	int fds[2] = { -1, -1 };
	for (size_t off = 0; off + sizeof(void *) <= ct_glibc.libc_tls_size;
	     off += sizeof(void *)) {
		struct tcache tc;
		void *p = FIELD(block, off, void *);
		if (!p || !peek(&tc, p, sizeof tc, fds))
			continue;
		for (int i = 0; i < CT_TCACHE_BINS; i++)
			if ((uintptr_t)tc.bins[i] == second && tc.counts[i] >= 2 &&
			    (uintptr_t)tcache_next(tc.bins[i]) == first)
				tcache_off = off;
	}
	if (fds[0] >= 0) {
		close(fds[0]);
		close(fds[1]);
	}
}

/* Empty the cache of the libc block `block' into the arenas, as glibc
 * does when its threads end.  The block's next owner starts a new one. */
static void drop_tcache(char *block)
{
	if (tcache_off < 0)
		return;
	struct tcache *tc = FIELD(block, tcache_off, struct tcache *);
	if (!tc)
		return;
	FIELD(block, tcache_off, struct tcache *) = &tcache_full;
	for (int i = 0; i < CT_TCACHE_BINS; i++) {
		struct tcache_entry *e = tc->bins[i], *next;
		for (; e; e = next) {
			next = tcache_next(e);
			/* Not marked as cached: free() from another thread
			 * would otherwise search its own cache for it. */
			e->key = 0;
			free(e);
		}
	}
	free(tc);
	FIELD(block, tcache_off, struct tcache *) = NULL;
}

/* cleanup_jmp_buf and cleanup, glibc's two chains of cleanup buffers,
 * have no descriptor; they are the two pointers before cancelhandling
 * (nptl/descr.h since 2.3.3).  Checked by letting glibc's own
 * registration functions push a buffer on the main thread's chains and
 * looking where it landed, then popping it again. */
static void cancel_fields(void)
{
	ct_glibc.off_cancelhandling = db_offset("_thread_db_pthread_cancelhandling");
	ct_glibc.off_cleanup_jmp_buf = ct_glibc.off_cancelhandling - sizeof(void *);
	ct_glibc.off_cleanup = ct_glibc.off_cleanup_jmp_buf - sizeof(void *);
	/* <pthread.h>'s types: i386 passes the buffer in a register. */
	void (*reg)(__pthread_unwind_buf_t *) __cleanup_fct_attribute =
		need_libc("__pthread_register_cancel");
	void (*unreg)(__pthread_unwind_buf_t *) __cleanup_fct_attribute =
		need_libc("__pthread_unregister_cancel");
	void (*push)(struct _pthread_cleanup_buffer *, void (*)(void *), void *) =
		need_libc("_pthread_cleanup_push");
	void (*pop)(struct _pthread_cleanup_buffer *, int) =
		need_libc("_pthread_cleanup_pop");
	void *pd = ct_tp_to_pd(ct_get_tp());
	__pthread_unwind_buf_t ub;
	struct _pthread_cleanup_buffer cb;
	reg(&ub);
	bool jb_ok = FIELD(pd, ct_glibc.off_cleanup_jmp_buf, void *) == &ub;
	unreg(&ub);
	push(&cb, free, NULL);
	bool cb_ok = FIELD(pd, ct_glibc.off_cleanup, void *) == &cb;
	pop(&cb, 0);
	if (!jb_ok || !cb_ok)
		fail("struct pthread.cleanup_jmp_buf/cleanup not where expected");
}

size_t ct_glibc_block_bytes(void)
{
	return (ct_glibc.block_below + ct_glibc.block_above +
		ct_glibc.tls_static_align + ct_page_size - 1) & ~(ct_page_size - 1);
}

static void place(struct ct_thread *t, void *pd)
{
	t->pd = pd;
	t->tp = (char *)pd + ct_glibc.tp_off;
	t->tid = CT_PD_FIELD(pd, ct_glibc.off_tid, _Atomic int);
}

struct ct_thread *ct_glibc_place(void *map, size_t size)
{
	uintptr_t top = (uintptr_t)map + size;
	uintptr_t tp = (top - ct_glibc.block_above) &
		       ~(ct_glibc.tls_static_align - 1);
	char *pd = ct_tp_to_pd(tp);
	struct ct_thread *t = (struct ct_thread *)(pd + ct_glibc.desc_off);
	place(t, pd);
	return t;
}

void ct_glibc_adopt(struct ct_thread *t)
{
	place(t, ct_tp_to_pd(ct_get_tp()));
}

/* glibc's own threads: the guard is at the low end of the block. */
void ct_glibc_stack(void *pd, void **addr, size_t *size, size_t *guard)
{
	*guard = FIELD(pd, ct_glibc.off_guardsize, size_t);
	*addr = FIELD(pd, ct_glibc.off_stackblock, char *) + *guard;
	*size = FIELD(pd, ct_glibc.off_stackblock_size, size_t) - *guard;
}

uintptr_t ct_glibc_stack_top(void *pd)
{
	return (uintptr_t)FIELD(pd, ct_glibc.off_stackblock, void *) +
	       FIELD(pd, ct_glibc.off_stackblock_size, size_t);
}

void ct_glibc_init(void)
{
	/* libc's link map, found from one of its functions (libc_sym says
	 * why not with dlopen). */
	Dl_info info;
	if (!dladdr1((void *)gnu_get_libc_version, &info, (void **)&libc,
		     RTLD_DL_LINKMAP) || !libc)
		fail("no libc.so.6 (fully static programs are not supported)");
	dl_allocate_tls = need_global("_dl_allocate_tls");
	dl_deallocate_tls = need_global("_dl_deallocate_tls");
	dl_allocate_tls_init = need_global("_dl_allocate_tls_init");
	void (*static_info)(size_t *, size_t *) =
		need_global("_dl_get_tls_static_info");
	static_info(&ct_glibc.tls_static_size, &ct_glibc.tls_static_align);
	io_enable_locks = need_libc("_IO_enable_locks");
	ctype_init = need_libc("__ctype_init");
	call_tls_dtors = need_libc("__call_tls_dtors");
	cxa_thread_atexit_impl = need_libc("__cxa_thread_atexit_impl");
	libc_start_main = need_libc("__libc_start_main");
	/* A program that mentions __libc_single_threaded (libstdc++'s inline
	 * helpers do) has its own copy (a copy relocation); both must say 0. */
	libc_single_threaded = need_libc("__libc_single_threaded");
	ct_glibc.single_threaded = libc_single_threaded;
	prog_single_threaded = need_global("__libc_single_threaded");

	find_layout();
	ct_glibc.rseq_off = __rseq_offset;
	ct_glibc.rseq_size = __rseq_size;
	libc_tls();
	find_tcache();
	cancel_fields();
	/* Each thread's resolver state is its struct pthread's `res' (glibc
	 * points __resp there in its threads; main uses the global _res).
	 * It follows guardsize, reported_guardsize and tpp (nptl/descr.h). */
	ct_glibc.off_res = ct_glibc.off_guardsize + 2 * sizeof(void *) +
			   sizeof(size_t);
	if (ct_glibc.off_res + sizeof(struct __res_state) > ct_glibc.pd_size)
		fail("struct pthread.res not where expected");
}

void ct_glibc_go_multithreaded(void)
{
	/* malloc's arena code takes its locks and stops using the non-atomic
	 * fastbin path only when the *calling* thread's multiple_threads is
	 * set; every thread that creates one sets its own. */
	FIELD(ct_tp_to_pd(ct_get_tp()), CT_ARCH_MULTIPLE_THREADS, int) = 1;
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
static ct_private struct spare *spares;

static void put_spare(const char *block)
{
	struct spare *s = malloc(sizeof *s + ct_glibc.libc_tls_size);
	if (!s)		/* out of memory: that block's cache is lost, no more */
		return;
	ct_vg_private(s, sizeof *s + ct_glibc.libc_tls_size);
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
	char *tp = t->tp;
	drop_tcache(tp - ct_glibc.libc_tls_off);
	put_spare(tp - ct_glibc.libc_tls_off);
	dl_deallocate_tls(tp, false);	/* DTV and dynamic TLS blocks */
}

/* Everything else is set up as for a fresh glibc thread. */
int ct_glibc_setup_tcb(struct ct_thread *t, bool live)
{
	void *pd = t->pd;
	char *tp = t->tp, *creator = (char *)ct_get_tp();
	char *libc_tls = tp - ct_glibc.libc_tls_off;
	char block[CT_LIBC_TLS_MAX], rseq[sizeof(struct rseq)];
	bool have_block;
	int tid = FIELD(pd, ct_glibc.off_tid, int);

	if (t->region.tls_ready) {
		memcpy(block, libc_tls, ct_glibc.libc_tls_size);
		if (live && CT_ARCH_RSEQ_SIG)
			memcpy(rseq, tp + ct_glibc.rseq_off, sizeof rseq);
		have_block = true;
		/* The region keeps its DTV, as glibc's stack cache does: the
		 * last thread's dynamic TLS blocks freed, the DTV cleared, and
		 * ld.so fills it again (resized if modules came since). */
		union dtv *dtv = FIELD(tp, CT_ARCH_DTV_AT_TP, union dtv *);
		for (size_t i = 0; i < dtv[-1].counter; i++)
			free(dtv[1 + i].pointer.to_free);
		memset(dtv, 0, (dtv[-1].counter + 1) * sizeof *dtv);
		memset(pd, 0, ct_glibc.pd_size);
		FIELD(tp, CT_ARCH_DTV_AT_TP, union dtv *) = dtv;
		dl_allocate_tls_init(tp, true);
	} else {
		have_block = take_spare(block);
		if (!dl_allocate_tls(tp)) {
			if (have_block)
				put_spare(block);
			return EAGAIN;
		}
		t->region.tls_ready = true;
	}
	if (have_block)
		memcpy(libc_tls, block, ct_glibc.libc_tls_size);

	/* tcbhead: self pointers (THREAD_SELF); what the CPU keeps there of
	 * the process's secrets and settings (the canary checked by
	 * -fstack-protector code, the pointer guard that demangles function
	 * pointers other threads stored, ...), as the creator has them;
	 * multiple_threads, as glibc sets it in every new thread. */
	for (const ptrdiff_t *w = tcb_self; w < END(tcb_self); w++)
		FIELD(tp, *w, void *) = tp;
	for (const struct ct_tcb_word *w = tcb_inherited; w < END(tcb_inherited); w++)
		memcpy(tp + w->off, creator + w->off, w->size);
	FIELD(pd, CT_ARCH_MULTIPLE_THREADS, int) = 1;
	/* fork()'s child unlinks THREAD_SELF->list from glibc's thread
	 * lists: a self-linked node makes that a no-op.  (The tid is 0 until
	 * the kernel writes it at clone.) */
	void **list = &FIELD(pd, ct_glibc.off_list, void *);
	list[0] = list[1] = list;
	if (live) {
		/* A parked thread: its tid word (the kernel clears it when the
		 * thread finally exits), and the rseq area the kernel has
		 * registered and keeps writing. */
		FIELD(pd, ct_glibc.off_tid, int) = tid;
		if (CT_ARCH_RSEQ_SIG)
			memcpy(tp + ct_glibc.rseq_off, rseq, sizeof rseq);
		return 0;
	}
	/* sched_getcpu reads rseq's cpu_id unchecked: -1 (uninitialised)
	 * until the thread registers, -2 (failed) makes it call getcpu.
	 * Where glibc has no rseq signature it keeps no area (and
	 * __rseq_offset is 0). */
	if (CT_ARCH_RSEQ_SIG)
		((struct rseq *)(tp + ct_glibc.rseq_off))->cpu_id =
			ct_glibc.rseq_size ? RSEQ_CPU_ID_UNINITIALIZED
					   : RSEQ_CPU_ID_REGISTRATION_FAILED;
	return 0;
}

void ct_glibc_set_stack(struct ct_thread *t)
{
	/* __libc_alloca_cutoff sizes glibc's internal alloca use from this;
	 * left 0 it allows more than a small stack holds. */
	void *pd = t->pd;
	FIELD(pd, ct_glibc.off_stackblock, void *) = t->stack;
	FIELD(pd, ct_glibc.off_stackblock_size, size_t) = t->stack_avail;
	FIELD(pd, ct_glibc.off_guardsize, size_t) = t->region.guard_size;
}

void ct_glibc_thread_start(struct ct_thread *t)
{
	char *tp = (char *)ct_get_tp();
	/* Once per kernel thread: a parked one taken again has its area
	 * registered still. */
	if (ct_glibc.rseq_size && !t->kt.rseq_registered) {
		t->kt.rseq_registered = true;
		if (syscall(SYS_rseq, tp + ct_glibc.rseq_off, 32, 0,
			    CT_ARCH_RSEQ_SIG) != 0)
			((struct rseq *)(tp + ct_glibc.rseq_off))->cpu_id =
				RSEQ_CPU_ID_REGISTRATION_FAILED;
	}
	/* A reused libc block carries the last thread's errno, locale and
	 * ctype pointers (isalpha & co. crash on NULL ones). */
	errno = 0;
	h_errno = 0;
	uselocale(LC_GLOBAL_LOCALE);
	ctype_init();
	__resp = CT_PD_FIELD(t->pd, ct_glibc.off_res, struct __res_state);
}

void ct_glibc_thread_exit(void)
{
	call_tls_dtors();	/* C++ thread_local destructors */
}

void ct_glibc_thread_freeres(struct ct_thread *t)
{
	struct __res_state *res = CT_PD_FIELD(t->pd, ct_glibc.off_res,
					      struct __res_state);
	if (res->nscount)
		__res_nclose(res);
	/* A pending dlerror() message would show in the next thread. */
	while (dlerror())
		;
}

void ct_glibc_drop_tcache(void)
{
	drop_tcache((char *)ct_get_tp() - ct_glibc.libc_tls_off);
}

void ct_glibc_at_foreign_exit(void (*fn)(void *), void *arg)
{
	/* Runs from glibc's own thread exit (__call_tls_dtors). */
	cxa_thread_atexit_impl(fn, arg, &__dso_handle);
}

/* The main thread's first frame of ours.  Programs enter main through
 * glibc's __libc_start_main, which this interposes to put an outermost
 * unwind buffer below main, as pthread_create does for its threads:
 * cancelling main, or pthread_exit in it, ends there -- and the process
 * only with its last thread.  Unwinding would otherwise reach glibc's own
 * buffer, whose exit path ends the whole process. */
static int (*program_main)(int, char **, char **);

static int main_thread(int argc, char **argv, char **envp)
{
	struct ct_thread *t = ct_self();
	struct ct_unwind_buf buf;
	t->result = PTHREAD_CANCELED;
	if (!ct_setjmp(buf.cancel_jmp_buf, 0)) {
		ct_unwind_outermost(&buf);
		return program_main(argc, argv, envp);
	}
	t = ct_self();	/* locals are not kept across the longjmp */
	ct_thread_exit(t, t->result);
}

int __libc_start_main(int (*main)(int, char **, char **), int argc,
		      char **argv, void (*init)(void), void (*fini)(void),
		      void (*rtld_fini)(void), void *stack_end)
{
	ct_self();	/* the library is initialised */
	ct_reuse_from_env();
	program_main = main;
	return libc_start_main(main_thread, argc, argv, init, fini, rtld_fini,
			       stack_end);
}
