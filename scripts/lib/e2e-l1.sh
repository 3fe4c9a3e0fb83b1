# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The test VM's half of scripts/e2e. Its /init runs this with bash in the
# chroot (the build machine's root over 9p, read-only, under a tmpfs
# overlay), as
#
#   bash scripts/lib/e2e-l1.sh RUN
#
# RUN is scripts/e2e's run directory, the same path as on the build machine
# and writable (a second 9p export). RUN/cases.sh, written by scripts/e2e,
# calls e2e_direct and e2e_libvirt below once a case; each case leaves in
# RUN/cases/NAME/: serial.log (the guest's COM1), stderr.log (QEMU's
# stderr; for libvirt the domain's log), status (QEMU's exit status, or
# "timeout", or the domain's final state), time, and for libvirt the time
# of each virsh step. Lines "CCMEM-E2E ..." on stdout reach the console.
# scripts/e2e judges the results on the build machine.
set -uo pipefail

RUN=${1:?usage: e2e-l1.sh RUN}
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LC_ALL=C
cd /

say() { echo "CCMEM-E2E $*"; }
now() { cut -d' ' -f1 /proc/uptime; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# Work files stay in the VM's tmpfs while a case runs (libvirt's QEMU and
# the polling below never touch 9p); they are copied to RUN at its end.
WORK=/tmp/e2e
mkdir -p "$WORK"

# e2e_direct NAME TIMEOUT QEMU-COMMAND...
e2e_direct() {
	local name=$1 tmo=$2 dir=$RUN/cases/$1 w=$WORK/$1 t0 rc
	shift 2
	mkdir -p "$dir" "$w"
	say "case $name: starting"
	# The case's disk image (disk=): QEMU uses a copy in the tmpfs; what
	# the guest wrote goes back to RUN for scripts/e2e to check.
	[ ! -f "$dir/disk.img" ] || cp "$dir/disk.img" "$w/disk.img"
	t0=$(now)
	timeout -k 5 "$tmo" "$@" >"$w/serial.log" 2>"$w/stderr.log" </dev/null
	rc=$?
	case "$rc" in 124|137) rc=timeout ;; esac
	cp "$w/serial.log" "$w/stderr.log" "$dir/"
	[ ! -f "$w/disk.img" ] || cp "$w/disk.img" "$dir/disk.img"
	since "$t0" >"$dir/time"
	echo "$rc" >"$dir/status"
	say "case $name: done, status $rc, $(cat "$dir/time")s"
}

# ---------------------------------------------------------------------------
# libvirt: daemons started once, at the first libvirt case

