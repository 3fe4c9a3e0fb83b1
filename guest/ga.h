/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ga.h - the portable guest core of ccmem: the accepted-memory bitmap, the
 * acceptance policies and the accept ladder, conversions, a small page
 * allocator and the security checks, over a platform (struct ga_platform:
 * SNP, TDX, or the null platform of the unit tests).
 *
 * Plain C: the same source builds into ccmem_guest.ko, into the userspace
 * unit tests and later into a tiny freestanding guest kernel. It includes
 * only ccmem_compat.h. Everything the core needs from its surroundings
 * (guest instructions, hypercalls, memory accesses, a lock and a wait) comes
 * through struct ga_env_ops, which names no platform.
 *
 * Objects:
 *   struct ga_bitmap  one bit per unit of guest memory, set = unaccepted,
 *                     with a summary hierarchy for the lock-free query and
 *                     a list of units in flight.
 *   struct ga_guest   one per guest (VM): bitmap, allocator, policy, the
 *                     record of pages converted to shared, statistics and
 *                     the terminated flag.
 *   struct ga_vcpu    one per vCPU: the environment ops of that vCPU, its
 *                     communication page, its platform client's scratch and
 *                     its pending security event.
 *
 * Errors: functions return 0 or a negative GA_E* code. GA_EFATAL means the
 * guest hit a security event or a platform failure it must not survive: the
 * event is recorded in the vCPU (ga_vcpu.event) and the guest is marked
 * terminated; the caller stops running guest code and reports it.
 */
#ifndef CCMEM_GUEST_GA_H
#define CCMEM_GUEST_GA_H

#include "../platform/include/ccmem_compat.h"

/* Error codes (negative returns). */
#define GA_EINVAL	1	/* bad argument from the program / caller */
#define GA_ENOMEM	2	/* allocator or in-flight table exhausted */
#define GA_EFATAL	3	/* security event or fatal platform error */
#define GA_ESTOP	4	/* the environment is stopping this vCPU */
#define GA_ERANGE	5	/* address outside guest memory */
#define GA_EBUSY	6	/* environment-specific transient failure */
#define GA_EIO		7	/* a device broke its protocol (guest/virtio) */
#define GA_ENOTSUPP	8	/* a device lacks what the driver requires */
#define GA_ENODEV	9	/* no device set up (guest/virtio users) */

/* Acceptance policies. */
#define GA_POLICY_EAGER		0
#define GA_POLICY_LAZY		1
#define GA_POLICY_HYBRID	2

/*
 * Security events and terminations (ga_vcpu.event.reason); the values are
 * the uapi's CCMEM_SEC_*:
 *   DOUBLE_ACCEPT	the platform says "already accepted" for a page the
 *			bitmap says is unaccepted (or the guest made shared):
 *			SNP PVALIDATE "no change", TDX PAGE_ALREADY_ACCEPTED
 *   SUBSTITUTION	the not-accepted exception on an accepted page
 *   RELEASE_UNACCEPTED	a release found the page not accepted
 *   CONVERT_BACKWARD	the host moved conversion progress back, or (TDX)
 *			named a MapGPA resume address outside the request
 *   CONVERT_ERROR	the host failed a conversion
 *   ACCEPT_FAILED	the accept instruction failed unexpectedly
 *   CONVERT_NO_PROGRESS the host returned with no progress too many times
 *   SHARED_ACCESS	private access to a page the guest itself made shared
 */
#define GA_SEC_NONE			0
#define GA_SEC_DOUBLE_ACCEPT		1
#define GA_SEC_SUBSTITUTION		2
#define GA_SEC_RELEASE_UNACCEPTED	3
#define GA_SEC_CONVERT_BACKWARD		4
#define GA_SEC_CONVERT_ERROR		5
#define GA_SEC_ACCEPT_FAILED		6
#define GA_SEC_CONVERT_NO_PROGRESS	7
#define GA_SEC_SHARED_ACCESS		8

/*
 * The positive code ga_env_ops.read/write return when the platform raised
 * its "page not accepted" exception in the guest: SNP #VC 0x404, or TDX #VE
 * (EPT violation) on a private page the Secure-EPT holds PENDING, which the
 * TDX module raises only while the TD attribute SEPT_VE_DISABLE is clear.
 */
#define GA_EXC_NOT_ACCEPTED	0x404

/* Guest-side instructions (struct ga_insn.op): the uapi's CCMEM_INSN_*. */
#define GA_INSN_PVALIDATE	1
#define GA_INSN_RMPADJUST	2
#define GA_INSN_TDG_ACCEPT	3

