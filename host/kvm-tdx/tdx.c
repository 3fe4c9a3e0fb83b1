// SPDX-License-Identifier: GPL-2.0
/*
 * tdx.c - ccmem_tdx.ko: Intel TDX VMs for ccmem.
 *
 * Policy on top of the TDX platform layer, through the same core as SNP:
 *
 *  - Launch: immutable pages are added with TDH.MEM.PAGE.ADD, 4 KiB each
 *    (with the VMM's content from CCMEM_VM_LAUNCH_UPDATE, or zeroed from
 *    an immutable CCMEM_VM_POPULATE), until the TD is finalized
 *    (TDH.MR.FINALIZE, at CCMEM_VM_FINALIZE or the first vCPU run).
 *  - Runtime: a private page is added with TDH.MEM.PAGE.AUG, as one 2 MiB
 *    page wherever the core backs a whole private 2 MiB block, else 4 KiB
 *    under a table added with TDH.MEM.SEPT.ADD. A 2 MiB slot whose table
 *    has emptied (every page converted away) gets its table removed
 *    (BLOCK, TRACK, kick, SEPT.REMOVE) when it is next mapped whole, so it
 *    is mapped at 2 MiB again: the re-promotion no upstream host does.
 *  - Removal: BLOCK, then TRACK and a kick of every vCPU, then
 *    TDH.MEM.PAGE.REMOVE; the core scrubs the page after. A partial
 *    conversion of a 2 MiB page first DEMOTEs it through the same BLOCK,
 *    TRACK, kick sequence.
 *  - Retries: OPERAND_BUSY and PREVIOUS_TLB_EPOCH_BUSY are transient: the
 *    core retries the operation a bounded number of times (-EAGAIN). Any
 *    other status leaves the page state unknown: the core leaks the page
 *    and marks the VM dead, as on SNP.
 *  - HKIDs: one per VM, a share of the pool per user.
 *
 * Module parameter backend=auto|hw|emu sets what CCMEM_BACKEND_AUTO means.
 */
#define pr_fmt(fmt) "ccmem_tdx: " fmt

#include <linux/idr.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "tdx.h"

static char *backend = "auto";
module_param(backend, charp, 0444);
MODULE_PARM_DESC(backend, "platform for CCMEM_BACKEND_AUTO VMs: auto|hw|emu");

/* Private HKIDs: the emulated module offers as many as a large part. */
#define TDX_MAX_HKID	255

static unsigned int max_hkids_per_user = TDX_MAX_HKID / 4;
module_param(max_hkids_per_user, uint, 0644);
MODULE_PARM_DESC(max_hkids_per_user,
		 "HKIDs one user's TDs may hold (default a quarter of the pool)");

/* TRACK answers PREVIOUS_TLB_EPOCH_BUSY until the kicked vCPUs left. */
#define TDX_TRACK_TRIES	8

static DEFINE_IDA(tdx_hkid_ida);
static bool tdx_hw_ok;		/* tdx_platform_hw.probe() succeeded */

static const struct tdx_platform *tdx_pick(u32 req)
{
	int b = ccmem_backend_pick(backend, req, tdx_hw_ok);

	if (b < 0)
		return NULL;
#ifdef CONFIG_CCMEM_EMU_ENABLED
	if (b == CCMEM_BACKEND_EMU)
		return &tdx_platform_emu;
#endif
	return &tdx_platform_hw;
}