VIRSH=(virsh -q -c qemu:///system)
LIBVIRT=""

libvirt_up() {
	local t0
	[ -z "$LIBVIRT" ] || return "$LIBVIRT"
	t0=$(now)
	LIBVIRT=1
	mkdir -p /etc/libvirt /run/libvirt /var/log/libvirt/qemu /var/lib/libvirt/qemu \
		/var/cache/libvirt/qemu
	# No systemd, no cgroups, no namespaces, QEMU as root (libvirt marks
	# the domain tainted for that, and adds its -sandbox: expected).
	cat >/etc/libvirt/qemu.conf <<-'EOF'
	user = "root"
	group = "root"
	dynamic_ownership = 0
	remember_owner = 0
	security_driver = "none"
	cgroup_controllers = [ ]
	namespaces = [ ]
	EOF
	cat >/etc/libvirt/libvirtd.conf <<-'EOF'
	log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
	EOF
	virtlogd -d || { say "libvirt: virtlogd did not start"; return 1; }
	libvirtd -d || { say "libvirt: libvirtd did not start"; return 1; }
	for _ in $(seq 1 120); do
		"${VIRSH[@]}" uri >/dev/null 2>&1 && { LIBVIRT=0; break; }
		sleep 0.5
	done
	if [ "$LIBVIRT" != 0 ]; then
		say "libvirt: libvirtd does not answer after 60 s"
		return 1
	fi
	since "$t0" >"$RUN/libvirt-up.time"
	say "libvirt: virtlogd and libvirtd up in $(cat "$RUN/libvirt-up.time")s ($(libvirtd --version))"
}

# step NAME CMD...: run a virsh step, its output to virsh.log, its time to
# the case's steps file.
step() {
	local what=$1 t0 rc
	shift
	t0=$(now)
	echo "\$ $*" >>"$W/virsh.log"
	"$@" >>"$W/virsh.log" 2>&1
	rc=$?
	echo "$what $(since "$t0")s$([ "$rc" = 0 ] || echo " (status $rc)")" >>"$W/steps"
	return "$rc"
}

domstate() { "${VIRSH[@]}" domstate "$1" 2>/dev/null | head -n1; }

# e2e_libvirt NAME TIMEOUT DOMAIN-XML DOMAIN SERIAL: define, start, wait
# for the guest's KTAP report to end (or the guest to stop, or TIMEOUT),
# destroy, undefine.
e2e_libvirt() {
	local name=$1 tmo=$2 xml=$3 dom=$4 serial=$5 dir=$RUN/cases/$1 t0 t1 st
	W=$WORK/$1
	mkdir -p "$dir" "$W" "${serial%/*}"
	: >"$W/steps"
	: >"$W/virsh.log"
	say "case $name: starting (libvirt)"
	t0=$(now)
	: >"$W/errors"
	if ! libvirt_up; then
		echo "libvirtd not running" >"$W/stderr.log"
		st=no-libvirtd
	elif ! step define "${VIRSH[@]}" define "$xml"; then
		st=define-failed
	elif ! step start "${VIRSH[@]}" start "$dom"; then
		st=start-failed
	else
		t1=$(now)
		st=timeout
		while awk -v a="$t1" -v b="$(now)" -v t="$tmo" 'BEGIN { exit !(b - a < t) }'; do
			if grep -qiE '^# totals:|^Bail out!' "$serial" 2>/dev/null; then
				st=ktap-end
				break
			fi
			case "$(domstate "$dom")" in
			running|paused|"in shutdown") ;;
			*)	st="$(domstate "$dom")"; break ;;
			esac
			sleep 0.5
		done
		echo "run $(since "$t1")s ($st)" >>"$W/steps"
		if [ "$st" != "shut off" ]; then
			# The guest may still be writing its last lines.
			[ "$st" != ktap-end ] || sleep 0.5
			# It may have stopped since: that is no failure.
			step destroy "${VIRSH[@]}" destroy "$dom" ||
				grep -q 'domain is not running' "$W/virsh.log" ||
				echo "virsh destroy failed" >>"$W/errors"
		fi
		"${VIRSH[@]}" domstate --reason "$dom" >>"$W/virsh.log" 2>&1
	fi
	case "$st" in
	no-libvirtd|define-failed) ;;
	*)	step undefine "${VIRSH[@]}" undefine "$dom" ||
			echo "virsh undefine failed" >>"$W/errors" ;;
	esac
	case "$st" in *-failed|no-libvirtd) echo "$st" >>"$W/errors" ;; esac
	[ -f "$serial" ] && cp "$serial" "$W/serial.log"
	[ -f "$W/serial.log" ] || : >"$W/serial.log"
	[ -f "/var/log/libvirt/qemu/$dom.log" ] && cp "/var/log/libvirt/qemu/$dom.log" "$W/stderr.log"
	[ -f "$W/stderr.log" ] || cp "$W/virsh.log" "$W/stderr.log"
	cp "$W/serial.log" "$W/stderr.log" "$W/steps" "$W/virsh.log" "$W/errors" "$dir/"
	since "$t0" >"$dir/time"
	echo "$st" >"$dir/status"
	say "case $name: done, $st, $(cat "$dir/time")s ($(paste -sd, "$W/steps"))"
}

say "chroot ready at $(now)s of VM uptime"
# shellcheck source=/dev/null
. "$RUN/cases.sh"
if [ -n "$LIBVIRT" ] && [ -f /var/log/libvirt/libvirtd.log ]; then
	cp /var/log/libvirt/libvirtd.log "$RUN/libvirtd.log"
fi
say "all cases done at $(now)s of VM uptime"
