// SPDX-License-Identifier: GPL-2.0
/*
 * demo.c - ccmem-demo: the life of one SEV-SNP confidential VM on the emu
 * backend, narrated step by step for a person to read (what "make run"
 * shows), then the guest half on SNP and on TDX side by side.
 *
 *   a. open /dev/ccmem, create an SNP VM
 *   b. give it 256 MiB of private memory
 *   c. assign pages (2 MiB and 4 KiB RMP entries), validate them as the
 *      guest would (PVALIDATE through the emu backend)
 *   d. a guest secret cannot be read by host userspace (SIGBUS) nor
 *      written by the host kernel (RMP #PF)
 *   e. convert to shared and back: the secret is scrubbed
 *   f. pinned shared memory cannot be converted
 *   g. fault records and the guest's #VC
 *   h. destroy the VM: every page is reclaimed and scrubbed
 *   i. the guest half: a 4 GiB guest booted under the eager, lazy and
 *      hybrid policies on an emulated vCPU, each on an SNP VM and on a
 *      TDX VM (demo_guest.c)
 *   j. the guest's hardened virtio-blk against a device this VMM plays,
 *      honest then lying, on SNP and on TDX (demo_virtio.c)
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
#define MiB(x)		((uint64_t)(x) * SZ_1M)

#define REGION_SIZE	MiB(256)
#define SECRET_GPA	MiB(16)		/* the 8 MiB that goes shared and back */
#define CONV_SIZE	MiB(8)
#define GHCB_GPA	MiB(4)		/* one shared 4 KiB page in a 2M block */
#define PIN_GPA		MiB(128)	/* shared for DMA */
#define VC_NOT_VALIDATED		0x404	/* the #VC error code */

