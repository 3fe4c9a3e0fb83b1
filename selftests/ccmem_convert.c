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
#include "rmp_model.h"

FIXTURE(conv) {
	struct tvm t;
	int fd;
};

FIXTURE_SETUP(conv)
{
	ASSERT_ERRNO(0, tvm_setup_std(&self->t));
	self->fd = self->t.fd;
}

FIXTURE_TEARDOWN(conv)
{
	tvm_destroy(&self->t);
}

/* Counter "vm.@name" of the fixture's VM; asserts that it can be read. */
#define VMSTAT(name)	STAT(self->fd, "vm." name)

TEST_F(conv, roundtrip_4k)
{
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA + 5 * SZ_4K, SZ_4K,
					  true));
	EXPECT_EQ(SZ_4K, VMSTAT("private_bytes"));
	EXPECT_EQ(TSIZE - SZ_4K, VMSTAT("shared_bytes"));
	EXPECT_EQ(1, VMSTAT("to_private"));
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA + 5 * SZ_4K, SZ_4K,
					  false));
	EXPECT_EQ(0, VMSTAT("private_bytes"));
	EXPECT_EQ(0, VMSTAT("attr_ranges"));
	EXPECT_EQ(1, VMSTAT("to_shared"));
}

TEST_F(conv, roundtrip_2m_and_offsets)
{
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA + SZ_2M, SZ_2M, true));
	/* A 2 MiB conversion that is not 2 MiB aligned. */
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA + 4 * SZ_2M + SZ_2M / 2,
					  SZ_2M, true));
	EXPECT_EQ(2 * SZ_2M, VMSTAT("private_bytes"));
	EXPECT_EQ(2, VMSTAT("attr_ranges"));
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA, TSIZE, false));
	EXPECT_EQ(0, VMSTAT("private_bytes"));
	EXPECT_EQ(TSIZE, VMSTAT("shared_bytes"));
	EXPECT_EQ(0, VMSTAT("attr_ranges"));
}

TEST_F(conv, ranges_merge_and_split)
{
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA, SZ_4K, true));
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA + 2 * SZ_4K, SZ_4K,
					  true));
	EXPECT_EQ(2, VMSTAT("attr_ranges"));
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA + SZ_4K, SZ_4K, true));
	EXPECT_EQ(1, VMSTAT("attr_ranges"));
	/* Re-converting an already private range changes nothing. */
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA, 3 * SZ_4K, true));
	EXPECT_EQ(3 * SZ_4K, VMSTAT("private_bytes"));
	EXPECT_EQ(1, VMSTAT("attr_ranges"));
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA + SZ_4K, SZ_4K, false));
	EXPECT_EQ(2, VMSTAT("attr_ranges"));
}

TEST_F(conv, holes_in_private_range)
{
	uint8_t map[TSIZE / SZ_2M];
	char buf[4];
	uint64_t i;

	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA, TSIZE, true));
	for (i = 1; i < TSIZE / SZ_2M; i += 3)
		ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd,
						  TGPA + i * SZ_2M + SZ_4K,
						  SZ_4K, false));
	EXPECT_EQ(TSIZE - 5 * SZ_4K, VMSTAT("private_bytes"));
	EXPECT_EQ(6, VMSTAT("attr_ranges"));
	ASSERT_ERRNO(0, ccmem_vm_map(self->fd, TGPA, TSIZE, 21, map));
	for (i = 0; i < TSIZE / SZ_2M; i++) {
		EXPECT_TRUE(map[i] & CCMEM_MAP_PRIVATE);
		EXPECT_EQ(i % 3 == 1, !!(map[i] & CCMEM_MAP_SHARED));
	}
	/* Private data around a hole survives the hole's conversions. */
	ASSERT_ERRNO(0, ccmem_emu_pvalidate_range(self->fd, TGPA + SZ_2M, SZ_4K,
						  true, false, NULL));
	ASSERT_ERRNO(0, ccmem_emu_write(self->fd, TGPA + SZ_2M, "keep", 4,
					ACC_PRIVATE, NULL));
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA + SZ_2M + SZ_4K, SZ_4K,
					  true));
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA + SZ_2M + SZ_4K, SZ_4K,
					  false));
	ASSERT_ERRNO(0, ccmem_emu_read(self->fd, TGPA + SZ_2M, buf, 4,
				       ACC_PRIVATE, NULL));
	EXPECT_EQ(0, memcmp(buf, "keep", 4));
}

