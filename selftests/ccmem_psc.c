// SPDX-License-Identifier: GPL-2.0
/*
 * ccmem_psc - the host side of the GHCB Page State Change protocol, driven
 * by a guest that builds raw requests: merging, hints, partial progress,
 * and every malformed request a malicious guest can send (invariant 7),
 * in both the NAE (GHCB buffer) and the MSR forms.
 */
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "ccmem_test.h"
#include "ghcb.h"

#define MEM		(32ULL << 20)
#define G0		(TGPA >> 12)
#define PRIV		PSC_OP_PRIVATE
#define SHRD		PSC_OP_SHARED

FIXTURE(psc) {
	struct ccmem_guest g;
	struct ccmem_run run;
	struct ccmem_psc_raw raw;
};

FIXTURE_SETUP(psc)
{
	ASSERT_ERRNO(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	memset(&self->raw, 0, sizeof(self->raw));
}

FIXTURE_TEARDOWN(psc)
{
	ccmem_guest_destroy(&self->g);
}

/* Fill @raw with @nr entries, header cur 0 / end nr - 1, at offset 0. */
static void raw_set(struct ccmem_psc_raw *raw, const uint64_t *e, uint32_t nr)
{
	memset(raw, 0, sizeof(*raw));
	memcpy(raw->entries, e, nr * sizeof(*e));
	raw->nr = nr;
	raw->end_entry = nr - 1;
}

static int raw_run(struct ccmem_guest *g, struct ccmem_psc_raw *raw,
		   struct ccmem_run *run)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_PSC_RAW, 0, 0, (uintptr_t)raw),
	};

	return ccmem_guest_exec(g, 0, p, 1, run);
}

static int msr_run(struct ccmem_guest *g, uint64_t msr, struct ccmem_run *run)
{
	struct ccmem_guest_insn p[] = { GI(CCMEM_GOP_PSC_MSR_RAW, 0, 0, msr) };

	return ccmem_guest_exec(g, 0, p, 1, run);
}

/* The header and entries as the guest's GHCB buffer holds them now. */
static uint16_t ghcb_cur_entry(struct ccmem_guest *g, uint32_t off)
{
	uint16_t v;

	memcpy(&v, g->comm + GHCB_SHARED_BUF_OFF + off, sizeof(v));
	return v;
}

static uint64_t ghcb_entry(struct ccmem_guest *g, uint32_t off, uint32_t i)
{
	uint64_t v;

	memcpy(&v, g->comm + GHCB_SHARED_BUF_OFF + off + 8 + i * 8, sizeof(v));
	return v;
}

/* The VMM's @i-th conversion exit was [@gpa, +@size) by PSC operation @op. */
static void expect_psc(struct __test_metadata *_metadata,
		       struct ccmem_guest *g, uint32_t i, uint64_t gpa,
		       uint64_t size, uint32_t op)
{
	ASSERT_LT(i, g->nr_convert);
	EXPECT_EQ(gpa, g->convert[i].gpa);
	EXPECT_EQ(size, g->convert[i].size);
	EXPECT_EQ(op == PRIV ? CCMEM_CONVERT_F_PRIVATE : 0, g->convert[i].flags);
}

/* Counter "@name" of the fixture's VM. */
#define GSTAT(name)	STAT(self->g.vm, name)

/* --- NAE form: processing ----------------------------------------------- */

