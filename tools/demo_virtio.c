// SPDX-License-Identifier: GPL-2.0
/*
 * demo_virtio.c - the virtio act of ccmem-demo: the emulated guest's
 * hardened virtio-blk driver against a device this VMM plays, on SNP and
 * on TDX. The guest sets the device up (its ring and bounce pool in
 * memory it converts to shared itself), writes 64 KiB of private data to
 * the disk and reads it back; then the device lies about a used length,
 * and the guest fails the request with EIO, breaks the queue and keeps
 * its private memory as it was.
 */
#include <errno.h>
#include <string.h>

#include "demo.h"
#include "vblk_dev.h"

#define V_GPA		(1ULL << 30)
#define V_SIZE		(32ULL << 20)
#define V_MMIO		0x20000000ULL
#define V_SECTORS	4096ULL
#define V_BUF		(V_GPA + (1ULL << 20))
#define V_LEN		(64ULL << 10)
#define V_SEED		0x5d

/* Run @p to its end; the step error's errno, 0 when it ran through. */
static int v_run(struct vblk_dev *d, const struct ccmem_guest_insn *p,
		 uint32_t nr, struct ccmem_run *run)
{
	char what[192];
	int ret = vblk_run(d, 0, p, nr, run);

	if (ret)
		demo_fail("running the guest: %s", ccmem_errno_name(ret));
	if (run->exit_reason == CCMEM_EXIT_EMU_STEP_ERROR)
		return (int)ccmem_run_step(run)->error;
	if (run->exit_reason != CCMEM_EXIT_EMU_DONE)
		demo_fail("guest exit %s", ccmem_run_describe(run, what,
							      sizeof(what)));
	return 0;
}

static bool v_disk_is(const struct vblk_dev *d, uint64_t sector)
{
	uint64_t i;

	for (i = 0; i < V_LEN; i++)
		if (d->disk[sector * 512 + i] !=
		    ccmem_emu_pattern(V_SEED, V_BUF + i))
			return false;
	return true;
}

static void virtio_on(uint32_t type, uint64_t attributes, const char *name)
{
	struct ccmem_emu_guest_config cfg =
		ccmem_guest_config(CCMEM_ACCEPT_LAZY, V_GPA, V_SIZE);
	struct ccmem_emu_vio vio = {
		.mmio_gpa = V_MMIO, .queue_size = 64, .areas = 1,
		.max_chunks = 8, .stall_polls = 16,
	};
	struct ccmem_guest_insn up[] = {
		{ CCMEM_GOP_BOOT, 0, 0, 0, 0 },
		{ CCMEM_GOP_VIO_INIT, 0, 0, 0, (uintptr_t)&vio },
	};
	struct ccmem_guest_insn io[] = {
		{ CCMEM_GOP_WRITE, 0, V_BUF, V_LEN, V_SEED },
		{ CCMEM_GOP_VIO_WRITE, 0, V_BUF, V_LEN, 64 },
		{ CCMEM_GOP_WRITE, 0, V_BUF, V_LEN, 0 },
		{ CCMEM_GOP_VIO_READ, 0, V_BUF, V_LEN, 64 },
		{ CCMEM_GOP_CHECK, 0, V_BUF, V_LEN, V_SEED },
	};
	struct ccmem_guest_insn lie[] = {
		{ CCMEM_GOP_VIO_READ, 0, V_BUF, 4096, 0 },
	};
	struct ccmem_guest_insn check[] = {
		{ CCMEM_GOP_CHECK, 0, V_BUF, V_LEN, V_SEED },
	};
	struct ccmem_guest g;
	struct vblk_dev d;
	struct ccmem_run run;
	uint64_t converts;
	int ret;

	ret = ccmem_guest_create_vm(&g, type, attributes, &cfg);
	if (ret)
		demo_fail("%s guest: %s", name, ccmem_errno_name(ret));
	if (vblk_dev_init(&d, &g, V_MMIO, V_SECTORS))
		demo_fail("no memory for the disk");

	ret = v_run(&d, up, 2, &run);
	if (ret)
		demo_fail("%s: VIO_INIT: %s", name, strerror(ret));
	converts = g.nr_convert;
	demo_say("%s: the guest set up virtio-blk at 0x%llx in %llu register exits:",
		 name, (unsigned long long)V_MMIO,
		 (unsigned long long)demo_guest_stat(&g, "guest.vio_mmio_exits"));
	demo_say("     negotiated 0x%llx (VERSION_1, ACCESS_PLATFORM, SEG_MAX; the device",
		 (unsigned long long)d.drv_features);
	demo_say("     also offered indirect, event-idx and packed: refused), ring and");
	demo_say("     bounce pool in %llu pages it converted to shared itself (%llu exits)",
		 (unsigned long long)demo_guest_stat(&g, "guest.vio_mapped_pages"),
		 (unsigned long long)converts);

	ret = v_run(&d, io, 5, &run);
	if (ret)
		demo_fail("%s: the round trip: %s", name, strerror(ret));
	if (!v_disk_is(&d, 64))
		demo_fail("%s: the disk does not hold what the guest wrote", name);
	demo_say("     wrote 64 KiB of private data to sector 64 and read it back:");
	demo_say("     the disk holds it, the guest's copy checks; bounce high water %llu",
		 (unsigned long long)demo_guest_stat(&g, "guest.vio_bounce_high_water"));
	demo_say("     slots, %llu grows, %llu in use now (freed slots are zeroed)",
		 (unsigned long long)demo_guest_stat(&g, "guest.vio_bounce_grows"),
		 (unsigned long long)demo_guest_stat(&g, "guest.vio_bounce_in_use"));

	d.h = VH_LEN_BIG;
	ret = v_run(&d, lie, 1, &run);
	if (ret != EIO || ccmem_run_state(&run)->vio_broken !=
	    CCMEM_VIO_BROKEN_BAD_LEN)
		demo_fail("%s: a lying device gave %s, not EIO", name,
			  ret ? strerror(ret) : "success");
	if (v_run(&d, check, 1, &run))
		demo_fail("%s: private memory changed", name);
	demo_say("     the device then reported 4 KiB more than it was offered: EIO,");
	demo_say("     the queue broken (BAD_LEN) and the device reset (%llu); the guest's",
		 (unsigned long long)demo_guest_stat(&g, "guest.vio_resets"));
	demo_say("     buffer kept its data, %llu bad entry counted",
		 (unsigned long long)demo_guest_stat(&g, "guest.vio_bad_entries"));
	vblk_dev_free(&d);
	ccmem_guest_destroy(&g);
}

/**
 * demo_virtio_act() - the guest's hardened virtio-blk, on SNP and on TDX.
 */
void demo_virtio_act(void)
{
	demo_step("j. hardened virtio: the guest's virtio-blk against a device this VMM plays");
	demo_say("each register access of the guest exits here (CCMEM_EXIT_EMU_MMIO);");
	demo_say("all I/O is copied through bounce slots in shared memory, and every");
	demo_say("used entry is copied once and checked (id in flight, length offered).");
	virtio_on(CCMEM_VM_SNP, 0, "SNP");
	virtio_on(CCMEM_VM_TDX, CCMEM_TDX_ATTR_NO_PENDING_VE, "TDX");
}
