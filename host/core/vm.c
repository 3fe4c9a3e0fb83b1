// SPDX-License-Identifier: GPL-2.0
/*
 * vm.c - the life of a VM object: create, add memory, ioctls, mmap, release.
 *
 * A VM is an anonymous file. Its memory is described by up to
 * CCMEM_MAX_REGIONS regions; which pages are private is kept as ranges in
 * attr.c; private pages come from pool.c. Closing the last reference to the
 * file reclaims every page through the platform and scrubs it.
 */
#define pr_fmt(fmt) "ccmem: " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "ccmem_core.h"

static DEFINE_IDA(ccmem_vm_ida);

#define CCMEM_DEFAULT_FAULT_QUEUE	256
#define CCMEM_MAX_FAULT_QUEUE		65536

/**
 * ccmem_vm_usable() - may memory operations run on this VM?
 * @vm: the VM, with vm->lock held.
 *
 * Return: true for a live VM with its platform module present.
 */
bool ccmem_vm_usable(struct ccmem_vm *vm)
{
	lockdep_assert_held(&vm->lock);
	return vm->state == CCMEM_VM_STATE_LIVE && vm->arch;
}
EXPORT_SYMBOL_GPL(ccmem_vm_usable);

static int ccmem_vm_state_errno(struct ccmem_vm *vm)
{
	if (vm->state == CCMEM_VM_STATE_DEAD)
		return -EIO;
	return -ENODEV;
}

/**
 * ccmem_find_region() - the region holding @gfn, or NULL.
 * @vm: the VM; vm->lock held.
 * @gfn: guest frame number.
 */
const struct ccmem_mem_region *ccmem_find_region(struct ccmem_vm *vm, u64 gfn)
{
	u32 lo = 0, hi = vm->nr_regions;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;
		const struct ccmem_mem_region *r = &vm->regions[mid];

		if (gfn < r->gfn)
			hi = mid;
		else if (gfn >= r->gfn + r->npages)
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
}
EXPORT_SYMBOL_GPL(ccmem_find_region);

/**
 * ccmem_range_in_regions() - is every page of the range in some region?
 * @vm: the VM; vm->lock held.
 * @gfn: first page.
 * @npages: number of pages.
 */
bool ccmem_range_in_regions(struct ccmem_vm *vm, u64 gfn, u64 npages)
{
	u64 end = gfn + npages;

	while (gfn < end) {
		const struct ccmem_mem_region *r = ccmem_find_region(vm, gfn);

		if (!r)
			return false;
		gfn = r->gfn + r->npages;
	}
	return true;
}
EXPORT_SYMBOL_GPL(ccmem_range_in_regions);

static long ccmem_vm_add_region(struct ccmem_vm *vm, void __user *uarg)
{
	struct ccmem_region arg;
	struct ccmem_mem_region *r;
	u64 gfn, npages;
	u32 i;
	int ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if ((arg.flags & ~CCMEM_REGION_F_PRIVATE) ||
	    !mem_is_zero(arg.reserved, sizeof(arg.reserved)))
		return -EINVAL;
	if (!arg.size || !PAGE_ALIGNED(arg.gpa) || !PAGE_ALIGNED(arg.size) ||
	    !PAGE_ALIGNED(arg.shared_uaddr))
		return -EINVAL;
	if (arg.size > CCMEM_MAX_REGION_SIZE || arg.gpa >= CCMEM_MAX_GPA ||
	    arg.size > CCMEM_MAX_GPA - arg.gpa)
		return -E2BIG;
	if (!arg.shared_uaddr ||
	    !access_ok((void __user *)(unsigned long)arg.shared_uaddr, arg.size))
		return -EFAULT;

	gfn = arg.gpa >> PAGE_SHIFT;
	npages = arg.size >> PAGE_SHIFT;
	if (vm->nr_regions == CCMEM_MAX_REGIONS)
		return -ENOSPC;

	/* Find the insertion point; refuse any overlap. */
	for (i = 0; i < vm->nr_regions; i++) {
		r = &vm->regions[i];
		if (gfn < r->gfn + r->npages && r->gfn < gfn + npages)
			return -EEXIST;
		if (gfn < r->gfn)
			break;
	}

	if (arg.flags & CCMEM_REGION_F_PRIVATE) {
		ret = ccmem_attr_store(vm, gfn, npages, true);
		if (ret)
			return ret;
		vm->stat.private_pages += npages;
	}

	memmove(&vm->regions[i + 1], &vm->regions[i],
		(vm->nr_regions - i) * sizeof(vm->regions[0]));
	r = &vm->regions[i];
	r->gfn = gfn;
	r->npages = npages;
	r->uaddr = arg.shared_uaddr;
	vm->nr_regions++;
	vm->region_pages += npages;

	arg.slot = i;
	if (copy_to_user(uarg, &arg, sizeof(arg)))
		return -EFAULT;
	return 0;
}

