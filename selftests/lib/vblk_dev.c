// SPDX-License-Identifier: GPL-2.0
/*
 * vblk_dev.c - the virtio-blk device a VMM plays for ccmem's emulated
 * guest (vblk_dev.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "vblk_dev.h"

static uint8_t *gpa_ptr(struct vblk_dev *d, uint64_t gpa, uint64_t len)
{
	struct ccmem_guest *g = d->g;

	if (gpa < g->ram_gpa || len > g->ram_size ||
	    gpa - g->ram_gpa > g->ram_size - len)
		return NULL;
	return g->ram + (gpa - g->ram_gpa);
}

int vblk_dev_init(struct vblk_dev *d, struct ccmem_guest *g, uint64_t base,
		  uint64_t sectors)
{
	memset(d, 0, sizeof(*d));
	d->g = g;
	d->base = base;
	d->magic = 0x74726976;
	d->version = 2;
	d->device_id = 2;
	d->queue_max = 256;
	d->features = VBLK_F_VERSION_1 | VBLK_F_ACCESS | VBLK_F_SEG_MAX |
		      VBLK_F_INDIRECT | VBLK_F_EVENT_IDX | VBLK_F_PACKED;
	d->capacity = sectors;
	d->seg_max = 128;
	d->disk = calloc(sectors, 512);
	return d->disk ? 0 : -ENOMEM;
}

void vblk_dev_free(struct vblk_dev *d)
{
	free(d->disk);
}

struct vdesc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

static struct vdesc *vdesc(struct vblk_dev *d, uint16_t i)
{
	return (struct vdesc *)gpa_ptr(d, d->desc + 16ULL * (i % d->qnum), 16);
}

static uint16_t *avail_idx(struct vblk_dev *d)
{
	return (uint16_t *)gpa_ptr(d, d->avail + 2, 2);
}

static uint16_t avail_ring(struct vblk_dev *d, uint16_t i)
{
	return *(uint16_t *)gpa_ptr(d, d->avail + 4 + 2ULL * (i % d->qnum), 2);
}

static void push_used(struct vblk_dev *d, uint32_t id, uint32_t len)
{
	uint32_t *e = (uint32_t *)gpa_ptr(d, d->used + 4 +
					  8ULL * (d->used_idx % d->qnum), 8);

	e[0] = id;
	e[1] = len;
	d->used_idx++;
	__atomic_store_n((uint16_t *)gpa_ptr(d, d->used + 2, 2), d->used_idx,
			 __ATOMIC_RELEASE);
	d->isr |= 1;
}

/* The status byte of the chain at @head, which serve_chain() found. */
static uint8_t *chain_status(struct vblk_dev *d, uint16_t head)
{
	struct vdesc *x = vdesc(d, head);
	uint32_t n;

	for (n = 0; x->flags & 1 && n < d->qnum; n++)
		x = vdesc(d, x->next);
	return gpa_ptr(d, x->addr, 1);
}

/* Serve the chain at @head honestly; the used length, or -1 if bad. */
static int64_t serve_chain(struct vblk_dev *d, uint16_t head)
{
	struct vdesc *h = vdesc(d, head), *x;
	uint8_t *hdr, *p, *st = NULL;
	uint32_t type, written = 0, n = 0;
	uint64_t sector, off;
	uint16_t i;

	hdr = h && h->len >= 16 ? gpa_ptr(d, h->addr, 16) : NULL;
	if (!hdr)
		return -1;
	memcpy(&type, hdr, 4);
	memcpy(&sector, hdr + 8, 8);
	off = sector * 512;
	for (i = h->next, x = h; x->flags & 1 && n++ < d->qnum; ) {
		x = vdesc(d, i);
		i = x->next;
		p = gpa_ptr(d, x->addr, x->len);
		if (!p)
			return -1;
		if (!(x->flags & 1)) {		/* the last: status */
			st = p;
			break;
		}
		if (off + x->len > d->capacity * 512)
			return -1;
		if (type == 1) {
			memcpy(d->disk + off, p, x->len);
		} else {
			memcpy(p, d->disk + off, x->len);
			written += x->len;
		}
		off += x->len;
	}
	if (!st)
		return -1;
	*st = 0;
	if (type == 1)
		d->writes++;
	else
		d->reads++;
	return written + 1;
}

