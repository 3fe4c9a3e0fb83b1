// SPDX-License-Identifier: GPL-2.0
/*
 * test_vring_mt.c - the bounce pool of guest/virtio under threads.
 *
 * Workers take, fill, check and give back slots, each on its own area or
 * several on one (vCPU indices that collide), while the pool grows to its
 * limit and another thread shrinks it. The environment is a real one:
 * gv_ops.lock is a pthread mutex per area, memory comes from the heap and
 * every allocation and conversion is counted.
 *
 * What is checked, as it happens:
 *   - no slot has two owners: a table keyed by handle is claimed with a
 *     compare-and-swap on get and released before put, and each owner
 *     finds its own signature in the slot just before it gives it back;
 *   - every slot handed out is all zero (its last owner's put scrubbed
 *     it, and a new chunk starts zeroed);
 *   - reads stay within a slot's extent;
 *   - the pool calls no environment operation with an area lock held,
 *     and never takes two area locks at once;
 * and at the end: nothing in use, every chunk present idle and zero, the
 * statistics consistent with each other and with what the environment
 * counted.
 *
 * Built twice by tests/unit/vring.mk: with ThreadSanitizer (which stops
 * the program at its first report) and with ASan + UBSan (a chunk freed
 * by a shrink while a worker still uses it is a use after free).
 * VRING_MT_SEED=N replays a seed.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include "unit.h"
#include "../../guest/virtio/vring.h"

#ifdef __SANITIZE_THREAD__
/* A race is a failure: stop at the first report, with no summary line. */
const char *__tsan_default_options(void);
const char *__tsan_default_options(void)
{
	return "halt_on_error=1:abort_on_error=1";
}
#endif

#define SLOT		256
#define CHUNK		4096			/* 16 slots */
#define PER_CHUNK	(CHUNK / SLOT)
#define MAX_AREAS	4
#define MAX_WORKERS	4
#define MAX_HOLD	(8 * PER_CHUNK)		/* a whole pool's worth */

/* The environment: a mutex per area, counted memory and conversions. */
static struct env {
	pthread_mutex_t lock[MAX_AREAS];
	u64 allocs, frees, to_shared, to_private;
} env;

/* Area locks this thread holds, to catch nesting and calls under them. */
static __thread u32 locks_held;

/* The first failure of any thread, reported by the main thread. */
static int mt_failed;
static char mt_msg[256];

static bool mt_fail(int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (__atomic_exchange_n(&mt_failed, 1, __ATOMIC_ACQ_REL))
		return false;
	n = snprintf(mt_msg, sizeof(mt_msg), "line %d: ", line);
	va_start(ap, fmt);
	vsnprintf(mt_msg + n, sizeof(mt_msg) - n, fmt, ap);
	va_end(ap);
	return false;
}

