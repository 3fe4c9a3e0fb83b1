// SPDX-License-Identifier: GPL-2.0
/*
 * test_rmp_model.c - one RMP rule per test, against the software model.
 *
 * Every test starts from a fresh model of four 2 MiB regions plus a 1 MiB
 * tail (so a 2 MiB page there would run past the end), checks one rule, and
 * asserts both the returned code and the entry state left behind.
 */
#include "unit.h"
#include "../../platform/snp/rmp_model.h"

#define BASE_PFN	0x100000ULL		/* 4 GiB, 2 MiB aligned */
#define BASE		(BASE_PFN << CCMEM_PAGE_SHIFT)
#define NR_PAGES	(4 * CCMEM_PAGES_PER_2M + 256)
#define END		(BASE + NR_PAGES * CCMEM_PAGE_SIZE)
#define PG(i)		(BASE + (u64)(i) * CCMEM_PAGE_SIZE)
#define R2M(i)		(BASE + (u64)(i) * CCMEM_2M_SIZE)

#define ASID		5
#define OTHER_ASID	6
#define GPA		0x40000000ULL		/* 1 GiB, 2 MiB aligned */

#define PERMS(vmpl, p)	((u64)(p) | ((u64)(vmpl) << 8))
#define ATTR_VMSA	BIT_ULL(16)

static struct rmp_entry entries[NR_PAGES];
static struct rmp_model model;
static struct rmp_model *m = &model;

static void setup(void)
{
	rmp_model_init(m, BASE_PFN, NR_PAGES, entries);
}

static int update(u64 spa, u64 gpa, u32 asid, int assigned, int size,
		  int immutable)
{
	struct rmp_model_state st = {
		.gpa = gpa, .asid = asid, .assigned = assigned,
		.pagesize = size, .immutable = immutable,
	};

	return rmp_model_rmpupdate(m, spa, &st);
}

static int assign_4k(u64 spa, u64 gpa)
{
	return update(spa, gpa, ASID, 1, RMP_PG_4K, 0);
}

static int assign_2m(u64 spa, u64 gpa)
{
	return update(spa, gpa, ASID, 1, RMP_PG_2M, 0);
}

static int pvalidate(u64 spa, u64 gpa, int size, int validate, bool *nc,
		     u64 *err)
{
	return rmp_model_pvalidate(m, spa, gpa, ASID, 0, size, validate, nc,
				   err);
}

static int validate_4k(u64 spa, u64 gpa)
{
	bool nc;
	u64 err;

	return pvalidate(spa, gpa, RMP_PG_4K, 1, &nc, &err);
}

static int adjust(u64 spa, u64 gpa, u32 vmpl, int size, u64 attrs,
		  u64 *err)
{
	return rmp_model_rmpadjust(m, spa, gpa, ASID, vmpl, size, attrs, err);
}

/* The governing entry of @spa (zeroed, and a failure, if outside). */
static struct rmp_entry get(u64 spa)
{
	struct rmp_entry e = { 0 };

	if (rmp_model_lookup(m, spa, &e))
		printf("#   lookup of 0x%llx failed\n", (unsigned long long)spa);
	return e;
}

/* The page's own stored entry, not the governing one. */
static const struct rmp_entry *raw(u64 spa)
{
	return &entries[(spa - BASE) >> CCMEM_PAGE_SHIFT];
}

static bool entry_is_zero(const struct rmp_entry *e)
{
	static const struct rmp_entry zero;

	return !memcmp(e, &zero, sizeof(zero));
}

static struct rmp_access guest(u64 spa, u64 gpa, bool private_access,
			       bool write)
{
	struct rmp_access a = {
		.who = RMP_ACCESS_GUEST, .spa = spa, .gpa = gpa, .asid = ASID,
		.private_access = private_access, .write = write,
		.pagesize = RMP_PG_4K,
	};

	return a;
}

static struct rmp_access host(u64 spa, bool write)
{
	struct rmp_access a = {
		.who = RMP_ACCESS_HOST, .spa = spa, .write = write,
	};

	return a;
}

/* ---- init, lookup, set_inuse ---------------------------------------- */

UNIT_TEST(init_resets_every_entry)
{
	int i;

	setup();
	ASSERT_EQ(0, assign_2m(R2M(0), GPA));
	ASSERT_EQ(0, assign_4k(PG(NR_PAGES - 1), GPA));
	ASSERT_EQ(0, rmp_model_set_inuse(m, PG(700), true));
	setup();
	for (i = 0; i < NR_PAGES; i++)
		ASSERT_TRUE(entry_is_zero(&entries[i]));
	ASSERT_EQ(BASE_PFN, m->base_pfn);
	ASSERT_EQ(NR_PAGES, m->nr_pages);
}

UNIT_TEST(lookup_outside_model_fails)
{
	struct rmp_entry e;

	setup();
	ASSERT_EQ(-1, rmp_model_lookup(m, BASE - CCMEM_PAGE_SIZE, &e));
	ASSERT_EQ(-1, rmp_model_lookup(m, END, &e));
	ASSERT_EQ(0, rmp_model_lookup(m, END - 1, &e));
}

UNIT_TEST(set_inuse_outside_model_fails)
{
	setup();
	ASSERT_EQ(-1, rmp_model_set_inuse(m, END, true));
	ASSERT_EQ(-1, rmp_model_set_inuse(m, BASE - 1, true));
	ASSERT_EQ(0, rmp_model_set_inuse(m, PG(3), true));
	ASSERT_EQ(1, raw(PG(3))->inuse);
	ASSERT_EQ(0, rmp_model_set_inuse(m, PG(3), false));
	ASSERT_EQ(0, raw(PG(3))->inuse);
}

