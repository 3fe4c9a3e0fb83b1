/* SPDX-License-Identifier: GPL-2.0 */
/*
 * psc_decode.h - the host's decoder of GHCB Page State Change requests.
 *
 * Portable C (ccmem_compat.h only): the checks and the merging of a PSC
 * NAE request, without any I/O. host/kvm-snp/ghcb.c copies the request out
 * of guest memory, drives this decoder, exits to the VMM for each merged
 * run and writes the progress back; the unit tests and the fuzzer drive
 * it directly.
 *
 * A request is the 8-byte header { u16 cur_entry; u16 end_entry;
 * u32 reserved; } followed by u64 entries { cur_page:12, gfn:40,
 * operation:4, pagesize:1, reserved:7 } (GHCB spec, SPEC-NOTES.md).
 *
 * Use:
 *   psc_req_init(r, room, budget);
 *   err = psc_req_header(r, hdr);           copy the header once, check it
 *   copy psc_req_nr_entries(r) entries from entry r->first into r->e[]
 *   loop: psc_req_next(r, in_vm, priv, &s);
 *         CONVERT: exit to the VMM; on success psc_req_commit(r, &s)
 *         HINT:    do it;               then psc_req_commit(r, &s)
 *         BAD:     the result is PSC_ERR_ENTRY; stop
 *         DONE:    stop
 *   write back r->e[] (entries r->first..) and cur_entry = r->cur.
 */
#ifndef CCMEM_PSC_DECODE_H
#define CCMEM_PSC_DECODE_H

#include "../../platform/include/ccmem_compat.h"
#include "../../platform/snp/ghcb.h"

#define PSC_E_NPAGES(e)		(PSC_E_HUGE(e) ? CCMEM_PAGES_PER_2M : 1U)

/**
 * struct psc_req - the host's copy of one request and its progress.
 * @room:	entries that fit after the header in the real buffer.
 * @budget:	pages the host may still convert before it returns early
 *		(~0ULL: no limit). Hints cost nothing.
 * @first:	the cur_entry the request came in with.
 * @cur:	the next entry to process; cur_entry on the way back.
 * @end:	the header's end_entry.
 * @e:		the entries @first..@end; e[i - first] is entry i.
 */
struct psc_req {
	u32 room;
	u64 budget;
	u32 first;
	u32 cur;
	u32 end;
	u64 e[PSC_MAX_ENTRIES];
};

enum psc_step_kind {
	PSC_STEP_DONE,		/* past end_entry, or the budget is spent */
	PSC_STEP_CONVERT,	/* exit to the VMM with one merged run */
	PSC_STEP_HINT,		/* a PSMASH or UNSMASH hint for the host */
	PSC_STEP_BAD_ENTRY,	/* entry @from is invalid */
};

/**
 * struct psc_step - what the host does next.
 * @kind:	PSC_STEP_*.
 * @op:		CONVERT: PSC_OP_PRIVATE or _SHARED; HINT: _PSMASH/_UNSMASH.
 * @gfn:	first gfn of the run or of the hint's 2 MiB range.
 * @npages:	pages in the run (512 for a hint).
 * @from:	first entry the step covers (BAD_ENTRY: the bad entry).
 * @to:		last entry it covers.
 * @to_cur:	the cur_page entry @to reaches when the step succeeds.
 */
struct psc_step {
	enum psc_step_kind kind;
	u32 op;
	u64 gfn;
	u64 npages;
	u32 from;
	u32 to;
	u32 to_cur;
};

/* Is [@gfn, @gfn + @npages) inside the VM's memory? */
typedef bool (*psc_in_vm_fn)(void *priv, u64 gfn, u64 npages);

/**
 * psc_req_init() - start a request.
 * @r: the request.
 * @room: entries that fit after the header (the real buffer's size).
 * @budget: pages the host converts before returning early, or ~0ULL.
 */
void psc_req_init(struct psc_req *r, u32 room, u64 budget);

/**
 * psc_req_header() - check the header, copied once by the caller.
 * @r: the request.
 * @hdr: the header as one little-endian u64.
 *
 * end_entry must index an entry inside the real buffer (below @r->room)
 * and below 253, cur_entry may not pass end_entry, the reserved field is
 * zero.
 *
 * A cur_entry past end_entry is a request with nothing left to do: 0, no
 * entries to copy, and psc_req_next() reports DONE at once.
 *
 * Return: 0 (then copy psc_req_nr_entries() entries from @r->first), or
 * PSC_ERR_HDR.
 */
u64 psc_req_header(struct psc_req *r, u64 hdr);

/* Number of entries the caller copies after psc_req_header(). */
static inline u32 psc_req_nr_entries(const struct psc_req *r)
{
	return r->first > r->end ? 0 : r->end - r->first + 1;
}

/**
 * psc_entry_valid() - the checks every entry passes before use.
 * @e: the entry.
 * @in_vm: is a gfn range inside the VM?
 * @priv: for @in_vm.
 *
 * Operation 1-4, reserved bits zero, a 2 MiB entry at a 512-aligned gfn,
 * hints only on 2 MiB entries, cur_page at most the entry's size, and the
 * entry's pages inside the VM.
 */
bool psc_entry_valid(u64 e, psc_in_vm_fn in_vm, void *priv);

/**
 * psc_req_next() - the next step of a request.
 * @r: the request; @r->cur moves past entries already done.
 * @in_vm: is a gfn range inside the VM?
 * @priv: for @in_vm.
 * @s: out: the step.
 *
 * A CONVERT step merges the rest of entry @r->cur with every following
 * valid entry of the same operation whose remaining pages start where the
 * run ends, within the budget. An invalid entry, a hint, another operation
 * or a gap ends the run; the next call then reports that entry.
 */
void psc_req_next(struct psc_req *r, psc_in_vm_fn in_vm, void *priv,
		  struct psc_step *s);

/**
 * psc_req_commit() - record that step @s succeeded.
 * @r: the request.
 * @s: a CONVERT or HINT step from psc_req_next().
 *
 * Entries @s->from..@s->to - 1 become done, entry @s->to reaches
 * @s->to_cur, @r->cur moves past every entry that is done, and a CONVERT
 * step's pages come off the budget.
 */
void psc_req_commit(struct psc_req *r, const struct psc_step *s);

/**
 * psc_req_set_done() - mark entry @i of a loaded request complete.
 * @r:	the request.
 * @i:	an entry index in [r->first, r->end].
 *
 * For the emu backend's lying host only: no page changes state.
 */
void psc_req_set_done(struct psc_req *r, u32 i);

#endif /* CCMEM_PSC_DECODE_H */
