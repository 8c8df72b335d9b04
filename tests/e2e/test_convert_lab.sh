#!/bin/bash
# kdump-inspect convert on a real dump from the crash lab (one QEMU run): makedumpfile -l -d 31
# captures, then the dump is converted to ELF, kdump-compressed (zlib, lzo) and a flattened stream
# (rebuilt with makedumpfile -R); every output passes the lab's reference checks
# (makedumpfile --dump-dmesg finds the panic line, crash --osrelease and drgn read the release),
# libkdumpfile reads init_uts_ns from it physically with the same bytes as from the source, and
# our reader verifies it.
set -u
source "$(dirname "$0")/lib.sh"
runs=${LAB_RUNS:-$LAB_O/lab-runs}/test_convert_lab
lab="$LAB_TOP/tests/e2e/lab.sh"
ki=$LAB_O/bin/kdump-inspect
fail=0
[ -x "$ki" ] || { echo "missing: $ki (make all)"; exit 1; }

rm -rf "$runs"
mkdir -p "$runs"
"$lab" --loader ref --capture ref --capture-cmd 'makedumpfile -l -d 31 $VMCORE $OUT/vmcore' \
	"$runs/lab" >"$runs.log" 2>&1 || { tail -20 "$runs.log"; echo "FAIL: lab run"; exit 1; }
src=$runs/lab/out/vmcore
release=$(lab_kernel_release)
work=$runs/work
mkdir -p "$work"
cd "$work" || exit 1

# init_uts_ns, physically: its paddr through our vtop, bytes through libkdumpfile.
uts=$("$ki" symbol "$src" init_uts_ns)
paddr=$("$ki" vtop "$src" "$uts" | awk '$1 == "physical" {print $2}')
physread() {
	"$LAB_PYTHON" -c 'import sys, kdumpfile
k = kdumpfile.kdumpfile(sys.argv[1])
sys.stdout.write(k.read(kdumpfile.KDUMP_MACHPHYSADDR, int(sys.argv[2], 16), 390).hex())' "$1" "$paddr"
}
want=$(physread "$src")
[ -n "$want" ] || bad "libkdumpfile cannot read init_uts_ns (paddr '$paddr') from the source"

check() {  # FILE (readable by the reference tools)
	local f=$1 out
	out=$(lab_check_dump "$f" "$release" "$work/check-$(basename "$f")")
	echo "$out" | sed "s|^|$(basename "$f"): |"
	echo "$out" | grep -q FAIL && bad "reference checks on $(basename "$f")"
	[ "$(physread "$f")" = "$want" ] && ok "libkdumpfile reads init_uts_ns from $(basename "$f")" ||
		bad "libkdumpfile init_uts_ns differs in $(basename "$f")"
	"$ki" verify "$f" >/dev/null && ok "kdump-inspect verify $(basename "$f")" || bad "verify $f"
}

"$ki" convert "$src" out.elf --format elf && check out.elf || bad "convert to ELF"
for c in zlib lzo; do
	"$ki" convert "$src" out.$c --format kdump --compress $c && check out.$c || bad "convert to kdump $c"
done
"$ki" convert "$src" - --format flat >out.flat || bad "convert to flat"
makedumpfile -R out.rebuilt <out.flat >/dev/null && check out.rebuilt || bad "makedumpfile -R"
"$ki" convert out.flat out.replayed --format kdump && cmp out.replayed out.rebuilt &&
	ok "convert flat -> kdump == makedumpfile -R" || bad "replay differs from -R"
rm -rf "$work"/out.* "$src"
exit $fail
