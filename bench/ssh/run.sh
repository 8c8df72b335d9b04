#!/bin/bash
# bench/ssh/run.sh: throughput of the SSH sink against OpenSSH's pipe, one run.
#
#   bench/ssh/run.sh [SIZE]        SIZE of the input (default 2G; any `head -c` size)
#
# Starts a private sshd on 127.0.0.1 (tests/e2e/sshd.sh) and writes into
# /dev/shm so that the disk is not what is measured. Cases, same input:
#   sink sftp    ssh-put: the SSH sink in SFTP mode (libssh sftp_write, 2 sessions,
#                255 KiB writes, fsync@openssh.com every 16 MiB)
#   libssh 1     sftp-probe: libssh's sftp_write alone, 1 session, 255 KiB writes
#   libssh 2     sftp-probe: the same, 2 sessions writing disjoint stripes
#   sink exec    ssh-put: the SSH sink in exec mode (flattened stream into cat)
#   openssh      cat INPUT | ssh HOST 'cat > f'   (OpenSSH's default cipher)
#   openssh gcm  the same with -c aes128-gcm@openssh.com (the sink's first choice)
# Then, on a synthetic vmcore (tests/gen/gen_vmcore, BENCH_GIB GiB, default 8), same codec:
#   capture sftp kdump-capture -l -d 31 --ssh ... VMCORE
#   makedumpfile makedumpfile -F -l -d 31 VMCORE | ssh HOST 'cat > f'
# Prints MB/s per case and the ratio sink / openssh (target >= 0.9).
set -euo pipefail
cd "$(dirname "$0")/../.."
O=${O:-build}
SIZE=${1:-2G}
PUT=$O/tests/ssh-put
PROBE=$O/tests/sftp-probe
[ -x "$PUT" ] && [ -x "$PROBE" ] || { echo "bench/ssh: build first (make all)"; exit 1; }
. tests/e2e/sshd.sh

T=$(mktemp -d /tmp/bench_ssh.XXXXXX)
R=$(mktemp -d /dev/shm/bench_ssh.XXXXXX)
trap 'sshd_stop; rm -rf "$T" "$R"' EXIT
sshd_setup "$T/sshd"
sshd_start

# Dump-like input: half incompressible, half runs of zeros and repeats.
IN=$R/input
/usr/bin/python3 - "$IN" "$SIZE" <<'PY'
import os, sys
path, size = sys.argv[1], sys.argv[2]
mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
n = int(size[:-1]) * mult[size[-1]] if size[-1] in mult else int(size)
block = 1 << 20
with open(path, "wb") as f:
    done = 0
    i = 0
    while done < n:
        k = min(block, n - done)
        f.write(os.urandom(k) if i % 2 == 0 else bytes([i & 0xff]) * k)
        done += k
        i += 1
PY
bytes=$(stat -c %s "$IN")
cat "$IN" >/dev/null   # page cache

SSH_OPTS=(-o UserKnownHostsFile="$T/sshd/known_hosts" -o StrictHostKeyChecking=yes
	-o BatchMode=yes -i "$T/sshd/user_key" -p "$SSHD_PORT")
DEST="$SSHD_USER@127.0.0.1"

now() { date +%s.%N; }
rate() { /usr/bin/python3 -c "import sys; print('%.1f' % (int(sys.argv[1]) / float(sys.argv[2]) / 1e6))" "$@"; }
declare -A MBS

run() {
	local name=$1; shift
	local t0 t1
	rm -f "$R"/out*
	t0=$(now)
	"$@" >/dev/null 2>"$T/err" || { cat "$T/err"; echo "bench/ssh: $name failed"; exit 1; }
	t1=$(now)
	local secs
	secs=$(/usr/bin/python3 -c "import sys; print('%.2f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$t0" "$t1")
	MBS[$name]=$(rate "$bytes" "$secs")
	printf '%-14s %8s s %8s MB/s\n' "$name" "$secs" "${MBS[$name]}"
}

probe() {
	"$PROBE" --ssh "$DEST:$SSHD_PORT" --ssh-key "$T/sshd/user_key" \
		--known-hosts "$T/sshd/known_hosts" --remote-dir "$R" "$@"
}

put() {
	"$PUT" --ssh "$DEST:$SSHD_PORT" --ssh-key "$T/sshd/user_key" \
		--known-hosts "$T/sshd/known_hosts" --remote-dir "$R" "$@"
}

echo "bench/ssh: $bytes bytes to sshd on 127.0.0.1, into /dev/shm"
run "sink sftp" put "$IN" out1
run "libssh 1" probe --sessions 1 "$IN" out7
run "libssh 2" probe --sessions 2 "$IN" out8
run "sink exec" put --ssh-mode exec "$IN" out2
run "openssh" sh -c "cat '$IN' | ssh ${SSH_OPTS[*]} $DEST 'cat > $R/out3'"
run "openssh gcm" sh -c "cat '$IN' | ssh -c aes128-gcm@openssh.com ${SSH_OPTS[*]} $DEST 'cat > $R/out4'"
/usr/bin/python3 - "${MBS[sink sftp]}" "${MBS[sink exec]}" "${MBS[openssh]}" "${MBS[openssh gcm]}" \
	"${MBS[libssh 1]}" "${MBS[libssh 2]}" <<'PY'
import sys
sftp, ex, o, og, l1, l2 = map(float, sys.argv[1:])
print("ratio sink sftp / openssh     %.2f" % (sftp / o))
print("ratio sink exec / openssh     %.2f" % (ex / o))
print("ratio sink sftp / openssh gcm %.2f" % (sftp / og))
print("ratio libssh 1 / openssh gcm  %.2f" % (l1 / og))
print("ratio libssh 2 / openssh gcm  %.2f" % (l2 / og))
PY

# The same codec (lzo) and dump level on a synthetic vmcore (tests/gen/gen_vmcore,
# BENCH_GIB GiB of memory, default 8): kdump-capture --ssh against
# makedumpfile -F piped into OpenSSH. Rates are of the input memory.
CAP=$O/bin/kdump-capture
GEN=$O/gen/gen_vmcore
if [ -x "$CAP" ] && [ -x "$GEN" ] && command -v makedumpfile >/dev/null; then
	VM=$T/vmcore
	"$GEN" "$VM" "${BENCH_GIB:-8}" >/dev/null
	bytes=$(stat -c %s "$VM")
	cat "$VM" >/dev/null
	echo "bench/ssh: capture of a ${BENCH_GIB:-8} GiB synthetic vmcore, lzo, -d 31"
	run "capture sftp" "$CAP" -q -l -d 31 --no-dmesg --no-report --no-manifest --ssh "$DEST:$SSHD_PORT" \
		--ssh-key "$T/sshd/user_key" --known-hosts "$T/sshd/known_hosts" --remote-dir "$R" \
		"$VM" out5
	run "makedumpfile" sh -c "makedumpfile -F -l -d 31 '$VM' | ssh ${SSH_OPTS[*]} $DEST 'cat > $R/out6'"
	/usr/bin/python3 -c "import sys; print('ratio capture sftp / makedumpfile|ssh %.2f' % (float(sys.argv[1]) / float(sys.argv[2])))" \
		"${MBS[capture sftp]}" "${MBS[makedumpfile]}"
fi
