// SPDX-License-Identifier: GPL-2.0
/*
 * vring.c - the split virtqueue driver, hardened against its device.
 *
 * The descriptor table and the avail ring are written, never read: what
 * the driver knows of a request (its descriptors, its token, what it
 * offered) is in the private shadow and request table. The used ring is
 * the only thing read from shared memory, one index and one entry at a
 * time, each copied once into a local before it is checked. A check that
 * fails breaks the queue for good; the driver then writes nothing more to
 * the ring and touches no memory the device named.
 */
#include "../ga_compat.h"
#include "vring.h"

/* The offsets of the three parts of a ring in its shared memory. */
static u64 gv_avail_off(u32 num)
{
	return (u64)num * sizeof(struct gv_desc);
}

static u64 gv_used_off(u32 num)
{
	/* avail: flags, idx, ring[num], used_event; used is 4-aligned. */
	return (gv_avail_off(num) + 6 + 2ULL * num + 3) & ~3ULL;
}

u64 gv_vring_shared_bytes(u32 num)
{
	/* used: flags, idx, ring[num], avail_event */
	return gv_used_off(num) + 6 + (u64)num * sizeof(struct gv_used_elem);
}

void gv_vring_dev_addrs(u32 num, u64 base, u64 *desc, u64 *avail, u64 *used)
{
	*desc = base;
	*avail = base + gv_avail_off(num);
	*used = base + gv_used_off(num);
}

u64 gv_vring_priv_bytes(u32 num)
{
	return (u64)num * (sizeof(struct gv_desc) + sizeof(struct gv_req));
}

static bool gv_num_ok(u32 num)
{
	return num && num <= GV_MAX_QUEUE && !(num & (num - 1));
}

int gv_vring_init(struct gv_vring *vq, struct gv_dev *dev, u16 qid, u32 num,
		  void *shared, void *priv_mem)
{
	u8 *sh = shared;
	u32 i;

	if (!dev || !shared || !priv_mem || !gv_num_ok(num) ||
	    ((unsigned long)shared & 15) || ((unsigned long)priv_mem & 7))
		return -GA_EINVAL;
	if ((dev->features & GV_FEATURES_REQUIRED) != GV_FEATURES_REQUIRED)
		return -GA_ENOTSUPP;

	memset(vq, 0, sizeof(*vq));
	vq->dev = dev;
	vq->qid = qid;
	vq->num = num;

	memset(shared, 0, gv_vring_shared_bytes(num));
	vq->desc = (struct gv_desc *)sh;
	vq->avail_idx_p = (u16 *)(sh + gv_avail_off(num) + 2);
	vq->avail_ring = (u16 *)(sh + gv_avail_off(num) + 4);
	vq->used_idx_p = (u16 *)(sh + gv_used_off(num) + 2);
	vq->used_ring = (struct gv_used_elem *)(sh + gv_used_off(num) + 4);

	memset(priv_mem, 0, gv_vring_priv_bytes(num));
	vq->shadow = priv_mem;
	vq->req = (struct gv_req *)(vq->shadow + num);

	/* The free list, private: 0 -> 1 -> ... -> num - 1 -> num (end). */
	for (i = 0; i < num; i++)
		vq->shadow[i].next = (u16)(i + 1);
	vq->free_head = 0;
	vq->nr_free = num;
	return 0;
}

/* Write one descriptor from the shadow to the shared table. */
static void gv_publish_desc(struct gv_vring *vq, u16 id)
{
	memcpy(&vq->desc[id], &vq->shadow[id], sizeof(struct gv_desc));
}

int gv_vring_add(struct gv_vring *vq, const struct gv_buf *bufs, u32 n_out,
		 u32 n_in, void *token)
{
	u32 n, i;
	u64 in_len = 0;
	u16 head, id;
	struct gv_desc *d;
	struct gv_req *r;

	if (vq->broken)
		return -GA_EIO;
	if (!token || !bufs || n_out > vq->num || n_in > vq->num)
		return -GA_EINVAL;
	n = n_out + n_in;
	if (!n || n > vq->num)
		return -GA_EINVAL;
	for (i = 0; i < n; i++) {
		if (!bufs[i].len)
			return -GA_EINVAL;
		if (i >= n_out)
			in_len += bufs[i].len;
	}
	if (in_len > (u32)~0U)
		return -GA_EINVAL;
	if (n > vq->nr_free)
		return -GA_ENOMEM;

	head = vq->free_head;
	id = head;
	for (i = 0; i < n; i++) {
		d = &vq->shadow[id];
		d->addr = bufs[i].addr;
		d->len = bufs[i].len;
		d->flags = (i >= n_out ? GV_DESC_F_WRITE : 0) |
			   (i + 1 < n ? GV_DESC_F_NEXT : 0);
		/* d->next already links to the next free descriptor. */
		gv_publish_desc(vq, id);
		id = d->next;
	}
	vq->free_head = id;
	vq->nr_free -= n;

	r = &vq->req[head];
	r->token = token;
	r->in_len = (u32)in_len;
	r->ndesc = (u16)n;
	r->inflight = true;
	vq->nr_inflight++;

	/* The entry first, then the index that makes it visible. */
	__atomic_store_n(&vq->avail_ring[vq->avail_idx & (vq->num - 1)], head,
			 __ATOMIC_RELAXED);
	vq->avail_idx++;
	__atomic_store_n(vq->avail_idx_p, vq->avail_idx, __ATOMIC_RELEASE);
	vq->stat.added++;
	return 0;
}

