#!/usr/bin/env bash
# test_broker.sh — end to end through vmtapd, with QEMU run as an
# unprivileged user (nobody) and real guests pinging the bridge:
#
#   1. broker mode: QEMU's `-netdev bridge,br=…,helper=…` with two copies of
#      build/vmtap-bridge-helper, one NOT setuid and without capabilities,
#      one setuid root.  Both get their tap from vmtapd (the daemon logs a
#      grant for uid 65534: the setuid copy connected as its caller), and
#      bridge.conf, which allows nothing, is never consulted.
#   2. `vmtap exec --socket PATH` as nobody, with a helper path that does
#      not exist: the 2-queue NIC can only have come from the daemon; the
#      guest sees 2 RX queues.
#   3. the daemon's refusal is final (no fallback to the helper); SIGTERM
#      stops it with status 0 and its socket goes; then the same helpers
#      fall back to the privileged path: the non-setuid one says it has no
#      CAP_NET_ADMIN, the setuid one is refused by bridge.conf.
#
# vmtapd runs with its compiled-in defaults (/run/vmtap/vmtapd.sock,
# /etc/vmtap/vmtapd.conf) inside the sandbox's private /run and /etc.
# Exit: 0 pass, 77 skipped, anything else fail.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
NAME=broker
B=$REPO/build
. "$REPO/tests/lib/sandbox.sh"
. "$REPO/tests/lib/testlib.sh"
. "$REPO/tests/lib/guest.sh"

if ! sandbox_inside; then
	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, taps, a daemon)"
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed"
	command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
	for p in vmtapd vmtap vmtap-bridge-helper; do
		[ -x "$B/$p" ] || { echo "FAIL: $NAME: no $B/$p (run make first)"; exit 1; }
	done
	guest_build
	sandbox_enter "$0" "$@"
fi

LOGDIR=${TEST_LOG_DIR:-$REPO/build/test-logs}/e2e
mkdir -p "$LOGDIR"

SOCK=/run/vmtap/vmtapd.sock
DLOG=$LOGDIR/$NAME-vmtapd.log
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --)

sandbox_private_run
sandbox_bridge br0 192.0.2.1/25
sandbox_bridge br1 192.0.2.129/25
# The helper's own policy allows nothing: a NIC can only come from vmtapd.
sandbox_acl "deny all"
mkdir -p /etc/vmtap
printf '%s\n' "allow br0 user nobody" "allow br1 user nobody" "limit queues 4 user nobody" \
	>/etc/vmtap/vmtapd.conf
chown root:root /etc/vmtap /etc/vmtap/vmtapd.conf
chmod 0644 /etc/vmtap/vmtapd.conf
base_links=$(links)

daemon_pid=
stop_daemon() {
	[ -n "$daemon_pid" ] || return 0
	kill -TERM "$daemon_pid" 2>/dev/null || true
	daemon_rc=0
	wait "$daemon_pid" || daemon_rc=$?
	daemon_pid=
}
trap stop_daemon EXIT

"$B/vmtapd" --foreground 2>"$DLOG" &
daemon_pid=$!
# The socket file appears (renamed into place) only once it accepts.
for _ in $(seq 100); do
	[ -S "$SOCK" ] && break
	kill -0 "$daemon_pid" 2>/dev/null || break
	sleep 0.1
done
[ -S "$SOCK" ] || { echo "FAIL: $NAME: vmtapd did not start:"; cat "$DLOG"; exit 1; }

# What nobody's QEMU reads: a scratch dir it can reach, on a tmpfs of this
# sandbox's own (no nosuid: the setuid copy must work), with the helper
# copies, the guest kernel and each run's initrd.
SCR=$(mktemp -d /tmp/vmtap-broker.XXXXXX)
sandbox_tmpfs "$SCR"
cleanup_scr() { umount -l "$SCR" 2>/dev/null || true; rmdir "$SCR" 2>/dev/null || true; }
trap 'stop_daemon; cleanup_scr' EXIT
chmod 0755 "$SCR"
install -m 0755 "$B/vmtap-bridge-helper" "$SCR/helper-plain"
install -m 0755 "$B/vmtap-bridge-helper" "$SCR/helper-suid"
chmod 04755 "$SCR/helper-suid"
guest_build # cached: sets GUEST_KERNEL and GUEST_BASE_INITRD
install -m 0644 "$GUEST_KERNEL" "$SCR/vmlinuz"
GUEST_KERNEL=$SCR/vmlinuz

guest_script() { # FILE "IF ADDR PEER"...
	local f=$1 l; shift
	{
		echo 'set -e'
		echo '. /lib/guest.sh'
		for l in "$@"; do
			set -- $l
			echo "wait_iface $1"
			echo "echo GUEST_RXQ_$1=\$(ls -d /sys/class/net/$1/queues/rx-* | wc -l)"
			echo "net_up $1 $2"
			echo "ping_ok $3 3"
			echo "echo GUEST_PING_OK_$1"
		done
	} >"$f"
}

# run_as_nobody LABEL SCRIPT QEMU-ARGS...: boots the guest as nobody, QEMU
# run through the array PREFIX (may be empty); prints the console log's
# path.
PREFIX=()
run_as_nobody() {
	local label=$1 script=$2 log
	shift 2
	log=$LOGDIR/$NAME-$label.log
	guest_initrd "$script" "$SCR/$label.initrd"
	chmod 0644 "$SCR/$label.initrd"
	guest_argv "$SCR/$label.initrd" "$@"
	{ timeout -k 5 "$GUEST_TIMEOUT" "${NOBODY[@]}" "${PREFIX[@]}" "${GUEST_ARGV[@]}" 2>&1 || true; } \
		</dev/null | sed -u 's/\r$//; s/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1b[A-Za-z]//g' >"$log"
	echo "$log"
}

