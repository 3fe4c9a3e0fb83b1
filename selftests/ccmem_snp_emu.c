// SPDX-License-Identifier: GPL-2.0
/*
 * ccmem_snp_emu - the SNP emu platform seen through a VM: PVALIDATE and
 * RMPADJUST codes, the RMP state after host operations, and the host
 * replay cases of invariants 1 and 2.
 */
#include <errno.h>

#include "kselftest_harness.h"
#include "ccmem_test.h"

#define PVALIDATE_FAIL_INPUT		1
#define PVALIDATE_FAIL_SIZEMISMATCH	6
#define RMPADJUST_FAIL_INPUT		1
#define RMPADJUST_FAIL_PERMISSION	2
#define ATTRS(vmpl, perms)		(((uint64_t)(vmpl) << 8) | (perms))
#define ATTR_VMSA			(1ULL << 16)
#define NPF_VMPL			(1ULL << 36)

FIXTURE(snp) {
	struct tvm t;
};

FIXTURE_SETUP(snp)
{
	ASSERT_EQ(0, tvm_setup_std(&self->t));
	ASSERT_EQ(0, tvm_set_attr(&self->t, TGPA, 4 * SZ_2M, true));
}

FIXTURE_TEARDOWN(snp)
{
	tvm_destroy(&self->t);
}

TEST_F(snp, pvalidate_then_double_validate_is_no_change)
{
	struct ccmem_emu_op op;

	ASSERT_EQ(0, tvm_populate(&self->t, TGPA, SZ_4K, 0, NULL));
	ASSERT_EQ(0, tvm_pvalidate(&self->t, TGPA, false, true, &op));
	EXPECT_EQ(CCMEM_EMU_R_DONE, op.result);
	EXPECT_EQ(0, op.ret);
	EXPECT_EQ(0, op.out_flags);
	ASSERT_EQ(0, tvm_pvalidate(&self->t, TGPA, false, true, &op));
	EXPECT_EQ(0, op.ret);
	EXPECT_EQ(CCMEM_EMU_O_NOCHANGE, op.out_flags);	/* CF = 1 */
}

TEST_F(snp, rescind_of_unvalidated_is_no_change)
{
	struct ccmem_emu_op op;

	ASSERT_EQ(0, tvm_populate(&self->t, TGPA, SZ_4K, 0, NULL));
	ASSERT_EQ(0, tvm_pvalidate(&self->t, TGPA, false, false, &op));
	EXPECT_EQ(0, op.ret);
	EXPECT_EQ(CCMEM_EMU_O_NOCHANGE, op.out_flags);
}

TEST_F(snp, pvalidate_2m_over_4k_entries_sizemismatch)
{
	struct ccmem_emu_op op;

	ASSERT_EQ(0, tvm_populate(&self->t, TGPA, 8 * SZ_4K, 0, NULL));
	ASSERT_EQ(0, tvm_pvalidate(&self->t, TGPA, true, true, &op));
	EXPECT_EQ(PVALIDATE_FAIL_SIZEMISMATCH, op.ret);
	/* The guest falls back to 4 KiB. */
	EXPECT_EQ(0, tvm_validate_range(&self->t, TGPA, 8 * SZ_4K));
}

TEST_F(snp, pvalidate_2m_on_2m_entry)
{
	struct ccmem_emu_op op;

	ASSERT_EQ(0, tvm_pvalidate(&self->t, TGPA + SZ_2M, true, true, &op));
	EXPECT_EQ(CCMEM_EMU_R_DONE, op.result);
	EXPECT_EQ(0, op.ret);
	ASSERT_EQ(0, tvm_lookup(&self->t, TGPA + SZ_2M + 77 * SZ_4K, &op));
	EXPECT_EQ(CCMEM_EMU_O_ASSIGNED | CCMEM_EMU_O_VALIDATED |
		  CCMEM_EMU_O_2M, op.out_flags);
}

