/* SPDX-License-Identifier: MIT */
/* long ct_clone(fn, stack, flags, arg, ptid, tp, ctid)
 * C:      a0  a1     a2     a3   a4    a5  a6
 * kernel: a7=220(clone) a0=flags a1=stack a2=ptid a3=tls a4=ctid
 * CLONE_SETTLS takes the thread pointer itself.  The child keeps the
 * parent's registers but a0: fn and arg reach child_start in t0, t1. */
	.text
	.global ct_clone
	.hidden ct_clone
	.type   ct_clone,@function
	.p2align 2
ct_clone:
	.cfi_startproc
	mv	t0, a0			/* fn */
	mv	t1, a3			/* arg */
	andi	a1, a1, -16		/* stack */
	mv	a0, a2			/* flags */
	mv	a2, a4			/* ptid */
	mv	a3, a5			/* tls */
	mv	a4, a6			/* ctid */
	li	a7, 220
	ecall
	beqz	a0, child_start
	ret
	.cfi_endproc
	.size ct_clone, .-ct_clone

/* The child's outermost frame: no return address (for unwinders), no
 * frame pointer chain (for frame-pointer walkers).  fn ends the thread
 * itself; should it return, its value is the exit status. */
	.type	child_start,@function
	.p2align 2
child_start:
	.cfi_startproc
	.cfi_undefined ra
	li	fp, 0
	li	ra, 0
	mv	a0, t1
	jalr	t0
	li	a7, 93			/* exit */
	ecall
	unimp
	.cfi_endproc
	.size child_start, .-child_start
	.section .note.GNU-stack,"",@progbits
