// SPDX-License-Identifier: GPL-2.0
/*
 * ccmem_guest - the guest end on emulated vCPUs: configuration, vCPUs and
 * programs, the acceptance policies and the 2M->4K ladder, the host
 * attacks the guest must catch (invariants 1-3), conversions with their
 * contents, and several vCPUs accepting at once.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ccmem_guest_test.h"

#define MEM		(32ULL << 20)
#define UNITS		(MEM / SZ_2M)

/* --- configuration ------------------------------------------------------ */

FIXTURE(cfg) {
	struct tguest g;
	struct ccmem_guest_config c;
};

FIXTURE_SETUP(cfg)
{
	struct tguest *g = &self->g;
	uint32_t i;

	memset(g, 0, sizeof(*g));
	for (i = 0; i < CCMEM_MAX_VCPUS; i++)
		g->vcpu[i] = -1;
	ASSERT_EQ(0, tvm_create(&g->t, 0));
	ASSERT_EQ(0, tvm_add_region(&g->t, TGPA, MEM, CCMEM_REGION_F_PRIVATE));
	g->ghcb = map_backing(TGHCB_SIZE);
	ASSERT_NE(NULL, g->ghcb);
	ASSERT_EQ(0, tvm_region(g->t.fd, TGHCB, TGHCB_SIZE, g->ghcb, 0));
	self->c = tguest_config(CCMEM_ACCEPT_LAZY, MEM);
}

FIXTURE_TEARDOWN(cfg)
{
	tguest_destroy(&self->g);
}

TEST_F(cfg, bad_policy_einval)
{
	self->c.policy = 3;
	EXPECT_EQ(-EINVAL, tguest_init(&self->g, &self->c));
}

TEST_F(cfg, bad_unit_shift_einval)
{
	self->c.unit_shift = 11;
	EXPECT_EQ(-EINVAL, tguest_init(&self->g, &self->c));
	self->c.unit_shift = 31;
	EXPECT_EQ(-EINVAL, tguest_init(&self->g, &self->c));
	self->c.unit_shift = 12;	/* 4 KiB units are fine */
	EXPECT_EQ(0, tguest_init(&self->g, &self->c));
}

TEST_F(cfg, mem_outside_regions_einval)
{
	self->c.mem_size = MEM + SZ_2M;
	EXPECT_EQ(-EINVAL, tguest_init(&self->g, &self->c));
	self->c.mem_size = MEM;
	self->c.mem_gpa = TGPA + SZ_4K;	/* not unit aligned */
	EXPECT_EQ(-EINVAL, tguest_init(&self->g, &self->c));
}

TEST_F(cfg, eager_bytes_only_with_hybrid)
{
	self->c.eager_bytes = SZ_2M;
	EXPECT_EQ(-EINVAL, tguest_init(&self->g, &self->c));
	self->c.policy = CCMEM_ACCEPT_HYBRID;
	self->c.eager_bytes = MEM + SZ_2M;
	EXPECT_EQ(-EINVAL, tguest_init(&self->g, &self->c));
	self->c.eager_bytes = SZ_4K;	/* not a unit multiple */
	EXPECT_EQ(-EINVAL, tguest_init(&self->g, &self->c));
	self->c.eager_bytes = SZ_2M;
	EXPECT_EQ(0, tguest_init(&self->g, &self->c));
}

TEST_F(cfg, ghcb_inside_ram_or_outside_regions_einval)
{
	self->c.ghcb_gpa = TGPA;
	EXPECT_EQ(-EINVAL, tguest_init(&self->g, &self->c));
	self->c.ghcb_gpa = TGHCB + SZ_4K;	/* last vCPUs' pages fall out */
	EXPECT_EQ(-EINVAL, tguest_init(&self->g, &self->c));
}

TEST_F(cfg, reserved_and_flags_einval)
{
	self->c.reserved[3] = 1;
	EXPECT_EQ(-EINVAL, tguest_init(&self->g, &self->c));
	self->c.reserved[3] = 0;
	self->c.flags = 1U << 7;
	EXPECT_EQ(-EINVAL, tguest_init(&self->g, &self->c));
}

TEST_F(cfg, second_init_eexist)
{
	EXPECT_EQ(0, tguest_init(&self->g, &self->c));
	EXPECT_EQ(-EEXIST, tguest_init(&self->g, &self->c));
}

TEST_F(cfg, vcpu_needs_guest_and_valid_id)
{
	EXPECT_EQ(-EINVAL, tguest_add_vcpu(&self->g, 0));
	ASSERT_EQ(0, tguest_init(&self->g, &self->c));
	EXPECT_EQ(-EINVAL, tguest_add_vcpu(&self->g, CCMEM_MAX_VCPUS));
	EXPECT_EQ(0, tguest_add_vcpu(&self->g, 0));
	EXPECT_EQ(-EEXIST, tguest_add_vcpu(&self->g, 0));
	EXPECT_EQ(0, tguest_add_vcpu(&self->g, CCMEM_MAX_VCPUS - 1));
}

TEST_F(cfg, guest_stats_need_guest)
{
	struct ccmem_guest_stats st;

	EXPECT_EQ(-ENOENT, tguest_stats(&self->g, &st));
	ASSERT_EQ(0, tguest_init(&self->g, &self->c));
	ASSERT_EQ(0, tguest_stats(&self->g, &st));
	EXPECT_EQ(MEM, st.unaccepted_bytes);
	EXPECT_EQ(0, st.accepted_bytes);
	st.flags = 1;
	EXPECT_EQ(-EINVAL, ccmem_ioctl(self->g.t.fd, CCMEM_VM_GUEST_STATS, &st));
}

/* --- programs and runs -------------------------------------------------- */

FIXTURE(prog) {
	struct tguest g;
	struct ccmem_run run;
};

