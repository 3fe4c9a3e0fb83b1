/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ga_compat.h - atomics, bit scans and small helpers shared by the files
 * of the portable guest core (bitmap.c, accept.c, snp.c, tdx.c).
 *
 * The core is built into a kernel module, into userspace tests and into a
 * freestanding guest kernel, so it cannot use the kernel's atomic_t or the
 * C11 <stdatomic.h>. GCC's __atomic builtins work in all three.
 */
#ifndef CCMEM_GUEST_GA_COMPAT_H
#define CCMEM_GUEST_GA_COMPAT_H

#include "ga.h"

/* Bitmap words are read without the lock while one writer changes them. */
static inline u64 ga_load(const u64 *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* Returns the old value; orders the bit change against summary updates. */
static inline u64 ga_fetch_and(u64 *p, u64 mask)
{
	return __atomic_fetch_and(p, mask, __ATOMIC_ACQ_REL);
}

static inline u64 ga_fetch_or(u64 *p, u64 mask)
{
	return __atomic_fetch_or(p, mask, __ATOMIC_ACQ_REL);
}

/* Counters and statistics: bumped by vCPUs concurrently, read lock-free. */
static inline void ga_atomic_add(u64 *stat, u64 n)
{
	__atomic_fetch_add(stat, n, __ATOMIC_RELAXED);
}

static inline void ga_atomic_sub(u64 *stat, u64 n)
{
	__atomic_fetch_sub(stat, n, __ATOMIC_RELAXED);
}

/* Index of the lowest set bit; @w must not be zero. */
static inline u32 ga_ctz(u64 w)
{
	return (u32)__builtin_ctzll(w);
}

/* Has any vCPU hit a fatal event? Every long operation checks this. */
static inline bool ga_dead(const struct ga_guest *g)
{
	return __atomic_load_n(&g->terminated, __ATOMIC_ACQUIRE) != 0;
}

static inline void ga_set_dead(struct ga_guest *g)
{
	__atomic_store_n(&g->terminated, 1, __ATOMIC_RELEASE);
}

static inline void ga_trace(struct ga_vcpu *v, int event, u64 gpa, u64 size,
			    u64 detail)
{
	if (v->g->ops->trace)
		v->g->ops->trace(v->priv, event, gpa, size, detail);
}

#endif /* CCMEM_GUEST_GA_COMPAT_H */
