# SPDX-License-Identifier: GPL-2.0
#
# The guest core on its TDX platform (guest/tdx.c), against a fake TDX
# module and host. Included by tests/unit/Makefile.inc.

UNIT_TESTS += $(UNIT_BUILD)/test_ga_tdx

$(UNIT_BUILD)/test_ga_tdx: tests/unit/test_ga_tdx.c guest/bitmap.c \
		guest/accept.c guest/tdx.c platform/tdx/tdx_abi.h \
		tests/unit/ga_tdx.mk $(GA_HDRS) $(UNIT_COMMON_DEPS)
	@mkdir -p $(@D)
	$(UNIT_CC) $(UNIT_CFLAGS) -pthread -o $@ tests/unit/test_ga_tdx.c \
		guest/bitmap.c guest/accept.c guest/tdx.c
