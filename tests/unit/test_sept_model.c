// SPDX-License-Identifier: GPL-2.0
/*
 * test_sept_model.c - the Secure-EPT model, one (call, state) cell at a time.
 *
 * The matrix test builds every starting state (each leaf state at 4 KiB and
 * at 2 MiB, the two table states, and an absent slot) with the model's own
 * calls, applies every call, and checks the exact status (low bits
 * included) against the table below, written from the TDX module's source
 * and not from the model. A refused cell must leave the slot and its table
 * byte for byte as they were; an accepted one must leave the expected
 * state. The named tests after it cover the sequences: busy entries, the
 * resumable 2 MiB accept, the re-accept attack, demote then partial remove,
 * re-promotion and the TLB-tracking rules.
 */
#include "unit.h"
#include "../../platform/tdx/sept_model.h"

#define GPAW		48
#define BASE		0x40000000ULL		/* 1 GiB: the slot under test */
#define IDX		5			/* the 4 KiB child under test */
#define GPA4K		(BASE + IDX * CCMEM_PAGE_SIZE)
#define PFN4K		0x1234ULL
#define PFN2M		0x80000ULL		/* 2 MiB aligned */
#define NR_PFN		0x100000ULL

#define RCX		1ULL
#define MAX_SLOTS	8
#define MAX_PT		8

/* ---- the memory the model runs on ---------------------------------- */

static struct sept_pde slots[MAX_SLOTS];
static u64 slot_idx[MAX_SLOTS];
static int nr_slots;
static struct sept_entry pts[MAX_PT][SEPT_ENTRIES];
static bool pt_used[MAX_PT];
static int nr_pt_free;
static bool fail_alloc;
static u8 data[NR_PFN];			/* one byte of "content" per page */
static u64 nr_cleared;

static struct sept_pde *t_pde(void *priv, u64 idx, bool create)
{
	int i;

	(void)priv;
	for (i = 0; i < nr_slots; i++)
		if (slot_idx[i] == idx)
			return &slots[i];
	if (!create || fail_alloc || nr_slots == MAX_SLOTS)
		return NULL;
	slot_idx[nr_slots] = idx;
	memset(&slots[nr_slots], 0, sizeof(slots[0]));
	return &slots[nr_slots++];
}

static struct sept_entry *t_pt_alloc(void *priv)
{
	int i;

	(void)priv;
	if (fail_alloc)
		return NULL;
	for (i = 0; i < MAX_PT; i++) {
		if (!pt_used[i]) {
			pt_used[i] = true;
			memset(pts[i], 0, sizeof(pts[i]));
			return pts[i];
		}
	}
	return NULL;
}

static void t_pt_free(void *priv, struct sept_entry *pt)
{
	(void)priv;
	pt_used[(pt - pts[0]) / SEPT_ENTRIES] = false;
	nr_pt_free++;
}

static void t_clear(void *priv, u64 pfn, u64 npages)
{
	(void)priv;
	nr_cleared += npages;
	while (npages--)
		data[pfn++ % NR_PFN] = 0;
}

static const struct sept_mem_ops t_ops = {
	.pde = t_pde, .pt_alloc = t_pt_alloc, .pt_free = t_pt_free,
	.clear = t_clear,
};

static struct sept_td td_s;
static struct sept_td *td = &td_s;
static struct sept_vcpu vcpu, other;

static void reset(u64 attrs)
{
	nr_slots = 0;
	memset(pt_used, 0, sizeof(pt_used));
	nr_pt_free = 0;
	fail_alloc = false;
	nr_cleared = 0;
	memset(&vcpu, 0, sizeof(vcpu));
	memset(&other, 0, sizeof(other));
	sept_td_init(td, &t_ops, NULL, GPAW, attrs);
}

/* The raw entry at @level, NULL when the slot (or its table) is absent. */
static struct sept_entry *raw(u64 gpa, int level)
{
	struct sept_pde *pde = t_pde(NULL, gpa >> CCMEM_2M_SHIFT, false);

	if (!pde)
		return NULL;
	if (level == TDX_LEVEL_2M)
		return &pde->e;
	if (!pde->pt)
		return NULL;
	return &pde->pt[(gpa >> CCMEM_PAGE_SHIFT) & (SEPT_ENTRIES - 1)];
}

static int raw_state(u64 gpa, int level)
{
	struct sept_entry *e = raw(gpa, level);

	return e ? e->state : -1;
}

static int accept_exit_level;

static enum sept_guest_result accept(u64 gpa, int level, u64 *status)
{
	struct sept_guest_op op = { .gpa = gpa, .level = level,
				    .exit_level = -1 };
	enum sept_guest_result r = sept_accept(td, &vcpu, &op);

	*status = op.status;
	accept_exit_level = op.exit_level;
	return r;
}

static void check_state(int expected, u64 gpa, int level, int line)
{
	int s = raw_state(gpa, level);

	if (s != expected)
		unit_fail(__FILE__, line,
			  "state at 0x%llx level %d: expected %s, got %s",
			  (unsigned long long)gpa, level,
			  sept_state_name(expected),
			  s < 0 ? "absent" : sept_state_name(s));
}

#define ASSERT_STATE(expected, gpa, level)				\
	check_state(expected, gpa, level, __LINE__)

/* ---- the starting states ------------------------------------------- */

enum col {
	F4, P4, M4, B4, PB4, R4,		/* the 4 KiB child IDX */
	F2, P2, M2, B2, PB2, R2,		/* the 2 MiB slot as a leaf */
	NLM, NLB,				/* the slot with a table */
	ABS,					/* no slot */
	NR_COLS,
};

static const char *const col_names[NR_COLS] = {
	"FREE4", "PEND4", "MAPD4", "BLKD4", "PBLK4", "REMV4",
	"FREE2", "PEND2", "MAPD2", "BLKD2", "PBLK2", "REMV2",
	"NL_MP", "NL_BK", "ABSNT",
};

