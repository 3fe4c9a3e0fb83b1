// SPDX-License-Identifier: GPL-2.0
/*
 * pool.c - the private memory pool: populate, release, scrub, leak.
 *
 * Private pages are allocated on demand, when the VMM populates a range or
 * when the guest first touches or validates a private page. A whole 2 MiB
 * aligned block that is private and empty is backed by one 2 MiB aligned
 * allocation and assigned with one 2 MiB platform entry; everything else
 * is 4 KiB.
 *
 * A page leaves a VM (conversion to shared, VM destroy, platform module
 * unload) in three steps: the platform gives it back to the hypervisor,
 * the page is scrubbed, and it goes to a free list of scrubbed pages (or
 * back to the page allocator). A page whose platform state is unknown
 * after a failed operation is leaked: counted, never freed, and the VM is
 * marked dead.
 */
#define pr_fmt(fmt) "ccmem: " fmt

#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/uaccess.h>

#include "ccmem_core.h"
#include "ccmem_trace.h"

#define CCMEM_PLATFORM_TRIES	8	/* attempts on a transient conflict */
#define CCMEM_FREE_LIST_MAX	4096	/* scrubbed pages kept for reuse */

/*
 * Scrubbed pages ready for reuse. Reuse is LIFO, which is also what makes
 * the scrub selftests meaningful: a page released by one conversion is the
 * next one handed out.
 */
static LIST_HEAD(ccmem_free_list);
static DEFINE_SPINLOCK(ccmem_free_lock);	/* protects ccmem_free_list */
static unsigned long ccmem_free_count;

static struct page *ccmem_pool_alloc_4k(void)
{
	struct page *page = NULL;

	spin_lock(&ccmem_free_lock);
	if (ccmem_free_count) {
		page = list_first_entry(&ccmem_free_list, struct page, lru);
		list_del(&page->lru);
		ccmem_free_count--;
		atomic64_dec(&ccmem_gstats.free_list_pages);
	}
	spin_unlock(&ccmem_free_lock);
	if (!page)
		page = alloc_page(GFP_HIGHUSER | __GFP_ZERO | __GFP_ACCOUNT);
	return page;
}

/* 512 independent, zeroed pages; physically contiguous and 2 MiB aligned. */
static struct page *ccmem_pool_alloc_2m(void)
{
	struct page *page;

	page = alloc_pages(GFP_HIGHUSER | __GFP_ZERO | __GFP_NOWARN |
			   __GFP_NORETRY | __GFP_ACCOUNT, PMD_ORDER);
	if (page)
		split_page(page, PMD_ORDER);
	return page;
}

/* Scrub a page that has left the guest and give it back. */
static void ccmem_pool_scrub_free(struct page *page)
{
	clear_highpage(page);
	atomic64_inc(&ccmem_gstats.scrubbed_pages);

	spin_lock(&ccmem_free_lock);
	if (ccmem_free_count < CCMEM_FREE_LIST_MAX) {
		list_add(&page->lru, &ccmem_free_list);
		ccmem_free_count++;
		atomic64_inc(&ccmem_gstats.free_list_pages);
		page = NULL;
	}
	spin_unlock(&ccmem_free_lock);
	if (page)
		__free_page(page);
}

enum ccmem_platform_op { CCMEM_OP_ASSIGN, CCMEM_OP_UNASSIGN, CCMEM_OP_SPLIT };

/*
 * Run one platform operation, retrying a bounded number of times on a
 * transient conflict (the platform module returns -EAGAIN).
 * Return: 0; -ENOMEM when the platform module could not allocate what
 * the operation needs and nothing changed (a table of its own); or
 * -EIO when the page state can no longer be trusted.
 */
