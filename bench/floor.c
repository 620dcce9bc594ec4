/* The floor: spawn_bench's workloads on threads made with nothing but the
 * clone system call, so the kernel's own cost of a thread shows.
 *
 * The flags are the ones a POSIX thread library passes; stacks come from
 * one mapping made at start; there is no signal masking, no robust list,
 * no rseq, no TLS set-up.  CLONE_SETTLS still has to name a thread
 * pointer: all floor threads share one static block whose first word
 * points to itself.  Joining is a wait on the tid word the kernel clears
 * and wakes (a shared futex, as the kernel's wake-up is not private). */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/futex.h>
#include "spawn.h"

#ifndef __x86_64__
#error "the floor's thread entry is written for x86_64"
#endif

#define FLOOR_CLONE_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | \
	CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | \
	CLONE_CHILD_CLEARTID)
#define SLOTS 1024			/* live threads at most: a burst + 2 */
#define SLOT_SIZE (8UL << 20)		/* glibc's default stack, 8 MiB limit */

/* The thread pointer of every floor thread.  Workload code in a thread
 * touches no TLS, except that a libc call failing would store errno a
 * little below the thread pointer: the padding takes such a store. */
static struct {
	char below[4096];
	void *tcb[8];
} tls __attribute__((aligned(64)));

static char *stack_area;		/* SLOTS regions of SLOT_SIZE */
static size_t sized_stack;		/* spawn_set_stack's size */
static struct {
	_Atomic int tid;		/* set by clone, cleared at exit */
} __attribute__((aligned(64))) slot[SLOTS];

/* Free slots (a stack: the last stack used is the warmest) and detached
 * threads' slots in creation order, reused once their thread is gone --
 * preferably already gone, as a fresh slot costs page faults.  The lock
 * only matters for two creators; it is never held across a system call. */
static int free_slots[SLOTS], nfree;
static int detached_slots[SLOTS];
static unsigned dhead, dtail;
static atomic_flag lock = ATOMIC_FLAG_INIT;

/* floor_clone(flags, sp, ptid, ctid, tls) is the raw system call.  The
 * child starts on sp, where spawn() put fn and arg, calls fn(arg) and
 * exits the thread; it never comes back into a C frame. */
long floor_clone(unsigned long flags, void *sp, _Atomic int *ptid,
		 _Atomic int *ctid, void *tp) __attribute__((visibility("hidden")));
#define STR_(x) #x
#define STR(x) STR_(x)
__asm__(
	".text\n"
	".globl floor_clone\n"
	".hidden floor_clone\n"
	".type floor_clone, @function\n"
	"floor_clone:\n"
	"	mov %rcx, %r10\n"
	"	mov $" STR(SYS_clone) ", %eax\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jnz 1f\n"
	"	pop %rax\n"
	"	pop %rdi\n"
	"	call *%rax\n"
	"	mov $" STR(SYS_exit) ", %eax\n"
	"	xor %edi, %edi\n"
	"	syscall\n"
	"1:	ret\n"
	".size floor_clone, .-floor_clone\n");

/* A futex wait that cannot touch errno: joins also run in floor threads
 * (two creators). */
static void wait_exited(_Atomic int *tid)
{
	int t;
	while ((t = atomic_load(tid)) != 0) {
		register long r10 __asm__("r10") = 0;
		long ret;
		__asm__ volatile ("syscall"
				  : "=a"(ret)
				  : "0"((long)SYS_futex), "D"(tid),
				    "S"((long)FUTEX_WAIT), "d"((long)t), "r"(r10)
				  : "rcx", "r11", "memory");
	}
}

static void lock_slots(void)
{
	while (atomic_flag_test_and_set_explicit(&lock, memory_order_acquire))
		__builtin_ia32_pause();
}

static void unlock_slots(void)
{
	atomic_flag_clear_explicit(&lock, memory_order_release);
}

static void free_slot(int i)
{
	lock_slots();
	free_slots[nfree++] = i;
	unlock_slots();
}

static int take_slot(void)
{
	int i = -1;
	lock_slots();
	if (dhead != dtail && (!nfree ||
	    !atomic_load(&slot[detached_slots[dhead % SLOTS]].tid)))
		i = detached_slots[dhead++ % SLOTS];
	else if (nfree)
		i = free_slots[--nfree];
	unlock_slots();
	if (i >= 0)
		wait_exited(&slot[i].tid);
	return i;
}

void spawn_init(void)
{
	stack_area = mmap(NULL, SLOTS * SLOT_SIZE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK,
			  -1, 0);
	if (stack_area == MAP_FAILED) {
		perror("floor: mmap");
		exit(2);
	}
	for (int i = SLOTS; i-- > 0;)
		free_slots[nfree++] = i;
	tls.tcb[0] = tls.tcb;

	/* The padding must cover where errno lives below a thread pointer. */
	char *tp;
	__asm__ ("mov %%fs:0, %0" : "=r"(tp));
	long off = (char *)&errno - tp;
	if (off >= 0 || off < -(long)sizeof tls.below) {
		fprintf(stderr, "floor: errno at tp%+ld, outside the padding\n",
			off);
		exit(2);
	}
	printf("# floor: bare clone, no library\n");
}

int spawn_set_stack(size_t size)
{
	if (size < 4096 || size > SLOT_SIZE)
		return EINVAL;
	sized_stack = size & ~(size_t)15;	/* the ABI's stack alignment */
	return 0;
}

int spawn(spawn_t *t, spawn_fn fn, void *arg, int flags)
{
	int i = take_slot();
	if (i < 0)
		return EAGAIN;
	size_t size = flags & SPAWN_SIZED ? sized_stack : SLOT_SIZE;
	void **sp = (void **)(stack_area + i * SLOT_SIZE + size);
	*--sp = arg;
	*--sp = (void *)fn;
	long ret = floor_clone(FLOOR_CLONE_FLAGS, sp, &slot[i].tid,
			       &slot[i].tid, tls.tcb);
	if (ret < 0) {
		free_slot(i);
		return -ret;
	}
	if (flags & SPAWN_DETACHED) {
		lock_slots();
		detached_slots[dtail++ % SLOTS] = i;
		unlock_slots();
	}
	*t = i;
	return 0;
}

void spawn_join(spawn_t t)
{
	wait_exited(&slot[t].tid);
	free_slot(t);
}
