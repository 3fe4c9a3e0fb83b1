// SPDX-License-Identifier: GPL-2.0
/*
 * test_ga_ladder.c - the guest core against a fake SNP environment.
 *
 * The fake keeps, per 4 KiB page, the host's view (private or shared), the
 * Validated bit and the contents, and per 2 MiB chunk whether the RMP entry
 * is 2M (a 2M PVALIDATE on a 4K-backed chunk returns FAIL_SIZEMISMATCH; a
 * 4K PVALIDATE on a 2M entry is smashed by the "host", as KVM does on the
 * nested fault). A private access to a page that is not validated raises
 * #VC 0x404. The fake host serves Page State Changes from the GHCB shared
 * buffer (below guest memory) the way the spec says, and can be told to
 * return early, rewind progress, fail, or stall.
 *
 * The guest lock is a pthread mutex, ops->wait a condition variable.
 */
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"
#include "../../guest/ga.h"
#include "../../platform/snp/ghcb.h"

#define KiB		1024ULL
#define MiB		(1024 * KiB)
#define GiB		(1024 * MiB)
#define PAGE		(4 * KiB)
#define CHUNK		(2 * MiB)

#define GHCB_GPA	0x10000ULL		/* vCPU n: GHCB_GPA + n pages */
#define MEM_START	(16 * MiB)		/* 2 MiB aligned */
#define MAX_MEM		GiB
#define FAKE_PAGES	((MEM_START + MAX_MEM) / PAGE)
#define FAKE_CHUNKS	(FAKE_PAGES / 512)
#define MAX_CPUS	4

#define PV_FAIL_INPUT	1
#define PV_FAIL_SIZE	6
#define VC_404		0x404

#define PG(n)		(MEM_START + (u64)(n) * PAGE)
#define CH(n)		(MEM_START + (u64)(n) * CHUNK)

/* Host misbehaviour at one NAE PSC exit (fk.evil_at). */
enum evil {
	EVIL_NONE,
	EVIL_REWIND_ENTRY,	/* header cur_entry goes back */
	EVIL_REWIND_PAGE,	/* an entry's cur_page goes back */
	EVIL_END_ENTRY,		/* header end_entry changes */
	EVIL_RESERVED,		/* header reserved becomes non-zero */
};

struct fake_page {
	u8 private;
	u8 validated;
	u16 validations;	/* times validated (0 -> 1) */
};

struct fake_trace {
	int event;
	u64 gpa, size, detail;
};

#define MAX_TRACE	256

static struct fake {
	pthread_mutex_t mu;		/* the fake's own state */
	struct fake_page page[FAKE_PAGES];
	bool rmp_2m[FAKE_CHUNKS];
	bool backing_4k[FAKE_CHUNKS];
	u8 *data[FAKE_PAGES];

	/* host PSC behaviour */
	u32 psc_chunk;		/* pages per NAE exit, 0 = all */
	u32 psc_stall;		/* exits answered without progress */
	u64 psc_error;		/* SW_EXITINFO2 to fail with */
	u32 evil_at;		/* NAE exit number (1-based) to misbehave at */
	enum evil evil;
	u64 msr_error;		/* MSR protocol error code */
	u64 term_msr;		/* the guest's termination request */
	bool scratch_refused;	/* refuse SW_SCRATCH: EXITINFO1 2, 2 3 */
	bool msr_bad_code;	/* answer with a wrong response code */

	/* guest-side hooks */
	u64 unvalidate_before_rescind;	/* the host remaps it just in time */
	u64 estop_gpa;			/* pvalidate returns -GA_ESTOP there */
	u64 fail_gpa;			/* pvalidate returns fail_code there */
	int fail_code;
	bool yield;			/* sched_yield in pvalidate (stress) */
	u64 hold_gpa;			/* pvalidate waits here for a waiter */

	/* counts */
	u64 nae_exits, msr_exits, ops;
	u32 no_change;		/* PVALIDATE "no change" seen */
	u32 bad_access;		/* accesses crossing a page */

	/* guest lock and wait */
	pthread_mutex_t glock;
	pthread_cond_t gcond;
	int wait_ret;

	/* handshake for the in-flight tests */
	pthread_mutex_t hmu;
	pthread_cond_t hcond;
	u32 waits;
	bool holding;
	bool hold_timeout;	/* nobody waited for the held vCPU */

	/* trace */
	struct fake_trace trace[MAX_TRACE];
	u32 nr_trace;
	u32 unit_shift;
	u16 *unit_accepts;
} fk = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.glock = PTHREAD_MUTEX_INITIALIZER,
	.gcond = PTHREAD_COND_INITIALIZER,
	.hmu = PTHREAD_MUTEX_INITIALIZER,
	.hcond = PTHREAD_COND_INITIALIZER,
};

static struct ga_guest g;
static u64 *bm_mem;
static struct ga_vcpu cpu[MAX_CPUS];
static struct ga_vcpu *v = &cpu[0];
static u64 seed;

/* ---- the fake machine ----------------------------------------------------- */

static struct fake_page *pg(u64 gpa)
{
	return &fk.page[gpa / PAGE];
}

static u64 chunk_of(u64 gpa)
{
	return gpa / CHUNK;
}

/* Host: a page changes state; a 4K change inside a 2M entry smashes it. */
static void host_set_state(u64 gfn, u32 op, bool huge)
{
	struct fake_page *p = &fk.page[gfn];
	bool priv = op == PSC_OP_PRIVATE;

	if (op != PSC_OP_PRIVATE && op != PSC_OP_SHARED)
		return;
	if (p->private != priv) {
		p->private = priv;
		p->validated = 0;
		if (!huge)
			fk.rmp_2m[gfn / 512] = false;
	}
}

/* Host: a 2M entry done; private 2M chunks get a 2M RMP entry if backed so. */
static void host_finish_2m(u64 gfn, u32 op)
{
	u64 c = gfn / 512;

	fk.rmp_2m[c] = op == PSC_OP_PRIVATE && !fk.backing_4k[c];
}

static u8 *data_page(u64 gpa, bool alloc)
{
	u8 **d = &fk.data[gpa / PAGE];

	if (!*d && alloc)
		*d = calloc(1, PAGE);
	return *d;
}

static void copy_page(u64 gpa, void *buf, u32 len, bool write)
{
	u8 *d = data_page(gpa, write);

	if (write)
		memcpy(d + (gpa & (PAGE - 1)), buf, len);
	else if (d)
		memcpy(buf, d + (gpa & (PAGE - 1)), len);
	else
		memset(buf, 0, len);
}

static void host_read(u64 gpa, void *buf, u32 len)
{
	copy_page(gpa, buf, len, false);
}

static void host_write(u64 gpa, const void *buf, u32 len)
{
	copy_page(gpa, (void *)buf, len, true);
}

/* ---- env ops ---------------------------------------------------------------- */

/* A VMGEXIT as the fake host reads it, from the GHCB_R_* registers. */
struct fake_vmgexit {
	u64 msr;
	bool nae;
	u64 exit_code;
	u64 info2;
	u64 scratch;
};

static int pv_2m(u64 gpa, bool validate, bool *nc)
{
	struct fake_page *p = pg(gpa);
	bool same = true;
	int i;

	if (gpa & (CHUNK - 1))
		return PV_FAIL_INPUT;
	for (i = 0; i < 512; i++)
		if (!p[i].private)
			return PV_FAIL_INPUT;
	if (!fk.rmp_2m[chunk_of(gpa)])
		return PV_FAIL_SIZE;
	for (i = 0; i < 512; i++)
		same &= p[i].validated == validate;
	if (same) {
		*nc = true;
		fk.no_change++;
		return 0;
	}
	for (i = 0; i < 512; i++) {
		p[i].validations += validate && !p[i].validated;
		p[i].validated = validate;
	}
	return 0;
}

static int pv_4k(u64 gpa, bool validate, bool *nc)
{
	struct fake_page *p = pg(gpa);

	if (!p->private)
		return PV_FAIL_INPUT;
	/* The host smashes the 2M entry on the nested fault and retries. */
	fk.rmp_2m[chunk_of(gpa)] = false;
	if (p->validated == validate) {
		*nc = true;
		fk.no_change++;
		return 0;
	}
	p->validations += validate;
	p->validated = validate;
	return 0;
}

/*
 * Stop this vCPU until another one has waited for its units. The time limit
 * is not a sleep: it only turns a core that never waits into a failure
 * instead of a hang.
 */
static void hold_here(void)
{
	struct timespec limit;

	clock_gettime(CLOCK_REALTIME, &limit);
	limit.tv_sec += 30;
	pthread_mutex_lock(&fk.hmu);
	fk.holding = true;
	pthread_cond_broadcast(&fk.hcond);
	while (!fk.waits && !fk.hold_timeout)
		fk.hold_timeout = pthread_cond_timedwait(&fk.hcond, &fk.hmu,
							 &limit) != 0;
	pthread_mutex_unlock(&fk.hmu);
}

static int fake_pvalidate(u64 gpa, bool huge, bool validate, bool *nc)
{
	int rc;

	*nc = false;
	if (fk.yield)
		sched_yield();
	if (fk.hold_gpa && gpa == fk.hold_gpa)
		hold_here();
	pthread_mutex_lock(&fk.mu);
	fk.ops++;
	if (gpa >= FAKE_PAGES * PAGE || (gpa & (PAGE - 1))) {
		rc = PV_FAIL_INPUT;
	} else if (fk.estop_gpa && gpa == fk.estop_gpa) {
		rc = -GA_ESTOP;
	} else if (fk.fail_gpa && gpa == fk.fail_gpa) {
		rc = fk.fail_code;
	} else {
		if (!validate && gpa == fk.unvalidate_before_rescind)
			pg(gpa)->validated = 0;
		rc = huge ? pv_2m(gpa, validate, nc) : pv_4k(gpa, validate, nc);
	}
	pthread_mutex_unlock(&fk.mu);
	return rc;
}

