// SPDX-License-Identifier: GPL-2.0
/*
 * ccmem_stress - lifecycles under races, and a memory balance (issue 8,
 * items 1 and 8). Every loop is driven by one seed, printed at the start
 * of each test; CCMEM_STRESS_SEED=<n> replays it, CCMEM_STRESS_SCALE=<k>
 * runs k times the iterations (the default keeps the program under about
 * a minute in the TCG test VM).
 *
 *  - unload_with_live_vms: workers create, populate, run and destroy VMs
 *    while another thread keeps unloading the platform module (ccmem_snp,
 *    or ccmem_tdx in the tdx variants) and ccmem_guest. An
 *    unload must fail with EWOULDBLOCK while a VM of the module lives and
 *    succeed when none does (then the module is loaded again at once); a
 *    VM operation fails only with a documented errno (ENODEV while the
 *    module is out).
 *  - unload_during_destroy: VMs with many populated pages (a slow
 *    reclaim) are closed while another thread unloads in a loop.
 *  - destroy_during_run: the vCPU fds and the VM fd of a running guest
 *    are closed at random points and in random order, with the vCPU
 *    threads inside a program or waiting in an exit; nothing is left.
 *  - memory_balance: several VMs with several vCPUs convert, pin, accept,
 *    fault and are destroyed concurrently; then the modules are unloaded
 *    and loaded again, and the host's free memory must be back where it
 *    started, within a tolerance derived below, with the pool and leak
 *    counters accounting for the rest.
 *
 * No thread sleeps to wait for another: they meet at counters under a
 * mutex and condition variable (struct gate); each wait has a bound that
 * only turns a hang into a failure.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ccmem_test.h"

/* A wait for another thread longer than this is a hang. */
#define HANG_SECS	90

/* --- seed, scale, random numbers ---------------------------------------- */

static uint64_t stress_seed(void)
{
	const char *s = getenv("CCMEM_STRESS_SEED");
	struct timespec ts;

	if (s && *s)
		return strtoull(s, NULL, 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec * 1000003ULL) ^ (uint64_t)ts.tv_nsec ^
	       ((uint64_t)getpid() << 20);
}

static unsigned int stress_scale(void)
{
	const char *s = getenv("CCMEM_STRESS_SCALE");
	long k = s ? strtol(s, NULL, 0) : 1;

	return k > 0 && k < 10000 ? k : 1;
}

/* splitmix64: one independent stream per (seed, stream). */
struct rng {
	uint64_t s;
};

static void rng_init(struct rng *r, uint64_t seed, uint64_t stream)
{
	r->s = seed ^ (stream * 0xd1342543de82ef95ULL);
}

static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static uint64_t rng_below(struct rng *r, uint64_t n)
{
	return n ? rng_next(r) % n : 0;
}

static bool rng_chance(struct rng *r, unsigned int percent)
{
	return rng_below(r, 100) < percent;
}

/* Shuffle @n ints. */
static void rng_shuffle(struct rng *r, int *a, int n)
{
	int i, j, t;

	for (i = n - 1; i > 0; i--) {
		j = rng_below(r, i + 1);
		t = a[i];
		a[i] = a[j];
		a[j] = t;
	}
}

/* --- failures from any thread -------------------------------------------- */

/*
 * The harness's assertions belong to the test's main thread; the other
 * threads report here, and the main thread fails the test with the first
 * message. Each failure is also printed at once, so that it can be put
 * next to the kernel log.
 */
struct verdict {
	pthread_mutex_t lock;
	int failures;
	char first[512];
};

static void verdict_init(struct verdict *v)
{
	memset(v, 0, sizeof(*v));
	pthread_mutex_init(&v->lock, NULL);
}

static void __printf(2, 3) bad(struct verdict *v, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "# FAIL: %s\n", msg);
	pthread_mutex_lock(&v->lock);
	if (!v->failures++)
		snprintf(v->first, sizeof(v->first), "%s", msg);
	pthread_mutex_unlock(&v->lock);
}

static int failures(struct verdict *v)
{
	int n;

	pthread_mutex_lock(&v->lock);
	n = v->failures;
	pthread_mutex_unlock(&v->lock);
	return n;
}

#define EXPECT_NO_FAILURES(v) do {					\
	struct verdict *__v = (v);					\
									\
	EXPECT_EQ(0, failures(__v))					\
		TH_LOG("%d failure(s), the first: %s", __v->failures,	\
		       __v->first);					\
} while (0)

static const char *err(int ret)
{
	static __thread char buf[4][32];
	static __thread int i;

	i = (i + 1) % 4;
	return ccmem_ret_str(ret, buf[i], sizeof(buf[i]));
}

/* --- gates: counters threads wait on ------------------------------------- */

static void report_hang(const char *what);

struct gate {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint64_t val;
};

static void gate_init(struct gate *g)
{
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->cond, NULL);
	g->val = 0;
}

static void gate_add(struct gate *g, uint64_t n)
{
	pthread_mutex_lock(&g->lock);
	g->val += n;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

static uint64_t gate_get(struct gate *g)
{
	uint64_t v;

	pthread_mutex_lock(&g->lock);
	v = g->val;
	pthread_mutex_unlock(&g->lock);
	return v;
}

/* Wait until the gate reaches @want; -ETIMEDOUT after @ms. */
static int gate_wait_ms(struct gate *g, uint64_t want, long ms)
{
	struct timespec dl;
	int ret = 0;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += ms / 1000;
	dl.tv_nsec += (ms % 1000) * 1000000;
	if (dl.tv_nsec >= 1000000000) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&g->lock);
	while (g->val < want && !ret)
		ret = pthread_cond_timedwait(&g->cond, &g->lock, &dl);
	if (g->val >= want)
		ret = 0;
	pthread_mutex_unlock(&g->lock);
	return ret ? -ETIMEDOUT : 0;
}

/* Wait until the gate reaches @want; a longer wait than HANG_SECS hangs. */
static int gate_wait(struct gate *g, uint64_t want)
{
	int ret = gate_wait_ms(g, want, HANG_SECS * 1000L);

	if (ret)
		report_hang("a thread never came");
	return ret;
}

/* Print @path (a /proc stack file) line by line, prefixed. */
static void dump_file(const char *prefix, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[256];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		fprintf(stderr, "#   %s%s", prefix, line);
	fclose(f);
}

/* Where the task @dir (/proc/<pid> or /proc/<pid>/task/<tid>) waits. */
static void dump_task(const char *dir)
{
	char path[300], comm[64] = "?", state[300] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/comm", dir);
	f = fopen(path, "r");
	if (f) {
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = 0;
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/wchan", dir);
	f = fopen(path, "r");
	if (f) {
		if (!fgets(state, sizeof(state), f))
			state[0] = 0;
		fclose(f);
	}
	fprintf(stderr, "#  %s (%s) waits in %s\n", dir, comm, state);
	snprintf(path, sizeof(path), "%s/stack", dir);
	dump_file("", path);
}

/*
 * A wait hit its bound: show where this process's threads and every vCPU
 * thread wait (and the kernel's list of blocked tasks on the console),
 * once per process.
 */
static void report_hang(const char *what)
{
	static atomic_bool once;
	char path[300], comm[64];
	struct dirent *e;
	DIR *d;
	FILE *f;

	fprintf(stderr, "# HANG: %s\n", what);
	if (atomic_exchange(&once, true))
		return;
	d = opendir("/proc/self/task");
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s", getpid(),
			 e->d_name);
		dump_task(path);
	}
	if (d)
		closedir(d);
	d = opendir("/proc");
	while (d && (e = readdir(d))) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strncmp(comm, "ccmem-", 6)) {
			snprintf(path, sizeof(path), "/proc/%s", e->d_name);
			dump_task(path);
		}
		fclose(f);
	}
	if (d)
		closedir(d);
	/* And what each VM has been doing. */
	d = opendir(CCMEM_DEBUGFS);
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, "vm-", 3))
			continue;
		fprintf(stderr, "#  %s:\n", e->d_name);
		snprintf(path, sizeof(path), "%s/%s/stats", CCMEM_DEBUGFS,
			 e->d_name);
		dump_file("", path);
		snprintf(path, sizeof(path), "%s/%s/guest", CCMEM_DEBUGFS,
			 e->d_name);
		dump_file("", path);
	}
	if (d)
		closedir(d);
	ccmem_write_file("/proc/sysrq-trigger", "w");
}

/* Join @th; a thread still running after HANG_SECS is a hang. */
static int join_bounded(pthread_t th)
{
	struct timespec dl;

	int ret;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += HANG_SECS;
	ret = -pthread_timedjoin_np(th, NULL, &dl);
	if (ret)
		report_hang("a thread did not end");
	return ret;
}

/* --- modules -------------------------------------------------------------- */

enum { MOD_PLAT, MOD_GUEST, NR_MODS };

/* The platform of the test's VMs, from the fixture's variant. */
static uint32_t vm_type = CCMEM_VM_SNP;
static const char *plat_mod = "ccmem_snp";

static const char *mod_name(int m)
{
	return m == MOD_PLAT ? plat_mod : "ccmem_guest";
}

static bool mod_loaded(int m)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/module/%s", mod_name(m));
	return !access(path, F_OK);
}

/* Load what is missing (a test that failed half-way may leave it out). */
static int mods_ensure_loaded(void)
{
	int m, ret = 0;

	for (m = 0; m < NR_MODS; m++)
		if (!mod_loaded(m))
			ret = ret ?: ccmem_module_load(mod_name(m));
	return ret;
}