static void must(u64 status)
{
	ASSERT_EQ(TDX_SUCCESS, status);
}

static void accept_ok(u64 gpa, int level)
{
	u64 st;

	sept_vcpu_enter(td, &vcpu);
	ASSERT_EQ(SEPT_G_DONE, accept(gpa, level, &st));
	ASSERT_EQ(TDX_SUCCESS, st);
	sept_vcpu_exit(td, &vcpu);
}

/* Build @c with the model's own calls, before finalize. */
static void build(enum col c)
{
	switch (c) {
	case F4: case P4: case M4: case B4: case PB4: case R4:
		must(sept_sept_add(td, BASE, TDX_LEVEL_2M));
		if (c == R4)
			ASSERT_EQ(0, sept_test_set_state(td, GPA4K, TDX_LEVEL_4K,
							 SEPT_REMOVED, PFN4K));
		if (c == P4 || c == M4 || c == B4 || c == PB4)
			must(sept_page_aug(td, GPA4K, TDX_LEVEL_4K, PFN4K));
		if (c == M4 || c == B4)
			accept_ok(GPA4K, TDX_LEVEL_4K);
		if (c == B4 || c == PB4)
			must(sept_range_block(td, GPA4K, TDX_LEVEL_4K));
		break;
	case F2: case R2:
		ASSERT_EQ(0, sept_test_set_state(td, BASE, TDX_LEVEL_2M,
						 c == F2 ? SEPT_FREE :
						 SEPT_REMOVED, PFN2M));
		break;
	case P2: case M2: case B2: case PB2:
		must(sept_page_aug(td, BASE, TDX_LEVEL_2M, PFN2M));
		if (c == M2 || c == B2)
			accept_ok(BASE, TDX_LEVEL_2M);
		if (c == B2 || c == PB2)
			must(sept_range_block(td, BASE, TDX_LEVEL_2M));
		break;
	case NLM: case NLB:
		must(sept_sept_add(td, BASE, TDX_LEVEL_2M));
		if (c == NLB)
			must(sept_range_block(td, BASE, TDX_LEVEL_2M));
		break;
	default:
		break;
	}
}

/* ---- the calls ------------------------------------------------------ */

enum call {
	ADD_PRE, ADD_POST, AUG4, AUG2, BLOCK4, BLOCK2, UNBLOCK4, UNBLOCK4_U,
	UNBLOCK2, TRACK, REMOVE4, REMOVE4_U, REMOVE4_K, REMOVE2, REMOVE2_U,
	DEMOTE, DEMOTE_U, SEPTADD, SEPTREM, ACCEPT4, ACCEPT2, READ_VE,
	READ_NOVE, WRITE_VE, WRITE_NOVE,
	NR_CALLS,
};

/* Set-up flags of a call's row. */
#define PRE		0x1	/* the TD is not finalized */
#define UNTRACKED	0x2	/* no TRACK after the set-up */
#define NOKICK		0x4	/* a vCPU entered before the set-up stays in */
#define VEOFF		0x8	/* SEPT_VE_DISABLE set */
#define L2M		0x10	/* the call names the 2 MiB entry */

static const struct call_info {
	const char *name;
	unsigned int flags;
} calls[NR_CALLS] = {
	[ADD_PRE] = { "ADD (build)", PRE },
	[ADD_POST] = { "ADD (final)", 0 },
	[AUG4] = { "AUG 4K", 0 },
	[AUG2] = { "AUG 2M", L2M },
	[BLOCK4] = { "BLOCK 4K", 0 },
	[BLOCK2] = { "BLOCK 2M", L2M },
	[UNBLOCK4] = { "UNBLOCK 4K", 0 },
	[UNBLOCK4_U] = { "UNBLOCK 4K untr", UNTRACKED },
	[UNBLOCK2] = { "UNBLOCK 2M", L2M },
	[TRACK] = { "TRACK", 0 },
	[REMOVE4] = { "REMOVE 4K", 0 },
	[REMOVE4_U] = { "REMOVE 4K untr", UNTRACKED },
	[REMOVE4_K] = { "REMOVE 4K nokick", NOKICK },
	[REMOVE2] = { "REMOVE 2M", L2M },
	[REMOVE2_U] = { "REMOVE 2M untr", L2M | UNTRACKED },
	[DEMOTE] = { "DEMOTE", L2M },
	[DEMOTE_U] = { "DEMOTE untr", L2M | UNTRACKED },
	[SEPTADD] = { "SEPT.ADD", L2M },
	[SEPTREM] = { "SEPT.REMOVE", L2M },
	[ACCEPT4] = { "ACCEPT 4K", 0 },
	[ACCEPT2] = { "ACCEPT 2M", L2M },
	[READ_VE] = { "read VE", 0 },
	[READ_NOVE] = { "read noVE", VEOFF },
	[WRITE_VE] = { "write VE", 0 },
	[WRITE_NOVE] = { "write noVE", VEOFF },
};

/*
 * An expected outcome: the status (or, for a guest operation, the kind of
 * result) and the state the entry the call names must be left in, or
 * UNCH: the slot and its table must be left exactly as they were.
 */
#define UNCH		(-1)
#define G_EXIT		0xe0ULL		/* EPT-violation exit */
#define G_VE		0xe1ULL		/* #VE */
#define G_DONE		0xe2ULL		/* access done, pfn set */

struct exp {
	u64 st;
	int after;
};

