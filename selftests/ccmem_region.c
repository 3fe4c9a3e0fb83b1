// SPDX-License-Identifier: GPL-2.0
/*
 * ccmem_region - memory regions: every kind of bad input gets its own
 * errno and leaves the regions already there intact; slots are stable
 * ids; up to 512 regions; deleting a region gives back its memory,
 * scrubbed, and forgets its attributes.
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
	ASSERT_ERRNO(0, tvm_setup_std(&self->t));
	self->backing = ccmem_backing(SZ_1G);
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
	uint64_t shared, priv, regions;

	return !ccmem_vm_stat(t->fd, "vm.shared_bytes", &shared) &&
	       !ccmem_vm_stat(t->fd, "vm.private_bytes", &priv) &&
	       !ccmem_vm_stat(t->fd, "vm.regions", &regions) &&
	       shared == TSIZE && !priv && regions == 1;
}

/* A region of the fixture's VM backed by self->backing. */
static int add(struct tvm *t, void *backing, uint64_t gpa, uint64_t size,
	       uint32_t flags, uint32_t *slot)
{
	return ccmem_vm_add_region(t->fd, gpa, size, backing, flags, slot);
}

TEST_F(region, add_reports_stable_slot_and_bytes)
{
	uint32_t a, b, c, d;

	/* Each new region is the lowest: an index would be 0 every time. */
	ASSERT_ERRNO(0, add(&self->t, self->backing, 3 * SZ_2M, SZ_2M, 0, &a));
	ASSERT_ERRNO(0, add(&self->t, self->backing, 2 * SZ_2M, SZ_2M, 0, &b));
	ASSERT_ERRNO(0, add(&self->t, self->backing, SZ_2M, SZ_2M, 0, &c));
	EXPECT_NE(a, b);
	EXPECT_NE(b, c);
	EXPECT_NE(a, c);
	EXPECT_EQ(TSIZE + 3 * SZ_2M, STAT(self->t.fd, "vm.shared_bytes"));
	EXPECT_EQ(4, STAT(self->t.fd, "vm.regions"));
	/* A new region never takes the slot of a live one. */
	ASSERT_ERRNO(0, ccmem_vm_delete_region(self->t.fd, 2 * SZ_2M, SZ_2M));
	ASSERT_ERRNO(0, add(&self->t, self->backing, 0, SZ_2M, 0, &d));
	EXPECT_NE(a, d);
	EXPECT_NE(c, d);
}

TEST_F(region, overlap_rejected)
{
	void *b = self->backing;

	EXPECT_ERRNO(-EEXIST, add(&self->t, b, TGPA, TSIZE, 0, NULL));
	EXPECT_ERRNO(-EEXIST, add(&self->t, b, TGPA - SZ_4K, 2 * SZ_4K, 0, NULL));
	EXPECT_ERRNO(-EEXIST, add(&self->t, b, TGPA + TSIZE - SZ_4K, SZ_2M, 0,
				  NULL));
	EXPECT_ERRNO(-EEXIST, add(&self->t, b, TGPA - SZ_2M, TSIZE + SZ_1G, 0,
				  NULL));
	EXPECT_ERRNO(-EEXIST, add(&self->t, b, TGPA + SZ_2M, SZ_4K, 0, NULL));
	EXPECT_TRUE(region_intact(&self->t));
}

TEST_F(region, adjacent_accepted)
{
	EXPECT_ERRNO(0, add(&self->t, self->backing, TGPA + TSIZE, SZ_2M, 0,
			    NULL));
	EXPECT_ERRNO(0, add(&self->t, self->backing, TGPA - SZ_2M, SZ_2M, 0,
			    NULL));
	/* A conversion may span adjacent regions. */
	EXPECT_ERRNO(0, ccmem_vm_set_attr(self->t.fd, TGPA - SZ_4K,
					  TSIZE + 2 * SZ_4K, true));
}

TEST_F(region, misaligned_rejected)
{
	void *b = self->backing;

	EXPECT_ERRNO(-EINVAL, add(&self->t, b, 0x800, SZ_4K, 0, NULL));
	EXPECT_ERRNO(-EINVAL, add(&self->t, b, 0, SZ_4K + 1, 0, NULL));
	EXPECT_ERRNO(-EINVAL, add(&self->t, (uint8_t *)b + 8, 0, SZ_4K, 0,
				  NULL));
	EXPECT_TRUE(region_intact(&self->t));
}

