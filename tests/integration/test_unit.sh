#!/usr/bin/env bash
# test_unit.sh — vmtapd confined as examples/systemd/vmtapd.service
# confines it still serves what its README sections promise a user with
# that unit (README, "systemd").  There is no systemd here, so the unit's
# settings that decide what the daemon may see and do are read from the
# file and applied by hand, in a sandbox of the test's own:
#   User=, Group=           the uid and gid vmtapd runs as (setpriv)
#   CapabilityBoundingSet=  the bounding set, nothing inheritable (setpriv)
#   NoNewPrivileges=yes     setpriv --no-new-privs
#   ProtectProc=invisible   a /proc of its own mounted hidepid=invisible
#                           (what systemd mounts for the service): a
#                           process of another uid is not there for a
#                           daemon without CAP_SYS_PTRACE
# Not applied (seccomp and cgroup device filters need systemd itself):
# SystemCallFilter, RestrictNamespaces, RestrictAddressFamilies,
# DevicePolicy/DeviceAllow, ProtectSystem and the other mount options.
# The test says so in its output.
#
# What nobody asks of the confined daemon (policy: br0 and macvtap veth0):
#   - a tap NIC on br0 through vmtap exec;
#   - a macvtap NIC on veth0 through vmtap exec: vmtapd marks it with the
#     client's pid and start time from /proc/PID/stat, and deletes it when
#     the client exits.  A hidepid=invisible /proc shows another uid's
#     process only to a reader with CAP_SYS_PTRACE, which the unit does not
#     grant, or in procfs's gid (0 unless mounted with gid=): the daemon
#     sees its clients because it runs with gid 0.  A unit that changed
#     User= or Group= would lose macvtaps, and this test would say so.
# Exit: 0 pass, 77 skipped, anything else fail.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
B=$(cd "$REPO" && readlink -m -- "${B:-build}")
NAME=unit
VMTAP=$B/vmtap
UNIT=$REPO/examples/systemd/vmtapd.service
. "$REPO/tests/lib/sandbox.sh"
. "$REPO/tests/lib/testlib.sh"

if ! sandbox_inside; then
	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, a daemon)"
	command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
	for p in vmtap vmtapd; do
		[ -x "$B/$p" ] || { echo "FAIL: $NAME: no $B/$p (run make first)"; exit 1; }
	done
	sandbox_enter "$0" "$@"
fi

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
WORK=$SANDBOX_DIR

# setting KEY — the unit's value of KEY (the last line wins, as systemd's).
setting() { sed -n "s/^$1=//p" "$UNIT" | tail -n 1; }

user=$(setting User)
group=$(setting Group)
caps=$(setting CapabilityBoundingSet)
nnp=$(setting NoNewPrivileges)
proc=$(setting ProtectProc)
echo "unit: User=${user:-root} Group=${group:-the user group} CapabilityBoundingSet=$caps NoNewPrivileges=${nnp:-no} ProtectProc=${proc:-default}"
echo "unit: not applied here (systemd's own): SystemCallFilter, RestrictNamespaces, RestrictAddressFamilies, DevicePolicy, ProtectSystem"
bounding=-all
for c in $caps; do
	c=${c#CAP_}
	bounding="$bounding,+${c,,}"
done
confine=(setpriv --reuid="$(id -u "${user:-root}")" --bounding-set="$bounding" --inh-caps=-all)
[ -n "$group" ] && confine+=(--regid="$(getent group "$group" | cut -d: -f3)" --clear-groups)
[ "$nnp" = yes ] && confine+=(--no-new-privs)
if [ "$proc" = invisible ] || [ "$proc" = noaccess ] || [ "$proc" = ptraceable ]; then
	# The daemon's own view of /proc, as systemd gives it one; the clients
	# below run with the full /proc of the sandbox, as they would.
	mkdir "$WORK/proc"
	mount -t proc -o "hidepid=$proc" proc "$WORK/proc"
	confine=(unshare --mount -- bash -c 'mount --bind "$0" /proc && exec "$@"' "$WORK/proc" \
		"${confine[@]}")
fi

sandbox_private_run
sandbox_bridge br0 192.0.2.1/24
ip link add veth0 type veth peer name veth1
ip link set veth0 up
ip link set veth1 up
mkdir -p /etc/vmtap
printf '%s\n' "allow br0 user nobody" "allow macvtap veth0 user nobody" >/etc/vmtap/vmtapd.conf
chmod 0644 /etc/vmtap/vmtapd.conf
SOCK=/run/vmtap/vmtapd.sock
"${confine[@]}" "$B/vmtapd" --foreground --socket "$SOCK" --config /etc/vmtap/vmtapd.conf \
	2>"$WORK/vmtapd.log" &
DPID=$!
trap 'kill $DPID 2>/dev/null || true' EXIT
for _ in $(seq 200); do [ -S "$SOCK" ] && break; sleep 0.05; done
[ -S "$SOCK" ] || { fail "vmtapd did not start: $(cat "$WORK/vmtapd.log")"; exit 1; }
check "the confined daemon has only the unit's capabilities" \
	bash -c "[ \"\$(grep ^CapBnd: /proc/$DPID/status | awk '{print \$2}')\" = \"\$(setpriv --bounding-set='$bounding' grep ^CapBnd: /proc/self/status | awk '{print \$2}')\" ]"

START=$(links)
out=$("${NOBODY[@]}" "$VMTAP" exec --socket "$SOCK" --nic br0,vhost=off -- /bin/true 2>&1) &&
	pass "nobody gets a tap NIC on br0 from the confined daemon" ||
	fail "nobody gets a tap NIC on br0 from the confined daemon: $out"
out=$("${NOBODY[@]}" "$VMTAP" exec --socket "$SOCK" \
	--nic macvtap=veth0,mac=52:54:00:aa:00:05,vhost=off -- /bin/true 2>&1) &&
	pass "nobody gets a macvtap NIC on veth0 from the confined daemon" ||
	fail "nobody gets a macvtap NIC on veth0 from the confined daemon: $out"
gone() { # a bounded poll: vmtapd deletes the macvtap when it sees the exit
	local i
	for i in $(seq 200); do
		[ "$(links)" = "$START" ] && return 0
		sleep 0.05
	done
	return 1
}
check "and deletes it once the client exited (links: $(links))" gone
check "vmtapd logged both grants" \
	bash -c "[ \"\$(grep -c '^.*grant uid=65534 ' '$WORK/vmtapd.log')\" -ge 2 ]"
kill "$DPID"
wait "$DPID" || true
trap - EXIT

exit "$failed"
