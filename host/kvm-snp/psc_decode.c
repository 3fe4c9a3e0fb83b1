// SPDX-License-Identifier: GPL-2.0
/*
 * psc_decode.c - the host's decoder of GHCB Page State Change requests;
 * see psc_decode.h.
 *
 * Everything here works on the host's own copies: the guest can rewrite
 * its buffer at any time, so nothing is read twice from guest memory.
 */
#include "psc_decode.h"

static u64 *psc_entry(struct psc_req *r, u32 i)
{
	return &r->e[i - r->first];
}

static bool psc_entry_done(u64 e)
{
	return PSC_E_CUR(e) == PSC_E_NPAGES(e);
}

static u64 psc_set_cur(u64 e, u32 cur)
{
	return (e & ~0xfffULL) | cur;
}

void psc_req_init(struct psc_req *r, u32 room, u64 budget)
{
	r->room = room;
	r->budget = budget;
	r->first = 0;
	r->cur = 0;
	r->end = 0;
}

u64 psc_req_header(struct psc_req *r, u64 hdr)
{
	u32 cur = hdr & 0xffff;
	u32 end = (hdr >> 16) & 0xffff;

	/* end_entry indexes the buffer: bound it by the real room too. */
	if (end >= PSC_MAX_ENTRIES || end >= r->room || (hdr >> 32))
		return PSC_ERR_HDR;
	/*
	 * cur_entry past end_entry: nothing is left to do. KVM completes
	 * such a request as a success without touching anything.
	 */
	r->first = cur;
	r->cur = cur;
	r->end = end;
	return 0;
}

bool psc_entry_valid(u64 e, psc_in_vm_fn in_vm, void *priv)
{
	u32 op = PSC_E_OP(e);
	u64 gfn = PSC_E_GFN(e);

	if (op < PSC_OP_PRIVATE || op > PSC_OP_UNSMASH || PSC_E_RSVD(e))
		return false;
	if (PSC_E_HUGE(e) && (gfn & (CCMEM_PAGES_PER_2M - 1)))
		return false;
	if (op >= PSC_OP_PSMASH && !PSC_E_HUGE(e))
		return false;
	if (PSC_E_CUR(e) > PSC_E_NPAGES(e))
		return false;
	return in_vm(priv, gfn, PSC_E_NPAGES(e));
}

/*
 * Step over entries already done (that is progress the guest has), each
 * still checked. Returns false at an invalid one.
 */
static bool psc_req_skip_done(struct psc_req *r, psc_in_vm_fn in_vm,
			      void *priv)
{
	u64 e;

	for (; r->cur <= r->end; r->cur++) {
		e = *psc_entry(r, r->cur);
		if (!psc_entry_done(e))
			return true;
		if (!psc_entry_valid(e, in_vm, priv))
			return false;
	}
	return true;
}

/* Can entry @e join a run of @op that ends at gfn @run_end? */
static bool psc_extends(u64 e, u32 op, u64 run_end, psc_in_vm_fn in_vm,
			void *priv)
{
	return psc_entry_valid(e, in_vm, priv) && PSC_E_OP(e) == op &&
	       (psc_entry_done(e) || PSC_E_GFN(e) + PSC_E_CUR(e) == run_end);
}

/* Merge the rest of entry r->cur and the entries that continue it. */
static void psc_req_run(struct psc_req *r, psc_in_vm_fn in_vm, void *priv,
			struct psc_step *s)
{
	u64 e = *psc_entry(r, r->cur), n;
	u32 i;

	s->kind = PSC_STEP_CONVERT;
	s->op = PSC_E_OP(e);
	s->gfn = PSC_E_GFN(e) + PSC_E_CUR(e);
	for (i = r->cur; i <= r->end && s->npages < r->budget; i++) {
		e = *psc_entry(r, i);
		if (i > r->cur &&
		    !psc_extends(e, s->op, s->gfn + s->npages, in_vm, priv))
			break;
		n = PSC_E_NPAGES(e) - PSC_E_CUR(e);
		if (n > r->budget - s->npages)
			n = r->budget - s->npages;
		s->npages += n;
		s->to = i;
		s->to_cur = PSC_E_CUR(e) + n;
	}
}

void psc_req_next(struct psc_req *r, psc_in_vm_fn in_vm, void *priv,
		  struct psc_step *s)
{
	bool ok = psc_req_skip_done(r, in_vm, priv);
	u64 e;

	*s = (struct psc_step){ .kind = PSC_STEP_DONE, .from = r->cur };
	if (!ok) {
		s->kind = PSC_STEP_BAD_ENTRY;
		return;
	}
	/* Past the end, or an early return with the progress so far. */
	if (r->cur > r->end || !r->budget)
		return;
	e = *psc_entry(r, r->cur);
	if (!psc_entry_valid(e, in_vm, priv)) {
		s->kind = PSC_STEP_BAD_ENTRY;
		return;
	}
	if (PSC_E_OP(e) >= PSC_OP_PSMASH) {
		s->kind = PSC_STEP_HINT;
		s->op = PSC_E_OP(e);
		s->gfn = PSC_E_GFN(e);
		s->npages = CCMEM_PAGES_PER_2M;
		s->to = r->cur;
		s->to_cur = CCMEM_PAGES_PER_2M;
		return;
	}
	psc_req_run(r, in_vm, priv, s);
}

void psc_req_commit(struct psc_req *r, const struct psc_step *s)
{
	u64 *e;
	u32 i;

	for (i = s->from; i < s->to; i++) {
		e = psc_entry(r, i);
		*e = psc_set_cur(*e, PSC_E_NPAGES(*e));
	}
	e = psc_entry(r, s->to);
	*e = psc_set_cur(*e, s->to_cur);
	if (s->kind == PSC_STEP_CONVERT && r->budget != ~0ULL)
		r->budget -= s->npages;
	r->cur = psc_entry_done(*e) ? s->to + 1 : s->to;
}

void psc_req_set_done(struct psc_req *r, u32 i)
{
	u64 *e = psc_entry(r, i);

	*e = psc_set_cur(*e, PSC_E_NPAGES(*e));
}
