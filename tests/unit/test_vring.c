// SPDX-License-Identifier: GPL-2.0
/*
 * test_vring.c - the hardened virtqueue core (guest/virtio/) against the
 * userspace device of vdev_model.c: honest round trips, then each hostile
 * behaviour, feature negotiation, the config reader and the bounce pool.
 *
 * The ring and every bounce chunk are separate heap blocks of their exact
 * sizes, so ASan reports any access outside them; the driver's private
 * state is fenced by canaries that each test checks at the end.
 */
#include <stdlib.h>

#include "unit.h"
#include "vdev_model.h"

#define SLOT		512
#define CHUNK		(4 * 4096)	/* 32 slots */
#define NR_AREAS	4
#define MAX_SEGS	8
#define CANARY		0xc3
#define FENCE		64

/* One request of a test: its bounce slots and what it sent. */
struct job {
	struct gv_bslot out[MAX_SEGS], in[MAX_SEGS];
	u32 n_out, n_in;
	u32 req_len, resp_len;
	u8 req[MAX_SEGS * SLOT];
};

/* The driver's private state, between fences. */
struct fenced {
	u8 pre[FENCE];
	struct gv_dev gd;
	struct gv_vring vq;
	struct gv_bounce pool;
	struct gv_bounce_area area[NR_AREAS];
	u8 post[FENCE];
};

static struct t {
	struct vdev dev;
	struct fenced *f;
	u8 *priv;		/* FENCE + priv_bytes + FENCE */
	u64 priv_bytes;
	void *shared;
	u32 num;
} t;

#define VQ	(&t.f->vq)
#define POOL	(&t.f->pool)
#define GD	(&t.f->gd)

static bool fence_ok(const u8 *p)
{
	u32 i;

	for (i = 0; i < FENCE; i++)
		if (p[i] != CANARY)
			return false;
	return true;
}

static void setup(u32 num, u32 policy)
{
	memset(&t, 0, sizeof(t));
	t.num = num;
	t.shared = aligned_alloc(16, (gv_vring_shared_bytes(num) + 15) & ~15ULL);
	t.priv_bytes = gv_vring_priv_bytes(num);
	t.priv = malloc(t.priv_bytes + 2 * FENCE);
	t.f = malloc(sizeof(*t.f));
	ASSERT_TRUE(t.shared && t.priv && t.f);
	memset(t.f, 0, sizeof(*t.f));
	memset(t.f->pre, CANARY, FENCE);
	memset(t.f->post, CANARY, FENCE);
	memset(t.priv, CANARY, FENCE);
	memset(t.priv + FENCE + t.priv_bytes, CANARY, FENCE);

	vdev_init(&t.dev, num, t.shared);
	ASSERT_EQ(0, gv_dev_init(GD, &vdev_ops, &t.dev, 64, policy));
	ASSERT_EQ(0, gv_negotiate(GD, 0));
	ASSERT_EQ(0, gv_vring_init(VQ, GD, 0, num, t.shared, t.priv + FENCE));
	ASSERT_EQ(0, gv_bounce_init(POOL, &vdev_ops, &t.dev, t.f->area,
				    NR_AREAS, SLOT, CHUNK, 1, 16));
	ASSERT_EQ(0, gv_dev_ready(GD));
}

static void teardown(void)
{
	ASSERT_TRUE(fence_ok(t.f->pre));
	ASSERT_TRUE(fence_ok(t.f->post));
	ASSERT_TRUE(fence_ok(t.priv));
	ASSERT_TRUE(fence_ok(t.priv + FENCE + t.priv_bytes));
	gv_bounce_destroy(POOL);
	free(t.f);
	free(t.priv);
	free(t.shared);
}

static u32 segs(u32 len)
{
	return (len + SLOT - 1) / SLOT;
}

/* Fill @j with a request of @req_len bytes and a response of @resp_len. */
static int submit(struct job *j, u32 req_len, u32 resp_len, u32 seed)
{
	struct gv_buf bufs[2 * MAX_SEGS];
	u32 i, n = 0, chunk;
	u64 addr;
	int ret;

	memset(j, 0, sizeof(*j));
	j->req_len = req_len;
	j->resp_len = resp_len;
	j->n_out = segs(req_len);
	j->n_in = segs(resp_len);
	for (i = 0; i < req_len; i++)
		j->req[i] = (u8)(seed * 31 + i * 7 + (i >> 8));
	for (i = 0; i < j->n_out; i++) {
		if (gv_bounce_get(POOL, seed, &j->out[i], &addr))
			return -GA_ENOMEM;
		chunk = req_len - i * SLOT < SLOT ? req_len - i * SLOT : SLOT;
		if (gv_bounce_write(POOL, j->out[i], j->req + i * SLOT, chunk))
			return -GA_EINVAL;
		bufs[n].addr = addr;
		bufs[n++].len = chunk;
	}
	for (i = 0; i < j->n_in; i++) {
		if (gv_bounce_get(POOL, seed, &j->in[i], &addr))
			return -GA_ENOMEM;
		chunk = resp_len - i * SLOT < SLOT ? resp_len - i * SLOT : SLOT;
		bufs[n].addr = addr;
		bufs[n++].len = chunk;
	}
	ret = gv_vring_add(VQ, bufs, j->n_out, j->n_in, j);
	if (!ret)
		gv_vring_kick(VQ);
	return ret;
}

static void release(struct job *j)
{
	u32 i;

	for (i = 0; i < j->n_out; i++)
		ASSERT_EQ(0, gv_bounce_put(POOL, j->out[i]));
	for (i = 0; i < j->n_in; i++)
		ASSERT_EQ(0, gv_bounce_put(POOL, j->in[i]));
}

/*
 * The next poll finds the device's lie: -GA_EIO naming no request, the
 * queue broken for @reason, and @j the one request left to take back.
 */
