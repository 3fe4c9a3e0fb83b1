// SPDX-License-Identifier: GPL-2.0
/*
 * ccmem_convert - explicit private<->shared conversions: round trips at
 * 4 KiB and 2 MiB granularity, holes, scrubbing, population, splitting,
 * retries and leaks after platform failures.
 */
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "ccmem_test.h"

FIXTURE(conv) {
	struct tvm t;
};

FIXTURE_SETUP(conv)
{
	ASSERT_EQ(0, tvm_setup_std(&self->t));
}

FIXTURE_TEARDOWN(conv)
{
	tvm_destroy(&self->t);
}

static struct ccmem_vm_stats stats(struct tvm *t)
{
	struct ccmem_vm_stats s;

	tvm_stats(t, &s);
	return s;
}

TEST_F(conv, roundtrip_4k)
{
	struct ccmem_vm_stats s;

	ASSERT_EQ(0, tvm_set_attr(&self->t, TGPA + 5 * SZ_4K, SZ_4K, true));
	s = stats(&self->t);
	EXPECT_EQ(SZ_4K, s.private_bytes);
	EXPECT_EQ(TSIZE - SZ_4K, s.shared_bytes);
	EXPECT_EQ(1, s.to_private);
	ASSERT_EQ(0, tvm_set_attr(&self->t, TGPA + 5 * SZ_4K, SZ_4K, false));
	s = stats(&self->t);
	EXPECT_EQ(0, s.private_bytes);
	EXPECT_EQ(0, s.attr_ranges);
	EXPECT_EQ(1, s.to_shared);
}

TEST_F(conv, roundtrip_2m_and_offsets)
{
	struct ccmem_vm_stats s;

	ASSERT_EQ(0, tvm_set_attr(&self->t, TGPA + SZ_2M, SZ_2M, true));
	/* A 2 MiB conversion that is not 2 MiB aligned. */
	ASSERT_EQ(0, tvm_set_attr(&self->t, TGPA + 4 * SZ_2M + SZ_2M / 2,
				  SZ_2M, true));
	s = stats(&self->t);
	EXPECT_EQ(2 * SZ_2M, s.private_bytes);
	EXPECT_EQ(2, s.attr_ranges);
	ASSERT_EQ(0, tvm_set_attr(&self->t, TGPA, TSIZE, false));
	s = stats(&self->t);
	EXPECT_EQ(0, s.private_bytes);
	EXPECT_EQ(TSIZE, s.shared_bytes);
	EXPECT_EQ(0, s.attr_ranges);
}

TEST_F(conv, ranges_merge_and_split)
{
	ASSERT_EQ(0, tvm_set_attr(&self->t, TGPA, SZ_4K, true));
	ASSERT_EQ(0, tvm_set_attr(&self->t, TGPA + 2 * SZ_4K, SZ_4K, true));
	EXPECT_EQ(2, stats(&self->t).attr_ranges);
	ASSERT_EQ(0, tvm_set_attr(&self->t, TGPA + SZ_4K, SZ_4K, true));
	EXPECT_EQ(1, stats(&self->t).attr_ranges);
	/* Re-converting an already private range changes nothing. */
	ASSERT_EQ(0, tvm_set_attr(&self->t, TGPA, 3 * SZ_4K, true));
	EXPECT_EQ(3 * SZ_4K, stats(&self->t).private_bytes);
	EXPECT_EQ(1, stats(&self->t).attr_ranges);
	ASSERT_EQ(0, tvm_set_attr(&self->t, TGPA + SZ_4K, SZ_4K, false));
	EXPECT_EQ(2, stats(&self->t).attr_ranges);
}

