// SPDX-License-Identifier: GPL-2.0
/*
 * bench_xa.c - the baseline of ccmem-bench.
 *
 * Memory attributes kept the way upstream KVM keeps them for
 * KVM_SET_MEMORY_ATTRIBUTES (Linux 6.12): one xarray entry per 4 KiB GFN,
 * holding xa_mk_value(attributes); no entry means 0 (shared). An update
 * returns early when the whole range already has the wanted value, else
 * reserves every GFN of the range, so that the second pass cannot fail,
 * then stores every GFN. Converting 64 GiB therefore writes 16M entries
 * twice. Only the attribute bookkeeping is modelled: there are no memslots
 * and no MMU to invalidate.
 *
 * One global array behind /dev/ccmem_bench_xa, serialised by a mutex. See
 * bench_xa.h for the ABI.
 */
#define pr_fmt(fmt) "ccmem_bench_xa: " fmt

#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/limits.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "bench_xa.h"

static DEFINE_MUTEX(bench_xa_lock);
static DEFINE_XARRAY(bench_xa_attrs);

/*
 * Does every GFN of [@start, @end) hold @attrs already? For 0 that means no
 * entry at all; otherwise one value entry per GFN. Stops at the first GFN
 * that differs. Reserved entries count as absent.
 */
static bool bench_xa_range_has(unsigned long start, unsigned long end,
			       unsigned long attrs)
{
	XA_STATE(xas, &bench_xa_attrs, start);
	void *want = xa_mk_value(attrs);
	unsigned long next = start;
	void *entry;

	if (!attrs)
		return !xa_find(&bench_xa_attrs, &start, end - 1, XA_PRESENT);

	rcu_read_lock();
	xas_for_each(&xas, entry, end - 1) {
		if (xas_retry(&xas, entry))
			continue;
		if (xas.xa_index != next || entry != want)
			break;
		next++;
	}
	rcu_read_unlock();
	return next == end;
}

/* Set [@start, @end) to @attrs, one entry per GFN; bench_xa_lock held. */
static int bench_xa_set(unsigned long start, unsigned long end,
			unsigned long attrs)
{
	void *entry = attrs ? xa_mk_value(attrs) : NULL;
	unsigned long gfn;
	int ret;

	if (bench_xa_range_has(start, end, attrs))
		return 0;

	/* Allocate every slot first: the stores below then cannot fail. */
	for (gfn = start; gfn < end; gfn++) {
		ret = xa_reserve(&bench_xa_attrs, gfn, GFP_KERNEL_ACCOUNT);
		if (ret)
			return ret;
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}

	/* Storing NULL erases the entry and frees emptied nodes. */
	for (gfn = start; gfn < end; gfn++) {
		ret = xa_err(xa_store(&bench_xa_attrs, gfn, entry,
				      GFP_KERNEL_ACCOUNT));
		if (WARN_ON_ONCE(ret))
			return ret;
		cond_resched();
	}
	return 0;
}

static long bench_xa_ioctl_set(void __user *uarg)
{
	struct ccmem_bench_xa_set arg;
	u64 t0;
	int ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.reserved[0] || arg.reserved[1])
		return -EINVAL;
	if (!arg.size || !PAGE_ALIGNED(arg.gpa) || !PAGE_ALIGNED(arg.size) ||
	    arg.size > CCMEM_BENCH_XA_MAX_SIZE || arg.size > U64_MAX - arg.gpa)
		return -EINVAL;
	if (arg.attributes > LONG_MAX)
		return -EINVAL;

	if (mutex_lock_killable(&bench_xa_lock))
		return -EINTR;
	t0 = ktime_get_ns();
	ret = bench_xa_set(arg.gpa >> PAGE_SHIFT,
			   (arg.gpa + arg.size) >> PAGE_SHIFT, arg.attributes);
	arg.ns = ktime_get_ns() - t0;
	mutex_unlock(&bench_xa_lock);
	if (ret)
		return ret;

	if (copy_to_user(uarg, &arg, sizeof(arg)))
		return -EFAULT;
	return 0;
}

static long bench_xa_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	switch (cmd) {
	case CCMEM_BENCH_XA_SET:
		return bench_xa_ioctl_set((void __user *)arg);
	case CCMEM_BENCH_XA_RESET:
		if (arg)
			return -EINVAL;
		if (mutex_lock_killable(&bench_xa_lock))
			return -EINTR;
		xa_destroy(&bench_xa_attrs);
		mutex_unlock(&bench_xa_lock);
		return 0;
	default:
		return -ENOTTY;
	}
}

static const struct file_operations bench_xa_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= bench_xa_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice bench_xa_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "ccmem_bench_xa",
	.fops	= &bench_xa_fops,
	.mode	= 0600,
};

static int __init bench_xa_init(void)
{
	int ret;

	ret = misc_register(&bench_xa_dev);
	if (ret)
		return ret;
	pr_info("ready: /dev/ccmem_bench_xa\n");
	return 0;
}

static void __exit bench_xa_exit(void)
{
	misc_deregister(&bench_xa_dev);
	/* Open files pin the module, so nobody uses the array any more. */
	xa_destroy(&bench_xa_attrs);
}

module_init(bench_xa_init);
module_exit(bench_xa_exit);
MODULE_DESCRIPTION("ccmem benchmark baseline: one xarray entry per GFN");
MODULE_LICENSE("GPL");
