// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_psc_decode.c - libFuzzer target for the host's PSC decoder.
 *
 * The input is a whole request as a malicious guest could lay it out (the
 * real room of its buffer, the header, the entries) plus the host's side
 * of the story (the budget of an early return, which VMM exits succeed,
 * which part of guest-physical memory is the VM's). The target drives the
 * decoder exactly as host/kvm-snp/ghcb.c does and aborts when the decoder
 * breaks a rule:
 *
 *   - a header is accepted only when end_entry < min(253, room) and the
 *     reserved field is zero; one whose cur_entry is past end_entry has
 *     nothing to do and is done at once;
 *   - every step covers only entries an independent check finds valid,
 *     a CONVERT run is exactly the remaining pages of its entries, of one
 *     operation, contiguous, at least one page and within the budget;
 *   - cur_entry and every cur_page only move forward, never past an
 *     entry's size, and the request ends in a bounded number of steps;
 *   - DONE means past end_entry or out of budget; BAD_ENTRY names an
 *     invalid entry.
 *
 * FUZZ_SRCS: host/kvm-snp/psc_decode.c
 *
 * scripts/fuzz names fuzz_one_input() as libFuzzer's entry point.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../host/kvm-snp/psc_decode.h"

#define VM_START	0x40000ULL

struct fuzz_vm {
	u64 start, npages;
};

static bool fuzz_in_vm(void *priv, u64 gfn, u64 npages)
{
	const struct fuzz_vm *vm = priv;

	return gfn >= vm->start && npages <= vm->npages &&
	       gfn - vm->start <= vm->npages - npages;
}

/* The entry rules, written out again independently of the decoder. */
static bool ref_valid(u64 e, const struct fuzz_vm *vm)
{
	u64 op = (e >> 52) & 0xf, gfn = (e >> 12) & 0xffffffffffULL;
	u64 huge = (e >> 56) & 1, cur = e & 0xfff, size = huge ? 512 : 1;

	if (op == 0 || op > 4 || (e >> 57))
		return false;
	if (huge && gfn % 512)
		return false;
	if (op >= 3 && !huge)
		return false;
	if (cur > size)
		return false;
	return fuzz_in_vm((void *)vm, gfn, size);
}

static u64 ref_size(u64 e)
{
	return (e >> 56) & 1 ? 512 : 1;
}

#define CHECK(c)	do { if (!(c)) abort(); } while (0)

struct fuzz_input {
	const uint8_t *p;
	size_t n;
};

static u64 take(struct fuzz_input *in, unsigned int bytes)
{
	u64 v = 0;
	unsigned int i;

	for (i = 0; i < bytes; i++) {
		v |= (u64)(in->n ? *in->p : 0) << (8 * i);
		if (in->n) {
			in->p++;
			in->n--;
		}
	}
	return v;
}

/*
 * One entry from 4 input bytes, biased towards the interesting: valid
 * operations, 2 MiB entries at aligned gfns, gfns around the VM's edges,
 * cur_page at and around the limits. Raw mode takes 8 bytes as they are.
 */
static u64 take_entry(struct fuzz_input *in, const struct fuzz_vm *vm,
		      bool raw)
{
	static const u64 ops[8] = { 1, 2, 3, 4, 0, 5, 1, 2 };
	u64 b, op, huge, gfn, cur, e;

	if (raw)
		return take(in, 8);
	b = take(in, 4);
	op = ops[b & 7];
	if (op == 5)
		op += (b >> 24) % 11;		/* 5..15 */
	huge = (b >> 3) & 1;
	gfn = vm->start - 512 + ((b >> 8) & 0xffff) % (vm->npages + 1024);
	if ((b >> 6) & 1)
		gfn &= ~511ULL;
	cur = huge ? ((b >> 24) * 3) % 515 : (b >> 24) % 3;
	e = cur | (gfn << 12) | (op << 52) | (huge << 56);
	if ((b & 0x30) == 0x30 && !((b >> 24) & 7))
		e |= 1ULL << (57 + ((b >> 27) % 7));
	return e;
}

/* A CONVERT step: its entries are valid and it is exactly their rest. */
static void check_convert(const struct psc_req *r, const struct psc_step *s,
			  const struct fuzz_vm *vm, u64 budget)
{
	u64 pos = s->gfn, e, cur, take_n, total = 0;
	u32 i;

	CHECK(s->op == PSC_OP_PRIVATE || s->op == PSC_OP_SHARED);
	CHECK(s->npages >= 1 && s->npages <= budget);
	CHECK(s->from == r->cur && s->from <= s->to && s->to <= r->end);
	for (i = s->from; i <= s->to; i++) {
		e = r->e[i - r->first];
		cur = e & 0xfff;
		CHECK(ref_valid(e, vm));
		CHECK(((e >> 52) & 0xf) == s->op);
		if (cur == ref_size(e) && i != s->from)
			continue;
		CHECK(((e >> 12) & 0xffffffffffULL) + cur == pos);
		take_n = ref_size(e) - cur;
		if (i == s->to)
			take_n = s->to_cur - cur;
		CHECK(take_n >= 1 || i != s->from);
		CHECK(s->to_cur <= ref_size(e) || i != s->to);
		pos += take_n;
		total += take_n;
	}
	CHECK(total == s->npages);
}

int fuzz_one_input(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	static struct psc_req req;
	struct psc_req *r = &req;
	struct fuzz_vm vm;
	struct psc_step s;
	u64 hdr, budget, answers, mode, prev[PSC_MAX_ENTRIES];
	u32 room, steps = 0, last_cur, i, nr, end;

	mode = take(&in, 1);
	room = take(&in, 1) % (PSC_MAX_ENTRIES + 2);
	if (mode & 1) {				/* a raw header */
		hdr = take(&in, 8);
	} else {				/* a plausible one */
		end = take(&in, 1) % (PSC_MAX_ENTRIES + 3);
		hdr = ((u64)end << 16) | (take(&in, 1) % (end + 2));
	}
	budget = take(&in, 2);
	budget = budget >= 0x8000 ? ~0ULL : budget % 1100;
	answers = take(&in, 8);
	vm.start = VM_START + (take(&in, 1) % 4) * 256;
	vm.npages = 512 + take(&in, 2) % 4096;

	psc_req_init(r, room, budget);
	if (psc_req_header(r, hdr)) {
		CHECK((hdr >> 32) || ((hdr >> 16) & 0xffff) >= room ||
		      ((hdr >> 16) & 0xffff) >= PSC_MAX_ENTRIES);
		return 0;
	}
	CHECK(!(hdr >> 32) && r->end < room && r->end < PSC_MAX_ENTRIES);
	nr = psc_req_nr_entries(r);
	/* cur_entry past end_entry: nothing to do, done at once (as KVM). */
	if (r->first > r->end) {
		CHECK(nr == 0);
		psc_req_next(r, fuzz_in_vm, &vm, &s);
		CHECK(s.kind == PSC_STEP_DONE && r->cur == r->first);
		return 0;
	}
	for (i = 0; i < nr; i++)
		r->e[i] = take_entry(&in, &vm, mode & 2);
	memcpy(prev, r->e, nr * sizeof(u64));

	for (;;) {
		CHECK(++steps <= 2 * nr + 2);
		last_cur = r->cur;
		psc_req_next(r, fuzz_in_vm, &vm, &s);
		CHECK(r->cur >= last_cur);
		if (s.kind == PSC_STEP_DONE) {
			CHECK(r->cur > r->end || !r->budget);
			break;
		}
		if (s.kind == PSC_STEP_BAD_ENTRY) {
			CHECK(s.from >= r->first && s.from <= r->end);
			CHECK(!ref_valid(r->e[s.from - r->first], &vm));
			break;
		}
		if (s.kind == PSC_STEP_HINT) {
			CHECK(s.from == s.to && s.npages == 512);
			CHECK(ref_valid(r->e[s.from - r->first], &vm));
			CHECK(s.op == PSC_OP_PSMASH || s.op == PSC_OP_UNSMASH);
		} else {
			check_convert(r, &s, &vm, r->budget);
			/* The VMM may refuse: the request ends, no progress. */
			if (answers & 1)
				break;
			answers >>= 1;
		}
		last_cur = r->cur;
		psc_req_commit(r, &s);
		CHECK(r->cur >= last_cur && r->cur <= r->end + 1);
	}
	/* Progress only forward, never past an entry's size. */
	for (i = 0; i < nr; i++) {
		CHECK((r->e[i] & ~0xfffULL) == (prev[i] & ~0xfffULL));
		CHECK((r->e[i] & 0xfff) >= (prev[i] & 0xfff));
		CHECK((r->e[i] & 0xfff) <= ref_size(r->e[i]) ||
		      (r->e[i] & 0xfff) == (prev[i] & 0xfff));
	}
	return 0;
}
