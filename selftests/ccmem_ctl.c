// SPDX-License-Identifier: GPL-2.0
/*
 * ccmem_ctl - ccmemctl sees the VMs of another process (issue 12).
 *
 * An "owner" process creates the VMs and keeps them; the test process
 * holds no fd of them and looks through debugfs, directly and with
 * ccmemctl ($CCMEMCTL, default /bin/ccmemctl): list, map, stats --json
 * and events, with the contents checked against the shape the owner
 * gave its VMs, and the errors of a user who is not root, of a system
 * without debugfs and of a VM that does not exist.
 *
 * The owner's shaped VM, the same on SNP and TDX (MiB):
 *   regions [0, 32) and [40, 48), private; [0, 8) populated; [0, 4)
 *   accepted in 2 MiB pages, 4 KiB at 4 accepted; [16, 20) shared and
 *   [16, 18) pinned; 4 KiB at 24 shared.
 * and an emulated guest of the same type with two vCPUs.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ccmem_test.h"

#define MIB		(1ULL << 20)
#define OUT_MAX		(256 * 1024)
#define SHAPE_MEM	(40 * MIB)
#define SHAPE_SHARED	(4 * MIB + SZ_4K)
#define SHAPE_PINNED	(2 * MIB)
/* The shaped VM at 2 MiB a character, [0, 48 MiB). */
#define SHAPE_MAP	"VVvuuuuuPsuumuuu....uuuu"
#define CONV_GPA	(8 * MIB)
#define CONV_SIZE	(64ULL * 1024)
#define U15		"uuuuuuuuuuuuuuu"
#define U16		"u" U15
#define D16		"................"
#define HAS(hay, needle)	(!!strstr(hay, needle))

/* --- the owner: a process of its own that creates and keeps the VMs ----- */

static int shape_vm(uint32_t type)
{
	struct ccmem_vm_create c = { .type = type,
				     .backend = CCMEM_BACKEND_EMU };
	uint8_t *sh1 = NULL, *sh2 = NULL;
	int dev = ccmem_open_dev(), vm, ret;

	if (dev < 0)
		return dev;
	vm = ccmem_vm_create_args(dev, &c);
	close(dev);
	if (vm < 0)
		return vm;
	ret = ccmem_vm_shape_demo(vm, type, &sh1, &sh2);
	if (ret) {
		close(vm);
		return ret;
	}
	return vm;
}

/*
 * The owner: make the VMs, say "ready" (or an errno) on @out, then obey
 * @in: 'c' converts [CONV_GPA, +CONV_SIZE) of the shaped VM to shared
 * and back, answering 'C'; 'q' closes the shaped VM, answering 'Q'; end
 * of file ends the process (and so the VMs).
 */
static void owner_main(uint32_t type, int in, int out)
{
	struct ccmem_emu_guest_config cfg =
		ccmem_guest_config(CCMEM_ACCEPT_LAZY, TGPA, 8 * MIB);
	struct ccmem_guest g;
	int vm, ret;
	char cmd;

	vm = shape_vm(type);
	ret = vm < 0 ? vm : ccmem_guest_create_vm(&g, type, 0, &cfg);
	ret = ret ?: ccmem_guest_add_vcpu(&g, 0);
	ret = ret ?: ccmem_guest_add_vcpu(&g, 1);
	if (write(out, &ret, sizeof(ret)) != sizeof(ret) || ret)
		_exit(1);
	while (read(in, &cmd, 1) == 1) {
		if (cmd == 'c') {
			ret = ccmem_vm_set_attr(vm, CONV_GPA, CONV_SIZE, false);
			ret = ret ?: ccmem_vm_set_attr(vm, CONV_GPA, CONV_SIZE,
						       true);
			cmd = ret ? 'E' : 'C';
		} else if (cmd == 'q') {
			close(vm);
			cmd = 'Q';
		}
		if (write(out, &cmd, 1) != 1)
			break;
	}
	_exit(0);
}

/* --- looking from outside ------------------------------------------------ */

/*
 * The character ccmemctl shows for a unit's CCMEM_MAP_* bits, written
 * again from ccmemctl(8)'s legend: P pinned, . hole, m private and
 * shared, s shared, u none accepted, v some, V all.
 */
static char map_char(uint8_t bits)
{
	if (bits & CCMEM_MAP_PINNED)
		return 'P';
	switch (bits & (CCMEM_MAP_PRIVATE | CCMEM_MAP_SHARED)) {
	case 0:
		return '.';
	case CCMEM_MAP_SHARED:
		return 's';
	case CCMEM_MAP_PRIVATE:
		break;
	default:
		return 'm';
	}
	if (!(bits & CCMEM_MAP_ACCEPTED))
		return 'u';
	return bits & CCMEM_MAP_UNACCEPTED ? 'v' : 'V';
}

