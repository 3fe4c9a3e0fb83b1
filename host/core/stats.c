// SPDX-License-Identifier: GPL-2.0
/*
 * stats.c - what a user can see without a debugger: VM statistics, the
 * memory map, and debugfs.
 *
 *   /sys/kernel/debug/ccmem/stats		global counters
 *   /sys/kernel/debug/ccmem/vm-<id>/stats	one VM's counters
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "ccmem_core.h"

static struct dentry *ccmem_debugfs_root;

static void ccmem_fill_stats(struct ccmem_vm *vm, struct ccmem_vm_stats *s)
{
	const struct ccmem_vm_counters *c = &vm->stat;

	memset(s, 0, sizeof(*s));
	s->state = vm->state;
	s->private_bytes = c->private_pages << PAGE_SHIFT;
	s->shared_bytes = (vm->region_pages - c->private_pages) << PAGE_SHIFT;
	s->attr_ranges = ccmem_attr_nr_ranges(vm);
	s->populated_pages = c->populated_pages;
	s->assigned_2m = c->assigned_2m;
	s->assigned_4k = c->assigned_4k;
	s->to_private = c->to_private;
	s->to_shared = c->to_shared;
	s->scrubbed_pages = c->scrubbed_pages;
	s->reclaimed_pages = c->reclaimed_pages;
	s->leaked_pages = c->leaked_pages;
	s->splits = c->splits;
	s->platform_retries = c->platform_retries;
	s->pinned_pages = c->pinned_pages;
	s->faults_queued = c->faults_queued;
	s->faults_backpressure = c->faults_backpressure;
	s->sigbus = atomic64_read(&c->sigbus);
}

/**
 * ccmem_vm_get_stats() - CCMEM_VM_GET_STATS.
 * @vm: the VM (any state).
 * @uarg: user pointer to struct ccmem_vm_stats; flags and reserved zero.
 */
long ccmem_vm_get_stats(struct ccmem_vm *vm, void __user *uarg)
{
	struct ccmem_vm_stats s;
	unsigned int i;

	if (copy_from_user(&s, uarg, sizeof(s)))
		return -EFAULT;
	if (s.flags)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(s.reserved); i++)
		if (s.reserved[i])
			return -EINVAL;

	if (mutex_lock_killable(&vm->lock))
		return -EINTR;
	ccmem_fill_stats(vm, &s);
	mutex_unlock(&vm->lock);

	if (copy_to_user(uarg, &s, sizeof(s)))
		return -EFAULT;
	return 0;
}

/* Pages of [gfn, gfn + n) that lie in some region. */
static u64 ccmem_pages_in_regions(struct ccmem_vm *vm, u64 gfn, u64 n)
{
	u64 covered = 0;
	u32 i;

	for (i = 0; i < vm->nr_regions; i++) {
		const struct ccmem_mem_region *r = &vm->regions[i];
		u64 lo = max(gfn, r->gfn);
		u64 hi = min(gfn + n, r->gfn + r->npages);

		if (lo < hi)
			covered += hi - lo;
	}
	return covered;
}

static u8 ccmem_map_unit(struct ccmem_vm *vm, u64 gfn, u64 n)
{
	u64 covered = ccmem_pages_in_regions(vm, gfn, n);
	u64 priv = covered ? ccmem_count_private(vm, gfn, n) : 0;
	u64 populated = 0;
	unsigned long idx;
	void *entry;
	u8 bits = 0;

	if (covered < n)
		bits |= CCMEM_MAP_HOLE;
	if (priv)
		bits |= CCMEM_MAP_PRIVATE;
	if (covered > priv)
		bits |= CCMEM_MAP_SHARED;
	if (covered && ccmem_range_pinned(vm, gfn, n))
		bits |= CCMEM_MAP_PINNED;

	xa_for_each_range(&vm->pages, idx, entry, gfn, gfn + n - 1) {
		populated++;
		if (vm->arch && vm->arch->validated(vm, idx, ccmem_pg_pfn(entry)))
			bits |= CCMEM_MAP_VALIDATED;
		else
			bits |= CCMEM_MAP_UNVALIDATED;
	}
	if (priv > populated)
		bits |= CCMEM_MAP_UNVALIDATED;
	return bits;
}

/**
 * ccmem_vm_get_map() - CCMEM_VM_GET_MAP: one byte of CCMEM_MAP_* per unit.
 * @vm: the VM (any state).
 * @uarg: user pointer to struct ccmem_map.
 */
