/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vblk_dev.h - a virtio-blk device on a virtio-mmio transport (register
 * layout version 2) that a VMM plays for ccmem's emulated guest: the
 * guest's register accesses come as CCMEM_EXIT_EMU_MMIO exits, the ring
 * and the bounce slots are the guest's shared memory in the VMM's
 * backing, the disk is in the VMM's memory. It serves requests honestly
 * or, for tests, in one chosen hostile way. Used by selftests/ccmem_virtio
 * and the demonstration (tools/demo_virtio.c).
 */
#ifndef CCMEM_VBLK_DEV_H
#define CCMEM_VBLK_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include "libccmem.h"

/* Device feature bits it may offer. */
#define VBLK_F_SEG_MAX		(1ULL << 2)
#define VBLK_F_RO		(1ULL << 5)
#define VBLK_F_INDIRECT		(1ULL << 28)
#define VBLK_F_EVENT_IDX	(1ULL << 29)
#define VBLK_F_VERSION_1	(1ULL << 32)
#define VBLK_F_ACCESS		(1ULL << 33)
#define VBLK_F_PACKED		(1ULL << 34)

/* What the device does wrong. */
enum vblk_hostile {
	VH_NONE,
	VH_ID_RANGE,		/* used id beyond the queue */
	VH_ID_FREE,		/* used id of a descriptor not in flight */
	VH_LEN_BIG,		/* used length beyond what was offered */
	VH_LEN_SHORT,		/* used length short of the data */
	VH_IDX_JUMP,		/* used index ahead by more than in flight */
	VH_IDX_WRAP,		/* used index 0x8000 ahead */
	VH_DESC_REWRITE,		/* descriptors rewritten while in flight */
	VH_WITHHOLD,		/* never completes */
	VH_LATE,			/* completes after a few polls */
	VH_SELF_RESET,		/* resets itself mid-request */
	VH_NEEDS_RESET,		/* says NEEDS_RESET mid-request */
	VH_STATUS_IOERR,
	VH_STATUS_UNSUPP,
	VH_STATUS_BAD,		/* a status byte outside the spec */
	VH_CONFIG_FLAP,		/* generation changes on every read */
	VH_CONFIG_ONCE,		/* generation changes once */
	VH_DOUBLE,		/* completes the same request twice */
	VH_NO_STATUS,		/* right length, status byte never written */
};

/* The VMM's device: a virtio-mmio blk device on a RAM disk. */
struct vblk_dev {
	struct ccmem_guest *g;
	uint64_t base;			/* the register window */
	uint64_t scribble_gpa;		/* VH_DESC_REWRITE's address */
	/* identity, as the registers report it */
	uint32_t magic, version, device_id, queue_max;
	uint64_t features;
	uint64_t capacity;
	uint32_t seg_max;
	/* register state */
	uint32_t status, dfsel, drfsel, qsel, qnum, qready, isr, gen;
	uint64_t drv_features, desc, avail, used;
	bool ready_stuck;		/* QueueReady reads 1 from the start */
	bool refuse_features_ok;
	bool refuse_reset;		/* Status never reads 0 again */
	/* the ring as the device walks it */
	uint16_t last_avail, used_idx;
	/* misbehaviour */
	enum vblk_hostile h;
	uint32_t h_left;		/* requests still to hit (0: all) */
	uint32_t late_polls;
	uint32_t polls;
	uint32_t pending_head, pending_len;	/* VH_LATE */
	bool pending;
	/* what the guest did */
	uint64_t notifies, reads, writes, resets, mmio;
	uint8_t *disk;
};

/**
 * vblk_dev_init() - an honest device of @sectors 512-byte sectors whose
 * registers are at @base, for the guest @g. It offers VERSION_1,
 * ACCESS_PLATFORM and SEG_MAX (128), and also indirect descriptors, event
 * indices and the packed ring, which a driver must not take.
 * Return: 0 or -ENOMEM.
 */
int vblk_dev_init(struct vblk_dev *d, struct ccmem_guest *g, uint64_t base,
		  uint64_t sectors);
void vblk_dev_free(struct vblk_dev *d);

/* Serve one CCMEM_EXIT_EMU_MMIO exit (a read's value goes in its data). */
void vblk_dev_mmio(struct vblk_dev *d, struct ccmem_run *run);

/*
 * Give vCPU @id the program @p and run it until it ends, serving its
 * register accesses and conversion exits. 0 with @run holding the last
 * exit, or the -errno of a run.
 */
int vblk_run(struct vblk_dev *d, uint32_t id,
	     const struct ccmem_guest_insn *p, uint32_t nr,
	     struct ccmem_run *run);

#endif /* CCMEM_VBLK_DEV_H */