static void expect_broken(u32 reason, struct job *j)
{
	void *tok = (void *)1;
	u32 len = 1;

	ASSERT_EQ(-GA_EIO, gv_vring_get_used(VQ, &len, &tok));
	ASSERT_EQ(reason, VQ->broken);
	ASSERT_TRUE(!tok);
	ASSERT_EQ(0, len);
	ASSERT_TRUE(gv_vring_detach(VQ) == j);
	ASSERT_TRUE(!gv_vring_detach(VQ));
	release(j);
}

/* Take one completion and check the device's answer byte by byte. */
static struct job *complete_one(void)
{
	u8 resp[MAX_SEGS * SLOT];
	u32 len = 0, i, want, chunk;
	struct job *j;
	void *tok;

	ASSERT_EQ(1, gv_vring_get_used(VQ, &len, &tok));
	j = tok;
	want = j->req_len < j->resp_len ? j->req_len : j->resp_len;
	ASSERT_EQ(want, len);
	for (i = 0; i * SLOT < len; i++) {
		chunk = len - i * SLOT < SLOT ? len - i * SLOT : SLOT;
		ASSERT_EQ(0, gv_bounce_read(POOL, j->in[i], resp + i * SLOT,
					    chunk));
	}
	for (i = 0; i < len; i++) {
		u8 expect = j->req[i] ^ 0xff;

		if (resp[i] != expect)
			UNIT_FAIL("byte %u: expected 0x%x, got 0x%x", i,
				  expect, resp[i]);
	}
	release(j);
	return j;
}

static void round_trips(u32 num, u32 rounds, u32 batch, u32 req, u32 resp)
{
	struct job *jobs = calloc(batch, sizeof(*jobs));
	u32 r, i;

	ASSERT_TRUE(jobs);
	setup(num, 0);
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < batch; i++)
			ASSERT_EQ(0, submit(&jobs[i], req + (r + i) % 7,
					    resp + (r * 3 + i) % 5, r + i));
		ASSERT_EQ(batch, vdev_serve(&t.dev, batch));
		for (i = 0; i < batch; i++)
			ASSERT_TRUE(complete_one() == &jobs[i]);
		ASSERT_EQ(0, VQ->nr_inflight);
		ASSERT_EQ(num, VQ->nr_free);
	}
	ASSERT_EQ(rounds * batch, VQ->stat.completed);
	ASSERT_EQ(0, VQ->broken);
	ASSERT_EQ(0, POOL->stat.in_use);
	free(jobs);
	teardown();
}

UNIT_TEST(honest_small_requests)
{
	round_trips(8, 100, 3, 16, 16);
}

UNIT_TEST(honest_multi_segment_requests)
{
	round_trips(16, 50, 2, 3 * SLOT + 11, 2 * SLOT + 3);
}

UNIT_TEST(honest_short_answer_when_response_is_smaller)
{
	round_trips(4, 20, 1, 2 * SLOT, 40);
}

UNIT_TEST(honest_ring_wraps_many_times)
{
	/* 70000 requests: the 16-bit indices wrap more than once. */
	round_trips(4, 35000, 2, 1, 1);
}

UNIT_TEST(honest_full_ring_then_enomem)
{
	struct job jobs[5];
	u32 i;

	setup(8, 0);
	/* Two descriptors each. */
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, submit(&jobs[i], 8, 8, i));
	ASSERT_EQ(0, VQ->nr_free);
	ASSERT_EQ(-GA_ENOMEM, submit(&jobs[4], 8, 8, 4));
	ASSERT_EQ(4, VQ->avail_idx);
	release(&jobs[4]);
	ASSERT_EQ(4, vdev_serve(&t.dev, 100));
	for (i = 0; i < 4; i++)
		ASSERT_TRUE(complete_one() == &jobs[i]);
	ASSERT_EQ(8, VQ->nr_free);
	teardown();
}

UNIT_TEST(honest_out_of_order_completion)
{
	struct job jobs[4];
	void *tok;
	u32 len, i;

	setup(8, 0);
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, submit(&jobs[i], 4, 4, i));
	/* The device completes 2, 0, 3, 1 (heads are 0, 2, 4, 6). */
	vdev_push_used(&t.dev, 4, 4, 1);
	vdev_push_used(&t.dev, 0, 4, 1);
	vdev_push_used(&t.dev, 6, 4, 1);
	vdev_push_used(&t.dev, 2, 4, 1);
	ASSERT_EQ(1, gv_vring_get_used(VQ, &len, &tok));
	ASSERT_TRUE(tok == &jobs[2]);
	ASSERT_EQ(1, gv_vring_get_used(VQ, &len, &tok));
	ASSERT_TRUE(tok == &jobs[0]);
	ASSERT_EQ(1, gv_vring_get_used(VQ, &len, &tok));
	ASSERT_TRUE(tok == &jobs[3]);
	ASSERT_EQ(1, gv_vring_get_used(VQ, &len, &tok));
	ASSERT_TRUE(tok == &jobs[1]);
	ASSERT_EQ(0, gv_vring_get_used(VQ, &len, &tok));
	ASSERT_EQ(8, VQ->nr_free);
	for (i = 0; i < 4; i++)
		release(&jobs[i]);
	teardown();
}

UNIT_TEST(add_rejects_bad_arguments)
{
	struct gv_buf b[2] = { { 0x1000, 16 }, { 0x2000, 0 } };
	int tok;

	setup(4, 0);
	ASSERT_EQ(-GA_EINVAL, gv_vring_add(VQ, b, 1, 0, NULL));
	ASSERT_EQ(-GA_EINVAL, gv_vring_add(VQ, b, 0, 0, &tok));
	ASSERT_EQ(-GA_EINVAL, gv_vring_add(VQ, b, 1, 1, &tok));
	ASSERT_EQ(-GA_EINVAL, gv_vring_add(VQ, b, 5, 0, &tok));
	ASSERT_EQ(-GA_EINVAL, gv_vring_add(VQ, b, 0xffffffff, 2, &tok));
	ASSERT_EQ(4, VQ->nr_free);
	ASSERT_EQ(0, VQ->avail_idx);
	teardown();
}

