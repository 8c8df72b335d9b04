#!/bin/bash
# The elfcore writers against the reference readers, on synthetic dumps (no QEMU):
#   kdump-compressed with each codec and ELF (both split rules): libkdumpfile
#   reads every page back (tests/e2e/writer_check.py), crash --osrelease names
#   the release; the flattened stream, to a file and through a pipe, becomes
#   the byte-identical kdump file under makedumpfile -R.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
top=$LAB_TOP O=$LAB_O
synth=$O/gen/writer_synth
py=/usr/bin/python3
check=$top/tests/e2e/writer_check.py
for t in "$synth" makedumpfile crash "$py"; do
	command -v "$t" >/dev/null || { echo "missing: $t (make all; make deps)"; exit 1; }
done
$py -c 'import kdumpfile' || { echo "missing: python3-libkdumpfile"; exit 1; }
e2e_work_dir

release_is() {  # FILE
	local r
	r=$(crash --osrelease "$1" 2>&1) || true
	[ "$r" = 6.1.0-synth ] && ok "crash --osrelease $1" || bad "crash --osrelease $1: $r"
}

for c in none zlib lzo zstd; do
	"$synth" kdump $c k.$c
	$py "$check" k.$c kdump && ok "libkdumpfile reads k.$c" || bad "libkdumpfile k.$c"
	release_is k.$c
	"$synth" flat $c f.$c
	makedumpfile -R r.$c <f.$c >/dev/null && cmp k.$c r.$c && ok "flat $c -R == kdump" ||
		bad "makedumpfile -R of the $c stream differs from the kdump file"
done
# Through a pipe (a sequential sink), as kdump-capture -F writes to stdout.
"$synth" flat zstd - | makedumpfile -R p.zstd >/dev/null
cmp k.zstd p.zstd && ok "piped flat stream -R == kdump" || bad "piped flat stream differs"
# The incomplete mark is cleared on success (status at offset 424 of the header).
st=$(od -An -t u4 -j 424 -N 4 k.zstd | tr -d ' ')
[ "$st" = 32 ] && ok "kdump status = ZSTD only" || bad "kdump status $st, want 32"

"$synth" elf none e.elf
$py "$check" e.elf elf && ok "libkdumpfile reads e.elf" || bad "libkdumpfile e.elf"
release_is e.elf
"$synth" elf none e1.elf 1
$py "$check" e1.elf elf 1 && ok "libkdumpfile reads e1.elf (every gap splits)" || bad "e1.elf"
exit $fail
