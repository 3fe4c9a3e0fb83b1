// SPDX-License-Identifier: GPL-2.0
/*
 * vcpu.c - emulated vCPUs: the guest half of ccmem running on the emu
 * platform, driven by the VMM like KVM_RUN.
 *
 * Each vCPU is a kernel thread. It executes the guest program that
 * ccmem_guest.ko interprets, as ordinary sequential code. When the guest
 * needs the VMM (a page state change, a memory fault it cannot resolve, a
 * security event, termination, the end of the program) it posts an exit
 * and sleeps; CCMEM_VCPU_RUN hands the VMM's answer over, wakes the thread
 * and sleeps until the next exit. Nobody busy-waits.
 *
 * While a program runs, the thread borrows the VMM's mm (an mmget()
 * reference) so that guest accesses to shared memory reach the region's
 * shared backing. A vCPU fd holds a reference on its VM fd, and the thread
 * is stopped before the vCPU is freed: a vCPU thread never outlives its VM.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "ccmem_core.h"
#include "ccmem_trace.h"

static DEFINE_MUTEX(ccmem_guest_lock);
static const struct ccmem_guest_ops *ccmem_guest;

/**
 * ccmem_register_guest() - ccmem_guest.ko offers the emulated guest.
 * @ops: its operations.
 *
 * Return: 0, or -EBUSY when a guest is already registered.
 */
