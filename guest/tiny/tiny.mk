# SPDX-License-Identifier: GPL-2.0
#
# The tiny guest kernel (guest/tiny/): a freestanding x86-64 PVH ELF that
# runs the portable guest core (the same guest/*.c as ccmem_guest.ko and
# the unit tests) with the real guest instructions. Included by the
# top-level Makefile; paths are relative to the repo top.
#
#   make tiny         build/tiny/ccmem-tiny.elf
#   make tiny-run     boot it under QEMU (TINY_APPEND="ccmem.accept=eager")
#   make tiny-check   the null-platform suite under eager, lazy and hybrid

TINY_BUILD := build/tiny
TINY_ELF := $(TINY_BUILD)/ccmem-tiny.elf
TINY_CC ?= gcc
TINY_LD ?= ld

TINY_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror \
	-ffreestanding -fno-pic -fno-pie -mcmodel=small -mno-red-zone \
	-mno-sse -mno-mmx -mno-80387 -mgeneral-regs-only \
	-fno-stack-protector -fcf-protection=none -fno-omit-frame-pointer \
	-fno-asynchronous-unwind-tables -fno-unwind-tables \
	-nostdinc -isystem $(shell $(TINY_CC) -print-file-name=include) \
	-Iguest/tiny/include
# The few attribute macros of the kernel's compiler_attributes.h that the
# kernel uses; tiny.h refuses to build without them.
TINY_CFLAGS += '-D__printf(a,b)=__attribute__((__format__(printf,a,b)))' \
	'-D__noreturn=__attribute__((__noreturn__))' \
	'-D__aligned(x)=__attribute__((__aligned__(x)))'
TINY_ASFLAGS := -D__ASSEMBLY__ -nostdinc -fno-pic -fno-pie
TINY_LDFLAGS := -nostdlib -static -z max-page-size=4096 -z noexecstack \
	--build-id=none -T guest/tiny/tiny.lds

TINY_CORE := guest/bitmap.c guest/accept.c guest/snp.c guest/tdx.c \
	guest/virtio/vring.c guest/virtio/vconfig.c guest/virtio/bounce.c \
	guest/virtio/vmmio.c guest/virtio/vblk.c
TINY_SRCS := $(sort $(wildcard guest/tiny/*.c)) $(TINY_CORE)
TINY_ASMS := $(sort $(wildcard guest/tiny/*.S))
TINY_OBJS := $(patsubst %.c,$(TINY_BUILD)/%.o,$(TINY_SRCS)) \
	$(patsubst %.S,$(TINY_BUILD)/%.o,$(TINY_ASMS))
TINY_DEPS := $(wildcard guest/tiny/*.h guest/tiny/include/*.h) \
	guest/ga.h guest/ga_compat.h platform/include/ccmem_compat.h \
	guest/virtio/vring.h guest/virtio/vmmio.h \
	platform/snp/ghcb.h platform/tdx/tdx_abi.h guest/tiny/tiny.mk

tiny_saved_goal := $(.DEFAULT_GOAL)

$(TINY_BUILD)/%.o: %.c $(TINY_DEPS)
	@mkdir -p $(@D)
	$(TINY_CC) $(TINY_CFLAGS) -c -o $@ $<

$(TINY_BUILD)/%.o: %.S $(TINY_DEPS)
	@mkdir -p $(@D)
	$(TINY_CC) $(TINY_ASFLAGS) -c -o $@ $<

$(TINY_ELF): $(TINY_OBJS) guest/tiny/tiny.lds
	$(TINY_LD) $(TINY_LDFLAGS) -o $@ $(TINY_OBJS)

.PHONY: tiny-run tiny-check clean-tiny
tiny-run: $(TINY_ELF)
	bash guest/tiny/run $(TINY_APPEND)

tiny-check: $(TINY_ELF)
	bash guest/tiny/run --check

clean-tiny:
	rm -rf $(TINY_BUILD)

.DEFAULT_GOAL := $(tiny_saved_goal)