/**
 * struct ga_insn - one guest-side platform instruction.
 * @op:		GA_INSN_*.
 * @gpa:	the physical address its address operand translates to.
 * @rcx:	RCX (TDG_ACCEPT: the level only, 0 4K or 1 2M; the GPA is in
 *		@gpa).
 * @rdx:	RDX.
 * @rax:	out: RAX (the return code; TDX: the TDCALL status).
 * @cf:		out: rFLAGS.CF.
 */
struct ga_insn {
	u32 op;
	u64 gpa;
	u64 rcx;
	u64 rdx;
	u64 rax;
	bool cf;
};

/**
 * struct ga_hcall - one hypercall, register by register as the platform
 * defines them (SNP: the GHCB_R_* of platform/snp/ghcb.h; TDX: the
 * TDX_HC_R* of platform/tdx/tdx_abi.h, TDG.VP.VMCALL's R10 up); read by
 * the host and written back with its results.
 * @r: the registers.
 */
struct ga_hcall {
	u64 r[8];
};

/**
 * struct ga_env_ops - what the environment provides to the guest core.
 *
 * Per-vCPU operations get the vCPU's @priv (ga_vcpu.priv); the lock and
 * wait operations get the guest's (ga_guest.priv).
 *
 * @insn:	execute a guest-side platform instruction; 0 (see the
 *		outputs in @in) or a negative GA_E* code. An exit the
 *		instruction causes (TDX: ACCEPT of an entry the host left
 *		FREE or BLOCKED) is served by the host and the instruction
 *		run again inside this call, unseen by the core.
 * @hypercall:	one hypercall to the host; 0 or a negative GA_E* code.
 * @read:	private (@shared false) or shared read of @len bytes at @gpa
 *		(may not cross a 4 KiB page). Returns 0, GA_EXC_NOT_ACCEPTED
 *		(or another positive exception code) raised in the guest, or
 *		a negative GA_E* code.
 * @write:	same for a write.
 * @lock:	take the guest's in-flight lock (may spin or sleep; never
 *		held across another ops call).
 * @unlock:	release it.
 * @wait:	called with the lock held by a vCPU that must wait for units
 *		another vCPU has in flight: release the lock, sleep until
 *		@wake_all, retake it. Returns 0 or -GA_ESTOP.
 * @wake_all:	wake every vCPU sleeping in @wait (called with the lock held).
 * @trace:	optional: an event for tracing (GA_TR_*), may be NULL.
 */
struct ga_env_ops {
	int (*insn)(void *priv, struct ga_insn *in);
	int (*hypercall)(void *priv, struct ga_hcall *hc);
	int (*read)(void *priv, u64 gpa, void *buf, u32 len, bool shared);
	int (*write)(void *priv, u64 gpa, const void *buf, u32 len,
		     bool shared);
	void (*lock)(void *gpriv);
	void (*unlock)(void *gpriv);
	int (*wait)(void *gpriv);
	void (*wake_all)(void *gpriv);
	void (*trace)(void *priv, int event, u64 gpa, u64 size, u64 detail);
};

/* ga_env_ops.trace events */
#define GA_TR_ACCEPT_EAGER	1	/* gpa, size accepted at boot */
#define GA_TR_ACCEPT_LAZY	2	/* gpa, size accepted on demand */
#define GA_TR_FALLBACK_4K	3	/* gpa: a 2M accept fell back to 4K */
#define GA_TR_SECURITY		4	/* gpa, detail = GA_SEC_* */
#define GA_TR_CONVERT		5	/* gpa, size, detail: 1 shared */

/* Units in flight at once (one entry per accepting vCPU call). */
#define GA_MAX_INFLIGHT		64

/**
 * struct ga_bitmap - the accepted-memory bitmap.
 * @base:	guest physical address of unit 0 (unit aligned).
 * @nr_units:	units covered.
 * @unit_shift:	log2 of the unit size (12..30; 21 by default).
 * @levels:	number of summary levels above the bits (0..4).
 * @words:	words per level: @words[0] for @bits, @words[i] for level i.
 * @bits:	level 0: bit u set = unit u is unaccepted.
 * @sum:	@sum[i-1] is level i: bit w set = word w of level i-1 may be
 *		non-zero. Kept conservative: a summary bit is set before any
 *		bit under it is set, and cleared only after the word under it
 *		became zero (and is rechecked), so a lock-free reader never
 *		misses an unaccepted unit.
 * @nr_unaccepted: units still unaccepted (fast "nothing left" answer).
 * @inflight:	ranges [start, end) of units being accepted, under the lock.
 * @nr_inflight: entries used in @inflight.
 *
 * The bit array and the summaries are caller-provided memory of the sizes
 * ga_bitmap_words() reports, so the core never allocates.
 */
