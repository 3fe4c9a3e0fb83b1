// SPDX-License-Identifier: GPL-2.0
/*
 * ccmemctl.c - look at ccmem and at every live VM on a host.
 *
 *   ccmemctl version              the API version of /dev/ccmem and its
 *                                 capabilities
 *   ccmemctl list [--json]        every live VM, whoever created it
 *   ccmemctl map VM [--scale S] [--gpa A] [--size S]
 *                                 the memory map of a live VM
 *   ccmemctl stats VM [--json]    one VM's counters
 *   ccmemctl stats [--all] [--json]
 *                                 the global counters and every VM's
 *   ccmemctl events VM            the VM's conversions, faults, security
 *                                 events and reclaims as they happen,
 *                                 until interrupted
 *   ccmemctl demo-map [snp|tdx]   create a tiny VM and print its map
 *
 * VM fds belong to the process that created the VM; everything but
 * version and demo-map reads debugfs (/sys/kernel/debug/ccmem, root only)
 * and, for events, tracefs, so that it sees VMs of any process.
 * Exit status: 0 done, 1 failed, 2 usage. See ccmemctl(8).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "ccmem_map.h"

#define DEBUGFS_ROOT	"/sys/kernel/debug"
#define DEBUGFS_MAGIC_NR	0x64626720	/* linux/magic.h DEBUGFS_MAGIC */
#define TRACEFS_MAGIC_NR	0x74726163	/* linux/magic.h TRACEFS_MAGIC */

static void print_usage(FILE *out)
{
	fprintf(out,
		"usage: ccmemctl COMMAND [ARGS]\n"
		"  version              API version and capabilities of %s\n"
		"  list [--json]        every live VM: type, backend, state, memory,\n"
		"                       private and shared bytes, vCPUs, faults, leaks\n"
		"  map VM [--scale SIZE] [--gpa ADDR] [--size SIZE]\n"
		"                       the VM's memory map, one character per SIZE\n"
		"                       (4K to 1G, default 2M), with the legend\n"
		"  stats VM [--json]    the VM's counters\n"
		"  stats [--all] [--json]\n"
		"                       the global counters and every VM's\n"
		"  events VM            the VM's conversions, faults, security events\n"
		"                       and reclaims as they happen, until interrupted\n"
		"  demo-map [snp|tdx]   create a tiny emu VM of that type (default:\n"
		"                       one of each) and print its memory map\n"
		"  --help               this text\n"
		"VM is an id that list shows (3) or its directory name (vm-3).\n"
		"All but version and demo-map read %s: root only.\n",
		CCMEM_DEV, CCMEM_DEBUGFS);
}

static int err(const char *what, int ret)
{
	fprintf(stderr, "ccmemctl: %s: %s (%s)\n", what, strerror(-ret),
		ccmem_errno_name(ret));
	return 1;
}

static int usage_err(const char *fmt, const char *arg)
{
	fprintf(stderr, "ccmemctl: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n(ccmemctl --help lists the commands)\n");
	return 2;
}

/* "snp tdx" for a CCMEM_CAP_*VM_TYPES answer ("none" for none). */
static const char *vm_types(int bits, char *buf, size_t len)
{
	bool snp = bits > 0 && bits & (1 << CCMEM_VM_SNP);
	bool tdx = bits > 0 && bits & (1 << CCMEM_VM_TDX);

	snprintf(buf, len, "%s", snp && tdx ? "snp tdx" : snp ? "snp" :
		 tdx ? "tdx" : "none");
	return buf;
}

