/* SPDX-License-Identifier: MIT */
/* Exhaustion and fault injection: pthread_create must fail with EAGAIN
 * when the system refuses a thread's resources, leave nothing behind, and
 * work again once the limit is lifted.
 *
 *   fault as       RLIMIT_AS lowered a little above the current size
 *   fault nproc    RLIMIT_NPROC lowered, in a child running as `nobody'
 *                  (as root; otherwise as the caller: root is exempt)
 *   fault seccomp  a seccomp filter hands every clone, clone3 and mmap to
 *                  a supervisor process (user notification), which fails
 *                  the Nth call after it is armed with EAGAIN (clone) or
 *                  ENOMEM (mmap) and lets every other call through
 *
 * Each scenario runs several rounds: threads are created (parked on a
 * gate) until the fault, the gate opens, all are joined.  Mappings and
 * resident memory after the last round must equal those after the second
 * (no leak per failure; the first round warms caches and touches stack
 * pages of cached regions), then threads are created with the limit
 * lifted. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/audit.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <grp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../programs/which.h"
#include "mem.h"

enum { MAX_THREADS = 4096, ROUNDS = 6 };
/* What a round may leave beyond the second (a page here and there): a
 * leak per failed create shows as a multiple of the rounds. */
enum { RSS_SLACK_KB = 32, MAPS_SLACK = 0 };

static int failures;
#define CHECK(cond, ...) \
	do { if (!(cond)) { printf("FAILED: " __VA_ARGS__); putchar('\n'); failures++; } } while (0)

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static int gate_open;

static void *parked(void *arg)
{
	pthread_mutex_lock(&gate_lock);
	while (!gate_open)
		pthread_cond_wait(&gate_cond, &gate_lock);
	pthread_mutex_unlock(&gate_lock);
	return arg;
}

struct attempt {
	int created;	/* threads made before the first failure */
	int failed;	/* creates that failed (the last `tries' after it) */
	int first_error;
	int other_errors;	/* failures with something else than EAGAIN */
};

/* Create parked threads until one fails, then `tries' more (all must fail
 * too, or succeed if the fault was one-shot); open the gate; join all. */
static struct attempt create_until_failure(const pthread_attr_t *attr, int max,
					   int tries)
{
	static pthread_t t[MAX_THREADS];
	struct attempt a = { 0 };
	int n = 0, after = 0;
	gate_open = 0;
	while (n < max && after < tries) {
		int e = pthread_create(&t[n], attr, parked, NULL);
		if (e == 0) {
			n++;
			if (!a.failed)
				a.created++;
			continue;
		}
		if (!a.failed)
			a.first_error = e;
		if (e != EAGAIN)
			a.other_errors++;
		a.failed++;
		after++;
	}
	pthread_mutex_lock(&gate_lock);
	gate_open = 1;
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&gate_lock);
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	return a;
}

/* Runs `round' ROUNDS times; compares memory after the second and last. */
static void rounds(const char *name, int (*round)(int r))
{
	struct mem first = { 0 }, last;
	for (int r = 0; r < ROUNDS; r++) {
		if (!round(r))
			return;
		mem_wait_threads(1);
		last = mem_now();
		if (r == 1)
			first = last;
	}
	printf("%s: rounds 2 to %d: maps %+ld, rss %+ld kB, heap in use %+ld kB\n",
	       name, ROUNDS, last.maps - first.maps, last.rss_kb - first.rss_kb,
	       (long)last.heap_used_kb - (long)first.heap_used_kb);
	CHECK(last.maps - first.maps <= MAPS_SLACK, "%s: mappings leak", name);
	CHECK(last.rss_kb - first.rss_kb <= RSS_SLACK_KB, "%s: memory leaks", name);
}