/* --- the shared fixture ---------------------------------------------------- */

FIXTURE(stress) {
	uint64_t seed;
	unsigned int scale;
	long long vms_live;
	long long pool_pages;
	long long leaked_pages;
	struct verdict v;
};

FIXTURE_VARIANT(stress) {
	uint32_t type;
	const char *module;
};

FIXTURE_VARIANT_ADD(stress, snp) {
	.type = CCMEM_VM_SNP,
	.module = "ccmem_snp",
};

FIXTURE_VARIANT_ADD(stress, tdx) {
	.type = CCMEM_VM_TDX,
	.module = "ccmem_tdx",
};

FIXTURE_SETUP(stress)
{
	int dev = ccmem_open_dev();

	vm_type = variant->type;
	plat_mod = variant->module;
	if (dev < 0)
		SKIP(return, "no /dev/ccmem (%s)", ccmem_errno_name(dev));
	close(dev);
	if (!mod_loaded(MOD_PLAT) || !mod_loaded(MOD_GUEST))
		SKIP(return, "%s and ccmem_guest must be loaded", plat_mod);
	self->seed = stress_seed();
	self->scale = stress_scale();
	TH_LOG("seed %llu scale %u (CCMEM_STRESS_SEED=%llu reproduces)",
	       (unsigned long long)self->seed, self->scale,
	       (unsigned long long)self->seed);
	self->vms_live = ccmem_global_stat("vms_live");
	self->pool_pages = ccmem_global_stat("pool_pages");
	self->leaked_pages = ccmem_global_stat("leaked_pages");
	ASSERT_LE(0, self->vms_live);
	verdict_init(&self->v);
}

FIXTURE_TEARDOWN(stress)
{
	EXPECT_ERRNO(0, mods_ensure_loaded());
}

/* Nothing of the test's VMs is left: no VM, no private page. */
static void expect_nothing_left(struct __test_metadata *_metadata,
				struct _test_data_stress *self)
{
	EXPECT_EQ(self->vms_live, ccmem_global_stat("vms_live"));
	EXPECT_EQ(self->pool_pages, ccmem_global_stat("pool_pages"));
	EXPECT_EQ(self->leaked_pages, ccmem_global_stat("leaked_pages"));
}

/* --- small guests ----------------------------------------------------------- */

/*
 * The guest RAM of the race tests: private, [TGPA, +RAM). vCPU i owns the
 * slice of SLICE bytes that ends (i) slices below the top, for accepts
 * and conversions; ALLOC takes pages first fit from the bottom, so the
 * two never meet while a program allocates less than the bottom half.
 */
#define RAM		(32ULL << 20)
#define SLICE		(4ULL << 20)
#define SLICE_GPA(i)	(TGPA + RAM - ((i) + 1) * SLICE)

/*
 * A VM for an emulated guest, built step by step so that the caller can
 * tell exactly when the VM exists. @dev stays the caller's.
 */
static int guest_vm_create(struct ccmem_guest *g, int dev)
{
	struct ccmem_vm_create c;
	int fd;

	ccmem_guest_reset(g);
	g->ram_gpa = TGPA;
	g->ram_size = RAM;
	fd = ccmem_vm_create(dev, vm_type, CCMEM_BACKEND_EMU, 0, &c);
	if (fd < 0)
		return fd;
	g->type = vm_type;
	g->vm = fd;
	g->key_id = c.key_id;
	return 0;
}

static int guest_vm_regions(struct ccmem_guest *g)
{
	int ret = ccmem_vm_add_backed_region(g->vm, TGPA, RAM,
					     CCMEM_REGION_F_PRIVATE, &g->ram);

	return ret ?: ccmem_vm_add_backed_region(g->vm, TGHCB, TGHCB_SIZE, 0,
						 &g->comm);
}

static int guest_vm_init(struct ccmem_guest *g)
{
	struct ccmem_emu_guest_config cfg =
		ccmem_guest_config(CCMEM_ACCEPT_LAZY, TGPA, RAM);

	return ccmem_guest_init(g, &cfg);
}

/*
 * Close the vCPU fds and the VM fd of @g in an order picked by @r: the VM
 * fd anywhere among the vCPUs (first, in the middle, last).
 */
static void guest_close_shuffled(struct ccmem_guest *g, struct rng *r)
{
	int order[CCMEM_MAX_VCPUS + 1], n = 0, i;

	for (i = 0; i < CCMEM_MAX_VCPUS; i++)
		if (g->vcpu[i] >= 0)
			order[n++] = i;
	order[n++] = -1;	/* the VM fd */
	rng_shuffle(r, order, n);
	for (i = 0; i < n; i++) {
		if (order[i] < 0) {
			close(g->vm);
			g->vm = -1;
		} else {
			close(g->vcpu[order[i]]);
			g->vcpu[order[i]] = -1;
		}
	}
	g->dev = -1;		/* not ours */
	ccmem_guest_destroy(g);	/* the mappings */
}

/*
 * A program that leaves the guest as it found it (so that it can run
 * again): self-contained operations on vCPU @id's slice and on pages it
 * allocates. @n operations, at most @room steps.
 */
static uint32_t make_program(struct rng *r, uint32_t id, unsigned int n,
			     struct ccmem_guest_insn *p, uint32_t room)
{
	uint64_t base = SLICE_GPA(id), off, len, pat;
	uint32_t k = 0;
	unsigned int i;

	for (i = 0; i < n && k + 4 <= room; i++) {
		pat = 1 + rng_below(r, 250);
		off = rng_below(r, SLICE / SZ_4K) * SZ_4K;
		len = (1 + rng_below(r, 8)) * SZ_4K;
		if (off + len > SLICE)
			off = SLICE - len;
		switch (rng_below(r, 4)) {
		case 0:		/* accept a unit (again: costs nothing) */
			p[k++] = GI(CCMEM_GOP_ACCEPT,
				    base + rng_below(r, SLICE / SZ_2M) * SZ_2M,
				    SZ_2M, 0);
			break;
		case 1:		/* private data round trip */
			p[k++] = GI(CCMEM_GOP_WRITE, base + off + 8, len - 16, pat);
			p[k++] = GI(CCMEM_GOP_CHECK, base + off + 8, len - 16, pat);
			break;
		case 2:		/* to shared and back: fresh zeros */
			p[k++] = GI(CCMEM_GOP_ACCEPT, base + off, len, 0);
			p[k++] = GI(CCMEM_GOP_CONVERT, base + off, len,
				    CCMEM_GOP_TO_SHARED);
			p[k++] = GI(CCMEM_GOP_CONVERT, base + off, len,
				    CCMEM_GOP_TO_PRIVATE);
			p[k++] = GI(CCMEM_GOP_CHECK, base + off, len, 0);
			break;
		case 3:		/* allocate, use, free */
			p[k] = GI(CCMEM_GOP_ALLOC, 0, len, 0);
			p[k + 1] = GI(CCMEM_GOP_WRITE, 0, len, pat);
			p[k + 2] = GI(CCMEM_GOP_CHECK, 0, len, pat);
			p[k + 3] = GI(CCMEM_GOP_FREE, 0, len, 0);
			p[k + 1].flags = CCMEM_GOP_F_R0;
			p[k + 2].flags = CCMEM_GOP_F_R0;
			p[k + 3].flags = CCMEM_GOP_F_R0;
			k += 4;
			break;
		}
	}
	return k;
}

/* ===========================================================================
 * unload_with_live_vms
 *
 * What each worker holds is published as a word per module: a generation
 * (bumped at every change) and a state. An unload attempt reads every
 * worker's word before and after the syscall. It succeeded with a VM
 * surely alive throughout (ALIVE before, same word after): a module went
 * away under a VM. It was refused with every worker surely VM-free
 * throughout (NONE before, same word after): a reference leaked.
 * Likewise each module's own word (out or maybe out) says when ENODEV
 * is the right answer to a create or a guest init.
 * ===========================================================================
 */

enum { HOLD_NONE, HOLD_MAYBE, HOLD_ALIVE };

#define HOLD_STATE(w)	((w) & 3)
#define LU_WORKERS	3
/* The debugfs reader publishes its holds as worker LU_WORKERS. */
#define LU_HOLDERS	(LU_WORKERS + 1)

struct lu;

struct lu_worker {
	struct lu *t;
	int id;
	int dev;
	struct rng rng;
	pthread_t th;
	atomic_uint_fast64_t hold[NR_MODS];
	unsigned long cycles, enodev[NR_MODS], guests;
};

struct lu {
	struct verdict *v;
	struct lu_worker w[LU_HOLDERS];
	unsigned long reads, reads_gone;
	/* Per module: generation << 1 | "maybe out", written by the unloader. */
	atomic_uint_fast64_t out[NR_MODS];
	unsigned int epochs, cycles;
	struct gate loaded[NR_MODS];	/* loads done by the unloader */
	struct gate parked;	/* workers done with an epoch */
	struct gate epoch;	/* the epoch workers may run */
	atomic_bool done;
	unsigned long attempts[NR_MODS], refused[NR_MODS], unloaded[NR_MODS];
	unsigned long strict;	/* attempts with every worker parked */
};

static void hold_set(struct lu_worker *w, int m, int state)
{
	uint64_t old = atomic_load(&w->hold[m]);

	atomic_store(&w->hold[m], (((old >> 2) + 1) << 2) | state);
}

static void out_set(struct lu *t, int m, bool maybe_out)
{
	uint64_t old = atomic_load(&t->out[m]);

	atomic_store(&t->out[m], (((old >> 1) + 1) << 1) | maybe_out);
}