static int op_access(u64 gpa, void *buf, u32 len, bool shared, bool write)
{
	struct fake_page *p;
	int rc = 0;

	pthread_mutex_lock(&fk.mu);
	fk.ops++;
	if (!len || (gpa & (PAGE - 1)) + len > PAGE) {
		fk.bad_access++;	/* the core must split at pages */
		rc = -GA_EINVAL;
		goto out;
	}
	if (gpa >= FAKE_PAGES * PAGE) {
		rc = -GA_ERANGE;
		goto out;
	}
	p = pg(gpa);
	if (shared && p->private)
		rc = -GA_EINVAL;	/* the fake is strict: a guest bug */
	else if (!shared && (!p->private || !p->validated))
		rc = VC_404;
	else
		copy_page(gpa, buf, len, write);
out:
	pthread_mutex_unlock(&fk.mu);
	return rc;
}

static int op_read(void *priv, u64 gpa, void *buf, u32 len, bool shared)
{
	(void)priv;
	return op_access(gpa, buf, len, shared, false);
}

static int op_write(void *priv, u64 gpa, const void *buf, u32 len,
		    bool shared)
{
	(void)priv;
	return op_access(gpa, (void *)buf, len, shared, true);
}

/* The misbehaviour of exit fk.evil_at, applied after serving it. */
static void psc_evil(u64 *hdr, u64 *ent)
{
	switch (fk.evil) {
	case EVIL_REWIND_ENTRY:
		*hdr &= ~0xffffULL;
		break;
	case EVIL_REWIND_PAGE:
		ent[0] = (ent[0] & ~0xfffULL) | 50;
		break;
	case EVIL_END_ENTRY:
		*hdr += 1ULL << 16;
		break;
	case EVIL_RESERVED:
		*hdr |= 1ULL << 32;
		break;
	default:
		break;
	}
}

/*
 * Serve entries from cur_entry on, at most @budget pages, in a buffer that
 * has room for @room entries; update the progress in place.
 */
static u64 psc_serve(u64 *hdr, u64 *ent, u32 room, u64 budget)
{
	u32 cur = (u16)*hdr, end = (u16)(*hdr >> 16), npages, page;
	u64 e, gfn;

	if (end >= room || (*hdr >> 32))
		return PSC_ERR_HDR;
	while (cur <= end && budget) {
		e = ent[cur];
		gfn = PSC_E_GFN(e);
		npages = PSC_E_HUGE(e) ? 512 : 1;
		if ((PSC_E_HUGE(e) && (gfn & 511)) ||
		    gfn + npages > FAKE_PAGES)
			return PSC_ERR_ENTRY;
		for (page = PSC_E_CUR(e); page < npages && budget;
		     page++, budget--)
			host_set_state(gfn + page, PSC_E_OP(e),
				       PSC_E_HUGE(e));
		ent[cur] = (e & ~0xfffULL) | page;
		if (page < npages)
			break;
		if (PSC_E_HUGE(e))
			host_finish_2m(gfn, PSC_E_OP(e));
		cur++;
	}
	*hdr = (*hdr & ~0xffffULL) | cur;
	return 0;
}

static void fake_psc(struct fake_vmgexit *x)
{
	u64 buf[1 + PSC_MAX_ENTRIES] = { 0 };
	u64 off = x->scratch & (PAGE - 1);
	u32 len = sizeof(buf);

	fk.nae_exits++;
	x->info2 = 0;
	if (off < GHCB_SHARED_BUF_OFF || x->scratch >= MEM_START) {
		x->info2 = PSC_ERR_GENERIC;
		return;
	}
	if (off + len > PAGE)
		len = PAGE - off;
	host_read(x->scratch, buf, len);
	if (fk.psc_error) {
		x->info2 = fk.psc_error;
		return;
	}
	if (fk.psc_stall) {
		fk.psc_stall--;
		return;
	}
	x->info2 = psc_serve(&buf[0], &buf[1], len / 8 - 1,
			     fk.psc_chunk ? fk.psc_chunk : ~0ULL);
	if (fk.evil && fk.nae_exits == fk.evil_at)
		psc_evil(&buf[0], &buf[1]);
	host_write(x->scratch, buf, len);
}

static void fake_msr(struct fake_vmgexit *x)
{
	u64 gfn = (x->msr >> 12) & 0xffffffffffULL;
	u32 op = (x->msr >> 52) & 0xf;

	fk.msr_exits++;
	if ((x->msr & 0xfff) != GHCB_MSR_PSC_REQ || gfn >= FAKE_PAGES) {
		x->msr = 0xfffULL;
		return;
	}
	if (fk.msr_bad_code) {
		x->msr = GHCB_MSR_PSC_REQ;
		return;
	}
	if (fk.msr_error) {
		x->msr = GHCB_MSR_PSC_RESP | (fk.msr_error << 32);
		return;
	}
	host_set_state(gfn, op, false);
	x->msr = GHCB_MSR_PSC_RESP;
}

static int fake_vmgexit(struct fake_vmgexit *x)
{
	pthread_mutex_lock(&fk.mu);
	fk.ops++;
	if (!x->nae)
		fake_msr(x);
	else if (x->exit_code == GHCB_NAE_PSC)
		fake_psc(x);
	else
		x->info2 = PSC_ERR_GENERIC;
	pthread_mutex_unlock(&fk.mu);
	return 0;
}

static int op_insn(void *priv, struct ga_insn *in)
{
	int rc;

	(void)priv;
	if (in->op != GA_INSN_PVALIDATE || in->rcx > 1 || in->rdx > 1)
		return -GA_EINVAL;
	rc = fake_pvalidate(in->gpa, in->rcx, in->rdx, &in->cf);
	if (rc < 0)
		return rc;
	in->rax = rc;
	return 0;
}

static int op_hypercall(void *priv, struct ga_hcall *hc)
{
	struct fake_vmgexit x = {
		.msr = hc->r[GHCB_R_MSR],
		.nae = hc->r[GHCB_R_NAE],
		.exit_code = hc->r[GHCB_R_EXIT_CODE],
		.info2 = hc->r[GHCB_R_EXIT_INFO2],
		.scratch = hc->r[GHCB_R_SCRATCH],
	};
	int rc;

	(void)priv;
	if (!x.nae && GHCB_MSR_INFO(x.msr) == GHCB_MSR_TERM_REQ) {
		pthread_mutex_lock(&fk.mu);
		fk.term_msr = x.msr;
		pthread_mutex_unlock(&fk.mu);
		return -GA_ESTOP;
	}
	if (x.nae && fk.scratch_refused) {
		hc->r[GHCB_R_EXIT_INFO1] = GHCB_EXITINFO1_ERROR;
		hc->r[GHCB_R_EXIT_INFO2] = GHCB_ERR_INVALID_SCRATCH_AREA;
		return 0;
	}
	rc = fake_vmgexit(&x);
	hc->r[GHCB_R_MSR] = x.msr;
	hc->r[GHCB_R_EXIT_INFO1] = 0;
	hc->r[GHCB_R_EXIT_INFO2] = x.info2;
	return rc;
}

static void op_lock(void *gpriv)
{
	(void)gpriv;
	pthread_mutex_lock(&fk.glock);
}

static void op_unlock(void *gpriv)
{
	(void)gpriv;
	pthread_mutex_unlock(&fk.glock);
}

static int op_wait(void *gpriv)
{
	(void)gpriv;
	pthread_mutex_lock(&fk.hmu);
	fk.waits++;
	pthread_cond_broadcast(&fk.hcond);
	pthread_mutex_unlock(&fk.hmu);
	pthread_cond_wait(&fk.gcond, &fk.glock);
	return fk.wait_ret;
}

static void op_wake_all(void *gpriv)
{
	(void)gpriv;
	pthread_cond_broadcast(&fk.gcond);
}

static void op_trace(void *priv, int event, u64 gpa, u64 size, u64 detail)
{
	u64 u;

	(void)priv;
	pthread_mutex_lock(&fk.mu);
	if (fk.nr_trace < MAX_TRACE)
		fk.trace[fk.nr_trace] = (struct fake_trace){
			event, gpa, size, detail };
	fk.nr_trace++;
	if (event == GA_TR_ACCEPT_EAGER || event == GA_TR_ACCEPT_LAZY)
		for (u = (gpa - MEM_START) >> fk.unit_shift;
		     u < (gpa + size - MEM_START) >> fk.unit_shift; u++)
			fk.unit_accepts[u]++;
	pthread_mutex_unlock(&fk.mu);
}

static const struct ga_env_ops ops = {
	.insn = op_insn,
	.hypercall = op_hypercall,
	.read = op_read,
	.write = op_write,
	.lock = op_lock,
	.unlock = op_unlock,
	.wait = op_wait,
	.wake_all = op_wake_all,
	.trace = op_trace,
};

/* ---- set-up and helpers ------------------------------------------------------ */

static void fake_reset(void)
{
	u64 i;

	for (i = 0; i < FAKE_PAGES; i++) {
		free(fk.data[i]);
		fk.data[i] = NULL;
	}
	free(fk.unit_accepts);
	fk.unit_accepts = NULL;
	memset(fk.page, 0, sizeof(fk.page));
	/* Guest memory starts private and unvalidated, 2M-backed. */
	for (i = MEM_START / PAGE; i < FAKE_PAGES; i++)
		fk.page[i].private = 1;
	for (i = 0; i < FAKE_CHUNKS; i++) {
		fk.backing_4k[i] = false;
		fk.rmp_2m[i] = i >= MEM_START / CHUNK;
	}
	fk.psc_chunk = 0;
	fk.psc_stall = 0;
	fk.psc_error = 0;
	fk.evil = EVIL_NONE;
	fk.evil_at = 0;
	fk.msr_error = 0;
	fk.term_msr = 0;
	fk.scratch_refused = false;
	fk.msr_bad_code = false;
	fk.unvalidate_before_rescind = 0;
	fk.estop_gpa = 0;
	fk.fail_gpa = 0;
	fk.fail_code = 0;
	fk.bad_access = 0;
	fk.yield = false;
	fk.hold_gpa = 0;
	fk.nae_exits = 0;
	fk.msr_exits = 0;
	fk.ops = 0;
	fk.no_change = 0;
	fk.wait_ret = 0;
	fk.waits = 0;
	fk.holding = false;
	fk.hold_timeout = false;
	fk.nr_trace = 0;
}

