// SPDX-License-Identifier: GPL-2.0
/*
 * snp_emu.c - the emu interface of SNP VMs (struct ccmem_arch_emu_ops):
 * guest instructions and accesses against the software RMP, as the
 * hardware would run them, with the host's RMP fault handling around
 * them.
 *
 *  - The gfn's attribute picks the backing: private pages come from the
 *    pool (populated on first use, like a KVM fault on guest_memfd), shared
 *    pages are the region's shared backing.
 *  - An access whose kind does not match the attribute exits to the VMM
 *    with a CCMEM_FAULT_ATTRIBUTE record, as KVM_EXIT_MEMORY_FAULT does.
 *  - The model decides the rest; the host only does what KVM's RMP fault
 *    handler does: PSMASH when a 4 KiB operation or mapping meets a 2 MiB
 *    entry, a 4 KiB nested mapping where a 2 MiB one met 4 KiB entries,
 *    then the instruction or access runs again. Every other nested page
 *    fault goes to the VMM as a CCMEM_FAULT_PLATFORM record.
 */
#include <linux/mm.h>

#include "snp.h"

static u32 snp_fault_flags(bool priv, u32 access)
{
	return (priv ? CCMEM_FAULT_F_PRIVATE : 0) |
	       (access & CCMEM_ACCESS_F_WRITE ? CCMEM_FAULT_F_WRITE : 0) |
	       (access & CCMEM_ACCESS_F_EXEC ? CCMEM_FAULT_F_EXEC : 0);
}

/* The private page behind @gfn, populated on demand; 1 after an exit. */
static int snp_private_pfn(struct ccmem_vm *vm, struct ccmem_emu_req *req,
			   u64 gfn, u64 size, u64 *pfn, bool *assigned_2m)
{
	int ret = ccmem_vm_resolve_private(vm, gfn, true, pfn, assigned_2m);
	u32 flags = snp_fault_flags(true, req->flags);

	if (ret == -EPERM)	/* a shared gfn: the VMM decides */
		return ccmem_emu_report_fault(vm, req, req->gpa & PAGE_MASK,
					      size, CCMEM_FAULT_ATTRIBUTE,
					      flags, 0) ?: 1;
	if (ret == -ENOENT)
		return ccmem_emu_report_fault(vm, req, req->gpa & PAGE_MASK,
					      size, CCMEM_FAULT_NO_REGION,
					      flags, 0) ?: 1;
	return ret;
}

/* Run PVALIDATE or RMPADJUST once on the model. */
static int snp_insn_once(struct ccmem_vm *vm, struct ccmem_emu_req *req,
			 u64 spa, int pagesize, bool *no_change, u64 *npf)
{
	if (req->insn == CCMEM_INSN_PVALIDATE)
		return snp_emu_guest.pvalidate(spa, req->gpa, vm->key_id,
					       req->level, pagesize, req->rdx,
					       no_change, npf);
	return snp_emu_guest.rmpadjust(spa, req->gpa, vm->key_id, req->level,
				       pagesize, req->rdx, npf);
}

/*
 * PVALIDATE or RMPADJUST. The host resolves the gpa to its page (as the
 * nested page tables would) and runs the instruction; the model returns
 * every code itself. A 4 KiB instruction on a page inside a 2 MiB entry
 * exits with the size-mismatch bit: the host PSMASHes and runs it again,
 * as KVM does.
 */
static int snp_guest_insn(struct ccmem_vm *vm, struct ccmem_emu_req *req)
{
	int pagesize = req->rcx > RMP_PG_2M ? RMP_PG_2M + 1 : req->rcx;
	u64 size = req->rcx == RMP_PG_2M ? CCMEM_2M_SIZE : PAGE_SIZE;
	u64 gfn = req->gpa >> PAGE_SHIFT, pfn, npf = 0;
	bool assigned_2m, no_change = false;
	int ret;

	if (req->insn != CCMEM_INSN_PVALIDATE &&
	    req->insn != CCMEM_INSN_RMPADJUST)
		return -EINVAL;
	if (req->level >= RMP_NR_VMPLS ||
	    (req->insn == CCMEM_INSN_PVALIDATE && req->rdx > 1))
		return -EINVAL;

	if (req->insn == CCMEM_INSN_PVALIDATE)
		snp_vm(vm)->stat.pvalidates++;
	else
		snp_vm(vm)->stat.rmpadjusts++;
	ret = snp_private_pfn(vm, req, gfn, size, &pfn, &assigned_2m);
	if (ret)
		return ret < 0 ? ret : 0;
	ret = snp_insn_once(vm, req, pfn << PAGE_SHIFT, pagesize, &no_change,
			    &npf);
	if (ret == -1 && (npf & RMP_NPF_ERR_SIZEM) &&
	    !ccmem_vm_split_2m(vm, gfn))
		ret = snp_insn_once(vm, req, pfn << PAGE_SHIFT, pagesize,
				    &no_change, &npf);
	if (ret == -1)
		return ccmem_emu_report_fault(vm, req, req->gpa & PAGE_MASK,
					      size, CCMEM_FAULT_PLATFORM,
					      CCMEM_FAULT_F_PRIVATE, npf);
	if (ret < 0)
		return ret;
	req->rax = ret;
	if (no_change)
		req->rflags |= CCMEM_EMU_RFLAGS_CF;
	return 0;
}

