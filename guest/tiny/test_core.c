// SPDX-License-Identifier: GPL-2.0
/*
 * test_core.c - the tests that run on every platform: the boot policy, the
 * memory map, the bitmap, the allocator, acceptance (2 MiB, 4 KiB, lazy on
 * touch, the ladder) and conversions. The platform only changes what the
 * counters must say (SNP asks the host before it validates, TDX does not;
 * TDX has nothing to release) and what a view of converted memory shows.
 *
 * Tests that need unaccepted memory take it from the top of the managed
 * range; the allocator hands out from the bottom.
 */
#include "ktap.h"

/* ---- helpers ------------------------------------------------------------- */

u64 tt_stat_delta(const struct ga_stats *s0, size_t off)
{
	const u8 *now = (const u8 *)&tiny_g.stat, *then = (const u8 *)s0;

	return *(const u64 *)(now + off) - *(const u64 *)(then + off);
}

u64 tt_unit_of(u64 gpa)
{
	return (gpa - tiny_g.mem_start) >> TINY_UNIT_SHIFT;
}

u64 tt_unit_gpa(u64 unit)
{
	return tiny_g.mem_start + (unit << TINY_UNIT_SHIFT);
}

bool tt_unaccepted(u64 gpa)
{
	return ga_bitmap_unit_unaccepted(&tiny_g.bm, tt_unit_of(gpa));
}

/* The highest run of @nr unaccepted units; *@gpa is its first byte. */
bool tt_find_unaccepted(u64 *gpa, u32 nr)
{
	u64 u, k;

	for (u = tiny_nr_units(); u >= nr; u--) {
		for (k = u - nr; k < u; k++) {
			if (!ga_bitmap_unit_unaccepted(&tiny_g.bm, k))
				break;
		}
		if (k == u) {
			*gpa = tt_unit_gpa(u - nr);
			return true;
		}
	}
	return false;
}

/* A non-zero pattern word, different for every seed and index. */
u64 tt_pattern(u64 seed, u64 i)
{
	return ((seed + 1) * 0x9e3779b97f4a7c15ULL) ^ (i * 0xbf58476d1ce4e5b9ULL) ^
	       0x1;
}

static u64 *tt_view(u64 gpa, bool shared)
{
	return shared ? tiny_shared(gpa) : tiny_priv(gpa);
}

void tt_fill(u64 gpa, u64 size, u64 seed, bool shared)
{
	u64 *p = tt_view(gpa, shared), i;

	for (i = 0; i < size / 8; i++)
		WRITE_ONCE(p[i], tt_pattern(seed, i));
}

/*
 * The first word of [@gpa, @gpa + @size) that is (@equal) or is not
 * (!@equal) @want(i), or -1 when there is none.
 */
static s64 tt_scan(u64 gpa, u64 size, bool shared, u64 seed, bool zero,
		   bool equal)
{
	u64 *p = tt_view(gpa, shared), i, v, want;

	for (i = 0; i < size / 8; i++) {
		v = READ_ONCE(p[i]);
		want = zero ? 0 : tt_pattern(seed, i);
		if (equal ? v == want : v != want) {
			tiny_printf("#   at 0x%llx: 0x%llx (%s 0x%llx)\n",
				    gpa + i * 8, v,
				    equal ? "the forbidden" : "expected", want);
			return (s64)i;
		}
	}
	return -1;
}

bool tt_check(u64 gpa, u64 size, u64 seed, bool shared)
{
	return tt_scan(gpa, size, shared, seed, false, false) < 0;
}

bool tt_all_zero(u64 gpa, u64 size, bool shared)
{
	return tt_scan(gpa, size, shared, 0, true, false) < 0;
}

/* Does any word of the range hold its pattern word (a leak)? */
bool tt_any_pattern(u64 gpa, u64 size, u64 seed, bool shared)
{
	return tt_scan(gpa, size, shared, seed, false, true) >= 0;
}

/*
 * 1024 pages from the allocator (*@base), and the 2 MiB-aligned 2 MiB
 * inside them (*@gpa). Free with ga_free(&tiny_v, *@base, 1024).
 */
int tt_alloc_aligned_2m(u64 *base, u64 *gpa)
{
	int ret = ga_alloc(&tiny_v, 1024, base);

	if (!ret)
		*gpa = align_up(*base, TINY_2M);
	return ret;
}

/*
 * Accept/release instructions the ladder issues for @size bytes at a 2 MiB
 * boundary, given the fall-backs it took.
 */
static u64 tt_ladder_calls(u64 size, u64 fallbacks, bool release)
{
	if (release && tiny.plat == TINY_TDX)
		return 0;		/* TDX has no release instruction */
	if (tiny_g.force_4k || size < TINY_2M)
		return size >> CCMEM_PAGE_SHIFT;
	return (size >> TINY_UNIT_SHIFT) + fallbacks * CCMEM_PAGES_PER_2M;
}