int ccmem_register_guest(const struct ccmem_guest_ops *ops)
{
	int ret = 0;

	mutex_lock(&ccmem_guest_lock);
	if (ccmem_guest)
		ret = -EBUSY;
	else
		ccmem_guest = ops;
	mutex_unlock(&ccmem_guest_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(ccmem_register_guest);

/**
 * ccmem_unregister_guest() - withdraw the emulated guest. VMs using it hold
 * a module reference, so none is left by the time this runs.
 * @ops: the operations passed to ccmem_register_guest().
 */
void ccmem_unregister_guest(const struct ccmem_guest_ops *ops)
{
	mutex_lock(&ccmem_guest_lock);
	if (ccmem_guest == ops)
		ccmem_guest = NULL;
	mutex_unlock(&ccmem_guest_lock);
}
EXPORT_SYMBOL_GPL(ccmem_unregister_guest);

static int ccmem_guest_cfg_check(struct ccmem_vm *vm,
				 const struct ccmem_guest_config *c)
{
	u64 unit, ghcb_end;

	if (c->flags & ~(CCMEM_GUEST_F_FORCE_4K | CCMEM_GUEST_F_PSC_MSR) ||
	    c->reserved0 || !mem_is_zero(c->reserved, sizeof(c->reserved)))
		return -EINVAL;
	if (c->policy > CCMEM_ACCEPT_HYBRID ||
	    c->unit_shift < PAGE_SHIFT || c->unit_shift > 30)
		return -EINVAL;
	unit = 1ULL << c->unit_shift;
	if (!c->mem_size || !IS_ALIGNED(c->mem_gpa | c->mem_size, unit) ||
	    c->mem_size > CCMEM_MAX_GPA - c->mem_gpa)
		return -EINVAL;
	if (!ccmem_range_in_regions(vm, c->mem_gpa >> PAGE_SHIFT,
				    c->mem_size >> PAGE_SHIFT))
		return -EINVAL;
	if (c->policy == CCMEM_ACCEPT_HYBRID ?
	    !IS_ALIGNED(c->eager_bytes, unit) || c->eager_bytes > c->mem_size :
	    c->eager_bytes)
		return -EINVAL;
	/* Room for the GHCB of every possible vCPU, outside the RAM. */
	if (!IS_ALIGNED(c->ghcb_gpa, PAGE_SIZE) || c->ghcb_gpa >= CCMEM_MAX_GPA)
		return -EINVAL;
	ghcb_end = c->ghcb_gpa + CCMEM_MAX_VCPUS * PAGE_SIZE;
	if (!ccmem_range_in_regions(vm, c->ghcb_gpa >> PAGE_SHIFT,
				    CCMEM_MAX_VCPUS))
		return -EINVAL;
	if (c->ghcb_gpa < c->mem_gpa + c->mem_size && ghcb_end > c->mem_gpa)
		return -EINVAL;
	return 0;
}

/**
 * ccmem_vm_guest_init() - CCMEM_VM_GUEST_INIT.
 * @vm: the VM; vm->lock held, usable.
 * @uarg: user pointer to struct ccmem_guest_config.
 */
long ccmem_vm_guest_init(struct ccmem_vm *vm, void __user *uarg)
{
	struct ccmem_guest_config cfg;
	const struct ccmem_guest_ops *ops;
	int ret;

	if (copy_from_user(&cfg, uarg, sizeof(cfg)))
		return -EFAULT;
	if (!cfg.unit_shift)
		cfg.unit_shift = 21;
	ret = ccmem_guest_cfg_check(vm, &cfg);
	if (ret)
		return ret;
	if (vm->backend != CCMEM_BACKEND_EMU || !vm->arch->vmgexit)
		return -EOPNOTSUPP;
	if (vm->guest_ops)
		return -EEXIST;

	mutex_lock(&ccmem_guest_lock);
	ops = ccmem_guest;
	if (ops && !try_module_get(ops->owner))
		ops = NULL;
	mutex_unlock(&ccmem_guest_lock);
	if (!ops)
		return -ENODEV;

	/* The vCPU threads call into the arch module without vm->lock. */
	if (!try_module_get(vm->arch->owner)) {
		module_put(ops->owner);
		return -ENODEV;
	}
	ret = ops->init(vm, &cfg);
	if (ret) {
		module_put(vm->arch->owner);
		module_put(ops->owner);
		return ret;
	}
	vm->guest_cfg = cfg;
	vm->guest_ops = ops;
	return 0;
}

/**
 * ccmem_vm_guest_free() - drop the guest of a VM whose fd is released.
 * @vm: the VM; no vCPU is left (each holds a VM fd reference). vm->arch is
 *	still set: the guest's reference on the arch module kept it
 *	registered.
 */
void ccmem_vm_guest_free(struct ccmem_vm *vm)
{
	const struct ccmem_guest_ops *ops = vm->guest_ops;

	if (!ops)
		return;
	ops->destroy(vm);
	vm->guest_ops = NULL;
	module_put(ops->owner);
	module_put(vm->arch->owner);
}

/**
 * ccmem_vcpu_stopping() - is the vCPU being torn down?
 * @vcpu: the vCPU.
 *
 * Long guest loops poll this between platform operations.
 */
bool ccmem_vcpu_stopping(struct ccmem_vcpu *vcpu)
{
	return READ_ONCE(vcpu->stop);
}
EXPORT_SYMBOL_GPL(ccmem_vcpu_stopping);

/* The tracepoint's gpa, size and detail, from the exit's own fields. */
static void ccmem_trace_exit(struct ccmem_vcpu *vcpu,
			     const struct ccmem_run *exit)
{
	u64 gpa = 0, size = 0, detail = 0;

	switch (exit->exit_reason) {
	case CCMEM_EXIT_PSC:
		gpa = exit->psc.gpa;
		size = exit->psc.size;
		detail = exit->psc.op;
		break;
	case CCMEM_EXIT_MEMORY_FAULT:
		gpa = exit->fault.gpa;
		size = exit->fault.size;
		detail = exit->fault.reason;
		break;
	case CCMEM_EXIT_SECURITY:
	case CCMEM_EXIT_TERMINATED:
		gpa = exit->security.gpa;
		detail = exit->security.reason;
		break;
	case CCMEM_EXIT_CHECK:
		gpa = exit->check.gpa;
		break;
	case CCMEM_EXIT_STEP_ERROR:
		detail = exit->step.error;
		break;
	}
	trace_ccmem_vcpu_exit(vcpu->vm->id, vcpu->id, exit->exit_reason, gpa,
			      size, detail);
}

/**
 * ccmem_vcpu_exit() - post an exit to the VMM.
 * @vcpu: the vCPU; called from its thread.
 * @exit: the exit; pc, r0 and psc_result are filled in here.
 * @final: the program ends with this exit: do not wait for an answer.
 *
 * Return: the VMM's answer (struct ccmem_run.psc.ret; 0 for other exits),
 * or -ESHUTDOWN when the vCPU is being torn down.
 */
s64 ccmem_vcpu_exit(struct ccmem_vcpu *vcpu, struct ccmem_run *exit,
		    bool final)
{
	exit->pc = vcpu->pc;
	exit->r0 = vcpu->r0;
	exit->psc_result = vcpu->psc_result;
	ccmem_trace_exit(vcpu, exit);

	spin_lock(&vcpu->lock);
	vcpu->exit = *exit;
	vcpu->answer = 0;
	vcpu->posted = true;
	vcpu->in_exit = !final;
	spin_unlock(&vcpu->lock);
	wake_up_all(&vcpu->wq);
	if (final)
		return 0;

	wait_event_idle(vcpu->wq, !READ_ONCE(vcpu->in_exit) ||
			READ_ONCE(vcpu->stop));
	if (READ_ONCE(vcpu->stop))
		return -ESHUTDOWN;
	return vcpu->answer;
}
EXPORT_SYMBOL_GPL(ccmem_vcpu_exit);

/**
 * ccmem_vcpu_emu_op() - a guest instruction or access from a vCPU thread.
 * @vcpu: the vCPU.
 * @kop: the operation (CCMEM_EMU_F_KERNEL is set here).
 *
 * Executes against the emu platform like CCMEM_VM_EMU_GUEST_OP. A fault the
 * host cannot resolve becomes a CCMEM_EXIT_MEMORY_FAULT; once the VMM runs
 * the vCPU again the operation is retried, as the hardware re-executes a
 * faulting instruction.
 *
 * Return: 0 (see kop->op.result and .ret), -ESHUTDOWN, -EIO for a VM that
 * is no longer live, or the platform's errno.
 */
int ccmem_vcpu_emu_op(struct ccmem_vcpu *vcpu, struct ccmem_emu_kop *kop)
{
	struct ccmem_vm *vm = vcpu->vm;
	struct ccmem_run exit;
	int ret;

	kop->op.flags |= CCMEM_EMU_F_KERNEL;
	for (;;) {
		if (ccmem_vcpu_stopping(vcpu))
			return -ESHUTDOWN;
		kop->op.result = 0;
		kop->op.out_flags = 0;
		kop->op.ret = 0;
		mutex_lock(&vm->lock);
		if (ccmem_vm_usable(vm))
			ret = vm->arch->emu_op(vm, &kop->op);
		else
			ret = -EIO;
		mutex_unlock(&vm->lock);
		if (ret || kop->op.result != CCMEM_EMU_R_FAULT)
			return ret;

		memset(&exit, 0, sizeof(exit));
		exit.exit_reason = CCMEM_EXIT_MEMORY_FAULT;
		exit.fault = kop->fault;
		exit.fault.vcpu = vcpu->id;
		if (ccmem_vcpu_exit(vcpu, &exit, false) == -ESHUTDOWN)
			return -ESHUTDOWN;
		cond_resched();
	}
}
EXPORT_SYMBOL_GPL(ccmem_vcpu_emu_op);

/**
 * ccmem_vcpu_vmgexit() - a VMGEXIT from a vCPU thread, to the host.
 * @vcpu: the vCPU.
 * @x: the exit; results are written back into it.
 *
 * Return: 0, -ESHUTDOWN, or -EIO for a VM that is no longer live.
 */
int ccmem_vcpu_vmgexit(struct ccmem_vcpu *vcpu, struct ccmem_vmgexit *x)
{
	if (ccmem_vcpu_stopping(vcpu))
		return -ESHUTDOWN;
	if (!READ_ONCE(vcpu->vm->arch))
		return -EIO;
	return vcpu->vm->arch->vmgexit(vcpu, x);
}
EXPORT_SYMBOL_GPL(ccmem_vcpu_vmgexit);

/* One program run in the vCPU thread, with the VMM's mm borrowed. */
static void ccmem_vcpu_run_program(struct ccmem_vcpu *vcpu)
{
	struct mm_struct *mm = vcpu->vm->mm;
	struct ccmem_run exit = { .exit_reason = CCMEM_EXIT_TERMINATED };

	if (!mmget_not_zero(mm)) {
		exit.term.detail = ESRCH;
		ccmem_vcpu_exit(vcpu, &exit, true);
		return;
	}
	kthread_use_mm(mm);
	vcpu->vm->guest_ops->run(vcpu);
	kthread_unuse_mm(mm);
	mmput(mm);
}

static int ccmem_vcpu_thread(void *data)
{
	struct ccmem_vcpu *vcpu = data;

	for (;;) {
		wait_event_idle(vcpu->wq, READ_ONCE(vcpu->go) ||
				kthread_should_stop());
		if (kthread_should_stop())
			break;
		WRITE_ONCE(vcpu->go, false);
		ccmem_vcpu_run_program(vcpu);
	}
	return 0;
}

static void ccmem_vcpu_free_program(struct ccmem_vcpu *vcpu)
{
	u32 i;

	for (i = 0; i < vcpu->nr_raw; i++)
		kfree(vcpu->raw[i]);
	kfree(vcpu->raw);
	kvfree(vcpu->prog);
	vcpu->raw = NULL;
	vcpu->nr_raw = 0;
	vcpu->prog = NULL;
	vcpu->nr = 0;
}

static bool ccmem_gop_aligned(const struct ccmem_guest_insn *in)
{
	if (in->flags & CCMEM_GOP_F_R0)
		return IS_ALIGNED(in->gpa | in->size, PAGE_SIZE);
	return IS_ALIGNED(in->gpa | in->size, PAGE_SIZE) && in->size &&
	       in->gpa < CCMEM_MAX_GPA && in->size <= CCMEM_MAX_GPA - in->gpa;
}

/* The checks every step passes before the program is accepted. */
static int ccmem_gop_check(const struct ccmem_guest_insn *in)
{
	if (in->flags & ~CCMEM_GOP_F_R0)
		return -EINVAL;
	switch (in->op) {
	case CCMEM_GOP_BOOT:
		return in->gpa || in->size || in->arg || in->flags ? -EINVAL : 0;
	case CCMEM_GOP_ACCEPT:
	case CCMEM_GOP_FREE:
		return ccmem_gop_aligned(in) && !in->arg ? 0 : -EINVAL;
	case CCMEM_GOP_ALLOC:
		return !in->gpa && in->size && IS_ALIGNED(in->size, PAGE_SIZE) &&
		       in->size <= CCMEM_MAX_REGION_SIZE && !in->arg &&
		       !in->flags ? 0 : -EINVAL;
	case CCMEM_GOP_CONVERT:
		return ccmem_gop_aligned(in) &&
		       (in->arg == CCMEM_PSC_PRIVATE ||
			in->arg == CCMEM_PSC_SHARED) ? 0 : -EINVAL;
	case CCMEM_GOP_READ:
	case CCMEM_GOP_WRITE:
	case CCMEM_GOP_CHECK:
		if (!in->size || in->size > CCMEM_MAX_REGION_SIZE ||
		    in->gpa >= CCMEM_MAX_GPA)
			return -EINVAL;
		return in->op == CCMEM_GOP_READ && in->arg ? -EINVAL : 0;
	case CCMEM_GOP_PSC_RAW:
	case CCMEM_GOP_PSC_MSR_RAW:
		return in->gpa || in->size || in->flags ? -EINVAL : 0;
	}
	return -EINVAL;
}

/* Copy one raw PSC request; its index replaces the user pointer. */
static int ccmem_vcpu_copy_raw(struct ccmem_vcpu *vcpu,
			       struct ccmem_guest_insn *in)
{
	struct ccmem_psc_raw *raw;

	raw = memdup_user(u64_to_user_ptr(in->arg), sizeof(*raw));
	if (IS_ERR(raw))
		return PTR_ERR(raw);
	if (raw->reserved || raw->buf_off % 8 ||
	    raw->buf_off + 8 > CCMEM_GHCB_SHARED_BUF_SIZE ||
	    raw->nr > (CCMEM_GHCB_SHARED_BUF_SIZE - raw->buf_off - 8) / 8) {
		kfree(raw);
		return -EINVAL;
	}
	in->arg = vcpu->nr_raw;
	vcpu->raw[vcpu->nr_raw++] = raw;
	return 0;
}

static long ccmem_vcpu_set_program(struct ccmem_vcpu *vcpu, void __user *uarg)
{
	struct ccmem_program arg;
	struct ccmem_guest_insn *prog;
	u32 i, nr_raw = 0;
	int ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags || !mem_is_zero(arg.reserved, sizeof(arg.reserved)))
		return -EINVAL;
	if (!arg.nr || arg.nr > CCMEM_MAX_PROGRAM)
		return -EINVAL;
	prog = vmemdup_array_user(u64_to_user_ptr(arg.insns), arg.nr,
				  sizeof(*prog));
	if (IS_ERR(prog))
		return PTR_ERR(prog);
	for (i = 0; i < arg.nr; i++) {
		if (ccmem_gop_check(&prog[i])) {
			kvfree(prog);
			return -EINVAL;
		}
		nr_raw += prog[i].op == CCMEM_GOP_PSC_RAW;
	}

	spin_lock(&vcpu->lock);
	ret = vcpu->running || vcpu->posted ? -EBUSY : 0;
	spin_unlock(&vcpu->lock);
	if (ret) {
		kvfree(prog);
		return ret;
	}
	ccmem_vcpu_free_program(vcpu);
	vcpu->prog = prog;
	vcpu->nr = arg.nr;
	if (nr_raw) {
		vcpu->raw = kcalloc(nr_raw, sizeof(*vcpu->raw), GFP_KERNEL);
		if (!vcpu->raw) {
			ccmem_vcpu_free_program(vcpu);
			return -ENOMEM;
		}
	}
	for (i = 0; i < arg.nr; i++) {
		if (prog[i].op != CCMEM_GOP_PSC_RAW)
			continue;
		ret = ccmem_vcpu_copy_raw(vcpu, &prog[i]);
		if (ret) {
			ccmem_vcpu_free_program(vcpu);
			return ret;
		}
	}
	return 0;
}

/* Hand the VMM's answer to a waiting guest, or start the program. */
static int ccmem_vcpu_resume(struct ccmem_vcpu *vcpu, const struct ccmem_run *run)
{
	int ret = 0;

	spin_lock(&vcpu->lock);
	if (vcpu->posted) {
		/* An earlier run was interrupted: deliver that exit first. */
	} else if (vcpu->in_exit) {
		if (vcpu->exit.exit_reason == CCMEM_EXIT_PSC)
			vcpu->answer = run->psc.ret;
		vcpu->in_exit = false;
	} else if (!vcpu->running) {
		if (!vcpu->prog) {
			ret = -ENOEXEC;
		} else {
			vcpu->running = true;
			vcpu->pc = 0;
			vcpu->go = true;
		}
	}
	spin_unlock(&vcpu->lock);
	wake_up_all(&vcpu->wq);
	return ret;
}

static long ccmem_vcpu_run(struct ccmem_vcpu *vcpu, void __user *uarg)
{
	struct ccmem_run run;
	int ret;

	if (copy_from_user(&run, uarg, sizeof(run)))
		return -EFAULT;
	if (run.flags || run.reserved0 ||
	    !mem_is_zero(run.reserved, sizeof(run.reserved)))
		return -EINVAL;
	if (READ_ONCE(vcpu->dead))
		return -ESHUTDOWN;

	ret = ccmem_vcpu_resume(vcpu, &run);
	if (ret)
		return ret;
	if (wait_event_interruptible(vcpu->wq, READ_ONCE(vcpu->posted)))
		return -EINTR;

	spin_lock(&vcpu->lock);
	run = vcpu->exit;
	vcpu->posted = false;
	if (!vcpu->in_exit) {		/* the final exit of the program */
		vcpu->running = false;
		if (run.exit_reason == CCMEM_EXIT_TERMINATED)
			vcpu->dead = true;
	}
	spin_unlock(&vcpu->lock);
	return copy_to_user(uarg, &run, sizeof(run)) ? -EFAULT : 0;
}

static long ccmem_vcpu_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	struct ccmem_vcpu *vcpu = file->private_data;
	void __user *uarg = (void __user *)arg;
	long ret;

	if (current->mm != vcpu->vm->mm)
		return -EIO;
	if (cmd != CCMEM_VCPU_RUN && cmd != CCMEM_VCPU_SET_PROGRAM)
		return -ENOTTY;
	if (mutex_lock_killable(&vcpu->run_lock))
		return -EINTR;
	if (cmd == CCMEM_VCPU_RUN)
		ret = ccmem_vcpu_run(vcpu, uarg);
	else
		ret = ccmem_vcpu_set_program(vcpu, uarg);
	mutex_unlock(&vcpu->run_lock);
	return ret;
}

