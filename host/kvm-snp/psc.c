// SPDX-License-Identifier: GPL-2.0
/*
 * psc.c - the host side of the GHCB Page State Change protocol.
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
 * The checks and the merging are the portable decoder's
 * (platform/snp/psc_decode.c, unit tested and fuzzed in userspace); this
 * file does the I/O around it. Adjacent entries with the same operation
 * are merged into one exit to the VMM (the control plane decides and
 * calls CCMEM_VM_SET_ATTRIBUTES), like KVM's KVM_HC_MAP_GPA_RANGE exits.
 * PSMASH and UNSMASH hints are handled here. Progress (cur_entry,
 * cur_page) is written back so that a host that returns early, or fails
 * part way, tells the guest exactly how far it got.
 */
#include <linux/slab.h>

#include "snp.h"
#include "psc_decode.h"

#define SNP_NAE_PSC		0x80000010ULL
#define SNP_MSR_CODE(v)		((v) & 0xfffULL)
#define SNP_MSR_PSC_REQ		0x014ULL
#define SNP_MSR_PSC_RESP	0x015ULL
/* MSR response errors: KVM's "bad request" value, and the VMM's refusal. */
#define SNP_MSR_PSC_ERR_INPUT	0xffffffffULL
#define SNP_MSR_PSC_ERR_VMM	0x100ULL

#define SNP_GHCB_BUF_OFF	0x800

/**
 * struct snp_psc - one NAE request being served.
 * @vcpu:	the vCPU that sent it.
 * @scratch:	GPA of the header in the guest's buffer.
 * @req:	the decoder's copy of the request and its progress.
 */
struct snp_psc {
	struct ccmem_vcpu *vcpu;
	u64 scratch;
	struct psc_req req;
};

/* Copy to or from the guest's shared memory, as the host sees it. */
static int snp_guest_shared(struct ccmem_vm *vm, u64 gpa, void *buf, u32 len,
			    bool write)
{
	struct ccmem_emu_op op = {
		.gpa = gpa,
		.buf = (unsigned long)buf,
		.len = len,
		.flags = CCMEM_EMU_F_KERNEL,
	};
	int ret;

	mutex_lock(&vm->lock);
	if (!ccmem_vm_usable(vm))
		ret = -EIO;
	else if (ccmem_gfn_is_private(vm, gpa >> PAGE_SHIFT))
		ret = -EPERM;	/* the host cannot read a private page */
	else
		ret = ccmem_vm_shared_access(vm, &op, write);
	mutex_unlock(&vm->lock);
	return ret;
}

