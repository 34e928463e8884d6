#!/usr/bin/env bash
# demo.sh — `make demo`: boot a tiny Linux guest under `vmtap exec`, whose
# 4-queue network card is a tap made by build/vmtap-bridge-helper, and show
# what happens.
#
# Everything runs in a throwaway network + mount namespace
# (tests/lib/sandbox.sh): the bridge, the tap and /etc/qemu/bridge.conf
# exist only there and vanish when the demo ends.  Addresses are from
# 192.0.2.0/24 (documentation range); no packet leaves the namespace.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HELPER=${HELPER:-$REPO/build/vmtap-bridge-helper}
VMTAP=$REPO/build/vmtap
export HELPER
. "$REPO/tests/lib/sandbox.sh"
. "$REPO/tests/lib/guest.sh"

say() { printf '%s\n' "$*"; }
indent() { sed 's/^/    /'; }
rel() { printf '%s' "${1#"$REPO"/}"; }

preflight() {
	if [ "$(id -u)" -ne 0 ]; then
		say "vmtap demo: must run as root: it creates a bridge and a tap (in a"
		say "private network namespace that disappears afterwards).  Run: sudo make demo"
		exit 1
	fi
	command -v qemu-system-x86_64 >/dev/null ||
		{ say "vmtap demo: qemu-system-x86_64 not found (make deps installs it)"; exit 1; }
	[ -x "$HELPER" ] && [ -x "$VMTAP" ] ||
		{ say "vmtap demo: $(rel "$VMTAP") or $(rel "$HELPER") not found: run make demo (it builds first)"; exit 1; }
	say "vmtap demo: a tiny Linux guest gets a 4-queue network card from $(rel "$VMTAP") exec."
	local err start
	if [ ! -f "$GUEST_DIR/base.cpio" ]; then
		say "  First run: downloading Debian's kernel and busybox once into $(rel "$GUEST_DIR")/ ..."
	fi
	# apt's progress lines are noise here unless something goes wrong.
	err=$(mktemp)
	start=$SECONDS
	if ! guest_build 2>"$err"; then
		cat "$err" >&2
		rm -f "$err"
		exit 1
	fi
	rm -f "$err"
	[ $((SECONDS - start)) -lt 2 ] || say "  Guest ready in $((SECONDS - start)) s (cached for next time)."
}

# What the guest runs: bring up its virtio NIC, describe it, ping the host.
write_guest_script() {
	cat >"$1" <<-'EOF'
		. /lib/guest.sh
		net_up eth0 192.0.2.2/24 || exit 1
		q=$(ls -d /sys/class/net/eth0/queues/rx-* | wc -l)
		echo "DEMO eth0 $(cat /sys/class/net/eth0/address), virtio-net, $q queue(s), 192.0.2.2/24"
		ping_ok 192.0.2.1 3 || exit 1
		echo GUEST_PING_OK
	EOF
}

# Wait for the helper's tap to join br0 while QEMU (pid $1) runs; print it.
show_tap() {
	local qpid=$1 tap="" _
	for _ in $(seq 300); do
		tap=$(ip -o link show master br0 2>/dev/null | awk -F': ' 'NR==1 {print $2}')
		tap=${tap%@*}
		[ -n "$tap" ] && break
		kill -0 "$qpid" 2>/dev/null || break
		sleep 0.1
	done
	if [ -z "$tap" ]; then
		say "    (no tap appeared on br0)"
		return 0
	fi
	say "  \$ ip -d link show master br0      (abridged)"
	ip -d link show master br0 | abridge_link | indent
	say "  \$ tc qdisc show dev $tap"
	tc qdisc show dev "$tap" | indent
}

# ip -d prints every bridge-port knob on one long line; keep what this
# demo is about: state, qdisc, tap flags, queues, IPv6 address generation.
abridge_link() {
	local l
	while IFS= read -r l; do
		case $l in
		*bridge_slave*)
			printf '    %s … %s %s\n' \
				"$(grep -o 'bridge_slave state [a-z]*' <<<"$l")" \
				"$(grep -o 'addrgenmode [a-z0-9_]*' <<<"$l")" \
				"$(grep -o 'numtxqueues [0-9]* numrxqueues [0-9]*' <<<"$l")"
			;;
		*link/ether*) printf '%s\n' "${l%% promiscuity*}" ;;
		*) printf '%s\n' "${l%% mode DEFAULT*}" ;;
		esac
	done
}

# The guest's console, less the firmware and kernel chatter.
show_console() {
	sed -n '/GUEST_BOOTED/,/GUEST_EXIT/p' "$1" |
		grep -v -e '^\[ *[0-9.]*\]' -e '^$' -e '^---' -e '^GUEST_[A-Z_]*=*[0-9]*$' |
		sed -e 's/^GUEST_BOOTED /booted Linux /' -e 's/^DEMO //' |
		indent || true
}

main_inside() {
	local script="$SANDBOX_DIR/demo-guest.sh" log qpid rc=0
	# Kept after the demo, for a look at the whole boot.
	mkdir -p "$REPO/build/demo"
	log="$REPO/build/demo/console.log"
	write_guest_script "$script"

	say ""
	say "[1/4] In a private network namespace: bridge br0 192.0.2.1/24;"
	say "      /etc/qemu/bridge.conf (private copy) says: allow br0"
	sandbox_bridge br0 192.0.2.1/24
	sandbox_acl "allow br0"

	say "[2/4] Booting the guest under QEMU (software emulation, ~10-20 s):"
	say "      $(rel "$VMTAP") exec --nic br0,queues=4 -- \\"
	say "        qemu-system-x86_64 -M q35 -smp 4 -m $GUEST_MEM -kernel … -initrd …"
	say "      vmtap gets the tap from $(rel "$HELPER"), adds"
	say "      -netdev tap,fds=a:b:c:d and -device virtio-net-pci,…,mq=on,vectors=10,"
	say "      and becomes QEMU (same pid)."
	GUEST_QEMU_PREFIX=("$VMTAP" exec --helper "$HELPER" --nic br0,queues=4 --)
	guest_run "$script" "$log" -smp 4 2>"$SANDBOX_DIR/guest.err" &
	qpid=$!

	say "[3/4] The tap vmtap made for QEMU, as the host sees it:"
	show_tap "$qpid"

	wait "$qpid" || rc=$?
	say "[4/4] The guest's console:"
	show_console "$log"
	say ""
	if [ "$rc" -eq 0 ] && guest_log_has "$log" GUEST_PING_OK &&
		guest_log_has "$log" "virtio-net, 4 queue(s)"; then
		say "OK: the guest saw 4 queues and pinged the host side of br0 through vmtap's tap."
		say "The namespace, bridge, tap and bridge.conf are gone now; the whole"
		say "console is in $(rel "$log")."
		return 0
	fi
	say "FAILED: the guest did not see 4 queues or could not ping 192.0.2.1.  What vmtap,"
	say "QEMU and the guest said:"
	indent <"$SANDBOX_DIR/guest.err"
	return 1
}

if ! sandbox_inside; then
	preflight
	sandbox_enter "$0" "$@"
fi
main_inside
