// SPDX-License-Identifier: GPL-2.0
/*
 * stats.c - what a user can see without a debugger: VM statistics, the
 * memory map, and debugfs.
 *
 *   /sys/kernel/debug/ccmem/stats		global counters
 *   /sys/kernel/debug/ccmem/vm-<id>/stats	one VM's counters
 *
 * A VM's counters come in groups: the core's ("vm"), its platform
 * module's (named after the platform) and the emulated guest's ("guest").
 * Each group describes
 * its counters once (struct ccmem_stat_desc); CCMEM_VM_GET_STATS, debugfs
 * and the tools all read those descriptions.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "ccmem_core.h"

static struct dentry *ccmem_debugfs_root;

/* The core's counters, computed where they are not kept as such. */
struct ccmem_vm_values {
	u64 state;
	u64 private_bytes;
	u64 shared_bytes;
	u64 attr_ranges;
	u64 populated_pages;
	u64 assigned_2m;
	u64 assigned_4k;
	u64 to_private;
	u64 to_shared;
	u64 scrubbed_pages;
	u64 reclaimed_pages;
	u64 leaked_pages;
	u64 splits;
	u64 platform_retries;
	u64 pinned_pages;
	u64 faults_queued;
	u64 faults_backpressure;
	u64 sigbus;
	u64 regions;
	u64 vcpus;
	u64 attr_ranges_refused;
	u64 emulator;
	u64 emulator_mapped;
	u64 emulator_unmapped;
	u64 fwd_insns;
	u64 fwd_access_checks;
	u64 fwd_accesses;
};

#define VMS(f, u, fl, d) CCMEM_STAT(struct ccmem_vm_values, f, u, fl, d)
static const struct ccmem_stat_desc ccmem_vm_descs[] = {
	VMS(state, ENUM, 0, "0 live, 1 dead (a platform failure)"),
	VMS(private_bytes, BYTES, 0, "bytes of the regions that are private"),
	VMS(shared_bytes, BYTES, 0, "bytes of the regions that are shared"),
	VMS(attr_ranges, NONE, 0, "private ranges stored (a conversion's cost)"),
	VMS(populated_pages, PAGES, 0, "private pages allocated now"),
	VMS(assigned_2m, NONE, CCMEM_CUM, "2 MiB platform assignments made"),
	VMS(assigned_4k, NONE, CCMEM_CUM, "4 KiB platform assignments made"),
	VMS(to_private, NONE, CCMEM_CUM, "conversions to private"),
	VMS(to_shared, NONE, CCMEM_CUM, "conversions to shared"),
	VMS(scrubbed_pages, PAGES, CCMEM_CUM, "pages scrubbed on leaving the VM"),
	VMS(reclaimed_pages, PAGES, CCMEM_CUM, "pages returned to the host state"),
	VMS(leaked_pages, PAGES, CCMEM_CUM, "pages leaked after a platform failure"),
	VMS(splits, NONE, CCMEM_CUM, "2 MiB platform entries split"),
	VMS(platform_retries, NONE, CCMEM_CUM, "platform operations retried"),
	VMS(pinned_pages, PAGES, 0, "shared pages pinned for DMA now"),
	VMS(faults_queued, NONE, CCMEM_CUM, "fault records queued"),
	VMS(faults_backpressure, NONE, CCMEM_CUM, "accesses refused: fault queue full"),
	VMS(sigbus, NONE, CCMEM_CUM, "host touches of private memory refused"),
	VMS(regions, NONE, 0, "regions"),
	VMS(vcpus, NONE, 0, "vCPUs"),
	VMS(attr_ranges_refused, NONE, CCMEM_CUM, "conversions refused: max_attr_ranges reached"),
	VMS(emulator, ENUM, 0, "1: the VMM plays the CPU and may map private memory"),
	VMS(emulator_mapped, PAGES, CCMEM_CUM, "private pages mapped into the emulating VMM"),
	VMS(emulator_unmapped, PAGES, CCMEM_CUM, "private pages unmapped from it on leaving"),
	VMS(fwd_insns, NONE, CCMEM_CUM, "guest instructions a VMM that plays the CPU forwarded"),
	VMS(fwd_access_checks, NONE, CCMEM_CUM, "access checks it asked (a TLB fill)"),
	VMS(fwd_accesses, NONE, CCMEM_CUM, "accesses it made through ccmem"),
};

/**
 * ccmem_stat_copy() - read the counters of a group from its struct.
 * @g: the group.
 * @st: its counter struct.
 * @vals: out: g->nr values.
 */