FIXTURE_SETUP(prog)
{
	ASSERT_EQ(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	ASSERT_EQ(0, tguest_add_vcpu(&self->g, 0));
}

FIXTURE_TEARDOWN(prog)
{
	tguest_destroy(&self->g);
}

TEST_F(prog, bad_steps_einval)
{
	struct ccmem_guest_insn bad[] = {
		GI(99, 0, 0, 0),
		GI(CCMEM_GOP_ACCEPT, TGPA + 1, SZ_4K, 0),
		GI(CCMEM_GOP_ACCEPT, TGPA, 0, 0),
		GI(CCMEM_GOP_CONVERT, TGPA, SZ_4K, 3),
		GI(CCMEM_GOP_ALLOC, 0, 100, 0),
		GI(CCMEM_GOP_BOOT, TGPA, 0, 0),
		GI(CCMEM_GOP_READ, TGPA, 1, 5),
	};
	uint32_t i;

	for (i = 0; i < NR(bad); i++)
		EXPECT_EQ(-EINVAL, tvcpu_program(self->g.vcpu[0], &bad[i], 1));
	EXPECT_EQ(-EINVAL, tvcpu_program(self->g.vcpu[0], bad, 0));
	EXPECT_EQ(-EINVAL, tvcpu_program(self->g.vcpu[0], bad,
					 CCMEM_MAX_PROGRAM + 1));
}

TEST_F(prog, run_without_program_enoexec)
{
	EXPECT_EQ(-ENOEXEC, tvcpu_run(self->g.vcpu[0], &self->run));
}

TEST_F(prog, run_reserved_einval)
{
	struct ccmem_guest_insn p[] = { GI(CCMEM_GOP_BOOT, 0, 0, 0) };

	ASSERT_EQ(0, tvcpu_program(self->g.vcpu[0], p, NR(p)));
	memset(&self->run, 0, sizeof(self->run));
	self->run.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, ccmem_ioctl(self->g.vcpu[0], CCMEM_VCPU_RUN,
				       &self->run));
}

TEST_F(prog, done_then_rerun_from_step_zero)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_ALLOC, 0, SZ_4K, 0),
		GI(CCMEM_GOP_WRITE, 0, 64, 7),
	};
	uint64_t first;

	p[1].flags = CCMEM_GOP_F_R0;
	ASSERT_EQ(0, tguest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EQ(CCMEM_EXIT_DONE, self->run.exit_reason);
	EXPECT_EQ(1, self->run.pc);
	first = self->run.r0;
	EXPECT_EQ(TGPA, first);
	ASSERT_EQ(0, tguest_run(&self->g, 0, &self->run));
	ASSERT_EQ(CCMEM_EXIT_DONE, self->run.exit_reason);
	EXPECT_EQ(first + SZ_4K, self->run.r0);	/* a second allocation */
}

TEST_F(prog, write_then_check_pattern)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_WRITE, TGPA + 100, 3 * SZ_4K, 0x5a),
		GI(CCMEM_GOP_CHECK, TGPA + 100, 3 * SZ_4K, 0x5a),
	};

	ASSERT_EQ(0, tguest_exec(&self->g, 0, p, NR(p), &self->run));
	EXPECT_EQ(CCMEM_EXIT_DONE, self->run.exit_reason);
}

TEST_F(prog, check_mismatch_reports_first_byte)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_WRITE, TGPA, SZ_4K, 0x11),
		GI(CCMEM_GOP_CHECK, TGPA, SZ_4K, 0x22),
	};

	ASSERT_EQ(0, tguest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EQ(CCMEM_EXIT_CHECK, self->run.exit_reason);
	EXPECT_EQ(1, self->run.pc);
	EXPECT_EQ(TGPA, self->run.check.gpa);
	EXPECT_EQ(ccmem_pattern(0x22, TGPA), self->run.check.expected);
	EXPECT_EQ(ccmem_pattern(0x11, TGPA), self->run.check.got);
}

TEST_F(prog, set_program_while_in_exit_ebusy)
{
	struct ccmem_guest_insn p[] = { GI(CCMEM_GOP_ACCEPT, TGPA, SZ_2M, 0) };

	ASSERT_EQ(0, tvcpu_program(self->g.vcpu[0], p, NR(p)));
	ASSERT_EQ(0, tvcpu_run(self->g.vcpu[0], &self->run));
	ASSERT_EQ(CCMEM_EXIT_PSC, self->run.exit_reason);
	EXPECT_EQ(-EBUSY, tvcpu_program(self->g.vcpu[0], p, NR(p)));
}

TEST_F(prog, close_vcpu_in_exit_and_vm_first)
{
	struct ccmem_guest_insn p[] = { GI(CCMEM_GOP_ACCEPT, TGPA, SZ_2M, 0) };
	long long live = ccmem_global_stat("vms_live");

	ASSERT_EQ(0, tguest_add_vcpu(&self->g, 1));
	ASSERT_EQ(0, tvcpu_program(self->g.vcpu[1], p, NR(p)));
	ASSERT_EQ(0, tvcpu_run(self->g.vcpu[1], &self->run));
	ASSERT_EQ(CCMEM_EXIT_PSC, self->run.exit_reason);
	/* The VM fd goes first; the vCPUs keep the VM alive. */
	close(self->g.t.fd);
	self->g.t.fd = -1;
	EXPECT_EQ(live, ccmem_global_stat("vms_live"));
	close(self->g.vcpu[1]);		/* its thread waits in the exit */
	self->g.vcpu[1] = -1;
	close(self->g.vcpu[0]);
	self->g.vcpu[0] = -1;
	EXPECT_EQ(live - 1, ccmem_global_stat("vms_live"));
}

TEST_F(prog, vcpu_fd_other_process_eio)
{
	struct ccmem_guest_insn p[] = { GI(CCMEM_GOP_BOOT, 0, 0, 0) };
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid)
		_exit(tvcpu_program(self->g.vcpu[0], p, NR(p)) == -EIO ? 0 : 1);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* --- policies and the ladder -------------------------------------------- */

FIXTURE(accept) {
	struct tguest g;
	struct ccmem_run run;
	struct ccmem_guest_stats st;
};

