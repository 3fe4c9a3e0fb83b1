// SPDX-License-Identifier: GPL-2.0
/*
 * vring_bench.c - the honest path through guest/virtio's bounce pool and
 * split ring, against a plain memcpy of the same bytes, side by side in
 * one run.
 *
 * Each "vCPU" is a thread with its own bounce area (one pool, one area per
 * vCPU, gv_ops.lock a mutex per area), its own queue and its own honest
 * device, as a per-vCPU virtio queue would be. One request at a time, in
 * as many slots (64 KiB by default) as it needs, one descriptor each:
 *
 *   write (device-readable): gv_bounce_get_for (nothing offered to the
 *	device to write), gv_bounce_write from a private buffer,
 *	gv_vring_add, gv_vring_kick (the device serves the request inside
 *	notify, as a trap to the VMM would), gv_vring_get_used,
 *	gv_bounce_put, which scrubs what was written;
 *   read (device-writable): gv_bounce_get_for (the request's bytes
 *	offered), gv_vring_add, gv_vring_kick, gv_vring_get_used,
 *	gv_bounce_read into a private buffer, gv_bounce_put, which scrubs
 *	what was offered.
 * With -g, slots come from gv_bounce_get, which offers (and so scrubs)
 * the whole slot.
 *
 * The device checks every descriptor against the shared memory it was
 * given and does not copy the payload: a real device's copy runs on a
 * host CPU, not the guest's. It reads the first and the last 8 bytes of
 * a readable buffer, and writes them in a writable one (a stamp the
 * guest checks in its private copy) and reports the whole length
 * written. "read+fill" is the read with the device writing every byte it
 * reports, on the guest's thread and in its time: an upper bound of
 * what the device's copy costs when it shares the core.
 *
 * Baseline: memcpy of the same bytes between the same private buffer and
 * a second private buffer of one request's size, which stands where the
 * path's bounce slot stands, by as many threads; and, for reference, the
 * same memcpy followed by a memset of that second buffer (what copying
 * and scrubbing cost with nothing else). Each
 * repetition runs the three sides one after the other, in an order that
 * rotates. Each side's figure is its best repetition (least time); the
 * ratio is path / memcpy, followed by the spread and the median of the
 * ratios of single repetitions.
 *
 * Where the private bytes live is the other dimension. "priv hot": the
 * private buffer is one request's bytes, used again by every request,
 * so that all of it stays in the L1/L2 caches and the figure is the
 * cost of the CPU work alone. "priv N MiB": each thread's requests walk
 * through N MiB of private memory, request after request, as a guest's
 * page cache does when it streams a file; with N beyond the last-level
 * cache the private side comes from DRAM on both sides. The bounce slot
 * and the baseline's second buffer stay in cache in both cases, as a
 * pool's slots do.
 *
 *	vring_bench [-g] [-r REPS] [-m MIB] [-s SLOT] [-t THREADS]
 *		    [-w MIB[,MIB]] [-q]
 *
 * -r repetitions (7), -m MiB copied per side and repetition by each
 * thread (1024), -s slot size in bytes (65536), -t the most threads (2),
 * -w the private working sets per thread, 0 for "hot" (0,256), -q a
 * smoke run (2 repetitions of 4 MiB, working sets 0,16). Exit 1 when a
 * request or a check fails.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../guest/virtio/vring.h"

#define MAX_THREADS	2
#define RING_NUM	64
#define MAX_SEGS	RING_NUM
#define SLOTS_PER_CHUNK	16
#define MAX_REGIONS	64
#define STAMP		0x5354414d50ULL		/* "STAMP" */
#define MAX_WS		2			/* working sets per run */
#define MAX_WS_MIB	4096

/* What a phase runs. */
enum side { SIDE_MEMCPY, SIDE_PATH, SIDE_COPY_ZERO, NR_SIDES };

enum dir { DIR_WRITE, DIR_READ, DIR_READ_FILL, NR_DIRS };

static const char *const dir_name[NR_DIRS] = {
	"write", "read", "read+fill",
};

static void die(const char *what)
{
	fprintf(stderr, "virtio-bench: error: %s\n", what);
	exit(1);
}

/* The environment of the pool: memory, conversions, a lock per area. */
struct area_lock {
	pthread_mutex_t m;
	u8 pad[64];		/* no two locks on one cache line */
};

