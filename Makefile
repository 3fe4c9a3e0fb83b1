# SPDX-License-Identifier: GPL-2.0
#
# ccmem top-level Makefile.
#
#   make            build the modules, selftests, tools and unit tests
#   make C=1        ... and run sparse over the modules
#   make check      install what is missing, build, run every test
#   make run        boot the test VM and run the demonstration
#   make bench      boot the test VM and run the benchmarks
#   make plots      draw Documentation/plots/*.png from the committed data
#   make plots-data measure that data again (test VM and virtio-bench)
#   make debug-kernel  build (once, cached) the KASAN/lockdep/kmemleak kernel
#   make check-debug   the selftests and a fault-injection pass under it
#   make deb        the Debian packages ccmem-dkms and ccmem-tools, in build/deb/
#   make dkms-install / dkms-remove   the modules through DKMS, on this host
#
# KDIR defaults to the bookworm-backports 6.12 headers installed by
# scripts/setup-deps; override it to build against another kernel.

# Inside kbuild (make -C $(KDIR) M=...) only the Kbuild file matters.
# kbuild always sets obj; KERNELRELEASE alone proves nothing, since dkms
# passes it on the command line of the MAKE in dkms.conf.
ifneq ($(obj),)
include $(src)/Kbuild
else

TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
KVER ?= $(shell cat /var/lib/ccmem-kver 2>/dev/null || \
	  ls -d /usr/src/linux-headers-6.12*-amd64 2>/dev/null | sort -V | \
	  tail -n1 | sed 's,.*/linux-headers-,,')
KDIR ?= /lib/modules/$(KVER)/build
B := build

# Kconfig symbols, honoured out of tree.
CONFIG_CCMEM ?= m
CONFIG_CCMEM_SNP ?= m
CONFIG_CCMEM_TDX ?= m
CONFIG_CCMEM_EMU ?= y
CONFIG_CCMEM_GUEST ?= $(if $(filter y,$(CONFIG_CCMEM_EMU)),m,n)
CONFIG_CCMEM_BENCH ?= m
KCONFIG_VARS := CONFIG_CCMEM=$(CONFIG_CCMEM) CONFIG_CCMEM_SNP=$(CONFIG_CCMEM_SNP) \
	CONFIG_CCMEM_TDX=$(CONFIG_CCMEM_TDX) CONFIG_CCMEM_EMU=$(CONFIG_CCMEM_EMU) \
	CONFIG_CCMEM_GUEST=$(CONFIG_CCMEM_GUEST) CONFIG_CCMEM_BENCH=$(CONFIG_CCMEM_BENCH)

KSFT := $(B)/linux-src/tools/testing/selftests
CC ?= gcc

.PHONY: all modules selftests tools unit check run bench lint clean deps vmtest

all: modules selftests tools unit

deps:
	bash scripts/setup-deps

$(KSFT)/kselftest_harness.h:
	bash scripts/linux-src

modules:
	$(MAKE) -C $(KDIR) M=$(TOP) $(KCONFIG_VARS) $(if $(C),C=$(C)) modules

# --- selftests: static, against the real kselftest_harness.h -------------
# libccmem (selftests/lib/libccmem.[ch]) is the userspace library that the
# selftests and the tools share.
LIBCCMEM := selftests/lib/libccmem.c
UAPI_HDRS := uapi/linux/ccmem.h uapi/linux/ccmem_emu.h
LIBCCMEM_DEPS := $(LIBCCMEM) selftests/lib/libccmem.h $(UAPI_HDRS) \
	platform/snp/rmp_model.h platform/include/ccmem_compat.h
