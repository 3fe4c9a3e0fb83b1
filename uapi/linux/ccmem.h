/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ccmem - confidential-VM memory management.
 *
 * The production interface a VMM uses on any platform and any backend:
 * the device, VMs, regions, attributes, populate, pins, fault records,
 * statistics, the memory map, vCPUs and the run loop. A backend with
 * extra ioctls of its own declares them in another header (ccmem_emu.h);
 * this one names none of them.
 *
 * /dev/ccmem answers CCMEM_GET_API_VERSION, CCMEM_CHECK_EXTENSION and
 * CCMEM_CREATE_VM. A VM fd answers the CCMEM_VM_* ioctls (and
 * CCMEM_CHECK_EXTENSION for that VM); a vCPU fd answers CCMEM_VCPU_RUN.
 *
 * Conventions: every struct has fixed-size fields, explicit padding, a
 * flags field and reserved fields. Unknown flags and non-zero reserved
 * fields are rejected with -EINVAL so that the ABI can grow. An ioctl that
 * fails has changed nothing, unless its description says exactly what it
 * did.
 */
#ifndef _UAPI_LINUX_CCMEM_H
#define _UAPI_LINUX_CCMEM_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define CCMEM_API_VERSION	2

/*
 * ioctl type 0xCC, numbers 0x20-0x5F (Documentation/userspace-api/ioctl/
 * ioctl-number.rst gives 0xCC 00-0F to the pseries VMC driver). This
 * header uses 0x20-0x3F; ccmem_emu.h uses 0x40-0x5F.
 */
#define CCMEM_IO		0xCC

/* VM types (struct ccmem_vm_create.type). */
#define CCMEM_VM_SNP		1	/* AMD Secure Nested Paging */
#define CCMEM_VM_TDX		2	/* Intel TDX */

/*
 * Backends (struct ccmem_vm_create.backend). AUTO picks the real
 * hardware when the host has it; other backends are in ccmem_emu.h.
 */
#define CCMEM_BACKEND_AUTO	0
#define CCMEM_BACKEND_HW	1

/*
 * Capabilities, asked for by name with CCMEM_CHECK_EXTENSION (like
 * KVM_CHECK_EXTENSION). The answer is 0 when the capability is absent,
 * else a positive value described here. On /dev/ccmem the answer is for
 * any VM; on a VM fd it is for that VM.
 */
#define CCMEM_CAP_VM_TYPES		1  /* bit (1 << type) per VM type */
#define CCMEM_CAP_HW_VM_TYPES		2  /* same, with a usable hw backend */
#define CCMEM_CAP_MAX_REGIONS		3  /* regions per VM */
#define CCMEM_CAP_DELETE_REGION		4  /* CCMEM_VM_DELETE_REGION works */
#define CCMEM_CAP_MAX_VCPUS		5  /* vCPUs per VM */
#define CCMEM_CAP_CONVERT_ERROR_GPA	6  /* ccmem_attributes.error_gpa */
#define CCMEM_CAP_STATS			7  /* counters of a VM (VM fd) */
#define CCMEM_CAP_MAX_PINS		8  /* pins per VM */
#define CCMEM_CAP_FAULT_QUEUE		9  /* largest fault_queue_len */
#define CCMEM_CAP_CONVERT_EXITS		10 /* CCMEM_VM_ENABLE_CAP: 1 */

/**
 * struct ccmem_enable_cap - argument of CCMEM_VM_ENABLE_CAP.
 * @cap:	the capability: CCMEM_CAP_CONVERT_EXITS.
 * @flags:	must be zero.
 * @args:	CCMEM_CAP_CONVERT_EXITS: @args[0] = 1 enables, 0 disables;
 *		the rest must be zero.
 * @reserved:	must be zero.
 *
 * Turns on a behaviour the VMM must opt in to, as KVM_ENABLE_CAP does.
 *
 * CCMEM_CAP_CONVERT_EXITS: the guest's conversion requests (SNP: Page
 * State Change; TDX: the map-GPA hypercall) reach the VMM as
 * CCMEM_EXIT_CONVERT exits. Until it is enabled they are refused as a host
 * without that support refuses them, like KVM without
 * KVM_CAP_EXIT_HYPERCALL: SNP with the generic Page State Change error,
 * TDX with the "sub-function unsupported" status.
 *
 * Errors: -EINVAL unknown @cap, flags, arguments or reserved; -EIO the VM
 * is dead.
 */
