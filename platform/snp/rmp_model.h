/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rmp_model.h - a software model of the SEV-SNP Reverse Map Table.
 *
 * This is the portable core of the SNP "emu" platform backend: plain C, no
 * locking, no allocation. The caller owns the entry array and serialises
 * calls (the kernel glue holds a mutex; the unit tests are single
 * threaded). Every operation returns the code the real instruction returns
 * in EAX, and applies the same state rules (AMD APM vol. 2, section 15.36,
 * as summarised in SPEC-NOTES.md).
 *
 * Addresses: the model covers nr_pages 4 KiB system pages starting at
 * base_pfn. "spa" arguments are system physical addresses.
 */
#ifndef CCMEM_RMP_MODEL_H
#define CCMEM_RMP_MODEL_H

#include "../include/ccmem_compat.h"

#define RMP_NR_VMPLS		4

/* Per-VMPL permission bits (RMP entry masks; RMPADJUST RDX[15:8]). */
#define RMP_PERM_READ		0x1
#define RMP_PERM_WRITE		0x2
#define RMP_PERM_XUSER		0x4
#define RMP_PERM_XSUPER		0x8
#define RMP_PERM_ALL		0xf

enum rmp_pg_size {
	RMP_PG_4K = 0,
	RMP_PG_2M = 1,
};

/* RMPUPDATE return codes (EAX). */
#define RMPUPDATE_SUCCESS		0
#define RMPUPDATE_FAIL_INPUT		1
#define RMPUPDATE_FAIL_PERMISSION	2
#define RMPUPDATE_FAIL_INUSE		3
#define RMPUPDATE_FAIL_OVERLAP		4

/*
 * PSMASH return codes (EAX). FAIL_INUSE is transient (retry). FAIL_BADADDR
 * means the entry is not an assigned 2M entry, for instance it is already
 * 4K: the caller looks the entry up and treats "already 4K" as done.
 */
#define PSMASH_SUCCESS			0
#define PSMASH_FAIL_INPUT		1
#define PSMASH_FAIL_PERMISSION		2
#define PSMASH_FAIL_INUSE		3
#define PSMASH_FAIL_BADADDR		7

/*
 * PVALIDATE return codes (EAX); "no change" is reported through CF.
 * PVALIDATE_FAIL_PERMISSION is the model's answer to PVALIDATE at VMPL 1-3,
 * a modelling choice: see rmp_model_pvalidate().
 */
#define PVALIDATE_SUCCESS		0
#define PVALIDATE_FAIL_INPUT		1
#define PVALIDATE_FAIL_PERMISSION	2
#define PVALIDATE_FAIL_SIZEMISMATCH	6

/* RMPADJUST return codes (EAX). */
#define RMPADJUST_SUCCESS		0
#define RMPADJUST_FAIL_INPUT		1
#define RMPADJUST_FAIL_PERMISSION	2
#define RMPADJUST_FAIL_SIZEMISMATCH	6

/*
 * RMPADJUST attributes (RDX): target VMPL in bits 7:0, the permission mask
 * (RMP_PERM_*) in bits 15:8, VMSA in bit 16; the other bits are reserved.
 * Linux's snp_set_vmsa() passes RMPADJUST_VMSA | 1: target VMPL1, VMSA.
 */
#define RMPADJUST_VMPL_MASK		0xffULL
#define RMPADJUST_PERM_SHIFT		8
#define RMPADJUST_PERM_MASK		0xffULL
#define RMPADJUST_VMSA			BIT_ULL(16)
#define RMPADJUST_ATTRS(vmpl, perms)					\
	(((u64)(vmpl) & RMPADJUST_VMPL_MASK) |				\
	 (((u64)(perms) & RMPADJUST_PERM_MASK) << RMPADJUST_PERM_SHIFT))

/*
 * #PF / #NPF error code bits of an access that breaks an RMP rule, and the
 * guest #VC error code for a private access to an assigned page that is not
 * validated.
 *
 * The usual #PF bits come first. PRESENT is set in every RMP fault: the RMP
 * check runs only on a translation that exists (a missing one is an ordinary
 * fault, handled before any RMP check), and the model is only asked about
 * such accesses. USER is set in every #NPF, because the nested walk treats
 * all guest accesses as user accesses (a guest kernel's PVALIDATE exits
 * with 0xc80000005); in a host #PF it says the host access came from CPL 3.
 * FETCH marks an instruction fetch.
 *
 * SIZEM (bit 35) is set only by PVALIDATE and RMPADJUST naming a 4K page
 * inside a 2M RMP entry; an ordinary access never sets it.
 */
#define RMP_PF_ERR_PRESENT	BIT_ULL(0)
#define RMP_PF_ERR_WRITE	BIT_ULL(1)
#define RMP_PF_ERR_USER		BIT_ULL(2)
#define RMP_PF_ERR_FETCH	BIT_ULL(4)
#define RMP_PF_ERR_RMP		BIT_ULL(31)
#define RMP_NPF_ERR_PRIVATE	BIT_ULL(34)
#define RMP_NPF_ERR_SIZEM	BIT_ULL(35)
#define RMP_NPF_ERR_VMPL	BIT_ULL(36)
#define RMP_VC_NOT_VALIDATED	0x404

