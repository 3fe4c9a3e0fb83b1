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
 * The backend also keeps the test controls of each VM, by ASID: injected
 * failures of RMPUPDATE and PSMASH, and the malicious-host behaviour of
 * the PSC handler. They live here, not in the host's policy code, so that
 * the host runs the same code on both backends.
 *
 * Locking: snp_emu_lock serialises all operations, as the hardware makes
 * each instruction atomic on its entries; it also protects the controls.
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

/* One armed control: the next @count operations use @code. */
struct snp_emu_arm {
	u32 code;
	u32 count;
};

/* The controls of one VM (ASID); allocated when first armed. */
struct snp_emu_ctl {
	struct snp_emu_arm arm[SNP_INJECT_NR];
};

static DEFINE_XARRAY(snp_emu_ctls);	/* asid -> struct snp_emu_ctl */

/* Consume one use of control @op of @asid; true (with *@code) if armed. */
static bool snp_emu_take(u32 asid, u32 op, u32 *code)
{
	struct snp_emu_ctl *ctl = xa_load(&snp_emu_ctls, asid);
	struct snp_emu_arm *a;

	lockdep_assert_held(&snp_emu_lock);
	if (!ctl)
		return false;
	a = &ctl->arm[op];
	if (!a->count)
		return false;
	a->count--;
	*code = a->code;
	return true;
}

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

/* The ASID owning the entry that governs @pfn (0: the hypervisor). */
static u32 snp_emu_owner(u64 pfn)
{
	struct rmp_model *m = snp_emu_seg(pfn, false);
	struct rmp_entry e;

	if (!m || rmp_model_lookup(m, pfn << PAGE_SHIFT, &e) || !e.assigned)
		return 0;
	return e.asid;
}

static int snp_emu_rmpupdate(u64 pfn, u32 asid,
			     const struct rmp_model_state *st)
{
	struct rmp_model *m;
	u32 code;
	int ret;

	mutex_lock(&snp_emu_lock);
	if (snp_emu_take(asid, SNP_INJECT_RMPUPDATE, &code)) {
		ret = code;
	} else {
		m = snp_emu_seg(pfn, true);
		ret = m ? rmp_model_rmpupdate(m, pfn << PAGE_SHIFT, st) :
			  -ENOMEM;
	}
	mutex_unlock(&snp_emu_lock);
	return ret;
}

static int snp_emu_make_private(u64 pfn, u64 gpa, u32 asid, int pagesize,
				bool immutable)
{
	struct rmp_model_state st = {
		.gpa = gpa,
		.asid = asid,
		.assigned = 1,
		.pagesize = pagesize,
		.immutable = immutable,
	};

	return snp_emu_rmpupdate(pfn, asid, &st);
}

static int snp_emu_make_shared(u64 pfn, int pagesize)
{
	struct rmp_model_state st = { .pagesize = pagesize };
	u32 asid;

	mutex_lock(&snp_emu_lock);
	asid = snp_emu_owner(pfn);
	mutex_unlock(&snp_emu_lock);
	return snp_emu_rmpupdate(pfn, asid, &st);
}

