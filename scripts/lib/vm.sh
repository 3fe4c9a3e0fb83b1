# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The test VM ("L1"), shared by scripts/vmtest and scripts/e2e: the kernel
# it boots, the ccmem modules it loads, its busybox initramfs and the QEMU
# process that runs it under TCG. Sourced by those scripts, which define
# log() and die() and run from the top of the tree.
#
# Environment (the scripts' own; see scripts/vmtest --help):
#   VMTEST_KVER, VMTEST_KERNEL, VMTEST_MODULES, VMTEST_BUSYBOX

# vm_kernel [IMAGE]: set KVER and KERNEL, the image to boot (IMAGE, else
# VMTEST_KERNEL, else Debian's /boot/vmlinuz-$KVER). KVER is VMTEST_KVER,
# else read from IMAGE, else the release scripts/setup-deps installed.
vm_kernel() {
	local opt=${1:-}

	KVER=${VMTEST_KVER:-}
	if [ -n "$opt" ]; then
		[ -r "$opt" ] || die "--kernel $opt not readable"
		# "Linux kernel x86 boot executable bzImage, version 6.12.95-... (...)"
		[ -n "$KVER" ] || KVER=$(file -bL "$opt" | sed -n 's/.*, version \([^ ]*\) .*/\1/p')
		[ -n "$KVER" ] || die "cannot read the kernel release from $opt (set VMTEST_KVER)"
	fi
	if [ -z "$KVER" ]; then
		[ -r /var/lib/ccmem-kver ] || die "/var/lib/ccmem-kver missing: run scripts/setup-deps (or set VMTEST_KVER)"
		KVER=$(cat /var/lib/ccmem-kver)
	fi
	KERNEL=${opt:-${VMTEST_KERNEL:-/boot/vmlinuz-$KVER}}
	[ -r "$KERNEL" ] || die "kernel image $KERNEL not readable (run scripts/setup-deps; Debian's /boot/vmlinuz-* is readable by root only)"
}

# vm_modules [DIR]: set MODULES to the ccmem modules in load order, from DIR
# (default: the top of the tree, where kbuild leaves them): ccmem.ko,
# ccmem_snp.ko, then every other ccmem_*.ko; VMTEST_MODULES (a space
# separated list, may be empty) overrides. Each must match KVER.
vm_modules() {
	local md=${1:-.} m vm

	if [ -n "${VMTEST_MODULES+set}" ]; then
		read -r -a MODULES <<<"$VMTEST_MODULES"
	else
		MODULES=()
		[ -d "$md" ] || die "--moddir $md is not a directory"
		for m in ccmem.ko ccmem_snp.ko; do
			[ -f "$md/$m" ] || die "$md/$m not built: run make first (or set VMTEST_MODULES)"
			MODULES+=("${md%/}/$m")
		done
		for m in "$md"/ccmem_*.ko; do
			[ -f "$m" ] || continue
			case "${m##*/}" in ccmem_snp.ko) ;; *) MODULES+=("$m") ;; esac
		done
	fi
	for m in ${MODULES[@]+"${MODULES[@]}"}; do
		[ -f "$m" ] || die "module $m not found"
		vm=$(modinfo -F vermagic "$m" 2>/dev/null | awk '{ print $1 }') || true
		[ -z "$vm" ] || [ "$vm" = "$KVER" ] ||
			die "$m was built for kernel $vm but the VM boots $KVER: rebuild it"
	done
}

# vm_root ROOT: a fresh initramfs tree in ROOT with busybox, its applets,
# and the MODULES in /lib/modules/ccmem, named in load order in
# /etc/vmtest-modules.
vm_root() {
	local root=$1 busybox=${VMTEST_BUSYBOX:-/bin/busybox} a m

	[ -x "$busybox" ] || die "$busybox not found: install busybox-static (scripts/setup-deps)"
	rm -rf "$root"
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,root,etc,lib/modules/ccmem}
	install -m 0755 "$busybox" "$root/bin/busybox"
	# Applet links, at the paths busybox itself names (bin/ls, sbin/insmod, ...).
	"$busybox" --list-full | while read -r a; do
		case "$a" in bin/busybox|linuxrc|sbin/init) continue ;; esac
		[ -e "$root/$a" ] || ln -s /bin/busybox "$root/$a"
	done
	# An initial console for the kernel to open; /init also remounts /dev as
	# devtmpfs and reopens the console, so this is only a nicety (needs root).
	mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true

	: >"$root/etc/vmtest-modules"
	for m in ${MODULES[@]+"${MODULES[@]}"}; do
		install -m 0644 "$m" "$root/lib/modules/ccmem/"
		basename "$m" >>"$root/etc/vmtest-modules"
	done
}

