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

/*
 * RMPADJUST RDX, spelled out here rather than taken from the header so that
 * a swap of the fields in the model is caught: target VMPL in bits 7:0,
 * permission mask in bits 15:8, VMSA in bit 16.
 */
#define PERMS(vmpl, p)	((u64)(vmpl) | ((u64)(p) << 8))
#define ATTR_VMSA	BIT_ULL(16)

/*
 * The bits of every RMP nested page fault: present (the nested mapping
 * exists), user (the nested walk treats guest accesses as user ones), RMP;
 * and with PRIVATE for a C-bit access.
 */
#define NPF		(RMP_PF_ERR_PRESENT | RMP_PF_ERR_USER | RMP_PF_ERR_RMP)
#define NPF_PRIV	(NPF | RMP_NPF_ERR_PRIVATE)

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

UNIT_TEST(psmash_of_4k_entry_fail_badaddr)
{
	setup();
	ASSERT_EQ(0, assign_4k(R2M(2), GPA));
	ASSERT_EQ(PSMASH_FAIL_BADADDR, rmp_model_psmash(m, R2M(2)));
	ASSERT_EQ(7, PSMASH_FAIL_BADADDR);
	ASSERT_EQ(RMP_PG_4K, raw(R2M(2))->pagesize);
	ASSERT_EQ(1, raw(R2M(2))->assigned);
	ASSERT_EQ(0, raw(R2M(2) + CCMEM_PAGE_SIZE)->assigned);
}

UNIT_TEST(psmash_of_hypervisor_page_fail_badaddr)
{
	setup();
	ASSERT_EQ(PSMASH_FAIL_BADADDR, rmp_model_psmash(m, R2M(2)));
	ASSERT_TRUE(entry_is_zero(raw(R2M(2))));
	/* An unassigned 2M entry is not an assigned 2M entry either. */
	ASSERT_EQ(0, update(R2M(2), GPA, ASID, 0, RMP_PG_2M, 0));
	ASSERT_EQ(PSMASH_FAIL_BADADDR, rmp_model_psmash(m, R2M(2)));
	ASSERT_EQ(RMP_PG_2M, raw(R2M(2))->pagesize);
	ASSERT_EQ(0, raw(R2M(2))->assigned);
}

