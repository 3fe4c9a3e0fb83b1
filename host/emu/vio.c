// SPDX-License-Identifier: GPL-2.0
/*
 * vio.c - the emulated guest's virtio-blk device, over guest/virtio/.
 *
 * The guest drives a virtio-mmio transport whose registers the VMM plays:
 * every register access is a CCMEM_EXIT_EMU_MMIO exit of the vCPU thread,
 * answered on the next CCMEM_VCPU_RUN, as KVM_EXIT_MMIO is after the
 * platform's MMIO hypercall (the GHCB MMIO event, TDG.VP.VMCALL
 * <#VE.RequestMMIO>; that hypercall leg itself is not modelled).
 *
 * The ring and the bounce pool are guest RAM the guest allocates and
 * converts to shared with its platform's protocol (PSC or MapGPA: the
 * VMM sees conversion exits). The guest then reaches that shared memory
 * as a real guest does through a mapping without the C-bit: here, the
 * VMM's backing pages of those GPAs, pinned and mapped into the kernel
 * (vmap) for as long as they are shared. The VMM may change them at any
 * time; it is the device. Private memory the guest reads or fills is
 * reached through the guest core (ga_access()), a page at a time, into
 * a private staging buffer that only the bounce copies touch.
 *
 * One vCPU at a time owns the device (cg_vio_take()): requests are
 * serialized, as guest/virtio requires, and a vCPU waiting for the owner
 * can still be stopped. Each vCPU has its own bounce area.
 */
#define pr_fmt(fmt) "ccmem_guest: " fmt

#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "runner.h"
#include "runner_trace.h"
#include "../../guest/virtio/vmmio.h"

#define CG_VIO_CHUNK		SZ_64K		/* 16 slots of 4 KiB */
#define CG_VIO_MAX_CHUNKS	256
#define CG_VIO_MIN_QUEUE	4
#define CG_VIO_MAX_QUEUE	256
#define CG_VIO_MAX_STALL	65536
#define CG_VIO_MAX_IO		(GV_BLK_MAX_SEGS * PAGE_SIZE)

/**
 * struct cg_vio_mem - guest RAM converted to shared, and the kernel's
 * mapping of its shared backing.
 * @node:	in cg_vio.mems.
 * @va:		the mapping while @pages is set; afterwards only the key
 *		mem_free() finds the record by.
 * @gpa:	the guest RAM.
 * @npages:	its pages.
 * @pages:	the pinned backing pages; NULL once unmapped.
 */
struct cg_vio_mem {
	struct list_head node;
	void *va;
	u64 gpa;
	u32 npages;
	struct page **pages;
};

/**
 * struct cg_vio - the device of one guest.
 * @gvm:	the guest.
 * @cfg:	its configuration.
 * @t:		the virtio-mmio transport.
 * @blk:	the virtio-blk driver.
 * @pool:	the bounce pool.
 * @areas:	its per-vCPU areas.
 * @area_lock:	their locks.
 * @ring_priv:	the queue's private shadow and request table.
 * @stage:	private staging for one request (CG_VIO_MAX_IO bytes).
 * @mems:	memory converted to shared and mapped, under @mem_lock.
 * @mem_lock:	protects @mems.
 * @mmio_exits:	register accesses, each an exit to the VMM.
 * @mapped_pages: shared pages pinned and mapped now.
 * @leaked_pages: guest pages whose conversion failed: never reused.
 * @abandoned:	a vCPU stopped with a request on the ring: every request
 *		fails until the device is set up again (and so reset).
 */
struct cg_vio {
	struct cg_vm *gvm;
	struct ccmem_emu_vio cfg;
	struct gv_mmio t;
	struct gv_blk blk;
	struct gv_bounce pool;
	struct gv_bounce_area *areas;
	struct mutex *area_lock;	/* one per area */
	void *ring_priv;
	u8 *stage;
	struct list_head mems;
	struct mutex mem_lock;		/* protects @mems */
	u64 mmio_exits;
	u64 mapped_pages;
	u64 leaked_pages;
	bool abandoned;
};

/* Every callback runs on the thread of the vCPU that owns the device. */
static struct cg_vcpu *cg_current(void)
{
	struct ccmem_vcpu *vcpu = kthread_data(current);

	return vcpu->runner;
}

/* ---- registers: exits to the VMM ---------------------------------------- */