TEST_F(conv, outside_regions_rejected)
{
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA, SZ_4K, true));
	EXPECT_ERRNO(-ENOENT, ccmem_vm_set_attr(self->fd, 0, SZ_4K, true));
	EXPECT_ERRNO(-ENOENT, ccmem_vm_set_attr(self->fd, TGPA + TSIZE - SZ_4K,
						2 * SZ_4K, true));
	EXPECT_ERRNO(-ENOENT, ccmem_vm_set_attr(self->fd, TGPA - SZ_4K,
						2 * SZ_4K, false));
	/* Nothing stored was lost. */
	EXPECT_EQ(SZ_4K, VMSTAT("private_bytes"));
}

TEST_F(conv, bad_arguments_rejected)
{
	struct ccmem_attributes a = { .gpa = TGPA, .size = SZ_4K,
				      .attributes = CCMEM_ATTR_PRIVATE };
	int fd = self->fd;

	EXPECT_ERRNO(-EINVAL, ccmem_vm_set_attr(fd, TGPA + 1, SZ_4K, true));
	EXPECT_ERRNO(-EINVAL, ccmem_vm_set_attr(fd, TGPA, SZ_4K - 1, true));
	EXPECT_ERRNO(-EINVAL, ccmem_vm_set_attr(fd, TGPA, 0, true));
	EXPECT_ERRNO(-EINVAL, ccmem_vm_set_attr(fd, ~0ULL & ~0xfffULL, SZ_2M,
						true));
	a.attributes = 1;
	EXPECT_ERRNO(-EINVAL, ccmem_ioctl(fd, CCMEM_VM_SET_ATTRIBUTES, &a));
	a.attributes = CCMEM_ATTR_PRIVATE;
	a.flags = 1;
	EXPECT_ERRNO(-EINVAL, ccmem_ioctl(fd, CCMEM_VM_SET_ATTRIBUTES, &a));
	a.flags = 0;
	a.reserved0 = 1;
	EXPECT_ERRNO(-EINVAL, ccmem_ioctl(fd, CCMEM_VM_SET_ATTRIBUTES, &a));
	a.reserved0 = 0;
	a.reserved[1] = 1;
	EXPECT_ERRNO(-EINVAL, ccmem_ioctl(fd, CCMEM_VM_SET_ATTRIBUTES, &a));
	EXPECT_EQ(0, VMSTAT("private_bytes"));
	/* error_gpa is an output: whatever comes in is ignored. */
	a.reserved[1] = 0;
	a.error_gpa = 0x1234;
	EXPECT_ERRNO(0, ccmem_ioctl(fd, CCMEM_VM_SET_ATTRIBUTES, &a));
	EXPECT_EQ(SZ_4K, VMSTAT("private_bytes"));
}

TEST_F(conv, populate_whole_2m_block_is_one_entry)
{
	struct ccmem_emu_lookup l;
	uint64_t populated;

	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA, 2 * SZ_2M, true));
	ASSERT_ERRNO(0, ccmem_vm_populate(self->fd, TGPA, SZ_2M, 0, &populated));
	EXPECT_EQ(SZ_2M, populated);
	EXPECT_EQ(1, VMSTAT("assigned_2m"));
	EXPECT_EQ(0, VMSTAT("assigned_4k"));
	ASSERT_ERRNO(0, ccmem_emu_lookup(self->fd, TGPA + 17 * SZ_4K, &l));
	EXPECT_EQ(CCMEM_EMU_S_ASSIGNED | CCMEM_EMU_S_2M, l.state);
	EXPECT_EQ(self->t.key_id, l.key_id);
	/* Populating again allocates nothing. */
	ASSERT_ERRNO(0, ccmem_vm_populate(self->fd, TGPA, SZ_2M, 0, &populated));
	EXPECT_EQ(0, populated);
}

