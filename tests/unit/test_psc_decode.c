// SPDX-License-Identifier: GPL-2.0
/*
 * test_psc_decode.c - the host's PSC request decoder: header bounds, the
 * entry checks, merging, hints, the budget of an early return, and the
 * progress a request keeps. Each test drives the decoder the way
 * host/kvm-snp/psc.c does and asserts the exact steps and codes.
 */
#include "unit.h"
#include "../../host/kvm-snp/psc_decode.h"

#define VM_START	0x40000ULL	/* gfn of 1 GiB */
#define VM_PAGES	0x2000ULL	/* 32 MiB */
#define G0		VM_START
#define E(gfn, op, huge, cur) \
	(((u64)(cur) & 0xfff) | (((u64)(gfn) & 0xffffffffffULL) << 12) | \
	 ((u64)(op) << 52) | ((u64)!!(huge) << 56))
#define HDR(cur, end)	((u64)(cur) | ((u64)(end) << 16))
#define NO_BUDGET	(~0ULL)

static struct psc_req req;
static struct psc_req *r = &req;

static bool in_vm(void *priv, u64 gfn, u64 npages)
{
	(void)priv;
	return gfn >= VM_START && npages <= VM_PAGES &&
	       gfn - VM_START <= VM_PAGES - npages;
}

/* A request of @nr entries at offset 0 of a full buffer. */
static u64 load(const u64 *e, u32 nr, u32 cur, u64 budget)
{
	u64 ret;

	psc_req_init(r, PSC_MAX_ENTRIES, budget);
	ret = psc_req_header(r, HDR(cur, nr - 1));
	if (!ret)
		memcpy(r->e, e + r->first, psc_req_nr_entries(r) * sizeof(*e));
	return ret;
}

static struct psc_step next(void)
{
	struct psc_step s;

	psc_req_next(r, in_vm, NULL, &s);
	return s;
}

static void expect_step(struct psc_step s, int kind, u64 gfn, u64 npages,
			u32 op)
{
	ASSERT_EQ(kind, s.kind);
	ASSERT_EQ(gfn, s.gfn);
	ASSERT_EQ(npages, s.npages);
	ASSERT_EQ(op, s.op);
}

/* --- the header --------------------------------------------------------- */

UNIT_TEST(header_end_253_invalid)
{
	psc_req_init(r, PSC_MAX_ENTRIES, NO_BUDGET);
	ASSERT_EQ(PSC_ERR_HDR, psc_req_header(r, HDR(0, 253)));
	ASSERT_EQ(0, psc_req_header(r, HDR(0, 252)));
	ASSERT_EQ(253, psc_req_nr_entries(r));
}

UNIT_TEST(header_end_bounded_by_real_room)
{
	psc_req_init(r, 125, NO_BUDGET);
	ASSERT_EQ(PSC_ERR_HDR, psc_req_header(r, HDR(0, 125)));
	ASSERT_EQ(PSC_ERR_HDR, psc_req_header(r, HDR(0, 200)));
	ASSERT_EQ(0, psc_req_header(r, HDR(0, 124)));
	psc_req_init(r, 0, NO_BUDGET);		/* room for no entry at all */
	ASSERT_EQ(PSC_ERR_HDR, psc_req_header(r, HDR(0, 0)));
}

/* KVM completes a request whose cur_entry is past end_entry as success. */
UNIT_TEST(header_cur_after_end_is_done_with_no_change)
{
	struct psc_step s;

	psc_req_init(r, PSC_MAX_ENTRIES, NO_BUDGET);
	ASSERT_EQ(0, psc_req_header(r, HDR(3, 2)));
	ASSERT_EQ(0, psc_req_nr_entries(r));
	psc_req_next(r, in_vm, NULL, &s);
	ASSERT_EQ(PSC_STEP_DONE, s.kind);
	ASSERT_EQ(3, r->cur);
	/* Still past the end of the buffer: the bound comes first. */
	ASSERT_EQ(PSC_ERR_HDR, psc_req_header(r, HDR(300, 253)));
	ASSERT_EQ(0, psc_req_header(r, HDR(0xffff, 252)));
	ASSERT_EQ(0, psc_req_nr_entries(r));
	ASSERT_EQ(0, psc_req_header(r, HDR(2, 2)));
	ASSERT_EQ(2, r->first);
	ASSERT_EQ(2, r->cur);
	ASSERT_EQ(1, psc_req_nr_entries(r));
}

UNIT_TEST(header_reserved_invalid)
{
	psc_req_init(r, PSC_MAX_ENTRIES, NO_BUDGET);
	ASSERT_EQ(PSC_ERR_HDR, psc_req_header(r, HDR(0, 1) | (1ULL << 40)));
	ASSERT_EQ(PSC_ERR_HDR, psc_req_header(r, HDR(0, 1) | (1ULL << 63)));
}

