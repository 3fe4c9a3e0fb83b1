// SPDX-License-Identifier: GPL-2.0
/*
 * ccmem_virtio - the emulated guest's hardened virtio-blk driver against
 * a device the VMM plays: here, this test, through the guest's
 * CCMEM_EXIT_EMU_MMIO exits and the shared memory the guest converted.
 *
 * The device serves requests honestly (round trips whose contents are
 * checked on the disk and back in private memory) or hostilely: ids out
 * of range or not in flight, lengths too large or too short, a used index
 * that jumps, descriptors rewritten in flight, config space changing,
 * completions withheld, a device that resets itself, statuses outside the
 * spec, features and registers that lie. Each hostile case must end as a
 * clean EIO (or EOPNOTSUPP for what the driver refuses to use) with no
 * message at warning level or above, nothing private visible in shared
 * memory, and the private memory around the request untouched.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ccmem_test.h"
#include "vblk_dev.h"

#define MEM		(32ULL << 20)
#define SZ_64K		(64ULL << 10)
#define MMIO_GPA	0x20000000ULL
#define DISK_SECTORS	4096ULL			/* 2 MiB */
#define QSIZE		64
#define STALL		16

/* The private buffers of the guest: data, and a secret beside it. */
#define BUF		(TGPA + 0x100000)
#define SECRET		(TGPA + 0x200000)
#define SECRET_SEED	0xa5
#define BUF_SEED	0x3c

static struct ccmem_emu_vio vio_cfg(void)
{
	return (struct ccmem_emu_vio){
		.mmio_gpa = MMIO_GPA,
		.queue_size = QSIZE,
		.areas = 2,
		.max_chunks = 16,
		.stall_polls = STALL,
	};
}

/* The kernel log at warning level or above since @fd was opened. */
static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

static int kmsg_warnings(int fd)
{
	char rec[4096];
	int n = 0, prio;
	ssize_t len;

	if (fd < 0)
		return 0;
	while ((len = read(fd, rec, sizeof(rec) - 1)) > 0 || errno == EPIPE) {
		if (len <= 0)
			continue;
		rec[len] = 0;
		prio = atoi(rec) & 7;
		if (prio <= 4) {
			fprintf(stderr, "# kmsg: %s", rec);
			n++;
		}
	}
	return n;
}

/* Does a run of 16 bytes of the secret's pattern appear in @p? */
static bool has_secret(const uint8_t *p, uint64_t len)
{
	uint8_t want[16];
	uint64_t i;
	int k;

	for (k = 0; k < 16; k++)
		want[k] = ccmem_emu_pattern(SECRET_SEED, SECRET + k);
	for (i = 0; i + 16 <= len; i++)
		if (p[i] == want[0] && !memcmp(p + i, want, 16))
			return true;
	return false;
}

FIXTURE(vio) {
	struct ccmem_guest g;
	struct vblk_dev d;
	struct ccmem_run run;
	struct ccmem_emu_vio cfg;
	int kmsg;
};

FIXTURE_VARIANT(vio) {
	uint32_t type;
};

FIXTURE_VARIANT_ADD(vio, snp) { .type = CCMEM_VM_SNP };
FIXTURE_VARIANT_ADD(vio, tdx) { .type = CCMEM_VM_TDX };

FIXTURE_SETUP(vio)
{
	struct ccmem_emu_guest_config c =
		ccmem_guest_config(CCMEM_ACCEPT_LAZY, TGPA, MEM);
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_BOOT, 0, 0, 0),
		GI(CCMEM_GOP_WRITE, SECRET, SZ_4K, SECRET_SEED),
	};

	self->kmsg = kmsg_open();
	ASSERT_ERRNO(0, ccmem_guest_create_vm(&self->g, variant->type, 0, &c));
	ASSERT_EQ(0, vblk_dev_init(&self->d, &self->g, MMIO_GPA, DISK_SECTORS));
	self->d.scribble_gpa = SECRET;
	self->cfg = vio_cfg();
	ASSERT_ERRNO(0, vblk_run(&self->d, 0, p, NR(p), &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_DONE);
}

