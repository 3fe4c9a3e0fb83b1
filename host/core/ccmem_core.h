/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ccmem_core.h - the interface of ccmem.ko: to the platform modules, to
 * the emulated-guest runner (ccmem_guest.ko), and between the files of
 * ccmem.ko.
 *
 * ccmem.ko knows no platform: what differs between platforms lives behind
 * struct ccmem_arch_ops, and what only the software model has behind
 * struct ccmem_arch_emu_ops.
 */
#ifndef CCMEM_CORE_H
#define CCMEM_CORE_H

#include <linux/types.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/list.h>
#include <linux/xarray.h>
#include <linux/wait.h>
#include <linux/uidgid.h>
#include <linux/atomic.h>
#include <linux/refcount.h>
#include <linux/mm_types.h>
#include <linux/ccmem.h>
#ifdef CONFIG_CCMEM_EMU_ENABLED
#include <linux/ccmem_emu.h>
#endif

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
 * Counters. Each object keeps its counters in a struct of u64 and
 * describes them once, in a table of struct ccmem_stat_desc: the stats
 * ioctl, debugfs and the tools all read that table.
 */

/**
 * struct ccmem_stat_desc - one counter.
 * @name:	its name inside the group.
 * @unit:	CCMEM_UNIT_*.
 * @flags:	CCMEM_STAT_F_*.
 * @desc:	one line for people.
 * @offset:	where the u64 lives in the group's counter struct.
 */
struct ccmem_stat_desc {
	const char *name;
	u32 unit;
	u32 flags;
	const char *desc;
	size_t offset;
};

#define CCMEM_STAT(type, field, unit_, flags_, desc_)			\
	CCMEM_STAT_AT(#field, type, field, unit_, flags_, desc_)
/* The same, for a counter whose name is not its member's path. */
#define CCMEM_STAT_AT(name_, type, member, unit_, flags_, desc_) {	\
	.name = (name_), .unit = CCMEM_UNIT_##unit_, .flags = (flags_),	\
	.desc = (desc_), .offset = offsetof(type, member) }
#define CCMEM_CUM	CCMEM_STAT_F_CUMULATIVE

/**
 * struct ccmem_stat_group - the counters one component keeps for a VM.
 * @name:	the group's name: "vm", the platform's name, "guest".
 * @descs:	the counters.
 * @nr:		entries in @descs.
 * @read:	copy the VM's counters into @vals (@nr values, in @descs
 *		order). Called with vm->lock held.
 */
struct ccmem_stat_group {
	const char *name;
	const struct ccmem_stat_desc *descs;
	u32 nr;
	void (*read)(struct ccmem_vm *vm, u64 *vals);
};

/* Read the counters of @st described by @g into @vals. */
void ccmem_stat_copy(const struct ccmem_stat_group *g, const void *st,
		     u64 *vals);

/**
 * struct ccmem_hcall - one hypercall of an emulated vCPU, register by
 * register as its platform module defines them. @r is read on entry and
 * written with the results.
 * @r: the registers.
 */
struct ccmem_hcall {
	u64 r[8];
};

#ifdef CONFIG_CCMEM_EMU_ENABLED
/**
 * struct ccmem_emu_req - one guest-side operation against the model: an
 * instruction (CCMEM_EMU_GUEST_INSN) or an access (CCMEM_EMU_ACCESS),
 * from the VMM's ioctl or from an emulated vCPU.
 * @vcpu:	the emulated vCPU issuing it, or NULL for the VMM's ioctl.
 *		A fault of an ioctl is queued for the VMM; a fault of a vCPU
 *		comes back in @fault (the vCPU exits with it).
 * @vcpu_id:	the vCPU the fault record names.
 * @level:	the guest privilege level it runs at (struct
 *		ccmem_emu_insn.level).
 * @insn:	instructions: CCMEM_INSN_*.
 * @rcx:	instructions: RCX.
 * @rdx:	instructions: RDX.
 * @gpa:	the guest physical address.
 * @len:	accesses: bytes (1 to PAGE_SIZE, not crossing a page).
 * @flags:	accesses: CCMEM_ACCESS_F_*.
 * @kbuf:	accesses: the kernel buffer (the ioctl bounces the VMM's).
 * @shared:	out: the access is to shared memory at this user address;
 *		the core copies once vm->lock is dropped.
 * @result:	out: CCMEM_EMU_R_*.
 * @vector:	out: with CCMEM_EMU_R_EXCEPTION, the vector.
 * @rax:	out: instructions: RAX.
 * @rflags:	out: instructions: CCMEM_EMU_RFLAGS_*.
 * @error_code:	out: the exception's error code.
 * @fault_seq:	out: the queued record's seq (ioctl).
 * @fault:	out: the fault (vCPU).
 */
