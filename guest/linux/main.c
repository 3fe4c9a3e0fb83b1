// SPDX-License-Identifier: GPL-2.0
/*
 * ccmem_guest.ko - the guest half of ccmem on emulated vCPUs.
 *
 * It registers with ccmem.ko as the emulated guest. For each VM the VMM
 * configures (CCMEM_VM_GUEST_INIT) it builds one portable guest core
 * (guest/ga.h: the accepted-memory bitmap, the policies, the SNP ladder
 * and PSC client, the allocator); each vCPU thread runs its program
 * against it. The environment the core needs is supplied here:
 *
 *  - guest instructions and accesses go to the emu platform through
 *    ccmem_vcpu_emu_op(), which exits to the VMM on a nested page fault;
 *  - VMGEXITs go to the host module through ccmem_vcpu_vmgexit();
 *  - the in-flight lock is a mutex, and a vCPU that must wait for units
 *    another vCPU accepts sleeps on a wait queue (no busy waiting).
 */
#define pr_fmt(fmt) "ccmem_guest: " fmt

#include <linux/debugfs.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "ccmem_core.h"
#include "../ga.h"

#define CREATE_TRACE_POINTS
#include "guest_trace.h"

/**
 * struct cg_vm - the guest of one VM.
 * @g:		the portable guest core.
 * @vm:		the VM.
 * @lock:	the guest's in-flight lock (ga_env_ops.lock).
 * @wq:		vCPUs waiting for units in flight sleep here.
 * @wake_seq:	bumped by every wake_all, under @lock.
 * @bitmap:	the bitmap words.
 * @debugfs:	the "guest" file in the VM's debugfs directory.
 */
struct cg_vm {
	struct ga_guest g;
	struct ccmem_vm *vm;
	struct mutex lock;		/* the in-flight lock, see above */
	wait_queue_head_t wq;
	u64 wake_seq;
	u64 *bitmap;
	struct dentry *debugfs;
};

/**
 * struct cg_vcpu - the guest state of one vCPU.
 * @v:		the portable vCPU.
 * @vcpu:	the emulated vCPU.
 * @err:	the errno of the last failed platform call.
 * @buf:	a page of scratch for READ, WRITE and CHECK.
 */
struct cg_vcpu {
	struct ga_vcpu v;
	struct ccmem_vcpu *vcpu;
	int err;
	u8 buf[PAGE_SIZE];
};

static struct cg_vm *cg_vm(struct ccmem_vm *vm)
{
	return vm->guest;
}

/* A platform errno as the core sees it; remembered for the exit. */
static int cg_err(struct cg_vcpu *cv, int err)
{
	cv->err = err;
	return err == -ESHUTDOWN ? -GA_ESTOP : -GA_EBUSY;
}

static int cg_pvalidate(void *priv, u64 gpa, bool huge, bool validate,
			bool *no_change)
{
	struct cg_vcpu *cv = priv;
	struct ccmem_emu_kop kop = {
		.op = {
			.op = CCMEM_EMU_PVALIDATE,
			.flags = huge ? CCMEM_EMU_F_2M : 0,
			.gpa = gpa,
			.arg = validate,
		},
	};
	int ret = ccmem_vcpu_emu_op(cv->vcpu, &kop);

	if (ret)
		return cg_err(cv, ret);
	*no_change = kop.op.out_flags & CCMEM_EMU_O_NOCHANGE;
	return kop.op.ret;
}

static int cg_access(struct cg_vcpu *cv, u32 op, u64 gpa, void *buf, u32 len,
		     bool shared)
{
	struct ccmem_emu_kop kop = {
		.op = {
			.op = op,
			.flags = shared ? CCMEM_EMU_F_SHARED : 0,
			.gpa = gpa,
			.buf = (unsigned long)buf,
			.len = len,
		},
	};
	int ret = ccmem_vcpu_emu_op(cv->vcpu, &kop);

	if (ret)
		return cg_err(cv, ret);
	if (kop.op.result == CCMEM_EMU_R_VC)
		return kop.op.ret;	/* #VC raised in the guest */
	return 0;
}

static int cg_read(void *priv, u64 gpa, void *buf, u32 len, bool shared)
{
	return cg_access(priv, CCMEM_EMU_READ, gpa, buf, len, shared);
}

static int cg_write(void *priv, u64 gpa, const void *buf, u32 len,
		    bool shared)
{
	return cg_access(priv, CCMEM_EMU_WRITE, gpa, (void *)buf, len, shared);
}

