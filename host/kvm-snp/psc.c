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
 * Adjacent entries with the same operation are merged into one exit to the
 * VMM (the control plane decides and calls CCMEM_VM_SET_ATTRIBUTES), like
 * KVM's KVM_HC_MAP_GPA_RANGE exits. PSMASH and UNSMASH hints are handled
 * here. Progress (cur_entry, cur_page) is written back so that a host that
 * returns early, or fails part way, tells the guest exactly how far it got.
 */
#include <linux/slab.h>

#include "snp.h"

#define SNP_NAE_PSC		0x80000010ULL
#define SNP_MSR_CODE(v)		((v) & 0xfffULL)
#define SNP_MSR_PSC_REQ		0x014ULL
#define SNP_MSR_PSC_RESP	0x015ULL
/* MSR response errors: KVM's "bad request" value, and the VMM's refusal. */
#define SNP_MSR_PSC_ERR_INPUT	0xffffffffULL
#define SNP_MSR_PSC_ERR_VMM	0x100ULL

#define SNP_PSC_ERR_HDR		((1ULL << 32) | 1)
#define SNP_PSC_ERR_ENTRY	((1ULL << 32) | 2)
#define SNP_PSC_ERR_GENERIC	(0x100ULL << 32)

#define SNP_GHCB_BUF_OFF	0x800
#define SNP_PSC_HDR_SIZE	8

#define PSC_E_CUR(e)		((u32)((e) & 0xfff))
#define PSC_E_GFN(e)		(((e) >> 12) & GENMASK_ULL(39, 0))
#define PSC_E_OP(e)		((u32)(((e) >> 52) & 0xf))
#define PSC_E_HUGE(e)		(((e) >> 56) & 1)
#define PSC_E_RSVD(e)		((e) >> 57)
#define PSC_E_SET_CUR(e, c)	(((e) & ~0xfffULL) | (c))

/**
 * struct snp_psc - the host's copy of one NAE request, and its progress.
 * @scratch:	GPA of the header in the guest's buffer.
 * @room:	entries that fit between the header and the end of the
 *		GHCB shared buffer.
 * @cur:	the header's cur_entry: the next entry to process.
 * @end:	the header's end_entry (checked).
 * @first:	the cur_entry the request came in with.
 * @e:		copies of entries @first..@end.
 * @run_gfn:	the merged run not yet sent to the VMM: first gfn...
 * @run_npages:	...its length (0: no run)...
 * @run_op:	...its operation...
 * @run_first:	...the first entry in it...
 * @run_last:	...and the last one, with the cur_page it reaches.
 * @run_last_cur: see @run_last.
 * @budget:	pages left before an injected early return (U64_MAX: none).
 */
struct snp_psc {
	u64 scratch;
	u32 room;
	u32 cur, end, first;
	u64 e[CCMEM_PSC_MAX_ENTRIES];
	u64 run_gfn, run_npages;
	u32 run_op, run_first, run_last, run_last_cur;
	u64 budget;
};

