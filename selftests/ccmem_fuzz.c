// SPDX-License-Identifier: GPL-2.0
/*
 * ccmem_fuzz - an in-VM ioctl fuzzer for ccmem: every return is a
 * documented errno, and nothing is left behind.
 *
 * Several threads issue random ioctls with random and boundary arguments
 * on /dev/ccmem, on the fds of several VMs (SNP and TDX ones, plain ones
 * and ones with an emulated guest) and on their vCPU fds: every ioctl of
 * ccmem.h and ccmem_emu.h, random command numbers in the 0xCC range and
 * outside it, and commands of one fd kind sent to another. Arguments are
 * mostly plausible (ranges in and around the VM's regions) with boundary
 * values (0, 1, page - 1, 2 MiB, CCMEM_MAX_GPA - 1, a TD's shared bit, ~0,
 * negative sizes, unaligned values, reserved fields and unknown flags set)
 * and bad pointers (NULL, unmapped, read-only, straddling a guard page,
 * kernel and non-canonical addresses). TDX VMs come with random valid and
 * invalid attributes and GPA widths; most VMs enable their conversion
 * exits (CCMEM_VM_ENABLE_CAP), some are finalized (CCMEM_VM_FINALIZE).
 * Guest programs mix plausible steps with random ones, raw PSC requests
 * and raw VMGEXITs (SNP), raw TDG.VP.VMCALLs (TDX: MapGPA and others), and
 * now and then a step of the other platform. Mixed in:
 *
 *  - closes: VMs and vCPUs are closed and recreated while other threads
 *    call them through dup()ed fds;
 *  - forks: a child calls the fds it inherited (every VM and vCPU ioctl
 *    must fail with -EIO there), makes a VM of its own and exits with it,
 *    or is SIGKILLed wherever it is (it must still exit);
 *  - module unloads: ccmem_snp, ccmem_tdx and ccmem_guest must refuse
 *    (EWOULDBLOCK) while a VM that pins them is open, and must go once
 *    every VM of theirs is closed (then they are loaded again at once);
 *  - the per-user and per-VM limits, lowered for the run (seeded), and
 *    VMs run into their caps, so that those errnos come up too.
 *
 * The oracle is a table (fz_iocs[]): for each ioctl, the errnos that
 * Documentation/uapi.rst and the uapi kernel-doc give it, plus the errors
 * every VM fd ioctl, or every "live" one, can return. -EFAULT counts only
 * when a pointer was bad; -EIO only on a VM that is dead (checked through
 * its "vm.state" counter); -EINTR only when this thread was signalled;
 * -ENOTTY only for a command the fd does not have (and then it is the only
 * answer). A call that sets a must-be-zero field or an unknown flag must
 * fail; so must one the VM's type refuses (an instruction of the other
 * platform, a region beyond a TD's shared bit, launch pages after the
 * VM was finalized), and where the documentation names the errno it
 * must be that one. Errnos that belong to the other platform (SNP's
 * -EOPNOTSUPP for the TDX controls) are refused on the wrong VM. Exits
 * must have their documented form, and a conversion exit comes only
 * from a VM whose VMM enabled them. And an ioctl that fails changes
 * nothing: now and then a thread takes a VM to itself and compares its
 * counters, its map and its fault queue around each failed call.
 * Anything else is a finding: the call, its arguments and the errno are
 * printed, and the test fails at the end. The vmtest runner fails the run
 * on any kernel WARNING, BUG or Oops; a call stuck for FZ_HANG_SECS is
 * reported with the kernel stacks.
 *
 * Afterwards: no VM and no pool page is left (debugfs), and ccmem_guest,
 * ccmem_snp and ccmem_tdx unload and load again.
 *
 * Parameters, from the environment or from the kernel command line (the
 * vmtest runner passes VMTEST_APPEND="CCMEM_FUZZ_SECONDS=600 ..." to the
 * programs' environment):
 *
 *   CCMEM_FUZZ_SEED	the seed (default: from the clock; always printed)
 *   CCMEM_FUZZ_SECONDS	how long to fuzz (default CCMEM_FUZZ_DEFAULT_SECONDS)
 *   CCMEM_FUZZ_CALLS	stop after this many ioctls (default: no bound)
 *   CCMEM_FUZZ_THREADS	worker threads (default 4; 1 replays a seed most
 *			faithfully, as then only the vCPU threads race)
 *   CCMEM_FUZZ_SKIP	comma-separated switches that turn off a pattern:
 *			fork, unload, dup, inject, run, burst, fill, notrace,
 *			limits, bigmap, tdx (SNP VMs only), snp (TDX only)
 *   CCMEM_FUZZ_VERBOSE	1: print every finding, not the first 3 of a kind
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "ccmem_test.h"
#include "ghcb.h"
#include "tdx_abi.h"

#ifndef CCMEM_FUZZ_DEFAULT_SECONDS
#define CCMEM_FUZZ_DEFAULT_SECONDS	20
#endif

#define FZ_MAX_THREADS		16
#define FZ_VMS			4	/* VM slots */
#define FZ_VCPUS		4	/* vCPU slots per VM */
#define FZ_DEVS			2	/* /dev/ccmem fds */
#define FZ_ARENA		(64ULL << 20)	/* shared backing of a VM slot */
#define FZ_REGION_BUDGET	(64ULL << 20)	/* bytes of regions per VM */
#define FZ_TRACK		600	/* regions tracked per VM (> 512) */
#define FZ_PINS			32	/* recent pins remembered per VM */
#define FZ_SCRATCH		(1ULL << 20)	/* inner buffers of a thread */
#define FZ_LEAK_BUDGET		16384	/* leaked pages before arms stop */
#define FZ_HANG_SECS		150	/* one call this long: a hang */
#define FZ_KICK_MS		20	/* a run this long gets a signal */
#define FZ_FINDING_PRINTS	3	/* full reports per kind of finding */
#define FZ_KINDS		256
#define FZ_CHILD_LOG		80

#define KERNEL_PTR		0xffff888000000000ULL
/* TASK_SIZE_MAX: 4-level paging, or 5-level (la57, as TCG's -cpu max has). */
#define USER_TOP_4L		0x7ffffffff000ULL
#define USER_TOP_5L		0xfffffffffff000ULL
#define USER_TOP		fz.user_top

/* --- the ioctls and their documented errnos ------------------------------ */

enum fz_fdkind { FD_DEV, FD_VM, FD_VCPU, FD_NR };
static const char *const fz_fdname[] = { "/dev/ccmem", "VM fd", "vCPU fd" };

enum {
	I_API, I_CHECK, I_CREATE_VM,
	I_ADD, I_DEL, I_ATTR, I_POP, I_PIN, I_UNPIN, I_FAULTS, I_STATS,
	I_MAP, I_VCPU, I_ENCAP, I_FINAL, I_LAUNCH, I_RUN, I_INSN, I_ACCESS,
	I_LOOKUP, I_INJECT, I_GINIT, I_PROG, I_NR,
	I_RANDOM = I_NR,	/* statistics bucket of random commands */
	I_NSTAT,
};

/* fz_ioc.flags */
#define FZ_LIVE		(1U << 0)	/* "live": EINTR, EIO, EOPNOTSUPP */
#define FZ_EMU		(1U << 1)	/* an ioctl of ccmem_emu.h */
#define FZ_BACKING	(1U << 2)	/* touches the regions' shared backing */
#define FZ_RET_FD	(1U << 3)	/* success is a new fd */
#define FZ_RET_VAL	(1U << 4)	/* success is a value (>= 0) */

/**
 * struct fz_ioc - one ioctl, as the documentation describes it.
 * @name:	its name.
 * @cmd:	the command.
 * @on:		the fd kind that has it.
 * @flags:	FZ_*.
 * @errs:	its own documented errnos (0-terminated), from
 *		Documentation/uapi.rst and the uapi kernel-doc.
 */
struct fz_ioc {
	const char *name;
	unsigned long cmd;
	enum fz_fdkind on;
	unsigned int flags;
	int errs[12];
};

static const struct fz_ioc fz_iocs[I_NR] = {
	[I_API] = { "CCMEM_GET_API_VERSION", CCMEM_GET_API_VERSION, FD_DEV,
		    FZ_RET_VAL, { EINVAL } },
	[I_CHECK] = { "CCMEM_CHECK_EXTENSION", CCMEM_CHECK_EXTENSION, FD_DEV,
		      FZ_RET_VAL, { 0 } },
	[I_CREATE_VM] = { "CCMEM_CREATE_VM", CCMEM_CREATE_VM, FD_DEV,
			  FZ_RET_FD, { EFAULT, EINVAL, ENODEV, EDQUOT, EBUSY,
				       ENOMEM, EMFILE, ENFILE } },
	[I_ADD] = { "CCMEM_VM_ADD_REGION", CCMEM_VM_ADD_REGION, FD_VM, FZ_LIVE,
		    { EFAULT, EINVAL, E2BIG, ENOSPC, EEXIST, ENOMEM } },
	[I_DEL] = { "CCMEM_VM_DELETE_REGION", CCMEM_VM_DELETE_REGION, FD_VM,
		    FZ_LIVE, { EINVAL, ENOENT, EBUSY, EIO, ENOSPC, ENOMEM } },
	[I_ATTR] = { "CCMEM_VM_SET_ATTRIBUTES", CCMEM_VM_SET_ATTRIBUTES, FD_VM,
		     FZ_LIVE, { EFAULT, EINVAL, ENOENT, EBUSY, ENOSPC, EIO,
				ENOMEM } },
	[I_POP] = { "CCMEM_VM_POPULATE", CCMEM_VM_POPULATE, FD_VM, FZ_LIVE,
		    { EFAULT, EINVAL, ENOENT, EPERM, EBUSY, ENOMEM, EIO,
		      EINTR } },
	[I_PIN] = { "CCMEM_VM_PIN", CCMEM_VM_PIN, FD_VM, FZ_LIVE | FZ_BACKING,
		    { EFAULT, EINVAL, ENOENT, EPERM, ENOSPC, ENOMEM, EAGAIN,
		      EINTR, EIO } },
	[I_UNPIN] = { "CCMEM_VM_UNPIN", CCMEM_VM_UNPIN, FD_VM, FZ_LIVE,
		      { EFAULT, EINVAL, ENOENT } },
	[I_FAULTS] = { "CCMEM_VM_READ_FAULTS", CCMEM_VM_READ_FAULTS, FD_VM, 0,
		       { EFAULT, EINVAL, EINTR, ENOMEM } },
	[I_STATS] = { "CCMEM_VM_GET_STATS", CCMEM_VM_GET_STATS, FD_VM, 0,
		      { EFAULT, EINVAL, EINTR, ENOMEM } },
	[I_MAP] = { "CCMEM_VM_GET_MAP", CCMEM_VM_GET_MAP, FD_VM, 0,
		    { EFAULT, EINVAL, E2BIG, ENOMEM, EINTR } },
	[I_VCPU] = { "CCMEM_VM_CREATE_VCPU", CCMEM_VM_CREATE_VCPU, FD_VM,
		     FZ_RET_FD, { EINVAL, EAGAIN, EIO, EEXIST, ENOMEM, EMFILE,
				  ENFILE } },
	[I_ENCAP] = { "CCMEM_VM_ENABLE_CAP", CCMEM_VM_ENABLE_CAP, FD_VM,
		      FZ_LIVE, { EINVAL, EIO } },
	[I_FINAL] = { "CCMEM_VM_FINALIZE", CCMEM_VM_FINALIZE, FD_VM, FZ_LIVE,
		      { EIO } },
	[I_LAUNCH] = { "CCMEM_VM_LAUNCH_UPDATE", CCMEM_VM_LAUNCH_UPDATE, FD_VM,
		       FZ_LIVE, { EFAULT, EINVAL, ENOENT, EPERM, EEXIST, EBUSY,
				  ENOMEM, EINTR, EIO } },
	[I_RUN] = { "CCMEM_VCPU_RUN", CCMEM_VCPU_RUN, FD_VCPU, 0,
		    { EFAULT, EINVAL, ESHUTDOWN, ENOEXEC, EINTR, EIO } },
	[I_INSN] = { "CCMEM_EMU_GUEST_INSN", CCMEM_EMU_GUEST_INSN, FD_VM,
		     FZ_LIVE | FZ_EMU, { EFAULT, EINVAL, EAGAIN, ENOMEM, EIO } },
	[I_ACCESS] = { "CCMEM_EMU_ACCESS", CCMEM_EMU_ACCESS, FD_VM,
		       FZ_LIVE | FZ_EMU | FZ_BACKING,
		       { EFAULT, EINVAL, ENOENT, EAGAIN, ENOMEM, EINTR, EIO } },
	[I_LOOKUP] = { "CCMEM_EMU_LOOKUP", CCMEM_EMU_LOOKUP, FD_VM,
		       FZ_LIVE | FZ_EMU, { EFAULT, EINVAL } },
	[I_INJECT] = { "CCMEM_EMU_INJECT", CCMEM_EMU_INJECT, FD_VM,
		       FZ_LIVE | FZ_EMU, { EFAULT, EINVAL, ENOENT, EBUSY,
					   EOPNOTSUPP, ENOMEM } },
	[I_GINIT] = { "CCMEM_EMU_GUEST_INIT", CCMEM_EMU_GUEST_INIT, FD_VM,
		      FZ_LIVE | FZ_EMU, { EEXIST, ENODEV, EFAULT, EINVAL, E2BIG,
					  EOPNOTSUPP, ENOMEM } },
	[I_PROG] = { "CCMEM_VCPU_EMU_SET_PROGRAM", CCMEM_VCPU_EMU_SET_PROGRAM,
		     FD_VCPU, 0, { EFAULT, EINVAL, EBUSY, ENOMEM } },
};

static int fz_ioc_of(unsigned long cmd)
{
	int i;

	for (i = 0; i < I_NR; i++)
		if (fz_iocs[i].cmd == cmd)
			return i;
	return -1;
}

/* --- the run's state ----------------------------------------------------- */

/* One region of a VM as the fuzzer added it. */
struct fz_region {
	__u64 gpa;
	__u64 size;
	__u32 flags;
	bool bad_backing;	/* not the VM's arena: accesses may fault */
};

struct fz_vcpu {
	pthread_rwlock_t lock;	/* read: fd in use; write: closing it */
	int fd;
	__u32 id;
	bool dead;		/* ran to CCMEM_EXIT_TERMINATED */
};

/**
 * struct fz_vm - a VM slot.
 * @lock:	read: the fd (and the vCPU slots) are in use; write: the
 *		slot is closed or opened.
 * @fd:		the VM fd, -1 when the slot is empty.
 * @gen:	bumped every time the slot gets a new VM.
 * @mu:		protects the bookkeeping below, which threads update after
 *		their calls (possibly through a dup()ed fd of an older
 *		generation: then they leave it alone).
 * @type:	CCMEM_VM_SNP or CCMEM_VM_TDX; with @gpaw and @limit, set
 *		with the fd (the slot write-locked).
 * @gpaw:	a TD's GPA width (48 or 52), 0 for SNP.
 * @limit:	guest memory lies below: CCMEM_MAX_GPA, or a TD's shared bit.
 * @exits_maybe: CCMEM_VM_ENABLE_CAP may have enabled the conversion exits
 *		(set before the call).
 * @fin_maybe:	the VM may be finalized (set before CCMEM_VM_FINALIZE or a
 *		run is issued).
 * @finalized:	it is: one of those returned 0.
 */
struct fz_vm {
	pthread_rwlock_t lock;
	int fd;
	__u64 gen;
	pthread_mutex_t mu;
	pthread_cond_t idle;		/* signalled when @dup_users drops to 0 */
	__u32 dup_users;		/* calls through dup()s, slot unlocked */
	__u32 type;
	__u32 gpaw;
	__u64 limit;
	bool exits_maybe;
	bool fin_maybe;
	bool finalized;
	bool guest;			/* has an emulated guest */
	bool dead;			/* "vm.state" said dead */
	bool terminated;		/* its guest terminated */
	bool bad_backing;		/* some region's backing faults */
	__u64 ram_gpa, ram_size, comm_gpa;
	__u64 inj_gpa;			/* the page of the last BUSY, BLOCK */
	__u64 bytes;			/* of regions, reserved or added */
	__u32 nr;
	struct fz_region r[FZ_TRACK];
	struct { __u64 gpa, size; } pins[FZ_PINS];
	__u32 pin_next;
	__u8 *arena;			/* FZ_ARENA of shared backing */
	struct fz_vcpu vcpu[FZ_VCPUS];
};

/* What a forked child did, in shared memory for the parent to judge. */
struct fz_child_ent {
	__s32 idx;		/* I_* */
	__s32 inherited;	/* called on an fd of the parent */
	__s64 ret;
	__s32 err;
	__s32 pad;
};

struct fz_child_log {
	__u32 nr;
	struct fz_child_ent e[FZ_CHILD_LOG];
};

/**
 * struct fz_call - one ioctl and what the oracle needs to judge it.
 * @idx:	I_* of the command, or -1 for a command the fd does not have.
 * @cmd:	the command.
 * @on:		the kind of fd it went to.
 * @fd:		the fd.
 * @vmfd:	a vCPU fd's VM fd (to ask whether the VM is dead), or -1.
 * @vm:		the VM slot behind the fd, or NULL.
 * @arg:	the argument.
 * @mode:	where the argument struct was (P_*).
 * @copy:	the struct as sent (for printing), @sz bytes.
 * @rw:		where the kernel's answer can be read back, or NULL.
 * @inner_bad:	an inner pointer (records, buffers, steps) may fault.
 * @spoiled:	the must-be-zero field or flag that was set, or NULL.
 * @want:	when it fails, with one of these (0-terminated; the errors
 *		every call may have aside), as documented for its cause.
 * @deny:	errnos of the ioctl that this call may not have (another
 *		platform's, or another operation's), 0-terminated.
 * @want_enotty: only -ENOTTY is a right answer.
 * @ret:	the return value.
 * @err:	errno when @ret < 0.
 * @kicks:	this thread's signal count before the call.
 * @ns:		how long it took.
 */
struct fz_call {
	int idx;
	unsigned long cmd;
	enum fz_fdkind on;
	int fd;
	int vmfd;
	struct fz_vm *vm;
	unsigned long arg;
	int mode;
	const void *copy;
	size_t sz;
	void *rw;
	bool inner_bad;
	const char *spoiled;
	int want[3];
	int deny[4];
	bool want_enotty;
	long ret;
	int err;
	__u32 kicks;
	__u64 ns;
};

struct fz_thread {
	int idx;
	bool bias_bad;		/* bad pointers more often */
	__u64 gen;		/* the generation of the VM slot it calls ... */
	__u32 type;		/* ... and that VM's type, ... */
	__u32 gpaw;		/* ... GPA width (TDX) ... */
	__u64 limit;		/* ... and the end of its guest memory */
	pthread_t th;
	__u64 rng;
	__u64 calls;
	__u32 kicks;		/* SIGUSR1s received (LD, INC) */
	int in_run;		/* blocked in CCMEM_VCPU_RUN */
	__u64 run_since;
	__u64 last_kick;
	const char *op;		/* the blocking call it is in, or NULL */
	__u64 op_since;
	struct fz_call last;	/* the last call (the no-trace check) ... */
	__u8 last_arg[512];	/* ... and its struct */
	__u8 *page;		/* a RW page, then a guard page */
	__u8 *ro;		/* a read-only view of ... */
	__u8 *ro_rw;		/* ... this page */
	__u8 *scratch;		/* FZ_SCRATCH, then a guard page */
	__u8 *child_arena;	/* backing for a forked child's VM */
	struct fz_child_log *clog;
};

static struct fz {
	__u64 seed;
	unsigned int seconds;
	__u64 max_calls;
	unsigned int nthreads;
	bool verbose;
	char skip[256];

	pthread_rwlock_t world;	/* read: an action; write: stop the world */
	pthread_mutex_t print_lock;
	pthread_mutex_t module_lock;	/* one unload/load at a time */
	pthread_rwlock_t dev_lock[FZ_DEVS];
	int dev[FZ_DEVS];
	struct fz_vm vm[FZ_VMS];
	struct fz_thread t[FZ_MAX_THREADS];

	__u8 *hole;		/* FZ_ARENA mapped PROT_NONE */
	__u8 *rodata;		/* FZ_ARENA mapped read-only */
	__u8 *top;		/* PROT_NONE just below USER_TOP, or NULL */
	__u64 user_top;		/* the end of user space */

	int stop;		/* 1: workers stop; 2: the watchdog too */
	__u64 t0, deadline;
	__u64 calls;
	__u64 findings;
	__u64 kinds_nr;
	struct { char key[160]; __u64 n; } kinds[FZ_KINDS];

	__u64 hist[I_NSTAT][134];
	__u64 slowest_ns[I_NSTAT];
	__u64 total_ns[I_NSTAT];
	__u64 act_n[16], act_ns[16];	/* per kind of action */
	__u64 vms_opened, vcpus_opened, forks, kills, bursts, fills;
	__u64 notrace_checks;
	__u64 unload_ok, unload_refused, runs, exits;
	__u64 arms;
	__u64 vms_tdx, enables, finalizes, converts, tdvmcalls;
	long long leaked_pages, pool_pages;
	bool snp_loaded, guest_loaded, tdx_loaded;
	bool tdx_module;	/* ccmem_tdx was loaded at the start */

	/* Module parameters: the values found, and those of the run. */
	long long attr_cap0, vcpu_cap0, asid_cap0, hkid_cap0;
	long long attr_cap, vcpu_cap, asid_cap, hkid_cap;
} fz;

static __thread struct fz_thread *fz_self;

/* Counters and flags shared by the threads: plain fields, atomic access. */
#define LD(x)		__atomic_load_n(&(x), __ATOMIC_SEQ_CST)
#define ST(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_SEQ_CST)
#define INC(x, v)	__atomic_fetch_add(&(x), (v), __ATOMIC_SEQ_CST)

#define P_VCPUS	"/sys/module/ccmem/parameters/max_vcpus_per_user"
#define P_RANGES "/sys/module/ccmem/parameters/max_attr_ranges"
#define P_ASIDS	"/sys/module/ccmem_snp/parameters/max_asids_per_user"
#define P_HKIDS	"/sys/module/ccmem_tdx/parameters/max_hkids_per_user"