static int cg_vmgexit(void *priv, struct ga_vmgexit *gx)
{
	struct cg_vcpu *cv = priv;
	struct ccmem_vmgexit x = {
		.msr = gx->msr,
		.nae = gx->nae,
		.exit_code = gx->exit_code,
		.info1 = gx->info1,
		.info2 = gx->info2,
		.scratch = gx->scratch,
	};
	int ret = ccmem_vcpu_vmgexit(cv->vcpu, &x);

	if (ret)
		return cg_err(cv, ret);
	gx->msr = x.msr;
	gx->info2 = x.info2;
	return 0;
}

static void cg_lock(void *gpriv)
{
	mutex_lock(&((struct cg_vm *)gpriv)->lock);
}

static void cg_unlock(void *gpriv)
{
	mutex_unlock(&((struct cg_vm *)gpriv)->lock);
}

/*
 * Sleep until another vCPU finishes its units. The caller's own vCPU
 * (the current thread) may be torn down meanwhile: then give up.
 */
static int cg_wait(void *gpriv)
{
	struct cg_vm *gvm = gpriv;
	struct ccmem_vcpu *vcpu = kthread_data(current);
	u64 seq = gvm->wake_seq;
	int ret = 0;

	mutex_unlock(&gvm->lock);
	wait_event_idle(gvm->wq, READ_ONCE(gvm->wake_seq) != seq ||
			ccmem_vcpu_stopping(vcpu));
	if (ccmem_vcpu_stopping(vcpu))
		ret = -GA_ESTOP;
	mutex_lock(&gvm->lock);
	return ret;
}

static void cg_wake_all(void *gpriv)
{
	struct cg_vm *gvm = gpriv;

	WRITE_ONCE(gvm->wake_seq, gvm->wake_seq + 1);
	wake_up_all(&gvm->wq);
}

static void cg_trace(void *priv, int event, u64 gpa, u64 size, u64 detail)
{
	struct cg_vcpu *cv = priv;
	u32 vm = cv->vcpu->vm->id, id = cv->vcpu->id;

	switch (event) {
	case GA_TR_ACCEPT_EAGER:
		trace_ccmem_guest_accept_eager(vm, id, gpa, size, detail);
		break;
	case GA_TR_ACCEPT_LAZY:
		trace_ccmem_guest_accept_lazy(vm, id, gpa, size, detail);
		break;
	case GA_TR_FALLBACK_4K:
		trace_ccmem_guest_fallback_4k(vm, id, gpa, size, detail);
		break;
	case GA_TR_CONVERT:
		trace_ccmem_guest_convert(vm, id, gpa, size, detail);
		break;
	case GA_TR_SECURITY:
		trace_ccmem_guest_security(vm, id, gpa, size, detail);
		pr_warn_ratelimited("vm %u vcpu %u: security event %llu at gpa 0x%llx: terminating the guest\n",
				    vm, id, detail, gpa);
		break;
	}
}

static const struct ga_env_ops cg_env_ops = {
	.pvalidate	= cg_pvalidate,
	.vmgexit	= cg_vmgexit,
	.read		= cg_read,
	.write		= cg_write,
	.lock		= cg_lock,
	.unlock		= cg_unlock,
	.wait		= cg_wait,
	.wake_all	= cg_wake_all,
	.trace		= cg_trace,
};

/* The program steps. */

/*
 * READ, WRITE and CHECK walk the range a page at a time through the
 * guest's #VC-handling access path. A CHECK mismatch fills @exit.
 */
static int cg_step_data(struct cg_vcpu *cv, const struct ccmem_guest_insn *in,
			u64 gpa, struct ccmem_run *exit)
{
	u64 end = gpa + in->size, a;
	bool write = in->op == CCMEM_GOP_WRITE;
	u32 i, len;
	int ret;

	for (a = gpa; a < end; a += len) {
		len = min_t(u64, end - a, PAGE_SIZE - offset_in_page(a));
		if (write)
			for (i = 0; i < len; i++)
				cv->buf[i] = ccmem_pattern(in->arg, a + i);
		ret = ga_access(&cv->v, a, cv->buf, len, write);
		if (ret)
			return ret;
		if (in->op != CCMEM_GOP_CHECK)
			continue;
		for (i = 0; i < len; i++) {
			if (cv->buf[i] == ccmem_pattern(in->arg, a + i))
				continue;
			exit->exit_reason = CCMEM_EXIT_CHECK;
			exit->check.gpa = a + i;
			exit->check.expected = ccmem_pattern(in->arg, a + i);
			exit->check.got = cv->buf[i];
			return 1;
		}
		cond_resched();
	}
	return 0;
}

