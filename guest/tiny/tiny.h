/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tiny.h - the tiny guest kernel: a freestanding x86-64 guest that boots
 * with PVH under QEMU and runs the portable guest core (guest/ga.h) with
 * the real guest instructions (PVALIDATE, RMPADJUST, VMGEXIT, TDCALL).
 *
 * Files:
 *   head.S	PVH entry, boot page tables, long mode, the faulting copy
 *   entry.S	exception stubs
 *   cpu.c	GDT/TSS/IDT, the page tables, the trap handler
 *   plat.c	platform detection, the core's environment ops, termination
 *   main.c	start info, command line, memory map, the core, the policy
 *   lib.c	string functions, printf, the serial console
 *   ktap.c	the KTAP harness and the test list
 *   test_*.c	the test cases; attack.c the attack cases
 *
 * One vCPU, interrupts off. Memory: VA = PA for private accesses (SNP:
 * C-bit set; TDX: shared bit clear), VA = PA + TINY_SHARED_BASE for shared
 * ones, both over the low 4 GiB.
 */
#ifndef CCMEM_TINY_H
#define CCMEM_TINY_H

#include <stdarg.h>

#include "../ga.h"
#include "tiny_asm.h"

/*
 * The kernel's __printf(), __noreturn and __aligned() come from the build
 * (tiny.mk), where the kernel has them from compiler_attributes.h.
 */
#if !defined(__printf) || !defined(__noreturn) || !defined(__aligned)
#error "build with guest/tiny/tiny.mk: it defines the compiler attributes"
#endif
#define fallthrough		__attribute__((__fallthrough__))

/* As the kernel's: one untorn access the compiler neither drops nor merges. */
#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

#define TINY_PAGE		CCMEM_PAGE_SIZE
#define TINY_2M			CCMEM_2M_SIZE
#define TINY_UNIT_SHIFT		CCMEM_2M_SHIFT
#define TINY_MAX_UNITS		(TINY_MAP_LIMIT >> TINY_UNIT_SHIFT)

static inline u64 align_down(u64 x, u64 a)
{
	return x & ~(a - 1);
}

static inline u64 align_up(u64 x, u64 a)
{
	return align_down(x + a - 1, a);
}

static inline u64 min_u64(u64 a, u64 b)
{
	return a < b ? a : b;
}

static inline u64 max_u64(u64 a, u64 b)
{
	return a > b ? a : b;
}

/* ---- the CPU ----------------------------------------------------------- */

/* The frame entry.S builds (lowest address first). */
struct tiny_regs {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error_code;
	u64 rip, cs, rflags, rsp, ss;
};

#define X86_TRAP_DE		0
#define X86_TRAP_UD		6
#define X86_TRAP_DF		8
#define X86_TRAP_GP		13
#define X86_TRAP_PF		14
#define X86_TRAP_VE		20
#define X86_TRAP_VC		29

#define X86_PF_PRESENT		0x1

/* #VC error code (SVM exit code) of a private access to a page not validated. */
#define SVM_EXIT_NPF		0x400

static inline void tiny_outb(u16 port, u8 v)
{
	asm volatile("outb %0, %1" : : "a" (v), "Nd" (port));
}

static inline u8 tiny_inb(u16 port)
{
	u8 v;

	asm volatile("inb %1, %0" : "=a" (v) : "Nd" (port));
	return v;
}

static inline u64 tiny_rdmsr(u32 msr)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a" (lo), "=d" (hi) : "c" (msr));
	return ((u64)hi << 32) | lo;
}

static inline void tiny_wrmsr(u32 msr, u64 v)
{
	asm volatile("wrmsr" : : "c" (msr), "a" ((u32)v), "d" ((u32)(v >> 32))
		     : "memory");
}

static inline void tiny_cpuid(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c,
			      u32 *d)
{
	asm volatile("cpuid"
		     : "=a" (*a), "=b" (*b), "=c" (*c), "=d" (*d)
		     : "a" (leaf), "c" (sub));
}

static inline u64 tiny_read_cr2(void)
{
	u64 v;

	asm volatile("mov %%cr2, %0" : "=r" (v));
	return v;
}

