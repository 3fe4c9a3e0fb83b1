// SPDX-License-Identifier: GPL-2.0
/*
 * demo.c - ccmem-demo: the life of one SEV-SNP confidential VM on the emu
 * backend, narrated step by step for a person to read (what "make run"
 * shows).
 *
 *   a. open /dev/ccmem, create an SNP VM
 *   b. give it 256 MiB of private memory
 *   c. assign pages (2 MiB and 4 KiB RMP entries), validate them as the
 *      guest would
 *   d. a guest secret cannot be read by host userspace (SIGBUS) nor
 *      written by the host kernel (RMP #PF)
 *   e. convert to shared and back: the secret is scrubbed
 *   f. pinned shared memory cannot be converted
 *   g. fault records and the guest's #VC
 *   h. destroy the VM: every page is reclaimed and scrubbed
 *   i. the guest half: a 4 GiB guest booted under the eager, lazy and
 *      hybrid policies on an emulated vCPU (demo_guest.c)
 *
 * Each step checks what it shows; any surprise ends the demo with
 * "demo: FAILED: ..." and exit status 1. The last line is "demo: OK".
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ccmem_map.h"
#include "demo.h"

#define SZ_4K		CCMEM_SZ_4K
#define SZ_2M		CCMEM_SZ_2M
#define SZ_1M		CCMEM_SZ_1M
#define MiB(x)		((__u64)(x) * SZ_1M)

#define REGION_SIZE	MiB(256)
#define SECRET_GPA	MiB(16)		/* the 8 MiB that goes shared and back */
#define CONV_SIZE	MiB(8)
#define GHCB_GPA	MiB(4)		/* one shared 4 KiB page in a 2M block */
#define PIN_GPA		MiB(128)	/* shared for DMA */
#define PVALIDATE_FAIL_SIZEMISMATCH	6
#define VC_NOT_VALIDATED		0x404

static struct {
	int dev;
	int vm;
	__u32 asid;
	__u8 *shared;			/* the region's shared backing */
	char debugfs[288];		/* the VM's debugfs directory */
} d = { .dev = -1, .vm = -1 };

static const char *const global_keys[] = {
	"vms_created", "vms_live", "pool_pages", "free_list_pages",
	"scrubbed_pages", "reclaimed_pages", "leaked_pages",
};

#define NR_GLOBAL	ARRAY_SIZE(global_keys)

#define fail	demo_fail
#define say	demo_say

void demo_step(const char *title)
{
	printf("\n[%s]\n", title);
}

#define step	demo_step

const char *demo_errname(int err)
{
	switch (-err) {
	case 0: return "ok";
	case EBUSY: return "EBUSY";
	case EINVAL: return "EINVAL";
	case ENOENT: return "ENOENT";
	case EPERM: return "EPERM";
	case EIO: return "EIO";
	case EAGAIN: return "EAGAIN";
	case EFAULT: return "EFAULT";
	case ENOMEM: return "ENOMEM";
	case ENOSPC: return "ENOSPC";
	case EEXIST: return "EEXIST";
	case E2BIG: return "E2BIG";
	case ENODEV: return "ENODEV";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	default: return strerror(-err);
	}
}

/* Fail unless @ret (0 or -errno) is @want. */
static void expect_ret(int ret, int want, const char *what)
{
	if (ret != want)
		fail("%s: got %s (%d), expected %s", what, demo_errname(ret), ret,
		     demo_errname(want));
}

static void expect_eq(unsigned long long got, unsigned long long want,
		      const char *what)
{
	if (got != want)
		fail("%s is %llu, expected %llu", what, got, want);
}

static const char *mib(__u64 gpa, char *buf, size_t len)
{
	if (gpa % SZ_1M)
		snprintf(buf, len, "%llu KiB", (unsigned long long)(gpa >> 10));
	else
		snprintf(buf, len, "%llu MiB", (unsigned long long)(gpa >> 20));
	return buf;
}

static struct ccmem_vm_stats vm_stats(void)
{
	struct ccmem_vm_stats s;