#define OK(s)	{ TDX_SUCCESS, SEPT_##s }
#define OKU	{ TDX_SUCCESS, UNCH }
#define SI	{ TDX_EPT_ENTRY_STATE_INCORRECT | RCX, UNCH }
#define WF	{ TDX_EPT_WALK_FAILED | RCX, UNCH }
#define AB	{ TDX_GPA_RANGE_ALREADY_BLOCKED | RCX, UNCH }
#define NB	{ TDX_GPA_RANGE_NOT_BLOCKED | RCX, UNCH }
#define TN	{ TDX_TLB_TRACKING_NOT_DONE | RCX, UNCH }
#define OS	{ TDX_OP_STATE_INCORRECT, UNCH }
#define AA(l)	{ TDX_PAGE_ALREADY_ACCEPTED | (l), UNCH }
#define SM(l)	{ TDX_PAGE_SIZE_MISMATCH | (l), UNCH }
#define EX	{ G_EXIT, UNCH }
#define VE	{ G_VE, UNCH }
#define DN	{ G_DONE, UNCH }

/*
 * The expected matrix, from the TDX module's source (see sept_model.c
 * for the order of the checks). Columns: enum col.
 *
 *	F4  P4  M4  B4  PB4 R4 | F2  P2  M2  B2  PB2 R2 | NLM NLB ABS
 */
static const struct exp expect[NR_CALLS][NR_COLS] = {
	[ADD_PRE] = { OK(MAPPED), SI, SI, SI, SI, SI,
		      WF, WF, WF, WF, WF, WF, OK(MAPPED), WF, WF },
	[ADD_POST] = { OS, OS, OS, OS, OS, OS,
		       OS, OS, OS, OS, OS, OS, OS, OS, OS },
	[AUG4] = { OK(PENDING), SI, SI, SI, SI, OK(PENDING),
		   WF, WF, WF, WF, WF, WF, OK(PENDING), WF, WF },
	[AUG2] = { SI, SI, SI, SI, SI, SI,
		   OK(PENDING), SI, SI, SI, SI, OK(PENDING), SI, SI,
		   OK(PENDING) },
	[BLOCK4] = { SI, OK(PENDING_BLOCKED), OK(BLOCKED), AB, AB, SI,
		     WF, WF, WF, WF, WF, WF, SI, WF, WF },
	[BLOCK2] = { OK(NL_BLOCKED), OK(NL_BLOCKED), OK(NL_BLOCKED),
		     OK(NL_BLOCKED), OK(NL_BLOCKED), OK(NL_BLOCKED),
		     SI, OK(PENDING_BLOCKED), OK(BLOCKED), AB, AB, SI,
		     OK(NL_BLOCKED), AB, SI },
	[UNBLOCK4] = { SI, SI, SI, OK(MAPPED), OK(PENDING), SI,
		       WF, WF, WF, WF, WF, WF, SI, WF, WF },
	[UNBLOCK4_U] = { SI, SI, SI, TN, TN, SI,
			 WF, WF, WF, WF, WF, WF, SI, WF, WF },
	[UNBLOCK2] = { SI, SI, SI, SI, SI, SI,
		       SI, SI, SI, OK(MAPPED), OK(PENDING), SI,
		       SI, OK(NL_MAPPED), SI },
	[TRACK] = { OKU, OKU, OKU, OKU, OKU, OKU,
		    OKU, OKU, OKU, OKU, OKU, OKU, OKU, OKU, OKU },
	[REMOVE4] = { SI, NB, NB, OK(FREE), OK(FREE), SI,
		      WF, WF, WF, WF, WF, WF, SI, WF, WF },
	[REMOVE4_U] = { SI, NB, NB, TN, TN, SI,
			WF, WF, WF, WF, WF, WF, SI, WF, WF },
	[REMOVE4_K] = { SI, NB, NB, TN, TN, SI,
			WF, WF, WF, WF, WF, WF, SI, WF, WF },
	[REMOVE2] = { SI, SI, SI, SI, SI, SI,
		      SI, NB, NB, OK(FREE), OK(FREE), SI, SI, SI, SI },
	[REMOVE2_U] = { SI, SI, SI, SI, SI, SI,
			SI, NB, NB, TN, TN, SI, SI, SI, SI },
	[DEMOTE] = { SI, SI, SI, SI, SI, SI,
		     SI, NB, NB, OK(NL_MAPPED), OK(NL_MAPPED), SI, SI, SI, SI },
	[DEMOTE_U] = { SI, SI, SI, SI, SI, SI,
		       SI, NB, NB, TN, TN, SI, SI, SI, SI },
	[SEPTADD] = { SI, SI, SI, SI, SI, SI,
		      OK(NL_MAPPED), SI, SI, SI, SI, SI, SI, SI,
		      OK(NL_MAPPED) },
	[SEPTREM] = { NB, NB, NB, NB, NB, NB,
		      SI, SI, SI, SI, SI, SI, NB, OK(FREE), SI },
	[ACCEPT4] = { EX, OK(MAPPED), AA(0), EX, EX, SM(0),
		      EX, EX, AA(1), EX, EX, EX, EX, EX, EX },
	[ACCEPT2] = { SM(1), SM(1), SM(1), SM(1), SM(1), SM(1),
		      EX, OK(MAPPED), AA(1), EX, EX, SM(1), SM(1), SM(1), EX },
	[READ_VE] = { EX, VE, DN, EX, EX, EX,
		      EX, VE, DN, EX, EX, EX, EX, EX, EX },
	[READ_NOVE] = { EX, EX, DN, EX, EX, EX,
			EX, EX, DN, EX, EX, EX, EX, EX, EX },
	[WRITE_VE] = { EX, VE, DN, EX, EX, EX,
		       EX, VE, DN, EX, EX, EX, EX, EX, EX },
	[WRITE_NOVE] = { EX, EX, DN, EX, EX, EX,
			 EX, EX, DN, EX, EX, EX, EX, EX, EX },
};

static bool col_has_table(enum col c)
{
	return c <= R4 || c == NLM;
}

static u64 col_pfn(enum col c)
{
	return c <= R4 ? PFN4K : PFN2M;
}

