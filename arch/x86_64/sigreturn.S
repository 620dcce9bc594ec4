/* SPDX-License-Identifier: MIT */
/* The return from a signal handler the library installs itself (the raw
 * rt_sigaction needs SA_RESTORER on x86_64).  These exact bytes, and no
 * unwind info, are what libgcc's unwinder and gdb recognise as a signal
 * frame, so forced unwinding from a handler crosses it.  Unwinders look
 * up the byte before a return address: the nop keeps that byte out of
 * any other function's unwind info. */
	.text
	nop
	.global ct_restore_rt
	.hidden ct_restore_rt
	.type   ct_restore_rt,@function
ct_restore_rt:
	mov	$15, %rax		/* rt_sigreturn */
	syscall
	.size ct_restore_rt, .-ct_restore_rt
	.section .note.GNU-stack,"",@progbits
