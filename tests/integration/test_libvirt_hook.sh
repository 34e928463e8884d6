#!/usr/bin/env bash
# test_libvirt_hook.sh — `vmtap libvirt-hook` against domain XML files
# (tests/integration/libvirt-hook/), as libvirt runs it: DOMAIN OP SUBOP
# EXTRA, the XML on stdin.  In a sandbox of its own (tests/lib/sandbox.sh).
#   - prepare begin with metadata: the declared ports appear as persistent
#     taps (queues, MAC, MTU, bridge, owner), nothing else does; again:
#     still fine (idempotent); release end: they vanish; again: fine
#   - tenant networks: isolated='on' mac_lock='on' in the metadata make the
#     port isolated and locked with the interface's <mac address> a static
#     FDB entry; release takes both; vlan= on this bridge (no VLAN
#     filtering) is refused, nothing left
#   - without metadata: nothing; other operations: nothing, exit 0, even
#     on malformed XML
#   - malformed XML, a DOCTYPE, an oversized document, an interface of
#     another type, a port with no interface, managed not 'no', bad queues,
#     a bad name, a second port failing: one line, non-zero, nothing left
#   - bandwidth: the interface's <bandwidth> becomes a tbf root qdisc (and
#     an ingress policer, or the refusal naming CONFIG_NET_ACT_POLICE)
#   - a tap of a declared name that vmtap did not make: prepare refuses it,
#     release leaves it
#   - squatting (issue 11): vmtap's tap of a declared name, owned by nobody
#     (as vmtapd makes one for its client), with a queue nobody holds:
#     prepare --owner 2000 refuses it and changes nothing, and still does
#     once nobody lets go; prepare --owner nobody reuses it
#   - a port on an uplink (macvtap='up0' mode='vepa', a veth here): prepare
#     makes a persistent macvtap with the interface's <mac address> (the
#     guest's), marked vmtap, no owner whatever --owner says; release
#     deletes it; prepare again while it exists is refused (not reused, as
#     a tap is).  Refused, nothing left: a second macvtap with the first's
#     MAC (the first is deleted again), mode='tun' on a port
#   - examples/libvirt/install-hook.sh installs a hook that does the same
#     with examples/libvirt/domain.xml
# Exit: 0 pass, 77 skipped, anything else fail.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# The build under test: $B (tests/run passes it; build/asan for the
# sanitizer run), relative to the top of the tree or absolute.
B=$(cd "$REPO" && readlink -m -- "${B:-build}")
NAME=libvirt_hook
VMTAP=$B/vmtap
XML=$REPO/tests/integration/libvirt-hook
. "$REPO/tests/lib/sandbox.sh"
. "$REPO/tests/lib/testlib.sh"

if ! sandbox_inside; then
	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, taps)"
	[ -x "$VMTAP" ] || { echo "FAIL: $NAME: no $VMTAP (run make first)"; exit 1; }
	command -v jq >/dev/null || skip "jq is not installed (make deps)"
	[ -x /usr/bin/python3 ] || skip "/usr/bin/python3 is not installed (make deps)"
	sandbox_enter "$0" "$@"
fi


kfield() { ip -d -j link show dev "$1" | jq -r ".[0]$2"; }
hook() { # XML OP SUBOP [OPTIONS...] — as libvirt runs it
	local xml=$1 op=$2 sub=$3; shift 3
	"$VMTAP" libvirt-hook "$@" dom "$op" "$sub" - <"$xml"
}

sandbox_bridge br0 192.0.2.1/25
sandbox_bridge br1 192.0.2.129/25 1500
base=$(links)

# ---- prepare / release with metadata --------------------------------------
check "prepare begin (two ports, --owner nobody) exits 0" \
	hook "$XML/two-ports.xml" prepare begin --owner nobody
check "vh0 and vh1 exist, nothing else was made" test "$(links)" = "br0 br1 lo vh0 vh1 "
check "vh0: persistent tap, multi_queue (<driver queues='2'/>)" \
	test "$(kfield vh0 '.linkinfo.info_data | "\(.type) \(.persist) \(.multi_queue)"')" = "tap true true"
check "vh0: on br0, MTU 1400 (<mtu size>), MAC fe + the guest's last five bytes" \
	test "$(kfield vh0 '| "\(.master) \(.mtu) \(.address)"')" = "br0 1400 fe:54:00:aa:bb:01"
