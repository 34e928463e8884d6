#!/usr/bin/env bash
# test_persist.sh — `vmtap create`, `vmtap delete`, `vmtap list` against the
# real kernel, in a sandbox of its own (tests/lib/sandbox.sh).
#   - tap, 1 queue: persistent, on the bridge, MAC fe:..., bridge MTU,
#     noqueue, addrgenmode none, up, alias vmtap; as the kernel reports it
#     (ip -d -j link, /sys/class/net/X/tun_flags, tc)
#   - tap, 2 queues, --owner/--group: IFF_MULTI_QUEUE, owner, group; the
#     owner's own QEMU opens it with queues=2 without privileges, another
#     user's is refused
#   - tun mode: an L3 device, no bridge; refused with --bridge
#   - list and list --json show name, mode, multi_queue, owner, bridge, state
#   - and each device's bandwidth limits as the kernel has them: a tbf root
#     (inbound, vmtap's or tc's), an ingress police action where the kernel
#     has one, an ingress mirred to an IFB with a tbf (outbound)
#   - create again: same flags is fine (MAC kept), other flags is the
#     kernel's EINVAL, named; another owner or group is refused
#   - a device vmtap did not make: create and delete refuse it, delete
#     --force deletes it; delete checks every name before deleting any
#   - bad input and no CAP_NET_ADMIN: one line, non-zero, nothing made
# Exit: 0 pass, 77 skipped, anything else fail.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# The build under test: $B (tests/run passes it; build/asan for the
# sanitizer run), relative to the top of the tree or absolute.
B=$(cd "$REPO" && readlink -m -- "${B:-build}")
NAME=persist
VMTAP=$B/vmtap
. "$REPO/tests/lib/sandbox.sh"
. "$REPO/tests/lib/testlib.sh"

if ! sandbox_inside; then
	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, taps)"
	[ -x "$VMTAP" ] || { echo "FAIL: $NAME: no $VMTAP (run make first)"; exit 1; }
	command -v jq >/dev/null || skip "jq is not installed (make deps)"
	sandbox_enter "$0" "$@"
fi


# A field of the kernel's own view of a link (iproute2's JSON).
kfield() { ip -d -j link show dev "$1" | jq -r ".[0]$2"; }
# A field of vmtap list --json for one device.
lfield() { "$VMTAP" list --json | jq -r ".[] | select(.name == \"$1\") $2"; }

sandbox_bridge br0 192.0.2.1/24 9000

# ---- a 1-queue tap ---------------------------------------------------------
check "create vm1 (1 queue) exits 0" "$VMTAP" create vm1 --bridge br0
check "vm1 is a tap" test "$(kfield vm1 .linkinfo.info_data.type)" = tap
check "vm1 is persistent" test "$(kfield vm1 .linkinfo.info_data.persist)" = true
check "vm1 is not multi_queue" test "$(kfield vm1 .linkinfo.info_data.multi_queue)" = false
check "vm1 has no IFF_MULTI_QUEUE in tun_flags" \
	test $(( $(cat /sys/class/net/vm1/tun_flags) & 0x100 )) -eq 0
check "vm1 is a port of br0" test "$(kfield vm1 .master)" = br0
check "vm1 has the bridge's MTU (9000)" test "$(kfield vm1 .mtu)" = 9000
check "vm1's MAC starts with fe:" test "$(kfield vm1 .address | cut -c1-3)" = fe:
check "vm1 is up" bash -c "ip -j link show dev vm1 | jq -e '.[0].flags | index(\"UP\")' >/dev/null"
check "vm1 has root qdisc noqueue" bash -c "tc qdisc show dev vm1 | grep -q '^qdisc noqueue'"
check "vm1 has addr_gen_mode none" test "$(kfield vm1 .inet6_addr_gen_mode)" = none
check "vm1 carries the alias vmtap" test "$(kfield vm1 .ifalias)" = vmtap
check "list --json: vm1 mode tap, multi_queue false, bridge br0, vmtap" \
	test "$(lfield vm1 '| "\(.mode) \(.multi_queue) \(.bridge) \(.vmtap) \(.persist)"')" = "tap false br0 true true"
check "list --json: vm1 state no-carrier (up, nobody attached)" \
	test "$(lfield vm1 .state)" = no-carrier

# ---- a 2-queue tap with an owner and a group ------------------------------
check "create vm2 --queues 2 --owner nobody --group 100 exits 0" \
	"$VMTAP" create vm2 --bridge br0 --queues 2 --owner nobody --group 100 --mtu 1500
