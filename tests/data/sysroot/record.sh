#!/bin/bash
# Record a /proc + /sys tree for kdump-load --sysroot, and `kexec -p --debug` for comparison, from a
# crash-lab guest: tests/data/sysroot/record.sh NAME [lab options, e.g. --mem 5G --paging 4]
# Writes tests/data/sysroot/NAME/ and tests/data/loader/kexec-debug-NAME.txt.
set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)
source "$top/tests/e2e/lib.sh"
name=${1:?usage: record.sh NAME [lab options]}
shift
run="$LAB_O/lab-runs/record-$name"
extra='T=/mnt/out/tree
mkdir -p $T/proc $T/sys/kernel $T/sys/devices/system/cpu
cat /proc/iomem >$T/proc/iomem
cat /proc/cmdline >$T/proc/cmdline
head -c 4096 /proc/kcore >$T/proc/kcore
for f in kexec_crash_size kexec_crash_loaded vmcoreinfo kexec_loaded; do cat /sys/kernel/$f >$T/sys/kernel/$f; done
mkdir -p $T/sys/kernel/boot_params && cat /sys/kernel/boot_params/data >$T/sys/kernel/boot_params/data
for c in /sys/devices/system/cpu/cpu[0-9]*; do
	n=${c##*/}; mkdir -p $T/sys/devices/system/cpu/$n
	cat $c/crash_notes >$T/sys/devices/system/cpu/$n/crash_notes
	cat $c/crash_notes_size >$T/sys/devices/system/cpu/$n/crash_notes_size
done
true'
"$top/tests/e2e/lab.sh" --loader ref --no-check --capture-cmd true \
	--load-cmd 'mkdir -p /mnt/out; kexec -p --debug "$KERNEL" --initrd="$INITRD" --append="$CMDLINE" >/mnt/out/kexec-debug.txt 2>&1' \
	--stage1-extra "$extra" "$@" "$run" || lab_die "the lab run failed: $run/summary.txt"
rm -rf "$top/tests/data/sysroot/$name"
cp -r "$run/out/tree" "$top/tests/data/sysroot/$name"
cp "$run/out/kexec-debug.txt" "$top/tests/data/loader/kexec-debug-$name.txt"
echo "recorded tests/data/sysroot/$name"
