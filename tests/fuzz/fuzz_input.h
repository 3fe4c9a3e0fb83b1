/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fuzz_input.h - the fuzz targets' reader of their input: bytes, 16- and
 * 32-bit little-endian words, zeros once the input is used up. One
 * reader per target binary (fuzz_one_input() sets it up).
 */
#ifndef CCMEM_FUZZ_INPUT_H
#define CCMEM_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

static struct {
	const uint8_t *p;
	size_t left;
} in;

static inline void in_start(const uint8_t *data, size_t size)
{
	in.p = data;
	in.left = size;
}

static inline uint8_t byte(void)
{
	if (!in.left)
		return 0;
	in.left--;
	return *in.p++;
}

static inline uint16_t word(void)
{
	return (uint16_t)(byte() | byte() << 8);
}

static inline uint32_t dword(void)
{
	return word() | (uint32_t)word() << 16;
}

#endif /* CCMEM_FUZZ_INPUT_H */
