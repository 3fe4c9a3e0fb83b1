// SPDX-License-Identifier: GPL-2.0
/*
 * runner.c - ccmem_guest.ko: the emulated guest, a component of the emu
 * backend on the host.
 *
 * It registers with ccmem.ko as the runner of emulated vCPUs. For each VM
 * the VMM configures (CCMEM_EMU_GUEST_INIT) it builds one portable guest
 * core (guest/ga.h: the accepted-memory bitmap, the policies, the accept
 * ladder, the platform's conversion client, the allocator); each vCPU
 * thread runs its program against it. The program steps are checked
 * (CCMEM_VCPU_EMU_SET_PROGRAM) and executed here, in one place.
 *
 * The environment the core needs is supplied here:
 *
 *  - guest instructions and accesses go to the model through
 *    ccmem_vcpu_emu_req(), which exits to the VMM on a fault it cannot
 *    resolve;
 *  - hypercalls go to the platform module through ccmem_vcpu_hypercall();
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
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "ccmem_core.h"
#include "runner.h"
#include "../../guest/virtio/vmmio.h"
#include "../../platform/snp/ghcb.h"
#include "../../platform/tdx/tdx_abi.h"

#define CREATE_TRACE_POINTS
#include "runner_trace.h"

/* A platform errno as the core sees it; remembered for the exit. */
static int cg_err(struct cg_vcpu *cv, int err)
{
	cv->err = err;
	return err == -ESHUTDOWN ? -GA_ESTOP : -GA_EBUSY;
}

static int cg_insn(void *priv, struct ga_insn *in)
{
	struct cg_vcpu *cv = priv;
	struct ccmem_emu_req req = {
		.insn = in->op,
		.gpa = in->gpa,
		.rcx = in->rcx,
		.rdx = in->rdx,
	};
	int ret;

	BUILD_BUG_ON(GA_INSN_PVALIDATE != CCMEM_INSN_PVALIDATE);
	BUILD_BUG_ON(GA_INSN_RMPADJUST != CCMEM_INSN_RMPADJUST);
	BUILD_BUG_ON(GA_INSN_TDG_ACCEPT != CCMEM_INSN_TDG_ACCEPT);
	ret = ccmem_vcpu_emu_req(cv->vcpu, &req, true);
	if (ret)
		return cg_err(cv, ret);
	if (req.result == CCMEM_EMU_R_EXCEPTION)
		return cg_err(cv, -EFAULT);	/* the core expects none here */
	in->rax = req.rax;
	in->cf = req.rflags & CCMEM_EMU_RFLAGS_CF;
	return 0;
}

static int cg_access(struct cg_vcpu *cv, u64 gpa, void *buf, u32 len,
		     bool shared, bool write)
{
	struct ccmem_emu_req req = {
		.gpa = gpa,
		.kbuf = buf,
		.len = len,
		.flags = (shared ? CCMEM_ACCESS_F_SHARED : 0) |
			 (write ? CCMEM_ACCESS_F_WRITE : 0),
	};
	int ret = ccmem_vcpu_emu_req(cv->vcpu, &req, false);

	if (ret)
		return cg_err(cv, ret);
	if (req.result != CCMEM_EMU_R_EXCEPTION)
		return 0;
	/*
	 * The exception is raised in the guest: the core handles it. SNP:
	 * #VC 0x404; TDX: #VE, which the model raises only for an EPT
	 * violation on a PENDING page.
	 */
	if ((req.vector == CCMEM_EMU_VECTOR_VC &&
	     req.error_code == GA_EXC_NOT_ACCEPTED) ||
	    req.vector == CCMEM_EMU_VECTOR_VE)
		return GA_EXC_NOT_ACCEPTED;
	return req.error_code ?: 1;
}

static int cg_read(void *priv, u64 gpa, void *buf, u32 len, bool shared)
{
	return cg_access(priv, gpa, buf, len, shared, false);
}

static int cg_write(void *priv, u64 gpa, const void *buf, u32 len,
		    bool shared)
{
	return cg_access(priv, gpa, (void *)buf, len, shared, true);
}

static int cg_hypercall(void *priv, struct ga_hcall *gh)
{
	struct cg_vcpu *cv = priv;
	struct ccmem_hcall hc;
	int ret;

	BUILD_BUG_ON(sizeof(hc.r) != sizeof(gh->r));
	memcpy(hc.r, gh->r, sizeof(hc.r));
	ret = ccmem_vcpu_hypercall(cv->vcpu, &hc);
	if (ret)
		return cg_err(cv, ret);
	memcpy(gh->r, hc.r, sizeof(gh->r));
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
	.insn		= cg_insn,
	.hypercall	= cg_hypercall,
	.read		= cg_read,
	.write		= cg_write,
	.lock		= cg_lock,
	.unlock		= cg_unlock,
	.wait		= cg_wait,
	.wake_all	= cg_wake_all,
	.trace		= cg_trace,
};