TEST_F(region, zero_size_rejected)
{
	EXPECT_ERRNO(-EINVAL, add(&self->t, self->backing, 0, 0, 0, NULL));
}

TEST_F(region, too_large_rejected)
{
	void *b = self->backing;

	EXPECT_ERRNO(-E2BIG, add(&self->t, b, 1ULL << 44,
				 CCMEM_MAX_REGION_SIZE + SZ_4K, 0, NULL));
	EXPECT_ERRNO(-E2BIG, add(&self->t, b, CCMEM_MAX_GPA - SZ_4K, 2 * SZ_4K,
				 0, NULL));
	EXPECT_ERRNO(-E2BIG, add(&self->t, b, CCMEM_MAX_GPA, SZ_4K, 0, NULL));
	EXPECT_TRUE(region_intact(&self->t));
}

TEST_F(region, bad_backing_rejected)
{
	EXPECT_ERRNO(-EFAULT, add(&self->t, NULL, 0, SZ_4K, 0, NULL));
	EXPECT_ERRNO(-EFAULT, add(&self->t, (void *)0xffff888000000000ULL, 0,
				  SZ_4K, 0, NULL));
}

TEST_F(region, flags_and_reserved_checked)
{
	struct ccmem_region r = {
		.gpa = 0, .size = SZ_4K,
		.shared_uaddr = (uintptr_t)self->backing,
		.flags = 2,
	};

	EXPECT_ERRNO(-EINVAL, ccmem_ioctl(self->t.fd, CCMEM_VM_ADD_REGION, &r));
	r.flags = 0;
	r.reserved[1] = 1;
	EXPECT_ERRNO(-EINVAL, ccmem_ioctl(self->t.fd, CCMEM_VM_ADD_REGION, &r));
	EXPECT_TRUE(region_intact(&self->t));
}

TEST_F(region, at_most_max_regions)
{
	int i;

	/* The fixture holds one region already. */
	for (i = 1; i < CCMEM_MAX_REGIONS; i++)
		ASSERT_ERRNO(0, add(&self->t, self->backing, (uint64_t)i * SZ_2M,
				    SZ_4K, 0, NULL));
	EXPECT_ERRNO(-ENOSPC, add(&self->t, self->backing, 8 * SZ_1G, SZ_4K, 0,
				  NULL));
}

TEST_F(region, private_flag_starts_private)
{
	ASSERT_ERRNO(0, add(&self->t, self->backing, 0, 4 * SZ_2M,
			    CCMEM_REGION_F_PRIVATE, NULL));
	EXPECT_EQ(4 * SZ_2M, STAT(self->t.fd, "vm.private_bytes"));
	EXPECT_EQ(TSIZE, STAT(self->t.fd, "vm.shared_bytes"));
	EXPECT_EQ(1, STAT(self->t.fd, "vm.attr_ranges"));
	/* Backing comes on demand. */
	EXPECT_EQ(0, STAT(self->t.fd, "vm.populated_pages"));
}

/* --- 512 regions -------------------------------------------------------- */

TEST_F(region, regions_512_fit_513th_enospc)
{
	struct tvm v;
	int i;

	ASSERT_ERRNO(0, tvm_create(&v, 0));
	ASSERT_ERRNO(512, ccmem_check_extension(v.fd, CCMEM_CAP_MAX_REGIONS));
	for (i = 0; i < 512; i++)
		ASSERT_ERRNO(0, add(&v, self->backing, (uint64_t)i * SZ_1G,
				    SZ_4K, 0, NULL));
	EXPECT_EQ(512, STAT(v.fd, "vm.regions"));
	EXPECT_ERRNO(-ENOSPC, add(&v, self->backing, 512 * SZ_1G, SZ_4K, 0,
				  NULL));
	/* Deleting one makes room for one. */
	ASSERT_ERRNO(0, ccmem_vm_delete_region(v.fd, 100 * SZ_1G, SZ_4K));
	EXPECT_EQ(511, STAT(v.fd, "vm.regions"));
	EXPECT_ERRNO(0, add(&v, self->backing, 512 * SZ_1G, SZ_4K, 0, NULL));
	EXPECT_ERRNO(-ENOSPC, add(&v, self->backing, 100 * SZ_1G, SZ_4K, 0,
				  NULL));
	tvm_destroy(&v);
}

