#!/usr/bin/env bash
# test_persist_daemon.sh — `vmtap create` and `vmtap delete` without
# CAP_NET_ADMIN, through vmtapd, against the real kernel in a sandbox of its
# own (tests/lib/sandbox.sh), with a vmtapd this test starts and stops:
#   - as nobody: create t1 --bridge br1 --queues 2 makes a persistent
#     IFF_MULTI_QUEUE tap owned by 65534 on br1 (as the kernel reports it),
#     which nobody's own QEMU then opens with 2 queues; the daemon logs the
#     grant; create again is fine; delete t1 removes it
#   - refused, each with one line, non-zero, nothing made or removed: a
#     bridge the policy does not give nobody, too many queues, tun mode,
#     --owner/--group that do not name the caller, deleting a vmtap tap
#     owned by root (or by no one), taking one over, deleting a device
#     vmtap did not make, --force, a bridge; a delete with one bad name
#     deletes none
#   - uid 0 without CAP_NET_ADMIN goes through the daemon too, and may
#     delete nobody's tap
#   - squatting (issue 11): nobody makes vm1-net0, the name a domain of uid
#     2000 will use, and holds a queue of it (attached, or detached with
#     IFF_DETACH_QUEUE); root's create for uid 2000 is refused and changes
#     nothing, and still is once nobody lets go (the owner differs)
#   - nobody's create with an MTU below br1's is refused, br1 unchanged
#   - no daemon: the CAP_NET_ADMIN error, naming vmtapd
#   - a detached vmtapd started with 2>&- (and 1>&- 2>&-) serves and stops
#     on SIGTERM
# Exit: 0 pass, 77 skipped, anything else fail.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# The build under test: $B (tests/run passes it; build/asan for the
# sanitizer run), relative to the top of the tree or absolute.
B=$(cd "$REPO" && readlink -m -- "${B:-build}")
NAME=persist_daemon
VMTAP=$B/vmtap
. "$REPO/tests/lib/sandbox.sh"
. "$REPO/tests/lib/testlib.sh"

if ! sandbox_inside; then
	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, taps, a daemon)"
	command -v jq >/dev/null || skip "jq is not installed (make deps)"
	command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
	[ -x /usr/bin/python3 ] || skip "/usr/bin/python3 is not installed (make deps)"
	for p in vmtap vmtapd; do
		[ -x "$B/$p" ] || { echo "FAIL: $NAME: no $B/$p (run make first)"; exit 1; }
	done
	sandbox_enter "$0" "$@"
fi

LOGDIR=${TEST_LOG_DIR:-$B/test-logs}/integration
mkdir -p "$LOGDIR"
DLOG=$LOGDIR/$NAME-vmtapd.log
# Not the default path, to show --socket is what is used.
SOCK=/run/vmtap/persist.sock
CONF=/etc/vmtap/vmtapd.conf
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
# uid 0 without CAP_NET_ADMIN (gone from every set, so also after exec).
ROOT_NOCAP=(setpriv --inh-caps=-net_admin --ambient-caps=-net_admin --bounding-set=-net_admin --)

kfield() { ip -d -j link show dev "$1" | jq -r ".[0]$2"; }
gone() { ! ip link show dev "$1" >/dev/null 2>&1; }


sandbox_private_run
sandbox_bridge br1 192.0.2.1/25
sandbox_bridge br2 192.0.2.129/25
mkdir -p /etc/vmtap
printf '%s\n' "allow br1 user nobody" "allow br1 user root" "limit queues 4 user nobody" >"$CONF"
chown root:root /etc/vmtap "$CONF"
chmod 0644 "$CONF"
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

"$B/vmtapd" --foreground --socket "$SOCK" --config "$CONF" 2>"$DLOG" &
daemon_pid=$!
# The socket file appears (renamed into place) only once it accepts.
for _ in $(seq 100); do
	[ -S "$SOCK" ] && break
	kill -0 "$daemon_pid" 2>/dev/null || break
	sleep 0.1