TEST_F(conv, holes_in_private_range)
{
	uint8_t map[TSIZE / SZ_2M];
	uint64_t i;

	ASSERT_EQ(0, tvm_set_attr(&self->t, TGPA, TSIZE, true));
	for (i = 1; i < TSIZE / SZ_2M; i += 3)
		ASSERT_EQ(0, tvm_set_attr(&self->t, TGPA + i * SZ_2M + SZ_4K,
					  SZ_4K, false));
	EXPECT_EQ(TSIZE - 5 * SZ_4K, stats(&self->t).private_bytes);
	EXPECT_EQ(6, stats(&self->t).attr_ranges);
	ASSERT_EQ(0, tvm_map(&self->t, TGPA, TSIZE, 21, map));
	for (i = 0; i < TSIZE / SZ_2M; i++) {
		EXPECT_TRUE(map[i] & CCMEM_MAP_PRIVATE);
		EXPECT_EQ(i % 3 == 1, !!(map[i] & CCMEM_MAP_SHARED));
	}
	/* Private data around a hole survives the hole's conversions. */
	ASSERT_EQ(0, tvm_validate_range(&self->t, TGPA + SZ_2M, SZ_4K));
	ASSERT_EQ(0, tvm_write(&self->t, TGPA + SZ_2M, "keep", 4, false, NULL));
	ASSERT_EQ(0, tvm_set_attr(&self->t, TGPA + SZ_2M + SZ_4K, SZ_4K, true));
	ASSERT_EQ(0, tvm_set_attr(&self->t, TGPA + SZ_2M + SZ_4K, SZ_4K, false));
	{
		char buf[4];

		ASSERT_EQ(0, tvm_read(&self->t, TGPA + SZ_2M, buf, 4, false,
				      NULL));
		EXPECT_EQ(0, memcmp(buf, "keep", 4));
	}
}

TEST_F(conv, outside_regions_rejected)
{
	ASSERT_EQ(0, tvm_set_attr(&self->t, TGPA, SZ_4K, true));
	EXPECT_EQ(-ENOENT, tvm_set_attr(&self->t, 0, SZ_4K, true));
	EXPECT_EQ(-ENOENT, tvm_set_attr(&self->t, TGPA + TSIZE - SZ_4K,
					2 * SZ_4K, true));
	EXPECT_EQ(-ENOENT, tvm_set_attr(&self->t, TGPA - SZ_4K, 2 * SZ_4K,
					false));
	/* Nothing stored was lost. */
	EXPECT_EQ(SZ_4K, stats(&self->t).private_bytes);
}

TEST_F(conv, bad_arguments_rejected)
{
	struct ccmem_attributes a = { .gpa = TGPA, .size = SZ_4K,
				      .attributes = CCMEM_ATTR_PRIVATE };

	EXPECT_EQ(-EINVAL, tvm_set_attr(&self->t, TGPA + 1, SZ_4K, true));
	EXPECT_EQ(-EINVAL, tvm_set_attr(&self->t, TGPA, SZ_4K - 1, true));
	EXPECT_EQ(-EINVAL, tvm_set_attr(&self->t, TGPA, 0, true));
	EXPECT_EQ(-EINVAL, tvm_set_attr(&self->t, ~0ULL & ~0xfffULL, SZ_2M,
					true));
	a.attributes = 1;
	EXPECT_EQ(-EINVAL, ccmem_ioctl(self->t.fd, CCMEM_VM_SET_ATTRIBUTES, &a));
	a.attributes = CCMEM_ATTR_PRIVATE;
	a.flags = 1;
	EXPECT_EQ(-EINVAL, ccmem_ioctl(self->t.fd, CCMEM_VM_SET_ATTRIBUTES, &a));
	a.flags = 0;
	a.reserved0 = 1;
	EXPECT_EQ(-EINVAL, ccmem_ioctl(self->t.fd, CCMEM_VM_SET_ATTRIBUTES, &a));
	a.reserved0 = 0;
	a.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, ccmem_ioctl(self->t.fd, CCMEM_VM_SET_ATTRIBUTES, &a));
	EXPECT_EQ(0, stats(&self->t).private_bytes);
}

TEST_F(conv, populate_whole_2m_block_is_one_entry)
{
	struct ccmem_emu_op op;
	uint64_t populated;

	ASSERT_EQ(0, tvm_set_attr(&self->t, TGPA, 2 * SZ_2M, true));
	ASSERT_EQ(0, tvm_populate(&self->t, TGPA, SZ_2M, 0, &populated));
	EXPECT_EQ(SZ_2M, populated);
	EXPECT_EQ(1, stats(&self->t).assigned_2m);
	EXPECT_EQ(0, stats(&self->t).assigned_4k);
	ASSERT_EQ(0, tvm_lookup(&self->t, TGPA + 17 * SZ_4K, &op));
	EXPECT_EQ(CCMEM_EMU_O_ASSIGNED | CCMEM_EMU_O_2M, op.out_flags);
	EXPECT_EQ(self->t.asid, op.asid);
	/* Populating again allocates nothing. */
	ASSERT_EQ(0, tvm_populate(&self->t, TGPA, SZ_2M, 0, &populated));
	EXPECT_EQ(0, populated);
}

