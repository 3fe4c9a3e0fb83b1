// SPDX-License-Identifier: GPL-2.0
/*
 * tdx.c - the Intel TDX platform of the guest core.
 *
 * Two halves, as in Linux's arch/x86/coco/tdx: the accept step
 * (TDG.MEM.PAGE.ACCEPT of 2 MiB, or of 4 KiB once the core has fallen
 * back), and the TDG.VP.VMCALL<MapGPA> client that asks the host to map a
 * range private or shared.
 *
 * TDX differs from SNP in two ways that matter here. There is no
 * instruction that gives a page back, so a release does nothing and the
 * core's scrub before a conversion to shared is the guest's only
 * protection. And an ACCEPT of an entry the host left FREE or BLOCKED is
 * not an answer the guest sees: it exits to the host, which adds or
 * unblocks the page, and the instruction runs again (inside ops->insn).
 *
 * The host is not trusted. Through the module it can only keep an entry
 * busy or interrupt a 2 MiB accept, which are retried a bounded number of
 * times; in MapGPA it can say anything, which is checked. What remains ends
 * in ga_fatal() with its own reason, never in a page accepted twice.
 */
#include "ga_compat.h"
#include "../platform/tdx/tdx_abi.h"

#define TDX_GA_PAGE_MASK	(CCMEM_PAGE_SIZE - 1)

/*
 * OPERAND_BUSY: the host holds the Secure-EPT entry for one SEAMCALL of
 * its own at that moment; our in-flight claims keep two vCPUs from ever
 * accepting the same entry. OVMF retries three times. We allow a few more,
 * so that an emulated host preempted inside its SEAMCALL does not end the
 * guest, yet a host that keeps the entry locked ends it quickly.
 */
#define TDX_GA_ACCEPT_MAX_BUSY	16

/*
 * INTERRUPTED_RESUMABLE: the module zeroes at least one 4 KiB page of a
 * 2 MiB accept before it looks for a pending interrupt, and resumes from
 * its counter, so an honest module needs at most one resume per 4 KiB page
 * of the request (512 for 2 MiB). More than that is no progress.
 */
#define TDX_GA_ACCEPT_MAX_RESUMES(size)	((size) >> CCMEM_PAGE_SHIFT)

/*
 * MapGPA: a host that keeps returning RETRY without moving is refusing to
 * serve us. Linux gives up after three such returns in a row; we use the
 * bound of the SNP Page State Change client, so that the guest is as
 * patient with one platform's host as with the other's.
 */
#define TDX_GA_MAPGPA_MAX_STALLS	16

/* ---- the accept step: TDG.MEM.PAGE.ACCEPT --------------------------- */

/*
 * One ACCEPT; *@status is the module's completion status (RAX). An
 * environment that answers with anything but 0 or an error code has not
 * run the instruction.
 */
static int tdx_accept_insn(struct ga_vcpu *v, u64 gpa, bool huge,
			   u64 *status)
{
	struct ga_insn in = {
		.op = GA_INSN_TDG_ACCEPT,
		.gpa = gpa,
		.rcx = huge ? TDX_LEVEL_2M : TDX_LEVEL_4K,
	};
	int ret;

	ga_atomic_add(&v->g->stat.accept_calls, 1);
	ret = v->g->ops->insn(v->priv, &in);
	*status = in.rax;
	return ret > 0 ? -GA_EINVAL : ret;
}

/*
 * Accept one page of 2 MiB or 4 KiB. The guest only accepts what its
 * bitmap says is unaccepted, so PAGE_ALREADY_ACCEPTED, although the module
 * calls it a warning, means the host re-added a page behind our back or
 * replays one: fatal, never success. A 2 MiB request on 4 KiB Secure-EPT
 * entries (PAGE_SIZE_MISMATCH) returns 0 so that the core falls back to
 * 4 KiB; a 4 KiB one has nothing to fall back to. Busy entries and
 * interrupted 2 MiB accepts are issued again, within the bounds above.
 */
