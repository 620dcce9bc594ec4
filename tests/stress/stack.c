/* SPDX-License-Identifier: MIT */
/* Usable stack: for each stack size S, a thread created with S writes
 * downwards from its start routine's frame until it faults in the guard
 * page (caught on an alternate signal stack), and prints how many bytes
 * it could use.  A program sized for glibc must fit as well under another
 * thread library: the test compares these numbers between the two. */
#define _GNU_SOURCE
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "../programs/which.h"

static __thread sigjmp_buf probe_done;
static __thread uintptr_t fault_addr;

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
	fault_addr = (uintptr_t)si->si_addr;
	siglongjmp(probe_done, 1);
}

static void *probe(void *arg)
{
	size_t *usable = arg;
	stack_t alt = { .ss_sp = malloc(1 << 16), .ss_size = 1 << 16 };
	sigaltstack(&alt, NULL);
	uintptr_t top = (uintptr_t)__builtin_frame_address(0);
	if (!sigsetjmp(probe_done, 1)) {
		/* Below the stack pointer: this frame's callees are not
		 * running, so nothing else lives there. */
		for (volatile char *p = (char *)top - 256;; p -= 16)
			*p = 1;
	}
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t lowest = (fault_addr | (page - 1)) + 1;
	*usable = top - lowest;
	alt.ss_flags = SS_DISABLE;
	sigaltstack(&alt, NULL);
	free(alt.ss_sp);
	return NULL;
}

int main(void)
{
	const size_t sizes[] = { PTHREAD_STACK_MIN, 20000, 65536, 131072,
					1 << 20 };
	struct sigaction sa = { .sa_sigaction = on_segv,
				.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER };
	sigaction(SIGSEGV, &sa, NULL);
	which_print();
	for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		pthread_attr_t a;
		pthread_t t;
		size_t usable = 0;
		pthread_attr_init(&a);
		pthread_attr_setstacksize(&a, sizes[i]);
		if (pthread_create(&t, &a, probe, &usable)) {
			printf("stack %zu: pthread_create failed\n", sizes[i]);
			return 1;
		}
		pthread_join(t, NULL);
		printf("stack %zu: usable %zu\n", sizes[i], usable);
	}
	return 0;
}
