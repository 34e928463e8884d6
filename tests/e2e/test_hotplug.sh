#!/usr/bin/env bash
# test_hotplug.sh — end to end: `vmtap hotplug` and `vmtap unplug` on a real
# running guest, through examples/qmp/hotplug.sh run as it is.
#
# The tiny guest boots on q35 with a free pcie-root-port (rp1), -smp 2, no
# NIC and a QMP socket.  Its script says it is waiting, polls for eth0,
# reports eth0's RX queues, pings the bridge, polls for eth0 to go, then
# polls for it to come back (the host's sign that unplug is over).
# The host side runs inside the example's hooks (this script again, with
# --hook NAME):
#   before-plug   wait for the guest to be up (console marker)
#   after-plug    wait for the guest's ping; check the tap is a port of br0;
#                 then failures against the running QEMU, each one line,
#                 non-zero, nothing left: duplicate id (netdev_add fails,
#                 getfd undone), unknown bus (device_add fails, netdev_del
#                 undone — proved by unplug finding no netdev), unknown id
#                 to unplug, a missing QMP socket, a bad SPEC
#   after-unplug  the tap is gone while QEMU still runs; the same id plugs
#                 again (unplug left no netdev or fd name behind)
# Then the guest reports the new eth0 and powers off.  Every wait is
# bounded and ends early when QEMU exits.
# Exit: 0 pass, 77 skipped, anything else fail.  Runs as root in its own
# sandbox (tests/lib/sandbox.sh).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
NAME=hotplug
VMTAP=$REPO/build/vmtap
. "$REPO/tests/lib/sandbox.sh"
. "$REPO/tests/lib/testlib.sh"
. "$REPO/tests/lib/guest.sh"

ports() { ip -o link show master br0 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | tr '\n' ' '; }

# wait_log MARKER SECONDS — poll the console for MARKER; give up early
# when the guest's script has ended or QEMU is gone.
wait_log() {
	local marker=$1 n=$(($2 * 5))
	while ! grep -a -q -F -- "$marker" "$CONSOLE" 2>/dev/null; do
		if grep -a -q 'GUEST_EXIT=' "$CONSOLE" 2>/dev/null ||
			{ [ -n "${QEMU_PID:-}" ] && ! kill -0 "$QEMU_PID" 2>/dev/null; }; then
			return 1
		fi
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.2
	done
}


# ---- hooks: run by examples/qmp/hotplug.sh inside the sandbox ----------

hook_before_plug() {
	# Plug into a running kernel, not into the firmware.
	if wait_log GUEST_WAITING_FOR_NIC 120; then
		pass "guest is up and waiting for a NIC"
	else
		fail "guest never said it was waiting (console: $CONSOLE)"
	fi
}

hook_after_plug() {
	local p
	if wait_log GUEST_PING_OK 120; then
		pass "the guest pings the bridge through the hot-plugged NIC"
	else
		fail "no GUEST_PING_OK from the guest (console: $CONSOLE)"
		return 1
	fi
	p=$(ports)
	if [[ "$p" =~ ^vmt[0-9a-f]{8}\ $ ]]; then
		pass "the hot-plugged tap ${p% } is br0's one port"
	else
		fail "br0's ports: \"$p\" (want one vmtXXXXXXXX)"
	fi
	echo "$p" >"$SANDBOX_DIR/tap"

	expect_failure "duplicate id: netdev_add fails, getfd undone" \
		"failed at netdev_add hot0" \
		"$VMTAP" hotplug --qmp "$QMP" --nic br0,queues=2,id=hot0 --timeout 20
	expect_failure "unknown bus: device_add fails, netdev_del undone" \
		"undone: netdev_del bad0" \
		"$VMTAP" hotplug --qmp "$QMP" --nic br0,queues=2,id=bad0 --bus nosuchbus --timeout 20
	expect_failure "after the undone device_add QEMU has no netdev bad0" \
		"no device and no netdev with id bad0" \
		"$VMTAP" unplug --qmp "$QMP" --id bad0 --timeout 20
	expect_failure "unplug of an unknown id" "no device and no netdev with id nosuch" \
		"$VMTAP" unplug --qmp "$QMP" --id nosuch --timeout 20
	expect_failure "missing QMP socket: no tap made" "$SANDBOX_DIR/nosuch.sock" \
		"$VMTAP" hotplug --qmp "$SANDBOX_DIR/nosuch.sock" --nic br0
	expect_failure "malformed SPEC" "unknown key \"speed\"" \
		"$VMTAP" hotplug --qmp "$QMP" --nic br0,speed=10
	expect_failure "bad --bus" "--bus 1x" \
		"$VMTAP" hotplug --qmp "$QMP" --nic br0 --bus 1x
	if [ "$(ports)" = "$p" ]; then
		pass "after the failures br0 still has exactly the plugged tap"
	else
		fail "br0's ports after the failures: \"$(ports)\" (want \"$p\")"
	fi
}

