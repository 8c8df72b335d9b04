#!/bin/bash
# The crash lab: boot a QEMU guest, load a capture kernel, panic it, capture /proc/vmcore in the
# capture kernel, pull the dump out and validate it with the reference readers.
# Never touches the host's kexec: everything kdump-related runs inside the guest.
usage() {
	cat <<'USAGE'
usage: tests/e2e/lab.sh [options] RUNDIR
  --loader ref|ours      stage 1 loads with `kexec -p` (ref) or kdump-load (ours)      [ours if built]
  --capture ref|ours     stage 2 captures with makedumpfile (ref) or kdump-capture (ours) [ours if built]
  --load-cmd CMD         stage-1 load command (sh; $KERNEL $INITRD $CMDLINE are set)
  --capture-cmd CMD      stage-2 command (sh; $VMCORE=/proc/vmcore, outputs go to $OUT)
  --stage1-extra CMD     run in stage 1 after loading, before the crash
  --mem SIZE             guest memory (1024M)        --smp N        guest CPUs (2)
  --crashkernel SIZE     crashkernel= (256M)         --paging 4|5   page-table levels (5)
  --timeout SECONDS      hard limit for QEMU (300)   --disk-size SIZE  ext4 disk (4G)
  --add-initrd DIR       merge DIR into the initramfs root
  --add-disk PATH        copy PATH onto the guest disk (at /mnt/NAME); repeatable
  --qemu-arg ARG         extra QEMU argument; repeatable
  --dump NAME            file of $OUT to validate (vmcore)   --no-check   skip the validation
  --expect-no-dump       success means the capture kernel never produced a dump
Writes RUNDIR/console.log, RUNDIR/out/, RUNDIR/summary.txt and RUNDIR/summary.json.
Exit: 0 all checks passed, 1 a check failed, 2 the lab itself could not run.
USAGE
}
set -u
source "$(dirname "$0")/lib.sh"

loader="" capture="" load_cmd="" capture_cmd="" stage1_extra=""
mem=1024M smp=2 crashkernel=256M paging=5 timeout_s=300 disk_size=4G
dump_name=vmcore check=1 expect_no_dump=0 rundir=""
add_initrd=() add_disk=() qemu_extra=()
while [ $# -gt 0 ]; do
	case "$1" in
	--loader) loader=$2; shift ;;
	--capture) capture=$2; shift ;;
	--load-cmd) load_cmd=$2; shift ;;
	--capture-cmd) capture_cmd=$2; shift ;;
	--stage1-extra) stage1_extra=$2; shift ;;
	--mem) mem=$2; shift ;;
	--smp) smp=$2; shift ;;
	--crashkernel) crashkernel=$2; shift ;;
	--paging) paging=$2; shift ;;
	--timeout) timeout_s=$2; shift ;;
	--disk-size) disk_size=$2; shift ;;
	--add-initrd) add_initrd+=("$2"); shift ;;
	--add-disk) add_disk+=("$2"); shift ;;
	--qemu-arg) qemu_extra+=("$2"); shift ;;
	--dump) dump_name=$2; shift ;;
	--no-check) check=0 ;;
	--expect-no-dump) expect_no_dump=1 ;;
	-h|--help) usage; exit 0 ;;
	-*) usage >&2; lab_die "unknown option $1" ;;
	*) rundir=$1 ;;
	esac
	shift
done
[ -n "$rundir" ] || { usage >&2; exit 2; }
case "$paging" in 4) cpu=max,-la57 ;; 5) cpu=max ;; *) lab_die "--paging must be 4 or 5" ;; esac