/*
 * The host's RMP fault handling for an access that faulted on a nested
 * mapping of the wrong size (bits RMP | private, no size bit): a 4 KiB
 * mapping over a 2 MiB entry is fixed by a PSMASH, a 2 MiB mapping over
 * 4 KiB entries by mapping at 4 KiB. Returns true to run it again.
 */
static bool snp_fix_mapping(struct ccmem_vm *vm, struct rmp_access *a,
			    u64 gfn)
{
	struct snp_rmp_state st;

	if (!a->private_access ||
	    snp_vm(vm)->plat->lookup(a->spa >> PAGE_SHIFT, &st) ||
	    !st.entry.assigned || st.entry.asid != vm->key_id ||
	    st.entry.pagesize == a->pagesize)
		return false;
	if (a->pagesize == RMP_PG_2M) {
		a->pagesize = RMP_PG_4K;
		return true;
	}
	return !ccmem_vm_split_2m(vm, gfn);
}

static int snp_guest_access(struct ccmem_vm *vm, struct ccmem_emu_req *req)
{
	bool shared = req->flags & CCMEM_ACCESS_F_SHARED;
	u64 gfn = req->gpa >> PAGE_SHIFT, pfn;
	struct rmp_access a = {
		.who = RMP_ACCESS_GUEST,
		.gpa = req->gpa & PAGE_MASK,
		.asid = vm->key_id,
		.vmpl = req->level,
		.private_access = !shared,
		.write = req->flags & CCMEM_ACCESS_F_WRITE,
		.exec = req->flags & CCMEM_ACCESS_F_EXEC,
		.user = req->flags & CCMEM_ACCESS_F_USER,
	};
	u32 flags = snp_fault_flags(!shared, req->flags);
	bool assigned_2m;
	int ret, tries;

	if (req->level >= RMP_NR_VMPLS)
		return -EINVAL;
	if (!ccmem_find_region(vm, gfn))
		return ccmem_emu_report_fault(vm, req, a.gpa, PAGE_SIZE,
					      CCMEM_FAULT_NO_REGION, flags, 0);
	if (shared) {
		if (!ccmem_gfn_is_private(vm, gfn))
			return ccmem_emu_shared_access(vm, req);
		/*
		 * Shared access to a private gfn: with a page behind it the
		 * RMP raises the nested fault; without one the VMM sees a
		 * memory-attribute exit, as with KVM.
		 */
		if (ccmem_vm_resolve_private(vm, gfn, false, &pfn,
					     &assigned_2m))
			return ccmem_emu_report_fault(vm, req, a.gpa,
						      PAGE_SIZE,
						      CCMEM_FAULT_ATTRIBUTE,
						      flags, 0);
	} else {
		ret = snp_private_pfn(vm, req, gfn, PAGE_SIZE, &pfn,
				      &assigned_2m);
		if (ret)
			return ret < 0 ? ret : 0;
	}

	/*
	 * The nested mapping: an emulated vCPU's accesses go through the
	 * host's own nested page tables, which map a page at the size of
	 * its RMP entry, as KVM does; the VMM that plays the CPU names the
	 * mapping size.
	 */
	if (req->vcpu)
		a.pagesize = assigned_2m ? RMP_PG_2M : RMP_PG_4K;
	else
		a.pagesize = req->flags & CCMEM_ACCESS_F_2M ? RMP_PG_2M :
							       RMP_PG_4K;
	a.spa = pfn << PAGE_SHIFT;
	for (tries = 0; tries < 2; tries++) {
		switch (snp_emu_guest.access(&a)) {
		case RMP_ACCESS_OK:
			return ccmem_emu_copy_private(pfn, req);
		case RMP_ACCESS_GUEST_VC:
			req->result = CCMEM_EMU_R_EXCEPTION;
			req->vector = CCMEM_EMU_VECTOR_VC;
			req->error_code = a.error_code;
			return 0;
		default:
			break;
		}
		if (!snp_fix_mapping(vm, &a, gfn))
			break;
	}
	return ccmem_emu_report_fault(vm, req, a.gpa, PAGE_SIZE,
				      CCMEM_FAULT_PLATFORM, flags,
				      a.error_code);
}

