// SPDX-License-Identifier: GPL-2.0
/*
 * sept_model.c - a software model of the TDX module's Secure-EPT.
 *
 * Each host call mirrors one SEAMCALL leaf and each guest call one TDCALL
 * (or one private access), with the module's checks in the module's order:
 *
 *   1. the TD's operation state (PAGE.ADD and MR.FINALIZE only: before or
 *      after finalize), TDX_OP_STATE_INCORRECT;
 *   2. the GPA-and-level operand: level in range, GPA aligned to it, no
 *      shared bit, nothing above GPAW: TDX_OPERAND_INVALID | RCX;
 *   3. the walk to the requested level: it stops early on a missing or
 *      blocked table or on a larger leaf, TDX_EPT_WALK_FAILED | RCX;
 *   4. the entry lock (not PAGE.ADD): TDX_OPERAND_BUSY | RCX;
 *   5. the entry's state against the call's list of allowed states,
 *      TDX_EPT_ENTRY_STATE_INCORRECT | RCX (BLOCK of a blocked entry:
 *      TDX_GPA_RANGE_ALREADY_BLOCKED | RCX);
 *   6. once the TD is finalized (vCPUs may hold translations), for REMOVE,
 *      DEMOTE, SEPT.REMOVE and UNBLOCK: the entry must be blocked
 *      (TDX_GPA_RANGE_NOT_BLOCKED | RCX) and TLB-tracked since
 *      (TDX_TLB_TRACKING_NOT_DONE | RCX).
 *
 * Nothing is written before every check has passed, so a refused call
 * changes nothing. The facts, and where in the module's source they come
 * from, are listed in the report that introduced this file and summarised
 * in SPEC-NOTES.md.
 *
 * TLB tracking is the module's: TDH.MEM.RANGE.BLOCK records the TD epoch in
 * the entry; TDH.VP.ENTER counts the vCPU in the reference count of the
 * current epoch's parity and TD exit takes it out; TDH.MEM.TRACK refuses
 * while the previous epoch's count is not zero, else advances the epoch.
 * An entry blocked at epoch B is tracked once the TD epoch is past B + 1,
 * or is B + 1 and no vCPU that entered at B is still inside.
 */
#include "sept_model.h"

#define SEPT_PT_MASK		(SEPT_ENTRIES - 1)

/* The operand id of every GPA-and-level operand (RCX). */
#define RCX			TDX_OPERAND_ID_RCX

static const char *const sept_state_names[SEPT_NR_STATES] = {
	[SEPT_FREE] = "FREE",
	[SEPT_PENDING] = "PENDING",
	[SEPT_MAPPED] = "MAPPED",
	[SEPT_BLOCKED] = "BLOCKED",
	[SEPT_PENDING_BLOCKED] = "PENDING_BLOCKED",
	[SEPT_REMOVED] = "REMOVED",
	[SEPT_NL_MAPPED] = "NL_MAPPED",
	[SEPT_NL_BLOCKED] = "NL_BLOCKED",
};

const char *sept_state_name(unsigned int state)
{
	return state < SEPT_NR_STATES ? sept_state_names[state] : "?";
}

/*
 * The state classes the module's lookup tables use. A leaf is an entry that
 * maps a page; FREE and REMOVED are not leaves (REMOVED is encoded as a
 * non-present, non-leaf entry, which is why ACCEPT calls it a size
 * mismatch).
 */
static bool sept_is_leaf(u8 s)
{
	return s == SEPT_PENDING || s == SEPT_MAPPED || s == SEPT_BLOCKED ||
	       s == SEPT_PENDING_BLOCKED;
}

static bool sept_is_blocked(u8 s)
{
	return s == SEPT_BLOCKED || s == SEPT_PENDING_BLOCKED ||
	       s == SEPT_NL_BLOCKED;
}

static bool sept_has_table(u8 s)
{
	return s == SEPT_NL_MAPPED || s == SEPT_NL_BLOCKED;
}

static u8 sept_block_of(u8 s)
{
	switch (s) {
	case SEPT_MAPPED:
		return SEPT_BLOCKED;
	case SEPT_PENDING:
		return SEPT_PENDING_BLOCKED;
	default:
		return SEPT_NL_BLOCKED;
	}
}

