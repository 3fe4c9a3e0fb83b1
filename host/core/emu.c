// SPDX-License-Identifier: GPL-2.0
/*
 * emu.c - the ioctls of ccmem_emu.h: what a VM on the software model of
 * its platform offers beyond the production interface.
 *
 * The core checks the arguments that are the same for every platform and
 * hands the request to the platform module's struct ccmem_arch_emu_ops,
 * which the model answers. A VM on the real hardware has no such ops:
 * every emu ioctl then fails with -EOPNOTSUPP.
 *
 * The same requests come from emulated vCPUs (ccmem_vcpu_emu_req()): their
 * faults are not queued but become CCMEM_EXIT_MEMORY_FAULT exits, and the
 * instruction or access is retried when the VMM runs the vCPU again, as
 * the hardware re-executes a faulting instruction.
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "ccmem_core.h"

/**
 * ccmem_emu_report_fault() - a guest-side request faulted to the VMM.
 * @vm: the VM; vm->lock held.
 * @req: the request; gets CCMEM_EMU_R_FAULT.
 * @gpa: faulting guest physical address.
 * @size: size of the faulting range.
 * @reason: CCMEM_FAULT_*.
 * @flags: CCMEM_FAULT_F_*.
 * @error_code: the platform's error code.
 *
 * A request of an emulated vCPU keeps the fault in @req->fault; one of
 * the VMM's ioctl queues a record and returns its seq.
 *
 * Return: 0, or -EAGAIN when the queue is full (nothing was queued).
 */
int ccmem_emu_report_fault(struct ccmem_vm *vm, struct ccmem_emu_req *req,
			   u64 gpa, u64 size, u32 reason, u32 flags,
			   u64 error_code)
{
	int ret = 0;

	req->fault = (struct ccmem_fault) {
		.gpa = gpa, .size = size, .reason = reason, .flags = flags,
		.error_code = error_code, .vcpu = req->vcpu_id,
	};
	if (!req->vcpu)
		ret = ccmem_queue_fault(vm, &req->fault, &req->fault_seq);
	if (!ret)
		req->result = CCMEM_EMU_R_FAULT;
	return ret;
}
EXPORT_SYMBOL_GPL(ccmem_emu_report_fault);

/**
 * ccmem_emu_shared_access() - an access request to shared memory.
 * @vm: the VM; vm->lock held.
 * @req: the access.
 *
 * Shared memory is the region's shared backing in the VMM's address space,
 * which can fault (and block for good under userfaultfd): it is not
 * touched here, under vm->lock. The request records where it is, and the
 * core copies once the lock is dropped (ccmem_emu_finish()).
 *
 * Return: 0, or -ENOENT outside every region.
 */
int ccmem_emu_shared_access(struct ccmem_vm *vm, struct ccmem_emu_req *req)
{
	/* A check (no data, len 0) only needs the page to be in a region. */
	void __user *uaddr = ccmem_vm_shared_uaddr(vm, req->gpa,
						   req->len ?: 1);

	if (!uaddr)
		return -ENOENT;
	if (!(req->flags & CCMEM_ACCESS_F_CHECK))
		req->shared = uaddr;
	return 0;
}
EXPORT_SYMBOL_GPL(ccmem_emu_shared_access);

/**
 * ccmem_emu_copy_private() - complete an access to a private page.
 * @pfn: the page the access touches.
 * @req: the access; a check (CCMEM_ACCESS_F_CHECK) copies nothing.
 *
 * Copies between the request's kernel buffer and the page: the core
 * bounces the VMM's buffer, so no user memory is touched under vm->lock.
 *
 * Return: 0.
 */
