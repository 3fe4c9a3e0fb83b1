// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_vblk.c - libFuzzer target for the virtio-blk driver and the
 * virtio-mmio transport (guest/virtio/vblk.c, vmmio.c), whole: the
 * fuzzer is the device behind every register and every byte of shared
 * memory.
 *
 * The input decides what each register read returns (magic, version,
 * device id, features, queue size, status, config and its generation),
 * and, at each notify and each poll, what the device does with the
 * requests on the ring: serve them (data, status byte) or not, complete
 * them with any id and length, jump the used index, scribble over the
 * descriptor table. The driver probes, sets the device up and issues
 * requests. The target aborts when a rule breaks:
 *
 *   - a request ends with one of the documented codes;
 *   - a failed read leaves the private buffer as it was; a failed or
 *     refused write never reaches the disk on the driver's word;
 *   - once the queue is broken every request fails with -GA_EIO;
 *   - every -GA_EIO is counted in io_errors;
 *   - slots still in use after a request are exactly the leaked ones.
 *
 * ASan reports any access outside the ring, the pool and the buffers.
 *
 * FUZZ_SRCS: guest/virtio/vring.c guest/virtio/bounce.c guest/virtio/vconfig.c
 * FUZZ_SRCS: guest/virtio/vmmio.c guest/virtio/vblk.c
 *
 * scripts/fuzz names fuzz_one_input() as libFuzzer's entry point.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../guest/ga_compat.h"
#include "../../guest/virtio/vmmio.h"
#include "fuzz_input.h"

#define CHECK(c)	do { if (!(c)) abort(); } while (0)

#define ARENA		(128 * 1024)
#define BLOCK		(16 * 1024)
#define NBLOCKS		(ARENA / BLOCK)
#define DEV_BASE	0x100000ULL
#define SLOT		1024
#define MAX_REQ		12
#define MAX_LEN		(8 * SLOT)

static struct {
	u8 *arena;
	bool used[NBLOCKS];
	/* registers */
	u32 status, dfsel, drfsel, qnum, qready;
	u64 desc, avail, used_ring;
	u16 last_avail, used_idx;
	bool lying;		/* registers come from the input */
	/* the pool and the driver */
	struct gv_mmio t;
	struct gv_blk b;
	struct gv_bounce pool;
	struct gv_bounce_area area[1];
	void *ring_priv;
} s;

static u8 *dev_ptr(u64 addr, u64 len)
{
	if (addr < DEV_BASE || len > ARENA || addr - DEV_BASE > ARENA - len)
		return NULL;
	return s.arena + (addr - DEV_BASE);
}

/* ---- the device: registers ---------------------------------------------- */

static u32 cfg_read(u32 off, u32 size)
{
	u64 cap = 2048;
	u32 seg = 8, v = 0;
	u8 cfg[16];

	if (s.lying)
		return dword() & (size == 4 ? ~0U : (1U << (8 * size)) - 1);
	memcpy(cfg, &cap, 8);
	memset(cfg + 8, 0, 4);
	memcpy(cfg + 12, &seg, 4);
	if (off + size <= sizeof(cfg))
		memcpy(&v, cfg + off, size);
	return v;
}

static u32 reg_read(void *ctx, u32 off, u32 size)
{
	(void)ctx;
	if (off >= GV_MMIO_CONFIG)
		return cfg_read(off - GV_MMIO_CONFIG, size);
	if (s.lying && byte() & 1)
		return dword();
	switch (off) {
	case GV_MMIO_MAGIC:
		return GV_MMIO_MAGIC_VALUE;
	case GV_MMIO_VERSION:
		return 2;
	case GV_MMIO_DEVICE_ID:
		return GV_BLK_DEVICE_ID;
	case GV_MMIO_DEV_FEATURES:
		return s.dfsel ? 3 : (1U << GV_BLK_F_SEG_MAX);
	case GV_MMIO_QUEUE_NUM_MAX:
		return 64;
	case GV_MMIO_QUEUE_READY:
		return s.qready;
	case GV_MMIO_STATUS:
		return s.status;
	case GV_MMIO_INT_STATUS:
		return 1;
	}
	return 0;
}

static u16 ring_avail_idx(void)
{
	u8 *p = dev_ptr(s.avail + 2, 2);

	return p ? *(u16 *)p : s.last_avail;
}

