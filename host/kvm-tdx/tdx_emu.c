// SPDX-License-Identifier: GPL-2.0
/*
 * tdx_emu.c - the emu interface of TDX VMs (struct ccmem_arch_emu_ops):
 * TDG.MEM.PAGE.ACCEPT and guest accesses against the Secure-EPT model, as
 * the TDX module would run them, with the host's EPT-violation handling
 * around them.
 *
 *  - The gfn's attribute picks the backing: private pages come from the
 *    pool, shared pages are the region's shared backing. The shared bit
 *    (GPA bit GPAW - 1) or CCMEM_ACCESS_F_SHARED makes an access shared;
 *    with GPAW 52 the core refuses bit 51 (CCMEM_MAX_GPA) before this
 *    code runs, so such a VMM passes the flag.
 *  - An access or ACCEPT whose kind does not match the attribute exits to
 *    the VMM with a CCMEM_FAULT_ATTRIBUTE record, as KVM_EXIT_MEMORY_FAULT
 *    does: conversions are explicit (MapGPA), never implicit.
 *  - The model decides the rest. The host does only what KVM's TDX
 *    EPT-violation handler does: AUG a private page that has no page yet
 *    (at no larger a level than the guest used: a 2 MiB ACCEPT gets a
 *    2 MiB page wherever the whole block is private and empty, and is
 *    never turned into 512 4 KiB pages by the host), DEMOTE a 2 MiB page
 *    a 4 KiB ACCEPT met, UNBLOCK a page left blocked, and re-run the
 *    instruction or access. Everything else goes to the VMM as a
 *    CCMEM_FAULT_PLATFORM record.
 */
#include <linux/mm.h>

#include "tdx.h"

/* An exit the host fixes is retried; a guest that keeps exiting is stuck. */
#define TDX_EXIT_TRIES	4

static u32 tdx_fault_flags(bool priv, u32 access)
{
	return (priv ? CCMEM_FAULT_F_PRIVATE : 0) |
	       (access & CCMEM_ACCESS_F_WRITE ? CCMEM_FAULT_F_WRITE : 0) |
	       (access & CCMEM_ACCESS_F_EXEC ? CCMEM_FAULT_F_EXEC : 0);
}

/* The vCPU the model tracks for @req: an emulated one, or the VMM's. */
static u32 tdx_req_vcpu(const struct ccmem_emu_req *req)
{
	return req->vcpu ? req->vcpu->id : req->vcpu_id;
}

static u64 tdx_level_size(int level)
{
	return level == TDX_LEVEL_2M ? CCMEM_2M_SIZE : PAGE_SIZE;
}

/*
 * The host's EPT-violation handler for a private @gpa the guest used at
 * @level. Returns 0 when fixed (run the guest's operation again), 1 when
 * the VMM must decide (a fault record is in @req), or a negative errno.
 */
static int tdx_fix_exit(struct ccmem_vm *vm, struct ccmem_emu_req *req,
			u64 gpa, int level, bool accept)
{
	struct tdx_vm *tv = tdx_vm(vm);
	u64 gfn = gpa >> PAGE_SHIFT, size = tdx_level_size(level);
	u32 flags = tdx_fault_flags(true, accept ? 0 : req->flags);
	/* A fault names the ACCEPT's page at its level, or the access's page. */
	u64 fsize = accept ? size : PAGE_SIZE, fgpa = ALIGN_DOWN(gpa, fsize);
	struct sept_entry e;
	int elevel, ret;

	if (!ccmem_find_region(vm, gfn))
		return ccmem_emu_report_fault(vm, req, fgpa, fsize,
					      CCMEM_FAULT_NO_REGION, flags,
					      0) ?: 1;
	if (!ccmem_gfn_is_private(vm, gfn))
		return ccmem_emu_report_fault(vm, req, fgpa, fsize,
					      CCMEM_FAULT_ATTRIBUTE, flags,
					      0) ?: 1;

	if (tv->plat->lookup(tv->td, gpa, &e, &elevel))
		e.state = SEPT_FREE;
	switch (e.state) {
	case SEPT_BLOCKED:
	case SEPT_PENDING_BLOCKED:
		/*
		 * Left blocked by the host: unblock it, let the guest go on.
		 * The entry's state is known either way: when the module
		 * refuses, the VMM sees the fault.
		 */
		ret = tdx_unblock(vm, ALIGN_DOWN(gpa, tdx_level_size(elevel)),
				  elevel);
		if (!ret || ret == -EAGAIN)
			return 0;
		if (ret == -ENOMEM)
			return ret;
		break;
	case SEPT_FREE:
		if (xa_load(&vm->pages, gfn))
			break;	/* the core has a page the module lacks */
		ret = ccmem_vm_populate_gfn(vm, gfn, level == TDX_LEVEL_2M ?
					    PMD_ORDER : 0);
		return ret;
	case SEPT_PENDING:
	case SEPT_MAPPED:
		/* A 4 KiB operation met a 2 MiB page: split it. */
		if (elevel == TDX_LEVEL_2M && level == TDX_LEVEL_4K)
			return ccmem_vm_split_2m(vm, gfn);
		break;
	}
	return ccmem_emu_report_fault(vm, req, fgpa, fsize,
				      CCMEM_FAULT_PLATFORM, flags, e.state) ?: 1;
}