check "vh0: owned by nobody (--owner)" test "$(cat /sys/class/net/vh0/owner)" = 65534
check "vh0: alias vmtap" test "$(kfield vh0 .ifalias)" = vmtap
check "vh1: single queue on br1 with br1's MTU" \
	test "$(kfield vh1 '| "\(.linkinfo.info_data.multi_queue) \(.master) \(.mtu)"')" = "false br1 1500"
check "prepare begin again: exit 0 (the taps are reused)" \
	hook "$XML/two-ports.xml" prepare begin --owner nobody
check "  same taps, same MAC" \
	test "$(links) $(kfield vh0 .address)" = "br0 br1 lo vh0 vh1  fe:54:00:aa:bb:01"
for op in "start begin" "started begin" "stopped end" "migrate begin" "reconnect begin" "release begin"; do
	check "$op: exit 0, nothing changes" hook "$XML/two-ports.xml" $op
done
check "  the taps are still there" test "$(links)" = "br0 br1 lo vh0 vh1 "
check "release end exits 0" hook "$XML/two-ports.xml" release end
check "  vh0 and vh1 are gone" test "$(links)" = "$base"
check "release end again (nothing to delete): exit 0" hook "$XML/two-ports.xml" release end

# ---- tenant networks: the metadata's fields, the interface's guest MAC ------
check "prepare begin (isolated, mac_lock) exits 0" hook "$XML/tenant.xml" prepare begin
check "vh5: isolated, locked, learning off" \
	test "$(bridge -d -j link show dev vh5 | jq -r '.[0] | "\(.isolated) \(.locked) \(.learning)"')" \
	= "true true false"
check "vh5: <mac address> is a static FDB entry on it" \
	test "$(bridge -j fdb show br br0 | jq -r '.[] | select(.mac == "52:54:00:aa:bb:05") | "\(.ifname) \(.state)"')" \
	= "vh5 static"
check "vh5: its MAC is fe + the guest's last five bytes" \
	test "$(kfield vh5 .address)" = fe:54:00:aa:bb:05
check "release end (tenant) exits 0" hook "$XML/tenant.xml" release end
check "  vh5 is gone" test "$(links)" = "$base"
check "  and its FDB entry" bash -c "! bridge fdb show br br0 | grep -q 52:54:00:aa:bb:05"

# ---- bandwidth: the interface's own <bandwidth> (KiB/s, KiB) ---------------------
check "prepare begin (<bandwidth> inbound) exits 0" hook "$XML/bandwidth.xml" prepare begin
check "vh6: root qdisc tbf at 1250 KiB/s (10240kbit), peak 2500 KiB/s, burst 64 KiB" \
	bash -c "tc qdisc show dev vh6 | grep -q 'qdisc tbf 1: root .*rate 10240Kbit burst 64Kb peakrate 20480Kbit'"
check "release end (bandwidth) exits 0" hook "$XML/bandwidth.xml" release end
check "  vh6 is gone" test "$(links)" = "$base"
# Outbound: an ingress policer where the kernel has the police action,
# else a redirect to the tap's IFB (which release deletes with the tap),
# else refused naming the options, with nothing left.
if out=$(hook "$XML/bandwidth-out.xml" prepare begin 2>&1); then
	check "vh7: an ingress policer or a redirect to its IFB" \
		bash -c "tc filter show dev vh7 ingress | grep -Eq 'police|mirred'"
	check "release end (outbound) exits 0" hook "$XML/bandwidth-out.xml" release end
else
	check "outbound without police or ifb names CONFIG_NET_ACT_POLICE" \
		bash -c "echo \"\$1\" | grep -q CONFIG_NET_ACT_POLICE" _ "$out"
fi
check "  vh7 is gone, nothing left (no IFB either)" test "$(links)" = "$base"

# ---- a macvtap port on an uplink --------------------------------------------------
ip link add up0 type veth peer name up1
ip link set up0 up
check "prepare begin (a macvtap port, --owner nobody) exits 0" \
	hook "$XML/macvtap.xml" prepare begin --owner nobody
check "mvh0: a macvtap on up0, vepa, the guest's MAC, alias vmtap" \
	test "$(kfield mvh0 '| "\(.linkinfo.info_kind) \(.link) \(.linkinfo.info_data.mode) \(.address) \(.ifalias)"')" \
	= "macvtap up0 vepa 52:54:00:aa:cc:01 vmtap"
