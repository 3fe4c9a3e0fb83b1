// SPDX-License-Identifier: GPL-2.0
/*
 * test_virtio.c - a real device: QEMU's virtio-blk on a virtio-mmio
 * transport (the microvm machine), driven through the hardened ring, the
 * bounce pool and the virtio-blk driver of guest/virtio, on the
 * platform's real conversions.
 *
 * The disk is an image with known contents (scripts/e2e makes it): word
 * i (0..63) of sector s holds tv_word(s, i, 0). The test reads all of
 * it, checks every byte, writes tv_word(s, i, TV_SEED_WRITE) to two
 * ranges and reads them back, and prints what it wrote
 * ("# virtio_blk: wrote sectors A-B seed S") so that the host can check
 * its image after QEMU exits: the data went through QEMU's device.
 *
 * Runs only with ccmem.virtio=mmio (group "virtio").
 */
#include "ktap.h"
#include "../virtio/vmmio.h"

#define TV_QSIZE	128
#define TV_SLOT		4096
#define TV_CHUNK	(16 * TV_SLOT)
#define TV_SLOTS_PER_CHUNK (TV_CHUNK / TV_SLOT)
#define TV_MIN_CHUNKS	1
#define TV_MAX_CHUNKS	8
#define TV_STALL_POLLS	2000000
#define TV_BUF_PAGES	(GV_BLK_MAX_SEGS + 1)
#define TV_WORDS	(GV_BLK_SECTOR / 8)
#define TV_SEED_WRITE	1
/* The image: 1 MiB at least (the write range), 16 MiB at most (time). */
#define TV_MIN_CAPACITY	2048
#define TV_MAX_CAPACITY	32768
#define TV_WRITE_FIRST	1000
#define TV_WRITE_SECTORS 300

/*
 * The pattern: distinct for every (sector, word, seed), and the same
 * formula as scripts/e2e's image generator and checker.
 */
static u64 tv_word(u64 sector, u32 i, u32 seed)
{
	return ((sector << 14 | (u64)i << 8 | seed) * 0x9e3779b97f4a7c15ULL) ^
	       0x6363636363636363ULL;
}

struct tv_range {
	u64 first, count;
};

/* What the test has written, so far. */
static struct tv_range tv_written[4];
static u32 tv_nr_written;

static u32 tv_seed(u64 sector)
{
	u32 i;

	for (i = 0; i < tv_nr_written; i++) {
		if (sector - tv_written[i].first < tv_written[i].count)
			return TV_SEED_WRITE;
	}
	return 0;
}

struct tv_ctx {
	struct gv_mmio mmio;
	struct gv_blk blk;
	struct gv_bounce pool;
	struct gv_bounce_area area;
	u64 *buf;
	u32 max_sectors;	/* the largest request */
	u64 waits;
	u64 reads, rbytes, writes, wbytes;
};

static struct tv_ctx tv;

/* Nothing completed yet: acknowledge the interrupt, let the device run. */
static int tv_wait(void *ctx)
{
	struct tv_ctx *t = ctx;

	gv_mmio_ack(&t->mmio);
	t->waits++;
	asm volatile("pause");
	return 0;
}

static void tv_rw(bool write, u64 sector, u32 nsect)
{
	u32 len = nsect * GV_BLK_SECTOR;
	int ret;

	ret = gv_blk_rw(&tv.blk, 0, write, sector, tv.buf, len, tv_wait, &tv);
	if (ret)
		T_FAIL("%s of sectors %llu-%llu: %s (broken %u)",
		       write ? "write" : "read", sector, sector + nsect - 1,
		       tiny_err_name(ret), tv.blk.vq.broken);
	if (write) {
		tv.writes++;
		tv.wbytes += len;
	} else {
		tv.reads++;
		tv.rbytes += len;
	}
}

static void tv_fill(u64 sector, u32 nsect, u32 seed)
{
	u32 s, i;

	for (s = 0; s < nsect; s++)
		for (i = 0; i < TV_WORDS; i++)
			tv.buf[s * TV_WORDS + i] = tv_word(sector + s, i, seed);
}

static void tv_check(u64 sector, u32 nsect)
{
	u32 s, i, seed;
	u64 got;

	for (s = 0; s < nsect; s++) {
		seed = tv_seed(sector + s);
		for (i = 0; i < TV_WORDS; i++) {
			got = tv.buf[s * TV_WORDS + i];
			if (got != tv_word(sector + s, i, seed))
				T_FAIL("sector %llu word %u: expected 0x%llx (seed %u), got 0x%llx",
				       sector + s, i,
				       tv_word(sector + s, i, seed), seed, got);
		}
	}
}

