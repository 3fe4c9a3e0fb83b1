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