FIXTURE_TEARDOWN(vio)
{
	/* No kernel message at warning level or above, whatever happened. */
	EXPECT_EQ(0, kmsg_warnings(self->kmsg));
	/* Nothing private ever reached memory the host can see. */
	EXPECT_FALSE(has_secret(self->g.ram, self->g.ram_size));
	EXPECT_FALSE(has_secret(self->g.comm, CCMEM_GUEST_COMM_SIZE));
	if (self->kmsg >= 0)
		close(self->kmsg);
	ccmem_guest_destroy(&self->g);
	vblk_dev_free(&self->d);
}

/* Run one step; the errno of a step error, 0 when it ran, -1 else. */
static int step(struct vblk_dev *d, uint32_t vcpu, struct ccmem_guest_insn in,
		struct ccmem_run *run)
{
	if (vblk_run(d, vcpu, &in, 1, run))
		return -1;
	if (run->exit_reason == CCMEM_EXIT_EMU_STEP_ERROR)
		return ccmem_run_step(run)->error;
	return run->exit_reason == CCMEM_EXIT_EMU_DONE ? 0 : -1;
}

#define VINIT(cfgp)	GI(CCMEM_GOP_VIO_INIT, 0, 0, (uintptr_t)(cfgp))
#define VWRITE(gpa, size, sector) GI(CCMEM_GOP_VIO_WRITE, gpa, size, sector)
#define VREAD(gpa, size, sector) GI(CCMEM_GOP_VIO_READ, gpa, size, sector)
#define VIDLE()		GI(CCMEM_GOP_VIO_IDLE, 0, 0, 0)
#define PWRITE(gpa, size, seed)	GI(CCMEM_GOP_WRITE, gpa, size, seed)
#define PCHECK(gpa, size, seed)	GI(CCMEM_GOP_CHECK, gpa, size, seed)

#define DO(in)		step(&self->d, 0, in, &self->run)
#define VSTAT(n)	STAT(self->g.vm, "guest.vio_" n)
#define BROKEN()	(ccmem_run_state(&self->run)->vio_broken)

/* The device up, from vCPU 0. */
static int vio_up(struct vblk_dev *d, struct ccmem_emu_vio *cfg,
		  struct ccmem_run *run)
{
	return step(d, 0, VINIT(cfg), run);
}

/* Is the disk at @sector what the pattern @seed at @gpa gives? */
static bool disk_is(struct vblk_dev *d, uint64_t sector, uint64_t gpa,
		    uint64_t len, uint64_t seed)
{
	uint64_t i;

	for (i = 0; i < len; i++)
		if (d->disk[sector * 512 + i] != ccmem_emu_pattern(seed, gpa + i))
			return false;
	return true;
}

/* Every shared byte outside the ring is zero: slots are scrubbed. */
static bool shared_scrubbed(struct vblk_dev *d)
{
	uint64_t ring_end = d->used + 6 + 8ULL * d->qnum;
	uint64_t i;

	for (i = 0; i < d->g->ram_size; i++) {
		uint64_t gpa = d->g->ram_gpa + i;

		if (gpa >= d->desc && gpa < ring_end)
			continue;
		if (d->g->ram[i])
			return false;
	}
	return true;
}

/*
 * On vCPU @vcpu: write @len bytes of pattern @seed at @gpa to @sector,
 * zero @gpa, read the sector back into it and check.
 */
static int round_trip_on(struct vblk_dev *d, uint32_t vcpu, uint64_t gpa,
			 uint64_t len, uint64_t sector, uint64_t seed,
			 struct ccmem_run *run)
{
	struct ccmem_guest_insn p[] = {
		PWRITE(gpa, len, seed),
		VWRITE(gpa, len, sector),
		PWRITE(gpa, len, 0),
		VREAD(gpa, len, sector),
		PCHECK(gpa, len, seed),
	};

	if (vblk_run(d, vcpu, p, NR(p), run))
		return -1;
	return run->exit_reason == CCMEM_EXIT_EMU_DONE ? 0 :
	       run->exit_reason == CCMEM_EXIT_EMU_STEP_ERROR ?
	       (int)ccmem_run_step(run)->error : -2;
}

static int round_trip(struct vblk_dev *d, uint64_t gpa, uint64_t len,
		      uint64_t sector, uint64_t seed, struct ccmem_run *run)
{
	return round_trip_on(d, 0, gpa, len, sector, seed, run);
}

