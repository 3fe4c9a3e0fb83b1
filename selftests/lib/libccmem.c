// SPDX-License-Identifier: GPL-2.0
/*
 * libccmem.c - the userspace side of ccmem; see libccmem.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rmp_model.h"
#include "libccmem.h"

/* --- names --------------------------------------------------------------- */

const char *ccmem_exit_name(uint32_t exit_reason)
{
	switch (exit_reason) {
	case CCMEM_EXIT_CONVERT:	return "CONVERT";
	case CCMEM_EXIT_MEMORY_FAULT:	return "MEMORY_FAULT";
	case CCMEM_EXIT_SECURITY:	return "SECURITY";
	case CCMEM_EXIT_TERMINATED:	return "TERMINATED";
	case CCMEM_EXIT_EMU_DONE:	return "EMU_DONE";
	case CCMEM_EXIT_EMU_CHECK:	return "EMU_CHECK";
	case CCMEM_EXIT_EMU_STEP_ERROR:	return "EMU_STEP_ERROR";
	case CCMEM_EXIT_EMU_MMIO:	return "EMU_MMIO";
	default:			return "unknown exit";
	}
}

const char *ccmem_fault_reason_name(uint32_t reason)
{
	switch (reason) {
	case CCMEM_FAULT_PLATFORM:	return "PLATFORM";
	case CCMEM_FAULT_ATTRIBUTE:	return "ATTRIBUTE";
	case CCMEM_FAULT_NO_REGION:	return "NO_REGION";
	case CCMEM_FAULT_HOST_ACCESS:	return "HOST_ACCESS";
	default:			return "unknown reason";
	}
}

const char *ccmem_sec_name(uint32_t reason)
{
	switch (reason) {
	case 0:				return "none";
	case CCMEM_SEC_DOUBLE_ACCEPT:	return "DOUBLE_ACCEPT";
	case CCMEM_SEC_SUBSTITUTION:	return "SUBSTITUTION";
	case CCMEM_SEC_RELEASE_UNACCEPTED: return "RELEASE_UNACCEPTED";
	case CCMEM_SEC_CONVERT_BACKWARD: return "CONVERT_BACKWARD";
	case CCMEM_SEC_CONVERT_ERROR:	return "CONVERT_ERROR";
	case CCMEM_SEC_ACCEPT_FAILED:	return "ACCEPT_FAILED";
	case CCMEM_SEC_CONVERT_NO_PROGRESS: return "CONVERT_NO_PROGRESS";
	case CCMEM_SEC_SHARED_ACCESS:	return "SHARED_ACCESS";
	default:			return "unknown reason";
	}
}

const char *ccmem_vm_state_name(uint32_t state)
{
	switch (state) {
	case CCMEM_VM_STATE_LIVE:	return "live";
	case CCMEM_VM_STATE_DEAD:	return "dead";
	default:			return "unknown state";
	}
}

const char *ccmem_emu_result_name(uint32_t result)
{
	switch (result) {
	case CCMEM_EMU_R_DONE:		return "DONE";
	case CCMEM_EMU_R_FAULT:		return "FAULT";
	case CCMEM_EMU_R_EXCEPTION:	return "EXCEPTION";
	default:			return "unknown result";
	}
}

/* "EBUSY" for EBUSY or -EBUSY; "0" for 0. */
const char *ccmem_errno_name(int err)
{
	const char *name;

	if (!err)
		return "0";
	name = strerrorname_np(err < 0 ? -err : err);
	return name ? name : "unknown errno";
}

/* A call's result: "-EBUSY", or the number when it is not an error. */
const char *ccmem_ret_str(int ret, char *buf, size_t len)
{
	if (ret < 0)
		snprintf(buf, len, "-%s", ccmem_errno_name(ret));
	else
		snprintf(buf, len, "%d", ret);
	return buf;
}