# Our tools where they are built, the Debian references otherwise.
[ -n "$loader" ] || { [ -x "$LAB_O/bin/kdump-load" ] && loader=ours || loader=ref; }
[ -n "$capture" ] || { [ -x "$LAB_O/bin/kdump-capture" ] && capture=ours || capture=ref; }
# The distributions' capture kernel command line (LAB.md); the loader adds elfcorehdr=.
# no_timer_check (both kernels): under TCG on a loaded host the IO-APIC timer check can fail
# spuriously and panic the kernel ("IO-APIC + timer doesn't work!"); it proves nothing here.
capture_cmdline="console=ttyS0 no_timer_check irqpoll nr_cpus=1 reset_devices panic=1 usbcore.nousb cgroup_disable=memory mce=off numa=off acpi_no_memhotplug transparent_hugepage=never nokaslr hest_disable novmcoredd cma=0 hugetlb_cma=0 pcie_ports=compat quiet"
if [ -z "$load_cmd" ]; then
	case "$loader" in
	ref) load_cmd='kexec -p "$KERNEL" --initrd="$INITRD" --append="$CMDLINE"' ;;
	ours) load_cmd='kdump-load --kernel "$KERNEL" --initrd "$INITRD" --append "$CMDLINE"' ;;
	*) lab_die "--loader must be ref or ours" ;;
	esac
fi
if [ -z "$capture_cmd" ]; then
	case "$capture" in
	ref) capture_cmd='makedumpfile -l -d 31 "$VMCORE" "$OUT/vmcore"' ;;
	ours) capture_cmd='kdump-capture -l -d 31 "$VMCORE" "$OUT/vmcore"' ;;
	*) lab_die "--capture must be ref or ours" ;;
	esac
fi

mkdir -p "$rundir" || lab_die "cannot create $rundir"
rundir=$(cd "$rundir" && pwd)
work="$rundir/work"
rm -rf "$work" "$rundir/out" "$rundir/console.log" "$rundir/summary.txt" "$rundir/summary.json"
mkdir -p "$work/root" "$work/disk"
kernel=$(lab_kernel)
release=$(lab_kernel_release)
start_wall=$EPOCHREALTIME

