// SPDX-License-Identifier: GPL-2.0
/*
 * plat.c - the platform under the tiny guest kernel: detection, the
 * environment ops the guest core runs on (struct ga_env_ops) with the
 * real guest instructions, the lazy-accept exception hooks and
 * termination.
 *
 * Accesses. The core's read/write ops copy through the private identity
 * map or the shared alias with tiny_copy_safe(). When the platform raises
 * its "not accepted" exception inside that copy (SNP #VC 0x404, TDX #VE
 * for an EPT violation, the null platform's #PF on an absent unit), the
 * handler does not accept anything: it makes the copy return
 * GA_EXC_NOT_ACCEPTED, and the core's own #VC path (ga_access()) accepts
 * the unit and retries. A touch anywhere else in the kernel (a plain load
 * or store to unaccepted memory) goes through the same core path from the
 * handler: ga_access() of one byte of the page, which faults once more
 * inside the copy, accepts, and returns; then the handler returns and the
 * instruction runs again.
 *
 * An exception on a page the bitmap says is accepted is a security event
 * (one vCPU: no other vCPU can have accepted it meanwhile): the host took
 * the page away (substitution), or the guest touched a page it converted
 * to shared. Either way the guest terminates.
 */
#include "tiny.h"
#include "tiny_insn.h"
#include "../../platform/snp/ghcb.h"
#include "../../platform/tdx/tdx_abi.h"

/* ---- detection ------------------------------------------------------------ */

/* CPUID 0x21: "IntelTDX    " in EBX, EDX, ECX. */
#define TDX_CPUID_LEAF		0x21
#define TDX_IDENT_EBX		0x65746e49	/* "Inte" */
#define TDX_IDENT_EDX		0x5844546c	/* "lTDX" */
#define TDX_IDENT_ECX		0x20202020	/* "    " */

u64 tiny_tdx_vp_info(u64 *rcx, u64 *rdx, u64 *r8, u64 *r9)
{
	struct tiny_tdcall t = { .rax = TDG_VP_INFO };
	u64 st = tiny_tdcall(&t);

	*rcx = t.rcx;
	*rdx = t.rdx;
	*r8 = t.r8;
	*r9 = t.r9;
	return st;
}

static bool tiny_is_tdx(void)
{
	u32 a, b, c, d;

	tiny_cpuid(0, 0, &a, &b, &c, &d);
	if (a < TDX_CPUID_LEAF)
		return false;
	tiny_cpuid(TDX_CPUID_LEAF, 0, &a, &b, &c, &d);
	return b == TDX_IDENT_EBX && d == TDX_IDENT_EDX && c == TDX_IDENT_ECX;
}

void tiny_plat_detect(void)
{
	u64 rcx, rdx, r8, r9, st;

	tiny.sev_eax = tiny_boot_sev_eax;
	tiny.sev_ebx = tiny_boot_sev_ebx;
	tiny.sev_status = tiny_boot_sev_status;
	/* head.S set the C-bit mask only when SNP is active. */
	if (tiny_boot_cmask) {
		tiny.plat = TINY_SNP;
		tiny.cbit = tiny_boot_sev_ebx & 0x3f;
		tiny.cmask = tiny_boot_cmask;
		return;
	}
	if (!tiny_is_tdx()) {
		tiny.plat = TINY_NULL;
		return;
	}
	tiny.plat = TINY_TDX;
	st = tiny_tdx_vp_info(&rcx, &rdx, &r8, &r9);
	if (st)
		tiny_die("TDG.VP.INFO failed: status 0x%llx", st);
	tiny.gpaw = rcx & 0x3f;
	if (tiny.gpaw != TDX_GPAW_48 && tiny.gpaw != TDX_GPAW_52)
		tiny_die("TDG.VP.INFO: GPAW %u is neither 48 nor 52", tiny.gpaw);
	tiny.td_attr = rdx;
	tiny.shared_bit = TDX_SHARED_BIT(tiny.gpaw);
	tiny.ve_disabled = rdx & TDX_TD_ATTR_SEPT_VE_DISABLE;
	tiny.nr_vcpus = (u32)r8;
}