hook_after_unplug() {
	local tap n=50
	tap=$(tr -d ' ' <"$SANDBOX_DIR/tap")
	# netdev_del has closed QEMU's fds when it answers; the bound only
	# guards against a kernel that releases the tap late.
	while [ -n "$tap" ] && ip link show dev "$tap" >/dev/null 2>&1 && [ "$n" -gt 0 ]; do
		n=$((n - 1))
		sleep 0.1
	done
	if [ -n "$tap" ] && ! ip link show dev "$tap" >/dev/null 2>&1 && kill -0 "$QEMU_PID"; then
		pass "after unplug the host has no tap $tap, while QEMU still runs"
	else
		fail "after unplug: tap \"$tap\" still there or QEMU gone (links: $(links))"
	fi
	[ -z "$(ports)" ] && pass "br0 has no port left" || fail "br0 still has ports: $(ports)"
	# The same id again: unplug left no netdev or fd name behind.  This
	# is also the guest's cue that the unplug is over (see its script).
	# queues=auto: QEMU reports 2 vCPUs.
	if "$VMTAP" hotplug --qmp "$QMP" --nic br0,id=hot0,queues=auto --bus rp1 --json \
		>"$SANDBOX_DIR/replug.json" 2>/dev/null; then
		pass "id hot0 plugs again after unplug: $(cat "$SANDBOX_DIR/replug.json")"
		if grep -q '"id":"hot0","ifname":"vmt[0-9a-f]*","mac":"52:54:00:[0-9a-f:]*","queues":2,"vhost":\(true\|false\)}' \
			"$SANDBOX_DIR/replug.json"; then
			pass "--json says what was plugged; queues=auto took the VM's 2 vCPUs"
		else
			fail "--json output: $(cat "$SANDBOX_DIR/replug.json")"
		fi
	else
		fail "plugging id hot0 again after unplug failed"
		return 1
	fi
}

if [ "${1:-}" = --hook ]; then
	sandbox_assert_inside
	# FAIL lines are read by the test; a hook stops the example (non-zero)
	# only when going on makes no sense.
	"hook_${2//-/_}"
	exit 0
fi

# ---- the test ---------------------------------------------------------------

if ! sandbox_inside; then
	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, taps)"
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed"
	[ -x "$VMTAP" ] || { echo "FAIL: $NAME: no $VMTAP (run make first)"; exit 1; }
	guest_build
	sandbox_enter "$0" "$@"
fi

LOGDIR=${TEST_LOG_DIR:-$REPO/build/test-logs}/e2e
mkdir -p "$LOGDIR"
export CONSOLE=$LOGDIR/$NAME.log
rm -f "$CONSOLE"

sandbox_bridge br0 192.0.2.1/24
sandbox_acl "allow br0"
base_links=$(links)

cat >"$SANDBOX_DIR/guest.sh" <<'EOF'
. /lib/guest.sh
echo GUEST_WAITING_FOR_NIC
# The host plugs the NIC once it has read the line above.
wait_iface eth0 180 || exit 1
echo "GUEST_RXQ=$(ls -d /sys/class/net/eth0/queues/rx-* | wc -l)"
net_up eth0 192.0.2.2/24 || exit 1
ping_ok 192.0.2.1 3 || exit 1
echo GUEST_PING_OK
n=1800
while [ -e /sys/class/net/eth0 ]; do
	n=$((n - 1))
	[ "$n" -gt 0 ] || { echo "guest: eth0 is still there"; exit 1; }
	usleep 100000
done
echo GUEST_IFACE_GONE
# Powering off now could lose QEMU's DEVICE_DELETED, which it may not have
# written to the monitor yet: stay until the host has finished unplugging,
# which it shows by plugging a NIC again.
wait_iface eth0 180 || exit 1
echo GUEST_REPLUG_SEEN
EOF
guest_build # cached by the call outside the sandbox: no download here
guest_initrd "$SANDBOX_DIR/guest.sh" "$SANDBOX_DIR/initrd"
guest_argv "$SANDBOX_DIR/initrd"

hook="bash $REPO/tests/e2e/test_hotplug.sh --hook"
out=$SANDBOX_DIR/example.out
rc=0
BEFORE_PLUG="$hook before-plug" AFTER_PLUG="$hook after-plug" AFTER_UNPLUG="$hook after-unplug" \
	VMTAP=$VMTAP QEMU=$GUEST_QEMU BRIDGE=br0 QUEUES=2 ID=hot0 QMP=$SANDBOX_DIR/qmp.sock \
	timeout -k 5 $((3 * GUEST_TIMEOUT)) "$REPO/examples/qmp/hotplug.sh" "${GUEST_ARGV[@]:1}" \
	</dev/null >"$out" 2>&1 || rc=$?
# The hooks' PASS/FAIL lines, then the example's own lines.
grep -E '^(PASS|FAIL): ' "$out" || true
grep -q '^FAIL: ' "$out" && failed=1

if [ "$rc" -eq 0 ]; then
	pass "examples/qmp/hotplug.sh ran to the end"
else
	fail "examples/qmp/hotplug.sh exited $rc; its output:"
	grep -v -E '^(PASS|FAIL): ' "$out" | tail -n 20 | sed 's/^/  | /'
fi
if grep -a -q -E 'GUEST_RXQ=2\b' "$CONSOLE"; then
	pass "the guest sees 2 RX queues on the hot-plugged eth0"
else
	fail "the guest sees 2 RX queues ($(grep -a -o 'GUEST_RXQ=[0-9]*' "$CONSOLE" || echo none); console: $CONSOLE)"
fi
if guest_log_has "$CONSOLE" GUEST_IFACE_GONE; then
	pass "the guest loses eth0 after unplug"
else
	fail "the guest never lost eth0 (console: $CONSOLE)"
fi
if guest_log_has "$CONSOLE" GUEST_REPLUG_SEEN; then
	pass "the guest sees the NIC plugged again"
else
	fail "the guest never saw the second plug (console: $CONSOLE)"
fi
if [ "$(guest_exit_status "$CONSOLE")" = 0 ]; then
	pass "the guest script exited 0"
else
	fail "the guest script did not exit 0"
	guest_log_tail "$CONSOLE"
fi
if [ "$(links)" = "$base_links" ]; then
	pass "no interface left in the sandbox"
else
	fail "interfaces left: $(links) (expected $base_links)"
fi
exit "$failed"