/* ---- RMPUPDATE -------------------------------------------------------- */

UNIT_TEST(rmpupdate_4k_assign_writes_state)
{
	struct rmp_entry e;

	setup();
	ASSERT_EQ(RMPUPDATE_SUCCESS, update(PG(1), GPA + 0x5000, ASID, 1,
					    RMP_PG_4K, 0));
	e = get(PG(1));
	ASSERT_EQ(1, e.assigned);
	ASSERT_EQ(GPA + 0x5000, e.gpa);
	ASSERT_EQ(ASID, e.asid);
	ASSERT_EQ(RMP_PG_4K, e.pagesize);
	ASSERT_EQ(0, e.validated);
	ASSERT_EQ(0, e.immutable);
	ASSERT_EQ(RMP_PERM_ALL, e.perms[0]);
	ASSERT_EQ(0, e.perms[1]);
	ASSERT_EQ(0, e.perms[2]);
	ASSERT_EQ(0, e.perms[3]);
	ASSERT_TRUE(entry_is_zero(raw(PG(2))));
}

UNIT_TEST(rmpupdate_always_clears_validated_and_vmsa)
{
	u64 err;
	struct rmp_entry e;

	setup();
	ASSERT_EQ(0, assign_4k(PG(1), GPA));
	ASSERT_EQ(0, validate_4k(PG(1), GPA));
	ASSERT_EQ(0, adjust(PG(1), GPA, 0, RMP_PG_4K,
			    PERMS(1, RMP_PERM_READ) | ATTR_VMSA, &err));
	e = get(PG(1));
	ASSERT_EQ(1, e.validated);
	ASSERT_EQ(1, e.vmsa);
	ASSERT_EQ(RMPUPDATE_SUCCESS, assign_4k(PG(1), GPA));
	e = get(PG(1));
	ASSERT_EQ(0, e.validated);
	ASSERT_EQ(0, e.vmsa);
	ASSERT_EQ(0, e.perms[1]);
}

UNIT_TEST(rmpupdate_unassign_clears_permissions)
{
	struct rmp_entry e;

	setup();
	ASSERT_EQ(0, assign_4k(PG(1), GPA));
	ASSERT_EQ(RMPUPDATE_SUCCESS, update(PG(1), 0, 0, 0, RMP_PG_4K, 0));
	e = get(PG(1));
	ASSERT_EQ(0, e.assigned);
	ASSERT_EQ(0, e.perms[0]);
	ASSERT_EQ(0, e.validated);
	ASSERT_TRUE(entry_is_zero(&e));
}

UNIT_TEST(rmpupdate_unaligned_spa_fail_input)
{
	setup();
	ASSERT_EQ(RMPUPDATE_FAIL_INPUT, assign_4k(PG(1) + 0x800, GPA));
	ASSERT_TRUE(entry_is_zero(raw(PG(1))));
}

UNIT_TEST(rmpupdate_outside_model_fail_input)
{
	setup();
	ASSERT_EQ(RMPUPDATE_FAIL_INPUT, assign_4k(BASE - CCMEM_PAGE_SIZE, GPA));
	ASSERT_EQ(RMPUPDATE_FAIL_INPUT, assign_4k(END, GPA));
	ASSERT_EQ(RMPUPDATE_SUCCESS, assign_4k(END - CCMEM_PAGE_SIZE, GPA));
}

UNIT_TEST(rmpupdate_2m_unaligned_fail_input)
{
	setup();
	ASSERT_EQ(RMPUPDATE_FAIL_INPUT, assign_2m(PG(1), GPA));
	ASSERT_TRUE(entry_is_zero(raw(PG(1))));
	ASSERT_TRUE(entry_is_zero(raw(PG(0))));
}

UNIT_TEST(rmpupdate_2m_past_model_end_fail_input)
{
	setup();
	/* R2M(4) is the 1 MiB tail: its head is inside, the region is not. */
	ASSERT_EQ(RMPUPDATE_FAIL_INPUT, assign_2m(R2M(4), GPA));
	ASSERT_TRUE(entry_is_zero(raw(R2M(4))));
}

UNIT_TEST(rmpupdate_immutable_fail_permission)
{
	struct rmp_entry e;

	setup();
	ASSERT_EQ(0, update(PG(1), GPA, 0, 1, RMP_PG_4K, 1));
	ASSERT_EQ(RMPUPDATE_FAIL_PERMISSION, update(PG(1), 0, 0, 0,
						    RMP_PG_4K, 0));
	e = get(PG(1));
	ASSERT_EQ(1, e.assigned);
	ASSERT_EQ(1, e.immutable);
	ASSERT_EQ(GPA, e.gpa);
}

UNIT_TEST(rmpupdate_inuse_fail_inuse)
{
	setup();
	ASSERT_EQ(0, rmp_model_set_inuse(m, PG(1), true));
	ASSERT_EQ(RMPUPDATE_FAIL_INUSE, assign_4k(PG(1), GPA));
	ASSERT_EQ(0, raw(PG(1))->assigned);
	ASSERT_EQ(1, raw(PG(1))->inuse);
}

UNIT_TEST(rmpupdate_2m_with_inuse_page_fail_inuse)
{
	setup();
	ASSERT_EQ(0, rmp_model_set_inuse(m, R2M(1) + 9 * CCMEM_PAGE_SIZE,
					 true));
	ASSERT_EQ(RMPUPDATE_FAIL_INUSE, assign_2m(R2M(1), GPA));
	ASSERT_EQ(0, raw(R2M(1))->assigned);
	ASSERT_EQ(1, raw(R2M(1) + 9 * CCMEM_PAGE_SIZE)->inuse);
}

