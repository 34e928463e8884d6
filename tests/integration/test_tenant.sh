#!/usr/bin/env bash
# test_tenant.sh — tenant networks (issue 13: VLANs, isolated ports, MAC
# lock) through the command-line front ends, against the real kernel in a
# sandbox of its own (tests/lib/sandbox.sh).  This kernel may lack bridge
# VLAN filtering; isolated and locked ports and the FDB it has.
#   - vmtap create --mac-lock on --guest-mac M --isolated on: a persistent
#     tap whose port is isolated, locked, learns nothing, M a static (not
#     permanent) FDB entry on it, its own MAC fe: + M's last five bytes, as
#     the kernel reports it and as vmtap list (table and --json) shows it;
#     taking it over with other fields gives exactly those (nothing of the
#     old port carries over), with --announce on (learning off and the
#     static entry, not locked), and with the lock again
#   - refused, one line, nothing made: a VLAN on a bridge that cannot filter
#     VLANs (the bridge's clear error), mac_lock without the guest's MAC, a
#     tap MAC equal to the guest's; a lock on a MAC another port holds fails
#     after the device was made, and the device is gone
#   - vmtap exec --nic br0,mac_lock=on,isolated=on as nobody through the
#     setuid helper (bridge.conf mode: no grant needed for these) and
#     through vmtapd: the command run in QEMU's place holds the NIC's fd,
#     and vmtap list --json and the FDB show its port locked and isolated
#     with the -device's guest MAC pinned; gone when it exits
#   - refused, nothing left: a VLAN through the setuid helper without
#     vmtapd (VLANs are vmtapd's to grant), a granted VLAN through vmtapd
#     on this bridge (no VLAN filtering: the bridge's error), a VLAN not
#     granted (names the VLAN, the bridge and the uid)
# Exit: 0 pass, 77 skipped, anything else fail.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
B=$(cd "$REPO" && readlink -m -- "${B:-build}")
NAME=tenant
VMTAP=$B/vmtap
. "$REPO/tests/lib/sandbox.sh"
. "$REPO/tests/lib/testlib.sh"

if ! sandbox_inside; then
	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, taps, a daemon)"
	command -v jq >/dev/null || skip "jq is not installed (make deps)"
	command -v bridge >/dev/null || skip "bridge (iproute2) is not installed"
	command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
	for p in vmtap vmtapd vmtap-bridge-helper; do
		[ -x "$B/$p" ] || { echo "FAIL: $NAME: no $B/$p (run make first)"; exit 1; }
	done
	sandbox_enter "$0" "$@"
fi

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
GUEST=52:54:00:aa:00:01

# The kernel's view of a bridge port (iproute2's JSON).
pfield() { bridge -d -j link show dev "$1" | jq -r ".[0]$2"; }
# vmtap list --json's view of one device.
lfield() { "$VMTAP" list --json | jq -r ".[] | select(.name == \"$1\") $2"; }
# The FDB entry of MAC on br0: "PORT STATE" ("" when none).
fdb_of() { bridge -j fdb show br br0 | jq -r ".[] | select(.mac == \"$1\") | \"\(.ifname) \(.state)\""; }

expect_failure() { # LABEL NEEDLE CMD... — non-zero, one line with NEEDLE, links unchanged
	local label=$1 needle=$2 out rc=0 before; shift 2
	before=$(links)
	out=$("$@" 2>&1 >/dev/null) || rc=$?
	if [ "$rc" -ne 0 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] &&
		[[ "$out" == *"$needle"* ]] && [ "$(links)" = "$before" ] &&
		[ -z "$(fdb_of 52:54:00:aa:00:09)" ]; then
		pass "$label: \"$out\""
	else
		fail "$label: exit $rc, output \"$out\" (want one line with \"$needle\"), links $(links) (before: $before)"
	fi
}

sandbox_private_run
sandbox_bridge br0 192.0.2.1/24
START=$(links)

# ---- vmtap create ------------------------------------------------------------
check "create vt0 --mac-lock on --guest-mac $GUEST --isolated on exits 0" \
	"$VMTAP" create vt0 --bridge br0 --mac-lock on --guest-mac "$GUEST" --isolated on
check "vt0's port is isolated" test "$(pfield vt0 .isolated)" = true
check "vt0's port is locked" test "$(pfield vt0 .locked)" = true
check "vt0's port learns nothing" test "$(pfield vt0 .learning)" = false
check "the guest's MAC is a static FDB entry on vt0" test "$(fdb_of "$GUEST")" = "vt0 static"
check "vt0's own MAC is fe: + the guest's last five bytes" \
	test "$(ip -j link show dev vt0 | jq -r '.[0].address')" = fe:54:00:aa:00:01