FIXTURE_SETUP(accept)
{
	memset(&self->g, 0, sizeof(self->g));
}

FIXTURE_TEARDOWN(accept)
{
	tguest_destroy(&self->g);
}

static const struct ccmem_guest_insn boot[] = { GI(CCMEM_GOP_BOOT, 0, 0, 0) };

TEST_F(accept, eager_boot_accepts_everything_at_2m)
{
	uint8_t map[UNITS];
	uint32_t i;

	ASSERT_EQ(0, tguest_create(&self->g, CCMEM_ACCEPT_EAGER, MEM));
	ASSERT_EQ(0, tguest_exec(&self->g, 0, boot, 1, &self->run));
	ASSERT_EQ(CCMEM_EXIT_DONE, self->run.exit_reason);
	ASSERT_EQ(0, tguest_stats(&self->g, &self->st));
	EXPECT_EQ(MEM, self->st.accepted_bytes);
	EXPECT_EQ(0, self->st.unaccepted_bytes);
	EXPECT_EQ(UNITS, self->st.eager_accepts);
	EXPECT_EQ(0, self->st.lazy_accepts);
	EXPECT_EQ(UNITS, self->st.pvalidate_calls);	/* one 2M each */
	EXPECT_EQ(0, self->st.fallbacks_4k);
	ASSERT_EQ(0, tvm_map(&self->g.t, TGPA, MEM, 21, map));
	for (i = 0; i < UNITS; i++)
		EXPECT_EQ(CCMEM_MAP_PRIVATE | CCMEM_MAP_VALIDATED, map[i]);
}

TEST_F(accept, eager_force_4k_counts_512x)
{
	struct ccmem_guest_config c = tguest_config(CCMEM_ACCEPT_EAGER, MEM);

	c.flags = CCMEM_GUEST_F_FORCE_4K;
	ASSERT_EQ(0, tguest_create_cfg(&self->g, &c));
	ASSERT_EQ(0, tguest_exec(&self->g, 0, boot, 1, &self->run));
	ASSERT_EQ(CCMEM_EXIT_DONE, self->run.exit_reason);
	ASSERT_EQ(0, tguest_stats(&self->g, &self->st));
	EXPECT_EQ(MEM / SZ_4K, self->st.pvalidate_calls);
	EXPECT_EQ(MEM, self->st.accepted_bytes);
}

TEST_F(accept, lazy_boot_accepts_nothing_then_alloc_one_unit)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_BOOT, 0, 0, 0),
		GI(CCMEM_GOP_ALLOC, 0, 1ULL << 20, 0),
	};

	ASSERT_EQ(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	ASSERT_EQ(0, tguest_exec(&self->g, 0, p, 1, &self->run));
	ASSERT_EQ(0, tguest_stats(&self->g, &self->st));
	EXPECT_EQ(0, self->st.accepted_bytes);
	ASSERT_EQ(0, tguest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EQ(CCMEM_EXIT_DONE, self->run.exit_reason);
	EXPECT_EQ(TGPA, self->run.r0);
	ASSERT_EQ(0, tguest_stats(&self->g, &self->st));
	EXPECT_EQ(SZ_2M, self->st.accepted_bytes);
	EXPECT_EQ(1, self->st.lazy_accepts);
	EXPECT_EQ(MEM - SZ_2M, self->st.unaccepted_bytes);
}

TEST_F(accept, hybrid_accepts_exactly_first_x)
{
	struct ccmem_guest_config c = tguest_config(CCMEM_ACCEPT_HYBRID, MEM);
	struct ccmem_guest_insn touch[] = {
		GI(CCMEM_GOP_READ, TGPA + 6 * SZ_2M + 5, 1, 0),
	};

	c.eager_bytes = 4 * SZ_2M;
	ASSERT_EQ(0, tguest_create_cfg(&self->g, &c));
	ASSERT_EQ(0, tguest_exec(&self->g, 0, boot, 1, &self->run));
	ASSERT_EQ(0, tguest_stats(&self->g, &self->st));
	EXPECT_EQ(4 * SZ_2M, self->st.accepted_bytes);
	EXPECT_EQ(4, self->st.eager_accepts);
	/* Beyond X the guest accepts on touch. */
	ASSERT_EQ(0, tguest_exec(&self->g, 0, touch, 1, &self->run));
	ASSERT_EQ(CCMEM_EXIT_DONE, self->run.exit_reason);
	ASSERT_EQ(0, tguest_stats(&self->g, &self->st));
	EXPECT_EQ(5 * SZ_2M, self->st.accepted_bytes);
	EXPECT_EQ(1, self->st.lazy_accepts);
	EXPECT_EQ(1, self->st.vc_accepts);
}

TEST_F(accept, lazy_accept_on_touch_via_vc)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_WRITE, TGPA + 3 * SZ_2M + 4000, 200, 9),
		GI(CCMEM_GOP_CHECK, TGPA + 3 * SZ_2M + 4000, 200, 9),
	};

	ASSERT_EQ(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	ASSERT_EQ(0, tguest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EQ(CCMEM_EXIT_DONE, self->run.exit_reason);
	ASSERT_EQ(0, tguest_stats(&self->g, &self->st));
	EXPECT_EQ(1, self->st.vc_accepts);
	EXPECT_EQ(SZ_2M, self->st.accepted_bytes);
	EXPECT_EQ(0, self->st.security_events);
}

TEST_F(accept, explicit_accept_twice_costs_nothing)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_ACCEPT, TGPA, 2 * SZ_2M, 0),
		GI(CCMEM_GOP_ACCEPT, TGPA + SZ_4K, SZ_4K, 0),
	};

	ASSERT_EQ(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	ASSERT_EQ(0, tguest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EQ(CCMEM_EXIT_DONE, self->run.exit_reason);
	ASSERT_EQ(0, tguest_stats(&self->g, &self->st));
	EXPECT_EQ(2, self->st.pvalidate_calls);
	EXPECT_EQ(2 * SZ_2M, self->st.accepted_bytes);
}

TEST_F(accept, fallback_2m_to_4k_on_4k_rmp_entries)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_ACCEPT, TGPA + SZ_2M, SZ_2M, 0),
	};
	struct ccmem_emu_op op;

	ASSERT_EQ(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	/*
	 * Back the second unit with 4 KiB RMP entries: while one of its pages
	 * is shared, the pool cannot hand out a whole 2 MiB block.
	 */
	ASSERT_EQ(0, tvm_set_attr(&self->g.t, TGPA + SZ_2M, SZ_4K, false));
	ASSERT_EQ(0, tvm_populate(&self->g.t, TGPA + SZ_2M + SZ_4K,
				  SZ_2M - SZ_4K, 0, NULL));
	ASSERT_EQ(0, tvm_set_attr(&self->g.t, TGPA + SZ_2M, SZ_4K, true));
	ASSERT_EQ(0, tvm_lookup(&self->g.t, TGPA + SZ_2M + SZ_4K, &op));
	ASSERT_EQ(0, op.out_flags & CCMEM_EMU_O_2M);

	ASSERT_EQ(0, tguest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EQ(CCMEM_EXIT_DONE, self->run.exit_reason);
	ASSERT_EQ(0, tguest_stats(&self->g, &self->st));
	EXPECT_EQ(1, self->st.fallbacks_4k);
	EXPECT_EQ(1 + 512, self->st.pvalidate_calls);
	EXPECT_EQ(SZ_2M, self->st.accepted_bytes);
	ASSERT_EQ(0, tvm_lookup(&self->g.t, TGPA + SZ_2M + 511 * SZ_4K, &op));
	EXPECT_TRUE(op.out_flags & CCMEM_EMU_O_VALIDATED);
}

TEST_F(accept, unit_shift_4k_accepts_pages)
{
	struct ccmem_guest_config c = tguest_config(CCMEM_ACCEPT_LAZY, MEM);
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_READ, TGPA + 5 * SZ_4K, 1, 0),
	};

	c.unit_shift = 12;
	ASSERT_EQ(0, tguest_create_cfg(&self->g, &c));
	ASSERT_EQ(0, tguest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EQ(CCMEM_EXIT_DONE, self->run.exit_reason);
	ASSERT_EQ(0, tguest_stats(&self->g, &self->st));
	EXPECT_EQ(SZ_4K, self->st.accepted_bytes);
}

