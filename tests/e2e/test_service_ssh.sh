#!/bin/bash
# The kdump service with an SSH target, in the crash lab: a real OpenSSH sshd on the host's
# 127.0.0.1 (tests/e2e/sshd.sh), which the guest reaches as 10.0.2.2 through QEMU's user-mode
# network. The first kernel runs `kdump-ctl start` (the initramfs gets the virtio-net driver,
# the key, known_hosts and the OpenSSH client); after the panic the capture kernel brings up
# eth0 with DHCP, and kdump-capture --ssh writes the dump on the host over SFTP (libssh) with
# its kernel log, report and checksum manifest; the directory manifest follows, the directory
# is renamed and 1 dump of this host is kept. The reference readers read it, and
# kdump-inspect verify checks it against its manifest.
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/sshd.sh"
runs=${LAB_RUNS:-$LAB_O/lab-runs}/test_service_ssh
lab="$LAB_TOP/tests/e2e/lab.sh"
host=kdumplab
fail() { echo "test_service_ssh: FAIL: $*"; exit 1; }
ok() { echo "test_service_ssh: ok: $*"; }
for b in kdump-ctl kdump-config kdump-mkinitramfs kdumpkit-init; do
	[ -x "$LAB_O/bin/$b" ] || fail "$LAB_O/bin/$b is not built"
done
[ -x /usr/sbin/sshd ] && [ -x /usr/bin/ssh ] || fail "openssh-server/openssh-client not installed (make deps)"
rm -rf "$runs"
mkdir -p "$runs/disk" "$runs/remote" "$runs/add"
runs=$(cd "$runs" && pwd)
trap sshd_stop EXIT

sshd_setup "$runs/sshd"
sshd_start || fail "sshd did not start"
# The service's key, authorized; the host key as the guest names the host.
ssh-keygen -q -t ed25519 -N '' -C kdumplab -f "$runs/disk/kdump_key"
cat "$runs/disk/kdump_key.pub" >>"$runs/sshd/authorized_keys"
printf '[10.0.2.2]:%s %s\n' "$SSHD_PORT" "$(cut -d' ' -f1,2 "$runs/sshd/host_key.pub")" >"$runs/disk/known_hosts"
# An older dump of this host and one of another host: keep 1 removes only the first.
mkdir -p "$runs/remote/$host-2020-01-01-00:00:00" "$runs/remote/otherhost-2020-01-01-00:00:00"
cat >"$runs/disk/service.conf" <<EOF
# kdumpkit.conf of the SSH e2e test
kernel /mnt/vmlinuz
initrd /var/lib/kdumpkit/initrd.img
ssh $SSHD_USER@10.0.2.2:$SSHD_PORT
sshkey /mnt/kdump_key
known_hosts /mnt/known_hosts
net_iface eth0
net_addr dhcp
path $runs/remote
keep 1
final_action poweroff
failure_action reboot
EOF
"$LAB_O/bin/kdump-config" -c "$runs/disk/service.conf" check || fail "the config does not validate"
# The OpenSSH client for stage 1 (kdump-mkinitramfs copies it into the capture initramfs).
lab_copy_with_libs "$runs/add" /usr/bin /usr/bin/ssh

"$lab" --loader ref --capture ref --timeout 420 --expect-no-dump --add-initrd "$runs/add" \
	--add-disk "$runs/disk/service.conf" --add-disk "$runs/disk/kdump_key" --add-disk "$runs/disk/known_hosts" \
	--qemu-arg -netdev --qemu-arg user,id=net0,restrict=off --qemu-arg -device --qemu-arg virtio-net-pci,netdev=net0 \
	--load-cmd "hostname $host && kdump-ctl -c /mnt/service.conf start" "$runs/lab" >"$runs/lab.log" 2>&1 ||
	fail "the lab failed: $(grep -a FAIL "$runs/lab/summary.txt" 2>/dev/null | head -n 3; tail -n 15 "$runs/lab.log")"
con=$(cut -d' ' -f2- "$runs/lab/console.log")
grep -q 'kdumpkit: .* network up on eth0' <<<"$con" || fail "the capture kernel's network did not come up: $(grep -a 'kdumpkit:' <<<"$con" | tail -n 5)"
grep -q 'kdumpkit: .* final_action poweroff' <<<"$con" || fail "no final_action: $(grep -a 'kdumpkit:' <<<"$con" | tail -n 5)"
new=$(cd "$runs/remote" && ls -1d "$host"-2???-* 2>/dev/null | grep -v "^$host-2020")
[ -n "$new" ] || fail "no dump arrived: $(ls -A "$runs/remote")"
[ "$(cd "$runs/remote" && ls -1A | LC_ALL=C sort | tr '\n' ' ')" = "$new otherhost-2020-01-01-00:00:00 " ] ||
	fail "keep 1: the remote directory holds $(ls -A "$runs/remote")"
d="$runs/remote/$new"
grep -q 'capturer kdump-capture' <<<"$con" || fail "the capture kernel did not use kdump-capture"
grep -q 'kdump-capture .*--ssh .*--remote-dir' <<<"$con" || fail "kdump-capture did not stream with --ssh: $(grep -a 'kdumpkit:' <<<"$con" | tail -n 5)"
for f in vmcore vmcore-dmesg.txt vmcore.json vmcore.sha256 manifest; do
	[ -s "$d/$f" ] || fail "$new/$f is missing or empty ($(ls "$d"))"
done
[ "$(stat -c %a "$d/vmcore")" = 600 ] || fail "$new/vmcore: mode $(stat -c %a "$d/vmcore")"
(cd "$d" && sha256sum --quiet -c manifest) || fail "$new/manifest does not verify"
out=$("$LAB_O/bin/kdump-inspect" verify "$d/vmcore" 2>&1) || fail "kdump-inspect verify: $out"
grep -q "checksum manifest matches" <<<"$out" || fail "verify did not use vmcore.sha256: $out"
grep -qF "$LAB_PANIC_LINE" "$d/vmcore-dmesg.txt" || fail "$new/vmcore-dmesg.txt lacks the panic line"
lab_check_dump "$d/vmcore" "$(lab_kernel_release)" "$runs/check" || fail "the reference readers reject the dump"
ok "dump streamed over SSH into $new ($(grep -o 'capturer [a-z-]*' <<<"$con" | head -n 1)), keep 1 applied"
echo "test_service_ssh: ok"
