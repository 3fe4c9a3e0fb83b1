// SPDX-License-Identifier: GPL-2.0
/*
 * attr.c - private/shared attributes, kept as ranges.
 *
 * Upstream KVM stores one xarray entry per 4 KiB GFN for
 * KVM_SET_MEMORY_ATTRIBUTES, so converting 64 GiB writes 16M entries. Here
 * the private GFNs of a VM are a set of disjoint, maximal ranges: shared is
 * the absence of a range, and no two ranges touch (a new range merges with
 * its neighbours, a range loses the pages that turn shared and splits in
 * two when they are in its middle). A conversion costs O(log n) plus the
 * ranges it swallows or removes, whatever its size.
 *
 * The ranges are the nodes of a plain rbtree. Being disjoint, they are in
 * the same order by first and by last page, so "the range holding @gfn, or
 * else the next one" is one descent: the first range that ends at or after
 * @gfn. No interval augmentation is needed.
 *
 * Why not a maple tree, as in the first version: every maple tree store
 * preallocates for the worst case of a leaf split (2 * height + 1 nodes,
 * taken from the slab in bulk) and hands the unused ones back. Scattered
 * 4 KiB conversions split leaves often, and that allocate-and-return made
 * them about twice as slow as one xarray entry per page. Here a conversion
 * allocates at most one node (a new isolated range, or the upper half of a
 * split one) and otherwise only moves pointers.
 *
 * Allocation comes first: a store finds what it will change without
 * changing anything, allocates the one node it may need, and only then
 * edits the tree, which cannot fail. A failed store (-ENOMEM) leaves the
 * attributes as they were, so a failed ioctl changes nothing.
 *
 * Locking: vm->lock (a mutex) protects vm->attrs and vm->nr_attr_ranges.
 * Every caller holds it: the VM ioctls, statistics, the pool, and the
 * platform modules' access emulation and conversion-request handlers.
 * There is no lockless reader, so the tree needs no RCU. Only
 * ccmem_attr_destroy() runs without the lock, when the VM has no other
 * user left.
 *
 * Memory: one node per run of private pages, charged to the VMM's memcg
 * (GFP_KERNEL_ACCOUNT). The worst case is one node per two pages of the
 * VM's regions (private and shared pages alternating), capped per VM by
 * max_attr_ranges (limits.c) in ccmem_attr_alloc(), the one place a node
 * is made. A conversion to shared that splits a range needs a node after
 * the pages have left the VM: ccmem_attr_prepare_shared() makes it (or
 * fails) before anything changes. Nodes come from kmalloc (40 bytes, so the 64-byte accounted
 * cache): a dedicated kmem_cache would save the difference but has to be
 * made and destroyed with the module, in main.c.
 */
#include <linux/lockdep.h>
#include <linux/rbtree.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "ccmem_core.h"

/* The private pages [@start, @last] of a VM; no neighbour touches it. */
struct ccmem_attr_range {
	struct rb_node node;	/* in vm->attrs, in gfn order */
	u64 start;
	u64 last;		/* inclusive */
};

static struct ccmem_attr_range *ccmem_attr_next(struct ccmem_attr_range *r)
{
	return rb_entry_safe(rb_next(&r->node), struct ccmem_attr_range, node);
}

/* How many pages of [@gfn, @last] does @r hold? */
static u64 ccmem_attr_overlap(const struct ccmem_attr_range *r, u64 gfn,
			      u64 last)
{
	u64 lo = max(r->start, gfn), hi = min(r->last, last);

	return lo <= hi ? hi - lo + 1 : 0;
}

/*
 * The range that holds @gfn, or else the first one after it; NULL if none.
 * When @linkp is given, *@linkp and *@parentp are where the descent ended:
 * the place to link a new range that lies between that range and the one
 * before it.
 */
static struct ccmem_attr_range *ccmem_attr_seek(struct ccmem_vm *vm, u64 gfn,
						struct rb_node ***linkp,
						struct rb_node **parentp)
{
	struct rb_node **link = &vm->attrs.rb_node, *parent = NULL;
	struct ccmem_attr_range *r, *found = NULL;

	while (*link) {
		parent = *link;
		r = rb_entry(parent, struct ccmem_attr_range, node);
		if (gfn <= r->last) {
			found = r;
			link = &parent->rb_left;
		} else {
			link = &parent->rb_right;
		}
	}
	if (linkp) {
		*linkp = link;
		*parentp = parent;
	}
	return found;
}

/*
 * A new, unlinked range: the only place where ranges are made, so the cap
 * on the ranges of a VM (limits.c: max_attr_ranges, -ENOSPC) is here.
 */