void ccmem_stat_copy(const struct ccmem_stat_group *g, const void *st,
		     u64 *vals)
{
	u32 i;

	for (i = 0; i < g->nr; i++)
		vals[i] = READ_ONCE(*(const u64 *)(st + g->descs[i].offset));
}
EXPORT_SYMBOL_GPL(ccmem_stat_copy);

static void ccmem_vm_read_stats(struct ccmem_vm *vm, u64 *vals);

static const struct ccmem_stat_group ccmem_vm_group = {
	.name = "vm",
	.descs = ccmem_vm_descs,
	.nr = ARRAY_SIZE(ccmem_vm_descs),
	.read = ccmem_vm_read_stats,
};

static void ccmem_vm_read_stats(struct ccmem_vm *vm, u64 *vals)
{
	const struct ccmem_vm_counters *c = &vm->stat;
	struct ccmem_vm_values v = {
		.state = vm->state,
		.private_bytes = c->private_pages << PAGE_SHIFT,
		.shared_bytes = (vm->region_pages - c->private_pages) << PAGE_SHIFT,
		.attr_ranges = ccmem_attr_nr_ranges(vm),
		.populated_pages = c->populated_pages,
		.assigned_2m = c->assigned_2m,
		.assigned_4k = c->assigned_4k,
		.to_private = c->to_private,
		.to_shared = c->to_shared,
		.scrubbed_pages = c->scrubbed_pages,
		.reclaimed_pages = c->reclaimed_pages,
		.leaked_pages = c->leaked_pages,
		.splits = c->splits,
		.platform_retries = c->platform_retries,
		.pinned_pages = c->pinned_pages,
		.faults_queued = READ_ONCE(c->faults_queued),
		.faults_backpressure = READ_ONCE(c->faults_backpressure),
		.sigbus = atomic64_read(&c->sigbus),
		.regions = vm->nr_regions,
		.vcpus = vm->nr_vcpus,
		.attr_ranges_refused = c->attr_ranges_refused,
		.emulator = vm->emulator,
		.emulator_mapped = atomic64_read(&c->emulator_mapped),
		.emulator_unmapped = c->emulator_unmapped,
		.fwd_insns = c->fwd_insns,
		.fwd_access_checks = atomic64_read(&c->fwd_access_checks),
		.fwd_accesses = atomic64_read(&c->fwd_accesses),
	};

	ccmem_stat_copy(&ccmem_vm_group, &v, vals);
}

/* The groups of a VM, in order; vm->lock held. Returns how many. */
static unsigned int ccmem_vm_groups(struct ccmem_vm *vm,
				    const struct ccmem_stat_group **g)
{
	unsigned int n = 0;

	g[n++] = &ccmem_vm_group;
	if (vm->arch && vm->arch->stats)
		g[n++] = vm->arch->stats;
	if (vm->runner && vm->runner->stats)
		g[n++] = vm->runner->stats;
	return n;
}

#define CCMEM_MAX_GROUPS	3

/* Every counter of @vm: the number, and optionally names and values. */
static u32 ccmem_vm_snapshot(struct ccmem_vm *vm, u64 *vals,
			     struct ccmem_stats_desc *descs, u32 room)
{
	const struct ccmem_stat_group *g[CCMEM_MAX_GROUPS];
	unsigned int ng = ccmem_vm_groups(vm, g), i;
	u32 n = 0, j;

	for (i = 0; i < ng; i++) {
		if (vals && n + g[i]->nr <= room)
			g[i]->read(vm, vals + n);
		for (j = 0; j < g[i]->nr; j++, n++) {
			const struct ccmem_stat_desc *d = &g[i]->descs[j];

			if (!descs || n >= room)
				continue;
			snprintf(descs[n].name, sizeof(descs[n].name), "%s.%s",
				 g[i]->name, d->name);
			descs[n].unit = d->unit;
			descs[n].flags = d->flags;
			strscpy(descs[n].desc, d->desc, sizeof(descs[n].desc));
		}
	}
	return n;
}

/**
 * ccmem_vm_get_stats() - CCMEM_VM_GET_STATS.
 * @vm: the VM (any state).
 * @p: the argument (struct ccmem_stats), a kernel copy; gets nr.
 *
 * Values and descriptions are built in kernel buffers under vm->lock and
 * copied out after it is dropped.
 */