static void push_used(u32 id, u32 len)
{
	u8 *e = dev_ptr(s.used_ring + 4 + 8ULL * (s.used_idx % s.qnum), 8);
	u8 *idx = dev_ptr(s.used_ring + 2, 2);

	if (!e || !idx)
		return;
	memcpy(e, &id, 4);
	memcpy(e + 4, &len, 4);
	s.used_idx++;
	memcpy(idx, &s.used_idx, 2);
}

/* Serve the chain at @head from the device's view of the table. */
static u32 serve(u16 head)
{
	u32 n, written = 0;
	u16 i = head;
	u8 *d, *p;
	u64 addr;
	u32 len;
	u16 flags;

	for (n = 0; n < s.qnum; n++) {
		d = dev_ptr(s.desc + 16ULL * (i % s.qnum), 16);
		if (!d)
			break;
		memcpy(&addr, d, 8);
		memcpy(&len, d + 8, 4);
		memcpy(&flags, d + 12, 2);
		p = dev_ptr(addr, len);
		if (p && flags & GV_DESC_F_WRITE) {
			/* Data the device makes up, or the status byte. */
			memset(p, flags & GV_DESC_F_NEXT ? 0x5a : byte() % 4,
			       len);
			written += len;
		}
		if (!(flags & GV_DESC_F_NEXT))
			break;
		memcpy(&i, d + 14, 2);
	}
	return written;
}

/* What the device does now: @ops steps of the input. */
static void device_acts(void)
{
	u8 op = byte();
	u16 head;
	u32 len;
	u8 *p;

	switch (op % 8) {
	case 0:
	case 1:
	case 2:		/* honest */
		while (s.qnum && s.last_avail != ring_avail_idx()) {
			p = dev_ptr(s.avail + 4 + 2ULL * (s.last_avail % s.qnum),
				    2);
			head = p ? *(u16 *)p : 0;
			s.last_avail++;
			push_used(head, serve(head));
		}
		break;
	case 3:		/* any id, any length */
		push_used(dword() % 80, dword());
		break;
	case 4:		/* the index jumps */
		s.used_idx += byte();
		p = dev_ptr(s.used_ring + 2, 2);
		if (p)
			memcpy(p, &s.used_idx, 2);
		break;
	case 5:		/* scribble over a descriptor */
		p = dev_ptr(s.desc + 16ULL * (byte() % 64), 16);
		if (p)
			for (len = 0; len < 16; len++)
				p[len] = byte();
		break;
	case 6:		/* serve, and lie about the length */
		if (s.qnum && s.last_avail != ring_avail_idx()) {
			p = dev_ptr(s.avail + 4 + 2ULL * (s.last_avail % s.qnum),
				    2);
			head = p ? *(u16 *)p : 0;
			s.last_avail++;
			serve(head);
			push_used(head, dword() % (MAX_LEN * 2));
		}
		break;
	case 7:		/* reset itself */
		if (byte() & 1)
			s.status = 0;
		break;
	}
}

static void reg_write(void *ctx, u32 off, u32 size, u32 val)
{
	(void)ctx;
	(void)size;
	switch (off) {
	case GV_MMIO_DEV_FEATURES_SEL:
		s.dfsel = val;
		break;
	case GV_MMIO_QUEUE_NUM:
		s.qnum = val;
		break;
	case GV_MMIO_QUEUE_READY:
		s.qready = val;
		break;
	case GV_MMIO_QUEUE_DESC_LO:
		s.desc = val;
		break;
	case GV_MMIO_QUEUE_AVAIL_LO:
		s.avail = val;
		break;
	case GV_MMIO_QUEUE_USED_LO:
		s.used_ring = val;
		break;
	case GV_MMIO_STATUS:
		s.status = val;
		if (!val) {
			s.last_avail = 0;
			s.used_idx = 0;
			s.qready = 0;
		}
		break;
	case GV_MMIO_QUEUE_NOTIFY:
		device_acts();
		break;
	}
}

static const struct gv_mmio_io io = {
	.read	= reg_read,
	.write	= reg_write,
};

static int wait_fn(void *ctx)
{
	(void)ctx;
	device_acts();
	return 0;
}

