// SPDX-License-Identifier: GPL-2.0
/*
 * ccmem_snp_emu - the SNP emu platform seen through a VM: PVALIDATE and
 * RMPADJUST codes, the RMP state after host operations, and the host
 * replay cases of invariants 1 and 2.
 */
#include <errno.h>

#include "kselftest_harness.h"
#include "ccmem_test.h"
#include "rmp_model.h"

#define NPF_VMPL	(1ULL << 36)

FIXTURE(snp) {
	struct tvm t;
	int fd;
};

FIXTURE_SETUP(snp)
{
	ASSERT_ERRNO(0, tvm_setup_std(&self->t));
	self->fd = self->t.fd;
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA, 4 * SZ_2M, true));
}

FIXTURE_TEARDOWN(snp)
{
	tvm_destroy(&self->t);
}

/* PVALIDATE's "no change": rFLAGS.CF. */
static bool no_change(const struct ccmem_emu_insn *in)
{
	return in->rflags_out & CCMEM_EMU_RFLAGS_CF;
}

TEST_F(snp, pvalidate_then_double_validate_is_no_change)
{
	struct ccmem_emu_insn in;

	ASSERT_ERRNO(0, ccmem_vm_populate(self->fd, TGPA, SZ_4K, 0, NULL));
	ASSERT_ERRNO(0, ccmem_emu_pvalidate(self->fd, TGPA, false, true, &in));
	EXPECT_RESULT(CCMEM_EMU_R_DONE, in.result);
	EXPECT_EQ(PVALIDATE_SUCCESS, in.rax_out);
	EXPECT_FALSE(no_change(&in));
	ASSERT_ERRNO(0, ccmem_emu_pvalidate(self->fd, TGPA, false, true, &in));
	EXPECT_EQ(PVALIDATE_SUCCESS, in.rax_out);
	EXPECT_TRUE(no_change(&in));
}

TEST_F(snp, rescind_of_unvalidated_is_no_change)
{
	struct ccmem_emu_insn in;

	ASSERT_ERRNO(0, ccmem_vm_populate(self->fd, TGPA, SZ_4K, 0, NULL));
	ASSERT_ERRNO(0, ccmem_emu_pvalidate(self->fd, TGPA, false, false, &in));
	EXPECT_EQ(PVALIDATE_SUCCESS, in.rax_out);
	EXPECT_TRUE(no_change(&in));
}

TEST_F(snp, pvalidate_2m_over_4k_entries_sizemismatch)
{
	struct ccmem_emu_insn in;

	ASSERT_ERRNO(0, ccmem_vm_populate(self->fd, TGPA, 8 * SZ_4K, 0, NULL));
	ASSERT_ERRNO(0, ccmem_emu_pvalidate(self->fd, TGPA, true, true, &in));
	EXPECT_EQ(PVALIDATE_FAIL_SIZEMISMATCH, in.rax_out);
	/* The guest falls back to 4 KiB. */
	EXPECT_ERRNO(0, ccmem_emu_pvalidate_range(self->fd, TGPA, 8 * SZ_4K,
						  true, false, NULL));
}

TEST_F(snp, pvalidate_2m_on_2m_entry)
{
	struct ccmem_emu_insn in;
	struct ccmem_emu_lookup l;

	ASSERT_ERRNO(0, ccmem_emu_pvalidate(self->fd, TGPA + SZ_2M, true, true,
					    &in));
	EXPECT_RESULT(CCMEM_EMU_R_DONE, in.result);
	EXPECT_EQ(PVALIDATE_SUCCESS, in.rax_out);
	ASSERT_ERRNO(0, ccmem_emu_lookup(self->fd, TGPA + SZ_2M + 77 * SZ_4K, &l));
	EXPECT_EQ(CCMEM_EMU_S_ASSIGNED | CCMEM_EMU_S_ACCEPTED | CCMEM_EMU_S_2M,
		  l.state);
}