# 1. The initramfs: busybox, the reference tools, our tools, modules and /init.
root="$work/root"
mkdir -p "$root/bin"
cp /bin/busybox "$root/bin/busybox"
lab_copy_with_libs "$root" /usr/sbin /usr/sbin/kexec /usr/bin/makedumpfile
ours=()
for b in "$LAB_O"/bin/*; do [ -x "$b" ] && ours+=("$b"); done
[ ${#ours[@]} -gt 0 ] && lab_copy_with_libs "$root" /usr/local/bin "${ours[@]}"
lab_copy_modules "$root" "$release"
cp "$LAB_TOP/tests/e2e/guest-init.sh" "$root/init"
chmod 0755 "$root/init"
for d in "${add_initrd[@]}"; do cp -a "$d"/. "$root"/ || lab_die "cannot add $d to the initramfs"; done
lab_pack_initramfs "$root" "$work/initrd.gz" || lab_die "cannot pack the initramfs"

# 2. The disk: the capture kernel and initramfs for stage 1, the run's commands, room for dumps.
cp "$kernel" "$work/disk/vmlinuz"
cp "$work/initrd.gz" "$work/disk/initrd.gz"
for f in "${add_disk[@]}"; do cp -a "$f" "$work/disk/" || lab_die "cannot add $f to the disk"; done
{
	printf 'LAB_LOAD_CMD=%q\n' "$load_cmd"
	printf 'LAB_CAPTURE_CMD=%q\n' "$capture_cmd"
	printf 'LAB_STAGE1_EXTRA=%q\n' "$stage1_extra"
	printf 'LAB_CAPTURE_CMDLINE=%q\n' "$capture_cmdline"
} >"$work/disk/lab.conf"
disk="$work/disk.img"
truncate -s "$disk_size" "$disk"
mkfs.ext4 -q -F -d "$work/disk" "$disk" >/dev/null 2>&1 || lab_die "mkfs.ext4 failed"

# 3. Boot, load, crash, capture. Each console line gets the host time in front (for phase timing).
lab_log "run $rundir: loader=$loader capture=$capture mem=$mem smp=$smp crashkernel=$crashkernel paging=$paging"
timeout --kill-after=10 "$timeout_s" qemu-system-x86_64 -accel tcg -cpu "$cpu" -smp "$smp" -m "$mem" \
	-display none -serial stdio -monitor none -no-reboot \
	-kernel "$kernel" -initrd "$work/initrd.gz" \
	-append "console=ttyS0 no_timer_check crashkernel=$crashkernel panic=1 quiet" \
	-drive "file=$disk,format=raw,if=virtio" -nic none "${qemu_extra[@]}" </dev/null 2>&1 |
	while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "${line%$'\r'}"; done >"$rundir/console.log"
qemu_rc=${PIPESTATUS[0]}
[ "$qemu_rc" -eq 124 ] && lab_log "QEMU hit the ${timeout_s}s timeout"

# 4. Pull the outputs out of the disk image.
mkdir -p "$rundir/out"
debugfs -R "rdump /out $work" "$disk" >/dev/null 2>&1
[ -d "$work/out" ] && cp -a "$work/out"/. "$rundir/out"/ 2>/dev/null
rm -f "$disk"

# 5. Checks and summary.
checks="$work/checks.txt"
: >"$checks"
markers=$(lab_markers "$rundir/console.log")
for m in stage1-init loaded crash stage2-init capture-start stage2-done; do
	if grep -q "^$m " <<<"$markers"; then echo "check reached-$m ok" >>"$checks"
	elif [ "$expect_no_dump" = 1 ] && [[ $m == stage2* || $m == capture* ]]; then
		echo "check not-reached-$m ok (expected)" >>"$checks"
	else echo "check reached-$m FAIL the guest never got to $m" >>"$checks"; fi
done
dump="$rundir/out/$dump_name"
if [ "$expect_no_dump" = 1 ]; then
	if [ -e "$dump" ]; then echo "check no-dump FAIL a dump exists" >>"$checks"
	else echo "check no-dump ok no dump was written" >>"$checks"; fi
else
	rc_file="$rundir/out/capture.rc"
	if [ -f "$rc_file" ] && [ "$(cat "$rc_file")" = 0 ]; then
		echo "check capture-exit ok capture command exited 0" >>"$checks"
	else
		echo "check capture-exit FAIL capture command exited $(cat "$rc_file" 2>/dev/null || echo '?')" >>"$checks"
	fi
	[ "$check" = 1 ] && lab_check_dump "$dump" "$release" "$work/check" >>"$checks"
fi
dump_size=$(stat -c %s "$dump" 2>/dev/null || echo 0)
failed=$(grep -c ' FAIL' "$checks")
wall=$(awk -v a="$start_wall" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}')
{
	echo "release $release"
	echo "loader $loader: $load_cmd"
	echo "capture $capture: $capture_cmd"
	echo "guest mem=$mem smp=$smp crashkernel=$crashkernel paging=$paging"
	echo "qemu exit $qemu_rc, wall ${wall}s"
	echo "dump $dump_name $dump_size bytes"
	echo "phases (guest uptime):"
	sed 's/^/  /' <<<"$markers"
	cat "$checks"
	echo "result $([ "$failed" = 0 ] && echo PASS || echo "FAIL ($failed checks)")"
} >"$rundir/summary.txt"
{
	printf '{"release":"%s","loader":"%s","capture":"%s","mem":"%s","smp":%s,"crashkernel":"%s",' \
		"$release" "$loader" "$capture" "$mem" "$smp" "$crashkernel"
	printf '"paging":%s,"qemu_exit":%s,"wall_seconds":%s,"dump":"%s","dump_bytes":%s,"phases":{' \
		"$paging" "$qemu_rc" "$wall" "$dump_name" "$dump_size"
	sed 's/^\([^ ]*\) \(.*\)$/"\1":\2/' <<<"$markers" | paste -sd, -
	printf '},"checks":['
	awk '{d=$0; sub(/^check [^ ]* [^ ]* ?/, "", d); gsub(/["\\]/, "", d);
	      printf "%s{\"name\":\"%s\",\"ok\":%s,\"detail\":\"%s\"}", (NR>1?",":""), $2, ($3=="ok"?"true":"false"), d}' "$checks"
	printf '],"passed":%s}\n' "$([ "$failed" = 0 ] && echo true || echo false)"
} >"$rundir/summary.json"

cat "$rundir/summary.txt"
if [ "$failed" != 0 ]; then
	echo "--- last console lines:"
	tail -n 25 "$rundir/console.log" | cut -d' ' -f2-
	exit 1
fi
exit 0
