/* SPDX-License-Identifier: MIT */
/* The main thread's first frame of ours.  Programs enter main through
 * glibc's __libc_start_main, which this interposes to put an outermost
 * unwind buffer below main, as pthread_create does for its threads:
 * cancelling main, or pthread_exit in it, ends there -- and the process
 * only with its last thread.  Unwinding would otherwise reach glibc's own
 * buffer, whose exit path ends the whole process. */
#include "cancel.h"
#include "reuse.h"
#include "glibc.h"

static int (*program_main)(int, char **, char **);

static int main_thread(int argc, char **argv, char **envp)
{
	struct ct_thread *t = ct_self();
	struct ct_unwind_buf buf;
	t->result = PTHREAD_CANCELED;
	if (!ct_setjmp(buf.cancel_jmp_buf, 0)) {
		ct_unwind_outermost(&buf);
		return program_main(argc, argv, envp);
	}
	t = ct_self();	/* locals are not kept across the longjmp */
	ct_thread_exit(t, t->result);
}

int __libc_start_main(int (*main)(int, char **, char **), int argc,
		      char **argv, void (*init)(void), void (*fini)(void),
		      void (*rtld_fini)(void), void *stack_end)
{
	ct_self();	/* the library is initialised */
	/* A process whose first caller was too early to see the
	 * environment (a .preinit_array entry) reads it now. */
	ct_reuse_from_env();
	program_main = main;
	return ct_glibc_call.libc_start_main(main_thread, argc, argv, init,
					     fini, rtld_fini, stack_end);
}