static int cmd_version(void)
{
	static const struct {
		unsigned long cap;
		const char *name;
	} caps[] = {
		{ CCMEM_CAP_MAX_REGIONS, "regions per VM" },
		{ CCMEM_CAP_DELETE_REGION, "region delete" },
		{ CCMEM_CAP_MAX_VCPUS, "vCPUs per VM" },
		{ CCMEM_CAP_MAX_PINS, "pins per VM" },
		{ CCMEM_CAP_FAULT_QUEUE, "fault queue" },
		{ CCMEM_CAP_CONVERT_ERROR_GPA, "conversion error gpa" },
		{ CCMEM_CAP_CONVERT_EXITS, "conversion exits (opt-in)" },
		{ CCMEM_CAP_STATS, "VM counters" },
		{ CCMEM_CAP_EMU_GUEST, "emulated guest" },
	};
	int dev = ccmem_open_dev(), ver, v;
	char a[16], b[16], c[16];
	unsigned int i;

	if (dev < 0)
		return err("open " CCMEM_DEV, dev);
	ver = ccmem_ioctl(dev, CCMEM_GET_API_VERSION, NULL);
	if (ver < 0) {
		close(dev);
		return err("CCMEM_GET_API_VERSION", ver);
	}
	printf("%s: API version %d (ccmemctl built for %d)\n", CCMEM_DEV, ver,
	       CCMEM_API_VERSION);
	printf("  VM types: %s (hw: %s; emu: %s)\n",
	       vm_types(ccmem_check_extension(dev, CCMEM_CAP_VM_TYPES), a,
			sizeof(a)),
	       vm_types(ccmem_check_extension(dev, CCMEM_CAP_HW_VM_TYPES), b,
			sizeof(b)),
	       vm_types(ccmem_check_extension(dev, CCMEM_CAP_EMU), c,
			sizeof(c)));
	for (i = 0; i < ARRAY_SIZE(caps); i++) {
		v = ccmem_check_extension(dev, caps[i].cap);
		if (v < 0)
			printf("  %-26s %s\n", caps[i].name, ccmem_errno_name(v));
		else
			printf("  %-26s %d\n", caps[i].name, v);
	}
	close(dev);
	return ver == CCMEM_API_VERSION ? 0 : 1;
}

/* The VM types ccmemctl knows: debugfs name, display name, key id name. */
static const struct {
	uint32_t type;
	const char *name;
	const char *display;
	const char *key;
} vm_kinds[] = {
	{ CCMEM_VM_SNP, "snp", "SNP", "ASID" },
	{ CCMEM_VM_TDX, "tdx", "TDX", "HKID" },
};

/* Index in vm_kinds[] of the type named @name ("tdx"), or -1. */
static int vm_kind(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vm_kinds); i++)
		if (!strcmp(name, vm_kinds[i].name))
			return i;
	return -1;
}

/* --- the window on every VM: debugfs -------------------------------------- */

/*
 * Can this process read ccmem's debugfs? Says why not (not root, debugfs
 * not mounted, ccmem not loaded) and returns 1, or returns 0.
 */
static int debugfs_ready(void)
{
	struct statfs fs;
	struct stat st;

	if (geteuid()) {
		fprintf(stderr, "ccmemctl: must be root: %s is readable by root only\n",
			CCMEM_DEBUGFS);
		return 1;
	}
	if (statfs(DEBUGFS_ROOT, &fs) || fs.f_type != DEBUGFS_MAGIC_NR) {
		fprintf(stderr, "ccmemctl: debugfs is not mounted on %s ",
			DEBUGFS_ROOT);
		fprintf(stderr, "(mount -t debugfs none %s)\n", DEBUGFS_ROOT);
		return 1;
	}
	if (stat(CCMEM_DEBUGFS, &st) || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "ccmemctl: ccmem is not loaded: no %s (modprobe ccmem)\n",
			CCMEM_DEBUGFS);
		return 1;
	}
	return 0;
}

/* What debugfs vm-<id>/info says of a VM. */
#define VI_STRLEN	32
struct vm_info {
	unsigned int id;
	unsigned long long serial;
	char type[VI_STRLEN], backend[VI_STRLEN], state[VI_STRLEN];
	char comm[VI_STRLEN];
	unsigned int key_id, vcpus, regions;
	int pid;
	unsigned long long memory, priv, shared, pinned, faults, leaked;
	unsigned long long gpa_end;
};

/* "3" or "vm-3": the id, or -1. */
static long parse_vm(const char *arg)
{
	char *end;
	long id;

	if (!strncmp(arg, "vm-", 3))
		arg += 3;
	if (*arg < '0' || *arg > '9')
		return -1;
	errno = 0;
	id = strtol(arg, &end, 10);
	return errno || *end || id <= 0 || id > 0x7fffffff ? -1 : id;
}