/* --- entry checks ------------------------------------------------------- */

UNIT_TEST(entry_checks)
{
	ASSERT_TRUE(psc_entry_valid(E(G0, 1, 0, 0), in_vm, NULL));
	ASSERT_TRUE(psc_entry_valid(E(G0, 2, 1, 512), in_vm, NULL));
	ASSERT_TRUE(psc_entry_valid(E(G0, 3, 1, 0), in_vm, NULL));
	ASSERT_TRUE(psc_entry_valid(E(G0, 4, 1, 0), in_vm, NULL));
	ASSERT_TRUE(!psc_entry_valid(E(G0, 0, 0, 0), in_vm, NULL));
	ASSERT_TRUE(!psc_entry_valid(E(G0, 5, 0, 0), in_vm, NULL));
	ASSERT_TRUE(!psc_entry_valid(E(G0, 15, 0, 0), in_vm, NULL));
	ASSERT_TRUE(!psc_entry_valid(E(G0 + 1, 1, 1, 0), in_vm, NULL));
	ASSERT_TRUE(!psc_entry_valid(E(G0, 3, 0, 0), in_vm, NULL));
	ASSERT_TRUE(!psc_entry_valid(E(G0, 4, 0, 0), in_vm, NULL));
	ASSERT_TRUE(!psc_entry_valid(E(G0, 1, 0, 2), in_vm, NULL));
	ASSERT_TRUE(!psc_entry_valid(E(G0, 1, 1, 513), in_vm, NULL));
	ASSERT_TRUE(!psc_entry_valid(E(G0, 1, 0, 0) | (1ULL << 57), in_vm,
				     NULL));
	ASSERT_TRUE(!psc_entry_valid(E(G0 - 1, 1, 0, 0), in_vm, NULL));
	ASSERT_TRUE(!psc_entry_valid(E(G0 + VM_PAGES, 1, 0, 0), in_vm, NULL));
	/* The last 2 MiB fits; one starting at the end does not. */
	ASSERT_TRUE(psc_entry_valid(E(G0 + VM_PAGES - 512, 1, 1, 0), in_vm,
				    NULL));
	ASSERT_TRUE(!psc_entry_valid(E(G0 + VM_PAGES, 1, 1, 0), in_vm, NULL));
}

/* --- processing --------------------------------------------------------- */

UNIT_TEST(adjacent_entries_merge)
{
	u64 e[] = {
		E(G0, 1, 0, 0), E(G0 + 1, 1, 0, 0), E(G0 + 2, 1, 0, 0),
		E(G0 + 10, 1, 0, 0), E(G0 + 11, 2, 0, 0),
	};
	struct psc_step s;

	ASSERT_EQ(0, load(e, 5, 0, NO_BUDGET));
	s = next();
	expect_step(s, PSC_STEP_CONVERT, G0, 3, 1);
	ASSERT_EQ(0, s.from);
	ASSERT_EQ(2, s.to);
	psc_req_commit(r, &s);
	ASSERT_EQ(3, r->cur);
	s = next();
	expect_step(s, PSC_STEP_CONVERT, G0 + 10, 1, 1);
	psc_req_commit(r, &s);
	s = next();
	expect_step(s, PSC_STEP_CONVERT, G0 + 11, 1, 2);
	psc_req_commit(r, &s);
	ASSERT_EQ(PSC_STEP_DONE, next().kind);
	ASSERT_EQ(5, r->cur);				/* end_entry + 1 */
	ASSERT_EQ(1, PSC_E_CUR(r->e[2]));
}

UNIT_TEST(huge_then_4k_merge)
{
	u64 e[] = { E(G0 + 512, 2, 1, 0), E(G0 + 1024, 2, 0, 0) };
	struct psc_step s;

	ASSERT_EQ(0, load(e, 2, 0, NO_BUDGET));
	s = next();
	expect_step(s, PSC_STEP_CONVERT, G0 + 512, 513, 2);
	psc_req_commit(r, &s);
	ASSERT_EQ(512, PSC_E_CUR(r->e[0]));
	ASSERT_EQ(1, PSC_E_CUR(r->e[1]));
	ASSERT_EQ(PSC_STEP_DONE, next().kind);
}

UNIT_TEST(done_entries_skipped_and_partial_resumed)
{
	u64 e[] = {
		E(G0, 1, 0, 1), E(G0 + 512, 1, 1, 300), E(G0 + 1024, 1, 0, 0),
	};
	struct psc_step s;

	ASSERT_EQ(0, load(e, 3, 0, NO_BUDGET));
	s = next();
	/* The rest of the 2 MiB entry and the next page: one run. */
	expect_step(s, PSC_STEP_CONVERT, G0 + 812, 213, 1);
	ASSERT_EQ(1, s.from);
	ASSERT_EQ(2, s.to);
}