/* A guest of @size bytes at MEM_START with 2^@shift units and @policy. */
static void setup_shift(u64 size, u32 shift, u32 policy)
{
	u64 nr = size >> shift;
	int i;

	fake_reset();
	fk.unit_shift = shift;
	fk.unit_accepts = calloc(nr, sizeof(u16));
	free(bm_mem);
	bm_mem = calloc(ga_bitmap_words(nr), sizeof(u64));
	memset(&g, 0, sizeof(g));
	if (!fk.unit_accepts || !bm_mem)
		UNIT_FAIL("out of memory");
	ASSERT_EQ(0, ga_guest_init(&g, MEM_START, MEM_START + size, shift,
				   bm_mem, &ga_platform_snp, &ops, &fk));
	g.policy = policy;
	for (i = 0; i < MAX_CPUS; i++) {
		memset(&cpu[i], 0, sizeof(cpu[i]));
		cpu[i].g = &g;
		cpu[i].id = i;
		cpu[i].priv = &cpu[i];
		cpu[i].comm_gpa = GHCB_GPA + i * PAGE;
	}
}

static void setup(u64 size, u32 policy)
{
	setup_shift(size, 21, policy);
}

static u64 unit_of(u64 gpa)
{
	return (gpa - MEM_START) >> g.bm.unit_shift;
}

static bool accepted(u64 gpa)
{
	return !ga_bitmap_unit_unaccepted(&g.bm, unit_of(gpa));
}

/* Pages of [gpa, gpa + size) that are private and validated. */
static u64 count_valid(u64 gpa, u64 size)
{
	u64 n = 0, a;

	for (a = gpa; a < gpa + size; a += PAGE)
		n += pg(a)->private && pg(a)->validated;
	return n;
}

static u64 count_shared(u64 gpa, u64 size)
{
	u64 n = 0, a;

	for (a = gpa; a < gpa + size; a += PAGE)
		n += !pg(a)->private;
	return n;
}

/* The host validates or remaps behind the guest's back. */
static void attack_validate(u64 gpa, u64 size)
{
	u64 a;

	for (a = gpa; a < gpa + size; a += PAGE)
		pg(a)->validated = 1;
	if (size < CHUNK)
		fk.rmp_2m[chunk_of(gpa)] = false;
}

static void attack_remap(u64 gpa)
{
	fk.rmp_2m[chunk_of(gpa)] = false;
	pg(gpa)->validated = 0;
}

static void back_4k(u64 gpa)
{
	fk.backing_4k[chunk_of(gpa)] = true;
	fk.rmp_2m[chunk_of(gpa)] = false;
}

static bool traced(int event, u64 gpa, u64 size, u64 detail)
{
	u32 i;

	for (i = 0; i < fk.nr_trace && i < MAX_TRACE; i++)
		if (fk.trace[i].event == event && fk.trace[i].gpa == gpa &&
		    fk.trace[i].size == size && fk.trace[i].detail == detail)
			return true;
	return false;
}

/* The guest is dead of exactly this event, recorded and traced once. */
static void expect_fatal(int line, const struct ga_vcpu *vc, u32 why, u64 at,
			 u64 detail)
{
	const struct ga_event *e = &vc->event;

	if (e->reason != why || e->gpa != at || e->detail != detail)
		unit_fail(__FILE__, line,
			  "event: expected %u at 0x%llx (0x%llx), got %u at 0x%llx (0x%llx)",
			  why, (unsigned long long)at,
			  (unsigned long long)detail, e->reason,
			  (unsigned long long)e->gpa,
			  (unsigned long long)e->detail);
	if (g.terminated != 1 || g.stat.security_events != 1)
		unit_fail(__FILE__, line, "terminated %d, %llu security events",
			  g.terminated,
			  (unsigned long long)g.stat.security_events);
	if (!traced(GA_TR_SECURITY, at, 0, why))
		unit_fail(__FILE__, line, "no security trace event");
}

#define ASSERT_FATAL(vc, why, at, detail)				\
	expect_fatal(__LINE__, vc, why, at, detail)

/* ---- set-up ------------------------------------------------------------------- */

UNIT_TEST(guest_init_rejects_bad_arguments)
{
	static u64 mem[8];

	fake_reset();
	memset(&g, 0, sizeof(g));
	ASSERT_EQ(-GA_EINVAL, ga_guest_init(&g, MEM_START, MEM_START, 21, mem,
					    &ga_platform_snp, &ops, &fk));
	ASSERT_EQ(-GA_EINVAL, ga_guest_init(&g, MEM_START + PAGE,
					    MEM_START + CHUNK, 21, mem, &ga_platform_snp, &ops,
					    &fk));
	ASSERT_EQ(-GA_EINVAL, ga_guest_init(&g, MEM_START, MEM_START + MiB, 21,
					    mem, &ga_platform_snp, &ops, &fk));
	ASSERT_EQ(-GA_EINVAL, ga_guest_init(&g, MEM_START, MEM_START + CHUNK,
					    21, mem, &ga_platform_snp, NULL, &fk));
	ASSERT_EQ(0, ga_guest_init(&g, MEM_START, MEM_START + 4 * CHUNK, 21,
				   mem, &ga_platform_snp, &ops, &fk));
	ASSERT_EQ(&ga_platform_snp, g.plat);
	ASSERT_EQ(1, g.nr_free);
	ASSERT_EQ(MEM_START / PAGE, g.free[0].start);
	ASSERT_EQ((MEM_START + 4 * CHUNK) / PAGE, g.free[0].end);
	ASSERT_EQ(4, g.bm.nr_unaccepted);
	v->g = &g;
	g.policy = 7;
	ASSERT_EQ(-GA_EINVAL, ga_guest_boot(v));
}

/* ---- the ladder: eager, fallback, 4K pieces ------------------------------- */

static u64 platform_calls(void)
{
	return g.stat.accept_calls + g.stat.hypercalls;
}

UNIT_TEST(eager_1g_2m_ladder_vs_4k)
{
	u64 calls_2m, calls_4k;

	setup(GiB, GA_POLICY_EAGER);
	ASSERT_EQ(0, ga_guest_boot(v));
	ASSERT_EQ(512, g.stat.eager_accepts);
	ASSERT_EQ(0, g.stat.lazy_accepts);
	ASSERT_EQ(GiB, g.stat.accepted_bytes);
	ASSERT_EQ(512, g.stat.accept_calls);
	ASSERT_EQ(3, g.stat.hypercalls);		/* 253 + 253 + 6 entries */
	ASSERT_EQ(512, g.stat.convert_entries);
	ASSERT_EQ(0, g.stat.convert_reissues);
	ASSERT_EQ(0, g.stat.fallbacks_4k);
	ASSERT_EQ(0, g.bm.nr_unaccepted);
	ASSERT_EQ(GiB / PAGE, count_valid(MEM_START, GiB));
	ASSERT_EQ(0, fk.no_change);
	ASSERT_TRUE(traced(GA_TR_ACCEPT_EAGER, MEM_START, GiB, 0));
	calls_2m = platform_calls();

	setup(GiB, GA_POLICY_EAGER);
	g.force_4k = true;
	ASSERT_EQ(0, ga_guest_boot(v));
	ASSERT_EQ(512, g.stat.eager_accepts);
	ASSERT_EQ(GiB / PAGE, g.stat.accept_calls);
	ASSERT_EQ((GiB / PAGE + 252) / 253, g.stat.hypercalls);
	ASSERT_EQ(GiB / PAGE, g.stat.convert_entries);
	ASSERT_EQ(GiB / PAGE, count_valid(MEM_START, GiB));
	ASSERT_EQ(0, fk.no_change);
	calls_4k = platform_calls();

	printf("# 1 GiB eager: %llu platform calls with 2M, %llu with 4K (%.1fx)\n",
	       (unsigned long long)calls_2m, (unsigned long long)calls_4k,
	       (double)calls_4k / (double)calls_2m);
	ASSERT_TRUE(calls_4k >= 50 * calls_2m);
}

UNIT_TEST(fallback_2m_to_4k_on_size_mismatch)
{
	setup(16 * MiB, GA_POLICY_EAGER);
	back_4k(CH(3));
	ASSERT_EQ(0, ga_guest_boot(v));
	ASSERT_EQ(1, g.stat.fallbacks_4k);
	ASSERT_EQ(8 + 512, g.stat.accept_calls);
	ASSERT_EQ(16 * MiB / PAGE, count_valid(MEM_START, 16 * MiB));
	ASSERT_TRUE(traced(GA_TR_FALLBACK_4K, CH(3), CHUNK, 0));
	ASSERT_EQ(1, fk.rmp_2m[chunk_of(CH(2))]);
	ASSERT_EQ(0, fk.rmp_2m[chunk_of(CH(3))]);
	ASSERT_EQ(0, fk.no_change);
}

UNIT_TEST(partial_chunks_use_4k_pieces)
{
	u64 start = CH(1) - 2 * PAGE, end = CH(2) + 2 * PAGE;

	setup_shift(8 * MiB, 12, GA_POLICY_LAZY);
	ASSERT_EQ(0, ga_accept(v, start, end - start, true));
	/* 2 x 4K, one 2M, 2 x 4K: five entries in one request, five calls */
	ASSERT_EQ(5, g.stat.convert_entries);
	ASSERT_EQ(1, g.stat.hypercalls);
	ASSERT_EQ(5, g.stat.accept_calls);
	ASSERT_EQ(516, g.stat.lazy_accepts);
	ASSERT_EQ(516, count_valid(MEM_START, 8 * MiB));
	ASSERT_EQ(516, count_valid(start, end - start));
	ASSERT_TRUE(!accepted(start - PAGE));
	ASSERT_TRUE(accepted(start));
	ASSERT_TRUE(accepted(end - PAGE));
	ASSERT_TRUE(!accepted(end));
}

