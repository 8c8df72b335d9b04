#!/bin/bash
# bench/inspect: kdump-inspect against makedumpfile on the same dumps, in one run.
#   dmesg:   kdump-inspect dmesg        vs  makedumpfile --dump-dmesg   (outputs must be identical)
#   rebuild: kdump-inspect convert --format kdump FLAT  vs  makedumpfile -R < FLAT
# Input: bench/data/vmcore-2g (a raw /proc/vmcore of a 2048M lab guest, `make bench-data`),
# filtered once with makedumpfile into kdump-compressed and flattened files.
# Reproduce: make bench-inspect        (REPEAT=N sets the repetitions, best time kept)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
O=${O:-build}
case "$O" in /*) ;; *) O="$top/$O" ;; esac
inspect="$O/bin/kdump-inspect"
raw="$top/bench/data/vmcore-2g"
repeat=${REPEAT:-5}
[ -x "$inspect" ] || { echo "bench/inspect: $inspect is not built (make)"; exit 2; }
if [ ! -f "$raw" ]; then
	echo "bench/inspect: $raw missing; making it (make bench-data, a few minutes)"
	make -C "$top" --no-print-directory bench-data
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
makedumpfile -l -d 31 "$raw" "$work/dump.kdump" >/dev/null 2>&1
makedumpfile -F -l -d 31 "$raw" >"$work/dump.flat" 2>/dev/null

# Best wall time of $repeat runs of a command, in seconds (files in page cache after the first).
best() {
	local b="" t0 t1 t
	for _ in $(seq "$repeat"); do
		rm -f "$work/out"*
		t0=$EPOCHREALTIME
		"$@" >/dev/null 2>&1 || { echo "bench/inspect: failed: $*" >&2; exit 1; }
		t1=$EPOCHREALTIME
		t=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.4f", b-a}')
		if [ -z "$b" ] || awk -v t="$t" -v b="$b" 'BEGIN{exit !(t < b)}'; then b=$t; fi
	done
	echo "$b"
}
ratio() { awk -v ours="$1" -v ref="$2" 'BEGIN{printf "%.2f", ours / ref}'; }

ref_dmesg=$(best makedumpfile --dump-dmesg "$work/dump.kdump" "$work/out.ref")
our_dmesg=$(best sh -c "'$inspect' dmesg '$work/dump.kdump' >'$work/out.ours'")
makedumpfile --dump-dmesg "$work/dump.kdump" "$work/dmesg.ref" >/dev/null 2>&1
"$inspect" dmesg "$work/dump.kdump" >"$work/dmesg.ours"
cmp -s "$work/dmesg.ref" "$work/dmesg.ours" && same_dmesg=identical || same_dmesg=DIFFERENT

ref_rebuild=$(best sh -c "makedumpfile -R '$work/out.ref' <'$work/dump.flat'")
our_rebuild=$(best "$inspect" convert "$work/dump.flat" "$work/out.ours" --format kdump)
makedumpfile -R "$work/rebuilt.ref" <"$work/dump.flat" >/dev/null 2>&1
"$inspect" convert "$work/dump.flat" "$work/rebuilt.ours" --format kdump >/dev/null
cmp -s "$work/rebuilt.ref" "$work/rebuilt.ours" && same_rebuild=byte-identical || same_rebuild="differs (pages compared by verify)"

echo "input: $raw ($(du -h --apparent-size "$raw" | cut -f1)), kdump -l -d31 $(du -h --apparent-size "$work/dump.kdump" | cut -f1), flat $(du -h --apparent-size "$work/dump.flat" | cut -f1); best of $repeat"
printf '%-14s %12s %12s %8s  %s\n' task makedumpfile kdump-inspect ratio output
printf '%-14s %11ss %11ss %7sx  %s\n' dmesg "$ref_dmesg" "$our_dmesg" "$(ratio "$our_dmesg" "$ref_dmesg")" "$same_dmesg"
printf '%-14s %11ss %11ss %7sx  %s\n' flat-to-kdump "$ref_rebuild" "$our_rebuild" "$(ratio "$our_rebuild" "$ref_rebuild")" "$same_rebuild"
echo "(ratio = kdump-inspect time / makedumpfile time; below 1 is faster)"
echo "reproduce: make bench-inspect"
[ "$same_dmesg" = identical ]
