// SPDX-License-Identifier: GPL-2.0
/*
 * bench_guest.c - the guest-half figures of ccmem-bench, each a side by
 * side comparison in one run, on an SNP guest and on a TDX guest (the
 * figure's name with "_tdx"):
 *
 *   guest_lazy_first_alloc  lazy policy: time from the vCPU's start to its
 *                           first 1 MiB allocation, 64 GiB guest against a
 *                           4 GiB one. Target: ratio 64G/4G <= 1.2.
 *   guest_eager_1g_calls    eager acceptance of 1 GiB: platform calls
 *                           counted by the guest (SNP: PVALIDATE + VMGEXIT;
 *                           TDX: TDG.MEM.PAGE.ACCEPT + TDG.VP.VMCALL) with
 *                           forced 4 KiB against the 2 MiB ladder. Target:
 *                           ratio 4K/2M >= 50. The host's side is printed
 *                           too (SNP: RMP assignments; TDX: accept exits
 *                           and TDH.MEM.PAGE.AUG at 2M and 4K).
 *
 * Fresh guests for every sample; samples of the sides alternate so that
 * drift of the TCG machine hits them alike; medians are compared.
 *
 * bench_guest_series() measures the data of the plots instead (ccmem-bench
 * -d): the first allocation of eager, lazy and hybrid guests against the
 * guest's size, then the ladder figure, whose "plot: calls" rows hold its
 * platform calls.
 */
#include <errno.h>
#include <stdio.h>

#include "libccmem.h"
#include "bench_guest.h"

#define GUEST_GPA		(4ULL << 30)
#define LAZY_REPS		21
#define TARGET_LAZY		1.2	/* 64G/4G time, at most */
#define TARGET_LADDER		50.0	/* 4K/2M platform calls, at least */
#define SZ_4G			(4ULL << 30)
#define SZ_64G			(64ULL << 30)
#define SERIES_REPS		3
/* An eager guest accepts, and its host backs, the whole of its RAM. */
#define SERIES_EAGER_MAX	(2ULL << 30)
/* What a hybrid guest accepts at boot, as the make run demo's. */
#define HYBRID_EAGER		(256ULL << 20)

/* The counters a figure reads. */
struct bg_stats {
	uint64_t accept_calls;
	uint64_t hypercalls;
	uint64_t convert_entries;
	uint64_t accepted_bytes;
	uint64_t host_2m;	/* SNP: vm.assigned_2m; TDX: tdx.augs_2m */
	uint64_t host_4k;	/* SNP: vm.assigned_4k; TDX: tdx.augs_4k */
	uint64_t splits;	/* SNP: vm.splits; TDX: tdx.demotes */
	uint64_t accept_exits;	/* TDX only */
	uint64_t sept_adds;	/* TDX only */
};

/* What each platform's guest and host call their side of the figures. */
static const struct {
	const char *accept;
	const char *hcall;
	const char *host_2m;
	const char *host_4k;
	const char *splits;
} bg_names[BENCH_NR_PLATS] = {
	{ "PVALIDATE", "VMGEXIT", "vm.assigned_2m", "vm.assigned_4k",
	  "vm.splits" },
	{ "ACCEPT", "VMCALL", "tdx.augs_2m", "tdx.augs_4k", "tdx.demotes" },
};

static int bg_read_stats(struct ccmem_guest *g, unsigned int plat,
			 struct bg_stats *st)
{
	struct ccmem_stats_table t = { 0 };
	int ret = ccmem_stats_snapshot(g->vm, &t);