UNIT_TEST(descriptors_written_from_shadow_only)
{
	struct gv_desc *d;
	struct job j;

	setup(4, 0);
	ASSERT_EQ(0, submit(&j, 2 * SLOT, SLOT, 1));
	d = t.shared;
	ASSERT_EQ(GV_DESC_F_NEXT, d[0].flags);
	ASSERT_EQ(1, d[0].next);
	ASSERT_EQ(GV_DESC_F_NEXT, d[1].flags);
	ASSERT_EQ(2, d[1].next);
	ASSERT_EQ(GV_DESC_F_WRITE, d[2].flags);
	ASSERT_EQ(SLOT, d[2].len);
	/* The device scribbles over the table; the driver never looks. */
	memset(t.shared, 0xff, 4 * sizeof(*d));
	ASSERT_EQ(0, VQ->shadow[0].flags & GV_DESC_F_WRITE);
	vdev_push_used(&t.dev, 0, SLOT, 1);
	{
		void *tok;
		u32 len;

		ASSERT_EQ(1, gv_vring_get_used(VQ, &len, &tok));
		ASSERT_TRUE(tok == &j);
	}
	ASSERT_EQ(4, VQ->nr_free);
	ASSERT_EQ(0, VQ->free_head);
	release(&j);
	teardown();
}

/*
 * A hostile device: serve one request of three in flight, expect -GA_EIO,
 * a broken queue with @reason, a reset, and no harm done.
 */
static void hostile(enum vdev_evil evil, u32 reason, bool names_request)
{
	struct job jobs[3], extra;
	void *tok = (void *)1;
	u32 len = 77, i, left = 0;

	setup(8, 0);
	t.dev.evil = evil;
	t.dev.evil_at = 0;
	t.dev.evil_len = 1;
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, submit(&jobs[i], 64, 64, i));
	vdev_serve(&t.dev, 1);
	ASSERT_EQ(-GA_EIO, gv_vring_get_used(VQ, &len, &tok));
	ASSERT_EQ(reason, VQ->broken);
	ASSERT_EQ(0, len);
	if (names_request) {
		ASSERT_TRUE(tok == &jobs[0]);
		/* The device was reset: the slots may be reused. */
		release(&jobs[0]);
	} else {
		ASSERT_TRUE(!tok);
	}
	ASSERT_EQ(1, t.dev.resets);
	ASSERT_TRUE(VQ->reset_ok);
	ASSERT_EQ(1, VQ->stat.bad_entries);

	/* A broken queue stays broken. */
	vdev_push_used(&t.dev, 2, 1, 1);
	ASSERT_EQ(-GA_EIO, gv_vring_get_used(VQ, &len, &tok));
	ASSERT_TRUE(!tok);
	ASSERT_EQ(-GA_EIO, submit(&extra, 8, 8, 9));
	release(&extra);

	/* Every other request comes back exactly once. */
	while ((tok = gv_vring_detach(VQ))) {
		ASSERT_TRUE(tok == &jobs[1] || tok == &jobs[2] ||
			    (!names_request && tok == &jobs[0]));
		release(tok);
		left++;
	}
	ASSERT_EQ(names_request ? 2 : 3, left);
	ASSERT_EQ(0, VQ->nr_inflight);
	ASSERT_EQ(0, POOL->stat.in_use);
	teardown();
}

UNIT_TEST(hostile_used_id_out_of_range)
{
	hostile(VDEV_ID_RANGE, GV_BROKEN_BAD_ID, false);
}

UNIT_TEST(hostile_used_id_not_in_flight)
{
	hostile(VDEV_ID_NOT_INFLIGHT, GV_BROKEN_BAD_ID, false);
}

UNIT_TEST(hostile_used_length_too_large)
{
	hostile(VDEV_LEN_LONG, GV_BROKEN_BAD_LEN, true);
}

UNIT_TEST(hostile_used_index_jumps)
{
	hostile(VDEV_IDX_JUMP, GV_BROKEN_IDX_JUMP, false);
}

UNIT_TEST(hostile_same_id_completed_twice)
{
	struct job jobs[2];
	void *tok;
	u32 len;

	setup(8, 0);
	t.dev.evil = VDEV_ID_TWICE;
	ASSERT_EQ(0, submit(&jobs[0], 8, 8, 0));
	ASSERT_EQ(0, submit(&jobs[1], 8, 8, 1));
	vdev_serve(&t.dev, 1);
	ASSERT_EQ(1, gv_vring_get_used(VQ, &len, &tok));
	ASSERT_TRUE(tok == &jobs[0]);
	ASSERT_EQ(-GA_EIO, gv_vring_get_used(VQ, &len, &tok));
	ASSERT_EQ(GV_BROKEN_BAD_ID, VQ->broken);
	ASSERT_TRUE(gv_vring_detach(VQ) == &jobs[1]);
	ASSERT_TRUE(!gv_vring_detach(VQ));
	release(&jobs[0]);
	release(&jobs[1]);
	teardown();
}

UNIT_TEST(hostile_index_jump_by_more_than_ring)
{
	struct job j;

	setup(8, 0);
	ASSERT_EQ(0, submit(&j, 8, 8, 0));
	/* 9 entries "completed" on a ring of 8 with one in flight. */
	vdev_push_used(&t.dev, 0, 8, 9);
	expect_broken(GV_BROKEN_IDX_JUMP, &j);
	teardown();
}

UNIT_TEST(hostile_index_jump_beyond_requests_in_flight)
{
	struct job j;

	setup(8, 0);
	ASSERT_EQ(0, submit(&j, 8, 8, 0));
	/* Within the ring, but three completions for one request. */
	vdev_push_used(&t.dev, 0, 8, 3);
	expect_broken(GV_BROKEN_IDX_JUMP, &j);
	teardown();
}

