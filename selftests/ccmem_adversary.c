// SPDX-License-Identifier: GPL-2.0
/*
 * ccmem_adversary - the adversary matrix: every malicious-host control of
 * the emu backend against an emulated guest, on SNP, on TDX, and on TDX
 * with SEPT_VE_DISABLE (what Linux guests run with).
 *
 * Each cell runs a fresh guest through a short program with one control
 * armed and must end in one of two ways:
 *
 *   detected   the guest reports a security event and terminates, or its
 *              access can never complete and the VMM gets the fault (the
 *              guest is stopped: nothing is accepted behind its back);
 *   recovered  a transient error was retried and the program finished
 *              with the right data.
 *
 * A replayed or substituted page is never accepted silently: a cell that
 * ends any other way fails. The matrix is printed as the test runs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ccmem_test.h"

#define MEM		(32ULL << 20)
#define PG(n)		(TGPA + (uint64_t)(n) * SZ_4K)

enum plat { P_SNP, P_TDX, P_TDX_NOVE, P_NR };

static const char *const plat_name[P_NR] = { "SNP", "TDX", "TDX no-#VE" };

enum outcome {
	O_DETECTED,	/* security event, then termination */
	O_FAULT,	/* stopped at a fault the VMM must resolve */
	O_RECOVERED,	/* retried, finished, data right */
	O_MISSED,	/* anything else: the attack went through */
};

static const char *const outcome_name[] = {
	"detected", "detected (fault)", "recovered", "MISSED",
};

struct cell {
	struct ccmem_guest g;
	struct ccmem_run run;
	enum plat p;
	int64_t refuse;		/* the VMM's answer to conversions */
	uint32_t sec;		/* the security reason, for O_DETECTED */
};

static int cell_start(struct cell *c, enum plat p, uint32_t policy)
{
	struct ccmem_emu_guest_config cfg = ccmem_guest_config(policy, TGPA,
							       MEM);

	c->p = p;
	c->sec = 0;
	if (p == P_SNP)
		return ccmem_guest_create_vm(&c->g, CCMEM_VM_SNP, 0, &cfg);
	return ccmem_guest_create_vm(&c->g, CCMEM_VM_TDX,
				     p == P_TDX_NOVE ?
				     CCMEM_TDX_ATTR_NO_PENDING_VE : 0, &cfg);
}

/* Run @prog on vCPU 0 and say how it ended. */
static enum outcome cell_run(struct cell *c, const struct ccmem_guest_insn *prog,
			     uint32_t nr)
{
	if (ccmem_guest_exec(&c->g, 0, prog, nr, &c->run))
		return O_MISSED;
	switch (c->run.exit_reason) {
	case CCMEM_EXIT_EMU_DONE:
		return O_RECOVERED;
	case CCMEM_EXIT_MEMORY_FAULT:
		return O_FAULT;
	case CCMEM_EXIT_SECURITY:
		c->sec = c->run.security.reason;
		/* The guest's own termination request must follow. */
		if (ccmem_guest_run(&c->g, 0, &c->run) ||
		    c->run.exit_reason != CCMEM_EXIT_TERMINATED ||
		    !(c->run.terminated.flags & CCMEM_TERM_F_GUEST))
			return O_MISSED;
		return O_DETECTED;
	}
	return O_MISSED;
}

/* Eager boot, then a pattern in page 5 and page 9. */
static const struct ccmem_guest_insn boot_and_write[] = {
	GI(CCMEM_GOP_BOOT, 0, 0, 0),
	GI(CCMEM_GOP_WRITE, PG(5), SZ_4K, 0x5a),
	GI(CCMEM_GOP_WRITE, PG(9), SZ_4K, 0x5a),
};

/* Replay: a page accepted behind the guest's back, before it does. */
static enum outcome c_replay(struct cell *c)
{
	struct ccmem_guest_insn p[] = { GI(CCMEM_GOP_ACCEPT, TGPA, SZ_2M, 0) };
	struct ccmem_emu_insn in;
	int ret;

	if (cell_start(c, c->p, CCMEM_ACCEPT_LAZY))
		return O_MISSED;
	if (c->p == P_SNP)
		ret = ccmem_emu_pvalidate(c->g.vm, PG(7), false, true, &in);
	else
		ret = ccmem_emu_tdx_accept(c->g.vm, PG(7), false, &in);
	if (ret)
		return O_MISSED;
	return cell_run(c, p, NR(p));
}

/* The host takes an accepted page away and gives a fresh one back. */
static int swap_page(struct cell *c, uint64_t gpa)
{
	return ccmem_vm_set_attr(c->g.vm, gpa, SZ_4K, false) ?:
	       ccmem_vm_set_attr(c->g.vm, gpa, SZ_4K, true);
}

