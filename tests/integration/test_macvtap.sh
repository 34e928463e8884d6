#!/usr/bin/env bash
# test_macvtap.sh — macvtap NICs on an uplink (issue 15, README "macvtap: a
# NIC on an uplink") through vmtapd, against the real kernel in a sandbox of
# its own (tests/lib/sandbox.sh).  The uplink is a veth pair: veth0 here is
# the parent, its peer veth1 lives in a second network namespace with
# 192.0.2.2.
#   - vmtap doctor warns of a macvtap marked for a process that is gone;
#     at start vmtapd deletes it, and leaves one it did not mark
#   - /dev is a tmpfs of the test's own (no udev, no devtmpfs: no
#     /dev/tapN), so every queue comes through vmtapd's private node
#   - vmtap exec --nic macvtap=veth0,queues=2 as nobody (policy: allow
#     macvtap veth0 user nobody): the command run in QEMU's place gets 2
#     queue fds; an ARP request written on one reaches the peer, whose
#     kernel's reply comes back on the fds; the macvtap's MAC is the
#     -device's; once the command exits the macvtap is gone
#   - kill -9 of the process holding the NIC: the macvtap is gone
#   - "watch": a create-nic as nobody with the pidfd of another process of
#     nobody's (a sleep): the macvtap outlives the client, is marked for the
#     sleep, and kill -9 of the sleep deletes it; uid 0 may name another
#     user's process.  Refused, one line, nothing left: an fd that is no
#     pidfd (/dev/null), another user's process, a process reaped or a
#     zombie, a thread's pidfd, "watch" without its fd
#     (tests/integration/vmtapd-watch.py speaks the protocol raw)
#   - release-nic: a watched macvtap of nobody's is refused (one line,
#     nothing deleted) for another uid, and so are a tap, a macvtap vmtapd
#     did not make and an unknown name; nobody's release deletes it at once
#     while the watched process lives, and the same MAC can be made again
#     then (before, "Address already in use"); uid 0 may release it too
#   - vmtap-bridge-helper --macvtap=veth0 --br= in broker mode, as nobody,
#     run through /bin/sh -c as QEMU runs it: the macvtap is marked for the
#     process at the other end of --fd, and goes with its kill -9
#   - refused, one line, nothing left: a parent the policy does not allow,
#     passthru for a user, a MAC another macvtap on the parent has (the
#     kernel refuses after the policy said yes: all or nothing), a persistent
#     macvtap through vmtapd, a macvtap without vmtapd (the helper in
#     direct mode, and vmtap hotplug against a monitor: nobody would delete
#     it), macvtap with netns= in a namespace nobody did not make, and
#     root's macvtap in a namespace without vmtapd
#   - vmtap create NAME --macvtap veth0 --mode vepa as root: a persistent
#     macvtap that vmtap list shows (mode, parent) and vmtap delete removes;
#     delete refuses a macvtap vmtap did not make
# Waits on the daemon are bounded polls, not timed assertions.
# Exit: 0 pass, 77 skipped, anything else fail.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
B=$(cd "$REPO" && readlink -m -- "${B:-build}")
NAME=macvtap
VMTAP=$B/vmtap
ARP=$REPO/tests/integration/macvtap-arp.py
WATCH=$REPO/tests/integration/vmtapd-watch.py
# The system's: a python3 found first in root's PATH may be one nobody
# cannot run.
PY=$(command -v /usr/bin/python3 || command -v python3)
. "$REPO/tests/lib/sandbox.sh"
. "$REPO/tests/lib/testlib.sh"

if ! sandbox_inside; then
	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, macvtaps, a daemon)"
	command -v python3 >/dev/null || skip "python3 is not installed"
	command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
	command -v nsenter >/dev/null || skip "nsenter (util-linux) is not installed"
	for p in vmtap vmtapd vmtap-bridge-helper; do
		[ -x "$B/$p" ] || { echo "FAIL: $NAME: no $B/$p (run make first)"; exit 1; }
	done
	sandbox_enter "$0" "$@"
fi

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
GUEST=52:54:00:aa:00:02
WORK=$SANDBOX_DIR