static bool tt_no_touch(void)
{
	return tiny.plat == TINY_TDX && tiny.ve_disabled;
}

#define TT_NO_TOUCH_REASON						\
	"TDX with SEPT_VE_DISABLE: a touch of unaccepted memory exits to the host, no #VE"

/* ---- boot --------------------------------------------------------------- */

/* The bitmap right after boot is what the policy says, nothing more. */
void test_boot_policy(void)
{
	u64 n = tiny_nr_units(), boot_units = 0, want_un = 0, eager = 0, u;
	bool want;

	if (tiny_g.policy == GA_POLICY_EAGER)
		boot_units = n;
	else if (tiny_g.policy == GA_POLICY_HYBRID)
		boot_units = tiny_g.eager_bytes >> TINY_UNIT_SHIFT;
	tiny_print_units("#   ");
	for (u = 0; u < n; u++) {
		want = !tiny_launch_unit(u) && u >= boot_units;
		want_un += want;
		eager += !want && !tiny_launch_unit(u);
		T_ASSERT(ga_bitmap_unit_unaccepted(&tiny_g.bm, u) == want,
			 "unit %llu (0x%llx) should be %s", u, tt_unit_gpa(u),
			 want ? "unaccepted" : "accepted");
	}
	T_EQ(want_un, tiny_g.bm.nr_unaccepted);
	T_EQ(eager, tiny_g.stat.eager_accepts);
	T_EQ(eager << TINY_UNIT_SHIFT, tiny_g.stat.accepted_bytes);
	T_EQ(0, tiny_g.stat.lazy_accepts);
	T_EQ(0, tiny_g.stat.security_events);
}

static bool tt_in_ram(u64 start, u64 end)
{
	u32 i;

	for (i = 0; i < tiny.nr_e820; i++) {
		if (tiny.e820[i].type == E820_RAM &&
		    tiny.e820[i].addr <= start &&
		    end - tiny.e820[i].addr <= tiny.e820[i].size)
			return true;
	}
	return false;
}

void test_memmap_sane(void)
{
	const struct hvm_memmap_entry *a, *b;
	u64 img = tiny_pa(__image_start), img_end = tiny_pa(__image_end), u;
	u32 i, j;

	T_ASSERT(tiny.nr_e820 > 0, "an empty memory map");
	for (i = 0; i < tiny.nr_e820; i++) {
		a = &tiny.e820[i];
		T_ASSERT(a->size, "entry %u is empty", i);
		for (j = i + 1; j < tiny.nr_e820; j++) {
			b = &tiny.e820[j];
			T_ASSERT(a->addr + a->size <= b->addr ||
				 b->addr + b->size <= a->addr,
				 "entries %u and %u overlap", i, j);
		}
	}
	T_ASSERT(tt_in_ram(img, img_end), "the image is not RAM");
	T_ASSERT(tiny_g.mem_start <= img && img_end <= tiny_g.mem_end,
		 "the image is outside the managed range");
	T_ASSERT(!(tiny_g.mem_start & (TINY_2M - 1)) &&
		 !(tiny_g.mem_end & (TINY_2M - 1)), "unaligned managed range");
	for (u = 0; u < tiny_nr_units(); u++) {
		/* A unit the core may accept must be RAM all through. */
		if (!tiny_launch_unit(u)) {
			T_ASSERT(tt_in_ram(tt_unit_gpa(u), tt_unit_gpa(u + 1)),
				 "unit %llu is not all RAM", u);
			continue;
		}
		T_ASSERT(!ga_bitmap_unit_unaccepted(&tiny_g.bm, u),
			 "launch unit %llu is unaccepted", u);
		/* Taken out of the allocator: reserving it again fails. */
		T_ERR(-GA_EINVAL, ga_guest_reserve(&tiny_g, tt_unit_gpa(u),
						   TINY_2M));
	}
}

