#!/bin/bash
# The crash lab proves itself with the Debian reference tools (kexec -p + makedumpfile):
#  1. a 5-level guest: the dump validates with makedumpfile --dump-dmesg, crash and drgn;
#  2. a 4-level guest with 2 CPUs and 128M crashkernel: same, and the memory patterns that stage 1
#     writes (page cache and anonymous memory) are in an unfiltered ELF dump;
#  3. a capture that truncates its dump must make the lab FAIL, naming the broken check.
set -u
source "$(dirname "$0")/lib.sh"
runs=${LAB_RUNS:-$LAB_O/lab-runs}/test_lab
lab="$LAB_TOP/tests/e2e/lab.sh"
fail() { echo "test_lab: FAIL: $*"; exit 1; }

"$lab" --loader ref --capture ref "$runs/5level" || fail "reference run on a 5-level guest"
grep -q '"passed":true' "$runs/5level/summary.json" || fail "summary.json does not say passed"
grep -q 'LABMARK loaded' "$runs/5level/console.log" || fail "console.log has no markers"

# The pattern is built from pieces so that this script's own text does not contain it.
a=KDUMPKIT b=LAB
"$lab" --loader ref --capture ref --paging 4 --smp 2 --crashkernel 128M \
	--capture-cmd 'makedumpfile -E -d 1 $VMCORE $OUT/vmcore' "$runs/4level" ||
	fail "reference run on a 4-level guest"
grep -q 'paging=4' "$runs/4level/summary.txt" || fail "4-level run not recorded as such"
# An uncompressed ELF dump at level 1 keeps page cache and user pages: both patterns are in it.
grep -a -q -m 1 "$a-$b-ANON-PATTERN" "$runs/4level/out/vmcore" || fail "anonymous-memory pattern not in the dump"
grep -a -q -m 1 "$a-$b-CACHE-PATTERN" "$runs/4level/out/vmcore" || fail "page-cache pattern not in the dump"
rm -f "$runs/4level/out/vmcore"     # 180 MB; the summary keeps its size

# A broken capture: the dump is cut to half its size. The lab must notice.
if "$lab" --loader ref --capture ref \
	--capture-cmd 'makedumpfile -l -d 31 $VMCORE $OUT/vmcore && s=$(stat -c %s $OUT/vmcore) && truncate -s $((s / 2)) $OUT/vmcore' \
	"$runs/truncated" >"$runs/truncated.log" 2>&1; then
	fail "the lab accepted a truncated dump"
fi
grep -q 'check dmesg FAIL\|check crash FAIL\|check drgn FAIL' "$runs/truncated/summary.txt" ||
	fail "the truncated dump failed for another reason: $(grep FAIL "$runs/truncated/summary.txt")"
grep -q '"passed":false' "$runs/truncated/summary.json" || fail "summary.json does not say failed"
echo "test_lab: ok (reference stack validated on 5- and 4-level guests; truncated dump rejected)"