TEST_F(conv, populate_partial_block_is_4k)
{
	uint64_t populated;

	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA, SZ_2M, true));
	ASSERT_ERRNO(0, ccmem_vm_populate(self->fd, TGPA + SZ_4K, 64 * SZ_4K, 0,
					  &populated));
	EXPECT_EQ(64 * SZ_4K, populated);
	EXPECT_EQ(0, VMSTAT("assigned_2m"));
	EXPECT_EQ(64, VMSTAT("assigned_4k"));
	/* The rest of the block cannot be 2M any more either. */
	ASSERT_ERRNO(0, ccmem_vm_populate(self->fd, TGPA, SZ_2M, 0, &populated));
	EXPECT_EQ(SZ_2M - 64 * SZ_4K, populated);
	EXPECT_EQ(0, VMSTAT("assigned_2m"));
}

TEST_F(conv, populate_needs_private_range)
{
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA, SZ_4K, true));
	EXPECT_ERRNO(-EPERM, ccmem_vm_populate(self->fd, TGPA, 2 * SZ_4K, 0,
					       NULL));
	EXPECT_ERRNO(-ENOENT, ccmem_vm_populate(self->fd, 0, SZ_4K, 0, NULL));
	EXPECT_ERRNO(-EINVAL, ccmem_vm_populate(self->fd, TGPA, SZ_4K, 2, NULL));
	EXPECT_EQ(0, VMSTAT("populated_pages"));
}

TEST_F(conv, partial_conversion_splits_2m_entry)
{
	struct ccmem_emu_lookup l;

	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA, SZ_2M, true));
	ASSERT_ERRNO(0, ccmem_vm_populate(self->fd, TGPA, SZ_2M, 0, NULL));
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA + 9 * SZ_4K, SZ_4K,
					  false));
	EXPECT_EQ(1, VMSTAT("splits"));
	EXPECT_EQ(511, VMSTAT("populated_pages"));
	EXPECT_EQ(1, VMSTAT("scrubbed_pages"));
	ASSERT_ERRNO(0, ccmem_emu_lookup(self->fd, TGPA + 10 * SZ_4K, &l));
	EXPECT_EQ(CCMEM_EMU_S_ASSIGNED, l.state);	/* now 4K */
	ASSERT_ERRNO(0, ccmem_emu_lookup(self->fd, TGPA + 9 * SZ_4K, &l));
	EXPECT_EQ(0, l.state);
}

TEST_F(conv, whole_block_release_without_split)
{
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA, 2 * SZ_2M, true));
	ASSERT_ERRNO(0, ccmem_vm_populate(self->fd, TGPA, 2 * SZ_2M, 0, NULL));
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA, SZ_2M, false));
	EXPECT_EQ(0, VMSTAT("splits"));
	EXPECT_EQ(512, VMSTAT("populated_pages"));
	EXPECT_EQ(512, VMSTAT("reclaimed_pages"));
}

/*
 * Invariant 4 through one page's life. What the host wrote while the page
 * was shared never shows privately; the guest reads its private data back,
 * and it never appears in the shared backing; back to shared, the guest
 * sees the host's backing and nothing private; and the private page was
 * scrubbed: the pool, its free list drained first and LIFO, hands that
 * very page out next, and it reads as zeros.
 */