struct ga_bitmap {
	u64 base;
	u64 nr_units;
	u32 unit_shift;
	u32 levels;
	u64 words[5];
	u64 *bits;
	u64 *sum[4];
	u64 nr_unaccepted;
	struct {
		u64 start, end;
	} inflight[GA_MAX_INFLIGHT];
	u32 nr_inflight;
};

/*
 * The most units a bitmap covers (2^30): its top summary level must fit
 * one word, 64^5 units.
 */
#define GA_MAX_UNITS		BIT_ULL(30)

/**
 * ga_bitmap_words() - memory needed for a bitmap.
 * @nr_units: units to cover.
 *
 * Return: the number of u64 words for the bits plus all summary levels.
 */
u64 ga_bitmap_words(u64 nr_units);

/**
 * ga_bitmap_init() - lay out a bitmap, every unit unaccepted.
 * @bm: the bitmap.
 * @base: GPA of unit 0; aligned to the unit.
 * @size: bytes covered; a non-zero multiple of the unit, at most 2^30
 *	units (4 TiB of 4 KiB units, 2 PiB of 2 MiB units).
 * @unit_shift: log2 of the unit (12..30).
 * @mem: ga_bitmap_words() zeroed or unzeroed words.
 *
 * Return: 0 or -GA_EINVAL.
 */
int ga_bitmap_init(struct ga_bitmap *bm, u64 base, u64 size, u32 unit_shift,
		   u64 *mem);

/**
 * ga_bitmap_any_unaccepted() - is anything in [@start, @end) unaccepted?
 * @bm: the bitmap.
 * @start: first byte (GPA).
 * @end: one past the last byte.
 *
 * Lock-free and O(levels): safe against concurrent acceptance on other
 * vCPUs (it may report a unit that is being accepted right now, never miss
 * one that is still unaccepted). Addresses outside the bitmap are accepted
 * memory.
 */
bool ga_bitmap_any_unaccepted(const struct ga_bitmap *bm, u64 start, u64 end);

/**
 * ga_bitmap_next_unaccepted() - the first unaccepted unit in [@unit, @limit).
 * @bm: the bitmap.
 * @unit: first unit to look at.
 * @limit: one past the last unit to look at (at most @bm->nr_units).
 *
 * Lock-free, with the same guarantee as ga_bitmap_any_unaccepted().
 *
 * Return: the unit, or @limit when every unit of the range is accepted.
 */
u64 ga_bitmap_next_unaccepted(const struct ga_bitmap *bm, u64 unit, u64 limit);

/**
 * ga_bitmap_next_accepted() - the first accepted unit in [@unit, @limit).
 * @bm: the bitmap.
 * @unit: first unit to look at.
 * @limit: one past the last unit to look at (at most @bm->nr_units).
 *
 * Meant for the owner of an in-flight range, whose units nobody else
 * changes: it scans the bits only, not the summaries.
 *
 * Return: the unit, or @limit when every unit of the range is unaccepted.
 */
u64 ga_bitmap_next_accepted(const struct ga_bitmap *bm, u64 unit, u64 limit);

/* Test/inspection helpers. */
bool ga_bitmap_unit_unaccepted(const struct ga_bitmap *bm, u64 unit);
void ga_bitmap_clear_unit(struct ga_bitmap *bm, u64 unit);
void ga_bitmap_set_unit(struct ga_bitmap *bm, u64 unit);

/* Guest statistics (ga_guest.stat); updated with atomic adds. */
struct ga_stats {
	u64 accepted_bytes;
	u64 eager_accepts;	/* units accepted at boot */
	u64 lazy_accepts;	/* units accepted on demand */
	u64 exception_accepts;	/* lazy accepts driven by the exception */
	u64 fallbacks_4k;	/* 2M accept -> 512 x 4K */
	u64 accept_calls;	/* accept/release instructions */
	u64 hypercalls;
	u64 convert_entries;	/* PSC entries or pages, MapGPA ranges */
	u64 convert_reissues;	/* requests re-issued after partial progress */
	u64 to_shared;		/* conversions (pages) */
	u64 to_private;
	u64 security_events;
	u64 inflight_waits;	/* times a vCPU waited for another's units */
	u64 alloc_pages;
	u64 free_pages;
};