TEST_F(snp, pvalidate_4k_on_2m_entry_host_splits)
{
	struct ccmem_vm_stats s;
	struct ccmem_emu_op op;

	ASSERT_EQ(0, tvm_populate(&self->t, TGPA, SZ_2M, 0, NULL));
	ASSERT_EQ(0, tvm_pvalidate(&self->t, TGPA + 5 * SZ_4K, false, true,
				   &op));
	EXPECT_EQ(CCMEM_EMU_R_DONE, op.result);
	EXPECT_EQ(0, op.ret);
	ASSERT_EQ(0, tvm_stats(&self->t, &s));
	EXPECT_EQ(1, s.splits);
	EXPECT_EQ(0, s.faults_queued);	/* handled by the host */
	ASSERT_EQ(0, tvm_lookup(&self->t, TGPA + 5 * SZ_4K, &op));
	EXPECT_EQ(CCMEM_EMU_O_ASSIGNED | CCMEM_EMU_O_VALIDATED, op.out_flags);
	ASSERT_EQ(0, tvm_lookup(&self->t, TGPA + 6 * SZ_4K, &op));
	EXPECT_EQ(CCMEM_EMU_O_ASSIGNED, op.out_flags);
}

TEST_F(snp, pvalidate_misaligned_2m_fail_input)
{
	struct ccmem_emu_op op;

	ASSERT_EQ(0, tvm_pvalidate(&self->t, TGPA + SZ_4K, true, true, &op));
	EXPECT_EQ(CCMEM_EMU_R_DONE, op.result);
	EXPECT_EQ(PVALIDATE_FAIL_INPUT, op.ret);
}

TEST_F(snp, pvalidate_shared_gfn_exits_to_vmm)
{
	struct ccmem_emu_op op;
	struct ccmem_fault f;
	uint32_t count;

	ASSERT_EQ(0, tvm_pvalidate(&self->t, TGPA + 5 * SZ_2M, false, true,
				   &op));
	ASSERT_EQ(CCMEM_EMU_R_FAULT, op.result);
	ASSERT_EQ(0, tvm_read_faults(&self->t, &f, 1, &count, NULL));
	ASSERT_EQ(1, count);
	EXPECT_EQ(CCMEM_FAULT_MEMORY_ATTR, f.reason);
	EXPECT_EQ(CCMEM_FAULT_F_PRIVATE, f.flags);
}

/* Invariant 2: a host reassignment always comes back unvalidated. */
TEST_F(snp, host_reassign_clears_validated)
{
	struct ccmem_emu_op op;
	uint8_t b;

	ASSERT_EQ(0, tvm_validate_range(&self->t, TGPA, SZ_4K));
	ASSERT_EQ(0, tvm_set_attr(&self->t, TGPA, SZ_4K, false));
	ASSERT_EQ(0, tvm_set_attr(&self->t, TGPA, SZ_4K, true));
	ASSERT_EQ(0, tvm_read(&self->t, TGPA, &b, 1, false, &op));
	EXPECT_EQ(CCMEM_EMU_R_VC, op.result);
	EXPECT_EQ(0x404, op.ret);
	ASSERT_EQ(0, tvm_lookup(&self->t, TGPA, &op));
	EXPECT_EQ(CCMEM_EMU_O_ASSIGNED, op.out_flags);
	/*
	 * Validating again is a real change (CF = 0), which the guest's own
	 * bitmap must judge: the platform never says "no change".
	 */
	ASSERT_EQ(0, tvm_pvalidate(&self->t, TGPA, false, true, &op));
	EXPECT_EQ(0, op.ret);
	EXPECT_EQ(0, op.out_flags);
}

TEST_F(snp, rmpadjust_grants_lower_vmpl)
{
	struct ccmem_emu_op op;
	uint8_t b = 1;

	ASSERT_EQ(0, tvm_validate_range(&self->t, TGPA, SZ_4K));
	/* VMPL1 has no permission yet: a nested fault with the VMPL bit. */
	{
		struct ccmem_emu_op rd = {
			.op = CCMEM_EMU_READ, .gpa = TGPA,
			.buf = (uintptr_t)&b, .len = 1, .vmpl = 1,
		};

		ASSERT_EQ(0, tvm_op(&self->t, &rd));
		ASSERT_EQ(CCMEM_EMU_R_FAULT, rd.result);
		ASSERT_EQ(0, tvm_rmpadjust(&self->t, TGPA, false, 0,
					   ATTRS(1, 1), &op));
		EXPECT_EQ(0, op.ret);
		memset(&rd.result, 0, sizeof(rd) - offsetof(struct ccmem_emu_op,
							    result));
		ASSERT_EQ(0, tvm_op(&self->t, &rd));
		EXPECT_EQ(CCMEM_EMU_R_DONE, rd.result);
	}
	{
		struct ccmem_fault f;
		uint32_t count;

		ASSERT_EQ(0, tvm_read_faults(&self->t, &f, 1, &count, NULL));
		ASSERT_EQ(1, count);
		EXPECT_TRUE(f.error_code & NPF_VMPL);
	}
}