static void lifted(const char *name)
{
	struct attempt a = create_until_failure(NULL, 64, 1);
	printf("%s: limit lifted: %d threads created%s\n", name, a.created,
	       a.failed ? ", then a failure" : "");
	CHECK(a.created == 64 && !a.failed, "%s: creates fail after the limit is lifted", name);
}

static int report(const char *name, int r, struct attempt a)
{
	if (r == 0)
		printf("%s: threads created before the first failure: %d; error %s\n",
		       name, a.created, a.failed ? strerrorname_np(a.first_error) : "none");
	CHECK(a.failed > 0, "%s: round %d: no create failed", name, r);
	CHECK(a.other_errors == 0, "%s: round %d: pthread_create returned %s, not EAGAIN",
	      name, r, strerrorname_np(a.first_error));
	return a.failed > 0;
}

/* ---- RLIMIT_AS ---- */

static int as_round(int r)
{
	struct rlimit old, low;
	getrlimit(RLIMIT_AS, &old);
	low = old;
	/* Room for a few default (8 MiB) stacks, not for MAX_THREADS. */
	low.rlim_cur = (status_field("/proc/self/status", "VmSize") + 48 * 1024) * 1024;
	setrlimit(RLIMIT_AS, &low);
	struct attempt a = create_until_failure(NULL, MAX_THREADS, 8);
	setrlimit(RLIMIT_AS, &old);
	return report("as", r, a);
}

/* ---- RLIMIT_NPROC ---- */

/* Tasks (threads included) whose real uid is uid: what RLIMIT_NPROC counts. */
static long tasks_of(uid_t uid)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	long n = 0;
	while (d && (e = readdir(d))) {
		char path[300];
		snprintf(path, sizeof path, "/proc/%s/status", e->d_name);
		if (status_field(path, "Uid") == (long)uid)
			n += status_field(path, "Threads");
	}
	if (d)
		closedir(d);
	return n;
}

static int nproc_round(int r)
{
	struct rlimit old, low;
	getrlimit(RLIMIT_NPROC, &old);
	low = old;
	low.rlim_cur = tasks_of(getuid()) + 20;
	setrlimit(RLIMIT_NPROC, &low);
	struct attempt a = create_until_failure(NULL, MAX_THREADS, 8);
	setrlimit(RLIMIT_NPROC, &old);
	return report("nproc", r, a);
}

static int run_nproc(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (getuid() == 0 &&
		    (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		     setresuid(65534, 65534, 65534))) {
			perror("dropping to nobody");
			_exit(2);
		}
		printf("nproc: running as uid %d\n", (int)getuid());
		rounds("nproc", nproc_round);
		lifted("nproc");
		fflush(stdout);
		_exit(failures ? 1 : 0);
	}
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

/* ---- seccomp user notification ---- */

enum { SYS_NONE, SYS_CLONE, SYS_MMAP };
struct arm {
	int sys;	/* SYS_CLONE (clone or clone3) or SYS_MMAP */
	int nth;	/* fail the nth such call from now on, once */
	int error;
};
static int control = -1;	/* the child's end of the control socket */

static void arm(int sys, int nth, int error)
{
	struct arm a = { sys, nth, error };
	char ack;
	if (write(control, &a, sizeof a) != sizeof a || read(control, &ack, 1) != 1)
		abort();
}

static int seccomp_filter_notify(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mmap, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
	};
	struct sock_fprog prog = { sizeof f / sizeof *f, f };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		       SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
}

static void send_fd(int sock, int fd)
{
	char buf[CMSG_SPACE(sizeof fd)] = { 0 }, byte = 0;
	struct iovec io = { &byte, 1 };
	struct msghdr msg = { .msg_iov = &io, .msg_iovlen = 1,
			      .msg_control = buf, .msg_controllen = sizeof buf };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof fd);
	memcpy(CMSG_DATA(c), &fd, sizeof fd);
	if (sendmsg(sock, &msg, 0) != 1)
		abort();
}

