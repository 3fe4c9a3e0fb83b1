/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ccmem_core.h - the interface between ccmem.ko and the architecture
 * modules (ccmem_snp.ko, later ccmem_tdx.ko), and between the files of
 * ccmem.ko.
 */
#ifndef CCMEM_CORE_H
#define CCMEM_CORE_H

#include <linux/types.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/list.h>
#include <linux/xarray.h>
#include <linux/maple_tree.h>
#include <linux/wait.h>
#include <linux/atomic.h>
#include <linux/mm_types.h>
#include <linux/ccmem.h>

struct ccmem_vm;
struct ccmem_vcpu;
struct dentry;
struct file;
struct poll_table_struct;

/*
 * The private pages of a VM live in vm->pages, indexed by gfn. Each entry is
 * an xarray value entry: the pfn shifted left by CCMEM_PG_SHIFT with flags.
 */
#define CCMEM_PG_ASSIGNED_2M	BIT(0)	/* covered by one 2 MiB platform entry */
#define CCMEM_PG_IMMUTABLE	BIT(1)	/* launch page */
#define CCMEM_PG_SHIFT		2

static inline void *ccmem_pg_mk(u64 pfn, unsigned long flags)
{
	return xa_mk_value((pfn << CCMEM_PG_SHIFT) | flags);
}

static inline u64 ccmem_pg_pfn(void *entry)
{
	return xa_to_value(entry) >> CCMEM_PG_SHIFT;
}

static inline unsigned long ccmem_pg_flags(void *entry)
{
	return xa_to_value(entry) & (BIT(CCMEM_PG_SHIFT) - 1);
}

/*
 * Internal struct ccmem_emu_op.flags bit (never accepted from userspace):
 * the operation comes from an emulated vCPU, @buf is a kernel pointer and
 * a fault is returned in struct ccmem_emu_kop instead of being queued.
 */
#define CCMEM_EMU_F_KERNEL	BIT(31)

/**
 * struct ccmem_emu_kop - a guest operation issued by an emulated vCPU.
 * @op:		the operation, with CCMEM_EMU_F_KERNEL set.
 * @fault:	out: with CCMEM_EMU_R_FAULT, the fault for the VMM.
 */
struct ccmem_emu_kop {
	struct ccmem_emu_op op;
	struct ccmem_fault fault;
};

/**
 * struct ccmem_vmgexit - one VMGEXIT of an emulated SNP vCPU.
 * @msr:	MSR protocol: the GHCB MSR value; out: the response.
 * @nae:	a GHCB NAE event (else the MSR protocol).
 * @exit_code:	SW_EXITCODE.
 * @info1:	SW_EXITINFO1.
 * @info2:	SW_EXITINFO2; out: the result.
 * @scratch:	SW_SCRATCH: GPA of the request buffer.
 *
 * The GHCB control fields travel by value (they are read once, as the
 * hardware hands them over); request buffers live in guest shared memory.
 */
struct ccmem_vmgexit {
	u64 msr;
	bool nae;
	u64 exit_code;
	u64 info1;
	u64 info2;
	u64 scratch;
};

/**
 * struct ccmem_arch_ops - what an architecture module provides.
 * @owner:	the module; a VM with a guest holds a reference.
 * @vm_type:	CCMEM_VM_SNP or CCMEM_VM_TDX.
 * @name:	short name for messages ("snp", "tdx").
 * @vm_init:	pick the backend for @backend (CCMEM_BACKEND_*), allocate the
 *		ASID/key and the per-VM platform data (vm->arch_data). Sets
 *		vm->backend and vm->asid.
 * @vm_free:	undo @vm_init; every page has been unassigned by then.
 * @assign:	make 1 << @order pages at @pfn private to the guest at @gfn
 *		(order 0 or 9). Returns 0, -EAGAIN for a transient platform
 *		conflict (the core retries a bounded number of times) or
 *		-EIO for a failure that leaves the page state unknown.
 * @unassign:	return the pages to the hypervisor state; @immutable says
 *		they were assigned as immutable launch pages. Same returns.
 * @split:	split the 2 MiB assignment at @pfn into 4 KiB ones (PSMASH);
 *		same returns.
 * @validated:	whether the guest has validated/accepted the page.
 * @leak:	optional: tell the platform that pages are leaked (on SNP hw,
 *		snp_leak_pages() keeps them on the kernel's own list).
 * @emu_op:	execute a guest-side operation on the emu backend.
 * @inject:	arm an emu platform failure.
 * @vmgexit:	handle a VMGEXIT of an emulated vCPU. Runs in the vCPU
 *		thread WITHOUT vm->lock; may exit to the VMM through
 *		ccmem_vcpu_exit(). Returns 0 or -ESHUTDOWN.
 *
 * Every other callback runs with vm->lock held.
 */