TEST_F(conv, scrub_shared_private_shared_private)
{
	static const char old[] = "old shared data";
	uint8_t secret[SZ_4K], buf[SZ_4K];
	struct ccmem_emu_access acc;
	long long free_pages;
	struct tvm drain;
	int fd = self->fd;

	ASSERT_ERRNO(0, tvm_drain_free_list(&drain, NULL));
	memcpy(self->t.shared, old, sizeof(old));
	ASSERT_ERRNO(0, ccmem_emu_read(fd, TGPA, buf, SZ_4K, ACC_SHARED, &acc));
	ASSERT_RESULT(CCMEM_EMU_R_DONE, acc.result);
	ASSERT_EQ(0, memcmp(buf, old, sizeof(old)));

	/* Shared->private never shows old host-visible content. */
	ASSERT_ERRNO(0, ccmem_vm_set_attr(fd, TGPA, SZ_4K, true));
	EXPECT_ERRNO(0, tvm_private_page_zero(fd, TGPA));

	/* Private data: the guest has it, the shared backing never does. */
	memset(secret, 0x5e, sizeof(secret));
	ASSERT_ERRNO(0, ccmem_emu_write(fd, TGPA, secret, SZ_4K, ACC_PRIVATE,
					&acc));
	ASSERT_RESULT(CCMEM_EMU_R_DONE, acc.result);
	ASSERT_ERRNO(0, ccmem_emu_read(fd, TGPA, buf, SZ_4K, ACC_PRIVATE, NULL));
	EXPECT_EQ(0, memcmp(buf, secret, SZ_4K));
	EXPECT_EQ(NULL, memmem(self->t.shared, TSIZE, secret, 64));
	EXPECT_EQ(0, memcmp(self->t.shared, old, sizeof(old)));

	/* Back to shared: the page leaves the guest, scrubbed... */
	ASSERT_ERRNO(0, ccmem_emu_pvalidate_range(fd, TGPA, SZ_4K, false, false,
						  NULL));
	free_pages = ccmem_global_stat("free_list_pages");
	ASSERT_ERRNO(0, ccmem_vm_set_attr(fd, TGPA, SZ_4K, false));
	EXPECT_EQ(1, VMSTAT("scrubbed_pages"));
	EXPECT_EQ(free_pages + 1, ccmem_global_stat("free_list_pages"));
	/* ...and the guest sees the host's data and zeros, nothing private. */
	memset(buf, 0xff, sizeof(buf));
	ASSERT_ERRNO(0, ccmem_emu_read(fd, TGPA, buf, SZ_4K, ACC_SHARED, &acc));
	ASSERT_RESULT(CCMEM_EMU_R_DONE, acc.result);
	EXPECT_EQ(0, memcmp(buf, old, sizeof(old)));
	EXPECT_TRUE(buf_is(buf + sizeof(old), 0, SZ_4K - sizeof(old)));
	EXPECT_EQ(NULL, memmem(self->t.shared, TSIZE, secret, 64));

	/* The scrubbed page is the next one handed out: it must read 0. */
	ASSERT_ERRNO(0, ccmem_vm_set_attr(fd, TGPA, SZ_4K, true));
	ASSERT_ERRNO(0, ccmem_vm_populate(fd, TGPA, SZ_4K, 0, NULL));
	EXPECT_EQ(free_pages, ccmem_global_stat("free_list_pages"));
	EXPECT_ERRNO(0, tvm_private_page_zero(fd, TGPA));
	tvm_destroy(&drain);
}

TEST_F(conv, scrub_across_vms)
{
	uint8_t buf[4096];
	struct tvm other;
	int i;

	/* One VM fills pages with a secret and is destroyed... */
	ASSERT_ERRNO(0, tvm_create(&other, 0));
	ASSERT_ERRNO(0, tvm_add_region(&other, TGPA, SZ_2M,
				       CCMEM_REGION_F_PRIVATE));
	memset(buf, 0xa5, sizeof(buf));
	for (i = 0; i < 8; i++) {
		ASSERT_ERRNO(0, ccmem_emu_pvalidate_range(other.fd,
							  TGPA + i * SZ_4K,
							  SZ_4K, true, false,
							  NULL));
		ASSERT_ERRNO(0, ccmem_emu_write(other.fd, TGPA + i * SZ_4K, buf,
						sizeof(buf), ACC_PRIVATE, NULL));
	}
	tvm_destroy(&other);

	/* ...and the next VM's pages read as zeros. */
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA + SZ_2M + SZ_4K,
					  8 * SZ_4K, true));
	for (i = 0; i < 8; i++)
		EXPECT_ERRNO(0, tvm_private_page_zero(self->fd, TGPA + SZ_2M +
						      (i + 1) * SZ_4K));
}

