// SPDX-License-Identifier: GPL-2.0
/*
 * ghcb.c - the host side of the GHCB protocol for emulated SNP vCPUs: the
 * Page State Change request and the termination request.
 *
 * An SNP guest asks for private<->shared conversions with a VMGEXIT, in
 * one of two forms:
 *
 *  - the MSR protocol (request 0x014): one 4 KiB page, the operation in
 *    GHCBData[55:52] and the gfn in [51:12]; the response (0x015) carries
 *    the error in [63:32];
 *  - the NAE event 0x8000_0010: a header {cur_entry, end_entry} and up to
 *    253 entries in the GHCB shared buffer, at SW_SCRATCH.
 *
 * The buffer is guest memory: the guest (or another of its vCPUs) may
 * rewrite it at any time. So the header is copied once and checked against
 * the real room left in the shared buffer after SW_SCRATCH, not only
 * against 253; the entries it names are copied once and every one is
 * checked before use. All work is done on the copies.
 *
 * The checks and the merging are the portable decoder's (psc_decode.c,
 * unit tested and fuzzed in userspace); this file does the I/O around it.
 * Adjacent entries with the same operation are merged into one
 * CCMEM_EXIT_CONVERT exit to the VMM (the control plane decides and calls
 * CCMEM_VM_SET_ATTRIBUTES), like KVM's KVM_HC_MAP_GPA_RANGE exits.
 * PSMASH and UNSMASH hints are handled here. Progress (cur_entry,
 * cur_page) is written back so that a host that returns early, or fails
 * part way, tells the guest exactly how far it got.
 *
 * A guest that gives up sends the MSR termination request with its reason
 * set and code; the VMM sees them in a CCMEM_EXIT_TERMINATED exit.
 *
 * The VMGEXIT arrives by value (struct ccmem_hcall, GHCB_R_* registers):
 * the GHCB MSR, which holds the GHCB's GPA for a NAE event, and the GHCB
 * control fields. Only the request buffer is read from guest memory.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "snp.h"
#include "psc_decode.h"

/**
 * struct snp_psc - one NAE request being served.
 * @vcpu:	the vCPU that sent it.
 * @ghcb:	GPA of its GHCB page.
 * @scratch:	GPA of the header in the guest's buffer.
 * @req:	the decoder's copy of the request and its progress.
 */
struct snp_psc {
	struct ccmem_vcpu *vcpu;
	u64 ghcb;
	u64 scratch;
	struct psc_req req;
};

/* Copy to or from the guest's shared memory, as the host sees it. */
static int snp_guest_shared(struct ccmem_vm *vm, u64 gpa, void *buf, u32 len,
			    bool write)
{
	void __user *uaddr = NULL;
	int ret = 0;

	mutex_lock(&vm->lock);
	if (!ccmem_vm_usable(vm))
		ret = -EIO;
	else if (ccmem_gfn_is_private(vm, gpa >> PAGE_SHIFT))
		ret = -EPERM;	/* the host cannot read a private page */
	else
		uaddr = ccmem_vm_shared_uaddr(vm, gpa, len);
	mutex_unlock(&vm->lock);
	if (ret)
		return ret;
	if (!uaddr)
		return -ENOENT;
	/* The VMM's memory: copied with no lock held, as it can fault. */
	if (write)
		return copy_to_user(uaddr, buf, len) ? -EFAULT : 0;
	return copy_from_user(buf, uaddr, len) ? -EFAULT : 0;
}

/* The decoder's question: is the range inside the VM's memory? */
static bool snp_psc_in_vm(void *priv, u64 gfn, u64 npages)
{
	struct ccmem_vm *vm = priv;
	bool inside;

	mutex_lock(&vm->lock);
	inside = ccmem_range_in_regions(vm, gfn, npages);
	mutex_unlock(&vm->lock);
	return inside;
}