/* --- small helpers ------------------------------------------------------- */

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void nap_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static __u64 rnd(struct fz_thread *t)
{
	__u64 z = (t->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static __u64 below(struct fz_thread *t, __u64 n)
{
	return n ? rnd(t) % n : 0;
}

/* True one time in @n. */
static bool one_in(struct fz_thread *t, __u64 n)
{
	return below(t, n) == 0;
}

static bool fz_skip(const char *what)
{
	size_t n = strlen(what);
	const char *s = fz.skip;

	while ((s = strstr(s, what))) {
		if ((s == fz.skip || s[-1] == ',') && (!s[n] || s[n] == ','))
			return true;
		s += n;
	}
	return false;
}

/* CCMEM_FUZZ_<NAME> from the environment, else NAME=value on /proc/cmdline. */
static const char *fz_param(const char *name, char *buf, size_t len)
{
	char key[64], line[4096], *tok, *save;
	const char *v;
	FILE *f;

	snprintf(key, sizeof(key), "CCMEM_FUZZ_%s", name);
	v = getenv(key);
	if (v)
		return v;
	f = fopen("/proc/cmdline", "r");
	if (!f)
		return NULL;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return NULL;
	}
	fclose(f);
	for (tok = strtok_r(line, "\n ", &save); tok;
	     tok = strtok_r(NULL, "\n ", &save)) {
		if (!strncmp(tok, key, strlen(key)) && tok[strlen(key)] == '=') {
			snprintf(buf, len, "%s", tok + strlen(key) + 1);
			return buf;
		}
	}
	return NULL;
}

static void fz_print(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&fz.print_lock);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
	pthread_mutex_unlock(&fz.print_lock);
}

static const char *ename(int err)
{
	return err ? ccmem_errno_name(err) : "0";
}

/* --- values -------------------------------------------------------------- */

static const __u64 fz_interesting[] = {
	0, 1, 2, 0x7ff, 0xfff, 0x1000, 0x1001, 0x1fff, 0x2000, 0x1ff000,
	0x1fffff, 0x200000, 0x200001, 0x201000, 0x3ff000, 0x400000,
	0x3fffffff, 0x40000000, 0x40001000, 0xffffffff, 0x100000000ULL,
	CCMEM_MAX_PIN_SIZE, CCMEM_MAX_PIN_SIZE + 0x1000,
	CCMEM_MAX_REGION_SIZE - 0x1000, CCMEM_MAX_REGION_SIZE,
	CCMEM_MAX_REGION_SIZE + 0x1000, CCMEM_MAX_GPA - 0x200000,
	CCMEM_MAX_GPA - 0x1000, CCMEM_MAX_GPA - 1, CCMEM_MAX_GPA,
	CCMEM_MAX_GPA + 0x1000, 1ULL << 52, 1ULL << 63, (__u64)-0x200000,
	TDX_SHARED_BIT(48) - 0x200000, TDX_SHARED_BIT(48) - 0x1000,
	TDX_SHARED_BIT(48), TDX_SHARED_BIT(48) + 0x1000,
	(__u64)-0x1000, (__u64)-1, USER_TOP_4L, USER_TOP_5L, KERNEL_PTR,
};

static const __u32 fz_interesting32[] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 16, 21, 29, 30, 31, 32, 63, 64, 65,
	253, 254, 255, 256, 2032, 4095, 4096, 4097, 65535, 65536, 65537,
	0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
};

static __u64 v_interesting(struct fz_thread *t)
{
	return fz_interesting[below(t, ARRAY_SIZE(fz_interesting))];
}

static __u32 v32(struct fz_thread *t)
{
	switch (below(t, 4)) {
	case 0:
	case 1:
		return fz_interesting32[below(t, ARRAY_SIZE(fz_interesting32))];
	case 2:
		return below(t, 16);
	default:
		return rnd(t);
	}
}

static __u64 v64(struct fz_thread *t)
{
	switch (below(t, 5)) {
	case 0:
	case 1:
		return v_interesting(t);
	case 2:
		return below(t, 0x10000);
	case 3:
		return rnd(t) >> below(t, 64);
	default:
		return rnd(t);
	}
}

/* A non-zero value for a field that must be zero. */
static __u64 v_nonzero(struct fz_thread *t)
{
	__u64 v = v64(t);

	return v ? v : 1;
}

/*
 * Set a must-be-zero field (or reserved one, or an unknown flag) and note
 * it in the call: the call must then fail.
 */
#define SPOIL32(t, c, lval)	fz_spoil32(t, c, &(lval), #lval)
#define SPOIL64(t, c, lval)	fz_spoil64(t, c, &(lval), #lval)
/* One element of the __u64 array @arr of @n. */
#define SPOILA(t, c, arr, n)	fz_spoil_one(t, c, arr, n, #arr "[]")

/* --- pointers -------------------------------------------------------------- */

/* Where an argument struct is passed. */
enum {
	P_GOOD, P_RO, P_NULL, P_UNMAPPED, P_KERNEL, P_STRADDLE, P_NONCANON,
	P_VALUE, P_NR,
};

static const char *const fz_pname[] = {
	"good", "read-only", "NULL", "unmapped", "kernel", "straddling",
	"non-canonical", "value",
};

static int fz_pick_mode(struct fz_thread *t)
{
	unsigned int r = below(t, 100);

	if (t->bias_bad && r < 50)
		r += 50;	/* the no-trace check wants failures */
	if (r < 88)
		return P_GOOD;
	if (r < 92)
		return P_RO;
	return P_NULL + below(t, P_VALUE - P_NULL);
}

static unsigned long fz_bad_ptr(struct fz_thread *t, int mode)
{
	switch (mode) {
	case P_NULL:
		return 0;
	case P_UNMAPPED:
		return one_in(t, 2) ? (unsigned long)(t->page + 4096) :
		       (unsigned long)fz.hole + below(t, FZ_ARENA / 4096) * 4096;
	case P_KERNEL:
		return one_in(t, 2) ? KERNEL_PTR + below(t, 1 << 20) * 8 :
		       0xffffffff81000000ULL;
	default:	/* above 56 bits: non-canonical with 4 or 5 levels */
		return one_in(t, 2) ? 1ULL << 57 : 1ULL << 63;
	}
}

/*
 * Put the @sz bytes at @s where @mode says; returns the argument. *@rw
 * gets where the kernel's answer can be read back (NULL if nowhere).
 */
static unsigned long fz_place(struct fz_thread *t, const void *s, size_t sz,
			      int mode, void **rw)
{
	size_t off;

	*rw = NULL;
	switch (mode) {
	case P_GOOD:
		off = one_in(t, 16) ? 4096 - sz : below(t, (4096 - sz) / 8) * 8;
		memcpy(t->page + off, s, sz);
		*rw = t->page + off;
		return (unsigned long)(t->page + off);
	case P_RO:
		off = below(t, (4096 - sz) / 8) * 8;
		memcpy(t->ro_rw + off, s, sz);
		return (unsigned long)(t->ro + off);
	case P_STRADDLE:
		off = 4096 - 1 - below(t, sz - 1);	/* at least 1 byte out */
		memcpy(t->page + off, s, 4096 - off);
		return (unsigned long)(t->page + off);
	default:
		return fz_bad_ptr(t, mode);
	}
}

/*
 * A pointer for an inner buffer of @len bytes (@out: the kernel writes
 * it). Sets *@bad when the kernel may not be able to use all of it.
 */
static __u64 fz_inner(struct fz_thread *t, __u64 len, bool out, bool *bad)
{
	unsigned int r = below(t, 100);

	if (r < 88) {
		if (len > FZ_SCRATCH)
			*bad = true;
		return (uintptr_t)t->scratch;
	}
	if (r < 92) {
		if (out || len > 4096)
			*bad = true;
		return (uintptr_t)t->ro;
	}
	*bad = true;
	return fz_bad_ptr(t, P_NULL + below(t, P_STRADDLE - P_NULL));
}

/* --- findings -------------------------------------------------------------- */

/* Count a finding of kind @key; true when it should be printed in full. */
static bool fz_finding_kind(const char *key)
{
	__u64 i, nr, n;

	INC(fz.findings, 1);
	pthread_mutex_lock(&fz.print_lock);
	nr = fz.kinds_nr;
	for (i = 0; i < nr; i++)
		if (!strcmp(fz.kinds[i].key, key))
			break;
	if (i == nr && nr < FZ_KINDS) {
		snprintf(fz.kinds[i].key, sizeof(fz.kinds[i].key), "%s", key);
		ST(fz.kinds_nr, nr + 1);
	}
	n = i < FZ_KINDS ? ++fz.kinds[i].n : FZ_FINDING_PRINTS + 1;
	pthread_mutex_unlock(&fz.print_lock);
	return fz.verbose || n <= FZ_FINDING_PRINTS;
}

/* A finding that is not about one call (modules, counters, hangs). */
static void fz_finding(const char *key, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!fz_finding_kind(key))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fz_print("# FINDING [%s] (seed %llu): %s\n", key, fz.seed, msg);
}

/* --- calls ------------------------------------------------------------------- */

static void fz_spoil32(struct fz_thread *t, struct fz_call *c, __u32 *f,
		       const char *name)
{
	__u32 v = v_nonzero(t);

	*f = v ? v : 1;
	c->spoiled = name;
}

static void fz_spoil64(struct fz_thread *t, struct fz_call *c, __u64 *f,
		       const char *name)
{
	*f = v_nonzero(t);
	c->spoiled = name;
}

static void fz_spoil_one(struct fz_thread *t, struct fz_call *c, __u64 *arr,
			 unsigned int n, const char *name)
{
	fz_spoil64(t, c, &arr[below(t, n)], name);
}

static void fz_call_init(struct fz_call *c, int idx, enum fz_fdkind on, int fd,
			 struct fz_vm *vm)
{
	memset(c, 0, sizeof(*c));
	c->idx = idx;
	c->cmd = idx >= 0 ? fz_iocs[idx].cmd : 0;
	c->on = on;
	c->fd = fd;
	c->vmfd = on == FD_VM ? fd : -1;
	c->vm = vm;
	c->mode = P_VALUE;
}

static const char *fz_call_name(const struct fz_call *c, char *buf, size_t len)
{
	int i = fz_ioc_of(c->cmd);

	if (i >= 0)
		return fz_iocs[i].name;
	snprintf(buf, len, "cmd 0x%lx (type 0x%lx nr 0x%lx size %lu dir %lu)",
		 c->cmd, (c->cmd >> 8) & 0xff, c->cmd & 0xff,
		 (c->cmd >> 16) & 0x3fff, c->cmd >> 30);
	return buf;
}

static void fz_issue(struct fz_thread *t, struct fz_call *c)
{
	int stat = c->idx >= 0 && !c->want_enotty ? c->idx : I_RANDOM;
	__u64 t0 = now_ns(), slow;

	c->kicks = LD(t->kicks);
	ST(t->op_since, t0);
	ST(t->op, c->idx >= 0 ? fz_iocs[c->idx].name : "random ioctl");
	c->ret = ioctl(c->fd, c->cmd, c->arg);
	c->err = c->ret < 0 ? errno : 0;
	ST(t->op, NULL);
	c->ns = now_ns() - t0;
	t->last = *c;
	t->last.copy = NULL;
	if (c->copy && c->sz <= sizeof(t->last_arg)) {
		memcpy(t->last_arg, c->copy, c->sz);
		t->last.copy = t->last_arg;
	}
	t->calls++;
	INC(fz.calls, 1);
	INC(fz.hist[stat][c->err < 134 ? c->err : 0], 1);
	INC(fz.total_ns[stat], c->ns);
	slow = LD(fz.slowest_ns[stat]);
	while (c->ns > slow &&
	       !__atomic_compare_exchange_n(&fz.slowest_ns[stat], &slow, c->ns,
					    true, __ATOMIC_SEQ_CST,
					    __ATOMIC_SEQ_CST))
		;
}

/* Print the struct as sent: its u64 words, or the value. */
static void fz_print_arg(const struct fz_call *c, char *buf, size_t len)
{
	const __u64 *w = c->copy;
	size_t i, n = 0;

	if (c->mode == P_VALUE || !c->copy) {
		snprintf(buf, len, "arg 0x%lx", c->arg);
		return;
	}
	n += snprintf(buf + n, len - n, "struct (%s, at 0x%lx):", fz_pname[c->mode],
		      c->arg);
	for (i = 0; i < c->sz / 8 && n < len - 24; i++)
		n += snprintf(buf + n, len - n, "%s%llx", i % 4 ? " " : "\n#     ",
			      w[i]);
}

/* A finding about one call. */
static void fz_bad_call(struct fz_thread *t, const struct fz_call *c,
			const char *what)
{
	char key[160], name[96], arg[1024], errs[160] = "";
	const struct fz_ioc *ioc = c->idx >= 0 ? &fz_iocs[c->idx] : NULL;
	size_t n = 0;
	int i;

	snprintf(key, sizeof(key), "%s: %s %s%s%s%s",
		 fz_call_name(c, name, sizeof(name)), what,
		 c->ret < 0 ? ename(c->err) : "success",
		 c->ret >= 0 && c->spoiled ? " (" : "",
		 c->ret >= 0 && c->spoiled ? c->spoiled : "",
		 c->ret >= 0 && c->spoiled ? ")" : "");
	if (!fz_finding_kind(key))
		return;
	fz_print_arg(c, arg, sizeof(arg));
	for (i = 0; ioc && ioc->errs[i] && n < sizeof(errs) - 16; i++)
		n += snprintf(errs + n, sizeof(errs) - n, " %s", ename(ioc->errs[i]));
	fz_print("# FINDING [%s] (seed %llu, thread %d, call %llu)\n"
		 "#   %s on %s%s%s -> %ld%s%s in %.3f ms\n"
		 "#   %s%s%s%s\n#   documented:%s%s\n",
		 key, fz.seed, t ? t->idx : -1, t ? t->calls : 0,
		 fz_call_name(c, name, sizeof(name)), fz_fdname[c->on],
		 c->spoiled ? ", set: " : "", c->spoiled ? c->spoiled : "",
		 c->ret, c->ret < 0 ? " " : "", c->ret < 0 ? ename(c->err) : "",
		 c->ns / 1e6, arg, c->inner_bad ? "\n#   (an inner pointer was bad)" : "",
		 ioc && (ioc->flags & FZ_BACKING) && c->vm && c->vm->bad_backing ?
		 "\n#   (a region has a bad backing)" : "",
		 "", errs[0] ? errs : " none",
		 ioc && (ioc->flags & FZ_LIVE) ?
		 "; live: EINTR, EIO (dead), EOPNOTSUPP (hw)" : "");
}

static bool fz_in(const int *errs, int err)
{
	for (; *errs; errs++)
		if (*errs == err)
			return true;
	return false;
}

/* Is the VM behind @fd dead? Asked through its "vm.state" counter. */
static bool fz_vm_dead(struct fz_thread *t, struct fz_call *c)
{
	uint64_t state = 0;

	if (c->vm && c->vm->dead && t && c->vm->gen == t->gen)
		return true;
	if (c->vmfd < 0 || ccmem_vm_stat(c->vmfd, "vm.state", &state) ||
	    state != CCMEM_VM_STATE_DEAD)
		return false;
	if (c->vm && t) {
		pthread_mutex_lock(&c->vm->mu);
		if (c->vm->gen == t->gen)
			c->vm->dead = true;
		pthread_mutex_unlock(&c->vm->mu);
	}
	return true;
}

/* Could the kernel not read (or, for an output, write) the struct? */
static bool fz_struct_bad(const struct fz_call *c)
{
	bool out = _IOC_DIR(c->cmd) & _IOC_READ;

	return c->mode != P_VALUE && c->mode != P_GOOD &&
	       (c->mode != P_RO || out);
}

/*
 * Is the VM behind the call's fd older than the slot's (a dup()ed fd of a
 * VM closed since)? Then the slot's bookkeeping is not about it.
 */
static bool fz_stale(const struct fz_thread *t, const struct fz_call *c)
{
	bool stale;

	if (!c->vm || !t)
		return false;
	pthread_mutex_lock(&c->vm->mu);
	stale = c->vm->gen != t->gen;
	pthread_mutex_unlock(&c->vm->mu);
	return stale;
}

/*
 * May -EFAULT come from this call? Only when a pointer was bad, and as
 * documented: for the ioctl itself, or for the argument struct of any VM
 * fd ioctl ("Errors every VM fd ioctl can return").
 */
static bool fz_efault_ok(const struct fz_thread *t, const struct fz_call *c)
{
	const struct fz_ioc *ioc = &fz_iocs[c->idx];

	if (fz_struct_bad(c))
		return fz_in(ioc->errs, EFAULT) || ioc->on == FD_VM;
	if (!fz_in(ioc->errs, EFAULT))
		return false;
	if (c->inner_bad)
		return true;
	return (ioc->flags & FZ_BACKING) && c->vm &&
	       (c->vm->bad_backing || fz_stale(t, c));
}

/*
 * The oracle. Success must have the documented form; a failure must be a
 * documented errno of the ioctl, or one of the errors that every VM fd (or
 * every live) ioctl has, under the conditions that make it possible.
 */
static void fz_judge(struct fz_thread *t, struct fz_call *c)
{
	const struct fz_ioc *ioc;
	bool kicked = t && LD(t->kicks) != c->kicks;
	int err = c->err;

	if (c->want_enotty) {
		if (c->ret >= 0 || err != ENOTTY)
			fz_bad_call(t, c, "not an ioctl of this fd, expected ENOTTY, got");
		return;
	}
	ioc = &fz_iocs[c->idx];
	if (c->ret >= 0) {
		if (c->spoiled)
			fz_bad_call(t, c, "invalid argument accepted:");
		else if (c->ret > 0 && !(ioc->flags & (FZ_RET_FD | FZ_RET_VAL)))
			fz_bad_call(t, c, "positive return");
		return;
	}
	if (fz_in(c->deny, err)) {
		fz_bad_call(t, c, "not an errno of this VM type or operation:");
		return;
	}
	/* The errors every call may have are judged below. */
	if (c->want[0] && !fz_in(c->want, err) && err != ENOMEM &&
	    err != EINTR && err != EFAULT && err != EIO) {
		char what[64];

		snprintf(what, sizeof(what), "expected %s%s%s, got",
			 ename(c->want[0]), c->want[1] ? " or " : "",
			 c->want[1] ? ename(c->want[1]) : "");
		fz_bad_call(t, c, what);
		return;
	}
	switch (err) {
	case ENOTTY:
		fz_bad_call(t, c, "a known ioctl answered");
		return;
	case ENOMEM:		/* the kernel may always run out */
		return;
	case EINTR:
		if (kicked && (fz_in(ioc->errs, EINTR) || (ioc->flags & FZ_LIVE)))
			return;
		fz_bad_call(t, c, kicked ? "undocumented" : "not signalled, yet");
		return;
	case EFAULT:
		if (fz_efault_ok(t, c))
			return;
		fz_bad_call(t, c, fz_in(ioc->errs, EFAULT) || ioc->on == FD_VM ?
			    "every pointer valid, yet" : "undocumented");
		return;
	case EIO:
		/* The parent's mm always matches: only a dead VM says EIO. */
		if ((fz_in(ioc->errs, EIO) || (ioc->flags & FZ_LIVE)) &&
		    fz_vm_dead(t, c))
			return;
		fz_bad_call(t, c, fz_in(ioc->errs, EIO) || (ioc->flags & FZ_LIVE) ?
			    "VM not dead, yet" : "undocumented");
		return;
	case EOPNOTSUPP:
		/* Live emu ioctls on a VM of the hw backend: none here. */
		if (!fz_in(ioc->errs, err))
			fz_bad_call(t, c, "undocumented");
		return;
	}
	if (!fz_in(ioc->errs, err))
		fz_bad_call(t, c, "undocumented");
}

/* Issue and judge. */
static void fz_call(struct fz_thread *t, struct fz_call *c)
{
	fz_issue(t, c);
	fz_judge(t, c);
}

/* A call whose struct @s (@sz bytes) is placed by a random mode. */
static void fz_call_struct(struct fz_thread *t, struct fz_call *c,
			   const void *s, size_t sz, int mode)
{
	c->mode = mode;
	c->copy = s;
	c->sz = sz;
	c->arg = fz_place(t, s, sz, mode, &c->rw);
	fz_call(t, c);
}

/* --- the bookkeeping of a VM slot -------------------------------------------- */

static void fz_vm_reset(struct fz_vm *vm)
{
	vm->type = CCMEM_VM_SNP;
	vm->gpaw = 0;
	vm->limit = CCMEM_MAX_GPA;
	vm->exits_maybe = false;
	vm->fin_maybe = false;
	vm->finalized = false;
	vm->guest = false;
	vm->dead = false;
	vm->terminated = false;
	vm->bad_backing = false;
	vm->ram_gpa = 0;
	vm->ram_size = 0;
	vm->comm_gpa = 0;
	vm->inj_gpa = 0;
	vm->bytes = 0;
	vm->nr = 0;
	vm->pin_next = 0;
	memset(vm->pins, 0, sizeof(vm->pins));
}

/* A new VM (or none) in the slot (write-locked): forget the old one. */
static void fz_vm_newgen(struct fz_vm *vm)
{
	pthread_mutex_lock(&vm->mu);
	fz_vm_reset(vm);
	vm->gen++;
	pthread_mutex_unlock(&vm->mu);
	madvise(vm->arena, FZ_ARENA, MADV_DONTNEED);
}

/* The VM in slot @vm (write-locked) is of @type, with GPA width @gpaw. */
static void fz_vm_set_type(struct fz_vm *vm, __u32 type, __u32 gpaw)
{
	pthread_mutex_lock(&vm->mu);
	vm->type = type;
	vm->gpaw = type == CCMEM_VM_TDX ? (gpaw ?: 52) : 0;
	vm->limit = vm->gpaw ? TDX_SHARED_BIT(vm->gpaw) : CCMEM_MAX_GPA;
	pthread_mutex_unlock(&vm->mu);
}

/* @t calls the VM in slot @vm (locked): its generation and type. */
static void fz_use_vm(struct fz_thread *t, struct fz_vm *vm)
{
	t->gen = vm->gen;
	t->type = vm->type;
	t->gpaw = vm->gpaw;
	t->limit = vm->limit;
}

/*
 * Set flag @f of slot @vm (before a call that may make it true) if the
 * slot still holds the VM of generation @gen.
 */
