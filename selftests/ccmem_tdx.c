// SPDX-License-Identifier: GPL-2.0
/*
 * ccmem_tdx - TDX VMs on the Secure-EPT model, both ends.
 *
 * The host end through the VMM's ioctls: creation (attributes, GPA
 * width), TDG.MEM.PAGE.ACCEPT as a VMM that plays the CPU forwards it,
 * with the host's AUG at the guest's level, DEMOTE, re-promotion, BLOCK /
 * TRACK / REMOVE on conversion, the launch (PAGE.ADD, finalize), the
 * model's controls (busy entries, blocked leaves, interrupted 2 MiB
 * accepts, SEAMCALL failures), #VE against SEPT_VE_DISABLE.
 *
 * The guest end on emulated vCPUs: the 2M->4K ACCEPT ladder, lazy accept
 * from #VE and from the host's exit-and-AUG path, the MapGPA client
 * against an honest host and a lying one, the re-accept attack, raw
 * TDG.VP.VMCALLs against the host's MapGPA decoder.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "ccmem_test.h"
#include "tdx_abi.h"
#include "sept_model.h"

#define MEM		(8ULL << 20)
#define GMEM		(32ULL << 20)

#define GSTAT(name)	STAT(self->g.vm, name)
#define TSTAT(name)	STAT(self->fd, name)

/* The class of a TDCALL status (bits 63:32, with the low bits cleared). */
#define EXPECT_STATUS(want, got) do {				\
	uint64_t __st = (got);						\
									\
	EXPECT_EQ((uint64_t)(want), TDX_STATUS(__st))			\
		TH_LOG("status 0x%016llx", (unsigned long long)__st);	\
} while (0)

/* A TDX VM on the emu backend with conversion exits on. */
static int td_create(int dev, uint64_t attributes, uint32_t gpaw,
		     struct ccmem_vm_create *out)
{
	struct ccmem_vm_create c = {
		.type = CCMEM_VM_TDX,
		.backend = CCMEM_BACKEND_EMU,
		.attributes = attributes,
		.gpa_width = gpaw,
	};
	int fd = ccmem_vm_create_args(dev, &c);

	if (out)
		*out = c;
	return fd;
}

/* The Secure-EPT state and level of the leaf at @gpa (lookup raw). */
static void td_entry(int fd, uint64_t gpa, unsigned int *state,
		     unsigned int *level, uint32_t *flags)
{
	struct ccmem_emu_lookup lk;

	*state = ~0U;
	*level = ~0U;
	if (flags)
		*flags = 0;
	if (ccmem_emu_lookup(fd, gpa, &lk))
		return;
	*state = lk.raw & 0xff;
	*level = (lk.raw >> 8) & 0xff;
	if (flags)
		*flags = lk.state;
}

/* --- creation ------------------------------------------------------------ */

TEST(create_tdx_vm_on_emu)
{
	struct ccmem_vm_create c;
	int dev = ccmem_open_dev(), fd;

	ASSERT_LE(0, dev);
	EXPECT_TRUE(ccmem_check_extension(dev, CCMEM_CAP_VM_TYPES) &
		    (1 << CCMEM_VM_TDX));
	EXPECT_TRUE(ccmem_check_extension(dev, CCMEM_CAP_EMU) &
		    (1 << CCMEM_VM_TDX));
	EXPECT_EQ(1, ccmem_check_extension(dev, CCMEM_CAP_CONVERT_EXITS));
	fd = td_create(dev, 0, 0, &c);
	ASSERT_LE(0, fd);
	EXPECT_EQ(CCMEM_BACKEND_EMU, c.backend_used);
	EXPECT_LE(1, c.key_id);
	EXPECT_EQ(1 << CCMEM_VM_TDX,
		  ccmem_check_extension(fd, CCMEM_CAP_VM_TYPES));
	close(fd);
	close(dev);
}

TEST(create_bad_attributes_and_width_einval)
{
	int dev = ccmem_open_dev(), fd;

	ASSERT_LE(0, dev);
	EXPECT_ERRNO(-EINVAL, td_create(dev, 1, 0, NULL));
	EXPECT_ERRNO(-EINVAL, td_create(dev, 1ULL << 63, 0, NULL));
	EXPECT_ERRNO(-EINVAL, td_create(dev, 0, 50, NULL));
	EXPECT_ERRNO(-EINVAL, td_create(dev, 0, 64, NULL));
	fd = td_create(dev, CCMEM_TDX_ATTR_NO_PENDING_VE, 48, NULL);
	EXPECT_LE(0, fd);
	close(fd);
	close(dev);
}

TEST(snp_takes_no_attributes)
{
	struct ccmem_vm_create c = {
		.type = CCMEM_VM_SNP,
		.backend = CCMEM_BACKEND_EMU,
		.attributes = CCMEM_TDX_ATTR_NO_PENDING_VE,
	};
	int dev = ccmem_open_dev();

	ASSERT_LE(0, dev);
	EXPECT_ERRNO(-EINVAL, ccmem_ioctl(dev, CCMEM_CREATE_VM, &c));
	c.attributes = 0;
	c.gpa_width = 48;
	EXPECT_ERRNO(-EINVAL, ccmem_ioctl(dev, CCMEM_CREATE_VM, &c));
	close(dev);
}

/* Guest memory lies below the shared bit: GPAW 48 puts it at 2^47. */
TEST(region_beyond_shared_bit_e2big)
{
	int dev = ccmem_open_dev(), fd;
	void *b = ccmem_backing(SZ_2M);

	ASSERT_LE(0, dev);
	ASSERT_NE(NULL, b);
	fd = td_create(dev, 0, 48, NULL);
	ASSERT_LE(0, fd);
	EXPECT_ERRNO(-E2BIG, ccmem_vm_add_region(fd, 1ULL << 47, SZ_2M, b, 0,
						 NULL));
	EXPECT_ERRNO(-E2BIG, ccmem_vm_add_region(fd, (1ULL << 47) - SZ_4K,
						 SZ_2M, b, 0, NULL));
	EXPECT_ERRNO(0, ccmem_vm_add_region(fd, (1ULL << 47) - SZ_2M, SZ_2M,
					    b, 0, NULL));
	close(fd);
	fd = td_create(dev, 0, 52, NULL);
	ASSERT_LE(0, fd);
	EXPECT_ERRNO(0, ccmem_vm_add_region(fd, 1ULL << 47, SZ_2M, b, 0,
					    NULL));
	close(fd);
	munmap(b, SZ_2M);
	close(dev);
}

TEST(convert_exits_cap_args_checked)
{
	struct ccmem_enable_cap cap = { .cap = CCMEM_CAP_CONVERT_EXITS };
	int dev = ccmem_open_dev(), fd;

	ASSERT_LE(0, dev);
	fd = td_create(dev, 0, 0, NULL);
	ASSERT_LE(0, fd);
	cap.args[0] = 2;
	EXPECT_ERRNO(-EINVAL, ccmem_ioctl(fd, CCMEM_VM_ENABLE_CAP, &cap));
	cap.args[0] = 1;
	cap.args[1] = 1;
	EXPECT_ERRNO(-EINVAL, ccmem_ioctl(fd, CCMEM_VM_ENABLE_CAP, &cap));
	cap.args[1] = 0;
	cap.flags = 1;
	EXPECT_ERRNO(-EINVAL, ccmem_ioctl(fd, CCMEM_VM_ENABLE_CAP, &cap));
	cap.flags = 0;
	cap.cap = 12345;
	EXPECT_ERRNO(-EINVAL, ccmem_ioctl(fd, CCMEM_VM_ENABLE_CAP, &cap));
	cap.cap = CCMEM_CAP_CONVERT_EXITS;
	EXPECT_ERRNO(0, ccmem_ioctl(fd, CCMEM_VM_ENABLE_CAP, &cap));
	close(fd);
	close(dev);
}

/* --- the host end: a TD with 8 MiB of private memory ---------------------- */

FIXTURE(td) {
	int dev;
	int fd;
	uint8_t *shared;
};

FIXTURE_VARIANT(td) {
	uint64_t attributes;
};

FIXTURE_VARIANT_ADD(td, ve) {
	.attributes = 0,
};

FIXTURE_VARIANT_ADD(td, ve_disabled) {
	.attributes = CCMEM_TDX_ATTR_NO_PENDING_VE,
};

FIXTURE_SETUP(td)
{
	self->dev = ccmem_open_dev();
	ASSERT_LE(0, self->dev);
	self->fd = td_create(self->dev, variant->attributes, 0, NULL);
	ASSERT_LE(0, self->fd);
	ASSERT_ERRNO(0, ccmem_vm_add_backed_region(self->fd, TGPA, MEM,
						   CCMEM_REGION_F_PRIVATE,
						   &self->shared));
}

FIXTURE_TEARDOWN(td)
{
	close(self->fd);
	close(self->dev);
	munmap(self->shared, MEM);
}

/* An ACCEPT of a page with no backing: the host AUGs at 4 KiB, zeroed. */
TEST_F(td, accept_4k_augs_4k)
{
	struct ccmem_emu_insn in;
	unsigned int st, lvl;
	uint32_t flags;
	uint8_t buf[64];

	ASSERT_ERRNO(0, ccmem_emu_tdx_accept(self->fd, TGPA + SZ_4K, false,
					     &in));
	ASSERT_RESULT(CCMEM_EMU_R_DONE, in.result);
	EXPECT_EQ(TDX_SUCCESS, in.rax_out);
	td_entry(self->fd, TGPA + SZ_4K, &st, &lvl, &flags);
	EXPECT_EQ(SEPT_MAPPED, st);
	EXPECT_EQ(TDX_LEVEL_4K, lvl);
	EXPECT_EQ(CCMEM_EMU_S_ASSIGNED | CCMEM_EMU_S_ACCEPTED, flags);
	EXPECT_EQ(1, TSTAT("tdx.augs_4k"));
	EXPECT_EQ(0, TSTAT("tdx.augs_2m"));
	EXPECT_EQ(1, TSTAT("tdx.sept_adds"));
	EXPECT_EQ(1, TSTAT("tdx.accept_exits"));
	ASSERT_ERRNO(0, ccmem_emu_read(self->fd, TGPA + SZ_4K, buf,
				       sizeof(buf), ACC_PRIVATE, NULL));
	EXPECT_TRUE(buf_is(buf, 0, sizeof(buf)));
}

