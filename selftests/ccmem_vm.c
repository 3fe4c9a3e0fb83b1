// SPDX-License-Identifier: GPL-2.0
/*
 * ccmem_vm - VM objects: create, destroy, many at once, bad ioctls, the
 * capabilities and the statistics table, and the platform module going
 * away under live VMs.
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
	int dev = ccmem_open_dev();

	if (dev == -ENOENT)
		SKIP(return, "/dev/ccmem missing");
	ASSERT_LE(0, dev);
	EXPECT_ERRNO(CCMEM_API_VERSION,
		     ccmem_ioctl(dev, CCMEM_GET_API_VERSION, NULL));
	EXPECT_ERRNO(-EINVAL, ccmem_ioctl(dev, CCMEM_GET_API_VERSION, (void *)1));
	close(dev);
}

TEST(create_destroy)
{
	long long live = ccmem_global_stat("vms_live");
	struct ccmem_vm_create c;
	int dev = ccmem_open_dev(), fd;

	ASSERT_LE(0, dev);
	fd = ccmem_vm_create(dev, CCMEM_VM_SNP, CCMEM_BACKEND_EMU, 0, &c);
	ASSERT_LE(0, fd);
	EXPECT_LT(0, c.key_id);
	EXPECT_EQ(CCMEM_BACKEND_EMU, c.backend_used);
	EXPECT_EQ(live + 1, ccmem_global_stat("vms_live"));
	EXPECT_STATE(CCMEM_VM_STATE_LIVE, STAT(fd, "vm.state"));
	close(fd);
	EXPECT_EQ(live, ccmem_global_stat("vms_live"));
	close(dev);
}

/* The hw expectations hold on a host without SNP, as under TCG. */
TEST(create_auto_picks_emu_without_hw)
{
	struct ccmem_vm_create c;
	int dev = ccmem_open_dev(), fd, hw;

	ASSERT_LE(0, dev);
	hw = ccmem_check_extension(dev, CCMEM_CAP_HW_VM_TYPES);
	ASSERT_LE(0, hw);
	if (hw & (1 << CCMEM_VM_SNP)) {
		close(dev);
		SKIP(return, "the host has SNP: AUTO picks hw");
	}
	fd = ccmem_vm_create(dev, CCMEM_VM_SNP, CCMEM_BACKEND_AUTO, 0, &c);
	ASSERT_LE(0, fd);
	EXPECT_EQ(CCMEM_BACKEND_EMU, c.backend_used);
	close(fd);
	/* Without SNP hardware, asking for hw is a clear -ENODEV. */
	EXPECT_ERRNO(-ENODEV, ccmem_vm_create(dev, CCMEM_VM_SNP,
					      CCMEM_BACKEND_HW, 0, NULL));
	close(dev);
}

TEST(create_bad_arguments)
{
	struct ccmem_vm_create c = { .type = CCMEM_VM_SNP };
	int dev = ccmem_open_dev();

	ASSERT_LE(0, dev);
	EXPECT_ERRNO(-EINVAL, ccmem_vm_create(dev, 0, 0, 0, NULL));
	EXPECT_ERRNO(-EINVAL, ccmem_vm_create(dev, 3, 0, 0, NULL));
	EXPECT_ERRNO(-EINVAL, ccmem_vm_create(dev, CCMEM_VM_SNP, 3, 0, NULL));
	EXPECT_ERRNO(-EINVAL, ccmem_vm_create(dev, CCMEM_VM_SNP, 0, 65537,
					      NULL));
	c.flags = 1;
	EXPECT_ERRNO(-EINVAL, ccmem_ioctl(dev, CCMEM_CREATE_VM, &c));
	c.flags = 0;
	c.reserved[1] = 1;
	EXPECT_ERRNO(-EINVAL, ccmem_ioctl(dev, CCMEM_CREATE_VM, &c));
	c.reserved[1] = 0;
	c.reserved0 = 1;
	EXPECT_ERRNO(-EINVAL, ccmem_ioctl(dev, CCMEM_CREATE_VM, &c));
	c.reserved0 = 0;
	c.key_id = 7;	/* an output field: must come in as zero */
	EXPECT_ERRNO(-EINVAL, ccmem_ioctl(dev, CCMEM_CREATE_VM, &c));
	EXPECT_ERRNO(-EFAULT, ccmem_ioctl(dev, CCMEM_CREATE_VM, (void *)8));
	close(dev);
}

