// SPDX-License-Identifier: GPL-2.0
/*
 * ccmem_emulator - the emulator capability (CCMEM_CAP_EMU_EMULATOR): a VMM
 * that plays the CPU maps private memory through the VM fd's window, and
 * only that VMM, only while the page is the VM's, only by opting in before
 * the launch ends. Every VM without the capability keeps invariant 4.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ccmem_test.h"
#include "ghcb.h"
#include "tdx_abi.h"

#define WIN		SZ_2M	/* the window mapped: the first 2 MiB */

/* --- touching a page and catching what the kernel sends ----------------- */

static sigjmp_buf touch_env;
static sig_atomic_t touch_sig;	/* written by the handler, read after */

static void touch_handler(int sig)
{
	touch_sig = sig;
	siglongjmp(touch_env, 1);
}

/*
 * Read (or write @val to) *@p. Returns 0, or the signal it raised
 * (SIGBUS, SIGSEGV); *@out gets the byte read.
 */
static int touch(uint8_t *p, bool write, uint8_t val, uint8_t *out)
{
	struct sigaction sa = { .sa_handler = touch_handler }, obus, osegv;
	int sig = 0;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &obus);
	sigaction(SIGSEGV, &sa, &osegv);
	touch_sig = 0;
	if (!sigsetjmp(touch_env, 1)) {
		if (write)
			__atomic_store_n(p, val, __ATOMIC_RELAXED);
		else if (out)
			*out = __atomic_load_n(p, __ATOMIC_RELAXED);
		else
			(void)__atomic_load_n(p, __ATOMIC_RELAXED);
	} else {
		sig = __atomic_load_n(&touch_sig, __ATOMIC_RELAXED);
	}
	sigaction(SIGBUS, &obus, NULL);
	sigaction(SIGSEGV, &osegv, NULL);
	return sig;
}

/* --- the VM: SNP or TDX on the model, one region at TGPA ----------------- */

FIXTURE(emul) {
	struct tvm t;
	int fd;
	uint8_t *win;
};

FIXTURE_VARIANT(emul) {
	uint32_t type;
};

FIXTURE_VARIANT_ADD(emul, snp) { .type = CCMEM_VM_SNP };
FIXTURE_VARIANT_ADD(emul, tdx) { .type = CCMEM_VM_TDX };

FIXTURE_SETUP(emul)
{
	struct ccmem_vm_create c;

	memset(&self->t, 0, sizeof(self->t));
	self->t.fd = -1;
	self->win = MAP_FAILED;
	self->t.dev = ccmem_open_dev();
	if (self->t.dev == -ENOENT)
		SKIP(return, "/dev/ccmem missing");
	ASSERT_LE(0, self->t.dev);
	self->fd = ccmem_vm_create(self->t.dev, variant->type,
				   CCMEM_BACKEND_EMU, 0, &c);
	if (self->fd == -EINVAL || self->fd == -EOPNOTSUPP)
		SKIP(return, "no emulated platform for this VM type");
	ASSERT_LE(0, self->fd);
	self->t.fd = self->fd;
	ASSERT_ERRNO(0, tvm_add_region(&self->t, TGPA, TSIZE, 0));
}

FIXTURE_TEARDOWN(emul)
{
	if (self->win != MAP_FAILED)
		munmap(self->win, WIN);
	tvm_destroy(&self->t);
}

/* The window on [TGPA, TGPA + WIN). */
static uint8_t *map_window(int fd)
{
	void *p = mmap(NULL, WIN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, TGPA);

	return p == MAP_FAILED ? MAP_FAILED : p;
}

/*
 * Make [@gpa, @gpa + 4K) private and usable by the guest: the VMM's
 * conversion, then the guest's PVALIDATE or TDG.MEM.PAGE.ACCEPT.
 */