/* --- honest traffic -------------------------------------------------------- */

TEST_F(vio, init_negotiates_only_what_the_driver_implements)
{
	ASSERT_EQ(0, vio_up(&self->d, &self->cfg, &self->run));
	/* VERSION_1, ACCESS_PLATFORM, SEG_MAX; never indirect, packed, event. */
	EXPECT_EQ(VBLK_F_VERSION_1 | VBLK_F_ACCESS | VBLK_F_SEG_MAX, self->d.drv_features);
	EXPECT_EQ(0xf, self->d.status);		/* ...| FEATURES_OK | DRIVER_OK */
	EXPECT_EQ(QSIZE, self->d.qnum);
	EXPECT_EQ(1, self->d.qready);
	EXPECT_EQ(CCMEM_VIO_OK, BROKEN());
	/* Ring and one chunk per area, all converted by the guest itself. */
	EXPECT_EQ(1 + 2 * 16, VSTAT("mapped_pages"));
	EXPECT_GE(self->g.nr_convert, 3);
	EXPECT_LT(self->d.desc - TGPA, MEM);
}

TEST_F(vio, round_trip_one_sector)
{
	ASSERT_EQ(0, vio_up(&self->d, &self->cfg, &self->run));
	ASSERT_EQ(0, round_trip(&self->d, BUF, 512, 3, BUF_SEED, &self->run));
	EXPECT_TRUE(disk_is(&self->d, 3, BUF, 512, BUF_SEED));
	EXPECT_EQ(1, VSTAT("reads"));
	EXPECT_EQ(1, VSTAT("writes"));
	EXPECT_EQ(512, VSTAT("bytes_read"));
	EXPECT_EQ(0, VSTAT("bounce_in_use"));
	EXPECT_TRUE(shared_scrubbed(&self->d));
}

TEST_F(vio, round_trip_64k_crossing_pages)
{
	ASSERT_EQ(0, vio_up(&self->d, &self->cfg, &self->run));
	/* Not page aligned: the request spans 17 private pages. */
	ASSERT_EQ(0, round_trip(&self->d, BUF + 512, SZ_64K, 100, BUF_SEED,
				&self->run));
	EXPECT_TRUE(disk_is(&self->d, 100, BUF + 512, SZ_64K, BUF_SEED));
	EXPECT_EQ(SZ_64K, VSTAT("bytes_written"));
	EXPECT_EQ(0, VSTAT("bounce_in_use"));
	EXPECT_GE(VSTAT("bounce_high_water"), 18);
	EXPECT_TRUE(shared_scrubbed(&self->d));
}

TEST_F(vio, largest_request_grows_the_pool_then_idle_shrinks_it)
{
	uint64_t len = 64 * SZ_4K;	/* 64 data slots + header + status */

	self->cfg.queue_size = 128;	/* room for 66 descriptors */
	ASSERT_EQ(0, vio_up(&self->d, &self->cfg, &self->run));
	ASSERT_EQ(0, round_trip(&self->d, BUF, len, 0, BUF_SEED, &self->run));
	EXPECT_TRUE(disk_is(&self->d, 0, BUF, len, BUF_SEED));
	EXPECT_GE(VSTAT("bounce_grows"), 4);
	EXPECT_GT(VSTAT("mapped_pages"), 1 + 2 * 16);
	ASSERT_EQ(0, DO(VIDLE()));
	EXPECT_GE(VSTAT("bounce_shrinks"), 4);
	EXPECT_EQ(1 + 2 * 16, VSTAT("mapped_pages"));
	/* Converted back to private by the guest: the RAM is reusable. */
	ASSERT_EQ(0, round_trip(&self->d, BUF, SZ_4K, 9, BUF_SEED + 1,
				&self->run));
}

TEST_F(vio, pool_limit_is_enomem_not_a_broken_queue)
{
	self->cfg.max_chunks = 2;	/* 32 slots: no room for 66 */
	ASSERT_EQ(0, vio_up(&self->d, &self->cfg, &self->run));
	EXPECT_EQ(ENOMEM, DO(VWRITE(BUF, 32 * SZ_4K, 0)));
	EXPECT_GE(VSTAT("bounce_failures"), 1);
	EXPECT_EQ(0, VSTAT("bounce_in_use"));
	EXPECT_EQ(0, self->d.notifies);
	EXPECT_EQ(0, round_trip(&self->d, BUF, SZ_4K, 1, BUF_SEED, &self->run));
}

