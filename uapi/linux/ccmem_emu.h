/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ccmem_emu.h - the extra interface of ccmem's emu backend: the software
 * model of the platform (the SNP RMP, the TDX module's Secure-EPT).
 *
 * Only a kernel built with CONFIG_CCMEM_EMU has it. Every ioctl here fails
 * with -EOPNOTSUPP on a VM of the hw backend, and with -ENOTTY on a
 * kernel without the emu backend.
 *
 * Four audiences:
 *  - a VMM that plays the CPU (QEMU TCG) forwards the guest-side
 *    instructions (CCMEM_EMU_GUEST_INSN) and asks the access check of a
 *    TLB fill (CCMEM_EMU_ACCESS);
 *  - the emulated guest: vCPU threads that run ccmem's own guest half
 *    against the model, driven by a program (CCMEM_EMU_GUEST_INIT,
 *    CCMEM_VCPU_EMU_SET_PROGRAM, then CCMEM_VCPU_RUN);
 *  - the malicious-host and failure-injection controls (CCMEM_EMU_INJECT);
 *  - inspection of the model (CCMEM_EMU_LOOKUP).
 */
#ifndef _UAPI_LINUX_CCMEM_EMU_H
#define _UAPI_LINUX_CCMEM_EMU_H

#include <linux/ccmem.h>

/* struct ccmem_vm_create.backend: the software model. */
#define CCMEM_BACKEND_EMU	2

/* CCMEM_CHECK_EXTENSION */
#define CCMEM_CAP_EMU		0x100	/* bit (1 << type): VM types on emu */
#define CCMEM_CAP_EMU_GUEST	0x101	/* the emulated guest is loaded */
#define CCMEM_CAP_EMU_EMULATOR	0x102	/* CCMEM_VM_ENABLE_CAP: 1 */

/*
 * CCMEM_CAP_EMU_EMULATOR, with CCMEM_VM_ENABLE_CAP and @args[0] = 1: the
 * VMM plays the CPU (QEMU's TCG) and is trusted as the hardware. The VM
 * fd's private window (mmap at offset = GPA) then maps the VM's private
 * pages into the creating process instead of refusing every touch with
 * SIGBUS: a page is mapped while it is private and has a backing page,
 * and unmapped before it leaves the VM (conversion to shared, reclaim,
 * destroy), so a stale access gets SIGBUS, never another page. Only a
 * MAP_SHARED mapping made by the process that created the VM is live; it
 * is not inherited across fork() and cannot be pinned (get_user_pages
 * fails on it).
 *
 * This gives up invariant 4 (host userspace never reads private memory)
 * for this VM alone, which is what an emulator needs: it executes the
 * guest's instructions, so it must read and write the guest's private
 * pages. A VM without the capability keeps every guarantee. It is
 * refused on the hardware backend (-EOPNOTSUPP) and after the launch
 * ended (-EBUSY: a guest that ran protected never becomes readable), and
 * it cannot be turned off (@args[0] other than 1: -EINVAL).
 */

/* struct ccmem_emu_insn.insn: the guest-side instructions. */
#define CCMEM_INSN_PVALIDATE	1	/* SNP: F2 0F 01 FF */
#define CCMEM_INSN_RMPADJUST	2	/* SNP: F3 0F 01 FE */
#define CCMEM_INSN_TDG_ACCEPT	3	/* TDX: TDCALL TDG.MEM.PAGE.ACCEPT */

/* struct ccmem_emu_insn.result and struct ccmem_emu_access.result */
#define CCMEM_EMU_R_DONE	0	/* completed; see the output fields */
#define CCMEM_EMU_R_FAULT	1	/* a fault for the VMM: fault_seq */
#define CCMEM_EMU_R_EXCEPTION	2	/* raise @vector in the guest */

/* Exceptions the model raises in the guest (ccmem_emu_*.vector). */
#define CCMEM_EMU_VECTOR_VE	20	/* TDX #VE */
#define CCMEM_EMU_VECTOR_VC	29	/* SNP #VC */

/* struct ccmem_emu_insn.rflags_out */
#define CCMEM_EMU_RFLAGS_CF	(1ULL << 0)

/**
 * struct ccmem_emu_insn - argument of CCMEM_EMU_GUEST_INSN.
 * @insn:	CCMEM_INSN_*.
 * @vcpu:	the vCPU executing it (fault records name it).
 * @level:	the guest privilege level executing it: SNP the VMPL (0-3);
 *		TDX must be 0.
 * @flags:	must be zero.
 * @gpa:	the guest physical address the instruction's address operand
 *		translates to (the VMM did the guest page walk; PVALIDATE and
 *		RMPADJUST take a virtual address in RAX).
 * @rcx:	the instruction's RCX: SNP page size (0 4K, 1 2M); TDX: the
 *		level in bits 2:0 (0 4K, 1 2M) - the GPA comes from @gpa.
 * @rdx:	the instruction's RDX: PVALIDATE 1 validate / 0 rescind;
 *		RMPADJUST target VMPL 7:0, permissions 15:8, VMSA bit 16.
 * @result:	out: CCMEM_EMU_R_*.
 * @vector:	out: with CCMEM_EMU_R_EXCEPTION, the vector.
 * @rax_out:	out: RAX after the instruction (the return code; for TDX
 *		the TDCALL status).
 * @rflags_out:	out: CCMEM_EMU_RFLAGS_CF for PVALIDATE "no change".
 * @error_code:	out: the exception's error code.
 * @fault_seq:	out: with CCMEM_EMU_R_FAULT, the queued record's seq. The
 *		VMM resolves it and executes the instruction again.
 * @reserved:	must be zero.
 *
 * Executes one instruction against the model, as the hardware would.
 * Errors: -EINVAL bad arguments or an instruction of another platform;
 * -EAGAIN the fault queue is full (drain it, then retry).
 */
struct ccmem_emu_insn {
	__u32 insn;
	__u32 vcpu;
	__u32 level;
	__u32 flags;
	__u64 gpa;
	__u64 rcx;
	__u64 rdx;
	__u32 result;
	__u32 vector;
	__u64 rax_out;
	__u64 rflags_out;
	__u64 error_code;
	__u64 fault_seq;
	__u64 reserved[4];
};

/* struct ccmem_emu_access.flags */
#define CCMEM_ACCESS_F_WRITE	(1U << 0)
#define CCMEM_ACCESS_F_EXEC	(1U << 1)
#define CCMEM_ACCESS_F_SHARED	(1U << 2)	/* C-bit clear / shared bit set */
#define CCMEM_ACCESS_F_HOST	(1U << 3)	/* the host kernel, not the guest */
#define CCMEM_ACCESS_F_2M	(1U << 4)	/* through a 2 MiB mapping */
#define CCMEM_ACCESS_F_USER	(1U << 5)	/* a guest user-mode access */
#define CCMEM_ACCESS_F_CHECK	(1U << 6)	/* check only, copy nothing */

/**
 * struct ccmem_emu_access - argument of CCMEM_EMU_ACCESS.
 * @gpa:	the address accessed.
 * @buf:	user buffer to copy from (write) or to (read); unused with
 *		CCMEM_ACCESS_F_CHECK.
 * @len:	bytes, 1 to 4096, not crossing a 4 KiB page; 0 with
 *		CCMEM_ACCESS_F_CHECK.
 * @flags:	CCMEM_ACCESS_F_*. The mapping size is the size of the
 *		mapping the access goes through: the nested mapping for a
 *		guest access, the host's own mapping for a host access.
 * @vcpu:	the guest vCPU (fault records name it).
 * @level:	the guest privilege level: SNP the VMPL (0-3); else 0.
 * @result:	out: CCMEM_EMU_R_*.
 * @vector:	out: with CCMEM_EMU_R_EXCEPTION, the vector (the access did
 *		not happen).
 * @error_code:	out: the exception's error code.
 * @fault_seq:	out: with CCMEM_EMU_R_FAULT, the queued record's seq.
 * @reserved:	must be zero.
 *
 * The access check a TCG TLB fill needs, with the access itself unless
 * CCMEM_ACCESS_F_CHECK: private pages come from ccmem's pool (populated
 * on the first touch, as a KVM fault on guest_memfd), shared pages are the
 * region's shared backing. An access of the wrong kind queues a
 * CCMEM_FAULT_ATTRIBUTE record; the platform's rules decide the rest.
 * Errors: -EINVAL; -EAGAIN the fault queue is full; -EFAULT @buf or the
 * shared backing; -ENOENT a host access to a private page with no backing;
 * -ENOMEM; -EINTR; -EIO the VM is dead.
 */
struct ccmem_emu_access {
	__u64 gpa;
	__u64 buf;
	__u32 len;
	__u32 flags;
	__u32 vcpu;
	__u32 level;
	__u32 result;
	__u32 vector;
	__u64 error_code;
	__u64 fault_seq;
	__u64 reserved[4];
};

/* struct ccmem_emu_lookup.state: the platform state of a page. */
#define CCMEM_EMU_S_ASSIGNED	(1U << 0)	/* owned by a guest */
#define CCMEM_EMU_S_ACCEPTED	(1U << 1)	/* validated / accepted */
#define CCMEM_EMU_S_2M		(1U << 2)	/* a 2 MiB entry */
#define CCMEM_EMU_S_IMMUTABLE	(1U << 3)	/* SNP: firmware only */
#define CCMEM_EMU_S_VMSA	(1U << 4)	/* SNP: a VMSA page */

/**
 * struct ccmem_emu_lookup - argument of CCMEM_EMU_LOOKUP.
 * @gpa:	a guest physical address (4 KiB aligned).
 * @flags:	must be zero.
 * @state:	out: CCMEM_EMU_S_* of the entry that governs the page.
 * @key_id:	out: the owner's key id (SNP: the ASID).
 * @perms:	out: SNP: the permission masks of VMPL 0-3, one byte each.
 * @raw:	out: the platform's own encoding of the entry state (TDX:
 *		the Secure-EPT state).
 * @reserved:	must be zero.
 *
 * A page with no private backing reports 0. Errors: -EINVAL.
 */
struct ccmem_emu_lookup {
	__u64 gpa;
	__u32 flags;
	__u32 state;
	__u32 key_id;
	__u32 perms;
	__u64 raw;
	__u64 reserved[2];
};

/* struct ccmem_emu_inject.op */
#define CCMEM_INJECT_ASSIGN		1  /* the assign operation fails */
#define CCMEM_INJECT_SPLIT		2  /* the split operation fails */
#define CCMEM_INJECT_CONVERT_EARLY	3  /* return after @code pages */
#define CCMEM_INJECT_CONVERT_BACKWARD	4  /* move progress back by @code */
#define CCMEM_INJECT_BUSY		5  /* the entry at @gpa is locked */
#define CCMEM_INJECT_BLOCK		6  /* TDX: the host blocks @gpa */
#define CCMEM_INJECT_ACCEPT_CHUNK	7  /* TDX: 2M ACCEPT stops every @code */
#define CCMEM_INJECT_CONVERT_OUTSIDE	8  /* progress past the request's end */
#define CCMEM_INJECT_CONVERT_LIE	9  /* "done" without asking the VMM */

/**
 * struct ccmem_emu_inject - argument of CCMEM_EMU_INJECT.
 * @op:		CCMEM_INJECT_*.
 * @code:	ASSIGN, SPLIT: the platform code the next calls return
 *		instead of running (non-zero: a control never makes a skipped
 *		operation report success). CONVERT_EARLY: the pages the host
 *		converts per request (0: no progress). CONVERT_BACKWARD: how
 *		far it moves the guest's progress back (non-zero).
 * @count:	how many calls or requests are affected; 0 clears.
 * @flags:	must be zero.
 * @gpa:	BUSY, BLOCK: the page (4 KiB aligned); else must be zero.
 * @reserved:	must be zero.
 *
 * Failure injection and the malicious-host controls of the model. ASSIGN
 * and SPLIT act on the platform operations (SNP: every RMPUPDATE, the ones
 * that assign a page and the ones that return it, and PSMASH);
 * CONVERT_EARLY and CONVERT_BACKWARD on the guest's conversion requests
 * (SNP: NAE Page State Change requests; BACKWARD moves cur_entry back
 * only in a request that started at an entry >= @code; TDX: MapGPA
 * requests, RETRY after @code pages, and a resume GPA @code pages before
 * the start of the request). CONVERT_OUTSIDE reports progress past the
 * end of the request (SNP: cur_entry @code entries beyond end_entry + 1;
 * TDX: the resume GPA of a RETRY @code pages past the end, 1 being the
 * first page after it). CONVERT_LIE answers the next @count conversion
 * requests "done" without asking the VMM and without converting anything
 * (SNP: every entry's cur_page complete and cur_entry past the end; TDX:
 * SUCCESS); @code is ignored.
 *
 * TDX: ASSIGN acts on TDH.MEM.PAGE.AUG, PAGE.ADD, RANGE.BLOCK and
 * PAGE.REMOVE, SPLIT on PAGE.DEMOTE; @code is the status class (bits
 * 63:32) returned instead, an error or OPERAND_BUSY (0x80000200, which the
 * host retries). BUSY holds the Secure-EPT entry lock of the private page
 * at @gpa for the next @count calls that take it (OPERAND_BUSY). BLOCK
 * (with a non-zero @count) blocks the leaf at @gpa at once, as a host in
 * the middle of a removal leaves it: the guest's next ACCEPT or access
 * exits, and the host unblocks it. ACCEPT_CHUNK with a non-zero @count
 * makes every 2 MiB ACCEPT stop with INTERRUPTED_RESUMABLE after each
 * @code pages it zeroes, as the module does when an interrupt is pending,
 * until a call with @count 0 clears it. SNP has no BUSY, BLOCK or
 * ACCEPT_CHUNK (-EOPNOTSUPP): its model has no entry lock a guest can
 * meet, no blocked state and no resumable PVALIDATE.
 *
 * Errors: -EINVAL unknown @op, or a zero @code with a non-zero @count
 * (ASSIGN, SPLIT, BACKWARD, OUTSIDE), or a code that would report
 * success;
 * -ENOENT BUSY or BLOCK at a @gpa with no private page (BLOCK: none
 * mapped there); -EBUSY BLOCK refused by the module (the entry is locked);
 * -EOPNOTSUPP an @op this platform does not have; -ENOMEM.
 */
struct ccmem_emu_inject {
	__u32 op;
	__u32 code;
	__u32 count;
	__u32 flags;
	__u64 gpa;
	__u64 reserved;
};

/*
 * The emulated guest. The VMM configures it once (CCMEM_EMU_GUEST_INIT),
 * creates vCPUs (CCMEM_VM_CREATE_VCPU), gives each a program
 * (CCMEM_VCPU_EMU_SET_PROGRAM) and runs it (CCMEM_VCPU_RUN) until an exit.
 * Each vCPU is a kernel thread executing ccmem's guest half.
 */

/* struct ccmem_emu_guest_config.policy */
#define CCMEM_ACCEPT_EAGER	0	/* accept everything at boot */
#define CCMEM_ACCEPT_LAZY	1	/* accept on first allocation/touch */
#define CCMEM_ACCEPT_HYBRID	2	/* first eager_bytes at boot, then lazy */

/* struct ccmem_emu_guest_config.flags */
#define CCMEM_GUEST_F_FORCE_4K	(1U << 0)	/* ladder never tries 2 MiB */
#define CCMEM_GUEST_F_CONVERT_MSR (1U << 1)	/* SNP: PSC by the MSR form */
#define CCMEM_GUEST_F_FORWARD	(1U << 2)	/* the VMM plays the CPU */

/**
 * struct ccmem_emu_guest_config - argument of CCMEM_EMU_GUEST_INIT.
 * @policy:	CCMEM_ACCEPT_*.
 * @unit_shift:	log2 of the accepted-memory bitmap unit, 12 to 30; 0 means
 *		21 (2 MiB, as Linux).
 * @mem_gpa:	start of the guest's RAM; aligned to the unit.
 * @mem_size:	bytes of RAM; a multiple of the unit; inside the regions.
 * @eager_bytes: HYBRID: bytes from @mem_gpa accepted at boot; a multiple
 *		of the unit, at most @mem_size. Must be 0 otherwise.
 * @comm_gpa:	SNP: the GHCB page of vCPU 0; vCPU n uses @comm_gpa +
 *		n * 4096. The pages must lie in a region, outside the RAM,
 *		and be shared when the vCPU runs. TDX: 0 (a TD passes its
 *		hypercalls in registers), or pages as for SNP.
 * @flags:	CCMEM_GUEST_F_* (CONVERT_MSR: SNP only).
 * @reserved0:	must be zero.
 * @reserved:	must be zero.
 *
 * Once per VM, before the first vCPU. The @comm_gpa pages of every
 * possible vCPU (CCMEM_MAX_VCPUS of them) must lie in the regions.
 *
 * CCMEM_GUEST_F_FORWARD: no emulated guest runs; the VMM plays the CPU of
 * a real guest (QEMU's TCG) and its vCPU programs only forward that
 * guest's hypercalls to the host (CCMEM_GOP_VMGEXIT, CCMEM_GOP_TDVMCALL),
 * so that conversions come back to it as CCMEM_EXIT_CONVERT exits and a
 * termination as CCMEM_EXIT_TERMINATED. Every other field must be zero
 * (@unit_shift may be 0 or 21), and any other step is refused when the
 * program is set.
 * Errors: -ENODEV the emulated guest (ccmem_guest.ko) is not loaded;
 * -EEXIST already configured; -EINVAL; -E2BIG the RAM has more than 2^30
 * units; -EOPNOTSUPP no emulated guest for this VM type yet; -ENOMEM.
 */
struct ccmem_emu_guest_config {
	__u32 policy;
	__u32 unit_shift;
	__u64 mem_gpa;
	__u64 mem_size;
	__u64 eager_bytes;
	__u64 comm_gpa;
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
#define CCMEM_GOP_CONVERT	8	/* @arg: CCMEM_GOP_TO_PRIVATE/SHARED */
#define CCMEM_GOP_PSC_RAW	9	/* SNP: raw NAE PSC; @arg -> psc_raw */
#define CCMEM_GOP_PSC_MSR_RAW	10	/* SNP: raw MSR PSC; @arg = MSR */
#define CCMEM_GOP_VMGEXIT	11	/* SNP: @arg -> ccmem_emu_vmgexit */
#define CCMEM_GOP_TDVMCALL	12	/* TDX: @arg -> ccmem_emu_tdvmcall */
#define CCMEM_GOP_VIO_INIT	13	/* virtio-blk up; @arg -> ccmem_emu_vio */
#define CCMEM_GOP_VIO_WRITE	14	/* [gpa, +size) to the disk at sector @arg */
#define CCMEM_GOP_VIO_READ	15	/* the disk at sector @arg to [gpa, +size) */
#define CCMEM_GOP_VIO_IDLE	16	/* the device is idle: shrink the pool */

/* CCMEM_GOP_CONVERT directions */
#define CCMEM_GOP_TO_PRIVATE	1
#define CCMEM_GOP_TO_SHARED	2

/* struct ccmem_guest_insn.flags */
#define CCMEM_GOP_F_R0		(1U << 0)	/* gpa is relative to r0 */

/**
 * struct ccmem_guest_insn - one step of a guest program.
 * @op:		CCMEM_GOP_*.
 * @flags:	CCMEM_GOP_F_*.
 * @gpa:	guest physical address (4 KiB aligned except READ, WRITE and
 *		CHECK).
 * @size:	bytes (4 KiB multiple for ACCEPT, ALLOC, FREE, CONVERT).
 * @arg:	op-specific: pattern seed (see ccmem_emu_pattern()),
 *		conversion direction, raw request pointer.
 */
struct ccmem_guest_insn {
	__u32 op;
	__u32 flags;
	__u64 gpa;
	__u64 size;
	__u64 arg;
};

#define CCMEM_PSC_MAX_ENTRIES	253

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

/* struct ccmem_emu_vmgexit.flags */
#define CCMEM_VMGEXIT_F_NAE	(1U << 0)	/* a GHCB NAE event, else MSR */

/**
 * struct ccmem_emu_vmgexit - one forwarded VMGEXIT (CCMEM_GOP_VMGEXIT).
 * @ghcb_msr:	the GHCB MSR: an MSR-protocol request, or with
 *		CCMEM_VMGEXIT_F_NAE the GHCB page's GPA.
 * @flags:	CCMEM_VMGEXIT_F_*.
 * @reserved0:	must be zero.
 * @exit_code:	NAE: SW_EXITCODE.
 * @exit_info1:	NAE: SW_EXITINFO1.
 * @exit_info2:	NAE: SW_EXITINFO2.
 * @scratch:	NAE: SW_SCRATCH.
 * @reserved:	must be zero.
 *
 * The VMM that plays the CPU reads the GHCB control fields and forwards
 * them by value; request buffers stay in guest shared memory. The results
 * (the GHCB MSR and SW_EXITINFO1/2 the host leaves) come back in struct
 * ccmem_emu_vcpu_state; conversions the request asks for come as
 * CCMEM_EXIT_CONVERT exits first.
 */
struct ccmem_emu_vmgexit {
	__u64 ghcb_msr;
	__u32 flags;
	__u32 reserved0;
	__u64 exit_code;
	__u64 exit_info1;
	__u64 exit_info2;
	__u64 scratch;
	__u64 reserved[2];
};

/**
 * struct ccmem_emu_tdvmcall - one forwarded TDG.VP.VMCALL
 * (CCMEM_GOP_TDVMCALL): the registers the guest passes, by value.
 * @r10:	0 for a GHCI call (non-zero: vendor-specific).
 * @r11:	the sub-function (MapGPA 0x10001, ReportFatalError 0x10003).
 * @r12:	first argument (MapGPA: the start GPA, shared bit included).
 * @r13:	second argument (MapGPA: the size in bytes).
 * @r14:	third argument.
 * @r15:	fourth argument.
 * @reserved:	must be zero.
 *
 * The host's R10 (status) and R11 come back in the vCPU state.
 */
struct ccmem_emu_tdvmcall {
	__u64 r10;
	__u64 r11;
	__u64 r12;
	__u64 r13;
	__u64 r14;
	__u64 r15;
	__u64 reserved[2];
};

/* struct ccmem_emu_vio.flags */
#define CCMEM_VIO_F_CLAMP_LEN	(1U << 0)	/* clamp overlong used lengths */

/**
 * struct ccmem_emu_vio - the emulated guest's virtio-blk device
 * (CCMEM_GOP_VIO_INIT).
 * @mmio_gpa:	the virtio-mmio window (0x200 bytes of registers, version
 *		2), 4 KiB aligned, outside every region: each register
 *		access of the guest exits as CCMEM_EXIT_EMU_MMIO.
 * @queue_size:	entries of the request queue, a power of two, 4 to 256.
 * @flags:	CCMEM_VIO_F_*. CLAMP_LEN: the device is known to report used
 *		lengths beyond what it was offered; they are clamped and
 *		counted (guest.vio_len_clamped) instead of breaking the queue.
 * @areas:	bounce areas, one per vCPU (vCPU n uses area n % @areas);
 *		1 to CCMEM_MAX_VCPUS.
 * @max_chunks:	the bounce pool's limit, in chunks of 64 KiB (16 slots of
 *		4 KiB); at least @areas, at most 256.
 * @stall_polls: polls of the interrupt status without a completion after
 *		which the guest gives up on the device (GV_BROKEN_STALLED);
 *		1 to 65536.
 * @reserved:	must be zero.
 *
 * The guest negotiates VERSION_1 and ACCESS_PLATFORM (required: a device
 * without them is refused, EOPNOTSUPP) and SEG_MAX and RO when offered,
 * reads the capacity under a stable config generation, allocates the
 * ring and @areas chunks of its RAM, converts them to shared (conversion
 * exits) and sets DRIVER_OK. Again on a guest that has a device: the old
 * one is reset and its memory given back first.
 */
struct ccmem_emu_vio {
	__u64 mmio_gpa;
	__u32 queue_size;
	__u32 flags;
	__u32 areas;
	__u32 max_chunks;
	__u32 stall_polls;
	__u32 reserved0;
	__u64 reserved[4];
};

/**
 * struct ccmem_emu_program - argument of CCMEM_VCPU_EMU_SET_PROGRAM.
 * @insns:	user pointer to @nr struct ccmem_guest_insn.
 * @nr:		1 to CCMEM_EMU_MAX_PROGRAM steps.
 * @flags:	must be zero.
 * @reserved:	must be zero.
 *
 * Replaces the vCPU's program; allowed before the first run and after the
 * program ended. Every step is checked here (-EINVAL).
 */
struct ccmem_emu_program {
	__u64 insns;
	__u32 nr;
	__u32 flags;
	__u64 reserved[2];
};

#define CCMEM_EMU_MAX_PROGRAM	4096

/* struct ccmem_run.exit_reason: the end of an emulated-guest program. */
#define CCMEM_EXIT_EMU_DONE		0x100	/* ran to its end */
#define CCMEM_EXIT_EMU_CHECK		0x101	/* a CHECK found other data */
#define CCMEM_EXIT_EMU_STEP_ERROR	0x102	/* the guest refused a step */
#define CCMEM_EXIT_EMU_MMIO		0x103	/* a virtio-mmio register access */

/* struct ccmem_emu_vcpu_state.vio_broken: why the virtio queue broke. */
#define CCMEM_VIO_OK			0
#define CCMEM_VIO_BROKEN_IDX_JUMP	1	/* used index beyond in flight */
#define CCMEM_VIO_BROKEN_BAD_ID		2	/* used id not in flight */
#define CCMEM_VIO_BROKEN_BAD_LEN	3	/* used length beyond offered */
#define CCMEM_VIO_BROKEN_STALLED	4	/* no completion in stall_polls */
#define CCMEM_VIO_BROKEN_DEVICE_RESET	5	/* the device reset itself */

/**
 * struct ccmem_emu_exit_mmio - struct ccmem_run.exit of
 * CCMEM_EXIT_EMU_MMIO: the guest accesses a register of its virtio-mmio
 * transport (struct ccmem_emu_vio.mmio_gpa + offset); the VMM plays the
 * device.
 * @gpa:	the register.
 * @data:	a write: the value. A read: the VMM puts the value here
 *		before the next CCMEM_VCPU_RUN (the low @size bytes count).
 * @size:	1, 2 or 4.
 * @write:	1 for a write, 0 for a read.
 */
struct ccmem_emu_exit_mmio {
	__u64 gpa;
	__u64 data;
	__u32 size;
	__u32 write;
};

/**
 * struct ccmem_emu_vcpu_state - struct ccmem_run.state of an emulated
 * guest, reported with every exit.
 * @pc:		the program step that exited.
 * @reserved0:	zero.
 * @r0:		the gpa of the last ALLOC.
 * @psc_result:	SW_EXITINFO2 (NAE) or the response error (MSR) of the last
 *		raw PSC step.
 * @ghcb_msr:	the GHCB MSR after the last VMGEXIT step.
 * @exit_info1:	SW_EXITINFO1 after the last VMGEXIT step.
 * @exit_info2:	SW_EXITINFO2 after the last VMGEXIT step.
 * @vmcall_r10:	R10 (the status) after the last TDVMCALL step.
 * @vmcall_r11:	R11 after the last TDVMCALL step (MapGPA RETRY: the GPA
 *		to resume from).
 * @vio_broken:	CCMEM_VIO_* after the last VIO step: why the guest's
 *		virtio queue is broken, or CCMEM_VIO_OK.
 * @pad:	zero.
 */
struct ccmem_emu_vcpu_state {
	__u32 pc;
	__u32 reserved0;
	__u64 r0;
	__u64 psc_result;
	__u64 ghcb_msr;
	__u64 exit_info1;
	__u64 exit_info2;
	__u64 vmcall_r10;
	__u64 vmcall_r11;
	__u64 vio_broken;
	__u64 pad[7];
};

/**
 * struct ccmem_emu_exit_check - struct ccmem_run.exit of
 * CCMEM_EXIT_EMU_CHECK.
 * @gpa:	the first byte that differs.
 * @expected:	the byte the pattern has there.
 * @got:	the byte read.
 * @pad:	zero.
 */
struct ccmem_emu_exit_check {
	__u64 gpa;
	__u8 expected;
	__u8 got;
	__u8 pad[6];
};

/**
 * struct ccmem_emu_exit_step - struct ccmem_run.exit of
 * CCMEM_EXIT_EMU_STEP_ERROR.
 * @error:	EINVAL for a range the guest does not own in that state,
 *		ENOMEM when its allocator or records are full, ERANGE outside
 *		its RAM. VIO steps: EIO when the device failed the request
 *		or broke its protocol (see @vio_broken in the state),
 *		EOPNOTSUPP when it lacks what the driver requires or answers
 *		UNSUPP, ENODEV before a device is set up, EINVAL for a range
 *		beyond the disk or a write to a read-only one, ENOMEM when
 *		the bounce pool is at its limit. The program stops; the vCPU
 *		stays usable.
 * @pad:	zero.
 */
struct ccmem_emu_exit_step {
	__u32 error;
	__u32 pad;
};

/**
 * ccmem_emu_pattern() - the byte WRITE and CHECK use at @gpa for @seed.
 * @seed: the step's @arg; 0 means zeros.
 * @gpa: the byte's guest physical address.
 */
static inline __u8 ccmem_emu_pattern(__u64 seed, __u64 gpa)
{
	return seed ? (__u8)(seed + (gpa >> 3) * 13 + (gpa >> 12)) : 0;
}

/* ioctls on a VM fd */
#define CCMEM_EMU_GUEST_INSN	_IOWR(CCMEM_IO, 0x40, struct ccmem_emu_insn)
#define CCMEM_EMU_ACCESS	_IOWR(CCMEM_IO, 0x41, struct ccmem_emu_access)
#define CCMEM_EMU_LOOKUP	_IOWR(CCMEM_IO, 0x42, struct ccmem_emu_lookup)
#define CCMEM_EMU_INJECT	_IOW(CCMEM_IO, 0x43, struct ccmem_emu_inject)
#define CCMEM_EMU_GUEST_INIT	_IOW(CCMEM_IO, 0x48, struct ccmem_emu_guest_config)

/* ioctls on a vCPU fd */
#define CCMEM_VCPU_EMU_SET_PROGRAM _IOW(CCMEM_IO, 0x50, struct ccmem_emu_program)

#endif /* _UAPI_LINUX_CCMEM_EMU_H */