static int ccmem_platform(struct ccmem_vm *vm, enum ccmem_platform_op op,
			  u64 gfn, u64 pfn, int order, bool immutable)
{
	int i, ret = -EIO;

	for (i = 0; i < CCMEM_PLATFORM_TRIES; i++) {
		switch (op) {
		case CCMEM_OP_ASSIGN:
			ret = vm->arch->assign(vm, gfn, pfn, order, immutable);
			break;
		case CCMEM_OP_UNASSIGN:
			ret = vm->arch->unassign(vm, gfn, pfn, order, immutable);
			break;
		case CCMEM_OP_SPLIT:
			ret = vm->arch->split(vm, gfn, pfn);
			break;
		}
		if (ret == -ENOMEM)
			return ret;
		if (ret != -EAGAIN)
			return ret ? -EIO : 0;
		vm->stat.platform_retries++;
		cond_resched();
	}
	return -EIO;
}

/**
 * ccmem_leak_vm() - mark a VM dead after a platform failure.
 * @vm: the VM; vm->lock held.
 * @what: the failed operation, for the log.
 * @err: its error.
 */
void ccmem_leak_vm(struct ccmem_vm *vm, const char *what, int err)
{
	if (vm->state == CCMEM_VM_STATE_LIVE)
		pr_err("vm %u: %s failed (%d): pages leaked, VM is dead\n",
		       vm->id, what, err);
	vm->state = CCMEM_VM_STATE_DEAD;
}

/* Forget @n pages at @gfn whose platform state is unknown; never free them. */
static void ccmem_leak_pages(struct ccmem_vm *vm, u64 gfn, u64 pfn, u64 n)
{
	ccmem_pages_forget(vm, gfn, n);
	if (vm->arch->leak)
		vm->arch->leak(vm, pfn, n);
	trace_ccmem_leak(vm->id, gfn, pfn, n == 1 ? 0 : PMD_ORDER);
	vm->stat.populated_pages -= n;
	vm->stat.leaked_pages += n;
	atomic64_sub(n, &ccmem_gstats.pool_pages);
	atomic64_add(n, &ccmem_gstats.leaked_pages);
}

static int ccmem_store_pages(struct ccmem_vm *vm, u64 gfn, u64 pfn, u64 n,
			     unsigned long flags)
{
	u64 i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = xa_err(xa_store(&vm->pages, gfn + i,
				      ccmem_pg_mk(pfn + i, flags),
				      GFP_KERNEL_ACCOUNT));
		if (ret) {
			ccmem_pages_forget(vm, gfn, i);
			return ret;
		}
	}
	return 0;
}

/* Back @n (1 or 512) pages at @gfn with @page and assign them. */
static int ccmem_assign_new(struct ccmem_vm *vm, u64 gfn, struct page *page,
			    u64 n, bool immutable)
{
	int order = n == 1 ? 0 : PMD_ORDER;
	unsigned long flags = (order ? CCMEM_PG_ASSIGNED_2M : 0) |
			      (immutable ? CCMEM_PG_IMMUTABLE : 0);
	u64 pfn = page_to_pfn(page), i;
	int ret;

	ret = ccmem_store_pages(vm, gfn, pfn, n, flags);
	if (ret) {
		for (i = 0; i < n; i++)
			__free_page(page + i);
		return ret;
	}
	vm->stat.populated_pages += n;
	atomic64_add(n, &ccmem_gstats.pool_pages);

	ret = ccmem_platform(vm, CCMEM_OP_ASSIGN, gfn, pfn, order, immutable);
	if (ret == -ENOMEM) {
		/* Nothing was assigned: the pages go straight back. */
		ccmem_pages_forget(vm, gfn, n);
		for (i = 0; i < n; i++)
			__free_page(page + i);
		vm->stat.populated_pages -= n;
		atomic64_sub(n, &ccmem_gstats.pool_pages);
		return ret;
	}
	if (ret) {
		ccmem_leak_pages(vm, gfn, pfn, n);
		ccmem_leak_vm(vm, "assign", ret);
		return ret;
	}
	if (order)
		vm->stat.assigned_2m++;
	else
		vm->stat.assigned_4k++;
	trace_ccmem_populate(vm->id, gfn, pfn, order);
	return 0;
}

/*
 * Can the 2 MiB block at @base be backed by one 2 MiB entry? It must lie
 * inside [@lo, @hi) and inside one region, be entirely private, and have
 * no page yet.
 */
