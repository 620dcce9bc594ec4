/* SPDX-License-Identifier: MIT */
/* A module whose object asks for an executable stack (linked with
 * -z execstack): glibc's dlopen of it makes the main thread's stack
 * executable, from the page holding __libc_stack_end down, which splits
 * the stack's mapping there. */
int tst_execstack_marker(void)
{
	return 1;
}
