/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vdev_model.h - a virtio device in userspace for the unit tests and the
 * fuzzer of guest/virtio: honest, or hostile in one chosen way.
 *
 * It plays the transport (features, status, config space with its
 * generation, notify, reset) and the device side of a split ring in the
 * driver's shared memory, and provides the environment's memory ops for
 * the bounce pool (aligned allocations; device address = pointer).
 *
 * An honest device answers each request by writing the bytes it read,
 * each XORed with 0xff, into the request's writable buffers, as many as
 * fit, and reports that many bytes used.
 */
#ifndef CCMEM_TESTS_VDEV_MODEL_H
#define CCMEM_TESTS_VDEV_MODEL_H

#include "../../guest/virtio/vring.h"

enum vdev_evil {
	VDEV_HONEST,
	VDEV_ID_RANGE,		/* used id >= num */
	VDEV_ID_NOT_INFLIGHT,	/* used id of a descriptor not in flight */
	VDEV_ID_TWICE,		/* the same head completed twice */
	VDEV_LEN_LONG,		/* used length beyond what was offered */
	VDEV_IDX_JUMP,		/* used index moves past what is in flight */
	VDEV_REWRITE_DESC,	/* rewrites the descriptors it holds */
	VDEV_WITHHOLD,		/* never completes anything */
	VDEV_SELF_RESET,	/* resets itself mid-request */
};

struct vdev {
	/* transport */
	u64 features;		/* offered */
	u64 driver_features;	/* written by the driver */
	u8 status;
	bool refuse_features_ok;
	bool allow_reset;
	u32 resets;
	u32 notifies;
	u32 gen;
	u32 gen_flips;		/* config reads that see the generation move */
	u32 config_size;
	u8 config[256];

	/* the ring, as the device sees it */
	u32 num;
	u8 *shared;
	u16 last_avail;
	u16 used_idx;
	u32 served;

	/* misbehaviour: from the evil_at-th completion (0-based) on */
	enum vdev_evil evil;
	u32 evil_at;
	u32 evil_len;		/* VDEV_LEN_LONG: bytes beyond the offer */

	/* bounce memory */
	u32 allocs, frees, to_shared, to_private;
	u32 alloc_limit;	/* allocations allowed (0: any) */
	bool fail_convert;
	void *last_alloc;
	struct {
		u8 *va;
		u32 bytes;
		bool shared;
	} region[64];		/* what the environment handed out */
	u32 dma_refused;	/* buffers outside shared memory */
	u32 locks[GV_BOUNCE_MAX_AREAS];
	u32 lock_depth;
};

extern const struct gv_ops vdev_ops;

/* An honest device with @num entries of ring in @shared. */
void vdev_init(struct vdev *d, u32 num, void *shared);

/*
 * Serve up to @max requests the driver made available; returns how many
 * it completed (a withholding device completes none).
 */
u32 vdev_serve(struct vdev *d, u32 max);

/* Write a raw used entry and publish it (the fuzzer's device). */
void vdev_push_used(struct vdev *d, u32 id, u32 len, u16 idx_step);

/*
 * Free what the pool never gave back (memory it leaked after a failed
 * conversion, or still held); returns how many allocations that was.
 */
u32 vdev_release_all(struct vdev *d);

#endif /* CCMEM_TESTS_VDEV_MODEL_H */
