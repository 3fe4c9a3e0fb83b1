// SPDX-License-Identifier: GPL-2.0
/*
 * ccmem_fault - fault records for the VMM, the queue when it is full, and
 * host userspace touching private memory (SIGBUS).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ccmem_test.h"

#define PF_PRESENT	(1ULL << 0)
#define PF_WRITE	(1ULL << 1)
#define NPF_RMP		(1ULL << 31)
#define NPF_PRIVATE	(1ULL << 34)
#define READ_ONCE_U8(x)	__atomic_load_n(&(x), __ATOMIC_RELAXED)

FIXTURE(fault) {
	struct tvm t;
	int fd;
};

FIXTURE_SETUP(fault)
{
	int ret = tvm_create(&self->t, 4);

	if (ret == -ENOENT)
		SKIP(return, "/dev/ccmem missing");
	ASSERT_ERRNO(0, ret);
	self->fd = self->t.fd;
	ASSERT_ERRNO(0, tvm_add_region(&self->t, TGPA, TSIZE, 0));
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA, SZ_2M, true));
}

FIXTURE_TEARDOWN(fault)
{
	tvm_destroy(&self->t);
}

/* Validate one private page, as the guest would. */
static int validate(struct tvm *t, uint64_t gpa)
{
	return ccmem_emu_pvalidate_range(t->fd, gpa, SZ_4K, true, false, NULL);
}

TEST_F(fault, shared_access_to_private_page_is_rmp_npf)
{
	struct ccmem_emu_access op;
	struct ccmem_fault f;
	uint8_t buf[8];

	ASSERT_ERRNO(0, validate(&self->t, TGPA + SZ_4K));
	ASSERT_ERRNO(0, ccmem_emu_read(self->fd, TGPA + SZ_4K + 8, buf, 8,
				       ACC_SHARED, &op));
	ASSERT_RESULT(CCMEM_EMU_R_FAULT, op.result);
	ASSERT_ERRNO(1, ccmem_vm_read_faults(self->fd, &f, 1, NULL));
	EXPECT_EQ(op.fault_seq, f.seq);
	EXPECT_REASON(CCMEM_FAULT_PLATFORM, f.reason);
	EXPECT_EQ(TGPA + SZ_4K, f.gpa);
	EXPECT_EQ(SZ_4K, f.size);
	EXPECT_EQ(0, f.flags);		/* a shared read */
	EXPECT_TRUE(f.error_code & NPF_RMP);
	EXPECT_FALSE(f.error_code & NPF_PRIVATE);
}

TEST_F(fault, private_access_to_shared_gfn_is_attribute_exit)
{
	struct ccmem_emu_access op;
	struct ccmem_fault f;

	ASSERT_ERRNO(0, ccmem_emu_write(self->fd, TGPA + SZ_2M, "x", 1,
					ACC_PRIVATE, &op));
	ASSERT_RESULT(CCMEM_EMU_R_FAULT, op.result);
	ASSERT_ERRNO(1, ccmem_vm_read_faults(self->fd, &f, 1, NULL));
	EXPECT_REASON(CCMEM_FAULT_ATTRIBUTE, f.reason);
	EXPECT_EQ(CCMEM_FAULT_F_PRIVATE | CCMEM_FAULT_F_WRITE, f.flags);
	EXPECT_EQ(TGPA + SZ_2M, f.gpa);
}

TEST_F(fault, access_outside_regions_is_reported)
{
	struct ccmem_emu_access op;
	struct ccmem_fault f;
	uint8_t b;

	ASSERT_ERRNO(0, ccmem_emu_read(self->fd, 0x1000, &b, 1, ACC_SHARED, &op));
	ASSERT_RESULT(CCMEM_EMU_R_FAULT, op.result);
	ASSERT_ERRNO(1, ccmem_vm_read_faults(self->fd, &f, 1, NULL));
	EXPECT_REASON(CCMEM_FAULT_NO_REGION, f.reason);
	EXPECT_EQ(0x1000, f.gpa);
}