	expect_ret(ccmem_vm_stats(d.vm, &s), 0, "GET_STATS");
	return s;
}

static void show_map(void)
{
	expect_ret(ccmem_map_print(stdout, "  ", d.vm, 0, REGION_SIZE), 0,
		   "GET_MAP");
}

static void show_stats(void)
{
	struct ccmem_vm_stats s = vm_stats();

	ccmem_stats_print(stdout, "  stats: ", &s);
}

/* The guest operation must have completed (no exit, no #VC). */
static void expect_done(const struct ccmem_emu_op *op, int ret,
			const char *what)
{
	expect_ret(ret, 0, what);
	if (op->result == CCMEM_EMU_R_FAULT)
		fail("%s: exited to the VMM (fault #%llu)", what,
		     (unsigned long long)op->fault_seq);
	if (op->result == CCMEM_EMU_R_VC)
		fail("%s: #VC 0x%llx raised in the guest", what,
		     (unsigned long long)op->ret);
}

static void guest_pvalidate(__u64 gpa, bool is_2m, bool validate)
{
	struct ccmem_emu_op op;
	char what[64];

	snprintf(what, sizeof(what), "PVALIDATE %s %s at 0x%llx",
		 is_2m ? "2M" : "4K", validate ? "validate" : "rescind",
		 (unsigned long long)gpa);
	expect_done(&op, ccmem_emu_pvalidate(d.vm, gpa, is_2m, validate, &op),
		    what);
	if (op.ret)
		fail("%s returned %llu, expected 0", what,
		     (unsigned long long)op.ret);
}

/*
 * Validate (or rescind) [gpa, gpa + size) as a guest kernel does: 2 MiB at
 * a time, falling back to 4 KiB pages when the platform holds a block as
 * 4 KiB entries (FAIL_SIZEMISMATCH). Returns the number of 4 KiB fallbacks.
 */
static unsigned int guest_validate_range(__u64 gpa, __u64 size, bool validate)
{
	struct ccmem_emu_op op;
	unsigned int small = 0;
	__u64 off, i;
	int ret;

	for (off = 0; off < size; off += SZ_2M) {
		ret = ccmem_emu_pvalidate(d.vm, gpa + off, true, validate, &op);
		if (!ret && op.result == CCMEM_EMU_R_DONE &&
		    op.ret == PVALIDATE_FAIL_SIZEMISMATCH) {
			for (i = 0; i < SZ_2M; i += SZ_4K)
				guest_pvalidate(gpa + off + i, false, validate);
			small++;
			continue;
		}
		expect_done(&op, ret, "PVALIDATE 2M");
		if (op.ret)
			fail("PVALIDATE 2M at 0x%llx returned %llu",
			     (unsigned long long)(gpa + off),
			     (unsigned long long)op.ret);
	}
	return small;
}

static void guest_rw(__u32 kind, __u64 gpa, void *buf, __u32 len, bool shared)
{
	struct ccmem_emu_op op;
	char what[64];

	snprintf(what, sizeof(what), "guest %s %s at 0x%llx",
		 shared ? "shared" : "private",
		 kind == CCMEM_EMU_READ ? "read" : "write",
		 (unsigned long long)gpa);
	expect_done(&op, ccmem_emu_rw(d.vm, kind, gpa, buf, len, shared, &op),
		    what);
}

/*
 * @op must have exited to the VMM with one record of @reason: read it back
 * with CCMEM_VM_READ_FAULTS and print it.
 */