struct ccmem_enable_cap {
	__u32 cap;
	__u32 flags;
	__u64 args[4];
	__u64 reserved[2];
};

/**
 * struct ccmem_vm_create - argument of CCMEM_CREATE_VM.
 * @type:		CCMEM_VM_SNP or CCMEM_VM_TDX.
 * @backend:		CCMEM_BACKEND_AUTO, CCMEM_BACKEND_HW, or a backend of
 *			ccmem_emu.h.
 * @flags:		must be zero.
 * @fault_queue_len:	capacity of the VM's fault record queue; 0 selects
 *			the default (256). At most CCMEM_CAP_FAULT_QUEUE.
 * @key_id:		out: the memory-encryption key the platform gave the
 *			VM (its address space or key id); must be zero on
 *			input.
 * @backend_used:	out: the backend chosen; must be zero on input.
 * @attributes:		the platform's guest attributes. TDX: the TD's
 *			ATTRIBUTES; ccmem knows CCMEM_TDX_ATTR_NO_PENDING_VE
 *			only. SNP: must be zero.
 * @gpa_width:		TDX: the guest physical address width, 48 or 52 (0
 *			selects 52). The shared bit is bit @gpa_width - 1,
 *			and guest memory must lie below it. SNP: must be
 *			zero.
 * @reserved0:		must be zero.
 * @reserved:		must be zero.
 *
 * Return: a new VM file descriptor (O_CLOEXEC). Errors: -EINVAL bad
 * arguments (also attributes the platform does not know); -ENODEV no
 * module for @type, or @backend unavailable; -EBUSY
 * the platform has no free key; -EDQUOT the caller's user holds its share
 * of the keys; -EFAULT the argument cannot be read or written back
 * (nothing was created); -ENOMEM.
 */
struct ccmem_vm_create {
	__u32 type;
	__u32 backend;
	__u32 flags;
	__u32 fault_queue_len;
	__u32 key_id;
	__u32 backend_used;
	__u64 attributes;
	__u32 gpa_width;
	__u32 reserved0;
	__u64 reserved[2];
};

/*
 * struct ccmem_vm_create.attributes of a TDX VM: TD ATTRIBUTES bit 28. A
 * guest access to a page added but not yet accepted exits to the host
 * instead of raising #VE in the guest (what Linux guests ask for).
 */
#define CCMEM_TDX_ATTR_NO_PENDING_VE	(1ULL << 28)

/* struct ccmem_region.flags */
#define CCMEM_REGION_F_PRIVATE	(1U << 0)	/* the region starts private */

/**
 * struct ccmem_region - argument of CCMEM_VM_ADD_REGION and
 * CCMEM_VM_DELETE_REGION.
 * @gpa:		guest physical base; 4 KiB aligned.
 * @size:		size in bytes; 4 KiB aligned, non-zero, at most
 *			CCMEM_MAX_REGION_SIZE.
 * @shared_uaddr:	ADD: user address of the shared backing (@size bytes,
 *			4 KiB aligned). Guest shared accesses land here.
 *			Private backing is allocated by the module on demand
 *			and is never mapped into host userspace. DELETE: must
 *			be zero.
 * @flags:		ADD: CCMEM_REGION_F_PRIVATE, or zero (starts shared).
 *			DELETE: must be zero.
 * @slot:		ADD: out, the region's slot number, stable until the
 *			region is deleted. DELETE: ignored.
 * @reserved:		must be zero.
 *
 * ADD errors: -EINVAL misaligned, zero size, unknown flags or reserved
 * set; -E2BIG larger than CCMEM_MAX_REGION_SIZE or beyond CCMEM_MAX_GPA
 * (a TDX VM: beyond its shared bit, ccmem_vm_create.gpa_width);
 * -EEXIST overlaps a region of the VM; -EFAULT @shared_uaddr is not a
 * valid user range, or the argument cannot be written back; -ENOSPC the
 * VM has CCMEM_CAP_MAX_REGIONS regions, or (a private region) the VM's
 * cap on private ranges is reached; -ENOMEM.
 *
 * DELETE removes the region whose @gpa and @size are exactly these. Its
 * private pages are returned to the host through the platform and
 * scrubbed; the range forgets its attributes. Errors: -EINVAL; -ENOENT no
 * such region; -EBUSY part of it is pinned, or it holds the RAM or the
 * vCPU pages of a configured emulated guest; -ENOSPC the VM's cap on
 * private ranges is reached; -EIO a platform operation failed (pages
 * leaked, VM dead); -ENOMEM.
 */