check "  vmtap list: macvtap up0, made by vmtap" \
	test "$("$VMTAP" list --json | jq -r '.[] | select(.name == "mvh0") | "\(.macvtap) \(.mode) \(.vmtap)"')" = "up0 vepa true"
# Not reused, unlike a tap: the kernel refuses the name (README).
expect_failure "prepare begin again: refused, the macvtap exists" \
	"port mvh0: cannot create macvtap mvh0 on up0: File exists" \
	hook "$XML/macvtap.xml" prepare begin --owner nobody
check "  mvh0 is still there" bash -c "ip link show dev mvh0 >/dev/null"
check "release end exits 0" hook "$XML/macvtap.xml" release end
check "  mvh0 is gone" bash -c "! ip link show dev mvh0 >/dev/null 2>&1"
expect_failure "a second macvtap with the first's MAC: the first is deleted again" \
	"port mvh1: " hook "$XML/macvtap-second-fails.xml" prepare begin
check "  no macvtap is left" test -z "$(ip -o link show type macvtap)"
expect_failure "mode='tun' on a port: refused before anything is made" \
	"port tn0: mode=\"tun\": libvirt opens a port as a tap" hook "$XML/macvtap-tun.xml" prepare begin
check "  no macvtap is left" test -z "$(ip -o link show type macvtap)"
ip link del up0
check "  nothing is left" test "$(links)" = "$base"

# ---- nothing declared, nothing done ----------------------------------------------
check "prepare begin without vmtap metadata: exit 0" hook "$XML/no-metadata.xml" prepare begin
check "  nothing made" test "$(links)" = "$base"
check "release end without vmtap metadata: exit 0" hook "$XML/no-metadata.xml" release end
check "start begin with malformed XML: exit 0 (not our operation)" \
	hook "$XML/malformed.xml" start begin

# ---- refusals: one line, non-zero, nothing left ----------------------------
expect_failure "malformed XML" "domain XML on stdin line 6:" \
	hook "$XML/malformed.xml" prepare begin
expect_failure "malformed XML on release" "expected well-formed domain XML" \
	hook "$XML/malformed.xml" release end
expect_failure "a DOCTYPE (entities)" "has a DOCTYPE" hook "$XML/doctype.xml" prepare begin
expect_failure "not a domain" "the root element is not <domain>" \
	bash -c "echo '<network/>' | '$VMTAP' libvirt-hook dom prepare begin -"
expect_failure "over 4 MiB of XML" "larger than 4 MiB" \
	bash -c "{ echo '<domain>'; head -c 5000000 /dev/zero | tr '\\0' ' '; echo '</domain>'; } | '$VMTAP' libvirt-hook dom prepare begin -"
expect_failure "an interface of another type" "its <interface> is type='bridge'; expected type='ethernet'" \
	hook "$XML/other-type.xml" prepare begin
expect_failure "a port with no interface (vh0 not made either)" \
	"metadata port vh9: no <interface> in <devices> has <target dev='vh9'/>" \
	hook "$XML/missing-interface.xml" prepare begin
expect_failure "managed not 'no'" "expected managed='no'" hook "$XML/managed-yes.xml" prepare begin
expect_failure "queues='0'" "<driver queues>: expected 1..64" hook "$XML/bad-queues.xml" prepare begin
expect_failure "a port name too long" "dev=\"vh0-much-too...\"" \
	hook "$XML/bad-port-name.xml" prepare begin
expect_failure "the second port's bridge is missing: the first is deleted again" \
	"port vh1: bridge br9 does not exist" hook "$XML/second-fails.xml" prepare begin
expect_failure "an unknown owner" "--owner nobody-here: no user \"nobody-here\"; expected a user name or a numeric uid" \
	hook "$XML/two-ports.xml" prepare begin --owner nobody-here
expect_failure "a VLAN on a bridge without VLAN filtering" "VLAN asked of bridge br0" \
	hook "$XML/tenant-vlan.xml" prepare begin
expect_failure "three arguments" "expected DOMAIN OP SUBOP EXTRA" \
	"$VMTAP" libvirt-hook dom prepare begin </dev/null
expect_failure "prepare without CAP_NET_ADMIN" "needs CAP_NET_ADMIN" \
	setpriv --reuid=65534 --regid=65534 --clear-groups -- \
	"$VMTAP" libvirt-hook dom prepare begin - <"$XML/two-ports.xml"

ip tuntap add dev vh0 mode tap
expect_failure "prepare over a tap vmtap did not make" "vmtap did not make it" \
	hook "$XML/two-ports.xml" prepare begin
