// SPDX-License-Identifier: GPL-2.0
/*
 * ccmem_pin - DMA pins of shared ranges (invariant 5: a pinned page cannot
 * be converted while pinned, with a clear -EBUSY).
 */
#include <errno.h>

#include "kselftest_harness.h"
#include "ccmem_test.h"

FIXTURE(pin) {
	struct tvm t;
};

FIXTURE_SETUP(pin)
{
	ASSERT_EQ(0, tvm_setup_std(&self->t));
}

FIXTURE_TEARDOWN(pin)
{
	tvm_destroy(&self->t);
}

TEST_F(pin, pinned_range_refuses_conversion)
{
	struct ccmem_vm_stats s;

	ASSERT_EQ(0, tvm_pin(&self->t, TGPA + SZ_2M, 16 * SZ_4K));
	ASSERT_EQ(0, tvm_stats(&self->t, &s));
	EXPECT_EQ(16, s.pinned_pages);
	EXPECT_EQ(-EBUSY, tvm_set_attr(&self->t, TGPA + SZ_2M, 16 * SZ_4K,
				       true));
	/* Any overlap is enough, and nothing changes. */
	EXPECT_EQ(-EBUSY, tvm_set_attr(&self->t, TGPA, SZ_2M + SZ_4K, true));
	EXPECT_EQ(-EBUSY, tvm_set_attr(&self->t, TGPA + SZ_2M + 15 * SZ_4K,
				       SZ_2M, true));
	ASSERT_EQ(0, tvm_stats(&self->t, &s));
	EXPECT_EQ(0, s.private_bytes);
	/* Next to the pin is fine. */
	EXPECT_EQ(0, tvm_set_attr(&self->t, TGPA, SZ_2M, true));
	ASSERT_EQ(0, tvm_unpin(&self->t, TGPA + SZ_2M, 16 * SZ_4K));
	EXPECT_EQ(0, tvm_set_attr(&self->t, TGPA + SZ_2M, 16 * SZ_4K, true));
	ASSERT_EQ(0, tvm_stats(&self->t, &s));
	EXPECT_EQ(0, s.pinned_pages);
}

TEST_F(pin, pinned_pages_stay_pinned_until_unpinned)
{
	ASSERT_EQ(0, tvm_pin(&self->t, TGPA, SZ_4K));
	ASSERT_EQ(0, tvm_pin(&self->t, TGPA, SZ_4K));	/* two DMA users */
	ASSERT_EQ(0, tvm_unpin(&self->t, TGPA, SZ_4K));
	EXPECT_EQ(-EBUSY, tvm_set_attr(&self->t, TGPA, SZ_4K, true));
	ASSERT_EQ(0, tvm_unpin(&self->t, TGPA, SZ_4K));
	EXPECT_EQ(0, tvm_set_attr(&self->t, TGPA, SZ_4K, true));
}

TEST_F(pin, private_range_cannot_be_pinned)
{
	ASSERT_EQ(0, tvm_set_attr(&self->t, TGPA + SZ_4K, SZ_4K, true));
	EXPECT_EQ(-EPERM, tvm_pin(&self->t, TGPA, 4 * SZ_4K));
	EXPECT_EQ(-EPERM, tvm_pin(&self->t, TGPA + SZ_4K, SZ_4K));
	EXPECT_EQ(0, tvm_pin(&self->t, TGPA + 2 * SZ_4K, SZ_4K));
}

TEST_F(pin, unpin_must_match_a_pin)
{
	ASSERT_EQ(0, tvm_pin(&self->t, TGPA, 4 * SZ_4K));
	EXPECT_EQ(-ENOENT, tvm_unpin(&self->t, TGPA, 2 * SZ_4K));
	EXPECT_EQ(-ENOENT, tvm_unpin(&self->t, TGPA + SZ_4K, 3 * SZ_4K));
	EXPECT_EQ(-ENOENT, tvm_unpin(&self->t, TGPA + SZ_2M, SZ_4K));
	EXPECT_EQ(0, tvm_unpin(&self->t, TGPA, 4 * SZ_4K));
	EXPECT_EQ(-ENOENT, tvm_unpin(&self->t, TGPA, 4 * SZ_4K));
}

TEST_F(pin, bad_arguments_rejected)
{
	struct ccmem_pin p = { .gpa = TGPA, .size = SZ_4K, .flags = 1 };

	EXPECT_EQ(-EINVAL, tvm_pin(&self->t, TGPA + 1, SZ_4K));
	EXPECT_EQ(-EINVAL, tvm_pin(&self->t, TGPA, 0));
	EXPECT_EQ(-EINVAL, tvm_pin(&self->t, TGPA, SZ_4K + 8));
	EXPECT_EQ(-EINVAL, tvm_pin(&self->t, TGPA, CCMEM_MAX_PIN_SIZE + SZ_4K));
	EXPECT_EQ(-EINVAL, ccmem_ioctl(self->t.fd, CCMEM_VM_PIN, &p));
	p.flags = 0;
	p.reserved[0] = 1;
	EXPECT_EQ(-EINVAL, ccmem_ioctl(self->t.fd, CCMEM_VM_PIN, &p));
	EXPECT_EQ(-EINVAL, ccmem_ioctl(self->t.fd, CCMEM_VM_UNPIN, &p));
}

TEST_F(pin, outside_one_region_rejected)
{
	EXPECT_EQ(-ENOENT, tvm_pin(&self->t, 0, SZ_4K));
	EXPECT_EQ(-ENOENT, tvm_pin(&self->t, TGPA + TSIZE - SZ_4K, 2 * SZ_4K));
}

TEST_F(pin, at_most_max_pins)
{
	int i;

	for (i = 0; i < CCMEM_MAX_PINS; i++)
		ASSERT_EQ(0, tvm_pin(&self->t, TGPA + (i % 8) * SZ_4K, SZ_4K));
	EXPECT_EQ(-ENOSPC, tvm_pin(&self->t, TGPA, SZ_4K));
}

TEST_F(pin, map_shows_pinned)
{
	uint8_t map[TSIZE / SZ_2M];

	ASSERT_EQ(0, tvm_pin(&self->t, TGPA + 3 * SZ_2M, SZ_4K));
	ASSERT_EQ(0, tvm_map(&self->t, TGPA, TSIZE, 21, map));
	EXPECT_EQ(CCMEM_MAP_SHARED | CCMEM_MAP_PINNED, map[3]);
	EXPECT_EQ(CCMEM_MAP_SHARED, map[2]);
}

TEST_F(pin, dma_sees_guest_shared_writes)
{
	uint8_t buf[8];

	ASSERT_EQ(0, tvm_pin(&self->t, TGPA, SZ_4K));
	ASSERT_EQ(0, tvm_write(&self->t, TGPA + 8, "dmadata", 8, true, NULL));
	/* The pinned page is the VMM's shared backing itself. */
	EXPECT_EQ(0, memcmp(self->t.shared + 8, "dmadata", 8));
	ASSERT_EQ(0, tvm_read(&self->t, TGPA + 8, buf, 8, true, NULL));
	EXPECT_EQ(0, memcmp(buf, "dmadata", 8));
}

TEST_HARNESS_MAIN
