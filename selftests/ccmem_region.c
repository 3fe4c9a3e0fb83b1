// SPDX-License-Identifier: GPL-2.0
/*
 * ccmem_region - memory regions: every kind of bad input gets its own
 * errno and leaves the regions already there intact.
 */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ccmem_test.h"

FIXTURE(region) {
	struct tvm t;
	void *backing;
};

FIXTURE_SETUP(region)
{
	ASSERT_EQ(0, tvm_setup_std(&self->t));
	self->backing = map_backing(SZ_1G);
	ASSERT_NE(NULL, self->backing);
}

FIXTURE_TEARDOWN(region)
{
	munmap(self->backing, SZ_1G);
	tvm_destroy(&self->t);
}

/* The fixture's region is still whole and shared. */
static bool region_intact(struct tvm *t)
{
	struct ccmem_vm_stats s;

	return !tvm_stats(t, &s) && s.shared_bytes == TSIZE &&
	       s.private_bytes == 0;
}

TEST_F(region, add_reports_slot_and_bytes)
{
	struct ccmem_region r = {
		.gpa = 0, .size = SZ_2M,
		.shared_uaddr = (uintptr_t)self->backing,
	};
	struct ccmem_vm_stats s;

	ASSERT_EQ(0, ccmem_ioctl(self->t.fd, CCMEM_VM_ADD_REGION, &r));
	EXPECT_EQ(0, r.slot);	/* sorted: below the fixture's region */
	ASSERT_EQ(0, tvm_stats(&self->t, &s));
	EXPECT_EQ(TSIZE + SZ_2M, s.shared_bytes);
}

TEST_F(region, overlap_rejected)
{
	EXPECT_EQ(-EEXIST, tvm_region(self->t.fd, TGPA, TSIZE, self->backing, 0));
	EXPECT_EQ(-EEXIST, tvm_region(self->t.fd, TGPA - SZ_4K, 2 * SZ_4K,
				      self->backing, 0));
	EXPECT_EQ(-EEXIST, tvm_region(self->t.fd, TGPA + TSIZE - SZ_4K, SZ_2M,
				      self->backing, 0));
	EXPECT_EQ(-EEXIST, tvm_region(self->t.fd, TGPA - SZ_2M, TSIZE + SZ_1G,
				      self->backing, 0));
	EXPECT_EQ(-EEXIST, tvm_region(self->t.fd, TGPA + SZ_2M, SZ_4K,
				      self->backing, 0));
	EXPECT_TRUE(region_intact(&self->t));
}

TEST_F(region, adjacent_accepted)
{
	EXPECT_EQ(0, tvm_region(self->t.fd, TGPA + TSIZE, SZ_2M, self->backing, 0));
	EXPECT_EQ(0, tvm_region(self->t.fd, TGPA - SZ_2M, SZ_2M, self->backing, 0));
	/* A conversion may span adjacent regions. */
	EXPECT_EQ(0, tvm_set_attr(&self->t, TGPA - SZ_4K, TSIZE + 2 * SZ_4K, true));
}

TEST_F(region, misaligned_rejected)
{
	EXPECT_EQ(-EINVAL, tvm_region(self->t.fd, 0x800, SZ_4K, self->backing, 0));
	EXPECT_EQ(-EINVAL, tvm_region(self->t.fd, 0, SZ_4K + 1, self->backing, 0));
	EXPECT_EQ(-EINVAL, tvm_region(self->t.fd, 0, SZ_4K,
				      (uint8_t *)self->backing + 8, 0));
	EXPECT_TRUE(region_intact(&self->t));
}

TEST_F(region, zero_size_rejected)
{
	EXPECT_EQ(-EINVAL, tvm_region(self->t.fd, 0, 0, self->backing, 0));
}

TEST_F(region, too_large_rejected)
{
	EXPECT_EQ(-E2BIG, tvm_region(self->t.fd, 1ULL << 44,
				     CCMEM_MAX_REGION_SIZE + SZ_4K,
				     self->backing, 0));
	EXPECT_EQ(-E2BIG, tvm_region(self->t.fd, CCMEM_MAX_GPA - SZ_4K,
				     2 * SZ_4K, self->backing, 0));
	EXPECT_EQ(-E2BIG, tvm_region(self->t.fd, CCMEM_MAX_GPA, SZ_4K,
				     self->backing, 0));
	EXPECT_TRUE(region_intact(&self->t));
}

TEST_F(region, bad_backing_rejected)
{
	EXPECT_EQ(-EFAULT, tvm_region(self->t.fd, 0, SZ_4K, NULL, 0));
	EXPECT_EQ(-EFAULT, tvm_region(self->t.fd, 0, SZ_4K,
				      (void *)0xffff888000000000ULL, 0));
}

TEST_F(region, flags_and_reserved_checked)
{
	struct ccmem_region r = {
		.gpa = 0, .size = SZ_4K,
		.shared_uaddr = (uintptr_t)self->backing,
		.flags = 2,
	};

	EXPECT_EQ(-EINVAL, ccmem_ioctl(self->t.fd, CCMEM_VM_ADD_REGION, &r));
	r.flags = 0;
	r.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, ccmem_ioctl(self->t.fd, CCMEM_VM_ADD_REGION, &r));
	EXPECT_TRUE(region_intact(&self->t));
}

TEST_F(region, at_most_max_regions)
{
	int i;

	/* The fixture holds one region already. */
	for (i = 1; i < CCMEM_MAX_REGIONS; i++)
		ASSERT_EQ(0, tvm_region(self->t.fd, (uint64_t)i * SZ_2M, SZ_4K,
					self->backing, 0));
	EXPECT_EQ(-ENOSPC, tvm_region(self->t.fd, 8 * SZ_1G, SZ_4K,
				      self->backing, 0));
}

TEST_F(region, private_flag_starts_private)
{
	struct ccmem_vm_stats s;

	ASSERT_EQ(0, tvm_region(self->t.fd, 0, 4 * SZ_2M, self->backing,
				CCMEM_REGION_F_PRIVATE));
	ASSERT_EQ(0, tvm_stats(&self->t, &s));
	EXPECT_EQ(4 * SZ_2M, s.private_bytes);
	EXPECT_EQ(TSIZE, s.shared_bytes);
	EXPECT_EQ(1, s.attr_ranges);
	EXPECT_EQ(0, s.populated_pages);	/* backing comes on demand */
}

TEST_HARNESS_MAIN