static void expect_fault(const struct ccmem_emu_op *op, int ret,
			 __u32 reason, const char *what)
{
	struct ccmem_fault rec[4];
	__u32 pending;
	int n;

	expect_ret(ret, 0, what);
	if (op->result != CCMEM_EMU_R_FAULT)
		fail("%s: result %u (ret 0x%llx), expected an exit to the VMM",
		     what, op->result, (unsigned long long)op->ret);
	n = ccmem_vm_read_faults(d.vm, rec, 4, &pending);
	if (n < 0)
		expect_ret(n, 0, "READ_FAULTS");
	if (n != 1 || pending)
		fail("READ_FAULTS returned %d record(s), %u pending; expected 1",
		     n, pending);
	if (rec[0].seq != op->fault_seq)
		fail("fault record seq %llu, but the exit said %llu",
		     (unsigned long long)rec[0].seq,
		     (unsigned long long)op->fault_seq);
	if (rec[0].reason != reason)
		fail("%s: fault reason %s, expected %s", what,
		     ccmem_fault_reason_name(rec[0].reason),
		     ccmem_fault_reason_name(reason));
	say("%s: exit to the VMM, READ_FAULTS:", what);
	ccmem_fault_print(stdout, "    ", &rec[0]);
}

/* The VM's debugfs directory: the vm-* whose stats show our ASID. */
static void find_debugfs(void)
{
	char path[300], want[32];
	struct dirent *e;
	DIR *dir = opendir(CCMEM_DEBUGFS);
	long long asid;

	d.debugfs[0] = '\0';
	if (!dir)
		return;
	snprintf(want, sizeof(want), "%u", d.asid);
	while ((e = readdir(dir))) {
		if (strncmp(e->d_name, "vm-", 3))
			continue;
		snprintf(path, sizeof(path), "%s/%s/stats", CCMEM_DEBUGFS,
			 e->d_name);
		if (!ccmem_read_counter(path, "asid", &asid) &&
		    asid == d.asid) {
			snprintf(d.debugfs, sizeof(d.debugfs), "%s/%s",
				 CCMEM_DEBUGFS, e->d_name);
			break;
		}
	}
	closedir(dir);
}

static void read_global(long long *val)
{
	unsigned int i;
	int ret;

	for (i = 0; i < NR_GLOBAL; i++) {
		ret = ccmem_read_counter(CCMEM_DEBUGFS "/stats", global_keys[i],
					 &val[i]);
		if (ret)
			fail("reading %s from %s/stats: %s", global_keys[i],
			     CCMEM_DEBUGFS, demo_errname(ret));
	}
}

static long long global_delta(const long long *before, const long long *after,
			      const char *key)
{
	unsigned int i;

	for (i = 0; i < NR_GLOBAL; i++)
		if (!strcmp(global_keys[i], key))
			return after[i] - before[i];
	return 0;
}

/* a. Open the device and create the VM. */
static void step_create(void)
{
	struct ccmem_vm_create c;
	int ver;

	step("a. open /dev/ccmem and create an SNP VM on the emu backend");
	d.dev = ccmem_open_dev();
	if (d.dev < 0)
		fail("open %s: %s (are the modules loaded?)", CCMEM_DEV,
		     demo_errname(d.dev));
	ver = ccmem_ioctl(d.dev, CCMEM_GET_API_VERSION, NULL);
	if (ver < 0)
		expect_ret(ver, 0, "GET_API_VERSION");
	say("%s: API version %d (this demo was built for %d)", CCMEM_DEV, ver,
	    CCMEM_API_VERSION);
	if (ver != CCMEM_API_VERSION)
		fail("API version mismatch");

	d.vm = ccmem_vm_create(d.dev, CCMEM_VM_SNP, CCMEM_BACKEND_EMU, &c);
	if (d.vm < 0)
		expect_ret(d.vm, 0, "CREATE_VM");
	if (c.backend_used != CCMEM_BACKEND_EMU)
		fail("CREATE_VM chose backend %u, asked for emu",
		     c.backend_used);
	d.asid = c.asid;
	find_debugfs();
	say("CREATE_VM(SNP, emu): VM fd %d, ASID %u, backend %s, debugfs %s",
	    d.vm, c.asid, c.backend_used == CCMEM_BACKEND_EMU ? "emu" : "hw",
	    d.debugfs[0] ? d.debugfs : "(not found)");
}

