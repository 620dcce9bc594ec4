/* set*id in a multi-threaded program: the credentials are per thread in
 * the kernel, and POSIX wants setuid and friends to change the whole
 * process, so the thread library must carry each change to every thread.
 * Workers park; main changes group and user ids; then every worker reads
 * its own ids with the raw system calls (glibc's wrappers would answer
 * from the same thread's view anyway).  As root it drops to nobody; as
 * another user it changes the effective ids to the real ones and back. */
#define _GNU_SOURCE
#include <grp.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "which.h"

enum { WORKERS = 4 };
static pthread_barrier_t parked, changed, reported;
static int wrong;

static void *worker(void *arg)
{
	uid_t want_uid = *(uid_t *)arg;
	pthread_barrier_wait(&parked);
	pthread_barrier_wait(&changed);
	uid_t r, e, s;
	gid_t gr, ge, gs;
	syscall(SYS_getresuid, &r, &e, &s);
	syscall(SYS_getresgid, &gr, &ge, &gs);
	if (e != want_uid || (want_uid == 65534 && (r != 65534 || ge != 65534)))
		__atomic_add_fetch(&wrong, 1, __ATOMIC_SEQ_CST);
	pthread_barrier_wait(&reported);
	return NULL;
}

int main(void)
{
	which_print();
	int root = geteuid() == 0;
	uid_t want = root ? 65534 : getuid();
	pthread_t t[WORKERS];
	pthread_barrier_init(&parked, NULL, WORKERS + 1);
	pthread_barrier_init(&changed, NULL, WORKERS + 1);
	pthread_barrier_init(&reported, NULL, WORKERS + 1);
	for (int i = 0; i < WORKERS; i++)
		pthread_create(&t[i], NULL, worker, &want);
	pthread_barrier_wait(&parked);
	int e = root ? setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
			       setresuid(65534, 65534, 65534)
		     : seteuid(getuid());
	pthread_barrier_wait(&changed);
	pthread_barrier_wait(&reported);
	for (int i = 0; i < WORKERS; i++)
		pthread_join(t[i], NULL);
	printf("changed the ids: %s\n", e ? "failed" : "yes");
	printf("workers with other ids: %d\n", wrong);
	return e || wrong;
}