struct ccmem_emu_req {
	struct ccmem_vcpu *vcpu;
	u32 vcpu_id;
	u32 level;
	u32 insn;
	u64 rcx;
	u64 rdx;
	u64 gpa;
	u32 len;
	u32 flags;
	void *kbuf;
	void __user *shared;
	u32 result;
	u32 vector;
	u64 rax;
	u64 rflags;
	u64 error_code;
	u64 fault_seq;
	struct ccmem_fault fault;
};

/**
 * struct ccmem_arch_emu_ops - what a platform module offers for VMs on
 * its software model. A VM on the real hardware has none (vm->emu is
 * NULL) and every emu ioctl on it fails with -EOPNOTSUPP.
 * @guest_insn:	execute a guest instruction (vm->lock held).
 * @access:	check and perform a guest or host access (vm->lock held).
 * @lookup:	read the model's entry for a gpa (vm->lock held).
 * @inject:	arm a failure or a malicious-host behaviour (vm->lock held).
 * @hypercall:	a hypercall of an emulated vCPU. Runs in
 *		the vCPU thread WITHOUT vm->lock; may exit to the VMM through
 *		ccmem_vcpu_exit(). Returns 0 or -ESHUTDOWN.
 */
struct ccmem_arch_emu_ops {
	int (*guest_insn)(struct ccmem_vm *vm, struct ccmem_emu_req *req);
	int (*access)(struct ccmem_vm *vm, struct ccmem_emu_req *req);
	int (*lookup)(struct ccmem_vm *vm, struct ccmem_emu_lookup *lk);
	int (*inject)(struct ccmem_vm *vm, const struct ccmem_emu_inject *inj);
	int (*hypercall)(struct ccmem_vcpu *vcpu, struct ccmem_hcall *hc);
};
#endif

/**
 * struct ccmem_arch_ops - what a platform module provides.
 * @owner:	the module; every VM of the type holds a reference from
 *		create until its last page is reclaimed.
 * @vm_type:	CCMEM_VM_SNP or CCMEM_VM_TDX.
 * @name:	short name for messages and the stats group.
 * @stats:	the platform's counters of a VM (may be NULL).
 * @hw_usable:	the hardware backend works on this machine.
 * @emu_available: VMs can be created on the software model.
 * @flags:	CCMEM_ARCH_F_*.
 * @vm_init:	check the creation arguments @args (the platform's fields:
 *		attributes, gpa_width; the core checked the rest), pick the
 *		backend (ccmem_backend_pick()), allocate
 *		the key and the per-VM platform data (vm->arch_data). Sets
 *		vm->backend, vm->key_id, vm->emu for a VM on the model, and
 *		may lower vm->gpa_limit.
 * @vm_free:	undo @vm_init; every page has been unassigned by then.
 * @assign:	make 1 << @order pages at @pfn private to the guest at @gfn
 *		(order 0 or 9). Returns 0, -EAGAIN for a transient platform
 *		conflict (the core retries a bounded number of times),
 *		-ENOMEM when the platform's own memory ran out and nothing
 *		changed, or -EIO for a failure that leaves the page state
 *		unknown.
 * @unassign:	return the pages to the hypervisor state; @immutable says
 *		they were assigned as immutable launch pages. Same returns.
 * @split:	split the 2 MiB assignment at @pfn into 4 KiB ones; same
 *		returns.
 * @accepted:	whether the guest has accepted (validated) the page.
 * @leak:	optional: tell the platform that pages are leaked.
 * @finalize:	optional: end the launch (CCMEM_VM_FINALIZE, or the first
 *		vCPU run); 0 or -EIO.
 * @block_empty: optional: the 2 MiB block at @gfn (512-aligned) lost its
 *		last private page; the platform may free what it keeps for
 *		the block. Not called while the VM is being destroyed.
 *
 * Every callback but @hypercall runs with vm->lock held.
 */
