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
#include "ccmem_guest_test.h"

#define MEM		(32ULL << 20)
#define G0		(TGPA >> 12)
#define PRIV		CCMEM_PSC_PRIVATE
#define SHRD		CCMEM_PSC_SHARED

FIXTURE(psc) {
	struct tguest g;
	struct ccmem_run run;
	struct ccmem_psc_raw raw;
	struct ccmem_guest_stats st;
};

FIXTURE_SETUP(psc)
{
	ASSERT_EQ(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	memset(&self->raw, 0, sizeof(self->raw));
}

FIXTURE_TEARDOWN(psc)
{
	tguest_destroy(&self->g);
}

/* Fill @raw with @nr entries, header cur 0 / end nr - 1, at offset 0. */
static void raw_set(struct ccmem_psc_raw *raw, const uint64_t *e, uint32_t nr)
{
	memset(raw, 0, sizeof(*raw));
	memcpy(raw->entries, e, nr * sizeof(*e));
	raw->nr = nr;
	raw->end_entry = nr - 1;
}

static int raw_run(struct tguest *g, struct ccmem_psc_raw *raw,
		   struct ccmem_run *run)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_PSC_RAW, 0, 0, (uintptr_t)raw),
	};

	return tguest_exec(g, 0, p, 1, run);
}

static int msr_run(struct tguest *g, uint64_t msr, struct ccmem_run *run)
{
	struct ccmem_guest_insn p[] = { GI(CCMEM_GOP_PSC_MSR_RAW, 0, 0, msr) };

	return tguest_exec(g, 0, p, 1, run);
}

/* The header and entries as the guest's GHCB buffer holds them now. */
static uint16_t ghcb_cur_entry(struct tguest *g, uint32_t off)
{
	uint16_t v;

	memcpy(&v, g->ghcb + 0x800 + off, sizeof(v));
	return v;
}

static uint64_t ghcb_entry(struct tguest *g, uint32_t off, uint32_t i)
{
	uint64_t v;

	memcpy(&v, g->ghcb + 0x800 + off + 8 + i * 8, sizeof(v));
	return v;
}

static void expect_psc(struct __test_metadata *_metadata, struct tguest *g,
		       uint32_t i, uint64_t gpa, uint64_t size, uint32_t op)
{
	ASSERT_LT(i, g->nr_psc);
	EXPECT_EQ(gpa, g->psc[i].gpa);
	EXPECT_EQ(size, g->psc[i].size);
	EXPECT_EQ(op, g->psc[i].op);
}

/* --- NAE form: processing ----------------------------------------------- */

TEST_F(psc, adjacent_entries_merge_into_one_exit)
{
	uint64_t e[] = {
		PSC_ENTRY(G0, PRIV, 0, 0), PSC_ENTRY(G0 + 1, PRIV, 0, 0),
		PSC_ENTRY(G0 + 2, PRIV, 0, 0), PSC_ENTRY(G0 + 3, PRIV, 0, 0),
		PSC_ENTRY(G0 + 10, PRIV, 0, 0), PSC_ENTRY(G0 + 11, SHRD, 0, 0),
	};

	raw_set(&self->raw, e, NR(e));
	ASSERT_EQ(0, raw_run(&self->g, &self->raw, &self->run));
	ASSERT_EQ(CCMEM_EXIT_DONE, self->run.exit_reason);
	EXPECT_EQ(0, self->run.psc_result);
	ASSERT_EQ(3, self->g.nr_psc);
	expect_psc(_metadata, &self->g, 0, TGPA, 4 * SZ_4K, PRIV);
	expect_psc(_metadata, &self->g, 1, TGPA + 10 * SZ_4K, SZ_4K, PRIV);
	expect_psc(_metadata, &self->g, 2, TGPA + 11 * SZ_4K, SZ_4K, SHRD);
	EXPECT_EQ(CCMEM_PSC_FORM_GHCB, self->g.psc[0].form);
	EXPECT_EQ(6, ghcb_cur_entry(&self->g, 0));	/* end_entry + 1 */
	EXPECT_EQ(1, ghcb_entry(&self->g, 0, 3) & 0xfff);
	ASSERT_EQ(0, tguest_stats(&self->g, &self->st));
	EXPECT_EQ(3, self->st.host_psc_exits);
	EXPECT_EQ(6, self->st.host_psc_entries);
	EXPECT_EQ(1, self->st.host_psc_requests);
}

