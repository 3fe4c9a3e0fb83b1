// SPDX-License-Identifier: GPL-2.0
/*
 * bench.c - ccmem-bench: CCMEM_VM_SET_ATTRIBUTES against upstream KVM's
 * way of keeping memory attributes (one xarray entry per 4 KiB GFN, as
 * modelled by ccmem_bench_xa.ko), in the same kernel and the same run,
 * on an SNP VM and on a TDX VM.
 *
 * Figures (see Documentation/benchmarks.rst):
 *   set_{private,shared}_{16g,64g}  one call converting a whole range;
 *   random_4k                       many random single-page conversions.
 *   guest_*                         the guest half (bench_guest.c).
 * Each on SNP (the name alone) and on TDX (the name with "_tdx"); the
 * baseline is platform-neutral and measured once per figure.
 *
 * Every figure prints one machine-readable line
 *   bench: <name> ccmem=<ns> baseline=<ns> ratio=<baseline/ccmem>x ...
 * followed by its verdict when it has a target; a table puts the SNP and
 * TDX figures side by side at the end. The last line is
 *   bench: N passed, M failed
 * With -d it measures the series of the plots (scripts/plots) instead:
 * rows "plot: <series> <values>", each series led by a row
 * "plot: <series> # <column names>"; the last line is "bench: data
 * complete".
 * Exit status: 0 every target met, 1 a target missed, 2 the benchmark
 * could not run (missing device, unexpected error).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "libccmem.h"
#include "bench_xa.h"
#include "bench_guest.h"

#define SZ_4K			CCMEM_SZ_4K
#define SZ_1G			CCMEM_SZ_1G
#define PAGE_SHIFT		12

/* Base GPA of the region of every figure, the same for both sides. */
#define BENCH_GPA		(4 * SZ_1G)
/* Region of the random figure. */
#define RANDOM_SIZE		(4 * SZ_1G)

/* Targets, as baseline/ccmem ratios (higher is better for ccmem). */
#define TARGET_RANGE_64G	1000.0	/* ccmem >= 1000x faster */
#define TARGET_RANDOM		1.0	/* ccmem at least as fast */

#define DEFAULT_ITERS		1000
#define DEFAULT_REPS		1
#define DEFAULT_OPS		10000
#define DEFAULT_SEED		0xcc3e3bec5eedULL

#define DEV_XA			"/dev/ccmem_bench_xa"

struct opts {
	unsigned int iters;	/* ccmem calls per range figure */
	unsigned int reps;	/* baseline to-private/to-shared pairs */
	unsigned int ops;	/* random conversions */
	__u64 seed;
	bool data;		/* -d: the plots' series, no figures */
};

static unsigned int nr_passed, nr_failed;
static int xa_fd = -1;

/* The platforms every ccmem figure runs on; [0] is the unsuffixed one. */
const struct bench_plat bench_plats[BENCH_NR_PLATS] = {
	{ CCMEM_VM_SNP, "SNP", "" },
	{ CCMEM_VM_TDX, "TDX", "_tdx" },
};

/* Every figure's result, for the side-by-side table at the end. */
#define MAX_RESULTS		32
static struct {
	char name[40];
	char value[48];
	char verdict[8];
} results[MAX_RESULTS];
static unsigned int nr_results;

