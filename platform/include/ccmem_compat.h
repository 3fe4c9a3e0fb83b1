/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ccmem_compat.h - the tiny compatibility layer of the portable cores.
 *
 * The portable cores (the RMP model, later the Secure-EPT model, the
 * PSC/MapGPA decoders, the accepted-memory bitmap...) are plain C. The same
 * source is built into kernel modules, into userspace unit tests and into a
 * freestanding guest kernel. This header is the only thing they include.
 */
#ifndef CCMEM_COMPAT_H
#define CCMEM_COMPAT_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/string.h>
#include <linux/bits.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;

#ifndef BIT
#define BIT(n)		(1UL << (n))
#endif
#ifndef BIT_ULL
#define BIT_ULL(n)	(1ULL << (n))
#endif
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif
#endif /* __KERNEL__ */

#define CCMEM_PAGE_SHIFT	12
#define CCMEM_PAGE_SIZE		(1ULL << CCMEM_PAGE_SHIFT)
#define CCMEM_2M_SHIFT		21
#define CCMEM_2M_SIZE		(1ULL << CCMEM_2M_SHIFT)
#define CCMEM_PAGES_PER_2M	512

#endif /* CCMEM_COMPAT_H */
