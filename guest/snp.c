// SPDX-License-Identifier: GPL-2.0
/*
 * snp.c - the SEV-SNP platform of the guest core.
 *
 * Two halves, as in Linux's arch/x86/coco/sev: the ladder that makes memory
 * private and validated (Page State Change to private, then PVALIDATE at
 * 2 MiB with a fall back to 512 x 4 KiB), and the Page State Change client
 * that talks to the host over the GHCB, either one page per MSR-protocol
 * VMGEXIT or up to 253 entries per NAE event in the GHCB shared buffer.
 *
 * The host is not trusted. What it can do to the guest through these paths
 * is lie about progress, fail requests, or validate/rescind behind the
 * guest's back (by remapping pages); each of those ends here in ga_fatal()
 * with its own reason, never in a silently wrong page state.
 */
#include "ga_compat.h"
#include "../platform/snp/ghcb.h"

#define SNP_PVALIDATE_FAIL_SIZEMISMATCH	6

#define SNP_PAGE_MASK		(CCMEM_PAGE_SIZE - 1)
#define SNP_PSC_E_CUR_MASK	0xfffULL

/*
 * The PSC header { u16 cur_entry; u16 end_entry; u32 reserved; } as the
 * first u64 of the buffer. SNP guests are x86, so little endian.
 */
#define SNP_PSC_HDR(cur, end)	((u64)(u16)(cur) | ((u64)(u16)(end) << 16))
#define SNP_PSC_HDR_CUR(h)	((u16)(h))
#define SNP_PSC_HDR_END(h)	((u16)((h) >> 16))
#define SNP_PSC_HDR_RSVD(h)	((u32)((h) >> 32))

/* A host that keeps returning without moving is refusing to serve us. */
#define SNP_PSC_MAX_STALLS	16
/* Entries read back per ops->read (a small stack buffer). */
#define SNP_PSC_READ_CHUNK	32

#if GA_PLAT_BUF_WORDS * 8 < GHCB_SHARED_BUF_SIZE
#error "the PSC client needs the whole GHCB shared buffer as scratch"
#endif

/* ---- the accept step: PVALIDATE ------------------------------------- */

/*
 * One PVALIDATE of a 4 KiB or 2 MiB page. "No change" means the page
 * already had the state asked for: a page the guest never validated is
 * valid (someone replayed or validated it behind our back), or a page the
 * guest validated is not (its backing was swapped). Either way the guest's
 * view of its memory is wrong, so both are fatal. A 2 MiB request on
 * 4 KiB RMP entries returns 0 so that the ladder falls back to 4 KiB; any
 * other failure is fatal.
 */
static long snp_accept_one(struct ga_vcpu *v, u64 gpa, bool huge,
			   bool release)
{
	struct ga_guest *g = v->g;
	struct ga_insn in = {
		.op = GA_INSN_PVALIDATE,
		.gpa = gpa,
		.rcx = huge,
		.rdx = !release,
	};
	int ret;

	ga_atomic_add(&g->stat.accept_calls, 1);
	ret = g->ops->insn(v->priv, &in);
	if (ret < 0)
		return ret;
	if (in.cf)
		return ga_fatal(v, release ? GA_SEC_RELEASE_UNACCEPTED :
				GA_SEC_DOUBLE_ACCEPT, gpa, 0);
	if (in.rax == SNP_PVALIDATE_FAIL_SIZEMISMATCH && huge)
		return 0;
	if (in.rax)
		return ga_fatal(v, GA_SEC_ACCEPT_FAILED, gpa, in.rax);
	return huge ? CCMEM_2M_SIZE : CCMEM_PAGE_SIZE;
}

static int snp_request(struct ga_vcpu *v, u64 gpa, u64 size, bool shared)
{
	return ga_psc(v, gpa, size, shared ? PSC_OP_SHARED : PSC_OP_PRIVATE,
		      !v->g->force_4k);
}

/*
 * The GHCB termination request: Linux's reason set with GHCB_TERM_PSC for
 * a conversion the host broke, GHCB_TERM_PVALIDATE for a validation that
 * went wrong, the general reason otherwise.
 */
