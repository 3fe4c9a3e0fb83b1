/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ccmem_guest_test.h - selftest helpers for emulated guests: a VM with a
 * RAM region and a GHCB region, vCPUs, programs, and a run loop that
 * plays the VMM (it serves page state change exits with
 * CCMEM_VM_SET_ATTRIBUTES, as QEMU serves KVM_HC_MAP_GPA_RANGE).
 */
#ifndef CCMEM_GUEST_TEST_H
#define CCMEM_GUEST_TEST_H

#include "ccmem_test.h"

/* Guest RAM at TGPA; the GHCB pages (one per vCPU) in a region below. */
#define TGHCB		0x10000000ULL
#define TGHCB_SIZE	((uint64_t)CCMEM_MAX_VCPUS * SZ_4K)
#define TGHCB_BUF(vcpu)	(TGHCB + (vcpu) * SZ_4K + 0x800)

/* PSC entry: cur_page 11:0, gfn 51:12, operation 55:52, page size 56. */
#define PSC_ENTRY(gfn, op, huge, cur) \
	(((uint64_t)(cur) & 0xfff) | (((uint64_t)(gfn) & 0xffffffffffULL) << 12) | \
	 ((uint64_t)(op) << 52) | ((uint64_t)!!(huge) << 56))
#define PSC_ERR_HDR	((1ULL << 32) | 1)
#define PSC_ERR_ENTRY	((1ULL << 32) | 2)
#define PSC_ERR_GENERIC	(0x100ULL << 32)
#define MSR_PSC_REQ(gfn, op) \
	(0x014ULL | (((uint64_t)(gfn) & 0xffffffffffULL) << 12) | \
	 ((uint64_t)(op) << 52))

/* One PSC exit as the VMM saw it. */
struct tpsc {
	uint64_t gpa, size;
	uint32_t op, form;
};

#define TGUEST_MAX_PSC	64

/**
 * struct tguest - a VM with an emulated guest.
 * @t:		the VM; t.shared is the RAM's shared backing.
 * @ghcb:	shared backing of the GHCB region.
 * @vcpu:	vCPU fds (-1 when absent).
 * @refuse_psc:	the VMM answers PSC exits with this (0: convert).
 * @psc:	the first TGUEST_MAX_PSC PSC exits seen, in order.
 * @nr_psc:	PSC exits seen in total.
 * @on_psc:	optional: called at each PSC exit before it is served.
 * @priv:	for @on_psc.
 */
struct tguest {
	struct tvm t;
	uint8_t *ghcb;
	int vcpu[CCMEM_MAX_VCPUS];
	int64_t refuse_psc;
	struct tpsc psc[TGUEST_MAX_PSC];
	uint32_t nr_psc;
	void (*on_psc)(struct tguest *g, const struct ccmem_run *run);
	void *priv;
};

/* The guest configuration of tguest_create(); see struct ccmem_guest_config. */
struct ccmem_guest_config tguest_config(uint32_t policy, uint64_t mem_size);

/* VM + RAM (starts private) + GHCB region (shared) + CCMEM_VM_GUEST_INIT. */
int tguest_create_cfg(struct tguest *g, struct ccmem_guest_config *cfg);
int tguest_create(struct tguest *g, uint32_t policy, uint64_t mem_size);
void tguest_destroy(struct tguest *g);

int tguest_init(struct tguest *g, struct ccmem_guest_config *cfg);
int tguest_add_vcpu(struct tguest *g, uint32_t id);
int tguest_stats(struct tguest *g, struct ccmem_guest_stats *st);

int tvcpu_program(int vcpu, const struct ccmem_guest_insn *insns, uint32_t nr);
int tvcpu_run(int vcpu, struct ccmem_run *run);

/*
 * Run vCPU @id until an exit other than a page state change; those are
 * served (CCMEM_VM_SET_ATTRIBUTES, or refused with g->refuse_psc) and
 * recorded. Returns 0 with @run filled, or -errno of CCMEM_VCPU_RUN.
 */
int tguest_run(struct tguest *g, uint32_t id, struct ccmem_run *run);

/* Set a program on vCPU @id and run it to its first non-PSC exit. */
int tguest_exec(struct tguest *g, uint32_t id,
		const struct ccmem_guest_insn *insns, uint32_t nr,
		struct ccmem_run *run);

#define GI(op_, gpa_, size_, arg_) \
	((struct ccmem_guest_insn){ .op = (op_), .gpa = (gpa_), \
				    .size = (size_), .arg = (arg_) })
#define NR(a)	(sizeof(a) / sizeof((a)[0]))

#endif /* CCMEM_GUEST_TEST_H */
