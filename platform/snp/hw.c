// SPDX-License-Identifier: GPL-2.0
/*
 * hw.c - the SNP "hw" backend on the host.
 *
 * The kernel owns the RMP: Linux 6.11 and later set it up and export
 * rmp_make_private(), rmp_make_shared(), psmash() and snp_lookup_rmpentry().
 * This backend calls those. It is usable only when the CPU reports SNP
 * (CPUID 0x8000001F EAX bit 4) and the kernel enabled SNP host support
 * (CC_ATTR_HOST_SEV_SNP); otherwise probe() says why and backend=auto
 * picks emu. The guest-side instructions (PVALIDATE, RMPADJUST) do not run
 * on a host: those ops are NULL here, and their raw encodings live in
 * snp_insn.h for the guest side.
 */
#define pr_fmt(fmt) "ccmem_snp: hw: " fmt

#include <linux/cc_platform.h>
#include <linux/mm.h>
#include <asm/cacheflush.h>
#include <asm/cpufeature.h>
#include <asm/sev.h>

#include "snp_platform.h"

static int snp_hw_probe(void)
{
	if (!IS_ENABLED(CONFIG_KVM_AMD_SEV)) {
		pr_info("kernel built without SEV host support\n");
		return -ENODEV;
	}
	if (!boot_cpu_has(X86_FEATURE_SEV_SNP)) {
		pr_info("CPU does not report SEV-SNP (CPUID 0x8000001F)\n");
		return -ENODEV;
	}
	if (!cc_platform_has(CC_ATTR_HOST_SEV_SNP)) {
		pr_info("SEV-SNP host support not enabled by the kernel/firmware\n");
		return -ENODEV;
	}
	return 0;
}

static int snp_hw_init(void)
{
	return 0;
}

static void snp_hw_exit(void)
{
}

/* Map the kernel's errno results onto the instruction's view. */
static int snp_hw_rmpupdate(u64 pfn, const struct rmp_model_state *st)
{
	enum pg_level level = st->pagesize == RMP_PG_2M ? PG_LEVEL_2M : PG_LEVEL_4K;
	int ret;

	if (st->assigned)
		ret = rmp_make_private(pfn, st->gpa, level, st->asid,
				       st->immutable);
	else
		ret = rmp_make_shared(pfn, level);
	if (ret)
		return -EIO;
	if (!st->assigned)
		/* Guest-keyed lines may still be cached: flush before reuse. */
		clflush_cache_range(pfn_to_kaddr(pfn),
				    PAGE_SIZE << (level == PG_LEVEL_2M ? 9 : 0));
	return RMPUPDATE_SUCCESS;
}

static int snp_hw_psmash(u64 pfn)
{
	int ret = psmash(pfn);

	/* psmash() returns the instruction's code, or -errno. */
	return ret;
}

static int snp_hw_lookup(u64 pfn, struct rmp_entry *e)
{
	bool assigned;
	int level, ret;

	ret = snp_lookup_rmpentry(pfn, &assigned, &level);
	if (ret)
		return ret;
	memset(e, 0, sizeof(*e));
	e->assigned = assigned;
	e->pagesize = level == PG_LEVEL_2M ? RMP_PG_2M : RMP_PG_4K;
	return 0;
}

/* The kernel keeps leaked pages on its own list and dumps their entries. */
static void snp_hw_leak(u64 pfn, u64 npages)
{
	snp_leak_pages(pfn, npages);
}

const struct snp_platform snp_platform_hw = {
	.name		= "hw",
	.probe		= snp_hw_probe,
	.init		= snp_hw_init,
	.exit		= snp_hw_exit,
	.rmpupdate	= snp_hw_rmpupdate,
	.psmash		= snp_hw_psmash,
	.lookup		= snp_hw_lookup,
	.leak		= snp_hw_leak,
};
