#!/usr/bin/env bash
# test_netns.sh — NICs made in another network namespace (netns=, issue 15;
# README, "NICs in another network namespace"), against the real kernel in
# a sandbox of its own, from the sandbox's own ("parent") namespace:
#   - root's `vmtap exec --nic brn,netns=tgt,queues=2` (tgt: a name under
#     /run/netns, bound to an `unshare -n` child's namespace with a bridge
#     brn of its own): the command holds 2 queues of a tap that is a port of
#     brn IN tgt and absent from the parent; nothing left after
#   - root's `vmtap create tn0 --bridge brn --netns /proc/PID/ns/net`: a
#     persistent port of brn in that namespace, absent from the parent
#   - vmtapd --netns, nobody as client: nobody made a user+network
#     namespace (unshare -Urn) with a bridge in it; nobody's `vmtap exec
#     --nic brn,netns=/proc/PID/ns/net` from the parent gets a tap that is a
#     port of that bridge in that namespace (the client sent the fd)
#   - the same from inside nobody's namespace (a client socket of another
#     namespace): a create-nic naming it is served; one that does not is
#     refused ("your network namespace differs")
#   - refused, one line, nothing made in any namespace: nobody asking for
#     the root-owned tgt (nobody can open /run/netns/tgt, but its user
#     namespace is root's); the setuid helper's plain mode; a
#     vmtapd started without --netns
#   - a macvtap in another namespace: tgt's uplink up0 is a veth whose peer
#     (a third namespace) has 198.51.100.2, and the parent namespace has an
#     up0 of its own.  Through vmtapd --netns, root's
#     `--nic macvtap=up0,netns=tgt,queues=2`: an ARP request written on a
#     queue is answered by the peer, and the macvtap is gone from tgt once
#     the command exits; root (netns=/proc/PID/ns/net) and nobody (its own
#     namespace, on its up0): the macvtap is on up0 THERE, marked for the
#     holder, absent from the parent, and gone from there after kill -9.
#     Refused, one line, nothing left in any namespace: nobody into tgt or
#     into the namespace it runs in (neither is its own), a parent the
#     policy does not give, a parent only the parent namespace has, a MAC
#     another macvtap on tgt's up0 has (the kernel's refusal after the
#     macvtap was made: deleted again in tgt), vmtapd without --netns,
#     root without vmtapd.  Root's `vmtap create mvn0 --macvtap up0
#     --netns tgt`: a persistent macvtap on tgt's up0
# Exit: 0 pass, 77 skipped, anything else fail.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
B=$(cd "$REPO" && readlink -m -- "${B:-build}")
NAME=netns
VMTAP=$B/vmtap
. "$REPO/tests/lib/sandbox.sh"
. "$REPO/tests/lib/testlib.sh"

if ! sandbox_inside; then
	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, taps, a daemon)"
	command -v jq >/dev/null || skip "jq is not installed (make deps)"
	command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
	for p in vmtap vmtapd vmtap-bridge-helper; do
		[ -x "$B/$p" ] || { echo "FAIL: $NAME: no $B/$p (run make first)"; exit 1; }
	done
	sandbox_enter "$0" "$@"
fi

sandbox_private_run
# nobody's command writes here too (the sandbox's /run is its own).
WORK=/run/netns-test
mkdir -p "$WORK"
chmod 1777 "$WORK"
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
SOCK=/run/vmtap/netns.sock
CONF=/etc/vmtap/vmtapd.conf

nslinks() { ip -n "$1" -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort | tr '\n' ' '; }
pidlinks() { nsenter -t "$1" -n ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort | tr '\n' ' '; }