static void ccmem_vcpu_destroy(struct ccmem_vcpu *vcpu)
{
	struct ccmem_vm *vm = vcpu->vm;

	if (vcpu->thread) {
		WRITE_ONCE(vcpu->stop, true);
		wake_up_all(&vcpu->wq);
		kthread_stop(vcpu->thread);
	}
	if (vcpu->guest)
		vm->guest_ops->vcpu_free(vcpu);
	mutex_lock(&vm->lock);
	vm->vcpus[vcpu->id] = NULL;
	vm->nr_vcpus--;
	mutex_unlock(&vm->lock);
	ccmem_vcpu_free_program(vcpu);
	fput(vcpu->vm_file);
	kfree(vcpu);
}

static int ccmem_vcpu_release(struct inode *inode, struct file *file)
{
	ccmem_vcpu_destroy(file->private_data);
	return 0;
}

static const struct file_operations ccmem_vcpu_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= ccmem_vcpu_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.release	= ccmem_vcpu_release,
	.llseek		= noop_llseek,
};

/**
 * ccmem_vm_create_vcpu() - CCMEM_VM_CREATE_VCPU.
 * @vm: the VM; vm->lock is NOT held.
 * @id: the vCPU index, below CCMEM_MAX_VCPUS.
 *
 * Return: a vCPU fd, -EINVAL (bad id, no guest configured), -EEXIST,
 * -ENOMEM.
 */