#define TDXS(f, u, fl, d) CCMEM_STAT(struct tdx_counters, f, u, fl, d)
static const struct ccmem_stat_desc tdx_stat_descs[] = {
	TDXS(accepts, NONE, CCMEM_CUM, "TDG.MEM.PAGE.ACCEPT instructions executed"),
	TDXS(vmcalls, NONE, CCMEM_CUM, "TDG.VP.VMCALLs handled"),
	TDXS(page_adds, NONE, CCMEM_CUM, "TDH.MEM.PAGE.ADD: launch pages added"),
	TDXS(augs_2m, NONE, CCMEM_CUM, "TDH.MEM.PAGE.AUG of 2 MiB pages"),
	TDXS(augs_4k, NONE, CCMEM_CUM, "TDH.MEM.PAGE.AUG of 4 KiB pages"),
	TDXS(sept_adds, NONE, CCMEM_CUM, "TDH.MEM.SEPT.ADD: 4 KiB tables added"),
	TDXS(sept_removes, NONE, CCMEM_CUM, "TDH.MEM.SEPT.REMOVE: empty tables removed"),
	TDXS(blocks, NONE, CCMEM_CUM, "TDH.MEM.RANGE.BLOCK calls that blocked"),
	TDXS(tracks, NONE, CCMEM_CUM, "TDH.MEM.TRACK: TLB epochs advanced"),
	TDXS(kicks, NONE, CCMEM_CUM, "vCPU kicks after a TRACK"),
	TDXS(removes, NONE, CCMEM_CUM, "TDH.MEM.PAGE.REMOVE: pages removed"),
	TDXS(demotes, NONE, CCMEM_CUM, "TDH.MEM.PAGE.DEMOTE: 2 MiB pages split"),
	TDXS(repromotes, NONE, CCMEM_CUM, "2 MiB slots mapped whole again after a split"),
	TDXS(busy_retries, NONE, CCMEM_CUM,
	     "SEAMCALLs answered OPERAND_BUSY or PREVIOUS_TLB_EPOCH_BUSY (retried)"),
	TDXS(accept_exits, NONE, CCMEM_CUM, "EPT-violation exits of TDG.MEM.PAGE.ACCEPT"),
	TDXS(accept_resumes, NONE, CCMEM_CUM, "2 MiB ACCEPTs resumed after an interruption"),
	TDXS(access_exits, NONE, CCMEM_CUM, "EPT-violation exits of guest accesses"),
	TDXS(unblocks, NONE, CCMEM_CUM, "TDH.MEM.RANGE.UNBLOCK after a guest exit"),
	TDXS(ve_raised, NONE, CCMEM_CUM, "#VE raised in the guest (PENDING page)"),
	TDXS(mapgpa_requests, NONE, CCMEM_CUM, "TDG.VP.VMCALL<MapGPA> requests"),
	TDXS(mapgpa_exits, NONE, CCMEM_CUM, "conversion exits to the VMM"),
	TDXS(mapgpa_retries, NONE, CCMEM_CUM, "MapGPA answered RETRY"),
	TDXS(mapgpa_errors, NONE, CCMEM_CUM, "MapGPA answered with an error"),
	TDXS(fatal_reports, NONE, CCMEM_CUM, "TDG.VP.VMCALL<ReportFatalError>"),
};

static void tdx_read_stats(struct ccmem_vm *vm, u64 *vals);

static const struct ccmem_stat_group tdx_stats = {
	.name = "tdx",
	.descs = tdx_stat_descs,
	.nr = ARRAY_SIZE(tdx_stat_descs),
	.read = tdx_read_stats,
};

static void tdx_read_stats(struct ccmem_vm *vm, u64 *vals)
{
	ccmem_stat_copy(&tdx_stats, &tdx_vm(vm)->stat, vals);
}

/**
 * tdx_count() - add to one of the VM's TDX counters.
 * @vm: the VM; vm->lock NOT held.
 * @counter: a field of tdx_vm(vm)->stat.
 * @n: the amount.
 */
void tdx_count(struct ccmem_vm *vm, u64 *counter, u64 n)
{
	mutex_lock(&vm->lock);
	*counter += n;
	mutex_unlock(&vm->lock);
}