long ccmem_vm_get_stats(struct ccmem_vm *vm, void *p)
{
	struct ccmem_stats arg = *(struct ccmem_stats *)p;
	struct ccmem_stats_desc *descs = NULL;
	u64 *vals = NULL;
	u32 room, n;
	int ret = 0;

	if (arg.flags || !mem_is_zero(arg.reserved, sizeof(arg.reserved)))
		return -EINVAL;

	if (mutex_lock_killable(&vm->lock))
		return -EINTR;
	n = ccmem_vm_snapshot(vm, NULL, NULL, 0);
	mutex_unlock(&vm->lock);
	room = min(arg.nr, n);

	if (room && arg.values)
		vals = kcalloc(n, sizeof(*vals), GFP_KERNEL_ACCOUNT);
	if (room && arg.descs)
		descs = kcalloc(n, sizeof(*descs), GFP_KERNEL_ACCOUNT);
	if ((room && arg.values && !vals) || (room && arg.descs && !descs)) {
		ret = -ENOMEM;
		goto out;
	}
	if (vals || descs) {
		if (mutex_lock_killable(&vm->lock)) {
			ret = -EINTR;
			goto out;
		}
		/* The set of groups is fixed once the VM runs a guest. */
		n = ccmem_vm_snapshot(vm, vals, descs, n);
		mutex_unlock(&vm->lock);
		room = min(arg.nr, n);
	}
	if ((vals && copy_to_user(u64_to_user_ptr(arg.values), vals,
				  room * sizeof(*vals))) ||
	    (descs && copy_to_user(u64_to_user_ptr(arg.descs), descs,
				   room * sizeof(*descs)))) {
		ret = -EFAULT;
		goto out;
	}
	((struct ccmem_stats *)p)->nr = n;
out:
	kfree(vals);
	kfree(descs);
	return ret;
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
	if (covered && ccmem_range_pinned(vm, gfn, n, NULL))
		bits |= CCMEM_MAP_PINNED;

	xa_for_each_range(&vm->pages, idx, entry, gfn, gfn + n - 1) {
		populated++;
		if (vm->arch && vm->arch->accepted(vm, idx, ccmem_pg_pfn(entry)))
			bits |= CCMEM_MAP_ACCEPTED;
		else
			bits |= CCMEM_MAP_UNACCEPTED;
	}
	if (priv > populated)
		bits |= CCMEM_MAP_UNACCEPTED;
	return bits;
}

/* Is [@gpa, @gpa + @size) in units of 2^@shift bytes a map we give? */
static int ccmem_map_check(u64 gpa, u64 size, u32 shift)
{
	if (shift < PAGE_SHIFT || shift > 30)
		return -EINVAL;
	if (!size || gpa >= CCMEM_MAX_GPA || size > CCMEM_MAX_GPA - gpa ||
	    !IS_ALIGNED(gpa | size, 1ULL << shift))
		return -EINVAL;
	if (size >> shift > CCMEM_MAP_MAX_UNITS)
		return -E2BIG;
	return 0;
}

/*
 * The CCMEM_MAP_* bits of @n units of 2^@shift bytes from @gpa, into @buf.
 * Takes @vm->lock; -EINTR when killed waiting for it.
 */
static int ccmem_map_fill(struct ccmem_vm *vm, u64 gpa, u32 shift, u64 n,
			  u8 *buf)
{
	u64 unit_pages = 1ULL << (shift - PAGE_SHIFT), i;

	if (mutex_lock_killable(&vm->lock))
		return -EINTR;
	for (i = 0; i < n; i++) {
		buf[i] = ccmem_map_unit(vm, (gpa >> PAGE_SHIFT) +
					i * unit_pages, unit_pages);
		cond_resched();
	}
	mutex_unlock(&vm->lock);
	return 0;
}

/**
 * ccmem_vm_get_map() - CCMEM_VM_GET_MAP: one byte of CCMEM_MAP_* per unit.
 * @vm: the VM (any state).
 * @p: the argument (struct ccmem_map), a kernel copy.
 */
long ccmem_vm_get_map(struct ccmem_vm *vm, void *p)
{
	const struct ccmem_map arg = *(struct ccmem_map *)p;
	u64 units;
	u8 *buf;
	int ret;

	if (arg.flags || arg.reserved[0] || arg.reserved[1])
		return -EINVAL;
	ret = ccmem_map_check(arg.gpa, arg.size, arg.unit_shift);
	if (ret)
		return ret;
	units = arg.size >> arg.unit_shift;

	buf = kvmalloc(units, GFP_KERNEL_ACCOUNT);
	if (!buf)
		return -ENOMEM;
	ret = ccmem_map_fill(vm, arg.gpa, arg.unit_shift, units, buf);
	if (!ret && copy_to_user(u64_to_user_ptr(arg.buf), buf, units))
		ret = -EFAULT;
	kvfree(buf);
	return ret;
}