/* The keys of vm-<id>/info that ccmemctl reads, and where they go. */
#define VI_NUM(k, f, t) { k, offsetof(struct vm_info, f), sizeof(t), 0 }
#define VI_STR(k, f) { k, offsetof(struct vm_info, f), VI_STRLEN, 1 }
static const struct {
	const char *key;
	size_t off, size;
	bool str;
} info_keys[] = {
	VI_NUM("id", id, unsigned int),
	VI_NUM("serial", serial, unsigned long long),
	VI_STR("type", type),
	VI_STR("backend", backend),
	VI_NUM("key_id", key_id, unsigned int),
	VI_STR("state", state),
	VI_NUM("pid", pid, int),
	VI_STR("comm", comm),
	VI_NUM("memory", memory, unsigned long long),
	VI_NUM("private", priv, unsigned long long),
	VI_NUM("shared", shared, unsigned long long),
	VI_NUM("pinned", pinned, unsigned long long),
	VI_NUM("vcpus", vcpus, unsigned int),
	VI_NUM("faults", faults, unsigned long long),
	VI_NUM("leaked_pages", leaked, unsigned long long),
	VI_NUM("gpa_end", gpa_end, unsigned long long),
	VI_NUM("regions", regions, unsigned int),
};

/* Read vm-<id>/info into @vi; -ENOENT when there is no such VM. */
static int read_info(unsigned int id, struct vm_info *vi)
{
	char path[64], line[256], key[32], val[160];
	unsigned long long v;
	unsigned int seen = 0, k;
	void *dst;
	FILE *f;

	snprintf(path, sizeof(path), "%s/vm-%u/info", CCMEM_DEBUGFS, id);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	memset(vi, 0, sizeof(*vi));
	while (fgets(line, sizeof(line), f)) {
		val[0] = '\0';
		if (sscanf(line, "%31[^:]: %159[^\n]", key, val) < 1)
			continue;
		for (k = 0; k < ARRAY_SIZE(info_keys); k++)
			if (!strcmp(key, info_keys[k].key))
				break;
		if (k == ARRAY_SIZE(info_keys))
			continue;	/* "region:" lines, newer keys */
		seen++;
		dst = (char *)vi + info_keys[k].off;
		if (info_keys[k].str) {
			snprintf(dst, info_keys[k].size, "%s", val);
			continue;
		}
		v = strtoull(val, NULL, 0);
		if (info_keys[k].size == sizeof(unsigned long long))
			*(unsigned long long *)dst = v;
		else if (info_keys[k].size == sizeof(unsigned int))
			*(unsigned int *)dst = v;
	}
	fclose(f);
	return seen ? 0 : -EIO;
}

/*
 * For a command on one VM: can debugfs be read and is VM @id there? Says
 * why not and returns 1, or fills @vi and returns 0.
 */
static int live_vm(unsigned int id, struct vm_info *vi)
{
	if (debugfs_ready())
		return 1;
	if (read_info(id, vi)) {
		fprintf(stderr, "ccmemctl: no live VM %u (ccmemctl list shows them)\n",
			id);
		return 1;
	}
	return 0;
}

/* The ids of the live VMs, ascending; how many, or -errno. */
static int list_ids(unsigned int **ids)
{
	struct dirent **ents;
	unsigned int *out;
	int i, n, nr = 0;
	long id;

	n = scandir(CCMEM_DEBUGFS, &ents, NULL, versionsort);
	if (n < 0)
		return -errno;
	out = calloc(n ? n : 1, sizeof(*out));
	for (i = 0; i < n; i++) {
		if (out && !strncmp(ents[i]->d_name, "vm-", 3)) {
			id = parse_vm(ents[i]->d_name);
			if (id > 0)
				out[nr++] = id;
		}
		free(ents[i]);
	}
	free(ents);
	if (!out)
		return -ENOMEM;
	*ids = out;
	return nr;
}

/* "48.0M": @bytes in a column of 7. */
static const char *human(unsigned long long bytes, char *buf, size_t len)
{
	static const char units[] = "BKMGTP";
	double v = bytes;
	unsigned int u = 0;

	while (v >= 1024 && u + 1 < sizeof(units) - 1) {
		v /= 1024;
		u++;
	}
	if (!u)
		snprintf(buf, len, "%lluB", bytes);
	else
		snprintf(buf, len, "%.1f%c", v, units[u]);
	return buf;
}

/* @s as a JSON string (what the kernel prints needs no more escaping). */
static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

/* The fields of @vi as JSON members, no braces. */
static void json_info(const struct vm_info *vi)
{
	printf("\"id\": %u, \"serial\": %llu, \"type\": ", vi->id, vi->serial);
	json_str(vi->type);
	printf(", \"backend\": ");
	json_str(vi->backend);
	printf(", \"key_id\": %u, \"state\": ", vi->key_id);
	json_str(vi->state);
	printf(", \"pid\": %d, \"comm\": ", vi->pid);
	json_str(vi->comm);
	printf(", \"memory\": %llu, \"private\": %llu, \"shared\": %llu, \"pinned\": %llu",
	       vi->memory, vi->priv, vi->shared, vi->pinned);
	printf(", \"vcpus\": %u, \"faults\": %llu, \"leaked_pages\": %llu, \"regions\": %u",
	       vi->vcpus, vi->faults, vi->leaked, vi->regions);
}

