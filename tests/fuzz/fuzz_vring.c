// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_vring.c - libFuzzer target for the hardened virtqueue core
 * (guest/virtio/): the used-ring consumer, the config reader and the
 * bounce pool, with the device side entirely in the fuzzer's hands.
 *
 * The input is a header (ring size, device policy, what the device
 * allows, its hostile mode) and then a program of one-byte operations
 * with their operands: the driver adds requests through bounce slots,
 * the device (vdev_model.c, or raw writes) completes them, pushes raw
 * used entries, jumps the used index, scribbles over the descriptor
 * table and the avail ring, changes config under the driver; the driver
 * polls, runs the watchdog, reads config, grows and shrinks the pool and
 * is handed forged slot handles. The target aborts when a rule breaks:
 *
 *   - a completion names a request in flight, once, with a length at most
 *     what it offered, and its bytes are read back within the slot;
 *   - a broken queue stays broken: every later poll and add is -GA_EIO;
 *   - the driver's count of requests in flight is the target's, and
 *     (while the queue works) free descriptors plus those in flight make
 *     the ring;
 *   - a config value handed out is within the range asked for;
 *   - the pool's slots in use are the ones the target holds, a forged
 *     handle is refused, and a slot never holds data after it is freed.
 *
 * ASan reports any access outside the ring, the pool and the private
 * state; the leak checker, any slot or chunk lost by mistake.
 *
 * FUZZ_SRCS: guest/virtio/vring.c guest/virtio/bounce.c guest/virtio/vconfig.c
 * FUZZ_SRCS: tests/unit/vdev_model.c
 *
 * scripts/fuzz names fuzz_one_input() as libFuzzer's entry point.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/vdev_model.h"
#include "fuzz_input.h"

#define CHECK(c)	do { if (!(c)) abort(); } while (0)

#define SLOT		256
#define CHUNK		4096		/* 16 slots */
#define AREAS		2
#define MAX_JOBS	64
#define MAX_OPS		512

struct job {
	bool live;		/* the device holds it */
	bool leaked;		/* failed without a reset: slots kept */
	u32 n_out, n_in, in_len;
	u16 head;
	struct gv_bslot slot[4];
	u64 addr[4];
};

static struct state {
	struct vdev dev;
	struct gv_dev gd;
	struct gv_vring vq;
	struct gv_bounce pool;
	struct gv_bounce_area area[AREAS];
	struct job job[MAX_JOBS];
	void *shared;
	void *priv;
	u32 num;
	u32 broken;
	u32 held;		/* slots the target holds */
} s;

static u32 nslots(const struct job *j)
{
	return j->n_out + j->n_in;
}

static void put_slots(struct job *j)
{
	const u8 *p;
	u32 i, k;

	for (i = 0; i < nslots(j); i++) {
		CHECK(gv_bounce_put(&s.pool, j->slot[i]) == 0);
		/* Scrubbed: nothing of the request stays in shared memory. */
		p = (const u8 *)(uintptr_t)j->addr[i];
		for (k = 0; k < SLOT; k++)
			CHECK(!p[k]);
	}
	s.held -= nslots(j);
	j->n_out = 0;
	j->n_in = 0;
}

static struct job *job_of(void *tok)
{
	struct job *j = tok;

	CHECK(j >= s.job && j < s.job + MAX_JOBS);
	CHECK(j->live);
	return j;
}

/* The request left the device's hands with an error. */
static void failed(struct job *j)
{
	j->live = false;
	if (s.vq.reset_ok)
		put_slots(j);
	else
		j->leaked = true;
}