/* Could module @m have been out at some point between @pre and @post? */
static bool maybe_out(uint64_t pre, uint64_t post)
{
	return (pre & 1) || (post & 1) || pre != post;
}

/*
 * Create a VM (@m MOD_PLAT) or give it a guest (MOD_GUEST), tracking the
 * hold. -ENODEV is right only when the module may have been out; then
 * the worker waits for the unloader to load it again and retries, a few
 * times, so that the VM's life is not lost.
 */
static int lu_take(struct lu_worker *w, int m, struct ccmem_guest *g)
{
	struct lu *t = w->t;
	uint64_t pre, post, seen;
	int ret, tries;

	for (tries = 0;; tries++) {
		seen = gate_get(&t->loaded[m]);
		pre = atomic_load(&t->out[m]);
		hold_set(w, m, HOLD_MAYBE);
		ret = m == MOD_PLAT ? guest_vm_create(g, w->dev) :
				     guest_vm_init(g);
		post = atomic_load(&t->out[m]);
		if (!ret) {
			hold_set(w, m, HOLD_ALIVE);
			return 0;
		}
		hold_set(w, m, HOLD_NONE);
		if (ret != -ENODEV || !maybe_out(pre, post)) {
			bad(t->v, "worker %d: %s: %s with %s %s", w->id,
			    m == MOD_PLAT ? "CREATE_VM" : "GUEST_INIT", err(ret),
			    mod_name(m), maybe_out(pre, post) ? "maybe out" :
			    "loaded");
			return ret;
		}
		w->enodev[m]++;
		if (tries == 3 || gate_wait(&t->loaded[m], seen + 1))
			return ret;
	}
}

/* One life of a VM: create, populate, maybe a guest that runs, destroy. */
static void lu_cycle(struct lu_worker *w)
{
	struct lu *t = w->t;
	struct rng *r = &w->rng;
	struct ccmem_guest_insn prog[64];
	struct ccmem_guest g;
	struct ccmem_run run;
	uint64_t off, len;
	bool guest = false;
	uint32_t n, i, nv;
	char d[192];
	int ret;

	if (lu_take(w, MOD_PLAT, &g))
		return;

	if (rng_chance(r, 30)) {	/* a short life: gaps for the unloader */
		hold_set(w, MOD_PLAT, HOLD_MAYBE);
		close(g.vm);
		hold_set(w, MOD_PLAT, HOLD_NONE);
		w->cycles++;
		return;
	}
	ret = guest_vm_regions(&g);
	if (ret)
		bad(t->v, "worker %d: ADD_REGION: %s", w->id, err(ret));
	/* Private pages for the reclaim: 2 MiB blocks and 4 KiB pages. */
	for (i = 0; !ret && i < 1 + rng_below(r, 4); i++) {
		off = rng_below(r, RAM / SZ_4K) * SZ_4K;
		len = (1 + rng_below(r, 1024)) * SZ_4K;
		if (off + len > RAM)
			len = RAM - off;
		ret = ccmem_vm_populate(g.vm, TGPA + off, len, 0, NULL);
		if (ret)
			bad(t->v, "worker %d: POPULATE 0x%llx+0x%llx: %s", w->id,
			    (unsigned long long)(TGPA + off),
			    (unsigned long long)len, err(ret));
	}

	if (!ret && rng_chance(r, 60) && !lu_take(w, MOD_GUEST, &g)) {
		guest = true;
		w->guests++;
	}
	nv = guest ? 1 + rng_below(r, 2) : 0;
	for (i = 0; !ret && i < nv; i++) {
		ret = ccmem_guest_add_vcpu(&g, i);
		if (ret) {
			bad(t->v, "worker %d: CREATE_VCPU %u: %s", w->id, i,
			    err(ret));
			break;
		}
		n = make_program(r, i, 1 + rng_below(r, 6), prog, NR(prog));
		ret = ccmem_guest_exec(&g, i, prog, n, &run);
		if (ret)
			bad(t->v, "worker %d: vCPU %u run: %s", w->id, i, err(ret));
		else if (run.exit_reason != CCMEM_EXIT_EMU_DONE)
			bad(t->v, "worker %d: vCPU %u: expected EMU_DONE, got %s",
			    w->id, i, ccmem_run_describe(&run, d, sizeof(d)));
	}

	hold_set(w, MOD_PLAT, HOLD_MAYBE);
	if (guest)
		hold_set(w, MOD_GUEST, HOLD_MAYBE);
	guest_close_shuffled(&g, r);
	hold_set(w, MOD_PLAT, HOLD_NONE);
	if (guest)
		hold_set(w, MOD_GUEST, HOLD_NONE);
	w->cycles++;
}

static void *lu_worker_fn(void *p)
{
	struct lu_worker *w = p;
	struct lu *t = w->t;
	unsigned int e, c;

	for (e = 0; e < t->epochs; e++) {
		for (c = 0; c < t->cycles; c++)
			lu_cycle(w);
		/* Park with no VM, and wait for the unloader's strict check. */
		gate_add(&t->parked, 1);
		if (gate_wait(&t->epoch, e + 1)) {
			bad(t->v, "worker %d: the unloader never ended epoch %u",
			    w->id, e);
			break;
		}
	}
	return NULL;
}

/*
 * Read one debugfs file of a VM whole. The VM may go meanwhile: the file
 * is then gone (ENOENT) or reads fail (EIO), nothing else. An open
 * "guest" file holds ccmem_guest (its fops' owner), as a VM does.
 */
static void lu_read_one(struct lu_worker *w, const char *vm, const char *file)
{
	bool guest = !strcmp(file, "guest");
	struct lu *t = w->t;
	char path[300], buf[4096];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s/%s", CCMEM_DEBUGFS, vm, file);
	if (guest)
		hold_set(w, MOD_GUEST, HOLD_MAYBE);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			bad(t->v, "reader: open %s: %s", path, err(-errno));
		t->reads_gone++;
	} else {
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			;
		if (n < 0 && errno != EIO)
			bad(t->v, "reader: read %s: %s", path, err(-errno));
		t->reads_gone += n < 0;
		t->reads++;
		close(fd);
	}
	if (guest)
		hold_set(w, MOD_GUEST, HOLD_NONE);
}

/* Read every VM's debugfs files while the workers come and go. */
static void *lu_reader_fn(void *p)
{
	struct lu_worker *w = p;
	struct lu *t = w->t;
	struct dirent *e;
	uint64_t ep = 0;
	DIR *d;

	while (!atomic_load(&t->done) && ep < t->epochs) {
		if (gate_get(&t->parked) == (ep + 1) * LU_HOLDERS - 1) {
			/* The workers are parked: so is the reader. */
			gate_add(&t->parked, 1);
			if (gate_wait(&t->epoch, ++ep))
				break;
			continue;
		}
		d = opendir(CCMEM_DEBUGFS);
		if (!d) {
			bad(t->v, "reader: %s: %s", CCMEM_DEBUGFS, err(-errno));
			break;
		}
		while ((e = readdir(d))) {
			if (strncmp(e->d_name, "vm-", 3))
				continue;
			lu_read_one(w, e->d_name, "stats");
			lu_read_one(w, e->d_name, "guest");
		}
		closedir(d);
		sched_yield();
	}
	return NULL;
}

/* Load module @m again after lu_attempt() took it out. */
static void lu_reload(struct lu *t, int m)
{
	int load = ccmem_module_load(mod_name(m));

	if (load) {
		bad(t->v, "loading %s again: %s", mod_name(m), err(load));
		atomic_store(&t->done, true);
		return;		/* it stays out: ENODEV stays right */
	}
	out_set(t, m, false);
	gate_add(&t->loaded[m], 1);
}

/*
 * One unload attempt of module @m, judged. Return true when the module
 * went out; with @reload it is loaded again at once.
 */
static bool lu_attempt(struct lu *t, int m, bool all_parked, bool reload)
{
	uint64_t pre[LU_HOLDERS], post[LU_HOLDERS];
	bool alive = false, maybe = false;
	int i, ret;

	for (i = 0; i < LU_HOLDERS; i++)
		pre[i] = atomic_load(&t->w[i].hold[m]);
	out_set(t, m, true);
	ret = ccmem_module_unload(mod_name(m));
	for (i = 0; i < LU_HOLDERS; i++) {
		post[i] = atomic_load(&t->w[i].hold[m]);
		if (HOLD_STATE(pre[i]) == HOLD_ALIVE && pre[i] == post[i])
			alive = true;
		if (HOLD_STATE(pre[i]) != HOLD_NONE || pre[i] != post[i])
			maybe = true;
	}
	t->attempts[m]++;
	if (ret == 0) {
		t->unloaded[m]++;
		if (alive)
			bad(t->v, "%s unloaded while a VM of it was alive",
			    mod_name(m));
		if (reload)
			lu_reload(t, m);
		return true;
	} else if (ret == -EWOULDBLOCK) {
		t->refused[m]++;
		if (!maybe || all_parked)
			bad(t->v, "%s refused with no VM alive: a leaked module reference",
			    mod_name(m));
	} else {
		bad(t->v, "unloading %s: %s (expected 0 or -EWOULDBLOCK)",
		    mod_name(m), err(ret));
	}
	out_set(t, m, false);
	return false;
}