check "vm2 is multi_queue" test "$(kfield vm2 .linkinfo.info_data.multi_queue)" = true
check "vm2 has IFF_MULTI_QUEUE in tun_flags" \
	test $(( $(cat /sys/class/net/vm2/tun_flags) & 0x100 )) -ne 0
check "vm2 is owned by uid 65534" test "$(cat /sys/class/net/vm2/owner)" = 65534
check "vm2 has group 100" test "$(cat /sys/class/net/vm2/group)" = 100
check "vm2 has MTU 1500 (--mtu)" test "$(kfield vm2 .mtu)" = 1500
check "list --json: vm2 multi_queue true, owner 65534, group 100" \
	test "$(lfield vm2 '| "\(.multi_queue) \(.owner) \(.group)"')" = "true 65534 100"
check "list: a table row for vm2 with tap, yes, nobody, br0" \
	bash -c "'$VMTAP' list | grep -E -q '^vm2 +tap +yes +nobody +[^ ]+ +br0 +no-carrier +yes +- +- +- +- +-$'"

# The owner's own QEMU opens the 2-queue tap without privileges; QEMU reads
# its monitor (stdin) after setting up the netdev, so "quit" ends it.
# The kernel wants both: the owner's uid and the group.
qemu_open() { # UID GID TAP QUEUES
	echo quit | setpriv --reuid="$1" --regid="$2" --clear-groups -- \
		qemu-system-x86_64 -M none -nodefaults -display none -monitor stdio \
		-netdev "tap,id=n0,ifname=$3,script=no,downscript=no,queues=$4" >/dev/null 2>&1
}
qemu_refused() { ! qemu_open "$@"; }
if command -v qemu-system-x86_64 >/dev/null; then
	# Debian's udev makes /dev/net/tun 0666, some hosts 0600: give this
	# sandbox a 0666 node of its own, so what decides is the tap's owner.
	mknod -m 0666 "$SANDBOX_DIR/tun" c 10 200
	mount --bind "$SANDBOX_DIR/tun" /dev/net/tun
	check "uid 65534 gid 100 (owner and group) open vm2 with QEMU, queues=2" \
		qemu_open 65534 100 vm2 2
	check "uid 65533 gid 100 (not the owner) cannot open vm2" qemu_refused 65533 100 vm2 2
	check "uid 65534 gid 65534 (not in the group) cannot open vm2" \
		qemu_refused 65534 65534 vm2 2
	umount /dev/net/tun
else
	echo "SKIP: $NAME: qemu-system-x86_64 not installed: the owner's QEMU is not tried"
fi

# ---- a tun device ------------------------------------------------------------
check "create vpn0 --mode tun --owner 1000 exits 0" "$VMTAP" create vpn0 --mode tun --owner 1000
check "vpn0 is a tun (L3) device" test "$(kfield vpn0 .linkinfo.info_data.type)" = tun
check "vpn0 is persistent" test "$(kfield vpn0 .linkinfo.info_data.persist)" = true
check "vpn0 has no master" test "$(kfield vpn0 .master)" = null
check "list --json: vpn0 mode tun, no bridge, owner 1000" \
	test "$(lfield vpn0 '| "\(.mode) \(.bridge) \(.owner)"')" = "tun null 1000"

# ---- what is already there -------------------------------------------------
mac=$(kfield vm1 .address)
check "create vm1 again, same flags: exit 0 (reused)" "$VMTAP" create vm1 --bridge br0
check "  and vm1 keeps its MAC" test "$(kfield vm1 .address)" = "$mac"

expect_failure() { # LABEL STATUS NEEDLE CMD... — one line, that status, no new link
	local label=$1 want=$2 needle=$3 out rc=0 before; shift 3
	before=$(links)
	out=$("$@" 2>&1 >/dev/null) || rc=$?
	if [ "$rc" -eq "$want" ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] &&
		[[ "$out" == *"$needle"* ]] && [ "$(links)" = "$before" ]; then
		pass "$label: \"$out\""
	else
		fail "$label: exit $rc (want $want), output \"$out\" (want one line with \"$needle\"), links $(links) (before: $before)"
	fi
}
expect_failure "create vm1 with --queues 2: the kernel's EINVAL, named" 1 \
	"IFF_MULTI_QUEUE off there, queues=2 needs it on" "$VMTAP" create vm1 --bridge br0 --queues 2
expect_failure "create vm2 with 1 queue: the kernel's EINVAL, named" 1 \
	"vm2 exists with other flags (IFF_MULTI_QUEUE on there, queues=1 needs it off)" \
	"$VMTAP" create vm2 --bridge br0 --owner 65534 --group 100
