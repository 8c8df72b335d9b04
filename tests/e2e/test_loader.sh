#!/bin/bash
# kdump-load in the crash lab (about 4-5 minutes of QEMU):
#  1. 5-level guest, 1G, 2 CPUs, crashkernel=256M: kdump-load (kexec_load + our purgatory) then
#     makedumpfile; the dump validates (dmesg panic line, crash, drgn). In stage 1: --status says
#     loaded, --unload empties the slot, --status says not loaded, a live --dry-run plans 6
#     segments, and a reload arms the crash kernel again.
#  2. 4-level guest, 2 CPUs, crashkernel=128M: kdump-load, capture by the default capture tool
#     (kdump-capture when built, makedumpfile otherwise).
#  3. 5G guest (RAM above 4G), 4-level: kdump-load --file (kexec_file_load).
#  4. a wrong digest (test-only --test-bad-digest): the purgatory must refuse to start the capture
#     kernel: it says so on the console, and no dump appears.
set -u
source "$(dirname "$0")/lib.sh"
runs=${LAB_RUNS:-$LAB_O/lab-runs}/test_loader
lab="$LAB_TOP/tests/e2e/lab.sh"
fail() { echo "test_loader: FAIL: $*"; exit 1; }
[ -x "$LAB_O/bin/kdump-load" ] || fail "$LAB_O/bin/kdump-load is not built"

load='kdump-load --kernel "$KERNEL" --initrd "$INITRD" --append "$CMDLINE"'
extra='set -e
kdump-load --status
kdump-load --status | grep -q "crash kernel: loaded"
kdump-load --status | grep -q "crashkernel region: 0x"
kdump-load --unload
kdump-load --status | grep -q "crash kernel: not loaded"
kdump-load --dry-run --kernel "$KERNEL" --initrd "$INITRD" --append "$CMDLINE" >/tmp/plan.txt
grep -q "^segments 6" /tmp/plan.txt
kdump-load --kernel "$KERNEL" --initrd "$INITRD" --append "$CMDLINE"
kdump-load --status | grep -q "crash kernel: loaded"
echo LOADER-STAGE1-CHECKS-OK'

"$lab" --loader ours --capture ref --load-cmd "$load" --stage1-extra "$extra" "$runs/5level" ||
	fail "kdump-load + makedumpfile on a 5-level guest"
grep -q 'LOADER-STAGE1-CHECKS-OK' "$runs/5level/console.log" || fail "--status/--unload checks did not run"
grep -q 'kdumpkit purgatory: digests ok' "$runs/5level/console.log" || fail "no purgatory message on the console"

"$lab" --loader ours --paging 4 --smp 2 --crashkernel 128M --load-cmd "$load" "$runs/4level-128M" ||
	fail "kdump-load on a 4-level guest with crashkernel=128M"

"$lab" --loader ours --capture ref --mem 5G --paging 4 \
	--load-cmd 'kdump-load --file --kernel "$KERNEL" --initrd "$INITRD" --append "$CMDLINE"' \
	"$runs/5G-file" || fail "kdump-load --file (kexec_file_load) on a 5G guest"

"$lab" --loader ours --capture ref --timeout 80 --expect-no-dump \
	--load-cmd 'kdump-load --test-bad-digest --kernel "$KERNEL" --initrd "$INITRD" --append "$CMDLINE"' \
	"$runs/bad-digest" >"$runs/bad-digest.log" 2>&1 || {
	cat "$runs/bad-digest.log"
	fail "the lab did not accept the bad-digest run as 'no dump'"
}
grep -q 'kdumpkit purgatory: SHA-256 mismatch' "$runs/bad-digest/console.log" ||
	fail "the purgatory did not report the digest mismatch"
grep -q 'LABMARK stage2-init' "$runs/bad-digest/console.log" &&
	fail "the capture kernel booted despite a wrong digest"
echo "test_loader: ok (kexec_load 5-/4-level, 256M/128M, --status/--unload, --file on 5G, bad digest stops the boot)"
