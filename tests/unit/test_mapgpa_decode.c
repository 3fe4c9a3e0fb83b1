// SPDX-License-Identifier: GPL-2.0
/*
 * test_mapgpa_decode.c - the TDX host's MapGPA decoder: every rule with
 * its exact status and its place in the order, the edges of the GPA width
 * and of the shared bit for GPAW 48 and 52, the chunks, the RETRY and
 * error replies (R10, R11), and the guest's resume check. Each test drives
 * the decoder the way the host module does: registers in, registers out.
 */
#include "unit.h"
#include "../../host/kvm-tdx/mapgpa_decode.h"

#define PG		CCMEM_PAGE_SIZE
#define S48		TDX_SHARED_BIT(TDX_GPAW_48)	/* bit 47 */
#define S52		TDX_SHARED_BIT(TDX_GPAW_52)	/* bit 51 */
#define TOP48		(1ULL << 48)
#define TOP52		(1ULL << 52)

#define OK		TDVMCALL_STATUS_SUCCESS
#define RETRY		TDVMCALL_STATUS_RETRY
#define INVAL		TDVMCALL_STATUS_INVALID_OPERAND
#define ALIGN		TDVMCALL_STATUS_ALIGN_ERROR

static const char *status_name(u64 s)
{
	switch (s) {
	case OK:	return "SUCCESS";
	case RETRY:	return "RETRY";
	case INVAL:	return "INVALID_OPERAND";
	case ALIGN:	return "ALIGN_ERROR";
	case TDVMCALL_STATUS_GPA_INUSE:	return "GPA_INUSE";
	case TDVMCALL_STATUS_SUBFUNC_UNSUPPORTED: return "SUBFUNC_UNSUPPORTED";
	}
	return "(not a TDVMCALL status)";
}

#define ASSERT_STATUS(expected, actual)					\
	do {								\
		u64 __es = (expected), __as = (actual);			\
		if (__es != __as)					\
			UNIT_FAIL("%s: expected %s, got %s (0x%llx)",	\
				  #actual, status_name(__es),		\
				  status_name(__as),			\
				  (unsigned long long)__as);		\
	} while (0)

/* The registers of one call, as the host module hands them over. */
static void call_regs(u64 *r, u64 gpa, u64 size)
{
	memset(r, 0, 8 * sizeof(*r));
	r[TDX_HC_R10] = 0;
	r[TDX_HC_R11] = TDVMCALL_MAP_GPA;
	r[TDX_HC_R12] = gpa;
	r[TDX_HC_R13] = size;
}

static u64 decode(u64 gpa, u64 size, unsigned int gpaw, struct mapgpa_req *req)
{
	u64 r[8];

	call_regs(r, gpa, size);
	return mapgpa_decode(r, gpaw, req);
}

/* The registers of a call the test needs accepted, decoded into @req. */
static void accept_call(u64 *r, u64 gpa, u64 size, unsigned int gpaw,
			struct mapgpa_req *req)
{
	call_regs(r, gpa, size);
	ASSERT_STATUS(OK, mapgpa_decode(r, gpaw, req));
}

/* --- the rules, one row each --------------------------------------------- */

struct decode_case {
	const char *what;
	unsigned int gpaw;
	u64 gpa, size;
	u64 status;
	/* When status is OK: */
	u64 gfn, npages;
	bool to_shared;
};

/* A row the decoder accepts, and one it refuses with @st. */
#define GOOD(w, width, r12, r13, g, n, sh)				\
	{ .what = (w), .gpaw = (width), .gpa = (r12), .size = (r13),	\
	  .status = OK, .gfn = (g), .npages = (n), .to_shared = (sh) }
#define BAD(w, width, r12, r13, st)					\
	{ .what = (w), .gpaw = (width), .gpa = (r12), .size = (r13),	\
	  .status = (st) }