/* No TDX hardware under TCG: a TDX VM on the hardware is refused. */
TEST(create_tdx_hw_enodev)
{
	int dev = ccmem_open_dev();

	ASSERT_LE(0, dev);
	EXPECT_ERRNO(-ENODEV, ccmem_vm_create(dev, CCMEM_VM_TDX,
					      CCMEM_BACKEND_HW, 0, NULL));
	close(dev);
}

TEST(bad_ioctl_numbers)
{
	struct ccmem_stats s = { 0 };
	struct ccmem_emu_lookup l = { .gpa = TGPA };
	struct tvm t;

	ASSERT_ERRNO(0, tvm_create(&t, 0));
	EXPECT_ERRNO(-ENOTTY, ccmem_ioctl(t.dev, _IO(CCMEM_IO, 0x7f), NULL));
	EXPECT_ERRNO(-ENOTTY, ccmem_ioctl(t.dev, CCMEM_VM_GET_STATS, &s));
	EXPECT_ERRNO(-ENOTTY, ccmem_ioctl(t.dev, CCMEM_EMU_LOOKUP, &l));
	EXPECT_ERRNO(-ENOTTY, ccmem_ioctl(t.fd, CCMEM_CREATE_VM, &s));
	/* API version 1 numbers are gone. */
	EXPECT_ERRNO(-ENOTTY, ccmem_ioctl(t.dev, _IO(CCMEM_IO, 0x00), NULL));
	EXPECT_ERRNO(-ENOTTY, ccmem_ioctl(t.fd, _IOW(CCMEM_IO, 0x11, __u64), &s));
	EXPECT_ERRNO(-ENOTTY, ccmem_ioctl(t.fd, _IO('k', 1), NULL));
	tvm_destroy(&t);
}

TEST(stats_reserved_rejected)
{
	struct ccmem_stats s = { .flags = 1 };
	struct tvm t;

	ASSERT_ERRNO(0, tvm_create(&t, 0));
	EXPECT_ERRNO(-EINVAL, ccmem_ioctl(t.fd, CCMEM_VM_GET_STATS, &s));
	s.flags = 0;
	s.reserved[1] = 1;
	EXPECT_ERRNO(-EINVAL, ccmem_ioctl(t.fd, CCMEM_VM_GET_STATS, &s));
	tvm_destroy(&t);
}

TEST(check_extension_answers)
{
	int dev = ccmem_open_dev(), fd, types, queue;

	ASSERT_LE(0, dev);
	/* On the device: for any VM. */
	EXPECT_ERRNO(512, ccmem_check_extension(dev, CCMEM_CAP_MAX_REGIONS));
	EXPECT_ERRNO(1, ccmem_check_extension(dev, CCMEM_CAP_DELETE_REGION));
	types = ccmem_check_extension(dev, CCMEM_CAP_VM_TYPES);
	EXPECT_TRUE(types > 0 && (types & (1 << CCMEM_VM_SNP))) {
		TH_LOG("CCMEM_CAP_VM_TYPES is %d", types);
	}
	EXPECT_ERRNO(CCMEM_MAX_VCPUS,
		     ccmem_check_extension(dev, CCMEM_CAP_MAX_VCPUS));
	EXPECT_ERRNO(CCMEM_MAX_PINS,
		     ccmem_check_extension(dev, CCMEM_CAP_MAX_PINS));
	EXPECT_LT(0, ccmem_check_extension(dev, CCMEM_CAP_CONVERT_ERROR_GPA));
	types = ccmem_check_extension(dev, CCMEM_CAP_EMU);
	EXPECT_TRUE(types > 0 && (types & (1 << CCMEM_VM_SNP)));
	/* Unknown capabilities are absent, not errors. */
	EXPECT_ERRNO(0, ccmem_check_extension(dev, 0));
	EXPECT_ERRNO(0, ccmem_check_extension(dev, 0xdead));

	/* On a VM fd: for that VM. */
	fd = ccmem_vm_create(dev, CCMEM_VM_SNP, CCMEM_BACKEND_EMU, 0, NULL);
	ASSERT_LE(0, fd);
	EXPECT_ERRNO(512, ccmem_check_extension(fd, CCMEM_CAP_MAX_REGIONS));
	EXPECT_ERRNO(1, ccmem_check_extension(fd, CCMEM_CAP_DELETE_REGION));
	EXPECT_LT(0, ccmem_check_extension(fd, CCMEM_CAP_STATS));
	EXPECT_ERRNO(0, ccmem_check_extension(fd, 0xdead));
	queue = ccmem_check_extension(fd, CCMEM_CAP_FAULT_QUEUE);
	ASSERT_LT(0, queue);
	close(fd);
	/* The largest fault queue is what the capability says. */
	fd = ccmem_vm_create(dev, CCMEM_VM_SNP, CCMEM_BACKEND_EMU, queue, NULL);
	EXPECT_LE(0, fd);
	if (fd >= 0)
		close(fd);
	EXPECT_ERRNO(-EINVAL, ccmem_vm_create(dev, CCMEM_VM_SNP,
					      CCMEM_BACKEND_EMU, queue + 1,
					      NULL));
	close(dev);
}