TEST_F(psc, adjacent_entries_merge_into_one_exit)
{
	uint64_t e[] = {
		PSC_ENTRY(G0, PRIV, 0, 0), PSC_ENTRY(G0 + 1, PRIV, 0, 0),
		PSC_ENTRY(G0 + 2, PRIV, 0, 0), PSC_ENTRY(G0 + 3, PRIV, 0, 0),
		PSC_ENTRY(G0 + 10, PRIV, 0, 0), PSC_ENTRY(G0 + 11, SHRD, 0, 0),
	};

	raw_set(&self->raw, e, NR(e));
	ASSERT_ERRNO(0, raw_run(&self->g, &self->raw, &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_DONE);
	EXPECT_EQ(0, ccmem_run_state(&self->run)->psc_result);
	ASSERT_EQ(3, self->g.nr_convert);
	expect_psc(_metadata, &self->g, 0, TGPA, 4 * SZ_4K, PRIV);
	expect_psc(_metadata, &self->g, 1, TGPA + 10 * SZ_4K, SZ_4K, PRIV);
	expect_psc(_metadata, &self->g, 2, TGPA + 11 * SZ_4K, SZ_4K, SHRD);
	EXPECT_EQ(6, ghcb_cur_entry(&self->g, 0));	/* end_entry + 1 */
	EXPECT_EQ(1, ghcb_entry(&self->g, 0, 3) & 0xfff);
	EXPECT_EQ(3, GSTAT("snp.psc_exits"));
	EXPECT_EQ(6, GSTAT("snp.psc_entries"));
	EXPECT_EQ(1, GSTAT("snp.psc_requests"));
	EXPECT_EQ(0, GSTAT("snp.psc_msr_requests"));	/* the NAE form */
}

TEST_F(psc, huge_and_following_4k_entry_merge)
{
	uint64_t e[] = {
		PSC_ENTRY(G0 + 512, SHRD, 1, 0), PSC_ENTRY(G0 + 1024, SHRD, 0, 0),
	};

	raw_set(&self->raw, e, NR(e));
	ASSERT_ERRNO(0, raw_run(&self->g, &self->raw, &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_DONE);
	EXPECT_EQ(0, ccmem_run_state(&self->run)->psc_result);
	ASSERT_EQ(1, self->g.nr_convert);
	expect_psc(_metadata, &self->g, 0, TGPA + SZ_2M, SZ_2M + SZ_4K, SHRD);
	EXPECT_EQ(512, ghcb_entry(&self->g, 0, 0) & 0xfff);
}

TEST_F(psc, already_done_entries_are_skipped)
{
	uint64_t e[] = {
		PSC_ENTRY(G0, PRIV, 0, 1), PSC_ENTRY(G0 + 512, PRIV, 1, 512),
		PSC_ENTRY(G0 + 5, PRIV, 0, 0),
	};

	raw_set(&self->raw, e, NR(e));
	ASSERT_ERRNO(0, raw_run(&self->g, &self->raw, &self->run));
	EXPECT_EQ(0, ccmem_run_state(&self->run)->psc_result);
	ASSERT_EQ(1, self->g.nr_convert);
	expect_psc(_metadata, &self->g, 0, TGPA + 5 * SZ_4K, SZ_4K, PRIV);
}

TEST_F(psc, partial_progress_is_reissued)
{
	uint64_t e[] = {
		PSC_ENTRY(G0, PRIV, 0, 0), PSC_ENTRY(G0 + 1, PRIV, 0, 0),
		PSC_ENTRY(G0 + 2, PRIV, 0, 0),
	};

	ASSERT_ERRNO(0, ccmem_emu_inject(self->g.vm, CCMEM_INJECT_CONVERT_EARLY, 1, 1));
	raw_set(&self->raw, e, NR(e));
	ASSERT_ERRNO(0, raw_run(&self->g, &self->raw, &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_DONE);
	EXPECT_EQ(0, ccmem_run_state(&self->run)->psc_result);
	ASSERT_EQ(2, self->g.nr_convert);
	expect_psc(_metadata, &self->g, 0, TGPA, SZ_4K, PRIV);
	expect_psc(_metadata, &self->g, 1, TGPA + SZ_4K, 2 * SZ_4K, PRIV);
	EXPECT_EQ(1, GSTAT("guest.convert_reissues"));
	EXPECT_EQ(2, GSTAT("snp.psc_requests"));
	EXPECT_EQ(3, ghcb_cur_entry(&self->g, 0));
}

/* At the second exit, the guest re-issued with the first part recorded. */
static void see_partial_2m(struct ccmem_guest *g, const struct ccmem_run *run)
{
	if (g->nr_convert == 2)
		*(uint64_t *)g->priv = ghcb_entry(g, 0, 0);
}

TEST_F(psc, partial_progress_inside_a_2m_entry)
{
	uint64_t e[] = { PSC_ENTRY(G0, PRIV, 1, 0) };
	uint64_t seen = ~0ULL;

	ASSERT_ERRNO(0, ccmem_emu_inject(self->g.vm, CCMEM_INJECT_CONVERT_EARLY, 100, 1));
	self->g.on_convert = see_partial_2m;
	self->g.priv = &seen;
	raw_set(&self->raw, e, NR(e));
	ASSERT_ERRNO(0, raw_run(&self->g, &self->raw, &self->run));
	EXPECT_EQ(0, ccmem_run_state(&self->run)->psc_result);
	ASSERT_EQ(2, self->g.nr_convert);
	expect_psc(_metadata, &self->g, 0, TGPA, 100 * SZ_4K, PRIV);
	expect_psc(_metadata, &self->g, 1, TGPA + 100 * SZ_4K, 412 * SZ_4K, PRIV);
	EXPECT_EQ(100, seen & 0xfff);			/* cur_page kept */
	EXPECT_EQ(512, ghcb_entry(&self->g, 0, 0) & 0xfff);
}

TEST_F(psc, backward_progress_caught)
{
	uint64_t e[] = {
		PSC_ENTRY(G0, PRIV, 0, 0), PSC_ENTRY(G0 + 1, PRIV, 0, 0),
		PSC_ENTRY(G0 + 2, PRIV, 0, 0),
	};

	ASSERT_ERRNO(0, ccmem_emu_inject(self->g.vm, CCMEM_INJECT_CONVERT_EARLY, 1, 2));
	ASSERT_ERRNO(0, ccmem_emu_inject(self->g.vm, CCMEM_INJECT_CONVERT_BACKWARD, 1, 1));
	raw_set(&self->raw, e, NR(e));
	ASSERT_ERRNO(0, raw_run(&self->g, &self->raw, &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_SECURITY);
	EXPECT_SEC(CCMEM_SEC_CONVERT_BACKWARD, self->run.security.reason);
	ASSERT_ERRNO(0, ccmem_guest_run(&self->g, 0, &self->run));
	EXPECT_GUEST_TERMINATED(&self->run, CCMEM_SEC_CONVERT_BACKWARD);
}

TEST_F(psc, backward_progress_in_guest_conversion_caught)
{
	struct ccmem_guest_insn p[] = { GI(CCMEM_GOP_ACCEPT, TGPA, 4 * SZ_2M, 0) };

	ASSERT_ERRNO(0, ccmem_emu_inject(self->g.vm, CCMEM_INJECT_CONVERT_EARLY, 512, 2));
	ASSERT_ERRNO(0, ccmem_emu_inject(self->g.vm, CCMEM_INJECT_CONVERT_BACKWARD, 1, 1));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_SECURITY);
	EXPECT_SEC(CCMEM_SEC_CONVERT_BACKWARD, self->run.security.reason);
}

TEST_F(psc, host_without_progress_caught)
{
	uint64_t e[] = { PSC_ENTRY(G0, PRIV, 0, 0) };

	ASSERT_ERRNO(0, ccmem_emu_inject(self->g.vm, CCMEM_INJECT_CONVERT_EARLY, 0, 1000));
	raw_set(&self->raw, e, NR(e));
	ASSERT_ERRNO(0, raw_run(&self->g, &self->raw, &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_SECURITY);
	EXPECT_SEC(CCMEM_SEC_CONVERT_NO_PROGRESS, self->run.security.reason);
	EXPECT_EQ(0, self->g.nr_convert);
}

TEST_F(psc, vmm_refusal_is_generic_error)
{
	uint64_t e[] = { PSC_ENTRY(G0, SHRD, 0, 0), PSC_ENTRY(G0 + 1, SHRD, 0, 0) };

	self->g.refuse = -EPERM;
	raw_set(&self->raw, e, NR(e));
	ASSERT_ERRNO(0, raw_run(&self->g, &self->raw, &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_DONE);
	EXPECT_EQ(PSC_ERR_GENERIC, ccmem_run_state(&self->run)->psc_result);
	EXPECT_EQ(0, ghcb_cur_entry(&self->g, 0));	/* nothing done */
	EXPECT_EQ(1, GSTAT("snp.psc_errors"));
}

/* The VMM (standing in for another guest vCPU) rewrites the buffer. */
static void rewrite_buffer(struct ccmem_guest *g, const struct ccmem_run *run)
{
	uint64_t junk = PSC_ENTRY(0x7, 9, 1, 0);
	uint16_t end = 252;
	uint32_t i;

	if (g->nr_convert != 1)
		return;
	memcpy(g->comm + GHCB_SHARED_BUF_OFF + 2, &end, sizeof(end));
	for (i = 0; i < 253; i++)
		memcpy(g->comm + GHCB_SHARED_BUF_OFF + 8 + i * 8, &junk, sizeof(junk));
}

TEST_F(psc, buffer_rewritten_between_reads_is_ignored)
{
	uint64_t e[] = { PSC_ENTRY(G0, PRIV, 0, 0), PSC_ENTRY(G0 + 5, SHRD, 0, 0) };

	self->g.on_convert = rewrite_buffer;
	raw_set(&self->raw, e, NR(e));
	ASSERT_ERRNO(0, raw_run(&self->g, &self->raw, &self->run));
	/* The host worked from its copy: the second exit is entry 1... */
	ASSERT_EQ(2, self->g.nr_convert);
	expect_psc(_metadata, &self->g, 1, TGPA + 5 * SZ_4K, SZ_4K, SHRD);
	EXPECT_EQ(2, ghcb_cur_entry(&self->g, 0));
	EXPECT_EQ(e[1] | 1, ghcb_entry(&self->g, 0, 1));
	/* ...and the guest noticed that its request was tampered with. */
	ASSERT_EXIT(&self->run, CCMEM_EXIT_SECURITY);
	EXPECT_SEC(CCMEM_SEC_CONVERT_BACKWARD, self->run.security.reason);
}

/* --- NAE form: malformed requests --------------------------------------- */

TEST_F(psc, end_entry_253_invalid_header)
{
	uint64_t e[253];
	uint32_t i;

	for (i = 0; i < 253; i++)
		e[i] = PSC_ENTRY(G0 + i, PRIV, 0, 0);
	raw_set(&self->raw, e, 253);
	self->raw.end_entry = 253;
	ASSERT_ERRNO(0, raw_run(&self->g, &self->raw, &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_DONE);
	EXPECT_EQ(PSC_ERR_HDR, ccmem_run_state(&self->run)->psc_result);
	EXPECT_EQ(0, self->g.nr_convert);
}

TEST_F(psc, full_253_entries_accepted)
{
	uint64_t e[253];
	uint32_t i;

	for (i = 0; i < 253; i++)
		e[i] = PSC_ENTRY(G0 + i, PRIV, 0, 0);
	raw_set(&self->raw, e, 253);
	ASSERT_ERRNO(0, raw_run(&self->g, &self->raw, &self->run));
	EXPECT_EQ(0, ccmem_run_state(&self->run)->psc_result);
	ASSERT_EQ(1, self->g.nr_convert);
	expect_psc(_metadata, &self->g, 0, TGPA, 253 * SZ_4K, PRIV);
}

TEST_F(psc, end_entry_beyond_real_buffer_invalid_header)
{
	uint64_t e[125];
	uint32_t i;

	for (i = 0; i < 125; i++)
		e[i] = PSC_ENTRY(G0 + i, PRIV, 0, 0);
	raw_set(&self->raw, e, 125);
	self->raw.buf_off = 1024;	/* room for (2032 - 1024 - 8) / 8 = 125 */
	self->raw.end_entry = 125;	/* below 253, past the buffer */
	ASSERT_ERRNO(0, raw_run(&self->g, &self->raw, &self->run));
	EXPECT_EQ(PSC_ERR_HDR, ccmem_run_state(&self->run)->psc_result);
	EXPECT_EQ(0, self->g.nr_convert);
	self->raw.end_entry = 124;	/* the last entry that fits */
	ASSERT_ERRNO(0, raw_run(&self->g, &self->raw, &self->run));
	EXPECT_EQ(0, ccmem_run_state(&self->run)->psc_result);
	ASSERT_EQ(1, self->g.nr_convert);
	expect_psc(_metadata, &self->g, 0, TGPA, 125 * SZ_4K, PRIV);
}

/* Nothing is left to do: done, with no change (as KVM completes it). */
TEST_F(psc, cur_entry_after_end_is_done)
{
	uint64_t e[] = { PSC_ENTRY(G0, PRIV, 0, 0), PSC_ENTRY(G0 + 1, PRIV, 0, 0) };

	raw_set(&self->raw, e, NR(e));
	self->raw.cur_entry = 2;
	self->raw.end_entry = 1;
	ASSERT_ERRNO(0, raw_run(&self->g, &self->raw, &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_DONE);
	EXPECT_EQ(0, ccmem_run_state(&self->run)->psc_result);
	EXPECT_EQ(0, self->g.nr_convert);
	EXPECT_EQ(2, ghcb_cur_entry(&self->g, 0));
	EXPECT_EQ(e[0], ghcb_entry(&self->g, 0, 0));
}

TEST_F(psc, private_ghcb_page_faults_the_guest)
{
	uint64_t e[] = { PSC_ENTRY(G0, PRIV, 0, 0) };

	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->g.vm, TGHCB, SZ_4K, true));
	raw_set(&self->raw, e, NR(e));
	ASSERT_ERRNO(0, raw_run(&self->g, &self->raw, &self->run));
	/* The guest cannot even write its request: it exits first. */
	ASSERT_EXIT(&self->run, CCMEM_EXIT_MEMORY_FAULT);
	EXPECT_EQ(TGHCB, self->run.memory_fault.gpa);	/* records are page aligned */
	EXPECT_EQ(0, self->run.memory_fault.flags & CCMEM_FAULT_F_PRIVATE);
}

TEST_F(psc, unaligned_2m_gfn_invalid_entry_keeps_progress)
{
	uint64_t e[] = {
		PSC_ENTRY(G0, PRIV, 0, 0), PSC_ENTRY(G0 + 1, PRIV, 1, 0),
		PSC_ENTRY(G0 + 2, PRIV, 0, 0),
	};

	raw_set(&self->raw, e, NR(e));
	ASSERT_ERRNO(0, raw_run(&self->g, &self->raw, &self->run));
	EXPECT_EQ(PSC_ERR_ENTRY, ccmem_run_state(&self->run)->psc_result);
	ASSERT_EQ(1, self->g.nr_convert);
	expect_psc(_metadata, &self->g, 0, TGPA, SZ_4K, PRIV);
	EXPECT_EQ(1, ghcb_cur_entry(&self->g, 0));	/* at the bad entry */
}

TEST_F(psc, bad_operations_invalid_entry)
{
	static const uint32_t ops[] = { 0, 5, 9, 15 };
	uint32_t i;

	for (i = 0; i < NR(ops); i++) {
		uint64_t e[] = { PSC_ENTRY(G0, ops[i], 0, 0) };

		raw_set(&self->raw, e, NR(e));
		ASSERT_ERRNO(0, raw_run(&self->g, &self->raw, &self->run));
		EXPECT_EQ(PSC_ERR_ENTRY, ccmem_run_state(&self->run)->psc_result);
	}
	EXPECT_EQ(0, self->g.nr_convert);
}

TEST_F(psc, reserved_entry_bits_invalid_entry)
{
	uint64_t e[] = { PSC_ENTRY(G0, PRIV, 0, 0) | (1ULL << 60) };

	raw_set(&self->raw, e, NR(e));
	ASSERT_ERRNO(0, raw_run(&self->g, &self->raw, &self->run));
	EXPECT_EQ(PSC_ERR_ENTRY, ccmem_run_state(&self->run)->psc_result);
}

TEST_F(psc, gfn_outside_vm_invalid_entry)
{
	uint64_t holes[] = {
		PSC_ENTRY(0x100, PRIV, 0, 0),			/* below RAM */
		PSC_ENTRY(G0 + (MEM >> 12), PRIV, 0, 0),	/* just past */
		PSC_ENTRY(G0 + (MEM >> 12), PRIV, 1, 0),	/* 2M past */
		PSC_ENTRY(0xffffffffffULL, SHRD, 0, 0),
	};
	uint32_t i;

	for (i = 0; i < NR(holes); i++) {
		raw_set(&self->raw, &holes[i], 1);
		ASSERT_ERRNO(0, raw_run(&self->g, &self->raw, &self->run));
		EXPECT_EQ(PSC_ERR_ENTRY, ccmem_run_state(&self->run)->psc_result);
	}
	EXPECT_EQ(0, self->g.nr_convert);
}

TEST_F(psc, cur_page_beyond_size_invalid_entry)
{
	uint64_t e4k[] = { PSC_ENTRY(G0, PRIV, 0, 2) };
	uint64_t e2m[] = { PSC_ENTRY(G0, PRIV, 1, 513) };

	raw_set(&self->raw, e4k, 1);
	ASSERT_ERRNO(0, raw_run(&self->g, &self->raw, &self->run));
	EXPECT_EQ(PSC_ERR_ENTRY, ccmem_run_state(&self->run)->psc_result);
	raw_set(&self->raw, e2m, 1);
	ASSERT_ERRNO(0, raw_run(&self->g, &self->raw, &self->run));
	EXPECT_EQ(PSC_ERR_ENTRY, ccmem_run_state(&self->run)->psc_result);
	EXPECT_EQ(0, self->g.nr_convert);
}

TEST_F(psc, hint_on_4k_entry_invalid_entry)
{
	uint64_t e[] = { PSC_ENTRY(G0, PSC_OP_PSMASH, 0, 0) };

	raw_set(&self->raw, e, NR(e));
	ASSERT_ERRNO(0, raw_run(&self->g, &self->raw, &self->run));
	EXPECT_EQ(PSC_ERR_ENTRY, ccmem_run_state(&self->run)->psc_result);
}

/* --- NAE form: hints ---------------------------------------------------- */

TEST_F(psc, psmash_hint_splits_a_2m_entry)
{
	struct ccmem_guest_insn p[] = { GI(CCMEM_GOP_ACCEPT, TGPA, SZ_2M, 0) };
	uint64_t e[] = { PSC_ENTRY(G0, PSC_OP_PSMASH, 1, 0) };
	struct ccmem_emu_lookup l;

	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_ERRNO(0, ccmem_emu_lookup(self->g.vm, TGPA + SZ_4K, &l));
	ASSERT_TRUE(l.state & CCMEM_EMU_S_2M);
	self->g.nr_convert = 0;
	raw_set(&self->raw, e, NR(e));
	ASSERT_ERRNO(0, raw_run(&self->g, &self->raw, &self->run));
	EXPECT_EQ(0, ccmem_run_state(&self->run)->psc_result);
	EXPECT_EQ(0, self->g.nr_convert);			/* no VMM exit */
	ASSERT_ERRNO(0, ccmem_emu_lookup(self->g.vm, TGPA + SZ_4K, &l));
	EXPECT_EQ(0, l.state & CCMEM_EMU_S_2M);
	EXPECT_TRUE(l.state & CCMEM_EMU_S_ACCEPTED);
	EXPECT_EQ(1, GSTAT("snp.psmash_hints"));
}

/* Back [gpa, gpa + 2M) with 4 KiB RMP entries, none validated. */
static int back_with_4k(struct ccmem_guest *g, uint64_t gpa)
{
	int ret = ccmem_vm_set_attr(g->vm, gpa, SZ_4K, false);

	ret = ret ?: ccmem_vm_populate(g->vm, gpa + SZ_4K, SZ_2M - SZ_4K, 0, NULL);
	return ret ?: ccmem_vm_set_attr(g->vm, gpa, SZ_4K, true);
}

TEST_F(psc, unsmash_hint_gives_back_a_2m_entry)
{
	uint64_t gpa = TGPA + SZ_2M;
	uint64_t e[] = { PSC_ENTRY(gpa >> 12, PSC_OP_UNSMASH, 1, 0) };
	struct ccmem_guest_insn p[] = { GI(CCMEM_GOP_ACCEPT, gpa, SZ_2M, 0) };
	struct ccmem_emu_lookup l;

	ASSERT_ERRNO(0, back_with_4k(&self->g, gpa));
	raw_set(&self->raw, e, NR(e));
	ASSERT_ERRNO(0, raw_run(&self->g, &self->raw, &self->run));
	EXPECT_EQ(0, ccmem_run_state(&self->run)->psc_result);
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_DONE);
	EXPECT_EQ(1, GSTAT("snp.unsmash_hints"));
	EXPECT_EQ(0, GSTAT("guest.fallbacks_4k"));		/* 2M PVALIDATE worked */
	ASSERT_ERRNO(0, ccmem_emu_lookup(self->g.vm, gpa + 7 * SZ_4K, &l));
	EXPECT_TRUE(l.state & CCMEM_EMU_S_2M);
}

TEST_F(psc, unsmash_hint_declined_for_validated_pages)
{
	uint64_t gpa = TGPA + SZ_2M;
	uint64_t e[] = { PSC_ENTRY(gpa >> 12, PSC_OP_UNSMASH, 1, 0) };
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_WRITE, gpa + 99, 8, 0x31),
		GI(CCMEM_GOP_PSC_RAW, 0, 0, (uintptr_t)&self->raw),
		GI(CCMEM_GOP_CHECK, gpa + 99, 8, 0x31),
	};

	ASSERT_ERRNO(0, back_with_4k(&self->g, gpa));
	raw_set(&self->raw, e, NR(e));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_DONE);
	EXPECT_EQ(0, ccmem_run_state(&self->run)->psc_result);
	EXPECT_EQ(0, GSTAT("snp.unsmash_hints"));
	EXPECT_EQ(1, GSTAT("guest.fallbacks_4k"));
}

/* --- MSR form ----------------------------------------------------------- */

TEST_F(psc, msr_one_page)
{
	ASSERT_ERRNO(0, msr_run(&self->g, GHCB_MSR_PSC(G0 + 3, SHRD), &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_DONE);
	EXPECT_EQ(0, ccmem_run_state(&self->run)->psc_result);
	ASSERT_EQ(1, self->g.nr_convert);
	expect_psc(_metadata, &self->g, 0, TGPA + 3 * SZ_4K, SZ_4K, SHRD);
	EXPECT_EQ(1, GSTAT("snp.psc_msr_requests"));	/* the MSR form */
	EXPECT_EQ(1, GSTAT("snp.psc_requests"));
}

TEST_F(psc, msr_bad_operation_error)
{
	static const uint32_t ops[] = { 0, 3, 4, 15 };
	uint32_t i;

	for (i = 0; i < NR(ops); i++) {
		ASSERT_ERRNO(0, msr_run(&self->g, GHCB_MSR_PSC(G0, ops[i]),
					&self->run));
		EXPECT_EQ(GHCB_MSR_PSC_ERR_INPUT, ccmem_run_state(&self->run)->psc_result);
	}
	EXPECT_EQ(0, self->g.nr_convert);
}

TEST_F(psc, msr_gfn_outside_vm_error)
{
	ASSERT_ERRNO(0, msr_run(&self->g, GHCB_MSR_PSC(G0 + (MEM >> 12), PRIV),
				&self->run));
	EXPECT_EQ(GHCB_MSR_PSC_ERR_INPUT, ccmem_run_state(&self->run)->psc_result);
	ASSERT_ERRNO(0, msr_run(&self->g, GHCB_MSR_PSC(1, PRIV), &self->run));
	EXPECT_EQ(GHCB_MSR_PSC_ERR_INPUT, ccmem_run_state(&self->run)->psc_result);
	EXPECT_EQ(0, self->g.nr_convert);
}

TEST_F(psc, msr_reserved_bits_error)
{
	ASSERT_ERRNO(0, msr_run(&self->g, GHCB_MSR_PSC(G0, PRIV) | (1ULL << 60),
				&self->run));
	EXPECT_EQ(GHCB_MSR_PSC_ERR_INPUT, ccmem_run_state(&self->run)->psc_result);
	EXPECT_EQ(0, self->g.nr_convert);
}

TEST_F(psc, msr_vmm_refusal_error)
{
	self->g.refuse = -EPERM;
	ASSERT_ERRNO(0, msr_run(&self->g, GHCB_MSR_PSC(G0, PRIV), &self->run));
	EXPECT_EQ(GHCB_MSR_PSC_ERR_VMM, ccmem_run_state(&self->run)->psc_result);
	EXPECT_EQ(1, self->g.nr_convert);
}

TEST(msr_protocol_conversions_roundtrip)
{
	struct ccmem_emu_guest_config c = ccmem_guest_config(CCMEM_ACCEPT_LAZY,
							     TGPA, MEM);
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_ACCEPT, TGPA, SZ_2M, 0),
		GI(CCMEM_GOP_WRITE, TGPA + 8 * SZ_4K, 2 * SZ_4K, 0x61),
		GI(CCMEM_GOP_CONVERT, TGPA + 8 * SZ_4K, 2 * SZ_4K,
		   CCMEM_GOP_TO_SHARED),
		GI(CCMEM_GOP_CONVERT, TGPA + 8 * SZ_4K, 2 * SZ_4K,
		   CCMEM_GOP_TO_PRIVATE),
		GI(CCMEM_GOP_CHECK, TGPA + 8 * SZ_4K, 2 * SZ_4K, 0),
	};
	struct ccmem_guest g;
	struct ccmem_run run;
	uint32_t i;

	c.flags = CCMEM_GUEST_F_CONVERT_MSR;
	ASSERT_ERRNO(0, ccmem_guest_create(&g, &c));
	ASSERT_ERRNO(0, ccmem_guest_exec(&g, 0, p, NR(p), &run));
	ASSERT_EXIT(&run, CCMEM_EXIT_EMU_DONE);
	/* 512 pages to accept, then 2 + 2: one MSR exit per page. */
	EXPECT_EQ(512 + 4, g.nr_convert);
	for (i = 0; i < CCMEM_GUEST_MAX_RECORDS; i++)
		EXPECT_EQ(SZ_4K, g.convert[i].size);
	EXPECT_EQ(512 + 4, STAT(g.vm, "snp.psc_msr_requests"));
	EXPECT_EQ(512 + 4, STAT(g.vm, "snp.psc_requests"));
	ccmem_guest_destroy(&g);
}

