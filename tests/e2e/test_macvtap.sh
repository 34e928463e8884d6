#!/usr/bin/env bash
# test_macvtap.sh — end to end: a guest on a macvtap NIC (README, "macvtap:
# a NIC on an uplink").  The uplink is a veth pair: veth0 is the parent,
# its peer veth1 lives in a second network namespace with 192.0.2.2.
# vmtapd (policy: allow macvtap veth0) makes the NIC for `vmtap exec`.
#   - vmtap exec --nic macvtap=veth0,queues=2 -- QEMU: the guest sees 2 RX
#     queues on eth0 and pings the peer's address through the uplink; the
#     macvtap is gone once QEMU exits
#   - kill -9 of QEMU while the guest runs: the macvtap is gone (vmtapd
#     watched the process; a bounded poll, not a timed assertion)
#   - QEMU started by hand: its boot NIC a macvtap on veth0 from
#     vmtap-bridge-helper in broker mode (-netdev tap,helper="HELPER
#     --macvtap=veth0 --mac=M --br="), then a second macvtap, on veth2,
#     hot-plugged with `vmtap hotplug --nic macvtap=veth2`; the guest pings
#     the peer through each (192.0.2.2, 198.51.100.2); both are marked for
#     QEMU's pid, not the helper's or vmtap's (both long gone); `vmtap
#     unplug --release IFNAME` deletes the hot-plugged macvtap at once
#     while QEMU runs, its MAC plugs again (default id: the macvtap's name)
#     and `vmtap unplug --id IFNAME` releases that one by its id; kill -9
#     of QEMU leaves none
# Exit: 0 pass, 77 skipped, anything else fail.  Runs as root in its own
# sandbox (tests/lib/sandbox.sh).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
B=$(cd "$REPO" && readlink -m -- "${B:-build}")
NAME=macvtap
VMTAP=$B/vmtap
. "$REPO/tests/lib/sandbox.sh"
. "$REPO/tests/lib/testlib.sh"
. "$REPO/tests/lib/guest.sh"

if ! sandbox_inside; then
	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, macvtaps)"
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed"
	command -v nsenter >/dev/null || skip "nsenter (util-linux) is not installed"
	for p in vmtap vmtapd; do
		[ -x "$B/$p" ] || { echo "FAIL: $NAME: no $B/$p (run make first)"; exit 1; }
	done
	guest_build
	sandbox_enter "$0" "$@"
fi

LOGDIR=${TEST_LOG_DIR:-$REPO/build/test-logs}/e2e
mkdir -p "$LOGDIR"
DLOG=$LOGDIR/$NAME-vmtapd.log

# gone — true once no macvtap is left but the ones there at the start (a
# bounded poll: vmtapd deletes it when it sees QEMU's process exit).
gone() {
	local i
	for i in $(seq 400); do
		[ "$(links)" = "$base_links" ] && return 0
		sleep 0.05
	done
	return 1
}

sandbox_private_run
ip link add veth0 type veth peer name veth1
ip link add veth2 type veth peer name veth3
netns_holder PEER
trap 'kill $PEER 2>/dev/null || true' EXIT
ip link set veth1 netns "$PEER"
ip link set veth3 netns "$PEER"
nsenter -t "$PEER" -n ip link set lo up
nsenter -t "$PEER" -n ip addr add 192.0.2.2/24 dev veth1
nsenter -t "$PEER" -n ip link set veth1 up
nsenter -t "$PEER" -n ip addr add 198.51.100.2/24 dev veth3
nsenter -t "$PEER" -n ip link set veth3 up
ip link set veth0 up
ip link set veth2 up

SOCK=/run/vmtap/vmtapd.sock
mkdir -p /etc/vmtap
printf '%s\n' "allow macvtap veth0" "allow macvtap veth2" >/etc/vmtap/vmtapd.conf
chmod 0644 /etc/vmtap/vmtapd.conf
"$B/vmtapd" --foreground --socket "$SOCK" 2>"$DLOG" &
DPID=$!
trap 'kill $DPID $PEER 2>/dev/null || true' EXIT
for _ in $(seq 200); do [ -S "$SOCK" ] && break; sleep 0.05; done
[ -S "$SOCK" ] || { echo "FAIL: $NAME: vmtapd did not start:"; cat "$DLOG"; exit 1; }
base_links=$(links)