static long tdx_accept_one(struct ga_vcpu *v, u64 gpa, bool huge,
			   bool release)
{
	u64 size = huge ? CCMEM_2M_SIZE : CCMEM_PAGE_SIZE;
	u32 busy = 0, resumed = 0;
	u64 status;
	int ret;

	if (release)
		return size;
	for (;;) {
		if (ga_dead(v->g))
			return -GA_EFATAL;
		ret = tdx_accept_insn(v, gpa, huge, &status);
		if (ret)
			return ret;
		if (status == TDX_SUCCESS)
			return size;
		switch (TDX_STATUS(status)) {
		case TDX_PAGE_SIZE_MISMATCH:
			if (huge)
				return 0;
			break;
		case TDX_OPERAND_BUSY:
			if (busy++ < TDX_GA_ACCEPT_MAX_BUSY)
				continue;
			break;
		case TDX_INTERRUPTED_RESUMABLE:
			if (resumed++ < TDX_GA_ACCEPT_MAX_RESUMES(size))
				continue;
			break;
		case TDX_PAGE_ALREADY_ACCEPTED:
			return ga_fatal(v, GA_SEC_DOUBLE_ACCEPT, gpa, status);
		}
		return ga_fatal(v, GA_SEC_ACCEPT_FAILED, gpa, status);
	}
}

/* ---- the MapGPA client -------------------------------------------------- */

/*
 * One TDG.VP.VMCALL<MapGPA> of [@start, @end), shared bit included.
 * *@status is the host's R10, *@resume its R11.
 */
static int tdx_map_gpa_call(struct ga_vcpu *v, u64 start, u64 end,
			    u64 *status, u64 *resume)
{
	struct ga_hcall hc = {};
	int ret;

	hc.r[TDX_HC_R10] = TDVMCALL_STANDARD;
	hc.r[TDX_HC_R11] = TDVMCALL_MAP_GPA;
	hc.r[TDX_HC_R12] = start;
	hc.r[TDX_HC_R13] = end - start;
	ret = ga_hypercall(v, &hc);
	*status = hc.r[TDX_HC_R10];
	*resume = hc.r[TDX_HC_R11];
	return ret;
}

/*
 * Ask the host to map [@gpa, @gpa + @size) private or shared, and issue the
 * rest again for as long as it answers RETRY. The resume address comes
 * from the host: it must be a page inside what is left of the request,
 * never behind where the request stood (else CONVERT_BACKWARD); one equal
 * to it is a return without progress, and too many of those in a row end
 * the guest. Any other status is a failed conversion.
 */
static int tdx_request(struct ga_vcpu *v, u64 gpa, u64 size, bool shared)
{
	struct ga_guest *g = v->g;
	u64 bit, alias, cur, end, status, resume;
	u32 stalls = 0;
	int ret;

	if (g->tdx.gpaw != TDX_GPAW_48 && g->tdx.gpaw != TDX_GPAW_52)
		return -GA_EINVAL;
	bit = TDX_SHARED_BIT(g->tdx.gpaw);
	if (!size || ((gpa | size) & TDX_GA_PAGE_MASK) || gpa >= bit ||
	    size > bit - gpa)
		return -GA_EINVAL;
	alias = shared ? bit : 0;
	cur = gpa + alias;
	end = gpa + size + alias;
	ga_atomic_add(&g->stat.convert_entries, 1);
	for (;;) {
		if (ga_dead(g))
			return -GA_EFATAL;
		ret = tdx_map_gpa_call(v, cur, end, &status, &resume);
		if (ret)
			return ret;
		if (status == TDVMCALL_STATUS_SUCCESS)
			return 0;
		if (status != TDVMCALL_STATUS_RETRY)
			return ga_fatal(v, GA_SEC_CONVERT_ERROR, cur - alias,
					status);
		if (resume < cur || resume >= end ||
		    (resume & TDX_GA_PAGE_MASK))
			return ga_fatal(v, GA_SEC_CONVERT_BACKWARD, cur - alias,
					resume);
		stalls = resume == cur ? stalls + 1 : 0;
		if (stalls == TDX_GA_MAPGPA_MAX_STALLS)
			return ga_fatal(v, GA_SEC_CONVERT_NO_PROGRESS,
					cur - alias, stalls);
		cur = resume;
		ga_atomic_add(&g->stat.convert_reissues, 1);
	}
}

/*
 * TDG.VP.VMCALL<ReportFatalError>: the reason is the guest's own error
 * code (R12 bits 31:0); no GPA with more data (bit 62 clear).
 */
static int tdx_terminate(struct ga_vcpu *v, u32 reason)
{
	struct ga_hcall hc = {};

	hc.r[TDX_HC_R10] = TDVMCALL_STANDARD;
	hc.r[TDX_HC_R11] = TDVMCALL_REPORT_FATAL_ERROR;
	hc.r[TDX_HC_R12] = reason;
	return ga_hypercall(v, &hc);
}

const struct ga_platform ga_platform_tdx = {
	.name = "tdx",
	.request = tdx_request,
	.accept_one = tdx_accept_one,
	.terminate = tdx_terminate,
};
