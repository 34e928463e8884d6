#!/usr/bin/env bash
# test_bridge_helper.sh — end to end: QEMU starts the bridge helper, the
# helper makes a tap on br0, and a real guest on that tap pings the host
# side of the bridge.  Both ways QEMU spells a helper are tried:
#   -netdev bridge,br=br0,helper=HELPER        (QEMU runs HELPER --br=br0)
#   -netdev tap,helper="HELPER --br=br0"       (QEMU runs it through sh -c)
# and the ACL is shown to be obeyed: a bridge it does not allow gets no tap.
#
# HELPER defaults to build/vmtap-bridge-helper; HELPER=/usr/lib/qemu/
# qemu-bridge-helper runs the same test against QEMU's own helper.
#
# Exit: 0 pass, 77 skipped, anything else fail.  Runs as root, inside its
# own sandbox (tests/lib/sandbox.sh); nothing outlives it.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
NAME=bridge_helper
export HELPER=${HELPER:-$REPO/build/vmtap-bridge-helper}
. "$REPO/tests/lib/sandbox.sh"
. "$REPO/tests/lib/testlib.sh"
. "$REPO/tests/lib/guest.sh"

# Before the sandbox: prerequisites, and the guest cache (the first build
# downloads, and the sandbox has no network).
if ! sandbox_inside; then
	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, taps)"
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed"
	[ -c /dev/net/tun ] || skip "no /dev/net/tun"
	if [ ! -x "$HELPER" ]; then
		echo "FAIL: $NAME: no helper at $HELPER (run make first)"
		exit 1
	fi
	guest_build
	sandbox_enter "$0" "$@"
fi

LOGDIR=${TEST_LOG_DIR:-$REPO/build/test-logs}/e2e
mkdir -p "$LOGDIR"

# A tap whose QEMU has exited must be gone from the bridge.
bridge_ports() {
	ip -o link show master "$1" 2>/dev/null | awk -F': ' '{print $2}'
}

guest_script() {
	cat >"$1" <<-'EOF'
		set -e
		. /lib/guest.sh
		net_up eth0 192.0.2.2/24
		ping_ok 192.0.2.1 3
		echo GUEST_PING_OK
	EOF
}

# ping_check LABEL QEMU-NETDEV-ARGS...
ping_check() {
	local label=$1 log; shift
	log="$LOGDIR/$NAME-$label.log"
	if guest_run "$SCRIPT" "$log" "$@" -device virtio-net-pci,netdev=n0,romfile= &&
		guest_log_has "$log" GUEST_PING_OK; then
		pass "$label: guest pings 192.0.2.1"
	else
		fail "$label: guest pings 192.0.2.1 (console: $log)"
	fi
	if [ -z "$(bridge_ports br0)" ]; then
		pass "$label: no port left on br0 after QEMU exits"
	else
		fail "$label: ports left on br0: $(bridge_ports br0 | tr '\n' ' ')"
	fi
}

# QEMU must fail to start, before any guest code runs, when the ACL does
# not allow the bridge.
acl_check() {
	local log="$LOGDIR/$NAME-acl-deny.log" initrd="$SANDBOX_DIR/deny.initrd" rc=0
	sandbox_bridge br9 192.0.2.129/25
	guest_initrd "$SCRIPT" "$initrd"
	guest_argv "$initrd" -netdev "bridge,br=br9,helper=$HELPER,id=n0" \
		-device virtio-net-pci,netdev=n0,romfile=
	timeout -k 5 60 "${GUEST_ARGV[@]}" </dev/null >"$log" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && ! guest_log_has "$log" GUEST_BOOTED &&
		[ -z "$(bridge_ports br9)" ]; then
		pass "acl: bridge not in bridge.conf gets no tap (QEMU exit $rc)"
	else
		fail "acl: bridge not in bridge.conf gets no tap (QEMU exit $rc, console: $log)"
		guest_log_tail "$log" 10
	fi
	ip link del br9
}

SCRIPT="$SANDBOX_DIR/ping.sh"
guest_script "$SCRIPT"
sandbox_bridge br0 192.0.2.1/24
sandbox_acl "allow br0"

ping_check netdev-bridge -netdev "bridge,br=br0,helper=$HELPER,id=n0"
ping_check netdev-tap-helper -netdev "tap,id=n0,helper=$HELPER --br=br0"
acl_check

exit "$failed"