/* A 2 MiB ACCEPT gets one 2 MiB AUG, never 512 4 KiB ones. */
TEST_F(td, accept_2m_augs_2m)
{
	struct ccmem_emu_insn in;
	unsigned int st, lvl;
	uint32_t flags;

	ASSERT_ERRNO(0, ccmem_emu_tdx_accept(self->fd, TGPA, true, &in));
	EXPECT_EQ(TDX_SUCCESS, in.rax_out);
	td_entry(self->fd, TGPA + 77 * SZ_4K, &st, &lvl, &flags);
	EXPECT_EQ(SEPT_MAPPED, st);
	EXPECT_EQ(TDX_LEVEL_2M, lvl);
	EXPECT_TRUE(flags & CCMEM_EMU_S_2M);
	EXPECT_EQ(1, TSTAT("tdx.augs_2m"));
	EXPECT_EQ(0, TSTAT("tdx.augs_4k"));
	EXPECT_EQ(0, TSTAT("tdx.sept_adds"));
}

TEST_F(td, accept_twice_already_accepted)
{
	struct ccmem_emu_insn in;

	ASSERT_ERRNO(0, ccmem_emu_tdx_accept(self->fd, TGPA, false, &in));
	EXPECT_EQ(TDX_SUCCESS, in.rax_out);
	ASSERT_ERRNO(0, ccmem_emu_tdx_accept(self->fd, TGPA, false, &in));
	EXPECT_EQ(TDX_PAGE_ALREADY_ACCEPTED | TDX_LEVEL_4K, in.rax_out);
	/* A 4 KiB accept inside an accepted 2 MiB page names level 1. */
	ASSERT_ERRNO(0, ccmem_emu_tdx_accept(self->fd, TGPA + SZ_2M, true,
					     &in));
	ASSERT_ERRNO(0, ccmem_emu_tdx_accept(self->fd, TGPA + SZ_2M + SZ_4K,
					     false, &in));
	EXPECT_EQ(TDX_PAGE_ALREADY_ACCEPTED | TDX_LEVEL_2M, in.rax_out);
}

/* Where the host mapped 4 KiB, a 2 MiB accept falls back: SIZE_MISMATCH. */
TEST_F(td, accept_2m_over_4k_size_mismatch)
{
	struct ccmem_emu_insn in;

	ASSERT_ERRNO(0, ccmem_emu_tdx_accept(self->fd, TGPA + SZ_4K, false,
					     &in));
	ASSERT_ERRNO(0, ccmem_emu_tdx_accept(self->fd, TGPA, true, &in));
	EXPECT_EQ(TDX_PAGE_SIZE_MISMATCH | TDX_LEVEL_2M, in.rax_out);
	EXPECT_EQ(0, TSTAT("tdx.augs_2m"));
}

/* A 4 KiB accept on a PENDING 2 MiB page exits; the host DEMOTEs. */
TEST_F(td, accept_4k_on_pending_2m_demotes)
{
	struct ccmem_emu_insn in;
	unsigned int st, lvl;
	uint64_t done;

	ASSERT_ERRNO(0, ccmem_vm_populate(self->fd, TGPA, SZ_2M, 0, &done));
	EXPECT_EQ(SZ_2M, done);
	td_entry(self->fd, TGPA, &st, &lvl, NULL);
	EXPECT_EQ(SEPT_PENDING, st);
	EXPECT_EQ(TDX_LEVEL_2M, lvl);
	ASSERT_ERRNO(0, ccmem_emu_tdx_accept(self->fd, TGPA + 5 * SZ_4K,
					     false, &in));
	EXPECT_EQ(TDX_SUCCESS, in.rax_out);
	EXPECT_EQ(1, TSTAT("tdx.demotes"));
	td_entry(self->fd, TGPA + 5 * SZ_4K, &st, &lvl, NULL);
	EXPECT_EQ(SEPT_MAPPED, st);
	EXPECT_EQ(TDX_LEVEL_4K, lvl);
	td_entry(self->fd, TGPA + 6 * SZ_4K, &st, &lvl, NULL);
	EXPECT_EQ(SEPT_PENDING, st);
}

TEST_F(td, accept_bad_operand_invalid)
{
	struct ccmem_emu_insn in = {
		.insn = CCMEM_INSN_TDG_ACCEPT, .gpa = TGPA, .rcx = 8,
	};

	ASSERT_ERRNO(0, ccmem_emu_insn(self->fd, &in));
	EXPECT_EQ(TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX, in.rax_out);
	in.rcx = 2;	/* 1 GiB: not modelled */
	ASSERT_ERRNO(0, ccmem_emu_insn(self->fd, &in));
	EXPECT_STATUS(TDX_OPERAND_INVALID, in.rax_out);
	/* 2 MiB at an address that is not 2 MiB aligned. */
	ASSERT_ERRNO(0, ccmem_emu_tdx_accept(self->fd, TGPA + SZ_4K, true,
					     &in));
	EXPECT_STATUS(TDX_OPERAND_INVALID, in.rax_out);
	EXPECT_EQ(0, TSTAT("vm.populated_pages"));
	/* Only ACCEPT is a TDX guest instruction; PVALIDATE is SNP's. */
	in = (struct ccmem_emu_insn){ .insn = CCMEM_INSN_PVALIDATE,
				      .gpa = TGPA };
	EXPECT_ERRNO(-EINVAL, ccmem_emu_insn(self->fd, &in));
	in = (struct ccmem_emu_insn){ .insn = CCMEM_INSN_TDG_ACCEPT,
				      .gpa = TGPA, .level = 1 };
	EXPECT_ERRNO(-EINVAL, ccmem_emu_insn(self->fd, &in));
}

/* An ACCEPT of a shared gfn is the VMM's business: a memory fault. */
TEST_F(td, accept_shared_gfn_attribute_fault)
{
	struct ccmem_emu_insn in;
	struct ccmem_fault rec;
	uint32_t pending;

	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA, SZ_2M, false));
	ASSERT_ERRNO(0, ccmem_emu_tdx_accept(self->fd, TGPA + SZ_4K, false,
					     &in));
	ASSERT_RESULT(CCMEM_EMU_R_FAULT, in.result);
	ASSERT_EQ(1, ccmem_vm_read_faults(self->fd, &rec, 1, &pending));
	EXPECT_REASON(CCMEM_FAULT_ATTRIBUTE, rec.reason);
	EXPECT_EQ(TGPA + SZ_4K, rec.gpa);
	EXPECT_TRUE(rec.flags & CCMEM_FAULT_F_PRIVATE);
	EXPECT_EQ(0, TSTAT("vm.populated_pages"));
}

/* Entry-lock contention: OPERAND_BUSY until the other agent lets go. */
TEST_F(td, busy_entry_operand_busy)
{
	struct ccmem_emu_insn in;

	ASSERT_ERRNO(0, ccmem_vm_populate(self->fd, TGPA, SZ_4K, 0, NULL));
	ASSERT_ERRNO(0, ccmem_emu_inject_at(self->fd, CCMEM_INJECT_BUSY, 0, 2,
					    TGPA));
	ASSERT_ERRNO(0, ccmem_emu_tdx_accept(self->fd, TGPA, false, &in));
	EXPECT_EQ(TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX, in.rax_out);
	ASSERT_ERRNO(0, ccmem_emu_tdx_accept(self->fd, TGPA, false, &in));
	EXPECT_STATUS(TDX_OPERAND_BUSY, in.rax_out);
	ASSERT_ERRNO(0, ccmem_emu_tdx_accept(self->fd, TGPA, false, &in));
	EXPECT_EQ(TDX_SUCCESS, in.rax_out);
	/* No page there: nothing to hold or block. */
	EXPECT_ERRNO(-ENOENT, ccmem_emu_inject_at(self->fd, CCMEM_INJECT_BLOCK,
						  0, 1, TGPA + 2 * SZ_2M));
	EXPECT_ERRNO(-ENOENT, ccmem_emu_inject_at(self->fd, CCMEM_INJECT_BUSY,
						  0, 1, TGPA + 2 * SZ_2M));
}

/* BLOCK with a count of 0 blocks nothing; blocking twice is no error. */
TEST_F(td, block_control_count_and_repeat)
{
	unsigned int st, lvl;

	ASSERT_ERRNO(0, ccmem_vm_populate(self->fd, TGPA, SZ_4K, 0, NULL));
	EXPECT_ERRNO(0, ccmem_emu_inject_at(self->fd, CCMEM_INJECT_BLOCK, 0, 0,
					    TGPA));
	td_entry(self->fd, TGPA, &st, &lvl, NULL);
	EXPECT_EQ(SEPT_PENDING, st);
	EXPECT_ERRNO(0, ccmem_emu_inject_at(self->fd, CCMEM_INJECT_BLOCK, 0, 1,
					    TGPA));
	EXPECT_ERRNO(0, ccmem_emu_inject_at(self->fd, CCMEM_INJECT_BLOCK, 0, 1,
					    TGPA));
	td_entry(self->fd, TGPA, &st, &lvl, NULL);
	EXPECT_EQ(SEPT_PENDING_BLOCKED, st);
	/* Converting it away works from the blocked state too. */
	EXPECT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA, SZ_4K, false));
	EXPECT_EQ(0, TSTAT("vm.leaked_pages"));
}