/* Run @call on the state built for @c; return the status or G_*. */
static u64 run_call(enum call call, enum col c, u64 *pfn_out, int *exit_level)
{
	struct sept_guest_op op = { .gpa = GPA4K };
	enum sept_guest_result r;
	u64 st;

	switch (call) {
	case ADD_PRE: case ADD_POST:
		return sept_page_add(td, GPA4K, PFN4K + 7);
	case AUG4:
		return sept_page_aug(td, GPA4K, TDX_LEVEL_4K, PFN4K + 7);
	case AUG2:
		return sept_page_aug(td, BASE, TDX_LEVEL_2M, PFN2M + 512);
	case BLOCK4:
		return sept_range_block(td, GPA4K, TDX_LEVEL_4K);
	case BLOCK2:
		return sept_range_block(td, BASE, TDX_LEVEL_2M);
	case UNBLOCK4: case UNBLOCK4_U:
		return sept_range_unblock(td, GPA4K, TDX_LEVEL_4K);
	case UNBLOCK2:
		return sept_range_unblock(td, BASE, TDX_LEVEL_2M);
	case TRACK:
		return sept_track(td);
	case REMOVE4: case REMOVE4_U: case REMOVE4_K:
		return sept_page_remove(td, GPA4K, TDX_LEVEL_4K, pfn_out);
	case REMOVE2: case REMOVE2_U:
		return sept_page_remove(td, BASE, TDX_LEVEL_2M, pfn_out);
	case DEMOTE: case DEMOTE_U:
		return sept_page_demote(td, BASE, TDX_LEVEL_2M);
	case SEPTADD:
		return sept_sept_add(td, BASE, TDX_LEVEL_2M);
	case SEPTREM:
		return sept_sept_remove(td, BASE, TDX_LEVEL_2M);
	case ACCEPT4: case ACCEPT2:
		sept_vcpu_enter(td, &vcpu);
		r = accept(call == ACCEPT4 ? GPA4K : BASE,
			   call == ACCEPT4 ? TDX_LEVEL_4K : TDX_LEVEL_2M, &st);
		sept_vcpu_exit(td, &vcpu);
		if (r == SEPT_G_EPT_VIOLATION) {
			*exit_level = call == ACCEPT4 ? TDX_LEVEL_4K :
							TDX_LEVEL_2M;
			ASSERT_EQ(*exit_level, accept_exit_level);
			return G_EXIT;
		}
		ASSERT_EQ(SEPT_G_DONE, r);
		return st;
	default:
		op.write = call == WRITE_VE || call == WRITE_NOVE;
		op.pfn = ~0ULL;
		r = sept_access(td, &op);
		*exit_level = op.exit_level;
		*pfn_out = op.pfn;
		if (r == SEPT_G_VE) {
			ASSERT_EQ(TDX_VE_EPT_VIOLATION, op.ve_info);
			return G_VE;
		}
		if (r == SEPT_G_EPT_VIOLATION)
			return G_EXIT;
		ASSERT_EQ(SEPT_G_DONE, r);
		return G_DONE;
	}
	(void)c;
}

/* A short name for the matrix summary. */
static const char *short_name(u64 st)
{
	switch (st) {
	case TDX_SUCCESS:				return "ok";
	case G_EXIT:					return "exit";
	case G_VE:					return "#VE";
	case G_DONE:					return "pfn";
	case TDX_OP_STATE_INCORRECT:			return "OPST";
	case TDX_EPT_ENTRY_STATE_INCORRECT | RCX:	return "STATE";
	case TDX_EPT_WALK_FAILED | RCX:			return "WALK";
	case TDX_GPA_RANGE_ALREADY_BLOCKED | RCX:	return "ALBLK";
	case TDX_GPA_RANGE_NOT_BLOCKED | RCX:		return "NOBLK";
	case TDX_TLB_TRACKING_NOT_DONE | RCX:		return "TLB";
	case TDX_PAGE_ALREADY_ACCEPTED:			return "ACC.0";
	case TDX_PAGE_ALREADY_ACCEPTED | 1:		return "ACC.1";
	case TDX_PAGE_SIZE_MISMATCH:			return "SIZE.0";
	case TDX_PAGE_SIZE_MISMATCH | 1:		return "SIZE.1";
	case TDX_EPT_PAGE_NOT_FREE | RCX:		return "PG!FR";
	default:					return "?";
	}
}

struct snapshot {
	bool present;
	struct sept_pde pde;
	struct sept_entry pt[SEPT_ENTRIES];
	u64 epoch;
};

static void take(struct snapshot *s)
{
	struct sept_pde *pde = t_pde(NULL, BASE >> CCMEM_2M_SHIFT, false);

	memset(s, 0, sizeof(*s));
	s->epoch = td->epoch;
	if (!pde)
		return;
	s->present = true;
	s->pde = *pde;
	if (pde->pt)
		memcpy(s->pt, pde->pt, sizeof(s->pt));
}

static bool same(const struct snapshot *a, const struct snapshot *b)
{
	return a->present == b->present &&
	       !memcmp(&a->pde, &b->pde, sizeof(a->pde)) &&
	       !memcmp(a->pt, b->pt, sizeof(a->pt));
}

static int nr_cells;
static char summary[NR_CALLS][NR_COLS][8];

