#!/bin/bash
# The kdump service's parts that need no crash, on the host (no QEMU, nothing loaded):
#  1. kdump-config: errors name the file and the line; the shipped example config is valid;
#  2. kdump-mkinitramfs against the lab kernel's modules: dependency order (depends= and
#     softdep through modules.alias), the image's content, the stamp going stale when the
#     config changes;
#  3. against a real sshd on 127.0.0.1 (tests/e2e/sshd.sh): `kdump-ctl propagate` creates the
#     key, records the host key and installs the key with ssh-copy-id (logging in once with
#     another key, from an agent, as a password would); `status` sees the target; `test`
#     rehearses a capture into it and leaves nothing behind; a wrong host key makes `test` fail.
# kdump-ctl never loads anything here: start/stop are exercised in the crash lab
# (test_service.sh).
set -u
# ssh-copy-id writes to the remote user's ~/.ssh/authorized_keys: run in a private mount
# namespace with a scratch directory over /root, so that the real one is never touched.
if [ -z "${SERVICE_TEST_NS:-}" ]; then
	SERVICE_TEST_NS=1 exec unshare -m --propagation private bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/sshd.sh"
B=$LAB_O/bin
fail() { echo "test_service_host: FAIL: $*"; exit 1; }
ok() { echo "test_service_host: ok: $*"; }
for b in kdump-config kdump-ctl kdump-mkinitramfs kdumpkit-init; do
	[ -x "$B/$b" ] || fail "$B/$b is not built"
done
for t in /usr/sbin/sshd ssh ssh-keygen ssh-keyscan ssh-copy-id ssh-agent ssh-add busybox cpio makedumpfile; do
	command -v "$t" >/dev/null || fail "$t is not installed (make deps)"
