#!/bin/bash
# kdump-inspect on real dumps: ONE lab run (reference loader) whose stage 2 writes makedumpfile's
# -l, -c, -E and -F outputs of the same /proc/vmcore; on the host, `info` must show the guest's
# release for each, `verify` must pass on each, and truncated copies must make verify exit 1
# naming the problem. Other helpers add their checks (dmesg, read) on the same run below.
set -u
source "$(dirname "$0")/lib.sh"
runs=${LAB_RUNS:-$LAB_O/lab-runs}/test_inspect_formats
lab="$LAB_TOP/tests/e2e/lab.sh"
I=$LAB_O/bin/kdump-inspect
fail=0
bad() { echo "test_inspect_formats: FAIL: $*"; fail=1; }
[ -x "$I" ] || { echo "test_inspect_formats: FAIL: $I not built"; exit 1; }

rel=$(lab_kernel_release)
rm -rf "$runs"
# -l and -E read /proc/vmcore; -c and -F refilter the -l file (makedumpfile reads its own
# kdump-compressed output), which spares two scans of the guest's memory under TCG. Progress
# output is off: every byte on the emulated serial console costs time.
m="--message-level 4"
"$lab" --loader ref --capture ref --smp 2 --timeout 600 \
	--capture-cmd "makedumpfile $m -l -d 31 \$VMCORE \$OUT/vmcore &&
		makedumpfile $m -E -d 31 \$VMCORE \$OUT/vmcore.elf &&
		makedumpfile $m -c -d 31 \$OUT/vmcore \$OUT/vmcore.zlib &&
		makedumpfile $m -F -l -d 31 \$OUT/vmcore >\$OUT/vmcore.flat" \
	"$runs" || { echo "test_inspect_formats: FAIL: the lab run failed"; exit 1; }
out=$runs/out

declare -A dumped
for f in vmcore vmcore.zlib vmcore.elf vmcore.flat; do
	[ -s "$out/$f" ] || { bad "$f was not written"; continue; }
	"$I" info "$out/$f" >"$runs/info-$f.txt" 2>&1 || bad "info $f exited $?: $(tail -1 "$runs/info-$f.txt")"
	grep -q "^kernel release:  $rel\$" "$runs/info-$f.txt" || bad "info $f does not show release $rel"
	grep -q '^CPUs:            2$' "$runs/info-$f.txt" || bad "info $f: not 2 CPUs"
	grep -q '^paging levels:   5$' "$runs/info-$f.txt" || bad "info $f: not 5-level paging"
	grep -q '^complete:        yes$' "$runs/info-$f.txt" || bad "info $f: not complete"
	"$I" info --json "$out/$f" >"$runs/info-$f.json" || bad "info --json $f exited $?"
	/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["release"]==sys.argv[2], d' \
		"$runs/info-$f.json" "$rel" || bad "info --json $f: bad JSON or release"
	dumped[$f]=$(sed -n 's/^pages dumped: *//p' "$runs/info-$f.txt")
	"$I" verify "$out/$f" >"$runs/verify-$f.txt" 2>&1 || bad "verify $f exited $?: $(cat "$runs/verify-$f.txt")"
	echo "$f: $(grep -E '^(format|compression|panicking CPU|pages dumped):' "$runs/info-$f.txt" | tr -s ' ' | paste -sd';')"
done
# The same level and the same source: the compressed variants hold the same pages.
[ "${dumped[vmcore]:-x}" = "${dumped[vmcore.zlib]:-y}" ] || bad "-l and -c dumped page counts differ"
[ "${dumped[vmcore]:-x}" = "${dumped[vmcore.flat]:-y}" ] || bad "-l and -F -l dumped page counts differ"
grep -q '^format:          flattened kdump-compressed' "$runs/info-vmcore.flat.txt" || bad "flat not recognised"
grep -q '^compression:     zlib$' "$runs/info-vmcore.zlib.txt" || bad "-c not shown as zlib"
grep -q '^format:          ELF$' "$runs/info-vmcore.elf.txt" || bad "-E not shown as ELF"
# VMCOREINFO has no version string; for ELF it is read from init_uts_ns in the dump.
grep -q '^kernel version:  #' "$runs/info-vmcore.elf.txt" || bad "-E: kernel version not read from init_uts_ns"

# Truncated copies: verify exits 1 with one line naming the file and what is wrong.
for f in vmcore vmcore.elf vmcore.flat; do
	[ -s "$out/$f" ] || continue
	size=$(stat -c %s "$out/$f")
	head -c $((size * 3 / 4)) "$out/$f" >"$runs/cut-$f"
	"$I" verify "$runs/cut-$f" >"$runs/verify-cut-$f.txt" 2>&1
	code=$?
	[ "$code" = 1 ] || bad "verify of truncated $f exited $code, want 1"
	grep -q "^kdump-inspect: $runs/cut-$f: .*\(past the end\|ends\|truncated\|incomplete\)" \
		"$runs/verify-cut-$f.txt" || bad "verify of truncated $f: $(head -1 "$runs/verify-cut-$f.txt")"
	head -1 "$runs/verify-cut-$f.txt"
	rm -f "$runs/cut-$f"
done

# An independent reader agrees byte for byte on sampled pages (python3-libkdumpfile), and on
# which pages a kdump-compressed dump holds. (libkdumpfile 0.5.1 cannot open flattened files.)
maxpfn=$(sed -n 's/^max pfn: *//p' "$runs/info-vmcore.txt")
for f in vmcore vmcore.zlib vmcore.elf; do
	strict=1; [ "$f" = vmcore.elf ] && strict=0
	[ -s "$out/$f" ] && { $LAB_PYTHON "$LAB_TOP/tests/e2e/xcheck_phys.py" "$I" "$out/$f" "${maxpfn:-0}" 300 $strict ||
		bad "$f: libkdumpfile reads other bytes"; }
done

# A real --split set (makedumpfile refilters the -l dump on the host: no QEMU time).
if makedumpfile --message-level 4 --split -l -d 31 "$out/vmcore" "$runs/split.1" "$runs/split.2" >/dev/null 2>&1; then
	"$I" verify "$runs/split.1" "$runs/split.2" >"$runs/verify-split.txt" 2>&1 || bad "verify split set: $(cat "$runs/verify-split.txt")"
	"$I" info "$runs/split.1" "$runs/split.2" | grep -q "^pages dumped: *${dumped[vmcore]:-x}\$" || bad "split set: other page count"
	rm -f "$runs/split.1" "$runs/split.2"
else
	bad "makedumpfile --split failed"
fi

# --- checks by other subcommands on the same dumps go here ---

[ "$fail" = 0 ] && echo "test_inspect_formats: ok ($rel; -l, -c, -E, -F read and verified; truncation detected)"
rm -f "$out/vmcore.elf" "$out/vmcore.zlib"      # large; the text results stay
exit $fail