UNIT_TEST(accept_rounds_to_units_and_clips_to_memory)
{
	setup(8 * MiB, GA_POLICY_LAZY);
	ASSERT_EQ(0, ga_accept(v, CH(1) + 5, 10, true));
	ASSERT_EQ(1, g.stat.lazy_accepts);
	ASSERT_TRUE(accepted(CH(1)));
	ASSERT_TRUE(!accepted(CH(0)) && !accepted(CH(2)));
	/* outside memory is accepted memory: nothing to do */
	ASSERT_EQ(0, ga_accept(v, 0, MEM_START, true));
	ASSERT_EQ(0, ga_accept(v, CH(4), GiB, true));
	ASSERT_EQ(0, ga_accept(v, CH(1), 0, true));
	ASSERT_EQ(1, g.stat.lazy_accepts);
	/* straddling the end: only the last unit */
	ASSERT_EQ(0, ga_accept(v, CH(3), ~0ULL, false));
	ASSERT_EQ(1, g.stat.eager_accepts);
	ASSERT_EQ(2, g.bm.nr_unaccepted);
	ASSERT_EQ(2 * CHUNK, g.stat.accepted_bytes);
	/* already accepted: no platform call at all */
	fk.ops = 0;
	ASSERT_EQ(0, ga_accept(v, CH(1), CHUNK, true));
	ASSERT_EQ(0, fk.ops);
}

UNIT_TEST(accept_covers_only_the_unaccepted_runs)
{
	setup(16 * MiB, GA_POLICY_LAZY);
	ASSERT_EQ(0, ga_accept(v, CH(2), CHUNK, true));
	ASSERT_EQ(0, ga_accept(v, CH(5), CHUNK, true));
	ASSERT_EQ(0, ga_accept(v, CH(0), 8 * CHUNK, false));
	ASSERT_EQ(6, g.stat.eager_accepts);
	ASSERT_TRUE(traced(GA_TR_ACCEPT_EAGER, CH(0), 2 * CHUNK, 0));
	ASSERT_TRUE(traced(GA_TR_ACCEPT_EAGER, CH(3), 2 * CHUNK, 0));
	ASSERT_TRUE(traced(GA_TR_ACCEPT_EAGER, CH(6), 2 * CHUNK, 0));
	ASSERT_EQ(8, g.stat.accept_calls);
	ASSERT_EQ(0, fk.no_change);
	ASSERT_EQ(0, g.bm.nr_unaccepted);
}

/* ---- policies -------------------------------------------------------------- */

UNIT_TEST(lazy_accept_on_first_touch)
{
	u64 addr = CH(5) + 0x1234, val = 0x1122334455667788ULL, out = 0;

	setup(64 * MiB, GA_POLICY_LAZY);
	ASSERT_EQ(0, ga_guest_boot(v));
	ASSERT_EQ(0, g.stat.accepted_bytes);
	ASSERT_EQ(0, ga_access(v, addr, &val, sizeof(val), true));
	ASSERT_EQ(1, g.stat.exception_accepts);
	ASSERT_EQ(1, g.stat.lazy_accepts);
	ASSERT_EQ(0, g.stat.eager_accepts);
	ASSERT_EQ(CHUNK, g.stat.accepted_bytes);
	ASSERT_TRUE(accepted(CH(5)));
	ASSERT_TRUE(!accepted(CH(4)) && !accepted(CH(6)));
	ASSERT_EQ(512, count_valid(MEM_START, 64 * MiB));
	ASSERT_TRUE(traced(GA_TR_ACCEPT_LAZY, CH(5), CHUNK, 0));
	ASSERT_EQ(0, ga_access(v, addr, &out, sizeof(out), false));
	ASSERT_EQ(val, out);
	ASSERT_EQ(1, g.stat.exception_accepts);
}

UNIT_TEST(lazy_access_across_units_accepts_both)
{
	u8 buf[32], out[32];
	u64 addr = CH(8) - 16;
	int i;

	setup(64 * MiB, GA_POLICY_LAZY);
	for (i = 0; i < 32; i++)
		buf[i] = (u8)(i * 7 + 1);
	ASSERT_EQ(0, ga_access(v, addr, buf, sizeof(buf), true));
	ASSERT_EQ(2, g.stat.exception_accepts);
	ASSERT_EQ(2, g.stat.lazy_accepts);
	ASSERT_TRUE(accepted(CH(7)) && accepted(CH(8)));
	ASSERT_EQ(0, ga_access(v, addr, out, sizeof(out), false));
	ASSERT_EQ(0, memcmp(buf, out, sizeof(buf)));
	ASSERT_EQ(-GA_ERANGE, ga_access(v, MEM_START - 8, out, 16, false));
	ASSERT_EQ(-GA_ERANGE, ga_access(v, MEM_START + 64 * MiB - 8, out, 16,
					false));
	ASSERT_EQ(-GA_ERANGE, ga_access(v, ~0ULL - 4, out, 16, false));
	ASSERT_EQ(0, ga_access(v, CH(9), out, 0, false));
	ASSERT_EQ(2, g.stat.lazy_accepts);
}

UNIT_TEST(hybrid_accepts_exactly_the_first_bytes)
{
	setup(64 * MiB, GA_POLICY_HYBRID);
	g.eager_bytes = 6 * MiB;
	ASSERT_EQ(0, ga_guest_boot(v));
	ASSERT_EQ(6 * MiB, g.stat.accepted_bytes);
	ASSERT_EQ(3, g.stat.eager_accepts);
	ASSERT_EQ(29, g.bm.nr_unaccepted);
	ASSERT_EQ(6 * MiB / PAGE, count_valid(MEM_START, 64 * MiB));
	ASSERT_EQ(6 * MiB / PAGE, count_valid(MEM_START, 6 * MiB));
	ASSERT_TRUE(accepted(CH(2)) && !accepted(CH(3)));
	ASSERT_TRUE(traced(GA_TR_ACCEPT_EAGER, MEM_START, 6 * MiB, 0));

	/* more than memory: everything, no further */
	setup(8 * MiB, GA_POLICY_HYBRID);
	g.eager_bytes = GiB;
	ASSERT_EQ(0, ga_guest_boot(v));
	ASSERT_EQ(8 * MiB, g.stat.accepted_bytes);
	ASSERT_EQ(0, g.bm.nr_unaccepted);
}

/* ---- security events ------------------------------------------------------- */

UNIT_TEST(double_validation_2m_is_fatal)
{
	u8 buf[8];

	setup(16 * MiB, GA_POLICY_LAZY);
	attack_validate(CH(3), CHUNK);
	ASSERT_EQ(-GA_EFATAL, ga_accept(v, CH(2), 2 * CHUNK, true));
	ASSERT_FATAL(v, GA_SEC_DOUBLE_ACCEPT, CH(3), 0);
	/* the run [2, 4) failed as a whole: nothing published */
	ASSERT_TRUE(!accepted(CH(2)) && !accepted(CH(3)));
	ASSERT_EQ(0, g.stat.lazy_accepts);
	ASSERT_EQ(0, g.bm.nr_inflight);
	/* everything stops now, without touching the platform */
	fk.ops = 0;
	ASSERT_EQ(-GA_EFATAL, ga_accept(v, CH(5), CHUNK, true));
	ASSERT_EQ(-GA_EFATAL, ga_access(v, CH(2), buf, 8, false));
	ASSERT_EQ(-GA_EFATAL, ga_convert(v, CH(2), PAGE, true));
	ASSERT_EQ(-GA_EFATAL, ga_psc(v, CH(2), PAGE, PSC_OP_SHARED, false));
	ASSERT_EQ(0, fk.ops);
}

UNIT_TEST(double_validation_4k_is_fatal)
{
	setup(16 * MiB, GA_POLICY_LAZY);
	g.force_4k = true;
	attack_validate(CH(2) + 7 * PAGE, PAGE);
	ASSERT_EQ(-GA_EFATAL, ga_accept(v, CH(2), PAGE, true));
	ASSERT_FATAL(v, GA_SEC_DOUBLE_ACCEPT, CH(2) + 7 * PAGE, 0);
	ASSERT_EQ(8, g.stat.accept_calls);
	ASSERT_TRUE(!accepted(CH(2)));
}

UNIT_TEST(substitution_after_accept_is_fatal)
{
	u64 x = CH(5) + 9 * PAGE, val = 42;

	setup(64 * MiB, GA_POLICY_LAZY);
	ASSERT_EQ(0, ga_access(v, x, &val, sizeof(val), true));
	attack_remap(x);
	ASSERT_EQ(-GA_EFATAL, ga_access(v, x + 8, &val, sizeof(val), false));
	ASSERT_FATAL(v, GA_SEC_SUBSTITUTION, x, VC_404);
	ASSERT_EQ(1, g.stat.exception_accepts);
	ASSERT_EQ(1, g.stat.lazy_accepts);
}

UNIT_TEST(private_access_to_own_shared_page_is_fatal)
{
	u64 x = CH(1) + 3 * PAGE, val;

	setup(16 * MiB, GA_POLICY_EAGER);
	ASSERT_EQ(0, ga_guest_boot(v));
	ASSERT_EQ(0, ga_convert(v, x, PAGE, true));
	ASSERT_EQ(-GA_EFATAL, ga_access(v, x, &val, sizeof(val), false));
	ASSERT_FATAL(v, GA_SEC_SHARED_ACCESS, x, VC_404);
}

UNIT_TEST(rescind_of_unvalidated_page_is_fatal)
{
	u64 x = CH(1) + 5 * PAGE;

	setup(16 * MiB, GA_POLICY_EAGER);
	ASSERT_EQ(0, ga_guest_boot(v));
	fk.unvalidate_before_rescind = x;
	ASSERT_EQ(-GA_EFATAL, ga_convert(v, CH(1), 8 * PAGE, true));
	ASSERT_FATAL(v, GA_SEC_RELEASE_UNACCEPTED, x, 0);
	/* rescinded 5 pages, then the sixth; nothing asked of the host */
	ASSERT_EQ(16 * MiB / PAGE - 6, count_valid(MEM_START, 16 * MiB));
	ASSERT_EQ(0, count_shared(MEM_START, 16 * MiB));
	ASSERT_EQ(0, g.stat.to_shared);
}

