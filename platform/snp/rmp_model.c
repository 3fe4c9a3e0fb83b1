// SPDX-License-Identifier: GPL-2.0
/*
 * rmp_model.c - a software model of the SEV-SNP Reverse Map Table.
 *
 * Each operation mirrors one instruction (RMPUPDATE, PSMASH, PVALIDATE,
 * RMPADJUST) or the RMP check of one memory access, and returns the code the
 * hardware returns. The rules follow the AMD APM vol. 2, section 15.36, as
 * summarised in SPEC-NOTES.md. Where the APM leaves a detail open, the choice
 * made here is written next to the code that makes it.
 *
 * The model keeps one struct rmp_entry per 4 KiB page. A 2 MiB assignment is
 * stored in its 2 MiB aligned "head" entry only; the 511 entries after it are
 * kept zero while the head governs them, so that a PSMASH or a 2 MiB
 * unassignment never uncovers stale 4K state.
 */
#include "rmp_model.h"

#define RMP_PAGE_MASK		(CCMEM_PAGE_SIZE - 1)
#define RMP_2M_MASK		(CCMEM_2M_SIZE - 1)

/* The RMPADJUST RDX bits that are not reserved (layout in rmp_model.h). */
#define RMPADJUST_KNOWN		(RMPADJUST_ATTRS(RMPADJUST_VMPL_MASK, \
						 RMP_PERM_ALL) | RMPADJUST_VMSA)

/*
 * The #PF bits of every RMP nested page fault: the nested mapping exists
 * (the model is only asked about translated accesses) and the nested walk
 * treats every guest access as a user access.
 */
#define RMP_NPF_BASE		(RMP_PF_ERR_PRESENT | RMP_PF_ERR_USER | \
				 RMP_PF_ERR_RMP)

/* Index of the entry for @spa, or -1 when @spa is outside the model. */
static s64 rmp_index(const struct rmp_model *m, u64 spa)
{
	u64 pfn = spa >> CCMEM_PAGE_SHIFT;

	if (pfn < m->base_pfn || pfn - m->base_pfn >= m->nr_pages)
		return -1;
	return (s64)(pfn - m->base_pfn);
}

/* True when the whole 2 MiB region starting at @spa is inside the model. */
static bool rmp_2m_inside(const struct rmp_model *m, u64 spa)
{
	s64 idx = rmp_index(m, spa);

	return idx >= 0 && (u64)idx + CCMEM_PAGES_PER_2M <= m->nr_pages;
}

static bool rmp_is_2m_assigned(const struct rmp_entry *e)
{
	return e->assigned && e->pagesize == RMP_PG_2M;
}

/*
 * rmp_governing() - the entry that decides the state of @spa.
 *
 * That is the 2 MiB aligned head entry when it holds an assigned 2M page,
 * else the page's own entry. Returns NULL when @spa is outside the model.
 */
static struct rmp_entry *rmp_governing(const struct rmp_model *m, u64 spa)
{
	s64 idx = rmp_index(m, spa);
	s64 head = rmp_index(m, spa & ~RMP_2M_MASK);

	if (idx < 0)
		return NULL;
	if (head >= 0 && rmp_is_2m_assigned(&m->entries[head]))
		return &m->entries[head];
	return &m->entries[idx];
}

/* The GPA @spa must be mapped at for the governing entry @g to match. */
static u64 rmp_expected_gpa(const struct rmp_entry *g, u64 spa)
{
	if (g->pagesize == RMP_PG_2M)
		return g->gpa + ((spa & RMP_2M_MASK) & ~RMP_PAGE_MASK);
	return g->gpa;
}

/* Does @g say the page at @spa belongs to @asid at @gpa? */
static bool rmp_owned_by(const struct rmp_entry *g, u64 spa, u64 gpa, u32 asid)
{
	return g->assigned && g->asid == asid &&
	       rmp_expected_gpa(g, spa) == (gpa & ~RMP_PAGE_MASK);
}

/**
 * rmp_model_init() - reset every entry to hypervisor-owned.
 * @m:		the model to set up.
 * @base_pfn:	first system page frame covered.
 * @nr_pages:	number of pages covered.
 * @entries:	caller-owned table of @nr_pages entries; it is zeroed.
 */
