// SPDX-License-Identifier: GPL-2.0
/*
 * vcpu.c - vCPUs that ccmem runs itself, driven by the VMM like KVM_RUN.
 *
 * Each vCPU is a kernel thread. It executes the code a runner provides
 * (ccmem_guest.ko runs ccmem's own guest half on VMs on the software
 * model) as ordinary sequential code. When the guest needs the VMM (a
 * conversion, a memory fault it cannot resolve, a security event,
 * termination, the end of its code) it posts an exit and sleeps;
 * CCMEM_VCPU_RUN hands the VMM's answer over, wakes the thread and sleeps
 * until the next exit. Nobody busy-waits.
 *
 * While a program runs, the thread borrows the VMM's mm (an mmget()
 * reference) so that guest accesses to shared memory reach the region's
 * shared backing. Those accesses can block for as long as the VMM's memory
 * does (userfaultfd), so nobody waits for the thread unkillably: closing
 * the vCPU fd tells it to stop and waits for it killably. The thread and
 * the fd each hold a reference on the vCPU, and the last one frees it:
 * normally the fd's, so that close() tears the vCPU (and, with the last
 * one, the VM) down before it returns; when the closer is killed, the
 * thread's, once it gets going again. The vCPU holds a reference on its
 * VM fd, so a vCPU thread never outlives its VM, and the thread one on
 * this module, which it drops as it exits (module_put_and_kthread_exit()).
 * A SIGKILLed VMM therefore always exits: its userfaultfd goes with its
 * files, the blocked access fails, and the thread finishes on its own.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/memcontrol.h>
#include <linux/cred.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/refcount.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "ccmem_core.h"
#include "ccmem_trace.h"

/**
 * ccmem_vm_guest_init() - CCMEM_EMU_GUEST_INIT: give the VM's vCPUs the
 * emulated guest to run.
 * @vm: the VM; vm->lock held, usable, on the model.
 * @arg: the runner's configuration (struct ccmem_emu_guest_config), a
 *	kernel copy.
 *
 * The VM holds a reference on the runner module (the vCPU threads call
 * into it without vm->lock) until it is freed; its platform module it
 * holds anyway.
 */
long ccmem_vm_guest_init(struct ccmem_vm *vm, void *arg)
{
	const struct ccmem_runner_ops *ops;
	int ret;

	if (vm->runner)
		return -EEXIST;
	ops = ccmem_runner_get();
	if (!ops)
		return -ENODEV;
	ret = ops->init(vm, arg);
	if (ret) {
		module_put(ops->owner);
		return ret;
	}
	vm->runner = ops;
	return 0;
}

/**
 * ccmem_vm_guest_free() - drop the runner of a VM whose fd is released.
 * @vm: the VM; no vCPU is left (each holds a VM fd reference).
 */
void ccmem_vm_guest_free(struct ccmem_vm *vm)
{
	const struct ccmem_runner_ops *ops = vm->runner;

	if (!ops)
		return;
	/* Readers of the VM's counters (debugfs) stop using the runner. */
	mutex_lock(&vm->lock);
	vm->runner = NULL;
	mutex_unlock(&vm->lock);
	ops->destroy(vm);
	module_put(ops->owner);
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
	case CCMEM_EXIT_CONVERT:
		gpa = exit->convert.gpa;
		size = exit->convert.size;
		detail = exit->convert.flags;
		break;
	case CCMEM_EXIT_MEMORY_FAULT:
		gpa = exit->memory_fault.gpa;
		size = exit->memory_fault.size;
		detail = exit->memory_fault.reason;
		break;
	case CCMEM_EXIT_SECURITY:
		gpa = exit->security.gpa;
		detail = exit->security.reason;
		break;
	case CCMEM_EXIT_TERMINATED:
		detail = exit->terminated.reason_code;
		break;
	}
	trace_ccmem_vcpu_exit(vcpu->vm->id, vcpu->id, exit->exit_reason, gpa,
			      size, detail);
}

/**
 * ccmem_vcpu_exit() - post an exit to the VMM.
 * @vcpu: the vCPU; called from its thread.
 * @exit: the exit; its state is filled in here by the runner.
 * @final: the program ends with this exit: do not wait for an answer.
 *
 * Return: the VMM's answer (struct ccmem_run.convert.ret; the data of a
 * register read for CCMEM_EXIT_EMU_MMIO, which may be any value: check
 * ccmem_vcpu_stopping(); 0 for others), or -ESHUTDOWN when the vCPU is
 * being torn down.
 */
