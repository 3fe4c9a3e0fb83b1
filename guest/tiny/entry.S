/* SPDX-License-Identifier: GPL-2.0 */
/*
 * entry.S - exception entry stubs of the tiny guest kernel.
 *
 * Each stub makes the frame uniform (a zero error code where the CPU pushes
 * none, then the vector), saves the general registers as struct tiny_regs
 * and calls tiny_trap(). The handler may change the saved registers (the
 * copy fixup changes RIP and RAX) before they are restored. #VC and #VE run
 * on the current stack, not an IST one: the lazy-accept handler runs the
 * core, whose own access may raise them again (nested, on top).
 */
#include "tiny_asm.h"

	.text

.macro TRAP_STUB vec
tiny_trap_\vec:
	/* Vectors that push an error code: #DF #TS #NP #SS #GP #PF #AC #CP #VC #SX */
	.if (\vec == 8) || (\vec >= 10 && \vec <= 14) || (\vec == 17) || \
	    (\vec == 21) || (\vec == 29) || (\vec == 30)
	.else
	pushq	$0
	.endif
	pushq	$\vec
	jmp	tiny_trap_common
.endm

.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	TRAP_STUB \v
.endr

/* Any other vector (none is expected: interrupts stay off). */
tiny_trap_other:
	pushq	$0
	pushq	$255
	jmp	tiny_trap_common

tiny_trap_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	cld
	/* The CPU aligned RSP to 16 before the 5-word frame: still aligned. */
	movq	%rsp, %rdi
	call	tiny_trap
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	addq	$16, %rsp
	iretq

/*
 * int tiny_setjmp(struct tiny_jmp *j), void tiny_longjmp(struct tiny_jmp *j):
 * the KTAP harness's way out of a failed test, as unit.h's longjmp. Saved:
 * the callee-saved registers, the stack pointer after the return, and the
 * return address; tiny_setjmp() then returns 1.
 */
	.globl tiny_setjmp, tiny_longjmp
tiny_setjmp:
	movq	%rbx, 0(%rdi)
	movq	%rbp, 8(%rdi)
	movq	%r12, 16(%rdi)
	movq	%r13, 24(%rdi)
	movq	%r14, 32(%rdi)
	movq	%r15, 40(%rdi)
	leaq	8(%rsp), %rax
	movq	%rax, 48(%rdi)
	movq	(%rsp), %rax
	movq	%rax, 56(%rdi)
	xorl	%eax, %eax
	ret

tiny_longjmp:
	movq	0(%rdi), %rbx
	movq	8(%rdi), %rbp
	movq	16(%rdi), %r12
	movq	24(%rdi), %r13
	movq	32(%rdi), %r14
	movq	40(%rdi), %r15
	movq	48(%rdi), %rsp
	movl	$1, %eax
	jmpq	*56(%rdi)

	.section .rodata
	.balign 8
	.globl tiny_trap_stubs, tiny_trap_stub_other
tiny_trap_stubs:
.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad	tiny_trap_\v
.endr
tiny_trap_stub_other:
	.quad	tiny_trap_other

	.section .note.GNU-stack, "", @progbits