static int tdx_vm_init(struct ccmem_vm *vm, const struct ccmem_vm_create *args)
{
	u32 gpaw = args->gpa_width ?: TDX_GPAW_52;
	struct tdx_vm *tv;
	int hkid, ret;

	BUILD_BUG_ON(CCMEM_TDX_ATTR_NO_PENDING_VE !=
		     TDX_TD_ATTR_SEPT_VE_DISABLE);
	if (args->attributes & ~CCMEM_TDX_ATTR_NO_PENDING_VE)
		return -EINVAL;
	if (gpaw != TDX_GPAW_48 && gpaw != TDX_GPAW_52)
		return -EINVAL;
	tv = kzalloc(sizeof(*tv), GFP_KERNEL_ACCOUNT);
	if (!tv)
		return -ENOMEM;
	tv->plat = tdx_pick(args->backend);
	if (!tv->plat) {
		kfree(tv);
		return -ENODEV;
	}
	tv->gpaw = gpaw;
	tv->attributes = args->attributes;
	xa_init(&tv->repromotable);
	/* One user may not take the whole pool: a share, then -EDQUOT. */
	ret = ccmem_limit_charge(vm->uid, CCMEM_LIMIT_KEYS_OF(CCMEM_VM_TDX),
				 READ_ONCE(max_hkids_per_user));
	if (ret)
		goto err_free;
	hkid = ida_alloc_range(&tdx_hkid_ida, 1, TDX_MAX_HKID, GFP_KERNEL);
	if (hkid < 0) {
		ret = hkid == -ENOSPC ? -EBUSY : hkid;
		goto err_uncharge;
	}
	tv->td = tv->plat->td_create(gpaw, args->attributes);
	if (!tv->td) {
		ret = -ENOMEM;
		goto err_hkid;
	}
	vm->key_id = hkid;
	vm->gpa_width = gpaw;
	/* Guest memory lies below the shared bit. */
	vm->gpa_limit = min_t(u64, vm->gpa_limit, TDX_SHARED_BIT(gpaw));
	vm->backend = CCMEM_BACKEND_HW;
#ifdef CONFIG_CCMEM_EMU_ENABLED
	if (tv->plat == &tdx_platform_emu) {
		vm->backend = CCMEM_BACKEND_EMU;
		vm->emu = &tdx_arch_emu_ops;
	}
#endif
	vm->arch_data = tv;
	return 0;

err_hkid:
	ida_free(&tdx_hkid_ida, hkid);
err_uncharge:
	ccmem_limit_uncharge(vm->uid, CCMEM_LIMIT_KEYS_OF(CCMEM_VM_TDX));
err_free:
	kfree(tv);
	return ret;
}

static void tdx_vm_free(struct ccmem_vm *vm)
{
	struct tdx_vm *tv = tdx_vm(vm);

	/* Every page is back; this frees the Secure-EPT's own tables. */
	tv->plat->td_destroy(tv->td);
	xa_destroy(&tv->repromotable);
	ida_free(&tdx_hkid_ida, vm->key_id);
	ccmem_limit_uncharge(vm->uid, CCMEM_LIMIT_KEYS_OF(CCMEM_VM_TDX));
	kfree(tv);
	vm->arch_data = NULL;
}

/*
 * A SEAMCALL status as the core wants it: transient contention is
 * retried, a backend without memory changed nothing, anything else
 * leaves the state unknown.
 */
static int tdx_ret(struct ccmem_vm *vm, u64 st)
{
	if (st == TDX_SUCCESS)
		return 0;
	if (st == TDX_EMU_NO_MEMORY)
		return -ENOMEM;
	if (TDX_STATUS(st) == TDX_OPERAND_BUSY ||
	    TDX_STATUS(st) == TDX_PREVIOUS_TLB_EPOCH_BUSY) {
		tdx_vm(vm)->stat.busy_retries++;
		return -EAGAIN;
	}
	pr_warn_ratelimited("vm %u: SEAMCALL failed with status 0x%016llx\n",
			    vm->id, st);
	return -EIO;
}

/*
 * TRACK, then make every vCPU leave the TD once, so that no TLB holds a
 * translation from before the BLOCK: only then may REMOVE, DEMOTE or
 * SEPT.REMOVE run. TRACK itself waits for the previous epoch's vCPUs to
 * have left: kick them and try again, a bounded number of times.
 */