long ccmem_vm_get_map(struct ccmem_vm *vm, void __user *uarg)
{
	struct ccmem_map arg;
	u64 units, unit_pages, i;
	u8 *buf;
	int ret = 0;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags || arg.reserved[0] || arg.reserved[1])
		return -EINVAL;
	if (arg.unit_shift < PAGE_SHIFT || arg.unit_shift > 30)
		return -EINVAL;
	if (!arg.size || arg.gpa >= CCMEM_MAX_GPA ||
	    arg.size > CCMEM_MAX_GPA - arg.gpa ||
	    !IS_ALIGNED(arg.gpa | arg.size, 1ULL << arg.unit_shift))
		return -EINVAL;
	units = arg.size >> arg.unit_shift;
	if (units > (1U << 20))
		return -E2BIG;

	buf = kvmalloc(units, GFP_KERNEL_ACCOUNT);
	if (!buf)
		return -ENOMEM;
	unit_pages = 1ULL << (arg.unit_shift - PAGE_SHIFT);

	if (mutex_lock_killable(&vm->lock)) {
		kvfree(buf);
		return -EINTR;
	}
	for (i = 0; i < units; i++) {
		buf[i] = ccmem_map_unit(vm, (arg.gpa >> PAGE_SHIFT) +
					i * unit_pages, unit_pages);
		cond_resched();
	}
	mutex_unlock(&vm->lock);

	if (copy_to_user(u64_to_user_ptr(arg.buf), buf, units))
		ret = -EFAULT;
	kvfree(buf);
	return ret;
}

static const char * const ccmem_state_names[] = {
	[CCMEM_VM_STATE_LIVE] = "live",
	[CCMEM_VM_STATE_DEAD] = "dead",
	[CCMEM_VM_STATE_DETACHED] = "detached",
};

static int ccmem_vm_stats_show(struct seq_file *m, void *unused)
{
	struct ccmem_vm *vm = m->private;
	struct ccmem_vm_stats s;

	mutex_lock(&vm->lock);
	ccmem_fill_stats(vm, &s);
	mutex_unlock(&vm->lock);

	seq_printf(m, "type: %s\nbackend: %s\nasid: %u\nstate: %s\n",
		   vm->type == CCMEM_VM_SNP ? "snp" : "tdx",
		   vm->backend == CCMEM_BACKEND_EMU ? "emu" : "hw", vm->asid,
		   ccmem_state_names[s.state]);
#define SHOW(f) seq_printf(m, "%s: %llu\n", #f, s.f)
	SHOW(private_bytes);
	SHOW(shared_bytes);
	SHOW(attr_ranges);
	SHOW(populated_pages);
	SHOW(assigned_2m);
	SHOW(assigned_4k);
	SHOW(to_private);
	SHOW(to_shared);
	SHOW(scrubbed_pages);
	SHOW(reclaimed_pages);
	SHOW(leaked_pages);
	SHOW(splits);
	SHOW(platform_retries);
	SHOW(pinned_pages);
	SHOW(faults_queued);
	SHOW(faults_backpressure);
	SHOW(sigbus);
#undef SHOW
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ccmem_vm_stats);

static int ccmem_global_stats_show(struct seq_file *m, void *unused)
{
#define SHOW(f) seq_printf(m, "%s: %lld\n", #f, atomic64_read(&ccmem_gstats.f))
	SHOW(vms_created);
	SHOW(vms_live);
	SHOW(pool_pages);
	SHOW(free_list_pages);
	SHOW(scrubbed_pages);
	SHOW(reclaimed_pages);
	SHOW(leaked_pages);
#undef SHOW
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ccmem_global_stats);

void ccmem_debugfs_vm_add(struct ccmem_vm *vm)
{
	char name[32];

	snprintf(name, sizeof(name), "vm-%u", vm->id);
	vm->debugfs = debugfs_create_dir(name, ccmem_debugfs_root);
	debugfs_create_file("stats", 0400, vm->debugfs, vm,
			    &ccmem_vm_stats_fops);
}

void ccmem_debugfs_vm_remove(struct ccmem_vm *vm)
{
	debugfs_remove_recursive(vm->debugfs);
	vm->debugfs = NULL;
}

int ccmem_debugfs_init(void)
{
	ccmem_debugfs_root = debugfs_create_dir("ccmem", NULL);
	debugfs_create_file("stats", 0400, ccmem_debugfs_root, NULL,
			    &ccmem_global_stats_fops);
	return 0;
}

void ccmem_debugfs_exit(void)
{
	debugfs_remove_recursive(ccmem_debugfs_root);
}
