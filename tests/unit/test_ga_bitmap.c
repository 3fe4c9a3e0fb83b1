// SPDX-License-Identifier: GPL-2.0
/*
 * test_ga_bitmap.c - the accepted-memory bitmap against a reference.
 *
 * The reference is a plain array of unit states with prefix counts, so a
 * range query is two lookups. Random tests take their seed from
 * GA_TEST_SEED or the clock, and print it.
 */
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"
#include "../../guest/ga.h"

#define BASE		(1ULL << 30)	/* 1 GiB: aligned to every unit size */
#define KiB		1024ULL
#define MiB		(1024 * KiB)
#define GiB		(1024 * MiB)

static u64 seed;
static u64 rng_state;

static u64 rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static u64 rnd_below(u64 n)
{
	return n ? rnd() % n : 0;
}

/* Each test draws from its own stream, so one can be rerun alone. */
static void seed_rng(const char *test)
{
	rng_state = seed ^ 0x9e3779b97f4a7c15ULL;
	while (*test)
		rng_state = (rng_state ^ (u8)*test++) * 0x100000001b3ULL;
	if (!rng_state)
		rng_state = 1;
}

struct tb {
	struct ga_bitmap bm;
	u64 *mem;
	u64 nr;
	u32 shift;
	bool *ref;	/* true = unaccepted */
	u64 *prefix;	/* prefix[i] = unaccepted units below i */
};

/* The bitmap under test; tb_init() frees the previous one. */
static struct tb tb;

static void tb_free(struct tb *t)
{
	free(t->mem);
	free(t->ref);
	free(t->prefix);
	memset(t, 0, sizeof(*t));
}

/* A bitmap over @nr units of 2^@shift at BASE; memory filled with junk. */
static int tb_init(struct tb *t, u64 nr, u32 shift)
{
	u64 words = ga_bitmap_words(nr), i;

	tb_free(t);
	t->mem = malloc(words * sizeof(u64));
	t->ref = malloc(nr * sizeof(bool));
	if (!t->mem || !t->ref)
		UNIT_FAIL("out of memory for %llu units", (unsigned long long)nr);
	memset(t->mem, 0xa5, words * sizeof(u64));
	for (i = 0; i < nr; i++)
		t->ref[i] = true;
	t->nr = nr;
	t->shift = shift;
	return ga_bitmap_init(&t->bm, BASE, nr << shift, shift, t->mem);
}

static void tb_clear(struct tb *t, u64 u)
{
	ga_bitmap_clear_unit(&t->bm, u);
	t->ref[u] = false;
}

static void tb_set(struct tb *t, u64 u)
{
	ga_bitmap_set_unit(&t->bm, u);
	t->ref[u] = true;
}

static void tb_prefix(struct tb *t)
{
	u64 i;

	free(t->prefix);
	t->prefix = malloc((t->nr + 1) * sizeof(u64));
	if (!t->prefix)
		UNIT_FAIL("out of memory for the prefix counts");
	t->prefix[0] = 0;
	for (i = 0; i < t->nr; i++)
		t->prefix[i + 1] = t->prefix[i] + t->ref[i];
}

/* The reference answer for [start, end) in bytes; tb_prefix() first. */
static bool tb_expect(const struct tb *t, u64 start, u64 end)
{
	u64 lim = BASE + (t->nr << t->shift), first, last;

	if (start >= end || end <= BASE || start >= lim)
		return false;
	first = start < BASE ? 0 : (start - BASE) >> t->shift;
	last = end >= lim ? t->nr : ((end - 1 - BASE) >> t->shift) + 1;
	return t->prefix[last] - t->prefix[first] != 0;
}

/*
 * Summary level i bit w set <=> word w of level i - 1 non-zero, no bit set
 * past the last unit or word, and the bits equal the reference. Exact in a
 * quiescent bitmap. Returns a description of the first mismatch or NULL.
 */