TEST_F(vio, many_requests_reuse_the_ring)
{
	int i;

	ASSERT_EQ(0, vio_up(&self->d, &self->cfg, &self->run));
	/* Three laps of the ring: the free list is private and stays sane. */
	for (i = 0; i < 3 * QSIZE / 4; i++)
		ASSERT_EQ(0, round_trip(&self->d, BUF, 1024, i * 2, BUF_SEED + i,
					&self->run));
	EXPECT_EQ(3 * QSIZE / 2, VSTAT("reads") + VSTAT("writes"));
	EXPECT_EQ(0, VSTAT("bad_entries"));
}

TEST_F(vio, late_completion_within_the_watchdog)
{
	ASSERT_EQ(0, vio_up(&self->d, &self->cfg, &self->run));
	self->d.h = VH_LATE;
	self->d.late_polls = STALL - 2;
	ASSERT_EQ(0, round_trip(&self->d, BUF, SZ_4K, 5, BUF_SEED, &self->run));
	EXPECT_EQ(CCMEM_VIO_OK, BROKEN());
}

TEST_F(vio, config_changing_once_is_read_again)
{
	self->d.h = VH_CONFIG_ONCE;
	ASSERT_EQ(0, vio_up(&self->d, &self->cfg, &self->run));
	EXPECT_GE(VSTAT("config_retries"), 1);
}

TEST_F(vio, out_of_range_and_bad_steps_never_reach_the_device)
{
	struct ccmem_emu_vio bad = self->cfg;
	struct ccmem_guest_insn in;

	EXPECT_EQ(ENODEV, DO(VREAD(BUF, 512, 0)));
	ASSERT_EQ(0, vio_up(&self->d, &self->cfg, &self->run));
	self->d.notifies = 0;
	EXPECT_EQ(EINVAL, DO(VREAD(BUF, 512, DISK_SECTORS)));
	EXPECT_EQ(EINVAL, DO(VREAD(BUF, 1024, DISK_SECTORS - 1)));
	/* Private memory that ends beyond the RAM: nothing is read. */
	EXPECT_EQ(ERANGE, DO(VREAD(TGPA + MEM - 512, 1024, 0)));
	EXPECT_EQ(ERANGE, DO(VWRITE(TGPA - 512, 1024, 0)));
	EXPECT_EQ(0, self->d.notifies);
	/* Refused when the program is set. */
	in = (struct ccmem_guest_insn)VREAD(BUF, 100, 0);
	EXPECT_ERRNO(-EINVAL, ccmem_vcpu_set_program(self->g.vcpu[0], &in, 1));
	bad.queue_size = 48;
	in = (struct ccmem_guest_insn)VINIT(&bad);
	EXPECT_ERRNO(-EINVAL, ccmem_vcpu_set_program(self->g.vcpu[0], &in, 1));
	bad = self->cfg;
	bad.reserved[1] = 1;
	in = (struct ccmem_guest_insn)VINIT(&bad);
	EXPECT_ERRNO(-EINVAL, ccmem_vcpu_set_program(self->g.vcpu[0], &in, 1));
	bad = self->cfg;
	bad.mmio_gpa = TGPA;	/* the guest's own RAM */
	EXPECT_EQ(EINVAL, DO(VINIT(&bad)));
}

TEST_F(vio, read_only_disk_refuses_writes)
{
	self->d.features |= VBLK_F_RO;
	ASSERT_EQ(0, vio_up(&self->d, &self->cfg, &self->run));
	EXPECT_EQ(EINVAL, DO(VWRITE(BUF, 512, 0)));
	EXPECT_EQ(0, self->d.notifies);
	EXPECT_EQ(0, DO(VREAD(BUF, 512, 0)));
}

/* --- what the driver refuses to use ---------------------------------------- */

TEST_F(vio, no_access_platform_is_refused)
{
	self->d.features &= ~VBLK_F_ACCESS;
	EXPECT_EQ(EOPNOTSUPP, vio_up(&self->d, &self->cfg, &self->run));
	EXPECT_EQ(128, self->d.status);		/* FAILED */
	/* What it shared for the device, it took back. */
	EXPECT_EQ(STAT(self->g.vm, "guest.to_shared"),
		  STAT(self->g.vm, "guest.to_private"));
}

