#!/usr/bin/env bash
# test_exec.sh — end to end: `vmtap exec` starts a real guest with NICs it
# made, through the unprivileged path (build/vmtap runs
# build/vmtap-bridge-helper over a socketpair, then becomes QEMU).
#   - 4 queues: the guest sees 4 RX queues on eth0 and pings the bridge;
#   - the three examples/qemu scripts: one NIC, queues=auto from -smp 4,
#     and two NICs on two bridges, each pinging its bridge;
#   - failures (missing bridge, queues=100000, missing helper, QEMU not
#     found, an unprivileged helper): one line, non-zero exit, QEMU not
#     started, no interface left.
# Exit: 0 pass, 77 skipped, anything else fail.  Runs as root in its own
# sandbox (tests/lib/sandbox.sh).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
NAME=exec
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

# The guest script: for each "IF ADDR PEER QUEUES" argument line, bring IF
# up, report its RX queue count and ping PEER.
guest_script() { # FILE LINE...
	local f=$1; shift
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

check_log() { # LABEL LOG IF EXPECTED_RXQ
	local label=$1 log=$2 ifc=$3 rxq=$4
	if guest_log_has "$log" "GUEST_RXQ_$ifc=$rxq"; then
		pass "$label: guest sees $rxq RX queues on $ifc"
	else
		fail "$label: guest sees $rxq RX queues on $ifc ($(grep -o "GUEST_RXQ_$ifc=[0-9]*" "$log" || echo none); console: $log)"
	fi
	if guest_log_has "$log" "GUEST_PING_OK_$ifc"; then
		pass "$label: guest pings the bridge through $ifc"
	else
		fail "$label: guest pings the bridge through $ifc (console: $log)"
	fi
}

sandbox_bridge br0 192.0.2.1/25
sandbox_bridge br1 192.0.2.129/25
# A bridge that exists and that the ACL never allows.
ip link add br8 type bridge
sandbox_acl "allow br0" "allow br1"
base_links=$(links)

# 1. vmtap exec --nic br0,queues=4 -- qemu-system-x86_64 ...
guest_script "$SANDBOX_DIR/one.sh" "eth0 192.0.2.2/25 192.0.2.1"
GUEST_QEMU_PREFIX=("$VMTAP" exec --nic br0,queues=4 --)
log="$LOGDIR/$NAME-queues4.log"
# -smp 4: the guest's virtio-net uses min(queues, online CPUs) queue pairs.
guest_run "$SANDBOX_DIR/one.sh" "$log" -smp 4 || true
check_log "queues=4" "$log" eth0 4
unset GUEST_QEMU_PREFIX

# 2. The examples, run as they are, with QEMU's argv for the tiny guest
# appended (the harness's -m comes after theirs; QEMU takes the last).
run_example() { # SCRIPT LABEL GUEST-LINES...
	local ex=$1 label=$2; shift 2
	guest_script "$SANDBOX_DIR/$label.sh" "$@"
	log="$LOGDIR/$NAME-$label.log"
	GUEST_QEMU=$REPO/examples/qemu/$ex VMTAP=$VMTAP BRIDGE=br0 BRIDGE2=br1 \
		QEMU=qemu-system-x86_64 guest_run "$SANDBOX_DIR/$label.sh" "$log" || true
}
run_example single-nic.sh example-single "eth0 192.0.2.2/25 192.0.2.1"
check_log "examples/qemu/single-nic.sh" "$log" eth0 1
run_example multiqueue.sh example-mq "eth0 192.0.2.2/25 192.0.2.1"
check_log "examples/qemu/multiqueue.sh (queues=auto, -smp 4)" "$log" eth0 4
run_example two-nics.sh example-two "eth0 192.0.2.2/25 192.0.2.1" "eth1 192.0.2.130/25 192.0.2.129"
check_log "examples/qemu/two-nics.sh" "$log" eth0 2
check_log "examples/qemu/two-nics.sh" "$log" eth1 1

if [ "$(links)" = "$base_links" ]; then
	pass "no tap left after the guests exit"
else
	fail "interfaces left: $(links) (expected $base_links)"
fi

# 3. Failures: one line naming the bad value, non-zero exit, QEMU never
# started (it would print to the marker file), nothing left behind.
marker=$SANDBOX_DIR/qemu-started
fake_qemu=$SANDBOX_DIR/fake-qemu
printf '#!/bin/sh\ntouch %s\n' "$marker" >"$fake_qemu"
chmod +x "$fake_qemu"

expect_failure() { # LABEL NEEDLE CMD...
	local label=$1 needle=$2 out rc=0; shift 2
	rm -f "$marker"
	out=$("$@" 2>&1 >/dev/null) || rc=$?
	if [ "$rc" -ne 0 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] &&
		[[ "$out" == *"$needle"* ]] && [ ! -e "$marker" ] && [ "$(links)" = "$base_links" ]; then
		pass "$label: \"$out\""
	else
		fail "$label: exit $rc, output \"$out\" (want one line with \"$needle\"), qemu started: $([ -e "$marker" ] && echo yes || echo no), links: $(links)"
	fi
}
sandbox_acl "allow all"
expect_failure "missing bridge" "bridge br7 does not exist" \
	"$VMTAP" exec --nic br7 -- "$fake_qemu"
sandbox_acl "allow br0" "allow br1"
# The cause first: a bridge that does not exist is missing, whether or not
# the ACL names it (any user can list the namespace's interfaces anyway).
expect_failure "missing bridge the ACL does not allow: reported as missing" \
	"bridge br7 does not exist" "$VMTAP" exec --nic br7 -- "$fake_qemu"
expect_failure "bridge not allowed" "bridge br8 is not allowed" \
	"$VMTAP" exec --nic br8 -- "$fake_qemu"
expect_failure "queues out of range" "queues=100000" \
	"$VMTAP" exec --nic br0,queues=100000 -- "$fake_qemu"
expect_failure "second NIC fails: the first is undone" "bridge br7 does not exist" \
	"$VMTAP" exec --nic br0,queues=2 --nic br7 -- "$fake_qemu"
expect_failure "helper missing" "/nonexistent/helper" \
	"$VMTAP" exec --helper /nonexistent/helper --nic br0 -- "$fake_qemu"
expect_failure "QEMU not found" "qemu-system-nonexistent" \
	"$VMTAP" exec --nic br0 -- qemu-system-nonexistent
expect_failure "malformed SPEC" "unknown key \"speed\"" \
	"$VMTAP" exec --nic br0,speed=10 -- "$fake_qemu"
# An ordinary user with a helper that is neither setuid nor capable.  (QEMU
# is /bin/true here: nobody cannot reach the sandbox's scratch directory;
# had vmtap gone on, the exit status would be 0.)
expect_failure "helper not privileged" "CAP_NET_ADMIN" \
	setpriv --reuid=65534 --regid=65534 --clear-groups -- \
	"$VMTAP" exec --nic br0 -- /bin/true

exit "$failed"