/* The core's counters, named once each (the "vm" group). */
static const char *const vm_counters[] = {
	"vm.state", "vm.private_bytes", "vm.shared_bytes", "vm.attr_ranges",
	"vm.populated_pages", "vm.assigned_2m", "vm.assigned_4k",
	"vm.to_private", "vm.to_shared", "vm.scrubbed_pages",
	"vm.reclaimed_pages", "vm.leaked_pages", "vm.splits",
	"vm.platform_retries", "vm.pinned_pages", "vm.faults_queued",
	"vm.faults_backpressure", "vm.sigbus", "vm.regions", "vm.vcpus",
};

static const char *const snp_counters[] = {
	"snp.psc_requests", "snp.psc_msr_requests", "snp.psc_exits",
	"snp.psc_entries", "snp.psc_errors", "snp.psmash_hints",
	"snp.unsmash_hints", "snp.terminations",
};

TEST(stats_table_names_unique_and_described)
{
	struct ccmem_stats_table st = { 0 };
	const struct ccmem_stats_desc *d;
	uint32_t i, j;
	struct tvm t;

	ASSERT_ERRNO(0, tvm_setup_std(&t));
	ASSERT_ERRNO(0, ccmem_stats_snapshot(t.fd, &st));
	ASSERT_LE(NR(vm_counters) + NR(snp_counters), st.nr);
	for (i = 0; i < st.nr; i++) {
		d = &st.descs[i];
		/* NUL terminated "group.counter" with a description. */
		ASSERT_NE(NULL, memchr(d->name, 0, sizeof(d->name)));
		ASSERT_NE(NULL, memchr(d->desc, 0, sizeof(d->desc)));
		EXPECT_TRUE(strchr(d->name, '.') > d->name &&
			    !strchr(strchr(d->name, '.') + 1, '.')) {
			TH_LOG("counter %u is \"%s\"", i, d->name);
		}
		EXPECT_NE(0, d->desc[0]) {
			TH_LOG("%s has no description", d->name);
		}
		EXPECT_GE(CCMEM_UNIT_ENUM, d->unit);
		EXPECT_EQ(0, d->flags & ~CCMEM_STAT_F_CUMULATIVE);
		for (j = 0; j < i; j++)
			EXPECT_STRNE(st.descs[j].name, d->name);
	}
	expect_counters(_metadata, &st, vm_counters, NR(vm_counters));
	expect_counters(_metadata, &st, snp_counters, NR(snp_counters));
	/* No emulated guest here: no "guest" group. */
	EXPECT_ERRNO(-ENOENT, ccmem_stats_find(&st, "guest.accepted_bytes"));
	EXPECT_EQ(1, st.values[ccmem_stats_find(&st, "vm.regions")]);
	EXPECT_EQ(TSIZE, st.values[ccmem_stats_find(&st, "vm.shared_bytes")]);
	d = &st.descs[ccmem_stats_find(&st, "vm.shared_bytes")];
	EXPECT_EQ(CCMEM_UNIT_BYTES, d->unit);
	ccmem_stats_free(&st);
	tvm_destroy(&t);
}