/* One line about an exit: its name and what it carries. */
const char *ccmem_run_describe(const struct ccmem_run *run, char *buf,
			       size_t len)
{
	const char *name = ccmem_exit_name(run->exit_reason);
	unsigned int pc = ccmem_run_state(run)->pc;
	unsigned long long gpa;

	switch (run->exit_reason) {
	case CCMEM_EXIT_CONVERT:
		snprintf(buf, len, "%s (to %s: 0x%llx +0x%llx; step %u)", name,
			 run->convert.flags & CCMEM_CONVERT_F_PRIVATE ?
			 "private" : "shared",
			 (unsigned long long)run->convert.gpa,
			 (unsigned long long)run->convert.size, pc);
		break;
	case CCMEM_EXIT_MEMORY_FAULT:
		snprintf(buf, len, "%s (%s at 0x%llx, flags 0x%x; step %u)",
			 name, ccmem_fault_reason_name(run->memory_fault.reason),
			 (unsigned long long)run->memory_fault.gpa,
			 run->memory_fault.flags, pc);
		break;
	case CCMEM_EXIT_SECURITY:
		snprintf(buf, len, "%s (%s at 0x%llx, detail 0x%llx; step %u)",
			 name, ccmem_sec_name(run->security.reason),
			 (unsigned long long)run->security.gpa,
			 (unsigned long long)run->security.detail, pc);
		break;
	case CCMEM_EXIT_TERMINATED:
		if (run->terminated.flags & CCMEM_TERM_F_GUEST)
			snprintf(buf, len, "%s (by the guest: reason set %u code %llu)",
				 name, run->terminated.reason_set,
				 (unsigned long long)run->terminated.reason_code);
		else
			snprintf(buf, len, "%s (by the host: %s)", name,
				 ccmem_errno_name((int)run->terminated.detail));
		break;
	case CCMEM_EXIT_EMU_CHECK:
		gpa = ccmem_run_check(run)->gpa;
		snprintf(buf, len, "%s (at 0x%llx: expected 0x%02x, got 0x%02x; step %u)",
			 name, gpa, ccmem_run_check(run)->expected,
			 ccmem_run_check(run)->got, pc);
		break;
	case CCMEM_EXIT_EMU_STEP_ERROR:
		snprintf(buf, len, "%s (%s; step %u)", name,
			 ccmem_errno_name(ccmem_run_step(run)->error), pc);
		break;
	case CCMEM_EXIT_EMU_DONE:
		snprintf(buf, len, "%s (step %u)", name, pc);
		break;
	default:
		snprintf(buf, len, "%s %u", name, run->exit_reason);
		break;
	}
	return buf;
}

/* --- the device and VMs -------------------------------------------------- */