static void *lu_unloader_fn(void *p)
{
	struct lu *t = p;
	uint64_t e = 0;
	int m;

	bool out[NR_MODS];

	while (!atomic_load(&t->done)) {
		if (gate_get(&t->parked) == (e + 1) * LU_HOLDERS) {
			/*
			 * No VM anywhere: both unloads must succeed. The
			 * workers go on before the modules are back, so that
			 * their first creates race the loads.
			 */
			for (m = NR_MODS - 1; m >= 0; m--)
				out[m] = lu_attempt(t, m, true, false);
			t->strict++;
			gate_add(&t->epoch, 1);
			for (m = 0; m < NR_MODS; m++)
				if (out[m])
					lu_reload(t, m);
			if (++e == t->epochs)
				break;
			continue;
		}
		/* The guest module first, as rmmod of a stack would. */
		for (m = NR_MODS - 1; m >= 0; m--)
			lu_attempt(t, m, false, true);
		sched_yield();
	}
	return NULL;
}

TEST_F_TIMEOUT(stress, unload_with_live_vms, 300)
{
	struct lu *t = calloc(1, sizeof(*t));
	pthread_t unloader;
	int i, m;

	ASSERT_NE(NULL, t);
	t->v = &self->v;
	t->epochs = 6;
	t->cycles = 12 * self->scale;
	gate_init(&t->parked);
	gate_init(&t->epoch);
	for (m = 0; m < NR_MODS; m++)
		gate_init(&t->loaded[m]);
	for (i = 0; i < LU_HOLDERS; i++) {
		t->w[i].t = t;
		t->w[i].id = i;
		rng_init(&t->w[i].rng, self->seed, 100 + i);
		t->w[i].dev = ccmem_open_dev();
		ASSERT_LE(0, t->w[i].dev);
	}
	ASSERT_EQ(0, pthread_create(&unloader, NULL, lu_unloader_fn, t));
	for (i = 0; i < LU_HOLDERS; i++)
		ASSERT_EQ(0, pthread_create(&t->w[i].th, NULL, i < LU_WORKERS ?
					    lu_worker_fn : lu_reader_fn,
					    &t->w[i]));
	for (i = 0; i < LU_HOLDERS; i++)
		ASSERT_ERRNO(0, join_bounded(t->w[i].th));
	atomic_store(&t->done, true);
	ASSERT_ERRNO(0, join_bounded(unloader));

	TH_LOG("debugfs reader: %lu files read, %lu gone under it",
	       t->reads, t->reads_gone);
	close(t->w[LU_WORKERS].dev);
	for (i = 0; i < LU_WORKERS; i++) {
		TH_LOG("worker %d: %lu VMs (%lu with a guest), ENODEV: create %lu, guest init %lu",
		       i, t->w[i].cycles, t->w[i].guests,
		       t->w[i].enodev[MOD_PLAT], t->w[i].enodev[MOD_GUEST]);
		close(t->w[i].dev);
	}
	for (m = 0; m < NR_MODS; m++)
		TH_LOG("%s: %lu unload attempts, %lu refused, %lu unloaded",
		       mod_name(m), t->attempts[m], t->refused[m],
		       t->unloaded[m]);
	EXPECT_NO_FAILURES(&self->v);
	/* The race was run: refusals under live VMs, and unloads. */
	EXPECT_EQ(t->epochs, t->strict);
	for (m = 0; m < NR_MODS; m++) {
		EXPECT_LT(0, t->refused[m]);
		EXPECT_LE(t->strict, t->unloaded[m]);
	}
	expect_nothing_left(_metadata, self);
	free(t);
}

/* ===========================================================================
 * unload_during_destroy
 *
 * The VM's life is a phase the closer publishes: ALIVE, CLOSING (close()
 * called), CLOSED (close() returned). The unloader loops from ALIVE
 * until each module is out once. An unload that succeeds with the VM
 * ALIVE before and after, or one refused when the VM was CLOSED before
 * it began, is a bug; attempts during CLOSING are the race.
 * ===========================================================================
 */

enum { UD_ALIVE, UD_CLOSING, UD_CLOSED };

struct ud {
	struct verdict *v;
	struct gate phase;
	struct gate started;
	bool mods[NR_MODS];
	unsigned long alive_refused, closing_refused, closing_unloaded;
	unsigned long closed_unloaded;
};

static void *ud_unloader_fn(void *p)
{
	struct ud *u = p;
	bool out[NR_MODS] = { !u->mods[MOD_PLAT], !u->mods[MOD_GUEST] };
	uint64_t pre, post;
	int m, ret, load;

	while (!out[MOD_PLAT] || !out[MOD_GUEST]) {
		for (m = NR_MODS - 1; m >= 0; m--) {
			if (out[m])
				continue;
			pre = gate_get(&u->phase);
			ret = ccmem_module_unload(mod_name(m));
			post = gate_get(&u->phase);
			if (ret == -EWOULDBLOCK) {
				if (pre == UD_CLOSED) {
					bad(u->v, "%s refused after the VM was destroyed",
					    mod_name(m));
					out[m] = true;
				} else if (post == UD_ALIVE) {
					u->alive_refused++;
				} else {
					u->closing_refused++;
				}
			} else if (ret == 0) {
				if (post == UD_ALIVE)
					bad(u->v, "%s unloaded under a live VM",
					    mod_name(m));
				else if (pre == UD_CLOSED)
					u->closed_unloaded++;
				else
					u->closing_unloaded++;
				load = ccmem_module_load(mod_name(m));
				if (load)
					bad(u->v, "loading %s again: %s",
					    mod_name(m), err(load));
				out[m] = true;
			} else {
				bad(u->v, "unloading %s: %s", mod_name(m), err(ret));
				out[m] = true;
			}
			if (!gate_get(&u->started))
				gate_add(&u->started, 1);
		}
		sched_yield();
	}
	if (!gate_get(&u->started))
		gate_add(&u->started, 1);
	return NULL;
}

/*
 * Populate [gpa, +size) the way @how says: 0 whole 2 MiB blocks (few
 * platform operations), 1 all but the first page of each block (511
 * 4 KiB pages each: a long reclaim), 2 a mix.
 */
static int populate_how(int fd, uint64_t gpa, uint64_t size, int how,
			struct rng *r)
{
	uint64_t b;
	int ret = 0;

	for (b = 0; b < size && !ret; b += SZ_2M) {
		if (how == 0 || (how == 2 && rng_chance(r, 50)))
			ret = ccmem_vm_populate(fd, gpa + b, SZ_2M, 0, NULL);
		else
			ret = ccmem_vm_populate(fd, gpa + b + SZ_4K,
						SZ_2M - SZ_4K, 0, NULL);
	}
	return ret;
}

TEST_F_TIMEOUT(stress, unload_during_destroy, 300)
{
	unsigned int rounds = 12 * self->scale, round;
	unsigned long alive = 0, refused = 0, unloaded = 0, late = 0;
	struct ccmem_guest_insn prog[64];
	struct ccmem_guest g;
	struct ccmem_run run;
	struct rng r;
	pthread_t th;
	struct ud u;
	int dev, how, ret;
	uint64_t size;
	uint32_t i, n, nv;
	bool guest;

	rng_init(&r, self->seed, 200);
	dev = ccmem_open_dev();
	ASSERT_LE(0, dev);
	for (round = 0; round < rounds; round++) {
		how = rng_below(&r, 3);
		guest = rng_chance(&r, 50);
		size = RAM;
		ASSERT_ERRNO(0, guest_vm_create(&g, dev));
		ASSERT_ERRNO(0, guest_vm_regions(&g));
		/* The guest's slices stay unpopulated: it accepts them. */
		ASSERT_ERRNO(0, populate_how(g.vm, TGPA, size - 2 * SLICE, how,
					     &r));
		nv = 0;
		if (guest) {
			ASSERT_ERRNO(0, guest_vm_init(&g));
			nv = 1 + rng_below(&r, 3);
			for (i = 0; i < nv; i++) {
				n = make_program(&r, i, 2 + rng_below(&r, 6),
						 prog, NR(prog));
				ASSERT_ERRNO(0, ccmem_guest_exec(&g, i, prog, n,
								 &run));
				EXPECT_EXIT(&run, CCMEM_EXIT_EMU_DONE);
			}
		}
		/* A pin on the comm region: the reclaim unpins too. */
		ASSERT_ERRNO(0, ccmem_vm_pin(g.vm, TGHCB + 8 * SZ_4K,
					     8 * SZ_4K));

		memset(&u, 0, sizeof(u));
		u.v = &self->v;
		gate_init(&u.phase);
		gate_init(&u.started);
		u.mods[MOD_PLAT] = true;
		u.mods[MOD_GUEST] = guest;
		ASSERT_EQ(0, pthread_create(&th, NULL, ud_unloader_fn, &u));
		/* The first attempt was refused under the live VM: close. */
		ASSERT_ERRNO(0, gate_wait(&u.started, 1));
		gate_add(&u.phase, UD_CLOSING);
		guest_close_shuffled(&g, &r);
		gate_add(&u.phase, UD_CLOSED - UD_CLOSING);
		ASSERT_ERRNO(0, join_bounded(th));

		TH_LOG("round %u: %s, %u vCPUs: refused %lu alive, %lu destroying; out %lu/%lu",
		       round, how == 0 ? "2M" : how == 1 ? "4K" : "mixed", nv,
		       u.alive_refused, u.closing_refused,
		       u.closing_unloaded, u.closed_unloaded);
		alive += u.alive_refused;
		refused += u.closing_refused;
		unloaded += u.closing_unloaded;
		late += u.closed_unloaded;
		ASSERT_ERRNO(0, mods_ensure_loaded());
		EXPECT_EQ(self->pool_pages, ccmem_global_stat("pool_pages"));
		ret = failures(&self->v);
		if (ret)
			break;
	}
	close(dev);
	TH_LOG("refused %lu alive, %lu destroying; out %lu during, %lu after",
	       alive, refused, unloaded, late);
	EXPECT_NO_FAILURES(&self->v);
	/* The race was run: attempts met destroys in progress. */
	EXPECT_LT(0, alive);
	EXPECT_LT(0, refused + unloaded);
	expect_nothing_left(_metadata, self);
}