/* Report an error that stops the benchmark; exit status 2. */
#define fatal(fmt, ...)							\
	do {								\
		fflush(stdout);						\
		fprintf(stderr, "ccmem-bench: error: " fmt "\n",	\
			##__VA_ARGS__);					\
		printf("bench: aborted\n");				\
		exit(2);						\
	} while (0)

/**
 * bench_record() - keep a figure's result for the closing table.
 * @name: the figure, "random_4k" or "random_4k_tdx".
 * @value: its ratio as printed, "1.92x".
 * @verdict: "PASS", "FAIL" or "INFO".
 */
void bench_record(const char *name, const char *value, const char *verdict)
{
	if (nr_results == MAX_RESULTS)
		return;
	snprintf(results[nr_results].name, sizeof(results[0].name), "%s", name);
	snprintf(results[nr_results].value, sizeof(results[0].value), "%s",
		 value);
	snprintf(results[nr_results].verdict, sizeof(results[0].verdict), "%s",
		 verdict);
	nr_results++;
}

static int find_result(const char *name)
{
	unsigned int i;

	for (i = 0; i < nr_results; i++)
		if (!strcmp(results[i].name, name))
			return i;
	return -1;
}

/* The SNP figures and their TDX counterparts, one row each. */
static void print_side_by_side(void)
{
	char tdx[48], a[64], b[64];
	unsigned int i;
	int j;

	printf("\n== SNP and TDX side by side (ratio, verdict) ==\n");
	printf("%-24s %-24s %-24s\n", "figure", "SNP", "TDX");
	for (i = 0; i < nr_results; i++) {
		size_t n = strlen(results[i].name);

		if (n > 4 && !strcmp(results[i].name + n - 4, "_tdx"))
			continue;
		snprintf(tdx, sizeof(tdx), "%.39s_tdx", results[i].name);
		j = find_result(tdx);
		snprintf(a, sizeof(a), "%s %s", results[i].value,
			 results[i].verdict);
		if (j >= 0)
			snprintf(b, sizeof(b), "%s %s", results[j].value,
				 results[j].verdict);
		else
			snprintf(b, sizeof(b), "-");
		printf("%-24s %-24s %-24s\n", results[i].name, a, b);
	}
}

__u64 bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Human-readable duration; four rotating buffers per printf. */
static const char *fmt_ns(__u64 ns)
{
	static char bufs[4][32];
	static unsigned int next;
	char *b = bufs[next++ % 4];

	if (ns < 10000)
		snprintf(b, 32, "%llu ns", ns);
	else if (ns < 10000000)
		snprintf(b, 32, "%.1f us", ns / 1e3);
	else if (ns < 10000000000ULL)
		snprintf(b, 32, "%.1f ms", ns / 1e6);
	else
		snprintf(b, 32, "%.2f s", ns / 1e9);
	return b;
}

/* "4 KiB", "64 MiB", "16 GiB": @bytes in its largest whole unit. */
static const char *fmt_bytes(__u64 bytes)
{
	static const char * const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	static char b[32];
	unsigned int u = 0;

	while (u < 4 && bytes >= 1024 && !(bytes % 1024)) {
		bytes /= 1024;
		u++;
	}
	snprintf(b, sizeof(b), "%llu %s", bytes, unit[u]);
	return b;
}

static const char *err_name(int err)
{
	const char *n = strerrorname_np(err);

	return n ? n : "unknown";
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/* Sorts @v. */
__u64 bench_median(__u64 *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * Print the median of @n baseline round trips; leaves the median wall time
 * in @wall[0] for the figure.
 */
static void report_baseline(const char *what, __u64 *wall, __u64 *kern,
			    unsigned int n)
{
	if (!n)
		return;
	wall[0] = bench_median(wall, n);
	printf("baseline  %s %s wall, %s in kernel (median of %u)\n",
	       what, fmt_ns(wall[0]), fmt_ns(bench_median(kern, n)), n);
}

/* splitmix64: small, seedable, good enough to pick pages. */
static __u64 rng_next(__u64 *s)
{
	__u64 z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* --- ccmem ------------------------------------------------------------- */

/* A ccmem VM with one region whose shared backing is only reserved. */
struct cvm {
	int dev;
	int fd;
	void *backing;
	__u64 gpa;
	__u64 size;
};

static void cvm_open(struct cvm *v, unsigned int plat, __u64 gpa, __u64 size)
{
	struct ccmem_vm_create c;
	int ret;

	v->gpa = gpa;
	v->size = size;
	v->dev = ccmem_open_dev();
	if (v->dev < 0)
		fatal("open %s: %s (is ccmem.ko loaded?)", CCMEM_DEV,
		      strerror(-v->dev));
	v->fd = ccmem_vm_create(v->dev, bench_plats[plat].type,
				CCMEM_BACKEND_EMU, 0, &c);
	if (v->fd < 0)
		fatal("CCMEM_CREATE_VM (%s, emu): %s", bench_plats[plat].name,
		      strerror(-v->fd));
	if (c.backend_used != CCMEM_BACKEND_EMU)
		fatal("CCMEM_CREATE_VM: got backend %u, wanted emu",
		      c.backend_used);

	/*
	 * The module only checks that the shared backing is a user range and
	 * never touches it here: reserve address space, no memory.
	 */
	v->backing = mmap(NULL, size, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (v->backing == MAP_FAILED)
		fatal("mmap %llu GiB of address space: %s",
		      size / SZ_1G, strerror(errno));
	ret = ccmem_vm_add_region(v->fd, gpa, size, v->backing, 0, NULL);
	if (ret)
		fatal("CCMEM_VM_ADD_REGION %llu GiB: %s",
		      size / SZ_1G, strerror(-ret));
}

static void cvm_close(struct cvm *v)
{
	close(v->fd);
	close(v->dev);
	munmap(v->backing, v->size);
}

static __u64 cvm_private_bytes(struct cvm *v)
{
	uint64_t bytes;
	int ret = ccmem_vm_stat(v->fd, "vm.private_bytes", &bytes);

	if (ret)
		fatal("CCMEM_VM_GET_STATS vm.private_bytes: %s", strerror(-ret));
	return bytes;
}

static void cvm_set_failed(__u64 gpa, __u64 size, bool priv, int ret)
{
	fatal("CCMEM_VM_SET_ATTRIBUTES gpa 0x%llx size 0x%llx to %s: %s",
	      gpa, size, priv ? "private" : "shared", strerror(-ret));
}

static void cvm_must_set(struct cvm *v, __u64 gpa, __u64 size,
			 bool priv)
{
	int ret = ccmem_vm_set_attr(v->fd, gpa, size, priv);

	if (ret)
		cvm_set_failed(gpa, size, priv, ret);
}

/* --- baseline ------------------------------------------------------------ */

static void xa_open(void)
{
	xa_fd = open(DEV_XA, O_RDWR | O_CLOEXEC);
	if (xa_fd < 0)
		fatal("open %s: %s (is ccmem_bench_xa.ko loaded?)", DEV_XA,
		      strerror(errno));
}

static void xa_reset(void)
{
	if (ioctl(xa_fd, CCMEM_BENCH_XA_RESET, 0))
		fatal("CCMEM_BENCH_XA_RESET: %s", strerror(errno));
}

/* Returns 0 or -errno; *@wall: time around the ioctl, *@kns: kernel's. */
static int xa_set(__u64 gpa, __u64 size, bool priv, __u64 *wall,
		  __u64 *kns)
{
	struct ccmem_bench_xa_set a = {
		.gpa = gpa,
		.size = size,
		.attributes = priv ? CCMEM_ATTR_PRIVATE : 0,
	};
	__u64 t0 = bench_now_ns();
	int ret = ioctl(xa_fd, CCMEM_BENCH_XA_SET, &a) ? -errno : 0;

	*wall = bench_now_ns() - t0;
	*kns = ret ? 0 : a.ns;
	return ret;
}

/* --- figures ------------------------------------------------------------- */

/*
 * Print the figure's line and count its verdict. @target is the minimum
 * baseline/ccmem ratio, or 0 for a figure without a target. @base_err is
 * the baseline's -errno when it could not run; such a targeted figure
 * fails, since nothing was compared.
 */
static void figure(const char *name, __u64 ccmem_ns, __u64 base_ns,
		   int base_err, double target)
{
	double ratio = (double)base_ns / (double)(ccmem_ns ? ccmem_ns : 1);
	bool pass = !base_err && ratio >= target;
	char value[32];

	if (base_err) {
		snprintf(value, sizeof(value), "n/a");
		printf("bench: %s ccmem=%llu baseline=%s ratio=n/a",
		       name, ccmem_ns, err_name(-base_err));
	} else {
		snprintf(value, sizeof(value), "%.2fx", ratio);
		printf("bench: %s ccmem=%llu baseline=%llu ratio=%.2fx",
		       name, ccmem_ns, base_ns, ratio);
	}
	if (target <= 0) {
		printf(" target=none INFO\n");
		bench_record(name, value, "INFO");
		return;
	}
	printf(" target>=%gx %s\n", target, pass ? "PASS" : "FAIL");
	bench_record(name, value, pass ? "PASS" : "FAIL");
	if (pass)
		nr_passed++;
	else
		nr_failed++;
}

/* ccmem's medians of one range size on one platform. */
struct range_side {
	__u64 priv;
	__u64 shared;
};

/*
 * ccmem on platform @plat: one checked untimed round trip of
 * [BENCH_GPA, BENCH_GPA + size), then @o->iters calls alternating
 * private/shared; the medians go to @r.
 */
static void range_ccmem(const struct opts *o, unsigned int plat, __u64 size,
			__u64 *tp, __u64 *ts, struct range_side *r)
{
	unsigned int np = (o->iters + 1) / 2, ns = o->iters / 2, i;
	__u64 t0, t;
	struct cvm v;
	int ret;

	cvm_open(&v, plat, BENCH_GPA, size);
	cvm_must_set(&v, BENCH_GPA, size, true);
	if (cvm_private_bytes(&v) != size)
		fatal("ccmem %s: %llu private bytes after converting %llu GiB",
		      bench_plats[plat].name, cvm_private_bytes(&v),
		      size / SZ_1G);
	cvm_must_set(&v, BENCH_GPA, size, false);
	if (cvm_private_bytes(&v) != 0)
		fatal("ccmem %s: %llu private bytes after converting back",
		      bench_plats[plat].name, cvm_private_bytes(&v));
	for (i = 0; i < o->iters; i++) {
		bool priv = !(i & 1);

		t0 = bench_now_ns();
		ret = ccmem_vm_set_attr(v.fd, BENCH_GPA, size, priv);
		t = bench_now_ns() - t0;
		if (ret)
			cvm_set_failed(BENCH_GPA, size, priv, ret);
		if (priv)
			tp[i / 2] = t;
		else
			ts[i / 2] = t;
	}
	cvm_close(&v);
	r->priv = bench_median(tp, np);	/* sorts tp */
	r->shared = bench_median(ts, ns);
	printf("ccmem %s to private: median %s (min %s, max %s; %u calls)\n",
	       bench_plats[plat].name, fmt_ns(r->priv), fmt_ns(tp[0]),
	       fmt_ns(tp[np - 1]), np);
	printf("ccmem %s to shared:  median %s (min %s, max %s; %u calls)\n",
	       bench_plats[plat].name, fmt_ns(r->shared), fmt_ns(ts[0]),
	       fmt_ns(ts[ns - 1]), ns);
}

/* One range size, measured: ccmem per platform and the baseline. */
struct range_result {
	struct range_side c[BENCH_NR_PLATS];
	__u64 base_priv;	/* median wall time, 0 when none succeeded */
	__u64 base_shared;
	int err_p;		/* the baseline's -errno, or 0 */
	int err_s;
	unsigned int nr_priv;	/* baseline calls that succeeded */
	unsigned int nr_shared;
};

/*
 * One range size: convert [BENCH_GPA, BENCH_GPA + size) to private and back
 * to shared, @o->iters times on ccmem for each platform (median per
 * direction), @reps times on the baseline, which both compare with. Prints
 * the report and the figure's "plot: range" row.
 */
static void range_measure(const struct opts *o, __u64 size, unsigned int reps,
			  struct range_result *r)
{
	static bool header;
	unsigned int np = (o->iters + 1) / 2, ns = o->iters / 2, i, p;
	__u64 *tp = calloc(np, sizeof(*tp));
	__u64 *ts = calloc(ns, sizeof(*ts));
	__u64 *bp = calloc(reps, sizeof(*bp));
	__u64 *bs = calloc(reps, sizeof(*bs));
	__u64 *kp = calloc(reps, sizeof(*kp));
	__u64 *ks = calloc(reps, sizeof(*ks));
	__u64 wall, kns;

	if (!tp || !ts || !bp || !bs || !kp || !ks)
		fatal("out of memory");
	memset(r, 0, sizeof(*r));

	printf("\n== Range conversion: %s at gpa 0x%llx (%llu pages) ==\n",
	       fmt_bytes(size), BENCH_GPA, size >> PAGE_SHIFT);

	for (p = 0; p < BENCH_NR_PLATS; p++)
		range_ccmem(o, p, size, tp, ts, &r->c[p]);

	/* Baseline: the same range, from an empty array. */
	printf("baseline  %u round trips, %llu entries per call%s\n", reps,
	       size >> PAGE_SHIFT, size >= SZ_1G ? ", may take a while..." : "");
	fflush(stdout);
	xa_reset();
	for (i = 0; i < reps; i++) {
		r->err_p = xa_set(BENCH_GPA, size, true, &wall, &kns);
		if (r->err_p) {
			printf("baseline  to private failed after %s: %s\n",
			       fmt_ns(wall), strerror(-r->err_p));
			r->err_s = r->err_p;
			break;
		}
		bp[r->nr_priv] = wall;
		kp[r->nr_priv++] = kns;
		r->err_s = xa_set(BENCH_GPA, size, false, &wall, &kns);
		if (r->err_s) {
			printf("baseline  to shared failed after %s: %s\n",
			       fmt_ns(wall), strerror(-r->err_s));
			break;
		}
		bs[r->nr_shared] = wall;
		ks[r->nr_shared++] = kns;
	}
	xa_reset();
	report_baseline("to private:", bp, kp, r->nr_priv);
	report_baseline("to shared: ", bs, ks, r->nr_shared);
	r->base_priv = r->nr_priv ? bp[0] : 0;
	r->base_shared = r->nr_shared ? bs[0] : 0;
	if ((r->err_p || r->err_s) && (r->nr_priv || r->nr_shared))
		printf("note: baseline round trip %u failed; figures from the earlier ones\n",
		       i + 1);
	/* A failed side is 0 in the row (the plots leave it out). */
	if (!header) {
		printf("plot: range # bytes");
		for (p = 0; p < BENCH_NR_PLATS; p++)
			printf(" %s_private_ns %s_shared_ns", bench_plats[p].name,
			       bench_plats[p].name);
		printf(" baseline_private_ns baseline_shared_ns\n");
		header = true;
	}
	printf("plot: range %llu %llu %llu %llu %llu %llu %llu\n", size,
	       r->c[0].priv, r->c[0].shared, r->c[1].priv, r->c[1].shared,
	       r->base_priv, r->base_shared);
	fflush(stdout);

	free(tp);
	free(ts);
	free(bp);
	free(bs);
	free(kp);
	free(ks);
}

/* The figures of one range size; only the 64 GiB to-private one is judged. */
static void bench_range(const struct opts *o, __u64 size, const char *tag,
			double target)
{
	struct range_result r;
	unsigned int p;
	char name[40];

	range_measure(o, size, o->reps, &r);
	/* A figure is reported from the reps that all succeeded. */
	for (p = 0; p < BENCH_NR_PLATS; p++) {
		snprintf(name, sizeof(name), "set_private_%s%s", tag,
			 bench_plats[p].suffix);
		figure(name, r.c[p].priv, r.base_priv,
		       r.nr_priv ? 0 : r.err_p, target);
		snprintf(name, sizeof(name), "set_shared_%s%s", tag,
			 bench_plats[p].suffix);
		figure(name, r.c[p].shared, r.base_shared,
		       r.nr_shared ? 0 : r.err_s, 0);
	}
	fflush(stdout);
}

/*
 * The range series of -d: 4 KiB to 64 GiB, 16 times apart. The baseline
 * makes as many round trips as 1 GiB of GFNs holds (at least -r, at most
 * -i / 2), so that the small sizes are medians too, at a bounded cost.
 */
static void series_range(const struct opts *o)
{
	struct range_result r;
	unsigned int reps;
	__u64 size;

	for (size = SZ_4K; size <= 64 * SZ_1G; size *= 16) {
		reps = SZ_1G / size;
		if (reps > o->iters / 2)
			reps = o->iters / 2;
		if (reps < o->reps)
			reps = o->reps;
		range_measure(o, size, reps, &r);
	}
}

struct rop {
	__u64 gpa;
	bool priv;
};

/*
 * The random sequence: every operation converts one 4 KiB page that is in
 * the other state, so none is a no-op. Two in three make a random shared
 * page private, one in three makes a random private page shared (always
 * to-private while none is private), so the private set ends up as some
 * thousands of scattered pages.
 */
static struct rop *gen_ops(__u64 seed, unsigned int n, __u64 npages,
			   unsigned int *nr_to_priv, __u64 *nr_private)
{
	struct rop *ops = calloc(n, sizeof(*ops));
	__u8 *priv = calloc(npages, 1);
	__u32 *pos = calloc(npages, sizeof(*pos));
	__u32 *list = calloc(n, sizeof(*list));
	__u64 s = seed, pg;
	unsigned int nlist = 0, i;

	if (!ops || !priv || !pos || !list)
		fatal("out of memory");
	*nr_to_priv = 0;
	for (i = 0; i < n; i++) {
		if (!nlist || rng_next(&s) % 3) {
			do
				pg = rng_next(&s) % npages;
			while (priv[pg]);
			priv[pg] = 1;
			pos[pg] = nlist;
			list[nlist++] = pg;
			ops[i].priv = true;
			(*nr_to_priv)++;
		} else {
			unsigned int k = rng_next(&s) % nlist;

			pg = list[k];
			priv[pg] = 0;
			list[k] = list[--nlist];
			pos[list[k]] = k;
			ops[i].priv = false;
		}
		ops[i].gpa = BENCH_GPA + (pg << PAGE_SHIFT);
	}
	*nr_private = nlist;
	free(priv);
	free(pos);
	free(list);
	return ops;
}

/* ccmem on platform @plat: the whole sequence; returns its wall time. */
static __u64 random_ccmem(const struct opts *o, unsigned int plat,
			  const struct rop *ops, __u64 nr_private)
{
	__u64 t0, total;
	unsigned int i;
	struct cvm v;

	cvm_open(&v, plat, BENCH_GPA, RANDOM_SIZE);
	t0 = bench_now_ns();
	for (i = 0; i < o->ops; i++) {
		int ret = ccmem_vm_set_attr(v.fd, ops[i].gpa, SZ_4K,
					    ops[i].priv);

		if (ret)
			cvm_set_failed(ops[i].gpa, SZ_4K, ops[i].priv, ret);
	}
	total = bench_now_ns() - t0;
	if (cvm_private_bytes(&v) != nr_private * SZ_4K)
		fatal("ccmem %s: %llu private bytes after the sequence, expected %llu",
		      bench_plats[plat].name, cvm_private_bytes(&v),
		      nr_private * SZ_4K);
	cvm_close(&v);
	printf("ccmem %s total %s, %s per conversion\n", bench_plats[plat].name,
	       fmt_ns(total), fmt_ns(total / o->ops));
	return total;
}

static void bench_random(const struct opts *o)
{
	__u64 npages = RANDOM_SIZE >> PAGE_SHIFT, nr_private;
	__u64 c_total[BENCH_NR_PLATS], b_total = 0, b_kernel = 0, wall, kns;
	unsigned int nr_to_priv, i, p, done = 0;
	struct rop *ops;
	char name[40];
	int err = 0;

	ops = gen_ops(o->seed, o->ops, npages, &nr_to_priv, &nr_private);
	printf("\n== Random 4 KiB conversions: %u in a %llu GiB region ==\n",
	       o->ops, RANDOM_SIZE / SZ_1G);
	printf("seed 0x%llx: %u to private, %u to shared, %llu private at the end\n",
	       o->seed, nr_to_priv, o->ops - nr_to_priv, nr_private);
	printf("every side starts all-shared and runs the same sequence\n");

	for (p = 0; p < BENCH_NR_PLATS; p++)
		c_total[p] = random_ccmem(o, p, ops, nr_private);

	xa_reset();
	for (i = 0; i < o->ops; i++) {
		err = xa_set(ops[i].gpa, SZ_4K, ops[i].priv, &wall, &kns);
		b_total += wall;
		b_kernel += kns;
		if (err)
			break;
		done++;
	}
	xa_reset();
	if (err)
		printf("baseline  failed at conversion %u of %u: %s\n", done + 1,
		       o->ops, strerror(-err));
	else
		printf("baseline  total %s (%s in kernel), %s per conversion\n",
		       fmt_ns(b_total), fmt_ns(b_kernel),
		       fmt_ns(b_total / o->ops));

	for (p = 0; p < BENCH_NR_PLATS; p++) {
		snprintf(name, sizeof(name), "random_4k%s", bench_plats[p].suffix);
		figure(name, c_total[p], b_total, err, TARGET_RANDOM);
	}
	fflush(stdout);
	free(ops);
}

static void print_usage(FILE *f)
{
	fprintf(f,
		"usage: ccmem-bench [-d] [-i ITERS] [-r REPS] [-n OPS] [-s SEED]\n"
		"  -d        measure the data of the plots instead of the\n"
		"            figures (\"plot:\" rows; also CCMEM_BENCH_DATA=1\n"
		"            in the environment)\n"
		"  -i ITERS  ccmem calls per range figure, alternating\n"
		"            private/shared (default %d, at least 2)\n"
		"  -r REPS   baseline round trips per range figure (default %d)\n"
		"  -n OPS    random 4 KiB conversions (default %d)\n"
		"  -s SEED   seed of the random sequence (default 0x%llx)\n",
		DEFAULT_ITERS, DEFAULT_REPS, DEFAULT_OPS, DEFAULT_SEED);
}

static unsigned int parse_uint(const char *s, unsigned int min)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || !*s || v < min || v > 100000000) {
		print_usage(stderr);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	struct opts o = {
		.iters = DEFAULT_ITERS,
		.reps = DEFAULT_REPS,
		.ops = DEFAULT_OPS,
		.seed = DEFAULT_SEED,
		.data = !!getenv("CCMEM_BENCH_DATA"),
	};
	struct utsname u;
	__u64 t0;
	char *end;
	int c;

	while ((c = getopt(argc, argv, "di:r:n:s:h")) != -1) {
		switch (c) {
		case 'd':
			o.data = true;
			break;
		case 'i':
			o.iters = parse_uint(optarg, 2);
			break;
		case 'r':
			o.reps = parse_uint(optarg, 1);
			break;
		case 'n':
			o.ops = parse_uint(optarg, 1);
			break;
		case 's':
			errno = 0;
			o.seed = strtoull(optarg, &end, 0);
			if (errno || *end || !*optarg) {
				print_usage(stderr);
				return 2;
			}
			break;
		case 'h':
			print_usage(stdout);
			return 0;
		default:
			print_usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		print_usage(stderr);
		return 2;
	}

	setvbuf(stdout, NULL, _IOLBF, 0);
	uname(&u);
	printf("ccmem-bench: ccmem (private ranges in an rbtree) against the\n");
	printf("baseline (one xarray entry per 4 KiB GFN, as upstream KVM),\n");
	printf("on an SNP VM and on a TDX VM (figures *_tdx), in one run\n");
	printf("kernel %s %s, seed 0x%llx\n", u.release, u.machine, o.seed);
	printf("per range figure: %u ccmem calls, %u baseline round trips\n",
	       o.iters, o.reps);
	printf("times: wall clock around each ioctl (CLOCK_MONOTONIC) on both sides\n");
	printf("ratio = baseline / ccmem: how many times faster ccmem is\n");

	xa_open();
	t0 = bench_now_ns();
	if (o.data) {
		printf("data of the plots (-d): series, no figures, no targets\n");
		series_range(&o);
		close(xa_fd);
		c = bench_guest_series();
		if (c)
			fatal("guest series: %s", err_name(-c));
		printf("\nran in %s\n", fmt_ns(bench_now_ns() - t0));
		printf("bench: data complete\n");
		return 0;
	}
	bench_range(&o, 16 * SZ_1G, "16g", 0);
	bench_range(&o, 64 * SZ_1G, "64g", TARGET_RANGE_64G);
	bench_random(&o);
	close(xa_fd);
	c = bench_guest_run(&nr_passed, &nr_failed);
	if (c)
		fatal("guest figures: %s", err_name(-c));

	print_side_by_side();
	printf("\nran in %s\n", fmt_ns(bench_now_ns() - t0));
	printf("bench: %u passed, %u failed\n", nr_passed, nr_failed);
	return nr_failed ? 1 : 0;
}
