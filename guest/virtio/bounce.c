// SPDX-License-Identifier: GPL-2.0
/*
 * bounce.c - the bounce pool: the only memory a virtio device may touch
 * besides its rings.
 *
 * Each vCPU has an area of chunks; a chunk is memory the environment
 * converted to shared, cut into equal slots, with a private bitmap of the
 * slots in use. A slot handle comes back from callers that got it from a
 * request the device completed, so it is checked on every use against
 * that private bitmap, as is every length. A freed slot is scrubbed, so
 * the next request's leftovers never carry the last one's data.
 *
 * The scrub covers a slot's extent, kept privately per slot: the bytes it
 * was offered for the device to write (gv_bounce_get_for(); the whole
 * slot by default), raised by each write of the guest. Nothing the
 * device reports (a used length) moves it, so a device that writes more
 * than it says is still scrubbed over everything it was offered, and the
 * guest never reads beyond the extent.
 *
 * An area grows by one chunk when it is full and the pool is under its
 * limit; gv_bounce_shrink() gives idle chunks back. Memory whose
 * conversion failed is in an unknown state: it is leaked, never reused.
 */
#include "../ga_compat.h"
#include "vring.h"

/*
 * A new chunk: private memory converted to shared, zeroed so that no slot
 * starts with what the host left there. 0 or -GA_ENOMEM.
 */
static int gv_chunk_make(struct gv_bounce *p, struct gv_bounce_chunk *ch)
{
	u64 dev_addr = 0;
	u8 *va;

	va = p->ops->mem_alloc(p->priv, p->chunk_bytes, &dev_addr);
	if (!va)
		return -GA_ENOMEM;
	if (p->ops->set_shared(p->priv, va, p->chunk_bytes, true)) {
		/* Its state is unknown: never reuse it. */
		ga_atomic_add(&p->stat.leaked, 1);
		return -GA_ENOMEM;
	}
	memset(va, 0, p->chunk_bytes);
	ch->va = va;
	ch->dev_addr = dev_addr;
	ch->busy = 0;
	memset(ch->extent, 0, sizeof(ch->extent));
	return 0;
}

/* Scrub a chunk, convert it back to private and free it (or leak it). */
static void gv_chunk_release(struct gv_bounce *p, u8 *va)
{
	memset(va, 0, p->chunk_bytes);
	if (p->ops->set_shared(p->priv, va, p->chunk_bytes, false)) {
		ga_atomic_add(&p->stat.leaked, 1);
		return;
	}
	p->ops->mem_free(p->priv, va, p->chunk_bytes);
}

/* Count a chunk against the pool's limit; false when it is reached. */
static bool gv_reserve_chunk(struct gv_bounce *p)
{
	if (__atomic_add_fetch(&p->nr_chunks, 1, __ATOMIC_RELAXED) <=
	    p->max_chunks)
		return true;
	ga_atomic_sub(&p->nr_chunks, 1);
	return false;
}

static u64 gv_all_slots(const struct gv_bounce *p)
{
	return p->slots_per_chunk == 64 ? ~0ULL :
	       BIT_ULL(p->slots_per_chunk) - 1;
}

/*
 * One more slot in use, counted under the area's lock as put counts one
 * less: in_use then never runs ahead of the slots really taken, so
 * high_water stays within the pool.
 */
static void gv_count_use(struct gv_bounce *p)
{
	u64 now = __atomic_add_fetch(&p->stat.in_use, 1, __ATOMIC_RELAXED);
	u64 high = __atomic_load_n(&p->stat.high_water, __ATOMIC_RELAXED);

	while (now > high &&
	       !__atomic_compare_exchange_n(&p->stat.high_water, &high, now,
					    true, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED))
		;
}

/* A free slot of area @a, under its lock; false when it is full. */
static bool gv_take_slot(struct gv_bounce *p, u32 a, u32 dev_bytes,
			 struct gv_bslot *s, u64 *dev_addr)
{
	struct gv_bounce_area *ar = &p->area[a];
	struct gv_bounce_chunk *ch;
	u64 free;
	u32 c, bit;

	for (c = 0; c < GV_BOUNCE_MAX_CHUNKS; c++) {
		ch = &ar->chunk[c];
		if (!ch->va)
			continue;
		free = ~ch->busy & gv_all_slots(p);
		if (!free)
			continue;
		bit = ga_ctz(free);
		ch->busy |= BIT_ULL(bit);
		ch->extent[bit] = dev_bytes;
		s->area = (u16)a;
		s->chunk = (u8)c;
		s->slot = (u8)bit;
		*dev_addr = ch->dev_addr + (u64)bit * p->slot_bytes;
		return true;
	}
	return false;
}

/* A chunk index of area @ar that is neither present nor being added. */
static int gv_free_chunk_index(const struct gv_bounce_area *ar)
{
	u32 c;

	for (c = 0; c < GV_BOUNCE_MAX_CHUNKS; c++)
		if (!ar->chunk[c].va && !(ar->growing & BIT(c)))
			return (int)c;
	return -1;
}

