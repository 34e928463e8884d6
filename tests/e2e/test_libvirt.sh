#!/usr/bin/env bash
# test_libvirt.sh — end to end with real libvirt and no daemon: the QEMU
# driver embedded in each virsh (and vmtap) process, qemu:///embed?root=DIR,
# in a sandbox of its own (tests/lib/sandbox.sh).
#
# One domain — examples/libvirt/domain.xml, with the tiny guest's kernel,
# initrd and console put in — boots with two <interface type='ethernet'>
# on taps libvirt only opens (managed='no'):
#   vt0          made by `vmtap create vt0 --bridge br0 --queues 2`
#   vmtap-demo0  made by the hook examples/libvirt/install-hook.sh installs,
#                run on the domain XML libvirt itself produces (an embedded
#                driver runs no hooks, so the test runs it where libvirt
#                would: before start, and after the domain is gone)
# The guest finds each NIC by its MAC, reports its RX queues (2) and pings
# its bridge.  Then `vmtap attach --json`, its URI from LIBVIRT_DEFAULT_URI,
# hot-plugs a third NIC (a 2-queue tap on br2, virDomainAttachDeviceFlags);
# the guest sees it, 2 queues, pings br2; `examples/libvirt/attach.sh
# --detach` unplugs it, says so, and the tap is gone.  vhost=on without
# /dev/vhost-net is refused as vmtap exec refuses it.  The domain is destroyed; vt0 outlives it until
# `vmtap delete vt0`; the hook's release deletes vmtap-demo0.
# Failures of attach/detach: one line, non-zero, nothing left.
#
# macvtaps on an uplink (README "macvtap", "Hot-plug through libvirt"): a
# veth pair, veth0 here, its peer veth1 in a namespace of its own with
# 198.51.100.1 and 203.0.113.1.  The domain boots with a third ethernet
# interface on mv0, a persistent macvtap `vmtap create mv0 --macvtap veth0
# --mac M` made (libvirt opens its /dev/tapN once per queue: the guest
# sees 2 RX queues and pings 198.51.100.1 through it).  After the tap's
# detach, `vmtap attach --nic macvtap=veth0,queues=2` hot-plugs a macvtap,
# the guest pings 203.0.113.1 through it, and `vmtap detach` deletes it.
# Refused, nothing left: a MAC mv0 has already, a model libvirt refuses
# after the macvtap was made.
#
# libvirt insists that the libvirt-qemu user and group exist even when
# qemu.conf says root; /etc is the sandbox's private overlay, so they are
# added there when missing.
# Exit: 0 pass, 77 skipped, anything else fail.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
NAME=libvirt
VMTAP=$REPO/build/vmtap
. "$REPO/tests/lib/sandbox.sh"
. "$REPO/tests/lib/testlib.sh"
. "$REPO/tests/lib/guest.sh"

