/* SPDX-License-Identifier: GPL-2.0 */
/*
 * head.S - the PVH entry of the tiny guest kernel.
 *
 * The loader (SeaBIOS + pvh.bin under stock QEMU, the ccmem QEMU directly)
 * enters tiny_entry32 in 32-bit protected mode, paging off, flat segments,
 * EBX = the physical address of struct hvm_start_info. From there: clear
 * the bss, find out whether this is an SEV-SNP guest (the C-bit must be in
 * the boot page tables before paging is on, so CPUID is done here), build
 * an identity map of 0-4 GiB in 2 MiB pages, enter long mode and call
 * tiny_main(). Everything written here lies in the image (launch memory).
 */
#include "tiny_asm.h"

/* The PVH entry note: type XEN_ELFNOTE_PHYS32_ENTRY, name "Xen". */
	.section .note.Xen, "a"
	.balign 4
	.long	4				/* namesz: "Xen\0" */
	.long	8				/* descsz */
	.long	XEN_ELFNOTE_PHYS32_ENTRY
	.asciz	"Xen"
	.balign 4
	/* QEMU reads a 64-bit ELF's entry as 8 bytes. */
	.quad	tiny_entry32
	.balign 4

	.data
	.balign 8
	.globl tiny_boot_start_info, tiny_boot_sev_status, tiny_boot_cmask
	.globl tiny_boot_sev_eax, tiny_boot_sev_ebx
tiny_boot_start_info:	.quad 0		/* EBX at entry */
tiny_boot_sev_status:	.quad 0		/* MSR SEV_STATUS, when SEV is there */
tiny_boot_cmask:	.quad 0		/* the C-bit mask of the boot tables */
tiny_boot_sev_eax:	.long 0		/* CPUID 0x8000001f */
tiny_boot_sev_ebx:	.long 0

	/*
	 * The GDT: 64-bit code, data, and a TSS descriptor filled in from C
	 * (it holds the #DF stack).
	 */
	.balign 16
	.globl tiny_gdt
tiny_gdt:
	.quad	0
	.quad	0x00af9a000000ffff		/* TINY_CS: 64-bit code */
	.quad	0x00cf92000000ffff		/* TINY_DS: flat data */
	.quad	0, 0				/* TINY_TSS */
tiny_gdt_end:
	.balign 8
tiny_gdt_desc:
	.word	tiny_gdt_end - tiny_gdt - 1
	.quad	tiny_gdt

	.section .head.text, "ax"
	.code32
	.globl tiny_entry32
tiny_entry32:
	cli
	cld
	movl	%ebx, %esi

	/* The bss holds the page tables and stacks: clear it first. */
	movl	$__bss_start, %edi
	movl	$__bss_end, %ecx
	subl	%edi, %ecx
	shrl	$2, %ecx
	xorl	%eax, %eax
	rep stosl
	movl	%esi, tiny_boot_start_info
	movl	$(tiny_stack + TINY_STACK_SIZE), %esp

	/*
	 * SEV-SNP: CPUID 0x8000001f EAX bit 1 (SEV) and bit 4 (SNP), EBX[5:0]
	 * the C-bit; SEV_STATUS bit 2 says SNP is active. The MSR exists only
	 * when CPUID says SEV, so ask CPUID first (and only if the leaf is
	 * there at all).
	 */
	xorl	%ebp, %ebp			/* high dword of the C-bit */
	movl	$0x80000000, %eax
	cpuid
	cmpl	$0x8000001f, %eax
	jb	.Lno_snp
	movl	$0x8000001f, %eax
	cpuid
	movl	%eax, tiny_boot_sev_eax
	movl	%ebx, tiny_boot_sev_ebx
	movl	%eax, %edx
	andl	$(CPUID_SEV | CPUID_SEV_SNP), %edx
	cmpl	$(CPUID_SEV | CPUID_SEV_SNP), %edx
	jne	.Lno_snp
	movl	%ebx, %edi
	movl	$MSR_SEV_STATUS, %ecx
	rdmsr
	movl	%eax, tiny_boot_sev_status
	movl	%edx, tiny_boot_sev_status + 4
	testl	$SEV_STATUS_SNP, %eax
	jz	.Lno_snp
	movl	%edi, %ecx
	andl	$0x3f, %ecx
	/* A C-bit below 32 or above the 52-bit PA field cannot be right. */
	cmpl	$32, %ecx
	jb	.Lbad_cbit
	cmpl	$51, %ecx
	ja	.Lbad_cbit
	subl	$32, %ecx
	movl	$1, %ebp
	shll	%cl, %ebp
	movl	%ebp, tiny_boot_cmask + 4
.Lno_snp:

	/* PDs: 0-4 GiB in 2 MiB pages, C-bit set on SNP. */
	movl	$tiny_pd, %edi
	movl	$(PTE_P | PTE_W | PTE_PS), %eax
	movl	$2048, %ecx
1:	movl	%eax, (%edi)
	movl	%ebp, 4(%edi)
	addl	$0x200000, %eax
	addl	$8, %edi
	loop	1b

	/* PDPT[0..3] -> the four PDs; PML4[0] -> the PDPT. */
	movl	$tiny_pdpt, %edi
	movl	$(tiny_pd + PTE_P + PTE_W), %eax
	movl	$4, %ecx
2:	movl	%eax, (%edi)
	movl	%ebp, 4(%edi)
	addl	$4096, %eax
	addl	$8, %edi
	loop	2b
	movl	$(tiny_pdpt + PTE_P + PTE_W), %eax
	movl	%eax, tiny_pml4
	movl	%ebp, tiny_pml4 + 4

	/*
	 * Long mode. A 32-bit CR3 cannot carry the C-bit; tiny_main() loads
	 * the final one with it (SNP walks the guest's tables privately).
	 */
	movl	%cr4, %eax
	orl	$(CR4_PAE | CR4_MCE), %eax
	movl	%eax, %cr4
	movl	$tiny_pml4, %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
	lgdt	tiny_gdt_desc
	movl	%cr0, %eax
	orl	$(CR0_PG | CR0_NE | CR0_PE), %eax
	movl	%eax, %cr0
	ljmp	$TINY_CS, $tiny_entry64

.Lbad_cbit:
	/* No console yet: report through the debug-exit port, then stop. */
	movw	$TINY_DEBUG_EXIT_PORT, %dx
	movb	$1, %al
	outb	%al, %dx
3:	hlt
	jmp	3b

	.code64
tiny_entry64:
	movl	$TINY_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	leaq	tiny_stack + TINY_STACK_SIZE(%rip), %rsp
	xorl	%ebp, %ebp
	call	tiny_main
4:	cli
	hlt
	jmp	4b

/*
 * int tiny_copy_safe(void *dst, const void *src, u64 len) - copy that may
 * fault. The trap handler turns the platform's "page not accepted"
 * exception raised at tiny_copy_insn into a return of the positive code
 * it stores in RAX, at tiny_copy_fixup (so the core sees
 * GA_EXC_NOT_ACCEPTED from ga_env_ops.read/write). A partial copy is fine:
 * the core retries the whole access.
 */
	.text
	.globl tiny_copy_safe, tiny_copy_insn, tiny_copy_fixup
tiny_copy_safe:
	movq	%rdx, %rcx
	xorl	%eax, %eax
tiny_copy_insn:
	rep movsb
tiny_copy_fixup:
	ret

	.section .note.GNU-stack, "", @progbits
