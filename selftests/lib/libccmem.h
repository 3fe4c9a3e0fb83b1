/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libccmem.h - the userspace side of ccmem in one small library, shared by
 * the selftests and the tools: ioctl wrappers for /dev/ccmem, VMs and the
 * emu backend, the statistics table, a tiny VMM for emulated guests (its
 * run loop serves conversion exits with CCMEM_VM_SET_ATTRIBUTES, as QEMU
 * serves KVM_HC_MAP_GPA_RANGE), and names for exits, errnos and reasons.
 *
 * Every call returns 0 (or a file descriptor, a count, a value) on
 * success and -errno on failure; nothing here prints or exits.
 */
#ifndef LIBCCMEM_H
#define LIBCCMEM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include <linux/ccmem.h>
#include <linux/ccmem_emu.h>

#define CCMEM_DEV		"/dev/ccmem"
#define CCMEM_DEBUGFS		"/sys/kernel/debug/ccmem"

#define CCMEM_SZ_4K		0x1000ULL
#define CCMEM_SZ_1M		0x100000ULL
#define CCMEM_SZ_2M		0x200000ULL
#define CCMEM_SZ_1G		0x40000000ULL

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif

/* --- names --------------------------------------------------------------- */

const char *ccmem_exit_name(uint32_t exit_reason);
const char *ccmem_fault_reason_name(uint32_t reason);
const char *ccmem_sec_name(uint32_t reason);
const char *ccmem_vm_state_name(uint32_t state);
const char *ccmem_emu_result_name(uint32_t result);
const char *ccmem_errno_name(int err);
const char *ccmem_ret_str(int ret, char *buf, size_t len);
const char *ccmem_run_describe(const struct ccmem_run *run, char *buf,
			       size_t len);

/* --- the device and VMs -------------------------------------------------- */

int ccmem_ioctl(int fd, unsigned long cmd, void *arg);
int ccmem_open_dev(void);
int ccmem_check_extension(int fd, unsigned long cap);
int ccmem_vm_create(int dev, uint32_t type, uint32_t backend,
		    uint32_t fault_queue_len, struct ccmem_vm_create *out);
int ccmem_vm_create_args(int dev, struct ccmem_vm_create *c);
int ccmem_vm_convert_exits(int vm, int on);
int ccmem_vm_enable_emulator(int vm);
void *ccmem_backing(uint64_t size);
int ccmem_vm_add_region(int vm, uint64_t gpa, uint64_t size, void *shared,
			uint32_t flags, uint32_t *slot);
int ccmem_vm_add_backed_region(int vm, uint64_t gpa, uint64_t size,
			       uint32_t flags, uint8_t **shared);
int ccmem_vm_delete_region(int vm, uint64_t gpa, uint64_t size);
int ccmem_vm_set_attr(int vm, uint64_t gpa, uint64_t size, bool priv);
int ccmem_vm_set_attr_err(int vm, uint64_t gpa, uint64_t size, bool priv,
			  uint64_t *error_gpa);
int ccmem_vm_populate(int vm, uint64_t gpa, uint64_t size, uint32_t flags,
		      uint64_t *populated);
int ccmem_vm_pin(int vm, uint64_t gpa, uint64_t size);
int ccmem_vm_unpin(int vm, uint64_t gpa, uint64_t size);
int ccmem_vm_read_faults(int vm, struct ccmem_fault *recs, uint32_t nr,
			 uint32_t *pending);
int ccmem_vm_map(int vm, uint64_t gpa, uint64_t size, uint32_t unit_shift,
		 uint8_t *buf);

/* --- statistics ---------------------------------------------------------- */

/**
 * struct ccmem_stats_table - every counter of a VM at one moment.
 * @nr:		counters.
 * @room:	entries allocated in @descs and @values.
 * @descs:	what each counter is ("group.counter", unit, flags, desc).
 * @values:	the values, in the order of @descs.
 */
struct ccmem_stats_table {
	uint32_t nr;
	uint32_t room;
	struct ccmem_stats_desc *descs;
	uint64_t *values;
};