static int guest_page(int fd, uint32_t type, uint64_t gpa)
{
	struct ccmem_emu_insn in;
	int ret = ccmem_vm_set_attr(fd, gpa, SZ_4K, true);

	if (ret)
		return ret;
	if (type == CCMEM_VM_TDX)
		ret = ccmem_emu_tdx_accept(fd, gpa, false, &in);
	else
		ret = ccmem_emu_pvalidate(fd, gpa, false, true, &in);
	if (ret)
		return ret;
	return in.result == CCMEM_EMU_R_DONE && !in.rax_out ? 0 : -EIO;
}

/* --- enabling it ---------------------------------------------------------- */

TEST_F(emul, extension_reports_availability_then_use)
{
	int dev = self->t.dev;

	EXPECT_EQ(1, ccmem_check_extension(dev, CCMEM_CAP_EMU_EMULATOR));
	EXPECT_EQ(1, ccmem_check_extension(self->fd, CCMEM_CAP_EMU_EMULATOR));
	EXPECT_EQ(0, STAT(self->fd, "vm.emulator"));
	ASSERT_ERRNO(0, ccmem_vm_enable_emulator(self->fd));
	EXPECT_EQ(2, ccmem_check_extension(self->fd, CCMEM_CAP_EMU_EMULATOR));
	EXPECT_EQ(1, STAT(self->fd, "vm.emulator"));
	/* Enabling twice is not an error. */
	EXPECT_ERRNO(0, ccmem_vm_enable_emulator(self->fd));
}

TEST_F(emul, bad_arguments_refused_and_change_nothing)
{
	struct ccmem_enable_cap cap = { .cap = CCMEM_CAP_EMU_EMULATOR };

	/* It cannot be turned off, or on with another value. */
	EXPECT_ERRNO(-EINVAL, ccmem_ioctl(self->fd, CCMEM_VM_ENABLE_CAP, &cap));
	cap.args[0] = 2;
	EXPECT_ERRNO(-EINVAL, ccmem_ioctl(self->fd, CCMEM_VM_ENABLE_CAP, &cap));
	cap.args[0] = 1;
	cap.args[3] = 1;
	EXPECT_ERRNO(-EINVAL, ccmem_ioctl(self->fd, CCMEM_VM_ENABLE_CAP, &cap));
	cap.args[3] = 0;
	cap.flags = 1;
	EXPECT_ERRNO(-EINVAL, ccmem_ioctl(self->fd, CCMEM_VM_ENABLE_CAP, &cap));
	cap.flags = 0;
	cap.reserved[1] = 1;
	EXPECT_ERRNO(-EINVAL, ccmem_ioctl(self->fd, CCMEM_VM_ENABLE_CAP, &cap));
	EXPECT_EQ(0, STAT(self->fd, "vm.emulator"));
	EXPECT_EQ(1, ccmem_check_extension(self->fd, CCMEM_CAP_EMU_EMULATOR));
}

TEST_F(emul, refused_once_the_launch_ended)
{
	uint8_t b;

	ASSERT_ERRNO(0, guest_page(self->fd, variant->type, TGPA));
	ASSERT_ERRNO(0, ccmem_ioctl(self->fd, CCMEM_VM_FINALIZE, NULL));
	EXPECT_ERRNO(-EBUSY, ccmem_vm_enable_emulator(self->fd));
	EXPECT_EQ(0, STAT(self->fd, "vm.emulator"));
	/* The window still refuses every touch. */
	self->win = map_window(self->fd);
	ASSERT_NE(MAP_FAILED, self->win);
	EXPECT_EQ(SIGBUS, touch(self->win, false, 0, &b));
}

/* --- the window ----------------------------------------------------------- */