pids=()
daemon_pid=
cleanup() {
	[ -z "$daemon_pid" ] || kill "$daemon_pid" 2>/dev/null || true
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

# The target: a namespace of root's, named tgt under /run/netns, with
# bridge brn.
netns_holder tpid
pids+=("$tpid")
mkdir -p /run/netns
touch /run/netns/tgt
mount --bind "/proc/$tpid/ns/net" /run/netns/tgt
ip -n tgt link add brn type bridge
ip -n tgt addr add 192.0.2.1/24 dev brn
ip -n tgt link set brn up
ip link add brn type bridge # a bridge of the same name in the parent: not used
PARENT=$(links)
TGT=$(nslinks tgt)

# What `vmtap exec` runs instead of QEMU: the tap its first fd is a queue
# of, how many fds, and where that tap is a port, in tgt and in the parent.
cat >"$WORK/qemu.sh" <<'EOF'
#!/bin/bash
out=$1 ns=$2; shift 2
for a in "$@"; do
	case $a in
	tap,*fds=*) f=${a#*fds=}; fds=${f%%,*} ;;
	esac
done
first=${fds%%:*}
ifname=$(awk '/^iff:/ {print $2}' /proc/self/fdinfo/$first)
echo "$ifname $(tr ':' '\n' <<<"$fds" | wc -l)" >"$out.nic"
# A name under /run/netns (root), or the pid of nobody's namespaces
# (nobody enters the user namespace it made, then its network namespace).
case $ns in
here) ip -j -d link show dev "$ifname" >"$out.in" 2>&1 || true ;;
pid:*) nsenter -t "${ns#pid:}" -U -n --preserve-credentials \
	ip -j -d link show dev "$ifname" >"$out.in" 2>&1 || true ;;
*) ip -n "$ns" -j -d link show dev "$ifname" >"$out.in" 2>&1 || true ;;
esac
ip link show dev "$ifname" >"$out.parent" 2>&1 && echo present >>"$out.parent" || true
EOF
chmod 0755 "$WORK/qemu.sh"

# exec_check LABEL OUT QUEUES — what qemu.sh saw: a tap of QUEUES queues,
# a port of brn in the target, absent from the parent.
exec_check() {
	local label=$1 out=$2 queues=$3 ifname="" n=""
	read -r ifname n <"$out.nic" || true
	check "$label: the command held $queues queue fd(s) of a tap ($ifname)" \
		test -n "$ifname" -a "$n" = "$queues"
	check "$label: $ifname is a port of brn in the target namespace" \
		test "$(jq -r '.[0].master' "$out.in" 2>/dev/null)" = brn
	check "$label: $ifname is absent from the parent namespace" \
		test "$(tail -n1 "$out.parent")" != present
}

# expect_refused LABEL NEEDLE CMD... — exit 1, one line with NEEDLE, no
# link made in the parent nor in tgt (nor in nobody's namespace, $upid)
expect_refused() {
	local label=$1 needle=$2 out rc=0 p t u; shift 2
	p=$(links) t=$(nslinks tgt) u=$(pidlinks "$upid")
	out=$("$@" 2>&1 >/dev/null) || rc=$?
	if [ "$rc" -eq 1 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] &&
		[[ "$out" == *"$needle"* ]] && [ "$(links)" = "$p" ] &&
		[ "$(nslinks tgt)" = "$t" ] && [ "$(pidlinks "$upid")" = "$u" ]; then
		pass "$label: \"$out\""
	else
		fail "$label: exit $rc (want 1), output \"$out\" (want one line with \"$needle\")"
	fi
}

# ---- root, locally ------------------------------------------------------
check "root: vmtap exec --nic brn,netns=tgt,queues=2 exits 0" \
	"$VMTAP" exec --socket /run/vmtap/none.sock --nic brn,netns=tgt,queues=2,vhost=off \
	-- "$WORK/qemu.sh" "$WORK/root" tgt
exec_check "root exec" "$WORK/root" 2
check "root exec: nothing left in tgt or the parent once it exited" \
	test "$(nslinks tgt)" = "$TGT" -a "$(links)" = "$PARENT"

check "root: vmtap create tn0 --bridge brn --netns /proc/PID/ns/net exits 0" \
	"$VMTAP" create tn0 --bridge brn --netns "/proc/$tpid/ns/net"
check "tn0 is a persistent port of brn in tgt" \
	test "$(ip -n tgt -j -d link show tn0 | jq -r '.[0] | "\(.master) \(.linkinfo.info_data.persist)"')" \
	= "brn true"
check "tn0 is absent from the parent" sh -c '! ip link show tn0 2>/dev/null'
ip -n tgt link del tn0

# ---- nobody, through vmtapd ---------------------------------------------
# nobody's own user + network namespace, with a bridge nobody made there.
"${NOBODY[@]}" unshare -Urn sh -c \
	'ip link add brn type bridge && ip link set brn up && exec sleep infinity' &
upid=$!
pids+=("$upid")
for _ in $(seq 100); do
	ip -o link show brn >/dev/null 2>&1 || true
	nsenter -t "$upid" -n ip link show brn >/dev/null 2>&1 && break
	sleep 0.05
done
nsenter -t "$upid" -n ip link show brn >/dev/null 2>&1 ||
	skip "nobody cannot make a user namespace with a bridge here (unshare -Urn)"
