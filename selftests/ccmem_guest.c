// SPDX-License-Identifier: GPL-2.0
/*
 * ccmem_guest - the guest end on emulated vCPUs: configuration, vCPUs and
 * programs, the acceptance policies and the 2M->4K ladder, the host
 * attacks the guest must catch (invariants 1-3), conversions with their
 * contents, and several vCPUs accepting at once.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ccmem_test.h"
#include "ghcb.h"
#include "rmp_model.h"

#define MEM		(32ULL << 20)
#define UNITS		(MEM / SZ_2M)

/* The emulated guest's counters (the "guest" group). */
static const char *const guest_counters[] = {
	"guest.accepted_bytes", "guest.unaccepted_bytes", "guest.eager_accepts",
	"guest.lazy_accepts", "guest.exception_accepts", "guest.fallbacks_4k",
	"guest.accept_calls", "guest.hypercalls", "guest.convert_entries",
	"guest.convert_reissues", "guest.to_shared", "guest.to_private",
	"guest.security_events", "guest.inflight_waits", "guest.alloc_pages",
	"guest.free_pages",
};

/* --- configuration ------------------------------------------------------ */

/* Counter @name of the fixture's guest VM. */
#define GSTAT(name)	STAT(self->g.vm, name)

FIXTURE(cfg) {
	struct ccmem_guest g;
	struct ccmem_emu_guest_config c;
};

/* The VM, RAM and comm regions, but no guest configured yet. */
FIXTURE_SETUP(cfg)
{
	ASSERT_ERRNO(0, ccmem_guest_setup(&self->g, TGPA, MEM));
	self->c = ccmem_guest_config(CCMEM_ACCEPT_LAZY, TGPA, MEM);
}

FIXTURE_TEARDOWN(cfg)
{
	ccmem_guest_destroy(&self->g);
}

TEST_F(cfg, bad_policy_einval)
{
	self->c.policy = 3;
	EXPECT_ERRNO(-EINVAL, ccmem_guest_init(&self->g, &self->c));
}

TEST_F(cfg, bad_unit_shift_einval)
{
	self->c.unit_shift = 11;
	EXPECT_ERRNO(-EINVAL, ccmem_guest_init(&self->g, &self->c));
	self->c.unit_shift = 31;
	EXPECT_ERRNO(-EINVAL, ccmem_guest_init(&self->g, &self->c));
	self->c.unit_shift = 12;	/* 4 KiB units are fine */
	EXPECT_ERRNO(0, ccmem_guest_init(&self->g, &self->c));
}

TEST_F(cfg, mem_outside_regions_einval)
{
	self->c.mem_size = MEM + SZ_2M;
	EXPECT_ERRNO(-EINVAL, ccmem_guest_init(&self->g, &self->c));
	self->c.mem_size = MEM;
	self->c.mem_gpa = TGPA + SZ_4K;	/* not unit aligned */
	EXPECT_ERRNO(-EINVAL, ccmem_guest_init(&self->g, &self->c));
}

TEST_F(cfg, eager_bytes_only_with_hybrid)
{
	self->c.eager_bytes = SZ_2M;
	EXPECT_ERRNO(-EINVAL, ccmem_guest_init(&self->g, &self->c));
	self->c.policy = CCMEM_ACCEPT_HYBRID;
	self->c.eager_bytes = MEM + SZ_2M;
	EXPECT_ERRNO(-EINVAL, ccmem_guest_init(&self->g, &self->c));
	self->c.eager_bytes = SZ_4K;	/* not a unit multiple */
	EXPECT_ERRNO(-EINVAL, ccmem_guest_init(&self->g, &self->c));
	self->c.eager_bytes = SZ_2M;
	EXPECT_ERRNO(0, ccmem_guest_init(&self->g, &self->c));
}

TEST_F(cfg, ghcb_inside_ram_or_outside_regions_einval)
{
	self->c.comm_gpa = TGPA;
	EXPECT_ERRNO(-EINVAL, ccmem_guest_init(&self->g, &self->c));
	self->c.comm_gpa = TGHCB + SZ_4K;	/* last vCPUs' pages fall out */
	EXPECT_ERRNO(-EINVAL, ccmem_guest_init(&self->g, &self->c));
}

TEST_F(cfg, reserved_and_flags_einval)
{
	self->c.reserved[3] = 1;
	EXPECT_ERRNO(-EINVAL, ccmem_guest_init(&self->g, &self->c));
	self->c.reserved[3] = 0;
	self->c.flags = 1U << 7;
	EXPECT_ERRNO(-EINVAL, ccmem_guest_init(&self->g, &self->c));
}

TEST_F(cfg, second_init_eexist)
{
	EXPECT_ERRNO(0, ccmem_guest_init(&self->g, &self->c));
	EXPECT_ERRNO(-EEXIST, ccmem_guest_init(&self->g, &self->c));
}

TEST_F(cfg, vcpu_needs_guest_and_valid_id)
{
	EXPECT_ERRNO(-EINVAL, ccmem_guest_add_vcpu(&self->g, 0));
	ASSERT_ERRNO(0, ccmem_guest_init(&self->g, &self->c));
	EXPECT_ERRNO(-EINVAL, ccmem_guest_add_vcpu(&self->g, CCMEM_MAX_VCPUS));
	EXPECT_ERRNO(0, ccmem_guest_add_vcpu(&self->g, 0));
	EXPECT_ERRNO(-EEXIST, ccmem_guest_add_vcpu(&self->g, 0));
	EXPECT_ERRNO(0, ccmem_guest_add_vcpu(&self->g, CCMEM_MAX_VCPUS - 1));
}