struct ccmem_region {
	__u64 gpa;
	__u64 size;
	__u64 shared_uaddr;
	__u32 flags;
	__u32 slot;
	__u64 reserved[4];
};

#define CCMEM_MAX_REGIONS	512
#define CCMEM_MAX_REGION_SIZE	(1ULL << 40)	/* 1 TiB */
#define CCMEM_MAX_GPA		(1ULL << 51)	/* below the shared GPA bit */

/* struct ccmem_attributes.attributes */
#define CCMEM_ATTR_PRIVATE	(1ULL << 3)	/* same bit as KVM's */

/**
 * struct ccmem_attributes - argument of CCMEM_VM_SET_ATTRIBUTES.
 * @gpa:	start; 4 KiB aligned.
 * @size:	size in bytes; 4 KiB aligned, non-zero, inside the VM's
 *		regions.
 * @attributes:	CCMEM_ATTR_PRIVATE to make the range private, 0 to make it
 *		shared.
 * @flags:	must be zero.
 * @reserved0:	must be zero.
 * @error_gpa:	out: with -EBUSY, the first pinned gpa of the range (as
 *		upstream's in-place conversion reports error_offset);
 *		otherwise left as it was. Ignored on input.
 * @reserved:	must be zero.
 *
 * The conversion is all-or-nothing: the whole range is checked before any
 * page changes state. Private->shared returns each populated page to the
 * hypervisor through the platform and scrubs it before the host allocator
 * sees it again. Shared->private never exposes old host-visible content:
 * private pages are always fresh, scrubbed pages.
 *
 * Errors: -EINVAL bad alignment, flags, attributes or reserved; -ENOENT part
 * of the range is not covered by a region; -EBUSY part of the range is
 * pinned (see @error_gpa); -ENOSPC the VM's cap on private ranges is
 * reached (ccmem.max_attr_ranges); -EIO a platform operation failed (the
 * pages are leaked and the VM is dead, which later calls also report);
 * -EFAULT the argument cannot be read or written back; -ENOMEM.
 */
struct ccmem_attributes {
	__u64 gpa;
	__u64 size;
	__u64 attributes;
	__u32 flags;
	__u32 reserved0;
	__u64 error_gpa;
	__u64 reserved[2];
};

/* struct ccmem_populate.flags */
#define CCMEM_POPULATE_F_IMMUTABLE	(1U << 0)	/* launch pages */

/**
 * struct ccmem_populate - argument of CCMEM_VM_POPULATE.
 * @gpa:	start; 4 KiB aligned.
 * @size:	size in bytes; 4 KiB aligned, non-zero.
 * @flags:	CCMEM_POPULATE_F_IMMUTABLE assigns launch pages that only
 *		firmware may change until the VM is destroyed.
 * @reserved0:	must be zero.
 * @populated:	out: bytes newly allocated and assigned to the guest
 *		(ignored on input).
 * @reserved:	must be zero.
 *
 * Allocates private backing for a private range and assigns it to the
 * guest through the platform: as one 2 MiB assignment where the whole
 * aligned 2 MiB is private, else 4 KiB ones. Pages are assigned but not
 * accepted: the guest accepts them. TDX adds launch pages 4 KiB at a
 * time (TDH.MEM.PAGE.ADD). Errors: -EINVAL; -ENOENT part of the range is
 * in no region; -EPERM part of it is shared; -EBUSY launch pages after
 * CCMEM_VM_FINALIZE; -ENOMEM; -EINTR a
 * fatal signal; -EIO a platform failure (VM dead); -EFAULT the argument
 * cannot be read or written back (nothing was done). After -ENOMEM,
 * -EINTR or -EIO, @populated says what was done and those pages stay.
 */