long ccmem_vm_create_vcpu(struct ccmem_vm *vm, unsigned long id)
{
	struct ccmem_vcpu *vcpu;
	int ret, fd;

	if (id >= CCMEM_MAX_VCPUS)
		return -EINVAL;
	vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		return -ENOMEM;
	vcpu->vm = vm;
	vcpu->id = id;
	mutex_init(&vcpu->run_lock);
	spin_lock_init(&vcpu->lock);
	init_waitqueue_head(&vcpu->wq);

	mutex_lock(&vm->lock);
	ret = !ccmem_vm_usable(vm) ? -EIO : !vm->guest_ops ? -EINVAL :
	      vm->vcpus[id] ? -EEXIST : 0;
	if (!ret) {
		vm->vcpus[id] = vcpu;
		vm->nr_vcpus++;
	}
	mutex_unlock(&vm->lock);
	if (ret) {
		kfree(vcpu);
		return ret;
	}
	vcpu->vm_file = get_file(vm->file);

	ret = vm->guest_ops->vcpu_init(vcpu);
	if (ret)
		goto err;
	vcpu->thread = kthread_run(ccmem_vcpu_thread, vcpu, "ccmem-vm%u-vcpu%lu",
				   vm->id, id);
	if (IS_ERR(vcpu->thread)) {
		ret = PTR_ERR(vcpu->thread);
		vcpu->thread = NULL;
		goto err;
	}
	fd = anon_inode_getfd("ccmem-vcpu", &ccmem_vcpu_fops, vcpu,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto err;
	}
	return fd;

err:
	ccmem_vcpu_destroy(vcpu);
	return ret;
}