TEST_F(snp, pvalidate_4k_on_2m_entry_host_splits)
{
	struct ccmem_emu_insn in;
	struct ccmem_emu_lookup l;

	ASSERT_ERRNO(0, ccmem_vm_populate(self->fd, TGPA, SZ_2M, 0, NULL));
	ASSERT_ERRNO(0, ccmem_emu_pvalidate(self->fd, TGPA + 5 * SZ_4K, false,
					    true, &in));
	EXPECT_RESULT(CCMEM_EMU_R_DONE, in.result);
	EXPECT_EQ(PVALIDATE_SUCCESS, in.rax_out);
	EXPECT_EQ(1, STAT(self->fd, "vm.splits"));
	/* Handled by the host. */
	EXPECT_EQ(0, STAT(self->fd, "vm.faults_queued"));
	ASSERT_ERRNO(0, ccmem_emu_lookup(self->fd, TGPA + 5 * SZ_4K, &l));
	EXPECT_EQ(CCMEM_EMU_S_ASSIGNED | CCMEM_EMU_S_ACCEPTED, l.state);
	ASSERT_ERRNO(0, ccmem_emu_lookup(self->fd, TGPA + 6 * SZ_4K, &l));
	EXPECT_EQ(CCMEM_EMU_S_ASSIGNED, l.state);
}

/* A 4 KiB guest mapping of a page under a 2 MiB entry: the host splits. */
TEST_F(snp, access_4k_under_2m_entry_host_splits)
{
	struct ccmem_emu_access acc;
	struct ccmem_emu_lookup l;
	uint8_t b;

	ASSERT_ERRNO(0, ccmem_vm_populate(self->fd, TGPA, SZ_2M, 0, NULL));
	ASSERT_ERRNO(0, ccmem_emu_pvalidate_range(self->fd, TGPA, SZ_2M, true,
						  true, NULL));
	/* Through a 2 MiB mapping: the entry stays whole. */
	ASSERT_ERRNO(0, ccmem_emu_read(self->fd, TGPA + 9 * SZ_4K, &b, 1,
				       CCMEM_ACCESS_F_2M, &acc));
	EXPECT_RESULT(CCMEM_EMU_R_DONE, acc.result);
	EXPECT_EQ(0, STAT(self->fd, "vm.splits"));
	/* Through a 4 KiB one: split transparently, still validated. */
	ASSERT_ERRNO(0, ccmem_emu_read(self->fd, TGPA + 9 * SZ_4K, &b, 1,
				       ACC_PRIVATE, &acc));
	EXPECT_RESULT(CCMEM_EMU_R_DONE, acc.result);
	EXPECT_EQ(1, STAT(self->fd, "vm.splits"));
	EXPECT_EQ(0, STAT(self->fd, "vm.faults_queued"));
	ASSERT_ERRNO(0, ccmem_emu_lookup(self->fd, TGPA + 9 * SZ_4K, &l));
	EXPECT_EQ(CCMEM_EMU_S_ASSIGNED | CCMEM_EMU_S_ACCEPTED, l.state);
}

TEST_F(snp, pvalidate_at_vmpl1_leaves_validated_bit)
{
	struct ccmem_emu_insn in = {
		.insn = CCMEM_INSN_PVALIDATE, .level = 1, .gpa = TGPA, .rdx = 1,
	};
	struct ccmem_emu_lookup l;

	ASSERT_ERRNO(0, ccmem_vm_populate(self->fd, TGPA, SZ_4K, 0, NULL));
	/* Whatever it answers, it does not validate the page. */
	ASSERT_ERRNO(0, ccmem_emu_insn(self->fd, &in));
	ASSERT_ERRNO(0, ccmem_emu_lookup(self->fd, TGPA, &l));
	EXPECT_EQ(CCMEM_EMU_S_ASSIGNED, l.state);
}