struct ccmem_populate {
	__u64 gpa;
	__u64 size;
	__u32 flags;
	__u32 reserved0;
	__u64 populated;
	__u64 reserved[2];
};

/**
 * struct ccmem_launch_update - argument of CCMEM_VM_LAUNCH_UPDATE.
 * @gpa:	start; 4 KiB aligned.
 * @size:	size in bytes; 4 KiB aligned, non-zero.
 * @source:	user address of @size bytes of initial content.
 * @flags:	must be zero.
 * @reserved0:	must be zero.
 * @done:	out: bytes added (ignored on input).
 * @reserved:	must be zero.
 *
 * Adds launch pages with their initial content, before the VM is
 * finalized (SNP: the page assigned Pre-Guest, then the firmware's
 * LAUNCH_UPDATE leaves it validated and mutable, as the guest finds its
 * launch image; TDX: TDH.MEM.PAGE.ADD, which copies the content into the
 * TD and maps the page accepted). One 4 KiB page at a time: the content is copied from
 * @source with no lock held, then the page is added. The range must be
 * private, inside the regions, and have no private page yet.
 *
 * Errors: -EINVAL; -ENOENT part of the range is in no region; -EPERM part
 * of it is shared; -EEXIST a page of it is populated already; -EBUSY the
 * VM is finalized; -EFAULT @source cannot be read (or the argument cannot
 * be written back); -ENOMEM; -EINTR a fatal signal; -EIO a platform
 * failure (VM dead). After an error, @done says what was added; those
 * pages stay.
 */
struct ccmem_launch_update {
	__u64 gpa;
	__u64 size;
	__u64 source;
	__u32 flags;
	__u32 reserved0;
	__u64 done;
	__u64 reserved[2];
};

/**
 * struct ccmem_pin - argument of CCMEM_VM_PIN and CCMEM_VM_UNPIN.
 * @gpa:	start; 4 KiB aligned.
 * @size:	size in bytes; 4 KiB aligned, non-zero, at most
 *		CCMEM_MAX_PIN_SIZE.
 * @flags:	must be zero.
 * @reserved0:	must be zero.
 * @reserved:	must be zero.
 *
 * CCMEM_VM_PIN long-term pins the shared backing of a shared range for DMA.
 * While pinned, any conversion touching the range fails with -EBUSY.
 * CCMEM_VM_UNPIN releases a pin made with exactly the same @gpa and @size.
 *
 * The range must lie in one region. Pinned pages count against the
 * caller's RLIMIT_MEMLOCK (and show in its VmPin), as VFIO's pins do.
 *
 * Errors: -EINVAL bad alignment, size, flags or reserved; -ENOENT not inside
 * one region (PIN) or no such pin (UNPIN); -EPERM part of the range is
 * private; -ENOSPC the VM has CCMEM_MAX_PINS pins; -ENOMEM RLIMIT_MEMLOCK
 * reached, or no memory; -EFAULT the shared backing could not be pinned;
 * -EAGAIN the region changed while pinning (retry); -EINTR; -EIO the VM
 * is dead.
 */
struct ccmem_pin {
	__u64 gpa;
	__u64 size;
	__u32 flags;
	__u32 reserved0;
	__u64 reserved[2];
};

#define CCMEM_MAX_PINS		256
#define CCMEM_MAX_PIN_SIZE	(1ULL << 30)

