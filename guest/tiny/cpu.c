// SPDX-License-Identifier: GPL-2.0
/*
 * cpu.c - the CPU side of the tiny guest kernel: the TSS (a separate stack
 * for #DF only), the IDT, the final page tables and the trap dispatcher.
 *
 * Page tables (all in the bss, so launch memory):
 *   PML4[0] -> PDPT
 *   PDPT[0..3]     -> tiny_pd: the private identity map of 0-4 GiB in
 *                     2 MiB pages (SNP: C-bit set everywhere, CR3 too;
 *                     TDX: shared bit clear). Its first 2 MiB are mapped
 *                     at 4 KiB with page 0 absent, so a NULL pointer faults.
 *   PDPT[256..259] -> tiny_pd_shared: the shared alias at
 *                     TINY_SHARED_BASE (SNP: C-bit clear in the leaves;
 *                     TDX: shared bit set in the leaf addresses). The
 *                     tables themselves are private memory like all others.
 * On the null platform the private map also stands in for the acceptance
 * state: a unit the core has not accepted is not present, so a touch
 * faults (#PF) the way SNP raises #VC and TDX #VE (see plat.c).
 */
#include "tiny.h"

u64 tiny_pml4[512] __aligned(4096);
u64 tiny_pdpt[512] __aligned(4096);
u64 tiny_pd[4][512] __aligned(4096);
static u64 tiny_pt0[512] __aligned(4096);
static u64 tiny_pd_shared[4][512] __aligned(4096);

u8 tiny_stack[TINY_STACK_SIZE] __aligned(16);
static u8 tiny_ist_stack[TINY_IST_STACK_SIZE] __aligned(16);

/* ---- TSS and IDT --------------------------------------------------------- */

/*
 * The 64-bit TSS (104 bytes, 4-byte aligned fields) as 32-bit words: IST1
 * at offset 0x24, the I/O map base in the top half of the last word.
 */
#define TSS_WORDS		26
#define TSS_IST1_WORD		9
#define TSS_IOMAP_WORD		25

/* An IDT gate; its fields fall on their natural alignment. */
struct tiny_idt_gate {
	u16 off0;
	u16 sel;
	u8 ist;
	u8 type;
	u16 off1;
	u32 off2;
	u32 reserved;
};

/* LIDT's operand: a 16-bit limit followed by the base (kernel's trick). */
struct tiny_desc_ptr {
	u16 pad[3];
	u16 limit;
	u64 base;
};

#define GATE_INTERRUPT		0x8e	/* present, DPL 0, 64-bit interrupt gate */
#define DESC_TSS_AVAIL		0x89	/* present, 64-bit TSS available */
#define TINY_IST_DF		1

static u32 tiny_tss[TSS_WORDS] __aligned(16);
static struct tiny_idt_gate tiny_idt[256] __aligned(16);

static void tiny_set_gate(u32 vec, u64 handler, u8 ist)
{
	struct tiny_idt_gate *g = &tiny_idt[vec];

	g->off0 = (u16)handler;
	g->sel = TINY_CS;
	g->ist = ist;
	g->type = GATE_INTERRUPT;
	g->off1 = (u16)(handler >> 16);
	g->off2 = (u32)(handler >> 32);
	g->reserved = 0;
}

