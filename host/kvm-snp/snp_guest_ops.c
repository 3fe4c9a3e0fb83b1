// SPDX-License-Identifier: GPL-2.0
/*
 * snp_guest_ops.c - guest-side SNP operations on the emu backend.
 *
 * CCMEM_VM_EMU_GUEST_OP executes one guest instruction (PVALIDATE,
 * RMPADJUST) or one guest memory access against the VM's emulated
 * platform, as the hardware would:
 *
 *  - the gfn's attribute picks the backing: private pages come from the
 *    pool (populated on first use, like a KVM fault on guest_memfd), shared
 *    pages are the region's shared backing;
 *  - an access whose kind does not match the attribute exits to the VMM
 *    with a CCMEM_FAULT_MEMORY_ATTR record, as KVM_EXIT_MEMORY_FAULT does;
 *  - the RMP check decides the rest: #VC 0x404 raised in the guest for a
 *    private access to an unvalidated page, a nested page fault record for
 *    an RMP violation, a host #PF record for a host write to an assigned
 *    page.
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/uaccess.h>

#include "snp.h"

static u32 snp_fault_flags(bool priv, bool write)
{
	return (priv ? CCMEM_FAULT_F_PRIVATE : 0) |
	       (write ? CCMEM_FAULT_F_WRITE : 0);
}

/* The private page behind @gfn, populated on demand; or an exit. */
static int snp_private_pfn(struct ccmem_vm *vm, struct ccmem_emu_op *op,
			   u64 gfn, u64 size, bool write, u64 *pfn,
			   bool *assigned_2m)
{
	int ret = ccmem_vm_resolve_private(vm, gfn, true, pfn, assigned_2m);

	if (ret == -EPERM)	/* shared gfn: the VMM decides */
		return ccmem_vm_report_fault(vm, op->gpa & PAGE_MASK, size,
					     CCMEM_FAULT_MEMORY_ATTR,
					     snp_fault_flags(true, write), 0,
					     op) ?: 1;
	if (ret == -ENOENT)
		return ccmem_vm_report_fault(vm, op->gpa & PAGE_MASK, size,
					     CCMEM_FAULT_NO_REGION,
					     snp_fault_flags(true, write), 0,
					     op) ?: 1;
	return ret;
}

/*
 * The host's RMP fault handler: a 4 KiB guest operation on a page held by
 * a 2 MiB RMP entry exits with the size-mismatch bit. Split the entry
 * (PSMASH) and let the instruction run again, as KVM does. Returns true
 * when the caller should retry.
 */
static bool snp_fix_size_fault(struct ccmem_vm *vm, u64 gfn, int ret, u64 npf)
{
	if (ret != -1 || !(npf & RMP_NPF_ERR_SIZEM))
		return false;
	return !ccmem_vm_split_2m(vm, gfn);
}

/* One guest instruction on the page at op->gpa: PVALIDATE or RMPADJUST. */
typedef int (*snp_insn_fn)(struct ccmem_vm *vm, struct ccmem_emu_op *op,
			   u64 spa, int pagesize, bool *no_change, u64 *npf);

static int snp_do_pvalidate(struct ccmem_vm *vm, struct ccmem_emu_op *op,
			    u64 spa, int pagesize, bool *no_change, u64 *npf)
{
	return snp_vm(vm)->plat->pvalidate(spa, op->gpa, vm->asid, op->vmpl,
					   pagesize, op->arg, no_change, npf);
}

static int snp_do_rmpadjust(struct ccmem_vm *vm, struct ccmem_emu_op *op,
			    u64 spa, int pagesize, bool *no_change, u64 *npf)
{
	return snp_vm(vm)->plat->rmpadjust(spa, op->gpa, vm->asid, op->vmpl,
					   pagesize, op->arg, npf);
}

/*
 * The common path of both instructions, which share their FAIL_INPUT (1)
 * and FAIL_SIZEMISMATCH (6) codes: operand checks, the page behind the gfn
 * (populated on demand), the 2 MiB-over-4 KiB size check, the instruction,
 * the host's size-fault fixup, and the exit on a nested page fault.
 */