int ccmem_ioctl(int fd, unsigned long cmd, void *arg)
{
	int ret = ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

int ccmem_open_dev(void)
{
	int fd = open(CCMEM_DEV, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* The answer for capability @cap (0: absent), on /dev/ccmem or a VM fd. */
int ccmem_check_extension(int fd, unsigned long cap)
{
	return ccmem_ioctl(fd, CCMEM_CHECK_EXTENSION, (void *)cap);
}

/* CCMEM_VM_ENABLE_CAP of CCMEM_CAP_CONVERT_EXITS: @on 1 or 0. */
int ccmem_vm_convert_exits(int vm, int on)
{
	struct ccmem_enable_cap cap = {
		.cap = CCMEM_CAP_CONVERT_EXITS,
		.args = { on },
	};

	return ccmem_ioctl(vm, CCMEM_VM_ENABLE_CAP, &cap);
}

/* CCMEM_CAP_EMU_EMULATOR: this process plays the CPU of the VM. */
int ccmem_vm_enable_emulator(int vm)
{
	struct ccmem_enable_cap cap = {
		.cap = CCMEM_CAP_EMU_EMULATOR,
		.args = { 1 },
	};

	return ccmem_ioctl(vm, CCMEM_VM_ENABLE_CAP, &cap);
}

/*
 * CCMEM_CREATE_VM with every field of @c as given (the outputs are
 * written back), then, as a VMM that serves conversions does, with the
 * conversion exits enabled. Returns the VM fd.
 */
int ccmem_vm_create_args(int dev, struct ccmem_vm_create *c)
{
	int fd = ccmem_ioctl(dev, CCMEM_CREATE_VM, c);
	int ret;

	if (fd < 0)
		return fd;
	ret = ccmem_vm_convert_exits(fd, 1);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

/* Returns the new VM fd; @out (optional) gets the key id and backend. */
int ccmem_vm_create(int dev, uint32_t type, uint32_t backend,
		    uint32_t fault_queue_len, struct ccmem_vm_create *out)
{
	struct ccmem_vm_create c = {
		.type = type,
		.backend = backend,
		.fault_queue_len = fault_queue_len,
	};
	int fd = ccmem_vm_create_args(dev, &c);

	if (out)
		*out = c;
	return fd;
}

/* Anonymous memory for a shared backing; only reserved until touched. */
void *ccmem_backing(uint64_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* @slot (optional) gets the region's slot. */
int ccmem_vm_add_region(int vm, uint64_t gpa, uint64_t size, void *shared,
			uint32_t flags, uint32_t *slot)
{
	struct ccmem_region r = {
		.gpa = gpa,
		.size = size,
		.shared_uaddr = (uintptr_t)shared,
		.flags = flags,
	};
	int ret = ccmem_ioctl(vm, CCMEM_VM_ADD_REGION, &r);

	if (!ret && slot)
		*slot = r.slot;
	return ret;
}

/* A region with a fresh backing of its own, returned in *@shared. */
int ccmem_vm_add_backed_region(int vm, uint64_t gpa, uint64_t size,
			       uint32_t flags, uint8_t **shared)
{
	void *p = ccmem_backing(size);
	int ret;

	*shared = NULL;
	if (!p)
		return -ENOMEM;
	ret = ccmem_vm_add_region(vm, gpa, size, p, flags, NULL);
	if (ret)
		munmap(p, size);
	else
		*shared = p;
	return ret;
}

int ccmem_vm_delete_region(int vm, uint64_t gpa, uint64_t size)
{
	struct ccmem_region r = { .gpa = gpa, .size = size };

	return ccmem_ioctl(vm, CCMEM_VM_DELETE_REGION, &r);
}

/* @error_gpa (optional) gets ccmem_attributes.error_gpa, set or not. */
int ccmem_vm_set_attr_err(int vm, uint64_t gpa, uint64_t size, bool priv,
			  uint64_t *error_gpa)
{
	struct ccmem_attributes a = {
		.gpa = gpa,
		.size = size,
		.attributes = priv ? CCMEM_ATTR_PRIVATE : 0,
		.error_gpa = error_gpa ? *error_gpa : 0,
	};
	int ret = ccmem_ioctl(vm, CCMEM_VM_SET_ATTRIBUTES, &a);

	if (error_gpa)
		*error_gpa = a.error_gpa;
	return ret;
}

int ccmem_vm_set_attr(int vm, uint64_t gpa, uint64_t size, bool priv)
{
	return ccmem_vm_set_attr_err(vm, gpa, size, priv, NULL);
}

int ccmem_vm_populate(int vm, uint64_t gpa, uint64_t size, uint32_t flags,
		      uint64_t *populated)
{
	struct ccmem_populate p = { .gpa = gpa, .size = size, .flags = flags };
	int ret = ccmem_ioctl(vm, CCMEM_VM_POPULATE, &p);

	if (populated)
		*populated = p.populated;
	return ret;
}

int ccmem_vm_pin(int vm, uint64_t gpa, uint64_t size)
{
	struct ccmem_pin p = { .gpa = gpa, .size = size };

	return ccmem_ioctl(vm, CCMEM_VM_PIN, &p);
}

int ccmem_vm_unpin(int vm, uint64_t gpa, uint64_t size)
{
	struct ccmem_pin p = { .gpa = gpa, .size = size };

	return ccmem_ioctl(vm, CCMEM_VM_UNPIN, &p);
}

/* Returns the number of records read; @pending (optional) what is left. */
int ccmem_vm_read_faults(int vm, struct ccmem_fault *recs, uint32_t nr,
			 uint32_t *pending)
{
	struct ccmem_fault_read r = { .records = (uintptr_t)recs, .nr = nr };
	int ret = ccmem_ioctl(vm, CCMEM_VM_READ_FAULTS, &r);

	if (pending)
		*pending = ret ? 0 : r.pending;
	return ret ? ret : (int)r.count;
}

int ccmem_vm_map(int vm, uint64_t gpa, uint64_t size, uint32_t unit_shift,
		 uint8_t *buf)
{
	struct ccmem_map m = {
		.gpa = gpa,
		.size = size,
		.buf = (uintptr_t)buf,
		.unit_shift = unit_shift,
	};

	return ccmem_ioctl(vm, CCMEM_VM_GET_MAP, &m);
}

/* --- statistics ---------------------------------------------------------- */

/* CCMEM_VM_GET_STATS: *@nr is the room in, the VM's counters out. */
int ccmem_vm_get_stats(int vm, uint64_t *values, struct ccmem_stats_desc *descs,
		       uint32_t *nr)
{
	struct ccmem_stats s = {
		.values = (uintptr_t)values,
		.descs = (uintptr_t)descs,
		.nr = *nr,
	};
	int ret = ccmem_ioctl(vm, CCMEM_VM_GET_STATS, &s);

	if (!ret)
		*nr = s.nr;
	return ret;
}

/*
 * Every counter of @vm, names and values together; @t grows as needed
 * (start from a zeroed table, release with ccmem_stats_free()).
 */
int ccmem_stats_snapshot(int vm, struct ccmem_stats_table *t)
{
	struct ccmem_stats_desc *descs;
	uint64_t *values;
	uint32_t nr;
	int ret;

	for (;;) {
		nr = t->room;
		ret = ccmem_vm_get_stats(vm, t->values, t->descs, &nr);
		if (ret)
			return ret;
		if (nr <= t->room) {
			t->nr = nr;
			return 0;
		}
		descs = realloc(t->descs, nr * sizeof(*descs));
		if (descs)
			t->descs = descs;
		values = realloc(t->values, nr * sizeof(*values));
		if (values)
			t->values = values;
		if (!descs || !values)
			return -ENOMEM;
		t->room = nr;
	}
}

void ccmem_stats_free(struct ccmem_stats_table *t)
{
	free(t->descs);
	free(t->values);
	memset(t, 0, sizeof(*t));
}

/* The index of counter @name ("group.counter"), or -ENOENT. */
int ccmem_stats_find(const struct ccmem_stats_table *t, const char *name)
{
	uint32_t i;

	for (i = 0; i < t->nr; i++)
		if (!strncmp(t->descs[i].name, name, CCMEM_STAT_NAME_LEN))
			return i;
	return -ENOENT;
}

int ccmem_stats_value(const struct ccmem_stats_table *t, const char *name,
		      uint64_t *val)
{
	int i = ccmem_stats_find(t, name);

	if (i < 0)
		return i;
	*val = t->values[i];
	return 0;
}

/* One counter of @vm, read now. */
int ccmem_vm_stat(int vm, const char *name, uint64_t *val)
{
	struct ccmem_stats_table t = { 0 };
	int ret = ccmem_stats_snapshot(vm, &t);

	if (!ret)
		ret = ccmem_stats_value(&t, name, val);
	ccmem_stats_free(&t);
	return ret;
}

int ccmem_write_file(const char *path, const char *s)
{
	ssize_t n, len = strlen(s);
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = write(fd, s, len);
	n = n == len ? 0 : n < 0 ? -errno : -EIO;
	close(fd);
	return n;
}

/* One "key: value" line of a debugfs stats file. */
int ccmem_debugfs_counter(const char *path, const char *key, long long *val)
{
	size_t klen = strlen(key);
	char line[256];
	int ret = -ENOENT;
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			*val = strtoll(line + klen + 1, NULL, 10);
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

/* --- the emu backend ----------------------------------------------------- */

int ccmem_emu_insn(int vm, struct ccmem_emu_insn *insn)
{
	return ccmem_ioctl(vm, CCMEM_EMU_GUEST_INSN, insn);
}

static int ccmem_emu_insn_out(int vm, struct ccmem_emu_insn *in,
			      struct ccmem_emu_insn *out)
{
	int ret = ccmem_emu_insn(vm, in);

	if (out)
		*out = *in;
	return ret;
}

int ccmem_emu_pvalidate(int vm, uint64_t gpa, bool huge, bool validate,
			struct ccmem_emu_insn *out)
{
	struct ccmem_emu_insn in = {
		.insn = CCMEM_INSN_PVALIDATE,
		.gpa = gpa,
		.rcx = huge,
		.rdx = validate,
	};

	return ccmem_emu_insn_out(vm, &in, out);
}

/* @rdx: target VMPL 7:0, permissions 15:8, VMSA 16 (RMPADJUST_ATTRS()). */
int ccmem_emu_rmpadjust(int vm, uint64_t gpa, bool huge, uint32_t vmpl,
			uint64_t rdx, struct ccmem_emu_insn *out)
{
	struct ccmem_emu_insn in = {
		.insn = CCMEM_INSN_RMPADJUST,
		.level = vmpl,
		.gpa = gpa,
		.rcx = huge,
		.rdx = rdx,
	};

	return ccmem_emu_insn_out(vm, &in, out);
}

/* One PVALIDATE that completes and changes the page; *@rax its code. */
static int ccmem_emu_pvalidate_one(int vm, uint64_t gpa, bool huge,
				   bool validate, uint64_t *rax)
{
	struct ccmem_emu_insn in;
	int ret = ccmem_emu_pvalidate(vm, gpa, huge, validate, &in);

	if (ret)
		return ret;
	if (in.result != CCMEM_EMU_R_DONE)
		return -EPROTO;
	*rax = in.rax_out;
	if (!in.rax_out && (in.rflags_out & CCMEM_EMU_RFLAGS_CF))
		return -EPROTO;		/* "no change" */
	return 0;
}

/**
 * ccmem_emu_pvalidate_range() - validate or rescind a range as a guest does.
 * @vm: the VM.
 * @gpa: start, 4 KiB aligned.
 * @size: bytes, a 4 KiB multiple.
 * @validate: validate, else rescind.
 * @huge: 2 MiB at a time where aligned, falling back to 4 KiB pages when
 *	the platform holds the block as 4 KiB entries (FAIL_SIZEMISMATCH).
 * @fallbacks: optional: incremented per 2 MiB block that fell back.
 *
 * Return: 0; -EPROTO when an instruction did not complete with 0 and a
 * change (a fault, an exception, an error code or "no change"); or the
 * -errno of the ioctl.
 */
int ccmem_emu_pvalidate_range(int vm, uint64_t gpa, uint64_t size,
			      bool validate, bool huge, unsigned int *fallbacks)
{
	uint64_t end = gpa + size, rax, step;
	int ret;

	for (; gpa < end; gpa += step) {
		step = CCMEM_SZ_4K;
		if (huge && !(gpa & (CCMEM_SZ_2M - 1)) && end - gpa >= CCMEM_SZ_2M) {
			ret = ccmem_emu_pvalidate_one(vm, gpa, true, validate,
						      &rax);
			if (ret)
				return ret;
			if (!rax) {
				step = CCMEM_SZ_2M;
				continue;
			}
			if (rax != PVALIDATE_FAIL_SIZEMISMATCH)
				return -EPROTO;
			if (fallbacks)
				(*fallbacks)++;
		}
		ret = ccmem_emu_pvalidate_one(vm, gpa, false, validate, &rax);
		if (ret)
			return ret;
		if (rax)
			return -EPROTO;
	}
	return 0;
}

int ccmem_emu_access(int vm, struct ccmem_emu_access *acc)
{
	return ccmem_ioctl(vm, CCMEM_EMU_ACCESS, acc);
}

static int ccmem_emu_rw(int vm, uint64_t gpa, void *buf, uint32_t len,
			uint32_t flags, struct ccmem_emu_access *out)
{
	struct ccmem_emu_access a = {
		.gpa = gpa,
		.buf = (uintptr_t)buf,
		.len = len,
		.flags = flags,
	};
	int ret = ccmem_emu_access(vm, &a);

	if (out)
		*out = a;
	return ret;
}

/* @flags: CCMEM_ACCESS_F_* (F_SHARED: a shared access; F_HOST: the host). */
int ccmem_emu_read(int vm, uint64_t gpa, void *buf, uint32_t len,
		   uint32_t flags, struct ccmem_emu_access *out)
{
	return ccmem_emu_rw(vm, gpa, buf, len, flags, out);
}

int ccmem_emu_write(int vm, uint64_t gpa, const void *buf, uint32_t len,
		    uint32_t flags, struct ccmem_emu_access *out)
{
	return ccmem_emu_rw(vm, gpa, (void *)buf, len,
			    flags | CCMEM_ACCESS_F_WRITE, out);
}

int ccmem_emu_lookup(int vm, uint64_t gpa, struct ccmem_emu_lookup *out)
{
	struct ccmem_emu_lookup l = { .gpa = gpa };
	int ret = ccmem_ioctl(vm, CCMEM_EMU_LOOKUP, &l);

	if (out)
		*out = l;
	return ret;
}

int ccmem_emu_inject(int vm, uint32_t op, uint32_t code, uint32_t count)
{
	struct ccmem_emu_inject i = { .op = op, .code = code, .count = count };

	return ccmem_ioctl(vm, CCMEM_EMU_INJECT, &i);
}

/* CCMEM_EMU_INJECT of a control that names a page (BUSY, BLOCK). */
int ccmem_emu_inject_at(int vm, uint32_t op, uint32_t code, uint32_t count,
			uint64_t gpa)
{
	struct ccmem_emu_inject i = {
		.op = op, .code = code, .count = count, .gpa = gpa,
	};

	return ccmem_ioctl(vm, CCMEM_EMU_INJECT, &i);
}

/*
 * TDG.MEM.PAGE.ACCEPT of the page at @gpa, 2 MiB when @huge; the TDCALL
 * status is in @out->rax_out (when the result is DONE).
 */
int ccmem_emu_tdx_accept(int vm, uint64_t gpa, bool huge,
			 struct ccmem_emu_insn *out)
{
	*out = (struct ccmem_emu_insn){
		.insn = CCMEM_INSN_TDG_ACCEPT,
		.gpa = gpa,
		.rcx = huge,
	};
	return ccmem_emu_insn(vm, out);
}

int ccmem_emu_accept_range(int vm, uint32_t type, uint64_t gpa,
			   uint64_t size, bool huge)
{
	uint64_t step = huge ? CCMEM_SZ_2M : CCMEM_SZ_4K, end = gpa + size;
	struct ccmem_emu_insn in;
	int ret;

	if (type == CCMEM_VM_SNP)
		return ccmem_emu_pvalidate_range(vm, gpa, size, true, huge,
						 NULL);
	for (; gpa < end; gpa += step) {
		ret = ccmem_emu_tdx_accept(vm, gpa, huge, &in);
		if (ret)
			return ret;
		/* TDX_SUCCESS is 0; anything else is a status or an exit. */
		if (in.result != CCMEM_EMU_R_DONE || in.rax_out)
			return -EPROTO;
	}
	return 0;
}

int ccmem_vm_shape_demo(int vm, uint32_t type, uint8_t **sh1, uint8_t **sh2)
{
	const uint64_t mib = CCMEM_SZ_1M;
	int ret;

	ret = ccmem_vm_add_backed_region(vm, 0, 32 * mib,
					 CCMEM_REGION_F_PRIVATE, sh1);
	ret = ret ?: ccmem_vm_add_backed_region(vm, 40 * mib, 8 * mib,
						CCMEM_REGION_F_PRIVATE, sh2);
	ret = ret ?: ccmem_vm_populate(vm, 0, 8 * mib, 0, NULL);
	ret = ret ?: ccmem_emu_accept_range(vm, type, 0, 4 * mib, true);
	ret = ret ?: ccmem_emu_accept_range(vm, type, 4 * mib, CCMEM_SZ_4K,
					    false);
	ret = ret ?: ccmem_vm_set_attr(vm, 16 * mib, 4 * mib, false);
	ret = ret ?: ccmem_vm_pin(vm, 16 * mib, 2 * mib);
	return ret ?: ccmem_vm_set_attr(vm, 24 * mib, CCMEM_SZ_4K, false);
}

/* --- emulated guests ----------------------------------------------------- */

/* The configuration of a guest whose RAM is [@ram_gpa, +@ram_size). */
struct ccmem_emu_guest_config ccmem_guest_config(uint32_t policy,
						 uint64_t ram_gpa,
						 uint64_t ram_size)
{
	return (struct ccmem_emu_guest_config){
		.policy = policy,
		.mem_gpa = ram_gpa,
		.mem_size = ram_size,
		.comm_gpa = CCMEM_GUEST_COMM_GPA,
	};
}

/* An empty guest: nothing open, nothing mapped; destroying it is a no-op. */
void ccmem_guest_reset(struct ccmem_guest *g)
{
	int i;

	memset(g, 0, sizeof(*g));
	g->dev = -1;
	g->vm = -1;
	for (i = 0; i < CCMEM_MAX_VCPUS; i++)
		g->vcpu[i] = -1;
	pthread_mutex_init(&g->lock, NULL);
}

/*
 * An SNP VM on the emu backend with guest RAM (starting private) and the
 * comm region (shared), not configured yet. ccmem_guest_destroy() undoes
 * it, also after a failure.
 */
int ccmem_guest_setup(struct ccmem_guest *g, uint64_t ram_gpa,
		      uint64_t ram_size)
{
	return ccmem_guest_setup_vm(g, CCMEM_VM_SNP, 0, ram_gpa, ram_size);
}

/*
 * ccmem_guest_setup() for a VM of @type (SNP or TDX) with the platform
 * attributes @attributes (TDX: CCMEM_TDX_ATTR_*; the GPA width is 52).
 */
int ccmem_guest_setup_vm(struct ccmem_guest *g, uint32_t type,
			 uint64_t attributes, uint64_t ram_gpa,
			 uint64_t ram_size)
{
	struct ccmem_vm_create c = {
		.type = type,
		.backend = CCMEM_BACKEND_EMU,
		.attributes = attributes,
	};
	int ret;

	ccmem_guest_reset(g);
	g->type = type;
	g->ram_gpa = ram_gpa;
	g->ram_size = ram_size;
	g->dev = ccmem_open_dev();
	if (g->dev < 0)
		return g->dev;
	g->vm = ccmem_vm_create_args(g->dev, &c);
	if (g->vm < 0)
		return g->vm;
	g->key_id = c.key_id;
	ret = ccmem_vm_add_backed_region(g->vm, ram_gpa, ram_size,
					 CCMEM_REGION_F_PRIVATE, &g->ram);
	return ret ?: ccmem_vm_add_backed_region(g->vm, CCMEM_GUEST_COMM_GPA,
						 CCMEM_GUEST_COMM_SIZE, 0,
						 &g->comm);
}

int ccmem_guest_init(struct ccmem_guest *g,
		     const struct ccmem_emu_guest_config *cfg)
{
	return ccmem_ioctl(g->vm, CCMEM_EMU_GUEST_INIT, (void *)cfg);
}

/* ccmem_guest_setup() for @cfg's RAM, then CCMEM_EMU_GUEST_INIT. */
int ccmem_guest_create(struct ccmem_guest *g,
		       const struct ccmem_emu_guest_config *cfg)
{
	int ret = ccmem_guest_setup(g, cfg->mem_gpa, cfg->mem_size);

	return ret ?: ccmem_guest_init(g, cfg);
}

/* ccmem_guest_create() for a VM of @type with @attributes. */
int ccmem_guest_create_vm(struct ccmem_guest *g, uint32_t type,
			  uint64_t attributes,
			  const struct ccmem_emu_guest_config *cfg)
{
	int ret = ccmem_guest_setup_vm(g, type, attributes, cfg->mem_gpa,
				       cfg->mem_size);

	return ret ?: ccmem_guest_init(g, cfg);
}

void ccmem_guest_destroy(struct ccmem_guest *g)
{
	int i;

	for (i = 0; i < CCMEM_MAX_VCPUS; i++) {
		if (g->vcpu[i] >= 0)
			close(g->vcpu[i]);
		g->vcpu[i] = -1;
	}
	if (g->vm >= 0)
		close(g->vm);
	if (g->dev >= 0)
		close(g->dev);
	if (g->ram)
		munmap(g->ram, g->ram_size);
	if (g->comm)
		munmap(g->comm, CCMEM_GUEST_COMM_SIZE);
	g->vm = -1;
	g->dev = -1;
	g->ram = NULL;
	g->comm = NULL;
}

/* CCMEM_VM_CREATE_VCPU; the fd goes to g->vcpu[@id]. */
int ccmem_guest_add_vcpu(struct ccmem_guest *g, uint32_t id)
{
	int fd = ccmem_ioctl(g->vm, CCMEM_VM_CREATE_VCPU,
			     (void *)(uintptr_t)id);

	if (fd < 0)
		return fd;
	if (id < CCMEM_MAX_VCPUS)
		g->vcpu[id] = fd;
	else
		close(fd);
	return 0;
}

int ccmem_vcpu_set_program(int vcpu, const struct ccmem_guest_insn *insns,
			   uint32_t nr)
{
	struct ccmem_emu_program p = {
		.insns = (uintptr_t)insns,
		.nr = nr,
	};

	return ccmem_ioctl(vcpu, CCMEM_VCPU_EMU_SET_PROGRAM, &p);
}

/*
 * CCMEM_VCPU_RUN with a clean @run; the answer to a conversion exit
 * (@run->convert.ret) or to a register read (the data of struct
 * ccmem_emu_exit_mmio), set by the caller, goes back with it.
 */
int ccmem_vcpu_run(int vcpu, struct ccmem_run *run)
{
	struct ccmem_emu_exit_mmio *mmio = (void *)run->exit;
	uint32_t reason = run->exit_reason;
	int64_t answer = 0;
	uint64_t data = 0;

	if (reason == CCMEM_EXIT_CONVERT)
		answer = run->convert.ret;
	if (reason == CCMEM_EXIT_EMU_MMIO)
		data = mmio->data;
	memset(run, 0, sizeof(*run));
	run->convert.ret = answer;
	if (reason == CCMEM_EXIT_EMU_MMIO)
		mmio->data = data;
	return ccmem_ioctl(vcpu, CCMEM_VCPU_RUN, run);
}

/* Serve one conversion exit as a VMM does; the answer goes in convert.ret. */
static void ccmem_guest_serve(struct ccmem_guest *g, uint32_t id,
			      struct ccmem_run *run)
{
	struct ccmem_exit_convert *c = &run->convert;

	pthread_mutex_lock(&g->lock);
	if (g->nr_convert < CCMEM_GUEST_MAX_RECORDS)
		g->convert[g->nr_convert] = (struct ccmem_convert_record){
			.gpa = c->gpa, .size = c->size, .flags = c->flags,
			.vcpu = id,
		};
	g->nr_convert++;
	if (g->on_convert)
		g->on_convert(g, run);
	if (g->refuse)
		c->ret = g->refuse;
	else
		c->ret = ccmem_vm_set_attr(g->vm, c->gpa, c->size,
					   c->flags & CCMEM_CONVERT_F_PRIVATE);
	pthread_mutex_unlock(&g->lock);
}

/*
 * Run vCPU @id until an exit other than a conversion; conversions are
 * served (and recorded) on the way. Of @run's previous contents only the
 * answer to a CCMEM_EXIT_EMU_MMIO exit (its data) is handed back: a
 * conversion exit still pending from a ccmem_vcpu_run() of the caller is
 * answered 0. Returns 0 with @run filled, or the -errno of CCMEM_VCPU_RUN.
 */
int ccmem_guest_run(struct ccmem_guest *g, uint32_t id, struct ccmem_run *run)
{
	int ret;

	if (id >= CCMEM_MAX_VCPUS || g->vcpu[id] < 0)
		return -EBADF;
	if (run->exit_reason != CCMEM_EXIT_EMU_MMIO)
		run->exit_reason = 0;
	for (;;) {
		ret = ccmem_vcpu_run(g->vcpu[id], run);
		if (ret || run->exit_reason != CCMEM_EXIT_CONVERT)
			return ret;
		ccmem_guest_serve(g, id, run);
	}
}

/* Give vCPU @id (created if needed) a program and run it. */
int ccmem_guest_exec(struct ccmem_guest *g, uint32_t id,
		     const struct ccmem_guest_insn *insns, uint32_t nr,
		     struct ccmem_run *run)
{
	int ret;

	if (id >= CCMEM_MAX_VCPUS)
		return -EINVAL;
	if (g->vcpu[id] < 0) {
		ret = ccmem_guest_add_vcpu(g, id);
		if (ret)
			return ret;
	}
	ret = ccmem_vcpu_set_program(g->vcpu[id], insns, nr);
	run->exit_reason = 0;	/* a new program: no answer to carry */
	return ret ?: ccmem_guest_run(g, id, run);
}

/* The VM's debugfs directory: the vm-* whose stats show @key_id. */
int ccmem_vm_debugfs_dir(uint32_t key_id, char *dir, size_t len)
{
	struct dirent *e;
	char path[300];
	long long id;
	DIR *d = opendir(CCMEM_DEBUGFS);
	int ret = -ENOENT;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "vm-", 3))
			continue;
		snprintf(path, sizeof(path), "%s/%s/stats", CCMEM_DEBUGFS,
			 e->d_name);
		if (!ccmem_debugfs_counter(path, "key_id", &id) && id == key_id) {
			snprintf(dir, len, "%s/%s", CCMEM_DEBUGFS, e->d_name);
			ret = 0;
			break;
		}
	}
	closedir(d);
	return ret;
}
