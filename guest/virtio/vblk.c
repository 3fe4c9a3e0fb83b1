// SPDX-License-Identifier: GPL-2.0
/*
 * vblk.c - the virtio-blk driver of a confidential guest.
 *
 * A request is a chain of one device-readable header, up to seg_max data
 * segments and one device-writable status byte, each in its own bounce
 * slot. Private memory is read (a write) or written (a read) only by the
 * copies between it and those slots, and a read's data is copied out only
 * once the device completed the request with status OK and a used length
 * that covers it.
 *
 * When the device breaks the queue, the request fails with -GA_EIO and
 * so does every later one. Its bounce slots go back to the pool only if
 * the device was reset (it no longer holds them); otherwise they are
 * leaked, since a device that still holds a slot may write it at any
 * time.
 */
#include "../ga_compat.h"
#include "vmmio.h"

/* The request header (virtio 1.x, struct virtio_blk_req). */
struct gv_blk_hdr {
	u32 type;
	u32 reserved;
	u64 sector;
};

int gv_blk_init(struct gv_blk *b, struct gv_mmio *t, struct gv_bounce *pool,
		u32 policy, u32 qsize, void *ring, u64 ring_dev,
		void *ring_priv, u32 stall_polls)
{
	u64 cap, seg_max = 1;
	int ret;

	if (!b || !t || !pool || !ring || !ring_priv)
		return -GA_EINVAL;
	memset(b, 0, sizeof(*b));
	if (t->device_id != GV_BLK_DEVICE_ID)
		return -GA_ENOTSUPP;
	b->t = t;
	b->pool = pool;
	ret = gv_dev_init(&b->dev, &gv_mmio_ops, t, GV_MMIO_CONFIG_SIZE,
			  policy);
	if (ret)
		return ret;
	ret = gv_negotiate(&b->dev, BIT_ULL(GV_BLK_F_SEG_MAX) |
			   BIT_ULL(GV_BLK_F_RO));
	if (ret)
		return ret;

	ret = gv_config_uint(&b->dev, GV_BLK_CFG_CAPACITY, 8, 0,
			     GV_BLK_MAX_CAPACITY, &cap);
	if (!ret && b->dev.features & BIT_ULL(GV_BLK_F_SEG_MAX))
		ret = gv_config_uint(&b->dev, GV_BLK_CFG_SEG_MAX, 4, 1,
				     (u32)~0U, &seg_max);
	if (ret)
		goto fail;
	b->capacity = cap;
	b->seg_max = (u32)(seg_max < GV_BLK_MAX_SEGS ? seg_max :
			   GV_BLK_MAX_SEGS);
	/* The header and the status take two descriptors. */
	if (b->seg_max + 2 > qsize)
		b->seg_max = qsize > 2 ? qsize - 2 : 0;
	b->ro = b->dev.features & BIT_ULL(GV_BLK_F_RO);

	ret = gv_vring_init(&b->vq, &b->dev, 0, qsize, ring, ring_priv);
	if (!ret && !b->seg_max)
		ret = -GA_EINVAL;
	if (!ret)
		ret = gv_mmio_queue_setup(t, 0, qsize, ring_dev);
	if (ret)
		goto fail;
	b->vq.stall_ticks = stall_polls;
	return gv_dev_ready(&b->dev);
fail:
	b->dev.ops->set_status(b->dev.priv, GV_S_FAILED);
	return ret;
}

/* Give back the slots of @r, or leak them when the device may hold them. */
static void gv_blk_put_slots(struct gv_blk *b, struct gv_blk_req *r,
			     bool leak)
{
	u32 i, n = r->got;

	if (leak) {
		ga_atomic_add(&b->stat.leaked_slots, n);
		return;
	}
	/* Taken in this order: header, data..., status. */
	if (n) {
		gv_bounce_put(b->pool, r->hdr);
		n--;
	}
	for (i = 0; i < r->nr_data && n; i++, n--)
		gv_bounce_put(b->pool, r->data[i]);
	if (n)
		gv_bounce_put(b->pool, r->status);
}

/*
 * A slot for a buffer of @len bytes, device-writable when @dev_writes:
 * the pool then scrubs only what the slot can hold when it is freed.
 */
static int gv_blk_get_slot(struct gv_blk *b, struct gv_blk_req *r, u32 cpu,
			   struct gv_bslot *s, struct gv_buf *buf, u32 len,
			   bool dev_writes)
{
	if (gv_bounce_get_for(b->pool, cpu, dev_writes ? len : 0, s,
			      &buf->addr))
		return -GA_ENOMEM;
	buf->len = len;
	r->got++;
	return 0;
}

