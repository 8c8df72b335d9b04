#!/bin/bash
# kdump-load in the crash lab (about 4-5 minutes of QEMU):
#  1. 5-level guest, 1G, 2 CPUs, crashkernel=256M: kdump-load (kexec_load + our purgatory) then
#     makedumpfile; the dump validates (dmesg panic line, crash, drgn). In stage 1: --status says
#     loaded, --unload empties the slot, --status says not loaded, a live --dry-run plans 6
#     segments, and a reload arms the crash kernel again.
#  2. 4-level guest, 2 CPUs, crashkernel=128M: kdump-load --file (kexec_file_load), capture by the
#     lab's default capture tool (kdump-capture when built, makedumpfile otherwise).
#  3. 5G guest (RAM above 4G, a PT_LOAD above 4G in our elfcorehdr), 4-level: kdump-load, capture
#     by the lab's default capture tool (kdump-capture when built).
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

"$lab" --loader ours --paging 4 --smp 2 --crashkernel 128M \
	--load-cmd 'kdump-load --file --kernel "$KERNEL" --initrd "$INITRD" --append "$CMDLINE"' \
	"$runs/4level-128M-file" || fail "kdump-load --file on a 4-level guest with crashkernel=128M"

"$lab" --loader ours --mem 5G --paging 4 --load-cmd "$load" "$runs/5G" ||
	fail "kdump-load on a 5G guest (RAM above 4G)"

# The purgatory halts for good, so QEMU would run to its timeout: once the console shows the
# refusal, stop that QEMU (through the lab's own `timeout` process, found by parent id).
rm -f "$runs/bad-digest/console.log"
"$lab" --loader ours --capture ref --timeout 240 --expect-no-dump \
	--load-cmd 'kdump-load --test-bad-digest --kernel "$KERNEL" --initrd "$INITRD" --append "$CMDLINE"' \
	"$runs/bad-digest" >"$runs/bad-digest.log" 2>&1 &
labpid=$!
for _ in $(seq 1 240); do
	grep -q -a 'kdumpkit purgatory: SHA-256 mismatch' "$runs/bad-digest/console.log" 2>/dev/null && break
	kill -0 "$labpid" 2>/dev/null || break
	sleep 1
done
sleep 2
tpid=$(pgrep -P "$labpid" -x timeout)
[ -n "$tpid" ] && kill "$tpid"
wait "$labpid" || {
	cat "$runs/bad-digest.log"
	fail "the lab did not accept the bad-digest run as 'no dump'"
}
grep -q 'kdumpkit purgatory: SHA-256 mismatch' "$runs/bad-digest/console.log" ||
	fail "the purgatory did not report the digest mismatch"
grep -q 'LABMARK stage2-init' "$runs/bad-digest/console.log" &&
	fail "the capture kernel booted despite a wrong digest"
echo "test_loader: ok (kexec_load 5-level and 5G, --file 4-level 128M, --status/--unload, bad digest stops the boot)"