/* A VM's display type ("SNP") and key name ("ASID"). */
static void kind_names(const char *type, const char **display,
		       const char **key)
{
	int kind = vm_kind(type);

	*display = kind < 0 ? type : vm_kinds[kind].display;
	*key = kind < 0 ? "key id" : vm_kinds[kind].key;
}

static int cmd_list(bool json)
{
	unsigned int *ids, nr_kind[ARRAY_SIZE(vm_kinds)] = { 0 }, k;
	char mem[16], priv[16], shared[16];
	const char *disp, *key;
	struct vm_info vi;
	int n, i, shown = 0, kind;

	if (debugfs_ready())
		return 1;
	n = list_ids(&ids);
	if (n < 0)
		return err(CCMEM_DEBUGFS, n);
	if (json)
		printf("{\"vms\": [");
	else
		printf("%4s %-4s %-7s %-5s %7s %7s %7s %5s %6s %6s %7s %s\n",
		       "ID", "TYPE", "BACKEND", "STATE", "MEMORY", "PRIVATE",
		       "SHARED", "VCPUS", "FAULTS", "LEAKED", "PID", "COMMAND");
	for (i = 0; i < n; i++) {
		/* A VM may go between the listing and the read. */
		if (read_info(ids[i], &vi))
			continue;
		kind = vm_kind(vi.type);
		if (kind >= 0)
			nr_kind[kind]++;
		if (json) {
			printf("%s{", shown ? ", " : "");
			json_info(&vi);
			printf("}");
		} else {
			kind_names(vi.type, &disp, &key);
			printf("%4u %-4s %-7s %-5s %7s %7s %7s %5u %6llu %6llu %7d %s\n",
			       vi.id, disp, vi.backend, vi.state,
			       human(vi.memory, mem, sizeof(mem)),
			       human(vi.priv, priv, sizeof(priv)),
			       human(vi.shared, shared, sizeof(shared)),
			       vi.vcpus, vi.faults, vi.leaked, vi.pid, vi.comm);
		}
		shown++;
	}
	free(ids);
	if (json) {
		printf("]}\n");
		return 0;
	}
	printf("%d VM%s:", shown, shown == 1 ? "" : "s");
	for (k = 0; k < ARRAY_SIZE(vm_kinds); k++)
		printf(" %u %s%s", nr_kind[k], vm_kinds[k].display,
		       k + 1 < ARRAY_SIZE(vm_kinds) ? "," : "");
	printf("\n");
	return 0;
}

/* "2M", "4096", "0x1000", "1GiB": *@out bytes; false when malformed. */
static bool parse_size(const char *s, unsigned long long *out)
{
	static const char units[] = "KMG";
	unsigned int shift = 0;
	unsigned long long v;
	const char *u;
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	u = *end ? strchr(units, toupper((unsigned char)*end)) : NULL;
	if (u) {
		shift = 10 * (u - units + 1);
		end += end[1] == 'i' && end[2] == 'B' ? 3 : end[1] == 'B' ? 2 : 1;
	}
	if (errno || *end || v > ~0ULL >> shift)
		return false;
	*out = v << shift;
	return true;
}

/* The header line of a VM: "vm-3: SNP VM on emu, ASID 5, live, ...". */
static void print_vm_header(const struct vm_info *vi)
{
	const char *disp, *key;

	kind_names(vi->type, &disp, &key);
	printf("vm-%u: %s VM on %s, %s %u, %s, created by pid %d (%s)\n",
	       vi->id, disp, vi->backend, key, vi->key_id, vi->state, vi->pid,
	       vi->comm);
}

/* The map bits of @units units from @gpa, through debugfs vm-<id>/map. */
static int read_map(unsigned int id, unsigned long long gpa,
		    unsigned long long size, unsigned int shift, uint8_t *buf,
		    unsigned long long units)
{
	char path[64], q[80];
	unsigned long long got = 0;
	ssize_t n;
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/vm-%u/map", CCMEM_DEBUGFS, id);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = snprintf(q, sizeof(q), "0x%llx 0x%llx %u\n", gpa, size, shift);
	if (write(fd, q, n) != n) {
		ret = -errno;
		goto out;
	}
	while (got < units) {
		n = pread(fd, buf + got, units - got, got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			break;
		}
		got += n;
	}
out:
	close(fd);
	return ret;
}

