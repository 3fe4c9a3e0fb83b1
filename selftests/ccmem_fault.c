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

#define NPF_RMP		(1ULL << 31)
#define NPF_PRIVATE	(1ULL << 34)
#define READ_ONCE_U8(x)	__atomic_load_n(&(x), __ATOMIC_RELAXED)

FIXTURE(fault) {
	struct tvm t;
};

FIXTURE_SETUP(fault)
{
	int ret = tvm_create(&self->t, 4);

	if (ret == -ENOENT)
		SKIP(return, "/dev/ccmem missing");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, tvm_add_region(&self->t, TGPA, TSIZE, 0));
	ASSERT_EQ(0, tvm_set_attr(&self->t, TGPA, SZ_2M, true));
}

FIXTURE_TEARDOWN(fault)
{
	tvm_destroy(&self->t);
}

static int read_one(struct tvm *t, struct ccmem_fault *f)
{
	uint32_t count = 0, pending;
	int ret = tvm_read_faults(t, f, 1, &count, &pending);

	return ret ? ret : (int)count;
}

TEST_F(fault, shared_access_to_private_page_is_rmp_npf)
{
	struct ccmem_emu_op op;
	struct ccmem_fault f;
	uint8_t buf[8];

	ASSERT_EQ(0, tvm_validate_range(&self->t, TGPA + SZ_4K, SZ_4K));
	ASSERT_EQ(0, tvm_read(&self->t, TGPA + SZ_4K + 8, buf, 8, true, &op));
	ASSERT_EQ(CCMEM_EMU_R_FAULT, op.result);
	ASSERT_EQ(1, read_one(&self->t, &f));
	EXPECT_EQ(op.fault_seq, f.seq);
	EXPECT_EQ(CCMEM_FAULT_RMP_NPF, f.reason);
	EXPECT_EQ(TGPA + SZ_4K, f.gpa);
	EXPECT_EQ(SZ_4K, f.size);
	EXPECT_EQ(0, f.flags);		/* a shared read */
	EXPECT_TRUE(f.error_code & NPF_RMP);
	EXPECT_FALSE(f.error_code & NPF_PRIVATE);
}

TEST_F(fault, private_access_to_shared_gfn_is_attribute_exit)
{
	struct ccmem_emu_op op;
	struct ccmem_fault f;

	ASSERT_EQ(0, tvm_write(&self->t, TGPA + SZ_2M, "x", 1, false, &op));
	ASSERT_EQ(CCMEM_EMU_R_FAULT, op.result);
	ASSERT_EQ(1, read_one(&self->t, &f));
	EXPECT_EQ(CCMEM_FAULT_MEMORY_ATTR, f.reason);
	EXPECT_EQ(CCMEM_FAULT_F_PRIVATE | CCMEM_FAULT_F_WRITE, f.flags);
	EXPECT_EQ(TGPA + SZ_2M, f.gpa);
}

TEST_F(fault, access_outside_regions_is_reported)
{
	struct ccmem_emu_op op;
	struct ccmem_fault f;
	uint8_t b;

	ASSERT_EQ(0, tvm_read(&self->t, 0x1000, &b, 1, true, &op));
	ASSERT_EQ(CCMEM_EMU_R_FAULT, op.result);
	ASSERT_EQ(1, read_one(&self->t, &f));
	EXPECT_EQ(CCMEM_FAULT_NO_REGION, f.reason);
	EXPECT_EQ(0x1000, f.gpa);
}

TEST_F(fault, unvalidated_private_access_raises_vc_in_guest)
{
	struct ccmem_emu_op op;
	struct ccmem_vm_stats s;
	uint8_t b;

	ASSERT_EQ(0, tvm_read(&self->t, TGPA + 3 * SZ_4K, &b, 1, false, &op));
	EXPECT_EQ(CCMEM_EMU_R_VC, op.result);
	EXPECT_EQ(0x404, op.ret);
	/* Raised to the guest, not an exit: nothing queued. */
	ASSERT_EQ(0, tvm_stats(&self->t, &s));
	EXPECT_EQ(0, s.faults_queued);
}

TEST_F(fault, host_write_to_assigned_page_is_rmp_pf)
{
	struct ccmem_emu_op op;
	struct ccmem_fault f;
	uint8_t buf[16] = "host scribble";

	ASSERT_EQ(0, tvm_validate_range(&self->t, TGPA, SZ_4K));
	ASSERT_EQ(0, tvm_write(&self->t, TGPA, "guest secret", 12, false,
			       NULL));
	ASSERT_EQ(0, tvm_host_write(&self->t, TGPA, buf, sizeof(buf), &op));
	ASSERT_EQ(CCMEM_EMU_R_FAULT, op.result);
	ASSERT_EQ(1, read_one(&self->t, &f));
	EXPECT_EQ(CCMEM_FAULT_HOST_RMP_PF, f.reason);
	EXPECT_EQ(NPF_RMP | 2, f.error_code);
	/* The guest's data is untouched. */
	ASSERT_EQ(0, tvm_read(&self->t, TGPA, buf, 12, false, NULL));
	EXPECT_EQ(0, memcmp(buf, "guest secret", 12));
}

