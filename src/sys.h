/* SPDX-License-Identifier: MIT */
/* The system calls the library makes for its own memory and files,
 * straight to the kernel, never through libc's functions of the same
 * names.  Those can be interposed: tcmalloc hooks mmap, and its hook
 * calls pthread_once, which may be the call that runs the library's
 * start-up, which maps memory... and waits on the once control the hook
 * holds.  Results are the kernel's: -errno on failure, errno untouched. */
#ifndef CT_SYS_H
#define CT_SYS_H

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include "arch_common.h"

static inline bool ct_sys_failed(long r)
{
	return (unsigned long)r > -4096UL;
}

/* Offset 0 only (i386's mmap2 counts it in pages). */
static inline void *ct_mmap(void *addr, size_t len, int prot, int flags, int fd)
{
	long r = ct_syscall(CT_SYS_MMAP, (long)addr, (long)len, prot, flags,
			    fd, 0);
	return ct_sys_failed(r) ? MAP_FAILED : (void *)r;
}

static inline int ct_munmap(void *addr, size_t len)
{
	return (int)ct_syscall(SYS_munmap, (long)addr, (long)len, 0, 0, 0, 0);
}

static inline int ct_mprotect(void *addr, size_t len, int prot)
{
	return (int)ct_syscall(SYS_mprotect, (long)addr, (long)len, prot, 0, 0, 0);
}

static inline int ct_madvise(void *addr, size_t len, int advice)
{
	return (int)ct_syscall(SYS_madvise, (long)addr, (long)len, advice, 0, 0, 0);
}

static inline int ct_open(const char *path, int flags)
{
	return (int)ct_syscall(SYS_openat, AT_FDCWD, (long)path, flags, 0, 0, 0);
}

static inline long ct_file_size(int fd)
{
	return ct_syscall(SYS_lseek, fd, 0, SEEK_END, 0, 0, 0);
}

static inline void ct_close(int fd)
{
	ct_syscall(SYS_close, fd, 0, 0, 0, 0, 0);
}

#endif
