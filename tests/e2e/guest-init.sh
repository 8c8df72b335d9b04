#!/bin/busybox sh
# /init of the crash lab's guest. One initramfs serves both kernels:
#   stage 1 (no /proc/vmcore): load the capture kernel, leave a pattern in memory, panic;
#   stage 2 (/proc/vmcore exists): run the capture command onto the ext4 disk, power off.
# What to run comes from /mnt/lab.conf on the disk (written by tests/e2e/lab.sh).
/bin/busybox mkdir -p /bin /sbin /usr/bin /usr/sbin /proc /sys /dev /mnt /tmp /run /var/crash
/bin/busybox --install -s
export PATH=/usr/local/bin:/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp

mark() { echo "LABMARK $1 $(cut -d' ' -f1 /proc/uptime)"; }
fail() { echo "LABFAIL $*"; mark failed; sync; poweroff -f; }

if [ -e /proc/vmcore ]; then STAGE=2; else STAGE=1; fi
mark "stage${STAGE}-init"

rel=$(uname -r)
while read -r m; do
	insmod "/lib/modules/$rel/$m.ko" 2>/dev/null
done <"/lib/modules/$rel/load-order"
mark modules
for i in 1 2 3 4 5 6 7 8 9 10; do [ -b /dev/vda ] && break; sleep 0.2; done
mount -t ext4 /dev/vda /mnt || fail "cannot mount /dev/vda"
. /mnt/lab.conf || fail "cannot read /mnt/lab.conf"
mark disk

if [ "$STAGE" = 1 ]; then
	KERNEL=/mnt/vmlinuz
	INITRD=/mnt/initrd.gz
	CMDLINE=$LAB_CAPTURE_CMDLINE
	export KERNEL INITRD CMDLINE
	mark load-start
	sh -c "$LAB_LOAD_CMD" || fail "load command failed: $LAB_LOAD_CMD"
	mark loaded
	if [ -n "$LAB_STAGE1_EXTRA" ]; then
		sh -c "$LAB_STAGE1_EXTRA" || fail "stage-1 extra command failed"
		mark stage1-extra
	fi
	# A recognisable pattern in the page cache (a file on the disk) and in anonymous
	# memory (this shell's heap). Built at run time so no other copy of it exists.
	a=KDUMPKIT; b=LAB
	cache_pat="$a-$b-CACHE-PATTERN"
	anon_pat="$a-$b-ANON-PATTERN"
	i=0; chunk=""
	while [ $i -lt 64 ]; do chunk="$chunk$cache_pat-"; i=$((i + 1)); done
	i=0
	while [ $i -lt 256 ]; do echo "$chunk"; i=$((i + 1)); done >/mnt/pattern-cache.txt
	i=0; ANON=""
	while [ $i -lt 2048 ]; do ANON="$ANON$anon_pat-"; i=$((i + 1)); done
	sync
	mark crash
	# Let the serial port drain: a panic drops what the tty still holds (the marker).
	sleep 1
	echo c >/proc/sysrq-trigger
	fail "still alive after sysrq-trigger"
fi

VMCORE=/proc/vmcore
OUT=/mnt/out
export VMCORE OUT
mkdir -p "$OUT"
mark capture-start
sh -c "$LAB_CAPTURE_CMD" >/tmp/capture.log 2>&1
rc=$?
tail -n 20 /tmp/capture.log
cp /tmp/capture.log "$OUT/capture.log"
echo "$rc" >"$OUT/capture.rc"
mark "capture-end-rc$rc"
sync
umount /mnt
mark stage2-done
poweroff -f