/* struct ccmem_fault.reason */
#define CCMEM_FAULT_PLATFORM	1  /* the platform refused a guest access */
#define CCMEM_FAULT_ATTRIBUTE	2  /* access kind != the gfn's attribute */
#define CCMEM_FAULT_NO_REGION	3  /* gpa is not in any region */
#define CCMEM_FAULT_HOST_ACCESS	4  /* the host touched a guest-owned page */

/* struct ccmem_fault.flags */
#define CCMEM_FAULT_F_WRITE	(1U << 1)	/* the access was a write */
#define CCMEM_FAULT_F_EXEC	(1U << 2)	/* an instruction fetch */
#define CCMEM_FAULT_F_PRIVATE	(1U << 3)	/* KVM_MEMORY_EXIT_FLAG_PRIVATE */

/**
 * struct ccmem_fault - one fault: a queued record, or a memory-fault exit.
 * @seq:	sequence number of a queued record; consecutive per VM,
 *		starting at 1 (a gap would mean a lost record: the queue
 *		never drops one). 0 in a CCMEM_EXIT_MEMORY_FAULT exit.
 * @gpa:	faulting guest physical address (4 KiB aligned).
 * @size:	size of the faulting access range (4 KiB or 2 MiB).
 * @reason:	CCMEM_FAULT_*.
 * @flags:	CCMEM_FAULT_F_*: the kind of access.
 * @error_code:	the platform's own error code (SNP: the nested page fault
 *		error code; TDX: the Secure-EPT state of the entry the host
 *		could not resolve), 0 when there is none.
 * @vcpu:	the vCPU that faulted.
 * @reserved:	zero.
 */
struct ccmem_fault {
	__u64 seq;
	__u64 gpa;
	__u64 size;
	__u32 reason;
	__u32 flags;
	__u64 error_code;
	__u32 vcpu;
	__u32 reserved[3];
};

/**
 * struct ccmem_fault_read - argument of CCMEM_VM_READ_FAULTS.
 * @records:	user pointer to an array of struct ccmem_fault.
 * @nr:		capacity of @records, at least 1.
 * @count:	out: records copied and removed from the queue (ignored on
 *		input).
 * @flags:	must be zero.
 * @pending:	out: records still queued after this read (ignored on
 *		input).
 * @reserved:	must be zero.
 *
 * The queue holds struct ccmem_vm_create.fault_queue_len records. When it
 * is full, the access that would add a record does not happen and fails
 * with -EAGAIN (a guest-side request of the VMM is refused whole while the
 * queue is full, before it changes anything): nothing is dropped. The VMM
 * drains with this ioctl (poll() on the VM fd reports EPOLLIN while
 * records are queued) and the access is retried. The VM counter
 * "faults_backpressure" counts those refusals.
 */
struct ccmem_fault_read {
	__u64 records;
	__u32 nr;
	__u32 count;
	__u32 flags;
	__u32 pending;
	__u64 reserved[2];
};

/*
 * VM states: the VM counter "vm.state". LIVE is normal. DEAD follows a
 * platform failure: only stats, the map, fault reads and close still work.
 * (A VM holds its platform module until it is destroyed, so the module
 * cannot go away under a live VM.)
 */
#define CCMEM_VM_STATE_LIVE	0
#define CCMEM_VM_STATE_DEAD	1

/* struct ccmem_stats_desc.unit */
#define CCMEM_UNIT_NONE		0	/* a count of events or things */
#define CCMEM_UNIT_BYTES	1
#define CCMEM_UNIT_PAGES	2	/* 4 KiB pages */
#define CCMEM_UNIT_ENUM		3	/* a state; see the description */

/* struct ccmem_stats_desc.flags */
#define CCMEM_STAT_F_CUMULATIVE	(1U << 0)	/* only ever grows */

#define CCMEM_STAT_NAME_LEN	32
#define CCMEM_STAT_DESC_LEN	88