TEST(stats_nr_too_small_reports_count_without_overrun)
{
	struct ccmem_stats_desc descs[3];
	struct ccmem_stats_table st = { 0 };
	uint64_t values[3];
	uint32_t nr;
	struct tvm t;

	ASSERT_ERRNO(0, tvm_setup_std(&t));
	ASSERT_ERRNO(0, ccmem_stats_snapshot(t.fd, &st));
	ASSERT_LT(2, st.nr);

	/* Room for none: only the count comes back. */
	nr = 0;
	ASSERT_ERRNO(0, ccmem_vm_get_stats(t.fd, NULL, NULL, &nr));
	EXPECT_EQ(st.nr, nr);

	/* Room for two: two entries are written, the third slot is not. */
	memset(descs, 0x5a, sizeof(descs));
	memset(values, 0x5a, sizeof(values));
	nr = 2;
	ASSERT_ERRNO(0, ccmem_vm_get_stats(t.fd, values, descs, &nr));
	EXPECT_EQ(st.nr, nr);
	EXPECT_STREQ(st.descs[0].name, descs[0].name);
	EXPECT_STREQ(st.descs[1].name, descs[1].name);
	EXPECT_EQ(st.values[1], values[1]);
	EXPECT_TRUE(buf_is(&descs[2], 0x5a, sizeof(descs[2])));
	EXPECT_TRUE(buf_is(&values[2], 0x5a, sizeof(values[2])));

	/* Values only, or names only. */
	nr = 2;
	ASSERT_ERRNO(0, ccmem_vm_get_stats(t.fd, values, NULL, &nr));
	EXPECT_EQ(st.nr, nr);
	nr = 2;
	ASSERT_ERRNO(0, ccmem_vm_get_stats(t.fd, NULL, descs, &nr));
	EXPECT_EQ(st.nr, nr);
	ccmem_stats_free(&st);
	tvm_destroy(&t);
}

TEST(vm_fd_belongs_to_creator_mm)
{
	struct tvm t;
	int status;
	pid_t pid;

	ASSERT_ERRNO(0, tvm_create(&t, 0));
	ASSERT_ERRNO(0, tvm_add_region(&t, TGPA, TSIZE, 0));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(ccmem_vm_set_attr(t.fd, TGPA, SZ_4K, true) == -EIO ? 0 : 1);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_ERRNO(0, ccmem_vm_set_attr(t.fd, TGPA, SZ_4K, true));
	tvm_destroy(&t);
}

TEST(sixty_four_vms)
{
	struct tvm vms[NR_VMS];
	uint8_t buf[16];
	int i, j;

	for (i = 0; i < NR_VMS; i++) {
		ASSERT_ERRNO(0, tvm_create(&vms[i], 0));
		ASSERT_ERRNO(0, tvm_add_region(&vms[i], TGPA, 4 * SZ_2M, 0));
		for (j = 0; j < i; j++)
			ASSERT_NE(vms[j].key_id, vms[i].key_id);
	}
	/* Each VM holds its own private data. */
	for (i = 0; i < NR_VMS; i++) {
		ASSERT_ERRNO(0, ccmem_vm_set_attr(vms[i].fd, TGPA, SZ_2M, true));
		ASSERT_ERRNO(0, ccmem_emu_pvalidate_range(vms[i].fd, TGPA, SZ_4K,
							  true, false, NULL));
		memset(buf, i, sizeof(buf));
		ASSERT_ERRNO(0, ccmem_emu_write(vms[i].fd, TGPA, buf,
						sizeof(buf), ACC_PRIVATE, NULL));
	}
	for (i = 0; i < NR_VMS; i++) {
		ASSERT_ERRNO(0, ccmem_emu_read(vms[i].fd, TGPA, buf, sizeof(buf),
					       ACC_PRIVATE, NULL));
		EXPECT_TRUE(buf_is(buf, i, sizeof(buf)));
		EXPECT_STATE(CCMEM_VM_STATE_LIVE, STAT(vms[i].fd, "vm.state"));
		EXPECT_LT(0, STAT(vms[i].fd, "vm.populated_pages"));
	}
	for (i = 0; i < NR_VMS; i++)
		tvm_destroy(&vms[i]);
}

/*
 * Invariant 4 at destroy: every page is reclaimed and scrubbed. The pool
 * hands freed pages out again LIFO; with its free list drained first, the
 * next VM gets exactly the pages the destroyed VM held, and reads zeros
 * where the destroyed VM wrote its secret.
 */
