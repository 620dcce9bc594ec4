/* SPDX-License-Identifier: MIT */
/* A program whose static TLS is larger than the stacks it asks for: 160
 * KiB of __thread data, threads with stacks of PTHREAD_STACK_MIN, 44 KiB
 * and 156 KiB, allocated or the program's own.
 *
 * glibc carves a thread's static TLS and descriptor out of the top of its
 * stack, and refuses with EINVAL a stack that cannot hold them and 2 KiB
 * more (nptl/allocatestack.c).  The library puts them beside the stack
 * (src/region.c), so such a thread is made, and gets the whole stack it
 * asked for.  Each implementation's own answer is checked (doc/compat.md,
 * "Where it answers differently from glibc"). */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include "common.h"

#define BIG_TLS (160 << 10)
static __thread unsigned char big_tls[BIG_TLS];

struct job {
	size_t size;		/* the stack asked for */
	size_t reported;	/* pthread_getattr_np's size */
	int ok;
};

/* Uses all of its stack but 4 KiB, and all of its TLS: neither
 * overwrites the other. */
static void *use_both(void *arg)
{
	struct job *j = arg;
	size_t use = j->size - 4096;
	unsigned char *stack = __builtin_alloca(use);
	memset(stack, 0xa5, use);
	memset(big_tls, 0x5a, sizeof big_tls);
	pthread_attr_t a;
	void *addr;
	if (pthread_getattr_np(pthread_self(), &a) == 0) {
		pthread_attr_getstack(&a, &addr, &j->reported);
		pthread_attr_destroy(&a);
	}
	j->ok = 1;
	for (size_t i = 0; i < use; i++)
		j->ok &= stack[i] == 0xa5;
	for (size_t i = 0; i < sizeof big_tls; i++)
		j->ok &= big_tls[i] == 0x5a;
	return NULL;
}

static size_t stack_size(int i)
{
	size_t min = sysconf(_SC_THREAD_STACK_MIN);
	size_t sizes[] = { min, 44 << 10, BIG_TLS - (4 << 10) };
	return sizes[i] < min ? min : sizes[i];
}

/* _i: the stack size; user: the program's own stack (pthread_attr_setstack). */
static void create_small(int i, int user)
{
	size_t size = stack_size(i);
	ck_assert_uint_lt(size, BIG_TLS);
	pthread_attr_t a;
	ck_assert_int_eq(pthread_attr_init(&a), 0);
	void *mem = NULL;
	if (user) {
		mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
		ck_assert_ptr_ne(mem, MAP_FAILED);
		ck_assert_int_eq(pthread_attr_setstack(&a, mem, size), 0);
	} else {
		ck_assert_int_eq(pthread_attr_setstacksize(&a, size), 0);
	}
	struct job j = { .size = size };
	pthread_t th;
	int r = pthread_create(&th, &a, use_both, &j);
	pthread_attr_destroy(&a);
	if (tst_test_glibc()) {
		ck_assert_msg(r == EINVAL, "glibc made a thread with a %zu-byte "
			      "stack and %d bytes of static TLS: %d", size,
			      BIG_TLS, r);
	} else {
		ck_assert_msg(r == 0, "no thread with a %zu-byte stack: %s",
			      size, strerror(r));
		ck_assert_int_eq(pthread_join(th, NULL), 0);
		ck_assert_msg(j.ok, "stack of %zu: stack or TLS overwritten",
			      size);
		ck_assert_uint_eq(j.reported, size);
	}
	if (mem)
		munmap(mem, size);
}

START_TEST(stack_below_static_tls)
{
	create_small(_i, 0);
}
END_TEST

START_TEST(user_stack_below_static_tls)
{
	create_small(_i, 1);
}
END_TEST

TST_SUITE(bigtls_suite)
{
	Suite *s = suite_create("bigtls");
	TCase *tc = tcase_create("bigtls");
	tcase_add_loop_test(tc, stack_below_static_tls, 0, 3);
	tcase_add_loop_test(tc, user_stack_below_static_tls, 0, 3);
	suite_add_tcase(s, tc);
	return s;
}
