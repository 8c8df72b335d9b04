#!/bin/bash
# kdump-inspect convert on synthetic dumps (no QEMU):
#   round trip ELF -> kdump (each codec) -> flat -> kdump -> ELF keeps every dumped page
#   (libkdumpfile reads them back, tests/e2e/writer_check.py); our reader verifies every
#   intermediate; flat -> kdump is byte-identical to makedumpfile -R, from a file and from
#   stdin; a stream cut short is refused (exit 1) and leaves no output; no overwrite.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
top=$LAB_TOP O=$LAB_O
synth=$O/gen/writer_synth
ki=$O/bin/kdump-inspect
py=/usr/bin/python3
check=$top/tests/e2e/writer_check.py
for t in "$synth" "$ki" makedumpfile crash "$py"; do
	command -v "$t" >/dev/null || { echo "missing: $t (make all; make deps)"; exit 1; }
done
e2e_work_dir
verify() { "$ki" verify "$1" >/dev/null && ok "kdump-inspect verify $1" || bad "verify $1"; }

"$synth" elf none src.elf 1           # every excluded page is absent: an exact page set
for c in none zlib lzo zstd; do
	"$ki" convert src.elf k.$c --format kdump --compress $c || bad "ELF -> kdump $c"
	verify k.$c
	if [ $c = zstd ]; then
		$py "$check" k.$c kdump >/dev/null && ok "libkdumpfile reads k.$c" || bad "k.$c content"
	fi
	"$ki" convert k.$c f.$c --format flat || bad "kdump -> flat $c"
	verify f.$c
	"$ki" convert f.$c k2.$c --format kdump || bad "flat -> kdump $c"
	makedumpfile -R r.$c <f.$c >/dev/null
	cmp k2.$c r.$c && ok "convert flat -> kdump == makedumpfile -R ($c)" || bad "flat -> kdump $c != -R"
	"$ki" convert k2.$c e.$c --format elf --elf-min-gap 1 || bad "kdump -> ELF $c"
	verify e.$c
	$py "$check" e.$c elf 1 && ok "round trip $c keeps every page" || bad "round trip $c"
	[ "$(crash --osrelease e.$c)" = 6.1.0-synth ] && ok "crash reads e.$c" || bad "crash e.$c"
done
# Codec of the input kept by default; --compress recompresses (general path, not a replay).
[ "$(od -An -t u4 -j 424 -N 4 k2.lzo | tr -d ' ')" = 2 ] && ok "lzo kept" || bad "lzo not kept"
"$ki" convert f.lzo kz --format kdump --compress zstd && verify kz
[ "$(od -An -t u4 -j 424 -N 4 kz | tr -d ' ')" = 32 ] && ok "recompressed to zstd" || bad "kz status"
# From stdin, and to stdout.
"$ki" convert - k3 --format kdump <f.zstd && cmp k3 k2.zstd && ok "stdin replay" || bad "stdin replay"
"$ki" convert k.zstd - --format flat >f3 && "$ki" convert f3 k4 --format kdump &&
	$py "$check" k4 kdump >/dev/null && ok "stdout flat stream" || bad "stdout flat stream"
# Damaged and refused.
head -c 100000 f.zstd >cut
set +e
"$ki" convert cut kcut --format kdump 2>err; rc=$?
set -e
[ $rc = 1 ] && [ ! -e kcut ] && grep -q 'end marker\|inside record' err && ok "cut stream: exit 1, no file" ||
	bad "cut stream: rc=$rc $(cat err)"
ls | grep -q part && bad "temporary file left behind: $(ls)"
set +e
"$ki" convert k.zstd k2.zstd --format kdump 2>err; rc=$?
set -e
[ $rc = 2 ] && grep -q 'refusing to overwrite' err && ok "no overwrite" || bad "overwrite: rc=$rc"
"$ki" convert k.zstd k2.zstd --format kdump --force && ok "--force replaces" || bad "--force"
exit $fail