void rmp_model_init(struct rmp_model *m, u64 base_pfn, u64 nr_pages,
		    struct rmp_entry *entries)
{
	m->base_pfn = base_pfn;
	m->nr_pages = nr_pages;
	m->entries = entries;
	memset(entries, 0, nr_pages * sizeof(*entries));
}

/**
 * rmp_model_lookup() - read the entry that governs @spa.
 * @m:		the model.
 * @spa:	system physical address.
 * @out:	filled with a copy of the governing entry.
 *
 * For a page inside a 2M-assigned region the copy is the head entry as it
 * is stored: its @gpa is the GPA of the whole 2 MiB page, not of @spa.
 *
 * Return: 0, or -1 when @spa is outside the model.
 */
int rmp_model_lookup(const struct rmp_model *m, u64 spa, struct rmp_entry *out)
{
	const struct rmp_entry *g = rmp_governing(m, spa);

	if (!g)
		return -1;
	*out = *g;
	return 0;
}

/*
 * The checks RMPUPDATE makes on the entries it replaces, in order of
 * precedence: immutable, in use, then 4K/2M overlap. A 4K update looks at
 * the page's own entry and at the entry governing it; a 2M update looks at
 * all 512 entries of the region (the head may hold an old 2M page, which is
 * simply replaced).
 */
static int rmpupdate_check_4k(const struct rmp_model *m, u64 spa)
{
	struct rmp_entry *e = &m->entries[rmp_index(m, spa)];
	struct rmp_entry *g = rmp_governing(m, spa);

	if (g->immutable || e->immutable)
		return RMPUPDATE_FAIL_PERMISSION;
	if (g->inuse || e->inuse)
		return RMPUPDATE_FAIL_INUSE;
	if (g != e)
		return RMPUPDATE_FAIL_OVERLAP;
	if (rmp_is_2m_assigned(e))
		return RMPUPDATE_FAIL_OVERLAP;	/* needs a PSMASH first */
	return RMPUPDATE_SUCCESS;
}

static int rmpupdate_check_2m(const struct rmp_model *m, u64 spa)
{
	struct rmp_entry *e = &m->entries[rmp_index(m, spa)];
	bool inuse = false, overlap = false;
	int i;

	for (i = 0; i < CCMEM_PAGES_PER_2M; i++) {
		if (e[i].immutable)
			return RMPUPDATE_FAIL_PERMISSION;
		inuse |= e[i].inuse;
		overlap |= e[i].assigned && e[i].pagesize == RMP_PG_4K;
	}
	if (inuse)
		return RMPUPDATE_FAIL_INUSE;
	return overlap ? RMPUPDATE_FAIL_OVERLAP : RMPUPDATE_SUCCESS;
}

/* Write the new state of a successful RMPUPDATE into @e. */
static void rmpupdate_write(struct rmp_entry *e, const struct rmp_model_state *st)
{
	memset(e, 0, sizeof(*e));
	e->gpa = st->gpa & ~RMP_PAGE_MASK;	/* the entry holds bits 51:12 */
	e->asid = st->asid;
	e->assigned = !!st->assigned;
	e->pagesize = st->pagesize;
	e->immutable = !!st->immutable;
	if (e->assigned)
		e->perms[0] = RMP_PERM_ALL;
}

/**
 * rmp_model_rmpupdate() - RMPUPDATE.
 * @m:		the model.
 * @spa:	4 KiB aligned (2 MiB aligned for a 2M @st) system address.
 * @st:		the new state.
 *
 * Always leaves Validated and VMSA clear: the hypervisor can never produce a
 * validated page. VMPL0 gets full permissions on an assigned page, VMPL1-3
 * none. A 2M update writes the head entry and clears the other 511, so
 * unassigning a 2M page returns the whole 2 MiB to the hypervisor.
 *
 * Return: RMPUPDATE_* code.
 */