done
[ -S "$SOCK" ] || { echo "FAIL: $NAME: vmtapd did not start:"; cat "$DLOG"; exit 1; }

# ---- nobody makes a 2-queue tap on br1 ---------------------------------------
check "nobody: vmtap create t1 --bridge br1 --queues 2 --socket exits 0" \
	"${NOBODY[@]}" "$VMTAP" create t1 --bridge br1 --queues 2 --socket "$SOCK"
check "t1 is a tap" test "$(kfield t1 .linkinfo.info_data.type)" = tap
check "t1 is persistent" test "$(kfield t1 .linkinfo.info_data.persist)" = true
check "t1 is multi_queue (IFF_MULTI_QUEUE in tun_flags)" \
	test $(( $(cat /sys/class/net/t1/tun_flags) & 0x100 )) -ne 0
check "t1 is owned by uid 65534" test "$(cat /sys/class/net/t1/owner)" = 65534
check "t1 has no group" test "$(cat /sys/class/net/t1/group)" = -1
check "t1 is a port of br1" test "$(kfield t1 .master)" = br1
check "t1 carries the alias vmtap" test "$(kfield t1 .ifalias)" = vmtap
check "vmtapd logged the grant" \
	grep -Eq "grant create-persistent uid=65534 pid=[0-9]+ bridge=br1 ifname=t1 queues=2 owner=65534$" "$DLOG"

# The tap is nobody's for real: its own unprivileged QEMU opens it with 2
# queues (QEMU reads its monitor after the netdev is up, so "quit" ends it).
qemu_open() { # UID TAP QUEUES
	echo quit | setpriv --reuid="$1" --regid="$1" --clear-groups -- \
		qemu-system-x86_64 -M none -nodefaults -display none -monitor stdio \
		-netdev "tap,id=n0,ifname=$2,script=no,downscript=no,queues=$3" >/dev/null 2>&1
}
qemu_refused() { ! qemu_open "$@"; }
if command -v qemu-system-x86_64 >/dev/null; then
	# /dev/net/tun may be 0600 on a host: a 0666 node of the sandbox's own,
	# so what decides is the tap's owner.
	mknod -m 0666 "$SANDBOX_DIR/tun" c 10 200
	mount --bind "$SANDBOX_DIR/tun" /dev/net/tun
	check "nobody's QEMU opens t1 with queues=2" qemu_open 65534 t1 2
	check "uid 65533's QEMU cannot" qemu_refused 65533 t1 2
	umount /dev/net/tun
else
	echo "SKIP: $NAME: qemu-system-x86_64 not installed: nobody's QEMU is not tried"
fi

check "nobody: create t1 again (its own, same flags) exits 0" \
	"${NOBODY[@]}" "$VMTAP" create t1 --bridge br1 --queues 2 --socket "$SOCK"
check "  t1 is still nobody's" test "$(cat /sys/class/net/t1/owner)" = 65534
check "nobody: --owner nobody and --group nogroup name the caller: t2 exits 0" \
	"${NOBODY[@]}" "$VMTAP" create t2 --bridge br1 --owner nobody --group 65534 --socket "$SOCK"
check "  t2 has group 65534" test "$(cat /sys/class/net/t2/group)" = 65534

