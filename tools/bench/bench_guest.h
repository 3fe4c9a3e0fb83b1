/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench_guest.h - the guest-half figures of ccmem-bench (bench_guest.c).
 */
#ifndef CCMEM_BENCH_GUEST_H
#define CCMEM_BENCH_GUEST_H

#include <stddef.h>
#include <linux/types.h>

int bench_guest_run(unsigned int *passed, unsigned int *failed);
int bench_guest_series(void);

/*
 * bench.c: the platforms of the figures (SNP, then TDX, whose figure names
 * end in @suffix "_tdx"), CLOCK_MONOTONIC in ns, the median of @n values
 * (sorts), and a figure's result kept for the side-by-side table.
 */
#define BENCH_NR_PLATS	2

struct bench_plat {
	__u32 type;		/* CCMEM_VM_* */
	const char *name;	/* "SNP" */
	const char *suffix;	/* of the figure names: "" or "_tdx" */
};

extern const struct bench_plat bench_plats[BENCH_NR_PLATS];

__u64 bench_now_ns(void);
__u64 bench_median(__u64 *v, size_t n);
void bench_record(const char *name, const char *value, const char *verdict);

#endif /* CCMEM_BENCH_GUEST_H */