/* The largest struct ccmem_vm_create.backend of this build. */
#ifdef CONFIG_CCMEM_EMU_ENABLED
#define CCMEM_BACKEND_LAST	CCMEM_BACKEND_EMU
#else
#define CCMEM_BACKEND_LAST	CCMEM_BACKEND_HW
#endif

/* struct ccmem_arch_ops.flags */
#define CCMEM_ARCH_F_LAUNCH_4K	BIT(0)	/* immutable launch pages are 4 KiB */

/*
 * struct ccmem_arch_ops.launch (optional): the firmware's processing of one
 * launch page once it is assigned with its content (CCMEM_VM_LAUNCH_UPDATE),
 * for a platform whose firmware leaves it accepted and no longer immutable.
 * Returns 0, or a negative errno when the page state is unknown.
 */

struct ccmem_arch_ops {
	struct module *owner;
	u32 vm_type;
	const char *name;
	const struct ccmem_stat_group *stats;
	u32 flags;
	bool (*hw_usable)(void);
	bool (*emu_available)(void);
	int (*vm_init)(struct ccmem_vm *vm, const struct ccmem_vm_create *args);
	void (*vm_free)(struct ccmem_vm *vm);
	int (*assign)(struct ccmem_vm *vm, u64 gfn, u64 pfn, int order,
		      bool immutable);
	int (*unassign)(struct ccmem_vm *vm, u64 gfn, u64 pfn, int order,
			bool immutable);
	int (*split)(struct ccmem_vm *vm, u64 gfn, u64 pfn);
	bool (*accepted)(struct ccmem_vm *vm, u64 gfn, u64 pfn);
	void (*leak)(struct ccmem_vm *vm, u64 pfn, u64 npages);
	int (*finalize)(struct ccmem_vm *vm);
	void (*block_empty)(struct ccmem_vm *vm, u64 gfn);
	int (*launch)(struct ccmem_vm *vm, u64 gfn, u64 pfn);
};

/**
 * struct ccmem_runner_ops - the code an emulated vCPU runs: ccmem_guest.ko
 * hosts ccmem's guest half in the vCPU threads of VMs on the model.
 * @owner:	the module; held while a VM uses it.
 * @stats:	the guest's counters of a VM.
 * @init:	CCMEM_EMU_GUEST_INIT: check @cfg (a kernel copy of the
 *		runner's configuration) and set up the guest of @vm
 *		(vm->lock held, VM usable, on the model).
 * @destroy:	free it (the last vCPU is gone).
 * @vcpu_init:	per-vCPU setup.
 * @vcpu_free:	per-vCPU teardown (the thread has exited).
 * @vcpu_kick:	wake the vCPU's thread wherever the runner makes it wait:
 *		it is being stopped (ccmem_vcpu_stopping()).
 * @vcpu_ioctl:	the runner's own vCPU ioctls (the program); -ENOTTY else.
 *		Called with vcpu->run_lock held.
 * @start:	the VMM asked to run a vCPU that is not running: 0 to start
 *		(the thread then calls @run), or -ENOEXEC when there is
 *		nothing to run. Called under vcpu->lock (a spinlock).
 * @run:	run the vCPU's code in its thread, posting exits with
 *		ccmem_vcpu_exit(); the last exit is final.
 * @exit_state:	fill struct ccmem_run.state for an exit being posted.
 * @uses_range:	does the guest of @vm use [@gfn, @gfn + @npages) (its RAM
 *		or its pages for the host)? Called with vm->lock held.
 */