/**
 * struct ccmem_stats_desc - what one counter is.
 * @name:	"group.counter", NUL terminated; the group is "vm" for the
 *		core, the platform's name for its own counters.
 * @unit:	CCMEM_UNIT_*.
 * @flags:	CCMEM_STAT_F_*.
 * @desc:	one line for people, NUL terminated.
 */
struct ccmem_stats_desc {
	char name[CCMEM_STAT_NAME_LEN];
	__u32 unit;
	__u32 flags;
	char desc[CCMEM_STAT_DESC_LEN];
};

/**
 * struct ccmem_stats - argument of CCMEM_VM_GET_STATS.
 * @values:	user pointer to @nr __u64 values, or 0.
 * @descs:	user pointer to @nr struct ccmem_stats_desc, or 0.
 * @nr:		in: room in @values and @descs; out: the number of
 *		counters the VM has (which may be larger: call again).
 * @flags:	must be zero.
 * @reserved:	must be zero.
 *
 * Like KVM's binary statistics: the descriptors name every counter once,
 * and the values come in the same order. VMs of different platforms have
 * different sets (each platform adds its own group). The set of a VM
 * changes only when the emulated guest's group comes, when it is
 * configured. Read the descriptors with the values when in doubt.
 * The values of one group are read together under the VM's lock; the
 * emulated guest's counters change while its vCPUs run and are each read
 * atomically. Errors: -EINVAL flags or reserved; -EFAULT; -ENOMEM; -EINTR.
 */
struct ccmem_stats {
	__u64 values;
	__u64 descs;
	__u32 nr;
	__u32 flags;
	__u64 reserved[2];
};

/* One byte per unit in the CCMEM_VM_GET_MAP buffer. */
#define CCMEM_MAP_PRIVATE	(1U << 0)	/* some page is private */
#define CCMEM_MAP_SHARED	(1U << 1)	/* some page is shared */
#define CCMEM_MAP_ACCEPTED	(1U << 2)	/* some private page accepted */
#define CCMEM_MAP_UNACCEPTED	(1U << 3)	/* some private page is not */
#define CCMEM_MAP_PINNED	(1U << 4)	/* some page is pinned */
#define CCMEM_MAP_HOLE		(1U << 5)	/* some page is in no region */

/**
 * struct ccmem_map - argument of CCMEM_VM_GET_MAP.
 * @gpa:	start; aligned to the unit.
 * @size:	size in bytes; a multiple of the unit, at most 1 << 20 units.
 * @buf:	user pointer to size >> @unit_shift bytes of CCMEM_MAP_* bits.
 * @unit_shift:	log2 of the unit, 12 (4 KiB) to 30 (1 GiB).
 * @flags:	must be zero.
 * @reserved:	must be zero.
 *
 * Errors: -EINVAL misaligned, zero, out of range, bad unit, flags or
 * reserved; -E2BIG more than 1 << 20 units; -EFAULT @buf; -ENOMEM; -EINTR.
 */
struct ccmem_map {
	__u64 gpa;
	__u64 size;
	__u64 buf;
	__u32 unit_shift;
	__u32 flags;
	__u64 reserved[2];
};

#define CCMEM_MAX_VCPUS		64

/* struct ccmem_run.exit_reason */
#define CCMEM_EXIT_CONVERT	1	/* the guest asks for a conversion */
#define CCMEM_EXIT_MEMORY_FAULT	2	/* an access the VMM must resolve */
#define CCMEM_EXIT_SECURITY	3	/* the guest detected a host attack */
#define CCMEM_EXIT_TERMINATED	4	/* the guest terminated */
/* 0x100 and above: exits of ccmem_emu.h. */

/* struct ccmem_exit_convert.flags */
#define CCMEM_CONVERT_F_PRIVATE	(1U << 0)	/* to private; else shared */

