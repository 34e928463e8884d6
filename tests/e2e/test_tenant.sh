#!/usr/bin/env bash
# test_tenant.sh — end to end: the tenant port flags with real guests booted
# by `vmtap exec` (through the helper, with bridge.conf; isolated and
# mac_lock need no grant).  VLANs are tested in the test-host VM
# (tests/hostvm/tenant.sh): this machine's kernel has no bridge VLAN
# filtering.
#
#   1. mac_lock: a guest on `--nic br0,mac=M,mac_lock=on` pings the bridge;
#      it changes its MAC (ip link set eth0 address ...), forgets its ARP
#      entries and pings again: no answer (its ARP requests come from a MAC
#      the port is not locked to); it changes its MAC back and pings again.
#      Alongside, the same script in a guest without mac_lock is answered
#      from the changed MAC too: the lock, not the MAC change, is what
#      stops the first guest.
#   2. isolated: two guests on `--nic br0,mac=...,isolated=on` both ping the
#      bridge's own address and neither reaches the other, while both are
#      up (both still run then, the bridge has learnt both MACs, and the
#      kernel says both ports are isolated).
# Two guests at once at most.  Exit: 0 pass, 77 skipped, anything else
# fail.  Runs as root in its own sandbox (tests/lib/sandbox.sh).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
NAME=tenant
VMTAP=$REPO/build/vmtap
. "$REPO/tests/lib/sandbox.sh"
. "$REPO/tests/lib/testlib.sh"
. "$REPO/tests/lib/guest.sh"

if ! sandbox_inside; then
	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, taps)"
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed"
	command -v bridge >/dev/null || skip "bridge (iproute2) is not installed"
	[ -x "$VMTAP" ] || { echo "FAIL: $NAME: no $VMTAP (run make first)"; exit 1; }
	guest_build
	sandbox_enter "$0" "$@"
fi

LOGDIR=${TEST_LOG_DIR:-$REPO/build/test-logs}/e2e
mkdir -p "$LOGDIR"
# A guest that hangs costs at most this; a normal run is far below it.
export GUEST_TIMEOUT=${GUEST_TIMEOUT:-80}

sandbox_bridge br0 192.0.2.1/24
sandbox_acl "allow br0"
base_links=$(links)

# ---- 1. mac_lock ------------------------------------------------------------

# The guest script for ADDR, MAC and OTHER (the MAC it changes to): three
# pings of the bridge, each after flushing the guest's neighbour table, so
# every one starts with an ARP request from the MAC eth0 has then.
mac_script() { # FILE ADDR MAC OTHER
	cat >"$1" <<EOF
. /lib/guest.sh
net_up eth0 $2/24 || exit 1
try() { # LABEL
	ip neigh flush dev eth0
	if ping -c 2 -w 4 192.0.2.1 >/dev/null; then echo "GUEST_\$1_OK"; else echo "GUEST_\$1_FAILED"; fi
}
# The first ping may meet the port still coming up: a few tries.
n=0
until ping -c 1 -w 2 192.0.2.1 >/dev/null; do
	n=\$((n + 1)); [ "\$n" -lt 10 ] || break
done
try OWN_MAC
ip link set dev eth0 address $4
try OTHER_MAC
ip link set dev eth0 address $3
try OWN_MAC_AGAIN
EOF
}

LOCK_MAC=52:54:00:00:10:02
OPEN_MAC=52:54:00:00:10:03
mac_script "$SANDBOX_DIR/lock.sh" 192.0.2.2 "$LOCK_MAC" 52:54:00:00:10:66
mac_script "$SANDBOX_DIR/open.sh" 192.0.2.3 "$OPEN_MAC" 52:54:00:00:10:77
lock_log=$LOGDIR/$NAME-mac-lock.log
open_log=$LOGDIR/$NAME-no-mac-lock.log
rm -f "$lock_log" "$open_log"
(GUEST_QEMU_PREFIX=("$VMTAP" exec --nic "br0,mac=$LOCK_MAC,mac_lock=on" --)
	guest_run "$SANDBOX_DIR/lock.sh" "$lock_log" >/dev/null 2>&1) &
lock_pid=$!
(GUEST_QEMU_PREFIX=("$VMTAP" exec --nic "br0,mac=$OPEN_MAC" --)
	guest_run "$SANDBOX_DIR/open.sh" "$open_log" >/dev/null 2>&1) &
open_pid=$!
wait "$lock_pid" || true
wait "$open_pid" || true

has() { guest_log_has "$1" "$2"; }
if has "$lock_log" GUEST_OWN_MAC_OK; then
	pass "mac_lock: the guest pings the bridge from its own MAC"
else
	fail "mac_lock: the guest pings the bridge from its own MAC (console: $lock_log)"
	guest_log_tail "$lock_log" 20
fi
if has "$lock_log" GUEST_OTHER_MAC_FAILED; then
	pass "mac_lock: from another MAC it gets no answer"
else
	fail "mac_lock: from another MAC it gets no answer (console: $lock_log)"
fi
if has "$lock_log" GUEST_OWN_MAC_AGAIN_OK; then
	pass "mac_lock: back on its own MAC it pings again"
else
	fail "mac_lock: back on its own MAC it pings again (console: $lock_log)"
fi
if has "$open_log" GUEST_OWN_MAC_OK && has "$open_log" GUEST_OTHER_MAC_OK &&
	has "$open_log" GUEST_OWN_MAC_AGAIN_OK; then
	pass "without mac_lock the same guest script pings from the other MAC too"
