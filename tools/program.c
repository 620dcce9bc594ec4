/* SPDX-License-Identifier: MIT */
/* PROG before it is run: where it is, and whether preloading can work.
 *
 * LD_PRELOAD is read by the dynamic loader, so it does nothing for a
 * program without one (statically linked: no PT_INTERP), nothing for a
 * set-user-ID or set-group-ID program (the loader runs those in secure
 * mode and ignores a preload given by path), and the loader skips a
 * library of another ELF class or machine.  In each case the program
 * would run on glibc's threads, so the command refuses instead.  A set-ID
 * bit is refused even where it changes no credentials (for the file's
 * owner): a rule that holds whoever runs the command. */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "run.h"

/* The kernel follows at most this many "#!" interpreters (binfmt_script
 * and binfmt_misc share the limit). */
#define INTERPRETER_DEPTH 4
/* The ELF class ElfW() reads: program headers of others are not parsed. */
#define NATIVE_CLASS (__ELF_NATIVE_CLASS == 64 ? ELFCLASS64 : ELFCLASS32)

char *find_program(const char *prog)
{
	if (strchr(prog, '/'))
		return strdup(prog);
	const char *path = getenv("PATH");
	char fallback[256];
	if (!path) {	/* execvp's default search path */
		confstr(_CS_PATH, fallback, sizeof fallback);
		path = fallback;
	}
	int err = ENOENT;
	for (const char *dir = path;; dir++) {
		size_t len = strcspn(dir, ":");
		char *candidate;
		/* An empty element is the current directory. */
		if (asprintf(&candidate, "%.*s/%s", len ? (int)len : 1,
			     len ? dir : ".", prog) < 0)
			return NULL;
		struct stat st;
		if (!stat(candidate, &st) && S_ISREG(st.st_mode)) {
			if (!access(candidate, X_OK))
				return candidate;
			err = EACCES;
		}
		free(candidate);
		dir += len;
		if (!*dir)
			break;
	}
	errno = err;
	return NULL;
}

/* The first bytes of a file: an ELF header, or a "#!" line (the kernel
 * reads 256 bytes of one). */
union head {
	ElfW(Ehdr) elf;		/* e_ident and e_machine: same in both classes */
	char line[256];
};

/* The number of bytes read, -1 if unreadable. */
static ssize_t read_head(const char *path, union head *h)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = pread(fd, h, sizeof *h, 0);
	close(fd);
	return n;
}

static bool is_elf(const union head *h, ssize_t n)
{
	return n >= (ssize_t)sizeof h->elf && !memcmp(h->elf.e_ident, ELFMAG, SELFMAG);
}

/* Whether an ELF file of this program's class asks for a dynamic loader (has PT_INTERP).
 * A static PIE has PT_DYNAMIC but relocates itself, without a loader. */
static bool has_interpreter(const char *path, const ElfW(Ehdr) *eh)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool found = false;
	for (int i = 0; fd >= 0 && !found && i < eh->e_phnum; i++) {
		ElfW(Phdr) ph;
		if (pread(fd, &ph, sizeof ph, eh->e_phoff +
			  (off_t)i * eh->e_phentsize) != sizeof ph)
			break;
		found = ph.p_type == PT_INTERP;
	}
	if (fd >= 0)
		close(fd);
	return found;
}

/* The interpreter named by a "#!" line, into buf. */
static bool interpreter(const char *line, ssize_t n, char *buf, size_t size)
{
	size_t i = 2, len = 0;
	while (i < (size_t)n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	while (i < (size_t)n && !strchr(" \t\n", line[i]) && line[i] &&
	       len + 1 < size)
		buf[len++] = line[i++];
	buf[len] = '\0';
	return len > 0;
}

bool preloadable(const char *path, const char *library, char *why,
		 size_t size)
{
	union head lib, h;
	bool lib_elf = is_elf(&lib, read_head(library, &lib));
	char file[4096], next[4096];
	snprintf(file, sizeof file, "%s", path);
	for (int depth = 0; depth <= INTERPRETER_DEPTH; depth++) {
		const char *whose = depth ? "its interpreter " : "it";
		const char *name = depth ? file : "";
		ssize_t n = read_head(file, &h);
		if (n >= 2 && h.line[0] == '#' && h.line[1] == '!') {
			/* A script's own set-ID bits are ignored: only the
			 * interpreter's count. */
			if (!interpreter(h.line, n, next, sizeof next))
				return true;
			memcpy(file, next, sizeof file);
			continue;
		}
		if (!is_elf(&h, n))
			return true;	/* exec(2) says what is wrong */
		const ElfW(Ehdr) *eh = &h.elf, *libh = &lib.elf;
		struct stat st;
		if (stat(file, &st))
			return true;
		if (st.st_mode & S_ISUID) {
			snprintf(why, size, "%s%s is set-user-ID, and the dynamic "
				 "loader ignores LD_PRELOAD for it", whose, name);
			return false;
		}
		/* Set-group-ID without group execute is mandatory locking. */
		if ((st.st_mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP)) {
			snprintf(why, size, "%s%s is set-group-ID, and the dynamic "
				 "loader ignores LD_PRELOAD for it", whose, name);
			return false;
		}
		if (lib_elf &&
		    (eh->e_ident[EI_CLASS] != libh->e_ident[EI_CLASS] ||
		     eh->e_ident[EI_DATA] != libh->e_ident[EI_DATA] ||
		     eh->e_machine != libh->e_machine)) {
			snprintf(why, size, "%s%s is built for another machine "
				 "than the library (ELF class %d, machine %d; the "
				 "library's: class %d, machine %d)", whose, name,
				 eh->e_ident[EI_CLASS], eh->e_machine,
				 libh->e_ident[EI_CLASS], libh->e_machine);
			return false;
		}
		if (eh->e_ident[EI_CLASS] == NATIVE_CLASS &&
		    !has_interpreter(file, eh)) {
			snprintf(why, size, "%s%s is statically linked: there is "
				 "no dynamic loader to preload the library", whose,
				 name);
			return false;
		}
		return true;
	}
	return true;	/* too deep: exec(2) fails with ELOOP */
}