static int snp_run_insn(struct ccmem_vm *vm, struct ccmem_emu_op *op,
			snp_insn_fn fn)
{
	bool is_2m = op->flags & CCMEM_EMU_F_2M;
	int pagesize = is_2m ? RMP_PG_2M : RMP_PG_4K;
	u64 size = is_2m ? CCMEM_2M_SIZE : PAGE_SIZE;
	u64 gfn = op->gpa >> PAGE_SHIFT, pfn, npf = 0;
	bool assigned_2m, no_change = false;
	int ret;

	if ((op->flags & CCMEM_EMU_F_SHARED) || op->len)
		return -EINVAL;
	/* The instruction itself rejects a misaligned address. */
	if (!IS_ALIGNED(op->gpa, size)) {
		op->ret = PVALIDATE_FAIL_INPUT;
		return 0;
	}
	ret = snp_private_pfn(vm, op, gfn, size, false, &pfn, &assigned_2m);
	if (ret)
		return ret < 0 ? ret : 0;
	/* A 2 MiB request over 4 KiB RMP entries: size mismatch. */
	if (is_2m && !assigned_2m) {
		op->ret = PVALIDATE_FAIL_SIZEMISMATCH;
		return 0;
	}

	ret = fn(vm, op, pfn << PAGE_SHIFT, pagesize, &no_change, &npf);
	if (snp_fix_size_fault(vm, gfn, ret, npf))
		ret = fn(vm, op, pfn << PAGE_SHIFT, pagesize, &no_change, &npf);
	if (ret == -1)
		return ccmem_vm_report_fault(vm, op->gpa, size,
					     CCMEM_FAULT_RMP_NPF,
					     CCMEM_FAULT_F_PRIVATE, npf, op);
	if (ret < 0)
		return ret;
	op->ret = ret;
	if (no_change)
		op->out_flags |= CCMEM_EMU_O_NOCHANGE;
	return 0;
}

/*
 * Copy between the caller's buffer (user memory, or kernel memory for an
 * emulated vCPU) and a private page.
 */
static int snp_copy_private(u64 pfn, struct ccmem_emu_op *op, bool write)
{
	void __user *ubuf = u64_to_user_ptr(op->buf);
	void *kbuf = (void *)(unsigned long)op->buf;
	unsigned int off = offset_in_page(op->gpa);
	void *kaddr = kmap_local_pfn(pfn);
	unsigned long left;

	if (op->flags & CCMEM_EMU_F_KERNEL) {
		if (write)
			memcpy(kaddr + off, kbuf, op->len);
		else
			memcpy(kbuf, kaddr + off, op->len);
		left = 0;
	} else if (write) {
		left = copy_from_user(kaddr + off, ubuf, op->len);
	} else {
		left = copy_to_user(ubuf, kaddr + off, op->len);
	}
	kunmap_local(kaddr);
	return left ? -EFAULT : 0;
}

static int snp_op_access(struct ccmem_vm *vm, struct ccmem_emu_op *op,
			 bool write)
{
	const struct snp_platform *p = snp_vm(vm)->plat;
	bool shared = op->flags & CCMEM_EMU_F_SHARED;
	u64 gfn = op->gpa >> PAGE_SHIFT, pfn;
	struct rmp_access a = {
		.who = RMP_ACCESS_GUEST,
		.gpa = op->gpa & PAGE_MASK,
		.asid = vm->asid,
		.vmpl = op->vmpl,
		.private_access = !shared,
		.write = write,
		.pagesize = RMP_PG_4K,
	};
	bool assigned_2m;
	int ret;

	if (!op->len || op->len > PAGE_SIZE || op->arg ||
	    offset_in_page(op->gpa) + op->len > PAGE_SIZE ||
	    (op->flags & CCMEM_EMU_F_2M))
		return -EINVAL;

	if (!ccmem_find_region(vm, gfn))
		return ccmem_vm_report_fault(vm, a.gpa, PAGE_SIZE,
					     CCMEM_FAULT_NO_REGION,
					     snp_fault_flags(!shared, write),
					     0, op);

	if (shared) {
		if (!ccmem_gfn_is_private(vm, gfn))
			return ccmem_vm_shared_access(vm, op, write);
		/*
		 * Shared access to a private gfn: with a page behind it the
		 * RMP raises the nested fault; without one the VMM sees a
		 * memory-attribute exit, as with KVM.
		 */
		if (ccmem_vm_resolve_private(vm, gfn, false, &pfn,
					     &assigned_2m))
			return ccmem_vm_report_fault(vm, a.gpa, PAGE_SIZE,
						     CCMEM_FAULT_MEMORY_ATTR,
						     snp_fault_flags(false,
								     write),
						     0, op);
	} else {
		ret = snp_private_pfn(vm, op, gfn, PAGE_SIZE, write, &pfn,
				      &assigned_2m);
		if (ret)
			return ret < 0 ? ret : 0;
	}

	a.spa = pfn << PAGE_SHIFT;
	switch (p->access(&a)) {
	case RMP_ACCESS_OK:
		return snp_copy_private(pfn, op, write);
	case RMP_ACCESS_GUEST_VC:
		op->result = CCMEM_EMU_R_VC;
		op->ret = a.error_code;
		return 0;
	default:
		return ccmem_vm_report_fault(vm, a.gpa, PAGE_SIZE,
					     CCMEM_FAULT_RMP_NPF,
					     snp_fault_flags(!shared, write),
					     a.error_code, op);
	}
}