int gv_bounce_init(struct gv_bounce *p, const struct gv_ops *ops, void *priv,
		   struct gv_bounce_area *area, u32 nr_areas, u32 slot_bytes,
		   u32 chunk_bytes, u32 min_chunks, u32 max_chunks)
{
	u32 a, c;

	if (!ops || !ops->mem_alloc || !ops->mem_free || !ops->set_shared ||
	    !ops->lock || !ops->unlock || !area)
		return -GA_EINVAL;
	if (!nr_areas || nr_areas > GV_BOUNCE_MAX_AREAS)
		return -GA_EINVAL;
	if (slot_bytes < 64 || (slot_bytes & (slot_bytes - 1)))
		return -GA_EINVAL;
	if (!chunk_bytes || chunk_bytes % CCMEM_PAGE_SIZE ||
	    chunk_bytes % slot_bytes || chunk_bytes / slot_bytes > 64)
		return -GA_EINVAL;
	if (min_chunks > GV_BOUNCE_MAX_CHUNKS ||
	    (u64)nr_areas * min_chunks > max_chunks)
		return -GA_EINVAL;

	memset(p, 0, sizeof(*p));
	memset(area, 0, sizeof(*area) * nr_areas);
	p->ops = ops;
	p->priv = priv;
	p->area = area;
	p->nr_areas = nr_areas;
	p->slot_bytes = slot_bytes;
	p->chunk_bytes = chunk_bytes;
	p->slots_per_chunk = chunk_bytes / slot_bytes;
	p->min_chunks = min_chunks;
	p->max_chunks = max_chunks;

	for (a = 0; a < nr_areas; a++) {
		for (c = 0; c < min_chunks; c++) {
			if (gv_chunk_make(p, &area[a].chunk[c])) {
				gv_bounce_destroy(p);
				return -GA_ENOMEM;
			}
			area[a].nr_chunks++;
			p->nr_chunks++;
		}
	}
	return 0;
}

int gv_bounce_get_for(struct gv_bounce *p, u32 cpu, u32 dev_bytes,
		      struct gv_bslot *s, u64 *dev_addr)
{
	u32 a = cpu % p->nr_areas;
	struct gv_bounce_area *ar = &p->area[a];
	struct gv_bounce_chunk fresh;
	bool ok;
	int c;

	if (dev_bytes > p->slot_bytes)
		return -GA_EINVAL;
	p->ops->lock(p->priv, a);
	if (gv_take_slot(p, a, dev_bytes, s, dev_addr))
		goto got;

	/* Full: add a chunk, without the lock while the memory converts. */
	c = gv_free_chunk_index(ar);
	if (c < 0 || !gv_reserve_chunk(p))
		goto fail;
	ar->growing |= BIT(c);
	p->ops->unlock(p->priv, a);

	ok = !gv_chunk_make(p, &fresh);

	p->ops->lock(p->priv, a);
	ar->growing &= ~BIT(c);
	if (!ok) {
		ga_atomic_sub(&p->nr_chunks, 1);
		goto fail;
	}
	ar->chunk[c] = fresh;
	ar->nr_chunks++;
	ga_atomic_add(&p->stat.grows, 1);
	/* Another caller may have taken the new slots, but not all 64. */
	if (!gv_take_slot(p, a, dev_bytes, s, dev_addr))
		goto fail;
got:
	gv_count_use(p);
	p->ops->unlock(p->priv, a);
	return 0;
fail:
	p->ops->unlock(p->priv, a);
	ga_atomic_add(&p->stat.failures, 1);
	return -GA_ENOMEM;
}

int gv_bounce_get(struct gv_bounce *p, u32 cpu, struct gv_bslot *s,
		  u64 *dev_addr)
{
	return gv_bounce_get_for(p, cpu, p->slot_bytes, s, dev_addr);
}

/*
 * The address of slot @s, with its area's lock held, or NULL when the
 * handle names no slot in use.
 */
static u8 *gv_slot_va(struct gv_bounce *p, struct gv_bslot s)
{
	struct gv_bounce_chunk *ch;

	if (s.chunk >= GV_BOUNCE_MAX_CHUNKS || s.slot >= p->slots_per_chunk)
		return NULL;
	ch = &p->area[s.area].chunk[s.chunk];
	if (!ch->va || !(ch->busy & BIT_ULL(s.slot)))
		return NULL;
	return ch->va + (u64)s.slot * p->slot_bytes;
}

static u32 *gv_slot_extent(struct gv_bounce *p, struct gv_bslot s)
{
	return &p->area[s.area].chunk[s.chunk].extent[s.slot];
}

/*
 * Check a handle and a length, with the area's lock held: the slot's
 * address, or NULL (counted). A write may fill the slot and raises its
 * extent; a read stays within the extent.
 */
