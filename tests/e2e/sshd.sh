# Sourced by tests/e2e/test_ssh.sh and bench/ssh: a private OpenSSH sshd on
# 127.0.0.1 (never any other address), keys generated into $SSHD_DIR, logging
# in as the current user with public keys only.
#   sshd_setup DIR      keys, authorized_keys, known_hosts, config; picks a free port
#   sshd_start          start sshd -D in the background (SSHD_PID)
#   sshd_stop
# Afterwards: $SSHD_PORT, $SSHD_DIR/user_key (authorized), $SSHD_DIR/known_hosts
# (the host key of this sshd), $SSHD_USER.

free_port() {
	/usr/bin/python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

sshd_setup() {
	SSHD_DIR=$1
	SSHD_USER=$(id -un)
	SSHD_PORT=$(free_port)
	mkdir -p "$SSHD_DIR"
	ssh-keygen -q -t ed25519 -N '' -f "$SSHD_DIR/host_key" -C host
	ssh-keygen -q -t ed25519 -N '' -f "$SSHD_DIR/user_key" -C user
	cp "$SSHD_DIR/user_key.pub" "$SSHD_DIR/authorized_keys"
	printf '[127.0.0.1]:%s %s\n' "$SSHD_PORT" "$(cut -d' ' -f1,2 "$SSHD_DIR/host_key.pub")" \
		>"$SSHD_DIR/known_hosts"
	cat >"$SSHD_DIR/sshd_config" <<CFG
Port $SSHD_PORT
ListenAddress 127.0.0.1
AddressFamily inet
HostKey $SSHD_DIR/host_key
PidFile $SSHD_DIR/sshd.pid
AuthorizedKeysFile $SSHD_DIR/authorized_keys
StrictModes no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
AllowUsers $SSHD_USER
Subsystem sftp /usr/lib/openssh/sftp-server
LogLevel ERROR
MaxStartups 50
CFG
	# As root, sshd wants its privilege separation directory (the package's
	# service creates it at boot; nothing else is touched).
	if [ "$(id -u)" -eq 0 ] && [ ! -d /run/sshd ]; then
		mkdir -p -m 0755 /run/sshd
	fi
}

sshd_start() {
	/usr/sbin/sshd -D -f "$SSHD_DIR/sshd_config" -e 2>>"$SSHD_DIR/sshd.log" &
	SSHD_PID=$!
	for _ in $(seq 100); do
		if /usr/bin/python3 -c 'import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$SSHD_PORT" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	echo "sshd did not start:" >&2
	cat "$SSHD_DIR/sshd.log" >&2
	return 1
}

sshd_stop() {
	if [ -n "${SSHD_PID:-}" ]; then
		kill "$SSHD_PID" 2>/dev/null
		wait "$SSHD_PID" 2>/dev/null
		SSHD_PID=
	fi
}
