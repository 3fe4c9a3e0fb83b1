// SPDX-License-Identifier: GPL-2.0
/*
 * ccmem_pin - DMA pins of shared ranges (invariant 5: a pinned page cannot
 * be converted while pinned, with a clear -EBUSY that names the first
 * pinned gpa).
 */
#include <errno.h>

#include "kselftest_harness.h"
#include "ccmem_test.h"

FIXTURE(pin) {
	struct tvm t;
	int fd;
};

FIXTURE_SETUP(pin)
{
	ASSERT_ERRNO(0, tvm_setup_std(&self->t));
	self->fd = self->t.fd;
}

FIXTURE_TEARDOWN(pin)
{
	tvm_destroy(&self->t);
}

TEST_F(pin, pinned_range_refuses_conversion)
{
	int fd = self->fd;

	ASSERT_ERRNO(0, ccmem_vm_pin(fd, TGPA + SZ_2M, 16 * SZ_4K));
	EXPECT_EQ(16, STAT(fd, "vm.pinned_pages"));
	EXPECT_ERRNO(-EBUSY, ccmem_vm_set_attr(fd, TGPA + SZ_2M, 16 * SZ_4K,
					       true));
	/* Any overlap is enough, and nothing changes. */
	EXPECT_ERRNO(-EBUSY, ccmem_vm_set_attr(fd, TGPA, SZ_2M + SZ_4K, true));
	EXPECT_ERRNO(-EBUSY, ccmem_vm_set_attr(fd, TGPA + SZ_2M + 15 * SZ_4K,
					       SZ_2M, true));
	EXPECT_EQ(0, STAT(fd, "vm.private_bytes"));
	/* Next to the pin is fine. */
	EXPECT_ERRNO(0, ccmem_vm_set_attr(fd, TGPA, SZ_2M, true));
	ASSERT_ERRNO(0, ccmem_vm_unpin(fd, TGPA + SZ_2M, 16 * SZ_4K));
	EXPECT_ERRNO(0, ccmem_vm_set_attr(fd, TGPA + SZ_2M, 16 * SZ_4K, true));
	EXPECT_EQ(0, STAT(fd, "vm.pinned_pages"));
}

TEST_F(pin, ebusy_names_first_pinned_gpa)
{
	const uint64_t unset = 0xdeadbeef000ULL;
	uint64_t err;
	int fd = self->fd;

	/* Two pins; the one pinned second lies first in the range. */
	ASSERT_ERRNO(0, ccmem_vm_pin(fd, TGPA + 3 * SZ_2M, 2 * SZ_4K));
	ASSERT_ERRNO(0, ccmem_vm_pin(fd, TGPA + SZ_2M + 5 * SZ_4K, SZ_4K));
	err = unset;
	EXPECT_ERRNO(-EBUSY, ccmem_vm_set_attr_err(fd, TGPA, 4 * SZ_2M, true,
						   &err));
	EXPECT_EQ(TGPA + SZ_2M + 5 * SZ_4K, err);
	/* A range starting inside a pin names its own first page. */
	err = unset;
	EXPECT_ERRNO(-EBUSY, ccmem_vm_set_attr_err(fd, TGPA + 3 * SZ_2M + SZ_4K,
						   SZ_2M, true, &err));
	EXPECT_EQ(TGPA + 3 * SZ_2M + SZ_4K, err);
	err = unset;
	EXPECT_ERRNO(-EBUSY, ccmem_vm_set_attr_err(fd, TGPA + 2 * SZ_2M,
						   2 * SZ_2M, false, &err));
	EXPECT_EQ(TGPA + 3 * SZ_2M, err);
	/* Other outcomes leave it as it was. */
	err = unset;
	EXPECT_ERRNO(0, ccmem_vm_set_attr_err(fd, TGPA, SZ_2M, true, &err));
	EXPECT_EQ(unset, err);
	EXPECT_ERRNO(-ENOENT, ccmem_vm_set_attr_err(fd, 0, SZ_4K, true, &err));
	EXPECT_EQ(unset, err);
	EXPECT_ERRNO(-EINVAL, ccmem_vm_set_attr_err(fd, TGPA + 1, SZ_4K, true,
						    &err));
	EXPECT_EQ(unset, err);
	EXPECT_EQ(SZ_2M, STAT(fd, "vm.private_bytes"));
}