/*
 * The host kernel writes the page backing @gpa through a mapping of the
 * size the request names. The host reads no private memory here: that
 * would hand guest data to the VMM.
 */
static int snp_host_access(struct ccmem_vm *vm, struct ccmem_emu_req *req)
{
	u64 gfn = req->gpa >> PAGE_SHIFT, pfn;
	struct rmp_access a = {
		.who = RMP_ACCESS_HOST,
		.write = true,
		.pagesize = req->flags & CCMEM_ACCESS_F_2M ? RMP_PG_2M :
							      RMP_PG_4K,
	};
	bool assigned_2m;
	int ret;

	if (!(req->flags & CCMEM_ACCESS_F_WRITE) ||
	    (req->flags & (CCMEM_ACCESS_F_EXEC | CCMEM_ACCESS_F_SHARED |
			   CCMEM_ACCESS_F_USER)) || req->level)
		return -EINVAL;
	if (!ccmem_gfn_is_private(vm, gfn))
		return ccmem_emu_shared_access(vm, req);
	ret = ccmem_vm_resolve_private(vm, gfn, false, &pfn, &assigned_2m);
	if (ret)
		return ret;
	a.spa = pfn << PAGE_SHIFT;
	if (snp_emu_guest.access(&a) == RMP_ACCESS_OK)
		return ccmem_emu_copy_private(pfn, req);
	return ccmem_emu_report_fault(vm, req, req->gpa & PAGE_MASK, PAGE_SIZE,
				      CCMEM_FAULT_HOST_ACCESS,
				      CCMEM_FAULT_F_WRITE, a.error_code);
}

static int snp_access(struct ccmem_vm *vm, struct ccmem_emu_req *req)
{
	if (req->flags & CCMEM_ACCESS_F_HOST)
		return snp_host_access(vm, req);
	return snp_guest_access(vm, req);
}

static int snp_lookup(struct ccmem_vm *vm, struct ccmem_emu_lookup *lk)
{
	u64 gfn = lk->gpa >> PAGE_SHIFT, pfn;
	struct snp_rmp_state st;
	bool assigned_2m;
	int ret, i;

	ret = ccmem_vm_resolve_private(vm, gfn, false, &pfn, &assigned_2m);
	if (ret == -EPERM || (ret == -ENOENT && ccmem_find_region(vm, gfn)))
		return 0;	/* a hypervisor page: nothing assigned */
	if (ret)
		return ret == -ENOENT ? -EINVAL : ret;
	ret = snp_vm(vm)->plat->lookup(pfn, &st);
	if (ret)
		return ret;
	lk->state = (st.entry.assigned ? CCMEM_EMU_S_ASSIGNED : 0) |
		    (st.entry.validated ? CCMEM_EMU_S_ACCEPTED : 0) |
		    (st.entry.pagesize == RMP_PG_2M ? CCMEM_EMU_S_2M : 0) |
		    (st.entry.immutable ? CCMEM_EMU_S_IMMUTABLE : 0) |
		    (st.entry.vmsa ? CCMEM_EMU_S_VMSA : 0);
	lk->key_id = st.entry.asid;
	for (i = 0; i < RMP_NR_VMPLS; i++)
		lk->perms |= (u32)st.entry.perms[i] << (8 * i);
	return 0;
}

static int snp_inject(struct ccmem_vm *vm, const struct ccmem_emu_inject *inj)
{
	static const u32 op[] = {
		[CCMEM_INJECT_ASSIGN] = SNP_INJECT_RMPUPDATE,
		[CCMEM_INJECT_SPLIT] = SNP_INJECT_PSMASH,
		[CCMEM_INJECT_CONVERT_EARLY] = SNP_INJECT_PSC_EARLY,
		[CCMEM_INJECT_CONVERT_BACKWARD] = SNP_INJECT_PSC_BACKWARD,
		[CCMEM_INJECT_CONVERT_OUTSIDE] = SNP_INJECT_PSC_OUTSIDE,
		[CCMEM_INJECT_CONVERT_LIE] = SNP_INJECT_PSC_LIE,
	};

	if (inj->op == CCMEM_INJECT_BUSY || inj->op == CCMEM_INJECT_BLOCK ||
	    inj->op == CCMEM_INJECT_ACCEPT_CHUNK)
		return -EOPNOTSUPP;
	/* The core checked @op and the codes the uapi requires. */
	return snp_emu_guest.inject(vm->key_id, op[inj->op], inj->code,
				    inj->count);
}

const struct ccmem_arch_emu_ops snp_arch_emu_ops = {
	.guest_insn	= snp_guest_insn,
	.access		= snp_access,
	.lookup		= snp_lookup,
	.inject		= snp_inject,
	.hypercall	= snp_hypercall,
};
