/* SPDX-License-Identifier: GPL-2.0 */
/*
 * insn_bytes.h - what the instruction-encoding tests share: the address of
 * an assembler label and a check of the bytes found there. x86-64 only.
 */
#ifndef CCMEM_UNIT_INSN_BYTES_H
#define CCMEM_UNIT_INSN_BYTES_H

#include <stdint.h>

/* The address of an assembler label of this file, without a declaration. */
#define LABEL_ADDR(label)						\
	({								\
		const u8 *__p;						\
		asm("lea " label "(%%rip), %0" : "=r" (__p));		\
		__p;							\
	})

/* The bytes at @actual are the array @expected. */
#define ASSERT_BYTES(expected, actual)					\
	do {								\
		const u8 *__act = (actual);				\
		size_t __i;						\
		for (__i = 0; __i < sizeof(expected); __i++)		\
			ASSERT_EQ((expected)[__i], __act[__i]);		\
	} while (0)

#endif /* CCMEM_UNIT_INSN_BYTES_H */
