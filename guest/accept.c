// SPDX-License-Identifier: GPL-2.0
/*
 * accept.c - the guest core: set-up and boot policies, acceptance with the
 * in-flight list, the #VC path, conversions, the page allocator and the
 * record of fatal events.
 *
 * Locking: g->ops->lock protects g->bm.inflight, g->shared, g->free and the
 * bitmap writers. It is never held across a platform step (PVALIDATE,
 * VMGEXIT, a memory access): as in Linux's accept_memory(), a vCPU claims
 * units by entering them in the in-flight list, drops the lock, runs the
 * ladder, and takes the lock again to publish the result. The claim is
 * what guarantees that no unit is ever accepted twice.
 */
#include "ga_compat.h"

#define GA_PAGE_MASK		(CCMEM_PAGE_SIZE - 1)
/* #VC error code of a private access to a page that is not validated. */

static const u8 ga_zero_page[CCMEM_PAGE_SIZE];

static void ga_lock(struct ga_guest *g)
{
	g->ops->lock(g->priv);
}

static void ga_unlock(struct ga_guest *g)
{
	g->ops->unlock(g->priv);
}

static u64 ga_unit_gpa(const struct ga_bitmap *bm, u64 unit)
{
	return bm->base + (unit << bm->unit_shift);
}

/* @gpa + @size, saturated: callers treat it as "to the end". */
static u64 ga_end(u64 gpa, u64 size)
{
	return gpa + size < gpa ? ~0ULL : gpa + size;
}

/* ---- sorted, disjoint, merged gfn ranges (shared record, free list) --- */