static struct ccmem_attr_range *ccmem_attr_alloc(struct ccmem_vm *vm,
						 u64 start, u64 last)
{
	struct ccmem_attr_range *r = vm->attr_spare;

	if (r) {			/* made and checked in advance */
		vm->attr_spare = NULL;
		r->start = start;
		r->last = last;
		return r;
	}
	if (vm->nr_attr_ranges >= READ_ONCE(ccmem_max_attr_ranges)) {
		vm->stat.attr_ranges_refused++;
		return ERR_PTR(-ENOSPC);
	}
	r = kmalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return ERR_PTR(-ENOMEM);
	r->start = start;
	r->last = last;
	return r;
}

static void ccmem_attr_link(struct ccmem_vm *vm, struct ccmem_attr_range *r,
			    struct rb_node *parent, struct rb_node **link)
{
	rb_link_node(&r->node, parent, link);
	rb_insert_color(&r->node, &vm->attrs);
	vm->nr_attr_ranges++;
}

/* Link @r right after @prev, which ends before @r starts. */
static void ccmem_attr_link_after(struct ccmem_vm *vm,
				  struct ccmem_attr_range *prev,
				  struct ccmem_attr_range *r)
{
	struct rb_node **link = &prev->node.rb_right, *parent = &prev->node;

	while (*link) {
		parent = *link;
		link = &parent->rb_left;
	}
	ccmem_attr_link(vm, r, parent, link);
}

static void ccmem_attr_remove(struct ccmem_vm *vm, struct ccmem_attr_range *r)
{
	rb_erase(&r->node, &vm->attrs);
	vm->nr_attr_ranges--;
	kfree(r);
}

/**
 * ccmem_gfn_is_private() - is @gfn private?
 * @vm: the VM; vm->lock held.
 * @gfn: guest frame number.
 */
bool ccmem_gfn_is_private(struct ccmem_vm *vm, u64 gfn)
{
	struct ccmem_attr_range *r;

	lockdep_assert_held(&vm->lock);
	r = ccmem_attr_seek(vm, gfn, NULL, NULL);
	return r && r->start <= gfn;
}
EXPORT_SYMBOL_GPL(ccmem_gfn_is_private);

/**
 * ccmem_count_private() - number of private pages in a range.
 * @vm: the VM; vm->lock held.
 * @gfn: first page.
 * @npages: number of pages, at least 1.
 *
 * Cost: O(log n) plus the number of private ranges that intersect the
 * range.
 */
u64 ccmem_count_private(struct ccmem_vm *vm, u64 gfn, u64 npages)
{
	u64 last = gfn + npages - 1, n = 0;
	struct ccmem_attr_range *r;

	lockdep_assert_held(&vm->lock);
	for (r = ccmem_attr_seek(vm, gfn, NULL, NULL); r && r->start <= last;
	     r = ccmem_attr_next(r)) {
		n += ccmem_attr_overlap(r, gfn, last);
		if (r->last >= last)
			break;		/* the next range starts after @last */
		cond_resched();
	}
	return n;
}

/**
 * ccmem_range_is_private() - is every page of the range private?
 * @vm: the VM; vm->lock held.
 * @gfn: first page.
 * @npages: number of pages, at least 1.
 *
 * Ranges are maximal, so a wholly private range lies inside one of them:
 * one descent, however many pages.
 */
bool ccmem_range_is_private(struct ccmem_vm *vm, u64 gfn, u64 npages)
{
	struct ccmem_attr_range *r;

	lockdep_assert_held(&vm->lock);
	r = ccmem_attr_seek(vm, gfn, NULL, NULL);
	return r && r->start <= gfn && r->last >= gfn + npages - 1;
}

/**
 * ccmem_attr_make_private() - mark a range private.
 * @vm: the VM; vm->lock held.
 * @gfn: first page.
 * @npages: number of pages, at least 1; @gfn + @npages is at most
 *	CCMEM_MAX_GPA >> PAGE_SHIFT.
 * @already: set to the number of pages of the range that were private.
 *
 * One descent finds the first range that holds or touches the new one. If
 * there is none, the new range gets a node of its own (the only
 * allocation). Otherwise that range grows to the union and swallows the
 * ranges after it that the union reaches; a range that is already private
 * changes nothing.
 *
 * Return: 0 or -ENOMEM; on failure the attributes are unchanged.
 */
int ccmem_attr_make_private(struct ccmem_vm *vm, u64 gfn, u64 npages,
			    u64 *already)
{
	u64 last = gfn + npages - 1, end, n;
	struct ccmem_attr_range *r, *next;
	struct rb_node **link, *parent;

	lockdep_assert_held(&vm->lock);
	/* The first range that ends at gfn - 1 or later. */
	r = ccmem_attr_seek(vm, gfn ? gfn - 1 : 0, &link, &parent);
	if (!r || r->start > last + 1) {
		/*
		 * Nothing holds or touches it: it goes where the descent
		 * ended. That place stays valid while the allocation sleeps,
		 * as vm->lock keeps the tree still.
		 */
		r = ccmem_attr_alloc(vm, gfn, last);
		if (IS_ERR(r))
			return PTR_ERR(r);
		ccmem_attr_link(vm, r, parent, link);
		*already = 0;
		return 0;
	}

	n = ccmem_attr_overlap(r, gfn, last);
	end = max(r->last, last);
	while ((next = ccmem_attr_next(r)) && next->start <= last + 1) {
		n += ccmem_attr_overlap(next, gfn, last);
		end = max(end, next->last);
		ccmem_attr_remove(vm, next);
		cond_resched();
	}
	r->start = min(r->start, gfn);
	r->last = end;
	*already = n;
	return 0;
}

