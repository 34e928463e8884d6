#!/usr/bin/env bash
# test_doctor.sh — `vmtap doctor` tells the truth about this machine.
#
# Runs as root in its own sandbox (tests/lib/sandbox.sh: private network
# namespace, /etc and /run overlays), so the bridges, policy files and
# sockets it sets up for doctor to find are the sandbox's alone.  Checks:
#   - /dev/vhost-net: reported as it is; when missing (as on the machines
#     that build vmtap), as warn with a fix naming vhost_net and
#     CONFIG_VHOST_NET, and --vhost-selftest fails with one line naming
#     the device, leaving nothing behind; when present, the self-test runs;
#   - tun and its features, the default qdisc, as the kernel says;
#   - bridges with port count, MTU, up/down and the ACL's verdict;
#   - a VXLAN port on a bridge: its VNI and state, learning on (device and
#     port) and neigh_suppress, MTU headroom against the underlay found by
#     the local address, FRR absent / not answering / without the VNI, each
#     with a fix, and the fixes as given clear the warnings;
#   - the ACL and vmtapd's policy: missing, fine, writable by others, not
#     root-owned, malformed; the exit status is 1 exactly when one fails;
#   - vmtapd's socket: absent, answering, stale;
#   - the helper: missing, plain, setuid root, file capability, writable;
#   - vmtapd's policy through vmtapd's own parser (a limit it does not
#     know, an unknown user: fail); the fix for a stopped vmtapd works
#     without systemd too;
#   - broker mode (a real vmtapd on the helper's socket): doctor says it is
#     on and judges bridges by vmtapd's policy; --user NAME reports the
#     policy that applies to NAME and its grants, and its bandwidth
#     maximum and default each way; the setuid helper's
#     refusal names vmtapd's policy; /etc/vmtap/no-broker turns it off
#     (then bridge.conf decides, and doctor says so); an untrustworthy
#     no-broker file is refused with its fix;
#   - causes first: a bridge that does not exist is reported as missing,
#     not as refused;
#   - --json is valid JSON with the same checks; bad options are one line.
# Exit: 0 pass, 77 skipped, anything else fail.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# The build under test: $B (tests/run passes it; build/asan for the
# sanitizer run), relative to the top of the tree or absolute.
B=$(cd "$REPO" && readlink -m -- "${B:-build}")
NAME=doctor
VMTAP=$B/vmtap
HELPER=$B/vmtap-bridge-helper
. "$REPO/tests/lib/sandbox.sh"
. "$REPO/tests/lib/testlib.sh"

if ! sandbox_inside; then
	[ "$(id -u)" -eq 0 ] || skip "needs root (bridges and policy files in a sandbox)"
	[ -x "$VMTAP" ] || { echo "FAIL: $NAME: no $VMTAP (run make first)"; exit 1; }
	for t in jq python3 setcap; do
		command -v "$t" >/dev/null || skip "$t is not installed (make deps)"
	done
	sandbox_enter "$0" "$@"
fi

# check LABEL COMMAND... — PASS/FAIL on the command's status.

OUT=$SANDBOX_DIR/out ERR=$SANDBOX_DIR/err
# doctor ARGS... — run it; output in $OUT/$ERR, status in $rc.
doctor() {
	rc=0
	"$VMTAP" doctor "$@" >"$OUT" 2>"$ERR" || rc=$?
}
# The line of check NAME ("ok    NAME  ..."), and the fix under it.
line_of() { grep -E "^(ok|warn|fail) +$1 " "$OUT" | head -n 1; }
fix_of() { grep -A1 -E "^(ok|warn|fail) +$1 " "$OUT" | sed -n 's/^      fix: //p' | head -n 1; }
has() { [[ "$(line_of "$1")" =~ $2 ]]; }
jq_ok() { jq -e "$@" >/dev/null; }

sandbox_private_run
rm -f /etc/qemu/bridge.conf /etc/vmtap/vmtapd.conf

# ---- the machine as it is ---------------------------------------------------

doctor
check "runs, exit 0 when nothing fails (warnings only)" test "$rc" -eq 0
check "prints nothing on stderr" test ! -s "$ERR"
check "says which kernel" grep -qx "vmtap doctor: kernel $(uname -r)" "$OUT"
check "tun features ok (IFF_VNET_HDR, IFF_MULTI_QUEUE)" has "tun features" '^ok .*IFF_VNET_HDR, IFF_MULTI_QUEUE'
mode=$(stat -c %a /dev/net/tun)
if [ "$((8#$mode & 8#006))" -eq 6 ]; then
	check "/dev/net/tun $mode reported ok" has tun '^ok '
