// SPDX-License-Identifier: GPL-2.0
/*
 * vmmio.c - the virtio-mmio transport (register layout version 2).
 *
 * Only modern devices: a legacy (version 1) device has no feature word
 * above bit 31, so it cannot agree to VIRTIO_F_ACCESS_PLATFORM and would
 * read guest memory directly. What a register returns is the device's
 * word: QueueNumMax bounds the queue the driver picks, never the other
 * way round, and a queue that is already live is not taken over.
 */
#include "../ga_compat.h"
#include "vmmio.h"

static u32 gv_rd(struct gv_mmio *m, u32 off)
{
	return m->io->read(m->ctx, off, 4);
}

static void gv_wr(struct gv_mmio *m, u32 off, u32 val)
{
	m->io->write(m->ctx, off, 4, val);
}

static u64 gv_mmio_get_features(void *priv)
{
	struct gv_mmio *m = priv;
	u64 lo, hi;

	gv_wr(m, GV_MMIO_DEV_FEATURES_SEL, 0);
	lo = gv_rd(m, GV_MMIO_DEV_FEATURES);
	gv_wr(m, GV_MMIO_DEV_FEATURES_SEL, 1);
	hi = gv_rd(m, GV_MMIO_DEV_FEATURES);
	return hi << 32 | lo;
}

static void gv_mmio_set_features(void *priv, u64 features)
{
	struct gv_mmio *m = priv;

	gv_wr(m, GV_MMIO_DRV_FEATURES_SEL, 0);
	gv_wr(m, GV_MMIO_DRV_FEATURES, (u32)features);
	gv_wr(m, GV_MMIO_DRV_FEATURES_SEL, 1);
	gv_wr(m, GV_MMIO_DRV_FEATURES, (u32)(features >> 32));
}

static u8 gv_mmio_get_status(void *priv)
{
	return (u8)gv_rd(priv, GV_MMIO_STATUS);
}

static void gv_mmio_set_status(void *priv, u8 status)
{
	gv_wr(priv, GV_MMIO_STATUS, status);
}

static u32 gv_mmio_generation(void *priv)
{
	return gv_rd(priv, GV_MMIO_CONFIG_GEN);
}

/* Aligned words where they fit, bytes elsewhere; into private @buf. */
static void gv_mmio_config_read(void *priv, u32 off, void *buf, u32 len)
{
	struct gv_mmio *m = priv;
	u8 *dst = buf;
	u32 v;

	while (len) {
		if (!(off & 3) && len >= 4) {
			v = m->io->read(m->ctx, GV_MMIO_CONFIG + off, 4);
			memcpy(dst, &v, 4);
			off += 4;
			dst += 4;
			len -= 4;
			continue;
		}
		*dst++ = (u8)m->io->read(m->ctx, GV_MMIO_CONFIG + off, 1);
		off++;
		len--;
	}
}

static void gv_mmio_notify(void *priv, u16 qid)
{
	gv_wr(priv, GV_MMIO_QUEUE_NOTIFY, qid);
}

/*
 * Reset after the device broke a queue: write 0 and wait, boundedly, for
 * Status to read 0 (the device let go of every buffer).
 */
static int gv_mmio_reset(void *priv)
{
	struct gv_mmio *m = priv;
	u32 i;

	gv_wr(m, GV_MMIO_STATUS, 0);
	for (i = 0; i < GV_MMIO_RESET_POLLS; i++)
		if (!gv_rd(m, GV_MMIO_STATUS))
			return 0;
	return -GA_EIO;
}

const struct gv_ops gv_mmio_ops = {
	.get_features		= gv_mmio_get_features,
	.set_features		= gv_mmio_set_features,
	.get_status		= gv_mmio_get_status,
	.set_status		= gv_mmio_set_status,
	.config_generation	= gv_mmio_generation,
	.config_read		= gv_mmio_config_read,
	.notify			= gv_mmio_notify,
	.reset			= gv_mmio_reset,
};

int gv_mmio_probe(struct gv_mmio *m, const struct gv_mmio_io *io, void *ctx)
{
	u32 id;

	if (!m || !io || !io->read || !io->write)
		return -GA_EINVAL;
	m->io = io;
	m->ctx = ctx;
	m->device_id = 0;
	if (gv_rd(m, GV_MMIO_MAGIC) != GV_MMIO_MAGIC_VALUE)
		return -GA_ENOTSUPP;
	if (gv_rd(m, GV_MMIO_VERSION) != 2)
		return -GA_ENOTSUPP;
	id = gv_rd(m, GV_MMIO_DEVICE_ID);
	if (!id)
		return -GA_ENOTSUPP;
	m->device_id = id;
	return 0;
}

u32 gv_mmio_queue_max(struct gv_mmio *m, u16 qid)
{
	gv_wr(m, GV_MMIO_QUEUE_SEL, qid);
	return gv_rd(m, GV_MMIO_QUEUE_NUM_MAX);
}

int gv_mmio_queue_setup(struct gv_mmio *m, u16 qid, u32 num, u64 ring_dev)
{
	u64 desc, avail, used;

	gv_wr(m, GV_MMIO_QUEUE_SEL, qid);
	if (gv_rd(m, GV_MMIO_QUEUE_READY))
		return -GA_EIO;
	if (gv_rd(m, GV_MMIO_QUEUE_NUM_MAX) < num)
		return -GA_ENOTSUPP;
	gv_vring_dev_addrs(num, ring_dev, &desc, &avail, &used);
	gv_wr(m, GV_MMIO_QUEUE_NUM, num);
	gv_wr(m, GV_MMIO_QUEUE_DESC_LO, (u32)desc);
	gv_wr(m, GV_MMIO_QUEUE_DESC_HI, (u32)(desc >> 32));
	gv_wr(m, GV_MMIO_QUEUE_AVAIL_LO, (u32)avail);
	gv_wr(m, GV_MMIO_QUEUE_AVAIL_HI, (u32)(avail >> 32));
	gv_wr(m, GV_MMIO_QUEUE_USED_LO, (u32)used);
	gv_wr(m, GV_MMIO_QUEUE_USED_HI, (u32)(used >> 32));
	gv_wr(m, GV_MMIO_QUEUE_READY, 1);
	return gv_rd(m, GV_MMIO_QUEUE_READY) == 1 ? 0 : -GA_EIO;
}

u32 gv_mmio_ack(struct gv_mmio *m)
{
	u32 isr = gv_rd(m, GV_MMIO_INT_STATUS);

	if (isr)
		gv_wr(m, GV_MMIO_INT_ACK, isr);
	return isr;
}
