// SPDX-License-Identifier: GPL-2.0
/*
 * ccmem_test.c - the selftests' own helpers; see ccmem_test.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ccmem_test.h"
#include "ghcb.h"

/* Open /dev/ccmem and create an SNP VM on the emu backend. */
int tvm_create(struct tvm *t, uint32_t qlen)
{
	struct ccmem_vm_create c;

	memset(t, 0, sizeof(*t));
	t->fd = -1;
	t->dev = ccmem_open_dev();
	if (t->dev < 0)
		return t->dev;
	t->fd = ccmem_vm_create(t->dev, CCMEM_VM_SNP, CCMEM_BACKEND_EMU, qlen,
				&c);
	if (t->fd < 0)
		return t->fd;
	t->key_id = c.key_id;
	t->backend = c.backend_used;
	return 0;
}

/* The VM's first region, with a backing of its own in t->shared. */
int tvm_add_region(struct tvm *t, uint64_t gpa, uint64_t size, uint32_t flags)
{
	int ret = ccmem_vm_add_backed_region(t->fd, gpa, size, flags,
					     &t->shared);

	if (!ret) {
		t->gpa = gpa;
		t->size = size;
	}
	return ret;
}

/* The standard VM: SNP on emu, one shared TSIZE region at TGPA. */
int tvm_setup_std(struct tvm *t)
{
	int ret = tvm_create(t, 0);

	return ret ?: tvm_add_region(t, TGPA, TSIZE, 0);
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

/*
 * Empty the pool's free list of scrubbed pages into a new helper VM @d, so
 * that the pages a VM releases next are the very pages handed out next
 * (the list is LIFO, and bounded: when it is full, released pages go back
 * to the page allocator instead). Populating at most 511 pages of a 2 MiB
 * block takes them 4 KiB at a time from the list; the i-th page taken is
 * at tvm_drain_gpa(i). Keep @d while the test needs the list to itself;
 * tvm_destroy() it at the end. @pages (optional) gets the pages taken.
 *
 * Return: 0 when the list is empty, or -errno.
 */
int tvm_drain_free_list(struct tvm *d, uint64_t *pages)
{
	long long n = ccmem_global_stat("free_list_pages");
	uint64_t i;
	int ret;

	if (pages)
		*pages = 0;
	if (n < 0)
		return -ENOENT;
	ret = tvm_create(d, 0);
	ret = ret ?: tvm_add_region(d, TGPA, (n / 511 + 1) * SZ_2M,
				    CCMEM_REGION_F_PRIVATE);
	for (i = 0; !ret && i < (uint64_t)n; i += 511)
		ret = ccmem_vm_populate(d->fd, tvm_drain_gpa(i),
					(n - i < 511 ? n - i : 511) * SZ_4K, 0,
					NULL);
	if (ret)
		return ret;
	if (pages)
		*pages = n;
	return ccmem_global_stat("free_list_pages") ? -EAGAIN : 0;
}

/* Where tvm_drain_free_list() put the @i-th page it took. */
uint64_t tvm_drain_gpa(uint64_t i)
{
	return TGPA + (i / 511) * SZ_2M + SZ_4K + (i % 511) * SZ_4K;
}

/*
 * Validate the private page at @gpa as its guest would and read it back
 * through the guest. Return: 0 when it reads as zeros; -EILSEQ when it
 * does not; -EPROTO when the instructions or the read did not complete;
 * or the ioctl's -errno.
 */
int tvm_private_page_zero(int fd, uint64_t gpa)
{
	struct ccmem_emu_access acc;
	uint8_t buf[SZ_4K];
	int ret;

	ret = ccmem_emu_pvalidate_range(fd, gpa, SZ_4K, true, false, NULL);
	memset(buf, 0xff, sizeof(buf));
	ret = ret ?: ccmem_emu_read(fd, gpa, buf, SZ_4K, ACC_PRIVATE, &acc);
	if (ret)
		return ret;
	if (acc.result != CCMEM_EMU_R_DONE)
		return -EPROTO;
	return buf_is(buf, 0, sizeof(buf)) ? 0 : -EILSEQ;
}

/*
 * A new VM takes every page of the pool's free list, which the test has
 * just filled with the @pages pages it released (LIFO), and reads each
 * through its guest. Return: 0 when it took exactly @pages pages and all
 * read as zeros; -ERANGE when the list held *@bad pages instead; -EILSEQ
 * when the *@bad-th page it took does not read as zeros; or -errno.
 */
int tvm_next_vm_reads_zeros(uint64_t pages, uint64_t *bad)
{
	uint64_t i, drained;
	struct tvm next;
	int ret;

	ret = tvm_drain_free_list(&next, &drained);
	if (!ret && drained != pages) {
		*bad = drained;
		ret = -ERANGE;
	}
	for (i = 0; !ret && i < drained; i++) {
		*bad = i;
		ret = tvm_private_page_zero(next.fd, tvm_drain_gpa(i));
	}
	tvm_destroy(&next);
	return ret;
}

/* A guest with RAM [TGPA, +@mem_size) under @policy, configured. */
int tguest_create(struct ccmem_guest *g, uint32_t policy, uint64_t mem_size)
{
	struct ccmem_emu_guest_config cfg = ccmem_guest_config(policy, TGPA,
							       mem_size);

	return ccmem_guest_create(g, &cfg);
}

/*
 * The GHCB termination reason an SNP guest sends after security event
 * @sec: Linux's reason set for conversion and accept failures, the
 * general reason otherwise.
 */
void tsec_term_reason(uint32_t sec, uint32_t *set, uint64_t *code)
{
	switch (sec) {
	case CCMEM_SEC_CONVERT_BACKWARD:
	case CCMEM_SEC_CONVERT_ERROR:
	case CCMEM_SEC_CONVERT_NO_PROGRESS:
		*set = GHCB_TERM_SET_LINUX;
		*code = GHCB_TERM_PSC;
		break;
	case CCMEM_SEC_DOUBLE_ACCEPT:
	case CCMEM_SEC_ACCEPT_FAILED:
	case CCMEM_SEC_RELEASE_UNACCEPTED:
		*set = GHCB_TERM_SET_LINUX;
		*code = GHCB_TERM_PVALIDATE;
		break;
	default:
		*set = GHCB_TERM_SET_GEN;
		*code = GHCB_TERM_GEN_GENERAL;
		break;
	}
}

bool buf_is(const void *buf, uint8_t byte, size_t len)
{
	const uint8_t *p = buf;

	while (len--)
		if (*p++ != byte)
			return false;
	return true;
}

/* One counter of /sys/kernel/debug/ccmem/stats; -1 if absent. */
long long ccmem_global_stat(const char *name)
{
	long long val;

	if (ccmem_debugfs_counter(CCMEM_DEBUGFS "/stats", name, &val))
		return -1;
	return val;
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

/* Read one module parameter (a /sys/module/.../parameters file). */
long long ccmem_param_get(const char *path)
{
	long long v = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	if (fscanf(f, "%lld", &v) != 1)
		v = -EIO;
	fclose(f);
	return v;
}

/* Write one module parameter; 0 or -errno. */
int ccmem_param_set(const char *path, long long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", v);
	return ccmem_write_file(path, buf);
}