static void fz_vm_flag(struct fz_vm *vm, __u64 gen, bool *f)
{
	pthread_mutex_lock(&vm->mu);
	if (vm->gen == gen)
		*f = true;
	pthread_mutex_unlock(&vm->mu);
}

/* Flag @f of slot @vm; -1 when the slot moved on from generation @gen. */
static int fz_vm_test(struct fz_vm *vm, __u64 gen, const bool *f)
{
	int ret;

	pthread_mutex_lock(&vm->mu);
	ret = vm->gen == gen ? *f : -1;
	pthread_mutex_unlock(&vm->mu);
	return ret;
}

/*
 * Reserve @size bytes of the slot's region budget (generation @gen) for a
 * region about to be added; one with a @bad backing marks the VM at once,
 * as other threads may reach the region before the ioctl returns.
 */
static bool fz_reserve(struct fz_vm *vm, __u64 gen, __u64 size,
		       bool bad)
{
	bool ok;

	pthread_mutex_lock(&vm->mu);
	ok = vm->gen == gen && vm->nr < FZ_TRACK &&
	     size <= FZ_REGION_BUDGET - vm->bytes;
	if (ok) {
		vm->bytes += size;
		vm->bad_backing |= bad;
	}
	pthread_mutex_unlock(&vm->mu);
	return ok;
}

static void fz_unreserve(struct fz_vm *vm, __u64 gen, __u64 size)
{
	pthread_mutex_lock(&vm->mu);
	if (vm->gen == gen)
		vm->bytes -= size;
	pthread_mutex_unlock(&vm->mu);
}

static void fz_region_added(struct fz_vm *vm, __u64 gen,
			    const struct ccmem_region *r, bool bad)
{
	pthread_mutex_lock(&vm->mu);
	if (vm->gen == gen && vm->nr < FZ_TRACK) {
		vm->r[vm->nr++] = (struct fz_region){
			.gpa = r->gpa, .size = r->size, .flags = r->flags,
			.bad_backing = bad,
		};
		if (bad)
			vm->bad_backing = true;
	}
	pthread_mutex_unlock(&vm->mu);
}

static void fz_region_deleted(struct fz_vm *vm, __u64 gen, __u64 gpa,
			      __u64 size)
{
	__u32 i;

	pthread_mutex_lock(&vm->mu);
	for (i = 0; vm->gen == gen && i < vm->nr; i++) {
		if (vm->r[i].gpa == gpa && vm->r[i].size == size) {
			vm->bytes -= size;
			vm->r[i] = vm->r[--vm->nr];
			break;
		}
	}
	pthread_mutex_unlock(&vm->mu);
}

/* A copy of a random tracked region; false when there is none. */
static bool fz_some_region(struct fz_thread *t, struct fz_vm *vm,
			   struct fz_region *out)
{
	bool ok;

	pthread_mutex_lock(&vm->mu);
	ok = vm->nr;
	if (ok)
		*out = vm->r[below(t, vm->nr)];
	pthread_mutex_unlock(&vm->mu);
	return ok;
}

/* --- ranges -------------------------------------------------------------- */

static __u64 fz_pages(struct fz_thread *t, __u64 max)
{
	switch (below(t, 4)) {
	case 0:
		return 1;
	case 1:
		return 1 + below(t, 16);
	case 2:
		return 512;
	default:
		return 1 + below(t, max);
	}
}

/*
 * A gpa range for @vm: mostly in and around its regions, else boundary
 * and random values; sometimes misaligned.
 */
static void fz_range(struct fz_thread *t, struct fz_vm *vm, __u64 *gpa,
		     __u64 *size)
{
	struct fz_region r;
	__u64 pages, off;
	unsigned int how = below(t, 100);

	if (how < 65 && fz_some_region(t, vm, &r)) {
		pages = r.size / 4096;
		switch (below(t, 6)) {
		case 0:		/* the region */
			*gpa = r.gpa;
			*size = r.size;
			break;
		case 1:		/* its last page and beyond */
			*gpa = r.gpa + r.size - 4096;
			*size = 4096 * (1 + below(t, 3));
			break;
		case 2:		/* from before it */
			*gpa = r.gpa - 4096 * (1 + below(t, 2));
			*size = 4096 * fz_pages(t, pages + 2);
			break;
		case 3:		/* a 2 MiB block in it */
			*gpa = (r.gpa + below(t, pages) * 4096) & ~(SZ_2M - 1);
			*size = SZ_2M;
			break;
		default:	/* a sub-range */
			off = below(t, pages);
			*gpa = r.gpa + off * 4096;
			*size = 4096 * fz_pages(t, pages - off);
			break;
		}
	} else if (how < 85) {
		*gpa = v_interesting(t) & ~0xfffULL;
		*size = v_interesting(t);
		if (one_in(t, 2))
			*size &= ~0xfffULL;
	} else {
		*gpa = (rnd(t) % CCMEM_MAX_GPA) & ~0xfffULL;
		*size = 4096 * fz_pages(t, 8192);
	}
	if (one_in(t, 20))
		*gpa += 1 + below(t, 0xfff);
	if (one_in(t, 20))
		*size += 1 + below(t, 0xfff);
}

static __u64 fz_gpa(struct fz_thread *t, struct fz_vm *vm)
{
	__u64 gpa, size;

	fz_range(t, vm, &gpa, &size);
	return gpa;
}

/* Populating calls stay inside the region budget: no size above 64 MiB. */
static __u64 fz_clamp(__u64 size)
{
	return size > FZ_REGION_BUDGET ? FZ_REGION_BUDGET : size;
}

/* --- VM ioctls: arguments ------------------------------------------------ */

/*
 * Where a new region's shared backing is: mostly in the slot's arena;
 * *@bad if elsewhere (the region's accesses may fault), *@not_user if
 * not a user range at all (ADD_REGION's documented EFAULT).
 */
static __u64 fz_backing(struct fz_thread *t, struct fz_vm *vm, __u64 size,
			bool *bad, bool *not_user)
{
	__u64 room = size < FZ_ARENA ? (FZ_ARENA - size) / 4096 + 1 : 1;

	*bad = false;
	*not_user = false;
	switch (below(t, 40)) {
	default:
		return (uintptr_t)vm->arena + below(t, room) * 4096;
	case 0:
	case 1:
		*bad = true;
		return (uintptr_t)fz.hole + below(t, room) * 4096;
	case 2:
	case 3:
		*bad = true;
		return (uintptr_t)fz.rodata + below(t, room) * 4096;
	case 4:
		*bad = true;	/* the top of user space */
		if (fz.top && one_in(t, 2))
			return USER_TOP - (size < FZ_ARENA ? size : FZ_ARENA);
		*not_user = true;
		return USER_TOP - size + 4096;	/* crosses it */
	case 5:
		*not_user = true;
		return 0;
	case 6:
		*not_user = true;
		return KERNEL_PTR;
	case 7:
		return (uintptr_t)vm->arena + 1 + below(t, 0xfff);
	}
}

/*
 * What ADD_REGION's own checks give @r on a VM whose guest memory ends
 * at @limit (a TD's shared bit): -EINVAL, -E2BIG, or 0 when they pass.
 */
static int fz_region_errno(const struct ccmem_region *r, __u64 limit)
{
	if ((r->flags & ~CCMEM_REGION_F_PRIVATE) || r->reserved[0] ||
	    r->reserved[1] || r->reserved[2] || r->reserved[3])
		return -EINVAL;
	if (!r->size || ((r->gpa | r->size | r->shared_uaddr) & 0xfff))
		return -EINVAL;
	if (r->size > CCMEM_MAX_REGION_SIZE || r->gpa >= limit ||
	    r->size > limit - r->gpa)
		return -E2BIG;
	return 0;
}

/*
 * Could this ADD_REGION succeed (so that it must stay in the budget)? A
 * shared_uaddr that is not a user range must fail, but is counted too,
 * in case it does not.
 */
static bool fz_region_may_add(const struct ccmem_region *r, __u64 limit)
{
	return !fz_region_errno(r, limit) && r->shared_uaddr;
}

static void fz_add_region(struct fz_thread *t, struct fz_vm *vm, int fd,
			  __u64 gen)
{
	struct ccmem_region r = {};
	struct fz_call c;
	bool bad, reserved = false;
	int mode = fz_pick_mode(t);
	__u64 top;

	fz_call_init(&c, I_ADD, FD_VM, fd, vm);
	switch (below(t, 5)) {
	case 0:
	case 1:		/* one of 64 lanes of 64 MiB, below 4 GiB */
		r.gpa = below(t, 64) * (64ULL << 20) + below(t, 8) * SZ_2M +
			(one_in(t, 2) ? below(t, 512) * 4096 : 0);
		r.size = 4096 * fz_pages(t, 4096);
		break;
	case 2:		/* around another region */
		fz_range(t, vm, &r.gpa, &r.size);
		break;
	case 3:		/* near the top: the VM's, or CCMEM_MAX_GPA */
		top = one_in(t, 4) ? CCMEM_MAX_GPA : t->limit;
		r.gpa = top - 4096 * fz_pages(t, 1024);
		r.size = one_in(t, 2) ? top - r.gpa : 4096 * fz_pages(t, 1024);
		break;
	default:
		r.gpa = v_interesting(t);
		r.size = v_interesting(t);
		break;
	}
	r.shared_uaddr = fz_backing(t, vm, r.size, &bad, &c.inner_bad);
	if (c.inner_bad)
		c.spoiled = "shared_uaddr (not a user range)";
	r.flags = one_in(t, 2) ? CCMEM_REGION_F_PRIVATE : 0;
	if (one_in(t, 32))
		SPOIL32(t, &c, r.flags);
	if (one_in(t, 32))
		SPOILA(t, &c, r.reserved, 4);
	if (c.spoiled && !(r.flags & ~CCMEM_REGION_F_PRIVATE) &&
	    !strncmp(c.spoiled, "r.flags", 7))
		c.spoiled = NULL;	/* only bit 0 set: a valid flag */
	r.slot = one_in(t, 4) ? rnd(t) : 0;	/* an output, ignored */

	if (mode == P_GOOD && fz_region_may_add(&r, t->limit)) {
		reserved = fz_reserve(vm, gen, r.size, bad || c.inner_bad);
		if (!reserved) {
			/* Over the budget: make sure it fails. */
			r.reserved[0] = 1;
			c.spoiled = "r.reserved[0] (over the fuzzer's budget)";
		}
	}
	/* Beyond the VM's guest memory (a TD's shared bit): -E2BIG. */
	if (fz_region_errno(&r, t->limit) == -E2BIG) {
		c.want[0] = E2BIG;
		if (!c.spoiled)
			c.spoiled = fz_region_errno(&r, CCMEM_MAX_GPA) ?
				    "r.size (too large, or beyond CCMEM_MAX_GPA)" :
				    "r.gpa + r.size (beyond the TD's shared bit)";
	}
	fz_call_struct(t, &c, &r, sizeof(r), mode);
	if (c.ret == 0 && reserved)
		fz_region_added(vm, gen, &r, bad || c.inner_bad);
	else if (reserved)
		fz_unreserve(vm, gen, r.size);
}

static void fz_del_region(struct fz_thread *t, struct fz_vm *vm, int fd,
			  __u64 gen)
{
	struct ccmem_region r = {};
	struct fz_region tr;
	struct fz_call c;

	fz_call_init(&c, I_DEL, FD_VM, fd, vm);
	if (!one_in(t, 4) && fz_some_region(t, vm, &tr)) {
		r.gpa = tr.gpa;
		r.size = tr.size;
	} else {
		fz_range(t, vm, &r.gpa, &r.size);
	}
	r.slot = rnd(t);	/* ignored */
	switch (below(t, 48)) {
	case 0:
		SPOIL32(t, &c, r.flags);
		break;
	case 1:
		SPOIL64(t, &c, r.shared_uaddr);
		break;
	case 2:
		SPOILA(t, &c, r.reserved, 4);
		break;
	}
	fz_call_struct(t, &c, &r, sizeof(r), fz_pick_mode(t));
	if (c.ret == 0)
		fz_region_deleted(vm, gen, r.gpa, r.size);
}

static void fz_set_attr(struct fz_thread *t, struct fz_vm *vm, int fd,
			__u64 gpa, __u64 size, __u64 attr, bool fuzz)
{
	struct ccmem_attributes a = {
		.gpa = gpa, .size = size, .attributes = attr,
	};
	struct fz_call c;

	fz_call_init(&c, I_ATTR, FD_VM, fd, vm);
	a.error_gpa = one_in(t, 4) ? rnd(t) : 0;	/* ignored on input */
	if (fuzz) {
		switch (below(t, 40)) {
		case 0:
			SPOIL32(t, &c, a.flags);
			break;
		case 1:
			SPOIL32(t, &c, a.reserved0);
			break;
		case 2:
			SPOILA(t, &c, a.reserved, 2);
			break;
		case 3:
			a.attributes = v64(t);
			if (a.attributes & ~CCMEM_ATTR_PRIVATE)
				c.spoiled = "a.attributes (bits other than 3)";
			break;
		}
	}
	fz_call_struct(t, &c, &a, sizeof(a), fuzz ? fz_pick_mode(t) : P_GOOD);
}

static void fz_attr(struct fz_thread *t, struct fz_vm *vm, int fd,
		    __u64 gen)
{
	__u64 gpa, size;

	fz_range(t, vm, &gpa, &size);
	fz_set_attr(t, vm, fd, gpa, size,
		    one_in(t, 2) ? CCMEM_ATTR_PRIVATE : 0, true);
}

static void fz_populate(struct fz_thread *t, struct fz_vm *vm, int fd,
			__u64 gen)
{
	struct ccmem_populate p = {};
	struct fz_call c;

	fz_call_init(&c, I_POP, FD_VM, fd, vm);
	fz_range(t, vm, &p.gpa, &p.size);
	p.size = fz_clamp(p.size);
	p.flags = one_in(t, 4) ? CCMEM_POPULATE_F_IMMUTABLE : 0;
	p.populated = one_in(t, 4) ? rnd(t) : 0;	/* an output */
	switch (below(t, 40)) {
	case 0:
		p.flags = v32(t);
		if (p.flags & ~CCMEM_POPULATE_F_IMMUTABLE)
			c.spoiled = "p.flags (unknown bits)";
		break;
	case 1:
		SPOIL32(t, &c, p.reserved0);
		break;
	case 2:
		SPOILA(t, &c, p.reserved, 2);
		break;
	}
	/* Launch pages end with the launch; nothing else is -EBUSY. */
	if (p.flags == CCMEM_POPULATE_F_IMMUTABLE && !c.spoiled &&
	    fz_vm_test(vm, gen, &vm->finalized) == 1)
		c.spoiled = "p.flags (launch pages after CCMEM_VM_FINALIZE)";
	if (p.flags != CCMEM_POPULATE_F_IMMUTABLE)
		c.deny[0] = EBUSY;
	fz_call_struct(t, &c, &p, sizeof(p), fz_pick_mode(t));
	if (c.ret < 0 && c.err == EBUSY && !c.deny[0] &&
	    !fz_vm_test(vm, gen, &vm->fin_maybe))
		fz_bad_call(t, &c, "launch pages refused, never finalized:");
}

/*
 * CCMEM_VM_LAUNCH_UPDATE: launch pages with content from a buffer that
 * may fault part way (then the pages before stay, as documented).
 */
static void fz_launch(struct fz_thread *t, struct fz_vm *vm, int fd,
		      __u64 gen)
{
	struct ccmem_launch_update l = {};
	struct fz_call c;

	fz_call_init(&c, I_LAUNCH, FD_VM, fd, vm);
	fz_range(t, vm, &l.gpa, &l.size);
	l.size = fz_clamp(l.size);
	if (!one_in(t, 4) && l.size > 16 * 4096)
		l.size = 4096 * fz_pages(t, 16);
	l.source = fz_inner(t, l.size, false, &c.inner_bad);
	l.done = one_in(t, 4) ? rnd(t) : 0;	/* an output */
	switch (below(t, 40)) {
	case 0:
		SPOIL32(t, &c, l.flags);
		break;
	case 1:
		SPOIL32(t, &c, l.reserved0);
		break;
	case 2:
		SPOILA(t, &c, l.reserved, 2);
		break;
	}
	if (!c.spoiled && fz_vm_test(vm, gen, &vm->finalized) == 1)
		c.spoiled = "CCMEM_VM_LAUNCH_UPDATE after CCMEM_VM_FINALIZE";
	fz_call_struct(t, &c, &l, sizeof(l), fz_pick_mode(t));
	if (c.ret < 0 && c.err == EBUSY && !fz_vm_test(vm, gen, &vm->fin_maybe))
		fz_bad_call(t, &c, "launch pages refused, never finalized:");
}

/* Did the failed CCMEM_VM_LAUNCH_UPDATE @c add pages (done > 0)? */
static bool fz_launch_done(const struct fz_call *c)
{
	return c->rw && ((const struct ccmem_launch_update *)c->rw)->done;
}

static void fz_pin(struct fz_thread *t, struct fz_vm *vm, int fd, bool pin,
		   __u64 gen)
{
	struct ccmem_pin p = {};
	struct fz_call c;
	__u32 i;

	fz_call_init(&c, pin ? I_PIN : I_UNPIN, FD_VM, fd, vm);
	fz_range(t, vm, &p.gpa, &p.size);
	if (!pin && !one_in(t, 4)) {
		pthread_mutex_lock(&vm->mu);
		i = below(t, FZ_PINS);
		if (vm->pins[i].size) {
			p.gpa = vm->pins[i].gpa;
			p.size = vm->pins[i].size;
		}
		pthread_mutex_unlock(&vm->mu);
	}
	switch (below(t, 40)) {
	case 0:
		SPOIL32(t, &c, p.flags);
		break;
	case 1:
		SPOIL32(t, &c, p.reserved0);
		break;
	case 2:
		SPOILA(t, &c, p.reserved, 2);
		break;
	}
	fz_call_struct(t, &c, &p, sizeof(p), fz_pick_mode(t));
	if (c.ret == 0 && pin) {
		pthread_mutex_lock(&vm->mu);
		if (vm->gen == gen) {
			vm->pins[vm->pin_next % FZ_PINS].gpa = p.gpa;
			vm->pins[vm->pin_next % FZ_PINS].size = p.size;
			vm->pin_next++;
		}
		pthread_mutex_unlock(&vm->mu);
	}
}

static void fz_pin_one(struct fz_thread *t, struct fz_vm *vm, int fd,
		       __u64 gen)
{
	fz_pin(t, vm, fd, true, gen);
}

static void fz_unpin_one(struct fz_thread *t, struct fz_vm *vm, int fd,
			 __u64 gen)
{
	fz_pin(t, vm, fd, false, gen);
}

static void fz_read_faults(struct fz_thread *t, struct fz_vm *vm, int fd,
			   __u64 gen)
{
	struct ccmem_fault_read f = {};
	struct fz_call c;

	fz_call_init(&c, I_FAULTS, FD_VM, fd, vm);
	switch (below(t, 4)) {
	case 0:
		f.nr = 1 + below(t, 64);
		break;
	case 1:
		f.nr = 65 + below(t, 4096);
		break;
	default:
		f.nr = v32(t);
		break;
	}
	f.records = fz_inner(t, (__u64)f.nr * sizeof(struct ccmem_fault),
			     true, &c.inner_bad);
	f.count = one_in(t, 4) ? rnd(t) : 0;	/* outputs */
	f.pending = one_in(t, 4) ? rnd(t) : 0;
	switch (below(t, 40)) {
	case 0:
		SPOIL32(t, &c, f.flags);
		break;
	case 1:
		SPOILA(t, &c, f.reserved, 2);
		break;
	}
	fz_call_struct(t, &c, &f, sizeof(f), fz_pick_mode(t));
}

static void fz_get_stats(struct fz_thread *t, struct fz_vm *vm, int fd,
			 __u64 gen)
{
	struct ccmem_stats s = {};
	struct fz_call c;

	fz_call_init(&c, I_STATS, FD_VM, fd, vm);
	s.nr = one_in(t, 2) ? below(t, 64) : v32(t);
	/* Either pointer may be 0: that is not a bad pointer. */
	if (!one_in(t, 4))
		s.values = fz_inner(t, (__u64)s.nr * 8, true, &c.inner_bad);
	if (!one_in(t, 4))
		s.descs = fz_inner(t, 64 * sizeof(struct ccmem_stats_desc), true,
				   &c.inner_bad);
	switch (below(t, 40)) {
	case 0:
		SPOIL32(t, &c, s.flags);
		break;
	case 1:
		SPOILA(t, &c, s.reserved, 2);
		break;
	}
	fz_call_struct(t, &c, &s, sizeof(s), fz_pick_mode(t));
}

static void fz_get_map(struct fz_thread *t, struct fz_vm *vm, int fd,
		       __u64 gen)
{
	struct ccmem_map m = {};
	struct fz_call c;
	__u64 unit, units;

	fz_call_init(&c, I_MAP, FD_VM, fd, vm);
	m.unit_shift = one_in(t, 8) ? v32(t) : 12 + below(t, 19);
	unit = m.unit_shift < 64 ? 1ULL << m.unit_shift : 0;
	fz_range(t, vm, &m.gpa, &m.size);
	if (!one_in(t, 8) && unit) {
		m.gpa &= ~(unit - 1);
		units = 1 + below(t, 64);
		if (one_in(t, 16))
			units = 1 + below(t, 4096);
		if (one_in(t, 128) && !fz_skip("bigmap"))
			units = (1 << 20) + below(t, 2) - 1;
		m.size = units * unit;
	}
	units = unit ? m.size >> m.unit_shift : 0;
	m.buf = fz_inner(t, units, true, &c.inner_bad);
	switch (below(t, 40)) {
	case 0:
		SPOIL32(t, &c, m.flags);
		break;
	case 1:
		SPOILA(t, &c, m.reserved, 2);
		break;
	}
	fz_call_struct(t, &c, &m, sizeof(m), fz_pick_mode(t));
}

/*
 * The outputs @out of a TDG.MEM.PAGE.ACCEPT @in that succeeded: a bad RCX,
 * a gpa not aligned to the level or at the shared bit is the module's
 * OPERAND_INVALID on RCX in RAX, and RFLAGS is never set.
 */