static u8 *gv_slot_use(struct gv_bounce *p, struct gv_bslot s, u32 len,
		       bool write)
{
	u32 *extent;
	u8 *va;

	va = gv_slot_va(p, s);
	if (!va || len > p->slot_bytes)
		goto bad;
	extent = gv_slot_extent(p, s);
	if (write && len > *extent)
		*extent = len;
	else if (!write && len > *extent)
		goto bad;
	return va;
bad:
	ga_atomic_add(&p->stat.bad_handles, 1);
	return NULL;
}

/*
 * gv_slot_use() under the lock. The slot stays valid after the lock is
 * dropped: only its owner frees it, and a chunk with a slot in use is
 * never shrunk.
 */
static u8 *gv_slot_check(struct gv_bounce *p, struct gv_bslot s, u32 len,
			 bool write)
{
	u8 *va;

	if (s.area >= p->nr_areas) {
		ga_atomic_add(&p->stat.bad_handles, 1);
		return NULL;
	}
	p->ops->lock(p->priv, s.area);
	va = gv_slot_use(p, s, len, write);
	p->ops->unlock(p->priv, s.area);
	return va;
}

int gv_bounce_write(struct gv_bounce *p, struct gv_bslot s, const void *src,
		    u32 len)
{
	u8 *va = gv_slot_check(p, s, len, true);

	if (!va)
		return -GA_EINVAL;
	memcpy(va, src, len);
	return 0;
}

int gv_bounce_read(struct gv_bounce *p, struct gv_bslot s, void *dst,
		   u32 len)
{
	u8 *va = gv_slot_check(p, s, len, false);

	if (!va)
		return -GA_EINVAL;
	/* One copy into private memory; the caller checks the copy. */
	memcpy(dst, va, len);
	return 0;
}

/*
 * Bytes zeroed at a time by gv_slot_scrub(): a piece well inside an L1
 * cache, large enough that each memset() runs at full speed.
 */
#define GV_SCRUB_STEP	8192

/*
 * Zero the first @bytes of a slot, last piece first: what the guest or
 * the device wrote last is what is still in the nearest cache, so the
 * scrub starts there rather than at bytes long evicted to the next
 * level (with 64 KiB slots, about 5% more requests a second).
 */
static void gv_slot_scrub(u8 *va, u32 bytes)
{
	u32 n;

	while (bytes) {
		n = bytes < GV_SCRUB_STEP ? bytes : GV_SCRUB_STEP;
		bytes -= n;
		memset(va + bytes, 0, n);
	}
}

/* Scrub slot @s (its extent) and free it, with the area's lock held. */
static void gv_slot_free(struct gv_bounce *p, struct gv_bslot s, u8 *va)
{
	u32 *extent = gv_slot_extent(p, s);

	gv_slot_scrub(va, *extent);
	*extent = 0;
	ga_atomic_sub(&p->stat.in_use, 1);
	p->area[s.area].chunk[s.chunk].busy &= ~BIT_ULL(s.slot);
}

int gv_bounce_put(struct gv_bounce *p, struct gv_bslot s)
{
	u8 *va;

	if (s.area >= p->nr_areas) {
		ga_atomic_add(&p->stat.bad_handles, 1);
		return -GA_EINVAL;
	}
	p->ops->lock(p->priv, s.area);
	va = gv_slot_use(p, s, 0, false);
	if (va)
		gv_slot_free(p, s, va);
	p->ops->unlock(p->priv, s.area);
	return va ? 0 : -GA_EINVAL;
}

u32 gv_bounce_shrink(struct gv_bounce *p)
{
	u8 *idle[GV_BOUNCE_MAX_CHUNKS];
	struct gv_bounce_area *ar;
	u32 a, c, n, total = 0;

	for (a = 0; a < p->nr_areas; a++) {
		ar = &p->area[a];
		n = 0;
		p->ops->lock(p->priv, a);
		for (c = 0; c < GV_BOUNCE_MAX_CHUNKS; c++) {
			if (ar->nr_chunks <= p->min_chunks)
				break;
			if (!ar->chunk[c].va || ar->chunk[c].busy)
				continue;
			idle[n++] = ar->chunk[c].va;
			ar->chunk[c].va = NULL;
			ar->nr_chunks--;
		}
		p->ops->unlock(p->priv, a);

		for (c = 0; c < n; c++) {
			gv_chunk_release(p, idle[c]);
			ga_atomic_sub(&p->nr_chunks, 1);
		}
		total += n;
	}
	ga_atomic_add(&p->stat.shrinks, total);
	return total;
}

void gv_bounce_destroy(struct gv_bounce *p)
{
	struct gv_bounce_chunk *ch;
	u32 a, c;

	for (a = 0; a < p->nr_areas; a++) {
		for (c = 0; c < GV_BOUNCE_MAX_CHUNKS; c++) {
			ch = &p->area[a].chunk[c];
			if (!ch->va)
				continue;
			if (ch->busy)	/* a device may still own it */
				ga_atomic_add(&p->stat.leaked, 1);
			else
				gv_chunk_release(p, ch->va);
			ch->va = NULL;
			p->area[a].nr_chunks--;
			ga_atomic_sub(&p->nr_chunks, 1);
		}
	}
}