/* Index of the first range that ends after @gfn; @nr when none does. */
static u32 ga_range_find(const struct ga_range *r, u32 nr, u64 gfn)
{
	u32 lo = 0, hi = nr, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (r[mid].end > gfn)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static bool ga_range_overlaps(const struct ga_range *r, u32 nr, u64 start,
			      u64 end)
{
	u32 i = ga_range_find(r, nr, start);

	return i < nr && r[i].start < end;
}

/* Add [@start, @end), merging with neighbours; it must not overlap. */
static int ga_range_add(struct ga_range *r, u32 *nr, u32 max, u64 start,
			u64 end)
{
	u32 i = ga_range_find(r, *nr, start);
	bool prev = i > 0 && r[i - 1].end == start;
	bool next = i < *nr && r[i].start == end;

	if (i < *nr && r[i].start < end)
		return -GA_EINVAL;
	if (prev && next) {
		r[i - 1].end = r[i].end;
		memmove(&r[i], &r[i + 1], (*nr - i - 1) * sizeof(*r));
		(*nr)--;
	} else if (prev) {
		r[i - 1].end = end;
	} else if (next) {
		r[i].start = start;
	} else {
		if (*nr == max)
			return -GA_ENOMEM;
		memmove(&r[i + 1], &r[i], (*nr - i) * sizeof(*r));
		r[i].start = start;
		r[i].end = end;
		(*nr)++;
	}
	return 0;
}

/* Take [@start, @end) out; one range must hold all of it. */
static int ga_range_remove(struct ga_range *r, u32 *nr, u32 max, u64 start,
			   u64 end)
{
	u32 i = ga_range_find(r, *nr, start);

	if (i == *nr || r[i].start > start || r[i].end < end)
		return -GA_EINVAL;
	if (r[i].start == start && r[i].end == end) {
		memmove(&r[i], &r[i + 1], (*nr - i - 1) * sizeof(*r));
		(*nr)--;
	} else if (r[i].start == start) {
		r[i].start = end;
	} else if (r[i].end == end) {
		r[i].end = start;
	} else {
		if (*nr == max)
			return -GA_ENOMEM;
		memmove(&r[i + 1], &r[i], (*nr - i) * sizeof(*r));
		r[i].end = start;
		r[i + 1].start = end;
		(*nr)++;
	}
	return 0;
}

/* ---- fatal events ------------------------------------------------------- */

/* Every vCPU checks the terminated flag at its next step and stops there. */
int ga_fatal(struct ga_vcpu *v, u32 reason, u64 gpa, u64 detail)
{
	struct ga_guest *g = v->g;

	v->event.reason = reason;
	v->event.gpa = gpa;
	v->event.detail = detail;
	ga_set_dead(g);
	ga_atomic_add(&g->stat.security_events, 1);
	ga_trace(v, GA_TR_SECURITY, gpa, 0, reason);
	return -GA_EFATAL;
}

/* ---- set-up and boot ---------------------------------------------------- */

int ga_guest_init(struct ga_guest *g, u64 mem_start, u64 mem_end,
		  u32 unit_shift, u64 *bitmap_mem,
		  const struct ga_platform *plat,
		  const struct ga_env_ops *ops, void *priv)
{
	int ret;

	if (!plat || !ops || mem_end <= mem_start)
		return -GA_EINVAL;
	ret = ga_bitmap_init(&g->bm, mem_start, mem_end - mem_start,
			     unit_shift, bitmap_mem);
	if (ret)
		return ret;
	g->mem_start = mem_start;
	g->mem_end = mem_end;
	g->plat = plat;
	g->ops = ops;
	g->priv = priv;
	g->nr_shared = 0;
	g->free[0].start = mem_start >> CCMEM_PAGE_SHIFT;
	g->free[0].end = mem_end >> CCMEM_PAGE_SHIFT;
	g->nr_free = 1;
	return 0;
}

int ga_guest_reserve(struct ga_guest *g, u64 gpa, u64 size)
{
	u64 end = ga_end(gpa, size);
	int ret;

	if (!size || gpa < g->mem_start || end > g->mem_end)
		return -GA_EINVAL;
	ga_lock(g);
	ret = ga_range_remove(g->free, &g->nr_free, GA_MAX_FREE_EXTENTS,
			      gpa >> CCMEM_PAGE_SHIFT,
			      (end + GA_PAGE_MASK) >> CCMEM_PAGE_SHIFT);
	ga_unlock(g);
	return ret;
}

int ga_guest_boot(struct ga_vcpu *v)
{
	struct ga_guest *g = v->g;
	u64 size = g->mem_end - g->mem_start;

	switch (g->policy) {
	case GA_POLICY_EAGER:
		return ga_accept(v, g->mem_start, size, false);
	case GA_POLICY_HYBRID:
		if (g->eager_bytes < size)
			size = g->eager_bytes;
		return ga_accept(v, g->mem_start, size, false);
	case GA_POLICY_LAZY:
		return 0;
	}
	return -GA_EINVAL;
}

/* ---- acceptance ----------------------------------------------------------- */

/*
 * Does another vCPU have an unaccepted unit of [@first, @last) in flight?
 * Accepted units may sit in several claims at once: nobody touches them.
 */
static bool ga_inflight_conflict(const struct ga_bitmap *bm, u64 first,
				 u64 last)
{
	u64 s, e;
	u32 i;

	for (i = 0; i < bm->nr_inflight; i++) {
		s = first > bm->inflight[i].start ? first : bm->inflight[i].start;
		e = last < bm->inflight[i].end ? last : bm->inflight[i].end;
		if (s < e && ga_bitmap_next_unaccepted(bm, s, e) < e)
			return true;
	}
	return false;
}

/*
 * Claim the unaccepted units of [*@first, @last): wait while another vCPU
 * has one of them in flight (or the list is full), then enter the range,
 * trimmed to its first unaccepted unit, in the list. Units are rechecked
 * after every wait, since the other vCPU has accepted them meanwhile.
 *
 * Context: the lock is held (ops->wait drops and retakes it).
 * Return: 1 when claimed, 0 when nothing is left to accept, or an error.
 */
static int ga_claim(struct ga_guest *g, u64 *first, u64 last)
{
	struct ga_bitmap *bm = &g->bm;
	int ret;

	for (;;) {
		if (ga_dead(g))
			return -GA_EFATAL;
		*first = ga_bitmap_next_unaccepted(bm, *first, last);
		if (*first == last)
			return 0;
		if (bm->nr_inflight < GA_MAX_INFLIGHT &&
		    !ga_inflight_conflict(bm, *first, last))
			break;
		ga_atomic_add(&g->stat.inflight_waits, 1);
		ret = g->ops->wait(g->priv);
		if (ret)
			return ret;
	}
	bm->inflight[bm->nr_inflight].start = *first;
	bm->inflight[bm->nr_inflight].end = last;
	bm->nr_inflight++;
	return 1;
}

/* ---- the accept ladder ------------------------------------------------ */

/*
 * Accept (or release) [@gpa, @gpa + @size), 4 KiB aligned: one platform
 * step at a time, as Linux's try_accept_one() loop. A 2 MiB step where the
 * range allows it; when the platform declines that size (SNP
 * FAIL_SIZEMISMATCH: the host backs the chunk with 4 KiB pages), 4 KiB
 * steps. A 4 KiB step has no smaller size to fall back to.
 */
static int ga_ladder(struct ga_vcpu *v, u64 gpa, u64 size, bool release)
{
	const struct ga_platform *plat = v->g->plat;
	u64 end = gpa + size;
	long n;
	bool huge;

	while (gpa < end) {
		if (ga_dead(v->g))
			return -GA_EFATAL;
		huge = !v->g->force_4k && !(gpa & (CCMEM_2M_SIZE - 1)) &&
		       end - gpa >= CCMEM_2M_SIZE;
		n = 0;
		if (huge) {
			n = plat->accept_one(v, gpa, true, release);
			if (!n) {
				ga_atomic_add(&v->g->stat.fallbacks_4k, 1);
				ga_trace(v, GA_TR_FALLBACK_4K, gpa,
					 CCMEM_2M_SIZE, 0);
			}
		}
		if (!n)
			n = plat->accept_one(v, gpa, false, release);
		if (n < 0)
			return (int)n;
		if (!n)
			return ga_fatal(v, GA_SEC_ACCEPT_FAILED, gpa, 0);
		gpa += n;
	}
	return 0;
}

/* Accept and convert-to-private: ask the host, then accept. */
static int ga_make_private(struct ga_vcpu *v, u64 gpa, u64 size)
{
	int ret = v->g->plat->request(v, gpa, size, false);

	return ret ?: ga_ladder(v, gpa, size, false);
}

/* Release first: the host must never get a page the guest still trusts. */
static int ga_make_shared(struct ga_vcpu *v, u64 gpa, u64 size)
{
	int ret = ga_ladder(v, gpa, size, true);

	return ret ?: v->g->plat->request(v, gpa, size, true);
}

int ga_terminate(struct ga_vcpu *v)
{
	return v->g->plat->terminate(v, v->event.reason);
}

int ga_hypercall(struct ga_vcpu *v, struct ga_hcall *hc)
{
	ga_atomic_add(&v->g->stat.hypercalls, 1);
	return v->g->ops->hypercall(v->priv, hc);
}

/* ---- the null platform ------------------------------------------------- */

/*
 * A platform with nothing to ask and nothing to check: every page is
 * accepted at once. The unit tests use it for what does not depend on a
 * platform (the policies, the allocator, the in-flight rules).
 */
static int ga_null_request(struct ga_vcpu *v, u64 gpa, u64 size, bool shared)
{
	(void)v;
	(void)gpa;
	(void)size;
	(void)shared;
	return 0;
}

static long ga_null_accept_one(struct ga_vcpu *v, u64 gpa, bool huge,
			       bool release)
{
	(void)gpa;
	(void)release;
	ga_atomic_add(&v->g->stat.accept_calls, 1);
	return huge ? CCMEM_2M_SIZE : CCMEM_PAGE_SIZE;
}

static int ga_null_terminate(struct ga_vcpu *v, u32 reason)
{
	(void)v;
	(void)reason;
	return 0;
}

const struct ga_platform ga_platform_null = {
	.name = "null",
	.accept_asks_host = true,
	.request = ga_null_request,
	.accept_one = ga_null_accept_one,
	.terminate = ga_null_terminate,
};

/*
 * Run the platform ladder over each maximal run of unaccepted units in the
 * claimed [@first, @last). Nobody else changes those units, so the bitmap
 * can be read without the lock. *@done ends the part whose units were all
 * accepted, also when a later run fails.
 */
static int ga_accept_runs(struct ga_vcpu *v, u64 first, u64 last, bool lazy,
			  u64 *done)
{
	struct ga_guest *g = v->g;
	struct ga_bitmap *bm = &g->bm;
	u64 s, e, gpa, size;
	int ret;

	*done = first;
	for (s = first; ; s = e) {
		s = ga_bitmap_next_unaccepted(bm, s, last);
		if (s == last)
			break;
		if (ga_dead(g))
			return -GA_EFATAL;
		e = ga_bitmap_next_accepted(bm, s, last);
		gpa = ga_unit_gpa(bm, s);
		size = (e - s) << bm->unit_shift;
		if (g->plat->accept_asks_host)
			ret = ga_make_private(v, gpa, size);
		else
			ret = ga_ladder(v, gpa, size, false);
		if (ret)
			return ret;
		*done = e;
		ga_atomic_add(&g->stat.accepted_bytes, size);
		ga_atomic_add(lazy ? &g->stat.lazy_accepts :
			      &g->stat.eager_accepts, e - s);
		ga_trace(v, lazy ? GA_TR_ACCEPT_LAZY : GA_TR_ACCEPT_EAGER, gpa,
			 size, 0);
	}
	*done = last;
	return 0;
}

/*
 * Publish [@first, @done) as accepted and drop the claim [@first, @last).
 * Entries are matched by value: two live claims never share a range, since
 * each starts at a unit only its owner may accept.
 */
static void ga_release(struct ga_guest *g, u64 first, u64 last, u64 done)
{
	struct ga_bitmap *bm = &g->bm;
	u64 u;
	u32 i;

	ga_lock(g);
	for (u = ga_bitmap_next_unaccepted(bm, first, done); u < done;
	     u = ga_bitmap_next_unaccepted(bm, u + 1, done))
		ga_bitmap_clear_unit(bm, u);
	for (i = 0; i < bm->nr_inflight; i++) {
		if (bm->inflight[i].start == first &&
		    bm->inflight[i].end == last) {
			bm->inflight[i] = bm->inflight[--bm->nr_inflight];
			break;
		}
	}
	g->ops->wake_all(g->priv);
	ga_unlock(g);
}

/*
 * ga_accept() - see ga.h. A failure in the middle of a run leaves that
 * run's units unaccepted in the bitmap while some of their pages may be
 * validated; a later accept of them is then caught as a double validation.
 * That only matters for -GA_ESTOP, which the environment returns when the
 * vCPU goes away for good: every other failure terminates the guest.
 */
int ga_accept(struct ga_vcpu *v, u64 gpa, u64 size, bool lazy)
{
	struct ga_guest *g = v->g;
	struct ga_bitmap *bm = &g->bm;
	u64 end = ga_end(gpa, size);
	u64 first, last, done;
	int ret;

	if (ga_dead(g))
		return -GA_EFATAL;
	/* The common case, nothing to do: one lock-free query. */
	if (!ga_bitmap_any_unaccepted(bm, gpa, end))
		return 0;
	first = gpa > bm->base ? (gpa - bm->base) >> bm->unit_shift : 0;
	last = ((end - 1 - bm->base) >> bm->unit_shift) + 1;
	if (last > bm->nr_units)
		last = bm->nr_units;

	ga_lock(g);
	ret = ga_claim(g, &first, last);
	ga_unlock(g);
	if (ret <= 0)
		return ret;

	ret = ga_accept_runs(v, first, last, lazy, &done);
	ga_release(g, first, last, done);
	return ret;
}

/* ---- private accesses and the #VC path ---------------------------------- */

static bool ga_is_shared(struct ga_guest *g, u64 gpa)
{
	u64 gfn = gpa >> CCMEM_PAGE_SHIFT;
	bool shared;

	ga_lock(g);
	shared = ga_range_overlaps(g->shared, g->nr_shared, gfn, gfn + 1);
	ga_unlock(g);
	return shared;
}

/*
 * The not-accepted exception (SNP #VC 0x404, TDX #VE) on a private access
 * at @gpa. On an unaccepted unit it is the first touch: accept the unit
 * and let the caller retry. A unit the bitmap says is accepted may have
 * been published by another vCPU after the exception was raised, so the
 * first exception on it is only retried. A second one means: on a page
 * the guest itself made shared, a guest bug; on an accepted private page,
 * the host has swapped the page behind the guest's back (page
 * substitution). Only the guest's own accept makes a page usable, so the
 * retry gives the host nothing.
 */
static int ga_access_vc(struct ga_vcpu *v, u64 gpa, bool first_try)
{
	struct ga_guest *g = v->g;
	u64 page = gpa & ~GA_PAGE_MASK;

	if (first_try) {
		if (!ga_bitmap_any_unaccepted(&g->bm, page, page + 1))
			return 0;
		ga_atomic_add(&g->stat.exception_accepts, 1);
		return ga_accept(v, page, CCMEM_PAGE_SIZE, true);
	}
	if (ga_is_shared(g, page))
		return ga_fatal(v, GA_SEC_SHARED_ACCESS, page,
				GA_EXC_NOT_ACCEPTED);
	return ga_fatal(v, GA_SEC_SUBSTITUTION, page, GA_EXC_NOT_ACCEPTED);
}

/* One access inside one page; retried once after the exception. */
static int ga_access_page(struct ga_vcpu *v, u64 gpa, u8 *buf, u32 len,
			  bool write)
{
	const struct ga_env_ops *ops = v->g->ops;
	bool first_try = true;
	int ret;

	for (;;) {
		if (ga_dead(v->g))
			return -GA_EFATAL;
		if (write)
			ret = ops->write(v->priv, gpa, buf, len, false);
		else
			ret = ops->read(v->priv, gpa, buf, len, false);
		if (ret != GA_EXC_NOT_ACCEPTED)
			/* A #VC the core does not handle is the caller's. */
			return ret > 0 ? -GA_EINVAL : ret;
		ret = ga_access_vc(v, gpa, first_try);
		if (ret)
			return ret;
		first_try = false;
	}
}

int ga_access(struct ga_vcpu *v, u64 gpa, void *buf, u64 len, bool write)
{
	struct ga_guest *g = v->g;
	u8 *p = buf;
	u32 n;
	int ret;

	if (ga_dead(g))
		return -GA_EFATAL;
	if (gpa < g->mem_start || gpa + len < gpa || gpa + len > g->mem_end)
		return -GA_ERANGE;
	while (len) {
		n = CCMEM_PAGE_SIZE - (gpa & GA_PAGE_MASK);
		if (n > len)
			n = len;
		ret = ga_access_page(v, gpa, p, n, write);
		if (ret)
			return ret;
		gpa += n;
		p += n;
		len -= n;
	}
	return 0;
}

/* ---- conversions ---------------------------------------------------------- */

/*
 * Enter [@gpa, @gpa + @size) in the shared record before converting it:
 * checking and recording under one lock hold means two vCPUs can never
 * both convert a page, and a full record fails before anything changed.
 */
static int ga_shared_claim(struct ga_guest *g, u64 gpa, u64 size)
{
	if (ga_bitmap_any_unaccepted(&g->bm, gpa, gpa + size))
		return -GA_EINVAL;
	return ga_range_add(g->shared, &g->nr_shared, GA_MAX_SHARED_RANGES,
			    gpa >> CCMEM_PAGE_SHIFT,
			    (gpa + size) >> CCMEM_PAGE_SHIFT);
}

static int ga_shared_drop(struct ga_guest *g, u64 gpa, u64 size)
{
	return ga_range_remove(g->shared, &g->nr_shared, GA_MAX_SHARED_RANGES,
			       gpa >> CCMEM_PAGE_SHIFT,
			       (gpa + size) >> CCMEM_PAGE_SHIFT);
}

/*
 * Zero the pages through the private mapping before the host may see them.
 * They are accepted and private by the guest's records, so a #VC here is
 * page substitution.
 */
static int ga_scrub(struct ga_vcpu *v, u64 gpa, u64 size)
{
	u64 end = gpa + size;
	int ret;

	for (; gpa < end; gpa += CCMEM_PAGE_SIZE) {
		if (ga_dead(v->g))
			return -GA_EFATAL;
		ret = v->g->ops->write(v->priv, gpa, ga_zero_page,
				       CCMEM_PAGE_SIZE, false);
		if (ret == GA_EXC_NOT_ACCEPTED)
			return ga_fatal(v, GA_SEC_SUBSTITUTION, gpa, ret);
		if (ret)
			return ret > 0 ? -GA_EINVAL : ret;
	}
	return 0;
}

int ga_convert(struct ga_vcpu *v, u64 gpa, u64 size, bool to_shared)
{
	struct ga_guest *g = v->g;
	int ret;

	if (ga_dead(g))
		return -GA_EFATAL;
	if (!size || ((gpa | size) & GA_PAGE_MASK) || gpa < g->mem_start ||
	    gpa + size < gpa || gpa + size > g->mem_end)
		return -GA_EINVAL;

	ga_lock(g);
	if (to_shared)
		ret = ga_shared_claim(g, gpa, size);
	else
		ret = ga_shared_drop(g, gpa, size);
	ga_unlock(g);
	if (ret)
		return ret;

	if (to_shared) {
		ret = ga_scrub(v, gpa, size);
		if (!ret)
			ret = ga_make_shared(v, gpa, size);
	} else {
		ret = ga_make_private(v, gpa, size);
	}
	if (ret)
		return ret;
	ga_atomic_add(to_shared ? &g->stat.to_shared : &g->stat.to_private,
		      size >> CCMEM_PAGE_SHIFT);
	ga_trace(v, GA_TR_CONVERT, gpa, size,
		 to_shared);
	return 0;
}

/* ---- page allocator --------------------------------------------------------- */

/* First fit over the free extents. Context: the lock is held. */
static int ga_take_first_fit(struct ga_guest *g, u64 npages, u64 *gfn)
{
	u32 i;

	for (i = 0; i < g->nr_free; i++) {
		if (g->free[i].end - g->free[i].start < npages)
			continue;
		*gfn = g->free[i].start;
		return ga_range_remove(g->free, &g->nr_free,
				       GA_MAX_FREE_EXTENTS, *gfn,
				       *gfn + npages);
	}
	return -GA_ENOMEM;
}

/*
 * Accept what an allocation hands out. Like Linux, a range that ends on a
 * unit boundary also accepts the next unit: an unaligned load just past
 * the end must not touch unaccepted memory.
 */
static int ga_accept_alloc(struct ga_vcpu *v, u64 gpa, u64 size)
{
	struct ga_guest *g = v->g;
	u64 unit = 1ULL << g->bm.unit_shift;
	u64 end = gpa + size;

	if (!(end & (unit - 1)) && end < g->mem_end)
		end += unit;
	return ga_accept(v, gpa, end - gpa, true);
}

int ga_alloc(struct ga_vcpu *v, u64 npages, u64 *gpa)
{
	struct ga_guest *g = v->g;
	u64 gfn = 0;
	int ret;

	if (ga_dead(g))
		return -GA_EFATAL;
	if (!npages)
		return -GA_EINVAL;
	ga_lock(g);
	ret = ga_take_first_fit(g, npages, &gfn);
	ga_unlock(g);
	if (ret)
		return ret;

	*gpa = gfn << CCMEM_PAGE_SHIFT;
	if (g->policy == GA_POLICY_LAZY || g->policy == GA_POLICY_HYBRID) {
		ret = ga_accept_alloc(v, *gpa, npages << CCMEM_PAGE_SHIFT);
		if (ret) {
			/* Not handed out: back to the free list. */
			ga_lock(g);
			ga_range_add(g->free, &g->nr_free, GA_MAX_FREE_EXTENTS,
				     gfn, gfn + npages);
			ga_unlock(g);
			return ret;
		}
	}
	ga_atomic_add(&g->stat.alloc_pages, npages);
	return 0;
}

int ga_free(struct ga_vcpu *v, u64 gpa, u64 npages)
{
	struct ga_guest *g = v->g;
	u64 gfn = gpa >> CCMEM_PAGE_SHIFT;
	int ret;

	if (!npages || (gpa & GA_PAGE_MASK) || gpa < g->mem_start ||
	    gpa >= g->mem_end ||
	    npages > (g->mem_end - gpa) >> CCMEM_PAGE_SHIFT)
		return -GA_EINVAL;
	ga_lock(g);
	ret = ga_range_add(g->free, &g->nr_free, GA_MAX_FREE_EXTENTS, gfn,
			   gfn + npages);
	ga_unlock(g);
	if (!ret)
		ga_atomic_add(&g->stat.free_pages, npages);
	return ret;
}