/* ---- the program ------------------------------------------------------ */

static void cg_free_args(void **args, u32 nr_args)
{
	while (nr_args)
		kfree(args[--nr_args]);
	kfree(args);
}

static void cg_free_program(struct cg_vcpu *cv)
{
	cg_free_args(cv->args, cv->nr_args);
	kvfree(cv->prog);
	cv->args = NULL;
	cv->nr_args = 0;
	cv->prog = NULL;
	cv->nr = 0;
}

static bool cg_step_aligned(const struct ccmem_guest_insn *in)
{
	if (in->flags & CCMEM_GOP_F_R0)
		return IS_ALIGNED(in->gpa | in->size, PAGE_SIZE) && in->size;
	return IS_ALIGNED(in->gpa | in->size, PAGE_SIZE) && in->size &&
	       in->gpa < CCMEM_MAX_GPA && in->size <= CCMEM_MAX_GPA - in->gpa;
}

/* The checks every step passes before the program is accepted. */
static int cg_step_check(const struct ccmem_guest_insn *in)
{
	if (in->flags & ~CCMEM_GOP_F_R0)
		return -EINVAL;
	switch (in->op) {
	case CCMEM_GOP_BOOT:
		return in->gpa || in->size || in->arg || in->flags ? -EINVAL : 0;
	case CCMEM_GOP_ACCEPT:
	case CCMEM_GOP_FREE:
		return cg_step_aligned(in) && !in->arg ? 0 : -EINVAL;
	case CCMEM_GOP_ALLOC:
		return !in->gpa && in->size && IS_ALIGNED(in->size, PAGE_SIZE) &&
		       in->size <= CCMEM_MAX_REGION_SIZE && !in->arg &&
		       !in->flags ? 0 : -EINVAL;
	case CCMEM_GOP_CONVERT:
		return cg_step_aligned(in) &&
		       (in->arg == CCMEM_GOP_TO_PRIVATE ||
			in->arg == CCMEM_GOP_TO_SHARED) ? 0 : -EINVAL;
	case CCMEM_GOP_READ:
	case CCMEM_GOP_WRITE:
	case CCMEM_GOP_CHECK:
		if (!in->size || in->size > CCMEM_MAX_REGION_SIZE ||
		    in->gpa >= CCMEM_MAX_GPA)
			return -EINVAL;
		return in->op == CCMEM_GOP_READ && in->arg ? -EINVAL : 0;
	case CCMEM_GOP_PSC_RAW:
	case CCMEM_GOP_PSC_MSR_RAW:
	case CCMEM_GOP_VMGEXIT:
	case CCMEM_GOP_TDVMCALL:
	case CCMEM_GOP_VIO_INIT:
		return in->gpa || in->size || in->flags ? -EINVAL : 0;
	case CCMEM_GOP_VIO_IDLE:
		return in->gpa || in->size || in->arg || in->flags ? -EINVAL : 0;
	case CCMEM_GOP_VIO_WRITE:
	case CCMEM_GOP_VIO_READ:
		/* Whole sectors, in the request limit, on a sane disk. */
		return !in->size || in->size % 512 ||
		       in->size > GV_BLK_MAX_SEGS * PAGE_SIZE ||
		       in->gpa >= CCMEM_MAX_GPA ||
		       in->arg >= GV_BLK_MAX_CAPACITY ? -EINVAL : 0;
	}
	return -EINVAL;
}

/* A copy of @len bytes of the VMM's at @uptr, charged to its memcg. */
static void *cg_copy_in(u64 uptr, size_t len)
{
	void *p = kmalloc(len, GFP_KERNEL_ACCOUNT);

	if (!p)
		return ERR_PTR(-ENOMEM);
	if (copy_from_user(p, u64_to_user_ptr(uptr), len)) {
		kfree(p);
		return ERR_PTR(-EFAULT);
	}
	return p;
}

/* The copy of a step's request structure; its index replaces the pointer. */
static int cg_copy_arg(void **args, u32 *nr_args, struct ccmem_guest_insn *in)
{
	struct ccmem_emu_tdvmcall *tv;
	struct ccmem_psc_raw *raw;
	struct ccmem_emu_vmgexit *x;
	void *p;

	if (in->op == CCMEM_GOP_TDVMCALL) {
		p = cg_copy_in(in->arg, sizeof(*tv));
		if (IS_ERR(p))
			return PTR_ERR(p);
		tv = p;
		if (!mem_is_zero(tv->reserved, sizeof(tv->reserved)))
			goto bad;
	} else if (in->op == CCMEM_GOP_PSC_RAW) {
		p = cg_copy_in(in->arg, sizeof(*raw));
		if (IS_ERR(p))
			return PTR_ERR(p);
		raw = p;
		if (raw->reserved || raw->buf_off % 8 ||
		    raw->buf_off + 8 > GHCB_SHARED_BUF_SIZE ||
		    raw->nr > (GHCB_SHARED_BUF_SIZE - raw->buf_off - 8) / 8)
			goto bad;
	} else if (in->op == CCMEM_GOP_VIO_INIT) {
		p = cg_copy_in(in->arg, sizeof(struct ccmem_emu_vio));
		if (IS_ERR(p))
			return PTR_ERR(p);
		if (cg_vio_check(p))
			goto bad;
	} else {
		p = cg_copy_in(in->arg, sizeof(*x));
		if (IS_ERR(p))
			return PTR_ERR(p);
		x = p;
		if ((x->flags & ~CCMEM_VMGEXIT_F_NAE) || x->reserved0 ||
		    !mem_is_zero(x->reserved, sizeof(x->reserved)))
			goto bad;
	}
	in->arg = *nr_args;
	args[(*nr_args)++] = p;
	return 0;
bad:
	kfree(p);
	return -EINVAL;
}