/* Read [@first, @first + @count) in requests of @size sectors, check it. */
static void tv_read_check(u64 first, u64 count, u32 size)
{
	u64 s = first, end = first + count;
	u32 n;

	while (s < end) {
		n = (u32)min_u64(min_u64(size, tv.max_sectors), end - s);
		tv_rw(false, s, n);
		tv_check(s, n);
		s += n;
	}
}

/*
 * Write the write seed over [@first, @first + @count), in pieces of the
 * @nr sizes of @sizes in turn.
 */
static void tv_write(u64 first, u64 count, const u32 *sizes, u32 nr)
{
	u64 s = first, end = first + count;
	u32 n, k = 0;

	while (s < end) {
		n = (u32)min_u64(min_u64(sizes[k++ % nr], tv.max_sectors),
				 end - s);
		tv_fill(s, n, TV_SEED_WRITE);
		tv_rw(true, s, n);
		s += n;
	}
	tv_written[tv_nr_written].first = first;
	tv_written[tv_nr_written].count = count;
	tv_nr_written++;
	tiny_printf("# virtio_blk: wrote sectors %llu-%llu seed %u\n", first,
		    end - 1, TV_SEED_WRITE);
}

/* What the driver refuses never reaches the device. */
static void tv_refusals(void)
{
	struct gv_vring_stats q0 = tv.blk.vq.stat;
	u64 cap = tv.blk.capacity, reads = tv.blk.stat.reads;

	T_ERR(-GA_EINVAL, gv_blk_rw(&tv.blk, 0, false, cap, tv.buf,
				    GV_BLK_SECTOR, tv_wait, &tv));
	T_ERR(-GA_EINVAL, gv_blk_rw(&tv.blk, 0, false, cap - 1, tv.buf,
				    2 * GV_BLK_SECTOR, tv_wait, &tv));
	T_ERR(-GA_EINVAL, gv_blk_rw(&tv.blk, 0, false, ~0ULL, tv.buf,
				    GV_BLK_SECTOR, tv_wait, &tv));
	T_ERR(-GA_EINVAL, gv_blk_rw(&tv.blk, 0, false, 0, tv.buf, 100,
				    tv_wait, &tv));
	T_ERR(-GA_EINVAL, gv_blk_rw(&tv.blk, 0, false, 0, tv.buf,
				    (tv.max_sectors + 8) * GV_BLK_SECTOR,
				    tv_wait, &tv));
	T_EQ(q0.added, tv.blk.vq.stat.added);
	T_EQ(q0.notifies, tv.blk.vq.stat.notifies);
	T_EQ(reads, tv.blk.stat.reads);
	T_EQ(0, tv.pool.stat.in_use);
}