	ret = ret ?: ccmem_stats_value(&t, "guest.accept_calls",
				       &st->accept_calls);
	ret = ret ?: ccmem_stats_value(&t, "guest.hypercalls", &st->hypercalls);
	ret = ret ?: ccmem_stats_value(&t, "guest.convert_entries",
				       &st->convert_entries);
	ret = ret ?: ccmem_stats_value(&t, "guest.accepted_bytes",
				       &st->accepted_bytes);
	ret = ret ?: ccmem_stats_value(&t, bg_names[plat].host_2m,
				       &st->host_2m);
	ret = ret ?: ccmem_stats_value(&t, bg_names[plat].host_4k,
				       &st->host_4k);
	ret = ret ?: ccmem_stats_value(&t, bg_names[plat].splits,
				       &st->splits);
	st->accept_exits = 0;
	st->sept_adds = 0;
	if (bench_plats[plat].type == CCMEM_VM_TDX) {
		ret = ret ?: ccmem_stats_value(&t, "tdx.accept_exits",
					       &st->accept_exits);
		ret = ret ?: ccmem_stats_value(&t, "tdx.sept_adds",
					       &st->sept_adds);
	}
	ccmem_stats_free(&t);
	return ret;
}

/*
 * One fresh guest of platform @plat runs @p to its end; returns the run's
 * wall time. A TDX guest is created with SEPT_VE_DISABLE, as Linux guests
 * ask, and without comm pages (its hypercalls pass in registers).
 */
static int bg_run_guest(unsigned int plat, __u64 size, __u32 policy,
			__u32 flags, const struct ccmem_guest_insn *p, __u32 nr,
			__u64 *ns, struct bg_stats *st)
{
	struct ccmem_emu_guest_config cfg = ccmem_guest_config(policy,
							       GUEST_GPA, size);
	__u32 type = bench_plats[plat].type;
	struct ccmem_guest g;
	struct ccmem_run run;
	char what[192];
	__u64 t0;
	int ret;

	cfg.flags = flags;
	if (policy == CCMEM_ACCEPT_HYBRID)
		cfg.eager_bytes = HYBRID_EAGER;
	if (type == CCMEM_VM_TDX)
		cfg.comm_gpa = 0;
	ret = ccmem_guest_create_vm(&g, type, type == CCMEM_VM_TDX ?
				    CCMEM_TDX_ATTR_NO_PENDING_VE : 0, &cfg);
	ret = ret ?: ccmem_guest_add_vcpu(&g, 0);
	ret = ret ?: ccmem_vcpu_set_program(g.vcpu[0], p, nr);
	if (!ret) {
		t0 = bench_now_ns();
		ret = ccmem_guest_run(&g, 0, &run);
		*ns = bench_now_ns() - t0;
	}
	if (!ret && run.exit_reason != CCMEM_EXIT_EMU_DONE) {
		fprintf(stderr, "ccmem-bench: %s guest exit %s\n",
			bench_plats[plat].name,
			ccmem_run_describe(&run, what, sizeof(what)));
		ret = -EIO;
	}
	if (!ret && st)
		ret = bg_read_stats(&g, plat, st);
	ccmem_guest_destroy(&g);
	return ret;
}

static void bg_verdict(const char *name, const char *value, bool pass,
		       unsigned int *passed, unsigned int *failed)
{
	printf(" %s\n", pass ? "PASS" : "FAIL");
	bench_record(name, value, pass ? "PASS" : "FAIL");
	if (pass)
		(*passed)++;
	else
		(*failed)++;
}