static u8 sept_unblock_of(u8 s)
{
	switch (s) {
	case SEPT_BLOCKED:
		return SEPT_MAPPED;
	case SEPT_PENDING_BLOCKED:
		return SEPT_PENDING;
	default:
		return SEPT_NL_MAPPED;
	}
}

static u64 sept_status(u64 code, u64 detail)
{
	return code | detail;
}

void sept_td_init(struct sept_td *td, const struct sept_mem_ops *ops,
		  void *priv, u32 gpaw, u64 attributes)
{
	memset(td, 0, sizeof(*td));
	td->ops = ops;
	td->priv = priv;
	td->gpaw = gpaw;
	td->attributes = attributes;
}

/* A private GPA: no shared bit, nothing at or above bit GPAW. */
static bool sept_gpa_private_ok(const struct sept_td *td, u64 gpa)
{
	if (gpa & TDX_SHARED_BIT(td->gpaw))
		return false;
	return !(gpa >> td->gpaw);
}

/*
 * The GPA-and-level operand. The module accepts some calls at 1 GiB and
 * above; ccmem never issues them, and the model has no tables above 2 MiB,
 * so it takes only TDX_LEVEL_4K and TDX_LEVEL_2M (@min_level raises the
 * floor, as the module does for SEPT.ADD, SEPT.REMOVE and DEMOTE).
 */
static bool sept_operand_ok(const struct sept_td *td, u64 gpa, int level,
			    int min_level)
{
	u64 size;

	if (level < min_level || level > TDX_LEVEL_2M)
		return false;
	size = level == TDX_LEVEL_2M ? CCMEM_2M_SIZE : CCMEM_PAGE_SIZE;
	if (gpa & (size - 1))
		return false;
	return sept_gpa_private_ok(td, gpa);
}

static struct sept_pde *sept_slot(const struct sept_td *td, u64 gpa,
				  bool create)
{
	return td->ops->pde(td->priv, gpa >> CCMEM_2M_SHIFT, create);
}

/* The state of a 2 MiB slot that may not exist (then it is FREE). */
static u8 sept_slot_state(const struct sept_pde *pde)
{
	return pde ? pde->e.state : SEPT_FREE;
}

/*
 * sept_walk() - the entry at @level for @gpa, as the module's walk to a
 * level finds it. A 4 KiB walk needs a mapped table under the slot: a FREE
 * or missing slot, a 2 MiB leaf, REMOVED or a blocked table stop the walk
 * at the 2 MiB level. Returns NULL then, or when the 2 MiB slot does not
 * exist (FREE; @create makes it).
 */
static struct sept_entry *sept_walk(const struct sept_td *td, u64 gpa,
				    int level, bool create, u64 *status)
{
	struct sept_pde *pde;

	*status = TDX_SUCCESS;
	if (level == TDX_LEVEL_2M) {
		pde = sept_slot(td, gpa, create);
		if (!pde && create)
			*status = SEPT_STATUS_NOMEM;
		return pde ? &pde->e : NULL;
	}
	pde = sept_slot(td, gpa, false);
	if (!pde || pde->e.state != SEPT_NL_MAPPED) {
		*status = sept_status(TDX_EPT_WALK_FAILED, RCX);
		return NULL;
	}
	return &pde->pt[(gpa >> CCMEM_PAGE_SHIFT) & SEPT_PT_MASK];
}

/* Is an entry blocked at @bepoch TLB-tracked now? */
static bool sept_tracked(const struct sept_td *td, u64 bepoch)
{
	if (bepoch + 1 > td->epoch)
		return false;
	if (bepoch + 1 == td->epoch && td->inside[bepoch & 1])
		return false;
	return true;
}

/*
 * Step 6 of the checks, for the calls that take a page or a table away
 * from a TD that may be running: before finalize no vCPU has run and the
 * module skips it.
 */
static u64 sept_check_tracked(const struct sept_td *td,
			      const struct sept_entry *e)
{
	if (!td->finalized)
		return TDX_SUCCESS;
	if (!sept_is_blocked(e->state))
		return sept_status(TDX_GPA_RANGE_NOT_BLOCKED, RCX);
	if (!sept_tracked(td, e->block_epoch))
		return sept_status(TDX_TLB_TRACKING_NOT_DONE, RCX);
	return TDX_SUCCESS;
}