static struct {
	int dev;
	int vm;
	uint32_t key_id;
	uint8_t *shared;		/* the region's shared backing */
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

/* Fail unless @ret (0 or -errno) is @want. */
static void expect_ret(int ret, int want, const char *what)
{
	if (ret != want)
		fail("%s: got %s (%d), expected %s", what, ccmem_errno_name(ret), ret,
		     ccmem_errno_name(want));
}

static void expect_eq(unsigned long long got, unsigned long long want,
		      const char *what)
{
	if (got != want)
		fail("%s is %llu, expected %llu", what, got, want);
}

static const char *mib(uint64_t gpa, char *buf, size_t len)
{
	if (gpa % SZ_1M)
		snprintf(buf, len, "%llu KiB", (unsigned long long)(gpa >> 10));
	else
		snprintf(buf, len, "%llu MiB", (unsigned long long)(gpa >> 20));
	return buf;
}

/* Counter @name ("group.counter") of the VM, now. */
static uint64_t vm_stat(const char *name)
{
	uint64_t v;
	int ret = ccmem_vm_stat(d.vm, name, &v);

	if (ret)
		fail("reading counter %s: %s", name, ccmem_errno_name(ret));
	return v;
}

static void show_map(void)
{
	expect_ret(ccmem_map_print(stdout, "  ", d.vm, 0, REGION_SIZE), 0,
		   "GET_MAP");
}

static void show_stats(void)
{
	struct ccmem_stats_table st = { 0 };

	expect_ret(ccmem_stats_snapshot(d.vm, &st), 0, "GET_STATS");
	ccmem_stats_print(stdout, "  stats: ", &st, false);
	ccmem_stats_free(&st);
}

/*
 * Validate (or rescind) [gpa, gpa + size) as a guest kernel does: 2 MiB
 * where it can, 4 KiB pages where the platform holds a block as 4 KiB
 * entries (FAIL_SIZEMISMATCH), or at 4 KiB only. Returns the number of
 * 2 MiB blocks that fell back.
 */
static unsigned int guest_validate(uint64_t gpa, uint64_t size, bool validate,
				   bool huge)
{
	unsigned int small = 0;
	int ret = ccmem_emu_pvalidate_range(d.vm, gpa, size, validate, huge,
					    &small);

	if (ret)
		fail("PVALIDATE (%s) of [0x%llx, +0x%llx): %s%s", validate ?
		     "validate" : "rescind", (unsigned long long)gpa,
		     (unsigned long long)size, ccmem_errno_name(ret),
		     ret == -EPROTO ? " (an instruction failed)" : "");
	return small;
}

/* The guest access must have completed (no exit, no #VC). */
static void guest_rw(bool write, uint64_t gpa, void *buf, uint32_t len,
		     bool shared)
{
	uint32_t flags = shared ? CCMEM_ACCESS_F_SHARED : 0;
	struct ccmem_emu_access acc;
	char what[64];
	int ret;

	snprintf(what, sizeof(what), "guest %s %s at 0x%llx",
		 shared ? "shared" : "private", write ? "write" : "read",
		 (unsigned long long)gpa);
	if (write)
		ret = ccmem_emu_write(d.vm, gpa, buf, len, flags, &acc);
	else
		ret = ccmem_emu_read(d.vm, gpa, buf, len, flags, &acc);
	expect_ret(ret, 0, what);
	if (acc.result == CCMEM_EMU_R_FAULT)
		fail("%s: exited to the VMM (fault #%llu)", what,
		     (unsigned long long)acc.fault_seq);
	if (acc.result == CCMEM_EMU_R_EXCEPTION)
		fail("%s: exception %u (error code 0x%llx) raised in the guest",
		     what, acc.vector, (unsigned long long)acc.error_code);
}

/*
 * @op must have exited to the VMM with one record of @reason: read it back
 * with CCMEM_VM_READ_FAULTS and print it.
 */
static void expect_fault(const struct ccmem_emu_access *op, int ret,
			 uint32_t reason, const char *what)
{
	struct ccmem_fault rec[4];
	uint32_t pending;
	int n;

	expect_ret(ret, 0, what);
	if (op->result != CCMEM_EMU_R_FAULT)
		fail("%s: result %s, expected an exit to the VMM", what,
		     ccmem_emu_result_name(op->result));
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

/* Whether the VM whose stats are at @path is of type @type ("snp"). */
static bool debugfs_type_is(const char *path, const char *type)
{
	char line[64], want[32];
	FILE *f = fopen(path, "r");
	bool ret = false;

	if (!f)
		return false;
	snprintf(want, sizeof(want), "type: %s\n", type);
	while (fgets(line, sizeof(line), f))
		if (!strcmp(line, want))
			ret = true;
	fclose(f);
	return ret;
}

/*
 * The VM's debugfs directory: the SNP vm-* whose stats show our key id
 * (ASIDs and TDX HKIDs are numbered apart, so the type must match too).
 */
static void find_debugfs(void)
{
	char path[300];
	struct dirent *e;
	DIR *dir = opendir(CCMEM_DEBUGFS);
	long long key_id;

	d.debugfs[0] = '\0';
	if (!dir)
		return;
	while ((e = readdir(dir))) {
		if (strncmp(e->d_name, "vm-", 3))
			continue;
		snprintf(path, sizeof(path), "%s/%s/stats", CCMEM_DEBUGFS,
			 e->d_name);
		if (!ccmem_debugfs_counter(path, "key_id", &key_id) &&
		    key_id == d.key_id && debugfs_type_is(path, "snp")) {
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
		ret = ccmem_debugfs_counter(CCMEM_DEBUGFS "/stats",
					    global_keys[i], &val[i]);
		if (ret)
			fail("reading %s from %s/stats: %s", global_keys[i],
			     CCMEM_DEBUGFS, ccmem_errno_name(ret));
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
		     ccmem_errno_name(d.dev));
	ver = ccmem_ioctl(d.dev, CCMEM_GET_API_VERSION, NULL);
	if (ver < 0)
		expect_ret(ver, 0, "GET_API_VERSION");
	say("%s: API version %d (this demo was built for %d)", CCMEM_DEV, ver,
	    CCMEM_API_VERSION);
	if (ver != CCMEM_API_VERSION)
		fail("API version mismatch");

	d.vm = ccmem_vm_create(d.dev, CCMEM_VM_SNP, CCMEM_BACKEND_EMU, 0, &c);
	if (d.vm < 0)
		expect_ret(d.vm, 0, "CREATE_VM");
	if (c.backend_used != CCMEM_BACKEND_EMU)
		fail("CREATE_VM chose backend %u, asked for emu",
		     c.backend_used);
	d.key_id = c.key_id;
	find_debugfs();
	say("CREATE_VM(SNP, emu): VM fd %d, key id (ASID) %u, backend %s, debugfs %s",
	    d.vm, c.key_id, c.backend_used == CCMEM_BACKEND_EMU ? "emu" : "hw",
	    d.debugfs[0] ? d.debugfs : "(not found)");
}

/* b. One private region backed by an anonymous mapping. */
static void step_memory(void)
{
	step("b. give it memory: 256 MiB at GPA 0, starting private");
	expect_ret(ccmem_vm_add_backed_region(d.vm, 0, REGION_SIZE,
					      CCMEM_REGION_F_PRIVATE, &d.shared),
		   0, "ADD_REGION");
	say("ADD_REGION gpa 0x0 size 256 MiB, shared backing: anonymous mmap at %p",
	    d.shared);
	expect_eq(vm_stat("vm.private_bytes"), REGION_SIZE, "vm.private_bytes");
	say("private memory is allocated on demand: %llu pages populated so far",
	    (unsigned long long)vm_stat("vm.populated_pages"));
	show_map();
	ccmem_map_legend(stdout, "  ");
}

/* c. Assign pages through the platform; the guest validates them. */
static void step_assign(void)
{
	static const uint64_t pages_4k[] = { MiB(100), MiB(100) + SZ_4K };
	uint64_t populated, i;

	step("c. assign pages (RMPUPDATE), then validate them as the guest would");
	expect_ret(ccmem_vm_populate(d.vm, 0, MiB(64), 0, &populated), 0,
		   "POPULATE 64 MiB");
	expect_eq(populated, MiB(64), "bytes populated");
	say("POPULATE [0, 64 MiB): %llu MiB assigned, whole 2 MiB blocks",
	    (unsigned long long)(populated >> 20));
	expect_ret(ccmem_vm_populate(d.vm, MiB(100), 4 * SZ_4K, 0, &populated),
		   0, "POPULATE 16 KiB");
	expect_eq(populated, 4 * SZ_4K, "bytes populated");
	say("POPULATE [100 MiB, +16 KiB): %llu KiB assigned, 4 KiB pages",
	    (unsigned long long)(populated >> 10));
	expect_eq(vm_stat("vm.assigned_2m"), 32, "vm.assigned_2m");
	expect_eq(vm_stat("vm.assigned_4k"), 4, "vm.assigned_4k");
	say("RMP entries made: 32 x 2M + 4 x 4K");

	if (guest_validate(0, MiB(32), true, true))
		fail("PVALIDATE 2M over 2M entries fell back to 4K");
	say("guest: PVALIDATE 2M x 16 over [0, 32 MiB): all returned 0");
	for (i = 0; i < ARRAY_SIZE(pages_4k); i++)
		guest_validate(pages_4k[i], SZ_4K, true, false);
	say("guest: PVALIDATE 4K at 0x%llx and 0x%llx: returned 0",
	    (unsigned long long)pages_4k[0], (unsigned long long)pages_4k[1]);
	guest_validate(MiB(40), SZ_4K, true, false);
	expect_eq(vm_stat("vm.splits"), 1, "vm.splits");
	say("guest: PVALIDATE 4K at 0x%llx, in a 2M entry: host split it (PSMASH), returned 0",
	    (unsigned long long)MiB(40));
	show_stats();
	show_map();
}

/* Touch @p from a child process; returns its wait status. */
static int touch_in_child(const uint8_t *p)
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
	struct ccmem_emu_access op;
	char buf[64] = "";
	uint8_t *win;
	int status;

	step("d. private memory stays private");
	guest_rw(true, SECRET_GPA, (void *)secret, sizeof(secret), false);
	guest_rw(false, SECRET_GPA, buf, sizeof(secret), false);
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
	expect_eq(vm_stat("vm.sigbus"), 1, "vm.sigbus");
	say("host: mmap the VM fd at 0x%llx, a child reads it: killed by SIGBUS",
	    (unsigned long long)SECRET_GPA);

	memset(buf, 'X', sizeof(buf));
	expect_fault(&op, ccmem_emu_write(d.vm, SECRET_GPA, buf, sizeof(buf),
					  CCMEM_ACCESS_F_HOST, &op),
		     CCMEM_FAULT_HOST_ACCESS,
		     "host kernel write to the private page (EMU_ACCESS, F_HOST)");
	memset(buf, 0, sizeof(buf));
	guest_rw(false, SECRET_GPA, buf, sizeof(secret), false);
	if (memcmp(buf, secret, sizeof(secret)))
		fail("the host write changed the secret");
	say("guest: the secret is intact");
}

static bool all_zero(const void *p, size_t len)
{
	const uint8_t *b = p;

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
	uint64_t scrubbed, splits;
	char buf[64], a[16], b[16];
	unsigned int small;

	step("e. convert 8 MiB at 16 MiB to shared and back");
	scrubbed = vm_stat("vm.scrubbed_pages");
	splits = vm_stat("vm.splits");
	guest_validate(SECRET_GPA, CONV_SIZE, false, true);
	say("guest: rescind (PVALIDATE 2M, validate=0) x 4 over [16 MiB, 24 MiB)");
	expect_ret(ccmem_vm_set_attr(d.vm, SECRET_GPA, CONV_SIZE, false), 0,
		   "SET_ATTRIBUTES shared");
	say("SET_ATTRIBUTES shared [%s, +%s): ok",
	    mib(SECRET_GPA, a, sizeof(a)), mib(CONV_SIZE, b, sizeof(b)));
	guest_validate(GHCB_GPA, SZ_4K, false, false);
	expect_ret(ccmem_vm_set_attr(d.vm, GHCB_GPA, SZ_4K, false), 0,
		   "SET_ATTRIBUTES shared 4K");
	say("guest: rescind 4K at 0x%llx (a GHCB page), SET_ATTRIBUTES shared 4 KiB: ok",
	    (unsigned long long)GHCB_GPA);
	scrubbed = vm_stat("vm.scrubbed_pages") - scrubbed;
	expect_eq(scrubbed, CONV_SIZE / SZ_4K + 1,
		  "pages scrubbed by the conversion");
	expect_eq(vm_stat("vm.splits") - splits, 1, "splits by the conversion");
	expect_eq(vm_stat("vm.shared_bytes"), CONV_SIZE + SZ_4K,
		  "vm.shared_bytes");
	say("%llu pages went back to the host, each scrubbed; 1 more 2M entry split",
	    (unsigned long long)scrubbed);
	show_map();

	memset(buf, 0xff, sizeof(buf));
	guest_rw(false, SECRET_GPA, buf, sizeof(buf), true);
	if (!all_zero(buf, sizeof(buf)))
		fail("shared memory at 0x%llx is not zero after conversion",
		     (unsigned long long)SECRET_GPA);
	guest_rw(true, SECRET_GPA, (void *)hello, sizeof(hello), true);
	if (memcmp(d.shared + SECRET_GPA, hello, sizeof(hello)))
		fail("the host does not see the guest's shared write");
	say("guest: shared read at 0x%llx: zeros; shared write \"%s\": the host reads \"%s\"",
	    (unsigned long long)SECRET_GPA, hello,
	    (char *)d.shared + SECRET_GPA);
	memcpy(d.shared + SECRET_GPA + 64, reply, sizeof(reply));
	guest_rw(false, SECRET_GPA + 64, buf, sizeof(reply), true);
	if (memcmp(buf, reply, sizeof(reply)))
		fail("the guest does not see the host's shared write");
	say("host: writes \"%s\" at 0x%llx: the guest's shared read sees \"%s\"",
	    reply, (unsigned long long)SECRET_GPA + 64, buf);

	expect_ret(ccmem_vm_set_attr(d.vm, SECRET_GPA, CONV_SIZE, true), 0,
		   "SET_ATTRIBUTES private");
	small = guest_validate(SECRET_GPA, CONV_SIZE, true, true);
	say("SET_ATTRIBUTES private [16 MiB, +8 MiB): ok; guest: PVALIDATE 2M x 4%s",
	    small ? " (some fell back to 4K)" : "");
	memset(buf, 0xff, sizeof(buf));
	guest_rw(false, SECRET_GPA, buf, sizeof(buf), false);
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
	uint64_t shared, err_gpa = 0;
	int ret;

	step("f. pin shared memory for DMA");
	expect_ret(ccmem_vm_set_attr(d.vm, PIN_GPA, CONV_SIZE, false), 0,
		   "SET_ATTRIBUTES shared");
	expect_ret(ccmem_vm_pin(d.vm, PIN_GPA, MiB(4)), 0, "PIN");
	expect_eq(vm_stat("vm.pinned_pages"), MiB(4) / SZ_4K, "vm.pinned_pages");
	say("SET_ATTRIBUTES shared [128 MiB, +8 MiB), PIN [128 MiB, +4 MiB): ok, %llu pages pinned",
	    (unsigned long long)(MiB(4) / SZ_4K));
	show_map();

	shared = vm_stat("vm.shared_bytes");
	ret = ccmem_vm_set_attr_err(d.vm, PIN_GPA - MiB(8), MiB(16), true,
				    &err_gpa);
	expect_ret(ret, -EBUSY, "SET_ATTRIBUTES private over a pin");
	expect_eq(err_gpa, PIN_GPA, "the first pinned gpa (error_gpa)");
	expect_eq(vm_stat("vm.shared_bytes"), shared, "vm.shared_bytes");
	say("SET_ATTRIBUTES private [120 MiB, +16 MiB): %s, first pinned gpa 0x%llx;",
	    ccmem_errno_name(ret), (unsigned long long)err_gpa);
	say("  and nothing changed (all or nothing)");
	expect_ret(ccmem_vm_unpin(d.vm, PIN_GPA, MiB(4)), 0, "UNPIN");
	expect_ret(ccmem_vm_set_attr(d.vm, PIN_GPA, MiB(4), true), 0,
		   "SET_ATTRIBUTES private after UNPIN");
	expect_eq(vm_stat("vm.pinned_pages"), 0, "vm.pinned_pages");
	say("UNPIN, then SET_ATTRIBUTES private [128 MiB, +4 MiB): ok");
	show_map();
}

/* g. What the VMM and the guest see when an access breaks the rules. */
static void step_faults(void)
{
	struct ccmem_emu_access op;
	char buf[8] = "";

	step("g. faults");
	expect_fault(&op, ccmem_emu_read(d.vm, 0, buf, sizeof(buf),
					 CCMEM_ACCESS_F_SHARED, &op),
		     CCMEM_FAULT_PLATFORM,
		     "guest shared read at 0x0 (private, assigned)");
	expect_fault(&op, ccmem_emu_write(d.vm, MiB(200), buf, sizeof(buf),
					  CCMEM_ACCESS_F_SHARED, &op),
		     CCMEM_FAULT_ATTRIBUTE,
		     "guest shared write at 0xc800000 (private, no page yet)");
	expect_fault(&op, ccmem_emu_read(d.vm, REGION_SIZE, buf, sizeof(buf),
					 0, &op),
		     CCMEM_FAULT_NO_REGION,
		     "guest private read at 0x10000000 (no region)");

	expect_ret(ccmem_emu_read(d.vm, MiB(48), buf, sizeof(buf), 0, &op), 0,
		   "guest private read of an unvalidated page");
	if (op.result != CCMEM_EMU_R_EXCEPTION ||
	    op.vector != CCMEM_EMU_VECTOR_VC ||
	    op.error_code != VC_NOT_VALIDATED)
		fail("read of an unvalidated page: %s, vector %u, code 0x%llx; expected #VC 0x404",
		     ccmem_emu_result_name(op.result), op.vector,
		     (unsigned long long)op.error_code);
	say("guest private read at 0x%llx (assigned, not validated): #VC 0x%llx in the guest",
	    (unsigned long long)MiB(48), (unsigned long long)op.error_code);
	expect_eq(vm_stat("vm.faults_queued"), 4, "vm.faults_queued");
}

/*
 * What an operator sees of this VM from another process: ccmemctl,
 * which reads debugfs (@vm: "vm-3"). Shown when the program is there (the
 * test VM has it in /bin); the demo does not depend on it.
 */
static void show_operator_view(const char *vm)
{
	static const char ctl[] = "/bin/ccmemctl";
	const char *const cmds[][6] = {
		{ ctl, "list", NULL },
		{ ctl, "map", vm, "--scale", "4M", NULL },
	};
	unsigned int i, j;
	int status;
	pid_t pid;

	if (access(ctl, X_OK)) {
		say("(no %s here: the operator's view is skipped)", ctl);
		return;
	}
	say("what an operator sees from another process, through debugfs:");
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		printf("  $ ccmemctl");
		for (j = 1; cmds[i][j]; j++)
			printf(" %s", cmds[i][j]);
		printf("\n");
		fflush(stdout);
		pid = fork();
		if (!pid) {
			execv(ctl, (char *const *)cmds[i]);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			fail("ccmemctl %s failed", cmds[i][1]);
	}
}

/* h. Closing the last VM fd destroys the VM and reclaims its memory. */
static void step_destroy(void)
{
	long long before[NR_GLOBAL], after[NR_GLOBAL];
	uint64_t populated = vm_stat("vm.populated_pages");
	unsigned int i;

	step("h. destroy the VM");
	say("the VM holds %llu private pages", (unsigned long long)populated);
	if (d.debugfs[0]) {
		long long seen;
		char path[sizeof(d.debugfs) + 8];

		snprintf(path, sizeof(path), "%s/stats", d.debugfs);
		expect_ret(ccmem_debugfs_counter(path, "vm.populated_pages",
						 &seen),
			   0, "reading the VM's debugfs stats");
		expect_eq(seen, populated, "debugfs vm.populated_pages");
		say("debugfs %s/stats: vm.populated_pages %lld, as GET_STATS says",
		    d.debugfs, seen);
		show_operator_view(strrchr(d.debugfs, '/') + 1);
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
	expect_eq(global_delta(before, after, "reclaimed_pages"), populated,
		  "pages reclaimed at destroy");
	expect_eq(global_delta(before, after, "scrubbed_pages"), populated,
		  "pages scrubbed at destroy");
	expect_eq(global_delta(before, after, "leaked_pages"), 0,
		  "pages leaked at destroy");
	if (d.debugfs[0] && !access(d.debugfs, F_OK))
		fail("%s still exists after the VM was destroyed", d.debugfs);
	say("all %llu pages went back to the host, scrubbed; the VM's debugfs directory is gone",
	    (unsigned long long)populated);
	close(d.dev);
	munmap(d.shared, REGION_SIZE);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ccmem-demo: one SEV-SNP confidential VM on the emu backend, step by step;\n");
	printf("then the same 4 GiB guest on SNP and on TDX, side by side\n");
	step_create();
	step_memory();
	step_assign();
	step_secret();
	step_convert();
	step_pin();
	step_faults();
	step_destroy();
	demo_guest_act();
	demo_virtio_act();
	printf("\ndemo: OK\n");
	return 0;
}