check "list --json: isolated, mac_lock, no VLAN" \
	test "$(lfield vt0 '| "\(.isolated) \(.mac_lock) \(.locked) \(.learning) \(.vlan) \(.trunk)"')" \
	= "true true true false null null"
check "list: VLAN -, FLAGS isolated,mac_lock, no limits, TRUNK -" \
	bash -c "'$VMTAP' list | grep -E -q '^vt0 +tap .* +yes +- +isolated,mac_lock +- +- +-$'"
check "list: the header names VLAN, FLAGS, the limits and TRUNK" \
	bash -c "'$VMTAP' list | head -1 | grep -E -q ' VMTAP +VLAN +FLAGS +INBOUND +OUTBOUND +TRUNK$'"

# Taken over with other fields: its port is made anew with exactly those.
check "create vt0 again without the lock or isolation exits 0" \
	"$VMTAP" create vt0 --bridge br0 --guest-mac "$GUEST"
check "taken over: not isolated, not locked, learning" \
	test "$(pfield vt0 '| "\(.isolated) \(.locked) \(.learning)"')" = "false false true"
check "taken over: the old static FDB entry is gone" test -z "$(fdb_of "$GUEST")"
check "taken over: the MAC follows the guest's" \
	test "$(ip -j link show dev vt0 | jq -r '.[0].address')" = fe:54:00:aa:00:01
# announce=on (README, "Across hosts"): the lock's FDB entry and learning
# off, without the lock; on a persistent tap it stays while the device does.
check "create vt0 again with --announce on exits 0" \
	"$VMTAP" create vt0 --bridge br0 --guest-mac "$GUEST" --announce on
check "announce: not locked, learns nothing, the guest's MAC a static entry on vt0" \
	test "$(pfield vt0 '| "\(.locked) \(.learning)"') $(fdb_of "$GUEST")" = "false false vt0 static"
expect_failure "announce without the guest's MAC" \
	"announce=on needs the guest's MAC (guest_mac=...)" \
	"$VMTAP" create vt1 --bridge br0 --announce on
check "create vt0 again with the lock exits 0" \
	"$VMTAP" create vt0 --bridge br0 --guest-mac "$GUEST" --mac-lock on
check "taken over with the lock: locked, the entry back" \
	test "$(pfield vt0 .locked) $(fdb_of "$GUEST")" = "true vt0 static"

expect_failure "create with a VLAN on a bridge without VLAN filtering" \
	"VLAN asked of bridge br0" "$VMTAP" create vt1 --bridge br0 --vlan 10
expect_failure "create with a trunk on a bridge without VLAN filtering" \
	"VLAN asked of bridge br0" "$VMTAP" create vt1 --bridge br0 --trunk 10,20
expect_failure "create --mac-lock on without the guest's MAC" \
	"mac_lock=on needs the guest's MAC (guest_mac=...)" \
	"$VMTAP" create vt1 --bridge br0 --mac-lock on
expect_failure "create with the tap's MAC equal to the guest's" \
	"is also guest_mac" \
	"$VMTAP" create vt1 --bridge br0 --mac 52:54:00:aa:00:09 --guest-mac 52:54:00:aa:00:09
# The kernel refuses the FDB entry only after vt2 exists and is a port.
expect_failure "create with a lock on a MAC vt0 holds: the device made is gone" \
	"is already in the FDB" \
	"$VMTAP" create vt2 --bridge br0 --mac-lock on --guest-mac "$GUEST"
check "vt0 keeps its entry" test "$(fdb_of "$GUEST")" = "vt0 static"
check "delete vt0" "$VMTAP" delete vt0
check "nothing left after delete" test "$(links)" = "$START"
check "no FDB entry left" test -z "$(fdb_of "$GUEST")"