static void fz_accept_out(struct fz_thread *t, const struct fz_call *c,
			  const struct ccmem_emu_insn *in,
			  const struct ccmem_emu_insn *out)
{
	__u64 size = (in->rcx & TDX_ACCEPT_LEVEL_MASK) == TDX_LEVEL_2M ?
		     SZ_2M : 4096;
	bool bad = in->rcx & ~TDX_ACCEPT_LEVEL_MASK ||
		   (in->rcx & TDX_ACCEPT_LEVEL_MASK) > TDX_LEVEL_2M ||
		   in->gpa & (size - 1) || in->gpa >= t->limit;

	if (out->rflags_out)
		fz_bad_call(t, c, "RFLAGS set by TDG.MEM.PAGE.ACCEPT:");
	else if (bad && (out->result != CCMEM_EMU_R_DONE ||
			 out->rax_out != (TDX_OPERAND_INVALID |
					  TDX_OPERAND_ID_RCX)))
		fz_bad_call(t, c, "a bad operand not OPERAND_INVALID on RCX:");
}

static void fz_insn(struct fz_thread *t, struct fz_vm *vm, int fd,
		    __u64 gen)
{
	bool tdx = t->type == CCMEM_VM_TDX;
	struct ccmem_emu_insn in = {};
	struct fz_call c;

	fz_call_init(&c, I_INSN, FD_VM, fd, vm);
	in.vcpu = one_in(t, 8) ? v32(t) : below(t, 64);
	in.gpa = fz_gpa(t, vm);
	in.rcx = one_in(t, 8) ? v64(t) : below(t, 2);
	if (tdx) {
		/* TDG.MEM.PAGE.ACCEPT: the level in RCX, no RDX, level 0. */
		in.insn = one_in(t, 8) ? 1 + below(t, 2) : CCMEM_INSN_TDG_ACCEPT;
		in.level = one_in(t, 16) ? v32(t) : 0;
		in.rdx = one_in(t, 16) ? v64(t) : 0;
		if (in.rcx == TDX_LEVEL_2M && one_in(t, 2))
			in.gpa &= ~(SZ_2M - 1);
		if (t->gpaw == 48 && one_in(t, 16))	/* a shared GPA */
			in.gpa |= TDX_SHARED_BIT(48);
	} else {
		in.insn = one_in(t, 16) ? CCMEM_INSN_TDG_ACCEPT : 1 + below(t, 2);
		in.level = one_in(t, 8) ? v32(t) :
			   (one_in(t, 2) ? 0 : below(t, 4));
		in.rdx = one_in(t, 4) ? v64(t) : (one_in(t, 2) ? below(t, 2) :
			 (below(t, 4) | below(t, 16) << 8 | below(t, 2) << 16));
	}
	if (one_in(t, 16))
		in.insn = v32(t);
	in.result = one_in(t, 8) ? rnd(t) : 0;	/* outputs */
	switch (below(t, 40)) {
	case 0:
		SPOIL32(t, &c, in.flags);
		break;
	case 1:
		SPOILA(t, &c, in.reserved, 4);
		break;
	}
	/*
	 * An instruction of the other platform, or none: -EINVAL (or the
	 * full fault queue's -EAGAIN, which is checked first).
	 */
	if (!c.spoiled && (in.insn < CCMEM_INSN_PVALIDATE ||
			   in.insn > CCMEM_INSN_TDG_ACCEPT)) {
		c.spoiled = "in.insn (unknown)";
	} else if (!c.spoiled &&
		   tdx != (in.insn == CCMEM_INSN_TDG_ACCEPT)) {
		c.spoiled = "in.insn (an instruction of the other platform)";
		c.want[0] = EINVAL;
		c.want[1] = EAGAIN;
	} else if (!c.spoiled && (tdx ? in.level : in.level > 3)) {
		c.spoiled = tdx ? "in.level (a TD's is 0)" :
			    "in.level (a VMPL above 3)";
	} else if (!c.spoiled && (tdx ? in.rdx :
			   in.insn == CCMEM_INSN_PVALIDATE && in.rdx > 1)) {
		c.spoiled = tdx ? "in.rdx (TDG.MEM.PAGE.ACCEPT takes none)" :
			    "in.rdx (PVALIDATE: 0 or 1)";
	}
	fz_call_struct(t, &c, &in, sizeof(in), fz_pick_mode(t));
	if (tdx && c.ret == 0 && c.rw)
		fz_accept_out(t, &c, &in, c.rw);
}

static void fz_access(struct fz_thread *t, struct fz_vm *vm, int fd,
		      __u64 gen)
{
	struct ccmem_emu_access a = {};
	struct fz_call c;
	bool out;

	fz_call_init(&c, I_ACCESS, FD_VM, fd, vm);
	a.gpa = fz_gpa(t, vm);
	a.flags = below(t, 1 << 6);	/* valid bits but CHECK */
	if (one_in(t, 6))
		a.flags |= CCMEM_ACCESS_F_CHECK;
	if (one_in(t, 3))		/* a plain host write */
		a.flags = CCMEM_ACCESS_F_HOST | CCMEM_ACCESS_F_WRITE |
			  (one_in(t, 2) ? CCMEM_ACCESS_F_2M : 0);
	a.len = one_in(t, 8) ? v32(t) : 1 + below(t, 4096);
	if (!one_in(t, 4) && a.len <= 4096)
		a.gpa = (a.gpa & ~0xfffULL) + below(t, 4096 - a.len + 1);
	if (a.flags & CCMEM_ACCESS_F_CHECK && !one_in(t, 8))
		a.len = 0;
	out = !(a.flags & CCMEM_ACCESS_F_WRITE);
	if (!(a.flags & CCMEM_ACCESS_F_CHECK) || one_in(t, 8))
		a.buf = fz_inner(t, a.len, out, &c.inner_bad);
	a.vcpu = one_in(t, 8) ? v32(t) : below(t, 64);
	if (t->type == CCMEM_VM_TDX)
		a.level = one_in(t, 16) ? v32(t) : 0;
	else
		a.level = one_in(t, 8) ? v32(t) :
			  (one_in(t, 2) ? 0 : below(t, 4));
	/* A TD's shared accesses may name the shared GPA. */
	if (t->gpaw == 48 && one_in(t, 8))
		a.gpa |= TDX_SHARED_BIT(48);
	switch (below(t, 40)) {
	case 0:
		a.flags |= 1U << (7 + below(t, 25));
		c.spoiled = "a.flags (unknown bits)";
		break;
	case 1:
		SPOILA(t, &c, a.reserved, 4);
		break;
	}
	/* The level: SNP's VMPL (0-3), else 0. */
	if (!c.spoiled && (t->type == CCMEM_VM_TDX ? a.level : a.level > 3))
		c.spoiled = "a.level (not one of this VM's levels)";
	/* The host only writes (no EXEC, SHARED or USER), at level 0. */
	if (!c.spoiled && (a.flags & CCMEM_ACCESS_F_HOST) &&
	    (!(a.flags & CCMEM_ACCESS_F_WRITE) || a.level ||
	     (a.flags & (CCMEM_ACCESS_F_EXEC | CCMEM_ACCESS_F_SHARED |
			 CCMEM_ACCESS_F_USER))))
		c.spoiled = "a.flags (a host access that is not a plain write)";
	fz_call_struct(t, &c, &a, sizeof(a), fz_pick_mode(t));
}

static void fz_lookup(struct fz_thread *t, struct fz_vm *vm, int fd,
		      __u64 gen)
{
	struct ccmem_emu_lookup l = {};
	struct fz_call c;

	fz_call_init(&c, I_LOOKUP, FD_VM, fd, vm);
	l.gpa = fz_gpa(t, vm);
	/* Above a TD's shared bit: in no region. */
	if (t->limit < CCMEM_MAX_GPA && one_in(t, 8))
		l.gpa = t->limit + below(t, (CCMEM_MAX_GPA - t->limit) >> 12) *
				   4096;
	l.state = one_in(t, 4) ? rnd(t) : 0;	/* outputs */
	switch (below(t, 40)) {
	case 0:
		SPOIL32(t, &c, l.flags);
		break;
	case 1:
		SPOILA(t, &c, l.reserved, 2);
		break;
	}
	if (!c.spoiled && l.gpa >= t->limit) {
		c.spoiled = "l.gpa (in no region: beyond the VM's guest memory)";
		c.want[0] = EINVAL;
	}
	fz_call_struct(t, &c, &l, sizeof(l), fz_pick_mode(t));
}

/* Does the VMM retry SEAMCALL status class @code (bits 63:32)? */
static bool fz_tdx_transient(__u32 code)
{
	return (__u64)code << 32 == TDX_OPERAND_BUSY ||
	       (__u64)code << 32 == TDX_PREVIOUS_TLB_EPOCH_BUSY;
}

/* Does @in arm BUSY or BLOCK at a page (count 0 clears, or does nothing)? */
static bool fz_inject_page(const struct ccmem_emu_inject *in)
{
	return (in->op == CCMEM_INJECT_BUSY || in->op == CCMEM_INJECT_BLOCK) &&
	       in->count;
}

/* Is @op a control of the TDX model only (SNP: -EOPNOTSUPP)? */
static bool fz_inject_tdx_only(__u32 op)
{
	return op == CCMEM_INJECT_BUSY || op == CCMEM_INJECT_BLOCK ||
	       op == CCMEM_INJECT_ACCEPT_CHUNK;
}

/*
 * The page of a BUSY or BLOCK control: mostly one of the VM's, often the
 * guest's RAM (private, and populated once it booted), or the page of the
 * last such control again.
 */
static __u64 fz_inject_gpa(struct fz_thread *t, struct fz_vm *vm)
{
	__u64 gpa = 0;

	/* Above a TD's shared bit no private page can ever be. */
	if (t->limit < CCMEM_MAX_GPA && one_in(t, 8))
		return t->limit + below(t, (CCMEM_MAX_GPA - t->limit) >> 12) *
				  4096;
	pthread_mutex_lock(&vm->mu);
	if (vm->gen == t->gen) {
		if (vm->inj_gpa && one_in(t, 4))
			gpa = vm->inj_gpa;
		else if (vm->ram_size && one_in(t, 2))
			gpa = vm->ram_gpa + below(t, vm->ram_size >> 12) * 4096;
	}
	pthread_mutex_unlock(&vm->mu);
	gpa = gpa ?: fz_gpa(t, vm);
	pthread_mutex_lock(&vm->mu);
	if (vm->gen == t->gen)
		vm->inj_gpa = gpa;
	pthread_mutex_unlock(&vm->mu);
	return gpa;
}

/*
 * The errno (negative) the controls of @in must fail with, or 0 (@tdx: on
 * a TD whose guest memory ends at @limit); the reason in *@why.
 */
static int fz_inject_errno(const struct ccmem_emu_inject *in, bool tdx,
			   __u64 limit, const char **why)
{
	bool page = in->op == CCMEM_INJECT_BUSY || in->op == CCMEM_INJECT_BLOCK;

	*why = NULL;
	if (in->flags || in->reserved)
		return -EINVAL;	/* spoiled already */
	if (in->gpa && !page) {
		*why = "in.gpa (only BUSY and BLOCK name a page)";
		return -EINVAL;
	}
	if ((in->gpa & 0xfff) || in->gpa >= CCMEM_MAX_GPA) {
		*why = "in.gpa (misaligned, or beyond CCMEM_MAX_GPA)";
		return -EINVAL;
	}
	if (!in->op || in->op > CCMEM_INJECT_CONVERT_LIE) {
		*why = "in.op (unknown)";
		return -EINVAL;
	}
	if (!tdx && fz_inject_tdx_only(in->op)) {
		*why = "in.op (a control SNP does not have)";
		return -EOPNOTSUPP;
	}
	if (in->count && !in->code &&
	    (in->op == CCMEM_INJECT_ASSIGN || in->op == CCMEM_INJECT_SPLIT ||
	     in->op == CCMEM_INJECT_CONVERT_BACKWARD ||
	     in->op == CCMEM_INJECT_CONVERT_OUTSIDE)) {
		*why = "in.code (0, with a count)";
		return -EINVAL;
	}
	if (tdx && in->count && !(in->code & 0x80000000) &&
	    (in->op == CCMEM_INJECT_ASSIGN || in->op == CCMEM_INJECT_SPLIT)) {
		*why = "in.code (a TDX status that reports success)";
		return -EINVAL;
	}
	if (tdx && in->gpa >= limit && fz_inject_page(in)) {
		*why = "in.gpa (above the shared bit: no private page)";
		return -ENOENT;
	}
	return 0;
}

static void fz_inject(struct fz_thread *t, struct fz_vm *vm, int fd,
		      __u64 gen)
{
	static const __u32 codes[] = {
		0, 1, 2, 3, 4, 5, 6, 7, 16,
		TDX_OPERAND_BUSY >> 32, TDX_PREVIOUS_TLB_EPOCH_BUSY >> 32,
		TDX_EPT_ENTRY_STATE_INCORRECT >> 32, TDX_OPERAND_INVALID >> 32,
	};
	bool tdx = t->type == CCMEM_VM_TDX, fails;
	struct ccmem_emu_inject in = {};
	struct fz_call c;
	const char *why;
	int want, n;

	fz_call_init(&c, I_INJECT, FD_VM, fd, vm);
	in.op = one_in(t, 8) ? v32(t) : below(t, CCMEM_INJECT_CONVERT_LIE + 2);
	if (in.op == CCMEM_INJECT_BUSY || in.op == CCMEM_INJECT_BLOCK)
		in.gpa = fz_inject_gpa(t, vm);
	else if (one_in(t, 16))
		in.gpa = fz_gpa(t, vm);
	in.code = one_in(t, 4) ? v32(t) : codes[below(t, ARRAY_SIZE(codes))];
	in.count = one_in(t, 4) ? v32(t) : below(t, 10);
	/*
	 * ASSIGN and SPLIT failures leak pages for good, and so does an
	 * entry held busy for more calls than the host retries: armed only
	 * while the run's leaks stay small.
	 */
	fails = in.count &&
		(((in.op == CCMEM_INJECT_ASSIGN || in.op == CCMEM_INJECT_SPLIT) &&
		  in.code && !(tdx && fz_tdx_transient(in.code) && in.count < 8)) ||
		 (tdx && in.op == CCMEM_INJECT_BUSY && in.count >= 8));
	if (fails && !one_in(t, 4))	/* a dead VM covers little: rarely */
		in.count = 0;
	else if (fails && (fz_skip("inject") ||
			   LD(fz.leaked_pages) > FZ_LEAK_BUDGET))
		in.count = 0;
	else if (fails)
		INC(fz.arms, 1);
	switch (below(t, 40)) {
	case 0:
		SPOIL32(t, &c, in.flags);
		break;
	case 1:
		SPOIL64(t, &c, in.reserved);
		break;
	}
	want = -fz_inject_errno(&in, tdx, t->limit, &why);
	if (want && !c.spoiled) {
		c.spoiled = why;
		c.want[0] = want;
	}
	/*
	 * -EOPNOTSUPP is SNP's for the TDX controls; -ENOENT is for a TD's
	 * BUSY or BLOCK, and -EBUSY for its BLOCK (the entry is locked).
	 */
	n = 0;
	if (tdx || !fz_inject_tdx_only(in.op))
		c.deny[n++] = EOPNOTSUPP;
	if (!tdx || !fz_inject_page(&in))
		c.deny[n++] = ENOENT;
	if (!tdx || !fz_inject_page(&in) || in.op != CCMEM_INJECT_BLOCK)
		c.deny[n++] = EBUSY;
	fz_call_struct(t, &c, &in, sizeof(in), fz_pick_mode(t));
}

/* A guest configuration for @vm: mostly one that fits its regions. */
static void fz_guest_config(struct fz_thread *t, struct fz_vm *vm,
			    struct ccmem_emu_guest_config *g)
{
	static const __u32 shifts[] = { 0, 12, 13, 16, 21 };
	struct fz_region r;
	__u64 unit;

	memset(g, 0, sizeof(*g));
	g->policy = one_in(t, 16) ? v32(t) : below(t, 3);
	g->unit_shift = one_in(t, 16) ? v32(t) : shifts[below(t, ARRAY_SIZE(shifts))];
	unit = 1ULL << (g->unit_shift ? (g->unit_shift & 63) : 21);
	if (fz_some_region(t, vm, &r) && !one_in(t, 8)) {
		g->mem_gpa = r.gpa;
		g->mem_size = r.size & ~(unit - 1);
		if (one_in(t, 4))
			g->mem_size = unit;
	} else {
		fz_range(t, vm, &g->mem_gpa, &g->mem_size);
	}
	if (g->policy == CCMEM_ACCEPT_HYBRID && unit && g->mem_size >= unit)
		g->eager_bytes = below(t, g->mem_size / unit + 1) * unit;
	if (one_in(t, 16))
		g->eager_bytes = v64(t);
	g->comm_gpa = one_in(t, 8) ? fz_gpa(t, vm) : CCMEM_GUEST_COMM_GPA;
	g->flags = below(t, 4);
	/* A TD may have no pages for the host, and has no MSR protocol. */
	if (t->type == CCMEM_VM_TDX) {
		if (one_in(t, 3))
			g->comm_gpa = 0;
		if (!one_in(t, 8))
			g->flags &= ~CCMEM_GUEST_F_CONVERT_MSR;
	}
}

static void fz_guest_init(struct fz_thread *t, struct fz_vm *vm, int fd,
			  __u64 gen)
{
	struct ccmem_emu_guest_config g;
	struct fz_call c;

	fz_call_init(&c, I_GINIT, FD_VM, fd, vm);
	fz_guest_config(t, vm, &g);
	switch (below(t, 40)) {
	case 0:
		g.flags |= 4U << below(t, 29);
		c.spoiled = "g.flags (unknown bits)";
		break;
	case 1:
		SPOIL32(t, &c, g.reserved0);
		break;
	case 2:
		SPOILA(t, &c, g.reserved, 4);
		break;
	}
	if (!c.spoiled && t->type != CCMEM_VM_SNP &&
	    (g.flags & CCMEM_GUEST_F_CONVERT_MSR))
		c.spoiled = "g.flags (CONVERT_MSR, an SNP protocol, on a TD)";
	fz_call_struct(t, &c, &g, sizeof(g), fz_pick_mode(t));
	if (c.ret == 0) {
		pthread_mutex_lock(&vm->mu);
		if (vm->gen == gen) {
			vm->guest = true;
			vm->ram_gpa = g.mem_gpa;
			vm->ram_size = g.mem_size;
			vm->comm_gpa = g.comm_gpa;
		}
		pthread_mutex_unlock(&vm->mu);
	}
}

static void fz_check_ext(struct fz_thread *t, enum fz_fdkind on, int fd,
			 struct fz_vm *vm)
{
	static const unsigned long caps[] = {
		0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0xff, 0x100, 0x101, 0x102,
	};
	struct fz_call c;
	long want = -1;

	fz_call_init(&c, I_CHECK, on, fd, vm);
	c.arg = one_in(t, 4) ? v64(t) : caps[below(t, ARRAY_SIZE(caps))];
	fz_call(t, &c);
	if (c.ret < 0)
		return;
	switch (c.arg) {
	case CCMEM_CAP_MAX_REGIONS:
		want = CCMEM_MAX_REGIONS;
		break;
	case CCMEM_CAP_DELETE_REGION:
	case CCMEM_CAP_CONVERT_ERROR_GPA:
	case CCMEM_CAP_STATS:
	case CCMEM_CAP_CONVERT_EXITS:
		want = 1;
		break;
	case CCMEM_CAP_MAX_VCPUS:
		want = CCMEM_MAX_VCPUS;
		break;
	case CCMEM_CAP_MAX_PINS:
		want = CCMEM_MAX_PINS;
		break;
	case CCMEM_CAP_FAULT_QUEUE:
		want = 65536;
		break;
	case CCMEM_CAP_VM_TYPES:
	case CCMEM_CAP_EMU:
		/* The VM's own type; the device's come and go with modules. */
		if (on == FD_VM)
			want = 1 << t->type;
		else if (c.ret & ~(1L << CCMEM_VM_SNP | 1L << CCMEM_VM_TDX))
			want = c.ret & (1L << CCMEM_VM_SNP | 1L << CCMEM_VM_TDX);
		break;
	case CCMEM_CAP_HW_VM_TYPES:
		want = 0;	/* no SNP or TDX hardware under TCG */
		break;
	case CCMEM_CAP_EMU_GUEST:
		break;		/* 0 or 1, as the module comes and goes */
	case CCMEM_CAP_EMU_EMULATOR:
		/* Available everywhere here; 2 on a VM that enabled it. */
		want = on == FD_VM && c.ret == 2 ? 2 : 1;
		break;
	default:
		want = 0;
		break;
	}
	if (c.arg == CCMEM_CAP_EMU_GUEST ? c.ret > 1 : want >= 0 && c.ret != want) {
		char key[96];

		snprintf(key, sizeof(key), "CCMEM_CHECK_EXTENSION %lu on %s: value",
			 c.arg, fz_fdname[on]);
		fz_finding(key, "capability %lu on %s answered %ld, documented %ld",
			   c.arg, fz_fdname[on], c.ret, want);
	}
}

static void fz_check_vm(struct fz_thread *t, struct fz_vm *vm, int fd,
			__u64 gen)
{
	fz_check_ext(t, FD_VM, fd, vm);
}

/*
 * CCMEM_VM_ENABLE_CAP: the conversion exits on (mostly) or off, with the
 * other fields now and then spoiled.
 */
static void fz_enable_cap(struct fz_thread *t, struct fz_vm *vm, int fd,
			  __u64 gen)
{
	struct ccmem_enable_cap e = { .cap = CCMEM_CAP_CONVERT_EXITS };
	struct fz_call c;

	fz_call_init(&c, I_ENCAP, FD_VM, fd, vm);
	e.args[0] = !one_in(t, 4);
	switch (below(t, 12)) {
	case 0:
		e.cap = one_in(t, 2) ? below(t, 16) : v32(t);
		if (e.cap != CCMEM_CAP_CONVERT_EXITS)
			c.spoiled = "e.cap (not one to enable)";
		break;
	case 1:
		e.args[0] = v64(t);
		if (e.args[0] > 1)
			c.spoiled = "e.args[0] (neither 0 nor 1)";
		break;
	case 2:
		fz_spoil_one(t, &c, e.args + 1, 3, "e.args[1..3]");
		break;
	case 3:
		SPOIL32(t, &c, e.flags);
		break;
	case 4:
		SPOILA(t, &c, e.reserved, 2);
		break;
	}
	/* Before the call: the exits may come from now on. */
	if (e.args[0])
		fz_vm_flag(vm, gen, &vm->exits_maybe);
	fz_call_struct(t, &c, &e, sizeof(e), fz_pick_mode(t));
	if (c.ret == 0)
		INC(fz.enables, 1);
}