/* The "guest" counters come with the guest. */
TEST_F(cfg, guest_stats_need_guest)
{
	struct ccmem_stats_table st = { 0 };
	uint64_t v;
	uint32_t i;

	EXPECT_ERRNO(-ENOENT, ccmem_vm_stat(self->g.vm, "guest.accepted_bytes",
					    &v));
	ASSERT_ERRNO(0, ccmem_guest_init(&self->g, &self->c));
	EXPECT_EQ(MEM, GSTAT("guest.unaccepted_bytes"));
	EXPECT_EQ(0, GSTAT("guest.accepted_bytes"));
	ASSERT_ERRNO(0, ccmem_stats_snapshot(self->g.vm, &st));
	expect_counters(_metadata, &st, guest_counters, NR(guest_counters));
	/* Every name is "group.counter": one dot. */
	for (i = 0; i < st.nr; i++) {
		const char *dot = strchr(st.descs[i].name, '.');

		EXPECT_TRUE(dot && !strchr(dot + 1, '.')) {
			TH_LOG("counter %u is \"%s\"", i, st.descs[i].name);
		}
	}
	ccmem_stats_free(&st);
}

/* --- programs and runs -------------------------------------------------- */

FIXTURE(prog) {
	struct ccmem_guest g;
	struct ccmem_run run;
};

FIXTURE_SETUP(prog)
{
	ASSERT_ERRNO(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	ASSERT_ERRNO(0, ccmem_guest_add_vcpu(&self->g, 0));
}

FIXTURE_TEARDOWN(prog)
{
	ccmem_guest_destroy(&self->g);
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
		EXPECT_ERRNO(-EINVAL, ccmem_vcpu_set_program(self->g.vcpu[0], &bad[i], 1));
	EXPECT_ERRNO(-EINVAL, ccmem_vcpu_set_program(self->g.vcpu[0], bad, 0));
	EXPECT_ERRNO(-EINVAL, ccmem_vcpu_set_program(self->g.vcpu[0], bad,
						     CCMEM_EMU_MAX_PROGRAM + 1));
}

TEST_F(prog, run_without_program_enoexec)
{
	EXPECT_ERRNO(-ENOEXEC, ccmem_vcpu_run(self->g.vcpu[0], &self->run));
}

TEST_F(prog, run_reserved_einval)
{
	struct ccmem_guest_insn p[] = { GI(CCMEM_GOP_BOOT, 0, 0, 0) };

	ASSERT_ERRNO(0, ccmem_vcpu_set_program(self->g.vcpu[0], p, NR(p)));
	memset(&self->run, 0, sizeof(self->run));
	self->run.reserved[1] = 1;
	EXPECT_ERRNO(-EINVAL, ccmem_ioctl(self->g.vcpu[0], CCMEM_VCPU_RUN,
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
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_DONE);
	EXPECT_EQ(1, ccmem_run_state(&self->run)->pc);
	first = ccmem_run_state(&self->run)->r0;
	EXPECT_EQ(TGPA, first);
	ASSERT_ERRNO(0, ccmem_guest_run(&self->g, 0, &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_DONE);
	EXPECT_EQ(first + SZ_4K, ccmem_run_state(&self->run)->r0);	/* a second allocation */
}

TEST_F(prog, write_then_check_pattern)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_WRITE, TGPA + 100, 3 * SZ_4K, 0x5a),
		GI(CCMEM_GOP_CHECK, TGPA + 100, 3 * SZ_4K, 0x5a),
	};

	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	EXPECT_EXIT(&self->run, CCMEM_EXIT_EMU_DONE);
}

TEST_F(prog, check_mismatch_reports_first_byte)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_WRITE, TGPA, SZ_4K, 0x11),
		GI(CCMEM_GOP_CHECK, TGPA, SZ_4K, 0x22),
	};

	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_CHECK);
	EXPECT_EQ(1, ccmem_run_state(&self->run)->pc);
	EXPECT_EQ(TGPA, ccmem_run_check(&self->run)->gpa);
	EXPECT_EQ(ccmem_emu_pattern(0x22, TGPA),
		  ccmem_run_check(&self->run)->expected);
	EXPECT_EQ(ccmem_emu_pattern(0x11, TGPA),
		  ccmem_run_check(&self->run)->got);
}