/* The request is off the ring: account for what the device said. */
static int gv_blk_complete(struct gv_blk *b, struct gv_blk_req *r,
			   bool write, void *buf, u32 len, u32 used)
{
	u32 i, seg, want = write ? 1 : len + 1;
	u8 *dst = buf, st = 0;

	if (used < want) {
		/*
		 * Less than the data and the status: the request did not
		 * happen as asked. With the clamp policy (a device known to
		 * misreport lengths) the status byte decides, as in Linux.
		 */
		ga_atomic_add(&b->stat.short_used, 1);
		if (!(b->dev.policy & GV_POLICY_CLAMP_USED_LEN))
			return -GA_EIO;
	}
	if (gv_bounce_read(b->pool, r->status, &st, 1))
		return -GA_EIO;
	if (st == GV_BLK_S_IOERR || st == GV_BLK_S_UNSUPP) {
		ga_atomic_add(&b->stat.dev_errors, 1);
		return st == GV_BLK_S_UNSUPP ? -GA_ENOTSUPP : -GA_EIO;
	}
	if (st != GV_BLK_S_OK) {
		ga_atomic_add(&b->stat.bad_status, 1);
		return -GA_EIO;
	}
	if (write)
		return 0;
	for (i = 0; i < r->nr_data; i++) {
		seg = len < b->pool->slot_bytes ? len : b->pool->slot_bytes;
		if (gv_bounce_read(b->pool, r->data[i], dst, seg))
			return -GA_EIO;
		dst += seg;
		len -= seg;
	}
	return 0;
}

/* Check a request against the disk and the queue before taking a slot. */
static int gv_blk_check(const struct gv_blk *b, bool write, u64 sector,
			u32 len, u32 *nr_data)
{
	u64 n = len / GV_BLK_SECTOR;
	u32 slot = b->pool->slot_bytes;

	if (!len || len % GV_BLK_SECTOR || (write && b->ro))
		return -GA_EINVAL;
	if (sector > b->capacity || n > b->capacity - sector)
		return -GA_EINVAL;
	*nr_data = (len + slot - 1) / slot;
	return *nr_data > b->seg_max ? -GA_EINVAL : 0;
}

int gv_blk_rw(struct gv_blk *b, u32 cpu, bool write, u64 sector, void *buf,
	      u32 len, gv_blk_wait_fn wait, void *ctx)
{
	struct gv_buf *bufs = b->bufs;
	struct gv_blk_hdr hdr = {
		.type = write ? GV_BLK_T_OUT : GV_BLK_T_IN,
		.sector = sector,
	};
	struct gv_blk_req *r = &b->req;
	const u8 poison = GV_BLK_S_NONE;
	const u8 *src = buf;
	u32 i, seg, left = len, used = 0;
	void *token;
	int ret;

	if (b->vq.broken) {
		ga_atomic_add(&b->stat.io_errors, 1);
		return -GA_EIO;
	}
	ret = gv_blk_check(b, write, sector, len, &r->nr_data);
	if (ret)
		return ret;
	r->got = 0;

	ret = gv_blk_get_slot(b, r, cpu, &r->hdr, &bufs[0], sizeof(hdr),
			      false);
	for (i = 0; !ret && i < r->nr_data; i++) {
		seg = left < b->pool->slot_bytes ? left : b->pool->slot_bytes;
		ret = gv_blk_get_slot(b, r, cpu, &r->data[i], &bufs[1 + i],
				      seg, !write);
		if (!ret && write)
			ret = gv_bounce_write(b->pool, r->data[i], src, seg);
		src += seg;
		left -= seg;
	}
	if (!ret)
		ret = gv_blk_get_slot(b, r, cpu, &r->status,
				      &bufs[1 + r->nr_data], 1, true);
	if (!ret)
		ret = gv_bounce_write(b->pool, r->hdr, &hdr, sizeof(hdr));
	/*
	 * The status starts as no valid status: a device that never writes
	 * it (its DMA went nowhere) fails the request, whatever length it
	 * reports, instead of leaving the scrubbed 0, which reads as OK.
	 */
	if (!ret)
		ret = gv_bounce_write(b->pool, r->status, &poison, 1);
	if (!ret)
		ret = gv_vring_add(&b->vq, bufs, write ? 1 + r->nr_data : 1,
				   write ? 1 : r->nr_data + 1, r);
	if (ret) {
		gv_blk_put_slots(b, r, false);
		return ret;
	}
	gv_vring_kick(&b->vq);

	for (;;) {
		ret = gv_vring_get_used(&b->vq, &used, &token);
		if (ret)
			break;
		ret = wait(ctx);
		if (ret)
			return ret;	/* the vCPU stops: the slots stay */
		ret = gv_vring_watchdog(&b->vq);
		if (ret)
			break;
	}
	if (ret < 0 || token != r) {
		/* Broken: take our request back; the slots as the reset says. */
		while (gv_vring_detach(&b->vq))
			;
		gv_blk_put_slots(b, r, !b->vq.reset_ok);
		ga_atomic_add(&b->stat.io_errors, 1);
		return -GA_EIO;
	}

	ret = gv_blk_complete(b, r, write, buf, len, used);
	gv_blk_put_slots(b, r, false);
	if (ret == -GA_EIO)
		ga_atomic_add(&b->stat.io_errors, 1);
	if (ret)
		return ret;
	if (write) {
		ga_atomic_add(&b->stat.writes, 1);
		ga_atomic_add(&b->stat.bytes_written, len);
	} else {
		ga_atomic_add(&b->stat.reads, 1);
		ga_atomic_add(&b->stat.bytes_read, len);
	}
	return 0;
}