u64 sept_mr_finalize(struct sept_td *td)
{
	if (td->finalized)
		return TDX_OP_STATE_INCORRECT;
	td->finalized = true;
	return TDX_SUCCESS;
}

u64 sept_sept_add(struct sept_td *td, u64 gpa, int level)
{
	struct sept_entry *pt;
	struct sept_pde *pde;

	if (!sept_operand_ok(td, gpa, level, TDX_LEVEL_2M))
		return sept_status(TDX_OPERAND_INVALID, RCX);
	pde = sept_slot(td, gpa, false);
	if (pde && pde->e.busy)
		return sept_status(TDX_OPERAND_BUSY, RCX);
	/* The module takes an existing table only from callers that ask. */
	if (sept_slot_state(pde) != SEPT_FREE)
		return sept_status(TDX_EPT_ENTRY_STATE_INCORRECT, RCX);
	if (!pde)
		pde = sept_slot(td, gpa, true);
	if (!pde)
		return SEPT_STATUS_NOMEM;
	pt = td->ops->pt_alloc(td->priv);
	if (!pt)
		return SEPT_STATUS_NOMEM;
	pde->pt = pt;
	pde->e.state = SEPT_NL_MAPPED;
	pde->e.pfn = 0;
	pde->e.block_epoch = 0;
	pde->e.accept_done = 0;
	return TDX_SUCCESS;
}

u64 sept_sept_remove(struct sept_td *td, u64 gpa, int level)
{
	struct sept_pde *pde;
	u64 st;
	int i;

	if (!sept_operand_ok(td, gpa, level, TDX_LEVEL_2M))
		return sept_status(TDX_OPERAND_INVALID, RCX);
	pde = sept_slot(td, gpa, false);
	if (pde && pde->e.busy)
		return sept_status(TDX_OPERAND_BUSY, RCX);
	if (!sept_has_table(sept_slot_state(pde)))
		return sept_status(TDX_EPT_ENTRY_STATE_INCORRECT, RCX);
	st = sept_check_tracked(td, &pde->e);
	if (st != TDX_SUCCESS)
		return st;
	for (i = 0; i < SEPT_ENTRIES; i++)
		if (pde->pt[i].state != SEPT_FREE)
			return sept_status(TDX_EPT_PAGE_NOT_FREE, RCX);
	td->ops->pt_free(td->priv, pde->pt);
	memset(pde, 0, sizeof(*pde));
	return TDX_SUCCESS;
}

/* Map a page at an entry that was checked FREE (or REMOVED). */
static void sept_map(struct sept_entry *e, u64 pfn, u8 state)
{
	e->pfn = pfn;
	e->state = state;
	e->block_epoch = 0;
	e->accept_done = 0;
}

u64 sept_page_add(struct sept_td *td, u64 gpa, u64 pfn)
{
	struct sept_entry *e;
	u64 st;

	if (td->finalized)
		return TDX_OP_STATE_INCORRECT;
	if (!sept_operand_ok(td, gpa, TDX_LEVEL_4K, TDX_LEVEL_4K))
		return sept_status(TDX_OPERAND_INVALID, RCX);
	e = sept_walk(td, gpa, TDX_LEVEL_4K, false, &st);
	if (!e)
		return st;
	/* No entry lock: PAGE.ADD holds the whole TD exclusively. */
	if (e->state != SEPT_FREE)
		return sept_status(TDX_EPT_ENTRY_STATE_INCORRECT, RCX);
	sept_map(e, pfn, SEPT_MAPPED);
	return TDX_SUCCESS;
}

u64 sept_page_aug(struct sept_td *td, u64 gpa, int level, u64 pfn)
{
	struct sept_entry *e;
	u64 st;

	if (!sept_operand_ok(td, gpa, level, TDX_LEVEL_4K))
		return sept_status(TDX_OPERAND_INVALID, RCX);
	e = sept_walk(td, gpa, level, false, &st);
	if (!e && st != TDX_SUCCESS)
		return st;
	if (e && e->busy)
		return sept_status(TDX_OPERAND_BUSY, RCX);
	if (e && e->state != SEPT_FREE && e->state != SEPT_REMOVED)
		return sept_status(TDX_EPT_ENTRY_STATE_INCORRECT, RCX);
	/* The page operand comes last: a 2 MiB page must be 2 MiB aligned. */
	if (level == TDX_LEVEL_2M && (pfn & SEPT_PT_MASK))
		return sept_status(TDX_OPERAND_INVALID, TDX_OPERAND_ID_R8);
	if (!e)
		e = sept_walk(td, gpa, level, true, &st);
	if (!e)
		return st;
	sept_map(e, pfn, SEPT_PENDING);
	return TDX_SUCCESS;
}