UNS=$(pidlinks "$upid")

mkdir -p /etc/vmtap
printf "%s\n" "allow brn user nobody" "allow brf user nobody" >"$CONF"
chown root:root /etc/vmtap "$CONF"
chmod 0644 "$CONF"

start_daemon() { # ARGS...
	"$B/vmtapd" --foreground --socket "$SOCK" --config "$CONF" "$@" 2>>"$WORK/vmtapd.log" &
	daemon_pid=$!
	for _ in $(seq 200); do [ -S "$SOCK" ] && break; sleep 0.05; done
	[ -S "$SOCK" ] || { fail "vmtapd did not start: $(cat "$WORK/vmtapd.log")"; exit 1; }
}
stop_daemon() {
	kill "$daemon_pid"
	wait "$daemon_pid" || true
	daemon_pid=
	rm -f "$SOCK"
}

start_daemon
expect_refused "vmtapd without --netns refuses" "start it with --netns" \
	"${NOBODY[@]}" "$VMTAP" exec --socket "$SOCK" \
	--nic "brn,netns=/proc/$upid/ns/net,vhost=off" -- /bin/true
stop_daemon

start_daemon --netns
check "nobody: vmtap exec --nic brn,netns=/proc/PID/ns/net through vmtapd exits 0" \
	"${NOBODY[@]}" "$VMTAP" exec --socket "$SOCK" \
	--nic "brn,netns=/proc/$upid/ns/net,vhost=off" -- "$WORK/qemu.sh" "$WORK/nobody" \
	"pid:$upid"
exec_check "nobody through vmtapd" "$WORK/nobody" 1
check "vmtapd logged the grant" grep -q "grant uid=65534 .*bridge=brn .*netns=/proc/$upid/ns/net" "$WORK/vmtapd.log"
check "nobody: nothing left in its namespace once it exited" test "$(pidlinks "$upid")" = "$UNS"

# A client inside its own namespace (its socket is of that namespace): a
# request that names it is judged by the same rule; one that does not is
# refused as ever.  (--keep-caps: the bridge is made by nobody's own ip.)
check "nobody inside its namespace: exec --nic brf,netns=/proc/self/ns/net exits 0" \
	"${NOBODY[@]}" unshare -n --map-current-user --keep-caps sh -c \
	'ip link add brf type bridge && ip link set brf up && exec "$0" exec --socket "$1" \
	--nic brf,netns=/proc/self/ns/net,vhost=off -- "$2/qemu.sh" "$2/inside" here' \
	"$VMTAP" "$SOCK" "$WORK"
check "nobody inside its namespace: the tap was a port of brf there" \
	test "$(jq -r '.[0].master' "$WORK/inside.in" 2>/dev/null)" = brf
out=$("${NOBODY[@]}" unshare -n --map-current-user --keep-caps sh -c \
	'ip link add brf type bridge && ip link set brf up && exec "$0" exec --socket "$1" \
	--nic brf,vhost=off -- /bin/true' "$VMTAP" "$SOCK" 2>&1) && rc=0 || rc=$?
check "nobody inside its namespace, no netns: refused ($out)" \
	test "$rc" = 1 -a -n "$(grep "your network namespace differs" <<<"$out")"

expect_refused "nobody cannot place a NIC in root's namespace tgt" \
	"not uid 65534" \
	"${NOBODY[@]}" "$VMTAP" exec --socket "$SOCK" --nic brn,netns=tgt,vhost=off -- /bin/true
check "vmtapd logged the denial" grep -q "deny uid=65534 .*netns=tgt" "$WORK/vmtapd.log"
stop_daemon

# ---- a macvtap in another namespace ------------------------------------------
# tgt's uplink: up0 in tgt, its peer up1 in a third namespace with
# 198.51.100.2; a veth up0 in the parent too (the parent is tgt's, not
# ours), and up0 + up9 in nobody's namespace (veths root puts there).
netns_holder ppid
pids+=("$ppid")
ip -n tgt link add up0 type veth peer name up1
ip -n tgt link set up1 netns "$ppid"
ip -n tgt link set up0 up
nsenter -t "$ppid" -n ip addr add 198.51.100.2/24 dev up1
nsenter -t "$ppid" -n ip link set up1 up
PEER_MAC=$(nsenter -t "$ppid" -n ip -o link show up1 | grep -o 'link/ether [0-9a-f:]*' | cut -d" " -f2)
ip link add up0 type veth peer name up0p
ip link set up0 up
ip link add up5 type veth peer name up5p
nsenter -t "$upid" -n ip link add up0 type veth peer name up0p
nsenter -t "$upid" -n ip link set up0 up
nsenter -t "$upid" -n ip link add up9 type veth peer name up9p
PARENT=$(links) TGT=$(nslinks tgt) UNS=$(pidlinks "$upid")
ARP=$REPO/tests/integration/macvtap-arp.py
printf "%s\n" "allow brn user nobody" "allow macvtap up0" "allow macvtap up5" >"$CONF"