TEST_F(vio, no_version_1_is_refused)
{
	self->d.features &= ~VBLK_F_VERSION_1;
	EXPECT_EQ(EOPNOTSUPP, vio_up(&self->d, &self->cfg, &self->run));
}

TEST_F(vio, legacy_transport_is_refused)
{
	uint64_t converts = self->g.nr_convert;

	self->d.version = 1;
	EXPECT_EQ(EOPNOTSUPP, vio_up(&self->d, &self->cfg, &self->run));
	EXPECT_EQ(converts, self->g.nr_convert);	/* nothing shared */
}

TEST_F(vio, wrong_device_or_magic_is_refused)
{
	self->d.device_id = 1;
	EXPECT_EQ(EOPNOTSUPP, vio_up(&self->d, &self->cfg, &self->run));
	self->d.device_id = 2;
	self->d.magic = 0;
	EXPECT_EQ(EOPNOTSUPP, vio_up(&self->d, &self->cfg, &self->run));
}

TEST_F(vio, features_ok_refused)
{
	self->d.refuse_features_ok = true;
	EXPECT_EQ(EOPNOTSUPP, vio_up(&self->d, &self->cfg, &self->run));
}

TEST_F(vio, queue_smaller_than_asked)
{
	self->d.queue_max = QSIZE / 2;
	EXPECT_EQ(EOPNOTSUPP, vio_up(&self->d, &self->cfg, &self->run));
	/* Everything it shared went back: the RAM is private again. */
	EXPECT_EQ(STAT(self->g.vm, "guest.to_shared"),
		  STAT(self->g.vm, "guest.to_private"));
	EXPECT_GT(STAT(self->g.vm, "guest.to_shared"), 0);
}

TEST_F(vio, queue_already_live_is_not_taken)
{
	self->d.ready_stuck = true;
	EXPECT_EQ(EIO, vio_up(&self->d, &self->cfg, &self->run));
}

TEST_F(vio, config_never_stable_is_eio)
{
	self->d.h = VH_CONFIG_FLAP;
	EXPECT_EQ(EIO, vio_up(&self->d, &self->cfg, &self->run));
}

TEST_F(vio, capacity_out_of_range_is_eio)
{
	self->d.capacity = 1ULL << 60;
	EXPECT_EQ(EIO, vio_up(&self->d, &self->cfg, &self->run));
}

TEST_F(vio, seg_max_zero_is_eio)
{
	self->d.seg_max = 0;
	EXPECT_EQ(EIO, vio_up(&self->d, &self->cfg, &self->run));
}

/* --- a device that breaks the ring ----------------------------------------- */

/*
 * A read into BUF while the device misbehaves as @h: EIO, the queue broken
 * for @why, private memory around BUF intact, later requests EIO without
 * a notify.
 */
/* FIXTURE_DATA(vio), spelled out for checkpatch. */
static void hostile_read(struct __test_metadata *_metadata, struct _test_data_vio *self,
			 enum vblk_hostile h, uint64_t why)
{
	struct ccmem_guest_insn p[] = {
		PWRITE(BUF - SZ_4K, 3 * SZ_4K, BUF_SEED),
	};
	uint64_t notifies;

	ASSERT_EQ(0, vio_up(&self->d, &self->cfg, &self->run));
	ASSERT_EQ(0, vblk_run(&self->d, 0, p, NR(p), &self->run));
	ASSERT_EQ(0, DO(VWRITE(BUF, SZ_4K, 16)));
	memset(self->d.disk + 16 * 512, 0xee, SZ_4K);
	self->d.h = h;
	EXPECT_EQ(EIO, DO(VREAD(BUF, SZ_4K, 16)));
	EXPECT_EQ(why, BROKEN());
	/* Nothing written to private memory on the device's word. */
	EXPECT_EQ(0, DO(PCHECK(BUF - SZ_4K, 3 * SZ_4K, BUF_SEED)));
	/* Broken for good: no request reaches the device again. */
	notifies = self->d.notifies;
	EXPECT_EQ(EIO, DO(VWRITE(BUF, 512, 0)));
	EXPECT_EQ(notifies, self->d.notifies);
	EXPECT_EQ(2, VSTAT("io_errors"));
}

