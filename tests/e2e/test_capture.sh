#!/bin/bash
# kdump-capture in the crash lab (`kexec -p` + kdump-capture in the capture kernel):
#  run 1, 5-level guest: kdump lzo -d 31 (the lab's checks: makedumpfile --dump-dmesg, crash, drgn),
#    kdump zstd -d 31 (crash, drgn, kdump-inspect dmesg), ELF -d 31 (all three), uncompressed
#    kdump -d 1; the stage-1 patterns are in the -d 1 dump and absent from the -d 31 one (the
#    freed copies on per-CPU free lists, which makedumpfile keeps, are left out too); with
#    --free-pages buddy the page sets equal makedumpfile's on a raw copy of the same
#    /proc/vmcore (read with our reader), and by default they differ by exactly the per-CPU
#    free pages the report counts;
#    vmcore-dmesg.txt equals makedumpfile --dump-dmesg; the manifest verifies.
#  run 2, 4-level guest: kdump lzo -d 31 (the lab's checks), libkdumpfile reads it, a flattened
#    stream on stdout rebuilds with makedumpfile -R into the same file as the direct capture.
set -u
source "$(dirname "$0")/lib.sh"
runs=${LAB_RUNS:-$LAB_O/lab-runs}/test_capture
lab="$LAB_TOP/tests/e2e/lab.sh"
pfns="$LAB_O/gen/dump_pfns"
fail() { echo "test_capture: FAIL: $*"; exit 1; }
for b in "$LAB_O/bin/kdump-capture" "$LAB_O/bin/kdump-inspect" "$pfns"; do
	[ -x "$b" ] || fail "$b is not built (make all)"
done
release=$(lab_kernel_release)
a=KDUMPKIT b=LAB          # the patterns, built so this script does not contain them

same_pages() {            # same_pages DUMP1 DUMP2 WHAT
	"$pfns" "$1" >"$1.pfns" 2>/dev/null || fail "$3: cannot list the pages of $1"
	"$pfns" "$2" >"$2.pfns" 2>/dev/null || fail "$3: cannot list the pages of $2"
	cmp -s "$1.pfns" "$2.pfns" || fail "$3: page sets differ: $(diff "$1.pfns" "$2.pfns" | head -4 | tr '\n' ' ')"
	echo "test_capture: $3: same $(awk '{n += $2 - $1} END {print n}' "$1.pfns") pages"
}

# ---- run 1: 5-level ----
# Under TCG, OpenSSL's AVX2 SHA-256 is emulated slowly: the manifest hashes with the scalar
# code instead (OPENSSL_ia32cap masks AVX, SSSE3, AVX2, BMI and SHA).
ossl='OPENSSL_ia32cap=~0x1000020000000000:~0x20000128'
out1="$runs/l5/out"
cmd1="cp \$VMCORE \$OUT/vmcore.raw &&
$ossl kdump-capture -l -d 31 --progress lines \$VMCORE \$OUT/vmcore &&
kdump-capture -z -d 31 -q --no-dmesg --no-manifest \$VMCORE \$OUT/zstd31 &&
kdump-capture -E -d 31 -q --no-dmesg --no-manifest \$VMCORE \$OUT/elf31 &&
kdump-capture --compress none -d 1 -q --no-dmesg --no-manifest \$VMCORE \$OUT/none1"
# CAPTURE_TEST_REUSE=1 (development): reuse a passed run's outputs instead of booting again.
reuse() {
	[ -n "${CAPTURE_TEST_REUSE:-}" ] && [ -f "$1/summary.txt" ] &&
		! grep '^check [^ ]* FAIL' "$1/summary.txt" | grep -qv '^check reached-crash '
}
# The stage-1 "crash" marker is sometimes lost on the console as the kernel panics (a lab
# flake, not a capture problem): a run whose only failed check is that one counts as passed.
lab_ok() {
	"$lab" "$@" && return 0
	local s="${!#}/summary.txt"
	[ -f "$s" ] && grep -q '^check reached-crash FAIL' "$s" && ! grep '^check [^ ]* FAIL' "$s" | grep -qv '^check reached-crash ' &&
		echo "test_capture: note: the crash marker was lost on the console; every other check passed"
}
reuse "$runs/l5" || lab_ok --loader ref --capture ours --mem 512M --crashkernel 160M --paging 5 \
	--capture-cmd "$cmd1" "$runs/l5" || fail "5-level run (see $runs/l5/summary.txt)"