/* ===========================================================================
 * destroy_during_run
 *
 * A runner thread per vCPU runs programs and serves its exits. After a
 * number of exits drawn from the seed, the closer either
 *  - INTERRUPT: signals the runners out of CCMEM_VCPU_RUN (EINTR), so
 *    that no ioctl holds the fds while the vCPU threads are still inside
 *    their programs or wait in an unanswered exit, and closes; or
 *  - UNDER: closes while the runners keep going: a vCPU fd is released
 *    when its last ioctl returns, and a runner whose VM fd is gone
 *    refuses the conversions it can no longer serve.
 * The fds go in a random order, the VM fd first in some rounds.
 * ===========================================================================
 */

#define DR_VCPUS	3

enum { DR_INTERRUPT, DR_UNDER };

struct dr;

struct dr_runner {
	struct dr *d;
	uint32_t id;
	struct rng rng;
	pthread_t th;
	unsigned long programs, exits, refused_converts;
};

struct dr {
	struct verdict *v;
	struct ccmem_guest g;
	int mode;
	atomic_bool closing;	/* INTERRUPT: park at the next chance */
	atomic_bool closed;	/* UNDER: the closes have begun */
	struct gate exits;	/* exits the runners have seen */
	struct gate parked;
	struct gate release;	/* parked runners may return */
	struct dr_runner r[DR_VCPUS];
};

static void dr_sigusr1(int sig)
{
}

/* Errors a runner may meet because its fds are being closed. */
static bool dr_closing_errno(struct dr *d, int ret)
{
	if (d->mode == DR_INTERRUPT)
		return ret == -EINTR;
	return ret == -EBADF || ret == -ESHUTDOWN;
}

/*
 * Park (INTERRUPT): the closer may close now; leave when it says so.
 * Return true when the runner must stop.
 */
static bool dr_park_if_closing(struct dr_runner *rn)
{
	struct dr *d = rn->d;

	if (!atomic_load(&d->closing))
		return false;
	gate_add(&d->parked, 1);
	if (gate_wait(&d->release, 1))
		bad(d->v, "vCPU %u runner: never released", rn->id);
	return true;
}

/* Serve a conversion exit: convert, or refuse when the VM fd is gone. */
static void dr_serve(struct dr_runner *rn, struct ccmem_run *run)
{
	struct dr *d = rn->d;
	struct ccmem_exit_convert *c = &run->convert;
	int ret;

	pthread_mutex_lock(&d->g.lock);
	ret = ccmem_vm_set_attr(d->g.vm, c->gpa, c->size,
				c->flags & CCMEM_CONVERT_F_PRIVATE);
	pthread_mutex_unlock(&d->g.lock);
	if (ret && !(d->mode == DR_UNDER && ret == -EBADF &&
		     atomic_load(&d->closed)))
		bad(d->v, "vCPU %u: SET_ATTRIBUTES 0x%llx+0x%llx: %s", rn->id,
		    (unsigned long long)c->gpa, (unsigned long long)c->size,
		    err(ret));
	if (ret)
		rn->refused_converts++;
	c->ret = ret;
}

static void *dr_runner_fn(void *p)
{
	struct dr_runner *rn = p;
	struct dr *d = rn->d;
	struct ccmem_guest_insn prog[128];
	int fd = d->g.vcpu[rn->id], ret;
	struct ccmem_run run;
	bool under;
	uint32_t n;
	char desc[192];

	for (;;) {
		if (dr_park_if_closing(rn))
			return NULL;
		n = make_program(&rn->rng, rn->id, 4 + rng_below(&rn->rng, 12),
				 prog, NR(prog));
		ret = ccmem_vcpu_set_program(fd, prog, n);
		if (ret) {
			if (!(d->mode == DR_UNDER && ret == -EBADF &&
			      atomic_load(&d->closed)))
				bad(d->v, "vCPU %u: SET_PROGRAM: %s", rn->id,
				    err(ret));
			return NULL;
		}
		rn->programs++;
		run.exit_reason = 0;
		for (;;) {
			ret = ccmem_vcpu_run(fd, &run);
			under = d->mode == DR_UNDER && atomic_load(&d->closed);
			if (ret == -EINTR && d->mode == DR_INTERRUPT) {
				if (dr_park_if_closing(rn))
					return NULL;
				continue;	/* the exit is kept for us */
			}
			if (ret) {
				if (!(under && dr_closing_errno(d, ret)))
					bad(d->v, "vCPU %u: RUN: %s", rn->id,
					    err(ret));
				return NULL;
			}
			rn->exits++;
			gate_add(&d->exits, 1);
			if (run.exit_reason == CCMEM_EXIT_CONVERT) {
				if (dr_park_if_closing(rn))
					return NULL;	/* unanswered */
				dr_serve(rn, &run);
				continue;
			}
			if (run.exit_reason == CCMEM_EXIT_EMU_DONE)
				break;
			/*
			 * A refused conversion ends the guest: the security
			 * event, then the termination (or the host's, on
			 * another vCPU).
			 */
			if (under && run.exit_reason == CCMEM_EXIT_SECURITY &&
			    run.security.reason == CCMEM_SEC_CONVERT_ERROR)
				continue;
			if (under && run.exit_reason == CCMEM_EXIT_TERMINATED)
				return NULL;
			if (atomic_load(&d->closed) &&
			    run.exit_reason == CCMEM_EXIT_TERMINATED &&
			    !(run.terminated.flags & CCMEM_TERM_F_GUEST))
				return NULL;
			bad(d->v, "vCPU %u (%s): unexpected %s", rn->id,
			    d->mode == DR_UNDER ? "closed under it" :
			    "interrupted", ccmem_run_describe(&run, desc,
							      sizeof(desc)));
			return NULL;
		}
	}
}

TEST_F_TIMEOUT(stress, destroy_during_run, 300)
{
	unsigned int rounds = 40 * self->scale, round;
	unsigned long modes[2] = { 0 }, vm_first = 0, exits = 0, refused = 0;
	struct sigaction sa = { .sa_handler = dr_sigusr1 };
	struct dr *d = calloc(1, sizeof(*d));
	int order[DR_VCPUS + 1], dev, i, k;
	uint64_t at;
	struct rng r;

	ASSERT_NE(NULL, d);
	/* No SA_RESTART: the signal ends a waiting CCMEM_VCPU_RUN. */
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	rng_init(&r, self->seed, 300);
	dev = ccmem_open_dev();
	ASSERT_LE(0, dev);

	for (round = 0; round < rounds; round++) {
		memset(d, 0, sizeof(*d));
		d->v = &self->v;
		d->mode = rng_below(&r, 2);
		gate_init(&d->exits);
		gate_init(&d->parked);
		gate_init(&d->release);
		ASSERT_ERRNO(0, guest_vm_create(&d->g, dev));
		ASSERT_ERRNO(0, guest_vm_regions(&d->g));
		ASSERT_ERRNO(0, guest_vm_init(&d->g));
		for (i = 0; i < DR_VCPUS; i++) {
			ASSERT_ERRNO(0, ccmem_guest_add_vcpu(&d->g, i));
			d->r[i] = (struct dr_runner){ .d = d, .id = i };
			rng_init(&d->r[i].rng, self->seed,
				 1000 + round * DR_VCPUS + i);
		}
		for (i = 0; i < DR_VCPUS; i++)
			ASSERT_EQ(0, pthread_create(&d->r[i].th, NULL,
						    dr_runner_fn, &d->r[i]));

		/* A random point: after this many exits of the guest. */
		at = 1 + rng_below(&r, 60);
		ASSERT_ERRNO(0, gate_wait(&d->exits, at));

		for (i = 0; i < DR_VCPUS; i++)
			order[i] = i;
		order[DR_VCPUS] = -1;
		rng_shuffle(&r, order, DR_VCPUS + 1);
		if (rng_chance(&r, 30)) {	/* the VM fd first */
			for (k = 0; order[k] >= 0; k++)
				;
			order[k] = order[0];
			order[0] = -1;
		}
		vm_first += order[0] < 0;

		if (d->mode == DR_INTERRUPT) {
			/*
			 * A signal that lands between a runner's check and
			 * its next CCMEM_VCPU_RUN is lost on it, and the run
			 * may then wait on a vCPU that waits on a parked
			 * one: signal again until every runner is parked.
			 */
			atomic_store(&d->closing, true);
			for (k = 0; k < HANG_SECS * 20; k++) {
				for (i = 0; i < DR_VCPUS; i++)
					pthread_kill(d->r[i].th, SIGUSR1);
				if (!gate_wait_ms(&d->parked, DR_VCPUS, 50))
					break;
			}
			ASSERT_ERRNO(0, gate_wait_ms(&d->parked, DR_VCPUS, 0));
		} else {
			atomic_store(&d->closed, true);
		}
		/*
		 * In UNDER mode the runners keep using these fd numbers, so
		 * nothing may open a file until they are joined.
		 */
		for (i = 0; i <= DR_VCPUS; i++) {
			if (order[i] < 0)
				close(d->g.vm);
			else
				close(d->g.vcpu[order[i]]);
		}
		atomic_store(&d->closed, true);
		gate_add(&d->release, 1);
		for (i = 0; i < DR_VCPUS; i++) {
			ASSERT_ERRNO(0, join_bounded(d->r[i].th));
			exits += d->r[i].exits;
			refused += d->r[i].refused_converts;
		}
		for (i = 0; i < CCMEM_MAX_VCPUS; i++)
			d->g.vcpu[i] = -1;
		d->g.vm = -1;
		d->g.dev = -1;
		ccmem_guest_destroy(&d->g);
		modes[d->mode]++;

		/* Every VM of the round is gone, with its pages. */
		EXPECT_EQ(self->vms_live, ccmem_global_stat("vms_live"))
			TH_LOG("round %u (%s): a VM outlived its fds", round,
			       d->mode ? "under" : "interrupt");
		EXPECT_EQ(self->pool_pages, ccmem_global_stat("pool_pages"))
			TH_LOG("round %u: private pages outlived the VM", round);
		if (failures(&self->v) || _metadata->exit_code)
			break;
	}
	close(dev);
	TH_LOG("%u rounds: %lu stopped, %lu under runners, %lu VM first; %lu exits, %lu refused",
	       round, modes[DR_INTERRUPT], modes[DR_UNDER], vm_first, exits,
	       refused);
	EXPECT_NO_FAILURES(&self->v);
	expect_nothing_left(_metadata, self);
	free(d);
}