/* b. One private region backed by an anonymous mapping. */
static void step_memory(void)
{
	struct ccmem_vm_stats s;

	step("b. give it memory: 256 MiB at GPA 0, starting private");
	d.shared = mmap(NULL, REGION_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (d.shared == MAP_FAILED)
		fail("mmap of the shared backing: %s", strerror(errno));
	expect_ret(ccmem_vm_add_region(d.vm, 0, REGION_SIZE, d.shared,
				       CCMEM_REGION_F_PRIVATE),
		   0, "ADD_REGION");
	say("ADD_REGION gpa 0x0 size 256 MiB, shared backing: anonymous mmap at %p",
	    d.shared);
	s = vm_stats();
	expect_eq(s.private_bytes, REGION_SIZE, "private_bytes");
	say("private memory is allocated on demand: %llu pages populated so far",
	    (unsigned long long)s.populated_pages);
	show_map();
	ccmem_map_legend(stdout, "  ");
}

/* c. Assign pages through the platform; the guest validates them. */
static void step_assign(void)
{
	static const __u64 pages_4k[] = { MiB(100), MiB(100) + SZ_4K };
	struct ccmem_vm_stats s;
	__u64 populated, i;

	step("c. assign pages (RMPUPDATE), then validate them as the guest would");
	expect_ret(ccmem_vm_populate(d.vm, 0, MiB(64), &populated), 0,
		   "POPULATE 64 MiB");
	expect_eq(populated, MiB(64), "bytes populated");
	say("POPULATE [0, 64 MiB): %llu MiB assigned, whole 2 MiB blocks",
	    (unsigned long long)(populated >> 20));
	expect_ret(ccmem_vm_populate(d.vm, MiB(100), 4 * SZ_4K, &populated), 0,
		   "POPULATE 16 KiB");
	expect_eq(populated, 4 * SZ_4K, "bytes populated");
	say("POPULATE [100 MiB, +16 KiB): %llu KiB assigned, 4 KiB pages",
	    (unsigned long long)(populated >> 10));
	s = vm_stats();
	expect_eq(s.assigned_2m, 32, "assigned_2m");
	expect_eq(s.assigned_4k, 4, "assigned_4k");
	say("RMP entries made: %llu x 2M + %llu x 4K",
	    (unsigned long long)s.assigned_2m,
	    (unsigned long long)s.assigned_4k);

	for (i = 0; i < MiB(32); i += SZ_2M)
		guest_pvalidate(i, true, true);
	say("guest: PVALIDATE 2M x 16 over [0, 32 MiB): all returned 0");
	for (i = 0; i < ARRAY_SIZE(pages_4k); i++)
		guest_pvalidate(pages_4k[i], false, true);
	say("guest: PVALIDATE 4K at 0x%llx and 0x%llx: returned 0",
	    (unsigned long long)pages_4k[0], (unsigned long long)pages_4k[1]);
	guest_pvalidate(MiB(40), false, true);
	s = vm_stats();
	expect_eq(s.splits, 1, "splits");
	say("guest: PVALIDATE 4K at 0x%llx, in a 2M entry: host split it (PSMASH), returned 0",
	    (unsigned long long)MiB(40));
	show_stats();
	show_map();
}

/* Touch @p from a child process; returns its wait status. */
static int touch_in_child(const __u8 *p)
{
	struct rlimit nocore = { 0, 0 };
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		fail("fork: %s", strerror(errno));
	if (!pid) {
		setrlimit(RLIMIT_CORE, &nocore);
		_exit(*p);	/* never returns: SIGBUS */
	}
	if (waitpid(pid, &status, 0) != pid)
		fail("waitpid: %s", strerror(errno));
	return status;
}

/* d. The host can neither read nor write the guest's private memory. */
static void step_secret(void)
{
	static const char secret[] = "top secret: 42";
	struct ccmem_emu_op op;
	char buf[64] = "";
	__u8 *win;
	int status;

	step("d. private memory stays private");
	guest_rw(CCMEM_EMU_WRITE, SECRET_GPA, (void *)secret, sizeof(secret),
		 false);
	guest_rw(CCMEM_EMU_READ, SECRET_GPA, buf, sizeof(secret), false);
	if (memcmp(buf, secret, sizeof(secret)))
		fail("the guest read back \"%.*s\"", (int)sizeof(secret), buf);
	say("guest: private write \"%s\" at 0x%llx, read back: \"%s\"", secret,
	    (unsigned long long)SECRET_GPA, buf);
	if (memmem(d.shared, REGION_SIZE, secret, sizeof(secret) - 1))
		fail("the secret is visible in the shared backing");
	say("host: the secret is nowhere in the shared backing (the host's view)");

	win = mmap(NULL, SZ_2M, PROT_READ, MAP_SHARED, d.vm, SECRET_GPA);
	if (win == MAP_FAILED)
		fail("mmap of the VM fd: %s", strerror(errno));
	status = touch_in_child(win);
	munmap(win, SZ_2M);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGBUS)
		fail("the child reading private memory was not killed by SIGBUS (status 0x%x)",
		     status);
	expect_eq(vm_stats().sigbus, 1, "sigbus");
	say("host: mmap the VM fd at 0x%llx, a child reads it: killed by SIGBUS",
	    (unsigned long long)SECRET_GPA);

	memset(buf, 'X', sizeof(buf));
	expect_fault(&op, ccmem_emu_rw(d.vm, CCMEM_EMU_HOST_WRITE, SECRET_GPA,
				       buf, sizeof(buf), false, &op),
		     CCMEM_FAULT_HOST_RMP_PF,
		     "host kernel write to the private page (EMU_HOST_WRITE)");
	memset(buf, 0, sizeof(buf));
	guest_rw(CCMEM_EMU_READ, SECRET_GPA, buf, sizeof(secret), false);
	if (memcmp(buf, secret, sizeof(secret)))
		fail("the host write changed the secret");
	say("guest: the secret is intact");
}