/*
 * The entry a BLOCK, UNBLOCK, REMOVE or DEMOTE names, after steps 2-4; NULL
 * with *@st set when the call is refused there.
 */
static struct sept_entry *sept_host_entry(const struct sept_td *td, u64 gpa,
					  int level, int min_level, u64 *st)
{
	struct sept_entry *e;

	if (!sept_operand_ok(td, gpa, level, min_level)) {
		*st = sept_status(TDX_OPERAND_INVALID, RCX);
		return NULL;
	}
	e = sept_walk(td, gpa, level, false, st);
	if (!e && *st != TDX_SUCCESS)
		return NULL;
	if (!e) {
		/*
		 * A 2 MiB slot that does not exist is a FREE entry, which
		 * none of these calls takes.
		 */
		*st = sept_status(TDX_EPT_ENTRY_STATE_INCORRECT, RCX);
		return NULL;
	}
	if (e->busy) {
		*st = sept_status(TDX_OPERAND_BUSY, RCX);
		return NULL;
	}
	return e;
}

u64 sept_range_block(struct sept_td *td, u64 gpa, int level)
{
	struct sept_entry *e;
	u64 st;

	e = sept_host_entry(td, gpa, level, TDX_LEVEL_4K, &st);
	if (!e)
		return st;
	if (sept_is_blocked(e->state))
		return sept_status(TDX_GPA_RANGE_ALREADY_BLOCKED, RCX);
	if (e->state != SEPT_MAPPED && e->state != SEPT_PENDING &&
	    e->state != SEPT_NL_MAPPED)
		return sept_status(TDX_EPT_ENTRY_STATE_INCORRECT, RCX);
	e->state = sept_block_of(e->state);
	e->block_epoch = td->epoch;
	return TDX_SUCCESS;
}

/*
 * The entry UNBLOCK, REMOVE or DEMOTE works on: steps 2-4, the state in
 * @allowed (else EPT_ENTRY_STATE_INCORRECT), then blocked and tracked.
 */
static struct sept_entry *sept_tracked_entry(const struct sept_td *td,
					     u64 gpa, int level, int min_level,
					     bool (*allowed)(u8 state),
					     u64 *st)
{
	struct sept_entry *e = sept_host_entry(td, gpa, level, min_level, st);

	if (!e)
		return NULL;
	if (!allowed(e->state)) {
		*st = sept_status(TDX_EPT_ENTRY_STATE_INCORRECT, RCX);
		return NULL;
	}
	*st = sept_check_tracked(td, e);
	return *st == TDX_SUCCESS ? e : NULL;
}

u64 sept_range_unblock(struct sept_td *td, u64 gpa, int level)
{
	struct sept_entry *e;
	u64 st;

	/* UNBLOCK too waits for the TLB tracking of the BLOCK. */
	e = sept_tracked_entry(td, gpa, level, TDX_LEVEL_4K, sept_is_blocked,
			       &st);
	if (!e)
		return st;
	e->state = sept_unblock_of(e->state);
	return TDX_SUCCESS;
}

u64 sept_track(struct sept_td *td)
{
	if (td->inside[(td->epoch & 1) ^ 1])
		return TDX_PREVIOUS_TLB_EPOCH_BUSY;
	td->epoch++;
	return TDX_SUCCESS;
}

u64 sept_page_remove(struct sept_td *td, u64 gpa, int level, u64 *pfn)
{
	struct sept_entry *e;
	u64 st;

	e = sept_tracked_entry(td, gpa, level, TDX_LEVEL_4K, sept_is_leaf,
			       &st);
	if (!e)
		return st;
	if (pfn)
		*pfn = e->pfn;
	/* The import flows would leave REMOVED; without them, FREE. */
	memset(e, 0, sizeof(*e));
	return TDX_SUCCESS;
}

