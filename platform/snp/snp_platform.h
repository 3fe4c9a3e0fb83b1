/* SPDX-License-Identifier: GPL-2.0 */
/*
 * snp_platform.h - the SNP platform layer: instructions and RMP states
 * only; host/kvm-snp knows policy.
 *
 * Two tables:
 *
 *  - struct snp_platform, the host operations, at the level of what the
 *    running kernel exports (rmp_make_private(), rmp_make_shared(),
 *    psmash(), snp_lookup_rmpentry(), snp_leak_pages()). Both backends
 *    have it: "hw" calls the kernel, "emu" the software RMP. The caller
 *    never asks which one it has.
 *  - struct snp_emu_guest, what only the software RMP has: the guest-side
 *    instructions (PVALIDATE, RMPADJUST), the access check, and the
 *    failure-injection and malicious-host controls.
 */
#ifndef CCMEM_SNP_PLATFORM_H
#define CCMEM_SNP_PLATFORM_H

#include <linux/types.h>
#include "rmp_model.h"

/* struct snp_rmp_state.known: which fields the backend could read. */
#define SNP_RMP_KNOWN_ASSIGNED	BIT(0)	/* @assigned, @pagesize */
#define SNP_RMP_KNOWN_OWNER	BIT(1)	/* @asid, @gpa */
#define SNP_RMP_KNOWN_VALIDATED	BIT(2)	/* @validated */
#define SNP_RMP_KNOWN_ATTRS	BIT(3)	/* @immutable, @vmsa, @perms */
#define SNP_RMP_KNOWN_ALL	0xf

/**
 * struct snp_rmp_state - the RMP entry that governs a page.
 * @known:	SNP_RMP_KNOWN_*: the fields filled in. The software RMP
 *		knows them all; the kernel exports only some.
 * @entry:	the entry (the 2 MiB one when the page lies in a 2M
 *		assignment).
 */
struct snp_rmp_state {
	u32 known;
	struct rmp_entry entry;
};

/**
 * struct snp_platform - SNP host operations.
 * @name:	"hw" or "emu".
 * @probe:	0 when the backend can be used on this machine, else a
 *		negative errno; says why at load time.
 * @init:	set up the backend (once, at module load).
 * @exit:	tear it down (module unload).
 * @make_private: RMPUPDATE @pfn to assigned, at @gpa for @asid, 4K or 2M
 *		(@pagesize), optionally immutable. Returns an RMPUPDATE_*
 *		code, or a negative errno when the state is unknown.
 * @make_shared: RMPUPDATE @pfn back to the hypervisor; same returns.
 * @psmash:	PSMASH on the 2 MiB aligned @pfn. Returns a PSMASH_* code or
 *		a negative errno.
 * @fw_reclaim:	firmware reclaim of an immutable page (SNP_PAGE_RECLAIM):
 *		clears Immutable so that RMPUPDATE may run. May be NULL.
 * @fw_launch:	firmware's SNP_LAUNCH_UPDATE of one 4 KiB page the host made
 *		Pre-Guest (assigned, immutable): it becomes Guest-Valid
 *		(validated, mutable). Returns 0 or a negative errno. May be
 *		NULL (then the page stays Pre-Guest).
 * @lookup:	read the entry governing @pfn. Returns 0 or -errno.
 * @leak:	record pages whose RMP state is unknown (may be NULL).
 */
struct snp_platform {
	const char *name;
	int (*probe)(void);
	int (*init)(void);
	void (*exit)(void);
	int (*make_private)(u64 pfn, u64 gpa, u32 asid, int pagesize,
			    bool immutable);
	int (*make_shared)(u64 pfn, int pagesize);
	int (*psmash)(u64 pfn);
	int (*fw_reclaim)(u64 pfn);
	int (*fw_launch)(u64 pfn);
	int (*lookup)(u64 pfn, struct snp_rmp_state *st);
	void (*leak)(u64 pfn, u64 npages);
};

/* snp_emu_guest.inject() operations (the uapi's CCMEM_INJECT_*). */
enum snp_emu_inject {
	SNP_INJECT_RMPUPDATE = 1,	/* RMPUPDATE returns the code */
	SNP_INJECT_PSMASH,		/* PSMASH returns the code */
	SNP_INJECT_PSC_EARLY,		/* PSC: return after @code pages */
	SNP_INJECT_PSC_BACKWARD,	/* PSC: move cur_entry back by @code */
	SNP_INJECT_PSC_OUTSIDE,		/* PSC: cur_entry @code past end + 1 */
	SNP_INJECT_PSC_LIE,		/* PSC: "done" without the VMM */
	SNP_INJECT_NR
};

/**
 * struct snp_emu_guest - what only the software RMP has.
 * @pvalidate:	guest PVALIDATE; see rmp_model_pvalidate().
 * @rmpadjust:	guest RMPADJUST; see rmp_model_rmpadjust().
 * @access:	check one access against the RMP; see rmp_model_access().
 * @inject:	arm @op for the VM with @asid: the next @count operations
 *		or requests behave as @code says (0 count: clear). RMPUPDATE
 *		and PSMASH codes must be failures (non-zero). Returns 0 or
 *		-EINVAL.
 * @forget:	drop every control of @asid (the VM is gone).
 * @psc_budget:	the pages the host may convert for the next PSC request of
 *		@asid before it returns early (U64_MAX: no limit).
 * @psc_rewind:	how far back the host moves cur_entry after serving a
 *		request of @asid that started at entry @first (0: honest).
 * @psc_past_end: how many entries beyond end_entry + 1 the host puts
 *		cur_entry after serving a request of @asid (0: honest).
 * @psc_lie:	the host answers the next request of @asid "done" without
 *		asking the VMM (consumes one use).
 */
struct snp_emu_guest {
	int (*pvalidate)(u64 spa, u64 gpa, u32 asid, u32 vmpl, int pagesize,
			 int validate, bool *no_change, u64 *npf_error);
	int (*rmpadjust)(u64 spa, u64 gpa, u32 asid, u32 vmpl, int pagesize,
			 u64 attrs, u64 *npf_error);
	enum rmp_access_result (*access)(struct rmp_access *a);
	int (*inject)(u32 asid, u32 op, u32 code, u32 count);
	void (*forget)(u32 asid);
	u64 (*psc_budget)(u32 asid);
	u32 (*psc_rewind)(u32 asid, u32 first);
	u32 (*psc_past_end)(u32 asid);
	bool (*psc_lie)(u32 asid);
};

extern const struct snp_platform snp_platform_hw;
#ifdef CONFIG_CCMEM_EMU_ENABLED
extern const struct snp_platform snp_platform_emu;
extern const struct snp_emu_guest snp_emu_guest;
#endif

#endif /* CCMEM_SNP_PLATFORM_H */
