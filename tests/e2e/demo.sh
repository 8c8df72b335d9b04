#!/bin/bash
# make demo: the crash lab end to end, with kdumpkit's own tools wherever they are built
# (the Debian references otherwise, and the report says which), then a short report.
set -u
source "$(dirname "$0")/lib.sh"
rundir=${DEMO_DIR:-$LAB_O/demo}
loader=ref capture=ref
[ -x "$LAB_O/bin/kdump-load" ] && loader=ours
[ -x "$LAB_O/bin/kdump-capture" ] && capture=ours
name() { [ "$1" = ours ] && echo "$2 (kdumpkit)" || echo "$3 (Debian reference: kdumpkit's $2 is not built yet)"; }

echo "kdumpkit crash lab demo: QEMU guest (TCG), $(lab_kernel_release), 1024M RAM, crashkernel=256M"
echo "  loader:  $(name $loader kdump-load 'kexec -p')"
echo "  capture: $(name $capture kdump-capture makedumpfile)"
echo "  running (about a minute)..."
"$LAB_TOP/tests/e2e/lab.sh" --loader $loader --capture $capture "$rundir" >"$rundir.log" 2>&1
rc=$?
dump="$rundir/out/vmcore"
marker() { lab_markers "$rundir/console.log" | awk -v m="$1" '$1 == m {print $2; exit}'; }

echo
echo "== what happened (guest uptime in seconds)"
echo "  first kernel booted, capture kernel loaded at $(marker loaded)s (load took $(awk -v a="$(marker load-start)" -v b="$(marker loaded)" 'BEGIN{printf "%.2f", b-a}')s)"
echo "  panic triggered at $(marker crash)s: $(grep -a -o -m 1 'Kernel panic - not syncing: [^]]*' "$rundir/console.log" | head -n 1)"
echo "  capture kernel ran the capture from $(marker capture-start)s to $(lab_markers "$rundir/console.log" | awk '$1 ~ /^capture-end/ {print $2}')s"
if [ -s "$dump" ]; then
	fmt=$(file -b "$dump" | cut -c1-60)
	[ "$(head -c 8 "$dump" | tr -d '\0')" = "KDUMP   " ] && fmt="kdump-compressed (makedumpfile format)"
	echo "  dump: $dump, $(du -h --apparent-size "$dump" | cut -f1), $fmt"
	if [ -x "$LAB_O/bin/kdump-inspect" ]; then
		echo
		echo "== kdump-inspect info"
		"$LAB_O/bin/kdump-inspect" info "$dump" 2>&1 | grep -E '^(format|compression|kernel release|dump level|paging|KASLR|crash time|CPUs|panicking|pages|complete)' | sed 's/^/  /'
	fi
	echo
	echo "== checks by the reference readers"
	grep '^check ' "$rundir/summary.txt" | grep -v reached- | sed 's/^check /  /'
	echo
	echo "== first lines of the recovered kernel log"
	if [ -x "$LAB_O/bin/kdump-inspect" ] && "$LAB_O/bin/kdump-inspect" dmesg "$dump" >"$rundir/dmesg.txt" 2>/dev/null; then
		echo "  (kdump-inspect dmesg)"
	else
		makedumpfile --dump-dmesg "$dump" "$rundir/dmesg.txt" >/dev/null 2>&1
		echo "  (makedumpfile --dump-dmesg)"
	fi
	head -n 5 "$rundir/dmesg.txt" | cut -c1-110 | sed 's/^/  /'
	echo "  ..."
	grep -a -m 3 -A 1 'sysrq: Trigger a crash' "$rundir/dmesg.txt" | cut -c1-110 | sed 's/^/  /'
else
	echo "  no dump was written"
fi
echo
echo "Run directory: $rundir (console.log, out/, summary.txt, summary.json)"
if [ $rc -ne 0 ]; then
	echo "demo FAILED:"
	grep FAIL "$rundir/summary.txt"
	tail -n 20 "$rundir.log"
fi
exit $rc