TEST_F(vio, used_id_out_of_range)
{
	hostile_read(_metadata, self, VH_ID_RANGE, CCMEM_VIO_BROKEN_BAD_ID);
	EXPECT_EQ(1, VSTAT("bad_entries"));
	EXPECT_EQ(1, VSTAT("resets"));
	EXPECT_EQ(2, self->d.resets);	/* at negotiation, after the break */
}

TEST_F(vio, used_id_not_in_flight)
{
	hostile_read(_metadata, self, VH_ID_FREE, CCMEM_VIO_BROKEN_BAD_ID);
}

TEST_F(vio, used_length_too_large)
{
	hostile_read(_metadata, self, VH_LEN_BIG, CCMEM_VIO_BROKEN_BAD_LEN);
}

TEST_F(vio, used_index_jumps)
{
	hostile_read(_metadata, self, VH_IDX_JUMP, CCMEM_VIO_BROKEN_IDX_JUMP);
}

TEST_F(vio, used_index_wraps_half_way)
{
	hostile_read(_metadata, self, VH_IDX_WRAP, CCMEM_VIO_BROKEN_IDX_JUMP);
}

TEST_F(vio, completions_withheld)
{
	hostile_read(_metadata, self, VH_WITHHOLD, CCMEM_VIO_BROKEN_STALLED);
	/* It waited stall_polls polls of the interrupt status, no more. */
	EXPECT_LT(self->d.mmio, 400);
}

TEST_F(vio, device_resets_itself)
{
	hostile_read(_metadata, self, VH_SELF_RESET,
		     CCMEM_VIO_BROKEN_DEVICE_RESET);
}

TEST_F(vio, device_needs_reset)
{
	hostile_read(_metadata, self, VH_NEEDS_RESET,
		     CCMEM_VIO_BROKEN_DEVICE_RESET);
}

TEST_F(vio, same_request_completed_twice)
{
	/* Two used entries for one request in flight: the index jumped. */
	hostile_read(_metadata, self, VH_DOUBLE, CCMEM_VIO_BROKEN_IDX_JUMP);
}

TEST_F(vio, broken_queue_with_reset_returns_the_slots)
{
	hostile_read(_metadata, self, VH_WITHHOLD, CCMEM_VIO_BROKEN_STALLED);
	EXPECT_EQ(0, VSTAT("leaked_slots"));
	EXPECT_EQ(0, VSTAT("bounce_in_use"));
	EXPECT_TRUE(shared_scrubbed(&self->d));
}

TEST_F(vio, broken_queue_without_reset_leaks_the_slots)
{
	self->d.refuse_reset = true;
	hostile_read(_metadata, self, VH_WITHHOLD, CCMEM_VIO_BROKEN_STALLED);
	/* The device may still write them: leaked, never reused. */
	EXPECT_EQ(3, VSTAT("leaked_slots"));	/* header, 1 data, status */
	EXPECT_EQ(3, VSTAT("bounce_in_use"));
}

TEST_F(vio, reinit_after_a_broken_queue)
{
	hostile_read(_metadata, self, VH_ID_RANGE, CCMEM_VIO_BROKEN_BAD_ID);
	self->d.h = VH_NONE;	/* it behaves after the reset */
	ASSERT_EQ(0, vio_up(&self->d, &self->cfg, &self->run));
	EXPECT_EQ(CCMEM_VIO_OK, BROKEN());
	ASSERT_EQ(0, round_trip(&self->d, BUF, SZ_4K, 16, BUF_SEED + 2,
				&self->run));
	EXPECT_TRUE(disk_is(&self->d, 16, BUF, SZ_4K, BUF_SEED + 2));
}

#define TRACEFS		"/sys/kernel/tracing"
#define VIO_EVENTS	TRACEFS "/events/ccmem_guest"