# vm_kernel_modules ROOT NAME...: the named modules of the KVER tree under
# /lib/modules, with the modules they depend on, into ROOT/lib/modules/kernel
# decompressed (busybox insmod reads no .xz), named in load order in
# ROOT/etc/kernel-modules. For what Debian builds as modules (9p, overlay).
vm_kernel_modules() {
	local root=$1 dir=/lib/modules/$KVER n f
	shift
	[ -r "$dir/modules.dep" ] || die "$dir/modules.dep missing: is linux-image-$KVER installed?"
	mkdir -p "$root/lib/modules/kernel"
	: >"$root/etc/kernel-modules"
	# modules.dep lists a module's dependencies, deepest last: load them
	# from the end, each once.
	for n in "$@"; do
		awk -v n="$n" -F': *' '{
			m = $1; sub(/.*\//, "", m); sub(/\.ko(\.[a-z]+)?$/, "", m); gsub(/-/, "_", m)
			if (m != n) next
			k = split($2, d, " ")
			for (i = k; i >= 1; i--) print d[i]
			print $1
			found = 1; exit
		} END { exit !found }' "$dir/modules.dep" ||
			die "kernel module $n not in $dir/modules.dep"
	done | awk '!seen[$0]++' | while read -r f; do
		n=${f##*/}; n=${n%.xz}; n=${n%.zst}; n=${n%.gz}
		case "$f" in
		*.xz)	xz -dc "$dir/$f" >"$root/lib/modules/kernel/$n" ;;
		*.zst)	zstd -qdc "$dir/$f" >"$root/lib/modules/kernel/$n" ;;
		*.gz)	gzip -dc "$dir/$f" >"$root/lib/modules/kernel/$n" ;;
		*)	cp "$dir/$f" "$root/lib/modules/kernel/$n" ;;
		esac
		echo "$n" >>"$root/etc/kernel-modules"
	done
}

# vm_pack ROOT FILE: ROOT as a gzipped newc cpio, written atomically.
vm_pack() {
	(cd "$1" && find . -print0 | LC_ALL=C sort -z |
		cpio --null --create --format=newc --owner=0:0 --quiet) | gzip -6 >"$2.tmp"
	mv -f "$2.tmp" "$2"
}

# vm_start PIDFILE CONSOLE TIMEOUT FILTER QEMU-COMMAND...: run QEMU in the
# background under TIMEOUT seconds, its output saved to CONSOLE and shown
# through the FILTER command; sets VM_JOB. The pipeline runs in the
# background so that an interrupt of the script reaches its trap at once
# (bash runs traps only between commands) and the trap can stop QEMU by its
# pid file rather than leave it running. vm_wait collects it.
vm_start() {
	VM_PIDFILE=$1
	local console=$2 tmo=$3 filter=$4
	shift 4
	rm -f "$VM_PIDFILE"
	trap 'vm_stop; log "interrupted"; exit 130' INT
	trap 'vm_stop; log "terminated"; exit 143' TERM HUP
	(
		set +e
		timeout --foreground -k 10 "$tmo" "$@" -pidfile "$VM_PIDFILE" \
			</dev/null 2>&1 | tee "$console" | "$filter"
		exit "${PIPESTATUS[0]}"
	) &
	VM_JOB=$!
}

# shellcheck disable=SC2317 # called from the traps and the callers' watchers
vm_stop() {
	local pid
	pid=$(cat "$VM_PIDFILE" 2>/dev/null) || return 0
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
	return 0
}

# vm_wait: wait for the VM started by vm_start; its status in VM_RC (124 or
# 137: the time ran out).
# shellcheck disable=SC2034 # VM_RC is for the caller
vm_wait() {
	VM_RC=0
	wait "$VM_JOB" || VM_RC=$?
	trap - INT TERM HUP
}
