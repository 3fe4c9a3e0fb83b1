// SPDX-License-Identifier: GPL-2.0
/*
 * test_plat.c - the tests of one platform's protocol: SNP's Page State
 * Change (MSR protocol and NAE), RMPADJUST and PVALIDATE; TDX's
 * TDG.VP.INFO, MapGPA, TDG.VP.VMCALL and TDG.MEM.PAGE.ACCEPT. Each skips
 * on the other platforms. The raw instructions go through the same
 * environment op the core uses (tiny_env_ops.insn), so what they test is
 * what the core runs on.
 */
#include "ktap.h"
#include "../../platform/snp/ghcb.h"
#include "../../platform/tdx/tdx_abi.h"

/* RMPADJUST (APM vol. 3): RDX = target VMPL 7:0, permissions 15:8. */
#define RMPADJUST_PERM_R		BIT_ULL(8)
#define RMPADJUST_PERM_W		BIT_ULL(9)
#define RMPADJUST_FAIL_PERMISSION	2

#define SNP_ONLY()							\
	do {								\
		if (tiny.plat != TINY_SNP)				\
			T_SKIP("SNP only");				\
	} while (0)

#define TDX_ONLY()							\
	do {								\
		if (tiny.plat != TINY_TDX)				\
			T_SKIP("TDX only");				\
	} while (0)

static int tt_insn(u32 op, u64 gpa, u64 rcx, u64 rdx, struct ga_insn *in)
{
	*in = (struct ga_insn){ .op = op, .gpa = gpa, .rcx = rcx, .rdx = rdx };
	return tiny_env_ops.insn(NULL, in);
}

/* ---- SNP ------------------------------------------------------------------ */

/* ccmem.psc=msr: one MSR-protocol VMGEXIT per page, each way. */
void test_psc_msr_protocol(void)
{
	bool old = tiny_g.msr_protocol;
	struct ga_stats s0;
	u64 p;
	int ret;

	SNP_ONLY();
	T_OK(ga_alloc(&tiny_v, 4, &p));
	s0 = tiny_g.stat;
	tiny_g.msr_protocol = true;
	ret = ga_convert(&tiny_v, p, 4 * CCMEM_PAGE_SIZE, true);
	if (!ret)
		ret = ga_convert(&tiny_v, p, 4 * CCMEM_PAGE_SIZE, false);
	tiny_g.msr_protocol = old;
	T_OK(ret);
	T_EQ(8, DELTA(s0, hypercalls));
	T_EQ(8, DELTA(s0, convert_entries));
	tt_fill(p, 4 * CCMEM_PAGE_SIZE, 9, false);
	T_ASSERT(tt_check(p, 4 * CCMEM_PAGE_SIZE, 9, false), "");
	/* Operation 0 does not exist: the host answers with an error. */
	T_OK(ga_psc_msr_raw(&tiny_v, GHCB_MSR_PSC(p >> CCMEM_PAGE_SHIFT, 0)));
	T_ASSERT(tiny_v.psc_last_result,
		 "the host accepted a PSC request with operation 0");
	T_EQ(0, DELTA(s0, security_events));
	T_OK(ga_free(&tiny_v, p, 4));
}

/* 300 4 KiB entries: two NAE requests (253 + 47) each way. */
void test_psc_nae_multi_entry(void)
{
	bool old = tiny_g.msr_protocol;
	struct ga_stats s0, s1;
	u64 p, n = 300, size = n * CCMEM_PAGE_SIZE;
	int ret;

	SNP_ONLY();
	T_OK(ga_alloc(&tiny_v, n, &p));
	tiny_g.msr_protocol = false;
	s0 = tiny_g.stat;
	ret = ga_convert(&tiny_v, p, size, true);
	s1 = tiny_g.stat;
	if (!ret)
		ret = ga_convert(&tiny_v, p, size, false);
	tiny_g.msr_protocol = old;
	T_OK(ret);
	T_EQ(n, s1.convert_entries - s0.convert_entries);
	T_EQ(2 + s1.convert_reissues - s0.convert_reissues,
	     s1.hypercalls - s0.hypercalls);
	T_EQ(n, DELTA(s1, convert_entries));
	T_EQ(2 + DELTA(s1, convert_reissues), DELTA(s1, hypercalls));
	tt_fill(p, size, 10, false);
	T_ASSERT(tt_check(p, size, 10, false), "");
	T_OK(ga_free(&tiny_v, p, n));
}

/*
 * An aligned 2 MiB range is one 2 MiB entry; a 2 MiB entry at a gfn that
 * is not 2 MiB aligned is refused as an invalid entry, without harm.
 */