TEST_F(conv, populate_partial_block_is_4k)
{
	uint64_t populated;

	ASSERT_EQ(0, tvm_set_attr(&self->t, TGPA, SZ_2M, true));
	ASSERT_EQ(0, tvm_populate(&self->t, TGPA + SZ_4K, 64 * SZ_4K, 0,
				  &populated));
	EXPECT_EQ(64 * SZ_4K, populated);
	EXPECT_EQ(0, stats(&self->t).assigned_2m);
	EXPECT_EQ(64, stats(&self->t).assigned_4k);
	/* The rest of the block cannot be 2M any more either. */
	ASSERT_EQ(0, tvm_populate(&self->t, TGPA, SZ_2M, 0, &populated));
	EXPECT_EQ(SZ_2M - 64 * SZ_4K, populated);
	EXPECT_EQ(0, stats(&self->t).assigned_2m);
}

TEST_F(conv, populate_needs_private_range)
{
	ASSERT_EQ(0, tvm_set_attr(&self->t, TGPA, SZ_4K, true));
	EXPECT_EQ(-EPERM, tvm_populate(&self->t, TGPA, 2 * SZ_4K, 0, NULL));
	EXPECT_EQ(-ENOENT, tvm_populate(&self->t, 0, SZ_4K, 0, NULL));
	EXPECT_EQ(-EINVAL, tvm_populate(&self->t, TGPA, SZ_4K, 2, NULL));
	EXPECT_EQ(0, stats(&self->t).populated_pages);
}

TEST_F(conv, partial_conversion_splits_2m_entry)
{
	struct ccmem_vm_stats s;
	struct ccmem_emu_op op;

	ASSERT_EQ(0, tvm_set_attr(&self->t, TGPA, SZ_2M, true));
	ASSERT_EQ(0, tvm_populate(&self->t, TGPA, SZ_2M, 0, NULL));
	ASSERT_EQ(0, tvm_set_attr(&self->t, TGPA + 9 * SZ_4K, SZ_4K, false));
	s = stats(&self->t);
	EXPECT_EQ(1, s.splits);
	EXPECT_EQ(511, s.populated_pages);
	EXPECT_EQ(1, s.scrubbed_pages);
	ASSERT_EQ(0, tvm_lookup(&self->t, TGPA + 10 * SZ_4K, &op));
	EXPECT_EQ(CCMEM_EMU_O_ASSIGNED, op.out_flags);	/* now 4K */
	ASSERT_EQ(0, tvm_lookup(&self->t, TGPA + 9 * SZ_4K, &op));
	EXPECT_EQ(0, op.out_flags);
}

TEST_F(conv, whole_block_release_without_split)
{
	struct ccmem_vm_stats s;

	ASSERT_EQ(0, tvm_set_attr(&self->t, TGPA, 2 * SZ_2M, true));
	ASSERT_EQ(0, tvm_populate(&self->t, TGPA, 2 * SZ_2M, 0, NULL));
	ASSERT_EQ(0, tvm_set_attr(&self->t, TGPA, SZ_2M, false));
	s = stats(&self->t);
	EXPECT_EQ(0, s.splits);
	EXPECT_EQ(512, s.populated_pages);
	EXPECT_EQ(512, s.reclaimed_pages);
}