# macvtaps in a namespace, "NAME@PARENT ALIAS" lines: self (the parent),
# pid:PID, or a name under /run/netns.
mvs() {
	local ns=$1
	case $ns in
	self) ip -o -d link show type macvtap ;;
	pid:*) nsenter -t "${ns#pid:}" -n ip -o -d link show type macvtap ;;
	*) ip -n "$ns" -o -d link show type macvtap ;;
	esac | sed -E 's/^[0-9]+: ([^:]+):.* alias ([^ ]+).*/\1 \2/;s/^[0-9]+: ([^:]+):.*/\1 -/'
}
mv_gone() { # NS — true once NS has no macvtap (a bounded poll: vmtapd
	# deletes it when it sees the process exit)
	local i
	for i in $(seq 200); do
		[ -z "$(mvs "$1")" ] && return 0
		sleep 0.05
	done
	return 1
}
# mv_hold LABEL NS NIC CLIENT... — CLIENT runs vmtap exec --nic NIC with a
# command that holds the queues; checks its macvtap is in NS on up0, marked
# for the holder, absent from the parent; kill -9 of the holder; checks it
# is gone from NS.
mv_hold() {
	local label=$1 ns=$2 nic=$3 holder line=""; shift 3
	rm -f "$WORK/in" "$WORK/out"
	mkfifo -m 0666 "$WORK/in" "$WORK/out"
	"$@" "$VMTAP" exec --socket "$SOCK" --nic "$nic" -- python3 "$ARP" hold \
		<"$WORK/in" >"$WORK/out" 2>&1 &
	holder=$!
	exec 7>"$WORK/in"
	read -r line <"$WORK/out" || true
	check "$label: the holder got its queues (${line:-nothing said})" test "$line" = "queues 2"
	check "$label: its macvtap is on up0 in that namespace, marked for the holder" \
		grep -Eq "^vmt[0-9a-f]{8}@up0 vmtap:macvtap:$holder:[0-9]+$" <<<"$(mvs "$ns")"
	check "$label: no macvtap in the parent namespace" test -z "$(mvs self)"
	kill -9 "$holder"
	wait "$holder" 2>/dev/null || true
	exec 7>&-
	check "$label: kill -9 of the holder: its macvtap is gone from that namespace" mv_gone "$ns"
}

start_daemon
expect_refused "macvtap: vmtapd without --netns refuses" "start it with --netns" \
	"$VMTAP" exec --socket "$SOCK" --nic macvtap=up0,netns=tgt,vhost=off -- /bin/true
stop_daemon

start_daemon --netns
out=$("$VMTAP" exec --socket "$SOCK" \
	--nic "macvtap=up0,netns=tgt,queues=2,mac=52:54:00:aa:00:12,vhost=off" -- \
	python3 "$ARP" arp 198.51.100.2 198.51.100.10 2>&1) || true
check "root through vmtapd: macvtap=up0,netns=tgt handed 2 queue fds" grep -q "^queues 2$" <<<"$out"
check "an ARP request written on it was answered by the peer of tgt's uplink ($PEER_MAC)" \
	grep -q "^ARP_REPLY $PEER_MAC$" <<<"$out"
check "vmtapd logged the grant, in tgt" \
	grep -q "grant uid=0 .*macvtap=up0 .*queues=2 .* macvtap netns=tgt" "$WORK/vmtapd.log"
check "the macvtap is gone from tgt once the command exited" mv_gone tgt
mv_hold "root, netns=/proc/PID/ns/net" tgt "macvtap=up0,netns=/proc/$tpid/ns/net,queues=2,vhost=off"
mv_hold "nobody, its own namespace" "pid:$upid" \
	"macvtap=up0,netns=/proc/$upid/ns/net,queues=2,vhost=off" "${NOBODY[@]}"