/* ===========================================================================
 * debugfs_stats_during_destroy
 *
 * A reader loops on a VM's debugfs stats file (which shows the emulated
 * guest's counters) while the VM, guest and vCPUs included, is closed.
 * The file goes with the VM: reads fail with EIO or the open with ENOENT;
 * the kernel does not oops. The regression test of the known bug above.
 * ===========================================================================
 */

struct sr {
	char path[300];
	unsigned long reads;
	int err;
	struct gate started;
};

static void *sr_reader_fn(void *p)
{
	struct sr *r = p;
	char buf[4096];
	ssize_t n;
	int fd;

	for (;;) {
		fd = open(r->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			r->err = errno == ENOENT ? 0 : -errno;
			break;
		}
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			;
		close(fd);
		if (n < 0) {
			r->err = errno == EIO ? 0 : -errno;
			break;
		}
		if (!r->reads++)
			gate_add(&r->started, 1);
	}
	if (!r->reads)
		gate_add(&r->started, 1);
	return NULL;
}

TEST_F_TIMEOUT(stress, debugfs_stats_during_destroy, 300)
{
	unsigned int rounds = 100 * self->scale, round;
	struct ccmem_guest_insn prog[64];
	unsigned long reads = 0;
	struct ccmem_guest g;
	struct ccmem_run run;
	char dir[280];
	struct rng r;
	pthread_t th;
	struct sr sr;
	uint32_t n;
	int dev;

	rng_init(&r, self->seed, 400);
	dev = ccmem_open_dev();
	ASSERT_LE(0, dev);
	for (round = 0; round < rounds; round++) {
		ASSERT_ERRNO(0, guest_vm_create(&g, dev));
		ASSERT_ERRNO(0, guest_vm_regions(&g));
		ASSERT_ERRNO(0, guest_vm_init(&g));
		n = make_program(&r, 0, 4, prog, NR(prog));
		ASSERT_ERRNO(0, ccmem_guest_exec(&g, 0, prog, n, &run));
		ASSERT_ERRNO(0, ccmem_vm_debugfs_dir(g.key_id, dir, sizeof(dir)));
		memset(&sr, 0, sizeof(sr));
		gate_init(&sr.started);
		snprintf(sr.path, sizeof(sr.path), "%s/stats", dir);
		ASSERT_EQ(0, pthread_create(&th, NULL, sr_reader_fn, &sr));
		ASSERT_ERRNO(0, gate_wait(&sr.started, 1));
		guest_close_shuffled(&g, &r);
		ASSERT_ERRNO(0, join_bounded(th));
		EXPECT_ERRNO(0, sr.err) TH_LOG("reading %s", sr.path);
		reads += sr.reads;
	}
	close(dev);
	TH_LOG("%u VMs destroyed under a reader of their stats (%lu reads)",
	       rounds, reads);
	expect_nothing_left(_metadata, self);
}

/* ===========================================================================
 * memory_balance
 *
 * ST_VMS slots each live ST_LIVES VMs one after the other, so that VMs are
 * created and destroyed while the others run. A VM has ST_VCPUS vCPUs
 * running programs (accepts, allocations, private data, conversions) and
 * a host thread that works a scratch region: conversions, populates, pins
 * (and conversions refused by them), wrong-kind guest accesses and host
 * writes whose fault records it drains with READ_FAULTS and checks one by
 * one. It all runs in a child process, so that everything it mapped goes
 * with it; the balance is taken around it, with the modules loaded anew.
 * ===========================================================================
 */

#define ST_VMS		3
#define ST_VCPUS	2
#define ST_LIVES	4
#define SCR_GPA		0x80000000ULL
#define SCR_SIZE	(8ULL << 20)
#define SCR_PAGES	(SCR_SIZE / SZ_4K)
#define ST_QUEUE	256

/* What a queued fault record must look like. */
struct want_fault {
	uint64_t seq;
	uint64_t gpa;
	uint32_t reasons;	/* bit (1 << CCMEM_FAULT_*) */
};

struct st_host {
	struct verdict *v;
	struct ccmem_guest *g;
	int slot;
	struct rng rng;
	unsigned int ops;
	bool priv[SCR_PAGES];
	struct { uint64_t gpa, size; } pins[32];
	unsigned int nr_pins;
	struct want_fault want[ST_QUEUE];
	unsigned int nr_want;
	uint64_t last_seq;
	unsigned long faults, pins_made, pin_refusals, converts, populates;
};

struct st_vcpu {
	struct verdict *v;
	struct ccmem_guest *g;
	uint32_t id;
	int slot;
	struct rng rng;
	unsigned int programs;
};

struct st_slot {
	struct verdict *v;
	int idx;
	uint64_t seed;
	unsigned int scale;
	unsigned long faults, pins, pin_refusals, converts, exits;
};

#define REASON(r)	(1U << (r))

/* Drain every queued record and match it with what the thread expects. */
static void st_drain(struct st_host *h)
{
	struct ccmem_fault recs[64];
	uint32_t pending = 1;
	unsigned int i, k = 0;
	int n;

	while (pending) {
		n = ccmem_vm_read_faults(h->g->vm, recs, NR(recs), &pending);
		if (n < 0) {
			bad(h->v, "slot %d: READ_FAULTS: %s", h->slot, err(n));
			return;
		}
		for (i = 0; i < (unsigned int)n; i++, k++) {
			const struct want_fault *w = &h->want[k];

			if (k >= h->nr_want) {
				bad(h->v, "slot %d: fault record seq %llu was never reported",
				    h->slot, (unsigned long long)recs[i].seq);
				return;
			}
			if (recs[i].seq != w->seq || recs[i].gpa != w->gpa ||
			    !(REASON(recs[i].reason) & w->reasons))
				bad(h->v, "slot %d: fault %llu at 0x%llx %s, want %llu at 0x%llx",
				    h->slot, (unsigned long long)recs[i].seq,
				    (unsigned long long)recs[i].gpa,
				    ccmem_fault_reason_name(recs[i].reason),
				    (unsigned long long)w->seq,
				    (unsigned long long)w->gpa);
		}
	}
	if (k != h->nr_want)
		bad(h->v, "slot %d: %u fault records read, %u reported",
		    h->slot, k, h->nr_want);
	h->nr_want = 0;
}

/* Note a fault the last access reported; drain when the queue fills. */
static void st_fault(struct st_host *h, uint64_t seq, uint64_t gpa,
		     uint32_t reasons)
{
	if (seq != h->last_seq + 1)
		bad(h->v, "slot %d: fault seq %llu after %llu", h->slot,
		    (unsigned long long)seq, (unsigned long long)h->last_seq);
	h->last_seq = seq;
	h->want[h->nr_want++] = (struct want_fault){
		.seq = seq, .gpa = gpa & ~(SZ_4K - 1), .reasons = reasons,
	};
	h->faults++;
	if (h->nr_want == ST_QUEUE / 2)
		st_drain(h);
}

static bool scr_any(struct st_host *h, uint64_t pg, uint64_t n, bool priv)
{
	uint64_t i;

	for (i = pg; i < pg + n; i++)
		if (h->priv[i] == priv)
			return true;
	return false;
}

/* The first pinned gpa of [pg, pg + n), or 0. */
static uint64_t scr_pinned(struct st_host *h, uint64_t pg, uint64_t n)
{
	uint64_t gpa = SCR_GPA + pg * SZ_4K, end = gpa + n * SZ_4K;
	uint64_t first = 0, s;
	unsigned int i;

	for (i = 0; i < h->nr_pins; i++) {
		if (h->pins[i].gpa >= end ||
		    h->pins[i].gpa + h->pins[i].size <= gpa)
			continue;
		s = h->pins[i].gpa > gpa ? h->pins[i].gpa : gpa;
		if (!first || s < first)
			first = s;
	}
	return first;
}