UNIT_TEST(hostile_index_moves_back)
{
	struct job j[2];

	setup(8, 0);
	ASSERT_EQ(0, submit(&j[0], 8, 8, 0));
	ASSERT_EQ(1, vdev_serve(&t.dev, 1));
	complete_one();
	ASSERT_EQ(0, submit(&j[1], 8, 8, 1));
	/* The index goes from 1 back to 0: 65535 "new" entries. */
	__atomic_store_n(VQ->used_idx_p, 0, __ATOMIC_RELEASE);
	expect_broken(GV_BROKEN_IDX_JUMP, &j[1]);
	teardown();
}

UNIT_TEST(hostile_length_clamped_by_device_policy)
{
	struct job j;
	void *tok;
	u32 len;

	setup(8, GV_POLICY_CLAMP_USED_LEN);
	t.dev.evil = VDEV_LEN_LONG;
	t.dev.evil_len = 0x7fffffff;
	ASSERT_EQ(0, submit(&j, 100, 40, 0));
	ASSERT_EQ(1, vdev_serve(&t.dev, 1));
	ASSERT_EQ(1, gv_vring_get_used(VQ, &len, &tok));
	ASSERT_TRUE(tok == &j);
	ASSERT_EQ(40, len);
	ASSERT_EQ(1, VQ->stat.len_clamped);
	ASSERT_EQ(0, VQ->broken);
	release(&j);
	teardown();
}

UNIT_TEST(hostile_rewrites_descriptors_in_flight)
{
	struct job jobs[4];
	u32 r, i;

	setup(8, 0);
	t.dev.evil = VDEV_REWRITE_DESC;
	for (r = 0; r < 20; r++) {
		for (i = 0; i < 4; i++)
			ASSERT_EQ(0, submit(&jobs[i], 30 + i, 30, r * 4 + i));
		ASSERT_EQ(4, vdev_serve(&t.dev, 4));
		for (i = 0; i < 4; i++)
			ASSERT_TRUE(complete_one() == &jobs[i]);
		/* The free list is private: all eight come back, in range. */
		ASSERT_EQ(8, VQ->nr_free);
		ASSERT_TRUE(VQ->free_head < 8);
	}
	ASSERT_EQ(0, VQ->broken);
	teardown();
}

UNIT_TEST(hostile_withholds_completions_watchdog_breaks)
{
	struct job j;
	u32 i;

	setup(8, 0);
	VQ->stall_ticks = 3;
	t.dev.evil = VDEV_WITHHOLD;
	/* Idle: no request in flight is no stall. */
	for (i = 0; i < 10; i++)
		ASSERT_EQ(0, gv_vring_watchdog(VQ));
	ASSERT_EQ(0, submit(&j, 8, 8, 0));
	ASSERT_EQ(0, vdev_serve(&t.dev, 1));
	ASSERT_EQ(0, gv_vring_watchdog(VQ));
	ASSERT_EQ(0, gv_vring_watchdog(VQ));
	ASSERT_EQ(-GA_EIO, gv_vring_watchdog(VQ));
	ASSERT_EQ(GV_BROKEN_STALLED, VQ->broken);
	ASSERT_TRUE(gv_vring_detach(VQ) == &j);
	release(&j);
	teardown();
}

UNIT_TEST(watchdog_quiet_while_device_progresses)
{
	struct job j;
	u32 i;

	setup(8, 0);
	VQ->stall_ticks = 2;
	for (i = 0; i < 10; i++) {
		ASSERT_EQ(0, submit(&j, 8, 8, i));
		ASSERT_EQ(0, gv_vring_watchdog(VQ));
		ASSERT_EQ(1, vdev_serve(&t.dev, 1));
		complete_one();
		ASSERT_EQ(0, gv_vring_watchdog(VQ));
	}
	ASSERT_EQ(0, VQ->broken);
	teardown();
}

UNIT_TEST(hostile_device_resets_itself_mid_request)
{
	struct job j;
	void *tok;
	u32 len;

	setup(8, 0);
	t.dev.evil = VDEV_SELF_RESET;
	ASSERT_EQ(0, submit(&j, 8, 8, 0));
	ASSERT_EQ(0, vdev_serve(&t.dev, 1));
	/* Nothing to see on the ring (its index was 0 already)... */
	ASSERT_EQ(0, gv_vring_get_used(VQ, &len, &tok));
	/* ...but its status says it forgot everything. */
	ASSERT_EQ(-GA_EIO, gv_vring_watchdog(VQ));
	ASSERT_EQ(GV_BROKEN_DEVICE_RESET, VQ->broken);
	ASSERT_TRUE(gv_vring_detach(VQ) == &j);
	release(&j);
	teardown();
}

UNIT_TEST(hostile_device_resets_after_progress_index_goes_back)
{
	struct job j[2];

	setup(8, 0);
	t.dev.evil = VDEV_SELF_RESET;
	t.dev.evil_at = 1;
	ASSERT_EQ(0, submit(&j[0], 8, 8, 0));
	ASSERT_EQ(1, vdev_serve(&t.dev, 1));
	complete_one();
	ASSERT_EQ(0, submit(&j[1], 8, 8, 1));
	ASSERT_EQ(0, vdev_serve(&t.dev, 1));
	expect_broken(GV_BROKEN_IDX_JUMP, &j[1]);
	teardown();
}

UNIT_TEST(hostile_device_without_reset_leaves_reset_ok_false)
{
	struct job j;
	void *tok;
	u8 *chunk;
	u32 len;

	setup(8, 0);
	t.dev.allow_reset = false;
	t.dev.evil = VDEV_ID_RANGE;
	ASSERT_EQ(0, submit(&j, 8, 8, 0));
	vdev_serve(&t.dev, 1);
	ASSERT_EQ(-GA_EIO, gv_vring_get_used(VQ, &len, &tok));
	ASSERT_TRUE(!VQ->reset_ok);
	ASSERT_TRUE(gv_vring_detach(VQ) == &j);
	/* Its slots may still be written by the device: leaked, not freed. */
	ASSERT_EQ(2, POOL->stat.in_use);
	chunk = t.f->area[0].chunk[0].va;
	gv_bounce_destroy(POOL);
	ASSERT_EQ(1, POOL->stat.leaked);
	free(chunk);		/* for ASan's leak check */
	teardown();
}

