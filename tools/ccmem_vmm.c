// SPDX-License-Identifier: GPL-2.0
/*
 * ccmem_vmm.c - a tiny VMM for emulated guests; see ccmem_vmm.h.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ccmem_map.h"
#include "ccmem_vmm.h"

#define VMM_GHCB_SIZE	((__u64)CCMEM_MAX_VCPUS << 12)

static void *vmm_backing(__u64 size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

int vmm_guest_create(struct vmm_guest *g, __u64 ram_gpa, __u64 ram_size,
		     struct ccmem_guest_config *cfg)
{
	int i, ret;

	memset(g, 0, sizeof(*g));
	g->vm = -1;
	for (i = 0; i < CCMEM_MAX_VCPUS; i++)
		g->vcpu[i] = -1;
	g->ram_gpa = ram_gpa;
	g->ram_size = ram_size;
	g->dev = ccmem_open_dev();
	if (g->dev < 0)
		return g->dev;
	g->vm = ccmem_vm_create(g->dev, CCMEM_VM_SNP, CCMEM_BACKEND_EMU, NULL);
	if (g->vm < 0)
		return g->vm;
	g->ram = vmm_backing(ram_size);
	g->ghcb = vmm_backing(VMM_GHCB_SIZE);
	if (!g->ram || !g->ghcb)
		return -ENOMEM;
	ret = ccmem_vm_add_region(g->vm, ram_gpa, ram_size, g->ram,
				  CCMEM_REGION_F_PRIVATE);
	if (!ret)
		ret = ccmem_vm_add_region(g->vm, VMM_GHCB_GPA, VMM_GHCB_SIZE,
					  g->ghcb, 0);
	if (ret)
		return ret;
	cfg->mem_gpa = ram_gpa;
	cfg->mem_size = ram_size;
	cfg->ghcb_gpa = VMM_GHCB_GPA;
	return ccmem_ioctl(g->vm, CCMEM_VM_GUEST_INIT, cfg);
}

void vmm_guest_destroy(struct vmm_guest *g)
{
	int i;

	for (i = 0; i < CCMEM_MAX_VCPUS; i++)
		if (g->vcpu[i] >= 0)
			close(g->vcpu[i]);
	if (g->vm >= 0)
		close(g->vm);
	if (g->dev >= 0)
		close(g->dev);
	if (g->ram)
		munmap(g->ram, g->ram_size);
	if (g->ghcb)
		munmap(g->ghcb, VMM_GHCB_SIZE);
	memset(g, 0, sizeof(*g));
	g->vm = -1;
	g->dev = -1;
}

int vmm_vcpu(struct vmm_guest *g, __u32 id)
{
	int fd;

	if (id >= CCMEM_MAX_VCPUS)
		return -EINVAL;
	fd = ccmem_ioctl(g->vm, CCMEM_VM_CREATE_VCPU, (void *)(unsigned long)id);
	if (fd < 0)
		return fd;
	g->vcpu[id] = fd;
	return 0;
}

int vmm_program(struct vmm_guest *g, __u32 id,
		const struct ccmem_guest_insn *insns, __u32 nr)
{
	struct ccmem_program p = { .insns = (unsigned long)insns, .nr = nr };

	if (id >= CCMEM_MAX_VCPUS)
		return -EINVAL;
	if (g->vcpu[id] < 0) {
		int ret = vmm_vcpu(g, id);

		if (ret)
			return ret;
	}
	return ccmem_ioctl(g->vcpu[id], CCMEM_VCPU_SET_PROGRAM, &p);
}

int vmm_run(struct vmm_guest *g, __u32 id, struct ccmem_run *run)
{
	__s64 answer = 0;
	int ret;

	for (;;) {
		memset(run, 0, sizeof(*run));
		run->psc.ret = answer;
		ret = ccmem_ioctl(g->vcpu[id], CCMEM_VCPU_RUN, run);
		if (ret || run->exit_reason != CCMEM_EXIT_PSC)
			return ret;
		g->psc_exits++;
		answer = ccmem_vm_set_attr(g->vm, run->psc.gpa, run->psc.size,
					   run->psc.op == CCMEM_PSC_PRIVATE);
	}
}

int vmm_guest_stats(struct vmm_guest *g, struct ccmem_guest_stats *st)
{
	memset(st, 0, sizeof(*st));
	return ccmem_ioctl(g->vm, CCMEM_VM_GUEST_STATS, st);
}

const char *vmm_exit_name(__u32 reason)
{
	static const char *const names[] = {
		[CCMEM_EXIT_DONE] = "done",
		[CCMEM_EXIT_PSC] = "page state change",
		[CCMEM_EXIT_MEMORY_FAULT] = "memory fault",
		[CCMEM_EXIT_SECURITY] = "security event",
		[CCMEM_EXIT_TERMINATED] = "terminated",
		[CCMEM_EXIT_CHECK] = "check failed",
		[CCMEM_EXIT_STEP_ERROR] = "step refused",
	};

	if (reason < ARRAY_SIZE(names) && names[reason])
		return names[reason];
	return "unknown";
}