/* The lock-free queries agree with the bits, on the real boot state. */
void test_bitmap_query_consistent(void)
{
	u64 n = tiny_nr_units(), count = 0, u, a, b, ua, ub, first, k;
	u64 span = tiny_g.mem_end - tiny_g.mem_start, seed = 12345;
	bool any;
	u32 i;

	for (u = 0; u < n; u++)
		count += ga_bitmap_unit_unaccepted(&tiny_g.bm, u);
	T_EQ(count, tiny_g.bm.nr_unaccepted);
	for (i = 0; i < 256; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		a = tiny_g.mem_start + (seed >> 16) % span;
		b = min_u64(a + 1 + (seed >> 40) % (64ULL << 20), tiny_g.mem_end);
		ua = tt_unit_of(a);
		ub = tt_unit_of(b - 1) + 1;
		first = ub;
		for (k = ua; k < ub; k++) {
			if (ga_bitmap_unit_unaccepted(&tiny_g.bm, k)) {
				first = k;
				break;
			}
		}
		any = ga_bitmap_any_unaccepted(&tiny_g.bm, a, b);
		T_ASSERT(any == (first < ub), "[0x%llx, 0x%llx)", a, b);
		T_EQ(first, ga_bitmap_next_unaccepted(&tiny_g.bm, ua, ub));
	}
	/* Outside the bitmap everything counts as accepted. */
	T_ASSERT(!ga_bitmap_any_unaccepted(&tiny_g.bm, tiny_g.mem_end,
					   tiny_g.mem_end + TINY_2M), "");
}

void test_alloc_free_roundtrip(void)
{
	struct ga_stats s0 = tiny_g.stat;
	u64 gpa, again;

	T_OK(ga_alloc(&tiny_v, 3, &gpa));
	T_ASSERT(!(gpa & (CCMEM_PAGE_SIZE - 1)), "0x%llx", gpa);
	T_ASSERT(!tiny_launch_unit(tt_unit_of(gpa)),
		 "0x%llx lies in a launch unit", gpa);
	T_ASSERT(!ga_bitmap_any_unaccepted(&tiny_g.bm, gpa,
					   gpa + 3 * CCMEM_PAGE_SIZE),
		 "allocated memory at 0x%llx is not accepted", gpa);
	tt_fill(gpa, 3 * CCMEM_PAGE_SIZE, 1, false);
	T_ASSERT(tt_check(gpa, 3 * CCMEM_PAGE_SIZE, 1, false), "");
	T_OK(ga_free(&tiny_v, gpa, 3));
	T_ERR(-GA_EINVAL, ga_free(&tiny_v, gpa, 3));
	T_OK(ga_alloc(&tiny_v, 3, &again));
	T_EQ(gpa, again);
	T_OK(ga_free(&tiny_v, again, 3));
	T_ERR(-GA_EINVAL, ga_alloc(&tiny_v, 0, &again));
	T_EQ(6, DELTA(s0, alloc_pages));
	T_EQ(6, DELTA(s0, free_pages));
}

/*
 * An allocation that ends on a unit boundary accepts its units and the
 * next one (Linux's guard against a load that crosses the end).
 */
void test_alloc_accepts_lazily(void)
{
	struct ga_stats s0;
	u64 f, bound, npages, gpa, want;
	bool guard;

	if (tiny_g.policy == GA_POLICY_EAGER)
		T_SKIP("eager: everything was accepted at boot");
	T_ASSERT(tiny_g.nr_free, "nothing free");
	f = tiny_g.free[0].start << CCMEM_PAGE_SHIFT;
	bound = align_down(f, TINY_2M) + TINY_2M;
	npages = (bound - f) >> CCMEM_PAGE_SHIFT;
	T_ASSERT(tiny_g.free[0].end - tiny_g.free[0].start >= npages,
		 "first free extent too short");
	guard = bound < tiny_g.mem_end;
	want = tt_unaccepted(f) + (guard && tt_unaccepted(bound));
	if (!want)
		T_SKIP("the allocator's first free pages (0x%llx) were accepted at boot",
		       f);
	s0 = tiny_g.stat;
	T_OK(ga_alloc(&tiny_v, npages, &gpa));
	T_EQ(f, gpa);
	T_ASSERT(!tt_unaccepted(f), "0x%llx", f);
	if (guard)
		T_ASSERT(!tt_unaccepted(bound),
			 "the guard unit 0x%llx after an allocation ending on a unit boundary",
			 bound);
	T_EQ(want, DELTA(s0, lazy_accepts));
	T_EQ(0, DELTA(s0, eager_accepts));
	T_EQ(0, DELTA(s0, exception_accepts));
	T_OK(ga_free(&tiny_v, gpa, npages));
}

/* ---- accept ------------------------------------------------------------- */

