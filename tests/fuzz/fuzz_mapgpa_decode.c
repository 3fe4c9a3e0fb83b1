// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_mapgpa_decode.c - libFuzzer target for the TDX host's MapGPA
 * decoder.
 *
 * The input is one TDG.VP.VMCALL<MapGPA> as a malicious guest could make
 * it (R12, R13, raw or built around the edges: the shared bit, the top of
 * the GPA width, 2^64, unaligned by a little) plus the host's side of the
 * story (the TD's GPAW, the chunk limit, which chunks find an event
 * pending, which ones the VMM refuses). The target serves the call as
 * ccmem_tdx.ko does, re-issues it from R11 after each RETRY as a guest
 * does, and aborts when the decoder breaks a rule:
 *
 *   - the status is SUCCESS, INVALID_OPERAND or ALIGN_ERROR, and it is
 *     the one an independent 128-bit statement of the rules gives;
 *   - a refused call's reply is that status with R11 = R12 as given;
 *   - a decoded request is page aligned, at least one page, never wraps,
 *     never crosses the shared bit, has the shared bit stripped from its
 *     gfn, and gives back R12 and R13 exactly;
 *   - chunks are consecutive, non-empty, within the limit and the request;
 *   - a RETRY's R11 is page aligned, inside [R12, R12 + R13) of the call,
 *     carries the call's shared bit, moves strictly forward, passes the
 *     guest's check, and the guest's next call decodes to exactly the
 *     rest; SUCCESS leaves R11 alone and comes when every page is done;
 *   - an error reply after a refused chunk names that chunk's GPA, and
 *     one with any count and status a buggy host may pass is still an
 *     error naming a GPA of the call;
 *   - the guest's resume check agrees with an independent one.
 *
 * FUZZ_SRCS: host/kvm-tdx/mapgpa_decode.c
 *
 * scripts/fuzz names fuzz_one_input() as libFuzzer's entry point.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../host/kvm-tdx/mapgpa_decode.h"

#define PG		CCMEM_PAGE_SIZE
#define MAX_CHUNKS	64	/* served per input, however large the call */

#define CHECK(c)	do { if (!(c)) abort(); } while (0)

/*
 * The input, read as this fixed layout (zero past the input's end): a
 * mutation of one byte changes one field.
 */
struct fuzz_call {
	u8 mode;		/* bits 1:0 pick the GPAW */
	u8 gpaw;		/* the GPAW when mode says raw */
	u8 gpa_kind, size_kind;	/* see near_edge() */
	u16 gpa_delta, size_delta;
	u16 limit;
	u64 gpa, size;		/* raw values for near_edge() */
	u64 events;		/* bit i: an event is pending after chunk i */
	u64 refusals;		/* bit i: the VMM refuses chunk i */
	u64 probe;		/* a resume GPA for the guest's check */
	u64 bad_done, bad_status;	/* a buggy host's error reply */
};

/* The rules again, on 128-bit numbers so that nothing can wrap. */
static u64 ref_status(u64 gpa, u64 size, unsigned int gpaw)
{
	unsigned __int128 end = (unsigned __int128)gpa + size, top, shared;

	if (gpaw != TDX_GPAW_48 && gpaw != TDX_GPAW_52)
		return TDVMCALL_STATUS_INVALID_OPERAND;
	top = (unsigned __int128)1 << gpaw;
	shared = top >> 1;
	if (!size || end > top)
		return TDVMCALL_STATUS_INVALID_OPERAND;
	if (gpa < shared && end > shared)
		return TDVMCALL_STATUS_INVALID_OPERAND;
	if (gpa % PG || size % PG)
		return TDVMCALL_STATUS_ALIGN_ERROR;
	return TDVMCALL_STATUS_SUCCESS;
}

static bool ref_resume_ok(u64 start, u64 size, u64 resume)
{
	return resume % PG == 0 && resume >= start &&
	       (unsigned __int128)resume < (unsigned __int128)start + size;
}

static void call_regs(u64 *r, u64 gpa, u64 size)
{
	memset(r, 0, 8 * sizeof(*r));
	r[TDX_HC_R11] = TDVMCALL_MAP_GPA;
	r[TDX_HC_R12] = gpa;
	r[TDX_HC_R13] = size;
}

