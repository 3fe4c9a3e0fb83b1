// SPDX-License-Identifier: GPL-2.0
/*
 * demo_guest.c - the guest act of ccmem-demo: the same 4 GiB SNP guest
 * booted under the eager, lazy and hybrid acceptance policies, on an
 * emulated vCPU. For each: the time from the vCPU's start to its first
 * 1 MiB allocation, the platform calls the guest made (PVALIDATE and
 * VMGEXIT), the conversion exits the VMM served, and the memory map as
 * acceptance proceeds.
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

struct act_result {
	const char *name;
	double first_alloc_ms;
	uint64_t calls;
	uint64_t exits;
	uint64_t accepted;
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

/* Counter @name of the guest's VM, now. */
static uint64_t guest_stat(struct ccmem_guest *g, const char *name)
{
	uint64_t v;
	int ret = ccmem_vm_stat(g->vm, name, &v);

	if (ret)
		demo_fail("reading counter %s: %s", name, ccmem_errno_name(ret));
	return v;
}

static void guest_under(uint32_t policy, const char *name,
			struct act_result *r)
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
	uint64_t accept_calls, hypercalls;
	struct ccmem_guest g;
	struct ccmem_run run;
	double t0;
	int ret;

	if (policy == CCMEM_ACCEPT_HYBRID)
		cfg.eager_bytes = HYBRID_X;
	ret = ccmem_guest_create(&g, &cfg);
	if (ret)
		demo_fail("creating the %s guest: %s", name,
			  ccmem_errno_name(ret));
	ret = ccmem_guest_add_vcpu(&g, 0);
	if (ret)
		demo_fail("CREATE_VCPU: %s", ccmem_errno_name(ret));
	demo_say("%s: 4 GiB of RAM at 4 GiB, one vCPU", name);
	show_guest_map(&g, "before boot");

	t0 = now_ms();
	run_to_done(&g, first, 3, &run);
	r->first_alloc_ms = now_ms() - t0;
	accept_calls = guest_stat(&g, "guest.accept_calls");
	hypercalls = guest_stat(&g, "guest.hypercalls");
	r->name = name;
	r->calls = accept_calls + hypercalls;
	r->exits = g.nr_convert;
	r->accepted = guest_stat(&g, "guest.accepted_bytes");
	show_guest_map(&g, "boot, then the first 1 MiB allocation");
	demo_say("  first 1 MiB allocated at 0x%llx after %.1f ms: %llu MiB accepted,",
		 (unsigned long long)ccmem_run_state(&run)->r0,
		 r->first_alloc_ms, (unsigned long long)(r->accepted >> 20));
	demo_say("  %llu PVALIDATE + %llu VMGEXIT so far",
		 (unsigned long long)accept_calls,
		 (unsigned long long)hypercalls);

	run_to_done(&g, more, 2, &run);
	show_guest_map(&g, "after allocating 1 GiB more");
	demo_say("  now %llu MiB accepted (%llu units eagerly, %llu lazily),",
		 (unsigned long long)(guest_stat(&g, "guest.accepted_bytes") >> 20),
		 (unsigned long long)guest_stat(&g, "guest.eager_accepts"),
		 (unsigned long long)guest_stat(&g, "guest.lazy_accepts"));
	demo_say("  %llu 2M->4K fallbacks, %llu security events",
		 (unsigned long long)guest_stat(&g, "guest.fallbacks_4k"),
		 (unsigned long long)guest_stat(&g, "guest.security_events"));
	if (guest_stat(&g, "guest.security_events"))
		demo_fail("the %s guest saw a security event", name);
	ccmem_guest_destroy(&g);
}

/**
 * demo_guest_act() - the guest half: one 4 GiB guest, three policies.
 */
void demo_guest_act(void)
{
	static const struct {
		uint32_t policy;
		const char *name;
	} pol[] = {
		{ CCMEM_ACCEPT_EAGER, "eager" },
		{ CCMEM_ACCEPT_LAZY, "lazy" },
		{ CCMEM_ACCEPT_HYBRID, "hybrid (first 512 MiB eager)" },
	};
	struct act_result r[3];
	unsigned int i;

	demo_step("i. the guest half: a 4 GiB guest under eager, lazy and hybrid acceptance");
	demo_say("each guest runs on an emulated vCPU: BOOT, then allocate and write 1 MiB;");
	demo_say("conversion requests exit to this VMM, which converts the range.");
	demo_say("map: one character per 64 MiB (V accepted, v partly, u not yet)");
	for (i = 0; i < 3; i++)
		guest_under(pol[i].policy, pol[i].name, &r[i]);

	demo_say("");
	demo_say("%-30s %16s %15s %10s %14s", "policy", "first 1 MiB (ms)",
		 "platform calls", "conversions", "accepted (MiB)");
	for (i = 0; i < 3; i++)
		demo_say("%-30s %16.1f %15llu %10llu %14llu", r[i].name,
			 r[i].first_alloc_ms, (unsigned long long)r[i].calls,
			 (unsigned long long)r[i].exits,
			 (unsigned long long)(r[i].accepted >> 20));
	if (r[0].accepted != GUEST_SIZE || r[1].accepted != 2ULL << 20 ||
	    r[2].accepted != HYBRID_X)
		demo_fail("accepted bytes at the first allocation: %llu/%llu/%llu",
			  (unsigned long long)r[0].accepted,
			  (unsigned long long)r[1].accepted,
			  (unsigned long long)r[2].accepted);
	demo_say("lazy reached its first allocation %.0fx sooner than eager,",
		 r[0].first_alloc_ms / (r[1].first_alloc_ms ?: 0.001));
	demo_say("with %.0fx fewer platform calls",
		 (double)r[0].calls / (r[1].calls ?: 1));
}