#define MT_CHECK(cond, fmt, ...)					\
	((cond) ? true : mt_fail(__LINE__, fmt, ##__VA_ARGS__))

static bool mt_stop(void)
{
	return __atomic_load_n(&mt_failed, __ATOMIC_ACQUIRE);
}

static void *env_mem_alloc(void *priv, u32 bytes, u64 *dev_addr)
{
	void *va;

	(void)priv;
	MT_CHECK(!locks_held, "mem_alloc with an area lock held");
	va = aligned_alloc(4096, bytes);
	if (!va)
		return NULL;
	/* Private memory holds secrets before it is converted. */
	memset(va, 0x5e, bytes);
	__atomic_add_fetch(&env.allocs, 1, __ATOMIC_RELAXED);
	*dev_addr = (u64)(uintptr_t)va;
	return va;
}

static void env_mem_free(void *priv, void *va, u32 bytes)
{
	(void)priv;
	(void)bytes;
	MT_CHECK(!locks_held, "mem_free with an area lock held");
	__atomic_add_fetch(&env.frees, 1, __ATOMIC_RELAXED);
	free(va);
}

static int env_set_shared(void *priv, void *va, u32 bytes, bool shared)
{
	(void)priv;
	(void)va;
	(void)bytes;
	MT_CHECK(!locks_held, "set_shared with an area lock held");
	__atomic_add_fetch(shared ? &env.to_shared : &env.to_private, 1,
			   __ATOMIC_RELAXED);
	return 0;
}

static void env_lock(void *priv, u32 area)
{
	(void)priv;
	MT_CHECK(area < MAX_AREAS, "lock of area %u", area);
	MT_CHECK(!locks_held, "area lock %u taken with another held", area);
	pthread_mutex_lock(&env.lock[area % MAX_AREAS]);
	locks_held++;
}

static void env_unlock(void *priv, u32 area)
{
	(void)priv;
	locks_held--;
	pthread_mutex_unlock(&env.lock[area % MAX_AREAS]);
}

static const struct gv_ops env_ops = {
	.mem_alloc = env_mem_alloc,
	.mem_free = env_mem_free,
	.set_shared = env_set_shared,
	.lock = env_lock,
	.unlock = env_unlock,
};

static struct gv_bounce pool;
static struct gv_bounce_area areas[MAX_AREAS];

/* Who holds each slot: 0, or a worker's id + 1. */
static u32 owner[MAX_AREAS][GV_BOUNCE_MAX_CHUNKS][GV_BOUNCE_CHUNK_SLOTS];

static u64 seed_base;
static bool workers_done;

/* One slot a worker holds. */
struct held {
	struct gv_bslot s;
	u8 *va;
	u32 extent;		/* what it offered or wrote */
	u8 sig;			/* the byte it filled the slot with */
};

enum mode {
	MODE_MIXED,		/* get and put at random, hold a few */
	MODE_EXHAUST,		/* take until the pool says no, give all back */
};

struct worker {
	pthread_t thread;
	u32 id;
	u32 cpu;		/* its vCPU; MODE_MIXED also tries others */
	bool any_cpu;
	enum mode mode;
	u32 ops;
	u64 rng;
	struct held held[MAX_HOLD];
	u32 nr_held;
	bool full;		/* the last get found the pool at its limit */
	/* what it did */
	u64 gets, puts, enomem, refused_reads;
};

static u64 rnd(struct worker *w)
{
	/* xorshift64* */
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return w->rng * 0x2545f4914f6cdd1dULL;
}

static u32 *owner_of(struct gv_bslot s)
{
	return &owner[s.area][s.chunk][s.slot];
}

/* Take a slot, claim it, check it is clean, fill what may be filled. */
static bool take(struct worker *w)
{
	struct held *h = &w->held[w->nr_held];
	u32 cpu = w->any_cpu && rnd(w) % 4 == 0 ? (u32)rnd(w) : w->cpu;
	u32 dev = (u32)(rnd(w) % (SLOT + 1)), wrote, mine = 0, i;
	u8 buf[SLOT];
	u64 addr;
	int ret;

	/* A quarter without an offer: the whole slot is the device's. */
	if (rnd(w) % 4 == 0) {
		ret = gv_bounce_get(&pool, cpu, &h->s, &addr);
		dev = SLOT;
	} else {
		ret = gv_bounce_get_for(&pool, cpu, dev, &h->s, &addr);
	}
	w->full = ret == -GA_ENOMEM;
	if (w->full) {
		w->enomem++;
		return true;
	}
	if (!MT_CHECK(!ret, "get: expected 0 or -GA_ENOMEM, got %d", ret))
		return false;
	w->gets++;
	if (!MT_CHECK(__atomic_compare_exchange_n(owner_of(h->s), &mine,
						  w->id + 1, false,
						  __ATOMIC_ACQ_REL,
						  __ATOMIC_ACQUIRE),
		      "slot %u/%u/%u handed to worker %u, held by worker %u",
		      h->s.area, h->s.chunk, h->s.slot, w->id, mine - 1))
		return false;
	h->va = (u8 *)(uintptr_t)addr;
	for (i = 0; i < SLOT; i++)
		if (!MT_CHECK(!h->va[i],
			      "slot %u/%u/%u handed out unscrubbed: byte %u is 0x%x",
			      h->s.area, h->s.chunk, h->s.slot, i, h->va[i]))
			return false;

	/* The guest writes some, the "device" the rest it was offered. */
	h->sig = (u8)(w->id * 64 + (w->gets & 63) + 1);
	wrote = (u32)(rnd(w) % (SLOT + 1));
	memset(buf, h->sig, sizeof(buf));
	ret = gv_bounce_write(&pool, h->s, buf, wrote);
	if (!MT_CHECK(!ret, "write of %u bytes into slot %u/%u/%u: %d", wrote,
		      h->s.area, h->s.chunk, h->s.slot, ret))
		return false;
	if (dev > wrote)
		memset(h->va + wrote, h->sig, dev - wrote);
	h->extent = dev > wrote ? dev : wrote;
	w->nr_held++;
	return true;
}

/* Check that slot @k is still ours and intact, then give it back. */
static bool give(struct worker *w, u32 k)
{
	struct held *h = &w->held[k];
	u32 mine = w->id + 1, len, i;
	u8 buf[SLOT];

	for (i = 0; i < SLOT; i++)
		if (!MT_CHECK(h->va[i] == (i < h->extent ? h->sig : 0),
			      "slot %u/%u/%u of worker %u: byte %u is 0x%x, its signature 0x%x over %u bytes",
			      h->s.area, h->s.chunk, h->s.slot, w->id, i,
			      h->va[i], h->sig, h->extent))
			return false;
	len = h->extent ? (u32)(rnd(w) % h->extent) + 1 : 0;
	if (!MT_CHECK(!gv_bounce_read(&pool, h->s, buf, len),
		      "read of %u bytes of slot %u/%u/%u refused", len,
		      h->s.area, h->s.chunk, h->s.slot))
		return false;
	for (i = 0; i < len; i++)
		if (!MT_CHECK(buf[i] == h->sig, "read byte %u: 0x%x", i, buf[i]))
			return false;
	if (h->extent < SLOT) {
		if (!MT_CHECK(gv_bounce_read(&pool, h->s, buf, h->extent + 1),
			      "read of %u bytes beyond the extent %u",
			      h->extent + 1, h->extent))
			return false;
		w->refused_reads++;
	}
	/* Release before put: once put, another worker may take it. */
	if (!MT_CHECK(__atomic_compare_exchange_n(owner_of(h->s), &mine, 0,
						  false, __ATOMIC_ACQ_REL,
						  __ATOMIC_ACQUIRE),
		      "slot %u/%u/%u of worker %u now held by worker %u",
		      h->s.area, h->s.chunk, h->s.slot, w->id, mine - 1))
		return false;
	if (!MT_CHECK(!gv_bounce_put(&pool, h->s), "put of slot %u/%u/%u refused",
		      h->s.area, h->s.chunk, h->s.slot))
		return false;
	w->puts++;
	w->held[k] = w->held[--w->nr_held];
	return true;
}

static void give_all(struct worker *w)
{
	while (w->nr_held && give(w, (u32)(rnd(w) % w->nr_held)))
		;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	bool ok = true;
	u32 i;

	for (i = 0; i < w->ops && ok && !mt_stop(); i++) {
		if (w->mode == MODE_EXHAUST) {
			w->full = false;
			while (ok && w->nr_held < MAX_HOLD && !w->full)
				ok = take(w);
			give_all(w);
			continue;
		}
		if (w->nr_held < 8 && (!w->nr_held || rnd(w) % 2))
			ok = take(w);
		else
			ok = give(w, (u32)(rnd(w) % w->nr_held));
	}
	if (!mt_stop())
		give_all(w);
	return NULL;
}

static void *shrinker_main(void *arg)
{
	u64 *shrunk = arg;

	while (!__atomic_load_n(&workers_done, __ATOMIC_ACQUIRE) &&
	       !mt_stop()) {
		*shrunk += gv_bounce_shrink(&pool);
		sched_yield();
	}
	return NULL;
}

static void pool_setup(u32 nr_areas, u32 min, u32 max)
{
	u32 i;

	memset(&env, 0, sizeof(env));
	for (i = 0; i < MAX_AREAS; i++)
		pthread_mutex_init(&env.lock[i], NULL);
	memset(owner, 0, sizeof(owner));
	mt_failed = 0;
	workers_done = false;
	ASSERT_EQ(0, gv_bounce_init(&pool, &env_ops, NULL, areas, nr_areas,
				    SLOT, CHUNK, min, max));
	ASSERT_EQ(nr_areas * min, env.allocs);
	ASSERT_EQ(nr_areas * min, env.to_shared);
}

/* Every invariant of an idle pool, then its destruction. */
static void pool_check_and_destroy(void)
{
	struct gv_bounce_chunk *ch;
	u64 present = 0;
	u32 a, c, i;

	ASSERT_EQ(0, pool.stat.in_use);
	ASSERT_EQ(0, pool.stat.leaked);
	for (a = 0; a < pool.nr_areas; a++) {
		ASSERT_EQ(0, areas[a].growing);
		ASSERT_TRUE(areas[a].nr_chunks >= pool.min_chunks);
		present += areas[a].nr_chunks;
		for (c = 0; c < GV_BOUNCE_MAX_CHUNKS; c++) {
			ch = &areas[a].chunk[c];
			if (!ch->va)
				continue;
			ASSERT_EQ(0, ch->busy);
			for (i = 0; i < CHUNK; i++)
				if (ch->va[i])
					UNIT_FAIL("chunk %u/%u byte %u: expected 0, got 0x%x",
						  a, c, i, ch->va[i]);
			for (i = 0; i < PER_CHUNK; i++)
				ASSERT_EQ(0, owner[a][c][i]);
		}
	}
	ASSERT_EQ(present, pool.nr_chunks);
	ASSERT_TRUE(pool.nr_chunks <= pool.max_chunks);
	ASSERT_EQ(pool.stat.grows - pool.stat.shrinks,
		  present - (u64)pool.nr_areas * pool.min_chunks);
	ASSERT_TRUE(pool.stat.high_water <=
		    (u64)pool.max_chunks * pool.slots_per_chunk);
	/* Every chunk allocated is present or was given back. */
	ASSERT_EQ(env.allocs - env.frees, present);
	ASSERT_EQ(env.allocs, env.to_shared);
	ASSERT_EQ(env.frees, env.to_private);
	ASSERT_EQ(env.frees, pool.stat.shrinks);

	gv_bounce_destroy(&pool);
	ASSERT_EQ(0, pool.nr_chunks);
	ASSERT_EQ(env.allocs, env.frees);
	ASSERT_EQ(env.allocs, env.to_private);
}

/*
 * Run @n workers (worker i on vCPU i), with a shrinker when @shrink; the
 * pool must be set up. Checks what the workers saw and did.
 */
static void run(struct worker *w, u32 n, bool shrink, u64 *shrunk)
{
	pthread_t shrinker;
	u64 bad = 0, gets = 0, puts = 0;
	u32 i;

	*shrunk = 0;
	for (i = 0; i < n; i++) {
		w[i].id = i;
		w[i].cpu = i;
		w[i].rng = seed_base * 0x9e3779b97f4a7c15ULL + i + 1;
		ASSERT_EQ(0, pthread_create(&w[i].thread, NULL, worker_main,
					    &w[i]));
	}
	if (shrink)
		ASSERT_EQ(0, pthread_create(&shrinker, NULL, shrinker_main,
					    shrunk));
	for (i = 0; i < n; i++)
		pthread_join(w[i].thread, NULL);
	__atomic_store_n(&workers_done, true, __ATOMIC_RELEASE);
	if (shrink)
		pthread_join(shrinker, NULL);
	if (mt_failed)
		UNIT_FAIL("%s", mt_msg);
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, w[i].nr_held);
		ASSERT_EQ(w[i].gets, w[i].puts);
		bad += w[i].refused_reads;
		gets += w[i].gets;
		puts += w[i].puts;
	}
	ASSERT_EQ(bad, pool.stat.bad_handles);
	ASSERT_TRUE(gets > 0);
	ASSERT_EQ(gets, puts);
	ASSERT_EQ(*shrunk, pool.stat.shrinks);
}