# ---- vmtap exec, as nobody ---------------------------------------------------
# The setuid helper and nobody's files on a tmpfs of this sandbox's own
# (/tmp may be nosuid; $SANDBOX_DIR is root's alone), in its private /run.
SUID=/run/tenant
mkdir -p "$SUID"
mount -t tmpfs -o mode=0755 vmtap-tenant "$SUID"
install -m 04755 -o root -g root "$B/vmtap-bridge-helper" "$SUID/helper"
WORK=$SUID/work
mkdir -p "$WORK"
chmod 0777 "$WORK"
# What vmtap exec runs in QEMU's place: records the NIC fds it inherited
# (the tap each is a queue of), the -device's guest MAC, and what vmtap
# list --json and the FDB say while it holds them.
cat >"$WORK/qemu.sh" <<EOF
#!/bin/bash
out=\$1; shift
for a in "\$@"; do
	case \$a in
	tap,*fds=*) f=\${a#*fds=}; fds=\${f%%,*} ;;
	*,mac=*) mac=\${a#*,mac=}; mac=\${mac%%,*} ;;
	esac
done
ifname=\$(awk '/^iff:/ {print \$2}' /proc/self/fdinfo/\$fds)
echo "\$ifname \$mac" >"\$out.nic"
"$VMTAP" list --json >"\$out.list"
bridge -j fdb show br br0 >"\$out.fdb"
EOF
chmod 0755 "$WORK/qemu.sh"

# exec_check LABEL OUT — what qemu.sh recorded: a locked, isolated port
# with the guest's MAC pinned, gone after.
exec_check() {
	local label=$1 out=$2 ifname="" mac=""
	read -r ifname mac <"$out.nic" || true
	check "$label: the command held a queue of a tap ($ifname)" test -n "$ifname"
	check "$label: list --json showed it isolated and locked" \
		test "$(jq -r ".[] | select(.name == \"$ifname\") | \"\(.isolated) \(.mac_lock)\"" \
			"$out.list")" = "true true"
	check "$label: the -device's MAC ($mac) was static on it" \
		test "$(jq -r ".[] | select(.mac == \"$mac\") | \"\(.ifname) \(.state)\"" \
			"$out.fdb")" = "$ifname static"
	check "$label: nothing left once it exited" test "$(links)" = "$START"
}

sandbox_acl "allow br0"
check "exec through the setuid helper with mac_lock and isolated exits 0" \
	"${NOBODY[@]}" "$VMTAP" exec --socket /run/vmtap/none.sock --helper "$SUID/helper" \
	--nic br0,mac_lock=on,isolated=on,vhost=off -- "$WORK/qemu.sh" "$WORK/helper"
exec_check "setuid helper" "$WORK/helper"
expect_failure "a VLAN through the setuid helper without vmtapd" \
	"VLANs are granted only by vmtapd's policy" \
	"${NOBODY[@]}" "$VMTAP" exec --socket /run/vmtap/none.sock --helper "$SUID/helper" \
	--nic br0,vlan=10,mac=52:54:00:aa:00:09,mac_lock=on -- /bin/true

SOCK=/run/vmtap/tenant.sock
mkdir -p /etc/vmtap
printf '%s\n' "allow br0 user nobody" "allow br0 vlan 10 user nobody" >/etc/vmtap/vmtapd.conf
chmod 0644 /etc/vmtap/vmtapd.conf
"$B/vmtapd" --foreground --socket "$SOCK" --config /etc/vmtap/vmtapd.conf \
	2>"$WORK/vmtapd.log" &
DPID=$!
trap 'kill $DPID 2>/dev/null || true' EXIT
for _ in $(seq 200); do [ -S "$SOCK" ] && break; sleep 0.05; done
[ -S "$SOCK" ] || { fail "vmtapd did not start: $(cat "$WORK/vmtapd.log")"; exit 1; }
check "exec through vmtapd with mac_lock and isolated exits 0" \
	"${NOBODY[@]}" "$VMTAP" exec --socket "$SOCK" \
	--nic br0,mac_lock=on,isolated=on,vhost=off -- "$WORK/qemu.sh" "$WORK/daemon"
exec_check "vmtapd" "$WORK/daemon"
check "vmtapd logged the grant, naming the lock and the isolation" \
	grep -q "grant uid=65534 .*bridge=br0.* isolated=on mac_lock=on" "$WORK/vmtapd.log"
expect_failure "a granted VLAN through vmtapd on a bridge without VLAN filtering" \
	"VLAN asked of bridge br0" \
	"${NOBODY[@]}" "$VMTAP" exec --socket "$SOCK" \
	--nic br0,vlan=10,mac=52:54:00:aa:00:09,mac_lock=on -- /bin/true
expect_failure "a VLAN not granted through vmtapd" \
	"uid 65534 may not use VLAN 20 on br0" \
	"${NOBODY[@]}" "$VMTAP" exec --socket "$SOCK" \
	--nic br0,vlan=10,trunk=20,mac=52:54:00:aa:00:09 -- /bin/true
kill "$DPID"
wait "$DPID" || true
trap - EXIT

exit "$failed"
