#!/bin/bash
# make demo: the crash lab end to end through the kdump service, the way a real machine runs it:
# the guest's first kernel runs `kdump-ctl start` from a real kdumpkit.conf (kdump-mkinitramfs
# builds the capture initramfs, the loader loads it), the panic boots that initramfs, whose /init
# saves the dump under <path>/<host>-<date>/. kdumpkit's own tools are used wherever they are
# built (`loader auto`, `capturer auto`); the report says which ran. Then a short report.
set -u
source "$(dirname "$0")/lib.sh"
rundir=${DEMO_DIR:-$LAB_O/demo}
host=kdumpdemo
rm -rf "$rundir" "$rundir.seed"
mkdir -p "$rundir.seed/out/dumps"
for b in kdump-ctl kdump-config kdump-mkinitramfs kdumpkit-init; do
	[ -x "$LAB_O/bin/$b" ] || lab_die "$LAB_O/bin/$b is not built (make)"
done
conf="$rundir.seed/kdumpkit.conf"
cat >"$conf" <<'CONF'
# kdumpkit.conf of the demo: local disk target, kdumpkit's own tools where built
kernel /mnt/vmlinuz
initrd /var/lib/kdumpkit/initrd.img
disk /dev/vda
fstype ext4
path /out/dumps
keep 3
dump_level 31
compress lzo
final_action poweroff
failure_action poweroff
loader auto
capturer auto
CONF
"$LAB_O/bin/kdump-config" -c "$conf" check || lab_die "the demo's config does not validate"

echo "kdumpkit crash lab demo: QEMU guest (TCG), $(lab_kernel_release), 1024M RAM, crashkernel=256M"
echo "  the guest runs the kdump service: kdump-ctl start -> kdump-mkinitramfs + loader; panic;"
echo "  the capture initramfs saves the dump to its ext4 disk. Running (a minute or two)..."
# The lab's own stage 2 never runs (the service's initramfs takes over after the panic).
"$LAB_TOP/tests/e2e/lab.sh" --expect-no-dump --timeout 600 --add-disk "$conf" --add-disk "$rundir.seed/out" \
	--load-cmd "hostname $host && kdump-ctl -c /mnt/kdumpkit.conf start" "$rundir" >"$rundir.log" 2>&1
rc=$?
con=$(cut -d' ' -f2- "$rundir/console.log" 2>/dev/null)
dir=$(cd "$rundir/out/dumps" 2>/dev/null && ls -1d "$host"-* 2>/dev/null | tail -n 1)
dump="$rundir/out/dumps/$dir/vmcore"
marker() { lab_markers "$rundir/console.log" | awk -v m="$1" '$1 == m {print $2; exit}'; }

echo
echo "== what happened (guest uptime in seconds)"
echo "  $(grep -a -o -m 1 'kdump-ctl: loading with [a-z-]*' <<<"$con")"
echo "  $(grep -a -o -m 1 'kdump-ctl: loaded;.*' <<<"$con")"
echo "  service started at $(marker load-start)s, capture kernel loaded at $(marker loaded)s"
echo "  panic at $(marker crash)s: $(grep -a -o -m 1 'Kernel panic - not syncing: [^]]*' <<<"$con" | head -n 1)"
grep -a 'kdumpkit: ' <<<"$con" | grep -v '^LAB' | tail -n 8 | cut -c1-110 | sed 's/^/  capture kernel: /'
if [ -n "$dir" ] && [ -s "$dump" ]; then
	echo "  dump directory: $dir/ ($(cd "$rundir/out/dumps/$dir" && ls | tr '\n' ' '))"
	fmt=$(file -b "$dump" | cut -c1-60)
	[ "$(head -c 8 "$dump" | tr -d '\0')" = "KDUMP   " ] && fmt="kdump-compressed (makedumpfile format)"
	echo "  dump: $(du -h --apparent-size "$dump" | cut -f1), $fmt"
	if [ -x "$LAB_O/bin/kdump-inspect" ]; then
		echo
		echo "== kdump-inspect info"
		"$LAB_O/bin/kdump-inspect" info "$dump" 2>&1 | grep -E '^(format|compression|kernel release|dump level|paging|KASLR|crash time|CPUs|panicking|pages|complete)' | sed 's/^/  /'
		echo "  verify: $("$LAB_O/bin/kdump-inspect" verify "$dump" 2>&1 | tail -n 1)"
	fi
	echo
	echo "== checks by the reference readers"
	lab_check_dump "$dump" "$(lab_kernel_release)" "$rundir/check" | sed 's/^check /  /' || rc=1
	echo
	echo "== first lines of the recovered kernel log"
	if [ -x "$LAB_O/bin/kdump-inspect" ] && "$LAB_O/bin/kdump-inspect" dmesg "$dump" >"$rundir/dmesg.txt" 2>/dev/null; then
		echo "  (kdump-inspect dmesg)"
	else
		makedumpfile --dump-dmesg "$dump" "$rundir/dmesg.txt" >/dev/null 2>&1
		echo "  (makedumpfile --dump-dmesg)"
	fi
	head -n 4 "$rundir/dmesg.txt" | cut -c1-110 | sed 's/^/  /'
	echo "  ..."
	grep -a -m 3 -A 1 'sysrq: Trigger a crash' "$rundir/dmesg.txt" | cut -c1-110 | sed 's/^/  /'
else
	echo "  no dump directory was written"
	rc=1
fi
echo
echo "Run directory: $rundir (console.log, out/dumps/, summary.txt)"
if [ $rc -ne 0 ]; then
	echo "demo FAILED:"
	grep FAIL "$rundir/summary.txt" 2>/dev/null
	tail -n 20 "$rundir.log"
fi
exit $rc
