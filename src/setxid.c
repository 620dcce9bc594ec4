/* SPDX-License-Identifier: MIT */
/* set*id on every thread.
 *
 * The kernel keeps credentials per thread; POSIX makes them per process.
 * glibc signals each thread on its own lists to make the same system
 * call; here every thread of the process is signalled: the library's (its
 * thread list) and any other the kernel knows (/proc/self/task), such as
 * glibc's own helper threads.  The caller changes first -- if that fails,
 * nothing else changes and the error is returned -- then the others (a
 * thread may signal the others of its process whatever its credentials).
 * If any of them cannot make the change, the process aborts rather than
 * leave a thread with the old credentials behind, as glibc does.
 *
 * The list lock is held throughout: no thread of ours ends, and none is
 * created (pthread_create lists a thread before its clone), while the
 * broadcast runs.  A thread listed but not cloned yet has tid 0: its
 * creator is signalled too, and the new thread inherits whatever the
 * creator has when clone completes, so the round is repeated until every
 * listed thread has a tid (or has failed to start).  Threads the kernel
 * shows that are not listed are signalled in rounds until a scan finds no
 * new one -- except an emulator's own (below). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include "cancel.h"

hidden ct_private ct_lock_t ct_setxid_lock;	/* one broadcast at a time */

static ct_private struct {
	long nr, arg[3];
	int *tids;		/* signalled so far */
	int count, cap;
	_Atomic int acks;
	_Atomic int failed;	/* a thread could not change */
} cmd;

/* It may run in a parked thread whose TLS a creator is renewing
 * (reuse.c): raw system calls only. */
static ct_tcb_free void on_sigsetxid(int sig, siginfo_t *si, void *uc)
{
	if (si->si_code != SI_TKILL ||
	    si->si_pid != ct_syscall(SYS_getpid, 0, 0, 0, 0, 0, 0))
		return;
	if (ct_syscall(cmd.nr, cmd.arg[0], cmd.arg[1], cmd.arg[2], 0, 0, 0))
		atomic_store(&cmd.failed, 1);
	atomic_fetch_add(&cmd.acks, 1);
	ct_futex_wake(&cmd.acks, 1, false);
}

/* Threads of the process that are not the program's.  An emulator that
 * runs the program (qemu-user) keeps a thread of its own in the process,
 * and in every child forked from it: /proc/self/task shows it, but it
 * runs none of the program's code and never takes the signal, so the
 * broadcast would wait for it for ever.  Such threads are the ones there
 * are when the library starts, or when a forked child starts, beside the
 * one running then: at those points the program has started no thread
 * (glibc starts its helper threads only when the program asks).  A
 * process has at most a few; more are not remembered. */
static int outsiders[8], n_outsiders;

/* fn(tid, arg) for each thread /proc/self/task shows; false without
 * /proc.  Raw system calls and a buffer on the stack: it runs at
 * start-up, where malloc is not to be called (self.c), and inside
 * set*id, which is no cancellation point. */
static bool each_task(void (*fn)(int tid, void *arg), void *arg)
{
	int fd = syscall(SYS_openat, AT_FDCWD, "/proc/self/task",
			 O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;
	char buf[1024];
	long n;
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
		for (long off = 0; off < n; ) {
			struct dirent64 *e = (struct dirent64 *)(buf + off);
			int tid = atoi(e->d_name);
			if (tid > 0)
				fn(tid, arg);
			off += e->d_reclen;
		}
	}
	syscall(SYS_close, fd);
	return true;
}

static void note_outsider(int tid, void *self)
{
	if (tid != *(int *)self &&
	    n_outsiders < (int)(sizeof outsiders / sizeof *outsiders))
		outsiders[n_outsiders++] = tid;
}

void ct_setxid_note_outsiders(void)
{
	n_outsiders = 0;
	/* The link count of the directory is 2 plus the number of threads:
	 * one system call when the caller is alone, as it is natively. */
	struct stat st;
	if (stat("/proc/self/task", &st) || st.st_nlink <= 3)
		return;
	int self = syscall(SYS_gettid);
	each_task(note_outsider, &self);
}

/* An emulator runs every process it starts alike: a forked child has a
 * thread of the emulator's only if its parent had one.  Natively there is
 * none, and a fork does not pay for looking (a path lookup in /proc, in a
 * child that may do little more than exit). */
void ct_setxid_fork_child(void)
{
	if (n_outsiders)
		ct_setxid_note_outsiders();
}

static bool outsider(int tid)
{
	for (int i = 0; i < n_outsiders; i++)
		if (outsiders[i] == tid)
			return true;
	return false;
}

static bool signalled(int tid)
{
	for (int i = 0; i < cmd.count; i++)
		if (cmd.tids[i] == tid)
			return true;
	return false;
}

/* Signal tid unless done already; false when out of memory. */
static bool signal_tid(int tid)
{
	if (tid == 0 || tid == (int)syscall(SYS_gettid) || signalled(tid))
		return true;
	if (cmd.count == cmd.cap) {
		int cap = cmd.cap ? 2 * cmd.cap : 64;
		int *p = realloc(cmd.tids, cap * sizeof *p);
		if (!p)
			return false;
		cmd.tids = p;
		cmd.cap = cap;
	}
	if (syscall(SYS_tgkill, getpid(), tid, CT_SIGSETXID) == 0)
		cmd.tids[cmd.count++] = tid;
	return true;
}