static u64 *psc_entry(struct snp_psc *p, u32 i)
{
	return &p->e[i - p->first];
}

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
	bool inside;
	s64 ans;

	snp_psc_count(vm, &vm->stat.psc_requests, 1);
	mutex_lock(&vm->lock);
	inside = ccmem_range_in_regions(vm, gfn, 1);
	mutex_unlock(&vm->lock);

	if ((op != CCMEM_PSC_PRIVATE && op != CCMEM_PSC_SHARED) ||
	    (x->msr >> 56) || !inside) {
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

/* Copy and check the header, then copy the entries it names. */
static u64 snp_psc_load(struct ccmem_vcpu *vcpu, struct snp_psc *p)
{
	u64 buf = vcpu->ghcb_gpa + SNP_GHCB_BUF_OFF;
	u64 buf_end = buf + CCMEM_GHCB_SHARED_BUF_SIZE;
	u16 hdr[4];

	if (p->scratch < buf || p->scratch % 8 ||
	    p->scratch + SNP_PSC_HDR_SIZE > buf_end)
		return SNP_PSC_ERR_HDR;
	p->room = (buf_end - p->scratch - SNP_PSC_HDR_SIZE) / 8;
	if (snp_guest_shared(vcpu->vm, p->scratch, hdr, sizeof(hdr), false))
		return SNP_PSC_ERR_HDR;
	p->cur = hdr[0];
	p->end = hdr[1];
	/* end_entry indexes the buffer: bound it by the real room too. */
	if (p->end >= CCMEM_PSC_MAX_ENTRIES || p->end >= p->room ||
	    p->cur > p->end || hdr[2] || hdr[3])
		return SNP_PSC_ERR_HDR;
	p->first = p->cur;
	if (snp_guest_shared(vcpu->vm, p->scratch + SNP_PSC_HDR_SIZE + p->cur * 8,
			     p->e, (p->end - p->cur + 1) * 8, false))
		return SNP_PSC_ERR_HDR;
	return 0;
}

/* Write the progress back into the guest's buffer. */
static void snp_psc_store(struct ccmem_vcpu *vcpu, struct snp_psc *p)
{
	struct snp_vm *svm = snp_vm(vcpu->vm);
	u16 cur = p->cur;

	if (p->cur > p->first)
		snp_guest_shared(vcpu->vm, p->scratch + SNP_PSC_HDR_SIZE +
				 p->first * 8, p->e,
				 (min(p->cur, p->end) - p->first + 1) * 8, true);
	else
		snp_guest_shared(vcpu->vm, p->scratch + SNP_PSC_HDR_SIZE +
				 p->first * 8, p->e, 8, true);

	/* A malicious host (test control): move cur_entry back. */
	mutex_lock(&vcpu->vm->lock);
	if (svm->psc_back_count && p->first >= svm->psc_back) {
		svm->psc_back_count--;
		cur = p->first - svm->psc_back;
	}
	mutex_unlock(&vcpu->vm->lock);
	snp_guest_shared(vcpu->vm, p->scratch, &cur, sizeof(cur), true);
}

/* Check one entry against the protocol and the VM's memory. */
static bool snp_psc_entry_ok(struct ccmem_vm *vm, u64 e)
{
	u32 npages = PSC_E_HUGE(e) ? PTRS_PER_PMD : 1;
	u32 op = PSC_E_OP(e);
	u64 gfn = PSC_E_GFN(e);
	bool inside;

	if (op < CCMEM_PSC_PRIVATE || op > CCMEM_PSC_UNSMASH || PSC_E_RSVD(e))
		return false;
	if (PSC_E_HUGE(e) && !IS_ALIGNED(gfn, PTRS_PER_PMD))
		return false;
	if ((op == CCMEM_PSC_PSMASH || op == CCMEM_PSC_UNSMASH) &&
	    !PSC_E_HUGE(e))
		return false;
	if (PSC_E_CUR(e) > npages)
		return false;
	mutex_lock(&vm->lock);
	inside = ccmem_range_in_regions(vm, gfn, npages);
	mutex_unlock(&vm->lock);
	return inside;
}

/* Send the pending merged run to the VMM and commit its progress. */
static int snp_psc_flush(struct ccmem_vcpu *vcpu, struct snp_psc *p,
			 u64 *result)
{
	u32 i;
	s64 ans;

	if (!p->run_npages)
		return 0;
	ans = snp_psc_exit(vcpu, p->run_gfn, p->run_npages, p->run_op,
			   CCMEM_PSC_FORM_GHCB);
	p->run_npages = 0;
	if (ans == -ESHUTDOWN)
		return -ESHUTDOWN;
	if (ans) {
		*result = SNP_PSC_ERR_GENERIC;
		return 1;
	}
	/* Every entry before the last one of the run is complete. */
	for (i = p->cur; i < p->run_last; i++) {
		u64 *e = psc_entry(p, i);

		*e = PSC_E_SET_CUR(*e, PSC_E_HUGE(*e) ? PTRS_PER_PMD : 1);
	}
	*psc_entry(p, p->run_last) = PSC_E_SET_CUR(*psc_entry(p, p->run_last),
						   p->run_last_cur);
	snp_psc_count(vcpu->vm, &vcpu->vm->stat.psc_entries,
		      p->run_last - p->run_first + 1);
	p->cur = p->run_last;
	return 0;
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
 * Add the rest of entry @i (from its cur_page, within the budget) to the
 * merged run, flushing the run first when it cannot be extended. Returns
 * 0 to go on, 1 to stop (error or early return), -ESHUTDOWN.
 */
static int snp_psc_add(struct ccmem_vcpu *vcpu, struct snp_psc *p, u32 i,
		       u64 *result)
{
	u64 e = *psc_entry(p, i);
	u32 size = PSC_E_HUGE(e) ? PTRS_PER_PMD : 1;
	u64 gfn = PSC_E_GFN(e) + PSC_E_CUR(e);
	u64 n = min_t(u64, size - PSC_E_CUR(e), p->budget);
	int ret;

	if (p->run_npages && (p->run_op != PSC_E_OP(e) ||
			      p->run_gfn + p->run_npages != gfn)) {
		ret = snp_psc_flush(vcpu, p, result);
		if (ret)
			return ret;
	}
	if (!p->run_npages) {
		p->run_gfn = gfn;
		p->run_op = PSC_E_OP(e);
		p->run_first = i;
	}
	p->run_npages += n;
	p->run_last = i;
	p->run_last_cur = PSC_E_CUR(e) + n;
	if (p->budget != U64_MAX)
		p->budget -= n;
	return 0;
}

/* Process entries cur..end of a loaded request. */
static int snp_psc_process(struct ccmem_vcpu *vcpu, struct snp_psc *p,
			   u64 *result)
{
	struct ccmem_vm *vm = vcpu->vm;
	int ret = 0;
	u32 i;

	for (i = p->cur; i <= p->end && p->budget; i++) {
		u64 e = *psc_entry(p, i);
		u32 size = PSC_E_HUGE(e) ? PTRS_PER_PMD : 1;

		if (!snp_psc_entry_ok(vm, e)) {
			ret = snp_psc_flush(vcpu, p, result);
			if (!ret) {
				p->cur = i;
				*result = SNP_PSC_ERR_ENTRY;
			}
			return ret < 0 ? ret : 0;
		}
		if (PSC_E_CUR(e) == size)
			continue;	/* already done */
		if (PSC_E_OP(e) >= CCMEM_PSC_PSMASH) {
			ret = snp_psc_flush(vcpu, p, result);
			if (ret)
				return ret < 0 ? ret : 0;
			snp_psc_hint(vm, PSC_E_GFN(e), PSC_E_OP(e));
			*psc_entry(p, i) = PSC_E_SET_CUR(e, size);
			p->cur = i;
			continue;
		}
		ret = snp_psc_add(vcpu, p, i, result);
		if (ret)
			return ret < 0 ? ret : 0;
	}
	ret = snp_psc_flush(vcpu, p, result);
	if (ret)
		return ret < 0 ? ret : 0;
	/* Past the last entry whose pages are all done. */
	for (i = p->cur; i <= p->end; i++) {
		u64 e = *psc_entry(p, i);

		if (PSC_E_CUR(e) != (PSC_E_HUGE(e) ? PTRS_PER_PMD : 1))
			break;
	}
	p->cur = i;
	return 0;
}

static int snp_psc_nae(struct ccmem_vcpu *vcpu, struct ccmem_vmgexit *x)
{
	struct ccmem_vm *vm = vcpu->vm;
	struct snp_vm *svm = snp_vm(vm);
	struct snp_psc *p;
	u64 result;
	int ret = 0;

	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	p->scratch = x->scratch;
	p->budget = U64_MAX;
	snp_psc_count(vm, &vm->stat.psc_requests, 1);

	result = snp_psc_load(vcpu, p);
	if (!result) {
		mutex_lock(&vm->lock);
		if (svm->psc_early_count) {
			svm->psc_early_count--;
			p->budget = svm->psc_early_pages;
		}
		mutex_unlock(&vm->lock);
		ret = snp_psc_process(vcpu, p, &result);
		if (!ret)
			snp_psc_store(vcpu, p);
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
	x->info2 = SNP_PSC_ERR_GENERIC;
	return 0;
}