int ccmem_emu_copy_private(u64 pfn, struct ccmem_emu_req *req)
{
	unsigned int off = offset_in_page(req->gpa);
	void *kaddr;

	if (req->flags & CCMEM_ACCESS_F_CHECK)
		return 0;
	kaddr = kmap_local_pfn(pfn);
	if (req->flags & CCMEM_ACCESS_F_WRITE)
		memcpy(kaddr + off, req->kbuf, req->len);
	else
		memcpy(req->kbuf, kaddr + off, req->len);
	kunmap_local(kaddr);
	return 0;
}
EXPORT_SYMBOL_GPL(ccmem_emu_copy_private);

/* Complete a shared access between req->kbuf and the backing: no lock held. */
static int ccmem_emu_finish(struct ccmem_emu_req *req)
{
	unsigned long left;

	if (!req->shared)
		return 0;
	if (req->flags & CCMEM_ACCESS_F_WRITE)
		left = copy_to_user(req->shared, req->kbuf, req->len);
	else
		left = copy_from_user(req->kbuf, req->shared, req->len);
	req->shared = NULL;
	return left ? -EFAULT : 0;
}

/* Is the fault queue full? Then the VMM's requests must wait for a drain. */
static bool ccmem_emu_queue_full(struct ccmem_vm *vm)
{
	bool full;

	spin_lock(&vm->fq_lock);
	full = vm->fq_count == vm->fq_len;
	if (full)
		vm->stat.faults_backpressure++;
	spin_unlock(&vm->fq_lock);
	return full;
}

/* Run @req under vm->lock; -EIO when the VM is no longer usable. */
static int ccmem_emu_do(struct ccmem_vm *vm, struct ccmem_emu_req *req,
			bool insn)
{
	lockdep_assert_held(&vm->lock);
	if (!ccmem_vm_usable(vm))
		return -EIO;
	if (!vm->emu)
		return -EOPNOTSUPP;
	/*
	 * A request of the VMM's that may queue a fault record is refused
	 * up front when the queue is full, before it populates a page or
	 * splits an entry: a request that fails with -EAGAIN changes
	 * nothing. (Faults are queued only under vm->lock, so the room
	 * seen here is still there when the request needs it.)
	 */
	if (!req->vcpu && ccmem_emu_queue_full(vm))
		return -EAGAIN;
	return insn ? vm->emu->guest_insn(vm, req) : vm->emu->access(vm, req);
}

/**
 * ccmem_vcpu_emu_req() - a guest instruction or access of an emulated vCPU.
 * @vcpu: the vCPU; called from its thread.
 * @req: the request (@req->vcpu is set here).
 * @insn: an instruction (else an access).
 *
 * A fault the host cannot resolve becomes a CCMEM_EXIT_MEMORY_FAULT; once
 * the VMM runs the vCPU again the request is retried.
 *
 * Return: 0 (see req->result), -ESHUTDOWN, -EIO for a VM that is no longer
 * live, or the platform's errno.
 */
int ccmem_vcpu_emu_req(struct ccmem_vcpu *vcpu, struct ccmem_emu_req *req,
		       bool insn)
{
	struct ccmem_vm *vm = vcpu->vm;
	struct ccmem_run exit;
	int ret;

	req->vcpu = vcpu;
	req->vcpu_id = vcpu->id;
	for (;;) {
		if (ccmem_vcpu_stopping(vcpu))
			return -ESHUTDOWN;
		req->result = 0;
		req->vector = 0;
		req->rax = 0;
		req->rflags = 0;
		req->error_code = 0;
		mutex_lock(&vm->lock);
		ret = ccmem_emu_do(vm, req, insn);
		mutex_unlock(&vm->lock);
		if (!ret)
			ret = ccmem_emu_finish(req);
		if (ret || req->result != CCMEM_EMU_R_FAULT)
			return ret;

		memset(&exit, 0, sizeof(exit));
		exit.exit_reason = CCMEM_EXIT_MEMORY_FAULT;
		exit.memory_fault = req->fault;
		if (ccmem_vcpu_exit(vcpu, &exit, false) == -ESHUTDOWN)
			return -ESHUTDOWN;
		cond_resched();
	}
}
EXPORT_SYMBOL_GPL(ccmem_vcpu_emu_req);