/* --- delete ------------------------------------------------------------- */

TEST_F(region, delete_needs_exact_region_enoent)
{
	struct ccmem_region r = { .gpa = TGPA, .size = TSIZE };
	int fd = self->t.fd;

	EXPECT_ERRNO(-ENOENT, ccmem_vm_delete_region(fd, TGPA, TSIZE - SZ_4K));
	EXPECT_ERRNO(-ENOENT, ccmem_vm_delete_region(fd, TGPA + SZ_4K,
						     TSIZE - SZ_4K));
	EXPECT_ERRNO(-ENOENT, ccmem_vm_delete_region(fd, TGPA, TSIZE + SZ_4K));
	EXPECT_ERRNO(-ENOENT, ccmem_vm_delete_region(fd, 0, SZ_4K));
	r.flags = 1;
	EXPECT_ERRNO(-EINVAL, ccmem_ioctl(fd, CCMEM_VM_DELETE_REGION, &r));
	r.flags = 0;
	r.shared_uaddr = (uintptr_t)self->t.shared;
	EXPECT_ERRNO(-EINVAL, ccmem_ioctl(fd, CCMEM_VM_DELETE_REGION, &r));
	r.shared_uaddr = 0;
	r.reserved[0] = 1;
	EXPECT_ERRNO(-EINVAL, ccmem_ioctl(fd, CCMEM_VM_DELETE_REGION, &r));
	EXPECT_TRUE(region_intact(&self->t));

	EXPECT_ERRNO(0, ccmem_vm_delete_region(fd, TGPA, TSIZE));
	EXPECT_ERRNO(-ENOENT, ccmem_vm_delete_region(fd, TGPA, TSIZE));
	EXPECT_EQ(0, STAT(fd, "vm.regions"));
	EXPECT_EQ(0, STAT(fd, "vm.shared_bytes"));
	EXPECT_ERRNO(-ENOENT, ccmem_vm_set_attr(fd, TGPA, SZ_4K, true));
}

TEST_F(region, delete_of_pinned_region_ebusy)
{
	int fd = self->t.fd;

	ASSERT_ERRNO(0, ccmem_vm_pin(fd, TGPA + SZ_2M, SZ_4K));
	EXPECT_ERRNO(-EBUSY, ccmem_vm_delete_region(fd, TGPA, TSIZE));
	EXPECT_TRUE(region_intact(&self->t));
	EXPECT_EQ(1, STAT(fd, "vm.pinned_pages"));
	ASSERT_ERRNO(0, ccmem_vm_unpin(fd, TGPA + SZ_2M, SZ_4K));
	EXPECT_ERRNO(0, ccmem_vm_delete_region(fd, TGPA, TSIZE));
	EXPECT_EQ(0, STAT(fd, "vm.regions"));
}

/*
 * Invariant 4 at delete: the region's private pages are reclaimed and
 * scrubbed. With the pool's free list drained first, another VM then gets
 * exactly those pages (LIFO) and must read zeros where the secret was.
 */
