#!/bin/bash
# bench/capture/run.sh: kdump-capture against makedumpfile on the same full vmcore (not a test).
#
#   bench/capture/run.sh [VMCORE]        default bench/data/vmcore-2g (make bench-data makes it)
#   BENCH_REPEAT=3 bench/capture/run.sh  runs per case (the median is kept)
#   MAKEDUMPFILE=PATH bench/capture/run.sh   another makedumpfile (default: the one on PATH)
#
# Cases: -l -d31, -c -d1, -E -d0, and zstd -d31: against makedumpfile -z when that
# makedumpfile has zstd (`makedumpfile -v` says "zstd enabled"); Debian's has not, and is
# then compared with its -l -d31. For each: wall time, output size and peak RSS of makedumpfile, of ours with
# --threads 1 and with --threads N (online CPUs); then the ratios. kdump-capture fsyncs its
# output (a dump must be durable); makedumpfile does not, so its time is also shown with a
# `sync` of its output added ("+sync"), the comparison that counts. Besides the wall time,
# the CPU seconds (user + sys) of each run: on a shared machine the wall times of the
# threaded runs swing with the load, the CPU time much less.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
O=${O:-build}
case "$O" in /*) ;; *) O="$top/$O" ;; esac
cap="$O/bin/kdump-capture"
vmcore=${1:-$top/bench/data/vmcore-2g}
repeat=${BENCH_REPEAT:-3}
ncpu=$(nproc)
[ -x "$cap" ] || { echo "bench/capture: build first (make)"; exit 2; }
[ -r "$vmcore" ] || { echo "bench/capture: no $vmcore (make bench-data)"; exit 2; }
mdf=${MAKEDUMPFILE:-makedumpfile}
command -v "$mdf" >/dev/null || { echo "bench/capture: $mdf missing"; exit 2; }
mdf_zstd=-l
"$mdf" -v 2>&1 | grep -q '^zstd[[:space:]]*enabled' && mdf_zstd=-z
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-capture.XXXXXX")
trap 'rm -rf "$work"' EXIT
cat "$vmcore" >/dev/null          # both tools read it from the page cache

# Ours runs with --free-pages buddy: the same page set as makedumpfile (the default also
# leaves out the free pages on per-CPU lists, doc/design.md), so both do the same work.
# run NAME CMD...: median wall seconds, size, peak RSS (KiB), median CPU seconds over
# $repeat runs -> "t size rss cpu"
run() {
	local out=$work/out ts=() cs=() t t0 t1 size rss u s i
	for ((i = 0; i < repeat; i++)); do
		rm -rf "$out" && mkdir -p "$out"
		sync
		# Wall time to the millisecond (time's %e has 10 ms steps, too coarse for
		# runs of 0.1 s); time itself still gives the peak RSS and CPU seconds.
		t0=$EPOCHREALTIME
		/usr/bin/time -f '%M %U %S' -o "$work/time" "$@" >/dev/null 2>"$work/err" ||
			{ echo "bench/capture: failed: $* ($(tail -1 "$work/err"))" >&2; echo "0 0 0 0"; return; }
		t1=$EPOCHREALTIME
		read -r rss u s <"$work/time"
		ts+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')")
		cs+=("$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')")
	done
	size=$(stat -c %s "$out/vmcore")
	t=$(printf '%s\n' "${ts[@]}" | sort -n | sed -n "$(((repeat + 1) / 2))p")
	echo "$t $size $rss $(printf '%s\n' "${cs[@]}" | sort -n | sed -n "$(((repeat + 1) / 2))p")"
}
run_sync() {   # makedumpfile then sync of its output, timed together
	run sh -c "$* && sync $work/out/vmcore"
}

printf 'vmcore: %s (%s bytes), %d CPUs, median of %d runs\n\n' "$vmcore" "$(stat -L -c %s "$vmcore")" "$ncpu" "$repeat"
printf '%-12s %-22s %9s %14s %9s %8s\n' case tool seconds bytes "RSS KiB" "CPU s"
for c in "-l -d31" "-c -d1" "-E -d0" "zstd -d31"; do
	set -- $c
	flag=$1 level=${2#-d}
	mflag=$flag ours=$flag
	[ "$flag" = zstd ] && mflag=$mdf_zstd ours=-z
	m=$(run "$mdf" $mflag -d "$level" "$vmcore" "$work/out/vmcore")
	ms=$(run_sync "$mdf" $mflag -d "$level" "$vmcore" "$work/out/vmcore")
	o1=$(run "$cap" -q $ours -d "$level" --free-pages buddy --threads 1 --no-dmesg --no-report --no-manifest "$vmcore" "$work/out/vmcore")
	on=$(run "$cap" -q $ours -d "$level" --free-pages buddy --threads "$ncpu" --no-dmesg --no-report --no-manifest "$vmcore" "$work/out/vmcore")
	oa=$(run "$cap" -q $ours -d "$level" --free-pages buddy --threads "$ncpu" "$vmcore" "$work/out/vmcore")
	printf '%-12s %-22s %9s %14s %9s %8s\n' "$c" "makedumpfile $mflag" $m
	printf '%-12s %-22s %9s %14s %9s %8s\n' "" "makedumpfile +sync" $ms
	printf '%-12s %-22s %9s %14s %9s %8s\n' "" "ours --threads 1" $o1
	printf '%-12s %-22s %9s %14s %9s %8s\n' "" "ours --threads $ncpu" $on
	printf '%-12s %-22s %9s %14s %9s %8s\n' "" "ours + dmesg,manifest" $oa
	read -r mt msz _ mc <<<"$m"; read -r mst _ _ _ <<<"$ms"; read -r o1t _ _ o1c <<<"$o1"
	read -r ont onsz onrss _ <<<"$on"; read -r oat _ _ _ <<<"$oa"
	awk -v mt="$mt" -v mst="$mst" -v o1="$o1t" -v on="$ont" -v oa="$oat" -v msz="$msz" -v osz="$onsz" \
		-v rss="$onrss" -v mc="$mc" -v o1c="$o1c" \
		'BEGIN { printf "%-12s speed vs makedumpfile +sync: threads %d %.2fx, threads 1 %.2fx, with dmesg+manifest %.2fx\n",
		"", '"$ncpu"', (on > 0 ? mst / on : 0), (o1 > 0 ? mst / o1 : 0), (oa > 0 ? mst / oa : 0);
		printf "%-12s vs makedumpfile without sync: %.2fx; CPU makedumpfile/ours-threads-1 %.2fx; size ours/theirs %.3f; RSS %.1f MiB\n\n",
		"", (on > 0 ? mt / on : 0), (o1c > 0 ? mc / o1c : 0), (msz > 0 ? osz / msz : 0), rss / 1024 }'
done
printf 'makedumpfile: %s (%s)\n' "$(command -v "$mdf")" "$("$mdf" -v 2>&1 | head -1)"
echo "reproduce: O=$O BENCH_REPEAT=$repeat${MAKEDUMPFILE:+ MAKEDUMPFILE=$MAKEDUMPFILE} $top/bench/capture/run.sh $vmcore"