static int cg_step(struct cg_vcpu *cv, const struct ccmem_guest_insn *in,
		   struct ccmem_run *exit)
{
	struct ccmem_vcpu *vcpu = cv->vcpu;
	u64 gpa = in->gpa + (in->flags & CCMEM_GOP_F_R0 ? vcpu->r0 : 0);
	struct ccmem_psc_raw *raw;
	int ret;

	switch (in->op) {
	case CCMEM_GOP_BOOT:
		return ga_guest_boot(&cv->v);
	case CCMEM_GOP_ACCEPT:
		return ga_accept(&cv->v, gpa, in->size, false);
	case CCMEM_GOP_READ:
	case CCMEM_GOP_WRITE:
	case CCMEM_GOP_CHECK:
		return cg_step_data(cv, in, gpa, exit);
	case CCMEM_GOP_ALLOC:
		return ga_alloc(&cv->v, in->size >> PAGE_SHIFT, &vcpu->r0);
	case CCMEM_GOP_FREE:
		return ga_free(&cv->v, gpa, in->size >> PAGE_SHIFT);
	case CCMEM_GOP_CONVERT:
		return ga_convert(&cv->v, gpa, in->size,
				  in->arg == CCMEM_PSC_SHARED);
	case CCMEM_GOP_PSC_RAW:
		raw = vcpu->raw[in->arg];
		ret = ga_psc_raw(&cv->v, raw->buf_off, raw->cur_entry,
				 raw->end_entry, raw->entries, raw->nr);
		vcpu->psc_result = cv->v.psc_last_result;
		return ret;
	case CCMEM_GOP_PSC_MSR_RAW:
		ret = ga_psc_msr_raw(&cv->v, in->arg);
		vcpu->psc_result = cv->v.psc_last_result;
		return ret;
	}
	return -GA_EINVAL;
}

static u32 cg_sec_reason(u32 reason)
{
	/* GA_SEC_* and CCMEM_SEC_* share their values. */
	BUILD_BUG_ON(GA_SEC_DOUBLE_VALIDATE != CCMEM_SEC_DOUBLE_VALIDATE);
	BUILD_BUG_ON(GA_SEC_SUBSTITUTION != CCMEM_SEC_SUBSTITUTION);
	BUILD_BUG_ON(GA_SEC_RESCIND_UNVALIDATED != CCMEM_SEC_RESCIND_UNVALIDATED);
	BUILD_BUG_ON(GA_SEC_PSC_BACKWARD != CCMEM_SEC_PSC_BACKWARD);
	BUILD_BUG_ON(GA_SEC_PSC_ERROR != CCMEM_SEC_PSC_ERROR);
	BUILD_BUG_ON(GA_SEC_PVALIDATE_FAILED != CCMEM_SEC_PVALIDATE_FAILED);
	BUILD_BUG_ON(GA_SEC_PSC_NO_PROGRESS != CCMEM_SEC_PSC_NO_PROGRESS);
	BUILD_BUG_ON(GA_SEC_SHARED_ACCESS != CCMEM_SEC_SHARED_ACCESS);
	return reason;
}

/*
 * The guest cannot go on: report the security event (the VMM answers by
 * running again), then terminate. Another vCPU's event, or a platform
 * failure, only terminates.
 */
static void cg_terminate(struct cg_vcpu *cv)
{
	struct ccmem_run exit = { .exit_reason = CCMEM_EXIT_SECURITY };
	const struct ga_event *ev = &cv->v.event;

	if (ev->reason) {
		exit.security.reason = cg_sec_reason(ev->reason);
		exit.security.gpa = ev->gpa;
		exit.security.detail = ev->detail;
		if (ccmem_vcpu_exit(cv->vcpu, &exit, false) == -ESHUTDOWN)
			return;
	} else {
		exit.term.detail = -cv->err;
	}
	exit.exit_reason = CCMEM_EXIT_TERMINATED;
	ccmem_vcpu_exit(cv->vcpu, &exit, true);
}