# ---- squatting a name another user's VM will use ------------------------------
# /dev/net/tun mode 0666, as Debian's udev makes it: a node of the sandbox's
# own on a tmpfs, so an unprivileged process may attach to a tap it owns.
sandbox_tmpfs "$SANDBOX_DIR/dev"
mknod -m 0666 "$SANDBOX_DIR/dev/tun" c 10 200
mount --bind "$SANDBOX_DIR/dev/tun" /dev/net/tun
holder=
hold_start() { # NAME [detach] — nobody holds a queue of NAME until hold_stop
	local line=
	coproc HOLD { exec "${NOBODY[@]}" /usr/bin/python3 "$REPO/tests/integration/tun-hold.py" "$@" 2>&1; }
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
root_takeover() { "$VMTAP" create vm1-net0 --bridge br1 --queues 2 --owner 2000; }
check "nobody: create vm1-net0 --bridge br1 --queues 2 through vmtapd" \
	"${NOBODY[@]}" "$VMTAP" create vm1-net0 --bridge br1 --queues 2 --socket "$SOCK"
check "nobody attaches a queue of vm1-net0" hold_start vm1-net0
check "  the kernel counts 1 queue" test "$(kfield vm1-net0 .linkinfo.info_data.numqueues)" = 1
expect_failure --status 1 "root: create vm1-net0 --owner 2000 while nobody holds a queue" \
	"tap vm1-net0 exists with 1 queue attached" root_takeover
check "  vm1-net0 is still nobody's" test "$(cat /sys/class/net/vm1-net0/owner)" = 65534
hold_stop
check "nobody attaches a queue of vm1-net0 and detaches it (IFF_DETACH_QUEUE)" \
	hold_start vm1-net0 detach
expect_failure --status 1 "root: create vm1-net0 --owner 2000 while nobody holds a detached queue" \
	"tap vm1-net0 exists with 1 queue attached" root_takeover
hold_stop
expect_failure --status 1 "root: create vm1-net0 --owner 2000 when nobody has let go (owner differs)" \
	"tap vm1-net0 exists with owner uid 65534, no group, but owner uid 2000, no group was asked; vmtap does not hand a device to a new owner; delete it as root first (vmtap delete vm1-net0)" \
	root_takeover
expect_failure --status 1 "root: create vm1-net0 with no --owner" \
	"tap vm1-net0 exists with owner uid 65534, no group, but no owner, no group was asked" \
	"$VMTAP" create vm1-net0 --bridge br1 --queues 2
check "  vm1-net0 is still nobody's" test "$(cat /sys/class/net/vm1-net0/owner)" = 65534
check "nobody: create vm1-net0 again (its own, idle) exits 0" \
	"${NOBODY[@]}" "$VMTAP" create vm1-net0 --bridge br1 --queues 2 --socket "$SOCK"
check "root: vmtap delete vm1-net0, then create it --owner 2000" \
	bash -c "'$VMTAP' delete vm1-net0 && '$VMTAP' create vm1-net0 --bridge br1 --queues 2 --owner 2000"
check "  vm1-net0 is uid 2000's" test "$(cat /sys/class/net/vm1-net0/owner)" = 2000
"$VMTAP" delete vm1-net0
umount /dev/net/tun

# ---- a user may not shrink the bridge ------------------------------------------
expect_failure --status 1 "nobody: create t3 --mtu 68 (below br1's 1500)" \
	"mtu=68: below br1's MTU 1500" \
	"${NOBODY[@]}" "$VMTAP" create t3 --bridge br1 --mtu 68 --socket "$SOCK"
check "  br1 keeps MTU 1500" test "$(cat /sys/class/net/br1/mtu)" = 1500
check "nobody: create t3 --mtu 1500 (br1's own) exits 0" \
	"${NOBODY[@]}" "$VMTAP" create t3 --bridge br1 --mtu 1500 --socket "$SOCK"
check "  br1 keeps MTU 1500" test "$(cat /sys/class/net/br1/mtu)" = 1500
"$VMTAP" delete t3

# ---- refusals ----------------------------------------------------------------
expect_failure --status 1 "nobody: a bridge the policy does not give it" \
	"bridge br2 is not allowed for uid 65534 by $CONF" \
	"${NOBODY[@]}" "$VMTAP" create t3 --bridge br2 --socket "$SOCK"
check "  vmtapd logged the denial" \
	grep -q "deny create-persistent uid=65534 pid=[0-9]* bridge=br2 ifname=t3 queues=1: bridge br2 is not allowed" "$DLOG"
expect_failure --status 1 "nobody: more queues than its limit" \
	"queues=8: $CONF allows uid 65534 at most 4 queues per NIC" \
	"${NOBODY[@]}" "$VMTAP" create t3 --bridge br1 --queues 8 --socket "$SOCK"
expect_failure --status 1 "nobody: tun mode" "mode=tun is not offered by vmtapd" \
	"${NOBODY[@]}" "$VMTAP" create vpn0 --mode tun --socket "$SOCK"
expect_failure --status 1 "nobody: --owner root" "--owner root: through vmtapd the tap is always owned by its caller (uid 65534)" \
	"${NOBODY[@]}" "$VMTAP" create t3 --bridge br1 --owner root --socket "$SOCK"
expect_failure --status 1 "nobody: --group 100 (not its own)" "--group 100: through vmtapd the group must be one of the caller's" \
	"${NOBODY[@]}" "$VMTAP" create t3 --bridge br1 --group 100 --socket "$SOCK"

# vmtap taps of root's: one with no owner, one owned by uid 0.
"$VMTAP" create r1 --bridge br1
"$VMTAP" create r2 --bridge br1 --owner 0
expect_failure --status 1 "nobody: delete a vmtap tap with no owner" \
	"tap r1 has no owner, not uid 65534: through vmtapd a client may take over or delete only its own devices" \
	"${NOBODY[@]}" "$VMTAP" delete r1 --socket "$SOCK"
expect_failure --status 1 "nobody: delete a vmtap tap owned by root" "tap r2 has owner uid 0, not uid 65534" \
	"${NOBODY[@]}" "$VMTAP" delete r2 --socket "$SOCK"
check "  vmtapd logged the denial" \
	grep -q "deny delete-persistent uid=65534 pid=[0-9]* ifnames=r2: tap r2 has owner uid 0" "$DLOG"
expect_failure --status 1 "nobody: take over root's r2 by creating it" "tap r2 has owner uid 0, not uid 65534" \
	"${NOBODY[@]}" "$VMTAP" create r2 --bridge br1 --socket "$SOCK"
check "  r2 is still root's" test "$(cat /sys/class/net/r2/owner)" = 0
expect_failure --status 1 "nobody: delete t1 and r2 at once: none deleted" "tap r2 has owner uid 0" \
	"${NOBODY[@]}" "$VMTAP" delete t1 r2 --socket "$SOCK"
check "  t1 is still there" ip link show dev t1 >/dev/null

ip tuntap add dev foreign0 mode tap user 65534
expect_failure --status 1 "nobody: delete its own tap that vmtap did not make" \
	"tap foreign0 was not made by vmtap (its alias is not \"vmtap\"); vmtapd deletes only devices vmtap made" \
	"${NOBODY[@]}" "$VMTAP" delete foreign0 --socket "$SOCK"
expect_failure --status 1 "nobody: delete --force" "delete --force: vmtapd deletes only devices vmtap made" \
	"${NOBODY[@]}" "$VMTAP" delete --force foreign0 --socket "$SOCK"
expect_failure --status 1 "nobody: delete a bridge" "br1 is a bridge, not a tun/tap device" \
	"${NOBODY[@]}" "$VMTAP" delete br1 --socket "$SOCK"
expect_failure --status 1 "nobody: create over a tap vmtap did not make" "foreign0 already exists and vmtap did not make it" \
	"${NOBODY[@]}" "$VMTAP" create foreign0 --bridge br1 --socket "$SOCK"
expect_failure --status 1 "nobody: a name that would be truncated" "bad interface name \"abcdefghijklmnopq\"" \
	"${NOBODY[@]}" "$VMTAP" delete abcdefghijklmnopq --socket "$SOCK"

# ---- uid 0 without CAP_NET_ADMIN -----------------------------------------------
check "uid 0 without CAP_NET_ADMIN: create r3 through vmtapd exits 0" \
	"${ROOT_NOCAP[@]}" "$VMTAP" create r3 --bridge br1 --socket "$SOCK"
check "  r3 is owned by uid 0" test "$(cat /sys/class/net/r3/owner)" = 0
check "  vmtapd made it (its log)" grep -q "grant create-persistent uid=0 pid=[0-9]* bridge=br1 ifname=r3" "$DLOG"
check "uid 0 without CAP_NET_ADMIN: delete nobody's t2 through vmtapd" \
	"${ROOT_NOCAP[@]}" "$VMTAP" delete t2 r3 --socket "$SOCK"
check "  t2 and r3 are gone" bash -c "! ip link show dev t2 2>/dev/null && ! ip link show dev r3 2>/dev/null"

# ---- nobody deletes its tap ----------------------------------------------------
check "nobody: vmtap delete t1 --socket exits 0" "${NOBODY[@]}" "$VMTAP" delete t1 --socket "$SOCK"
check "  t1 is gone" gone t1
check "  vmtapd logged the deletion" \
	grep -q "grant delete-persistent uid=65534 pid=[0-9]* ifnames=t1$" "$DLOG"

# ---- no daemon -------------------------------------------------------------------
stop_daemon
check "SIGTERM: vmtapd exits 0" test "$daemon_rc" -eq 0
expect_failure --status 1 "no daemon: create" \
	"vmtap create needs CAP_NET_ADMIN (run it as root) or a vmtapd to ask; no vmtapd at $SOCK" \
	"${NOBODY[@]}" "$VMTAP" create t1 --bridge br1 --socket "$SOCK"
expect_failure --status 1 "no daemon: delete" \
	"vmtap delete needs CAP_NET_ADMIN (run it as root) or a vmtapd to ask; no vmtapd at $SOCK" \
	"${NOBODY[@]}" "$VMTAP" delete r1 --socket "$SOCK"

"$VMTAP" delete r1 r2
"$VMTAP" delete --force foreign0

# ---- started with stdio closed --------------------------------------------------
# A detached vmtapd started with 2>&- (or 1>&- 2>&-): its listening socket
# or signalfd took fd 1 or 2, and letting the terminal go dup2'd /dev/null
# over it; it then served nobody, or could not be stopped.
SOCK2=/run/vmtap/closed.sock
stopped() { [ ! -e "/proc/$1" ] || [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" = Z ]; }
closed_stdio() { # LABEL 2|12 — which of fds 1, 2 vmtapd starts without
	local label=$1 pid= rc=0
	if [ "$2" = 2 ]; then
		"$B/vmtapd" --socket "$SOCK2" --config "$CONF" 2>&- || rc=$?
	else
		"$B/vmtapd" --socket "$SOCK2" --config "$CONF" 1>&- 2>&- || rc=$?
	fi
	check "$label: vmtapd detaches, exit 0" test "$rc" -eq 0
	pid=$(pgrep -xf "$B/vmtapd --socket $SOCK2 --config $CONF") || true
	check "$label: the daemon runs" test -n "$pid"
	check "$label: nobody's create through it works" \
		"${NOBODY[@]}" "$VMTAP" create q1 --bridge br1 --socket "$SOCK2"
	check "$label: and its delete" "${NOBODY[@]}" "$VMTAP" delete q1 --socket "$SOCK2"
	[ -n "$pid" ] || return 0
	kill -TERM "$pid"
	# Bounded so a daemon deaf to SIGTERM fails the test instead of hanging it.
	for _ in $(seq 100); do stopped "$pid" && break; sleep 0.1; done
	if stopped "$pid"; then
		pass "$label: SIGTERM stops it"
	else
		fail "$label: SIGTERM does not stop it"
		kill -KILL "$pid"
	fi
}
closed_stdio "vmtapd 2>&-" 2
closed_stdio "vmtapd 1>&- 2>&-" 12
ip link del q1 2>/dev/null || true
check "nothing left but the bridges" test "$(links)" = "$base_links"

exit "$failed"