void tiny_plat_print(void)
{
	switch (tiny.plat) {
	case TINY_SNP:
		tiny_printf("ccmem-tiny: platform snp: C-bit %u, SEV_STATUS 0x%llx\n",
			    tiny.cbit, tiny.sev_status);
		tiny_printf("ccmem-tiny: CPUID 0x8000001f: eax 0x%x ebx 0x%x\n",
			    tiny.sev_eax, tiny.sev_ebx);
		break;
	case TINY_TDX:
		tiny_printf("ccmem-tiny: platform tdx: GPAW %u (shared bit 0x%llx), %u vCPUs\n",
			    tiny.gpaw, tiny.shared_bit, tiny.nr_vcpus);
		tiny_printf("ccmem-tiny: TD attributes 0x%llx, SEPT_VE_DISABLE %s\n",
			    tiny.td_attr, tiny.ve_disabled ? "set" : "clear");
		break;
	case TINY_NULL:
		if (tiny.sev_eax & CPUID_SEV)
			tiny_printf("ccmem-tiny: SEV without SNP (SEV_STATUS 0x%llx)\n",
				    tiny.sev_status);
		tiny_printf("ccmem-tiny: platform null: no SEV-SNP, no TDX\n");
		tiny_printf("ccmem-tiny: null: unaccepted units are absent from the private map\n");
		break;
	}
}

/* ---- the null platform: the core's, plus the private map as its state ---- */

static long tiny_null_accept_one(struct ga_vcpu *v, u64 gpa, bool huge,
				 bool release)
{
	long n = ga_platform_null.accept_one(v, gpa, huge, release);

	if (n > 0 && !release)
		tiny_null_map_unit(gpa, true);
	return n;
}

static int tiny_null_request(struct ga_vcpu *v, u64 gpa, u64 size,
			     bool shared)
{
	return ga_platform_null.request(v, gpa, size, shared);
}

static int tiny_null_terminate(struct ga_vcpu *v, u32 reason)
{
	return ga_platform_null.terminate(v, reason);
}

/*
 * ga_platform_null with one addition: an accepted unit becomes present in
 * the private map. The core counts and decides exactly as with
 * ga_platform_null (same request, accept and terminate steps).
 */
const struct ga_platform tiny_platform_null = {
	.name = "null",
	.accept_asks_host = true,
	.request = tiny_null_request,
	.accept_one = tiny_null_accept_one,
	.terminate = tiny_null_terminate,
};

/* ---- env ops: instructions --------------------------------------------- */

static int tiny_op_insn(void *priv, struct ga_insn *in)
{
	struct tiny_tdcall t = {};

	(void)priv;
	if (in->gpa >= TINY_MAP_LIMIT)
		return -GA_ERANGE;
	in->cf = false;
	switch (in->op) {
	case GA_INSN_PVALIDATE:
		if (tiny.plat != TINY_SNP)
			return -GA_EINVAL;
		/* The address operand is virtual: the private map, VA = PA. */
		in->rax = tiny_pvalidate(in->gpa, (u32)in->rcx, (u32)in->rdx,
					 &in->cf);
		return 0;
	case GA_INSN_RMPADJUST:
		if (tiny.plat != TINY_SNP)
			return -GA_EINVAL;
		in->rax = tiny_rmpadjust(in->gpa, (u32)in->rcx, in->rdx);
		return 0;
	case GA_INSN_TDG_ACCEPT:
		if (tiny.plat != TINY_TDX)
			return -GA_EINVAL;
		t.rax = TDG_MEM_PAGE_ACCEPT;
		t.rcx = TDX_ACCEPT_RCX(in->gpa, in->rcx);
		in->rax = tiny_tdcall(&t);
		return 0;
	}
	return -GA_EINVAL;
}

/* ---- env ops: hypercalls ------------------------------------------------ */