/* The host kernel writes the page backing @gpa. */
static int snp_op_host_write(struct ccmem_vm *vm, struct ccmem_emu_op *op)
{
	const struct snp_platform *p = snp_vm(vm)->plat;
	u64 gfn = op->gpa >> PAGE_SHIFT, pfn;
	struct rmp_access a = { .who = RMP_ACCESS_HOST, .write = true };
	bool assigned_2m;
	int ret;

	if (!op->len || op->len > PAGE_SIZE || op->arg || op->flags ||
	    offset_in_page(op->gpa) + op->len > PAGE_SIZE)
		return -EINVAL;
	if (!ccmem_gfn_is_private(vm, gfn))
		return ccmem_vm_shared_access(vm, op, true);
	ret = ccmem_vm_resolve_private(vm, gfn, false, &pfn, &assigned_2m);
	if (ret)
		return ret;
	a.spa = pfn << PAGE_SHIFT;
	if (p->access(&a) == RMP_ACCESS_OK)
		return snp_copy_private(pfn, op, true);
	return ccmem_vm_report_fault(vm, op->gpa & PAGE_MASK, PAGE_SIZE,
				     CCMEM_FAULT_HOST_RMP_PF, CCMEM_FAULT_F_WRITE,
				     a.error_code, op);
}

static int snp_op_lookup(struct ccmem_vm *vm, struct ccmem_emu_op *op)
{
	const struct snp_platform *p = snp_vm(vm)->plat;
	u64 gfn = op->gpa >> PAGE_SHIFT, pfn;
	struct rmp_entry e;
	bool assigned_2m;
	int ret;

	if (op->len || op->arg || op->flags || op->vmpl)
		return -EINVAL;
	ret = ccmem_vm_resolve_private(vm, gfn, false, &pfn, &assigned_2m);
	if (ret == -EPERM || (ret == -ENOENT && ccmem_find_region(vm, gfn)))
		return 0;	/* a hypervisor page: nothing assigned */
	if (ret)
		return ret;
	ret = p->lookup(pfn, &e);
	if (ret)
		return ret;
	op->out_flags |= (e.assigned ? CCMEM_EMU_O_ASSIGNED : 0) |
			 (e.validated ? CCMEM_EMU_O_VALIDATED : 0) |
			 (e.pagesize == RMP_PG_2M ? CCMEM_EMU_O_2M : 0) |
			 (e.immutable ? CCMEM_EMU_O_IMMUTABLE : 0);
	op->asid = e.asid;
	return 0;
}

/**
 * snp_emu_op() - CCMEM_VM_EMU_GUEST_OP for SNP VMs.
 * @vm: the VM; vm->lock held, VM usable, emu backend.
 * @op: the operation; results are written into it.
 *
 * Return: 0 when the operation completed or exited (see op->result), or a
 * negative errno for bad input, -EAGAIN when the fault queue is full.
 */
int snp_emu_op(struct ccmem_vm *vm, struct ccmem_emu_op *op)
{
	if (!snp_vm(vm)->plat->pvalidate)
		return -EOPNOTSUPP;
	if (op->vmpl >= RMP_NR_VMPLS || op->gpa >= CCMEM_MAX_GPA)
		return -EINVAL;

	switch (op->op) {
	case CCMEM_EMU_PVALIDATE:
		if (op->arg > 1)
			return -EINVAL;
		return snp_run_insn(vm, op, snp_do_pvalidate);
	case CCMEM_EMU_RMPADJUST:
		return snp_run_insn(vm, op, snp_do_rmpadjust);
	case CCMEM_EMU_READ:
		return snp_op_access(vm, op, false);
	case CCMEM_EMU_WRITE:
		return snp_op_access(vm, op, true);
	case CCMEM_EMU_HOST_WRITE:
		return snp_op_host_write(vm, op);
	case CCMEM_EMU_LOOKUP:
		return snp_op_lookup(vm, op);
	default:
		return -EINVAL;
	}
}
