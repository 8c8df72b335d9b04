#!/bin/bash
# kdump-capture on synthetic vmcores (tests/gen/gen_vmcore), no QEMU:
#  - a sparse 64 GiB vmcore: peak RSS under 64 MiB (and lower with --mem-limit 16M, same output),
#    the page set equals makedumpfile's at -d 31 and -E -d 31;
#  - a target too small (an 8 MiB tmpfs): a clear "No space left" error, exit 1, nothing at OUT,
#    the partial dump kept as OUT.incomplete with the kdump INCOMPLETE flag;
#  - an existing OUT is never overwritten;
#  - unreadable pages (bad memory) are recorded in the report and skipped, not fatal;
#  - read() (--no-mmap) and mmap() of the input give the same dumps, kdump and ELF, with
#    1 and 3 threads; inputs that are not an ELF core, or are truncated, are refused.
set -u
source "$(dirname "$0")/lib.sh"
cap="$LAB_O/bin/kdump-capture"
gen="$LAB_O/gen/gen_vmcore"
pfns="$LAB_O/gen/dump_pfns"
fail() { echo "test_capture_limits: FAIL: $*"; exit 1; }
for b in "$cap" "$gen" "$pfns" "$LAB_O/bin/kdump-inspect"; do [ -x "$b" ] || fail "$b is not built"; done
work=$(mktemp -d /tmp/test_capture_limits.XXXXXX)
mnt="$work/small"
cleanup() { mountpoint -q "$mnt" && umount "$mnt"; rm -rf "$work"; }
trap cleanup EXIT

maxrss_kb() { awk '/Maximum resident/ {print $NF}' "$1"; }

# ---- bounded memory on 64 GiB ----
"$gen" "$work/synth64" 64 || fail "gen_vmcore 64"
/usr/bin/time -v "$cap" -q -l -d 31 "$work/synth64" "$work/d31" 2>"$work/time1" || fail "capture of 64 GiB: $(tail -3 "$work/time1")"
rss=$(maxrss_kb "$work/time1")
[ "$rss" -lt $((64 * 1024)) ] || fail "peak RSS $rss KiB on a 64 GiB vmcore (limit 64 MiB)"
/usr/bin/time -v "$cap" -q -l -d 31 --mem-limit 16M --no-dmesg --no-report --no-manifest \
	"$work/synth64" "$work/d31-16m" 2>"$work/time2" || fail "capture with --mem-limit 16M"
rss2=$(maxrss_kb "$work/time2")
[ "$rss2" -lt $((32 * 1024)) ] || fail "peak RSS $rss2 KiB with --mem-limit 16M"
cmp -s "$work/d31" "$work/d31-16m" || fail "--mem-limit changes the output"
echo "test_capture_limits: 64 GiB vmcore: peak RSS $rss KiB ($rss2 KiB with --mem-limit 16M)"
makedumpfile -l -d 31 "$work/synth64" "$work/ref31" >/dev/null 2>&1 || fail "makedumpfile on the synthetic vmcore"
"$pfns" "$work/d31" >"$work/a" 2>/dev/null && "$pfns" "$work/ref31" >"$work/b" 2>/dev/null || fail "dump_pfns"
cmp -s "$work/a" "$work/b" || fail "-d 31 page set differs from makedumpfile's: $(diff "$work/a" "$work/b" | head -3 | tr '\n' ' ')"
echo "test_capture_limits: -d 31 page set equals makedumpfile's ($(awk '{n += $2 - $1} END {print n}' "$work/a") pages)"
grep -q '"excluded_free": 1610' "$work/d31.json" || fail "free pages not counted in the report"
rm -f "$work/d31-16m" "$work/ref31" "$work/synth64"

# ---- no space left ----
"$gen" "$work/synth4" 4 || fail "gen_vmcore 4"
mkdir -p "$mnt"
mount -t tmpfs -o size=8m tmpfs "$mnt" || fail "cannot mount a small tmpfs"
"$cap" -q --compress none -d 0 --no-dmesg "$work/synth4" "$mnt/vmcore" 2>"$work/err"
rc=$?
[ "$rc" = 1 ] || fail "exit $rc on a full target (want 1)"
grep -q "No space left on device" "$work/err" || fail "no clear message: $(cat "$work/err")"
grep -q "INCOMPLETE" "$work/err" || fail "the message does not say the dump is incomplete"
[ -e "$mnt/vmcore" ] && fail "a dump exists at OUT after a failure"
[ -s "$mnt/vmcore.incomplete" ] || fail "no OUT.incomplete kept"
"$LAB_PYTHON" - "$mnt/vmcore.incomplete" <<'PY' || fail "OUT.incomplete is not flagged INCOMPLETE"
import struct, sys
h = open(sys.argv[1], "rb").read(432)
assert h[:8] == b"KDUMP   ", h[:8]
assert struct.unpack_from("<I", h, 424)[0] & 0x8
PY
ls "$mnt" | grep -q part && fail "temporary files left behind: $(ls "$mnt")"
echo "test_capture_limits: full target: exit 1, \"$(head -1 "$work/err" | cut -c1-100)...\""
umount "$mnt"

# ---- never overwrite ----
echo "precious" >"$work/exists"
"$cap" -q -l -d 31 "$work/synth4" "$work/exists" 2>"$work/err" && fail "overwrote an existing file"
[ "$(cat "$work/exists")" = precious ] || fail "the existing file changed"
grep -q "never overwrites" "$work/err" || fail "no clear message: $(cat "$work/err")"

# ---- unreadable pages ----
# pfns 4097..4102 are kernel text (16 MiB on), dumped at every level.
KDUMP_CAPTURE_TEST_EIO=4097-4103 "$cap" -q -l -d 31 "$work/synth4" "$work/eio" 2>"$work/err" ||
	fail "unreadable pages are fatal: $(cat "$work/err")"
grep -q '"unreadable": 6' "$work/eio.json" || fail "unreadable pages not in the report"
grep -q '"unreadable_pfns": \[4097, 4098' "$work/eio.json" || fail "unreadable pfns not listed"
"$LAB_O/bin/kdump-inspect" verify "$work/eio" >/dev/null || fail "the dump with skipped pages does not verify"

# ---- mmap and read() give the same dump; bad inputs ----
for f in "-l -d 31" "-E -d 1"; do
	for t in 1 3; do
		"$cap" -q $f --threads $t --no-dmesg --no-report --no-manifest "$work/synth4" "$work/m$t" &&
			"$cap" -q $f --threads $t --no-mmap --no-dmesg --no-report --no-manifest \
				"$work/synth4" "$work/r$t" || fail "capture $f --threads $t"
		cmp -s "$work/m$t" "$work/r$t" || fail "$f --threads $t: --no-mmap changes the output"
	done
	cmp -s "$work/m1" "$work/m3" || fail "$f: --threads 3 changes the output"
	rm -f "$work"/[mr][13]
done
"$cap" -q -l -d 31 "$work/eio" "$work/x" 2>"$work/err" && fail "a kdump-compressed input accepted"
grep -q "not an ELF core" "$work/err" || fail "no clear message for a kdump input: $(cat "$work/err")"
head -c 100000 "$work/synth4" >"$work/trunc"
"$cap" -q -l -d 31 "$work/trunc" "$work/x" 2>"$work/err" && fail "a truncated input accepted"
grep -q "truncated" "$work/err" || fail "no clear message for a truncated input: $(cat "$work/err")"
echo "test_capture_limits: --no-mmap gives the same dumps; bad inputs refused"
echo "test_capture_limits: ok"