#define MSR_GHCB			0xc0010130

/*
 * The GHCB page (GHCB specification, "GHCB layout"; Linux struct ghcb):
 * the save-area fields a NAE event uses, the valid bitmap (one bit per
 * qword of the save area, bit = offset / 8), and the trailer with the
 * protocol version and usage.
 */
#define GHCB_OFF_SW_EXIT_CODE		0x390
#define GHCB_OFF_SW_EXIT_INFO1		0x398
#define GHCB_OFF_SW_EXIT_INFO2		0x3a0
#define GHCB_OFF_SW_SCRATCH		0x3a8
#define GHCB_OFF_VALID_BITMAP		0x3f0
#define GHCB_VALID_BITMAP_SIZE		16
#define GHCB_OFF_PROTOCOL_VERSION	0xffa
#define GHCB_OFF_USAGE			0xffc
#define GHCB_PROTOCOL_VERSION		2
#define GHCB_USAGE_DEFAULT		0

/* This vCPU's GHCB: in the image, made shared at boot. */
static u8 tiny_ghcb[CCMEM_PAGE_SIZE] __aligned(CCMEM_PAGE_SIZE);
static bool tiny_ghcb_ready;

/* A field of the GHCB, through the shared alias. */
static void *tiny_ghcb_at(u32 off)
{
	return (u8 *)tiny_shared(tiny_pa(tiny_ghcb)) + off;
}

static u64 *tiny_ghcb_q(u32 off)
{
	return tiny_ghcb_at(off);
}

/*
 * Fill the GHCB for one NAE event: the four control fields, their bits in
 * the valid bitmap, and the trailer. The host reads it after VMGEXIT,
 * whose asm is a compiler barrier.
 */
static void tiny_ghcb_fill(const struct ga_hcall *hc)
{
	static const u32 offs[] = {
		GHCB_OFF_SW_EXIT_CODE, GHCB_OFF_SW_EXIT_INFO1,
		GHCB_OFF_SW_EXIT_INFO2, GHCB_OFF_SW_SCRATCH,
	};
	const u64 vals[] = {
		hc->r[GHCB_R_EXIT_CODE], hc->r[GHCB_R_EXIT_INFO1],
		hc->r[GHCB_R_EXIT_INFO2], hc->r[GHCB_R_SCRATCH],
	};
	u64 valid[GHCB_VALID_BITMAP_SIZE / 8] = {};
	u32 i, bit;

	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		WRITE_ONCE(*tiny_ghcb_q(offs[i]), vals[i]);
		bit = offs[i] / 8;
		valid[bit / 64] |= 1ULL << (bit % 64);
	}
	for (i = 0; i < ARRAY_SIZE(valid); i++)
		WRITE_ONCE(*tiny_ghcb_q(GHCB_OFF_VALID_BITMAP + i * 8),
			   valid[i]);
	WRITE_ONCE(*(u16 *)tiny_ghcb_at(GHCB_OFF_PROTOCOL_VERSION),
		   GHCB_PROTOCOL_VERSION);
	WRITE_ONCE(*(u32 *)tiny_ghcb_at(GHCB_OFF_USAGE), GHCB_USAGE_DEFAULT);
}

static int tiny_snp_hypercall(struct ga_hcall *hc)
{
	if (!hc->r[GHCB_R_NAE]) {
		/* MSR protocol: request in, VMGEXIT, response out. */
		tiny_wrmsr(MSR_GHCB, hc->r[GHCB_R_MSR]);
		tiny_vmgexit();
		hc->r[GHCB_R_MSR] = tiny_rdmsr(MSR_GHCB);
		return 0;
	}
	if (!tiny_ghcb_ready || hc->r[GHCB_R_MSR] != tiny_pa(tiny_ghcb))
		return -GA_EINVAL;
	tiny_ghcb_fill(hc);
	tiny_wrmsr(MSR_GHCB, tiny_pa(tiny_ghcb));
	tiny_vmgexit();
	hc->r[GHCB_R_EXIT_INFO1] = READ_ONCE(*tiny_ghcb_q(GHCB_OFF_SW_EXIT_INFO1));
	hc->r[GHCB_R_EXIT_INFO2] = READ_ONCE(*tiny_ghcb_q(GHCB_OFF_SW_EXIT_INFO2));
	hc->r[GHCB_R_MSR] = tiny_rdmsr(MSR_GHCB);
	return 0;
}