TEST_F(psc, huge_and_following_4k_entry_merge)
{
	uint64_t e[] = {
		PSC_ENTRY(G0 + 512, SHRD, 1, 0), PSC_ENTRY(G0 + 1024, SHRD, 0, 0),
	};

	raw_set(&self->raw, e, NR(e));
	ASSERT_EQ(0, raw_run(&self->g, &self->raw, &self->run));
	ASSERT_EQ(CCMEM_EXIT_DONE, self->run.exit_reason);
	EXPECT_EQ(0, self->run.psc_result);
	ASSERT_EQ(1, self->g.nr_psc);
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
	ASSERT_EQ(0, raw_run(&self->g, &self->raw, &self->run));
	EXPECT_EQ(0, self->run.psc_result);
	ASSERT_EQ(1, self->g.nr_psc);
	expect_psc(_metadata, &self->g, 0, TGPA + 5 * SZ_4K, SZ_4K, PRIV);
}

TEST_F(psc, partial_progress_is_reissued)
{
	uint64_t e[] = {
		PSC_ENTRY(G0, PRIV, 0, 0), PSC_ENTRY(G0 + 1, PRIV, 0, 0),
		PSC_ENTRY(G0 + 2, PRIV, 0, 0),
	};

	ASSERT_EQ(0, tvm_inject(&self->g.t, CCMEM_INJECT_PSC_EARLY, 1, 1));
	raw_set(&self->raw, e, NR(e));
	ASSERT_EQ(0, raw_run(&self->g, &self->raw, &self->run));
	ASSERT_EQ(CCMEM_EXIT_DONE, self->run.exit_reason);
	EXPECT_EQ(0, self->run.psc_result);
	ASSERT_EQ(2, self->g.nr_psc);
	expect_psc(_metadata, &self->g, 0, TGPA, SZ_4K, PRIV);
	expect_psc(_metadata, &self->g, 1, TGPA + SZ_4K, 2 * SZ_4K, PRIV);
	ASSERT_EQ(0, tguest_stats(&self->g, &self->st));
	EXPECT_EQ(1, self->st.psc_reissues);
	EXPECT_EQ(2, self->st.host_psc_requests);
	EXPECT_EQ(3, ghcb_cur_entry(&self->g, 0));
}

/* At the second exit, the guest re-issued with the first part recorded. */
static void see_partial_2m(struct tguest *g, const struct ccmem_run *run)
{
	if (g->nr_psc == 2)
		*(uint64_t *)g->priv = ghcb_entry(g, 0, 0);
}

TEST_F(psc, partial_progress_inside_a_2m_entry)
{
	uint64_t e[] = { PSC_ENTRY(G0, PRIV, 1, 0) };
	uint64_t seen = ~0ULL;

	ASSERT_EQ(0, tvm_inject(&self->g.t, CCMEM_INJECT_PSC_EARLY, 100, 1));
	self->g.on_psc = see_partial_2m;
	self->g.priv = &seen;
	raw_set(&self->raw, e, NR(e));
	ASSERT_EQ(0, raw_run(&self->g, &self->raw, &self->run));
	EXPECT_EQ(0, self->run.psc_result);
	ASSERT_EQ(2, self->g.nr_psc);
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

	ASSERT_EQ(0, tvm_inject(&self->g.t, CCMEM_INJECT_PSC_EARLY, 1, 2));
	ASSERT_EQ(0, tvm_inject(&self->g.t, CCMEM_INJECT_PSC_BACKWARD, 1, 1));
	raw_set(&self->raw, e, NR(e));
	ASSERT_EQ(0, raw_run(&self->g, &self->raw, &self->run));
	ASSERT_EQ(CCMEM_EXIT_SECURITY, self->run.exit_reason);
	EXPECT_EQ(CCMEM_SEC_PSC_BACKWARD, self->run.security.reason);
	ASSERT_EQ(0, tguest_run(&self->g, 0, &self->run));
	EXPECT_EQ(CCMEM_EXIT_TERMINATED, self->run.exit_reason);
}

