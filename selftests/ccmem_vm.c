// SPDX-License-Identifier: GPL-2.0
/*
 * ccmem_vm - VM objects: create, destroy, many at once, bad ioctls, and the
 * platform module going away under live VMs.
 */
#include <errno.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ccmem_test.h"

#define NR_VMS	64

TEST(api_version)
{
	int dev = ccmem_dev_open();

	if (dev == -ENOENT)
		SKIP(return, "/dev/ccmem missing");
	ASSERT_LE(0, dev);
	EXPECT_EQ(CCMEM_API_VERSION, ioctl(dev, CCMEM_GET_API_VERSION, 0));
	EXPECT_EQ(-EINVAL, ccmem_ioctl(dev, CCMEM_GET_API_VERSION, (void *)1));
	close(dev);
}

TEST(create_destroy)
{
	long long live = ccmem_global_stat("vms_live");
	struct ccmem_vm_create c;
	struct ccmem_vm_stats s = { 0 };
	int dev = ccmem_dev_open(), fd;

	ASSERT_LE(0, dev);
	fd = tvm_create_fd(dev, CCMEM_VM_SNP, CCMEM_BACKEND_EMU, 0, &c);
	ASSERT_LE(0, fd);
	EXPECT_LT(0, c.asid);
	EXPECT_EQ(CCMEM_BACKEND_EMU, c.backend_used);
	EXPECT_EQ(live + 1, ccmem_global_stat("vms_live"));
	ASSERT_EQ(0, ccmem_ioctl(fd, CCMEM_VM_GET_STATS, &s));
	EXPECT_EQ(CCMEM_VM_STATE_LIVE, s.state);
	close(fd);
	EXPECT_EQ(live, ccmem_global_stat("vms_live"));
	close(dev);
}

TEST(create_auto_picks_emu_without_hw)
{
	struct ccmem_vm_create c;
	int dev = ccmem_dev_open(), fd;

	ASSERT_LE(0, dev);
	fd = tvm_create_fd(dev, CCMEM_VM_SNP, CCMEM_BACKEND_AUTO, 0, &c);
	ASSERT_LE(0, fd);
	EXPECT_EQ(CCMEM_BACKEND_EMU, c.backend_used);
	close(fd);
	/* No SNP hardware under TCG: asking for hw is a clear -ENODEV. */
	EXPECT_EQ(-ENODEV, tvm_create_fd(dev, CCMEM_VM_SNP, CCMEM_BACKEND_HW,
					 0, NULL));
	close(dev);
}

