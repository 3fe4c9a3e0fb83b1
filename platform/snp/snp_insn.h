/* SPDX-License-Identifier: GPL-2.0 */
/*
 * snp_insn.h - raw SEV-SNP instruction wrappers.
 *
 * Only the instructions: no policy, no retries, no error translation. The
 * host side (rmpupdate, psmash) and the guest side (pvalidate, rmpadjust)
 * both return the EAX code unchanged, so the callers compare against the
 * same *_FAIL_* codes as the software model in rmp_model.h.
 *
 * The opcodes are emitted as bytes so that old assemblers work. Each byte
 * string is a named macro, and each asm statement starts with
 * SNP_INSN_MARK(name), by default an assembler comment naming the
 * instruction: the unit test defines it to a label and checks the bytes
 * the compiler really emitted.
 */
#ifndef CCMEM_SNP_INSN_H
#define CCMEM_SNP_INSN_H

#include "../include/ccmem_compat.h"
#ifdef __KERNEL__
#include <linux/build_bug.h>
#endif

/* Guest: PVALIDATE (RAX = vaddr, ECX = size, EDX = validate). */
#define SNP_INSN_PVALIDATE	".byte 0xf2, 0x0f, 0x01, 0xff\n\t"
/* Guest: RMPADJUST (RAX = vaddr, RCX = size, RDX = attributes). */
#define SNP_INSN_RMPADJUST	".byte 0xf3, 0x0f, 0x01, 0xfe\n\t"
/* Host: RMPUPDATE (RAX = spa, RCX = &struct snp_rmpupdate_desc). */
#define SNP_INSN_RMPUPDATE	".byte 0xf2, 0x0f, 0x01, 0xfe\n\t"
/* Host: PSMASH (RAX = 2 MiB aligned spa). */
#define SNP_INSN_PSMASH		".byte 0xf3, 0x0f, 0x01, 0xff\n\t"

#ifndef SNP_INSN_MARK
#define SNP_INSN_MARK(name)	"# " #name "\n\t"
#endif

/**
 * struct snp_rmpupdate_desc - the 16-byte RMPUPDATE operand (RCX).
 * @gpa:	guest physical address (bits 51:12 used).
 * @assigned:	1 to assign the page to @asid, 0 to return it.
 * @pagesize:	0 for 4 KiB, 1 for 2 MiB.
 * @immutable:	make the entry immutable.
 * @rsvd:	reserved, must be zero.
 * @asid:	owner ASID.
 *
 * The layout is fixed by hardware and has no implicit padding (the unit
 * test checks every offset in userspace).
 */
struct snp_rmpupdate_desc {
	u64 gpa;
	u8 assigned;
	u8 pagesize;
	u8 immutable;
	u8 rsvd;
	u32 asid;
};

#ifdef __KERNEL__
static_assert(sizeof(struct snp_rmpupdate_desc) == 16);
#endif

#ifdef __x86_64__

/**
 * snp_pvalidate() - PVALIDATE one guest page.
 * @vaddr:	guest virtual address of the page.
 * @size_2m:	validate a 2 MiB page instead of a 4 KiB one.
 * @validate:	true to validate, false to rescind.
 * @no_change:	out: rFLAGS.CF, the Validated bit already had that value.
 *
 * Return: the EAX code (PVALIDATE_SUCCESS, _FAIL_INPUT, _FAIL_SIZEMISMATCH).
 */
static inline int snp_pvalidate(unsigned long vaddr, bool size_2m,
				bool validate, bool *no_change)
{
	unsigned int size = size_2m, val = validate;
	u8 cf;
	int rc;

	asm volatile(SNP_INSN_MARK(pvalidate) SNP_INSN_PVALIDATE
		     "setc %[cf]"
		     : [cf] "=qm" (cf), "=a" (rc)
		     : "a" (vaddr), "c" (size), "d" (val)
		     : "memory", "cc");
	*no_change = cf;
	return rc;
}

/**
 * snp_rmpadjust() - RMPADJUST one guest page for a less privileged VMPL.
 * @vaddr:	guest virtual address of the page.
 * @size_2m:	the page is a 2 MiB page.
 * @attrs:	bits 7:0 permissions, bits 15:8 target VMPL, bit 16 VMSA.
 *
 * Return: the EAX code (RMPADJUST_SUCCESS or a RMPADJUST_FAIL_* code).
 */
static inline int snp_rmpadjust(unsigned long vaddr, bool size_2m, u64 attrs)
{
	unsigned long size = size_2m;
	int rc;

	asm volatile(SNP_INSN_MARK(rmpadjust) SNP_INSN_RMPADJUST
		     : "=a" (rc)
		     : "a" (vaddr), "c" (size), "d" (attrs)
		     : "memory", "cc");
	return rc;
}

/**
 * snp_rmpupdate() - RMPUPDATE the RMP entry of one system page.
 * @spa:	system physical address (2 MiB aligned for a 2M @desc).
 * @desc:	the new entry state.
 *
 * Return: the EAX code (RMPUPDATE_SUCCESS or a RMPUPDATE_FAIL_* code).
 */
static inline int snp_rmpupdate(u64 spa, const struct snp_rmpupdate_desc *desc)
{
	int rc;

	asm volatile(SNP_INSN_MARK(rmpupdate) SNP_INSN_RMPUPDATE
		     : "=a" (rc)
		     : "a" (spa), "c" (desc)
		     : "memory", "cc");
	return rc;
}

/**
 * snp_psmash() - PSMASH a 2 MiB RMP entry into 512 4 KiB entries.
 * @spa:	2 MiB aligned system physical address.
 *
 * Return: the EAX code (PSMASH_SUCCESS or a PSMASH_FAIL_* code).
 */
static inline int snp_psmash(u64 spa)
{
	int rc;

	asm volatile(SNP_INSN_MARK(psmash) SNP_INSN_PSMASH
		     : "=a" (rc)
		     : "a" (spa)
		     : "memory", "cc");
	return rc;
}

#endif /* __x86_64__ */

#endif /* CCMEM_SNP_INSN_H */