void gv_vring_kick(struct gv_vring *vq)
{
	if (vq->broken)
		return;
	vq->stat.notifies++;
	vq->dev->ops->notify(vq->dev->priv, vq->qid);
}

/*
 * The device broke the protocol: the queue is dead from now on. Reset the
 * device when the transport allows it, so that it lets go of the buffers.
 */
static int gv_break(struct gv_vring *vq, u32 reason)
{
	struct gv_dev *d = vq->dev;

	vq->broken = reason;
	if (d->ops->reset) {
		ga_atomic_add(&d->stat.resets, 1);
		vq->reset_ok = d->ops->reset(d->priv) == 0;
	}
	return -GA_EIO;
}

/* A request leaves the device's hands. */
static void gv_retire(struct gv_vring *vq, u16 head)
{
	vq->req[head].inflight = false;
	vq->req[head].token = NULL;
	vq->nr_inflight--;
}

/* Give a completed chain back to the free list, from the shadow only. */
static void gv_free_chain(struct gv_vring *vq, u16 head)
{
	u16 id = head, n = vq->req[head].ndesc;

	while (--n)
		id = vq->shadow[id].next;
	vq->shadow[id].next = vq->free_head;
	vq->free_head = head;
	vq->nr_free += vq->req[head].ndesc;
	gv_retire(vq, head);
}

/* One used entry, copied once. */
static struct gv_used_elem gv_read_used(const struct gv_vring *vq, u16 idx)
{
	const struct gv_used_elem *u = &vq->used_ring[idx & (vq->num - 1)];
	struct gv_used_elem e;

	e.id = __atomic_load_n(&u->id, __ATOMIC_RELAXED);
	e.len = __atomic_load_n(&u->len, __ATOMIC_RELAXED);
	return e;
}

int gv_vring_get_used(struct gv_vring *vq, u32 *len, void **token)
{
	struct gv_used_elem e;
	struct gv_req *r;
	u16 idx, ahead;

	*len = 0;
	*token = NULL;
	if (vq->broken)
		return -GA_EIO;

	/* Acquire: the entries before the index are read after it. */
	idx = __atomic_load_n(vq->used_idx_p, __ATOMIC_ACQUIRE);
	ahead = (u16)(idx - vq->last_used);
	if (!ahead)
		return 0;
	/* Only a request in flight can complete: at most num of them. */
	if (ahead > vq->nr_inflight) {
		vq->stat.bad_entries++;
		return gv_break(vq, GV_BROKEN_IDX_JUMP);
	}

	e = gv_read_used(vq, vq->last_used);
	if (e.id >= vq->num || !vq->req[e.id].inflight) {
		vq->stat.bad_entries++;
		return gv_break(vq, GV_BROKEN_BAD_ID);
	}
	r = &vq->req[e.id];
	if (e.len > r->in_len) {
		if (!(vq->dev->policy & GV_POLICY_CLAMP_USED_LEN)) {
			vq->stat.bad_entries++;
			*token = r->token;
			gv_retire(vq, (u16)e.id);
			return gv_break(vq, GV_BROKEN_BAD_LEN);
		}
		e.len = r->in_len;
		vq->stat.len_clamped++;
	}

	vq->last_used++;
	*token = r->token;
	*len = e.len;
	gv_free_chain(vq, (u16)e.id);
	vq->stat.completed++;
	return 1;
}

int gv_vring_watchdog(struct gv_vring *vq)
{
	struct gv_dev *d = vq->dev;
	u8 status;

	if (vq->broken)
		return -GA_EIO;

	if (d->live) {
		status = d->ops->get_status(d->priv);
		if (!(status & GV_S_DRIVER_OK) || status & GV_S_NEEDS_RESET)
			return gv_break(vq, GV_BROKEN_DEVICE_RESET);
	}

	if (!vq->nr_inflight || vq->stat.completed != vq->wd_completed) {
		vq->wd_completed = vq->stat.completed;
		vq->wd_ticks = 0;
		return 0;
	}
	if (vq->stall_ticks && ++vq->wd_ticks >= vq->stall_ticks)
		return gv_break(vq, GV_BROKEN_STALLED);
	return 0;
}

void *gv_vring_detach(struct gv_vring *vq)
{
	void *token;

	/* One pass over the table for a whole drain. */
	for (; vq->detach_pos < vq->num && vq->nr_inflight; vq->detach_pos++) {
		if (!vq->req[vq->detach_pos].inflight)
			continue;
		token = vq->req[vq->detach_pos].token;
		gv_retire(vq, (u16)vq->detach_pos);
		vq->stat.detached++;
		return token;
	}
	return NULL;
}