TEST_F(prog, set_program_while_in_exit_ebusy)
{
	struct ccmem_guest_insn p[] = { GI(CCMEM_GOP_ACCEPT, TGPA, SZ_2M, 0) };

	ASSERT_ERRNO(0, ccmem_vcpu_set_program(self->g.vcpu[0], p, NR(p)));
	ASSERT_ERRNO(0, ccmem_vcpu_run(self->g.vcpu[0], &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_CONVERT);
	EXPECT_ERRNO(-EBUSY, ccmem_vcpu_set_program(self->g.vcpu[0], p, NR(p)));
}

TEST_F(prog, close_vcpu_in_exit_and_vm_first)
{
	struct ccmem_guest_insn p[] = { GI(CCMEM_GOP_ACCEPT, TGPA, SZ_2M, 0) };
	long long live = ccmem_global_stat("vms_live");

	ASSERT_ERRNO(0, ccmem_guest_add_vcpu(&self->g, 1));
	ASSERT_ERRNO(0, ccmem_vcpu_set_program(self->g.vcpu[1], p, NR(p)));
	ASSERT_ERRNO(0, ccmem_vcpu_run(self->g.vcpu[1], &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_CONVERT);
	/* The VM fd goes first; the vCPUs keep the VM alive. */
	close(self->g.vm);
	self->g.vm = -1;
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
		_exit(ccmem_vcpu_set_program(self->g.vcpu[0], p, NR(p)) == -EIO ? 0 : 1);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* --- policies and the ladder -------------------------------------------- */

FIXTURE(accept) {
	struct ccmem_guest g;
	struct ccmem_run run;
};

FIXTURE_SETUP(accept)
{
	ccmem_guest_reset(&self->g);
}

FIXTURE_TEARDOWN(accept)
{
	ccmem_guest_destroy(&self->g);
}

static const struct ccmem_guest_insn boot[] = { GI(CCMEM_GOP_BOOT, 0, 0, 0) };

TEST_F(accept, eager_boot_accepts_everything_at_2m)
{
	uint8_t map[UNITS];
	uint32_t i;

	ASSERT_ERRNO(0, tguest_create(&self->g, CCMEM_ACCEPT_EAGER, MEM));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, boot, 1, &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_DONE);
	EXPECT_EQ(MEM, GSTAT("guest.accepted_bytes"));
	EXPECT_EQ(0, GSTAT("guest.unaccepted_bytes"));
	EXPECT_EQ(UNITS, GSTAT("guest.eager_accepts"));
	EXPECT_EQ(0, GSTAT("guest.lazy_accepts"));
	EXPECT_EQ(UNITS, GSTAT("guest.accept_calls"));	/* one 2M each */
	EXPECT_EQ(0, GSTAT("guest.fallbacks_4k"));
	ASSERT_ERRNO(0, ccmem_vm_map(self->g.vm, TGPA, MEM, 21, map));
	for (i = 0; i < UNITS; i++)
		EXPECT_EQ(CCMEM_MAP_PRIVATE | CCMEM_MAP_ACCEPTED, map[i]);
}

TEST_F(accept, eager_force_4k_counts_512x)
{
	struct ccmem_emu_guest_config c = ccmem_guest_config(CCMEM_ACCEPT_EAGER,
							     TGPA, MEM);

	c.flags = CCMEM_GUEST_F_FORCE_4K;
	ASSERT_ERRNO(0, ccmem_guest_create(&self->g, &c));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, boot, 1, &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_DONE);
	EXPECT_EQ(MEM / SZ_4K, GSTAT("guest.accept_calls"));
	EXPECT_EQ(MEM, GSTAT("guest.accepted_bytes"));
}

TEST_F(accept, lazy_boot_accepts_nothing_then_alloc_one_unit)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_BOOT, 0, 0, 0),
		GI(CCMEM_GOP_ALLOC, 0, 1ULL << 20, 0),
	};

	ASSERT_ERRNO(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, 1, &self->run));
	EXPECT_EQ(0, GSTAT("guest.accepted_bytes"));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_DONE);
	EXPECT_EQ(TGPA, ccmem_run_state(&self->run)->r0);
	EXPECT_EQ(SZ_2M, GSTAT("guest.accepted_bytes"));
	EXPECT_EQ(1, GSTAT("guest.lazy_accepts"));
	EXPECT_EQ(MEM - SZ_2M, GSTAT("guest.unaccepted_bytes"));
}

TEST_F(accept, hybrid_accepts_exactly_first_x)
{
	struct ccmem_emu_guest_config c = ccmem_guest_config(CCMEM_ACCEPT_HYBRID,
							     TGPA, MEM);
	struct ccmem_guest_insn touch[] = {
		GI(CCMEM_GOP_READ, TGPA + 6 * SZ_2M + 5, 1, 0),
	};

	c.eager_bytes = 4 * SZ_2M;
	ASSERT_ERRNO(0, ccmem_guest_create(&self->g, &c));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, boot, 1, &self->run));
	EXPECT_EQ(4 * SZ_2M, GSTAT("guest.accepted_bytes"));
	EXPECT_EQ(4, GSTAT("guest.eager_accepts"));
	/* Beyond X the guest accepts on touch. */
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, touch, 1, &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_DONE);
	EXPECT_EQ(5 * SZ_2M, GSTAT("guest.accepted_bytes"));
	EXPECT_EQ(1, GSTAT("guest.lazy_accepts"));
	EXPECT_EQ(1, GSTAT("guest.exception_accepts"));
}

TEST_F(accept, lazy_accept_on_touch_via_vc)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_WRITE, TGPA + 3 * SZ_2M + 4000, 200, 9),
		GI(CCMEM_GOP_CHECK, TGPA + 3 * SZ_2M + 4000, 200, 9),
	};

	ASSERT_ERRNO(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_DONE);
	EXPECT_EQ(1, GSTAT("guest.exception_accepts"));
	EXPECT_EQ(SZ_2M, GSTAT("guest.accepted_bytes"));
	EXPECT_EQ(0, GSTAT("guest.security_events"));
}

TEST_F(accept, explicit_accept_twice_costs_nothing)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_ACCEPT, TGPA, 2 * SZ_2M, 0),
		GI(CCMEM_GOP_ACCEPT, TGPA + SZ_4K, SZ_4K, 0),
	};

	ASSERT_ERRNO(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_DONE);
	EXPECT_EQ(2, GSTAT("guest.accept_calls"));
	EXPECT_EQ(2 * SZ_2M, GSTAT("guest.accepted_bytes"));
}