else
	fail "without mac_lock the same guest script pings from every MAC (console: $open_log)"
	guest_log_tail "$open_log" 20
fi
if [ "$(links)" = "$base_links" ] && ! bridge fdb show br br0 | grep -qi "$LOCK_MAC"; then
	pass "mac_lock: no tap and no FDB entry left after the guest"
else
	fail "mac_lock: left: links $(links), FDB: $(bridge fdb show br br0 | grep -i "$LOCK_MAC")"
fi

# ---- 2. isolated -------------------------------------------------------------

# Both guests wait (bounded) for the host to put 192.0.2.100 on the bridge
# once both are up, try the peer, say so, and stay until 192.0.2.101
# appears: the peer is up for the whole of each try.
iso_script() { # FILE ADDR PEER
	cat >"$1" <<EOF
. /lib/guest.sh
net_up eth0 $2/24 || exit 1
wait_addr() {
	n=0
	until ping -c 1 -w 1 "\$1" >/dev/null 2>&1; do
		n=\$((n + 1)); [ "\$n" -lt 60 ] || { echo "GUEST_NO_\$1"; return 1; }
	done
}
if ping_ok 192.0.2.1 2 >/dev/null; then echo GUEST_BRIDGE_OK; else echo GUEST_BRIDGE_FAILED; fi
echo GUEST_UP
wait_addr 192.0.2.100 || exit 1
if ping -c 2 -w 3 $3 >/dev/null; then echo GUEST_PEER_REACHED; else echo GUEST_PEER_UNREACHED; fi
wait_addr 192.0.2.101
EOF
}

iso_script "$SANDBOX_DIR/iso1.sh" 192.0.2.11 192.0.2.12
iso_script "$SANDBOX_DIR/iso2.sh" 192.0.2.12 192.0.2.11
iso1_log=$LOGDIR/$NAME-isolated-1.log
iso2_log=$LOGDIR/$NAME-isolated-2.log
# The host reads these while the guests run: no marker of an earlier run.
rm -f "$iso1_log" "$iso2_log"
(GUEST_QEMU_PREFIX=("$VMTAP" exec --nic "br0,mac=52:54:00:00:11:01,isolated=on" --)
	guest_run "$SANDBOX_DIR/iso1.sh" "$iso1_log" >/dev/null 2>&1) &
iso1_pid=$!
(GUEST_QEMU_PREFIX=("$VMTAP" exec --nic "br0,mac=52:54:00:00:11:02,isolated=on" --)
	guest_run "$SANDBOX_DIR/iso2.sh" "$iso2_log" >/dev/null 2>&1) &
iso2_pid=$!

# wait_both MARKER: both consoles show it, or a guest is gone (bounded by
# GUEST_TIMEOUT through guest_run).
wait_both() {
	while ! { has "$iso1_log" "$1" && has "$iso2_log" "$1"; }; do
		kill -0 "$iso1_pid" 2>/dev/null && kill -0 "$iso2_pid" 2>/dev/null || return 1
		sleep 0.2
	done
}
both_up=0
if wait_both GUEST_UP; then
	both_up=1
	# The ports, as the kernel has them, while both guests run.
	nports=$(bridge -d link show | grep -c 'isolated on' || true)
	if [ "$nports" -eq 2 ]; then
		pass "isolated: the kernel has both guests' ports isolated"
	else
		fail "isolated: $nports isolated ports on br0, expected 2: $(bridge -d link show)"
	fi
	ip addr add 192.0.2.100/24 dev br0
	wait_both GUEST_PEER_ || true
	# Both guests are still there (each waits for 192.0.2.101), and the
	# bridge knows where each guest's MAC is: a frame for the peer had
	# its port to go to, and isolation is what stopped it.
	fdb=$(bridge fdb show br br0)
	if [ "$(ls /sys/class/net/br0/brif | wc -l)" -eq 2 ] &&
		grep -qi '^52:54:00:00:11:01 ' <<<"$fdb" && grep -qi '^52:54:00:00:11:02 ' <<<"$fdb"; then
		pass "isolated: both guests up, their MACs in the bridge's FDB, while they try each other"
	else
		fail "isolated: both guests up while they try each other (ports: $(ls /sys/class/net/br0/brif | tr '\n' ' '); FDB: $(grep -i 52:54:00:00:11: <<<"$fdb" | tr '\n' ';'))"
	fi
	ip addr add 192.0.2.101/24 dev br0
fi
wait "$iso1_pid" || true
wait "$iso2_pid" || true
[ "$both_up" = 1 ] || fail "isolated: both guests up (consoles: $iso1_log $iso2_log)"

for i in 1 2; do
	log=$LOGDIR/$NAME-isolated-$i.log
	if has "$log" GUEST_BRIDGE_OK; then
		pass "isolated: guest $i pings the bridge's own address"
	else
		fail "isolated: guest $i pings the bridge's own address (console: $log)"
		guest_log_tail "$log" 20
	fi
	if has "$log" GUEST_PEER_UNREACHED; then
		pass "isolated: guest $i does not reach the other"
	else
		fail "isolated: guest $i does not reach the other ($(grep -o 'GUEST_PEER_[A-Z]*' "$log" || echo "no try"); console: $log)"
	fi
done
if [ "$(links)" = "$base_links" ]; then
	pass "no tap left after the guests exit"
else
	fail "interfaces left: $(links) (expected $base_links)"
fi

exit "$failed"