/**
 * struct rmp_entry - one modelled RMP entry (one per 4 KiB system page).
 * @gpa:	guest physical address the page is assigned at (4K aligned).
 * @asid:	owner ASID; 0 means the hypervisor.
 * @assigned:	the page belongs to a guest (or to firmware when asid == 0).
 * @validated:	the guest has PVALIDATEd the page.
 * @pagesize:	RMP_PG_4K or RMP_PG_2M. A 2M entry lives at the 2 MiB aligned
 *		page and governs the 511 entries after it.
 * @immutable:	only firmware may change the entry.
 * @vmsa:	the page is a VMSA. Written by RMPADJUST at VMPL0 only; the
 *		bit is ignored in an RMPADJUST from any other VMPL.
 * @inuse:	model of another agent holding the entry (returns FAIL_INUSE);
 *		set by rmp_model_set_inuse(), never by the guest.
 * @perms:	per-VMPL permission masks (RMP_PERM_*). VMPL0 gets all
 *		permissions on assignment; the others get none.
 */
struct rmp_entry {
	u64 gpa;
	u32 asid;
	u8 assigned;
	u8 validated;
	u8 pagesize;
	u8 immutable;
	u8 vmsa;
	u8 inuse;
	u8 perms[RMP_NR_VMPLS];
};

/**
 * struct rmp_model - a modelled RMP covering a contiguous run of pages.
 * @base_pfn:	first system page frame covered.
 * @nr_pages:	number of pages covered (and entries in @entries).
 * @entries:	the table, owned by the caller, zero-initialised.
 */
struct rmp_model {
	u64 base_pfn;
	u64 nr_pages;
	struct rmp_entry *entries;
};

/**
 * struct rmp_model_state - the new state RMPUPDATE writes (RCX operand).
 * @gpa:	guest physical address.
 * @asid:	owner ASID.
 * @assigned:	assign to a guest (1) or return to the hypervisor (0).
 * @pagesize:	RMP_PG_4K or RMP_PG_2M.
 * @immutable:	make the entry immutable.
 */
struct rmp_model_state {
	u64 gpa;
	u32 asid;
	u8 assigned;
	u8 pagesize;
	u8 immutable;
};

/* The kind of access checked by rmp_model_access(). */
enum rmp_accessor {
	RMP_ACCESS_HOST,	/* the hypervisor, through its own mapping */
	RMP_ACCESS_GUEST,	/* the guest, through the nested page tables */
};

/* Result of an access check. */
enum rmp_access_result {
	RMP_ACCESS_OK = 0,
	RMP_ACCESS_HOST_PF,	/* #PF in the host, error code bit 31 (RMP) */
	RMP_ACCESS_GUEST_NPF,	/* nested page fault exit to the host */
	RMP_ACCESS_GUEST_VC,	/* #VC in the guest, error code 0x404 */
};

/**
 * struct rmp_access - an access to check, and the fault it raises.
 * @who:	RMP_ACCESS_HOST or RMP_ACCESS_GUEST.
 * @spa:	system physical address touched.
 * @gpa:	guest physical address (guest accesses only).
 * @asid:	the accessing guest's ASID (guest accesses only).
 * @vmpl:	the accessing guest's VMPL (guest accesses only).
 * @private_access: the guest access has the C-bit set (private).
 * @write:	the access is a write.
 * @exec:	the access is an instruction fetch (guest accesses only).
 * @user:	the access comes from CPL 3. For the host it sets #PF bit 2;
 *		for the guest it makes a fetch need Execute-user instead of
 *		Execute-supervisor (a #NPF has bit 2 set whatever the CPL).
 * @pagesize:	size of the mapping the access goes through, RMP_PG_4K or
 *		RMP_PG_2M. Guest: the nested page table mapping, which must
 *		match the RMP entry's page size. Host: the host's own mapping;
 *		a write through a 2M (or 1G: pass RMP_PG_2M) mapping is checked
 *		against every 4K page of the 2 MiB holding @spa. Zero is 4K.
 * @error_code:	out: the #PF / #NPF / #VC error code of a faulting access.
 */
struct rmp_access {
	int who;
	u64 spa;
	u64 gpa;
	u32 asid;
	u32 vmpl;
	bool private_access;
	bool write;
	bool exec;
	bool user;
	int pagesize;
	u64 error_code;
};

/** rmp_model_init() - reset every entry to hypervisor-owned. */
void rmp_model_init(struct rmp_model *m, u64 base_pfn, u64 nr_pages,
		    struct rmp_entry *entries);

/**
 * rmp_model_lookup() - read the entry that governs @spa.
 * @m:		the model.
 * @spa:	system physical address.
 * @out:	filled with a copy of the governing entry (the 2M entry when
 *		@spa lies inside a 2M-assigned region).
 *
 * Return: 0, or -1 when @spa is outside the model.
 */