/* One cell: build, call, check. Fails the test with the cell's name. */
static void run_cell(enum call call, enum col c)
{
	const struct exp *x = &expect[call][c];
	unsigned int fl = calls[call].flags;
	int level = fl & L2M ? TDX_LEVEL_2M : TDX_LEVEL_4K;
	u64 gpa = fl & L2M ? BASE : GPA4K;
	struct snapshot before, after;
	u64 st, pfn = 0, cleared;
	int exit_level = -1;

	reset(fl & VEOFF ? TDX_TD_ATTR_SEPT_VE_DISABLE : 0);
	if (fl & NOKICK)
		sept_vcpu_enter(td, &other);
	build(c);
	if (!(fl & PRE))
		must(sept_mr_finalize(td));
	if (!(fl & UNTRACKED))
		must(sept_track(td));
	take(&before);
	cleared = nr_cleared;
	st = run_call(call, c, &pfn, &exit_level);
	take(&after);
	snprintf(summary[call][c], sizeof(summary[call][c]), "%s",
		 short_name(st));
	nr_cells++;

	if (st != x->st)
		UNIT_FAIL("%s on %s: expected %s (0x%llx), got %s (0x%llx)",
			  calls[call].name, col_names[c], short_name(x->st),
			  (unsigned long long)x->st, short_name(st),
			  (unsigned long long)st);
	if (x->after == UNCH) {
		if (!same(&before, &after))
			UNIT_FAIL("%s on %s: refused, but the Secure-EPT changed",
				  calls[call].name, col_names[c]);
	} else if (raw_state(gpa, level) != x->after) {
		UNIT_FAIL("%s on %s: expected state %s, got %s",
			  calls[call].name, col_names[c],
			  sept_state_name(x->after),
			  sept_state_name(raw_state(gpa, level)));
	}

	/* What else a successful cell must have done. */
	if (call == TRACK)
		ASSERT_EQ(before.epoch + 1, td->epoch);
	if (st == TDX_SUCCESS && (call == REMOVE4 || call == REMOVE2))
		ASSERT_EQ(col_pfn(c), pfn);
	if (st == TDX_SUCCESS && (call == ACCEPT4 || call == ACCEPT2))
		ASSERT_EQ(call == ACCEPT4 ? 1 : SEPT_ENTRIES,
			  nr_cleared - cleared);
	else
		ASSERT_EQ(cleared, nr_cleared);
	if (st == G_DONE)
		ASSERT_EQ(c == M4 ? PFN4K : PFN2M + IDX, pfn);
	if (st == G_EXIT && call >= READ_VE)
		ASSERT_EQ(col_has_table(c) ? TDX_LEVEL_4K : TDX_LEVEL_2M,
			  exit_level);
	if (st == TDX_SUCCESS && call == DEMOTE) {
		struct sept_entry *first = raw(BASE, TDX_LEVEL_4K);
		u8 child = c == B2 ? SEPT_MAPPED : SEPT_PENDING;

		ASSERT_EQ(child, first[0].state);
		ASSERT_EQ(child, first[SEPT_ENTRIES - 1].state);
		ASSERT_EQ(PFN2M, first[0].pfn);
		ASSERT_EQ(PFN2M + SEPT_ENTRIES - 1,
			  first[SEPT_ENTRIES - 1].pfn);
	}
	if (st == TDX_SUCCESS && call == SEPTREM)
		ASSERT_EQ(1, nr_pt_free);
}

UNIT_TEST(every_call_in_every_state)
{
	int call, c;

	for (call = 0; call < NR_CALLS; call++)
		for (c = 0; c < NR_COLS; c++)
			run_cell(call, c);
}

/* Print the matrix the test above checked (after it passed). */
UNIT_TEST(matrix_summary)
{
	int call, c;

	ASSERT_EQ(NR_CALLS * NR_COLS, nr_cells);
	printf("# %d cells (%d calls x %d states)\n# %-17s", nr_cells,
	       NR_CALLS, NR_COLS, "");
	for (c = 0; c < NR_COLS; c++)
		printf(" %-6s", col_names[c]);
	printf("\n");
	for (call = 0; call < NR_CALLS; call++) {
		printf("# %-17s", calls[call].name);
		for (c = 0; c < NR_COLS; c++)
			printf(" %-6s", summary[call][c]);
		printf("\n");
	}
}

/* ---- sequences ------------------------------------------------------ */

static void finalize_and_table(void)
{
	reset(TDX_TD_ATTR_SEPT_VE_DISABLE);
	must(sept_sept_add(td, BASE, TDX_LEVEL_2M));
	must(sept_mr_finalize(td));
}

/*
 * A held entry lock makes every call that takes it return OPERAND_BUSY on
 * RCX and change nothing; PAGE.ADD takes no entry lock.
 */
