// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - /dev/ccmem and the registry of architecture modules.
 *
 * ccmem.ko is architecture neutral. ccmem_snp.ko (and later ccmem_tdx.ko)
 * register a struct ccmem_arch_ops; CCMEM_CREATE_VM picks the one matching
 * the requested VM type. When an architecture module goes away, every VM of
 * its type is reclaimed through the platform and detached: its fd stays
 * valid but memory operations fail with -ENODEV.
 */
#define pr_fmt(fmt) "ccmem: " fmt

#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/uaccess.h>

#include "ccmem_core.h"

#define CREATE_TRACE_POINTS
#include "ccmem_trace.h"

/* Protects ccmem_vms and ccmem_archs; taken before any vm->lock. */
DEFINE_MUTEX(ccmem_vms_lock);
LIST_HEAD(ccmem_vms);

/* Registered architectures, indexed by VM type; under ccmem_vms_lock. */
static const struct ccmem_arch_ops *ccmem_archs[CCMEM_VM_TDX + 1];

struct ccmem_global_stats ccmem_gstats;

/**
 * ccmem_register_arch() - make a VM type available.
 * @ops: the architecture's operations; must stay valid until
 *	 ccmem_unregister_arch().
 *
 * Return: 0, -EINVAL for an unknown type or -EBUSY if one is registered.
 */
int ccmem_register_arch(const struct ccmem_arch_ops *ops)
{
	int ret = 0;

	if (!ops || !ops->vm_type || ops->vm_type > CCMEM_VM_TDX)
		return -EINVAL;

	mutex_lock(&ccmem_vms_lock);
	if (ccmem_archs[ops->vm_type])
		ret = -EBUSY;
	else
		ccmem_archs[ops->vm_type] = ops;
	mutex_unlock(&ccmem_vms_lock);
	if (!ret)
		pr_info("%s VMs available\n", ops->name);
	return ret;
}
EXPORT_SYMBOL_GPL(ccmem_register_arch);

/**
 * ccmem_unregister_arch() - remove a VM type, reclaiming its live VMs.
 * @ops: as passed to ccmem_register_arch().
 *
 * Every live VM of the type has its memory returned to the hypervisor
 * state through the platform, scrubbed and freed; the VM is then detached.
 */
void ccmem_unregister_arch(const struct ccmem_arch_ops *ops)
{
	struct ccmem_vm *vm;
	unsigned int n = 0;

	mutex_lock(&ccmem_vms_lock);
	list_for_each_entry(vm, &ccmem_vms, node) {
		mutex_lock(&vm->lock);
		if (vm->arch == ops) {
			ccmem_vm_reclaim_all(vm);
			ops->vm_free(vm);
			vm->arch = NULL;
			vm->arch_data = NULL;
			if (vm->state == CCMEM_VM_STATE_LIVE)
				vm->state = CCMEM_VM_STATE_DETACHED;
			n++;
		}
		mutex_unlock(&vm->lock);
	}
	if (ccmem_archs[ops->vm_type] == ops)
		ccmem_archs[ops->vm_type] = NULL;
	mutex_unlock(&ccmem_vms_lock);
	if (n)
		pr_info("%s unloaded: reclaimed %u live VM(s)\n", ops->name, n);
}
EXPORT_SYMBOL_GPL(ccmem_unregister_arch);

/* Called with ccmem_vms_lock held by vm.c. */
const struct ccmem_arch_ops *ccmem_arch_get(u32 type)
{
	if (type == 0 || type >= ARRAY_SIZE(ccmem_archs))
		return NULL;
	return ccmem_archs[type];
}

static long ccmem_dev_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	switch (cmd) {
	case CCMEM_GET_API_VERSION:
		return arg ? -EINVAL : CCMEM_API_VERSION;
	case CCMEM_CREATE_VM:
		return ccmem_create_vm((void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations ccmem_dev_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= ccmem_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice ccmem_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "ccmem",
	.fops	= &ccmem_dev_fops,
	.mode	= 0600,
};

static int __init ccmem_init(void)
{
	int ret;

	ret = ccmem_debugfs_init();
	if (ret)
		return ret;
	ret = misc_register(&ccmem_dev);
	if (ret)
		goto err_debugfs;
	pr_info("ready: /dev/ccmem, API version %d\n", CCMEM_API_VERSION);
	return 0;

err_debugfs:
	ccmem_debugfs_exit();
	return ret;
}

static void __exit ccmem_exit(void)
{
	misc_deregister(&ccmem_dev);
	/* VM fds pin this module, so no VM is left here. */
	WARN_ON_ONCE(!list_empty(&ccmem_vms));
	ccmem_debugfs_exit();
	ccmem_pool_exit();
}

module_init(ccmem_init);
module_exit(ccmem_exit);
MODULE_DESCRIPTION("ccmem: confidential-VM private memory core");
MODULE_LICENSE("GPL");
