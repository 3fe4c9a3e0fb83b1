/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tdx_abi.h - the TDX facts ccmem uses, in one place: the TDX module's
 * status codes, the SEAMCALL and TDCALL leaves, the TDG.MEM.PAGE.ACCEPT
 * operand, the TD attribute and shared-bit rules, and the
 * TDG.VP.VMCALL<MapGPA> and <ReportFatalError> protocol (TDX module ABI
 * and GHCI specifications; see SPEC-NOTES.md).
 *
 * Macros only, with no types, so that the Secure-EPT model, the host
 * module, the portable MapGPA decoder, the guest core and userspace tests
 * can all include it.
 */
#ifndef CCMEM_TDX_ABI_H
#define CCMEM_TDX_ABI_H

#ifndef BIT_ULL
#define BIT_ULL(n)		(1ULL << (n))
#endif

/*
 * Completion status (RAX of a SEAMCALL or TDCALL). The class is in bits
 * 63:32; bit 63 set is an error, bit 63 clear a success or a warning; the
 * low 32 bits carry details such as the operand id or the failing level.
 */
#define TDX_SUCCESS				0x0000000000000000ULL
#define TDX_STATUS_MASK				0xffffffff00000000ULL
#define TDX_STATUS(v)				((v) & TDX_STATUS_MASK)
#define TDX_STATUS_DETAIL(v)			((v) & 0xffffffffULL)
#define TDX_STATUS_IS_ERROR(v)			(((v) >> 63) & 1)

/* Verified values: TDX module include/auto_gen/tdx_error_codes_defs.h. */
#define TDX_NON_RECOVERABLE_TD			0x6000000200000000ULL
#define TDX_NON_RECOVERABLE_TD_NON_ACCESSIBLE	0x6000000500000000ULL
#define TDX_INTERRUPTED_RESUMABLE		0x8000000300000000ULL
#define TDX_OPERAND_INVALID			0xc000010000000000ULL
#define TDX_OPERAND_BUSY			0x8000020000000000ULL
#define TDX_PREVIOUS_TLB_EPOCH_BUSY		0x8000020100000000ULL
#define TDX_OPERAND_PAGE_METADATA_INCORRECT	0xc000030000000000ULL
/*
 * The module has no TD_FINALIZED / TD_NOT_FINALIZED codes: a SEAMCALL
 * not allowed in the TD's operation state (TDH.MEM.PAGE.ADD or
 * TDH.MR.FINALIZE after finalize, TDH.VP.ENTER before) returns
 * TDX_OP_STATE_INCORRECT with no operand id. The two names are kept as
 * aliases of it.
 */
#define TDX_OP_STATE_INCORRECT			0xc000060800000000ULL
#define TDX_TD_FINALIZED			TDX_OP_STATE_INCORRECT
#define TDX_TD_NOT_FINALIZED			TDX_OP_STATE_INCORRECT
#define TDX_EPT_WALK_FAILED			0xc0000b0000000000ULL
#define TDX_EPT_ENTRY_FREE			0xc0000b0100000000ULL
#define TDX_EPT_ENTRY_NOT_FREE			0xc0000b0200000000ULL
#define TDX_EPT_ENTRY_NOT_PRESENT		0xc0000b0300000000ULL
#define TDX_EPT_ENTRY_NOT_LEAF			0xc0000b0400000000ULL
#define TDX_EPT_ENTRY_LEAF			0xc0000b0500000000ULL
#define TDX_GPA_RANGE_NOT_BLOCKED		0xc0000b0600000000ULL
#define TDX_GPA_RANGE_ALREADY_BLOCKED		0x00000b0700000000ULL
#define TDX_TLB_TRACKING_NOT_DONE		0xc0000b0800000000ULL
#define TDX_EPT_INVALID_PROMOTE_CONDITIONS	0xc0000b0900000000ULL
#define TDX_PAGE_ALREADY_ACCEPTED		0x00000b0a00000000ULL
#define TDX_PAGE_SIZE_MISMATCH			0xc0000b0b00000000ULL
#define TDX_GPA_RANGE_BLOCKED			0xc0000b0c00000000ULL
#define TDX_EPT_ENTRY_STATE_INCORRECT		0xc0000b0d00000000ULL
#define TDX_EPT_PAGE_NOT_FREE			0xc0000b0e00000000ULL