TEST_F(emul, window_reads_and_writes_the_private_page)
{
	uint8_t buf[16], b;

	ASSERT_ERRNO(0, ccmem_vm_enable_emulator(self->fd));
	ASSERT_ERRNO(0, guest_page(self->fd, variant->type, TGPA + SZ_4K));
	ASSERT_ERRNO(0, ccmem_emu_write(self->fd, TGPA + SZ_4K + 100, "secret",
					6, ACC_PRIVATE, NULL));
	self->win = map_window(self->fd);
	ASSERT_NE(MAP_FAILED, self->win);
	EXPECT_EQ(0, memcmp(self->win + SZ_4K + 100, "secret", 6));
	/* A write through the window is what the guest then reads. */
	memcpy(self->win + SZ_4K + 200, "tcg", 3);
	ASSERT_ERRNO(0, ccmem_emu_read(self->fd, TGPA + SZ_4K + 200, buf, 3,
				       ACC_PRIVATE, NULL));
	EXPECT_EQ(0, memcmp(buf, "tcg", 3));
	/* The shared backing never saw either. */
	EXPECT_TRUE(buf_is(self->t.shared + SZ_4K, 0, SZ_4K));
	EXPECT_EQ(1, STAT(self->fd, "vm.emulator_mapped"));
	EXPECT_EQ(0, touch(self->win + SZ_4K, false, 0, &b));
	EXPECT_EQ(0, STAT(self->fd, "vm.sigbus"));
}

TEST_F(emul, shared_and_unbacked_gfns_sigbus)
{
	uint8_t b;

	ASSERT_ERRNO(0, ccmem_vm_enable_emulator(self->fd));
	self->win = map_window(self->fd);
	ASSERT_NE(MAP_FAILED, self->win);
	/* Shared: reached through the backing, never the window. */
	EXPECT_EQ(SIGBUS, touch(self->win, false, 0, &b));
	/* Private but never given a page: nothing to map, nothing made. */
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA, SZ_2M, true));
	EXPECT_EQ(SIGBUS, touch(self->win + 3 * SZ_4K, true, 1, NULL));
	EXPECT_EQ(2, STAT(self->fd, "vm.sigbus"));
	EXPECT_EQ(0, STAT(self->fd, "vm.populated_pages"));
	EXPECT_EQ(0, STAT(self->fd, "vm.emulator_mapped"));
}

TEST_F(emul, conversion_to_shared_unmaps_before_the_scrub)
{
	uint8_t b = 0xff;

	ASSERT_ERRNO(0, ccmem_vm_enable_emulator(self->fd));
	ASSERT_ERRNO(0, guest_page(self->fd, variant->type, TGPA));
	self->win = map_window(self->fd);
	ASSERT_NE(MAP_FAILED, self->win);
	memcpy(self->win, "private", 7);
	/* The VMM converts: the page leaves the VM and the window. */
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->fd, TGPA, SZ_4K, false));
	EXPECT_LE(1, STAT(self->fd, "vm.emulator_unmapped"));
	EXPECT_EQ(SIGBUS, touch(self->win, false, 0, &b));
	/* Back to private: a new, zeroed page behind the same address. */
	ASSERT_ERRNO(0, guest_page(self->fd, variant->type, TGPA));
	EXPECT_EQ(0, touch(self->win + 3, false, 0, &b));
	EXPECT_EQ(0, b);
	EXPECT_TRUE(buf_is(self->win, 0, SZ_4K));
}

TEST_F(emul, destroy_waits_for_the_mapping)
{
	long long live;
	uint8_t b;

	ASSERT_ERRNO(0, ccmem_vm_enable_emulator(self->fd));
	ASSERT_ERRNO(0, guest_page(self->fd, variant->type, TGPA));
	ASSERT_ERRNO(0, ccmem_emu_write(self->fd, TGPA, "x", 1, ACC_PRIVATE,
					NULL));
	self->win = map_window(self->fd);
	ASSERT_NE(MAP_FAILED, self->win);
	/* The mapping holds the VM: closing the fd frees nothing. */
	live = ccmem_global_stat("vms_live");
	ASSERT_LE(1, live);
	close(self->fd);
	self->t.fd = -1;
	EXPECT_EQ(live, ccmem_global_stat("vms_live"));
	EXPECT_EQ(0, touch(self->win, false, 0, &b));
	EXPECT_EQ('x', b);
	/* The last reference goes with the mapping. */
	EXPECT_EQ(0, munmap(self->win, WIN));
	self->win = MAP_FAILED;
	EXPECT_EQ(live - 1, ccmem_global_stat("vms_live"));
}