/* Exit to the VMM with one merged conversion; returns its answer. */
static s64 snp_psc_exit(struct ccmem_vcpu *vcpu, u64 gfn, u64 npages, u32 op)
{
	struct ccmem_run exit = { .exit_reason = CCMEM_EXIT_CONVERT };

	/* The VMM has not asked for these exits: refused, as by KVM. */
	if (!READ_ONCE(vcpu->vm->convert_exits))
		return -EOPNOTSUPP;
	exit.convert.gpa = gfn << PAGE_SHIFT;
	exit.convert.size = npages << PAGE_SHIFT;
	exit.convert.flags = op == PSC_OP_PRIVATE ? CCMEM_CONVERT_F_PRIVATE : 0;
	snp_count(vcpu->vm, &snp_vm(vcpu->vm)->stat.psc_exits, 1);
	return ccmem_vcpu_exit(vcpu, &exit, false);
}

/* The MSR protocol: one page, the answer in the GHCB MSR. */
static int snp_psc_msr(struct ccmem_vcpu *vcpu, struct ccmem_hcall *hc)
{
	struct ccmem_vm *vm = vcpu->vm;
	struct snp_counters *c = &snp_vm(vm)->stat;
	u64 msr = hc->r[GHCB_R_MSR];
	u64 gfn = GHCB_MSR_PSC_GFN(msr);
	u32 op = GHCB_MSR_PSC_OP(msr);
	u64 err = 0;
	s64 ans;

	mutex_lock(&vm->lock);
	c->psc_requests++;
	c->psc_msr_requests++;
	mutex_unlock(&vm->lock);
	if ((op != PSC_OP_PRIVATE && op != PSC_OP_SHARED) ||
	    GHCB_MSR_PSC_RSVD(msr) || !snp_psc_in_vm(vm, gfn, 1)) {
		err = GHCB_MSR_PSC_ERR_INPUT;
	} else {
		ans = snp_psc_exit(vcpu, gfn, 1, op);
		if (ans == -ESHUTDOWN)
			return -ESHUTDOWN;
		if (ans)
			err = GHCB_MSR_PSC_ERR_VMM;
		else
			snp_count(vm, &c->psc_entries, 1);
	}
	if (err)
		snp_count(vm, &c->psc_errors, 1);
	hc->r[GHCB_R_MSR] = GHCB_MSR_PSC_RESP | (err << 32);
	return 0;
}

/*
 * SW_SCRATCH must point into the GHCB's shared buffer with room for the
 * header; otherwise the request is refused as KVM refuses it, with
 * SW_EXITINFO1 = 2 and SW_EXITINFO2 = GHCB_ERR_INVALID_SCRATCH_AREA.
 */
static bool snp_psc_scratch_ok(struct snp_psc *p)
{
	u64 buf = p->ghcb + GHCB_SHARED_BUF_OFF;
	u64 buf_end = buf + GHCB_SHARED_BUF_SIZE;

	if (!PAGE_ALIGNED(p->ghcb) || p->ghcb >= CCMEM_MAX_GPA ||
	    p->scratch < buf || p->scratch % 8 ||
	    p->scratch + PSC_HDR_SIZE > buf_end)
		return false;
	p->req.room = (buf_end - p->scratch - PSC_HDR_SIZE) / PSC_ENTRY_SIZE;
	return true;
}

/* Copy the header once and check it, then copy the entries it names. */
static u64 snp_psc_load(struct snp_psc *p)
{
	struct ccmem_vcpu *vcpu = p->vcpu;
	struct psc_req *r = &p->req;
	__le64 hdr;
	u64 ret;

	if (snp_guest_shared(vcpu->vm, p->scratch, &hdr, sizeof(hdr), false))
		return PSC_ERR_HDR;
	ret = psc_req_header(r, le64_to_cpu(hdr));
	if (ret || !psc_req_nr_entries(r))
		return ret;
	if (snp_guest_shared(vcpu->vm, p->scratch + PSC_HDR_SIZE +
			     r->first * PSC_ENTRY_SIZE, r->e,
			     psc_req_nr_entries(r) * PSC_ENTRY_SIZE, false))
		return PSC_ERR_HDR;
	return 0;
}