static int cmd_map(unsigned int id, const char *scale, const char *gpa_s,
		   const char *size_s)
{
	unsigned long long unit = 2ULL << 20, gpa = 0, size, units, end;
	unsigned int shift;
	struct vm_info vi;
	uint8_t *buf;
	char path[64];
	int ret;

	if (scale && (!parse_size(scale, &unit) || (unit & (unit - 1)) ||
		      unit < 4096 || unit > (1ULL << 30)))
		return usage_err("--scale %s: a power of two from 4K to 1G",
				 scale);
	shift = __builtin_ctzll(unit);
	if (gpa_s && !parse_size(gpa_s, &gpa))
		return usage_err("--gpa %s: not an address", gpa_s);
	if (size_s && (!parse_size(size_s, &size) || !size ||
		       size > ~0ULL - gpa))
		return usage_err("--size %s: not a size, or past the end", size_s);
	if (live_vm(id, &vi))
		return 1;
	end = size_s ? gpa + size : vi.gpa_end;
	gpa &= ~(unit - 1);
	end = (end + unit - 1) & ~(unit - 1);
	print_vm_header(&vi);
	if (end <= gpa) {
		printf("  no memory in the range (regions end at 0x%llx)\n",
		       vi.gpa_end);
		return 0;
	}
	units = (end - gpa) >> shift;
	if (units > (1U << 20)) {
		fprintf(stderr, "ccmemctl: map: %llu units of %s are more than %u: ",
			units, scale ? scale : "2M", 1U << 20);
		fprintf(stderr, "choose a larger --scale or a smaller --size\n");
		return 1;
	}
	buf = malloc(units);
	if (!buf)
		return err("map", -ENOMEM);
	ret = read_map(id, gpa, end - gpa, shift, buf, units);
	if (ret) {
		free(buf);
		snprintf(path, sizeof(path), "%s/vm-%u/map", CCMEM_DEBUGFS, id);
		return err(path, ret);
	}
	printf("  memory %llu bytes: private %llu, shared %llu, pinned %llu\n",
	       vi.memory, vi.priv, vi.shared, vi.pinned);
	ccmem_map_render(stdout, "  ", gpa, shift, buf, units);
	ccmem_map_legend_shift(stdout, "  ", shift);
	free(buf);
	return 0;
}

/* --- counters ------------------------------------------------------------- */

/*
 * The counters of a debugfs stats file ("group.name: value" lines; the
 * global file has no groups), as text or as JSON members of @json_key.
 * Lines that are not counters (the header of a VM's file) are skipped.
 */
static int print_counters(const char *path, bool json, const char *json_key)
{
	char line[256], name[128], group[128] = "", *dot;
	unsigned long long v;
	bool first = true, grouped = false;
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	if (json)
		printf("\"%s\": {", json_key);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%127[^:]: %llu", name, &v) != 2 ||
		    !strcmp(name, "key_id"))
			continue;
		if (!json) {
			printf("  %s: %llu\n", name, v);
			continue;
		}
		dot = strchr(name, '.');
		if (dot) {
			*dot = '\0';
			if (!grouped || strcmp(group, name)) {
				printf("%s\"%s\": {", grouped ? "}, " :
				       first ? "" : ", ", name);
				snprintf(group, sizeof(group), "%s", name);
				grouped = true;
				first = true;
			}
			printf("%s\"%s\": %llu", first ? "" : ", ", dot + 1, v);
		} else {
			printf("%s\"%s\": %llu", first ? "" : ", ", name, v);
		}
		first = false;
	}
	fclose(f);
	if (json)
		printf("%s}", grouped ? "}" : "");
	return 0;
}

/* The counters of the VM @vi describes. */
static void vm_stats(const struct vm_info *vi, bool json)
{
	char path[64];

	snprintf(path, sizeof(path), "%s/vm-%u/stats", CCMEM_DEBUGFS, vi->id);
	if (json) {
		printf("{");
		json_info(vi);
		printf(", ");
	} else {
		print_vm_header(vi);
	}
	/* Gone since its info was read: shown without counters. */
	if (print_counters(path, json, "counters"))
		printf(json ? "\"counters\": null" : "  (gone)\n");
	if (json)
		printf("}");
}