/**
 * ccmem_vm_guest_stats() - CCMEM_VM_GUEST_STATS.
 * @vm: the VM (any state).
 * @uarg: user pointer to struct ccmem_guest_stats.
 */
long ccmem_vm_guest_stats(struct ccmem_vm *vm, void __user *uarg)
{
	struct ccmem_guest_stats st;

	if (copy_from_user(&st, uarg, sizeof(st)))
		return -EFAULT;
	if (st.flags)
		return -EINVAL;
	memset(&st, 0, sizeof(st));
	mutex_lock(&vm->lock);
	if (!vm->guest_ops) {
		mutex_unlock(&vm->lock);
		return -ENOENT;
	}
	vm->guest_ops->stats(vm, &st);
	st.nr_vcpus = vm->nr_vcpus;
	st.host_psc_requests = vm->stat.psc_requests;
	st.host_psc_exits = vm->stat.psc_exits;
	st.host_psc_entries = vm->stat.psc_entries;
	st.host_psc_errors = vm->stat.psc_errors;
	st.host_psmash_hints = vm->stat.psmash_hints;
	st.host_unsmash_hints = vm->stat.unsmash_hints;
	mutex_unlock(&vm->lock);
	return copy_to_user(uarg, &st, sizeof(st)) ? -EFAULT : 0;
}
