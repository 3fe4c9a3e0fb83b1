// SPDX-License-Identifier: GPL-2.0
/*
 * test_ga_tdx.c - the guest core on its TDX platform, against a fake TDX
 * module and host.
 *
 * The fake module keeps, per 4 KiB page, the Secure-EPT state of the
 * private page (FREE, PENDING, MAPPED, BLOCKED, PENDING_BLOCKED), whether
 * the host maps the shared alias, and the contents; per 2 MiB chunk, how
 * the Secure-EPT maps it (nothing yet, a table of 4 KiB entries, or one
 * 2 MiB leaf) and the counter of a 2 MiB ACCEPT in progress.
 *
 * TDG.MEM.PAGE.ACCEPT zeroes a PENDING page and maps it; it answers
 * PAGE_ALREADY_ACCEPTED on a mapped one, PAGE_SIZE_MISMATCH for 2 MiB over
 * a table, and may be interrupted in the middle of 2 MiB. On a FREE or
 * blocked entry (or a PENDING 2 MiB leaf under a 4 KiB request) it exits to
 * the host, which adds (AUG), unblocks or splits, and the instruction runs
 * again inside ops->insn, unseen by the guest, as on the hardware. A
 * private access to a PENDING page raises #VE, unless the TD has
 * SEPT_VE_DISABLE: then it exits to the host, which cannot accept for the
 * guest and stops the vCPU. The host never gives a private page to a GPA
 * it maps shared (no implicit conversions) unless told to.
 *
 * The fake host serves MapGPA from the registers and can be told to work
 * in chunks, stall, lie about where to resume, fail, or answer success
 * without doing anything; and to BLOCK, TRACK, REMOVE and AUG a page behind
 * the guest's back.
 *
 * The guest lock is a pthread mutex, ops->wait a condition variable.
 */
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"
#include "../../guest/ga.h"
#include "../../platform/tdx/tdx_abi.h"

#define KiB		1024ULL
#define MiB		(1024 * KiB)
#define GiB		(1024 * MiB)
#define PAGE		(4 * KiB)
#define CHUNK		(2 * MiB)

#define MEM_START	(16 * MiB)		/* 2 MiB aligned */
#define MAX_MEM		GiB
#define FAKE_PAGES	((MEM_START + MAX_MEM) / PAGE)
#define FAKE_CHUNKS	(FAKE_PAGES / 512)
#define MAX_CPUS	4

#define VE		GA_EXC_NOT_ACCEPTED
#define JUNK		0xa5	/* an added page before ACCEPT zeroes it */

#define PG(n)		(MEM_START + (u64)(n) * PAGE)
#define CH(n)		(MEM_START + (u64)(n) * CHUNK)

/* Secure-EPT state of a private 4 KiB page. */
enum sept { FREE, PENDING, MAPPED, BLOCKED, PENDING_BLOCKED };

static const char *const sept_name[] = {
	"FREE", "PENDING", "MAPPED", "BLOCKED", "PENDING_BLOCKED",
};

/* How the Secure-EPT maps a 2 MiB chunk. */
enum level { L_NONE, L_4K, L_2M };

/* Host lies in a MapGPA RETRY (fk.map_evil, at call fk.evil_at). */
enum evil {
	EVIL_NONE,
	EVIL_PAST_END,		/* resume at the end of the request */
	EVIL_BEFORE_START,	/* a page before the request */
	EVIL_BACK,		/* where the previous call started */
	EVIL_NO_BIT,		/* the right page, without the shared bit */
	EVIL_UNALIGNED,		/* inside the request, not a page */
};

struct fake_page {
	u8 sept;
	u8 shared;		/* the host maps the shared alias */
	u8 junk;		/* added, not zeroed yet: reads as JUNK */
	u8 tracked;		/* blocked, and TRACK has run since */
	u16 accepts;		/* ACCEPTs that zeroed it */
};

struct fake_trace {
	int event;
	u64 gpa, size, detail;
};

#define MAX_TRACE	256

static struct fake {
	pthread_mutex_t mu;		/* the fake's own state */
	struct fake_page page[FAKE_PAGES];
	u8 level[FAKE_CHUNKS];
	u16 counter[FAKE_CHUNKS];	/* 4 KiB pages of a 2 MiB ACCEPT done */
	bool backing_4k[FAKE_CHUNKS];	/* the host adds 4 KiB pages only */
	u8 *data[FAKE_PAGES];		/* private contents, NULL = zero */
	u8 *sdata[FAKE_PAGES];		/* shared contents */
	u32 gpaw;
	u64 attr;

	/* module behaviour */
	u64 inject_gpa;			/* ACCEPT there answers inject_status */
	u64 inject_status;
	u32 inject_left;		/* that many times (~0: always) */
	u32 busy_every;			/* every Nth ACCEPT is busy once */
	u32 interrupt_every;		/* 2 MiB ACCEPT: pages per issue */
	bool interrupt_stuck;		/* interrupted with no progress */
	bool aug_shared;		/* the host adds pages it maps shared */

	/* host MapGPA behaviour */
	u32 map_chunk;			/* pages per call, 0 = all */
	u32 map_stall;			/* calls answered RETRY, no work */
	u64 map_error;			/* R10 to fail with */
	bool map_lazy;			/* SUCCESS without doing anything */
	enum evil map_evil;
	u32 evil_at;			/* MapGPA call number (1-based) */
	u64 prev_start;			/* R12 of the previous MapGPA */
	u64 last_map[4];		/* R10-R13 of the last MapGPA */
	u64 fatal[4];			/* R10-R13 of ReportFatalError */

	/* guest-side hooks */
	u64 stop_gpa;			/* ACCEPT returns stop_ret there */
	int stop_ret;
	bool yield;			/* sched_yield in ACCEPT (stress) */
	u64 hold_gpa;			/* ACCEPT waits there for a waiter */
	u64 hold_ve_gpa;		/* a #VE there waits for a release */

	/* counts */
	u64 ops, accept_insns, map_calls, exits, demotes, interrupts;
	u64 ve, already, busy, removed, removed_dirty, releases;
	u32 bad_access;

	/* guest lock and wait */
	pthread_mutex_t glock;
	pthread_cond_t gcond;
	int wait_ret;

