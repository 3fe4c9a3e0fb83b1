# SPDX-License-Identifier: GPL-2.0
#
# The TDX host's MapGPA decoder (host/kvm-tdx/mapgpa_decode.c), built for
# userspace like the other portable cores. Included by
# tests/unit/Makefile.inc.

UNIT_TESTS += $(UNIT_BUILD)/test_mapgpa_decode

$(UNIT_BUILD)/test_mapgpa_decode: tests/unit/test_mapgpa_decode.c \
		host/kvm-tdx/mapgpa_decode.c host/kvm-tdx/mapgpa_decode.h \
		platform/tdx/tdx_abi.h tests/unit/mapgpa.mk $(UNIT_COMMON_DEPS)
	@mkdir -p $(@D)
	$(UNIT_CC) $(UNIT_CFLAGS) -o $@ tests/unit/test_mapgpa_decode.c \
		host/kvm-tdx/mapgpa_decode.c