static int tdx_track_kick(struct ccmem_vm *vm)
{
	struct tdx_vm *tv = tdx_vm(vm);
	u64 st = TDX_SUCCESS;
	int i;

	for (i = 0; i < TDX_TRACK_TRIES; i++) {
		st = tv->plat->track(tv->td);
		if (TDX_STATUS(st) != TDX_PREVIOUS_TLB_EPOCH_BUSY)
			break;
		if (tv->plat->kick)
			tv->plat->kick(tv->td);
		tv->stat.kicks++;
	}
	if (st != TDX_SUCCESS)
		return tdx_ret(vm, st);
	tv->stat.tracks++;
	if (tv->plat->kick)
		tv->plat->kick(tv->td);
	tv->stat.kicks++;
	return 0;
}

/* BLOCK @gpa at @level; blocked already counts as done. */
static int tdx_block(struct ccmem_vm *vm, u64 gpa, int level)
{
	struct tdx_vm *tv = tdx_vm(vm);
	u64 st = tv->plat->block(tv->td, gpa, level);

	if (TDX_STATUS(st) == TDX_GPA_RANGE_ALREADY_BLOCKED)
		return 0;
	if (st == TDX_SUCCESS)
		tv->stat.blocks++;
	return tdx_ret(vm, st);
}

/**
 * tdx_unblock() - TDH.MEM.RANGE.UNBLOCK of a leaf the guest found blocked.
 * @vm: the VM; vm->lock held.
 * @gpa: the leaf's GPA, aligned to @level.
 * @level: TDX_LEVEL_4K or TDX_LEVEL_2M.
 *
 * Return: 0 or a negative errno (tdx_ret()).
 */
int tdx_unblock(struct ccmem_vm *vm, u64 gpa, int level)
{
	struct tdx_vm *tv = tdx_vm(vm);
	int ret;
	u64 st;

	/* Once the TD runs, UNBLOCK too wants the BLOCK tracked. */
	ret = tdx_track_kick(vm);
	if (ret)
		return ret;
	st = tv->plat->unblock(tv->td, gpa, level);
	if (st == TDX_SUCCESS)
		tv->stat.unblocks++;
	return tdx_ret(vm, st);
}

/*
 * The 2 MiB slot at @gpa, as the Secure-EPT has it: 1 with a table of
 * 4 KiB entries, 0 when the slot is free, -EIO when a 2 MiB leaf is
 * there.
 */
static int tdx_slot(struct ccmem_vm *vm, u64 gpa)
{
	struct tdx_vm *tv = tdx_vm(vm);
	struct sept_entry e;
	int level;

	if (tv->plat->lookup(tv->td, gpa, &e, &level))
		return 0;
	if (level == TDX_LEVEL_4K)
		return 1;
	return e.state == SEPT_FREE ? 0 : -EIO;
}

/* A 4 KiB page needs a table under its 2 MiB slot: SEPT.ADD one. */
static int tdx_need_table(struct ccmem_vm *vm, u64 gpa)
{
	struct tdx_vm *tv = tdx_vm(vm);
	u64 base = ALIGN_DOWN(gpa, CCMEM_2M_SIZE);
	int ret = tdx_slot(vm, base);

	if (ret)
		return ret < 0 ? ret : 0;
	ret = tdx_ret(vm, tv->plat->sept_add(tv->td, base, TDX_LEVEL_2M));
	if (!ret)
		tv->stat.sept_adds++;
	return ret;
}

/*
 * A whole 2 MiB page goes where a table may remain from an earlier split:
 * the core only maps a block whole when it holds no page, so every entry
 * of that table is free. Take the table away (BLOCK, TRACK, kick,
 * SEPT.REMOVE) so that the slot holds one 2 MiB leaf again.
 */
static int tdx_drop_table(struct ccmem_vm *vm, u64 gpa)
{
	struct tdx_vm *tv = tdx_vm(vm);
	int ret = tdx_slot(vm, gpa);

	if (ret <= 0)
		return ret;
	ret = tdx_block(vm, gpa, TDX_LEVEL_2M) ?: tdx_track_kick(vm);
	if (ret)
		return ret;
	ret = tdx_ret(vm, tv->plat->sept_remove(tv->td, gpa, TDX_LEVEL_2M));
	if (!ret)
		tv->stat.sept_removes++;
	return ret;
}

