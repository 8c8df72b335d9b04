# The --capture-cmd of a lab run that times makedumpfile and kdump-capture on /proc/vmcore in
# the capture kernel (TCG): tests/e2e/lab.sh --loader ref --capture ours --mem 1024M --timeout 800
#   --capture-cmd "$(cat bench/capture/tcg.sh)" RUNDIR; the TIMING lines are in RUNDIR/console.log.
t() { a=$(cut -d' ' -f1 /proc/uptime); "$@" >/dev/null 2>&1; rc=$?; b=$(cut -d' ' -f1 /proc/uptime); echo "TIMING rc=$rc $(awk -v a=$a -v b=$b 'BEGIN{printf "%.2f", b-a}') s: $*"; }
t sh -c "makedumpfile -l -d 31 $VMCORE $OUT/m31 && sync"
t kdump-capture -q -l -d 31 --free-pages buddy --no-dmesg --no-manifest --no-report $VMCORE $OUT/o31
t kdump-capture -q -l -d 31 --free-pages buddy $VMCORE $OUT/vmcore
t sh -c "makedumpfile -c -d 1 $VMCORE $OUT/m1 && sync"
t kdump-capture -q -c -d 1 --no-dmesg --no-manifest --no-report $VMCORE $OUT/o1
ls -l $OUT
