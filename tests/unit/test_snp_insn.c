// SPDX-License-Identifier: GPL-2.0
/*
 * test_snp_insn.c - check the encodings of the raw SEV-SNP wrappers.
 *
 * Nothing here executes an SNP instruction. SNP_INSN_MARK() puts a label in
 * front of the opcode bytes of each wrapper; one never-called function per
 * wrapper makes the compiler emit it, and the test compares the bytes at
 * the label with the encodings from the AMD APM. The byte-string macros are
 * also assembled on their own, between two labels, to check their length.
 */
#define SNP_INSN_MARK(name)	"snp_mark_" #name ":\n\t"

#include <stddef.h>
#include <stdint.h>

#include "unit.h"
#include "insn_bytes.h"
#include "../../platform/snp/snp_insn.h"

#ifdef __x86_64__

static const u8 enc_pvalidate[] = { 0xf2, 0x0f, 0x01, 0xff };
static const u8 enc_rmpadjust[] = { 0xf3, 0x0f, 0x01, 0xfe };
static const u8 enc_rmpupdate[] = { 0xf2, 0x0f, 0x01, 0xfe };
static const u8 enc_psmash[] = { 0xf3, 0x0f, 0x01, 0xff };

/* Each macro on its own, in a data section nothing executes. */
#define MACRO_BYTES(name, insn)						\
	"snp_macro_" #name ":\n\t" insn "snp_macro_" #name "_end:\n\t"
asm(".pushsection .rodata\n\t"
	MACRO_BYTES(pvalidate, SNP_INSN_PVALIDATE)
	MACRO_BYTES(rmpadjust, SNP_INSN_RMPADJUST)
	MACRO_BYTES(rmpupdate, SNP_INSN_RMPUPDATE)
	MACRO_BYTES(psmash, SNP_INSN_PSMASH)
	".popsection\n\t");

#define MACRO_LEN(name)							\
	((uintptr_t)LABEL_ADDR("snp_macro_" #name "_end") -		\
	 (uintptr_t)LABEL_ADDR("snp_macro_" #name))

/*
 * Never called. External linkage makes the compiler emit each one, and so
 * each wrapper (and its label) exactly once.
 */
int emit_pvalidate(unsigned long va)
{
	bool nc;

	return snp_pvalidate(va, false, true, &nc) + nc;
}

int emit_rmpadjust(unsigned long va)
{
	return snp_rmpadjust(va, false, 0x101);
}

int emit_rmpupdate(u64 spa)
{
	struct snp_rmpupdate_desc d = { .assigned = 1 };

	return snp_rmpupdate(spa, &d);
}

int emit_psmash(u64 spa)
{
	return snp_psmash(spa);
}

UNIT_TEST(pvalidate_encoding_f2_0f_01_ff)
{
	ASSERT_BYTES(enc_pvalidate, LABEL_ADDR("snp_mark_pvalidate"));
	ASSERT_BYTES(enc_pvalidate, LABEL_ADDR("snp_macro_pvalidate"));
}

UNIT_TEST(rmpadjust_encoding_f3_0f_01_fe)
{
	ASSERT_BYTES(enc_rmpadjust, LABEL_ADDR("snp_mark_rmpadjust"));
	ASSERT_BYTES(enc_rmpadjust, LABEL_ADDR("snp_macro_rmpadjust"));
}

UNIT_TEST(rmpupdate_encoding_f2_0f_01_fe)
{
	ASSERT_BYTES(enc_rmpupdate, LABEL_ADDR("snp_mark_rmpupdate"));
	ASSERT_BYTES(enc_rmpupdate, LABEL_ADDR("snp_macro_rmpupdate"));
}

UNIT_TEST(psmash_encoding_f3_0f_01_ff)
{
	ASSERT_BYTES(enc_psmash, LABEL_ADDR("snp_mark_psmash"));
	ASSERT_BYTES(enc_psmash, LABEL_ADDR("snp_macro_psmash"));
}

/* Each macro is exactly one 4-byte instruction. */
UNIT_TEST(macros_are_one_instruction_each)
{
	ASSERT_EQ(4, MACRO_LEN(pvalidate));
	ASSERT_EQ(4, MACRO_LEN(rmpadjust));
	ASSERT_EQ(4, MACRO_LEN(rmpupdate));
	ASSERT_EQ(4, MACRO_LEN(psmash));
}

#endif /* __x86_64__ */

/* The RMPUPDATE operand layout (Linux struct rmp_model_state, the APM table). */
UNIT_TEST(rmpupdate_desc_layout)
{
	ASSERT_EQ(16, sizeof(struct snp_rmpupdate_desc));
	ASSERT_EQ(0, offsetof(struct snp_rmpupdate_desc, gpa));
	ASSERT_EQ(8, offsetof(struct snp_rmpupdate_desc, assigned));
	ASSERT_EQ(9, offsetof(struct snp_rmpupdate_desc, pagesize));
	ASSERT_EQ(10, offsetof(struct snp_rmpupdate_desc, immutable));
	ASSERT_EQ(11, offsetof(struct snp_rmpupdate_desc, rsvd));
	ASSERT_EQ(12, offsetof(struct snp_rmpupdate_desc, asid));
}

int main(void)
{
	return unit_main();
}