TEST_F(psc, backward_progress_in_guest_conversion_caught)
{
	struct ccmem_guest_insn p[] = { GI(CCMEM_GOP_ACCEPT, TGPA, 4 * SZ_2M, 0) };

	ASSERT_EQ(0, tvm_inject(&self->g.t, CCMEM_INJECT_PSC_EARLY, 512, 2));
	ASSERT_EQ(0, tvm_inject(&self->g.t, CCMEM_INJECT_PSC_BACKWARD, 1, 1));
	ASSERT_EQ(0, tguest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EQ(CCMEM_EXIT_SECURITY, self->run.exit_reason);
	EXPECT_EQ(CCMEM_SEC_PSC_BACKWARD, self->run.security.reason);
}

TEST_F(psc, host_without_progress_caught)
{
	uint64_t e[] = { PSC_ENTRY(G0, PRIV, 0, 0) };

	ASSERT_EQ(0, tvm_inject(&self->g.t, CCMEM_INJECT_PSC_EARLY, 0, 1000));
	raw_set(&self->raw, e, NR(e));
	ASSERT_EQ(0, raw_run(&self->g, &self->raw, &self->run));
	ASSERT_EQ(CCMEM_EXIT_SECURITY, self->run.exit_reason);
	EXPECT_EQ(CCMEM_SEC_PSC_NO_PROGRESS, self->run.security.reason);
	EXPECT_EQ(0, self->g.nr_psc);
}

TEST_F(psc, vmm_refusal_is_generic_error)
{
	uint64_t e[] = { PSC_ENTRY(G0, SHRD, 0, 0), PSC_ENTRY(G0 + 1, SHRD, 0, 0) };

	self->g.refuse_psc = -EPERM;
	raw_set(&self->raw, e, NR(e));
	ASSERT_EQ(0, raw_run(&self->g, &self->raw, &self->run));
	ASSERT_EQ(CCMEM_EXIT_DONE, self->run.exit_reason);
	EXPECT_EQ(PSC_ERR_GENERIC, self->run.psc_result);
	EXPECT_EQ(0, ghcb_cur_entry(&self->g, 0));	/* nothing done */
	ASSERT_EQ(0, tguest_stats(&self->g, &self->st));
	EXPECT_EQ(1, self->st.host_psc_errors);
}

/* The VMM (standing in for another guest vCPU) rewrites the buffer. */
static void rewrite_buffer(struct tguest *g, const struct ccmem_run *run)
{
	uint64_t junk = PSC_ENTRY(0x7, 9, 1, 0);
	uint16_t end = 252;
	uint32_t i;

	if (g->nr_psc != 1)
		return;
	memcpy(g->ghcb + 0x800 + 2, &end, sizeof(end));
	for (i = 0; i < 253; i++)
		memcpy(g->ghcb + 0x800 + 8 + i * 8, &junk, sizeof(junk));
}

TEST_F(psc, buffer_rewritten_between_reads_is_ignored)
{
	uint64_t e[] = { PSC_ENTRY(G0, PRIV, 0, 0), PSC_ENTRY(G0 + 5, SHRD, 0, 0) };

	self->g.on_psc = rewrite_buffer;
	raw_set(&self->raw, e, NR(e));
	ASSERT_EQ(0, raw_run(&self->g, &self->raw, &self->run));
	/* The host worked from its copy: the second exit is entry 1... */
	ASSERT_EQ(2, self->g.nr_psc);
	expect_psc(_metadata, &self->g, 1, TGPA + 5 * SZ_4K, SZ_4K, SHRD);
	EXPECT_EQ(2, ghcb_cur_entry(&self->g, 0));
	EXPECT_EQ(e[1] | 1, ghcb_entry(&self->g, 0, 1));
	/* ...and the guest noticed that its request was tampered with. */
	ASSERT_EQ(CCMEM_EXIT_SECURITY, self->run.exit_reason);
	EXPECT_EQ(CCMEM_SEC_PSC_BACKWARD, self->run.security.reason);
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
	ASSERT_EQ(0, raw_run(&self->g, &self->raw, &self->run));
	ASSERT_EQ(CCMEM_EXIT_DONE, self->run.exit_reason);
	EXPECT_EQ(PSC_ERR_HDR, self->run.psc_result);
	EXPECT_EQ(0, self->g.nr_psc);
}

TEST_F(psc, full_253_entries_accepted)
{
	uint64_t e[253];
	uint32_t i;

	for (i = 0; i < 253; i++)
		e[i] = PSC_ENTRY(G0 + i, PRIV, 0, 0);
	raw_set(&self->raw, e, 253);
	ASSERT_EQ(0, raw_run(&self->g, &self->raw, &self->run));
	EXPECT_EQ(0, self->run.psc_result);
	ASSERT_EQ(1, self->g.nr_psc);
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
	ASSERT_EQ(0, raw_run(&self->g, &self->raw, &self->run));
	EXPECT_EQ(PSC_ERR_HDR, self->run.psc_result);
	EXPECT_EQ(0, self->g.nr_psc);
	self->raw.end_entry = 124;	/* the last entry that fits */
	ASSERT_EQ(0, raw_run(&self->g, &self->raw, &self->run));
	EXPECT_EQ(0, self->run.psc_result);
	ASSERT_EQ(1, self->g.nr_psc);
	expect_psc(_metadata, &self->g, 0, TGPA, 125 * SZ_4K, PRIV);
}

TEST_F(psc, cur_entry_after_end_invalid_header)
{
	uint64_t e[] = { PSC_ENTRY(G0, PRIV, 0, 0), PSC_ENTRY(G0 + 1, PRIV, 0, 0) };

	raw_set(&self->raw, e, NR(e));
	self->raw.cur_entry = 2;
	self->raw.end_entry = 1;
	ASSERT_EQ(0, raw_run(&self->g, &self->raw, &self->run));
	EXPECT_EQ(PSC_ERR_HDR, self->run.psc_result);
	EXPECT_EQ(0, self->g.nr_psc);
}

TEST_F(psc, private_ghcb_page_faults_the_guest)
{
	uint64_t e[] = { PSC_ENTRY(G0, PRIV, 0, 0) };

	ASSERT_EQ(0, tvm_set_attr(&self->g.t, TGHCB, SZ_4K, true));
	raw_set(&self->raw, e, NR(e));
	ASSERT_EQ(0, raw_run(&self->g, &self->raw, &self->run));
	/* The guest cannot even write its request: it exits first. */
	ASSERT_EQ(CCMEM_EXIT_MEMORY_FAULT, self->run.exit_reason);
	EXPECT_EQ(TGHCB, self->run.fault.gpa);	/* records are page aligned */
	EXPECT_EQ(0, self->run.fault.flags & CCMEM_FAULT_F_PRIVATE);
}

TEST_F(psc, unaligned_2m_gfn_invalid_entry_keeps_progress)
{
	uint64_t e[] = {
		PSC_ENTRY(G0, PRIV, 0, 0), PSC_ENTRY(G0 + 1, PRIV, 1, 0),
		PSC_ENTRY(G0 + 2, PRIV, 0, 0),
	};

	raw_set(&self->raw, e, NR(e));
	ASSERT_EQ(0, raw_run(&self->g, &self->raw, &self->run));
	EXPECT_EQ(PSC_ERR_ENTRY, self->run.psc_result);
	ASSERT_EQ(1, self->g.nr_psc);
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
		ASSERT_EQ(0, raw_run(&self->g, &self->raw, &self->run));
		EXPECT_EQ(PSC_ERR_ENTRY, self->run.psc_result);
	}
	EXPECT_EQ(0, self->g.nr_psc);
}

