// SPDX-License-Identifier: GPL-2.0
/*
 * ccmem_robust - the host core cannot be hung or made to lose state by its
 * caller (invariants 9 and 10):
 *
 *  - no lock another task needs is held across user memory that can
 *    fault: with the VMM's memory stuck on a userfaultfd fault that is
 *    never resolved, statistics, debugfs and other ioctls still answer;
 *  - a SIGKILLed VMM always exits, even while a vCPU thread is blocked on
 *    such a fault;
 *  - an ioctl that cannot write its results back fails with -EFAULT
 *    before it changes anything.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "ccmem_test.h"

/* A userfaultfd over [addr, addr + len) whose missing faults nobody serves. */
static int uffd_register(void *addr, uint64_t len)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {
		.range = { .start = (unsigned long)addr, .len = len },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	int fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return -errno;
	if (ioctl(fd, UFFDIO_API, &api) || ioctl(fd, UFFDIO_REGISTER, &reg)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* Block until a fault arrives on @uffd; returns its address or 0. */
static uint64_t uffd_wait_fault(int uffd)
{
	struct pollfd pfd = { .fd = uffd, .events = POLLIN };
	struct uffd_msg msg;

	/* The bound only turns a missing fault into a failure. */
	if (poll(&pfd, 1, 20000) != 1 ||
	    read(uffd, &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT)
		return 0;
	return msg.arg.pagefault.address;
}

/* Resolve a missing fault at @addr with a zero page. */
static int uffd_zero(int uffd, uint64_t addr)
{
	struct uffdio_zeropage z = {
		.range = { .start = addr & ~(SZ_4K - 1), .len = SZ_4K },
	};

	return ioctl(uffd, UFFDIO_ZEROPAGE, &z) ? -errno : 0;
}

struct stuck_access {
	int fd;
	uint64_t gpa;
	int ret;
};

static void *stuck_write(void *p)
{
	struct stuck_access *s = p;
	uint8_t byte = 0x5a;

	s->ret = ccmem_emu_write(s->fd, s->gpa, &byte, 1,
				 CCMEM_ACCESS_F_SHARED, NULL);
	return NULL;
}

/*
 * A guest write to shared memory whose backing is stuck on userfaultfd:
 * the access blocks, but nothing else of the VM does. (Before the fix the
 * access held vm->lock across the copy: every other ioctl and debugfs
 * reader hung in state D.)
 */
TEST(stuck_shared_access_blocks_nothing_else)
{
	struct stuck_access s;
	pthread_t th;
	uint64_t addr;
	struct tvm t;
	int uffd;

	ASSERT_ERRNO(0, tvm_setup_std(&t));
	ASSERT_EQ(0, madvise(t.shared, TSIZE, MADV_DONTNEED));
	uffd = uffd_register(t.shared, TSIZE);
	if (uffd < 0)
		SKIP(return, "no userfaultfd here (%s)", ccmem_errno_name(-uffd));

	s = (struct stuck_access){ .fd = t.fd, .gpa = TGPA + 5 * SZ_4K };
	ASSERT_EQ(0, pthread_create(&th, NULL, stuck_write, &s));
	addr = uffd_wait_fault(uffd);
	ASSERT_EQ((uint64_t)(unsigned long)t.shared + 5 * SZ_4K,
		  addr & ~(SZ_4K - 1));

	/* The access is stuck in the kernel; everything else answers. */
	EXPECT_EQ(0, STAT(t.fd, "vm.private_bytes"));
	EXPECT_ERRNO(0, ccmem_vm_set_attr(t.fd, TGPA + SZ_2M, SZ_2M, true));
	EXPECT_ERRNO(0, ccmem_vm_populate(t.fd, TGPA + SZ_2M, SZ_4K, 0, NULL));
	EXPECT_ERRNO(0, ccmem_emu_pvalidate(t.fd, TGPA + SZ_2M, false, true,
					    NULL));
	EXPECT_EQ(SZ_2M, STAT(t.fd, "vm.private_bytes"));

	/* Resolve it: the access completes and lands. */
	ASSERT_ERRNO(0, uffd_zero(uffd, addr));
	ASSERT_EQ(0, pthread_join(th, NULL));
	EXPECT_ERRNO(0, s.ret);
	EXPECT_EQ(0x5a, t.shared[5 * SZ_4K]);
	close(uffd);
	tvm_destroy(&t);
}

/* The newest VM's debugfs stats file, read whole; -errno on failure. */
static int read_newest_vm_stats(char *buf, size_t len)
{
	static const char cmd[] =
		"cat $(ls -d /sys/kernel/debug/ccmem/vm-* | sort -t- -k2 -n | tail -1)/stats";
	FILE *f = popen(cmd, "r");
	size_t n;

	if (!f)
		return -errno;
	n = fread(buf, 1, len - 1, f);
	buf[n] = 0;
	return pclose(f) == 0 && n ? 0 : -EIO;
}

/*
 * The VMM process: a guest whose vCPU thread blocks on its GHCB page,
 * registered with userfaultfd and never served. It tells the parent once
 * the thread is stuck, then waits to be killed.
 */
static void stuck_vmm(int tell)
{
	struct ccmem_emu_guest_config cfg;
	struct ccmem_guest g;
	struct ccmem_run run;
	const struct ccmem_guest_insn prog[] = {
		GI(CCMEM_GOP_ACCEPT, TGPA, SZ_2M, 0),
	};
	char ok = 1;
	int uffd;

	cfg = ccmem_guest_config(CCMEM_ACCEPT_LAZY, TGPA, TSIZE);
	if (ccmem_guest_create(&g, &cfg) || ccmem_guest_add_vcpu(&g, 0) ||
	    ccmem_vcpu_set_program(g.vcpu[0], prog, NR(prog)))
		_exit(2);
	madvise(g.comm, CCMEM_GUEST_COMM_SIZE, MADV_DONTNEED);
	uffd = uffd_register(g.comm, CCMEM_GUEST_COMM_SIZE);
	if (uffd < 0)
		_exit(3);
	if (fork() == 0) {
		/* A thread of the VMM would do: the fault wakes the parent. */
		if (!uffd_wait_fault(uffd))
			_exit(4);
		if (write(tell, &ok, 1) != 1)
			_exit(5);
		_exit(0);
	}
	/* Blocks: the vCPU thread is stuck on the GHCB page. */
	ccmem_vcpu_run(g.vcpu[0], &run);
	_exit(6);
}

/*
 * A SIGKILLed VMM exits although its vCPU thread is blocked on a
 * userfaultfd fault nobody will serve (before the fix, the release of the
 * vCPU fd waited for that thread for good), and a debugfs reader of the
 * VM is not held up meanwhile.
 */
TEST(sigkilled_vmm_with_stuck_vcpu_exits)
{
	long long live = ccmem_global_stat("vms_live");
	int pipefd[2], status;
	struct pollfd pfd;
	char buf[4096], c;
	pid_t pid;

	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		close(pipefd[0]);
		stuck_vmm(pipefd[1]);
	}
	close(pipefd[1]);
	pfd = (struct pollfd){ .fd = pipefd[0], .events = POLLIN };
	ASSERT_EQ(1, poll(&pfd, 1, 20000)) {
		TH_LOG("the vCPU thread never faulted on the GHCB page");
		kill(pid, SIGKILL);
	}
	ASSERT_EQ(1, read(pipefd[0], &c, 1));
	EXPECT_EQ(live + 1, ccmem_global_stat("vms_live"));

	/* The VM's statistics are readable while its vCPU is stuck. */
	EXPECT_ERRNO(0, read_newest_vm_stats(buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "vm.vcpus: 1"));

	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	close(pipefd[0]);
}

/* A page the process can read but not write. */
static void *readonly_copy(const void *arg, size_t len)
{
	void *p = mmap(NULL, SZ_4K, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memcpy(p, arg, len);
	if (mprotect(p, SZ_4K, PROT_READ)) {
		munmap(p, SZ_4K);
		return NULL;
	}
	return p;
}

FIXTURE(ro) {
	struct tvm t;
	void *unmapped;
};

FIXTURE_SETUP(ro)
{
	ASSERT_ERRNO(0, tvm_setup_std(&self->t));
	self->unmapped = mmap(NULL, SZ_4K, PROT_NONE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->unmapped);
	munmap(self->unmapped, SZ_4K);
}

FIXTURE_TEARDOWN(ro)
{
	tvm_destroy(&self->t);
}

/* @cmd with a read-only and with an unmapped argument: -EFAULT both. */
static int ro_call(struct __test_metadata *_metadata, int fd,
		   unsigned long cmd, const void *arg, size_t len,
		   void *unmapped)
{
	void *ro = readonly_copy(arg, len);
	int a, b;

	if (!ro)
		return -ENOMEM;
	a = ccmem_ioctl(fd, cmd, ro);
	b = ccmem_ioctl(fd, cmd, unmapped);
	munmap(ro, SZ_4K);
	EXPECT_ERRNO(-EFAULT, b);
	return a;
}

TEST_F(ro, add_region_adds_nothing)
{
	struct ccmem_region r = {
		.gpa = 0x80000000ULL, .size = SZ_2M,
		.shared_uaddr = (unsigned long)self->t.shared,
		.flags = CCMEM_REGION_F_PRIVATE,
	};

	EXPECT_ERRNO(-EFAULT, ro_call(_metadata, self->t.fd,
				      CCMEM_VM_ADD_REGION, &r, sizeof(r),
				      self->unmapped));
	EXPECT_EQ(1, STAT(self->t.fd, "vm.regions"));
	EXPECT_EQ(0, STAT(self->t.fd, "vm.private_bytes"));
	EXPECT_ERRNO(0, ccmem_ioctl(self->t.fd, CCMEM_VM_ADD_REGION, &r));
	EXPECT_EQ(2, STAT(self->t.fd, "vm.regions"));
}

TEST_F(ro, populate_populates_nothing)
{
	struct ccmem_populate p = { .gpa = TGPA, .size = SZ_2M };

	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->t.fd, TGPA, SZ_2M, true));
	EXPECT_ERRNO(-EFAULT, ro_call(_metadata, self->t.fd, CCMEM_VM_POPULATE,
				      &p, sizeof(p), self->unmapped));
	EXPECT_EQ(0, STAT(self->t.fd, "vm.populated_pages"));
	EXPECT_ERRNO(0, ccmem_ioctl(self->t.fd, CCMEM_VM_POPULATE, &p));
	EXPECT_EQ(SZ_2M, p.populated);
	EXPECT_EQ(512, STAT(self->t.fd, "vm.populated_pages"));
}

TEST_F(ro, set_attributes_converts_nothing)
{
	struct ccmem_attributes a = {
		.gpa = TGPA, .size = SZ_2M, .attributes = CCMEM_ATTR_PRIVATE,
	};

	EXPECT_ERRNO(-EFAULT, ro_call(_metadata, self->t.fd,
				      CCMEM_VM_SET_ATTRIBUTES, &a, sizeof(a),
				      self->unmapped));
	EXPECT_EQ(0, STAT(self->t.fd, "vm.private_bytes"));
	EXPECT_EQ(0, STAT(self->t.fd, "vm.to_private"));
}

/* Fault records are never lost to a read-only argument or buffer. */
TEST_F(ro, read_faults_dequeues_nothing)
{
	struct ccmem_fault rec[4];
	struct ccmem_fault_read r = {
		.records = (unsigned long)rec, .nr = 4,
	};
	uint32_t pending;
	void *ro_recs;

	/* Two records: guest accesses to a gpa in no region. */
	ASSERT_ERRNO(0, ccmem_emu_read(self->t.fd, 0x1000, rec, 8, 0, NULL));
	ASSERT_ERRNO(0, ccmem_emu_read(self->t.fd, 0x2000, rec, 8, 0, NULL));
	EXPECT_ERRNO(-EFAULT, ro_call(_metadata, self->t.fd,
				      CCMEM_VM_READ_FAULTS, &r, sizeof(r),
				      self->unmapped));
	/* A read-only record buffer: nothing copied, nothing dequeued. */
	ro_recs = readonly_copy(rec, sizeof(rec));
	ASSERT_NE(NULL, ro_recs);
	r.records = (unsigned long)ro_recs;
	EXPECT_ERRNO(-EFAULT, ccmem_ioctl(self->t.fd, CCMEM_VM_READ_FAULTS, &r));
	munmap(ro_recs, SZ_4K);

	EXPECT_EQ(2, ccmem_vm_read_faults(self->t.fd, rec, 4, &pending));
	EXPECT_EQ(0, pending);
	EXPECT_EQ(1, rec[0].seq);
	EXPECT_EQ(2, rec[1].seq);
}

TEST_F(ro, emu_and_stats_ioctls_fault_cleanly)
{
	struct ccmem_emu_insn in = {
		.insn = CCMEM_INSN_PVALIDATE, .gpa = TGPA, .rdx = 1,
	};
	struct ccmem_emu_lookup lk = { .gpa = TGPA };
	struct ccmem_stats st = { .nr = 0 };

	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->t.fd, TGPA, SZ_2M, true));
	EXPECT_ERRNO(-EFAULT, ro_call(_metadata, self->t.fd,
				      CCMEM_EMU_GUEST_INSN, &in, sizeof(in),
				      self->unmapped));
	/* The instruction did not run: the page is not validated. */
	EXPECT_ERRNO(0, ccmem_emu_lookup(self->t.fd, TGPA, &lk));
	EXPECT_EQ(0, lk.state & CCMEM_EMU_S_ACCEPTED);
	EXPECT_EQ(0, STAT(self->t.fd, "vm.populated_pages"));
	EXPECT_ERRNO(-EFAULT, ro_call(_metadata, self->t.fd,
				      CCMEM_EMU_LOOKUP, &lk, sizeof(lk),
				      self->unmapped));
	EXPECT_ERRNO(-EFAULT, ro_call(_metadata, self->t.fd,
				      CCMEM_VM_GET_STATS, &st, sizeof(st),
				      self->unmapped));
}