UNIT_TEST(rmpupdate_2m_with_immutable_page_fail_permission)
{
	setup();
	ASSERT_EQ(0, update(R2M(1) + 9 * CCMEM_PAGE_SIZE, 0, 0, 0, RMP_PG_4K,
			    1));
	ASSERT_EQ(RMPUPDATE_FAIL_PERMISSION, assign_2m(R2M(1), GPA));
	ASSERT_EQ(0, raw(R2M(1))->assigned);
	ASSERT_EQ(1, raw(R2M(1) + 9 * CCMEM_PAGE_SIZE)->immutable);
}

UNIT_TEST(rmpupdate_2m_clears_stale_sub_entries)
{
	u64 spa = R2M(1) + 5 * CCMEM_PAGE_SIZE;

	setup();
	ASSERT_EQ(0, assign_4k(spa, GPA));
	/* Unassigned, but the entry still holds the GPA and ASID written. */
	ASSERT_EQ(0, update(spa, GPA, ASID, 0, RMP_PG_4K, 0));
	ASSERT_EQ(GPA, raw(spa)->gpa);
	ASSERT_EQ(RMPUPDATE_SUCCESS, assign_2m(R2M(1), GPA));
	ASSERT_TRUE(entry_is_zero(raw(spa)));
}

UNIT_TEST(rmpupdate_4k_inside_2m_fail_overlap)
{
	struct rmp_entry e;

	setup();
	ASSERT_EQ(0, assign_2m(R2M(1), GPA));
	ASSERT_EQ(RMPUPDATE_FAIL_OVERLAP,
		  assign_4k(R2M(1) + 5 * CCMEM_PAGE_SIZE, GPA));
	ASSERT_TRUE(entry_is_zero(raw(R2M(1) + 5 * CCMEM_PAGE_SIZE)));
	e = get(R2M(1));
	ASSERT_EQ(RMP_PG_2M, e.pagesize);
	ASSERT_EQ(GPA, e.gpa);
}

UNIT_TEST(rmpupdate_4k_on_2m_head_fail_overlap)
{
	setup();
	ASSERT_EQ(0, assign_2m(R2M(1), GPA));
	ASSERT_EQ(RMPUPDATE_FAIL_OVERLAP, update(R2M(1), 0, 0, 0,
						 RMP_PG_4K, 0));
	ASSERT_EQ(1, raw(R2M(1))->assigned);
	ASSERT_EQ(RMP_PG_2M, raw(R2M(1))->pagesize);
}

UNIT_TEST(rmpupdate_2m_over_assigned_4k_fail_overlap)
{
	setup();
	ASSERT_EQ(0, assign_4k(R2M(1) + 511 * CCMEM_PAGE_SIZE, GPA));
	ASSERT_EQ(RMPUPDATE_FAIL_OVERLAP, assign_2m(R2M(1), GPA));
	ASSERT_EQ(0, raw(R2M(1))->assigned);
	ASSERT_EQ(1, raw(R2M(1) + 511 * CCMEM_PAGE_SIZE)->assigned);
	ASSERT_EQ(RMP_PG_4K, raw(R2M(1) + 511 * CCMEM_PAGE_SIZE)->pagesize);
}

UNIT_TEST(rmpupdate_2m_governs_its_512_pages)
{
	struct rmp_entry e;
	int i;

	setup();
	ASSERT_EQ(0, assign_2m(R2M(1), GPA));
	for (i = 0; i < CCMEM_PAGES_PER_2M; i++) {
		e = get(R2M(1) + (u64)i * CCMEM_PAGE_SIZE);
		ASSERT_EQ(1, e.assigned);
		ASSERT_EQ(RMP_PG_2M, e.pagesize);
		ASSERT_EQ(GPA, e.gpa);	/* the head entry, unchanged */
		if (i)
			ASSERT_TRUE(entry_is_zero(raw(R2M(1) +
						      (u64)i * CCMEM_PAGE_SIZE)));
	}
	ASSERT_EQ(0, get(R2M(2)).assigned);
	ASSERT_EQ(0, get(R2M(1) - CCMEM_PAGE_SIZE).assigned);
}

UNIT_TEST(rmpupdate_2m_unassign_returns_whole_region)
{
	int i;

	setup();
	ASSERT_EQ(0, assign_2m(R2M(1), GPA));
	ASSERT_EQ(RMPUPDATE_SUCCESS, update(R2M(1), 0, 0, 0, RMP_PG_2M, 0));
	for (i = 0; i < CCMEM_PAGES_PER_2M; i++)
		ASSERT_EQ(0, get(R2M(1) + (u64)i * CCMEM_PAGE_SIZE).assigned);
	ASSERT_EQ(RMPUPDATE_SUCCESS, assign_4k(R2M(1) + 3 * CCMEM_PAGE_SIZE,
					       GPA));
}

/* ---- PSMASH ----------------------------------------------------------- */

UNIT_TEST(psmash_splits_into_512_4k_entries)
{
	struct rmp_entry e;
	bool nc;
	u64 err;
	int i;

	setup();
	ASSERT_EQ(0, assign_2m(R2M(2), GPA));
	ASSERT_EQ(0, pvalidate(R2M(2), GPA, RMP_PG_2M, 1, &nc, &err));
	ASSERT_EQ(PSMASH_SUCCESS, rmp_model_psmash(m, R2M(2)));
	for (i = 0; i < CCMEM_PAGES_PER_2M; i++) {
		e = get(R2M(2) + (u64)i * CCMEM_PAGE_SIZE);
		ASSERT_EQ(1, e.assigned);
		ASSERT_EQ(RMP_PG_4K, e.pagesize);
		ASSERT_EQ(GPA + (u64)i * CCMEM_PAGE_SIZE, e.gpa);
		ASSERT_EQ(ASID, e.asid);
		ASSERT_EQ(1, e.validated);
		ASSERT_EQ(RMP_PERM_ALL, e.perms[0]);
	}
}