static long ccmem_vm_emu_op(struct ccmem_vm *vm, void __user *uarg)
{
	struct ccmem_emu_op op;
	int ret;

	if (copy_from_user(&op, uarg, sizeof(op)))
		return -EFAULT;
	if (op.reserved0 || !mem_is_zero(op.reserved, sizeof(op.reserved)))
		return -EINVAL;
	if (op.flags & ~(CCMEM_EMU_F_2M | CCMEM_EMU_F_SHARED))
		return -EINVAL;
	if (vm->backend != CCMEM_BACKEND_EMU || !vm->arch->emu_op)
		return -EOPNOTSUPP;

	op.result = 0;
	op.out_flags = 0;
	op.ret = 0;
	op.fault_seq = 0;
	op.asid = 0;
	ret = vm->arch->emu_op(vm, &op);
	if (ret)
		return ret;
	if (copy_to_user(uarg, &op, sizeof(op)))
		return -EFAULT;
	return 0;
}

static long ccmem_vm_emu_inject(struct ccmem_vm *vm, void __user *uarg)
{
	struct ccmem_emu_inject inj;

	if (copy_from_user(&inj, uarg, sizeof(inj)))
		return -EFAULT;
	if (inj.flags || !mem_is_zero(inj.reserved, sizeof(inj.reserved)))
		return -EINVAL;
	if (vm->backend != CCMEM_BACKEND_EMU || !vm->arch->inject)
		return -EOPNOTSUPP;
	return vm->arch->inject(vm, &inj);
}

/* ioctls that change or use the memory state: a live VM, vm->lock held. */
static long ccmem_vm_locked_ioctl(struct ccmem_vm *vm, unsigned int cmd,
				  void __user *uarg)
{
	switch (cmd) {
	case CCMEM_VM_ADD_REGION:
		return ccmem_vm_add_region(vm, uarg);
	case CCMEM_VM_SET_ATTRIBUTES:
		return ccmem_vm_set_attributes(vm, uarg);
	case CCMEM_VM_POPULATE:
		return ccmem_vm_populate(vm, uarg);
	case CCMEM_VM_PIN:
		return ccmem_vm_pin(vm, uarg);
	case CCMEM_VM_UNPIN:
		return ccmem_vm_unpin(vm, uarg);
	case CCMEM_VM_EMU_GUEST_OP:
		return ccmem_vm_emu_op(vm, uarg);
	case CCMEM_VM_EMU_INJECT:
		return ccmem_vm_emu_inject(vm, uarg);
	case CCMEM_VM_GUEST_INIT:
		return ccmem_vm_guest_init(vm, uarg);
	}
	return -ENOTTY;
}

static long ccmem_vm_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct ccmem_vm *vm = file->private_data;
	void __user *uarg = (void __user *)arg;
	long ret;

	/* Like KVM: the shared backing belongs to the creator's mm. */
	if (current->mm != vm->mm)
		return -EIO;

	switch (cmd) {
	case CCMEM_VM_READ_FAULTS:
		return ccmem_vm_read_faults(vm, uarg);
	case CCMEM_VM_GET_STATS:
		return ccmem_vm_get_stats(vm, uarg);
	case CCMEM_VM_GET_MAP:
		return ccmem_vm_get_map(vm, uarg);
	case CCMEM_VM_GUEST_STATS:
		return ccmem_vm_guest_stats(vm, uarg);
	case CCMEM_VM_CREATE_VCPU:
		return ccmem_vm_create_vcpu(vm, arg);
	case CCMEM_VM_GUEST_INIT:
	case CCMEM_VM_ADD_REGION:
	case CCMEM_VM_SET_ATTRIBUTES:
	case CCMEM_VM_POPULATE:
	case CCMEM_VM_PIN:
	case CCMEM_VM_UNPIN:
	case CCMEM_VM_EMU_GUEST_OP:
	case CCMEM_VM_EMU_INJECT:
		break;
	default:
		return -ENOTTY;
	}

	if (mutex_lock_killable(&vm->lock))
		return -EINTR;
	if (ccmem_vm_usable(vm))
		ret = ccmem_vm_locked_ioctl(vm, cmd, uarg);
	else
		ret = ccmem_vm_state_errno(vm);
	mutex_unlock(&vm->lock);
	return ret;
}