# 1. A 2-queue macvtap; the guest pings the peer through the uplink.
cat >"$SANDBOX_DIR/ping.sh" <<'G'
set -e
. /lib/guest.sh
wait_iface eth0
echo GUEST_RXQ_eth0=$(ls -d /sys/class/net/eth0/queues/rx-* | wc -l)
net_up eth0 192.0.2.10/24
ping_ok 192.0.2.2 3
echo GUEST_PING_OK_eth0
G
GUEST_QEMU_PREFIX=("$VMTAP" exec --socket "$SOCK" --nic macvtap=veth0,queues=2 --)
log=$LOGDIR/$NAME-ping.log
guest_run "$SANDBOX_DIR/ping.sh" "$log" -smp 2 || true
unset GUEST_QEMU_PREFIX
check "the guest sees 2 RX queues on its macvtap NIC" guest_log_has "$log" "GUEST_RXQ_eth0=2"
check "the guest pings the peer (192.0.2.2) through the uplink (console: $log)" \
	guest_log_has "$log" "GUEST_PING_OK_eth0"
check "vmtapd made it a macvtap on veth0 with 2 queues" \
	grep -q "grant uid=0 pid=[0-9]* macvtap=veth0 ifname=vmt[0-9a-f]* queues=2" "$DLOG"
check "no macvtap left once QEMU exited" gone

# 2. kill -9 of QEMU while the guest runs.
cat >"$SANDBOX_DIR/hold.sh" <<'G'
. /lib/guest.sh
wait_iface eth0
echo GUEST_HOLDING
sleep 600
G
tmp=$(mktemp -d)
guest_initrd "$SANDBOX_DIR/hold.sh" "$tmp/initrd"
guest_argv "$tmp/initrd" -smp 2
log=$LOGDIR/$NAME-kill.log
"$VMTAP" exec --socket "$SOCK" --nic macvtap=veth0,queues=2 -- "${GUEST_ARGV[@]}" \
	</dev/null >"$log" 2>&1 &
QPID=$!
for _ in $(seq 1200); do
	grep -q GUEST_HOLDING "$log" 2>/dev/null && break
	kill -0 "$QPID" 2>/dev/null || break
	sleep 0.1
done
check "the guest came up on its macvtap (console: $log)" grep -q GUEST_HOLDING "$log"
check "its macvtap exists while QEMU runs" \
	bash -c "ip -o -d link show type macvtap | grep -q 'alias vmtap:macvtap:$QPID:'"
kill -9 "$QPID"
wait "$QPID" 2>/dev/null || true
rm -rf "$tmp"
check "kill -9 of QEMU: no macvtap left" gone
said() { # NEEDLE — true once vmtapd's log has it (a bounded poll: it logs
	# right after the deletion the test saw)
	local i
	for i in $(seq 200); do
		grep -q -- "$1" "$DLOG" && return 0
		sleep 0.05
	done
	return 1
}
check "vmtapd said it deleted it" said "pid=$QPID exited; deleted its macvtap"

# 3. QEMU run by hand: a macvtap from the helper (broker mode: this is
# vmtapd's default socket), then one hot-plugged; both go with QEMU.
cat >"$SANDBOX_DIR/two.sh" <<'G'
. /lib/guest.sh
wait_iface eth0
net_up eth0 192.0.2.10/24
ping_ok 192.0.2.2 3 && echo GUEST_PING_OK_eth0
echo GUEST_WAITING_FOR_NIC
wait_iface eth1 180
net_up eth1 198.51.100.10/24
ping_ok 198.51.100.2 3 && echo GUEST_PING_OK_eth1
n=1800
while [ -e /sys/class/net/eth1 ]; do
	n=$((n - 1))
	[ "$n" -gt 0 ] || { echo "guest: eth1 is still there"; break; }
	usleep 100000
done
echo GUEST_ETH1_GONE
wait_iface eth1 180 && echo GUEST_REPLUG_SEEN
echo GUEST_HOLDING
sleep 600
G
tmp=$(mktemp -d)
QMP=$SANDBOX_DIR/qmp.sock
GMAC=52:54:00:aa:01:01
guest_initrd "$SANDBOX_DIR/two.sh" "$tmp/initrd"
guest_argv "$tmp/initrd" -qmp "unix:$QMP,server=on,wait=off" \
	-device pcie-root-port,id=rp1,chassis=1 \
	-netdev "tap,id=n0,helper=$B/vmtap-bridge-helper --macvtap=veth0 --mac=$GMAC --br=" \
	-device "virtio-net-pci,netdev=n0,mac=$GMAC,romfile="