/* --- VMGEXIT forwarded by a VMM that plays the CPU ---------------------- */

static int vmgexit_run(struct ccmem_guest *g, struct ccmem_emu_vmgexit *x,
		       struct ccmem_run *run)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_VMGEXIT, 0, 0, (uintptr_t)x),
	};

	return ccmem_guest_exec(g, 0, p, NR(p), run);
}

TEST_F(psc, vmgexit_msr_protocol_psc)
{
	struct ccmem_emu_vmgexit x = {
		.ghcb_msr = GHCB_MSR_PSC(G0 + 7, PSC_OP_SHARED),
	};
	const struct ccmem_emu_vcpu_state *st = ccmem_run_state(&self->run);

	ASSERT_ERRNO(0, vmgexit_run(&self->g, &x, &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_DONE);
	ASSERT_EQ(1, self->g.nr_convert);
	expect_psc(_metadata, &self->g, 0, TGPA + 7 * SZ_4K, SZ_4K, SHRD);
	EXPECT_EQ(GHCB_MSR_PSC_RESP, GHCB_MSR_INFO(st->ghcb_msr));
	EXPECT_EQ(0, GHCB_MSR_PSC_RESP_ERR(st->ghcb_msr));
	EXPECT_EQ(1, GSTAT("snp.psc_msr_requests"));
	EXPECT_EQ(1, GSTAT("snp.psc_requests"));
	EXPECT_EQ(TGHCB_SIZE + SZ_4K, GSTAT("vm.shared_bytes"));

	/* A bad operation gets the error response, and no exit. */
	x.ghcb_msr = GHCB_MSR_PSC(G0, PSC_OP_PSMASH);
	ASSERT_ERRNO(0, vmgexit_run(&self->g, &x, &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_DONE);
	EXPECT_EQ(GHCB_MSR_PSC_RESP, GHCB_MSR_INFO(st->ghcb_msr));
	EXPECT_EQ(GHCB_MSR_PSC_ERR_INPUT, GHCB_MSR_PSC_RESP_ERR(st->ghcb_msr));
	EXPECT_EQ(1, self->g.nr_convert);
}

TEST_F(psc, vmgexit_nae_psc)
{
	uint64_t e[] = { PSC_ENTRY(G0 + 2, PRIV, 0, 0),
			 PSC_ENTRY(G0 + 3, PRIV, 0, 0) };
	uint16_t hdr[4] = { 0, NR(e) - 1 };	/* cur_entry, end_entry */
	uint8_t *buf = self->g.comm + GHCB_SHARED_BUF_OFF;
	struct ccmem_emu_vmgexit x = {
		.ghcb_msr = TGHCB,
		.flags = CCMEM_VMGEXIT_F_NAE,
		.exit_code = GHCB_NAE_PSC,
		.scratch = TGHCB + GHCB_SHARED_BUF_OFF,
	};
	const struct ccmem_emu_vcpu_state *st = ccmem_run_state(&self->run);

	/* The request lies in the GHCB's shared buffer, where the guest put it. */
	memcpy(buf, hdr, PSC_HDR_SIZE);
	memcpy(buf + PSC_HDR_SIZE, e, sizeof(e));
	ASSERT_ERRNO(0, vmgexit_run(&self->g, &x, &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_DONE);
	EXPECT_EQ(0, st->exit_info2);
	ASSERT_EQ(1, self->g.nr_convert);
	expect_psc(_metadata, &self->g, 0, TGPA + 2 * SZ_4K, 2 * SZ_4K, PRIV);
	EXPECT_EQ(NR(e), ghcb_cur_entry(&self->g, 0));
	EXPECT_EQ(1, GSTAT("snp.psc_requests"));
	EXPECT_EQ(0, GSTAT("snp.psc_msr_requests"));
	EXPECT_EQ(2, GSTAT("snp.psc_entries"));

	/* A scratch area outside the GHCB's shared buffer is refused. */
	x.scratch = TGPA;
	ASSERT_ERRNO(0, vmgexit_run(&self->g, &x, &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_DONE);
	EXPECT_EQ(GHCB_EXITINFO1_ERROR, st->exit_info1);
	EXPECT_EQ(GHCB_ERR_INVALID_SCRATCH_AREA, st->exit_info2);
	EXPECT_EQ(1, self->g.nr_convert);
}

TEST_HARNESS_MAIN