/* KVM's case: the entry was smashed already; the state stays as it is. */
UNIT_TEST(psmash_twice_second_fail_badaddr)
{
	struct rmp_entry e;

	setup();
	ASSERT_EQ(0, assign_2m(R2M(2), GPA));
	ASSERT_EQ(PSMASH_SUCCESS, rmp_model_psmash(m, R2M(2)));
	ASSERT_EQ(PSMASH_FAIL_BADADDR, rmp_model_psmash(m, R2M(2)));
	e = get(R2M(2) + 5 * CCMEM_PAGE_SIZE);
	ASSERT_EQ(1, e.assigned);
	ASSERT_EQ(RMP_PG_4K, e.pagesize);
	ASSERT_EQ(GPA + 5 * CCMEM_PAGE_SIZE, e.gpa);
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
	ASSERT_EQ(NPF_PRIV | RMP_NPF_ERR_SIZEM, err);
	/* The code hardware reports for a guest kernel's 4K PVALIDATE. */
	ASSERT_EQ(0xc80000005ULL, err);
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

/*
 * The 2 MiB alignment rule is on the guest's address: a 2M request on a
 * page the host backs with a 4K entry anywhere in memory (here not 2 MiB
 * aligned) is a size mismatch, so that the guest falls back to 4K.
 */
UNIT_TEST(pvalidate_2m_on_unaligned_4k_backing_sizemismatch)
{
	bool nc;
	u64 err;

	setup();
	ASSERT_EQ(0, assign_4k(R2M(1) + 5 * CCMEM_PAGE_SIZE, GPA));
	ASSERT_EQ(PVALIDATE_FAIL_SIZEMISMATCH,
		  pvalidate(R2M(1) + 5 * CCMEM_PAGE_SIZE, GPA, RMP_PG_2M, 1,
			    &nc, &err));
	ASSERT_EQ(0, get(R2M(1) + 5 * CCMEM_PAGE_SIZE).validated);
	ASSERT_EQ(RMPADJUST_FAIL_SIZEMISMATCH,
		  rmp_model_rmpadjust(m, R2M(1) + 5 * CCMEM_PAGE_SIZE, GPA,
				      ASID, 0, RMP_PG_2M, RMPADJUST_ATTRS(1, 1),
				      &err));
}

UNIT_TEST(pvalidate_unassigned_page_npf)
{
	bool nc;
	u64 err;

	setup();
	ASSERT_EQ(-1, pvalidate(PG(1), GPA, RMP_PG_4K, 1, &nc, &err));
	ASSERT_EQ(NPF_PRIV, err);
	ASSERT_TRUE(entry_is_zero(raw(PG(1))));
}

UNIT_TEST(pvalidate_asid_mismatch_npf)
{
	bool nc;
	u64 err;

	setup();
	ASSERT_EQ(0, update(PG(1), GPA, OTHER_ASID, 1, RMP_PG_4K, 0));
	ASSERT_EQ(-1, pvalidate(PG(1), GPA, RMP_PG_4K, 1, &nc, &err));
	ASSERT_EQ(NPF_PRIV, err);
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
	ASSERT_EQ(NPF_PRIV, err);
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
	ASSERT_EQ(NPF_PRIV, err);
	/* Head GPA + 7 pages matches, and only the size is wrong. */
	ASSERT_EQ(-1, pvalidate(spa, GPA + 7 * CCMEM_PAGE_SIZE, RMP_PG_4K, 1,
				&nc, &err));
	ASSERT_EQ(NPF_PRIV | RMP_NPF_ERR_SIZEM, err);
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

/*
 * PVALIDATE is a VMPL0 instruction. The exact outcome at VMPL 1-3 is a
 * modelling choice (see rmp_model_pvalidate()): FAIL_PERMISSION, nothing
 * changed.
 */
UNIT_TEST(pvalidate_from_vmpl1_cannot_validate)
{
	bool nc = true;
	u64 err = 1;

	setup();
	ASSERT_EQ(0, assign_4k(PG(1), GPA));
	ASSERT_EQ(PVALIDATE_FAIL_PERMISSION,
		  rmp_model_pvalidate(m, PG(1), GPA, ASID, 1, RMP_PG_4K, 1,
				      &nc, &err));
	ASSERT_EQ(2, PVALIDATE_FAIL_PERMISSION);
	ASSERT_EQ(false, nc);
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, get(PG(1)).validated);
}

UNIT_TEST(pvalidate_from_vmpl3_cannot_rescind)
{
	bool nc = true;
	u64 err = 1;

	setup();
	ASSERT_EQ(0, assign_2m(R2M(1), GPA));
	ASSERT_EQ(0, pvalidate(R2M(1), GPA, RMP_PG_2M, 1, &nc, &err));
	ASSERT_EQ(PVALIDATE_FAIL_PERMISSION,
		  rmp_model_pvalidate(m, R2M(1), GPA, ASID, 3, RMP_PG_2M, 0,
				      &nc, &err));
	ASSERT_EQ(false, nc);
	ASSERT_EQ(0, err);
	ASSERT_EQ(1, get(R2M(1)).validated);
}

/* A lower VMPL learns nothing about the entry: no #NPF, no size exit. */
UNIT_TEST(pvalidate_from_vmpl2_fails_before_rmp_checks)
{
	bool nc;
	u64 err = 1;

	setup();
	ASSERT_EQ(0, assign_2m(R2M(1), GPA));
	ASSERT_EQ(PVALIDATE_FAIL_PERMISSION,
		  rmp_model_pvalidate(m, R2M(1) + CCMEM_PAGE_SIZE,
				      GPA + CCMEM_PAGE_SIZE, ASID, 2,
				      RMP_PG_4K, 1, &nc, &err));
	ASSERT_EQ(0, err);
	ASSERT_EQ(PVALIDATE_FAIL_PERMISSION,
		  rmp_model_pvalidate(m, PG(1), GPA, OTHER_ASID, 2,
				      RMP_PG_4K, 1, &nc, &err));
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, get(R2M(1)).validated);
	ASSERT_EQ(RMP_PG_2M, raw(R2M(1))->pagesize);
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

/* The VMSA bit from VMPL1 is ignored, not refused. */
UNIT_TEST(rmpadjust_vmsa_from_vmpl1_is_ignored)
{
	u64 err;

	ASSERT_EQ(0, adjust_setup());
	ASSERT_EQ(0, adjust(PG(1), GPA, 0, RMP_PG_4K,
			    PERMS(1, RMP_PERM_ALL), &err));
	ASSERT_EQ(RMPADJUST_SUCCESS,
		  adjust(PG(1), GPA, 1, RMP_PG_4K,
			 PERMS(2, RMP_PERM_READ) | ATTR_VMSA, &err));
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, get(PG(1)).vmsa);
	ASSERT_EQ(RMP_PERM_READ, get(PG(1)).perms[2]);
}

