// SPDX-License-Identifier: GPL-2.0
/*
 * emu.c - the TDX "emu" backend: the Secure-EPT model in a kernel.
 *
 * Each TD has its own model (struct sept_td) over a sparse set of 2 MiB
 * slots kept in an xarray, so its cost follows the memory given to the
 * TD, not the size of its GPA space. The 4 KiB tables that TDH.MEM.SEPT.ADD
 * and TDH.MEM.PAGE.DEMOTE take are allocated here, charged to the VMM
 * (GFP_KERNEL_ACCOUNT) like the pages a real host gives the module.
 *
 * The backend also keeps the TD's test controls: injected SEAMCALL
 * failures, entry-lock contention, a leaf the host leaves blocked, an
 * interrupted 2 MiB ACCEPT, and the malicious-host behaviour of the MapGPA
 * handler. They live here, not in the host's policy code, so that the host
 * runs the same code on both backends.
 *
 * Locking: the caller serialises every call on one TD (host/kvm-tdx holds
 * vm->lock), which also protects the controls. TDs share nothing.
 */
#define pr_fmt(fmt) "ccmem_tdx: emu: " fmt

#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/xarray.h>
#include <linux/ccmem.h>

#include "tdx_platform.h"

/* One armed control: the next @count operations use @code. */
struct tdx_emu_arm {
	u32 code;
	u32 count;
};

/**
 * struct tdx_td - one TD on the model.
 * @sept:	the Secure-EPT and its TLB tracking.
 * @slots:	2 MiB index -> struct sept_pde.
 * @vcpus:	the TLB-tracking state of each vCPU, by vCPU id.
 * @arm:	the armed controls, by enum tdx_emu_inject.
 * @busy_gpa:	the entry held busy by TDX_INJECT_BUSY ...
 * @busy_left:	... for this many more calls.
 * @nomem:	a table allocation failed during the current call.
 */
struct tdx_td {
	struct sept_td sept;
	struct xarray slots;
	struct sept_vcpu vcpus[CCMEM_MAX_VCPUS];
	struct tdx_emu_arm arm[TDX_INJECT_NR];
	u64 busy_gpa;
	u32 busy_left;
	bool nomem;
};

static struct sept_pde *tdx_emu_pde(void *priv, u64 idx, bool create)
{
	struct tdx_td *td = priv;
	struct sept_pde *pde = xa_load(&td->slots, idx);

	if (pde || !create)
		return pde;
	pde = kzalloc(sizeof(*pde), GFP_KERNEL_ACCOUNT);
	if (!pde)
		goto nomem;
	if (xa_err(xa_store(&td->slots, idx, pde, GFP_KERNEL_ACCOUNT))) {
		kfree(pde);
		goto nomem;
	}
	return pde;
nomem:
	td->nomem = true;
	return NULL;
}

static struct sept_entry *tdx_emu_pt_alloc(void *priv)
{
	struct tdx_td *td = priv;
	struct sept_entry *pt;

	pt = kvcalloc(SEPT_ENTRIES, sizeof(*pt), GFP_KERNEL_ACCOUNT);
	if (!pt)
		td->nomem = true;
	return pt;
}

static void tdx_emu_pt_free(void *priv, struct sept_entry *pt)
{
	kvfree(pt);
}

/* ACCEPT: the module zeroes the pages with the TD's key. */
static void tdx_emu_clear(void *priv, u64 pfn, u64 npages)
{
	u64 i;

	for (i = 0; i < npages; i++)
		clear_highpage(pfn_to_page(pfn + i));
}

static const struct sept_mem_ops tdx_emu_mem_ops = {
	.pde		= tdx_emu_pde,
	.pt_alloc	= tdx_emu_pt_alloc,
	.pt_free	= tdx_emu_pt_free,
	.clear		= tdx_emu_clear,
};

static int tdx_emu_probe(void)
{
	return 0;
}

static int tdx_emu_init(void)
{
	return 0;
}

static void tdx_emu_exit(void)
{
}

static struct tdx_td *tdx_emu_td_create(u32 gpaw, u64 attributes)
{
	struct tdx_td *td = kzalloc(sizeof(*td), GFP_KERNEL_ACCOUNT);

	if (!td)
		return NULL;
	xa_init(&td->slots);
	sept_td_init(&td->sept, &tdx_emu_mem_ops, td, gpaw, attributes);
	return td;
}

static void tdx_emu_td_destroy(struct tdx_td *td)
{
	struct sept_pde *pde;
	unsigned long idx;

	xa_for_each(&td->slots, idx, pde) {
		kvfree(pde->pt);
		kfree(pde);
	}
	xa_destroy(&td->slots);
	kfree(td);
}

/* Consume one use of control @op; true (with its code) if armed. */
static bool tdx_emu_take(struct tdx_td *td, u32 op, u32 *code)
{
	struct tdx_emu_arm *a = &td->arm[op];

	if (!a->count)
		return false;
	a->count--;
	*code = a->code;
	return true;
}

