/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmmio.h - the virtio-mmio transport (virtio 1.x, version 2 registers)
 * and the virtio-blk driver of a confidential guest, on the hardened ring
 * and bounce pool of vring.h.
 *
 * Register accesses go through the environment (struct gv_mmio_io): a
 * real guest dereferences its MMIO mapping (guest/tiny), the emulated
 * guest exits to the VMM (host/emu/runner.c). Every value a register
 * returns is the device's word and is checked before use.
 */
#ifndef CCMEM_GUEST_VIRTIO_VMMIO_H
#define CCMEM_GUEST_VIRTIO_VMMIO_H

#include "vring.h"

/* virtio-mmio registers (virtio 1.x, 4.2.2 "MMIO Device Register Layout"). */
#define GV_MMIO_MAGIC		0x000
#define GV_MMIO_VERSION		0x004
#define GV_MMIO_DEVICE_ID	0x008
#define GV_MMIO_VENDOR_ID	0x00c
#define GV_MMIO_DEV_FEATURES	0x010
#define GV_MMIO_DEV_FEATURES_SEL 0x014
#define GV_MMIO_DRV_FEATURES	0x020
#define GV_MMIO_DRV_FEATURES_SEL 0x024
#define GV_MMIO_QUEUE_SEL	0x030
#define GV_MMIO_QUEUE_NUM_MAX	0x034
#define GV_MMIO_QUEUE_NUM	0x038
#define GV_MMIO_QUEUE_READY	0x044
#define GV_MMIO_QUEUE_NOTIFY	0x050
#define GV_MMIO_INT_STATUS	0x060
#define GV_MMIO_INT_ACK		0x064
#define GV_MMIO_STATUS		0x070
#define GV_MMIO_QUEUE_DESC_LO	0x080
#define GV_MMIO_QUEUE_DESC_HI	0x084
#define GV_MMIO_QUEUE_AVAIL_LO	0x090
#define GV_MMIO_QUEUE_AVAIL_HI	0x094
#define GV_MMIO_QUEUE_USED_LO	0x0a0
#define GV_MMIO_QUEUE_USED_HI	0x0a4
#define GV_MMIO_CONFIG_GEN	0x0fc
#define GV_MMIO_CONFIG		0x100

#define GV_MMIO_MAGIC_VALUE	0x74726976	/* "virt" */
#define GV_MMIO_WINDOW		0x200		/* bytes of one transport */
#define GV_MMIO_CONFIG_SIZE	(GV_MMIO_WINDOW - GV_MMIO_CONFIG)

/* Reads of Status after a reset before the driver gives up on the device. */
#define GV_MMIO_RESET_POLLS	64

/**
 * struct gv_mmio_io - the environment's register accesses.
 * @read: read @size (1, 2 or 4) bytes at offset @off of the window.
 * @write: write them.
 */
struct gv_mmio_io {
	u32 (*read)(void *ctx, u32 off, u32 size);
	void (*write)(void *ctx, u32 off, u32 size, u32 val);
};

/**
 * struct gv_mmio - one virtio-mmio transport.
 * @io:		register accesses.
 * @ctx:	their data.
 * @device_id:	the device type (gv_mmio_probe()).
 */
struct gv_mmio {
	const struct gv_mmio_io *io;
	void *ctx;
	u32 device_id;
};

/*
 * The transport half of struct gv_ops (features, status, config, notify,
 * reset), with gv_dev.priv the struct gv_mmio.
 */
extern const struct gv_ops gv_mmio_ops;

/**
 * gv_mmio_probe() - check a window for a virtio 1.x device.
 * @m: the transport.
 * @io: register accesses.
 * @ctx: their data.
 *
 * Return: 0 and @m->device_id; -GA_ENOTSUPP no device there (bad magic,
 * device id 0) or a legacy (version 1) device, which cannot negotiate
 * VIRTIO_F_ACCESS_PLATFORM.
 */
int gv_mmio_probe(struct gv_mmio *m, const struct gv_mmio_io *io, void *ctx);

/**
 * gv_mmio_queue_max() - the largest queue the device offers for @qid.
 * Return: QueueNumMax (0: no such queue).
 */
u32 gv_mmio_queue_max(struct gv_mmio *m, u16 qid);

/**
 * gv_mmio_queue_setup() - give queue @qid of @num entries to the device.
 * @m: the transport.
 * @qid: the queue.
 * @num: entries, at most gv_mmio_queue_max().
 * @ring_dev: device address of the ring's shared memory (gv_vring_init()).
 *
 * Return: 0; -GA_ENOTSUPP the queue is smaller than @num; -GA_EIO the
 * device says the queue is already live, or does not take it.
 */
int gv_mmio_queue_setup(struct gv_mmio *m, u16 qid, u32 num, u64 ring_dev);

/**
 * gv_mmio_ack() - read and acknowledge the interrupt status.
 * Return: the bits that were set.
 */
u32 gv_mmio_ack(struct gv_mmio *m);