static const struct decode_case cases[] = {
	/* Plain requests. */
	GOOD("private 1 page", 48, 0x1000, PG, 1, 1, false),
	GOOD("shared 2 pages", 48, S48 | 0x1000, 2 * PG, 1, 2, true),
	GOOD("private at gpa 0", 48, 0, PG, 0, 1, false),
	GOOD("shared at the shared bit", 48, S48, PG, 0, 1, true),
	GOOD("52: private 2 MiB", 52, 0x200000, 0x200000, 0x200, 512, false),
	GOOD("52: shared 1 page", 52, S52 | 0x5000, PG, 5, 1, true),

	/* Rule 1: the GPA width is 48 or 52. */
	BAD("gpaw 0", 0, 0x1000, PG, INVAL),
	BAD("gpaw 47", 47, 0x1000, PG, INVAL),
	BAD("gpaw 53", 53, 0x1000, PG, INVAL),
	BAD("gpaw 64", 64, 0x1000, PG, INVAL),

	/* Rule 2: not empty, no wrap. */
	BAD("size 0", 48, 0x1000, 0, INVAL),
	BAD("size 0 at an unaligned gpa", 48, 0x1001, 0, INVAL),
	BAD("size 0 shared", 48, S48, 0, INVAL),
	BAD("wraps to exactly 2^64", 48, 0x1000, 0 - PG, INVAL),
	/* The end wraps below the width, same side of the bit: only rule 2. */
	BAD("wraps to a low gpa", 48, 0x2000, 0 - PG, INVAL),
	BAD("wraps from the top", 48, 0 - PG, 2 * PG, INVAL),

	/* Rule 3: inside the GPA width, no reserved bit. */
	GOOD("48: last page of the width", 48, TOP48 - PG, PG,
	     (S48 - PG) >> 12, 1, true),
	BAD("48: one page past the width", 48, TOP48 - PG, 2 * PG, INVAL),
	BAD("48: starts at 2^48", 48, TOP48, PG, INVAL),
	BAD("48: bit 48 in start", 48, TOP48 | 0x1000, PG, INVAL),
	BAD("48: bit 63 in start", 48, (1ULL << 63) | 0x1000, PG, INVAL),
	BAD("48: bits 51:48 in start", 48, 0xfULL << 48, PG, INVAL),
	GOOD("52: bit 48 is an address bit", 52, TOP48, PG, TOP48 >> 12, 1,
	     false),
	GOOD("52: bit 47 is an address bit", 52, S48, PG, S48 >> 12, 1, false),
	GOOD("52: last page of the width", 52, TOP52 - PG, PG,
	     (S52 - PG) >> 12, 1, true),
	BAD("52: one page past the width", 52, TOP52 - PG, 2 * PG, INVAL),
	BAD("52: bit 52 in start", 52, TOP52 | 0x1000, PG, INVAL),
	/* Past the width with both ends agreeing on the shared bit. */
	BAD("48: private past the width", 48, 0x1000, TOP48, INVAL),
	BAD("48: shared past the width", 48, TOP48 - PG, S48 + PG, INVAL),
	BAD("52: shared past the width", 52, S52, TOP52, INVAL),
	BAD("a huge size that does not wrap", 48, 0, 0 - PG, INVAL),

	/* Rule 4: one side of the shared bit. */
	GOOD("48: private up to the shared bit", 48, S48 - PG, PG,
	     (S48 - PG) >> 12, 1, false),
	GOOD("48: all private memory", 48, 0, S48, 0, S48 >> 12, false),
	GOOD("48: all shared memory", 48, S48, S48, 0, S48 >> 12, true),
	BAD("48: crosses the shared bit", 48, S48 - PG, 2 * PG, INVAL),
	BAD("48: private start to the width's end", 48, 0, TOP48, INVAL),
	GOOD("52: private up to the shared bit", 52, S52 - 2 * PG, 2 * PG,
	     (S52 - 2 * PG) >> 12, 2, false),
	BAD("52: crosses the shared bit", 52, S52 - PG, 2 * PG, INVAL),

	/* Rule 5: 4 KiB alignment, checked last. */
	BAD("gpa not aligned", 48, 0x1001, PG, ALIGN),
	BAD("gpa 2 KiB aligned", 48, 0x1800, PG, ALIGN),
	BAD("size not aligned", 48, 0x1000, 0x800, ALIGN),
	BAD("size one byte", 48, 0x1000, 1, ALIGN),
	BAD("both not aligned", 48, 0x1001, 0xfff, ALIGN),
	BAD("shared with an unaligned size", 48, S48 | 0x1000, PG + 1, ALIGN),
	BAD("unaligned last byte of private memory", 48, S48 - 0x800, 0x800,
	    ALIGN),

	/* The order: rules 2-4 come before alignment. */
	BAD("unaligned and past the width", 48, TOP48 - 0x800, PG, INVAL),
	BAD("unaligned and crossing", 48, S48 - 0x800, PG, INVAL),
	BAD("unaligned and wrapping", 48, 0 - 0x800ULL, PG, INVAL),
	BAD("unaligned and reserved bits", 48, TOP48 | 0x10, 0x10, INVAL),
};