if ! sandbox_inside; then
	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, taps)"
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed"
	command -v virsh >/dev/null || skip "virsh is not installed (libvirt-clients; make deps)"
	ls /usr/lib/*/libvirt/connection-driver/libvirt_driver_qemu.so >/dev/null 2>&1 ||
		skip "libvirt's QEMU driver is not installed (libvirt-daemon-driver-qemu; make deps)"
	command -v jq >/dev/null || skip "jq is not installed (make deps)"
	[ -x "$VMTAP" ] || { echo "FAIL: $NAME: no $VMTAP (run make first)"; exit 1; }
	guest_build
	sandbox_enter "$0" "$@"
fi

LOGDIR=${TEST_LOG_DIR:-$REPO/build/test-logs}/e2e
mkdir -p "$LOGDIR"
CONSOLE=$LOGDIR/$NAME-console.log
VLOG=$LOGDIR/$NAME-virsh.log
: >"$VLOG"
rm -f "$CONSOLE"

DIR=$SANDBOX_DIR/libvirt
URI="qemu:///embed?root=$DIR"
DOM=vmtap-demo
# virsh's embedded driver logs to stderr; keep it for a failure's report.
v() { virsh -q -c "$URI" "$@" 2>>"$VLOG"; }
state() { v domstate "$DOM" 2>/dev/null || echo gone; }

# wait_log MARKER SECONDS — until the console shows MARKER, or the domain
# stops running, or SECONDS pass.  0 only when the marker is there.
wait_log() {
	local n=$(($2 * 10))
	while [ "$n" -gt 0 ]; do
		grep -a -q -F -- "$1" "$CONSOLE" 2>/dev/null && return 0
		grep -a -q 'GUEST_EXIT=' "$CONSOLE" 2>/dev/null && break
		n=$((n - 1))
		sleep 0.1
	done
	grep -a -q -F -- "$1" "$CONSOLE" 2>/dev/null
}

# ---- the host ---------------------------------------------------------------
getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu
getent passwd libvirt-qemu >/dev/null ||
	useradd -r -g libvirt-qemu -d /nonexistent -s /usr/sbin/nologin libvirt-qemu
sandbox_bridge br0 192.0.2.1/26
sandbox_bridge br1 192.0.2.65/26
sandbox_bridge br2 192.0.2.129/26
# The uplink of the macvtaps; its peer answers in a namespace of its own.
ip link add veth0 type veth peer name veth1
netns_holder PEER
trap 'kill $PEER 2>/dev/null || true' EXIT
ip link set veth1 netns "$PEER"
nsenter -t "$PEER" -n ip addr add 198.51.100.1/24 dev veth1
nsenter -t "$PEER" -n ip addr add 203.0.113.1/24 dev veth1
nsenter -t "$PEER" -n ip link set veth1 up
ip link set veth0 up
base=$(links)
mkdir -p "$DIR/etc"
cat >"$DIR/etc/qemu.conf" <<'EOF'
user = "root"
group = "root"
stdio_handler = "file"
namespaces = []
security_driver = "none"
cgroup_controllers = []
EOF
VMTAP=$VMTAP OWNER=root "$REPO/examples/libvirt/install-hook.sh" >/dev/null
HOOK=/etc/libvirt/hooks/qemu.d/vmtap

# ---- the guest ----------------------------------------------------------------
cat >"$SANDBOX_DIR/guest.sh" <<'EOF'
. /lib/guest.sh
by_mac() {
	for d in /sys/class/net/*; do
		[ "$(cat "$d/address")" = "$1" ] && { echo "${d##*/}"; return 0; }
	done
	return 1
}
# nic MAC ADDR PEER TAG [SECONDS]: find the NIC, report its RX queues, ping
nic() {
	n=$(( ${5:-30} * 10 ))
	while ! by_mac "$1" >/dev/null; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || { echo "guest: no NIC with MAC $1"; return 1; }
		usleep 100000
	done
	i=$(by_mac "$1")
	echo "GUEST_RXQ_$4=$(ls -d /sys/class/net/$i/queues/rx-* | wc -l)"
	ip addr add "$2" dev "$i" && ip link set dev "$i" up && ping_ok "$3" 3 &&
		echo "GUEST_PING_OK_$4"
}
nic 52:54:00:00:00:20 192.0.2.2/26 192.0.2.1 CREATED
nic 52:54:00:00:00:10 192.0.2.66/26 192.0.2.65 HOOK
nic 52:54:00:00:00:40 198.51.100.2/24 198.51.100.1 MACVTAP
echo GUEST_WAITING_FOR_HOTPLUG
unplugged() { # MAC — returns once the NIC with MAC is gone (at most 180 s)
	local i=$(by_mac "$1") n=1800
	while [ -e "/sys/class/net/$i" ]; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || { echo "guest: $i is still there"; exit 1; }
		usleep 100000
	done
}
nic 52:54:00:00:00:30 192.0.2.130/26 192.0.2.129 ATTACHED 180 || exit 1
unplugged 52:54:00:00:00:30
echo GUEST_UNPLUGGED
nic 52:54:00:00:00:50 203.0.113.2/24 203.0.113.1 MVATTACHED 180 || exit 1
unplugged 52:54:00:00:00:50
echo GUEST_MV_UNPLUGGED
# Powering off now could cut libvirt's wait for QEMU's DEVICE_DELETED
# short; the host destroys the domain once detach is over.
sleep 600
EOF
guest_build # cached by the call outside the sandbox: no download here
guest_initrd "$SANDBOX_DIR/guest.sh" "$SANDBOX_DIR/initrd"