	/* handshakes for the in-flight tests */
	pthread_mutex_t hmu;
	pthread_cond_t hcond;
	u64 waits;			/* vCPUs that waited in ops->wait */
	u64 ve_seen;			/* the #VE at hold_ve_gpa was raised */
	bool holding;
	bool hold_timeout;

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

/* ---- the fake module: pages and contents ------------------------------- */

static struct fake_page *pg(u64 gpa)
{
	return &fk.page[gpa / PAGE];
}

static u64 chunk_of(u64 gpa)
{
	return gpa / CHUNK;
}

static struct fake_page *chunk_pages(u64 c)
{
	return &fk.page[c * 512];
}

static void zero_page(u64 pfn)
{
	free(fk.data[pfn]);
	fk.data[pfn] = NULL;
	fk.page[pfn].junk = 0;
}

/* Private contents: what the TD sees through its private mapping. */
static void copy_private(u64 gpa, void *buf, u32 len, bool write)
{
	u8 **d = &fk.data[gpa / PAGE];
	struct fake_page *p = pg(gpa);

	if (write) {
		if (!*d) {
			*d = malloc(PAGE);
			memset(*d, p->junk ? JUNK : 0, PAGE);
		}
		p->junk = 0;
		memcpy(*d + (gpa & (PAGE - 1)), buf, len);
	} else if (*d) {
		memcpy(buf, *d + (gpa & (PAGE - 1)), len);
	} else {
		memset(buf, p->junk ? JUNK : 0, len);
	}
}

static void copy_shared(u64 gpa, void *buf, u32 len, bool write)
{
	u8 **d = &fk.sdata[gpa / PAGE];

	if (write) {
		if (!*d)
			*d = calloc(1, PAGE);
		memcpy(*d + (gpa & (PAGE - 1)), buf, len);
	} else if (*d) {
		memcpy(buf, *d + (gpa & (PAGE - 1)), len);
	} else {
		memset(buf, 0, len);
	}
}

static bool page_dirty(u64 pfn)
{
	u32 i;

	if (!fk.data[pfn])
		return false;
	for (i = 0; i < PAGE; i++)
		if (fk.data[pfn][i])
			return true;
	return false;
}

static void set_chunk(u64 c, u8 sept)
{
	u32 i;

	for (i = 0; i < 512; i++)
		chunk_pages(c)[i].sept = sept;
}

/* ---- the fake host: SEAMCALLs (context: fk.mu held) ----------------------- */

/* A 2 MiB leaf becomes a table of 512 entries in the same state. */
static void host_demote_locked(u64 c)
{
	if (fk.level[c] == L_2M) {
		fk.level[c] = L_4K;
		fk.demotes++;
	}
}

static u64 host_aug_locked(u64 gpa)
{
	struct fake_page *p = pg(gpa);

	host_demote_locked(chunk_of(gpa));
	if (p->sept != FREE)
		return TDX_EPT_ENTRY_NOT_FREE;
	fk.level[chunk_of(gpa)] = L_4K;
	p->sept = PENDING;
	zero_page(gpa / PAGE);
	p->junk = 1;
	return TDX_SUCCESS;
}

/* AUG of a whole chunk as one 2 MiB leaf, where the host may. */
static bool host_aug_2m_locked(u64 c)
{
	struct fake_page *p = chunk_pages(c);
	u32 i;

	if (fk.level[c] != L_NONE || fk.backing_4k[c])
		return false;
	for (i = 0; i < 512; i++)
		if (p[i].shared && !fk.aug_shared)
			return false;
	fk.level[c] = L_2M;
	fk.counter[c] = 0;
	set_chunk(c, PENDING);
	for (i = 0; i < 512; i++) {
		zero_page(c * 512 + i);
		p[i].junk = 1;
	}
	return true;
}

static u64 host_block_locked(u64 gpa)
{
	struct fake_page *p = pg(gpa);

	host_demote_locked(chunk_of(gpa));
	switch (p->sept) {
	case MAPPED:
		p->sept = BLOCKED;
		break;
	case PENDING:
		p->sept = PENDING_BLOCKED;
		break;
	case BLOCKED:
	case PENDING_BLOCKED:
		return TDX_GPA_RANGE_ALREADY_BLOCKED;
	default:
		return TDX_EPT_ENTRY_STATE_INCORRECT;
	}
	p->tracked = 0;
	return TDX_SUCCESS;
}

static u64 host_unblock_locked(u64 gpa)
{
	struct fake_page *p = pg(gpa);

	if (p->sept == BLOCKED)
		p->sept = MAPPED;
	else if (p->sept == PENDING_BLOCKED)
		p->sept = PENDING;
	else
		return TDX_GPA_RANGE_NOT_BLOCKED;
	return TDX_SUCCESS;
}

static void host_track_locked(void)
{
	u64 i;

	for (i = 0; i < FAKE_PAGES; i++)
		if (fk.page[i].sept == BLOCKED ||
		    fk.page[i].sept == PENDING_BLOCKED)
			fk.page[i].tracked = 1;
}

/* The page leaves the TD; remember whether it still held guest data. */
static u64 host_remove_locked(u64 gpa)
{
	struct fake_page *p = pg(gpa);

	if (p->sept != BLOCKED && p->sept != PENDING_BLOCKED)
		return TDX_GPA_RANGE_NOT_BLOCKED;
	if (!p->tracked)
		return TDX_TLB_TRACKING_NOT_DONE;
	fk.removed++;
	fk.removed_dirty += page_dirty(gpa / PAGE);
	zero_page(gpa / PAGE);
	p->sept = FREE;
	p->tracked = 0;
	return TDX_SUCCESS;
}

/* BLOCK, TRACK, REMOVE: how an honest host takes a private page back. */
static void host_take_back_locked(u64 gpa)
{
	if (pg(gpa)->sept == FREE)
		return;
	host_block_locked(gpa);
	host_track_locked();
	host_remove_locked(gpa);
}

/*
 * The host's answer to an EPT violation at @gpa: unblock a blocked entry,
 * split a PENDING 2 MiB leaf under a 4 KiB ACCEPT, or add the missing page
 * (a whole 2 MiB leaf for @want_2m where it can). A GPA it maps shared
 * gets no private page: that is a memory fault for the VMM, which stops
 * the vCPU.
 */
static int host_fix(u64 gpa, bool want_2m)
{
	struct fake_page *p = pg(gpa);
	u64 c = chunk_of(gpa);

	fk.exits++;
	if (p->sept == BLOCKED || p->sept == PENDING_BLOCKED) {
		if (fk.level[c] == L_2M)
			host_demote_locked(c);
		host_unblock_locked(gpa);
		return 0;
	}
	if (fk.level[c] == L_2M && p->sept == PENDING) {
		host_demote_locked(c);
		return 0;
	}
	if (p->sept != FREE)
		return -GA_EINVAL;	/* nothing to fix: a fake bug */
	if (want_2m && host_aug_2m_locked(c))
		return 0;
	if (p->shared && !fk.aug_shared)
		return -GA_ESTOP;
	host_aug_locked(gpa);
	return 0;
}

/* ---- the fake module: TDG.MEM.PAGE.ACCEPT --------------------------------- */

static void accept_page(u64 pfn)
{
	zero_page(pfn);
	fk.page[pfn].accepts++;
}

/* A 2 MiB leaf, PENDING: zero from the counter on, maybe interrupted. */
static u64 accept_2m(u64 c)
{
	u32 n = 0;

	if (fk.interrupt_stuck)
		return TDX_INTERRUPTED_RESUMABLE;
	while (fk.counter[c] < 512) {
		accept_page(c * 512 + fk.counter[c]++);
		if (fk.counter[c] < 512 && ++n == fk.interrupt_every) {
			fk.interrupts++;
			return TDX_INTERRUPTED_RESUMABLE;
		}
	}
	fk.counter[c] = 0;
	set_chunk(c, MAPPED);
	return TDX_SUCCESS;
}

static u64 accept_4k(u64 gpa)
{
	if (fk.interrupt_stuck)
		return TDX_INTERRUPTED_RESUMABLE;
	accept_page(gpa / PAGE);
	pg(gpa)->sept = MAPPED;
	return TDX_SUCCESS;
}

/* One execution; *@exit when it leaves to the host instead of returning. */
static u64 module_accept(u64 gpa, bool huge, bool *exit)
{
	u64 c = chunk_of(gpa), lvl = huge ? TDX_LEVEL_2M : TDX_LEVEL_4K;
	struct fake_page *p = pg(gpa);

	*exit = false;
	if ((gpa & ((huge ? CHUNK : PAGE) - 1)) || gpa < MEM_START ||
	    gpa >= FAKE_PAGES * PAGE)
		return TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX;
	/* The walk stops at a 2 MiB leaf above a 4 KiB request. */
	if (!huge && fk.level[c] == L_2M) {
		if (p->sept == MAPPED)
			return TDX_PAGE_ALREADY_ACCEPTED | TDX_LEVEL_2M;
		*exit = true;
		return 0;
	}
	if (huge && fk.level[c] == L_4K)
		return TDX_PAGE_SIZE_MISMATCH | TDX_LEVEL_2M;
	if (fk.level[c] == L_NONE) {
		*exit = true;
		return 0;
	}
	switch (p->sept) {
	case MAPPED:
		return TDX_PAGE_ALREADY_ACCEPTED | lvl;
	case PENDING:
		return huge ? accept_2m(c) : accept_4k(gpa);
	default:
		*exit = true;
		return 0;
	}
}

/* What the module answers before it looks at the entry, if anything. */
static bool module_injected(u64 gpa, u64 *status)
{
	if (fk.inject_left && gpa == fk.inject_gpa) {
		if (fk.inject_left != ~0U)
			fk.inject_left--;
		*status = fk.inject_status;
		return true;
	}
	if (fk.busy_every && !(fk.accept_insns % fk.busy_every)) {
		fk.busy++;
		*status = TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX;
		return true;
	}
	return false;
}

/*
 * Stop this vCPU until another one has waited for its units. The time limit
 * is not a sleep: it only turns a core that never waits into a failure
 * instead of a hang.
 */
static void hold_until(const u64 *what)
{
	struct timespec limit;

	clock_gettime(CLOCK_REALTIME, &limit);
	limit.tv_sec += 30;
	pthread_mutex_lock(&fk.hmu);
	fk.holding = true;
	pthread_cond_broadcast(&fk.hcond);
	while (!*what && !fk.hold_timeout)
		fk.hold_timeout = pthread_cond_timedwait(&fk.hcond, &fk.hmu,
							 &limit) != 0;
	pthread_mutex_unlock(&fk.hmu);
}

static int op_insn(void *priv, struct ga_insn *in)
{
	bool exit;
	int rc = 0, tries;

	(void)priv;
	if (in->op != GA_INSN_TDG_ACCEPT || in->rcx > TDX_LEVEL_2M)
		return -GA_EINVAL;
	if (fk.yield)
		sched_yield();
	if (fk.hold_gpa && in->gpa == fk.hold_gpa)
		hold_until(&fk.waits);
	if (fk.hold_ve_gpa && chunk_of(in->gpa) == chunk_of(fk.hold_ve_gpa))
		hold_until(&fk.ve_seen);
	pthread_mutex_lock(&fk.mu);
	fk.ops++;
	fk.accept_insns++;
	if (fk.stop_gpa && in->gpa == fk.stop_gpa) {
		rc = fk.stop_ret;
	} else if (!module_injected(in->gpa, &in->rax)) {
		/* Exits are served by the host; the TDCALL runs again. */
		for (tries = 0; ; tries++) {
			in->rax = module_accept(in->gpa, in->rcx, &exit);
			if (!exit)
				break;
			rc = tries < 3 ? host_fix(in->gpa, in->rcx) : -GA_EINVAL;
			if (rc)
				break;
		}
	}
	if (TDX_STATUS(in->rax) == TDX_PAGE_ALREADY_ACCEPTED)
		fk.already++;
	pthread_mutex_unlock(&fk.mu);
	return rc;
}

/* ---- guest accesses ---------------------------------------------------------- */

/* A #VE at fk.hold_ve_gpa waits until some vCPU has published units. */
static void ve_hold(u64 gpa)
{
	if (!fk.hold_ve_gpa || gpa / PAGE != fk.hold_ve_gpa / PAGE)
		return;
	pthread_mutex_lock(&fk.hmu);
	fk.ve_seen = 1;
	pthread_cond_broadcast(&fk.hcond);
	pthread_mutex_unlock(&fk.hmu);
	hold_until(&fk.releases);
}

static int private_access(u64 gpa, void *buf, u32 len, bool write)
{
	struct fake_page *p = pg(gpa);
	int tries, rc;

	for (tries = 0; tries < 3; tries++) {
		switch (p->sept) {
		case MAPPED:
			copy_private(gpa, buf, len, write);
			return 0;
		case PENDING:
			if (fk.attr & TDX_TD_ATTR_SEPT_VE_DISABLE) {
				/* The host gets the EPT violation; it cannot
				 * accept for the guest.
				 */
				fk.exits++;
				return -GA_ESTOP;
			}
			fk.ve++;
			return VE;
		default:
			rc = host_fix(gpa, true);
			if (rc)
				return rc;
		}
	}
	return -GA_EINVAL;
}

static int op_access(u64 gpa, void *buf, u32 len, bool shared, bool write)
{
	int rc;

	pthread_mutex_lock(&fk.mu);
	fk.ops++;
	if (!len || (gpa & (PAGE - 1)) + len > PAGE) {
		fk.bad_access++;	/* the core must split at pages */
		rc = -GA_EINVAL;
	} else if (gpa < MEM_START || gpa >= FAKE_PAGES * PAGE) {
		rc = -GA_ERANGE;
	} else if (shared) {
		/* the fake is strict: a shared access to a private GPA */
		rc = pg(gpa)->shared ? 0 : -GA_EINVAL;
		if (!rc)
			copy_shared(gpa, buf, len, write);
	} else {
		rc = private_access(gpa, buf, len, write);
	}
	pthread_mutex_unlock(&fk.mu);
	if (rc == VE)
		ve_hold(gpa);
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

/* ---- the fake host: TDG.VP.VMCALL -------------------------------------------- */

/* Private to shared: the host takes the private page back first. */
static void host_map_page(u64 gpa, bool shared)
{
	struct fake_page *p = pg(gpa);
	u64 c = chunk_of(gpa);
	u32 i;

	if (p->shared == shared)
		return;
	if (shared) {
		host_take_back_locked(gpa);
		for (i = 0; i < 512 && chunk_pages(c)[i].sept == FREE; i++)
			;
		if (i == 512)
			fk.level[c] = L_NONE;	/* the table goes too */
	} else {
		free(fk.sdata[gpa / PAGE]);
		fk.sdata[gpa / PAGE] = NULL;
	}
	p->shared = shared;
}

/* What a lying host names as the place to resume (fk.map_evil). */
static u64 evil_resume(u64 start, u64 end, u64 done, u64 bit)
{
	switch (fk.map_evil) {
	case EVIL_PAST_END:
		return end;
	case EVIL_BEFORE_START:
		return start - PAGE;
	case EVIL_BACK:
		return fk.prev_start;
	case EVIL_NO_BIT:
		return done & ~bit;
	case EVIL_UNALIGNED:
		return done + 8;
	default:
		return done;
	}
}

static void fake_map_gpa(struct ga_hcall *hc)
{
	u64 start = hc->r[TDX_HC_R12], size = hc->r[TDX_HC_R13];
	u64 bit = TDX_SHARED_BIT(fk.gpaw), end = start + size;
	u64 cur = start, budget = fk.map_chunk ? fk.map_chunk : ~0ULL;
	bool shared = start & bit;

	fk.map_calls++;
	memcpy(fk.last_map, hc->r, sizeof(fk.last_map));
	hc->r[TDX_HC_R11] = 0;
	if (!size || ((start | size) & (PAGE - 1))) {
		hc->r[TDX_HC_R10] = TDVMCALL_STATUS_ALIGN_ERROR;
	} else if ((start & ~bit) < MEM_START || end < start ||
		   ((end - 1) & ~bit) >= FAKE_PAGES * PAGE ||
		   ((end - 1) & bit) != (start & bit)) {
		hc->r[TDX_HC_R10] = TDVMCALL_STATUS_INVALID_OPERAND;
	} else if (fk.map_error) {
		hc->r[TDX_HC_R10] = fk.map_error;
	} else if (fk.map_stall) {
		fk.map_stall--;
		hc->r[TDX_HC_R10] = TDVMCALL_STATUS_RETRY;
		hc->r[TDX_HC_R11] = start;
	} else if (fk.map_lazy) {
		hc->r[TDX_HC_R10] = TDVMCALL_STATUS_SUCCESS;
	} else {
		for (; cur < end && budget; cur += PAGE, budget--)
			host_map_page(cur & ~bit, shared);
		hc->r[TDX_HC_R10] = cur == end ? TDVMCALL_STATUS_SUCCESS :
				    TDVMCALL_STATUS_RETRY;
		hc->r[TDX_HC_R11] = cur == end ? 0 : cur;
		if (fk.map_evil && fk.map_calls == fk.evil_at) {
			hc->r[TDX_HC_R10] = TDVMCALL_STATUS_RETRY;
			hc->r[TDX_HC_R11] = evil_resume(start, end, cur, bit);
		}
	}
	fk.prev_start = start;
}

static int op_hypercall(void *priv, struct ga_hcall *hc)
{
	int rc = 0;

	(void)priv;
	pthread_mutex_lock(&fk.mu);
	fk.ops++;
	if (hc->r[TDX_HC_R10] != TDVMCALL_STANDARD) {
		hc->r[TDX_HC_R10] = TDVMCALL_STATUS_INVALID_OPERAND;
	} else if (hc->r[TDX_HC_R11] == TDVMCALL_MAP_GPA) {
		fake_map_gpa(hc);
	} else if (hc->r[TDX_HC_R11] == TDVMCALL_REPORT_FATAL_ERROR) {
		memcpy(fk.fatal, hc->r, sizeof(fk.fatal));
		rc = -GA_ESTOP;		/* the VMM stops the TD */
	} else {
		hc->r[TDX_HC_R10] = TDVMCALL_STATUS_SUBFUNC_UNSUPPORTED;
	}
	pthread_mutex_unlock(&fk.mu);
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

/* The core calls it after it published accepted units (or gave up). */
static void op_wake_all(void *gpriv)
{
	(void)gpriv;
	pthread_cond_broadcast(&fk.gcond);
	pthread_mutex_lock(&fk.hmu);
	fk.releases++;
	pthread_cond_broadcast(&fk.hcond);
	pthread_mutex_unlock(&fk.hmu);
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
		free(fk.sdata[i]);
	}
	free(fk.unit_accepts);
	/* Nothing is added to the TD yet: every entry is FREE. */
	memset(&fk, 0, sizeof(fk));
	fk.mu = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
	fk.glock = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
	fk.gcond = (pthread_cond_t)PTHREAD_COND_INITIALIZER;
	fk.hmu = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
	fk.hcond = (pthread_cond_t)PTHREAD_COND_INITIALIZER;
}

/*
 * A TD of @size bytes at MEM_START with 2^@shift units, @policy, GPA width
 * @gpaw and attributes @attr: the creator tells the module and the guest
 * the same.
 */
static void setup_td(u64 size, u32 shift, u32 policy, u32 gpaw, u64 attr)
{
	u64 nr = size >> shift;
	int i;

	fake_reset();
	fk.gpaw = gpaw;
	fk.attr = attr;
	fk.unit_shift = shift;
	fk.unit_accepts = calloc(nr, sizeof(u16));
	free(bm_mem);
	bm_mem = calloc(ga_bitmap_words(nr), sizeof(u64));
	memset(&g, 0, sizeof(g));
	if (!fk.unit_accepts || !bm_mem)
		UNIT_FAIL("out of memory");
	ASSERT_EQ(0, ga_guest_init(&g, MEM_START, MEM_START + size, shift,
				   bm_mem, &ga_platform_tdx, &ops, &fk));
	g.policy = policy;
	g.tdx.gpaw = gpaw;
	g.tdx.attr = attr;
	for (i = 0; i < MAX_CPUS; i++) {
		memset(&cpu[i], 0, sizeof(cpu[i]));
		cpu[i].g = &g;
		cpu[i].id = i;
		cpu[i].priv = &cpu[i];
	}
}

static void setup_shift(u64 size, u32 shift, u32 policy)
{
	setup_td(size, shift, policy, TDX_GPAW_48, 0);
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

/* Pages of [gpa, gpa + size) in Secure-EPT state @sept. */
static u64 count_state(u64 gpa, u64 size, u8 sept)
{
	u64 n = 0, a;

	for (a = gpa; a < gpa + size; a += PAGE)
		n += pg(a)->sept == sept;
	return n;
}

static u64 count_mapped(u64 gpa, u64 size)
{
	return count_state(gpa, size, MAPPED);
}

static u64 count_shared(u64 gpa, u64 size)
{
	u64 n = 0, a;

	for (a = gpa; a < gpa + size; a += PAGE)
		n += pg(a)->shared;
	return n;
}

/* Every page of [gpa, gpa + size) mapped, zeroed by exactly one ACCEPT. */
static void expect_accepted_once(int line, u64 gpa, u64 size)
{
	u64 a;

	for (a = gpa; a < gpa + size; a += PAGE)
		if (pg(a)->sept != MAPPED || pg(a)->accepts != 1 ||
		    pg(a)->junk)
			unit_fail(__FILE__, line,
				  "page 0x%llx: expected MAPPED, accepted once, got %s, accepted %u times%s",
				  (unsigned long long)a, sept_name[pg(a)->sept],
				  pg(a)->accepts, pg(a)->junk ? ", junk" : "");
}

#define ASSERT_ACCEPTED_ONCE(gpa, size)					\
	expect_accepted_once(__LINE__, gpa, size)

static void expect_sept(int line, u8 expected, u64 gpa)
{
	u8 now = pg(gpa)->sept;

	if (now != expected)
		unit_fail(__FILE__, line, "page 0x%llx: expected %s, got %s",
			  (unsigned long long)gpa, sept_name[expected],
			  sept_name[now]);
}

#define ASSERT_SEPT(expected, gpa) expect_sept(__LINE__, expected, gpa)

/* The host's SEAMCALLs on a page, from a test. */
static u64 host_call(u64 (*call)(u64 gpa), u64 gpa)
{
	u64 r;

	pthread_mutex_lock(&fk.mu);
	r = call(gpa);
	pthread_mutex_unlock(&fk.mu);
	return r;
}

static u64 host_block(u64 gpa)
{
	return host_call(host_block_locked, gpa);
}

static u64 host_remove(u64 gpa)
{
	return host_call(host_remove_locked, gpa);
}

static u64 host_aug(u64 gpa)
{
	return host_call(host_aug_locked, gpa);
}

static void host_track(void)
{
	pthread_mutex_lock(&fk.mu);
	host_track_locked();
	pthread_mutex_unlock(&fk.mu);
}

static bool host_aug_2m(u64 gpa)
{
	bool ok;

	pthread_mutex_lock(&fk.mu);
	ok = host_aug_2m_locked(chunk_of(gpa));
	pthread_mutex_unlock(&fk.mu);
	return ok;
}

/* TDH.MEM.PAGE.ADD before the TD runs: MAPPED, with contents. */
static void host_add(u64 gpa, u8 fill)
{
	struct fake_page *p = pg(gpa);

	fk.level[chunk_of(gpa)] = L_4K;
	p->sept = MAPPED;
	fk.data[gpa / PAGE] = malloc(PAGE);
	memset(fk.data[gpa / PAGE], fill, PAGE);
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

static void inject(u64 gpa, u64 status, u32 times)
{
	fk.inject_gpa = gpa;
	fk.inject_status = status;
	fk.inject_left = times;
}

/* ---- set-up -------------------------------------------------------------------- */

/*
 * Without a valid GPA width the guest has no shared bit, so it sends no
 * MapGPA, in either direction. Accepting asks the host nothing on TDX and
 * does not need the width.
 */
UNIT_TEST(tdx_platform_needs_the_td_gpa_width)
{
	static const u32 bad[] = { 0, 47, 51, 64 };
	u64 x = CH(1) + 4 * PAGE, ops_before, acc;
	u32 i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		/* to shared: refused before the host hears of it */
		setup(16 * MiB, GA_POLICY_LAZY);
		g.tdx.gpaw = bad[i];
		ASSERT_EQ(0, ga_accept(v, CH(1), CHUNK, true));
		ASSERT_EQ(0, g.bm.nr_inflight);
		acc = g.stat.accept_calls;
		ASSERT_EQ(-GA_EINVAL, ga_convert(v, x, PAGE, true));
		ASSERT_EQ(0, g.stat.hypercalls);
		ASSERT_EQ(0, fk.map_calls);
		ASSERT_EQ(acc, g.stat.accept_calls);
		ASSERT_EQ(0, count_shared(MEM_START, 16 * MiB));
		ASSERT_SEPT(MAPPED, x);
		ASSERT_EQ(0, g.stat.to_shared);
		ASSERT_EQ(0, g.terminated);

		/* to private: refused before anything is touched */
		setup(16 * MiB, GA_POLICY_LAZY);
		ASSERT_EQ(0, ga_accept(v, CH(1), CHUNK, true));
		ASSERT_EQ(0, ga_convert(v, x, PAGE, true));
		ASSERT_EQ(1, fk.map_calls);
		g.tdx.gpaw = bad[i];
		ops_before = fk.ops;
		ASSERT_EQ(-GA_EINVAL, ga_convert(v, x, PAGE, false));
		ASSERT_EQ(ops_before, fk.ops);
		ASSERT_EQ(1, g.stat.hypercalls);
		ASSERT_EQ(1, fk.map_calls);
		ASSERT_EQ(1, pg(x)->shared);
		ASSERT_SEPT(FREE, x);
		ASSERT_EQ(0, g.stat.to_private);
		ASSERT_EQ(0, g.terminated);
	}
	ASSERT_TRUE(!strcmp("tdx", ga_platform_tdx.name));
}

/* ---- the ladder -------------------------------------------------------------- */

static u64 platform_calls(void)
{
	return g.stat.accept_calls + g.stat.hypercalls;
}

UNIT_TEST(eager_1g_2m_ladder_vs_4k)
{
	u64 calls_2m, calls_4k, val = 1;

	setup(GiB, GA_POLICY_EAGER);
	ASSERT_EQ(0, ga_guest_boot(v));
	ASSERT_EQ(512, g.stat.eager_accepts);
	ASSERT_EQ(GiB, g.stat.accepted_bytes);
	ASSERT_EQ(512, g.stat.accept_calls);
	ASSERT_EQ(0, g.stat.hypercalls);	/* ACCEPT only, no MapGPA */
	ASSERT_EQ(0, fk.map_calls);
	ASSERT_EQ(0, g.stat.convert_entries);
	ASSERT_EQ(0, g.stat.convert_reissues);
	ASSERT_EQ(0, g.stat.fallbacks_4k);
	ASSERT_EQ(512, fk.exits);		/* one AUG of 2 MiB each */
	ASSERT_EQ(0, fk.already);
	ASSERT_EQ(0, g.bm.nr_unaccepted);
	ASSERT_ACCEPTED_ONCE(MEM_START, GiB);
	ASSERT_EQ(L_2M, fk.level[chunk_of(CH(100))]);
	ASSERT_TRUE(traced(GA_TR_ACCEPT_EAGER, MEM_START, GiB, 0));
	/* what the host added held junk; the guest sees zeroes */
	ASSERT_EQ(0, ga_access(v, CH(300) + 0x777, &val, sizeof(val), false));
	ASSERT_EQ(0, val);
	calls_2m = platform_calls();

	setup(GiB, GA_POLICY_EAGER);
	g.force_4k = true;
	ASSERT_EQ(0, ga_guest_boot(v));
	ASSERT_EQ(512, g.stat.eager_accepts);
	ASSERT_EQ(GiB / PAGE, g.stat.accept_calls);
	ASSERT_EQ(0, g.stat.hypercalls);
	ASSERT_EQ(0, fk.map_calls);
	ASSERT_EQ(0, g.stat.convert_entries);
	ASSERT_EQ(GiB / PAGE, fk.exits);
	ASSERT_EQ(0, fk.already);
	ASSERT_ACCEPTED_ONCE(MEM_START, GiB);
	ASSERT_EQ(L_4K, fk.level[chunk_of(CH(100))]);
	calls_4k = platform_calls();

	printf("# 1 GiB eager: %llu platform calls with 2M, %llu with 4K (%.1fx)\n",
	       (unsigned long long)calls_2m, (unsigned long long)calls_4k,
	       (double)calls_4k / (double)calls_2m);
	ASSERT_EQ(512, calls_2m);
	ASSERT_EQ(GiB / PAGE, calls_4k);
	ASSERT_TRUE(calls_4k >= 500 * calls_2m);
}

UNIT_TEST(fallback_2m_to_4k_on_size_mismatch)
{
	setup(16 * MiB, GA_POLICY_EAGER);
	fk.backing_4k[chunk_of(CH(3))] = true;
	ASSERT_EQ(0, ga_guest_boot(v));
	ASSERT_EQ(1, g.stat.fallbacks_4k);
	ASSERT_EQ(8 + 512, g.stat.accept_calls);
	ASSERT_EQ(0, g.stat.hypercalls);
	ASSERT_TRUE(traced(GA_TR_FALLBACK_4K, CH(3), CHUNK, 0));
	ASSERT_EQ(L_2M, fk.level[chunk_of(CH(2))]);
	ASSERT_EQ(L_4K, fk.level[chunk_of(CH(3))]);
	ASSERT_ACCEPTED_ONCE(MEM_START, 16 * MiB);
	ASSERT_EQ(0, fk.already);
	ASSERT_EQ(0, g.terminated);
}

UNIT_TEST(size_mismatch_on_4k_is_fatal)
{
	/* 2M over a table falls back; the same answer at 4K cannot */
	setup(16 * MiB, GA_POLICY_LAZY);
	inject(CH(1), TDX_PAGE_SIZE_MISMATCH | TDX_LEVEL_4K, ~0U);
	ASSERT_EQ(-GA_EFATAL, ga_accept(v, CH(1), CHUNK, true));
	ASSERT_FATAL(v, GA_SEC_ACCEPT_FAILED, CH(1),
		     TDX_PAGE_SIZE_MISMATCH | TDX_LEVEL_4K);
	ASSERT_EQ(1, g.stat.fallbacks_4k);
	ASSERT_EQ(2, g.stat.accept_calls);
	ASSERT_TRUE(!accepted(CH(1)));

	setup(16 * MiB, GA_POLICY_LAZY);
	g.force_4k = true;
	inject(CH(1) + PAGE, TDX_PAGE_SIZE_MISMATCH, ~0U);
	ASSERT_EQ(-GA_EFATAL, ga_accept(v, CH(1), CHUNK, true));
	ASSERT_FATAL(v, GA_SEC_ACCEPT_FAILED, CH(1) + PAGE,
		     TDX_PAGE_SIZE_MISMATCH);
	ASSERT_EQ(0, g.stat.fallbacks_4k);
	ASSERT_EQ(2, g.stat.accept_calls);
}

UNIT_TEST(accept_4k_in_a_pending_2m_leaf_splits_it)
{
	u64 val = 1;

	setup(16 * MiB, GA_POLICY_LAZY);
	g.force_4k = true;
	ASSERT_TRUE(host_aug_2m(CH(1)));
	ASSERT_EQ(0, ga_accept(v, CH(1), CHUNK, true));
	ASSERT_EQ(512, g.stat.accept_calls);
	ASSERT_EQ(0, g.stat.hypercalls);
	ASSERT_EQ(1, fk.exits);
	ASSERT_EQ(1, fk.demotes);
	ASSERT_EQ(L_4K, fk.level[chunk_of(CH(1))]);
	ASSERT_ACCEPTED_ONCE(CH(1), CHUNK);
	ASSERT_EQ(0, ga_access(v, CH(1) + 77 * PAGE, &val, sizeof(val), false));
	ASSERT_EQ(0, val);
}

UNIT_TEST(partial_chunks_use_4k_pieces)
{
	u64 start = CH(1) - 2 * PAGE, end = CH(2) + 2 * PAGE;

	setup_shift(8 * MiB, 12, GA_POLICY_LAZY);
	ASSERT_EQ(0, ga_accept(v, start, end - start, true));
	/* no MapGPA; 2 x 4K, one 2M, 2 x 4K */
	ASSERT_EQ(0, g.stat.hypercalls);
	ASSERT_EQ(0, fk.map_calls);
	ASSERT_EQ(0, g.stat.convert_entries);
	ASSERT_EQ(5, g.stat.accept_calls);
	/* each ACCEPT exited once; the host added just what it named */
	ASSERT_EQ(5, fk.exits);
	ASSERT_EQ(L_4K, fk.level[chunk_of(start)]);
	ASSERT_EQ(L_2M, fk.level[chunk_of(CH(1))]);
	ASSERT_EQ(L_4K, fk.level[chunk_of(end - PAGE)]);
	ASSERT_EQ(0, count_state(MEM_START, 8 * MiB, PENDING));
	ASSERT_EQ(516, g.stat.lazy_accepts);
	ASSERT_EQ(516, count_mapped(MEM_START, 8 * MiB));
	ASSERT_ACCEPTED_ONCE(start, end - start);
	ASSERT_TRUE(!accepted(start - PAGE) && accepted(start));
	ASSERT_TRUE(accepted(end - PAGE) && !accepted(end));
}

/* ---- policies ------------------------------------------------------------------ */

UNIT_TEST(lazy_accept_on_first_touch_is_a_ve)
{
	u64 addr = CH(5) + 0x1234, val = 0x1122334455667788ULL, out = 1;

	setup(64 * MiB, GA_POLICY_LAZY);
	ASSERT_EQ(0, ga_guest_boot(v));
	ASSERT_EQ(0, g.stat.accepted_bytes);
	ASSERT_EQ(0, fk.ops);
	ASSERT_EQ(0, ga_access(v, addr, &val, sizeof(val), true));
	/* the access exited (the host added 2 MiB), then #VE, accept */
	ASSERT_EQ(1, fk.ve);
	ASSERT_EQ(1, fk.exits);
	ASSERT_EQ(1, g.stat.exception_accepts);
	ASSERT_EQ(1, g.stat.lazy_accepts);
	ASSERT_EQ(1, g.stat.accept_calls);
	ASSERT_EQ(0, g.stat.hypercalls);
	ASSERT_EQ(CHUNK, g.stat.accepted_bytes);
	ASSERT_TRUE(accepted(CH(5)));
	ASSERT_TRUE(!accepted(CH(4)) && !accepted(CH(6)));
	ASSERT_ACCEPTED_ONCE(CH(5), CHUNK);
	ASSERT_EQ(512, count_mapped(MEM_START, 64 * MiB));
	ASSERT_TRUE(traced(GA_TR_ACCEPT_LAZY, CH(5), CHUNK, 0));
	ASSERT_EQ(0, ga_access(v, addr, &out, sizeof(out), false));
	ASSERT_EQ(val, out);
	ASSERT_EQ(0, ga_access(v, addr + 8, &out, sizeof(out), false));
	ASSERT_EQ(0, out);
	ASSERT_EQ(1, fk.ve);
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
	ASSERT_EQ(2, fk.ve);
	ASSERT_EQ(2, g.stat.exception_accepts);
	ASSERT_EQ(2, g.stat.lazy_accepts);
	ASSERT_TRUE(accepted(CH(7)) && accepted(CH(8)));
	ASSERT_EQ(0, ga_access(v, addr, out, sizeof(out), false));
	ASSERT_EQ(0, memcmp(buf, out, sizeof(buf)));
	ASSERT_EQ(0, fk.bad_access);
}

UNIT_TEST(hybrid_accepts_exactly_the_first_bytes)
{
	setup(64 * MiB, GA_POLICY_HYBRID);
	g.eager_bytes = 6 * MiB;
	ASSERT_EQ(0, ga_guest_boot(v));
	ASSERT_EQ(6 * MiB, g.stat.accepted_bytes);
	ASSERT_EQ(3, g.stat.eager_accepts);
	ASSERT_EQ(29, g.bm.nr_unaccepted);
	ASSERT_EQ(6 * MiB / PAGE, count_mapped(MEM_START, 64 * MiB));
	ASSERT_ACCEPTED_ONCE(MEM_START, 6 * MiB);
	ASSERT_TRUE(accepted(CH(2)) && !accepted(CH(3)));
	ASSERT_EQ(L_NONE, fk.level[chunk_of(CH(3))]);
}

UNIT_TEST(lazy_alloc_accepts_with_the_guard_unit)
{
	u64 a, b;

	setup(8 * MiB, GA_POLICY_LAZY);
	ASSERT_EQ(0, ga_alloc(v, 512, &a));
	ASSERT_EQ(MEM_START, a);
	ASSERT_EQ(2, g.stat.lazy_accepts);
	ASSERT_TRUE(accepted(CH(0)) && accepted(CH(1)) && !accepted(CH(2)));
	ASSERT_EQ(0, ga_alloc(v, 3 * 512, &b));
	ASSERT_EQ(4, g.stat.lazy_accepts);
	ASSERT_EQ(0, g.stat.exception_accepts);
	ASSERT_ACCEPTED_ONCE(MEM_START, 8 * MiB);
}

/*
 * With SEPT_VE_DISABLE, as Linux guests run, a touch of unaccepted memory
 * is the host's EPT violation, which it cannot resolve: no #VE, nothing
 * accepted. Accepting on allocation is the way.
 */
UNIT_TEST(sept_ve_disable_touch_exits_to_the_host)
{
	u64 a, val = 5;

	setup_td(16 * MiB, 21, GA_POLICY_LAZY, TDX_GPAW_48,
		 TDX_TD_ATTR_SEPT_VE_DISABLE);
	ASSERT_EQ(-GA_ESTOP, ga_access(v, CH(2), &val, sizeof(val), true));
	ASSERT_EQ(0, fk.ve);
	ASSERT_EQ(2, fk.exits);		/* the AUG, then the stuck one */
	ASSERT_EQ(0, g.stat.exception_accepts);
	ASSERT_EQ(0, g.stat.accept_calls);
	ASSERT_TRUE(!accepted(CH(2)));
	ASSERT_EQ(0, g.terminated);

	setup_td(16 * MiB, 21, GA_POLICY_LAZY, TDX_GPAW_48,
		 TDX_TD_ATTR_SEPT_VE_DISABLE);
	ASSERT_EQ(0, ga_alloc(v, 4, &a));
	ASSERT_EQ(0, ga_access(v, a + 8, &val, sizeof(val), true));
	ASSERT_EQ(0, ga_access(v, a + 8, &val, sizeof(val), false));
	ASSERT_EQ(5, val);
	ASSERT_EQ(0, fk.ve);
	ASSERT_ACCEPTED_ONCE(CH(0), CHUNK);
}

/* ---- the module's answers to ACCEPT --------------------------------------------- */

UNIT_TEST(operand_busy_is_retried_within_the_bound)
{
	setup(16 * MiB, GA_POLICY_LAZY);
	inject(CH(1), TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX, 16);
	ASSERT_EQ(0, ga_accept(v, CH(1), CHUNK, true));
	ASSERT_EQ(17, g.stat.accept_calls);
	ASSERT_ACCEPTED_ONCE(CH(1), CHUNK);
	ASSERT_EQ(0, g.terminated);

	setup(16 * MiB, GA_POLICY_LAZY);
	inject(CH(1), TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX, 17);
	ASSERT_EQ(-GA_EFATAL, ga_accept(v, CH(1), CHUNK, true));
	ASSERT_FATAL(v, GA_SEC_ACCEPT_FAILED, CH(1),
		     TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX);
	ASSERT_EQ(17, g.stat.accept_calls);
	ASSERT_TRUE(!accepted(CH(1)));
	ASSERT_EQ(0, g.bm.nr_inflight);
}

UNIT_TEST(interrupted_2m_accept_resumes)
{
	setup(16 * MiB, GA_POLICY_LAZY);
	fk.interrupt_every = 100;
	ASSERT_EQ(0, ga_accept(v, CH(2), CHUNK, true));
	ASSERT_EQ(6, g.stat.accept_calls);	/* 5 x 100 pages, then 12 */
	ASSERT_EQ(5, fk.interrupts);
	ASSERT_ACCEPTED_ONCE(CH(2), CHUNK);

	/* the worst an honest module does: one page per issue */
	setup(16 * MiB, GA_POLICY_LAZY);
	fk.interrupt_every = 1;
	ASSERT_EQ(0, ga_accept(v, CH(2), CHUNK, true));
	ASSERT_EQ(512, g.stat.accept_calls);
	ASSERT_EQ(511, fk.interrupts);
	ASSERT_ACCEPTED_ONCE(CH(2), CHUNK);
	ASSERT_EQ(0, g.stat.fallbacks_4k);
	ASSERT_EQ(0, g.terminated);
}

UNIT_TEST(interrupted_without_progress_is_bounded)
{
	/* 2 MiB: one resume per 4 KiB page, then it is no progress */
	setup(16 * MiB, GA_POLICY_LAZY);
	fk.interrupt_stuck = true;
	ASSERT_EQ(-GA_EFATAL, ga_accept(v, CH(2), CHUNK, true));
	ASSERT_FATAL(v, GA_SEC_ACCEPT_FAILED, CH(2),
		     TDX_INTERRUPTED_RESUMABLE);
	ASSERT_EQ(513, g.stat.accept_calls);
	ASSERT_TRUE(!accepted(CH(2)));

	/* 4 KiB: one resume */
	setup(16 * MiB, GA_POLICY_LAZY);
	g.force_4k = true;
	fk.interrupt_stuck = true;
	ASSERT_EQ(-GA_EFATAL, ga_accept(v, CH(2), CHUNK, true));
	ASSERT_FATAL(v, GA_SEC_ACCEPT_FAILED, CH(2),
		     TDX_INTERRUPTED_RESUMABLE);
	ASSERT_EQ(2, g.stat.accept_calls);
}

/* Invariant 1: "already accepted" for a page the guest never accepted. */
UNIT_TEST(already_accepted_on_an_unaccepted_page_is_fatal)
{
	u64 x = CH(3) + 5 * PAGE;

	setup(16 * MiB, GA_POLICY_LAZY);
	inject(CH(3), TDX_PAGE_ALREADY_ACCEPTED | TDX_LEVEL_2M, 1);
	ASSERT_EQ(-GA_EFATAL, ga_accept(v, CH(2), 2 * CHUNK, true));
	ASSERT_FATAL(v, GA_SEC_DOUBLE_ACCEPT, CH(3),
		     TDX_PAGE_ALREADY_ACCEPTED | TDX_LEVEL_2M);
	/* the run [2, 4) failed as a whole: nothing published */
	ASSERT_TRUE(!accepted(CH(2)) && !accepted(CH(3)));
	ASSERT_EQ(0, g.stat.lazy_accepts);
	ASSERT_EQ(0, g.bm.nr_inflight);
	/* everything stops now, without touching the platform */
	fk.ops = 0;
	ASSERT_EQ(-GA_EFATAL, ga_accept(v, CH(5), CHUNK, true));
	ASSERT_EQ(-GA_EFATAL, ga_access(v, CH(2), &x, 8, false));
	ASSERT_EQ(-GA_EFATAL, ga_convert(v, CH(2), PAGE, true));
	ASSERT_EQ(0, fk.ops);

	setup(16 * MiB, GA_POLICY_LAZY);
	g.force_4k = true;
	inject(x, TDX_PAGE_ALREADY_ACCEPTED, 1);
	ASSERT_EQ(-GA_EFATAL, ga_accept(v, CH(3), PAGE, true));
	ASSERT_FATAL(v, GA_SEC_DOUBLE_ACCEPT, x, TDX_PAGE_ALREADY_ACCEPTED);
	ASSERT_EQ(6, g.stat.accept_calls);
}

/* A page the host added with its own contents is never taken as ours. */
UNIT_TEST(host_added_page_is_never_accepted)
{
	u64 x = CH(2) + 3 * PAGE;

	setup(16 * MiB, GA_POLICY_LAZY);
	host_add(x, 0x66);
	ASSERT_EQ(-GA_EFATAL, ga_accept(v, CH(2), CHUNK, true));
	ASSERT_FATAL(v, GA_SEC_DOUBLE_ACCEPT, x, TDX_PAGE_ALREADY_ACCEPTED);
	/* 2M over the host's table fell back; pages 0-2 went first */
	ASSERT_EQ(1, g.stat.fallbacks_4k);
	ASSERT_EQ(1 + 4, g.stat.accept_calls);
	ASSERT_EQ(1, fk.already);
	ASSERT_TRUE(!accepted(CH(2)));
}

/* Only SUCCESS is success: warnings and errors of any other kind end it. */
UNIT_TEST(other_accept_statuses_are_fatal)
{
	static const u64 st[] = {
		TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX,
		TDX_GPA_RANGE_ALREADY_BLOCKED,	/* a warning, bit 63 clear */
		TDX_SUCCESS | 1,		/* success class, odd detail */
		TDX_EPT_WALK_FAILED,
		TDX_NON_RECOVERABLE_TD,
	};
	u32 i;

	for (i = 0; i < ARRAY_SIZE(st); i++) {
		setup(16 * MiB, GA_POLICY_LAZY);
		inject(CH(1), st[i], 1);
		ASSERT_EQ(-GA_EFATAL, ga_accept(v, CH(1), CHUNK, true));
		ASSERT_FATAL(v, GA_SEC_ACCEPT_FAILED, CH(1), st[i]);
		ASSERT_EQ(1, g.stat.accept_calls);
		ASSERT_TRUE(!accepted(CH(1)));
	}
}

/* An environment that did not run the TDCALL has accepted nothing. */
UNIT_TEST(accept_not_run_is_no_success)
{
	setup(16 * MiB, GA_POLICY_LAZY);
	fk.stop_gpa = CH(1);
	fk.stop_ret = 14;	/* an exception, say; RAX untouched */
	ASSERT_EQ(-GA_EINVAL, ga_accept(v, CH(1), CHUNK, true));
	ASSERT_EQ(1, g.stat.accept_calls);
	ASSERT_TRUE(!accepted(CH(1)));
	ASSERT_EQ(0, g.stat.lazy_accepts);
	ASSERT_EQ(0, g.terminated);
}

UNIT_TEST(estop_keeps_the_completed_runs)
{
	setup(16 * MiB, GA_POLICY_LAZY);
	ASSERT_EQ(0, ga_accept(v, CH(1), CHUNK, true));
	fk.stop_gpa = CH(2);
	fk.stop_ret = -GA_ESTOP;
	ASSERT_EQ(-GA_ESTOP, ga_accept(v, CH(0), 4 * CHUNK, true));
	ASSERT_TRUE(accepted(CH(0)) && accepted(CH(1)));
	ASSERT_TRUE(!accepted(CH(2)) && !accepted(CH(3)));
	ASSERT_EQ(0, g.bm.nr_inflight);
	ASSERT_EQ(0, g.terminated);
	fk.stop_gpa = 0;
	ASSERT_EQ(0, ga_accept(v, CH(0), 4 * CHUNK, true));
	ASSERT_EQ(4, g.stat.lazy_accepts);
	ASSERT_ACCEPTED_ONCE(CH(0), 4 * CHUNK);
	ASSERT_EQ(0, fk.already);
}

UNIT_TEST(estop_mid_run_is_never_silent)
{
	setup(16 * MiB, GA_POLICY_LAZY);
	fk.stop_gpa = CH(3);
	fk.stop_ret = -GA_ESTOP;
	ASSERT_EQ(-GA_ESTOP, ga_accept(v, CH(2), 2 * CHUNK, true));
	ASSERT_TRUE(!accepted(CH(2)) && !accepted(CH(3)));
	/* CH(2) was accepted but not published: a retry is caught */
	fk.stop_gpa = 0;
	ASSERT_EQ(-GA_EFATAL, ga_accept(v, CH(2), 2 * CHUNK, true));
	ASSERT_FATAL(v, GA_SEC_DOUBLE_ACCEPT, CH(2),
		     TDX_PAGE_ALREADY_ACCEPTED | TDX_LEVEL_2M);
	ASSERT_EQ(1, pg(CH(2))->accepts);
}

/* ---- the re-accept attack (invariant 2) ------------------------------------------ */

/* The host takes an accepted page away and puts a PENDING one there. */
static void reaccept_attack(u64 x)
{
	ASSERT_EQ(TDX_SUCCESS, host_block(x));
	ASSERT_EQ(TDX_TLB_TRACKING_NOT_DONE, host_remove(x));
	host_track();
	ASSERT_EQ(TDX_SUCCESS, host_remove(x));
	ASSERT_EQ(TDX_SUCCESS, host_aug(x));
	ASSERT_SEPT(PENDING, x);
}

UNIT_TEST(reaccept_attack_then_touch_is_substitution)
{
	u64 x = CH(5) + 9 * PAGE, val = 42;

	setup(64 * MiB, GA_POLICY_LAZY);
	ASSERT_EQ(0, ga_access(v, x, &val, sizeof(val), true));
	reaccept_attack(x);
	ASSERT_EQ(-GA_EFATAL, ga_access(v, x + 8, &val, sizeof(val), false));
	ASSERT_FATAL(v, GA_SEC_SUBSTITUTION, x, VE);
	/* never accepted again: its zeroing would have hidden the swap */
	ASSERT_EQ(1, pg(x)->accepts);
	ASSERT_SEPT(PENDING, x);
	ASSERT_EQ(1, g.stat.accept_calls);
	ASSERT_EQ(1, g.stat.exception_accepts);
	ASSERT_EQ(0, fk.already);
}

UNIT_TEST(reaccept_attack_then_accept_asks_nothing)
{
	u64 x = CH(1) + 17 * PAGE, ops_before, a;

	setup(16 * MiB, GA_POLICY_EAGER);
	ASSERT_EQ(0, ga_guest_boot(v));
	reaccept_attack(x);
	/* the bitmap says accepted: no MapGPA, no ACCEPT */
	ops_before = fk.ops;
	ASSERT_EQ(0, ga_accept(v, MEM_START, 16 * MiB, true));
	ASSERT_EQ(0, ga_alloc(v, 64, &a));
	ASSERT_EQ(ops_before, fk.ops);
	ASSERT_SEPT(PENDING, x);
	ASSERT_EQ(1, pg(x)->accepts);
	/* the scrub before a conversion touches it: substitution */
	ASSERT_EQ(-GA_EFATAL, ga_convert(v, x - PAGE, 2 * PAGE, true));
	ASSERT_FATAL(v, GA_SEC_SUBSTITUTION, x, VE);
	ASSERT_EQ(0, count_shared(MEM_START, 16 * MiB));
	ASSERT_EQ(1, pg(x)->accepts);
}

/* BLOCK alone is the host's business: it unblocks on the exit. */
UNIT_TEST(blocked_page_is_unblocked_by_the_host)
{
	u64 x = CH(2) + PAGE, val = 0xabcdef, out = 0;

	setup(16 * MiB, GA_POLICY_LAZY);
	ASSERT_EQ(0, ga_access(v, x, &val, sizeof(val), true));
	ASSERT_EQ(TDX_SUCCESS, host_block(x));
	ASSERT_EQ(TDX_GPA_RANGE_ALREADY_BLOCKED, host_block(x));
	fk.exits = 0;
	ASSERT_EQ(0, ga_access(v, x, &out, sizeof(out), false));
	ASSERT_EQ(val, out);
	ASSERT_EQ(1, fk.exits);
	ASSERT_SEPT(MAPPED, x);
	ASSERT_EQ(1, fk.ve);
	ASSERT_EQ(0, g.terminated);
}

/*
 * A private access to a page the guest made shared: an honest host has no
 * private page there and will not add one (a memory fault stops the vCPU);
 * a host that adds one anyway gets a #VE the guest refuses.
 */
UNIT_TEST(private_access_to_own_shared_page)
{
	u64 x = CH(1) + 3 * PAGE, val;

	setup(16 * MiB, GA_POLICY_EAGER);
	ASSERT_EQ(0, ga_guest_boot(v));
	ASSERT_EQ(0, ga_convert(v, x, PAGE, true));
	ASSERT_EQ(-GA_ESTOP, ga_access(v, x, &val, sizeof(val), false));
	ASSERT_EQ(0, g.terminated);
	ASSERT_SEPT(FREE, x);

	fk.aug_shared = true;
	ASSERT_EQ(-GA_EFATAL, ga_access(v, x, &val, sizeof(val), false));
	ASSERT_FATAL(v, GA_SEC_SHARED_ACCESS, x, VE);
	ASSERT_SEPT(PENDING, x);
	ASSERT_EQ(1, pg(x)->accepts);
}

/* ---- MapGPA ------------------------------------------------------------------------ */

static void expect_map_regs(int line, u64 r12, u64 r13)
{
	if (fk.last_map[TDX_HC_R10] != TDVMCALL_STANDARD ||
	    fk.last_map[TDX_HC_R11] != TDVMCALL_MAP_GPA ||
	    fk.last_map[TDX_HC_R12] != r12 || fk.last_map[TDX_HC_R13] != r13)
		unit_fail(__FILE__, line,
			  "MapGPA: expected R10 0 R11 0x%llx R12 0x%llx R13 0x%llx, got 0x%llx 0x%llx 0x%llx 0x%llx",
			  TDVMCALL_MAP_GPA, (unsigned long long)r12,
			  (unsigned long long)r13,
			  (unsigned long long)fk.last_map[0],
			  (unsigned long long)fk.last_map[1],
			  (unsigned long long)fk.last_map[2],
			  (unsigned long long)fk.last_map[3]);
}

#define ASSERT_MAP_REGS(r12, r13) expect_map_regs(__LINE__, r12, r13)

/*
 * Unaccepted memory is private already: accepting it is ACCEPT alone, as
 * in Linux's tdx_accept_memory(), and the host adds each page when its
 * ACCEPT exits. No MapGPA, and no other hypercall either.
 */
UNIT_TEST(accept_sends_no_map_gpa)
{
	u64 a, val = 7;

	ASSERT_TRUE(!ga_platform_tdx.accept_asks_host);

	/* an eager boot: only ACCEPTs reach the platform */
	setup(16 * MiB, GA_POLICY_EAGER);
	ASSERT_EQ(0, ga_guest_boot(v));
	ASSERT_EQ(8, g.stat.eager_accepts);
	ASSERT_EQ(8, g.stat.accept_calls);
	ASSERT_EQ(8, fk.exits);
	ASSERT_EQ(fk.accept_insns, fk.ops);
	ASSERT_EQ(0, g.stat.hypercalls);
	ASSERT_EQ(0, fk.map_calls);
	ASSERT_EQ(0, g.stat.convert_entries);
	ASSERT_ACCEPTED_ONCE(MEM_START, 16 * MiB);

	/* lazy: an accept, a first touch (#VE), an allocation */
	setup(16 * MiB, GA_POLICY_LAZY);
	ASSERT_EQ(0, ga_guest_boot(v));
	ASSERT_EQ(0, ga_accept(v, CH(2) + 5 * PAGE, 2 * CHUNK, true));
	ASSERT_EQ(0, ga_access(v, CH(6) + 8, &val, sizeof(val), true));
	ASSERT_EQ(0, ga_alloc(v, 4, &a));
	ASSERT_EQ(MEM_START, a);
	ASSERT_EQ(1, fk.ve);
	ASSERT_EQ(1, g.stat.exception_accepts);
	ASSERT_EQ(3 + 1 + 1, g.stat.lazy_accepts);
	ASSERT_EQ(3 + 1 + 1, g.stat.accept_calls);
	ASSERT_EQ(0, g.stat.hypercalls);
	ASSERT_EQ(0, fk.map_calls);
	ASSERT_EQ(0, g.stat.convert_entries);
	ASSERT_EQ(0, g.stat.convert_reissues);
	ASSERT_ACCEPTED_ONCE(CH(0), CHUNK);
	ASSERT_ACCEPTED_ONCE(CH(2), 3 * CHUNK);
	ASSERT_ACCEPTED_ONCE(CH(6), CHUNK);
	ASSERT_TRUE(!accepted(CH(1)) && !accepted(CH(5)));
	ASSERT_EQ(0, count_shared(MEM_START, 16 * MiB));
	ASSERT_EQ(0, g.terminated);
}

UNIT_TEST(map_gpa_registers_and_the_shared_bit)
{
	static const u32 gpaw[] = { TDX_GPAW_48, TDX_GPAW_52 };
	u64 x = CH(2) + 6 * PAGE;
	u32 i;

	for (i = 0; i < ARRAY_SIZE(gpaw); i++) {
		setup_td(16 * MiB, 21, GA_POLICY_EAGER, gpaw[i], 0);
		ASSERT_EQ(0, ga_guest_boot(v));
		/* the boot accepted without asking */
		ASSERT_EQ(0, fk.map_calls);
		ASSERT_EQ(0, ga_convert(v, x, 2 * PAGE, true));
		ASSERT_MAP_REGS(x | (1ULL << (gpaw[i] - 1)), 2 * PAGE);
		ASSERT_EQ(2, count_shared(MEM_START, 16 * MiB));
		ASSERT_EQ(2, count_state(CH(2), CHUNK, FREE));
		ASSERT_EQ(0, ga_convert(v, x, 2 * PAGE, false));
		ASSERT_MAP_REGS(x, 2 * PAGE);
		ASSERT_EQ(0, count_shared(MEM_START, 16 * MiB));
		ASSERT_EQ(2, fk.map_calls);
		ASSERT_EQ(2, g.stat.hypercalls);
		ASSERT_EQ(2, g.stat.convert_entries);

		/* a whole chunk and back: R13 is the size, bit or not */
		ASSERT_EQ(0, ga_convert(v, CH(5), CHUNK, true));
		ASSERT_MAP_REGS(CH(5) | TDX_SHARED_BIT(gpaw[i]), CHUNK);
		ASSERT_EQ(0, ga_convert(v, CH(5), CHUNK, false));
		ASSERT_MAP_REGS(CH(5), CHUNK);
		ASSERT_EQ(4, g.stat.hypercalls);
		ASSERT_EQ(0, g.terminated);
	}
}

UNIT_TEST(map_gpa_chunked_retry_is_followed)
{
	u64 acc;

	setup(16 * MiB, GA_POLICY_EAGER);
	ASSERT_EQ(0, ga_guest_boot(v));
	ASSERT_EQ(0, g.stat.hypercalls);
	acc = g.stat.accept_calls;
	fk.map_chunk = 100;
	ASSERT_EQ(0, ga_convert(v, CH(1), CHUNK, true));
	/* 100 pages a call: 5 RETRY, then the last 12 */
	ASSERT_EQ(6, g.stat.hypercalls);
	ASSERT_EQ(6, fk.map_calls);
	ASSERT_EQ(5, g.stat.convert_reissues);
	ASSERT_EQ(1, g.stat.convert_entries);
	ASSERT_MAP_REGS((CH(1) + 500 * PAGE) | TDX_SHARED_BIT(48),
			12 * PAGE);
	ASSERT_EQ(512, count_shared(MEM_START, 16 * MiB));
	ASSERT_EQ(512, count_shared(CH(1), CHUNK));
	/* TDX has nothing to release: no instruction on the way out */
	ASSERT_EQ(acc, g.stat.accept_calls);
	ASSERT_EQ(0, g.terminated);

	/* and back, chunked too */
	ASSERT_EQ(0, ga_convert(v, CH(1), CHUNK, false));
	ASSERT_EQ(0, count_shared(MEM_START, 16 * MiB));
	ASSERT_EQ(6 + 6, g.stat.hypercalls);
	ASSERT_EQ(10, g.stat.convert_reissues);
	ASSERT_EQ(2, g.stat.convert_entries);
	ASSERT_MAP_REGS(CH(1) + 500 * PAGE, 12 * PAGE);
	ASSERT_EQ(acc + 1, g.stat.accept_calls);
	ASSERT_EQ(2, pg(CH(1))->accepts);
}

/* The host lies about where to resume, at the second call of a 2 MiB. */
static void expect_resume_lie(enum evil how, u64 detail)
{
	setup(16 * MiB, GA_POLICY_EAGER);
	ASSERT_EQ(0, ga_guest_boot(v));
	fk.map_chunk = 100;
	fk.map_evil = how;
	fk.evil_at = fk.map_calls + 2;
	ASSERT_EQ(-GA_EFATAL, ga_convert(v, CH(1), CHUNK, true));
	ASSERT_FATAL(v, GA_SEC_CONVERT_BACKWARD, CH(1) + 100 * PAGE, detail);
	ASSERT_EQ(2, g.stat.hypercalls);
	ASSERT_EQ(2, fk.map_calls);
	ASSERT_EQ(1, g.stat.convert_reissues);
	ASSERT_EQ(0, g.stat.to_shared);
}

UNIT_TEST(map_gpa_resume_outside_or_backwards_is_fatal)
{
	u64 bit = TDX_SHARED_BIT(48), acc;

	expect_resume_lie(EVIL_PAST_END, CH(2) | bit);
	expect_resume_lie(EVIL_BEFORE_START, (CH(1) + 99 * PAGE) | bit);
	expect_resume_lie(EVIL_BACK, CH(1) | bit);
	expect_resume_lie(EVIL_NO_BIT, CH(1) + 200 * PAGE);
	expect_resume_lie(EVIL_UNALIGNED, ((CH(1) + 200 * PAGE) | bit) + 8);

	/* on the first call of a conversion to private: no ACCEPT after it */
	setup(16 * MiB, GA_POLICY_EAGER);
	ASSERT_EQ(0, ga_guest_boot(v));
	ASSERT_EQ(0, ga_convert(v, CH(3), CHUNK, true));
	acc = g.stat.accept_calls;
	fk.map_chunk = 10;
	fk.map_evil = EVIL_PAST_END;
	fk.evil_at = fk.map_calls + 1;
	ASSERT_EQ(-GA_EFATAL, ga_convert(v, CH(3), CHUNK, false));
	ASSERT_FATAL(v, GA_SEC_CONVERT_BACKWARD, CH(3), CH(4));
	ASSERT_EQ(1 + 1, g.stat.hypercalls);
	ASSERT_EQ(0, g.stat.convert_reissues);
	ASSERT_EQ(acc, g.stat.accept_calls);
	ASSERT_EQ(0, count_mapped(CH(3), CHUNK));
	ASSERT_EQ(1, pg(CH(3))->accepts);
	ASSERT_EQ(0, g.stat.to_private);
}

/* A boot, then CH(3) made shared: ready for a conversion to private. */
static void setup_shared_ch3(void)
{
	setup(16 * MiB, GA_POLICY_EAGER);
	ASSERT_EQ(0, ga_guest_boot(v));
	ASSERT_EQ(0, ga_convert(v, CH(3), CHUNK, true));
	ASSERT_EQ(1, g.stat.hypercalls);
	ASSERT_EQ(512, count_shared(CH(3), CHUNK));
}

UNIT_TEST(map_gpa_no_progress_limit)
{
	u64 acc;

	/* 15 returns without progress are tolerated ... */
	setup_shared_ch3();
	fk.map_stall = 15;
	ASSERT_EQ(0, ga_convert(v, CH(3), CHUNK, false));
	ASSERT_EQ(1 + 16, g.stat.hypercalls);
	ASSERT_EQ(15, g.stat.convert_reissues);
	ASSERT_EQ(0, count_shared(CH(3), CHUNK));
	ASSERT_EQ(512, count_mapped(CH(3), CHUNK));
	ASSERT_EQ(2, pg(CH(3))->accepts);
	ASSERT_EQ(0, g.terminated);

	/* ... the 16th in a row is fatal, with no ACCEPT after it */
	setup_shared_ch3();
	acc = g.stat.accept_calls;
	fk.map_stall = 1000;
	ASSERT_EQ(-GA_EFATAL, ga_convert(v, CH(3), CHUNK, false));
	ASSERT_FATAL(v, GA_SEC_CONVERT_NO_PROGRESS, CH(3), 16);
	ASSERT_EQ(1 + 16, g.stat.hypercalls);
	ASSERT_EQ(15, g.stat.convert_reissues);
	ASSERT_EQ(acc, g.stat.accept_calls);
	ASSERT_EQ(512, count_shared(CH(3), CHUNK));
	ASSERT_EQ(0, count_mapped(CH(3), CHUNK));
	ASSERT_EQ(0, g.stat.to_private);

	/* the same bound on the way to shared */
	setup(16 * MiB, GA_POLICY_EAGER);
	ASSERT_EQ(0, ga_guest_boot(v));
	fk.map_stall = 1000;
	ASSERT_EQ(-GA_EFATAL, ga_convert(v, CH(3), CHUNK, true));
	ASSERT_FATAL(v, GA_SEC_CONVERT_NO_PROGRESS, CH(3), 16);
	ASSERT_EQ(16, g.stat.hypercalls);
	ASSERT_EQ(15, g.stat.convert_reissues);
	ASSERT_EQ(0, count_shared(CH(3), CHUNK));
	ASSERT_EQ(0, g.stat.to_shared);
}

UNIT_TEST(map_gpa_progress_resets_the_stall_count)
{
	setup(16 * MiB, GA_POLICY_EAGER);
	ASSERT_EQ(0, ga_guest_boot(v));
	ASSERT_EQ(0, g.stat.hypercalls);
	fk.map_chunk = 1;	/* one page per call: never stalled */
	ASSERT_EQ(0, ga_convert(v, CH(1), 40 * PAGE, true));
	ASSERT_EQ(40, g.stat.hypercalls);
	ASSERT_EQ(39, g.stat.convert_reissues);
	ASSERT_EQ(40, count_shared(CH(1), CHUNK));

	/* and back */
	ASSERT_EQ(0, ga_convert(v, CH(1), 40 * PAGE, false));
	ASSERT_EQ(40 + 40, g.stat.hypercalls);
	ASSERT_EQ(39 + 39, g.stat.convert_reissues);
	ASSERT_EQ(0, count_shared(CH(1), CHUNK));
	ASSERT_EQ(0, g.terminated);
}

UNIT_TEST(map_gpa_error_is_fatal)
{
	static const u64 st[] = {
		TDVMCALL_STATUS_INVALID_OPERAND,
		TDVMCALL_STATUS_GPA_INUSE,
		TDVMCALL_STATUS_ALIGN_ERROR,
		TDVMCALL_STATUS_SUBFUNC_UNSUPPORTED,
		2,			/* no status the GHCI defines */
	};
	u64 acc;
	u32 i;

	for (i = 0; i < ARRAY_SIZE(st); i++) {
		/* to private: no ACCEPT after a failed MapGPA */
		setup_shared_ch3();
		acc = g.stat.accept_calls;
		fk.map_error = st[i];
		ASSERT_EQ(-GA_EFATAL, ga_convert(v, CH(3), CHUNK, false));
		ASSERT_FATAL(v, GA_SEC_CONVERT_ERROR, CH(3), st[i]);
		ASSERT_EQ(1 + 1, g.stat.hypercalls);
		ASSERT_EQ(0, g.stat.convert_reissues);
		ASSERT_EQ(acc, g.stat.accept_calls);
		ASSERT_EQ(512, count_shared(CH(3), CHUNK));
		ASSERT_EQ(0, count_mapped(CH(3), CHUNK));
		ASSERT_EQ(0, g.stat.to_private);
	}

	/* on the way to shared: the event names the private GPA */
	setup(16 * MiB, GA_POLICY_EAGER);
	ASSERT_EQ(0, ga_guest_boot(v));
	fk.map_error = TDVMCALL_STATUS_INVALID_OPERAND;
	ASSERT_EQ(-GA_EFATAL, ga_convert(v, CH(2), PAGE, true));
	ASSERT_FATAL(v, GA_SEC_CONVERT_ERROR, CH(2),
		     TDVMCALL_STATUS_INVALID_OPERAND);
	ASSERT_EQ(1, g.stat.hypercalls);
	ASSERT_EQ(0, count_shared(MEM_START, 16 * MiB));
	ASSERT_EQ(0, g.stat.to_shared);
}

/*
 * A host that answers SUCCESS and does nothing. To shared: the guest
 * cannot tell, but it scrubbed the page, and when it asks for the page
 * back the still-mapped private page answers "already accepted": fatal.
 * To private: the GPA stays shared for the host, which will not add a
 * private page there; the ACCEPT never completes and the vCPU is stopped.
 */
UNIT_TEST(map_gpa_success_without_work)
{
	u64 x = CH(2) + 8 * PAGE, pat = 0x5555, out;

	setup(16 * MiB, GA_POLICY_EAGER);
	ASSERT_EQ(0, ga_guest_boot(v));
	ASSERT_EQ(0, ga_access(v, x, &pat, sizeof(pat), true));
	fk.map_lazy = true;
	ASSERT_EQ(0, ga_convert(v, x, PAGE, true));
	ASSERT_EQ(0, pg(x)->shared);
	ASSERT_SEPT(MAPPED, x);
	ASSERT_TRUE(!fk.data[x / PAGE] || !fk.data[x / PAGE][0]);
	ASSERT_EQ(-GA_EFATAL, ga_convert(v, x, PAGE, false));
	ASSERT_FATAL(v, GA_SEC_DOUBLE_ACCEPT, x,
		     TDX_PAGE_ALREADY_ACCEPTED | TDX_LEVEL_2M);
	ASSERT_EQ(1, pg(x)->accepts);

	setup(16 * MiB, GA_POLICY_EAGER);
	ASSERT_EQ(0, ga_guest_boot(v));
	ASSERT_EQ(0, ga_convert(v, x, PAGE, true));
	fk.map_lazy = true;
	ASSERT_EQ(-GA_ESTOP, ga_convert(v, x, PAGE, false));
	ASSERT_EQ(1, pg(x)->shared);
	ASSERT_SEPT(FREE, x);
	ASSERT_EQ(1, pg(x)->accepts);
	ASSERT_EQ(0, g.terminated);
	ASSERT_EQ(-GA_ESTOP, ga_access(v, x, &out, sizeof(out), false));
}

/* ---- ReportFatalError ----------------------------------------------------------------- */

UNIT_TEST(terminate_reports_the_reason)
{
	static const u32 why[] = {
		GA_SEC_NONE, GA_SEC_DOUBLE_ACCEPT, GA_SEC_SUBSTITUTION,
		GA_SEC_CONVERT_BACKWARD, GA_SEC_CONVERT_ERROR,
		GA_SEC_ACCEPT_FAILED, GA_SEC_CONVERT_NO_PROGRESS,
		GA_SEC_SHARED_ACCESS,
	};
	u32 i;

	setup(16 * MiB, GA_POLICY_LAZY);
	for (i = 0; i < ARRAY_SIZE(why); i++) {
		memset(fk.fatal, 0xff, sizeof(fk.fatal));
		v->event.reason = why[i];
		ASSERT_EQ(-GA_ESTOP, ga_terminate(v));
		ASSERT_EQ(TDVMCALL_STANDARD, fk.fatal[TDX_HC_R10]);
		ASSERT_EQ(TDVMCALL_REPORT_FATAL_ERROR, fk.fatal[TDX_HC_R11]);
		ASSERT_EQ(why[i], fk.fatal[TDX_HC_R12]);
		ASSERT_EQ(why[i], TDVMCALL_FATAL_CODE(fk.fatal[TDX_HC_R12]));
	}
	ASSERT_EQ(ARRAY_SIZE(why), g.stat.hypercalls);
}

/* ---- conversions -------------------------------------------------------------------------- */

UNIT_TEST(convert_round_trip_scrubs)
{
	u64 x = CH(2) + 4 * PAGE, pat = 0xfeedfacecafebeefULL, out = 1, acc;

	setup(16 * MiB, GA_POLICY_LAZY);
	ASSERT_EQ(0, ga_access(v, x + 16, &pat, sizeof(pat), true));
	acc = g.stat.accept_calls;
	ASSERT_EQ(0, ga_convert(v, x, PAGE, true));
	ASSERT_EQ(1, pg(x)->shared);
	ASSERT_SEPT(FREE, x);
	/* the host took the page back already zeroed (invariant 3) */
	ASSERT_EQ(1, fk.removed);
	ASSERT_EQ(0, fk.removed_dirty);
	ASSERT_EQ(511, count_mapped(CH(2), CHUNK));
	ASSERT_EQ(acc, g.stat.accept_calls);
	ASSERT_EQ(1, g.stat.to_shared);
	ASSERT_EQ(1, g.nr_shared);
	ASSERT_TRUE(traced(GA_TR_CONVERT, x, PAGE, 1));

	ASSERT_EQ(0, ga_convert(v, x, PAGE, false));
	ASSERT_EQ(0, pg(x)->shared);
	ASSERT_SEPT(MAPPED, x);
	ASSERT_EQ(2, pg(x)->accepts);
	ASSERT_EQ(acc + 1, g.stat.accept_calls);
	ASSERT_EQ(1, g.stat.to_private);
	ASSERT_EQ(0, g.nr_shared);
	ASSERT_EQ(0, ga_access(v, x + 16, &out, sizeof(out), false));
	ASSERT_EQ(0, out);
	ASSERT_EQ(0, ga_access(v, x + 16, &pat, sizeof(pat), true));
	ASSERT_EQ(0, ga_access(v, x + 16, &out, sizeof(out), false));
	ASSERT_EQ(pat, out);
	ASSERT_TRUE(traced(GA_TR_CONVERT, x, PAGE, 0));
	ASSERT_EQ(0, fk.already);
	ASSERT_EQ(0, g.terminated);
}

UNIT_TEST(convert_whole_chunk_uses_2m)
{
	u64 acc, hc;

	setup(16 * MiB, GA_POLICY_EAGER);
	ASSERT_EQ(0, ga_guest_boot(v));
	acc = g.stat.accept_calls;
	hc = g.stat.hypercalls;
	ASSERT_EQ(0, ga_convert(v, CH(4), CHUNK, true));
	ASSERT_EQ(acc, g.stat.accept_calls);
	ASSERT_EQ(hc + 1, g.stat.hypercalls);
	ASSERT_EQ(512, count_shared(MEM_START, 16 * MiB));
	ASSERT_EQ(L_NONE, fk.level[chunk_of(CH(4))]);
	ASSERT_EQ(512, fk.removed);
	ASSERT_EQ(0, fk.removed_dirty);
	ASSERT_EQ(0, ga_convert(v, CH(4), CHUNK, false));
	ASSERT_EQ(acc + 1, g.stat.accept_calls);
	ASSERT_EQ(hc + 2, g.stat.hypercalls);
	ASSERT_EQ(L_2M, fk.level[chunk_of(CH(4))]);
	ASSERT_EQ(16 * MiB / PAGE, count_mapped(MEM_START, 16 * MiB));
	ASSERT_EQ(0, fk.already);
}

UNIT_TEST(convert_forbidden_ranges_change_nothing)
{
	u64 ops_before;

	setup(16 * MiB, GA_POLICY_LAZY);
	ASSERT_EQ(0, ga_accept(v, CH(1), 2 * CHUNK, true));
	ASSERT_EQ(0, ga_convert(v, CH(1) + 8 * PAGE, 2 * PAGE, true));
	ops_before = fk.ops;
	/* unaccepted; already shared; private to private; misaligned */
	ASSERT_EQ(-GA_EINVAL, ga_convert(v, CH(4), PAGE, true));
	ASSERT_EQ(-GA_EINVAL, ga_convert(v, CH(1) + 8 * PAGE, PAGE, true));
	ASSERT_EQ(-GA_EINVAL, ga_convert(v, CH(1), PAGE, false));
	ASSERT_EQ(-GA_EINVAL, ga_convert(v, CH(1) + 8, PAGE, true));
	ASSERT_EQ(ops_before, fk.ops);
	ASSERT_EQ(2, count_shared(MEM_START, 16 * MiB));
	ASSERT_EQ(0, g.terminated);
}

/* ---- in flight and concurrency -------------------------------------------------------------- */

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
	/* A stops in its first ACCEPT until B has waited for it. */
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
	for (i = 0; i < 6; i++)
		ASSERT_EQ(1, fk.unit_accepts[i]);
	ASSERT_EQ(6, g.stat.accept_calls);
	ASSERT_EQ(0, fk.already);
	ASSERT_ACCEPTED_ONCE(CH(0), 6 * CHUNK);
	ASSERT_EQ(0, g.bm.nr_inflight);
}

static void *touch_job(void *arg)
{
	struct job *j = arg;
	u64 val = 0;

	j->ret = ga_access(j->v, j->gpa, &val, sizeof(val), false);
	return NULL;
}

/*
 * A #VE raised while another vCPU accepts the unit, seen by the handler
 * only after that vCPU published it: the bitmap says accepted, yet it is
 * no substitution. The access is tried again and succeeds.
 */
UNIT_TEST(ve_racing_another_vcpus_accept_is_not_substitution)
{
	struct job a = { .v = &cpu[0], .gpa = CH(3), .size = CHUNK };
	struct job b = { .v = &cpu[1], .gpa = CH(3) + 5 * PAGE };
	pthread_t ta, tb;

	setup(16 * MiB, GA_POLICY_LAZY);
	/* A's ACCEPT waits for B's #VE; B's #VE waits for A's release. */
	fk.hold_ve_gpa = b.gpa;
	ASSERT_EQ(0, pthread_create(&ta, NULL, accept_job, &a));
	ASSERT_EQ(0, pthread_create(&tb, NULL, touch_job, &b));
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	ASSERT_EQ(0, fk.hold_timeout);
	ASSERT_EQ(0, a.ret);
	ASSERT_EQ(0, b.ret);
	ASSERT_EQ(1, fk.ve);
	ASSERT_EQ(0, g.stat.exception_accepts);
	ASSERT_EQ(1, g.stat.lazy_accepts);
	ASSERT_ACCEPTED_ONCE(CH(3), CHUNK);
	ASSERT_EQ(0, g.terminated);
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
		j->ret = ga_accept(j->v, MEM_START + s * unit + job_rnd(j) % unit,
				   n * unit - job_rnd(j) % unit, true);
	}
	if (!j->ret)
		j->ret = ga_accept(j->v, g.mem_start, g.mem_end - g.mem_start,
				   true);
	return NULL;
}

/* Random 8-byte touches of a lazy guest: every first touch is a #VE. */
static void *touch_stress_job(void *arg)
{
	struct job *j = arg;
	u64 size = g.mem_end - g.mem_start, val, gpa;
	u32 i;

	for (i = 0; i < j->iters && !j->ret; i++) {
		gpa = g.mem_start + (job_rnd(j) % size & ~7ULL);
		val = gpa;
		if (job_rnd(j) & 1)
			j->ret = ga_access(j->v, gpa, &val, sizeof(val), true);
		else
			j->ret = ga_access(j->v, gpa, &val, sizeof(val), false);
	}
	return NULL;
}

static void run_jobs(void *(*fn)(void *), u32 iters)
{
	struct job jobs[MAX_CPUS];
	pthread_t t[MAX_CPUS];
	int k;

	for (k = 0; k < MAX_CPUS; k++) {
		jobs[k] = (struct job){ .v = &cpu[k], .iters = iters };
		jobs[k].rng = (seed + 0x9e3779b97f4a7c15ULL * (k + 1)) | 1;
		ASSERT_EQ(0, pthread_create(&t[k], NULL, fn, &jobs[k]));
	}
	for (k = 0; k < MAX_CPUS; k++)
		pthread_join(t[k], NULL);
	for (k = 0; k < MAX_CPUS; k++)
		if (jobs[k].ret)
			UNIT_FAIL("vCPU %d: error %d, event %u at 0x%llx (0x%llx)",
				  k, jobs[k].ret, cpu[k].event.reason,
				  (unsigned long long)cpu[k].event.gpa,
				  (unsigned long long)cpu[k].event.detail);
}

/* Each unit published once, each page of it zeroed by one ACCEPT. */
static void expect_units_once(int line)
{
	u64 nr = g.bm.nr_units, u, a, unit = 1ULL << g.bm.unit_shift;

	for (u = 0; u < nr; u++) {
		if (fk.unit_accepts[u] > 1 ||
		    fk.unit_accepts[u] != accepted(MEM_START + u * unit))
			unit_fail(__FILE__, line, "unit %llu accepted %u times",
				  (unsigned long long)u, fk.unit_accepts[u]);
		if (!fk.unit_accepts[u])
			continue;
		for (a = MEM_START + u * unit; a < MEM_START + (u + 1) * unit;
		     a += PAGE)
			if (pg(a)->accepts != 1 || pg(a)->sept != MAPPED)
				unit_fail(__FILE__, line,
					  "page 0x%llx %s, accepted %u times",
					  (unsigned long long)a,
					  sept_name[pg(a)->sept],
					  pg(a)->accepts);
	}
	if (fk.already)
		unit_fail(__FILE__, line, "%llu ALREADY_ACCEPTED answers",
			  (unsigned long long)fk.already);
}

static void stress(u64 size, u32 shift)
{
	setup_shift(size, shift, GA_POLICY_LAZY);
	fk.yield = true;
	fk.busy_every = 7;
	fk.interrupt_every = 64;
	run_jobs(stress_job, 300);
	printf("# %llu units of 2^%u: %llu waits for in-flight units, ",
	       (unsigned long long)g.bm.nr_units, shift,
	       (unsigned long long)g.stat.inflight_waits);
	printf("%llu busy, %llu interrupted\n",
	       (unsigned long long)fk.busy,
	       (unsigned long long)fk.interrupts);
	ASSERT_EQ(g.bm.nr_units, g.stat.lazy_accepts);
	ASSERT_EQ(size, g.stat.accepted_bytes);
	ASSERT_EQ(0, g.bm.nr_unaccepted);
	ASSERT_EQ(0, g.bm.nr_inflight);
	expect_units_once(__LINE__);
	ASSERT_ACCEPTED_ONCE(MEM_START, size);
}

UNIT_TEST(concurrent_overlapping_accepts_2m_units)
{
	stress(256 * MiB, 21);
}

UNIT_TEST(concurrent_overlapping_accepts_4k_units)
{
	stress(8 * MiB, 12);
}

UNIT_TEST(concurrent_first_touches_are_ve_accepts)
{
	u64 done;

	setup(64 * MiB, GA_POLICY_LAZY);
	/* long accepts, so that touches of a unit meet its accept */
	fk.yield = true;
	fk.interrupt_every = 4;
	run_jobs(touch_stress_job, 400);
	done = g.bm.nr_units - g.bm.nr_unaccepted;
	printf("# %llu of %llu units touched: %llu #VE, %llu waits\n",
	       (unsigned long long)done,
	       (unsigned long long)g.bm.nr_units,
	       (unsigned long long)fk.ve,
	       (unsigned long long)g.stat.inflight_waits);
	ASSERT_TRUE(done > 0);
	ASSERT_EQ(done, g.stat.lazy_accepts);
	ASSERT_TRUE(g.stat.exception_accepts >= done);
	ASSERT_TRUE(fk.ve >= g.stat.exception_accepts);
	ASSERT_EQ(0, g.bm.nr_inflight);
	expect_units_once(__LINE__);
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