# Taking over hands the device to the new owner: only when it has the very
# same owner and group already (README, "Persistent taps").
expect_failure "create vm2 for another owner: refused, naming both" 1 \
	"tap vm2 exists with owner uid 65534, group gid 100, but owner uid 2000, group gid 100 was asked; vmtap does not hand a device to a new owner; delete it as root first (vmtap delete vm2)" \
	"$VMTAP" create vm2 --bridge br0 --queues 2 --owner 2000 --group 100
expect_failure "create vm2 with no --group: refused" 1 \
	"but owner uid 65534, no group was asked" \
	"$VMTAP" create vm2 --bridge br0 --queues 2 --owner 65534
check "  vm2 is still 65534's, group 100" \
	test "$(cat /sys/class/net/vm2/owner) $(cat /sys/class/net/vm2/group)" = "65534 100"
check "create vm2 again, same owner and group: exit 0 (reused)" \
	"$VMTAP" create vm2 --bridge br0 --queues 2 --owner 65534 --group 100
expect_failure "create vm1 as tun: the kernel's EINVAL, named" 1 \
	"IFF_TAP there, IFF_TUN asked" "$VMTAP" create vm1 --mode tun

ip tuntap add dev foreign0 mode tap
check "list: foreign0 is listed, not vmtap's" test "$(lfield foreign0 .vmtap)" = false
expect_failure "create over a tap vmtap did not make" 1 "vmtap did not make it" \
	"$VMTAP" create foreign0 --bridge br0
expect_failure "create over a bridge" 1 "br0 already exists and is a bridge" \
	"$VMTAP" create br0 --bridge br0
expect_failure "delete a tap vmtap did not make" 1 "use --force" "$VMTAP" delete foreign0
expect_failure "delete a bridge, even forced" 1 "not a tun/tap device" "$VMTAP" delete --force br0
expect_failure "delete vm1 and a missing name: none deleted" 1 "link nothere does not exist" \
	"$VMTAP" delete vm1 nothere
check "  vm1 is still there" ip link show dev vm1 >/dev/null
check "delete --force foreign0" "$VMTAP" delete --force foreign0
check "  foreign0 is gone" bash -c "! ip link show dev foreign0 >/dev/null 2>&1"

# ---- bad input -----------------------------------------------------------------
expect_failure "tun mode with a bridge" 2 "--mode tun makes an L3 device with no bridge" \
	"$VMTAP" create vpn1 --mode tun --bridge br0
expect_failure "a tap without a bridge" 2 "a tap needs --bridge" "$VMTAP" create vm3
expect_failure "a missing bridge" 1 "bridge br9 does not exist" "$VMTAP" create vm3 --bridge br9
expect_failure "queues 0" 2 "--queues 0: expected 1..64" "$VMTAP" create vm3 --bridge br0 --queues 0
expect_failure "a truncating name" 2 "bad NAME \"abcdefghijklmnopq\"" \
	"$VMTAP" create abcdefghijklmnopq --bridge br0
expect_failure "an unknown owner" 2 "--owner no-such-user: no user \"no-such-user\"; expected a user name or a numeric uid" \
	"$VMTAP" create vm3 --bridge br0 --owner no-such-user
expect_failure "an unknown mode" 2 "--mode tup: expected tap, tun, bridge, vepa, private or passthru" "$VMTAP" create vm3 --mode tup
expect_failure "a multicast MAC" 2 "--mac 01:00:00:00:00:01" \
	"$VMTAP" create vm3 --bridge br0 --mac 01:00:00:00:00:01
expect_failure "create without CAP_NET_ADMIN" 1 "needs CAP_NET_ADMIN" \
	setpriv --reuid=65534 --regid=65534 --clear-groups -- "$VMTAP" create vm3 --bridge br0
expect_failure "delete without CAP_NET_ADMIN" 1 "needs CAP_NET_ADMIN" \
	setpriv --reuid=65534 --regid=65534 --clear-groups -- "$VMTAP" delete vm1

# ---- list tells the truth ---------------------------------------------------------
# A tap the helper makes (no alias, the name vmtap picks) while the command
# vmtap exec runs in QEMU's place holds its one queue.
sandbox_acl "allow br0"
LST=$SANDBOX_DIR/list
check "exec through the helper (root, 1 queue) exits 0" \
	"$VMTAP" exec --socket /run/vmtap/none.sock --nic br0,vhost=off -- \
	sh -c "'$VMTAP' list --json >'$LST.json' && '$VMTAP' list >'$LST.txt'"
htap=$(jq -r '.[] | select(.name | test("^vmt[0-9a-f]{8}$")) | .name' "$LST.json")
check "list --json saw the helper's tap ($htap)" test -n "$htap"
check "list --json: the helper's tap is vmtap's" \
	test "$(jq -r ".[] | select(.name == \"$htap\") | .vmtap" "$LST.json")" = true