/*
 * CCMEM_VM_FINALIZE: always succeeds on a live VM, twice too. Rarely (a
 * quarter of its weight): a finalized VM takes no launch pages any more.
 */
static void fz_finalize(struct fz_thread *t, struct fz_vm *vm, int fd,
			__u64 gen)
{
	struct fz_call c;

	if (!one_in(t, 4)) {
		fz_launch(t, vm, fd, gen);
		return;
	}
	fz_call_init(&c, I_FINAL, FD_VM, fd, vm);
	c.arg = one_in(t, 4) ? v64(t) : 0;	/* _IO: not read */
	fz_vm_flag(vm, gen, &vm->fin_maybe);
	fz_call(t, &c);
	if (c.ret == 0) {
		fz_vm_flag(vm, gen, &vm->finalized);
		INC(fz.finalizes, 1);
	}
}

typedef void fz_gen_fn(struct fz_thread *t, struct fz_vm *vm, int fd,
		       __u64 gen);

/*
 * The VM fd ioctls with fuzzed arguments, by weight; those fit for the
 * no-trace check (fz_act_notrace()) change the VM only on success.
 */
static const struct {
	fz_gen_fn *fn;
	unsigned int weight;
	bool notrace;
} fz_vm_gens[] = {
	{ fz_add_region, 12, true },
	{ fz_del_region, 5, true },
	{ fz_attr, 15, true },
	{ fz_populate, 8, true },
	{ fz_launch, 3, true },
	{ fz_pin_one, 6, true },
	{ fz_unpin_one, 6, true },
	{ fz_read_faults, 5, true },
	{ fz_get_stats, 4, true },
	{ fz_get_map, 4, true },
	{ fz_insn, 12, true },
	{ fz_access, 12, true },
	{ fz_lookup, 4, true },
	{ fz_inject, 3, false },
	{ fz_guest_init, 2, false },
	{ fz_check_vm, 3, false },
	{ fz_enable_cap, 2, true },
	{ fz_finalize, 1, true },
};

/* One VM fd ioctl, picked by weight (@notrace: only those fit for it). */
static void fz_vm_ioctl(struct fz_thread *t, struct fz_vm *vm, int fd,
			__u64 gen, bool notrace)
{
	unsigned int i, total = 0, r;

	for (i = 0; i < ARRAY_SIZE(fz_vm_gens); i++)
		if (!notrace || fz_vm_gens[i].notrace)
			total += fz_vm_gens[i].weight;
	r = below(t, total);
	for (i = 0; i < ARRAY_SIZE(fz_vm_gens); i++) {
		if (notrace && !fz_vm_gens[i].notrace)
			continue;
		if (r < fz_vm_gens[i].weight)
			break;
		r -= fz_vm_gens[i].weight;
	}
	fz_vm_gens[i].fn(t, vm, fd, gen);
}

/* --- vCPUs -------------------------------------------------------------------- */

/* A raw PSC request in @t's scratch at @off; returns its address. */
static __u64 fz_psc_raw(struct fz_thread *t, struct fz_vm *vm, size_t off)
{
	struct ccmem_psc_raw *p = (void *)(t->scratch + off);
	__u64 gfn, base = vm->ram_gpa >> 12, pages = vm->ram_size >> 12;
	__u32 i;

	memset(p, 0, sizeof(*p));
	p->buf_off = one_in(t, 8) ? v32(t) : below(t, 32) * 8;
	p->nr = one_in(t, 8) ? v32(t) : below(t, 8);
	p->cur_entry = one_in(t, 4) ? rnd(t) : 0;
	p->end_entry = one_in(t, 4) ? rnd(t) : (p->nr ? p->nr - 1 : 0);
	if (one_in(t, 32))
		p->reserved = 1;
	for (i = 0; i < CCMEM_PSC_MAX_ENTRIES && i < 8; i++) {
		gfn = pages && !one_in(t, 8) ? base + below(t, pages) :
		      rnd(t) & 0xffffffffffULL;
		p->entries[i] = (gfn << 12) | (__u64)(1 + below(t, 2)) << 52 |
				(__u64)below(t, 2) << 56;
		if (one_in(t, 8))
			p->entries[i] = rnd(t);
	}
	return (uintptr_t)p;
}

static __u64 fz_vmgexit(struct fz_thread *t, struct fz_vm *vm, size_t off)
{
	struct ccmem_emu_vmgexit *x = (void *)(t->scratch + off);
	__u64 gfn = (vm->ram_gpa + below(t, vm->ram_size ? vm->ram_size : 1)) >> 12;

	memset(x, 0, sizeof(*x));
	switch (below(t, 4)) {
	case 0:		/* MSR PSC */
		x->ghcb_msr = GHCB_MSR_PSC(gfn, 1 + below(t, 2));
		break;
	case 1:		/* NAE PSC at the vCPU's GHCB */
		x->flags = CCMEM_VMGEXIT_F_NAE;
		x->ghcb_msr = vm->comm_gpa + below(t, 64) * 4096;
		x->exit_code = 0x80000010;
		x->scratch = x->ghcb_msr + GHCB_SHARED_BUF_OFF + below(t, 32) * 8;
		break;
	case 2:		/* termination */
		x->ghcb_msr = GHCB_MSR_TERM(below(t, 16), below(t, 256));
		break;
	default:
		x->ghcb_msr = rnd(t);
		x->flags = below(t, 2);
		x->exit_code = v64(t);
		x->exit_info1 = v64(t);
		x->exit_info2 = v64(t);
		x->scratch = v64(t);
		break;
	}
	if (one_in(t, 32))
		x->reserved0 = 1;
	if (one_in(t, 32))
		x->reserved[below(t, 2)] = 1;
	return (uintptr_t)x;
}

/*
 * A raw TDG.VP.VMCALL in @t's scratch at @off; returns its address.
 * Mostly MapGPA over and around the guest's RAM (to shared with the
 * shared bit, else to private), with bad sizes, alignments and widths;
 * now and then another sub-function, a vendor-specific call or (rarely:
 * it ends the vCPU) ReportFatalError. *@spoiled names a reserved field set.
 */
static __u64 fz_tdvmcall(struct fz_thread *t, struct fz_vm *vm, size_t off,
			 const char **spoiled)
{
	struct ccmem_emu_tdvmcall *x = (void *)(t->scratch + off);
	__u64 ram = vm->ram_size ? vm->ram_size : SZ_2M;
	__u64 sbit = TDX_SHARED_BIT(vm->gpaw ?: 52);

	memset(x, 0, sizeof(*x));
	x->r10 = one_in(t, 32) ? v64(t) : TDVMCALL_STANDARD;
	x->r11 = TDVMCALL_MAP_GPA;
	x->r12 = vm->ram_gpa + below(t, ram / 4096) * 4096;
	x->r13 = 4096 * fz_pages(t, (vm->ram_gpa + ram - x->r12) / 4096);
	switch (below(t, 16)) {
	case 0:
		x->r11 = one_in(t, 64) ? TDVMCALL_REPORT_FATAL_ERROR :
			 one_in(t, 2) ? 0x10000 + below(t, 8) : v64(t);
		x->r12 = v64(t);
		break;
	case 1:		/* anywhere: the VMM decides about MMIO too */
		x->r12 = fz_gpa(t, vm);
		x->r13 = v64(t);
		break;
	case 2:		/* the guest's whole RAM */
		x->r12 = vm->ram_gpa;
		x->r13 = ram;
		break;
	case 3:		/* across the shared bit, or beyond the width */
		x->r12 = one_in(t, 2) ? sbit - 4096 * (1 + below(t, 4)) :
			 sbit << 1;
		break;
	case 4:		/* misaligned */
		x->r12 += one_in(t, 2) ? 1 + below(t, 4095) : 0;
		x->r13 += 1 + below(t, 4095);
		break;
	}
	if (one_in(t, 2))
		x->r12 |= sbit;		/* to shared */
	if (one_in(t, 8)) {
		x->r14 = v64(t);
		x->r15 = v64(t);
	}
	if (one_in(t, 32)) {
		x->reserved[below(t, 2)] = v_nonzero(t);
		*spoiled = "tdvmcall.reserved[]";
	}
	INC(fz.tdvmcalls, 1);
	return (uintptr_t)x;
}

/* Does step @op take a pointer to a request structure in its @arg? */
static bool fz_step_ptr(__u32 op)
{
	return op == CCMEM_GOP_PSC_RAW || op == CCMEM_GOP_VMGEXIT ||
	       op == CCMEM_GOP_TDVMCALL;
}

/*
 * One step of a guest program: mostly plausible for @vm's guest, now and
 * then a raw step of the other platform (refused as the step runs).
 */
static void fz_step(struct fz_thread *t, struct fz_vm *vm,
		    struct ccmem_guest_insn *in, size_t *argoff, bool *bad,
		    const char **spoiled)
{
	__u64 ram = vm->ram_size ? vm->ram_size : SZ_2M, a, n;
	bool tdx = vm->type == CCMEM_VM_TDX;

	memset(in, 0, sizeof(*in));
	in->op = 1 + below(t, 11);
	if (tdx ? in->op >= CCMEM_GOP_PSC_RAW && !one_in(t, 8) : one_in(t, 32))
		in->op = CCMEM_GOP_TDVMCALL;
	a = vm->ram_gpa + (below(t, ram / 4096) * 4096);
	n = 4096 * fz_pages(t, (vm->ram_gpa + ram - a) / 4096);
	switch (in->op) {
	case CCMEM_GOP_BOOT:
		break;
	case CCMEM_GOP_ACCEPT:
	case CCMEM_GOP_FREE:
		in->gpa = one_in(t, 4) ? a & ~(SZ_2M - 1) : a;
		in->size = one_in(t, 4) ? SZ_2M : n;
		break;
	case CCMEM_GOP_ALLOC:
		in->size = 4096 * fz_pages(t, 64);
		break;
	case CCMEM_GOP_CONVERT:
		in->gpa = a;
		in->size = n;
		in->arg = 1 + below(t, 2);
		break;
	case CCMEM_GOP_READ:
	case CCMEM_GOP_WRITE:
	case CCMEM_GOP_CHECK:
		in->gpa = a + below(t, 4096);
		in->size = 1 + below(t, 3 * 4096);
		if (in->op != CCMEM_GOP_READ)
			in->arg = below(t, 4);
		if (one_in(t, 3)) {	/* in the last ALLOC */
			in->flags = CCMEM_GOP_F_R0;
			in->gpa = below(t, 4096);
		}
		break;
	case CCMEM_GOP_PSC_RAW:
		if (*argoff + sizeof(struct ccmem_psc_raw) <= FZ_SCRATCH) {
			in->arg = fz_psc_raw(t, vm, *argoff);
			*argoff += sizeof(struct ccmem_psc_raw);
		} else {
			*bad = true;	/* no room left: a NULL request */
		}
		break;
	case CCMEM_GOP_PSC_MSR_RAW:
		in->arg = one_in(t, 4) ? rnd(t) :
			  GHCB_MSR_PSC((a >> 12) + below(t, 2), 1 + below(t, 2));
		break;
	case CCMEM_GOP_VMGEXIT:
		if (*argoff + sizeof(struct ccmem_emu_vmgexit) <= FZ_SCRATCH) {
			in->arg = fz_vmgexit(t, vm, *argoff);
			*argoff += sizeof(struct ccmem_emu_vmgexit);
		} else {
			*bad = true;
		}
		break;
	case CCMEM_GOP_TDVMCALL:
		if (*argoff + sizeof(struct ccmem_emu_tdvmcall) <= FZ_SCRATCH) {
			in->arg = fz_tdvmcall(t, vm, *argoff, spoiled);
			*argoff += sizeof(struct ccmem_emu_tdvmcall);
		} else {
			*bad = true;
		}
		break;
	}
	if (fz_step_ptr(in->op) && one_in(t, 16)) {
		*bad = true;
		in->arg = fz_bad_ptr(t, P_NULL + below(t, P_STRADDLE - P_NULL));
		*spoiled = NULL;
	}
	if (one_in(t, 12)) {	/* a random step */
		in->op = one_in(t, 2) ? v32(t) : below(t, 14);
		in->flags = one_in(t, 2) ? v32(t) : below(t, 2);
		in->gpa = v64(t);
		in->size = v64(t);
		if (!one_in(t, 4))
			in->arg = v64(t);
		if (fz_step_ptr(in->op))
			*bad = true;
		*spoiled = NULL;
	}
}

static void fz_set_program(struct fz_thread *t, struct fz_vm *vm, int fd)
{
	struct ccmem_guest_insn *steps = (void *)t->scratch;
	struct ccmem_emu_program p = {};
	size_t argoff = CCMEM_EMU_MAX_PROGRAM * sizeof(*steps);
	const char *spoiled = NULL, *why = NULL;
	__u32 i, nr, spoiled_at = 0;
	struct fz_call c;
	bool boot;

	fz_call_init(&c, I_PROG, FD_VCPU, fd, vm);
	nr = 1 + below(t, one_in(t, 4) ? 64 : 8);
	if (one_in(t, 16))
		nr = one_in(t, 2) ? CCMEM_EMU_MAX_PROGRAM : 1;
	boot = !one_in(t, 3);	/* programs mostly start at boot */
	for (i = 0; i < nr; i++) {
		if (!i && boot) {
			steps[0] = (struct ccmem_guest_insn){
				.op = CCMEM_GOP_BOOT,
			};
			continue;
		}
		fz_step(t, vm, &steps[i], &argoff, &c.inner_bad, &why);
		if (why && !spoiled) {
			spoiled = why;
			spoiled_at = i;
		}
		why = NULL;
	}
	p.nr = nr;
	p.insns = (uintptr_t)steps;
	switch (below(t, 40)) {
	case 0:
		p.nr = v32(t);
		if (p.nr > nr)	/* steps of earlier programs, or beyond */
			c.inner_bad = true;
		break;
	case 1:
		p.insns = fz_bad_ptr(t, P_NULL + below(t, P_STRADDLE - P_NULL));
		c.inner_bad = true;
		break;
	case 2:
		SPOIL32(t, &c, p.flags);
		break;
	case 3:
		SPOILA(t, &c, p.reserved, 2);
		break;
	}
	/* A step with a reserved field set, if the program still has it. */
	if (spoiled && !c.spoiled && p.nr > spoiled_at &&
	    p.insns == (uintptr_t)steps)
		c.spoiled = spoiled;
	fz_call_struct(t, &c, &p, sizeof(p), fz_pick_mode(t));
}

/* The VMM's answer to a conversion exit, and its memory-fault fixes. */
static __s64 fz_serve(struct fz_thread *t, struct fz_vm *vm, int vmfd,
		      const struct ccmem_run *run)
{
	const struct ccmem_exit_convert *cv = &run->convert;
	const struct ccmem_fault *mf = &run->memory_fault;

	if (run->exit_reason == CCMEM_EXIT_CONVERT) {
		switch (below(t, 10)) {
		case 0:
			return v64(t) ?: 1;	/* refused */
		case 1:
			return 0;		/* a VMM that lies */
		default:
			fz_set_attr(t, vm, vmfd, cv->gpa, cv->size,
				    cv->flags & CCMEM_CONVERT_F_PRIVATE ?
				    CCMEM_ATTR_PRIVATE : 0, false);
			return 0;
		}
	}
	if (run->exit_reason == CCMEM_EXIT_MEMORY_FAULT && one_in(t, 2))
		fz_set_attr(t, vm, vmfd, mf->gpa, mf->size ? mf->size : 4096,
			    mf->flags & CCMEM_FAULT_F_PRIVATE ?
			    CCMEM_ATTR_PRIVATE : 0, false);
	return 0;
}

/*
 * What is wrong with exit @run of a VM of @type whose guest memory ends at
 * @limit (its documented form, ccmem.h and ccmem_emu.h); NULL if nothing.
 */
static const char *fz_exit_bad(const struct ccmem_run *run, __u32 type,
			       __u64 limit)
{
	const struct ccmem_exit_convert *cv = &run->convert;
	const struct ccmem_fault *mf = &run->memory_fault;
	const struct ccmem_emu_exit_step *st = (const void *)run->exit;

	switch (run->exit_reason) {
	case CCMEM_EXIT_CONVERT:
		if ((cv->gpa | cv->size) & 0xfff || !cv->size)
			return "a conversion range not in whole pages";
		if (cv->flags & ~CCMEM_CONVERT_F_PRIVATE || cv->reserved0)
			return "conversion flags or reserved0";
		/* A TD names a range below its shared bit (bit cleared). */
		if (type == CCMEM_VM_TDX &&
		    (cv->gpa >= limit || cv->size > limit - cv->gpa))
			return "a conversion range beyond the TD's shared bit";
		return NULL;
	case CCMEM_EXIT_MEMORY_FAULT:
		if (mf->seq || mf->gpa & 0xfff ||
		    (mf->size != 4096 && mf->size != SZ_2M))
			return "a memory fault's seq, gpa or size";
		if (mf->reason < CCMEM_FAULT_PLATFORM ||
		    mf->reason > CCMEM_FAULT_HOST_ACCESS ||
		    mf->flags & ~(CCMEM_FAULT_F_WRITE | CCMEM_FAULT_F_EXEC |
				  CCMEM_FAULT_F_PRIVATE) ||
		    mf->reserved[0] || mf->reserved[1] || mf->reserved[2])
			return "a memory fault's reason, flags or reserved";
		return NULL;
	case CCMEM_EXIT_SECURITY:
		if (run->security.reason < CCMEM_SEC_DOUBLE_ACCEPT ||
		    run->security.reason > CCMEM_SEC_SHARED_ACCESS ||
		    run->security.reserved0)
			return "a security exit's reason or reserved0";
		return NULL;
	case CCMEM_EXIT_TERMINATED:
		if (run->terminated.flags & ~CCMEM_TERM_F_GUEST ||
		    run->terminated.reserved)
			return "a termination's flags or reserved";
		return NULL;
	case CCMEM_EXIT_EMU_STEP_ERROR:
		if (st->error != EINVAL && st->error != ENOMEM &&
		    st->error != ERANGE)
			return "a step error's errno";
		return NULL;
	case CCMEM_EXIT_EMU_DONE:
	case CCMEM_EXIT_EMU_CHECK:
		return NULL;
	}
	return "an unknown exit reason";
}

/*
 * Run a vCPU a few times, serving its exits (and giving it programs), as a
 * VMM does; a run that takes long is interrupted by the watchdog's signal.
 * The first run finalizes the VM.
 */
static void fz_run(struct fz_thread *t, struct fz_vm *vm, struct fz_vcpu *vc,
		   int vmfd, int fd)
{
	int i, mode, runs = 1 + below(t, 4);
	struct ccmem_run run = {}, exit;
	const char *bad;
	__s64 answer = 0;
	struct fz_call c;
	char key[96];

	for (i = 0; i < runs; i++) {
		fz_call_init(&c, I_RUN, FD_VCPU, fd, vm);
		c.vmfd = vmfd;
		memset(&run, 0, sizeof(run));
		run.convert.ret = answer;
		switch (below(t, 60)) {
		case 0:
			SPOIL32(t, &c, run.flags);
			break;
		case 1:
			SPOIL64(t, &c, run.reserved0);
			break;
		case 2:
			SPOILA(t, &c, run.reserved, 4);
			break;
		case 3:		/* an output: may hold the last exit */
			run.state[below(t, 16)] = rnd(t);
			break;
		}
		mode = one_in(t, 30) ? fz_pick_mode(t) : P_GOOD;
		fz_vm_flag(vm, t->gen, &vm->fin_maybe);
		ST(t->run_since, now_ns());
		ST(t->in_run, 1);
		fz_call_struct(t, &c, &run, sizeof(run), mode);
		ST(t->in_run, 0);
		INC(fz.runs, 1);
		/* A run finalizes the VM, even with no program to run. */
		if (c.ret == 0 || c.err == ENOEXEC)
			fz_vm_flag(vm, t->gen, &vm->finalized);
		if (c.ret < 0) {
			if (c.err == ESHUTDOWN)
				ST(vc->dead, true);
			if (c.err == ENOEXEC && !one_in(t, 4))
				fz_set_program(t, vm, fd);
			if (c.err != EINTR && c.err != EFAULT)
				break;
			continue;
		}
		if (!c.rw)
			break;
		/* The page is reused by the next call: keep the exit. */
		memcpy(&exit, c.rw, sizeof(exit));
		INC(fz.exits, 1);
		bad = fz_exit_bad(&exit, t->type, t->limit);
		if (bad) {
			snprintf(key, sizeof(key), "CCMEM_VCPU_RUN: %s", bad);
			fz_finding(key, "%s VM, exit_reason 0x%x: %llx %llx %llx %llx %llx",
				   t->type == CCMEM_VM_TDX ? "TDX" : "SNP",
				   exit.exit_reason, exit.exit[0], exit.exit[1],
				   exit.exit[2], exit.exit[3], exit.exit[4]);
		}
		if (exit.exit_reason == CCMEM_EXIT_CONVERT) {
			INC(fz.converts, 1);
			if (!fz_vm_test(vm, t->gen, &vm->exits_maybe))
				fz_finding("CCMEM_VCPU_RUN: a conversion exit, not enabled",
					   "%s VM: gpa 0x%llx size 0x%llx flags %u",
					   t->type == CCMEM_VM_TDX ? "TDX" : "SNP",
					   exit.convert.gpa, exit.convert.size,
					   exit.convert.flags);
		}
		if (exit.exit_reason == CCMEM_EXIT_TERMINATED) {
			ST(vc->dead, true);
			pthread_mutex_lock(&vm->mu);
			vm->terminated = true;
			pthread_mutex_unlock(&vm->mu);
			break;
		}
		answer = fz_serve(t, vm, vmfd, &exit);
		if (exit.exit_reason >= CCMEM_EXIT_EMU_DONE)
			fz_set_program(t, vm, fd);	/* the program ended */
	}
}

/* --- actions ----------------------------------------------------------------- */