void test_accept_2m_unit(void)
{
	struct ga_stats s0 = tiny_g.stat;
	u64 gpa, un = tiny_g.bm.nr_unaccepted;

	if (!tt_find_unaccepted(&gpa, 1))
		T_SKIP("no unaccepted unit left");
	T_OK(ga_accept(&tiny_v, gpa, TINY_2M, false));
	T_ASSERT(!tt_unaccepted(gpa), "0x%llx", gpa);
	T_EQ(un - 1, tiny_g.bm.nr_unaccepted);
	T_EQ(1, DELTA(s0, eager_accepts));
	T_EQ(TINY_2M, DELTA(s0, accepted_bytes));
	T_EQ(tt_ladder_calls(TINY_2M, DELTA(s0, fallbacks_4k), false),
	     DELTA(s0, accept_calls));
	if (tiny.plat == TINY_SNP)
		T_ASSERT(DELTA(s0, hypercalls) >= 1,
			 "SNP asks the host (PSC private) before PVALIDATE");
	else
		T_EQ(0, DELTA(s0, hypercalls));
	if (tiny.plat == TINY_TDX)
		T_ASSERT(tt_all_zero(gpa, CCMEM_PAGE_SIZE, false) &&
			 tt_all_zero(gpa + TINY_2M - CCMEM_PAGE_SIZE,
				     CCMEM_PAGE_SIZE, false),
			 "TDG.MEM.PAGE.ACCEPT zeroes the page");
	tt_fill(gpa, CCMEM_PAGE_SIZE, 2, false);
	tt_fill(gpa + TINY_2M - CCMEM_PAGE_SIZE, CCMEM_PAGE_SIZE, 3, false);
	T_ASSERT(tt_check(gpa, CCMEM_PAGE_SIZE, 2, false), "");
	T_ASSERT(tt_check(gpa + TINY_2M - CCMEM_PAGE_SIZE, CCMEM_PAGE_SIZE, 3,
			  false), "");
}

/* Accepting 4 KiB accepts its unit, and only that one. */
void test_accept_4k_range(void)
{
	struct ga_stats s0;
	u64 gpa, mid;
	bool three = tt_find_unaccepted(&gpa, 3);

	if (three)
		mid = gpa + TINY_2M;
	else if (tt_find_unaccepted(&gpa, 1))
		mid = gpa;
	else
		T_SKIP("no unaccepted unit left");
	s0 = tiny_g.stat;
	T_OK(ga_accept(&tiny_v, mid + 5 * CCMEM_PAGE_SIZE, CCMEM_PAGE_SIZE,
		       true));
	T_ASSERT(!tt_unaccepted(mid), "0x%llx", mid);
	if (three) {
		T_ASSERT(tt_unaccepted(mid - TINY_2M), "unit below");
		T_ASSERT(tt_unaccepted(mid + TINY_2M), "unit above");
	}
	T_EQ(1, DELTA(s0, lazy_accepts));
	T_EQ(0, DELTA(s0, eager_accepts));
	T_EQ(0, DELTA(s0, exception_accepts));
	T_EQ(TINY_2M, DELTA(s0, accepted_bytes));
}

/*
 * A plain load and a plain store to unaccepted memory: the platform's
 * exception (SNP #VC 0x404, TDX #VE, the null platform's #PF) reaches the
 * core, which accepts the unit; the instruction then completes.
 */
void test_lazy_accept_on_touch(void)
{
	u64 gpa, t0 = tiny.touch_faults, c0 = tiny.copy_faults, v, *p;
	struct ga_stats s0;

	if (tt_no_touch())
		T_SKIP(TT_NO_TOUCH_REASON);
	if (!tt_find_unaccepted(&gpa, 2))
		T_SKIP("no two unaccepted units left");
	s0 = tiny_g.stat;
	v = READ_ONCE(*(u64 *)tiny_priv(gpa + 0x1238));
	T_ASSERT(!tt_unaccepted(gpa), "0x%llx after a load", gpa);
	T_EQ(1, tiny.touch_faults - t0);
	T_EQ(1, tiny.copy_faults - c0);
	T_EQ(1, DELTA(s0, exception_accepts));
	T_EQ(1, DELTA(s0, lazy_accepts));
	if (tiny.plat == TINY_TDX)
		T_EQ(0, v);

	p = tiny_priv(gpa + TINY_2M + 0x40);
	WRITE_ONCE(*p, 0x70c4ed);
	T_EQ(0x70c4ed, READ_ONCE(*p));
	T_ASSERT(!tt_unaccepted(gpa + TINY_2M), "0x%llx after a store",
		 gpa + TINY_2M);
	T_EQ(2, tiny.touch_faults - t0);
	T_EQ(2, DELTA(s0, exception_accepts));
	T_EQ(0, DELTA(s0, security_events));
}