/*
 * TDG.VP.VMCALL: R10-R15 by value (TDX_HC_R10.. of tdx_abi.h). RAX is the
 * TDCALL's own status: non-zero means the call never reached the host.
 */
static int tiny_tdx_hypercall(struct ga_hcall *hc)
{
	struct tiny_tdcall t = {
		.rax = TDG_VP_VMCALL,
		.rcx = TDVMCALL_EXPOSE_R10_R15,
		.r10 = hc->r[TDX_HC_R10],
		.r11 = hc->r[TDX_HC_R11],
		.r12 = hc->r[TDX_HC_R12],
		.r13 = hc->r[TDX_HC_R13],
		.r14 = hc->r[TDX_HC_R14],
		.r15 = hc->r[TDX_HC_R15],
	};
	u64 st = tiny_tdcall(&t);

	if (st) {
		tiny_printf("# ccmem-tiny: TDG.VP.VMCALL failed: status 0x%llx\n",
			    st);
		return -GA_EINVAL;
	}
	hc->r[TDX_HC_R10] = t.r10;
	hc->r[TDX_HC_R11] = t.r11;
	hc->r[TDX_HC_R12] = t.r12;
	hc->r[TDX_HC_R13] = t.r13;
	hc->r[TDX_HC_R14] = t.r14;
	hc->r[TDX_HC_R15] = t.r15;
	return 0;
}

static int tiny_op_hypercall(void *priv, struct ga_hcall *hc)
{
	(void)priv;
	switch (tiny.plat) {
	case TINY_SNP:
		return tiny_snp_hypercall(hc);
	case TINY_TDX:
		return tiny_tdx_hypercall(hc);
	case TINY_NULL:
		break;
	}
	return -GA_EINVAL;
}

/*
 * SNP: this vCPU's GHCB, made shared the way Linux makes its boot GHCB
 * shared: rescind, then a Page State Change by the MSR protocol (the NAE
 * form needs the GHCB). ga_convert() does both and records the page as
 * shared, so a later private access to it is caught as one.
 */
void tiny_snp_ghcb_init(void)
{
	bool msr = tiny_g.msr_protocol;
	int ret;

	tiny_v.comm_gpa = tiny_pa(tiny_ghcb);
	tiny_g.msr_protocol = true;
	ret = ga_convert(&tiny_v, tiny_v.comm_gpa, CCMEM_PAGE_SIZE, true);
	tiny_g.msr_protocol = msr;
	if (ret == -GA_EFATAL)
		tiny_die_event(&tiny_v, "making the GHCB shared");
	if (ret)
		tiny_die("making the GHCB shared: %s", tiny_err_name(ret));
	tiny_ghcb_ready = true;
	tiny_printf("ccmem-tiny: GHCB at 0x%llx, shared\n", tiny_v.comm_gpa);
}

/* ---- env ops: accesses --------------------------------------------------- */

static int tiny_op_access(u64 gpa, void *buf, u32 len, bool shared,
			  bool write)
{
	void *p;

	if (!len)
		return 0;
	if (gpa < CCMEM_PAGE_SIZE || gpa >= TINY_MAP_LIMIT ||
	    len > TINY_MAP_LIMIT - gpa)
		return -GA_ERANGE;
	p = shared ? tiny_shared(gpa) : tiny_priv(gpa);
	/* Only the guest-memory side can fault; @buf is the core's own. */
	return write ? tiny_copy_safe(p, buf, len) : tiny_copy_safe(buf, p, len);
}