/* Remap: the guest reads the swapped page. */
static enum outcome c_remap(struct cell *c)
{
	struct ccmem_guest_insn p[] = { GI(CCMEM_GOP_READ, PG(5), 64, 0) };

	if (cell_start(c, c->p, CCMEM_ACCEPT_EAGER) ||
	    ccmem_guest_exec(&c->g, 0, boot_and_write, NR(boot_and_write),
			     &c->run) ||
	    c->run.exit_reason != CCMEM_EXIT_EMU_DONE || swap_page(c, PG(5)))
		return O_MISSED;
	return cell_run(c, p, NR(p));
}

/*
 * Re-accept: the page is removed and added again (TDX: BLOCK, TRACK,
 * REMOVE, AUG; SNP: RMPUPDATE away and back), then the guest asks for its
 * unit to be accepted and converts the page, which accepts again on the
 * way back. A second accept would zero its data silently.
 */
static enum outcome c_reaccept(struct cell *c)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_ACCEPT, TGPA, SZ_2M, 0),
		GI(CCMEM_GOP_CONVERT, PG(9), SZ_4K, CCMEM_GOP_TO_SHARED),
		GI(CCMEM_GOP_CONVERT, PG(9), SZ_4K, CCMEM_GOP_TO_PRIVATE),
		GI(CCMEM_GOP_CHECK, PG(9), SZ_4K, 0),
	};

	if (cell_start(c, c->p, CCMEM_ACCEPT_EAGER) ||
	    ccmem_guest_exec(&c->g, 0, boot_and_write, NR(boot_and_write),
			     &c->run) ||
	    c->run.exit_reason != CCMEM_EXIT_EMU_DONE || swap_page(c, PG(9)))
		return O_MISSED;
	return cell_run(c, p, NR(p));
}

/* Spurious platform errors: transient conflicts, which the host retries. */
static enum outcome c_spurious(struct cell *c)
{
	/* SNP RMPUPDATE FAIL_INUSE; TDX OPERAND_BUSY (status class). */
	uint32_t code = c->p == P_SNP ? 3 : 0x80000200;
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_BOOT, 0, 0, 0),
		GI(CCMEM_GOP_WRITE, PG(3), SZ_4K, 0x11),
		GI(CCMEM_GOP_CHECK, PG(3), SZ_4K, 0x11),
	};

	if (cell_start(c, c->p, CCMEM_ACCEPT_EAGER) ||
	    ccmem_emu_inject(c->g.vm, CCMEM_INJECT_ASSIGN, code, 3))
		return O_MISSED;
	return cell_run(c, p, NR(p));
}

/* A conversion of 16 pages to shared with the controls @ctl armed. */
static enum outcome convert_with(struct cell *c, const uint32_t (*ctl)[3],
				 unsigned int n, bool back_to_private)
{
	struct ccmem_guest_insn p[] = {
		GI(CCMEM_GOP_BOOT, 0, 0, 0),
		GI(CCMEM_GOP_CONVERT, PG(16), 16 * SZ_4K, CCMEM_GOP_TO_SHARED),
		GI(CCMEM_GOP_CONVERT, PG(16), 16 * SZ_4K, CCMEM_GOP_TO_PRIVATE),
		GI(CCMEM_GOP_CHECK, PG(16), 16 * SZ_4K, 0),
	};
	/* Honest until here: the boot, and maybe the way out. */
	unsigned int i, honest = back_to_private ? 2 : 1;

	if (cell_start(c, c->p, CCMEM_ACCEPT_EAGER) ||
	    ccmem_guest_exec(&c->g, 0, p, honest, &c->run) ||
	    c->run.exit_reason != CCMEM_EXIT_EMU_DONE)
		return O_MISSED;
	c->g.refuse = c->refuse;
	for (i = 0; i < n; i++)
		if (ccmem_emu_inject(c->g.vm, ctl[i][0], ctl[i][1], ctl[i][2]))
			return O_MISSED;
	return cell_run(c, p + honest, NR(p) - honest);
}

/* Partial progress: the host serves 4 pages per request. */
static enum outcome c_partial(struct cell *c)
{
	static const uint32_t ctl[][3] = {
		{ CCMEM_INJECT_CONVERT_EARLY, 4, 3 },
	};

	return convert_with(c, ctl, 1, false);
}

/* Backward progress: after a partial answer, progress moves back. */
static enum outcome c_backward(struct cell *c)
{
	static const uint32_t ctl[][3] = {
		{ CCMEM_INJECT_CONVERT_EARLY, 4, 3 },
		{ CCMEM_INJECT_CONVERT_BACKWARD, 1, 1 },
	};

	return convert_with(c, ctl, 2, false);
}