TEST_F(snp, rmpadjust_permission_rules)
{
	struct ccmem_emu_op op;

	ASSERT_EQ(0, tvm_validate_range(&self->t, TGPA, SZ_4K));
	/* Only a less privileged VMPL may be targeted. */
	ASSERT_EQ(0, tvm_rmpadjust(&self->t, TGPA, false, 1, ATTRS(1, 1), &op));
	EXPECT_EQ(RMPADJUST_FAIL_PERMISSION, op.ret);
	ASSERT_EQ(0, tvm_rmpadjust(&self->t, TGPA, false, 0, ATTRS(0, 1), &op));
	EXPECT_EQ(RMPADJUST_FAIL_PERMISSION, op.ret);
	/* Only VMPL0 may set the VMSA bit. */
	ASSERT_EQ(0, tvm_rmpadjust(&self->t, TGPA, false, 0, ATTRS(1, 0xf),
				   &op));
	EXPECT_EQ(0, op.ret);
	ASSERT_EQ(0, tvm_rmpadjust(&self->t, TGPA, false, 1,
				   ATTRS(2, 1) | ATTR_VMSA, &op));
	EXPECT_EQ(RMPADJUST_FAIL_PERMISSION, op.ret);
	ASSERT_EQ(0, tvm_rmpadjust(&self->t, TGPA, false, 0,
				   ATTRS(1, 1) | ATTR_VMSA, &op));
	EXPECT_EQ(0, op.ret);
	/* Unknown attribute bits and VMPL > 3 are bad input. */
	ASSERT_EQ(0, tvm_rmpadjust(&self->t, TGPA, false, 0, ATTRS(4, 1), &op));
	EXPECT_EQ(RMPADJUST_FAIL_INPUT, op.ret);
}

TEST_F(snp, rmpadjust_needs_validated_page)
{
	struct ccmem_emu_op op;

	ASSERT_EQ(0, tvm_populate(&self->t, TGPA, SZ_4K, 0, NULL));
	ASSERT_EQ(0, tvm_rmpadjust(&self->t, TGPA, false, 0, ATTRS(1, 1), &op));
	EXPECT_EQ(RMPADJUST_FAIL_INPUT, op.ret);
}

TEST_F(snp, lookup_reports_owner)
{
	struct ccmem_emu_op op;

	ASSERT_EQ(0, tvm_lookup(&self->t, TGPA + 5 * SZ_2M, &op));
	EXPECT_EQ(0, op.out_flags);	/* shared: hypervisor-owned */
	ASSERT_EQ(0, tvm_populate(&self->t, TGPA + 9 * SZ_4K, SZ_4K, 0, NULL));
	ASSERT_EQ(0, tvm_lookup(&self->t, TGPA + 9 * SZ_4K, &op));
	EXPECT_EQ(CCMEM_EMU_O_ASSIGNED, op.out_flags);
	EXPECT_EQ(self->t.asid, op.asid);
	EXPECT_EQ(-ENOENT, tvm_lookup(&self->t, 0x1000, &op));
}

TEST_F(snp, guest_op_bad_arguments)
{
	struct ccmem_emu_op op = { .op = 99, .gpa = TGPA };
	uint8_t buf[2];

	EXPECT_EQ(-EINVAL, tvm_op(&self->t, &op));
	op.op = CCMEM_EMU_PVALIDATE;
	op.vmpl = 4;
	EXPECT_EQ(-EINVAL, tvm_op(&self->t, &op));
	op.vmpl = 0;
	op.flags = 0x80;
	EXPECT_EQ(-EINVAL, tvm_op(&self->t, &op));
	op.flags = 0;
	op.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, tvm_op(&self->t, &op));
	op.reserved[1] = 0;
	op.arg = 2;
	EXPECT_EQ(-EINVAL, tvm_op(&self->t, &op));
	/* Accesses may not cross a page or exceed one. */
	EXPECT_EQ(-EINVAL, tvm_read(&self->t, TGPA + SZ_4K - 1, buf, 2, false,
				    NULL));
	EXPECT_EQ(-EINVAL, tvm_read(&self->t, TGPA, buf, 0, false, NULL));
	EXPECT_EQ(-EINVAL, tvm_inject(&self->t, 9, 1, 1));
}

TEST_HARNESS_MAIN