static void cg_run(struct ccmem_vcpu *vcpu)
{
	static const u32 step_errno[] = {
		[GA_EINVAL] = EINVAL, [GA_ENOMEM] = ENOMEM,
		[GA_ERANGE] = ERANGE,
	};
	struct cg_vcpu *cv = vcpu->guest;
	struct ccmem_run exit;
	int ret = 0;
	u32 pc;

	cv->err = 0;
	memset(&cv->v.event, 0, sizeof(cv->v.event));
	for (pc = 0; pc < vcpu->nr && !ret; pc++) {
		vcpu->pc = pc;
		memset(&exit, 0, sizeof(exit));
		if (READ_ONCE(cv->v.g->terminated))
			ret = -GA_EFATAL;
		else
			ret = cg_step(cv, &vcpu->prog[pc], &exit);
		cond_resched();
	}

	switch (ret) {
	case 0:
		exit.exit_reason = CCMEM_EXIT_DONE;
		break;
	case 1:			/* CHECK mismatch, filled in */
		break;
	case -GA_ESTOP:
		return;		/* the vCPU is being torn down */
	case -GA_EINVAL:
	case -GA_ENOMEM:
	case -GA_ERANGE:
		memset(&exit, 0, sizeof(exit));
		exit.exit_reason = CCMEM_EXIT_STEP_ERROR;
		exit.step.error = step_errno[-ret];
		break;
	default:		/* -GA_EFATAL, -GA_EBUSY */
		WRITE_ONCE(cv->v.g->terminated, 1);
		cg_terminate(cv);
		return;
	}
	ccmem_vcpu_exit(vcpu, &exit, true);
}

/* The guest counters: name, place in struct ga_stats and in the uapi. */
static const struct {
	const char *name;
	size_t ga;
	size_t uapi;
} cg_counters[] = {
	{ "accepted_bytes", offsetof(struct ga_stats, accepted_bytes),
	  offsetof(struct ccmem_guest_stats, accepted_bytes) },
	{ "eager_accepts", offsetof(struct ga_stats, eager_accepts),
	  offsetof(struct ccmem_guest_stats, eager_accepts) },
	{ "lazy_accepts", offsetof(struct ga_stats, lazy_accepts),
	  offsetof(struct ccmem_guest_stats, lazy_accepts) },
	{ "vc_accepts", offsetof(struct ga_stats, vc_accepts),
	  offsetof(struct ccmem_guest_stats, vc_accepts) },
	{ "fallbacks_4k", offsetof(struct ga_stats, fallbacks_4k),
	  offsetof(struct ccmem_guest_stats, fallbacks_4k) },
	{ "pvalidate_calls", offsetof(struct ga_stats, pvalidate_calls),
	  offsetof(struct ccmem_guest_stats, pvalidate_calls) },
	{ "vmgexits", offsetof(struct ga_stats, vmgexits),
	  offsetof(struct ccmem_guest_stats, vmgexits) },
	{ "psc_entries", offsetof(struct ga_stats, psc_entries),
	  offsetof(struct ccmem_guest_stats, psc_entries) },
	{ "psc_reissues", offsetof(struct ga_stats, psc_reissues),
	  offsetof(struct ccmem_guest_stats, psc_reissues) },
	{ "to_shared", offsetof(struct ga_stats, to_shared),
	  offsetof(struct ccmem_guest_stats, to_shared) },
	{ "to_private", offsetof(struct ga_stats, to_private),
	  offsetof(struct ccmem_guest_stats, to_private) },
	{ "security_events", offsetof(struct ga_stats, security_events),
	  offsetof(struct ccmem_guest_stats, security_events) },
	{ "inflight_waits", offsetof(struct ga_stats, inflight_waits),
	  offsetof(struct ccmem_guest_stats, inflight_waits) },
	{ "alloc_pages", offsetof(struct ga_stats, alloc_pages),
	  offsetof(struct ccmem_guest_stats, alloc_pages) },
	{ "free_pages", offsetof(struct ga_stats, free_pages),
	  offsetof(struct ccmem_guest_stats, free_pages) },
};

static u64 cg_counter(const struct ga_stats *st, unsigned int i)
{
	const u64 *p = (const void *)st + cg_counters[i].ga;

	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static u64 cg_unaccepted_bytes(const struct ga_guest *g)
{
	return __atomic_load_n(&g->bm.nr_unaccepted, __ATOMIC_RELAXED) <<
	       g->bm.unit_shift;
}

/* debugfs: /sys/kernel/debug/ccmem/vm-<id>/guest */
static int cg_debugfs_show(struct seq_file *m, void *unused)
{
	struct cg_vm *gvm = m->private;
	struct ga_guest *g = &gvm->g;
	unsigned int i;

	seq_printf(m, "%-18s %s\n", "policy",
		   g->policy == GA_POLICY_EAGER ? "eager" :
		   g->policy == GA_POLICY_LAZY ? "lazy" : "hybrid");
	seq_printf(m, "%-18s %u\n", "unit_shift", g->bm.unit_shift);
	seq_printf(m, "%-18s %llu\n", "unaccepted_bytes",
		   cg_unaccepted_bytes(g));
	for (i = 0; i < ARRAY_SIZE(cg_counters); i++)
		seq_printf(m, "%-18s %llu\n", cg_counters[i].name,
			   cg_counter(&g->stat, i));
	seq_printf(m, "%-18s %d\n", "terminated", READ_ONCE(g->terminated));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(cg_debugfs);

static void cg_stats(struct ccmem_vm *vm, struct ccmem_guest_stats *out)
{
	struct cg_vm *gvm = cg_vm(vm);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cg_counters); i++)
		*(u64 *)((void *)out + cg_counters[i].uapi) =
			cg_counter(&gvm->g.stat, i);
	out->unaccepted_bytes = cg_unaccepted_bytes(&gvm->g);
}

