// SPDX-License-Identifier: GPL-2.0
/*
 * demo_guest.c - the guest act of ccmem-demo: the same 4 GiB guest booted
 * under the eager, lazy and hybrid acceptance policies, each on an SNP VM
 * and on a TDX VM, on an emulated vCPU. For each: the time from the
 * vCPU's start to its first 1 MiB allocation, the platform calls the guest
 * made (SNP: PVALIDATE and VMGEXIT; TDX: TDG.MEM.PAGE.ACCEPT and
 * TDG.VP.VMCALL), what the host did for them (SNP: RMP assignments; TDX:
 * accept exits and TDH.MEM.PAGE.AUG), the conversion exits the VMM served,
 * and the memory map as acceptance proceeds.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ccmem_map.h"
#include "demo.h"

#define GUEST_GPA	(4ULL << 30)
#define GUEST_SIZE	(4ULL << 30)
#define HYBRID_X	(512ULL << 20)
#define MAP_SHIFT	26		/* one character per 64 MiB */
#define MAP_UNITS	(GUEST_SIZE >> MAP_SHIFT)
#define NR_POLICIES	3
#define NR_PLATFORMS	2

/* A platform the act boots its guests on. */
struct act_platform {
	uint32_t type;
	uint64_t attributes;	/* ccmem_vm_create.attributes */
	const char *name;	/* "SNP" */
	const char *accept;	/* the guest's accept instruction */
	const char *hcall;	/* its hypercall */
};

static const struct act_platform platforms[NR_PLATFORMS] = {
	{ CCMEM_VM_SNP, 0, "SNP", "PVALIDATE", "VMGEXIT" },
	/* SEPT_VE_DISABLE, as Linux guests ask for it. */
	{ CCMEM_VM_TDX, CCMEM_TDX_ATTR_NO_PENDING_VE, "TDX",
	  "TDG.MEM.PAGE.ACCEPT", "TDG.VP.VMCALL" },
};

struct act_result {
	const char *name;
	double first_alloc_ms;
	uint64_t accept_calls;
	uint64_t hypercalls;
	uint64_t calls;
	uint64_t exits;
	uint64_t accepted;
	uint64_t host_2m;	/* SNP: RMP assignments; TDX: AUGs */
	uint64_t host_4k;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* One line of the map: a character per 64 MiB of guest RAM. */
static void show_guest_map(struct ccmem_guest *g, const char *when)
{
	uint8_t bits[MAP_UNITS];
	char line[MAP_UNITS + 1];
	unsigned int i;
	int ret;

	ret = ccmem_vm_map(g->vm, GUEST_GPA, GUEST_SIZE, MAP_SHIFT, bits);
	if (ret)
		demo_fail("GET_MAP: %s", ccmem_errno_name(ret));
	for (i = 0; i < MAP_UNITS; i++)
		line[i] = ccmem_map_char(bits[i]);
	line[MAP_UNITS] = 0;
	demo_say("  |%s| %s", line, when);
}

static void run_to_done(struct ccmem_guest *g,
			const struct ccmem_guest_insn *p, uint32_t nr,
			struct ccmem_run *run)
{
	int ret = ccmem_guest_exec(g, 0, p, nr, run);
	char what[192];

