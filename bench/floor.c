/* SPDX-License-Identifier: MIT */
/* The floor: spawn_bench's workloads on threads made with nothing but the
 * clone system call, so the kernel's own cost of a thread shows.
 *
 * The flags are the ones a POSIX thread library passes; stacks come from
 * one mapping made at start; there is no signal masking, no robust list,
 * no TLS set-up.  CLONE_SETTLS still has to name a thread pointer: each
 * slot has a block whose first word points to itself.  Joining is a wait
 * on the tid word the kernel clears and wakes (a shared futex, as the
 * kernel's wake-up is not private).
 *
 * Built with FLOOR_RSEQ (spawn_floor_rseq, "floor+rseq"), each thread
 * also registers its rseq area first, as glibc's start_thread does and as
 * a thread running glibc's code must (glibc reads the area: sched_getcpu,
 * and its rseq critical sections): at the thread pointer plus
 * __rseq_offset, 32 bytes, glibc's signature.  That is the floor a
 * glibc-compatible thread can reach; the plain floor registers nothing. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/futex.h>
#ifdef FLOOR_RSEQ
#include <linux/rseq.h>
/* glibc's (2.35 on; weak: older releases register no area, and then
 * neither does the floor). */
extern const ptrdiff_t __rseq_offset __attribute__((weak));
extern const unsigned int __rseq_size __attribute__((weak));
#define RSEQ_SIG 0x53053053	/* glibc's signature on x86_64 */
#define FLOOR_NAME "floor+rseq"
#else
#define FLOOR_NAME "floor"
#endif
#include "spawn.h"

#ifndef __x86_64__
#error "the floor's thread entry is written for x86_64"
#endif

#define FLOOR_CLONE_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | \
	CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | \
	CLONE_CHILD_CLEARTID)
#define SLOTS 1024			/* live threads at most: a burst + 2 */
#define SLOT_SIZE (8UL << 20)		/* glibc's default stack, 8 MiB limit */

/* Each slot's thread block: BELOW bytes below its thread pointer, ABOVE
 * from it on.  Workload code in a thread touches no TLS, except that a
 * libc call failing would store errno a little below the thread pointer:
 * the bytes below take such a store.  At the thread pointer, the self
 * pointer; with FLOOR_RSEQ, the rseq area at __rseq_offset, above (glibc
 * until 2.40, in struct pthread) or below it (since, in the static TLS). */
#define BELOW 4096
#define ABOVE 4096
static char *blocks;			/* SLOTS blocks of BELOW + ABOVE */

static char *stack_area;		/* SLOTS regions of SLOT_SIZE */
static size_t sized_stack;		/* spawn_set_stack's size */
static struct {
	_Atomic int tid;		/* set by clone, cleared at exit */
	spawn_fn fn;			/* FLOOR_RSEQ: what the thread runs */
	void *arg;
} __attribute__((aligned(64))) slot[SLOTS];

static char *thread_pointer(int i)
{
	return blocks + (size_t)i * (BELOW + ABOVE) + BELOW;
}

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

#ifdef FLOOR_RSEQ
static int rseq_on;	/* glibc registers an area: so does the floor */

/* The thread's first C frame: register the area, as glibc does in each
 * thread it starts (a failure leaves cpu_id saying so, as glibc does). */
static void *rseq_start(void *p)
{
	int i = (int)(intptr_t)p;
	struct rseq *area = (struct rseq *)(thread_pointer(i) + __rseq_offset);
	if (rseq_on && syscall(SYS_rseq, area, 32, 0, RSEQ_SIG))
		area->cpu_id = RSEQ_CPU_ID_REGISTRATION_FAILED;
	return slot[i].fn(slot[i].arg);
}
#endif

static void *map(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK,
		       -1, 0);
	if (p == MAP_FAILED) {
		perror("floor: mmap");
		exit(2);
	}
	return p;
}

void spawn_init(void)
{
	stack_area = map(SLOTS * SLOT_SIZE);
	blocks = map(SLOTS * (BELOW + ABOVE));
	for (int i = SLOTS; i-- > 0;) {
		free_slots[nfree++] = i;
		*(void **)thread_pointer(i) = thread_pointer(i);
	}

	/* The bytes below must cover where errno lives below a thread
	 * pointer, the bytes above the rseq area. */
	char *tp;
	__asm__ ("mov %%fs:0, %0" : "=r"(tp));
	long off = (char *)&errno - tp;
	if (off >= 0 || off < -BELOW) {
		fprintf(stderr, "floor: errno at tp%+ld, outside the padding\n",
			off);
		exit(2);
	}
#ifdef FLOOR_RSEQ
	rseq_on = &__rseq_size && __rseq_size;
	if (rseq_on && (__rseq_offset < -BELOW || __rseq_offset + 32 > ABOVE ||
	    (__rseq_offset < (long)sizeof(void *) && __rseq_offset + 32 > 0) ||
	    __rseq_offset % 32)) {
		fprintf(stderr, "floor+rseq: rseq area at tp%+td, outside the "
			"block\n", __rseq_offset);
		exit(2);
	}
	if (rseq_on)
		printf("# floor+rseq: bare clone, rseq registered (%u bytes used "
		       "at tp%+td)\n", __rseq_size, __rseq_offset);
	else
		printf("# floor+rseq: this glibc registers no rseq area: the "
		       "bare floor\n");
#else
	printf("# floor: bare clone, no library\n");
#endif
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
#ifdef FLOOR_RSEQ
	slot[i].fn = fn;
	slot[i].arg = arg;
	fn = rseq_start;
	arg = (void *)(intptr_t)i;
#endif
	*--sp = arg;
	*--sp = (void *)fn;
	long ret = floor_clone(FLOOR_CLONE_FLAGS, sp, &slot[i].tid,
			       &slot[i].tid, thread_pointer(i));
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