/* Check one row; a failure names the row, its registers and the field. */
static void check_case(const struct decode_case *c)
{
	struct mapgpa_req req;
	u64 st = decode(c->gpa, c->size, c->gpaw, &req);

#define CASE_FAIL(fmt, ...)						\
	UNIT_FAIL("\"%s\" (gpaw %u, R12 0x%llx, R13 0x%llx): " fmt,	\
		  c->what, c->gpaw, (unsigned long long)c->gpa,		\
		  (unsigned long long)c->size, ##__VA_ARGS__)

	if (st != c->status)
		CASE_FAIL("expected %s, got %s", status_name(c->status),
			  status_name(st));
	if (req.gpa != c->gpa)
		CASE_FAIL("req.gpa 0x%llx is not R12",
			  (unsigned long long)req.gpa);
	if (st != OK) {
		if (req.gfn || req.npages || req.to_shared)
			CASE_FAIL("a refused request has gfn 0x%llx npages %llu to_shared %d",
				  (unsigned long long)req.gfn,
				  (unsigned long long)req.npages, req.to_shared);
		return;
	}
	if (req.gfn != c->gfn || req.npages != c->npages ||
	    req.to_shared != c->to_shared)
		CASE_FAIL("expected gfn 0x%llx npages %llu %s, got gfn 0x%llx npages %llu %s",
			  (unsigned long long)c->gfn,
			  (unsigned long long)c->npages,
			  c->to_shared ? "to shared" : "to private",
			  (unsigned long long)req.gfn,
			  (unsigned long long)req.npages,
			  req.to_shared ? "to shared" : "to private");
#undef CASE_FAIL
}

UNIT_TEST(decode_table)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		check_case(&cases[i]);
}

/* Only R12 and R13 count: the other registers do not change a thing. */
UNIT_TEST(decode_reads_only_r12_r13)
{
	struct mapgpa_req req;
	u64 r[8];

	memset(r, 0xff, sizeof(r));
	r[TDX_HC_R12] = S48 | 0x3000;
	r[TDX_HC_R13] = 4 * PG;
	ASSERT_STATUS(OK, mapgpa_decode(r, TDX_GPAW_48, &req));
	ASSERT_EQ(3, req.gfn);
	ASSERT_EQ(4, req.npages);
	ASSERT_TRUE(req.to_shared);
	ASSERT_EQ(S48 | 0x3000, r[TDX_HC_R12]);	/* the call is not changed */
	ASSERT_EQ(4 * PG, r[TDX_HC_R13]);
}

/* A refused call: R10 = the status, R11 = R12 exactly as given (KVM). */
UNIT_TEST(decode_error_reply_names_r12)
{
	static const struct { u64 gpa, size, status; } bad[] = {
		{ 0x1001, PG, ALIGN },
		{ S48 | 0x1800, PG, ALIGN },
		{ S48 - PG, 2 * PG, INVAL },
		{ TOP48 | 0x1000, PG, INVAL },
		{ 0x1000, 0, INVAL },
	};
	struct mapgpa_req req;
	unsigned int i;
	u64 r[8], st;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		call_regs(r, bad[i].gpa, bad[i].size);
		st = mapgpa_decode(r, TDX_GPAW_48, &req);
		ASSERT_STATUS(bad[i].status, st);
		mapgpa_reply_error(&req, 0, st, r);
		ASSERT_STATUS(bad[i].status, r[TDX_HC_R10]);
		ASSERT_EQ(bad[i].gpa, r[TDX_HC_R11]);
	}
}

/* --- chunks ---------------------------------------------------------------- */

/* The chunk after @done pages is [@gfn, @gfn + @npages); 0 pages: none. */
static void expect_chunk(const struct mapgpa_req *req, u64 done, u64 limit,
			 u64 gfn, u64 npages)
{
	struct mapgpa_chunk c;
	bool more = mapgpa_next_chunk(req, done, limit, &c);

	ASSERT_EQ(npages != 0, more);
	ASSERT_EQ(gfn, c.gfn);
	ASSERT_EQ(npages, c.npages);
}

