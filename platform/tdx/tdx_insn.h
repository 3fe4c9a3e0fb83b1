/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tdx_insn.h - raw SEAMCALL and TDCALL wrappers.
 *
 * Only the instructions: no policy, no retries, no error translation. Each
 * wrapper returns the RAX status unchanged, so the callers compare against
 * the same TDX_* codes (tdx_abi.h) as the Secure-EPT model (sept_model.h).
 *
 * Register convention (TDX module ABI): RAX holds the leaf on entry and the
 * status on return; the operands are in RCX, RDX, R8, R9 and up, and some
 * leaves return values in them (REMOVE returns the page in RCX; a refused
 * Secure-EPT call returns the entry and its level in RCX and RDX). A
 * GPA-and-level operand is the GPA with the level in bits 2:0.
 *
 * The opcodes are emitted as bytes so that old assemblers work. Each byte
 * string is a named macro, and each asm statement starts with
 * TDX_INSN_MARK(name), by default an assembler comment naming the
 * instruction: the unit test defines it to a label and checks the bytes
 * the compiler really emitted.
 */
#ifndef CCMEM_TDX_INSN_H
#define CCMEM_TDX_INSN_H

#include "../include/ccmem_compat.h"
#include "tdx_abi.h"

/* Host, VMX root: SEAMCALL (RAX = leaf). */
#define TDX_INSN_SEAMCALL	".byte 0x66, 0x0f, 0x01, 0xcf\n\t"
/* Guest TD: TDCALL (RAX = leaf). */
#define TDX_INSN_TDCALL		".byte 0x66, 0x0f, 0x01, 0xcc\n\t"

#ifndef TDX_INSN_MARK
#define TDX_INSN_MARK(name)	"# " #name "\n\t"
#endif

/* A GPA-and-level operand: the GPA with the Secure-EPT level in 2:0. */
#define TDX_PAGE_INFO(gpa, level)	((u64)(gpa) | ((u64)(level) & 7ULL))

/*
 * TDG.VP.VMCALL RCX: the registers the guest exposes to the host, one bit
 * per register number (R10 = bit 10 ... R15 = bit 15).
 */
#define TDX_VMCALL_EXPOSE_R10_R15	0xfc00ULL

/**
 * struct tdx_insn_args - the operand registers of one SEAMCALL or TDCALL.
 * @rcx:	RCX in and out.
 * @rdx:	RDX in and out.
 * @r8:		R8 in and out.
 * @r9:		R9 in and out.
 * @r10:	R10 in and out.
 * @r11:	R11 in and out.
 */
struct tdx_insn_args {
	u64 rcx;
	u64 rdx;
	u64 r8;
	u64 r9;
	u64 r10;
	u64 r11;
};

/**
 * struct tdx_vmcall_args - the registers of one TDG.VP.VMCALL (GHCI).
 * @r10:	0 for a GHCI call in; the TDG.VP.VMCALL status out.
 * @r11:	the sub-function in (TDVMCALL_*); a result out.
 * @r12:	argument / result.
 * @r13:	argument / result.
 * @r14:	argument / result.
 * @r15:	argument / result.
 */
struct tdx_vmcall_args {
	u64 r10;
	u64 r11;
	u64 r12;
	u64 r13;
	u64 r14;
	u64 r15;
};

#ifdef __x86_64__

/*
 * One SEAMCALL (@tdcall false) or TDCALL (@tdcall true) with the operands
 * in @a. @tdcall is a constant at every caller, so only one instruction
 * (and one TDX_INSN_MARK label) is emitted per caller.
 */
static inline u64 tdx_insn_call(bool tdcall, u64 leaf, struct tdx_insn_args *a)
{
	register u64 r8 asm("r8") = a->r8;
	register u64 r9 asm("r9") = a->r9;
	register u64 r10 asm("r10") = a->r10;
	register u64 r11 asm("r11") = a->r11;
	u64 rax = leaf, rcx = a->rcx, rdx = a->rdx;

	if (tdcall)
		asm volatile(TDX_INSN_MARK(tdcall) TDX_INSN_TDCALL
			     : "+a" (rax), "+c" (rcx), "+d" (rdx), "+r" (r8),
			       "+r" (r9), "+r" (r10), "+r" (r11)
			     : : "memory", "cc");
	else
		asm volatile(TDX_INSN_MARK(seamcall) TDX_INSN_SEAMCALL
			     : "+a" (rax), "+c" (rcx), "+d" (rdx), "+r" (r8),
			       "+r" (r9), "+r" (r10), "+r" (r11)
			     : : "memory", "cc");
	a->rcx = rcx;
	a->rdx = rdx;
	a->r8 = r8;
	a->r9 = r9;
	a->r10 = r10;
	a->r11 = r11;
	return rax;
}

/**
 * tdx_seamcall() - SEAMCALL leaf @leaf with the operands in @a.
 * @leaf:	the leaf (TDH_*).
 * @a:		operands in, the registers the module returned out.
 *
 * Return: the RAX status.
 */
static inline u64 tdx_seamcall(u64 leaf, struct tdx_insn_args *a)
{
	return tdx_insn_call(false, leaf, a);
}

/**
 * tdx_tdcall() - TDCALL leaf @leaf with the operands in @a.
 * @leaf:	the leaf (TDG_*).
 * @a:		operands in, the registers the module returned out.
 *
 * Return: the RAX status.
 */
static inline u64 tdx_tdcall(u64 leaf, struct tdx_insn_args *a)
{
	return tdx_insn_call(true, leaf, a);
}