static struct env {
	struct area_lock lock[MAX_THREADS];
	pthread_mutex_t mem_lock;
	struct {
		u8 *va;
		u32 bytes;
	} region[MAX_REGIONS];	/* shared memory the devices may reach */
	u32 nr_regions;
	u64 allocs, to_shared, to_private;
} env = {
	.lock = { { PTHREAD_MUTEX_INITIALIZER }, { PTHREAD_MUTEX_INITIALIZER } },
	.mem_lock = PTHREAD_MUTEX_INITIALIZER,
};

static void *env_mem_alloc(void *priv, u32 bytes, u64 *dev_addr)
{
	void *va = aligned_alloc(CCMEM_PAGE_SIZE, bytes);

	(void)priv;
	if (!va)
		return NULL;
	pthread_mutex_lock(&env.mem_lock);
	if (env.nr_regions == MAX_REGIONS) {
		pthread_mutex_unlock(&env.mem_lock);
		free(va);
		return NULL;
	}
	env.region[env.nr_regions].va = va;
	env.region[env.nr_regions].bytes = bytes;
	__atomic_store_n(&env.nr_regions, env.nr_regions + 1,
			 __ATOMIC_RELEASE);
	env.allocs++;
	pthread_mutex_unlock(&env.mem_lock);
	*dev_addr = (u64)(unsigned long)va;
	return va;
}

static void env_mem_free(void *priv, void *va, u32 bytes)
{
	(void)priv;
	(void)bytes;
	/* Regions stay listed: the bench never shrinks while it runs. */
	free(va);
}

static int env_set_shared(void *priv, void *va, u32 bytes, bool shared)
{
	(void)priv;
	(void)va;
	(void)bytes;
	__atomic_add_fetch(shared ? &env.to_shared : &env.to_private, 1,
			   __ATOMIC_RELAXED);
	return 0;
}

static void env_lock(void *priv, u32 area)
{
	(void)priv;
	pthread_mutex_lock(&env.lock[area].m);
}

static void env_unlock(void *priv, u32 area)
{
	(void)priv;
	pthread_mutex_unlock(&env.lock[area].m);
}

static const struct gv_ops pool_ops = {
	.mem_alloc = env_mem_alloc,
	.mem_free = env_mem_free,
	.set_shared = env_set_shared,
	.lock = env_lock,
	.unlock = env_unlock,
};

/*
 * The honest device of one vCPU's queue: the ring as the device sees it
 * (found from the spec's layout, not from the driver's private state).
 */
struct bdev {
	u32 num;
	struct gv_desc *desc;
	u16 *avail_idx;
	u16 *avail_ring;
	u16 *used_idx;
	struct gv_used_elem *used_ring;
	u16 last_avail;
	u16 used;
	bool fill;		/* write every byte offered (read+fill) */
	u64 touched;		/* what it read, so that the reads stay */
	u32 refused;		/* descriptors outside shared memory */
	u8 status;
};

static void bdev_init(struct bdev *d, u32 num, u8 *shared)
{
	u64 avail = 16ULL * num;
	u64 used = (avail + 6 + 2ULL * num + 3) & ~3ULL;

	memset(d, 0, sizeof(*d));
	d->num = num;
	d->desc = (struct gv_desc *)shared;
	d->avail_idx = (u16 *)(shared + avail + 2);
	d->avail_ring = (u16 *)(shared + avail + 4);
	d->used_idx = (u16 *)(shared + used + 2);
	d->used_ring = (struct gv_used_elem *)(shared + used + 4);
}

/* Is [@addr, @addr + @len) shared memory of the pool? */
static bool bdev_dma_ok(u64 addr, u32 len)
{
	u32 n = __atomic_load_n(&env.nr_regions, __ATOMIC_ACQUIRE), i;
	u64 va;

	for (i = 0; i < n; i++) {
		va = (u64)(unsigned long)env.region[i].va;
		if (addr >= va && len <= env.region[i].bytes &&
		    addr - va <= env.region[i].bytes - len)
			return true;
	}
	return false;
}