SELFTEST_SRCS := $(wildcard selftests/*.c)
SELFTESTS := $(patsubst selftests/%.c,$(B)/selftests/%,$(SELFTEST_SRCS))
SELFTEST_LIB := $(wildcard selftests/lib/*.c)
SELFTEST_CFLAGS := -O2 -g -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare -Wno-clobbered -Wno-misleading-indentation -std=gnu11 \
	-static -pthread -Iuapi -Iselftests/lib -Iplatform/snp -Iplatform/tdx -I$(KSFT) -D_GNU_SOURCE

selftests: $(SELFTESTS)

$(B)/selftests/%: selftests/%.c $(SELFTEST_LIB) $(wildcard selftests/lib/*.h) \
		$(LIBCCMEM_DEPS) platform/snp/ghcb.h platform/tdx/tdx_abi.h | $(KSFT)/kselftest_harness.h
	@mkdir -p $(dir $@)
	$(CC) $(SELFTEST_CFLAGS) -o $@ $< $(SELFTEST_LIB)

# --- tools: ccmemctl and the demo/bench programs, static for the VM ------
# The Debian package (debian/rules) links ccmemctl dynamically, with
# TOOL_LINK= and its build flags in TOOL_FLAGS.
TOOL_LINK ?= -static
TOOL_CFLAGS = -O2 -g -Wall -Wextra -std=gnu11 $(TOOL_LINK) -pthread -Iuapi \
	-Iselftests/lib -Iplatform/snp -D_GNU_SOURCE $(TOOL_FLAGS)
TOOLS := $(B)/tools/ccmemctl $(B)/tools/ccmem-demo $(B)/tools/ccmem-bench

tools: $(TOOLS)

CTL_SRCS := tools/ccmemctl.c tools/ccmem_map.c $(LIBCCMEM)
$(B)/tools/ccmemctl: $(CTL_SRCS) tools/ccmem_map.h $(LIBCCMEM_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(TOOL_CFLAGS) -o $@ $(CTL_SRCS)

DEMO_SRCS := tools/demo.c tools/demo_guest.c tools/demo_virtio.c \
	tools/ccmem_map.c selftests/lib/vblk_dev.c $(LIBCCMEM)
$(B)/tools/ccmem-demo: $(DEMO_SRCS) tools/demo.h tools/ccmem_map.h \
		selftests/lib/vblk_dev.h $(LIBCCMEM_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(TOOL_CFLAGS) -o $@ $(DEMO_SRCS)

BENCH_SRCS := tools/bench/bench.c tools/bench/bench_guest.c $(LIBCCMEM)
$(B)/tools/ccmem-bench: $(BENCH_SRCS) tools/bench/bench_xa.h \
		tools/bench/bench_guest.h $(LIBCCMEM_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(TOOL_CFLAGS) -Itools/bench -o $@ $(BENCH_SRCS)

# A DKMS source tree (make dkms-tree) has the modules' sources only: no
# unit tests, no tiny guest, and so none of their rules.
ifneq ($(wildcard tests/unit/Makefile.inc),)
# --- unit tests: the portable cores in userspace, ASan + UBSan -----------
include tests/unit/Makefile.inc

unit: $(UNIT_TESTS)

# --- tiny guest kernel: a freestanding PVH guest of the guest core -------
# guest/tiny/tiny.mk also has tiny-run, tiny-check and clean-tiny.
include guest/tiny/tiny.mk

.PHONY: tiny
tiny: $(TINY_ELF)
all: tiny
clean: clean-tiny
endif

# --- the three proving grounds --------------------------------------------
lint: $(KSFT)/kselftest_harness.h
	bash scripts/lint --sparse

vmtest: all
	bash scripts/vmtest --mode tests

check:
	bash scripts/check

# Instructions per accepted-memory query (callgrind), PASS/FAIL vs target.
.PHONY: ga-query-bench
ga-query-bench:
	bash scripts/ga-query-bench

# The virtio bounce path against memcpy, side by side (wall clock: ratios
# to read, no gate). VIRTIO_BENCH_ARGS="-r 9 -m 2048" and so on.
.PHONY: virtio-bench
virtio-bench:
	bash scripts/virtio-bench $(VIRTIO_BENCH_ARGS)

# The plots of Documentation/benchmarks.rst (gnuplot). make plots draws
# them from Documentation/plots/data/ in seconds; make plots-data measures
# that data again (ccmem-bench -d in the test VM, then virtio-bench) and
# draws. PLOTS_MEASURE=ccmem or virtio measures only one.
.PHONY: plots plots-data
plots:
	bash scripts/plots

plots-data:
	bash scripts/setup-deps --plots
	$(MAKE) modules tools
	bash scripts/plots --measure $(or $(PLOTS_MEASURE),all)

run:
	bash scripts/setup-deps --e2e
	$(MAKE) all
	bash scripts/vmtest --mode demo --mem 6144
	@echo
	@echo "=== The last act: the tiny guest on real instructions, under the patched QEMU ==="
	bash scripts/e2e --show --cases scripts/e2e-demo-cases --out build/e2e-demo

bench:
	bash scripts/setup-deps
	$(MAKE) all
	bash scripts/vmtest --mode bench --mem 4096 --timeout 3000 --prog-timeout 2900

# The in-VM ioctl fuzzer (selftests/ccmem_fuzz.c), long: `make check` runs
# it for 20 s, this for FUZZ_SECONDS (900: over 10^6 calls under TCG).
# FUZZ_SEED=N replays a seed; FUZZ_ARGS adds CCMEM_FUZZ_* settings, e.g.
# FUZZ_ARGS="CCMEM_FUZZ_THREADS=1 CCMEM_FUZZ_SKIP=fork". They reach the
# program through the kernel command line, whose NAME=value words become
# the environment of init and so of the test programs.
FUZZ_SECONDS ?= 900
FUZZ_APPEND = CCMEM_FUZZ_SECONDS=$(FUZZ_SECONDS) \
	$(if $(FUZZ_SEED),CCMEM_FUZZ_SEED=$(FUZZ_SEED)) $(FUZZ_ARGS)
.PHONY: fuzz-vm
fuzz-vm: modules selftests
	VMTEST_APPEND="$(strip $(VMTEST_APPEND) $(FUZZ_APPEND))" \
	bash scripts/vmtest --mode tests --only ccmem_fuzz --quiet \
		--timeout $$(($(FUZZ_SECONDS) + 900)) \
		--prog-timeout $$(($(FUZZ_SECONDS) + 600))

# --- the end-to-end stack (make check's e2e stage) --------------------------
# make qemu: QEMU with qemu-patches/series applied, built once and cached
# outside the clone (scripts/qemu-build). make e2e: the cases of
# scripts/e2e-cases (that QEMU, the tiny guest, libvirt) in the test VM;
# E2E_ARGS="--only plumb-pvh,plumb-libvirt" and so on (scripts/e2e --help).
.PHONY: qemu e2e
qemu:
	bash scripts/setup-deps --e2e
	bash scripts/qemu-build

e2e: modules tiny
	bash scripts/setup-deps --e2e
	bash scripts/e2e $(E2E_ARGS)

# --- the debug flavour (Documentation/testing.rst) -------------------------
# A KASAN/lockdep/kmemleak/fault-injection kernel built once per machine and
# cached outside the clone (scripts/debug-kernel); the modules are built
# against it from a copy of the sources in DEBUG_SRC (kbuild 6.12 has no
# separate output directory for external modules), so the in-tree .ko files
# stay those of `make check`.
DEBUG_SRC ?= $(B)/debug/src
.PHONY: debug-kernel debug-modules check-debug check-faultinject clean-debug

debug-kernel:
	bash scripts/debug-kernel

debug-modules:
	@test -n "$(DEBUG_KDIR)" || { echo "debug-modules: set DEBUG_KDIR=<tree> (scripts/debug-kernel --status prints the cache; scripts/check-debug does it all)" >&2; exit 2; }
	@test -f $(DEBUG_SRC)/Kbuild || { echo "debug-modules: no sources in $(DEBUG_SRC) (scripts/check-debug copies them)" >&2; exit 2; }
	$(MAKE) -C $(DEBUG_KDIR) M=$(abspath $(DEBUG_SRC)) $(KCONFIG_VARS) modules

check-debug:
	bash scripts/check-debug

check-faultinject:
	bash scripts/check-debug --faultinject-only

clean-debug:
	rm -rf $(B)/debug

clean:
	-$(MAKE) -C $(KDIR) M=$(TOP) clean
	rm -rf $(B)/selftests $(B)/tools $(B)/unit $(B)/vmtest

# --- packaging: DKMS and the Debian packages (admin-guide.rst) -------------
# The version is the top entry of debian/changelog (a native package);
# dkms.conf has a placeholder, filled in by dkms-tree here and by dh_dkms -V
# in the package. A DKMS source tree holds only what the modules' build
# reads (scripts/pkg-test builds one in a scratch tree).
# (The dots of the sed match the parentheses around the version.)
VERSION = $(shell sed -n '1s/^ccmem .\([^ ]*\). .*/\1/p' $(TOP)/debian/changelog)
DKMS_FILES = Kbuild Makefile dkms.conf uapi/linux/ccmem.h uapi/linux/ccmem_emu.h \
	$(filter-out %_insn.h,$(wildcard host/*/*.[ch] platform/*/*.[ch] \
		guest/*.[ch] guest/virtio/*.[ch])) \
	tools/bench/bench_xa.c tools/bench/bench_xa.h
DKMS_DEST ?= /usr/src/ccmem-$(VERSION)
# The running kernel when its headers are installed, else the 6.12 of KVER.
DKMS_KVER ?= $(if $(wildcard /lib/modules/$(shell uname -r)/build),$(shell uname -r),$(KVER))
.PHONY: dkms-tree dkms-install dkms-remove deb

dkms-tree:
	@test -n "$(VERSION)" || { echo "dkms-tree: no version in debian/changelog" >&2; exit 1; }
	rm -rf $(DKMS_DEST)
	mkdir -p $(DKMS_DEST)
	cp --parents $(DKMS_FILES) $(DKMS_DEST)/
	sed -i 's/^PACKAGE_VERSION=.*/PACKAGE_VERSION="$(VERSION)"/' $(DKMS_DEST)/dkms.conf

dkms-install:
	@! dkms status -m ccmem -v $(VERSION) | grep -q . || \
		{ echo "dkms-install: ccmem $(VERSION) is already in DKMS: make dkms-remove first" >&2; exit 1; }
	$(MAKE) dkms-tree DKMS_DEST=/usr/src/ccmem-$(VERSION)
	dkms add -m ccmem -v $(VERSION)
	dkms build -m ccmem -v $(VERSION) -k $(DKMS_KVER)
	dkms install -m ccmem -v $(VERSION) -k $(DKMS_KVER)

dkms-remove:
	if dkms status -m ccmem -v $(VERSION) | grep -q .; then \
		dkms remove -m ccmem -v $(VERSION) --all; fi
	rm -rf /usr/src/ccmem-$(VERSION)

deb:
	bash scripts/deb

endif