static u32 cg_vio_mmio(struct cg_vio *vio, u32 off, u32 size, bool write,
		       u32 val)
{
	struct cg_vcpu *cv = cg_current();
	struct ccmem_run exit = { .exit_reason = CCMEM_EXIT_EMU_MMIO };
	struct ccmem_emu_exit_mmio *m = (struct ccmem_emu_exit_mmio *)exit.exit;
	u64 v;

	BUILD_BUG_ON(sizeof(*m) > sizeof(exit.exit));
	/* A stopping vCPU reads all-ones, as from a device that is gone. */
	if (cv->vio_stop)
		return ~0U;
	m->gpa = vio->cfg.mmio_gpa + off;
	m->size = size;
	m->write = write;
	m->data = write ? val : 0;
	WRITE_ONCE(vio->mmio_exits, vio->mmio_exits + 1);
	v = (u64)ccmem_vcpu_exit(cv->vcpu, &exit, false);
	if (ccmem_vcpu_stopping(cv->vcpu)) {
		cv->vio_stop = true;
		return ~0U;
	}
	return size == 4 ? (u32)v : size == 2 ? (u16)v : (u8)v;
}

static u32 cg_vio_read(void *ctx, u32 off, u32 size)
{
	return cg_vio_mmio(ctx, off, size, false, 0);
}

static void cg_vio_write(void *ctx, u32 off, u32 size, u32 val)
{
	cg_vio_mmio(ctx, off, size, true, val);
}

static const struct gv_mmio_io cg_vio_io = {
	.read	= cg_vio_read,
	.write	= cg_vio_write,
};

/* Nothing completed yet: look at the interrupt status, as an IRQ would. */
static int cg_vio_wait(void *ctx)
{
	struct cg_vio *vio = ctx;

	gv_mmio_ack(&vio->t);
	cond_resched();
	return cg_current()->vio_stop ? -GA_ESTOP : 0;
}

/* ---- shared memory -------------------------------------------------------- */

/* Pin the VMM's backing of @m's GPAs and map it. 0 or -errno. */
static int cg_vio_map(struct cg_vio *vio, struct cg_vio_mem *m)
{
	struct ccmem_vm *vm = vio->gvm->vm;
	const struct ccmem_mem_region *r;
	u64 gfn = m->gpa >> PAGE_SHIFT;
	unsigned long uaddr = 0;
	int ret;

	mutex_lock(&vm->lock);
	r = ccmem_find_region(vm, gfn);
	if (r && gfn + m->npages <= r->gfn + r->npages)
		uaddr = r->uaddr + ((gfn - r->gfn) << PAGE_SHIFT);
	mutex_unlock(&vm->lock);
	if (!uaddr)
		return -ENOENT;

	m->pages = kvcalloc(m->npages, sizeof(*m->pages), GFP_KERNEL_ACCOUNT);
	if (!m->pages)
		return -ENOMEM;
	/* Long-term pins count against RLIMIT_MEMLOCK, as CCMEM_VM_PIN's. */
	ret = account_locked_vm(vm->mm, m->npages, true);
	if (ret)
		goto free;
	ret = ccmem_pin_user(uaddr, m->npages, m->pages);
	if (ret)
		goto unaccount;
	m->va = vmap(m->pages, m->npages, VM_MAP, PAGE_KERNEL);
	if (!m->va) {
		unpin_user_pages(m->pages, m->npages);
		ret = -ENOMEM;
		goto unaccount;
	}
	WRITE_ONCE(vio->mapped_pages, vio->mapped_pages + m->npages);
	return 0;
unaccount:
	account_locked_vm(vm->mm, m->npages, false);
free:
	kvfree(m->pages);
	m->pages = NULL;
	return ret;
}

static void cg_vio_unmap(struct cg_vio *vio, struct cg_vio_mem *m)
{
	if (!m->pages)
		return;
	vunmap(m->va);
	unpin_user_pages_dirty_lock(m->pages, m->npages, true);
	account_locked_vm(vio->gvm->vm->mm, m->npages, false);
	kvfree(m->pages);
	m->pages = NULL;
	WRITE_ONCE(vio->mapped_pages, vio->mapped_pages - m->npages);
}

static struct cg_vio_mem *cg_vio_find(struct cg_vio *vio, void *va)
{
	struct cg_vio_mem *m;

