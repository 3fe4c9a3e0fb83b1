# SPDX-License-Identifier: GPL-2.0
#
# The hardened virtqueue core (guest/virtio/) against the userspace device
# model of tests/unit/vdev_model.c. Included by tests/unit/Makefile.inc.

UNIT_TESTS += $(UNIT_BUILD)/test_vring

VRING_SRCS := guest/virtio/vring.c guest/virtio/bounce.c \
	guest/virtio/vconfig.c tests/unit/vdev_model.c

$(UNIT_BUILD)/test_vring: tests/unit/test_vring.c $(VRING_SRCS) \
		guest/virtio/vring.h tests/unit/vdev_model.h $(GA_HDRS) \
		tests/unit/vring.mk $(UNIT_COMMON_DEPS)
	@mkdir -p $(@D)
	$(UNIT_CC) $(UNIT_CFLAGS) -o $@ tests/unit/test_vring.c $(VRING_SRCS)

# The bounce pool under threads: once with ThreadSanitizer, once with
# ASan + UBSan (UNIT_CFLAGS).
UNIT_TESTS += $(UNIT_BUILD)/test_vring_mt_tsan $(UNIT_BUILD)/test_vring_mt

VRING_MT_SRCS := tests/unit/test_vring_mt.c guest/virtio/bounce.c
VRING_MT_DEPS := $(VRING_MT_SRCS) guest/virtio/vring.h $(GA_HDRS) \
	tests/unit/vring.mk $(UNIT_COMMON_DEPS)
UNIT_TSAN_CFLAGS ?= -O1 -g -Wall -Wextra -Werror -std=gnu11 \
	-fsanitize=thread -fno-omit-frame-pointer -Iplatform/include

$(UNIT_BUILD)/test_vring_mt_tsan: $(VRING_MT_DEPS)
	@mkdir -p $(@D)
	$(UNIT_CC) $(UNIT_TSAN_CFLAGS) -pthread -o $@ $(VRING_MT_SRCS)

$(UNIT_BUILD)/test_vring_mt: $(VRING_MT_DEPS)
	@mkdir -p $(@D)
	$(UNIT_CC) $(UNIT_CFLAGS) -pthread -o $@ $(VRING_MT_SRCS)