static bool ccmem_block_fits_2m(struct ccmem_vm *vm, u64 base, u64 lo, u64 hi)
{
	const struct ccmem_mem_region *r;
	unsigned long idx = base;

	if (base < lo || base + PTRS_PER_PMD > hi)
		return false;
	r = ccmem_find_region(vm, base);
	if (!r || base + PTRS_PER_PMD > r->gfn + r->npages)
		return false;
	if (!ccmem_range_is_private(vm, base, PTRS_PER_PMD))
		return false;
	return !xa_find(&vm->pages, &idx, base + PTRS_PER_PMD - 1, XA_PRESENT);
}

/*
 * Populate the page at @gfn (private, no page yet), as part of a whole
 * 2 MiB block when the block fits in [@lo, @hi). Sets *@n to the pages
 * populated.
 */
static int ccmem_populate_one(struct ccmem_vm *vm, u64 gfn, u64 lo, u64 hi,
			      bool immutable, u64 *n)
{
	u64 base = ALIGN_DOWN(gfn, PTRS_PER_PMD);
	bool launch_4k = immutable &&
			 (vm->arch->flags & CCMEM_ARCH_F_LAUNCH_4K);
	struct page *page;

	if (!launch_4k && ccmem_block_fits_2m(vm, base, lo, hi)) {
		page = ccmem_pool_alloc_2m();
		if (page) {
			*n = PTRS_PER_PMD;
			return ccmem_assign_new(vm, base, page, PTRS_PER_PMD,
						immutable);
		}
		/* No contiguous memory: fall back to 4 KiB. */
	}
	page = ccmem_pool_alloc_4k();
	if (!page)
		return -ENOMEM;
	*n = 1;
	return ccmem_assign_new(vm, gfn, page, 1, immutable);
}

/*
 * Give the private @gfn its backing unless it has one, as part of a whole
 * 2 MiB block when the block fits in [@lo, @hi).
 */
static int ccmem_populate_in(struct ccmem_vm *vm, u64 gfn, u64 lo, u64 hi,
			     bool immutable)
{
	u64 n;

	if (xa_load(&vm->pages, gfn))
		return 0;
	if (!ccmem_find_region(vm, gfn))
		return -ENOENT;
	if (!ccmem_gfn_is_private(vm, gfn))
		return -EPERM;
	return ccmem_populate_one(vm, gfn, lo, hi, immutable, &n);
}

/**
 * ccmem_populate_gfn() - give a private gfn its backing, on demand.
 * @vm: the VM; vm->lock held, VM usable.
 * @gfn: a private guest frame.
 * @immutable: assign as an immutable launch page.
 *
 * Return: 0 (also when already populated), -EPERM if @gfn is shared,
 * -ENOENT if it is in no region, -ENOMEM, or -EIO (VM now dead).
 */
int ccmem_populate_gfn(struct ccmem_vm *vm, u64 gfn, bool immutable)
{
	return ccmem_populate_in(vm, gfn, 0, U64_MAX, immutable);
}

/**
 * ccmem_vm_populate_gfn() - give a private gfn its backing, no larger than
 * the guest asked for.
 * @vm: the VM; vm->lock held, VM usable.
 * @gfn: a private guest frame.
 * @max_order: 0 to back it with a 4 KiB page only; PMD_ORDER to back the
 *	whole 2 MiB block with one 2 MiB entry when it fits (entirely
 *	private, in one region, no page yet), else 4 KiB.
 *
 * The host side of an accept or access exit that names the level the
 * guest used (a platform whose guest accepts at a level the host must
 * honour): the host maps no larger, as KVM does.
 *
 * Return: as ccmem_populate_gfn().
 */
int ccmem_vm_populate_gfn(struct ccmem_vm *vm, u64 gfn, int max_order)
{
	/* A 2 MiB block fits only inside [lo, hi): [gfn, gfn + 1) is 4K. */
	if (max_order < PMD_ORDER)
		return ccmem_populate_in(vm, gfn, gfn, gfn + 1, false);
	return ccmem_populate_in(vm, gfn, 0, U64_MAX, false);
}
EXPORT_SYMBOL_GPL(ccmem_vm_populate_gfn);

