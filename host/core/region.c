// SPDX-License-Identifier: GPL-2.0
/*
 * region.c - the region table of a VM: which guest physical ranges exist
 * and where their shared backing lives.
 *
 * Regions are kept in an array sorted by gfn, grown on demand up to
 * CCMEM_MAX_REGIONS (QEMU uses many memory slots), so that finding the
 * region of a gfn is a binary search. Each region has a slot number that
 * stays the same until it is deleted. Everything here runs with vm->lock
 * held.
 */
#include <linux/bitmap.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "ccmem_core.h"

#define CCMEM_REGIONS_MIN	8

int ccmem_regions_init(struct ccmem_vm *vm)
{
	vm->slots = bitmap_zalloc(CCMEM_MAX_REGIONS, GFP_KERNEL_ACCOUNT);
	return vm->slots ? 0 : -ENOMEM;
}

void ccmem_regions_free(struct ccmem_vm *vm)
{
	kvfree(vm->regions);
	vm->regions = NULL;
	bitmap_free(vm->slots);
	vm->slots = NULL;
}

/* Index of the first region that ends after @gfn (nr_regions if none). */
static u32 ccmem_region_index(struct ccmem_vm *vm, u64 gfn)
{
	u32 lo = 0, hi = vm->nr_regions;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;
		const struct ccmem_mem_region *r = &vm->regions[mid];

		if (gfn >= r->gfn + r->npages)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/**
 * ccmem_find_region() - the region holding @gfn, or NULL.
 * @vm: the VM; vm->lock held.
 * @gfn: guest frame number.
 */
const struct ccmem_mem_region *ccmem_find_region(struct ccmem_vm *vm, u64 gfn)
{
	u32 i = ccmem_region_index(vm, gfn);

	if (i < vm->nr_regions && vm->regions[i].gfn <= gfn)
		return &vm->regions[i];
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
	return ccmem_pages_in_regions(vm, gfn, npages) == npages;
}
EXPORT_SYMBOL_GPL(ccmem_range_in_regions);

/**
 * ccmem_regions_end() - the frame after the last region's last page.
 * @vm: the VM; vm->lock held.
 *
 * Return: 0 when the VM has no region.
 */
u64 ccmem_regions_end(struct ccmem_vm *vm)
{
	const struct ccmem_mem_region *last;

	if (!vm->nr_regions)
		return 0;
	/* Sorted by gfn and not overlapping: the last one ends last. */
	last = &vm->regions[vm->nr_regions - 1];
	return last->gfn + last->npages;
}

/**
 * ccmem_pages_in_regions() - how many pages of the range lie in a region.
 * @vm: the VM; vm->lock held.
 * @gfn: first page.
 * @npages: number of pages.
 */
u64 ccmem_pages_in_regions(struct ccmem_vm *vm, u64 gfn, u64 npages)
{
	u64 end = gfn + npages, covered = 0;
	u32 i;

	for (i = ccmem_region_index(vm, gfn); i < vm->nr_regions; i++) {
		const struct ccmem_mem_region *r = &vm->regions[i];
		u64 lo = max(gfn, r->gfn), hi = min(end, r->gfn + r->npages);

		if (r->gfn >= end)
			break;
		if (lo < hi)
			covered += hi - lo;
	}
	return covered;
}

static int ccmem_region_args(struct ccmem_vm *vm,
			     const struct ccmem_region *arg)
{
	if ((arg->flags & ~CCMEM_REGION_F_PRIVATE) ||
	    !mem_is_zero(arg->reserved, sizeof(arg->reserved)))
		return -EINVAL;
	if (!arg->size || !PAGE_ALIGNED(arg->gpa) || !PAGE_ALIGNED(arg->size) ||
	    !PAGE_ALIGNED(arg->shared_uaddr))
		return -EINVAL;
	/* vm->gpa_limit: below CCMEM_MAX_GPA, and below a TD's shared bit. */
	if (arg->size > CCMEM_MAX_REGION_SIZE || arg->gpa >= vm->gpa_limit ||
	    arg->size > vm->gpa_limit - arg->gpa)
		return -E2BIG;
	return 0;
}

/* Room for one more region; the array only ever grows. */
static int ccmem_regions_reserve(struct ccmem_vm *vm)
{
	struct ccmem_mem_region *n;
	u32 cap;

	if (vm->nr_regions < vm->regions_cap)
		return 0;
	cap = clamp_t(u32, vm->regions_cap * 2, CCMEM_REGIONS_MIN,
		      CCMEM_MAX_REGIONS);
	n = kvmalloc_array(cap, sizeof(*n), GFP_KERNEL_ACCOUNT);
	if (!n)
		return -ENOMEM;
	if (vm->nr_regions)
		memcpy(n, vm->regions, vm->nr_regions * sizeof(*n));
	kvfree(vm->regions);
	vm->regions = n;
	vm->regions_cap = cap;
	return 0;
}

/**
 * ccmem_vm_add_region() - CCMEM_VM_ADD_REGION.
 * @vm: the VM; vm->lock held, usable.
 * @p: the argument (struct ccmem_region), a kernel copy; gets the slot.
 */
long ccmem_vm_add_region(struct ccmem_vm *vm, void *p)
{
	struct ccmem_region *arg = p;
	struct ccmem_mem_region *r;
	u64 gfn, npages;
	u32 i, slot;
	int ret;

	ret = ccmem_region_args(vm, arg);
	if (ret)
		return ret;
	if (!arg->shared_uaddr ||
	    !access_ok((void __user *)(unsigned long)arg->shared_uaddr,
		       arg->size))
		return -EFAULT;

	gfn = arg->gpa >> PAGE_SHIFT;
	npages = arg->size >> PAGE_SHIFT;
	if (vm->nr_regions == CCMEM_MAX_REGIONS)
		return -ENOSPC;
	if (ccmem_pages_in_regions(vm, gfn, npages))
		return -EEXIST;
	ret = ccmem_regions_reserve(vm);
	if (ret)
		return ret;

	slot = find_first_zero_bit(vm->slots, CCMEM_MAX_REGIONS);
	if (arg->flags & CCMEM_REGION_F_PRIVATE) {
		ret = ccmem_attr_store(vm, gfn, npages, true);
		if (ret)
			return ret;
		vm->stat.private_pages += npages;
	}

	i = ccmem_region_index(vm, gfn);
	memmove(&vm->regions[i + 1], &vm->regions[i],
		(vm->nr_regions - i) * sizeof(vm->regions[0]));
	r = &vm->regions[i];
	r->gfn = gfn;
	r->npages = npages;
	r->uaddr = arg->shared_uaddr;
	r->slot = slot;
	arg->slot = slot;
	__set_bit(slot, vm->slots);
	vm->nr_regions++;
	vm->region_pages += npages;
	return 0;
}

/**
 * ccmem_region_remove() - take a region out of the table.
 * @vm: the VM; vm->lock held.
 * @r: the region, which has no private page and no pin left.
 */
void ccmem_region_remove(struct ccmem_vm *vm, const struct ccmem_mem_region *r)
{
	u32 i = r - vm->regions;

	__clear_bit(r->slot, vm->slots);
	vm->region_pages -= r->npages;
	vm->nr_regions--;
	memmove(&vm->regions[i], &vm->regions[i + 1],
		(vm->nr_regions - i) * sizeof(vm->regions[0]));
}

/**
 * ccmem_vm_shared_uaddr() - where guest shared memory lives for the host.
 * @vm: the VM; vm->lock held.
 * @gpa: the address; @len bytes must not cross a page.
 * @len: bytes, 1 to PAGE_SIZE.
 *
 * Shared memory is the region's shared backing in the VMM's address space.
 * The caller copies with copy_{from,to}_user() AFTER dropping vm->lock:
 * that memory can fault, and even block for good under userfaultfd, and
 * no lock another task needs may be held across it.
 *
 * Return: the user address, or NULL outside every region.
 */
void __user *ccmem_vm_shared_uaddr(struct ccmem_vm *vm, u64 gpa, u32 len)
{
	const struct ccmem_mem_region *r = ccmem_find_region(vm, gpa >> PAGE_SHIFT);

	lockdep_assert_held(&vm->lock);
	if (!r || !len || offset_in_page(gpa) + len > PAGE_SIZE)
		return NULL;
	return (void __user *)(r->uaddr + (gpa - (r->gfn << PAGE_SHIFT)));
}
EXPORT_SYMBOL_GPL(ccmem_vm_shared_uaddr);