s64 ccmem_vcpu_exit(struct ccmem_vcpu *vcpu, struct ccmem_run *exit,
		    bool final)
{
	vcpu->vm->runner->exit_state(vcpu, exit->state);
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

/* One run of the vCPU's code in its thread, with the VMM's mm borrowed. */
static void ccmem_vcpu_run_program(struct ccmem_vcpu *vcpu)
{
	struct mm_struct *mm = vcpu->vm->mm;
	struct ccmem_run exit = { .exit_reason = CCMEM_EXIT_TERMINATED };
	struct mem_cgroup *old;

	if (!mmget_not_zero(mm)) {
		exit.terminated.detail = ESRCH;
		ccmem_vcpu_exit(vcpu, &exit, true);
		return;
	}
	kthread_use_mm(mm);
	/* What the guest makes this thread allocate is the VMM's. */
	old = set_active_memcg(vcpu->vm->memcg);
	vcpu->vm->runner->run(vcpu);
	set_active_memcg(old);
	kthread_unuse_mm(mm);
	mmput(mm);
}

/* vCPU threads that dropped their reference wake closers waiting here. */
static DECLARE_WAIT_QUEUE_HEAD(ccmem_vcpu_exit_wq);

/* The last reference is gone: the fd is closed and the thread exited. */
static void ccmem_vcpu_free(struct ccmem_vcpu *vcpu)
{
	struct ccmem_vm *vm = vcpu->vm;

	if (vcpu->runner)
		vm->runner->vcpu_free(vcpu);
	ccmem_limit_uncharge(vcpu->uid, CCMEM_LIMIT_VCPUS);
	mutex_lock(&vm->lock);
	vm->vcpus[vcpu->id] = NULL;
	vm->nr_vcpus--;
	mutex_unlock(&vm->lock);
	fput(vcpu->vm_file);
	kfree(vcpu);
}

static void ccmem_vcpu_put(struct ccmem_vcpu *vcpu)
{
	if (refcount_dec_and_test(&vcpu->ref))
		ccmem_vcpu_free(vcpu);
}

static int ccmem_vcpu_thread(void *data)
{
	struct ccmem_vcpu *vcpu = data;

	for (;;) {
		wait_event_idle(vcpu->wq, READ_ONCE(vcpu->go) ||
				ccmem_vcpu_stopping(vcpu));
		if (ccmem_vcpu_stopping(vcpu))
			break;
		WRITE_ONCE(vcpu->go, false);
		ccmem_vcpu_run_program(vcpu);
	}
	/* After the decrement the vCPU may be gone: only the global queue. */
	if (refcount_dec_and_test(&vcpu->ref))
		ccmem_vcpu_free(vcpu);
	else
		wake_up_all(&ccmem_vcpu_exit_wq);
	module_put_and_kthread_exit(0);
}

/* Tell the thread to stop, wherever it waits; do not wait for it. */
static void ccmem_vcpu_stop(struct ccmem_vcpu *vcpu)
{
	WRITE_ONCE(vcpu->stop, true);
	wake_up_all(&vcpu->wq);
	if (vcpu->runner)
		vcpu->vm->runner->vcpu_kick(vcpu);
}

/* Hand the VMM's answer to a waiting guest, or start the program. */
static int ccmem_vcpu_resume(struct ccmem_vcpu *vcpu, const struct ccmem_run *run)
{
	int ret = 0;

	spin_lock(&vcpu->lock);
	if (vcpu->posted) {
		/* An earlier run was interrupted: deliver that exit first. */
	} else if (vcpu->in_exit) {
		if (vcpu->exit.exit_reason == CCMEM_EXIT_CONVERT)
			vcpu->answer = run->convert.ret;
#ifdef CONFIG_CCMEM_EMU_ENABLED
		else if (vcpu->exit.exit_reason == CCMEM_EXIT_EMU_MMIO)
			vcpu->answer = ((const struct ccmem_emu_exit_mmio *)
					run->exit)->data;
#endif
		vcpu->in_exit = false;
	} else if (!vcpu->running) {
		ret = vcpu->vm->runner->start(vcpu);
		if (!ret) {
			vcpu->running = true;
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
	/* The exit and the state are outputs: the struct is reused. */
	if (run.flags || run.reserved0 ||
	    !mem_is_zero(run.reserved, sizeof(run.reserved)))
		return -EINVAL;
	if (READ_ONCE(vcpu->dead))
		return -ESHUTDOWN;
	/* The exit is handed over only where it can be written. */
	if (copy_to_user(uarg, &run, sizeof(run)))
		return -EFAULT;
	/* A guest runs only once its launch is over. */
	if (!READ_ONCE(vcpu->vm->finalized)) {
		ret = ccmem_vm_finalize_run(vcpu->vm);
		if (ret)
			return ret;
	}

	ret = ccmem_vcpu_resume(vcpu, &run);
	if (ret)
		return ret;
	if (wait_event_interruptible(vcpu->wq, READ_ONCE(vcpu->posted)))
		return -EINTR;

	spin_lock(&vcpu->lock);
	run = vcpu->exit;
	vcpu->posted = false;
	spin_unlock(&vcpu->lock);
	if (copy_to_user(uarg, &run, sizeof(run))) {
		/* Unmapped since the check: the exit stays for the next run. */
		spin_lock(&vcpu->lock);
		vcpu->posted = true;
		spin_unlock(&vcpu->lock);
		return -EFAULT;
	}
	spin_lock(&vcpu->lock);
	if (!vcpu->in_exit) {		/* the final exit of the program */
		vcpu->running = false;
		if (run.exit_reason == CCMEM_EXIT_TERMINATED)
			vcpu->dead = true;
	}
	spin_unlock(&vcpu->lock);
	return 0;
}

static long ccmem_vcpu_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	struct ccmem_vcpu *vcpu = file->private_data;
	void __user *uarg = (void __user *)arg;
	long ret;

	if (current->mm != vcpu->vm->mm)
		return -EIO;
	if (mutex_lock_killable(&vcpu->run_lock))
		return -EINTR;
	if (cmd == CCMEM_VCPU_RUN)
		ret = ccmem_vcpu_run(vcpu, uarg);
	else
		ret = vcpu->vm->runner->vcpu_ioctl(vcpu, cmd, uarg);
	mutex_unlock(&vcpu->run_lock);
	return ret;
}

static int ccmem_vcpu_release(struct inode *inode, struct file *file)
{
	struct ccmem_vcpu *vcpu = file->private_data;

	ccmem_vcpu_stop(vcpu);
	/*
	 * Wait for the thread to let go, killably: a killed closer leaves the
	 * vCPU to the thread, which may be stuck on the VMM's memory.
	 */
	if (vcpu->thread)
		wait_event_killable(ccmem_vcpu_exit_wq,
				    refcount_read(&vcpu->ref) == 1);
	ccmem_vcpu_put(vcpu);
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
 * Return: a vCPU fd, -EINVAL (bad id, or no emulated guest to run),
 * -EEXIST, -EAGAIN (the user has max_vcpus_per_user vCPUs), -ENOMEM.
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
	/* Kernel threads escape the pids cgroup and RLIMIT_NPROC: a cap. */
	vcpu->uid = current_uid();
	ret = ccmem_limit_charge(vcpu->uid, CCMEM_LIMIT_VCPUS,
				 READ_ONCE(ccmem_max_vcpus_per_user));
	if (ret) {
		kfree(vcpu);
		return ret;
	}
	vcpu->vm = vm;
	vcpu->id = id;
	refcount_set(&vcpu->ref, 1);	/* the creator's, then the fd's */
	mutex_init(&vcpu->run_lock);
	spin_lock_init(&vcpu->lock);
	init_waitqueue_head(&vcpu->wq);

	mutex_lock(&vm->lock);
	ret = !ccmem_vm_usable(vm) ? -EIO : !vm->runner ? -EINVAL :
	      vm->vcpus[id] ? -EEXIST : 0;
	if (!ret) {
		vm->vcpus[id] = vcpu;
		vm->nr_vcpus++;
	}
	mutex_unlock(&vm->lock);
	if (ret) {
		ccmem_limit_uncharge(vcpu->uid, CCMEM_LIMIT_VCPUS);
		kfree(vcpu);
		return ret;
	}
	vcpu->vm_file = get_file(vm->file);

	ret = vm->runner->vcpu_init(vcpu);
	if (ret)
		goto err;
	vcpu->thread = kthread_create(ccmem_vcpu_thread, vcpu,
				      "ccmem-vm%u-vcpu%lu", vm->id, id);
	if (IS_ERR(vcpu->thread)) {
		ret = PTR_ERR(vcpu->thread);
		vcpu->thread = NULL;
		goto err;
	}
	/* The thread's own references, dropped as it exits. */
	refcount_inc(&vcpu->ref);
	__module_get(THIS_MODULE);
	wake_up_process(vcpu->thread);

	fd = anon_inode_getfd("ccmem-vcpu", &ccmem_vcpu_fops, vcpu,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		ccmem_vcpu_stop(vcpu);
		goto err;
	}
	return fd;

err:
	ccmem_vcpu_put(vcpu);
	return ret;
}