/**
 * ccmem_private_page() - the private page backing @gfn, or NULL.
 * @vm: the VM; vm->lock held.
 * @gfn: guest frame.
 * @entry: out, optional: the raw entry (see ccmem_pg_flags()).
 */
struct page *ccmem_private_page(struct ccmem_vm *vm, u64 gfn, void **entry)
{
	void *e = xa_load(&vm->pages, gfn);

	if (entry)
		*entry = e;
	return e ? pfn_to_page(ccmem_pg_pfn(e)) : NULL;
}

/* Return pages to the hypervisor, scrub and free them. */
static int ccmem_release_pages(struct ccmem_vm *vm, u64 gfn, u64 pfn, u64 n,
			       unsigned long flags)
{
	int order = n == 1 ? 0 : PMD_ORDER;
	u64 i;
	int ret;

	ret = ccmem_platform(vm, CCMEM_OP_UNASSIGN, gfn, pfn, order,
			     flags & CCMEM_PG_IMMUTABLE);
	if (ret) {
		ccmem_leak_pages(vm, gfn, pfn, n);
		ccmem_leak_vm(vm, "unassign", ret);
		return -EIO;
	}
	ccmem_pages_forget(vm, gfn, n);
	for (i = 0; i < n; i++)
		ccmem_pool_scrub_free(pfn_to_page(pfn + i));
	trace_ccmem_reclaim(vm->id, gfn, pfn, order);
	vm->stat.populated_pages -= n;
	vm->stat.scrubbed_pages += n;
	vm->stat.reclaimed_pages += n;
	atomic64_sub(n, &ccmem_gstats.pool_pages);
	atomic64_add(n, &ccmem_gstats.reclaimed_pages);
	return 0;
}

/* Split the 2 MiB assignment of the block at @base into 512 4 KiB ones. */
static int ccmem_split_block(struct ccmem_vm *vm, u64 base, u64 base_pfn,
			     unsigned long flags)
{
	int ret;

	ret = ccmem_platform(vm, CCMEM_OP_SPLIT, base, base_pfn, PMD_ORDER,
			     false);
	if (ret) {
		/* Also -ENOMEM: the platform may have changed state first. */
		ccmem_leak_pages(vm, base, base_pfn, PTRS_PER_PMD);
		ccmem_leak_vm(vm, "split", ret);
		return -EIO;
	}
	vm->stat.splits++;
	/* Cannot fail: every index already holds an entry. */
	return ccmem_store_pages(vm, base, base_pfn, PTRS_PER_PMD,
				 flags & ~CCMEM_PG_ASSIGNED_2M);
}

/**
 * ccmem_vm_split_2m() - split the 2 MiB assignment that covers @gfn.
 * @vm: the VM; vm->lock held, VM usable.
 * @gfn: a populated private gfn.
 *
 * The host side of a nested page fault on a size mismatch: the guest used
 * a 4 KiB operation or mapping on a page the platform holds as 2 MiB, so
 * the host splits the platform's entry and lets the guest retry.
 *
 * Return: 0 (also when already 4 KiB), -ENOENT without a page, -EIO.
 */
int ccmem_vm_split_2m(struct ccmem_vm *vm, u64 gfn)
{
	void *entry = xa_load(&vm->pages, gfn);
	u64 base = ALIGN_DOWN(gfn, PTRS_PER_PMD);

	if (!entry)
		return -ENOENT;
	if (!(ccmem_pg_flags(entry) & CCMEM_PG_ASSIGNED_2M))
		return 0;
	return ccmem_split_block(vm, base, ccmem_pg_pfn(entry) - (gfn - base),
				 ccmem_pg_flags(entry));
}
EXPORT_SYMBOL_GPL(ccmem_vm_split_2m);