static bool cg_has_arg(const struct ccmem_guest_insn *in)
{
	return in->op == CCMEM_GOP_PSC_RAW || in->op == CCMEM_GOP_VMGEXIT ||
	       in->op == CCMEM_GOP_TDVMCALL || in->op == CCMEM_GOP_VIO_INIT;
}

/*
 * The new program is copied and checked whole before it replaces the old
 * one: a failed CCMEM_VCPU_EMU_SET_PROGRAM leaves the vCPU as it was.
 */
static long cg_set_program(struct ccmem_vcpu *vcpu, void __user *uarg)
{
	struct cg_vcpu *cv = vcpu->runner;
	struct ccmem_emu_program arg;
	struct ccmem_guest_insn *prog;
	void **args = NULL;
	u32 i, want = 0, nr_args = 0;
	int ret = 0;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags || !mem_is_zero(arg.reserved, sizeof(arg.reserved)))
		return -EINVAL;
	if (!arg.nr || arg.nr > CCMEM_EMU_MAX_PROGRAM)
		return -EINVAL;
	prog = kvmalloc_array(arg.nr, sizeof(*prog), GFP_KERNEL_ACCOUNT);
	if (!prog)
		return -ENOMEM;
	if (copy_from_user(prog, u64_to_user_ptr(arg.insns),
			   arg.nr * sizeof(*prog))) {
		ret = -EFAULT;
		goto err;
	}
	for (i = 0; i < arg.nr; i++) {
		if (cg_step_check(&prog[i]) ||
		    (cg_forward(cg_vm(vcpu->vm)) &&
		     prog[i].op != CCMEM_GOP_VMGEXIT &&
		     prog[i].op != CCMEM_GOP_TDVMCALL)) {
			ret = -EINVAL;
			goto err;
		}
		want += cg_has_arg(&prog[i]);
	}
	if (want) {
		args = kcalloc(want, sizeof(*args), GFP_KERNEL_ACCOUNT);
		if (!args) {
			ret = -ENOMEM;
			goto err;
		}
	}
	for (i = 0; i < arg.nr && !ret; i++)
		if (cg_has_arg(&prog[i]))
			ret = cg_copy_arg(args, &nr_args, &prog[i]);
	if (ret)
		goto err;

	spin_lock(&vcpu->lock);
	ret = vcpu->running || vcpu->posted ? -EBUSY : 0;
	spin_unlock(&vcpu->lock);
	if (ret)
		goto err;
	cg_free_program(cv);
	cv->prog = prog;
	cv->nr = arg.nr;
	cv->args = args;
	cv->nr_args = nr_args;
	return 0;

err:
	cg_free_args(args, nr_args);
	kvfree(prog);
	return ret;
}

static long cg_vcpu_ioctl(struct ccmem_vcpu *vcpu, unsigned int cmd,
			  void __user *uarg)
{
	if (cmd == CCMEM_VCPU_EMU_SET_PROGRAM)
		return cg_set_program(vcpu, uarg);
	return -ENOTTY;
}

/* The VMM runs a vCPU that is not running: start its program. */
static int cg_start(struct ccmem_vcpu *vcpu)
{
	struct cg_vcpu *cv = vcpu->runner;

	if (!cv->prog)
		return -ENOEXEC;
	cv->st.pc = 0;
	return 0;
}

static void cg_exit_state(struct ccmem_vcpu *vcpu, u64 *state)
{
	struct cg_vcpu *cv = vcpu->runner;

	BUILD_BUG_ON(sizeof(cv->st) != sizeof(((struct ccmem_run *)0)->state));
	memcpy(state, &cv->st, sizeof(cv->st));
}

/* ---- the program steps -------------------------------------------------- */

/*
 * READ, WRITE and CHECK walk the range a page at a time through the
 * guest's #VC-handling access path. A CHECK mismatch fills @exit.
 */