/* close(), watched for hangs. */
static void fz_close(struct fz_thread *t, int fd, const char *what)
{
	ST(t->op_since, now_ns());
	ST(t->op, what);
	close(fd);
	ST(t->op, NULL);
}

/*
 * A VM fd to use: the slot's, or (a quarter of the time) a dup of it,
 * counted in the slot's dup_users until fz_vm_fd_put().
 */
static int fz_vm_fd(struct fz_thread *t, struct fz_vm *vm, bool *dup_ed)
{
	int fd;

	*dup_ed = false;
	if (fz_skip("dup") || !one_in(t, 4))
		return vm->fd;
	fd = fcntl(vm->fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return vm->fd;
	*dup_ed = true;
	pthread_mutex_lock(&vm->mu);
	vm->dup_users++;
	pthread_mutex_unlock(&vm->mu);
	return fd;
}

static void fz_vm_fd_put(struct fz_thread *t, struct fz_vm *vm, int fd)
{
	fz_close(t, fd, "close(dup of VM)");
	pthread_mutex_lock(&vm->mu);
	if (!--vm->dup_users)
		pthread_cond_broadcast(&vm->idle);
	pthread_mutex_unlock(&vm->mu);
}

/* With the slot write-locked: wait until no call through a dup is left. */
static void fz_vm_quiesce(struct fz_vm *vm)
{
	pthread_mutex_lock(&vm->mu);
	while (vm->dup_users)
		pthread_cond_wait(&vm->idle, &vm->mu);
	pthread_mutex_unlock(&vm->mu);
}

/* An SNP or a TDX VM, as CCMEM_FUZZ_SKIP allows: half of each. */
static bool fz_pick_tdx(struct fz_thread *t)
{
	if (fz_skip("tdx") || !fz.tdx_module)
		return false;
	return fz_skip("snp") || one_in(t, 2);
}

/* The valid TDX arguments of CCMEM_CREATE_VM, at random. */
static void fz_tdx_args(struct fz_thread *t, struct ccmem_vm_create *cr)
{
	static const __u32 widths[] = { 0, 48, 52 };

	cr->attributes = one_in(t, 2) ? CCMEM_TDX_ATTR_NO_PENDING_VE : 0;
	cr->gpa_width = widths[below(t, ARRAY_SIZE(widths))];
}

/* Open slot @vm (write-locked): a plain VM, or one with an emulated guest. */
static void fz_vm_open(struct fz_thread *t, struct fz_vm *vm)
{
	static const __u32 qlens[] = { 0, 1, 2, 16, 256, 65536 };
	struct ccmem_enable_cap ecap = {
		.cap = CCMEM_CAP_CONVERT_EXITS, .args = { 1 },
	};
	struct ccmem_vm_create cr = { .type = CCMEM_VM_SNP };
	struct ccmem_emu_guest_config g = {};
	struct ccmem_region r;
	struct fz_call c;
	int dev = fz.dev[0], i, n;
	bool guest = one_in(t, 2), tdx = fz_pick_tdx(t), comm;

	fz_vm_newgen(vm);
	fz_use_vm(t, vm);
	if (tdx) {
		cr.type = CCMEM_VM_TDX;
		fz_tdx_args(t, &cr);
	}
	cr.backend = one_in(t, 2) ? CCMEM_BACKEND_EMU : CCMEM_BACKEND_AUTO;
	cr.fault_queue_len = qlens[below(t, ARRAY_SIZE(qlens))];
	fz_call_init(&c, I_CREATE_VM, FD_DEV, dev, NULL);
	fz_call_struct(t, &c, &cr, sizeof(cr), P_GOOD);
	if (c.ret < 0)
		return;
	vm->fd = c.ret;
	fz_vm_set_type(vm, cr.type, cr.gpa_width);
	fz_use_vm(t, vm);
	INC(fz.vms_opened, 1);
	if (tdx)
		INC(fz.vms_tdx, 1);
	/* Most VMMs serve conversions: they ask for the exits. */
	if (!one_in(t, 8)) {
		fz_vm_flag(vm, vm->gen, &vm->exits_maybe);
		fz_call_init(&c, I_ENCAP, FD_VM, vm->fd, vm);
		fz_call_struct(t, &c, &ecap, sizeof(ecap), P_GOOD);
	}
	if (!guest) {
		n = below(t, 4);
		for (i = 0; i < n; i++)
			fz_add_region(t, vm, vm->fd, vm->gen);
		/* Launch pages, while the VM is new. */
		for (i = below(t, 3); i > 0; i--)
			fz_launch(t, vm, vm->fd, vm->gen);
		return;
	}
	/* Guest RAM (private) and the 64 GHCB pages (shared; a TD's maybe). */
	r = (struct ccmem_region){
		.gpa = (8 + below(t, 56)) * (64ULL << 20),	/* above comm */
		.size = (2 + below(t, 3)) * SZ_2M,
		.flags = CCMEM_REGION_F_PRIVATE,
		.shared_uaddr = (uintptr_t)vm->arena,
	};
	comm = !tdx || !one_in(t, 3);
	g = ccmem_guest_config(below(t, 3), r.gpa, r.size);
	g.unit_shift = one_in(t, 2) ? 0 : 12 + below(t, 10);
	if (g.policy == CCMEM_ACCEPT_HYBRID)
		g.eager_bytes = below(t, r.size / SZ_2M + 1) * SZ_2M;
	g.flags = below(t, 4);
	if (tdx)
		g.flags &= ~CCMEM_GUEST_F_CONVERT_MSR;
	if (!comm)
		g.comm_gpa = 0;
	for (i = 0; i < 1 + comm; i++) {
		fz_reserve(vm, vm->gen, r.size, false);
		fz_call_init(&c, I_ADD, FD_VM, vm->fd, vm);
		fz_call_struct(t, &c, &r, sizeof(r), P_GOOD);
		if (c.ret) {
			fz_unreserve(vm, vm->gen, r.size);
			return;
		}
		fz_region_added(vm, vm->gen, &r, false);
		r = (struct ccmem_region){
			.gpa = CCMEM_GUEST_COMM_GPA,
			.size = CCMEM_GUEST_COMM_SIZE,
			.shared_uaddr = (uintptr_t)vm->arena + FZ_ARENA -
					CCMEM_GUEST_COMM_SIZE,
		};
	}
	fz_call_init(&c, I_GINIT, FD_VM, vm->fd, vm);
	fz_call_struct(t, &c, &g, sizeof(g), P_GOOD);
	if (c.ret)
		return;
	vm->guest = true;
	vm->ram_gpa = g.mem_gpa;
	vm->ram_size = g.mem_size;
	vm->comm_gpa = g.comm_gpa;
	n = 1 + below(t, FZ_VCPUS);
	for (i = 0; i < n; i++) {
		fz_call_init(&c, I_VCPU, FD_VM, vm->fd, vm);
		c.arg = i == 0 ? 0 : below(t, CCMEM_MAX_VCPUS);
		fz_call(t, &c);
		if (c.ret < 0)
			continue;
		vm->vcpu[i].fd = c.ret;
		vm->vcpu[i].id = c.arg;
		vm->vcpu[i].dead = false;
		INC(fz.vcpus_opened, 1);
		fz_set_program(t, vm, c.ret);
	}
}

/* Close slot @vm (write-locked) and its vCPUs. */
static void fz_vm_close(struct fz_thread *t, struct fz_vm *vm)
{
	int i;

	for (i = 0; i < FZ_VCPUS; i++) {
		if (vm->vcpu[i].fd >= 0)
			fz_close(t, vm->vcpu[i].fd, "close(vCPU)");
		vm->vcpu[i].fd = -1;
	}
	if (vm->fd >= 0)
		fz_close(t, vm->fd, "close(VM)");
	vm->fd = -1;
	fz_vm_newgen(vm);
}

/* An ioctl of a VM fd with fuzzed arguments. */
static void fz_act_vm(struct fz_thread *t)
{
	struct fz_vm *vm = &fz.vm[below(t, FZ_VMS)];
	__u64 gen;
	bool dup_ed;
	int fd;

	pthread_rwlock_rdlock(&vm->lock);
	if (vm->fd < 0 || ((vm->dead || vm->terminated) && one_in(t, 200)) ||
	    one_in(t, 20000)) {
		/* Empty, dead or just old: (re)open it. */
		pthread_rwlock_unlock(&vm->lock);
		pthread_rwlock_wrlock(&vm->lock);
		if (vm->fd >= 0)
			fz_vm_close(t, vm);
		if (!one_in(t, 4))
			fz_vm_open(t, vm);
		pthread_rwlock_unlock(&vm->lock);
		return;
	}
	gen = vm->gen;
	fz_use_vm(t, vm);
	fd = fz_vm_fd(t, vm, &dup_ed);
	if (dup_ed)	/* others may close the slot while we call */
		pthread_rwlock_unlock(&vm->lock);

	fz_vm_ioctl(t, vm, fd, gen, false);

	if (dup_ed)
		fz_vm_fd_put(t, vm, fd);
	else
		pthread_rwlock_unlock(&vm->lock);
}

/* Run a vCPU, or give it a program. */
static void fz_act_vcpu(struct fz_thread *t)
{
	struct fz_vm *vm = &fz.vm[below(t, FZ_VMS)];
	struct fz_vcpu *vc = &vm->vcpu[below(t, FZ_VCPUS)];
	int fd;
	bool dup_ed = false;

	pthread_rwlock_rdlock(&vm->lock);
	if (vm->fd < 0 || !vm->guest) {
		pthread_rwlock_unlock(&vm->lock);
		return;
	}
	pthread_rwlock_rdlock(&vc->lock);
	fz_use_vm(t, vm);
	fd = vc->fd;
	if (fd >= 0 && !fz_skip("dup") && one_in(t, 4)) {
		fd = fcntl(vc->fd, F_DUPFD_CLOEXEC, 3);
		dup_ed = fd >= 0;
		if (!dup_ed)
			fd = vc->fd;
	}
	if (fd >= 0) {
		if (one_in(t, 4) || fz_skip("run"))
			fz_set_program(t, vm, fd);
		else
			fz_run(t, vm, vc, vm->fd, fd);
	}
	if (dup_ed)
		fz_close(t, fd, "close(dup of vCPU)");
	pthread_rwlock_unlock(&vc->lock);
	pthread_rwlock_unlock(&vm->lock);
}

/* Create a vCPU with a fuzzed id, or close one. */
static void fz_act_vcpu_life(struct fz_thread *t)
{
	struct fz_vm *vm = &fz.vm[below(t, FZ_VMS)];
	struct fz_vcpu *vc = &vm->vcpu[below(t, FZ_VCPUS)];
	struct fz_call c;

	pthread_rwlock_rdlock(&vm->lock);
	if (vm->fd < 0) {
		pthread_rwlock_unlock(&vm->lock);
		return;
	}
	fz_use_vm(t, vm);
	if (one_in(t, 2)) {
		fz_call_init(&c, I_VCPU, FD_VM, vm->fd, vm);
		c.arg = one_in(t, 8) ? v64(t) : below(t, CCMEM_MAX_VCPUS);
		fz_call(t, &c);
		if (c.ret >= 0) {
			INC(fz.vcpus_opened, 1);
			if (!pthread_rwlock_trywrlock(&vc->lock)) {
				if (vc->fd < 0) {
					vc->fd = c.ret;
					vc->id = c.arg;
					vc->dead = false;
					c.ret = -1;
				}
				pthread_rwlock_unlock(&vc->lock);
			}
			if (c.ret >= 0)
				fz_close(t, c.ret, "close(new vCPU)");
		}
	} else if (!pthread_rwlock_trywrlock(&vc->lock)) {
		if (vc->fd >= 0 && (vc->dead || one_in(t, 2))) {
			fz_close(t, vc->fd, "close(vCPU)");
			vc->fd = -1;
		}
		pthread_rwlock_unlock(&vc->lock);
	}
	pthread_rwlock_unlock(&vm->lock);
}

/* Close a VM slot (its vCPUs too); the next user opens a new one. */
static void fz_act_vm_life(struct fz_thread *t)
{
	struct fz_vm *vm = &fz.vm[below(t, FZ_VMS)];

	pthread_rwlock_wrlock(&vm->lock);
	if (vm->fd >= 0)
		fz_vm_close(t, vm);
	if (one_in(t, 2))
		fz_vm_open(t, vm);
	pthread_rwlock_unlock(&vm->lock);
}

/* /dev/ccmem: the version, capabilities, and VMs made with fuzzed args. */
static void fz_act_dev(struct fz_thread *t)
{
	int d = below(t, FZ_DEVS);
	struct ccmem_vm_create cr = {};
	struct fz_vm *vm;
	struct fz_call c;

	pthread_rwlock_rdlock(&fz.dev_lock[d]);
	switch (below(t, 4)) {
	case 0:
		fz_call_init(&c, I_API, FD_DEV, fz.dev[d], NULL);
		c.arg = one_in(t, 2) ? 0 : v64(t);
		if (c.arg)
			c.spoiled = "the argument (must be 0)";
		fz_call(t, &c);
		if (!c.arg && c.ret != CCMEM_API_VERSION)
			fz_finding("CCMEM_GET_API_VERSION: value",
				   "answered %ld, documented %d", c.ret,
				   CCMEM_API_VERSION);
		break;
	case 1:
		fz_check_ext(t, FD_DEV, fz.dev[d], NULL);
		break;
	default:
		fz_call_init(&c, I_CREATE_VM, FD_DEV, fz.dev[d], NULL);
		cr.type = one_in(t, 8) ? v32(t) :
			  fz_pick_tdx(t) ? CCMEM_VM_TDX : CCMEM_VM_SNP;
		if (cr.type == CCMEM_VM_TDX)
			fz_tdx_args(t, &cr);
		cr.backend = one_in(t, 8) ? v32(t) : below(t, 3);
		cr.fault_queue_len = one_in(t, 2) ? below(t, 300) : v32(t);
		switch (below(t, cr.type == CCMEM_VM_TDX ? 16 : 24)) {
		case 0:
			SPOIL32(t, &c, cr.flags);
			break;
		case 1:
			SPOIL32(t, &c, cr.key_id);
			break;
		case 2:
			SPOIL32(t, &c, cr.backend_used);
			break;
		case 3:
			SPOILA(t, &c, cr.reserved, 2);
			break;
		case 4:
			SPOIL32(t, &c, cr.reserved0);
			break;
		case 5:		/* SNP: no attributes; TDX: one bit */
			if (cr.type != CCMEM_VM_TDX) {
				SPOIL64(t, &c, cr.attributes);
				break;
			}
			cr.attributes = one_in(t, 2) ? 1ULL << below(t, 64) :
					v64(t);
			if (cr.attributes & ~CCMEM_TDX_ATTR_NO_PENDING_VE)
				c.spoiled = "cr.attributes (unknown to ccmem)";
			break;
		case 6:		/* SNP: no address width; TDX: 0, 48, 52 */
			if (cr.type != CCMEM_VM_TDX) {
				SPOIL32(t, &c, cr.gpa_width);
				break;
			}
			cr.gpa_width = v32(t);
			if (cr.gpa_width && cr.gpa_width != 48 &&
			    cr.gpa_width != 52)
				c.spoiled = "cr.gpa_width (not 48 or 52)";
			break;
		}
		fz_call_struct(t, &c, &cr, sizeof(cr), fz_pick_mode(t));
		if (c.ret < 0)
			break;
		INC(fz.vms_opened, 1);
		if (cr.type == CCMEM_VM_TDX)
			INC(fz.vms_tdx, 1);
		if (c.rw && (((struct ccmem_vm_create *)c.rw)->backend_used !=
			     CCMEM_BACKEND_EMU ||
			     !((struct ccmem_vm_create *)c.rw)->key_id))
			fz_finding("CCMEM_CREATE_VM: outputs",
				   "backend_used %u key_id %u (emu and a key expected)",
				   ((struct ccmem_vm_create *)c.rw)->backend_used,
				   ((struct ccmem_vm_create *)c.rw)->key_id);
		/* Adopt it into an empty slot, or close it at once. */
		vm = &fz.vm[below(t, FZ_VMS)];
		if (!pthread_rwlock_trywrlock(&vm->lock)) {
			if (vm->fd < 0) {
				fz_vm_newgen(vm);
				vm->fd = c.ret;
				fz_vm_set_type(vm, cr.type, cr.gpa_width);
				c.ret = -1;
			}
			pthread_rwlock_unlock(&vm->lock);
		}
		if (c.ret >= 0)
			fz_close(t, c.ret, "close(new VM)");
		break;
	}
	pthread_rwlock_unlock(&fz.dev_lock[d]);
}

/* A command number no ccmem fd has: random, in the 0xCC range or not. */
static unsigned long fz_random_cmd(struct fz_thread *t)
{
	static const __u8 vfs_types[] = { 0x00, 0x15, 'T', 'X', 'f', 0x94 };
	unsigned long cmd;
	__u8 type;
	size_t i;

	for (;;) {
		type = one_in(t, 2) ? CCMEM_IO : rnd(t);
		cmd = _IOC(below(t, 4), type, one_in(t, 2) ? below(t, 0x60) :
			   below(t, 256), one_in(t, 2) ? below(t, 256) :
			   below(t, 1 << 14));
		for (i = 0; i < ARRAY_SIZE(vfs_types); i++)
			if (type == vfs_types[i])	/* the VFS answers those */
				break;
		if (i == ARRAY_SIZE(vfs_types) && fz_ioc_of(cmd) < 0)
			return cmd;
	}
}

/*
 * A command the fd does not have: a random one, or a ccmem ioctl of
 * another fd kind. The only right answer is -ENOTTY.
 */
static void fz_act_notty(struct fz_thread *t)
{
	struct fz_vm *vm = &fz.vm[below(t, FZ_VMS)];
	struct fz_vcpu *vc = &vm->vcpu[below(t, FZ_VCPUS)];
	enum fz_fdkind on = below(t, FD_NR);
	int d = below(t, FZ_DEVS), i;
	struct fz_call c;
	__u8 junk[256];

	pthread_rwlock_rdlock(&fz.dev_lock[d]);
	pthread_rwlock_rdlock(&vm->lock);
	pthread_rwlock_rdlock(&vc->lock);
	fz_call_init(&c, -1, on, on == FD_DEV ? fz.dev[d] :
		     on == FD_VM ? vm->fd : vc->fd, vm);
	if (c.fd < 0)
		goto out;
	c.want_enotty = true;
	if (one_in(t, 2)) {
		c.cmd = fz_random_cmd(t);
	} else {
		do {
			i = below(t, I_NR);
		} while (fz_iocs[i].on == on ||
			 (i == I_CHECK && on == FD_VM));
		c.cmd = fz_iocs[i].cmd;
		c.idx = i;
	}
	for (i = 0; i < (int)sizeof(junk); i++)
		junk[i] = one_in(t, 2) ? 0 : rnd(t);
	c.mode = one_in(t, 2) ? P_GOOD : P_VALUE;
	if (c.mode == P_GOOD) {
		c.copy = junk;
		c.sz = 64;
		c.arg = fz_place(t, junk, 128, P_GOOD, &c.rw);
	} else {
		c.arg = v64(t);
	}
	fz_issue(t, &c);
	fz_judge(t, &c);
out:
	pthread_rwlock_unlock(&vc->lock);
	pthread_rwlock_unlock(&vm->lock);
	pthread_rwlock_unlock(&fz.dev_lock[d]);
}

/* --- fork: calls from another mm ------------------------------------------- */

static void fz_child_log(struct fz_child_log *l, int idx, bool inherited,
			 long ret)
{
	if (l->nr >= FZ_CHILD_LOG)
		return;
	l->e[l->nr++] = (struct fz_child_ent){
		.idx = idx, .inherited = inherited, .ret = ret,
		.err = ret < 0 ? errno : 0,
	};
}

/*
 * The child: no locks, no allocation, no stdio (other threads of the
 * parent may have held them at the fork). It calls the inherited fds,
 * which must all answer -EIO, then makes a VM of its own and exits with
 * it open: the VM (with a pin and a guest) is released by the exit, after
 * the child's mm is gone.
 */
static void fz_child(struct fz_thread *t, const int *fds, const int *kinds,
		     int nfds, int dev, bool run_it, bool tdx)
{
	struct fz_child_log *l = t->clog;
	struct ccmem_vm_create cr = {
		.type = tdx ? CCMEM_VM_TDX : CCMEM_VM_SNP,
		.backend = CCMEM_BACKEND_EMU,
	};
	struct ccmem_enable_cap ecap = {
		.cap = CCMEM_CAP_CONVERT_EXITS, .args = { 1 },
	};
	struct ccmem_region ram = {
		.gpa = 1ULL << 30, .size = 4ULL << 20,
		.shared_uaddr = (uintptr_t)t->child_arena,
		.flags = CCMEM_REGION_F_PRIVATE,
	};
	struct ccmem_region comm = {
		.gpa = CCMEM_GUEST_COMM_GPA, .size = CCMEM_GUEST_COMM_SIZE,
		.shared_uaddr = (uintptr_t)t->child_arena + (4ULL << 20),
	};
	struct ccmem_populate pop = { .gpa = 1ULL << 30, .size = 4ULL << 20 };
	struct ccmem_pin pin = { .gpa = CCMEM_GUEST_COMM_GPA, .size = 8 * 4096 };
	struct ccmem_emu_guest_config g =
		ccmem_guest_config(CCMEM_ACCEPT_EAGER, 1ULL << 30, 4ULL << 20);
	struct ccmem_guest_insn boot = { .op = CCMEM_GOP_BOOT };
	struct ccmem_emu_program prog = { .insns = (uintptr_t)&boot, .nr = 1 };
	struct ccmem_stats st = {};
	struct ccmem_run run = {};
	long vm, vcpu;
	int i;

	for (i = 0; i < nfds; i++) {
		if (kinds[i] == FD_VM) {
			fz_child_log(l, I_STATS, true,
				     ioctl(fds[i], CCMEM_VM_GET_STATS, &st));
			fz_child_log(l, I_CHECK, true,
				     ioctl(fds[i], CCMEM_CHECK_EXTENSION, 1));
			fz_child_log(l, I_ADD, true,
				     ioctl(fds[i], CCMEM_VM_ADD_REGION, &ram));
			fz_child_log(l, I_ENCAP, true,
				     ioctl(fds[i], CCMEM_VM_ENABLE_CAP, &ecap));
			fz_child_log(l, I_FINAL, true,
				     ioctl(fds[i], CCMEM_VM_FINALIZE, 0));
		} else {
			fz_child_log(l, I_RUN, true,
				     ioctl(fds[i], CCMEM_VCPU_RUN, &run));
			fz_child_log(l, I_PROG, true,
				     ioctl(fds[i], CCMEM_VCPU_EMU_SET_PROGRAM,
					   &prog));
		}
	}
	vm = ioctl(dev, CCMEM_CREATE_VM, &cr);
	fz_child_log(l, I_CREATE_VM, false, vm);
	if (vm < 0)
		_exit(0);
	fz_child_log(l, I_ENCAP, false, ioctl(vm, CCMEM_VM_ENABLE_CAP, &ecap));
	fz_child_log(l, I_ADD, false, ioctl(vm, CCMEM_VM_ADD_REGION, &ram));
	fz_child_log(l, I_ADD, false, ioctl(vm, CCMEM_VM_ADD_REGION, &comm));
	fz_child_log(l, I_POP, false, ioctl(vm, CCMEM_VM_POPULATE, &pop));
	fz_child_log(l, I_PIN, false, ioctl(vm, CCMEM_VM_PIN, &pin));
	fz_child_log(l, I_GINIT, false, ioctl(vm, CCMEM_EMU_GUEST_INIT, &g));
	vcpu = ioctl(vm, CCMEM_VM_CREATE_VCPU, 0);
	fz_child_log(l, I_VCPU, false, vcpu);
	if (vcpu >= 0) {
		fz_child_log(l, I_PROG, false,
			     ioctl(vcpu, CCMEM_VCPU_EMU_SET_PROGRAM, &prog));
		if (run_it)
			fz_child_log(l, I_RUN, false,
				     ioctl(vcpu, CCMEM_VCPU_RUN, &run));
	}
	_exit(0);
}

static void fz_act_fork(struct fz_thread *t)
{
	int fds[FZ_VMS * (FZ_VCPUS + 1)], kinds[FZ_VMS * (FZ_VCPUS + 1)];
	int n = 0, i, j, status, d = below(t, FZ_DEVS);
	struct fz_child_ent *e;
	struct fz_call c;
	bool run_it, kill_it, tdx = fz_pick_tdx(t);
	unsigned int kill_after;
	pid_t pid;

	/* Every open VM and vCPU stays open while the child lives. */
	pthread_rwlock_rdlock(&fz.dev_lock[d]);
	for (i = 0; i < FZ_VMS; i++) {
		pthread_rwlock_rdlock(&fz.vm[i].lock);
		if (fz.vm[i].fd < 0)
			continue;
		fds[n] = fz.vm[i].fd;
		kinds[n++] = FD_VM;
		for (j = 0; j < FZ_VCPUS; j++) {
			pthread_rwlock_rdlock(&fz.vm[i].vcpu[j].lock);
			if (fz.vm[i].vcpu[j].fd >= 0 && one_in(t, 2)) {
				fds[n] = fz.vm[i].vcpu[j].fd;
				kinds[n++] = FD_VCPU;
			}
		}
	}
	t->clog->nr = 0;
	run_it = one_in(t, 2);
	ST(t->op_since, now_ns());
	ST(t->op, "fork+wait");
	kill_it = one_in(t, 2);
	kill_after = below(t, 30);
	pid = fork();
	if (pid == 0)
		fz_child(t, fds, kinds, n, fz.dev[d], run_it, tdx);
	/* Half of the children are SIGKILLed wherever they are: they exit. */
	if (pid > 0 && kill_it) {
		nap_ms(kill_after);
		kill(pid, SIGKILL);
	}
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	ST(t->op, NULL);
	for (i = FZ_VMS - 1; i >= 0; i--) {
		if (fz.vm[i].fd >= 0)
			for (j = FZ_VCPUS - 1; j >= 0; j--)
				pthread_rwlock_unlock(&fz.vm[i].vcpu[j].lock);
		pthread_rwlock_unlock(&fz.vm[i].lock);
	}
	pthread_rwlock_unlock(&fz.dev_lock[d]);
	if (pid < 0)
		return;
	INC(fz.forks, 1);
	if (kill_it && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		INC(fz.kills, 1);
	else if (!WIFEXITED(status) || WEXITSTATUS(status))
		fz_finding("fork: the child died",
			   "status 0x%x after %u calls", status, t->clog->nr);

	for (i = 0; i < (int)t->clog->nr; i++) {
		e = &t->clog->e[i];
		fz_call_init(&c, e->idx, fz_iocs[e->idx].on, -1, NULL);
		c.ret = e->ret;
		c.err = e->err;
		c.kicks = LD(t->kicks);
		t->calls++;
		INC(fz.calls, 1);
		INC(fz.hist[e->idx][c.err < 134 ? c.err : 0], 1);
		if (e->inherited) {
			if (c.ret >= 0 || c.err != EIO)
				fz_bad_call(t, &c, "from another mm, expected EIO, got");
			continue;
		}
		/* The child's own VM: plausible calls, judged as usual. */
		if (c.ret < 0 && c.err != EIO)
			fz_judge(t, &c);
		else if (c.ret < 0)
			fz_bad_call(t, &c, "on the child's own VM");
	}
}

/* --- module unloads ----------------------------------------------------------- */

/* Load @name again after it went; a finding if it does not come back. */
static void fz_reload(const char *name)
{
	int ret = ccmem_module_load(name);
	bool ok = !ret || ret == -EEXIST;

	if (!ok)
		fz_finding("module reload failed", "%s: %s", name, ename(-ret));
	/* A module comes back with its parameters' defaults. */
	if (!strcmp(name, "ccmem_snp")) {
		ST(fz.snp_loaded, ok);
		if (fz.asid_cap != fz.asid_cap0)
			ccmem_param_set(P_ASIDS, fz.asid_cap);
	} else if (!strcmp(name, "ccmem_tdx")) {
		ST(fz.tdx_loaded, ok);
		if (fz.hkid_cap != fz.hkid_cap0)
			ccmem_param_set(P_HKIDS, fz.hkid_cap);
	} else {
		ST(fz.guest_loaded, ok);
	}
}

/*
 * Unload @name: with @pinned the module is held by an open VM and must
 * refuse with EWOULDBLOCK; with @must_go nothing holds it and it must go;
 * otherwise either. It is loaded again at once.
 */
static void fz_unload(const char *name, bool pinned, bool must_go)
{
	int ret;

	pthread_mutex_lock(&fz.module_lock);
	ret = ccmem_module_unload(name);
	if (!ret) {
		INC(fz.unload_ok, 1);
		if (pinned)
			fz_finding("module unloaded under a live VM",
				   "%s unloaded while a VM that pins it is open",
				   name);
		fz_reload(name);
	} else if (ret == -EWOULDBLOCK || ret == -EBUSY) {
		INC(fz.unload_refused, 1);
		if (must_go)
			fz_finding("module pinned with every VM closed",
				   "%s: %s with no VM, vCPU or child left: a reference leaked?",
				   name, ename(-ret));
	} else if (ret == -ENOENT) {
		/* Not loaded (a reload failed): try again. */
		fz_reload(name);
	} else {
		fz_finding("module unload errno", "%s: %s", name, ename(-ret));
	}
	pthread_mutex_unlock(&fz.module_lock);
}

/* The platform module of VM type @type. */
static const char *fz_module(__u32 type)
{
	return type == CCMEM_VM_TDX ? "ccmem_tdx" : "ccmem_snp";
}

/* Concurrent unloads: while holding an open VM, and not. */
static void fz_act_unload(struct fz_thread *t)
{
	static const char *const mods[] = {
		"ccmem_snp", "ccmem_guest", "ccmem_tdx",
	};
	struct fz_vm *vm = &fz.vm[below(t, FZ_VMS)];

	if (fz_skip("unload"))
		return;
	if (one_in(t, 3)) {
		fz_unload(mods[below(t, fz.tdx_module ? 3 : 2)], false, false);
		return;
	}
	pthread_rwlock_rdlock(&vm->lock);
	if (vm->fd >= 0) {
		/* Its own platform module stays; the other one may go. */
		fz_unload(fz_module(vm->type), true, false);
		if (fz.tdx_module)
			fz_unload(fz_module(vm->type == CCMEM_VM_TDX ?
					    CCMEM_VM_SNP : CCMEM_VM_TDX),
				  false, false);
		if (vm->guest)
			fz_unload("ccmem_guest", true, false);
		fz_unload("ccmem", true, false);
	}
	pthread_rwlock_unlock(&vm->lock);
}

/* Global counter @name must be @want (with every VM closed). */
static void fz_expect_global(const char *name, long long want)
{
	long long v = ccmem_global_stat(name);

	if (v != want)
		fz_finding("global counter after closing every VM",
			   "%s = %lld, expected %lld", name, v, want);
}

/*
 * Stop the world (no action runs, no child lives): check the modules'
 * pinning exactly, and every so often close every VM first, then the
 * global counters must be back to zero and both modules must unload.
 */
static void fz_world_stop(struct fz_thread *t, bool close_all)
{
	int i, live = 0, guests = 0, tds = 0;

	pthread_rwlock_wrlock(&fz.world);
	for (i = 0; i < FZ_VMS; i++) {
		if (close_all && fz.vm[i].fd >= 0)
			fz_vm_close(t, &fz.vm[i]);
		if (fz.vm[i].fd >= 0) {
			live++;
			guests += fz.vm[i].guest;
			tds += fz.vm[i].type == CCMEM_VM_TDX;
		}
	}
	if (!live) {
		fz_expect_global("vms_live", 0);
		fz_expect_global("pool_pages", 0);
	}
	if (!fz_skip("unload")) {
		if (!LD(fz.guest_loaded))
			fz_reload("ccmem_guest");
		if (!LD(fz.snp_loaded))
			fz_reload("ccmem_snp");
		if (fz.tdx_module && !LD(fz.tdx_loaded))
			fz_reload("ccmem_tdx");
		fz_unload("ccmem_guest", guests, !guests);
		fz_unload("ccmem_snp", live - tds, live == tds);
		if (fz.tdx_module)
			fz_unload("ccmem_tdx", tds, !tds);
		/* The platform modules need it. */
		fz_unload("ccmem", true, false);
	}
	pthread_rwlock_unlock(&fz.world);
}

/* What a VM looks like from outside: its counters, its map, its queue. */
struct fz_snap {
	__u32 nr;
	__u64 vals[128];
	struct ccmem_stats_desc descs[128];
	__u32 maplen;
	__u8 map[64 * 1024];
	bool pollin;
};

static bool fz_snap(struct fz_vm *vm, int fd, struct fz_snap *s)
{
	struct ccmem_stats st = {
		.values = (uintptr_t)s->vals, .descs = (uintptr_t)s->descs,
		.nr = ARRAY_SIZE(s->vals),
	};
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct ccmem_map m = { .unit_shift = 12 };
	__u32 i;

	if (ioctl(fd, CCMEM_VM_GET_STATS, &st) || st.nr > ARRAY_SIZE(s->vals))
		return false;
	s->nr = st.nr;
	s->maplen = 0;
	pthread_mutex_lock(&vm->mu);
	for (i = 0; i < vm->nr; i++) {
		m.gpa = vm->r[i].gpa;
		m.size = vm->r[i].size;
		m.buf = (uintptr_t)s->map + s->maplen;
		if (s->maplen + (m.size >> 12) > sizeof(s->map))
			break;
		if (ioctl(fd, CCMEM_VM_GET_MAP, &m))
			break;
		s->maplen += m.size >> 12;
	}
	pthread_mutex_unlock(&vm->mu);
	s->pollin = poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN);
	return true;
}

/* Counters that count refusals: a failed call adds to them, as documented. */
static bool fz_refusal_counter(const char *name)
{
	return !strcmp(name, "vm.faults_backpressure") ||
	       !strcmp(name, "vm.attr_ranges_refused");
}

/* Did the failed call @c leave a trace in @a -> @b? */
static void fz_compare(struct fz_thread *t, const struct fz_call *c,
		       const struct fz_snap *a, const struct fz_snap *b)
{
	char key[256], buf[96], arg[1024];
	const char *name = fz_call_name(c, buf, sizeof(buf));
	__u32 i;

	fz_print_arg(c, arg, sizeof(arg));
	for (i = 0; i < a->nr && i < b->nr; i++) {
		if (a->vals[i] == b->vals[i] || fz_refusal_counter(a->descs[i].name))
			continue;
		snprintf(key, sizeof(key), "%s: failed with %s, yet changed %s",
			 name, ename(c->err), a->descs[i].name);
		if (fz_finding_kind(key))
			fz_print("# FINDING [%s] (seed %llu, thread %d): %s %llu -> %llu\n#   %s\n",
				 key, fz.seed, t->idx, a->descs[i].name,
				 a->vals[i], b->vals[i], arg);
	}
	if (a->maplen == b->maplen && memcmp(a->map, b->map, a->maplen)) {
		for (i = 0; a->map[i] == b->map[i]; i++)
			;
		snprintf(key, sizeof(key), "%s: failed with %s, yet changed the map",
			 name, ename(c->err));
		if (fz_finding_kind(key))
			fz_print("# FINDING [%s] (seed %llu, thread %d): %u: %x -> %x\n#   %s\n",
				 key, fz.seed, t->idx, i, a->map[i], b->map[i],
				 arg);
	}
	if (a->pollin && !b->pollin) {
		snprintf(key, sizeof(key), "%s: failed with %s, yet dequeued fault records",
			 name, ename(c->err));
		fz_finding(key, "poll() said EPOLLIN before, not after; %s", arg);
	}
}

/*
 * An ioctl that fails has changed nothing (unless documented: refusal
 * counters, partial POPULATE, a VM that died). With the slot to itself
 * (write-locked, a plain VM: no vCPU thread moves anything), each failed
 * call is checked against the VM's counters, map and fault queue.
 */
static void fz_act_notrace(struct fz_thread *t)
{
	static __thread struct fz_snap *a, *b;
	struct fz_vm *vm = &fz.vm[below(t, FZ_VMS)];
	struct fz_call *c = &t->last;
	int i;

	if (!a)
		a = malloc(sizeof(*a));
	if (!b)
		b = malloc(sizeof(*b));
	if (!a || !b)
		return;
	pthread_rwlock_wrlock(&vm->lock);
	fz_vm_quiesce(vm);
	if (vm->fd < 0 || vm->guest || vm->dead || !fz_snap(vm, vm->fd, a))
		goto out;
	fz_use_vm(t, vm);
	t->bias_bad = true;
	for (i = 0; i < 8; i++) {
		c->idx = -1;
		fz_vm_ioctl(t, vm, vm->fd, vm->gen, true);
		if (c->idx < 0 || !fz_snap(vm, vm->fd, b))
			break;
		INC(fz.notrace_checks, 1);
		/*
		 * Success, a dead VM, a documented partial POPULATE or
		 * LAUNCH_UPDATE: a new base.
		 */
		if (c->ret >= 0 || c->err == EIO ||
		    (c->idx == I_POP && (c->err == ENOMEM || c->err == EINTR)) ||
		    (c->idx == I_LAUNCH && fz_launch_done(c))) {
			memcpy(a, b, sizeof(*a));
			continue;
		}
		fz_compare(t, c, a, b);
		memcpy(a, b, sizeof(*a));
	}
	t->bias_bad = false;
out:
	pthread_rwlock_unlock(&vm->lock);
}

/* One plain ioctl with a good struct; returns the result (-errno). */
static long fz_simple(struct fz_thread *t, struct fz_vm *vm, int fd, int idx,
		      const void *s, size_t sz)
{
	struct fz_call c;

	fz_call_init(&c, idx, FD_VM, fd, vm);
	fz_call_struct(t, &c, s, sz, P_GOOD);
	return c.ret < 0 ? -c.err : c.ret;
}

/*
 * Run a VM into its caps, so that their errnos come up: private ranges
 * (max_attr_ranges; also on deleting a region in the middle of a private
 * range), pins (CCMEM_MAX_PINS) and regions (CCMEM_MAX_REGIONS). Far
 * above everything else the fuzzer adds, at 1 << 50 (a TD whose shared
 * bit is bit 47: at 1 << 46).
 */
static void fz_act_fill(struct fz_thread *t)
{
	struct fz_vm *vm = &fz.vm[below(t, FZ_VMS)];
	const __u64 rsize = 128 * 4096;
	struct ccmem_region r;
	struct ccmem_attributes a;
	struct ccmem_pin pin;
	__u64 gen, i, base;
	long ret = 0;
	int fd;

	pthread_rwlock_rdlock(&vm->lock);
	fd = vm->fd;
	gen = vm->gen;
	fz_use_vm(t, vm);
	base = t->limit > 1ULL << 50 ? 1ULL << 50 : 1ULL << 46;
	if (fd < 0 || vm->dead || !fz_reserve(vm, gen, 3 * rsize + 520 * 4096,
					      false)) {
		pthread_rwlock_unlock(&vm->lock);
		return;
	}
	fz_unreserve(vm, gen, 3 * rsize + 520 * 4096);
	/* Three adjacent private regions: one private range. */
	for (i = 0; i < 3; i++) {
		r = (struct ccmem_region){
			.gpa = base + i * rsize, .size = rsize,
			.flags = CCMEM_REGION_F_PRIVATE,
			.shared_uaddr = (uintptr_t)vm->arena + i * rsize,
		};
		if (!fz_reserve(vm, gen, rsize, false))
			goto out;
		ret = fz_simple(t, vm, fd, I_ADD, &r, sizeof(r));
		if (ret) {
			fz_unreserve(vm, gen, rsize);
			goto out;
		}
		fz_region_added(vm, gen, &r, false);
	}
	/* Every other page of the first one shared: ranges up to the cap. */
	for (i = 0; i < 128 && fz.attr_cap <= 1024; i += 2) {
		a = (struct ccmem_attributes){ .gpa = base + i * 4096,
					       .size = 4096 };
		if (fz_simple(t, vm, fd, I_ATTR, &a, sizeof(a)) == -ENOSPC)
			break;
	}
	/* The middle region lies inside one private range: a split. */
	r = (struct ccmem_region){ .gpa = base + rsize, .size = rsize };
	if (!fz_simple(t, vm, fd, I_DEL, &r, sizeof(r)))
		fz_region_deleted(vm, gen, r.gpa, r.size);
	/* Pins of one shared page until there is no room for another. */
	pin = (struct ccmem_pin){ .gpa = base, .size = 4096 };
	for (i = 0; i < CCMEM_MAX_PINS + 2; i++)
		if (fz_simple(t, vm, fd, I_PIN, &pin, sizeof(pin)))
			break;
	while (i--)
		fz_simple(t, vm, fd, I_UNPIN, &pin, sizeof(pin));
	/* Regions until the table is full, then away with them. */
	for (i = 0; i < CCMEM_MAX_REGIONS + 2; i++) {
		r = (struct ccmem_region){
			.gpa = base + (1ULL << 30) + i * 2 * 4096, .size = 4096,
			.shared_uaddr = (uintptr_t)vm->arena,
		};
		if (!fz_reserve(vm, gen, 4096, false))
			break;
		ret = fz_simple(t, vm, fd, I_ADD, &r, sizeof(r));
		if (ret) {
			fz_unreserve(vm, gen, 4096);
			break;
		}
		fz_region_added(vm, gen, &r, false);
	}
	while (i--) {
		r = (struct ccmem_region){
			.gpa = base + (1ULL << 30) + i * 2 * 4096, .size = 4096,
		};
		if (!fz_simple(t, vm, fd, I_DEL, &r, sizeof(r)))
			fz_region_deleted(vm, gen, r.gpa, r.size);
	}
out:
	pthread_rwlock_unlock(&vm->lock);
	INC(fz.fills, 1);
}

/*
 * Many VMs of one type at once: the key pool (ASIDs, HKIDs) and its
 * per-user share run out.
 */
static void fz_act_burst(struct fz_thread *t)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static int fds[400];	/* under @lock */
	struct ccmem_vm_create cr;
	bool tdx = fz_pick_tdx(t);
	struct fz_call c;
	int n, i;

	if (pthread_mutex_trylock(&lock))
		return;
	pthread_rwlock_rdlock(&fz.dev_lock[0]);
	for (n = 0; n < (int)ARRAY_SIZE(fds); n++) {
		cr = (struct ccmem_vm_create){
			.type = tdx ? CCMEM_VM_TDX : CCMEM_VM_SNP,
			.backend = CCMEM_BACKEND_EMU,
		};
		if (tdx)
			fz_tdx_args(t, &cr);
		fz_call_init(&c, I_CREATE_VM, FD_DEV, fz.dev[0], NULL);
		fz_call_struct(t, &c, &cr, sizeof(cr), P_GOOD);
		if (c.ret < 0)
			break;
		fds[n] = c.ret;
	}
	for (i = 0; i < n; i++)
		fz_close(t, fds[i], "close(burst VM)");
	pthread_rwlock_unlock(&fz.dev_lock[0]);
	pthread_mutex_unlock(&lock);
	INC(fz.bursts, 1);
}

