// SPDX-License-Identifier: GPL-2.0
/*
 * ccmem_limits - everything a user makes ccmem allocate is charged to that
 * user or capped with a clear errno (invariant 10). Each limit is hit:
 *
 *  - vCPU threads per user (max_vcpus_per_user, -EAGAIN);
 *  - platform keys per user (ccmem_snp max_asids_per_user, -EDQUOT);
 *  - private ranges per VM (max_attr_ranges, -ENOSPC and a counter);
 *  - long-term pins against RLIMIT_MEMLOCK (-ENOMEM), shown in VmPin;
 *  - what vCPU threads allocate for a guest is charged to the VMM's
 *    memory cgroup;
 *  - the guest's bitmap size is checked before it is allocated.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "ccmem_test.h"

/* One counter of a VM, or -1 when it cannot be read. */
static long long stat_of(int fd, const char *name)
{
	uint64_t v;

	return ccmem_vm_stat(fd, name, &v) ? -1 : (long long)v;
}

#define P_VCPUS	"/sys/module/ccmem/parameters/max_vcpus_per_user"
#define P_RANGES "/sys/module/ccmem/parameters/max_attr_ranges"
#define P_ASIDS	"/sys/module/ccmem_snp/parameters/max_asids_per_user"

TEST(vcpus_per_user_capped)
{
	long long old = ccmem_param_get(P_VCPUS);
	struct ccmem_emu_guest_config cfg;
	struct ccmem_guest g;

	ASSERT_GT(old, 0);
	cfg = ccmem_guest_config(CCMEM_ACCEPT_LAZY, TGPA, TSIZE);
	ASSERT_ERRNO(0, ccmem_guest_create(&g, &cfg));
	ASSERT_ERRNO(0, ccmem_param_set(P_VCPUS, 2));
	EXPECT_ERRNO(0, ccmem_guest_add_vcpu(&g, 0));
	EXPECT_ERRNO(0, ccmem_guest_add_vcpu(&g, 1));
	EXPECT_ERRNO(-EAGAIN, ccmem_guest_add_vcpu(&g, 2));
	EXPECT_EQ(2, STAT(g.vm, "vm.vcpus"));
	/* A vCPU gone gives its place back. */
	close(g.vcpu[1]);
	g.vcpu[1] = -1;
	EXPECT_ERRNO(0, ccmem_guest_add_vcpu(&g, 2));
	EXPECT_ERRNO(0, ccmem_param_set(P_VCPUS, old));
	ccmem_guest_destroy(&g);
}

TEST(keys_per_user_capped)
{
	long long old = ccmem_param_get(P_ASIDS);
	struct tvm a, b, c;

	ASSERT_GT(old, 0);
	ASSERT_ERRNO(0, ccmem_param_set(P_ASIDS, 2));
	EXPECT_ERRNO(0, tvm_create(&a, 0));
	EXPECT_ERRNO(0, tvm_create(&b, 0));
	EXPECT_ERRNO(-EDQUOT, tvm_create(&c, 0));
	tvm_destroy(&c);
	tvm_destroy(&b);
	EXPECT_ERRNO(0, tvm_create(&c, 0));
	EXPECT_ERRNO(0, ccmem_param_set(P_ASIDS, old));
	tvm_destroy(&c);
	tvm_destroy(&a);
}