UNIT_TEST(busy_entry)
{
	struct snapshot before, after;
	u64 st, pfn;

	reset(0);
	must(sept_sept_add(td, BASE, TDX_LEVEL_2M));
	ASSERT_EQ(0, sept_set_busy(td, GPA4K, true));
	must(sept_page_add(td, GPA4K, PFN4K));		/* no entry lock */
	ASSERT_STATE(SEPT_MAPPED, GPA4K, TDX_LEVEL_4K);
	must(sept_mr_finalize(td));

	take(&before);
	ASSERT_EQ(TDX_OPERAND_BUSY | RCX,
		  sept_range_block(td, GPA4K, TDX_LEVEL_4K));
	ASSERT_EQ(TDX_OPERAND_BUSY | RCX,
		  sept_range_unblock(td, GPA4K, TDX_LEVEL_4K));
	ASSERT_EQ(TDX_OPERAND_BUSY | RCX,
		  sept_page_remove(td, GPA4K, TDX_LEVEL_4K, &pfn));
	ASSERT_EQ(TDX_OPERAND_BUSY | RCX,
		  sept_page_aug(td, GPA4K, TDX_LEVEL_4K, PFN4K));
	sept_vcpu_enter(td, &vcpu);
	ASSERT_EQ(SEPT_G_DONE, accept(GPA4K, TDX_LEVEL_4K, &st));
	ASSERT_EQ(TDX_OPERAND_BUSY | RCX, st);
	sept_vcpu_exit(td, &vcpu);
	take(&after);
	ASSERT_TRUE(same(&before, &after));

	/* The 2 MiB entry over the table: BLOCK and SEPT.REMOVE. */
	ASSERT_EQ(0, sept_set_busy(td, GPA4K, false));
	ASSERT_EQ(0, sept_set_busy_level(td, BASE, TDX_LEVEL_2M, true));
	ASSERT_EQ(TDX_OPERAND_BUSY | RCX,
		  sept_range_block(td, BASE, TDX_LEVEL_2M));
	ASSERT_EQ(TDX_OPERAND_BUSY | RCX,
		  sept_sept_remove(td, BASE, TDX_LEVEL_2M));
	ASSERT_EQ(SEPT_NL_MAPPED, raw_state(BASE, TDX_LEVEL_2M));
	ASSERT_EQ(0, sept_set_busy_level(td, BASE, TDX_LEVEL_2M, false));
	must(sept_range_block(td, GPA4K, TDX_LEVEL_4K));

	/* A 2 MiB leaf: AUG, DEMOTE, ACCEPT. */
	reset(0);
	ASSERT_EQ(0, sept_set_busy(td, BASE, true));
	ASSERT_EQ(TDX_OPERAND_BUSY | RCX,
		  sept_page_aug(td, BASE, TDX_LEVEL_2M, PFN2M));
	ASSERT_EQ(TDX_OPERAND_BUSY | RCX,
		  sept_sept_add(td, BASE, TDX_LEVEL_2M));
	ASSERT_EQ(0, sept_set_busy(td, BASE, false));
	must(sept_page_aug(td, BASE, TDX_LEVEL_2M, PFN2M));
	ASSERT_EQ(0, sept_set_busy(td, BASE, true));
	ASSERT_EQ(TDX_OPERAND_BUSY | RCX,
		  sept_page_demote(td, BASE, TDX_LEVEL_2M));
	ASSERT_EQ(SEPT_G_DONE, accept(BASE, TDX_LEVEL_2M, &st));
	ASSERT_EQ(TDX_OPERAND_BUSY | RCX, st);
	ASSERT_EQ(0, nr_cleared);
	ASSERT_STATE(SEPT_PENDING, BASE, TDX_LEVEL_2M);
}

/*
 * A 2 MiB accept interrupted every 100 pages: the TDCALL has no status,
 * the entry stays PENDING with its counter, and re-executing it resumes
 * where it stopped; every page is zeroed exactly once.
 */
UNIT_TEST(resumable_2m_accept)
{
	struct sept_guest_op op = { .gpa = BASE, .level = TDX_LEVEL_2M };
	int i;

	reset(0);
	must(sept_page_aug(td, BASE, TDX_LEVEL_2M, PFN2M));
	must(sept_mr_finalize(td));
	for (i = 0; i < SEPT_ENTRIES; i++)
		data[PFN2M + i] = 0xaa;
	td->accept_chunk = 100;
	sept_vcpu_enter(td, &vcpu);
	for (i = 1; i <= 5; i++) {
		ASSERT_EQ(SEPT_G_INTERRUPTED, sept_accept(td, &vcpu, &op));
		ASSERT_EQ(TDX_INTERRUPTED_RESUMABLE, op.status);
		ASSERT_EQ(100 * i, raw(BASE, TDX_LEVEL_2M)->accept_done);
		ASSERT_EQ(100 * i, nr_cleared);
		ASSERT_STATE(SEPT_PENDING, BASE, TDX_LEVEL_2M);
		ASSERT_EQ(0, data[PFN2M + 100 * i - 1]);
		ASSERT_EQ(0xaa, data[PFN2M + 100 * i]);
	}
	ASSERT_EQ(SEPT_G_DONE, sept_accept(td, &vcpu, &op));
	ASSERT_EQ(TDX_SUCCESS, op.status);
	ASSERT_EQ(SEPT_ENTRIES, nr_cleared);
	ASSERT_EQ(0, raw(BASE, TDX_LEVEL_2M)->accept_done);
	ASSERT_STATE(SEPT_MAPPED, BASE, TDX_LEVEL_2M);
	ASSERT_EQ(0, data[PFN2M + SEPT_ENTRIES - 1]);
}

/*
 * The re-accept attack: the host takes an accepted page back and gives it
 * again as PENDING; the second accept succeeds and zeroes the guest's data.
 * Nothing in the module's answers tells the guest: only its own record of
 * what it accepted can.
 */
UNIT_TEST(reaccept_attack_zeroes_data)
{
	u64 st, pfn = 0;

	finalize_and_table();
	must(sept_page_aug(td, GPA4K, TDX_LEVEL_4K, PFN4K));
	sept_vcpu_enter(td, &vcpu);
	ASSERT_EQ(SEPT_G_DONE, accept(GPA4K, TDX_LEVEL_4K, &st));
	must(st);
	data[PFN4K] = 0x5a;			/* the guest writes */

	must(sept_range_block(td, GPA4K, TDX_LEVEL_4K));
	must(sept_track(td));
	/* The vCPU entered before the BLOCK and was not kicked yet. */
	ASSERT_EQ(TDX_TLB_TRACKING_NOT_DONE | RCX,
		  sept_page_remove(td, GPA4K, TDX_LEVEL_4K, &pfn));
	sept_vcpu_exit(td, &vcpu);		/* the kick */
	must(sept_page_remove(td, GPA4K, TDX_LEVEL_4K, &pfn));
	ASSERT_EQ(PFN4K, pfn);
	must(sept_page_aug(td, GPA4K, TDX_LEVEL_4K, PFN4K));
	ASSERT_STATE(SEPT_PENDING, GPA4K, TDX_LEVEL_4K);
	ASSERT_EQ(0x5a, data[PFN4K]);

	sept_vcpu_enter(td, &vcpu);
	ASSERT_EQ(SEPT_G_DONE, accept(GPA4K, TDX_LEVEL_4K, &st));
	ASSERT_EQ(TDX_SUCCESS, st);		/* not ALREADY_ACCEPTED */
	ASSERT_EQ(0, data[PFN4K]);
	ASSERT_STATE(SEPT_MAPPED, GPA4K, TDX_LEVEL_4K);
}