/* Pages the guest converted to shared: sorted disjoint gfn ranges. */
#define GA_MAX_SHARED_RANGES	256

/* Free extents of the allocator: sorted disjoint gfn ranges. */
#define GA_MAX_FREE_EXTENTS	1024

struct ga_range {
	u64 start, end;		/* gfn [start, end) */
};

struct ga_vcpu;

/* u64 words of scratch a platform client gets per vCPU (ga_vcpu.plat_buf). */
#define GA_PLAT_BUF_WORDS	254

/**
 * struct ga_platform - what differs between platforms: how the guest asks
 * the host for a conversion, how one page is accepted or released, and
 * how the guest gives up. The core runs the ladder (2 MiB, then 4 KiB)
 * and the order of the steps.
 * @name:	"snp", "tdx", "null".
 * @request:	ask the host to make [@gpa, @gpa + @size) private (@shared
 *		false) or shared (SNP: Page State Change; TDX: MapGPA with
 *		the shared bit set for shared).
 * @accept_one:	accept (@release false) or release one page of 2 MiB (@huge)
 *		or 4 KiB at @gpa. Returns the bytes done, 0 when the
 *		platform wants the next smaller size (SNP FAIL_SIZEMISMATCH,
 *		TDX PAGE_SIZE_MISMATCH), or a negative GA_E* code (after
 *		ga_fatal() for a security event). A platform with no release
 *		(TDX) returns the size at once: there, the core's scrub before
 *		a conversion to shared is the only protection.
 * @terminate:	tell the host the guest gives up for @reason (GA_SEC_*, or
 *		0); may return -GA_ESTOP when the host stops the vCPU.
 * @accept_asks_host: accepting unaccepted memory starts with a request to
 *		make it private (SNP: Linux sends a Page State Change before
 *		PVALIDATE). TDX leaves it false: unaccepted memory is private
 *		already, and the host adds a page when the ACCEPT exits.
 */
struct ga_platform {
	const char *name;
	bool accept_asks_host;
	int (*request)(struct ga_vcpu *v, u64 gpa, u64 size, bool shared);
	long (*accept_one)(struct ga_vcpu *v, u64 gpa, bool huge,
			   bool release);
	int (*terminate)(struct ga_vcpu *v, u32 reason);
};

extern const struct ga_platform ga_platform_snp;
extern const struct ga_platform ga_platform_tdx;
extern const struct ga_platform ga_platform_null;

/**
 * struct ga_tdx_info - what a TD knows of itself (TDG.VP.INFO).
 * @gpaw:	guest physical address width, 48 or 52: the shared bit is
 *		GPA bit @gpaw - 1 (TDX_SHARED_BIT() of platform/tdx/tdx_abi.h).
 * @attr:	the TD attributes (TDX_TD_ATTR_*). With SEPT_VE_DISABLE clear a
 *		private access to a PENDING page raises #VE (the core's
 *		GA_EXC_NOT_ACCEPTED); with it set the access exits to the host
 *		instead and the guest must accept before it touches memory.
 */
struct ga_tdx_info {
	u32 gpaw;
	u64 attr;
};

/**
 * struct ga_guest - one guest.
 * @bm:		the accepted-memory bitmap.
 * @mem_start:	first GPA of guest memory.
 * @mem_end:	one past the last.
 * @policy:	GA_POLICY_*.
 * @eager_bytes: hybrid: bytes from @mem_start accepted at boot.
 * @force_4k:	the ladder never tries 2 MiB (benchmarks).
 * @msr_protocol: SNP: conversions use the GHCB MSR protocol (one page per
 *		VMGEXIT).
 * @tdx:	TDX: the TD's settings, set by whoever creates the guest (as
 *		@policy) before any vCPU runs; unused on other platforms.
 * @terminated:	set once; every vCPU stops at its next step.
 * @plat:	the platform (the caller of ga_guest_init() picks it).
 * @ops:	environment operations.
 * @priv:	environment data for the lock and wait ops.
 * @shared:	pages converted to shared (under the lock).
 * @nr_shared:	entries in @shared.
 * @free:	allocator free extents (under the lock).
 * @nr_free:	entries in @free.
 * @stat:	statistics.
 */