else
	check "/dev/net/tun $mode (not for everyone) reported as warn" has tun '^warn .*only root'
	check "... with a fix" test -n "$(fix_of tun)"
fi
if [ -e /dev/vhost-net ]; then
	check "/dev/vhost-net present: VHOST_GET_FEATURES answered" has "vhost features" '^ok .*MRG_RXBUF'
else
	check "/dev/vhost-net missing: reported as warn" has vhost-net '^warn +vhost-net +/dev/vhost-net: No such file'
	check "... with the fix naming vhost_net and CONFIG_VHOST_NET" \
		bash -c '[[ "$1" == *vhost_net* && "$1" == *CONFIG_VHOST_NET* ]]' _ "$(fix_of vhost-net)"
fi
check "no bridge in a fresh namespace: warn, with how to make one" has bridges '^warn .*no bridge'
check "... fix says ip link add" bash -c '[[ "$1" == "ip link add br0 type bridge"* ]]' _ "$(fix_of bridges)"
# net.core.default_qdisc is global and shown only in the initial network
# namespace; the sandbox has one of its own.
if [ -e /proc/sys/net/core/default_qdisc ]; then
	q=$(cat /proc/sys/net/core/default_qdisc)
	check "qdisc: net.core.default_qdisc ($q) and noqueue" has qdisc "^ok .*default_qdisc = $q; vmtap gives its taps root qdisc noqueue"
else
	check "qdisc: default_qdisc not visible here, and noqueue" has qdisc "^ok .*not visible in this network namespace; vmtap gives its taps root qdisc noqueue"
fi
check "missing ACL: warn" has acl '^warn .*missing'
check "no vmtapd policy: ok (not set up)" has "vmtapd policy" '^ok .*absent'
check "no vmtapd socket: ok (the helper is used)" has "vmtapd socket" '^ok .*not running'
check "the build tree's helper is found and is not privileged: warn" has helper "^warn .*$HELPER .*neither setuid"
check "summary line counts every check" \
	test "$(grep -cE '^(ok|warn|fail)  ' "$OUT")" -eq "$(($(sed -n 's/^summary: \([0-9]*\) ok, \([0-9]*\) warn, \([0-9]*\) fail$/\1+\2+\3/p' "$OUT")))"

# ---- the vhost self-test ------------------------------------------------------

before=$(links)
doctor --vhost-selftest
if [ -e /dev/vhost-net ]; then
	check "--vhost-selftest with /dev/vhost-net: tx ok, rx ok" grep -qx 'vhost-selftest: tx ok, rx ok' "$OUT"
else
	check "--vhost-selftest without /dev/vhost-net: exit 1" test "$rc" -eq 1
	check "... one line naming the device and the fix" \
		test "$(grep -c '^vhost-selftest:' "$OUT")" -eq 1 -a \
		"$(grep -c '^vhost-selftest: FAILED: vhost self-test: /dev/vhost-net is missing; .*CONFIG_VHOST_NET' "$OUT")" -eq 1
	check "... never claims success" bash -c '! grep -q "tx ok, rx ok" "$1"' _ "$OUT"
fi
check "--vhost-selftest leaves no interface behind" test "$(links)" = "$before"

# ---- bridges and the ACL ------------------------------------------------------

sandbox_bridge br0 192.0.2.1/24
ip link add vd0 type veth peer name vd1
ip link set dev vd0 master br0
ip link add vd2 type veth peer name vd3
ip link set dev vd2 master br0
ip link add br1 type bridge
ip link set dev br1 mtu 1400
sandbox_acl "allow br0"
doctor
check "bridge br0: 2 ports, MTU 1500, up, allowed by the ACL" has "bridge br0" '^ok .*br0: 2 ports, MTU 1500, up, allowed by the ACL$'
check "bridge br1 (down): warn with ip link set br1 up" has "bridge br1" '^warn .*br1: 0 ports, MTU 1400, down, not allowed by the ACL$'
check "... fix: ip link set br1 up" test "$(fix_of "bridge br1")" = "ip link set br1 up"
check "good ACL: ok" has acl '^ok .*/etc/qemu/bridge.conf: root-owned, not writable by others, parses'
check "exit 0 with warnings only" test "$rc" -eq 0