static int recv_fd(int sock)
{
	char buf[CMSG_SPACE(sizeof(int))], byte;
	struct iovec io = { &byte, 1 };
	struct msghdr msg = { .msg_iov = &io, .msg_iovlen = 1,
			      .msg_control = buf, .msg_controllen = sizeof buf };
	int fd = -1;
	if (recvmsg(sock, &msg, 0) == 1 && CMSG_FIRSTHDR(&msg))
		memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof fd);
	return fd;
}

/* The parent: answers every notified system call until the child hangs up. */
static void supervise(int sock, int listener)
{
	struct arm armed = { SYS_NONE, 0, 0 };
	int seen = 0;
	struct seccomp_notif *req = calloc(1, 4096);
	struct seccomp_notif_resp resp;
	for (;;) {
		struct pollfd p[2] = { { sock, POLLIN, 0 }, { listener, POLLIN, 0 } };
		if (poll(p, 2, -1) < 0)
			continue;
		if (p[0].revents) {
			if (read(sock, &armed, sizeof armed) != sizeof armed)
				return;		/* the child is done */
			seen = 0;
			if (write(sock, "", 1) != 1)
				return;
		}
		if (!(p[1].revents & POLLIN))
			continue;
		memset(req, 0, sizeof *req);
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, req))
			continue;	/* the caller went away meanwhile */
		int sys = req->data.nr == __NR_mmap ? SYS_MMAP : SYS_CLONE;
		memset(&resp, 0, sizeof resp);
		resp.id = req->id;
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		if (armed.sys == sys && ++seen == armed.nth) {
			resp.flags = 0;
			resp.error = -armed.error;
		}
		ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	}
}

static pthread_attr_t big_stack;
static int seccomp_round(int sys, int nth, const char *name, int r)
{
	char label[64];
	snprintf(label, sizeof label, "seccomp %s #%d", name, nth);
	arm(sys, nth, sys == SYS_CLONE ? EAGAIN : ENOMEM);
	/* 8 creates at most: the armed call comes among the first few.  The
	 * fault is one-shot, so after it creates succeed again. */
	struct attempt a = create_until_failure(sys == SYS_MMAP ? &big_stack : NULL,
						nth + 4, 4);
	arm(SYS_NONE, 0, 0);
	CHECK(a.failed == 1, "%s: %d creates failed, not one", label, a.failed);
	return report(label, r, a);
}

static int clone_round(int r) { return seccomp_round(SYS_CLONE, 1 + r % 3, "clone", r); }
static int mmap_round(int r) { return seccomp_round(SYS_MMAP, 1 + r % 3, "mmap", r); }

static int run_seccomp(void)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return 2;
	pid_t pid = fork();
	if (pid == 0) {
		close(sv[0]);
		control = sv[1];
		int listener = seccomp_filter_notify();
		if (listener < 0) {
			perror("seccomp");
			_exit(2);
		}
		send_fd(control, listener);
		close(listener);
		/* Stacks larger than the stack caches keep (40 MiB in both
		 * libraries), so every create maps a fresh one. */
		pthread_attr_init(&big_stack);
		pthread_attr_setstacksize(&big_stack, 48 << 20);
		rounds("seccomp clone", clone_round);
		rounds("seccomp mmap", mmap_round);
		lifted("seccomp");
		fflush(stdout);
		_exit(failures ? 1 : 0);
	}
	close(sv[1]);
	int listener = recv_fd(sv[0]);
	if (listener < 0)
		return 2;
	supervise(sv[0], listener);
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	which_print();
	if (argc == 2 && !strcmp(argv[1], "as")) {
		rounds("as", as_round);
		lifted("as");
	} else if (argc == 2 && !strcmp(argv[1], "nproc")) {
		return run_nproc();
	} else if (argc == 2 && !strcmp(argv[1], "seccomp")) {
		return run_seccomp();
	} else {
		return 2;
	}
	return failures ? 1 : 0;
}