static void op_add(void)
{
	struct gv_buf bufs[4];
	struct job *j = NULL;
	u8 b = byte();
	u32 i, len;
	u64 addr;
	int ret;

	for (i = 0; i < MAX_JOBS; i++)
		if (!s.job[i].live && !s.job[i].leaked && !nslots(&s.job[i])) {
			j = &s.job[i];
			break;
		}
	if (!j)
		return;
	j->n_out = 1 + (b & 1);
	j->n_in = (b >> 1) % 3;
	j->in_len = 0;
	for (i = 0; i < nslots(j); i++) {
		if (gv_bounce_get(&s.pool, b >> 3, &j->slot[i], &addr)) {
			j->n_out = i < j->n_out ? i : j->n_out;
			j->n_in = i - j->n_out;
			put_slots(j);
			return;
		}
		s.held++;
		j->addr[i] = addr;
		len = 1 + byte() % SLOT;
		bufs[i].addr = addr;
		bufs[i].len = len;
		if (i >= j->n_out)
			j->in_len += len;
		else
			CHECK(gv_bounce_write(&s.pool, j->slot[i], &b, 1) == 0);
	}
	ret = gv_vring_add(&s.vq, bufs, j->n_out, j->n_in, j);
	if (s.broken) {
		CHECK(ret == -GA_EIO);
	} else if (ret == 0) {
		j->live = true;
		for (i = 0; i < s.num; i++)
			if (s.vq.req[i].inflight && s.vq.req[i].token == j)
				j->head = (u16)i;
		return;
	} else if (nslots(j) > s.num) {
		CHECK(ret == -GA_EINVAL);
	} else {
		CHECK(ret == -GA_ENOMEM && nslots(j) > s.vq.nr_free);
	}
	put_slots(j);
}

/* Read back and check a completion's bytes, then free its slots. */
static void completed(struct job *j, u32 len)
{
	u8 buf[SLOT];
	u32 i, chunk;

	CHECK(len <= j->in_len);
	j->live = false;
	for (i = j->n_out; i < nslots(j) && len; i++) {
		chunk = len < SLOT ? len : SLOT;
		/* At most a slot; the pool checks it again. */
		if (gv_bounce_read(&s.pool, j->slot[i], buf, chunk))
			CHECK(chunk > SLOT);
		len -= chunk;
	}
	put_slots(j);
}

static void op_poll(void)
{
	void *tok;
	u32 len;
	int ret;

	ret = gv_vring_get_used(&s.vq, &len, &tok);
	if (s.broken) {
		CHECK(ret == -GA_EIO && !tok);
		return;
	}
	if (ret == 1) {
		completed(job_of(tok), len);
	} else if (ret == -GA_EIO) {
		CHECK(s.vq.broken);
		s.broken = s.vq.broken;
		if (tok)
			failed(job_of(tok));
	} else {
		CHECK(ret == 0 && !tok);
	}
}

static void op_push_used(void)
{
	u8 b = byte();
	u32 id = word(), len = dword();
	u16 step = 1;
	u32 k = id % MAX_JOBS;

	/* Often a real head and an honest length, to get deep. */
	if (b & 1 && s.job[k].live) {
		id = s.job[k].head;
		if (b & 2)
			len = s.job[k].in_len - (len % (s.job[k].in_len + 1));
	}
	if ((b & 0x1c) == 0x1c)
		step = word();
	vdev_push_used(&s.dev, id, len, step);
}

static void op_scribble(void)
{
	u64 ring = gv_vring_shared_bytes(s.num);
	u32 off = dword() % ring, n = 1 + byte() % 16;
	u32 i;

	for (i = 0; i < n && off + i < ring; i++)
		((u8 *)s.shared)[off + i] = byte();
}

static void op_watchdog(void)
{
	int ret;

	s.vq.stall_ticks = byte() % 4;
	ret = gv_vring_watchdog(&s.vq);
	if (s.broken) {
		CHECK(ret == -GA_EIO);
	} else if (ret) {
		CHECK(ret == -GA_EIO && s.vq.broken);
		s.broken = s.vq.broken;
	}
}

static void op_status(void)
{
	s.dev.status = byte();
}

static void op_config(void)
{
	u32 off = byte() % 80, size = 1 << (byte() % 4);
	u64 lo = dword(), hi = lo + dword(), val = 0xfeed;
	u32 i;
	int ret;

	s.dev.gen_flips = byte() % 24;
	for (i = 0; i < 4; i++)
		s.dev.config[byte() % sizeof(s.dev.config)] = byte();
	ret = gv_config_uint(&s.gd, off, size, lo, hi, &val);
	if (ret == 0)
		CHECK(val >= lo && val <= hi &&
		      (size == 8 || val < 1ULL << (8 * size)));
	else
		CHECK((ret == -GA_EIO || ret == -GA_EINVAL) && val == 0xfeed);
}

