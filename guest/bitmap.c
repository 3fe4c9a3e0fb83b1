// SPDX-License-Identifier: GPL-2.0
/*
 * bitmap.c - the accepted-memory bitmap of the guest core.
 *
 * One bit per unit (2 MiB by default), set while the unit is unaccepted,
 * like Linux's unaccepted-memory bitmap. Above the bits sit up to four
 * summary levels of 64-bit words: bit w of level i says "word w of level
 * i - 1 may be non-zero". The question every allocation and every #VC asks,
 * "is anything in [start, end) unaccepted?", is then a walk of a few words
 * up and down the hierarchy instead of a scan of the range.
 *
 * Readers take no lock. Writers (ga_bitmap_clear_unit() and
 * ga_bitmap_set_unit()) run under the guest lock, one at a time, and keep
 * the summaries conservative: a summary bit is set before a bit under it is
 * set and cleared only once the word under it is zero. A unit that stays
 * unaccepted for the whole of a query keeps every summary bit above it set
 * for that whole time, so the walk always finds it.
 */
#include "ga_compat.h"

#define GA_WORD_SHIFT		6
#define GA_WORD_BITS		64
#define GA_WORD_MASK		(GA_WORD_BITS - 1)
#define GA_MAX_LEVELS		4
#define GA_MIN_UNIT_SHIFT	12
#define GA_MAX_UNIT_SHIFT	30

static u64 ga_div_words(u64 n)
{
	return (n + GA_WORD_MASK) >> GA_WORD_SHIFT;
}

/* The words of level @lvl: 0 is the unit bits, 1.. the summaries. */
static u64 *ga_level(const struct ga_bitmap *bm, u32 lvl)
{
	return lvl ? bm->sum[lvl - 1] : bm->bits;
}

/*
 * Level 0 holds one bit per unit; each level above one bit per word of the
 * level below, until a level fits in one word.
 */
u64 ga_bitmap_words(u64 nr_units)
{
	u64 words = ga_div_words(nr_units);
	u64 total = words;

	while (words > 1) {
		words = ga_div_words(words);
		total += words;
	}
	return total;
}

/* Set bits [0, @nr) of @w (the rest zero): the "every unit unaccepted" state. */
static void ga_fill_level(u64 *w, u64 words, u64 nr)
{
	u64 i;

	for (i = 0; i < words; i++)
		w[i] = ~0ULL;
	if (nr & GA_WORD_MASK)
		w[words - 1] = (1ULL << (nr & GA_WORD_MASK)) - 1;
}

/*
 * Bits past the last unit stay zero, so that "word is zero" means "nothing
 * unaccepted under it" for the summaries. At most 64^5 units, so that four
 * summary levels always end in a single word.
 */
int ga_bitmap_init(struct ga_bitmap *bm, u64 base, u64 size, u32 unit_shift,
		   u64 *mem)
{
	u64 unit_mask, nr, words;
	u32 lvl;

	if (unit_shift < GA_MIN_UNIT_SHIFT || unit_shift > GA_MAX_UNIT_SHIFT ||
	    !mem)
		return -GA_EINVAL;
	unit_mask = (1ULL << unit_shift) - 1;
	if (!size || (base & unit_mask) || (size & unit_mask) ||
	    base + size < base)
		return -GA_EINVAL;
	nr = size >> unit_shift;
	if (nr > GA_MAX_UNITS)
		return -GA_EINVAL;

	memset(bm, 0, sizeof(*bm));
	bm->base = base;
	bm->nr_units = nr;
	bm->unit_shift = unit_shift;
	bm->bits = mem;
	words = ga_div_words(nr);
	bm->words[0] = words;
	ga_fill_level(mem, words, nr);
	for (lvl = 1; words > 1; lvl++) {
		mem += words;
		nr = words;
		words = ga_div_words(words);
		bm->sum[lvl - 1] = mem;
		bm->words[lvl] = words;
		ga_fill_level(mem, words, nr);
	}
	bm->levels = lvl - 1;
	bm->nr_unaccepted = bm->nr_units;
	return 0;
}

/*
 * Walk the hierarchy for the first set unit at or after index @pos of level
 * @lvl. On an empty word go up to the next word's summary bit, on a set bit
 * go down into the word it stands for. A word found zero on the way down
 * (cleared since its summary bit was read) just sends the walk up again
 * past it. The walk stops as soon as the first unit a position stands for
 * reaches @limit, which also keeps every index inside its level. Returns
 * the unit, or @limit when none is set below it.
 */
static inline u64 ga_bitmap_walk(const struct ga_bitmap *bm, u64 pos,
				 u32 lvl, u64 limit)
{
	u32 shift = GA_WORD_SHIFT * lvl;
	u64 w;

	for (;;) {
		if ((pos << shift) >= limit)
			return limit;
		w = ga_load(&ga_level(bm, lvl)[pos >> GA_WORD_SHIFT]);
		w &= ~0ULL << (pos & GA_WORD_MASK);
		if (!w) {
			if (lvl == bm->levels)
				return limit;
			pos = (pos >> GA_WORD_SHIFT) + 1;
			lvl++;
			shift += GA_WORD_SHIFT;
			continue;
		}
		pos = (pos & ~(u64)GA_WORD_MASK) + ga_ctz(w);
		if (!lvl)
			return pos < limit ? pos : limit;
		pos <<= GA_WORD_SHIFT;
		lvl--;
		shift -= GA_WORD_SHIFT;
	}
}