static int cg_init(struct ccmem_vm *vm, const struct ccmem_guest_config *cfg)
{
	u64 units = cfg->mem_size >> cfg->unit_shift;
	struct cg_vm *gvm;
	int ret;

	gvm = kvzalloc(sizeof(*gvm), GFP_KERNEL_ACCOUNT);
	if (!gvm)
		return -ENOMEM;
	gvm->bitmap = kvcalloc(ga_bitmap_words(units), sizeof(u64),
			       GFP_KERNEL_ACCOUNT);
	if (!gvm->bitmap) {
		kvfree(gvm);
		return -ENOMEM;
	}
	gvm->vm = vm;
	mutex_init(&gvm->lock);
	init_waitqueue_head(&gvm->wq);
	ret = ga_guest_init(&gvm->g, cfg->mem_gpa, cfg->mem_gpa + cfg->mem_size,
			    cfg->unit_shift, gvm->bitmap, &cg_env_ops, gvm);
	if (ret) {
		kvfree(gvm->bitmap);
		kvfree(gvm);
		return -EINVAL;
	}
	gvm->g.policy = cfg->policy == CCMEM_ACCEPT_EAGER ? GA_POLICY_EAGER :
			cfg->policy == CCMEM_ACCEPT_LAZY ? GA_POLICY_LAZY :
			GA_POLICY_HYBRID;
	gvm->g.eager_bytes = cfg->eager_bytes;
	gvm->g.force_4k = cfg->flags & CCMEM_GUEST_F_FORCE_4K;
	gvm->g.psc_msr = cfg->flags & CCMEM_GUEST_F_PSC_MSR;
	vm->guest = gvm;
	if (vm->debugfs)
		gvm->debugfs = debugfs_create_file("guest", 0444, vm->debugfs,
						   gvm, &cg_debugfs_fops);
	return 0;
}

static void cg_destroy(struct ccmem_vm *vm)
{
	struct cg_vm *gvm = cg_vm(vm);

	debugfs_remove(gvm->debugfs);
	vm->guest = NULL;
	kvfree(gvm->bitmap);
	kvfree(gvm);
}

static int cg_vcpu_init(struct ccmem_vcpu *vcpu)
{
	struct cg_vcpu *cv = kzalloc(sizeof(*cv), GFP_KERNEL_ACCOUNT);

	if (!cv)
		return -ENOMEM;
	cv->vcpu = vcpu;
	cv->v.g = &cg_vm(vcpu->vm)->g;
	cv->v.id = vcpu->id;
	cv->v.priv = cv;
	cv->v.ghcb_gpa = ccmem_vcpu_ghcb_gpa(vcpu);
	vcpu->guest = cv;
	return 0;
}

static void cg_vcpu_free(struct ccmem_vcpu *vcpu)
{
	struct cg_vm *gvm = cg_vm(vcpu->vm);

	/* Wake anyone who waited on this vCPU's units (it has stopped). */
	mutex_lock(&gvm->lock);
	cg_wake_all(gvm);
	mutex_unlock(&gvm->lock);
	kfree(vcpu->guest);
	vcpu->guest = NULL;
}

static const struct ccmem_guest_ops cg_ops = {
	.owner		= THIS_MODULE,
	.init		= cg_init,
	.destroy	= cg_destroy,
	.vcpu_init	= cg_vcpu_init,
	.vcpu_free	= cg_vcpu_free,
	.run		= cg_run,
	.stats		= cg_stats,
};

static int __init ccmem_guest_init(void)
{
	int ret = ccmem_register_guest(&cg_ops);

	if (!ret)
		pr_info("emulated guest registered\n");
	return ret;
}

static void __exit ccmem_guest_exit(void)
{
	ccmem_unregister_guest(&cg_ops);
}

module_init(ccmem_guest_init);
module_exit(ccmem_guest_exit);
MODULE_DESCRIPTION("ccmem: the guest half (acceptance, PSC client) on emulated vCPUs");
MODULE_LICENSE("GPL");
