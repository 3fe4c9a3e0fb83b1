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

#include "snp.h"

static char *backend = "auto";
module_param(backend, charp, 0444);
MODULE_PARM_DESC(backend, "platform for CCMEM_BACKEND_AUTO VMs: auto|hw|emu");

#define SNP_MAX_ASID	1023

static unsigned int max_asids_per_user = SNP_MAX_ASID / 4;
module_param(max_asids_per_user, uint, 0644);
MODULE_PARM_DESC(max_asids_per_user,
		 "ASIDs one user's VMs may hold (default a quarter of the pool)");

static DEFINE_IDA(snp_asid_ida);
static bool snp_hw_ok;		/* snp_platform_hw.probe() succeeded */

static const struct snp_platform *snp_pick(u32 req)
{
	int b = ccmem_backend_pick(backend, req, snp_hw_ok);

	if (b < 0)
		return NULL;
#ifdef CONFIG_CCMEM_EMU_ENABLED
	if (b == CCMEM_BACKEND_EMU)
		return &snp_platform_emu;
#endif
	return &snp_platform_hw;
}

#define SNPS(f, u, fl, d) CCMEM_STAT(struct snp_counters, f, u, fl, d)
static const struct ccmem_stat_desc snp_stat_descs[] = {
	SNPS(psc_requests, NONE, CCMEM_CUM, "Page State Change requests decoded"),
	SNPS(psc_msr_requests, NONE, CCMEM_CUM, "of which by the GHCB MSR protocol"),
	SNPS(psc_exits, NONE, CCMEM_CUM, "conversion exits to the VMM (merged)"),
	SNPS(psc_entries, NONE, CCMEM_CUM, "PSC entries processed"),
	SNPS(psc_errors, NONE, CCMEM_CUM, "PSC requests refused with an error"),
	SNPS(psmash_hints, NONE, CCMEM_CUM, "PSMASH hints honoured"),
	SNPS(unsmash_hints, NONE, CCMEM_CUM, "UNSMASH hints honoured"),
	SNPS(terminations, NONE, CCMEM_CUM, "GHCB termination requests"),
	SNPS(pvalidates, NONE, CCMEM_CUM, "PVALIDATE instructions executed"),
	SNPS(rmpadjusts, NONE, CCMEM_CUM, "RMPADJUST instructions executed"),
	SNPS(vmgexits, NONE, CCMEM_CUM, "VMGEXITs handled (MSR protocol and NAE)"),
};

static void snp_read_stats(struct ccmem_vm *vm, u64 *vals);

static const struct ccmem_stat_group snp_stats = {
	.name = "snp",
	.descs = snp_stat_descs,
	.nr = ARRAY_SIZE(snp_stat_descs),
	.read = snp_read_stats,
};

static void snp_read_stats(struct ccmem_vm *vm, u64 *vals)
{
	ccmem_stat_copy(&snp_stats, &snp_vm(vm)->stat, vals);
}

/**
 * snp_count() - add to one of the VM's SNP counters.
 * @vm: the VM; vm->lock NOT held.
 * @counter: a field of snp_vm(vm)->stat.
 * @n: the amount.
 */
void snp_count(struct ccmem_vm *vm, u64 *counter, u64 n)
{
	mutex_lock(&vm->lock);
	*counter += n;
	mutex_unlock(&vm->lock);
}

static int snp_vm_init(struct ccmem_vm *vm, const struct ccmem_vm_create *args)
{
	u32 req = args->backend;
	struct snp_vm *svm;
	int asid, ret;

	/* No SNP guest policy or address width is taken here (yet). */
	if (args->attributes || args->gpa_width)
		return -EINVAL;

	svm = kzalloc(sizeof(*svm), GFP_KERNEL_ACCOUNT);
	if (!svm)
		return -ENOMEM;
	svm->plat = snp_pick(req);
	if (!svm->plat) {
		kfree(svm);
		return -ENODEV;
	}
	/* One user may not take the whole pool: a share, then -EDQUOT. */
	ret = ccmem_limit_charge(vm->uid, CCMEM_LIMIT_KEYS_OF(CCMEM_VM_SNP),
				 READ_ONCE(max_asids_per_user));
	if (ret) {
		kfree(svm);
		return ret;
	}
	asid = ida_alloc_range(&snp_asid_ida, 1, SNP_MAX_ASID, GFP_KERNEL);
	if (asid < 0) {
		ccmem_limit_uncharge(vm->uid, CCMEM_LIMIT_KEYS_OF(CCMEM_VM_SNP));
		kfree(svm);
		return asid == -ENOSPC ? -EBUSY : asid;
	}
	vm->key_id = asid;
	vm->backend = CCMEM_BACKEND_HW;
#ifdef CONFIG_CCMEM_EMU_ENABLED
	if (svm->plat == &snp_platform_emu) {
		vm->backend = CCMEM_BACKEND_EMU;
		vm->emu = &snp_arch_emu_ops;
	}
#endif
	vm->arch_data = svm;
	return 0;
}

