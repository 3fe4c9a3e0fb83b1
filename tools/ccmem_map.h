/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ccmem_map.h - human-readable views of a ccmem VM for the tools: the memory
 * map (CCMEM_VM_GET_MAP), the VM statistics and fault records, plus the few
 * ioctl wrappers that ccmem-demo and ccmemctl share.
 *
 * Every wrapper returns 0 (or a non-negative result) on success and -errno
 * on failure; nothing here exits or prints an error by itself.
 */
#ifndef CCMEM_TOOLS_MAP_H
#define CCMEM_TOOLS_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include <linux/ccmem.h>

#define CCMEM_DEV		"/dev/ccmem"
#define CCMEM_DEBUGFS		"/sys/kernel/debug/ccmem"

#define CCMEM_SZ_4K		0x1000ULL
#define CCMEM_SZ_2M		0x200000ULL
#define CCMEM_SZ_1M		0x100000ULL

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif

/* The map unit: one character per 2 MiB, 64 characters per line. */
#define CCMEM_MAP_SHIFT		21
#define CCMEM_MAP_COLS		64

/* ioctl wrappers */
int ccmem_ioctl(int fd, unsigned long cmd, void *arg);
int ccmem_open_dev(void);
int ccmem_vm_create(int dev, __u32 type, __u32 backend,
		    struct ccmem_vm_create *out);
int ccmem_vm_add_region(int vm, __u64 gpa, __u64 size, void *shared,
			__u32 flags);
int ccmem_vm_set_attr(int vm, __u64 gpa, __u64 size, bool priv);
int ccmem_vm_populate(int vm, __u64 gpa, __u64 size, __u64 *populated);
int ccmem_vm_pin(int vm, __u64 gpa, __u64 size, bool pin);
int ccmem_vm_stats(int vm, struct ccmem_vm_stats *s);
int ccmem_vm_map(int vm, __u64 gpa, __u64 size, __u32 shift, __u8 *buf);
int ccmem_vm_read_faults(int vm, struct ccmem_fault *recs, __u32 nr,
			 __u32 *pending);
int ccmem_emu_op(int vm, struct ccmem_emu_op *op);
int ccmem_emu_pvalidate(int vm, __u64 gpa, bool is_2m, bool validate,
			struct ccmem_emu_op *op);
int ccmem_emu_rw(int vm, __u32 kind, __u64 gpa, void *buf, __u32 len,
		 bool shared, struct ccmem_emu_op *op);

/*
 * The memory map. One character per 2 MiB unit, chosen from the unit's
 * CCMEM_MAP_* bits by this precedence (first match wins):
 *
 *   P  some page is pinned (pins exist only on shared memory)
 *   .  no page of the unit is in a region (a hole)
 *   m  both private and shared pages
 *   s  shared pages only
 *   V  private only, every private page validated
 *   v  private only, some validated and some not
 *   u  private only, none validated (or not populated yet)
 *
 * A unit that is partly a hole shows the state of the part in a region.
 */
char ccmem_map_char(__u8 bits);
void ccmem_map_legend(FILE *out, const char *indent);
int ccmem_map_print(FILE *out, const char *indent, int vm, __u64 gpa,
		    __u64 size);

/* Statistics and fault records. */
const char *ccmem_vm_state_name(__u32 state);
void ccmem_stats_print(FILE *out, const char *indent,
		       const struct ccmem_vm_stats *s);
const char *ccmem_fault_reason_name(__u32 reason);
const char *ccmem_fault_error_str(__u64 error_code, char *buf, size_t len);
void ccmem_fault_print(FILE *out, const char *indent,
		       const struct ccmem_fault *f);

/* debugfs: copy a file to @out, or read one "key: value" counter. */
int ccmem_cat(FILE *out, const char *indent, const char *path);
int ccmem_read_counter(const char *path, const char *key, long long *val);

#endif /* CCMEM_TOOLS_MAP_H */
