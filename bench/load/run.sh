#!/bin/bash
# Benchmark: time from the start of a crash-kernel load to "loaded", kdump-load against
# `kexec -p`, with the same kernel, initramfs and command line, in the same guest run.
# Both are timed in the guest by /proc/uptime (10 ms resolution), alternating, ROUNDS times each;
# the medians and their ratio are printed and written to RUNDIR/result.txt. Target: ratio <= 0.5.
#   bench/load/run.sh [RUNDIR] [lab options, e.g. --paging 4 --mem 2G]
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../tests/e2e/lib.sh"
rundir=${1:-$LAB_O/lab-runs/bench-load}
shift $(( $# > 0 ? 1 : 0 ))
rounds=${ROUNDS:-5}
[ -x "$LAB_O/bin/kdump-load" ] || lab_die "$LAB_O/bin/kdump-load is not built (make)"

extra='up() { cut -d" " -f1 /proc/uptime; }
i=0
while [ $i -lt '"$rounds"' ]; do
	kdump-load --unload
	a=$(up); kexec -p "$KERNEL" --initrd="$INITRD" --append="$CMDLINE" || exit 1; b=$(up)
	kexec -p -u
	c=$(up); kdump-load --kernel "$KERNEL" --initrd "$INITRD" --append "$CMDLINE" || exit 1; d=$(up)
	echo "BENCH kexec $a $b"
	echo "BENCH kdump-load $c $d"
	i=$((i + 1))
done'

"$LAB_TOP/tests/e2e/lab.sh" --loader ours --no-check --capture-cmd 'true' --stage1-extra "$extra" \
	"$@" "$rundir" >"$rundir.log" 2>&1 || { tail -n 30 "$rundir.log"; lab_die "the lab run failed"; }

grep -a -o 'BENCH [a-z-]* [0-9.]* [0-9.]*' "$rundir/console.log" | awk '
	{ t = $4 - $3; if ($2 == "kexec") k[nk++] = t; else o[no++] = t }
	function median(a, n,   i, j, x) {
		for (i = 1; i < n; i++) for (j = i; j > 0 && a[j-1] > a[j]; j--) { x = a[j]; a[j] = a[j-1]; a[j-1] = x }
		return n % 2 ? a[int(n/2)] : (a[n/2-1] + a[n/2]) / 2
	}
	END {
		if (!nk || !no) { print "no BENCH lines in the console log"; exit 1 }
		mk = median(k, nk); mo = median(o, no)
		printf "kexec -p     median %.2f s over %d loads\n", mk, nk
		printf "kdump-load   median %.2f s over %d loads\n", mo, no
		printf "ratio        %.2f (target <= 0.50)\n", (mk > 0 ? mo / mk : 0)
	}' | tee "$rundir/result.txt"
