/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tdx.h - state shared by the files of ccmem_tdx.ko.
 */
#ifndef CCMEM_KVM_TDX_H
#define CCMEM_KVM_TDX_H

#include "ccmem_core.h"
#include "tdx_platform.h"

/*
 * The TDX counters of one VM (group "tdx"), under vm->lock; tdx.c
 * describes them.
 */
struct tdx_counters {
	u64 accepts;
	u64 vmcalls;
	u64 page_adds;
	u64 augs_2m;
	u64 augs_4k;
	u64 sept_adds;
	u64 sept_removes;
	u64 blocks;
	u64 tracks;
	u64 kicks;
	u64 removes;
	u64 demotes;
	u64 repromotes;
	u64 busy_retries;
	u64 accept_exits;
	u64 accept_resumes;
	u64 access_exits;
	u64 unblocks;
	u64 ve_raised;
	u64 mapgpa_requests;
	u64 mapgpa_exits;
	u64 mapgpa_retries;
	u64 mapgpa_errors;
	u64 fatal_reports;
};

/**
 * struct tdx_vm - per-VM TDX data (vm->arch_data).
 * @plat:	the platform backend of this VM.
 * @td:		the TD on that backend.
 * @gpaw:	the TD's GPA width (48 or 52).
 * @attributes:	its ATTRIBUTES.
 * @repromotable: 2 MiB blocks (gfn >> 9) whose 4 KiB table was removed
 *		once they emptied; the next 2 MiB AUG there is a re-promotion.
 * @stat:	its counters.
 */
struct tdx_vm {
	const struct tdx_platform *plat;
	struct tdx_td *td;
	u32 gpaw;
	u64 attributes;
	struct xarray repromotable;
	struct tdx_counters stat;
};

static inline struct tdx_vm *tdx_vm(struct ccmem_vm *vm)
{
	return vm->arch_data;
}

/* The TDX level of a core page order, and back. */
static inline int tdx_level(int order)
{
	return order ? TDX_LEVEL_2M : TDX_LEVEL_4K;
}

/* Add @n to a counter of the VM (takes vm->lock). */
void tdx_count(struct ccmem_vm *vm, u64 *counter, u64 n);

/* tdx.c: the host's Secure-EPT operations, for tdx_emu.c (vm->lock held). */
int tdx_unblock(struct ccmem_vm *vm, u64 gpa, int level);

#ifdef CONFIG_CCMEM_EMU_ENABLED
extern const struct ccmem_arch_emu_ops tdx_arch_emu_ops;
int tdx_hypercall(struct ccmem_vcpu *vcpu, struct ccmem_hcall *hc);
#endif

#endif /* CCMEM_KVM_TDX_H */
