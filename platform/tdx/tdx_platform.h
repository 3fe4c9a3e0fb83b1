/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tdx_platform.h - the TDX platform layer: SEAMCALLs, TDCALLs and
 * Secure-EPT states only; host/kvm-tdx knows policy.
 *
 * Two tables, as on SNP:
 *
 *  - struct tdx_platform, the host operations, at the level of what a
 *    kernel with TDX host support exports (Linux 6.16 and later wrap each
 *    SEAMCALL: tdh_mem_page_aug(), tdh_mem_range_block(), tdh_mem_track(),
 *    tdh_mem_page_remove(), tdh_mem_page_demote()...). Both backends have
 *    it: "hw" calls the kernel, "emu" the Secure-EPT model. Every call
 *    returns the TDX module's status (tdx_abi.h) unchanged, or
 *    TDX_EMU_NO_MEMORY when the backend could not allocate what the call
 *    needs (the model's tables are host memory, as a real Secure-EPT's
 *    pages are).
 *  - struct tdx_emu_guest, what only the model has: the guest side
 *    (TDG.MEM.PAGE.ACCEPT, the access check), the vCPUs' TLB tracking, and
 *    the failure-injection and malicious-host controls.
 *
 * Unlike the RMP, a Secure-EPT belongs to one TD: every call names the TD
 * (struct tdx_td, the backend's own). The caller serialises the calls on
 * one TD (host/kvm-tdx holds vm->lock), as the module's own locks would.
 */
#ifndef CCMEM_TDX_PLATFORM_H
#define CCMEM_TDX_PLATFORM_H

#include <linux/types.h>
#include "sept_model.h"

/* Not a TDX status: the backend ran out of memory (nothing changed). */
#define TDX_EMU_NO_MEMORY	0xffffffffffffffffULL

struct tdx_td;

/**
 * struct tdx_platform - TDX host operations.
 * @name:	"hw" or "emu".
 * @probe:	0 when the backend can be used on this machine, else a
 *		negative errno; says why at load time.
 * @init:	set up the backend (once, at module load).
 * @exit:	tear it down (module unload).
 * @td_create:	a TD with the GPA width @gpaw and the ATTRIBUTES @attributes
 *		(TDH.MNG.CREATE / INIT); NULL when out of memory.
 * @td_destroy:	free the TD; every page has been removed by then.
 * @finalize:	TDH.MR.FINALIZE.
 * @sept_add:	TDH.MEM.SEPT.ADD of the table under the 2 MiB entry at @gpa.
 * @sept_remove: TDH.MEM.SEPT.REMOVE of that table (blocked, tracked, empty).
 * @page_add:	TDH.MEM.PAGE.ADD of @pfn at @gpa (4 KiB, before finalize);
 *		the page already holds its content (the emu backend maps it
 *		as it is; a real module copies it from a source page).
 * @page_aug:	TDH.MEM.PAGE.AUG of @pfn at @gpa, 4 KiB or 2 MiB (@level).
 * @block:	TDH.MEM.RANGE.BLOCK.
 * @unblock:	TDH.MEM.RANGE.UNBLOCK.
 * @track:	TDH.MEM.TRACK.
 * @remove:	TDH.MEM.PAGE.REMOVE; *@pfn gets the page that was mapped.
 * @demote:	TDH.MEM.PAGE.DEMOTE of the 2 MiB leaf at @gpa.
 * @kick:	make every vCPU of the TD leave it once (the IPI that follows
 *		a TRACK). May be NULL where the caller kicks its own vCPUs.
 * @lookup:	the leaf that governs @gpa and its level; 0, or -ENOENT when
 *		nothing is mapped there, or -EOPNOTSUPP when the backend
 *		cannot read the Secure-EPT.
 * @leak:	record pages whose state is unknown (may be NULL).
 */
struct tdx_platform {
	const char *name;
	int (*probe)(void);
	int (*init)(void);
	void (*exit)(void);
	struct tdx_td *(*td_create)(u32 gpaw, u64 attributes);
	void (*td_destroy)(struct tdx_td *td);
	u64 (*finalize)(struct tdx_td *td);
	u64 (*sept_add)(struct tdx_td *td, u64 gpa, int level);
	u64 (*sept_remove)(struct tdx_td *td, u64 gpa, int level);
	u64 (*page_add)(struct tdx_td *td, u64 gpa, u64 pfn);
	u64 (*page_aug)(struct tdx_td *td, u64 gpa, int level, u64 pfn);
	u64 (*block)(struct tdx_td *td, u64 gpa, int level);
	u64 (*unblock)(struct tdx_td *td, u64 gpa, int level);
	u64 (*track)(struct tdx_td *td);
	u64 (*remove)(struct tdx_td *td, u64 gpa, int level, u64 *pfn);
	u64 (*demote)(struct tdx_td *td, u64 gpa, int level);
	void (*kick)(struct tdx_td *td);
	int (*lookup)(struct tdx_td *td, u64 gpa, struct sept_entry *e,
		      int *level);
	void (*leak)(u64 pfn, u64 npages);
};

/* tdx_emu_guest.inject() operations. */
enum tdx_emu_inject {
	TDX_INJECT_AUG = 1,		/* AUG/ADD/BLOCK/REMOVE return @code */
	TDX_INJECT_DEMOTE,		/* DEMOTE returns @code */
	TDX_INJECT_MAPGPA_EARLY,	/* MapGPA: RETRY after @code pages */
	TDX_INJECT_MAPGPA_BACKWARD,	/* MapGPA: resume @code pages back */
	TDX_INJECT_BUSY,		/* the entry at @gpa is locked: BUSY */
	TDX_INJECT_BLOCK,		/* the host leaves the leaf at @gpa blocked */
	TDX_INJECT_MAPGPA_OUTSIDE,	/* MapGPA: resume @code pages past the end */
	TDX_INJECT_MAPGPA_LIE,		/* MapGPA: SUCCESS without the VMM */
	TDX_INJECT_NR
};

/**
 * struct tdx_emu_guest - what only the Secure-EPT model has.
 * @accept:	TDG.MEM.PAGE.ACCEPT by vCPU @vcpu (entered into the TD
 *		first); see sept_accept().
 * @access:	a guest access by vCPU @vcpu; see sept_access().
 * @inject:	arm @op (enum tdx_emu_inject) for @td: the next @count
 *		operations or requests behave as @code says (0 count: clear).
 *		@code is the status class (bits 63:32) a SEAMCALL returns
 *		instead of running, and must be an error; MAPGPA_*: pages.
 *		BUSY and BLOCK act on @gpa at once (@count: the calls that
 *		find the entry busy). Returns 0, -EINVAL, -ENOENT (no entry
 *		at @gpa) or the SEAMCALL's failure as -EIO.
 * @mapgpa_budget: the pages the host may convert for the next MapGPA
 *		request of @td before it answers RETRY (U64_MAX: no limit).
 * @mapgpa_rewind: how many pages before the start of the request the
 *		host puts the resume GPA of a RETRY it answers (0: honest).
 * @mapgpa_past_end: how many pages past the end of the request (counting
 *		from 1: the first page after it) the host puts that resume
 *		GPA (0: honest).
 * @mapgpa_lie:	the host answers the next MapGPA request SUCCESS without
 *		asking the VMM (consumes one use).
 * @set_accept_chunk: pages a 2 MiB ACCEPT zeroes before it is interrupted
 *		(0: never), as the module does when an interrupt is pending.
 */
struct tdx_emu_guest {
	enum sept_guest_result (*accept)(struct tdx_td *td, u32 vcpu,
					 struct sept_guest_op *op);
	enum sept_guest_result (*access)(struct tdx_td *td, u32 vcpu,
					 struct sept_guest_op *op);
	int (*inject)(struct tdx_td *td, u32 op, u32 code, u32 count,
		      u64 gpa);
	u64 (*mapgpa_budget)(struct tdx_td *td);
	u64 (*mapgpa_rewind)(struct tdx_td *td);
	u64 (*mapgpa_past_end)(struct tdx_td *td);
	bool (*mapgpa_lie)(struct tdx_td *td);
	void (*set_accept_chunk)(struct tdx_td *td, u32 pages);
};

extern const struct tdx_platform tdx_platform_hw;
#ifdef CONFIG_CCMEM_EMU_ENABLED
extern const struct tdx_platform tdx_platform_emu;
extern const struct tdx_emu_guest tdx_emu_guest;
#endif

#endif /* CCMEM_TDX_PLATFORM_H */