/*
 * Write the progress back into the guest's buffer. The entries travel as
 * the guest laid them out: SNP hosts and guests are x86, little endian.
 */
static void snp_psc_store(struct snp_psc *p)
{
	struct ccmem_vm *vm = p->vcpu->vm;
	struct psc_req *r = &p->req;
	u32 last = min(r->cur, r->end);
	__le16 cur = cpu_to_le16(r->cur);
	u32 back, past;

	if (!psc_req_nr_entries(r))
		return;		/* nothing was left to do: change nothing */
	snp_guest_shared(vm, p->scratch + PSC_HDR_SIZE + r->first * PSC_ENTRY_SIZE,
			 r->e, (last - r->first + 1) * PSC_ENTRY_SIZE, true);

	/*
	 * A malicious host (the model's controls): move cur_entry back, or
	 * past the end of the request.
	 */
	back = snp_emu_guest.psc_rewind(vm->key_id, r->first);
	past = snp_emu_guest.psc_past_end(vm->key_id);
	if (back)
		cur = cpu_to_le16(r->first - back);
	else if (past)
		cur = cpu_to_le16(r->end + 1 + past);
	snp_guest_shared(vm, p->scratch, &cur, sizeof(cur), true);
}

/* The model's lie: report every entry left in the request as done. */
static void snp_psc_lie(struct psc_req *r)
{
	u32 i;

	for (i = r->cur; i <= r->end; i++)
		psc_req_set_done(r, i);
	r->cur = r->end + 1;
}

/* A PSMASH or UNSMASH hint: the host's business, no VMM exit. */
static void snp_psc_hint(struct ccmem_vm *vm, u64 gfn, u32 op)
{
	struct snp_counters *c = &snp_vm(vm)->stat;

	mutex_lock(&vm->lock);
	if (ccmem_vm_usable(vm)) {
		if (op == PSC_OP_PSMASH) {
			if (ccmem_gfn_is_private(vm, gfn) &&
			    !ccmem_vm_split_2m(vm, gfn))
				c->psmash_hints++;
		} else if (!ccmem_vm_unsmash(vm, gfn)) {
			c->unsmash_hints++;
		}
	}
	mutex_unlock(&vm->lock);
}

/*
 * Serve a loaded request step by step. Returns 0 with *@result set (0, or
 * an error code for the guest), or -ESHUTDOWN.
 */
static int snp_psc_process(struct snp_psc *p, u64 *result)
{
	struct ccmem_vcpu *vcpu = p->vcpu;
	struct ccmem_vm *vm = vcpu->vm;
	struct psc_step s;
	s64 ans;

	for (;;) {
		psc_req_next(&p->req, snp_psc_in_vm, vm, &s);
		switch (s.kind) {
		case PSC_STEP_DONE:
			return 0;
		case PSC_STEP_BAD_ENTRY:
			*result = PSC_ERR_ENTRY;
			return 0;
		case PSC_STEP_HINT:
			snp_psc_hint(vm, s.gfn, s.op);
			break;
		case PSC_STEP_CONVERT:
			ans = snp_psc_exit(vcpu, s.gfn, s.npages, s.op);
			if (ans == -ESHUTDOWN)
				return -ESHUTDOWN;
			if (ans) {
				*result = PSC_ERR_GENERIC;
				return 0;
			}
			snp_count(vm, &snp_vm(vm)->stat.psc_entries,
				  s.to - s.from + 1);
			break;
		}
		psc_req_commit(&p->req, &s);
	}
}