/* The core's access path: one exception-driven accept per unit, once. */
void test_lazy_accept_counts(void)
{
	struct ga_stats s0, s1;
	u64 gpa[3];
	u8 buf[16];
	u32 i;

	if (tt_no_touch())
		T_SKIP(TT_NO_TOUCH_REASON);
	s0 = tiny_g.stat;
	for (i = 0; i < 3; i++) {
		if (!tt_find_unaccepted(&gpa[i], 1))
			T_SKIP("fewer than three unaccepted units left");
		T_OK(ga_access(&tiny_v, gpa[i] + 64, buf, sizeof(buf), false));
	}
	T_EQ(3, DELTA(s0, exception_accepts));
	T_EQ(3, DELTA(s0, lazy_accepts));
	T_EQ(3 * tt_ladder_calls(TINY_2M, 0, false) +
	     DELTA(s0, fallbacks_4k) * CCMEM_PAGES_PER_2M,
	     DELTA(s0, accept_calls));
	s1 = tiny_g.stat;
	for (i = 0; i < 3; i++)
		T_OK(ga_access(&tiny_v, gpa[i] + 64, buf, sizeof(buf), true));
	T_EQ(0, DELTA(s1, exception_accepts));
	T_EQ(0, DELTA(s1, accept_calls));
	T_EQ(0, DELTA(s1, hypercalls));
}

/* One access across a unit boundary accepts both units. */
void test_access_crosses_units(void)
{
	struct ga_stats s0 = tiny_g.stat;
	u8 buf[64], back[64];
	u64 gpa, at;
	u32 i;

	if (tt_no_touch())
		T_SKIP(TT_NO_TOUCH_REASON);
	if (!tt_find_unaccepted(&gpa, 2))
		T_SKIP("no two unaccepted units left");
	at = gpa + TINY_2M - 32;
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (u8)(0xa5 ^ i);
	T_OK(ga_access(&tiny_v, at, buf, sizeof(buf), true));
	T_ASSERT(!tt_unaccepted(gpa) && !tt_unaccepted(gpa + TINY_2M), "");
	T_EQ(2, DELTA(s0, exception_accepts));
	T_OK(ga_access(&tiny_v, at, back, sizeof(back), false));
	T_ASSERT(!memcmp(buf, back, sizeof(buf)), "read back differs");
	T_ASSERT(!memcmp(buf, tiny_priv(at), sizeof(buf)),
		 "the private view differs");
}

/* Accepting accepted memory costs nothing: no call, no counter moves. */
void test_accept_idempotent_in_bitmap(void)
{
	struct ga_stats s1;
	u64 gpa;

	if (tt_find_unaccepted(&gpa, 1))
		T_OK(ga_accept(&tiny_v, gpa, TINY_2M, false));
	else
		gpa = tt_unit_gpa(tiny_nr_units() - 1);
	s1 = tiny_g.stat;
	T_OK(ga_accept(&tiny_v, gpa, TINY_2M, false));
	T_OK(ga_accept(&tiny_v, gpa + CCMEM_PAGE_SIZE, 2 * CCMEM_PAGE_SIZE,
		       true));
	T_OK(ga_accept(&tiny_v, tiny_g.mem_start, TINY_2M, false));
	T_ASSERT(!memcmp(&s1, &tiny_g.stat, sizeof(s1)),
		 "a second accept of accepted memory moved the counters");
}

/*
 * The host backs a block with 4 KiB pages: the 2 MiB step fails (SNP
 * FAIL_SIZEMISMATCH, TDX PAGE_SIZE_MISMATCH) and the ladder takes 512
 * 4 KiB steps. Staged from the guest: one 4 KiB page of an unaccepted
 * unit goes shared and back to private; on SNP it is also validated and
 * rescinded at 4 KiB, which makes its RMP entry 4 KiB on any host.
 */
void test_fallback_2m_to_4k(void)
{
	const struct ga_platform *plat = tiny_g.plat;
	struct ga_insn in = { .op = GA_INSN_PVALIDATE };
	struct ga_stats s0;
	u64 gpa, page;

	if (tiny.plat == TINY_NULL)
		T_SKIP("the null platform has no host to back a block with 4 KiB pages");
	if (tiny_g.force_4k)
		T_SKIP("ccmem.force4k=1: the ladder never tries 2 MiB");
	if (!tt_find_unaccepted(&gpa, 1))
		T_SKIP("no unaccepted unit left");
	page = gpa + 7 * CCMEM_PAGE_SIZE;
	T_OK(plat->request(&tiny_v, page, CCMEM_PAGE_SIZE, true));
	T_OK(plat->request(&tiny_v, page, CCMEM_PAGE_SIZE, false));
	if (tiny.plat == TINY_SNP) {
		in.gpa = page;
		in.rdx = 1;
		T_OK(tiny_env_ops.insn(NULL, &in));
		T_ASSERT(!in.rax && !in.cf, "PVALIDATE 4K: rax %llu cf %d",
			 in.rax, in.cf);
		in.rdx = 0;
		T_OK(tiny_env_ops.insn(NULL, &in));
		T_ASSERT(!in.rax && !in.cf, "rescind 4K: rax %llu cf %d",
			 in.rax, in.cf);
	}
	s0 = tiny_g.stat;
	T_OK(ga_accept(&tiny_v, gpa, TINY_2M, true));
	T_ASSERT(!tt_unaccepted(gpa), "0x%llx", gpa);
	if (tiny.plat == TINY_TDX && !DELTA(s0, fallbacks_4k))
		T_SKIP("the host mapped the block whole again after the MapGPA round trip");
	T_EQ(1, DELTA(s0, fallbacks_4k));
	T_EQ(1 + CCMEM_PAGES_PER_2M, DELTA(s0, accept_calls));
	tt_fill(page, CCMEM_PAGE_SIZE, 4, false);
	T_ASSERT(tt_check(page, CCMEM_PAGE_SIZE, 4, false), "");
}