TEST_F(snp, pvalidate_misaligned_2m_fail_input)
{
	struct ccmem_emu_insn in;

	ASSERT_ERRNO(0, ccmem_emu_pvalidate(self->fd, TGPA + SZ_4K, true, true,
					    &in));
	EXPECT_RESULT(CCMEM_EMU_R_DONE, in.result);
	EXPECT_EQ(PVALIDATE_FAIL_INPUT, in.rax_out);
}

TEST_F(snp, pvalidate_shared_gfn_exits_to_vmm)
{
	struct ccmem_emu_insn in;
	struct ccmem_fault f;

	ASSERT_ERRNO(0, ccmem_emu_pvalidate(self->fd, TGPA + 5 * SZ_2M, false,
					    true, &in));
	ASSERT_RESULT(CCMEM_EMU_R_FAULT, in.result);
	ASSERT_ERRNO(1, ccmem_vm_read_faults(self->fd, &f, 1, NULL));
	EXPECT_EQ(in.fault_seq, f.seq);
	EXPECT_REASON(CCMEM_FAULT_ATTRIBUTE, f.reason);
	EXPECT_EQ(CCMEM_FAULT_F_PRIVATE, f.flags);
}

/* Invariant 2: a host reassignment always comes back unvalidated. */
TEST_F(snp, host_reassign_clears_validated)
{
	struct ccmem_emu_access acc;
	struct ccmem_emu_insn in;
	struct ccmem_emu_lookup l;
	uint8_t b;

	ASSERT_ERRNO(0, ccmem_emu_pvalidate_range(self->fd, TGPA, SZ_4K, true,
						  false, NULL));
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA, SZ_4K, false));
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA, SZ_4K, true));
	ASSERT_ERRNO(0, ccmem_emu_read(self->fd, TGPA, &b, 1, ACC_PRIVATE, &acc));
	EXPECT_RESULT(CCMEM_EMU_R_EXCEPTION, acc.result);
	EXPECT_EQ(CCMEM_EMU_VECTOR_VC, acc.vector);
	EXPECT_EQ(0x404, acc.error_code);
	ASSERT_ERRNO(0, ccmem_emu_lookup(self->fd, TGPA, &l));
	EXPECT_EQ(CCMEM_EMU_S_ASSIGNED, l.state);
	/*
	 * Validating again is a real change (CF = 0), which the guest's own
	 * bitmap must judge: the platform never says "no change".
	 */
	ASSERT_ERRNO(0, ccmem_emu_pvalidate(self->fd, TGPA, false, true, &in));
	EXPECT_EQ(PVALIDATE_SUCCESS, in.rax_out);
	EXPECT_FALSE(no_change(&in));
}

TEST_F(snp, rmpadjust_grants_lower_vmpl)
{
	uint8_t b = 1;
	struct ccmem_emu_access rd = {
		.gpa = TGPA, .buf = (uintptr_t)&b, .len = 1, .level = 1,
	};
	struct ccmem_emu_insn in;
	struct ccmem_fault f;

	ASSERT_ERRNO(0, ccmem_emu_pvalidate_range(self->fd, TGPA, SZ_4K, true,
						  false, NULL));
	/* VMPL1 has no permission yet: a nested fault with the VMPL bit. */
	ASSERT_ERRNO(0, ccmem_emu_access(self->fd, &rd));
	ASSERT_RESULT(CCMEM_EMU_R_FAULT, rd.result);
	ASSERT_ERRNO(0, ccmem_emu_rmpadjust(self->fd, TGPA, false, 0,
					    RMPADJUST_ATTRS(1, RMP_PERM_READ),
					    &in));
	EXPECT_EQ(RMPADJUST_SUCCESS, in.rax_out);
	memset(&rd.result, 0, sizeof(rd) - offsetof(struct ccmem_emu_access,
						    result));
	ASSERT_ERRNO(0, ccmem_emu_access(self->fd, &rd));
	EXPECT_RESULT(CCMEM_EMU_R_DONE, rd.result);

	ASSERT_ERRNO(1, ccmem_vm_read_faults(self->fd, &f, 1, NULL));
	EXPECT_TRUE(f.error_code & NPF_VMPL);
}

