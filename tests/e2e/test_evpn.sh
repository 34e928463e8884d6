#!/usr/bin/env bash
# test_evpn.sh — VM NICs on a BGP EVPN / VXLAN overlay across two hosts,
# reachable from the moment they are plugged (README, "Across hosts").
#
# Two network namespaces inside this test's sandbox are two hosts: an
# underlay veth (198.51.100.1/30 and .2/30, MTU 1550), and on each the
# overlay made by examples/evpn/host-setup.sh (br100 + vx100, VNI 100) and
# FRR (zebra + bgpd with private paths, configured from
# examples/evpn/frr.conf).  Host A gets its NIC from a vmtapd of its own,
# host B from `vmtap exec` through the helper; each NIC is held by
# tests/e2e/evpn-nic.py, which stands in for QEMU on the tap fd.  Checks:
#   - vmtap doctor on A: VNI 100, learning off, 50 bytes of MTU headroom,
#     FRR knows VNI 100 with an established peer (vtysh reached through a
#     wrapper that names A's private vty socket);
#   - announce=on: the guest MAC is a static FDB entry on the tap, learning
#     is off, the port is not locked;
#   - with neither NIC having sent a frame (their taps count 0 packets),
#     B's kernel FDB has A's guest MAC behind vx100 pointing at A's VTEP,
#     and A's has B's;
#   - frames B's NIC writes on its tap fd arrive on A's NIC across the
#     overlay;
#   - closing A's NIC withdraws its MAC from B's FDB;
#   - with FRR stopped on A, a NIC with announce=on is made all the same
#     (its static entry is in A's FDB); FRR started again advertises it;
#   - real guests (tests/lib/guest.sh, under TCG), one per host, ping each
#     other across the overlay: A's NIC from vmtapd, B's through
#     examples/evpn/vm.sh as it is (skipped, saying so, without QEMU or the
#     guest cache; the rest still runs).
# Measured and printed (not asserted): plug to the MAC in the remote FDB,
# median of 10, with announce=on, against a NIC without it whose guest
# sends a frame at once (plug -> first frame -> remote FDB).
# Needs FRR (tests/lib/deps.sh installs it); skipped without it.
# Exit: 0 pass, 77 skipped, anything else fail.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
B=$(cd "$REPO" && readlink -m -- "${B:-build}")
NAME=evpn
VMTAP=$B/vmtap
NICPY=$REPO/tests/e2e/evpn-nic.py
. "$REPO/tests/lib/sandbox.sh"
. "$REPO/tests/lib/testlib.sh"
. "$REPO/tests/lib/guest.sh"

if ! sandbox_inside; then
	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, taps, FRR)"
	[ -x /usr/lib/frr/zebra ] && [ -x /usr/lib/frr/bgpd ] && command -v vtysh >/dev/null ||
		skip "FRR is not installed (apt-get install frr; make deps installs it)"
	for t in jq python3; do
		command -v "$t" >/dev/null || skip "$t is not installed (make deps)"
	done
	for p in vmtap vmtapd vmtap-bridge-helper; do
		[ -x "$B/$p" ] || { echo "FAIL: $NAME: no $B/$p (run make first)"; exit 1; }
	done
	# The guests are a part of their own: without QEMU or the guest cache
	# the rest still runs, and says so.
	export EVPN_GUESTS=yes
	if ! command -v qemu-system-x86_64 >/dev/null; then
		EVPN_GUESTS="qemu-system-x86_64 is not installed"
	elif ! guest_build; then
		EVPN_GUESTS="the tiny guest could not be built"
	fi
	sandbox_enter "$0" "$@"
fi