/* ccmem.force4k: 512 steps of 4 KiB, no 2 MiB attempt (no fall-back). */
void test_force_4k_ladder(void)
{
	bool old = tiny_g.force_4k;
	struct ga_stats s0;
	u64 gpa;
	int ret;

	if (!tt_find_unaccepted(&gpa, 1))
		T_SKIP("no unaccepted unit left");
	s0 = tiny_g.stat;
	tiny_g.force_4k = true;
	ret = ga_accept(&tiny_v, gpa, TINY_2M, false);
	tiny_g.force_4k = old;
	T_OK(ret);
	T_ASSERT(!tt_unaccepted(gpa), "0x%llx", gpa);
	T_EQ(CCMEM_PAGES_PER_2M, DELTA(s0, accept_calls));
	T_EQ(0, DELTA(s0, fallbacks_4k));
	if (tiny.plat == TINY_SNP && tiny_g.msr_protocol) {
		T_EQ(CCMEM_PAGES_PER_2M, DELTA(s0, hypercalls));
	} else if (tiny.plat == TINY_SNP) {
		/* 512 4 KiB entries: 253 + 253 + 6 per NAE request. */
		T_EQ(CCMEM_PAGES_PER_2M, DELTA(s0, convert_entries));
		T_EQ(3 + DELTA(s0, convert_reissues), DELTA(s0, hypercalls));
	} else {
		T_EQ(0, DELTA(s0, hypercalls));
	}
}

/* ---- convert ------------------------------------------------------------ */

/* Entries the conversion client sends for @size bytes at @gpa. */
static u64 tt_convert_entries(u64 gpa, u64 size)
{
	u64 end = gpa + size, n = 0;

	if (tiny.plat == TINY_TDX)
		return 1;		/* one MapGPA range */
	if (tiny.plat != TINY_SNP)
		return 0;
	if (tiny_g.msr_protocol || tiny_g.force_4k)
		return size >> CCMEM_PAGE_SHIFT;
	while (gpa < end) {
		if (!(gpa & (TINY_2M - 1)) && end - gpa >= TINY_2M)
			gpa += TINY_2M;
		else
			gpa += CCMEM_PAGE_SIZE;
		n++;
	}
	return n;
}

/* The core scrubs before the host may see a page: no secret leaks. */
void test_convert_private_to_shared_contents(void)
{
	struct ga_stats s0;
	u64 p;

	T_OK(ga_alloc(&tiny_v, 1, &p));
	tt_fill(p, CCMEM_PAGE_SIZE, 0x5ec2e7, false);
	T_ASSERT(tt_check(p, CCMEM_PAGE_SIZE, 0x5ec2e7, false), "");
	s0 = tiny_g.stat;
	T_OK(ga_convert(&tiny_v, p, CCMEM_PAGE_SIZE, true));
	T_EQ(1, DELTA(s0, to_shared));
	T_EQ(tt_convert_entries(p, CCMEM_PAGE_SIZE), DELTA(s0, convert_entries));
	T_ASSERT(!tt_any_pattern(p, CCMEM_PAGE_SIZE, 0x5ec2e7, true),
		 "the shared view shows the secret");
	if (tiny.plat == TINY_NULL)
		T_ASSERT(tt_all_zero(p, CCMEM_PAGE_SIZE, true),
			 "one memory behind both views: the scrub must show");
	T_OK(ga_convert(&tiny_v, p, CCMEM_PAGE_SIZE, false));
	T_OK(ga_free(&tiny_v, p, 1));
}

/*
 * What the host wrote into a shared page does not come back as private
 * data: TDX accepts zeroed pages; on SNP the core promises nothing about
 * the content, only that the host's bytes are not what the guest reads
 * (the private page is another page, or the same one under the guest's
 * key). The null platform has one memory behind both views.
 */