static int cg_step_data(struct cg_vcpu *cv, const struct ccmem_guest_insn *in,
			u64 gpa, struct ccmem_run *exit)
{
	u64 end = gpa + in->size, a;
	bool write = in->op == CCMEM_GOP_WRITE;
	struct ccmem_emu_exit_check *check;
	u32 i, len;
	int ret;

	for (a = gpa; a < end; a += len) {
		len = min_t(u64, end - a, PAGE_SIZE - offset_in_page(a));
		if (write)
			for (i = 0; i < len; i++)
				cv->buf[i] = ccmem_emu_pattern(in->arg, a + i);
		ret = ga_access(&cv->v, a, cv->buf, len, write);
		if (ret)
			return ret;
		if (in->op != CCMEM_GOP_CHECK)
			continue;
		for (i = 0; i < len; i++) {
			if (cv->buf[i] == ccmem_emu_pattern(in->arg, a + i))
				continue;
			check = (struct ccmem_emu_exit_check *)exit->exit;
			exit->exit_reason = CCMEM_EXIT_EMU_CHECK;
			check->gpa = a + i;
			check->expected = ccmem_emu_pattern(in->arg, a + i);
			check->got = cv->buf[i];
			return 1;
		}
		cond_resched();
	}
	return 0;
}

/* CCMEM_GOP_VMGEXIT: the forwarded VMGEXIT; its results in the state. */
static int cg_step_vmgexit(struct cg_vcpu *cv, const struct ccmem_emu_vmgexit *x)
{
	struct ga_hcall hc = {};
	int ret;

	hc.r[GHCB_R_MSR] = x->ghcb_msr;
	hc.r[GHCB_R_NAE] = !!(x->flags & CCMEM_VMGEXIT_F_NAE);
	hc.r[GHCB_R_EXIT_CODE] = x->exit_code;
	hc.r[GHCB_R_EXIT_INFO1] = x->exit_info1;
	hc.r[GHCB_R_EXIT_INFO2] = x->exit_info2;
	hc.r[GHCB_R_SCRATCH] = x->scratch;
	ret = ga_hypercall(&cv->v, &hc);
	if (ret)
		return ret;
	cv->st.ghcb_msr = hc.r[GHCB_R_MSR];
	cv->st.exit_info1 = hc.r[GHCB_R_EXIT_INFO1];
	cv->st.exit_info2 = hc.r[GHCB_R_EXIT_INFO2];
	return 0;
}

/* CCMEM_GOP_TDVMCALL: the forwarded TDG.VP.VMCALL; R10, R11 in the state. */
static int cg_step_tdvmcall(struct cg_vcpu *cv,
			    const struct ccmem_emu_tdvmcall *x)
{
	struct ga_hcall hc = {};
	int ret;

	hc.r[TDX_HC_R10] = x->r10;
	hc.r[TDX_HC_R11] = x->r11;
	hc.r[TDX_HC_R12] = x->r12;
	hc.r[TDX_HC_R13] = x->r13;
	hc.r[TDX_HC_R14] = x->r14;
	hc.r[TDX_HC_R15] = x->r15;
	ret = ga_hypercall(&cv->v, &hc);
	if (ret)
		return ret;
	cv->st.vmcall_r10 = hc.r[TDX_HC_R10];
	cv->st.vmcall_r11 = hc.r[TDX_HC_R11];
	return 0;
}

/* Is @op a raw step of another platform than the guest's? */
static bool cg_foreign_step(struct cg_vcpu *cv, u32 op)
{
	bool snp = cv->v.g->plat == &ga_platform_snp;

	switch (op) {
	case CCMEM_GOP_PSC_RAW:
	case CCMEM_GOP_PSC_MSR_RAW:
	case CCMEM_GOP_VMGEXIT:
		return !snp;
	case CCMEM_GOP_TDVMCALL:
		return snp;
	}
	return false;
}

static int cg_step(struct cg_vcpu *cv, const struct ccmem_guest_insn *in,
		   struct ccmem_run *exit)
{
	u64 gpa = in->gpa + (in->flags & CCMEM_GOP_F_R0 ? cv->st.r0 : 0);
	struct ccmem_psc_raw *raw;
	int ret;

	if (cg_foreign_step(cv, in->op))
		return -GA_EINVAL;
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
		return ga_alloc(&cv->v, in->size >> PAGE_SHIFT, &cv->st.r0);
	case CCMEM_GOP_FREE:
		return ga_free(&cv->v, gpa, in->size >> PAGE_SHIFT);
	case CCMEM_GOP_CONVERT:
		return ga_convert(&cv->v, gpa, in->size,
				  in->arg == CCMEM_GOP_TO_SHARED);
	case CCMEM_GOP_PSC_RAW:
		raw = cv->args[in->arg];
		ret = ga_psc_raw(&cv->v, raw->buf_off, raw->cur_entry,
				 raw->end_entry, raw->entries, raw->nr);
		cv->st.psc_result = cv->v.psc_last_result;
		return ret;
	case CCMEM_GOP_PSC_MSR_RAW:
		ret = ga_psc_msr_raw(&cv->v, in->arg);
		cv->st.psc_result = cv->v.psc_last_result;
		return ret;
	case CCMEM_GOP_VMGEXIT:
		return cg_step_vmgexit(cv, cv->args[in->arg]);
	case CCMEM_GOP_TDVMCALL:
		return cg_step_tdvmcall(cv, cv->args[in->arg]);
	case CCMEM_GOP_VIO_INIT:
	case CCMEM_GOP_VIO_WRITE:
	case CCMEM_GOP_VIO_READ:
	case CCMEM_GOP_VIO_IDLE:
		return cg_vio_step(cv, in, gpa, exit);
	}
	return -GA_EINVAL;
}

