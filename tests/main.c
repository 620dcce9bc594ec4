/* SPDX-License-Identifier: MIT */
/* main of every test program: it checks that the thread functions the
 * program imports are the implementation's, then runs the scenario this
 * process was started for (tst_rerun), or else every registered suite. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"

/* ---- the thread functions a test calls are the implementation's ---- */

/* The thread ABI: the names the library exports (the globals of
 * src/clonethreads.map), which the reference run finds in glibc. */
static bool thread_abi(const char *name)
{
	static const char *const prefixes[] = {
		"pthread_", "__pthread_", "_pthread_cleanup_", "sem_", "__sem_",
		"thrd_", "__thrd_", "mtx_", "__mtx_", "cnd_", "__cnd_", "tss_",
		"clonethreads_" };
	static const char *const names[] = {
		"call_once", "setuid", "setgid", "seteuid", "setegid",
		"setreuid", "setregid", "setresuid", "setresgid", "setgroups",
		"initgroups", "__libc_start_main" };
	for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return true;
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

/* The libraries of the implementations: the library, and glibc's, which
 * has its thread functions in libc.so.6 or, before 2.34, many in
 * libpthread.so.0, which its librt.so.1 then calls by private names
 * (__pthread_barrier_init).  Their own imports are their business. */
static bool implementation(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	return !strncmp(base, "libclonethreads.", 16) ||
	       !strncmp(base, "libc.so", 7) || !strncmp(base, "libpthread.so", 13) ||
	       !strncmp(base, "librt.so", 8) ||
	       !strncmp(base, "ld-linux", 8) ||
	       !strncmp(base, "linux-vdso", 10) || !strncmp(base, "linux-gate", 10);
}

/* What the program's thread functions must resolve to: the library, or
 * glibc in the reference run (so neither can pass for the other). */
static bool under_test(const char *path)
{
	if (!tst_test_glibc())
		return strstr(path, "libclonethreads") != NULL;
	return strstr(path, "/libc.so") || strstr(path, "/libpthread.so");
}

void tst_assert_ours_at(const char *name, void *f)
{
	Dl_info info = { 0 };
	if (f && dladdr(f, &info) && info.dli_fname && under_test(info.dli_fname))
		return;
	fprintf(stderr, "%s resolves to %s, not %s\n", name,
		f && info.dli_fname ? info.dli_fname : "nothing",
		tst_test_glibc() ? "/libc.so or /libpthread.so" : "libclonethreads");
	exit(99);		/* a hard error for the automake driver */
}

/* What `name', imported by the object at `importer', resolves to. */
static void assert_ours(const char *name, const char *importer)
{
	void *f = dlsym(RTLD_DEFAULT, name);
	if (!f && tst_test_glibc() && !strncmp(name, "clonethreads_", 13))
		return;		/* the library's own extras */
	char what[512];
	snprintf(what, sizeof what, "%s (imported by %s)", name,
		 *importer ? importer : "the program");
	tst_assert_ours_at(what, f);
}

/* The loader has relocated the dynamic section's addresses, but where the
 * section is read-only (riscv64's glibc, the vDSO). */
static const void *dyn_address(const struct dl_phdr_info *o, ElfW(Addr) a)
{
	return (const void *)(a < o->dlpi_addr ? o->dlpi_addr + a : a);
}

/* How many symbols a dynamic symbol table holds, from its hash table. */
static size_t count_symbols(const struct dl_phdr_info *o, const ElfW(Dyn) *dyn)
{
	const uint32_t *hash = NULL, *gnu = NULL;
	for (; dyn->d_tag != DT_NULL; dyn++)
		if (dyn->d_tag == DT_HASH)
			hash = dyn_address(o, dyn->d_un.d_ptr);
		else if (dyn->d_tag == DT_GNU_HASH)
			gnu = dyn_address(o, dyn->d_un.d_ptr);
	if (hash)
		return hash[1];		/* nchain */
	if (!gnu)
		return 0;
	/* nbuckets, symoffset, bloom words, bloom shift; the bloom filter;
	 * the buckets (the first symbol of each chain); the chains, whose
	 * last word has bit 0 set.  The undefined symbols come before
	 * symoffset. */
	uint32_t nbuckets = gnu[0], symoffset = gnu[1], last = 0;
	const uint32_t *buckets = (const uint32_t *)
		((const ElfW(Addr) *)(gnu + 4) + gnu[2]);
	const uint32_t *chain = buckets + nbuckets;
	for (uint32_t i = 0; i < nbuckets; i++)
		if (buckets[i] > last)
			last = buckets[i];
	if (last < symoffset)
		return symoffset;
	while (!(chain[last - symoffset] & 1))
		last++;
	return last + 1;
}

/* Every thread function object o imports is the implementation's. */
static int check_imports(struct dl_phdr_info *o, size_t size, void *data)
{
	if (implementation(o->dlpi_name))
		return 0;
	const ElfW(Dyn) *dyn = NULL;
	for (int i = 0; i < o->dlpi_phnum; i++)
		if (o->dlpi_phdr[i].p_type == PT_DYNAMIC)
			dyn = (const ElfW(Dyn) *)(o->dlpi_addr + o->dlpi_phdr[i].p_vaddr);
	if (!dyn)
		return 0;
	const ElfW(Sym) *symtab = NULL;
	const char *strtab = NULL;
	for (const ElfW(Dyn) *d = dyn; d->d_tag != DT_NULL; d++)
		if (d->d_tag == DT_SYMTAB)
			symtab = dyn_address(o, d->d_un.d_ptr);
		else if (d->d_tag == DT_STRTAB)
			strtab = dyn_address(o, d->d_un.d_ptr);
	size_t n = symtab && strtab ? count_symbols(o, dyn) : 0;
	for (size_t i = 1; i < n; i++)
		if (symtab[i].st_shndx == SHN_UNDEF && symtab[i].st_name &&
		    thread_abi(strtab + symtab[i].st_name))
			assert_ours(strtab + symtab[i].st_name, o->dlpi_name);
	return 0;
}

/* The program and every library it loaded but the implementation's own:
 * the test modules, and the C++ runtime, Check and libgcc, through which
 * tests call thread functions too. */
static void check_thread_abi(void)
{
	dl_iterate_phdr(check_imports, NULL);
}

void *tst_module(const char *file)
{
	void *h = dlopen(tst_module_path(file), RTLD_NOW);
	ck_assert_msg(h != NULL, "dlopen: %s", dlerror());
	check_thread_abi();
	return h;
}

void *tst_module_symbol(const char *file, const char *symbol)
{
	void *p = dlsym(tst_module(file), symbol);
	ck_assert_msg(p != NULL, "%s: no %s", file, symbol);
	return p;
}

/* ---- the registered suites and scenarios (common.h) ---- */

/* The tables' bounds, which the linker defines; weak: a program may
 * register no scenario. */
extern Suite *(*const __start_tst_suites[])(void) __attribute__((weak));
extern Suite *(*const __stop_tst_suites[])(void) __attribute__((weak));
extern const struct tst_scenario *const __start_tst_scenarios[]
	__attribute__((weak));
extern const struct tst_scenario *const __stop_tst_scenarios[]
	__attribute__((weak));

int main(void)
{
	tst_note_start();
	check_thread_abi();
	const char *scenario = getenv(TST_SCENARIO_VAR);
	if (scenario) {
		for (const struct tst_scenario *const *s = __start_tst_scenarios;
		     s < __stop_tst_scenarios; s++)
			if (!strcmp(scenario, (*s)->name))
				return (*s)->run();
		fprintf(stderr, "unknown scenario %s\n", scenario);
		return 2;
	}
	SRunner *sr = srunner_create(NULL);
	for (Suite *(*const *suite)(void) = __start_tst_suites;
	     suite < __stop_tst_suites; suite++)
		srunner_add_suite(sr, (*suite)());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