	if (ret)
		demo_fail("running the guest: %s", ccmem_errno_name(ret));
	if (run->exit_reason != CCMEM_EXIT_EMU_DONE)
		demo_fail("guest exit %s, expected EMU_DONE",
			  ccmem_run_describe(run, what, sizeof(what)));
}

/* Counter @name of the guest's VM, now (demo.h). */
uint64_t demo_guest_stat(struct ccmem_guest *g, const char *name)
{
	uint64_t v;
	int ret = ccmem_vm_stat(g->vm, name, &v);

	if (ret)
		demo_fail("reading counter %s: %s", name, ccmem_errno_name(ret));
	return v;
}

/* What the host did for the guest's accepts, from the VM's counters. */
static void host_work(struct ccmem_guest *g, const struct act_platform *pf,
		      struct act_result *r)
{
	if (pf->type == CCMEM_VM_TDX) {
		r->host_2m = demo_guest_stat(g, "tdx.augs_2m");
		r->host_4k = demo_guest_stat(g, "tdx.augs_4k");
		demo_say("  host: %llu accept exits, TDH.MEM.PAGE.AUG %llu x 2M + %llu x 4K",
			 (unsigned long long)demo_guest_stat(g, "tdx.accept_exits"),
			 (unsigned long long)r->host_2m,
			 (unsigned long long)r->host_4k);
	} else {
		r->host_2m = demo_guest_stat(g, "vm.assigned_2m");
		r->host_4k = demo_guest_stat(g, "vm.assigned_4k");
		demo_say("  host: %llu PSC requests, RMP assignments %llu x 2M + %llu x 4K",
			 (unsigned long long)demo_guest_stat(g, "snp.psc_requests"),
			 (unsigned long long)r->host_2m,
			 (unsigned long long)r->host_4k);
	}
}

static void guest_under(const struct act_platform *pf, uint32_t policy,
			const char *name, struct act_result *r)
{
	struct ccmem_emu_guest_config cfg = ccmem_guest_config(policy, GUEST_GPA,
							       GUEST_SIZE);
	const struct ccmem_guest_insn first[] = {
		{ .op = CCMEM_GOP_BOOT },
		{ .op = CCMEM_GOP_ALLOC, .size = 1ULL << 20 },
		{ .op = CCMEM_GOP_WRITE, .flags = CCMEM_GOP_F_R0,
		  .size = 1ULL << 20, .arg = 0x5a },
	};
	const struct ccmem_guest_insn more[] = {
		{ .op = CCMEM_GOP_ALLOC, .size = 1ULL << 30 },
		{ .op = CCMEM_GOP_CHECK, .gpa = GUEST_GPA, .size = 1ULL << 20,
		  .arg = 0x5a },
	};
	bool tdx = pf->type == CCMEM_VM_TDX;
	struct ccmem_guest g;
	struct ccmem_run run;
	double t0;
	int ret;

	if (policy == CCMEM_ACCEPT_HYBRID)
		cfg.eager_bytes = HYBRID_X;
	if (tdx)
		cfg.comm_gpa = 0;	/* TD hypercalls pass in registers */
	ret = ccmem_guest_create_vm(&g, pf->type, pf->attributes, &cfg);
	if (ret)
		demo_fail("creating the %s %s guest: %s", name, pf->name,
			  ccmem_errno_name(ret));
	ret = ccmem_guest_add_vcpu(&g, 0);
	if (ret)
		demo_fail("CREATE_VCPU: %s", ccmem_errno_name(ret));
	demo_say("%s on %s: 4 GiB of RAM at 4 GiB, one vCPU, %s %u%s", name,
		 pf->name, tdx ? "HKID" : "ASID", g.key_id,
		 tdx ? ", SEPT_VE_DISABLE" : "");
	show_guest_map(&g, "before boot");
	if (policy == CCMEM_ACCEPT_EAGER)
		demo_say("  booting: it accepts all 4 GiB first (tens of seconds under TCG)...");

	t0 = now_ms();
	run_to_done(&g, first, 3, &run);
	r->first_alloc_ms = now_ms() - t0;
	r->accept_calls = demo_guest_stat(&g, "guest.accept_calls");
	r->hypercalls = demo_guest_stat(&g, "guest.hypercalls");
	r->name = name;
	r->calls = r->accept_calls + r->hypercalls;
	r->exits = g.nr_convert;
	r->accepted = demo_guest_stat(&g, "guest.accepted_bytes");
	show_guest_map(&g, "boot, then the first 1 MiB allocation");
	demo_say("  first 1 MiB allocated at 0x%llx after %.1f ms: %llu MiB accepted,",
		 (unsigned long long)ccmem_run_state(&run)->r0,
		 r->first_alloc_ms, (unsigned long long)(r->accepted >> 20));
	demo_say("  %llu %s + %llu %s so far, %llu conversion exits",
		 (unsigned long long)r->accept_calls, pf->accept,
		 (unsigned long long)r->hypercalls, pf->hcall,
		 (unsigned long long)r->exits);
	host_work(&g, pf, r);
	/* The host backed exactly what the guest accepted, once. */
	if (r->host_2m * CCMEM_SZ_2M + r->host_4k * CCMEM_SZ_4K != r->accepted)
		demo_fail("%s on %s: the host backed %llu x 2M + %llu x 4K for %llu bytes accepted",
			  name, pf->name, (unsigned long long)r->host_2m,
			  (unsigned long long)r->host_4k,
			  (unsigned long long)r->accepted);

	run_to_done(&g, more, 2, &run);
	show_guest_map(&g, "after allocating 1 GiB more");
	demo_say("  now %llu MiB accepted (%llu units eagerly, %llu lazily),",
		 (unsigned long long)(demo_guest_stat(&g, "guest.accepted_bytes") >> 20),
		 (unsigned long long)demo_guest_stat(&g, "guest.eager_accepts"),
		 (unsigned long long)demo_guest_stat(&g, "guest.lazy_accepts"));
	demo_say("  %llu 2M->4K fallbacks, %llu security events",
		 (unsigned long long)demo_guest_stat(&g, "guest.fallbacks_4k"),
		 (unsigned long long)demo_guest_stat(&g, "guest.security_events"));
	if (demo_guest_stat(&g, "guest.security_events"))
		demo_fail("the %s guest on %s saw a security event", name,
			  pf->name);
	ccmem_guest_destroy(&g);
}

/**
 * demo_guest_act() - the guest half: one 4 GiB guest, three policies, on
 * SNP and on TDX.
 */
void demo_guest_act(void)
{
	static const struct {
		uint32_t policy;
		const char *name;
	} pol[NR_POLICIES] = {
		{ CCMEM_ACCEPT_EAGER, "eager" },
		{ CCMEM_ACCEPT_LAZY, "lazy" },
		{ CCMEM_ACCEPT_HYBRID, "hybrid (first 512 MiB eager)" },
	};
	struct act_result r[NR_PLATFORMS][NR_POLICIES];
	const struct act_result *e, *l;
	unsigned int i, p;

	demo_step("i. the guest half: a 4 GiB guest, eager, lazy and hybrid, on SNP and on TDX");
	demo_say("each guest runs on an emulated vCPU: BOOT, then allocate and write 1 MiB;");
	demo_say("conversion requests exit to this VMM, which converts the range.");
	demo_say("SNP: the guest asks for private memory (Page State Change, a VMGEXIT),");
	demo_say("     then validates it with PVALIDATE; the host assigns RMP entries.");
	demo_say("TDX: the guest accepts with TDG.MEM.PAGE.ACCEPT; the host adds the page");
	demo_say("     (TDH.MEM.PAGE.AUG) when the accept exits to it: RAM that starts");
	demo_say("     private needs no MapGPA (TDG.VP.VMCALL) before it is accepted.");
	demo_say("map: one character per 64 MiB (V accepted, v partly, u not yet)");
	for (i = 0; i < NR_POLICIES; i++) {
		for (p = 0; p < NR_PLATFORMS; p++) {
			demo_say("");
			guest_under(&platforms[p], pol[i].policy, pol[i].name,
				    &r[p][i]);
		}
	}

	demo_say("");
	demo_say("%-28s %-4s %16s %15s %11s %14s", "policy", "", "first 1 MiB (ms)",
		 "platform calls", "conversions", "accepted (MiB)");
	for (i = 0; i < NR_POLICIES; i++)
		for (p = 0; p < NR_PLATFORMS; p++)
			demo_say("%-28s %-4s %16.1f %15llu %11llu %14llu",
				 p ? "" : r[p][i].name, platforms[p].name,
				 r[p][i].first_alloc_ms,
				 (unsigned long long)r[p][i].calls,
				 (unsigned long long)r[p][i].exits,
				 (unsigned long long)(r[p][i].accepted >> 20));
	for (p = 0; p < NR_PLATFORMS; p++) {
		e = &r[p][0];
		l = &r[p][1];
		if (e->accepted != GUEST_SIZE || l->accepted != 2ULL << 20 ||
		    r[p][2].accepted != HYBRID_X)
			demo_fail("%s: accepted bytes at the first allocation: %llu/%llu/%llu",
				  platforms[p].name,
				  (unsigned long long)e->accepted,
				  (unsigned long long)l->accepted,
				  (unsigned long long)r[p][2].accepted);
		demo_say("%s: lazy reached its first allocation %.0fx sooner than eager,",
			 platforms[p].name,
			 e->first_alloc_ms / (l->first_alloc_ms ?: 0.001));
		demo_say("     with %.0fx fewer platform calls",
			 (double)e->calls / (l->calls ?: 1));
	}
	demo_say("eager 4 GiB: SNP %llu PVALIDATE + %llu VMGEXIT = %llu calls;",
		 (unsigned long long)r[0][0].accept_calls,
		 (unsigned long long)r[0][0].hypercalls,
		 (unsigned long long)r[0][0].calls);
	demo_say("  TDX %llu ACCEPT + %llu VMCALL = %llu calls (the host AUGs at each accept exit)",
		 (unsigned long long)r[1][0].accept_calls,
		 (unsigned long long)r[1][0].hypercalls,
		 (unsigned long long)r[1][0].calls);
	demo_say("times are TCG wall clock, and the first eager guest also pays for the test");
	demo_say("VM's first touch of 4 GiB: make bench compares the platforms' times fairly");
}
