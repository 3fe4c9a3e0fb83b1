// SPDX-License-Identifier: GPL-2.0
/*
 * snp.c - ccmem_snp.ko: SEV-SNP VMs for ccmem.
 *
 * Policy on top of the SNP platform layer: RMP assignment when pages become
 * private (one 2 MiB entry where ccmem.ko backs a whole private 2 MiB block,
 * else 4 KiB), return to the hypervisor with PSMASH first where a 2 MiB
 * entry is only partly released, firmware reclaim of immutable launch
 * pages, and the ASIDs. The core retries -EAGAIN (FAIL_OVERLAP,
 * FAIL_INUSE) a bounded number of times and leaks on -EIO.
 *
 * Module parameter backend=auto|hw|emu sets what CCMEM_BACKEND_AUTO means.
 */
#define pr_fmt(fmt) "ccmem_snp: " fmt

#include <linux/idr.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "ccmem_core.h"
#include "snp_platform.h"
#include "snp.h"

static char *backend = "auto";
module_param(backend, charp, 0444);
MODULE_PARM_DESC(backend, "platform for CCMEM_BACKEND_AUTO VMs: auto|hw|emu");

#define SNP_MAX_ASID	1023

static DEFINE_IDA(snp_asid_ida);
static bool snp_hw_ok;		/* snp_platform_hw.probe() succeeded */

static const struct snp_platform *snp_pick(u32 req)
{
	if (req == CCMEM_BACKEND_AUTO) {
		if (!strcmp(backend, "hw"))
			req = CCMEM_BACKEND_HW;
		else if (!strcmp(backend, "emu"))
			req = CCMEM_BACKEND_EMU;
		else
			req = snp_hw_ok ? CCMEM_BACKEND_HW : CCMEM_BACKEND_EMU;
	}
	if (req == CCMEM_BACKEND_HW)
		return snp_hw_ok ? &snp_platform_hw : NULL;
#ifdef CONFIG_CCMEM_EMU_ENABLED
	return &snp_platform_emu;
#else
	return NULL;
#endif
}

static int snp_vm_init(struct ccmem_vm *vm, u32 req)
{
	struct snp_vm *svm;
	int asid;

	svm = kzalloc(sizeof(*svm), GFP_KERNEL_ACCOUNT);
	if (!svm)
		return -ENOMEM;
	svm->plat = snp_pick(req);
	if (!svm->plat) {
		kfree(svm);
		return -ENODEV;
	}
	asid = ida_alloc_range(&snp_asid_ida, 1, SNP_MAX_ASID, GFP_KERNEL);
	if (asid < 0) {
		kfree(svm);
		return asid == -ENOSPC ? -EBUSY : asid;
	}
	vm->asid = asid;
	vm->backend = svm->plat == &snp_platform_hw ? CCMEM_BACKEND_HW :
						      CCMEM_BACKEND_EMU;
	vm->arch_data = svm;
	return 0;
}

static void snp_vm_free(struct ccmem_vm *vm)
{
	ida_free(&snp_asid_ida, vm->asid);
	kfree(vm->arch_data);
	vm->arch_data = NULL;
}

/* Consume one injected failure for @op, if armed. */
static bool snp_injected(struct snp_vm *svm, u32 op, int *code)
{
	if (svm->inject_op != op || !svm->inject_count)
		return false;
	svm->inject_count--;
	*code = svm->inject_code;
	return true;
}

static int snp_rmpupdate(struct ccmem_vm *vm, u64 pfn,
			 const struct rmp_model_state *st)
{
	struct snp_vm *svm = snp_vm(vm);
	int ret;

	if (!snp_injected(svm, CCMEM_INJECT_RMPUPDATE, &ret))
		ret = svm->plat->rmpupdate(pfn, st);
	switch (ret) {
	case RMPUPDATE_SUCCESS:
		return 0;
	case RMPUPDATE_FAIL_OVERLAP:
	case RMPUPDATE_FAIL_INUSE:
		return -EAGAIN;
	default:
		return -EIO;
	}
}

static int snp_assign(struct ccmem_vm *vm, u64 gfn, u64 pfn, int order,
		      bool immutable)
{
	struct rmp_model_state st = {
		.gpa = gfn << PAGE_SHIFT,
		.asid = vm->asid,
		.assigned = 1,
		.pagesize = order ? RMP_PG_2M : RMP_PG_4K,
		.immutable = immutable,
	};

	return snp_rmpupdate(vm, pfn, &st);
}

static int snp_unassign(struct ccmem_vm *vm, u64 gfn, u64 pfn, int order,
			bool immutable)
{
	const struct snp_platform *plat = snp_vm(vm)->plat;
	struct rmp_model_state st = { .pagesize = order ? RMP_PG_2M : RMP_PG_4K };

	/* Immutable launch pages go back through firmware first. */
	if (immutable && plat->fw_reclaim)
		plat->fw_reclaim(pfn);
	return snp_rmpupdate(vm, pfn, &st);
}

