/* SPDX-License-Identifier: MIT */
/* Symbols of loaded objects, read from their own dynamic symbol tables.
 *
 * Start-up may run inside an allocator that holds its own lock (its
 * initialisation asks pthread_self), or in the earliest constructor of
 * the process.  dlsym and dladdr take ld.so's locks and may allocate (an
 * error message, a result buffer), and a dlopen'ed handle of libc would
 * run libc's initialisation before it has the program's arguments: so
 * the library asks ld.so nothing, and reads what it needs from each
 * object's GNU (or SysV) hash table, as ld.so itself would. */
#define _GNU_SOURCE
#include <link.h>
#include <string.h>
#include "sys.h"
#include <unistd.h>
#include "glibc.h"

/* Kept in place by ld.so, from the first instruction of the process: the
 * list of loaded objects, the program first, in load order. */
extern struct r_debug _r_debug;

struct ct_elf_map ct_elf_libc, ct_elf_ldso, ct_elf_libpthread;

/* A dynamic-section pointer: ld.so relocates them in place, except on
 * CPUs where the section is read-only (riscv). */
static uintptr_t dyn_ptr(const struct link_map *m, const ElfW(Dyn) *d)
{
	return d->d_un.d_ptr < m->l_addr ? m->l_addr + d->d_un.d_ptr
					 : d->d_un.d_ptr;
}

static uint32_t gnu_hash(const char *name)
{
	uint32_t h = 5381;
	for (const unsigned char *c = (const void *)name; *c; c++)
		h = h * 33 + *c;
	return h;
}

static uint32_t sysv_hash(const char *name)
{
	uint32_t h = 0;
	for (const unsigned char *c = (const void *)name; *c; c++) {
		h = (h << 4) + *c;
		h ^= (h >> 24) & 0xf0;
	}
	return h & 0x0fffffff;
}

static void read_dynamic(struct ct_elf_map *e, struct link_map *m)
{
	e->map = m;
	for (const ElfW(Dyn) *d = m->l_ld; d->d_tag != DT_NULL; d++) {
		switch (d->d_tag) {
		case DT_SYMTAB: e->sym = (const void *)dyn_ptr(m, d); break;
		case DT_STRTAB: e->str = (const void *)dyn_ptr(m, d); break;
		case DT_GNU_HASH: e->gnu = (const void *)dyn_ptr(m, d); break;
		case DT_HASH: e->sysv = (const void *)dyn_ptr(m, d); break;
		case DT_VERSYM: e->versym = (const void *)dyn_ptr(m, d); break;
		case DT_SONAME: e->soname = d->d_un.d_val; break;
		}
	}
}

/* The symbol table entry i, if it defines `name' at its default version
 * (a hidden version is an older one, kept for old binaries). */
static const ElfW(Sym) *match(const struct ct_elf_map *e, uint32_t i,
			      const char *name)
{
	const ElfW(Sym) *s = &e->sym[i];
	if (s->st_shndx == SHN_UNDEF || (e->versym && (e->versym[i] & 0x8000)) ||
	    strcmp(name, e->str + s->st_name))
		return NULL;
	return s;
}

const ElfW(Sym) *ct_elf_lookup(const struct ct_elf_map *e, const char *name)
{
	if (!e->map || !e->sym || !e->str)
		return NULL;
	if (e->gnu) {
		const uint32_t *ht = e->gnu;
		uint32_t h = gnu_hash(name), nbuckets = ht[0], symoffset = ht[1];
		const uint32_t *buckets = (const uint32_t *)
			((const ElfW(Addr) *)&ht[4] + ht[2]);	/* past the bloom */
		const uint32_t *chain = buckets + nbuckets;
		for (uint32_t i = buckets[h % nbuckets]; i >= symoffset; i++) {
			uint32_t h2 = chain[i - symoffset];
			const ElfW(Sym) *s;
			if ((h | 1) == (h2 | 1) && (s = match(e, i, name)))
				return s;
			if (h2 & 1)
				break;
		}
		return NULL;
	}
	if (e->sysv) {
		const uint32_t *ht = e->sysv, nbucket = ht[0];
		const uint32_t *bucket = &ht[2], *chain = &ht[2 + nbucket];
		for (uint32_t i = bucket[sysv_hash(name) % nbucket]; i;
		     i = chain[i]) {
			const ElfW(Sym) *s = match(e, i, name);
			if (s)
				return s;
		}
	}
	return NULL;
}