static void st_host_op(struct st_host *h)
{
	struct rng *r = &h->rng;
	uint64_t pg = rng_below(r, SCR_PAGES), n = 1 + rng_below(r, 64);
	uint64_t gpa, size, first, egpa;
	struct ccmem_emu_access acc;
	uint8_t buf[64] = { 0 };
	bool priv;
	unsigned int i;
	int ret;

	if (pg + n > SCR_PAGES)
		n = SCR_PAGES - pg;
	gpa = SCR_GPA + pg * SZ_4K;
	size = n * SZ_4K;

	switch (rng_below(r, 8)) {
	case 0:		/* convert; a pin refuses it */
		priv = rng_chance(r, 50);
		first = scr_pinned(h, pg, n);
		egpa = 0;
		ret = ccmem_vm_set_attr_err(h->g->vm, gpa, size, priv, &egpa);
		if (first) {
			h->pin_refusals++;
			if (ret != -EBUSY || egpa != first)
				bad(h->v, "slot %d: pinned: %s at 0x%llx, want -EBUSY at 0x%llx",
				    h->slot, err(ret), (unsigned long long)egpa,
				    (unsigned long long)first);
			break;
		}
		if (ret) {
			bad(h->v, "slot %d: SET_ATTRIBUTES: %s", h->slot,
			    err(ret));
			break;
		}
		memset(&h->priv[pg], priv, n);
		h->converts++;
		break;
	case 1:		/* populate */
		ret = ccmem_vm_populate(h->g->vm, gpa, size, 0, NULL);
		if (ret != (scr_any(h, pg, n, false) ? -EPERM : 0))
			bad(h->v, "slot %d: POPULATE: %s", h->slot, err(ret));
		h->populates += !ret;
		break;
	case 2:		/* pin a shared range, or unpin one */
		if (h->nr_pins && (h->nr_pins == NR(h->pins) ||
				   rng_chance(r, 40))) {
			i = rng_below(r, h->nr_pins);
			ret = ccmem_vm_unpin(h->g->vm, h->pins[i].gpa,
					     h->pins[i].size);
			if (ret)
				bad(h->v, "slot %d: UNPIN: %s", h->slot, err(ret));
			h->pins[i] = h->pins[--h->nr_pins];
			break;
		}
		for (i = 0; i < h->nr_pins; i++)
			if (h->pins[i].gpa == gpa && h->pins[i].size == size)
				return;
		ret = ccmem_vm_pin(h->g->vm, gpa, size);
		if (ret != (scr_any(h, pg, n, true) ? -EPERM : 0)) {
			bad(h->v, "slot %d: PIN: %s", h->slot, err(ret));
			break;
		}
		if (!ret) {
			h->pins[h->nr_pins].gpa = gpa;
			h->pins[h->nr_pins++].size = size;
			h->pins_made++;
		}
		break;
	case 3:		/* a guest access of the wrong kind */
		priv = h->priv[pg];
		ret = ccmem_emu_read(h->g->vm, gpa + 8, buf, 8,
				     priv ? ACC_SHARED : ACC_PRIVATE, &acc);
		if (ret || acc.result != CCMEM_EMU_R_FAULT) {
			bad(h->v, "slot %d: %s read of a %s page: %s, %s",
			    h->slot, priv ? "shared" : "private",
			    priv ? "private" : "shared", err(ret),
			    ccmem_emu_result_name(acc.result));
			break;
		}
		st_fault(h, acc.fault_seq, gpa, priv ?
			 REASON(CCMEM_FAULT_ATTRIBUTE) |
			 REASON(CCMEM_FAULT_PLATFORM) :
			 REASON(CCMEM_FAULT_ATTRIBUTE));
		break;
	case 4:		/* a host write: shared lands, private faults */
		memset(buf, 0x5a, sizeof(buf));
		ret = ccmem_emu_write(h->g->vm, gpa + 64, buf, sizeof(buf),
				      CCMEM_ACCESS_F_HOST, &acc);
		if (!h->priv[pg]) {
			if (ret || acc.result != CCMEM_EMU_R_DONE)
				bad(h->v, "slot %d: host write to a shared page: %s, %s",
				    h->slot, err(ret),
				    ccmem_emu_result_name(acc.result));
		} else if (ret == 0 && acc.result == CCMEM_EMU_R_FAULT) {
			st_fault(h, acc.fault_seq, gpa,
				 REASON(CCMEM_FAULT_HOST_ACCESS));
		} else if (ret != -ENOENT) {	/* no page yet */
			bad(h->v, "slot %d: host write to a private page: %s, %s",
			    h->slot, err(ret), ccmem_emu_result_name(acc.result));
		}
		break;
	case 5:		/* a host write into the running guest's RAM */
		gpa = TGPA + rng_below(r, RAM / SZ_4K) * SZ_4K;
		ret = ccmem_emu_write(h->g->vm, gpa, buf, 8,
				      CCMEM_ACCESS_F_HOST, &acc);
		if (ret == 0 && acc.result == CCMEM_EMU_R_FAULT)
			st_fault(h, acc.fault_seq, gpa,
				 REASON(CCMEM_FAULT_HOST_ACCESS));
		else if (ret && ret != -ENOENT)
			bad(h->v, "slot %d: host write to guest RAM 0x%llx: %s",
			    h->slot, (unsigned long long)gpa, err(ret));
		break;
	case 6: {	/* validate a scratch page as its guest would */
		struct ccmem_emu_insn in;

		if (vm_type == CCMEM_VM_TDX)
			ret = ccmem_emu_tdx_accept(h->g->vm, gpa, false, &in);
		else
			ret = ccmem_emu_pvalidate(h->g->vm, gpa, false, true,
						  &in);
		if (!ret && in.result == CCMEM_EMU_R_FAULT)	/* shared */
			st_fault(h, in.fault_seq, gpa,
				 REASON(CCMEM_FAULT_ATTRIBUTE) |
				 REASON(CCMEM_FAULT_PLATFORM));
		else if (ret)
			bad(h->v, "slot %d: PVALIDATE: %s", h->slot, err(ret));
		break;
	}
	case 7:
		st_drain(h);
		break;
	}
}

static void *st_host_fn(void *p)
{
	struct st_host *h = p;
	unsigned int i;

	for (i = 0; i < h->ops; i++)
		st_host_op(h);
	st_drain(h);
	return NULL;
}

static void *st_vcpu_fn(void *p)
{
	struct st_vcpu *c = p;
	struct ccmem_guest_insn prog[128];
	struct ccmem_run run;
	unsigned int i;
	uint32_t n;
	char d[192];
	int ret;

	for (i = 0; i < c->programs; i++) {
		n = make_program(&c->rng, c->id, 4 + rng_below(&c->rng, 16),
				 prog, NR(prog));
		ret = ccmem_guest_exec(c->g, c->id, prog, n, &run);
		if (ret) {
			bad(c->v, "slot %d vCPU %u: run: %s", c->slot, c->id,
			    err(ret));
			return NULL;
		}
		if (run.exit_reason != CCMEM_EXIT_EMU_DONE) {
			bad(c->v, "slot %d vCPU %u: expected EMU_DONE, got %s",
			    c->slot, c->id, ccmem_run_describe(&run, d,
								sizeof(d)));
			return NULL;
		}
	}
	return NULL;
}

static void st_life(struct st_slot *s, unsigned int life)
{
	struct st_vcpu c[ST_VCPUS];
	pthread_t th[ST_VCPUS + 1];
	struct st_host *h;
	struct ccmem_emu_guest_config cfg;
	struct ccmem_guest g;
	uint8_t *scratch = NULL;
	int ret, dev;
	uint64_t v;
	struct rng r;
	uint32_t i;

	rng_init(&r, s->seed, 500 + s->idx * 16 + life);
	cfg = ccmem_guest_config(CCMEM_ACCEPT_LAZY, TGPA, RAM);
	ccmem_guest_reset(&g);
	h = calloc(1, sizeof(*h));
	ret = h ? ccmem_guest_create_vm(&g, vm_type, 0, &cfg) : -ENOMEM;
	dev = g.dev;		/* ccmem_guest_create_vm() opened it */
	ret = ret ?: ccmem_vm_add_backed_region(g.vm, SCR_GPA, SCR_SIZE, 0,
						&scratch);
	/*
	 * Launch memory, as a VMM populates it: fresh 2 MiB blocks from
	 * the page allocator (the free list holds only 4 KiB pages), so
	 * that the run spreads over more of the host's memory.
	 */
	ret = ret ?: ccmem_vm_populate(g.vm, TGPA, RAM / 2, 0, NULL);
	for (i = 0; !ret && i < ST_VCPUS; i++)
		ret = ccmem_guest_add_vcpu(&g, i);
	if (ret) {
		bad(s->v, "slot %d: a VM: %s", s->idx, err(ret));
		ccmem_guest_destroy(&g);
		goto out;
	}
	*h = (struct st_host){
		.v = s->v, .g = &g, .slot = s->idx, .ops = 400 * s->scale,
	};
	rng_init(&h->rng, s->seed, 600 + s->idx * 16 + life);
	for (i = 0; i < ST_VCPUS; i++) {
		c[i] = (struct st_vcpu){
			.v = s->v, .g = &g, .id = i, .slot = s->idx,
			.programs = 12 * s->scale,
		};
		rng_init(&c[i].rng, s->seed, 700 + s->idx * 16 + life * 4 + i);
	}
	for (i = 0; i < ST_VCPUS; i++)
		if (pthread_create(&th[i], NULL, st_vcpu_fn, &c[i]))
			bad(s->v, "pthread_create");
	if (pthread_create(&th[ST_VCPUS], NULL, st_host_fn, h))
		bad(s->v, "pthread_create");
	for (i = 0; i <= ST_VCPUS; i++) {
		if (join_bounded(th[i])) {
			bad(s->v, "slot %d: its %s hangs", s->idx,
			    i < ST_VCPUS ? "vCPU runner" : "host thread");
			_exit(2);	/* closing under it would only add noise */
		}
	}

	if (ccmem_vm_stat(g.vm, "guest.security_events", &v) || v)
		bad(s->v, "slot %d: %llu security events", s->idx,
		    (unsigned long long)v);
	if (ccmem_vm_stat(g.vm, "vm.leaked_pages", &v) || v)
		bad(s->v, "slot %d: %llu pages leaked", s->idx,
		    (unsigned long long)v);
	s->faults += h->faults;
	s->pins += h->pins_made;
	s->pin_refusals += h->pin_refusals;
	s->converts += h->converts + g.nr_convert;
	/* Pins and all, in any order: the destroy takes it all back. */
	guest_close_shuffled(&g, &r);
out:
	if (dev >= 0)
		close(dev);
	if (scratch)
		munmap(scratch, SCR_SIZE);
	free(h);
}