struct ga_guest {
	struct ga_bitmap bm;
	u64 mem_start, mem_end;
	u32 policy;
	u64 eager_bytes;
	bool force_4k;
	bool msr_protocol;
	struct ga_tdx_info tdx;
	int terminated;
	const struct ga_platform *plat;
	const struct ga_env_ops *ops;
	void *priv;
	struct ga_range shared[GA_MAX_SHARED_RANGES];
	u32 nr_shared;
	struct ga_range free[GA_MAX_FREE_EXTENTS];
	u32 nr_free;
	struct ga_stats stat;
};

/**
 * struct ga_event - the security event or termination of a vCPU.
 * @reason:	GA_SEC_*.
 * @gpa:	the page concerned.
 * @detail:	reason-specific: the PSC error, the PVALIDATE code...
 */
struct ga_event {
	u32 reason;
	u64 gpa;
	u64 detail;
};

/**
 * struct ga_vcpu - one vCPU of a guest.
 * @g:		the guest.
 * @id:		vCPU index.
 * @priv:	environment data for the per-vCPU ops.
 * @comm_gpa:	this vCPU's page for talking to the host (SNP: its GHCB),
 *		in shared memory; TDX passes everything in registers.
 * @event:	the fatal event, valid after -GA_EFATAL.
 * @psc_last_result: SNP: SW_EXITINFO2 (NAE) or the response error (MSR)
 *		of the last Page State Change this vCPU issued.
 * @plat_buf:	private scratch of the platform's conversion client (SNP:
 *		the PSC request being issued and the progress the host last
 *		reported in it), kept here because 2 KiB is too much for a
 *		kernel stack.
 */
struct ga_vcpu {
	struct ga_guest *g;
	u32 id;
	void *priv;
	u64 comm_gpa;
	struct ga_event event;
	u64 psc_last_result;
	u64 plat_buf[GA_PLAT_BUF_WORDS];
};

/**
 * ga_guest_init() - set up a guest over [@mem_start, @mem_end).
 * @g: the guest, zeroed by the caller.
 * @mem_start: first GPA; aligned to the unit.
 * @mem_end: end GPA; aligned to the unit.
 * @unit_shift: bitmap unit (12..30).
 * @bitmap_mem: ga_bitmap_words() words.
 * @plat: the platform.
 * @ops: environment operations.
 * @priv: environment data for the lock/wait ops.
 *
 * The whole range starts unaccepted and free in the allocator. Policy
 * fields (@g->policy...) are set by the caller before ga_guest_boot().
 *
 * Return: 0 or -GA_EINVAL.
 */
int ga_guest_init(struct ga_guest *g, u64 mem_start, u64 mem_end,
		  u32 unit_shift, u64 *bitmap_mem,
		  const struct ga_platform *plat,
		  const struct ga_env_ops *ops, void *priv);

/**
 * ga_guest_reserve() - take [@gpa, @gpa + @size) out of the allocator
 * (the GHCB pages, firmware areas). Call before any vCPU runs.
 */
int ga_guest_reserve(struct ga_guest *g, u64 gpa, u64 size);

/**
 * ga_guest_boot() - the policy's start on @v: eager accepts everything,
 * hybrid the first eager_bytes, lazy nothing.
 */
int ga_guest_boot(struct ga_vcpu *v);

/**
 * ga_accept() - make sure [@gpa, @gpa + @size) is accepted.
 * @v: the vCPU doing the work.
 * @gpa: start; rounded down to the unit.
 * @size: bytes; the end is rounded up to the unit.
 * @lazy: count the units as lazy (else eager) acceptances.
 *
 * Units already accepted cost nothing (one lock-free query). Units another
 * vCPU is accepting are waited for, never accepted twice. Each run of
 * units is requested private from the host, then goes through the accept
 * ladder: 2 MiB, falling back to 512 x 4 KiB where the platform says so.
 *
 * Return: 0, -GA_EFATAL (see @v->event), -GA_ESTOP.
 */
int ga_accept(struct ga_vcpu *v, u64 gpa, u64 size, bool lazy);

/**
 * ga_access() - a guest access through the #VC (SNP) or #VE (TDX) handler.
 * @v: the vCPU.
 * @gpa: address; any length, may cross pages.
 * @buf: data.
 * @len: bytes.
 * @write: direction.
 *
 * Private accesses (the guest's ordinary memory). The not-accepted
 * exception on a page whose unit is unaccepted is a lazy accept followed
 * by a retry. On an accepted page the access is retried once (another
 * vCPU may have accepted the unit since the exception was raised); a
 * second exception is page substitution: fatal (on TDX, the host removed
 * and re-added the page behind the guest's back).
 *
 * Return: 0, -GA_EFATAL, -GA_ESTOP, -GA_ERANGE.
 */
