/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ccmem_test.h - a small library so that each ccmem selftest reads like a
 * story: open /dev/ccmem, create a VM, give it memory, convert, run a guest
 * operation, expect an exit. Every call returns 0 or -errno, so tests can
 * say ASSERT_EQ(-EBUSY, tvm_set_attr(...)).
 */
#ifndef CCMEM_TEST_H
#define CCMEM_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/ccmem.h>

#define SZ_4K		0x1000ULL
#define SZ_2M		0x200000ULL
#define SZ_1G		0x40000000ULL

/* A VM under test: its fd and one region with its shared backing. */
struct tvm {
	int dev;
	int fd;
	uint32_t asid;
	uint32_t backend;
	uint64_t gpa;
	uint64_t size;
	uint8_t *shared;	/* shared backing of the first region */
};

int ccmem_dev_open(void);
int ccmem_ioctl(int fd, unsigned long cmd, void *arg);

int tvm_create_fd(int dev, uint32_t type, uint32_t backend, uint32_t qlen,
		  struct ccmem_vm_create *out);
int tvm_create(struct tvm *t, uint32_t qlen);
int tvm_add_region(struct tvm *t, uint64_t gpa, uint64_t size, uint32_t flags);
void tvm_destroy(struct tvm *t);

void *map_backing(uint64_t size);
int tvm_region(int fd, uint64_t gpa, uint64_t size, void *uaddr, uint32_t flags);
int tvm_set_attr(struct tvm *t, uint64_t gpa, uint64_t size, bool priv);
int tvm_populate(struct tvm *t, uint64_t gpa, uint64_t size, uint32_t flags,
		 uint64_t *populated);
int tvm_pin(struct tvm *t, uint64_t gpa, uint64_t size);
int tvm_unpin(struct tvm *t, uint64_t gpa, uint64_t size);
int tvm_stats(struct tvm *t, struct ccmem_vm_stats *s);
int tvm_read_faults(struct tvm *t, struct ccmem_fault *recs, uint32_t nr,
		    uint32_t *count, uint32_t *pending);
int tvm_map(struct tvm *t, uint64_t gpa, uint64_t size, uint32_t shift,
	    uint8_t *buf);
int tvm_inject(struct tvm *t, uint32_t op, uint32_t code, uint32_t count);

/* Guest-side operations on the emu platform. */
int tvm_op(struct tvm *t, struct ccmem_emu_op *op);
int tvm_pvalidate(struct tvm *t, uint64_t gpa, bool is_2m, bool validate,
		  struct ccmem_emu_op *out);
int tvm_rmpadjust(struct tvm *t, uint64_t gpa, bool is_2m, uint32_t vmpl,
		  uint64_t attrs, struct ccmem_emu_op *out);
int tvm_read(struct tvm *t, uint64_t gpa, void *buf, uint32_t len, bool shared,
	     struct ccmem_emu_op *out);
int tvm_write(struct tvm *t, uint64_t gpa, const void *buf, uint32_t len,
	      bool shared, struct ccmem_emu_op *out);
int tvm_host_write(struct tvm *t, uint64_t gpa, const void *buf, uint32_t len,
		   struct ccmem_emu_op *out);
int tvm_lookup(struct tvm *t, uint64_t gpa, struct ccmem_emu_op *out);

/* Private write + read back through the guest, validating first. */
int tvm_validate_range(struct tvm *t, uint64_t gpa, uint64_t size);
bool buf_is(const void *buf, uint8_t byte, size_t len);

/* Module control, for the unload tests. */
int ccmem_module_unload(const char *name);
int ccmem_module_load(const char *name);

#endif /* CCMEM_TEST_H */

/* The standard VM of most tests: one 32 MiB region at 1 GiB, shared. */
#define TGPA		0x40000000ULL
#define TSIZE		(32ULL << 20)

/* Read one counter from /sys/kernel/debug/ccmem/stats; -1 if absent. */
long long ccmem_global_stat(const char *name);

/* Create the standard VM: SNP on emu, one TSIZE region at TGPA. */
int tvm_setup_std(struct tvm *t);