/* Feature negotiation. */

UNIT_TEST(negotiate_takes_only_what_the_driver_implements)
{
	struct gv_dev d;
	struct vdev v;

	vdev_init(&v, 8, NULL);
	v.features = ~0ULL;	/* indirect, packed, event idx, all of it */
	ASSERT_EQ(0, gv_dev_init(&d, &vdev_ops, &v, 64, 0));
	ASSERT_EQ(0, gv_negotiate(&d, 0));
	ASSERT_EQ(GV_FEATURES_REQUIRED, d.features);
	ASSERT_EQ(GV_FEATURES_REQUIRED, v.driver_features);
	ASSERT_EQ(0, v.driver_features & (BIT_ULL(GV_F_INDIRECT_DESC) |
					  BIT_ULL(GV_F_RING_PACKED) |
					  BIT_ULL(GV_F_EVENT_IDX)));
	ASSERT_EQ(GV_S_ACKNOWLEDGE | GV_S_DRIVER | GV_S_FEATURES_OK, v.status);
	ASSERT_EQ(-GA_EINVAL, gv_negotiate(&d, BIT_ULL(GV_F_RING_PACKED)));
	ASSERT_EQ(-GA_EINVAL, gv_negotiate(&d, BIT_ULL(GV_F_INDIRECT_DESC)));
}

UNIT_TEST(negotiate_rejects_device_without_access_platform)
{
	struct gv_dev d;
	struct vdev v;
	void *shared = aligned_alloc(16, 512), *priv = malloc(512);
	struct gv_vring vq;

	vdev_init(&v, 8, NULL);
	v.features = BIT_ULL(GV_F_VERSION_1) | BIT_ULL(GV_F_INDIRECT_DESC);
	ASSERT_EQ(0, gv_dev_init(&d, &vdev_ops, &v, 64, 0));
	ASSERT_EQ(-GA_ENOTSUPP, gv_negotiate(&d, 0));
	ASSERT_EQ(GV_S_FAILED, v.status);
	ASSERT_EQ(0, d.features);
	/* And no queue can be set up on it. */
	ASSERT_EQ(-GA_ENOTSUPP, gv_vring_init(&vq, &d, 0, 8, shared, priv));
	ASSERT_EQ(-GA_EINVAL, gv_dev_ready(&d));
	free(shared);
	free(priv);
}

UNIT_TEST(negotiate_rejects_legacy_device)
{
	struct gv_dev d;
	struct vdev v;

	vdev_init(&v, 8, NULL);
	v.features = BIT_ULL(GV_F_ACCESS_PLATFORM);
	ASSERT_EQ(0, gv_dev_init(&d, &vdev_ops, &v, 64, 0));
	ASSERT_EQ(-GA_ENOTSUPP, gv_negotiate(&d, 0));
	ASSERT_EQ(GV_S_FAILED, v.status);
}

UNIT_TEST(negotiate_fails_when_device_refuses_features_ok)
{
	struct gv_dev d;
	struct vdev v;

	vdev_init(&v, 8, NULL);
	v.refuse_features_ok = true;
	ASSERT_EQ(0, gv_dev_init(&d, &vdev_ops, &v, 64, 0));
	ASSERT_EQ(-GA_ENOTSUPP, gv_negotiate(&d, 0));
	ASSERT_EQ(0, d.features);
}

UNIT_TEST(vring_init_rejects_bad_sizes)
{
	setup(8, 0);
	ASSERT_EQ(-GA_EINVAL, gv_vring_init(VQ, GD, 0, 0, t.shared, t.priv));
	ASSERT_EQ(-GA_EINVAL, gv_vring_init(VQ, GD, 0, 6, t.shared, t.priv));
	ASSERT_EQ(-GA_EINVAL, gv_vring_init(VQ, GD, 0, 65536, t.shared,
					    t.priv));
	ASSERT_EQ(-GA_EINVAL, gv_vring_init(VQ, GD, 0, 8,
					    (u8 *)t.shared + 4, t.priv));
	teardown();
}

/* The config reader. */

UNIT_TEST(config_read_stable)
{
	struct gv_dev d;
	struct vdev v;
	u64 val;

	vdev_init(&v, 8, NULL);
	v.config[8] = 0x34;
	v.config[9] = 0x12;
	ASSERT_EQ(0, gv_dev_init(&d, &vdev_ops, &v, 16, 0));
	ASSERT_EQ(0, gv_config_uint(&d, 8, 2, 0, 0xffff, &val));
	ASSERT_EQ(0x1234, val);
	ASSERT_EQ(0, d.stat.config_retries);
}

UNIT_TEST(config_read_retries_until_generation_is_stable)
{
	struct gv_dev d;
	struct vdev v;
	u64 val = 0;

	vdev_init(&v, 8, NULL);
	v.gen_flips = 3;
	ASSERT_EQ(0, gv_dev_init(&d, &vdev_ops, &v, 16, 0));
	ASSERT_EQ(0, gv_config_uint(&d, 0, 1, 0, 255, &val));
	/* Each flip bumped config[0]: the value read is the settled one. */
	ASSERT_EQ(3, val);
	ASSERT_EQ(1, d.stat.config_retries);
}

UNIT_TEST(config_read_gives_up_when_never_stable)
{
	struct gv_dev d;
	struct vdev v;
	u64 val = 99;
	u8 buf[4];

	vdev_init(&v, 8, NULL);
	v.gen_flips = 1000;
	ASSERT_EQ(0, gv_dev_init(&d, &vdev_ops, &v, 16, 0));
	ASSERT_EQ(-GA_EIO, gv_config_uint(&d, 0, 1, 0, 255, &val));
	ASSERT_EQ(99, val);
	ASSERT_EQ(-GA_EIO, gv_config_read(&d, 0, buf, 4));
	ASSERT_EQ(0, buf[0] | buf[1] | buf[2] | buf[3]);
	ASSERT_EQ(2, d.stat.config_unstable);
	/* Bounded: GV_CONFIG_RETRIES tries, two generation reads each. */
	ASSERT_EQ(1000 - 2 * 2 * GV_CONFIG_RETRIES, v.gen_flips);
}