int rmp_model_rmpupdate(struct rmp_model *m, u64 spa,
			const struct rmp_model_state *st)
{
	struct rmp_entry *e;
	int ret;

	if ((spa & RMP_PAGE_MASK) || rmp_index(m, spa) < 0 ||
	    st->pagesize > RMP_PG_2M)
		return RMPUPDATE_FAIL_INPUT;

	if (st->pagesize == RMP_PG_2M) {
		if ((spa & RMP_2M_MASK) || !rmp_2m_inside(m, spa))
			return RMPUPDATE_FAIL_INPUT;
		ret = rmpupdate_check_2m(m, spa);
	} else {
		ret = rmpupdate_check_4k(m, spa);
	}
	if (ret)
		return ret;

	e = &m->entries[rmp_index(m, spa)];
	if (st->pagesize == RMP_PG_2M)
		memset(e, 0, CCMEM_PAGES_PER_2M * sizeof(*e));
	rmpupdate_write(e, st);
	return RMPUPDATE_SUCCESS;
}

/**
 * rmp_model_psmash() - PSMASH: split a 2M entry into 512 4K entries.
 * @m:		the model.
 * @spa:	2 MiB aligned system address of the 2M page.
 *
 * Every 4K entry inherits the head's ASID, Assigned, Validated, Immutable
 * and permissions, with its own GPA; only the first keeps the VMSA bit.
 * Immutable pages may be smashed: the split changes no ownership.
 *
 * An entry that is not an assigned 2M page (a 4K page, for instance one
 * smashed already, or a hypervisor page) has nothing to split: the
 * instruction reports FAIL_BADADDR and changes nothing. KVM relies on that
 * code: it looks the entry up again and takes "already 4K" as done.
 *
 * Return: PSMASH_SUCCESS, PSMASH_FAIL_INPUT (misaligned, or not wholly
 * inside the model), PSMASH_FAIL_BADADDR or PSMASH_FAIL_INUSE.
 */
int rmp_model_psmash(struct rmp_model *m, u64 spa)
{
	struct rmp_entry *e, head;
	int i;

	if ((spa & RMP_2M_MASK) || !rmp_2m_inside(m, spa))
		return PSMASH_FAIL_INPUT;

	e = &m->entries[rmp_index(m, spa)];
	if (!rmp_is_2m_assigned(e))
		return PSMASH_FAIL_BADADDR;
	for (i = 0; i < CCMEM_PAGES_PER_2M; i++)
		if (e[i].inuse)
			return PSMASH_FAIL_INUSE;

	head = *e;
	head.pagesize = RMP_PG_4K;
	for (i = 0; i < CCMEM_PAGES_PER_2M; i++) {
		e[i] = head;
		e[i].gpa = head.gpa + (u64)i * CCMEM_PAGE_SIZE;
		e[i].vmsa = i == 0 ? head.vmsa : 0;
	}
	return PSMASH_SUCCESS;
}

/*
 * Operand checks shared by PVALIDATE and RMPADJUST: @spa inside the model,
 * a known page size, and for a 2M request an address aligned to 2 MiB.
 * The instructions take a guest virtual address in RAX; the alignment rule
 * is on that address, which the model sees as @gpa. Where the page lives
 * in system memory is the RMP's business: a 2M request on a page held by a
 * 4K entry is a size mismatch wherever that page is (rmp_spa_fits()). For
 * a 4K request the offset within the page is ignored, as the instructions
 * operate on the page containing the address.
 */
static bool rmp_guest_operands_ok(const struct rmp_model *m, u64 spa, u64 gpa,
				  int pagesize)
{
	if (rmp_index(m, spa) < 0)
		return false;
	if (pagesize == RMP_PG_4K)
		return true;
	return pagesize == RMP_PG_2M && !(gpa & RMP_2M_MASK);
}

/*
 * A 2M request governed by a 2M entry must name that entry's first page:
 * the nested mapping of a 2 MiB guest page is 2 MiB aligned on both sides.
 */
static bool rmp_spa_fits(const struct rmp_entry *g, u64 spa, int pagesize)
{
	return pagesize != RMP_PG_2M || g->pagesize != RMP_PG_2M ||
	       !(spa & RMP_2M_MASK);
}

/*
 * A 4 KiB PVALIDATE/RMPADJUST on a page governed by a 2 MiB entry does not
 * fail in the guest: it exits to the host with a nested page fault that has
 * the size-mismatch bit (35) set, so the hypervisor can PSMASH and let the
 * guest retry (what KVM's RMP fault handler does). Only the opposite case,
 * 2 MiB over 4 KiB entries, returns FAIL_SIZEMISMATCH to the guest.
 */