/* Serve one chain; the bytes written. */
static u32 bdev_chain(struct bdev *d, u16 id)
{
	struct gv_desc desc;
	u32 steps, done = 0;
	u8 *buf;

	for (steps = 0; steps < d->num && id < d->num; steps++) {
		memcpy(&desc, &d->desc[id], sizeof(desc));
		if (!desc.len || !bdev_dma_ok(desc.addr, desc.len)) {
			d->refused++;
			break;
		}
		buf = (u8 *)(unsigned long)desc.addr;
		if (!(desc.flags & GV_DESC_F_WRITE)) {
			/* Touch the payload: first and last 8 bytes. */
			d->touched += *(u64 *)buf ^
				      *(u64 *)(buf + desc.len - 8);
		} else {
			if (d->fill)
				memset(buf, (u8)d->used, desc.len);
			*(u64 *)buf = STAMP + d->used;
			*(u64 *)(buf + desc.len - 8) = STAMP + d->used;
			done += desc.len;
		}
		if (!(desc.flags & GV_DESC_F_NEXT))
			break;
		id = desc.next;
	}
	return done;
}

static void bdev_serve(struct bdev *d)
{
	u16 avail = __atomic_load_n(d->avail_idx, __ATOMIC_ACQUIRE);
	struct gv_used_elem *u;
	u16 head;

	while (d->last_avail != avail) {
		head = d->avail_ring[d->last_avail & (d->num - 1)];
		d->last_avail++;
		u = &d->used_ring[d->used & (d->num - 1)];
		u->len = bdev_chain(d, head);
		u->id = head;
		d->used++;
		__atomic_store_n(d->used_idx, d->used, __ATOMIC_RELEASE);
	}
}

/* The transport of a bdev: features, status, notify. */
static u64 bd_get_features(void *priv)
{
	(void)priv;
	return GV_FEATURES_REQUIRED;
}

static void bd_set_features(void *priv, u64 f)
{
	(void)priv;
	(void)f;
}

static u8 bd_get_status(void *priv)
{
	return ((struct bdev *)priv)->status;
}

static void bd_set_status(void *priv, u8 status)
{
	((struct bdev *)priv)->status = status;
}

static u32 bd_generation(void *priv)
{
	(void)priv;
	return 0;
}

static void bd_config_read(void *priv, u32 off, void *buf, u32 len)
{
	(void)priv;
	(void)off;
	memset(buf, 0, len);
}

static void bd_notify(void *priv, u16 qid)
{
	(void)qid;
	bdev_serve(priv);
}

static const struct gv_ops dev_ops = {
	.get_features = bd_get_features,
	.set_features = bd_set_features,
	.get_status = bd_get_status,
	.set_status = bd_set_status,
	.config_generation = bd_generation,
	.config_read = bd_config_read,
	.notify = bd_notify,
};

/* One vCPU: its queue, its device, its private buffers. */
struct vcpu {
	u32 cpu;
	pthread_t thread;
	struct gv_dev gd;
	struct gv_vring vq;
	struct bdev dev;
	void *shared;
	void *priv_mem;
	u8 *src;		/* private: what a write sends */
	u8 *dst;		/* private: where a read lands */
	u8 *slot;		/* private: the baseline's stand-in slot */
	u64 cur;		/* where the next request starts in src/dst */
	u64 ns;			/* the last phase's time */
	int err;
	u8 pad[64];		/* vCPUs share no cache line */
};

/* What every thread runs next. */
static struct run {
	pthread_barrier_t start, done;
	struct gv_bounce pool;
	struct gv_bounce_area area[MAX_THREADS];
	struct vcpu vcpu[MAX_THREADS];
	u32 nr_threads;
	u32 slot;
	bool whole_slot;	/* gv_bounce_get(): scrub whole slots */
	u32 len;		/* bytes per request */
	u64 ws;			/* private working set per thread; 0: hot */
	u64 priv_bytes;		/* what src and dst hold */
	u64 iters;		/* requests per thread */
	int side;		/* enum side; -1: exit */
	enum dir dir;
} R;

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + (u64)ts.tv_nsec;
}

/* Where the next request's private bytes start; then step past them. */
static u64 next_cur(struct vcpu *v)
{
	u64 cur = v->cur;

	if (!R.ws)
		return 0;
	v->cur += R.len;
	if (v->cur + R.len > R.ws)
		v->cur = 0;
	return cur;
}

/*
 * The baseline: memcpy alone, or followed by a memset of its bytes. A
 * write copies the private bytes into the stand-in slot, a read copies
 * the stand-in slot out to them, as the path does with its bounce slot.
 */