UNIT_TEST(psmash_keeps_immutable_perms_and_head_vmsa)
{
	struct rmp_entry e;
	bool nc;
	u64 err;
	int i;

	setup();
	ASSERT_EQ(0, update(R2M(2), GPA, ASID, 1, RMP_PG_2M, 1));
	ASSERT_EQ(0, pvalidate(R2M(2), GPA, RMP_PG_2M, 1, &nc, &err));
	ASSERT_EQ(0, adjust(R2M(2), GPA, 0, RMP_PG_2M,
			    PERMS(2, RMP_PERM_READ) | ATTR_VMSA, &err));
	ASSERT_EQ(PSMASH_SUCCESS, rmp_model_psmash(m, R2M(2)));
	for (i = 0; i < CCMEM_PAGES_PER_2M; i++) {
		e = get(R2M(2) + (u64)i * CCMEM_PAGE_SIZE);
		ASSERT_EQ(1, e.immutable);
		ASSERT_EQ(RMP_PERM_READ, e.perms[2]);
		ASSERT_EQ(0, e.perms[1]);
		ASSERT_EQ(i == 0, e.vmsa);
	}
}

UNIT_TEST(psmash_unaligned_fail_input)
{
	setup();
	ASSERT_EQ(0, assign_2m(R2M(2), GPA));
	ASSERT_EQ(PSMASH_FAIL_INPUT,
		  rmp_model_psmash(m, R2M(2) + CCMEM_PAGE_SIZE));
	ASSERT_EQ(RMP_PG_2M, raw(R2M(2))->pagesize);
}

UNIT_TEST(psmash_outside_model_fail_input)
{
	setup();
	ASSERT_EQ(PSMASH_FAIL_INPUT, rmp_model_psmash(m, BASE - CCMEM_2M_SIZE));
	ASSERT_EQ(PSMASH_FAIL_INPUT, rmp_model_psmash(m, R2M(4)));
	ASSERT_EQ(PSMASH_FAIL_INPUT, rmp_model_psmash(m, R2M(5)));
}

UNIT_TEST(psmash_of_4k_entry_fail_input)
{
	setup();
	ASSERT_EQ(0, assign_4k(R2M(2), GPA));
	ASSERT_EQ(PSMASH_FAIL_INPUT, rmp_model_psmash(m, R2M(2)));
	ASSERT_EQ(RMP_PG_4K, raw(R2M(2))->pagesize);
	ASSERT_EQ(1, raw(R2M(2))->assigned);
	ASSERT_EQ(0, raw(R2M(2) + CCMEM_PAGE_SIZE)->assigned);
}

UNIT_TEST(psmash_inuse_fail_inuse)
{
	setup();
	ASSERT_EQ(0, assign_2m(R2M(2), GPA));
	ASSERT_EQ(0, rmp_model_set_inuse(m, R2M(2), true));
	ASSERT_EQ(PSMASH_FAIL_INUSE, rmp_model_psmash(m, R2M(2)));
	ASSERT_EQ(RMP_PG_2M, raw(R2M(2))->pagesize);
	ASSERT_EQ(0, raw(R2M(2) + CCMEM_PAGE_SIZE)->assigned);
}

/* ---- PVALIDATE -------------------------------------------------------- */

UNIT_TEST(pvalidate_4k_sets_validated)
{
	bool nc = true;
	u64 err = 1;

	setup();
	ASSERT_EQ(0, assign_4k(PG(1), GPA));
	ASSERT_EQ(PVALIDATE_SUCCESS, pvalidate(PG(1), GPA, RMP_PG_4K, 1,
					       &nc, &err));
	ASSERT_EQ(false, nc);
	ASSERT_EQ(1, get(PG(1)).validated);
}

UNIT_TEST(pvalidate_double_validate_sets_cf)
{
	bool nc;
	u64 err;

	setup();
	ASSERT_EQ(0, assign_4k(PG(1), GPA));
	ASSERT_EQ(0, validate_4k(PG(1), GPA));
	ASSERT_EQ(PVALIDATE_SUCCESS, pvalidate(PG(1), GPA, RMP_PG_4K, 1,
					       &nc, &err));
	ASSERT_EQ(true, nc);
	ASSERT_EQ(1, get(PG(1)).validated);
}

UNIT_TEST(pvalidate_rescind_clears_validated)
{
	bool nc = true;
	u64 err;

	setup();
	ASSERT_EQ(0, assign_4k(PG(1), GPA));
	ASSERT_EQ(0, validate_4k(PG(1), GPA));
	ASSERT_EQ(PVALIDATE_SUCCESS, pvalidate(PG(1), GPA, RMP_PG_4K, 0,
					       &nc, &err));
	ASSERT_EQ(false, nc);
	ASSERT_EQ(0, get(PG(1)).validated);
}

UNIT_TEST(pvalidate_double_rescind_sets_cf)
{
	bool nc;
	u64 err;

	setup();
	ASSERT_EQ(0, assign_4k(PG(1), GPA));
	ASSERT_EQ(PVALIDATE_SUCCESS, pvalidate(PG(1), GPA, RMP_PG_4K, 0,
					       &nc, &err));
	ASSERT_EQ(true, nc);
	ASSERT_EQ(0, get(PG(1)).validated);
}