/* A SEAMCALL that control @op makes fail: true with the status it returns. */
static bool tdx_emu_fail(struct tdx_td *td, u32 op, u64 *status)
{
	u32 code;

	if (!tdx_emu_take(td, op, &code))
		return false;
	*status = (u64)code << 32;
	return true;
}

/*
 * The end of a model call: a memory failure is the backend's, not the
 * module's; a call that found the busy entry uses up one of its calls.
 */
static u64 tdx_emu_done(struct tdx_td *td, u64 gpa, u64 status)
{
	if (td->nomem) {
		td->nomem = false;
		return TDX_EMU_NO_MEMORY;
	}
	if (td->busy_left && TDX_STATUS(status) == TDX_OPERAND_BUSY &&
	    (gpa & ~(CCMEM_2M_SIZE - 1)) ==
	    (td->busy_gpa & ~(CCMEM_2M_SIZE - 1)) && !--td->busy_left)
		sept_set_busy(&td->sept, td->busy_gpa, false);
	return status;
}

static u64 tdx_emu_finalize(struct tdx_td *td)
{
	return sept_mr_finalize(&td->sept);
}

static u64 tdx_emu_sept_add(struct tdx_td *td, u64 gpa, int level)
{
	return tdx_emu_done(td, gpa, sept_sept_add(&td->sept, gpa, level));
}

static u64 tdx_emu_sept_remove(struct tdx_td *td, u64 gpa, int level)
{
	return tdx_emu_done(td, gpa, sept_sept_remove(&td->sept, gpa, level));
}

static u64 tdx_emu_page_add(struct tdx_td *td, u64 gpa, u64 pfn)
{
	u64 st;

	if (tdx_emu_fail(td, TDX_INJECT_AUG, &st))
		return st;
	return tdx_emu_done(td, gpa, sept_page_add(&td->sept, gpa, pfn));
}

static u64 tdx_emu_page_aug(struct tdx_td *td, u64 gpa, int level, u64 pfn)
{
	u64 st;

	if (tdx_emu_fail(td, TDX_INJECT_AUG, &st))
		return st;
	return tdx_emu_done(td, gpa, sept_page_aug(&td->sept, gpa, level,
						   pfn));
}

static u64 tdx_emu_block(struct tdx_td *td, u64 gpa, int level)
{
	u64 st;

	if (tdx_emu_fail(td, TDX_INJECT_AUG, &st))
		return st;
	return tdx_emu_done(td, gpa, sept_range_block(&td->sept, gpa, level));
}

static u64 tdx_emu_unblock(struct tdx_td *td, u64 gpa, int level)
{
	return tdx_emu_done(td, gpa, sept_range_unblock(&td->sept, gpa,
							level));
}

static u64 tdx_emu_track(struct tdx_td *td)
{
	return sept_track(&td->sept);
}

static u64 tdx_emu_remove(struct tdx_td *td, u64 gpa, int level, u64 *pfn)
{
	u64 st;

	if (tdx_emu_fail(td, TDX_INJECT_AUG, &st))
		return st;
	return tdx_emu_done(td, gpa, sept_page_remove(&td->sept, gpa, level,
						      pfn));
}

static u64 tdx_emu_demote(struct tdx_td *td, u64 gpa, int level)
{
	u64 st;

	if (tdx_emu_fail(td, TDX_INJECT_DEMOTE, &st))
		return st;
	return tdx_emu_done(td, gpa, sept_page_demote(&td->sept, gpa, level));
}

/* The IPI after a TRACK: every vCPU inside exits (it re-enters later). */
static void tdx_emu_kick(struct tdx_td *td)
{
	int i;

	for (i = 0; i < CCMEM_MAX_VCPUS; i++)
		sept_vcpu_exit(&td->sept, &td->vcpus[i]);
}

static int tdx_emu_lookup(struct tdx_td *td, u64 gpa, struct sept_entry *e,
			  int *level)
{
	return sept_lookup(&td->sept, gpa, e, level) ? -ENOENT : 0;
}

const struct tdx_platform tdx_platform_emu = {
	.name		= "emu",
	.probe		= tdx_emu_probe,
	.init		= tdx_emu_init,
	.exit		= tdx_emu_exit,
	.td_create	= tdx_emu_td_create,
	.td_destroy	= tdx_emu_td_destroy,
	.finalize	= tdx_emu_finalize,
	.sept_add	= tdx_emu_sept_add,
	.sept_remove	= tdx_emu_sept_remove,
	.page_add	= tdx_emu_page_add,
	.page_aug	= tdx_emu_page_aug,
	.block		= tdx_emu_block,
	.unblock	= tdx_emu_unblock,
	.track		= tdx_emu_track,
	.remove		= tdx_emu_remove,
	.demote		= tdx_emu_demote,
	.kick		= tdx_emu_kick,
	.lookup		= tdx_emu_lookup,
};