macvtaps() { ip -o link show type macvtap | awk -F': ' '{print $2}' | sed 's/@.*//' | sort | tr '\n' ' '; }
# gone NAME-PATTERN — true once no macvtap matches (a bounded poll: the
# daemon deletes it when it sees the process exit).
gone() {
	local i
	for i in $(seq 200); do
		[ -z "$(ip -o link show type macvtap | grep -E "$1" || true)" ] && return 0
		sleep 0.05
	done
	return 1
}

sandbox_private_run
# A /dev of its own, as in a container: a tmpfs with only the nodes the
# programs here open, so no /dev/tapN ever appears (devtmpfs would make
# one) and every macvtap below is opened through vmtapd's private node.
mkdir "$WORK/dev"
mount -t tmpfs -o mode=0755 sandbox-dev "$WORK/dev"
mkdir "$WORK/dev/net"
for n in null zero random urandom net/tun; do
	touch "$WORK/dev/$n"
	mount --bind "/dev/$n" "$WORK/dev/$n"
done
mount --move "$WORK/dev" /dev
# The uplink: veth0 here, veth1 in the peer's namespace with an address.
ip link add veth0 type veth peer name veth1
ip link add veth2 type veth peer name veth3
netns_holder PEER
trap 'kill $PEER 2>/dev/null || true' EXIT
ip link set veth1 netns "$PEER"
nsenter -t "$PEER" -n ip link set lo up
nsenter -t "$PEER" -n ip addr add 192.0.2.2/24 dev veth1
nsenter -t "$PEER" -n ip link set veth1 up
PEER_MAC=$(nsenter -t "$PEER" -n ip -o link show veth1 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
ip link set veth0 up
ip link set veth2 up

# ---- leftovers of a previous run ------------------------------------------
ip link add link veth0 name mvstale type macvtap mode bridge
ip link set mvstale alias "vmtap:macvtap:999999:1"
ip link add link veth0 name mvother address 52:54:00:aa:00:77 type macvtap mode bridge
ip link set mvother up

check "doctor warns of the macvtap left by a process that is gone" \
	bash -c "'$VMTAP' doctor | grep -E -q '^warn +macvtap +1 macvtap left by processes that are gone: mvstale'"

SOCK=/run/vmtap/macvtap.sock
mkdir -p /etc/vmtap
printf '%s\n' "allow macvtap veth0 user nobody" "allow macvtap veth0 user root" "allow macvtap veth2" \
	"deny macvtap veth2 user nobody" \
	>/etc/vmtap/vmtapd.conf
chmod 0644 /etc/vmtap/vmtapd.conf
"$B/vmtapd" --foreground --socket "$SOCK" --config /etc/vmtap/vmtapd.conf \
	2>"$WORK/vmtapd.log" &
DPID=$!
trap 'kill $DPID $PEER 2>/dev/null || true' EXIT
for _ in $(seq 200); do [ -S "$SOCK" ] && break; sleep 0.05; done
[ -S "$SOCK" ] || { fail "vmtapd did not start: $(cat "$WORK/vmtapd.log")"; exit 1; }
# vmtapd reaps right after it made its socket: a bounded poll.
check "at start vmtapd deleted the macvtap marked for a process that is gone" gone '^[0-9]+: mvstale@'
check "and left the macvtap it did not mark" bash -c 'ip link show mvother >/dev/null' 
said() { # NEEDLE — true once vmtapd's log has it (a bounded poll)
	local i
	for i in $(seq 200); do
		grep -q -- "$1" "$WORK/vmtapd.log" && return 0
		sleep 0.05
	done
	return 1
}
check "and said so" said "deleted 1 macvtap left by processes that are gone"
START=$(links)
check "doctor: macvtap ok once vmtapd reaped it" \
	bash -c "'$VMTAP' doctor | grep -E -q '^ok +macvtap '"

# ---- a 2-queue macvtap for nobody; frames reach the peer -------------------
out=$("${NOBODY[@]}" "$VMTAP" exec --socket "$SOCK" \
	--nic "macvtap=veth0,queues=2,mac=$GUEST,vhost=off" -- \
	python3 "$ARP" arp 192.0.2.2 192.0.2.10 2>&1) || true
check "exec through vmtapd handed 2 queue fds to the command" grep -q "^queues 2$" <<<"$out"
check "an ARP request written on the macvtap was answered by the peer's kernel ($PEER_MAC)" \
	grep -q "^ARP_REPLY $PEER_MAC$" <<<"$out"
check "vmtapd logged the grant" \
	grep -q "grant uid=65534 .*macvtap=veth0 ifname=vmt[0-9a-f]* queues=2" "$WORK/vmtapd.log"
check "there was no /dev/tapN: the queues came through a private node" \
	bash -c '! ls /dev/tap* 2>/dev/null'
check "the macvtap is gone once the command exited" gone 'vmt[0-9a-f]{8}@'
check "nothing else changed" test "$(links)" = "$START"

# ---- kill -9 of its process ----------------------------------------------
mkfifo "$WORK/in" "$WORK/out"
"${NOBODY[@]}" "$VMTAP" exec --socket "$SOCK" \
	--nic "macvtap=veth0,queues=2,mac=52:54:00:aa:00:03,vhost=off" -- \
	python3 "$ARP" hold <"$WORK/in" >"$WORK/out" 2>&1 &
HOLDER=$!
exec 7>"$WORK/in"
read -r line1 <"$WORK/out" || true
MV=$(ip -o link show type macvtap | grep -oE 'vmt[0-9a-f]{8}@veth0' | sed 's/@.*//' || true)
check "the holder has its macvtap ($MV, ${line1:-nothing said})" test -n "$MV"
check "its MAC is the guest's" test "$(cat "/sys/class/net/$MV/address" 2>/dev/null)" = 52:54:00:aa:00:03
check "it is marked for the holder's pid" \
	bash -c "ip -d link show '$MV' | grep -q 'alias vmtap:macvtap:$HOLDER:'"
kill -9 "$HOLDER"
wait "$HOLDER" 2>/dev/null || true
exec 7>&-
check "kill -9 of the holder: its macvtap is gone" gone "^[0-9]+: $MV@"

# ---- "watch": the macvtap goes with another process ------------------------
"${NOBODY[@]}" sleep 600 &
HOLD=$!
out=$("${NOBODY[@]}" "$PY" "$WATCH" "$SOCK" veth0 pid "$HOLD" 2>&1) || true
MV=$(awk '/^NIC /{print $2}' <<<"$out")
check "create-nic with the pidfd of nobody's sleep: a 1-queue macvtap ($out)" \
	grep -q "^NIC vmt[0-9a-f]\{8\} 1 1$" <<<"$out"
check "it outlives the client that asked" bash -c "ip link show '$MV' >/dev/null"
check "it is marked for the sleep, not the client" \
	bash -c "ip -d link show '$MV' | grep -q 'alias vmtap:macvtap:$HOLD:'"
check "vmtapd's grant names the watched pid" \
	grep -q "grant uid=65534 .*macvtap=veth0 ifname=$MV .* macvtap watched=$HOLD\$" "$WORK/vmtapd.log"
kill -9 "$HOLD"
wait "$HOLD" 2>/dev/null || true
check "kill -9 of the sleep: its macvtap is gone" gone "^[0-9]+: $MV@"
check "and vmtapd said so" said "pid=$HOLD exited; deleted its macvtap"
# uid 0 may name any process (libvirt runs QEMU as another user).
"${NOBODY[@]}" sleep 600 &
HOLD=$!
out=$("$PY" "$WATCH" "$SOCK" veth0 pid "$HOLD" 2>&1) || true
MV=$(awk '/^NIC /{print $2}' <<<"$out")
check "uid 0 with the pidfd of nobody's sleep: a macvtap ($out)" \
	bash -c "ip -d link show '$MV' 2>/dev/null | grep -q 'alias vmtap:macvtap:$HOLD:'"
kill -9 "$HOLD"
wait "$HOLD" 2>/dev/null || true
check "kill -9 of that sleep: its macvtap is gone" gone "^[0-9]+: ${MV:-none}@"

# ---- release-nic: a watched macvtap deleted before its process exits ----
OTHER=(setpriv --reuid=65533 --regid=65533 --clear-groups --)
RMAC=52:54:00:aa:00:0a
"${NOBODY[@]}" sleep 600 &
HOLD=$!
out=$(MAC=$RMAC "${NOBODY[@]}" "$PY" "$WATCH" "$SOCK" veth0 pid "$HOLD" 2>&1) || true
MV=$(awk '/^NIC /{print $2}' <<<"$out")
check "a watched macvtap of nobody's with MAC $RMAC ($out)" \
	bash -c "test \$(cat /sys/class/net/${MV:-none}/address 2>/dev/null) = $RMAC"
expect_failure "while it exists the same MAC is refused" "Address already in use" \
	"${NOBODY[@]}" "$VMTAP" exec --socket "$SOCK" --nic "macvtap=veth0,mac=$RMAC,vhost=off" -- /bin/true
ip tuntap add dev tapx mode tap
not_released() { # LABEL CODE NEEDLE [AS...] :: IFNAME — refused, one line, nothing deleted
	local label=$1 code=$2 needle=$3 out before; shift 3
	local who=() name
	while [ "$1" != :: ]; do who+=("$1"); shift; done
	name=$2
	before=$(links)
	out=$("${who[@]}" "$PY" "$WATCH" "$SOCK" veth0 release "$name" 2>&1) || true
	if [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] && [[ "$out" == "ERROR $code "*"$needle"* ]] &&
		[ "$(links)" = "$before" ] && ip link show "$name" >/dev/null 2>&1; then
		pass "release-nic refused: $label: \"$out\""
	else
		fail "release-nic: $label: \"$out\" (want ERROR $code ... $needle), links $(links) (before: $before)"
	fi
}
not_released "another uid's (65533)" EPERM \
	"release-nic: macvtap $MV was made for uid 65534, not for uid 65533" "${OTHER[@]}" :: "$MV"
not_released "a tap" EINVAL "release-nic: tapx is a tap, not a macvtap" "${NOBODY[@]}" :: tapx
not_released "a macvtap vmtapd did not make" EPERM \
	"release-nic: macvtap mvother was not made by vmtapd" "${NOBODY[@]}" :: mvother
not_released "root: a macvtap vmtapd did not make" EPERM \
	"release-nic: macvtap mvother was not made by vmtapd" :: mvother
out=$("${NOBODY[@]}" "$PY" "$WATCH" "$SOCK" veth0 release nosuch0 2>&1) || true
check "release-nic refused: an unknown name ($out)" \
	grep -q "^ERROR ENODEV release-nic: no device nosuch0 in vmtapd's network namespace" <<<"$out"
ip link del tapx
out=$("${NOBODY[@]}" "$PY" "$WATCH" "$SOCK" veth0 release "$MV" 2>&1) || true
check "nobody releases its macvtap ($out)" test "$out" = "DELETED $MV"
check "it is gone at once" bash -c "! ip link show '$MV' 2>/dev/null"
check "while the watched sleep still runs" kill -0 "$HOLD"
check "vmtapd logged the release" \
	grep -q "grant release-nic uid=65534 pid=[0-9]* ifname=$MV watched=$HOLD\$" "$WORK/vmtapd.log"
out=$(MAC=$RMAC "${NOBODY[@]}" "$PY" "$WATCH" "$SOCK" veth0 pid "$HOLD" 2>&1) || true
MV=$(awk '/^NIC /{print $2}' <<<"$out")
check "the same MAC can be made again at once ($out)" \
	bash -c "test \$(cat /sys/class/net/${MV:-none}/address 2>/dev/null) = $RMAC"
out=$("$PY" "$WATCH" "$SOCK" veth0 release "${MV:-none}" 2>&1) || true
check "uid 0 may release nobody's ($out)" \
	bash -c "test '$out' = 'DELETED $MV' && ! ip link show '$MV' 2>/dev/null"
out=$("${NOBODY[@]}" "$PY" "$WATCH" "$SOCK" veth0 release "${MV:-none}" 2>&1) || true
check "released once: a second release finds no device ($out)" grep -q "^ERROR ENODEV " <<<"$out"
kill -9 "$HOLD"
wait "$HOLD" 2>/dev/null || true
check "no macvtap left by the releases" test "$(links)" = "$START"

# The helper in broker mode, run as QEMU runs it (through /bin/sh -c, by
# nobody): the macvtap is marked for the process on its --fd (the holder),
# not for the helper or its shell, both gone by then.  The helper asks
# vmtapd at its fixed socket: a link to this daemon's, for this step only.
ln -s "$SOCK" /run/vmtap/vmtapd.sock
mkfifo "$WORK/hin" "$WORK/hout"
"${NOBODY[@]}" "$PY" "$REPO/tests/integration/helper-hold.py" "$B/vmtap-bridge-helper" \
	--macvtap=veth0 --mac=52:54:00:aa:00:09 --br= <"$WORK/hin" >"$WORK/hout" 2>"$WORK/herr" &
HOLDER=$!
exec 8>"$WORK/hin"
read -r line <"$WORK/hout" || true
check "the helper, run through sh -c, gave its caller QEMU's one fd ($line $(cat "$WORK/herr"))" \
	test "$line" = "got 1 fd(s), helper exit 0, pid $HOLDER"
MV=$(ip -o link show type macvtap | grep 52:54:00:aa:00:09 | grep -oE 'vmt[0-9a-f]{8}' || true)
check "its macvtap ($MV) is marked for the holder of --fd's other end, pid $HOLDER" \
	bash -c "ip -d link show '$MV' 2>/dev/null | grep -q 'alias vmtap:macvtap:$HOLDER:'"
kill -9 "$HOLDER"
wait "$HOLDER" 2>/dev/null || true
exec 8>&-
check "kill -9 of the holder: the helper's macvtap is gone" gone "^[0-9]+: ${MV:-none}@"
rm /run/vmtap/vmtapd.sock

refused() { # LABEL CODE NEEDLE WHAT [ARG] — nobody's request refused, one line, nothing left
	local label=$1 code=$2 needle=$3 out before; shift 3
	before=$(links)
	out=$("${NOBODY[@]}" "$PY" "$WATCH" "$SOCK" veth0 "$@" 2>&1) || true
	if [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] && [[ "$out" == "ERROR $code "*"$needle"* ]] &&
		[ "$(links)" = "$before" ]; then
		pass "$label: \"$out\""
	else
		fail "$label: \"$out\" (want ERROR $code ... $needle), links $(links) (before: $before)"
	fi
}
refused "watch: an fd that is no pidfd" EBADF "the fd sent is /dev/null, not a pidfd" file /dev/null
refused "watch: another user's process (root's sleep)" EPERM \
	"is of pid $PEER, which runs as uid 0 (effective 0); expected a process of your own uid 65534" \
	pid "$PEER"
refused "watch: a process that was reaped" ESRCH "of a process that has exited" reaped
refused "watch: a zombie" ESRCH "of a process that has exited" zombie
refused "watch: a thread's pidfd" EINVAL "is a thread's (PIDFD_THREAD)" thread
refused "watch: no fd with it" EPROTO "\"watch\" needs a pidfd with the request" none
check "no macvtap left by the refusals" test "$(links)" = "$START"

# ---- refusals leave nothing ---------------------------------------------
expect_failure "a parent the policy does not allow" \
	"macvtap on veth2 is not allowed for uid 65534" \
	"${NOBODY[@]}" "$VMTAP" exec --socket "$SOCK" --nic macvtap=veth2,vhost=off -- /bin/true
expect_failure "passthru for a user" "only root may ask for it" \
	"${NOBODY[@]}" "$VMTAP" exec --socket "$SOCK" --nic macvtap=veth0,mode=passthru,vhost=off -- /bin/true
# The kernel refuses the MAC when the macvtap goes up, after it was made:
# the made link is deleted again.
expect_failure "the MAC of another macvtap on the parent (the kernel's refusal)" \
	"Address already in use" \
	"${NOBODY[@]}" "$VMTAP" exec --socket "$SOCK" \
	--nic macvtap=veth0,mac=52:54:00:aa:00:77,queues=2,vhost=off -- /bin/true
expect_failure "a tap mode with a macvtap" "mode=tun with macvtap=veth0" \
	"${NOBODY[@]}" "$VMTAP" exec --socket "$SOCK" --nic macvtap=veth0,mode=tun -- /bin/true
expect_failure "a macvtap without vmtapd (the helper)" \
	"macvtap NICs are granted only by vmtapd's policy" \
	"${NOBODY[@]}" "$VMTAP" exec --socket /run/vmtap/none.sock \
	--nic macvtap=veth0,vhost=off -- /bin/true
# A monitor that greets and takes capabilities, as QEMU's does: hotplug gets
# as far as asking for the macvtap, with no vmtapd to ask.
"$PY" - "$WORK/fake.qmp" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o777)
s.listen(1)
c, _ = s.accept()
c.sendall(b'{"QMP": {"version": {"qemu": {"major": 7, "minor": 2, "micro": 0}}, "capabilities": []}}\r\n')
c.recv(4096)
c.sendall(b'{"return": {}}\r\n')
c.recv(4096)
PY
QMPD=$!
for _ in $(seq 200); do [ -S "$WORK/fake.qmp" ] && break; sleep 0.05; done
# As root: root could make one, but nobody would delete it.
expect_failure "vmtap hotplug of a macvtap without vmtapd (root)" \
	"macvtap=veth0: needs vmtapd, which deletes the macvtap when QEMU exits (none answers at /run/vmtap/none.sock)" \
	"$VMTAP" hotplug --socket /run/vmtap/none.sock --qmp "$WORK/fake.qmp" --nic macvtap=veth0