void tiny_cpu_init(void)
{
	u64 base = (u64)tiny_tss, limit = sizeof(tiny_tss) - 1;
	u64 ist = (u64)tiny_ist_stack + sizeof(tiny_ist_stack);
	struct tiny_desc_ptr idtr = {
		.limit = sizeof(tiny_idt) - 1,
		.base = (u64)tiny_idt,
	};
	u16 sel = TINY_TSS;
	u32 v;

	/* #DF gets a stack of its own: it may come from a broken stack. */
	tiny_tss[TSS_IST1_WORD] = (u32)ist;
	tiny_tss[TSS_IST1_WORD + 1] = (u32)(ist >> 32);
	tiny_tss[TSS_IOMAP_WORD] = (u32)sizeof(tiny_tss) << 16;
	tiny_gdt[TINY_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
				 ((u64)DESC_TSS_AVAIL << 40) |
				 ((limit >> 16 & 0xf) << 48) |
				 ((base >> 24 & 0xff) << 56);
	tiny_gdt[TINY_TSS / 8 + 1] = base >> 32;
	asm volatile("ltr %0" : : "r" (sel));

	for (v = 0; v < 256; v++)
		tiny_set_gate(v, v < 32 ? tiny_trap_stubs[v] :
			      tiny_trap_stub_other, 0);
	tiny_set_gate(X86_TRAP_DF, tiny_trap_stubs[X86_TRAP_DF], TINY_IST_DF);
	/* The second operand tells the compiler that LIDT reads all of it. */
	asm volatile("lidt %0" : : "m" (idtr.limit), "m" (idtr));
}

/* ---- page tables --------------------------------------------------------- */

/* The final tables; the boot ones of head.S are their private part. */
void tiny_mm_init(void)
{
	u64 c = tiny.cmask, i;

	for (i = 1; i < 512; i++)
		tiny_pt0[i] = (i << CCMEM_PAGE_SHIFT) | PTE_P | PTE_W | c;
	tiny_pd[0][0] = tiny_pa(tiny_pt0) | PTE_P | PTE_W | c;

	for (i = 0; i < TINY_MAX_UNITS; i++)
		tiny_pd_shared[i / 512][i % 512] = (i << TINY_UNIT_SHIFT) |
						   tiny.shared_bit | PTE_P |
						   PTE_W | PTE_PS;
	for (i = 0; i < 4; i++)
		tiny_pdpt[(TINY_SHARED_BASE >> 30) + i] =
			tiny_pa(tiny_pd_shared[i]) | PTE_P | PTE_W | c;
	tiny_write_cr3(tiny_pa(tiny_pml4) | c);
}

/*
 * Device registers: the 2 MiB of the shared alias holding @gpa uncached
 * (PCD | PWT). Never RAM: the caller checks.
 */
void tiny_mm_uncached(u64 gpa)
{
	u64 unit = gpa >> TINY_UNIT_SHIFT;

	if (gpa >= TINY_MAP_LIMIT)
		tiny_die("MMIO at 0x%llx is beyond the shared alias", gpa);
	tiny_pd_shared[unit / 512][unit % 512] |= PTE_PCD | PTE_PWT;
	tiny_invlpg((u64)tiny_shared(align_down(gpa, TINY_2M)));
}

static u64 *tiny_null_pde(u64 gpa)
{
	u64 unit = gpa >> TINY_UNIT_SHIFT;

	return &tiny_pd[unit / 512][unit % 512];
}

/*
 * The null platform's acceptance state, kept in the private map: the
 * 2 MiB page of an unaccepted unit is not present. Unit 0 (4 KiB table,
 * launch memory) never changes.
 */
void tiny_null_map_unit(u64 gpa, bool present)
{
	u64 *pde;

	if (gpa < TINY_2M || gpa >= TINY_MAP_LIMIT)
		return;
	pde = tiny_null_pde(gpa);
	if (present)
		*pde |= PTE_P;
	else
		*pde &= ~(u64)PTE_P;
	tiny_invlpg(align_down(gpa, TINY_2M));
}

bool tiny_null_unit_mapped(u64 gpa)
{
	if (gpa < TINY_2M || gpa >= TINY_MAP_LIMIT)
		return true;
	return *tiny_null_pde(gpa) & PTE_P;
}

/* ---- traps ----------------------------------------------------------------- */

static const char *const tiny_vec_names[32] = {
	[0] = "#DE", [1] = "#DB", [2] = "NMI", [3] = "#BP", [4] = "#OF",
	[5] = "#BR", [6] = "#UD", [7] = "#NM", [8] = "#DF", [10] = "#TS",
	[11] = "#NP", [12] = "#SS", [13] = "#GP", [14] = "#PF", [16] = "#MF",
	[17] = "#AC", [18] = "#MC", [19] = "#XM", [20] = "#VE", [21] = "#CP",
	[28] = "#HV", [29] = "#VC", [30] = "#SX",
};

static void __noreturn tiny_fatal_trap(struct tiny_regs *r, u64 cr2)
{
	const char *name = r->vector < 32 ? tiny_vec_names[r->vector] : NULL;

	tiny_printf("ccmem-tiny: exception %s (vector %llu) error 0x%llx\n",
		    name ? name : "?", r->vector, r->error_code);
	tiny_printf("ccmem-tiny:   RIP 0x%llx CR2 0x%llx RSP 0x%llx RFLAGS 0x%llx\n",
		    r->rip, cr2, r->rsp, r->rflags);
	tiny_printf("ccmem-tiny:   RAX 0x%llx RBX 0x%llx RCX 0x%llx RDX 0x%llx\n",
		    r->rax, r->rbx, r->rcx, r->rdx);
	tiny_printf("ccmem-tiny:   RSI 0x%llx RDI 0x%llx RBP 0x%llx\n",
		    r->rsi, r->rdi, r->rbp);
	tiny_die("exception %s (vector %llu) error 0x%llx at RIP 0x%llx CR2 0x%llx",
		 name ? name : "?", r->vector, r->error_code, r->rip, cr2);
}

/* Called from entry.S with the saved frame; returning resumes it. */
void tiny_trap(struct tiny_regs *regs)
{
	u64 cr2 = tiny_read_cr2();

	switch (regs->vector) {
	case X86_TRAP_VC:
		if (tiny.plat == TINY_SNP) {
			tiny_vc(regs, cr2);
			return;
		}
		break;
	case X86_TRAP_VE:
		if (tiny.plat == TINY_TDX) {
			tiny_ve(regs);
			return;
		}
		break;
	case X86_TRAP_PF:
		if (tiny.plat == TINY_NULL &&
		    !(regs->error_code & X86_PF_PRESENT) && cr2 >= TINY_2M &&
		    cr2 < TINY_MAP_LIMIT && !tiny_null_unit_mapped(cr2)) {
			tiny_null_pf(regs, cr2);
			return;
		}
		break;
	}
	tiny_fatal_trap(regs, cr2);
}