u64 sept_page_demote(struct sept_td *td, u64 gpa, int level)
{
	struct sept_entry *e, *pt;
	struct sept_pde *pde;
	u8 child;
	u64 st;
	int i;

	e = sept_tracked_entry(td, gpa, level, TDX_LEVEL_2M, sept_is_leaf,
			       &st);
	if (!e)
		return st;
	pt = td->ops->pt_alloc(td->priv);
	if (!pt)
		return SEPT_STATUS_NOMEM;
	/*
	 * The children take the leaf's state unblocked (the split runs on
	 * the blocked, tracked leaf, so no vCPU holds the 2 MiB translation)
	 * and the 512 consecutive pages; a partial 2 MiB accept is dropped.
	 */
	child = sept_is_blocked(e->state) ? sept_unblock_of(e->state) :
					    e->state;
	for (i = 0; i < SEPT_ENTRIES; i++)
		sept_map(&pt[i], e->pfn + i, child);
	pde = sept_slot(td, gpa, false);
	pde->pt = pt;
	sept_map(&pde->e, 0, SEPT_NL_MAPPED);
	return TDX_SUCCESS;
}

void sept_vcpu_enter(struct sept_td *td, struct sept_vcpu *v)
{
	if (v->inside)
		return;
	v->epoch = td->epoch;
	v->inside = true;
	td->inside[v->epoch & 1]++;
}

void sept_vcpu_exit(struct sept_td *td, struct sept_vcpu *v)
{
	if (!v->inside)
		return;
	v->inside = false;
	td->inside[v->epoch & 1]--;
}

static enum sept_guest_result sept_accept_done(struct sept_guest_op *op,
					       u64 status)
{
	op->status = status;
	return SEPT_G_DONE;
}

static enum sept_guest_result sept_accept_exit(struct sept_guest_op *op)
{
	op->exit_level = op->level;
	return SEPT_G_EPT_VIOLATION;
}

/* Zero a PENDING 2 MiB page from its counter on, @chunk pages at most. */
static bool sept_accept_2m(struct sept_td *td, struct sept_entry *e)
{
	u32 left = SEPT_ENTRIES - e->accept_done;
	u32 n = left;

	if (td->accept_chunk && td->accept_chunk < left)
		n = td->accept_chunk;
	td->ops->clear(td->priv, e->pfn + e->accept_done, n);
	e->accept_done += n;
	return e->accept_done == SEPT_ENTRIES;
}

enum sept_guest_result sept_accept(struct sept_td *td, struct sept_vcpu *v,
				   struct sept_guest_op *op)
{
	struct sept_entry *e;
	struct sept_pde *pde;

	(void)v;
	if (!sept_operand_ok(td, op->gpa, op->level, TDX_LEVEL_4K))
		return sept_accept_done(op, sept_status(TDX_OPERAND_INVALID,
							RCX));
	pde = sept_slot(td, op->gpa, false);
	if (op->level == TDX_LEVEL_4K &&
	    sept_slot_state(pde) != SEPT_NL_MAPPED) {
		/* The walk stopped at 2 MiB: a leaf, FREE, or no table. */
		if (sept_slot_state(pde) == SEPT_MAPPED)
			return sept_accept_done(op,
				sept_status(TDX_PAGE_ALREADY_ACCEPTED,
					    TDX_LEVEL_2M));
		return sept_accept_exit(op);
	}
	if (op->level == TDX_LEVEL_4K)
		e = &pde->pt[(op->gpa >> CCMEM_PAGE_SHIFT) & SEPT_PT_MASK];
	else if (pde)
		e = &pde->e;
	else
		return sept_accept_exit(op);	/* FREE at 2 MiB */

	if (e->busy)
		return sept_accept_done(op, sept_status(TDX_OPERAND_BUSY, RCX));
	if (e->state == SEPT_REMOVED || sept_has_table(e->state))
		return sept_accept_done(op, sept_status(TDX_PAGE_SIZE_MISMATCH,
							op->level));
	if (e->state == SEPT_MAPPED)
		return sept_accept_done(op,
			sept_status(TDX_PAGE_ALREADY_ACCEPTED, op->level));
	if (e->state != SEPT_PENDING)
		return sept_accept_exit(op);

