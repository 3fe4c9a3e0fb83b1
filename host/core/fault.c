// SPDX-License-Identifier: GPL-2.0
/*
 * fault.c - the queue of fault records for the VMM.
 *
 * A fault record is what KVM reports as KVM_EXIT_MEMORY_FAULT: an access
 * of the wrong kind that the VMM must decide about. Records get
 * consecutive sequence numbers and are never dropped. When the queue is
 * full the access that would add a record does not happen: it fails with
 * -EAGAIN (back-pressure, counted in faults_backpressure), exactly like a
 * vCPU that cannot make progress until the VMM handles its exits. The VMM
 * drains with CCMEM_VM_READ_FAULTS, or waits with poll().
 */
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "ccmem_core.h"
#include "ccmem_trace.h"

int ccmem_fault_init(struct ccmem_vm *vm, u32 len)
{
	vm->fq = kvcalloc(len, sizeof(*vm->fq), GFP_KERNEL_ACCOUNT);
	if (!vm->fq)
		return -ENOMEM;
	vm->fq_len = len;
	spin_lock_init(&vm->fq_lock);
	mutex_init(&vm->fq_read_lock);
	init_waitqueue_head(&vm->fq_wait);
	return 0;
}

void ccmem_fault_free(struct ccmem_vm *vm)
{
	kvfree(vm->fq);
	vm->fq = NULL;
}

/**
 * ccmem_queue_fault() - queue one fault record.
 * @vm: the VM; vm->lock held.
 * @f: the fault; its seq is given here.
 * @seq: out, optional: the record's sequence number.
 *
 * Return: 0, or -EAGAIN when the queue is full (nothing was queued).
 */
int ccmem_queue_fault(struct ccmem_vm *vm, const struct ccmem_fault *f,
		      u64 *seq)
{
	struct ccmem_fault *rec;
	int ret = 0;

	spin_lock(&vm->fq_lock);
	if (vm->fq_count == vm->fq_len) {
		vm->stat.faults_backpressure++;
		ret = -EAGAIN;
	} else {
		rec = &vm->fq[(vm->fq_head + vm->fq_count) % vm->fq_len];
		*rec = *f;
		memset(rec->reserved, 0, sizeof(rec->reserved));
		rec->seq = ++vm->fq_seq;
		vm->fq_count++;
		vm->stat.faults_queued++;
		if (seq)
			*seq = rec->seq;
	}
	spin_unlock(&vm->fq_lock);

	trace_ccmem_fault(vm->id, f->gpa, f->reason, f->flags, f->error_code,
			  ret);
	if (!ret)
		wake_up_interruptible(&vm->fq_wait);
	return ret;
}

/* Records copied per round: bounded kernel memory, one copy-out. */
#define CCMEM_FAULT_BATCH	64

/**
 * ccmem_vm_read_faults() - CCMEM_VM_READ_FAULTS.
 * @vm: the VM (any state).
 * @p: the argument (struct ccmem_fault_read), a kernel copy; gets count
 *	and pending.
 *
 * Records are copied out before they leave the queue, a batch at a time:
 * a snapshot under the spinlock, the copy to user memory with no lock but
 * vm->fq_read_lock (which serialises readers, and only readers: the copy
 * may fault or block, and nothing else waits for it), then the dequeue.
 * A copy that fails dequeues nothing of its batch, so no record is lost.
 *
 * Return: 0, -EINVAL, -EFAULT when not even one record could be copied,
 * -EINTR, -ENOMEM.
 */
long ccmem_vm_read_faults(struct ccmem_vm *vm, void *p)
{
	struct ccmem_fault_read *arg = p;
	struct ccmem_fault __user *out = u64_to_user_ptr(arg->records);
	struct ccmem_fault *batch;
	u32 n = 0, k, i;
	int ret = 0;

	/*
	 * count and pending are outputs: ignored on input, so that one
	 * struct can drain the queue in a loop.
	 */
	if (arg->flags || arg->reserved[0] || arg->reserved[1] || !arg->nr)
		return -EINVAL;
	batch = kmalloc_array(CCMEM_FAULT_BATCH, sizeof(*batch),
			      GFP_KERNEL_ACCOUNT);
	if (!batch)
		return -ENOMEM;
	if (mutex_lock_killable(&vm->fq_read_lock)) {
		kfree(batch);
		return -EINTR;
	}
	while (n < arg->nr) {
		spin_lock(&vm->fq_lock);
		k = min3(arg->nr - n, vm->fq_count, (u32)CCMEM_FAULT_BATCH);
		for (i = 0; i < k; i++)
			batch[i] = vm->fq[(vm->fq_head + i) % vm->fq_len];
		spin_unlock(&vm->fq_lock);
		if (!k)
			break;
		if (copy_to_user(out + n, batch, k * sizeof(*batch))) {
			ret = -EFAULT;
			break;
		}
		/* Only readers dequeue, and they hold fq_read_lock. */
		spin_lock(&vm->fq_lock);
		vm->fq_head = (vm->fq_head + k) % vm->fq_len;
		vm->fq_count -= k;
		spin_unlock(&vm->fq_lock);
		n += k;
	}
	spin_lock(&vm->fq_lock);
	arg->pending = vm->fq_count;
	spin_unlock(&vm->fq_lock);
	mutex_unlock(&vm->fq_read_lock);
	kfree(batch);

	if (ret && !n)
		return ret;
	arg->count = n;
	return 0;
}

__poll_t ccmem_fault_poll(struct ccmem_vm *vm, struct file *file,
			  struct poll_table_struct *wait)
{
	__poll_t mask = 0;

	poll_wait(file, &vm->fq_wait, wait);
	spin_lock(&vm->fq_lock);
	if (vm->fq_count)
		mask = EPOLLIN | EPOLLRDNORM;
	spin_unlock(&vm->fq_lock);
	return mask;
}