check_guest() { # LABEL LOG IF RXQ
	if guest_log_has "$2" "GUEST_RXQ_$3=$4" && guest_log_has "$2" "GUEST_PING_OK_$3"; then
		pass "$1: guest sees $4 RX queue(s) on $3 and pings the bridge"
	else
		fail "$1: guest sees $4 RX queue(s) on $3 and pings the bridge (console: $2)"
		guest_log_tail "$2" 15
	fi
}

# Lines the daemon logged since mark (its log only grows).
log_since() { tail -c +"$(( $1 + 1 ))" "$DLOG"; }

# 1. QEMU as nobody runs the helpers itself: -netdev bridge,helper=.
guest_script "$SCR/two.sh" "eth0 192.0.2.2/25 192.0.2.1" "eth1 192.0.2.130/25 192.0.2.129"
mark=$(stat -c %s "$DLOG")
log=$(run_as_nobody netdev-bridge "$SCR/two.sh" \
	-netdev "bridge,id=n0,br=br0,helper=$SCR/helper-plain" -device virtio-net-pci,netdev=n0,romfile= \
	-netdev "bridge,id=n1,br=br1,helper=$SCR/helper-suid" -device virtio-net-pci,netdev=n1,romfile=)
check_guest "netdev bridge, non-setuid helper" "$log" eth0 1
check_guest "netdev bridge, setuid helper" "$log" eth1 1
if log_since "$mark" | grep -q "grant uid=65534 pid=[0-9]* bridge=br0 ifname=vmt[0-9a-f]* queues=1 vhost=0" &&
	log_since "$mark" | grep -q "grant uid=65534 pid=[0-9]* bridge=br1 ifname=vmt[0-9a-f]* queues=1 vhost=0" &&
	! log_since "$mark" | grep -q "uid=0 "; then
	pass "vmtapd granted both taps to uid 65534 (the setuid copy connected as its caller)"
else
	fail "vmtapd's grants for uid 65534 (log: $DLOG)"
	log_since "$mark" | sed 's/^/  | /'
fi
if [ "$(links)" = "$base_links" ]; then
	pass "no tap left after QEMU exits"
else
	fail "interfaces left: $(links) (expected $base_links)"
fi

# 2. vmtap exec as nobody, through the daemon only.
guest_script "$SCR/one.sh" "eth0 192.0.2.2/25 192.0.2.1"
mark=$(stat -c %s "$DLOG")
PREFIX=("$B/vmtap" exec --socket "$SOCK" --helper /nonexistent/helper --nic br0,queues=2 --)
log=$(run_as_nobody exec "$SCR/one.sh" -smp 2)
PREFIX=()
check_guest "vmtap exec --socket, helper missing" "$log" eth0 2
if log_since "$mark" | grep -q "grant uid=65534 pid=[0-9]* bridge=br0 ifname=vmt[0-9a-f]* queues=2"; then
	pass "vmtap exec's NIC came from vmtapd"
else
	fail "vmtap exec's NIC came from vmtapd (log: $DLOG)"
fi

# 3. A refusal from the daemon is the answer: no helper is tried.
out=$("${NOBODY[@]}" "$B/vmtap" exec --socket "$SOCK" --helper "$SCR/helper-suid" --nic br0,queues=8 \
	-- /bin/true 2>&1) && rc=0 || rc=$?
if [ "$rc" -ne 0 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] &&
	[[ "$out" == *"queues=8: /etc/vmtap/vmtapd.conf allows uid 65534 at most 4 queues per NIC"* ]]; then
	pass "over the policy's queue limit: \"$out\""
else
	fail "over the policy's queue limit: exit $rc, \"$out\""
fi

stop_daemon
if [ "$daemon_rc" -eq 0 ] && [ ! -e "$SOCK" ] && grep -q "stopping on" "$DLOG"; then
	pass "SIGTERM: vmtapd exits 0 and removes its socket"
else
	fail "SIGTERM: exit $daemon_rc, socket $([ -e "$SOCK" ] && echo left || echo gone)"
fi

# No daemon now: the non-setuid helper falls back to the privileged path,
# which it cannot take.
out=$("${NOBODY[@]}" "$B/vmtap" exec --helper "$SCR/helper-plain" --nic br0 -- /bin/true 2>&1) &&
	rc=0 || rc=$?
if [ "$rc" -ne 0 ] && [[ "$out" == *"no CAP_NET_ADMIN"* ]]; then
	pass "no daemon: the helper tries the privileged path (\"$out\")"
else
	fail "no daemon: exit $rc, \"$out\""
fi
# ...and the setuid copy takes it (so in step 1 it really ran setuid root
# and still connected as nobody), stopped by bridge.conf this time.
out=$("${NOBODY[@]}" "$B/vmtap" exec --helper "$SCR/helper-suid" --nic br0 -- /bin/true 2>&1) &&
	rc=0 || rc=$?
if [ "$rc" -ne 0 ] && [[ "$out" == *"bridge br0 is not allowed for uid 65534 by /etc/qemu/bridge.conf"* ]]; then
	pass "no daemon: the setuid helper's privileged path reads bridge.conf (\"$out\")"
else
	fail "no daemon, setuid helper: exit $rc, \"$out\""
fi
if [ "$(links)" = "$base_links" ]; then
	pass "nothing left behind"
else
	fail "interfaces left: $(links) (expected $base_links)"
fi

exit "$failed"