/* ---- the environment: memory -------------------------------------------- */

static void *mem_alloc(void *priv, u32 bytes, u64 *dev_addr)
{
	u32 i;

	(void)priv;
	if (bytes > BLOCK)
		return NULL;
	for (i = 0; i < NBLOCKS; i++) {
		if (s.used[i])
			continue;
		s.used[i] = true;
		*dev_addr = DEV_BASE + (u64)i * BLOCK;
		return s.arena + (u64)i * BLOCK;
	}
	return NULL;
}

static void mem_free(void *priv, void *va, u32 bytes)
{
	(void)priv;
	(void)bytes;
	s.used[((u8 *)va - s.arena) / BLOCK] = false;
}

static int set_shared(void *priv, void *va, u32 bytes, bool shared)
{
	(void)priv;
	(void)va;
	(void)bytes;
	(void)shared;
	return 0;
}

static void nolock(void *priv, u32 area)
{
	(void)priv;
	(void)area;
}

static const struct gv_ops mem_ops = {
	.mem_alloc	= mem_alloc,
	.mem_free	= mem_free,
	.set_shared	= set_shared,
	.lock		= nolock,
	.unlock		= nolock,
};

/* ---- the driver ----------------------------------------------------------- */

static void requests(void)
{
	static u8 buf[MAX_LEN], before[MAX_LEN];
	u64 eio = 0;
	u32 len, r, nreq = 1 + byte() % MAX_REQ;
	bool write;
	int ret;

	for (r = 0; r < nreq && in.left; r++) {
		write = byte() & 1;
		len = (1 + byte() % (MAX_LEN / GV_BLK_SECTOR)) * GV_BLK_SECTOR;
		memset(buf, 0xc3, sizeof(buf));
		memcpy(before, buf, sizeof(buf));
		ret = gv_blk_rw(&s.b, 0, write, byte(), buf, len, wait_fn,
				NULL);
		CHECK(ret == 0 || ret == -GA_EINVAL || ret == -GA_ENOMEM ||
		      ret == -GA_ENOTSUPP || ret == -GA_EIO);
		/* A failed read leaves the buffer as it was. */
		if (ret)
			CHECK(!memcmp(buf, before, sizeof(buf)));
		/* Only bytes the request asked for are written. */
		CHECK(!memcmp(buf + len, before + len, sizeof(buf) - len));
		if (ret == -GA_EIO)
			eio++;
		if (s.b.vq.broken)
			CHECK(gv_blk_rw(&s.b, 0, false, 0, buf, 512, wait_fn,
					NULL) == -GA_EIO && ++eio);
		CHECK(s.b.stat.io_errors == eio);
		CHECK(s.pool.stat.in_use == s.b.stat.leaked_slots);
	}
}

/* One arena for every run: fresh pages per run cost more than the rest. */
static u8 *arena;

int fuzz_one_input(const u8 *data, size_t size)
{
	u64 ring_dev = 0;
	void *ring;
	u32 qsize;

	memset(&s, 0, sizeof(s));
	in_start(data, size);
	if (!arena)
		arena = aligned_alloc(4096, ARENA);
	CHECK(arena);
	s.arena = arena;
	memset(arena, 0, ARENA);
	s.lying = byte() % 4 == 0;
	qsize = 4U << (byte() % 5);		/* 4 to 64 */
	s.ring_priv = malloc(gv_vring_priv_bytes(qsize));
	CHECK(s.ring_priv);

	ring = mem_alloc(NULL, 4096, &ring_dev);
	if (gv_mmio_probe(&s.t, &io, NULL) == 0 &&
	    gv_bounce_init(&s.pool, &mem_ops, NULL, s.area, 1, SLOT, BLOCK, 1,
			   4) == 0) {
		if (gv_blk_init(&s.b, &s.t, &s.pool, byte() & 1 ?
				GV_POLICY_CLAMP_USED_LEN : 0, qsize, ring,
				ring_dev, s.ring_priv, 4) == 0) {
			CHECK(s.b.capacity <= GV_BLK_MAX_CAPACITY);
			CHECK(s.b.seg_max >= 1 && s.b.seg_max + 2 <= qsize);
			requests();
		}
		gv_bounce_destroy(&s.pool);
	}
	free(s.ring_priv);
	return 0;
}
