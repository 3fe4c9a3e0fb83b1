/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sept_model.h - a software model of the TDX module's Secure-EPT.
 *
 * This is the portable core of the TDX "emu" platform backend: plain C, no
 * locking, no allocation of its own. The caller serialises calls (the
 * kernel glue holds a mutex; the unit tests are single threaded) and
 * supplies memory through struct sept_mem_ops. Every SEAMCALL and TDCALL
 * returns the status the TDX module returns in RAX, with the operand id
 * or the Secure-EPT level in the low 32 bits, and applies the module's
 * state rules (SPEC-NOTES.md, checked against the module's source). A call
 * that is refused changes nothing.
 *
 * Geometry: the TD's private GPA space is a sparse set of 2 MiB slots
 * (struct sept_pde), looked up through ops->pde(). A slot holds either a
 * 2 MiB leaf (or FREE), or, in state SEPT_NL_MAPPED / SEPT_NL_BLOCKED, a
 * table of 512 4 KiB entries. The Secure-EPT levels above 2 MiB are taken
 * as always present: the model does not track them.
 *
 * Levels are the module's: 0 (TDX_LEVEL_4K) for a 4 KiB leaf, 1
 * (TDX_LEVEL_2M) for a 2 MiB leaf or for the entry that points to a table
 * of 4 KiB leaves (TDH.MEM.SEPT.ADD / SEPT.REMOVE name that entry).
 */
#ifndef CCMEM_SEPT_MODEL_H
#define CCMEM_SEPT_MODEL_H

#include "../include/ccmem_compat.h"
#include "tdx_abi.h"

#define SEPT_ENTRIES		512

/*
 * The status a call returns when a memory callback (ops->pde with create,
 * ops->pt_alloc) failed. The module never returns it: it is a software
 * error code in the Linux TDX_SW_ERROR range (bit 63 and bits 47:40).
 */
#define SEPT_STATUS_NOMEM	0x8000ff0000000000ULL

/**
 * enum sept_state - the state of one Secure-EPT entry.
 * @SEPT_FREE:		no page; the only state TDH.MEM.PAGE.AUG/ADD and
 *			TDH.MEM.SEPT.ADD accept (besides REMOVED for AUG).
 * @SEPT_PENDING:	a page was AUGmented and the guest has not accepted it.
 * @SEPT_MAPPED:	a page the guest may use (ADDed or accepted).
 * @SEPT_BLOCKED:	a MAPPED leaf blocked for removal or demotion.
 * @SEPT_PENDING_BLOCKED: a PENDING leaf, blocked.
 * @SEPT_REMOVED:	a leaf the module counts as removed: only reached by
 *			the import (migration) flows, which the model does not
 *			have; sept_test_set_state() puts an entry there.
 * @SEPT_NL_MAPPED:	a 2 MiB entry pointing to a table of 4 KiB entries.
 * @SEPT_NL_BLOCKED:	the same, blocked (before TDH.MEM.SEPT.REMOVE).
 */
enum sept_state {
	SEPT_FREE = 0,
	SEPT_PENDING,
	SEPT_MAPPED,
	SEPT_BLOCKED,
	SEPT_PENDING_BLOCKED,
	SEPT_REMOVED,
	SEPT_NL_MAPPED,
	SEPT_NL_BLOCKED,
	SEPT_NR_STATES,
};

/**
 * struct sept_entry - one Secure-EPT entry.
 * @pfn:	the page (leaf) mapped here; meaningless in FREE and NL_*.
 * @block_epoch: the TD's TLB epoch when the entry was blocked.
 * @state:	enum sept_state.
 * @busy:	model of the entry lock being held by another agent: every
 *		call that would take it returns TDX_OPERAND_BUSY.
 * @accept_done: 4 KiB pages a resumable 2 MiB ACCEPT has already zeroed.
 */
struct sept_entry {
	u64 pfn;
	u64 block_epoch;
	u8 state;
	u8 busy;
	u16 accept_done;
};

/**
 * struct sept_pde - one 2 MiB slot of the TD's private GPA space.
 * @e:		the 2 MiB entry.
 * @pt:		512 child entries while @e.state is SEPT_NL_MAPPED or
 *		SEPT_NL_BLOCKED; NULL otherwise.
 */
struct sept_pde {
	struct sept_entry e;
	struct sept_entry *pt;
};

/**
 * struct sept_mem_ops - the memory the model runs on, from its caller.
 * @pde:	the slot of 2 MiB index @idx (gpa >> 21). With @create false,
 *		NULL when the slot does not exist (it then reads as FREE);
 *		with @create true, NULL only when out of memory. A new slot
 *		is zeroed (FREE, no table).
 * @pt_alloc:	512 zeroed entries: the page the host gives to
 *		TDH.MEM.SEPT.ADD or TDH.MEM.PAGE.DEMOTE. NULL: no memory.
 * @pt_free:	give back a table from @pt_alloc (SEPT.REMOVE).
 * @clear:	zero @npages pages from @pfn with the TD's key (ACCEPT).
 */
struct sept_mem_ops {
	struct sept_pde *(*pde)(void *priv, u64 idx, bool create);
	struct sept_entry *(*pt_alloc)(void *priv);
	void (*pt_free)(void *priv, struct sept_entry *pt);
	void (*clear)(void *priv, u64 pfn, u64 npages);
};

/**
 * struct sept_vcpu - one vCPU's TLB-tracking state, owned by the caller.
 * @epoch:	the TD epoch the vCPU entered at (TDH.VP.ENTER).
 * @inside:	the vCPU is running inside the TD.
 */
struct sept_vcpu {
	u64 epoch;
	bool inside;
};

/**
 * struct sept_td - one TD's Secure-EPT and TLB-tracking state.
 * @ops:	memory callbacks.
 * @priv:	their argument.
 * @attributes:	TD attributes (TDX_TD_ATTR_*: SEPT_VE_DISABLE).
 * @gpaw:	guest physical address width, 48 or 52; the shared bit is
 *		bit @gpaw - 1.
 * @finalized:	TDH.MR.FINALIZE was called.
 * @epoch:	the TD's TLB epoch, advanced by TDH.MEM.TRACK.
 * @inside:	vCPUs inside the TD, per epoch parity (the module keeps one
 *		reference count for the current epoch and one for the
 *		previous one).
 * @accept_chunk: test knob: 4 KiB pages a 2 MiB ACCEPT zeroes before it
 *		is interrupted (SEPT_G_INTERRUPTED); 0 = never.
 */
struct sept_td {
	const struct sept_mem_ops *ops;
	void *priv;
	u64 attributes;
	u32 gpaw;
	bool finalized;
	u64 epoch;
	u32 inside[2];
	u32 accept_chunk;
};

/**
 * sept_td_init() - start a TD with an empty Secure-EPT at epoch 0.
 * @td:		the TD.
 * @ops:	memory callbacks.
 * @priv:	their argument.
 * @gpaw:	48 or 52.
 * @attributes:	TD attributes.
 */
void sept_td_init(struct sept_td *td, const struct sept_mem_ops *ops,
		  void *priv, u32 gpaw, u64 attributes);

/**
 * sept_mr_finalize() - TDH.MR.FINALIZE: end the build phase.
 * @td:		the TD.
 *
 * Return: TDX_SUCCESS, or TDX_TD_FINALIZED when called twice.
 */
u64 sept_mr_finalize(struct sept_td *td);

/**
 * sept_sept_add() - TDH.MEM.SEPT.ADD: give a FREE 2 MiB slot a 4 KiB table.
 * @td:		the TD.
 * @gpa:	2 MiB aligned GPA.
 * @level:	the level of the entry that will point to the table: only
 *		TDX_LEVEL_2M (1) is modelled.
 *
 * The table comes from ops->pt_alloc(); the slot becomes SEPT_NL_MAPPED.
 *
 * Return: TDX_SUCCESS or the module's status (see sept_model.c).
 */
u64 sept_sept_add(struct sept_td *td, u64 gpa, int level);

/**
 * sept_sept_remove() - TDH.MEM.SEPT.REMOVE: free an empty, blocked table.
 * @td:		the TD.
 * @gpa:	2 MiB aligned GPA.
 * @level:	TDX_LEVEL_2M.
 *
 * The slot must be SEPT_NL_BLOCKED, TLB-tracked since, and every child
 * FREE; it becomes FREE and its table goes to ops->pt_free().
 *
 * Return: TDX_SUCCESS or the module's status.
 */
u64 sept_sept_remove(struct sept_td *td, u64 gpa, int level);

/**
 * sept_page_add() - TDH.MEM.PAGE.ADD: map a 4 KiB page before finalize.
 * @td:		the TD.
 * @gpa:	4 KiB aligned GPA; its 2 MiB slot must have a table.
 * @pfn:	the page. The caller copies the initial content in.
 *
 * Return: TDX_SUCCESS (entry MAPPED) or the module's status.
 */
u64 sept_page_add(struct sept_td *td, u64 gpa, u64 pfn);

/**
 * sept_page_aug() - TDH.MEM.PAGE.AUG: add a PENDING page to a running TD.
 * @td:		the TD.
 * @gpa:	GPA aligned to @level.
 * @level:	TDX_LEVEL_4K (the slot must have a table: SEPT.ADD first) or
 *		TDX_LEVEL_2M.
 * @pfn:	the page (2 MiB aligned for a 2 MiB page).
 *
 * Return: TDX_SUCCESS (entry PENDING) or the module's status.
 */
u64 sept_page_aug(struct sept_td *td, u64 gpa, int level, u64 pfn);

/**
 * sept_range_block() - TDH.MEM.RANGE.BLOCK: block a leaf or a table entry.
 * @td:		the TD.
 * @gpa:	GPA aligned to @level.
 * @level:	TDX_LEVEL_4K or TDX_LEVEL_2M.
 *
 * Records the current epoch in the entry.
 *
 * Return: TDX_SUCCESS or the module's status.
 */
u64 sept_range_block(struct sept_td *td, u64 gpa, int level);

/**
 * sept_range_unblock() - TDH.MEM.RANGE.UNBLOCK: undo a BLOCK.
 * @td:		the TD.
 * @gpa:	GPA aligned to @level.
 * @level:	TDX_LEVEL_4K or TDX_LEVEL_2M.
 *
 * Return: TDX_SUCCESS or the module's status.
 */
u64 sept_range_unblock(struct sept_td *td, u64 gpa, int level);

/**
 * sept_track() - TDH.MEM.TRACK: advance the TD's TLB epoch.
 * @td:		the TD.
 *
 * Return: TDX_SUCCESS, or TDX_PREVIOUS_TLB_EPOCH_BUSY while a vCPU that
 * entered before the previous TRACK is still inside (kick it first).
 */
u64 sept_track(struct sept_td *td);

/**
 * sept_page_remove() - TDH.MEM.PAGE.REMOVE: unmap a blocked, tracked leaf.
 * @td:		the TD.
 * @gpa:	GPA aligned to @level.
 * @level:	TDX_LEVEL_4K or TDX_LEVEL_2M.
 * @pfn:	out: the page that was mapped (on success).
 *
 * Return: TDX_SUCCESS (entry FREE) or the module's status; in particular
 * TDX_TLB_TRACKING_NOT_DONE until a TRACK after the BLOCK has completed
 * and every vCPU that entered before it has exited.
 */
u64 sept_page_remove(struct sept_td *td, u64 gpa, int level, u64 *pfn);

/**
 * sept_page_demote() - TDH.MEM.PAGE.DEMOTE: split a blocked 2 MiB leaf.
 * @td:		the TD.
 * @gpa:	2 MiB aligned GPA.
 * @level:	TDX_LEVEL_2M (the level of the leaf being split).
 *
 * The new table comes from ops->pt_alloc(); the 512 children take the
 * unblocked state of the leaf (MAPPED or PENDING) and consecutive pages;
 * the slot becomes SEPT_NL_MAPPED.
 *
 * Return: TDX_SUCCESS or the module's status.
 */
u64 sept_page_demote(struct sept_td *td, u64 gpa, int level);

/**
 * sept_vcpu_enter() - TDH.VP.ENTER: @v runs in the TD at the current epoch.
 * @td:		the TD.
 * @v:		the vCPU; nothing happens if it is already inside.
 */
void sept_vcpu_enter(struct sept_td *td, struct sept_vcpu *v);

/**
 * sept_vcpu_exit() - @v left the TD (an exit, for instance after a kick).
 * @td:		the TD.
 * @v:		the vCPU; nothing happens if it is not inside.
 */
void sept_vcpu_exit(struct sept_td *td, struct sept_vcpu *v);

/* What a guest operation led to. */
enum sept_guest_result {
	SEPT_G_DONE,		/* completed; see op->status / op->pfn */
	SEPT_G_VE,		/* #VE in the guest (op->ve_info) */
	SEPT_G_EPT_VIOLATION,	/* EPT-violation exit to the host */
	SEPT_G_INTERRUPTED,	/* ACCEPT interrupted: no status, re-execute */
};

/**
 * struct sept_guest_op - one guest operation on a GPA.
 * @gpa:	the GPA (with the shared bit for a shared access).
 * @level:	ACCEPT: TDX_LEVEL_4K or TDX_LEVEL_2M. Unused by access.
 * @write:	the access is a write.
 * @exec:	the access is an instruction fetch.
 * @shared:	the access is a shared one (not the Secure-EPT's business).
 * @status:	out, ACCEPT DONE: the TDCALL status.
 * @pfn:	out, access DONE: the page the access touches.
 * @exit_level:	out, EPT violation: the level the host should map at.
 * @ve_info:	out, #VE: the exit reason (TDX_VE_EPT_VIOLATION).
 */
struct sept_guest_op {
	u64 gpa;
	int level;
	bool write;
	bool exec;
	bool shared;
	u64 status;
	u64 pfn;
	int exit_level;
	u64 ve_info;
};

/**
 * sept_accept() - TDG.MEM.PAGE.ACCEPT by vCPU @v.
 * @td:		the TD.
 * @v:		the accepting vCPU (inside the TD).
 * @op:		@op->gpa and @op->level in, results out.
 *
 * The module walks to the requested level without locks. If the walk
 * stops above it on a MAPPED leaf (a 4 KiB accept inside a 2 MiB page), the
 * status is PAGE_ALREADY_ACCEPTED with the level reached (1) in the low
 * bits; on anything else (FREE, no table, a PENDING or blocked 2 MiB leaf)
 * the guest exits with an EPT violation at the requested level. At the
 * requested level the entry lock is taken (held: OPERAND_BUSY | RCX); then
 * a non-FREE non-leaf entry (a table, or REMOVED, which the module encodes
 * as a non-leaf) is PAGE_SIZE_MISMATCH | level, MAPPED is
 * PAGE_ALREADY_ACCEPTED | level, anything not PENDING is an EPT violation,
 * and PENDING is zeroed through ops->clear() and becomes MAPPED.
 *
 * A 2 MiB accept zeroes one 4 KiB page at a time and counts them in the
 * entry (accept_done). With @td->accept_chunk set, it stops after that many
 * pages as if an interrupt were pending: SEPT_G_INTERRUPTED, the entry stays
 * PENDING with its counter, and the real TDCALL leaves RAX untouched and is
 * re-executed, resuming from the counter (op->status is then set to
 * TDX_INTERRUPTED_RESUMABLE only as a marker for the caller).
 *
 * Return: SEPT_G_DONE with @op->status (TDX_SUCCESS, PAGE_ALREADY_ACCEPTED,
 * PAGE_SIZE_MISMATCH, OPERAND_BUSY, OPERAND_INVALID), SEPT_G_INTERRUPTED,
 * or SEPT_G_EPT_VIOLATION (@op->exit_level: the level the host should map
 * at, the requested one).
 */
enum sept_guest_result sept_accept(struct sept_td *td, struct sept_vcpu *v,
				   struct sept_guest_op *op);

/**
 * sept_access() - check one private guest access against the Secure-EPT.
 * @td:		the TD.
 * @op:		@op->gpa, @op->write, @op->exec, @op->shared in.
 *
 * Return: SEPT_G_DONE with @op->pfn set (a MAPPED page); SEPT_G_VE for a
 * PENDING page when SEPT_VE_DISABLE is clear; else SEPT_G_EPT_VIOLATION.
 * A shared access is SEPT_G_DONE with @op->pfn unset.
 */
enum sept_guest_result sept_access(const struct sept_td *td,
				   struct sept_guest_op *op);

/**
 * sept_lookup() - read the leaf that governs @gpa.
 * @td:		the TD.
 * @gpa:	any GPA in the private space.
 * @out:	a copy of the entry: the 2 MiB entry of a slot without a
 *		table, else the 4 KiB child.
 * @level:	out: TDX_LEVEL_2M or TDX_LEVEL_4K.
 *
 * Return: 0, or -1 when the slot does not exist (FREE at 2 MiB).
 */
int sept_lookup(const struct sept_td *td, u64 gpa, struct sept_entry *out,
		int *level);

/**
 * sept_set_busy() - test control: another agent holds an entry's lock.
 * @td:		the TD.
 * @gpa:	the GPA; the governing entry (as sept_lookup()) is marked. An
 *		absent slot is created (FREE) to hold the mark.
 * @busy:	hold (true) or release (false).
 *
 * Only the calls that take the entry lock see it: every SEAMCALL on the
 * entry except TDH.MEM.PAGE.ADD (which runs with the TD exclusively
 * locked), and TDG.MEM.PAGE.ACCEPT. They return TDX_OPERAND_BUSY | RCX.
 *
 * Return: 0, or -1 on no memory.
 */
int sept_set_busy(struct sept_td *td, u64 gpa, bool busy);

/**
 * sept_set_busy_level() - test control: lock the entry at @level.
 * @td:		the TD.
 * @gpa:	the GPA.
 * @level:	TDX_LEVEL_2M: the slot's 2 MiB entry, even one pointing to a
 *		table (for BLOCK or SEPT.REMOVE of the table); TDX_LEVEL_4K: the
 *		4 KiB child (the slot must have a table).
 * @busy:	hold (true) or release (false).
 *
 * Return: 0, or -1 when there is no such entry or no memory.
 */
int sept_set_busy_level(struct sept_td *td, u64 gpa, int level, bool busy);

/**
 * sept_test_set_state() - test only: force an entry into a state.
 * @td:		the TD.
 * @gpa:	GPA aligned to @level.
 * @level:	TDX_LEVEL_4K (the slot must have a table) or TDX_LEVEL_2M.
 * @state:	a leaf state (not NL_*).
 * @pfn:	the page recorded in the entry.
 *
 * For the states no modelled flow reaches (SEPT_REMOVED: only the import
 * flows of live migration produce it). Never used by the kernel glue.
 *
 * Return: 0, or -1 on a bad argument or no memory.
 */
int sept_test_set_state(struct sept_td *td, u64 gpa, int level, u8 state,
			u64 pfn);

/** sept_state_name() - a state's name, for messages. */
const char *sept_state_name(unsigned int state);

#endif /* CCMEM_SEPT_MODEL_H */