TEST_F(pin, pinned_pages_stay_pinned_until_unpinned)
{
	int fd = self->fd;

	ASSERT_ERRNO(0, ccmem_vm_pin(fd, TGPA, SZ_4K));
	ASSERT_ERRNO(0, ccmem_vm_pin(fd, TGPA, SZ_4K));	/* two DMA users */
	ASSERT_ERRNO(0, ccmem_vm_unpin(fd, TGPA, SZ_4K));
	EXPECT_ERRNO(-EBUSY, ccmem_vm_set_attr(fd, TGPA, SZ_4K, true));
	ASSERT_ERRNO(0, ccmem_vm_unpin(fd, TGPA, SZ_4K));
	EXPECT_ERRNO(0, ccmem_vm_set_attr(fd, TGPA, SZ_4K, true));
}

TEST_F(pin, private_range_cannot_be_pinned)
{
	int fd = self->fd;

	ASSERT_ERRNO(0, ccmem_vm_set_attr(fd, TGPA + SZ_4K, SZ_4K, true));
	EXPECT_ERRNO(-EPERM, ccmem_vm_pin(fd, TGPA, 4 * SZ_4K));
	EXPECT_ERRNO(-EPERM, ccmem_vm_pin(fd, TGPA + SZ_4K, SZ_4K));
	EXPECT_ERRNO(0, ccmem_vm_pin(fd, TGPA + 2 * SZ_4K, SZ_4K));
}

TEST_F(pin, unpin_must_match_a_pin)
{
	int fd = self->fd;

	ASSERT_ERRNO(0, ccmem_vm_pin(fd, TGPA, 4 * SZ_4K));
	EXPECT_ERRNO(-ENOENT, ccmem_vm_unpin(fd, TGPA, 2 * SZ_4K));
	EXPECT_ERRNO(-ENOENT, ccmem_vm_unpin(fd, TGPA + SZ_4K, 3 * SZ_4K));
	EXPECT_ERRNO(-ENOENT, ccmem_vm_unpin(fd, TGPA + SZ_2M, SZ_4K));
	EXPECT_ERRNO(0, ccmem_vm_unpin(fd, TGPA, 4 * SZ_4K));
	EXPECT_ERRNO(-ENOENT, ccmem_vm_unpin(fd, TGPA, 4 * SZ_4K));
}

TEST_F(pin, bad_arguments_rejected)
{
	struct ccmem_pin p = { .gpa = TGPA, .size = SZ_4K, .flags = 1 };
	int fd = self->fd;

	EXPECT_ERRNO(-EINVAL, ccmem_vm_pin(fd, TGPA + 1, SZ_4K));
	EXPECT_ERRNO(-EINVAL, ccmem_vm_pin(fd, TGPA, 0));
	EXPECT_ERRNO(-EINVAL, ccmem_vm_pin(fd, TGPA, SZ_4K + 8));
	EXPECT_ERRNO(-EINVAL, ccmem_vm_pin(fd, TGPA,
					   CCMEM_MAX_PIN_SIZE + SZ_4K));
	EXPECT_ERRNO(-EINVAL, ccmem_ioctl(fd, CCMEM_VM_PIN, &p));
	p.flags = 0;
	p.reserved[0] = 1;
	EXPECT_ERRNO(-EINVAL, ccmem_ioctl(fd, CCMEM_VM_PIN, &p));
	EXPECT_ERRNO(-EINVAL, ccmem_ioctl(fd, CCMEM_VM_UNPIN, &p));
}

TEST_F(pin, outside_one_region_rejected)
{
	EXPECT_ERRNO(-ENOENT, ccmem_vm_pin(self->fd, 0, SZ_4K));
	EXPECT_ERRNO(-ENOENT, ccmem_vm_pin(self->fd, TGPA + TSIZE - SZ_4K,
					   2 * SZ_4K));
}