UNIT_TEST(pvalidate_failure_is_fatal)
{
	setup(16 * MiB, GA_POLICY_LAZY);
	g.force_4k = true;
	fk.fail_gpa = CH(1) + PAGE;
	fk.fail_code = PV_FAIL_INPUT;
	ASSERT_EQ(-GA_EFATAL, ga_accept(v, CH(1), CHUNK, true));
	ASSERT_FATAL(v, GA_SEC_ACCEPT_FAILED, CH(1) + PAGE, PV_FAIL_INPUT);
	ASSERT_EQ(2, g.stat.accept_calls);

	/* a size mismatch on a 4K request has nothing to fall back to */
	setup(16 * MiB, GA_POLICY_LAZY);
	g.force_4k = true;
	fk.fail_gpa = CH(1);
	fk.fail_code = PV_FAIL_SIZE;
	ASSERT_EQ(-GA_EFATAL, ga_accept(v, CH(1), CHUNK, true));
	ASSERT_FATAL(v, GA_SEC_ACCEPT_FAILED, CH(1), PV_FAIL_SIZE);
	ASSERT_EQ(0, g.stat.fallbacks_4k);
}

/* ---- the PSC client ---------------------------------------------------------- */

UNIT_TEST(psc_partial_progress_is_reissued_2m)
{
	setup(16 * MiB, GA_POLICY_LAZY);
	fk.psc_chunk = 100;
	ASSERT_EQ(0, ga_accept(v, CH(2), CHUNK, true));
	/* one 2M entry served 100 pages per exit: 100..500, then 512 */
	ASSERT_EQ(6, g.stat.hypercalls);
	ASSERT_EQ(5, g.stat.convert_reissues);
	ASSERT_EQ(1, g.stat.convert_entries);
	ASSERT_EQ(512, count_valid(CH(2), CHUNK));
	ASSERT_EQ(0, v->psc_last_result);
}

UNIT_TEST(psc_partial_progress_is_reissued_4k)
{
	setup(16 * MiB, GA_POLICY_LAZY);
	fk.psc_chunk = 100;
	ASSERT_EQ(0, ga_psc(v, CH(1), CHUNK, PSC_OP_SHARED, false));
	/* 253 entries (3 exits), 253 (3 exits), 6 (1 exit) */
	ASSERT_EQ(7, g.stat.hypercalls);
	ASSERT_EQ(4, g.stat.convert_reissues);
	ASSERT_EQ(512, g.stat.convert_entries);
	ASSERT_EQ(512, count_shared(MEM_START, 16 * MiB));
	ASSERT_EQ(512, count_shared(CH(1), CHUNK));
	ASSERT_EQ(0, g.terminated);
}

/* The host misbehaves at the second exit of a 100-pages-per-exit PSC. */
static void expect_backward(enum evil how, bool huge, u64 at)
{
	setup(16 * MiB, GA_POLICY_LAZY);
	fk.psc_chunk = 100;
	fk.evil = how;
	fk.evil_at = 2;
	ASSERT_EQ(-GA_EFATAL, ga_psc(v, CH(1), CHUNK, PSC_OP_SHARED, huge));
	ASSERT_FATAL(v, GA_SEC_CONVERT_BACKWARD, at, v->event.detail);
	ASSERT_EQ(2, g.stat.hypercalls);
	ASSERT_EQ(1, g.stat.convert_reissues);
}

UNIT_TEST(psc_backward_progress_is_fatal)
{
	/* 4K entries: the header had reached entry 100 */
	expect_backward(EVIL_REWIND_ENTRY, false, CH(1) + 100 * PAGE);
	ASSERT_EQ(PSC_MAX_ENTRIES - 1, (v->event.detail >> 16) & 0xffff);
	ASSERT_EQ(0, v->event.detail & 0xffff);
	expect_backward(EVIL_END_ENTRY, false, CH(1) + 100 * PAGE);
	ASSERT_EQ(PSC_MAX_ENTRIES, (v->event.detail >> 16) & 0xffff);
	expect_backward(EVIL_RESERVED, true, CH(1));
	ASSERT_EQ(1, v->event.detail >> 32);
	/* one 2M entry at page 100; the host puts it back to 50 */
	expect_backward(EVIL_REWIND_PAGE, true, CH(1));
	ASSERT_EQ(PSC_ENTRY(CH(1) / PAGE, PSC_OP_SHARED, 1, 50),
		  v->event.detail);
}

UNIT_TEST(psc_host_error_is_fatal)
{
	setup(16 * MiB, GA_POLICY_LAZY);
	fk.psc_error = PSC_ERR_GENERIC;
	ASSERT_EQ(-GA_EFATAL, ga_accept(v, CH(3), CHUNK, true));
	ASSERT_FATAL(v, GA_SEC_CONVERT_ERROR, CH(3), PSC_ERR_GENERIC);
	ASSERT_EQ(PSC_ERR_GENERIC, v->psc_last_result);
	ASSERT_EQ(1, g.stat.hypercalls);
	ASSERT_EQ(0, g.stat.accept_calls);
	ASSERT_TRUE(!accepted(CH(3)));
	ASSERT_EQ(0, g.bm.nr_inflight);
}

/* A host that refuses the scratch area (SW_EXITINFO1 = 2) failed the PSC. */
UNIT_TEST(psc_scratch_area_refused_is_fatal)
{
	setup(16 * MiB, GA_POLICY_LAZY);
	fk.scratch_refused = true;
	ASSERT_EQ(-GA_EFATAL, ga_accept(v, CH(3), CHUNK, true));
	ASSERT_FATAL(v, GA_SEC_CONVERT_ERROR, CH(3),
		     GHCB_ERR_INVALID_SCRATCH_AREA);
	ASSERT_EQ(0, g.stat.accept_calls);
	ASSERT_TRUE(!accepted(CH(3)));
}

/* A guest that gives up sends the GHCB termination request with why. */
static void expect_term(u32 reason, u32 set, u32 code)
{
	fk.term_msr = 0;
	v->event.reason = reason;
	ASSERT_EQ(-GA_ESTOP, ga_terminate(v));
	ASSERT_EQ(GHCB_MSR_TERM_REQ, GHCB_MSR_INFO(fk.term_msr));
	ASSERT_EQ(set, GHCB_MSR_TERM_SET(fk.term_msr));
	ASSERT_EQ(code, GHCB_MSR_TERM_CODE(fk.term_msr));
}

UNIT_TEST(terminate_sends_ghcb_reason_set_and_code)
{
	setup(16 * MiB, GA_POLICY_LAZY);
	/* Linux's set 1: GHCB_TERM_PSC and GHCB_TERM_PVALIDATE */
	ASSERT_EQ(0x1100ULL, GHCB_MSR_TERM(1, 1) & ~0xff0000ULL);
	ASSERT_EQ(0x11100ULL, GHCB_MSR_TERM(1, 1));
	expect_term(GA_SEC_CONVERT_ERROR, 1, 1);
	expect_term(GA_SEC_CONVERT_BACKWARD, 1, 1);
	expect_term(GA_SEC_CONVERT_NO_PROGRESS, 1, 1);
	expect_term(GA_SEC_DOUBLE_ACCEPT, 1, 2);
	expect_term(GA_SEC_ACCEPT_FAILED, 1, 2);
	expect_term(GA_SEC_RELEASE_UNACCEPTED, 1, 2);
	expect_term(GA_SEC_SUBSTITUTION, 0, 0);
	expect_term(GA_SEC_SHARED_ACCESS, 0, 0);
	expect_term(GA_SEC_NONE, 0, 0);
	ASSERT_EQ(9, g.stat.hypercalls);
}

/* The null platform: acceptance with no platform call at all. */
UNIT_TEST(null_platform_accepts_with_no_platform_call)
{
	u64 gpa;

	setup(64 * MiB, GA_POLICY_LAZY);
	g.plat = &ga_platform_null;
	ASSERT_EQ(0, ga_accept(v, CH(1), 3 * CHUNK, true));
	ASSERT_TRUE(accepted(CH(1)) && accepted(CH(3)) && !accepted(CH(4)));
	ASSERT_EQ(3, g.stat.accept_calls);	/* three 2 MiB steps */
	ASSERT_EQ(0, g.stat.hypercalls);
	ASSERT_EQ(0, fk.ops);
	/* a lazy allocation accepts its units (and the guard unit) */
	ASSERT_EQ(0, ga_alloc(v, 4, &gpa));
	ASSERT_TRUE(accepted(gpa) && accepted(gpa + CHUNK));
	ASSERT_EQ(0, g.stat.hypercalls);
	ASSERT_EQ(0, fk.ops);
	ASSERT_EQ(0, ga_terminate(v));
	ASSERT_TRUE(!strcmp("null", g.plat->name));
}

UNIT_TEST(psc_no_progress_limit)
{
	/* 15 empty returns are tolerated ... */
	setup(16 * MiB, GA_POLICY_LAZY);
	fk.psc_stall = 15;
	ASSERT_EQ(0, ga_accept(v, CH(3), CHUNK, true));
	ASSERT_EQ(16, g.stat.hypercalls);
	ASSERT_EQ(15, g.stat.convert_reissues);
	ASSERT_EQ(512, count_valid(CH(3), CHUNK));

	/* ... the 16th in a row is fatal */
	setup(16 * MiB, GA_POLICY_LAZY);
	fk.psc_stall = 1000;
	ASSERT_EQ(-GA_EFATAL, ga_accept(v, CH(3), CHUNK, true));
	ASSERT_FATAL(v, GA_SEC_CONVERT_NO_PROGRESS, CH(3), 16);
	ASSERT_EQ(16, g.stat.hypercalls);
	ASSERT_EQ(15, g.stat.convert_reissues);
	ASSERT_EQ(0, g.stat.accept_calls);
}

UNIT_TEST(psc_progress_resets_the_stall_count)
{
	setup(16 * MiB, GA_POLICY_LAZY);
	fk.psc_chunk = 1;	/* one page per exit: never stalled */
	ASSERT_EQ(0, ga_psc(v, CH(1), 40 * PAGE, PSC_OP_SHARED, false));
	ASSERT_EQ(40, g.stat.hypercalls);
	ASSERT_EQ(39, g.stat.convert_reissues);
	ASSERT_EQ(40, count_shared(CH(1), CHUNK));
}