/* Ignored both ways: VMPL1 cannot clear a VMSA bit VMPL0 has set. */
UNIT_TEST(rmpadjust_from_vmpl1_keeps_vmsa_set_by_vmpl0)
{
	u64 err;

	ASSERT_EQ(0, adjust_setup());
	ASSERT_EQ(0, adjust(PG(1), GPA, 0, RMP_PG_4K,
			    PERMS(1, RMP_PERM_ALL) | ATTR_VMSA, &err));
	ASSERT_EQ(1, get(PG(1)).vmsa);
	ASSERT_EQ(RMPADJUST_SUCCESS,
		  adjust(PG(1), GPA, 1, RMP_PG_4K,
			 PERMS(3, RMP_PERM_WRITE), &err));
	ASSERT_EQ(1, get(PG(1)).vmsa);
	ASSERT_EQ(RMP_PERM_WRITE, get(PG(1)).perms[3]);
}

/* Linux's snp_set_vmsa(): RMPADJUST_VMSA_PAGE_BIT | 1, from VMPL0. */
UNIT_TEST(rmpadjust_linux_set_vmsa_operand_0x10001)
{
	u64 err = 1;
	struct rmp_entry e;

	ASSERT_EQ(0, adjust_setup());
	ASSERT_EQ(RMPADJUST_SUCCESS, adjust(PG(1), GPA, 0, RMP_PG_4K,
					    0x10001, &err));
	ASSERT_EQ(0, err);
	e = get(PG(1));
	ASSERT_EQ(1, e.vmsa);
	ASSERT_EQ(0, e.perms[1]);	/* mask 0: VMPL1 may not touch it */
	ASSERT_EQ(RMP_PERM_ALL, e.perms[0]);
	/* And back: the same operand without VMSA clears it. */
	ASSERT_EQ(RMPADJUST_SUCCESS, adjust(PG(1), GPA, 0, RMP_PG_4K, 0x1,
					    &err));
	ASSERT_EQ(0, get(PG(1)).vmsa);
}

/* RDX 0x302: target VMPL2 (bits 7:0), Read|Write (bits 15:8). */
UNIT_TEST(rmpadjust_rdx_vmpl_low_byte_perms_second_byte)
{
	u64 err = 1;
	struct rmp_entry e;

	ASSERT_EQ(0, adjust_setup());
	ASSERT_EQ(RMPADJUST_SUCCESS, adjust(PG(1), GPA, 0, RMP_PG_4K, 0x302,
					    &err));
	e = get(PG(1));
	ASSERT_EQ(RMP_PERM_READ | RMP_PERM_WRITE, e.perms[2]);
	ASSERT_EQ(0, e.perms[1]);
	ASSERT_EQ(0, e.perms[3]);
	ASSERT_EQ(0, e.vmsa);
	ASSERT_EQ(0x302, RMPADJUST_ATTRS(2, RMP_PERM_READ | RMP_PERM_WRITE));
	/* Bit 11 is Execute-supervisor; bits 12-15 are reserved. */
	ASSERT_EQ(RMPADJUST_SUCCESS, adjust(PG(1), GPA, 0, RMP_PG_4K, 0x801,
					    &err));
	ASSERT_EQ(RMP_PERM_XSUPER, get(PG(1)).perms[1]);
	ASSERT_EQ(RMPADJUST_FAIL_INPUT, adjust(PG(1), GPA, 0, RMP_PG_4K,
					       0x1001, &err));
	ASSERT_EQ(RMP_PERM_XSUPER, get(PG(1)).perms[1]);
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
	ASSERT_EQ(NPF_PRIV, err);
	ASSERT_EQ(-1, adjust(PG(2), GPA, 0, RMP_PG_4K,
			     PERMS(1, RMP_PERM_READ), &err));
	ASSERT_EQ(NPF_PRIV, err);
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
	ASSERT_EQ(NPF_PRIV | RMP_NPF_ERR_SIZEM, err);
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
	ASSERT_EQ(RMP_PF_ERR_PRESENT | RMP_PF_ERR_WRITE | RMP_PF_ERR_RMP,
		  a.error_code);
	/* "#PF: error_code(0x80000003) - RMP violation" in a host oops. */
	ASSERT_EQ(0x80000003ULL, a.error_code);
}