/**
 * struct ccmem_exit_convert - CCMEM_EXIT_CONVERT.
 * @gpa:	start of the range (4 KiB aligned).
 * @size:	bytes.
 * @flags:	CCMEM_CONVERT_F_PRIVATE for private, else shared.
 * @reserved0:	zero.
 * @ret:	in: the VMM's answer before the next run: 0 done (the VMM
 *		called CCMEM_VM_SET_ATTRIBUTES), non-zero refused (the guest
 *		gets the platform's generic error).
 *
 * One conversion request of the guest, whatever carried it: the platform
 * module decodes and checks the guest's hypercall (several entries of one
 * request may be merged into one exit) and waits for the answer, as
 * KVM_HC_MAP_GPA_RANGE serves both platforms in KVM.
 */
struct ccmem_exit_convert {
	__u64 gpa;
	__u64 size;
	__u32 flags;
	__u32 reserved0;
	__s64 ret;
};

/* struct ccmem_exit_security.reason: what the guest detected. */
#define CCMEM_SEC_DOUBLE_ACCEPT		1  /* accepted twice: "no change" */
#define CCMEM_SEC_SUBSTITUTION		2  /* an accepted page came back */
#define CCMEM_SEC_RELEASE_UNACCEPTED	3  /* released a page not accepted */
#define CCMEM_SEC_CONVERT_BACKWARD	4  /* the host moved progress back */
#define CCMEM_SEC_CONVERT_ERROR		5  /* the host failed a conversion */
#define CCMEM_SEC_ACCEPT_FAILED		6  /* the accept instruction failed */
#define CCMEM_SEC_CONVERT_NO_PROGRESS	7  /* the host made no progress */
#define CCMEM_SEC_SHARED_ACCESS		8  /* private access to its shared */

/**
 * struct ccmem_exit_security - CCMEM_EXIT_SECURITY.
 * @reason:	CCMEM_SEC_*.
 * @reserved0:	zero.
 * @gpa:	the page concerned.
 * @detail:	reason-specific: the platform's code.
 *
 * The guest found the host misbehaving and will terminate: the next run
 * returns CCMEM_EXIT_TERMINATED.
 */
struct ccmem_exit_security {
	__u32 reason;
	__u32 reserved0;
	__u64 gpa;
	__u64 detail;
};

/* struct ccmem_exit_terminated.flags */
#define CCMEM_TERM_F_GUEST	(1U << 0)	/* the guest asked for it */

/**
 * struct ccmem_exit_terminated - CCMEM_EXIT_TERMINATED.
 * @flags:	CCMEM_TERM_F_GUEST when the guest sent the platform's
 *		termination request; otherwise the host ended the guest
 *		(a platform failure, another vCPU's termination).
 * @reason_set:	the reason set of the guest's termination request, as its
 *		platform defines it (Documentation/uapi.rst lists them).
 * @reason_code: the reason code of that request.
 * @detail:	the host's errno when it ended the guest, else 0.
 * @reserved:	zero.
 *
 * Further runs return -ESHUTDOWN.
 */
struct ccmem_exit_terminated {
	__u32 flags;
	__u32 reason_set;
	__u64 reason_code;
	__u64 detail;
	__u64 reserved;
};

/**
 * struct ccmem_run - argument of CCMEM_VCPU_RUN.
 * @exit_reason:	out: CCMEM_EXIT_*.
 * @flags:		must be zero.
 * @reserved0:		must be zero.
 * @convert:		CCMEM_EXIT_CONVERT; @convert.ret is read back.
 * @memory_fault:	CCMEM_EXIT_MEMORY_FAULT: the fault (@seq 0: it is
 *			returned here, not queued); the access is retried on
 *			the next run.
 * @security:		CCMEM_EXIT_SECURITY.
 * @terminated:		CCMEM_EXIT_TERMINATED.
 * @exit:		room for exits to grow (256 bytes).
 * @state:		out: the vCPU state a backend reports with every exit
 *			(ccmem_emu.h describes it); zero otherwise.
 * @reserved:		must be zero.
 *
 * Runs the vCPU until its next exit, as KVM_RUN does. The answer to an
 * exit (@convert.ret) is passed in the next call. A VM that is not
 * finalized is finalized first (CCMEM_VM_FINALIZE).
 *
 * Errors: -EFAULT the struct cannot be read or written back (nothing was
 * delivered); -EINVAL flags or reserved set; -ESHUTDOWN the guest
 * terminated; -ENOEXEC nothing to run; -EINTR a signal (the exit is
 * kept for the next run); -EIO the caller is not the VM's creator, the
 * VM is dead, or finalizing it failed.
 */
