// SPDX-License-Identifier: GPL-2.0
/*
 * attack.c - the attack cases (ccmem.attack=NAME), run instead of the
 * suite. Each must end in termination: by the host (it ends the guest) or
 * by the guest (the core detects the attack and terminates through the
 * platform). A case that comes back has failed: "not ok". A case that
 * cannot happen on this platform is skipped.
 */
#include "ktap.h"

struct tiny_attack {
	const char *name;
	const char *what;
	/* Why the case cannot run here, or NULL (none: it runs everywhere). */
	const char *(*skip)(void);
	void (*run)(void);
};

static const char *tiny_skip_null(void)
{
	return tiny.plat == TINY_NULL ?
	       "the null platform has no host to end the guest" : NULL;
}

/*
 * A page converted to shared, then read through the private mapping: the
 * host sees a private access to a shared page and ends the guest (or, if
 * it raises the not-accepted exception instead, the guest finds the page
 * in its shared record and terminates with SHARED_ACCESS).
 */
static void tiny_attack_private_access_to_shared(void)
{
	u64 p, v;
	int ret;

	ret = ga_alloc(&tiny_v, 1, &p);
	if (!ret)
		ret = ga_convert(&tiny_v, p, CCMEM_PAGE_SIZE, true);
	if (ret == -GA_EFATAL)
		tiny_die_event(&tiny_v, "setting up the attack");
	if (ret)
		tiny_die("setting up the attack: %s", tiny_err_name(ret));
	tiny_printf("# page 0x%llx is shared now: reading it through the private map\n",
		    p);
	v = READ_ONCE(*(u64 *)tiny_priv(p));
	tiny_printf("# the private read returned 0x%llx\n", v);
}

/*
 * The host has staged a double validation or a re-accept (SNP: a page
 * validated or swapped behind the guest's back; TDX: a page removed and
 * added again, PENDING under an accepted unit). The guest only does what
 * it always does: accept all its memory and use it, and convert a page
 * there and back. The core must find the host's change (PVALIDATE "no
 * change", PAGE_ALREADY_ACCEPTED, or the not-accepted exception on an
 * accepted page) and terminate.
 */
static void tiny_attack_double_accept(void)
{
	u64 gpa, p;
	int ret;

	if (tiny.plat == TINY_NULL) {
		/*
		 * No host here: stage it as the null platform sees it. The
		 * unit leaves the private map after the core accepted it,
		 * as a TDX page the host removed and added again is PENDING
		 * under an accepted unit.
		 */
		if (!tt_find_unaccepted(&gpa, 1))
			tiny_die("no unaccepted unit to stage the attack on");
		ret = ga_accept(&tiny_v, gpa, TINY_2M, false);
		if (ret)
			tiny_die("staging: %s", tiny_err_name(ret));
		tiny_null_map_unit(gpa, false);
		tiny_printf("# null platform: accepted unit 0x%llx taken away behind the core\n",
			    gpa);
	}
	tiny_printf("# accepting all memory [0x%llx-0x%llx) and touching every page\n",
		    tiny_g.mem_start, tiny_g.mem_end);
	ret = ga_accept(&tiny_v, tiny_g.mem_start,
			tiny_g.mem_end - tiny_g.mem_start, true);
	if (ret == -GA_EFATAL)
		tiny_die_event(&tiny_v, "accepting all memory");
	if (ret)
		tiny_die("accepting all memory: %s", tiny_err_name(ret));
	for (gpa = tiny_g.mem_start; gpa < tiny_g.mem_end;
	     gpa += CCMEM_PAGE_SIZE) {
		if (tiny_launch_unit((gpa - tiny_g.mem_start) >> TINY_UNIT_SHIFT))
			continue;
		(void)READ_ONCE(*(u64 *)tiny_priv(gpa));
	}
	tiny_printf("# converting a page to shared and back\n");
	ret = ga_alloc(&tiny_v, 1, &p);
	if (!ret)
		ret = ga_convert(&tiny_v, p, CCMEM_PAGE_SIZE, true);
	if (!ret)
		ret = ga_convert(&tiny_v, p, CCMEM_PAGE_SIZE, false);
	if (ret == -GA_EFATAL)
		tiny_die_event(&tiny_v, "the conversion");
	if (ret)
		tiny_die("the conversion: %s", tiny_err_name(ret));
}

static const char *tiny_skip_no_ve(void)
{
	if (tiny.plat != TINY_TDX)
		return "TDX only";
	if (!tiny.ve_disabled)
		return "SEPT_VE_DISABLE is clear: the touch is a lazy accept (#VE), not an attack";
	return NULL;
}

/*
 * TDX with SEPT_VE_DISABLE: a touch of unaccepted memory raises no #VE;
 * the access exits to the host, which must end the guest.
 */
static void tiny_attack_access_unaccepted_no_ve(void)
{
	u64 gpa, v;

	if (!tt_find_unaccepted(&gpa, 1))
		tiny_die("no unaccepted memory to touch");
	tiny_printf("# touching unaccepted 0x%llx directly (no #VE: the host must end the guest)\n",
		    gpa);
	v = READ_ONCE(*(u64 *)tiny_priv(gpa));
	tiny_printf("# the read returned 0x%llx\n", v);
}

static const struct tiny_attack tiny_attacks[] = {
	{ "private_access_to_shared",
	  "read a page converted to shared through the private mapping",
	  tiny_skip_null, tiny_attack_private_access_to_shared },
	{ "double_accept",
	  "accept and use memory over a host-staged double validation or re-accept",
	  NULL, tiny_attack_double_accept },
	{ "access_unaccepted_no_ve",
	  "touch unaccepted memory on a TD with SEPT_VE_DISABLE",
	  tiny_skip_no_ve, tiny_attack_access_unaccepted_no_ve },
};

void tiny_run_attack(const char *name)
{
	const struct tiny_attack *a = NULL;
	const char *why;
	u32 i;

	for (i = 0; i < ARRAY_SIZE(tiny_attacks); i++) {
		if (!strcmp(tiny_attacks[i].name, name))
			a = &tiny_attacks[i];
	}
	if (!a) {
		tiny_printf("ccmem-tiny: unknown attack '%s'; known:", name);
		for (i = 0; i < ARRAY_SIZE(tiny_attacks); i++)
			tiny_printf(" %s", tiny_attacks[i].name);
		tiny_printf("\n");
		tiny_exit(1);
	}
	tiny_printf("KTAP version 1\n1..1\n# attack %s: %s\n", a->name,
		    a->what);
	why = a->skip ? a->skip() : NULL;
	if (why) {
		tiny_printf("ok 1 %s # SKIP %s\n", a->name, why);
		tiny_printf("# Totals: pass:0 fail:0 xfail:0 xpass:0 skip:1 error:0\n");
		tiny_exit(0);
	}
	a->run();
	/* Neither the host nor the core ended the guest. */
	tiny_printf("not ok 1 %s # the guest survived the attack\n", a->name);
	tiny_printf("# Totals: pass:0 fail:1 xfail:0 xpass:0 skip:0 error:0\n");
	tiny_print_stats("attack");
	tiny_exit(1);
}