UNIT_TEST(gap_or_other_op_breaks_run)
{
	u64 e[] = { E(G0, 1, 0, 0), E(G0 + 2, 1, 0, 0), E(G0 + 3, 2, 0, 0) };
	struct psc_step s;

	ASSERT_EQ(0, load(e, 3, 0, NO_BUDGET));
	s = next();
	expect_step(s, PSC_STEP_CONVERT, G0, 1, 1);		/* a gap */
	psc_req_commit(r, &s);
	s = next();
	expect_step(s, PSC_STEP_CONVERT, G0 + 2, 1, 1);	/* another op */
	psc_req_commit(r, &s);
	s = next();
	expect_step(s, PSC_STEP_CONVERT, G0 + 3, 1, 2);
	ASSERT_EQ(2, s.from);
}

UNIT_TEST(bad_entry_ends_run_then_reported)
{
	u64 e[] = { E(G0, 1, 0, 0), E(G0 + 1, 1, 1, 0), E(G0 + 2, 1, 0, 0) };
	struct psc_step s;

	ASSERT_EQ(0, load(e, 3, 0, NO_BUDGET));
	s = next();
	expect_step(s, PSC_STEP_CONVERT, G0, 1, 1);
	ASSERT_EQ(0, s.to);
	psc_req_commit(r, &s);
	s = next();
	ASSERT_EQ(PSC_STEP_BAD_ENTRY, s.kind);
	ASSERT_EQ(1, s.from);
	ASSERT_EQ(1, r->cur);			/* cur_entry at the bad entry */
}

UNIT_TEST(bad_done_entry_still_checked)
{
	u64 e[] = { E(G0, 7, 0, 1), E(G0 + 1, 1, 0, 0) };

	ASSERT_EQ(0, load(e, 2, 0, NO_BUDGET));
	ASSERT_EQ(PSC_STEP_BAD_ENTRY, next().kind);
	ASSERT_EQ(0, r->cur);
}

UNIT_TEST(hints_are_steps_of_their_own)
{
	u64 e[] = { E(G0, 1, 0, 0), E(G0, 3, 1, 0), E(G0 + 1, 1, 0, 0) };
	struct psc_step s;

	ASSERT_EQ(0, load(e, 3, 0, NO_BUDGET));
	s = next();
	expect_step(s, PSC_STEP_CONVERT, G0, 1, 1);
	psc_req_commit(r, &s);
	s = next();
	expect_step(s, PSC_STEP_HINT, G0, 512, 3);
	psc_req_commit(r, &s);
	ASSERT_EQ(512, PSC_E_CUR(r->e[1]));
	ASSERT_EQ(2, r->cur);
	s = next();
	expect_step(s, PSC_STEP_CONVERT, G0 + 1, 1, 1);
}

UNIT_TEST(budget_returns_early_inside_2m_entry)
{
	u64 e[] = { E(G0, 1, 1, 0) };
	struct psc_step s;

	ASSERT_EQ(0, load(e, 1, 0, 100));
	s = next();
	expect_step(s, PSC_STEP_CONVERT, G0, 100, 1);
	ASSERT_EQ(100, s.to_cur);
	psc_req_commit(r, &s);
	ASSERT_EQ(0, r->budget);
	ASSERT_EQ(0, r->cur);			/* the entry is not done */
	ASSERT_EQ(100, PSC_E_CUR(r->e[0]));
	ASSERT_EQ(PSC_STEP_DONE, next().kind);	/* early return */
	/* The guest re-issues; the host resumes at cur_page 100. */
	memcpy(e, r->e, sizeof(e));
	ASSERT_EQ(0, load(e, 1, 0, NO_BUDGET));
	s = next();
	expect_step(s, PSC_STEP_CONVERT, G0 + 100, 412, 1);
}

UNIT_TEST(zero_budget_makes_no_progress)
{
	u64 e[] = { E(G0, 1, 0, 0) };

	ASSERT_EQ(0, load(e, 1, 0, 0));
	ASSERT_EQ(PSC_STEP_DONE, next().kind);
	ASSERT_EQ(0, r->cur);
	ASSERT_EQ(0, PSC_E_CUR(r->e[0]));
}

UNIT_TEST(request_starting_mid_buffer)
{
	u64 e[] = { E(G0, 2, 0, 0), E(G0 + 1, 2, 0, 0), E(G0 + 2, 2, 0, 0) };
	struct psc_step s;

	ASSERT_EQ(0, load(e, 3, 1, NO_BUDGET));
	ASSERT_EQ(2, psc_req_nr_entries(r));
	s = next();
	expect_step(s, PSC_STEP_CONVERT, G0 + 1, 2, 2);
	psc_req_commit(r, &s);
	ASSERT_EQ(PSC_STEP_DONE, next().kind);
	ASSERT_EQ(3, r->cur);
}

int main(void)
{
	return unit_main();
}