static void snp_vm_free(struct ccmem_vm *vm)
{
#ifdef CONFIG_CCMEM_EMU_ENABLED
	if (vm->emu)
		snp_emu_guest.forget(vm->key_id);
#endif
	ida_free(&snp_asid_ida, vm->key_id);
	ccmem_limit_uncharge(vm->uid, CCMEM_LIMIT_KEYS_OF(CCMEM_VM_SNP));
	kfree(vm->arch_data);
	vm->arch_data = NULL;
}

/* An RMPUPDATE result as the core wants it. */
static int snp_rmpupdate_ret(int ret)
{
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
	return snp_rmpupdate_ret(snp_vm(vm)->plat->make_private(pfn,
			gfn << PAGE_SHIFT, vm->key_id,
			order ? RMP_PG_2M : RMP_PG_4K, immutable));
}

static int snp_unassign(struct ccmem_vm *vm, u64 gfn, u64 pfn, int order,
			bool immutable)
{
	const struct snp_platform *plat = snp_vm(vm)->plat;

	/* Immutable launch pages go back through firmware first. */
	if (immutable && plat->fw_reclaim)
		plat->fw_reclaim(pfn);
	return snp_rmpupdate_ret(plat->make_shared(pfn, order ? RMP_PG_2M :
								RMP_PG_4K));
}

/* SNP_LAUNCH_UPDATE's end for one page: Pre-Guest to Guest-Valid. */
static int snp_launch(struct ccmem_vm *vm, u64 gfn, u64 pfn)
{
	const struct snp_platform *plat = snp_vm(vm)->plat;

	return plat->fw_launch ? plat->fw_launch(pfn) : 0;
}

/*
 * PSMASH. FAIL_BADADDR means the entry is not an assigned 2M entry: when
 * a lookup shows it is 4K already (someone split it first), the split is
 * done, as KVM treats it.
 */
static int snp_split(struct ccmem_vm *vm, u64 gfn, u64 pfn)
{
	const struct snp_platform *plat = snp_vm(vm)->plat;
	struct snp_rmp_state st;
	int ret = plat->psmash(pfn);

	switch (ret) {
	case PSMASH_SUCCESS:
		return 0;
	case PSMASH_FAIL_INUSE:
		return -EAGAIN;
	case PSMASH_FAIL_BADADDR:
		if (!plat->lookup(pfn, &st) &&
		    (st.known & SNP_RMP_KNOWN_ASSIGNED) &&
		    !(st.entry.assigned && st.entry.pagesize == RMP_PG_2M))
			return 0;
		return -EIO;
	default:
		return -EIO;
	}
}

static bool snp_accepted(struct ccmem_vm *vm, u64 gfn, u64 pfn)
{
	struct snp_rmp_state st;

	if (snp_vm(vm)->plat->lookup(pfn, &st))
		return false;
	return (st.known & SNP_RMP_KNOWN_VALIDATED) && st.entry.assigned &&
	       st.entry.validated && st.entry.asid == vm->key_id;
}

static void snp_leak(struct ccmem_vm *vm, u64 pfn, u64 npages)
{
	if (snp_vm(vm)->plat->leak)
		snp_vm(vm)->plat->leak(pfn, npages);
}

static bool snp_hw_usable(void)
{
	return snp_hw_ok;
}

static bool snp_emu_available(void)
{
	return IS_ENABLED(CONFIG_CCMEM_EMU_ENABLED);
}

static const struct ccmem_arch_ops snp_arch_ops = {
	.owner		= THIS_MODULE,
	.vm_type	= CCMEM_VM_SNP,
	.name		= "snp",
	.stats		= &snp_stats,
	.hw_usable	= snp_hw_usable,
	.emu_available	= snp_emu_available,
	.vm_init	= snp_vm_init,
	.vm_free	= snp_vm_free,
	.assign		= snp_assign,
	.unassign	= snp_unassign,
	.split		= snp_split,
	.accepted	= snp_accepted,
	.leak		= snp_leak,
	.launch		= snp_launch,
};

static int __init ccmem_snp_init(void)
{
	int ret;

	snp_hw_ok = !snp_platform_hw.probe() && !snp_platform_hw.init();
	ret = ccmem_backend_param(backend, snp_hw_ok);
	if (ret)
		goto err_hw;
#ifdef CONFIG_CCMEM_EMU_ENABLED
	ret = snp_platform_emu.init();
	if (ret)
		goto err_hw;
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
#endif
err_hw:
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