/* A notify: take every new chain and complete it, as the mode says. */
static void vdev_notify(struct vblk_dev *d)
{
	enum vblk_hostile h;
	uint16_t head;
	int64_t len;
	struct vdesc *x;
	bool hit;

	d->notifies++;
	while (d->last_avail != *avail_idx(d)) {
		head = avail_ring(d, d->last_avail++);
		h = d->h;
		hit = h != VH_NONE;
		if (hit && d->h_left && !--d->h_left)
			d->h = VH_NONE;	/* this is the last one hit */
		if (h == VH_DESC_REWRITE) {
			/* Serve it, then scribble over the whole table. */
			len = serve_chain(d, head);
			for (x = vdesc(d, 0); x < vdesc(d, 0) + d->qnum; x++) {
				x->addr = d->scribble_gpa;
				x->len = 0xffffffff;
				x->flags = 7;
				x->next = (uint16_t)(x - vdesc(d, 0));
			}
			push_used(d, head, len);
			continue;
		}
		len = serve_chain(d, head);
		if (len < 0) {
			d->status |= 64;	/* NEEDS_RESET */
			continue;
		}
		if (!hit) {
			push_used(d, head, len);
			continue;
		}
		switch (h) {
		case VH_ID_RANGE:
			push_used(d, d->qnum + 7, len);
			break;
		case VH_ID_FREE:
			push_used(d, (head + 1) % d->qnum, len);
			break;
		case VH_LEN_BIG:
			push_used(d, head, len + 4096);
			break;
		case VH_LEN_SHORT:
			push_used(d, head, len > 1 ? 1 : 0);
			break;
		case VH_IDX_JUMP:
			push_used(d, head, len);
			d->used_idx += 4;
			*(uint16_t *)gpa_ptr(d, d->used + 2, 2) = d->used_idx;
			break;
		case VH_IDX_WRAP:
			push_used(d, head, len);
			d->used_idx += 0x8000;
			*(uint16_t *)gpa_ptr(d, d->used + 2, 2) = d->used_idx;
			break;
		case VH_LATE:
			d->pending = true;
			d->pending_head = head;
			d->pending_len = len;
			d->polls = 0;
			break;
		case VH_WITHHOLD:
			break;
		case VH_SELF_RESET:
			d->status = 0;
			break;
		case VH_NEEDS_RESET:
			d->status |= 64;
			break;
		case VH_STATUS_IOERR:
		case VH_STATUS_UNSUPP:
		case VH_STATUS_BAD:
		case VH_NO_STATUS:
			/* Served, then the status byte says otherwise. */
			*chain_status(d, head) = h == VH_STATUS_IOERR ? 1 :
				h == VH_STATUS_UNSUPP ? 2 :
				h == VH_STATUS_BAD ? 0x7f :
				0xff;	/* the driver's own: never written */
			push_used(d, head, len);
			break;
		case VH_DOUBLE:
			push_used(d, head, len);
			push_used(d, head, len);
			break;
		default:
			push_used(d, head, len);
		}
	}
}

static uint32_t vdev_config(struct vblk_dev *d, uint32_t off, uint32_t size)
{
	uint8_t cfg[64] = { 0 };
	uint32_t v = 0;

	memcpy(cfg, &d->capacity, 8);
	memcpy(cfg + 12, &d->seg_max, 4);
	if (off + size <= sizeof(cfg))
		memcpy(&v, cfg + off, size);
	return v;
}