static bool fz_stopping(void)
{
	return LD(fz.stop) ||
	       (fz.max_calls && LD(fz.calls) >= fz.max_calls);
}

/*
 * What a worker does, by weight out of 100000; a pattern turned off by its
 * switch (CCMEM_FUZZ_SKIP) leaves its share to VM ioctls.
 */
static const struct fz_action {
	const char *name;
	void (*fn)(struct fz_thread *t);
	unsigned int weight;
	const char *skip;
} fz_actions[] = {
	{ "vm", fz_act_vm, 72000, NULL },
	{ "vcpu", fz_act_vcpu, 12000, NULL },
	{ "dev", fz_act_dev, 3000, NULL },
	{ "notty", fz_act_notty, 8000, NULL },
	{ "vcpu-life", fz_act_vcpu_life, 3000, NULL },
	{ "vm-life", fz_act_vm_life, 200, NULL },
	{ "fork", fz_act_fork, 30, "fork" },
	{ "unload", fz_act_unload, 40, "unload" },
	{ "burst", fz_act_burst, 1, "burst" },
	{ "fill", fz_act_fill, 10, "fill" },
	{ "notrace", fz_act_notrace, 500, "notrace" },
};

static void *fz_worker(void *p)
{
	struct fz_thread *t = p;
	unsigned int r, a;
	__u64 t0;

	fz_self = t;
	while (!fz_stopping()) {
		pthread_rwlock_rdlock(&fz.world);
		t0 = now_ns();
		r = below(t, 100000);
		for (a = 0; a < ARRAY_SIZE(fz_actions) - 1; a++) {
			if (r < fz_actions[a].weight)
				break;
			r -= fz_actions[a].weight;
		}
		if (fz_actions[a].skip && fz_skip(fz_actions[a].skip))
			a = 0;
		fz_actions[a].fn(t);
		INC(fz.act_n[a], 1);
		INC(fz.act_ns[a], now_ns() - t0);
		pthread_rwlock_unlock(&fz.world);
	}
	return NULL;
}