static int tiny_op_read(void *priv, u64 gpa, void *buf, u32 len, bool shared)
{
	(void)priv;
	return tiny_op_access(gpa, buf, len, shared, false);
}

static int tiny_op_write(void *priv, u64 gpa, const void *buf, u32 len,
			 bool shared)
{
	(void)priv;
	return tiny_op_access(gpa, (void *)buf, len, shared, true);
}

/* ---- env ops: lock, wait, trace ------------------------------------------ */

/*
 * One vCPU and no interrupts: the lock can only be found taken if an
 * exception came inside the core's critical section, which would deadlock.
 */
static bool tiny_lock_held;

static void tiny_op_lock(void *gpriv)
{
	(void)gpriv;
	if (tiny_lock_held)
		tiny_die("the core's lock taken twice (an exception inside its critical section)");
	tiny_lock_held = true;
}

static void tiny_op_unlock(void *gpriv)
{
	(void)gpriv;
	tiny_lock_held = false;
}

/* Only a re-entered accept of a unit already in flight can get here. */
static int tiny_op_wait(void *gpriv)
{
	(void)gpriv;
	tiny_printf("# ccmem-tiny: the core waits for a unit in flight on the only vCPU\n");
	return -GA_ESTOP;
}

static void tiny_op_wake_all(void *gpriv)
{
	(void)gpriv;
}

static void tiny_op_trace(void *priv, int event, u64 gpa, u64 size,
			  u64 detail)
{
	static const char *const names[] = {
		[GA_TR_ACCEPT_EAGER] = "accept-eager",
		[GA_TR_ACCEPT_LAZY] = "accept-lazy",
		[GA_TR_FALLBACK_4K] = "fallback-4k",
		[GA_TR_SECURITY] = "security",
		[GA_TR_CONVERT] = "convert",
	};

	(void)priv;
	if (event == GA_TR_SECURITY)
		tiny_printf("# ccmem-tiny: security event %s at 0x%llx\n",
			    tiny_sec_name((u32)detail), gpa);
	else if (tiny.opt.verbose && event > 0 && event <= GA_TR_CONVERT)
		tiny_printf("# trace %s 0x%llx size 0x%llx detail 0x%llx\n",
			    names[event], gpa, size, detail);
}

const struct ga_env_ops tiny_env_ops = {
	.insn = tiny_op_insn,
	.hypercall = tiny_op_hypercall,
	.read = tiny_op_read,
	.write = tiny_op_write,
	.lock = tiny_op_lock,
	.unlock = tiny_op_unlock,
	.wait = tiny_op_wait,
	.wake_all = tiny_op_wake_all,
	.trace = tiny_op_trace,
};

/* ---- the lazy-accept exception hooks -------------------------------------- */

/* The exception came from tiny_copy_safe(): report it to the core. */
static bool tiny_fixup_copy(struct tiny_regs *regs)
{
	if (regs->rip != (u64)tiny_copy_insn)
		return false;
	regs->rax = GA_EXC_NOT_ACCEPTED;
	regs->rip = (u64)tiny_copy_fixup;
	tiny.copy_faults++;
	return true;
}

static bool tiny_page_is_shared(u64 page)
{
	u64 gfn = page >> CCMEM_PAGE_SHIFT;
	u32 i;

	for (i = 0; i < tiny_g.nr_shared; i++) {
		if (gfn >= tiny_g.shared[i].start && gfn < tiny_g.shared[i].end)
			return true;
	}
	return false;
}

/*
 * A direct touch of @gpa raised the not-accepted exception @exc. On an
 * unaccepted unit: the lazy accept, through the core's #VC path. On an
 * accepted one: the security event.
 */