TEST_F(snp, rmpadjust_permission_rules)
{
	struct ccmem_emu_lookup l;
	struct ccmem_emu_insn in;
	int fd = self->fd;

	ASSERT_ERRNO(0, ccmem_emu_pvalidate_range(fd, TGPA, SZ_4K, true, false,
						  NULL));
	/* Only a less privileged VMPL may be targeted. */
	ASSERT_ERRNO(0, ccmem_emu_rmpadjust(fd, TGPA, false, 1,
					    RMPADJUST_ATTRS(1, 1), &in));
	EXPECT_EQ(RMPADJUST_FAIL_PERMISSION, in.rax_out);
	ASSERT_ERRNO(0, ccmem_emu_rmpadjust(fd, TGPA, false, 0,
					    RMPADJUST_ATTRS(0, 1), &in));
	EXPECT_EQ(RMPADJUST_FAIL_PERMISSION, in.rax_out);
	/*
	 * Only VMPL0 may say that a page is a VMSA: from another VMPL the
	 * bit is ignored, not refused (SPEC-NOTES: RMPADJUST).
	 */
	ASSERT_ERRNO(0, ccmem_emu_rmpadjust(fd, TGPA, false, 0,
					    RMPADJUST_ATTRS(1, RMP_PERM_ALL),
					    &in));
	EXPECT_EQ(RMPADJUST_SUCCESS, in.rax_out);
	ASSERT_ERRNO(0, ccmem_emu_rmpadjust(fd, TGPA, false, 1,
					    RMPADJUST_ATTRS(2, 1) |
					    RMPADJUST_VMSA, &in));
	EXPECT_EQ(RMPADJUST_SUCCESS, in.rax_out);
	ASSERT_ERRNO(0, ccmem_emu_lookup(fd, TGPA, &l));
	EXPECT_EQ(0, l.state & CCMEM_EMU_S_VMSA);
	ASSERT_ERRNO(0, ccmem_emu_rmpadjust(fd, TGPA, false, 0,
					    RMPADJUST_ATTRS(1, 1) |
					    RMPADJUST_VMSA, &in));
	EXPECT_EQ(RMPADJUST_SUCCESS, in.rax_out);
	ASSERT_ERRNO(0, ccmem_emu_lookup(fd, TGPA, &l));
	EXPECT_TRUE(l.state & CCMEM_EMU_S_VMSA);
	/* VMPL > 3 is bad input. */
	ASSERT_ERRNO(0, ccmem_emu_rmpadjust(fd, TGPA, false, 0,
					    RMPADJUST_ATTRS(4, 1), &in));
	EXPECT_EQ(RMPADJUST_FAIL_INPUT, in.rax_out);
}

TEST_F(snp, rmpadjust_needs_validated_page)
{
	struct ccmem_emu_insn in;

	ASSERT_ERRNO(0, ccmem_vm_populate(self->fd, TGPA, SZ_4K, 0, NULL));
	ASSERT_ERRNO(0, ccmem_emu_rmpadjust(self->fd, TGPA, false, 0,
					    RMPADJUST_ATTRS(1, 1), &in));
	EXPECT_EQ(RMPADJUST_FAIL_INPUT, in.rax_out);
}

TEST_F(snp, lookup_reports_owner)
{
	struct ccmem_emu_lookup l;

	ASSERT_ERRNO(0, ccmem_emu_lookup(self->fd, TGPA + 5 * SZ_2M, &l));
	EXPECT_EQ(0, l.state);	/* shared: hypervisor-owned */
	ASSERT_ERRNO(0, ccmem_vm_populate(self->fd, TGPA + 9 * SZ_4K, SZ_4K, 0,
					  NULL));
	ASSERT_ERRNO(0, ccmem_emu_lookup(self->fd, TGPA + 9 * SZ_4K, &l));
	EXPECT_EQ(CCMEM_EMU_S_ASSIGNED, l.state);
	EXPECT_EQ(self->t.key_id, l.key_id);
	/* No region: a bad address. */
	EXPECT_ERRNO(-EINVAL, ccmem_emu_lookup(self->fd, 0x1000, &l));
}

