/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tiny_asm.h - constants of the tiny guest kernel shared by its assembly
 * and C: layout, segment selectors, control-register and page-table bits.
 */
#ifndef CCMEM_TINY_ASM_H
#define CCMEM_TINY_ASM_H

#define XEN_ELFNOTE_PHYS32_ENTRY	18
#define XEN_HVM_START_MAGIC		0x336ec578

#define TINY_CS			0x08
#define TINY_DS			0x10
#define TINY_TSS		0x18

#define TINY_STACK_SIZE		16384
#define TINY_IST_STACK_SIZE	8192

#define TINY_DEBUG_EXIT_PORT	0xf4
#define TINY_COM1		0x3f8

/*
 * The shared alias: guest physical address + TINY_SHARED_BASE (PML4 entry
 * 0, PDPT entries 256 and up). The private identity mapping covers the
 * low 4 GiB, the alias the same.
 */
#define TINY_SHARED_BASE	0x4000000000
#define TINY_MAP_LIMIT		0x100000000

#define CR0_PE			0x00000001
#define CR0_NE			0x00000020
#define CR0_PG			0x80000000
#define CR4_PAE			0x00000020
#define CR4_MCE			0x00000040
#define MSR_EFER		0xc0000080
#define EFER_LME		0x00000100

#define PTE_P			0x001
#define PTE_W			0x002
#define PTE_PWT			0x008
#define PTE_PCD			0x010
#define PTE_PS			0x080

/* SEV-SNP detection (AMD APM vol. 3, CPUID 0x8000001f; SEV_STATUS). */
#define CPUID_SEV		0x00000002
#define CPUID_SEV_SNP		0x00000010
#define MSR_SEV_STATUS		0xc0010131
#define SEV_STATUS_SNP		0x00000004

#endif /* CCMEM_TINY_ASM_H */
