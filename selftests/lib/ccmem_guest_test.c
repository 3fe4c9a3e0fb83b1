// SPDX-License-Identifier: GPL-2.0
/*
 * ccmem_guest_test.c - helpers for emulated-guest selftests; see
 * ccmem_guest_test.h.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ccmem_guest_test.h"

struct ccmem_guest_config tguest_config(uint32_t policy, uint64_t mem_size)
{
	return (struct ccmem_guest_config){
		.policy = policy,
		.mem_gpa = TGPA,
		.mem_size = mem_size,
		.ghcb_gpa = TGHCB,
	};
}

int tguest_init(struct tguest *g, struct ccmem_guest_config *cfg)
{
	return ccmem_ioctl(g->t.fd, CCMEM_VM_GUEST_INIT, cfg);
}

int tguest_create_cfg(struct tguest *g, struct ccmem_guest_config *cfg)
{
	uint32_t i;
	int ret;

	memset(g, 0, sizeof(*g));
	for (i = 0; i < CCMEM_MAX_VCPUS; i++)
		g->vcpu[i] = -1;
	ret = tvm_create(&g->t, 0);
	if (ret)
		return ret;
	ret = tvm_add_region(&g->t, TGPA, cfg->mem_size, CCMEM_REGION_F_PRIVATE);
	if (ret)
		return ret;
	g->ghcb = map_backing(TGHCB_SIZE);
	if (!g->ghcb)
		return -ENOMEM;
	ret = tvm_region(g->t.fd, TGHCB, TGHCB_SIZE, g->ghcb, 0);
	if (ret)
		return ret;
	return tguest_init(g, cfg);
}

int tguest_create(struct tguest *g, uint32_t policy, uint64_t mem_size)
{
	struct ccmem_guest_config cfg = tguest_config(policy, mem_size);

	return tguest_create_cfg(g, &cfg);
}

void tguest_destroy(struct tguest *g)
{
	uint32_t i;

	for (i = 0; i < CCMEM_MAX_VCPUS; i++) {
		if (g->vcpu[i] >= 0)
			close(g->vcpu[i]);
		g->vcpu[i] = -1;
	}
	tvm_destroy(&g->t);
	if (g->ghcb)
		munmap(g->ghcb, TGHCB_SIZE);
	g->ghcb = NULL;
}

int tguest_add_vcpu(struct tguest *g, uint32_t id)
{
	int fd = ccmem_ioctl(g->t.fd, CCMEM_VM_CREATE_VCPU,
			     (void *)(uintptr_t)id);

	if (fd >= 0 && id < CCMEM_MAX_VCPUS)
		g->vcpu[id] = fd;
	return fd < 0 ? fd : 0;
}

int tguest_stats(struct tguest *g, struct ccmem_guest_stats *st)
{
	memset(st, 0, sizeof(*st));
	return ccmem_ioctl(g->t.fd, CCMEM_VM_GUEST_STATS, st);
}

int tvcpu_program(int vcpu, const struct ccmem_guest_insn *insns, uint32_t nr)
{
	struct ccmem_program p = {
		.insns = (uintptr_t)insns,
		.nr = nr,
	};

	return ccmem_ioctl(vcpu, CCMEM_VCPU_SET_PROGRAM, &p);
}

int tvcpu_run(int vcpu, struct ccmem_run *run)
{
	int64_t ans = run->psc.ret;

	memset(run, 0, sizeof(*run));
	run->psc.ret = ans;
	return ccmem_ioctl(vcpu, CCMEM_VCPU_RUN, run);
}

/* Serve one PSC exit as a VMM would; the answer goes in run->psc.ret. */
static void tguest_serve_psc(struct tguest *g, struct ccmem_run *run)
{
	uint32_t n = g->nr_psc++;

	if (n < TGUEST_MAX_PSC)
		g->psc[n] = (struct tpsc){ run->psc.gpa, run->psc.size,
					   run->psc.op, run->psc.form };
	if (g->on_psc)
		g->on_psc(g, run);
	if (g->refuse_psc) {
		run->psc.ret = g->refuse_psc;
		return;
	}
	run->psc.ret = tvm_set_attr(&g->t, run->psc.gpa, run->psc.size,
				    run->psc.op == CCMEM_PSC_PRIVATE);
}

int tguest_run(struct tguest *g, uint32_t id, struct ccmem_run *run)
{
	int ret;

	run->psc.ret = 0;
	for (;;) {
		ret = tvcpu_run(g->vcpu[id], run);
		if (ret)
			return ret;
		if (run->exit_reason != CCMEM_EXIT_PSC)
			return 0;
		tguest_serve_psc(g, run);
	}
}

int tguest_exec(struct tguest *g, uint32_t id,
		const struct ccmem_guest_insn *insns, uint32_t nr,
		struct ccmem_run *run)
{
	int ret;

	if (g->vcpu[id] < 0) {
		ret = tguest_add_vcpu(g, id);
		if (ret)
			return ret;
	}
	ret = tvcpu_program(g->vcpu[id], insns, nr);
	return ret ? ret : tguest_run(g, id, run);
}
