#!/bin/bash
# The kdump service end to end in the crash lab (issue 8). The guest's first kernel runs the real
# service from a real /etc/kdumpkit.conf: `kdump-ctl estimate`, `kdump-ctl test` (the rehearsal),
# `kdump-ctl start` (kdump-mkinitramfs builds the capture initramfs in the guest, the loader
# loads it); the panic then boots that initramfs, whose /init saves the dump to the disk.
#  1. crash 1, local disk target, keep 2, on a disk holding older dumps (of this host and of
#     another), and a leftover of a failed capture: the new dump directory has all its files, the
#     manifest verifies, the reference readers read the dump, only the 2 newest dumps of this
#     host remain, the other host's dump and nothing else stay; hooks ran; final_action poweroff.
#  2. crash 2 on the same disk (the disk content of run 1): the two newest remain.
#  3. a target that cannot be mounted: failure_action (reboot) runs, kdump_post sees status 1.
# Plus `systemd-analyze verify` on the unit. The loader and the capturer are the references
# (kexec -p, makedumpfile) in run 1, and `auto` (kdumpkit's own tools when built) in run 2.
set -u
source "$(dirname "$0")/lib.sh"
runs=${LAB_RUNS:-$LAB_O/lab-runs}/test_service
lab="$LAB_TOP/tests/e2e/lab.sh"
fail() { echo "test_service: FAIL: $*"; exit 1; }
ok() { echo "test_service: ok: $*"; }
host=kdumplab
rm -rf "$runs"
mkdir -p "$runs"
for b in kdump-ctl kdump-config kdump-mkinitramfs kdumpkit-init; do
	[ -x "$LAB_O/bin/$b" ] || fail "$LAB_O/bin/$b is not built"
done

# --- the systemd unit ---------------------------------------------------------------------------
command -v systemd-analyze >/dev/null || fail "systemd-analyze not installed (make deps)"
unit_dir="$runs/unit"
mkdir -p "$unit_dir/man/man5" "$unit_dir/man/man8"
sed "s|^\(Exec[A-Za-z]*=\)[^ ]*/kdump-ctl|\1$LAB_O/bin/kdump-ctl|" "$LAB_O/share/kdump-load.service" \
	>"$unit_dir/kdump-load.service"
cp "$LAB_TOP/doc/kdumpkit.conf.5" "$unit_dir/man/man5/" && cp "$LAB_TOP/doc/kdump-ctl.8" "$unit_dir/man/man8/" ||
	fail "man pages missing"
MANPATH="$unit_dir/man" systemd-analyze verify "$unit_dir/kdump-load.service" >"$unit_dir/verify.log" 2>&1 ||
	fail "systemd-analyze verify: $(cat "$unit_dir/verify.log")"
[ -s "$unit_dir/verify.log" ] && fail "systemd-analyze verify complained: $(cat "$unit_dir/verify.log")"
ok "systemd-analyze verify kdump-load.service"

# --- what goes on the guest disk ------------------------------------------------------------------
seed="$runs/seed"
mkdir -p "$seed/hooks" "$seed/out/dumps"
cat >"$seed/hooks/pre.sh" <<'EOF'
#!/bin/sh
echo "SERVICE-PRE-HOOK ran"
EOF
cat >"$seed/hooks/post.sh" <<'EOF'
#!/bin/sh
echo "SERVICE-POST-HOOK dir=$1 status=$2"
EOF
chmod 0755 "$seed/hooks/pre.sh" "$seed/hooks/post.sh"
# Older dumps: two of this host, one of another host (retention is per host), and the leftover
# of a capture that never completed.
for d in "$host-2020-01-01-00:00:00" "$host-2021-06-15-12:30:00" "otherhost-2019-05-05-05:05:05" \
	".incomplete-$host-2022-02-02-02:02:02"; do
	mkdir -p "$seed/out/dumps/$d"
	echo "old dump $d" >"$seed/out/dumps/$d/vmcore"
done