static int snp_terminate(struct ga_vcpu *v, u32 reason)
{
	struct ga_hcall hc = {};
	u32 set = GHCB_TERM_SET_LINUX, code;

	switch (reason) {
	case GA_SEC_CONVERT_BACKWARD:
	case GA_SEC_CONVERT_ERROR:
	case GA_SEC_CONVERT_NO_PROGRESS:
		code = GHCB_TERM_PSC;
		break;
	case GA_SEC_DOUBLE_ACCEPT:
	case GA_SEC_ACCEPT_FAILED:
	case GA_SEC_RELEASE_UNACCEPTED:
		code = GHCB_TERM_PVALIDATE;
		break;
	default:
		set = GHCB_TERM_SET_GEN;
		code = GHCB_TERM_GEN_GENERAL;
		break;
	}
	hc.r[GHCB_R_MSR] = GHCB_MSR_TERM(set, code);
	return ga_hypercall(v, &hc);
}

const struct ga_platform ga_platform_snp = {
	.name = "snp",
	.accept_asks_host = true,
	.request = snp_request,
	.accept_one = snp_accept_one,
	.terminate = snp_terminate,
};

/* ---- PSC client: the GHCB shared buffer ------------------------------- */

static u64 snp_psc_buf_gpa(const struct ga_vcpu *v, u32 off)
{
	return v->comm_gpa + GHCB_SHARED_BUF_OFF + off;
}

/*
 * Copy between @buf and shared memory, one 4 KiB page per op. A #VC on the
 * GHCB means the host took the page away: the request cannot be made.
 */
static int snp_shared_copy(struct ga_vcpu *v, u64 gpa, void *buf, u32 len,
			   bool write)
{
	const struct ga_env_ops *ops = v->g->ops;
	u8 *p = buf;
	u32 n;
	int ret;

	while (len) {
		n = CCMEM_PAGE_SIZE - (gpa & SNP_PAGE_MASK);
		if (n > len)
			n = len;
		if (write)
			ret = ops->write(v->priv, gpa, p, n, true);
		else
			ret = ops->read(v->priv, gpa, p, n, true);
		if (ret > 0)
			return ga_fatal(v, GA_SEC_CONVERT_ERROR, gpa, ret);
		if (ret)
			return ret;
		gpa += n;
		p += n;
		len -= n;
	}
	return 0;
}

/* The page the request is at, for the event record. */
static u64 snp_psc_cur_gpa(const struct ga_vcpu *v, u32 nr)
{
	u32 cur = SNP_PSC_HDR_CUR(v->plat_buf[0]);

	if (!nr)
		return 0;
	if (cur >= nr)
		cur = 0;
	return PSC_E_GFN(v->plat_buf[1 + cur]) << CCMEM_PAGE_SHIFT;
}

/*
 * One NAE Page State Change: the GHCB MSR holds the GHCB's GPA. A host
 * that refuses the scratch area (SW_EXITINFO1 non-zero) failed the
 * request as surely as one that sets SW_EXITINFO2.
 */
static int snp_psc_exit(struct ga_vcpu *v, u64 buf_gpa)
{
	struct ga_hcall hc = {};
	int ret;

	hc.r[GHCB_R_MSR] = v->comm_gpa;
	hc.r[GHCB_R_NAE] = 1;
	hc.r[GHCB_R_EXIT_CODE] = GHCB_NAE_PSC;
	hc.r[GHCB_R_SCRATCH] = buf_gpa;
	ret = ga_hypercall(v, &hc);
	if (ret)
		return ret;
	v->psc_last_result = hc.r[GHCB_R_EXIT_INFO2];
	if (hc.r[GHCB_R_EXIT_INFO1] && !v->psc_last_result)
		v->psc_last_result = PSC_ERR_GENERIC;
	return 0;
}

/*
 * Fold the host's new cur_page values of entries [@i, @i + @n) into our
 * copy. Returns 1 when one moved forward, 0 when none did, or -GA_EFATAL
 * when one moved back.
 */
static int snp_psc_entries_progress(struct ga_vcpu *v, const u64 *host,
				    u32 i, u32 n)
{
	u64 *mine = &v->plat_buf[1 + i];
	u32 j, was, now;
	int moved = 0;

	for (j = 0; j < n; j++) {
		was = PSC_E_CUR(mine[j]);
		now = PSC_E_CUR(host[j]);
		if (now < was)
			return ga_fatal(v, GA_SEC_CONVERT_BACKWARD,
					PSC_E_GFN(mine[j]) << CCMEM_PAGE_SHIFT,
					host[j]);
		if (now > was) {
			mine[j] = (mine[j] & ~SNP_PSC_E_CUR_MASK) | now;
			moved = 1;
		}
	}
	return moved;
}

