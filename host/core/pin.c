// SPDX-License-Identifier: GPL-2.0
/*
 * pin.c - long-term pins of shared ranges for DMA.
 *
 * A device doing DMA to a shared page must not see that page turn private
 * under it, so a pinned range refuses every conversion with -EBUSY until it
 * is unpinned. Pins are few (at most CCMEM_MAX_PINS per VM) and kept in a
 * list under vm->lock.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "ccmem_core.h"

/**
 * ccmem_range_pinned() - does any pin overlap the range?
 * @vm: the VM; vm->lock held.
 * @gfn: first page.
 * @npages: number of pages.
 * @first: out, optional: the first pinned gfn of the range.
 */
bool ccmem_range_pinned(struct ccmem_vm *vm, u64 gfn, u64 npages, u64 *first)
{
	struct ccmem_pin_rec *p;
	u64 lowest = U64_MAX;

	list_for_each_entry(p, &vm->pins, node)
		if (gfn < p->gfn + p->npages && p->gfn < gfn + npages)
			lowest = min(lowest, max(gfn, p->gfn));
	if (first)
		*first = lowest;
	return lowest != U64_MAX;
}

static int ccmem_pin_args(void __user *uarg, struct ccmem_pin *arg)
{
	if (copy_from_user(arg, uarg, sizeof(*arg)))
		return -EFAULT;
	if (arg->flags || arg->reserved0 || arg->reserved[0] ||
	    arg->reserved[1])
		return -EINVAL;
	if (!arg->size || !PAGE_ALIGNED(arg->gpa) || !PAGE_ALIGNED(arg->size) ||
	    arg->size > CCMEM_MAX_PIN_SIZE || arg->gpa >= CCMEM_MAX_GPA)
		return -EINVAL;
	return 0;
}

/* Pin the shared backing of [gfn, gfn + npages), which lies in one region. */
static int ccmem_pin_backing(const struct ccmem_mem_region *r,
			     struct ccmem_pin_rec *p)
{
	unsigned long uaddr = r->uaddr + ((p->gfn - r->gfn) << PAGE_SHIFT);
	u64 done = 0;
	long n;

	while (done < p->npages) {
		n = pin_user_pages_fast(uaddr + (done << PAGE_SHIFT),
					min_t(u64, p->npages - done, INT_MAX),
					FOLL_WRITE | FOLL_LONGTERM,
					p->pages + done);
		if (n <= 0) {
			unpin_user_pages(p->pages, done);
			return n ? (int)n : -EFAULT;
		}
		done += n;
	}
	return 0;
}

/**
 * ccmem_vm_pin() - CCMEM_VM_PIN.
 * @vm: the VM; vm->lock held, VM usable.
 * @uarg: user pointer to struct ccmem_pin.
 *
 * Return: 0 or a negative errno as documented in the uapi.
 */
long ccmem_vm_pin(struct ccmem_vm *vm, void __user *uarg)
{
	const struct ccmem_mem_region *r;
	struct ccmem_pin_rec *p;
	struct ccmem_pin arg;
	u64 gfn, npages;
	int ret;

	ret = ccmem_pin_args(uarg, &arg);
	if (ret)
		return ret;
	gfn = arg.gpa >> PAGE_SHIFT;
	npages = arg.size >> PAGE_SHIFT;

	/* One region, so the shared backing is one user range. */
	r = ccmem_find_region(vm, gfn);
	if (!r || gfn + npages > r->gfn + r->npages)
		return -ENOENT;
	if (ccmem_count_private(vm, gfn, npages))
		return -EPERM;
	if (vm->nr_pins == CCMEM_MAX_PINS)
		return -ENOSPC;

	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return -ENOMEM;
	p->gfn = gfn;
	p->npages = npages;
	p->pages = kvmalloc_array(npages, sizeof(*p->pages), GFP_KERNEL_ACCOUNT);
	if (!p->pages) {
		kfree(p);
		return -ENOMEM;
	}
	ret = ccmem_pin_backing(r, p);
	if (ret) {
		kvfree(p->pages);
		kfree(p);
		return ret == -ENOMEM ? ret : -EFAULT;
	}
	list_add_tail(&p->node, &vm->pins);
	vm->nr_pins++;
	vm->stat.pinned_pages += npages;
	return 0;
}

static void ccmem_pin_free(struct ccmem_vm *vm, struct ccmem_pin_rec *p)
{
	list_del(&p->node);
	vm->nr_pins--;
	vm->stat.pinned_pages -= p->npages;
	unpin_user_pages_dirty_lock(p->pages, p->npages, true);
	kvfree(p->pages);
	kfree(p);
}

/**
 * ccmem_vm_unpin() - CCMEM_VM_UNPIN.
 * @vm: the VM; vm->lock held, VM usable.
 * @uarg: user pointer to struct ccmem_pin.
 *
 * Return: 0, -EINVAL for bad arguments, -ENOENT when no pin has exactly
 * this gpa and size.
 */
long ccmem_vm_unpin(struct ccmem_vm *vm, void __user *uarg)
{
	struct ccmem_pin_rec *p;
	struct ccmem_pin arg;
	int ret;

	ret = ccmem_pin_args(uarg, &arg);
	if (ret)
		return ret;
	list_for_each_entry(p, &vm->pins, node) {
		if (p->gfn == arg.gpa >> PAGE_SHIFT &&
		    p->npages == arg.size >> PAGE_SHIFT) {
			ccmem_pin_free(vm, p);
			return 0;
		}
	}
	return -ENOENT;
}

/**
 * ccmem_unpin_all() - drop every pin (VM destroy).
 * @vm: the VM; vm->lock held.
 */
void ccmem_unpin_all(struct ccmem_vm *vm)
{
	struct ccmem_pin_rec *p, *tmp;

	list_for_each_entry_safe(p, tmp, &vm->pins, node)
		ccmem_pin_free(vm, p);
}