now_us() { echo "${EPOCHREALTIME/./}"; }
# wait_for SECONDS CMD... — poll CMD every 10 ms until it succeeds, at most
# SECONDS (a generous bound, never a measured one); its last status.
wait_for() {
	local end=$(( $(now_us) + $1 * 1000000 )); shift
	until "$@"; do
		[ "$(now_us)" -lt "$end" ] || return 1
		sleep 0.01
	done
}
# remote_has NS MAC VTEP — NS's kernel FDB has MAC on vx100 pointing at VTEP.
remote_has() { bridge -n "$1" fdb show dev vx100 | grep -q "^$2 dst $3 self"; }
remote_lacks() { ! bridge -n "$1" fdb show dev vx100 | grep -q "^$2 "; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

sandbox_private_run
# FRR keeps crash logs under /var/tmp/frr: a private /var/tmp keeps them
# off the host.
sandbox_tmpfs /var/tmp
W=/run/evpn
mkdir -p "$W" /run/frr
chown frr:frr /run/frr
LOGDIR=${TEST_LOG_DIR:-$B/test-logs}/e2e
mkdir -p "$LOGDIR"

declare -A IP=([a]=198.51.100.1 [b]=198.51.100.2)
MAC_A=52:54:00:e0:00:0a MAC_B=52:54:00:e0:00:0b
pids=()
cleanup() {
	local p ns f
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for f in "$W"/*/*.pid; do [ -e "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
	for ns in a b; do
		[ -d "$W/$ns" ] && cp "$W/$ns"/*.log "$LOGDIR/" 2>/dev/null || true
		ip netns del "evpn-$ns" 2>/dev/null || true
	done
}
trap cleanup EXIT

# ---- two hosts: underlay, overlay (the example), FRR (the example) -----------
ip netns add evpn-a
ip netns add evpn-b
ip -n evpn-a link add ul0 mtu 1550 type veth peer name ul0 netns evpn-b mtu 1550
for ns in a b; do
	ip netns exec "evpn-$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	ip -n "evpn-$ns" link set lo up
	ip -n "evpn-$ns" addr add "${IP[$ns]}/30" dev ul0
	ip -n "evpn-$ns" link set ul0 up
	ip netns exec "evpn-$ns" env VNI=100 LOCAL="${IP[$ns]}" DEV=ul0 \
		"$REPO/examples/evpn/host-setup.sh"
done

# start_frr NS — zebra, then bgpd, in host NS with private paths under
# $W/NS (vty sockets, zserv socket, pid files, logs), no vty TCP port.
start_frr() {
	local ns=$1 D=$W/$1
	local C=(--vty_socket "$D" -z "$D/zserv.api" -P 0)
	ip netns exec "evpn-$ns" /usr/lib/frr/zebra -d "${C[@]}" -f "$D/zebra.conf" \
		-i "$D/zebra.pid" --log "file:$D/zebra-$ns.log" 2>>"$D/stderr-$ns.log"
	wait_for 10 test -S "$D/zserv.api" || { echo "FAIL: $NAME: zebra on host $ns did not start"; exit 1; }
	ip netns exec "evpn-$ns" /usr/lib/frr/bgpd -d "${C[@]}" -f "$D/bgpd.conf" \
		-i "$D/bgpd.pid" --log "file:$D/bgpd-$ns.log" 2>>"$D/stderr-$ns.log"
}
# stop_frr NS — bgpd and zebra of host NS, by their pid files; waits until
# they are gone (bounded).
stop_frr() {
	local d p
	for d in bgpd zebra; do
		p=$(cat "$W/$1/$d.pid")
		kill "$p" 2>/dev/null || true
		wait_for 20 bash -c '! kill -0 "$1" 2>/dev/null' _ "$p" || true
	done
}
for ns in a b; do
	D=$W/$ns
	mkdir -p "$D" "$D/bin"
	echo "hostname host-$ns" >"$D/zebra.conf"
	if [ "$ns" = a ]; then
		cp "$REPO/examples/evpn/frr.conf" "$D/bgpd.conf"
	else
		sed -e 's/198\.51\.100\.1/PEER/g; s/198\.51\.100\.2/198.51.100.1/g' \
			-e 's/PEER/198.51.100.2/g; s/^hostname host-a/hostname host-b/' \
			"$REPO/examples/evpn/frr.conf" >"$D/bgpd.conf"
	fi
	printf '#!/bin/sh\nexec /usr/bin/vtysh --vty_socket %s "$@"\n' "$D" >"$D/bin/vtysh"
	chmod 0755 "$D/bin/vtysh"
	chown -R frr:frr "$D"
	start_frr "$ns"
done
vty() { local ns=$1; shift; "$W/$ns/bin/vtysh" -c "$*"; }

# Session up and each host's VTEP in the other's flood list (type-3).
if wait_for 60 remote_has evpn-a 00:00:00:00:00:00 "${IP[b]}" &&
	wait_for 60 remote_has evpn-b 00:00:00:00:00:00 "${IP[a]}"; then
	pass "FRR from examples/evpn/frr.conf: EVPN session up, each VTEP in the other's flood list"
else
	fail "no EVPN session between the hosts"
	vty b 'show bgp l2vpn evpn summary' || true
	exit 1
fi

# ---- vmtap doctor sees the overlay ---------------------------------------------
out=$(ip netns exec evpn-a env PATH="$W/a/bin:$PATH" "$VMTAP" doctor) || true
line() { printf '%s\n' "$out" | grep -E "^(ok|warn|fail) +$1 " | head -n 1; }
check "doctor: vx100 is VNI 100 on br100, local ${IP[a]}, up" \
	grep -q "^ok .*vx100: VNI 100 on bridge br100, local ${IP[a]}, UDP port 4789, up" <<<"$(line 'vxlan vx100')"
check "doctor: learning off on vx100 and neigh_suppress on (the example's settings)" \
	grep -q '^ok .*learning off (device and bridge port).*neigh_suppress on$' <<<"$(line 'vxlan vx100 learning')"
check "doctor: 50 bytes of MTU headroom on ul0" \
	grep -q '^ok .*bridge br100 MTU 1500, vx100 MTU 1500, underlay ul0 MTU 1550: 50 bytes of headroom' <<<"$(line 'vxlan vx100 mtu')"
check "doctor: FRR knows VNI 100, one EVPN peer established" \
	grep -q '^ok .*FRR knows VNI 100 (1 remote VTEP); 1 of 1 EVPN peer established' <<<"$(line evpn)"

# ---- a NIC on each host, announce=on: A through vmtapd, B through the helper ----
CONF=/etc/vmtap/evpn.conf SOCK=/run/vmtap/evpn-a.sock
mkdir -p /etc/vmtap
echo "allow br100 user root" >"$CONF"
chmod 0644 "$CONF"
sandbox_acl "allow br100"
ip netns exec evpn-a "$B/vmtapd" --foreground --socket "$SOCK" --config "$CONF" \
	2>"$LOGDIR/evpn-vmtapd.log" &
pids+=($!)
wait_for 10 test -S "$SOCK" || { echo "FAIL: $NAME: vmtapd did not start"; cat "$LOGDIR/evpn-vmtapd.log"; exit 1; }

# plug NS MODE READY SPEC [PEER] — a NIC on NS's br100, held by evpn-nic.py
# (through vmtapd on A; on B no daemon answers, so the helper makes it).
plug() {
	local ns=$1 mode=$2 ready=$3 spec=$4 peer=${5:-}
	local sock=$SOCK
	[ "$ns" = a ] || sock=/run/vmtap/none.sock
	rm -f "$ready" "$ready.go"
	ip netns exec "evpn-$ns" "$VMTAP" exec --socket "$sock" --nic "br100,vhost=off,$spec" -- \
		python3 "$NICPY" "$mode" "$ready" $peer &
}
# rx_packets NS TAP — frames the NIC's holder wrote into TAP.
rx_packets() { ip netns exec "evpn-$1" cat /proc/net/dev | awk -v t="$2:" '$1 == t { print $3 }'; }
# tap_of NS MAC — the tap on NS's br100 whose FDB entry is MAC's.
tap_of() { bridge -n "$1" fdb show br br100 | awk -v m="$2" '$1 == m && $2 == "dev" { print $3; exit }'; }

plug a recv "$W/a.ready" "mac=$MAC_A,announce=on" >"$W/a.out"
pid_a=$!
pids+=("$pid_a")
plug b send "$W/b.ready" "mac=$MAC_B,announce=on" "$MAC_A"
pid_b=$!
pids+=("$pid_b")
wait_for 20 test -e "$W/a.ready" && wait_for 20 test -e "$W/b.ready" ||
	{ echo "FAIL: $NAME: the NICs were not made"; cat "$LOGDIR/evpn-vmtapd.log"; exit 1; }
tap_a=$(tap_of evpn-a "$MAC_A") tap_b=$(tap_of evpn-b "$MAC_B")
check "A's NIC ${tap_a:-?} came from vmtapd, which logged announce=on" \
	grep -q "grant uid=0 .*bridge=br100 ifname=$tap_a .*announce=on" "$LOGDIR/evpn-vmtapd.log"
check "announce=on: $MAC_A is a static FDB entry on A's tap ${tap_a:-?}" \
	bash -c 'bridge -n evpn-a fdb show dev "$1" | grep -Eq "^$2 (sticky )?master br100 static"' _ "$tap_a" "$MAC_A"
check "announce=on: learning off on the tap, and not locked" \
	bash -c 'bridge -n evpn-a -d link show dev "$1" | grep -q "learning off" &&
		bridge -n evpn-a -d link show dev "$1" | grep -q "locked off"' _ "$tap_a"

if wait_for 30 remote_has evpn-b "$MAC_A" "${IP[a]}"; then
	pass "B's kernel FDB: $MAC_A on vx100, dst ${IP[a]} (A's VTEP)"
else
	fail "B's kernel FDB never got $MAC_A: $(bridge -n evpn-b fdb show dev vx100 | tr '\n' ';')"
fi
if wait_for 30 remote_has evpn-a "$MAC_B" "${IP[b]}"; then
	pass "A's kernel FDB: $MAC_B on vx100, dst ${IP[b]} (B's VTEP)"
else
	fail "A's kernel FDB never got $MAC_B"
fi
check "... and neither NIC had sent a frame (their taps received 0 packets)" \
	test "$(rx_packets a "$tap_a")$(rx_packets b "$tap_b")" = 00

# ---- frames cross the overlay ----------------------------------------------------
touch "$W/b.ready.go"
if wait_for 20 grep -q "^got $MAC_B vmtap-evpn $MAC_B\$" "$W/a.out"; then
	pass "frames from B's NIC (helper) arrive on A's NIC (vmtapd) across the overlay"
else
	fail "no frame from B's NIC arrived on A's NIC"
fi

# ---- closing a NIC withdraws its MAC --------------------------------------------
kill "$pid_a"
wait "$pid_a" 2>/dev/null || true
if wait_for 30 remote_lacks evpn-b "$MAC_A"; then
	pass "A's NIC closed: $MAC_A withdrawn from B's FDB"
else
	fail "$MAC_A still in B's FDB after A's NIC closed"
fi
kill "$pid_b"
wait "$pid_b" 2>/dev/null || true

# ---- FRR down on A: the NIC is made all the same; advertised once it runs -------
stop_frr a
MAC_C=52:54:00:e0:00:0c
plug a hold "$W/c.ready" "mac=$MAC_C,announce=on"
pid_c=$!
pids+=("$pid_c")
if wait_for 20 test -e "$W/c.ready"; then
	pass "FRR not running on A: the NIC with announce=on is made all the same"
else
	fail "FRR not running on A: no NIC"
fi
check "... its MAC is in A's FDB, static, on its port" \
	bash -c 'bridge -n evpn-a fdb show br br100 | grep -Eq "^$1 dev vmt[0-9a-f]+ (sticky )?master br100 static"' _ "$MAC_C"
start_frr a
if wait_for 60 remote_has evpn-b "$MAC_C" "${IP[a]}"; then
	pass "FRR started again on A: the MAC of the NIC made while it was down reaches B's FDB"
else
	fail "FRR started again on A: $MAC_C never reached B's FDB"
fi
kill "$pid_c"
wait "$pid_c" 2>/dev/null || true
wait_for 30 remote_lacks evpn-b "$MAC_C" || fail "$MAC_C still in B's FDB after its NIC closed"

# ---- real guests ping each other across the overlay ------------------------------
# Guest A's NIC comes from vmtapd, guest B's from examples/evpn/vm.sh as it
# is (vmtap exec through the helper).  Each pings the other until it
# answers (bounded: 60 tries), then stays up 15 s for the other's pings.
guest_pinger() { # FILE ADDR PEER
	cat >"$1" <<-EOF
	set -e
	. /lib/guest.sh
	net_up eth0 $2
	n=0
	until ping -c 1 -w 2 ${3%/*} >/dev/null; do
		n=\$((n + 1))
		[ \$n -lt 60 ] || exit 1
	done
	echo GUEST_PEER_ANSWERED
	sleep 15
	EOF
}
if [ "${EVPN_GUESTS:-}" = yes ]; then
	GA=52:54:00:e0:01:0a GB=52:54:00:e0:01:0b
	guest_pinger "$W/ga.sh" 192.0.2.10/24 192.0.2.11
	guest_pinger "$W/gb.sh" 192.0.2.11/24 192.0.2.10
	export GUEST_TIMEOUT=300
	(
		GUEST_QEMU_PREFIX=(ip netns exec evpn-a "$VMTAP" exec --socket "$SOCK"
			--nic "br100,vhost=off,mac=$GA,announce=on" --)
		guest_run "$W/ga.sh" "$LOGDIR/evpn-guest-a.log"
	) &
	ga=$!
	(
		GUEST_QEMU_PREFIX=(ip netns exec evpn-b env VNI=100 MAC="$GB" VMTAP="$VMTAP"
			QEMU=qemu-system-x86_64)
		GUEST_QEMU=$REPO/examples/evpn/vm.sh guest_run "$W/gb.sh" "$LOGDIR/evpn-guest-b.log"
	) &
	gb=$!
	if wait_for 200 remote_has evpn-a "$GB" "${IP[b]}"; then
		pass "examples/evpn/vm.sh on B: its guest's MAC in A's FDB, dst ${IP[b]}"
	else
		fail "examples/evpn/vm.sh on B: its guest's MAC never reached A's FDB"
	fi
	wait "$ga" || true
	wait "$gb" || true
	for g in a b; do
		if guest_log_has "$LOGDIR/evpn-guest-$g.log" GUEST_PEER_ANSWERED; then
			pass "guest on host $g pings the guest on the other host across the overlay"
		else
			fail "guest on host $g got no answer from the other (console: $LOGDIR/evpn-guest-$g.log)"
		fi
	done
else
	echo "SKIP: $NAME: guests: $EVPN_GUESTS (frames on tap fds above cross the overlay)"
fi

# ---- measured: plug to remote FDB, with and without announce --------------------
declare -a with without first after
for i in $(seq 10 19); do
	m=52:54:00:e1:00:$i
	t0=$(now_us)
	plug a hold "$W/m.ready" "mac=$m,announce=on"
	p=$!
	if wait_for 30 remote_has evpn-b "$m" "${IP[a]}"; then
		with+=($(( ($(now_us) - t0) / 1000 )))
	fi
	kill "$p"; wait "$p" 2>/dev/null || true
	wait_for 30 remote_lacks evpn-b "$m" || true

	m=52:54:00:e2:00:$i
	t0=$(now_us)
	plug a first "$W/m.ready" "mac=$m"
	p=$!
	if wait_for 30 remote_has evpn-b "$m" "${IP[a]}"; then
		t1=$(now_us)
		tf=$(sed 's/\.//' "$W/m.ready")
		without+=($(( (t1 - t0) / 1000 )))
		first+=($(( (tf - t0) / 1000 )))
		after+=($(( (t1 - tf) / 1000 )))
	fi
	kill "$p"; wait "$p" 2>/dev/null || true
	wait_for 30 remote_lacks evpn-b "$m" || true
done
check "measured 10 NICs each way" test "${#with[@]}" -eq 10 -a "${#without[@]}" -eq 10
echo "MEASURED: $NAME: plug -> MAC in the remote FDB, median of ${#with[@]}, announce=on: $(printf '%s\n' "${with[@]}" | median) ms"
echo "MEASURED: $NAME: without announce, guest sending at once: plug -> first frame $(printf '%s\n' "${first[@]}" | median) ms (the stand-in's start), first frame -> remote FDB $(printf '%s\n' "${after[@]}" | median) ms, plug -> remote FDB $(printf '%s\n' "${without[@]}" | median) ms (median of ${#without[@]}; a booting guest sends its first frame seconds after the plug)"

exit "$failed"