static int bg_lazy_first_alloc(unsigned int *passed, unsigned int *failed)
{
	static const struct ccmem_guest_insn p[] = {
		{ .op = CCMEM_GOP_BOOT },
		{ .op = CCMEM_GOP_ALLOC, .size = 1ULL << 20 },
	};
	__u64 t4[BENCH_NR_PLATS][LAZY_REPS], t64[BENCH_NR_PLATS][LAZY_REPS];
	__u64 m4, m64, w;
	unsigned int i, k, plat;
	char name[40], value[24];
	double ratio;
	int ret = 0;

	printf("\n[guest_lazy_first_alloc] lazy policy: vCPU start -> first 1 MiB allocated\n");
	/* A warm-up pair per platform, not counted: first touches. */
	for (plat = 0; !ret && plat < BENCH_NR_PLATS; plat++) {
		ret = bg_run_guest(plat, SZ_4G, CCMEM_ACCEPT_LAZY, 0, p, 2, &w,
				   NULL);
		ret = ret ?: bg_run_guest(plat, SZ_64G, CCMEM_ACCEPT_LAZY, 0,
					  p, 2, &w, NULL);
	}
	/*
	 * Then four guests per sample: 4 GiB on both platforms, then 64 GiB
	 * on both, the platform going first alternating between samples. In
	 * the whole sequence (4, 4, 64, 64, 4, 4, ...) every side follows a
	 * 4 GiB guest as often as a 64 GiB one, whose teardown may still be
	 * finishing, and adjacent samples share the machine's drift.
	 */
	for (i = 0; !ret && i < LAZY_REPS; i++) {
		for (k = 0; !ret && k < 2 * BENCH_NR_PLATS; k++) {
			bool big = k >= BENCH_NR_PLATS;

			plat = (k % BENCH_NR_PLATS) ^ (i & 1);
			ret = bg_run_guest(plat, big ? SZ_64G : SZ_4G,
					   CCMEM_ACCEPT_LAZY, 0, p, 2,
					   big ? &t64[plat][i] : &t4[plat][i],
					   NULL);
		}
	}
	if (ret)
		return ret;
	for (plat = 0; plat < BENCH_NR_PLATS; plat++) {
		m4 = bench_median(t4[plat], LAZY_REPS);
		m64 = bench_median(t64[plat], LAZY_REPS);
		ratio = (double)m64 / (double)(m4 ?: 1);
		snprintf(name, sizeof(name), "guest_lazy_first_alloc%s",
			 bench_plats[plat].suffix);
		snprintf(value, sizeof(value), "%.3f", ratio);
		printf("%s  4 GiB guest   %.1f us (median of %u)\n",
		       bench_plats[plat].name, m4 / 1e3, LAZY_REPS);
		printf("%s  64 GiB guest  %.1f us (median of %u)\n",
		       bench_plats[plat].name, m64 / 1e3, LAZY_REPS);
		printf("bench: %s t4g=%llu t64g=%llu ratio=%.3f target<=%.1f",
		       name, m4, m64, ratio, TARGET_LAZY);
		bg_verdict(name, value, ratio <= TARGET_LAZY, passed, failed);
	}
	return 0;
}

/* One side of the ladder figure, as the guest and the host counted it. */
static void bg_print_side(unsigned int plat, const char *side,
			  const struct bg_stats *s, __u64 ns)
{
	const char *n2m = bg_names[plat].host_2m, *n4k = bg_names[plat].host_4k;
	const char *nsp = bg_names[plat].splits;

	printf("%s %-10s %llu %s + %llu %s = %llu calls, %llu conversion entries, %.1f ms\n",
	       bench_plats[plat].name, side,
	       (unsigned long long)s->accept_calls, bg_names[plat].accept,
	       (unsigned long long)s->hypercalls, bg_names[plat].hcall,
	       (unsigned long long)(s->accept_calls + s->hypercalls),
	       (unsigned long long)s->convert_entries, ns / 1e6);
	printf("%s %-10s host: %s=%llu %s=%llu %s=%llu",
	       bench_plats[plat].name, "", n2m, (unsigned long long)s->host_2m,
	       n4k, (unsigned long long)s->host_4k, nsp,
	       (unsigned long long)s->splits);
	if (bench_plats[plat].type == CCMEM_VM_TDX)
		printf(" tdx.accept_exits=%llu tdx.sept_adds=%llu",
		       (unsigned long long)s->accept_exits,
		       (unsigned long long)s->sept_adds);
	printf("\n");
}

/*
 * The host backed exactly the 1 GiB the guest accepted, once (checked for
 * the report; the verdict is on the calls and the bytes accepted).
 */
static bool bg_backed_1g(const struct bg_stats *s)
{
	return s->accepted_bytes == 1ULL << 30 &&
	       s->host_2m * (2ULL << 20) + s->host_4k * 4096 == 1ULL << 30;
}

