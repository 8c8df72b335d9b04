#!/bin/bash
# kdump-inspect's kernel view on real dumps: one lab run with 5-level paging and one with 4-level,
# each captured by makedumpfile in several formats. For every dump:
#  - `kdump-inspect dmesg` is byte for byte what `makedumpfile --dump-dmesg` writes, and holds the
#    panic line;
#  - `kdump-inspect read` of SYMBOL(init_uts_ns) (translated through the dump's page tables) gives
#    the same bytes drgn reads there, and the guest's release;
#  - `kdump-inspect vtop` walks as many levels as the guest used, and reading the physical address
#    it gives with --phys returns the same bytes.
# Formats: kdump-compressed (-l in the guest, -c from the ELF dump on the host), ELF (-E) and
# flattened (-F, made on the host; the cross-checks use the -l dump of the same crash).
set -u
source "$(dirname "$0")/lib.sh"
runs=${LAB_RUNS:-$LAB_O/lab-runs}/test_inspect_kernel
lab="$LAB_TOP/tests/e2e/lab.sh"
ki="$LAB_O/bin/kdump-inspect"
release=$(lab_kernel_release)
fail() { echo "test_inspect_kernel: FAIL: $*"; exit 1; }

[ -x "$ki" ] || fail "$ki is not built"
command -v makedumpfile >/dev/null || fail "makedumpfile is not installed (make deps)"
"$LAB_PYTHON" -c 'import drgn' 2>/dev/null || fail "$LAB_PYTHON has no drgn (make deps)"

# drgn's bytes at a kernel virtual address, as hex.
drgn_read_hex() {
	timeout 120 "$LAB_PYTHON" - "$1" "$2" "$3" <<'PY'
import sys, drgn
prog = drgn.Program()
prog.set_core_dump(sys.argv[1])
print(prog.read(int(sys.argv[2], 16), int(sys.argv[3]), False).hex())
PY
}

# check_dump DUMP LEVELS [REFDUMP]: REFDUMP (same crash, a format makedumpfile and drgn read)
# stands in for DUMP in the cross-checks when they cannot read DUMP itself (flattened).
check_dump() {
	local dump=$1 levels=$2 ref=${3:-$1} name addr ours theirs walk pa n=390
	name=$(basename "$(dirname "$(dirname "$dump")")")/$(basename "$dump")
	[ -s "$dump" ] || fail "$name: missing or empty"

	"$ki" dmesg "$dump" >"$dump.ours.dmesg" || fail "$name: kdump-inspect dmesg failed"
	rm -f "$dump.ref.dmesg"     # makedumpfile does not overwrite an existing file
	makedumpfile --dump-dmesg "$ref" "$dump.ref.dmesg" >/dev/null 2>&1 ||
		fail "$name: makedumpfile --dump-dmesg failed"
	cmp "$dump.ours.dmesg" "$dump.ref.dmesg" ||
		fail "$name: dmesg differs from makedumpfile's: $(diff "$dump.ours.dmesg" "$dump.ref.dmesg" | head -n 5)"
	grep -qF "$LAB_PANIC_LINE" "$dump.ours.dmesg" || fail "$name: no panic line in dmesg"

	addr=$("$ki" symbol "$dump" init_uts_ns) || fail "$name: kdump-inspect symbol init_uts_ns failed"
	walk=$("$ki" vtop "$dump" "$addr") || fail "$name: vtop $addr failed: $walk"
	[ "$(grep -c ' table 0x' <<<"$walk")" -ge $((levels - 2)) ] || fail "$name: vtop walked too few levels: $walk"
	grep -q "^pgd " <<<"$walk" || fail "$name: vtop shows no pgd level: $walk"
	if [ "$levels" = 5 ]; then
		grep -q "^p4d " <<<"$walk" || fail "$name: a 5-level walk without p4d: $walk"
	else
		! grep -q "^p4d " <<<"$walk" || fail "$name: a 4-level walk with p4d: $walk"
	fi
	pa=$(awk '/^physical/{print $2}' <<<"$walk")
	[ -n "$pa" ] || fail "$name: vtop gave no physical address: $walk"

	ours=$("$ki" read "$dump" "$addr" $n --raw | od -An -v -tx1 | tr -d ' \n') ||
		fail "$name: kdump-inspect read failed"
	theirs=$(drgn_read_hex "$ref" "${addr#0x}" $n) || fail "$name: drgn could not read $addr"
	[ "$ours" = "$theirs" ] || fail "$name: read of init_uts_ns differs from drgn's"
	[ "$("$ki" read "$dump" "$pa" $n --phys --raw | od -An -v -tx1 | tr -d ' \n')" = "$ours" ] ||
		fail "$name: read --phys $pa differs from the virtual read"
	# new_utsname.release is the third 65-byte field.
	[ "$("$ki" read "$dump" "$addr" $n --raw | dd bs=1 skip=130 count=65 2>/dev/null | tr -d '\0')" = "$release" ] ||
		fail "$name: init_uts_ns does not hold release $release"
	"$ki" read "$dump" "$addr" 16 | grep -q '|Linux' || fail "$name: the hexdump does not show 'Linux'"
	echo "test_inspect_kernel: $name ok ($levels-level, init_uts_ns $addr -> $pa)"
}

# The guest (TCG) writes two formats; the host derives -c and -F from the ELF dump, which is quick.
capture='makedumpfile -l -d 31 $VMCORE $OUT/vmcore && makedumpfile -E -d 31 $VMCORE $OUT/vmcore.elf'
for levels in 5 4; do
	rm -rf "$runs/$levels"
	"$lab" --loader ref --capture ref --paging $levels --timeout 480 --capture-cmd "$capture" "$runs/$levels" ||
		fail "lab run with $levels-level paging: $(grep FAIL "$runs/$levels/summary.txt" 2>/dev/null)"
	out=$runs/$levels/out
	makedumpfile -c -d 31 "$out/vmcore.elf" "$out/vmcore.zlib" >/dev/null 2>&1 || fail "makedumpfile -c on the host"
	makedumpfile -F -l -d 31 "$out/vmcore.elf" >"$out/vmcore.flat" 2>/dev/null || fail "makedumpfile -F on the host"
	for d in vmcore vmcore.elf vmcore.zlib; do
		check_dump "$runs/$levels/out/$d" $levels
	done
	check_dump "$runs/$levels/out/vmcore.flat" $levels "$runs/$levels/out/vmcore"
	rm -f "$runs/$levels"/out/vmcore*
done
echo "test_inspect_kernel: ok"