static bool gone(int tid)
{
	return syscall(SYS_tgkill, getpid(), tid, 0) != 0 && errno == ESRCH;
}

/* Until every thread signalled has made the call, or has ended. */
static void wait_acks(void)
{
	int n;
	while ((n = atomic_load(&cmd.acks)) < cmd.count) {
		struct timespec t;
		clock_gettime(CLOCK_MONOTONIC, &t);
		t.tv_nsec += 10000000;
		if (t.tv_nsec >= 1000000000L)
			t.tv_sec++, t.tv_nsec -= 1000000000L;
		if (ct_futex_wait(&cmd.acks, n, CLOCK_MONOTONIC, &t, false) !=
		    ETIMEDOUT)
			continue;
		/* A thread that ended before its handler ran does not
		 * count any more. */
		for (int i = 0; i < cmd.count; i++)
			if (cmd.tids[i] > 0 && gone(cmd.tids[i])) {
				cmd.tids[i] = -cmd.tids[i];
				atomic_fetch_add(&cmd.acks, 1);
			}
	}
}

/* One round over the threads the kernel shows; true if it found one not
 * signalled yet.  Without /proc only the listed threads are reached. */
static void signal_task(int tid, void *oom)
{
	if (!outsider(tid) && !signal_tid(tid))
		*(bool *)oom = true;
}

static bool round_proc(bool *oom)
{
	int before = cmd.count;
	return each_task(signal_task, oom) && cmd.count != before;
}

static int broadcast(long nr, long a, long b, long c)
{
	ct_self();	/* the library is initialised */
	ct_lock(&ct_setxid_lock);
	ct_lock(&ct_list_lock);
	int err = syscall(nr, a, b, c) ? errno : 0;
	if (!err && ct_list_head) {
		ct_sigaction_internal(CT_SIGSETXID, on_sigsetxid);
		cmd.nr = nr;
		cmd.arg[0] = a, cmd.arg[1] = b, cmd.arg[2] = c;
		cmd.count = 0;
		cmd.acks = 0;
		cmd.failed = 0;
		bool oom = false, unborn;
		do {
			unborn = false;
			struct ct_thread *t = ct_list_head;
			do {
				int tid = atomic_load(ct_tid(t));
				unborn |= tid == 0 &&
					  atomic_load(&t->startup) != CT_ABORT;
				oom |= !signal_tid(tid);
			} while ((t = t->next) != ct_list_head);
			wait_acks();
			if (unborn)
				sched_yield();
		} while (unborn);
		do
			wait_acks();
		while (round_proc(&oom));
		if (oom || cmd.failed) {
			static const char msg[] = "clonethreads: set*id could "
				"not change the credentials of every thread\n";
			ct_nocancel_enter();	/* write is a cancellation point */
			write(STDERR_FILENO, msg, sizeof msg - 1);
			abort();
		}
	}
	ct_unlock(&ct_list_lock);
	ct_unlock(&ct_setxid_lock);
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

int setuid(uid_t uid)
{
	return broadcast(CT_SYS_ID(setuid), uid, 0, 0);
}

int setgid(gid_t gid)
{
	return broadcast(CT_SYS_ID(setgid), gid, 0, 0);
}

int setreuid(uid_t r, uid_t e)
{
	return broadcast(CT_SYS_ID(setreuid), r, e, 0);
}

int setregid(gid_t r, gid_t e)
{
	return broadcast(CT_SYS_ID(setregid), r, e, 0);
}

int setresuid(uid_t r, uid_t e, uid_t s)
{
	return broadcast(CT_SYS_ID(setresuid), r, e, s);
}

int setresgid(gid_t r, gid_t e, gid_t s)
{
	return broadcast(CT_SYS_ID(setresgid), r, e, s);
}

/* As glibc: -1 is not an id here. */
int seteuid(uid_t e)
{
	if (e == (uid_t)-1) {
		errno = EINVAL;
		return -1;
	}
	return setresuid(-1, e, -1);
}

int setegid(gid_t e)
{
	if (e == (gid_t)-1) {
		errno = EINVAL;
		return -1;
	}
	return setresgid(-1, e, -1);
}

int setgroups(size_t n, const gid_t *list)
{
	return broadcast(CT_SYS_ID(setgroups), n, (long)list, 0);
}

/* glibc's initgroups calls its own setgroups, which only reaches glibc's
 * threads: the same list through ours. */
int initgroups(const char *user, gid_t group)
{
	int n = 64;
	for (;;) {
		gid_t *list = malloc(n * sizeof *list);
		if (!list)
			return -1;
		int want = n;
		if (getgrouplist(user, group, list, &want) >= 0) {
			int r = setgroups(want, list);
			int saved = errno;
			free(list);
			errno = saved;
			return r;
		}
		free(list);
		if (want <= n)
			n *= 2;
		else
			n = want;
	}
}
