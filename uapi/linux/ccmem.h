/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ccmem - confidential-VM memory management for AMD SEV-SNP and Intel TDX.
 *
 * This is the one ABI shared by the host modules, the guest code, the
 * selftests, the tools and the QEMU patches.
 *
 * The interface is the character device /dev/ccmem plus one file descriptor
 * per VM. /dev/ccmem answers CCMEM_GET_API_VERSION and CCMEM_CREATE_VM; every
 * other ioctl is issued on a VM fd.
 *
 * Conventions: every struct has fixed-size fields, explicit padding, a flags
 * field and reserved fields. Unknown flags and non-zero reserved fields are
 * rejected with -EINVAL so that the ABI can grow.
 */
#ifndef _UAPI_LINUX_CCMEM_H
#define _UAPI_LINUX_CCMEM_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define CCMEM_API_VERSION	1
#define CCMEM_IO		0xCC

/* VM types (struct ccmem_vm_create.type). */
#define CCMEM_VM_SNP		1
#define CCMEM_VM_TDX		2

/* Platform backends (struct ccmem_vm_create.backend). */
#define CCMEM_BACKEND_AUTO	0	/* hw when the host supports it, else emu */
#define CCMEM_BACKEND_HW	1	/* the real instructions */
#define CCMEM_BACKEND_EMU	2	/* the software model of the platform */

/**
 * struct ccmem_vm_create - argument of CCMEM_CREATE_VM.
 * @type:		CCMEM_VM_SNP or CCMEM_VM_TDX.
 * @backend:		CCMEM_BACKEND_AUTO, _HW or _EMU.
 * @flags:		must be zero.
 * @fault_queue_len:	capacity of the VM's fault record queue; 0 selects
 *			the default (256). At most 65536.
 * @asid:		out: the ASID (SNP) or key id (TDX) given to the VM;
 *			must be zero on input.
 * @backend_used:	out: the backend chosen (CCMEM_BACKEND_HW or _EMU);
 *			must be zero on input.
 * @reserved:		must be zero.
 *
 * On success the ioctl returns a new VM file descriptor (O_CLOEXEC).
 */
struct ccmem_vm_create {
	__u32 type;
	__u32 backend;
	__u32 flags;
	__u32 fault_queue_len;
	__u32 asid;
	__u32 backend_used;
	__u64 reserved[4];
};

/* struct ccmem_region.flags */
#define CCMEM_REGION_F_PRIVATE	(1U << 0)	/* the region starts private */

/**
 * struct ccmem_region - argument of CCMEM_VM_ADD_REGION.
 * @gpa:		guest physical base; 4 KiB aligned.
 * @size:		size in bytes; 4 KiB aligned, non-zero, at most
 *			CCMEM_MAX_REGION_SIZE.
 * @shared_uaddr:	user address of the shared backing (@size bytes,
 *			4 KiB aligned). Guest shared accesses land here.
 *			Private backing is allocated by the module on demand
 *			and is never mapped into host userspace.
 * @flags:		CCMEM_REGION_F_PRIVATE, or zero (starts shared).
 * @slot:		out: the region's index.
 * @reserved:		must be zero.
 *
 * Errors: -EINVAL misaligned, zero size, unknown flags or reserved set;
 * -E2BIG larger than CCMEM_MAX_REGION_SIZE or beyond CCMEM_MAX_GPA;
 * -EEXIST overlaps a region of the VM; -EFAULT @shared_uaddr is not a valid
 * user range; -ENOSPC the VM has CCMEM_MAX_REGIONS regions.
 */
struct ccmem_region {
	__u64 gpa;
	__u64 size;
	__u64 shared_uaddr;
	__u32 flags;
	__u32 slot;
	__u64 reserved[4];
};

#define CCMEM_MAX_REGIONS	64
#define CCMEM_MAX_REGION_SIZE	(1ULL << 40)	/* 1 TiB */
#define CCMEM_MAX_GPA		(1ULL << 51)	/* below the TDX shared bit */

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
 * pinned; -EIO a platform operation failed (the pages are leaked and the VM
 * is dead); -ENODEV the platform module went away.
 */