chmod 0664 /etc/qemu/bridge.conf
doctor
check "group-writable ACL: fail, exit 1" bash -c '[[ "$1" =~ ^fail\ .*writable\ by\ group ]] && [ "$2" -eq 1 ]' _ "$(line_of acl)" "$rc"
check "... fix: chmod go-w" test "$(fix_of acl)" = "chmod go-w /etc/qemu/bridge.conf"
chmod 0644 /etc/qemu/bridge.conf
chown 65534 /etc/qemu/bridge.conf
doctor
check "ACL not owned by root: fail" has acl '^fail .*not owned by root'
check "... fix: chown root:root" test "$(fix_of acl)" = "chown root:root /etc/qemu/bridge.conf"
sandbox_acl "allow br0" "allow"
doctor
check "malformed ACL: fail naming file:line" has acl '^fail .*/etc/qemu/bridge.conf:2'
check "... exit 1" test "$rc" -eq 1
sandbox_acl "allow br0"

# ---- the overlay: a VXLAN port on a bridge (no FRR needed) -----------------------

# An underlay holding the VTEP address, and VNI 100 as examples/evpn's
# host-setup.sh makes it but for what is being checked.
ip link add ul0 mtu 1500 type veth peer name ul1
ip addr add 198.51.100.1/30 dev ul0
ip link set ul0 up
ip link add br100 type bridge
ip link add vx100 type vxlan id 100 local 198.51.100.1 dstport 4789
ip link set vx100 master br100
ip link set br100 up
nobin=$SANDBOX_DIR/nobin
mkdir -p "$nobin"
# doctor looks for vtysh in PATH; a PATH without it is a host without FRR.
PATH=$nobin doctor
check "vxlan: VNI 100 on br100, local address, down: warn" has "vxlan vx100" '^warn .*vx100: VNI 100 on bridge br100, local 198.51.100.1, UDP port 4789, down'
check "... fix: ip link set vx100 up" test "$(fix_of "vxlan vx100")" = "ip link set vx100 up"
check "vxlan learning on (device and port): warn" has "vxlan vx100 learning" '^warn .*the VXLAN device and its bridge port learn remote MACs.*neigh_suppress off'
check "... fix: nolearning, learning off, neigh_suppress on" test "$(fix_of "vxlan vx100 learning")" = \
	"ip link set vx100 type vxlan nolearning && bridge link set dev vx100 learning off neigh_suppress on"
check "vxlan MTU: underlay ul0 (found by the local address) 1500 for a 1500 bridge: warn" has "vxlan vx100 mtu" '^warn .*bridge br100 MTU 1500, vx100 MTU 1500, underlay ul0 MTU 1500: 0 bytes of headroom where VXLAN needs 50'
check "... fix: ul0 to 1550, or 1450 for the guests" bash -c '[[ "$1" == "ip link set ul0 mtu 1550 "*"ip link set vx100 mtu 1450 && ip link set br100 mtu 1450" ]]' _ "$(fix_of "vxlan vx100 mtu")"
check "no vtysh: evpn warn, NICs work locally, flooding" has evpn '^warn .*no vtysh in PATH: .*learn their MACs by flooding'
check "a VXLAN port changes no exit status (warnings only)" test "$rc" -eq 0
# The fixes doctor gave, applied as given.
eval "$(fix_of "vxlan vx100")"
eval "$(fix_of "vxlan vx100 learning")"
ip link set ul0 mtu 1550
# A vtysh that cannot reach FRR (as on a host where FRR is installed but not
# running): a stand-in, since a real vtysh's failure needs a daemon this
# test does not start (tests/e2e/test_evpn.sh runs FRR for real).
printf '#!/bin/sh\necho "Exiting: failed to connect to any daemons." >&2\nexit 1\n' >"$nobin/vtysh"
chmod 0755 "$nobin/vtysh"
PATH=$nobin doctor
check "after the fixes: vxlan up ok" has "vxlan vx100" '^ok .*VNI 100 on bridge br100, .*, up$'
check "after the fixes: learning off, neigh_suppress on: ok" has "vxlan vx100 learning" '^ok .*learning off \(device and bridge port\).*neigh_suppress on$'
check "after the fixes: 50 bytes of headroom: ok" has "vxlan vx100 mtu" '^ok .*underlay ul0 MTU 1550: 50 bytes of headroom, VXLAN needs 50$'
check "vtysh that fails: evpn warn, FRR does not answer" has evpn "^warn .*$nobin/vtysh -c 'show evpn vni' failed as uid 0: FRR does not answer"
# FRR that answers but was not told advertise-all-vni knows no VNI.
printf '#!/bin/sh\necho "{}"\n' >"$nobin/vtysh"
PATH=$nobin doctor --json
check "--json: FRR without VNI 100: warn naming advertise-all-vni" \
	jq_ok '.checks[] | select(.name == "evpn") | .status == "warn" and (.detail | test("does not know VNI 100")) and (.fix | test("advertise-all-vni"))' "$OUT"
