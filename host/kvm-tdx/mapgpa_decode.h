/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mapgpa_decode.h - the host's decoder of TDG.VP.VMCALL<MapGPA>.
 *
 * Portable C (ccmem_compat.h and tdx_abi.h only): the checks of one MapGPA
 * call, the chunks the host serves it in and the registers of its reply,
 * without any I/O. The TDX host module (ccmem_tdx.ko) drives it from the
 * registers of the call; the unit tests and the fuzzer drive it directly.
 *
 * The call (GHCI): R10 = 0, R11 = TDVMCALL_MAP_GPA, R12 = the first GPA,
 * R13 = the size in bytes. The TD's shared bit (GPA bit GPAW - 1) in R12
 * says where the range goes: set, to shared; clear, to private. The reply:
 * R10 = a TDVMCALL_STATUS_* and R11 = the GPA to go on from (RETRY) or
 * the GPA that failed (an error), with the shared bit as the guest gave it.
 *
 * Use, with r[] the registers of the call (struct ccmem_hcall.r[]):
 *
 *   status = mapgpa_decode(r, gpaw, &req);
 *   if (status)
 *           mapgpa_reply_error(&req, 0, status, r);       and stop
 *   for (done = 0; mapgpa_next_chunk(&req, done, limit, &c); ) {
 *           exit to the VMM with c.gfn, c.npages, req.to_shared;
 *           refused: mapgpa_reply_error(&req, done,
 *                            TDVMCALL_STATUS_INVALID_OPERAND, r); stop
 *           done += c.npages;
 *           an interrupt or event pending: break
 *   }
 *   mapgpa_reply_progress(&req, done, r);            SUCCESS or RETRY
 *
 * Serve at least one chunk before giving RETRY, as KVM does, so that every
 * RETRY moves the guest forward.
 */
#ifndef CCMEM_MAPGPA_DECODE_H
#define CCMEM_MAPGPA_DECODE_H

#include "../../platform/include/ccmem_compat.h"
#include "../../platform/tdx/tdx_abi.h"

/*
 * Pages per chunk that KVM converts before it looks for a pending event
 * (2 MiB); a host may pass any other limit to mapgpa_next_chunk().
 */
#define MAPGPA_CHUNK_PAGES_DEFAULT	CCMEM_PAGES_PER_2M

/**
 * struct mapgpa_req - one decoded MapGPA call.
 * @gpa:	R12 as the guest gave it, shared bit included: the base of
 *		every GPA the reply names. Set even when decoding fails.
 * @gfn:	the first gfn, shared bit cleared.
 * @npages:	the number of 4 KiB pages, at least 1.
 * @to_shared:	true to convert to shared, false to private.
 *
 * A decoded request lies on one side of the shared bit, inside the GPA
 * width: [@gfn, @gfn + @npages) is below the shared bit's gfn.
 */
struct mapgpa_req {
	u64 gpa;
	u64 gfn;
	u64 npages;
	bool to_shared;
};

/**
 * struct mapgpa_chunk - the part of a request the host converts next.
 * @gfn:	the first gfn, shared bit cleared.
 * @npages:	the number of pages, 0 when nothing is left.
 */
struct mapgpa_chunk {
	u64 gfn;
	u64 npages;
};

/**
 * mapgpa_decode() - check one MapGPA call and decode it.
 * @r: the registers of the call, indexed with TDX_HC_R10 and up; only
 *     R12 (start GPA) and R13 (size in bytes) are read.
 * @gpaw: the TD's GPA width, TDX_GPAW_48 or TDX_GPAW_52.
 * @req: out: the request. @req->gpa is R12 whatever the result; the other
 *       fields are zero unless the call is valid.
 *
 * The rules, in this order (the first that fails gives the status; the
 * order and the codes are those of KVM's tdx_map_gpa()):
 *
 *  1. @gpaw is 48 or 52, else INVALID_OPERAND (a host bug, but the guest
 *     still gets an answer and nothing is converted);
 *  2. the range is not empty and does not wrap: R12 + R13 > R12 as a
 *     64-bit sum, else INVALID_OPERAND (size 0 is not a no-op);
 *  3. the range lies inside the GPA width: its last byte, R12 + R13 - 1,
 *     and so R12 too, has no bit at or above @gpaw set, else
 *     INVALID_OPERAND (this also refuses reserved high bits in R12);
 *  4. the range does not cross the shared bit: R12 and R12 + R13 - 1
 *     agree on bit @gpaw - 1, else INVALID_OPERAND;
 *  5. R12 and R13 are both 4 KiB aligned, else ALIGN_ERROR.
 *
 * So an unaligned call that also breaks rule 2, 3 or 4 gets
 * INVALID_OPERAND, as on KVM. A range need not be guest RAM: a guest may
 * convert MMIO to shared, and the VMM decides about each range.
 *
 * Return: TDVMCALL_STATUS_SUCCESS with @req filled in,
 * TDVMCALL_STATUS_INVALID_OPERAND or TDVMCALL_STATUS_ALIGN_ERROR.
 */
