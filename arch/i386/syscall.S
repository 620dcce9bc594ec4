/* SPDX-License-Identifier: MIT */
/* long ct_syscall(nr, a, b, c, d, e, f): a system call with up to six
 * arguments, returning -errno on failure.
 * C:      all on the stack: 4(%esp) .. 28(%esp) at entry
 * kernel: eax=nr ebx=a ecx=b edx=c esi=d edi=e ebp=f, int $0x80
 * (not the vDSO's entry: the pc a signal finds must be at or just past
 * an `int $0x80' in code with CFI, see arch.h). */
	.text
	.global ct_syscall
	.hidden ct_syscall
	.type   ct_syscall,@function
ct_syscall:
	.cfi_startproc
	push	%ebp
	.cfi_adjust_cfa_offset 4
	.cfi_rel_offset %ebp, 0
	push	%edi
	.cfi_adjust_cfa_offset 4
	.cfi_rel_offset %edi, 0
	push	%esi
	.cfi_adjust_cfa_offset 4
	.cfi_rel_offset %esi, 0
	push	%ebx
	.cfi_adjust_cfa_offset 4
	.cfi_rel_offset %ebx, 0
	mov	20(%esp), %eax
	mov	24(%esp), %ebx
	mov	28(%esp), %ecx
	mov	32(%esp), %edx
	mov	36(%esp), %esi
	mov	40(%esp), %edi
	mov	44(%esp), %ebp
	int	$0x80
	pop	%ebx
	.cfi_adjust_cfa_offset -4
	.cfi_restore %ebx
	pop	%esi
	.cfi_adjust_cfa_offset -4
	.cfi_restore %esi
	pop	%edi
	.cfi_adjust_cfa_offset -4
	.cfi_restore %edi
	pop	%ebp
	.cfi_adjust_cfa_offset -4
	.cfi_restore %ebp
	ret
	.cfi_endproc
	.size ct_syscall, .-ct_syscall
	.section .note.GNU-stack,"",@progbits