/* --- watchdog and conductor ------------------------------------------------ */

static void fz_kick_handler(int sig)
{
	if (fz_self)
		INC(fz_self->kicks, 1);
}

static void fz_dump_file(const char *path, const char *title)
{
	char buf[4096];
	size_t n;
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	fz_print("# --- %s (%s):\n%s", title, path, buf);
}

/* Hung: say where everybody is, in the kernel too, and give up. */
static void fz_hang(struct fz_thread *t, __u64 secs)
{
	char path[512], comm[64];
	struct dirent *de;
	DIR *d;
	FILE *f;
	int i;

	fz_finding("hang", "thread %d in %s for %llu s", t->idx,
		   LD(t->op) ?: "?", secs);
	for (i = 0; i < (int)fz.nthreads; i++)
		fz_print("# thread %d: %s for %.1f s\n", i,
			 LD(fz.t[i].op) ?: "(between calls)",
			 (now_ns() - LD(fz.t[i].op_since)) / 1e9);
	d = opendir("/proc/self/task");
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/stack", de->d_name);
		fz_dump_file(path, "fuzzer task");
	}
	if (d)
		closedir(d);
	d = opendir("/proc");
	while (d && (de = readdir(d))) {
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strncmp(comm, "ccmem", 5)) {
			snprintf(path, sizeof(path), "/proc/%s/stack", de->d_name);
			fz_dump_file(path, comm);
		}
		fclose(f);
	}
	if (d)
		closedir(d);
	f = fopen("/proc/sysrq-trigger", "w");
	if (f) {
		fputs("w", f);
		fclose(f);
	}
	fz_print("# giving up: %llu findings\n", LD(fz.findings));
	_exit(KSFT_FAIL);
}

/* Interrupt long runs (as a VMM kicks its vCPU threads); spot hangs. */
static void *fz_watchdog(void *p)
{
	struct fz_thread *t;
	__u64 now, since, limit;
	unsigned int i;

	while (LD(fz.stop) != 2) {
		now = now_ns();
		/* Once stopping, no run may hold the workers up. */
		limit = LD(fz.stop) ? 0 : FZ_KICK_MS * 1000000ULL;
		for (i = 0; i < fz.nthreads; i++) {
			t = &fz.t[i];
			if (LD(t->in_run) &&
			    now - LD(t->run_since) > limit &&
			    now - LD(t->last_kick) > 50000000ULL) {
				ST(t->last_kick, now);
				pthread_kill(t->th, SIGUSR1);
			}
			if (!LD(t->op))
				continue;
			since = LD(t->op_since);
			if (since < now &&
			    now - since > FZ_HANG_SECS * 1000000000ULL &&
			    LD(t->op))
				fz_hang(t, (now - since) / 1000000000ULL);
		}
		nap_ms(20);
	}
	return NULL;
}

static void fz_progress(void)
{
	__u64 el = now_ns() - fz.t0, calls = LD(fz.calls);

	fz_print("# %5.0f s: %llu calls (%.0f/s), %llu findings\n", el / 1e9, calls,
		 calls / (el / 1e9), LD(fz.findings));
	fz_print("#   VMs %llu, vCPUs %llu, runs %llu, forks %llu, unloads %llu / %llu\n",
		 LD(fz.vms_opened), LD(fz.vcpus_opened), LD(fz.runs),
		 LD(fz.forks), LD(fz.unload_ok), LD(fz.unload_refused));
	fz_print("#   pool %lld pages, leaked %lld\n", LD(fz.pool_pages),
		 LD(fz.leaked_pages));
}

/* The conductor: stops the world now and then, watches memory, reports. */
static void fz_conduct(void)
{
	struct fz_thread *t = &fz.t[FZ_MAX_THREADS - 1];
	__u64 next_report = fz.t0 + 10000000000ULL, next_stop, now;
	long long pool;
	bool close_all;

	t->idx = FZ_MAX_THREADS - 1;
	t->rng = fz.seed ^ 0xc0ffee;
	fz_self = t;
	next_stop = fz.t0 + (3 + below(t, 6)) * 1000000000ULL;
	while (!fz_stopping() && now_ns() < fz.deadline) {
		nap_ms(200);
		now = now_ns();
		pool = ccmem_global_stat("pool_pages");
		ST(fz.pool_pages, pool);
		ST(fz.leaked_pages, ccmem_global_stat("leaked_pages"));
		close_all = pool > (long long)(FZ_VMS * FZ_REGION_BUDGET / 4096) +
				   8192;
		if (close_all)
			fz_print("# note: %lld pool pages, over budget: closing every VM\n",
				 pool);
		if (now >= next_stop || close_all) {
			fz_world_stop(t, close_all || one_in(t, 3));
			next_stop = now_ns() + (3 + below(t, 6)) * 1000000000ULL;
		}
		if (now >= next_report) {
			fz_progress();
			next_report += 10000000000ULL;
		}
	}
	ST(fz.stop, 1);
}

/* --- setup ----------------------------------------------------------------- */

static void *fz_map(size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS |
		       MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* A RW page, then a guard page. */
static __u8 *fz_guarded(size_t len)
{
	__u8 *p = fz_map(len + 4096, PROT_READ | PROT_WRITE);

	if (p)
		mprotect(p + len, 4096, PROT_NONE);
	return p;
}

static int fz_thread_init(struct fz_thread *t, int idx)
{
	int memfd;

	memset(t, 0, sizeof(*t));
	t->idx = idx;
	t->rng = fz.seed * 0x100000001b3ULL + idx + 1;
	t->page = fz_guarded(4096);
	t->scratch = fz_guarded(FZ_SCRATCH);
	t->child_arena = fz_map(8ULL << 20, PROT_READ | PROT_WRITE);
	t->clog = mmap(NULL, sizeof(*t->clog), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	memfd = memfd_create("ccmem_fuzz_ro", MFD_CLOEXEC);
	if (!t->page || !t->scratch || !t->child_arena ||
	    t->clog == MAP_FAILED || memfd < 0 || ftruncate(memfd, 4096))
		return -ENOMEM;
	t->ro_rw = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	t->ro = mmap(NULL, 4096, PROT_READ, MAP_SHARED, memfd, 0);
	close(memfd);
	return t->ro_rw == MAP_FAILED || t->ro == MAP_FAILED ? -ENOMEM : 0;
}

static void fz_rwlock_init(pthread_rwlock_t *l)
{
	pthread_rwlockattr_t a;

	pthread_rwlockattr_init(&a);
	pthread_rwlockattr_setkind_np(&a,
				      PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(l, &a);
	pthread_rwlockattr_destroy(&a);
}

/*
 * The limits found, kept in a file until they are restored, so that a
 * fuzzer that died does not leave them lowered for the next programs:
 * the next test restores them (fz_limits_recover()).
 */
#define FZ_LIMITS_FILE	"/tmp/ccmem_fuzz.limits"

static void fz_limits_save(void)
{
	FILE *f = fopen(FZ_LIMITS_FILE, "w");

	if (!f)
		return;
	fprintf(f, "%lld %lld %lld %lld\n", fz.attr_cap0, fz.vcpu_cap0,
		fz.asid_cap0, fz.hkid_cap0);
	fclose(f);
}

/* Restore the limits a fuzzer run left lowered; false if none were. */
static bool fz_limits_recover(void)
{
	long long a, v, k, h = -1;
	FILE *f = fopen(FZ_LIMITS_FILE, "r");
	int n;

	if (!f)
		return false;
	n = fscanf(f, "%lld %lld %lld %lld", &a, &v, &k, &h);
	fclose(f);
	unlink(FZ_LIMITS_FILE);
	if (n < 3)
		return false;
	if (a > 0)
		ccmem_param_set(P_RANGES, a);
	if (v > 0)
		ccmem_param_set(P_VCPUS, v);
	if (k > 0)
		ccmem_param_set(P_ASIDS, k);
	if (h > 0)
		ccmem_param_set(P_HKIDS, h);
	return true;
}

/* Lower the limits for the run (seeded), so that their errnos come up. */
static void fz_limits(void)
{
	__u64 r = fz.seed * 0x9e3779b97f4a7c15ULL;

	fz.attr_cap0 = ccmem_param_get(P_RANGES);
	fz.vcpu_cap0 = ccmem_param_get(P_VCPUS);
	fz.asid_cap0 = ccmem_param_get(P_ASIDS);
	fz.hkid_cap0 = ccmem_param_get(P_HKIDS);
	fz.attr_cap = fz.attr_cap0;
	fz.vcpu_cap = fz.vcpu_cap0;
	fz.asid_cap = fz.asid_cap0;
	fz.hkid_cap = fz.hkid_cap0;
	if (fz_skip("limits"))
		return;
	fz_limits_save();
	if ((r >> 8) % 3 == 1)
		fz.attr_cap = 64;
	else if ((r >> 8) % 3 == 2)
		fz.attr_cap = 1024;
	if ((r >> 16) % 2)
		fz.vcpu_cap = 8;
	if ((r >> 24) % 2)
		fz.asid_cap = 8;
	if ((r >> 32) % 2)
		fz.hkid_cap = 8;
	if (fz.attr_cap0 > 0)
		ccmem_param_set(P_RANGES, fz.attr_cap);
	if (fz.vcpu_cap0 > 0)
		ccmem_param_set(P_VCPUS, fz.vcpu_cap);
	if (fz.asid_cap0 > 0)
		ccmem_param_set(P_ASIDS, fz.asid_cap);
	if (fz.hkid_cap0 > 0)
		ccmem_param_set(P_HKIDS, fz.hkid_cap);
}

static void fz_limits_restore(void)
{
	unlink(FZ_LIMITS_FILE);
	if (fz.attr_cap0 > 0)
		ccmem_param_set(P_RANGES, fz.attr_cap0);
	if (fz.vcpu_cap0 > 0)
		ccmem_param_set(P_VCPUS, fz.vcpu_cap0);
	if (fz.asid_cap0 > 0)
		ccmem_param_set(P_ASIDS, fz.asid_cap0);
	if (fz.hkid_cap0 > 0)
		ccmem_param_set(P_HKIDS, fz.hkid_cap0);
}

static int fz_setup(void)
{
	char buf[64];
	const char *v;
	int i, j;

	v = fz_param("SEED", buf, sizeof(buf));
	fz.seed = v ? strtoull(v, NULL, 0) : (now_ns() ^ getpid()) % 1000000007;
	v = fz_param("SECONDS", buf, sizeof(buf));
	fz.seconds = v ? strtoul(v, NULL, 0) : CCMEM_FUZZ_DEFAULT_SECONDS;
	v = fz_param("CALLS", buf, sizeof(buf));
	fz.max_calls = v ? strtoull(v, NULL, 0) : 0;
	v = fz_param("THREADS", buf, sizeof(buf));
	fz.nthreads = v ? strtoul(v, NULL, 0) : 4;
	if (!fz.nthreads || fz.nthreads > FZ_MAX_THREADS - 1)
		fz.nthreads = 4;
	v = fz_param("SKIP", buf, sizeof(buf));
	snprintf(fz.skip, sizeof(fz.skip), "%s", v ? v : "");
	v = fz_param("VERBOSE", buf, sizeof(buf));
	fz.verbose = v && *v == '1';

	fz_rwlock_init(&fz.world);
	pthread_mutex_init(&fz.print_lock, NULL);
	pthread_mutex_init(&fz.module_lock, NULL);
	ST(fz.snp_loaded, true);
	ST(fz.guest_loaded, true);
	/* TDX VMs and ccmem_tdx's unloads when it is there. */
	fz.tdx_module = !access("/sys/module/ccmem_tdx", F_OK);
	ST(fz.tdx_loaded, fz.tdx_module);
	for (i = 0; i < FZ_DEVS; i++) {
		fz_rwlock_init(&fz.dev_lock[i]);
		fz.dev[i] = ccmem_open_dev();
		if (fz.dev[i] < 0)
			return fz.dev[i];
	}
	fz.hole = fz_map(FZ_ARENA, PROT_NONE);
	fz.rodata = fz_map(FZ_ARENA, PROT_READ);
	/* A mapping above 47 bits exists only with 5-level paging. */
	fz.user_top = USER_TOP_4L;
	fz.top = mmap((void *)(USER_TOP_4L + 4096), 4096, PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (fz.top == (void *)(USER_TOP_4L + 4096)) {
		fz.user_top = USER_TOP_5L;
		munmap(fz.top, 4096);
	}
	fz.top = mmap((void *)(USER_TOP - FZ_ARENA), FZ_ARENA, PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
		      MAP_FIXED_NOREPLACE, -1, 0);
	if (fz.top == MAP_FAILED || fz.top != (void *)(USER_TOP - FZ_ARENA))
		fz.top = NULL;
	if (!fz.hole || !fz.rodata)
		return -ENOMEM;
	for (i = 0; i < FZ_VMS; i++) {
		struct fz_vm *vm = &fz.vm[i];

		fz_rwlock_init(&vm->lock);
		pthread_mutex_init(&vm->mu, NULL);
		pthread_cond_init(&vm->idle, NULL);
		vm->fd = -1;
		vm->arena = fz_map(FZ_ARENA, PROT_READ | PROT_WRITE);
		if (!vm->arena)
			return -ENOMEM;
		for (j = 0; j < FZ_VCPUS; j++) {
			fz_rwlock_init(&vm->vcpu[j].lock);
			vm->vcpu[j].fd = -1;
		}
	}
	for (i = 0; i < (int)fz.nthreads; i++)
		if (fz_thread_init(&fz.t[i], i))
			return -ENOMEM;
	fz_limits();
	return 0;
}

static void fz_teardown(void)
{
	struct fz_thread *t = &fz.t[FZ_MAX_THREADS - 1];
	int i;

	for (i = 0; i < FZ_VMS; i++) {
		pthread_rwlock_wrlock(&fz.vm[i].lock);
		fz_vm_close(t, &fz.vm[i]);
		pthread_rwlock_unlock(&fz.vm[i].lock);
	}
	for (i = 0; i < FZ_DEVS; i++)
		if (fz.dev[i] >= 0)
			close(fz.dev[i]);
	fz_limits_restore();
}

static void fz_report(void)
{
	__u64 el = now_ns() - fz.t0, calls = LD(fz.calls), n;
	char line[1024];
	size_t len;
	int i, e;

	fz_print("# === ccmem_fuzz: seed %llu, %u threads, %.1f s: %llu ioctl calls, %.0f/s\n",
		 fz.seed, fz.nthreads, el / 1e9, calls, calls / (el / 1e9));
	fz_print("# VMs opened %llu, vCPUs %llu, runs %llu (%llu exits)\n",
		 LD(fz.vms_opened), LD(fz.vcpus_opened), LD(fz.runs),
		 LD(fz.exits));
	fz_print("# forks %llu (%llu SIGKILLed), bursts %llu, fills %llu\n",
		 LD(fz.forks), LD(fz.kills), LD(fz.bursts), LD(fz.fills));
	fz_print("# no-trace checks %llu, failure arms %llu, unloads %llu / refused %llu\n",
		 LD(fz.notrace_checks), LD(fz.arms), LD(fz.unload_ok),
		 LD(fz.unload_refused));
	fz_print("# TDX VMs %llu, exits enabled %llu, finalized %llu\n",
		 LD(fz.vms_tdx), LD(fz.enables), LD(fz.finalizes));
	fz_print("# conversion exits %llu, TDVMCALL steps %llu\n",
		 LD(fz.converts), LD(fz.tdvmcalls));
	for (i = 0; i < I_NSTAT; i++) {
		len = snprintf(line, sizeof(line), "# %-28s",
			       i < I_NR ? fz_iocs[i].name : "(not an ioctl of the fd)");
		for (e = 0; e < 134 && len < sizeof(line) - 32; e++) {
			n = LD(fz.hist[i][e]);
			if (n)
				len += snprintf(line + len, sizeof(line) - len,
						" %s %llu", e ? ename(e) : "ok", n);
		}
		fz_print("%s; slowest %.1f ms, total %.1f s\n", line,
			 LD(fz.slowest_ns[i]) / 1e6,
			 LD(fz.total_ns[i]) / 1e9);
	}
	for (i = 0; i < (int)ARRAY_SIZE(fz_actions); i++)
		fz_print("# action %-10s %8llu in %.1f s\n", fz_actions[i].name,
			 LD(fz.act_n[i]), LD(fz.act_ns[i]) / 1e9);
	n = LD(fz.kinds_nr);
	fz_print("# findings: %llu (%llu kinds)\n",
		 LD(fz.findings), n);
	for (i = 0; i < (int)n; i++)
		fz_print("#   %6llu  %s\n", LD(fz.kinds[i].n),
			 fz.kinds[i].key);
}

/* --- the tests --------------------------------------------------------------- */

FIXTURE(fuzz) {
	int unused;
};

FIXTURE_SETUP(fuzz) {}
FIXTURE_TEARDOWN(fuzz) {}

/*
 * The harness runs the tests of a fixture in the reverse order of their
 * definitions: these two run after the fuzzer.
 */

/* ... and the modules unload and load again (ccmem_tdx if it is there). */
TEST_F(fuzz, modules_unload_and_reload_after_fuzzing)
{
	bool tdx = !access("/sys/module/ccmem_tdx", F_OK);
	int dev;

	if (access(CCMEM_DEV, F_OK))
		SKIP(return, "no %s: ccmem is not loaded", CCMEM_DEV);
	ASSERT_ERRNO(0, ccmem_module_unload("ccmem_guest"));
	ASSERT_ERRNO(0, ccmem_module_unload("ccmem_snp"));
	if (tdx)
		ASSERT_ERRNO(0, ccmem_module_unload("ccmem_tdx"));
	ASSERT_ERRNO(0, ccmem_module_load("ccmem_snp"));
	if (tdx)
		ASSERT_ERRNO(0, ccmem_module_load("ccmem_tdx"));
	ASSERT_ERRNO(0, ccmem_module_load("ccmem_guest"));
	dev = ccmem_open_dev();
	ASSERT_LE(0, dev);
	EXPECT_TRUE(ccmem_check_extension(dev, CCMEM_CAP_VM_TYPES) &
		    (1 << CCMEM_VM_SNP));
	if (tdx)
		EXPECT_TRUE(ccmem_check_extension(dev, CCMEM_CAP_VM_TYPES) &
			    (1 << CCMEM_VM_TDX));
	EXPECT_EQ(1, ccmem_check_extension(dev, CCMEM_CAP_EMU_GUEST));
	close(dev);
}

/* Once the fuzzer's process is gone, no VM and no private page is left. */
TEST_F(fuzz, nothing_left_after_fuzzing)
{
	if (access(CCMEM_DEV, F_OK))
		SKIP(return, "no %s: ccmem is not loaded", CCMEM_DEV);
	EXPECT_FALSE(fz_limits_recover())
		TH_LOG("the fuzzer left the module limits lowered (restored now)");
	EXPECT_EQ(0, ccmem_global_stat("vms_live"));
	EXPECT_EQ(0, ccmem_global_stat("pool_pages"));
	EXPECT_GE(4096, ccmem_global_stat("free_list_pages"));
	TH_LOG("leaked_pages %lld (failures injected by the fuzzer leak on purpose)",
	       ccmem_global_stat("leaked_pages"));
}

/*
 * The fuzzer itself: every return of every call is a documented one, and
 * the modules' references follow the VMs exactly.
 */
TEST_F_TIMEOUT(fuzz, random_ioctls_return_documented_errnos, 86400)
{
	struct sigaction sa = { .sa_handler = fz_kick_handler,
				.sa_flags = SA_RESTART };
	pthread_t wd;
	unsigned int i;
	int ret;

	if (access(CCMEM_DEV, F_OK))
		SKIP(return, "no %s: ccmem is not loaded", CCMEM_DEV);
	ret = fz_setup();
	ASSERT_EQ(0, ret) TH_LOG("setup: %s", ename(-ret));
	fz_print("# seed %llu (CCMEM_FUZZ_SEED=%llu replays it), %u s%s%s, %u threads, skip '%s'\n",
		 fz.seed, fz.seed, fz.seconds, fz.max_calls ? " or calls: " : "",
		 fz.max_calls ? "bounded" : "", fz.nthreads, fz.skip);
	fz_print("# limits: max_attr_ranges %lld max_vcpus_per_user %lld max_asids_per_user %lld\n",
		 fz.attr_cap, fz.vcpu_cap, fz.asid_cap);
	fz_print("# limits: max_hkids_per_user %lld%s\n", fz.hkid_cap,
		 fz.tdx_module ? "" : " (no ccmem_tdx: SNP VMs only)");
	fz_print("# user space ends at 0x%llx\n", fz.user_top);
	sigaction(SIGUSR1, &sa, NULL);

	fz.t0 = now_ns();
	fz.deadline = fz.t0 + fz.seconds * 1000000000ULL;
	ASSERT_EQ(0, pthread_create(&wd, NULL, fz_watchdog, NULL));
	for (i = 0; i < fz.nthreads; i++)
		ASSERT_EQ(0, pthread_create(&fz.t[i].th, NULL, fz_worker, &fz.t[i]));
	fz_conduct();
	for (i = 0; i < fz.nthreads; i++)
		pthread_join(fz.t[i].th, NULL);

	/* Everything closed: nothing may be left, and the modules must go. */
	fz_world_stop(&fz.t[FZ_MAX_THREADS - 1], true);
	ST(fz.stop, 2);
	pthread_join(wd, NULL);
	fz_teardown();
	fz_report();
	EXPECT_EQ(0, LD(fz.findings))
		TH_LOG("%llu findings (seed %llu): see FINDING above",
		       LD(fz.findings), fz.seed);
}

TEST_HARNESS_MAIN