/* Progress reported past the end of the request. */
static enum outcome c_outside(struct cell *c)
{
	static const uint32_t ctl[][3] = {
		{ CCMEM_INJECT_CONVERT_EARLY, 4, 1 },
		{ CCMEM_INJECT_CONVERT_OUTSIDE, 1, 1 },
	};

	return convert_with(c, ctl, 2, false);
}

/* "Done" for work not done: the pages stay shared behind the guest. */
static enum outcome c_lie(struct cell *c)
{
	static const uint32_t ctl[][3] = {
		{ CCMEM_INJECT_CONVERT_LIE, 0, 1 },
	};

	return convert_with(c, ctl, 1, true);
}

/* No progress at all, for ever. */
static enum outcome c_stall(struct cell *c)
{
	static const uint32_t ctl[][3] = {
		{ CCMEM_INJECT_CONVERT_EARLY, 0, 1000 },
	};

	return convert_with(c, ctl, 1, false);
}

/* The host fails the conversion. */
static enum outcome c_refuse(struct cell *c)
{
	c->refuse = -1;
	return convert_with(c, NULL, 0, false);
}

struct row {
	const char *name;
	enum outcome (*fn)(struct cell *c);
	enum outcome want[P_NR];
	uint32_t sec;		/* the security reason where detected */
};

static const struct row rows[] = {
	{ "replay", c_replay,
	  { O_DETECTED, O_DETECTED, O_DETECTED }, CCMEM_SEC_DOUBLE_ACCEPT },
	{ "remap", c_remap,
	  { O_DETECTED, O_DETECTED, O_FAULT }, CCMEM_SEC_SUBSTITUTION },
	{ "re-accept", c_reaccept,
	  { O_DETECTED, O_DETECTED, O_FAULT }, CCMEM_SEC_SUBSTITUTION },
	{ "spurious errors", c_spurious,
	  { O_RECOVERED, O_RECOVERED, O_RECOVERED }, 0 },
	{ "partial progress", c_partial,
	  { O_RECOVERED, O_RECOVERED, O_RECOVERED }, 0 },
	{ "backward progress", c_backward,
	  { O_DETECTED, O_DETECTED, O_DETECTED }, CCMEM_SEC_CONVERT_BACKWARD },
	{ "progress outside range", c_outside,
	  { O_DETECTED, O_DETECTED, O_DETECTED }, CCMEM_SEC_CONVERT_BACKWARD },
	{ "done, work not done", c_lie,
	  { O_FAULT, O_FAULT, O_FAULT }, 0 },
	{ "no progress", c_stall,
	  { O_DETECTED, O_DETECTED, O_DETECTED },
	  CCMEM_SEC_CONVERT_NO_PROGRESS },
	{ "conversion refused", c_refuse,
	  { O_DETECTED, O_DETECTED, O_DETECTED }, CCMEM_SEC_CONVERT_ERROR },
};

FIXTURE(matrix) {
	int unused;
};

FIXTURE_SETUP(matrix) {}
FIXTURE_TEARDOWN(matrix) {}

/* 30 guests: under a debug kernel that takes minutes, not seconds. */
TEST_F_TIMEOUT(matrix, adversary_matrix, 900)
{
	unsigned int r, ok = 0, n = 0;
	enum outcome got;
	struct cell c;
	int p;

	printf("# %-24s %-18s %-18s %-18s\n", "control", plat_name[P_SNP],
	       plat_name[P_TDX], plat_name[P_TDX_NOVE]);
	for (r = 0; r < NR(rows); r++) {
		char line[160];
		int len;

		len = snprintf(line, sizeof(line), "# %-24s", rows[r].name);
		for (p = 0; p < P_NR; p++) {
			ccmem_guest_reset(&c.g);
			c.p = p;
			c.refuse = 0;
			got = rows[r].fn(&c);
			n++;
			EXPECT_EQ(rows[r].want[p], got)
				TH_LOG("%s on %s: %s, wanted %s", rows[r].name,
				       plat_name[p], outcome_name[got],
				       outcome_name[rows[r].want[p]]);
			if (got == O_DETECTED)
				EXPECT_SEC(rows[r].sec, c.sec);
			if (got == rows[r].want[p] && got != O_MISSED &&
			    (got != O_DETECTED || c.sec == rows[r].sec))
				ok++;
			len += snprintf(line + len, sizeof(line) - len,
					" %-18s", outcome_name[got]);
			ccmem_guest_destroy(&c.g);
		}
		printf("%s\n", line);
	}
	printf("# adversary matrix: %u of %u cells detected or recovered as expected\n",
	       ok, n);
	EXPECT_EQ(n, ok);
}

TEST_HARNESS_MAIN
