#!/bin/bash
# kdump-inspect dmesg/read/vtop/symbol on synthetic ELF vmcores (tests/gen/gen_kernel_dump.c) of a
# 4-level and a 5-level kernel: no QEMU, seconds. The expected values are what the generator put in
# the dump; `makedumpfile --dump-dmesg` reads the same dumps and must print the same log.
set -u
O=${O:-build}
case "$O" in /*) ;; *) O="$(cd "$(dirname "$0")/../.." && pwd)/$O" ;; esac
ki="$O/bin/kdump-inspect"
gen="$O/gen/gen_kernel_dump"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "test_inspect_kernel_synth: FAIL: $*"; exit 1; }

[ -x "$ki" ] || fail "$ki is not built"
[ -x "$gen" ] || fail "$gen is not built"
command -v makedumpfile >/dev/null || fail "makedumpfile is not installed (make deps)"

expected_tail='[   59.250000] filler 59
[   99.000000] escapes:	\x01\x7f\xffffffe9\xffffffff end
[  100.000001] multi
               line
               text
[12345.678901] sysrq: Trigger a crash
[12345.678901] Kernel panic - not syncing: sysrq triggered crash'

for levels in 4 5; do
	d="$work/synth$levels.elf"
	"$gen" -l $levels "$d" || fail "gen_kernel_dump -l $levels"

	# dmesg: what the generator wrote, wrapped; the same bytes as makedumpfile's.
	"$ki" dmesg "$d" >"$d.dmesg" || fail "$levels-level: dmesg failed"
	[ "$(tail -n 7 "$d.dmesg")" = "$expected_tail" ] ||
		fail "$levels-level: dmesg ends with: $(tail -n 7 "$d.dmesg")"
	head -n 1 "$d.dmesg" | grep -q '^\[   [0-9][0-9]\.250000\] filler [0-9][0-9]$' ||
		fail "$levels-level: the oldest records did not wrap away: $(head -n 1 "$d.dmesg")"
	makedumpfile --dump-dmesg "$d" "$d.ref" >/dev/null 2>&1 || fail "$levels-level: makedumpfile --dump-dmesg"
	cmp "$d.dmesg" "$d.ref" || fail "$levels-level: dmesg differs from makedumpfile's"

	# symbol and vtop of init_uts_ns: in the image, a 2M page.
	addr=$("$ki" symbol "$d" init_uts_ns) || fail "$levels-level: symbol init_uts_ns"
	[ "$addr" = 0xffffffff85400000 ] || fail "$levels-level: init_uts_ns at $addr"
	"$ki" symbol "$d" | grep -q '^0xffffffff85400000 init_uts_ns$' || fail "$levels-level: symbol list"
	walk=$("$ki" vtop "$d" "$addr") || fail "$levels-level: vtop $addr: $walk"
	[ "$(grep -c ' table 0x' <<<"$walk")" = $((levels - 1)) ] || fail "$levels-level: vtop levels: $walk"
	grep -q "^physical  0x0000000007400000 (2M page)$" <<<"$walk" || fail "$levels-level: vtop result: $walk"
	[ "$("$ki" read "$d" "$addr" 80 --raw | dd bs=1 skip=65 count=9 2>/dev/null)" = synthetic ] ||
		fail "$levels-level: read of init_uts_ns"
	"$ki" read "$d" 0x7400000 16 --phys | grep -q '^0000000007400000  4c 69 6e 75 78 00' ||
		fail "$levels-level: read --phys hexdump: $("$ki" read "$d" 0x7400000 16 --phys)"

	# A vmalloc 4K mapping: every level down to the pte.
	va=$("$ki" symbol "$d" vmap_area_list)
	walk=$("$ki" vtop "$d" "$va") || fail "$levels-level: vtop $va: $walk"
	[ "$(grep -c ' table 0x' <<<"$walk")" = $levels ] || fail "$levels-level: vmalloc vtop levels: $walk"
	grep -q "^pte .* index 291 " <<<"$walk" || fail "$levels-level: vmalloc pte index: $walk"
	grep -q "^physical  0x0000000000500000 (4K page)$" <<<"$walk" || fail "$levels-level: vmalloc vtop: $walk"
	[ "$("$ki" read "$d" "$va" 12 --raw)" = "vmalloc page" ] || fail "$levels-level: vmalloc read"

	# Errors: an unmapped address and an unknown symbol are usage errors (2) with one line.
	"$ki" vtop "$d" 0xffffffff00000000 >"$work/out" 2>"$work/err"
	[ $? = 2 ] || fail "$levels-level: vtop of an unmapped address: exit $?"
	grep -q 'not mapped' "$work/err" || fail "$levels-level: unmapped message: $(cat "$work/err")"
	"$ki" symbol "$d" no_such_symbol >/dev/null 2>&1
	[ $? = 2 ] || fail "$levels-level: unknown symbol should exit 2"
	# A page the dump does not hold is a damaged/incomplete dump (1).
	"$ki" read "$d" 0x30000000 8 --phys >/dev/null 2>"$work/err"
	[ $? = 1 ] || fail "$levels-level: read of a missing page should exit 1"
	echo "test_inspect_kernel_synth: $levels-level ok"
done
echo "test_inspect_kernel_synth: ok"
