// SPDX-License-Identifier: GPL-2.0
/*
 * vm.c - the life of a VM object: create, add memory, ioctls, mmap, release.
 *
 * A VM is an anonymous file. Its memory is described by up to
 * CCMEM_MAX_REGIONS regions (region.c); which pages are private is kept as
 * ranges in attr.c; private pages come from pool.c. Every ioctl of the VM
 * fd is listed in one table, ccmem_vm_ioctls[]. Closing the last reference to the
 * file reclaims every page through the platform and scrubs it.
 */
#define pr_fmt(fmt) "ccmem: " fmt

#include <linux/anon_inodes.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "ccmem_core.h"

static DEFINE_IDA(ccmem_vm_ida);

#define CCMEM_DEFAULT_FAULT_QUEUE	256

static int ccmem_vm_state_errno(struct ccmem_vm *vm)
{
	if (vm->state == CCMEM_VM_STATE_DEAD)
		return -EIO;
	return -ENODEV;
}

static long ccmem_vm_ioctl_create_vcpu(struct ccmem_vm *vm, void *arg)
{
	return ccmem_vm_create_vcpu(vm, (unsigned long)arg);
}

static long ccmem_vm_ioctl_check_extension(struct ccmem_vm *vm, void *arg)
{
	return ccmem_check_extension(vm, (unsigned long)arg);
}

/**
 * ccmem_vm_finalize() - CCMEM_VM_FINALIZE: end the launch.
 * @vm: the VM; vm->lock held, VM usable.
 * @arg: unused.
 *
 * The platform seals what was added so far (its launch measurement); no
 * launch page may be added after. Finalizing twice is not an error.
 *
 * Return: 0, or -EIO when the platform refused (the VM cannot run).
 */
static long ccmem_vm_finalize(struct ccmem_vm *vm, void *arg)
{
	int ret = 0;

	if (vm->finalized)
		return 0;
	if (vm->arch->finalize)
		ret = vm->arch->finalize(vm);
	if (!ret)
		WRITE_ONCE(vm->finalized, true);
	return ret;
}

/**
 * ccmem_vm_finalize_run() - finalize before the first vCPU run.
 * @vm: the VM; vm->lock not held.
 *
 * Return: 0, -EINTR, -EIO (VM dead or the platform refused), -ENODEV.
 */
int ccmem_vm_finalize_run(struct ccmem_vm *vm)
{
	long ret;

	if (mutex_lock_killable(&vm->lock))
		return -EINTR;
	if (!ccmem_vm_usable(vm))
		ret = ccmem_vm_state_errno(vm);
	else
		ret = ccmem_vm_finalize(vm, NULL);
	mutex_unlock(&vm->lock);
	return ret;
}

/* CCMEM_VM_ENABLE_CAP, under vm->lock. */
static long ccmem_vm_enable_cap(struct ccmem_vm *vm, void *p)
{
	const struct ccmem_enable_cap *arg = p;

	if (arg->flags || !mem_is_zero(arg->reserved, sizeof(arg->reserved)))
		return -EINVAL;
	switch (arg->cap) {
	case CCMEM_CAP_CONVERT_EXITS:
		if (arg->args[0] > 1 ||
		    !mem_is_zero(&arg->args[1], sizeof(arg->args) - 8))
			return -EINVAL;
		WRITE_ONCE(vm->convert_exits, arg->args[0]);
		return 0;
#ifdef CONFIG_CCMEM_EMU_ENABLED
	case CCMEM_CAP_EMU_EMULATOR:
		if (arg->args[0] != 1 ||
		    !mem_is_zero(&arg->args[1], sizeof(arg->args) - 8))
			return -EINVAL;
		if (!ccmem_vm_emu(vm))
			return -EOPNOTSUPP;
		if (vm->emulator)
			return 0;
		/* A guest that ran protected never becomes readable. */
		if (vm->finalized)
			return -EBUSY;
		WRITE_ONCE(vm->emulator, true);
		pr_info("vm %u: emulator capability: pid %d may map private memory\n",
			vm->id, task_tgid_nr(current));
		return 0;
#endif
	}
	return -EINVAL;
}