/*
 * Read back what the host did with the request. The header may only move
 * forward, no further than one past end_entry, and must otherwise stay as
 * we wrote it, and no entry's cur_page
 * may go back: a host that rewinds could make the guest believe a page
 * changed state twice. Returns 1 on progress, 0 on none, or an error.
 */
static int snp_psc_progress(struct ga_vcpu *v, u64 buf_gpa, u32 nr)
{
	u64 host[SNP_PSC_READ_CHUNK];
	u64 old = v->plat_buf[0];
	u32 i, n;
	int moved, ret;

	ret = snp_shared_copy(v, buf_gpa, host, sizeof(u64), false);
	if (ret)
		return ret;
	/* cur_entry may reach end_entry + 1 (done), never beyond. */
	if (SNP_PSC_HDR_CUR(host[0]) < SNP_PSC_HDR_CUR(old) ||
	    SNP_PSC_HDR_CUR(host[0]) > SNP_PSC_HDR_END(old) + 1 ||
	    SNP_PSC_HDR_END(host[0]) != SNP_PSC_HDR_END(old) ||
	    SNP_PSC_HDR_RSVD(host[0]))
		return ga_fatal(v, GA_SEC_CONVERT_BACKWARD,
				snp_psc_cur_gpa(v, nr), host[0]);
	moved = SNP_PSC_HDR_CUR(host[0]) > SNP_PSC_HDR_CUR(old);
	v->plat_buf[0] = host[0];

	for (i = 0; i < nr; i += n) {
		n = nr - i < SNP_PSC_READ_CHUNK ? nr - i : SNP_PSC_READ_CHUNK;
		ret = snp_shared_copy(v, buf_gpa + (1 + i) * sizeof(u64), host,
				      n * sizeof(u64), false);
		if (ret)
			return ret;
		ret = snp_psc_entries_progress(v, host, i, n);
		if (ret < 0)
			return ret;
		moved |= ret;
	}
	return moved;
}

/*
 * Issue the request in v->plat_buf (@nr entries) at @buf_gpa and re-issue it
 * until the host reports it done. With @fatal_errors a host error ends the
 * guest; without (protocol tests) it only ends the request.
 */
static int snp_psc_issue(struct ga_vcpu *v, u64 buf_gpa, u32 nr,
			 bool fatal_errors)
{
	struct ga_guest *g = v->g;
	u32 stalls = 0;
	int ret;

	ret = snp_shared_copy(v, buf_gpa, v->plat_buf, (nr + 1) * sizeof(u64),
			      true);
	if (ret)
		return ret;
	for (;;) {
		if (ga_dead(g))
			return -GA_EFATAL;
		ret = snp_psc_exit(v, buf_gpa);
		if (ret)
			return ret;
		if (v->psc_last_result) {
			if (!fatal_errors)
				return 0;
			return ga_fatal(v, GA_SEC_CONVERT_ERROR,
					snp_psc_cur_gpa(v, nr),
					v->psc_last_result);
		}
		ret = snp_psc_progress(v, buf_gpa, nr);
		if (ret < 0)
			return ret;
		if (SNP_PSC_HDR_CUR(v->plat_buf[0]) >
		    SNP_PSC_HDR_END(v->plat_buf[0]))
			return 0;
		stalls = ret ? 0 : stalls + 1;
		if (stalls == SNP_PSC_MAX_STALLS)
			return ga_fatal(v, GA_SEC_CONVERT_NO_PROGRESS,
					snp_psc_cur_gpa(v, nr), stalls);
		ga_atomic_add(&g->stat.convert_reissues, 1);
	}
}

/*
 * Fill v->plat_buf with the entries for [*@gfn, @end), at most
 * PSC_MAX_ENTRIES, and advance *@gfn past them. 2 MiB entries need a
 * 512-aligned gfn and a whole chunk. Returns the number of entries.
 */
