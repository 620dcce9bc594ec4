/* SPDX-License-Identifier: MIT */
/* Thread names: the kernel's comm, 15 characters.  The calling thread's
 * through prctl, another's through its /proc comm file -- whose open,
 * read, write and close are glibc's cancellation points, and these
 * functions are none: cancellation is off around them. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include "cancel.h"

#define COMM_LEN 16

/* The thread's /proc comm file, opened; or -errno. */
static int open_comm(struct ct_thread *t, int flags)
{
	int tid = ct_pin(t);
	if (!tid)
		return -ESRCH;
	char path[40];
	snprintf(path, sizeof path, "/proc/self/task/%d/comm", tid);
	int fd = open(path, flags | O_CLOEXEC);
	int err = fd < 0 ? errno : 0;
	ct_unpin(t);
	return fd < 0 ? -err : fd;
}

static int set_other(struct ct_thread *t, const char *name, size_t len)
{
	int fd = open_comm(t, O_WRONLY), err = 0;
	if (fd < 0)
		return -fd;
	if (write(fd, name, len) != (ssize_t)len)
		err = errno;
	close(fd);
	return err;
}

static int get_other(struct ct_thread *t, char *buf, size_t len)
{
	int fd = open_comm(t, O_RDONLY), err = 0;
	if (fd < 0)
		return -fd;
	ssize_t n = read(fd, buf, len);
	if (n < 0)
		err = errno;
	else if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	else if (n == (ssize_t)len)
		err = ERANGE;
	else
		buf[n] = '\0';
	close(fd);
	return err;
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
		int state = ct_nocancel_enter();
		err = set_other(t, name, len);
		ct_nocancel_leave(state);
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
		int state = ct_nocancel_enter();
		err = get_other(t, buf, len);
		ct_nocancel_leave(state);
	}
	errno = saved;
	return err;
}
