/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ccmem_vmm.h - a tiny VMM for emulated guests, shared by ccmem-demo and
 * ccmem-bench: a VM with guest RAM (starting private) and a GHCB region,
 * vCPUs, programs, and a run loop that serves page state change exits with
 * CCMEM_VM_SET_ATTRIBUTES, as QEMU serves KVM_HC_MAP_GPA_RANGE.
 *
 * Every function returns 0 (or a fd) on success and -errno on failure.
 */
#ifndef CCMEM_VMM_H
#define CCMEM_VMM_H

#include <stdbool.h>
#include <linux/ccmem.h>

#define VMM_GHCB_GPA	0x10000000ULL	/* below the RAM of every caller */

/**
 * struct vmm_guest - one VM with an emulated guest.
 * @dev:	/dev/ccmem.
 * @vm:		the VM fd.
 * @ram_gpa:	start of guest RAM.
 * @ram_size:	bytes of guest RAM.
 * @ram:	its shared backing (MAP_NORESERVE).
 * @ghcb:	the shared backing of the GHCB region.
 * @vcpu:	vCPU fds, -1 when absent.
 * @psc_exits:	PSC exits served.
 */
struct vmm_guest {
	int dev;
	int vm;
	__u64 ram_gpa;
	__u64 ram_size;
	void *ram;
	void *ghcb;
	int vcpu[CCMEM_MAX_VCPUS];
	__u64 psc_exits;
};

int vmm_guest_create(struct vmm_guest *g, __u64 ram_gpa, __u64 ram_size,
		     struct ccmem_guest_config *cfg);
void vmm_guest_destroy(struct vmm_guest *g);
int vmm_vcpu(struct vmm_guest *g, __u32 id);
int vmm_program(struct vmm_guest *g, __u32 id,
		const struct ccmem_guest_insn *insns, __u32 nr);
/* Run vCPU @id until an exit other than PSC; @run holds that exit. */
int vmm_run(struct vmm_guest *g, __u32 id, struct ccmem_run *run);
int vmm_guest_stats(struct vmm_guest *g, struct ccmem_guest_stats *st);
const char *vmm_exit_name(__u32 reason);

#endif /* CCMEM_VMM_H */
