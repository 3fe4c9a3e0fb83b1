// SPDX-License-Identifier: GPL-2.0
/*
 * mapgpa.c - the host side of TDG.VP.VMCALL for emulated TDX vCPUs:
 * <MapGPA>, the guest's private<->shared conversion request, and
 * <ReportFatalError>.
 *
 * MapGPA names a range by registers (R12 the start GPA, with the shared
 * bit for private->shared; R13 the size), so nothing is read from guest
 * memory. The checks are the portable decoder's (mapgpa_decode.c, unit
 * tested and fuzzed in userspace); this file turns a request into
 * CCMEM_EXIT_CONVERT exits to the VMM, which decides and calls
 * CCMEM_VM_SET_ATTRIBUTES, the same neutral exit as an SNP Page State
 * Change. A large request goes out in chunks of 1 GiB, one exit each,
 * all served within one call; a vCPU being stopped ends the call
 * (-ESHUTDOWN, no answer). RETRY with the GPA to resume from comes only
 * from the model's controls (a host that serves part of a request, or
 * lies about where to resume), and the guest must cope with it.
 *
 * Until the VMM enables CCMEM_CAP_CONVERT_EXITS the request is refused
 * with SUBFUNC_UNSUPPORTED, as KVM refuses it without
 * KVM_CAP_EXIT_HYPERCALL.
 *
 * Emulated vCPUs exist only on the model, so this file is built with it
 * (CONFIG_CCMEM_EMU) and every VM that reaches it is on the model.
 */
#include <linux/mm.h>

#include "tdx.h"
#include "mapgpa_decode.h"

/* Pages per conversion exit: 1 GiB (the VMM's cost is per range). */
#define TDX_MAPGPA_CHUNK_PAGES	(1ULL << (30 - PAGE_SHIFT))

/* Exit to the VMM with one chunk; returns its answer or -ESHUTDOWN. */
static s64 tdx_mapgpa_exit(struct ccmem_vcpu *vcpu,
			   const struct mapgpa_req *req,
			   const struct mapgpa_chunk *c)
{
	struct ccmem_run exit = { .exit_reason = CCMEM_EXIT_CONVERT };

	exit.convert.gpa = c->gfn << PAGE_SHIFT;
	exit.convert.size = c->npages << PAGE_SHIFT;
	exit.convert.flags = req->to_shared ? 0 : CCMEM_CONVERT_F_PRIVATE;
	tdx_count(vcpu->vm, &tdx_vm(vcpu->vm)->stat.mapgpa_exits, 1);
	return ccmem_vcpu_exit(vcpu, &exit, false);
}

/*
 * Read the model's MapGPA controls for this request (vm->lock taken):
 * the pages it serves before RETRY, and whether it lies.
 */
static void tdx_mapgpa_controls(struct ccmem_vm *vm, u64 *budget, bool *lie)
{
	mutex_lock(&vm->lock);
	tdx_vm(vm)->stat.mapgpa_requests++;
	*budget = U64_MAX;
	*lie = false;
	if (ccmem_vm_usable(vm)) {
		*budget = tdx_emu_guest.mapgpa_budget(tdx_vm(vm)->td);
		*lie = tdx_emu_guest.mapgpa_lie(tdx_vm(vm)->td);
	}
	mutex_unlock(&vm->lock);
}

/* The model's lying RETRY: a resume GPA outside the request. */
static void tdx_mapgpa_lie(struct ccmem_vm *vm, const struct mapgpa_req *req,
			   u64 *r)
{
	u64 back = 0, past = 0;

	mutex_lock(&vm->lock);
	if (ccmem_vm_usable(vm)) {
		back = tdx_emu_guest.mapgpa_rewind(tdx_vm(vm)->td);
		past = tdx_emu_guest.mapgpa_past_end(tdx_vm(vm)->td);
	}
	mutex_unlock(&vm->lock);
	if (back)
		r[TDX_HC_R11] = req->gpa - (back << PAGE_SHIFT);
	else if (past)
		r[TDX_HC_R11] = mapgpa_gpa_at(req, req->npages) +
				((past - 1) << PAGE_SHIFT);
}

