#!/usr/bin/env bash
# test_netns.sh — end to end: a guest whose NIC lives in another network
# namespace (netns=, issue 15).  The target namespace (/run/netns/tgt, an
# `unshare -n` child's) has bridge brn with 192.0.2.1; the sandbox's own
# namespace, where QEMU runs, has no such address and no bridge brn.
#   - root: `vmtap exec --nic brn,netns=tgt,queues=2 -- qemu ...`: the
#     guest sees 2 RX queues and pings 192.0.2.1, which only tgt's bridge
#     answers; no tap is left in either namespace after
#   - nobody through vmtapd --netns, in a user+network namespace nobody
#     made with its own bridge brf (192.0.2.129 there): the guest pings it
#   - a macvtap in tgt: tgt's uplink up0 is a veth whose peer lives in a
#     third namespace with 198.51.100.2; root's `vmtap exec --nic
#     macvtap=up0,netns=tgt,queues=2 -- qemu ...` through vmtapd --netns:
#     the guest pings 198.51.100.2 through it; no macvtap is left in tgt
#     once QEMU exits, nor after a kill -9 of QEMU (vmtapd deletes it in
#     tgt; bounded polls, not timed assertions)
# Exit: 0 pass, 77 skipped, anything else fail.  Runs as root in its own
# sandbox (tests/lib/sandbox.sh).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
NAME=netns
VMTAP=$REPO/build/vmtap
. "$REPO/tests/lib/sandbox.sh"
. "$REPO/tests/lib/testlib.sh"
. "$REPO/tests/lib/guest.sh"

if ! sandbox_inside; then
	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, taps)"
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed"
	[ -x "$VMTAP" ] || { echo "FAIL: $NAME: no $VMTAP (run make first)"; exit 1; }
	guest_build
	sandbox_enter "$0" "$@"
fi

LOGDIR=${TEST_LOG_DIR:-$REPO/build/test-logs}/e2e
mkdir -p "$LOGDIR"
sandbox_private_run