struct ccmem_runner_ops {
	struct module *owner;
	const struct ccmem_stat_group *stats;
	int (*init)(struct ccmem_vm *vm, const void *cfg);
	void (*destroy)(struct ccmem_vm *vm);
	int (*vcpu_init)(struct ccmem_vcpu *vcpu);
	void (*vcpu_free)(struct ccmem_vcpu *vcpu);
	void (*vcpu_kick)(struct ccmem_vcpu *vcpu);
	long (*vcpu_ioctl)(struct ccmem_vcpu *vcpu, unsigned int cmd,
			   void __user *uarg);
	int (*start)(struct ccmem_vcpu *vcpu);
	void (*run)(struct ccmem_vcpu *vcpu);
	void (*exit_state)(struct ccmem_vcpu *vcpu, u64 *state);
	bool (*uses_range)(struct ccmem_vm *vm, u64 gfn, u64 npages);
};

/**
 * struct ccmem_vcpu - one vCPU of a VM on the model.
 * @vm:		its VM (kept alive by @vm_file).
 * @vm_file:	a reference on the VM fd.
 * @ref:	the fd's and the thread's references; the last one frees.
 * @uid:	the user its thread is counted to (ccmem_limit_charge()).
 * @id:		vCPU index.
 * @thread:	the kernel thread running the guest.
 * @run_lock:	one vCPU ioctl at a time.
 * @lock:	protects the handshake fields below.
 * @wq:		the guest and the VMM wait here for each other.
 * @go:		the VMM asked for the code to start.
 * @posted:	an exit is posted and not yet returned to the VMM.
 * @in_exit:	the guest waits for the VMM's answer to @exit.
 * @running:	code is executing (started and not finished).
 * @stop:	the vCPU is being torn down: every wait returns.
 * @dead:	the guest terminated: runs return -ESHUTDOWN.
 * @exit:	the posted exit.
 * @answer:	the VMM's answer to @exit (struct ccmem_run.convert.ret).
 * @runner:	the runner's per-vCPU data.
 */
struct ccmem_vcpu {
	struct ccmem_vm *vm;
	struct file *vm_file;
	refcount_t ref;
	kuid_t uid;
	u32 id;
	struct task_struct *thread;
	struct mutex run_lock;		/* see above */
	spinlock_t lock;		/* the handshake fields */
	wait_queue_head_t wq;
	bool go, posted, in_exit, running, stop, dead;
	struct ccmem_run exit;
	s64 answer;
	void *runner;
};

/**
 * struct ccmem_mem_region - one guest memory region.
 * @gfn:	first guest frame.
 * @npages:	size in 4 KiB pages.
 * @uaddr:	user address of the shared backing.
 * @slot:	its stable slot number.
 */
struct ccmem_mem_region {
	u64 gfn;
	u64 npages;
	unsigned long uaddr;
	u32 slot;
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

/*
 * The core's counters of one VM (group "vm"); stats.c describes them.
 * Under vm->lock, except @sigbus (atomic) and the fault queue counters
 * (under vm->fq_lock).
 */
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
	u64 attr_ranges_refused;
	atomic64_t emulator_mapped;	/* the emulator's faults: no @lock */
	u64 emulator_unmapped;
	u64 fwd_insns;
	atomic64_t fwd_access_checks;	/* counted once the ioctl succeeded */
	atomic64_t fwd_accesses;
	atomic64_t sigbus;
};