static int snp_emu_psmash(u64 pfn)
{
	struct rmp_model *m;
	u32 code;
	int ret;

	mutex_lock(&snp_emu_lock);
	m = snp_emu_seg(pfn, false);
	if (snp_emu_take(snp_emu_owner(pfn), SNP_INJECT_PSMASH, &code))
		ret = code;
	else if (m)
		ret = rmp_model_psmash(m, pfn << PAGE_SHIFT);
	else	/* nothing was ever assigned there, so no 2M entry */
		ret = PSMASH_FAIL_BADADDR;
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

/*
 * Firmware's SNP_LAUNCH_UPDATE of a Pre-Guest page: Guest-Valid. Only a
 * 4 KiB entry assigned immutable is in the Pre-Guest state; anything else
 * is refused as firmware would (the caller treats it as unknown).
 */
static int snp_emu_fw_launch(u64 pfn)
{
	struct rmp_model *m;
	struct rmp_entry *e;
	int ret = -EINVAL;

	mutex_lock(&snp_emu_lock);
	m = snp_emu_seg(pfn, false);
	if (m && !(m->entries[0].assigned &&
		   m->entries[0].pagesize == RMP_PG_2M)) {
		e = &m->entries[pfn - m->base_pfn];
		if (e->assigned && e->immutable && !e->validated) {
			e->validated = 1;
			e->immutable = 0;
			ret = 0;
		}
	}
	mutex_unlock(&snp_emu_lock);
	return ret;
}

static int snp_emu_lookup(u64 pfn, struct snp_rmp_state *st)
{
	struct rmp_model *m;
	int ret = 0;

	memset(st, 0, sizeof(*st));
	st->known = SNP_RMP_KNOWN_ALL;
	mutex_lock(&snp_emu_lock);
	m = snp_emu_seg(pfn, false);
	if (m)
		ret = rmp_model_lookup(m, pfn << PAGE_SHIFT, &st->entry) ?
		      -EINVAL : 0;
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

static int snp_emu_inject(u32 asid, u32 op, u32 code, u32 count)
{
	struct snp_emu_ctl *ctl;
	int ret = 0;

	if (op < SNP_INJECT_RMPUPDATE || op >= SNP_INJECT_NR)
		return -EINVAL;
	/*
	 * A control makes an operation fail or a host misbehave; it never
	 * makes a skipped instruction report success.
	 */
	if (count && !code && op != SNP_INJECT_PSC_EARLY &&
	    op != SNP_INJECT_PSC_LIE)
		return -EINVAL;

	mutex_lock(&snp_emu_lock);
	ctl = xa_load(&snp_emu_ctls, asid);
	if (!ctl && count) {
		ctl = kzalloc(sizeof(*ctl), GFP_KERNEL_ACCOUNT);
		if (!ctl || xa_err(xa_store(&snp_emu_ctls, asid, ctl,
					    GFP_KERNEL_ACCOUNT))) {
			kfree(ctl);
			ctl = NULL;
			ret = -ENOMEM;
		}
	}
	if (ctl) {
		ctl->arm[op].code = code;
		ctl->arm[op].count = count;
	}
	mutex_unlock(&snp_emu_lock);
	return ret;
}

static void snp_emu_forget(u32 asid)
{
	mutex_lock(&snp_emu_lock);
	kfree(xa_erase(&snp_emu_ctls, asid));
	mutex_unlock(&snp_emu_lock);
}

static u64 snp_emu_psc_budget(u32 asid)
{
	u64 budget = U64_MAX;
	u32 code;

	mutex_lock(&snp_emu_lock);
	if (snp_emu_take(asid, SNP_INJECT_PSC_EARLY, &code))
		budget = code;
	mutex_unlock(&snp_emu_lock);
	return budget;
}

static u32 snp_emu_psc_rewind(u32 asid, u32 first)
{
	struct snp_emu_ctl *ctl;
	u32 back = 0;

	mutex_lock(&snp_emu_lock);
	ctl = xa_load(&snp_emu_ctls, asid);
	/* Only a request far enough in can be moved back. */
	if (ctl && ctl->arm[SNP_INJECT_PSC_BACKWARD].count &&
	    first >= ctl->arm[SNP_INJECT_PSC_BACKWARD].code)
		snp_emu_take(asid, SNP_INJECT_PSC_BACKWARD, &back);
	mutex_unlock(&snp_emu_lock);
	return back;
}

static u32 snp_emu_psc_past_end(u32 asid)
{
	u32 past = 0;

	mutex_lock(&snp_emu_lock);
	snp_emu_take(asid, SNP_INJECT_PSC_OUTSIDE, &past);
	mutex_unlock(&snp_emu_lock);
	return past;
}

static bool snp_emu_psc_lie(u32 asid)
{
	bool lie;
	u32 code;

	mutex_lock(&snp_emu_lock);
	lie = snp_emu_take(asid, SNP_INJECT_PSC_LIE, &code);
	mutex_unlock(&snp_emu_lock);
	return lie;
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

	struct snp_emu_ctl *ctl;

	xa_for_each(&snp_emu_segs, idx, seg)
		kvfree(seg);
	xa_destroy(&snp_emu_segs);
	xa_for_each(&snp_emu_ctls, idx, ctl)
		kfree(ctl);
	xa_destroy(&snp_emu_ctls);
}

const struct snp_platform snp_platform_emu = {
	.name		= "emu",
	.probe		= snp_emu_probe,
	.init		= snp_emu_init,
	.exit		= snp_emu_exit,
	.make_private	= snp_emu_make_private,
	.make_shared	= snp_emu_make_shared,
	.psmash		= snp_emu_psmash,
	.fw_reclaim	= snp_emu_fw_reclaim,
	.fw_launch	= snp_emu_fw_launch,
	.lookup		= snp_emu_lookup,
};

const struct snp_emu_guest snp_emu_guest = {
	.pvalidate	= snp_emu_pvalidate,
	.rmpadjust	= snp_emu_rmpadjust,
	.access		= snp_emu_access,
	.inject		= snp_emu_inject,
	.forget		= snp_emu_forget,
	.psc_budget	= snp_emu_psc_budget,
	.psc_past_end	= snp_emu_psc_past_end,
	.psc_lie	= snp_emu_psc_lie,
	.psc_rewind	= snp_emu_psc_rewind,
};