/*
 * TDG.MEM.PAGE.ACCEPT. The operand is RCX = the level in bits 2:0 (the
 * GPA comes in @req->gpa); any other RCX bit, or a level above 2 MiB, is
 * the module's OPERAND_INVALID on RCX, returned to the guest.
 */
static int tdx_guest_insn(struct ccmem_vm *vm, struct ccmem_emu_req *req)
{
	struct tdx_vm *tv = tdx_vm(vm);
	struct sept_guest_op op = { .gpa = req->gpa };
	enum sept_guest_result r;
	int tries, resumes, ret;

	if (req->insn != CCMEM_INSN_TDG_ACCEPT || req->level || req->rdx)
		return -EINVAL;
	tv->stat.accepts++;
	if (req->rcx & ~TDX_ACCEPT_LEVEL_MASK ||
	    (req->rcx & TDX_ACCEPT_LEVEL_MASK) > TDX_LEVEL_2M) {
		req->rax = TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX;
		return 0;
	}
	op.level = req->rcx & TDX_ACCEPT_LEVEL_MASK;

	for (tries = 0, resumes = 0; tries < TDX_EXIT_TRIES &&
	     resumes <= CCMEM_PAGES_PER_2M;) {
		r = tdx_emu_guest.accept(tv->td, tdx_req_vcpu(req), &op);
		if (r == SEPT_G_DONE) {
			req->rax = op.status;
			return 0;
		}
		/*
		 * A 2 MiB ACCEPT interrupted part way: the TDCALL runs again
		 * (RIP not advanced) and the module resumes from the entry's
		 * counter, unseen by the guest.
		 */
		if (r == SEPT_G_INTERRUPTED) {
			tv->stat.accept_resumes++;
			resumes++;
			continue;
		}
		tries++;
		tv->stat.accept_exits++;
		ret = tdx_fix_exit(vm, req, req->gpa, op.exit_level, true);
		if (ret)
			return ret < 0 ? ret : 0;
	}
	return ccmem_emu_report_fault(vm, req, req->gpa & PAGE_MASK, PAGE_SIZE,
				      CCMEM_FAULT_PLATFORM,
				      CCMEM_FAULT_F_PRIVATE, 0);
}

static int tdx_guest_access(struct ccmem_vm *vm, struct ccmem_emu_req *req)
{
	struct tdx_vm *tv = tdx_vm(vm);
	u64 shared_bit = TDX_SHARED_BIT(tv->gpaw);
	bool shared = (req->flags & CCMEM_ACCESS_F_SHARED) ||
		      (req->gpa & shared_bit);
	u64 gpa = req->gpa & ~shared_bit, gfn = gpa >> PAGE_SHIFT;
	u32 flags = tdx_fault_flags(!shared, req->flags);
	struct sept_guest_op op;
	enum sept_guest_result r;
	int tries, ret;

	if (req->level)
		return -EINVAL;
	req->gpa = gpa;
	if (!ccmem_find_region(vm, gfn))
		return ccmem_emu_report_fault(vm, req, gpa & PAGE_MASK,
					      PAGE_SIZE, CCMEM_FAULT_NO_REGION,
					      flags, 0);
	/* The kind of access must match the attribute: else the VMM. */
	if (shared != !ccmem_gfn_is_private(vm, gfn))
		return ccmem_emu_report_fault(vm, req, gpa & PAGE_MASK,
					      PAGE_SIZE, CCMEM_FAULT_ATTRIBUTE,
					      flags, 0);
	if (shared)
		return ccmem_emu_shared_access(vm, req);

	for (tries = 0; tries < TDX_EXIT_TRIES; tries++) {
		op = (struct sept_guest_op) {
			.gpa = gpa,
			.write = req->flags & CCMEM_ACCESS_F_WRITE,
			.exec = req->flags & CCMEM_ACCESS_F_EXEC,
		};
		r = tdx_emu_guest.access(tv->td, tdx_req_vcpu(req), &op);
		if (r == SEPT_G_DONE)
			return ccmem_emu_copy_private(op.pfn, req);
		if (r == SEPT_G_VE) {
			/* #VE (EPT violation) on a PENDING page, in the guest. */
			tv->stat.ve_raised++;
			req->result = CCMEM_EMU_R_EXCEPTION;
			req->vector = CCMEM_EMU_VECTOR_VE;
			req->error_code = op.ve_info;
			return 0;
		}
		tv->stat.access_exits++;
		/*
		 * The host maps at the largest level that fits, as KVM does
		 * for an access: 2 MiB when the whole block is private.
		 */
		ret = tdx_fix_exit(vm, req, gpa, TDX_LEVEL_2M, false);
		if (ret)
			return ret < 0 ? ret : 0;
	}
	return ccmem_emu_report_fault(vm, req, gpa & PAGE_MASK, PAGE_SIZE,
				      CCMEM_FAULT_PLATFORM, flags, 0);
}