static int tdx_map_gpa(struct ccmem_vcpu *vcpu, struct ccmem_hcall *hc)
{
	struct ccmem_vm *vm = vcpu->vm;
	struct tdx_counters *c = &tdx_vm(vm)->stat;
	struct mapgpa_req req = { .gpa = hc->r[TDX_HC_R12] };
	struct mapgpa_chunk ch;
	u64 st, budget, done = 0;
	bool lie;
	s64 ans;

	tdx_mapgpa_controls(vm, &budget, &lie);
	if (!READ_ONCE(vm->convert_exits)) {
		st = TDVMCALL_STATUS_SUBFUNC_UNSUPPORTED;
		goto error;
	}
	st = mapgpa_decode(hc->r, tdx_vm(vm)->gpaw, &req);
	if (st)
		goto error;
	if (lie) {
		/* A lying host (the model's control): SUCCESS, nothing done. */
		mapgpa_reply_progress(&req, req.npages, hc->r);
		return 0;
	}

	while (done < budget &&
	       mapgpa_next_chunk(&req, done, min(budget - done,
						 TDX_MAPGPA_CHUNK_PAGES), &ch)) {
		/* Stop between chunks when the vCPU must go: the guest resumes. */
		if (ccmem_vcpu_stopping(vcpu))
			return -ESHUTDOWN;
		ans = tdx_mapgpa_exit(vcpu, &req, &ch);
		if (ans == -ESHUTDOWN)
			return -ESHUTDOWN;
		if (ans) {
			/* The VMM refused: as KVM, INVALID_OPERAND there. */
			st = TDVMCALL_STATUS_INVALID_OPERAND;
			goto error;
		}
		done += ch.npages;
	}
	if (done < req.npages) {
		tdx_count(vm, &c->mapgpa_retries, 1);
		mapgpa_reply_progress(&req, done, hc->r);
		/*
		 * A malicious host (the model's controls): resume before the
		 * start of this request, or past its end.
		 */
		tdx_mapgpa_lie(vm, &req, hc->r);
		return 0;
	}
	mapgpa_reply_progress(&req, done, hc->r);
	return 0;

error:
	tdx_count(vm, &c->mapgpa_errors, 1);
	mapgpa_reply_error(&req, done, st, hc->r);
	return 0;
}

/*
 * The guest gives up: post the final exit with its error code (R12). The
 * vCPU's code stops here (-ESHUTDOWN), as the guest never runs again.
 */
static int tdx_report_fatal(struct ccmem_vcpu *vcpu, struct ccmem_hcall *hc)
{
	struct ccmem_run exit = { .exit_reason = CCMEM_EXIT_TERMINATED };

	tdx_count(vcpu->vm, &tdx_vm(vcpu->vm)->stat.fatal_reports, 1);
	exit.terminated.flags = CCMEM_TERM_F_GUEST;
	exit.terminated.reason_set = 0;
	exit.terminated.reason_code = TDVMCALL_FATAL_CODE(hc->r[TDX_HC_R12]);
	ccmem_vcpu_exit(vcpu, &exit, true);
	return -ESHUTDOWN;
}

/**
 * tdx_hypercall() - the host's TDG.VP.VMCALL handler for emulated vCPUs.
 * @vcpu: the vCPU; runs in its thread, vm->lock not held.
 * @hc: the registers (TDX_HC_R10...); the status goes back in R10.
 *
 * Return: 0, or -ESHUTDOWN when the vCPU is torn down or the guest
 * reported a fatal error.
 */
int tdx_hypercall(struct ccmem_vcpu *vcpu, struct ccmem_hcall *hc)
{
	tdx_count(vcpu->vm, &tdx_vm(vcpu->vm)->stat.vmcalls, 1);
	/* R10 != 0 is a vendor-specific call: this host has none. */
	if (hc->r[TDX_HC_R10]) {
		hc->r[TDX_HC_R10] = TDVMCALL_STATUS_SUBFUNC_UNSUPPORTED;
		return 0;
	}
	switch (hc->r[TDX_HC_R11]) {
	case TDVMCALL_MAP_GPA:
		return tdx_map_gpa(vcpu, hc);
	case TDVMCALL_REPORT_FATAL_ERROR:
		return tdx_report_fatal(vcpu, hc);
	}
	hc->r[TDX_HC_R10] = TDVMCALL_STATUS_SUBFUNC_UNSUPPORTED;
	return 0;
}
