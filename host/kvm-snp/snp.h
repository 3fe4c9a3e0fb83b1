/* SPDX-License-Identifier: GPL-2.0 */
/*
 * snp.h - state shared by the files of ccmem_snp.ko.
 */
#ifndef CCMEM_KVM_SNP_H
#define CCMEM_KVM_SNP_H

#include "ccmem_core.h"
#include "snp_platform.h"

/*
 * The SNP counters of one VM (group "snp"), under vm->lock; snp.c
 * describes them.
 */
struct snp_counters {
	u64 psc_requests;
	u64 psc_msr_requests;
	u64 psc_exits;
	u64 psc_entries;
	u64 psc_errors;
	u64 psmash_hints;
	u64 unsmash_hints;
	u64 terminations;
	u64 pvalidates;
	u64 rmpadjusts;
	u64 vmgexits;
};

/**
 * struct snp_vm - per-VM SNP data (vm->arch_data).
 * @plat:	the platform backend of this VM.
 * @stat:	its counters.
 */
struct snp_vm {
	const struct snp_platform *plat;
	struct snp_counters stat;
};

static inline struct snp_vm *snp_vm(struct ccmem_vm *vm)
{
	return vm->arch_data;
}

/* Add @n to a counter of the VM (takes vm->lock). */
void snp_count(struct ccmem_vm *vm, u64 *counter, u64 n);

#ifdef CONFIG_CCMEM_EMU_ENABLED
extern const struct ccmem_arch_emu_ops snp_arch_emu_ops;
int snp_hypercall(struct ccmem_vcpu *vcpu, struct ccmem_hcall *hc);
#endif

#endif /* CCMEM_KVM_SNP_H */