TEST_F(fault, full_queue_pushes_back_and_loses_nothing)
{
	struct ccmem_fault recs[8];
	struct ccmem_emu_op op;
	struct ccmem_vm_stats s;
	uint32_t count, pending;
	uint8_t b;
	int i;

	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, tvm_read(&self->t, TGPA + SZ_2M + i * SZ_4K, &b, 1,
				      false, &op));
		ASSERT_EQ(CCMEM_EMU_R_FAULT, op.result);
		EXPECT_EQ(i + 1, op.fault_seq);
	}
	/* Full: the access does not happen and says so. */
	EXPECT_EQ(-EAGAIN, tvm_read(&self->t, TGPA + SZ_2M + 4 * SZ_4K, &b, 1,
				    false, &op));
	ASSERT_EQ(0, tvm_stats(&self->t, &s));
	EXPECT_EQ(1, s.faults_backpressure);
	EXPECT_EQ(4, s.faults_queued);

	ASSERT_EQ(0, tvm_read_faults(&self->t, recs, 2, &count, &pending));
	EXPECT_EQ(2, count);
	EXPECT_EQ(2, pending);
	EXPECT_EQ(1, recs[0].seq);
	EXPECT_EQ(2, recs[1].seq);
	/* The retried access now gets its record. */
	ASSERT_EQ(0, tvm_read(&self->t, TGPA + SZ_2M + 4 * SZ_4K, &b, 1,
			      false, &op));
	EXPECT_EQ(5, op.fault_seq);
	ASSERT_EQ(0, tvm_read_faults(&self->t, recs, 8, &count, &pending));
	EXPECT_EQ(3, count);
	EXPECT_EQ(0, pending);
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(3 + i, recs[i].seq);
		EXPECT_EQ(TGPA + SZ_2M + (2 + i) * SZ_4K, recs[i].gpa);
	}
}

TEST_F(fault, poll_reports_pending_records)
{
	struct pollfd p = { .fd = self->t.fd, .events = POLLIN };
	struct ccmem_emu_op op;
	struct ccmem_fault f;
	uint8_t b;

	EXPECT_EQ(0, poll(&p, 1, 0));
	ASSERT_EQ(0, tvm_read(&self->t, TGPA + SZ_2M, &b, 1, false, &op));
	ASSERT_EQ(1, poll(&p, 1, 0));
	EXPECT_TRUE(p.revents & POLLIN);
	ASSERT_EQ(1, read_one(&self->t, &f));
	EXPECT_EQ(0, poll(&p, 1, 0));
}

TEST_F(fault, read_faults_bad_arguments)
{
	struct ccmem_fault_read r = { 0 };
	struct ccmem_emu_op op;
	struct ccmem_fault f;
	uint32_t count, pending;
	uint8_t b;

	EXPECT_EQ(-EINVAL, ccmem_ioctl(self->t.fd, CCMEM_VM_READ_FAULTS, &r));
	r.nr = 1;
	r.flags = 1;
	EXPECT_EQ(-EINVAL, ccmem_ioctl(self->t.fd, CCMEM_VM_READ_FAULTS, &r));
	/* A bad buffer keeps the record queued. */
	ASSERT_EQ(0, tvm_read(&self->t, TGPA + SZ_2M, &b, 1, false, &op));
	EXPECT_EQ(-EFAULT, tvm_read_faults(&self->t, (void *)8, 1, NULL, NULL));
	ASSERT_EQ(0, tvm_read_faults(&self->t, &f, 1, &count, &pending));
	EXPECT_EQ(1, count);
}

TEST_F(fault, read_faults_struct_reusable)
{
	struct ccmem_fault f;
	struct ccmem_fault_read r = { .records = (uintptr_t)&f, .nr = 1 };
	struct ccmem_emu_op op;
	uint8_t b;
	int i;

	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, tvm_read(&self->t, TGPA + SZ_2M + i * SZ_4K, &b,
				      1, false, &op));
	/* The outputs of one read do not poison the next. */
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, ccmem_ioctl(self->t.fd, CCMEM_VM_READ_FAULTS, &r));
		EXPECT_EQ(1, r.count);
		EXPECT_EQ(1 - i, r.pending);
		EXPECT_EQ(i + 1, f.seq);
	}
}

TEST_F(fault, host_mmap_of_private_memory_sigbus)
{
	struct ccmem_vm_stats s;
	uint8_t *p;
	int status;
	pid_t pid;

	ASSERT_EQ(0, tvm_validate_range(&self->t, TGPA, SZ_4K));
	ASSERT_EQ(0, tvm_write(&self->t, TGPA, "secret", 6, false, NULL));
	p = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE, MAP_SHARED, self->t.fd,
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
	ASSERT_EQ(0, tvm_stats(&self->t, &s));
	EXPECT_EQ(1, s.sigbus);
	munmap(p, SZ_2M);
}

TEST_F(fault, private_contents_roundtrip)
{
	uint8_t in[4096], out[4096];
	unsigned int i;

	for (i = 0; i < sizeof(in); i++)
		in[i] = i * 7;
	ASSERT_EQ(0, tvm_validate_range(&self->t, TGPA + 5 * SZ_4K, SZ_4K));
	ASSERT_EQ(0, tvm_write(&self->t, TGPA + 5 * SZ_4K, in, sizeof(in),
			       false, NULL));
	ASSERT_EQ(0, tvm_read(&self->t, TGPA + 5 * SZ_4K, out, sizeof(out),
			      false, NULL));
	EXPECT_EQ(0, memcmp(in, out, sizeof(in)));
	/* Never visible in the shared backing. */
	EXPECT_TRUE(buf_is(self->t.shared + 5 * SZ_4K, 0, SZ_4K));
}

TEST_HARNESS_MAIN
