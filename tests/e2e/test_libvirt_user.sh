#!/usr/bin/env bash
# test_libvirt_user.sh — `vmtap attach` / `vmtap detach` for a user without
# CAP_NET_ADMIN (issue 17): the taps come from a vmtapd this test starts in
# its sandbox (tests/lib/sandbox.sh), the domain is the user's own, run by
# the QEMU driver embedded in each virsh (and vmtap) process of that user,
# qemu:///embed?root=DIR — the same driver as an unprivileged
# qemu:///session, without a libvirtd to start.
#
# As nobody (uid 65534), whose only grant in vmtapd.conf is br2:
#   - a small domain boots (TCG) with no NIC;
#   - vmtap attach --json --nic br2,queues=2 asks vmtapd for a persistent
#     tap owned by nobody and hot-plugs it: the guest finds the NIC by its
#     MAC, sees 2 RX queues, pings br2; vmtapd logged the grant;
#   - vmtap detach unplugs it, the guest sees it go, and vmtapd deleted the
#     tap;
#   - refusals, each one line, exit 1, no link left: a bridge the policy
#     does not give nobody (vmtapd's denial), --owner root, and libvirt
#     refusing the device after vmtapd made the tap (a model QEMU does not
#     have) — the tap is deleted through vmtapd again;
#   - detach of a tap that is root's: refused before anything is unplugged;
#   - with no vmtapd: create's one line, naming attach.
# Exit: 0 pass, 77 skipped, anything else fail.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
NAME=libvirt_user
VMTAP=$REPO/build/vmtap
. "$REPO/tests/lib/sandbox.sh"
. "$REPO/tests/lib/testlib.sh"
. "$REPO/tests/lib/guest.sh"

if ! sandbox_inside; then
	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, taps, a daemon)"
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed"
	command -v virsh >/dev/null || skip "virsh is not installed (libvirt-clients; make deps)"
	ls /usr/lib/*/libvirt/connection-driver/libvirt_driver_qemu.so >/dev/null 2>&1 ||
		skip "libvirt's QEMU driver is not installed (libvirt-daemon-driver-qemu; make deps)"
	command -v jq >/dev/null || skip "jq is not installed (make deps)"
	command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
	for p in vmtap vmtapd; do
		[ -x "$REPO/build/$p" ] || { echo "FAIL: $NAME: no build/$p (run make first)"; exit 1; }
	done
	guest_build
	sandbox_enter "$0" "$@"
fi

LOGDIR=${TEST_LOG_DIR:-$REPO/build/test-logs}/e2e
mkdir -p "$LOGDIR"
DLOG=$LOGDIR/$NAME-vmtapd.log
VLOG=$LOGDIR/$NAME-virsh.log
: >"$VLOG"
gone() { ! ip link show dev "$1" >/dev/null 2>&1; }

# ---- the user, its files, /dev/net/tun --------------------------------------
U=65534
AS_USER=(setpriv --reuid=$U --regid=$U --clear-groups --)
# The user reaches its own directory only; the sandbox's is root's.
chmod 0711 "$SANDBOX_DIR"
UDIR=$SANDBOX_DIR/user
mkdir -p "$UDIR/etc" "$UDIR/home"
CONSOLE=$UDIR/console.log
URI="qemu:///embed?root=$UDIR"
DOM=vmtap-user
# /dev/net/tun may be 0600 on a host: a 0666 node of the sandbox's own, as
# Debian's udev makes it, so that what decides is the tap's owner.
sandbox_tmpfs "$SANDBOX_DIR/dev"
mknod -m 0666 "$SANDBOX_DIR/dev/tun" c 10 200
mount --bind "$SANDBOX_DIR/dev/tun" /dev/net/tun
# What an unprivileged libvirt needs of its environment: a home, no
# cgroups, no namespaces, no security driver (none is loaded here).
cat >"$UDIR/etc/qemu.conf" <<'EOF'
stdio_handler = "file"
security_driver = "none"
cgroup_controllers = []
EOF
user() { # CMD... — as the user, in its own environment
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$UDIR/home" \
		XDG_RUNTIME_DIR="$UDIR/run" XDG_CONFIG_HOME="$UDIR/home/.config" \
		XDG_CACHE_HOME="$UDIR/home/.cache" LIBVIRT_LOG_OUTPUTS=1:file:/dev/null \
		"${AS_USER[@]}" "$@"
}
v() { user virsh -q -c "$URI" "$@" 2>>"$VLOG"; }

# ---- the host: bridges, vmtapd ----------------------------------------------
sandbox_private_run
sandbox_bridge br2 192.0.2.129/26
sandbox_bridge br3 192.0.2.193/26
SOCK=/run/vmtap/user.sock
CONF=/etc/vmtap/vmtapd.conf
mkdir -p /etc/vmtap
printf '%s\n' "allow br2 user nobody" "limit queues 4 user nobody" >"$CONF"
chown root:root /etc/vmtap "$CONF"
chmod 0644 "$CONF"
daemon_pid=
stop_daemon() {
	[ -n "$daemon_pid" ] || return 0
	kill -TERM "$daemon_pid" 2>/dev/null || true
	wait "$daemon_pid" 2>/dev/null || true
	daemon_pid=
}
trap 'stop_daemon; umount /dev/net/tun 2>/dev/null || true' EXIT
"$REPO/build/vmtapd" --foreground --socket "$SOCK" --config "$CONF" 2>"$DLOG" &
daemon_pid=$!
for _ in $(seq 100); do
	[ -S "$SOCK" ] && break
	kill -0 "$daemon_pid" 2>/dev/null || break
	sleep 0.1
done
[ -S "$SOCK" ] || { echo "FAIL: $NAME: vmtapd did not start:"; cat "$DLOG"; exit 1; }
chown -R $U:$U "$UDIR"
base=$(links)

# ---- the guest ---------------------------------------------------------------
cat >"$SANDBOX_DIR/guest.sh" <<'EOF'
. /lib/guest.sh
by_mac() {
	for d in /sys/class/net/*; do
		[ "$(cat "$d/address")" = "$1" ] && { echo "${d##*/}"; return 0; }
	done
	return 1
}
echo GUEST_WAITING_FOR_HOTPLUG
n=1800
while ! by_mac 52:54:00:00:00:40 >/dev/null; do
	n=$((n - 1))
	[ "$n" -gt 0 ] || { echo "guest: no NIC with MAC 52:54:00:00:00:40"; exit 1; }
	usleep 100000