TEST_F(accept, fallback_2m_to_4k_on_4k_rmp_entries)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_ACCEPT, TGPA + SZ_2M, SZ_2M, 0),
	};
	struct ccmem_emu_lookup l;

	ASSERT_ERRNO(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	/*
	 * Back the second unit with 4 KiB RMP entries: while one of its pages
	 * is shared, the pool cannot hand out a whole 2 MiB block.
	 */
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->g.vm, TGPA + SZ_2M, SZ_4K, false));
	ASSERT_ERRNO(0, ccmem_vm_populate(self->g.vm, TGPA + SZ_2M + SZ_4K,
					  SZ_2M - SZ_4K, 0, NULL));
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->g.vm, TGPA + SZ_2M, SZ_4K, true));
	ASSERT_ERRNO(0, ccmem_emu_lookup(self->g.vm, TGPA + SZ_2M + SZ_4K, &l));
	ASSERT_EQ(0, l.state & CCMEM_EMU_S_2M);

	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_DONE);
	EXPECT_EQ(1, GSTAT("guest.fallbacks_4k"));
	EXPECT_EQ(1 + 512, GSTAT("guest.accept_calls"));
	EXPECT_EQ(SZ_2M, GSTAT("guest.accepted_bytes"));
	ASSERT_ERRNO(0, ccmem_emu_lookup(self->g.vm, TGPA + SZ_2M + 511 * SZ_4K, &l));
	EXPECT_TRUE(l.state & CCMEM_EMU_S_ACCEPTED);
}

TEST_F(accept, unit_shift_4k_accepts_pages)
{
	struct ccmem_emu_guest_config c = ccmem_guest_config(CCMEM_ACCEPT_LAZY,
							     TGPA, MEM);
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_READ, TGPA + 5 * SZ_4K, 1, 0),
	};

	c.unit_shift = 12;
	ASSERT_ERRNO(0, ccmem_guest_create(&self->g, &c));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_DONE);
	EXPECT_EQ(SZ_4K, GSTAT("guest.accepted_bytes"));
}

/* --- host attacks (invariants 1 and 2) ---------------------------------- */

/* RMPUPDATE behind the guest's back: the page goes shared, then private. */
static int host_replays(struct ccmem_guest *g, uint64_t gpa)
{
	int ret = ccmem_vm_set_attr(g->vm, gpa, SZ_4K, false);

	return ret ?: ccmem_vm_set_attr(g->vm, gpa, SZ_4K, true);
}

/*
 * Expect a security event with @reason at @gpa, then the guest's own
 * termination request, with the GHCB reason that goes with the event.
 */
static void expect_security(struct __test_metadata *_metadata,
			    struct ccmem_guest *g, struct ccmem_run *run,
			    uint32_t reason, uint64_t gpa)
{
	ASSERT_EXIT(run, CCMEM_EXIT_SECURITY);
	EXPECT_SEC(reason, run->security.reason);
	EXPECT_EQ(gpa, run->security.gpa);
	ASSERT_ERRNO(0, ccmem_guest_run(g, 0, run));
	EXPECT_GUEST_TERMINATED(run, reason);
	EXPECT_ERRNO(-ESHUTDOWN, ccmem_vcpu_run(g->vcpu[0], run));
	EXPECT_EQ(1, STAT(g->vm, "guest.security_events"));
	EXPECT_EQ(1, STAT(g->vm, "snp.terminations"));
}

TEST_F(accept, double_validation_caught)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_ACCEPT, TGPA, SZ_2M, 0),
	};
	struct ccmem_emu_insn in;

	ASSERT_ERRNO(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	/* A page validated behind the guest's back (a replayed page). */
	ASSERT_ERRNO(0, ccmem_emu_pvalidate(self->g.vm, TGPA + 7 * SZ_4K, false,
					    true, &in));
	ASSERT_EQ(PVALIDATE_SUCCESS, in.rax_out);
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	expect_security(_metadata, &self->g, &self->run,
			CCMEM_SEC_DOUBLE_ACCEPT, TGPA + 7 * SZ_4K);
}

TEST_F(accept, host_replay_of_validated_page_caught)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_WRITE, TGPA + 5 * SZ_4K, 16, 3),
	};
	struct ccmem_guest_insn q[] = {
		GI(CCMEM_GOP_CHECK, TGPA + 5 * SZ_4K, 16, 3),
	};

	ASSERT_ERRNO(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_DONE);
	ASSERT_ERRNO(0, host_replays(&self->g, TGPA + 5 * SZ_4K));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, q, NR(q), &self->run));
	EXPECT_EQ(0x404, self->run.security.detail);	/* the #VC's code */
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
		GI(CCMEM_GOP_CONVERT, TGPA + 9 * SZ_4K, SZ_4K, CCMEM_GOP_TO_SHARED),
	};

	ASSERT_ERRNO(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_DONE);
	ASSERT_ERRNO(0, host_replays(&self->g, TGPA + 9 * SZ_4K));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, q, NR(q), &self->run));
	expect_security(_metadata, &self->g, &self->run,
			CCMEM_SEC_SUBSTITUTION, TGPA + 9 * SZ_4K);
}