/*
 * The VM fd can be mmapped at offset = gpa as a window on private memory.
 * Host userspace may never see a private page, so every touch is refused
 * with SIGBUS, like a guest_memfd without shared pages. Shared memory is
 * reached through the region's shared backing instead.
 */
static vm_fault_t ccmem_vm_fault(struct vm_fault *vmf)
{
	struct ccmem_vm *vm = vmf->vma->vm_file->private_data;

	atomic64_inc(&vm->stat.sigbus);
	return VM_FAULT_SIGBUS;
}

static const struct vm_operations_struct ccmem_vm_vm_ops = {
	.fault = ccmem_vm_fault,
};

static int ccmem_vm_mmap(struct file *file, struct vm_area_struct *vma)
{
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &ccmem_vm_vm_ops;
	return 0;
}

static __poll_t ccmem_vm_poll(struct file *file, struct poll_table_struct *wait)
{
	return ccmem_fault_poll(file->private_data, file, wait);
}

/**
 * ccmem_vm_reclaim_all() - return every private page to the host.
 * @vm: the VM; vm->lock held and vm->arch set.
 *
 * Each page goes back to the hypervisor state through the platform and is
 * scrubbed before the allocator sees it. Failures leak the page.
 */
void ccmem_vm_reclaim_all(struct ccmem_vm *vm)
{
	ccmem_unpin_all(vm);
	ccmem_release_range(vm, 0, CCMEM_MAX_GPA >> PAGE_SHIFT);
}

static void ccmem_vm_free(struct ccmem_vm *vm)
{
	ccmem_debugfs_vm_remove(vm);
	mtree_destroy(&vm->attrs);
	WARN_ON_ONCE(!xa_empty(&vm->pages));
	xa_destroy(&vm->pages);
	ccmem_fault_free(vm);
	if (vm->mm)
		mmdrop(vm->mm);
	ida_free(&ccmem_vm_ida, vm->id);
	kfree(vm);
}

static void ccmem_vm_destroy(struct ccmem_vm *vm)
{
	mutex_lock(&ccmem_vms_lock);
	list_del(&vm->node);
	mutex_unlock(&ccmem_vms_lock);

	ccmem_vm_guest_free(vm);
	mutex_lock(&vm->lock);
	if (vm->arch) {
		ccmem_vm_reclaim_all(vm);
		vm->arch->vm_free(vm);
		vm->arch = NULL;
	} else {
		ccmem_unpin_all(vm);
	}
	mutex_unlock(&vm->lock);

	atomic64_dec(&ccmem_gstats.vms_live);
	ccmem_vm_free(vm);
}

static int ccmem_vm_release(struct inode *inode, struct file *file)
{
	ccmem_vm_destroy(file->private_data);
	return 0;
}

static const struct file_operations ccmem_vm_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= ccmem_vm_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= ccmem_vm_mmap,
	.poll		= ccmem_vm_poll,
	.release	= ccmem_vm_release,
	.llseek		= noop_llseek,
};

static struct ccmem_vm *ccmem_vm_alloc(u32 type, u32 fault_queue_len)
{
	struct ccmem_vm *vm;
	int id;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return NULL;
	id = ida_alloc_min(&ccmem_vm_ida, 1, GFP_KERNEL);
	if (id < 0) {
		kfree(vm);
		return NULL;
	}
	vm->id = id;
	vm->type = type;
	mutex_init(&vm->lock);
	mt_init(&vm->attrs);
	xa_init(&vm->pages);
	INIT_LIST_HEAD(&vm->pins);
	INIT_LIST_HEAD(&vm->node);
	if (ccmem_fault_init(vm, fault_queue_len)) {
		ida_free(&ccmem_vm_ida, id);
		kfree(vm);
		return NULL;
	}
	return vm;
}

/**
 * ccmem_create_vm() - CCMEM_CREATE_VM.
 * @uarg: user pointer to struct ccmem_vm_create.
 *
 * Return: a new VM fd, or a negative errno: -EINVAL for bad arguments,
 * -ENODEV when the architecture module is not loaded or the requested
 * backend is unavailable, -ENOMEM.
 */
