/* SPDX-License-Identifier: MIT */
/* long ct_clone(fn, stack, flags, arg, ptid, tls, ctid)
 * C:      rdi   rsi    rdx    rcx  r8    r9   8(%rsp)
 * kernel: rax=56(clone) rdi=flags rsi=stack rdx=ptid r10=ctid r8=tls
 * The child starts on `stack` with fn and arg pushed there, calls fn(arg)
 * and never returns into the parent's frame: fn ends with exit, and if it
 * did return we exit with its value. */
	.text
	.global ct_clone
	.hidden ct_clone
	.type   ct_clone,@function
ct_clone:
	.cfi_startproc
	mov	%rdi, %r11		/* fn */
	mov	%rdx, %rdi		/* flags */
	mov	%r8, %rdx		/* ptid */
	mov	%r9, %r8		/* tls */
	mov	8(%rsp), %r10		/* ctid */
	and	$-16, %rsi
	sub	$16, %rsi
	mov	%rcx, 8(%rsi)		/* arg, popped by the child below */
	mov	%r11, (%rsi)		/* fn */
	mov	$56, %eax
	/* The unwind info above is the parent's: it ends before the child
	 * can run with another stack. */
	.cfi_endproc
	syscall
	test	%eax, %eax
	jz	1f
	ret
1:	/* child: fresh stack, the outermost frame.  Unwinders (gdb, forced
	 * unwinding) stop here: there is no return address. */
	.cfi_startproc
	.cfi_undefined rip
	xor	%ebp, %ebp
	pop	%rax			/* fn */
	pop	%rdi			/* arg; %rsp is now 16-byte aligned */
	call	*%rax
	mov	%eax, %edi
	mov	$60, %eax		/* exit */
	syscall
	hlt
	.cfi_endproc
	.size ct_clone, .-ct_clone
	.section .note.GNU-stack,"",@progbits