TEST_F(accept, memory_fault_exit_then_substitution)
{
	struct ccmem_guest_insn p[] = { GI(CCMEM_GOP_ACCEPT, TGPA, SZ_2M, 0) };
	struct ccmem_guest_insn q[] = { GI(CCMEM_GOP_READ, TGPA + SZ_4K, 8, 0) };

	ASSERT_ERRNO(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	/* The VMM makes a page shared without being asked. */
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->g.vm, TGPA + SZ_4K, SZ_4K, false));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, q, NR(q), &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_MEMORY_FAULT);
	EXPECT_EQ(TGPA + SZ_4K, self->run.memory_fault.gpa);
	EXPECT_REASON(CCMEM_FAULT_ATTRIBUTE, self->run.memory_fault.reason);
	EXPECT_EQ(CCMEM_FAULT_F_PRIVATE, self->run.memory_fault.flags);
	EXPECT_EQ(0, self->run.memory_fault.vcpu);
	/* It gives a fresh private page back: the guest notices. */
	ASSERT_ERRNO(0, ccmem_vm_set_attr(self->g.vm, TGPA + SZ_4K, SZ_4K, true));
	ASSERT_ERRNO(0, ccmem_guest_run(&self->g, 0, &self->run));
	expect_security(_metadata, &self->g, &self->run,
			CCMEM_SEC_SUBSTITUTION, TGPA + SZ_4K);
}

TEST_F(accept, event_terminates_every_vcpu)
{
	struct ccmem_guest_insn p[] = { GI(CCMEM_GOP_ACCEPT, TGPA, SZ_2M, 0) };
	struct ccmem_emu_insn in;

	ASSERT_ERRNO(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	ASSERT_ERRNO(0, ccmem_guest_add_vcpu(&self->g, 1));
	ASSERT_ERRNO(0, ccmem_emu_pvalidate(self->g.vm, TGPA, true, true, &in));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_SECURITY);
	EXPECT_SEC(CCMEM_SEC_DOUBLE_ACCEPT, self->run.security.reason);
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 1, boot, 1, &self->run));
	/* Ended by the host, not by a request of its own. */
	EXPECT_EXIT(&self->run, CCMEM_EXIT_TERMINATED);
	EXPECT_EQ(0, self->run.terminated.flags);
	EXPECT_EQ(0, self->run.terminated.reason_set);
	EXPECT_EQ(0, self->run.terminated.reason_code);
}

/* --- conversions (invariant 3) ------------------------------------------ */

TEST_F(accept, convert_roundtrip_scrubs_and_reads_zeros)
{
	uint64_t gpa = TGPA + 2 * SZ_2M + 3 * SZ_4K;
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_WRITE, gpa, 4 * SZ_4K, 0x77),
		GI(CCMEM_GOP_CONVERT, gpa, 4 * SZ_4K, CCMEM_GOP_TO_SHARED),
		GI(CCMEM_GOP_CONVERT, gpa, 4 * SZ_4K, CCMEM_GOP_TO_PRIVATE),
		GI(CCMEM_GOP_CHECK, gpa, 4 * SZ_4K, 0),
	};
	const struct ccmem_convert_record *c = self->g.convert;
	uint64_t n;

	ASSERT_ERRNO(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_DONE);
	EXPECT_EQ(4, GSTAT("guest.to_shared"));
	EXPECT_EQ(4, GSTAT("guest.to_private"));
	/* Ordered requests: accept (private), shared, private. */
	n = self->g.nr_convert;
	ASSERT_LE(3, n);
	ASSERT_GE(CCMEM_GUEST_MAX_RECORDS, n);
	EXPECT_EQ(gpa, c[n - 2].gpa);
	EXPECT_EQ(4 * SZ_4K, c[n - 2].size);
	EXPECT_EQ(0, c[n - 2].flags & CCMEM_CONVERT_F_PRIVATE);
	EXPECT_EQ(CCMEM_CONVERT_F_PRIVATE, c[n - 1].flags);
	/* By the NAE form, the default. */
	EXPECT_EQ(0, GSTAT("snp.psc_msr_requests"));
	EXPECT_LE(4, GSTAT("vm.scrubbed_pages"));
}

TEST_F(accept, shared_page_seen_by_vmm_holds_no_guest_data)
{
	uint64_t off = 2 * SZ_2M;
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_WRITE, TGPA + off, SZ_4K, 0x42),
		GI(CCMEM_GOP_CONVERT, TGPA + off, SZ_4K, CCMEM_GOP_TO_SHARED),
	};

	ASSERT_ERRNO(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_DONE);
	EXPECT_TRUE(buf_is(self->g.ram + off, 0, SZ_4K));
}

TEST_F(accept, private_access_to_own_shared_page_fatal)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_ACCEPT, TGPA, SZ_2M, 0),
		GI(CCMEM_GOP_CONVERT, TGPA, SZ_4K, CCMEM_GOP_TO_SHARED),
		GI(CCMEM_GOP_READ, TGPA, 1, 0),
	};

	ASSERT_ERRNO(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	/* The page is shared on the host too: the access exits first. */
	ASSERT_EXIT(&self->run, CCMEM_EXIT_MEMORY_FAULT);
	EXPECT_EQ(TGPA, self->run.memory_fault.gpa);
}

