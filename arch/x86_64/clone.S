/* long ct_clone(fn, stack, flags, arg, ptid, tls, ctid)
 * C:      rdi   rsi    rdx    rcx  r8    r9   8(%rsp)
 * kernel: rax=56(clone) rdi=flags rsi=stack rdx=ptid r10=ctid r8=tls
 * The child starts on `stack` with arg pushed there, calls fn(arg) and
 * never returns into the parent's frame: fn ends with exit, and if it did
 * return we exit with its value. */
	.text
	.global ct_clone
	.hidden ct_clone
	.type   ct_clone,@function
ct_clone:
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
	syscall
	test	%eax, %eax
	jnz	1f
	/* child: fresh stack, outermost frame */
	xor	%ebp, %ebp
	pop	%rax			/* fn */
	pop	%rdi			/* arg; %rsp is now 16-byte aligned */
	call	*%rax
	mov	%eax, %edi
	mov	$60, %eax		/* exit */
	syscall
	hlt
1:	ret
	.size ct_clone, .-ct_clone
	.section .note.GNU-stack,"",@progbits