/* A leaf the host left blocked: the ACCEPT exits, the host unblocks. */
TEST_F(td, blocked_leaf_accept_unblocks)
{
	struct ccmem_emu_insn in;
	unsigned int st, lvl;

	ASSERT_ERRNO(0, ccmem_vm_populate(self->fd, TGPA, SZ_4K, 0, NULL));
	ASSERT_ERRNO(0, ccmem_emu_inject_at(self->fd, CCMEM_INJECT_BLOCK, 0, 1,
					    TGPA));
	td_entry(self->fd, TGPA, &st, &lvl, NULL);
	EXPECT_EQ(SEPT_PENDING_BLOCKED, st);
	ASSERT_ERRNO(0, ccmem_emu_tdx_accept(self->fd, TGPA, false, &in));
	EXPECT_EQ(TDX_SUCCESS, in.rax_out);
	EXPECT_EQ(1, TSTAT("tdx.unblocks"));
	td_entry(self->fd, TGPA, &st, &lvl, NULL);
	EXPECT_EQ(SEPT_MAPPED, st);
}

/* An interrupted 2 MiB ACCEPT resumes from its counter, unseen. */
TEST_F(td, interrupted_2m_accept_resumes)
{
	struct ccmem_emu_insn in;

	ASSERT_ERRNO(0, ccmem_emu_inject(self->fd, CCMEM_INJECT_ACCEPT_CHUNK,
					 128, 1));
	ASSERT_ERRNO(0, ccmem_emu_tdx_accept(self->fd, TGPA, true, &in));
	EXPECT_EQ(TDX_SUCCESS, in.rax_out);
	EXPECT_EQ(3, TSTAT("tdx.accept_resumes"));
	ASSERT_ERRNO(0, ccmem_emu_inject(self->fd, CCMEM_INJECT_ACCEPT_CHUNK,
					 0, 0));
	ASSERT_ERRNO(0, ccmem_emu_tdx_accept(self->fd, TGPA + SZ_2M, true,
					     &in));
	EXPECT_EQ(3, TSTAT("tdx.accept_resumes"));
}

/* A private access to a PENDING page: #VE, or an exit with VE disabled. */
TEST_F(td, pending_access_ve_or_exit)
{
	struct ccmem_emu_access acc;
	uint8_t buf[8];

	ASSERT_ERRNO(0, ccmem_vm_populate(self->fd, TGPA, SZ_4K, 0, NULL));
	ASSERT_ERRNO(0, ccmem_emu_read(self->fd, TGPA, buf, sizeof(buf),
				       ACC_PRIVATE, &acc));
	if (variant->attributes & CCMEM_TDX_ATTR_NO_PENDING_VE) {
		EXPECT_RESULT(CCMEM_EMU_R_FAULT, acc.result);
		EXPECT_EQ(0, TSTAT("tdx.ve_raised"));
	} else {
		EXPECT_RESULT(CCMEM_EMU_R_EXCEPTION, acc.result);
		EXPECT_EQ(CCMEM_EMU_VECTOR_VE, acc.vector);
		EXPECT_EQ(TDX_VE_EPT_VIOLATION, acc.error_code);
		EXPECT_EQ(1, TSTAT("tdx.ve_raised"));
	}
}

/* An access to a private page with no backing: the host AUGs 2 MiB. */
TEST_F(td, first_access_augs_2m)
{
	struct ccmem_emu_access acc;
	unsigned int st, lvl;
	uint8_t buf[8];

	ASSERT_ERRNO(0, ccmem_emu_read(self->fd, TGPA + SZ_2M + 8, buf,
				       sizeof(buf), ACC_PRIVATE, &acc));
	EXPECT_NE(CCMEM_EMU_R_DONE, acc.result);
	td_entry(self->fd, TGPA + SZ_2M, &st, &lvl, NULL);
	EXPECT_EQ(SEPT_PENDING, st);
	EXPECT_EQ(TDX_LEVEL_2M, lvl);
	EXPECT_EQ(1, TSTAT("tdx.augs_2m"));
	EXPECT_LE(1, TSTAT("tdx.access_exits"));
}

TEST_F(td, accepted_page_data_round_trip)
{
	struct ccmem_emu_insn in;
	uint8_t w[256], r[256];

	memset(w, 0x5a, sizeof(w));
	ASSERT_ERRNO(0, ccmem_emu_tdx_accept(self->fd, TGPA, false, &in));
	ASSERT_ERRNO(0, ccmem_emu_write(self->fd, TGPA + 100, w, sizeof(w),
					ACC_PRIVATE, NULL));
	ASSERT_ERRNO(0, ccmem_emu_read(self->fd, TGPA + 100, r, sizeof(r),
				       ACC_PRIVATE, NULL));
	EXPECT_EQ(0, memcmp(w, r, sizeof(r)));
	/* The host may not write a private page: the key would not match. */
	struct ccmem_emu_access acc = {
		.gpa = TGPA, .len = 8, .buf = (uintptr_t)w,
		.flags = CCMEM_ACCESS_F_HOST | CCMEM_ACCESS_F_WRITE,
	};
	ASSERT_ERRNO(0, ccmem_emu_access(self->fd, &acc));
	EXPECT_RESULT(CCMEM_EMU_R_FAULT, acc.result);
}

/* The shared bit in the GPA makes an access shared, as F_SHARED does. */
TEST_F(td, shared_bit_selects_shared_access)
{
	uint64_t sbit = TDX_SHARED_BIT(52);
	struct ccmem_emu_access acc;
	uint8_t buf[4] = { 1, 2, 3, 4 }, out[4];

	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA, SZ_2M, false));
	ASSERT_ERRNO(0, ccmem_emu_write(self->fd, TGPA + 16, buf, sizeof(buf),
					ACC_SHARED, NULL));
	EXPECT_EQ(0, memcmp(self->shared + 16, buf, sizeof(buf)));
	/* The core refuses GPAs at or above CCMEM_MAX_GPA = 2^51. */
	EXPECT_ERRNO(-EINVAL, ccmem_emu_read(self->fd, (TGPA + 16) | sbit,
					     out, sizeof(out), 0, &acc));
	/* A private access to the shared gfn: attribute fault. */
	ASSERT_ERRNO(0, ccmem_emu_read(self->fd, TGPA + 16, out, sizeof(out),
				       ACC_PRIVATE, &acc));
	EXPECT_RESULT(CCMEM_EMU_R_FAULT, acc.result);
	/* A shared access to a private gfn: attribute fault. */
	ASSERT_ERRNO(0, ccmem_emu_read(self->fd, TGPA + SZ_2M, out,
				       sizeof(out), ACC_SHARED, &acc));
	EXPECT_RESULT(CCMEM_EMU_R_FAULT, acc.result);
}

/* To shared: BLOCK, TRACK, kick, REMOVE, then the core scrubs. */
TEST_F(td, convert_to_shared_removes_and_scrubs)
{
	struct ccmem_emu_insn in;
	uint8_t w[64], r[64];

	memset(w, 0xa5, sizeof(w));
	ASSERT_ERRNO(0, ccmem_emu_tdx_accept(self->fd, TGPA, false, &in));
	ASSERT_ERRNO(0, ccmem_emu_write(self->fd, TGPA, w, sizeof(w),
					ACC_PRIVATE, NULL));
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA, SZ_4K, false));
	/* The page, then the emptied table (SEPT.REMOVE). */
	EXPECT_EQ(2, TSTAT("tdx.blocks"));
	EXPECT_EQ(1, TSTAT("tdx.removes"));
	EXPECT_EQ(1, TSTAT("tdx.sept_removes"));
	EXPECT_LE(1, TSTAT("tdx.tracks"));
	EXPECT_LE(1, TSTAT("tdx.kicks"));
	EXPECT_EQ(0, TSTAT("vm.populated_pages"));
	EXPECT_EQ(1, TSTAT("vm.scrubbed_pages"));
	/* Back to private: a fresh page, which the guest accepts zeroed. */
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA, SZ_4K, true));
	ASSERT_ERRNO(0, ccmem_emu_tdx_accept(self->fd, TGPA, false, &in));
	EXPECT_EQ(TDX_SUCCESS, in.rax_out);
	ASSERT_ERRNO(0, ccmem_emu_read(self->fd, TGPA, r, sizeof(r),
				       ACC_PRIVATE, NULL));
	EXPECT_TRUE(buf_is(r, 0, sizeof(r)));
}

/* A partial conversion of a 2 MiB page DEMOTEs it first. */
TEST_F(td, partial_conversion_demotes)
{
	struct ccmem_emu_insn in;
	unsigned int st, lvl;

	ASSERT_ERRNO(0, ccmem_emu_tdx_accept(self->fd, TGPA, true, &in));
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA + 9 * SZ_4K, SZ_4K,
					  false));
	EXPECT_EQ(1, TSTAT("tdx.demotes"));
	EXPECT_EQ(1, TSTAT("tdx.removes"));
	td_entry(self->fd, TGPA + 10 * SZ_4K, &st, &lvl, NULL);
	EXPECT_EQ(SEPT_MAPPED, st);
	EXPECT_EQ(TDX_LEVEL_4K, lvl);
	EXPECT_EQ(511, TSTAT("vm.populated_pages"));
}

/*
 * A whole 2 MiB converted to shared and back is mapped as one 2 MiB page
 * again on the next AUG: the empty table goes (SEPT.REMOVE) first.
 */