TEST_F(psc, reserved_entry_bits_invalid_entry)
{
	uint64_t e[] = { PSC_ENTRY(G0, PRIV, 0, 0) | (1ULL << 60) };

	raw_set(&self->raw, e, NR(e));
	ASSERT_EQ(0, raw_run(&self->g, &self->raw, &self->run));
	EXPECT_EQ(PSC_ERR_ENTRY, self->run.psc_result);
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
		ASSERT_EQ(0, raw_run(&self->g, &self->raw, &self->run));
		EXPECT_EQ(PSC_ERR_ENTRY, self->run.psc_result);
	}
	EXPECT_EQ(0, self->g.nr_psc);
}

TEST_F(psc, cur_page_beyond_size_invalid_entry)
{
	uint64_t e4k[] = { PSC_ENTRY(G0, PRIV, 0, 2) };
	uint64_t e2m[] = { PSC_ENTRY(G0, PRIV, 1, 513) };

	raw_set(&self->raw, e4k, 1);
	ASSERT_EQ(0, raw_run(&self->g, &self->raw, &self->run));
	EXPECT_EQ(PSC_ERR_ENTRY, self->run.psc_result);
	raw_set(&self->raw, e2m, 1);
	ASSERT_EQ(0, raw_run(&self->g, &self->raw, &self->run));
	EXPECT_EQ(PSC_ERR_ENTRY, self->run.psc_result);
	EXPECT_EQ(0, self->g.nr_psc);
}