UNIT_TEST(config_values_validated_before_use)
{
	struct gv_dev d;
	struct vdev v;
	u64 val = 7;

	vdev_init(&v, 8, NULL);
	v.config[4] = 200;
	ASSERT_EQ(0, gv_dev_init(&d, &vdev_ops, &v, 16, 0));
	ASSERT_EQ(-GA_EIO, gv_config_uint(&d, 4, 4, 1, 128, &val));
	ASSERT_EQ(7, val);
	ASSERT_EQ(1, d.stat.config_invalid);
	ASSERT_EQ(-GA_EINVAL, gv_config_uint(&d, 14, 4, 0, 1, &val));
	ASSERT_EQ(-GA_EINVAL, gv_config_uint(&d, 0, 3, 0, 1, &val));
	ASSERT_EQ(-GA_EINVAL, gv_config_uint(&d, 0xfffffffc, 8, 0, 1, &val));
	ASSERT_EQ(-GA_EINVAL, gv_dev_init(&d, &vdev_ops, &v, 8192, 0));
}

/* The bounce pool. */

static struct vdev pv;
static struct gv_bounce_area pa[NR_AREAS];
static struct gv_bounce pp;

static void pool_setup(u32 min, u32 max)
{
	vdev_init(&pv, 8, NULL);
	ASSERT_EQ(0, gv_bounce_init(&pp, &vdev_ops, &pv, pa, 2, SLOT, CHUNK,
				    min, max));
}

UNIT_TEST(bounce_init_converts_min_chunks)
{
	pool_setup(2, 8);
	ASSERT_EQ(4, pv.allocs);
	ASSERT_EQ(4, pv.to_shared);
	ASSERT_EQ(4, pp.nr_chunks);
	gv_bounce_destroy(&pp);
	ASSERT_EQ(4, pv.to_private);
	ASSERT_EQ(4, pv.frees);
	ASSERT_EQ(0, pp.nr_chunks);
	ASSERT_EQ(-GA_EINVAL, gv_bounce_init(&pp, &vdev_ops, &pv, pa, 2, 100,
					     CHUNK, 1, 4));
	ASSERT_EQ(-GA_EINVAL, gv_bounce_init(&pp, &vdev_ops, &pv, pa, 2, 64,
					     CHUNK, 1, 4));	/* 256 slots */
	ASSERT_EQ(-GA_EINVAL, gv_bounce_init(&pp, &vdev_ops, &pv, pa, 2, SLOT,
					     CHUNK, 3, 4));	/* 6 > 4 */
}

UNIT_TEST(bounce_exhaustion_grows_to_limit_then_fails)
{
	struct gv_bslot s[200];
	u64 addr;
	u32 i, per = CHUNK / SLOT;

	pool_setup(1, 3);
	/* Area 0: its chunk, then one grown chunk; the third is area 1's. */
	for (i = 0; i < 2 * per; i++)
		ASSERT_EQ(0, gv_bounce_get(&pp, 0, &s[i], &addr));
	ASSERT_EQ(1, pp.stat.grows);
	ASSERT_EQ(3, pp.nr_chunks);
	ASSERT_EQ(-GA_ENOMEM, gv_bounce_get(&pp, 0, &s[i], &addr));
	ASSERT_EQ(1, pp.stat.failures);
	ASSERT_EQ(2 * per, pp.stat.in_use);
	ASSERT_EQ(2 * per, pp.stat.high_water);
	/* Area 1 still has its own chunk. */
	ASSERT_EQ(0, gv_bounce_get(&pp, 1, &s[i], &addr));
	ASSERT_EQ(1, s[i].area);
	for (i = 0; i <= 2 * per; i++)
		ASSERT_EQ(0, gv_bounce_put(&pp, s[i]));
	ASSERT_EQ(0, pp.stat.in_use);
	ASSERT_EQ(2 * per + 1, pp.stat.high_water);
	gv_bounce_destroy(&pp);
}

UNIT_TEST(bounce_grow_failure_counted)
{
	struct gv_bslot s[40];
	u64 addr;
	u32 i, per = CHUNK / SLOT;

	pool_setup(1, 10);
	pv.alloc_limit = pv.allocs;	/* no more memory */
	for (i = 0; i < per; i++)
		ASSERT_EQ(0, gv_bounce_get(&pp, 0, &s[i], &addr));
	ASSERT_EQ(-GA_ENOMEM, gv_bounce_get(&pp, 0, &s[i], &addr));
	ASSERT_EQ(1, pp.stat.failures);
	ASSERT_EQ(0, pp.stat.grows);
	ASSERT_EQ(2, pp.nr_chunks);	/* the reservation was given back */
	pv.alloc_limit = 0;
	pv.fail_convert = true;		/* memory, but no conversion */
	ASSERT_EQ(-GA_ENOMEM, gv_bounce_get(&pp, 0, &s[i], &addr));
	ASSERT_EQ(1, pp.stat.leaked);
	ASSERT_EQ(2, pp.stat.failures);
	ASSERT_EQ(2, pp.nr_chunks);
	free(pv.last_alloc);	/* leaked by the pool, freed for ASan */
	pv.fail_convert = false;
	for (i = 0; i < per; i++)
		ASSERT_EQ(0, gv_bounce_put(&pp, s[i]));
	gv_bounce_destroy(&pp);
}