/* Block, track and remove every child in [@from, @to) of the slot. */
static void remove_children(int from, int to)
{
	u64 pfn;
	int i;

	for (i = from; i < to; i++)
		must(sept_range_block(td, BASE + i * CCMEM_PAGE_SIZE,
				      TDX_LEVEL_4K));
	must(sept_track(td));
	for (i = from; i < to; i++) {
		must(sept_page_remove(td, BASE + i * CCMEM_PAGE_SIZE,
				      TDX_LEVEL_4K, &pfn));
		ASSERT_EQ(PFN2M + i, pfn);
	}
}

/*
 * DEMOTE a mapped 2 MiB page, then remove one 4 KiB page of it: the others
 * stay mapped, and the table cannot go while it has pages.
 */
UNIT_TEST(demote_then_partial_remove)
{
	struct sept_guest_op op = { .gpa = BASE + 9 * CCMEM_PAGE_SIZE };
	u64 st;

	reset(0);
	must(sept_page_aug(td, BASE, TDX_LEVEL_2M, PFN2M));
	accept_ok(BASE, TDX_LEVEL_2M);
	must(sept_mr_finalize(td));
	must(sept_range_block(td, BASE, TDX_LEVEL_2M));
	ASSERT_EQ(TDX_TLB_TRACKING_NOT_DONE | RCX,
		  sept_page_demote(td, BASE, TDX_LEVEL_2M));
	must(sept_track(td));
	must(sept_page_demote(td, BASE, TDX_LEVEL_2M));
	ASSERT_STATE(SEPT_NL_MAPPED, BASE, TDX_LEVEL_2M);

	remove_children(IDX, IDX + 1);
	ASSERT_STATE(SEPT_FREE, GPA4K, TDX_LEVEL_4K);
	ASSERT_STATE(SEPT_MAPPED, GPA4K + CCMEM_PAGE_SIZE, TDX_LEVEL_4K);
	ASSERT_EQ(SEPT_G_DONE, sept_access(td, &op));
	ASSERT_EQ(PFN2M + 9, op.pfn);
	sept_vcpu_enter(td, &vcpu);
	ASSERT_EQ(SEPT_G_DONE, accept(BASE + CCMEM_PAGE_SIZE, TDX_LEVEL_4K,
				      &st));
	ASSERT_EQ(TDX_PAGE_ALREADY_ACCEPTED, st);
	ASSERT_EQ(SEPT_G_EPT_VIOLATION, accept(GPA4K, TDX_LEVEL_4K, &st));
	sept_vcpu_exit(td, &vcpu);

	must(sept_range_block(td, BASE, TDX_LEVEL_2M));
	must(sept_track(td));
	ASSERT_EQ(TDX_EPT_PAGE_NOT_FREE | RCX,
		  sept_sept_remove(td, BASE, TDX_LEVEL_2M));
	ASSERT_STATE(SEPT_NL_BLOCKED, BASE, TDX_LEVEL_2M);
	ASSERT_EQ(0, nr_pt_free);
}

/*
 * Re-promotion the TDX way: once every 4 KiB page of a slot is removed,
 * the empty table is blocked, tracked and removed, and the slot takes a
 * 2 MiB page again.
 */
UNIT_TEST(repromote_after_all_children_removed)
{
	reset(0);
	must(sept_page_aug(td, BASE, TDX_LEVEL_2M, PFN2M));
	must(sept_mr_finalize(td));
	must(sept_range_block(td, BASE, TDX_LEVEL_2M));
	must(sept_track(td));
	must(sept_page_demote(td, BASE, TDX_LEVEL_2M));
	ASSERT_STATE(SEPT_PENDING, GPA4K, TDX_LEVEL_4K);
	remove_children(0, SEPT_ENTRIES);

	ASSERT_EQ(TDX_EPT_ENTRY_STATE_INCORRECT | RCX,
		  sept_page_aug(td, BASE, TDX_LEVEL_2M, PFN2M));
	ASSERT_EQ(TDX_GPA_RANGE_NOT_BLOCKED | RCX,
		  sept_sept_remove(td, BASE, TDX_LEVEL_2M));
	must(sept_range_block(td, BASE, TDX_LEVEL_2M));
	ASSERT_EQ(TDX_TLB_TRACKING_NOT_DONE | RCX,
		  sept_sept_remove(td, BASE, TDX_LEVEL_2M));
	must(sept_track(td));
	must(sept_sept_remove(td, BASE, TDX_LEVEL_2M));
	ASSERT_EQ(1, nr_pt_free);
	ASSERT_STATE(SEPT_FREE, BASE, TDX_LEVEL_2M);
	must(sept_page_aug(td, BASE, TDX_LEVEL_2M, PFN2M));
	ASSERT_STATE(SEPT_PENDING, BASE, TDX_LEVEL_2M);
}

/*
 * TRACK refuses while a vCPU that entered before the previous TRACK is
 * inside; a BLOCK is tracked only when no vCPU of its epoch is inside.
 */