struct ccmem_arch_ops {
	struct module *owner;
	u32 vm_type;
	const char *name;
	int (*vm_init)(struct ccmem_vm *vm, u32 backend);
	void (*vm_free)(struct ccmem_vm *vm);
	int (*assign)(struct ccmem_vm *vm, u64 gfn, u64 pfn, int order,
		      bool immutable);
	int (*unassign)(struct ccmem_vm *vm, u64 gfn, u64 pfn, int order,
			bool immutable);
	int (*split)(struct ccmem_vm *vm, u64 gfn, u64 pfn);
	bool (*validated)(struct ccmem_vm *vm, u64 gfn, u64 pfn);
	void (*leak)(struct ccmem_vm *vm, u64 pfn, u64 npages);
	int (*emu_op)(struct ccmem_vm *vm, struct ccmem_emu_op *op);
	int (*inject)(struct ccmem_vm *vm, const struct ccmem_emu_inject *inj);
	int (*vmgexit)(struct ccmem_vcpu *vcpu, struct ccmem_vmgexit *x);
};

/**
 * struct ccmem_guest_ops - what ccmem_guest.ko provides: the guest half
 * running on emulated vCPUs.
 * @owner:	the module; held while a VM uses the guest.
 * @init:	set up the guest of @vm from a checked @cfg (vm->lock held).
 * @destroy:	free it (last vCPU gone).
 * @vcpu_init:	per-vCPU setup.
 * @vcpu_free:	per-vCPU teardown (the thread has stopped).
 * @run:	execute vcpu->prog from step 0 in the vCPU thread, posting
 *		exits with ccmem_vcpu_exit(); the last exit is final.
 * @stats:	fill the guest part of struct ccmem_guest_stats.
 */
struct ccmem_guest_ops {
	struct module *owner;
	int (*init)(struct ccmem_vm *vm, const struct ccmem_guest_config *cfg);
	void (*destroy)(struct ccmem_vm *vm);
	int (*vcpu_init)(struct ccmem_vcpu *vcpu);
	void (*vcpu_free)(struct ccmem_vcpu *vcpu);
	void (*run)(struct ccmem_vcpu *vcpu);
	void (*stats)(struct ccmem_vm *vm, struct ccmem_guest_stats *st);
};

/**
 * struct ccmem_vcpu - one emulated vCPU.
 * @vm:		its VM (kept alive by @vm_file).
 * @vm_file:	a reference on the VM fd.
 * @id:		vCPU index.
 * @thread:	the kernel thread running the guest.
 * @run_lock:	one CCMEM_VCPU_RUN or SET_PROGRAM at a time.
 * @lock:	protects the handshake fields below.
 * @wq:		the guest and the VMM wait here for each other.
 * @go:		the VMM asked for the program to start.
 * @posted:	an exit is posted and not yet returned to the VMM.
 * @in_exit:	the guest waits for the VMM's answer to @exit.
 * @running:	a program is executing (started and not finished).
 * @stop:	the vCPU is being torn down: every wait returns.
 * @dead:	the guest terminated: runs return -ESHUTDOWN.
 * @exit:	the posted exit.
 * @answer:	the VMM's answer to @exit (struct ccmem_run.psc.ret).
 * @prog:	the program (set under @run_lock while not @running).
 * @nr:		steps in @prog.
 * @raw:	copies of the CCMEM_GOP_PSC_RAW requests (@prog[i].arg
 *		indexes them).
 * @nr_raw:	entries in @raw.
 * @pc:		the step executing (written by the guest thread).
 * @r0:		the last ALLOC result.
 * @psc_result:	the last raw PSC result.
 * @guest:	ccmem_guest.ko's per-vCPU data.
 */
struct ccmem_vcpu {
	struct ccmem_vm *vm;
	struct file *vm_file;
	u32 id;
	struct task_struct *thread;
	struct mutex run_lock;		/* see above */
	spinlock_t lock;		/* the handshake fields */
	wait_queue_head_t wq;
	bool go, posted, in_exit, running, stop, dead;
	struct ccmem_run exit;
	s64 answer;
	struct ccmem_guest_insn *prog;
	u32 nr;
	struct ccmem_psc_raw **raw;
	u32 nr_raw;
	u32 pc;
	u64 r0;
	u64 psc_result;
	void *guest;
};

