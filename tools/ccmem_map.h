/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ccmem_map.h - human-readable views of a ccmem VM for the tools: the
 * memory map (CCMEM_VM_GET_MAP), the statistics table and fault records.
 * The ioctls themselves are libccmem's (selftests/lib/libccmem.h).
 */
#ifndef CCMEM_TOOLS_MAP_H
#define CCMEM_TOOLS_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "libccmem.h"

/* The map unit: one character per 2 MiB, 64 characters per line. */
#define CCMEM_MAP_SHIFT		21
#define CCMEM_MAP_COLS		64

/*
 * The memory map. One character per 2 MiB unit, chosen from the unit's
 * CCMEM_MAP_* bits by this precedence (first match wins):
 *
 *   P  some page is pinned (pins exist only on shared memory)
 *   .  no page of the unit is in a region (a hole)
 *   m  both private and shared pages
 *   s  shared pages only
 *   V  private only, every private page accepted
 *   v  private only, some accepted and some not
 *   u  private only, none accepted (or not populated yet)
 *
 * A unit that is partly a hole shows the state of the part in a region.
 */
char ccmem_map_char(uint8_t bits);
void ccmem_map_legend(FILE *out, const char *indent);
void ccmem_map_legend_shift(FILE *out, const char *indent, uint32_t shift);
int ccmem_map_print(FILE *out, const char *indent, int vm, uint64_t gpa,
		    uint64_t size);
/* @units bytes of CCMEM_MAP_* bits of 2^@shift-byte units from @start. */
void ccmem_map_render(FILE *out, const char *indent, uint64_t start,
		      uint32_t shift, const uint8_t *bits, uint64_t units);

/* Statistics and fault records. */
void ccmem_stats_print(FILE *out, const char *indent,
		       const struct ccmem_stats_table *t, bool all);
const char *ccmem_fault_error_str(uint64_t error_code, char *buf, size_t len);
void ccmem_fault_print(FILE *out, const char *indent,
		       const struct ccmem_fault *f);

/* debugfs: copy a file to @out. */
int ccmem_cat(FILE *out, const char *indent, const char *path);

#endif /* CCMEM_TOOLS_MAP_H */