done
T=$(mktemp -d /tmp/test_service_host.XXXXXX)
AGENT_PID=""
cleanup() {
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null
	sshd_stop
	umount "$T/home" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# --- 1. kdump-config --------------------------------------------------------------------------------
printf 'path /x\n\n# dump level\ndump_level 99\n' >"$T/bad.conf"
out=$("$B/kdump-config" -c "$T/bad.conf" check 2>&1) && fail "a bad config passed the check"
[ "$out" = "kdump-config: $T/bad.conf: line 4: dump_level: 99 is not in 0..31" ] || fail "message: $out"
out=$("$B/kdump-ctl" -c "$T/bad.conf" config 2>&1) && fail "kdump-ctl accepted a bad config"
grep -q 'line 4: dump_level' <<<"$out" || fail "kdump-ctl's message: $out"
printf 'pth /x\n' >"$T/bad.conf"
out=$("$B/kdump-config" -c "$T/bad.conf" check 2>&1)
[ "$out" = "kdump-config: $T/bad.conf: line 1: unknown key \"pth\"" ] || fail "message: $out"
"$B/kdump-config" -c "$LAB_TOP/scripts/kdumpkit.conf" check || fail "the shipped kdumpkit.conf does not validate"
[ "$("$B/kdump-config" -c "$LAB_TOP/scripts/kdumpkit.conf" get dump_level)" = 31 ] || fail "get dump_level"
ok "kdump-config: errors name the file and line; the shipped example is valid"

# --- 2. kdump-mkinitramfs ---------------------------------------------------------------------------
rel=$(lab_kernel_release)
cat >"$T/local.conf" <<EOF
disk UUID=00000000-kdumpkit-test
fstype ext4
path /dumps
modules virtio_pci virtio_blk
capturer makedumpfile
initrd $T/initrd.img
EOF
"$B/kdump-mkinitramfs" -c "$T/local.conf" -k "$rel" --list >"$T/list" 2>"$T/list.err" || fail "--list: $(cat "$T/list.err")"
grep -q 'not present now' "$T/list.err" || fail "no warning about the absent disk: $(cat "$T/list.err")"
order=$(sed -n '/^# module order:/,$p' "$T/list" | sed 1d | sed 's|.*/||; s|\.ko$||' | tr '\n' ' ')
pos() { local i=0 m; for m in $order; do i=$((i + 1)); [ "$m" = "$1" ] && { echo $i; return; }; done; echo 0; }
for pair in virtio_ring:virtio_blk virtio:virtio_pci jbd2:ext4 mbcache:ext4 crc16:ext4 crc32c_generic:ext4; do
	a=$(pos "${pair%:*}") b=$(pos "${pair#*:}")
	[ "$a" -gt 0 ] && [ "$b" -gt "$a" ] || fail "module order: ${pair%:*} must come before ${pair#*:}: $order"
done
"$B/kdump-mkinitramfs" -c "$T/local.conf" -k "$rel" 2>/dev/null || fail "the build failed"
gzip -dc "$T/initrd.img" | cpio -t 2>/dev/null >"$T/content"
for f in init etc/kdumpkit/kdump.env etc/kdumpkit/modules bin/busybox bin/makedumpfile \
	"lib/modules/$rel/ext4.ko" "lib/modules/$rel/virtio_blk.ko" lib64/ld-linux-x86-64.so.2; do
	grep -qx "$f" "$T/content" || fail "the image lacks $f"
done
gzip -dc "$T/initrd.img" | (mkdir -p "$T/x" && cd "$T/x" && cpio -i -d --quiet etc/kdumpkit/kdump.env etc/kdumpkit/modules)
grep -qx "KDUMP_DISK='UUID=00000000-kdumpkit-test'" "$T/x/etc/kdumpkit/kdump.env" || fail "kdump.env: disk"
grep -qx "KDUMP_CAPTURER='makedumpfile'" "$T/x/etc/kdumpkit/kdump.env" || fail "kdump.env: capturer"
[ "$(wc -l <"$T/x/etc/kdumpkit/modules")" -ge 10 ] || fail "module list: $(cat "$T/x/etc/kdumpkit/modules")"
fp=$("$B/kdump-mkinitramfs" -c "$T/local.conf" -k "$rel" --fingerprint)
[ "fingerprint $fp" = "$(head -n 1 "$T/initrd.img.stamp")" ] || fail "a fresh image's fingerprint differs from its stamp"
echo "keep 3" >>"$T/local.conf"
fp2=$("$B/kdump-mkinitramfs" -c "$T/local.conf" -k "$rel" --fingerprint)
[ "$fp2" != "$fp" ] || fail "the fingerprint did not change with the config"
ok "kdump-mkinitramfs: module order $order; image content; stamp"

# --- 3. SSH: propagate, status, test ------------------------------------------------------------------
sshd_setup "$T/sshd"
mkdir -p -m 0700 "$T/home" "$T/home/.ssh"
mount --bind "$T/home" "$(getent passwd "$SSHD_USER" | cut -d: -f6)" || fail "cannot bind a scratch home"
sed -i "s|^AuthorizedKeysFile .*|AuthorizedKeysFile $T/sshd/authorized_keys .ssh/authorized_keys|" "$T/sshd/sshd_config"
sshd_start || fail "sshd did not start"
mkdir -p "$T/remote"
cat >"$T/ssh.conf" <<EOF
ssh $SSHD_USER@127.0.0.1:$SSHD_PORT
sshkey $T/key/kdump_id
known_hosts $T/known_hosts
path $T/remote
keep 2
initrd $T/ssh-initrd.img
EOF
# ssh-copy-id logs in once with a key the server already accepts (from an agent), as it
# would with a password; kdump-ctl's own logins use only the new key (IdentitiesOnly).
eval "$(ssh-agent -s)" >/dev/null
AGENT_PID=$SSH_AGENT_PID
ssh-add -q "$T/sshd/user_key" || fail "ssh-add"
"$B/kdump-ctl" -c "$T/ssh.conf" propagate >"$T/propagate.log" 2>&1 || fail "propagate: $(cat "$T/propagate.log")"
[ -s "$T/key/kdump_id" ] && [ -s "$T/key/kdump_id.pub" ] || fail "propagate did not create the key"
grep -qF "$(cut -d' ' -f2 "$T/key/kdump_id.pub")" "$T/home/.ssh/authorized_keys" || fail "the key was not installed"
host_fp=$(ssh-keygen -lf "$T/sshd/host_key.pub" | cut -d' ' -f2)
ssh-keygen -lf "$T/known_hosts" | grep -qF "$host_fp" || fail "known_hosts lacks the host key"
grep -qF "$host_fp" "$T/propagate.log" || fail "propagate did not print the host key's fingerprint"
kill "$AGENT_PID"; AGENT_PID=""; unset SSH_AUTH_SOCK SSH_AGENT_PID
"$B/kdump-ctl" -c "$T/ssh.conf" propagate >"$T/propagate2.log" 2>&1 || fail "propagate again: $(cat "$T/propagate2.log")"
grep -q 'already authorized' "$T/propagate2.log" || fail "a second propagate: $(cat "$T/propagate2.log")"
ok "propagate: key created and installed, host key recorded ($host_fp)"

out=$("$B/kdump-ctl" -c "$T/ssh.conf" status 2>&1)
grep -q "target: ssh .* reachable, host key known, writable" <<<"$out" || fail "status: $out"
"$B/kdump-ctl" -c "$T/ssh.conf" test >"$T/test.log" 2>&1 || fail "test: $(cat "$T/test.log")"
grep -q 'rehearsal passed' "$T/test.log" || fail "test: $(cat "$T/test.log")"
[ -z "$(ls -A "$T/remote")" ] || fail "the rehearsal left $(ls -A "$T/remote") behind"
[ -e "$T/ssh-initrd.img" ] && fail "the rehearsal wrote the real initramfs"
ok "status and test against the SSH target ($(grep -o '4/4 capture: [a-z-]*' "$T/test.log"))"

# A host key that is not the server's: the rehearsal must refuse the host.
ssh-keygen -q -t ed25519 -N '' -f "$T/other_host_key"
printf '[127.0.0.1]:%s %s\n' "$SSHD_PORT" "$(cut -d' ' -f1,2 "$T/other_host_key.pub")" >"$T/known_hosts"
"$B/kdump-ctl" -c "$T/ssh.conf" test >"$T/test2.log" 2>&1 && fail "test passed with a wrong host key"
grep -q 'host key checked against' "$T/test2.log" || fail "test with a wrong host key: $(cat "$T/test2.log")"
ok "a wrong host key makes the rehearsal fail"
echo "test_service_host: ok"