static bool all_zero(const void *p, size_t len)
{
	const __u8 *b = p;

	while (len--)
		if (*b++)
			return false;
	return true;
}

/* e. Private -> shared -> private: nothing private survives. */
static void step_convert(void)
{
	static const char hello[] = "hello host";
	static const char reply[] = "hello guest";
	struct ccmem_vm_stats before, s;
	char buf[64], a[16], b[16];
	unsigned int small;

	step("e. convert 8 MiB at 16 MiB to shared and back");
	before = vm_stats();
	guest_validate_range(SECRET_GPA, CONV_SIZE, false);
	say("guest: rescind (PVALIDATE 2M, validate=0) x 4 over [16 MiB, 24 MiB)");
	expect_ret(ccmem_vm_set_attr(d.vm, SECRET_GPA, CONV_SIZE, false), 0,
		   "SET_ATTRIBUTES shared");
	say("SET_ATTRIBUTES shared [%s, +%s): ok",
	    mib(SECRET_GPA, a, sizeof(a)), mib(CONV_SIZE, b, sizeof(b)));
	guest_pvalidate(GHCB_GPA, false, false);
	expect_ret(ccmem_vm_set_attr(d.vm, GHCB_GPA, SZ_4K, false), 0,
		   "SET_ATTRIBUTES shared 4K");
	say("guest: rescind 4K at 0x%llx (a GHCB page), SET_ATTRIBUTES shared 4 KiB: ok",
	    (unsigned long long)GHCB_GPA);
	s = vm_stats();
	expect_eq(s.scrubbed_pages - before.scrubbed_pages,
		  CONV_SIZE / SZ_4K + 1, "pages scrubbed by the conversion");
	expect_eq(s.splits - before.splits, 1, "splits by the conversion");
	expect_eq(s.shared_bytes, CONV_SIZE + SZ_4K, "shared_bytes");
	say("%llu pages went back to the host, each scrubbed; 1 more 2M entry split",
	    (unsigned long long)(s.scrubbed_pages - before.scrubbed_pages));
	show_map();

	memset(buf, 0xff, sizeof(buf));
	guest_rw(CCMEM_EMU_READ, SECRET_GPA, buf, sizeof(buf), true);
	if (!all_zero(buf, sizeof(buf)))
		fail("shared memory at 0x%llx is not zero after conversion",
		     (unsigned long long)SECRET_GPA);
	guest_rw(CCMEM_EMU_WRITE, SECRET_GPA, (void *)hello, sizeof(hello),
		 true);
	if (memcmp(d.shared + SECRET_GPA, hello, sizeof(hello)))
		fail("the host does not see the guest's shared write");
	say("guest: shared read at 0x%llx: zeros; shared write \"%s\": the host reads \"%s\"",
	    (unsigned long long)SECRET_GPA, hello,
	    (char *)d.shared + SECRET_GPA);
	memcpy(d.shared + SECRET_GPA + 64, reply, sizeof(reply));
	guest_rw(CCMEM_EMU_READ, SECRET_GPA + 64, buf, sizeof(reply), true);
	if (memcmp(buf, reply, sizeof(reply)))
		fail("the guest does not see the host's shared write");
	say("host: writes \"%s\" at 0x%llx: the guest's shared read sees \"%s\"",
	    reply, (unsigned long long)SECRET_GPA + 64, buf);

	expect_ret(ccmem_vm_set_attr(d.vm, SECRET_GPA, CONV_SIZE, true), 0,
		   "SET_ATTRIBUTES private");
	small = guest_validate_range(SECRET_GPA, CONV_SIZE, true);
	say("SET_ATTRIBUTES private [16 MiB, +8 MiB): ok; guest: PVALIDATE 2M x 4%s",
	    small ? " (some fell back to 4K)" : "");
	memset(buf, 0xff, sizeof(buf));
	guest_rw(CCMEM_EMU_READ, SECRET_GPA, buf, sizeof(buf), false);
	if (!all_zero(buf, sizeof(buf)))
		fail("private memory at 0x%llx is not zero after the round trip: \"%.*s\"",
		     (unsigned long long)SECRET_GPA, (int)sizeof(buf), buf);
	say("guest: private read at 0x%llx: %zu zero bytes (no secret, no shared data)",
	    (unsigned long long)SECRET_GPA, sizeof(buf));
	show_stats();
}

