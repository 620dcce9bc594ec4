/* SPDX-License-Identifier: MIT */
/* long ct_clone(fn, stack, flags, arg, ptid, tp, ctid)
 * C:      x0  x1     x2     x3   x4    x5  x6
 * kernel: x8=220(clone) x0=flags x1=stack x2=ptid x3=tls x4=ctid
 * CLONE_SETTLS takes the thread pointer itself.  The child keeps the
 * parent's registers but x0: fn and arg reach child_start in x10, x11. */
	.text
	.global ct_clone
	.hidden ct_clone
	.type   ct_clone,%function
	.p2align 2
ct_clone:
	.cfi_startproc
	mov	x10, x0			/* fn */
	mov	x11, x3			/* arg */
	and	x1, x1, #-16		/* stack */
	mov	x0, x2			/* flags */
	mov	x2, x4			/* ptid */
	mov	x3, x5			/* tls */
	mov	x4, x6			/* ctid */
	mov	x8, #220
	svc	#0
	cbz	x0, child_start
	ret
	.cfi_endproc
	.size ct_clone, .-ct_clone

/* The child's outermost frame: no return address (for unwinders), no
 * frame record chain (for frame-pointer walkers).  fn ends the thread
 * itself; should it return, its value is the exit status. */
	.type	child_start,%function
	.p2align 2
child_start:
	.cfi_startproc
	.cfi_undefined x30
	mov	x29, #0
	mov	x30, #0
	mov	x0, x11
	blr	x10
	mov	x8, #93			/* exit */
	svc	#0
	brk	#0
	.cfi_endproc
	.size child_start, .-child_start
	.section .note.GNU-stack,"",%progbits
