/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench_guest.h - the guest-half figures of ccmem-bench (bench_guest.c).
 */
#ifndef CCMEM_BENCH_GUEST_H
#define CCMEM_BENCH_GUEST_H

int bench_guest_run(unsigned int *passed, unsigned int *failed);

#endif /* CCMEM_BENCH_GUEST_H */