static void tiny_lazy_touch(u64 gpa, const char *exc)
{
	u64 page = align_down(gpa, CCMEM_PAGE_SIZE);
	u8 byte;
	int ret;

	if (!tiny.core_ready)
		tiny_die("%s at 0x%llx: memory touched before the core runs",
			 exc, gpa);
	if (gpa < tiny_g.mem_start || gpa >= tiny_g.mem_end)
		tiny_die("%s at 0x%llx: outside the guest-managed memory [0x%llx, 0x%llx)",
			 exc, gpa, tiny_g.mem_start, tiny_g.mem_end);
	if (!ga_bitmap_any_unaccepted(&tiny_g.bm, page, page + 1)) {
		ga_fatal(&tiny_v, tiny_page_is_shared(page) ?
			 GA_SEC_SHARED_ACCESS : GA_SEC_SUBSTITUTION, page,
			 GA_EXC_NOT_ACCEPTED);
		tiny_die_event(&tiny_v, exc);
	}
	tiny.touch_faults++;
	ret = ga_access(&tiny_v, page, &byte, 1, false);
	if (ret == -GA_EFATAL)
		tiny_die_event(&tiny_v, exc);
	if (ret)
		tiny_die("%s at 0x%llx: the lazy accept failed: %s", exc, gpa,
			 tiny_err_name(ret));
	/* Returning now with the unit unaccepted would fault for ever. */
	if (ga_bitmap_any_unaccepted(&tiny_g.bm, page, page + 1))
		tiny_die("%s at 0x%llx: still unaccepted after the lazy accept",
			 exc, gpa);
}

/*
 * SNP #VC. Error code 0x404 (SVM_EXIT_NPF | 4: a private access to a page
 * that is not validated) with CR2 = the faulting linear address: the ccmem
 * emulation's choice, as real hardware gives no address with this #VC.
 * Every other #VC (CPUID, port I/O, MSRs...) the ccmem QEMU does not
 * raise: the kernel does not emulate them.
 */
void tiny_vc(struct tiny_regs *regs, u64 cr2)
{
	if (regs->error_code != GA_EXC_NOT_ACCEPTED)
		tiny_die("#VC with exit code 0x%llx at RIP 0x%llx: not handled",
			 regs->error_code, regs->rip);
	if (tiny_fixup_copy(regs))
		return;
	if (cr2 >= TINY_MAP_LIMIT)
		tiny_die("#VC 0x404 at 0x%llx: not an address of the private map",
			 cr2);
	tiny_lazy_touch(cr2, "#VC 0x404");
}

/*
 * TDX #VE (no error code). TDG.VP.VEINFO.GET first: until it is read the
 * module turns another #VE into a #DF, and the lazy accept below faults
 * again inside the copy. An EPT violation on a private GPA is the
 * not-accepted exception (the module raises it for a PENDING page only
 * while SEPT_VE_DISABLE is clear); anything else is fatal.
 */
void tiny_ve(struct tiny_regs *regs)
{
	struct tiny_tdcall t = { .rax = TDG_VP_VEINFO_GET };
	u64 st = tiny_tdcall(&t);
	u32 reason = (u32)t.rcx;
	u64 gpa = t.r9;

	if (st)
		tiny_die("#VE at RIP 0x%llx: TDG.VP.VEINFO.GET failed: status 0x%llx",
			 regs->rip, st);
	if (reason != TDX_VE_EPT_VIOLATION)
		tiny_die("#VE reason %u (qual 0x%llx, GLA 0x%llx, GPA 0x%llx) at RIP 0x%llx",
			 reason, t.rdx, t.r8, gpa, regs->rip);
	if (gpa & tiny.shared_bit)
		tiny_die("#VE on the shared GPA 0x%llx at RIP 0x%llx", gpa,
			 regs->rip);
	if (tiny_fixup_copy(regs))
		return;
	tiny_lazy_touch(gpa, "#VE");
}

/* The null platform's stand-in: #PF, not present, on an absent unit. */
void tiny_null_pf(struct tiny_regs *regs, u64 cr2)
{
	if (tiny_fixup_copy(regs))
		return;
	tiny_lazy_touch(cr2, "#PF (null platform: unit not accepted)");
}

/* ---- names ----------------------------------------------------------------- */