void test_convert_shared_to_private_roundtrip(void)
{
	struct ga_stats s0;
	u64 p, seed = 0x5a5a;

	T_OK(ga_alloc(&tiny_v, 1, &p));
	T_OK(ga_convert(&tiny_v, p, CCMEM_PAGE_SIZE, true));
	tt_fill(p, CCMEM_PAGE_SIZE, seed, true);
	T_ASSERT(tt_check(p, CCMEM_PAGE_SIZE, seed, true), "shared view");
	s0 = tiny_g.stat;
	T_OK(ga_convert(&tiny_v, p, CCMEM_PAGE_SIZE, false));
	T_EQ(1, DELTA(s0, to_private));
	T_EQ(tt_ladder_calls(CCMEM_PAGE_SIZE, 0, false),
	     DELTA(s0, accept_calls));
	switch (tiny.plat) {
	case TINY_NULL:
		T_ASSERT(tt_check(p, CCMEM_PAGE_SIZE, seed, false),
			 "null platform: the private view is the same memory");
		break;
	case TINY_TDX:
		T_ASSERT(tt_all_zero(p, CCMEM_PAGE_SIZE, false),
			 "TDG.MEM.PAGE.ACCEPT zeroes the page");
		break;
	case TINY_SNP:
		T_ASSERT(!tt_any_pattern(p, CCMEM_PAGE_SIZE, seed, false),
			 "the host's bytes read back as private data");
		break;
	}
	tt_fill(p, CCMEM_PAGE_SIZE, seed + 1, false);
	T_ASSERT(tt_check(p, CCMEM_PAGE_SIZE, seed + 1, false), "private");
	T_OK(ga_free(&tiny_v, p, 1));
}

void test_convert_2m(void)
{
	struct ga_stats s0, s1;
	u64 base, b;

	T_OK(tt_alloc_aligned_2m(&base, &b));
	tt_fill(b, CCMEM_PAGE_SIZE, 5, false);
	s0 = tiny_g.stat;
	T_OK(ga_convert(&tiny_v, b, TINY_2M, true));
	T_EQ(CCMEM_PAGES_PER_2M, DELTA(s0, to_shared));
	T_EQ(tt_ladder_calls(TINY_2M, DELTA(s0, fallbacks_4k), true),
	     DELTA(s0, accept_calls));
	T_EQ(tt_convert_entries(b, TINY_2M), DELTA(s0, convert_entries));
	if (tiny.plat == TINY_NULL)
		T_ASSERT(tt_all_zero(b, TINY_2M, true), "scrubbed");
	else
		T_ASSERT(!tt_any_pattern(b, CCMEM_PAGE_SIZE, 5, true),
			 "the shared view shows the secret");
	s1 = tiny_g.stat;
	T_OK(ga_convert(&tiny_v, b, TINY_2M, false));
	T_EQ(CCMEM_PAGES_PER_2M, DELTA(s1, to_private));
	T_EQ(tt_ladder_calls(TINY_2M, DELTA(s1, fallbacks_4k), false),
	     DELTA(s1, accept_calls));
	T_EQ(tt_convert_entries(b, TINY_2M), DELTA(s1, convert_entries));
	tt_fill(b, TINY_2M, 6, false);
	T_ASSERT(tt_check(b, TINY_2M, 6, false), "");
	T_OK(ga_free(&tiny_v, base, 1024));
}

/* 64 separate pages: 64 records in the shared list, all dropped again. */
void test_convert_many_small(void)
{
	u32 n0 = tiny_g.nr_shared, i;
	struct ga_stats s0;
	u64 a;

	T_OK(ga_alloc(&tiny_v, 128, &a));
	s0 = tiny_g.stat;
	for (i = 0; i < 64; i++)
		T_OK(ga_convert(&tiny_v, a + 2 * i * CCMEM_PAGE_SIZE,
				CCMEM_PAGE_SIZE, true));
	T_EQ(n0 + 64, tiny_g.nr_shared);
	T_EQ(64, DELTA(s0, to_shared));
	if (tiny.plat != TINY_NULL)
		T_ASSERT(DELTA(s0, hypercalls) >= 64, "one request per page");
	for (i = 0; i < 64; i++)
		T_OK(ga_convert(&tiny_v, a + 2 * i * CCMEM_PAGE_SIZE,
				CCMEM_PAGE_SIZE, false));
	T_EQ(n0, tiny_g.nr_shared);
	T_EQ(64, DELTA(s0, to_private));
	tt_fill(a, 128 * CCMEM_PAGE_SIZE, 7, false);
	T_ASSERT(tt_check(a, 128 * CCMEM_PAGE_SIZE, 7, false), "");
	T_OK(ga_free(&tiny_v, a, 128));
}