static int cmd_stats(long id, bool json)
{
	struct vm_info vi;
	unsigned int *ids;
	int i, n, ret, shown = 0;

	if (id > 0) {
		if (live_vm(id, &vi))
			return 1;
		vm_stats(&vi, json);
		if (json)
			printf("\n");
		return 0;
	}
	if (debugfs_ready())
		return 1;
	if (json)
		printf("{");
	else
		printf("%s/stats:\n", CCMEM_DEBUGFS);
	ret = print_counters(CCMEM_DEBUGFS "/stats", json, "global");
	if (ret)
		return err(CCMEM_DEBUGFS "/stats", ret);
	n = list_ids(&ids);
	if (n < 0)
		return err(CCMEM_DEBUGFS, n);
	if (json)
		printf(", \"vms\": [");
	for (i = 0; i < n; i++) {
		/* A VM may go between the listing and the read. */
		if (read_info(ids[i], &vi))
			continue;
		if (json && shown)
			printf(", ");
		vm_stats(&vi, json);
		shown++;
	}
	free(ids);
	if (json)
		printf("]}\n");
	else
		printf("%d VM%s shown\n", shown, shown == 1 ? "" : "s");
	return 0;
}

/* --- events: the tracepoints of one VM ------------------------------------ */

/*
 * The events shown, with the filter each gets ("vm == N" and, for the
 * exits, only those that are security events or terminations). Events of
 * a module that is not loaded are left out.
 */
static const struct {
	const char *event;	/* under events/ */
	const char *extra;	/* ANDed to "vm == N", or NULL */
} trace_events[] = {
	{ "ccmem/ccmem_convert", NULL },
	{ "ccmem/ccmem_fault", NULL },
	{ "ccmem/ccmem_reclaim", NULL },
	{ "ccmem/ccmem_leak", NULL },
	{ "ccmem/ccmem_vcpu_exit", "(reason == 3 || reason == 4)" },
	{ "ccmem_guest/ccmem_guest_security", NULL },
	{ "ccmem_guest/ccmem_guest_convert", NULL },
	{ "ccmem_guest/ccmem_guest_vio_broken", NULL },
};

static int stop_events;	/* set by the handler of SIGINT and SIGTERM */

static void on_signal(int sig)
{
	(void)sig;
	__atomic_store_n(&stop_events, 1, __ATOMIC_RELAXED);
}

/* The tracefs mount: /sys/kernel/tracing, or debugfs's tracing/. */
static const char *tracefs_root(void)
{
	static const char * const roots[] = {
		"/sys/kernel/tracing", DEBUGFS_ROOT "/tracing",
	};
	struct statfs fs;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(roots); i++)
		if (!statfs(roots[i], &fs) && fs.f_type == TRACEFS_MAGIC_NR)
			return roots[i];
	return NULL;
}

/*
 * One line of trace_pipe, "  comm-pid  [cpu] flags  ts: event: fields",
 * printed as "ts event fields (comm-pid)" without the "ccmem_" prefixes.
 */
static void print_event(const char *line)
{
	const char *ts_end = strstr(line, ": "), *ev, *ev_end, *p;
	const char *task = line + strspn(line, " ");
	size_t task_len = strcspn(task, "[");

	if (!ts_end) {
		printf("%s\n", line);
		return;
	}
	/* The timestamp is the last word before ": ". */
	for (p = ts_end; p > line && p[-1] != ' '; p--)
		;
	ev = ts_end + 2;
	ev_end = strstr(ev, ": ");
	if (!ev_end) {
		printf("%s\n", line);
		return;
	}
	while (task_len && task[task_len - 1] == ' ')
		task_len--;
	if (!strncmp(ev, "ccmem_", 6))
		ev += 6;
	printf("%.*s %.*s %s (%.*s)\n", (int)(ts_end - p), p,
	       (int)(ev_end - ev), ev, ev_end + 2, (int)task_len, task);
}

/* Is VM @id with serial @serial still there? */
static bool vm_alive(unsigned int id, unsigned long long serial)
{
	struct vm_info vi;

	return !read_info(id, &vi) && vi.serial == serial;
}