TEST(attr_ranges_per_vm_capped)
{
	long long old = ccmem_param_get(P_RANGES);
	struct tvm t;
	int i;

	ASSERT_GT(old, 0);
	ASSERT_ERRNO(0, tvm_setup_std(&t));
	ASSERT_ERRNO(0, ccmem_param_set(P_RANGES, 4));
	for (i = 0; i < 4; i++)
		EXPECT_ERRNO(0, ccmem_vm_set_attr(t.fd, TGPA + 2 * i * SZ_4K,
						  SZ_4K, true));
	EXPECT_EQ(4, STAT(t.fd, "vm.attr_ranges"));
	/* A fifth range: refused, counted, nothing changed. */
	EXPECT_ERRNO(-ENOSPC, ccmem_vm_set_attr(t.fd, TGPA + 8 * SZ_4K, SZ_4K,
						true));
	EXPECT_EQ(1, STAT(t.fd, "vm.attr_ranges_refused"));
	EXPECT_EQ(4 * SZ_4K, STAT(t.fd, "vm.private_bytes"));
	/* Splitting a range needs one more: refused the same way. */
	ASSERT_ERRNO(0, ccmem_vm_set_attr(t.fd, TGPA + 4 * SZ_4K, 3 * SZ_4K,
					  true));
	ASSERT_ERRNO(0, ccmem_vm_set_attr(t.fd, TGPA + 10 * SZ_4K, SZ_4K,
					  true));
	EXPECT_EQ(4, STAT(t.fd, "vm.attr_ranges"));	/* 0, 2, 4-6, 10 */
	ASSERT_ERRNO(0, ccmem_vm_populate(t.fd, TGPA + 4 * SZ_4K, 3 * SZ_4K, 0,
					  NULL));
	EXPECT_ERRNO(-ENOSPC, ccmem_vm_set_attr(t.fd, TGPA + 5 * SZ_4K, SZ_4K,
						false));
	EXPECT_EQ(2, STAT(t.fd, "vm.attr_ranges_refused"));
	EXPECT_EQ(6 * SZ_4K, STAT(t.fd, "vm.private_bytes"));
	/* The page stayed in the VM: not released, not scrubbed. */
	EXPECT_EQ(3, STAT(t.fd, "vm.populated_pages"));
	EXPECT_EQ(0, STAT(t.fd, "vm.reclaimed_pages"));
	/* Merging needs none. */
	EXPECT_ERRNO(0, ccmem_vm_set_attr(t.fd, TGPA + SZ_4K, SZ_4K, true));
	EXPECT_EQ(3, STAT(t.fd, "vm.attr_ranges"));
	EXPECT_ERRNO(0, ccmem_param_set(P_RANGES, old));
	tvm_destroy(&t);
}

/*
 * The guest's bitmap has a size limit (2^30 units), checked before any
 * allocation: an 8 TiB RAM of 4 KiB units is refused with -E2BIG, and no
 * oversized allocation warns on the console (the runner fails on any
 * WARNING). The largest bitmap allowed is fine.
 */
TEST(guest_bitmap_limit_checked_before_allocating)
{
	struct ccmem_emu_guest_config cfg;
	struct ccmem_guest g;

	ASSERT_ERRNO(0, ccmem_guest_setup(&g, TGPA, TSIZE));
	cfg = ccmem_guest_config(CCMEM_ACCEPT_LAZY, 0, 8ULL << 40);
	cfg.unit_shift = 12;
	EXPECT_ERRNO(-E2BIG, ccmem_guest_init(&g, &cfg));
	cfg = ccmem_guest_config(CCMEM_ACCEPT_LAZY, TGPA, TSIZE);
	cfg.unit_shift = 12;
	EXPECT_ERRNO(0, ccmem_guest_init(&g, &cfg));
	ccmem_guest_destroy(&g);
}

/* The calling thread's effective and permitted capabilities, without one. */
static int drop_cap(int cap)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -errno;
	d[cap / 32].effective &= ~(1U << (cap % 32));
	d[cap / 32].permitted &= ~(1U << (cap % 32));
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