/* --- who may map ---------------------------------------------------------- */

TEST_F(emul, private_mapping_refused)
{
	void *p;

	ASSERT_ERRNO(0, ccmem_vm_enable_emulator(self->fd));
	p = mmap(NULL, WIN, PROT_READ, MAP_PRIVATE, self->fd, TGPA);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(emul, another_process_cannot_map)
{
	int status;
	pid_t pid;

	ASSERT_ERRNO(0, ccmem_vm_enable_emulator(self->fd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* The fd is inherited; the trust is not. */
		void *p = mmap(NULL, WIN, PROT_READ, MAP_SHARED, self->fd,
			       TGPA);

		_exit(p == MAP_FAILED && errno == EACCES ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(emul, mapping_not_inherited_by_fork)
{
	int status;
	pid_t pid;

	ASSERT_ERRNO(0, ccmem_vm_enable_emulator(self->fd));
	ASSERT_ERRNO(0, guest_page(self->fd, variant->type, TGPA));
	self->win = map_window(self->fd);
	ASSERT_NE(MAP_FAILED, self->win);
	EXPECT_EQ(0, touch(self->win, true, 0x5a, NULL));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* VM_DONTCOPY: the child has no mapping there at all. */
		_exit(touch(self->win, false, 0, NULL) == SIGSEGV ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(emul, window_cannot_be_pinned)
{
	struct tvm other;

	ASSERT_ERRNO(0, ccmem_vm_enable_emulator(self->fd));
	ASSERT_ERRNO(0, guest_page(self->fd, variant->type, TGPA));
	self->win = map_window(self->fd);
	ASSERT_NE(MAP_FAILED, self->win);
	EXPECT_EQ(0, touch(self->win, false, 0, NULL));
	/*
	 * A second VM whose shared backing is the window: pinning it for
	 * DMA needs get_user_pages, which the window refuses.
	 */
	ASSERT_ERRNO(0, tvm_create(&other, 0));
	ASSERT_ERRNO(0, ccmem_vm_add_region(other.fd, TGPA, WIN, self->win, 0,
					    NULL));
	EXPECT_ERRNO(-EFAULT, ccmem_vm_pin(other.fd, TGPA, SZ_4K));
	tvm_destroy(&other);
}

TEST_F(emul, mapping_made_before_the_capability_stays_refused)
{
	uint8_t *early, b;

	ASSERT_ERRNO(0, guest_page(self->fd, variant->type, TGPA));
	early = map_window(self->fd);
	ASSERT_NE(MAP_FAILED, early);
	ASSERT_ERRNO(0, ccmem_vm_enable_emulator(self->fd));
	EXPECT_EQ(SIGBUS, touch(early, false, 0, &b));
	munmap(early, WIN);
	/* A mapping made now is live. */
	self->win = map_window(self->fd);
	ASSERT_NE(MAP_FAILED, self->win);
	EXPECT_EQ(0, touch(self->win, false, 0, &b));
}

/* --- what the emulating VMM had executed ---------------------------------- */

TEST_F(emul, forwarded_instructions_and_checks_counted)
{
	struct ccmem_emu_access acc = {
		.gpa = TGPA,
		.flags = CCMEM_ACCESS_F_CHECK,
	};
	bool snp = variant->type == CCMEM_VM_SNP;
	uint8_t b;

	ASSERT_ERRNO(0, guest_page(self->fd, variant->type, TGPA));
	ASSERT_ERRNO(0, guest_page(self->fd, variant->type, TGPA + SZ_4K));
	ASSERT_ERRNO(0, ccmem_emu_access(self->fd, &acc));
	ASSERT_RESULT(CCMEM_EMU_R_DONE, acc.result);
	ASSERT_ERRNO(0, ccmem_emu_read(self->fd, TGPA, &b, 1, ACC_PRIVATE,
				       NULL));
	EXPECT_EQ(2, STAT(self->fd, "vm.fwd_insns"));
	if (snp) {
		EXPECT_EQ(2, STAT(self->fd, "snp.pvalidates"));
		EXPECT_EQ(0, STAT(self->fd, "snp.rmpadjusts"));
	} else {
		EXPECT_EQ(2, STAT(self->fd, "tdx.accepts"));
	}
	EXPECT_EQ(1, STAT(self->fd, "vm.fwd_access_checks"));
	EXPECT_EQ(1, STAT(self->fd, "vm.fwd_accesses"));
}

/* --- forwarding a real guest's hypercalls (CCMEM_GUEST_F_FORWARD) -------- */

FIXTURE(fwd) {
	struct ccmem_guest g;
	struct ccmem_run run;
};

FIXTURE_VARIANT(fwd) {
	uint32_t type;
};

FIXTURE_VARIANT_ADD(fwd, snp) { .type = CCMEM_VM_SNP };
FIXTURE_VARIANT_ADD(fwd, tdx) { .type = CCMEM_VM_TDX };

static const struct ccmem_emu_guest_config fwd_cfg = {
	.flags = CCMEM_GUEST_F_FORWARD,
};

FIXTURE_SETUP(fwd)
{
	int ret = ccmem_guest_setup_vm(&self->g, variant->type, 0, TGPA,
				       TSIZE);

	if (ret == -ENOENT)
		SKIP(return, "/dev/ccmem missing");
	ASSERT_ERRNO(0, ret);
	ret = ccmem_guest_init(&self->g, &fwd_cfg);
	if (ret == -ENODEV)
		SKIP(return, "ccmem_guest.ko not loaded");
	ASSERT_ERRNO(0, ret);
	ASSERT_ERRNO(0, ccmem_vm_enable_emulator(self->g.vm));
}

FIXTURE_TEARDOWN(fwd)
{
	ccmem_guest_destroy(&self->g);
}

/* One forwarded hypercall: a one-step program, run to its end. */
static int fwd_call(struct ccmem_guest *g, uint32_t type, void *regs,
		    struct ccmem_run *run)
{
	struct ccmem_guest_insn p[] = {
		{ .op = type == CCMEM_VM_SNP ? CCMEM_GOP_VMGEXIT :
					       CCMEM_GOP_TDVMCALL,
		  .arg = (uintptr_t)regs },
	};

	return ccmem_guest_exec(g, 0, p, NR(p), run);
}

TEST_F(fwd, config_takes_nothing_else)
{
	struct ccmem_guest g2;
	struct ccmem_emu_guest_config bad[] = {
		{ .flags = CCMEM_GUEST_F_FORWARD, .mem_gpa = TGPA,
		  .mem_size = SZ_2M },
		{ .flags = CCMEM_GUEST_F_FORWARD, .policy = CCMEM_ACCEPT_LAZY },
		{ .flags = CCMEM_GUEST_F_FORWARD | CCMEM_GUEST_F_FORCE_4K },
		{ .flags = CCMEM_GUEST_F_FORWARD, .unit_shift = 12 },
		{ .flags = CCMEM_GUEST_F_FORWARD, .comm_gpa = TGHCB },
	};
	unsigned int i;

	for (i = 0; i < NR(bad); i++) {
		ASSERT_ERRNO(0, ccmem_guest_setup_vm(&g2, variant->type, 0,
						     TGPA, TSIZE));
		EXPECT_ERRNO(-EINVAL, ccmem_guest_init(&g2, &bad[i]));
		/* Refused: the VM may still be configured. */
		EXPECT_ERRNO(0, ccmem_guest_init(&g2, &fwd_cfg));
		ccmem_guest_destroy(&g2);
	}
}

TEST_F(fwd, programs_carry_only_hypercalls)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_ACCEPT, TGPA, SZ_4K, 0),
	};

	ASSERT_ERRNO(0, ccmem_guest_add_vcpu(&self->g, 0));
	EXPECT_ERRNO(-EINVAL, ccmem_vcpu_set_program(self->g.vcpu[0], p, 1));
	p[0] = GI(CCMEM_GOP_BOOT, 0, 0, 0);
	EXPECT_ERRNO(-EINVAL, ccmem_vcpu_set_program(self->g.vcpu[0], p, 1));
	p[0] = GI(CCMEM_GOP_ALLOC, 0, SZ_4K, 0);
	EXPECT_ERRNO(-EINVAL, ccmem_vcpu_set_program(self->g.vcpu[0], p, 1));
}

TEST_F(fwd, conversion_comes_back_to_the_vmm)
{
	struct ccmem_emu_vmgexit v = {
		.ghcb_msr = GHCB_MSR_PSC(TGPA >> 12, PSC_OP_SHARED),
	};
	struct ccmem_emu_tdvmcall x = {
		.r11 = TDVMCALL_MAP_GPA,
		.r12 = TGPA | TDX_SHARED_BIT(52),
		.r13 = SZ_4K,
	};
	bool snp = variant->type == CCMEM_VM_SNP;
	const struct ccmem_emu_vcpu_state *st = ccmem_run_state(&self->run);
	struct ccmem_emu_lookup lk;

	ASSERT_ERRNO(0, fwd_call(&self->g, variant->type,
				 snp ? (void *)&v : (void *)&x, &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_DONE);
	ASSERT_EQ(1, self->g.nr_convert);
	EXPECT_EQ(TGPA, self->g.convert[0].gpa);
	EXPECT_EQ(SZ_4K, self->g.convert[0].size);
	EXPECT_EQ(0, self->g.convert[0].flags);
	if (snp) {
		EXPECT_EQ(GHCB_MSR_PSC_RESP, GHCB_MSR_INFO(st->ghcb_msr));
		EXPECT_EQ(0, GHCB_MSR_PSC_RESP_ERR(st->ghcb_msr));
	} else {
		EXPECT_EQ(TDVMCALL_STATUS_SUCCESS, st->vmcall_r10);
	}
	/* The VMM's conversion took place: the page is shared now. */
	ASSERT_ERRNO(0, ccmem_emu_lookup(self->g.vm, TGPA, &lk));
	EXPECT_EQ(0, lk.state & CCMEM_EMU_S_ASSIGNED);
	EXPECT_EQ(1, STAT(self->g.vm, snp ? "snp.vmgexits" : "tdx.vmcalls"));
}

TEST_F(fwd, termination_request_ends_the_vcpu)
{
	struct ccmem_emu_vmgexit v = {
		.ghcb_msr = GHCB_MSR_TERM(GHCB_TERM_SET_LINUX, GHCB_TERM_PSC),
	};
	struct ccmem_emu_tdvmcall x = {
		.r11 = TDVMCALL_REPORT_FATAL_ERROR,
		.r12 = 0x77,
	};
	bool snp = variant->type == CCMEM_VM_SNP;

	ASSERT_ERRNO(0, fwd_call(&self->g, variant->type,
				 snp ? (void *)&v : (void *)&x, &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_TERMINATED);
	EXPECT_EQ(CCMEM_TERM_F_GUEST, self->run.terminated.flags);
	EXPECT_EQ(snp ? GHCB_TERM_SET_LINUX : 0,
		  self->run.terminated.reason_set);
	EXPECT_EQ(snp ? GHCB_TERM_PSC : 0x77,
		  self->run.terminated.reason_code);
}

/* --- the hardware backend never offers it --------------------------------- */

TEST(hw_vm_refuses_the_capability)
{
	int dev = ccmem_open_dev(), fd;

	if (dev == -ENOENT)
		SKIP(return, "/dev/ccmem missing");
	ASSERT_LE(0, dev);
	fd = ccmem_vm_create(dev, CCMEM_VM_SNP, CCMEM_BACKEND_HW, 0, NULL);
	if (fd < 0) {
		close(dev);
		SKIP(return, "no SNP hardware here (%d)", fd);
	}
	EXPECT_EQ(0, ccmem_check_extension(fd, CCMEM_CAP_EMU_EMULATOR));
	EXPECT_ERRNO(-EOPNOTSUPP, ccmem_vm_enable_emulator(fd));
	close(fd);
	close(dev);
}

TEST_HARNESS_MAIN