/* f. Pinned shared memory cannot change state. */
static void step_pin(void)
{
	struct ccmem_vm_stats s;
	int ret;

	step("f. pin shared memory for DMA");
	expect_ret(ccmem_vm_set_attr(d.vm, PIN_GPA, CONV_SIZE, false), 0,
		   "SET_ATTRIBUTES shared");
	expect_ret(ccmem_vm_pin(d.vm, PIN_GPA, MiB(4), true), 0, "PIN");
	s = vm_stats();
	expect_eq(s.pinned_pages, MiB(4) / SZ_4K, "pinned_pages");
	say("SET_ATTRIBUTES shared [128 MiB, +8 MiB), PIN [128 MiB, +4 MiB): ok, %llu pages pinned",
	    (unsigned long long)s.pinned_pages);
	show_map();

	ret = ccmem_vm_set_attr(d.vm, PIN_GPA, CONV_SIZE, true);
	expect_ret(ret, -EBUSY, "SET_ATTRIBUTES private over a pin");
	expect_eq(vm_stats().shared_bytes, s.shared_bytes, "shared_bytes");
	say("SET_ATTRIBUTES private [128 MiB, +8 MiB): %s, and nothing changed (all or nothing)",
	    demo_errname(ret));
	expect_ret(ccmem_vm_pin(d.vm, PIN_GPA, MiB(4), false), 0, "UNPIN");
	expect_ret(ccmem_vm_set_attr(d.vm, PIN_GPA, MiB(4), true), 0,
		   "SET_ATTRIBUTES private after UNPIN");
	s = vm_stats();
	expect_eq(s.pinned_pages, 0, "pinned_pages");
	say("UNPIN, then SET_ATTRIBUTES private [128 MiB, +4 MiB): ok");
	show_map();
}