/* How an ioctl of the VM fd runs. */
enum {
	CCMEM_IOC_VALUE,	/* the argument is a value; any state */
	CCMEM_IOC_ANY,		/* any state; takes vm->lock itself */
	CCMEM_IOC_LIVE,		/* a usable VM, under vm->lock */
	CCMEM_IOC_EMU,		/* ... on the software model (emu.c) */
};

/* The largest argument struct of a VM fd ioctl. */
#define CCMEM_IOC_ARG_MAX	128

#define CCMEM_IOC(cmd_, how_, fn_) {					\
	.cmd = (cmd_), .how = (how_), .fn = (fn_) }
/*
 * The same, for an ioctl whose results are the fields @first to @last of
 * its argument struct @type: only those bytes are probed and written back
 * (a user copy is costly, and the rest of the struct is input).
 */
#define CCMEM_IOC_OUT(cmd_, how_, fn_, type, first, last) {		\
	.cmd = (cmd_), .how = (how_), .fn = (fn_),			\
	.out_off = offsetof(type, first),				\
	.out_end = offsetofend(type, last) }

/*
 * Every ioctl of the VM fd, in one place. The argument struct is copied
 * in before any lock is taken and out after every lock is dropped, so a
 * handler never touches user memory under vm->lock; handlers with
 * buffers of their own (records, maps, statistics, accesses, pins) are
 * CCMEM_IOC_ANY and keep their user copies outside the lock as well.
 */
static const struct {
	unsigned int cmd;
	u8 how;
	u8 out_off;	/* the results: [out_off, out_end); 0, 0: all */
	u8 out_end;
	long (*fn)(struct ccmem_vm *vm, void *arg);
} ccmem_vm_ioctls[] = {
	CCMEM_IOC(CCMEM_CHECK_EXTENSION, CCMEM_IOC_VALUE,
		  ccmem_vm_ioctl_check_extension),
	CCMEM_IOC_OUT(CCMEM_VM_ADD_REGION, CCMEM_IOC_LIVE, ccmem_vm_add_region,
		      struct ccmem_region, slot, slot),
	CCMEM_IOC(CCMEM_VM_DELETE_REGION, CCMEM_IOC_LIVE,
		  ccmem_vm_delete_region),
	CCMEM_IOC_OUT(CCMEM_VM_SET_ATTRIBUTES, CCMEM_IOC_LIVE,
		      ccmem_vm_set_attributes, struct ccmem_attributes,
		      error_gpa, error_gpa),
	CCMEM_IOC_OUT(CCMEM_VM_POPULATE, CCMEM_IOC_LIVE, ccmem_vm_populate,
		      struct ccmem_populate, populated, populated),
	CCMEM_IOC(CCMEM_VM_PIN, CCMEM_IOC_ANY, ccmem_vm_pin),
	CCMEM_IOC(CCMEM_VM_UNPIN, CCMEM_IOC_LIVE, ccmem_vm_unpin),
	CCMEM_IOC(CCMEM_VM_READ_FAULTS, CCMEM_IOC_ANY, ccmem_vm_read_faults),
	CCMEM_IOC(CCMEM_VM_GET_STATS, CCMEM_IOC_ANY, ccmem_vm_get_stats),
	CCMEM_IOC(CCMEM_VM_GET_MAP, CCMEM_IOC_ANY, ccmem_vm_get_map),
	CCMEM_IOC(CCMEM_VM_CREATE_VCPU, CCMEM_IOC_VALUE,
		  ccmem_vm_ioctl_create_vcpu),
	CCMEM_IOC(CCMEM_VM_ENABLE_CAP, CCMEM_IOC_LIVE, ccmem_vm_enable_cap),
	CCMEM_IOC(CCMEM_VM_FINALIZE, CCMEM_IOC_LIVE, ccmem_vm_finalize),
	CCMEM_IOC_OUT(CCMEM_VM_LAUNCH_UPDATE, CCMEM_IOC_ANY,
		      ccmem_vm_launch_update, struct ccmem_launch_update, done,
		      done),
#ifdef CONFIG_CCMEM_EMU_ENABLED
	CCMEM_IOC_OUT(CCMEM_EMU_GUEST_INSN, CCMEM_IOC_EMU, ccmem_emu_insn_ioctl,
		      struct ccmem_emu_insn, result, fault_seq),
	CCMEM_IOC_OUT(CCMEM_EMU_ACCESS, CCMEM_IOC_ANY, ccmem_emu_access_ioctl,
		      struct ccmem_emu_access, result, fault_seq),
	CCMEM_IOC_OUT(CCMEM_EMU_LOOKUP, CCMEM_IOC_EMU, ccmem_emu_lookup_ioctl,
		      struct ccmem_emu_lookup, state, raw),
	CCMEM_IOC(CCMEM_EMU_INJECT, CCMEM_IOC_EMU, ccmem_emu_inject_ioctl),
	CCMEM_IOC(CCMEM_EMU_GUEST_INIT, CCMEM_IOC_EMU, ccmem_vm_guest_init),
#endif
};