TEST(create_vm_with_readonly_argument_creates_nothing)
{
	long long created = ccmem_global_stat("vms_created");
	long long live = ccmem_global_stat("vms_live");
	struct ccmem_vm_create c = {
		.type = CCMEM_VM_SNP, .backend = CCMEM_BACKEND_EMU,
	};
	int dev = ccmem_open_dev();
	void *ro = readonly_copy(&c, sizeof(c));

	ASSERT_GE(dev, 0);
	ASSERT_NE(NULL, ro);
	EXPECT_ERRNO(-EFAULT, ccmem_ioctl(dev, CCMEM_CREATE_VM, ro));
	EXPECT_EQ(created, ccmem_global_stat("vms_created"));
	EXPECT_EQ(live, ccmem_global_stat("vms_live"));
	munmap(ro, SZ_4K);
	close(dev);
}

/* An exit is never consumed by a run that cannot report it. */
TEST(vcpu_run_with_readonly_argument_loses_no_exit)
{
	struct ccmem_emu_guest_config cfg;
	const struct ccmem_guest_insn prog[] = {
		GI(CCMEM_GOP_BOOT, 0, 0, 0),
	};
	struct ccmem_run run = { 0 };
	struct ccmem_guest g;
	void *ro;

	cfg = ccmem_guest_config(CCMEM_ACCEPT_LAZY, TGPA, TSIZE);
	ASSERT_ERRNO(0, ccmem_guest_create(&g, &cfg));
	ASSERT_ERRNO(0, ccmem_guest_add_vcpu(&g, 0));
	ASSERT_ERRNO(0, ccmem_vcpu_set_program(g.vcpu[0], prog, NR(prog)));
	ro = readonly_copy(&run, sizeof(run));
	ASSERT_NE(NULL, ro);
	EXPECT_ERRNO(-EFAULT, ccmem_ioctl(g.vcpu[0], CCMEM_VCPU_RUN, ro));
	munmap(ro, SZ_4K);
	/* The reused struct's old outputs are no reason to refuse. */
	memset(run.state, 0xa5, sizeof(run.state));
	run.exit_reason = 0x5a5a;
	ASSERT_ERRNO(0, ccmem_vcpu_run(g.vcpu[0], &run));
	EXPECT_EXIT(&run, CCMEM_EXIT_EMU_DONE);
	EXPECT_EQ(0, ccmem_run_state(&run)->pc);
	ccmem_guest_destroy(&g);
}