TEST_F(td, repromote_after_whole_2m_round_trip)
{
	struct ccmem_emu_insn in;
	unsigned int st, lvl;

	ASSERT_ERRNO(0, ccmem_emu_tdx_accept(self->fd, TGPA, true, &in));
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA + SZ_4K, SZ_4K,
					  false));
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA, SZ_2M, false));
	EXPECT_EQ(512, TSTAT("tdx.removes"));
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA, SZ_2M, true));
	ASSERT_ERRNO(0, ccmem_emu_tdx_accept(self->fd, TGPA, true, &in));
	EXPECT_EQ(TDX_SUCCESS, in.rax_out);
	EXPECT_EQ(2, TSTAT("tdx.augs_2m"));
	EXPECT_EQ(1, TSTAT("tdx.repromotes"));
	EXPECT_EQ(1, TSTAT("tdx.sept_removes"));
	td_entry(self->fd, TGPA + 100 * SZ_4K, &st, &lvl, NULL);
	EXPECT_EQ(SEPT_MAPPED, st);
	EXPECT_EQ(TDX_LEVEL_2M, lvl);
}

/* Launch pages: PAGE.ADD at 4 KiB with their content, until finalize. */
TEST_F(td, launch_page_add_then_finalize)
{
	struct ccmem_emu_insn in;
	unsigned int st, lvl;
	uint64_t done;

	ASSERT_ERRNO(0, ccmem_vm_populate(self->fd, TGPA, 4 * SZ_4K,
					  CCMEM_POPULATE_F_IMMUTABLE, &done));
	EXPECT_EQ(4 * SZ_4K, done);
	EXPECT_EQ(4, TSTAT("tdx.page_adds"));
	td_entry(self->fd, TGPA + 3 * SZ_4K, &st, &lvl, NULL);
	EXPECT_EQ(SEPT_MAPPED, st);
	EXPECT_EQ(TDX_LEVEL_4K, lvl);
	/* Added pages are MAPPED: the guest does not accept them. */
	ASSERT_ERRNO(0, ccmem_emu_tdx_accept(self->fd, TGPA, false, &in));
	EXPECT_EQ(TDX_PAGE_ALREADY_ACCEPTED, in.rax_out);
	ASSERT_ERRNO(0, ccmem_ioctl(self->fd, CCMEM_VM_FINALIZE, NULL));
	ASSERT_ERRNO(0, ccmem_ioctl(self->fd, CCMEM_VM_FINALIZE, NULL));
	EXPECT_ERRNO(-EBUSY, ccmem_vm_populate(self->fd, TGPA + SZ_2M, SZ_4K,
					       CCMEM_POPULATE_F_IMMUTABLE,
					       NULL));
	/* Ordinary pages still come: AUG. */
	EXPECT_ERRNO(0, ccmem_vm_populate(self->fd, TGPA + SZ_2M, SZ_2M, 0,
					  NULL));
	EXPECT_EQ(1, TSTAT("tdx.augs_2m"));
	/* A launch page leaves as any other: BLOCK, TRACK, REMOVE. */
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA, SZ_2M, false));
	EXPECT_EQ(4, TSTAT("tdx.removes"));
}

static int launch_update(int fd, uint64_t gpa, uint64_t size,
			 const void *src, uint64_t *done)
{
	struct ccmem_launch_update lu = {
		.gpa = gpa, .size = size, .source = (uintptr_t)src,
	};
	int ret = ccmem_ioctl(fd, CCMEM_VM_LAUNCH_UPDATE, &lu);

	if (done)
		*done = lu.done;
	return ret;
}

/* Launch content: PAGE.ADD copies it in; the CPU (the VMM) reads it back. */
TEST_F(td, launch_update_adds_content)
{
	uint8_t *src = ccmem_backing(4 * SZ_4K), out[SZ_4K];
	unsigned int st, lvl, i;
	uint64_t done;

	ASSERT_NE(NULL, src);
	for (i = 0; i < 3 * SZ_4K; i++)
		src[i] = (uint8_t)(i * 7 + 1);
	ASSERT_ERRNO(0, launch_update(self->fd, TGPA + SZ_2M, 3 * SZ_4K, src,
				      &done));
	EXPECT_EQ(3 * SZ_4K, done);
	EXPECT_EQ(3, TSTAT("tdx.page_adds"));
	td_entry(self->fd, TGPA + SZ_2M + SZ_4K, &st, &lvl, NULL);
	EXPECT_EQ(SEPT_MAPPED, st);
	EXPECT_EQ(TDX_LEVEL_4K, lvl);
	for (i = 0; i < 3; i++) {
		ASSERT_ERRNO(0, ccmem_emu_read(self->fd, TGPA + SZ_2M +
					       i * SZ_4K, out, SZ_4K,
					       ACC_PRIVATE, NULL));
		EXPECT_EQ(0, memcmp(src + i * SZ_4K, out, SZ_4K));
	}
	/* Pages there already: nothing added. */
	EXPECT_ERRNO(-EEXIST, launch_update(self->fd, TGPA + SZ_2M, SZ_4K, src,
					    &done));
	EXPECT_EQ(0, done);
	/* A shared page is no launch page. */
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA + 3 * SZ_2M, SZ_4K,
					  false));
	EXPECT_ERRNO(-EPERM, launch_update(self->fd, TGPA + 3 * SZ_2M, SZ_4K,
					   src, NULL));
	/* A source that ends early: what was added is said, and stays. */
	ASSERT_EQ(0, munmap(src + 3 * SZ_4K, SZ_4K));
	EXPECT_ERRNO(-EFAULT, launch_update(self->fd, TGPA + 2 * SZ_2M,
					    2 * SZ_4K, src + 2 * SZ_4K, &done));
	EXPECT_EQ(SZ_4K, done);
	EXPECT_EQ(4, TSTAT("tdx.page_adds"));
	EXPECT_ERRNO(-EINVAL, launch_update(self->fd, TGPA + 1, SZ_4K, src,
					    NULL));
	/* After finalize the launch is over. */
	ASSERT_ERRNO(0, ccmem_ioctl(self->fd, CCMEM_VM_FINALIZE, NULL));
	EXPECT_ERRNO(-EBUSY, launch_update(self->fd, TGPA + 4 * SZ_2M, SZ_4K,
					   src, &done));
	EXPECT_EQ(0, done);
	munmap(src, 3 * SZ_4K);
}

/*
 * The same ioctl on SNP: the host assigns the page Pre-Guest (immutable),
 * and the firmware's LAUNCH_UPDATE leaves it Guest-Valid: validated,
 * mutable, holding the content. The guest's first PVALIDATE of it is a
 * double validation (no change, CF set), and its private read sees the
 * content.
 */
TEST(snp_launch_update_guest_valid)
{
	uint8_t src[SZ_4K], got[64];
	struct ccmem_emu_lookup lk;
	struct ccmem_emu_insn in;
	struct tvm t;

	memset(src, 0x3c, sizeof(src));
	ASSERT_ERRNO(0, tvm_create(&t, 0));
	ASSERT_ERRNO(0, tvm_add_region(&t, TGPA, TSIZE,
				       CCMEM_REGION_F_PRIVATE));
	ASSERT_ERRNO(0, launch_update(t.fd, TGPA, SZ_4K, src, NULL));
	ASSERT_ERRNO(0, ccmem_emu_lookup(t.fd, TGPA, &lk));
	EXPECT_EQ(CCMEM_EMU_S_ASSIGNED | CCMEM_EMU_S_ACCEPTED, lk.state);
	ASSERT_ERRNO(0, ccmem_emu_read(t.fd, TGPA + 100, got, sizeof(got),
				       ACC_PRIVATE, NULL));
	EXPECT_TRUE(buf_is(got, 0x3c, sizeof(got)));
	ASSERT_ERRNO(0, ccmem_emu_pvalidate(t.fd, TGPA, false, true, &in));
	EXPECT_EQ(0, in.rax_out);
	EXPECT_EQ(CCMEM_EMU_RFLAGS_CF, in.rflags_out);
	/* Mutable: the guest may rescind it, and the host reclaim it. */
	ASSERT_ERRNO(0, ccmem_emu_pvalidate(t.fd, TGPA, false, false, &in));
	EXPECT_EQ(0, in.rax_out);
	EXPECT_EQ(0, in.rflags_out);
	ASSERT_ERRNO(0, ccmem_ioctl(t.fd, CCMEM_VM_FINALIZE, NULL));
	EXPECT_ERRNO(-EBUSY, launch_update(t.fd, TGPA + SZ_4K, SZ_4K, src,
					   NULL));
	tvm_destroy(&t);
}

/* A failed SEAMCALL leaves the page unknown: leaked, the VM dead. */
TEST_F(td, aug_failure_leaks_and_kills_vm)
{
	struct ccmem_emu_insn in;

	ASSERT_ERRNO(0, ccmem_emu_inject(self->fd, CCMEM_INJECT_ASSIGN,
					 0xc0000b00, 1));
	EXPECT_ERRNO(-EIO, ccmem_emu_tdx_accept(self->fd, TGPA, false, &in));
	EXPECT_ERRNO(-EIO, ccmem_vm_set_attr(self->fd, TGPA, SZ_4K, false));
	EXPECT_LE(1, TSTAT("vm.leaked_pages"));
}

/* OPERAND_BUSY from a SEAMCALL is retried, bounded. */
TEST_F(td, aug_busy_is_retried)
{
	struct ccmem_emu_insn in;

	ASSERT_ERRNO(0, ccmem_emu_inject(self->fd, CCMEM_INJECT_ASSIGN,
					 0x80000200, 2));
	ASSERT_ERRNO(0, ccmem_emu_tdx_accept(self->fd, TGPA, false, &in));
	EXPECT_EQ(TDX_SUCCESS, in.rax_out);
	EXPECT_EQ(2, TSTAT("tdx.busy_retries"));
	EXPECT_EQ(0, TSTAT("vm.leaked_pages"));
}