/* Run a table entry on the kernel copy @buf of its argument. */
static long ccmem_vm_ioctl_run(struct ccmem_vm *vm, u8 how,
			       long (*fn)(struct ccmem_vm *vm, void *arg),
			       void *buf)
{
	long ret;

	if (how == CCMEM_IOC_ANY) {
#ifdef CONFIG_CCMEM_EMU_ENABLED
		/* An emu ioctl on a VM on the hardware is refused up front. */
		if (fn == ccmem_emu_access_ioctl && !ccmem_vm_emu(vm))
			return -EOPNOTSUPP;
#endif
		return fn(vm, buf);
	}
	if (mutex_lock_killable(&vm->lock))
		return -EINTR;
	if (!ccmem_vm_usable(vm))
		ret = ccmem_vm_state_errno(vm);
	else if (how == CCMEM_IOC_EMU && !ccmem_vm_emu(vm))
		ret = -EOPNOTSUPP;	/* a VM on the real hardware */
	else
		ret = fn(vm, buf);
	mutex_unlock(&vm->lock);
	return ret;
}

static long ccmem_vm_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct ccmem_vm *vm = file->private_data;
	void __user *uarg = (void __user *)arg;
	u64 buf[CCMEM_IOC_ARG_MAX / sizeof(u64)];
	bool out = _IOC_DIR(cmd) & _IOC_READ;
	u32 size = _IOC_SIZE(cmd), off, len;
	unsigned int i;
	long ret;

	/* Like KVM: the shared backing belongs to the creator's mm. */
	if (current->mm != vm->mm)
		return -EIO;

	for (i = 0; i < ARRAY_SIZE(ccmem_vm_ioctls); i++)
		if (ccmem_vm_ioctls[i].cmd == cmd)
			break;
	if (i == ARRAY_SIZE(ccmem_vm_ioctls))
		return -ENOTTY;
	if (ccmem_vm_ioctls[i].how == CCMEM_IOC_VALUE)
		return ccmem_vm_ioctls[i].fn(vm, (void *)arg);

	if (WARN_ON_ONCE(size > sizeof(buf)))
		return -ENOTTY;
	off = ccmem_vm_ioctls[i].out_off;
	len = ccmem_vm_ioctls[i].out_end ? ccmem_vm_ioctls[i].out_end - off :
					   size;
	if (copy_from_user(buf, uarg, size))
		return -EFAULT;
	/*
	 * An ioctl that reports results must be able to: a read-only or
	 * unmapped argument fails here, before anything changes. The
	 * result fields are written with what they hold already.
	 */
	if (out && copy_to_user(uarg + off, (u8 *)buf + off, len))
		return -EFAULT;

	ret = ccmem_vm_ioctl_run(vm, ccmem_vm_ioctls[i].how,
				 ccmem_vm_ioctls[i].fn, buf);

	/* Only a concurrent unmapping by the caller itself can fail here. */
	if (out && copy_to_user(uarg + off, (u8 *)buf + off, len))
		return -EFAULT;
	return ret;
}

/*
 * The VM fd can be mmapped at offset = gpa as a window on private memory.
 * Host userspace may never see a private page, so every touch is refused
 * with SIGBUS, like a guest_memfd without shared pages. Shared memory is
 * reached through the region's shared backing instead.
 *
 * The one exception is a VM with the emulator capability: its creator
 * plays the CPU, and a mapping it made after enabling the capability
 * (VM_PFNMAP) gets the private page behind each gfn (vm->pages holds
 * private gfns only). The page is looked up and inserted under
 * vm->emu_map_lock, and every path that takes a page out of vm->pages
 * unmaps it under that lock before the page is scrubbed or freed
 * (ccmem_pages_forget()), so the mapping never outlives the page.
 */