/* The VmPin line of /proc/self/status, in KiB; -1 if absent. */
static long long vmpin_kb(void)
{
	char line[128];
	long long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPin: %lld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* In a child without CAP_IPC_LOCK and with 64 KiB of RLIMIT_MEMLOCK. */
static int pin_within_memlock(void)
{
	struct rlimit rl = { .rlim_cur = 64 << 10, .rlim_max = 64 << 10 };
	struct tvm t;

	if (drop_cap(CAP_IPC_LOCK) || setrlimit(RLIMIT_MEMLOCK, &rl))
		return 10;
	if (tvm_setup_std(&t))
		return 11;
	if (ccmem_vm_pin(t.fd, TGPA, 8 * SZ_4K))
		return 12;
	if (vmpin_kb() != 32)
		return 13;
	/* 8 + 16 pages would pass 64 KiB: refused, nothing pinned. */
	if (ccmem_vm_pin(t.fd, TGPA + SZ_2M, 16 * SZ_4K) != -ENOMEM)
		return 14;
	if (stat_of(t.fd, "vm.pinned_pages") != 8 ||
	    vmpin_kb() != 32)
		return 15;
	/* Unpinning gives the room back. */
	if (ccmem_vm_unpin(t.fd, TGPA, 8 * SZ_4K) ||
	    ccmem_vm_pin(t.fd, TGPA + SZ_2M, 16 * SZ_4K))
		return 16;
	tvm_destroy(&t);
	return vmpin_kb() == 0 ? 0 : 17;
}

TEST(pins_count_against_rlimit_memlock)
{
	int status;
	pid_t pid = fork();

	ASSERT_GE(pid, 0);
	if (!pid)
		_exit(pin_within_memlock());
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

#define CG_ROOT	"/sys/fs/cgroup"
#define CG	CG_ROOT "/ccmem-limits"

/* A memory cgroup for the test, on cgroup2; -errno when there is none. */
static int memcg_make(void)
{
	int fd;

	mkdir(CG_ROOT, 0755);
	if (mount("cgroup2", CG_ROOT, "cgroup2", 0, NULL) && errno != EBUSY)
		return -errno;
	fd = open(CG_ROOT "/cgroup.subtree_control", O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, "+memory", 7) != 7) {
		close(fd);
		return -errno;
	}
	close(fd);
	if (mkdir(CG, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

static long long memcg_current(void)
{
	return ccmem_param_get(CG "/memory.current");
}

/*
 * The guest's eager boot makes the vCPU thread allocate every private
 * page of its RAM: 16 MiB. They are charged to the VMM's memory cgroup,
 * not to the kernel thread's (the root).
 */
static int boot_in_memcg(void)
{
	const struct ccmem_guest_insn prog[] = { GI(CCMEM_GOP_BOOT, 0, 0, 0) };
	struct ccmem_emu_guest_config cfg;
	struct ccmem_guest g;
	struct ccmem_run run;
	long long before, after;

	cfg = ccmem_guest_config(CCMEM_ACCEPT_EAGER, TGPA, 16 << 20);
	if (ccmem_guest_create(&g, &cfg) || ccmem_guest_add_vcpu(&g, 0))
		return 20;
	before = memcg_current();
	if (ccmem_guest_exec(&g, 0, prog, NR(prog), &run) ||
	    run.exit_reason != CCMEM_EXIT_EMU_DONE)
		return 21;
	after = memcg_current();
	if (stat_of(g.vm, "vm.populated_pages") != 4096)
		return 22;
	ccmem_guest_destroy(&g);
	/* At least 15 of the 16 MiB: the pages themselves. */
	return after - before >= (15LL << 20) ? 0 : 23;
}

TEST(vcpu_thread_allocations_charged_to_vmm_memcg)
{
	int status, fd, n;
	char buf[16];
	pid_t pid;

	n = memcg_make();
	if (n)
		SKIP(return, "no cgroup2 memory controller (%s)",
		     ccmem_errno_name(-n));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		fd = open(CG "/cgroup.procs", O_WRONLY);
		n = snprintf(buf, sizeof(buf), "%d", getpid());
		if (fd < 0 || write(fd, buf, n) != n)
			_exit(30);
		close(fd);
		_exit(boot_in_memcg());
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	rmdir(CG);
}

TEST_HARNESS_MAIN
