/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * bench_xa.h - ABI of ccmem_bench_xa.ko, the benchmark baseline.
 *
 * ccmem_bench_xa.ko keeps memory attributes the way upstream KVM does for
 * KVM_SET_MEMORY_ATTRIBUTES: one xarray entry per 4 KiB GFN. ccmem-bench
 * times it against CCMEM_VM_SET_ATTRIBUTES in the same kernel.
 *
 * The interface is the misc device /dev/ccmem_bench_xa. There is one global
 * attribute array, shared by every opener; calls are serialised.
 */
#ifndef _CCMEM_BENCH_XA_H
#define _CCMEM_BENCH_XA_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define CCMEM_BENCH_XA_IO	0xCD

/* Largest @size accepted by CCMEM_BENCH_XA_SET: 1 TiB (256M entries). */
#define CCMEM_BENCH_XA_MAX_SIZE	0x10000000000ULL

/**
 * struct ccmem_bench_xa_set - argument of CCMEM_BENCH_XA_SET.
 * @gpa:	start; 4 KiB aligned.
 * @size:	size in bytes; 4 KiB aligned, non-zero, at most
 *		CCMEM_BENCH_XA_MAX_SIZE, and @gpa + @size must not wrap.
 * @attributes:	the value stored for every GFN of the range, at most
 *		LONG_MAX; 0 erases the entries (upstream's "shared").
 * @ns:		out: kernel time spent on the update, in nanoseconds
 *		(ktime_get_ns() around the work, lock held). Ignored on input.
 * @reserved:	must be zero.
 *
 * Like upstream: nothing is done when every GFN of the range already has
 * @attributes; otherwise every GFN is first reserved (xa_reserve()), then
 * set (xa_store()). Reservations made before a failure are left in place;
 * they read as absent and CCMEM_BENCH_XA_RESET drops them.
 *
 * Errors: -EINVAL bad alignment, size, attributes or reserved; -ENOMEM an
 * entry could not be reserved; -EINTR a fatal signal arrived while
 * reserving.
 */
struct ccmem_bench_xa_set {
	__u64 gpa;
	__u64 size;
	__u64 attributes;
	__u64 ns;
	__u64 reserved[2];
};

/* Set the attributes of a range, one entry per 4 KiB GFN. */
#define CCMEM_BENCH_XA_SET	_IOWR(CCMEM_BENCH_XA_IO, 0x10, \
				      struct ccmem_bench_xa_set)
/* Erase every entry and free the array's memory; the argument must be 0. */
#define CCMEM_BENCH_XA_RESET	_IO(CCMEM_BENCH_XA_IO, 0x11)

#endif /* _CCMEM_BENCH_XA_H */
