/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stdint.h - the exact-width types of the tiny guest kernel. As in the
 * Linux kernel, the 64-bit types are long long, so the core's u64 prints
 * with %llx in the tiny kernel as it does in the module.
 */
#ifndef CCMEM_TINY_STDINT_H
#define CCMEM_TINY_STDINT_H

typedef signed char int8_t;
typedef unsigned char uint8_t;
typedef short int16_t;
typedef unsigned short uint16_t;
typedef int int32_t;
typedef unsigned int uint32_t;
typedef long long int64_t;
typedef unsigned long long uint64_t;

#endif /* CCMEM_TINY_STDINT_H */