/* Invariant 4: private data never survives a page leaving the guest. */
TEST_F(conv, scrub_shared_private_shared_private)
{
	uint8_t buf[64];
	struct ccmem_emu_op op;

	ASSERT_EQ(0, tvm_write(&self->t, TGPA, "old shared data", 15, true,
			       NULL));
	ASSERT_EQ(0, tvm_set_attr(&self->t, TGPA, SZ_4K, true));
	ASSERT_EQ(0, tvm_validate_range(&self->t, TGPA, SZ_4K));
	/* Shared->private never shows old host-visible content. */
	ASSERT_EQ(0, tvm_read(&self->t, TGPA, buf, sizeof(buf), false, &op));
	EXPECT_EQ(CCMEM_EMU_R_DONE, op.result);
	EXPECT_TRUE(buf_is(buf, 0, sizeof(buf)));

	memset(buf, 0x5e, sizeof(buf));
	ASSERT_EQ(0, tvm_write(&self->t, TGPA, buf, sizeof(buf), false, NULL));
	ASSERT_EQ(0, tvm_pvalidate(&self->t, TGPA, false, false, NULL));
	ASSERT_EQ(0, tvm_set_attr(&self->t, TGPA, SZ_4K, false));
	EXPECT_EQ(1, stats(&self->t).scrubbed_pages);
	ASSERT_EQ(0, tvm_read(&self->t, TGPA, buf, sizeof(buf), true, NULL));
	EXPECT_EQ(NULL, memchr(buf, 0x5e, sizeof(buf)));

	/* The scrubbed page is the next one handed out: it must read 0. */
	ASSERT_EQ(0, tvm_set_attr(&self->t, TGPA, SZ_4K, true));
	ASSERT_EQ(0, tvm_validate_range(&self->t, TGPA, SZ_4K));
	ASSERT_EQ(0, tvm_read(&self->t, TGPA, buf, sizeof(buf), false, NULL));
	EXPECT_TRUE(buf_is(buf, 0, sizeof(buf)));
}

TEST_F(conv, scrub_across_vms)
{
	uint8_t buf[4096];
	struct tvm other;
	int i;

	/* One VM fills pages with a secret and is destroyed... */
	ASSERT_EQ(0, tvm_create(&other, 0));
	ASSERT_EQ(0, tvm_add_region(&other, TGPA, SZ_2M,
				    CCMEM_REGION_F_PRIVATE));
	memset(buf, 0xa5, sizeof(buf));
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, tvm_validate_range(&other, TGPA + i * SZ_4K, SZ_4K));
		ASSERT_EQ(0, tvm_write(&other, TGPA + i * SZ_4K, buf,
				       sizeof(buf), false, NULL));
	}
	tvm_destroy(&other);

	/* ...and the next VM's pages read as zeros. */
	ASSERT_EQ(0, tvm_set_attr(&self->t, TGPA + SZ_2M + SZ_4K, 8 * SZ_4K,
				  true));
	for (i = 0; i < 8; i++) {
		uint64_t gpa = TGPA + SZ_2M + (i + 1) * SZ_4K;

		ASSERT_EQ(0, tvm_validate_range(&self->t, gpa, SZ_4K));
		ASSERT_EQ(0, tvm_read(&self->t, gpa, buf, sizeof(buf), false,
				      NULL));
		EXPECT_TRUE(buf_is(buf, 0, sizeof(buf)));
	}
}

TEST_F(conv, transient_platform_conflict_retried)
{
	ASSERT_EQ(0, tvm_set_attr(&self->t, TGPA, SZ_4K, true));
	ASSERT_EQ(0, tvm_inject(&self->t, CCMEM_INJECT_RMPUPDATE, 3, 3));
	ASSERT_EQ(0, tvm_populate(&self->t, TGPA, SZ_4K, 0, NULL));
	EXPECT_EQ(3, stats(&self->t).platform_retries);
	EXPECT_EQ(1, stats(&self->t).populated_pages);
	EXPECT_EQ(CCMEM_VM_STATE_LIVE, stats(&self->t).state);
}

/* Invariant 6: unknown platform state leaks the page and kills the VM. */
TEST_F(conv, failed_assign_leaks_and_kills_vm)
{
	long long leaked = ccmem_global_stat("leaked_pages");
	struct ccmem_vm_stats s;

	ASSERT_EQ(0, tvm_set_attr(&self->t, TGPA, SZ_4K, true));
	ASSERT_EQ(0, tvm_inject(&self->t, CCMEM_INJECT_RMPUPDATE, 1, 1));
	EXPECT_EQ(-EIO, tvm_populate(&self->t, TGPA, SZ_4K, 0, NULL));
	s = stats(&self->t);
	EXPECT_EQ(CCMEM_VM_STATE_DEAD, s.state);
	EXPECT_EQ(1, s.leaked_pages);
	EXPECT_EQ(0, s.populated_pages);
	EXPECT_EQ(leaked + 1, ccmem_global_stat("leaked_pages"));
	EXPECT_EQ(-EIO, tvm_set_attr(&self->t, TGPA, SZ_4K, false));
	EXPECT_EQ(-EIO, tvm_populate(&self->t, TGPA, SZ_4K, 0, NULL));
}