static const char * const ccmem_state_names[] = {
	[CCMEM_VM_STATE_LIVE] = "live",
	[CCMEM_VM_STATE_DEAD] = "dead",
};

static int ccmem_vm_stats_show(struct seq_file *m, void *unused)
{
	struct ccmem_vm *vm = m->private;
	const struct ccmem_stat_group *g[CCMEM_MAX_GROUPS];
	unsigned int ng, i, j;
	u64 *vals;

	mutex_lock(&vm->lock);
	seq_printf(m, "type: %s\nbackend: %s\nkey_id: %u\nstate: %s\n",
		   vm->arch->name,
		   vm->backend == CCMEM_BACKEND_HW ? "hw" : "emu", vm->key_id,
		   ccmem_state_names[vm->state]);
	ng = ccmem_vm_groups(vm, g);
	for (i = 0; i < ng; i++) {
		vals = kcalloc(g[i]->nr, sizeof(*vals), GFP_KERNEL);
		if (!vals)
			break;
		g[i]->read(vm, vals);
		for (j = 0; j < g[i]->nr; j++)
			seq_printf(m, "%s.%s: %llu\n", g[i]->name,
				   g[i]->descs[j].name, vals[j]);
		kfree(vals);
	}
	mutex_unlock(&vm->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ccmem_vm_stats);

/*
 * debugfs vm-<id>/info: what an operator's tool lists about a VM it did
 * not create, one "key: value" a line, then a "region:" line a region.
 * Memory is in bytes; "serial" tells a VM from a later one given the
 * same id.
 */
static int ccmem_vm_info_show(struct seq_file *m, void *unused)
{
	struct ccmem_vm *vm = m->private;
	u64 priv, mem;
	u32 i;

	if (mutex_lock_killable(&vm->lock))
		return -EINTR;
	mem = vm->region_pages << PAGE_SHIFT;
	priv = vm->stat.private_pages << PAGE_SHIFT;
	seq_printf(m, "id: %u\nserial: %llu\ntype: %s\nbackend: %s\n",
		   vm->id, vm->serial, vm->arch->name,
		   vm->backend == CCMEM_BACKEND_HW ? "hw" : "emu");
	seq_printf(m, "key_id: %u\nstate: %s\npid: %d\ncomm: %s\n",
		   vm->key_id, ccmem_state_names[vm->state], vm->creator_pid,
		   vm->creator_comm);
	seq_printf(m, "memory: %llu\nprivate: %llu\nshared: %llu\n",
		   mem, priv, mem - priv);
	seq_printf(m, "pinned: %llu\nvcpus: %u\nfaults: %llu\nleaked_pages: %llu\n",
		   vm->stat.pinned_pages << PAGE_SHIFT, vm->nr_vcpus,
		   vm->stat.faults_queued, vm->stat.leaked_pages);
	seq_printf(m, "gpa_end: 0x%llx\nregions: %u\n",
		   ccmem_regions_end(vm) << PAGE_SHIFT, vm->nr_regions);
	for (i = 0; i < vm->nr_regions; i++)
		seq_printf(m, "region: slot=%u gpa=0x%llx size=0x%llx\n",
			   vm->regions[i].slot,
			   vm->regions[i].gfn << PAGE_SHIFT,
			   vm->regions[i].npages << PAGE_SHIFT);
	mutex_unlock(&vm->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ccmem_vm_info);

/*
 * debugfs vm-<id>/map: the bytes of CCMEM_VM_GET_MAP for a VM the reader
 * holds no fd of. Each open file has its own query, written as "GPA SIZE
 * SHIFT" (the fields of struct ccmem_map, checked the same way, with the
 * same errors), which rewinds the file; a read at offset N returns the
 * bits of units N on, at most 64 KiB of them. Until a query is written,
 * the map covers the VM's regions, as they were at open, from GPA 0 in
 * 2 MiB units.
 */
struct ccmem_map_query {
	struct ccmem_vm *vm;
	struct mutex lock;	/* serialises this file's reads and writes */
	u64 gpa, size;
	u32 shift;
};

/* Bytes one read gives at most; a reader loops for more. */
#define CCMEM_MAP_READ_MAX	SZ_64K

static int ccmem_map_open(struct inode *inode, struct file *file)
{
	struct ccmem_map_query *q = kzalloc(sizeof(*q), GFP_KERNEL_ACCOUNT);
	struct ccmem_vm *vm = inode->i_private;
	u64 end;

	if (!q)
		return -ENOMEM;
	if (mutex_lock_killable(&vm->lock)) {
		kfree(q);
		return -EINTR;
	}
	end = ccmem_regions_end(vm) << PAGE_SHIFT;
	mutex_unlock(&vm->lock);
	/* The query until one is written: every region, in 2 MiB units. */
	q->vm = vm;
	q->shift = PMD_SHIFT;
	q->size = min_t(u64, ALIGN(end, PMD_SIZE),
			(u64)CCMEM_MAP_MAX_UNITS << PMD_SHIFT);
	mutex_init(&q->lock);
	file->private_data = q;
	return 0;
}

static int ccmem_map_release(struct inode *inode, struct file *file)
{
	struct ccmem_map_query *q = file->private_data;

	/* The VM may be gone by now: only the query is freed. */
	mutex_destroy(&q->lock);
	kfree(q);
	return 0;
}

static ssize_t ccmem_map_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	struct ccmem_map_query *q = file->private_data;
	long long gpa, size;
	unsigned int shift;
	char buf[80], extra;
	int ret;

	if (!count || count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	/* Three numbers and nothing after them but white space. */
	if (sscanf(buf, "%lli %lli %u %c", &gpa, &size, &shift, &extra) != 3 ||
	    gpa < 0 || size < 0)
		return -EINVAL;
	ret = ccmem_map_check(gpa, size, shift);
	if (ret)
		return ret;
	mutex_lock(&q->lock);
	q->gpa = gpa;
	q->size = size;
	q->shift = shift;
	mutex_unlock(&q->lock);
	*ppos = 0;	/* a new query reads from its first unit */
	return count;
}

static ssize_t ccmem_map_read(struct file *file, char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	struct ccmem_map_query *q = file->private_data;
	u64 gpa, size, units, n;
	ssize_t ret;
	u32 shift;
	u8 *buf;

	mutex_lock(&q->lock);
	gpa = q->gpa;
	size = q->size;
	shift = q->shift;
	mutex_unlock(&q->lock);

	units = size >> shift;
	if (*ppos < 0)
		return -EINVAL;
	if (*ppos >= units)
		return 0;
	n = min3((u64)count, units - *ppos, (u64)CCMEM_MAP_READ_MAX);
	if (!n)
		return 0;
	buf = kvmalloc(n, GFP_KERNEL_ACCOUNT);
	if (!buf)
		return -ENOMEM;
	/* Filled under vm->lock, copied out after: no lock across a fault. */
	ret = ccmem_map_fill(q->vm, gpa + ((u64)*ppos << shift), shift, n,
			     buf);
	if (!ret)
		ret = copy_to_user(ubuf, buf, n) ? -EFAULT : n;
	kvfree(buf);
	if (ret > 0)
		*ppos += ret;
	return ret;
}

static const struct file_operations ccmem_map_fops = {
	.owner		= THIS_MODULE,
	.open		= ccmem_map_open,
	.release	= ccmem_map_release,
	.read		= ccmem_map_read,
	.write		= ccmem_map_write,
	.llseek		= default_llseek,
};

/* The machine-wide counters (atomic64_t fields of ccmem_gstats). */
#define GS(f, u, fl, d) CCMEM_STAT(struct ccmem_global_stats, f, u, fl, d)
static const struct ccmem_stat_desc ccmem_global_descs[] = {
	GS(vms_created, NONE, CCMEM_CUM, "VMs created"),
	GS(vms_live, NONE, 0, "VMs not yet destroyed"),
	GS(pool_pages, PAGES, 0, "private pages held by all VMs"),
	GS(free_list_pages, PAGES, 0, "scrubbed pages kept for reuse"),
	GS(scrubbed_pages, PAGES, CCMEM_CUM, "pages scrubbed"),
	GS(reclaimed_pages, PAGES, CCMEM_CUM, "pages returned to the host state"),
	GS(leaked_pages, PAGES, CCMEM_CUM, "pages leaked after a platform failure"),
};

static int ccmem_global_stats_show(struct seq_file *m, void *unused)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ccmem_global_descs); i++)
		seq_printf(m, "%s: %lld\n", ccmem_global_descs[i].name,
			   atomic64_read((void *)&ccmem_gstats +
					 ccmem_global_descs[i].offset));
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
	debugfs_create_file("info", 0400, vm->debugfs, vm,
			    &ccmem_vm_info_fops);
	debugfs_create_file("map", 0600, vm->debugfs, vm, &ccmem_map_fops);
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