check "--json: the overlay checks are there" \
	jq_ok '[.checks[] | select(.name | startswith("vxlan vx100"))] | length == 3' "$OUT"
ip link del vx100
ip link del br100
ip link del ul0

# ---- vmtapd: policy file and socket -------------------------------------------

mkdir -p /etc/vmtap
printf '# vmtapd policy\n' >/etc/vmtap/vmtapd.conf
chmod 0644 /etc/vmtap/vmtapd.conf
doctor
check "vmtapd policy root-owned 0644: ok" has "vmtapd policy" '^ok .*root-owned'
check "policy but no socket: warn, vmtapd not running" has "vmtapd socket" '^warn .*configured but not running'
chmod 0666 /etc/vmtap/vmtapd.conf
doctor
check "world-writable vmtapd policy: fail" has "vmtapd policy" '^fail .*writable by group or others'
chmod 0644 /etc/vmtap/vmtapd.conf

sock=/run/vmtap/vmtapd.sock
ready=$SANDBOX_DIR/listening
python3 -c '
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(4)
open(sys.argv[2], "w").close()
time.sleep(300)
' "$sock" "$ready" &
listener=$!
while [ ! -e "$ready" ] && kill -0 "$listener" 2>/dev/null; do sleep 0.1; done
doctor
check "a socket that answers: ok" has "vmtapd socket" "^ok .*$sock answers"
kill "$listener"
wait "$listener" 2>/dev/null || true
# The socket file outlives its listener: connect() is refused.
doctor
check "a stale socket: warn" has "vmtapd socket" "^warn .*$sock exists but nothing listens"
rm -f "$sock"

# ---- the helper -----------------------------------------------------------------

doctor --helper /nonexistent/vmtap-bridge-helper
check "missing helper: fail, exit 1" bash -c '[[ "$1" =~ ^fail\ .*/nonexistent/vmtap-bridge-helper:\ No\ such\ file ]] && [ "$2" -eq 1 ]' _ "$(line_of helper)" "$rc"
hdir=$SANDBOX_DIR/helpers
sandbox_tmpfs "$hdir"
install -m 4755 "$HELPER" "$hdir/setuid"
install -m 0755 "$HELPER" "$hdir/filecap"
setcap cap_net_admin+ep "$hdir/filecap"
install -m 0775 "$HELPER" "$hdir/writable"
doctor --helper "$hdir/setuid"
check "setuid root helper: ok" has helper "^ok .*$hdir/setuid \(-rwsr-xr-x root:root\): setuid root"
check "... and tun is then ok for it" has tun '^ok '
doctor --helper "$hdir/filecap"
check "helper with cap_net_admin+ep: ok" has helper "^ok .*file capability cap_net_admin\+ep"
doctor --helper "$hdir/writable"
check "group-writable helper: fail" has helper '^fail .*writable by group or others'

# ---- vmtapd's policy, as vmtapd parses it ----------------------------------------

printf '%s\n' "allow br0" "limit frobs 3" >/etc/vmtap/vmtapd.conf
doctor
check "vmtapd policy with a limit vmtapd does not know: fail naming the line" \
	has "vmtapd policy" '^fail .*/etc/vmtap/vmtapd.conf:2'
check "... exit 1" test "$rc" -eq 1
printf '%s\n' "allow br0 user no-such-user-here" >/etc/vmtap/vmtapd.conf
doctor
check "vmtapd policy naming an unknown user: fail" has "vmtapd policy" '^fail .*no-such-user-here'
printf '%s\n' "allow br1 user nobody" "allow gone0 user nobody" \
	"limit inbound 100mbit user nobody" "default inbound 10mbit:20mbit user nobody" \
	"limit outbound 1gbit group root" >/etc/vmtap/vmtapd.conf
doctor
check "a policy vmtapd takes: ok, parsed as vmtapd reads it" \
	has "vmtapd policy" '^ok .*parses as vmtapd reads it'
check "vmtapd not running: the fix works without systemd too" \
	bash -c '[[ "$1" == *"systemctl start vmtapd"*"without systemd"*vmtapd* ]]' _ "$(fix_of "vmtapd socket")"
