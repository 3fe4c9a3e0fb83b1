/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tiny_insn.h - the guest's platform instructions, as the hardware defines
 * them, written out as bytes so that any assembler takes them:
 *
 *   PVALIDATE  F2 0F 01 FF   RAX = VA, RCX = 0 4K / 1 2M, RDX = 1 validate
 *                            / 0 rescind; out EAX = code, CF = no change
 *   RMPADJUST  F3 0F 01 FE   RAX = VA, RCX = size, RDX = attributes;
 *                            out EAX = code
 *   VMGEXIT    F3 0F 01 D9   (REP VMMCALL) the GHCB MSR says what to do
 *   TDCALL     66 0F 01 CC   RAX = leaf; out RAX = status
 *
 * Only the ops of plat.c and the platform tests use these; the core goes
 * through struct ga_env_ops.
 */
#ifndef CCMEM_TINY_INSN_H
#define CCMEM_TINY_INSN_H

#include "../../platform/include/ccmem_compat.h"

static inline u32 tiny_pvalidate(u64 va, u32 huge, u32 validate,
				 bool *no_change)
{
	u64 rax = va;
	bool cf;

	asm volatile(".byte 0xf2, 0x0f, 0x01, 0xff"
		     : "+a" (rax), "=@ccc" (cf)
		     : "c" ((u64)huge), "d" ((u64)validate)
		     : "cc", "memory");
	*no_change = cf;
	return (u32)rax;
}

static inline u32 tiny_rmpadjust(u64 va, u32 huge, u64 attrs)
{
	u64 rax = va;

	asm volatile(".byte 0xf3, 0x0f, 0x01, 0xfe"
		     : "+a" (rax)
		     : "c" ((u64)huge), "d" (attrs)
		     : "cc", "memory");
	return (u32)rax;
}

static inline void tiny_vmgexit(void)
{
	asm volatile(".byte 0xf3, 0x0f, 0x01, 0xd9" : : : "memory");
}

/* TDCALL leaves (TDX module ABI). */
#define TDG_VP_INFO		1
#define TDG_VP_VEINFO_GET	3

/* TDG.VP.VMCALL: R10-R15 go to the host (bitmap in RCX). */
#define TDVMCALL_EXPOSE_R10_R15	0xfc00ULL

/**
 * struct tiny_tdcall - the registers of one TDCALL, in and out.
 */
struct tiny_tdcall {
	u64 rax, rcx, rdx, r8, r9, r10, r11, r12, r13, r14, r15;
};

/*
 * One TDCALL. Every register a leaf may return in is an in/out operand;
 * RBX, RSI, RDI and RBP are never exposed (the VMCALL bitmap leaves them
 * out), so the module keeps them.
 */
static inline u64 tiny_tdcall(struct tiny_tdcall *t)
{
	register u64 r8 asm("r8") = t->r8;
	register u64 r9 asm("r9") = t->r9;
	register u64 r10 asm("r10") = t->r10;
	register u64 r11 asm("r11") = t->r11;
	register u64 r12 asm("r12") = t->r12;
	register u64 r13 asm("r13") = t->r13;
	register u64 r14 asm("r14") = t->r14;
	register u64 r15 asm("r15") = t->r15;
	u64 rax = t->rax, rcx = t->rcx, rdx = t->rdx;

	asm volatile(".byte 0x66, 0x0f, 0x01, 0xcc"
		     : "+a" (rax), "+c" (rcx), "+d" (rdx), "+r" (r8),
		       "+r" (r9), "+r" (r10), "+r" (r11), "+r" (r12),
		       "+r" (r13), "+r" (r14), "+r" (r15)
		     :
		     : "cc", "memory");
	t->rax = rax;
	t->rcx = rcx;
	t->rdx = rdx;
	t->r8 = r8;
	t->r9 = r9;
	t->r10 = r10;
	t->r11 = r11;
	t->r12 = r12;
	t->r13 = r13;
	t->r14 = r14;
	t->r15 = r15;
	return rax;
}

#endif /* CCMEM_TINY_INSN_H */