long ccmem_create_vm(struct ccmem_vm_create __user *uarg)
{
	struct ccmem_vm_create arg;
	const struct ccmem_arch_ops *arch;
	struct ccmem_vm *vm;
	struct file *file;
	int fd, ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags || arg.asid || arg.backend_used ||
	    !mem_is_zero(arg.reserved, sizeof(arg.reserved)))
		return -EINVAL;
	if (arg.type != CCMEM_VM_SNP && arg.type != CCMEM_VM_TDX)
		return -EINVAL;
	if (arg.backend > CCMEM_BACKEND_EMU ||
	    arg.fault_queue_len > CCMEM_MAX_FAULT_QUEUE)
		return -EINVAL;

	vm = ccmem_vm_alloc(arg.type, arg.fault_queue_len ?:
			    CCMEM_DEFAULT_FAULT_QUEUE);
	if (!vm)
		return -ENOMEM;

	mutex_lock(&ccmem_vms_lock);
	arch = ccmem_arch_get(arg.type);
	ret = -ENODEV;
	if (!arch)
		goto err_unlock;
	mutex_lock(&vm->lock);
	ret = arch->vm_init(vm, arg.backend);
	if (!ret)
		vm->arch = arch;
	mutex_unlock(&vm->lock);
	if (ret)
		goto err_unlock;
	list_add_tail(&vm->node, &ccmem_vms);
	mutex_unlock(&ccmem_vms_lock);

	vm->mm = current->mm;
	mmgrab(vm->mm);
	atomic64_inc(&ccmem_gstats.vms_created);
	atomic64_inc(&ccmem_gstats.vms_live);
	ccmem_debugfs_vm_add(vm);

	arg.asid = vm->asid;
	arg.backend_used = vm->backend;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto err_release;
	}
	file = anon_inode_getfile("ccmem-vm", &ccmem_vm_fops, vm, O_RDWR);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		ret = PTR_ERR(file);
		goto err_release;
	}
	vm->file = file;	/* not counted: vCPUs take their own */
	if (copy_to_user(uarg, &arg, sizeof(arg))) {
		put_unused_fd(fd);
		fput(file);	/* releases the VM */
		return -EFAULT;
	}
	fd_install(fd, file);
	return fd;

err_release:
	ccmem_vm_destroy(vm);
	return ret;

err_unlock:
	mutex_unlock(&ccmem_vms_lock);
	ccmem_vm_free(vm);
	return ret;
}

/**
 * ccmem_vm_shared_access() - a guest access to shared memory.
 * @vm: the VM; vm->lock held; called from the VMM's context or from a vCPU
 *	thread that borrows the VMM's mm.
 * @op: the access: @op->gpa (must not cross a page), @op->len (1 to
 *	PAGE_SIZE) and @op->buf, a user pointer, or a kernel pointer with
 *	CCMEM_EMU_F_KERNEL.
 * @write: copy the buffer into guest memory (else guest memory into it).
 *
 * Shared memory is the region's shared backing in the VMM's address space.
 *
 * Return: 0, -ENOENT outside every region, -EFAULT.
 */
int ccmem_vm_shared_access(struct ccmem_vm *vm, const struct ccmem_emu_op *op,
			   bool write)
{
	const struct ccmem_mem_region *r = ccmem_find_region(vm, op->gpa >> PAGE_SHIFT);
	bool kernel = op->flags & CCMEM_EMU_F_KERNEL;
	void __user *ubuf = u64_to_user_ptr(op->buf);
	void *kbuf = (void *)(unsigned long)op->buf;
	void __user *backing;
	void *bounce;
	u32 len = op->len;
	int ret = 0;

	if (!r)
		return -ENOENT;
	backing = (void __user *)(r->uaddr + (op->gpa - (r->gfn << PAGE_SHIFT)));
	if (kernel) {
		if (write)
			return copy_to_user(backing, kbuf, len) ? -EFAULT : 0;
		return copy_from_user(kbuf, backing, len) ? -EFAULT : 0;
	}
	bounce = kmalloc(len, GFP_KERNEL);
	if (!bounce)
		return -ENOMEM;
	if (write) {
		if (copy_from_user(bounce, ubuf, len) ||
		    copy_to_user(backing, bounce, len))
			ret = -EFAULT;
	} else {
		if (copy_from_user(bounce, backing, len) ||
		    copy_to_user(ubuf, bounce, len))
			ret = -EFAULT;
	}
	kfree(bounce);
	return ret;
}
EXPORT_SYMBOL_GPL(ccmem_vm_shared_access);