static vm_fault_t ccmem_vm_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct ccmem_vm *vm = vma->vm_file->private_data;
	vm_fault_t ret = VM_FAULT_SIGBUS;
	u64 gfn = vmf->pgoff;
	void *entry;

	if (vma->vm_flags & VM_PFNMAP && vma->vm_mm == vm->mm &&
	    READ_ONCE(vm->emulator) && gfn < (CCMEM_MAX_GPA >> PAGE_SHIFT)) {
		mutex_lock(&vm->emu_map_lock);
		entry = READ_ONCE(vm->state) == CCMEM_VM_STATE_LIVE ?
			xa_load(&vm->pages, gfn) : NULL;
		if (entry)
			ret = vmf_insert_pfn(vma, vmf->address,
					     ccmem_pg_pfn(entry));
		if (ret == VM_FAULT_NOPAGE)
			atomic64_inc(&vm->stat.emulator_mapped);
		mutex_unlock(&vm->emu_map_lock);
	}
	if (ret == VM_FAULT_SIGBUS)
		atomic64_inc(&vm->stat.sigbus);
	return ret;
}

static const struct vm_operations_struct ccmem_vm_vm_ops = {
	.fault = ccmem_vm_fault,
};

static int ccmem_vm_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct ccmem_vm *vm = file->private_data;

	/* Set once, before the launch ends; never cleared. */
	if (READ_ONCE(vm->emulator)) {
		/* Trusted as the hardware: the creator, and nobody it forks. */
		if (current->mm != vm->mm)
			return -EACCES;
		if (!(vma->vm_flags & VM_SHARED))
			return -EINVAL;
		vm_flags_set(vma, VM_PFNMAP | VM_IO | VM_DONTCOPY);
	}
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &ccmem_vm_vm_ops;
	return 0;
}

/**
 * ccmem_pages_forget() - take pages out of vm->pages, and out of the
 * emulator's mapping.
 * @vm: the VM; vm->lock held.
 * @gfn: first page.
 * @npages: number of pages.
 *
 * Called before the pages are scrubbed or freed: a later touch through
 * the emulator's mapping refaults and finds no page (SIGBUS) or the gfn's
 * new one.
 */
void ccmem_pages_forget(struct ccmem_vm *vm, u64 gfn, u64 npages)
{
	bool emulator = vm->emulator && vm->file;
	u64 i;

	lockdep_assert_held(&vm->lock);
	/* A zero length would unmap to the end of the file. */
	if (!npages)
		return;
	if (emulator)
		mutex_lock(&vm->emu_map_lock);
	for (i = 0; i < npages; i++)
		xa_erase(&vm->pages, gfn + i);
	if (emulator) {
		unmap_mapping_range(vm->file->f_mapping, gfn << PAGE_SHIFT,
				    npages << PAGE_SHIFT, 1);
		mutex_unlock(&vm->emu_map_lock);
		vm->stat.emulator_unmapped += npages;
	}
}

static __poll_t ccmem_vm_poll(struct file *file, struct poll_table_struct *wait)
{
	return ccmem_fault_poll(file->private_data, file, wait);
}

static bool ccmem_vm_has_pages(struct ccmem_vm *vm)
{
	unsigned long idx = 0;

	return xa_find(&vm->pages, &idx, ULONG_MAX, XA_PRESENT);
}

static void ccmem_vm_free(struct ccmem_vm *vm)
{
	ccmem_regions_free(vm);
	ccmem_attr_destroy(vm);
	/*
	 * Every page went back (or was leaked, and forgotten). An xarray
	 * store that failed for memory may have left an empty node behind,
	 * so look for entries, not for an empty tree.
	 */
	WARN_ON_ONCE(ccmem_vm_has_pages(vm));
	xa_destroy(&vm->pages);
	ccmem_fault_free(vm);
	if (vm->mm)
		mmdrop(vm->mm);
	mem_cgroup_put(vm->memcg);
	ida_free(&ccmem_vm_ida, vm->id);
	kfree(vm);
}

