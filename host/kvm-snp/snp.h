/* SPDX-License-Identifier: GPL-2.0 */
/*
 * snp.h - state shared by the files of ccmem_snp.ko.
 */
#ifndef CCMEM_KVM_SNP_H
#define CCMEM_KVM_SNP_H

#include "ccmem_core.h"
#include "snp_platform.h"

/**
 * struct snp_vm - per-VM SNP data (vm->arch_data).
 * @plat:		the platform backend of this VM.
 * @inject_op:		CCMEM_INJECT_* armed by CCMEM_VM_EMU_INJECT, or 0.
 * @inject_code:	the code the armed operation returns.
 * @inject_count:	how many more calls fail.
 * @psc_early_pages: CCMEM_INJECT_PSC_EARLY: pages processed per request.
 * @psc_early_count: requests left that return early.
 * @psc_back:	CCMEM_INJECT_PSC_BACKWARD: entries to move cur_entry back.
 * @psc_back_count: requests left that move it back.
 *
 * Protected by vm->lock.
 */
struct snp_vm {
	const struct snp_platform *plat;
	u32 inject_op;
	u32 inject_code;
	u32 inject_count;
	u32 psc_early_pages;
	u32 psc_early_count;
	u32 psc_back;
	u32 psc_back_count;
};

static inline struct snp_vm *snp_vm(struct ccmem_vm *vm)
{
	return vm->arch_data;
}

int snp_emu_op(struct ccmem_vm *vm, struct ccmem_emu_op *op);
int snp_vmgexit(struct ccmem_vcpu *vcpu, struct ccmem_vmgexit *x);

#endif /* CCMEM_KVM_SNP_H */