check "no vmtapd: broker mode is not claimed" test -z "$(line_of "broker mode")"
check "no vmtapd: the policy that applies is bridge.conf's" \
	has policy "^ok +policy +uid 0 \(root\): /etc/qemu/bridge.conf applies .*: br0 \(untagged\)$"

# ---- broker mode -----------------------------------------------------------------
# A real vmtapd on the socket the helper relays to, and the setuid helper
# run by nobody (through vmtap exec, as a user would).
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
RUNDIR=/run/truth
sandbox_tmpfs "$RUNDIR"
install -m 04755 -o root -g root "$HELPER" "$RUNDIR/helper"
"$B/vmtapd" --foreground --socket "$sock" --config /etc/vmtap/vmtapd.conf 2>"$SANDBOX_DIR/vmtapd.log" &
dpid=$!
trap 'kill $dpid 2>/dev/null || true' EXIT
for _ in $(seq 200); do [ -S "$sock" ] && break; sleep 0.05; done
# helper_as_nobody BRIDGE — the setuid helper's verdict, in $OUT/$ERR, $rc.
helper_as_nobody() {
	rc=0
	"${NOBODY[@]}" "$VMTAP" exec --socket /run/vmtap/none.sock --helper "$RUNDIR/helper" \
		--nic "$1,vhost=off" -- /bin/true >"$OUT" 2>"$ERR" || rc=$?
}

doctor
check "vmtapd answers: broker mode on, bridge.conf does not apply" \
	has "broker mode" "^ok .*on: vmtapd answers on $sock.*/etc/qemu/bridge.conf does not apply"
check "broker mode: the policy that applies is vmtapd's (root: granted nothing)" \
	has policy '^warn +policy +uid 0 \(root\): vmtapd.s policy /etc/vmtap/vmtapd.conf applies \(broker mode'
check "broker mode: bridge br0 judged by vmtapd's policy, not the ACL" \
	has "bridge br0" "not allowed for uid 0 \(root\) by vmtapd's policy \(broker mode\)$"
doctor --user nobody
check "--user nobody: vmtapd's policy grants br1" \
	has policy '^ok +policy +uid 65534 \(nobody\): vmtapd.s policy /etc/vmtap/vmtapd.conf applies .*: br1 \(untagged\), gone0 \(untagged\)$'
check "--user nobody: bridge br1 allowed by vmtapd's policy" \
	has "bridge br1" ", allowed for uid 65534 \(nobody\) by vmtapd's policy \(broker mode\)$"
check "--user nobody: its bandwidth by vmtapd's policy, each way (root's group rule is not its)" \
	has bandwidth '^ok +bandwidth +uid 65534 \(nobody\): by vmtapd.s policy /etc/vmtap/vmtapd.conf, inbound \(to the guest\) at most 100mbit, 10mbit:20mbit when a NIC asks for none; outbound \(from the guest\) no limit$'
check "--user nobody --json: the bandwidth check is there" \
	bash -c '"$1" doctor --json --user nobody | jq -e "[.checks[] | select(.name == \"bandwidth\" and .status == \"ok\")] | length == 1" >/dev/null' _ "$VMTAP"
doctor
check "root: nobody's rules are not its; its group's outbound maximum is" \
	has bandwidth '^ok +bandwidth +uid 0 \(root\): .*inbound \(to the guest\) no limit; outbound \(from the guest\) at most 1gbit, 1gbit when a NIC asks for none$'
doctor --user no-such-user-here
check "--user with an unknown name: fail naming it" has policy '^fail .*no-such-user-here: no such user'

helper_as_nobody br0
check "broker mode: the helper refuses br0 (bridge.conf allows it, vmtapd's policy does not)" test "$rc" -ne 0
check "... and says vmtapd's policy refused it, in broker mode" \
	grep -q "refused by vmtapd's policy (broker mode): .*br0.*/etc/vmtap/vmtapd.conf.*/etc/vmtap/no-broker turns broker mode off" "$ERR"
helper_as_nobody br1
check "broker mode: br1, which vmtapd's policy grants nobody, works" test "$rc" -eq 0
# Through vmtapd the policy comes first: only a caller it would allow
# learns that a bridge is missing.
helper_as_nobody gone0
check "broker mode: a granted bridge that does not exist: reported as missing" \
	bash -c '[ "$1" -ne 0 ] && grep -q "bridge gone0 does not exist" "$2"' _ "$rc" "$ERR"
