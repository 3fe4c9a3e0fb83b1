/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktap.h - the tiny kernel's test harness: KTAP output, assertions that end
 * the current test (they jump back to the runner, as tests/unit/unit.h
 * does), and the helpers the test files share.
 *
 *	static void test_example(void)
 *	{
 *		T_OK(ga_accept(&tiny_v, gpa, size, false));
 *		T_EQ(1, DELTA(s0, eager_accepts));
 *	}
 *
 * A core call that returns -GA_EFATAL has terminated the guest (the
 * security event is real): T_OK and T_ERR end the run through
 * tiny_die_event().
 */
#ifndef CCMEM_TINY_KTAP_H
#define CCMEM_TINY_KTAP_H

#include "tiny.h"

struct tiny_test {
	const char *name;
	const char *group;
	void (*fn)(void);
};

void __noreturn ktap_fail(const char *file, int line, const char *fmt, ...)
	__printf(3, 4);
void __noreturn ktap_skip(const char *fmt, ...) __printf(1, 2);
void __noreturn ktap_core_error(const char *file, int line,
				const char *expr, int ret);
void ktap_check_error(const char *file, int line, const char *expr, int want,
		      int ret);

#define T_FAIL(fmt, ...)						\
	ktap_fail(__FILE__, __LINE__, fmt, ##__VA_ARGS__)

#define T_ASSERT(cond, fmt, ...)					\
	do {								\
		if (!(cond))						\
			T_FAIL("%s: " fmt, #cond, ##__VA_ARGS__);	\
	} while (0)

#define T_EQ(expected, actual)						\
	do {								\
		u64 __e = (u64)(expected), __a = (u64)(actual);		\
		if (__e != __a)						\
			T_FAIL("%s == %s: expected 0x%llx (%llu), got 0x%llx (%llu)", \
			       #expected, #actual, __e, __e, __a, __a);	\
	} while (0)

/* A core call that must succeed. */
#define T_OK(expr)							\
	do {								\
		int __r = (expr);					\
		if (__r)						\
			ktap_core_error(__FILE__, __LINE__, #expr, __r); \
	} while (0)

/* A core call that must fail with @err (a negative GA_E* code). */
#define T_ERR(err, expr)						\
	ktap_check_error(__FILE__, __LINE__, #expr, (err), (expr))

#define T_SKIP(fmt, ...)	ktap_skip(fmt, ##__VA_ARGS__)

/* Change of a ga_stats counter since the snapshot @s0. */
#define DELTA(s0, field)						\
	tt_stat_delta(&(s0), offsetof(struct ga_stats, field))

/* ---- helpers (test_core.c) ------------------------------------------------ */

u64 tt_stat_delta(const struct ga_stats *s0, size_t off);
u64 tt_unit_of(u64 gpa);
u64 tt_unit_gpa(u64 unit);
bool tt_unaccepted(u64 gpa);
bool tt_find_unaccepted(u64 *gpa, u32 nr);
u64 tt_pattern(u64 seed, u64 i);
void tt_fill(u64 gpa, u64 size, u64 seed, bool shared);
bool tt_check(u64 gpa, u64 size, u64 seed, bool shared);
bool tt_all_zero(u64 gpa, u64 size, bool shared);
bool tt_any_pattern(u64 gpa, u64 size, u64 seed, bool shared);
int tt_alloc_aligned_2m(u64 *base, u64 *gpa);

/* ---- the tests ------------------------------------------------------------------ */

void test_boot_policy(void);
void test_memmap_sane(void);
void test_bitmap_query_consistent(void);
void test_alloc_free_roundtrip(void);
void test_alloc_accepts_lazily(void);
void test_accept_2m_unit(void);
void test_accept_4k_range(void);
void test_lazy_accept_on_touch(void);
void test_lazy_accept_counts(void);
void test_access_crosses_units(void);
void test_accept_idempotent_in_bitmap(void);
void test_fallback_2m_to_4k(void);
void test_force_4k_ladder(void);
void test_convert_private_to_shared_contents(void);
void test_convert_shared_to_private_roundtrip(void);
void test_convert_2m(void);
void test_convert_many_small(void);
void test_convert_range_crossing_units(void);
void test_convert_bookkeeping_rejects(void);
void test_alloc_exhaust_then_free(void);

void test_psc_msr_protocol(void);
void test_psc_nae_multi_entry(void);
void test_psc_nae_2m_entries(void);
void test_rmpadjust_vmpl_perms(void);
void test_pvalidate_rescind_then_validate(void);

void test_vp_info_sane(void);
void test_mapgpa_basic(void);
void test_mapgpa_large(void);
void test_tdvmcall_unknown_subfn(void);
void test_accept_already_accepted_detected(void);

void test_virtio_blk(void);

#endif /* CCMEM_TINY_KTAP_H */