/*
 * With the fault queue full, the VMM's guest-side requests wait for a
 * drain (-EAGAIN) and change nothing meanwhile: no page is populated or
 * assigned by a request that then fails (found by ccmem_fuzz, seed
 * 487501065).
 */
TEST(full_fault_queue_refuses_requests_before_any_change)
{
	struct ccmem_fault rec[2];
	uint8_t buf[8];
	struct tvm t;

	ASSERT_ERRNO(0, tvm_create(&t, 1));
	ASSERT_ERRNO(0, tvm_add_region(&t, TGPA, TSIZE, CCMEM_REGION_F_PRIVATE));
	/* One record fills the queue: a read of a gpa in no region. */
	ASSERT_ERRNO(0, ccmem_emu_read(t.fd, 0x1000, buf, 8, 0, NULL));
	EXPECT_ERRNO(-EAGAIN,
		     ccmem_emu_pvalidate(t.fd, TGPA, false, true, NULL));
	EXPECT_ERRNO(-EAGAIN, ccmem_emu_read(t.fd, TGPA + SZ_2M, buf, 8, 0,
					     NULL));
	EXPECT_EQ(0, STAT(t.fd, "vm.populated_pages"));
	EXPECT_EQ(0, STAT(t.fd, "vm.assigned_4k") + STAT(t.fd, "vm.assigned_2m"));
	/* Drained, the same requests go through. */
	EXPECT_EQ(1, ccmem_vm_read_faults(t.fd, rec, 2, NULL));
	EXPECT_ERRNO(0, ccmem_emu_pvalidate(t.fd, TGPA, false, true, NULL));
	EXPECT_LT(0, STAT(t.fd, "vm.populated_pages"));
	tvm_destroy(&t);
}