TEST(destroy_reclaims_and_scrubs)
{
	const uint64_t size = 4 * SZ_2M + 16 * SZ_4K, n = size / SZ_4K;
	long long reclaimed, scrubbed, pool;
	uint8_t secret[SZ_4K], buf[SZ_4K];
	uint64_t populated, i, gpa;
	struct tvm t, drain;

	ASSERT_ERRNO(0, tvm_drain_free_list(&drain, NULL));
	reclaimed = ccmem_global_stat("reclaimed_pages");
	scrubbed = ccmem_global_stat("scrubbed_pages");
	pool = ccmem_global_stat("pool_pages");
	ASSERT_ERRNO(0, tvm_create(&t, 0));
	ASSERT_ERRNO(0, tvm_add_region(&t, TGPA, TSIZE, CCMEM_REGION_F_PRIVATE));
	ASSERT_ERRNO(0, ccmem_vm_populate(t.fd, TGPA, size, 0, &populated));
	ASSERT_EQ(size, populated);
	EXPECT_EQ(n, STAT(t.fd, "vm.populated_pages"));
	EXPECT_EQ(pool + (long long)n, ccmem_global_stat("pool_pages"));

	/* The guest writes a secret over every page it has. */
	memset(secret, 0xa5, sizeof(secret));
	ASSERT_ERRNO(0, ccmem_emu_pvalidate_range(t.fd, TGPA, size, true, true,
						  NULL));
	for (i = 0; i < n; i++) {
		gpa = TGPA + i * SZ_4K;
		ASSERT_ERRNO(0, ccmem_emu_write(t.fd, gpa, secret, SZ_4K,
						ACC_PRIVATE, NULL));
		ASSERT_ERRNO(0, ccmem_emu_read(t.fd, gpa, buf, SZ_4K,
					       ACC_PRIVATE, NULL));
		ASSERT_EQ(0, memcmp(buf, secret, SZ_4K));
	}
	tvm_destroy(&t);
	EXPECT_EQ(reclaimed + (long long)n, ccmem_global_stat("reclaimed_pages"));
	EXPECT_EQ(scrubbed + (long long)n, ccmem_global_stat("scrubbed_pages"));
	EXPECT_EQ(pool, ccmem_global_stat("pool_pages"));
	EXPECT_EQ(n, ccmem_global_stat("free_list_pages"));

	/* The next VM takes them all from the free list: zeros only. */
	EXPECT_ERRNO(0, tvm_next_vm_reads_zeros(n, &i)) {
		TH_LOG("at %llu", (unsigned long long)i);
	}
	tvm_destroy(&drain);
}

/*
 * A VM holds its platform module from its creation until its last page
 * is reclaimed: the module cannot be unloaded under a live VM (the old
 * crash: unload during destroy freed the emulated RMP under the
 * reclaim), and goes once the VMs are gone.
 */
TEST(module_unload_waits_for_live_vms)
{
	long long reclaimed = ccmem_global_stat("reclaimed_pages");
	struct tvm a, b;

	ASSERT_ERRNO(0, tvm_create(&a, 0));
	ASSERT_ERRNO(0, tvm_add_region(&a, TGPA, TSIZE, CCMEM_REGION_F_PRIVATE));
	ASSERT_ERRNO(0, ccmem_vm_populate(a.fd, TGPA, SZ_2M, 0, NULL));
	ASSERT_ERRNO(0, ccmem_emu_pvalidate_range(a.fd, TGPA, 8 * SZ_4K, true,
						  false, NULL));
	ASSERT_ERRNO(0, tvm_create(&b, 0));
	ASSERT_ERRNO(0, tvm_add_region(&b, TGPA, TSIZE, CCMEM_REGION_F_PRIVATE));
	ASSERT_ERRNO(0, ccmem_vm_populate(b.fd, TGPA, 3 * SZ_4K, 0, NULL));

	/* Both modules are pinned while a VM lives. */
	EXPECT_ERRNO(-EWOULDBLOCK, ccmem_module_unload("ccmem"));
	EXPECT_ERRNO(-EWOULDBLOCK, ccmem_module_unload("ccmem_snp"));
	EXPECT_STATE(CCMEM_VM_STATE_LIVE, STAT(a.fd, "vm.state"));
	EXPECT_ERRNO(0, ccmem_vm_set_attr(a.fd, TGPA + SZ_2M, SZ_4K, false));
	EXPECT_ERRNO(0, ccmem_vm_populate(b.fd, TGPA + SZ_4K * 3, SZ_4K, 0,
					  NULL));

	/* One VM gone: the module is still held by the other. */
	tvm_destroy(&a);
	EXPECT_EQ(reclaimed + 512, ccmem_global_stat("reclaimed_pages"));
	EXPECT_ERRNO(-EWOULDBLOCK, ccmem_module_unload("ccmem_snp"));
	tvm_destroy(&b);
	EXPECT_EQ(reclaimed + 512 + 4, ccmem_global_stat("reclaimed_pages"));

	ASSERT_ERRNO(0, ccmem_module_unload("ccmem_snp"));
	EXPECT_ERRNO(-ENODEV, tvm_create(&a, 0));
	tvm_destroy(&a);
	ASSERT_ERRNO(0, ccmem_module_load("ccmem_snp"));
	ASSERT_ERRNO(0, tvm_create(&a, 0));
	EXPECT_ERRNO(0, tvm_add_region(&a, TGPA, TSIZE, 0));
	tvm_destroy(&a);
}

TEST_HARNESS_MAIN
