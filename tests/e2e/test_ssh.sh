#!/bin/bash
# Issue 7: streaming dumps over SSH, against a real OpenSSH sshd on 127.0.0.1
# started here (tests/e2e/sshd.sh). No QEMU. Runs in a private mount namespace
# so that the "remote directory full / read-only" cases can mount small tmpfs.
set -euo pipefail
cd "$(dirname "$0")/../.."
O=${O:-build}
if [ -z "${SSH_TEST_NS:-}" ]; then
	SSH_TEST_NS=1 exec unshare -m --propagation private bash "$0" "$@"
fi

PUT=$O/tests/ssh-put
for f in "$PUT" /usr/sbin/sshd /usr/bin/ssh-keygen /usr/bin/makedumpfile \
	/usr/lib/openssh/sftp-server /usr/bin/python3; do
	[ -x "$f" ] || { echo "FAIL: missing $f (make all; scripts/install-deps)"; exit 1; }
done
. tests/e2e/sshd.sh

T=$(mktemp -d /tmp/test_ssh.XXXXXX)
RELAY_PID=
cleanup() {
	[ -n "$RELAY_PID" ] && kill "$RELAY_PID" 2>/dev/null
	sshd_stop
	umount "$T/full" "$T/ro" 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT

fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok (${SECONDS}s): $*"; }

sshd_setup "$T/sshd"
sshd_start
R=$T/remote
mkdir -p "$R" "$T/full" "$T/ro"
head -c 40M /dev/urandom >"$T/data"
# A compressible tail, as dumps have.
head -c 8M /dev/zero >>"$T/data"

# put [--port P] NAME FILE [extra ssh-put options]: stream FILE to $R/NAME.
put() {
	local port=$SSHD_PORT
	if [ "$1" = --port ]; then port=$2; shift 2; fi
	local name=$1 file=$2
	shift 2
	"$PUT" --ssh "$SSHD_USER@127.0.0.1:$port" --ssh-key "$T/sshd/user_key" \
		--known-hosts "$T/sshd/known_hosts" --remote-dir "$R" --ssh-timeout 10 "$@" \
		"$file" "$name"
}
empty_remote() { [ -z "$(ls -A "$R")" ] || fail "$1: remote directory not empty: $(ls -A "$R")"; }
host_fp=$(ssh-keygen -lf "$T/sshd/host_key.pub" | cut -d' ' -f2)

# --check: host key verified, free space reported.
out=$("$PUT" --ssh "$SSHD_USER@127.0.0.1:$SSHD_PORT" --ssh-key "$T/sshd/user_key" \
	--known-hosts "$T/sshd/known_hosts" --remote-dir "$R" --check)
grep -q "host key ssh-ed25519 $host_fp verified" <<<"$out" || fail "--check: $out"
grep -q "^remote directory $R\$" <<<"$out" || fail "--check dir: $out"
grep -q '^free [0-9]* bytes' <<<"$out" || fail "--check free: $out"
empty_remote "--check"
ok "--check"

# SFTP: byte-identical, mode 0600, no temporary file left.
put dump "$T/data" 2>"$T/log" || { cat "$T/log"; fail "sftp put"; }
cmp "$T/data" "$R/dump" || fail "sftp: remote file differs"
[ "$(stat -c %a "$R/dump")" = 600 ] || fail "sftp: mode $(stat -c %a "$R/dump")"
[ "$(ls -A "$R")" = dump ] || fail "sftp: leftovers: $(ls -A "$R")"
ok "sftp dump identical, mode 0600"

# Never overwrite.
echo precious >"$R/keep"
if put keep "$T/data" 2>"$T/log"; then fail "overwrote an existing remote file"; fi
grep -q "exists; never overwriting" "$T/log" || { cat "$T/log"; fail "overwrite message"; }
[ "$(cat "$R/keep")" = precious ] || fail "existing file changed"
rm -f "$R/keep" "$R/dump"
empty_remote "never overwrite"
ok "never overwrites"

# exec mode: flattened stream into cat, rebuilt by makedumpfile -R.
put flat "$T/data" --ssh-mode exec 2>"$T/log" || { cat "$T/log"; fail "exec put"; }
[ "$(stat -c %a "$R/flat")" = 600 ] || fail "exec: mode $(stat -c %a "$R/flat")"
makedumpfile -R "$T/rebuilt" <"$R/flat" >"$T/log" 2>&1 || { cat "$T/log"; fail "makedumpfile -R"; }
cmp "$T/data" "$T/rebuilt" || fail "exec: rebuilt file differs"
[ "$(ls -A "$R")" = flat ] || fail "exec: leftovers: $(ls -A "$R")"
if put flat "$T/data" --ssh-mode exec 2>"$T/log"; then fail "exec overwrote"; fi
grep -q "exists, never overwriting" "$T/log" || { cat "$T/log"; fail "exec overwrite message"; }
rm -f "$R/flat" "$T/rebuilt"
ok "exec mode + makedumpfile -R identical, never overwrites"

# Unknown host key: refused before anything is written, fingerprint shown.
: >"$T/empty_known"
for mode in sftp exec; do
	if put x "$T/data" --ssh-mode $mode --known-hosts "$T/empty_known" 2>"$T/log"; then
		fail "$mode: unknown host key accepted"
	fi
	grep -q "unknown host key ssh-ed25519 $host_fp" "$T/log" || { cat "$T/log"; fail "unknown key message"; }
	empty_remote "unknown host key ($mode)"
done
ok "unknown host key refused: $(head -n1 "$T/log")"

# Changed host key.
ssh-keygen -q -t ed25519 -N '' -f "$T/other_host" -C other
printf '[127.0.0.1]:%s %s\n' "$SSHD_PORT" "$(cut -d' ' -f1,2 "$T/other_host.pub")" >"$T/changed_known"
for mode in sftp exec; do
	if put x "$T/data" --ssh-mode $mode --known-hosts "$T/changed_known" 2>"$T/log"; then
		fail "$mode: changed host key accepted"
	fi
	grep -q "HOST KEY CHANGED: server offered ssh-ed25519 $host_fp" "$T/log" || { cat "$T/log"; fail "changed key message"; }
	empty_remote "changed host key ($mode)"
done
if "$PUT" --ssh "$SSHD_USER@127.0.0.1:$SSHD_PORT" --ssh-key "$T/sshd/user_key" \
	--known-hosts "$T/changed_known" --check 2>"$T/log"; then fail "--check with a changed key"; fi
ok "changed host key refused: $(head -n1 "$T/log")"

# Wrong user key.
ssh-keygen -q -t ed25519 -N '' -f "$T/stranger" -C stranger
if put x "$T/data" --ssh-key "$T/stranger" 2>"$T/log"; then fail "wrong user key accepted"; fi
grep -q "refused by the server" "$T/log" || { cat "$T/log"; fail "wrong key message"; }
empty_remote "wrong user key"
ok "wrong user key refused"

# The writer fails: nothing published, the partial file keeps its .incomplete name.
for mode in sftp exec; do
	rc=0
	put gone "$T/data" --ssh-mode $mode --fail-after 10000000 2>"$T/log" || rc=$?
	[ $rc = 3 ] || { cat "$T/log"; fail "$mode: abort: exit $rc"; }
	[ ! -e "$R/gone" ] || fail "$mode: aborted dump published"
	ls "$R"/gone.*.incomplete >/dev/null || fail "$mode: abort: no .incomplete file"
	rm -f "$R"/*
done
ok "failed dump not published (sftp, exec)"

# Connection cut mid-transfer: reconnect, resume, identical result.
relay_port=$(free_port)
/usr/bin/python3 tests/e2e/tcp_relay.py "$relay_port" "$SSHD_PORT" 36000000 once >"$T/relay.out" &
RELAY_PID=$!
for _ in $(seq 50); do grep -q ready "$T/relay.out" 2>/dev/null && break; sleep 0.1; done
sed -i "s/^\[127.0.0.1\]:$SSHD_PORT /[127.0.0.1]:$relay_port /" "$T/sshd/known_hosts"
put --port "$relay_port" resumed "$T/data" --ssh-retry 30 2>"$T/log" || { cat "$T/log"; fail "resume"; }
grep -q cut "$T/relay.out" || fail "the relay never cut the connection"
grep -q "connection lost" "$T/log" || { cat "$T/log"; fail "no reconnect message"; }
grep -q ", 1 reconnects" "$T/log" || { cat "$T/log"; fail "not exactly one reconnect"; }
cmp "$T/data" "$R/resumed" || fail "resumed dump differs"
[ "$(ls -A "$R")" = resumed ] || fail "resume: leftovers: $(ls -A "$R")"
kill "$RELAY_PID" 2>/dev/null; wait "$RELAY_PID" 2>/dev/null || true
rm -f "$R"/*
ok "cut mid-transfer, resumed, identical: $(grep -E "lost|reconnected" "$T/log" | tr "\n" " ")"

# The connection stays down: give up after --ssh-retry, file marked incomplete.
relay_port2=$(free_port)
/usr/bin/python3 tests/e2e/tcp_relay.py "$relay_port2" "$SSHD_PORT" 20000000 die >"$T/relay.out" &
RELAY_PID=$!
for _ in $(seq 50); do grep -q ready "$T/relay.out" 2>/dev/null && break; sleep 0.1; done
sed -i "s/^\[127.0.0.1\]:$relay_port /[127.0.0.1]:$relay_port2 /" "$T/sshd/known_hosts"
if put --port "$relay_port2" lost "$T/data" --ssh-retry 2 2>"$T/log"; then fail "survived a dead link"; fi
grep -q "gave up reconnecting after 2 s" "$T/log" || { cat "$T/log"; fail "give-up message"; }
[ ! -e "$R/lost" ] || fail "incomplete dump published"
ls "$R"/lost.*.incomplete >/dev/null || fail "no .incomplete file after giving up"
wait "$RELAY_PID" 2>/dev/null || true
RELAY_PID=
sed -i "s/^\[127.0.0.1\]:$relay_port2 /[127.0.0.1]:$SSHD_PORT /" "$T/sshd/known_hosts"
rm -f "$R"/*
ok "dead link: $(grep -m1 'gave up' "$T/log")"

# Remote directory full.
mount -t tmpfs -o size=4m tmpfs "$T/full"
for mode in sftp exec; do
	if "$PUT" --ssh "$SSHD_USER@127.0.0.1:$SSHD_PORT" --ssh-key "$T/sshd/user_key" \
		--known-hosts "$T/sshd/known_hosts" --remote-dir "$T/full" --ssh-mode $mode \
		"$T/data" full 2>"$T/log"; then fail "$mode: wrote 48M into a 4M file system"; fi
	grep -Eqi "file system is full|no space left" "$T/log" || { cat "$T/log"; fail "$mode: full message"; }
	[ ! -e "$T/full/full" ] || fail "$mode: partial dump published"
	ok "remote full ($mode): $(grep -m1 -Ei 'full|space' "$T/log")"
	rm -f "$T/full"/*
done

# Remote directory read-only (root ignores permission bits, so a ro mount).
mount -t tmpfs -o ro,size=1m tmpfs "$T/ro"
for mode in sftp exec; do
	if "$PUT" --ssh "$SSHD_USER@127.0.0.1:$SSHD_PORT" --ssh-key "$T/sshd/user_key" \
		--known-hosts "$T/sshd/known_hosts" --remote-dir "$T/ro" --ssh-mode $mode \
		"$T/data" ro 2>"$T/log"; then fail "$mode: wrote into a read-only directory"; fi
	grep -Eqi "not writable|read-only|permission denied" "$T/log" || { cat "$T/log"; fail "$mode: ro message"; }
	ok "remote read-only ($mode): $(head -n1 "$T/log")"
done
# A directory that does not exist.
if put x "$T/data" --remote-dir "$T/nowhere" 2>"$T/log"; then fail "wrote into a missing directory"; fi
grep -q "does not exist" "$T/log" || { cat "$T/log"; fail "missing dir message"; }
ok "missing remote directory: $(head -n1 "$T/log")"

# kdump-capture --ssh: the dump the writer produces over SFTP (random access)
# and exec (flattened) equals the local one byte for byte; the dmesg and the
# JSON report go along.
CAP=$O/bin/kdump-capture
GEN=$O/gen/gen_vmcore
for f in "$CAP" "$GEN"; do [ -x "$f" ] || fail "missing $f"; done
"$GEN" "$T/vmcore" 4 >/dev/null
"$CAP" -q -l "$T/vmcore" "$T/local.kdump" 2>"$T/log" || { cat "$T/log"; fail "local capture"; }
capture() {
	"$CAP" -q -l --ssh "$SSHD_USER@127.0.0.1:${PORT:-$SSHD_PORT}" --ssh-key "$T/sshd/user_key" \
		--known-hosts "$T/sshd/known_hosts" --remote-dir "$R" --ssh-timeout 10 "$@"
}
out=$(capture --check) || fail "kdump-capture --check"
grep -q "host key ssh-ed25519 $host_fp verified" <<<"$out" || fail "kdump-capture --check: $out"
capture "$T/vmcore" dump 2>"$T/log" || { cat "$T/log"; fail "kdump-capture --ssh"; }
cmp "$T/local.kdump" "$R/dump" || fail "kdump-capture --ssh: dump differs from the local one"
[ "$(stat -c %a "$R/dump")" = 600 ] || fail "kdump-capture --ssh: mode"
/usr/bin/python3 - "$R/dump.json" <<'PY' || fail "report: no ssh section"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["complete"] and r["ssh"]["mode"] == "sftp" and r["ssh"]["bytes"] > 0, r
assert r["ssh"]["throughput_mb_s"] > 0 and r["ssh"]["reconnects"] == 0, r
PY
# The checksum manifest goes along (hashed from the remote file, read back):
# kdump-inspect verify checks the remote dump against it, and a flipped byte
# is found.
INSPECT=$O/bin/kdump-inspect
[ "$(stat -c %a "$R/dump.sha256")" = 600 ] || fail "remote manifest: missing or mode"
out=$("$INSPECT" verify "$R/dump" 2>&1) || fail "verify of the remote dump: $out"
grep -q "checksum manifest matches" <<<"$out" || fail "verify did not use the manifest: $out"
mkdir "$T/flip"
cp "$R/dump" "$R/dump.sha256" "$T/flip/"
flip_at=$(( $(stat -c %s "$T/flip/dump") / 2 ))
/usr/bin/python3 - "$T/flip/dump" "$flip_at" <<'PY'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2])); b = f.read(1); f.seek(int(sys.argv[2])); f.write(bytes([b[0] ^ 0x40]))
PY
if out=$("$INSPECT" verify "$T/flip/dump" 2>&1); then fail "verify passed a flipped byte: $out"; fi
grep -q "1 of [0-9]* blocks differ, the first at byte $(( (flip_at >> 20) << 20 ))" <<<"$out" ||
	fail "verify did not name the block of byte $flip_at: $out"
rm -rf "$T/flip"
ok "remote manifest: verify passes; a flipped byte at $flip_at is found"
capture --ssh-mode exec "$T/vmcore" dump.flat 2>"$T/log" || { cat "$T/log"; fail "kdump-capture --ssh-mode exec"; }
makedumpfile -R "$T/rebuilt" <"$R/dump.flat" >/dev/null 2>&1 || fail "makedumpfile -R of the exec dump"
cmp "$T/local.kdump" "$T/rebuilt" || fail "kdump-capture exec: rebuilt dump differs"
# The synthetic vmcore has no printk ring: the dmesg fails, and its remote
# temporary file must not be left behind.
if ls "$R" | grep -q incomplete; then fail "leftovers: $(ls "$R")"; fi
if capture "$T/vmcore" dump 2>"$T/log"; then fail "kdump-capture overwrote a remote dump"; fi
cmp "$T/local.kdump" "$R/dump" || fail "existing remote dump changed"
rm -f "$R"/* "$T/rebuilt"
ok "kdump-capture --ssh sftp and exec: identical to the local dump, report has the ssh section"

# Uncompressed, no filtering: many small page-descriptor writes between the
# data, so the queue fills with part-empty chunks long before 16 MiB were
# written; the sink must fsync early to free them (it once waited forever).
"$CAP" -q -d 0 --compress none --no-dmesg --no-report --no-manifest "$T/vmcore" "$T/plain.kdump" ||
	fail "local uncompressed capture"
timeout 120 "$CAP" -q -d 0 --compress none --no-dmesg --no-report --no-manifest \
	--ssh "$SSHD_USER@127.0.0.1:$SSHD_PORT" --ssh-key "$T/sshd/user_key" \
	--known-hosts "$T/sshd/known_hosts" --remote-dir "$R" "$T/vmcore" plain 2>"$T/log" ||
	{ cat "$T/log"; fail "uncompressed capture over SFTP (status $?)"; }
cmp "$T/plain.kdump" "$R/plain" || fail "uncompressed capture over SFTP differs"
rm -f "$R"/* "$T/plain.kdump"
ok "kdump-capture --ssh, uncompressed -d 0 (small writes, early fsync): identical"

# kdump-capture, connection cut mid-dump: resumed, identical.
relay_port3=$(free_port)
size=$(stat -c %s "$T/local.kdump")
/usr/bin/python3 tests/e2e/tcp_relay.py "$relay_port3" "$SSHD_PORT" $((size / 2)) once >"$T/relay.out" &
RELAY_PID=$!
for _ in $(seq 50); do grep -q ready "$T/relay.out" 2>/dev/null && break; sleep 0.1; done
sed -i "s/^\[127.0.0.1\]:$SSHD_PORT /[127.0.0.1]:$relay_port3 /" "$T/sshd/known_hosts"
PORT=$relay_port3 capture --no-dmesg --no-report "$T/vmcore" cut 2>"$T/log" || { cat "$T/log"; fail "capture through a cut"; }
grep -q cut "$T/relay.out" || fail "the relay never cut the capture"
cmp "$T/local.kdump" "$R/cut" || fail "resumed capture differs"
kill "$RELAY_PID" 2>/dev/null; wait "$RELAY_PID" 2>/dev/null || true
RELAY_PID=
sed -i "s/^\[127.0.0.1\]:$relay_port3 /[127.0.0.1]:$SSHD_PORT /" "$T/sshd/known_hosts"
ok "kdump-capture cut mid-dump, resumed, identical: $(grep -m1 reconnected "$T/log")"

echo "test_ssh: all cases passed"