	if (op->level == TDX_LEVEL_4K) {
		td->ops->clear(td->priv, e->pfn, 1);
	} else if (!sept_accept_2m(td, e)) {
		/* The real TDCALL leaves RAX alone and runs again. */
		op->status = TDX_INTERRUPTED_RESUMABLE;
		return SEPT_G_INTERRUPTED;
	}
	e->accept_done = 0;
	e->state = SEPT_MAPPED;
	return sept_accept_done(op, TDX_SUCCESS);
}

/* The guest-side view of one entry: DONE, #VE or an EPT-violation exit. */
static enum sept_guest_result sept_access_entry(const struct sept_td *td,
						const struct sept_entry *e,
						int level,
						struct sept_guest_op *op)
{
	u64 idx = (op->gpa >> CCMEM_PAGE_SHIFT) & SEPT_PT_MASK;

	if (e && e->state == SEPT_MAPPED) {
		op->pfn = level == TDX_LEVEL_2M ? e->pfn + idx : e->pfn;
		return SEPT_G_DONE;
	}
	/* Only a PENDING page the guest could accept raises #VE. */
	if (e && e->state == SEPT_PENDING &&
	    !(td->attributes & TDX_TD_ATTR_SEPT_VE_DISABLE)) {
		op->ve_info = TDX_VE_EPT_VIOLATION;
		return SEPT_G_VE;
	}
	op->exit_level = level;
	return SEPT_G_EPT_VIOLATION;
}

enum sept_guest_result sept_access(const struct sept_td *td,
				   struct sept_guest_op *op)
{
	struct sept_pde *pde;

	if (op->shared || (op->gpa & TDX_SHARED_BIT(td->gpaw)))
		return SEPT_G_DONE;
	pde = sept_slot(td, op->gpa, false);
	if (sept_slot_state(pde) != SEPT_NL_MAPPED)
		return sept_access_entry(td, pde ? &pde->e : NULL,
					 TDX_LEVEL_2M, op);
	return sept_access_entry(td,
		&pde->pt[(op->gpa >> CCMEM_PAGE_SHIFT) & SEPT_PT_MASK],
		TDX_LEVEL_4K, op);
}

int sept_lookup(const struct sept_td *td, u64 gpa, struct sept_entry *out,
		int *level)
{
	struct sept_pde *pde = sept_slot(td, gpa, false);

	if (!pde)
		return -1;
	if (sept_has_table(pde->e.state)) {
		*out = pde->pt[(gpa >> CCMEM_PAGE_SHIFT) & SEPT_PT_MASK];
		*level = TDX_LEVEL_4K;
	} else {
		*out = pde->e;
		*level = TDX_LEVEL_2M;
	}
	return 0;
}

int sept_set_busy_level(struct sept_td *td, u64 gpa, int level, bool busy)
{
	struct sept_pde *pde = sept_slot(td, gpa, true);

	if (!pde)
		return -1;
	if (level == TDX_LEVEL_2M) {
		pde->e.busy = busy;
		return 0;
	}
	if (level != TDX_LEVEL_4K || !sept_has_table(pde->e.state))
		return -1;
	pde->pt[(gpa >> CCMEM_PAGE_SHIFT) & SEPT_PT_MASK].busy = busy;
	return 0;
}

int sept_set_busy(struct sept_td *td, u64 gpa, bool busy)
{
	struct sept_pde *pde = sept_slot(td, gpa, true);

	if (!pde)
		return -1;
	return sept_set_busy_level(td, gpa, sept_has_table(pde->e.state) ?
				   TDX_LEVEL_4K : TDX_LEVEL_2M, busy);
}

int sept_test_set_state(struct sept_td *td, u64 gpa, int level, u8 state,
			u64 pfn)
{
	struct sept_pde *pde;

	if (state >= SEPT_NL_MAPPED)
		return -1;
	pde = sept_slot(td, gpa, true);
	if (!pde)
		return -1;
	if (level == TDX_LEVEL_2M && !sept_has_table(pde->e.state)) {
		sept_map(&pde->e, pfn, state);
		return 0;
	}
	if (level != TDX_LEVEL_4K || !sept_has_table(pde->e.state))
		return -1;
	sept_map(&pde->pt[(gpa >> CCMEM_PAGE_SHIFT) & SEPT_PT_MASK], pfn,
		 state);
	return 0;
}