UNIT_TEST(pvalidate_2m_validates_whole_region)
{
	bool nc;
	u64 err;

	setup();
	ASSERT_EQ(0, assign_2m(R2M(1), GPA));
	ASSERT_EQ(PVALIDATE_SUCCESS, pvalidate(R2M(1), GPA, RMP_PG_2M, 1,
					       &nc, &err));
	ASSERT_EQ(false, nc);
	ASSERT_EQ(1, raw(R2M(1))->validated);
	ASSERT_EQ(1, get(R2M(1) + 300 * CCMEM_PAGE_SIZE).validated);
	ASSERT_EQ(0, raw(R2M(1) + 300 * CCMEM_PAGE_SIZE)->validated);
}

UNIT_TEST(pvalidate_4k_on_2m_entry_npf_sizem)
{
	bool nc;
	u64 err;

	setup();
	ASSERT_EQ(0, assign_2m(R2M(1), GPA));
	ASSERT_EQ(-1, pvalidate(R2M(1) + 3 * CCMEM_PAGE_SIZE,
				GPA + 3 * CCMEM_PAGE_SIZE, RMP_PG_4K, 1, &nc,
				&err));
	ASSERT_EQ(RMP_PF_ERR_RMP | RMP_NPF_ERR_PRIVATE | RMP_NPF_ERR_SIZEM,
		  err);
	ASSERT_EQ(false, nc);
	ASSERT_EQ(0, get(R2M(1)).validated);
}

UNIT_TEST(pvalidate_2m_on_4k_entry_sizemismatch)
{
	bool nc;
	u64 err;

	setup();
	ASSERT_EQ(0, assign_4k(R2M(1), GPA));
	ASSERT_EQ(PVALIDATE_FAIL_SIZEMISMATCH,
		  pvalidate(R2M(1), GPA, RMP_PG_2M, 1, &nc, &err));
	ASSERT_EQ(0, get(R2M(1)).validated);
}

UNIT_TEST(pvalidate_unassigned_page_npf)
{
	bool nc;
	u64 err;

	setup();
	ASSERT_EQ(-1, pvalidate(PG(1), GPA, RMP_PG_4K, 1, &nc, &err));
	ASSERT_EQ(RMP_PF_ERR_RMP | RMP_NPF_ERR_PRIVATE, err);
	ASSERT_TRUE(entry_is_zero(raw(PG(1))));
}

UNIT_TEST(pvalidate_asid_mismatch_npf)
{
	bool nc;
	u64 err;

	setup();
	ASSERT_EQ(0, update(PG(1), GPA, OTHER_ASID, 1, RMP_PG_4K, 0));
	ASSERT_EQ(-1, pvalidate(PG(1), GPA, RMP_PG_4K, 1, &nc, &err));
	ASSERT_EQ(RMP_PF_ERR_RMP | RMP_NPF_ERR_PRIVATE, err);
	ASSERT_EQ(0, get(PG(1)).validated);
}

UNIT_TEST(pvalidate_gpa_mismatch_npf)
{
	bool nc;
	u64 err;

	setup();
	ASSERT_EQ(0, assign_4k(PG(1), GPA));
	ASSERT_EQ(-1, pvalidate(PG(1), GPA + CCMEM_PAGE_SIZE, RMP_PG_4K, 1,
				&nc, &err));
	ASSERT_EQ(RMP_PF_ERR_RMP | RMP_NPF_ERR_PRIVATE, err);
	ASSERT_EQ(0, get(PG(1)).validated);
}

UNIT_TEST(pvalidate_inside_2m_checks_gpa_offset)
{
	u64 spa = R2M(1) + 7 * CCMEM_PAGE_SIZE;
	bool nc;
	u64 err;

	setup();
	ASSERT_EQ(0, assign_2m(R2M(1), GPA));
	/* The head's GPA is wrong for page 7: ownership fails first. */
	ASSERT_EQ(-1, pvalidate(spa, GPA, RMP_PG_4K, 1, &nc, &err));
	ASSERT_EQ(RMP_PF_ERR_RMP | RMP_NPF_ERR_PRIVATE, err);
	/* Head GPA + 7 pages matches, and only the size is wrong. */
	ASSERT_EQ(-1, pvalidate(spa, GPA + 7 * CCMEM_PAGE_SIZE, RMP_PG_4K, 1,
				&nc, &err));
	ASSERT_EQ(RMP_PF_ERR_RMP | RMP_NPF_ERR_PRIVATE | RMP_NPF_ERR_SIZEM,
		  err);
}

UNIT_TEST(pvalidate_2m_unaligned_fail_input)
{
	bool nc;
	u64 err;

	setup();
	ASSERT_EQ(0, assign_2m(R2M(1), GPA));
	ASSERT_EQ(PVALIDATE_FAIL_INPUT,
		  pvalidate(R2M(1) + CCMEM_PAGE_SIZE, GPA + CCMEM_PAGE_SIZE,
			    RMP_PG_2M, 1, &nc, &err));
	ASSERT_EQ(PVALIDATE_FAIL_INPUT,
		  pvalidate(R2M(1), GPA + CCMEM_PAGE_SIZE, RMP_PG_2M, 1, &nc,
			    &err));
	ASSERT_EQ(0, get(R2M(1)).validated);
}

UNIT_TEST(pvalidate_outside_model_fail_input)
{
	bool nc;
	u64 err;

	setup();
	ASSERT_EQ(PVALIDATE_FAIL_INPUT, pvalidate(END, GPA, RMP_PG_4K, 1, &nc,
						  &err));
	ASSERT_EQ(0, err);
}