	list_for_each_entry(m, &vio->mems, node)
		if (m->va == va)
			return m;
	return NULL;
}

static void cg_vio_leak(struct cg_vio *vio, u32 npages)
{
	WRITE_ONCE(vio->leaked_pages, vio->leaked_pages + npages);
}

/*
 * gv_ops.mem_alloc: guest RAM, converted to shared and mapped here, so
 * that the address it returns is already the shared mapping; set_shared
 * (true) then finds it so. NULL when the allocator, the conversion or the
 * mapping fails; a range whose conversion failed stays allocated.
 */
static void *cg_vio_mem_alloc(void *priv, u32 bytes, u64 *dev_addr)
{
	struct cg_vio *vio = priv;
	struct cg_vcpu *cv = cg_current();
	struct cg_vio_mem *m;
	u64 gpa;

	m = kzalloc(sizeof(*m), GFP_KERNEL_ACCOUNT);
	if (!m)
		return NULL;
	m->npages = bytes >> PAGE_SHIFT;
	if (ga_alloc(&cv->v, m->npages, &gpa))
		goto free;
	m->gpa = gpa;
	if (ga_convert(&cv->v, gpa, bytes, true)) {
		cg_vio_leak(vio, m->npages);
		goto free;
	}
	if (cg_vio_map(vio, m)) {
		if (ga_convert(&cv->v, gpa, bytes, false))
			cg_vio_leak(vio, m->npages);
		else
			ga_free(&cv->v, gpa, m->npages);
		goto free;
	}
	mutex_lock(&vio->mem_lock);
	list_add(&m->node, &vio->mems);
	mutex_unlock(&vio->mem_lock);
	*dev_addr = gpa;
	return m->va;
free:
	kfree(m);
	return NULL;
}

/* gv_ops.set_shared: to private unmaps, then converts back. */
static int cg_vio_set_shared(void *priv, void *va, u32 bytes, bool shared)
{
	struct cg_vio *vio = priv;
	struct cg_vcpu *cv = cg_current();
	struct cg_vio_mem *m;

	mutex_lock(&vio->mem_lock);
	m = cg_vio_find(vio, va);
	mutex_unlock(&vio->mem_lock);
	if (!m || !m->pages)
		return -GA_EINVAL;
	if (shared)
		return 0;
	/* Unmapped, it stays listed until mem_free() gives the RAM back. */
	cg_vio_unmap(vio, m);
	if (!ga_convert(&cv->v, m->gpa, bytes, false))
		return 0;
	/* Unknown state: the guest never uses that RAM again. */
	cg_vio_leak(vio, m->npages);
	mutex_lock(&vio->mem_lock);
	list_del(&m->node);
	mutex_unlock(&vio->mem_lock);
	kfree(m);
	return -GA_EIO;
}

static void cg_vio_mem_free(void *priv, void *va, u32 bytes)
{
	struct cg_vio *vio = priv;
	struct cg_vcpu *cv = cg_current();
	struct cg_vio_mem *m;

	mutex_lock(&vio->mem_lock);
	m = cg_vio_find(vio, va);
	if (m && !m->pages)
		list_del(&m->node);
	else
		m = NULL;	/* still mapped: not ours to free */
	mutex_unlock(&vio->mem_lock);
	if (!m)
		return;
	ga_free(&cv->v, m->gpa, m->npages);
	kfree(m);
}

static void cg_vio_lock(void *priv, u32 area)
{
	mutex_lock(&((struct cg_vio *)priv)->area_lock[area]);
}

static void cg_vio_unlock(void *priv, u32 area)
{
	mutex_unlock(&((struct cg_vio *)priv)->area_lock[area]);
}

static const struct gv_ops cg_vio_mem_ops = {
	.mem_alloc	= cg_vio_mem_alloc,
	.mem_free	= cg_vio_mem_free,
	.set_shared	= cg_vio_set_shared,
	.lock		= cg_vio_lock,
	.unlock		= cg_vio_unlock,
};

/* ---- the device ----------------------------------------------------------- */

/* Drop every mapping and pin; the VM is going away (no vCPU runs). */
static void cg_vio_free(struct cg_vio *vio)
{
	struct cg_vio_mem *m, *tmp;

	list_for_each_entry_safe(m, tmp, &vio->mems, node) {
		list_del(&m->node);
		cg_vio_unmap(vio, m);
		kfree(m);
	}
	vfree(vio->stage);
	kvfree(vio->ring_priv);
	kfree(vio->area_lock);
	kfree(vio->areas);
	kfree(vio);
}