/* The trace buffer, NUL-terminated, in @buf. */
static int tracefs_read(char *buf, size_t len)
{
	int fd = open(TRACEFS "/trace", O_RDONLY | O_CLOEXEC);
	ssize_t n, got = 0;

	if (fd < 0)
		return -errno;
	while (got < (ssize_t)len - 1 &&
	       (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += n;
	buf[got] = 0;
	close(fd);
	return 0;
}

TEST_F(vio, tracepoints_name_the_request_and_the_break)
{
	static char buf[1 << 16];

	if (access(TRACEFS "/events/ccmem_guest/ccmem_guest_vio_broken", F_OK))
		SKIP(return, "no tracefs, or no ccmem_guest events");
	ASSERT_EQ(0, ccmem_write_file(TRACEFS "/trace", ""));
	ASSERT_EQ(0, ccmem_write_file(VIO_EVENTS "/ccmem_guest_vio_request/enable", "1"));
	ASSERT_EQ(0, ccmem_write_file(VIO_EVENTS "/ccmem_guest_vio_broken/enable", "1"));
	hostile_read(_metadata, self, VH_ID_RANGE, CCMEM_VIO_BROKEN_BAD_ID);
	ccmem_write_file(VIO_EVENTS "/ccmem_guest_vio_request/enable", "0");
	ccmem_write_file(VIO_EVENTS "/ccmem_guest_vio_broken/enable", "0");
	ASSERT_EQ(0, tracefs_read(buf, sizeof(buf)));
	/* The good write, the read that broke the queue, the refused write. */
	EXPECT_NE(NULL, strstr(buf, "write sector=16 len=4096 err=0"));
	EXPECT_NE(NULL, strstr(buf, "read sector=16 len=4096 err=-5"));
	EXPECT_NE(NULL, strstr(buf, "reason=bad_id reset=done"));
	EXPECT_NE(NULL, strstr(buf, "write sector=0 len=512 err=-5"));
	ccmem_write_file(TRACEFS "/trace", "");
}

/* --- per-request failures: the queue stays up ------------------------------ */

/* A read answered as @h: @err, the queue fine, the next request works. */
static void bad_request(struct __test_metadata *_metadata, struct _test_data_vio *self,
			enum vblk_hostile h, int err)
{
	ASSERT_EQ(0, vio_up(&self->d, &self->cfg, &self->run));
	ASSERT_EQ(0, DO(PWRITE(BUF, SZ_4K, BUF_SEED)));
	self->d.h = h;
	self->d.h_left = 1;
	EXPECT_EQ(err, DO(VREAD(BUF, SZ_4K, 0)));
	EXPECT_EQ(CCMEM_VIO_OK, BROKEN());
	/* The private buffer kept what it had. */
	EXPECT_EQ(0, DO(PCHECK(BUF, SZ_4K, BUF_SEED)));
	EXPECT_EQ(0, round_trip(&self->d, BUF, SZ_4K, 2, BUF_SEED + 3,
				&self->run));
	EXPECT_EQ(0, VSTAT("bounce_in_use"));
}

TEST_F(vio, status_ioerr)
{
	bad_request(_metadata, self, VH_STATUS_IOERR, EIO);
	EXPECT_EQ(1, VSTAT("dev_errors"));
}

TEST_F(vio, status_unsupp)
{
	bad_request(_metadata, self, VH_STATUS_UNSUPP, EOPNOTSUPP);
}

TEST_F(vio, status_outside_the_spec)
{
	bad_request(_metadata, self, VH_STATUS_BAD, EIO);
}

TEST_F(vio, status_never_written)
{
	/* The driver's own 0xff stays: no status is not an OK status. */
	bad_request(_metadata, self, VH_NO_STATUS, EIO);
	EXPECT_EQ(1, VSTAT("bad_status"));
}

TEST_F(vio, used_length_short_of_the_data)
{
	bad_request(_metadata, self, VH_LEN_SHORT, EIO);
	EXPECT_EQ(1, VSTAT("short_used"));
}

/* --- the length-clamp policy ----------------------------------------------- */

TEST_F(vio, clamp_policy_takes_an_overlong_length)
{
	self->cfg.flags = CCMEM_VIO_F_CLAMP_LEN;
	ASSERT_EQ(0, vio_up(&self->d, &self->cfg, &self->run));
	ASSERT_EQ(0, DO(VWRITE(BUF, SZ_4K, 0)));
	self->d.h = VH_LEN_BIG;
	ASSERT_EQ(0, round_trip(&self->d, BUF, SZ_4K, 4, BUF_SEED, &self->run));
	EXPECT_GE(VSTAT("len_clamped"), 2);
	EXPECT_EQ(0, VSTAT("bad_entries"));
	EXPECT_EQ(CCMEM_VIO_OK, BROKEN());
}

TEST_F(vio, clamp_policy_still_breaks_on_a_bad_id)
{
	self->cfg.flags = CCMEM_VIO_F_CLAMP_LEN;
	hostile_read(_metadata, self, VH_ID_RANGE, CCMEM_VIO_BROKEN_BAD_ID);
}

/* --- descriptors the device rewrites ---------------------------------------- */

TEST_F(vio, descriptors_rewritten_in_flight)
{
	int i;

	ASSERT_EQ(0, vio_up(&self->d, &self->cfg, &self->run));
	self->d.h = VH_DESC_REWRITE;
	/*
	 * Every descriptor now names the secret, with flags and next that
	 * loop: the driver never reads them back, so its free list and its
	 * requests are untouched and the data goes where it offered it.
	 */
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, round_trip(&self->d, BUF, 2 * SZ_4K, 32 + 16 * i,
					BUF_SEED + i, &self->run));
	EXPECT_TRUE(disk_is(&self->d, 32 + 16 * 7, BUF, 2 * SZ_4K,
			    BUF_SEED + 7));
	EXPECT_EQ(0, DO(PCHECK(SECRET, SZ_4K, SECRET_SEED)));
	EXPECT_EQ(CCMEM_VIO_OK, BROKEN());
}

/* --- several vCPUs ------------------------------------------------------------ */

struct worker {
	struct vblk_dev *d;
	uint32_t vcpu;
	int err;
	struct ccmem_run run;
};

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	uint64_t gpa = BUF + w->vcpu * SZ_64K * 2;
	int i;

	for (i = 0; i < 16 && !w->err; i++)
		w->err = round_trip_on(w->d, w->vcpu, gpa,
				       SZ_64K / 4 * (1 + i % 4),
				       512 + w->vcpu * 1024 + i * 32,
				    BUF_SEED + w->vcpu * 64 + i, &w->run);
	return NULL;
}