/* A control never makes a skipped SEAMCALL report success. */
TEST_F(td, inject_codes_checked)
{
	EXPECT_ERRNO(-EINVAL, ccmem_emu_inject(self->fd, CCMEM_INJECT_ASSIGN,
					       0x00000b07, 1));
	EXPECT_ERRNO(-EINVAL, ccmem_emu_inject(self->fd, CCMEM_INJECT_ASSIGN,
					       0, 1));
	EXPECT_ERRNO(-EINVAL, ccmem_emu_inject(self->fd, 99, 1, 1));
	EXPECT_ERRNO(-EINVAL, ccmem_emu_inject_at(self->fd,
						  CCMEM_INJECT_ASSIGN,
						  0xc0000100, 1, TGPA));
	EXPECT_ERRNO(0, ccmem_emu_inject(self->fd, CCMEM_INJECT_SPLIT,
					 0xc0000b0d, 0));
}

/* A DEMOTE failure while converting part of a 2 MiB page: VM dead. */
TEST_F(td, demote_failure_kills_vm)
{
	struct ccmem_emu_insn in;

	ASSERT_ERRNO(0, ccmem_emu_tdx_accept(self->fd, TGPA, true, &in));
	ASSERT_ERRNO(0, ccmem_emu_inject(self->fd, CCMEM_INJECT_SPLIT,
					 0xc0000b0d, 1));
	EXPECT_ERRNO(-EIO, ccmem_vm_set_attr(self->fd, TGPA, SZ_4K, false));
	EXPECT_EQ(512, TSTAT("vm.leaked_pages"));
}

/* The VMM's lookup: state flags and the Secure-EPT state in raw. */
TEST_F(td, lookup_reports_sept_state)
{
	struct ccmem_emu_lookup lk;

	ASSERT_ERRNO(0, ccmem_emu_lookup(self->fd, TGPA, &lk));
	EXPECT_EQ(0, lk.state);
	ASSERT_ERRNO(0, ccmem_vm_populate(self->fd, TGPA, SZ_2M, 0, NULL));
	ASSERT_ERRNO(0, ccmem_emu_lookup(self->fd, TGPA, &lk));
	EXPECT_EQ(CCMEM_EMU_S_ASSIGNED | CCMEM_EMU_S_2M, lk.state);
	EXPECT_EQ(SEPT_PENDING | TDX_LEVEL_2M << 8, lk.raw);
	EXPECT_NE(0, lk.key_id);
	EXPECT_ERRNO(-EINVAL, ccmem_emu_lookup(self->fd, TGPA + MEM, &lk));
}

/* --- the guest end: emulated vCPUs ---------------------------------------- */

FIXTURE(tg) {
	struct ccmem_guest g;
	struct ccmem_run run;
};

FIXTURE_VARIANT(tg) {
	uint64_t attributes;
};

FIXTURE_VARIANT_ADD(tg, ve) {
	.attributes = 0,
};

FIXTURE_VARIANT_ADD(tg, ve_disabled) {
	.attributes = CCMEM_TDX_ATTR_NO_PENDING_VE,
};

FIXTURE_SETUP(tg)
{
	ccmem_guest_reset(&self->g);
}

FIXTURE_TEARDOWN(tg)
{
	ccmem_guest_destroy(&self->g);
}

static int tg_create(struct ccmem_guest *g, uint64_t attributes,
		     uint32_t policy, uint32_t flags)
{
	struct ccmem_emu_guest_config c = ccmem_guest_config(policy, TGPA,
							     GMEM);

	c.flags = flags;
	c.comm_gpa = 0;		/* a TD passes its hypercalls in registers */
	return ccmem_guest_create_vm(g, CCMEM_VM_TDX, attributes, &c);
}

/* The security event @sec at @gpa, then the guest's ReportFatalError. */
static void tg_expect_security(struct __test_metadata *_metadata,
			       struct ccmem_guest *g, struct ccmem_run *run,
			       uint32_t sec, uint64_t gpa)
{
	ASSERT_EXIT(run, CCMEM_EXIT_SECURITY);
	EXPECT_SEC(sec, run->security.reason);
	if (gpa != ~0ULL)
		EXPECT_EQ(gpa, run->security.gpa);
	ASSERT_ERRNO(0, ccmem_guest_run(g, 0, run));
	ASSERT_EXIT(run, CCMEM_EXIT_TERMINATED);
	EXPECT_EQ(CCMEM_TERM_F_GUEST, run->terminated.flags);
	EXPECT_EQ(0, run->terminated.reason_set);
	EXPECT_EQ(sec, run->terminated.reason_code);
	EXPECT_ERRNO(-ESHUTDOWN, ccmem_vcpu_run(g->vcpu[0], run));
	EXPECT_EQ(1, STAT(g->vm, "tdx.fatal_reports"));
}

/* Eager: 16 x 2 MiB ACCEPTs, each one 2 MiB AUG; nothing at 4 KiB. */
TEST_F(tg, eager_2m_ladder)
{
	struct ccmem_guest_insn p[] = { GI(CCMEM_GOP_BOOT, 0, 0, 0) };

	ASSERT_ERRNO(0, tg_create(&self->g, variant->attributes,
				  CCMEM_ACCEPT_EAGER, 0));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_DONE);
	EXPECT_EQ(GMEM, GSTAT("guest.accepted_bytes"));
	EXPECT_EQ(16, GSTAT("guest.accept_calls"));
	EXPECT_EQ(0, GSTAT("guest.fallbacks_4k"));
	EXPECT_EQ(16, GSTAT("tdx.augs_2m"));
	EXPECT_EQ(0, GSTAT("tdx.augs_4k"));
	EXPECT_EQ(16, GSTAT("tdx.accept_exits"));
}

/* Forced 4 KiB: 8192 ACCEPTs and AUGs, the figure the ladder saves. */
TEST_F(tg, eager_forced_4k)
{
	struct ccmem_guest_insn p[] = { GI(CCMEM_GOP_BOOT, 0, 0, 0) };

	ASSERT_ERRNO(0, tg_create(&self->g, variant->attributes,
				  CCMEM_ACCEPT_EAGER, CCMEM_GUEST_F_FORCE_4K));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_DONE);
	EXPECT_EQ(GMEM / SZ_4K, GSTAT("guest.accept_calls"));
	EXPECT_EQ(GMEM / SZ_4K, GSTAT("tdx.augs_4k"));
	EXPECT_EQ(0, GSTAT("tdx.augs_2m"));
}

/* Lazy: an allocation accepts its unit (and the guard unit) on demand. */
TEST_F(tg, lazy_alloc_accepts_on_demand)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_BOOT, 0, 0, 0),
		GI(CCMEM_GOP_ALLOC, 0, SZ_4K, 0),
		{ .op = CCMEM_GOP_WRITE, .size = SZ_4K, .arg = 0x77,
		  .flags = CCMEM_GOP_F_R0 },
		{ .op = CCMEM_GOP_CHECK, .size = SZ_4K, .arg = 0x77,
		  .flags = CCMEM_GOP_F_R0 },
	};

	ASSERT_ERRNO(0, tg_create(&self->g, variant->attributes,
				  CCMEM_ACCEPT_LAZY, 0));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_DONE);
	EXPECT_EQ(SZ_2M, GSTAT("guest.accepted_bytes"));
	EXPECT_EQ(1, GSTAT("tdx.augs_2m"));
	EXPECT_EQ(0, GSTAT("tdx.ve_raised"));
	EXPECT_EQ(0, GSTAT("tdx.mapgpa_requests"));
}

/*
 * Lazy accept from #VE (SEPT_VE_DISABLE clear): the host AUGed the page
 * already; the guest's first touch raises #VE and the guest accepts.
 * With SEPT_VE_DISABLE the same touch exits to the host, which cannot
 * accept for the guest: the VMM sees the fault, the guest never runs on
 * a page it has not accepted.
 */
TEST_F(tg, touch_of_unaccepted_page)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_READ, TGPA + (2 * SZ_2M) + 64, 64, 0),
	};

	ASSERT_ERRNO(0, tg_create(&self->g, variant->attributes,
				  CCMEM_ACCEPT_LAZY, 0));
	ASSERT_ERRNO(0, ccmem_vm_populate(self->g.vm, TGPA + (2 * SZ_2M), SZ_2M, 0,
					  NULL));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	if (variant->attributes & CCMEM_TDX_ATTR_NO_PENDING_VE) {
		ASSERT_EXIT(&self->run, CCMEM_EXIT_MEMORY_FAULT);
		EXPECT_REASON(CCMEM_FAULT_PLATFORM,
			      self->run.memory_fault.reason);
		EXPECT_EQ(0, GSTAT("guest.exception_accepts"));
	} else {
		ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_DONE);
		EXPECT_EQ(1, GSTAT("tdx.ve_raised"));
		EXPECT_EQ(1, GSTAT("guest.exception_accepts"));
	}
}