static void phase_memcpy(struct vcpu *v, bool zero)
{
	bool out = R.dir == DIR_WRITE;
	u64 i, cur;

	for (i = 0; i < R.iters; i++) {
		cur = next_cur(v);
		if (out)
			memcpy(v->slot, v->src + cur, R.len);
		else
			memcpy(v->dst + cur, v->slot, R.len);
		__asm__ __volatile__("" : : "r"(v->dst) : "memory");
		if (!zero)
			continue;
		memset(v->slot, 0, R.len);
		__asm__ __volatile__("" : : "r"(v->slot) : "memory");
	}
}

/* A slot for @n bytes that the device reads (@out) or writes. */
static int get_slot(struct vcpu *v, bool out, u32 n, struct gv_bslot *s,
		    u64 *addr)
{
	if (R.whole_slot)
		return gv_bounce_get(&R.pool, v->cpu, s, addr);
	return gv_bounce_get_for(&R.pool, v->cpu, out ? 0 : n, s, addr);
}

/* One request through the pool and the ring; 0 or an error. */
static int one_request(struct vcpu *v, enum dir dir)
{
	struct gv_bslot slot[MAX_SEGS];
	struct gv_buf bufs[MAX_SEGS];
	u32 nseg = (R.len + R.slot - 1) / R.slot, i, off, n, used;
	bool out = dir == DIR_WRITE;
	u64 cur = next_cur(v);
	u8 *src = v->src + cur, *dst = v->dst + cur;
	void *tok;
	u64 want;

	for (i = 0, off = 0; i < nseg; i++, off += n) {
		n = R.len - off < R.slot ? R.len - off : R.slot;
		if (get_slot(v, out, n, &slot[i], &bufs[i].addr))
			return -1;
		bufs[i].len = n;
		if (out && gv_bounce_write(&R.pool, slot[i], src + off, n))
			return -2;
	}
	if (gv_vring_add(&v->vq, bufs, out ? nseg : 0, out ? 0 : nseg, v))
		return -3;
	gv_vring_kick(&v->vq);
	if (gv_vring_get_used(&v->vq, &used, &tok) != 1 || tok != v)
		return -4;
	if (used != (out ? 0 : R.len))
		return -5;
	want = STAMP + (u16)(v->dev.used - 1);
	for (i = 0, off = 0; i < nseg; i++, off += n) {
		n = R.len - off < R.slot ? R.len - off : R.slot;
		if (!out) {
			if (gv_bounce_read(&R.pool, slot[i], dst + off, n))
				return -6;
			if (*(u64 *)(dst + off) != want ||
			    *(u64 *)(dst + off + n - 8) != want)
				return -7;
		}
		if (gv_bounce_put(&R.pool, slot[i]))
			return -8;
	}
	return 0;
}

static void phase_path(struct vcpu *v)
{
	u64 i;
	int err;

	v->dev.fill = R.dir == DIR_READ_FILL;
	for (i = 0; i < R.iters; i++) {
		err = one_request(v, R.dir);
		if (err) {
			v->err = err;
			return;
		}
	}
}

static void pin(u32 cpu)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	if (ncpu < (long)R.nr_threads)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	/* Best effort: a thread that cannot be pinned still runs. */
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *vcpu_main(void *arg)
{
	struct vcpu *v = arg;
	u64 t0;

	pin(v->cpu);
	for (;;) {
		pthread_barrier_wait(&R.start);
		if (R.side < 0)
			return NULL;
		t0 = now_ns();
		if (R.side == SIDE_PATH)
			phase_path(v);
		else
			phase_memcpy(v, R.side == SIDE_COPY_ZERO);
		v->ns = now_ns() - t0;
		pthread_barrier_wait(&R.done);
	}
}

/* Run one side on every thread; the slowest thread's time. */
static u64 run_side(int side)
{
	u64 ns = 0;
	u32 i;

	R.side = side;
	pthread_barrier_wait(&R.start);
	pthread_barrier_wait(&R.done);
	for (i = 0; i < R.nr_threads; i++) {
		if (R.vcpu[i].err) {
			fprintf(stderr,
				"virtio-bench: vcpu %u: request failed (%d), queue broken %u, device refused %u\n",
				i, R.vcpu[i].err, R.vcpu[i].vq.broken,
				R.vcpu[i].dev.refused);
			exit(1);
		}
		if (R.vcpu[i].ns > ns)
			ns = R.vcpu[i].ns;
	}
	return ns ? ns : 1;
}

