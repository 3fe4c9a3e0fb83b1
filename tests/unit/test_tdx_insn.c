// SPDX-License-Identifier: GPL-2.0
/*
 * test_tdx_insn.c - check the encodings of the raw SEAMCALL and TDCALL
 * wrappers.
 *
 * Nothing here executes SEAMCALL or TDCALL. TDX_INSN_MARK() puts a label in
 * front of the opcode bytes of each wrapper; one never-called function per
 * wrapper makes the compiler emit it, and the test compares the bytes at
 * the label with the encodings from the Intel SDM (SEAMCALL 66 0F 01 CF,
 * TDCALL 66 0F 01 CC). The byte-string macros are also assembled on their
 * own, between two labels, to check their length.
 */
#define TDX_INSN_MARK(name)	"tdx_mark_" #name ":\n\t"

#include <stddef.h>
#include <stdint.h>

#include "unit.h"
#include "insn_bytes.h"
#include "../../platform/tdx/tdx_insn.h"

#ifdef __x86_64__

static const u8 enc_seamcall[] = { 0x66, 0x0f, 0x01, 0xcf };
static const u8 enc_tdcall[] = { 0x66, 0x0f, 0x01, 0xcc };

/* Each macro on its own, in a data section nothing executes. */
#define MACRO_BYTES(name, insn)						\
	"tdx_macro_" #name ":\n\t" insn "tdx_macro_" #name "_end:\n\t"
asm(".pushsection .rodata\n\t"
	MACRO_BYTES(seamcall, TDX_INSN_SEAMCALL)
	MACRO_BYTES(tdcall, TDX_INSN_TDCALL)
	".popsection\n\t");

#define MACRO_LEN(name)							\
	((uintptr_t)LABEL_ADDR("tdx_macro_" #name "_end") -		\
	 (uintptr_t)LABEL_ADDR("tdx_macro_" #name))

/*
 * Never called. External linkage makes the compiler emit each one, and so
 * each wrapper (and its label) exactly once: every leaf helper goes through
 * tdx_seamcall() or tdx_tdcall(), which are emitted here by the helpers.
 */
u64 emit_seamcall(u64 tdr, u64 gpa)
{
	return tdx_mem_gpa_call(TDH_MEM_PAGE_AUG, tdr, gpa, TDX_LEVEL_2M,
				0x200000, NULL);
}

u64 emit_tdcall(u64 gpa)
{
	return tdx_accept_page(gpa, TDX_LEVEL_4K);
}

u64 emit_vmcall(u64 gpa)
{
	struct tdx_vmcall_args a = {
		.r11 = TDVMCALL_MAP_GPA, .r12 = gpa, .r13 = 4096,
	};

	return tdx_vmcall(&a) + a.r10;
}

UNIT_TEST(seamcall_encoding_66_0f_01_cf)
{
	ASSERT_BYTES(enc_seamcall, LABEL_ADDR("tdx_mark_seamcall"));
	ASSERT_BYTES(enc_seamcall, LABEL_ADDR("tdx_macro_seamcall"));
}

UNIT_TEST(tdcall_encoding_66_0f_01_cc)
{
	ASSERT_BYTES(enc_tdcall, LABEL_ADDR("tdx_mark_tdcall"));
	ASSERT_BYTES(enc_tdcall, LABEL_ADDR("tdx_mark_vmcall"));
	ASSERT_BYTES(enc_tdcall, LABEL_ADDR("tdx_macro_tdcall"));
}

/* Each macro is exactly one 4-byte instruction. */
UNIT_TEST(macros_are_one_instruction_each)
{
	ASSERT_EQ(4, MACRO_LEN(seamcall));
	ASSERT_EQ(4, MACRO_LEN(tdcall));
}

#endif /* __x86_64__ */

/* The operand encodings, spelled out here rather than taken from the header. */
UNIT_TEST(operand_encodings)
{
	ASSERT_EQ(0x40200001ULL, TDX_PAGE_INFO(0x40200000ULL, TDX_LEVEL_2M));
	ASSERT_EQ(0x40201000ULL, TDX_PAGE_INFO(0x40201000ULL, TDX_LEVEL_4K));
	ASSERT_EQ(0x40200001ULL, TDX_ACCEPT_RCX(0x40200000ULL, 1ULL));
	/* R10..R15 are bits 10..15 of the VMCALL register mask. */
	ASSERT_EQ((1ULL << 10) | (1ULL << 11) | (1ULL << 12) | (1ULL << 13) |
		  (1ULL << 14) | (1ULL << 15), TDX_VMCALL_EXPOSE_R10_R15);
}

/* The leaf numbers of the TDX module's dispatcher (tdx_api_defs.h there). */
UNIT_TEST(leaf_numbers)
{
	ASSERT_EQ(0, TDH_VP_ENTER);
	ASSERT_EQ(2, TDH_MEM_PAGE_ADD);
	ASSERT_EQ(3, TDH_MEM_SEPT_ADD);
	ASSERT_EQ(6, TDH_MEM_PAGE_AUG);
	ASSERT_EQ(7, TDH_MEM_RANGE_BLOCK);
	ASSERT_EQ(15, TDH_MEM_PAGE_DEMOTE);
	ASSERT_EQ(17, TDH_MR_FINALIZE);
	ASSERT_EQ(29, TDH_MEM_PAGE_REMOVE);
	ASSERT_EQ(30, TDH_MEM_SEPT_REMOVE);
	ASSERT_EQ(38, TDH_MEM_TRACK);
	ASSERT_EQ(39, TDH_MEM_RANGE_UNBLOCK);
	ASSERT_EQ(0, TDG_VP_VMCALL);
	ASSERT_EQ(6, TDG_MEM_PAGE_ACCEPT);
}

int main(void)
{
	return unit_main();
}