/* virtio-blk (virtio 1.x, 5.2 "Block Device"). */
#define GV_BLK_DEVICE_ID	2
#define GV_BLK_F_SEG_MAX	2
#define GV_BLK_F_RO		5
#define GV_BLK_SECTOR		512
#define GV_BLK_MAX_SEGS		64	/* data segments per request */
#define GV_BLK_T_IN		0
#define GV_BLK_T_OUT		1
#define GV_BLK_S_OK		0
#define GV_BLK_S_IOERR		1
#define GV_BLK_S_UNSUPP		2
#define GV_BLK_S_NONE		0xff	/* written before a request goes out */

/* Config space offsets. */
#define GV_BLK_CFG_CAPACITY	0
#define GV_BLK_CFG_SEG_MAX	12

/* The largest capacity the driver takes (2^63 bytes, in sectors). */
#define GV_BLK_MAX_CAPACITY	BIT_ULL(54)

/**
 * gv_blk_wait_fn - called while a request is in flight and nothing has
 * completed: wait for the device (an interrupt, a poll of its status).
 * Return: 0, or a negative GA_E* code to give up (the vCPU is stopping).
 */
typedef int (*gv_blk_wait_fn)(void *ctx);

/* Device statistics (gv_blk.stat). */
struct gv_blk_stats {
	u64 reads;
	u64 writes;
	u64 bytes_read;
	u64 bytes_written;
	u64 io_errors;		/* requests failed with -GA_EIO */
	u64 dev_errors;		/* status IOERR or UNSUPP from the device */
	u64 bad_status;		/* a status byte outside the spec */
	u64 short_used;		/* a used length below what was written */
	u64 leaked_slots;	/* bounce slots of requests the device kept */
};

/* The request in flight: its bounce slots, private. */
struct gv_blk_req {
	struct gv_bslot hdr;
	struct gv_bslot data[GV_BLK_MAX_SEGS];
	struct gv_bslot status;
	u32 nr_data;
	u32 got;		/* slots taken so far, in that order */
};

/**
 * struct gv_blk - a virtio-blk device with one request queue.
 * @t:		its transport.
 * @dev:	the virtio device.
 * @vq:		request queue 0.
 * @pool:	the bounce pool every byte of I/O goes through.
 * @capacity:	sectors, checked against GV_BLK_MAX_CAPACITY.
 * @seg_max:	data segments per request (1 unless SEG_MAX was offered).
 * @ro:		the device is read-only.
 * @stat:	statistics.
 * @req:	the request in flight.
 * @bufs:	its buffers, as the ring gets them.
 *
 * The caller serializes requests (one is in flight at a time).
 */
struct gv_blk {
	struct gv_mmio *t;
	struct gv_dev dev;
	struct gv_vring vq;
	struct gv_bounce *pool;
	u64 capacity;
	u32 seg_max;
	bool ro;
	struct gv_blk_stats stat;
	struct gv_blk_req req;
	struct gv_buf bufs[GV_BLK_MAX_SEGS + 2];
};

/**
 * gv_blk_init() - bring up a virtio-blk device.
 * @b: the device.
 * @t: its transport, after gv_mmio_probe().
 * @pool: the bounce pool.
 * @policy: GV_POLICY_* for the device.
 * @qsize: queue entries, a power of two.
 * @ring: gv_vring_shared_bytes(@qsize) of shared memory, 16-byte aligned.
 * @ring_dev: its device address.
 * @ring_priv: gv_vring_priv_bytes(@qsize) of private memory.
 * @stall_polls: waits without a completion after which the queue is
 *	declared stalled and broken (0: never).
 *
 * Negotiates (VERSION_1 and ACCESS_PLATFORM required; SEG_MAX and RO
 * taken when offered), reads and checks the config, sets up the queue
 * and sets DRIVER_OK.
 *
 * Return: 0, -GA_EINVAL, -GA_ENOTSUPP (not a block device, a missing
 * feature, a queue smaller than @qsize), -GA_EIO (config never stable or
 * out of range, the device refused the queue).
 */
int gv_blk_init(struct gv_blk *b, struct gv_mmio *t, struct gv_bounce *pool,
		u32 policy, u32 qsize, void *ring, u64 ring_dev,
		void *ring_priv, u32 stall_polls);

/**
 * gv_blk_rw() - one synchronous request.
 * @b: the device.
 * @cpu: the vCPU (picks the bounce area).
 * @write: write @buf to the disk, else read the disk into @buf.
 * @sector: first sector.
 * @buf: private memory.
 * @len: bytes, a multiple of GV_BLK_SECTOR, in at most @b->seg_max
 *	bounce slots.
 * @wait: called when nothing has completed yet.
 * @ctx: its data.
 *
 * The data goes through bounce slots only; @buf is written only after
 * the device completed the request with status OK and the length it
 * reports is checked.
 *
 * Return: 0; -GA_EINVAL (a bad range, too many segments, a write to a
 * read-only disk); -GA_ENOMEM (no bounce slot); -GA_ENOTSUPP (status
 * UNSUPP); -GA_EIO (status IOERR, a bad status or length, or the device
 * broke the queue: then every later request fails too); or @wait's error.
 */
int gv_blk_rw(struct gv_blk *b, u32 cpu, bool write, u64 sector, void *buf,
	      u32 len, gv_blk_wait_fn wait, void *ctx);

#endif /* CCMEM_GUEST_VIRTIO_VMMIO_H */