static u32 cg_sec_reason(u32 reason)
{
	/* GA_SEC_* and CCMEM_SEC_* share their values. */
	BUILD_BUG_ON(GA_SEC_DOUBLE_ACCEPT != CCMEM_SEC_DOUBLE_ACCEPT);
	BUILD_BUG_ON(GA_SEC_SUBSTITUTION != CCMEM_SEC_SUBSTITUTION);
	BUILD_BUG_ON(GA_SEC_RELEASE_UNACCEPTED != CCMEM_SEC_RELEASE_UNACCEPTED);
	BUILD_BUG_ON(GA_SEC_CONVERT_BACKWARD != CCMEM_SEC_CONVERT_BACKWARD);
	BUILD_BUG_ON(GA_SEC_CONVERT_ERROR != CCMEM_SEC_CONVERT_ERROR);
	BUILD_BUG_ON(GA_SEC_ACCEPT_FAILED != CCMEM_SEC_ACCEPT_FAILED);
	BUILD_BUG_ON(GA_SEC_CONVERT_NO_PROGRESS != CCMEM_SEC_CONVERT_NO_PROGRESS);
	BUILD_BUG_ON(GA_SEC_SHARED_ACCESS != CCMEM_SEC_SHARED_ACCESS);
	return reason;
}

/*
 * The guest cannot go on. After a security event it reports the event
 * (the VMM answers by running again), then sends its platform's
 * termination request with the reason: the host ends the vCPU there.
 * Another vCPU's event, or a platform failure, ends it from the host side.
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
		cv->err = 0;
		/* The host posts the final exit and stops the vCPU. */
		if (ga_terminate(&cv->v) == -GA_ESTOP)
			return;
	}
	memset(&exit, 0, sizeof(exit));
	exit.exit_reason = CCMEM_EXIT_TERMINATED;
	exit.terminated.detail = cv->err == -ESHUTDOWN ? 0 : -cv->err;
	ccmem_vcpu_exit(cv->vcpu, &exit, true);
}

/* The errno of a GA_E* code a program step can end with (0: none). */
u32 cg_step_errno(int ga_err)
{
	static const u32 step_errno[] = {
		[GA_EINVAL] = EINVAL, [GA_ENOMEM] = ENOMEM,
		[GA_ERANGE] = ERANGE, [GA_EIO] = EIO,
		[GA_ENOTSUPP] = EOPNOTSUPP, [GA_ENODEV] = ENODEV,
	};

	if (ga_err >= 0 || -ga_err >= ARRAY_SIZE(step_errno))
		return 0;
	return step_errno[-ga_err];
}

static void cg_run(struct ccmem_vcpu *vcpu)
{
	struct cg_vcpu *cv = vcpu->runner;
	struct ccmem_emu_exit_step *step;
	struct ccmem_run exit;
	int ret = 0;
	u32 pc;

	cv->err = 0;
	memset(&cv->v.event, 0, sizeof(cv->v.event));
	for (pc = 0; pc < cv->nr && !ret; pc++) {
		cv->st.pc = pc;
		memset(&exit, 0, sizeof(exit));
		if (READ_ONCE(cv->v.g->terminated))
			ret = -GA_EFATAL;
		else
			ret = cg_step(cv, &cv->prog[pc], &exit);
		cond_resched();
	}

	switch (ret) {
	case 0:
		exit.exit_reason = CCMEM_EXIT_EMU_DONE;
		break;
	case 1:			/* CHECK mismatch, filled in */
		break;
	case -GA_ESTOP:
		return;		/* the vCPU is being torn down */
	case -GA_EINVAL:
	case -GA_ENOMEM:
	case -GA_ERANGE:
	case -GA_EIO:
	case -GA_ENOTSUPP:
	case -GA_ENODEV:
		memset(&exit, 0, sizeof(exit));
		exit.exit_reason = CCMEM_EXIT_EMU_STEP_ERROR;
		step = (struct ccmem_emu_exit_step *)exit.exit;
		step->error = cg_step_errno(ret);
		break;
	default:		/* -GA_EFATAL, -GA_EBUSY */
		WRITE_ONCE(cv->v.g->terminated, 1);
		cg_terminate(cv);
		return;
	}
	ccmem_vcpu_exit(vcpu, &exit, true);
}