static int snp_split(struct ccmem_vm *vm, u64 gfn, u64 pfn)
{
	struct snp_vm *svm = snp_vm(vm);
	int ret;

	if (!snp_injected(svm, CCMEM_INJECT_PSMASH, &ret))
		ret = svm->plat->psmash(pfn);
	switch (ret) {
	case PSMASH_SUCCESS:
		return 0;
	case PSMASH_FAIL_INUSE:
		return -EAGAIN;
	default:
		return -EIO;
	}
}

static bool snp_validated(struct ccmem_vm *vm, u64 gfn, u64 pfn)
{
	struct rmp_entry e;

	return !snp_vm(vm)->plat->lookup(pfn, &e) && e.assigned &&
	       e.validated && e.asid == vm->asid;
}

static void snp_leak(struct ccmem_vm *vm, u64 pfn, u64 npages)
{
	if (snp_vm(vm)->plat->leak)
		snp_vm(vm)->plat->leak(pfn, npages);
}

static int snp_inject(struct ccmem_vm *vm, const struct ccmem_emu_inject *inj)
{
	struct snp_vm *svm = snp_vm(vm);

	switch (inj->op) {
	case CCMEM_INJECT_PSC_EARLY:
		svm->psc_early_pages = inj->code;
		svm->psc_early_count = inj->count;
		return 0;
	case CCMEM_INJECT_PSC_BACKWARD:
		if (!inj->code && inj->count)
			return -EINVAL;
		svm->psc_back = inj->code;
		svm->psc_back_count = inj->count;
		return 0;
	case CCMEM_INJECT_RMPUPDATE:
	case CCMEM_INJECT_PSMASH:
		break;
	default:
		return -EINVAL;
	}
	svm->inject_op = inj->op;
	svm->inject_code = inj->code;
	svm->inject_count = inj->count;
	return 0;
}

static const struct ccmem_arch_ops snp_arch_ops = {
	.owner		= THIS_MODULE,
	.vm_type	= CCMEM_VM_SNP,
	.name		= "snp",
	.vm_init	= snp_vm_init,
	.vm_free	= snp_vm_free,
	.assign		= snp_assign,
	.unassign	= snp_unassign,
	.split		= snp_split,
	.validated	= snp_validated,
	.leak		= snp_leak,
	.emu_op		= snp_emu_op,
	.inject		= snp_inject,
	.vmgexit	= snp_vmgexit,
};

static int __init ccmem_snp_init(void)
{
	int ret;

	if (strcmp(backend, "auto") && strcmp(backend, "hw") &&
	    strcmp(backend, "emu")) {
		pr_err("backend=%s: must be auto, hw or emu\n", backend);
		return -EINVAL;
	}
	snp_hw_ok = !snp_platform_hw.probe() && !snp_platform_hw.init();
	if (!strcmp(backend, "hw") && !snp_hw_ok) {
		pr_err("backend=hw requested but SNP hardware is not usable\n");
		return -ENODEV;
	}
#ifdef CONFIG_CCMEM_EMU_ENABLED
	ret = snp_platform_emu.init();
	if (ret)
		goto err_hw;
#else
	if (!snp_hw_ok) {
		pr_err("no SNP hardware and built without CONFIG_CCMEM_EMU\n");
		return -ENODEV;
	}
#endif
	ret = ccmem_register_arch(&snp_arch_ops);
	if (ret)
		goto err_emu;
	pr_info("loaded: hw backend %s, default backend %s\n",
		snp_hw_ok ? "available" : "unavailable (using emu)",
		snp_pick(CCMEM_BACKEND_AUTO) ? snp_pick(CCMEM_BACKEND_AUTO)->name : "none");
	return 0;

err_emu:
#ifdef CONFIG_CCMEM_EMU_ENABLED
	snp_platform_emu.exit();
err_hw:
#endif
	if (snp_hw_ok)
		snp_platform_hw.exit();
	return ret;
}

static void __exit ccmem_snp_exit(void)
{
	/* Reclaims and detaches every live SNP VM. */
	ccmem_unregister_arch(&snp_arch_ops);
#ifdef CONFIG_CCMEM_EMU_ENABLED
	snp_platform_emu.exit();
#endif
	if (snp_hw_ok)
		snp_platform_hw.exit();
}

module_init(ccmem_snp_init);
module_exit(ccmem_snp_exit);
MODULE_DESCRIPTION("ccmem: AMD SEV-SNP host support (RMP, PSMASH, reclaim)");
MODULE_LICENSE("GPL");
