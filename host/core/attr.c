// SPDX-License-Identifier: GPL-2.0
/*
 * attr.c - private/shared attributes, kept as ranges.
 *
 * Upstream KVM stores one xarray entry per 4 KiB GFN for
 * KVM_SET_MEMORY_ATTRIBUTES, so converting 64 GiB writes 16M entries. Here
 * the private GFNs of a VM are a set of disjoint, maximal ranges in a maple
 * tree: a conversion costs O(log n) plus the ranges it touches, whatever
 * its size. Shared is the absence of a range. Adjacent private ranges are
 * merged on insertion, so the tree never holds two ranges that touch.
 *
 * The maple tree uses its internal lock for the tree structure; callers
 * also hold vm->lock, which orders conversions against everything else.
 */
#include <linux/maple_tree.h>
#include <linux/mm.h>
#include <linux/uaccess.h>

#include "ccmem_core.h"
#include "ccmem_trace.h"

/**
 * ccmem_gfn_is_private() - is @gfn private?
 * @vm: the VM.
 * @gfn: guest frame number.
 */
bool ccmem_gfn_is_private(struct ccmem_vm *vm, u64 gfn)
{
	return !!mtree_load(&vm->attrs, gfn);
}
EXPORT_SYMBOL_GPL(ccmem_gfn_is_private);

/**
 * ccmem_count_private() - number of private pages in a range.
 * @vm: the VM.
 * @gfn: first page.
 * @npages: number of pages, at least 1.
 *
 * Cost: the number of private ranges that intersect the range.
 */
u64 ccmem_count_private(struct ccmem_vm *vm, u64 gfn, u64 npages)
{
	MA_STATE(mas, &vm->attrs, gfn, gfn);
	u64 last = gfn + npages - 1, n = 0;
	void *entry;

	rcu_read_lock();
	mas_for_each(&mas, entry, last) {
		u64 lo = max_t(u64, mas.index, gfn);
		u64 hi = min_t(u64, mas.last, last);

		n += hi - lo + 1;
	}
	rcu_read_unlock();
	return n;
}

/**
 * ccmem_range_is_private() - is every page of the range private?
 * @vm: the VM.
 * @gfn: first page.
 * @npages: number of pages, at least 1.
 */
bool ccmem_range_is_private(struct ccmem_vm *vm, u64 gfn, u64 npages)
{
	return ccmem_count_private(vm, gfn, npages) == npages;
}

/*
 * To private in one walk: count the pages already private and find the
 * private neighbours to merge with, then store once. A range that is
 * already private stores nothing. Returns the pages that were private.
 */
static int ccmem_attr_make_private(struct ccmem_vm *vm, u64 gfn, u64 npages,
				   u64 *already)
{
	MA_STATE(mas, &vm->attrs, gfn ? gfn - 1 : 0, 0);
	u64 first = gfn, last = gfn + npages - 1, n = 0;
	void *entry;
	int ret = 0;

	mas_lock(&mas);
	mas_for_each(&mas, entry, last + 1) {
		u64 lo = max_t(u64, mas.index, gfn);
		u64 hi = min_t(u64, mas.last, gfn + npages - 1);

		if (lo <= hi)		/* not just a touching neighbour */
			n += hi - lo + 1;
		first = min_t(u64, first, mas.index);
		last = max_t(u64, last, mas.last);
	}
	if (n != npages) {
		mas_set_range(&mas, first, last);
		ret = mas_store_gfp(&mas, CCMEM_ATTR_VAL, GFP_KERNEL_ACCOUNT);
	}
	mas_unlock(&mas);
	*already = n;
	return ret;
}

/**
 * ccmem_attr_store() - mark a range private or shared.
 * @vm: the VM; vm->lock held.
 * @gfn: first page.
 * @npages: number of pages, at least 1.
 * @priv: true for private.
 *
 * Return: 0 or -ENOMEM; on failure the attributes are unchanged.
 */
int ccmem_attr_store(struct ccmem_vm *vm, u64 gfn, u64 npages, bool priv)
{
	MA_STATE(mas, &vm->attrs, gfn, gfn + npages - 1);
	u64 already;
	int ret;

	if (priv)
		return ccmem_attr_make_private(vm, gfn, npages, &already);
	mas_lock(&mas);
	ret = mas_store_gfp(&mas, NULL, GFP_KERNEL_ACCOUNT);
	mas_unlock(&mas);
	return ret;
}

/**
 * ccmem_attr_nr_ranges() - number of private ranges stored.
 * @vm: the VM.
 */
u64 ccmem_attr_nr_ranges(struct ccmem_vm *vm)
{
	MA_STATE(mas, &vm->attrs, 0, 0);
	void *entry;
	u64 n = 0;

	rcu_read_lock();
	mas_for_each(&mas, entry, ULONG_MAX)
		n++;
	rcu_read_unlock();
	return n;
}

static int ccmem_convert(struct ccmem_vm *vm, u64 gfn, u64 npages, bool priv)
{
	u64 already;
	int ret;

	if (priv) {
		ret = ccmem_attr_make_private(vm, gfn, npages, &already);
		if (ret)
			return ret;
		vm->stat.private_pages += npages - already;
		vm->stat.to_private++;
		return 0;
	}

	/*
	 * To shared: every populated private page first goes back to the
	 * hypervisor through the platform and is scrubbed, then the range
	 * flips. A platform failure leaks the page and kills the VM.
	 */
	already = ccmem_count_private(vm, gfn, npages);
	if (!already) {
		vm->stat.to_shared++;
		return 0;
	}
	ret = ccmem_release_range(vm, gfn, npages);
	if (ret)
		return ret;
	ret = ccmem_attr_store(vm, gfn, npages, false);
	if (ret)
		return ret;
	vm->stat.private_pages -= already;
	vm->stat.to_shared++;
	return 0;
}

/**
 * ccmem_vm_set_attributes() - CCMEM_VM_SET_ATTRIBUTES.
 * @vm: the VM; vm->lock held, VM usable.
 * @uarg: user pointer to struct ccmem_attributes.
 *
 * Return: 0 or a negative errno as documented in the uapi.
 */
long ccmem_vm_set_attributes(struct ccmem_vm *vm, void __user *uarg)
{
	struct ccmem_attributes arg;
	u64 gfn, npages;
	bool priv;
	int ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags || arg.reserved0 || arg.reserved[0] || arg.reserved[1])
		return -EINVAL;
	if (arg.attributes & ~CCMEM_ATTR_PRIVATE)
		return -EINVAL;
	if (!arg.size || !PAGE_ALIGNED(arg.gpa) || !PAGE_ALIGNED(arg.size) ||
	    arg.gpa >= CCMEM_MAX_GPA || arg.size > CCMEM_MAX_GPA - arg.gpa)
		return -EINVAL;

	gfn = arg.gpa >> PAGE_SHIFT;
	npages = arg.size >> PAGE_SHIFT;
	priv = arg.attributes & CCMEM_ATTR_PRIVATE;

	if (!ccmem_range_in_regions(vm, gfn, npages))
		ret = -ENOENT;
	else if (ccmem_range_pinned(vm, gfn, npages))
		ret = -EBUSY;
	else
		ret = ccmem_convert(vm, gfn, npages, priv);

	trace_ccmem_convert(vm->id, arg.gpa, arg.size, priv, ret);
	return ret;
}