/* Read trace_pipe of @inst until a signal or the VM's end; 0 or -errno. */
static int pump_events(const char *inst, unsigned int id,
		       unsigned long long serial)
{
	char path[512], buf[8192], *nl, *start;
	size_t have = 0;
	struct pollfd p;
	bool gone = false;
	ssize_t n;
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/trace_pipe", inst);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	p.fd = fd;
	p.events = POLLIN;
	while (!__atomic_load_n(&stop_events, __ATOMIC_RELAXED)) {
		n = poll(&p, 1, 250);
		if (n < 0 && errno != EINTR) {
			ret = -errno;
			break;
		}
		if (n <= 0) {
			/*
			 * Gone: what it did on the way out (its reclaims) is
			 * shown until the buffer has been quiet once more.
			 */
			if (gone)
				break;
			gone = !vm_alive(id, serial);
			continue;
		}
		n = read(fd, buf + have, sizeof(buf) - 1 - have);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		have += n;
		buf[have] = '\0';
		for (start = buf; (nl = strchr(start, '\n')); start = nl + 1) {
			*nl = '\0';
			print_event(start);
		}
		have -= start - buf;
		memmove(buf, start, have);
		if (have == sizeof(buf) - 1)	/* a line longer than buf */
			have = 0;
		fflush(stdout);
	}
	close(fd);
	if (gone)
		printf("vm-%u is gone\n", id);
	return ret;
}

static int cmd_events(unsigned int id)
{
	char inst[256], filter[128], dir[512], file[528];
	const char *root;
	struct sigaction sa = { .sa_handler = on_signal };
	struct vm_info vi;
	unsigned int i, on = 0;
	int ret;

	if (live_vm(id, &vi))
		return 1;
	root = tracefs_root();
	if (!root) {
		fprintf(stderr, "ccmemctl: tracefs is not mounted (%s)\n",
			"mount -t tracefs none /sys/kernel/tracing");
		return 1;
	}
	/* A private instance: other users of the trace buffer are not touched. */
	snprintf(inst, sizeof(inst), "%s/instances/ccmemctl-%d", root,
		 (int)getpid());
	if (mkdir(inst, 0700))
		return err(inst, -errno);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	for (i = 0; i < ARRAY_SIZE(trace_events); i++) {
		snprintf(dir, sizeof(dir), "%s/events/%s", inst,
			 trace_events[i].event);
		if (access(dir, F_OK))
			continue;	/* its module is not loaded */
		snprintf(filter, sizeof(filter), "vm == %u%s%s", id,
			 trace_events[i].extra ? " && " : "",
			 trace_events[i].extra ? trace_events[i].extra : "");
		snprintf(file, sizeof(file), "%s/filter", dir);
		ret = ccmem_write_file(file, filter);
		snprintf(file, sizeof(file), "%s/enable", dir);
		ret = ret ?: ccmem_write_file(file, "1");
		if (ret) {
			err(dir, ret);
			goto out;
		}
		on++;
	}
	if (!on) {
		fprintf(stderr, "ccmemctl: no ccmem tracepoints under %s/events\n",
			inst);
		ret = -ENOENT;
		goto out;
	}
	print_vm_header(&vi);
	printf("  %u events on; until interrupted (Ctrl-C)\n", on);
	fflush(stdout);
	ret = pump_events(inst, id, vi.serial);
	if (ret)
		err("trace_pipe", ret);
out:
	/* Disabling is implied: the instance and its events go with it. */
	if (rmdir(inst))
		fprintf(stderr, "ccmemctl: could not remove %s: %s\n", inst,
			strerror(errno));
	return ret ? 1 : 0;
}

/*
 * Two regions with a hole between them; some memory accepted, some
 * shared, some pinned, one 2 MiB block mixed. The same shape on SNP and
 * on TDX.
 */
