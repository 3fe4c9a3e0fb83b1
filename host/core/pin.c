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

static int ccmem_pin_args(const struct ccmem_pin *arg)
{
	if (arg->flags || arg->reserved0 || arg->reserved[0] ||
	    arg->reserved[1])
		return -EINVAL;
	if (!arg->size || !PAGE_ALIGNED(arg->gpa) || !PAGE_ALIGNED(arg->size) ||
	    arg->size > CCMEM_MAX_PIN_SIZE || arg->gpa >= CCMEM_MAX_GPA)
		return -EINVAL;
	return 0;
}

/**
 * ccmem_pin_user() - long-term pin @npages pages of the current mm at
 * @uaddr, writable, all or none.
 * @uaddr: page-aligned user address (a region's shared backing).
 * @npages: pages.
 * @pages: out: the pinned pages.
 *
 * The caller charges them (account_locked_vm()) and unpins them with
 * unpin_user_pages*().
 *
 * Return: 0, or the errno of pin_user_pages_fast() (-EFAULT when it
 * pinned nothing), with nothing left pinned.
 */
int ccmem_pin_user(unsigned long uaddr, u64 npages, struct page **pages)
{
	u64 done = 0;
	long n;

	while (done < npages) {
		n = pin_user_pages_fast(uaddr + (done << PAGE_SHIFT),
					min_t(u64, npages - done, INT_MAX),
					FOLL_WRITE | FOLL_LONGTERM,
					pages + done);
		if (n <= 0) {
			unpin_user_pages(pages, done);
			return n ? (int)n : -EFAULT;
		}
		done += n;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(ccmem_pin_user);

/*
 * Is [@gfn, @gfn + @npages) a shared range of one region, with room for a
 * pin? Returns 0 and the backing's user address, or the errno.
 */
static int ccmem_pin_check(struct ccmem_vm *vm, u64 gfn, u64 npages,
			   unsigned long *uaddr)
{
	const struct ccmem_mem_region *r = ccmem_find_region(vm, gfn);

	lockdep_assert_held(&vm->lock);
	if (!ccmem_vm_usable(vm))
		return vm->state == CCMEM_VM_STATE_DEAD ? -EIO : -ENODEV;
	/* One region, so the shared backing is one user range. */
	if (!r || gfn + npages > r->gfn + r->npages)
		return -ENOENT;
	if (ccmem_count_private(vm, gfn, npages))
		return -EPERM;
	if (vm->nr_pins == CCMEM_MAX_PINS)
		return -ENOSPC;
	*uaddr = r->uaddr + ((gfn - r->gfn) << PAGE_SHIFT);
	return 0;
}

/**
 * ccmem_vm_pin() - CCMEM_VM_PIN.
 * @vm: the VM (any state); takes vm->lock itself.
 * @a: the argument (struct ccmem_pin), a kernel copy.
 *
 * Pinning faults the backing in, which can take any time (userfaultfd), so
 * it happens without vm->lock: check, pin, then check again under the
 * lock and add the pin only if nothing changed meanwhile. The pages count
 * against the VMM's RLIMIT_MEMLOCK (locked_vm, as VFIO's pins) and show
 * in its pinned_vm (VmPin), as io_uring's and RDMA's do.
 *
 * Return: 0 or a negative errno as documented in the uapi.
 */
long ccmem_vm_pin(struct ccmem_vm *vm, void *a)
{
	const struct ccmem_pin *arg = a;
	unsigned long uaddr, uaddr2 = 0;
	struct ccmem_pin_rec *p;
	u64 gfn, npages;
	int ret;

	ret = ccmem_pin_args(arg);
	if (ret)
		return ret;
	gfn = arg->gpa >> PAGE_SHIFT;
	npages = arg->size >> PAGE_SHIFT;

	if (mutex_lock_killable(&vm->lock))
		return -EINTR;
	ret = ccmem_pin_check(vm, gfn, npages, &uaddr);
	mutex_unlock(&vm->lock);
	if (ret)
		return ret;

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
	/* Long-term pins count against RLIMIT_MEMLOCK, as VFIO's do. */
	ret = account_locked_vm(vm->mm, npages, true);
	if (ret) {
		kvfree(p->pages);
		kfree(p);
		return ret;
	}
	ret = ccmem_pin_user(uaddr, npages, p->pages);
	if (ret) {
		account_locked_vm(vm->mm, npages, false);
		kvfree(p->pages);
		kfree(p);
		return ret == -ENOMEM || ret == -EINTR ? ret : -EFAULT;
	}

	mutex_lock(&vm->lock);
	ret = ccmem_pin_check(vm, gfn, npages, &uaddr2);
	if (!ret && uaddr2 != uaddr)
		ret = -EAGAIN;	/* the region changed under us */
	if (!ret) {
		list_add_tail(&p->node, &vm->pins);
		vm->nr_pins++;
		vm->stat.pinned_pages += npages;
		atomic64_add(npages, &vm->mm->pinned_vm);
	}
	mutex_unlock(&vm->lock);
	if (ret) {
		unpin_user_pages(p->pages, npages);
		account_locked_vm(vm->mm, npages, false);
		kvfree(p->pages);
		kfree(p);
	}
	return ret;
}

static void ccmem_pin_free(struct ccmem_vm *vm, struct ccmem_pin_rec *p)
{
	list_del(&p->node);
	vm->nr_pins--;
	vm->stat.pinned_pages -= p->npages;
	unpin_user_pages_dirty_lock(p->pages, p->npages, true);
	atomic64_sub(p->npages, &vm->mm->pinned_vm);
	account_locked_vm(vm->mm, p->npages, false);
	kvfree(p->pages);
	kfree(p);
}

/**
 * ccmem_vm_unpin() - CCMEM_VM_UNPIN.
 * @vm: the VM; vm->lock held, VM usable.
 * @a: the argument (struct ccmem_pin), a kernel copy.
 *
 * Return: 0, -EINVAL for bad arguments, -ENOENT when no pin has exactly
 * this gpa and size.
 */
long ccmem_vm_unpin(struct ccmem_vm *vm, void *a)
{
	const struct ccmem_pin *arg = a;
	struct ccmem_pin_rec *p;
	int ret;

	ret = ccmem_pin_args(arg);
	if (ret)
		return ret;
	list_for_each_entry(p, &vm->pins, node) {
		if (p->gfn == arg->gpa >> PAGE_SHIFT &&
		    p->npages == arg->size >> PAGE_SHIFT) {
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