int ccmem_vm_get_stats(int vm, uint64_t *values, struct ccmem_stats_desc *descs,
		       uint32_t *nr);
int ccmem_stats_snapshot(int vm, struct ccmem_stats_table *t);
void ccmem_stats_free(struct ccmem_stats_table *t);
int ccmem_stats_find(const struct ccmem_stats_table *t, const char *name);
int ccmem_stats_value(const struct ccmem_stats_table *t, const char *name,
		      uint64_t *val);
int ccmem_vm_stat(int vm, const char *name, uint64_t *val);
int ccmem_debugfs_counter(const char *path, const char *key, long long *val);
/* Write the string @s to the file @path (truncated first); 0 or -errno. */
int ccmem_write_file(const char *path, const char *s);
int ccmem_vm_debugfs_dir(uint32_t key_id, char *dir, size_t len);

/* --- the emu backend (ccmem_emu.h) --------------------------------------- */

int ccmem_emu_insn(int vm, struct ccmem_emu_insn *insn);
int ccmem_emu_pvalidate(int vm, uint64_t gpa, bool huge, bool validate,
			struct ccmem_emu_insn *out);
int ccmem_emu_rmpadjust(int vm, uint64_t gpa, bool huge, uint32_t vmpl,
			uint64_t rdx, struct ccmem_emu_insn *out);
int ccmem_emu_pvalidate_range(int vm, uint64_t gpa, uint64_t size,
			      bool validate, bool huge,
			      unsigned int *fallbacks);
int ccmem_emu_access(int vm, struct ccmem_emu_access *acc);
int ccmem_emu_read(int vm, uint64_t gpa, void *buf, uint32_t len,
		   uint32_t flags, struct ccmem_emu_access *out);
int ccmem_emu_write(int vm, uint64_t gpa, const void *buf, uint32_t len,
		    uint32_t flags, struct ccmem_emu_access *out);
int ccmem_emu_lookup(int vm, uint64_t gpa, struct ccmem_emu_lookup *out);
int ccmem_emu_inject(int vm, uint32_t op, uint32_t code, uint32_t count);
int ccmem_emu_inject_at(int vm, uint32_t op, uint32_t code, uint32_t count,
			uint64_t gpa);
int ccmem_emu_tdx_accept(int vm, uint64_t gpa, bool huge,
			 struct ccmem_emu_insn *out);
/*
 * Accept [@gpa, @gpa + @size) of a VM of @type as its guest would: SNP
 * with PVALIDATE, TDX with TDG.MEM.PAGE.ACCEPT, in 2 MiB pages when
 * @huge. 0, -errno, or -EPROTO when an accept did not succeed.
 */
int ccmem_emu_accept_range(int vm, uint32_t type, uint64_t gpa,
			   uint64_t size, bool huge);
/*
 * The example shape of ccmemctl demo-map and of the ccmem_ctl selftest,
 * on an empty emu VM of @type (MiB): private regions [0, 32) and [40, 48)
 * (their shared backings in *@sh1 and *@sh2, 32 and 8 MiB); [0, 8)
 * populated; [0, 4) accepted in 2 MiB pages and 4 KiB at 4; [16, 20)
 * shared and [16, 18) pinned; 4 KiB at 24 shared.
 */
int ccmem_vm_shape_demo(int vm, uint32_t type, uint8_t **sh1, uint8_t **sh2);

/* --- emulated guests: a tiny VMM ----------------------------------------- */

/* The comm (GHCB) pages, one per vCPU, in a shared region below the RAM. */
#define CCMEM_GUEST_COMM_GPA	0x10000000ULL
#define CCMEM_GUEST_COMM_SIZE	((uint64_t)CCMEM_MAX_VCPUS * CCMEM_SZ_4K)
#define CCMEM_GUEST_MAX_RECORDS	64

/**
 * struct ccmem_convert_record - one conversion exit as the VMM served it.
 * @gpa:	start.
 * @size:	bytes.
 * @flags:	CCMEM_CONVERT_F_*.
 * @vcpu:	the vCPU that asked.
 */