static const char *tb_check(const struct tb *t, u64 *where)
{
	const struct ga_bitmap *bm = &t->bm;
	u64 i, n = 0, below, w;
	const u64 *lo, *hi;
	u32 lvl;

	for (i = 0; i < t->nr; i++) {
		*where = i;
		if (ga_bitmap_unit_unaccepted(bm, i) != t->ref[i])
			return "unit bit differs from the reference";
		n += t->ref[i];
	}
	*where = 0;
	if (bm->nr_unaccepted != n)
		return "nr_unaccepted differs from the reference";
	if ((t->nr & 63) && bm->bits[bm->words[0] - 1] >> (t->nr & 63))
		return "bits set past the last unit";
	for (lvl = 1; lvl <= bm->levels; lvl++) {
		lo = lvl == 1 ? bm->bits : bm->sum[lvl - 2];
		hi = bm->sum[lvl - 1];
		below = bm->words[lvl - 1];
		for (w = 0; w < bm->words[lvl] * 64; w++) {
			*where = (u64)lvl << 56 | w;
			if (((hi[w >> 6] >> (w & 63)) & 1) !=
			    (w < below && lo[w] != 0))
				return "summary bit disagrees with the word below";
		}
	}
	return NULL;
}

#define ASSERT_CONSISTENT(t)						\
	do {								\
		u64 __w;						\
		const char *__why = tb_check(t, &__w);			\
		if (__why)						\
			UNIT_FAIL("%s (at 0x%llx)", __why,		\
				  (unsigned long long)__w);		\
	} while (0)

/* ---- sizes and init --------------------------------------------------- */

UNIT_TEST(words_per_size)
{
	ASSERT_EQ(0, ga_bitmap_words(0));
	ASSERT_EQ(1, ga_bitmap_words(1));
	ASSERT_EQ(1, ga_bitmap_words(64));
	ASSERT_EQ(2 + 1, ga_bitmap_words(65));
	ASSERT_EQ(64 + 1, ga_bitmap_words(4096));
	ASSERT_EQ(65 + 2 + 1, ga_bitmap_words(4097));
	/* 1 TiB of 2 MiB units: 8192 + 128 + 2 + 1 */
	ASSERT_EQ(8323, ga_bitmap_words(1ULL << 19));
	ASSERT_EQ((1ULL << 24) + (1ULL << 18) + (1ULL << 12) + 64 + 1,
		  ga_bitmap_words(1ULL << 30));
}

UNIT_TEST(init_each_unit_shift)
{
	static const u32 shifts[] = { 12, 21, 30 };
	unsigned int i;
	u64 end, last;

	for (i = 0; i < ARRAY_SIZE(shifts); i++) {
		ASSERT_EQ(0, tb_init(&tb, 69, shifts[i]));
		ASSERT_EQ(BASE, tb.bm.base);
		ASSERT_EQ(69, tb.bm.nr_units);
		ASSERT_EQ(shifts[i], tb.bm.unit_shift);
		ASSERT_EQ(1, tb.bm.levels);
		ASSERT_EQ(2, tb.bm.words[0]);
		ASSERT_EQ(1, tb.bm.words[1]);
		ASSERT_EQ(69, tb.bm.nr_unaccepted);
		ASSERT_EQ(~0ULL, tb.bm.bits[0]);
		ASSERT_EQ(0x1f, tb.bm.bits[1]);
		ASSERT_EQ(3, tb.bm.sum[0][0]);
		ASSERT_EQ(0, tb.bm.nr_inflight);
		ASSERT_CONSISTENT(&tb);
		ASSERT_TRUE(ga_bitmap_any_unaccepted(&tb.bm, BASE, BASE + 1));
		end = BASE + (69ULL << shifts[i]);
		last = end - (1ULL << shifts[i]);
		ASSERT_TRUE(ga_bitmap_any_unaccepted(&tb.bm, last, end));
		ASSERT_TRUE(!ga_bitmap_any_unaccepted(&tb.bm, end, ~0ULL));
	}
}

