/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench_guest.h - the guest-half figures of ccmem-bench (bench_guest.c).
 */
#ifndef CCMEM_BENCH_GUEST_H
#define CCMEM_BENCH_GUEST_H

#include <stddef.h>
#include <linux/types.h>

int bench_guest_run(unsigned int *passed, unsigned int *failed);

/* bench.c: CLOCK_MONOTONIC in ns, and the median of @n values (sorts). */
__u64 bench_now_ns(void);
__u64 bench_median(__u64 *v, size_t n);

#endif /* CCMEM_BENCH_GUEST_H */