for f in vmcore zstd31 elf31 none1 vmcore.raw vmcore.json vmcore.sha256 vmcore-dmesg.txt; do
	[ -s "$out1/$f" ] || fail "5-level run: $f missing"
done
rm -f "$out1/ref-dmesg.txt" "$out1/ref31" "$out1/cyc31" "$out1/none31" "$out1/refnone31" "$out1"/*.pfns
grep -q '"complete": true' "$out1/vmcore.json" || fail "report does not say complete"
"$LAB_O/bin/kdump-inspect" verify "$out1/vmcore" >/dev/null || fail "kdump-inspect verify rejects the dump"
# Triage: our log is makedumpfile's, byte for byte.
makedumpfile --dump-dmesg "$out1/vmcore" "$out1/ref-dmesg.txt" >/dev/null 2>&1 || fail "makedumpfile --dump-dmesg"
cmp -s "$out1/vmcore-dmesg.txt" "$out1/ref-dmesg.txt" || fail "vmcore-dmesg.txt differs from makedumpfile --dump-dmesg"
# zstd: crash and drgn read it; Debian's makedumpfile has no zstd, so the log comes from ours.
rm -rf "$runs/l5/check-elf"
lab_check_dump "$out1/elf31" "$release" "$runs/l5/check-elf" | tee "$runs/l5/check-elf.txt"
grep -q FAIL "$runs/l5/check-elf.txt" && fail "ELF dump does not validate"
[ "$(timeout 120 crash --osrelease "$out1/zstd31" 2>/dev/null | tail -n 1)" = "$release" ] || fail "crash cannot read the zstd dump"
[ "$(lab_drgn_release "$out1/zstd31" 2>&1 | tail -n 1)" = "$release" ] || fail "drgn cannot read the zstd dump"
"$LAB_O/bin/kdump-inspect" dmesg "$out1/zstd31" | grep -qF "$LAB_PANIC_LINE" || fail "no panic line in the zstd dump's log"
# Patterns: at level 31 no copy is left, neither in the page-cache and anonymous pages that
# held them nor in the freed pages parked on the per-CPU free lists. makedumpfile keeps the
# latter: the same capture with --free-pages buddy leaves exactly as many copies as it does.
for p in ANON CACHE; do
	n1=$(grep -a -o "$a-$b-$p-PATTERN" "$out1/none1" | wc -l)
	n31=$(grep -a -o "$a-$b-$p-PATTERN" "$out1/elf31" | wc -l)
	[ "$n1" -gt 1000 ] || fail "$p pattern: only $n1 copies at -d 1"
	[ "$n31" -eq 0 ] || fail "$p pattern: $n31 copies left at -d 31"
	echo "test_capture: $p pattern: $n1 copies at -d 1, none at -d 31"
done
"$LAB_O/bin/kdump-capture" -q --compress none -d 31 --free-pages buddy --no-dmesg --no-manifest \
	--no-report "$out1/vmcore.raw" "$out1/none31" || fail "kdump-capture --free-pages buddy on the raw copy"
makedumpfile -d 31 "$out1/vmcore.raw" "$out1/refnone31" >/dev/null 2>&1 || fail "makedumpfile -d 31"
for p in ANON CACHE; do
	ours=$(grep -a -o "$a-$b-$p-PATTERN" "$out1/none31" | wc -l)
	theirs=$(grep -a -o "$a-$b-$p-PATTERN" "$out1/refnone31" | wc -l)
	[ "$ours" = "$theirs" ] || fail "$p pattern: $ours copies left with --free-pages buddy, makedumpfile leaves $theirs"
	echo "test_capture: $p pattern: makedumpfile -d 31 leaves $theirs copies (per-CPU free lists)"
done
rm -f "$out1/none31" "$out1/refnone31"
# Page sets: makedumpfile on the raw copy of the same /proc/vmcore.
raw="$out1/vmcore.raw"
makedumpfile -l -d 31 "$raw" "$out1/ref31" >/dev/null 2>&1 || fail "makedumpfile -l -d 31 on the raw copy"
"$LAB_O/bin/kdump-capture" -q -l -d 31 --free-pages buddy --no-dmesg --no-manifest --no-report \
	"$raw" "$out1/buddy31" || fail "kdump-capture --free-pages buddy on the raw copy"
same_pages "$out1/buddy31" "$out1/ref31" "-l -d 31 --free-pages buddy vs makedumpfile"
cmp -s "$out1/buddy31" "$out1/ref31" && echo "test_capture: -l -d 31 --free-pages buddy output is byte-identical to makedumpfile's"
# The guest's capture (default: per-CPU free pages too) holds makedumpfile's pages minus
# exactly the per-CPU free pages its report counts.
expand_pfns() { awk '{ for (p = $1; p < $2; p++) print p }' "$1" | sort; }
"$pfns" "$out1/vmcore" >"$out1/vmcore.pfns" 2>/dev/null || fail "cannot list the pages of $out1/vmcore"
expand_pfns "$out1/vmcore.pfns" >"$out1/ours.list"
expand_pfns "$out1/ref31.pfns" >"$out1/ref.list"
extra=$(comm -23 "$out1/ours.list" "$out1/ref.list" | wc -l)
gone=$(comm -13 "$out1/ours.list" "$out1/ref.list" | wc -l)
percpu=$(grep -o '"excluded_free_percpu": [0-9]*' "$out1/vmcore.json" | grep -o '[0-9]*$')
[ "$extra" -eq 0 ] || fail "-d 31: $extra pages that makedumpfile leaves out are in our dump"
[ -n "$percpu" ] && [ "$percpu" -gt 0 ] && [ "$gone" -eq "$percpu" ] ||
	fail "-d 31: $gone pages fewer than makedumpfile, the report counts ${percpu:-?} per-CPU free pages"
echo "test_capture: -d 31 leaves out makedumpfile's pages and $gone free pages on per-CPU lists"
rm -f "$out1/ours.list" "$out1/ref.list" "$out1/buddy31"
for d in 1 2 4 8 16; do
	"$LAB_O/bin/kdump-capture" -q -l -d $d --free-pages buddy --no-dmesg --no-manifest --no-report \
		"$raw" "$out1/ours$d" || fail "kdump-capture -d $d on the raw copy"
	makedumpfile -l -d $d "$raw" "$out1/ref$d" >/dev/null 2>&1 || fail "makedumpfile -d $d"
	same_pages "$out1/ours$d" "$out1/ref$d" "-l -d $d vs makedumpfile"
	rm -f "$out1/ours$d" "$out1/ref$d"
done
"$LAB_O/bin/kdump-capture" -q -l -d 31 --cycle-pages 4096 --threads 3 --no-dmesg --no-manifest \
	--no-report "$raw" "$out1/cyc31" || fail "kdump-capture with small cycles"
cmp -s "$out1/cyc31" "$out1/vmcore" || fail "small cycles and 3 threads change the output"
rm -f "$raw" "$out1/none1" "$out1/cyc31" "$out1/ref31" "$out1/ref-dmesg.txt"

# ---- run 2: 4-level ----
out2="$runs/l4/out"
cmd2="$ossl kdump-capture -l -d 31 -q \$VMCORE \$OUT/vmcore &&
kdump-capture -F -l -d 31 -q \$VMCORE > \$OUT/flat"
reuse "$runs/l4" || lab_ok --loader ref --capture ours --mem 512M --crashkernel 160M --paging 4 \
	--capture-cmd "$cmd2" "$runs/l4" || fail "4-level run (see $runs/l4/summary.txt)"
# python3-libkdumpfile: every format and codec (physical reads; its virtual reads need what
# 0.5.1 cannot find in 6.1 dumps, LAB.md).
libkdumpfile_reads() {     # DUMP: read uts and the first dumped page
	local pfn
	pfn=$("$pfns" "$1" 2>/dev/null | head -n 1 | cut -d' ' -f1)
	"$LAB_PYTHON" - "$1" "$release" "$pfn" <<'PY'
import sys, kdumpfile
k = kdumpfile.kdumpfile(sys.argv[1])
assert k.attr["linux.uts.release"] == sys.argv[2], k.attr["linux.uts.release"]
assert len(k.read(kdumpfile.KDUMP_MACHPHYSADDR, int(sys.argv[3]) * 4096, 4096)) == 4096
PY
}
for f in "$out2/vmcore" "$out1/vmcore" "$out1/zstd31" "$out1/elf31"; do
	libkdumpfile_reads "$f" || fail "python3-libkdumpfile cannot read $f"
done
echo "test_capture: python3-libkdumpfile reads the lzo (4- and 5-level), zstd and ELF dumps"
rm -f "$out2/rebuilt"
makedumpfile -R "$out2/rebuilt" <"$out2/flat" >/dev/null 2>&1 || fail "makedumpfile -R rejects the flattened stream"
cmp -s "$out2/rebuilt" "$out2/vmcore" || fail "the flattened stream does not rebuild into the direct capture"
echo "test_capture: ok"