TEST_F(psc, hint_on_4k_entry_invalid_entry)
{
	uint64_t e[] = { PSC_ENTRY(G0, CCMEM_PSC_PSMASH, 0, 0) };

	raw_set(&self->raw, e, NR(e));
	ASSERT_EQ(0, raw_run(&self->g, &self->raw, &self->run));
	EXPECT_EQ(PSC_ERR_ENTRY, self->run.psc_result);
}

/* --- NAE form: hints ---------------------------------------------------- */

TEST_F(psc, psmash_hint_splits_a_2m_entry)
{
	struct ccmem_guest_insn p[] = { GI(CCMEM_GOP_ACCEPT, TGPA, SZ_2M, 0) };
	uint64_t e[] = { PSC_ENTRY(G0, CCMEM_PSC_PSMASH, 1, 0) };
	struct ccmem_emu_op op;

	ASSERT_EQ(0, tguest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EQ(0, tvm_lookup(&self->g.t, TGPA + SZ_4K, &op));
	ASSERT_TRUE(op.out_flags & CCMEM_EMU_O_2M);
	self->g.nr_psc = 0;
	raw_set(&self->raw, e, NR(e));
	ASSERT_EQ(0, raw_run(&self->g, &self->raw, &self->run));
	EXPECT_EQ(0, self->run.psc_result);
	EXPECT_EQ(0, self->g.nr_psc);			/* no VMM exit */
	ASSERT_EQ(0, tvm_lookup(&self->g.t, TGPA + SZ_4K, &op));
	EXPECT_EQ(0, op.out_flags & CCMEM_EMU_O_2M);
	EXPECT_TRUE(op.out_flags & CCMEM_EMU_O_VALIDATED);
	ASSERT_EQ(0, tguest_stats(&self->g, &self->st));
	EXPECT_EQ(1, self->st.host_psmash_hints);
}

/* Back [gpa, gpa + 2M) with 4 KiB RMP entries, none validated. */
static int back_with_4k(struct tguest *g, uint64_t gpa)
{
	int ret = tvm_set_attr(&g->t, gpa, SZ_4K, false);

	ret = ret ?: tvm_populate(&g->t, gpa + SZ_4K, SZ_2M - SZ_4K, 0, NULL);
	return ret ?: tvm_set_attr(&g->t, gpa, SZ_4K, true);
}

TEST_F(psc, unsmash_hint_gives_back_a_2m_entry)
{
	uint64_t gpa = TGPA + SZ_2M;
	uint64_t e[] = { PSC_ENTRY(gpa >> 12, CCMEM_PSC_UNSMASH, 1, 0) };
	struct ccmem_guest_insn p[] = { GI(CCMEM_GOP_ACCEPT, gpa, SZ_2M, 0) };
	struct ccmem_emu_op op;

	ASSERT_EQ(0, back_with_4k(&self->g, gpa));
	raw_set(&self->raw, e, NR(e));
	ASSERT_EQ(0, raw_run(&self->g, &self->raw, &self->run));
	EXPECT_EQ(0, self->run.psc_result);
	ASSERT_EQ(0, tguest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EQ(CCMEM_EXIT_DONE, self->run.exit_reason);
	ASSERT_EQ(0, tguest_stats(&self->g, &self->st));
	EXPECT_EQ(1, self->st.host_unsmash_hints);
	EXPECT_EQ(0, self->st.fallbacks_4k);		/* 2M PVALIDATE worked */
	ASSERT_EQ(0, tvm_lookup(&self->g.t, gpa + 7 * SZ_4K, &op));
	EXPECT_TRUE(op.out_flags & CCMEM_EMU_O_2M);
}

TEST_F(psc, unsmash_hint_declined_for_validated_pages)
{
	uint64_t gpa = TGPA + SZ_2M;
	uint64_t e[] = { PSC_ENTRY(gpa >> 12, CCMEM_PSC_UNSMASH, 1, 0) };
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_WRITE, gpa + 99, 8, 0x31),
		GI(CCMEM_GOP_PSC_RAW, 0, 0, (uintptr_t)&self->raw),
		GI(CCMEM_GOP_CHECK, gpa + 99, 8, 0x31),
	};

	ASSERT_EQ(0, back_with_4k(&self->g, gpa));
	raw_set(&self->raw, e, NR(e));
	ASSERT_EQ(0, tguest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EQ(CCMEM_EXIT_DONE, self->run.exit_reason);
	EXPECT_EQ(0, self->run.psc_result);
	ASSERT_EQ(0, tguest_stats(&self->g, &self->st));
	EXPECT_EQ(0, self->st.host_unsmash_hints);
	EXPECT_EQ(1, self->st.fallbacks_4k);
}

/* --- MSR form ----------------------------------------------------------- */

TEST_F(psc, msr_one_page)
{
	ASSERT_EQ(0, msr_run(&self->g, MSR_PSC_REQ(G0 + 3, SHRD), &self->run));
	ASSERT_EQ(CCMEM_EXIT_DONE, self->run.exit_reason);
	EXPECT_EQ(0, self->run.psc_result);
	ASSERT_EQ(1, self->g.nr_psc);
	expect_psc(_metadata, &self->g, 0, TGPA + 3 * SZ_4K, SZ_4K, SHRD);
	EXPECT_EQ(CCMEM_PSC_FORM_MSR, self->g.psc[0].form);
}

TEST_F(psc, msr_bad_operation_error)
{
	static const uint32_t ops[] = { 0, 3, 4, 15 };
	uint32_t i;

	for (i = 0; i < NR(ops); i++) {
		ASSERT_EQ(0, msr_run(&self->g, MSR_PSC_REQ(G0, ops[i]),
				     &self->run));
		EXPECT_EQ(0xffffffffULL, self->run.psc_result);
	}
	EXPECT_EQ(0, self->g.nr_psc);
}

TEST_F(psc, msr_gfn_outside_vm_error)
{
	ASSERT_EQ(0, msr_run(&self->g, MSR_PSC_REQ(G0 + (MEM >> 12), PRIV),
			     &self->run));
	EXPECT_EQ(0xffffffffULL, self->run.psc_result);
	ASSERT_EQ(0, msr_run(&self->g, MSR_PSC_REQ(1, PRIV), &self->run));
	EXPECT_EQ(0xffffffffULL, self->run.psc_result);
	EXPECT_EQ(0, self->g.nr_psc);
}

TEST_F(psc, msr_reserved_bits_error)
{
	ASSERT_EQ(0, msr_run(&self->g, MSR_PSC_REQ(G0, PRIV) | (1ULL << 60),
			     &self->run));
	EXPECT_EQ(0xffffffffULL, self->run.psc_result);
	EXPECT_EQ(0, self->g.nr_psc);
}

TEST_F(psc, msr_vmm_refusal_error)
{
	self->g.refuse_psc = -EPERM;
	ASSERT_EQ(0, msr_run(&self->g, MSR_PSC_REQ(G0, PRIV), &self->run));
	EXPECT_EQ(0x100, self->run.psc_result);
	EXPECT_EQ(1, self->g.nr_psc);
}

TEST(msr_protocol_conversions_roundtrip)
{
	struct ccmem_guest_config c = tguest_config(CCMEM_ACCEPT_LAZY, MEM);
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_ACCEPT, TGPA, SZ_2M, 0),
		GI(CCMEM_GOP_WRITE, TGPA + 8 * SZ_4K, 2 * SZ_4K, 0x61),
		GI(CCMEM_GOP_CONVERT, TGPA + 8 * SZ_4K, 2 * SZ_4K, SHRD),
		GI(CCMEM_GOP_CONVERT, TGPA + 8 * SZ_4K, 2 * SZ_4K, PRIV),
		GI(CCMEM_GOP_CHECK, TGPA + 8 * SZ_4K, 2 * SZ_4K, 0),
	};
	struct ccmem_run run;
	struct tguest g;
	uint32_t i;

	c.flags = CCMEM_GUEST_F_PSC_MSR;
	ASSERT_EQ(0, tguest_create_cfg(&g, &c));
	ASSERT_EQ(0, tguest_exec(&g, 0, p, NR(p), &run));
	ASSERT_EQ(CCMEM_EXIT_DONE, run.exit_reason);
	/* 512 pages to accept, then 2 + 2: one MSR exit per page. */
	EXPECT_EQ(512 + 4, g.nr_psc);
	for (i = 0; i < TGUEST_MAX_PSC; i++) {
		EXPECT_EQ(CCMEM_PSC_FORM_MSR, g.psc[i].form);
		EXPECT_EQ(SZ_4K, g.psc[i].size);
	}
	tguest_destroy(&g);
}

TEST_HARNESS_MAIN
