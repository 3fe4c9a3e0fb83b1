// SPDX-License-Identifier: GPL-2.0
/*
 * virtio.c - the tiny kernel's environment for guest/virtio: a virtio-mmio
 * transport found in QEMU's microvm layout, its register accesses, and the
 * bounce pool's memory and conversions.
 *
 * MMIO. Device registers are shared with the host by nature: they are
 * reached through the shared alias (SNP: C-bit clear; TDX: the shared
 * bit set), never through the private map, and that 2 MiB of the alias
 * is made uncached (PCD | PWT).
 *
 * Bounce memory. A chunk is pages of the core's allocator (private and
 * accepted), converted to shared by the core (ga_convert(): PSC on SNP,
 * MapGPA on TDX). The pool gets the chunk's shared-alias address as its
 * VA, which it touches only while the chunk is shared, and the plain GPA
 * (no C-bit, no shared bit) as the device address: that is where QEMU's
 * DMA finds the shared backing.
 *
 * One vCPU, interrupts off: the pool's per-area lock only checks that it
 * is never taken twice.
 */
#include "tiny.h"
#include "../virtio/vmmio.h"

/* QEMU's microvm: 24 virtio-mmio transports of 512 bytes from here. */
#define TINY_MMIO_BASE		0xfeb00000ULL
#define TINY_MMIO_SLOTS		24

static bool tiny_vio_locked;

/* ---- register accesses ---------------------------------------------------- */

/* One access each, as the kernel's readb()..writel(): never merged or split. */
static u32 tiny_mmio_read(void *ctx, u32 off, u32 size)
{
	u8 *p = (u8 *)ctx + off;
	u32 v;

	switch (size) {
	case 1:
		asm volatile("movzbl %1, %0" : "=r" (v) : "m" (*p) : "memory");
		break;
	case 2:
		asm volatile("movzwl %1, %0" : "=r" (v) : "m" (*(u16 *)p)
			     : "memory");
		break;
	default:
		asm volatile("movl %1, %0" : "=r" (v) : "m" (*(u32 *)p)
			     : "memory");
		break;
	}
	return v;
}

static void tiny_mmio_write(void *ctx, u32 off, u32 size, u32 val)
{
	u8 *p = (u8 *)ctx + off;

	switch (size) {
	case 1:
		asm volatile("movb %b1, %0" : "=m" (*p) : "q" (val) : "memory");
		break;
	case 2:
		asm volatile("movw %w1, %0" : "=m" (*(u16 *)p) : "r" (val)
			     : "memory");
		break;
	default:
		asm volatile("movl %1, %0" : "=m" (*(u32 *)p) : "r" (val)
			     : "memory");
		break;
	}
}

static const struct gv_mmio_io tiny_mmio_io = {
	.read = tiny_mmio_read,
	.write = tiny_mmio_write,
};

/*
 * The first transport of microvm's layout with a device of type
 * @device_id: 0 and @m set up, or -GA_ENOTSUPP. *@gpa is its window.
 */
int tiny_vio_find(struct gv_mmio *m, u32 device_id, u64 *gpa)
{
	u64 w;
	u32 i;

	if (align_down(TINY_MMIO_BASE, TINY_2M) < tiny_g.mem_end)
		return -GA_EINVAL;	/* never RAM the core manages */
	tiny_mm_uncached(TINY_MMIO_BASE);
	for (i = 0; i < TINY_MMIO_SLOTS; i++) {
		w = TINY_MMIO_BASE + (u64)i * GV_MMIO_WINDOW;
		if (gv_mmio_probe(m, &tiny_mmio_io, tiny_shared(w)))
			continue;
		if (m->device_id == device_id) {
			*gpa = w;
			return 0;
		}
	}
	return -GA_ENOTSUPP;
}

/* ---- the bounce pool's memory ------------------------------------------- */

static u64 tiny_vio_gpa(void *va)
{
	return (u64)va - TINY_SHARED_BASE;
}

static void *tiny_vio_mem_alloc(void *priv, u32 bytes, u64 *dev_addr)
{
	u64 gpa;
	int ret;

	(void)priv;
	ret = ga_alloc(&tiny_v, bytes >> CCMEM_PAGE_SHIFT, &gpa);
	if (ret == -GA_EFATAL)
		tiny_die_event(&tiny_v, "bounce pool allocation");
	if (ret)
		return NULL;
	*dev_addr = gpa;
	return tiny_shared(gpa);
}

static void tiny_vio_mem_free(void *priv, void *va, u32 bytes)
{
	(void)priv;
	if (ga_free(&tiny_v, tiny_vio_gpa(va), bytes >> CCMEM_PAGE_SHIFT))
		tiny_die("bounce pool: freeing [0x%llx, +0x%x) that the allocator does not know",
			 tiny_vio_gpa(va), bytes);
}

static int tiny_vio_set_shared(void *priv, void *va, u32 bytes, bool shared)
{
	int ret;

	(void)priv;
	ret = ga_convert(&tiny_v, tiny_vio_gpa(va), bytes, shared);
	if (ret == -GA_EFATAL)
		tiny_die_event(&tiny_v, "bounce pool conversion");
	return ret;
}

static void tiny_vio_lock(void *priv, u32 area)
{
	(void)priv;
	(void)area;
	if (tiny_vio_locked)
		tiny_die("the bounce pool's lock taken twice");
	tiny_vio_locked = true;
}

static void tiny_vio_unlock(void *priv, u32 area)
{
	(void)priv;
	(void)area;
	tiny_vio_locked = false;
}

const struct gv_ops tiny_bounce_ops = {
	.mem_alloc = tiny_vio_mem_alloc,
	.mem_free = tiny_vio_mem_free,
	.set_shared = tiny_vio_set_shared,
	.lock = tiny_vio_lock,
	.unlock = tiny_vio_unlock,
};