TEST_F(conv, transient_platform_conflict_retried)
{
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA, SZ_4K, true));
	ASSERT_ERRNO(0, ccmem_emu_inject(self->fd, CCMEM_INJECT_ASSIGN,
					 RMPUPDATE_FAIL_INUSE, 3));
	ASSERT_ERRNO(0, ccmem_vm_populate(self->fd, TGPA, SZ_4K, 0, NULL));
	EXPECT_EQ(3, VMSTAT("platform_retries"));
	EXPECT_EQ(1, VMSTAT("populated_pages"));
	EXPECT_STATE(CCMEM_VM_STATE_LIVE, VMSTAT("state"));
}

/* Invariant 6: unknown platform state leaks the page and kills the VM. */
TEST_F(conv, failed_assign_leaks_and_kills_vm)
{
	long long leaked = ccmem_global_stat("leaked_pages");

	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA, SZ_4K, true));
	ASSERT_ERRNO(0, ccmem_emu_inject(self->fd, CCMEM_INJECT_ASSIGN,
					 RMPUPDATE_FAIL_INPUT, 1));
	EXPECT_ERRNO(-EIO, ccmem_vm_populate(self->fd, TGPA, SZ_4K, 0, NULL));
	EXPECT_STATE(CCMEM_VM_STATE_DEAD, VMSTAT("state"));
	EXPECT_EQ(1, VMSTAT("leaked_pages"));
	EXPECT_EQ(0, VMSTAT("populated_pages"));
	EXPECT_EQ(leaked + 1, ccmem_global_stat("leaked_pages"));
	EXPECT_ERRNO(-EIO, ccmem_vm_set_attr(self->fd, TGPA, SZ_4K, false));
	EXPECT_ERRNO(-EIO, ccmem_vm_populate(self->fd, TGPA, SZ_4K, 0, NULL));
}

TEST_F(conv, persistent_conflict_is_bounded_then_leaks)
{
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA, SZ_4K, true));
	ASSERT_ERRNO(0, ccmem_vm_populate(self->fd, TGPA, SZ_4K, 0, NULL));
	ASSERT_ERRNO(0, ccmem_emu_inject(self->fd, CCMEM_INJECT_ASSIGN,
					 RMPUPDATE_FAIL_OVERLAP, 1000));
	EXPECT_ERRNO(-EIO, ccmem_vm_set_attr(self->fd, TGPA, SZ_4K, false));
	EXPECT_EQ(8, VMSTAT("platform_retries"));
	EXPECT_EQ(1, VMSTAT("leaked_pages"));
	EXPECT_EQ(0, VMSTAT("reclaimed_pages"));
	EXPECT_STATE(CCMEM_VM_STATE_DEAD, VMSTAT("state"));
}

TEST_F(conv, failed_psmash_leaks_whole_block)
{
	uint8_t map[1];

	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA, SZ_2M, true));
	ASSERT_ERRNO(0, ccmem_vm_populate(self->fd, TGPA, SZ_2M, 0, NULL));
	ASSERT_ERRNO(0, ccmem_emu_inject(self->fd, CCMEM_INJECT_SPLIT,
					 PSMASH_FAIL_INPUT, 1));
	EXPECT_ERRNO(-EIO, ccmem_vm_set_attr(self->fd, TGPA, SZ_4K, false));
	EXPECT_EQ(512, VMSTAT("leaked_pages"));
	EXPECT_STATE(CCMEM_VM_STATE_DEAD, VMSTAT("state"));
	/* Stats and the map still work on a dead VM. */
	EXPECT_ERRNO(0, ccmem_vm_map(self->fd, TGPA, SZ_2M, 21, map));
}