static void *st_slot_fn(void *p)
{
	struct st_slot *s = p;
	unsigned int life;

	for (life = 0; life < ST_LIVES; life++)
		st_life(s, life);
	return NULL;
}

/*
 * The stress itself, in the child: exit status 0 when nothing failed.
 * A shared page carries the verdict back for the log.
 */
static int st_run(uint64_t seed, unsigned int scale, struct verdict *v)
{
	struct st_slot s[ST_VMS];
	pthread_t th[ST_VMS];
	int i;

	for (i = 0; i < ST_VMS; i++) {
		s[i] = (struct st_slot){
			.v = v, .idx = i, .seed = seed, .scale = scale,
		};
		if (pthread_create(&th[i], NULL, st_slot_fn, &s[i]))
			bad(v, "pthread_create");
	}
	for (i = 0; i < ST_VMS; i++)
		if (join_bounded(th[i]))
			bad(v, "slot %d hangs", i);
	for (i = 0; i < ST_VMS; i++)
		fprintf(stderr, "# slot %d: %lu converts, %lu pins, %lu refused, %lu faults\n",
			i, s[i].converts, s[i].pins, s[i].pin_refusals,
			s[i].faults);
	return failures(v) ? 1 : 0;
}

/* --- the balance ------------------------------------------------------------ */

struct membal {
	long long memfree;	/* bytes, /proc/meminfo MemFree */
	long long pcp;		/* bytes on the per-CPU free lists */
	long long free_list;	/* bytes on ccmem's list of scrubbed pages */
	long long pool;		/* pages held by VMs */
	long long leaked;	/* pages leaked */
};

static long long membal_free(const struct membal *m)
{
	return m->memfree + m->pcp + m->free_list;
}

/* Sum of the "count:" lines of the per-CPU pagesets, in pages. */
static long long zoneinfo_pcp_pages(void)
{
	FILE *f = fopen("/proc/zoneinfo", "r");
	long long sum = 0, n;
	char line[256];

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " count: %lld", &n) == 1)
			sum += n;
	fclose(f);
	return sum;
}

static long long meminfo_kb(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "r");
	size_t klen = strlen(key);
	long long kb = -1;
	char line[256];

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			kb = strtoll(line + klen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return kb;
}

/*
 * Give back what the kernel keeps only as a cache: the page cache and
 * reclaimable slabs (drop_caches), and the partial and per-CPU slabs of
 * every cache (SLUB's shrink). Then read the free memory.
 */
static int membal_read(struct membal *m)
{
	DIR *d;
	struct dirent *e;
	char path[320];
	long long pcp;
	int ret;

	sync();
	ret = ccmem_write_file("/proc/sys/vm/drop_caches", "3");
	if (ret)
		return ret;
	d = opendir("/sys/kernel/slab");
	if (d) {
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink",
				 e->d_name);
			ccmem_write_file(path, "1");
		}
		closedir(d);
	}
	m->memfree = meminfo_kb("MemFree") * 1024;
	pcp = zoneinfo_pcp_pages();
	m->pcp = pcp * SZ_4K;
	m->free_list = ccmem_global_stat("free_list_pages") * SZ_4K;
	m->pool = ccmem_global_stat("pool_pages");
	m->leaked = ccmem_global_stat("leaked_pages");
	if (m->memfree < 0 || pcp < 0 || m->free_list < 0 || m->pool < 0 ||
	    m->leaked < 0)
		return -EIO;
	return 0;
}

/* Unload both modules (no VM lives: both must go) and load them again. */
static int mods_reload(void)
{
	int ret = ccmem_module_unload("ccmem_guest");

	ret = ret ?: ccmem_module_unload(plat_mod);
	ret = ret ?: ccmem_module_load(plat_mod);
	return ret ?: ccmem_module_load("ccmem_guest");
}

static void membal_log(struct __test_metadata *_metadata, const char *what,
		       const struct membal *m)
{
	TH_LOG("%s: free %lld = MemFree %lld + pcp %lld + ccmem %lld KiB; pool %lld, leaked %lld",
	       what, membal_free(m) >> 10, m->memfree >> 10, m->pcp >> 10,
	       m->free_list >> 10, m->pool, m->leaked);
}

/*
 * The tolerance. After the modules are loaded anew, nothing ccmem or its
 * VMs allocated may stay allocated: the private pages are back on the
 * page allocator or on ccmem's free list (both counted as free here),
 * the emulated RMP went with ccmem_snp, and the test's memory with its
 * process. The per-CPU free lists, which alone move by 10-25 MiB between
 * two readings on the 2 GiB test VM, are read from /proc/zoneinfo, not
 * guessed. What the kernel may still hold, legitimately, is:
 *
 *  - vmalloc'ed thread stacks kept for reuse: 2 per CPU, 16 KiB each,
 *    64 KiB on the 2-CPU VM;
 *  - page-table pages for the new module mappings: a few 4 KiB pages;
 *  - per-CPU LRU batches of the processes that ran meanwhile (15 folios
 *    per batch): some hundreds of KiB at most;
 *  - slabs that SLUB could not shrink because an object of someone else
 *    lives in them, and RCU frees (task structs, stacks) of the last
 *    vCPU threads still waiting for a grace period: tens of KiB each.
 *
 * Measured over the first runs (seeds 1-3): 144-248 KiB lost after a
 * run, and 48-212 KiB between two readings with nothing run in between.
 * 1 MiB covers both with four times the room, and is 1/100 of what the
 * run moves through the pool: the loss of a single 2 MiB block, of one
 * page in 64 released, or of the emulated RMP, shows. Both readings, the
 * difference and the noise floor are printed.
 */
#define BALANCE_TOLERANCE	(1LL << 20)

TEST_F_TIMEOUT(stress, memory_balance, 300)
{
	struct membal before, again, after;
	long long reclaimed, diff;
	struct verdict *v;
	int status;
	pid_t pid;

	v = mmap(NULL, sizeof(*v), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, v);
	verdict_init(v);
	{
		pthread_mutexattr_t a;

		pthread_mutexattr_init(&a);
		pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
		pthread_mutex_init(&v->lock, &a);
	}

	/* The start: modules fresh, so that their caches start empty. */
	ASSERT_EQ(self->vms_live, 0) TH_LOG("a VM outlived an earlier test");
	ASSERT_ERRNO(0, mods_reload());
	ASSERT_ERRNO(0, membal_read(&before));
	/* The noise floor: the same, with nothing run in between. */
	ASSERT_ERRNO(0, mods_reload());
	ASSERT_ERRNO(0, membal_read(&again));
	reclaimed = ccmem_global_stat("reclaimed_pages");

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(st_run(self->seed, self->scale, v));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("the stress failed (status 0x%x): %d failure(s), the first: %s",
		       status, v->failures, v->first);

	/* Every VM is gone, and with them every private page. */
	EXPECT_EQ(0, ccmem_global_stat("vms_live"));
	EXPECT_EQ(0, ccmem_global_stat("pool_pages"));
	EXPECT_EQ(before.leaked, ccmem_global_stat("leaked_pages"));
	/* So both modules go at once, and come back. */
	EXPECT_ERRNO(0, ccmem_module_unload("ccmem_guest"));
	EXPECT_ERRNO(0, ccmem_module_unload(plat_mod));
	ASSERT_ERRNO(0, mods_ensure_loaded());
	ASSERT_ERRNO(0, membal_read(&after));

	membal_log(_metadata, "before", &before);
	membal_log(_metadata, "again ", &again);
	membal_log(_metadata, "after ", &after);
	diff = membal_free(&before) - membal_free(&after);
	TH_LOG("moved %lld MiB through the pool; lost %lld KiB (noise %lld, tolerance %lld KiB)",
	       (ccmem_global_stat("reclaimed_pages") - reclaimed) * SZ_4K >> 20,
	       diff >> 10, (membal_free(&before) - membal_free(&again)) >> 10,
	       BALANCE_TOLERANCE >> 10);
	/* The counters explain what is not free: no page held, none leaked. */
	EXPECT_EQ(0, after.pool);
	EXPECT_EQ(before.leaked, after.leaked);
	EXPECT_GE(BALANCE_TOLERANCE, diff)
		TH_LOG("free memory did not come back: %lld KiB short", diff >> 10);
	munmap(v, sizeof(*v));
}

TEST_HARNESS_MAIN