UNIT_TEST(pvalidate_vmpl_above_3_fail_input)
{
	bool nc;
	u64 err;

	setup();
	ASSERT_EQ(0, assign_4k(PG(1), GPA));
	ASSERT_EQ(PVALIDATE_FAIL_INPUT,
		  rmp_model_pvalidate(m, PG(1), GPA, ASID, 4, RMP_PG_4K, 1,
				      &nc, &err));
	ASSERT_EQ(0, get(PG(1)).validated);
}

UNIT_TEST(pvalidate_immutable_page_allowed)
{
	bool nc;
	u64 err;

	setup();
	ASSERT_EQ(0, update(PG(1), GPA, ASID, 1, RMP_PG_4K, 1));
	ASSERT_EQ(PVALIDATE_SUCCESS, pvalidate(PG(1), GPA, RMP_PG_4K, 1,
					       &nc, &err));
	ASSERT_EQ(1, get(PG(1)).validated);
	ASSERT_EQ(1, get(PG(1)).immutable);
}

/* ---- RMPADJUST -------------------------------------------------------- */

/* A validated 4K page at PG(1)/GPA, ready for RMPADJUST. */
static int adjust_setup(void)
{
	setup();
	if (assign_4k(PG(1), GPA))
		return -1;
	return validate_4k(PG(1), GPA);
}

UNIT_TEST(rmpadjust_sets_target_permissions)
{
	u64 err = 1;
	struct rmp_entry e;

	ASSERT_EQ(0, adjust_setup());
	ASSERT_EQ(RMPADJUST_SUCCESS,
		  adjust(PG(1), GPA, 0, RMP_PG_4K,
			 PERMS(1, RMP_PERM_READ | RMP_PERM_WRITE), &err));
	ASSERT_EQ(0, err);
	e = get(PG(1));
	ASSERT_EQ(RMP_PERM_READ | RMP_PERM_WRITE, e.perms[1]);
	ASSERT_EQ(RMP_PERM_ALL, e.perms[0]);
	ASSERT_EQ(0, e.perms[2]);
	ASSERT_EQ(0, e.vmsa);
}

UNIT_TEST(rmpadjust_target_vmpl_above_3_fail_input)
{
	u64 err;

	ASSERT_EQ(0, adjust_setup());
	ASSERT_EQ(RMPADJUST_FAIL_INPUT,
		  adjust(PG(1), GPA, 0, RMP_PG_4K, PERMS(4, RMP_PERM_READ),
			 &err));
	ASSERT_EQ(RMP_PERM_ALL, get(PG(1)).perms[0]);
}

UNIT_TEST(rmpadjust_reserved_attr_bits_fail_input)
{
	u64 err;

	ASSERT_EQ(0, adjust_setup());
	ASSERT_EQ(RMPADJUST_FAIL_INPUT,
		  adjust(PG(1), GPA, 0, RMP_PG_4K,
			 PERMS(1, RMP_PERM_READ) | (1ULL << 17), &err));
	ASSERT_EQ(RMPADJUST_FAIL_INPUT,
		  adjust(PG(1), GPA, 0, RMP_PG_4K, PERMS(1, 0x10), &err));
	ASSERT_EQ(0, get(PG(1)).perms[1]);
}

UNIT_TEST(rmpadjust_target_not_less_privileged_fail_permission)
{
	u64 err;

	ASSERT_EQ(0, adjust_setup());
	ASSERT_EQ(0, adjust(PG(1), GPA, 0, RMP_PG_4K,
			    PERMS(1, RMP_PERM_ALL), &err));
	ASSERT_EQ(RMPADJUST_FAIL_PERMISSION,
		  adjust(PG(1), GPA, 1, RMP_PG_4K, PERMS(1, RMP_PERM_READ),
			 &err));
	ASSERT_EQ(RMPADJUST_FAIL_PERMISSION,
		  adjust(PG(1), GPA, 1, RMP_PG_4K, PERMS(0, RMP_PERM_READ),
			 &err));
	ASSERT_EQ(RMP_PERM_ALL, get(PG(1)).perms[1]);
	ASSERT_EQ(RMP_PERM_ALL, get(PG(1)).perms[0]);
}

UNIT_TEST(rmpadjust_perms_beyond_own_fail_permission)
{
	u64 err;

	ASSERT_EQ(0, adjust_setup());
	ASSERT_EQ(0, adjust(PG(1), GPA, 0, RMP_PG_4K,
			    PERMS(1, RMP_PERM_READ), &err));
	ASSERT_EQ(RMPADJUST_FAIL_PERMISSION,
		  adjust(PG(1), GPA, 1, RMP_PG_4K,
			 PERMS(2, RMP_PERM_READ | RMP_PERM_WRITE), &err));
	ASSERT_EQ(0, get(PG(1)).perms[2]);
	ASSERT_EQ(RMPADJUST_SUCCESS,
		  adjust(PG(1), GPA, 1, RMP_PG_4K, PERMS(2, RMP_PERM_READ),
			 &err));
	ASSERT_EQ(RMP_PERM_READ, get(PG(1)).perms[2]);
}

UNIT_TEST(rmpadjust_vmsa_from_vmpl0_sets_vmsa)
{
	u64 err;

	ASSERT_EQ(0, adjust_setup());
	ASSERT_EQ(RMPADJUST_SUCCESS,
		  adjust(PG(1), GPA, 0, RMP_PG_4K,
			 PERMS(1, RMP_PERM_READ) | ATTR_VMSA, &err));
	ASSERT_EQ(1, get(PG(1)).vmsa);
	ASSERT_EQ(RMP_PERM_READ, get(PG(1)).perms[1]);
}