/* g. What the VMM and the guest see when an access breaks the rules. */
static void step_faults(void)
{
	struct ccmem_emu_op op;
	char buf[8] = "";

	step("g. faults");
	expect_fault(&op, ccmem_emu_rw(d.vm, CCMEM_EMU_READ, 0, buf,
				       sizeof(buf), true, &op),
		     CCMEM_FAULT_RMP_NPF,
		     "guest shared read at 0x0 (private, assigned)");
	expect_fault(&op, ccmem_emu_rw(d.vm, CCMEM_EMU_WRITE, MiB(200), buf,
				       sizeof(buf), true, &op),
		     CCMEM_FAULT_MEMORY_ATTR,
		     "guest shared write at 0xc800000 (private, no page yet)");
	expect_fault(&op, ccmem_emu_rw(d.vm, CCMEM_EMU_READ, REGION_SIZE, buf,
				       sizeof(buf), false, &op),
		     CCMEM_FAULT_NO_REGION,
		     "guest private read at 0x10000000 (no region)");

	expect_ret(ccmem_emu_rw(d.vm, CCMEM_EMU_READ, MiB(48), buf,
				sizeof(buf), false, &op),
		   0, "guest private read of an unvalidated page");
	if (op.result != CCMEM_EMU_R_VC || op.ret != VC_NOT_VALIDATED)
		fail("read of an unvalidated page: result %u ret 0x%llx, expected #VC 0x404",
		     op.result, (unsigned long long)op.ret);
	say("guest private read at 0x%llx (assigned, not validated): #VC 0x%llx in the guest",
	    (unsigned long long)MiB(48), (unsigned long long)op.ret);
	expect_eq(vm_stats().faults_queued, 4, "faults_queued");
}

/* h. Closing the last VM fd destroys the VM and reclaims its memory. */
static void step_destroy(void)
{
	long long before[NR_GLOBAL], after[NR_GLOBAL];
	struct ccmem_vm_stats s;
	unsigned int i;

	step("h. destroy the VM");
	s = vm_stats();
	say("the VM holds %llu private pages", (unsigned long long)s.populated_pages);
	if (d.debugfs[0]) {
		long long populated;
		char path[sizeof(d.debugfs) + 8];

		snprintf(path, sizeof(path), "%s/stats", d.debugfs);
		expect_ret(ccmem_read_counter(path, "populated_pages",
					      &populated),
			   0, "reading the VM's debugfs stats");
		expect_eq(populated, s.populated_pages,
			  "debugfs populated_pages");
		say("debugfs %s/stats: populated_pages %lld, as GET_STATS says",
		    d.debugfs, populated);
	}
	read_global(before);
	close(d.vm);
	d.vm = -1;
	read_global(after);
	say("close(VM fd); %s/stats before -> after:", CCMEM_DEBUGFS);
	for (i = 0; i < NR_GLOBAL; i++)
		say("  %-16s %8lld -> %-8lld (%+lld)", global_keys[i],
		    before[i], after[i], after[i] - before[i]);

	if (global_delta(before, after, "vms_live") != -1)
		fail("vms_live changed by %lld, expected -1",
		     global_delta(before, after, "vms_live"));
	expect_eq(global_delta(before, after, "reclaimed_pages"),
		  s.populated_pages, "pages reclaimed at destroy");
	expect_eq(global_delta(before, after, "scrubbed_pages"),
		  s.populated_pages, "pages scrubbed at destroy");
	expect_eq(global_delta(before, after, "leaked_pages"), 0,
		  "pages leaked at destroy");
	if (d.debugfs[0] && !access(d.debugfs, F_OK))
		fail("%s still exists after the VM was destroyed", d.debugfs);
	say("all %llu pages went back to the host, scrubbed; the VM's debugfs directory is gone",
	    (unsigned long long)s.populated_pages);
	close(d.dev);
	munmap(d.shared, REGION_SIZE);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ccmem-demo: one SEV-SNP confidential VM on the emu backend, step by step\n");
	step_create();
	step_memory();
	step_assign();
	step_secret();
	step_convert();
	step_pin();
	step_faults();
	step_destroy();
	demo_guest_act();
	printf("\ndemo: OK\n");
	return 0;
}