UNIT_TEST(chunks_cover_the_request_in_order)
{
	struct mapgpa_req req;

	ASSERT_STATUS(OK, decode(S48 | 0x10000, 5 * PG, TDX_GPAW_48, &req));
	expect_chunk(&req, 0, 2, 0x10, 2);
	expect_chunk(&req, 2, 2, 0x12, 2);
	expect_chunk(&req, 4, 2, 0x14, 1);		/* the tail */
	expect_chunk(&req, 5, 2, 0x15, 0);		/* all done */
}

UNIT_TEST(chunk_limits)
{
	struct mapgpa_req req;

	ASSERT_STATUS(OK, decode(0, 1024 * PG, TDX_GPAW_52, &req));
	/* KVM's 2 MiB. */
	expect_chunk(&req, 0, MAPGPA_CHUNK_PAGES_DEFAULT, 0, 512);
	/* No limit: the whole rest at once. */
	expect_chunk(&req, 24, ~0ULL, 24, 1000);
	/* A limit of 0 still makes progress. */
	expect_chunk(&req, 7, 0, 7, 1);
	/* A limit past the end is cut to the end. */
	expect_chunk(&req, 1023, 512, 1023, 1);
	/* Done past the end (a host bug): nothing, not a wrapped count. */
	expect_chunk(&req, 5000, 512, 1024, 0);
}

/* The largest request: all shared memory of a GPAW 52 TD, 2^39 pages. */
UNIT_TEST(chunk_of_the_largest_request)
{
	struct mapgpa_req req;
	u64 n = S52 >> 12;

	ASSERT_STATUS(OK, decode(S52, S52, TDX_GPAW_52, &req));
	ASSERT_EQ(n, req.npages);
	expect_chunk(&req, n - 1, 512, n - 1, 1);
	expect_chunk(&req, n, 512, n, 0);
}

/* --- replies --------------------------------------------------------------- */

UNIT_TEST(success_reply_leaves_r11)
{
	struct mapgpa_req req;
	u64 r[8];

	accept_call(r, S48 | 0x4000, 3 * PG, TDX_GPAW_48, &req);
	r[TDX_HC_R10] = 0xdead;
	ASSERT_STATUS(OK, mapgpa_reply_progress(&req, 3, r));
	ASSERT_STATUS(OK, r[TDX_HC_R10]);
	ASSERT_EQ(TDVMCALL_MAP_GPA, r[TDX_HC_R11]);
	ASSERT_EQ(S48 | 0x4000, r[TDX_HC_R12]);
	ASSERT_EQ(3 * PG, r[TDX_HC_R13]);
}

/* RETRY names the first page not done, shared bit as the guest gave it. */
UNIT_TEST(retry_reply_carries_the_shared_bit)
{
	struct mapgpa_req req;
	u64 r[8];

	accept_call(r, S48 | 0x4000, 3 * PG, TDX_GPAW_48, &req);
	ASSERT_STATUS(RETRY, mapgpa_reply_progress(&req, 1, r));
	ASSERT_STATUS(RETRY, r[TDX_HC_R10]);
	ASSERT_EQ(S48 | 0x5000, r[TDX_HC_R11]);
	ASSERT_TRUE(mapgpa_resume_ok(S48 | 0x4000, 3 * PG, r[TDX_HC_R11]));

	/* A private request's resume GPA has no shared bit. */
	accept_call(r, 0x4000, 3 * PG, TDX_GPAW_52, &req);
	ASSERT_STATUS(RETRY, mapgpa_reply_progress(&req, 2, r));
	ASSERT_EQ(0x6000, r[TDX_HC_R11]);
}

/* The last page below the shared bit: RETRY stays inside, never at S. */
UNIT_TEST(retry_at_the_last_page_below_the_shared_bit)
{
	struct mapgpa_req req;
	u64 r[8];

	accept_call(r, S48 - 2 * PG, 2 * PG, TDX_GPAW_48, &req);
	ASSERT_STATUS(RETRY, mapgpa_reply_progress(&req, 1, r));
	ASSERT_EQ(S48 - PG, r[TDX_HC_R11]);
	ASSERT_TRUE(mapgpa_resume_ok(S48 - 2 * PG, 2 * PG, r[TDX_HC_R11]));
	ASSERT_STATUS(OK, mapgpa_reply_progress(&req, 2, r));

	/* And at the top of the width for a shared one. */
	accept_call(r, TOP52 - 2 * PG, 2 * PG, TDX_GPAW_52, &req);
	ASSERT_STATUS(RETRY, mapgpa_reply_progress(&req, 1, r));
	ASSERT_EQ(TOP52 - PG, r[TDX_HC_R11]);
}