static struct worker workers[MAX_WORKERS];

static void workers_reset(enum mode mode, u32 ops, bool any_cpu)
{
	u32 i;

	memset(workers, 0, sizeof(workers));
	for (i = 0; i < MAX_WORKERS; i++) {
		workers[i].mode = mode;
		workers[i].ops = ops;
		workers[i].any_cpu = any_cpu;
	}
}

UNIT_TEST(mt_workers_on_their_own_areas)
{
	u64 shrunk;

	pool_setup(MAX_WORKERS, 1, 2 * MAX_WORKERS);
	workers_reset(MODE_MIXED, 20000, false);
	run(workers, MAX_WORKERS, false, &shrunk);
	/* Eight slots at most each: one chunk of 16 per area is enough. */
	ASSERT_EQ(0, pool.stat.grows);
	ASSERT_EQ(0, pool.stat.failures);
	ASSERT_TRUE(pool.stat.high_water <= MAX_WORKERS * 8);
	pool_check_and_destroy();
}

UNIT_TEST(mt_workers_sharing_areas_with_shrinks)
{
	u64 shrunk;

	/* Workers 0 and 2 map to area 0, 1 and 3 to area 1; any vCPU too. */
	pool_setup(2, 1, 4);
	workers_reset(MODE_MIXED, 20000, true);
	run(workers, MAX_WORKERS, true, &shrunk);
	ASSERT_TRUE(pool.stat.high_water <= 4 * PER_CHUNK);
	printf("# grows %llu, shrinks %llu, failures %llu\n",
	       (unsigned long long)pool.stat.grows,
	       (unsigned long long)pool.stat.shrinks,
	       (unsigned long long)pool.stat.failures);
	pool_check_and_destroy();
}