done
i=$(by_mac 52:54:00:00:00:40)
echo "GUEST_RXQ=$(ls -d /sys/class/net/$i/queues/rx-* | wc -l)"
ip addr add 192.0.2.130/26 dev "$i" && ip link set dev "$i" up &&
	ping_ok 192.0.2.129 3 && echo GUEST_PING_OK
n=1800
while [ -e "/sys/class/net/$i" ]; do
	n=$((n - 1))
	[ "$n" -gt 0 ] || { echo "guest: $i is still there"; exit 1; }
	usleep 100000
done
echo GUEST_UNPLUGGED
sleep 600
EOF
guest_build # cached by the call outside the sandbox: no download here
guest_initrd "$SANDBOX_DIR/guest.sh" "$UDIR/initrd"
cat >"$UDIR/domain.xml" <<EOF
<domain type='qemu'>
  <name>$DOM</name>
  <memory unit='MiB'>256</memory>
  <vcpu>2</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>$GUEST_KERNEL</kernel>
    <initrd>$UDIR/initrd</initrd>
    <cmdline>console=ttyS0 panic=-1 quiet</cmdline>
  </os>
  <features><acpi/><apic/></features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <controller type='usb' model='none'/>
    <controller type='pci' index='0' model='pcie-root'/>
    <controller type='pci' index='1' model='pcie-root-port'/>
    <controller type='pci' index='2' model='pcie-root-port'/>
    <controller type='pci' index='3' model='pcie-root-port'/>
    <serial type='file'>
      <source path='$CONSOLE'/>
      <target port='0'/>
    </serial>
    <memballoon model='none'/>
  </devices>
</domain>
EOF
chown -R $U:$U "$UDIR"

wait_log() { # MARKER SECONDS
	local n=$(($2 * 10))
	while [ "$n" -gt 0 ]; do
		grep -a -q -F -- "$1" "$CONSOLE" 2>/dev/null && return 0
		grep -a -q 'GUEST_EXIT=' "$CONSOLE" 2>/dev/null && break
		n=$((n - 1))
		sleep 0.1
	done
	grep -a -q -F -- "$1" "$CONSOLE" 2>/dev/null
}
attach() { user "$VMTAP" attach --connect "$URI" --domain "$DOM" --socket "$SOCK" "$@"; }

# ---- start -------------------------------------------------------------------
check "nobody: virsh define" v define "$UDIR/domain.xml"
if ! v start "$DOM" >/dev/null; then
	# What stops it is libvirt's, in one line: the reason a real
	# unprivileged domain cannot run here.
	why=$(tail -n 1 "$VLOG")
	stop_daemon
	skip "an unprivileged libvirt domain (qemu:///embed as uid $U) does not start here: $why"
fi
pass "nobody: virsh start $DOM (QEMU runs as uid $U)"
check "  QEMU runs as uid $U" \
	test "$(ps -o uid= -C qemu-system-x86_64 | tr -d ' ' | sort -u)" = $U
