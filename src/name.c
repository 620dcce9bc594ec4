/* Thread names: the kernel's comm, 15 characters.  The calling thread's
 * through prctl, another's through /proc (raw calls: these are not
 * cancellation points). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include "thread.h"

#define COMM_LEN 16

/* The thread's /proc comm file, opened; or -errno. */
static int open_comm(struct ct_thread *t, int flags)
{
	int tid = ct_pin(t);
	if (!tid)
		return -ESRCH;
	char path[40];
	snprintf(path, sizeof path, "/proc/self/task/%d/comm", tid);
	int fd = syscall(SYS_openat, AT_FDCWD, path, flags | O_CLOEXEC);
	int err = fd < 0 ? errno : 0;
	ct_unpin(t);
	return fd < 0 ? -err : fd;
}

int pthread_setname_np(pthread_t th, const char *name)
{
	struct ct_thread *t = ct_lookup(th);
	if (!t)
		return ESRCH;
	size_t len = strlen(name);
	if (len >= COMM_LEN)
		return ERANGE;
	int saved = errno, err = 0;
	if (t == ct_self()) {
		if (prctl(PR_SET_NAME, name))
			err = errno;
	} else {
		int fd = open_comm(t, O_WRONLY);
		if (fd < 0)
			err = -fd;
		else if (syscall(SYS_write, fd, name, len) != (long)len)
			err = errno;
		if (fd >= 0)
			syscall(SYS_close, fd);
	}
	errno = saved;
	return err;
}

int pthread_getname_np(pthread_t th, char *buf, size_t len)
{
	struct ct_thread *t = ct_lookup(th);
	if (!t)
		return ESRCH;
	if (len < COMM_LEN)
		return ERANGE;
	int saved = errno, err = 0;
	if (t == ct_self()) {
		if (prctl(PR_GET_NAME, buf))
			err = errno;
	} else {
		int fd = open_comm(t, O_RDONLY);
		long n = fd < 0 ? fd : syscall(SYS_read, fd, buf, len);
		if (n < 0)
			err = fd < 0 ? -fd : errno;
		else if (n > 0 && buf[n - 1] == '\n')
			buf[n - 1] = '\0';
		else if (n == (long)len)
			err = ERANGE;
		else
			buf[n] = '\0';
		if (fd >= 0)
			syscall(SYS_close, fd);
	}
	errno = saved;
	return err;
}