/*
 * A whole request served the host's way, RETRY after every chunk: each
 * resume GPA is accepted by the guest's check, moves strictly forward,
 * and the guest's next call decodes to exactly the rest.
 */
UNIT_TEST(retry_round_trip_moves_forward)
{
	u64 start = S52 | 0x7000, size = 11 * PG, end = start + size;
	u64 gpa = start, prev = 0, r[8], done, rounds = 0;
	struct mapgpa_req req, first;
	struct mapgpa_chunk c;

	ASSERT_STATUS(OK, decode(start, size, TDX_GPAW_52, &first));
	for (;;) {
		call_regs(r, gpa, end - gpa);
		ASSERT_STATUS(OK, mapgpa_decode(r, TDX_GPAW_52, &req));
		ASSERT_EQ(first.gfn + ((gpa - start) >> 12), req.gfn);
		ASSERT_EQ((end - gpa) >> 12, req.npages);
		ASSERT_TRUE(req.to_shared);
		done = 0;
		ASSERT_TRUE(mapgpa_next_chunk(&req, done, 3, &c));
		done += c.npages;
		if (mapgpa_reply_progress(&req, done, r) == OK)
			break;
		ASSERT_STATUS(RETRY, r[TDX_HC_R10]);
		ASSERT_TRUE(mapgpa_resume_ok(gpa, end - gpa, r[TDX_HC_R11]));
		ASSERT_TRUE(r[TDX_HC_R11] > gpa);
		ASSERT_TRUE(r[TDX_HC_R11] > prev);
		ASSERT_EQ(S52, r[TDX_HC_R11] & S52);
		prev = r[TDX_HC_R11];
		gpa = r[TDX_HC_R11];
		ASSERT_TRUE(++rounds < 10);
	}
	ASSERT_EQ(3, rounds);			/* 3 + 3 + 3 + 2 pages */
	ASSERT_STATUS(OK, r[TDX_HC_R10]);
}

/* RETRY before any progress is legal but does not move: R11 = R12. */
UNIT_TEST(retry_without_progress_names_the_start)
{
	struct mapgpa_req req;
	u64 r[8];

	accept_call(r, S48 | 0x9000, 2 * PG, TDX_GPAW_48, &req);
	ASSERT_STATUS(RETRY, mapgpa_reply_progress(&req, 0, r));
	ASSERT_EQ(S48 | 0x9000, r[TDX_HC_R11]);
}

/* The VMM refused a chunk: INVALID_OPERAND naming that chunk's GPA. */
UNIT_TEST(error_reply_names_the_failed_chunk)
{
	struct mapgpa_req req;
	u64 r[8];

	accept_call(r, S48 | 0x100000, 16 * PG, TDX_GPAW_48, &req);
	mapgpa_reply_error(&req, 8, INVAL, r);
	ASSERT_STATUS(INVAL, r[TDX_HC_R10]);
	ASSERT_EQ(S48 | 0x108000, r[TDX_HC_R11]);
	/* Another error code goes through as it is. */
	mapgpa_reply_error(&req, 0, TDVMCALL_STATUS_GPA_INUSE, r);
	ASSERT_STATUS(TDVMCALL_STATUS_GPA_INUSE, r[TDX_HC_R10]);
	ASSERT_EQ(S48 | 0x100000, r[TDX_HC_R11]);
	/* Past the end (a host bug) is cut to the end, never beyond. */
	mapgpa_reply_error(&req, 100, INVAL, r);
	ASSERT_EQ(S48 | 0x110000, r[TDX_HC_R11]);
}

/* An error path can never report success or RETRY. */
UNIT_TEST(error_reply_never_says_success)
{
	struct mapgpa_req req;
	u64 r[8];

	accept_call(r, 0x1000, PG, TDX_GPAW_48, &req);
	mapgpa_reply_error(&req, 0, OK, r);
	ASSERT_STATUS(INVAL, r[TDX_HC_R10]);
	mapgpa_reply_error(&req, 0, RETRY, r);
	ASSERT_STATUS(INVAL, r[TDX_HC_R10]);
	mapgpa_reply_error(&req, 0, ALIGN, r);
	ASSERT_STATUS(ALIGN, r[TDX_HC_R10]);
}