/**
 * ccmem_vm_unsmash() - honour a guest's UNSMASH hint for a 2 MiB range.
 * @vm: the VM; vm->lock held, VM usable.
 * @gfn: the 512-aligned first gfn.
 *
 * No platform instruction merges 512 4 KiB entries back. When the whole
 * 2 MiB range is private and no page in it is accepted, the pages
 * are released instead (scrubbed, back to the pool), so that the next
 * guest access assigns the range as one 2 MiB block again. Accepted
 * pages would lose their guest state, so then the hint is declined.
 *
 * Return: 0 when honoured (or already 2 MiB), -EBUSY when declined,
 * -EIO when the release leaked a page.
 */
int ccmem_vm_unsmash(struct ccmem_vm *vm, u64 gfn)
{
	unsigned long idx;
	void *entry;

	if (!ccmem_range_is_private(vm, gfn, PTRS_PER_PMD))
		return -EBUSY;
	entry = xa_load(&vm->pages, gfn);
	if (entry && (ccmem_pg_flags(entry) & CCMEM_PG_ASSIGNED_2M))
		return 0;
	xa_for_each_range(&vm->pages, idx, entry, gfn, gfn + PTRS_PER_PMD - 1) {
		if ((ccmem_pg_flags(entry) & CCMEM_PG_IMMUTABLE) ||
		    vm->arch->accepted(vm, idx, ccmem_pg_pfn(entry)))
			return -EBUSY;
	}
	return ccmem_release_range(vm, gfn, PTRS_PER_PMD);
}
EXPORT_SYMBOL_GPL(ccmem_vm_unsmash);

static int __ccmem_release_range(struct ccmem_vm *vm, u64 gfn, u64 npages,
				 bool tidy);

/**
 * ccmem_release_range() - take every private page of a range from the VM.
 * @vm: the VM; vm->lock held and vm->arch set.
 * @gfn: first page.
 * @npages: number of pages.
 *
 * 2 MiB assignments wholly inside the range are released as one; ones that
 * straddle its edge are split first. Cost: the populated pages in the
 * range. A failure leaks the affected pages and marks the VM dead, and the
 * walk goes on so that a VM being destroyed gives back all it can.
 *
 * Return: 0, or -EIO if any page was leaked.
 */
int ccmem_release_range(struct ccmem_vm *vm, u64 gfn, u64 npages)
{
	return __ccmem_release_range(vm, gfn, npages, true);
}

/*
 * The 2 MiB block at @base may have lost its last page: then the platform
 * may tidy what it keeps for the block (a table of 4 KiB entries).
 */
static void ccmem_block_emptied(struct ccmem_vm *vm, u64 base)
{
	unsigned long idx = base;

	if (!vm->arch->block_empty || vm->state != CCMEM_VM_STATE_LIVE)
		return;
	if (xa_find(&vm->pages, &idx, base + PTRS_PER_PMD - 1, XA_PRESENT))
		return;
	vm->arch->block_empty(vm, base);
}

static int __ccmem_release_range(struct ccmem_vm *vm, u64 gfn, u64 npages,
				 bool tidy)
{
	u64 last = gfn + npages - 1, prev = U64_MAX;
	unsigned long idx;
	void *entry;
	int ret = 0;

	xa_for_each_range(&vm->pages, idx, entry, gfn, last) {
		u64 pfn = ccmem_pg_pfn(entry);
		unsigned long flags = ccmem_pg_flags(entry);
		u64 base = ALIGN_DOWN(idx, PTRS_PER_PMD);
		u64 base_pfn = pfn - (idx - base);

		if (tidy && prev != U64_MAX && base != prev)
			ccmem_block_emptied(vm, prev);
		prev = base;

		if (flags & CCMEM_PG_ASSIGNED_2M) {
			if (base >= gfn && base + PTRS_PER_PMD - 1 <= last) {
				if (ccmem_release_pages(vm, base, base_pfn,
							PTRS_PER_PMD, flags))
					ret = -EIO;
				idx = base + PTRS_PER_PMD - 1;
				continue;
			}
			if (ccmem_split_block(vm, base, base_pfn, flags)) {
				ret = -EIO;
				idx = base + PTRS_PER_PMD - 1;
				continue;
			}
		}
		if (ccmem_release_pages(vm, idx, pfn, 1, flags))
			ret = -EIO;
		cond_resched();
	}
	if (tidy && prev != U64_MAX)
		ccmem_block_emptied(vm, prev);
	return ret;
}