/* 32 pages across a 2 MiB boundary, both ways. */
void test_convert_range_crossing_units(void)
{
	u64 base, b, bound, r, size = 32 * CCMEM_PAGE_SIZE;
	struct ga_stats s0;

	T_OK(tt_alloc_aligned_2m(&base, &b));
	bound = b + TINY_2M + size / 2 <= base + 1024 * CCMEM_PAGE_SIZE ?
		b + TINY_2M : b;
	r = bound - size / 2;
	T_ASSERT(r >= base, "");
	tt_fill(r, size, 8, false);
	s0 = tiny_g.stat;
	T_OK(ga_convert(&tiny_v, r, size, true));
	T_EQ(32, DELTA(s0, to_shared));
	T_EQ(tt_convert_entries(r, size), DELTA(s0, convert_entries));
	T_ASSERT(!tt_any_pattern(r, size, 8, true), "the secret leaked");
	T_OK(ga_convert(&tiny_v, r, size, false));
	T_EQ(32, DELTA(s0, to_private));
	if (tiny.plat == TINY_SNP)
		T_ASSERT(!tt_any_pattern(r, size, 8, false), "stale data");
	else
		T_ASSERT(tt_all_zero(r, size, false),
			 "scrubbed (null) or zeroed by ACCEPT (TDX)");
	T_OK(ga_free(&tiny_v, base, 1024));
}

/* What the guest's own records forbid fails before any platform call. */
void test_convert_bookkeeping_rejects(void)
{
	struct ga_stats s0;
	u64 p, un;

	T_OK(ga_alloc(&tiny_v, 2, &p));
	s0 = tiny_g.stat;
	T_ERR(-GA_EINVAL, ga_convert(&tiny_v, p + 1, CCMEM_PAGE_SIZE, true));
	T_ERR(-GA_EINVAL, ga_convert(&tiny_v, p, 0, true));
	T_ERR(-GA_EINVAL, ga_convert(&tiny_v, p, CCMEM_PAGE_SIZE, false));
	T_ERR(-GA_EINVAL, ga_convert(&tiny_v, tiny_g.mem_end, CCMEM_PAGE_SIZE,
				     true));
	if (tt_find_unaccepted(&un, 1))
		T_ERR(-GA_EINVAL, ga_convert(&tiny_v, un, CCMEM_PAGE_SIZE,
					     true));
	T_EQ(0, DELTA(s0, hypercalls));
	T_EQ(0, DELTA(s0, accept_calls));
	T_OK(ga_convert(&tiny_v, p, CCMEM_PAGE_SIZE, true));
	T_ERR(-GA_EINVAL, ga_convert(&tiny_v, p, CCMEM_PAGE_SIZE, true));
	T_ERR(-GA_EINVAL, ga_convert(&tiny_v, p, 2 * CCMEM_PAGE_SIZE, false));
	T_OK(ga_convert(&tiny_v, p, CCMEM_PAGE_SIZE, false));
	T_EQ(1, DELTA(s0, to_shared));
	T_EQ(1, DELTA(s0, to_private));
	T_EQ(0, DELTA(s0, security_events));
	T_OK(ga_free(&tiny_v, p, 2));
}

/* ---- alloc -------------------------------------------------------------- */

static struct ga_range tt_free_copy[GA_MAX_FREE_EXTENTS];

/*
 * Take everything, largest free extent first, until ENOMEM; give it all
 * back and find the free list as it was. Under lazy acceptance every
 * page handed out is accepted first, so nothing is left unaccepted.
 */
void test_alloc_exhaust_then_free(void)
{
	u32 nr0 = tiny_g.nr_free, n = 0, i;
	u64 got[64], size[64], big, x;

	memcpy(tt_free_copy, tiny_g.free, nr0 * sizeof(tt_free_copy[0]));
	for (;;) {
		big = 0;
		for (i = 0; i < tiny_g.nr_free; i++)
			big = max_u64(big, tiny_g.free[i].end - tiny_g.free[i].start);
		if (!big)
			break;
		T_ASSERT(n < ARRAY_SIZE(got), "too many free extents");
		T_OK(ga_alloc(&tiny_v, big, &got[n]));
		size[n++] = big;
	}
	T_ERR(-GA_ENOMEM, ga_alloc(&tiny_v, 1, &x));
	T_EQ(0, tiny_g.nr_free);
	T_EQ(0, tiny_g.bm.nr_unaccepted);
	for (i = 0; i < n; i++)
		T_OK(ga_free(&tiny_v, got[i], size[i]));
	T_EQ(nr0, tiny_g.nr_free);
	T_ASSERT(!memcmp(tt_free_copy, tiny_g.free,
			 nr0 * sizeof(tt_free_copy[0])),
		 "the free list differs after freeing everything");
}