/* A small signed number of pages, with a few stray bytes now and then. */
static u64 delta(u16 b)
{
	u64 d = ((b & 0xff) % 9) * PG;

	if (b & 0x100)
		d = 0 - d;
	if ((b & 0x600) == 0x600)
		d += (b >> 11) % 32 * 0x80 + 1;
	return d;
}

static unsigned int pick_gpaw(const struct fuzz_call *in)
{
	static const unsigned int odd[] = { 0, 1, 12, 13, 47, 49, 51, 53, 63,
					    64, 65, 255 };

	switch (in->mode & 3) {
	case 0:
		return TDX_GPAW_48;
	case 1:
		return TDX_GPAW_52;
	case 2:
		return in->gpaw & 1 ? TDX_GPAW_52 : TDX_GPAW_48;
	}
	return in->gpaw & 0x80 ? in->gpaw : odd[in->gpaw % ARRAY_SIZE(odd)];
}

/*
 * R12 (@from = 0) or R13 (@from = R12): @raw as it is, or a value that
 * takes @from to an edge of the width @w, give or take a few pages: a
 * page count, the shared bit, the width's end, 2^64 (and so 0), or a page
 * on one side of the shared bit. Odd widths use the edges of 48.
 */
static u64 near_edge(u8 kind, u64 raw, u64 from, u16 d, unsigned int w)
{
	u64 shared = 1ULL << ((w == TDX_GPAW_52 ? 52 : 48) - 1);
	u64 top = shared << 1;

	switch (kind % 8) {
	case 0:
		return raw;
	case 1:
		return ((raw & 0xffff) << 12) + delta(d);
	case 2:
		return shared - from + delta(d);
	case 3:
		return top - from + delta(d);
	case 4:
		return 0 - from + delta(d);
	case 5:
		return (raw << 12) & (top - 1);
	case 6:
		return (1 + (raw & 0xff)) * PG;
	}
	return ((raw << 12) & (shared - 1)) | (kind & 0x80 ? shared : 0);
}

/*
 * Serve a decoded call the host's way; each RETRY makes the guest call
 * again from R11. Returns when every page is done, the VMM refused a
 * chunk, or MAX_CHUNKS chunks were served.
 */
static void serve(const struct mapgpa_req *first, unsigned int gpaw,
		  u64 limit, u64 events, u64 refusals)
{
	u64 shared = TDX_SHARED_BIT(gpaw), start = first->gpa;
	u64 size = first->npages * PG, end = start + size;
	u64 done, served = 0, prev = start, r[8], st, resume;
	struct mapgpa_req req = *first;
	struct mapgpa_chunk c;
	unsigned int chunks = 0;

	for (;;) {
		call_regs(r, req.gpa, req.npages * PG);
		for (done = 0; mapgpa_next_chunk(&req, done, limit, &c); ) {
			CHECK(c.gfn == req.gfn + done);
			CHECK(c.npages >= 1 && c.npages <= req.npages - done);
			CHECK(c.npages <= (limit ? limit : 1));
			CHECK(c.gfn + c.npages <= shared >> 12);
			if (refusals & 1) {
				mapgpa_reply_error(&req, done,
						   TDVMCALL_STATUS_INVALID_OPERAND,
						   r);
				CHECK(r[TDX_HC_R10] ==
				      TDVMCALL_STATUS_INVALID_OPERAND);
				CHECK(r[TDX_HC_R11] == req.gpa + done * PG);
				CHECK(ref_resume_ok(start, size, r[TDX_HC_R11]));
				return;
			}
			refusals >>= 1;
			done += c.npages;
			served += c.npages;
			if (++chunks == MAX_CHUNKS)
				return;
			if (done < req.npages && (events & 1))
				break;
			events >>= 1;
		}
		CHECK(!mapgpa_next_chunk(&req, done, limit, &c) ||
		      done < req.npages);
		st = mapgpa_reply_progress(&req, done, r);
		CHECK(st == r[TDX_HC_R10]);
		if (done == req.npages) {
			CHECK(st == TDVMCALL_STATUS_SUCCESS);
			CHECK(r[TDX_HC_R11] == TDVMCALL_MAP_GPA);
			CHECK(served == first->npages);
			return;
		}
		events >>= 1;
		CHECK(st == TDVMCALL_STATUS_RETRY);
		resume = r[TDX_HC_R11];
		/* Inside the first call and this one, forward, same side. */
		CHECK(ref_resume_ok(start, size, resume));
		CHECK(ref_resume_ok(req.gpa, req.npages * PG, resume));
		CHECK(mapgpa_resume_ok(req.gpa, req.npages * PG, resume));
		CHECK(resume > req.gpa && resume > prev);
		CHECK((resume & shared) == (start & shared));
		CHECK(resume == start + served * PG);
		prev = resume;

		/* The guest calls again with the rest. */
		call_regs(r, resume, end - resume);
		CHECK(mapgpa_decode(r, gpaw, &req) == TDVMCALL_STATUS_SUCCESS);
		CHECK(req.gpa == resume);
		CHECK(req.gfn == first->gfn + served);
		CHECK(req.npages == first->npages - served);
		CHECK(req.to_shared == first->to_shared);
	}
}