UNIT_TEST(bounce_shrinks_when_idle)
{
	struct gv_bslot s[64];
	u64 addr;
	u32 i, per = CHUNK / SLOT;

	pool_setup(1, 8);
	for (i = 0; i < 2 * per; i++)
		ASSERT_EQ(0, gv_bounce_get(&pp, 0, &s[i], &addr));
	ASSERT_EQ(3, pp.nr_chunks);
	/* Busy: nothing to give back. */
	ASSERT_EQ(0, gv_bounce_shrink(&pp));
	for (i = 0; i < 2 * per; i++)
		ASSERT_EQ(0, gv_bounce_put(&pp, s[i]));
	ASSERT_EQ(1, gv_bounce_shrink(&pp));
	ASSERT_EQ(2, pp.nr_chunks);
	ASSERT_EQ(1, pp.stat.shrinks);
	ASSERT_EQ(1, pv.to_private);
	ASSERT_EQ(1, pv.frees);
	/* min_chunks stay. */
	ASSERT_EQ(0, gv_bounce_shrink(&pp));
	gv_bounce_destroy(&pp);
}

UNIT_TEST(bounce_scrubs_on_free)
{
	struct gv_bslot s, s2;
	u8 data[SLOT], out[SLOT];
	u64 addr, addr2;
	u32 i;

	pool_setup(1, 2);
	ASSERT_EQ(0, gv_bounce_get(&pp, 0, &s, &addr));
	memset(data, 0xab, sizeof(data));
	ASSERT_EQ(0, gv_bounce_write(&pp, s, data, SLOT));
	ASSERT_EQ(0, gv_bounce_put(&pp, s));
	for (i = 0; i < SLOT; i++)
		ASSERT_EQ(0, ((u8 *)(uintptr_t)addr)[i]);
	ASSERT_EQ(0, gv_bounce_get(&pp, 0, &s2, &addr2));
	ASSERT_EQ(addr, addr2);
	ASSERT_EQ(0, gv_bounce_read(&pp, s2, out, SLOT));
	for (i = 0; i < SLOT; i++)
		ASSERT_EQ(0, out[i]);
	ASSERT_EQ(0, gv_bounce_put(&pp, s2));
	gv_bounce_destroy(&pp);
}

/* Bytes [@from, @to) of a slot are zero; the first that is not fails. */
static void expect_zero(u64 addr, u32 from, u32 to)
{
	const u8 *va = (const u8 *)(uintptr_t)addr;
	u32 i;

	for (i = from; i < to; i++)
		if (va[i])
			UNIT_FAIL("slot byte %u: expected 0 (scrubbed), got 0x%x",
				  i, va[i]);
}

UNIT_TEST(bounce_scrubs_offered_length_device_wrote_beyond_report)
{
	struct gv_bslot s;
	u8 out[SLOT];
	u64 addr;

	pool_setup(1, 2);
	ASSERT_EQ(0, gv_bounce_get_for(&pp, 0, 300, &s, &addr));
	/* The device writes all 300 bytes offered but reports 10. */
	memset((u8 *)(uintptr_t)addr, 0xee, 300);
	ASSERT_EQ(0, gv_bounce_read(&pp, s, out, 10));
	ASSERT_EQ(0, gv_bounce_put(&pp, s));
	expect_zero(addr, 0, SLOT);
	gv_bounce_destroy(&pp);
}

UNIT_TEST(bounce_scrubs_what_the_guest_wrote)
{
	struct gv_bslot s;
	u8 data[SLOT];
	u64 addr;

	pool_setup(1, 2);
	/* Device-readable: nothing offered to write, 200 bytes written. */
	ASSERT_EQ(0, gv_bounce_get_for(&pp, 0, 0, &s, &addr));
	memset(data, 0xab, sizeof(data));
	ASSERT_EQ(0, gv_bounce_write(&pp, s, data, 120));
	ASSERT_EQ(0, gv_bounce_write(&pp, s, data, 200));
	ASSERT_EQ(0, gv_bounce_write(&pp, s, data, 50));	/* no lower */
	ASSERT_EQ(0, gv_bounce_put(&pp, s));
	expect_zero(addr, 0, SLOT);
	/* Offered 64, written 100: the larger of the two is scrubbed. */
	ASSERT_EQ(0, gv_bounce_get_for(&pp, 0, 64, &s, &addr));
	ASSERT_EQ(0, gv_bounce_write(&pp, s, data, 100));
	ASSERT_EQ(0, gv_bounce_put(&pp, s));
	expect_zero(addr, 0, SLOT);
	/* Offered 400, written 100: the offer. */
	ASSERT_EQ(0, gv_bounce_get_for(&pp, 0, 400, &s, &addr));
	ASSERT_EQ(0, gv_bounce_write(&pp, s, data, 100));
	memset((u8 *)(uintptr_t)addr, 0xee, 400);	/* the device */
	ASSERT_EQ(0, gv_bounce_put(&pp, s));
	expect_zero(addr, 0, SLOT);
	gv_bounce_destroy(&pp);
}

UNIT_TEST(bounce_scrubs_large_slots_piece_by_piece)
{
	static u8 data[40000];
	struct gv_bslot s;
	u64 addr;

	/* 64 KiB slots: the scrub goes in several pieces. */
	vdev_init(&pv, 8, NULL);
	ASSERT_EQ(0, gv_bounce_init(&pp, &vdev_ops, &pv, pa, 1, 65536, 65536,
				    1, 1));
	memset(data, 0xab, sizeof(data));
	ASSERT_EQ(0, gv_bounce_get_for(&pp, 0, 0, &s, &addr));
	ASSERT_EQ(0, gv_bounce_write(&pp, s, data, sizeof(data)));
	ASSERT_EQ(0, gv_bounce_put(&pp, s));
	expect_zero(addr, 0, 65536);
	ASSERT_EQ(0, gv_bounce_get_for(&pp, 0, 65536, &s, &addr));
	memset((u8 *)(uintptr_t)addr, 0xee, 65536);
	ASSERT_EQ(0, gv_bounce_put(&pp, s));
	expect_zero(addr, 0, 65536);
	gv_bounce_destroy(&pp);
}