static void vcpu_setup(struct vcpu *v, u32 cpu)
{
	u64 sh = (gv_vring_shared_bytes(RING_NUM) + 4095) & ~4095ULL;
	u64 buf = R.priv_bytes;

	memset(v, 0, sizeof(*v));
	v->cpu = cpu;
	v->shared = aligned_alloc(4096, sh);
	v->priv_mem = aligned_alloc(64, (gv_vring_priv_bytes(RING_NUM) + 63) &
				    ~63ULL);
	v->src = aligned_alloc(4096, buf);
	v->dst = aligned_alloc(4096, buf);
	v->slot = aligned_alloc(4096, 1U << 16);
	if (!v->shared || !v->priv_mem || !v->src || !v->dst || !v->slot)
		die("out of memory");
	/* Every page present before the clock runs. */
	memset(v->src, 0xa5, buf);
	memset(v->dst, 0, buf);
	memset(v->slot, 0, 1U << 16);
	bdev_init(&v->dev, RING_NUM, v->shared);
	if (gv_dev_init(&v->gd, &dev_ops, &v->dev, 0, 0) ||
	    gv_negotiate(&v->gd, 0) ||
	    gv_vring_init(&v->vq, &v->gd, 0, RING_NUM, v->shared,
			  v->priv_mem) ||
	    gv_dev_ready(&v->gd))
		die("queue setup failed");
}

static void vcpu_teardown(struct vcpu *v)
{
	free(v->shared);
	free(v->priv_mem);
	free(v->src);
	free(v->dst);
	free(v->slot);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

#define MAX_REPS	99

/*
 * One figure: @len-byte requests on @threads vCPUs, direction @dir. The
 * three sides run one after the other in each repetition, in an order
 * that rotates.
 */
static void figure(u32 len, u32 threads, enum dir dir, u32 reps, u64 bytes)
{
	u64 best[NR_SIDES], t[NR_SIDES], total;
	double ratio[MAX_REPS], gbs[NR_SIDES];
	char priv[24] = "hot";
	u32 r, k, side;

	R.len = len;
	R.dir = dir;
	R.iters = bytes / len ? bytes / len : 1;
	total = R.iters * len * threads;
	for (k = 0; k < NR_SIDES; k++) {
		run_side((int)k);	/* warm-up: caches, page tables */
		best[k] = ~0ULL;
	}
	for (r = 0; r < reps; r++) {
		for (k = 0; k < NR_SIDES; k++) {
			side = (r + k) % NR_SIDES;
			t[side] = run_side((int)side);
			if (t[side] < best[side])
				best[side] = t[side];
		}
		ratio[r] = (double)t[SIDE_MEMCPY] / (double)t[SIDE_PATH];
	}
	qsort(ratio, reps, sizeof(ratio[0]), cmp_double);
	for (k = 0; k < NR_SIDES; k++)
		gbs[k] = (double)total / (double)best[k];
	if (R.ws)
		snprintf(priv, sizeof(priv), "%lluMiB",
			 (unsigned long long)(R.ws >> 20));
	printf("virtio-bench: %2uKiB x%u vcpu %-9s priv %-7s: ",
	       len >> 10, threads, dir_name[dir], priv);
	printf("path %6.2f GB/s memcpy %6.2f GB/s ratio %.2f", gbs[SIDE_PATH],
	       gbs[SIDE_MEMCPY], gbs[SIDE_PATH] / gbs[SIDE_MEMCPY]);
	printf(" (reps %.2f..%.2f, median %.2f); memcpy+memset %6.2f GB/s ratio %.2f\n",
	       ratio[0], ratio[reps - 1], ratio[reps / 2], gbs[SIDE_COPY_ZERO],
	       gbs[SIDE_COPY_ZERO] / gbs[SIDE_MEMCPY]);
	fflush(stdout);
}

/* "-w MIB[,MIB]": the working sets, in MiB; how many, 0 when malformed. */
static u32 parse_ws(const char *arg, u32 *ws)
{
	u32 n = 0;
	char *end;

	for (;;) {
		if (n == MAX_WS || *arg < '0' || *arg > '9')
			return 0;
		ws[n] = (u32)strtoul(arg, &end, 10);
		if (ws[n] > MAX_WS_MIB)
			return 0;
		n++;
		if (!*end)
			return n;
		if (*end != ',')
			return 0;
		arg = end + 1;
	}
}

static void help(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-g] [-r REPS] [-m MIB] [-s SLOT] [-t THREADS] [-w MIB[,MIB]] [-q]\n",
		prog);
	exit(2);
}