# One process with 40 macvtaps in tgt (more than one batch of the
# daemon's watch events): all go when it exits, and vmtapd lives on.
rm -f "$WORK/in" "$WORK/out"
mkfifo "$WORK/in" "$WORK/out"
python3 "$REPO/tests/integration/macvtap-many.py" "$SOCK" /run/netns/tgt up0 40 \
	<"$WORK/in" >"$WORK/out" 2>&1 &
many=$!
exec 7>"$WORK/in"
read -r line <"$WORK/out" || true
check "one process with 40 macvtaps in tgt (${line:-nothing said})" \
	test "$line" = "made 40" -a "$(mvs tgt | grep -c "vmtap:macvtap:$many:")" = 40
exec 7>&-
wait "$many" 2>/dev/null || true
check "it exited: all 40 are gone from tgt" mv_gone tgt
check "and vmtapd still serves a macvtap in tgt" \
	"$VMTAP" exec --socket "$SOCK" --nic macvtap=up0,netns=tgt,vhost=off -- /bin/true
# vmtapd deletes it once it sees /bin/true exit: wait, or the refusals
# below, which compare tgt's links before and after, would see it go.
check "and deleted it once its command exited" mv_gone tgt
check "vmtapd said it deleted them" \
	test "$(grep -c "exited; deleted its macvtap" "$WORK/vmtapd.log")" -ge 2
expect_refused "nobody cannot place a macvtap in root's namespace tgt" "not uid 65534" \
	"${NOBODY[@]}" "$VMTAP" exec --socket "$SOCK" --nic macvtap=up0,netns=tgt,vhost=off -- /bin/true
# A namespace nobody can open but did not make: the one it runs in.
expect_refused "nobody cannot place one in a namespace it does not own (/proc/self/ns/net)" \
	"not uid 65534" \
	"${NOBODY[@]}" "$VMTAP" exec --socket "$SOCK" \
	--nic "macvtap=up0,netns=/proc/self/ns/net,vhost=off" -- /bin/true
expect_refused "nobody, its own namespace, a parent the policy does not allow" \
	"macvtap on up9 is not allowed for uid 65534" \
	"${NOBODY[@]}" "$VMTAP" exec --socket "$SOCK" \
	--nic "macvtap=up9,netns=/proc/$upid/ns/net,vhost=off" -- /bin/true
expect_refused "a parent the parent namespace has and tgt does not" "up5" \
	"$VMTAP" exec --socket "$SOCK" --nic macvtap=up5,netns=tgt,vhost=off -- /bin/true
# The kernel refuses the MAC once the macvtap is made (when it goes up):
# it is deleted again, in tgt.
ip -n tgt link add link up0 name mvx address 52:54:00:aa:00:77 type macvtap mode bridge
ip -n tgt link set mvx up
expect_refused "the MAC of another macvtap on tgt's up0: nothing left in tgt" \
	"Address already in use" \
	"$VMTAP" exec --socket "$SOCK" \
	--nic macvtap=up0,netns=tgt,mac=52:54:00:aa:00:77,queues=2,vhost=off -- /bin/true
ip -n tgt link del mvx
stop_daemon
expect_refused "root's macvtap in a namespace without vmtapd (nothing would delete it)" \
	"granted only by vmtapd" \
	"$VMTAP" exec --socket /run/vmtap/none.sock --nic macvtap=up0,netns=tgt,vhost=off -- /bin/true
check "root: vmtap create mvn0 --macvtap up0 --netns tgt exits 0" \
	"$VMTAP" create mvn0 --macvtap up0 --netns tgt
check "mvn0 is a persistent macvtap on tgt's up0" \
	test "$(mvs tgt)" = "mvn0@up0 vmtap"
ip -n tgt link del mvn0
check "tgt, nobody's and the parent namespace hold no macvtap" \
	test -z "$(mvs tgt)$(mvs "pid:$upid")$(mvs self)"
check "nothing left under /dev" bash -c '! ls -d /dev/.vmtap-* 2>/dev/null'

# ---- the setuid helper's plain mode ---------------------------------------
expect_refused "the helper without vmtapd refuses netns" "only through vmtapd" \
	"${NOBODY[@]}" "$VMTAP" exec --socket /run/vmtap/none.sock \
	--helper "$B/vmtap-bridge-helper" --nic "brn,netns=/proc/$upid/ns/net,vhost=off" -- /bin/true

check "the parent namespace is as it was" test "$(links)" = "$PARENT"
exit "$failed"