conf() {        # conf FILE LOADER CAPTURER [extra lines...]
	local f=$1 loader=$2 capturer=$3
	shift 3
	{
		echo "# kdumpkit.conf of the service e2e test"
		echo "kernel /mnt/vmlinuz"
		echo "initrd /var/lib/kdumpkit/initrd.img"
		echo "disk /dev/vda"
		echo "fstype ext4"
		echo "path /out/dumps"
		echo "keep 2"
		echo "dump_level 31"
		echo "compress lzo"
		echo "kdump_pre /mnt/hooks/pre.sh"
		echo "kdump_post /mnt/hooks/post.sh"
		echo "final_action poweroff"
		echo "failure_action reboot"
		echo "loader $loader"
		echo "capturer $capturer"
		for l in "$@"; do echo "$l"; done
	} >"$f"
	"$LAB_O/bin/kdump-config" -c "$f" check || fail "$f does not validate"
}

# Run the lab with the service in charge: stage 1 sets the host name and runs COMMANDS; the lab's
# own stage 2 never runs (the capture kernel boots the service's initramfs), hence
# --expect-no-dump: the lab checks boot, load and crash, this test checks the rest.
run_lab() {     # run_lab NAME DISK-CONTENT... -- COMMANDS
	local name=$1 disk=() cmds
	shift
	while [ "$1" != -- ]; do disk+=(--add-disk "$1"); shift; done
	shift
	cmds=$1
	"$lab" --loader ref --capture ref --timeout 420 --expect-no-dump "${disk[@]}" \
		--load-cmd "hostname $host && $cmds" "$runs/$name" >"$runs/$name.log" 2>&1 ||
		fail "$name: the lab failed: $(grep -a 'FAIL' "$runs/$name/summary.txt" 2>/dev/null | head -n 3; tail -n 15 "$runs/$name.log")"
}

console() { cut -d' ' -f2- "$runs/$1/console.log"; }
dumps_of() { (cd "$runs/$1/out/dumps" 2>/dev/null && ls -1A | LC_ALL=C sort | tr '\n' ' '); }
sorted() { printf '%s\n' "$@" | LC_ALL=C sort | tr '\n' ' '; }

check_dump_dir() {      # check_dump_dir RUN DIR: a complete dump directory
	local d="$runs/$1/out/dumps/$2" f
	for f in vmcore vmcore-dmesg.txt vmcore.json manifest; do
		[ -s "$d/$f" ] || fail "$1: $2/$f is missing or empty"
	done
	(cd "$d" && sha256sum --quiet -c manifest) || fail "$1: $2/manifest does not verify"
	grep -qF "$LAB_PANIC_LINE" "$d/vmcore-dmesg.txt" || fail "$1: $2/vmcore-dmesg.txt lacks the panic line"
	jq -e '.dump_level == 31' "$d/vmcore.json" >/dev/null ||
		fail "$1: $2/vmcore.json: $(cat "$d/vmcore.json")"
}

# --- 1. first crash: estimate, rehearsal, start; retention on a disk with older dumps -----------------
conf "$seed/service.conf" kexec makedumpfile
run_lab crash1 "$seed/service.conf" "$seed/hooks" "$seed/out" -- \
	'c=/mnt/service.conf; kdump-ctl -c $c start && kdump-ctl -c $c status && kdump-ctl -c $c estimate && kdump-ctl -c $c test'
