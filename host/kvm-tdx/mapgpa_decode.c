// SPDX-License-Identifier: GPL-2.0
/*
 * mapgpa_decode.c - the host's decoder of TDG.VP.VMCALL<MapGPA>; see
 * mapgpa_decode.h.
 *
 * The registers come by value, so every check reads the same R12 and R13
 * the conversion then uses.
 */
#include "mapgpa_decode.h"

#define MAPGPA_PAGE_MASK	(CCMEM_PAGE_SIZE - 1)

u64 mapgpa_decode(const u64 *r, unsigned int gpaw, struct mapgpa_req *req)
{
	u64 gpa = r[TDX_HC_R12], size = r[TDX_HC_R13];
	u64 shared, last;

	*req = (struct mapgpa_req){ .gpa = gpa };
	if (gpaw != TDX_GPAW_48 && gpaw != TDX_GPAW_52)
		return TDVMCALL_STATUS_INVALID_OPERAND;
	shared = TDX_SHARED_BIT(gpaw);

	/* Empty, or past 2^64: there is no last byte to speak of. */
	if (gpa + size <= gpa)
		return TDVMCALL_STATUS_INVALID_OPERAND;
	last = gpa + size - 1;
	/* gpa <= last now, so a last byte inside the width bounds both. */
	if (last >> gpaw)
		return TDVMCALL_STATUS_INVALID_OPERAND;
	/* A range has one direction: both ends on one side of the bit. */
	if ((gpa ^ last) & shared)
		return TDVMCALL_STATUS_INVALID_OPERAND;
	if ((gpa | size) & MAPGPA_PAGE_MASK)
		return TDVMCALL_STATUS_ALIGN_ERROR;

	req->gfn = (gpa & ~shared) >> CCMEM_PAGE_SHIFT;
	req->npages = size >> CCMEM_PAGE_SHIFT;
	req->to_shared = gpa & shared;
	return TDVMCALL_STATUS_SUCCESS;
}

bool mapgpa_next_chunk(const struct mapgpa_req *req, u64 done, u64 limit,
		       struct mapgpa_chunk *c)
{
	u64 left;

	if (done >= req->npages) {
		c->gfn = req->gfn + req->npages;
		c->npages = 0;
		return false;
	}
	left = req->npages - done;
	if (!limit)
		limit = 1;
	c->gfn = req->gfn + done;
	c->npages = left < limit ? left : limit;
	return true;
}

u64 mapgpa_reply_progress(const struct mapgpa_req *req, u64 done, u64 *r)
{
	if (done >= req->npages) {
		r[TDX_HC_R10] = TDVMCALL_STATUS_SUCCESS;
		return TDVMCALL_STATUS_SUCCESS;
	}
	r[TDX_HC_R10] = TDVMCALL_STATUS_RETRY;
	r[TDX_HC_R11] = mapgpa_gpa_at(req, done);
	return TDVMCALL_STATUS_RETRY;
}

void mapgpa_reply_error(const struct mapgpa_req *req, u64 done, u64 status,
			u64 *r)
{
	/* GHCI errors have bit 63 set; SUCCESS and RETRY do not. */
	if (!(status >> 63))
		status = TDVMCALL_STATUS_INVALID_OPERAND;
	if (done > req->npages)
		done = req->npages;
	r[TDX_HC_R10] = status;
	r[TDX_HC_R11] = mapgpa_gpa_at(req, done);
}