static void snp_psc_count(struct ccmem_vm *vm, u64 *counter, u64 n)
{
	mutex_lock(&vm->lock);
	*counter += n;
	mutex_unlock(&vm->lock);
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
static s64 snp_psc_exit(struct ccmem_vcpu *vcpu, u64 gfn, u64 npages, u32 op,
			u32 form)
{
	struct ccmem_run exit = { .exit_reason = CCMEM_EXIT_PSC };

	exit.psc.gpa = gfn << PAGE_SHIFT;
	exit.psc.size = npages << PAGE_SHIFT;
	exit.psc.op = op;
	exit.psc.form = form;
	snp_psc_count(vcpu->vm, &vcpu->vm->stat.psc_exits, 1);
	return ccmem_vcpu_exit(vcpu, &exit, false);
}

/* The MSR protocol: one page, the answer in the GHCB MSR. */
static int snp_psc_msr(struct ccmem_vcpu *vcpu, struct ccmem_vmgexit *x)
{
	struct ccmem_vm *vm = vcpu->vm;
	u64 gfn = (x->msr >> 12) & GENMASK_ULL(39, 0);
	u32 op = (x->msr >> 52) & 0xf;
	u64 err = 0;
	s64 ans;

	snp_psc_count(vm, &vm->stat.psc_requests, 1);
	if ((op != CCMEM_PSC_PRIVATE && op != CCMEM_PSC_SHARED) ||
	    (x->msr >> 56) || !snp_psc_in_vm(vm, gfn, 1)) {
		err = SNP_MSR_PSC_ERR_INPUT;
	} else {
		ans = snp_psc_exit(vcpu, gfn, 1, op, CCMEM_PSC_FORM_MSR);
		if (ans == -ESHUTDOWN)
			return -ESHUTDOWN;
		if (ans)
			err = SNP_MSR_PSC_ERR_VMM;
		else
			snp_psc_count(vm, &vm->stat.psc_entries, 1);
	}
	if (err)
		snp_psc_count(vm, &vm->stat.psc_errors, 1);
	x->msr = SNP_MSR_PSC_RESP | (err << 32);
	return 0;
}

/* Copy the header once and check it, then copy the entries it names. */
static u64 snp_psc_load(struct snp_psc *p)
{
	struct ccmem_vcpu *vcpu = p->vcpu;
	u64 buf = ccmem_vcpu_ghcb_gpa(vcpu) + SNP_GHCB_BUF_OFF;
	u64 buf_end = buf + CCMEM_GHCB_SHARED_BUF_SIZE;
	struct psc_req *r = &p->req;
	__le64 hdr;
	u64 ret;

	if (p->scratch < buf || p->scratch % 8 ||
	    p->scratch + PSC_HDR_SIZE > buf_end)
		return PSC_ERR_HDR;
	r->room = (buf_end - p->scratch - PSC_HDR_SIZE) / PSC_ENTRY_SIZE;
	if (snp_guest_shared(vcpu->vm, p->scratch, &hdr, sizeof(hdr), false))
		return PSC_ERR_HDR;
	ret = psc_req_header(r, le64_to_cpu(hdr));
	if (ret)
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
	struct snp_vm *svm = snp_vm(vm);
	struct psc_req *r = &p->req;
	u32 last = min(r->cur, r->end);
	__le16 cur = cpu_to_le16(r->cur);

	snp_guest_shared(vm, p->scratch + PSC_HDR_SIZE + r->first * PSC_ENTRY_SIZE,
			 r->e, (last - r->first + 1) * PSC_ENTRY_SIZE, true);

	/* A malicious host (test control): move cur_entry back. */
	mutex_lock(&vm->lock);
	if (svm->psc_back_count && r->first >= svm->psc_back) {
		svm->psc_back_count--;
		cur = cpu_to_le16(r->first - svm->psc_back);
	}
	mutex_unlock(&vm->lock);
	snp_guest_shared(vm, p->scratch, &cur, sizeof(cur), true);
}

/* A PSMASH or UNSMASH hint: the host's business, no VMM exit. */
static void snp_psc_hint(struct ccmem_vm *vm, u64 gfn, u32 op)
{
	mutex_lock(&vm->lock);
	if (ccmem_vm_usable(vm)) {
		if (op == CCMEM_PSC_PSMASH) {
			if (ccmem_gfn_is_private(vm, gfn) &&
			    !ccmem_vm_split_2m(vm, gfn))
				vm->stat.psmash_hints++;
		} else if (!ccmem_vm_unsmash(vm, gfn)) {
			vm->stat.unsmash_hints++;
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
			ans = snp_psc_exit(vcpu, s.gfn, s.npages, s.op,
					   CCMEM_PSC_FORM_GHCB);
			if (ans == -ESHUTDOWN)
				return -ESHUTDOWN;
			if (ans) {
				*result = PSC_ERR_GENERIC;
				return 0;
			}
			snp_psc_count(vm, &vm->stat.psc_entries,
				      s.to - s.from + 1);
			break;
		}
		psc_req_commit(&p->req, &s);
	}
}

static int snp_psc_nae(struct ccmem_vcpu *vcpu, struct ccmem_vmgexit *x)
{
	struct ccmem_vm *vm = vcpu->vm;
	struct snp_vm *svm = snp_vm(vm);
	u64 budget = U64_MAX, result;
	struct snp_psc *p;
	int ret = 0;

	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	p->vcpu = vcpu;
	p->scratch = x->scratch;

	mutex_lock(&vm->lock);
	vm->stat.psc_requests++;
	if (svm->psc_early_count) {
		svm->psc_early_count--;
		budget = svm->psc_early_pages;
	}
	mutex_unlock(&vm->lock);
	psc_req_init(&p->req, 0, budget);

	result = snp_psc_load(p);
	if (!result) {
		ret = snp_psc_process(p, &result);
		if (!ret)
			snp_psc_store(p);
	}
	if (result)
		snp_psc_count(vm, &vm->stat.psc_errors, 1);
	x->info2 = result;
	kfree(p);
	return ret;
}

/**
 * snp_vmgexit() - the host's VMGEXIT handler for emulated SNP vCPUs.
 * @vcpu: the vCPU; runs in its thread, vm->lock not held.
 * @x: the exit; the response is written back into it.
 *
 * Return: 0, -ESHUTDOWN when the vCPU is torn down, -ENOMEM.
 */
int snp_vmgexit(struct ccmem_vcpu *vcpu, struct ccmem_vmgexit *x)
{
	if (!x->nae) {
		if (SNP_MSR_CODE(x->msr) == SNP_MSR_PSC_REQ)
			return snp_psc_msr(vcpu, x);
		x->msr = 0;	/* unsupported request: no valid response */
		return 0;
	}
	if (x->exit_code == SNP_NAE_PSC)
		return snp_psc_nae(vcpu, x);
	x->info2 = PSC_ERR_GENERIC;
	return 0;
}