/* The vCPU runs guest code: it is inside the TD from now on. */
static struct sept_vcpu *tdx_emu_enter(struct tdx_td *td, u32 vcpu)
{
	struct sept_vcpu *v = &td->vcpus[vcpu % CCMEM_MAX_VCPUS];

	sept_vcpu_enter(&td->sept, v);
	return v;
}

static enum sept_guest_result tdx_emu_accept(struct tdx_td *td, u32 vcpu,
					     struct sept_guest_op *op)
{
	enum sept_guest_result r;

	r = sept_accept(&td->sept, tdx_emu_enter(td, vcpu), op);
	if (r == SEPT_G_DONE)
		op->status = tdx_emu_done(td, op->gpa, op->status);
	return r;
}

static enum sept_guest_result tdx_emu_access(struct tdx_td *td, u32 vcpu,
					     struct sept_guest_op *op)
{
	tdx_emu_enter(td, vcpu);
	return sept_access(&td->sept, op);
}

static int tdx_emu_inject(struct tdx_td *td, u32 op, u32 code, u32 count,
			  u64 gpa)
{
	struct sept_entry e;
	int level;

	switch (op) {
	case TDX_INJECT_AUG:
	case TDX_INJECT_DEMOTE:
		/* A control never makes a skipped SEAMCALL report success. */
		if (count && !((u64)code << 32 & BIT_ULL(63)) &&
		    (u64)code << 32 != TDX_OPERAND_BUSY)
			return -EINVAL;
		fallthrough;
	case TDX_INJECT_MAPGPA_EARLY:
	case TDX_INJECT_MAPGPA_BACKWARD:
	case TDX_INJECT_MAPGPA_OUTSIDE:
	case TDX_INJECT_MAPGPA_LIE:
		td->arm[op].code = count ? code : 0;
		td->arm[op].count = count;
		return 0;
	case TDX_INJECT_BUSY:
		/* Only an entry that exists (the caller checked the page). */
		if (count && sept_lookup(&td->sept, gpa, &e, &level))
			return -ENOENT;
		if (td->busy_left)
			sept_set_busy(&td->sept, td->busy_gpa, false);
		td->busy_left = 0;
		if (!count)
			return 0;
		if (sept_set_busy(&td->sept, gpa, true)) {
			td->nomem = false;
			return -ENOENT;
		}
		td->busy_gpa = gpa;
		td->busy_left = count;
		return 0;
	case TDX_INJECT_BLOCK:
		if (!count)
			return 0;
		if (sept_lookup(&td->sept, gpa, &e, &level))
			return -ENOENT;
		if (e.state == SEPT_BLOCKED || e.state == SEPT_PENDING_BLOCKED)
			return 0;	/* blocked already */
		if (e.state != SEPT_PENDING && e.state != SEPT_MAPPED)
			return -ENOENT;	/* no page mapped there */
		gpa &= level == TDX_LEVEL_2M ? ~(CCMEM_2M_SIZE - 1) :
					       ~(CCMEM_PAGE_SIZE - 1);
		return sept_range_block(&td->sept, gpa, level) ? -EBUSY : 0;
	}
	return -EINVAL;
}

/* One MapGPA request: the pages the host converts before it says RETRY. */
static u64 tdx_emu_mapgpa_budget(struct tdx_td *td)
{
	u32 code;

	return tdx_emu_take(td, TDX_INJECT_MAPGPA_EARLY, &code) ? code :
								  U64_MAX;
}

static u64 tdx_emu_mapgpa_rewind(struct tdx_td *td)
{
	u32 code = 0;

	tdx_emu_take(td, TDX_INJECT_MAPGPA_BACKWARD, &code);
	return code;
}

static u64 tdx_emu_mapgpa_past_end(struct tdx_td *td)
{
	u32 code = 0;

	tdx_emu_take(td, TDX_INJECT_MAPGPA_OUTSIDE, &code);
	return code;
}

static bool tdx_emu_mapgpa_lie(struct tdx_td *td)
{
	u32 code;

	return tdx_emu_take(td, TDX_INJECT_MAPGPA_LIE, &code);
}

static void tdx_emu_set_accept_chunk(struct tdx_td *td, u32 pages)
{
	td->sept.accept_chunk = pages;
}

const struct tdx_emu_guest tdx_emu_guest = {
	.accept		= tdx_emu_accept,
	.access		= tdx_emu_access,
	.inject		= tdx_emu_inject,
	.mapgpa_budget	= tdx_emu_mapgpa_budget,
	.mapgpa_rewind	= tdx_emu_mapgpa_rewind,
	.mapgpa_past_end = tdx_emu_mapgpa_past_end,
	.mapgpa_lie	= tdx_emu_mapgpa_lie,
	.set_accept_chunk = tdx_emu_set_accept_chunk,
};