/*
 * Give the device's memory back from a vCPU: reset the device, convert
 * the pool and the ring to private and free them. Chunks with slots the
 * device kept, and memory whose conversion fails, are leaked: unmapped,
 * never reused.
 */
static void cg_vio_teardown(struct cg_vio *vio)
{
	struct cg_vcpu *cv = cg_current();
	struct cg_vio_mem *m, *tmp;

	/* A device that failed negotiation keeps FAILED, for the VMM. */
	if (vio->blk.dev.live)
		gv_mmio_ops.set_status(&vio->t, 0);
	if (vio->pool.area)
		gv_bounce_destroy(&vio->pool);
	list_for_each_entry_safe(m, tmp, &vio->mems, node) {
		list_del(&m->node);
		if (!m->pages)
			goto drop;	/* converted back already */
		cg_vio_unmap(vio, m);
		if (!cv->vio_stop &&
		    !ga_convert(&cv->v, m->gpa, (u64)m->npages << PAGE_SHIFT,
				false)) {
			ga_free(&cv->v, m->gpa, m->npages);
			kfree(m);
			continue;
		}
		cg_vio_leak(vio, m->npages);
drop:
		kfree(m);
	}
	cg_vio_free(vio);
}

/* The configuration's own rules (the program is checked before it runs). */
int cg_vio_check(const struct ccmem_emu_vio *c)
{
	u32 q = c->queue_size;

	if (c->flags & ~CCMEM_VIO_F_CLAMP_LEN || c->reserved0 ||
	    !mem_is_zero(c->reserved, sizeof(c->reserved)))
		return -EINVAL;
	if (!IS_ALIGNED(c->mmio_gpa, PAGE_SIZE) || c->mmio_gpa >= CCMEM_MAX_GPA)
		return -EINVAL;
	if (q < CG_VIO_MIN_QUEUE || q > CG_VIO_MAX_QUEUE || (q & (q - 1)))
		return -EINVAL;
	if (!c->areas || c->areas > CCMEM_MAX_VCPUS ||
	    c->max_chunks < c->areas || c->max_chunks > CG_VIO_MAX_CHUNKS)
		return -EINVAL;
	return !c->stall_polls || c->stall_polls > CG_VIO_MAX_STALL ?
	       -EINVAL : 0;
}

static struct cg_vio *cg_vio_alloc(struct cg_vm *gvm,
				   const struct ccmem_emu_vio *c)
{
	struct cg_vio *vio = kzalloc(sizeof(*vio), GFP_KERNEL_ACCOUNT);
	u32 i;

	if (!vio)
		return NULL;
	vio->gvm = gvm;
	vio->cfg = *c;
	INIT_LIST_HEAD(&vio->mems);
	mutex_init(&vio->mem_lock);
	vio->areas = kcalloc(c->areas, sizeof(*vio->areas), GFP_KERNEL_ACCOUNT);
	vio->area_lock = kcalloc(c->areas, sizeof(*vio->area_lock),
				 GFP_KERNEL_ACCOUNT);
	vio->ring_priv = kvzalloc(gv_vring_priv_bytes(c->queue_size),
				  GFP_KERNEL_ACCOUNT);
	vio->stage = vzalloc(CG_VIO_MAX_IO);
	if (!vio->areas || !vio->area_lock || !vio->ring_priv || !vio->stage) {
		cg_vio_free(vio);
		return NULL;
	}
	for (i = 0; i < c->areas; i++)
		mutex_init(&vio->area_lock[i]);
	return vio;
}

/* Publish (or clear) the device; stats readers take the same lock. */
static void cg_vio_publish(struct cg_vm *gvm, struct cg_vio *vio)
{
	spin_lock(&gvm->vio_stat_lock);
	gvm->vio = vio;
	spin_unlock(&gvm->vio_stat_lock);
}

