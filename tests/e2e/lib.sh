# Shell helpers shared by the crash lab driver and the e2e tests. Source it; it defines functions only.
# shellcheck shell=bash

LAB_TOP=${LAB_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
LAB_O=${O:-build}
case "$LAB_O" in /*) ;; *) LAB_O="$LAB_TOP/$LAB_O" ;; esac
LAB_PYTHON=/usr/bin/python3     # Debian's python: the one with drgn and libkdumpfile
LAB_PANIC_LINE="Kernel panic - not syncing: sysrq triggered crash"

lab_log() { printf 'lab: %s\n' "$*" >&2; }

# Tests that report each check and go on after a failure: ok/bad print it, bad records it in
# $fail (the test exits with it).
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
# A work directory of its own, removed at exit, as the current directory; fail=0.
e2e_work_dir() {
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	cd "$work" || exit 1
	fail=0
}
lab_die() { printf 'lab: error: %s\n' "$*" >&2; exit 2; }

# The guest kernel: the newest Debian kernel installed on the host.
lab_kernel() {
	local k
	k=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)
	[ -n "$k" ] || lab_die "no /boot/vmlinuz-*: install linux-image-amd64 (make deps)"
	echo "$k"
}
lab_kernel_release() { basename "$(lab_kernel)" | sed 's/^vmlinuz-//'; }

# Copy executables and the shared libraries they need into a root tree.
lab_copy_with_libs() {
	local root=$1 dest=$2; shift 2
	local bin lib
	mkdir -p "$root$dest"
	for bin in "$@"; do
		[ -x "$bin" ] || lab_die "$bin: not an executable"
		cp -L "$bin" "$root$dest/"
		ldd "$bin" 2>/dev/null | awk '/=> \//{print $3} /^\t\/.*ld-linux/{print $1}' |
		while read -r lib; do
			[ -e "$root$lib" ] && continue
			mkdir -p "$root$(dirname "$lib")"
			cp -L "$lib" "$root$lib"
		done
	done
}

# Modules the guest needs for its virtio disk (and network), in load order (LAB.md).
LAB_MODULES="virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev virtio virtio_pci virtio_blk
crc32c_generic jbd2 mbcache crc16 ext4 failover net_failover virtio_net"

lab_copy_modules() {
	local root=$1 rel=$2 m f
	mkdir -p "$root/lib/modules/$rel"
	for m in $LAB_MODULES; do
		f=$(find "/lib/modules/$rel" -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" | head -n 1)
		[ -n "$f" ] || lab_die "module $m not found under /lib/modules/$rel"
		case "$f" in
		*.xz) xz -dc "$f" >"$root/lib/modules/$rel/$m.ko" ;;
		*.zst) zstd -qdc "$f" >"$root/lib/modules/$rel/$m.ko" ;;
		*) cp "$f" "$root/lib/modules/$rel/$m.ko" ;;
		esac
	done
	echo "$LAB_MODULES" | tr -s ' \n' '\n\n' | sed '/^$/d' >"$root/lib/modules/$rel/load-order"
}

# Pack a root tree into a gzip'd newc cpio.
lab_pack_initramfs() {
	local root=$1 out=$2
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -1 >"$out"
}

# A dump to give readers: flattened streams are rebuilt into a kdump file first.
lab_readable_dump() {
	local dump=$1 work=$2
	if [ "$(head -c 12 "$dump" 2>/dev/null | tr -d '\0')" = "makedumpfile" ]; then
		makedumpfile -R "$work/rebuilt.kdump" <"$dump" >/dev/null 2>&1 || return 1
		echo "$work/rebuilt.kdump"
	else
		echo "$dump"
	fi
}

# VMCOREINFO is stored uncompressed near the start of every dump format.
lab_vmcoreinfo_value() {
	local dump=$1 key=$2
	head -c 64M "$dump" | grep -a -o -m 1 "$key=[0-9A-Za-z._-]*" | head -n 1 | cut -d= -f2
}

# Read the release string from init_uts_ns through the dump's page tables with drgn.
lab_drgn_release() {
	local dump=$1 addr
	addr=$(lab_vmcoreinfo_value "$dump" 'SYMBOL(init_uts_ns)')
	[ -n "$addr" ] || { echo "no SYMBOL(init_uts_ns) in VMCOREINFO"; return 1; }
	timeout 120 "$LAB_PYTHON" - "$dump" "$addr" <<'PY'
import sys, drgn
prog = drgn.Program()
prog.set_core_dump(sys.argv[1])
# struct uts_namespace starts with struct new_utsname: 6 fields of 65 bytes.
raw = prog.read(int(sys.argv[2], 16), 6 * 65, False)
fields = [raw[i * 65:(i + 1) * 65].split(b"\0")[0].decode() for i in range(6)]
if fields[0] != "Linux":
    sys.exit("init_uts_ns.name.sysname is %r, not 'Linux'" % fields[0])
print(fields[2])
PY
}

# Validate a dump with the reference readers. Prints one "check NAME ok|FAIL detail" line each;
# returns non-zero when any check failed.
lab_check_dump() {
	local dump=$1 release=$2 work=$3 readable out rc=0
	mkdir -p "$work"
	if [ ! -s "$dump" ]; then
		echo "check dump FAIL $dump is missing or empty"
		return 1
	fi
	if ! readable=$(lab_readable_dump "$dump" "$work"); then
		echo "check rebuild FAIL makedumpfile -R could not rebuild the flattened dump"
		return 1
	fi
	if makedumpfile --dump-dmesg "$readable" "$work/dmesg.txt" >"$work/makedumpfile.log" 2>&1 &&
		grep -qF "$LAB_PANIC_LINE" "$work/dmesg.txt"; then
		echo "check dmesg ok panic line found by makedumpfile --dump-dmesg"
	else
		echo "check dmesg FAIL no \"$LAB_PANIC_LINE\" ($(tail -n 1 "$work/makedumpfile.log"))"
		rc=1
	fi
	out=$(timeout 120 crash --osrelease "$readable" 2>"$work/crash.log" | tail -n 1)
	if [ "$out" = "$release" ]; then
		echo "check crash ok crash --osrelease = $out"
	else
		echo "check crash FAIL crash --osrelease gave '$out', expected '$release'"
		rc=1
	fi
	out=$(lab_drgn_release "$readable" 2>&1 | tail -n 1)
	if [ "$out" = "$release" ]; then
		echo "check drgn ok drgn read init_uts_ns.name.release = $out"
	else
		echo "check drgn FAIL drgn read '$out', expected '$release'"
		rc=1
	fi
	return $rc
}

# Guest-time markers "LABMARK name uptime" from a console log, as "name uptime" lines.
lab_markers() { grep -a -o 'LABMARK [a-z0-9_-]* [0-9.]*' "$1" | cut -d' ' -f2-; }