TEST_F(fault, unvalidated_private_access_raises_vc_in_guest)
{
	struct ccmem_emu_access op;
	uint8_t b;

	ASSERT_ERRNO(0, ccmem_emu_read(self->fd, TGPA + 3 * SZ_4K, &b, 1,
				       ACC_PRIVATE, &op));
	EXPECT_RESULT(CCMEM_EMU_R_EXCEPTION, op.result);
	EXPECT_EQ(CCMEM_EMU_VECTOR_VC, op.vector);
	EXPECT_EQ(0x404, op.error_code);
	/* Raised to the guest, not an exit: nothing queued. */
	EXPECT_EQ(0, STAT(self->fd, "vm.faults_queued"));
}

TEST_F(fault, host_write_to_assigned_page_is_rmp_pf)
{
	struct ccmem_emu_access op;
	struct ccmem_fault f;
	uint8_t buf[16] = "host scribble";

	ASSERT_ERRNO(0, validate(&self->t, TGPA));
	ASSERT_ERRNO(0, ccmem_emu_write(self->fd, TGPA, "guest secret", 12,
					ACC_PRIVATE, NULL));
	ASSERT_ERRNO(0, ccmem_emu_write(self->fd, TGPA, buf, sizeof(buf),
					CCMEM_ACCESS_F_HOST, &op));
	ASSERT_RESULT(CCMEM_EMU_R_FAULT, op.result);
	ASSERT_ERRNO(1, ccmem_vm_read_faults(self->fd, &f, 1, NULL));
	EXPECT_REASON(CCMEM_FAULT_HOST_ACCESS, f.reason);
	/* A #PF on a present page, by a write, for the RMP. */
	EXPECT_EQ(NPF_RMP | PF_WRITE | PF_PRESENT, f.error_code);
	/* The guest's data is untouched. */
	ASSERT_ERRNO(0, ccmem_emu_read(self->fd, TGPA, buf, 12, ACC_PRIVATE,
				       NULL));
	EXPECT_EQ(0, memcmp(buf, "guest secret", 12));
}

TEST_F(fault, full_queue_pushes_back_and_loses_nothing)
{
	const uint64_t gpa = TGPA + SZ_2M;
	struct ccmem_fault recs[8];
	struct ccmem_emu_access op;
	uint32_t pending;
	uint8_t b;
	int i;

	for (i = 0; i < 4; i++) {
		ASSERT_ERRNO(0, ccmem_emu_read(self->fd, gpa + i * SZ_4K, &b, 1,
					       ACC_PRIVATE, &op));
		ASSERT_RESULT(CCMEM_EMU_R_FAULT, op.result);
		EXPECT_EQ(i + 1, op.fault_seq);
	}
	/* Full: the access does not happen and says so. */
	EXPECT_ERRNO(-EAGAIN, ccmem_emu_read(self->fd, gpa + 4 * SZ_4K, &b, 1,
					     ACC_PRIVATE, &op));
	EXPECT_EQ(1, STAT(self->fd, "vm.faults_backpressure"));
	EXPECT_EQ(4, STAT(self->fd, "vm.faults_queued"));

	ASSERT_ERRNO(2, ccmem_vm_read_faults(self->fd, recs, 2, &pending));
	EXPECT_EQ(2, pending);
	EXPECT_EQ(1, recs[0].seq);
	EXPECT_EQ(2, recs[1].seq);
	/* The retried access now gets its record. */
	ASSERT_ERRNO(0, ccmem_emu_read(self->fd, gpa + 4 * SZ_4K, &b, 1,
				       ACC_PRIVATE, &op));
	EXPECT_EQ(5, op.fault_seq);
	ASSERT_ERRNO(3, ccmem_vm_read_faults(self->fd, recs, 8, &pending));
	EXPECT_EQ(0, pending);
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(3 + i, recs[i].seq);
		EXPECT_EQ(gpa + (2 + i) * SZ_4K, recs[i].gpa);
	}
}