UNIT_TEST(init_levels_by_size)
{
	static const struct { u64 nr; u32 levels; } c[] = {
		{ 1, 0 }, { 64, 0 }, { 65, 1 }, { 4096, 1 }, { 4097, 2 },
		{ 1ULL << 18, 2 }, { (1ULL << 18) + 1, 3 },
		{ 1ULL << 24, 3 }, { (1ULL << 24) + 1, 4 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		ASSERT_EQ(0, tb_init(&tb, c[i].nr, 12));
		ASSERT_EQ(c[i].levels, tb.bm.levels);
		ASSERT_EQ(1, tb.bm.words[tb.bm.levels]);
		ASSERT_EQ(c[i].nr, tb.bm.nr_unaccepted);
		if (c[i].nr <= 70000)
			ASSERT_CONSISTENT(&tb);
	}
}

UNIT_TEST(init_rejects_bad_layouts)
{
	struct ga_bitmap bm;
	u64 mem[16];

	ASSERT_EQ(-GA_EINVAL, ga_bitmap_init(&bm, BASE, 64 << 11, 11, mem));
	ASSERT_EQ(-GA_EINVAL, ga_bitmap_init(&bm, BASE, 2ULL << 31, 31, mem));
	ASSERT_EQ(-GA_EINVAL, ga_bitmap_init(&bm, BASE, 0, 21, mem));
	/* size not a multiple of the unit */
	ASSERT_EQ(-GA_EINVAL, ga_bitmap_init(&bm, BASE, 3 * MiB, 21, mem));
	ASSERT_EQ(-GA_EINVAL, ga_bitmap_init(&bm, BASE, 4 * KiB + 1, 12, mem));
	/* base not aligned to the unit */
	ASSERT_EQ(-GA_EINVAL, ga_bitmap_init(&bm, BASE + 4 * KiB, 2 * MiB, 21,
					     mem));
	ASSERT_EQ(-GA_EINVAL, ga_bitmap_init(&bm, BASE + MiB, GiB, 30, mem));
	/* wraps past 2^64 */
	ASSERT_EQ(-GA_EINVAL, ga_bitmap_init(&bm, ~0ULL << 21, 4 * MiB, 21,
					     mem));
	/* more than 64^5 units: the top summary would not fit one word */
	ASSERT_EQ(-GA_EINVAL, ga_bitmap_init(&bm, 0, ((1ULL << 30) + 1) << 12,
					     12, mem));
	ASSERT_EQ(-GA_EINVAL, ga_bitmap_init(&bm, BASE, 2 * MiB, 21, NULL));
	ASSERT_EQ(0, ga_bitmap_init(&bm, BASE, 2 * MiB, 21, mem));
	ASSERT_EQ(0, ga_bitmap_init(&bm, 0, 64ULL << 30, 30, mem));
	ASSERT_EQ(64, bm.nr_units);
}

/* ---- queries ------------------------------------------------------------ */

/* A random state: a density per round, plus runs, plus a few re-sets. */
static void tb_randomize(struct tb *t)
{
	u64 density = rnd_below(5), i, n, s, len;

	switch (density) {
	case 0:		/* all accepted but a handful */
		for (i = 0; i < t->nr; i++)
			tb_clear(t, i);
		for (n = rnd_below(4); n; n--)
			tb_set(t, rnd_below(t->nr));
		break;
	case 1:		/* runs */
		for (n = rnd_below(20) + 1; n; n--) {
			s = rnd_below(t->nr);
			len = rnd_below(t->nr / 4 + 1) + 1;
			for (i = s; i < s + len && i < t->nr; i++)
				tb_clear(t, i);
		}
		break;
	default:	/* independent units, 1/density-ish accepted */
		for (i = 0; i < t->nr; i++)
			if (rnd_below(density + 1))
				tb_clear(t, i);
		for (n = rnd_below(8); n; n--)
			tb_set(t, rnd_below(t->nr));
		break;
	}
}

/* A byte range biased to the bitmap, its edges and just outside it. */
static void rnd_range(const struct tb *t, u64 *start, u64 *end)
{
	u64 size = t->nr << t->shift, len;

	*start = BASE - (4ULL << t->shift) + rnd_below(size + (8ULL << t->shift));
	switch (rnd_below(4)) {
	case 0:
		len = rnd_below(1ULL << t->shift) + 1;
		break;
	case 1:
		len = rnd_below(64ULL << t->shift) + 1;
		break;
	default:
		len = rnd_below(size) + 1;
		break;
	}
	*end = *start + len;
	if (!rnd_below(50))
		*end = *start - rnd_below(2);	/* empty or inverted */
}

UNIT_TEST(query_matches_reference_random)
{
	static const u32 shifts[] = { 12, 21, 30 };
	u64 round, q, s, e, nr, checked = 0;

	seed_rng(__func__);
	for (round = 0; round < 60; round++) {
		nr = round % 10 == 9 ? rnd_below(300000) + 262000 :
		     rnd_below(70000) + 1;
		ASSERT_EQ(0, tb_init(&tb, nr, shifts[round % 3]));
		tb_randomize(&tb);
		tb_prefix(&tb);
		ASSERT_CONSISTENT(&tb);
		for (q = 0; q < 4000; q++) {
			rnd_range(&tb, &s, &e);
			if (ga_bitmap_any_unaccepted(&tb.bm, s, e) !=
			    tb_expect(&tb, s, e))
				UNIT_FAIL("round %llu: [0x%llx, 0x%llx) expected %d",
					  (unsigned long long)round,
					  (unsigned long long)s,
					  (unsigned long long)e,
					  tb_expect(&tb, s, e));
			checked++;
		}
	}
	printf("# %llu queries checked\n", (unsigned long long)checked);
}

/* The first unit of [@a, min(@b, nr)) whose state is @set, else the end. */
static u64 tb_next(const struct tb *t, u64 a, u64 b, bool set)
{
	u64 lim = b < t->nr ? b : t->nr;

	for (; a < lim; a++)
		if (t->ref[a] == set)
			return a;
	return lim;
}

UNIT_TEST(next_unaccepted_and_accepted_match_reference)
{
	u64 round, q, a, b;

	seed_rng(__func__);
	for (round = 0; round < 30; round++) {
		ASSERT_EQ(0, tb_init(&tb, rnd_below(20000) + 1, 21));
		tb_randomize(&tb);
		for (q = 0; q < 2000; q++) {
			a = rnd_below(tb.nr + 2);
			b = a + rnd_below(rnd_below(2) ? 70 : tb.nr + 70);
			ASSERT_EQ(tb_next(&tb, a, b, true),
				  ga_bitmap_next_unaccepted(&tb.bm, a, b));
			ASSERT_EQ(tb_next(&tb, a, b, false),
				  ga_bitmap_next_accepted(&tb.bm, a, b));
		}
	}
}

UNIT_TEST(summaries_consistent_after_every_clear)
{
	u64 *perm, i, j, tmp;

	seed_rng(__func__);
	ASSERT_EQ(0, tb_init(&tb, 64 * 64 * 2 + 7, 12));
	perm = malloc(tb.nr * sizeof(*perm));
	ASSERT_TRUE(perm);
	for (i = 0; i < tb.nr; i++)
		perm[i] = i;
	for (i = tb.nr - 1; i > 0; i--) {
		j = rnd_below(i + 1);
		tmp = perm[i];
		perm[i] = perm[j];
		perm[j] = tmp;
	}
	for (i = 0; i < tb.nr; i++) {
		tb_clear(&tb, perm[i]);
		if (i % 97 == 0 || i > tb.nr - 70)
			ASSERT_CONSISTENT(&tb);
	}
	free(perm);
	ASSERT_EQ(0, tb.bm.nr_unaccepted);
	for (i = 0; i < tb.bm.words[0]; i++)
		ASSERT_EQ(0, tb.bm.bits[i]);
	ASSERT_EQ(0, tb.bm.sum[0][0]);
	ASSERT_EQ(0, tb.bm.sum[1][0]);
	ASSERT_TRUE(!ga_bitmap_any_unaccepted(&tb.bm, 0, ~0ULL));
}

UNIT_TEST(set_unit_restores_the_path)
{
	u64 i, u = 64 * 64 + 64 * 3 + 5;

	ASSERT_EQ(0, tb_init(&tb, 64 * 64 * 3, 21));
	for (i = 0; i < tb.nr; i++)
		tb_clear(&tb, i);
	ASSERT_CONSISTENT(&tb);
	tb_set(&tb, u);
	ASSERT_CONSISTENT(&tb);
	ASSERT_EQ(1, tb.bm.nr_unaccepted);
	ASSERT_EQ(2, tb.bm.sum[1][0]);
	ASSERT_EQ(1ULL << 3, tb.bm.sum[0][1]);
	ASSERT_TRUE(ga_bitmap_any_unaccepted(&tb.bm, 0, ~0ULL));
	ASSERT_TRUE(ga_bitmap_any_unaccepted(&tb.bm, BASE + (u << 21),
					     BASE + (u << 21) + 1));
	ASSERT_TRUE(!ga_bitmap_any_unaccepted(&tb.bm, BASE,
					      BASE + (u << 21)));
	ASSERT_TRUE(!ga_bitmap_any_unaccepted(&tb.bm, BASE + ((u + 1) << 21),
					      ~0ULL));
	ASSERT_EQ(u, ga_bitmap_next_unaccepted(&tb.bm, 0, tb.nr));
}

UNIT_TEST(nr_unaccepted_counts_real_changes_only)
{
	ASSERT_EQ(0, tb_init(&tb, 100, 21));
	ga_bitmap_clear_unit(&tb.bm, 7);
	ga_bitmap_clear_unit(&tb.bm, 7);
	ASSERT_EQ(99, tb.bm.nr_unaccepted);
	ga_bitmap_clear_unit(&tb.bm, 100);	/* out of range: ignored */
	ga_bitmap_clear_unit(&tb.bm, ~0ULL);
	ASSERT_EQ(99, tb.bm.nr_unaccepted);
	ga_bitmap_set_unit(&tb.bm, 8);		/* already set */
	ASSERT_EQ(99, tb.bm.nr_unaccepted);
	ga_bitmap_set_unit(&tb.bm, 7);
	ga_bitmap_set_unit(&tb.bm, 7);
	ASSERT_EQ(100, tb.bm.nr_unaccepted);
	ga_bitmap_set_unit(&tb.bm, 100);
	ASSERT_EQ(100, tb.bm.nr_unaccepted);
	ASSERT_TRUE(!ga_bitmap_unit_unaccepted(&tb.bm, 100));
	ASSERT_TRUE(ga_bitmap_unit_unaccepted(&tb.bm, 99));
}

UNIT_TEST(ranges_outside_the_bitmap_are_accepted)
{
	u64 end = BASE + 10 * 2 * MiB, i;

	ASSERT_EQ(0, tb_init(&tb, 10, 21));
	ASSERT_TRUE(!ga_bitmap_any_unaccepted(&tb.bm, 0, BASE));
	ASSERT_TRUE(!ga_bitmap_any_unaccepted(&tb.bm, BASE - 1, BASE));
	ASSERT_TRUE(ga_bitmap_any_unaccepted(&tb.bm, BASE - 1, BASE + 1));
	ASSERT_TRUE(ga_bitmap_any_unaccepted(&tb.bm, 0, ~0ULL));
	ASSERT_TRUE(!ga_bitmap_any_unaccepted(&tb.bm, end, end + 1));
	ASSERT_TRUE(!ga_bitmap_any_unaccepted(&tb.bm, end, ~0ULL));
	ASSERT_TRUE(ga_bitmap_any_unaccepted(&tb.bm, end - 1, ~0ULL));
	ASSERT_TRUE(!ga_bitmap_any_unaccepted(&tb.bm, ~0ULL - 5, ~0ULL));
	/* only the first and last units left: a range around the middle */
	for (i = 1; i < 9; i++)
		tb_clear(&tb, i);
	ASSERT_TRUE(!ga_bitmap_any_unaccepted(&tb.bm, BASE + 2 * MiB,
					      end - 2 * MiB));
	ASSERT_TRUE(ga_bitmap_any_unaccepted(&tb.bm, BASE + 2 * MiB,
					     end - 2 * MiB + 1));
	ASSERT_TRUE(ga_bitmap_any_unaccepted(&tb.bm, BASE + 2 * MiB - 1,
					     end - 2 * MiB));
	ASSERT_EQ(10, ga_bitmap_next_unaccepted(&tb.bm, 10, 99));
	ASSERT_EQ(9, ga_bitmap_next_unaccepted(&tb.bm, 1, 99));
}

UNIT_TEST(empty_and_inverted_ranges_hold_nothing)
{
	ASSERT_EQ(0, tb_init(&tb, 10, 21));
	ASSERT_TRUE(!ga_bitmap_any_unaccepted(&tb.bm, BASE, BASE));
	ASSERT_TRUE(!ga_bitmap_any_unaccepted(&tb.bm, BASE + 5, BASE + 5));
	ASSERT_TRUE(!ga_bitmap_any_unaccepted(&tb.bm, BASE + MiB, BASE));
	ASSERT_TRUE(!ga_bitmap_any_unaccepted(&tb.bm, ~0ULL, 0));
	ASSERT_EQ(3, ga_bitmap_next_unaccepted(&tb.bm, 5, 3));
	ASSERT_EQ(3, ga_bitmap_next_accepted(&tb.bm, 5, 3));
}

UNIT_TEST(nothing_unaccepted_answers_without_looking)
{
	ASSERT_EQ(0, tb_init(&tb, 10, 21));
	/* A zero count is trusted: the words are not even read. */
	tb.bm.nr_unaccepted = 0;
	ASSERT_TRUE(!ga_bitmap_any_unaccepted(&tb.bm, 0, ~0ULL));
	tb.bm.nr_unaccepted = 10;
	ASSERT_TRUE(ga_bitmap_any_unaccepted(&tb.bm, 0, ~0ULL));
}

/* ---- concurrency: lock-free readers vs the writer ------------------------ */

/*
 * The writer clears every unit in a random order, publishing after each
 * clear how many it has done. Unit u has rank[u] in that order. A reader
 * that saw c0 clears done before its query and c1 after it knows:
 *   - units of rank >= c1 + 1 were set for the whole query: it must report
 *     them (rank c1 may be half cleared);
 *   - units of rank < c0 were clear for the whole query: a "yes" needs a
 *     unit of rank >= c0 in the range.
 * The range maximum of rank[] comes from a segment tree.
 */
struct mt {
	u64 *perm;
	s64 *tree;		/* segment tree of rank[], max */
	u64 size;		/* leaves */
	u64 cleared;		/* published by the writer */
	int done;
	u64 queries;
	u64 bad;
	u64 bad_start, bad_end, bad_c0, bad_c1, bad_max;
	int bad_answer;
};

static struct mt mt;

static s64 mt_max(u64 lo, u64 hi)	/* max rank over units [lo, hi) */
{
	s64 m = -1;

	for (lo += mt.size, hi += mt.size; lo < hi; lo >>= 1, hi >>= 1) {
		if (lo & 1)
			m = mt.tree[lo] > m ? mt.tree[lo] : m;
		if (hi & 1)
			m = mt.tree[hi - 1] > m ? mt.tree[hi - 1] : m;
		lo += lo & 1;
		hi -= hi & 1;
	}
	return m;
}

static void *mt_writer(void *arg)
{
	u64 i;

	(void)arg;
	for (i = 0; i < tb.nr; i++) {
		ga_bitmap_clear_unit(&tb.bm, mt.perm[i]);
		__atomic_store_n(&mt.cleared, i + 1, __ATOMIC_SEQ_CST);
		if (!(i & 2047))
			sched_yield();
	}
	__atomic_store_n(&mt.done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void *mt_reader(void *arg)
{
	u64 state = (u64)(uintptr_t)arg, s, e, len, lo, hi, c0, c1;
	u64 lim = BASE + (tb.nr << 12);
	s64 max;
	bool got;

	while (!__atomic_load_n(&mt.done, __ATOMIC_SEQ_CST)) {
		state = state * 6364136223846793005ULL + 1442695040888963407ULL;
		c0 = __atomic_load_n(&mt.cleared, __ATOMIC_SEQ_CST);
		/* half of them just before where the writer is clearing */
		if (state & (1ULL << 62) && c0 < tb.nr)
			s = mt.perm[c0] - ((state >> 20) % 8192);
		else
			s = (state >> 20) % tb.nr;
		s = BASE + (s < tb.nr ? s << 12 : 0) + ((state >> 40) & 0xfff);
		len = 1ULL << ((state >> 8) % 28);
		e = s + len;
		got = ga_bitmap_any_unaccepted(&tb.bm, s, e);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		c1 = __atomic_load_n(&mt.cleared, __ATOMIC_SEQ_CST);
		lo = (s - BASE) >> 12;
		hi = e >= lim ? tb.nr : ((e - 1 - BASE) >> 12) + 1;
		max = mt_max(lo, hi);
		__atomic_add_fetch(&mt.queries, 1, __ATOMIC_RELAXED);
		if ((max >= (s64)c1 + 1 && !got) || (got && max < (s64)c0)) {
			if (__atomic_add_fetch(&mt.bad, 1, __ATOMIC_SEQ_CST) == 1) {
				mt.bad_start = s;
				mt.bad_end = e;
				mt.bad_c0 = c0;
				mt.bad_c1 = c1;
				mt.bad_max = max;
				mt.bad_answer = got;
			}
		}
	}
	return NULL;
}

/* The clearing order: units at random, or whole words at random. */
static void mt_order(bool by_word)
{
	u64 i, j, tmp, words = (tb.nr + 63) / 64, n = 0;

	for (i = 0; i < tb.nr; i++)
		mt.perm[i] = i;
	if (by_word) {
		/* a random permutation of words, each cleared front to back */
		for (i = 0; i < words; i++)
			mt.tree[i] = (s64)i;
		for (i = words - 1; i > 0; i--) {
			j = rnd_below(i + 1);
			tmp = mt.tree[i];
			mt.tree[i] = mt.tree[j];
			mt.tree[j] = (s64)tmp;
		}
		for (i = 0; i < words; i++)
			for (j = (u64)mt.tree[i] * 64;
			     j < (u64)mt.tree[i] * 64 + 64 && j < tb.nr; j++)
				mt.perm[n++] = j;
		return;
	}
	for (i = tb.nr - 1; i > 0; i--) {
		j = rnd_below(i + 1);
		tmp = mt.perm[i];
		mt.perm[i] = mt.perm[j];
		mt.perm[j] = tmp;
	}
}

static void mt_run(bool by_word)
{
	pthread_t w, r[2];
	u64 i;
	int k;

	seed_rng(by_word ? "mt_run_by_word" : "mt_run");
	free(mt.perm);
	free(mt.tree);
	memset(&mt, 0, sizeof(mt));
	ASSERT_EQ(0, tb_init(&tb, 200000, 12));
	ASSERT_EQ(2, tb.bm.levels);
	mt.perm = malloc(tb.nr * sizeof(u64));
	for (mt.size = 1; mt.size < tb.nr; mt.size <<= 1)
		;
	mt.tree = calloc(2 * mt.size, sizeof(s64));
	ASSERT_TRUE(mt.perm && mt.tree);
	mt_order(by_word);
	for (i = 0; i < 2 * mt.size; i++)
		mt.tree[i] = -1;
	for (i = 0; i < tb.nr; i++)
		mt.tree[mt.size + mt.perm[i]] = (s64)i;
	for (i = mt.size - 1; i > 0; i--)
		mt.tree[i] = mt.tree[2 * i] > mt.tree[2 * i + 1] ?
			     mt.tree[2 * i] : mt.tree[2 * i + 1];

	for (k = 0; k < 2; k++)
		ASSERT_EQ(0, pthread_create(&r[k], NULL, mt_reader,
					    (void *)(uintptr_t)(rnd() | 1)));
	ASSERT_EQ(0, pthread_create(&w, NULL, mt_writer, NULL));
	pthread_join(w, NULL);
	for (k = 0; k < 2; k++)
		pthread_join(r[k], NULL);

	printf("# %llu concurrent queries checked\n",
	       (unsigned long long)mt.queries);
	if (mt.bad) {
		printf("#   first: [0x%llx, 0x%llx) said %d; clears %llu..%llu, max rank %lld\n",
		       (unsigned long long)mt.bad_start,
		       (unsigned long long)mt.bad_end, mt.bad_answer,
		       (unsigned long long)mt.bad_c0,
		       (unsigned long long)mt.bad_c1, (long long)mt.bad_max);
		UNIT_FAIL("%llu wrong answers", (unsigned long long)mt.bad);
	}
	ASSERT_TRUE(mt.queries > 0);
	ASSERT_EQ(0, tb.bm.nr_unaccepted);
	for (i = 0; i < tb.nr; i++)
		tb.ref[i] = false;
	ASSERT_CONSISTENT(&tb);
}

UNIT_TEST(readers_never_miss_a_unit_still_set_random_order)
{
	mt_run(false);
}

UNIT_TEST(readers_never_miss_a_unit_still_set_word_order)
{
	mt_run(true);
}

int main(void)
{
	const char *env = getenv("GA_TEST_SEED");
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	seed = env ? strtoull(env, NULL, 0) :
	       (u64)time(NULL) ^ ((u64)getpid() << 32);
	printf("# seed %llu (GA_TEST_SEED=%llu repeats this run)\n",
	       (unsigned long long)seed, (unsigned long long)seed);
	ret = unit_main();
	tb_free(&tb);
	free(mt.perm);
	free(mt.tree);
	return ret;
}