void test_virtio_blk(void)
{
	static const u32 sizes[] = { 1, 7, 8, 9, 63, ~0U };
	static const u32 odd[] = { 100, 37, 163 }, one[] = { 1 };
	struct gv_blk *b = &tv.blk;
	u64 win, ring_gpa, priv_gpa, buf_gpa, s, ring_pages, priv_pages;
	u64 shared0 = tiny_g.stat.to_shared, private0 = tiny_g.stat.to_private;
	u64 want_grows, conv;
	u32 k, n, slots;

	memset(&tv, 0, sizeof(tv));
	tv_nr_written = 0;
	T_OK(tiny_vio_find(&tv.mmio, GV_BLK_DEVICE_ID, &win));

	/* Memory: the pool, the ring (shared), its private half, a buffer. */
	T_OK(gv_bounce_init(&tv.pool, &tiny_bounce_ops, NULL, &tv.area, 1,
			    TV_SLOT, TV_CHUNK, TV_MIN_CHUNKS, TV_MAX_CHUNKS));
	ring_pages = align_up(gv_vring_shared_bytes(TV_QSIZE), TINY_PAGE) /
		     TINY_PAGE;
	priv_pages = align_up(gv_vring_priv_bytes(TV_QSIZE), TINY_PAGE) /
		     TINY_PAGE;
	T_OK(ga_alloc(&tiny_v, ring_pages, &ring_gpa));
	T_OK(ga_convert(&tiny_v, ring_gpa, ring_pages * TINY_PAGE, true));
	T_OK(ga_alloc(&tiny_v, priv_pages, &priv_gpa));
	T_OK(ga_alloc(&tiny_v, TV_BUF_PAGES, &buf_gpa));
	tv.buf = tiny_priv(buf_gpa);

	T_OK(gv_blk_init(b, &tv.mmio, &tv.pool, 0, TV_QSIZE,
			 tiny_shared(ring_gpa), ring_gpa, tiny_priv(priv_gpa),
			 TV_STALL_POLLS));
	T_ASSERT(!b->ro, "the disk is read-only");
	T_ASSERT(b->capacity >= TV_MIN_CAPACITY &&
		 b->capacity <= TV_MAX_CAPACITY,
		 "capacity %llu sectors, want %u to %u", b->capacity,
		 TV_MIN_CAPACITY, TV_MAX_CAPACITY);
	slots = b->seg_max;
	tv.max_sectors = slots * (TV_SLOT / GV_BLK_SECTOR);
	tiny_printf("# virtio_blk: at 0x%llx: %llu sectors, seg_max %u, features 0x%llx\n",
		    win, b->capacity, b->seg_max, b->dev.features);
	T_EQ(BIT_ULL(GV_F_VERSION_1) | BIT_ULL(GV_F_ACCESS_PLATFORM),
	     b->dev.features & GV_FEATURES_REQUIRED);

	/* The whole image, in requests of every shape, every byte checked. */
	for (s = 0, k = 0; s < b->capacity; s += n, k++) {
		n = (u32)min_u64(min_u64(sizes[k % ARRAY_SIZE(sizes)],
					 tv.max_sectors), b->capacity - s);
		tv_read_check(s, n, n);
	}
	tiny_printf("# virtio_blk: read %llu sectors in %llu requests, %llu waits\n",
		    b->capacity, tv.reads, tv.waits);

	/* New contents in odd pieces, and the last sector; read them back. */
	tv_write(TV_WRITE_FIRST, TV_WRITE_SECTORS, odd, ARRAY_SIZE(odd));
	tv_write(b->capacity - 1, 1, one, 1);
	tv_read_check(TV_WRITE_FIRST - 1, TV_WRITE_SECTORS + 2, ~0U);
	tv_read_check(b->capacity - 2, 2, 2);

	tv_refusals();

	/* The driver's word on all of it. */
	T_EQ(tv.reads, b->stat.reads);
	T_EQ(tv.rbytes, b->stat.bytes_read);
	T_EQ(tv.writes, b->stat.writes);
	T_EQ(tv.wbytes, b->stat.bytes_written);
	T_EQ(0, b->stat.io_errors);
	T_EQ(0, b->stat.dev_errors);
	T_EQ(0, b->stat.bad_status);
	T_EQ(0, b->stat.short_used);
	T_EQ(0, b->stat.leaked_slots);
	T_EQ(GV_BROKEN_NONE, b->vq.broken);
	T_EQ(0, b->vq.stat.bad_entries);
	T_EQ(0, b->vq.stat.len_clamped);
	T_EQ(0, b->vq.stat.detached);
	T_EQ(tv.reads + tv.writes, b->vq.stat.added);
	T_EQ(b->vq.stat.added, b->vq.stat.completed);
	T_EQ(0, b->vq.nr_inflight);
	T_EQ(0, tv.pool.stat.in_use);
	T_EQ(0, tv.pool.stat.bad_handles);
	T_EQ(0, tv.pool.stat.failures);
	T_EQ(0, tv.pool.stat.leaked);
	/* The largest request: header, its data slots, status. */
	T_EQ(slots + 2, tv.pool.stat.high_water);
	want_grows = align_up(slots + 2, TV_SLOTS_PER_CHUNK) /
		     TV_SLOTS_PER_CHUNK - TV_MIN_CHUNKS;
	T_EQ(want_grows, tv.pool.stat.grows);
	T_EQ(TV_MIN_CHUNKS + want_grows, tv.pool.nr_chunks);
	conv = ring_pages + (TV_MIN_CHUNKS + want_grows) * TV_CHUNK / TINY_PAGE;
	T_EQ(conv, tiny_g.stat.to_shared - shared0);
	T_EQ(0, tiny_g.stat.to_private - private0);
	tiny_printf("# virtio_blk: bounce: %llu grows, high water %llu, %llu pages shared\n",
		    tv.pool.stat.grows, tv.pool.stat.high_water, conv);

	/* Stop the device, then give everything back, private again. */
	T_OK(gv_mmio_ops.reset(&tv.mmio));
	T_EQ(want_grows, gv_bounce_shrink(&tv.pool));
	gv_bounce_destroy(&tv.pool);
	T_EQ(0, tv.pool.nr_chunks);
	T_EQ(0, tv.pool.stat.leaked);
	T_OK(ga_convert(&tiny_v, ring_gpa, ring_pages * TINY_PAGE, false));
	T_EQ(conv, tiny_g.stat.to_private - private0);
	T_OK(ga_free(&tiny_v, ring_gpa, ring_pages));
	T_OK(ga_free(&tiny_v, priv_gpa, priv_pages));
	T_OK(ga_free(&tiny_v, buf_gpa, TV_BUF_PAGES));
}