/*
 * Mark [@gfn, @last] shared. The range holding @gfn keeps its pages below
 * @gfn, ranges inside go, and the range holding @last keeps its pages above
 * it. When one range holds both ends with pages on both sides, its upper
 * part needs a node of its own: allocated before anything changes.
 */
static int ccmem_attr_make_shared(struct ccmem_vm *vm, u64 gfn, u64 last)
{
	struct ccmem_attr_range *r, *next, *upper;

	r = ccmem_attr_seek(vm, gfn, NULL, NULL);
	if (!r || r->start > last)
		return 0;		/* nothing private in the range */

	if (r->start < gfn && r->last > last) {
		upper = ccmem_attr_alloc(vm, last + 1, r->last);
		if (IS_ERR(upper))
			return PTR_ERR(upper);
		r->last = gfn - 1;
		ccmem_attr_link_after(vm, r, upper);
		return 0;
	}

	if (r->start < gfn) {
		r->last = gfn - 1;
		r = ccmem_attr_next(r);
	}
	while (r && r->last <= last) {
		next = ccmem_attr_next(r);
		ccmem_attr_remove(vm, r);
		r = next;
		cond_resched();
	}
	if (r && r->start <= last)
		r->start = last + 1;
	return 0;
}

/**
 * ccmem_attr_store() - mark a range private or shared.
 * @vm: the VM; vm->lock held.
 * @gfn: first page.
 * @npages: number of pages, at least 1; @gfn + @npages is at most
 *	CCMEM_MAX_GPA >> PAGE_SHIFT.
 * @priv: true for private.
 *
 * Return: 0 or -ENOMEM; on failure the attributes are unchanged.
 */
int ccmem_attr_store(struct ccmem_vm *vm, u64 gfn, u64 npages, bool priv)
{
	u64 already;

	lockdep_assert_held(&vm->lock);
	if (priv)
		return ccmem_attr_make_private(vm, gfn, npages, &already);
	return ccmem_attr_make_shared(vm, gfn, gfn + npages - 1);
}

/**
 * ccmem_attr_nr_ranges() - number of private ranges stored.
 * @vm: the VM; vm->lock held.
 */
u64 ccmem_attr_nr_ranges(struct ccmem_vm *vm)
{
	lockdep_assert_held(&vm->lock);
	return vm->nr_attr_ranges;
}

/**
 * ccmem_attr_init() - start a VM with every page shared.
 * @vm: the new VM.
 */
void ccmem_attr_init(struct ccmem_vm *vm)
{
	vm->attrs = RB_ROOT;
	vm->nr_attr_ranges = 0;
	vm->attr_spare = NULL;
}

/**
 * ccmem_attr_prepare_shared() - make sure that marking a range shared
 * cannot fail.
 * @vm: the VM; vm->lock held.
 * @gfn: first page.
 * @npages: number of pages, at least 1.
 *
 * Only a range that lies inside one private range, short of both its
 * ends, needs a node (for the upper part). That node is made here, under
 * the cap, and kept for the store.
 *
 * Return: 0, -ENOSPC (max_attr_ranges) or -ENOMEM; nothing changed.
 */
int ccmem_attr_prepare_shared(struct ccmem_vm *vm, u64 gfn, u64 npages)
{
	struct ccmem_attr_range *r;
	u64 last = gfn + npages - 1;

	lockdep_assert_held(&vm->lock);
	r = ccmem_attr_seek(vm, gfn, NULL, NULL);
	if (!r || r->start >= gfn || r->last <= last || vm->attr_spare)
		return 0;
	r = ccmem_attr_alloc(vm, 0, 0);
	if (IS_ERR(r))
		return PTR_ERR(r);
	vm->attr_spare = r;
	return 0;
}

/**
 * ccmem_attr_destroy() - free the ranges of a VM.
 * @vm: the VM, which nothing else uses any more; vm->lock not needed.
 */
void ccmem_attr_destroy(struct ccmem_vm *vm)
{
	struct ccmem_attr_range *r, *next;

	rbtree_postorder_for_each_entry_safe(r, next, &vm->attrs, node) {
		kfree(r);
		cond_resched();
	}
	kfree(vm->attr_spare);
	ccmem_attr_init(vm);
}