static int bg_eager_ladder(unsigned int *passed, unsigned int *failed)
{
	static const struct ccmem_guest_insn p[] = { { .op = CCMEM_GOP_BOOT } };
	struct bg_stats s2m, s4k;
	__u64 t2m, t4k, c2m, c4k;
	unsigned int plat;
	char name[40], value[24];
	double ratio;
	int ret;

	printf("\n[guest_eager_1g_calls] eager acceptance of 1 GiB: platform calls\n");
	/* Warm-up, not counted: the machine's first touch of 1 GiB. */
	ret = bg_run_guest(0, 1ULL << 30, CCMEM_ACCEPT_EAGER, 0, p, 1, &t2m,
			   &s2m);
	for (plat = 0; !ret && plat < BENCH_NR_PLATS; plat++) {
		ret = bg_run_guest(plat, 1ULL << 30, CCMEM_ACCEPT_EAGER, 0, p,
				   1, &t2m, &s2m);
		ret = ret ?: bg_run_guest(plat, 1ULL << 30, CCMEM_ACCEPT_EAGER,
					  CCMEM_GUEST_F_FORCE_4K, p, 1, &t4k,
					  &s4k);
		if (ret)
			break;
		c2m = s2m.accept_calls + s2m.hypercalls;
		c4k = s4k.accept_calls + s4k.hypercalls;
		bg_print_side(plat, "2M ladder", &s2m, t2m);
		bg_print_side(plat, "forced 4K", &s4k, t4k);
		if (!plat)
			printf("plot: calls # platform ladder accept_calls hypercalls\n");
		printf("plot: calls %s 2M-ladder %llu %llu\n",
		       bench_plats[plat].name,
		       (unsigned long long)s2m.accept_calls,
		       (unsigned long long)s2m.hypercalls);
		printf("plot: calls %s forced-4K %llu %llu\n",
		       bench_plats[plat].name,
		       (unsigned long long)s4k.accept_calls,
		       (unsigned long long)s4k.hypercalls);
		ratio = (double)c4k / (double)(c2m ?: 1);
		printf("%s time ratio 4K/2M: %.1fx (TCG wall clock, informational)\n",
		       bench_plats[plat].name,
		       (double)t4k / (double)(t2m ?: 1));
		snprintf(name, sizeof(name), "guest_eager_1g_calls%s",
			 bench_plats[plat].suffix);
		snprintf(value, sizeof(value), "%.1fx", ratio);
		printf("bench: %s calls2m=%llu calls4k=%llu ratio=%.1fx target>=%.0fx",
		       name, c2m, c4k, ratio, TARGET_LADDER);
		bg_verdict(name, value, ratio >= TARGET_LADDER &&
			   s2m.accepted_bytes == 1ULL << 30 &&
			   s4k.accepted_bytes == 1ULL << 30, passed, failed);
		if (!bg_backed_1g(&s2m) || !bg_backed_1g(&s4k))
			printf("note: %s: host 2M/4K counts differ from the 1 GiB accepted\n",
			       name);
	}
	return ret;
}

/* The policies of the acceptance series, in the order of its columns. */
static const struct {
	__u32 policy;
	const char *name;
} bg_policies[] = {
	{ CCMEM_ACCEPT_EAGER, "eager" },
	{ CCMEM_ACCEPT_LAZY, "lazy" },
	{ CCMEM_ACCEPT_HYBRID, "hybrid" },
};

#define BG_NR_POLICIES	ARRAY_SIZE(bg_policies)

static const __u64 bg_series_sizes[] = {
	512ULL << 20, 1ULL << 30, 2ULL << 30, SZ_4G, 16ULL << 30, SZ_64G,
};

#define BG_NR_SIZES	ARRAY_SIZE(bg_series_sizes)

