// SPDX-License-Identifier: GPL-2.0
/*
 * ccmemctl.c - a small inspection tool for ccmem.
 *
 *   ccmemctl version     the API version of /dev/ccmem and its
 *                        capabilities
 *   ccmemctl stats       the global counters and those of every live VM
 *                        (from /sys/kernel/debug/ccmem)
 *   ccmemctl demo-map    create a tiny VM, shape its memory and print its
 *                        map, as an example of reading a map
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
		"  stats      print %s/stats and every vm-*/stats\n"
		"  demo-map   create a tiny emu VM and print its memory map\n"
		"  --help     this text\n", CCMEM_DEV, CCMEM_DEBUGFS);
}

static int err(const char *what, int ret)
{
	fprintf(stderr, "ccmemctl: %s: %s (%s)\n", what, strerror(-ret),
		ccmem_errno_name(ret));
	return 1;
}

/* "snp tdx" for a CCMEM_CAP_*VM_TYPES answer. */
static const char *vm_types(int bits, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", bits & (1 << CCMEM_VM_SNP) ? "snp " : "",
		 bits & (1 << CCMEM_VM_TDX) ? "tdx " : "",
		 bits & ((1 << CCMEM_VM_SNP) | (1 << CCMEM_VM_TDX)) ? "" : "none");
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
	printf("  VM types: %s(hw: %s; emu: %s)\n",
	       vm_types(ccmem_check_extension(dev, CCMEM_CAP_VM_TYPES), a,
			sizeof(a)),
	       vm_types(ccmem_check_extension(dev, CCMEM_CAP_HW_VM_TYPES), b,
			sizeof(b)),
	       vm_types(ccmem_check_extension(dev, CCMEM_CAP_EMU), c,
			sizeof(c)));
	for (i = 0; i < ARRAY_SIZE(caps); i++) {
		v = ccmem_check_extension(dev, caps[i].cap);
		if (v < 0)
			printf("  %-22s %s\n", caps[i].name, ccmem_errno_name(v));
		else
			printf("  %-22s %d\n", caps[i].name, v);
	}
	close(dev);
	return ver == CCMEM_API_VERSION ? 0 : 1;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strverscmp((*a)->d_name, (*b)->d_name);
}

static int cmd_stats(void)
{
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
			printf("%s:\n", path);
			ret = ccmem_cat(stdout, "  ", path);
			if (ret)	/* the VM may have gone meanwhile */
				printf("  (%s)\n", strerror(-ret));
		}
		free(ents[i]);
	}
	free(ents);
	return 0;
}

/*
 * Two regions with a hole between them; some memory validated, some
 * shared, some pinned, one 2 MiB block mixed.
 */
static int cmd_demo_map(void)
{
	const uint64_t mib = CCMEM_SZ_1M, size = 32 * mib, size2 = 8 * mib;
	struct ccmem_stats_table st = { 0 };
	struct ccmem_vm_create c;
	uint8_t *shared, *shared2;
	int dev, vm, ret;

	dev = ccmem_open_dev();
	if (dev < 0)
		return err("open " CCMEM_DEV, dev);
	vm = ccmem_vm_create(dev, CCMEM_VM_SNP, CCMEM_BACKEND_EMU, 0, &c);
	close(dev);
	if (vm < 0)
		return err("CCMEM_CREATE_VM", vm);

	ret = ccmem_vm_add_backed_region(vm, 0, size, CCMEM_REGION_F_PRIVATE,
					 &shared);
	ret = ret ?: ccmem_vm_add_backed_region(vm, 40 * mib, size2,
						CCMEM_REGION_F_PRIVATE,
						&shared2);
	ret = ret ?: ccmem_vm_populate(vm, 0, 8 * mib, 0, NULL);
	ret = ret ?: ccmem_emu_pvalidate_range(vm, 0, 4 * mib, true, true,
					       NULL);
	ret = ret ?: ccmem_emu_pvalidate_range(vm, 4 * mib, CCMEM_SZ_4K, true,
					       false, NULL);
	ret = ret ?: ccmem_vm_set_attr(vm, 16 * mib, 4 * mib, false);
	ret = ret ?: ccmem_vm_pin(vm, 16 * mib, 2 * mib);
	ret = ret ?: ccmem_vm_set_attr(vm, 24 * mib, CCMEM_SZ_4K, false);
	ret = ret ?: ccmem_stats_snapshot(vm, &st);
	if (ret)
		return err("shaping the demo VM", ret);

	printf("a VM (key id %u) with regions [0, 32 MiB) and [40 MiB, 48 MiB):\n"
	       "  [0, 8 MiB) assigned; [0, 4 MiB) and 4 KiB at 4 MiB accepted;\n"
	       "  [16, 20 MiB) shared, [16, 18 MiB) pinned; 4 KiB at 24 MiB shared\n",
	       c.key_id);
	ret = ccmem_map_print(stdout, "  ", vm, 0, 48 * mib);
	if (ret)
		return err("CCMEM_VM_GET_MAP", ret);
	ccmem_map_legend(stdout, "  ");
	ccmem_stats_print(stdout, "  ", &st, false);
	ccmem_stats_free(&st);
	close(vm);	/* destroys the VM, pins included */
	munmap(shared, size);
	munmap(shared2, size2);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (argc != 2 || !strcmp(cmd, "--help") || !strcmp(cmd, "-h") ||
	    !strcmp(cmd, "help")) {
		print_usage(argc == 2 ? stdout : stderr);
		return argc == 2 ? 0 : 2;
	}
	if (!strcmp(cmd, "version"))
		return cmd_version();
	if (!strcmp(cmd, "stats"))
		return cmd_stats();
	if (!strcmp(cmd, "demo-map"))
		return cmd_demo_map();
	fprintf(stderr, "ccmemctl: unknown command '%s'\n", cmd);
	print_usage(stderr);
	return 2;
}