static int cg_vio_init(struct cg_vcpu *cv, const struct ccmem_emu_vio *c)
{
	struct cg_vm *gvm = cg_vm(cv->vcpu->vm);
	struct cg_vio *vio, *old = gvm->vio;
	u32 policy = c->flags & CCMEM_VIO_F_CLAMP_LEN ?
		     GV_POLICY_CLAMP_USED_LEN : 0;
	u64 ring_bytes = PAGE_ALIGN(gv_vring_shared_bytes(c->queue_size));
	u64 ring_dev = 0;
	void *ring;
	int ret;

	/* Registers, not the guest's RAM or its GHCB pages. */
	if (cg_uses_range(gvm->vm, c->mmio_gpa >> PAGE_SHIFT, 1))
		return -GA_EINVAL;
	if (old) {
		cg_vio_publish(gvm, NULL);
		cg_vio_teardown(old);
	}
	vio = cg_vio_alloc(gvm, c);
	if (!vio)
		return -GA_ENOMEM;

	/* Is it a virtio-blk device at all, before any memory is shared? */
	ret = gv_mmio_probe(&vio->t, &cg_vio_io, vio);
	if (!ret && vio->t.device_id != GV_BLK_DEVICE_ID)
		ret = -GA_ENOTSUPP;
	if (ret)
		goto fail;
	ring = cg_vio_mem_alloc(vio, ring_bytes, &ring_dev);
	if (!ring) {
		ret = -GA_ENOMEM;
		goto fail;
	}
	ret = gv_bounce_init(&vio->pool, &cg_vio_mem_ops, vio, vio->areas,
			     c->areas, PAGE_SIZE, CG_VIO_CHUNK, 1,
			     c->max_chunks);
	if (ret) {
		vio->pool.area = NULL;
		goto fail;
	}
	ret = gv_blk_init(&vio->blk, &vio->t, &vio->pool, policy,
			  c->queue_size, ring, ring_dev, vio->ring_priv,
			  c->stall_polls);
	if (ret)
		goto fail;
	cg_vio_publish(gvm, vio);
	return 0;
fail:
	cg_vio_teardown(vio);
	return ret;
}

/* A request between private [@gpa, +@size) and the disk at @sector. */
static int cg_vio_rw(struct cg_vcpu *cv, struct cg_vio *vio, u64 gpa,
		     u64 size, u64 sector, bool write)
{
	const struct ccmem_emu_guest_config *cfg = &vio->gvm->cfg;
	u32 vm = cv->vcpu->vm->id, broken;
	u64 off, len;
	int ret = 0;

	if (vio->abandoned)
		return -GA_EIO;
	/* All of it in RAM, or a read would land half of its data. */
	if (gpa < cfg->mem_gpa || size > cfg->mem_size ||
	    gpa - cfg->mem_gpa > cfg->mem_size - size)
		return -GA_ERANGE;
	for (off = 0; write && off < size && !ret; off += len) {
		len = min_t(u64, size - off, PAGE_SIZE - offset_in_page(gpa + off));
		ret = ga_access(&cv->v, gpa + off, vio->stage + off, len, false);
	}
	if (!ret) {
		broken = vio->blk.vq.broken;
		ret = gv_blk_rw(&vio->blk, cv->vcpu->id, write, sector,
				vio->stage, (u32)size, cg_vio_wait, vio);
		trace_ccmem_guest_vio_request(vm, cv->vcpu->id, write, sector,
					      (u32)size, ret == -GA_ESTOP ?
					      -ESHUTDOWN :
					      -(int)cg_step_errno(ret));
		if (!broken && vio->blk.vq.broken)
			trace_ccmem_guest_vio_broken(vm, cv->vcpu->id,
						     vio->blk.vq.broken,
						     vio->blk.vq.reset_ok);
	}
	if (ret == -GA_ESTOP)
		vio->abandoned = true;
	for (off = 0; !write && !ret && off < size; off += len) {
		len = min_t(u64, size - off, PAGE_SIZE - offset_in_page(gpa + off));
		ret = ga_access(&cv->v, gpa + off, vio->stage + off, len, true);
	}
	memset(vio->stage, 0, size);
	return ret;
}

/* Own the device; a vCPU being stopped gives up waiting. */
static int cg_vio_take(struct cg_vcpu *cv)
{
	struct cg_vm *gvm = cg_vm(cv->vcpu->vm);
	bool won = false;

	wait_event_idle(gvm->wq,
			(won = !test_and_set_bit_lock(0, &gvm->vio_busy)) ||
			ccmem_vcpu_stopping(cv->vcpu));
	if (!ccmem_vcpu_stopping(cv->vcpu))
		return 0;
	if (won) {
		clear_bit_unlock(0, &gvm->vio_busy);
		wake_up_all(&gvm->wq);
	}
	return -GA_ESTOP;
}