TEST_F(pin, at_most_max_pins)
{
	int i;

	for (i = 0; i < CCMEM_MAX_PINS; i++)
		ASSERT_ERRNO(0, ccmem_vm_pin(self->fd, TGPA + (i % 8) * SZ_4K,
					     SZ_4K));
	EXPECT_ERRNO(-ENOSPC, ccmem_vm_pin(self->fd, TGPA, SZ_4K));
}

TEST_F(pin, map_shows_pinned)
{
	uint8_t map[TSIZE / SZ_2M];

	ASSERT_ERRNO(0, ccmem_vm_pin(self->fd, TGPA + 3 * SZ_2M, SZ_4K));
	ASSERT_ERRNO(0, ccmem_vm_map(self->fd, TGPA, TSIZE, 21, map));
	EXPECT_EQ(CCMEM_MAP_SHARED | CCMEM_MAP_PINNED, map[3]);
	EXPECT_EQ(CCMEM_MAP_SHARED, map[2]);
}

/*
 * The pinned page is the VMM's shared backing itself: what the guest
 * writes shared is what a device reading the pinned page gets, and what
 * a device writes there the guest reads. The pin is what keeps it so:
 * the page is pinned (map, counter), and it cannot leave the shared state
 * (-EBUSY naming it) until it is unpinned.
 */
TEST_F(pin, dma_sees_guest_shared_writes)
{
	const uint64_t gpa = TGPA + 2 * SZ_2M + 3 * SZ_4K;
	uint8_t map[4], buf[8];
	struct ccmem_emu_access acc;
	uint64_t err = 0;
	int fd = self->fd;

	ASSERT_ERRNO(0, ccmem_vm_pin(fd, gpa, SZ_4K));
	EXPECT_EQ(1, STAT(fd, "vm.pinned_pages"));
	ASSERT_ERRNO(0, ccmem_vm_map(fd, gpa, 4 * SZ_4K, 12, map));
	EXPECT_EQ(CCMEM_MAP_SHARED | CCMEM_MAP_PINNED, map[0]);
	EXPECT_EQ(CCMEM_MAP_SHARED, map[1]);

	ASSERT_ERRNO(0, ccmem_emu_write(fd, gpa + 8, "dmadata", 8, ACC_SHARED,
					&acc));
	ASSERT_RESULT(CCMEM_EMU_R_DONE, acc.result);
	EXPECT_EQ(0, memcmp(self->t.shared + (gpa - TGPA) + 8, "dmadata", 8));
	memcpy(self->t.shared + (gpa - TGPA) + 16, "device!", 8);
	ASSERT_ERRNO(0, ccmem_emu_read(fd, gpa + 16, buf, 8, ACC_SHARED, &acc));
	ASSERT_RESULT(CCMEM_EMU_R_DONE, acc.result);
	EXPECT_EQ(0, memcmp(buf, "device!", 8));

	/* While DMA may run, the page stays shared. */
	EXPECT_ERRNO(-EBUSY, ccmem_vm_set_attr_err(fd, gpa - SZ_4K, 4 * SZ_4K,
						   true, &err));
	EXPECT_EQ(gpa, err);
	EXPECT_EQ(0, STAT(fd, "vm.private_bytes"));
	ASSERT_ERRNO(0, ccmem_emu_read(fd, gpa + 8, buf, 8, ACC_SHARED, &acc));
	ASSERT_RESULT(CCMEM_EMU_R_DONE, acc.result);
	EXPECT_EQ(0, memcmp(buf, "dmadata", 8));

	ASSERT_ERRNO(0, ccmem_vm_unpin(fd, gpa, SZ_4K));
	EXPECT_EQ(0, STAT(fd, "vm.pinned_pages"));
	EXPECT_ERRNO(0, ccmem_vm_set_attr(fd, gpa - SZ_4K, 4 * SZ_4K, true));
}

TEST_HARNESS_MAIN