struct ccmem_run {
	__u32 exit_reason;
	__u32 flags;
	__u64 reserved0;
	union {
		struct ccmem_exit_convert convert;
		struct ccmem_fault memory_fault;
		struct ccmem_exit_security security;
		struct ccmem_exit_terminated terminated;
		__u64 exit[32];
	};
	__u64 state[16];
	__u64 reserved[4];
};

/* ioctls on /dev/ccmem */
#define CCMEM_GET_API_VERSION	_IO(CCMEM_IO, 0x20)
#define CCMEM_CHECK_EXTENSION	_IO(CCMEM_IO, 0x21)	/* also a VM fd */
#define CCMEM_CREATE_VM		_IOWR(CCMEM_IO, 0x22, struct ccmem_vm_create)

/*
 * ioctls on a VM fd. CCMEM_VM_CREATE_VCPU takes the vCPU's index (below
 * CCMEM_CAP_MAX_VCPUS) as its argument and returns a vCPU fd; ccmem runs
 * vCPUs for VMs with an emulated guest (ccmem_emu.h). Errors: -EINVAL bad
 * index, or no emulated guest; -EEXIST the index is taken; -EAGAIN the
 * caller's user has ccmem.max_vcpus_per_user vCPUs; -EIO the VM is dead;
 * -ENOMEM.
 */
#define CCMEM_VM_ADD_REGION	_IOWR(CCMEM_IO, 0x28, struct ccmem_region)
#define CCMEM_VM_DELETE_REGION	_IOW(CCMEM_IO, 0x29, struct ccmem_region)
#define CCMEM_VM_SET_ATTRIBUTES	_IOWR(CCMEM_IO, 0x2a, struct ccmem_attributes)
#define CCMEM_VM_POPULATE	_IOWR(CCMEM_IO, 0x2b, struct ccmem_populate)
#define CCMEM_VM_PIN		_IOW(CCMEM_IO, 0x2c, struct ccmem_pin)
#define CCMEM_VM_UNPIN		_IOW(CCMEM_IO, 0x2d, struct ccmem_pin)
#define CCMEM_VM_READ_FAULTS	_IOWR(CCMEM_IO, 0x2e, struct ccmem_fault_read)
#define CCMEM_VM_GET_STATS	_IOWR(CCMEM_IO, 0x2f, struct ccmem_stats)
#define CCMEM_VM_GET_MAP	_IOW(CCMEM_IO, 0x30, struct ccmem_map)
#define CCMEM_VM_CREATE_VCPU	_IO(CCMEM_IO, 0x31)	/* arg: vCPU id */
#define CCMEM_VM_ENABLE_CAP	_IOW(CCMEM_IO, 0x32, struct ccmem_enable_cap)
/*
 * CCMEM_VM_FINALIZE ends the launch (TDX: TDH.MR.FINALIZE; SNP: ccmem's
 * own record only, no LAUNCH_FINISH is issued yet): launch pages
 * (CCMEM_POPULATE_F_IMMUTABLE, CCMEM_VM_LAUNCH_UPDATE) are refused after
 * it with -EBUSY. The first CCMEM_VCPU_RUN finalizes a VM the VMM
 * did not finalize. Finalizing twice is not an error. Errors: -EIO the
 * platform refused, or the VM is dead.
 */
#define CCMEM_VM_FINALIZE	_IO(CCMEM_IO, 0x33)
#define CCMEM_VM_LAUNCH_UPDATE	_IOWR(CCMEM_IO, 0x34, struct ccmem_launch_update)

/* ioctls on a vCPU fd */
#define CCMEM_VCPU_RUN		_IOWR(CCMEM_IO, 0x38, struct ccmem_run)

#endif /* _UAPI_LINUX_CCMEM_H */