expect_failure "release leaves a tap vmtap did not make" "was not made by vmtap" \
	hook "$XML/two-ports.xml" release end
ip link del dev vh0

# ---- a declared name squatted by another user ------------------------------------
# /dev/net/tun mode 0666, as Debian's udev makes it (a node of the
# sandbox's own on a tmpfs): nobody may attach to a tap it owns.
sandbox_tmpfs "$SANDBOX_DIR/dev"
mknod -m 0666 "$SANDBOX_DIR/dev/tun" c 10 200
mount --bind "$SANDBOX_DIR/dev/tun" /dev/net/tun
holder=
hold_start() { # NAME — nobody holds a queue of NAME until hold_stop
	local line=
	coproc HOLD { exec setpriv --reuid=65534 --regid=65534 --clear-groups -- \
		/usr/bin/python3 "$REPO/tests/integration/tun-hold.py" "$@" 2>&1; }
	holder=$HOLD_PID
	read -r line <&"${HOLD[0]}" || true
	[ "$line" = held ] || { echo "tun-hold: $line"; return 1; }
}
hold_stop() {
	[ -n "$holder" ] || return 0
	kill -TERM "$holder" 2>/dev/null || true
	wait "$holder" 2>/dev/null || true
	holder=
}
# What vmtapd's create-persistent makes for its client nobody.
"$VMTAP" create vh0 --bridge br0 --queues 2 --owner nobody
check "nobody attaches a queue of vh0" hold_start vh0
expect_failure "prepare --owner 2000 while nobody holds a queue of vh0" \
	"tap vh0 exists with 1 queue attached" hook "$XML/two-ports.xml" prepare begin --owner 2000
check "  vh0 is still nobody's" test "$(cat /sys/class/net/vh0/owner)" = 65534
hold_stop
expect_failure "prepare --owner 2000 once nobody has let go (the owner differs)" \
	"tap vh0 exists with owner uid 65534, no group, but owner uid 2000, no group was asked; vmtap does not hand a device to a new owner; delete it as root first (vmtap delete vh0)" \
	hook "$XML/two-ports.xml" prepare begin --owner 2000
check "  vh0 is still nobody's" test "$(cat /sys/class/net/vh0/owner)" = 65534
check "prepare --owner nobody reuses nobody's idle vh0" \
	hook "$XML/two-ports.xml" prepare begin --owner nobody
check "release end" hook "$XML/two-ports.xml" release end
check "  vh0 and vh1 are gone" test "$(links)" = "$base"
umount /dev/net/tun

# ---- the installed example hook -----------------------------------------------
out=$(VMTAP=$VMTAP OWNER=nobody "$REPO/examples/libvirt/install-hook.sh" 2>&1) && rc=0 || rc=$?
installed=/etc/libvirt/hooks/qemu.d/vmtap
check "examples/libvirt/install-hook.sh installs $installed ($out)" \
	test "$rc" -eq 0 -a -x "$installed"
check "  and says whose the taps will be" bash -c '[[ "$1" == *"taps owned by nobody"* ]]' _ "$out"
check "the installed hook, prepare begin on examples/libvirt/domain.xml" \
	bash -c "'$installed' vmtap-demo prepare begin - <'$REPO/examples/libvirt/domain.xml'"
check "  vmtap-demo0: 2 queues on br0, owned by nobody" \
	test "$(kfield vmtap-demo0 '| "\(.linkinfo.info_data.multi_queue) \(.master)"') $(cat /sys/class/net/vmtap-demo0/owner 2>/dev/null)" = "true br0 65534"
check "the installed hook, release end" \
	bash -c "'$installed' vmtap-demo release end - <'$REPO/examples/libvirt/domain.xml'"
check "  vmtap-demo0 is gone" test "$(links)" = "$base"
cp "$installed" "$SANDBOX_DIR/hook.before"
expect_failure "install-hook.sh without OWNER: refused, never a silent root" \
	"set OWNER=" env -u OWNER VMTAP="$VMTAP" "$REPO/examples/libvirt/install-hook.sh"
check "  the installed hook is unchanged" cmp -s "$installed" "$SANDBOX_DIR/hook.before"
expect_failure "install-hook.sh with an unknown owner installs nothing new" \
	"--owner nobody-here" env VMTAP="$VMTAP" OWNER=nobody-here "$REPO/examples/libvirt/install-hook.sh"

exit "$failed"
