// SPDX-License-Identifier: GPL-2.0
/*
 * ccmemctl.c - a small inspection tool for ccmem.
 *
 *   ccmemctl version     the API version of /dev/ccmem and its
 *                        capabilities
 *   ccmemctl stats       the global counters and those of every live VM,
 *                        SNP or TDX, each headed by its type, backend, key
 *                        id (SNP: ASID; TDX: HKID) and state (from
 *                        /sys/kernel/debug/ccmem)
 *   ccmemctl demo-map [snp|tdx]
 *                        create a tiny VM of that type (default: one of
 *                        each), shape its memory and print its map, as an
 *                        example of reading a map
 *
 * VM fds belong to the process that created the VM, so a separate tool
 * cannot show another process's map; debugfs is the window on every VM.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ccmem_map.h"

static void print_usage(FILE *out)
{
	fprintf(out,
		"usage: ccmemctl COMMAND\n"
		"  version    print the API version and capabilities of %s\n"
		"  stats      print %s/stats and every vm-*/stats (SNP and TDX)\n"
		"  demo-map [snp|tdx]\n"
		"             create a tiny emu VM of that type (default: an SNP\n"
		"             one, then a TDX one) and print its memory map\n"
		"  --help     this text\n", CCMEM_DEV, CCMEM_DEBUGFS);
}

static int err(const char *what, int ret)
{
	fprintf(stderr, "ccmemctl: %s: %s (%s)\n", what, strerror(-ret),
		ccmem_errno_name(ret));
	return 1;
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

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strverscmp((*a)->d_name, (*b)->d_name);
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

/* The value of a "key: value" line of a vm-* stats file, or NULL. */
static const char *header_value(const char *line, const char *key)
{
	size_t n = strlen(key);

	return strncmp(line, key, n) || line[n] != ':' ? NULL :
	       line + n + 1 + strspn(line + n + 1, " ");
}

/*
 * One VM's debugfs stats file: a line naming the VM (type, backend, key
 * id under its platform's name, state), then its counters, every group
 * ("vm", "snp" or "tdx", "guest"). Counts the VM under its type in
 * @nr_kind, or in @nr_other. Returns 0 or -errno (the VM may have gone
 * meanwhile).
 */
static int print_vm_stats(const char *path, unsigned int *nr_kind,
			  unsigned int *nr_other)
{
	static const char * const keys[] = { "type", "backend", "key_id",
					     "state" };
	char line[256], hdr[ARRAY_SIZE(keys)][24];
	const char *v = NULL;
	char *counters = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "r"), *body;
	unsigned int k;
	int kind;

	if (!f)
		return -errno;
	body = open_memstream(&counters, &len);
	if (!body) {
		fclose(f);
		return -ENOMEM;
	}
	for (k = 0; k < ARRAY_SIZE(keys); k++)
		snprintf(hdr[k], sizeof(hdr[k]), "?");
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		for (k = 0; k < ARRAY_SIZE(keys); k++) {
			v = header_value(line, keys[k]);
			if (v)
				break;
		}
		if (k < ARRAY_SIZE(keys))
			snprintf(hdr[k], sizeof(hdr[k]), "%s", v);
		else
			fprintf(body, "  %s\n", line);
	}
	fclose(f);
	fclose(body);

	/* hdr[]: type, backend, key_id, state. */
	kind = vm_kind(hdr[0]);
	if (kind < 0) {
		(*nr_other)++;
		printf("%s: %s VM on %s, key id %s, %s\n", path, hdr[0], hdr[1],
		       hdr[2], hdr[3]);
	} else {
		nr_kind[kind]++;
		printf("%s: %s VM on %s, %s %s, %s\n", path,
		       vm_kinds[kind].display, hdr[1], vm_kinds[kind].key,
		       hdr[2], hdr[3]);
	}
	fputs(counters, stdout);
	free(counters);
	return 0;
}

