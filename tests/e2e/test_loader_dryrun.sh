#!/bin/bash
# kdump-load --dry-run --sysroot on the recorded trees, as an unprivileged user (no QEMU, seconds):
# the text and JSON plans agree with the recorded kexec-tools PT_LOAD set, and the errors users hit
# (no crashkernel, region too small, not a bzImage, not root) are clear and exit 1.
set -u
source "$(dirname "$0")/lib.sh"
fail() { echo "test_loader_dryrun: FAIL: $*"; exit 1; }
kl="$LAB_O/bin/kdump-load"
trees="$LAB_TOP/tests/data/sysroot"
[ -x "$kl" ] || fail "$kl is not built"
kernel=$(lab_kernel)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
head -c 3000000 /dev/urandom >"$work/initrd"
cp "$kernel" "$work/vmlinuz"
chmod 644 "$work"/*
# Unprivileged, as the man page promises (nobody cannot read /boot files on every system).
as_user() { if [ "$(id -u)" = 0 ]; then setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; else "$@"; fi; }

plan() { as_user "$kl" --dry-run --sysroot "$trees/$1" --kernel "$work/vmlinuz" --initrd "$work/initrd" "${@:2}"; }

out=$(plan qemu-1g-5level --append "console=ttyS0") || fail "dry run on qemu-1g-5level: $out"
grep -q '^segments 6' <<<"$out" || fail "expected 6 segments: $out"
grep -q '^cmdline console=ttyS0 elfcorehdr=0x' <<<"$out" || fail "cmdline: $out"
# The PT_LOADs kexec -p built in that guest (tests/data/loader/kexec-debug-qemu-1g-5level.txt).
for want in 'paddr 0x006800000 vaddr 0xffffffff8c600000 size 0x3430000' \
	'paddr 0x000001000 vaddr 0xff46de5100001000 size 0x9ec00' \
	'offset 0x000100000 paddr 0x000100000 vaddr 0xff46de5100100000 size 0x2ef00000' \
	'offset 0x03f000000 paddr 0x03f000000 vaddr 0xff46de513f000000 size 0xfdd000'; do
	grep -q "PT_LOAD.*$want" <<<"$out" || fail "no PT_LOAD with $want"
done

json=$(plan qemu-5g-4level --json --cmdline "quiet") || fail "JSON dry run on qemu-5g-4level"
jq -e '.segments | length == 6' <<<"$json" >/dev/null || fail "JSON: segments"
jq -e '[.elfcorehdr.phdrs[] | select(.type == "load")] | length == 5' <<<"$json" >/dev/null ||
	fail "JSON: expected 5 PT_LOADs (text, low, 2 below 4G, 1 above)"
jq -e '.segments[] | select(.name == "kernel") | .mem >= 2936012800 and .mem % 2097152 == 0' \
	<<<"$json" >/dev/null || fail "JSON: kernel not 2M-aligned inside the region"
jq -e '[.["e820"][] | select(.type == "ram" and .start >= 4294967296)] | length == 0' <<<"$json" >/dev/null ||
	fail "JSON: the capture kernel must not get RAM above 4G outside its region"

msg=$(plan host-nocrash 2>&1); rc=$?
[ $rc = 1 ] && grep -q 'no crashkernel memory is reserved.*crashkernel=256M' <<<"$msg" || fail "no-crashkernel error: $rc $msg"
plan host-crash >/dev/null || fail "dry run on host-crash"

msg=$(as_user "$kl" --dry-run --sysroot "$trees/qemu-1g-5level" --kernel "$work/initrd" 2>&1); rc=$?
[ $rc = 1 ] && grep -q 'not a bzImage' <<<"$msg" || fail "bad kernel error: $rc $msg"

mkdir -p "$work/small"
cp -r "$trees/qemu-1g-5level/." "$work/small/"
sed -i 's/2f000000-3effffff : Crash kernel/2f000000-31ffffff : Crash kernel/' "$work/small/proc/iomem"
chmod -R a+rX "$work/small"
msg=$(as_user "$kl" --dry-run --sysroot "$work/small" --kernel "$work/vmlinuz" --initrd "$work/initrd" 2>&1); rc=$?
[ $rc = 1 ] && grep -q 'crashkernel region too small: kernel needs' <<<"$msg" || fail "small region error: $rc $msg"

# crashkernel=128M (the 4-level lab run loads with --file; kexec_load's plan must fit too).
sed -i 's/2f000000-31ffffff : Crash kernel/2f000000-36ffffff : Crash kernel/' "$work/small/proc/iomem"
out=$(as_user "$kl" --dry-run --sysroot "$work/small" --kernel "$work/vmlinuz" --initrd "$work/initrd") ||
	fail "a 128M region must hold the plan"
grep -q '^crashkernel 0x2f000000-0x36ffffff (128 MiB)' <<<"$out" || fail "128M plan: $out"

msg=$(as_user "$kl" --kernel "$work/vmlinuz" 2>&1); rc=$?
[ $rc = 1 ] && grep -q 'needs root' <<<"$msg" || fail "not-root error: $rc $msg"
as_user "$kl" --status --sysroot "$trees/qemu-1g-5level" | grep -q 'crash kernel: loaded' || fail "--status"
"$kl" --bogus >/dev/null 2>&1; [ $? = 2 ] || fail "usage error must exit 2"
echo "test_loader_dryrun: ok"