static void cg_vio_release(struct cg_vm *gvm)
{
	clear_bit_unlock(0, &gvm->vio_busy);
	wake_up_all(&gvm->wq);
}

int cg_vio_step(struct cg_vcpu *cv, const struct ccmem_guest_insn *in,
		u64 gpa, struct ccmem_run *exit)
{
	struct cg_vm *gvm = cg_vm(cv->vcpu->vm);
	struct cg_vio *vio;
	int ret;

	ret = cg_vio_take(cv);
	if (ret)
		return ret;
	cv->vio_stop = false;
	vio = gvm->vio;
	switch (in->op) {
	case CCMEM_GOP_VIO_INIT:
		ret = cg_vio_init(cv, cv->args[in->arg]);
		break;
	case CCMEM_GOP_VIO_WRITE:
	case CCMEM_GOP_VIO_READ:
		ret = vio ? cg_vio_rw(cv, vio, gpa, in->size, in->arg,
				      in->op == CCMEM_GOP_VIO_WRITE) :
			    -GA_ENODEV;
		break;
	case CCMEM_GOP_VIO_IDLE:
		ret = vio ? 0 : -GA_ENODEV;
		if (vio)
			gv_bounce_shrink(&vio->pool);
		break;
	default:
		ret = -GA_EINVAL;
	}
	vio = gvm->vio;
	cv->st.vio_broken = vio ? vio->blk.vq.broken : CCMEM_VIO_OK;
	cg_vio_release(gvm);

	/* What the core reported on the way outranks the device's error. */
	if (cv->vio_stop || ccmem_vcpu_stopping(cv->vcpu))
		return -GA_ESTOP;
	if (cv->v.event.reason || READ_ONCE(cv->v.g->terminated))
		return -GA_EFATAL;
	return ret;
}

/* The VM is destroyed: no vCPU is left. */
void cg_vio_destroy(struct cg_vm *gvm)
{
	struct cg_vio *vio = gvm->vio;

	cg_vio_publish(gvm, NULL);
	if (vio)
		cg_vio_free(vio);
}

static u64 cg_ld(const u64 *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* The device's counters, in the order of cg_vio_stat_names. */
void cg_vio_stats(struct cg_vm *gvm, u64 *vals)
{
	struct cg_vio *vio;
	unsigned int i = 0;

	spin_lock(&gvm->vio_stat_lock);
	vio = gvm->vio;
	if (!vio) {
		spin_unlock(&gvm->vio_stat_lock);
		memset(vals, 0, CG_VIO_NR_STATS * sizeof(u64));
		return;
	}
	vals[i++] = cg_ld(&vio->blk.stat.reads);
	vals[i++] = cg_ld(&vio->blk.stat.writes);
	vals[i++] = cg_ld(&vio->blk.stat.bytes_read);
	vals[i++] = cg_ld(&vio->blk.stat.bytes_written);
	vals[i++] = cg_ld(&vio->blk.stat.io_errors);
	vals[i++] = cg_ld(&vio->blk.stat.dev_errors);
	vals[i++] = cg_ld(&vio->blk.stat.short_used);
	vals[i++] = cg_ld(&vio->blk.vq.stat.bad_entries);
	vals[i++] = cg_ld(&vio->blk.vq.stat.len_clamped);
	vals[i++] = cg_ld(&vio->blk.dev.stat.resets);
	vals[i++] = cg_ld(&vio->blk.dev.stat.config_retries);
	vals[i++] = cg_ld(&vio->mmio_exits);
	vals[i++] = cg_ld(&vio->pool.stat.in_use);
	vals[i++] = cg_ld(&vio->pool.stat.high_water);
	vals[i++] = cg_ld(&vio->pool.stat.grows);
	vals[i++] = cg_ld(&vio->pool.stat.shrinks);
	vals[i++] = cg_ld(&vio->pool.stat.failures);
	vals[i++] = cg_ld(&vio->blk.stat.leaked_slots);
	vals[i++] = cg_ld(&vio->mapped_pages);
	vals[i++] = cg_ld(&vio->leaked_pages);
	vals[i++] = cg_ld(&vio->blk.stat.bad_status);
	spin_unlock(&gvm->vio_stat_lock);
	BUILD_BUG_ON(CG_VIO_NR_STATS != 21);
}