/**
 * ccmem_vcpu_hypercall() - a hypercall of an emulated vCPU, to the host.
 * @vcpu: the vCPU; called from its thread, vm->lock not held.
 * @hc: the registers; results are written back into it.
 *
 * Return: 0, -ESHUTDOWN, or -EIO for a VM that is no longer live.
 */
int ccmem_vcpu_hypercall(struct ccmem_vcpu *vcpu, struct ccmem_hcall *hc)
{
	const struct ccmem_arch_emu_ops *emu;

	if (ccmem_vcpu_stopping(vcpu))
		return -ESHUTDOWN;
	/* The VM's reference on its platform module keeps the ops alive. */
	emu = vcpu->vm->emu;
	if (!emu)
		return -EIO;
	return emu->hypercall(vcpu, hc);
}
EXPORT_SYMBOL_GPL(ccmem_vcpu_hypercall);

/**
 * ccmem_emu_insn_ioctl() - CCMEM_EMU_GUEST_INSN.
 * @vm: the VM; vm->lock held, usable, on the model.
 * @p: the argument (struct ccmem_emu_insn), a kernel copy; gets the
 *	outputs.
 */
long ccmem_emu_insn_ioctl(struct ccmem_vm *vm, void *p)
{
	struct ccmem_emu_insn *arg = p;
	struct ccmem_emu_req req = {};
	int ret;

	if (arg->flags || !mem_is_zero(arg->reserved, sizeof(arg->reserved)))
		return -EINVAL;
	if (arg->vcpu >= CCMEM_MAX_VCPUS || arg->gpa >= CCMEM_MAX_GPA)
		return -EINVAL;
	req.vcpu_id = arg->vcpu;
	req.level = arg->level;
	req.insn = arg->insn;
	req.gpa = arg->gpa;
	req.rcx = arg->rcx;
	req.rdx = arg->rdx;
	ret = ccmem_emu_do(vm, &req, true);
	if (ret)
		return ret;
	vm->stat.fwd_insns++;
	arg->result = req.result;
	arg->vector = req.vector;
	arg->rax_out = req.rax;
	arg->rflags_out = req.rflags;
	arg->error_code = req.error_code;
	arg->fault_seq = req.fault_seq;
	return 0;
}

#define CCMEM_ACCESS_F_ALL (CCMEM_ACCESS_F_WRITE | CCMEM_ACCESS_F_EXEC | \
			    CCMEM_ACCESS_F_SHARED | CCMEM_ACCESS_F_HOST | \
			    CCMEM_ACCESS_F_2M | CCMEM_ACCESS_F_USER | \
			    CCMEM_ACCESS_F_CHECK)

/**
 * ccmem_emu_access_ioctl() - CCMEM_EMU_ACCESS.
 * @vm: the VM (any state); takes vm->lock itself.
 * @p: the argument (struct ccmem_emu_access), a kernel copy; gets the
 *	outputs.
 *
 * The caller's buffer goes through a kernel bounce buffer: read before
 * vm->lock is taken, written after it is dropped.
 */