void test_psc_nae_2m_entries(void)
{
	bool old = tiny_g.msr_protocol;
	struct ga_stats s0;
	u64 base, b, entry;
	int ret;

	SNP_ONLY();
	if (tiny_g.force_4k)
		T_SKIP("ccmem.force4k=1: no 2 MiB entries");
	T_OK(tt_alloc_aligned_2m(&base, &b));
	tiny_g.msr_protocol = false;
	s0 = tiny_g.stat;
	ret = ga_convert(&tiny_v, b, TINY_2M, true);
	if (!ret)
		ret = ga_convert(&tiny_v, b, TINY_2M, false);
	tiny_g.msr_protocol = old;
	T_OK(ret);
	T_EQ(2, DELTA(s0, convert_entries));
	T_EQ(2 + DELTA(s0, convert_reissues), DELTA(s0, hypercalls));

	entry = PSC_ENTRY((b >> CCMEM_PAGE_SHIFT) + 1, PSC_OP_PRIVATE, true, 0);
	T_OK(ga_psc_raw(&tiny_v, 0, 0, 0, &entry, 1));
	T_EQ(PSC_ERR_ENTRY, tiny_v.psc_last_result);
	T_EQ(0, DELTA(s0, security_events));
	tt_fill(b, TINY_2M, 11, false);
	T_ASSERT(tt_check(b, TINY_2M, 11, false), "");
	T_OK(ga_free(&tiny_v, base, 1024));
}

/*
 * At VMPL0 the guest may grant VMPL1 permissions on its validated page,
 * not change its own (the target must be a less privileged VMPL).
 */
void test_rmpadjust_vmpl_perms(void)
{
	u64 perms = RMPADJUST_PERM_R | RMPADJUST_PERM_W;
	struct ga_insn in;
	u64 p;

	SNP_ONLY();
	T_OK(ga_alloc(&tiny_v, 1, &p));
	T_OK(tt_insn(GA_INSN_RMPADJUST, p, 0, 1 | perms, &in));
	T_EQ(0, in.rax);
	T_OK(tt_insn(GA_INSN_RMPADJUST, p, 0, 0 | perms, &in));
	T_EQ(RMPADJUST_FAIL_PERMISSION, in.rax);
	T_OK(tt_insn(GA_INSN_RMPADJUST, p, 0, 1, &in));
	T_EQ(0, in.rax);
	tt_fill(p, CCMEM_PAGE_SIZE, 12, false);
	T_ASSERT(tt_check(p, CCMEM_PAGE_SIZE, 12, false), "");
	T_OK(ga_free(&tiny_v, p, 1));
}

/*
 * PVALIDATE reports "no change" with CF: a second rescind and a second
 * validate of one page. (The core turns that CF into DOUBLE_ACCEPT; here
 * the instruction runs raw, outside the core.)
 */
void test_pvalidate_rescind_then_validate(void)
{
	struct ga_insn in;
	u64 p;

	SNP_ONLY();
	T_OK(ga_alloc(&tiny_v, 1, &p));
	T_OK(tt_insn(GA_INSN_PVALIDATE, p, 0, 0, &in));
	T_ASSERT(!in.rax && !in.cf, "rescind: rax %llu cf %d", in.rax, in.cf);
	T_OK(tt_insn(GA_INSN_PVALIDATE, p, 0, 0, &in));
	T_ASSERT(in.cf, "a second rescind must say no change (rax %llu)",
		 in.rax);
	T_OK(tt_insn(GA_INSN_PVALIDATE, p, 0, 1, &in));
	T_ASSERT(!in.rax && !in.cf, "validate: rax %llu cf %d", in.rax,
		 in.cf);
	T_OK(tt_insn(GA_INSN_PVALIDATE, p, 0, 1, &in));
	T_ASSERT(in.cf, "a second validate must say no change (rax %llu)",
		 in.rax);
	tt_fill(p, CCMEM_PAGE_SIZE, 13, false);
	T_ASSERT(tt_check(p, CCMEM_PAGE_SIZE, 13, false), "");
	T_OK(ga_free(&tiny_v, p, 1));
}

/* ---- TDX ------------------------------------------------------------------- */

void test_vp_info_sane(void)
{
	u64 rcx, rdx, r8, r9;

	TDX_ONLY();
	T_EQ(0, tiny_tdx_vp_info(&rcx, &rdx, &r8, &r9));
	tiny_printf("#   GPAW %llu, attributes 0x%llx, vCPUs %u of %u, index %u\n",
		    rcx & 0x3f, rdx, (u32)r8, (u32)(r8 >> 32), (u32)r9);
	T_ASSERT((rcx & 0x3f) == TDX_GPAW_48 || (rcx & 0x3f) == TDX_GPAW_52,
		 "GPAW %llu", rcx & 0x3f);
	T_EQ(tiny_g.tdx.gpaw, rcx & 0x3f);
	T_EQ(tiny_g.tdx.attr, rdx);
	T_ASSERT((u32)r8 >= 1, "no vCPU");
	T_ASSERT((u32)r9 < (u32)r8, "vCPU index %u of %u", (u32)r9, (u32)r8);
}