/**
 * struct ccmem_region - one guest memory region.
 * @gfn:	first guest frame.
 * @npages:	size in 4 KiB pages.
 * @uaddr:	user address of the shared backing.
 */
struct ccmem_mem_region {
	u64 gfn;
	u64 npages;
	unsigned long uaddr;
};

/**
 * struct ccmem_pin_rec - one DMA pin of a shared range.
 * @node:	in vm->pins.
 * @gfn:	first guest frame.
 * @npages:	number of pages.
 * @pages:	the pinned pages of the shared backing.
 */
struct ccmem_pin_rec {
	struct list_head node;
	u64 gfn;
	u64 npages;
	struct page **pages;
};

/* Counters of one VM; the uapi struct ccmem_vm_stats is filled from them. */
struct ccmem_vm_counters {
	u64 private_pages;
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
	u64 psc_requests;
	u64 psc_exits;
	u64 psc_entries;
	u64 psc_errors;
	u64 psmash_hints;
	u64 unsmash_hints;
	atomic64_t sigbus;
};

/**
 * struct ccmem_vm - one confidential VM.
 *
 * Locking: @lock (a mutex) serialises every operation that reads or changes
 * the memory state: @regions, @attrs, @pages, @pins, @state, @arch and the
 * counters in @stat except @stat.sigbus. The fault queue has its own
 * spinlock, @fq_lock, because records are read without @lock. Lock order:
 * ccmem_vms_lock, then @lock, then @fq_lock.
 */
struct ccmem_vm {
	struct list_head node;		/* in ccmem_vms, under ccmem_vms_lock */
	u32 id;
	u32 type;
	u32 backend;
	u32 asid;

	struct mutex lock;		/* see the comment above */
	u32 state;			/* CCMEM_VM_STATE_* */
	const struct ccmem_arch_ops *arch;
	void *arch_data;
	struct mm_struct *mm;		/* the VMM's mm, for the shared backing */

	struct ccmem_mem_region regions[CCMEM_MAX_REGIONS];
	u32 nr_regions;			/* sorted by gfn */
	u64 region_pages;

	struct maple_tree attrs;	/* private gfn ranges -> CCMEM_ATTR_VAL */
	struct xarray pages;		/* gfn -> ccmem_pg_mk(pfn, flags) */
	struct list_head pins;
	u32 nr_pins;

	spinlock_t fq_lock;		/* fq, fq_head, fq_count, fq_seq */
	wait_queue_head_t fq_wait;
	struct ccmem_fault *fq;
	u32 fq_len, fq_head, fq_count;
	u64 fq_seq;

	struct ccmem_vm_counters stat;
	struct dentry *debugfs;

	struct file *file;		/* the VM fd, for vCPU references */
	const struct ccmem_guest_ops *guest_ops;	/* set once, under @lock */
	void *guest;			/* ccmem_guest.ko's per-VM data */
	struct ccmem_guest_config guest_cfg;
	struct ccmem_vcpu *vcpus[CCMEM_MAX_VCPUS];	/* under @lock */
	u32 nr_vcpus;
};

#define CCMEM_ATTR_VAL		xa_mk_value(1)

/* main.c */
int ccmem_register_arch(const struct ccmem_arch_ops *ops);
void ccmem_unregister_arch(const struct ccmem_arch_ops *ops);
const struct ccmem_arch_ops *ccmem_arch_get(u32 type);
extern struct mutex ccmem_vms_lock;
extern struct list_head ccmem_vms;

/* vm.c */
long ccmem_create_vm(struct ccmem_vm_create __user *uarg);
const struct ccmem_mem_region *ccmem_find_region(struct ccmem_vm *vm, u64 gfn);
bool ccmem_vm_usable(struct ccmem_vm *vm);
void ccmem_vm_reclaim_all(struct ccmem_vm *vm);

/* attr.c */
bool ccmem_gfn_is_private(struct ccmem_vm *vm, u64 gfn);
bool ccmem_range_is_private(struct ccmem_vm *vm, u64 gfn, u64 npages);
u64 ccmem_count_private(struct ccmem_vm *vm, u64 gfn, u64 npages);
int ccmem_attr_store(struct ccmem_vm *vm, u64 gfn, u64 npages, bool priv);
u64 ccmem_attr_nr_ranges(struct ccmem_vm *vm);
long ccmem_vm_set_attributes(struct ccmem_vm *vm, void __user *uarg);
bool ccmem_range_in_regions(struct ccmem_vm *vm, u64 gfn, u64 npages);

