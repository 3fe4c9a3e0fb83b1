/* SPDX-License-Identifier: GPL-2.0 */
/*
 * runner.h - the emulated guest's state, shared by runner.c (the vCPUs
 * and their programs) and vio.c (its virtio-blk device).
 */
#ifndef CCMEM_EMU_RUNNER_H
#define CCMEM_EMU_RUNNER_H

#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include "ccmem_core.h"
#include "../../guest/ga.h"

struct cg_vio;

/**
 * struct cg_vm - the guest of one VM.
 * @g:		the portable guest core.
 * @vm:		the VM.
 * @cfg:	the configuration it was made from.
 * @lock:	the guest's in-flight lock (ga_env_ops.lock).
 * @wq:		vCPUs waiting for units in flight sleep here.
 * @wake_seq:	bumped by every wake_all, under @lock.
 * @bitmap:	the bitmap words.
 * @debugfs:	the "guest" file in the VM's debugfs directory.
 * @vio:	the virtio-blk device (CCMEM_GOP_VIO_INIT), or NULL; replaced
 *		only by the vCPU that owns the device (bit 0 of @vio_busy),
 *		under @vio_stat_lock for the statistics readers.
 * @vio_busy:	bit 0: a vCPU owns the device; waiters sleep on @wq.
 * @vio_stat_lock: see @vio.
 */
struct cg_vm {
	struct ga_guest g;
	struct ccmem_vm *vm;
	struct ccmem_emu_guest_config cfg;
	struct mutex lock;		/* the in-flight lock, see above */
	wait_queue_head_t wq;
	u64 wake_seq;
	u64 *bitmap;
	struct dentry *debugfs;
	struct cg_vio *vio;
	unsigned long vio_busy;
	spinlock_t vio_stat_lock;	/* see above */
};

/* CCMEM_GUEST_F_FORWARD: the VMM plays the CPU; only hypercalls here. */
static inline bool cg_forward(const struct cg_vm *gvm)
{
	return gvm->cfg.flags & CCMEM_GUEST_F_FORWARD;
}

/**
 * struct cg_vcpu - the guest state of one vCPU.
 * @v:		the portable vCPU.
 * @vcpu:	the emulated vCPU.
 * @err:	the errno of the last failed platform call.
 * @prog:	the program (replaced under vcpu->run_lock while not running).
 * @nr:		steps in @prog.
 * @args:	copies of the steps' request structures (CCMEM_GOP_PSC_RAW,
 *		CCMEM_GOP_VMGEXIT); @prog[i].arg indexes them.
 * @nr_args:	entries in @args.
 * @st:		the state reported with every exit (pc, r0, results).
 * @vio_stop:	the vCPU stopped during a virtio register access.
 * @buf:	a page of scratch for READ, WRITE, CHECK and the VIO steps.
 */
struct cg_vcpu {
	struct ga_vcpu v;
	struct ccmem_vcpu *vcpu;
	int err;
	struct ccmem_guest_insn *prog;
	u32 nr;
	void **args;
	u32 nr_args;
	struct ccmem_emu_vcpu_state st;
	bool vio_stop;
	u8 buf[PAGE_SIZE];
};

static inline struct cg_vm *cg_vm(struct ccmem_vm *vm)
{
	return vm->guest;
}

/* The counters of the virtio-blk device (vio.c), in the "guest" group. */
#define CG_VIO_NR_STATS	21

u32 cg_step_errno(int ga_err);
bool cg_uses_range(struct ccmem_vm *vm, u64 gfn, u64 npages);

/* vio.c: the VIO steps; 0 or a negative GA_E* code. */
int cg_vio_step(struct cg_vcpu *cv, const struct ccmem_guest_insn *in,
		u64 gpa, struct ccmem_run *exit);
int cg_vio_check(const struct ccmem_emu_vio *c);
void cg_vio_destroy(struct cg_vm *gvm);
void cg_vio_stats(struct cg_vm *gvm, u64 *vals);

#endif /* CCMEM_EMU_RUNNER_H */