TEST_F(conv, persistent_conflict_is_bounded_then_leaks)
{
	struct ccmem_vm_stats s;

	ASSERT_EQ(0, tvm_set_attr(&self->t, TGPA, SZ_4K, true));
	ASSERT_EQ(0, tvm_populate(&self->t, TGPA, SZ_4K, 0, NULL));
	ASSERT_EQ(0, tvm_inject(&self->t, CCMEM_INJECT_RMPUPDATE, 4, 1000));
	EXPECT_EQ(-EIO, tvm_set_attr(&self->t, TGPA, SZ_4K, false));
	s = stats(&self->t);
	EXPECT_EQ(8, s.platform_retries);
	EXPECT_EQ(1, s.leaked_pages);
	EXPECT_EQ(0, s.reclaimed_pages);
	EXPECT_EQ(CCMEM_VM_STATE_DEAD, s.state);
}

TEST_F(conv, failed_psmash_leaks_whole_block)
{
	struct ccmem_vm_stats s;

	ASSERT_EQ(0, tvm_set_attr(&self->t, TGPA, SZ_2M, true));
	ASSERT_EQ(0, tvm_populate(&self->t, TGPA, SZ_2M, 0, NULL));
	ASSERT_EQ(0, tvm_inject(&self->t, CCMEM_INJECT_PSMASH, 1, 1));
	EXPECT_EQ(-EIO, tvm_set_attr(&self->t, TGPA, SZ_4K, false));
	s = stats(&self->t);
	EXPECT_EQ(512, s.leaked_pages);
	EXPECT_EQ(CCMEM_VM_STATE_DEAD, s.state);
	/* Stats and the map still work on a dead VM. */
	{
		uint8_t map[1];

		EXPECT_EQ(0, tvm_map(&self->t, TGPA, SZ_2M, 21, map));
	}
}

TEST_F(conv, immutable_launch_pages)
{
	struct ccmem_emu_op op;

	ASSERT_EQ(0, tvm_set_attr(&self->t, TGPA, SZ_2M, true));
	ASSERT_EQ(0, tvm_populate(&self->t, TGPA, 4 * SZ_4K,
				  CCMEM_POPULATE_F_IMMUTABLE, NULL));
	ASSERT_EQ(0, tvm_lookup(&self->t, TGPA, &op));
	EXPECT_EQ(CCMEM_EMU_O_ASSIGNED | CCMEM_EMU_O_IMMUTABLE, op.out_flags);
	/* Leaving the guest goes through firmware reclaim, not a leak. */
	ASSERT_EQ(0, tvm_set_attr(&self->t, TGPA, SZ_2M, false));
	EXPECT_EQ(4, stats(&self->t).reclaimed_pages);
	EXPECT_EQ(0, stats(&self->t).leaked_pages);
}

TEST_F(conv, huge_range_is_one_range)
{
	struct ccmem_vm_stats s;
	void *big = map_backing(64 * SZ_1G);

	/* Reserve address space only: the module never touches it here. */
	ASSERT_NE(NULL, big);
	ASSERT_EQ(0, tvm_region(self->t.fd, 1ULL << 40, 64 * SZ_1G, big, 0));
	ASSERT_EQ(0, tvm_set_attr(&self->t, 1ULL << 40, 64 * SZ_1G, true));
	s = stats(&self->t);
	EXPECT_EQ(64 * SZ_1G, s.private_bytes);
	EXPECT_EQ(1, s.attr_ranges);
	EXPECT_EQ(0, s.populated_pages);
	ASSERT_EQ(0, tvm_set_attr(&self->t, (1ULL << 40) + SZ_1G, SZ_4K,
				  false));
	EXPECT_EQ(2, stats(&self->t).attr_ranges);
}

TEST_HARNESS_MAIN