UNIT_TEST(psc_msr_protocol)
{
	setup(4 * MiB, GA_POLICY_EAGER);
	g.msr_protocol = true;
	ASSERT_EQ(0, ga_guest_boot(v));
	ASSERT_EQ(1024, g.stat.hypercalls);
	ASSERT_EQ(1024, fk.msr_exits);
	ASSERT_EQ(0, fk.nae_exits);
	ASSERT_EQ(1024, g.stat.convert_entries);
	ASSERT_EQ(2, g.stat.accept_calls);
	ASSERT_EQ(1024, count_valid(MEM_START, 4 * MiB));
	ASSERT_EQ(0, v->psc_last_result);

	ASSERT_EQ(0, ga_convert(v, CH(1), 3 * PAGE, true));
	ASSERT_EQ(3, count_shared(MEM_START, 4 * MiB));
	ASSERT_EQ(1027, fk.msr_exits);
}

UNIT_TEST(psc_msr_errors_are_fatal)
{
	setup(4 * MiB, GA_POLICY_LAZY);
	g.msr_protocol = true;
	fk.msr_error = 7;
	ASSERT_EQ(-GA_EFATAL, ga_accept(v, CH(1), CHUNK, true));
	ASSERT_FATAL(v, GA_SEC_CONVERT_ERROR, CH(1), 7);
	ASSERT_EQ(1, fk.msr_exits);

	setup(4 * MiB, GA_POLICY_LAZY);
	g.msr_protocol = true;
	fk.msr_bad_code = true;
	ASSERT_EQ(-GA_EFATAL, ga_psc(v, CH(1), PAGE, PSC_OP_SHARED, false));
	ASSERT_FATAL(v, GA_SEC_CONVERT_ERROR, CH(1), GHCB_MSR_PSC_REQ);
}

UNIT_TEST(psc_raw_reports_host_errors_without_dying)
{
	u64 e[2] = {
		PSC_ENTRY(CH(1) / PAGE, PSC_OP_SHARED, 0, 0),
		PSC_ENTRY(CH(1) / PAGE + 1, PSC_OP_SHARED, 0, 0),
	};

	setup(4 * MiB, GA_POLICY_LAZY);
	/* end_entry past the real buffer: the host refuses the header */
	ASSERT_EQ(0, ga_psc_raw(v, 0, 0, 300, e, 2));
	ASSERT_EQ(PSC_ERR_HDR, v->psc_last_result);
	ASSERT_EQ(0, g.terminated);
	ASSERT_EQ(0, count_shared(MEM_START, 4 * MiB));
	/* a good one at an offset */
	ASSERT_EQ(0, ga_psc_raw(v, 64, 0, 1, e, 2));
	ASSERT_EQ(0, v->psc_last_result);
	ASSERT_EQ(2, count_shared(CH(1), CHUNK));
	/* the buffer must fit the GHCB shared buffer */
	ASSERT_EQ(-GA_EINVAL, ga_psc_raw(v, GHCB_SHARED_BUF_SIZE - 16, 0,
					 1, e, 2));
	ASSERT_EQ(-GA_EINVAL, ga_psc_raw(v, 0, 0, 0, e,
					 PSC_MAX_ENTRIES + 1));
	/* backward progress stays fatal */
	fk.psc_chunk = 1;
	fk.evil = EVIL_REWIND_ENTRY;
	fk.evil_at = fk.nae_exits + 2;
	e[0] = PSC_ENTRY(CH(1) / PAGE + 5, PSC_OP_SHARED, 0, 0);
	e[1] = PSC_ENTRY(CH(1) / PAGE + 6, PSC_OP_SHARED, 0, 0);
	ASSERT_EQ(-GA_EFATAL, ga_psc_raw(v, 0, 0, 1, e, 2));
	ASSERT_EQ(GA_SEC_CONVERT_BACKWARD, v->event.reason);
}

UNIT_TEST(psc_msr_raw_returns_the_response)
{
	u64 req = GHCB_MSR_PSC_REQ | ((CH(1) / PAGE) << 12) |
		  ((u64)PSC_OP_SHARED << 52);

	setup(4 * MiB, GA_POLICY_LAZY);
	ASSERT_EQ(0, ga_psc_msr_raw(v, req));
	ASSERT_EQ(0, v->psc_last_result);
	ASSERT_EQ(1, count_shared(CH(1), CHUNK));
	fk.msr_error = 0x33;
	ASSERT_EQ(0, ga_psc_msr_raw(v, req));
	ASSERT_EQ(0x33, v->psc_last_result);
	/* a bad request: the whole response comes back */
	ASSERT_EQ(0, ga_psc_msr_raw(v, 0x123));
	ASSERT_EQ(0xfff, v->psc_last_result);
	ASSERT_EQ(3, g.stat.hypercalls);
	ASSERT_EQ(0, g.terminated);
}

UNIT_TEST(psc_rejects_bad_arguments)
{
	setup(4 * MiB, GA_POLICY_LAZY);
	ASSERT_EQ(-GA_EINVAL, ga_psc(v, CH(1) + 8, PAGE, PSC_OP_SHARED, false));
	ASSERT_EQ(-GA_EINVAL, ga_psc(v, CH(1), 100, PSC_OP_SHARED, false));
	ASSERT_EQ(-GA_EINVAL, ga_psc(v, CH(1), PAGE, PSC_OP_PSMASH, false));
	ASSERT_EQ(0, ga_psc(v, CH(1), 0, PSC_OP_SHARED, false));
	ASSERT_EQ(0, g.stat.hypercalls);
}

/* ---- conversions ------------------------------------------------------------ */

UNIT_TEST(convert_round_trip_scrubs)
{
	u64 x = CH(2) + 4 * PAGE, pat = 0xfeedfacecafebeefULL, out = 1;
	u8 host[PAGE], zero[PAGE] = { 0 };

	setup(16 * MiB, GA_POLICY_LAZY);
	ASSERT_EQ(0, ga_access(v, x + 16, &pat, sizeof(pat), true));
	ASSERT_EQ(0, ga_convert(v, x, PAGE, true));
	ASSERT_EQ(0, pg(x)->private);
	ASSERT_EQ(0, pg(x)->validated);
	ASSERT_EQ(511, count_valid(CH(2), CHUNK));
	host_read(x, host, PAGE);
	ASSERT_EQ(0, memcmp(host, zero, PAGE));
	ASSERT_EQ(1, g.stat.to_shared);
	ASSERT_EQ(1, g.nr_shared);
	ASSERT_EQ(x / PAGE, g.shared[0].start);
	ASSERT_TRUE(traced(GA_TR_CONVERT, x, PAGE, 1));

	ASSERT_EQ(0, ga_convert(v, x, PAGE, false));
	ASSERT_EQ(1, pg(x)->private);
	ASSERT_EQ(1, pg(x)->validated);
	ASSERT_EQ(1, g.stat.to_private);
	ASSERT_EQ(0, g.nr_shared);
	ASSERT_EQ(0, ga_access(v, x + 16, &out, sizeof(out), false));
	ASSERT_EQ(0, out);
	ASSERT_EQ(0, ga_access(v, x + 16, &pat, sizeof(pat), true));
	ASSERT_EQ(0, ga_access(v, x + 16, &out, sizeof(out), false));
	ASSERT_EQ(pat, out);
	ASSERT_TRUE(traced(GA_TR_CONVERT, x, PAGE, 0));
	ASSERT_EQ(0, fk.no_change);
	ASSERT_EQ(0, g.terminated);
}

UNIT_TEST(convert_whole_chunk_uses_2m)
{
	u64 pv, ent;

	setup(16 * MiB, GA_POLICY_EAGER);
	ASSERT_EQ(0, ga_guest_boot(v));
	pv = g.stat.accept_calls;
	ent = g.stat.convert_entries;
	ASSERT_EQ(0, ga_convert(v, CH(4), CHUNK, true));
	ASSERT_EQ(pv + 1, g.stat.accept_calls);
	ASSERT_EQ(ent + 1, g.stat.convert_entries);
	ASSERT_EQ(512, count_shared(MEM_START, 16 * MiB));
	ASSERT_EQ(512, g.stat.to_shared);
	ASSERT_EQ(0, ga_convert(v, CH(4), CHUNK, false));
	ASSERT_EQ(pv + 2, g.stat.accept_calls);
	ASSERT_EQ(ent + 2, g.stat.convert_entries);
	ASSERT_EQ(16 * MiB / PAGE, count_valid(MEM_START, 16 * MiB));
	ASSERT_EQ(1, fk.rmp_2m[chunk_of(CH(4))]);
}

/* A conversion the guest's records forbid changes nothing at all. */
static void expect_convert_einval(u64 gpa, u64 size, bool to_shared)
{
	struct ga_stats before = g.stat;
	u64 ops_before = fk.ops;
	u32 nr_shared = g.nr_shared;

	ASSERT_EQ(-GA_EINVAL, ga_convert(v, gpa, size, to_shared));
	ASSERT_EQ(0, memcmp(&before, &g.stat, sizeof(before)));
	ASSERT_EQ(ops_before, fk.ops);
	ASSERT_EQ(nr_shared, g.nr_shared);
	ASSERT_EQ(0, g.terminated);
}

