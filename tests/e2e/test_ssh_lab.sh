#!/bin/bash
# Issue 7, lab: the capture kernel streams its dump with kdump-capture --ssh
# over the guest's virtio-net to an OpenSSH sshd on the host. QEMU and that
# sshd run inside a private network namespace made here (loopback only);
# QEMU's user networking forwards the guest's 10.0.2.100:22 to the
# namespace's 127.0.0.1 (one relay process per connection).
set -euo pipefail
cd "$(dirname "$0")/../.."
O=${O:-build}
if [ -z "${SSH_LAB_NS:-}" ]; then
	SSH_LAB_NS=1 exec unshare --net bash "$0" "$@"
fi
ip link set lo up
for f in "$O/bin/kdump-capture" /usr/sbin/sshd /bin/busybox /usr/bin/makedumpfile; do
	[ -x "$f" ] || { echo "FAIL: missing $f"; exit 1; }
done
. tests/e2e/sshd.sh
T=$(mktemp -d /tmp/test_ssh_lab.XXXXXX)
trap 'sshd_stop; rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

sshd_setup "$T/sshd"
sshd_start
R=$T/remote
mkdir -p "$R"
G=$T/guest/etc/kdumpkit
mkdir -p "$G"
cp "$T/sshd/user_key" "$G/id_ed25519"
printf '10.0.2.100 %s\n' "$(cut -d' ' -f1,2 "$T/sshd/host_key.pub")" >"$G/known_hosts"

cmd="busybox ip link set eth0 up && busybox ip addr add 10.0.2.15/24 dev eth0 &&
kdump-capture -l -d 31 --progress lines --ssh $SSHD_USER@10.0.2.100 --ssh-key /etc/kdumpkit/id_ed25519 \
--known-hosts /etc/kdumpkit/known_hosts --remote-dir $R \$VMCORE vmcore"
run=$O/lab-runs/test_ssh_lab
rm -rf "$run"
rc=0
tests/e2e/lab.sh --capture-cmd "$cmd" --add-initrd "$T/guest" --no-check --timeout 400 \
	--qemu-arg -netdev \
	--qemu-arg "user,id=n0,restrict=on,guestfwd=tcp:10.0.2.100:22-cmd:/bin/busybox nc 127.0.0.1 $SSHD_PORT" \
	--qemu-arg -device --qemu-arg virtio-net-pci,netdev=n0 "$run" || rc=$?
cat "$run/out/capture.log" 2>/dev/null | tail -n 15
[ "$rc" -eq 0 ] || fail "lab.sh exit $rc"
[ "$(cat "$run/out/capture.rc" 2>/dev/null)" = 0 ] || fail "kdump-capture --ssh failed in the capture kernel"
ls -la "$R"
[ -f "$R/vmcore" ] || fail "no dump on the collection host"
[ ! -e "$run/out/vmcore" ] || fail "the dump went to the guest disk"
makedumpfile --dump-dmesg "$R/vmcore" "$T/dmesg.txt" >/dev/null 2>&1 || fail "makedumpfile --dump-dmesg"
grep -q "Kernel panic - not syncing: sysrq triggered crash" "$T/dmesg.txt" || fail "no panic line in the dump"
grep -q "Kernel panic - not syncing" "$R/vmcore-dmesg.txt" || fail "no panic line in vmcore-dmesg.txt"
rel=$(crash --osrelease "$R/vmcore" 2>/dev/null) || fail "crash --osrelease"
[ "$rel" = "$(basename "$(readlink -f "$(ls /boot/vmlinuz-* | sort -V | tail -n1)")" | sed 's/^vmlinuz-//')" ] ||
	echo "note: crash --osrelease says $rel"
[ -n "$rel" ] || fail "crash --osrelease printed nothing"
/usr/bin/python3 - "$R/vmcore.json" <<'PY' || fail "report"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["complete"] and r["ssh"]["bytes"] > 0, r
print("ssh: %(bytes)d bytes in %(seconds).2f s, %(throughput_mb_s).1f MB/s" % r["ssh"])
PY
echo "test_ssh_lab: the capture kernel's dump arrived over SSH and reads back"