void test_mapgpa_basic(void)
{
	struct ga_hcall hc = {};
	struct ga_stats s0;
	u64 p;

	TDX_ONLY();
	T_OK(ga_alloc(&tiny_v, 1, &p));
	s0 = tiny_g.stat;
	T_OK(ga_convert(&tiny_v, p, CCMEM_PAGE_SIZE, true));
	T_OK(ga_convert(&tiny_v, p, CCMEM_PAGE_SIZE, false));
	T_EQ(2, DELTA(s0, convert_entries));
	T_EQ(2 + DELTA(s0, convert_reissues), DELTA(s0, hypercalls));

	/* A misaligned start: refused (GHCI ALIGN_ERROR), nothing changes. */
	hc.r[TDX_HC_R10] = TDVMCALL_STANDARD;
	hc.r[TDX_HC_R11] = TDVMCALL_MAP_GPA;
	hc.r[TDX_HC_R12] = (p + 0x800) | tiny.shared_bit;
	hc.r[TDX_HC_R13] = CCMEM_PAGE_SIZE;
	T_OK(ga_hypercall(&tiny_v, &hc));
	T_EQ(TDVMCALL_STATUS_ALIGN_ERROR, hc.r[TDX_HC_R10]);
	tt_fill(p, CCMEM_PAGE_SIZE, 14, false);
	T_ASSERT(tt_check(p, CCMEM_PAGE_SIZE, 14, false), "");
	T_OK(ga_free(&tiny_v, p, 1));
}

/*
 * A MapGPA larger than what the host serves per exit (1 GiB): the host
 * splits it and may answer RETRY, which the core follows (every resume
 * address checked). The range is unaccepted memory made private, which
 * it is already: nothing changes for the guest.
 */
void test_mapgpa_large(void)
{
	u64 size = (1ULL << 30) + TINY_2M, un = tiny_g.bm.nr_unaccepted, gpa;
	struct ga_stats s0;

	TDX_ONLY();
	/*
	 * Over 1 GiB the host serves the request in several conversion
	 * exits; a host that serves part of it answers RETRY with the GPA to
	 * resume from (the e2e case arms such a host, x-inject=convert-early,
	 * and checks the count printed below). Without 1 GiB of unaccepted
	 * memory, two units will do for the RETRY path.
	 */
	if (!tt_find_unaccepted(&gpa, size >> TINY_UNIT_SHIFT))
		size = 2 * TINY_2M;
	if (!tt_find_unaccepted(&gpa, size >> TINY_UNIT_SHIFT))
		T_SKIP("needs %llu MiB unaccepted in one run (%llu MiB managed, %llu unaccepted)",
		       size >> 20, (tiny_g.mem_end - tiny_g.mem_start) >> 20,
		       un << 1);
	tiny_printf("#   MapGPA of %llu MiB at 0x%llx to private\n", size >> 20,
		    gpa);
	s0 = tiny_g.stat;
	T_OK(tiny_g.plat->request(&tiny_v, gpa, size, false));
	tiny_printf("#   %llu MapGPA calls, %llu after RETRY\n",
		    DELTA(s0, hypercalls), DELTA(s0, convert_reissues));
	T_ASSERT(DELTA(s0, hypercalls) >= 1, "no MapGPA");
	T_EQ(DELTA(s0, hypercalls) - 1, DELTA(s0, convert_reissues));
	T_EQ(un, tiny_g.bm.nr_unaccepted);
}

void test_tdvmcall_unknown_subfn(void)
{
	struct ga_hcall hc = {};
	struct ga_stats s0 = tiny_g.stat;

	TDX_ONLY();
	hc.r[TDX_HC_R10] = TDVMCALL_STANDARD;
	hc.r[TDX_HC_R11] = 0x1ffff;	/* no GHCI sub-function */
	T_OK(ga_hypercall(&tiny_v, &hc));
	T_EQ(TDVMCALL_STATUS_SUBFUNC_UNSUPPORTED, hc.r[TDX_HC_R10]);
	T_EQ(1, DELTA(s0, hypercalls));
	T_EQ(0, DELTA(s0, security_events));
}

/*
 * ACCEPT of an accepted page: PAGE_ALREADY_ACCEPTED, and the page keeps
 * its content. (The core treats that answer as DOUBLE_ACCEPT; here the
 * instruction runs raw.)
 */
void test_accept_already_accepted_detected(void)
{
	struct ga_insn in;
	u64 p;

	TDX_ONLY();
	T_OK(ga_alloc(&tiny_v, 1, &p));
	tt_fill(p, CCMEM_PAGE_SIZE, 15, false);
	T_OK(tt_insn(GA_INSN_TDG_ACCEPT, p, TDX_LEVEL_4K, 0, &in));
	T_EQ(TDX_PAGE_ALREADY_ACCEPTED, TDX_STATUS(in.rax));
	T_ASSERT(tt_check(p, CCMEM_PAGE_SIZE, 15, false),
		 "an ACCEPT of an accepted page changed it");
	T_OK(ga_free(&tiny_v, p, 1));
}