/* A program refused whole leaves the vCPU's program as it was. */
TEST(refused_program_keeps_the_old_one)
{
	struct ccmem_emu_guest_config cfg;
	const struct ccmem_guest_insn good[] = {
		GI(CCMEM_GOP_BOOT, 0, 0, 0),
		GI(CCMEM_GOP_BOOT, 0, 0, 0),
	};
	/* Valid steps, then a raw request the kernel cannot read. */
	const struct ccmem_guest_insn bad[] = {
		GI(CCMEM_GOP_BOOT, 0, 0, 0),
		GI(CCMEM_GOP_PSC_RAW, 0, 0, 0x10),
	};
	struct ccmem_run run = { 0 };
	struct ccmem_guest g;

	cfg = ccmem_guest_config(CCMEM_ACCEPT_LAZY, TGPA, TSIZE);
	ASSERT_ERRNO(0, ccmem_guest_create(&g, &cfg));
	ASSERT_ERRNO(0, ccmem_guest_add_vcpu(&g, 0));
	ASSERT_ERRNO(0, ccmem_vcpu_set_program(g.vcpu[0], good, NR(good)));
	EXPECT_ERRNO(-EFAULT, ccmem_vcpu_set_program(g.vcpu[0], bad, NR(bad)));
	ASSERT_ERRNO(0, ccmem_vcpu_run(g.vcpu[0], &run));
	EXPECT_EXIT(&run, CCMEM_EXIT_EMU_DONE);
	EXPECT_EQ(1, ccmem_run_state(&run)->pc);	/* the 2-step one ran */
	ccmem_guest_destroy(&g);
}