TEST_F(accept, convert_unaccepted_or_twice_refused)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_CONVERT, TGPA, SZ_4K, CCMEM_GOP_TO_SHARED),
	};
	struct ccmem_guest_insn q[] = {
		GI(CCMEM_GOP_ACCEPT, TGPA, SZ_2M, 0),
		GI(CCMEM_GOP_CONVERT, TGPA, SZ_4K, CCMEM_GOP_TO_SHARED),
		GI(CCMEM_GOP_CONVERT, TGPA, SZ_4K, CCMEM_GOP_TO_SHARED),
	};
	struct ccmem_guest_insn r[] = {
		GI(CCMEM_GOP_CONVERT, TGPA + SZ_4K, SZ_4K, CCMEM_GOP_TO_PRIVATE),
	};

	ASSERT_ERRNO(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_STEP_ERROR);
	EXPECT_EQ(EINVAL, ccmem_run_step(&self->run)->error);
	EXPECT_EQ(0, self->g.nr_convert);
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, q, NR(q), &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_STEP_ERROR);
	EXPECT_EQ(2, ccmem_run_state(&self->run)->pc);
	/* Private again, while it is private in the guest's record. */
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, r, NR(r), &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_STEP_ERROR);
	EXPECT_EQ(1, GSTAT("guest.to_shared"));
	EXPECT_EQ(0, GSTAT("guest.security_events"));
}

TEST_F(accept, vmm_refusing_conversion_is_fatal)
{
	struct ccmem_guest_insn p[] = { GI(CCMEM_GOP_ACCEPT, TGPA, SZ_2M, 0) };

	ASSERT_ERRNO(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	self->g.refuse = -EPERM;
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	EXPECT_EQ(PSC_ERR_GENERIC, self->run.security.detail);
	expect_security(_metadata, &self->g, &self->run, CCMEM_SEC_CONVERT_ERROR,
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
	ASSERT_ERRNO(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_DONE);
	EXPECT_EQ(TGPA, ccmem_run_state(&self->run)->r0);
	EXPECT_EQ(12, GSTAT("guest.alloc_pages"));
	EXPECT_EQ(8, GSTAT("guest.free_pages"));
}

TEST_F(accept, free_unallocated_and_oversized_alloc_refused)
{
	struct ccmem_guest_insn p[] = { GI(CCMEM_GOP_FREE, TGPA, SZ_4K, 0) };
	struct ccmem_guest_insn q[] = { GI(CCMEM_GOP_ALLOC, 0, MEM + SZ_4K, 0) };

	ASSERT_ERRNO(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_STEP_ERROR);
	EXPECT_EQ(EINVAL, ccmem_run_step(&self->run)->error);
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, q, NR(q), &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_STEP_ERROR);
	EXPECT_EQ(ENOMEM, ccmem_run_step(&self->run)->error);
}

/* --- several vCPUs ------------------------------------------------------ */

struct stress_arg {
	struct ccmem_guest *g;
	uint32_t id;
	unsigned int seed;
	int ret;
	struct ccmem_run run;
};

#define STRESS_VCPUS	4
#define STRESS_STEPS	24

/*
 * Each vCPU thread is its own VMM thread; libccmem serialises the service
 * of conversion exits of one guest.
 */
static void *stress_vcpu(void *p)
{
	struct stress_arg *a = p;
	struct ccmem_guest_insn prog[STRESS_STEPS];
	uint32_t i;

	for (i = 0; i < STRESS_STEPS; i++) {
		uint64_t u = rand_r(&a->seed) % UNITS;
		uint64_t n = 1 + rand_r(&a->seed) % 4;

		if (u + n > UNITS)
			n = UNITS - u;
		prog[i] = GI(CCMEM_GOP_ACCEPT, TGPA + u * SZ_2M, n * SZ_2M, 0);
	}
	a->ret = ccmem_guest_exec(a->g, a->id, prog, STRESS_STEPS, &a->run);
	return NULL;
}

/* Run the stress program on every vCPU of @a at once. */
static void run_stress(struct __test_metadata *_metadata,
		       struct stress_arg *a, uint32_t nr)
{
	pthread_t th[STRESS_VCPUS];
	uint32_t i;

	ASSERT_GE(STRESS_VCPUS, nr);
	for (i = 0; i < nr; i++) {
		if (a[i].g->vcpu[a[i].id] < 0)
			ASSERT_ERRNO(0, ccmem_guest_add_vcpu(a[i].g, a[i].id));
	}
	for (i = 0; i < nr; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, stress_vcpu, &a[i]));
	for (i = 0; i < nr; i++) {
		pthread_join(th[i], NULL);
		EXPECT_ERRNO(0, a[i].ret);
		EXPECT_EXIT(&a[i].run, CCMEM_EXIT_EMU_DONE);
	}
}

TEST_F(accept, vcpus_accept_same_units_concurrently_once)
{
	unsigned int seed = getpid() ^ 0x5eed;
	struct ccmem_guest_insn all[] = { GI(CCMEM_GOP_ACCEPT, TGPA, MEM, 0) };
	struct stress_arg a[STRESS_VCPUS];
	uint64_t accepted;
	uint32_t i;

	TH_LOG("seed %u", seed);
	ASSERT_ERRNO(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	for (i = 0; i < STRESS_VCPUS; i++)
		a[i] = (struct stress_arg){ .g = &self->g, .id = i,
					    .seed = seed + i };
	run_stress(_metadata, a, STRESS_VCPUS);
	EXPECT_EQ(0, GSTAT("guest.security_events"));
	accepted = GSTAT("guest.accepted_bytes");
	/* Each accepted unit cost exactly one 2 MiB PVALIDATE. */
	EXPECT_EQ(accepted / SZ_2M, GSTAT("guest.accept_calls"));
	EXPECT_EQ(MEM, accepted + GSTAT("guest.unaccepted_bytes"));
	/* Accepting everything now validates only what is left, once. */
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, all, 1, &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_EMU_DONE);
	EXPECT_EQ(MEM / SZ_2M, GSTAT("guest.accept_calls"));
	EXPECT_EQ(0, GSTAT("guest.security_events"));
}