static void op_forged_handle(void)
{
	struct gv_bslot h;
	u8 buf[SLOT + 8];
	u32 i, k, len = word() % (SLOT + 8);
	bool held = false;

	h.area = word() % (AREAS + 2);
	h.chunk = byte() % (GV_BOUNCE_MAX_CHUNKS + 2);
	h.slot = byte() % 20;
	for (k = 0; k < MAX_JOBS; k++)
		for (i = 0; i < nslots(&s.job[k]); i++)
			if (!memcmp(&s.job[k].slot[i], &h, sizeof(h)))
				held = true;
	if (held) {
		if (gv_bounce_read(&s.pool, h, buf, len))
			CHECK(len > SLOT);
		return;
	}
	CHECK(gv_bounce_put(&s.pool, h) == -GA_EINVAL);
	CHECK(gv_bounce_read(&s.pool, h, buf, len) == -GA_EINVAL);
	CHECK(gv_bounce_write(&s.pool, h, buf, len) == -GA_EINVAL);
}

static void op_pool_env(void)
{
	u8 b = byte();

	s.dev.alloc_limit = b & 1 ? s.dev.allocs + (b >> 4) % 3 : 0;
	s.dev.fail_convert = (b & 6) == 6;
	if (b & 8)
		gv_bounce_shrink(&s.pool);
}

static void op_serve(void)
{
	vdev_serve(&s.dev, byte() % 4);
}

static void (*const ops[])(void) = {
	op_add, op_add, op_poll, op_poll, op_push_used, op_serve, op_serve,
	op_scribble, op_watchdog, op_status, op_config, op_forged_handle,
	op_pool_env,
};

/* Invariants that hold after every operation. */
static void check(void)
{
	u32 k, live = 0, descs = 0;

	if (s.broken)
		CHECK(s.vq.broken == s.broken);
	for (k = 0; k < MAX_JOBS; k++)
		if (s.job[k].live) {
			live++;
			descs += nslots(&s.job[k]);
		}
	CHECK(s.vq.nr_inflight == live);
	if (!s.broken) {
		CHECK(s.vq.nr_free + descs == s.num);
		CHECK(s.vq.free_head < s.num || !s.vq.nr_free);
	}
	CHECK(s.pool.stat.in_use == s.held);
	CHECK(s.pool.nr_chunks <= s.pool.max_chunks);
	CHECK(!s.dev.lock_depth);
}

static void teardown(void)
{
	struct job *j;
	u32 k;

	/* The test plays the final reset: every slot can go back now. */
	while ((j = gv_vring_detach(&s.vq)))
		job_of(j)->live = false;
	for (k = 0; k < MAX_JOBS; k++)
		put_slots(&s.job[k]);
	CHECK(s.held == 0 && s.pool.stat.in_use == 0);
	s.dev.fail_convert = false;
	gv_bounce_destroy(&s.pool);
	/* Only chunks the pool leaked on a failed conversion remain. */
	CHECK(vdev_release_all(&s.dev) == s.pool.stat.leaked);
	free(s.shared);
	free(s.priv);
}

int fuzz_one_input(const uint8_t *data, size_t size)
{
	u8 h0, h1;
	u32 n;

	memset(&s, 0, sizeof(s));
	in_start(data, size);
	h0 = byte();
	h1 = byte();

	s.num = 1U << (h0 % 7);		/* 1..64 */
	s.shared = aligned_alloc(16, (gv_vring_shared_bytes(s.num) + 15) & ~15ULL);
	s.priv = malloc(gv_vring_priv_bytes(s.num));
	CHECK(s.shared && s.priv);
	vdev_init(&s.dev, s.num, s.shared);
	s.dev.allow_reset = !(h0 & 0x80);
	s.dev.evil = (enum vdev_evil)(h1 % (VDEV_SELF_RESET + 1));
	s.dev.evil_at = (h1 >> 4) % 8;
	s.dev.evil_len = 1 + (h1 >> 4);

	CHECK(gv_dev_init(&s.gd, &vdev_ops, &s.dev, sizeof(s.dev.config),
			  h0 & 0x40 ? GV_POLICY_CLAMP_USED_LEN : 0) == 0);
	CHECK(gv_negotiate(&s.gd, 0) == 0);
	CHECK(gv_vring_init(&s.vq, &s.gd, 0, s.num, s.shared, s.priv) == 0);
	CHECK(gv_bounce_init(&s.pool, &vdev_ops, &s.dev, s.area, AREAS, SLOT,
			     CHUNK, 1, 4) == 0);
	CHECK(gv_dev_ready(&s.gd) == 0);

	for (n = 0; n < MAX_OPS && in.left; n++) {
		ops[byte() % ARRAY_SIZE(ops)]();
		check();
	}
	teardown();
	return 0;
}