/**
 * ccmem_vm_populate() - CCMEM_VM_POPULATE.
 * @vm: the VM; vm->lock held, VM usable.
 * @p: the argument (struct ccmem_populate), a kernel copy; gets populated.
 *
 * Return: 0 or a negative errno as documented in the uapi.
 */
long ccmem_vm_populate(struct ccmem_vm *vm, void *p)
{
	struct ccmem_populate arg = *(struct ccmem_populate *)p;
	u64 gfn, end, n, done = 0;
	bool immutable;
	int ret = 0;

	if ((arg.flags & ~CCMEM_POPULATE_F_IMMUTABLE) || arg.reserved0 ||
	    arg.reserved[0] || arg.reserved[1])
		return -EINVAL;
	if (!arg.size || !PAGE_ALIGNED(arg.gpa) || !PAGE_ALIGNED(arg.size) ||
	    arg.gpa >= CCMEM_MAX_GPA || arg.size > CCMEM_MAX_GPA - arg.gpa)
		return -EINVAL;

	gfn = arg.gpa >> PAGE_SHIFT;
	end = gfn + (arg.size >> PAGE_SHIFT);
	if (!ccmem_range_in_regions(vm, gfn, end - gfn))
		return -ENOENT;
	if (!ccmem_range_is_private(vm, gfn, end - gfn))
		return -EPERM;

	immutable = arg.flags & CCMEM_POPULATE_F_IMMUTABLE;
	if (immutable && vm->finalized)
		return -EBUSY;	/* launch pages only before the launch ends */
	for (; gfn < end; gfn++) {
		if (xa_load(&vm->pages, gfn))
			continue;
		ret = ccmem_populate_one(vm, gfn, arg.gpa >> PAGE_SHIFT, end,
					 immutable, &n);
		if (ret)
			break;
		done += n;
		gfn += n - 1;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
	}

	((struct ccmem_populate *)p)->populated = done << PAGE_SHIFT;
	return ret;
}

/*
 * Add @page, which holds the launch content of @gfn, as an immutable
 * launch page. Called with vm->lock held; @page is consumed either way.
 */
static int ccmem_launch_page(struct ccmem_vm *vm, u64 gfn, struct page *page)
{
	u64 pfn;
	int ret = 0;

	if (!ccmem_vm_usable(vm))
		ret = vm->state == CCMEM_VM_STATE_DEAD ? -EIO : -ENODEV;
	else if (vm->finalized)
		ret = -EBUSY;
	else if (!ccmem_find_region(vm, gfn))
		ret = -ENOENT;
	else if (!ccmem_gfn_is_private(vm, gfn))
		ret = -EPERM;
	else if (xa_load(&vm->pages, gfn))
		ret = -EEXIST;
	if (ret) {
		ccmem_pool_scrub_free(page);
		return ret;
	}
	/* Launch pages are 4 KiB on every platform here. */
	pfn = page_to_pfn(page);
	ret = ccmem_assign_new(vm, gfn, page, 1, true);
	if (ret || !vm->arch->launch)
		return ret;
	ret = vm->arch->launch(vm, gfn, pfn);
	if (ret) {
		ccmem_leak_pages(vm, gfn, pfn, 1);
		ccmem_leak_vm(vm, "launch", ret);
		return -EIO;
	}
	/* Firmware made it an ordinary guest page: no longer immutable. */
	xa_store(&vm->pages, gfn, ccmem_pg_mk(pfn, 0), GFP_KERNEL);
	return 0;
}