kill "$QMPD" 2>/dev/null || true
wait "$QMPD" 2>/dev/null || true
# macvtap with netns= (tests/integration/test_netns.sh has the rest): the
# policy's rule for a namespace nobody did not make (its own is the
# sandbox's), and root's exec without vmtapd; nothing made in either.
PEER_LINKS=$(nsenter -t "$PEER" -n ip -o link show | cut -d: -f2 | tr -d ' \n')
expect_failure "macvtap with netns: nobody, a namespace it did not make" "not uid 65534" \
	"${NOBODY[@]}" "$VMTAP" exec --socket "$SOCK" \
	--nic macvtap=veth0,netns=/proc/self/ns/net,vhost=off -- /bin/true
expect_failure "macvtap with netns as root without vmtapd (exec)" \
	"macvtap NICs are granted only by vmtapd's policy" \
	"$VMTAP" exec --socket /run/vmtap/none.sock \
	--nic "macvtap=veth1,netns=/proc/$PEER/ns/net,vhost=off" -- /bin/true
check "nothing made in the other namespace" \
	test "$(nsenter -t "$PEER" -n ip -o link show | cut -d: -f2 | tr -d ' \n')" = "$PEER_LINKS"
check "nothing left" test "$(links)" = "$START"
check "nothing left under /dev" bash -c '! ls -d /dev/.vmtap-* 2>/dev/null'

