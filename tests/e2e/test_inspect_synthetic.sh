#!/bin/bash
# kdump-inspect info/verify on synthetic dumps of every format (tests/gen/gen_dump),
# no QEMU: exit codes 0/1/2, the known release, one-line messages naming the file,
# and crash --osrelease agreeing with us on the kdump and ELF files.
set -u
O=${O:-build}
G=$O/gen/gen_dump
I=$O/bin/kdump-inspect
for b in "$G" "$I"; do [ -x "$b" ] || { echo "FAIL: $b not built"; exit 1; }; done
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

expect() {      # expect CODE CMD...  (stdout+stderr to $T/out)
	local want=$1 got; shift
	"$@" >"$T/out" 2>&1; got=$?
	[ "$got" = "$want" ] || { bad "$* exited $got, want $want"; cat "$T/out"; }
}

for c in none zlib lzo zstd; do "$G" -f kdump -c "$c" "$T/k-$c"; done
"$G" -f elf "$T/e.elf"
"$G" -F -f kdump -c lzo "$T/f.kdump"
"$G" -F -f elf "$T/f.elf"
"$G" -s 3 "$T/s.1" "$T/s.2" "$T/s.3"
"$G" -v 3 "$T/old-v3"
"$G" -i "$T/inc"

for f in k-none k-zlib k-lzo k-zstd e.elf f.kdump f.elf old-v3; do
	expect 0 "$I" info "$T/$f"
	grep -q '^kernel release:  6.1.0-gen-amd64$' "$T/out" || bad "info $f: no release"
	expect 0 "$I" info --json "$T/$f"
	/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["release"]=="6.1.0-gen-amd64", d' \
		"$T/out" || bad "info --json $f: bad JSON"
	expect 0 "$I" verify "$T/$f"
	grep -q ": OK: " "$T/out" || bad "verify $f: no OK line"
done
grep -q '"panic_cpu": 1' <("$I" info --json "$T/k-zlib") || bad "panic cpu not 1"
grep -q '^paging levels:   5$' <("$I" info "$T/k-zstd") || bad "paging levels"
grep -q '^KASLR offset:    0x1a000000$' <("$I" info "$T/e.elf") || bad "KASLR offset"

# The reference tool reads the same release from our synthetic files.
for f in k-zlib e.elf; do
	r=$(crash --osrelease "$T/$f" 2>/dev/null)
	[ "$r" = "6.1.0-gen-amd64" ] || bad "crash --osrelease $f: '$r'"
done

# A --split set: all parts verify; one part alone is incomplete.
expect 0 "$I" verify "$T/s.1" "$T/s.2" "$T/s.3"
expect 1 "$I" verify "$T/s.2"
grep -q "split set" "$T/out" || bad "split part alone: $(cat "$T/out")"

# Incomplete (makedumpfile ran out of space): info says so and exits 1; verify names the page.
expect 1 "$I" info "$T/inc"
grep -q '^complete:        no: ' "$T/out" || bad "info inc: not marked incomplete"
expect 1 "$I" verify "$T/inc"
grep -q "pfn 0x.*incomplete" "$T/out" || bad "verify inc: $(cat "$T/out")"

# Truncated copies: exit 1, one line naming the file and the problem.
for f in k-zlib e.elf f.kdump; do
	size=$(stat -c %s "$T/$f")
	head -c $((size * 2 / 3)) "$T/$f" >"$T/cut-$f"
	expect 1 "$I" verify "$T/cut-$f"
	grep -q "^kdump-inspect: $T/cut-$f: " "$T/out" || bad "verify cut-$f: $(cat "$T/out")"
done

# A checksum manifest beside the dump (DUMP.sha256) is checked; a flipped byte fails it.
manifest() {
	/usr/bin/python3 - "$1" <<'PY'
import hashlib, os, sys
p = sys.argv[1]; d = open(p, 'rb').read(); bs = 4096
lines = ['kdumpkit-manifest 1', 'file ' + os.path.basename(p), 'size %d' % len(d), 'block-size %d' % bs]
lines += ['block %d %s' % (i // bs, hashlib.sha256(d[i:i + bs]).hexdigest()) for i in range(0, len(d), bs)]
lines.append('sha256 ' + hashlib.sha256(d).hexdigest())
open(p + '.sha256', 'w').write('\n'.join(lines) + '\n')
PY
}
cp "$T/k-lzo" "$T/m"
manifest "$T/m"
expect 0 "$I" verify "$T/m"
grep -q "checksum manifest matches" "$T/out" || bad "manifest not checked: $(cat "$T/out")"
printf 'X' | dd of="$T/m" bs=1 seek=9000 conv=notrunc 2>/dev/null
expect 1 "$I" verify "$T/m"
grep -q "manifest.*block" "$T/out" || bad "manifest mismatch not named: $(cat "$T/out")"

# Usage and I/O errors: exit 2.
expect 2 "$I"
expect 2 "$I" nosuchcommand
expect 2 "$I" info
expect 2 "$I" info "$T/does-not-exist"
grep -q "does-not-exist" "$T/out" || bad "missing file not named"
expect 2 "$I" verify "$T/k-zlib" --bogus
expect 0 "$I" --help
exit $fail