u64 ga_bitmap_next_unaccepted(const struct ga_bitmap *bm, u64 unit, u64 limit)
{
	if (limit > bm->nr_units)
		limit = bm->nr_units;
	if (unit >= limit)
		return limit;
	return ga_bitmap_walk(bm, unit, 0, limit);
}

u64 ga_bitmap_next_accepted(const struct ga_bitmap *bm, u64 unit, u64 limit)
{
	u64 w;

	if (limit > bm->nr_units)
		limit = bm->nr_units;
	while (unit < limit) {
		w = ~ga_load(&bm->bits[unit >> GA_WORD_SHIFT]);
		w &= ~0ULL << (unit & GA_WORD_MASK);
		if (w) {
			unit = (unit & ~(u64)GA_WORD_MASK) + ga_ctz(w);
			break;
		}
		unit = (unit | GA_WORD_MASK) + 1;
	}
	return unit < limit ? unit : limit;
}

/*
 * The hot path of every allocation and #VC (see tools/bench/ga_query_bench.c
 * for its cost): a fast answer when nothing is left, then the first word,
 * then the walk. An empty or inverted range holds nothing.
 */
bool ga_bitmap_any_unaccepted(const struct ga_bitmap *bm, u64 start, u64 end)
{
	u64 first, last, w;

	/* Once everything is accepted, which is the steady state: one load. */
	if (!ga_load(&bm->nr_unaccepted) || start >= end || end <= bm->base)
		return false;
	first = start > bm->base ? (start - bm->base) >> bm->unit_shift : 0;
	if (first >= bm->nr_units)
		return false;
	/* Round up without overflowing when @end is near 2^64. */
	last = ((end - 1 - bm->base) >> bm->unit_shift) + 1;
	if (last > bm->nr_units)
		last = bm->nr_units;
	/* Most answers are in the first word: look there before walking. */
	w = ga_load(&bm->bits[first >> GA_WORD_SHIFT]);
	w &= ~0ULL << (first & GA_WORD_MASK);
	if (w)
		return (first & ~(u64)GA_WORD_MASK) + ga_ctz(w) < last;
	if (!bm->levels)
		return false;
	return ga_bitmap_walk(bm, (first >> GA_WORD_SHIFT) + 1, 1, last) < last;
}

bool ga_bitmap_unit_unaccepted(const struct ga_bitmap *bm, u64 unit)
{
	if (unit >= bm->nr_units)
		return false;
	return (ga_load(&bm->bits[unit >> GA_WORD_SHIFT]) >>
		(unit & GA_WORD_MASK)) & 1;
}

/*
 * Word @idx of level @lvl - 1 became zero: clear its summary bit at level
 * @lvl. Returns true when the summary word became zero too, so the caller
 * goes on one level up.
 */
static bool ga_clear_summary(struct ga_bitmap *bm, u32 lvl, u64 idx)
{
	u64 *below = &ga_level(bm, lvl - 1)[idx];
	u64 *sum = &ga_level(bm, lvl)[idx >> GA_WORD_SHIFT];
	u64 bit = 1ULL << (idx & GA_WORD_MASK);
	u64 old;

	old = ga_fetch_and(sum, ~bit);
	/*
	 * Recheck: a word that is non-zero again gets its summary bit back.
	 * Writers are serialised by the guest lock, so this only guards
	 * against a caller that forgot it, at the price of one load.
	 */
	if (ga_load(below)) {
		ga_fetch_or(sum, bit);
		return false;
	}
	return !(old & ~bit);
}

/**
 * ga_bitmap_clear_unit() - mark @unit accepted.
 * @bm: the bitmap.
 * @unit: the unit; ignored when out of range or already accepted.
 *
 * Context: the guest lock is held. The bit goes first, the summaries after
 * it, bottom-up, so a lock-free reader never sees a clear summary above a
 * set bit.
 */
void ga_bitmap_clear_unit(struct ga_bitmap *bm, u64 unit)
{
	u64 bit = 1ULL << (unit & GA_WORD_MASK);
	u64 idx = unit >> GA_WORD_SHIFT;
	u64 old;
	u32 lvl;

	if (unit >= bm->nr_units)
		return;
	old = ga_fetch_and(&bm->bits[idx], ~bit);
	if (!(old & bit))
		return;
	ga_atomic_sub(&bm->nr_unaccepted, 1);
	if (old & ~bit)
		return;
	for (lvl = 1; lvl <= bm->levels; lvl++) {
		if (!ga_clear_summary(bm, lvl, idx))
			break;
		idx >>= GA_WORD_SHIFT;
	}
}

/**
 * ga_bitmap_set_unit() - mark @unit unaccepted again.
 * @bm: the bitmap.
 * @unit: the unit; ignored when out of range or already unaccepted.
 *
 * Context: the guest lock is held. Summaries are set top-down before the
 * bit, so a reader that finds the bit also finds the path to it.
 */
void ga_bitmap_set_unit(struct ga_bitmap *bm, u64 unit)
{
	u64 bit = 1ULL << (unit & GA_WORD_MASK);
	u64 idx, old;
	u32 lvl;

	if (unit >= bm->nr_units)
		return;
	for (lvl = bm->levels; lvl > 0; lvl--) {
		idx = unit >> (GA_WORD_SHIFT * lvl);
		ga_fetch_or(&ga_level(bm, lvl)[idx >> GA_WORD_SHIFT],
			    1ULL << (idx & GA_WORD_MASK));
	}
	old = ga_fetch_or(&bm->bits[unit >> GA_WORD_SHIFT], bit);
	if (!(old & bit))
		ga_atomic_add(&bm->nr_unaccepted, 1);
}