check "list --json: a single-queue tap QEMU holds has 1 queue, not 0" \
	test "$(jq -r ".[] | select(.name == \"$htap\") | .queues" "$LST.json")" = 1
check "list: the helper's tap says VMTAP yes" \
	bash -c '[ "$(awk -v n="$1" "\$1 == n { print \$8 }" "$2")" = yes ]' _ "$htap" "$LST.txt"
check "list --json: vm1, nobody attached, has 0 queues" test "$(lfield vm1 .queues)" = 0
# An owner whose name is longer than the old fixed column.
long=a-rather-long-user-name-here
echo "$long:x:4242:4242::/nonexistent:/usr/sbin/nologin" >>/etc/passwd
check "create vmlong --owner $long" "$VMTAP" create vmlong --bridge br0 --owner "$long"
"$VMTAP" list >"$LST.txt"
# Each column starts where its heading does, on every row.
hdr=$(head -n 1 "$LST.txt")
col() { local h=$1; local pre=${h%%"$2"*}; echo "${#pre}"; }
row=$(grep '^vmlong ' "$LST.txt")
check "list: a long owner name does not shift the columns after it" \
	test "${row:$(col "$hdr" BRIDGE):4}" = "br0 " -a "${row:$(col "$hdr" OWNER):${#long}}" = "$long"
check "delete vmlong" "$VMTAP" delete vmlong

# ---- bandwidth limits, as the kernel has them ----------------------------------------
check "create vlim --inbound 10mbit:20mbit" "$VMTAP" create vlim --bridge br0 --inbound 10mbit:20mbit
check "list --json: vlim inbound 10mbit:20mbit (its tbf), outbound null" \
	test "$(lfield vlim '| "\(.inbound) \(.outbound)"')" = "10mbit:20mbit null"
check "list --json: vm1 (no limit) inbound and outbound null" \
	test "$(lfield vm1 '| "\(.inbound) \(.outbound)"')" = "null null"
# A limit set by hand is the kernel's too: list reads it, not vmtap's request.
tc qdisc replace dev vm1 root tbf rate 3mbit burst 64kb latency 50ms
check "list --json: vm1 inbound 3mbit after tc set a tbf" test "$(lfield vm1 .inbound)" = 3mbit
tc qdisc replace dev vm1 root noqueue
# Outbound by police, where the kernel has the action.
if "$VMTAP" create vpol --bridge br0 --outbound 5mbit 2>/dev/null; then
	check "list --json: vpol outbound 5mbit (its ingress police)" \
		test "$(lfield vpol .outbound)" = 5mbit
	"$VMTAP" delete vpol
else
	echo "SKIP: $NAME: this kernel has no police action: outbound by police not read"
fi
# Outbound by an IFB: the tap's ingress redirected (mirred) to an IFB whose
# root tbf is the limit.
ip link add vifb0 type ifb
ip link set vifb0 up
tc qdisc add dev vifb0 root tbf rate 7mbit burst 64kb latency 50ms
tc qdisc add dev vlim ingress
tc filter add dev vlim ingress u32 match u32 0 0 action mirred egress redirect dev vifb0
check "list --json: vlim outbound 7mbit (the tbf of the IFB its ingress redirects to)" \
	test "$(lfield vlim .outbound)" = 7mbit
"$VMTAP" list >"$LST.txt"
hdr=$(head -n 1 "$LST.txt")
row=$(grep '^vlim ' "$LST.txt")
check "list: vlim's INBOUND and OUTBOUND under their headings, TRUNK after them" \
	test "${row:$(col "$hdr" INBOUND):14}" = "10mbit:20mbit " -a \
	"${row:$(col "$hdr" OUTBOUND):6}" = "7mbit " -a "${row:$(col "$hdr" TRUNK)}" = "-"
ip link del vifb0
check "delete vlim" "$VMTAP" delete vlim

# ---- help and argv slips -----------------------------------------------------------
check "vmtap help exec prints exec's help" \
	bash -c '"$1" help exec | head -n 1 | grep -q "^Usage: vmtap exec "' _ "$VMTAP"
expect_failure "exec without -- before QEMU's argv: the hint" 2 \
	"put -- before QEMU's argv" "$VMTAP" exec --nic br0 qemu-system-x86_64 -m 1G

# ---- delete ----------------------------------------------------------------------
check "delete vm1 vm2 vpn0" "$VMTAP" delete vm1 vm2 vpn0
check "  they are gone" test "$(links)" = "br0 lo "
check "list --json is an empty array" test "$("$VMTAP" list --json | jq length)" = 0

exit "$failed"