static bool rmp_4k_on_2m(const struct rmp_entry *g, int pagesize)
{
	return pagesize == RMP_PG_4K && g->pagesize == RMP_PG_2M;
}

/*
 * The RMP checks PVALIDATE and RMPADJUST make before touching the entry:
 * ownership, then a 4K request inside a 2M entry. Both exit to the host.
 * The code is the one hardware reports for a guest kernel's PVALIDATE,
 * 0xc80000005 with SIZEM; RMPADJUST is given the same bits (no WRITE), a
 * modelling choice as no RMPADJUST code has been published.
 * Returns the #NPF error code, or 0 when the instruction may go on.
 */
static u64 rmp_insn_npf(const struct rmp_entry *g, u64 spa, u64 gpa,
			u32 asid, int pagesize)
{
	if (!rmp_owned_by(g, spa, gpa, asid))
		return RMP_NPF_BASE | RMP_NPF_ERR_PRIVATE;
	if (rmp_4k_on_2m(g, pagesize))
		return RMP_NPF_BASE | RMP_NPF_ERR_PRIVATE | RMP_NPF_ERR_SIZEM;
	return 0;
}

/**
 * rmp_model_pvalidate() - PVALIDATE, after the guest's address translation.
 * @m:		the model.
 * @spa:	system physical address the guest page maps to.
 * @gpa:	guest physical address of the page.
 * @asid:	the guest's ASID.
 * @vmpl:	the guest's VMPL: 0, or 1-3 for PVALIDATE_FAIL_PERMISSION;
 *		above 3 is FAIL_INPUT.
 * @pagesize:	RMP_PG_4K or RMP_PG_2M.
 * @validate:	nonzero to validate, 0 to rescind.
 * @no_change:	out: rFLAGS.CF, set when Validated already had the value.
 * @npf_error:	out: when the result is -1, the #NPF error code to report.
 *
 * Immutable pages may be (in)validated: immutability stops RMPUPDATE only.
 *
 * PVALIDATE is a VMPL0 instruction: a lower VMPL must never change the
 * Validated bit, which is what an SVSM at VMPL0 is for. Modelling choice:
 * no public source (APM, Linux, COCONUT-SVSM) gives the exact outcome at
 * VMPL 1-3, only that the instruction "can only be performed at VMPL0".
 * The model returns PVALIDATE_FAIL_PERMISSION (2, the FAIL_PERMISSION
 * value of RMPUPDATE and RMPADJUST) and changes nothing. It checks this
 * before reading the RMP, so a lower VMPL learns nothing about the entry
 * (no #NPF, no size mismatch).
 *
 * Return: PVALIDATE_* code, or -1 for a nested page fault (page not
 * assigned to @asid at @gpa, or a 4K request inside a 2M entry).
 */
int rmp_model_pvalidate(struct rmp_model *m, u64 spa, u64 gpa, u32 asid,
			u32 vmpl, int pagesize, int validate, bool *no_change,
			u64 *npf_error)
{
	struct rmp_entry *g;

	*no_change = false;
	*npf_error = 0;
	if (vmpl >= RMP_NR_VMPLS ||
	    !rmp_guest_operands_ok(m, spa, gpa, pagesize))
		return PVALIDATE_FAIL_INPUT;
	if (vmpl != 0)
		return PVALIDATE_FAIL_PERMISSION;

	g = rmp_governing(m, spa);
	if (!rmp_spa_fits(g, spa, pagesize))
		return PVALIDATE_FAIL_INPUT;
	*npf_error = rmp_insn_npf(g, spa, gpa, asid, pagesize);
	if (*npf_error)
		return -1;
	if (g->pagesize != pagesize)
		return PVALIDATE_FAIL_SIZEMISMATCH;

	if (g->validated == !!validate) {
		*no_change = true;
		return PVALIDATE_SUCCESS;
	}
	g->validated = !!validate;
	return PVALIDATE_SUCCESS;
}