TEST_F(vio, two_vcpus_share_the_device)
{
	struct worker w[2];
	pthread_t t[2];
	int i;

	ASSERT_EQ(0, vio_up(&self->d, &self->cfg, &self->run));
	ASSERT_ERRNO(0, ccmem_guest_add_vcpu(&self->g, 1));
	for (i = 0; i < 2; i++) {
		w[i] = (struct worker){ .d = &self->d, .vcpu = i };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, worker_fn, &w[i]));
	}
	for (i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(0, w[i].err);
	}
	EXPECT_EQ(32, VSTAT("reads"));
	EXPECT_EQ(0, VSTAT("bounce_in_use"));
	EXPECT_EQ(0, VSTAT("bad_entries"));
}

TEST_F(vio, vcpu_stopped_while_waiting_for_the_device)
{
	struct ccmem_guest_insn p[] = { VREAD(BUF, SZ_4K, 0) };

	ASSERT_EQ(0, vio_up(&self->d, &self->cfg, &self->run));
	/* Stop answering in the middle of a request: close the vCPU. */
	ASSERT_ERRNO(0, ccmem_vcpu_set_program(self->g.vcpu[0], p, 1));
	ASSERT_ERRNO(0, ccmem_guest_run(&self->g, 0, &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_MMIO);
	close(self->g.vcpu[0]);
	self->g.vcpu[0] = -1;
	/*
	 * Its request is still on the ring: the device is unusable until a
	 * vCPU sets it up again, which resets it.
	 */
	EXPECT_EQ(EIO, step(&self->d, 1, VREAD(BUF, SZ_4K, 0), &self->run));
	ASSERT_EQ(0, step(&self->d, 1, VINIT(&self->cfg), &self->run));
	EXPECT_EQ(0, round_trip_on(&self->d, 1, BUF, SZ_4K, 3, BUF_SEED,
				   &self->run));
	EXPECT_TRUE(disk_is(&self->d, 3, BUF, SZ_4K, BUF_SEED));
}

TEST_HARNESS_MAIN