/**
 * tdx_vmcall() - TDG.VP.VMCALL exposing R10-R15 to the host.
 * @a:		R10-R15 in, as the host left them out.
 *
 * RAX = TDG_VP_VMCALL (0), RCX = the expose mask; the host sees and may
 * write R10-R15 only. Return: the TDCALL status in RAX (the GHCI status is
 * in @a->r10).
 */
static inline u64 tdx_vmcall(struct tdx_vmcall_args *a)
{
	register u64 r10 asm("r10") = a->r10;
	register u64 r11 asm("r11") = a->r11;
	register u64 r12 asm("r12") = a->r12;
	register u64 r13 asm("r13") = a->r13;
	register u64 r14 asm("r14") = a->r14;
	register u64 r15 asm("r15") = a->r15;
	u64 rax = TDG_VP_VMCALL, rcx = TDX_VMCALL_EXPOSE_R10_R15;

	asm volatile(TDX_INSN_MARK(vmcall) TDX_INSN_TDCALL
		     : "+a" (rax), "+c" (rcx), "+r" (r10), "+r" (r11),
		       "+r" (r12), "+r" (r13), "+r" (r14), "+r" (r15)
		     :
		     : "memory", "cc");
	a->r10 = r10;
	a->r11 = r11;
	a->r12 = r12;
	a->r13 = r13;
	a->r14 = r14;
	a->r15 = r15;
	return rax;
}

/**
 * tdx_accept_page() - TDG.MEM.PAGE.ACCEPT.
 * @gpa:	the GPA, aligned to @level.
 * @level:	TDX_LEVEL_4K or TDX_LEVEL_2M.
 *
 * Return: the RAX status (TDX_SUCCESS, PAGE_ALREADY_ACCEPTED | level,
 * PAGE_SIZE_MISMATCH | level, OPERAND_BUSY, OPERAND_INVALID).
 */
static inline u64 tdx_accept_page(u64 gpa, int level)
{
	struct tdx_insn_args a = { .rcx = TDX_ACCEPT_RCX(gpa, (u64)level) };

	return tdx_tdcall(TDG_MEM_PAGE_ACCEPT, &a);
}

/*
 * The host leaves ccmem issues. @tdr is the TD's TDR page (physical
 * address, RDX); a GPA-and-level operand goes in RCX; a page in R8.
 */

/** tdx_mr_finalize() - TDH.MR.FINALIZE (RCX = TDR). */
static inline u64 tdx_mr_finalize(u64 tdr)
{
	struct tdx_insn_args a = { .rcx = tdr };

	return tdx_seamcall(TDH_MR_FINALIZE, &a);
}

/** tdx_mem_track() - TDH.MEM.TRACK (RCX = TDR). */
static inline u64 tdx_mem_track(u64 tdr)
{
	struct tdx_insn_args a = { .rcx = tdr };

	return tdx_seamcall(TDH_MEM_TRACK, &a);
}

/**
 * tdx_mem_page_add() - TDH.MEM.PAGE.ADD: RCX = GPA (4K), RDX = TDR,
 * R8 = the TD page, R9 = the source page.
 * @tdr:	TDR.
 * @gpa:	4 KiB aligned GPA.
 * @page:	physical address of the new TD page.
 * @source:	physical address of the content to copy in.
 */
static inline u64 tdx_mem_page_add(u64 tdr, u64 gpa, u64 page, u64 source)
{
	struct tdx_insn_args a = {
		.rcx = TDX_PAGE_INFO(gpa, TDX_LEVEL_4K), .rdx = tdr,
		.r8 = page, .r9 = source,
	};

	return tdx_seamcall(TDH_MEM_PAGE_ADD, &a);
}

/**
 * tdx_mem_gpa_call() - a Secure-EPT leaf whose operands are the GPA and
 * level (RCX), the TDR (RDX) and optionally a page (R8): PAGE.AUG,
 * SEPT.ADD, PAGE.DEMOTE with a page; RANGE.BLOCK, RANGE.UNBLOCK,
 * SEPT.REMOVE without (@page 0).
 * @leaf:	TDH_MEM_*.
 * @tdr:	TDR.
 * @gpa:	GPA aligned to @level.
 * @level:	the Secure-EPT level.
 * @page:	the page operand (R8), or 0.
 * @out:	RCX and RDX as returned (the entry and level on an error), or
 *		NULL.
 */
static inline u64 tdx_mem_gpa_call(u64 leaf, u64 tdr, u64 gpa, int level,
				   u64 page, struct tdx_insn_args *out)
{
	struct tdx_insn_args a = {
		.rcx = TDX_PAGE_INFO(gpa, level), .rdx = tdr, .r8 = page,
	};
	u64 ret = tdx_seamcall(leaf, &a);

	if (out)
		*out = a;
	return ret;
}

/**
 * tdx_mem_page_remove() - TDH.MEM.PAGE.REMOVE: RCX = GPA and level,
 * RDX = TDR; the removed page comes back in RCX.
 * @tdr:	TDR.
 * @gpa:	GPA aligned to @level.
 * @level:	TDX_LEVEL_4K or TDX_LEVEL_2M.
 * @page:	out: the physical address of the removed page, on success.
 */
static inline u64 tdx_mem_page_remove(u64 tdr, u64 gpa, int level, u64 *page)
{
	struct tdx_insn_args a = { .rcx = TDX_PAGE_INFO(gpa, level), .rdx = tdr };
	u64 ret = tdx_seamcall(TDH_MEM_PAGE_REMOVE, &a);

	if (ret == TDX_SUCCESS)
		*page = a.rcx;
	return ret;
}

#endif /* __x86_64__ */

#endif /* CCMEM_TDX_INSN_H */
