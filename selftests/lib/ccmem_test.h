/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ccmem_test.h - what the ccmem selftests share on top of libccmem, so
 * that each test reads like a story: the standard VM and guest, a few
 * test-only helpers, and assertions that name what they compare (exits,
 * errnos, reasons), not raw numbers.
 *
 * Include it after kselftest_harness.h.
 */
#ifndef CCMEM_TEST_H
#define CCMEM_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libccmem.h"

#define SZ_4K		CCMEM_SZ_4K
#define SZ_2M		CCMEM_SZ_2M
#define SZ_1G		CCMEM_SZ_1G

/* The standard VM of most tests: one 32 MiB region at 1 GiB, shared. */
#define TGPA		0x40000000ULL
#define TSIZE		(32ULL << 20)

/* Emulated guests: RAM at TGPA, the GHCB pages in the comm region. */
#define TGHCB		CCMEM_GUEST_COMM_GPA
#define TGHCB_SIZE	CCMEM_GUEST_COMM_SIZE

/* The access kind of ccmem_emu_read() and ccmem_emu_write(). */
#define ACC_PRIVATE	0
#define ACC_SHARED	CCMEM_ACCESS_F_SHARED

/* A VM under test: its fd and one region with its shared backing. */
struct tvm {
	int dev;
	int fd;
	uint32_t key_id;
	uint32_t backend;
	uint64_t gpa;
	uint64_t size;
	uint8_t *shared;	/* shared backing of the first region */
};

int tvm_create(struct tvm *t, uint32_t qlen);
int tvm_add_region(struct tvm *t, uint64_t gpa, uint64_t size, uint32_t flags);
int tvm_setup_std(struct tvm *t);
void tvm_destroy(struct tvm *t);
int tvm_drain_free_list(struct tvm *d, uint64_t *pages);
uint64_t tvm_drain_gpa(uint64_t i);
int tvm_private_page_zero(int fd, uint64_t gpa);
int tvm_next_vm_reads_zeros(uint64_t pages, uint64_t *bad);
int tguest_create(struct ccmem_guest *g, uint32_t policy, uint64_t mem_size);

void tsec_term_reason(uint32_t sec, uint32_t *set, uint64_t *code);
bool buf_is(const void *buf, uint8_t byte, size_t len);
long long ccmem_global_stat(const char *name);
int ccmem_module_unload(const char *name);
int ccmem_module_load(const char *name);
long long ccmem_param_get(const char *path);
int ccmem_param_set(const char *path, long long v);

/* One step of a guest program. */
#define GI(op_, gpa_, size_, arg_) \
	((struct ccmem_guest_insn){ .op = (op_), .gpa = (gpa_), \
				    .size = (size_), .arg = (arg_) })
#define NR(a)	(sizeof(a) / sizeof((a)[0]))

/* --- assertions with names ----------------------------------------------- */

#ifdef __KSELFTEST_HARNESS_H
#include <stdarg.h>

/* Log a failed expectation as the harness does, and fail the test. */
static inline int __printf(4, 5)
__ccmem_failed(struct __test_metadata *_metadata, const char *file, int line,
	       const char *fmt, ...)
{
	va_list ap;

	fprintf(TH_LOG_STREAM, "# %s:%d:%s:", file, line, _metadata->name);
	va_start(ap, fmt);
	vfprintf(TH_LOG_STREAM, fmt, ap);
	va_end(ap);
	fprintf(TH_LOG_STREAM, "\n");
	_metadata->exit_code = KSFT_FAIL;
	return 1;
}

static inline int __ccmem_check_errno(struct __test_metadata *_metadata,
				      const char *file, int line, int want,
				      int got, const char *call)
{
	char w[32], g[32];

	if (want == got)
		return 0;
	return __ccmem_failed(_metadata, file, line,
			      "Expected %s from %s, got %s",
			      ccmem_ret_str(want, w, sizeof(w)), call,
			      ccmem_ret_str(got, g, sizeof(g)));
}

static inline int __ccmem_check_exit(struct __test_metadata *_metadata,
				     const char *file, int line,
				     const struct ccmem_run *run, uint32_t want)
{
	char d[192];

	if (run->exit_reason == want)
		return 0;
	return __ccmem_failed(_metadata, file, line,
			      "Expected exit %s, got %s", ccmem_exit_name(want),
			      ccmem_run_describe(run, d, sizeof(d)));
}