UNIT_TEST(rmpadjust_vmsa_from_vmpl1_fail_permission)
{
	u64 err;

	ASSERT_EQ(0, adjust_setup());
	ASSERT_EQ(0, adjust(PG(1), GPA, 0, RMP_PG_4K,
			    PERMS(1, RMP_PERM_ALL), &err));
	ASSERT_EQ(RMPADJUST_FAIL_PERMISSION,
		  adjust(PG(1), GPA, 1, RMP_PG_4K,
			 PERMS(2, RMP_PERM_READ) | ATTR_VMSA, &err));
	ASSERT_EQ(0, get(PG(1)).vmsa);
	ASSERT_EQ(0, get(PG(1)).perms[2]);
}

UNIT_TEST(rmpadjust_not_validated_fail_input)
{
	u64 err;

	setup();
	ASSERT_EQ(0, assign_4k(PG(1), GPA));
	ASSERT_EQ(RMPADJUST_FAIL_INPUT,
		  adjust(PG(1), GPA, 0, RMP_PG_4K, PERMS(1, RMP_PERM_READ),
			 &err));
	ASSERT_EQ(0, get(PG(1)).perms[1]);
}

UNIT_TEST(rmpadjust_not_owned_npf)
{
	u64 err;

	ASSERT_EQ(0, adjust_setup());
	ASSERT_EQ(-1, rmp_model_rmpadjust(m, PG(1), GPA, OTHER_ASID, 0,
					  RMP_PG_4K, PERMS(1, RMP_PERM_READ),
					  &err));
	ASSERT_EQ(RMP_PF_ERR_RMP | RMP_NPF_ERR_PRIVATE, err);
	ASSERT_EQ(-1, adjust(PG(2), GPA, 0, RMP_PG_4K,
			     PERMS(1, RMP_PERM_READ), &err));
	ASSERT_EQ(RMP_PF_ERR_RMP | RMP_NPF_ERR_PRIVATE, err);
	ASSERT_EQ(0, get(PG(1)).perms[1]);
}

UNIT_TEST(rmpadjust_size_mismatch)
{
	u64 err;
	bool nc;

	setup();
	ASSERT_EQ(0, assign_2m(R2M(1), GPA));
	ASSERT_EQ(0, pvalidate(R2M(1), GPA, RMP_PG_2M, 1, &nc, &err));
	ASSERT_EQ(-1, adjust(R2M(1), GPA, 0, RMP_PG_4K,
			     PERMS(1, RMP_PERM_READ), &err));
	ASSERT_EQ(RMP_PF_ERR_RMP | RMP_NPF_ERR_PRIVATE | RMP_NPF_ERR_SIZEM,
		  err);
	ASSERT_EQ(0, get(R2M(1)).perms[1]);
}

UNIT_TEST(rmpadjust_2m_on_4k_sizemismatch)
{
	u64 err;
	bool nc;

	setup();
	ASSERT_EQ(0, assign_4k(R2M(1), GPA));
	ASSERT_EQ(0, pvalidate(R2M(1), GPA, RMP_PG_4K, 1, &nc, &err));
	ASSERT_EQ(RMPADJUST_FAIL_SIZEMISMATCH,
		  adjust(R2M(1), GPA, 0, RMP_PG_2M, PERMS(1, RMP_PERM_READ),
			 &err));
	ASSERT_EQ(0, get(R2M(1)).perms[1]);
}

/* ---- access checks ---------------------------------------------------- */

UNIT_TEST(access_host_write_to_guest_page_pf)
{
	struct rmp_access a = host(PG(1) + 0x10, true);

	setup();
	ASSERT_EQ(0, assign_4k(PG(1), GPA));
	ASSERT_EQ(RMP_ACCESS_HOST_PF, rmp_model_access(m, &a));
	ASSERT_EQ(RMP_PF_ERR_RMP | RMP_PF_ERR_WRITE, a.error_code);
	ASSERT_EQ(1ULL << 31, a.error_code & (1ULL << 31));
}

UNIT_TEST(access_host_write_to_firmware_page_pf)
{
	struct rmp_access a = host(PG(1), true);

	setup();
	ASSERT_EQ(0, update(PG(1), 0, 0, 1, RMP_PG_4K, 1));
	ASSERT_EQ(RMP_ACCESS_HOST_PF, rmp_model_access(m, &a));
	ASSERT_EQ(RMP_PF_ERR_RMP | RMP_PF_ERR_WRITE, a.error_code);
}

UNIT_TEST(access_host_write_inside_2m_page_pf)
{
	struct rmp_access a = host(R2M(1) + 100 * CCMEM_PAGE_SIZE, true);

	setup();
	ASSERT_EQ(0, assign_2m(R2M(1), GPA));
	ASSERT_EQ(RMP_ACCESS_HOST_PF, rmp_model_access(m, &a));
	ASSERT_EQ(RMP_PF_ERR_RMP | RMP_PF_ERR_WRITE, a.error_code);
}

UNIT_TEST(access_host_read_of_guest_page_ok)
{
	struct rmp_access a = host(PG(1), false);

	setup();
	ASSERT_EQ(0, assign_4k(PG(1), GPA));
	ASSERT_EQ(RMP_ACCESS_OK, rmp_model_access(m, &a));
	ASSERT_EQ(0, a.error_code);
}

