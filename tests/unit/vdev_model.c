// SPDX-License-Identifier: GPL-2.0
/*
 * vdev_model.c - the userspace virtio device of the unit tests and the
 * fuzzer (see vdev_model.h).
 *
 * The device reads the shared ring with plain accesses, as a host would,
 * and trusts nothing either: it bounds every index it follows, so that a
 * sanitizer report always points at the driver.
 */
#include <stdlib.h>

#include "vdev_model.h"

static u64 used_off(u32 num)
{
	return (16ULL * num + 6 + 2ULL * num + 3) & ~3ULL;
}

static struct gv_desc *ring_desc(struct vdev *d)
{
	return (struct gv_desc *)d->shared;
}

static u16 *avail_idx(struct vdev *d)
{
	return (u16 *)(d->shared + 16ULL * d->num + 2);
}

static u16 *avail_ring(struct vdev *d)
{
	return (u16 *)(d->shared + 16ULL * d->num + 4);
}

static u16 *used_idx(struct vdev *d)
{
	return (u16 *)(d->shared + used_off(d->num) + 2);
}

static struct gv_used_elem *used_ring(struct vdev *d)
{
	return (struct gv_used_elem *)(d->shared + used_off(d->num) + 4);
}

void vdev_init(struct vdev *d, u32 num, void *shared)
{
	memset(d, 0, sizeof(*d));
	d->features = GV_FEATURES_REQUIRED;
	d->allow_reset = true;
	d->config_size = sizeof(d->config);
	d->num = num;
	d->shared = shared;
}

void vdev_push_used(struct vdev *d, u32 id, u32 len, u16 idx_step)
{
	struct gv_used_elem *u = &used_ring(d)[d->used_idx & (d->num - 1)];

	u->id = id;
	u->len = len;
	d->used_idx += idx_step;
	__atomic_store_n(used_idx(d), d->used_idx, __ATOMIC_RELEASE);
}

/* Can the device reach [@addr, @addr + @len)? Only shared memory. */
static bool dma_ok(struct vdev *d, u64 addr, u32 len)
{
	u32 i;
	u64 va;

	for (i = 0; i < ARRAY_SIZE(d->region); i++) {
		va = (u64)(uintptr_t)d->region[i].va;
		if (d->region[i].va && d->region[i].shared && addr >= va &&
		    len <= d->region[i].bytes &&
		    addr - va <= d->region[i].bytes - len)
			return true;
	}
	d->dma_refused++;
	return false;
}

/* Serve one chain from @head: returns the bytes written. */
static u32 serve_chain(struct vdev *d, u16 head, u32 *offered)
{
	u8 in[8192];
	u32 n_in = 0, done = 0, steps, i, take;
	struct gv_desc *desc;
	u16 id = head;

	*offered = 0;
	for (steps = 0; steps < d->num && id < d->num; steps++) {
		desc = &ring_desc(d)[id];
		if (!dma_ok(d, desc->addr, desc->len)) {
			/* Skipped, as an IOMMU would fault it. */
		} else if (desc->flags & GV_DESC_F_WRITE) {
			*offered += desc->len;
			take = n_in - done < desc->len ? n_in - done : desc->len;
			for (i = 0; i < take; i++)
				((u8 *)(uintptr_t)desc->addr)[i] = in[done + i] ^ 0xff;
			done += take;
		} else {
			take = sizeof(in) - n_in < desc->len ?
			       (u32)sizeof(in) - n_in : desc->len;
			memcpy(in + n_in, (void *)(uintptr_t)desc->addr, take);
			n_in += take;
		}
		if (d->evil == VDEV_REWRITE_DESC && d->served >= d->evil_at) {
			/* A hostile device scribbles over what it holds. */
			desc->addr = 0xdeadbeef000ULL;
			desc->len = 0xffffffff;
			desc->next = (u16)(id + 1);
		}
		if (!(desc->flags & GV_DESC_F_NEXT))
			break;
		id = desc->next;
	}
	return done;
}

u32 vdev_serve(struct vdev *d, u32 max)
{
	u16 avail = __atomic_load_n(avail_idx(d), __ATOMIC_ACQUIRE);
	u32 n = 0, offered, len;
	u16 head;
	bool evil;

	while (n < max && d->last_avail != avail) {
		evil = d->served >= d->evil_at;
		if (d->evil == VDEV_WITHHOLD && evil)
			break;
		if (d->evil == VDEV_SELF_RESET && evil) {
			d->status = 0;
			d->last_avail = 0;
			d->used_idx = 0;
			__atomic_store_n(used_idx(d), 0, __ATOMIC_RELEASE);
			break;
		}
		head = avail_ring(d)[d->last_avail & (d->num - 1)];
		d->last_avail++;
		len = serve_chain(d, head, &offered);
		if (evil) {
			switch (d->evil) {
			case VDEV_ID_RANGE:
				head = (u16)(d->num + head);
				break;
			case VDEV_ID_NOT_INFLIGHT:
				head = (u16)((head + d->num - 1) & (d->num - 1));
				break;
			case VDEV_ID_TWICE:
				vdev_push_used(d, head, len, 1);
				break;
			case VDEV_LEN_LONG:
				len = offered + d->evil_len;
				break;
			case VDEV_IDX_JUMP:
				vdev_push_used(d, head, len, (u16)(d->num + 1));
				d->served++;
				return n + 1;
			default:
				break;
			}
		}
		vdev_push_used(d, head, len, 1);
		d->served++;
		n++;
	}
	return n;
}