pids=()
daemon_pid=
cleanup() {
	[ -z "$daemon_pid" ] || kill "$daemon_pid" 2>/dev/null || true
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
nslinks() { ip -n "$1" -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort | tr '\n' ' '; }

netns_holder tpid
pids+=("$tpid")
mkdir -p /run/netns
touch /run/netns/tgt
mount --bind "/proc/$tpid/ns/net" /run/netns/tgt
ip -n tgt link set lo up
ip -n tgt link add brn type bridge
ip -n tgt addr add 192.0.2.1/25 dev brn
ip -n tgt link set brn up
base_links=$(links)
tgt_links=$(nslinks tgt)

guest_script() { # FILE IF ADDR PEER
	{
		echo 'set -e'
		echo '. /lib/guest.sh'
		echo "wait_iface $2"
		echo "echo GUEST_RXQ_$2=\$(ls -d /sys/class/net/$2/queues/rx-* | wc -l)"
		echo "net_up $2 $3"
		echo "ping_ok $4 3"
		echo "echo GUEST_PING_OK_$2"
	} >"$1"
}

# 1. root, locally.
guest_script "$SANDBOX_DIR/root.sh" eth0 192.0.2.2/25 192.0.2.1
GUEST_QEMU_PREFIX=("$VMTAP" exec --socket /run/vmtap/none.sock --nic brn,netns=tgt,queues=2 --)
log="$LOGDIR/$NAME-root.log"
guest_run "$SANDBOX_DIR/root.sh" "$log" -smp 2 || true
unset GUEST_QEMU_PREFIX
if guest_log_has "$log" "GUEST_RXQ_eth0=2"; then pass "root: the guest sees 2 RX queues"
else fail "root: the guest sees 2 RX queues (console: $log)"; fi
if guest_log_has "$log" "GUEST_PING_OK_eth0"; then
	pass "root: the guest pings brn's 192.0.2.1 in tgt"
else
	fail "root: the guest pings brn's 192.0.2.1 in tgt (console: $log)"
fi
if [ "$(links)" = "$base_links" ] && [ "$(nslinks tgt)" = "$tgt_links" ]; then
	pass "root: no tap left in either namespace"
else
	fail "root: links left: $(links) / tgt: $(nslinks tgt)"
fi

# 2. nobody, through vmtapd --netns, into its own namespace.
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
"${NOBODY[@]}" unshare -Urn sh -c 'ip link set lo up && ip link add brf type bridge &&
	ip addr add 192.0.2.129/25 dev brf && ip link set brf up && exec sleep infinity' &
upid=$!
pids+=("$upid")
for _ in $(seq 100); do
	nsenter -t "$upid" -n ip link show brf >/dev/null 2>&1 && break
	sleep 0.05
done
nsenter -t "$upid" -n ip link show brf >/dev/null 2>&1 ||
	skip "nobody cannot make a user namespace with a bridge here (unshare -Urn)"
mkdir -p /etc/vmtap
printf '%s\n' "allow brf user nobody" "allow macvtap up0" >/etc/vmtap/vmtapd.conf
chmod 0644 /etc/vmtap/vmtapd.conf
SOCK=/run/vmtap/netns.sock
"$REPO/build/vmtapd" --foreground --netns --socket "$SOCK" --config /etc/vmtap/vmtapd.conf \
	2>"$LOGDIR/$NAME-vmtapd.log" &
daemon_pid=$!
for _ in $(seq 200); do [ -S "$SOCK" ] && break; sleep 0.05; done
[ -S "$SOCK" ] || { fail "vmtapd did not start: $(cat "$LOGDIR/$NAME-vmtapd.log")"; exit 1; }

# nobody's QEMU reads the guest's initrd, which guest_run puts in a
# directory of root's (mktemp -d): the wrapper opens it to all first.
cat >"$SANDBOX_DIR/as-nobody.sh" <<EOF2
#!/bin/bash
prev=
for a in "\$@"; do
	[ "\$prev" = -initrd ] && chmod 0755 "\$(dirname "\$a")" && chmod 0644 "\$a"
	prev=\$a
done
exec ${NOBODY[*]} "$VMTAP" exec --socket "$SOCK" \
	--nic "brf,netns=/proc/$upid/ns/net,vhost=off" -- "\$@"
EOF2
chmod 0755 "$SANDBOX_DIR/as-nobody.sh"
guest_script "$SANDBOX_DIR/nobody.sh" eth0 192.0.2.130/25 192.0.2.129
GUEST_QEMU_PREFIX=("$SANDBOX_DIR/as-nobody.sh")
log="$LOGDIR/$NAME-nobody.log"
guest_run "$SANDBOX_DIR/nobody.sh" "$log" || true
unset GUEST_QEMU_PREFIX
if guest_log_has "$log" "GUEST_PING_OK_eth0"; then
	pass "nobody: the guest pings brf's 192.0.2.129 in nobody's own namespace"
else
	fail "nobody: the guest pings brf's 192.0.2.129 in nobody's own namespace (console: $log)"
fi

# 3. A macvtap in tgt, on tgt's uplink up0; its peer up1 in a third
# namespace has 198.51.100.2.
netns_holder ppid
pids+=("$ppid")
ip -n tgt link add up0 type veth peer name up1
ip -n tgt link set up1 netns "$ppid"
ip -n tgt link set up0 up
nsenter -t "$ppid" -n ip link set lo up
nsenter -t "$ppid" -n ip addr add 198.51.100.2/24 dev up1
nsenter -t "$ppid" -n ip link set up1 up
tgt_links=$(nslinks tgt)
# tgt_clean — true once tgt has only its own links (a bounded poll:
# vmtapd deletes the macvtap when it sees QEMU's process exit).
tgt_clean() {
	local i
	for i in $(seq 400); do
		[ "$(nslinks tgt)" = "$tgt_links" ] && return 0
		sleep 0.05
	done
	return 1
}
guest_script "$SANDBOX_DIR/macvtap.sh" eth0 198.51.100.10/24 198.51.100.2
GUEST_QEMU_PREFIX=("$VMTAP" exec --socket "$SOCK" --nic macvtap=up0,netns=tgt,queues=2 --)
log="$LOGDIR/$NAME-macvtap.log"
guest_run "$SANDBOX_DIR/macvtap.sh" "$log" -smp 2 || true
unset GUEST_QEMU_PREFIX
check "macvtap in tgt: the guest sees 2 RX queues (console: $log)" \
	guest_log_has "$log" "GUEST_RXQ_eth0=2"
check "macvtap in tgt: the guest pings 198.51.100.2 through tgt's uplink up0 (console: $log)" \
	guest_log_has "$log" "GUEST_PING_OK_eth0"
check "vmtapd made it on up0 in tgt" \
	grep -q "grant uid=0 pid=[0-9]* macvtap=up0 .*queues=2 .* macvtap netns=tgt" \
	"$LOGDIR/$NAME-vmtapd.log"
check "macvtap in tgt: none left there once QEMU exited" tgt_clean
check "macvtap in tgt: none in the sandbox's namespace" test "$(links)" = "$base_links"

cat >"$SANDBOX_DIR/hold.sh" <<'G'
. /lib/guest.sh
wait_iface eth0
echo GUEST_HOLDING
sleep 600
G
tmp=$(mktemp -d)
guest_initrd "$SANDBOX_DIR/hold.sh" "$tmp/initrd"
guest_argv "$tmp/initrd" -smp 2
log=$LOGDIR/$NAME-macvtap-kill.log
"$VMTAP" exec --socket "$SOCK" --nic macvtap=up0,netns=tgt,queues=2 -- "${GUEST_ARGV[@]}" \
	</dev/null >"$log" 2>&1 &
QPID=$!
for _ in $(seq 1200); do
	grep -q GUEST_HOLDING "$log" 2>/dev/null && break
	kill -0 "$QPID" 2>/dev/null || break
	sleep 0.1
done
check "macvtap in tgt: the guest came up (console: $log)" grep -q GUEST_HOLDING "$log"
check "its macvtap is in tgt, marked for QEMU, while QEMU runs" \
	bash -c "ip -n tgt -o -d link show type macvtap | grep -q 'alias vmtap:macvtap:$QPID:'"
kill -9 "$QPID"
wait "$QPID" 2>/dev/null || true
rm -rf "$tmp"
check "kill -9 of QEMU: no macvtap left in tgt" tgt_clean
exit "$failed"
