// SPDX-License-Identifier: GPL-2.0
/*
 * bench_guest.c - the guest-half figures of ccmem-bench, each a side by
 * side comparison in one run:
 *
 *   guest_lazy_first_alloc  lazy policy: time from the vCPU's start to its
 *                           first 1 MiB allocation, 64 GiB guest against a
 *                           4 GiB one. Target: ratio 64G/4G <= 1.2.
 *   guest_eager_1g_calls    eager acceptance of 1 GiB: platform calls
 *                           (PVALIDATE + VMGEXIT, counted by the guest) with
 *                           forced 4 KiB against the 2 MiB ladder. Target:
 *                           ratio 4K/2M >= 50.
 *
 * Fresh guests for every sample; samples of the two sides alternate so
 * that drift of the TCG machine hits both alike; medians are compared.
 */
#include <errno.h>
#include <stdio.h>

#include "libccmem.h"
#include "bench_guest.h"

#define GUEST_GPA		(4ULL << 30)
#define LAZY_REPS		21
#define TARGET_LAZY		1.2	/* 64G/4G time, at most */
#define TARGET_LADDER		50.0	/* 4K/2M platform calls, at least */

/* The guest counters a figure reads. */
struct bg_stats {
	uint64_t accept_calls;
	uint64_t hypercalls;
	uint64_t convert_entries;
	uint64_t accepted_bytes;
};

static int bg_read_stats(struct ccmem_guest *g, struct bg_stats *st)
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
	ccmem_stats_free(&t);
	return ret;
}

/* One fresh guest runs @p to its end; returns the run's wall time. */
static int bg_run_guest(__u64 size, __u32 policy, __u32 flags,
			const struct ccmem_guest_insn *p, __u32 nr,
			__u64 *ns, struct bg_stats *st)
{
	struct ccmem_emu_guest_config cfg = ccmem_guest_config(policy,
							       GUEST_GPA, size);
	struct ccmem_guest g;
	struct ccmem_run run;
	char what[192];
	__u64 t0;
	int ret;

	cfg.flags = flags;
	ret = ccmem_guest_create(&g, &cfg);
	ret = ret ?: ccmem_guest_add_vcpu(&g, 0);
	ret = ret ?: ccmem_vcpu_set_program(g.vcpu[0], p, nr);
	if (!ret) {
		t0 = bench_now_ns();
		ret = ccmem_guest_run(&g, 0, &run);
		*ns = bench_now_ns() - t0;
	}
	if (!ret && run.exit_reason != CCMEM_EXIT_EMU_DONE) {
		fprintf(stderr, "ccmem-bench: guest exit %s\n",
			ccmem_run_describe(&run, what, sizeof(what)));
		ret = -EIO;
	}
	if (!ret && st)
		ret = bg_read_stats(&g, st);
	ccmem_guest_destroy(&g);
	return ret;
}

static void bg_verdict(bool pass, unsigned int *passed, unsigned int *failed)
{
	printf(" %s\n", pass ? "PASS" : "FAIL");
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
	__u64 t4[LAZY_REPS], t64[LAZY_REPS], m4, m64;
	double ratio;
	unsigned int i;
	int ret;

	printf("\n[guest_lazy_first_alloc] lazy policy: vCPU start -> first 1 MiB allocated\n");
	/* A warm-up pair, not counted: first touches of the machine. */
	ret = bg_run_guest(4ULL << 30, CCMEM_ACCEPT_LAZY, 0, p, 2, &t4[0], NULL);
	ret = ret ?: bg_run_guest(64ULL << 30, CCMEM_ACCEPT_LAZY, 0, p, 2,
				  &t64[0], NULL);
	/* Then alternate which size goes first, so drift hits both. */
	for (i = 0; !ret && i < LAZY_REPS; i++) {
		__u64 a = i % 2 ? 64ULL << 30 : 4ULL << 30;
		__u64 b = i % 2 ? 4ULL << 30 : 64ULL << 30;

		ret = bg_run_guest(a, CCMEM_ACCEPT_LAZY, 0, p, 2,
				   i % 2 ? &t64[i] : &t4[i], NULL);
		ret = ret ?: bg_run_guest(b, CCMEM_ACCEPT_LAZY, 0, p, 2,
					  i % 2 ? &t4[i] : &t64[i], NULL);
	}
	if (ret)
		return ret;
	m4 = bench_median(t4, LAZY_REPS);
	m64 = bench_median(t64, LAZY_REPS);
	ratio = (double)m64 / (double)(m4 ?: 1);
	printf("4 GiB guest   %.1f us (median of %u)\n", m4 / 1e3, LAZY_REPS);
	printf("64 GiB guest  %.1f us (median of %u)\n", m64 / 1e3, LAZY_REPS);
	printf("bench: guest_lazy_first_alloc t4g=%llu t64g=%llu ratio=%.3f target<=%.1f",
	       m4, m64, ratio, TARGET_LAZY);
	bg_verdict(ratio <= TARGET_LAZY, passed, failed);
	return 0;
}

static int bg_eager_ladder(unsigned int *passed, unsigned int *failed)
{
	static const struct ccmem_guest_insn p[] = { { .op = CCMEM_GOP_BOOT } };
	struct bg_stats s2m, s4k;
	__u64 t2m, t4k, c2m, c4k;
	double ratio;
	int ret;

	printf("\n[guest_eager_1g_calls] eager acceptance of 1 GiB: platform calls\n");
	/* Warm-up, not counted: the machine's first touch of 1 GiB. */
	ret = bg_run_guest(1ULL << 30, CCMEM_ACCEPT_EAGER, 0, p, 1, &t2m, &s2m);
	ret = ret ?: bg_run_guest(1ULL << 30, CCMEM_ACCEPT_EAGER, 0, p, 1,
				  &t2m, &s2m);
	ret = ret ?: bg_run_guest(1ULL << 30, CCMEM_ACCEPT_EAGER,
				  CCMEM_GUEST_F_FORCE_4K, p, 1, &t4k, &s4k);
	if (ret)
		return ret;
	c2m = s2m.accept_calls + s2m.hypercalls;
	c4k = s4k.accept_calls + s4k.hypercalls;
	printf("2M ladder   %llu PVALIDATE + %llu VMGEXIT = %llu calls, ",
	       (unsigned long long)s2m.accept_calls,
	       (unsigned long long)s2m.hypercalls, c2m);
	printf("%llu PSC entries, %.1f ms\n",
	       (unsigned long long)s2m.convert_entries, t2m / 1e6);
	printf("forced 4K   %llu PVALIDATE + %llu VMGEXIT = %llu calls, ",
	       (unsigned long long)s4k.accept_calls,
	       (unsigned long long)s4k.hypercalls, c4k);
	printf("%llu PSC entries, %.1f ms\n",
	       (unsigned long long)s4k.convert_entries, t4k / 1e6);
	ratio = (double)c4k / (double)(c2m ?: 1);
	printf("time ratio 4K/2M: %.1fx (TCG wall clock, informational)\n",
	       (double)t4k / (double)(t2m ?: 1));
	printf("bench: guest_eager_1g_calls calls2m=%llu calls4k=%llu ratio=%.1fx target>=%.0fx",
	       c2m, c4k, ratio, TARGET_LADDER);
	bg_verdict(ratio >= TARGET_LADDER && s2m.accepted_bytes == 1ULL << 30 &&
		   s4k.accepted_bytes == 1ULL << 30, passed, failed);
	return 0;
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