static u32 snp_psc_build(struct ga_vcpu *v, u64 *gfn, u64 end, u32 op,
			 bool allow_huge)
{
	u64 pos = *gfn;
	u32 nr = 0;
	bool huge;

	while (pos < end && nr < PSC_MAX_ENTRIES) {
		huge = allow_huge && !(pos & (CCMEM_PAGES_PER_2M - 1)) &&
		       end - pos >= CCMEM_PAGES_PER_2M;
		v->plat_buf[1 + nr++] = PSC_ENTRY(pos, op, huge, 0);
		pos += huge ? CCMEM_PAGES_PER_2M : 1;
	}
	v->plat_buf[0] = SNP_PSC_HDR(0, nr - 1);
	*gfn = pos;
	return nr;
}

/* ---- PSC client: the MSR protocol ------------------------------------- */

static int snp_psc_msr_exit(struct ga_vcpu *v, u64 msr, u64 *resp)
{
	struct ga_hcall hc = {};
	int ret;

	hc.r[GHCB_R_MSR] = msr;
	ret = ga_hypercall(v, &hc);
	if (ret)
		return ret;
	*resp = hc.r[GHCB_R_MSR];
	if (GHCB_MSR_INFO(*resp) == GHCB_MSR_PSC_RESP)
		v->psc_last_result = GHCB_MSR_PSC_RESP_ERR(*resp);
	else
		v->psc_last_result = *resp;
	return 0;
}

static int snp_psc_msr(struct ga_vcpu *v, u64 gfn, u64 end, u32 op)
{
	u64 msr, resp;
	int ret;

	for (; gfn < end; gfn++) {
		if (ga_dead(v->g))
			return -GA_EFATAL;
		msr = GHCB_MSR_PSC(gfn, op);
		ga_atomic_add(&v->g->stat.convert_entries, 1);
		ret = snp_psc_msr_exit(v, msr, &resp);
		if (ret)
			return ret;
		if (GHCB_MSR_INFO(resp) != GHCB_MSR_PSC_RESP ||
		    GHCB_MSR_PSC_RESP_ERR(resp))
			return ga_fatal(v, GA_SEC_CONVERT_ERROR,
					gfn << CCMEM_PAGE_SHIFT,
					v->psc_last_result);
	}
	return 0;
}

/* ---- PSC client: entry points ------------------------------------------ */

int ga_psc(struct ga_vcpu *v, u64 gpa, u64 size, u32 op, bool allow_huge)
{
	u64 gfn = gpa >> CCMEM_PAGE_SHIFT, end;
	u32 nr;
	int ret;

	if (ga_dead(v->g))
		return -GA_EFATAL;
	if (((gpa | size) & SNP_PAGE_MASK) || gpa + size < gpa ||
	    (op != PSC_OP_PRIVATE && op != PSC_OP_SHARED))
		return -GA_EINVAL;
	end = (gpa + size) >> CCMEM_PAGE_SHIFT;
	if (v->g->msr_protocol)
		return snp_psc_msr(v, gfn, end, op);
	while (gfn < end) {
		nr = snp_psc_build(v, &gfn, end, op, allow_huge);
		ga_atomic_add(&v->g->stat.convert_entries, nr);
		ret = snp_psc_issue(v, snp_psc_buf_gpa(v, 0), nr, true);
		if (ret)
			return ret;
	}
	return 0;
}

int ga_psc_raw(struct ga_vcpu *v, u32 buf_off, u16 cur_entry, u16 end_entry,
	       const u64 *entries, u32 nr)
{
	if (ga_dead(v->g))
		return -GA_EFATAL;
	if (nr > PSC_MAX_ENTRIES ||
	    (u64)buf_off + (nr + 1) * sizeof(u64) > GHCB_SHARED_BUF_SIZE)
		return -GA_EINVAL;
	v->plat_buf[0] = SNP_PSC_HDR(cur_entry, end_entry);
	if (nr)
		memcpy(&v->plat_buf[1], entries, nr * sizeof(u64));
	ga_atomic_add(&v->g->stat.convert_entries, nr);
	return snp_psc_issue(v, snp_psc_buf_gpa(v, buf_off), nr, false);
}

int ga_psc_msr_raw(struct ga_vcpu *v, u64 msr)
{
	u64 resp;

	if (ga_dead(v->g))
		return -GA_EFATAL;
	return snp_psc_msr_exit(v, msr, &resp);
}