int main(int argc, char **argv)
{
	static const u32 sizes[] = { 4096, 65536 };
	u32 reps = 7, mib = 1024, slot = 65536, max_threads = MAX_THREADS;
	u32 ws[MAX_WS] = { 0, 256 }, nr_ws = 2;
	u32 threads, s, i, d, w;
	bool ws_given = false;
	int opt;

	while ((opt = getopt(argc, argv, "gr:m:s:t:w:q")) != -1) {
		switch (opt) {
		case 'g':
			R.whole_slot = true;
			break;
		case 'r':
			reps = (u32)strtoul(optarg, NULL, 0);
			break;
		case 'm':
			mib = (u32)strtoul(optarg, NULL, 0);
			break;
		case 's':
			slot = (u32)strtoul(optarg, NULL, 0);
			break;
		case 't':
			max_threads = (u32)strtoul(optarg, NULL, 0);
			break;
		case 'w':
			nr_ws = parse_ws(optarg, ws);
			if (!nr_ws)
				help(argv[0]);
			ws_given = true;
			break;
		case 'q':
			reps = 2;
			mib = 4;
			if (!ws_given)
				ws[1] = 16;
			break;
		default:
			help(argv[0]);
		}
	}
	if (!reps || reps > MAX_REPS || !mib || !max_threads ||
	    max_threads > MAX_THREADS || slot < 64 || (slot & (slot - 1)) ||
	    65536 / slot > MAX_SEGS - 1)
		help(argv[0]);

	printf("virtio-bench: slot %u bytes (%s), ring of %u,",
	       slot, R.whole_slot ? "gv_bounce_get: whole slots scrubbed" :
	       "gv_bounce_get_for: extents scrubbed", RING_NUM);
	printf(" %u repetitions of %u MiB per thread and side\n", reps, mib);
	R.priv_bytes = 1U << 20;
	for (w = 0; w < nr_ws; w++)
		if (((u64)ws[w] << 20) > R.priv_bytes)
			R.priv_bytes = (u64)ws[w] << 20;
	for (threads = 1; threads <= max_threads; threads++) {
		R.nr_threads = threads;
		R.slot = slot;
		/* Enough slots for one request of 64 KiB without growing. */
		if (gv_bounce_init(&R.pool, &pool_ops, NULL, R.area, threads,
				   slot, slot * SLOTS_PER_CHUNK < 4096 ? 4096 :
				   slot * SLOTS_PER_CHUNK, 1, 2 * threads))
			die("pool setup failed");
		if (pthread_barrier_init(&R.start, NULL, threads + 1) ||
		    pthread_barrier_init(&R.done, NULL, threads + 1))
			die("barrier");
		for (i = 0; i < threads; i++) {
			vcpu_setup(&R.vcpu[i], i);
			if (pthread_create(&R.vcpu[i].thread, NULL, vcpu_main,
					   &R.vcpu[i]))
				die("pthread_create");
		}
		for (w = 0; w < nr_ws; w++) {
			R.ws = (u64)ws[w] << 20;
			for (s = 0; s < ARRAY_SIZE(sizes); s++)
				for (d = 0; d < NR_DIRS; d++)
					figure(sizes[s], threads, d, reps,
					       (u64)mib << 20);
		}
		R.side = -1;
		pthread_barrier_wait(&R.start);
		for (i = 0; i < threads; i++) {
			pthread_join(R.vcpu[i].thread, NULL);
			vcpu_teardown(&R.vcpu[i]);
		}
		pthread_barrier_destroy(&R.start);
		pthread_barrier_destroy(&R.done);
		if (R.pool.stat.in_use || R.pool.stat.grows ||
		    R.pool.stat.bad_handles || R.pool.stat.failures)
			die("pool statistics: slots in use, grown or refused");
		gv_bounce_destroy(&R.pool);
	}
	return 0;
}