int fuzz_one_input(const uint8_t *data, size_t size)
{
	u64 gpa, len, limit, refusals, st, shared, probe;
	struct mapgpa_req req;
	struct fuzz_call in;
	unsigned int gpaw;
	u64 r[8];

	memset(&in, 0, sizeof(in));
	memcpy(&in, data, size < sizeof(in) ? size : sizeof(in));
	gpaw = pick_gpaw(&in);
	gpa = near_edge(in.gpa_kind, in.gpa, 0, in.gpa_delta, gpaw);
	len = near_edge(in.size_kind, in.size, gpa, in.size_delta, gpaw);
	if (in.limit >= 0xf000)
		limit = ~0ULL;			/* no limit */
	else if (in.limit >= 0x8000)
		limit = MAPGPA_CHUNK_PAGES_DEFAULT;
	else
		limit = in.limit % 40;		/* small, 0 included */
	refusals = in.refusals & (in.refusals >> 32);	/* rarer */
	probe = in.probe;

	call_regs(r, gpa, len);
	st = mapgpa_decode(r, gpaw, &req);
	CHECK(st == TDVMCALL_STATUS_SUCCESS ||
	      st == TDVMCALL_STATUS_INVALID_OPERAND ||
	      st == TDVMCALL_STATUS_ALIGN_ERROR);
	CHECK(st == ref_status(gpa, len, gpaw));
	CHECK(req.gpa == gpa);
	/* The call's registers are input only. */
	CHECK(r[TDX_HC_R12] == gpa && r[TDX_HC_R13] == len);

	if (st != TDVMCALL_STATUS_SUCCESS) {
		CHECK(!req.gfn && !req.npages && !req.to_shared);
		mapgpa_reply_error(&req, 0, st, r);
		CHECK(r[TDX_HC_R10] == st && r[TDX_HC_R11] == gpa);
		return 0;
	}

	shared = TDX_SHARED_BIT(gpaw);
	CHECK(gpa % PG == 0 && len % PG == 0);
	CHECK(req.npages >= 1 && req.npages == len / PG);
	CHECK(req.to_shared == !!(gpa & shared));
	CHECK(req.gfn < shared >> 12);
	CHECK(req.gfn + req.npages <= shared >> 12);
	CHECK(((req.gfn * PG) | (req.to_shared ? shared : 0)) == gpa);

	/* The guest's check, at a probe near the call or anywhere. */
	if (probe & 1)
		probe = gpa + (probe >> 1) % (len + 2 * PG) - PG;
	CHECK(mapgpa_resume_ok(gpa, len, probe) ==
	      ref_resume_ok(gpa, len, probe));

	/* Whatever a buggy host passes, an error reply stays an error. */
	mapgpa_reply_error(&req, in.bad_done, in.bad_status, r);
	CHECK(r[TDX_HC_R10] >> 63);
	CHECK(r[TDX_HC_R10] == in.bad_status ||
	      r[TDX_HC_R10] == TDVMCALL_STATUS_INVALID_OPERAND);
	CHECK(r[TDX_HC_R11] % PG == 0 && r[TDX_HC_R11] >= gpa &&
	      r[TDX_HC_R11] - gpa <= len);

	serve(&req, gpaw, limit, in.events, refusals);
	return 0;
}
