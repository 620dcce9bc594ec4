/* SPDX-License-Identifier: MIT */
/* long ct_clone(fn, stack, flags, arg, ptid, tp, ctid)
 * C:       all on the stack: 8(%ebp) .. 32(%ebp) below
 * kernel:  eax=120(clone) ebx=flags ecx=stack edx=ptid esi=tls edi=ctid
 * CLONE_SETTLS takes a struct user_desc here: the GDT entry that %gs
 * selects (the main thread's, set up by ld.so) with the new thread pointer
 * as its base.  The kernel reads it during the call, so it lives on this
 * frame.  The child starts on `stack' with fn and arg stored there, in
 * child_start below. */
	.text
	.global ct_clone
	.hidden ct_clone
	.type   ct_clone,@function
ct_clone:
	.cfi_startproc
	push	%ebp
	.cfi_adjust_cfa_offset 4
	.cfi_rel_offset %ebp, 0
	mov	%esp, %ebp
	.cfi_def_cfa_register %ebp
	push	%ebx
	.cfi_rel_offset %ebx, -4
	push	%esi
	.cfi_rel_offset %esi, -8
	push	%edi
	.cfi_rel_offset %edi, -12
	/* struct user_desc { entry_number, base_addr, limit, flags } */
	sub	$16, %esp
	mov	%gs, %eax
	shr	$3, %eax
	mov	%eax, (%esp)		/* entry_number: %gs's GDT slot */
	mov	28(%ebp), %eax
	mov	%eax, 4(%esp)		/* base_addr: the thread pointer */
	movl	$0xfffff, 8(%esp)	/* limit: 4 GiB in pages */
	/* seg_32bit | limit_in_pages | useable */
	movl	$0x51, 12(%esp)
	mov	%esp, %esi		/* tls */
	mov	12(%ebp), %ecx		/* stack */
	and	$-16, %ecx
	sub	$16, %ecx
	mov	8(%ebp), %eax
	mov	%eax, 4(%ecx)		/* fn */
	mov	20(%ebp), %eax
	mov	%eax, (%ecx)		/* arg, at the child's (%esp) */
	mov	16(%ebp), %ebx		/* flags */
	mov	24(%ebp), %edx		/* ptid */
	mov	32(%ebp), %edi		/* ctid */
	mov	$120, %eax
	int	$0x80
	test	%eax, %eax
	jz	child_start
	lea	-12(%ebp), %esp
	pop	%edi
	pop	%esi
	pop	%ebx
	pop	%ebp
	.cfi_def_cfa %esp, 4
	ret
	.cfi_endproc
	.size ct_clone, .-ct_clone

/* The child's outermost frame: no return address (for unwinders), no
 * frame pointer chain (for frame-pointer walkers).  fn ends the thread
 * itself; should it return, its value is the exit status.  %esp is
 * 16-byte aligned at the call, as the ABI wants. */
	.type	child_start,@function
child_start:
	.cfi_startproc
	.cfi_undefined eip
	xor	%ebp, %ebp
	call	*4(%esp)		/* fn(arg) */
	mov	%eax, %ebx
	mov	$1, %eax		/* exit */
	int	$0x80
	hlt
	.cfi_endproc
	.size child_start, .-child_start
	.section .note.GNU-stack,"",@progbits