long ccmem_emu_access_ioctl(struct ccmem_vm *vm, void *p)
{
	struct ccmem_emu_access *arg = p;
	void __user *ubuf = u64_to_user_ptr(arg->buf);
	struct ccmem_emu_req req = {};
	bool write = arg->flags & CCMEM_ACCESS_F_WRITE;
	bool check = arg->flags & CCMEM_ACCESS_F_CHECK;
	int ret;

	if ((arg->flags & ~CCMEM_ACCESS_F_ALL) ||
	    !mem_is_zero(arg->reserved, sizeof(arg->reserved)))
		return -EINVAL;
	if (arg->vcpu >= CCMEM_MAX_VCPUS || arg->gpa >= CCMEM_MAX_GPA)
		return -EINVAL;
	if (check ? arg->len || arg->buf :
	    !arg->len || arg->len > PAGE_SIZE ||
	    offset_in_page(arg->gpa) + arg->len > PAGE_SIZE)
		return -EINVAL;
	req.vcpu_id = arg->vcpu;
	req.level = arg->level;
	req.gpa = arg->gpa;
	req.len = arg->len;
	req.flags = arg->flags;
	if (!check) {
		req.kbuf = kzalloc(arg->len, GFP_KERNEL_ACCOUNT);
		if (!req.kbuf)
			return -ENOMEM;
		if (write && copy_from_user(req.kbuf, ubuf, arg->len)) {
			ret = -EFAULT;
			goto out;
		}
	}

	if (mutex_lock_killable(&vm->lock)) {
		ret = -EINTR;
		goto out;
	}
	if (!ccmem_vm_usable(vm))
		ret = vm->state == CCMEM_VM_STATE_DEAD ? -EIO : -ENODEV;
	else
		ret = ccmem_emu_do(vm, &req, false);
	mutex_unlock(&vm->lock);
	if (!ret)
		ret = ccmem_emu_finish(&req);
	if (ret)
		goto out;
	if (!check && !write && req.result == CCMEM_EMU_R_DONE &&
	    copy_to_user(ubuf, req.kbuf, arg->len)) {
		ret = -EFAULT;
		goto out;
	}
	arg->result = req.result;
	arg->vector = req.vector;
	arg->error_code = req.error_code;
	arg->fault_seq = req.fault_seq;
	atomic64_inc(check ? &vm->stat.fwd_access_checks :
		     &vm->stat.fwd_accesses);
out:
	kfree(req.kbuf);
	return ret;
}

/**
 * ccmem_emu_lookup_ioctl() - CCMEM_EMU_LOOKUP.
 * @vm: the VM; vm->lock held, usable, on the model.
 * @p: the argument (struct ccmem_emu_lookup), a kernel copy.
 */
long ccmem_emu_lookup_ioctl(struct ccmem_vm *vm, void *p)
{
	struct ccmem_emu_lookup *arg = p;

	if (arg->flags || !mem_is_zero(arg->reserved, sizeof(arg->reserved)) ||
	    !PAGE_ALIGNED(arg->gpa) || arg->gpa >= CCMEM_MAX_GPA)
		return -EINVAL;
	arg->state = 0;
	arg->key_id = 0;
	arg->perms = 0;
	arg->raw = 0;
	return vm->emu->lookup(vm, arg);
}

/**
 * ccmem_emu_inject_ioctl() - CCMEM_EMU_INJECT.
 * @vm: the VM; vm->lock held, usable, on the model.
 * @p: the argument (struct ccmem_emu_inject), a kernel copy.
 */
long ccmem_emu_inject_ioctl(struct ccmem_vm *vm, void *p)
{
	const struct ccmem_emu_inject *inj = p;
	bool at_page = inj->op == CCMEM_INJECT_BUSY ||
		       inj->op == CCMEM_INJECT_BLOCK;
	/* The controls whose code says what the host does instead. */
	bool needs_code = inj->op == CCMEM_INJECT_ASSIGN ||
			  inj->op == CCMEM_INJECT_SPLIT ||
			  inj->op == CCMEM_INJECT_CONVERT_BACKWARD ||
			  inj->op == CCMEM_INJECT_CONVERT_OUTSIDE;

	if (inj->flags || inj->reserved ||
	    !PAGE_ALIGNED(inj->gpa) || inj->gpa >= CCMEM_MAX_GPA ||
	    (inj->gpa && !at_page))
		return -EINVAL;
	if (!inj->op || inj->op > CCMEM_INJECT_CONVERT_LIE ||
	    (needs_code && inj->count && !inj->code))
		return -EINVAL;
	return vm->emu->inject(vm, inj);
}