UNIT_TEST(access_host_write_to_hypervisor_page_ok)
{
	struct rmp_access a = host(PG(1), true);

	setup();
	ASSERT_EQ(RMP_ACCESS_OK, rmp_model_access(m, &a));
	ASSERT_EQ(0, a.error_code);
}

UNIT_TEST(access_guest_private_to_unassigned_npf)
{
	struct rmp_access a = guest(PG(1), GPA, true, false);

	setup();
	ASSERT_EQ(RMP_ACCESS_GUEST_NPF, rmp_model_access(m, &a));
	ASSERT_EQ(RMP_PF_ERR_RMP | RMP_NPF_ERR_PRIVATE, a.error_code);
}

UNIT_TEST(access_guest_private_write_to_other_guest_npf)
{
	struct rmp_access a = guest(PG(1), GPA, true, true);

	setup();
	ASSERT_EQ(0, update(PG(1), GPA, OTHER_ASID, 1, RMP_PG_4K, 0));
	ASSERT_EQ(RMP_ACCESS_GUEST_NPF, rmp_model_access(m, &a));
	ASSERT_EQ(RMP_PF_ERR_RMP | RMP_NPF_ERR_PRIVATE | RMP_PF_ERR_WRITE,
		  a.error_code);
}

UNIT_TEST(access_guest_shared_to_assigned_npf)
{
	struct rmp_access a = guest(PG(1), GPA, false, true);

	setup();
	ASSERT_EQ(0, assign_4k(PG(1), GPA));
	ASSERT_EQ(0, validate_4k(PG(1), GPA));
	ASSERT_EQ(RMP_ACCESS_GUEST_NPF, rmp_model_access(m, &a));
	ASSERT_EQ(RMP_PF_ERR_RMP | RMP_PF_ERR_WRITE, a.error_code);
}

UNIT_TEST(access_guest_shared_to_unassigned_ok)
{
	struct rmp_access a = guest(PG(1), GPA, false, true);

	setup();
	ASSERT_EQ(RMP_ACCESS_OK, rmp_model_access(m, &a));
	ASSERT_EQ(0, a.error_code);
}

UNIT_TEST(access_guest_private_not_validated_vc)
{
	struct rmp_access a = guest(PG(1), GPA, true, false);

	setup();
	ASSERT_EQ(0, assign_4k(PG(1), GPA));
	ASSERT_EQ(RMP_ACCESS_GUEST_VC, rmp_model_access(m, &a));
	ASSERT_EQ(0x404, a.error_code);
}

UNIT_TEST(access_guest_2m_mapping_over_4k_entry_npf_size)
{
	struct rmp_access a = guest(R2M(1), GPA, true, false);

	setup();
	ASSERT_EQ(0, assign_4k(R2M(1), GPA));
	ASSERT_EQ(0, validate_4k(R2M(1), GPA));
	a.pagesize = RMP_PG_2M;
	ASSERT_EQ(RMP_ACCESS_GUEST_NPF, rmp_model_access(m, &a));
	ASSERT_EQ(RMP_NPF_ERR_SIZEM | RMP_PF_ERR_RMP | RMP_NPF_ERR_PRIVATE,
		  a.error_code);
	ASSERT_EQ(1ULL << 35, a.error_code & (1ULL << 35));
}

UNIT_TEST(access_guest_vmpl_without_write_perm_npf)
{
	struct rmp_access a = guest(PG(1), GPA, true, true);
	u64 err;

	ASSERT_EQ(0, adjust_setup());
	ASSERT_EQ(0, adjust(PG(1), GPA, 0, RMP_PG_4K,
			    PERMS(1, RMP_PERM_READ), &err));
	a.vmpl = 1;
	ASSERT_EQ(RMP_ACCESS_GUEST_NPF, rmp_model_access(m, &a));
	ASSERT_EQ(RMP_NPF_ERR_VMPL | RMP_PF_ERR_RMP | RMP_NPF_ERR_PRIVATE |
		  RMP_PF_ERR_WRITE, a.error_code);
	ASSERT_EQ(1ULL << 36, a.error_code & (1ULL << 36));
}

UNIT_TEST(access_guest_vmpl_exec_needs_xsuper)
{
	struct rmp_access a = guest(PG(1), GPA, true, false);
	u64 err;

	ASSERT_EQ(0, adjust_setup());
	ASSERT_EQ(0, adjust(PG(1), GPA, 0, RMP_PG_4K,
			    PERMS(1, RMP_PERM_READ | RMP_PERM_XUSER), &err));
	a.vmpl = 1;
	a.exec = true;
	ASSERT_EQ(RMP_ACCESS_GUEST_NPF, rmp_model_access(m, &a));
	ASSERT_EQ(RMP_NPF_ERR_VMPL | RMP_PF_ERR_RMP | RMP_NPF_ERR_PRIVATE,
		  a.error_code);
	a.exec = false;
	ASSERT_EQ(RMP_ACCESS_OK, rmp_model_access(m, &a));
}

UNIT_TEST(access_guest_private_to_own_validated_page_ok)
{
	struct rmp_access a = guest(R2M(1) + 9 * CCMEM_PAGE_SIZE + 0x123,
				    GPA + 9 * CCMEM_PAGE_SIZE, true, true);
	bool nc;
	u64 err;

	setup();
	ASSERT_EQ(0, assign_2m(R2M(1), GPA));
	ASSERT_EQ(0, pvalidate(R2M(1), GPA, RMP_PG_2M, 1, &nc, &err));
	ASSERT_EQ(RMP_ACCESS_OK, rmp_model_access(m, &a));
	ASSERT_EQ(0, a.error_code);
}

int main(void)
{
	return unit_main();
}