TEST_F(snp, guest_op_bad_arguments)
{
	struct ccmem_emu_insn in = { .insn = 99, .gpa = TGPA };
	struct ccmem_emu_lookup l = { .gpa = TGPA, .flags = 1 };
	struct ccmem_emu_access acc = { .gpa = TGPA, .len = 1 };
	uint8_t buf[2];
	int fd = self->fd;

	acc.buf = (uintptr_t)buf;
	EXPECT_ERRNO(-EINVAL, ccmem_emu_insn(fd, &in));
	in.insn = CCMEM_INSN_PVALIDATE;
	in.level = 4;
	EXPECT_ERRNO(-EINVAL, ccmem_emu_insn(fd, &in));
	in.level = 0;
	in.flags = 0x80;
	EXPECT_ERRNO(-EINVAL, ccmem_emu_insn(fd, &in));
	in.flags = 0;
	in.reserved[1] = 1;
	EXPECT_ERRNO(-EINVAL, ccmem_emu_insn(fd, &in));
	in.reserved[1] = 0;
	in.rdx = 2;
	EXPECT_ERRNO(-EINVAL, ccmem_emu_insn(fd, &in));
	/* A bad page size is the instruction's own FAIL_INPUT. */
	in.rdx = 1;
	in.rcx = 2;
	EXPECT_ERRNO(0, ccmem_emu_insn(fd, &in));
	EXPECT_RESULT(CCMEM_EMU_R_DONE, in.result);
	EXPECT_EQ(PVALIDATE_FAIL_INPUT, in.rax_out);
	/* An instruction of another platform. */
	memset(&in.result, 0, sizeof(in) - offsetof(struct ccmem_emu_insn,
						    result));
	in.rcx = 0;
	in.insn = CCMEM_INSN_TDG_ACCEPT;
	EXPECT_ERRNO(-EINVAL, ccmem_emu_insn(fd, &in));
	/* Accesses may not cross a page or exceed one. */
	EXPECT_ERRNO(-EINVAL, ccmem_emu_read(fd, TGPA + SZ_4K - 1, buf, 2,
					     ACC_PRIVATE, NULL));
	EXPECT_ERRNO(-EINVAL, ccmem_emu_read(fd, TGPA, buf, 0, ACC_PRIVATE,
					     NULL));
	acc.flags = 1U << 15;
	EXPECT_ERRNO(-EINVAL, ccmem_emu_access(fd, &acc));
	EXPECT_ERRNO(-EINVAL, ccmem_ioctl(fd, CCMEM_EMU_LOOKUP, &l));
	EXPECT_ERRNO(-EINVAL, ccmem_emu_inject(fd, 10, 1, 1));
	EXPECT_ERRNO(-EINVAL, ccmem_emu_inject(fd, 0, 1, 1));
	/* Controls the SNP model has no state for. */
	EXPECT_ERRNO(-EOPNOTSUPP, ccmem_emu_inject_at(fd, CCMEM_INJECT_BUSY,
						      0, 1, TGPA));
	EXPECT_ERRNO(-EOPNOTSUPP, ccmem_emu_inject(fd,
						   CCMEM_INJECT_ACCEPT_CHUNK,
						   1, 1));
	/* A page only for the controls that name one. */
	EXPECT_ERRNO(-EINVAL, ccmem_emu_inject_at(fd, CCMEM_INJECT_ASSIGN, 3,
						  1, TGPA));
}

TEST_HARNESS_MAIN