/* The guest's counters (group "guest"), read from struct ga_stats. */
struct cg_values {
	struct ga_stats ga;
	u64 unaccepted_bytes;
	u64 vio[CG_VIO_NR_STATS];
};

/* The virtio-blk device's counters: of the device set up now. */
#define CGV(n, i, u, d) CCMEM_STAT_AT("vio_" #n, struct cg_values, vio[i], u, 0, d)

#define CGS(f, u, fl, d) CCMEM_STAT_AT(#f, struct cg_values, ga.f, u, fl, d)
static const struct ccmem_stat_desc cg_stat_descs[] = {
	CGS(accepted_bytes, BYTES, CCMEM_CUM, "bytes accepted so far"),
	CCMEM_STAT(struct cg_values, unaccepted_bytes, BYTES, 0,
		   "bytes of RAM still unaccepted"),
	CGS(eager_accepts, NONE, CCMEM_CUM, "units accepted at boot"),
	CGS(lazy_accepts, NONE, CCMEM_CUM, "units accepted on demand"),
	CGS(exception_accepts, NONE, CCMEM_CUM, "lazy accepts after a not-accepted exception"),
	CGS(fallbacks_4k, NONE, CCMEM_CUM, "2 MiB accepts that fell back to 4 KiB"),
	CGS(accept_calls, NONE, CCMEM_CUM, "accept and release instructions"),
	CGS(hypercalls, NONE, CCMEM_CUM, "hypercalls to the host"),
	CGS(convert_entries, NONE, CCMEM_CUM, "conversion entries sent"),
	CGS(convert_reissues, NONE, CCMEM_CUM, "conversions re-issued after partial progress"),
	CGS(to_shared, PAGES, CCMEM_CUM, "pages converted to shared"),
	CGS(to_private, PAGES, CCMEM_CUM, "pages converted to private"),
	CGS(security_events, NONE, CCMEM_CUM, "fatal events detected"),
	CGS(inflight_waits, NONE, CCMEM_CUM, "waits for units another vCPU accepted"),
	CGS(alloc_pages, PAGES, CCMEM_CUM, "pages allocated"),
	CGS(free_pages, PAGES, CCMEM_CUM, "pages freed"),
	CGV(reads, 0, NONE, "virtio-blk reads completed"),
	CGV(writes, 1, NONE, "virtio-blk writes completed"),
	CGV(bytes_read, 2, BYTES, "bytes read from the device"),
	CGV(bytes_written, 3, BYTES, "bytes written to the device"),
	CGV(io_errors, 4, NONE, "requests failed with EIO"),
	CGV(dev_errors, 5, NONE, "IOERR or UNSUPP status from the device"),
	CGV(short_used, 6, NONE, "used lengths short of the data"),
	CGV(bad_entries, 7, NONE, "used entries that broke the queue"),
	CGV(len_clamped, 8, NONE, "overlong used lengths clamped by policy"),
	CGV(resets, 9, NONE, "device resets after a broken queue"),
	CGV(config_retries, 10, NONE, "config re-reads after a generation change"),
	CGV(mmio_exits, 11, NONE, "register accesses (exits to the VMM)"),
	CGV(bounce_in_use, 12, NONE, "bounce slots in use"),
	CGV(bounce_high_water, 13, NONE, "most bounce slots in use at once"),
	CGV(bounce_grows, 14, NONE, "bounce chunks added on demand"),
	CGV(bounce_shrinks, 15, NONE, "bounce chunks given back when idle"),
	CGV(bounce_failures, 16, NONE, "bounce slot requests refused"),
	CGV(leaked_slots, 17, NONE, "bounce slots of requests the device kept"),
	CGV(mapped_pages, 18, PAGES, "shared pages of the ring and the pool"),
	CGV(leaked_pages, 19, PAGES, "guest pages whose conversion failed"),
	CGV(bad_status, 20, NONE, "status bytes outside the spec (or none)"),
};

static void cg_read_stats(struct ccmem_vm *vm, u64 *vals);

static const struct ccmem_stat_group cg_stats = {
	.name = "guest",
	.descs = cg_stat_descs,
	.nr = ARRAY_SIZE(cg_stat_descs),
	.read = cg_read_stats,
};

static u64 cg_unaccepted_bytes(const struct ga_guest *g)
{
	return __atomic_load_n(&g->bm.nr_unaccepted, __ATOMIC_RELAXED) <<
	       g->bm.unit_shift;
}