/* The debugfs id of the VM of process @pid with @vcpus vCPUs, or -1. */
static long find_vm(pid_t pid, unsigned int vcpus)
{
	DIR *d = opendir(CCMEM_DEBUGFS);
	long long p, v;
	char path[300];
	struct dirent *e;
	long found = -1;

	while (d && found < 0 && (e = readdir(d))) {
		if (strncmp(e->d_name, "vm-", 3))
			continue;
		snprintf(path, sizeof(path), CCMEM_DEBUGFS "/%s/info",
			 e->d_name);
		if (!ccmem_debugfs_counter(path, "pid", &p) && p == pid &&
		    !ccmem_debugfs_counter(path, "vcpus", &v) && v == vcpus)
			found = strtol(e->d_name + 3, NULL, 10);
	}
	if (d)
		closedir(d);
	return found;
}

static const char *ctl_path(void)
{
	const char *p = getenv("CCMEMCTL");

	return p && *p ? p : "/bin/ccmemctl";
}

/*
 * Run ccmemctl with @args (NULL-terminated), its stdout and stderr into
 * @out (OUT_MAX, NUL-terminated); its exit status, or -1. @uid: run as
 * that user when not 0; @no_debugfs: in a mount namespace of its own
 * where debugfs is unmounted.
 */