/* Operand ids in the low bits of a status. */
#define TDX_OPERAND_ID_RAX			0
#define TDX_OPERAND_ID_RCX			1
#define TDX_OPERAND_ID_RDX			2
#define TDX_OPERAND_ID_R8			8

/* Secure-EPT levels: the operand's level field and the status detail. */
#define TDX_LEVEL_4K				0
#define TDX_LEVEL_2M				1

/* SEAMCALL leaves (host, RAX). */
#define TDH_VP_ENTER				0
#define TDH_MEM_PAGE_ADD			2
#define TDH_MEM_SEPT_ADD			3
#define TDH_MEM_PAGE_AUG			6
#define TDH_MEM_RANGE_BLOCK			7
#define TDH_MR_FINALIZE				17
#define TDH_MEM_PAGE_DEMOTE			15
#define TDH_MEM_PAGE_REMOVE			29
#define TDH_MEM_SEPT_REMOVE			30
#define TDH_MEM_TRACK				38
#define TDH_MEM_RANGE_UNBLOCK			39

/* TDCALL leaves (guest, RAX). */
#define TDG_VP_VMCALL				0
#define TDG_MEM_PAGE_ACCEPT			6

/*
 * TDG.MEM.PAGE.ACCEPT: RCX = the GPA (4 KiB or 2 MiB aligned to the
 * level) with the level in bits 2:0.
 */
#define TDX_ACCEPT_LEVEL_MASK			0x7ULL
#define TDX_ACCEPT_RCX(gpa, level)		((gpa) | ((level) & 7ULL))

/* TD attributes (TDH.MNG.INIT): #VE on a PENDING page is disabled. */
#define TDX_TD_ATTR_SEPT_VE_DISABLE		BIT_ULL(28)

/* The shared bit is GPA bit (GPAW - 1); GPAW is 48 or 52 per TD. */
#define TDX_GPAW_48				48
#define TDX_GPAW_52				52
#define TDX_SHARED_BIT(gpaw)			(1ULL << ((gpaw) - 1))

/* #VE: the exit reason the guest sees for an EPT violation. */
#define TDX_VE_EPT_VIOLATION			48

/*
 * TDG.VP.VMCALL (GHCI): R10 = 0 for a GHCI-defined call, R11 = the
 * sub-function, arguments in R12 up; the status comes back in R10 and
 * results in R11 up.
 */
#define TDVMCALL_STANDARD			0x0ULL	/* R10 on entry */
#define TDVMCALL_MAP_GPA			0x10001ULL
#define TDVMCALL_REPORT_FATAL_ERROR		0x10003ULL

#define TDVMCALL_STATUS_SUCCESS			0x0000000000000000ULL
#define TDVMCALL_STATUS_RETRY			0x0000000000000001ULL
#define TDVMCALL_STATUS_INVALID_OPERAND		0x8000000000000000ULL
#define TDVMCALL_STATUS_GPA_INUSE		0x8000000000000001ULL
#define TDVMCALL_STATUS_ALIGN_ERROR		0x8000000000000002ULL
#define TDVMCALL_STATUS_SUBFUNC_UNSUPPORTED	0x8000000000000003ULL

/*
 * ReportFatalError: R12 = the error code, 31:0 the guest's own code and
 * bit 62 set when R13 holds a GPA with more data (ccmem's guest leaves it
 * clear).
 */
#define TDVMCALL_FATAL_CODE(v)			((unsigned int)((v) & 0xffffffffULL))

/*
 * One TDG.VP.VMCALL as ccmem's emulated vCPUs hand it over: the
 * registers by value (struct ccmem_hcall.r[] on the host, struct
 * ga_hcall.r[] in the guest). R10 is 0 on entry and the status on return.
 */
#define TDX_HC_R10				0
#define TDX_HC_R11				1
#define TDX_HC_R12				2
#define TDX_HC_R13				3
#define TDX_HC_R14				4
#define TDX_HC_R15				5

#endif /* CCMEM_TDX_ABI_H */