TEST_F(region, delete_reclaims_and_scrubs_private_pages)
{
	const uint64_t gpa = 2 * SZ_1G, n = 512 + 16;
	long long scrubbed;
	uint64_t i, reclaimed, scrubbed_vm;
	uint8_t secret[64], buf[64];
	struct tvm drain;
	int fd = self->t.fd;

	ASSERT_ERRNO(0, tvm_drain_free_list(&drain, NULL));
	ASSERT_ERRNO(0, add(&self->t, self->backing, gpa, 2 * SZ_2M,
			    CCMEM_REGION_F_PRIVATE, NULL));
	/* One 2 MiB block and 16 pages of the next one. */
	ASSERT_ERRNO(0, ccmem_vm_populate(fd, gpa, n * SZ_4K, 0, NULL));
	ASSERT_EQ(n, STAT(fd, "vm.populated_pages"));
	ASSERT_ERRNO(0, ccmem_emu_pvalidate_range(fd, gpa, n * SZ_4K, true,
						  true, NULL));
	memset(secret, 0x3c, sizeof(secret));
	for (i = 0; i < n; i++) {
		ASSERT_ERRNO(0, ccmem_emu_write(fd, gpa + i * SZ_4K, secret,
						sizeof(secret), ACC_PRIVATE,
						NULL));
		ASSERT_ERRNO(0, ccmem_emu_read(fd, gpa + i * SZ_4K, buf,
					       sizeof(buf), ACC_PRIVATE, NULL));
		ASSERT_EQ(0, memcmp(buf, secret, sizeof(buf)));
	}
	reclaimed = STAT(fd, "vm.reclaimed_pages");
	scrubbed_vm = STAT(fd, "vm.scrubbed_pages");
	scrubbed = ccmem_global_stat("scrubbed_pages");

	ASSERT_ERRNO(0, ccmem_vm_delete_region(fd, gpa, 2 * SZ_2M));
	EXPECT_EQ(0, STAT(fd, "vm.populated_pages"));
	EXPECT_EQ(0, STAT(fd, "vm.private_bytes"));
	EXPECT_EQ(1, STAT(fd, "vm.regions"));
	EXPECT_EQ(reclaimed + n, STAT(fd, "vm.reclaimed_pages"));
	EXPECT_EQ(scrubbed_vm + n, STAT(fd, "vm.scrubbed_pages"));
	EXPECT_EQ(scrubbed + (long long)n, ccmem_global_stat("scrubbed_pages"));
	EXPECT_EQ(n, ccmem_global_stat("free_list_pages"));

	/* The pages, handed out again, hold nothing of the secret. */
	EXPECT_ERRNO(0, tvm_next_vm_reads_zeros(n, &i)) {
		TH_LOG("at %llu", (unsigned long long)i);
	}
	tvm_destroy(&drain);

	/* The same range can come back, fresh and unassigned. */
	ASSERT_ERRNO(0, add(&self->t, self->backing, gpa, 2 * SZ_2M,
			    CCMEM_REGION_F_PRIVATE, NULL));
	EXPECT_EQ(2 * SZ_2M, STAT(fd, "vm.private_bytes"));
	EXPECT_EQ(0, STAT(fd, "vm.populated_pages"));
}

TEST_F(region, delete_forgets_attributes)
{
	uint8_t map[TSIZE / SZ_2M], out[8];
	int fd = self->t.fd;
	uint32_t i;

	ASSERT_ERRNO(0, ccmem_vm_set_attr(fd, TGPA + SZ_4K, SZ_4K, true));
	ASSERT_ERRNO(0, ccmem_vm_set_attr(fd, TGPA + 3 * SZ_2M, SZ_2M, true));
	ASSERT_EQ(2, STAT(fd, "vm.attr_ranges"));
	ASSERT_ERRNO(0, ccmem_vm_delete_region(fd, TGPA, TSIZE));
	EXPECT_EQ(0, STAT(fd, "vm.attr_ranges"));
	EXPECT_EQ(0, STAT(fd, "vm.private_bytes"));

	/* Added again as shared: all of it is shared, as new. */
	ASSERT_ERRNO(0, add(&self->t, self->t.shared, TGPA, TSIZE, 0, NULL));
	EXPECT_TRUE(region_intact(&self->t));
	EXPECT_EQ(0, STAT(fd, "vm.attr_ranges"));
	ASSERT_ERRNO(0, ccmem_vm_map(fd, TGPA, TSIZE, 21, map));
	for (i = 0; i < NR(map); i++)
		EXPECT_EQ(CCMEM_MAP_SHARED, map[i]);
	memcpy(self->t.shared + SZ_4K, "shared!", 8);
	ASSERT_ERRNO(0, ccmem_emu_read(fd, TGPA + SZ_4K, out, sizeof(out),
				       ACC_SHARED, NULL));
	EXPECT_EQ(0, memcmp(out, "shared!", 8));

	/* And as private: one range. */
	ASSERT_ERRNO(0, ccmem_vm_delete_region(fd, TGPA, TSIZE));
	ASSERT_ERRNO(0, add(&self->t, self->t.shared, TGPA, TSIZE,
			    CCMEM_REGION_F_PRIVATE, NULL));
	EXPECT_EQ(TSIZE, STAT(fd, "vm.private_bytes"));
	EXPECT_EQ(1, STAT(fd, "vm.attr_ranges"));
}

TEST_HARNESS_MAIN