/* Round trip: to shared and back; the page comes back zeroed. */
TEST_F(tg, convert_round_trip)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_BOOT, 0, 0, 0),
		GI(CCMEM_GOP_WRITE, TGPA + SZ_2M, SZ_2M, 0x31),
		GI(CCMEM_GOP_CONVERT, TGPA + SZ_2M, SZ_2M, CCMEM_GOP_TO_SHARED),
		GI(CCMEM_GOP_CONVERT, TGPA + SZ_2M, SZ_2M,
		   CCMEM_GOP_TO_PRIVATE),
		GI(CCMEM_GOP_CHECK, TGPA + SZ_2M, SZ_2M, 0),
	};

	ASSERT_ERRNO(0, tg_create(&self->g, variant->attributes,
				  CCMEM_ACCEPT_EAGER, 0));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_DONE);
	EXPECT_EQ(2, self->g.nr_convert);
	EXPECT_EQ(0, self->g.convert[0].flags);
	EXPECT_EQ(CCMEM_CONVERT_F_PRIVATE, self->g.convert[1].flags);
	EXPECT_EQ(2, GSTAT("tdx.mapgpa_requests"));
	EXPECT_EQ(2, GSTAT("tdx.mapgpa_exits"));
	EXPECT_EQ(512, GSTAT("guest.to_shared"));
	/* The guest scrubbed before it asked: the host saw zeros. */
	EXPECT_TRUE(buf_is(self->g.ram + SZ_2M, 0, SZ_2M));
	/* 2 MiB went back whole, and came back whole: 17 2 MiB AUGs. */
	EXPECT_EQ(17, GSTAT("tdx.augs_2m"));
}

/* A 4 KiB conversion inside an accepted 2 MiB page: DEMOTE, then back. */
TEST_F(tg, partial_convert_demotes_then_repromotes)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_BOOT, 0, 0, 0),
		GI(CCMEM_GOP_CONVERT, TGPA + SZ_4K, SZ_4K, CCMEM_GOP_TO_SHARED),
		GI(CCMEM_GOP_CONVERT, TGPA + SZ_4K, SZ_4K, CCMEM_GOP_TO_PRIVATE),
		GI(CCMEM_GOP_CHECK, TGPA, 8 * SZ_4K, 0),
		GI(CCMEM_GOP_CONVERT, TGPA + SZ_2M, SZ_2M, CCMEM_GOP_TO_SHARED),
		GI(CCMEM_GOP_CONVERT, TGPA + SZ_2M, SZ_2M,
		   CCMEM_GOP_TO_PRIVATE),
	};

	ASSERT_ERRNO(0, tg_create(&self->g, variant->attributes,
				  CCMEM_ACCEPT_EAGER, 0));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_DONE);
	EXPECT_EQ(1, GSTAT("tdx.demotes"));
	EXPECT_EQ(1, GSTAT("tdx.augs_4k"));
	EXPECT_EQ(17, GSTAT("tdx.augs_2m"));
}

/* The VMM never enabled conversion exits: SUBFUNC_UNSUPPORTED, fatal. */
TEST_F(tg, convert_without_exits_enabled_fails)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_BOOT, 0, 0, 0),
		GI(CCMEM_GOP_CONVERT, TGPA, SZ_2M, CCMEM_GOP_TO_SHARED),
	};

	ASSERT_ERRNO(0, tg_create(&self->g, variant->attributes,
				  CCMEM_ACCEPT_EAGER, 0));
	ASSERT_ERRNO(0, ccmem_vm_convert_exits(self->g.vm, 0));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	tg_expect_security(_metadata, &self->g, &self->run,
			   CCMEM_SEC_CONVERT_ERROR, ~0ULL);
	EXPECT_EQ(0, self->g.nr_convert);
	EXPECT_EQ(1, GSTAT("tdx.mapgpa_errors"));
}

/* The VMM refuses: INVALID_OPERAND, the guest gives up. */
TEST_F(tg, vmm_refusal_is_fatal)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_BOOT, 0, 0, 0),
		GI(CCMEM_GOP_CONVERT, TGPA, SZ_2M, CCMEM_GOP_TO_SHARED),
	};

	ASSERT_ERRNO(0, tg_create(&self->g, variant->attributes,
				  CCMEM_ACCEPT_EAGER, 0));
	self->g.refuse = -1;
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	tg_expect_security(_metadata, &self->g, &self->run,
			   CCMEM_SEC_CONVERT_ERROR, ~0ULL);
}

/* A host that serves in chunks: the guest follows RETRY and finishes. */
TEST_F(tg, mapgpa_retry_followed)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_BOOT, 0, 0, 0),
		GI(CCMEM_GOP_CONVERT, TGPA, SZ_2M, CCMEM_GOP_TO_SHARED),
	};

	ASSERT_ERRNO(0, tg_create(&self->g, variant->attributes,
				  CCMEM_ACCEPT_EAGER, 0));
	ASSERT_ERRNO(0, ccmem_emu_inject(self->g.vm,
					 CCMEM_INJECT_CONVERT_EARLY, 100, 3));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_DONE);
	EXPECT_EQ(3, GSTAT("tdx.mapgpa_retries"));
	EXPECT_EQ(4, GSTAT("tdx.mapgpa_requests"));
	EXPECT_EQ(512, GSTAT("guest.to_shared"));
}

/* The resume GPA moves back: a protocol lie. */
TEST_F(tg, mapgpa_resume_backwards_caught)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_BOOT, 0, 0, 0),
		GI(CCMEM_GOP_CONVERT, TGPA, SZ_2M, CCMEM_GOP_TO_SHARED),
	};

	ASSERT_ERRNO(0, tg_create(&self->g, variant->attributes,
				  CCMEM_ACCEPT_EAGER, 0));
	ASSERT_ERRNO(0, ccmem_emu_inject(self->g.vm,
					 CCMEM_INJECT_CONVERT_EARLY, 100, 1));
	ASSERT_ERRNO(0, ccmem_emu_inject(self->g.vm,
					 CCMEM_INJECT_CONVERT_BACKWARD, 1, 1));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	tg_expect_security(_metadata, &self->g, &self->run,
			   CCMEM_SEC_CONVERT_BACKWARD, ~0ULL);
}

/* The resume GPA lies past the end of the request: outside the range. */
TEST_F(tg, mapgpa_resume_outside_range_caught)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_BOOT, 0, 0, 0),
		GI(CCMEM_GOP_CONVERT, TGPA + SZ_2M, SZ_2M, CCMEM_GOP_TO_SHARED),
	};

	ASSERT_ERRNO(0, tg_create(&self->g, variant->attributes,
				  CCMEM_ACCEPT_EAGER, 0));
	ASSERT_ERRNO(0, ccmem_emu_inject(self->g.vm,
					 CCMEM_INJECT_CONVERT_EARLY, 10, 1));
	ASSERT_ERRNO(0, ccmem_emu_inject(self->g.vm,
					 CCMEM_INJECT_CONVERT_OUTSIDE, 1, 1));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	tg_expect_security(_metadata, &self->g, &self->run,
			   CCMEM_SEC_CONVERT_BACKWARD, ~0ULL);
}

/* A host that keeps answering RETRY with no progress: the guest gives up. */
TEST_F(tg, mapgpa_no_progress_gives_up)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_BOOT, 0, 0, 0),
		GI(CCMEM_GOP_CONVERT, TGPA, SZ_2M, CCMEM_GOP_TO_SHARED),
	};

	ASSERT_ERRNO(0, tg_create(&self->g, variant->attributes,
				  CCMEM_ACCEPT_EAGER, 0));
	ASSERT_ERRNO(0, ccmem_emu_inject(self->g.vm,
					 CCMEM_INJECT_CONVERT_EARLY, 0, 1000));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	tg_expect_security(_metadata, &self->g, &self->run,
			   CCMEM_SEC_CONVERT_NO_PROGRESS, ~0ULL);
	EXPECT_EQ(0, self->g.nr_convert);
	EXPECT_GE(16, GSTAT("tdx.mapgpa_requests"));
}

/*
 * The re-accept attack: the host removes an accepted page and AUGs it
 * again behind the guest's back (here: the VMM converts it away and back,
 * BLOCK, TRACK, REMOVE, AUG). A second ACCEPT would silently zero the
 * guest's data; the guest's bitmap says accepted, so it never accepts
 * again. With #VE on, its next touch raises #VE on a page it accepted:
 * substitution, fatal. With SEPT_VE_DISABLE the touch exits to the host,
 * which cannot accept for the guest: the VMM gets the fault.
 */
TEST_F(tg, reaccept_attack_caught)
{
	struct ccmem_guest_insn boot[] = {
		GI(CCMEM_GOP_BOOT, 0, 0, 0),
		GI(CCMEM_GOP_WRITE, TGPA + 5 * SZ_4K, SZ_4K, 0x99),
	};
	struct ccmem_guest_insn touch[] = {
		GI(CCMEM_GOP_READ, TGPA + 5 * SZ_4K, 64, 0),
	};

	ASSERT_ERRNO(0, tg_create(&self->g, variant->attributes,
				  CCMEM_ACCEPT_EAGER, 0));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, boot, NR(boot),
					 &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_DONE);
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->g.vm, TGPA + 5 * SZ_4K, SZ_4K,
					  false));
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->g.vm, TGPA + 5 * SZ_4K, SZ_4K,
					  true));
	ASSERT_ERRNO(0, ccmem_vm_populate(self->g.vm, TGPA + 5 * SZ_4K, SZ_4K,
					  0, NULL));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, touch, NR(touch),
					 &self->run));
	if (variant->attributes & CCMEM_TDX_ATTR_NO_PENDING_VE) {
		ASSERT_EXIT(&self->run, CCMEM_EXIT_MEMORY_FAULT);
		EXPECT_REASON(CCMEM_FAULT_PLATFORM,
			      self->run.memory_fault.reason);
	} else {
		tg_expect_security(_metadata, &self->g, &self->run,
				   CCMEM_SEC_SUBSTITUTION, TGPA + 5 * SZ_4K);
	}
	EXPECT_EQ(0, GSTAT("guest.exception_accepts"));
}