TEST_F(fault, poll_reports_pending_records)
{
	struct pollfd p = { .fd = self->fd, .events = POLLIN };
	struct ccmem_emu_access op;
	struct ccmem_fault f;
	uint8_t b;

	EXPECT_EQ(0, poll(&p, 1, 0));
	ASSERT_ERRNO(0, ccmem_emu_read(self->fd, TGPA + SZ_2M, &b, 1,
				       ACC_PRIVATE, &op));
	ASSERT_EQ(1, poll(&p, 1, 0));
	EXPECT_TRUE(p.revents & POLLIN);
	ASSERT_ERRNO(1, ccmem_vm_read_faults(self->fd, &f, 1, NULL));
	EXPECT_EQ(0, poll(&p, 1, 0));
}

TEST_F(fault, read_faults_bad_arguments)
{
	struct ccmem_fault_read r = { 0 };
	struct ccmem_emu_access op;
	struct ccmem_fault f;
	uint8_t b;

	EXPECT_ERRNO(-EINVAL, ccmem_ioctl(self->fd, CCMEM_VM_READ_FAULTS, &r));
	r.nr = 1;
	r.flags = 1;
	EXPECT_ERRNO(-EINVAL, ccmem_ioctl(self->fd, CCMEM_VM_READ_FAULTS, &r));
	/* A bad buffer keeps the record queued. */
	ASSERT_ERRNO(0, ccmem_emu_read(self->fd, TGPA + SZ_2M, &b, 1,
				       ACC_PRIVATE, &op));
	EXPECT_ERRNO(-EFAULT, ccmem_vm_read_faults(self->fd, (void *)8, 1, NULL));
	EXPECT_ERRNO(1, ccmem_vm_read_faults(self->fd, &f, 1, NULL));
}

TEST_F(fault, read_faults_struct_reusable)
{
	struct ccmem_fault f;
	struct ccmem_fault_read r = { .records = (uintptr_t)&f, .nr = 1 };
	struct ccmem_emu_access op;
	uint8_t b;
	int i;

	for (i = 0; i < 2; i++)
		ASSERT_ERRNO(0, ccmem_emu_read(self->fd, TGPA + SZ_2M + i * SZ_4K,
					       &b, 1, ACC_PRIVATE, &op));
	/* The outputs of one read do not poison the next. */
	for (i = 0; i < 2; i++) {
		ASSERT_ERRNO(0, ccmem_ioctl(self->fd, CCMEM_VM_READ_FAULTS, &r));
		EXPECT_EQ(1, r.count);
		EXPECT_EQ(1 - i, r.pending);
		EXPECT_EQ(i + 1, f.seq);
	}
}

TEST_F(fault, host_mmap_of_private_memory_sigbus)
{
	uint8_t *p;
	int status;
	pid_t pid;

	ASSERT_ERRNO(0, validate(&self->t, TGPA));
	ASSERT_ERRNO(0, ccmem_emu_write(self->fd, TGPA, "secret", 6, ACC_PRIVATE,
					NULL));
	p = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd,
		 TGPA);
	ASSERT_NE(MAP_FAILED, p);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* Surviving the read is the failure. */
		_exit(READ_ONCE_U8(p[0]));
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGBUS, WTERMSIG(status));
	EXPECT_EQ(1, STAT(self->fd, "vm.sigbus"));
	munmap(p, SZ_2M);
}

TEST_F(fault, private_contents_roundtrip)
{
	uint8_t in[4096], out[4096];
	unsigned int i;

	for (i = 0; i < sizeof(in); i++)
		in[i] = i * 7;
	ASSERT_ERRNO(0, validate(&self->t, TGPA + 5 * SZ_4K));
	ASSERT_ERRNO(0, ccmem_emu_write(self->fd, TGPA + 5 * SZ_4K, in,
					sizeof(in), ACC_PRIVATE, NULL));
	ASSERT_ERRNO(0, ccmem_emu_read(self->fd, TGPA + 5 * SZ_4K, out,
				       sizeof(out), ACC_PRIVATE, NULL));
	EXPECT_EQ(0, memcmp(in, out, sizeof(in)));
	/* Never visible in the shared backing. */
	EXPECT_TRUE(buf_is(self->t.shared + 5 * SZ_4K, 0, SZ_4K));
}

TEST_HARNESS_MAIN