static int demo_map(int kind)
{
	const uint64_t mib = CCMEM_SZ_1M, size = 32 * mib, size2 = 8 * mib;
	struct ccmem_stats_table st = { 0 };
	uint32_t type = vm_kinds[kind].type;
	struct ccmem_vm_create c = {
		.type = type,
		.backend = CCMEM_BACKEND_EMU,
	};
	uint8_t *shared = NULL, *shared2 = NULL;
	int dev, vm, ret;

	dev = ccmem_open_dev();
	if (dev < 0)
		return err("open " CCMEM_DEV, dev);
	vm = ccmem_vm_create_args(dev, &c);
	close(dev);
	if (vm < 0)
		return err(type == CCMEM_VM_TDX ?
			   "CCMEM_CREATE_VM (TDX; is ccmem_tdx.ko loaded?)" :
			   "CCMEM_CREATE_VM (SNP; is ccmem_snp.ko loaded?)", vm);

	ret = ccmem_vm_shape_demo(vm, type, &shared, &shared2);
	ret = ret ?: ccmem_stats_snapshot(vm, &st);
	if (ret) {
		err("shaping the demo VM", ret);
		goto out;
	}

	printf("%s VM (%s %u), regions [0, 32 MiB) and [40 MiB, 48 MiB):\n"
	       "  [0, 8 MiB) assigned; [0, 4 MiB) and 4 KiB at 4 MiB accepted (%s);\n"
	       "  [16, 20 MiB) shared, [16, 18 MiB) pinned; 4 KiB at 24 MiB shared\n",
	       vm_kinds[kind].display, vm_kinds[kind].key, c.key_id,
	       type == CCMEM_VM_TDX ? "TDG.MEM.PAGE.ACCEPT" : "PVALIDATE");
	ret = ccmem_map_print(stdout, "  ", vm, 0, 48 * mib);
	if (ret) {
		err("CCMEM_VM_GET_MAP", ret);
		goto out;
	}
	ccmem_map_legend(stdout, "  ");
	ccmem_stats_print(stdout, "  ", &st, false);
out:
	ccmem_stats_free(&st);
	close(vm);	/* destroys the VM, pins included */
	if (shared)
		munmap(shared, size);
	if (shared2)
		munmap(shared2, size2);
	return ret ? 1 : 0;
}

/* demo-map [snp|tdx]: that type, or one VM of each type in turn. */
static int cmd_demo_map(const char *type)
{
	unsigned int i;
	int kind, ret = 0;

	if (type) {
		kind = vm_kind(type);
		if (kind < 0) {
			fprintf(stderr, "ccmemctl: demo-map: unknown VM type '%s' (snp or tdx)\n",
				type);
			return 2;
		}
		return demo_map(kind);
	}
	for (i = 0; i < ARRAY_SIZE(vm_kinds) && !ret; i++) {
		if (i)
			printf("\n");
		ret = demo_map(i);
	}
	return ret;
}

/* The VM argument of a command; prints why and returns -1 when bad. */
static long vm_arg(const char *cmd, const char *arg)
{
	long id = arg ? parse_vm(arg) : -1;

	if (id < 0)
		usage_err("%s: VM must be an id (3) or vm-3", cmd);
	return id;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;
	const char *scale = NULL, *gpa = NULL, *size = NULL, *vm = NULL;
	bool json = false, all = false;
	long id;
	int i;

	if (!cmd)
		return usage_err("%s", "no command");
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") ||
	    !strcmp(cmd, "help")) {
		print_usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "demo-map") && argc <= 3)
		return cmd_demo_map(argc == 3 ? argv[2] : NULL);
	if (!strcmp(cmd, "version") && argc == 2)
		return cmd_version();

	for (i = 2; i < argc; i++) {
		const char *a = argv[i];
		const char **val = !strcmp(a, "--scale") ? &scale :
				   !strcmp(a, "--gpa") ? &gpa :
				   !strcmp(a, "--size") ? &size : NULL;

		if (val) {
			if (strcmp(cmd, "map") || i + 1 == argc)
				return usage_err("%s: takes a value, with map only", a);
			*val = argv[++i];
		} else if (!strcmp(a, "--json")) {
			json = true;
		} else if (!strcmp(a, "--all")) {
			all = true;
		} else if (a[0] != '-' && !vm) {
			vm = a;
		} else {
			return usage_err("unexpected argument '%s'", a);
		}
	}
	if ((json && strcmp(cmd, "list") && strcmp(cmd, "stats")) ||
	    (all && strcmp(cmd, "stats")))
		return usage_err("%s: --json is for list and stats, --all for stats",
				 cmd);

	if (!strcmp(cmd, "list")) {
		if (vm)
			return usage_err("list: unexpected argument '%s'", vm);
		return cmd_list(json);
	}
	if (!strcmp(cmd, "stats")) {
		if (vm && all)
			return usage_err("stats: a VM or --all, not both (%s)",
					 vm);
		id = vm ? vm_arg(cmd, vm) : 0;
		return id < 0 ? 2 : cmd_stats(id, json);
	}
	if (!strcmp(cmd, "map")) {
		id = vm_arg(cmd, vm);
		return id < 0 ? 2 : cmd_map(id, scale, gpa, size);
	}
	if (!strcmp(cmd, "events")) {
		id = vm_arg(cmd, vm);
		return id < 0 ? 2 : cmd_events(id);
	}
	return usage_err("unknown command '%s'", cmd);
}