int rmp_model_lookup(const struct rmp_model *m, u64 spa, struct rmp_entry *out);

/**
 * rmp_model_rmpupdate() - RMPUPDATE.
 *
 * Always leaves Validated clear and VMSA clear; VMPL0 gets full permissions
 * on an assigned page, VMPL1-3 none. Return: RMPUPDATE_* code.
 */
int rmp_model_rmpupdate(struct rmp_model *m, u64 spa,
			const struct rmp_model_state *st);

/**
 * rmp_model_psmash() - PSMASH: split a 2M entry into 512 4K entries.
 * @m:		the model.
 * @spa:	2 MiB aligned system address of the 2M page.
 *
 * Return: PSMASH_SUCCESS; PSMASH_FAIL_INPUT for a misaligned address or a
 * region not wholly inside the model; PSMASH_FAIL_BADADDR when the entry is
 * not an assigned 2M entry (a 4K entry, e.g. one already smashed, or a
 * hypervisor page), with nothing changed; PSMASH_FAIL_INUSE (retry).
 */
int rmp_model_psmash(struct rmp_model *m, u64 spa);

/**
 * rmp_model_pvalidate() - PVALIDATE, after the guest's address translation.
 * @m:		the model.
 * @spa:	system physical address the guest page maps to.
 * @gpa:	guest physical address of the page.
 * @asid:	the guest's ASID.
 * @vmpl:	the guest's VMPL. PVALIDATE is a VMPL0 instruction: at VMPL
 *		1-3 it changes nothing and returns PVALIDATE_FAIL_PERMISSION
 *		(a modelling choice); above 3 is PVALIDATE_FAIL_INPUT.
 * @pagesize:	RMP_PG_4K or RMP_PG_2M.
 * @validate:	1 to validate, 0 to rescind.
 * @no_change:	out: rFLAGS.CF, set when Validated already had the value.
 * @npf_error:	out: when the result is -1, the #NPF error code to report.
 *
 * Return: PVALIDATE_* code in EAX, or -1 when the instruction does not
 * complete but exits to the host with a nested page fault: page not
 * assigned to this ASID at this GPA (PRESENT|USER|RMP|PRIVATE), or a 4K
 * request on a page inside a 2M RMP entry (the same plus SIZEM, i.e.
 * 0xc80000005: the host PSMASHes and lets the guest retry).
 */
int rmp_model_pvalidate(struct rmp_model *m, u64 spa, u64 gpa, u32 asid,
			u32 vmpl, int pagesize, int validate, bool *no_change,
			u64 *npf_error);

/**
 * rmp_model_rmpadjust() - RMPADJUST by the guest at @cur_vmpl.
 * @m:		the model.
 * @spa:	system physical address the guest page maps to.
 * @gpa:	guest physical address of the page.
 * @asid:	the guest's ASID.
 * @cur_vmpl:	the VMPL executing RMPADJUST.
 * @pagesize:	RMP_PG_4K or RMP_PG_2M.
 * @attrs:	RDX: bits 7:0 target VMPL, bits 15:8 permission mask, bit 16
 *		VMSA (see RMPADJUST_ATTRS()). VMSA is ignored, not refused,
 *		when @cur_vmpl is not 0: the entry's VMSA bit is left as is.
 * @npf_error:	out: when the result is -1, the #NPF error code to report.
 *
 * Return: RMPADJUST_* code, or -1 with *@npf_error set for a nested fault
 * (the same codes as rmp_model_pvalidate()).
 */
int rmp_model_rmpadjust(struct rmp_model *m, u64 spa, u64 gpa, u32 asid,
			u32 cur_vmpl, int pagesize, u64 attrs, u64 *npf_error);

/**
 * rmp_model_access() - check one memory access against the RMP.
 * @m:		the model.
 * @a:		the access; @a->error_code is set when it faults.
 *
 * Host: reads never fault; a write faults (#PF, PRESENT|WRITE|RMP, plus
 * USER from CPL 3: 0x80000003 from the kernel) when the page is assigned,
 * or through a 2M mapping when any page of its 2 MiB is assigned.
 *
 * Guest: a shared access faults only on an assigned page (#NPF without
 * PRIVATE). A private access gets a #NPF with PRESENT|USER|RMP|PRIVATE
 * (plus WRITE/FETCH) when the page is not its own, or when the nested
 * mapping size differs from the RMP entry's: a 4K mapping over a 2M entry
 * (the host PSMASHes and retries) or a 2M mapping over 4K entries (the host
 * maps at 4K and retries); never with SIZEM. Then VMPL permissions (#NPF
 * plus VMPL), then Validated (#VC 0x404 in the guest).
 *
 * Return: RMP_ACCESS_OK, or the kind of fault the access raises.
 */
enum rmp_access_result rmp_model_access(const struct rmp_model *m,
					struct rmp_access *a);

/** rmp_model_set_inuse() - model another agent holding an entry. */
int rmp_model_set_inuse(struct rmp_model *m, u64 spa, bool inuse);

#endif /* CCMEM_RMP_MODEL_H */