con=$(console crash1)
grep -q 'recommended: crashkernel=[0-9]*M' <<<"$con" || fail "crash1: kdump-ctl estimate gave no recommendation"
rec=$(grep -o 'recommended: crashkernel=[0-9]*M' <<<"$con" | grep -o '[0-9]*')
[ "$rec" -ge 96 ] && [ "$rec" -le 512 ] || fail "crash1: estimate recommends ${rec}M, outside 96M..512M"
grep -q 'rehearsal passed' <<<"$con" || fail "crash1: kdump-ctl test did not pass"
grep -q 'kdump-ctl: building /var/lib/kdumpkit/initrd.img (missing)' <<<"$con" || fail "crash1: start did not build the initramfs"
grep -q 'kdump-ctl: loaded; crashkernel 256 MiB' <<<"$con" || fail "crash1: start did not load"
grep -q 'kdump-ctl: capture kernel: loaded (kexec)' <<<"$con" || fail "crash1: status does not say loaded"
grep -q 'SERVICE-PRE-HOOK ran' <<<"$con" || fail "crash1: kdump_pre did not run"
grep -q 'kdumpkit: .* final_action poweroff' <<<"$con" || fail "crash1: no final_action poweroff"
new1=$(grep -o "SERVICE-POST-HOOK dir=/kdumproot/out/dumps/$host-[0-9:-]* status=0" <<<"$con" | sed 's|.*/||; s| .*||')
[ -n "$new1" ] || fail "crash1: kdump_post did not run with the new dump and status 0"
have=$(dumps_of crash1)
[ "$have" = "$(sorted "$new1" "$host-2021-06-15-12:30:00" otherhost-2019-05-05-05:05:05)" ] ||
	fail "crash1: keep 2: the disk holds: $have"
check_dump_dir crash1 "$new1"
lab_check_dump "$runs/crash1/out/dumps/$new1/vmcore" "$(lab_kernel_release)" "$runs/crash1/check" ||
	fail "crash1: the reference readers reject the dump"
ok "crash 1: estimate ${rec}M, rehearsal, start, capture into $new1, keep 2 pruned the oldest"

# --- 2. second crash on the same disk ----------------------------------------------------------------
mkdir -p "$runs/seed2"
conf "$runs/seed2/service.conf" auto auto
cp -a "$runs/crash1/out" "$runs/seed2/out"
sleep 1         # dump names have a one-second resolution
run_lab crash2 "$runs/seed2/service.conf" "$seed/hooks" "$runs/seed2/out" -- \
	'kdump-ctl -c /mnt/service.conf start'
con=$(console crash2)
new2=$(grep -o "SERVICE-POST-HOOK dir=/kdumproot/out/dumps/$host-[0-9:-]* status=0" <<<"$con" | sed 's|.*/||; s| .*||')
[ -n "$new2" ] && [ "$new2" != "$new1" ] || fail "crash2: no new dump ($(grep -a 'kdumpkit:' <<<"$con" | tail -n 5))"
have=$(dumps_of crash2)
[ "$have" = "$(sorted "$new1" "$new2" otherhost-2019-05-05-05:05:05)" ] || fail "crash2: keep 2: the disk holds: $have"
check_dump_dir crash2 "$new2"
ok "crash 2: $new2 saved, $new1 kept, older ones removed ($(grep -o 'kdump-ctl: loading with [a-z-]*' <<<"$con" | sed 's/.* //') + $(grep -o 'capturer [a-z-]*' <<<"$con" | head -n 1))"

# --- 3. a target that cannot be mounted --------------------------------------------------------------
mkdir -p "$runs/seed3"
conf "$runs/seed3/service.conf" kexec makedumpfile
sed -i 's/^fstype ext4$/fstype btrfs/' "$runs/seed3/service.conf"
run_lab unmountable "$runs/seed3/service.conf" "$seed/hooks" -- 'kdump-ctl -c /mnt/service.conf start'
con=$(console unmountable)
grep -q 'kdumpkit: .* FAILED: cannot mount the target /dev/vda' <<<"$con" || fail "unmountable: no failure message"
grep -q 'SERVICE-POST-HOOK dir= status=1' <<<"$con" || fail "unmountable: kdump_post did not see status 1"
grep -q 'kdumpkit: .* failure_action reboot' <<<"$con" || fail "unmountable: failure_action reboot did not run"
grep -q 'reboot: Restarting system' <<<"$con" || fail "unmountable: the guest did not reboot"
grep -q 'final_action' <<<"$con" && fail "unmountable: final_action ran after a failure"
[ -z "$(dumps_of unmountable)" ] || fail "unmountable: dumps appeared: $(dumps_of unmountable)"
ok "unmountable target: failure_action reboot"
echo "test_service: ok"