TEST_F(accept, two_vms_run_vcpus_at_once)
{
	unsigned int seed = getpid();
	struct ccmem_guest other;
	struct stress_arg a[4] = {
		{ .g = &self->g, .id = 0, .seed = seed },
		{ .g = &self->g, .id = 1, .seed = seed + 1 },
		{ .g = &other, .id = 0, .seed = seed + 2 },
		{ .g = &other, .id = 1, .seed = seed + 3 },
	};

	TH_LOG("seed %u", seed);
	ASSERT_ERRNO(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	ASSERT_ERRNO(0, tguest_create(&other, CCMEM_ACCEPT_LAZY, MEM));
	run_stress(_metadata, a, NR(a));
	EXPECT_EQ(0, STAT(other.vm, "guest.security_events"));
	EXPECT_EQ(2, STAT(other.vm, "vm.vcpus"));
	EXPECT_EQ(0, GSTAT("guest.security_events"));
	EXPECT_EQ(2, GSTAT("vm.vcpus"));
	ccmem_guest_destroy(&other);
}

TEST_F(accept, debugfs_guest_file_shows_counters)
{
	char dir[300], path[320], line[256];
	unsigned long long v;
	bool seen = false;
	FILE *f;

	ASSERT_ERRNO(0, tguest_create(&self->g, CCMEM_ACCEPT_EAGER, MEM));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, boot, 1, &self->run));
	ASSERT_ERRNO(0, ccmem_vm_debugfs_dir(self->g.key_id, dir, sizeof(dir)));
	snprintf(path, sizeof(path), "%s/guest", dir);
	f = fopen(path, "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "eager_accepts %llu", &v) == 1) {
			EXPECT_EQ(UNITS, v);
			seen = true;
		}
	}
	fclose(f);
	EXPECT_TRUE(seen);
}

#define TRACEFS		"/sys/kernel/tracing"

/*
 * Add (or with "-:..." remove) a kprobe event. The file is opened for
 * appending, never truncated (which would drop every kprobe event), and
 * without stdio, whose append mode seeks to the end: tracefs refuses that.
 */
static int kprobe_event(const char *def)
{
	int fd = open(TRACEFS "/kprobe_events", O_WRONLY | O_APPEND | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, def, strlen(def));
	if (n < 0)
		n = -errno;
	close(fd);
	return n < 0 ? n : 0;
}

/*
 * Block until the trace buffer shows @what, reading trace_pipe; give up
 * after @timeout_ms without any trace data (a bound, not a delay: the
 * wait ends with the event).
 */
static int trace_wait_for(int pipe, const char *what, int timeout_ms)
{
	struct pollfd p = { .fd = pipe, .events = POLLIN };
	char buf[4096];
	size_t have = 0;
	ssize_t n;

	for (;;) {
		n = poll(&p, 1, timeout_ms);
		if (n < 0)
			return -errno;
		if (!n)
			return -ETIMEDOUT;
		n = read(pipe, buf + have, sizeof(buf) - 1 - have);
		if (n < 0)
			return -errno;
		have += n;
		buf[have] = 0;
		if (strstr(buf, what))
			return 0;
		/* Keep the tail, where a line may be cut. */
		if (have > sizeof(buf) / 2) {
			memmove(buf, buf + have - 256, 256);
			have = 256;
		}
	}
}

/* Show why tracefs refused a command (its error_log). */
static void trace_error_log(struct __test_metadata *_metadata)
{
	FILE *f = fopen(TRACEFS "/error_log", "r");
	char line[256];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		TH_LOG("tracefs: %s", line);
	fclose(f);
}

struct waiter {
	struct ccmem_guest *g;
	struct ccmem_run run;
	int ret;
};

static void *waiter_run(void *p)
{
	struct waiter *w = p;

	w->ret = ccmem_guest_run(w->g, 1, &w->run);
	return NULL;
}

/*
 * vCPU 1 waits for units vCPU 0 has in flight; vCPU 0 is torn down in the
 * middle of its page state change. vCPU 1 must wake, claim the units and
 * accept them itself, once.
 *
 * vCPU 1 is known to be waiting when the guest's wait for another vCPU's
 * units (the runner's wait operation, cg_wait) is entered: a kprobe event
 * on it, read from trace_pipe, is the signal. No polling, no delay.
 */
