// SPDX-License-Identifier: GPL-2.0
/*
 * convert.c - explicit private/shared conversions (CCMEM_VM_SET_ATTRIBUTES).
 *
 * The VMM is the control plane: a guest's conversion request reaches it as
 * a CCMEM_EXIT_CONVERT exit and it answers with this ioctl. A conversion is
 * all-or-nothing: the whole range is checked (regions, pins) before any
 * page changes state.
 *
 * To private only changes the attribute: private pages are allocated on
 * demand, always scrubbed. To shared first returns every populated private
 * page to the hypervisor through the platform and scrubs it (pool.c), then
 * the range flips.
 */
#include <linux/mm.h>

#include "ccmem_core.h"
#include "ccmem_trace.h"

/**
 * ccmem_forget_private() - return the private pages of a range to the host
 * and make the range shared.
 * @vm: the VM; vm->lock held, usable.
 * @gfn: first page.
 * @npages: number of pages.
 *
 * Return: 0, -EIO after a platform failure (pages leaked, VM dead), or
 * -ENOMEM.
 */
static int ccmem_forget_private(struct ccmem_vm *vm, u64 gfn, u64 npages)
{
	u64 priv = ccmem_count_private(vm, gfn, npages);
	int ret;

	if (!priv)
		return 0;
	/* Whatever can fail comes before the pages leave the VM. */
	ret = ccmem_attr_prepare_shared(vm, gfn, npages);
	if (ret)
		return ret;
	ret = ccmem_release_range(vm, gfn, npages);
	if (ret)
		return ret;
	ret = ccmem_attr_store(vm, gfn, npages, false);
	if (ret)
		return ret;
	vm->stat.private_pages -= priv;
	return 0;
}

/**
 * ccmem_convert_range() - convert a checked range.
 * @vm: the VM; vm->lock held, usable.
 * @gfn: first page.
 * @npages: number of pages; in regions and not pinned.
 * @priv: to private (else to shared).
 */
int ccmem_convert_range(struct ccmem_vm *vm, u64 gfn, u64 npages, bool priv)
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
	ret = ccmem_forget_private(vm, gfn, npages);
	if (!ret)
		vm->stat.to_shared++;
	return ret;
}

/**
 * ccmem_vm_set_attributes() - CCMEM_VM_SET_ATTRIBUTES.
 * @vm: the VM; vm->lock held, VM usable.
 * @p: the argument (struct ccmem_attributes), a kernel copy.
 *
 * A conversion refused because part of the range is pinned reports the
 * first pinned gpa in error_gpa; nothing else is written back.
 *
 * Return: 0 or a negative errno as documented in the uapi.
 */
long ccmem_vm_set_attributes(struct ccmem_vm *vm, void *p)
{
	struct ccmem_attributes *uarg = p, arg = *uarg;
	u64 gfn, npages, pinned;
	bool priv;
	int ret;

	if (arg.flags || arg.reserved0 ||
	    !mem_is_zero(arg.reserved, sizeof(arg.reserved)))
		return -EINVAL;
	if (arg.attributes & ~CCMEM_ATTR_PRIVATE)
		return -EINVAL;
	if (!arg.size || !PAGE_ALIGNED(arg.gpa) || !PAGE_ALIGNED(arg.size) ||
	    arg.gpa >= CCMEM_MAX_GPA || arg.size > CCMEM_MAX_GPA - arg.gpa)
		return -EINVAL;

	gfn = arg.gpa >> PAGE_SHIFT;
	npages = arg.size >> PAGE_SHIFT;
	priv = arg.attributes & CCMEM_ATTR_PRIVATE;

	if (!ccmem_range_in_regions(vm, gfn, npages)) {
		ret = -ENOENT;
	} else if (ccmem_range_pinned(vm, gfn, npages, &pinned)) {
		ret = -EBUSY;
		uarg->error_gpa = pinned << PAGE_SHIFT;
	} else {
		ret = ccmem_convert_range(vm, gfn, npages, priv);
	}

	trace_ccmem_convert(vm->id, arg.gpa, arg.size, priv, ret);
	return ret;
}

/**
 * ccmem_vm_delete_region() - CCMEM_VM_DELETE_REGION.
 * @vm: the VM; vm->lock held, usable.
 * @p: the argument (struct ccmem_region) naming the region exactly.
 *
 * The private pages go back to the host (platform, scrub), then the range
 * forgets that it was private, then the region goes.
 */
long ccmem_vm_delete_region(struct ccmem_vm *vm, void *p)
{
	const struct ccmem_region arg = *(struct ccmem_region *)p;
	const struct ccmem_mem_region *r;
	u64 gfn, npages;
	int ret;

	if (arg.flags || arg.shared_uaddr ||
	    !mem_is_zero(arg.reserved, sizeof(arg.reserved)) || !arg.size ||
	    !PAGE_ALIGNED(arg.gpa | arg.size) || arg.gpa >= CCMEM_MAX_GPA ||
	    arg.size > CCMEM_MAX_GPA - arg.gpa)
		return -EINVAL;
	gfn = arg.gpa >> PAGE_SHIFT;
	npages = arg.size >> PAGE_SHIFT;
	r = ccmem_find_region(vm, gfn);
	if (!r || r->gfn != gfn || r->npages != npages)
		return -ENOENT;
	if (ccmem_range_pinned(vm, gfn, npages, NULL) ||
	    (vm->runner && vm->runner->uses_range(vm, gfn, npages)))
		return -EBUSY;

	ret = ccmem_forget_private(vm, gfn, npages);
	if (ret)
		return ret;

	ccmem_region_remove(vm, r);
	return 0;
}