static int snp_psc_nae(struct ccmem_vcpu *vcpu, struct ccmem_hcall *hc)
{
	struct ccmem_vm *vm = vcpu->vm;
	struct snp_counters *c = &snp_vm(vm)->stat;
	u64 result;
	struct snp_psc *p;
	int ret = 0;

	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return -ENOMEM;
	p->vcpu = vcpu;
	p->ghcb = hc->r[GHCB_R_MSR];
	p->scratch = hc->r[GHCB_R_SCRATCH];
	snp_count(vm, &c->psc_requests, 1);
	psc_req_init(&p->req, 0, snp_emu_guest.psc_budget(vm->key_id));

	if (!snp_psc_scratch_ok(p)) {
		snp_count(vm, &c->psc_errors, 1);
		hc->r[GHCB_R_EXIT_INFO1] = GHCB_EXITINFO1_ERROR;
		hc->r[GHCB_R_EXIT_INFO2] = GHCB_ERR_INVALID_SCRATCH_AREA;
		kfree(p);
		return 0;
	}
	result = snp_psc_load(p);
	if (!result && snp_emu_guest.psc_lie(vm->key_id)) {
		/* A lying host: every entry "done", the VMM never asked. */
		snp_psc_lie(&p->req);
		snp_psc_store(p);
	} else if (!result) {
		ret = snp_psc_process(p, &result);
		if (!ret)
			snp_psc_store(p);
	}
	if (result)
		snp_count(vm, &c->psc_errors, 1);
	hc->r[GHCB_R_EXIT_INFO1] = 0;
	hc->r[GHCB_R_EXIT_INFO2] = result;
	kfree(p);
	return ret;
}

/*
 * The guest gives up: post the final exit with its reason. The vCPU's
 * code stops here (-ESHUTDOWN), as the guest never runs again.
 */
static int snp_terminate(struct ccmem_vcpu *vcpu, u64 msr)
{
	struct ccmem_run exit = { .exit_reason = CCMEM_EXIT_TERMINATED };

	snp_count(vcpu->vm, &snp_vm(vcpu->vm)->stat.terminations, 1);
	exit.terminated.flags = CCMEM_TERM_F_GUEST;
	exit.terminated.reason_set = GHCB_MSR_TERM_SET(msr);
	exit.terminated.reason_code = GHCB_MSR_TERM_CODE(msr);
	ccmem_vcpu_exit(vcpu, &exit, true);
	return -ESHUTDOWN;
}

/**
 * snp_hypercall() - the host's VMGEXIT handler for emulated SNP vCPUs.
 * @vcpu: the vCPU; runs in its thread, vm->lock not held.
 * @hc: the VMGEXIT (GHCB_R_* registers); the response is written back.
 *
 * Return: 0, -ESHUTDOWN when the vCPU is torn down or the guest
 * terminated, -ENOMEM.
 */
int snp_hypercall(struct ccmem_vcpu *vcpu, struct ccmem_hcall *hc)
{
	u64 msr = hc->r[GHCB_R_MSR];

	snp_count(vcpu->vm, &snp_vm(vcpu->vm)->stat.vmgexits, 1);
	if (!hc->r[GHCB_R_NAE]) {
		switch (GHCB_MSR_INFO(msr)) {
		case GHCB_MSR_PSC_REQ:
			return snp_psc_msr(vcpu, hc);
		case GHCB_MSR_TERM_REQ:
			return snp_terminate(vcpu, msr);
		}
		hc->r[GHCB_R_MSR] = 0;	/* unsupported: no valid response */
		return 0;
	}
	if (hc->r[GHCB_R_EXIT_CODE] == GHCB_NAE_PSC)
		return snp_psc_nae(vcpu, hc);
	/* An event this host does not handle, answered as KVM does. */
	hc->r[GHCB_R_EXIT_INFO1] = GHCB_EXITINFO1_ERROR;
	hc->r[GHCB_R_EXIT_INFO2] = GHCB_ERR_INVALID_EVENT;
	return 0;
}