/**
 * rmp_model_rmpadjust() - RMPADJUST by the guest at @cur_vmpl.
 * @m:		the model.
 * @spa:	system physical address the guest page maps to.
 * @gpa:	guest physical address of the page.
 * @asid:	the guest's ASID.
 * @cur_vmpl:	the VMPL executing RMPADJUST.
 * @pagesize:	RMP_PG_4K or RMP_PG_2M.
 * @attrs:	RDX: bits 7:0 target VMPL, bits 15:8 permission mask, bit 16
 *		VMSA.
 * @npf_error:	out: when the result is -1, the #NPF error code to report.
 *
 * Checks, in order: operands and reserved RDX bits (FAIL_INPUT); target
 * VMPL not less privileged than @cur_vmpl (FAIL_PERMISSION); ownership and
 * a 4K request inside a 2M entry (#NPF); page size (FAIL_SIZEMISMATCH);
 * Validated (FAIL_INPUT); and the new mask being a subset of the caller's
 * own (FAIL_PERMISSION).
 *
 * Only VMPL0 may say whether a page is a VMSA. From any other VMPL the
 * VMSA bit of RDX is ignored, not refused: the instruction succeeds and
 * the entry's VMSA bit keeps its value, set or clear.
 *
 * Modelling choice: RMPADJUST of a page the guest has not validated fails
 * with FAIL_INPUT; permissions for a page the guest never accepted are
 * meaningless, and this keeps the "validated first" order visible in tests.
 *
 * Return: RMPADJUST_* code, or -1 with *@npf_error set for a nested fault.
 */
int rmp_model_rmpadjust(struct rmp_model *m, u64 spa, u64 gpa, u32 asid,
			u32 cur_vmpl, int pagesize, u64 attrs, u64 *npf_error)
{
	u64 target = attrs & RMPADJUST_VMPL_MASK;
	u8 perms = (attrs >> RMPADJUST_PERM_SHIFT) & RMPADJUST_PERM_MASK;
	struct rmp_entry *g;

	*npf_error = 0;
	if ((attrs & ~RMPADJUST_KNOWN) || target >= RMP_NR_VMPLS ||
	    cur_vmpl >= RMP_NR_VMPLS ||
	    !rmp_guest_operands_ok(m, spa, gpa, pagesize))
		return RMPADJUST_FAIL_INPUT;
	if (target <= cur_vmpl)
		return RMPADJUST_FAIL_PERMISSION;

	g = rmp_governing(m, spa);
	if (!rmp_spa_fits(g, spa, pagesize))
		return RMPADJUST_FAIL_INPUT;
	*npf_error = rmp_insn_npf(g, spa, gpa, asid, pagesize);
	if (*npf_error)
		return -1;
	if (g->pagesize != pagesize)
		return RMPADJUST_FAIL_SIZEMISMATCH;
	if (!g->validated)
		return RMPADJUST_FAIL_INPUT;
	if (perms & ~g->perms[cur_vmpl])
		return RMPADJUST_FAIL_PERMISSION;

	g->perms[target] = perms;
	if (cur_vmpl == 0)
		g->vmsa = !!(attrs & RMPADJUST_VMSA);
	return RMPADJUST_SUCCESS;
}

/* The permission bit a guest access needs at its VMPL. */
static u8 rmp_needed_perm(const struct rmp_access *a)
{
	if (a->exec)
		return a->user ? RMP_PERM_XUSER : RMP_PERM_XSUPER;
	return a->write ? RMP_PERM_WRITE : RMP_PERM_READ;
}

/* True when any 4K page of the 2 MiB region holding @spa is assigned. */
static bool rmp_2m_region_assigned(const struct rmp_model *m, u64 spa)
{
	u64 base = spa & ~RMP_2M_MASK;
	s64 idx;
	int i;

	for (i = 0; i < CCMEM_PAGES_PER_2M; i++) {
		idx = rmp_index(m, base + (u64)i * CCMEM_PAGE_SIZE);
		if (idx >= 0 && m->entries[idx].assigned)
			return true;
	}
	return false;
}

/*
 * A host access. Reads are allowed: the host only sees ciphertext. For a
 * write, the RMP check is made at the granularity of the host mapping: a
 * 2M (or 1G) mapping may not be used to write any 2 MiB that holds an
 * assigned page, even if the page written is the hypervisor's. The #PF has
 * PRESENT set, as the host mapping exists: 0x80000003 from the kernel.
 */