if wait_log GUEST_WAITING_FOR_HOTPLUG 180; then
	pass "the guest booted"
else
	fail "the guest did not boot (console: $CONSOLE)"
fi

# ---- refusals first: each leaves nothing ---------------------------------------
expect_failure --status 1 "nobody: attach on br3, which vmtapd's policy does not give it" \
	"bridge br3 is not allowed for uid $U by $CONF" attach --nic br3
check "  vmtapd logged the denial" grep -q "deny create-persistent uid=$U .*bridge=br3" "$DLOG"
expect_failure --status 1 "nobody: attach --owner root" \
	"--owner root: through vmtapd the tap is always owned by its caller (uid $U)" \
	attach --nic br2 --owner root
expect_failure --status 1 "nobody: libvirt refuses the device after vmtapd made the tap: deleted again" \
	"cannot attach ua0" attach --nic br2,model=vmtap-no-such-nic --dev ua0
check "  vmtapd made ua0 for nobody, then deleted it" \
	bash -c "grep -q 'grant create-persistent uid=$U .*ifname=ua0' '$DLOG' && grep -q 'delete-persistent uid=$U .*ua0' '$DLOG'"
"$VMTAP" create ur0 --bridge br2
expect_failure --status 1 "nobody: detach root's tap: refused before libvirt" \
	"tap ur0 has no owner, not uid $U" \
	user "$VMTAP" detach --connect "$URI" --domain "$DOM" --dev ur0 --socket "$SOCK"
"$VMTAP" delete ur0
expect_failure --status 1 "nobody, no vmtapd: create's one line, naming attach" \
	"vmtap attach needs CAP_NET_ADMIN (run it as root) or a vmtapd to ask" \
	user "$VMTAP" attach --connect "$URI" --domain "$DOM" --socket /run/vmtap/none.sock --nic br2

# ---- attach, detach --------------------------------------------------------------
AJ=$UDIR/attach.json
attach --json --nic br2,queues=2,mac=52:54:00:00:00:40 >"$AJ" 2>>"$VLOG" || true
tap=$(jq -r .dev "$AJ" 2>/dev/null) || tap=
if [ -n "$tap" ] && ip link show dev "$tap" >/dev/null 2>&1; then
	pass "nobody: vmtap attach --nic br2,queues=2 through vmtapd made $tap and attached it"
else
	tap=
	fail "nobody: vmtap attach attached no tap: $(cat "$AJ") (virsh log: $VLOG, vmtapd: $DLOG)"
fi
if [ -n "$tap" ]; then
	check "  $tap is owned by uid $U, on br2, multi_queue" \
		test "$(cat "/sys/class/net/$tap/owner") $(ip -d -j link show dev "$tap" | jq -r '.[0] | "\(.master) \(.linkinfo.info_data.multi_queue)"')" = "$U br2 true"
	check "  vmtapd logged the grant" \
		grep -q "grant create-persistent uid=$U .*bridge=br2 ifname=$tap queues=2 owner=$U" "$DLOG"
fi
if wait_log GUEST_PING_OK 120; then
	pass "the guest pings br2 through the NIC nobody hot-plugged"
else
	fail "the guest pings br2 through the NIC nobody hot-plugged (console: $CONSOLE)"
fi
check "the guest sees 2 RX queues on it" grep -a -q 'GUEST_RXQ=2' "$CONSOLE"
if [ -n "$tap" ]; then
	out=$(user "$VMTAP" detach --connect "$URI" --domain "$DOM" --dev "$tap" --socket "$SOCK" 2>>"$VLOG") ||
		out="FAILED: $out"
	check "nobody: vmtap detach $tap: says so in one line" \
		test "$out" = "detached $tap from domain $DOM and deleted it"
	check "  the tap $tap is gone" gone "$tap"
	check "  vmtapd deleted it" grep -q "delete-persistent uid=$U .*$tap" "$DLOG"
fi
if wait_log GUEST_UNPLUGGED 60; then
	pass "the guest saw the NIC go"
else
	fail "the guest saw the NIC go (console: $CONSOLE)"
fi

v destroy "$DOM" >/dev/null || true
v undefine "$DOM" >/dev/null || true
check "no link is left" test "$(links)" = "$base"
stop_daemon
if [ "$failed" -ne 0 ]; then
	guest_log_tail "$CONSOLE" 30
	echo "---- virsh's log: $VLOG"
	tail -n 20 "$VLOG" | sed 's/^/  | /'
	echo "---- vmtapd's log: $DLOG"
	tail -n 20 "$DLOG" | sed 's/^/  | /'
fi
exit "$failed"