log=$LOGDIR/$NAME-helper-hotplug.log
"${GUEST_ARGV[@]}" </dev/null >"$log" 2>&1 &
QPID=$!
wait_console() { # MARKER — a bounded poll of the console; false once QEMU is gone
	local i
	for i in $(seq 1800); do
		grep -a -q -- "$1" "$log" 2>/dev/null && return 0
		kill -0 "$QPID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
check "the guest pings the peer through the helper's macvtap (console: $log)" \
	wait_console GUEST_PING_OK_eth0
check "vmtapd granted the helper's macvtap, watching QEMU (pid $QPID)" \
	grep -q "grant uid=0 pid=[0-9]* macvtap=veth0 ifname=vmt[0-9a-f]* queues=1 .*macvtap watched=$QPID\$" "$DLOG"
wait_console GUEST_WAITING_FOR_NIC || true
HMAC=52:54:00:aa:01:02
out=$("$VMTAP" hotplug --socket "$SOCK" --qmp "$QMP" --nic "macvtap=veth2,id=hot1,mac=$HMAC" \
	--bus rp1 2>&1) &&
	rc=0 || rc=$?
check "vmtap hotplug --nic macvtap=veth2 exits 0 ($out)" test "$rc" -eq 0
check "it says it plugged a macvtap on veth2" grep -q "^plugged hot1: macvtap vmt[0-9a-f]* on veth2" <<<"$out"
check "the guest pings the peer through the hot-plugged macvtap" wait_console GUEST_PING_OK_eth1
check "vmtapd granted it, watching QEMU (pid $QPID), not vmtap hotplug" \
	grep -q "grant uid=0 pid=[0-9]* macvtap=veth2 ifname=vmt[0-9a-f]* queues=1 .*macvtap watched=$QPID\$" "$DLOG"
check "both macvtaps are marked for QEMU's pid" \
	test "$(ip -o -d link show type macvtap | grep -c "alias vmtap:macvtap:$QPID:")" -eq 2
# Unplug: QEMU lets go of the fds, and vmtapd deletes the macvtap now, not
# when QEMU exits; its MAC is free for the next hotplug at once.
MV1=$(grep -o "macvtap vmt[0-9a-f]* on veth2" <<<"$out" | cut -d' ' -f2)
out=$("$VMTAP" unplug --socket "$SOCK" --qmp "$QMP" --id hot1 --release "${MV1:-none}" --json 2>&1) &&
	rc=0 || rc=$?
check "vmtap unplug --id hot1 --release $MV1 exits 0 ($out)" \
	test "$rc:$out" = "0:{\"id\":\"hot1\",\"unplugged\":true,\"released\":\"$MV1\"}"
check "the macvtap $MV1 is gone at once, while QEMU runs" \
	bash -c "! ip link show '${MV1:-none}' 2>/dev/null && kill -0 $QPID"
check "vmtapd logged the release" \
	grep -q "grant release-nic uid=0 pid=[0-9]* ifname=$MV1 watched=$QPID\$" "$DLOG"
wait_console GUEST_ETH1_GONE || true
out=$("$VMTAP" hotplug --socket "$SOCK" --qmp "$QMP" --nic "macvtap=veth2,mac=$HMAC" --bus rp1 \
	--json 2>&1) && rc=0 || rc=$?
MV2=$(grep -o '"ifname":"vmt[0-9a-f]*"' <<<"$out" | cut -d'"' -f4)
check "the same MAC plugs again at once, its id the macvtap's name ($out)" \
	test "$rc:$(cat "/sys/class/net/${MV2:-none}/address" 2>/dev/null)" = "0:$HMAC"
check "the guest sees the NIC again" wait_console GUEST_REPLUG_SEEN
out=$("$VMTAP" unplug --socket "$SOCK" --qmp "$QMP" --id "${MV2:-none}" 2>&1) && rc=0 || rc=$?
check "vmtap unplug --id $MV2 releases the macvtap named by its id ($out)" \
	bash -c "test '$rc:$out' = '0:unplugged $MV2, released macvtap $MV2' &&
		! ip link show '${MV2:-none}' 2>/dev/null && kill -0 $QPID"
check "the helper's macvtap stays, marked for QEMU" \
	test "$(ip -o -d link show type macvtap | grep -c "alias vmtap:macvtap:$QPID:")" -eq 1
kill -9 "$QPID"
wait "$QPID" 2>/dev/null || true
rm -rf "$tmp"
check "kill -9 of QEMU: neither macvtap is left" gone

kill "$DPID"
wait "$DPID" || true
exit "$failed"