static int cmd_stats(void)
{
	unsigned int nr_kind[ARRAY_SIZE(vm_kinds)] = { 0 }, nr_other = 0, k;
	struct dirent **ents;
	char path[300];
	int i, n, ret;

	printf("%s/stats:\n", CCMEM_DEBUGFS);
	ret = ccmem_cat(stdout, "  ", CCMEM_DEBUGFS "/stats");
	if (ret)
		return err(CCMEM_DEBUGFS "/stats (is debugfs mounted and ccmem loaded?)",
			   ret);
	n = scandir(CCMEM_DEBUGFS, &ents, NULL, by_name);
	if (n < 0)
		return err(CCMEM_DEBUGFS, -errno);
	for (i = 0; i < n; i++) {
		if (!strncmp(ents[i]->d_name, "vm-", 3)) {
			snprintf(path, sizeof(path), "%s/%s/stats",
				 CCMEM_DEBUGFS, ents[i]->d_name);
			ret = print_vm_stats(path, nr_kind, &nr_other);
			if (ret)	/* the VM may have gone meanwhile */
				printf("%s: (%s)\n", path, strerror(-ret));
		}
		free(ents[i]);
	}
	free(ents);
	printf("VMs shown:");
	for (k = 0; k < ARRAY_SIZE(vm_kinds); k++)
		printf(" %u %s%s", nr_kind[k], vm_kinds[k].display,
		       k + 1 < ARRAY_SIZE(vm_kinds) || nr_other ? "," : "");
	if (nr_other)
		printf(" %u of another type", nr_other);
	printf("\n");
	return 0;
}

/*
 * Accept [@gpa, @gpa + @size) as the guest would: SNP with PVALIDATE, TDX
 * with TDG.MEM.PAGE.ACCEPT (the host AUGs, or DEMOTEs a 2 MiB page for a
 * 4 KiB accept, when the accept exits to it). 2 MiB pages when @huge.
 */
static int guest_accept(int vm, uint32_t type, uint64_t gpa, uint64_t size,
			bool huge)
{
	uint64_t step = huge ? CCMEM_SZ_2M : CCMEM_SZ_4K, end = gpa + size;
	struct ccmem_emu_insn in;
	int ret;

	if (type == CCMEM_VM_SNP)
		return ccmem_emu_pvalidate_range(vm, gpa, size, true, huge,
						 NULL);
	for (; gpa < end; gpa += step) {
		ret = ccmem_emu_tdx_accept(vm, gpa, huge, &in);
		if (ret)
			return ret;
		/* TDX_SUCCESS is 0; anything else is a status or an exit. */
		if (in.result != CCMEM_EMU_R_DONE || in.rax_out)
			return -EPROTO;
	}
	return 0;
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

	ret = ccmem_vm_add_backed_region(vm, 0, size, CCMEM_REGION_F_PRIVATE,
					 &shared);
	ret = ret ?: ccmem_vm_add_backed_region(vm, 40 * mib, size2,
						CCMEM_REGION_F_PRIVATE,
						&shared2);
	ret = ret ?: ccmem_vm_populate(vm, 0, 8 * mib, 0, NULL);
	ret = ret ?: guest_accept(vm, type, 0, 4 * mib, true);
	ret = ret ?: guest_accept(vm, type, 4 * mib, CCMEM_SZ_4K, false);
	ret = ret ?: ccmem_vm_set_attr(vm, 16 * mib, 4 * mib, false);
	ret = ret ?: ccmem_vm_pin(vm, 16 * mib, 2 * mib);
	ret = ret ?: ccmem_vm_set_attr(vm, 24 * mib, CCMEM_SZ_4K, false);
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

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (cmd && !strcmp(cmd, "demo-map") && argc <= 3)
		return cmd_demo_map(argc == 3 ? argv[2] : NULL);
	if (argc != 2 || !strcmp(cmd, "--help") || !strcmp(cmd, "-h") ||
	    !strcmp(cmd, "help")) {
		print_usage(argc == 2 ? stdout : stderr);
		return argc == 2 ? 0 : 2;
	}
	if (!strcmp(cmd, "version"))
		return cmd_version();
	if (!strcmp(cmd, "stats"))
		return cmd_stats();
	fprintf(stderr, "ccmemctl: unknown command '%s'\n", cmd);
	print_usage(stderr);
	return 2;
}
