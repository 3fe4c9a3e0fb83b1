// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - /dev/ccmem.
 *
 * The device answers three ioctls: the API version, capabilities, and the
 * creation of a VM (vm.c), which returns a VM fd. Everything else happens
 * on VM and vCPU fds.
 */
#define pr_fmt(fmt) "ccmem: " fmt

#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>

#include "ccmem_core.h"

#define CREATE_TRACE_POINTS
#include "ccmem_trace.h"

struct ccmem_global_stats ccmem_gstats;

static long ccmem_dev_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	switch (cmd) {
	case CCMEM_GET_API_VERSION:
		return arg ? -EINVAL : CCMEM_API_VERSION;
	case CCMEM_CHECK_EXTENSION:
		return ccmem_check_extension(NULL, arg);
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
	ccmem_limits_exit();
}

module_init(ccmem_init);
module_exit(ccmem_exit);
MODULE_DESCRIPTION("ccmem: confidential-VM private memory core");
MODULE_LICENSE("GPL");