/**
 * struct ccmem_vm - one confidential VM.
 *
 * Locking: @lock (a mutex) serialises every operation that reads or changes
 * the memory state: @regions, @attrs, @pages, @pins, @state, @arch and the
 * counters in @stat except @stat.sigbus. The fault queue has its own
 * spinlock, @fq_lock, because records are read without @lock. Lock order:
 * ccmem_vms_lock, then @lock, then @fq_lock. With the emulator capability,
 * @emu_map_lock orders the removal of a page from @pages against the
 * emulator's page faults, which run under the mmap lock and so cannot take
 * @lock (it is held across the mmap lock elsewhere): @lock, then the mmap
 * lock, then @emu_map_lock.
 */
struct ccmem_vm {
	struct list_head node;		/* in ccmem_vms, under ccmem_vms_lock */
	u32 id;
	u32 type;
	u32 backend;
	u32 key_id;

	struct mutex lock;		/* see the comment above */
	u32 state;			/* CCMEM_VM_STATE_* */
	const struct ccmem_arch_ops *arch;
	void *arch_data;
#ifdef CONFIG_CCMEM_EMU_ENABLED
	const struct ccmem_arch_emu_ops *emu;	/* NULL on the hardware */
#endif
	struct mm_struct *mm;		/* the VMM's mm, for the shared backing */
	struct mem_cgroup *memcg;	/* the VMM's, for vCPU thread charges */
	kuid_t uid;			/* the creator, for ccmem_limit_*() */
	u64 gpa_limit;			/* guest memory lies below; vm_init */
	u64 attributes;			/* ccmem_vm_create's, for the runner */
	u32 gpa_width;			/* same; vm_init resolves 0 */
	bool convert_exits;		/* CCMEM_CAP_CONVERT_EXITS, under @lock */
	bool finalized;			/* the launch is over, under @lock */
	bool emulator;			/* CCMEM_CAP_EMU_EMULATOR, under @lock */
	struct mutex emu_map_lock;	/* see ccmem_pages_forget() */

	struct ccmem_mem_region *regions;	/* sorted by gfn */
	u32 nr_regions;
	u32 regions_cap;		/* entries allocated in @regions */
	unsigned long *slots;		/* slot numbers in use */
	u64 region_pages;

	struct rb_root attrs;		/* private gfn ranges, see attr.c */
	u64 nr_attr_ranges;		/* ranges in @attrs, under @lock */
	void *attr_spare;		/* a node made in advance, under @lock */
	struct xarray pages;		/* gfn -> ccmem_pg_mk(pfn, flags) */
	struct list_head pins;
	u32 nr_pins;

	spinlock_t fq_lock;		/* fq, fq_head, fq_count, fq_seq */
	struct mutex fq_read_lock;	/* one reader at a time dequeues */
	wait_queue_head_t fq_wait;
	struct ccmem_fault *fq;
	u32 fq_len, fq_head, fq_count;
	u64 fq_seq;

	struct ccmem_vm_counters stat;
	struct dentry *debugfs;
	u64 serial;			/* VMs created before it, plus one */
	pid_t creator_pid;		/* the creating process, for debugfs */
	char creator_comm[TASK_COMM_LEN];

	struct file *file;		/* the VM fd, for vCPU references */
	const struct ccmem_runner_ops *runner;	/* set once, under @lock */
	void *guest;			/* the runner's per-VM data */
	struct ccmem_vcpu *vcpus[CCMEM_MAX_VCPUS];	/* under @lock */
	u32 nr_vcpus;
};

/* limits.c: what one user may make ccmem allocate */
enum ccmem_limit {
	CCMEM_LIMIT_VCPUS,	/* vCPU threads */
	CCMEM_LIMIT_KEYS,	/* platform keys (vm->key_id), one per type */
	CCMEM_NR_LIMITS = CCMEM_LIMIT_KEYS + CCMEM_VM_TDX,
};

/* The keys limit of VM type @type (each platform has its own pool). */
#define CCMEM_LIMIT_KEYS_OF(type)	(CCMEM_LIMIT_KEYS + (type) - 1)

