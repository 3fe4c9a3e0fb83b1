/* SPDX-License-Identifier: GPL-2.0 */
/*
 * unit.h - a tiny TAP-style harness for the userspace unit tests.
 *
 *	UNIT_TEST(rmpupdate_clears_validated)
 *	{
 *		ASSERT_EQ(0, do_something());
 *	}
 *
 *	int main(void)
 *	{
 *		return unit_main();
 *	}
 *
 * Tests register themselves (a constructor per test) and run in file order
 * from unit_main(). Output: a "1..N" plan, then "ok N - name" or
 * "not ok N - name" per test, with "#" lines saying what was expected and
 * what came, and the summary "# unit: N passed, M failed". The exit status
 * is 1 when any test failed.
 *
 * An ASSERT_* that fails ends the current test (it jumps back to the
 * runner, as a kselftest ASSERT_* returns from the test).
 */
#ifndef CCMEM_TESTS_UNIT_H
#define CCMEM_TESTS_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#define UNIT_MAX_TESTS	512

struct unit_test {
	const char *name;
	void (*fn)(void);
};

static struct unit_test unit_tests[UNIT_MAX_TESTS];
static int unit_nr_tests;
static bool unit_failed;
static jmp_buf unit_bail;

static inline void unit_register(const char *name, void (*fn)(void))
{
	if (unit_nr_tests == UNIT_MAX_TESTS) {
		fprintf(stderr, "unit: more than %d tests\n", UNIT_MAX_TESTS);
		exit(1);
	}
	unit_tests[unit_nr_tests].name = name;
	unit_tests[unit_nr_tests].fn = fn;
	unit_nr_tests++;
}

#define UNIT_TEST(name)							\
	static void unit_test_##name(void);				\
	static void __attribute__((constructor)) unit_reg_##name(void)	\
	{								\
		unit_register(#name, unit_test_##name);			\
	}								\
	static void unit_test_##name(void)

/* Mark the current test failed, say why, and end it. */
static inline void unit_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("#   %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	unit_failed = true;
	longjmp(unit_bail, 1);
}

#define UNIT_FAIL(fmt, ...)						\
	unit_fail(__FILE__, __LINE__, fmt, ##__VA_ARGS__)

#define ASSERT_EQ(expected, actual)					\
	do {								\
		unsigned long long __e = (unsigned long long)(expected);	\
		unsigned long long __a = (unsigned long long)(actual);	\
		if (__e != __a)						\
			UNIT_FAIL("%s == %s: expected %lld (0x%llx), got %lld (0x%llx)", \
				  #expected, #actual, (long long)__e, __e,	\
				  (long long)__a, __a);			\
	} while (0)

#define ASSERT_TRUE(cond)						\
	do {								\
		if (!(cond))						\
			UNIT_FAIL("expected %s", #cond);		\
	} while (0)

/* Run one test; returns true when it failed. */
static inline bool unit_run_one(const struct unit_test *t)
{
	unit_failed = false;
	if (!setjmp(unit_bail))
		t->fn();
	return unit_failed;
}

static inline int unit_main(void)
{
	int i, failed = 0;
	bool bad;

	/* Line-buffered: a sanitizer's exit must not drop what was said. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("1..%d\n", unit_nr_tests);
	for (i = 0; i < unit_nr_tests; i++) {
		bad = unit_run_one(&unit_tests[i]);
		failed += bad;
		printf("%sok %d - %s\n", bad ? "not " : "", i + 1,
		       unit_tests[i].name);
	}
	printf("# unit: %d passed, %d failed\n", unit_nr_tests - failed,
	       failed);
	return failed ? 1 : 0;
}

#endif /* CCMEM_TESTS_UNIT_H */