static int run_ctl_as(char *out, uid_t uid, bool no_debugfs,
		      const char *const *args)
{
	const char *argv[16] = { ctl_path() };
	size_t have = 0, i;
	int pfd[2], status;
	ssize_t n;
	pid_t pid;

	for (i = 0; args[i] && i + 2 < ARRAY_SIZE(argv); i++)
		argv[i + 1] = args[i];
	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		if (no_debugfs &&
		    (unshare(CLONE_NEWNS) ||
		     mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		     umount2("/sys/kernel/debug", MNT_DETACH)))
			_exit(100);
		if (uid && (setgroups(0, NULL) || setresgid(uid, uid, uid) ||
			    setresuid(uid, uid, uid)))
			_exit(101);
		execv(argv[0], (char **)argv);
		_exit(127);
	}
	close(pfd[1]);
	while (have < OUT_MAX - 1 &&
	       (n = read(pfd[0], out + have, OUT_MAX - 1 - have)) > 0)
		have += n;
	out[have] = '\0';
	close(pfd[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

#define CTL(out, ...) \
	run_ctl_as(out, 0, false, (const char *const[]){ __VA_ARGS__, NULL })

/* --- a JSON checker: is @s one well-formed JSON value? -------------------- */

static const char *json_value(const char *s, int depth);

static const char *json_ws(const char *s)
{
	while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
		s++;
	return s;
}

static const char *json_string(const char *s)
{
	if (*s++ != '"')
		return NULL;
	for (; *s && *s != '"'; s++) {
		if ((unsigned char)*s < 0x20)
			return NULL;
		if (*s == '\\' && !*++s)
			return NULL;
	}
	return *s == '"' ? s + 1 : NULL;
}

/* A list of values (@close ']') or of "key": value members ('}'). */
static const char *json_list(const char *s, char close, int depth)
{
	s = json_ws(s + 1);
	if (*s == close)
		return s + 1;
	for (;;) {
		if (close == '}') {
			s = json_string(s);
			if (!s)
				return NULL;
			s = json_ws(s);
			if (*s++ != ':')
				return NULL;
		}
		s = json_value(json_ws(s), depth + 1);
		if (!s)
			return NULL;
		s = json_ws(s);
		if (*s == close)
			return s + 1;
		if (*s++ != ',')
			return NULL;
		s = json_ws(s);
	}
}

static const char *json_value(const char *s, int depth)
{
	if (depth > 16)
		return NULL;
	if (*s == '{')
		return json_list(s, '}', depth);
	if (*s == '[')
		return json_list(s, ']', depth);
	if (*s == '"')
		return json_string(s);
	if (!strncmp(s, "null", 4))
		return s + 4;
	if (*s == '-')
		s++;
	if (*s < '0' || *s > '9')
		return NULL;
	while (*s >= '0' && *s <= '9')
		s++;
	return s;
}

static bool json_ok(const char *s)
{
	s = json_value(json_ws(s), 0);
	return s && !*json_ws(s);
}

/*
 * The JSON object in @s that has the member "pid": @pid and "vcpus":
 * @vcpus, copied to @obj (which must hold strlen(@s) + 1), or false.
 */
static bool json_vm(const char *s, pid_t pid, unsigned int vcpus, char *obj)
{
	char want_pid[32], want_vcpus[32];
	const char *start, *end;

	snprintf(want_pid, sizeof(want_pid), "\"pid\": %d,", pid);
	snprintf(want_vcpus, sizeof(want_vcpus), "\"vcpus\": %u,", vcpus);
	for (start = strchr(s, '{'); start; start = strchr(start + 1, '{')) {
		if (strncmp(start, "{\"id\": ", 7))
			continue;
		end = json_value(start, 0);
		if (!end)
			return false;
		memcpy(obj, start, end - start);
		obj[end - start] = '\0';
		if (strstr(obj, want_pid) && strstr(obj, want_vcpus))
			return true;
	}
	return false;
}

/* Does @obj have the member "@key": @val (a number, as text)? */
static bool has_num(const char *obj, const char *key, unsigned long long val)
{
	char want[96];
	const char *p;

	snprintf(want, sizeof(want), "\"%s\": %llu", key, val);
	p = strstr(obj, want);
	return p && (p[strlen(want)] == ',' || p[strlen(want)] == '}');
}

static bool has_str(const char *obj, const char *key, const char *val)
{
	char want[96];

	snprintf(want, sizeof(want), "\"%s\": \"%s\"", key, val);
	return strstr(obj, want);
}

/* --- the fixture ----------------------------------------------------------- */

FIXTURE(ctl) {
	pid_t owner;
	int to_owner, from_owner;
	long vm;	/* the shaped VM's debugfs id */
	long guest;	/* the emulated guest's */
	char *out, *obj;
};

FIXTURE_VARIANT(ctl) {
	uint32_t type;
	const char *name;	/* ccmemctl's and debugfs's */
	const char *display;
	const char *key;
};

FIXTURE_VARIANT_ADD(ctl, snp) {
	.type = CCMEM_VM_SNP, .name = "snp", .display = "SNP", .key = "ASID",
};

FIXTURE_VARIANT_ADD(ctl, tdx) {
	.type = CCMEM_VM_TDX, .name = "tdx", .display = "TDX", .key = "HKID",
};

FIXTURE_SETUP(ctl)
{
	int down[2], up[2], ret = -1;

	self->owner = -1;
	self->out = malloc(OUT_MAX);
	self->obj = malloc(OUT_MAX);
	ASSERT_TRUE(self->out && self->obj);
	if (access(ctl_path(), X_OK))
		SKIP(return, "no %s (set CCMEMCTL)", ctl_path());
	if (access(CCMEM_DEBUGFS, R_OK))
		SKIP(return, "no %s: debugfs not mounted or ccmem not loaded",
		     CCMEM_DEBUGFS);
	ASSERT_EQ(0, pipe(down));
	ASSERT_EQ(0, pipe(up));
	self->owner = fork();
	ASSERT_LE(0, self->owner);
	if (!self->owner) {
		close(down[1]);
		close(up[0]);
		owner_main(variant->type, down[0], up[1]);
	}
	close(down[0]);
	close(up[1]);
	self->to_owner = down[1];
	self->from_owner = up[0];
	ASSERT_EQ(sizeof(ret), read(self->from_owner, &ret, sizeof(ret)));
	if (ret == -ENODEV)
		SKIP(return, "no %s module", variant->display);
	ASSERT_ERRNO(0, ret);
	self->vm = find_vm(self->owner, 0);
	self->guest = find_vm(self->owner, 2);
	ASSERT_LT(0, self->vm);
	ASSERT_LT(0, self->guest);
}

FIXTURE_TEARDOWN(ctl)
{
	if (self->owner > 0) {
		close(self->to_owner);
		close(self->from_owner);
		waitpid(self->owner, NULL, 0);
	}
	free(self->out);
	free(self->obj);
}

/* The line of @out that starts with @prefix, copied to @line, or false. */
static bool find_line(const char *out, const char *prefix, char *line,
		      size_t len)
{
	const char *p = out;
	size_t n;

	for (;;) {
		n = strcspn(p, "\n");
		if (!strncmp(p, prefix, strlen(prefix))) {
			snprintf(line, len, "%.*s", (int)n, p);
			return true;
		}
		if (!p[n])
			return false;
		p += n + 1;
	}
}

/* Ask the owner to do @cmd (over @to) and wait for its answer (@from). */
static char owner_do(int to, int from, char cmd)
{
	char ans = 0;

	if (write(to, &cmd, 1) != 1 || read(from, &ans, 1) != 1)
		return 0;
	return ans;
}

/* A VM's line of ccmemctl list. */
struct list_row {
	unsigned int id, vcpus;
	char type[16], backend[16], state[16], mem[16], priv[16], shared[16];
	unsigned long long faults, leaked;
	int pid;
	char comm[32];
};

/* The row of VM @vm in the output @out of ccmemctl list, or false. */
static bool list_row(const char *out, long vm, struct list_row *r)
{
	char prefix[16], line[256];
	int n;

	snprintf(prefix, sizeof(prefix), "%4ld ", vm);
	if (!find_line(out, prefix, line, sizeof(line)))
		return false;
	n = sscanf(line, "%u %15s %15s %15s %15s %15s %15s %u %llu %llu %d %31s",
		   &r->id, r->type, r->backend, r->state, r->mem, r->priv,
		   r->shared, &r->vcpus, &r->faults, &r->leaked, &r->pid,
		   r->comm);
	return n == 12 && r->id == vm;
}

TEST_F(ctl, info_file_of_another_process)
{
	char path[128], line[256];
	bool saw_region = false;
	unsigned long long v;
	int seen = 0;
	FILE *f;

	snprintf(path, sizeof(path), CCMEM_DEBUGFS "/vm-%ld/info", self->vm);
	f = fopen(path, "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "memory: %llu", &v) == 1 && ++seen)
			EXPECT_EQ(SHAPE_MEM, v);
		if (sscanf(line, "shared: %llu", &v) == 1 && ++seen)
			EXPECT_EQ(SHAPE_SHARED, v);
		if (sscanf(line, "private: %llu", &v) == 1 && ++seen)
			EXPECT_EQ(SHAPE_MEM - SHAPE_SHARED, v);
		if (sscanf(line, "pinned: %llu", &v) == 1 && ++seen)
			EXPECT_EQ(SHAPE_PINNED, v);
		if (sscanf(line, "gpa_end: %lli", (long long *)&v) == 1 &&
		    ++seen)
			EXPECT_EQ(48 * MIB, v);
		if (!strncmp(line, "type: ", 6) && ++seen)
			EXPECT_EQ(0, strncmp(line + 6, variant->name,
					     strlen(variant->name)));
		if (!strncmp(line, "region: slot=", 13) &&
		    strstr(line, " gpa=0x2800000 size=0x800000\n"))
			saw_region = true;
	}
	fclose(f);
	EXPECT_EQ(6, seen);
	EXPECT_TRUE(saw_region);
}

TEST_F(ctl, list_text)
{
	struct list_row r;

	ASSERT_EQ(0, CTL(self->out, "list"));
	ASSERT_TRUE(list_row(self->out, self->vm, &r))
		TH_LOG("no line for vm-%ld in:\n%s", self->vm, self->out);
	EXPECT_STREQ(variant->display, r.type);
	EXPECT_STREQ("emu", r.backend);
	EXPECT_STREQ("live", r.state);
	EXPECT_STREQ("40.0M", r.mem);
	EXPECT_STREQ("36.0M", r.priv);
	EXPECT_STREQ("4.0M", r.shared);
	EXPECT_EQ(0, r.vcpus);
	EXPECT_EQ(0, r.faults);
	EXPECT_EQ(0, r.leaked);
	EXPECT_EQ(self->owner, r.pid);
	EXPECT_STREQ("ccmem_ctl", r.comm);

	ASSERT_TRUE(list_row(self->out, self->guest, &r));
	EXPECT_STREQ(variant->display, r.type);
	EXPECT_EQ(2, r.vcpus);
	EXPECT_EQ(self->owner, r.pid);
	EXPECT_TRUE(HAS(self->out, " VMs: ") || HAS(self->out, " VM: "));
}

TEST_F(ctl, list_json)
{
	ASSERT_EQ(0, CTL(self->out, "list", "--json"));
	ASSERT_TRUE(json_ok(self->out)) TH_LOG("not JSON:\n%s", self->out);
	ASSERT_TRUE(json_vm(self->out, self->owner, 0, self->obj))
		TH_LOG("no VM of pid %d in:\n%s", self->owner, self->out);
	EXPECT_TRUE(has_num(self->obj, "id", self->vm));
	EXPECT_TRUE(has_str(self->obj, "type", variant->name));
	EXPECT_TRUE(has_str(self->obj, "backend", "emu"));
	EXPECT_TRUE(has_str(self->obj, "state", "live"));
	EXPECT_TRUE(has_str(self->obj, "comm", "ccmem_ctl"));
	EXPECT_TRUE(has_num(self->obj, "memory", SHAPE_MEM));
	EXPECT_TRUE(has_num(self->obj, "private", SHAPE_MEM - SHAPE_SHARED));
	EXPECT_TRUE(has_num(self->obj, "shared", SHAPE_SHARED));
	EXPECT_TRUE(has_num(self->obj, "pinned", SHAPE_PINNED));
	EXPECT_TRUE(has_num(self->obj, "faults", 0));
	EXPECT_TRUE(has_num(self->obj, "leaked_pages", 0));
	EXPECT_TRUE(has_num(self->obj, "regions", 2));
	TH_LOG("%s", self->obj);
	ASSERT_TRUE(json_vm(self->out, self->owner, 2, self->obj));
	EXPECT_TRUE(has_num(self->obj, "id", self->guest));
	EXPECT_TRUE(has_str(self->obj, "type", variant->name));
}

TEST_F(ctl, map_default_scale)
{
	char vmarg[16], head[160], line[256];

	snprintf(vmarg, sizeof(vmarg), "vm-%ld", self->vm);
	ASSERT_EQ(0, CTL(self->out, "map", vmarg)) TH_LOG("%s", self->out);
	snprintf(head, sizeof(head), "vm-%ld: %s VM on emu, %s ", self->vm,
		 variant->display, variant->key);
	EXPECT_TRUE(find_line(self->out, head, line, sizeof(line)))
		TH_LOG("%s", self->out);
	EXPECT_TRUE(HAS(line, ", live, created by pid "));
	ASSERT_TRUE(find_line(self->out, "  0x00000000  ", line,
			      sizeof(line))) TH_LOG("%s", self->out);
	EXPECT_STREQ("  0x00000000  " SHAPE_MAP, line);
	EXPECT_TRUE(HAS(self->out, "legend: 1 char = 2 MiB;"));
	EXPECT_TRUE(HAS(self->out, "+32M"));
	TH_LOG("ccmemctl map %s:\n%s", vmarg, self->out);
}

TEST_F(ctl, map_chosen_scale)
{
	char vmarg[16], line[256];

	snprintf(vmarg, sizeof(vmarg), "%ld", self->vm);
	/* 4 KiB a character: the one shared page at 24 MiB, then private. */
	ASSERT_EQ(0, CTL(self->out, "map", vmarg, "--scale", "4K", "--gpa",
			 "24M", "--size", "320K")) TH_LOG("%s", self->out);
	ASSERT_TRUE(find_line(self->out, "  0x01800000  ", line,
			      sizeof(line))) TH_LOG("%s", self->out);
	EXPECT_STREQ("  0x01800000  s" U15 U16 U16 U16, line);
	ASSERT_TRUE(find_line(self->out, "  0x01840000  ", line,
			      sizeof(line))) TH_LOG("%s", self->out);
	EXPECT_STREQ("  0x01840000  " U16, line);
	EXPECT_TRUE(HAS(self->out, "legend: 1 char = 4 KiB;"));
	EXPECT_TRUE(HAS(self->out, "+0K             +64K            +128K           +192K\n"))
		TH_LOG("%s", self->out);

	/* 1 MiB: [16, 20) shared, [16, 18) pinned. */
	ASSERT_EQ(0, CTL(self->out, "map", vmarg, "--scale", "1M", "--gpa",
			 "0x1000000", "--size", "0x600000"));
	ASSERT_TRUE(find_line(self->out, "  0x01000000  ", line,
			      sizeof(line))) TH_LOG("%s", self->out);
	EXPECT_STREQ("  0x01000000  PPssuu", line);

	/* More units than one read of the map file gives (64 Ki). */
	ASSERT_EQ(0, CTL(self->out, "map", vmarg, "--scale", "4K", "--size",
			 "320M"));
	ASSERT_TRUE(find_line(self->out, "  0x02800000  ", line,
			      sizeof(line))) TH_LOG("%.400s", self->out);
	EXPECT_STREQ("  0x02800000  " U16 U16 U16 U16, line);
	ASSERT_TRUE(find_line(self->out, "  0x10000000  ", line,
			      sizeof(line)));
	EXPECT_STREQ("  0x10000000  " D16 D16 D16 D16, line);

	/* An address of 0 written in hexadecimal, a size with a unit. */
	ASSERT_EQ(0, CTL(self->out, "map", vmarg, "--gpa", "0x0", "--size",
			 "8MiB")) TH_LOG("%s", self->out);
	ASSERT_TRUE(find_line(self->out, "  0x00000000  ", line,
			      sizeof(line))) TH_LOG("%s", self->out);
	EXPECT_STREQ("  0x00000000  VVvu", line);

	/* 1 GiB: one character; a pinned page in it wins. */
	ASSERT_EQ(0, CTL(self->out, "map", vmarg, "--scale", "1G"));
	ASSERT_TRUE(find_line(self->out, "  0x00000000  ", line,
			      sizeof(line))) TH_LOG("%s", self->out);
	EXPECT_STREQ("  0x00000000  P", line);

	/* More than 1 << 20 units: refused, with what to do. */
	EXPECT_EQ(1, CTL(self->out, "map", vmarg, "--scale", "4K", "--size",
			 "8G"));
	EXPECT_TRUE(HAS(self->out, "larger --scale")) TH_LOG("%s", self->out);
	EXPECT_EQ(2, CTL(self->out, "map", vmarg, "--scale", "3K"));
	EXPECT_EQ(2, CTL(self->out, "map", vmarg, "--scale", "2G"));
	EXPECT_EQ(2, CTL(self->out, "map", vmarg, "--gpa", "12Q"));
	EXPECT_EQ(2, CTL(self->out, "map", vmarg, "--size", "0"));
	EXPECT_EQ(2, CTL(self->out, "map", vmarg, "--size", "99999999999G"));
}

/* The errno of writing query @q to a map file, 0 when it was taken. */
static int bad_query(int fd, const char *q)
{
	ssize_t n = write(fd, q, strlen(q));

	return n < 0 ? errno : n == (ssize_t)strlen(q) ? 0 : -1;
}

TEST_F(ctl, map_debugfs_queries)
{
	char path[128], buf[64];
	int fd;

	snprintf(path, sizeof(path), CCMEM_DEBUGFS "/vm-%ld/map", self->vm);
	fd = open(path, O_RDWR);
	ASSERT_LE(0, fd);
	/* No query yet: the regions in 2 MiB units. */
	ASSERT_EQ(24, read(fd, buf, sizeof(buf)));
	for (int i = 0; i < 24; i++)
		EXPECT_EQ(SHAPE_MAP[i], map_char(buf[i]));
	EXPECT_EQ(0, read(fd, buf, sizeof(buf)));

	/* Bad queries: the errors of CCMEM_VM_GET_MAP; the last one stays. */
	EXPECT_EQ(EINVAL, bad_query(fd, "0x1000 0x1000 21"));	/* misaligned */
	EXPECT_EQ(EINVAL, bad_query(fd, "0 0x200000 11"));	/* unit < 4K */
	EXPECT_EQ(EINVAL, bad_query(fd, "0 0x80000000 31"));	/* unit > 1G */
	EXPECT_EQ(EINVAL, bad_query(fd, "0 0 12"));		/* empty */
	EXPECT_EQ(EINVAL, bad_query(fd, "-4096 4096 12"));
	EXPECT_EQ(E2BIG, bad_query(fd, "0 0x20000000000 12"));	/* 2^29 units */
	EXPECT_EQ(EINVAL, bad_query(fd, "zero 4096 12"));
	EXPECT_EQ(EINVAL, bad_query(fd, "0 4096"));
	EXPECT_EQ(EINVAL, bad_query(fd, "0 4096 12 junk"));
	EXPECT_EQ(EINVAL, bad_query(fd, "0 4096 12x"));
	EXPECT_EQ(EINVAL, bad_query(fd, ""));
	EXPECT_EQ(0, pread(fd, buf, sizeof(buf), 24));

	/* A query, read in pieces, at offsets; white space around it is fine. */
	ASSERT_EQ(0, bad_query(fd, " 0x1800000\t0x10000  12\n"));
	ASSERT_EQ(1, read(fd, buf, 1));
	EXPECT_EQ('s', map_char(buf[0]));
	ASSERT_EQ(3, read(fd, buf, 3));
	EXPECT_EQ('u', map_char(buf[0]));
	ASSERT_EQ(12, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(0, read(fd, buf, sizeof(buf)));
	ASSERT_EQ(1, pread(fd, buf, 1, 0));
	EXPECT_EQ('s', map_char(buf[0]));
	/* [14, 26) MiB in 2 MiB units, two at a time. */
	ASSERT_EQ(20, write(fd, "0xe00000 0xc00000 21", 20));
	for (int i = 0; i < 6; i += 2) {
		ASSERT_EQ(2, read(fd, buf, 2));
		EXPECT_EQ("uPsuum"[i], map_char(buf[0]));
		EXPECT_EQ("uPsuum"[i + 1], map_char(buf[1]));
	}
	ASSERT_EQ(1, pread(fd, buf, 1, 5));
	EXPECT_EQ('m', map_char(buf[0]));
	close(fd);

	/* Root only, like the rest of debugfs. */
	struct stat st;

	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(0600, st.st_mode & 0777);
	snprintf(path, sizeof(path), CCMEM_DEBUGFS "/vm-%ld/info", self->vm);
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(0400, st.st_mode & 0777);
}

TEST_F(ctl, stats_json)
{
	char vmarg[16];

	snprintf(vmarg, sizeof(vmarg), "%ld", self->vm);
	ASSERT_EQ(0, CTL(self->out, "stats", vmarg, "--json"));
	ASSERT_TRUE(json_ok(self->out)) TH_LOG("not JSON:\n%s", self->out);
	EXPECT_TRUE(has_num(self->out, "id", self->vm));
	EXPECT_TRUE(has_num(self->out, "private_bytes",
			    SHAPE_MEM - SHAPE_SHARED)) TH_LOG("%s", self->out);
	EXPECT_TRUE(has_num(self->out, "shared_bytes", SHAPE_SHARED));
	EXPECT_TRUE(has_num(self->out, "pinned_pages", SHAPE_PINNED / SZ_4K));
	EXPECT_TRUE(HAS(self->out, "\"counters\": {\"vm\": {"));
	EXPECT_TRUE(HAS(self->out, variant->type == CCMEM_VM_SNP ?
			   "}, \"snp\": {" : "}, \"tdx\": {"));

	/* The text form: a header, then group.name: value. */
	ASSERT_EQ(0, CTL(self->out, "stats", vmarg));
	EXPECT_TRUE(HAS(self->out, "  vm.pinned_pages: 512\n"))
		TH_LOG("%s", self->out);

	ASSERT_EQ(0, CTL(self->out, "stats", "--all", "--json"));
	ASSERT_TRUE(json_ok(self->out)) TH_LOG("not JSON:\n%s", self->out);
	EXPECT_TRUE(!strncmp(self->out, "{\"global\": {\"vms_created\": ", 27))
		TH_LOG("%.80s", self->out);
	ASSERT_TRUE(json_vm(self->out, self->owner, 0, self->obj));
	EXPECT_TRUE(has_num(self->obj, "pinned_pages", 512));
	ASSERT_TRUE(json_vm(self->out, self->owner, 2, self->obj));
	EXPECT_TRUE(HAS(self->obj, "\"guest\": {"));
}

/* Read @fd until @what shows up or @ms pass without any data. */
static bool read_until(int fd, char *buf, size_t *have, const char *what,
		       int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	while (!strstr(buf, what)) {
		if (poll(&p, 1, ms) <= 0)
			return false;
		n = read(fd, buf + *have, OUT_MAX - 1 - *have);
		if (n <= 0)
			return false;
		*have += n;
		buf[*have] = '\0';
	}
	return true;
}

/*
 * ccmemctl events @vm in the background, its output on *@fd and in @out
 * (*@have bytes); its pid once it says it listens, or -1.
 */
static pid_t start_events(long vm, int *fd, char *out, size_t *have)
{
	char arg[16];
	int pfd[2];
	pid_t pid;

	out[0] = '\0';
	*have = 0;
	snprintf(arg, sizeof(arg), "%ld", vm);
	if (pipe(pfd))
		return -1;
	pid = fork();
	if (!pid) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		execl(ctl_path(), ctl_path(), "events", arg, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	*fd = pfd[0];
	if (pid > 0 && !read_until(*fd, out, have, "until interrupted", 30000)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close(*fd);
		return -1;
	}
	return pid;
}

static bool instance_gone(pid_t pid)
{
	char path[96];

	snprintf(path, sizeof(path), "/sys/kernel/tracing/instances/ccmemctl-%d",
		 pid);
	return access(path, F_OK) && errno == ENOENT;
}

TEST_F(ctl, events_until_interrupted)
{
	char want[128];
	size_t have = 0;
	int fd, status;
	pid_t pid;

	/* Bounds, not delays: each wait ends with what it waits for. */
	pid = start_events(self->vm, &fd, self->out, &have);
	ASSERT_LT(0, pid) TH_LOG("%s", self->out);
	EXPECT_FALSE(instance_gone(pid));
	ASSERT_EQ('C', owner_do(self->to_owner, self->from_owner, 'c'));
	snprintf(want, sizeof(want),
		 "convert vm=%ld gpa=0x%llx size=0x%llx to=private ret=0",
		 self->vm, CONV_GPA, CONV_SIZE);
	EXPECT_TRUE(read_until(fd, self->out, &have, want, 30000))
		TH_LOG("%s", self->out);
	snprintf(want, sizeof(want),
		 "convert vm=%ld gpa=0x%llx size=0x%llx to=shared ret=0",
		 self->vm, CONV_GPA, CONV_SIZE);
	EXPECT_TRUE(HAS(self->out, want)) TH_LOG("%s", self->out);
	/* Only this VM's: the guest's VM shows nowhere. */
	snprintf(want, sizeof(want), " vm=%ld ", self->guest);
	EXPECT_FALSE(HAS(self->out, want));

	ASSERT_EQ(0, kill(pid, SIGINT));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("%s", self->out);
	EXPECT_TRUE(instance_gone(pid));
	close(fd);
}

TEST_F(ctl, events_end_with_the_vm)
{
	char want[64];
	size_t have = 0;
	int fd, status;
	pid_t pid;

	pid = start_events(self->vm, &fd, self->out, &have);
	ASSERT_LT(0, pid) TH_LOG("%s", self->out);
	ASSERT_EQ('Q', owner_do(self->to_owner, self->from_owner, 'q'));
	snprintf(want, sizeof(want), "vm-%ld is gone", self->vm);
	EXPECT_TRUE(read_until(fd, self->out, &have, want, 30000))
		TH_LOG("%s", self->out);
	/* The pages went back to the host on the way. */
	snprintf(want, sizeof(want), "reclaim vm=%ld gfn=", self->vm);
	EXPECT_TRUE(HAS(self->out, want)) TH_LOG("%s", self->out);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_TRUE(instance_gone(pid));
	close(fd);
	TH_LOG("ccmemctl events %ld, the start:\n%.700s", self->vm, self->out);

	/* And list no longer shows it. */
	ASSERT_EQ(0, CTL(self->out, "list", "--json"));
	EXPECT_FALSE(json_vm(self->out, self->owner, 0, self->obj));
	EXPECT_TRUE(json_vm(self->out, self->owner, 2, self->obj));
}

/*
 * Files of a VM opened before it is destroyed: reading them afterwards
 * fails cleanly (debugfs cuts them off) and closing them is safe, with a
 * query still held by the map file.
 */
TEST_F(ctl, files_outlive_the_vm)
{
	char path[128], buf[64];
	int map, info, stats;

	snprintf(path, sizeof(path), CCMEM_DEBUGFS "/vm-%ld/map", self->vm);
	map = open(path, O_RDWR);
	snprintf(path, sizeof(path), CCMEM_DEBUGFS "/vm-%ld/info", self->vm);
	info = open(path, O_RDONLY);
	snprintf(path, sizeof(path), CCMEM_DEBUGFS "/vm-%ld/stats", self->vm);
	stats = open(path, O_RDONLY);
	ASSERT_LE(0, map);
	ASSERT_LE(0, info);
	ASSERT_LE(0, stats);
	ASSERT_EQ(20, write(map, "0x1800000 0x10000 12", 20));
	ASSERT_EQ(1, read(map, buf, 1));

	ASSERT_EQ('Q', owner_do(self->to_owner, self->from_owner, 'q'));
	snprintf(path, sizeof(path), CCMEM_DEBUGFS "/vm-%ld", self->vm);
	EXPECT_NE(0, access(path, F_OK));
	errno = 0;
	EXPECT_EQ(-1, read(map, buf, sizeof(buf)));
	EXPECT_EQ(EIO, errno);
	errno = 0;
	EXPECT_EQ(-1, write(map, "0 0x200000 21", 13));
	EXPECT_EQ(EIO, errno);
	errno = 0;
	EXPECT_EQ(-1, read(info, buf, sizeof(buf)));
	EXPECT_EQ(EIO, errno);
	errno = 0;
	EXPECT_EQ(-1, read(stats, buf, sizeof(buf)));
	EXPECT_EQ(EIO, errno);
	EXPECT_EQ(0, close(map));
	EXPECT_EQ(0, close(info));
	EXPECT_EQ(0, close(stats));
}

/* The example of ccmemctl(8): a VM of its own, of the same shape. */
TEST_F(ctl, demo_map)
{
	char line[256];

	ASSERT_EQ(0, CTL(self->out, "demo-map", variant->name))
		TH_LOG("%s", self->out);
	ASSERT_TRUE(find_line(self->out, "  0x00000000  ", line,
			      sizeof(line))) TH_LOG("%s", self->out);
	EXPECT_STREQ("  0x00000000  " SHAPE_MAP, line);
}

TEST_F(ctl, clear_errors)
{
	/* A user who is not root. */
	EXPECT_EQ(1, run_ctl_as(self->out, 65534, false,
				(const char *const[]){ "list", NULL }));
	EXPECT_TRUE(HAS(self->out, "ccmemctl: must be root"))
		TH_LOG("%s", self->out);
	/* No debugfs. */
	EXPECT_EQ(1, run_ctl_as(self->out, 0, true,
				(const char *const[]){ "stats", "--all", NULL }));
	EXPECT_TRUE(HAS(self->out, "debugfs is not mounted"))
		TH_LOG("%s", self->out);
	/* A VM that is not there. */
	EXPECT_EQ(1, CTL(self->out, "map", "999999"));
	EXPECT_TRUE(HAS(self->out, "no live VM 999999"));
	EXPECT_EQ(1, CTL(self->out, "stats", "vm-999999"));
	EXPECT_TRUE(HAS(self->out, "no live VM 999999"));
	EXPECT_EQ(1, CTL(self->out, "events", "999999"));
	EXPECT_TRUE(HAS(self->out, "no live VM 999999"));
	/* Usage. */
	EXPECT_EQ(2, CTL(self->out, "map"));
	EXPECT_EQ(2, CTL(self->out, "map", "vm-x"));
	EXPECT_EQ(2, CTL(self->out, "stats", "1", "--all"));
	EXPECT_EQ(2, CTL(self->out, "list", "--scale", "2M"));
	EXPECT_EQ(2, CTL(self->out, "frobnicate"));
}

/*
 * With ccmem unloaded, ccmemctl says so. Every ccmem module loaded now is
 * unloaded (dependents first) and loaded again afterwards, whatever the
 * outcome; no VM may be live, which holds once the fixtures' owners are
 * gone.
 */
TEST(module_not_loaded)
{
	static const char *const mods[] = {	/* in the order of unloading */
		"ccmem_guest", "ccmem_tdx", "ccmem_snp", "ccmem_bench_xa",
		"ccmem",
	};
	bool was[ARRAY_SIZE(mods)] = { false };
	char path[64], *out = malloc(OUT_MAX);
	int i, n, tries, rc = -1, ret = 0;

	ASSERT_NE(NULL, out);
	if (access(ctl_path(), X_OK))
		SKIP(free(out); return, "no %s (set CCMEMCTL)", ctl_path());
	if (access("/sys/module/ccmem", F_OK))
		SKIP(free(out); return, "ccmem is not loaded");
	for (n = 0; n < (int)ARRAY_SIZE(mods); n++) {
		snprintf(path, sizeof(path), "/sys/module/%s", mods[n]);
		was[n] = !access(path, F_OK);
		ret = was[n] ? ccmem_module_unload(mods[n]) : 0;
		if (ret)
			break;
	}
	if (n == ARRAY_SIZE(mods))
		rc = run_ctl_as(out, 0, false,
				(const char *const[]){ "list", NULL });
	/*
	 * Back as they were: ccmem first. An allocation failure is retried
	 * (check-debug injects them), so that the programs after this one
	 * find the modules.
	 */
	for (i = n - 1; i >= 0; i--) {
		if (!was[i])
			continue;
		for (tries = 0; tries < 1000; tries++) {
			ret = ccmem_module_load(mods[i]);
			if (ret != -ENOMEM)
				break;
		}
		EXPECT_ERRNO(0, ret) TH_LOG("loading %s again", mods[i]);
	}
	ASSERT_EQ(ARRAY_SIZE(mods), n)
		TH_LOG("unloading %s failed", mods[n]);
	EXPECT_EQ(1, rc);
	EXPECT_TRUE(HAS(out, "ccmemctl: ccmem is not loaded"))
		TH_LOG("%s", out);
	free(out);
}

TEST_HARNESS_MAIN