/*
 * The core took the last page of the 2 MiB block at @gfn: remove the
 * block's empty table now, so that the block can be mapped whole again.
 * (A guest's 2 MiB ACCEPT over a table gets PAGE_SIZE_MISMATCH without an
 * exit, so the host could not re-promote the block later.) A failure
 * leaves the table, which is harmless: the block then stays 4 KiB.
 */
static void tdx_block_empty(struct ccmem_vm *vm, u64 gfn)
{
	struct tdx_vm *tv = tdx_vm(vm);
	u64 gpa = gfn << PAGE_SHIFT;
	int ret = tdx_slot(vm, gpa);

	if (ret <= 0)
		return;		/* no table (or a 2 MiB leaf): nothing to do */
	if (tdx_drop_table(vm, gpa)) {
		/* Leave the table usable: unblocked (tracked first). */
		tdx_unblock(vm, gpa, TDX_LEVEL_2M);
		return;
	}
	/* Counted as a re-promotion when the block is next mapped whole. */
	xa_store(&tv->repromotable, gfn >> PMD_ORDER, xa_mk_value(1),
		 GFP_KERNEL_ACCOUNT);
}

/* Was the 2 MiB block at @gfn split, and emptied since? Forget it. */
static bool tdx_take_split_mark(struct tdx_vm *tv, u64 gfn)
{
	return xa_erase(&tv->repromotable, gfn >> PMD_ORDER);
}

static int tdx_assign(struct ccmem_vm *vm, u64 gfn, u64 pfn, int order,
		      bool immutable)
{
	struct tdx_vm *tv = tdx_vm(vm);
	u64 gpa = gfn << PAGE_SHIFT, st;
	int ret;

	if (order) {
		/* Normally gone already (tdx_block_empty()). */
		ret = tdx_drop_table(vm, gpa);
		if (ret)
			return ret;
	} else {
		ret = tdx_need_table(vm, gpa);
		if (ret)
			return ret;
	}
	if (immutable) {
		/* The core backs launch pages at 4 KiB (CCMEM_ARCH_F_LAUNCH_4K). */
		ret = tdx_ret(vm, tv->plat->page_add(tv->td, gpa, pfn));
		if (!ret)
			tv->stat.page_adds++;
		return ret;
	}
	st = tv->plat->page_aug(tv->td, gpa, tdx_level(order), pfn);
	ret = tdx_ret(vm, st);
	if (!ret) {
		if (order)
			tv->stat.augs_2m++;
		else
			tv->stat.augs_4k++;
		if (order && tdx_take_split_mark(tv, gfn))
			tv->stat.repromotes++;
	}
	return ret;
}

static int tdx_unassign(struct ccmem_vm *vm, u64 gfn, u64 pfn, int order,
			bool immutable)
{
	struct tdx_vm *tv = tdx_vm(vm);
	u64 gpa = gfn << PAGE_SHIFT, mapped = 0;
	int level = tdx_level(order);
	int ret;

	ret = tdx_block(vm, gpa, level) ?: tdx_track_kick(vm);
	if (ret)
		return ret;
	ret = tdx_ret(vm, tv->plat->remove(tv->td, gpa, level, &mapped));
	if (ret)
		return ret;
	tv->stat.removes++;
	/* The module names the page it unmapped: it must be ours. */
	if (mapped != pfn) {
		pr_warn_ratelimited("vm %u: REMOVE at 0x%llx gave pfn 0x%llx, not 0x%llx\n",
				    vm->id, gpa, mapped, pfn);
		return -EIO;
	}
	return 0;
}

/* DEMOTE the 2 MiB page at @gfn into 512 4 KiB ones. */
static int tdx_split(struct ccmem_vm *vm, u64 gfn, u64 pfn)
{
	struct tdx_vm *tv = tdx_vm(vm);
	u64 gpa = gfn << PAGE_SHIFT;
	int ret;

	ret = tdx_block(vm, gpa, TDX_LEVEL_2M) ?: tdx_track_kick(vm);
	if (ret)
		return ret;
	ret = tdx_ret(vm, tv->plat->demote(tv->td, gpa, TDX_LEVEL_2M));
	if (!ret)
		tv->stat.demotes++;
	return ret;
}