UNIT_TEST(bounce_whole_slot_scrubbed_without_an_offer)
{
	struct gv_bslot s;
	u64 addr;

	pool_setup(1, 2);
	/* gv_bounce_get(): the device may write all of the slot. */
	ASSERT_EQ(0, gv_bounce_get(&pp, 0, &s, &addr));
	memset((u8 *)(uintptr_t)addr, 0xee, SLOT);
	ASSERT_EQ(0, gv_bounce_put(&pp, s));
	expect_zero(addr, 0, SLOT);
	gv_bounce_destroy(&pp);
}

UNIT_TEST(bounce_reads_stay_within_the_extent)
{
	struct gv_bslot s, s2;
	u8 buf[SLOT];
	u64 addr, addr2;

	pool_setup(1, 2);
	ASSERT_EQ(-GA_EINVAL, gv_bounce_get_for(&pp, 0, SLOT + 1, &s, &addr));
	ASSERT_EQ(0, pp.stat.in_use);
	ASSERT_EQ(0, gv_bounce_get_for(&pp, 0, 100, &s, &addr));
	ASSERT_EQ(0, gv_bounce_read(&pp, s, buf, 100));
	/* Beyond the offer: a used length the caller did not offer. */
	ASSERT_EQ(-GA_EINVAL, gv_bounce_read(&pp, s, buf, 101));
	ASSERT_EQ(1, pp.stat.bad_handles);
	ASSERT_EQ(0, gv_bounce_write(&pp, s, buf, 150));
	ASSERT_EQ(0, gv_bounce_read(&pp, s, buf, 150));
	/* A device writes past the offer, against the protocol... */
	memset((u8 *)(uintptr_t)addr, 0xee, SLOT);
	ASSERT_EQ(0, gv_bounce_put(&pp, s));
	expect_zero(addr, 0, 150);
	/* ...and the next owner of the slot cannot read those bytes. */
	ASSERT_EQ(0, gv_bounce_get_for(&pp, 0, 0, &s2, &addr2));
	ASSERT_EQ(addr, addr2);
	ASSERT_EQ(-GA_EINVAL, gv_bounce_read(&pp, s2, buf, 1));
	ASSERT_EQ(0, gv_bounce_put(&pp, s2));
	ASSERT_EQ(2, pp.stat.bad_handles);
	gv_bounce_destroy(&pp);
}

UNIT_TEST(bounce_new_chunk_starts_zeroed)
{
	struct gv_bslot s;
	u8 out[SLOT];
	u64 addr;
	u32 i;

	pool_setup(1, 2);
	/* The model fills fresh memory with 0x5e, a stand-in secret. */
	ASSERT_EQ(0, gv_bounce_get(&pp, 1, &s, &addr));
	ASSERT_EQ(0, gv_bounce_read(&pp, s, out, SLOT));
	for (i = 0; i < SLOT; i++)
		ASSERT_EQ(0, out[i]);
	ASSERT_EQ(0, gv_bounce_put(&pp, s));
	gv_bounce_destroy(&pp);
}

UNIT_TEST(bounce_rejects_bad_handles_and_lengths)
{
	struct gv_bslot s, bad;
	u8 buf[2 * SLOT];
	u64 addr;

	pool_setup(1, 2);
	ASSERT_EQ(0, gv_bounce_get(&pp, 0, &s, &addr));
	ASSERT_EQ(-GA_EINVAL, gv_bounce_read(&pp, s, buf, SLOT + 1));
	ASSERT_EQ(-GA_EINVAL, gv_bounce_write(&pp, s, buf, 0xffffffff));
	bad = s;
	bad.area = 2;
	ASSERT_EQ(-GA_EINVAL, gv_bounce_read(&pp, bad, buf, 1));
	bad = s;
	bad.chunk = 200;
	ASSERT_EQ(-GA_EINVAL, gv_bounce_put(&pp, bad));
	bad = s;
	bad.slot = CHUNK / SLOT;
	ASSERT_EQ(-GA_EINVAL, gv_bounce_write(&pp, bad, buf, 1));
	bad = s;
	bad.slot = (u8)(s.slot + 1);	/* exists, not in use */
	ASSERT_EQ(-GA_EINVAL, gv_bounce_read(&pp, bad, buf, 1));
	bad = s;
	bad.chunk = 5;			/* no such chunk */
	ASSERT_EQ(-GA_EINVAL, gv_bounce_read(&pp, bad, buf, 1));
	ASSERT_EQ(0, gv_bounce_put(&pp, s));
	/* A double free. */
	ASSERT_EQ(-GA_EINVAL, gv_bounce_put(&pp, s));
	ASSERT_EQ(8, pp.stat.bad_handles);
	ASSERT_EQ(0, pp.stat.in_use);
	gv_bounce_destroy(&pp);
}

UNIT_TEST(bounce_per_vcpu_areas)
{
	struct gv_bslot s[4];
	u64 addr[4];
	u32 i;

	pool_setup(1, 4);
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, gv_bounce_get(&pp, i, &s[i], &addr[i]));
		ASSERT_EQ(i % 2, s[i].area);
	}
	/* vCPUs 0 and 2 share area 0, in one chunk; area 1 is another. */
	ASSERT_EQ(addr[0] + SLOT, addr[2]);
	ASSERT_TRUE(addr[1] < addr[0] || addr[1] >= addr[0] + CHUNK);
	ASSERT_EQ(0, pv.locks[0] + pv.locks[1] + pv.lock_depth);
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, gv_bounce_put(&pp, s[i]));
	ASSERT_EQ(0, pp.stat.grows);
	gv_bounce_destroy(&pp);
}

UNIT_TEST(bounce_destroy_leaks_busy_chunks)
{
	struct gv_bslot s;
	u64 addr;

	pool_setup(1, 2);
	ASSERT_EQ(0, gv_bounce_get(&pp, 0, &s, &addr));
	gv_bounce_destroy(&pp);
	ASSERT_EQ(1, pp.stat.leaked);
	ASSERT_EQ(1, pv.frees);
	/* The leaked chunk stays allocated: free it for ASan's sake. */
	free((void *)(uintptr_t)(addr - (u64)s.slot * SLOT));
}

int main(void)
{
	return unit_main();
}