/* --- host attacks (invariants 1 and 2) ---------------------------------- */

/* Expect a security event with @reason at @gpa, then termination. */
static void expect_security(struct __test_metadata *_metadata,
			    struct tguest *g, struct ccmem_run *run,
			    uint32_t reason, uint64_t gpa)
{
	struct ccmem_guest_stats st;

	ASSERT_EQ(CCMEM_EXIT_SECURITY, run->exit_reason);
	EXPECT_EQ(reason, run->security.reason);
	EXPECT_EQ(gpa, run->security.gpa);
	ASSERT_EQ(0, tguest_run(g, 0, run));
	EXPECT_EQ(CCMEM_EXIT_TERMINATED, run->exit_reason);
	EXPECT_EQ(reason, run->term.reason);
	EXPECT_EQ(gpa, run->term.gpa);
	EXPECT_EQ(-ESHUTDOWN, tvcpu_run(g->vcpu[0], run));
	ASSERT_EQ(0, tguest_stats(g, &st));
	EXPECT_EQ(1, st.security_events);
}

TEST_F(accept, double_validation_caught)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_ACCEPT, TGPA, SZ_2M, 0),
	};
	struct ccmem_emu_op op;

	ASSERT_EQ(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	/* A page validated behind the guest's back (a replayed page). */
	ASSERT_EQ(0, tvm_pvalidate(&self->g.t, TGPA + 7 * SZ_4K, false, true,
				   &op));
	ASSERT_EQ(0, op.ret);
	ASSERT_EQ(0, tguest_exec(&self->g, 0, p, NR(p), &self->run));
	expect_security(_metadata, &self->g, &self->run,
			CCMEM_SEC_DOUBLE_VALIDATE, TGPA + 7 * SZ_4K);
}