/* A control never makes a skipped platform operation report success. */
TEST_F(conv, inject_code_0_refused)
{
	struct ccmem_emu_lookup l;
	int fd = self->fd;

	EXPECT_ERRNO(-EINVAL, ccmem_emu_inject(fd, CCMEM_INJECT_ASSIGN, 0, 1));
	EXPECT_ERRNO(-EINVAL, ccmem_emu_inject(fd, CCMEM_INJECT_SPLIT, 0, 3));
	EXPECT_ERRNO(-EINVAL, ccmem_emu_inject(fd, CCMEM_INJECT_CONVERT_BACKWARD,
					       0, 1));
	/* A count of 0 clears, whatever the code. */
	EXPECT_ERRNO(0, ccmem_emu_inject(fd, CCMEM_INJECT_ASSIGN, 0, 0));
	EXPECT_ERRNO(0, ccmem_emu_inject(fd, CCMEM_INJECT_SPLIT, 0, 0));

	/* Nothing was armed: the platform really assigns and splits. */
	ASSERT_ERRNO(0, ccmem_vm_set_attr(fd, TGPA, SZ_2M, true));
	ASSERT_ERRNO(0, ccmem_vm_populate(fd, TGPA, SZ_2M, 0, NULL));
	ASSERT_ERRNO(0, ccmem_emu_lookup(fd, TGPA + 2 * SZ_4K, &l));
	EXPECT_EQ(CCMEM_EMU_S_ASSIGNED | CCMEM_EMU_S_2M, l.state);
	ASSERT_ERRNO(0, ccmem_vm_set_attr(fd, TGPA + SZ_4K, SZ_4K, false));
	ASSERT_ERRNO(0, ccmem_emu_lookup(fd, TGPA + 2 * SZ_4K, &l));
	EXPECT_EQ(CCMEM_EMU_S_ASSIGNED, l.state);
	ASSERT_ERRNO(0, ccmem_emu_lookup(fd, TGPA + SZ_4K, &l));
	EXPECT_EQ(0, l.state);
	EXPECT_EQ(1, VMSTAT("splits"));
	EXPECT_EQ(0, VMSTAT("platform_retries"));
	EXPECT_EQ(0, VMSTAT("leaked_pages"));
	EXPECT_STATE(CCMEM_VM_STATE_LIVE, VMSTAT("state"));
}

TEST_F(conv, immutable_launch_pages)
{
	struct ccmem_emu_lookup l;

	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA, SZ_2M, true));
	ASSERT_ERRNO(0, ccmem_vm_populate(self->fd, TGPA, 4 * SZ_4K,
					  CCMEM_POPULATE_F_IMMUTABLE, NULL));
	ASSERT_ERRNO(0, ccmem_emu_lookup(self->fd, TGPA, &l));
	EXPECT_EQ(CCMEM_EMU_S_ASSIGNED | CCMEM_EMU_S_IMMUTABLE, l.state);
	/* Leaving the guest goes through firmware reclaim, not a leak. */
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA, SZ_2M, false));
	EXPECT_EQ(4, VMSTAT("reclaimed_pages"));
	EXPECT_EQ(0, VMSTAT("leaked_pages"));
}

TEST_F(conv, huge_range_is_one_range)
{
	void *big = ccmem_backing(64 * SZ_1G);

	/* Reserve address space only: the module never touches it here. */
	ASSERT_NE(NULL, big);
	ASSERT_ERRNO(0, ccmem_vm_add_region(self->fd, 1ULL << 40, 64 * SZ_1G,
					    big, 0, NULL));
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, 1ULL << 40, 64 * SZ_1G,
					  true));
	EXPECT_EQ(64 * SZ_1G, VMSTAT("private_bytes"));
	EXPECT_EQ(1, VMSTAT("attr_ranges"));
	EXPECT_EQ(0, VMSTAT("populated_pages"));
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, (1ULL << 40) + SZ_1G, SZ_4K,
					  false));
	EXPECT_EQ(2, VMSTAT("attr_ranges"));
}

TEST_HARNESS_MAIN