static uint32_t vdev_read(struct vblk_dev *d, uint32_t off, uint32_t size)
{
	if (off >= 0x100)
		return vdev_config(d, off - 0x100, size);
	switch (off) {
	case 0x000:
		return d->magic;
	case 0x004:
		return d->version;
	case 0x008:
		return d->device_id;
	case 0x00c:
		return 0x554d4551;
	case 0x010:
		return (uint32_t)(d->features >> (d->dfsel ? 32 : 0));
	case 0x034:
		return d->queue_max;
	case 0x044:
		return d->ready_stuck ? 1 : d->qready;
	case 0x060:
		if (d->pending && ++d->polls >= d->late_polls) {
			d->pending = false;
			push_used(d, d->pending_head, d->pending_len);
		}
		return d->isr;
	case 0x070:
		return d->status;
	case 0x0fc:
		if (d->h == VH_CONFIG_FLAP)
			d->gen++;
		/* Between the driver's two reads of the first config read. */
		if (d->h == VH_CONFIG_ONCE && ++d->polls == 2) {
			d->gen++;
			d->h = VH_NONE;
		}
		return d->gen;
	}
	return 0;
}

static void vdev_reset(struct vblk_dev *d)
{
	d->resets++;
	if (d->refuse_reset)
		return;
	d->status = 0;
	d->qready = 0;
	d->isr = 0;
	d->last_avail = 0;
	d->used_idx = 0;
	d->pending = false;
}

static void vdev_write(struct vblk_dev *d, uint32_t off, uint32_t val)
{
	switch (off) {
	case 0x014:
		d->dfsel = val;
		break;
	case 0x020:
		if (d->drfsel)
			d->drv_features = (d->drv_features & 0xffffffffULL) |
					  (uint64_t)val << 32;
		else
			d->drv_features = (d->drv_features >> 32 << 32) | val;
		break;
	case 0x024:
		d->drfsel = val;
		break;
	case 0x030:
		d->qsel = val;
		break;
	case 0x038:
		d->qnum = val;
		break;
	case 0x044:
		d->qready = val;
		break;
	case 0x050:
		vdev_notify(d);
		break;
	case 0x064:
		d->isr &= ~val;
		break;
	case 0x070:
		if (!val) {
			vdev_reset(d);
			break;
		}
		if ((val & 8) && d->refuse_features_ok)
			val &= ~8U;
		d->status = val;
		break;
	case 0x080:
		d->desc = (d->desc >> 32 << 32) | val;
		break;
	case 0x084:
		d->desc = (d->desc & 0xffffffffULL) | (uint64_t)val << 32;
		break;
	case 0x090:
		d->avail = (d->avail >> 32 << 32) | val;
		break;
	case 0x094:
		d->avail = (d->avail & 0xffffffffULL) | (uint64_t)val << 32;
		break;
	case 0x0a0:
		d->used = (d->used >> 32 << 32) | val;
		break;
	case 0x0a4:
		d->used = (d->used & 0xffffffffULL) | (uint64_t)val << 32;
		break;
	}
}

/* One MMIO exit, served. */
void vblk_dev_mmio(struct vblk_dev *d, struct ccmem_run *run)
{
	struct ccmem_emu_exit_mmio *m = (void *)run->exit;

	d->mmio++;
	if (m->gpa < d->base || m->gpa >= d->base + 0x200) {
		m->data = ~0ULL;
		return;
	}
	if (m->write)
		vdev_write(d, m->gpa - d->base, (uint32_t)m->data);
	else
		m->data = vdev_read(d, m->gpa - d->base, m->size);
}

/* Run vCPU @id's program to its end, serving conversions and registers. */
int vblk_run(struct vblk_dev *d, uint32_t id,
	     const struct ccmem_guest_insn *p, uint32_t nr,
	     struct ccmem_run *run)
{
	int ret = ccmem_guest_exec(d->g, id, p, nr, run);

	while (!ret && run->exit_reason == CCMEM_EXIT_EMU_MMIO) {
		pthread_mutex_lock(&d->g->lock);
		vblk_dev_mmio(d, run);
		pthread_mutex_unlock(&d->g->lock);
		/* The answer goes back; conversions are served on the way. */
		ret = ccmem_guest_run(d->g, id, run);
	}
	return ret;
}