TEST_F(accept, host_replay_of_validated_page_caught)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_WRITE, TGPA + 5 * SZ_4K, 16, 3),
	};
	struct ccmem_guest_insn q[] = {
		GI(CCMEM_GOP_CHECK, TGPA + 5 * SZ_4K, 16, 3),
	};

	ASSERT_EQ(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	ASSERT_EQ(0, tguest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EQ(CCMEM_EXIT_DONE, self->run.exit_reason);
	/* RMPUPDATE behind the guest's back: shared, then private again. */
	ASSERT_EQ(0, tvm_set_attr(&self->g.t, TGPA + 5 * SZ_4K, SZ_4K, false));
	ASSERT_EQ(0, tvm_set_attr(&self->g.t, TGPA + 5 * SZ_4K, SZ_4K, true));
	ASSERT_EQ(0, tguest_exec(&self->g, 0, q, NR(q), &self->run));
	EXPECT_EQ(0x404, self->run.security.detail);
	expect_security(_metadata, &self->g, &self->run,
			CCMEM_SEC_SUBSTITUTION, TGPA + 5 * SZ_4K);
}

/*
 * A replayed page in a range the guest converts to shared: the scrub that
 * precedes the rescind already meets the #VC (the rescind's own "no
 * change" check is covered by the unit tests, where the fake platform
 * can leave an unvalidated page writable).
 */
TEST_F(accept, conversion_of_replayed_page_caught)
{
	struct ccmem_guest_insn p[] = { GI(CCMEM_GOP_ACCEPT, TGPA, SZ_2M, 0) };
	struct ccmem_guest_insn q[] = {
		GI(CCMEM_GOP_CONVERT, TGPA + 9 * SZ_4K, SZ_4K, CCMEM_PSC_SHARED),
	};

	ASSERT_EQ(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	ASSERT_EQ(0, tguest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EQ(CCMEM_EXIT_DONE, self->run.exit_reason);
	ASSERT_EQ(0, tvm_set_attr(&self->g.t, TGPA + 9 * SZ_4K, SZ_4K, false));
	ASSERT_EQ(0, tvm_set_attr(&self->g.t, TGPA + 9 * SZ_4K, SZ_4K, true));
	ASSERT_EQ(0, tguest_exec(&self->g, 0, q, NR(q), &self->run));
	expect_security(_metadata, &self->g, &self->run,
			CCMEM_SEC_SUBSTITUTION, TGPA + 9 * SZ_4K);
}

TEST_F(accept, memory_fault_exit_then_substitution)
{
	struct ccmem_guest_insn p[] = { GI(CCMEM_GOP_ACCEPT, TGPA, SZ_2M, 0) };
	struct ccmem_guest_insn q[] = { GI(CCMEM_GOP_READ, TGPA + SZ_4K, 8, 0) };

	ASSERT_EQ(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	ASSERT_EQ(0, tguest_exec(&self->g, 0, p, NR(p), &self->run));
	/* The VMM makes a page shared without being asked. */
	ASSERT_EQ(0, tvm_set_attr(&self->g.t, TGPA + SZ_4K, SZ_4K, false));
	ASSERT_EQ(0, tguest_exec(&self->g, 0, q, NR(q), &self->run));
	ASSERT_EQ(CCMEM_EXIT_MEMORY_FAULT, self->run.exit_reason);
	EXPECT_EQ(TGPA + SZ_4K, self->run.fault.gpa);
	EXPECT_EQ(CCMEM_FAULT_MEMORY_ATTR, self->run.fault.reason);
	EXPECT_EQ(CCMEM_FAULT_F_PRIVATE, self->run.fault.flags);
	EXPECT_EQ(0, self->run.fault.vcpu);
	/* It gives a fresh private page back: the guest notices. */
	ASSERT_EQ(0, tvm_set_attr(&self->g.t, TGPA + SZ_4K, SZ_4K, true));
	ASSERT_EQ(0, tguest_run(&self->g, 0, &self->run));
	expect_security(_metadata, &self->g, &self->run,
			CCMEM_SEC_SUBSTITUTION, TGPA + SZ_4K);
}

TEST_F(accept, event_terminates_every_vcpu)
{
	struct ccmem_guest_insn p[] = { GI(CCMEM_GOP_ACCEPT, TGPA, SZ_2M, 0) };
	struct ccmem_emu_op op;

	ASSERT_EQ(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	ASSERT_EQ(0, tguest_add_vcpu(&self->g, 1));
	ASSERT_EQ(0, tvm_pvalidate(&self->g.t, TGPA, true, true, &op));
	ASSERT_EQ(0, tguest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EQ(CCMEM_EXIT_SECURITY, self->run.exit_reason);
	EXPECT_EQ(CCMEM_SEC_DOUBLE_VALIDATE, self->run.security.reason);
	ASSERT_EQ(0, tguest_exec(&self->g, 1, boot, 1, &self->run));
	EXPECT_EQ(CCMEM_EXIT_TERMINATED, self->run.exit_reason);
	EXPECT_EQ(0, self->run.term.reason);
}

/* --- conversions (invariant 3) ------------------------------------------ */

TEST_F(accept, convert_roundtrip_scrubs_and_reads_zeros)
{
	uint64_t gpa = TGPA + 2 * SZ_2M + 3 * SZ_4K;
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_WRITE, gpa, 4 * SZ_4K, 0x77),
		GI(CCMEM_GOP_CONVERT, gpa, 4 * SZ_4K, CCMEM_PSC_SHARED),
		GI(CCMEM_GOP_CONVERT, gpa, 4 * SZ_4K, CCMEM_PSC_PRIVATE),
		GI(CCMEM_GOP_CHECK, gpa, 4 * SZ_4K, 0),
	};
	struct ccmem_vm_stats vs;

	ASSERT_EQ(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	ASSERT_EQ(0, tguest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EQ(CCMEM_EXIT_DONE, self->run.exit_reason);
	ASSERT_EQ(0, tguest_stats(&self->g, &self->st));
	EXPECT_EQ(4, self->st.to_shared);
	EXPECT_EQ(4, self->st.to_private);
	/* Ordered requests: accept (private), shared, private. */
	ASSERT_LE(3, self->g.nr_psc);
	EXPECT_EQ(gpa, self->g.psc[self->g.nr_psc - 2].gpa);
	EXPECT_EQ(4 * SZ_4K, self->g.psc[self->g.nr_psc - 2].size);
	EXPECT_EQ(CCMEM_PSC_SHARED, self->g.psc[self->g.nr_psc - 2].op);
	EXPECT_EQ(CCMEM_PSC_PRIVATE, self->g.psc[self->g.nr_psc - 1].op);
	EXPECT_EQ(CCMEM_PSC_FORM_GHCB, self->g.psc[self->g.nr_psc - 1].form);
	ASSERT_EQ(0, tvm_stats(&self->g.t, &vs));
	EXPECT_LE(4, vs.scrubbed_pages);
}

TEST_F(accept, shared_page_seen_by_vmm_holds_no_guest_data)
{
	uint64_t off = 2 * SZ_2M;
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_WRITE, TGPA + off, SZ_4K, 0x42),
		GI(CCMEM_GOP_CONVERT, TGPA + off, SZ_4K, CCMEM_PSC_SHARED),
	};

	ASSERT_EQ(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	ASSERT_EQ(0, tguest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EQ(CCMEM_EXIT_DONE, self->run.exit_reason);
	EXPECT_TRUE(buf_is(self->g.t.shared + off, 0, SZ_4K));
}

TEST_F(accept, private_access_to_own_shared_page_fatal)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_ACCEPT, TGPA, SZ_2M, 0),
		GI(CCMEM_GOP_CONVERT, TGPA, SZ_4K, CCMEM_PSC_SHARED),
		GI(CCMEM_GOP_READ, TGPA, 1, 0),
	};

	ASSERT_EQ(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	ASSERT_EQ(0, tguest_exec(&self->g, 0, p, NR(p), &self->run));
	/* The page is shared on the host too: the access exits first. */
	ASSERT_EQ(CCMEM_EXIT_MEMORY_FAULT, self->run.exit_reason);
	EXPECT_EQ(TGPA, self->run.fault.gpa);
}

TEST_F(accept, convert_unaccepted_or_twice_refused)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_CONVERT, TGPA, SZ_4K, CCMEM_PSC_SHARED),
	};
	struct ccmem_guest_insn q[] = {
		GI(CCMEM_GOP_ACCEPT, TGPA, SZ_2M, 0),
		GI(CCMEM_GOP_CONVERT, TGPA, SZ_4K, CCMEM_PSC_SHARED),
		GI(CCMEM_GOP_CONVERT, TGPA, SZ_4K, CCMEM_PSC_SHARED),
	};
	struct ccmem_guest_insn r[] = {
		GI(CCMEM_GOP_CONVERT, TGPA + SZ_4K, SZ_4K, CCMEM_PSC_PRIVATE),
	};

	ASSERT_EQ(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	ASSERT_EQ(0, tguest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EQ(CCMEM_EXIT_STEP_ERROR, self->run.exit_reason);
	EXPECT_EQ(EINVAL, self->run.step.error);
	EXPECT_EQ(0, self->g.nr_psc);
	ASSERT_EQ(0, tguest_exec(&self->g, 0, q, NR(q), &self->run));
	ASSERT_EQ(CCMEM_EXIT_STEP_ERROR, self->run.exit_reason);
	EXPECT_EQ(2, self->run.pc);
	/* Private again, while it is private in the guest's record. */
	ASSERT_EQ(0, tguest_exec(&self->g, 0, r, NR(r), &self->run));
	ASSERT_EQ(CCMEM_EXIT_STEP_ERROR, self->run.exit_reason);
	ASSERT_EQ(0, tguest_stats(&self->g, &self->st));
	EXPECT_EQ(1, self->st.to_shared);
	EXPECT_EQ(0, self->st.security_events);
}

TEST_F(accept, vmm_refusing_conversion_is_fatal)
{
	struct ccmem_guest_insn p[] = { GI(CCMEM_GOP_ACCEPT, TGPA, SZ_2M, 0) };

	ASSERT_EQ(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	self->g.refuse_psc = -EPERM;
	ASSERT_EQ(0, tguest_exec(&self->g, 0, p, NR(p), &self->run));
	EXPECT_EQ(0x100ULL << 32, self->run.security.detail);
	expect_security(_metadata, &self->g, &self->run, CCMEM_SEC_PSC_ERROR,
			TGPA);
}

/* --- allocator ---------------------------------------------------------- */

TEST_F(accept, alloc_free_alloc_reuses)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_ALLOC, 0, 8 * SZ_4K, 0),
		GI(CCMEM_GOP_FREE, 0, 8 * SZ_4K, 0),
		GI(CCMEM_GOP_ALLOC, 0, 4 * SZ_4K, 0),
	};

	p[1].flags = CCMEM_GOP_F_R0;
	ASSERT_EQ(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	ASSERT_EQ(0, tguest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EQ(CCMEM_EXIT_DONE, self->run.exit_reason);
	EXPECT_EQ(TGPA, self->run.r0);
	ASSERT_EQ(0, tguest_stats(&self->g, &self->st));
	EXPECT_EQ(12, self->st.alloc_pages);
	EXPECT_EQ(8, self->st.free_pages);
}

TEST_F(accept, free_unallocated_and_oversized_alloc_refused)
{
	struct ccmem_guest_insn p[] = { GI(CCMEM_GOP_FREE, TGPA, SZ_4K, 0) };
	struct ccmem_guest_insn q[] = { GI(CCMEM_GOP_ALLOC, 0, MEM + SZ_4K, 0) };

	ASSERT_EQ(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	ASSERT_EQ(0, tguest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EQ(CCMEM_EXIT_STEP_ERROR, self->run.exit_reason);
	EXPECT_EQ(EINVAL, self->run.step.error);
	ASSERT_EQ(0, tguest_exec(&self->g, 0, q, NR(q), &self->run));
	ASSERT_EQ(CCMEM_EXIT_STEP_ERROR, self->run.exit_reason);
	EXPECT_EQ(ENOMEM, self->run.step.error);
}

/* --- several vCPUs ------------------------------------------------------ */

struct stress_arg {
	struct tguest *g;
	uint32_t id;
	unsigned int seed;
	int ret;
	struct ccmem_run run;
};

#define STRESS_VCPUS	4
#define STRESS_STEPS	24

static pthread_mutex_t vmm_lock = PTHREAD_MUTEX_INITIALIZER;

/* Each vCPU thread is its own VMM thread; PSC service is serialised. */
static void *stress_vcpu(void *p)
{
	struct stress_arg *a = p;
	struct ccmem_guest_insn prog[STRESS_STEPS];
	struct ccmem_run *run = &a->run;
	uint32_t i;

	for (i = 0; i < STRESS_STEPS; i++) {
		uint64_t u = rand_r(&a->seed) % UNITS;
		uint64_t n = 1 + rand_r(&a->seed) % 4;

		if (u + n > UNITS)
			n = UNITS - u;
		prog[i] = GI(CCMEM_GOP_ACCEPT, TGPA + u * SZ_2M, n * SZ_2M, 0);
	}
	a->ret = tvcpu_program(a->g->vcpu[a->id], prog, STRESS_STEPS);
	run->psc.ret = 0;
	while (!a->ret) {
		a->ret = tvcpu_run(a->g->vcpu[a->id], run);
		if (a->ret || run->exit_reason != CCMEM_EXIT_PSC)
			break;
		pthread_mutex_lock(&vmm_lock);
		run->psc.ret = tvm_set_attr(&a->g->t, run->psc.gpa,
					    run->psc.size,
					    run->psc.op == CCMEM_PSC_PRIVATE);
		pthread_mutex_unlock(&vmm_lock);
	}
	return NULL;
}

static void run_stress(struct __test_metadata *_metadata, struct tguest *g,
		       unsigned int seed)
{
	struct stress_arg a[STRESS_VCPUS];
	pthread_t th[STRESS_VCPUS];
	uint32_t i;

	for (i = 0; i < STRESS_VCPUS; i++) {
		if (g->vcpu[i] < 0)
			ASSERT_EQ(0, tguest_add_vcpu(g, i));
		a[i] = (struct stress_arg){ .g = g, .id = i, .seed = seed + i };
		ASSERT_EQ(0, pthread_create(&th[i], NULL, stress_vcpu, &a[i]));
	}
	for (i = 0; i < STRESS_VCPUS; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(0, a[i].ret);
		EXPECT_EQ(CCMEM_EXIT_DONE, a[i].run.exit_reason);
	}
}

TEST_F(accept, vcpus_accept_same_units_concurrently_once)
{
	unsigned int seed = getpid() ^ 0x5eed;
	struct ccmem_guest_insn all[] = { GI(CCMEM_GOP_ACCEPT, TGPA, MEM, 0) };
	uint64_t accepted;

	TH_LOG("seed %u", seed);
	ASSERT_EQ(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	run_stress(_metadata, &self->g, seed);
	ASSERT_EQ(0, tguest_stats(&self->g, &self->st));
	EXPECT_EQ(0, self->st.security_events);
	accepted = self->st.accepted_bytes;
	/* Each accepted unit cost exactly one 2 MiB PVALIDATE. */
	EXPECT_EQ(accepted / SZ_2M, self->st.pvalidate_calls);
	EXPECT_EQ(MEM, accepted + self->st.unaccepted_bytes);
	/* Accepting everything now validates only what is left, once. */
	ASSERT_EQ(0, tguest_exec(&self->g, 0, all, 1, &self->run));
	ASSERT_EQ(CCMEM_EXIT_DONE, self->run.exit_reason);
	ASSERT_EQ(0, tguest_stats(&self->g, &self->st));
	EXPECT_EQ(MEM / SZ_2M, self->st.pvalidate_calls);
	EXPECT_EQ(0, self->st.security_events);
}

TEST_F(accept, two_vms_run_vcpus_at_once)
{
	struct tguest other;
	unsigned int seed = getpid();

	TH_LOG("seed %u", seed);
	ASSERT_EQ(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	ASSERT_EQ(0, tguest_create(&other, CCMEM_ACCEPT_LAZY, MEM));
	ASSERT_EQ(0, tguest_add_vcpu(&other, 0));
	ASSERT_EQ(0, tguest_add_vcpu(&other, 1));
	ASSERT_EQ(0, tguest_add_vcpu(&self->g, 0));
	ASSERT_EQ(0, tguest_add_vcpu(&self->g, 1));
	{
		struct stress_arg a[4] = {
			{ .g = &self->g, .id = 0, .seed = seed },
			{ .g = &self->g, .id = 1, .seed = seed + 1 },
			{ .g = &other, .id = 0, .seed = seed + 2 },
			{ .g = &other, .id = 1, .seed = seed + 3 },
		};
		pthread_t th[4];
		uint32_t i;

		for (i = 0; i < 4; i++)
			ASSERT_EQ(0, pthread_create(&th[i], NULL, stress_vcpu,
						    &a[i]));
		for (i = 0; i < 4; i++) {
			pthread_join(th[i], NULL);
			EXPECT_EQ(0, a[i].ret);
			EXPECT_EQ(CCMEM_EXIT_DONE, a[i].run.exit_reason);
		}
	}
	ASSERT_EQ(0, tguest_stats(&other, &self->st));
	EXPECT_EQ(0, self->st.security_events);
	EXPECT_EQ(2, self->st.nr_vcpus);
	tguest_destroy(&other);
}

TEST_F(accept, debugfs_guest_file_shows_counters)
{
	char path[128], line[256];
	struct ccmem_vm_stats vs;
	bool seen = false;
	FILE *f;

	ASSERT_EQ(0, tguest_create(&self->g, CCMEM_ACCEPT_EAGER, MEM));
	ASSERT_EQ(0, tguest_exec(&self->g, 0, boot, 1, &self->run));
	ASSERT_EQ(0, tvm_stats(&self->g.t, &vs));
	(void)vs;
	/* The VM id is not in the uapi: find the newest vm-* directory. */
	f = popen("ls -d /sys/kernel/debug/ccmem/vm-* | sort -t- -k2 -n | tail -1",
		  "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(path, sizeof(path), f));
	pclose(f);
	path[strcspn(path, "\n")] = 0;
	strcat(path, "/guest");
	f = fopen(path, "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v;

		if (sscanf(line, "eager_accepts %llu", &v) == 1) {
			EXPECT_EQ(UNITS, v);
			seen = true;
		}
	}
	fclose(f);
	EXPECT_TRUE(seen);
}

struct waiter {
	struct tguest *g;
	struct ccmem_run run;
	int ret;
};

static void *waiter_run(void *p)
{
	struct waiter *w = p;

	w->ret = tguest_run(w->g, 1, &w->run);
	return NULL;
}

/*
 * vCPU 1 waits for units vCPU 0 has in flight; vCPU 0 is torn down in the
 * middle of its page state change. vCPU 1 must wake, claim the units and
 * accept them itself, once.
 */
TEST_F(accept, waiter_survives_teardown_of_the_claiming_vcpu)
{
	struct ccmem_guest_insn p[] = { GI(CCMEM_GOP_ACCEPT, TGPA, 4 * SZ_2M, 0) };
	struct waiter w = { .g = &self->g };
	pthread_t th;
	int spins;

	ASSERT_EQ(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	ASSERT_EQ(0, tguest_add_vcpu(&self->g, 0));
	ASSERT_EQ(0, tguest_add_vcpu(&self->g, 1));
	ASSERT_EQ(0, tvcpu_program(self->g.vcpu[0], p, NR(p)));
	ASSERT_EQ(0, tvcpu_program(self->g.vcpu[1], p, NR(p)));
	ASSERT_EQ(0, tvcpu_run(self->g.vcpu[0], &self->run));
	ASSERT_EQ(CCMEM_EXIT_PSC, self->run.exit_reason);	/* units claimed */
	ASSERT_EQ(0, pthread_create(&th, NULL, waiter_run, &w));
	/* Until vCPU 1 is asleep on the claim (a condition, not a delay). */
	for (spins = 0; spins < 1000000; spins++) {
		ASSERT_EQ(0, tguest_stats(&self->g, &self->st));
		if (self->st.inflight_waits)
			break;
		sched_yield();
	}
	EXPECT_EQ(1, self->st.inflight_waits);
	close(self->g.vcpu[0]);
	self->g.vcpu[0] = -1;
	pthread_join(th, NULL);
	ASSERT_EQ(0, w.ret);
	EXPECT_EQ(CCMEM_EXIT_DONE, w.run.exit_reason);
	ASSERT_EQ(0, tguest_stats(&self->g, &self->st));
	EXPECT_EQ(4 * SZ_2M, self->st.accepted_bytes);
	EXPECT_EQ(4, self->st.pvalidate_calls);
	EXPECT_EQ(0, self->st.security_events);
}

/* Invariant 6 seen from the guest: a platform failure ends the guest. */
TEST_F(accept, platform_failure_terminates_guest)
{
	struct ccmem_guest_insn p[] = { GI(CCMEM_GOP_ACCEPT, TGPA, SZ_2M, 0) };
	struct ccmem_vm_stats vs;

	ASSERT_EQ(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	ASSERT_EQ(0, tvm_inject(&self->g.t, CCMEM_INJECT_RMPUPDATE, 1, 1));
	ASSERT_EQ(0, tguest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EQ(CCMEM_EXIT_TERMINATED, self->run.exit_reason);
	EXPECT_EQ(0, self->run.term.reason);
	EXPECT_EQ(EIO, self->run.term.detail);
	ASSERT_EQ(0, tvm_stats(&self->g.t, &vs));
	EXPECT_EQ(CCMEM_VM_STATE_DEAD, vs.state);
	EXPECT_EQ(512, vs.leaked_pages);
	EXPECT_EQ(-ESHUTDOWN, tvcpu_run(self->g.vcpu[0], &self->run));
}

static int write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	int ret;

	if (!f)
		return -errno;
	ret = fputs(s, f) < 0 ? -EIO : 0;
	return fclose(f) ? -errno : ret;
}

/* Count the lines of the trace buffer that contain @what. */
static int trace_count(const char *what)
{
	FILE *f = fopen("/sys/kernel/tracing/trace", "r");
	char line[512];
	int n = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		n += !!strstr(line, what);
	fclose(f);
	return n;
}

TEST_F(accept, tracepoints_show_accepts_exits_and_events)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_READ, TGPA + 3 * SZ_2M, 1, 0),
		GI(CCMEM_GOP_READ, TGPA + 5 * SZ_4K, 1, 0),
	};
	const char *ev = "/sys/kernel/tracing/events/ccmem_guest/enable";
	const char *ex = "/sys/kernel/tracing/events/ccmem/ccmem_vcpu_exit/enable";

	ASSERT_EQ(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	ASSERT_EQ(0, write_file("/sys/kernel/tracing/trace", ""));
	ASSERT_EQ(0, write_file(ev, "1"));
	ASSERT_EQ(0, write_file(ex, "1"));
	/* Lazy accepts of two units, then a replayed page. */
	ASSERT_EQ(0, tguest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EQ(0, tvm_set_attr(&self->g.t, TGPA + 5 * SZ_4K, SZ_4K, false));
	ASSERT_EQ(0, tvm_set_attr(&self->g.t, TGPA + 5 * SZ_4K, SZ_4K, true));
	ASSERT_EQ(0, tguest_exec(&self->g, 0, p, NR(p), &self->run));
	EXPECT_EQ(CCMEM_EXIT_SECURITY, self->run.exit_reason);
	EXPECT_EQ(0, write_file(ev, "0"));
	EXPECT_EQ(0, write_file(ex, "0"));
	EXPECT_EQ(2, trace_count("ccmem_guest_accept_lazy:"));
	EXPECT_EQ(1, trace_count("ccmem_guest_security:"));
	EXPECT_LE(2, trace_count("ccmem_vcpu_exit:"));
}

/* A live guest pins ccmem_guest.ko and its platform module. */
TEST(modules_stay_while_a_guest_lives)
{
	struct tguest g;

	ASSERT_EQ(0, tguest_create(&g, CCMEM_ACCEPT_LAZY, MEM));
	ASSERT_EQ(0, tguest_add_vcpu(&g, 0));
	EXPECT_EQ(-EWOULDBLOCK, ccmem_module_unload("ccmem_guest"));
	EXPECT_EQ(-EWOULDBLOCK, ccmem_module_unload("ccmem_snp"));
	tguest_destroy(&g);

	ASSERT_EQ(0, ccmem_module_unload("ccmem_guest"));
	EXPECT_EQ(-ENODEV, tguest_create(&g, CCMEM_ACCEPT_LAZY, MEM));
	tguest_destroy(&g);
	ASSERT_EQ(0, ccmem_module_load("ccmem_guest"));
	ASSERT_EQ(0, tguest_create(&g, CCMEM_ACCEPT_LAZY, MEM));
	tguest_destroy(&g);
}

TEST_HARNESS_MAIN
