// SPDX-License-Identifier: GPL-2.0
/*
 * ktap.c - the KTAP suite of the tiny kernel: the test list (the same names
 * on every platform; a test that cannot run on this one says "# SKIP" and
 * why), the selection by ccmem.tests=, and the output:
 *
 *	KTAP version 1
 *	1..N
 *	ok 1 boot_policy
 *	not ok 2 memmap_sane
 *	ok 3 psc_msr_protocol # SKIP SNP only
 *	# Totals: pass:1 fail:1 xfail:0 xpass:0 skip:1 error:0
 *
 * Groups: boot, accept, convert, snp, tdx, virtio, alloc. The virtio group
 * runs only where the command line says there is a device
 * (ccmem.virtio=mmio): elsewhere it is not in the plan at all.
 */
#include "ktap.h"

static const struct tiny_test tiny_tests[] = {
	{ "boot_policy", "boot", test_boot_policy },
	{ "memmap_sane", "boot", test_memmap_sane },
	{ "bitmap_query_consistent", "boot", test_bitmap_query_consistent },
	{ "alloc_free_roundtrip", "boot", test_alloc_free_roundtrip },
	{ "alloc_accepts_lazily", "boot", test_alloc_accepts_lazily },
	{ "accept_2m_unit", "accept", test_accept_2m_unit },
	{ "accept_4k_range", "accept", test_accept_4k_range },
	{ "lazy_accept_on_touch", "accept", test_lazy_accept_on_touch },
	{ "lazy_accept_counts", "accept", test_lazy_accept_counts },
	{ "access_crosses_units", "accept", test_access_crosses_units },
	{ "accept_idempotent_in_bitmap", "accept",
	  test_accept_idempotent_in_bitmap },
	{ "fallback_2m_to_4k", "accept", test_fallback_2m_to_4k },
	{ "force_4k_ladder", "accept", test_force_4k_ladder },
	{ "convert_private_to_shared_contents", "convert",
	  test_convert_private_to_shared_contents },
	{ "convert_shared_to_private_roundtrip", "convert",
	  test_convert_shared_to_private_roundtrip },
	{ "convert_2m", "convert", test_convert_2m },
	{ "convert_many_small", "convert", test_convert_many_small },
	{ "convert_range_crossing_units", "convert",
	  test_convert_range_crossing_units },
	{ "convert_bookkeeping_rejects", "convert",
	  test_convert_bookkeeping_rejects },
	{ "psc_msr_protocol", "snp", test_psc_msr_protocol },
	{ "psc_nae_multi_entry", "snp", test_psc_nae_multi_entry },
	{ "psc_nae_2m_entries", "snp", test_psc_nae_2m_entries },
	{ "rmpadjust_vmpl_perms", "snp", test_rmpadjust_vmpl_perms },
	{ "pvalidate_rescind_then_validate", "snp",
	  test_pvalidate_rescind_then_validate },
	{ "vp_info_sane", "tdx", test_vp_info_sane },
	{ "mapgpa_basic", "tdx", test_mapgpa_basic },
	{ "mapgpa_large_retry", "tdx", test_mapgpa_large },
	{ "tdvmcall_unknown_subfn", "tdx", test_tdvmcall_unknown_subfn },
	{ "accept_already_accepted_detected", "tdx",
	  test_accept_already_accepted_detected },
	{ "virtio_blk", "virtio", test_virtio_blk },
	/* Last: under lazy acceptance it accepts all that is left. */
	{ "alloc_exhaust_then_free", "alloc", test_alloc_exhaust_then_free },
};

static const struct tiny_test *ktap_cur;
static struct tiny_jmp ktap_jmp;
static u32 ktap_nr;
static bool ktap_failed, ktap_skipped;
static char ktap_skip_reason[160];
static u32 ktap_pass, ktap_fail_count, ktap_skip_count;

/* Back to the runner; only a running test may end this way. */
static void __noreturn ktap_end_test(void)
{
	if (!ktap_cur)
		tiny_die("a test assertion outside a test");
	tiny_longjmp(&ktap_jmp);
}