# The example domain, with the tiny guest put in, a second NIC on vt0 and
# a third on the macvtap mv0; its vmtap port moves to br1 so that each NIC
# has a subnet of its own.
sed -e "s|/var/lib/vmtap-demo/vmlinuz|$GUEST_KERNEL|" \
	-e "s|/var/lib/vmtap-demo/initrd|$SANDBOX_DIR/initrd|" \
	-e "s|/var/log/vmtap-demo.console|$CONSOLE|" \
	-e 's|<vmtap:port dev="vmtap-demo0" bridge="br0"/>|<vmtap:port dev="vmtap-demo0" bridge="br1"/>|' \
	-e "s|    <serial type='file'>|    <interface type='ethernet'>\n      <mac address='52:54:00:00:00:20'/>\n      <target dev='vt0' managed='no'/>\n      <model type='virtio'/>\n      <driver queues='2'/>\n    </interface>\n    <interface type='ethernet'>\n      <mac address='52:54:00:00:00:40'/>\n      <target dev='mv0' managed='no'/>\n      <model type='virtio'/>\n      <driver queues='2'/>\n    </interface>\n&|" \
	"$REPO/examples/libvirt/domain.xml" >"$SANDBOX_DIR/domain.xml"

# ---- start -----------------------------------------------------------------------
check "vmtap create vt0 --bridge br0 --queues 2" "$VMTAP" create vt0 --bridge br0 --queues 2
check "vmtap create mv0 --macvtap veth0 --mac 52:54:00:00:00:40" \
	"$VMTAP" create mv0 --macvtap veth0 --mac 52:54:00:00:00:40
check "virsh define (examples/libvirt/domain.xml + vt0 + mv0)" v define "$SANDBOX_DIR/domain.xml"
check "the hook's prepare begin, on libvirt's own domain XML" \
	bash -c "virsh -q -c '$URI' dumpxml $DOM 2>>'$VLOG' | '$HOOK' $DOM prepare begin -"
check "  it made vmtap-demo0: 2 queues, on br1" \
	test "$("$VMTAP" list --json | jq -r '.[] | select(.name == "vmtap-demo0") | "\(.multi_queue) \(.bridge) \(.vmtap)"')" = "true br1 true"
check "virsh start $DOM" v start "$DOM"

if wait_log GUEST_WAITING_FOR_HOTPLUG 180; then
	pass "the guest booted and checked its three NICs"
else
	fail "the guest never got to the hot-plug (console: $CONSOLE)"
fi
check "the guest sees 2 RX queues on the vmtap create tap (vt0)" grep -a -q 'GUEST_RXQ_CREATED=2' "$CONSOLE"
check "the guest pings br0 through vt0" grep -a -q 'GUEST_PING_OK_CREATED' "$CONSOLE"
check "the guest sees 2 RX queues on the hook's tap (vmtap-demo0)" grep -a -q 'GUEST_RXQ_HOOK=2' "$CONSOLE"
check "the guest pings br1 through vmtap-demo0" grep -a -q 'GUEST_PING_OK_HOOK' "$CONSOLE"
check "the guest sees 2 RX queues on the macvtap mv0 (libvirt opened /dev/tapN twice)" \
	grep -a -q 'GUEST_RXQ_MACVTAP=2' "$CONSOLE"
check "the guest pings the uplink's peer through mv0" grep -a -q 'GUEST_PING_OK_MACVTAP' "$CONSOLE"
check "vmtap list: vt0 is up (QEMU holds it), multi_queue, on br0" \
	test "$("$VMTAP" list --json | jq -r '.[] | select(.name == "vt0") | "\(.state) \(.multi_queue) \(.bridge)"')" = "up true br0"