/* A lock-free snapshot: every counter is updated with atomic adds. */
static void cg_snapshot(const struct ga_guest *g, struct cg_values *out)
{
	const u64 *src = (const u64 *)&g->stat;
	u64 *dst = (u64 *)&out->ga;
	unsigned int i;

	for (i = 0; i < sizeof(g->stat) / sizeof(u64); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
	out->unaccepted_bytes = cg_unaccepted_bytes(g);
	cg_vio_stats(container_of(g, struct cg_vm, g), out->vio);
}

static void cg_read_stats(struct ccmem_vm *vm, u64 *vals)
{
	struct cg_values v;

	cg_snapshot(&cg_vm(vm)->g, &v);
	ccmem_stat_copy(&cg_stats, &v, vals);
}

/* debugfs: /sys/kernel/debug/ccmem/vm-<id>/guest */
static int cg_debugfs_show(struct seq_file *m, void *unused)
{
	struct cg_vm *gvm = m->private;
	struct ga_guest *g = &gvm->g;
	u64 vals[ARRAY_SIZE(cg_stat_descs)];
	struct cg_values v;
	unsigned int i;

	seq_printf(m, "%-18s %s\n", "platform", g->plat->name);
	seq_printf(m, "%-18s %s\n", "policy",
		   cg_forward(gvm) ? "none (the VMM plays the CPU)" :
		   g->policy == GA_POLICY_EAGER ? "eager" :
		   g->policy == GA_POLICY_LAZY ? "lazy" : "hybrid");
	seq_printf(m, "%-18s %u\n", "unit_shift", g->bm.unit_shift);
	cg_snapshot(g, &v);
	ccmem_stat_copy(&cg_stats, &v, vals);
	for (i = 0; i < ARRAY_SIZE(cg_stat_descs); i++)
		seq_printf(m, "%-18s %llu\n", cg_stat_descs[i].name, vals[i]);
	seq_printf(m, "%-18s %d\n", "terminated", READ_ONCE(g->terminated));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(cg_debugfs);

/* The configuration, checked against the VM's regions. */
static int cg_config_check(struct ccmem_vm *vm,
			   const struct ccmem_emu_guest_config *c)
{
	u64 unit, comm_end;

	if (c->flags & ~(CCMEM_GUEST_F_FORCE_4K | CCMEM_GUEST_F_CONVERT_MSR |
			 CCMEM_GUEST_F_FORWARD) ||
	    c->reserved0 || !mem_is_zero(c->reserved, sizeof(c->reserved)))
		return -EINVAL;
	/* Only hypercalls pass through: no RAM, no pages, no policy. */
	if (c->flags & CCMEM_GUEST_F_FORWARD)
		return c->flags != CCMEM_GUEST_F_FORWARD || c->policy ||
		       c->unit_shift != 21 || c->mem_gpa || c->mem_size ||
		       c->eager_bytes || c->comm_gpa ? -EINVAL : 0;
	/* The MSR protocol is SNP's GHCB; a TD passes all in registers. */
	if (vm->type != CCMEM_VM_SNP && (c->flags & CCMEM_GUEST_F_CONVERT_MSR))
		return -EINVAL;
	if (c->policy > CCMEM_ACCEPT_HYBRID ||
	    c->unit_shift < PAGE_SHIFT || c->unit_shift > 30)
		return -EINVAL;
	unit = 1ULL << c->unit_shift;
	if (!c->mem_size || !IS_ALIGNED(c->mem_gpa | c->mem_size, unit) ||
	    c->mem_size > CCMEM_MAX_GPA - c->mem_gpa)
		return -EINVAL;
	/* The bitmap's own limit, checked before anything is allocated. */
	if (c->mem_size >> c->unit_shift > GA_MAX_UNITS)
		return -E2BIG;
	if (!ccmem_range_in_regions(vm, c->mem_gpa >> PAGE_SHIFT,
				    c->mem_size >> PAGE_SHIFT))
		return -EINVAL;
	if (c->policy == CCMEM_ACCEPT_HYBRID ?
	    !IS_ALIGNED(c->eager_bytes, unit) || c->eager_bytes > c->mem_size :
	    c->eager_bytes)
		return -EINVAL;
	/* A TD talks to the host in registers: it may have no pages for it. */
	if (vm->type == CCMEM_VM_TDX && !c->comm_gpa)
		return 0;
	/* Room for the page of every possible vCPU, outside the RAM. */
	if (!IS_ALIGNED(c->comm_gpa, PAGE_SIZE) || c->comm_gpa >= CCMEM_MAX_GPA)
		return -EINVAL;
	comm_end = c->comm_gpa + CCMEM_MAX_VCPUS * PAGE_SIZE;
	if (!ccmem_range_in_regions(vm, c->comm_gpa >> PAGE_SHIFT,
				    CCMEM_MAX_VCPUS))
		return -EINVAL;
	if (c->comm_gpa < c->mem_gpa + c->mem_size && comm_end > c->mem_gpa)
		return -EINVAL;
	return 0;
}

/* The guest platform of a VM type. */
static const struct ga_platform *cg_platform(u32 type)
{
	switch (type) {
	case CCMEM_VM_SNP:
		return &ga_platform_snp;
	case CCMEM_VM_TDX:
		return &ga_platform_tdx;
	}
	return NULL;
}

static int cg_init(struct ccmem_vm *vm, const void *arg)
{
	struct ccmem_emu_guest_config c = *(const struct ccmem_emu_guest_config *)arg;
	struct ccmem_emu_guest_config *cfg = &c;
	const struct ga_platform *plat = cg_platform(vm->type);
	struct cg_vm *gvm;
	u64 units;
	int ret;

	if (!cfg->unit_shift)
		cfg->unit_shift = 21;
	ret = cg_config_check(vm, cfg);
	if (ret)
		return ret;
	if (!plat)
		return -EOPNOTSUPP;
	units = cfg->mem_size >> cfg->unit_shift;

	gvm = kvzalloc(sizeof(*gvm), GFP_KERNEL_ACCOUNT);
	if (!gvm)
		return -ENOMEM;
	gvm->cfg = *cfg;
	if (!cg_forward(gvm))
		gvm->bitmap = kvcalloc(ga_bitmap_words(units), sizeof(u64),
				       GFP_KERNEL_ACCOUNT);
	if (!cg_forward(gvm) && !gvm->bitmap) {
		kvfree(gvm);
		return -ENOMEM;
	}
	gvm->vm = vm;
	mutex_init(&gvm->lock);
	init_waitqueue_head(&gvm->wq);
	spin_lock_init(&gvm->vio_stat_lock);
	if (cg_forward(gvm)) {
		/* What ga_hypercall() needs; no RAM for the core to manage. */
		gvm->g.plat = plat;
		gvm->g.ops = &cg_env_ops;
		gvm->g.priv = gvm;
		gvm->g.bm.unit_shift = cfg->unit_shift;
		ret = 0;
	} else {
		ret = ga_guest_init(&gvm->g, cfg->mem_gpa,
				    cfg->mem_gpa + cfg->mem_size,
				    cfg->unit_shift, gvm->bitmap, plat,
				    &cg_env_ops, gvm);
	}
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
	gvm->g.msr_protocol = cfg->flags & CCMEM_GUEST_F_CONVERT_MSR;
	/* What a TD learns from TDG.VP.INFO. */
	gvm->g.tdx.gpaw = vm->gpa_width;
	gvm->g.tdx.attr = vm->attributes;
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
	cg_vio_destroy(gvm);
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
	cv->v.comm_gpa = cg_vm(vcpu->vm)->cfg.comm_gpa + vcpu->id * PAGE_SIZE;
	vcpu->runner = cv;
	return 0;
}

/* The vCPU is being stopped: wake it if it waits for another's units. */
static void cg_vcpu_kick(struct ccmem_vcpu *vcpu)
{
	wake_up_all(&cg_vm(vcpu->vm)->wq);
}

static void cg_vcpu_free(struct ccmem_vcpu *vcpu)
{
	struct cg_vm *gvm = cg_vm(vcpu->vm);

	/* Wake anyone who waited on this vCPU's units (it has stopped). */
	mutex_lock(&gvm->lock);
	cg_wake_all(gvm);
	mutex_unlock(&gvm->lock);
	cg_free_program(vcpu->runner);
	kfree(vcpu->runner);
	vcpu->runner = NULL;
}

static bool cg_overlaps(u64 a, u64 a_len, u64 b, u64 b_len)
{
	return a < b + b_len && b < a + a_len;
}

/* The guest's RAM and its vCPUs' pages for the host. */
bool cg_uses_range(struct ccmem_vm *vm, u64 gfn, u64 npages)
{
	const struct ccmem_emu_guest_config *c = &cg_vm(vm)->cfg;
	bool comm = !cg_forward(cg_vm(vm)) &&
		    (vm->type != CCMEM_VM_TDX || c->comm_gpa);

	return cg_overlaps(gfn, npages, c->mem_gpa >> PAGE_SHIFT,
			   c->mem_size >> PAGE_SHIFT) ||
	       (comm && cg_overlaps(gfn, npages, c->comm_gpa >> PAGE_SHIFT,
				    CCMEM_MAX_VCPUS));
}

static const struct ccmem_runner_ops cg_ops = {
	.owner		= THIS_MODULE,
	.stats		= &cg_stats,
	.init		= cg_init,
	.destroy	= cg_destroy,
	.vcpu_init	= cg_vcpu_init,
	.vcpu_free	= cg_vcpu_free,
	.vcpu_kick	= cg_vcpu_kick,
	.vcpu_ioctl	= cg_vcpu_ioctl,
	.start		= cg_start,
	.run		= cg_run,
	.exit_state	= cg_exit_state,
	.uses_range	= cg_uses_range,
};

static int __init ccmem_guest_init(void)
{
	int ret = ccmem_register_runner(&cg_ops);

	if (!ret)
		pr_info("emulated guest registered\n");
	return ret;
}

static void __exit ccmem_guest_exit(void)
{
	ccmem_unregister_runner(&cg_ops);
}

module_init(ccmem_guest_init);
module_exit(ccmem_guest_exit);
MODULE_DESCRIPTION("ccmem: the emulated guest (acceptance, conversions) on emulated vCPUs");
MODULE_LICENSE("GPL");
