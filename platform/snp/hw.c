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
 * on a host: they are not in this table, and their raw encodings live in
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

/* The kernel's helpers return -errno; the instruction's view is a code. */
static int snp_hw_make_private(u64 pfn, u64 gpa, u32 asid, int pagesize,
			       bool immutable)
{
	int level = pagesize == RMP_PG_2M ? PG_LEVEL_2M : PG_LEVEL_4K;

	if (rmp_make_private(pfn, gpa, level, asid, immutable))
		return -EIO;
	return RMPUPDATE_SUCCESS;
}

static int snp_hw_make_shared(u64 pfn, int pagesize)
{
	int level = pagesize == RMP_PG_2M ? PG_LEVEL_2M : PG_LEVEL_4K;

	if (rmp_make_shared(pfn, level))
		return -EIO;
	/* Guest-keyed lines may still be cached: flush before reuse. */
	clflush_cache_range(pfn_to_kaddr(pfn),
			    PAGE_SIZE << (level == PG_LEVEL_2M ? 9 : 0));
	return RMPUPDATE_SUCCESS;
}

/* psmash() returns the instruction's code, or -errno. */
static int snp_hw_psmash(u64 pfn)
{
	return psmash(pfn);
}

/*
 * The kernel exports only whether the entry is assigned and its page
 * size (snp_lookup_rmpentry()); the owner, Validated and the attributes
 * are not readable from a module, and say so in @known.
 */
static int snp_hw_lookup(u64 pfn, struct snp_rmp_state *st)
{
	bool assigned;
	int level, ret;

	memset(st, 0, sizeof(*st));
	ret = snp_lookup_rmpentry(pfn, &assigned, &level);
	if (ret)
		return ret;
	st->known = SNP_RMP_KNOWN_ASSIGNED;
	st->entry.assigned = assigned;
	st->entry.pagesize = level == PG_LEVEL_2M ? RMP_PG_2M : RMP_PG_4K;
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
	.make_private	= snp_hw_make_private,
	.make_shared	= snp_hw_make_shared,
	.psmash		= snp_hw_psmash,
	.lookup		= snp_hw_lookup,
	.leak		= snp_hw_leak,
};