UNIT_TEST(convert_forbidden_ranges_change_nothing)
{
	u64 pat = 0x77;

	setup(16 * MiB, GA_POLICY_LAZY);
	ASSERT_EQ(0, ga_accept(v, CH(1), 2 * CHUNK, true));
	ASSERT_EQ(0, ga_access(v, CH(2) - PAGE, &pat, sizeof(pat), true));
	ASSERT_EQ(0, ga_convert(v, CH(1) + 8 * PAGE, 2 * PAGE, true));

	/* unaccepted, or partly */
	expect_convert_einval(CH(4), PAGE, true);
	expect_convert_einval(CH(3) - PAGE, 2 * PAGE, true);
	/* already shared, or partly */
	expect_convert_einval(CH(1) + 8 * PAGE, PAGE, true);
	expect_convert_einval(CH(1) + 7 * PAGE, 2 * PAGE, true);
	/* private back to private, or partly shared */
	expect_convert_einval(CH(1), PAGE, false);
	expect_convert_einval(CH(1) + 9 * PAGE, 2 * PAGE, false);
	/* misaligned, empty, outside memory */
	expect_convert_einval(CH(1) + 8, PAGE, true);
	expect_convert_einval(CH(1), PAGE + 1, true);
	expect_convert_einval(CH(1), 0, true);
	expect_convert_einval(MEM_START - PAGE, 2 * PAGE, true);
	expect_convert_einval(CH(7), 2 * CHUNK, true);
	/* the private data next to it is untouched */
	pat = 0;
	ASSERT_EQ(0, ga_access(v, CH(2) - PAGE, &pat, sizeof(pat), false));
	ASSERT_EQ(0x77, pat);
	ASSERT_EQ(2, count_shared(MEM_START, 16 * MiB));
}

UNIT_TEST(shared_record_merges_and_splits)
{
	setup(16 * MiB, GA_POLICY_EAGER);
	ASSERT_EQ(0, ga_guest_boot(v));
	ASSERT_EQ(0, ga_convert(v, PG(10), PAGE, true));
	ASSERT_EQ(0, ga_convert(v, PG(12), PAGE, true));
	ASSERT_EQ(2, g.nr_shared);
	ASSERT_EQ(0, ga_convert(v, PG(11), PAGE, true));
	ASSERT_EQ(1, g.nr_shared);
	ASSERT_EQ(PG(10) / PAGE, g.shared[0].start);
	ASSERT_EQ(PG(13) / PAGE, g.shared[0].end);
	ASSERT_EQ(0, ga_convert(v, PG(11), PAGE, false));
	ASSERT_EQ(2, g.nr_shared);
	ASSERT_EQ(PG(11) / PAGE, g.shared[0].end);
	ASSERT_EQ(PG(12) / PAGE, g.shared[1].start);
	ASSERT_EQ(0, ga_convert(v, PG(10), PAGE, false));
	ASSERT_EQ(0, ga_convert(v, PG(12), PAGE, false));
	ASSERT_EQ(0, g.nr_shared);
	ASSERT_EQ(3, g.stat.to_shared);
	ASSERT_EQ(3, g.stat.to_private);
}

UNIT_TEST(shared_record_full_is_enomem)
{
	u64 i, ops_before;

	setup(16 * MiB, GA_POLICY_EAGER);
	ASSERT_EQ(0, ga_guest_boot(v));
	for (i = 0; i < GA_MAX_SHARED_RANGES; i++)
		ASSERT_EQ(0, ga_convert(v, PG(2 * i), PAGE, true));
	ASSERT_EQ(GA_MAX_SHARED_RANGES, g.nr_shared);
	/* a new range: no room, and nothing happened */
	ops_before = fk.ops;
	ASSERT_EQ(-GA_ENOMEM, ga_convert(v, PG(2 * i + 1), PAGE, true));
	ASSERT_EQ(ops_before, fk.ops);
	ASSERT_EQ(1, pg(PG(2 * i + 1))->validated);
	/* merging two ranges needs no slot */
	ASSERT_EQ(0, ga_convert(v, PG(1), PAGE, true));
	ASSERT_EQ(GA_MAX_SHARED_RANGES - 1, g.nr_shared);
	ASSERT_EQ(0, ga_convert(v, PG(2 * i + 1), PAGE, true));
	ASSERT_EQ(GA_MAX_SHARED_RANGES, g.nr_shared);
	/* splitting one does: refused before anything changed */
	ops_before = fk.ops;
	ASSERT_EQ(-GA_ENOMEM, ga_convert(v, PG(1), PAGE, false));
	ASSERT_EQ(ops_before, fk.ops);
	ASSERT_EQ(0, pg(PG(1))->private);
	/* dropping the edge of a range does not */
	ASSERT_EQ(0, ga_convert(v, PG(0), PAGE, false));
	ASSERT_EQ(1, pg(PG(0))->validated);
	ASSERT_EQ(GA_MAX_SHARED_RANGES, g.nr_shared);
	ASSERT_EQ(0, g.terminated);
}

/* ---- allocator --------------------------------------------------------------- */

UNIT_TEST(alloc_first_fit_free_merge)
{
	u64 a, b, c, d;

	setup(8 * MiB, GA_POLICY_EAGER);
	ASSERT_EQ(0, ga_guest_boot(v));
	ASSERT_EQ(0, ga_alloc(v, 1, &a));
	ASSERT_EQ(0, ga_alloc(v, 3, &b));
	ASSERT_EQ(MEM_START, a);
	ASSERT_EQ(MEM_START + PAGE, b);
	ASSERT_EQ(0, ga_free(v, a, 1));
	ASSERT_EQ(2, g.nr_free);
	/* two pages do not fit the one-page hole: first fit goes on */
	ASSERT_EQ(0, ga_alloc(v, 2, &c));
	ASSERT_EQ(MEM_START + 4 * PAGE, c);
	ASSERT_EQ(0, ga_alloc(v, 1, &d));
	ASSERT_EQ(MEM_START, d);
	ASSERT_EQ(1, g.nr_free);
	ASSERT_EQ(0, ga_free(v, b + PAGE, 1));	/* a hole inside b */
	ASSERT_EQ(2, g.nr_free);
	ASSERT_EQ(0, ga_free(v, b, 1));
	ASSERT_EQ(0, ga_free(v, b + 2 * PAGE, 1));
	ASSERT_EQ(2, g.nr_free);
	ASSERT_EQ(0, ga_free(v, c, 2));
	ASSERT_EQ(1, g.nr_free);
	ASSERT_EQ(0, ga_free(v, d, 1));
	ASSERT_EQ(1, g.nr_free);
	ASSERT_EQ(MEM_START / PAGE, g.free[0].start);
	ASSERT_EQ((MEM_START + 8 * MiB) / PAGE, g.free[0].end);
	ASSERT_EQ(7, g.stat.alloc_pages);
	ASSERT_EQ(7, g.stat.free_pages);
	/* eager: allocation never accepts */
	ASSERT_EQ(0, g.stat.lazy_accepts);
}

UNIT_TEST(free_rejects_what_is_not_allocated)
{
	u64 a;

	setup(8 * MiB, GA_POLICY_EAGER);
	ASSERT_EQ(0, ga_alloc(v, 4, &a));
	ASSERT_EQ(0, ga_free(v, a, 2));
	ASSERT_EQ(-GA_EINVAL, ga_free(v, a, 1));		/* double */
	ASSERT_EQ(-GA_EINVAL, ga_free(v, a + PAGE, 2));	/* overlaps */
	ASSERT_EQ(-GA_EINVAL, ga_free(v, a + 3 * PAGE, 2));
	ASSERT_EQ(-GA_EINVAL, ga_free(v, a + 2 * PAGE + 8, 1));
	ASSERT_EQ(-GA_EINVAL, ga_free(v, a + 2 * PAGE, 0));
	ASSERT_EQ(-GA_EINVAL, ga_free(v, MEM_START - PAGE, 1));
	ASSERT_EQ(-GA_EINVAL, ga_free(v, MEM_START + 8 * MiB, 1));
	ASSERT_EQ(-GA_EINVAL, ga_free(v, a + 2 * PAGE, ~0ULL));
	ASSERT_EQ(0, ga_free(v, a + 2 * PAGE, 2));
	ASSERT_EQ(1, g.nr_free);
	ASSERT_EQ(4, g.stat.free_pages);
}

UNIT_TEST(alloc_enomem_and_reserve)
{
	u64 a;

	setup(8 * MiB, GA_POLICY_EAGER);
	ASSERT_EQ(0, ga_guest_reserve(&g, MEM_START, PAGE));
	ASSERT_EQ(-GA_EINVAL, ga_guest_reserve(&g, MEM_START, PAGE));
	ASSERT_EQ(-GA_EINVAL, ga_guest_reserve(&g, MEM_START - PAGE, PAGE));
	ASSERT_EQ(-GA_EINVAL, ga_alloc(v, 0, &a));
	ASSERT_EQ(-GA_ENOMEM, ga_alloc(v, 8 * MiB / PAGE, &a));
	ASSERT_EQ(0, ga_alloc(v, 8 * MiB / PAGE - 1, &a));
	ASSERT_EQ(MEM_START + PAGE, a);
	ASSERT_EQ(0, g.nr_free);
	ASSERT_EQ(-GA_ENOMEM, ga_alloc(v, 1, &a));
	ASSERT_EQ(-GA_EINVAL, ga_free(v, MEM_START + PAGE, 8 * MiB / PAGE));
	ASSERT_EQ(0, ga_free(v, MEM_START + 5 * PAGE, 1));
	ASSERT_EQ(0, ga_alloc(v, 1, &a));
	ASSERT_EQ(MEM_START + 5 * PAGE, a);
}

UNIT_TEST(lazy_alloc_accepts_with_the_guard_unit)
{
	u64 a, b;

	setup(8 * MiB, GA_POLICY_LAZY);
	ASSERT_EQ(0, ga_alloc(v, 512, &a));
	ASSERT_EQ(MEM_START, a);
	/* ends on a unit boundary: unit 1 is accepted as a guard */
	ASSERT_EQ(2, g.stat.lazy_accepts);
	ASSERT_TRUE(accepted(CH(0)) && accepted(CH(1)) && !accepted(CH(2)));
	ASSERT_EQ(0, ga_alloc(v, 1, &b));
	ASSERT_EQ(CH(1), b);
	ASSERT_EQ(2, g.stat.lazy_accepts);
	/* the rest of memory: up to the end, no guard past it */
	ASSERT_EQ(0, ga_alloc(v, 3 * 512 - 1, &b));
	ASSERT_EQ(4, g.stat.lazy_accepts);
	ASSERT_EQ(0, g.bm.nr_unaccepted);
	ASSERT_EQ(0, g.stat.exception_accepts);
	ASSERT_EQ(8 * MiB / PAGE, count_valid(MEM_START, 8 * MiB));
}