u32 vdev_release_all(struct vdev *d)
{
	u32 i, n = 0;

	for (i = 0; i < ARRAY_SIZE(d->region); i++)
		if (d->region[i].va) {
			free(d->region[i].va);
			d->region[i].va = NULL;
			n++;
		}
	return n;
}

/* The transport. */

static u64 vd_get_features(void *priv)
{
	return ((struct vdev *)priv)->features;
}

static void vd_set_features(void *priv, u64 f)
{
	((struct vdev *)priv)->driver_features = f;
}

static u8 vd_get_status(void *priv)
{
	return ((struct vdev *)priv)->status;
}

static void vd_set_status(void *priv, u8 status)
{
	struct vdev *d = priv;

	if ((status & GV_S_FEATURES_OK) &&
	    (d->refuse_features_ok || d->driver_features & ~d->features))
		status &= ~GV_S_FEATURES_OK;
	d->status = status;
}

static u32 vd_generation(void *priv)
{
	struct vdev *d = priv;

	if (d->gen_flips) {
		d->gen_flips--;
		/* The config changes under the driver. */
		d->config[0]++;
		return ++d->gen;
	}
	return d->gen;
}

static void vd_config_read(void *priv, u32 off, void *buf, u32 len)
{
	struct vdev *d = priv;

	memcpy(buf, d->config + off, len);
}

static void vd_notify(void *priv, u16 qid)
{
	(void)qid;
	((struct vdev *)priv)->notifies++;
}

static int vd_reset(void *priv)
{
	struct vdev *d = priv;

	if (!d->allow_reset)
		return -GA_EBUSY;
	d->resets++;
	d->status = 0;
	return 0;
}

static void *vd_mem_alloc(void *priv, u32 bytes, u64 *dev_addr)
{
	struct vdev *d = priv;
	void *va;
	u32 i;

	if (d->alloc_limit && d->allocs >= d->alloc_limit)
		return NULL;
	for (i = 0; i < ARRAY_SIZE(d->region); i++)
		if (!d->region[i].va)
			break;
	if (i == ARRAY_SIZE(d->region))
		return NULL;
	va = aligned_alloc(CCMEM_PAGE_SIZE, bytes);
	if (!va)
		return NULL;
	/* Private memory holds secrets before it is converted. */
	memset(va, 0x5e, bytes);
	d->allocs++;
	d->last_alloc = va;
	d->region[i].va = va;
	d->region[i].bytes = bytes;
	d->region[i].shared = false;
	*dev_addr = (u64)(uintptr_t)va;
	return va;
}

static int region_of(struct vdev *d, void *va)
{
	u32 i;

	for (i = 0; i < ARRAY_SIZE(d->region); i++)
		if (d->region[i].va == va)
			return (int)i;
	return -1;
}

static void vd_mem_free(void *priv, void *va, u32 bytes)
{
	struct vdev *d = priv;
	int r = region_of(d, va);

	(void)bytes;
	if (r >= 0)
		d->region[r].va = NULL;
	d->frees++;
	free(va);
}

static int vd_set_shared(void *priv, void *va, u32 bytes, bool shared)
{
	struct vdev *d = priv;
	int r = region_of(d, va);

	(void)bytes;
	if (d->fail_convert)
		return -GA_EBUSY;
	if (r >= 0)
		d->region[r].shared = shared;
	if (shared)
		d->to_shared++;
	else
		d->to_private++;
	return 0;
}

static void vd_lock(void *priv, u32 area)
{
	struct vdev *d = priv;

	if (area >= GV_BOUNCE_MAX_AREAS || d->locks[area] || d->lock_depth)
		abort();	/* bad area, or a lock held twice */
	d->locks[area]++;
	d->lock_depth++;
}

static void vd_unlock(void *priv, u32 area)
{
	struct vdev *d = priv;

	if (area >= GV_BOUNCE_MAX_AREAS || !d->locks[area])
		abort();
	d->locks[area]--;
	d->lock_depth--;
}

const struct gv_ops vdev_ops = {
	.get_features = vd_get_features,
	.set_features = vd_set_features,
	.get_status = vd_get_status,
	.set_status = vd_set_status,
	.config_generation = vd_generation,
	.config_read = vd_config_read,
	.notify = vd_notify,
	.reset = vd_reset,
	.mem_alloc = vd_mem_alloc,
	.mem_free = vd_mem_free,
	.set_shared = vd_set_shared,
	.lock = vd_lock,
	.unlock = vd_unlock,
};