UNIT_TEST(track_epochs_and_refcounts)
{
	u64 pfn;

	finalize_and_table();
	must(sept_page_aug(td, GPA4K, TDX_LEVEL_4K, PFN4K));
	sept_vcpu_enter(td, &vcpu);		/* epoch 0 */
	must(sept_range_block(td, GPA4K, TDX_LEVEL_4K));
	ASSERT_EQ(TDX_TLB_TRACKING_NOT_DONE | RCX,
		  sept_page_remove(td, GPA4K, TDX_LEVEL_4K, &pfn));
	must(sept_track(td));			/* epoch 1 */
	ASSERT_EQ(1, td->epoch);
	ASSERT_EQ(TDX_PREVIOUS_TLB_EPOCH_BUSY, sept_track(td));
	ASSERT_EQ(1, td->epoch);
	ASSERT_EQ(TDX_TLB_TRACKING_NOT_DONE | RCX,
		  sept_page_remove(td, GPA4K, TDX_LEVEL_4K, &pfn));
	sept_vcpu_enter(td, &other);		/* epoch 1: does not matter */
	sept_vcpu_exit(td, &vcpu);
	must(sept_page_remove(td, GPA4K, TDX_LEVEL_4K, &pfn));
	must(sept_track(td));			/* epoch 2 */
	ASSERT_EQ(TDX_PREVIOUS_TLB_EPOCH_BUSY, sept_track(td));
	sept_vcpu_exit(td, &other);
	must(sept_track(td));
	ASSERT_EQ(3, td->epoch);
}

/* Operand checks: level, alignment, shared bit, bits above GPAW. */
UNIT_TEST(operand_checks)
{
	u64 shared = TDX_SHARED_BIT(GPAW), st;
	struct snapshot before, after;

	reset(0);
	must(sept_sept_add(td, BASE, TDX_LEVEL_2M));
	take(&before);
	ASSERT_EQ(TDX_OPERAND_INVALID | RCX,
		  sept_page_aug(td, GPA4K | shared, TDX_LEVEL_4K, PFN4K));
	ASSERT_EQ(TDX_OPERAND_INVALID | RCX,
		  sept_page_aug(td, GPA4K | (1ULL << GPAW), TDX_LEVEL_4K,
				PFN4K));
	ASSERT_EQ(TDX_OPERAND_INVALID | RCX,
		  sept_page_aug(td, GPA4K, TDX_LEVEL_2M, PFN2M));
	ASSERT_EQ(TDX_OPERAND_INVALID | RCX,
		  sept_page_aug(td, BASE, 2, PFN2M));
	ASSERT_EQ(TDX_OPERAND_INVALID | RCX,
		  sept_page_add(td, GPA4K + 8, PFN4K));
	ASSERT_EQ(TDX_OPERAND_INVALID | RCX,
		  sept_sept_add(td, GPA4K, TDX_LEVEL_4K));
	ASSERT_EQ(TDX_OPERAND_INVALID | RCX,
		  sept_page_demote(td, GPA4K, TDX_LEVEL_4K));
	ASSERT_EQ(TDX_OPERAND_INVALID | RCX,
		  sept_range_block(td, BASE | shared, TDX_LEVEL_2M));
	ASSERT_EQ(SEPT_G_DONE, accept(GPA4K | shared, TDX_LEVEL_4K, &st));
	ASSERT_EQ(TDX_OPERAND_INVALID | RCX, st);
	ASSERT_EQ(SEPT_G_DONE, accept(GPA4K, TDX_LEVEL_2M, &st));
	ASSERT_EQ(TDX_OPERAND_INVALID | RCX, st);
	take(&after);
	ASSERT_TRUE(same(&before, &after));

	/* A 2 MiB page must be 2 MiB aligned: the page operand, R8. */
	reset(0);
	ASSERT_EQ(TDX_OPERAND_INVALID | TDX_OPERAND_ID_R8,
		  sept_page_aug(td, BASE, TDX_LEVEL_2M, PFN2M + 1));
	ASSERT_EQ(-1, raw_state(BASE, TDX_LEVEL_2M));

	/* GPAW 52: the shared bit is 51, bit 48 is a private GPA bit. */
	reset(0);
	td->gpaw = TDX_GPAW_52;
	ASSERT_EQ(TDX_OPERAND_INVALID | RCX,
		  sept_page_aug(td, BASE | (1ULL << 51), TDX_LEVEL_2M, PFN2M));
	must(sept_page_aug(td, BASE | (1ULL << 48), TDX_LEVEL_2M, PFN2M));
}

UNIT_TEST(finalize_once)
{
	reset(0);
	must(sept_mr_finalize(td));
	ASSERT_EQ(TDX_OP_STATE_INCORRECT, sept_mr_finalize(td));
}

/* Shared accesses are not the Secure-EPT's business. */
UNIT_TEST(shared_access_passes)
{
	struct sept_guest_op op = { .gpa = GPA4K | TDX_SHARED_BIT(GPAW),
				    .pfn = 77 };

	reset(0);
	ASSERT_EQ(SEPT_G_DONE, sept_access(td, &op));
	ASSERT_EQ(77, op.pfn);
	op.gpa = GPA4K;
	op.shared = true;
	ASSERT_EQ(SEPT_G_DONE, sept_access(td, &op));
	ASSERT_EQ(77, op.pfn);
}

/* A failed memory callback is reported and changes nothing. */
UNIT_TEST(no_memory)
{
	reset(0);
	must(sept_page_aug(td, BASE, TDX_LEVEL_2M, PFN2M));
	must(sept_range_block(td, BASE, TDX_LEVEL_2M));
	must(sept_track(td));
	fail_alloc = true;
	ASSERT_EQ(SEPT_STATUS_NOMEM, sept_page_demote(td, BASE, TDX_LEVEL_2M));
	ASSERT_STATE(SEPT_PENDING_BLOCKED, BASE, TDX_LEVEL_2M);
	ASSERT_EQ(SEPT_STATUS_NOMEM,
		  sept_page_aug(td, BASE + CCMEM_2M_SIZE, TDX_LEVEL_2M, PFN2M));
	ASSERT_EQ(SEPT_STATUS_NOMEM,
		  sept_sept_add(td, BASE + CCMEM_2M_SIZE, TDX_LEVEL_2M));
	ASSERT_EQ(-1, raw_state(BASE + CCMEM_2M_SIZE, TDX_LEVEL_2M));
}

int main(void)
{
	return unit_main();
}