/*
 * The acceptance series: vCPU start to the first 1 MiB allocated (BOOT,
 * ALLOC), against the guest's size, for every policy on both platforms.
 * A sample runs every size, policy and platform once, in that order, so
 * that drift of the machine hits them alike; each point is the median of
 * SERIES_REPS. Eager guests stop at SERIES_EAGER_MAX ("-" in the row).
 */
static int bg_series_accept(void)
{
	static const struct ccmem_guest_insn p[] = {
		{ .op = CCMEM_GOP_BOOT },
		{ .op = CCMEM_GOP_ALLOC, .size = 1ULL << 20 },
	};
	static __u64 t[BG_NR_SIZES][BG_NR_POLICIES][BENCH_NR_PLATS][SERIES_REPS];
	unsigned int r, i, k, plat;
	__u64 w;
	int ret;

	printf("\n[series] vCPU start -> first 1 MiB allocated, by guest size\n");
	printf("eager up to %llu GiB, lazy, hybrid (first %llu MiB eager); median of %u\n",
	       SERIES_EAGER_MAX >> 30, HYBRID_EAGER >> 20, SERIES_REPS);
	fflush(stdout);
	/* Warm-up, not counted: the machine's first touch of the memory. */
	ret = bg_run_guest(0, SERIES_EAGER_MAX, CCMEM_ACCEPT_EAGER, 0, p, 2,
			   &w, NULL);
	for (plat = 0; !ret && plat < BENCH_NR_PLATS; plat++)
		ret = bg_run_guest(plat, SZ_64G, CCMEM_ACCEPT_LAZY, 0, p, 2,
				   &w, NULL);
	for (r = 0; !ret && r < SERIES_REPS; r++) {
		for (i = 0; !ret && i < BG_NR_SIZES; i++) {
			for (k = 0; !ret && k < BG_NR_POLICIES; k++) {
				if (bg_policies[k].policy == CCMEM_ACCEPT_EAGER &&
				    bg_series_sizes[i] > SERIES_EAGER_MAX)
					continue;
				for (plat = 0; !ret && plat < BENCH_NR_PLATS; plat++)
					ret = bg_run_guest(plat, bg_series_sizes[i],
							   bg_policies[k].policy,
							   0, p, 2, &t[i][k][plat][r],
							   NULL);
			}
		}
	}
	if (ret)
		return ret;

	printf("plot: accept # bytes");
	for (k = 0; k < BG_NR_POLICIES; k++)
		for (plat = 0; plat < BENCH_NR_PLATS; plat++)
			printf(" %s_%s_ns", bg_policies[k].name,
			       bench_plats[plat].name);
	printf("\n");
	for (i = 0; i < BG_NR_SIZES; i++) {
		printf("plot: accept %llu", bg_series_sizes[i]);
		for (k = 0; k < BG_NR_POLICIES; k++) {
			for (plat = 0; plat < BENCH_NR_PLATS; plat++) {
				if (bg_policies[k].policy == CCMEM_ACCEPT_EAGER &&
				    bg_series_sizes[i] > SERIES_EAGER_MAX)
					printf(" -");
				else
					printf(" %llu", bench_median(t[i][k][plat],
								     SERIES_REPS));
			}
		}
		printf("\n");
	}
	fflush(stdout);
	return 0;
}

/**
 * bench_guest_series() - measure the guest data of the plots.
 *
 * The acceptance series, then the ladder figure (printed, not counted).
 *
 * Return: 0, or -errno when a guest could not run.
 */
int bench_guest_series(void)
{
	unsigned int passed = 0, failed = 0;
	int ret = bg_series_accept();

	return ret ?: bg_eager_ladder(&passed, &failed);
}

/**
 * bench_guest_run() - run the guest figures.
 * @passed: incremented per figure that meets its target.
 * @failed: incremented per figure that misses it.
 *
 * Return: 0, or -errno when a figure could not run.
 */
int bench_guest_run(unsigned int *passed, unsigned int *failed)
{
	int ret = bg_lazy_first_alloc(passed, failed);

	return ret ?: bg_eager_ladder(passed, failed);
}