extern unsigned int ccmem_max_vcpus_per_user;
extern unsigned int ccmem_max_attr_ranges;
int ccmem_limit_charge(kuid_t uid, enum ccmem_limit what, u32 max);
void ccmem_limit_uncharge(kuid_t uid, enum ccmem_limit what);
void ccmem_limits_exit(void);

/* arch.c: the registry of platform modules and of the runner */
int ccmem_register_arch(const struct ccmem_arch_ops *ops);
void ccmem_unregister_arch(const struct ccmem_arch_ops *ops);
const struct ccmem_arch_ops *ccmem_arch_get(u32 type);
int ccmem_register_runner(const struct ccmem_runner_ops *ops);
void ccmem_unregister_runner(const struct ccmem_runner_ops *ops);
const struct ccmem_runner_ops *ccmem_runner_get(void);
long ccmem_check_extension(struct ccmem_vm *vm, unsigned long cap);
int ccmem_backend_param(const char *param, bool hw_ok);
int ccmem_backend_pick(const char *param, u32 req, bool hw_ok);
bool ccmem_vm_usable(struct ccmem_vm *vm);
extern struct mutex ccmem_vms_lock;
extern struct list_head ccmem_vms;

/* vm.c */
#define CCMEM_MAX_FAULT_QUEUE	65536	/* ccmem_vm_create.fault_queue_len */
long ccmem_create_vm(struct ccmem_vm_create __user *uarg);
int ccmem_vm_finalize_run(struct ccmem_vm *vm);

/* region.c */
const struct ccmem_mem_region *ccmem_find_region(struct ccmem_vm *vm, u64 gfn);
bool ccmem_range_in_regions(struct ccmem_vm *vm, u64 gfn, u64 npages);
/* The most units one CCMEM_VM_GET_MAP or one debugfs map query covers. */
#define CCMEM_MAP_MAX_UNITS	BIT(20)

u64 ccmem_regions_end(struct ccmem_vm *vm);
u64 ccmem_pages_in_regions(struct ccmem_vm *vm, u64 gfn, u64 npages);
long ccmem_vm_add_region(struct ccmem_vm *vm, void *arg);
void ccmem_region_remove(struct ccmem_vm *vm,
			 const struct ccmem_mem_region *r);
int ccmem_regions_init(struct ccmem_vm *vm);
void ccmem_regions_free(struct ccmem_vm *vm);

/* attr.c */
bool ccmem_gfn_is_private(struct ccmem_vm *vm, u64 gfn);
bool ccmem_range_is_private(struct ccmem_vm *vm, u64 gfn, u64 npages);
u64 ccmem_count_private(struct ccmem_vm *vm, u64 gfn, u64 npages);
int ccmem_attr_store(struct ccmem_vm *vm, u64 gfn, u64 npages, bool priv);
int ccmem_attr_make_private(struct ccmem_vm *vm, u64 gfn, u64 npages,
			    u64 *already);
int ccmem_attr_prepare_shared(struct ccmem_vm *vm, u64 gfn, u64 npages);
u64 ccmem_attr_nr_ranges(struct ccmem_vm *vm);
void ccmem_attr_init(struct ccmem_vm *vm);
void ccmem_attr_destroy(struct ccmem_vm *vm);

/* convert.c */
long ccmem_vm_set_attributes(struct ccmem_vm *vm, void *arg);
int ccmem_convert_range(struct ccmem_vm *vm, u64 gfn, u64 npages, bool priv);
long ccmem_vm_delete_region(struct ccmem_vm *vm, void *arg);

/* pool.c */
int ccmem_populate_gfn(struct ccmem_vm *vm, u64 gfn, bool immutable);
int ccmem_release_range(struct ccmem_vm *vm, u64 gfn, u64 npages);
long ccmem_vm_populate(struct ccmem_vm *vm, void *arg);
long ccmem_vm_launch_update(struct ccmem_vm *vm, void *arg);
void ccmem_vm_reclaim_all(struct ccmem_vm *vm);
void ccmem_pages_forget(struct ccmem_vm *vm, u64 gfn, u64 npages);
struct page *ccmem_private_page(struct ccmem_vm *vm, u64 gfn, void **entry);
void ccmem_leak_vm(struct ccmem_vm *vm, const char *what, int err);
void ccmem_pool_exit(void);