/*
 * The last reference to the VM is gone. Every page goes back through the
 * platform module, which the VM has pinned since its creation; only then
 * is the VM unlisted and freed, and the module reference dropped last, so
 * the module cannot go away while its code still runs for this VM.
 */
static void ccmem_vm_destroy(struct ccmem_vm *vm)
{
	const struct ccmem_arch_ops *arch = vm->arch;

	/*
	 * The guest's debugfs file goes first, then the VM's directory: no
	 * debugfs reader may see the VM half torn down.
	 */
	ccmem_vm_guest_free(vm);
	ccmem_debugfs_vm_remove(vm);
	mutex_lock(&vm->lock);
	ccmem_vm_reclaim_all(vm);
	arch->vm_free(vm);
	vm->arch = NULL;
#ifdef CONFIG_CCMEM_EMU_ENABLED
	vm->emu = NULL;
#endif
	mutex_unlock(&vm->lock);

	mutex_lock(&ccmem_vms_lock);
	list_del(&vm->node);
	mutex_unlock(&ccmem_vms_lock);

	atomic64_dec(&ccmem_gstats.vms_live);
	ccmem_vm_free(vm);
	module_put(arch->owner);
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
	vm->uid = current_uid();
	vm->creator_pid = task_tgid_nr(current);
	get_task_comm(vm->creator_comm, current);
	mutex_init(&vm->lock);
	mutex_init(&vm->emu_map_lock);
	ccmem_attr_init(vm);
	xa_init(&vm->pages);
	INIT_LIST_HEAD(&vm->pins);
	INIT_LIST_HEAD(&vm->node);
	if (ccmem_regions_init(vm) || ccmem_fault_init(vm, fault_queue_len)) {
		ccmem_regions_free(vm);
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
	/* The results are written back: make sure they can be, first. */
	if (copy_to_user(uarg, &arg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags || arg.key_id || arg.backend_used || arg.reserved0 ||
	    !mem_is_zero(arg.reserved, sizeof(arg.reserved)))
		return -EINVAL;
	if (arg.type != CCMEM_VM_SNP && arg.type != CCMEM_VM_TDX)
		return -EINVAL;
	if (arg.backend > CCMEM_BACKEND_LAST)
		return -EINVAL;
	if (arg.fault_queue_len > CCMEM_MAX_FAULT_QUEUE)
		return -EINVAL;

	vm = ccmem_vm_alloc(arg.type, arg.fault_queue_len ?:
			    CCMEM_DEFAULT_FAULT_QUEUE);
	if (!vm)
		return -ENOMEM;

	/* The VM holds its platform module until its last page is back. */
	mutex_lock(&ccmem_vms_lock);
	arch = ccmem_arch_get(arg.type);
	ret = -ENODEV;
	if (!arch || !try_module_get(arch->owner))
		goto err_unlock;
	mutex_lock(&vm->lock);
	vm->gpa_limit = CCMEM_MAX_GPA;
	vm->attributes = arg.attributes;
	vm->gpa_width = arg.gpa_width;
	ret = arch->vm_init(vm, &arg);
	if (!ret)
		vm->arch = arch;
	mutex_unlock(&vm->lock);
	if (ret) {
		module_put(arch->owner);
		goto err_unlock;
	}
	list_add_tail(&vm->node, &ccmem_vms);
	mutex_unlock(&ccmem_vms_lock);

	vm->mm = current->mm;
	mmgrab(vm->mm);
	/* The vCPU threads charge what the guest makes them allocate here. */
	vm->memcg = get_mem_cgroup_from_mm(vm->mm);
	vm->serial = atomic64_inc_return(&ccmem_gstats.vms_created);
	atomic64_inc(&ccmem_gstats.vms_live);
	ccmem_debugfs_vm_add(vm);

	arg.key_id = vm->key_id;
	arg.backend_used = vm->backend;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto err_release;
	}
	/* An inode of its own: the emulator's mappings are per VM. */
	file = anon_inode_create_getfile("ccmem-vm", &ccmem_vm_fops, vm, O_RDWR,
					 NULL);
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