void ktap_fail(const char *file, int line, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	tiny_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tiny_printf("# %s: %s:%d: %s\n", ktap_cur ? ktap_cur->name : "?",
		    file, line, msg);
	ktap_failed = true;
	ktap_end_test();
}

void ktap_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tiny_vsnprintf(ktap_skip_reason, sizeof(ktap_skip_reason), fmt, ap);
	va_end(ap);
	ktap_skipped = true;
	ktap_end_test();
}

void ktap_core_error(const char *file, int line, const char *expr, int ret)
{
	if (ret == -GA_EFATAL) {
		tiny_printf("# %s: %s:%d: %s: -GA_EFATAL\n",
			    ktap_cur ? ktap_cur->name : "?", file, line, expr);
		tiny_die_event(&tiny_v, ktap_cur ? ktap_cur->name : expr);
	}
	ktap_fail(file, line, "%s: %s", expr, tiny_err_name(ret));
}

void ktap_check_error(const char *file, int line, const char *expr, int want,
		      int ret)
{
	if (ret == want)
		return;
	if (ret == -GA_EFATAL)
		ktap_core_error(file, line, expr, ret);
	ktap_fail(file, line, "%s: expected %s, got %s", expr,
		  tiny_err_name(want), tiny_err_name(ret));
}

/* Is @name one of the comma-separated words of @list? */
static bool ktap_in_list(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list;

	while (*p) {
		if (!strncmp(p, name, n) && (p[n] == ',' || !p[n]))
			return true;
		while (*p && *p != ',')
			p++;
		if (*p == ',')
			p++;
	}
	return false;
}

static bool ktap_selected(const struct tiny_test *t)
{
	const char *list = tiny.opt.tests;

	if (!strcmp(t->group, "virtio") && !tiny.opt.virtio)
		return false;
	return !list[0] || ktap_in_list(list, "all") ||
	       ktap_in_list(list, t->name) || ktap_in_list(list, t->group);
}

static void ktap_totals(void)
{
	tiny_printf("# Totals: pass:%u fail:%u xfail:0 xpass:0 skip:%u error:0\n",
		    ktap_pass, ktap_fail_count, ktap_skip_count);
}

/* Run one test; an assertion or a skip comes back here by tiny_longjmp(). */
static void ktap_run_one(const struct tiny_test *t)
{
	ktap_failed = false;
	ktap_skipped = false;
	if (!tiny_setjmp(&ktap_jmp))
		t->fn();
}

int tiny_run_suite(void)
{
	u32 i, n = 0;

	for (i = 0; i < ARRAY_SIZE(tiny_tests); i++)
		n += ktap_selected(&tiny_tests[i]);
	tiny_printf("KTAP version 1\n1..%u\n", n);
	for (i = 0; i < ARRAY_SIZE(tiny_tests); i++) {
		if (!ktap_selected(&tiny_tests[i]))
			continue;
		ktap_cur = &tiny_tests[i];
		ktap_nr++;
		ktap_run_one(ktap_cur);
		if (ktap_failed) {
			ktap_fail_count++;
			tiny_printf("not ok %u %s\n", ktap_nr, ktap_cur->name);
		} else if (ktap_skipped) {
			ktap_skip_count++;
			tiny_printf("ok %u %s # SKIP %s\n", ktap_nr,
				    ktap_cur->name, ktap_skip_reason);
		} else {
			ktap_pass++;
			tiny_printf("ok %u %s\n", ktap_nr, ktap_cur->name);
		}
		ktap_cur = NULL;
	}
	ktap_totals();
	return ktap_fail_count ? 1 : 0;
}

/* The guest terminates in the middle of a test: close the KTAP output. */
void tiny_ktap_abort(const char *reason)
{
	if (!ktap_cur)
		return;
	ktap_fail_count++;
	tiny_printf("not ok %u %s # terminated\n", ktap_nr, ktap_cur->name);
	ktap_cur = NULL;
	tiny_printf("Bail out! %s\n", reason);
	ktap_totals();
}