/* --- the guest's resume check ---------------------------------------------- */

UNIT_TEST(resume_check)
{
	u64 start = S48 | 0x10000, size = 4 * PG;

	ASSERT_TRUE(mapgpa_resume_ok(start, size, start));	/* no progress */
	ASSERT_TRUE(mapgpa_resume_ok(start, size, start + PG));
	ASSERT_TRUE(mapgpa_resume_ok(start, size, start + 3 * PG));
	ASSERT_TRUE(!mapgpa_resume_ok(start, size, start + 4 * PG)); /* end */
	ASSERT_TRUE(!mapgpa_resume_ok(start, size, start - PG));
	ASSERT_TRUE(!mapgpa_resume_ok(start, size, start + 0x800));
	ASSERT_TRUE(!mapgpa_resume_ok(start, size, start + PG + 1));
	/* The resume GPA without the shared bit: outside the call. */
	ASSERT_TRUE(!mapgpa_resume_ok(start, size, 0x11000));
	ASSERT_TRUE(!mapgpa_resume_ok(start, size, 0));
	ASSERT_TRUE(!mapgpa_resume_ok(start, size, ~0ULL & ~(PG - 1)));
	/* A private call ending right at the shared bit. */
	ASSERT_TRUE(mapgpa_resume_ok(S48 - 2 * PG, 2 * PG, S48 - PG));
	ASSERT_TRUE(!mapgpa_resume_ok(S48 - 2 * PG, 2 * PG, S48));
}

/* --- round trips ----------------------------------------------------------- */

/* Every accepted row of the table: the request gives back R12 and R13. */
UNIT_TEST(round_trip_table)
{
	struct mapgpa_req req;
	unsigned int i;
	u64 r12;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		if (cases[i].status != OK)
			continue;
		ASSERT_STATUS(OK, decode(cases[i].gpa, cases[i].size,
					 cases[i].gpaw, &req));
		r12 = req.gfn << 12;
		if (req.to_shared)
			r12 |= TDX_SHARED_BIT(cases[i].gpaw);
		ASSERT_EQ(cases[i].gpa, r12);
		ASSERT_EQ(cases[i].size, req.npages << 12);
	}
}

/* A 64-bit LCG; its high bits are the good ones. */
static u64 lcg(u64 *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return *s >> 20;
}

/*
 * Random valid requests, built from (width, side, gfn, npages), decode back
 * to them; a third of them end right at the shared bit or the width's end,
 * and one page more there is refused.
 */
UNIT_TEST(round_trip_random)
{
	u64 seed = 0x6d61706770610001ULL, s = seed, gfn, n, lim, gpa, side;
	struct mapgpa_req req;
	unsigned int i, gpaw, at_edge = 0;

	printf("#   seed 0x%llx\n", (unsigned long long)seed);
	for (i = 0; i < 100000; i++) {
		gpaw = lcg(&s) % 2 ? TDX_GPAW_52 : TDX_GPAW_48;
		side = lcg(&s) % 2 ? TDX_SHARED_BIT(gpaw) : 0;
		lim = TDX_SHARED_BIT(gpaw) >> 12;	/* gfns on one side */
		n = lcg(&s) % 2 ? 4096 : lim;	/* small or any size */
		n = 1 + lcg(&s) % n;
		switch (lcg(&s) % 3) {
		case 0:
			gfn = lim - n;			/* ends at the edge */
			break;
		case 1:
			gfn = 0;
			break;
		default:
			gfn = lcg(&s) % (lim - n + 1);
		}
		gpa = (gfn << 12) | side;
		ASSERT_STATUS(OK, decode(gpa, n << 12, gpaw, &req));
		ASSERT_EQ(gfn, req.gfn);
		ASSERT_EQ(n, req.npages);
		ASSERT_EQ(!!side, req.to_shared);
		if (gfn + n == lim) {
			at_edge++;
			ASSERT_STATUS(INVAL, decode(gpa, (n + 1) << 12, gpaw,
						    &req));
		}
	}
	ASSERT_TRUE(at_edge > 10000);
}

int main(void)
{
	return unit_main();
}