/* pool.c */
int ccmem_populate_gfn(struct ccmem_vm *vm, u64 gfn, bool immutable);
int ccmem_release_range(struct ccmem_vm *vm, u64 gfn, u64 npages);
long ccmem_vm_populate(struct ccmem_vm *vm, void __user *uarg);
struct page *ccmem_private_page(struct ccmem_vm *vm, u64 gfn, void **entry);
void ccmem_leak_vm(struct ccmem_vm *vm, const char *what, int err);
void ccmem_pool_exit(void);

/* pin.c */
bool ccmem_range_pinned(struct ccmem_vm *vm, u64 gfn, u64 npages);
long ccmem_vm_pin(struct ccmem_vm *vm, void __user *uarg);
long ccmem_vm_unpin(struct ccmem_vm *vm, void __user *uarg);
void ccmem_unpin_all(struct ccmem_vm *vm);

/* fault.c */
int ccmem_fault_init(struct ccmem_vm *vm, u32 len);
void ccmem_fault_free(struct ccmem_vm *vm);
int ccmem_queue_fault(struct ccmem_vm *vm, u64 gpa, u64 size, u32 reason,
		      u32 flags, u64 error_code, u64 *seq);
long ccmem_vm_read_faults(struct ccmem_vm *vm, void __user *uarg);
__poll_t ccmem_fault_poll(struct ccmem_vm *vm, struct file *file,
			  struct poll_table_struct *wait);

/* vcpu.c */
static inline u64 ccmem_vcpu_ghcb_gpa(const struct ccmem_vcpu *vcpu)
{
	return vcpu->vm->guest_cfg.ghcb_gpa + vcpu->id * PAGE_SIZE;
}

long ccmem_vm_guest_init(struct ccmem_vm *vm, void __user *uarg);
long ccmem_vm_create_vcpu(struct ccmem_vm *vm, unsigned long id);
long ccmem_vm_guest_stats(struct ccmem_vm *vm, void __user *uarg);
void ccmem_vm_guest_free(struct ccmem_vm *vm);

/* stats.c */
long ccmem_vm_get_stats(struct ccmem_vm *vm, void __user *uarg);
long ccmem_vm_get_map(struct ccmem_vm *vm, void __user *uarg);
void ccmem_debugfs_vm_add(struct ccmem_vm *vm);
void ccmem_debugfs_vm_remove(struct ccmem_vm *vm);
int ccmem_debugfs_init(void);
void ccmem_debugfs_exit(void);

/* Global counters (debugfs "stats"). */
struct ccmem_global_stats {
	atomic64_t vms_created;
	atomic64_t vms_live;
	atomic64_t pool_pages;		/* pages held by all VMs */
	atomic64_t free_list_pages;	/* scrubbed pages ready for reuse */
	atomic64_t scrubbed_pages;
	atomic64_t reclaimed_pages;
	atomic64_t leaked_pages;
};

extern struct ccmem_global_stats ccmem_gstats;

/* Exported helpers for the architecture modules. */
int ccmem_vm_resolve_private(struct ccmem_vm *vm, u64 gfn, bool populate,
			     u64 *pfn, bool *assigned_2m);
int ccmem_vm_split_2m(struct ccmem_vm *vm, u64 gfn);
int ccmem_vm_shared_access(struct ccmem_vm *vm, const struct ccmem_emu_op *op,
			   bool write);
int ccmem_vm_unsmash(struct ccmem_vm *vm, u64 gfn);
s64 ccmem_vcpu_exit(struct ccmem_vcpu *vcpu, struct ccmem_run *exit,
		    bool final);
int ccmem_vcpu_emu_op(struct ccmem_vcpu *vcpu, struct ccmem_emu_kop *kop);
int ccmem_vcpu_vmgexit(struct ccmem_vcpu *vcpu, struct ccmem_vmgexit *x);
bool ccmem_vcpu_stopping(struct ccmem_vcpu *vcpu);
int ccmem_register_guest(const struct ccmem_guest_ops *ops);
void ccmem_unregister_guest(const struct ccmem_guest_ops *ops);
int ccmem_vm_report_fault(struct ccmem_vm *vm, u64 gpa, u64 size, u32 reason,
			  u32 flags, u64 error_code, struct ccmem_emu_op *op);

#endif /* CCMEM_CORE_H */