const char *tiny_sec_name(u32 reason)
{
	static const char *const names[] = {
		[GA_SEC_NONE] = "NONE",
		[GA_SEC_DOUBLE_ACCEPT] = "DOUBLE_ACCEPT",
		[GA_SEC_SUBSTITUTION] = "SUBSTITUTION",
		[GA_SEC_RELEASE_UNACCEPTED] = "RELEASE_UNACCEPTED",
		[GA_SEC_CONVERT_BACKWARD] = "CONVERT_BACKWARD",
		[GA_SEC_CONVERT_ERROR] = "CONVERT_ERROR",
		[GA_SEC_ACCEPT_FAILED] = "ACCEPT_FAILED",
		[GA_SEC_CONVERT_NO_PROGRESS] = "CONVERT_NO_PROGRESS",
		[GA_SEC_SHARED_ACCESS] = "SHARED_ACCESS",
	};

	return reason < ARRAY_SIZE(names) ? names[reason] : "?";
}

const char *tiny_err_name(int ret)
{
	switch (ret) {
	case 0:
		return "0";
	case -GA_EINVAL:
		return "-GA_EINVAL";
	case -GA_ENOMEM:
		return "-GA_ENOMEM";
	case -GA_EFATAL:
		return "-GA_EFATAL";
	case -GA_ESTOP:
		return "-GA_ESTOP";
	case -GA_ERANGE:
		return "-GA_ERANGE";
	case -GA_EBUSY:
		return "-GA_EBUSY";
	case -GA_EIO:
		return "-GA_EIO";
	case -GA_ENOTSUPP:
		return "-GA_ENOTSUPP";
	}
	return ret > 0 ? "an exception code" : "an unknown error";
}

/* ---- termination ----------------------------------------------------------- */

void __noreturn tiny_exit(int failed)
{
	tiny_outb(TINY_DEBUG_EXIT_PORT, failed ? 1 : 0);
	/* No debug-exit device (libvirt): stay here. */
	tiny_halt();
}

/*
 * Tell the host without the core (before it is set up, or when the core's
 * own termination faulted): the same requests the core's platforms send.
 */
static void tiny_raw_terminate(void)
{
	struct tiny_tdcall t = {
		.rax = TDG_VP_VMCALL,
		.rcx = TDVMCALL_EXPOSE_R10_R15,
		.r10 = TDVMCALL_STANDARD,
		.r11 = TDVMCALL_REPORT_FATAL_ERROR,
	};

	if (tiny.plat == TINY_SNP) {
		tiny_wrmsr(MSR_GHCB, GHCB_MSR_TERM(GHCB_TERM_SET_GEN,
						   GHCB_TERM_GEN_GENERAL));
		tiny_vmgexit();
	} else if (tiny.plat == TINY_TDX) {
		tiny_tdcall(&t);
	}
}

static int tiny_dying;

static void __noreturn tiny_terminate(const char *reason)
{
	if (tiny_dying++) {
		/* Something failed on the way out: no more printing. */
		tiny_raw_terminate();
		tiny_exit(1);
	}
	tiny_ktap_abort(reason);
	tiny_printf("ccmem-tiny: terminating: %s\n", reason);
	if (tiny.plat != TINY_NULL) {
		if (tiny_g.plat)
			ga_terminate(&tiny_v);
		else
			tiny_raw_terminate();
		tiny_printf("ccmem-tiny: the host did not end the guest\n");
	}
	tiny_exit(1);
}

void tiny_die(const char *fmt, ...)
{
	char reason[256];
	va_list ap;

	va_start(ap, fmt);
	tiny_vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	tiny_terminate(reason);
}

/* @v hit a fatal event (the core returned -GA_EFATAL): say which. */
void tiny_die_event(struct ga_vcpu *v, const char *what)
{
	char reason[256];

	tiny_snprintf(reason, sizeof(reason),
		      "security event %s at 0x%llx (detail 0x%llx) during %s",
		      tiny_sec_name(v->event.reason), v->event.gpa,
		      v->event.detail, what);
	tiny_terminate(reason);
}