UNIT_TEST(mt_growth_to_the_limit_while_shrinking)
{
	u64 shrunk, before;

	/* Each worker tries to take all 96 slots of the pool, in rounds. */
	pool_setup(2, 1, 6);
	workers_reset(MODE_EXHAUST, 150, true);
	run(workers, MAX_WORKERS, true, &shrunk);
	/* -GA_ENOMEM only at the limit: 6 chunks, so 4 grown at least. */
	ASSERT_TRUE(pool.stat.failures > 0);
	ASSERT_TRUE(pool.stat.grows >= 4);
	ASSERT_EQ(pool.stat.failures, workers[0].enomem + workers[1].enomem +
		  workers[2].enomem + workers[3].enomem);
	printf("# grows %llu, shrinks while running %llu, failures %llu\n",
	       (unsigned long long)pool.stat.grows,
	       (unsigned long long)shrunk,
	       (unsigned long long)pool.stat.failures);
	/* Idle now: everything beyond min_chunks goes back. */
	before = pool.nr_chunks;
	ASSERT_EQ(before - 2, gv_bounce_shrink(&pool));
	ASSERT_EQ(2, pool.nr_chunks);
	pool_check_and_destroy();
}

int main(void)
{
	const char *seed = getenv("VRING_MT_SEED");

	seed_base = seed ? strtoull(seed, NULL, 0) : 1;
	printf("# seed %llu (VRING_MT_SEED=N replays one)\n",
	       (unsigned long long)seed_base);
	return unit_main();
}