void *ct_elf_sym(const struct ct_elf_map *e, const char *name)
{
	const ElfW(Sym) *s = ct_elf_lookup(e, name);
	return s && ELF64_ST_TYPE(s->st_info) != STT_TLS
		? (void *)(e->map->l_addr + s->st_value) : NULL;
}

void *ct_elf_global(const char *name, struct link_map **owner)
{
	for (struct link_map *m = _r_debug.r_map; m; m = m->l_next) {
		struct ct_elf_map e = { 0 };
		read_dynamic(&e, m);
		void *p = ct_elf_sym(&e, name);
		if (p) {
			if (owner)
				*owner = m;
			return p;
		}
	}
	return NULL;
}

/* A symbol of the object's full symbol table (.symtab), read from its
 * file: glibc before 2.34 kept libthread_db's descriptors there, not
 * among the exported ones.  Nothing here allocates (start-up, above). */
void *ct_elf_file_sym(const struct ct_elf_map *e, const char *name)
{
	if (!e->map || !e->map->l_name || !*e->map->l_name)
		return NULL;
	int fd = ct_open(e->map->l_name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	long size = ct_file_size(fd);
	void *file = MAP_FAILED;
	if (!ct_sys_failed(size) && size >= (long)sizeof(ElfW(Ehdr)))
		file = ct_mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd);
	ct_close(fd);
	if (file == MAP_FAILED)
		return NULL;
	const char *base = file, *end = base + size;
	const ElfW(Ehdr) *eh = file;
	const ElfW(Shdr) *sh = (const void *)(base + eh->e_shoff);
	void *found = NULL;
	if ((const char *)(sh + eh->e_shnum) > end || eh->e_shoff == 0)
		goto out;
	for (int i = 0; i < eh->e_shnum && !found; i++) {
		if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum)
			continue;
		const ElfW(Sym) *sym = (const void *)(base + sh[i].sh_offset);
		const ElfW(Shdr) *strsec = &sh[sh[i].sh_link];
		const char *str = base + strsec->sh_offset;
		size_t n = sh[i].sh_size / sizeof *sym;
		if ((const char *)(sym + n) > end || str + strsec->sh_size > end)
			continue;
		for (size_t k = 0; k < n; k++)
			if (sym[k].st_shndx != SHN_UNDEF &&
			    sym[k].st_name < strsec->sh_size &&
			    !strcmp(str + sym[k].st_name, name)) {
				found = (void *)(e->map->l_addr + sym[k].st_value);
				break;
			}
	}
out:
	ct_munmap(file, size);
	return found;
}

/* glibc's objects: libc and ld.so are the first to define a function
 * only they have; libpthread (which held the thread functions before
 * glibc 2.34, and is an empty shell since) goes by its name. */
bool ct_elf_find_glibc(void)
{
	for (struct link_map *m = _r_debug.r_map; m; m = m->l_next) {
		struct ct_elf_map e = { 0 };
		read_dynamic(&e, m);
		const char *soname = e.soname ? e.str + e.soname : "";
		if (!ct_elf_libc.map && ct_elf_lookup(&e, "gnu_get_libc_version"))
			ct_elf_libc = e;
		else if (!ct_elf_ldso.map && ct_elf_lookup(&e, "_dl_allocate_tls"))
			ct_elf_ldso = e;
		else if (!ct_elf_libpthread.map && !strcmp(soname, "libpthread.so.0"))
			ct_elf_libpthread = e;
	}
	return ct_elf_libc.map && ct_elf_ldso.map;
}