u64 mapgpa_decode(const u64 *r, unsigned int gpaw, struct mapgpa_req *req);

/**
 * mapgpa_next_chunk() - the next chunk of a request.
 * @req: a request that mapgpa_decode() accepted.
 * @done: pages of @req converted so far, from its start.
 * @limit: the most pages the chunk may hold; 0 is taken as 1 so that
 *         every chunk makes progress, ~0ULL means no limit.
 * @c: out: the chunk, starting at page @done of @req.
 *
 * Return: true when pages are left (then 1 <= @c->npages <= @limit);
 * false when @done covers the whole request (@c->npages is 0).
 */
bool mapgpa_next_chunk(const struct mapgpa_req *req, u64 done, u64 limit,
		       struct mapgpa_chunk *c);

/**
 * mapgpa_reply_progress() - the reply to a request served in full or in
 * part.
 * @req: a request that mapgpa_decode() accepted.
 * @done: pages of @req converted, from its start.
 * @r: the registers of the call; R10 and R11 are written.
 *
 * All done: R10 = SUCCESS and R11 is left as it is (as KVM does; the GHCI
 * gives R11 no meaning then). Else R10 = RETRY and R11 = the GPA of the
 * first page not done, with the shared bit as the guest gave it, so that
 * a guest can compare it with its own R12. R11 lies in [R12, R12 + R13)
 * and moves forward whenever @done > 0.
 *
 * Return: the status written to R10.
 */
u64 mapgpa_reply_progress(const struct mapgpa_req *req, u64 done, u64 *r);

/**
 * mapgpa_reply_error() - the reply to a request that failed.
 * @req: the request; one mapgpa_decode() refused is fine.
 * @done: pages converted before the failure (0 for a decoding error).
 * @status: the error, a TDVMCALL_STATUS_* with bit 63 set. Anything else
 *          is replaced by INVALID_OPERAND, so that an error path never
 *          tells the guest that its call succeeded.
 * @r: the registers of the call; R10 and R11 are written.
 *
 * R10 = @status and R11 = the GPA where the failure happened: R12 itself
 * for a decoding error, else the first page not done (as KVM, which names
 * the chunk the VMM refused).
 */
void mapgpa_reply_error(const struct mapgpa_req *req, u64 done, u64 status,
			u64 *r);

/**
 * mapgpa_gpa_at() - the GPA of page @done of a request.
 * @req: the request.
 * @done: a page index, at most @req->npages.
 *
 * Return: @req->gpa plus @done pages; it carries the shared bit of
 * @req->gpa since a decoded request never crosses it.
 */
static inline u64 mapgpa_gpa_at(const struct mapgpa_req *req, u64 done)
{
	return req->gpa + (done << CCMEM_PAGE_SHIFT);
}

/**
 * mapgpa_resume_ok() - may a guest go on with its call from @resume?
 * @start: R12 of the call that got RETRY, shared bit as the guest gave it.
 * @size: R13 of that call; @start + @size must not wrap.
 * @resume: R11 of the reply, from the untrusted host.
 *
 * After RETRY the guest calls again with R12 = @resume and R13 = @start
 * + @size - @resume. @resume must be 4 KiB aligned and lie in [@start,
 * @start + @size); an R11 without the shared bit of a to-shared call lies
 * outside. The host's replies always pass this check (the tests and the
 * fuzzer make sure); guest/ may not include host/ (scripts/layers, rule
 * 1), so a guest client applies the same rule on its side.
 * @resume == @start is valid but makes no progress: a guest counts such
 * replies and gives up after a few (Linux allows 3 in a row).
 *
 * Return: true when @resume is acceptable.
 */
static inline bool mapgpa_resume_ok(u64 start, u64 size, u64 resume)
{
	/* One unsigned compare: below @start wraps to a huge offset. */
	return !(resume & (CCMEM_PAGE_SIZE - 1)) && resume - start < size;
}

#endif /* CCMEM_MAPGPA_DECODE_H */