static inline void tiny_write_cr3(u64 v)
{
	asm volatile("mov %0, %%cr3" : : "r" (v) : "memory");
}

static inline void tiny_invlpg(u64 va)
{
	asm volatile("invlpg (%0)" : : "r" (va) : "memory");
}

static inline void __noreturn tiny_halt(void)
{
	for (;;)
		asm volatile("cli; hlt");
}

/* ---- PVH start info (the x86/HVM direct boot ABI) ---------------------- */

struct hvm_start_info {
	u32 magic;
	u32 version;
	u32 flags;
	u32 nr_modules;
	u64 modlist_paddr;
	u64 cmdline_paddr;
	u64 rsdp_paddr;
	u64 memmap_paddr;	/* version >= 1 */
	u32 memmap_entries;
	u32 reserved;
};

struct hvm_memmap_entry {
	u64 addr;
	u64 size;
	u32 type;
	u32 reserved;
};

#define E820_RAM		1

/* ---- state ------------------------------------------------------------- */

enum tiny_plat { TINY_NULL, TINY_SNP, TINY_TDX };

#define TINY_MAX_E820		64
#define TINY_MAX_LAUNCH		8
#define TINY_CMDLINE_MAX	1024

struct tiny_range {
	u64 start, end;
	const char *what;
};

/**
 * struct tiny_opts - what the kernel command line asked for.
 * @policy:	GA_POLICY_* (ccmem.accept=, default lazy).
 * @hybrid_mb:	hybrid: MiB accepted at boot (ccmem.hybrid_mb=).
 * @psc_msr:	SNP: conversions by the GHCB MSR protocol (ccmem.psc=msr).
 * @force4k:	the ladder never tries 2 MiB (ccmem.force4k=1).
 * @verbose:	print every core trace event (ccmem.verbose=1).
 * @tests:	comma list of tests or groups, or "all" (ccmem.tests=).
 * @attack:	run this attack case instead of the suite (ccmem.attack=).
 * @virtio:	a virtio-mmio device is there (ccmem.virtio=mmio): the
 *		virtio group of tests runs.
 */
struct tiny_opts {
	u32 policy;
	u64 hybrid_mb;
	bool psc_msr;
	bool force4k;
	bool verbose;
	char tests[256];
	char attack[64];
	bool virtio;
};

/**
 * struct tiny_state - everything the kernel knows about itself.
 * @plat:	the platform found at boot.
 * @sev_eax:	SNP: CPUID 0x8000001f EAX.
 * @sev_ebx:	SNP: CPUID 0x8000001f EBX (C-bit position in 5:0).
 * @sev_status:	SNP: MSR SEV_STATUS.
 * @cbit:	SNP: the C-bit position.
 * @cmask:	SNP: the C-bit as a page-table mask (0 elsewhere).
 * @gpaw:	TDX: GPA width from TDG.VP.INFO.
 * @td_attr:	TDX: TD attributes.
 * @shared_bit:	TDX: the shared bit as a mask (0 elsewhere).
 * @ve_disabled: TDX: SEPT_VE_DISABLE is set (no #VE on pending pages).
 * @nr_vcpus:	TDX: TDG.VP.INFO R8[31:0].
 * @e820:	the memory map from the start info.
 * @nr_e820:	its entries.
 * @launch:	memory present at launch (image, start info, command line,
 *		memory map), whole pages.
 * @nr_launch:	its entries.
 * @cmdline:	a copy of the command line.
 * @opt:	the options parsed from it.
 * @touch_faults: not-accepted exceptions taken outside tiny_copy_safe()
 *		(a direct touch of unaccepted memory: the lazy-accept hook).
 * @copy_faults: not-accepted exceptions fixed up in tiny_copy_safe().
 * @core_ready:	ga_guest_init() has run: the core can take exceptions.
 */