static bool tdx_accepted(struct ccmem_vm *vm, u64 gfn, u64 pfn)
{
	struct tdx_vm *tv = tdx_vm(vm);
	struct sept_entry e;
	int level;

	if (tv->plat->lookup(tv->td, gfn << PAGE_SHIFT, &e, &level))
		return false;
	return e.state == SEPT_MAPPED || e.state == SEPT_BLOCKED;
}

static void tdx_leak(struct ccmem_vm *vm, u64 pfn, u64 npages)
{
	if (tdx_vm(vm)->plat->leak)
		tdx_vm(vm)->plat->leak(pfn, npages);
}

/*
 * TDH.MR.FINALIZE: the end of the launch; vm->lock held. The core calls
 * it once (vm->finalized). 0 or -EIO.
 */
static int tdx_finalize(struct ccmem_vm *vm)
{
	struct tdx_vm *tv = tdx_vm(vm);
	u64 st = tv->plat->finalize(tv->td);

	if (st != TDX_SUCCESS) {
		pr_warn("vm %u: TDH.MR.FINALIZE failed with 0x%016llx\n",
			vm->id, st);
		return -EIO;
	}
	return 0;
}

static bool tdx_hw_usable(void)
{
	return tdx_hw_ok;
}

static bool tdx_emu_available(void)
{
	return IS_ENABLED(CONFIG_CCMEM_EMU_ENABLED);
}

static const struct ccmem_arch_ops tdx_arch_ops = {
	.owner		= THIS_MODULE,
	.vm_type	= CCMEM_VM_TDX,
	.name		= "tdx",
	.stats		= &tdx_stats,
	.flags		= CCMEM_ARCH_F_LAUNCH_4K,
	.hw_usable	= tdx_hw_usable,
	.emu_available	= tdx_emu_available,
	.vm_init	= tdx_vm_init,
	.vm_free	= tdx_vm_free,
	.assign		= tdx_assign,
	.unassign	= tdx_unassign,
	.split		= tdx_split,
	.accepted	= tdx_accepted,
	.leak		= tdx_leak,
	.finalize	= tdx_finalize,
	.block_empty	= tdx_block_empty,
};

static int __init ccmem_tdx_init(void)
{
	int ret;

	tdx_hw_ok = !tdx_platform_hw.probe() && !tdx_platform_hw.init();
	ret = ccmem_backend_param(backend, tdx_hw_ok);
	if (ret)
		goto err_hw;
#ifdef CONFIG_CCMEM_EMU_ENABLED
	ret = tdx_platform_emu.init();
	if (ret)
		goto err_hw;
#endif
	ret = ccmem_register_arch(&tdx_arch_ops);
	if (ret)
		goto err_emu;
	pr_info("loaded: hw backend %s, default backend %s\n",
		tdx_hw_ok ? "available" : "unavailable (using emu)",
		tdx_pick(CCMEM_BACKEND_AUTO) ?
		tdx_pick(CCMEM_BACKEND_AUTO)->name : "none");
	return 0;

err_emu:
#ifdef CONFIG_CCMEM_EMU_ENABLED
	tdx_platform_emu.exit();
#endif
err_hw:
	if (tdx_hw_ok)
		tdx_platform_hw.exit();
	return ret;
}

static void __exit ccmem_tdx_exit(void)
{
	/* Reclaims and detaches every live TDX VM. */
	ccmem_unregister_arch(&tdx_arch_ops);
#ifdef CONFIG_CCMEM_EMU_ENABLED
	tdx_platform_emu.exit();
#endif
	if (tdx_hw_ok)
		tdx_platform_hw.exit();
}

module_init(ccmem_tdx_init);
module_exit(ccmem_tdx_exit);
MODULE_DESCRIPTION("ccmem: Intel TDX host support (Secure-EPT, MapGPA)");
MODULE_LICENSE("GPL");