UNIT_TEST(access_host_write_to_firmware_page_pf)
{
	struct rmp_access a = host(PG(1), true);

	setup();
	ASSERT_EQ(0, update(PG(1), 0, 0, 1, RMP_PG_4K, 1));
	ASSERT_EQ(RMP_ACCESS_HOST_PF, rmp_model_access(m, &a));
	ASSERT_EQ(RMP_PF_ERR_PRESENT | RMP_PF_ERR_WRITE | RMP_PF_ERR_RMP,
		  a.error_code);
}

UNIT_TEST(access_host_write_inside_2m_page_pf)
{
	struct rmp_access a = host(R2M(1) + 100 * CCMEM_PAGE_SIZE, true);

	setup();
	ASSERT_EQ(0, assign_2m(R2M(1), GPA));
	ASSERT_EQ(RMP_ACCESS_HOST_PF, rmp_model_access(m, &a));
	ASSERT_EQ(RMP_PF_ERR_PRESENT | RMP_PF_ERR_WRITE | RMP_PF_ERR_RMP,
		  a.error_code);
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

/* A host write from CPL 3 (e.g. through a VMM mapping) adds bit 2. */
UNIT_TEST(access_host_user_write_pf_has_user_bit)
{
	struct rmp_access a = host(PG(1), true);

	setup();
	ASSERT_EQ(0, assign_4k(PG(1), GPA));
	a.user = true;
	ASSERT_EQ(RMP_ACCESS_HOST_PF, rmp_model_access(m, &a));
	ASSERT_EQ(RMP_PF_ERR_PRESENT | RMP_PF_ERR_WRITE | RMP_PF_ERR_USER |
		  RMP_PF_ERR_RMP, a.error_code);
	ASSERT_EQ(0x80000007ULL, a.error_code);
}

/*
 * Through a 2M host mapping the check covers the whole 2 MiB: writing the
 * hypervisor's own page at R2M(1) faults because page 300 is assigned.
 */
UNIT_TEST(access_host_write_2m_mapping_any_assigned_page_pf)
{
	struct rmp_access a = host(R2M(1), true);

	setup();
	ASSERT_EQ(0, assign_4k(R2M(1) + 300 * CCMEM_PAGE_SIZE, GPA));
	a.pagesize = RMP_PG_2M;
	ASSERT_EQ(RMP_ACCESS_HOST_PF, rmp_model_access(m, &a));
	ASSERT_EQ(RMP_PF_ERR_PRESENT | RMP_PF_ERR_WRITE | RMP_PF_ERR_RMP,
		  a.error_code);
	a.spa = R2M(1) + 511 * CCMEM_PAGE_SIZE + 0xff8;
	ASSERT_EQ(RMP_ACCESS_HOST_PF, rmp_model_access(m, &a));
	/* Reads are never refused, whatever the mapping. */
	a.write = false;
	ASSERT_EQ(RMP_ACCESS_OK, rmp_model_access(m, &a));
	ASSERT_EQ(0, a.error_code);
	/* The next 2 MiB holds no assigned page. */
	a.write = true;
	a.spa = R2M(2);
	ASSERT_EQ(RMP_ACCESS_OK, rmp_model_access(m, &a));
	/* The 1 MiB tail: only the part inside the model is looked at. */
	ASSERT_EQ(0, assign_4k(END - CCMEM_PAGE_SIZE, GPA));
	a.spa = R2M(4);
	ASSERT_EQ(RMP_ACCESS_HOST_PF, rmp_model_access(m, &a));
}

/* Through a 4K host mapping only the page written matters. */
UNIT_TEST(access_host_write_4k_mapping_only_own_page)
{
	struct rmp_access a = host(R2M(1), true);

	setup();
	ASSERT_EQ(0, assign_4k(R2M(1) + 300 * CCMEM_PAGE_SIZE, GPA));
	a.pagesize = RMP_PG_4K;
	ASSERT_EQ(RMP_ACCESS_OK, rmp_model_access(m, &a));
	ASSERT_EQ(0, a.error_code);
	a.spa = R2M(1) + 300 * CCMEM_PAGE_SIZE;
	ASSERT_EQ(RMP_ACCESS_HOST_PF, rmp_model_access(m, &a));
	ASSERT_EQ(0x80000003ULL, a.error_code);
}

UNIT_TEST(access_guest_private_to_unassigned_npf)
{
	struct rmp_access a = guest(PG(1), GPA, true, false);

	setup();
	ASSERT_EQ(RMP_ACCESS_GUEST_NPF, rmp_model_access(m, &a));
	ASSERT_EQ(NPF_PRIV, a.error_code);
	ASSERT_EQ(0x480000005ULL, a.error_code);
}

UNIT_TEST(access_guest_private_write_to_other_guest_npf)
{
	struct rmp_access a = guest(PG(1), GPA, true, true);

	setup();
	ASSERT_EQ(0, update(PG(1), GPA, OTHER_ASID, 1, RMP_PG_4K, 0));
	ASSERT_EQ(RMP_ACCESS_GUEST_NPF, rmp_model_access(m, &a));
	ASSERT_EQ(NPF_PRIV | RMP_PF_ERR_WRITE, a.error_code);
	ASSERT_EQ(0x480000007ULL, a.error_code);
}

UNIT_TEST(access_guest_shared_to_assigned_npf)
{
	struct rmp_access a = guest(PG(1), GPA, false, true);

	setup();
	ASSERT_EQ(0, assign_4k(PG(1), GPA));
	ASSERT_EQ(0, validate_4k(PG(1), GPA));
	ASSERT_EQ(RMP_ACCESS_GUEST_NPF, rmp_model_access(m, &a));
	ASSERT_EQ(NPF | RMP_PF_ERR_WRITE, a.error_code);
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

/*
 * A 2M nested mapping over 4K RMP entries: an RMP #NPF without SIZEM (that
 * bit is PVALIDATE's and RMPADJUST's); the host maps the page at 4K.
 */
UNIT_TEST(access_guest_2m_mapping_over_4k_entry_npf_no_sizem)
{
	struct rmp_access a = guest(R2M(1), GPA, true, false);

	setup();
	ASSERT_EQ(0, assign_4k(R2M(1), GPA));
	ASSERT_EQ(0, validate_4k(R2M(1), GPA));
	a.pagesize = RMP_PG_2M;
	ASSERT_EQ(RMP_ACCESS_GUEST_NPF, rmp_model_access(m, &a));
	ASSERT_EQ(NPF_PRIV, a.error_code);
	ASSERT_EQ(0, a.error_code & (1ULL << 35));
	/* PSMASH cannot help: the entry is 4K already. */
	ASSERT_EQ(PSMASH_FAIL_BADADDR, rmp_model_psmash(m, R2M(1)));
	a.pagesize = RMP_PG_4K;
	ASSERT_EQ(RMP_ACCESS_OK, rmp_model_access(m, &a));
}

/*
 * A 4K nested mapping over a 2M RMP entry: an RMP #NPF (31|34 and the #PF
 * bits) without SIZEM; the host PSMASHes, as KVM's sev_handle_rmp_fault()
 * does, and the retried access goes through.
 */
UNIT_TEST(access_guest_4k_mapping_over_2m_entry_npf_psmash_retry)
{
	struct rmp_access a = guest(R2M(1) + 9 * CCMEM_PAGE_SIZE,
				    GPA + 9 * CCMEM_PAGE_SIZE, true, true);
	bool nc;
	u64 err;

	setup();
	ASSERT_EQ(0, assign_2m(R2M(1), GPA));
	ASSERT_EQ(0, pvalidate(R2M(1), GPA, RMP_PG_2M, 1, &nc, &err));
	ASSERT_EQ(RMP_ACCESS_GUEST_NPF, rmp_model_access(m, &a));
	ASSERT_EQ(NPF_PRIV | RMP_PF_ERR_WRITE, a.error_code);
	ASSERT_EQ(0x480000007ULL, a.error_code);
	ASSERT_EQ(PSMASH_SUCCESS, rmp_model_psmash(m, R2M(1)));
	ASSERT_EQ(RMP_ACCESS_OK, rmp_model_access(m, &a));
	ASSERT_EQ(0, a.error_code);
}

/* Whatever the mapping and entry sizes, an access never sets bit 35. */
UNIT_TEST(access_guest_ordinary_access_never_sets_sizem)
{
	static const u64 spas[] = { R2M(1), R2M(1) + 7 * CCMEM_PAGE_SIZE,
				    R2M(2), R2M(3) };
	struct rmp_access a;
	bool nc;
	u64 err;
	int i, bits;

	setup();
	ASSERT_EQ(0, assign_2m(R2M(1), GPA));
	ASSERT_EQ(0, pvalidate(R2M(1), GPA, RMP_PG_2M, 1, &nc, &err));
	ASSERT_EQ(0, assign_4k(R2M(2), GPA + CCMEM_2M_SIZE));
	ASSERT_EQ(0, validate_4k(R2M(2), GPA + CCMEM_2M_SIZE));
	for (i = 0; i < (int)ARRAY_SIZE(spas); i++) {
		for (bits = 0; bits < 16; bits++) {
			a = guest(spas[i], GPA + (spas[i] - R2M(1)),
				  bits & 1, bits & 2);
			a.pagesize = bits & 4 ? RMP_PG_2M : RMP_PG_4K;
			a.vmpl = bits & 8 ? 1 : 0;
			rmp_model_access(m, &a);
			if (a.error_code & RMP_NPF_ERR_SIZEM)
				UNIT_FAIL("spa 0x%llx case %d: SIZEM set in 0x%llx",
					  (unsigned long long)spas[i], bits,
					  (unsigned long long)a.error_code);
		}
	}
}

/* C-bit clear accesses to hypervisor pages ignore the mapping size. */
UNIT_TEST(access_guest_shared_to_hypervisor_page_any_mapping_ok)
{
	struct rmp_access a = guest(R2M(1) + 3 * CCMEM_PAGE_SIZE,
				    GPA + 3 * CCMEM_PAGE_SIZE, false, true);

	setup();
	ASSERT_EQ(0, assign_4k(R2M(1) + 300 * CCMEM_PAGE_SIZE, GPA));
	a.pagesize = RMP_PG_2M;
	ASSERT_EQ(RMP_ACCESS_OK, rmp_model_access(m, &a));
	a.pagesize = RMP_PG_4K;
	ASSERT_EQ(RMP_ACCESS_OK, rmp_model_access(m, &a));
	ASSERT_EQ(0, a.error_code);
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
	ASSERT_EQ(NPF_PRIV | RMP_NPF_ERR_VMPL | RMP_PF_ERR_WRITE,
		  a.error_code);
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
	ASSERT_EQ(NPF_PRIV | RMP_NPF_ERR_VMPL | RMP_PF_ERR_FETCH,
		  a.error_code);
	a.exec = false;
	ASSERT_EQ(RMP_ACCESS_OK, rmp_model_access(m, &a));
}

/* A fetch from guest CPL 3 needs Execute-user; bit 2 is set either way. */
UNIT_TEST(access_guest_vmpl_user_exec_needs_xuser)
{
	struct rmp_access a = guest(PG(1), GPA, true, false);
	u64 err;

	ASSERT_EQ(0, adjust_setup());
	ASSERT_EQ(0, adjust(PG(1), GPA, 0, RMP_PG_4K,
			    PERMS(1, RMP_PERM_READ | RMP_PERM_XSUPER), &err));
	a.vmpl = 1;
	a.exec = true;
	a.user = true;
	ASSERT_EQ(RMP_ACCESS_GUEST_NPF, rmp_model_access(m, &a));
	ASSERT_EQ(NPF_PRIV | RMP_NPF_ERR_VMPL | RMP_PF_ERR_FETCH,
		  a.error_code);
	a.user = false;
	ASSERT_EQ(RMP_ACCESS_OK, rmp_model_access(m, &a));
}

/* A 2M nested mapping over the guest's own validated 2M page. */
UNIT_TEST(access_guest_private_to_own_validated_page_ok)
{
	struct rmp_access a = guest(R2M(1) + 9 * CCMEM_PAGE_SIZE + 0x123,
				    GPA + 9 * CCMEM_PAGE_SIZE, true, true);
	bool nc;
	u64 err;

	setup();
	ASSERT_EQ(0, assign_2m(R2M(1), GPA));
	ASSERT_EQ(0, pvalidate(R2M(1), GPA, RMP_PG_2M, 1, &nc, &err));
	a.pagesize = RMP_PG_2M;
	ASSERT_EQ(RMP_ACCESS_OK, rmp_model_access(m, &a));
	ASSERT_EQ(0, a.error_code);
}

int main(void)
{
	return unit_main();
}
