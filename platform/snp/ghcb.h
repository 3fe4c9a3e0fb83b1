/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ghcb.h - the GHCB protocol facts ccmem uses, in one place: the GHCB MSR
 * protocol, the Page State Change request (MSR form and NAE event), its
 * error codes and the termination request (GHCB specification; see
 * SPEC-NOTES.md).
 *
 * Macros only, with no types, so that the guest core, the host module,
 * the portable decoder and userspace tests can all include it.
 */
#ifndef CCMEM_SNP_GHCB_H
#define CCMEM_SNP_GHCB_H

/* The GHCB page: the shared buffer and its size. */
#define GHCB_SHARED_BUF_OFF		0x800
#define GHCB_SHARED_BUF_SIZE		2032

/* GHCB MSR protocol: request/response code in bits 11:0. */
#define GHCB_MSR_INFO(v)		((v) & 0xfffULL)
#define GHCB_MSR_PSC_REQ		0x014ULL
#define GHCB_MSR_PSC_RESP		0x015ULL
#define GHCB_MSR_TERM_REQ		0x100ULL

/* MSR PSC request: GFN in bits 51:12, operation in 55:52. */
#define GHCB_MSR_PSC_GFN(v)		(((v) >> 12) & 0xffffffffffULL)
#define GHCB_MSR_PSC_OP(v)		((unsigned int)(((v) >> 52) & 0xf))
#define GHCB_MSR_PSC_RSVD(v)		((v) >> 56)
#define GHCB_MSR_PSC(gfn, op) \
	(GHCB_MSR_PSC_REQ | (((unsigned long long)(gfn) & 0xffffffffffULL) << 12) | \
	 (((unsigned long long)(op) & 0xf) << 52))
/* MSR PSC response: the error in bits 63:32 (0 = done). */
#define GHCB_MSR_PSC_RESP_ERR(v)	((v) >> 32)
/* Errors ccmem's host returns: a bad request, the VMM refused. */
#define GHCB_MSR_PSC_ERR_INPUT		0xffffffffULL
#define GHCB_MSR_PSC_ERR_VMM		0x100ULL

/* Termination request: reason set in bits 15:12, reason code in 23:16. */
#define GHCB_MSR_TERM(set, code) \
	(GHCB_MSR_TERM_REQ | (((unsigned long long)(set) & 0xf) << 12) | \
	 (((unsigned long long)(code) & 0xff) << 16))
#define GHCB_MSR_TERM_SET(v)		((unsigned int)(((v) >> 12) & 0xf))
#define GHCB_MSR_TERM_CODE(v)		((unsigned int)(((v) >> 16) & 0xff))

/* Reason sets and codes: the general set 0, and Linux's set 1. */
#define GHCB_TERM_SET_GEN		0
#define GHCB_TERM_GEN_GENERAL		0
#define GHCB_TERM_SET_LINUX		1
#define GHCB_TERM_PSC			1	/* a page state change failed */
#define GHCB_TERM_PVALIDATE		2	/* PVALIDATE failed */

/*
 * One VMGEXIT as ccmem's emulated vCPUs hand it over: the GHCB MSR and
 * the GHCB control fields by value, as registers of a hypercall
 * (struct ccmem_hcall.r[] on the host, struct ga_hcall.r[] in the guest).
 * The request buffer itself stays in guest shared memory.
 */
#define GHCB_R_MSR			0	/* in/out: the GHCB MSR */
#define GHCB_R_NAE			1	/* in: 1 NAE event, 0 MSR protocol */
#define GHCB_R_EXIT_CODE		2	/* in: SW_EXITCODE */
#define GHCB_R_EXIT_INFO1		3	/* in/out: SW_EXITINFO1 */
#define GHCB_R_EXIT_INFO2		4	/* in/out: SW_EXITINFO2 */
#define GHCB_R_SCRATCH			5	/* in: SW_SCRATCH */

/* NAE events (SW_EXITCODE). */
#define GHCB_NAE_PSC			0x80000010ULL

/*
 * A request the host refuses: SW_EXITINFO1 = 2 and SW_EXITINFO2 = why (a
 * bad SW_SCRATCH, an event the host does not handle).
 */
#define GHCB_EXITINFO1_ERROR		2ULL
#define GHCB_ERR_INVALID_SCRATCH_AREA	3ULL
#define GHCB_ERR_INVALID_EVENT		6ULL

/* PSC operations. */
#define PSC_OP_PRIVATE			1
#define PSC_OP_SHARED			2
#define PSC_OP_PSMASH			3
#define PSC_OP_UNSMASH			4

/* The NAE request: an 8-byte header, then up to 253 8-byte entries. */
#define PSC_MAX_ENTRIES			253
#define PSC_HDR_SIZE			8
#define PSC_ENTRY_SIZE			8

/* PSC entry: cur_page 11:0, gfn 51:12, operation 55:52, page size 56. */
#define PSC_ENTRY(gfn, op, huge, cur) \
	(((unsigned long long)(cur) & 0xfff) | \
	 (((unsigned long long)(gfn) & 0xffffffffffULL) << 12) | \
	 (((unsigned long long)(op) & 0xf) << 52) | \
	 ((unsigned long long)!!(huge) << 56))
#define PSC_E_CUR(e)			((unsigned int)((e) & 0xfff))
#define PSC_E_GFN(e)			(((e) >> 12) & 0xffffffffffULL)
#define PSC_E_OP(e)			((unsigned int)(((e) >> 52) & 0xf))
#define PSC_E_HUGE(e)			((unsigned int)(((e) >> 56) & 1))
#define PSC_E_RSVD(e)			((e) >> 57)

/* NAE PSC results (SW_EXITINFO2). */
#define PSC_ERR_HDR			((1ULL << 32) | 1)
#define PSC_ERR_ENTRY			((1ULL << 32) | 2)
#define PSC_ERR_GENERIC			(0x100ULL << 32)

#endif /* CCMEM_SNP_GHCB_H */