TEST_F(accept, waiter_survives_teardown_of_the_claiming_vcpu)
{
	struct ccmem_guest_insn p[] = { GI(CCMEM_GOP_ACCEPT, TGPA, 4 * SZ_2M, 0) };
	const char *enable = TRACEFS "/events/ccmem_test/inflight_wait/enable";
	struct waiter w = { .g = &self->g };
	int pipe, waited, ret;
	pthread_t th;

	ASSERT_ERRNO(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	ASSERT_ERRNO(0, ccmem_guest_add_vcpu(&self->g, 0));
	ASSERT_ERRNO(0, ccmem_guest_add_vcpu(&self->g, 1));
	ASSERT_ERRNO(0, ccmem_vcpu_set_program(self->g.vcpu[0], p, NR(p)));
	ASSERT_ERRNO(0, ccmem_vcpu_set_program(self->g.vcpu[1], p, NR(p)));
	/* vCPU 0 claims the units and stops in its conversion exit. */
	ASSERT_ERRNO(0, ccmem_vcpu_run(self->g.vcpu[0], &self->run));
	ASSERT_EXIT(&self->run, CCMEM_EXIT_CONVERT);

	kprobe_event("-:ccmem_test/inflight_wait\n");
	ret = kprobe_event("p:ccmem_test/inflight_wait cg_wait\n");
	if (ret) {
		trace_error_log(_metadata);
		SKIP(return, "no kprobe event on cg_wait: %s",
		     ccmem_errno_name(ret));
	}
	ASSERT_ERRNO(0, ccmem_write_file(TRACEFS "/trace", ""));
	ASSERT_ERRNO(0, ccmem_write_file(enable, "1"));
	pipe = open(TRACEFS "/trace_pipe", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, pipe);

	ASSERT_EQ(0, pthread_create(&th, NULL, waiter_run, &w));
	waited = trace_wait_for(pipe, "inflight_wait:", 60000);
	EXPECT_ERRNO(0, waited);
	close(pipe);
	ccmem_write_file(enable, "0");
	kprobe_event("-:ccmem_test/inflight_wait\n");
	EXPECT_EQ(1, GSTAT("guest.inflight_waits"));

	close(self->g.vcpu[0]);
	self->g.vcpu[0] = -1;
	pthread_join(th, NULL);
	ASSERT_ERRNO(0, w.ret);
	EXPECT_EXIT(&w.run, CCMEM_EXIT_EMU_DONE);
	EXPECT_EQ(4 * SZ_2M, GSTAT("guest.accepted_bytes"));
	EXPECT_EQ(4, GSTAT("guest.accept_calls"));
	EXPECT_EQ(0, GSTAT("guest.security_events"));
}

/* Invariant 6 seen from the guest: a platform failure ends the guest. */
TEST_F(accept, platform_failure_terminates_guest)
{
	struct ccmem_guest_insn p[] = { GI(CCMEM_GOP_ACCEPT, TGPA, SZ_2M, 0) };

	ASSERT_ERRNO(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	ASSERT_ERRNO(0, ccmem_emu_inject(self->g.vm, CCMEM_INJECT_ASSIGN,
					 RMPUPDATE_FAIL_INPUT, 1));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	/* Ended by the host, with its errno. */
	ASSERT_EXIT(&self->run, CCMEM_EXIT_TERMINATED);
	EXPECT_EQ(0, self->run.terminated.flags);
	EXPECT_EQ(EIO, self->run.terminated.detail);
	EXPECT_STATE(CCMEM_VM_STATE_DEAD, GSTAT("vm.state"));
	EXPECT_EQ(512, GSTAT("vm.leaked_pages"));
	EXPECT_ERRNO(-ESHUTDOWN, ccmem_vcpu_run(self->g.vcpu[0], &self->run));
}

/* Count the lines of the trace buffer that contain @what. */
static int trace_count(const char *what)
{
	FILE *f = fopen(TRACEFS "/trace", "r");
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
	const char *ev = TRACEFS "/events/ccmem_guest/enable";
	const char *ex = TRACEFS "/events/ccmem/ccmem_vcpu_exit/enable";

	ASSERT_ERRNO(0, tguest_create(&self->g, CCMEM_ACCEPT_LAZY, MEM));
	ASSERT_ERRNO(0, ccmem_write_file(TRACEFS "/trace", ""));
	ASSERT_ERRNO(0, ccmem_write_file(ev, "1"));
	ASSERT_ERRNO(0, ccmem_write_file(ex, "1"));
	/* Lazy accepts of two units, then a replayed page. */
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	ASSERT_ERRNO(0, host_replays(&self->g, TGPA + 5 * SZ_4K));
	ASSERT_ERRNO(0, ccmem_guest_exec(&self->g, 0, p, NR(p), &self->run));
	EXPECT_EXIT(&self->run, CCMEM_EXIT_SECURITY);
	EXPECT_ERRNO(0, ccmem_write_file(ev, "0"));
	EXPECT_ERRNO(0, ccmem_write_file(ex, "0"));
	EXPECT_EQ(2, trace_count("ccmem_guest_accept_lazy:"));
	EXPECT_EQ(1, trace_count("ccmem_guest_security:"));
	EXPECT_LE(2, trace_count("ccmem_vcpu_exit:"));
}

/* A live guest pins ccmem_guest.ko and its platform module. */
TEST(modules_stay_while_a_guest_lives)
{
	struct ccmem_guest g;

	ASSERT_ERRNO(0, tguest_create(&g, CCMEM_ACCEPT_LAZY, MEM));
	ASSERT_ERRNO(0, ccmem_guest_add_vcpu(&g, 0));
	EXPECT_ERRNO(-EWOULDBLOCK, ccmem_module_unload("ccmem_guest"));
	EXPECT_ERRNO(-EWOULDBLOCK, ccmem_module_unload("ccmem_snp"));
	ccmem_guest_destroy(&g);

	ASSERT_ERRNO(0, ccmem_module_unload("ccmem_guest"));
	EXPECT_ERRNO(-ENODEV, tguest_create(&g, CCMEM_ACCEPT_LAZY, MEM));
	ccmem_guest_destroy(&g);
	ASSERT_ERRNO(0, ccmem_module_load("ccmem_guest"));
	ASSERT_ERRNO(0, tguest_create(&g, CCMEM_ACCEPT_LAZY, MEM));
	ccmem_guest_destroy(&g);
}

TEST_HARNESS_MAIN