struct ccmem_attributes {
	__u64 gpa;
	__u64 size;
	__u64 attributes;
	__u32 flags;
	__u32 reserved0;
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
 * Allocates private backing for a private range and assigns it to the guest
 * through the platform (RMPUPDATE on SNP): as one 2 MiB entry where the
 * whole aligned 2 MiB is private, else 4 KiB entries. Pages are assigned
 * but not validated: the guest validates them. Errors as for
 * CCMEM_VM_SET_ATTRIBUTES, plus -EPERM when part of the range is shared and
 * -ENOMEM.
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
 * Errors: -EINVAL bad alignment, size, flags or reserved; -ENOENT not inside
 * a region (PIN) or no such pin (UNPIN); -EPERM part of the range is
 * private; -ENOSPC the VM has CCMEM_MAX_PINS pins; -EFAULT the shared
 * backing could not be pinned.
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
#define CCMEM_FAULT_RMP_NPF		1  /* guest access broke an RMP rule */
#define CCMEM_FAULT_MEMORY_ATTR		2  /* access kind != gfn attribute */
#define CCMEM_FAULT_NO_REGION		3  /* gpa is not in any region */
#define CCMEM_FAULT_HOST_RMP_PF		4  /* host wrote an assigned page */

/* struct ccmem_fault.flags */
#define CCMEM_FAULT_F_PRIVATE	(1U << 0)	/* the access was private */
#define CCMEM_FAULT_F_WRITE	(1U << 1)
#define CCMEM_FAULT_F_EXEC	(1U << 2)

/**
 * struct ccmem_fault - one fault record, queued for the VMM.
 * @seq:	sequence number; consecutive per VM, starting at 1. A gap
 *		would mean a lost record: the queue never drops one.
 * @gpa:	faulting guest physical address (4 KiB aligned).
 * @size:	size of the faulting access range (4 KiB or 2 MiB).
 * @reason:	CCMEM_FAULT_*.
 * @flags:	CCMEM_FAULT_F_*: the kind of access.
 * @error_code:	the hardware error code (#NPF / #PF bits), if any.
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
 * with -EAGAIN: nothing is dropped. The VMM drains with this ioctl (poll()
 * on the VM fd reports EPOLLIN while records are queued) and the access is
 * retried. ccmem_vm_stats.faults_backpressure counts those refusals.
 */
struct ccmem_fault_read {
	__u64 records;
	__u32 nr;
	__u32 count;
	__u32 flags;
	__u32 pending;
	__u64 reserved[2];
};

/**
 * struct ccmem_vm_stats - argument of CCMEM_VM_GET_STATS.
 * @flags:		must be zero on input.
 * @state:		out: CCMEM_VM_STATE_*.
 * @private_bytes:	bytes of the VM's regions that are private.
 * @shared_bytes:	bytes of the VM's regions that are shared.
 * @attr_ranges:	attribute ranges stored (the cost unit of a
 *			conversion).
 * @populated_pages:	private 4 KiB pages currently allocated.
 * @assigned_2m:	2 MiB platform assignments made (RMPUPDATE 2M).
 * @assigned_4k:	4 KiB platform assignments made.
 * @to_private:		conversions to private (ioctl calls).
 * @to_shared:		conversions to shared (ioctl calls).
 * @scrubbed_pages:	pages scrubbed before leaving the VM.
 * @reclaimed_pages:	pages returned to the hypervisor state.
 * @leaked_pages:	pages leaked after a platform failure.
 * @splits:		2 MiB entries split (PSMASH).
 * @platform_retries:	platform operations retried (OVERLAP/INUSE/BUSY).
 * @pinned_pages:	pages pinned for DMA now.
 * @faults_queued:	fault records queued in total.
 * @faults_backpressure: accesses refused because the queue was full.
 * @sigbus:		host userspace touches of private memory refused.
 * @reserved:		zero.
 */
struct ccmem_vm_stats {
	__u32 flags;
	__u32 state;
	__u64 private_bytes;
	__u64 shared_bytes;
	__u64 attr_ranges;
	__u64 populated_pages;
	__u64 assigned_2m;
	__u64 assigned_4k;
	__u64 to_private;
	__u64 to_shared;
	__u64 scrubbed_pages;
	__u64 reclaimed_pages;
	__u64 leaked_pages;
	__u64 splits;
	__u64 platform_retries;
	__u64 pinned_pages;
	__u64 faults_queued;
	__u64 faults_backpressure;
	__u64 sigbus;
	__u64 reserved[8];
};

/*
 * struct ccmem_vm_stats.state: LIVE is normal. DEAD follows a platform
 * failure: only stats, the map, fault reads and close still work. DETACHED
 * follows the unload of the platform module: the memory was reclaimed.
 */
#define CCMEM_VM_STATE_LIVE	0
#define CCMEM_VM_STATE_DEAD	1
#define CCMEM_VM_STATE_DETACHED	2

/* One byte per unit in the CCMEM_VM_GET_MAP buffer. */
#define CCMEM_MAP_PRIVATE	(1U << 0)	/* some page is private */
#define CCMEM_MAP_SHARED	(1U << 1)	/* some page is shared */
#define CCMEM_MAP_VALIDATED	(1U << 2)	/* some private page validated */
#define CCMEM_MAP_UNVALIDATED	(1U << 3)	/* some private page is not */
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
 */
struct ccmem_map {
	__u64 gpa;
	__u64 size;
	__u64 buf;
	__u32 unit_shift;
	__u32 flags;
	__u64 reserved[2];
};

/* struct ccmem_emu_op.op: guest-side (and host-access) platform operations */
#define CCMEM_EMU_PVALIDATE	1	/* arg: validate (1) / rescind (0) */
#define CCMEM_EMU_RMPADJUST	2	/* arg: RMPADJUST attributes */
#define CCMEM_EMU_READ		3	/* guest read of len bytes into buf */
#define CCMEM_EMU_WRITE		4	/* guest write of len bytes from buf */
#define CCMEM_EMU_HOST_WRITE	5	/* host kernel write to the backing */
#define CCMEM_EMU_LOOKUP	6	/* read the RMP entry backing gpa */

/* struct ccmem_emu_op.flags */
#define CCMEM_EMU_F_2M		(1U << 0)	/* 2 MiB page size */
#define CCMEM_EMU_F_SHARED	(1U << 1)	/* C-bit clear: shared access */

/* struct ccmem_emu_op.result */
#define CCMEM_EMU_R_DONE	0	/* the instruction completed; see ret */
#define CCMEM_EMU_R_FAULT	1	/* exited to the VMM; see fault_seq */
#define CCMEM_EMU_R_VC		2	/* #VC raised in the guest; see ret */

/* struct ccmem_emu_op.out_flags */
#define CCMEM_EMU_O_NOCHANGE	(1U << 0)	/* PVALIDATE rFLAGS.CF */
#define CCMEM_EMU_O_ASSIGNED	(1U << 1)	/* LOOKUP: entry assigned */
#define CCMEM_EMU_O_VALIDATED	(1U << 2)	/* LOOKUP: entry validated */
#define CCMEM_EMU_O_2M		(1U << 3)	/* LOOKUP: 2 MiB entry */
#define CCMEM_EMU_O_IMMUTABLE	(1U << 4)	/* LOOKUP: entry immutable */

/**
 * struct ccmem_emu_op - argument of CCMEM_VM_EMU_GUEST_OP (emu backend).
 * @op:		CCMEM_EMU_*.
 * @flags:	CCMEM_EMU_F_*.
 * @gpa:	guest physical address; 4 KiB aligned (2 MiB with _F_2M)
 *		except for READ/WRITE, which must not cross a page.
 * @buf:	READ/WRITE/HOST_WRITE: user buffer.
 * @len:	READ/WRITE/HOST_WRITE: bytes, 1 to 4096.
 * @vmpl:	the guest VMPL executing the operation (0-3).
 * @arg:	PVALIDATE: 1 validate, 0 rescind. RMPADJUST: attributes
 *		(bits 7:0 permissions, 15:8 target VMPL, bit 16 VMSA).
 * @result:	out: CCMEM_EMU_R_*.
 * @out_flags:	out: CCMEM_EMU_O_*.
 * @ret:	out: the instruction's EAX, or the #VC error code.
 * @fault_seq:	out: with CCMEM_EMU_R_FAULT, the queued record's seq.
 * @asid:	out: LOOKUP: the entry's ASID.
 * @reserved0:	must be zero.
 * @reserved:	must be zero.
 *
 * Executes one guest instruction or access against the VM's emulated
 * platform, as the hardware would, from the caller's context. Returns
 * -EOPNOTSUPP on the hw backend and -EAGAIN when a fault record could not
 * be queued (see struct ccmem_fault_read).
 */
struct ccmem_emu_op {
	__u32 op;
	__u32 flags;
	__u64 gpa;
	__u64 buf;
	__u32 len;
	__u32 vmpl;
	__u64 arg;
	__u32 result;
	__u32 out_flags;
	__u64 ret;
	__u64 fault_seq;
	__u32 asid;
	__u32 reserved0;
	__u64 reserved[2];
};

/* struct ccmem_emu_inject.op */
#define CCMEM_INJECT_RMPUPDATE	1	/* make RMPUPDATE fail */
#define CCMEM_INJECT_PSMASH	2	/* make PSMASH fail */
#define CCMEM_INJECT_PSC_EARLY	3	/* PSC: stop after @code entries */
#define CCMEM_INJECT_PSC_BACKWARD 4	/* PSC: move cur_entry back by @code */

/**
 * struct ccmem_emu_inject - argument of CCMEM_VM_EMU_INJECT (emu backend).
 * @op:		CCMEM_INJECT_*.
 * @code:	the hardware code the next calls return instead of running.
 * @count:	how many calls fail (0 clears the injection).
 * @flags:	must be zero.
 * @reserved:	must be zero.
 *
 * A test control of the emulated platform: the next @count @op calls made
 * for this VM return @code. Use it to exercise the retry and leak paths.
 *
 * The PSC controls act on the next @count GHCB PSC requests of the VM:
 * PSC_EARLY makes the host return to the guest after @code entries (0:
 * with no progress), as a host working in chunks may; PSC_BACKWARD makes a
 * malicious host write cur_entry back by @code after its work.
 */
struct ccmem_emu_inject {
	__u32 op;
	__u32 code;
	__u32 count;
	__u32 flags;
	__u64 reserved[2];
};

/*
 * The emulated guest (emu backend, ccmem_guest.ko loaded).
 *
 * The VMM configures the guest once (CCMEM_VM_GUEST_INIT), creates vCPUs
 * (CCMEM_VM_CREATE_VCPU returns a vCPU fd), gives each vCPU a program
 * (CCMEM_VCPU_SET_PROGRAM) and runs it (CCMEM_VCPU_RUN) until an exit, as
 * with KVM_RUN. Each vCPU is a kernel thread executing the guest half of
 * ccmem against the emulated platform.
 */

/* struct ccmem_guest_config.policy */
#define CCMEM_ACCEPT_EAGER	0	/* accept everything at boot */
#define CCMEM_ACCEPT_LAZY	1	/* accept on first allocation/touch */
#define CCMEM_ACCEPT_HYBRID	2	/* first eager_bytes at boot, then lazy */

/* struct ccmem_guest_config.flags */
#define CCMEM_GUEST_F_FORCE_4K	(1U << 0)	/* ladder never tries 2 MiB */
#define CCMEM_GUEST_F_PSC_MSR	(1U << 1)	/* PSC by the MSR protocol */

#define CCMEM_MAX_VCPUS		64

/**
 * struct ccmem_guest_config - argument of CCMEM_VM_GUEST_INIT.
 * @policy:	CCMEM_ACCEPT_*.
 * @unit_shift:	log2 of the accepted-memory bitmap unit, 12 to 30; 0 means
 *		21 (2 MiB, as Linux).
 * @mem_gpa:	start of the guest's RAM; aligned to the unit.
 * @mem_size:	bytes of RAM; a multiple of the unit; inside the regions.
 * @eager_bytes: HYBRID: bytes from @mem_gpa accepted at boot; a multiple
 *		of the unit, at most @mem_size. Must be 0 otherwise.
 * @ghcb_gpa:	GHCB page of vCPU 0; vCPU n uses @ghcb_gpa + n * 4096. The
 *		pages must lie in a region, outside [@mem_gpa, @mem_gpa +
 *		@mem_size), and be shared when the vCPU runs.
 * @flags:	CCMEM_GUEST_F_*.
 * @reserved0:	must be zero.
 * @reserved:	must be zero.
 *
 * Once per VM, before the first vCPU. Returns -ENODEV when ccmem_guest.ko
 * is not loaded, -EOPNOTSUPP on the hw backend, -EEXIST when configured.
 */
struct ccmem_guest_config {
	__u32 policy;
	__u32 unit_shift;
	__u64 mem_gpa;
	__u64 mem_size;
	__u64 eager_bytes;
	__u64 ghcb_gpa;
	__u32 flags;
	__u32 reserved0;
	__u64 reserved[4];
};

/* struct ccmem_guest_insn.op: one guest program step */
#define CCMEM_GOP_BOOT		1	/* the policy's boot-time acceptance */
#define CCMEM_GOP_ACCEPT	2	/* accept [gpa, gpa + size) */
#define CCMEM_GOP_READ		3	/* private read of [gpa, gpa + size) */
#define CCMEM_GOP_WRITE		4	/* write pattern @arg over the range */
#define CCMEM_GOP_CHECK		5	/* check pattern @arg (0: zeros) */

#define CCMEM_GOP_ALLOC		6	/* allocate @size bytes -> r0 */
#define CCMEM_GOP_FREE		7	/* free [gpa, gpa + size) */
#define CCMEM_GOP_CONVERT	8	/* convert; @arg = CCMEM_PSC_* */
#define CCMEM_GOP_PSC_RAW	9	/* raw NAE PSC; @arg -> ccmem_psc_raw */
#define CCMEM_GOP_PSC_MSR_RAW	10	/* raw MSR PSC; @arg = GHCB MSR value */

/* struct ccmem_guest_insn.flags */
#define CCMEM_GOP_F_R0		(1U << 0)	/* gpa is relative to r0 */

/**
 * ccmem_pattern() - the byte WRITE and CHECK use at @gpa for @seed.
 * @seed: the step's @arg; 0 means zeros.
 * @gpa: the byte's guest physical address.
 */
static inline __u8 ccmem_pattern(__u64 seed, __u64 gpa)
{
	return seed ? (__u8)(seed + (gpa >> 3) * 13 + (gpa >> 12)) : 0;
}

/**
 * struct ccmem_guest_insn - one step of a guest program.
 * @op:		CCMEM_GOP_*.
 * @flags:	CCMEM_GOP_F_*.
 * @gpa:	guest physical address (4 KiB aligned except READ, WRITE and
 *		CHECK).
 * @size:	bytes (4 KiB multiple for ACCEPT, ALLOC, FREE, CONVERT).
 * @arg:	op-specific: pattern seed, PSC operation, raw request pointer.
 */
struct ccmem_guest_insn {
	__u32 op;
	__u32 flags;
	__u64 gpa;
	__u64 size;
	__u64 arg;
};

#define CCMEM_PSC_PRIVATE	1	/* GHCB PSC operations */
#define CCMEM_PSC_SHARED	2
#define CCMEM_PSC_PSMASH	3
#define CCMEM_PSC_UNSMASH	4
#define CCMEM_PSC_MAX_ENTRIES	253
#define CCMEM_GHCB_SHARED_BUF_SIZE 2032	/* bytes of the GHCB shared buffer */

/**
 * struct ccmem_psc_raw - a hand-built GHCB PSC request (CCMEM_GOP_PSC_RAW).
 * @buf_off:	offset of the request in the GHCB shared buffer (8-aligned,
 *		below 2032); the host sees only the bytes up to its end.
 * @cur_entry:	header cur_entry.
 * @end_entry:	header end_entry.
 * @nr:		entries written to the buffer (that fit after @buf_off).
 * @reserved:	must be zero.
 * @entries:	entries: cur_page 11:0, gfn 51:12, operation 55:52, page
 *		size 56.
 */
struct ccmem_psc_raw {
	__u32 buf_off;
	__u16 cur_entry;
	__u16 end_entry;
	__u32 nr;
	__u32 reserved;
	__u64 entries[CCMEM_PSC_MAX_ENTRIES];
};

/**
 * struct ccmem_program - argument of CCMEM_VCPU_SET_PROGRAM.
 * @insns:	user pointer to @nr struct ccmem_guest_insn.
 * @nr:		1 to 4096 steps.
 * @flags:	must be zero.
 * @reserved:	must be zero.
 *
 * Replaces the vCPU's program; allowed before the first run and after a
 * DONE exit. Every step is checked here (-EINVAL).
 */
struct ccmem_program {
	__u64 insns;
	__u32 nr;
	__u32 flags;
	__u64 reserved[2];
};

#define CCMEM_MAX_PROGRAM	4096

/* struct ccmem_run.exit_reason */
#define CCMEM_EXIT_DONE		1	/* the program ran to its end */
#define CCMEM_EXIT_PSC		2	/* page state change request */
#define CCMEM_EXIT_MEMORY_FAULT	3	/* an access the VMM must resolve */
#define CCMEM_EXIT_SECURITY	4	/* the guest detected a host attack */
#define CCMEM_EXIT_TERMINATED	5	/* the guest terminated */
#define CCMEM_EXIT_CHECK	6	/* a CHECK step found other data */
#define CCMEM_EXIT_STEP_ERROR	7	/* the guest refused a step */

/* struct ccmem_run.psc.form */
#define CCMEM_PSC_FORM_MSR	1
#define CCMEM_PSC_FORM_GHCB	2

/* struct ccmem_run.security.reason and .term.reason */
#define CCMEM_SEC_DOUBLE_VALIDATE	1  /* PVALIDATE no-change, unaccepted */
#define CCMEM_SEC_SUBSTITUTION		2  /* #VC 0x404 on an accepted page */
#define CCMEM_SEC_RESCIND_UNVALIDATED	3  /* rescind of a non-valid page */
#define CCMEM_SEC_PSC_BACKWARD		4  /* host moved PSC progress back */
#define CCMEM_SEC_PSC_ERROR		5  /* host failed a PSC request */
#define CCMEM_SEC_PVALIDATE_FAILED	6  /* PVALIDATE failed */
#define CCMEM_SEC_PSC_NO_PROGRESS	7  /* host made no PSC progress */
/* A private access to a page the guest itself made shared. */
#define CCMEM_SEC_SHARED_ACCESS		8

/**
 * struct ccmem_run - argument of CCMEM_VCPU_RUN.
 * @exit_reason: out: CCMEM_EXIT_*.
 * @flags:	must be zero.
 * @pc:		out: index of the program step that exited.
 * @reserved0:	must be zero.
 * @r0:		out: the gpa of the last ALLOC.
 * @psc_result: out: SW_EXITINFO2 (NAE) or the response error (MSR) of
 *		the last raw PSC step.
 * @psc:	CCMEM_EXIT_PSC: one merged run of entries. @gpa, @size and
 *		@op (CCMEM_PSC_PRIVATE/SHARED) describe it; @form says which
 *		protocol carried it. The VMM converts the range (or not) and
 *		sets @ret before the next run: 0 done, non-zero refused (the
 *		guest gets the generic PSC error).
 * @fault:	CCMEM_EXIT_MEMORY_FAULT: the fault (its @seq is 0: the record
 *		is returned here, not queued); the step is retried on the
 *		next run.
 * @security:	CCMEM_EXIT_SECURITY: @reason (CCMEM_SEC_*), @gpa, @detail.
 *		The next run returns CCMEM_EXIT_TERMINATED.
 * @term:	CCMEM_EXIT_TERMINATED: the reason (CCMEM_SEC_*, or 0 after
 *		another vCPU's event), @gpa and @detail. Further runs return
 *		-ESHUTDOWN.
 * @check:	CCMEM_EXIT_CHECK: first differing @gpa, @expected and @got
 *		bytes.
 * @step:	CCMEM_EXIT_STEP_ERROR: the guest's own bookkeeping refused the
 *		step at @pc (@error: EINVAL for a range it does not own in
 *		that state, ENOMEM when its allocator or records are full,
 *		ERANGE outside its RAM). The program stops; the vCPU stays
 *		usable.
 *
 * DONE, CHECK, STEP_ERROR and TERMINATED end the program; the next run
 * after DONE, CHECK or STEP_ERROR starts the (possibly new) program at
 * step 0.
 * @reserved:	must be zero.
 */
struct ccmem_run {
	__u32 exit_reason;
	__u32 flags;
	__u32 pc;
	__u32 reserved0;
	__u64 r0;
	__u64 psc_result;
	union {
		struct {
			__u64 gpa;
			__u64 size;
			__u32 op;
			__u32 form;
			__s64 ret;
		} psc;
		struct ccmem_fault fault;
		struct {
			__u32 reason;
			__u32 pad;
			__u64 gpa;
			__u64 detail;
		} security, term;
		struct {
			__u64 gpa;
			__u8 expected;
			__u8 got;
			__u8 pad[6];
		} check;
		struct {
			__u32 error;
			__u32 pad;
		} step;
		__u64 pad[8];
	};
	__u64 reserved[4];
};

/**
 * struct ccmem_guest_stats - argument of CCMEM_VM_GUEST_STATS.
 * @flags:		must be zero.
 * @nr_vcpus:		out: vCPUs created.
 * @accepted_bytes:	guest: bytes accepted so far.
 * @unaccepted_bytes:	guest: bytes of RAM still unaccepted.
 * @eager_accepts:	guest: units accepted at boot.
 * @lazy_accepts:	guest: units accepted on demand.
 * @vc_accepts:		guest: lazy accepts driven by a #VC 0x404.
 * @fallbacks_4k:	guest: 2 MiB PVALIDATEs that fell back to 4 KiB.
 * @pvalidate_calls:	guest: PVALIDATE instructions executed.
 * @vmgexits:		guest: VMGEXITs issued.
 * @psc_entries:	guest: PSC entries sent.
 * @psc_reissues:	guest: PSC requests re-issued after partial progress.
 * @to_shared:		guest: pages converted to shared.
 * @to_private:		guest: pages converted to private.
 * @security_events:	guest: fatal events detected.
 * @inflight_waits:	guest: waits for units another vCPU was accepting.
 * @alloc_pages:	guest: pages allocated.
 * @free_pages:		guest: pages freed.
 * @host_psc_requests:	host: PSC requests decoded (MSR and NAE).
 * @host_psc_exits:	host: PSC exits to the VMM (after merging).
 * @host_psc_entries:	host: PSC entries processed.
 * @host_psc_errors:	host: PSC requests refused with an error code.
 * @host_psmash_hints:	host: PSMASH hints honoured.
 * @host_unsmash_hints:	host: UNSMASH hints honoured.
 * @reserved:		zero.
 */
struct ccmem_guest_stats {
	__u32 flags;
	__u32 nr_vcpus;
	__u64 accepted_bytes;
	__u64 unaccepted_bytes;
	__u64 eager_accepts;
	__u64 lazy_accepts;
	__u64 vc_accepts;
	__u64 fallbacks_4k;
	__u64 pvalidate_calls;
	__u64 vmgexits;
	__u64 psc_entries;
	__u64 psc_reissues;
	__u64 to_shared;
	__u64 to_private;
	__u64 security_events;
	__u64 inflight_waits;
	__u64 alloc_pages;
	__u64 free_pages;
	__u64 host_psc_requests;
	__u64 host_psc_exits;
	__u64 host_psc_entries;
	__u64 host_psc_errors;
	__u64 host_psmash_hints;
	__u64 host_unsmash_hints;
	__u64 reserved[8];
};

/* ioctls on /dev/ccmem */
#define CCMEM_GET_API_VERSION	_IO(CCMEM_IO, 0x00)
#define CCMEM_CREATE_VM		_IOWR(CCMEM_IO, 0x01, struct ccmem_vm_create)

/* ioctls on a VM fd */
#define CCMEM_VM_ADD_REGION	_IOWR(CCMEM_IO, 0x10, struct ccmem_region)
#define CCMEM_VM_SET_ATTRIBUTES	_IOW(CCMEM_IO, 0x11, struct ccmem_attributes)
#define CCMEM_VM_POPULATE	_IOWR(CCMEM_IO, 0x12, struct ccmem_populate)
#define CCMEM_VM_PIN		_IOW(CCMEM_IO, 0x13, struct ccmem_pin)
#define CCMEM_VM_UNPIN		_IOW(CCMEM_IO, 0x14, struct ccmem_pin)
#define CCMEM_VM_READ_FAULTS	_IOWR(CCMEM_IO, 0x15, struct ccmem_fault_read)
#define CCMEM_VM_GET_STATS	_IOWR(CCMEM_IO, 0x16, struct ccmem_vm_stats)
#define CCMEM_VM_GET_MAP	_IOW(CCMEM_IO, 0x17, struct ccmem_map)
#define CCMEM_VM_EMU_GUEST_OP	_IOWR(CCMEM_IO, 0x20, struct ccmem_emu_op)
#define CCMEM_VM_EMU_INJECT	_IOW(CCMEM_IO, 0x21, struct ccmem_emu_inject)
#define CCMEM_VM_GUEST_INIT	_IOW(CCMEM_IO, 0x30, struct ccmem_guest_config)
#define CCMEM_VM_CREATE_VCPU	_IO(CCMEM_IO, 0x31)	/* arg: vCPU id */
#define CCMEM_VM_GUEST_STATS	_IOWR(CCMEM_IO, 0x32, struct ccmem_guest_stats)

/* ioctls on a vCPU fd */
#define CCMEM_VCPU_SET_PROGRAM	_IOW(CCMEM_IO, 0x40, struct ccmem_program)
#define CCMEM_VCPU_RUN		_IOWR(CCMEM_IO, 0x41, struct ccmem_run)

#endif /* _UAPI_LINUX_CCMEM_H */
