/* SPDX-License-Identifier: GPL-2.0 */
/*
 * snp_platform.h - the SNP platform layer: one ops table, two backends.
 *
 * The platform knows instructions and RMP states; host/kvm-snp knows policy.
 * The caller never asks which backend it has.
 *
 *   hw:  the running kernel's own SNP host primitives (rmp_make_private(),
 *        rmp_make_shared(), psmash(), snp_lookup_rmpentry()). The guest-side
 *        instructions cannot run on a host, so those ops are NULL.
 *   emu: a software RMP (rmp_model.c) with the same codes and rules.
 */
#ifndef CCMEM_SNP_PLATFORM_H
#define CCMEM_SNP_PLATFORM_H

#include <linux/types.h>
#include "rmp_model.h"

/**
 * struct snp_platform - SNP platform operations.
 * @name:	"hw" or "emu".
 * @probe:	0 when the backend can be used on this machine, else a
 *		negative errno; says why at load time.
 * @init:	set up the backend (once, at module load).
 * @exit:	tear it down (module unload).
 * @rmpupdate:	RMPUPDATE on @pfn. Returns an RMPUPDATE_* code, or a
 *		negative errno when the state is unknown.
 * @psmash:	PSMASH on the 2 MiB aligned @pfn. Returns a PSMASH_* code or
 *		a negative errno.
 * @fw_reclaim:	firmware reclaim of an immutable page (SNP_PAGE_RECLAIM):
 *		clears Immutable so that RMPUPDATE may run. May be NULL.
 * @lookup:	read the entry governing @pfn. Returns 0 or -errno.
 * @leak:	record pages whose RMP state is unknown (may be NULL).
 * @pvalidate:	guest PVALIDATE (emu only); see rmp_model_pvalidate().
 * @rmpadjust:	guest RMPADJUST (emu only); see rmp_model_rmpadjust().
 * @access:	check one access against the RMP (emu only).
 */
struct snp_platform {
	const char *name;
	int (*probe)(void);
	int (*init)(void);
	void (*exit)(void);
	int (*rmpupdate)(u64 pfn, const struct rmp_model_state *st);
	int (*psmash)(u64 pfn);
	int (*fw_reclaim)(u64 pfn);
	int (*lookup)(u64 pfn, struct rmp_entry *e);
	void (*leak)(u64 pfn, u64 npages);
	int (*pvalidate)(u64 spa, u64 gpa, u32 asid, u32 vmpl, int pagesize,
			 int validate, bool *no_change, u64 *npf_error);
	int (*rmpadjust)(u64 spa, u64 gpa, u32 asid, u32 vmpl, int pagesize,
			 u64 attrs, u64 *npf_error);
	enum rmp_access_result (*access)(struct rmp_access *a);
};

extern const struct snp_platform snp_platform_hw;
#ifdef CONFIG_CCMEM_EMU_ENABLED
extern const struct snp_platform snp_platform_emu;
#endif

#endif /* CCMEM_SNP_PLATFORM_H */
