/* SPDX-License-Identifier: MIT */
/* Named semaphores: the file /dev/shm/sem.NAME holding one sem_t, as
 * glibc names and fills it, so processes of either library share it.
 *
 * Creation never exposes a half-written file: the semaphore is written
 * to a private temporary file that is then link()ed to its name (EEXIST:
 * somebody else won, open theirs).  Each file is mapped once per process;
 * sem_open of an already-open name returns the same address, and
 * sem_close unmaps on the last close.  sem_open is no cancellation point
 * (glibc's is not either), though the open, write and close it makes are
 * glibc's cancellation points: cancellation is off around them. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "sys.h"
#include <sys/stat.h>
#include "cancel.h"
#include "sync.h"
#include "valgrind.h"

#define SHM_DIR "/dev/shm/"
#define PREFIX "sem."

struct mapped {
	struct mapped *next;
	dev_t dev;
	ino_t ino;
	sem_t *sem;
	unsigned refs;
};
static ct_private struct mapped *mapped_list;
hidden ct_private ct_lock_t ct_sem_named_lock;

/* "/dev/shm/sem.NAME" from "/NAME" (leading slashes are optional and
 * ignored); false for an empty name, one too long or one with a '/'. */
static bool sem_path(const char *name, char path[static PATH_MAX])
{
	while (*name == '/')
		name++;
	size_t len = strlen(name);
	if (len == 0 || len >= NAME_MAX - strlen(PREFIX) ||
	    strchr(name, '/'))
		return false;
	snprintf(path, PATH_MAX, SHM_DIR PREFIX "%s", name);
	return true;
}

/* Map fd's semaphore, or reuse this process's existing mapping of it. */
static sem_t *map_sem(int fd)
{
	struct stat st;
	if (fstat(fd, &st))
		return SEM_FAILED;
	sem_t *sem = SEM_FAILED;
	ct_lock(&ct_sem_named_lock);
	struct mapped *m;
	for (m = mapped_list; m; m = m->next)
		if (m->dev == st.st_dev && m->ino == st.st_ino)
			break;
	if (m) {
		m->refs++;
		sem = m->sem;
	} else if ((m = malloc(sizeof *m))) {
		ct_vg_private(m, sizeof *m);
		void *p = ct_mmap(NULL, sizeof(sem_t), PROT_READ | PROT_WRITE,
			       MAP_SHARED, fd);
		if (p == MAP_FAILED) {
			free(m);
		} else {
			*m = (struct mapped){ mapped_list, st.st_dev,
					      st.st_ino, p, 1 };
			mapped_list = m;
			sem = p;
		}
	}
	ct_unlock(&ct_sem_named_lock);
	return sem;
}

/* A new, initialised semaphore file under a temporary name; -1 on error. */
static int create_tmp(char tmp[static PATH_MAX], mode_t mode, unsigned value)
{
	sem_t init;
	memset(&init, 0, sizeof init);
	sem_init(&init, 1, value);
	for (int tries = 0; tries < 100; tries++) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		snprintf(tmp, PATH_MAX, SHM_DIR "sem.%08lx%04x",
			 (unsigned long)ts.tv_nsec ^ (unsigned long)getpid() << 8,
			 tries);
		int fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC |
			      O_NOFOLLOW, mode);
		if (fd < 0) {
			if (errno == EEXIST)
				continue;
			return -1;
		}
		if (write(fd, &init, sizeof init) == sizeof init)
			return fd;
		int e = errno ? errno : EIO;
		close(fd);
		unlink(tmp);
		errno = e;
		return -1;
	}
	errno = EEXIST;
	return -1;
}

static sem_t *open_named(const char *name, int oflag, mode_t mode,
			 unsigned value)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	if (!sem_path(name, path) || value > SEM_VALUE_MAX) {
		errno = EINVAL;
		return SEM_FAILED;
	}
	for (;;) {
		int fd;
		if ((oflag & (O_CREAT | O_EXCL)) != (O_CREAT | O_EXCL)) {
			fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
			if (fd >= 0) {
				sem_t *s = map_sem(fd);
				close(fd);
				return s;
			}
			if (errno != ENOENT || !(oflag & O_CREAT))
				return SEM_FAILED;
		}
		fd = create_tmp(tmp, mode, value);
		if (fd < 0)
			return SEM_FAILED;
		int linked = link(tmp, path), e = errno;
		unlink(tmp);
		if (linked == 0) {
			sem_t *s = map_sem(fd);
			close(fd);
			return s;
		}
		close(fd);
		errno = e;
		if (e != EEXIST || (oflag & O_EXCL))
			return SEM_FAILED;
		/* Lost a creation race without O_EXCL: open the winner's. */
	}
}

sem_t *sem_open(const char *name, int oflag, ...)
{
	mode_t mode = 0;
	unsigned value = 0;
	if (oflag & O_CREAT) {
		va_list ap;
		va_start(ap, oflag);
		mode = va_arg(ap, mode_t);
		value = va_arg(ap, unsigned);
		va_end(ap);
	}
	ct_vg_sem_open_pre(name, oflag, mode, value);
	int state = ct_nocancel_enter();
	sem_t *s = open_named(name, oflag, mode, value);
	ct_nocancel_leave(state);
	ct_vg_sem_open_post(s, name, oflag, mode, value);
	return s;
}

static int close_named(sem_t *sem)
{
	ct_lock(&ct_sem_named_lock);
	struct mapped **pp = &mapped_list, *m;
	while ((m = *pp) && m->sem != sem)
		pp = &m->next;
	if (m && --m->refs == 0) {
		*pp = m->next;
		ct_munmap(m->sem, sizeof(sem_t));
		free(m);
	}
	ct_unlock(&ct_sem_named_lock);
	if (!m) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int sem_close(sem_t *sem)
{
	ct_vg_sem_close_pre(sem);
	int r = close_named(sem);
	ct_vg_sem_close_post(sem);
	return r;
}

int sem_unlink(const char *name)
{
	char path[PATH_MAX];
	if (!sem_path(name, path)) {
		errno = ENOENT;
		return -1;
	}
	if (unlink(path) == 0)
		return 0;
	if (errno == EPERM)
		errno = EACCES;
	return -1;
}