helper_as_nobody gone1
check "broker mode: a missing bridge the policy does not grant: refused, its existence not told" \
	bash -c '[ "$1" -ne 0 ] && grep -q "refused by vmtapd.s policy (broker mode): bridge gone1 is not allowed" "$2" && ! grep -q "does not exist" "$2"' _ "$rc" "$ERR"

touch /etc/vmtap/no-broker
doctor
check "no-broker: doctor says broker mode is off, bridge.conf decides" \
	has "broker mode" "^ok .*off \(/etc/vmtap/no-broker exists\): vmtap-bridge-helper decides by /etc/qemu/bridge.conf"
check "no-broker: bridges judged by the ACL again" has "bridge br0" 'allowed by the ACL$'
helper_as_nobody br0
check "no-broker: the helper gives nobody br0, as bridge.conf allows" test "$rc" -eq 0
helper_as_nobody br1
check "no-broker: br1 refused by bridge.conf, which says so" \
	grep -q "bridge br1 is not allowed for uid 65534 by /etc/qemu/bridge.conf" "$ERR"
helper_as_nobody nosuchbr0
check "a bridge that does not exist: reported as missing, not as refused" \
	bash -c '[ "$1" -ne 0 ] && grep -q "bridge nosuchbr0 does not exist (ip link add nosuchbr0 type bridge" "$2" && ! grep -q "not allowed" "$2"' _ "$rc" "$ERR"
chmod 0666 /etc/vmtap/no-broker
helper_as_nobody br0
check "a no-broker file others may write: refused, with the fix" \
	bash -c '[ "$1" -ne 0 ] && grep -q "/etc/vmtap/no-broker: is writable by group or others.*chmod go-w /etc/vmtap/no-broker" "$2"' _ "$rc" "$ERR"
doctor
check "... and doctor fails it" has "broker mode" '^fail .*no-broker'
rm -f /etc/vmtap/no-broker
kill "$dpid"
wait "$dpid" 2>/dev/null || true
trap - EXIT
rm -f "$sock"

# ---- --json --------------------------------------------------------------------

doctor --json
check "--json: valid JSON" jq_ok . "$OUT"
check "--json: every check has name, status, detail" \
	jq_ok '.checks | length > 5 and all(.name and (.status | IN("ok","warn","fail")) and .detail)' "$OUT"
check "--json: summary adds up" \
	jq_ok '.summary.ok + .summary.warn + .summary.fail == (.checks | length)' "$OUT"
check "--json: vhost-net as in the text report" \
	jq_ok --arg s "$([ -e /dev/vhost-net ] && echo ok || echo warn)" \
	'.checks[] | select(.name == "vhost-net") | .status == $s' "$OUT"
check "--json: bridge br0 with its ports" \
	jq_ok '.checks[] | select(.name == "bridge br0") | .detail | test("2 ports")' "$OUT"
doctor --json --vhost-selftest
check "--json --vhost-selftest: valid JSON with the self-test" \
	jq_ok '.vhost_selftest | has("status") and has("tx") and has("rx")' "$OUT"
if [ ! -e /dev/vhost-net ]; then
	check "--json --vhost-selftest without vhost-net: fail with the error, exit 1" \
		bash -c 'jq -e ".vhost_selftest.status == \"fail\" and (.vhost_selftest.error | test(\"/dev/vhost-net\"))" "$1" >/dev/null && [ "$2" -eq 1 ]' _ "$OUT" "$rc"
fi

# ---- bad command lines, an unprivileged caller -------------------------------

doctor --frobnicate
check "unknown option: exit 2, one line naming it" \
	bash -c '[ "$1" -eq 2 ] && [ "$(wc -l <"$2")" -eq 1 ] && grep -q -- "--frobnicate" "$2" && [ ! -s "$3" ]' _ "$rc" "$ERR" "$OUT"
doctor --helper
check "--helper without a value: exit 2" test "$rc" -eq 2

rc=0
setpriv --reuid=65534 --regid=65534 --clear-groups -- "$VMTAP" doctor >"$OUT" 2>"$ERR" || rc=$?
check "as nobody: runs (exit 0 or 1), nothing on stderr" bash -c '[ "$1" -le 1 ] && [ ! -s "$2" ]' _ "$rc" "$ERR"
if [ "$((8#$mode & 8#006))" -ne 6 ]; then
	check "as nobody: cannot open /dev/net/tun, says so" has "tun features" '^warn .*as uid 65534'
fi

exit "$failed"
