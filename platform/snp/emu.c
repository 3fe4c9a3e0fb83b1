// SPDX-License-Identifier: GPL-2.0
/*
 * emu.c - the SNP "emu" backend: the software RMP in a kernel.
 *
 * Like the hardware RMP, the model is machine wide: every VM's pages are
 * in it, told apart by ASID. It is sparse: one segment of 512 entries per
 * 2 MiB of system memory that has ever been assigned, so its cost follows
 * the memory given to VMs rather than the size of the machine. Every RMP
 * operation touches one 4 KiB page or one 2 MiB aligned block, so it lies
 * in exactly one segment.
 *
 * Locking: snp_emu_lock serialises all operations, as the hardware makes
 * each instruction atomic on its entries.
 */
#define pr_fmt(fmt) "ccmem_snp: emu: " fmt

#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "snp_platform.h"

struct snp_emu_seg {
	struct rmp_model model;
	struct rmp_entry entries[CCMEM_PAGES_PER_2M];
};

static DEFINE_MUTEX(snp_emu_lock);
static DEFINE_XARRAY(snp_emu_segs);	/* pfn >> 9 -> struct snp_emu_seg */

/* The segment holding @pfn; allocated on demand when @create. */
static struct rmp_model *snp_emu_seg(u64 pfn, bool create)
{
	unsigned long idx = pfn / CCMEM_PAGES_PER_2M;
	struct snp_emu_seg *seg = xa_load(&snp_emu_segs, idx);

	lockdep_assert_held(&snp_emu_lock);
	if (seg || !create)
		return seg ? &seg->model : NULL;

	seg = kvzalloc(sizeof(*seg), GFP_KERNEL);
	if (!seg)
		return NULL;
	rmp_model_init(&seg->model, idx * CCMEM_PAGES_PER_2M,
		       CCMEM_PAGES_PER_2M, seg->entries);
	if (xa_err(xa_store(&snp_emu_segs, idx, seg, GFP_KERNEL))) {
		kvfree(seg);
		return NULL;
	}
	return &seg->model;
}

static int snp_emu_rmpupdate(u64 pfn, const struct rmp_model_state *st)
{
	struct rmp_model *m;
	int ret;

	mutex_lock(&snp_emu_lock);
	m = snp_emu_seg(pfn, true);
	ret = m ? rmp_model_rmpupdate(m, pfn << PAGE_SHIFT, st) : -ENOMEM;
	mutex_unlock(&snp_emu_lock);
	return ret;
}

static int snp_emu_psmash(u64 pfn)
{
	struct rmp_model *m;
	int ret;

	mutex_lock(&snp_emu_lock);
	m = snp_emu_seg(pfn, false);
	/* No segment: nothing was ever assigned there, so no 2M entry. */
	ret = m ? rmp_model_psmash(m, pfn << PAGE_SHIFT) : PSMASH_FAIL_INPUT;
	mutex_unlock(&snp_emu_lock);
	return ret;
}

/*
 * Firmware's SNP_PAGE_RECLAIM: the PSP, not the hypervisor, may clear the
 * Immutable bit. The model has no firmware, so do what it would do to the
 * entry (or the 2 MiB head that governs it).
 */
static int snp_emu_fw_reclaim(u64 pfn)
{
	struct rmp_model *m;
	struct rmp_entry *e;

	mutex_lock(&snp_emu_lock);
	m = snp_emu_seg(pfn, false);
	if (m) {
		/* A 2 MiB head governs the whole segment. */
		e = &m->entries[0];
		if (!(e->assigned && e->pagesize == RMP_PG_2M))
			e = &m->entries[pfn - m->base_pfn];
		e->immutable = 0;
	}
	mutex_unlock(&snp_emu_lock);
	return 0;
}

static int snp_emu_lookup(u64 pfn, struct rmp_entry *e)
{
	struct rmp_model *m;
	int ret = 0;

	mutex_lock(&snp_emu_lock);
	m = snp_emu_seg(pfn, false);
	if (m)
		ret = rmp_model_lookup(m, pfn << PAGE_SHIFT, e) ? -EINVAL : 0;
	else
		memset(e, 0, sizeof(*e));
	mutex_unlock(&snp_emu_lock);
	return ret;
}

static int snp_emu_pvalidate(u64 spa, u64 gpa, u32 asid, u32 vmpl,
			     int pagesize, int validate, bool *no_change,
			     u64 *npf_error)
{
	struct rmp_model *m;
	int ret;

	mutex_lock(&snp_emu_lock);
	m = snp_emu_seg(spa >> PAGE_SHIFT, true);
	ret = m ? rmp_model_pvalidate(m, spa, gpa, asid, vmpl, pagesize,
				      validate, no_change, npf_error) : -ENOMEM;
	mutex_unlock(&snp_emu_lock);
	return ret;
}

static int snp_emu_rmpadjust(u64 spa, u64 gpa, u32 asid, u32 vmpl,
			     int pagesize, u64 attrs, u64 *npf_error)
{
	struct rmp_model *m;
	int ret;

	mutex_lock(&snp_emu_lock);
	m = snp_emu_seg(spa >> PAGE_SHIFT, true);
	ret = m ? rmp_model_rmpadjust(m, spa, gpa, asid, vmpl, pagesize, attrs,
				      npf_error) : -ENOMEM;
	mutex_unlock(&snp_emu_lock);
	return ret;
}

static enum rmp_access_result snp_emu_access(struct rmp_access *a)
{
	struct rmp_model *m;
	enum rmp_access_result ret;

	mutex_lock(&snp_emu_lock);
	m = snp_emu_seg(a->spa >> PAGE_SHIFT, true);
	ret = m ? rmp_model_access(m, a) : RMP_ACCESS_OK;
	mutex_unlock(&snp_emu_lock);
	return ret;
}

static int snp_emu_probe(void)
{
	return 0;
}

static int snp_emu_init(void)
{
	return 0;
}

static void snp_emu_exit(void)
{
	struct snp_emu_seg *seg;
	unsigned long idx;

	xa_for_each(&snp_emu_segs, idx, seg)
		kvfree(seg);
	xa_destroy(&snp_emu_segs);
}

const struct snp_platform snp_platform_emu = {
	.name		= "emu",
	.probe		= snp_emu_probe,
	.init		= snp_emu_init,
	.exit		= snp_emu_exit,
	.rmpupdate	= snp_emu_rmpupdate,
	.psmash		= snp_emu_psmash,
	.fw_reclaim	= snp_emu_fw_reclaim,
	.lookup		= snp_emu_lookup,
	.pvalidate	= snp_emu_pvalidate,
	.rmpadjust	= snp_emu_rmpadjust,
	.access		= snp_emu_access,
};