/* pin.c */
int ccmem_pin_user(unsigned long uaddr, u64 npages, struct page **pages);
bool ccmem_range_pinned(struct ccmem_vm *vm, u64 gfn, u64 npages, u64 *first);
long ccmem_vm_pin(struct ccmem_vm *vm, void *arg);
long ccmem_vm_unpin(struct ccmem_vm *vm, void *arg);
void ccmem_unpin_all(struct ccmem_vm *vm);

/* fault.c */
int ccmem_fault_init(struct ccmem_vm *vm, u32 len);
void ccmem_fault_free(struct ccmem_vm *vm);
int ccmem_queue_fault(struct ccmem_vm *vm, const struct ccmem_fault *f,
		      u64 *seq);
long ccmem_vm_read_faults(struct ccmem_vm *vm, void *arg);
__poll_t ccmem_fault_poll(struct ccmem_vm *vm, struct file *file,
			  struct poll_table_struct *wait);

/* vcpu.c */
long ccmem_vm_create_vcpu(struct ccmem_vm *vm, unsigned long id);
long ccmem_vm_guest_init(struct ccmem_vm *vm, void *arg);
void ccmem_vm_guest_free(struct ccmem_vm *vm);

/* emu.c: the ioctls of ccmem_emu.h (vm->lock held, VM usable, emu) */
#ifdef CONFIG_CCMEM_EMU_ENABLED
long ccmem_emu_insn_ioctl(struct ccmem_vm *vm, void *arg);
long ccmem_emu_access_ioctl(struct ccmem_vm *vm, void *arg);
long ccmem_emu_lookup_ioctl(struct ccmem_vm *vm, void *arg);
long ccmem_emu_inject_ioctl(struct ccmem_vm *vm, void *arg);

static inline bool ccmem_vm_emu(struct ccmem_vm *vm)
{
	return vm->emu;
}
#else
static inline bool ccmem_vm_emu(struct ccmem_vm *vm)
{
	return false;
}
#endif

/* stats.c */
long ccmem_vm_get_stats(struct ccmem_vm *vm, void *arg);
long ccmem_vm_get_map(struct ccmem_vm *vm, void *arg);
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

/* Exported to the platform modules and the runner. */
int ccmem_vm_resolve_private(struct ccmem_vm *vm, u64 gfn, bool populate,
			     u64 *pfn, bool *assigned_2m);
int ccmem_vm_split_2m(struct ccmem_vm *vm, u64 gfn);
int ccmem_vm_populate_gfn(struct ccmem_vm *vm, u64 gfn, int max_order);
int ccmem_vm_unsmash(struct ccmem_vm *vm, u64 gfn);
void __user *ccmem_vm_shared_uaddr(struct ccmem_vm *vm, u64 gpa, u32 len);
s64 ccmem_vcpu_exit(struct ccmem_vcpu *vcpu, struct ccmem_run *exit,
		    bool final);
bool ccmem_vcpu_stopping(struct ccmem_vcpu *vcpu);
#ifdef CONFIG_CCMEM_EMU_ENABLED
int ccmem_emu_report_fault(struct ccmem_vm *vm, struct ccmem_emu_req *req,
			   u64 gpa, u64 size, u32 reason, u32 flags,
			   u64 error_code);
int ccmem_emu_shared_access(struct ccmem_vm *vm, struct ccmem_emu_req *req);
int ccmem_emu_copy_private(u64 pfn, struct ccmem_emu_req *req);
int ccmem_vcpu_emu_req(struct ccmem_vcpu *vcpu, struct ccmem_emu_req *req,
		       bool insn);
int ccmem_vcpu_hypercall(struct ccmem_vcpu *vcpu, struct ccmem_hcall *hc);
#endif

#endif /* CCMEM_CORE_H */
