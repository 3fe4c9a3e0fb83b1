// SPDX-License-Identifier: GPL-2.0
/*
 * hw.c - the TDX "hw" backend on the host.
 *
 * On a real host the kernel owns the TDX module: it initialises it, owns
 * the Secure-EPT of every TD through KVM, and since Linux 6.16 wraps each
 * SEAMCALL (tdh_mem_page_aug(), tdh_mem_range_block(), tdh_mem_track(),
 * tdh_mem_page_remove(), tdh_mem_page_demote()...). Those wrappers are
 * exported to KVM's modules only (EXPORT_SYMBOL_FOR_KVM), and a module
 * may not issue SEAMCALL itself: the module's state belongs to the kernel.
 * So this backend can never run on the 6.12 kernel ccmem builds against,
 * and on a newer one only where the wrappers reach modules. probe() says
 * which reason applies at load time, and backend=auto then picks emu.
 *
 * The raw TDCALL and SEAMCALL encodings (66 0F 01 CC, 66 0F 01 CF) are in
 * tdx_insn.h, for the guest side and for the unit test of their bytes.
 */
#define pr_fmt(fmt) "ccmem_tdx: hw: " fmt

#include <linux/utsname.h>
#include <asm/cpufeature.h>

#include "tdx_platform.h"

static int tdx_hw_probe(void)
{
	if (!boot_cpu_has(X86_FEATURE_TDX_HOST_PLATFORM)) {
		pr_info("CPU/BIOS does not report a TDX host platform (no SEAM range)\n");
		return -ENODEV;
	}
	/*
	 * Before 6.16 the kernel has no tdh_mem_* wrappers at all; from 6.16
	 * they are exported to KVM's modules only. Either way, not to us.
	 */
	pr_info("kernel %s: no TDX SEAMCALL wrappers for modules (tdh_mem_*: Linux 6.16+, KVM only)\n",
		init_utsname()->release);
	return -ENODEV;
}

static int tdx_hw_init(void)
{
	return 0;
}

static void tdx_hw_exit(void)
{
}

/* Never reached: probe() fails everywhere (see above), so no TD is made. */
static struct tdx_td *tdx_hw_td_create(u32 gpaw, u64 attributes)
{
	return NULL;
}

const struct tdx_platform tdx_platform_hw = {
	.name		= "hw",
	.probe		= tdx_hw_probe,
	.init		= tdx_hw_init,
	.exit		= tdx_hw_exit,
	.td_create	= tdx_hw_td_create,
};