/* The access check of a TLB fill (no data) on shared memory passes. */
TEST(access_check_of_shared_page)
{
	struct ccmem_emu_access a = {
		.gpa = TGPA + SZ_4K,
		.flags = CCMEM_ACCESS_F_CHECK | CCMEM_ACCESS_F_SHARED |
			 CCMEM_ACCESS_F_WRITE,
	};
	struct tvm t;

	ASSERT_ERRNO(0, tvm_setup_std(&t));
	t.shared[SZ_4K] = 0x33;
	ASSERT_ERRNO(0, ccmem_emu_access(t.fd, &a));
	EXPECT_RESULT(CCMEM_EMU_R_DONE, a.result);
	EXPECT_EQ(0x33, t.shared[SZ_4K]);	/* a check writes nothing */
	/* Outside every region, the check faults to the VMM. */
	a.gpa = 0x1000;
	ASSERT_ERRNO(0, ccmem_emu_access(t.fd, &a));
	EXPECT_RESULT(CCMEM_EMU_R_FAULT, a.result);
	tvm_destroy(&t);
}

/* A NAE event the host does not handle is refused as KVM refuses it. */
TEST(unknown_nae_event_is_invalid_event)
{
	struct ccmem_emu_guest_config cfg;
	struct ccmem_emu_vmgexit x = {
		.ghcb_msr = CCMEM_GUEST_COMM_GPA,
		.flags = CCMEM_VMGEXIT_F_NAE,
		.exit_code = 0x8000ffffULL,
	};
	const struct ccmem_guest_insn prog[] = {
		GI(CCMEM_GOP_VMGEXIT, 0, 0, (uintptr_t)&x),
	};
	struct ccmem_run run;
	struct ccmem_guest g;

	cfg = ccmem_guest_config(CCMEM_ACCEPT_LAZY, TGPA, TSIZE);
	ASSERT_ERRNO(0, ccmem_guest_create(&g, &cfg));
	ASSERT_ERRNO(0, ccmem_guest_add_vcpu(&g, 0));
	ASSERT_ERRNO(0, ccmem_guest_exec(&g, 0, prog, NR(prog), &run));
	EXPECT_EXIT(&run, CCMEM_EXIT_EMU_DONE);
	EXPECT_EQ(2, ccmem_run_state(&run)->exit_info1);
	EXPECT_EQ(6, ccmem_run_state(&run)->exit_info2);	/* INVALID_EVENT */
	ccmem_guest_destroy(&g);
}

TEST_HARNESS_MAIN