/*
 * The host kernel writes the page backing @gpa. A private page is under
 * the TD's key: a write with another key would corrupt it (the module
 * would see an integrity failure), so the model refuses it. The host
 * reads no private memory here: that would hand guest data to the VMM.
 */
static int tdx_host_access(struct ccmem_vm *vm, struct ccmem_emu_req *req)
{
	u64 gfn = req->gpa >> PAGE_SHIFT;

	if (!(req->flags & CCMEM_ACCESS_F_WRITE) ||
	    (req->flags & (CCMEM_ACCESS_F_EXEC | CCMEM_ACCESS_F_SHARED |
			   CCMEM_ACCESS_F_USER)) || req->level)
		return -EINVAL;
	if (!ccmem_gfn_is_private(vm, gfn))
		return ccmem_emu_shared_access(vm, req);
	if (!xa_load(&vm->pages, gfn))
		return -ENOENT;
	return ccmem_emu_report_fault(vm, req, req->gpa & PAGE_MASK, PAGE_SIZE,
				      CCMEM_FAULT_HOST_ACCESS,
				      CCMEM_FAULT_F_WRITE, 0);
}

static int tdx_access(struct ccmem_vm *vm, struct ccmem_emu_req *req)
{
	if (req->flags & CCMEM_ACCESS_F_HOST)
		return tdx_host_access(vm, req);
	return tdx_guest_access(vm, req);
}

/* CCMEM_EMU_LOOKUP: raw = state | level << 8 | busy << 16. */
static int tdx_lookup(struct ccmem_vm *vm, struct ccmem_emu_lookup *lk)
{
	struct tdx_vm *tv = tdx_vm(vm);
	u64 gfn = lk->gpa >> PAGE_SHIFT;
	struct sept_entry e;
	int level;

	if (!ccmem_find_region(vm, gfn))
		return -EINVAL;
	if (tv->plat->lookup(tv->td, lk->gpa, &e, &level))
		return 0;
	lk->raw = e.state | (u64)level << 8 | (u64)e.busy << 16;
	switch (e.state) {
	case SEPT_MAPPED:
	case SEPT_BLOCKED:
		lk->state = CCMEM_EMU_S_ACCEPTED;
		fallthrough;
	case SEPT_PENDING:
	case SEPT_PENDING_BLOCKED:
		lk->state |= CCMEM_EMU_S_ASSIGNED;
		if (level == TDX_LEVEL_2M)
			lk->state |= CCMEM_EMU_S_2M;
		lk->key_id = vm->key_id;
		break;
	}
	return 0;
}

static int tdx_inject(struct ccmem_vm *vm, const struct ccmem_emu_inject *inj)
{
	static const u32 op[] = {
		[CCMEM_INJECT_ASSIGN] = TDX_INJECT_AUG,
		[CCMEM_INJECT_SPLIT] = TDX_INJECT_DEMOTE,
		[CCMEM_INJECT_CONVERT_EARLY] = TDX_INJECT_MAPGPA_EARLY,
		[CCMEM_INJECT_CONVERT_BACKWARD] = TDX_INJECT_MAPGPA_BACKWARD,
		[CCMEM_INJECT_BUSY] = TDX_INJECT_BUSY,
		[CCMEM_INJECT_BLOCK] = TDX_INJECT_BLOCK,
		[CCMEM_INJECT_CONVERT_OUTSIDE] = TDX_INJECT_MAPGPA_OUTSIDE,
		[CCMEM_INJECT_CONVERT_LIE] = TDX_INJECT_MAPGPA_LIE,
	};
	struct tdx_vm *tv = tdx_vm(vm);

	if (inj->op == CCMEM_INJECT_ACCEPT_CHUNK) {
		tdx_emu_guest.set_accept_chunk(tv->td,
					       inj->count ? inj->code : 0);
		return 0;
	}
	/*
	 * The core checked @op and the codes the uapi requires. BUSY and
	 * BLOCK act on a private page the VM has.
	 */
	if ((inj->op == CCMEM_INJECT_BUSY || inj->op == CCMEM_INJECT_BLOCK) &&
	    inj->count && !xa_load(&vm->pages, inj->gpa >> PAGE_SHIFT))
		return -ENOENT;
	return tdx_emu_guest.inject(tv->td, op[inj->op], inj->code,
				    inj->count, inj->gpa);
}

const struct ccmem_arch_emu_ops tdx_arch_emu_ops = {
	.guest_insn	= tdx_guest_insn,
	.access		= tdx_access,
	.lookup		= tdx_lookup,
	.inject		= tdx_inject,
	.hypercall	= tdx_hypercall,
};
