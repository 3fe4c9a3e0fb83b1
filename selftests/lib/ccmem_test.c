// SPDX-License-Identifier: GPL-2.0
/*
 * ccmem_test.c - the selftest library; see ccmem_test.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ccmem_test.h"

int ccmem_dev_open(void)
{
	int fd = open("/dev/ccmem", O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int ccmem_ioctl(int fd, unsigned long cmd, void *arg)
{
	int ret = ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

int tvm_create_fd(int dev, uint32_t type, uint32_t backend, uint32_t qlen,
		  struct ccmem_vm_create *out)
{
	struct ccmem_vm_create c = {
		.type = type,
		.backend = backend,
		.fault_queue_len = qlen,
	};
	int fd = ccmem_ioctl(dev, CCMEM_CREATE_VM, &c);

	if (out)
		*out = c;
	return fd;
}

void *map_backing(uint64_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

int tvm_region(int fd, uint64_t gpa, uint64_t size, void *uaddr, uint32_t flags)
{
	struct ccmem_region r = {
		.gpa = gpa,
		.size = size,
		.shared_uaddr = (uintptr_t)uaddr,
		.flags = flags,
	};

	return ccmem_ioctl(fd, CCMEM_VM_ADD_REGION, &r);
}

int tvm_create(struct tvm *t, uint32_t qlen)
{
	struct ccmem_vm_create c;

	memset(t, 0, sizeof(*t));
	t->fd = -1;
	t->dev = ccmem_dev_open();
	if (t->dev < 0)
		return t->dev;
	t->fd = tvm_create_fd(t->dev, CCMEM_VM_SNP, CCMEM_BACKEND_EMU, qlen, &c);
	if (t->fd < 0)
		return t->fd;
	t->asid = c.asid;
	t->backend = c.backend_used;
	return 0;
}

int tvm_add_region(struct tvm *t, uint64_t gpa, uint64_t size, uint32_t flags)
{
	int ret;

	t->shared = map_backing(size);
	if (!t->shared)
		return -ENOMEM;
	ret = tvm_region(t->fd, gpa, size, t->shared, flags);
	if (!ret) {
		t->gpa = gpa;
		t->size = size;
	}
	return ret;
}

void tvm_destroy(struct tvm *t)
{
	if (t->fd >= 0)
		close(t->fd);
	if (t->dev >= 0)
		close(t->dev);
	if (t->shared)
		munmap(t->shared, t->size);
	t->fd = -1;
	t->dev = -1;
	t->shared = NULL;
}

int tvm_set_attr(struct tvm *t, uint64_t gpa, uint64_t size, bool priv)
{
	struct ccmem_attributes a = {
		.gpa = gpa,
		.size = size,
		.attributes = priv ? CCMEM_ATTR_PRIVATE : 0,
	};

	return ccmem_ioctl(t->fd, CCMEM_VM_SET_ATTRIBUTES, &a);
}

int tvm_populate(struct tvm *t, uint64_t gpa, uint64_t size, uint32_t flags,
		 uint64_t *populated)
{
	struct ccmem_populate p = { .gpa = gpa, .size = size, .flags = flags };
	int ret = ccmem_ioctl(t->fd, CCMEM_VM_POPULATE, &p);

	if (populated)
		*populated = p.populated;
	return ret;
}

int tvm_pin(struct tvm *t, uint64_t gpa, uint64_t size)
{
	struct ccmem_pin p = { .gpa = gpa, .size = size };

	return ccmem_ioctl(t->fd, CCMEM_VM_PIN, &p);
}

int tvm_unpin(struct tvm *t, uint64_t gpa, uint64_t size)
{
	struct ccmem_pin p = { .gpa = gpa, .size = size };

	return ccmem_ioctl(t->fd, CCMEM_VM_UNPIN, &p);
}

int tvm_stats(struct tvm *t, struct ccmem_vm_stats *s)
{
	memset(s, 0, sizeof(*s));
	return ccmem_ioctl(t->fd, CCMEM_VM_GET_STATS, s);
}

int tvm_read_faults(struct tvm *t, struct ccmem_fault *recs, uint32_t nr,
		    uint32_t *count, uint32_t *pending)
{
	struct ccmem_fault_read r = { .records = (uintptr_t)recs, .nr = nr };
	int ret = ccmem_ioctl(t->fd, CCMEM_VM_READ_FAULTS, &r);

	if (count)
		*count = r.count;
	if (pending)
		*pending = r.pending;
	return ret;
}

int tvm_map(struct tvm *t, uint64_t gpa, uint64_t size, uint32_t shift,
	    uint8_t *buf)
{
	struct ccmem_map m = {
		.gpa = gpa,
		.size = size,
		.buf = (uintptr_t)buf,
		.unit_shift = shift,
	};

	return ccmem_ioctl(t->fd, CCMEM_VM_GET_MAP, &m);
}

int tvm_inject(struct tvm *t, uint32_t op, uint32_t code, uint32_t count)
{
	struct ccmem_emu_inject i = { .op = op, .code = code, .count = count };

	return ccmem_ioctl(t->fd, CCMEM_VM_EMU_INJECT, &i);
}

int tvm_op(struct tvm *t, struct ccmem_emu_op *op)
{
	return ccmem_ioctl(t->fd, CCMEM_VM_EMU_GUEST_OP, op);
}

static int tvm_op_out(struct tvm *t, struct ccmem_emu_op *op,
		      struct ccmem_emu_op *out)
{
	int ret = tvm_op(t, op);

	if (out)
		*out = *op;
	return ret;
}

int tvm_pvalidate(struct tvm *t, uint64_t gpa, bool is_2m, bool validate,
		  struct ccmem_emu_op *out)
{
	struct ccmem_emu_op op = {
		.op = CCMEM_EMU_PVALIDATE,
		.flags = is_2m ? CCMEM_EMU_F_2M : 0,
		.gpa = gpa,
		.arg = validate,
	};

	return tvm_op_out(t, &op, out);
}

int tvm_rmpadjust(struct tvm *t, uint64_t gpa, bool is_2m, uint32_t vmpl,
		  uint64_t attrs, struct ccmem_emu_op *out)
{
	struct ccmem_emu_op op = {
		.op = CCMEM_EMU_RMPADJUST,
		.flags = is_2m ? CCMEM_EMU_F_2M : 0,
		.gpa = gpa,
		.vmpl = vmpl,
		.arg = attrs,
	};

	return tvm_op_out(t, &op, out);
}

static int tvm_rw(struct tvm *t, uint32_t kind, uint64_t gpa, const void *buf,
		  uint32_t len, bool shared, struct ccmem_emu_op *out)
{
	struct ccmem_emu_op op = {
		.op = kind,
		.flags = shared ? CCMEM_EMU_F_SHARED : 0,
		.gpa = gpa,
		.buf = (uintptr_t)buf,
		.len = len,
	};

	return tvm_op_out(t, &op, out);
}

int tvm_read(struct tvm *t, uint64_t gpa, void *buf, uint32_t len, bool shared,
	     struct ccmem_emu_op *out)
{
	return tvm_rw(t, CCMEM_EMU_READ, gpa, buf, len, shared, out);
}

int tvm_write(struct tvm *t, uint64_t gpa, const void *buf, uint32_t len,
	      bool shared, struct ccmem_emu_op *out)
{
	return tvm_rw(t, CCMEM_EMU_WRITE, gpa, buf, len, shared, out);
}

int tvm_host_write(struct tvm *t, uint64_t gpa, const void *buf, uint32_t len,
		   struct ccmem_emu_op *out)
{
	return tvm_rw(t, CCMEM_EMU_HOST_WRITE, gpa, buf, len, false, out);
}

int tvm_lookup(struct tvm *t, uint64_t gpa, struct ccmem_emu_op *out)
{
	struct ccmem_emu_op op = { .op = CCMEM_EMU_LOOKUP, .gpa = gpa };

	return tvm_op_out(t, &op, out);
}

/* Validate every 4 KiB page of a private range; -EPROTO if one fails. */
int tvm_validate_range(struct tvm *t, uint64_t gpa, uint64_t size)
{
	struct ccmem_emu_op op;
	uint64_t off;
	int ret;

	for (off = 0; off < size; off += SZ_4K) {
		ret = tvm_pvalidate(t, gpa + off, false, true, &op);
		if (ret)
			return ret;
		if (op.result != CCMEM_EMU_R_DONE || op.ret ||
		    (op.out_flags & CCMEM_EMU_O_NOCHANGE))
			return -EPROTO;
	}
	return 0;
}

bool buf_is(const void *buf, uint8_t byte, size_t len)
{
	const uint8_t *p = buf;

	while (len--)
		if (*p++ != byte)
			return false;
	return true;
}

int ccmem_module_unload(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

int ccmem_module_load(const char *name)
{
	const char *dir = getenv("CCMEM_MODDIR");
	char path[512];
	int fd, ret;

	snprintf(path, sizeof(path), "%s/%s.ko", dir ? dir : "/lib/modules/ccmem",
		 name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return ret;
}

long long ccmem_global_stat(const char *name)
{
	FILE *f = fopen("/sys/kernel/debug/ccmem/stats", "r");
	char key[64];
	long long val, ret = -1;

	if (!f)
		return -1;
	while (fscanf(f, "%63[^:]: %lld\n", key, &val) == 2) {
		if (!strcmp(key, name)) {
			ret = val;
			break;
		}
	}
	fclose(f);
	return ret;
}

int tvm_setup_std(struct tvm *t)
{
	int ret = tvm_create(t, 0);

	return ret ? ret : tvm_add_region(t, TGPA, TSIZE, 0);
}