/**
 * ccmem_vm_launch_update() - CCMEM_VM_LAUNCH_UPDATE.
 * @vm: the VM (any state); takes vm->lock itself, page by page.
 * @p: the argument (struct ccmem_launch_update), a kernel copy; gets done.
 *
 * Each page's content is copied from the VMM into a fresh pool page with
 * no lock held (the VMM's memory can fault, or block under userfaultfd),
 * then the page is added under vm->lock.
 *
 * Return: 0 or a negative errno as documented in the uapi.
 */
long ccmem_vm_launch_update(struct ccmem_vm *vm, void *p)
{
	struct ccmem_launch_update *arg = p;
	const char __user *src = u64_to_user_ptr(arg->source);
	u64 off, gfn;
	struct page *page;
	unsigned long left;
	void *kaddr;
	long ret = 0;

	arg->done = 0;
	if (arg->flags || arg->reserved0 ||
	    !mem_is_zero(arg->reserved, sizeof(arg->reserved)))
		return -EINVAL;
	if (!arg->size || !PAGE_ALIGNED(arg->gpa) || !PAGE_ALIGNED(arg->size) ||
	    arg->gpa >= CCMEM_MAX_GPA || arg->size > CCMEM_MAX_GPA - arg->gpa)
		return -EINVAL;
	if (!access_ok(src, arg->size))
		return -EFAULT;

	for (off = 0; off < arg->size; off += PAGE_SIZE) {
		gfn = (arg->gpa + off) >> PAGE_SHIFT;
		page = ccmem_pool_alloc_4k();
		if (!page) {
			ret = -ENOMEM;
			break;
		}
		kaddr = kmap_local_page(page);
		left = copy_from_user(kaddr, src + off, PAGE_SIZE);
		kunmap_local(kaddr);
		if (left) {
			ccmem_pool_scrub_free(page);
			ret = -EFAULT;
			break;
		}
		if (mutex_lock_killable(&vm->lock)) {
			ccmem_pool_scrub_free(page);
			ret = -EINTR;
			break;
		}
		ret = ccmem_launch_page(vm, gfn, page);
		mutex_unlock(&vm->lock);
		if (ret)
			break;
		arg->done += PAGE_SIZE;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
	}
	return ret;
}

/**
 * ccmem_vm_resolve_private() - the page behind a private gfn.
 * @vm: the VM; vm->lock held, VM usable.
 * @gfn: guest frame.
 * @populate: allocate and assign the page if it has none yet.
 * @pfn: out: its pfn.
 * @assigned_2m: out: it is covered by a 2 MiB platform entry.
 *
 * Return: 0; -EPERM if @gfn is shared; -ENOENT if it is in no region or
 * has no page and @populate is false; -ENOMEM; -EIO.
 */
int ccmem_vm_resolve_private(struct ccmem_vm *vm, u64 gfn, bool populate,
			     u64 *pfn, bool *assigned_2m)
{
	void *entry;
	int ret;

	if (!ccmem_find_region(vm, gfn))
		return -ENOENT;
	if (!ccmem_gfn_is_private(vm, gfn))
		return -EPERM;
	entry = xa_load(&vm->pages, gfn);
	if (!entry) {
		if (!populate)
			return -ENOENT;
		ret = ccmem_populate_gfn(vm, gfn, false);
		if (ret)
			return ret;
		entry = xa_load(&vm->pages, gfn);
	}
	*pfn = ccmem_pg_pfn(entry);
	*assigned_2m = ccmem_pg_flags(entry) & CCMEM_PG_ASSIGNED_2M;
	return 0;
}
EXPORT_SYMBOL_GPL(ccmem_vm_resolve_private);

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
	/* The platform frees its own tables with the VM: no tidying. */
	__ccmem_release_range(vm, 0, CCMEM_MAX_GPA >> PAGE_SHIFT, false);
}

void ccmem_pool_exit(void)
{
	struct page *page, *tmp;

	spin_lock(&ccmem_free_lock);
	list_for_each_entry_safe(page, tmp, &ccmem_free_list, lru) {
		list_del(&page->lru);
		__free_page(page);
	}
	ccmem_free_count = 0;
	atomic64_set(&ccmem_gstats.free_list_pages, 0);
	spin_unlock(&ccmem_free_lock);
}
