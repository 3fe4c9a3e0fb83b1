// SPDX-License-Identifier: GPL-2.0
/*
 * ga_query_bench.c - the cost of ga_bitmap_any_unaccepted(), the question
 * every guest allocation and #VC asks, on a 1 TiB guest with 2 MiB units.
 *
 * Run it under callgrind with --toggle-collect=ga_bitmap_any_unaccepted
 * (scripts/ga-query-bench does) and divide the instructions by the number
 * of queries: only the query itself is counted, not the set-up or the
 * random numbers, which are all drawn before the first query.
 *
 * The state, fixed by the seed, is a guest some time after boot:
 *   [0, 64 GiB)		accepted: firmware, the eager part, and what the
 *			guest has used contiguously so far;
 *   [64 GiB, 512 GiB)	each unit accepted with probability 1/2: memory
 *			the guest has touched here and there;
 *   [512 GiB, 1 TiB)	unaccepted: never touched.
 * The fully accepted part is the expensive one for the walk (a query there
 * climbs the summaries to prove the range empty); the others mostly answer
 * from the first word.
 *
 * Queries: start uniform over the 1 TiB (any byte), length log-uniform
 * from 4 KiB to 1 GiB. The answers are summed and printed so that no call
 * can be dropped.
 *
 *	ga_query_bench [queries [seed]]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../guest/ga.h"

#define GiB		(1ULL << 30)
#define MEM_SIZE	(1024 * GiB)
#define UNIT_SHIFT	21
#define NR_UNITS	(MEM_SIZE >> UNIT_SHIFT)
#define ACCEPTED_END	(64 * GiB)
#define MIXED_END	(512 * GiB)

static u64 rng_state;

static u64 rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/* Uniform in [0, 1). */
static double rnd_unit(void)
{
	return (double)(rnd() >> 11) / (double)(1ULL << 53);
}

static void make_state(struct ga_bitmap *bm)
{
	u64 u;

	for (u = 0; u < (ACCEPTED_END >> UNIT_SHIFT); u++)
		ga_bitmap_clear_unit(bm, u);
	for (; u < (MIXED_END >> UNIT_SHIFT); u++)
		if (rnd() & 1)
			ga_bitmap_clear_unit(bm, u);
}

int main(int argc, char **argv)
{
	u64 queries = argc > 1 ? strtoull(argv[1], NULL, 0) : 1000000;
	u64 seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 1;
	static struct ga_bitmap bm;
	u64 *start, *end, *mem, i, hits = 0;
	double len;

	rng_state = seed ? seed : 1;
	mem = calloc(ga_bitmap_words(NR_UNITS), sizeof(u64));
	start = malloc(queries * sizeof(u64));
	end = malloc(queries * sizeof(u64));
	if (!mem || !start || !end) {
		fprintf(stderr, "ga_query_bench: out of memory\n");
		return 2;
	}
	if (ga_bitmap_init(&bm, 0, MEM_SIZE, UNIT_SHIFT, mem)) {
		fprintf(stderr, "ga_query_bench: bitmap init failed\n");
		return 2;
	}
	make_state(&bm);

	for (i = 0; i < queries; i++) {
		start[i] = rnd() % MEM_SIZE;
		len = exp2(12.0 + 18.0 * rnd_unit());	/* 4 KiB .. 1 GiB */
		end[i] = start[i] + (u64)len;
	}

	for (i = 0; i < queries; i++)
		hits += ga_bitmap_any_unaccepted(&bm, start[i], end[i]);

	printf("ga_query_bench: %llu queries, %llu hit unaccepted memory\n",
	       (unsigned long long)queries, (unsigned long long)hits);
	printf("ga_query_bench: %llu of %llu units unaccepted, seed %llu\n",
	       (unsigned long long)bm.nr_unaccepted,
	       (unsigned long long)NR_UNITS, (unsigned long long)seed);
	free(mem);
	free(start);
	free(end);
	return 0;
}