static inline int __ccmem_check_named(struct __test_metadata *_metadata,
				      const char *file, int line,
				      const char *what, uint32_t want,
				      uint64_t got,
				      const char *(*name)(uint32_t))
{
	if (want == got)
		return 0;
	return __ccmem_failed(_metadata, file, line,
			      "Expected %s = %s (%u), got %s (%llu)", what,
			      name(want), want, got > UINT32_MAX ? "?" :
			      name(got), (unsigned long long)got);
}

/*
 * Each assertion is one statement, as the harness's are: a failure is
 * logged, then ASSERT_* ends the test and EXPECT_* goes on. An optional
 * block after it runs on failure, e.g. to TH_LOG() more.
 */
#define __CCMEM_CHECK(_check, _assert)					\
	for (_metadata->trigger = (_check); _metadata->trigger;	\
	     _metadata->trigger = __bail(_assert, _metadata))

/* @call returns 0 (or a count, an fd) or -errno; @want is one of those. */
#define ASSERT_ERRNO(want, call)					\
	__CCMEM_CHECK(__ccmem_check_errno(_metadata, __FILE__, __LINE__, \
					  want, call, #call), 1)
#define EXPECT_ERRNO(want, call)					\
	__CCMEM_CHECK(__ccmem_check_errno(_metadata, __FILE__, __LINE__, \
					  want, call, #call), 0)

/* The exit of a struct ccmem_run, by name and with what it carries. */
#define ASSERT_EXIT(run, want)						\
	__CCMEM_CHECK(__ccmem_check_exit(_metadata, __FILE__, __LINE__,	\
					 run, want), 1)
#define EXPECT_EXIT(run, want)						\
	__CCMEM_CHECK(__ccmem_check_exit(_metadata, __FILE__, __LINE__,	\
					 run, want), 0)

/* Values with names: security events, fault reasons, results, states. */
#define __CCMEM_NAMED(name, want, got, _assert)				\
	__CCMEM_CHECK(__ccmem_check_named(_metadata, __FILE__, __LINE__, \
					  #got, want, got, name), _assert)
#define EXPECT_SEC(want, got)	__CCMEM_NAMED(ccmem_sec_name, want, got, 0)
#define EXPECT_REASON(want, got) \
	__CCMEM_NAMED(ccmem_fault_reason_name, want, got, 0)
#define ASSERT_RESULT(want, got) \
	__CCMEM_NAMED(ccmem_emu_result_name, want, got, 1)
#define EXPECT_RESULT(want, got) \
	__CCMEM_NAMED(ccmem_emu_result_name, want, got, 0)
#define EXPECT_STATE(want, got)	__CCMEM_NAMED(ccmem_vm_state_name, want, got, 0)

/* Counter @_name ("group.counter") of the VM @_fd now; asserts it exists. */
#define STAT(_fd, _name) ({						\
	uint64_t __val = 0;						\
	ASSERT_ERRNO(0, ccmem_vm_stat(_fd, _name, &__val));		\
	__val;								\
})

/* The guest terminated itself after security event @_sec (CCMEM_SEC_*). */
#define EXPECT_GUEST_TERMINATED(_run, _sec) do {			\
	const struct ccmem_run *__trun = (_run);			\
	uint64_t __code;						\
	uint32_t __set;							\
									\
	tsec_term_reason(_sec, &__set, &__code);			\
	EXPECT_EXIT(__trun, CCMEM_EXIT_TERMINATED);			\
	EXPECT_EQ(CCMEM_TERM_F_GUEST, __trun->terminated.flags);	\
	EXPECT_EQ(__set, __trun->terminated.reason_set);		\
	EXPECT_EQ(__code, __trun->terminated.reason_code);		\
} while (0)

/* Every name of @names (@nr of them) is a counter of the table @st. */
static inline void expect_counters(struct __test_metadata *_metadata,
				   const struct ccmem_stats_table *st,
				   const char *const *names, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		EXPECT_LE(0, ccmem_stats_find(st, names[i]))
			TH_LOG("no counter %s", names[i] ?: "?");
}

#endif /* __KSELFTEST_HARNESS_H */

#endif /* CCMEM_TEST_H */