/* A page accepted behind the guest's back: ALREADY_ACCEPTED is fatal. */
TEST_F(tg, double_accept_caught)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_ACCEPT, TGPA, SZ_2M, 0),
	};
	struct ccmem_emu_insn in;

	ASSERT_ERRNO(0, tg_create(&self->g, variant->attributes,
				  CCMEM_ACCEPT_LAZY, 0));
	ASSERT_ERRNO(0, ccmem_emu_tdx_accept(self->g.vm, TGPA, true, &in));
	ASSERT_EQ(TDX_SUCCESS, in.rax_out);
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	tg_expect_security(_metadata, &self->g, &self->run,
			   CCMEM_SEC_DOUBLE_ACCEPT, TGPA);
}

/* Contention on the entry lock: the guest retries, bounded, and goes on. */
TEST_F(tg, busy_accept_retried)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_ACCEPT, TGPA, SZ_4K, 0),
	};

	ASSERT_ERRNO(0, tg_create(&self->g, variant->attributes,
				  CCMEM_ACCEPT_LAZY, 0));
	ASSERT_ERRNO(0, ccmem_vm_populate(self->g.vm, TGPA, SZ_4K, 0, NULL));
	ASSERT_ERRNO(0, ccmem_emu_inject_at(self->g.vm, CCMEM_INJECT_BUSY, 0,
					    3, TGPA));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_DONE);
	/* The unit is 2 MiB: over the 4 KiB page, the ladder's 4 KiB step. */
	EXPECT_EQ(SZ_2M, GSTAT("guest.accepted_bytes"));
	EXPECT_EQ(1, GSTAT("guest.fallbacks_4k"));
}

/* An entry busy for good: the guest's bound is reached, it gives up. */
TEST_F(tg, busy_forever_is_fatal)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_ACCEPT, TGPA, SZ_4K, 0),
	};

	ASSERT_ERRNO(0, tg_create(&self->g, variant->attributes,
				  CCMEM_ACCEPT_LAZY, 0));
	ASSERT_ERRNO(0, ccmem_vm_populate(self->g.vm, TGPA, SZ_4K, 0, NULL));
	ASSERT_ERRNO(0, ccmem_emu_inject_at(self->g.vm, CCMEM_INJECT_BUSY, 0,
					    100000, TGPA));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	tg_expect_security(_metadata, &self->g, &self->run,
			   CCMEM_SEC_ACCEPT_FAILED, TGPA);
}

/* A leaf left blocked: the guest's ACCEPT exits, the host unblocks. */
TEST_F(tg, blocked_accept_proceeds)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_ACCEPT, TGPA, SZ_2M, 0),
	};

	ASSERT_ERRNO(0, tg_create(&self->g, variant->attributes,
				  CCMEM_ACCEPT_LAZY, 0));
	ASSERT_ERRNO(0, ccmem_vm_populate(self->g.vm, TGPA, SZ_2M, 0, NULL));
	ASSERT_ERRNO(0, ccmem_emu_inject_at(self->g.vm, CCMEM_INJECT_BLOCK, 0,
					    1, TGPA));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_DONE);
	EXPECT_EQ(1, GSTAT("tdx.unblocks"));
	EXPECT_EQ(SZ_2M, GSTAT("guest.accepted_bytes"));
}

/* Raw TDG.VP.VMCALLs against the host's decoder. */
static uint64_t tg_vmcall(struct __test_metadata *_metadata,
			  struct ccmem_guest *g, struct ccmem_run *run,
			  struct ccmem_emu_tdvmcall *x, uint64_t *r11)
{
	struct ccmem_guest_insn p[] = {
		{ .op = CCMEM_GOP_TDVMCALL, .arg = (uintptr_t)x },
	};

	EXPECT_ERRNO(0, ccmem_guest_exec(g, 0, p, NR(p), run));
	EXPECT_EXIT(run, CCMEM_EXIT_EMU_DONE);
	if (r11)
		*r11 = ccmem_run_state(run)->vmcall_r11;
	return ccmem_run_state(run)->vmcall_r10;
}

TEST_F(tg, mapgpa_decoder_statuses)
{
	struct ccmem_emu_tdvmcall x = {
		.r11 = TDVMCALL_MAP_GPA,
		.r12 = TGPA + 100,
		.r13 = SZ_4K,
	};
	uint64_t sbit = TDX_SHARED_BIT(52), r11;

	ASSERT_ERRNO(0, tg_create(&self->g, variant->attributes,
				  CCMEM_ACCEPT_LAZY, 0));
	EXPECT_EQ(TDVMCALL_STATUS_ALIGN_ERROR,
		  tg_vmcall(_metadata, &self->g, &self->run, &x, NULL));
	x.r12 = TGPA;
	x.r13 = 100;
	EXPECT_EQ(TDVMCALL_STATUS_ALIGN_ERROR,
		  tg_vmcall(_metadata, &self->g, &self->run, &x, NULL));
	x.r13 = 0;
	EXPECT_EQ(TDVMCALL_STATUS_INVALID_OPERAND,
		  tg_vmcall(_metadata, &self->g, &self->run, &x, NULL));
	/* Across the shared bit. */
	x.r12 = sbit - SZ_4K;
	x.r13 = 2 * SZ_4K;
	EXPECT_EQ(TDVMCALL_STATUS_INVALID_OPERAND,
		  tg_vmcall(_metadata, &self->g, &self->run, &x, &r11));
	EXPECT_EQ(sbit - SZ_4K, r11);
	/* Beyond the GPA width. */
	x.r12 = 1ULL << 52;
	x.r13 = SZ_4K;
	EXPECT_EQ(TDVMCALL_STATUS_INVALID_OPERAND,
		  tg_vmcall(_metadata, &self->g, &self->run, &x, NULL));
	/* Unknown sub-function, and a vendor-specific call. */
	x.r11 = 0x10002;
	EXPECT_EQ(TDVMCALL_STATUS_SUBFUNC_UNSUPPORTED,
		  tg_vmcall(_metadata, &self->g, &self->run, &x, NULL));
	x.r10 = 1;
	x.r11 = TDVMCALL_MAP_GPA;
	EXPECT_EQ(TDVMCALL_STATUS_SUBFUNC_UNSUPPORTED,
		  tg_vmcall(_metadata, &self->g, &self->run, &x, NULL));
	EXPECT_EQ(0, self->g.nr_convert);
	EXPECT_EQ(0, GSTAT("tdx.mapgpa_exits"));
	/* A good one: one conversion exit, SUCCESS. */
	x.r10 = 0;
	x.r12 = TGPA | sbit;
	x.r13 = SZ_2M;
	EXPECT_EQ(TDVMCALL_STATUS_SUCCESS,
		  tg_vmcall(_metadata, &self->g, &self->run, &x, NULL));
	EXPECT_EQ(1, self->g.nr_convert);
	EXPECT_EQ(TGPA, self->g.convert[0].gpa);
	EXPECT_EQ(SZ_2M, self->g.convert[0].size);
	EXPECT_EQ(0, self->g.convert[0].flags);
}

/* SNP's raw steps are refused on a TD (and TDX's on SNP). */
TEST_F(tg, foreign_raw_steps_refused)
{
	struct ccmem_emu_vmgexit v = { .ghcb_msr = 0x100 };
	struct ccmem_guest_insn p[] = {
		{ .op = CCMEM_GOP_VMGEXIT, .arg = (uintptr_t)&v },
	};

	ASSERT_ERRNO(0, tg_create(&self->g, variant->attributes,
				  CCMEM_ACCEPT_LAZY, 0));
	struct ccmem_guest g2;

	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	EXPECT_EXIT(&self->run, CCMEM_EXIT_EMU_STEP_ERROR);
	/* The GHCB MSR protocol is SNP's. */
	EXPECT_ERRNO(-EINVAL, tg_create(&g2, variant->attributes,
					CCMEM_ACCEPT_LAZY,
					CCMEM_GUEST_F_CONVERT_MSR));
	ccmem_guest_destroy(&g2);
}

/* The guest's own ReportFatalError reaches the VMM with its code. */
TEST_F(tg, report_fatal_error_terminates)
{
	struct ccmem_emu_tdvmcall x = {
		.r11 = TDVMCALL_REPORT_FATAL_ERROR,
		.r12 = 0x1234,
	};
	struct ccmem_guest_insn p[] = {
		{ .op = CCMEM_GOP_TDVMCALL, .arg = (uintptr_t)&x },
	};

	ASSERT_ERRNO(0, tg_create(&self->g, variant->attributes,
				  CCMEM_ACCEPT_LAZY, 0));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_TERMINATED);
	EXPECT_EQ(CCMEM_TERM_F_GUEST, self->run.terminated.flags);
	EXPECT_EQ(0x1234, self->run.terminated.reason_code);
	EXPECT_EQ(1, GSTAT("tdx.fatal_reports"));
}

/* --- several vCPUs ----------------------------------------------------------- */

#define TSTRESS_VCPUS	4
#define TSTRESS_STEPS	24
#define TUNITS		(GMEM / SZ_2M)

struct tstress {
	struct ccmem_guest *g;
	uint32_t id;
	unsigned int seed;
	bool convert;		/* also convert this vCPU's own unit */
	int ret;
	struct ccmem_run run;
};

/*
 * Random overlapping accepts; with @convert, each vCPU also takes its own
 * unit (the last ones) to shared and back and checks it comes back zero.
 */