static enum rmp_access_result rmp_host_access(const struct rmp_model *m,
					      struct rmp_access *a)
{
	const struct rmp_entry *g = rmp_governing(m, a->spa);
	bool blocked;

	if (!a->write)
		return RMP_ACCESS_OK;
	if (a->pagesize == RMP_PG_4K)
		blocked = g && g->assigned;
	else
		blocked = rmp_2m_region_assigned(m, a->spa);
	if (!blocked)
		return RMP_ACCESS_OK;
	a->error_code = RMP_PF_ERR_PRESENT | RMP_PF_ERR_WRITE | RMP_PF_ERR_RMP |
			(a->user ? RMP_PF_ERR_USER : 0);
	return RMP_ACCESS_HOST_PF;
}

/* The #NPF bits every faulting guest access reports, before the causes. */
static u64 rmp_guest_npf_base(const struct rmp_access *a)
{
	return RMP_NPF_BASE | (a->write ? RMP_PF_ERR_WRITE : 0) |
	       (a->exec ? RMP_PF_ERR_FETCH : 0);
}

/*
 * A guest access: the nested-walk checks come first and exit to the host
 * (ownership, nested mapping size, VMPL permission); only an access that
 * passes them all can raise #VC for a page that is not validated.
 *
 * The nested mapping must have the RMP entry's page size. A 4K mapping
 * over a 2M entry faults, and the host PSMASHes and retries (KVM's
 * sev_handle_rmp_fault()); a 2M mapping over 4K entries faults too, and
 * the host maps the page at 4K and retries (PSMASH there finds a 4K entry,
 * FAIL_BADADDR). Neither sets SIZEM, which is reserved for PVALIDATE and
 * RMPADJUST. A shared access to a hypervisor page involves no RMP entry,
 * so neither the mapping size nor anything else is checked.
 */
static enum rmp_access_result rmp_guest_access(const struct rmp_entry *g,
					       struct rmp_access *a)
{
	u64 err = rmp_guest_npf_base(a);

	if (!a->private_access) {
		if (!g->assigned)
			return RMP_ACCESS_OK;
		a->error_code = err;
		return RMP_ACCESS_GUEST_NPF;
	}

	err |= RMP_NPF_ERR_PRIVATE;
	if (!rmp_owned_by(g, a->spa, a->gpa, a->asid))
		a->error_code = err;
	else if (a->pagesize != g->pagesize)
		a->error_code = err;
	else if (a->vmpl >= RMP_NR_VMPLS ||
		 !(g->perms[a->vmpl] & rmp_needed_perm(a)))
		a->error_code = err | RMP_NPF_ERR_VMPL;
	if (a->error_code)
		return RMP_ACCESS_GUEST_NPF;

	if (!g->validated) {
		a->error_code = RMP_VC_NOT_VALIDATED;
		return RMP_ACCESS_GUEST_VC;
	}
	return RMP_ACCESS_OK;
}

/**
 * rmp_model_access() - check one memory access against the RMP.
 * @m:		the model.
 * @a:		the access; @a->error_code is set when it faults.
 *
 * An address outside the model is treated as a hypervisor-owned page. The
 * rules and error codes are listed with the prototype in rmp_model.h.
 *
 * Return: RMP_ACCESS_OK, or the kind of fault the access raises.
 */
enum rmp_access_result rmp_model_access(const struct rmp_model *m,
					struct rmp_access *a)
{
	static const struct rmp_entry hv_page;
	const struct rmp_entry *g;

	a->error_code = 0;
	if (a->who == RMP_ACCESS_HOST)
		return rmp_host_access(m, a);
	g = rmp_governing(m, a->spa);
	return rmp_guest_access(g ? g : &hv_page, a);
}

/**
 * rmp_model_set_inuse() - model another agent holding an entry.
 * @m:		the model.
 * @spa:	system physical address of the page.
 * @inuse:	hold (true) or release (false) the page's own entry.
 *
 * Return: 0, or -1 when @spa is outside the model.
 */
int rmp_model_set_inuse(struct rmp_model *m, u64 spa, bool inuse)
{
	s64 idx = rmp_index(m, spa);

	if (idx < 0)
		return -1;
	m->entries[idx].inuse = inuse;
	return 0;
}
