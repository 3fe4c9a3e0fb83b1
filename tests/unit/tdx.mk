# SPDX-License-Identifier: GPL-2.0
#
# Unit tests of the TDX platform layer: the Secure-EPT model and the raw
# SEAMCALL/TDCALL wrappers. Included by tests/unit/Makefile.inc.

UNIT_TESTS += $(UNIT_BUILD)/test_sept_model $(UNIT_BUILD)/test_tdx_insn

TDX_HDRS := platform/tdx/tdx_abi.h tests/unit/tdx.mk

$(UNIT_BUILD)/test_sept_model: tests/unit/test_sept_model.c \
		platform/tdx/sept_model.c platform/tdx/sept_model.h \
		$(TDX_HDRS) $(UNIT_COMMON_DEPS)
	@mkdir -p $(@D)
	$(UNIT_CC) $(UNIT_CFLAGS) -o $@ tests/unit/test_sept_model.c \
		platform/tdx/sept_model.c

$(UNIT_BUILD)/test_tdx_insn: tests/unit/test_tdx_insn.c \
		platform/tdx/tdx_insn.h $(TDX_HDRS) $(UNIT_COMMON_DEPS)
	@mkdir -p $(@D)
	$(UNIT_CC) $(UNIT_CFLAGS) -o $@ tests/unit/test_tdx_insn.c