# ---- attach / detach ---------------------------------------------------------------
ATTACH=$REPO/examples/libvirt/attach.sh
expect_failure "attach on a missing bridge" "bridge br7 does not exist" \
	env VMTAP="$VMTAP" URI="$URI" "$ATTACH" "$DOM" br7,queues=2
expect_failure "attach to a missing domain" "no domain with matching name 'nodom'" \
	env VMTAP="$VMTAP" URI="$URI" "$ATTACH" nodom br2
expect_failure "attach with a bad SPEC" "queues=0" \
	env VMTAP="$VMTAP" URI="$URI" "$ATTACH" "$DOM" br2,queues=0
expect_failure "detach a tap the domain does not have" "has no interface on vt9" \
	bash -c "'$VMTAP' create vt9 --bridge br2 && VMTAP='$VMTAP' URI='$URI' '$ATTACH' --detach $DOM vt9; rc=\$?; '$VMTAP' delete vt9; exit \$rc"

if [ ! -e /dev/vhost-net ]; then
	expect_failure "attach vhost=on without /dev/vhost-net: refused as exec refuses it" \
		"vhost=on: /dev/vhost-net: No such file or directory" \
		env VMTAP="$VMTAP" URI="$URI" "$ATTACH" "$DOM" br2,queues=2,vhost=on
fi
expect_failure "attach with no --connect and no LIBVIRT_DEFAULT_URI: libvirt's default, named" \
	"libvirt's default URI" \
	env -u LIBVIRT_DEFAULT_URI XDG_CONFIG_HOME="$SANDBOX_DIR/none" "$VMTAP" attach --domain "$DOM" --nic br2
# No --connect: LIBVIRT_DEFAULT_URI, as virsh; --json: one object.
AJ=$SANDBOX_DIR/attach.json
LIBVIRT_DEFAULT_URI=$URI "$VMTAP" attach --json --domain "$DOM" \
	--nic br2,queues=2,mac=52:54:00:00:00:30 >"$AJ" 2>>"$VLOG" || true
tap=$(jq -r .dev "$AJ" 2>/dev/null) || tap=
if [ -n "$tap" ] && ip link show dev "$tap" >/dev/null 2>&1; then
	pass "vmtap attach (URI from LIBVIRT_DEFAULT_URI) made tap $tap and attached it"
else
	tap=
	fail "vmtap attach --json attached no tap: $(cat "$AJ") (virsh log: $VLOG)"
fi
check "  attach --json: dev, domain, bridge, guest MAC, queues" \
	jq -e --arg d "$DOM" '.domain == $d and .bridge == "br2" and .mac == "52:54:00:00:00:30" and .queues == 2' "$AJ"
check "  libvirt's live XML has <target dev='$tap' managed='no'/> with 2 queues" \
	bash -c "virsh -q -c '$URI' dumpxml $DOM 2>/dev/null | xmllint --xpath \"//interface[target/@dev='$tap' and target/@managed='no' and driver/@queues='2']\" - >/dev/null"
if wait_log GUEST_PING_OK_ATTACHED 120; then
	pass "the guest pings br2 through the hot-plugged NIC"
else
	fail "the guest pings br2 through the hot-plugged NIC (console: $CONSOLE)"
fi
check "the guest sees 2 RX queues on the hot-plugged NIC" grep -a -q 'GUEST_RXQ_ATTACHED=2' "$CONSOLE"
if [ -n "$tap" ]; then
	out=$(env VMTAP="$VMTAP" URI="$URI" "$ATTACH" --detach "$DOM" "$tap" 2>>"$VLOG") || out="FAILED: $out"
	check "attach.sh --detach $tap: says so in one line" \
		test "$out" = "detached $tap from domain $DOM and deleted it"
	check "  the tap $tap is gone" bash -c "! ip link show dev '$tap' >/dev/null 2>&1"
fi
if wait_log GUEST_UNPLUGGED 60; then
	pass "the guest saw the NIC go"
else
	fail "the guest saw the NIC go (console: $CONSOLE)"
fi