struct tiny_state {
	enum tiny_plat plat;
	u32 sev_eax, sev_ebx;
	u64 sev_status;
	u32 cbit;
	u64 cmask;
	u32 gpaw;
	u64 td_attr;
	u64 shared_bit;
	bool ve_disabled;
	u32 nr_vcpus;
	struct hvm_memmap_entry e820[TINY_MAX_E820];
	u32 nr_e820;
	struct tiny_range launch[TINY_MAX_LAUNCH];
	u32 nr_launch;
	char cmdline[TINY_CMDLINE_MAX];
	struct tiny_opts opt;
	u64 touch_faults;
	u64 copy_faults;
	bool core_ready;
};

extern struct tiny_state tiny;
extern struct ga_guest tiny_g;
extern struct ga_vcpu tiny_v;

/* head.S, entry.S and the linker script. */
extern u64 tiny_boot_start_info, tiny_boot_sev_status, tiny_boot_cmask;
extern u32 tiny_boot_sev_eax, tiny_boot_sev_ebx;
extern u64 tiny_gdt[];
extern const u64 tiny_trap_stubs[32];
extern const u64 tiny_trap_stub_other;
extern const u8 tiny_copy_insn[], tiny_copy_fixup[];
extern char __image_start[], __image_end[];

static inline void *tiny_priv(u64 gpa)
{
	return (void *)gpa;
}

static inline void *tiny_shared(u64 gpa)
{
	return (void *)(gpa + TINY_SHARED_BASE);
}

static inline u64 tiny_pa(const void *p)
{
	return (u64)p;
}

static inline const char *tiny_plat_name(void)
{
	return tiny.plat == TINY_SNP ? "snp" :
	       tiny.plat == TINY_TDX ? "tdx" : "null";
}

/* ---- lib.c ------------------------------------------------------------- */

void tiny_console_init(void);
void tiny_putc(char c);
int tiny_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int tiny_snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
void tiny_vprintf(const char *fmt, va_list ap);
void tiny_printf(const char *fmt, ...) __printf(1, 2);
u64 tiny_strtou64(const char *s, const char **end);

/* ---- cpu.c ------------------------------------------------------------- */

void tiny_cpu_init(void);
void tiny_mm_init(void);
void tiny_mm_uncached(u64 gpa);
void tiny_null_map_unit(u64 gpa, bool present);
bool tiny_null_unit_mapped(u64 gpa);
void tiny_trap(struct tiny_regs *regs);

int tiny_copy_safe(void *dst, const void *src, u64 len);

/* ---- plat.c ------------------------------------------------------------ */

extern const struct ga_env_ops tiny_env_ops;
extern const struct ga_platform tiny_platform_null;

void tiny_plat_detect(void);
void tiny_plat_print(void);
void tiny_snp_ghcb_init(void);
u64 tiny_tdx_vp_info(u64 *rcx, u64 *rdx, u64 *r8, u64 *r9);
void tiny_vc(struct tiny_regs *regs, u64 cr2);
void tiny_ve(struct tiny_regs *regs);
void tiny_null_pf(struct tiny_regs *regs, u64 cr2);
const char *tiny_sec_name(u32 reason);
const char *tiny_err_name(int ret);
void __noreturn tiny_die(const char *fmt, ...) __printf(1, 2);
void __noreturn tiny_die_event(struct ga_vcpu *v, const char *what);
void __noreturn tiny_exit(int failed);

/* ---- virtio.c ------------------------------------------------------------ */

struct gv_mmio;
struct gv_ops;
extern const struct gv_ops tiny_bounce_ops;

int tiny_vio_find(struct gv_mmio *m, u32 device_id, u64 *gpa);

/* ---- main.c ------------------------------------------------------------ */

void tiny_main(void);
void tiny_print_stats(const char *label);
void tiny_print_units(const char *prefix);
bool tiny_launch_unit(u64 unit);
u64 tiny_nr_units(void);

/* ---- ktap.c, entry.S ----------------------------------------------------- */

struct tiny_jmp {
	u64 reg[8];
};

int tiny_setjmp(struct tiny_jmp *j) __attribute__((returns_twice));
void __noreturn tiny_longjmp(struct tiny_jmp *j);

int tiny_run_suite(void);
void tiny_run_attack(const char *name);
void tiny_ktap_abort(const char *reason);

#endif /* CCMEM_TINY_H */