struct ccmem_convert_record {
	uint64_t gpa;
	uint64_t size;
	uint32_t flags;
	uint32_t vcpu;
};

/**
 * struct ccmem_guest - a VM with an emulated guest, and its VMM's state.
 * @dev:	/dev/ccmem.
 * @type:	CCMEM_VM_SNP or CCMEM_VM_TDX.
 * @vm:		the VM fd.
 * @key_id:	the VM's key id.
 * @ram_gpa:	start of the guest RAM (a region that starts private).
 * @ram_size:	bytes of guest RAM.
 * @ram:	its shared backing.
 * @comm:	the shared backing of the comm region (CCMEM_GUEST_COMM_GPA).
 * @vcpu:	vCPU fds, -1 when absent.
 * @refuse:	the answer to conversion exits; 0 converts the range.
 * @on_convert:	optional, called for each conversion exit before it is
 *		served (with @lock held).
 * @priv:	for @on_convert.
 * @lock:	serialises the service of conversion exits and the records,
 *		so that several threads may run vCPUs of one guest.
 * @nr_convert:	conversion exits served in total.
 * @convert:	the first CCMEM_GUEST_MAX_RECORDS of them, in order.
 */
struct ccmem_guest {
	int dev;
	uint32_t type;
	int vm;
	uint32_t key_id;
	uint64_t ram_gpa;
	uint64_t ram_size;
	uint8_t *ram;
	uint8_t *comm;
	int vcpu[CCMEM_MAX_VCPUS];
	int64_t refuse;
	void (*on_convert)(struct ccmem_guest *g, const struct ccmem_run *run);
	void *priv;
	pthread_mutex_t lock;
	uint64_t nr_convert;
	struct ccmem_convert_record convert[CCMEM_GUEST_MAX_RECORDS];
};

struct ccmem_emu_guest_config ccmem_guest_config(uint32_t policy,
						 uint64_t ram_gpa,
						 uint64_t ram_size);
void ccmem_guest_reset(struct ccmem_guest *g);
int ccmem_guest_setup(struct ccmem_guest *g, uint64_t ram_gpa,
		      uint64_t ram_size);
int ccmem_guest_setup_vm(struct ccmem_guest *g, uint32_t type,
			 uint64_t attributes, uint64_t ram_gpa,
			 uint64_t ram_size);
int ccmem_guest_create_vm(struct ccmem_guest *g, uint32_t type,
			  uint64_t attributes,
			  const struct ccmem_emu_guest_config *cfg);
int ccmem_guest_init(struct ccmem_guest *g,
		     const struct ccmem_emu_guest_config *cfg);
int ccmem_guest_create(struct ccmem_guest *g,
		       const struct ccmem_emu_guest_config *cfg);
void ccmem_guest_destroy(struct ccmem_guest *g);
int ccmem_guest_add_vcpu(struct ccmem_guest *g, uint32_t id);
int ccmem_vcpu_set_program(int vcpu, const struct ccmem_guest_insn *insns,
			   uint32_t nr);
int ccmem_vcpu_run(int vcpu, struct ccmem_run *run);
int ccmem_guest_run(struct ccmem_guest *g, uint32_t id, struct ccmem_run *run);
int ccmem_guest_exec(struct ccmem_guest *g, uint32_t id,
		     const struct ccmem_guest_insn *insns, uint32_t nr,
		     struct ccmem_run *run);

/* The emulated guest's view of an exit (ccmem_emu.h). */
static inline const struct ccmem_emu_vcpu_state *
ccmem_run_state(const struct ccmem_run *run)
{
	return (const struct ccmem_emu_vcpu_state *)run->state;
}

static inline const struct ccmem_emu_exit_check *
ccmem_run_check(const struct ccmem_run *run)
{
	return (const struct ccmem_emu_exit_check *)run->exit;
}

static inline const struct ccmem_emu_exit_step *
ccmem_run_step(const struct ccmem_run *run)
{
	return (const struct ccmem_emu_exit_step *)run->exit;
}

#endif /* LIBCCMEM_H */