TEST(create_bad_arguments)
{
	struct ccmem_vm_create c = { .type = CCMEM_VM_SNP };
	int dev = ccmem_dev_open();

	ASSERT_LE(0, dev);
	EXPECT_EQ(-EINVAL, tvm_create_fd(dev, 0, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, tvm_create_fd(dev, 3, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, tvm_create_fd(dev, CCMEM_VM_SNP, 3, 0, NULL));
	EXPECT_EQ(-EINVAL, tvm_create_fd(dev, CCMEM_VM_SNP, 0, 65537, NULL));
	c.flags = 1;
	EXPECT_EQ(-EINVAL, ccmem_ioctl(dev, CCMEM_CREATE_VM, &c));
	c.flags = 0;
	c.reserved[3] = 1;
	EXPECT_EQ(-EINVAL, ccmem_ioctl(dev, CCMEM_CREATE_VM, &c));
	c.reserved[3] = 0;
	c.asid = 7;	/* an output field: must come in as zero */
	EXPECT_EQ(-EINVAL, ccmem_ioctl(dev, CCMEM_CREATE_VM, &c));
	EXPECT_EQ(-EFAULT, ccmem_ioctl(dev, CCMEM_CREATE_VM, (void *)8));
	close(dev);
}

TEST(create_tdx_without_module)
{
	int dev = ccmem_dev_open();

	ASSERT_LE(0, dev);
	EXPECT_EQ(-ENODEV, tvm_create_fd(dev, CCMEM_VM_TDX, 0, 0, NULL));
	close(dev);
}

TEST(bad_ioctl_numbers)
{
	struct tvm t;
	struct ccmem_vm_stats s = { 0 };

	ASSERT_EQ(0, tvm_create(&t, 0));
	EXPECT_EQ(-ENOTTY, ccmem_ioctl(t.dev, _IO(CCMEM_IO, 0x7f), NULL));
	EXPECT_EQ(-ENOTTY, ccmem_ioctl(t.dev, CCMEM_VM_GET_STATS, &s));
	EXPECT_EQ(-ENOTTY, ccmem_ioctl(t.fd, CCMEM_CREATE_VM, &s));
	EXPECT_EQ(-ENOTTY, ccmem_ioctl(t.fd, _IOW(CCMEM_IO, 0x11, __u64), &s));
	EXPECT_EQ(-ENOTTY, ccmem_ioctl(t.fd, _IO('k', 1), NULL));
	tvm_destroy(&t);
}

TEST(stats_reserved_rejected)
{
	struct tvm t;
	struct ccmem_vm_stats s = { .flags = 1 };

	ASSERT_EQ(0, tvm_create(&t, 0));
	EXPECT_EQ(-EINVAL, ccmem_ioctl(t.fd, CCMEM_VM_GET_STATS, &s));
	s.flags = 0;
	s.reserved[7] = 1;
	EXPECT_EQ(-EINVAL, ccmem_ioctl(t.fd, CCMEM_VM_GET_STATS, &s));
	tvm_destroy(&t);
}

TEST(vm_fd_belongs_to_creator_mm)
{
	struct tvm t;
	int status;
	pid_t pid;

	ASSERT_EQ(0, tvm_create(&t, 0));
	ASSERT_EQ(0, tvm_add_region(&t, TGPA, TSIZE, 0));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(tvm_set_attr(&t, TGPA, SZ_4K, true) == -EIO ? 0 : 1);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0, tvm_set_attr(&t, TGPA, SZ_4K, true));
	tvm_destroy(&t);
}

TEST(sixty_four_vms)
{
	struct tvm vms[NR_VMS];
	struct ccmem_vm_stats s;
	uint8_t buf[16];
	int i, j;

	for (i = 0; i < NR_VMS; i++) {
		ASSERT_EQ(0, tvm_create(&vms[i], 0));
		ASSERT_EQ(0, tvm_add_region(&vms[i], TGPA, 4 * SZ_2M, 0));
		for (j = 0; j < i; j++)
			ASSERT_NE(vms[j].asid, vms[i].asid);
	}
	/* Each VM holds its own private data. */
	for (i = 0; i < NR_VMS; i++) {
		ASSERT_EQ(0, tvm_set_attr(&vms[i], TGPA, SZ_2M, true));
		ASSERT_EQ(0, tvm_validate_range(&vms[i], TGPA, SZ_4K));
		memset(buf, i, sizeof(buf));
		ASSERT_EQ(0, tvm_write(&vms[i], TGPA, buf, sizeof(buf), false,
				       NULL));
	}
	for (i = 0; i < NR_VMS; i++) {
		ASSERT_EQ(0, tvm_read(&vms[i], TGPA, buf, sizeof(buf), false,
				      NULL));
		EXPECT_TRUE(buf_is(buf, i, sizeof(buf)));
		ASSERT_EQ(0, tvm_stats(&vms[i], &s));
		EXPECT_EQ(CCMEM_VM_STATE_LIVE, s.state);
		EXPECT_LT(0, s.populated_pages);
	}
	for (i = 0; i < NR_VMS; i++)
		tvm_destroy(&vms[i]);
}

TEST(destroy_reclaims_and_scrubs)
{
	long long reclaimed = ccmem_global_stat("reclaimed_pages");
	long long pool = ccmem_global_stat("pool_pages");
	struct ccmem_vm_stats s;
	uint64_t populated;
	struct tvm t;

	ASSERT_EQ(0, tvm_create(&t, 0));
	ASSERT_EQ(0, tvm_add_region(&t, TGPA, TSIZE, CCMEM_REGION_F_PRIVATE));
	ASSERT_EQ(0, tvm_populate(&t, TGPA, 4 * SZ_2M + 16 * SZ_4K, 0,
				  &populated));
	ASSERT_EQ(0, tvm_stats(&t, &s));
	EXPECT_EQ(populated / SZ_4K, s.populated_pages);
	EXPECT_EQ(pool + (long long)s.populated_pages,
		  ccmem_global_stat("pool_pages"));
	tvm_destroy(&t);
	EXPECT_EQ(reclaimed + (long long)(populated / SZ_4K),
		  ccmem_global_stat("reclaimed_pages"));
	EXPECT_EQ(pool, ccmem_global_stat("pool_pages"));
}

TEST(module_unload_with_live_vms)
{
	long long reclaimed = ccmem_global_stat("reclaimed_pages");
	struct ccmem_vm_stats s;
	struct tvm a, b;

	ASSERT_EQ(0, tvm_create(&a, 0));
	ASSERT_EQ(0, tvm_add_region(&a, TGPA, TSIZE, CCMEM_REGION_F_PRIVATE));
	ASSERT_EQ(0, tvm_populate(&a, TGPA, SZ_2M, 0, NULL));
	ASSERT_EQ(0, tvm_validate_range(&a, TGPA, 8 * SZ_4K));
	ASSERT_EQ(0, tvm_create(&b, 0));
	ASSERT_EQ(0, tvm_add_region(&b, TGPA, TSIZE, CCMEM_REGION_F_PRIVATE));
	ASSERT_EQ(0, tvm_populate(&b, TGPA, 3 * SZ_4K, 0, NULL));

	/* The core is pinned by the open fds; the SNP module is not. */
	EXPECT_EQ(-EWOULDBLOCK, ccmem_module_unload("ccmem"));
	ASSERT_EQ(0, ccmem_module_unload("ccmem_snp"));

	EXPECT_EQ(reclaimed + 512 + 3, ccmem_global_stat("reclaimed_pages"));
	ASSERT_EQ(0, tvm_stats(&a, &s));
	EXPECT_EQ(CCMEM_VM_STATE_DETACHED, s.state);
	EXPECT_EQ(0, s.populated_pages);
	EXPECT_EQ(512, s.reclaimed_pages);
	EXPECT_EQ(-ENODEV, tvm_set_attr(&a, TGPA, SZ_4K, false));
	EXPECT_EQ(-ENODEV, tvm_populate(&b, TGPA, SZ_4K, 0, NULL));
	tvm_destroy(&a);
	tvm_destroy(&b);

	ASSERT_EQ(0, ccmem_module_load("ccmem_snp"));
	ASSERT_EQ(0, tvm_create(&a, 0));
	EXPECT_EQ(0, tvm_add_region(&a, TGPA, TSIZE, 0));
	tvm_destroy(&a);
}

TEST_HARNESS_MAIN