static void *tstress_vcpu(void *p)
{
	struct tstress *a = p;
	struct ccmem_guest_insn prog[TSTRESS_STEPS + 4];
	uint64_t own = TGPA + (TUNITS - 1 - a->id) * SZ_2M;
	uint32_t i, n = 0;

	for (i = 0; i < TSTRESS_STEPS; i++) {
		uint64_t u = rand_r(&a->seed) % (TUNITS - TSTRESS_VCPUS);
		uint64_t k = 1 + rand_r(&a->seed) % 4;

		if (u + k > TUNITS - TSTRESS_VCPUS)
			k = TUNITS - TSTRESS_VCPUS - u;
		prog[n++] = GI(CCMEM_GOP_ACCEPT, TGPA + u * SZ_2M, k * SZ_2M, 0);
	}
	if (a->convert) {
		prog[n++] = GI(CCMEM_GOP_ACCEPT, own, SZ_2M, 0);
		prog[n++] = GI(CCMEM_GOP_CONVERT, own, SZ_2M,
			       CCMEM_GOP_TO_SHARED);
		prog[n++] = GI(CCMEM_GOP_CONVERT, own, SZ_2M,
			       CCMEM_GOP_TO_PRIVATE);
		prog[n++] = GI(CCMEM_GOP_CHECK, own, SZ_2M, 0);
	}
	a->ret = ccmem_guest_exec(a->g, a->id, prog, n, &a->run);
	return NULL;
}

static void run_tstress(struct __test_metadata *_metadata, struct tstress *a,
			uint32_t nr)
{
	pthread_t th[TSTRESS_VCPUS];
	uint32_t i;

	ASSERT_GE(TSTRESS_VCPUS, nr);
	for (i = 0; i < nr; i++)
		ASSERT_ERRNO(0, ccmem_guest_add_vcpu(a[i].g, a[i].id));
	for (i = 0; i < nr; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, tstress_vcpu, &a[i]));
	for (i = 0; i < nr; i++) {
		pthread_join(th[i], NULL);
		EXPECT_ERRNO(0, a[i].ret);
		EXPECT_EXIT(&a[i].run, CCMEM_EXIT_EMU_DONE);
	}
}

/*
 * Four vCPUs accept overlapping units at once: each unit is ACCEPTed once
 * and AUGed once, at 2 MiB, and nothing looks like an attack.
 */
TEST_F(tg, vcpus_accept_same_units_concurrently_once)
{
	unsigned int seed = getpid() ^ 0x7d;
	struct tstress a[TSTRESS_VCPUS];
	uint64_t accepted;
	uint32_t i;

	TH_LOG("seed %u", seed);
	ASSERT_ERRNO(0, tg_create(&self->g, variant->attributes,
				  CCMEM_ACCEPT_LAZY, 0));
	for (i = 0; i < TSTRESS_VCPUS; i++)
		a[i] = (struct tstress){ .g = &self->g, .id = i,
					 .seed = seed + i, .convert = true };
	run_tstress(_metadata, a, TSTRESS_VCPUS);
	EXPECT_EQ(0, GSTAT("guest.security_events"));
	accepted = GSTAT("guest.accepted_bytes");
	/* One ACCEPT per unit, and one more for each unit back from shared. */
	EXPECT_EQ(accepted / SZ_2M + TSTRESS_VCPUS,
		  GSTAT("guest.accept_calls"));
	/* Each unit AUGed once, plus once more after its round trip. */
	EXPECT_EQ(accepted / SZ_2M + TSTRESS_VCPUS, GSTAT("tdx.augs_2m"));
	EXPECT_EQ(0, GSTAT("tdx.augs_4k"));
	EXPECT_EQ(2 * TSTRESS_VCPUS, GSTAT("tdx.mapgpa_exits"));
	EXPECT_EQ(GMEM, accepted + GSTAT("guest.unaccepted_bytes"));
	EXPECT_EQ(0, GSTAT("vm.leaked_pages"));
}

/* An SNP and a TDX guest run vCPUs at once, on the same core. */
TEST_F(tg, snp_and_tdx_guests_at_once)
{
	unsigned int seed = getpid();
	struct ccmem_emu_guest_config c = ccmem_guest_config(CCMEM_ACCEPT_LAZY,
							     TGPA, GMEM);
	struct ccmem_guest snp;
	struct tstress a[4] = {
		{ .g = &self->g, .id = 0, .seed = seed },
		{ .g = &self->g, .id = 1, .seed = seed + 1 },
		{ .g = &snp, .id = 0, .seed = seed + 2 },
		{ .g = &snp, .id = 1, .seed = seed + 3 },
	};

	TH_LOG("seed %u", seed);
	ASSERT_ERRNO(0, tg_create(&self->g, variant->attributes,
				  CCMEM_ACCEPT_LAZY, 0));
	ASSERT_ERRNO(0, ccmem_guest_create(&snp, &c));
	run_tstress(_metadata, a, NR(a));
	EXPECT_EQ(0, STAT(snp.vm, "guest.security_events"));
	EXPECT_EQ(0, GSTAT("guest.security_events"));
	EXPECT_LE(1, GSTAT("tdx.augs_2m"));
	ccmem_guest_destroy(&snp);
}

/* --- lifecycle and limits ------------------------------------------------- */

#define P_HKIDS	"/sys/module/ccmem_tdx/parameters/max_hkids_per_user"

/* HKIDs are capped per user, apart from SNP's ASIDs. */
TEST(hkids_per_user_capped)
{
	long long old = ccmem_param_get(P_HKIDS);
	int dev = ccmem_open_dev(), a, b, c, snp;

	ASSERT_LE(0, dev);
	ASSERT_GT(old, 0);
	ASSERT_ERRNO(0, ccmem_param_set(P_HKIDS, 2));
	a = td_create(dev, 0, 0, NULL);
	b = td_create(dev, 0, 0, NULL);
	EXPECT_LE(0, a);
	EXPECT_LE(0, b);
	EXPECT_ERRNO(-EDQUOT, td_create(dev, 0, 0, NULL));
	/* SNP keys are another pool. */
	snp = ccmem_vm_create(dev, CCMEM_VM_SNP, CCMEM_BACKEND_EMU, 0, NULL);
	EXPECT_LE(0, snp);
	close(b);
	c = td_create(dev, 0, 0, NULL);
	EXPECT_LE(0, c);
	EXPECT_ERRNO(0, ccmem_param_set(P_HKIDS, old));
	close(c);
	close(snp);
	close(a);
	close(dev);
}

/*
 * ccmem_tdx stays while a TD lives, with pages in every Secure-EPT shape;
 * when the last one is gone every page comes back and it unloads.
 */
TEST(module_unload_waits_for_live_tds)
{
	long long reclaimed = ccmem_global_stat("reclaimed_pages");
	struct ccmem_emu_insn in;
	int dev = ccmem_open_dev(), fd;
	uint8_t *shared;

	ASSERT_LE(0, dev);
	fd = td_create(dev, 0, 0, NULL);
	ASSERT_LE(0, fd);
	ASSERT_ERRNO(0, ccmem_vm_add_backed_region(fd, TGPA, MEM,
						   CCMEM_REGION_F_PRIVATE,
						   &shared));
	/* A launch page, a 2 MiB page, a demoted one, a pending one. */
	ASSERT_ERRNO(0, ccmem_vm_populate(fd, TGPA, SZ_4K,
					  CCMEM_POPULATE_F_IMMUTABLE, NULL));
	ASSERT_ERRNO(0, ccmem_emu_tdx_accept(fd, TGPA + SZ_2M, true, &in));
	ASSERT_ERRNO(0, ccmem_emu_tdx_accept(fd, TGPA + 2 * SZ_2M, true, &in));
	ASSERT_ERRNO(0, ccmem_vm_set_attr(fd, TGPA + 2 * SZ_2M, SZ_4K, false));
	ASSERT_ERRNO(0, ccmem_vm_populate(fd, TGPA + 3 * SZ_2M, SZ_4K, 0,
					  NULL));
	EXPECT_ERRNO(-EWOULDBLOCK, ccmem_module_unload("ccmem_tdx"));
	EXPECT_ERRNO(-EWOULDBLOCK, ccmem_module_unload("ccmem"));
	close(fd);
	EXPECT_EQ(reclaimed + 1 + 512 + 511 + 1 + 1,
		  ccmem_global_stat("reclaimed_pages"));
	ASSERT_ERRNO(0, ccmem_module_unload("ccmem_tdx"));
	EXPECT_ERRNO(-ENODEV, td_create(dev, 0, 0, NULL));
	ASSERT_ERRNO(0, ccmem_module_load("ccmem_tdx"));
	fd = td_create(dev, 0, 0, NULL);
	EXPECT_LE(0, fd);
	close(fd);
	munmap(shared, MEM);
	close(dev);
}

/*
 * The VMM goes away while a TD's vCPU waits for the answer to a MapGPA
 * exit: the vCPU is torn down, every page comes back, nothing leaks.
 */
TEST(vmm_exit_during_mapgpa_exit)
{
	long long leaked = ccmem_global_stat("leaked_pages");
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_BOOT, 0, 0, 0),
		GI(CCMEM_GOP_CONVERT, TGPA, SZ_2M, CCMEM_GOP_TO_SHARED),
	};
	struct ccmem_guest g;
	struct ccmem_run run;
	pid_t pid;
	int st;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (tg_create(&g, 0, CCMEM_ACCEPT_EAGER, 0) ||
		    ccmem_guest_add_vcpu(&g, 0) ||
		    ccmem_vcpu_set_program(g.vcpu[0], p, NR(p)))
			_exit(2);
		memset(&run, 0, sizeof(run));
		if (ccmem_vcpu_run(g.vcpu[0], &run) ||
		    run.exit_reason != CCMEM_EXIT_CONVERT)
			_exit(3);
		_exit(0);	/* the exit is never answered */
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st));
	EXPECT_EQ(0, ccmem_global_stat("vms_live"));
	EXPECT_EQ(leaked, ccmem_global_stat("leaked_pages"));
}

TEST_HARNESS_MAIN