int ga_access(struct ga_vcpu *v, u64 gpa, void *buf, u64 len, bool write);

/**
 * ga_convert() - convert [@gpa, @gpa + @size) (4 KiB aligned).
 * @v: the vCPU.
 * @gpa: start.
 * @size: bytes.
 * @to_shared: direction.
 *
 * To shared: every page must be accepted and private in the guest's
 * record; scrub, release (SNP: rescind; "no change" is fatal; TDX: nothing
 * to do), ask the host, record the pages as shared. To private: every
 * page must be recorded shared; ask the host, accept ("no change" is
 * fatal), drop the record.
 *
 * Return: 0, -GA_EINVAL (the guest's own bookkeeping forbids it),
 * -GA_EFATAL, -GA_ESTOP.
 */
int ga_convert(struct ga_vcpu *v, u64 gpa, u64 size, bool to_shared);

/**
 * ga_alloc() - allocate @npages contiguous pages (first fit), accepting
 * them first when the policy is lazy or hybrid.
 * @v: the vCPU.
 * @npages: pages.
 * @gpa: out: the first page.
 *
 * Return: 0, -GA_ENOMEM, -GA_EFATAL, -GA_ESTOP.
 */
int ga_alloc(struct ga_vcpu *v, u64 npages, u64 *gpa);

/**
 * ga_free() - give [@gpa, @gpa + @npages pages) back to the allocator.
 * Return: 0 or -GA_EINVAL when the range is not allocated.
 */
int ga_free(struct ga_vcpu *v, u64 gpa, u64 npages);

/**
 * ga_terminate() - tell the host that the guest gives up, with the reason
 * of @v's fatal event (0 when another vCPU's event or a platform failure
 * stopped it).
 * Return: 0, or -GA_ESTOP when the host stopped the vCPU.
 */
int ga_terminate(struct ga_vcpu *v);

/**
 * ga_hypercall() - one raw hypercall, for tests and for a VMM that
 * forwards a guest's: counted, no checks.
 * Return: 0 or a negative GA_E* code.
 */
int ga_hypercall(struct ga_vcpu *v, struct ga_hcall *hc);

/**
 * ga_psc() - the SNP Page State Change client.
 * @v: the vCPU.
 * @gpa: start (4 KiB aligned).
 * @size: bytes.
 * @op: PSC_OP_PRIVATE or PSC_OP_SHARED (platform/snp/ghcb.h).
 * @allow_huge: use 2 MiB entries where the range allows.
 *
 * Builds GHCB NAE requests of at most 253 entries in the vCPU's GHCB
 * shared buffer (or one MSR-protocol request per page with
 * g->msr_protocol) and re-issues each until the host reports it done. Progress
 * that moves backwards, a host error, or too many returns without progress
 * are fatal.
 *
 * Return: 0, -GA_EFATAL, -GA_ESTOP.
 */
int ga_psc(struct ga_vcpu *v, u64 gpa, u64 size, u32 op, bool allow_huge);

/**
 * ga_psc_raw() - issue one caller-built NAE PSC request and re-issue it
 * until done, with the client's progress checks, for protocol tests.
 * @v: the vCPU.
 * @buf_off: offset of the request inside the GHCB shared buffer.
 * @cur_entry: header cur_entry.
 * @end_entry: header end_entry.
 * @entries: entries written after the header.
 * @nr: number of @entries written (may differ from end_entry + 1).
 *
 * The host's SW_EXITINFO2 lands in v->psc_last_result; a non-zero one ends
 * the request without terminating the guest.
 *
 * Return: 0, -GA_EFATAL (backward progress), -GA_ESTOP, -GA_EINVAL.
 */
int ga_psc_raw(struct ga_vcpu *v, u32 buf_off, u16 cur_entry, u16 end_entry,
	       const u64 *entries, u32 nr);

/**
 * ga_psc_msr_raw() - one raw MSR-protocol PSC with @msr as the GHCB MSR;
 * the response lands in v->psc_last_result.
 */
int ga_psc_msr_raw(struct ga_vcpu *v, u64 msr);

/**
 * ga_fatal() - record a fatal event on @v and terminate the guest.
 * Return: -GA_EFATAL, for "return ga_fatal(...)".
 */
int ga_fatal(struct ga_vcpu *v, u32 reason, u64 gpa, u64 detail);

#endif /* CCMEM_GUEST_GA_H */