UNIT_TEST(hybrid_alloc_accepts_past_the_eager_part)
{
	u64 a;

	setup(8 * MiB, GA_POLICY_HYBRID);
	g.eager_bytes = CHUNK;
	ASSERT_EQ(0, ga_guest_boot(v));
	ASSERT_EQ(0, ga_alloc(v, 256, &a));
	ASSERT_EQ(0, g.stat.lazy_accepts);
	ASSERT_EQ(0, ga_alloc(v, 512, &a));
	ASSERT_EQ(MEM_START + MiB, a);
	ASSERT_EQ(1, g.stat.lazy_accepts);
	ASSERT_TRUE(accepted(CH(1)) && !accepted(CH(2)));
}

UNIT_TEST(failed_alloc_gives_the_pages_back)
{
	u64 a = 0;

	setup(8 * MiB, GA_POLICY_LAZY);
	fk.psc_error = PSC_ERR_GENERIC;
	ASSERT_EQ(-GA_EFATAL, ga_alloc(v, 2, &a));
	ASSERT_EQ(1, g.nr_free);
	ASSERT_EQ(MEM_START / PAGE, g.free[0].start);
	ASSERT_EQ(0, g.stat.alloc_pages);
	ASSERT_EQ(-GA_EFATAL, ga_alloc(v, 2, &a));
}

/* ---- stop, in flight, concurrency --------------------------------------------- */

UNIT_TEST(estop_keeps_the_completed_runs)
{
	setup(16 * MiB, GA_POLICY_LAZY);
	ASSERT_EQ(0, ga_accept(v, CH(1), CHUNK, true));
	/* runs [0, 1) and [2, 4); the environment stops the second one */
	fk.estop_gpa = CH(2);
	ASSERT_EQ(-GA_ESTOP, ga_accept(v, CH(0), 4 * CHUNK, true));
	ASSERT_TRUE(accepted(CH(0)) && accepted(CH(1)));
	ASSERT_TRUE(!accepted(CH(2)) && !accepted(CH(3)));
	ASSERT_EQ(2, g.stat.lazy_accepts);
	ASSERT_EQ(0, g.bm.nr_inflight);
	ASSERT_EQ(0, g.terminated);
	/* nothing of [2, 4) was validated: a later accept finishes it */
	fk.estop_gpa = 0;
	ASSERT_EQ(0, ga_accept(v, CH(0), 4 * CHUNK, true));
	ASSERT_EQ(4, g.stat.lazy_accepts);
	ASSERT_EQ(0, fk.no_change);
}

UNIT_TEST(estop_mid_run_is_never_silent)
{
	setup(16 * MiB, GA_POLICY_LAZY);
	fk.estop_gpa = CH(3);
	ASSERT_EQ(-GA_ESTOP, ga_accept(v, CH(2), 2 * CHUNK, true));
	ASSERT_TRUE(!accepted(CH(2)) && !accepted(CH(3)));
	/* CH(2) was validated but not published: a retry is caught */
	fk.estop_gpa = 0;
	ASSERT_EQ(-GA_EFATAL, ga_accept(v, CH(2), 2 * CHUNK, true));
	ASSERT_FATAL(v, GA_SEC_DOUBLE_ACCEPT, CH(2), 0);
}

struct job {
	struct ga_vcpu *v;
	u64 gpa, size;
	int ret;
	u64 rng;
	u32 iters;
};

static void *accept_job(void *arg)
{
	struct job *j = arg;

	j->ret = ga_accept(j->v, j->gpa, j->size, true);
	return NULL;
}

static void *after_hold_job(void *arg)
{
	pthread_mutex_lock(&fk.hmu);
	while (!fk.holding)
		pthread_cond_wait(&fk.hcond, &fk.hmu);
	pthread_mutex_unlock(&fk.hmu);
	return accept_job(arg);
}

UNIT_TEST(inflight_units_are_waited_for)
{
	struct job a = { .v = &cpu[0], .gpa = CH(0), .size = 4 * CHUNK };
	struct job b = { .v = &cpu[1], .gpa = CH(2), .size = 4 * CHUNK };
	pthread_t ta, tb;
	int i;

	setup(16 * MiB, GA_POLICY_LAZY);
	/* A stops in its first PVALIDATE until B has waited for it. */
	fk.hold_gpa = CH(0);
	ASSERT_EQ(0, pthread_create(&ta, NULL, accept_job, &a));
	ASSERT_EQ(0, pthread_create(&tb, NULL, after_hold_job, &b));
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	ASSERT_EQ(0, fk.hold_timeout);
	ASSERT_EQ(0, a.ret);
	ASSERT_EQ(0, b.ret);
	ASSERT_EQ(1, g.stat.inflight_waits);
	ASSERT_EQ(6, g.stat.lazy_accepts);
	ASSERT_TRUE(traced(GA_TR_ACCEPT_LAZY, CH(0), 4 * CHUNK, 0));
	ASSERT_TRUE(traced(GA_TR_ACCEPT_LAZY, CH(4), 2 * CHUNK, 0));
	for (i = 0; i < 6; i++)
		ASSERT_EQ(1, fk.unit_accepts[i]);
	ASSERT_EQ(0, fk.unit_accepts[6]);
	ASSERT_EQ(6, g.stat.accept_calls);
	ASSERT_EQ(0, fk.no_change);
	ASSERT_EQ(0, g.bm.nr_inflight);
}

UNIT_TEST(waiter_stopped_by_the_environment)
{
	struct job a = { .v = &cpu[0], .gpa = CH(0), .size = 2 * CHUNK };
	struct job b = { .v = &cpu[1], .gpa = CH(1), .size = CHUNK };
	pthread_t ta, tb;

	setup(16 * MiB, GA_POLICY_LAZY);
	fk.hold_gpa = CH(0);
	fk.wait_ret = -GA_ESTOP;
	ASSERT_EQ(0, pthread_create(&ta, NULL, accept_job, &a));
	ASSERT_EQ(0, pthread_create(&tb, NULL, after_hold_job, &b));
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	ASSERT_EQ(0, fk.hold_timeout);
	ASSERT_EQ(0, a.ret);
	ASSERT_EQ(-GA_ESTOP, b.ret);
	ASSERT_EQ(2, g.stat.lazy_accepts);
	ASSERT_EQ(0, g.bm.nr_inflight);
}

static u64 job_rnd(struct job *j)
{
	j->rng ^= j->rng >> 12;
	j->rng ^= j->rng << 25;
	j->rng ^= j->rng >> 27;
	return j->rng * 0x2545f4914f6cdd1dULL;
}

static void *stress_job(void *arg)
{
	struct job *j = arg;
	u64 units = (g.mem_end - g.mem_start) >> g.bm.unit_shift;
	u64 unit = 1ULL << g.bm.unit_shift, s, n;
	u32 i;

	for (i = 0; i < j->iters && !j->ret; i++) {
		s = job_rnd(j) % units;
		n = job_rnd(j) % 24 + 1;
		/* unaligned byte ranges: the core rounds them to units */
		j->ret = ga_accept(j->v, MEM_START + s * unit + job_rnd(j) % unit,
				   n * unit - job_rnd(j) % unit, true);
	}
	if (!j->ret)
		j->ret = ga_accept(j->v, g.mem_start, g.mem_end - g.mem_start,
				   true);
	return NULL;
}

static void stress(u64 size, u32 shift)
{
	struct job jobs[MAX_CPUS];
	pthread_t t[MAX_CPUS];
	u64 nr = size >> shift, i;
	int k;

	setup_shift(size, shift, GA_POLICY_LAZY);
	fk.yield = true;
	for (k = 0; k < MAX_CPUS; k++) {
		jobs[k] = (struct job){ .v = &cpu[k], .iters = 300 };
		jobs[k].rng = (seed + 0x9e3779b97f4a7c15ULL * (k + 1)) | 1;
		ASSERT_EQ(0, pthread_create(&t[k], NULL, stress_job, &jobs[k]));
	}
	for (k = 0; k < MAX_CPUS; k++)
		pthread_join(t[k], NULL);
	printf("# %llu units of 2^%u: %llu waits for in-flight units\n",
	       (unsigned long long)nr, shift,
	       (unsigned long long)g.stat.inflight_waits);
	for (k = 0; k < MAX_CPUS; k++)
		if (jobs[k].ret)
			UNIT_FAIL("vCPU %d: error %d, event %u at 0x%llx (0x%llx)",
				  k, jobs[k].ret, cpu[k].event.reason,
				  (unsigned long long)cpu[k].event.gpa,
				  (unsigned long long)cpu[k].event.detail);
	ASSERT_EQ(0, fk.no_change);
	ASSERT_EQ(nr, g.stat.lazy_accepts);
	ASSERT_EQ(size, g.stat.accepted_bytes);
	ASSERT_EQ(0, g.bm.nr_unaccepted);
	ASSERT_EQ(0, g.bm.nr_inflight);
	for (i = 0; i < nr; i++)
		if (fk.unit_accepts[i] != 1)
			UNIT_FAIL("unit %llu accepted %u times",
				  (unsigned long long)i, fk.unit_accepts[i]);
	for (i = MEM_START / PAGE; i < (MEM_START + size) / PAGE; i++)
		if (fk.page[i].validations != 1 || !fk.page[i].validated)
			UNIT_FAIL("page 0x%llx validated %u times",
				  (unsigned long long)i * PAGE,
				  fk.page[i].validations);
}

UNIT_TEST(concurrent_overlapping_accepts_2m_units)
{
	stress(256 * MiB, 21);
}

UNIT_TEST(concurrent_overlapping_accepts_4k_units)
{
	stress(8 * MiB, 12);
}

int main(void)
{
	const char *env = getenv("GA_TEST_SEED");
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	seed = env ? strtoull(env, NULL, 0) :
	       (u64)time(NULL) ^ ((u64)getpid() << 32);
	printf("# seed %llu (GA_TEST_SEED=%llu repeats this run)\n",
	       (unsigned long long)seed, (unsigned long long)seed);
	ret = unit_main();
	fake_reset();
	free(bm_mem);
	return ret;
}