# ---- a persistent macvtap (vmtap create as root), list, delete ----------
check "create mvp0 --macvtap veth0 --mode vepa exits 0" \
	"$VMTAP" create mvp0 --macvtap veth0 --mode vepa --mac 52:54:00:aa:00:05
check "the kernel has it: a vepa macvtap on veth0 with that MAC" \
	bash -c "ip -d link show mvp0 | grep -q 'macvtap mode vepa' &&
		test \$(cat /sys/class/net/mvp0/address) = 52:54:00:aa:00:05"
check "list shows it: MODE vepa, BRIDGE macvtap:veth0, VMTAP yes" \
	bash -c "'$VMTAP' list | grep -E -q '^mvp0 +vepa +no +- +- +macvtap:veth0 +[a-z-]+ +yes '"
check "list --json: mode vepa, macvtap veth0, persist" \
	bash -c "'$VMTAP' list --json | grep -A3 '\"name\": \"mvp0\"' | tr -d ' \n' |
		grep -q '\"mode\":\"vepa\",\"macvtap\":\"veth0\",'"
expect_failure "delete of a macvtap vmtap did not make" "was not made by vmtap" \
	"$VMTAP" delete mvother
check "delete mvp0 exits 0 and it is gone" \
	bash -c "'$VMTAP' delete mvp0 && ! ip link show mvp0 2>/dev/null"
expect_failure "create with both a bridge and a macvtap" "a NIC is a macvtap on a parent or a tap" \
	"$VMTAP" create mvp1 --macvtap veth0 --bridge veth2
expect_failure "create-persistent of a macvtap through vmtapd" \
	"create-persistent: macvtap=veth0 is not offered by vmtapd" \
	"${NOBODY[@]}" "$VMTAP" create mvp1 --macvtap veth0 --socket "$SOCK"

kill "$DPID"
wait "$DPID" || true
exit "$failed"