# ---- a macvtap hot-plugged -----------------------------------------------------------
expect_failure --status 1 "attach a macvtap with mv0's MAC: refused by the kernel" \
	"Address already in use" \
	"$VMTAP" attach --connect "$URI" --domain "$DOM" --dev mva0 --nic macvtap=veth0,mac=52:54:00:00:00:40
check "  no mva0 is left" bash -c "! ip link show dev mva0 >/dev/null 2>&1"
expect_failure --status 1 "attach a macvtap with a model libvirt refuses: deleted again" \
	"cannot attach mva0" \
	"$VMTAP" attach --connect "$URI" --domain "$DOM" --dev mva0 --nic macvtap=veth0,model=vmtap-no-such-nic
check "  no mva0 is left" bash -c "! ip link show dev mva0 >/dev/null 2>&1"
MJ=$SANDBOX_DIR/attach-mv.json
"$VMTAP" attach --json --connect "$URI" --domain "$DOM" --dev mva0 \
	--nic macvtap=veth0,queues=2,mac=52:54:00:00:00:50 >"$MJ" 2>>"$VLOG" || true
check "vmtap attach --nic macvtap=veth0,queues=2: made the macvtap mva0 and attached it" \
	jq -e --arg d "$DOM" '.dev == "mva0" and .domain == $d and .macvtap == "veth0" and .mac == "52:54:00:00:00:50" and .queues == 2' "$MJ"
check "  mva0 is a macvtap on veth0 with the guest's MAC, marked vmtap" \
	test "$("$VMTAP" list --json | jq -r '.[] | select(.name == "mva0") | "\(.macvtap) \(.mac) \(.vmtap)"')" = "veth0 52:54:00:00:00:50 true"
if wait_log GUEST_PING_OK_MVATTACHED 120; then
	pass "the guest pings the uplink's peer through the hot-plugged macvtap"
else
	fail "the guest pings the uplink's peer through the hot-plugged macvtap (console: $CONSOLE)"
fi
check "the guest sees 2 RX queues on the hot-plugged macvtap" grep -a -q 'GUEST_RXQ_MVATTACHED=2' "$CONSOLE"
out=$("$VMTAP" detach --connect "$URI" --domain "$DOM" --dev mva0 2>>"$VLOG") || out="FAILED: $out"
check "vmtap detach mva0: says so in one line" test "$out" = "detached mva0 from domain $DOM and deleted it"
check "  the macvtap mva0 is gone" bash -c "! ip link show dev mva0 >/dev/null 2>&1"
if wait_log GUEST_MV_UNPLUGGED 60; then
	pass "the guest saw the macvtap go"
else
	fail "the guest saw the macvtap go (console: $CONSOLE)"
fi

# ---- after the domain --------------------------------------------------------------
# An embedded driver reconnects to the running QEMU in a thread of each
# new virsh; destroy kills QEMU under that thread's feet, the thread's
# error path stops the domain first, and destroy then says "domain is not
# running".  What counts is the state afterwards.
v destroy "$DOM" >/dev/null || true
check "the domain is shut off" test "$(state)" = "shut off"
expect_failure "attach to a domain that is not running" "is not running" \
	env VMTAP="$VMTAP" URI="$URI" "$ATTACH" "$DOM" br2
check "vt0 outlives the domain (persistent)" bash -c "ip link show dev vt0 >/dev/null"
check "vmtap delete vt0" "$VMTAP" delete vt0
check "mv0 outlives the domain (persistent); vmtap delete mv0" "$VMTAP" delete mv0
check "the hook's release end" \
	bash -c "virsh -q -c '$URI' dumpxml $DOM 2>>'$VLOG' | '$HOOK' $DOM release end -"
check "no tap is left" test "$(links)" = "$base"
v undefine "$DOM" >/dev/null || true

if [ "$failed" -ne 0 ]; then
	guest_log_tail "$CONSOLE" 40
	echo "---- virsh's log: $VLOG"
	tail -n 20 "$VLOG" | sed 's/^/  | /'
fi
exit "$failed"
