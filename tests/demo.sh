#!/usr/bin/env bash
# demo.sh — `make demo`: boot a tiny Linux guest whose QEMU runs as nobody,
# with no capabilities, under `vmtap exec`; its 4-queue network card comes
# from vmtap's privileged side, shown both ways:
#   (a) a setuid-root copy of build/vmtap-bridge-helper, allowed by
#       /etc/qemu/bridge.conf (what qemu-bridge-helper users know);
#   (b) vmtapd, granting the bridge to nobody by /etc/vmtap/vmtapd.conf,
#       with no setuid binary at all.
#
# Everything runs in a throwaway network + mount + pid namespace
# (tests/lib/sandbox.sh): the bridge, the taps, vmtapd, bridge.conf and
# vmtapd.conf exist only there and vanish when the demo ends.  What nobody
# runs and reads (vmtap, the helper copy, the guest's kernel and initrd)
# is copied to a tmpfs of the sandbox's own: a checkout under /root is
# not reachable for nobody.  Addresses are from 192.0.2.0/24
# (documentation range); no packet leaves the namespace.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HELPER=${HELPER:-$REPO/build/vmtap-bridge-helper}
VMTAP=$REPO/build/vmtap
VMTAPD=$REPO/build/vmtapd
export HELPER
. "$REPO/tests/lib/sandbox.sh"
. "$REPO/tests/lib/guest.sh"

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --)

say() { printf '%s\n' "$*"; }
indent() { sed 's/^/    /'; }
rel() { printf '%s' "${1#"$REPO"/}"; }

preflight() {
	local p err start
	if [ "$(id -u)" -ne 0 ]; then
		say "vmtap demo: must run as root: it creates a bridge, taps and a daemon (in"
		say "private namespaces that disappear afterwards), then drops to nobody."
		say "Run: sudo make demo"
		exit 1
	fi
	for p in qemu-system-x86_64 setpriv; do
		command -v "$p" >/dev/null ||
			{ say "vmtap demo: $p not found (make deps installs it)"; exit 1; }
	done
	for p in "$VMTAP" "$VMTAPD" "$HELPER"; do
		[ -x "$p" ] ||
			{ say "vmtap demo: $(rel "$p") not found: run make demo (it builds first)"; exit 1; }
	done
	say "vmtap demo: a tiny Linux guest gets a 4-queue network card while its QEMU"
	say "runs as nobody, with no capabilities: the privilege is vmtap's, not QEMU's."
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
	cat >"$1" <<-'EOF2'
		. /lib/guest.sh
		net_up eth0 192.0.2.2/24 || exit 1
		q=$(ls -d /sys/class/net/eth0/queues/rx-* | wc -l)
		echo "DEMO eth0 $(cat /sys/class/net/eth0/address), virtio-net, $q queue(s), 192.0.2.2/24"
		ping_ok 192.0.2.1 3 || exit 1
		echo GUEST_PING_OK
	EOF2
}

# The tap on br0, or nothing.
tap_on_br0() {
	local t
	t=$(ip -o link show master br0 2>/dev/null | awk -F': ' 'NR==1 {print $2}')
	printf '%s' "${t%@*}"
}

# Wait until the child of timeout (pid $1) has become QEMU and the guest
# has brought its NIC up (so all 4 queues of the tap are enabled: QEMU
# disables all but the first until the guest's driver asks for more); print
# QEMU's pid, or nothing if it ended first.  QEMU writes its console to
# $2 as it goes.
wait_qemu() {
	local tpid=$1 console=$2 pid="" _
	for _ in $(seq 600); do
		kill -0 "$tpid" 2>/dev/null || return 0
		[ -n "$pid" ] || pid=$(ps -o pid= --ppid "$tpid" | tr -d ' ' | sed -n 1p)
		if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = qemu-system-x86 ] &&
			grep -q '^DEMO eth0' "$console" 2>/dev/null; then
			echo "$pid"
			return 0
		fi
		sleep 0.1
	done
}

# Who QEMU (pid $1) runs as and the tap fds it holds; the verdict, checked
# against /proc, names where the NIC came from ($2).
show_qemu() {
	local pid=$1 from=$2 n
	say "  \$ ps -o pid,user,comm -p $pid; grep -E '^(Uid|Gid|CapPrm|CapEff)' /proc/$pid/status"
	ps -o pid,user,comm -p "$pid" | indent
	grep -E '^(Uid|Gid|CapPrm|CapEff)' "/proc/$pid/status" | expand -t 8 | indent
	n=$(find "/proc/$pid/fd" -lname /dev/net/tun 2>/dev/null | wc -l)
	say "    ($n of its open files are /dev/net/tun: the queues of its tap)"
	if grep -q '^Uid:[[:space:]]*65534[[:space:]]65534[[:space:]]65534[[:space:]]65534$' "/proc/$pid/status" &&
		grep -q '^CapPrm:[[:space:]]*0*$' "/proc/$pid/status" &&
		grep -q '^CapEff:[[:space:]]*0*$' "/proc/$pid/status" && [ "$n" -eq 4 ]; then
		say "  => QEMU runs as uid 65534 (nobody) with no capabilities;"
		say "     the NIC came from $from."
		return 0
	fi
	say "  => FAILED: QEMU is not nobody without capabilities holding 4 tap queues."
	return 1
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

show_tap() {
	local tap
	tap=$(tap_on_br0)
	say "  \$ ip -d link show master br0      (abridged)"
	[ -n "$tap" ] || { say "    (no tap on br0)"; return 1; }
	ip -d link show master br0 | abridge_link | indent
	say "  \$ tc qdisc show dev $tap"
	tc qdisc show dev "$tap" | indent
}

# The guest's console, less the firmware and kernel chatter.
show_console() {
	sed -n '/GUEST_BOOTED/,/GUEST_EXIT/p' "$1" |
		grep -v -e '^\[ *[0-9.]*\]' -e '^$' -e '^---' -e '^GUEST_[A-Z_]*=*[0-9]*$' |
		sed -e 's/^GUEST_BOOTED /booted Linux /' -e 's/^DEMO //' |
		indent || true
}

# boot LOG FROM MORE: as nobody, `$SCR/vmtap exec --nic br0,queues=4 --
# QEMU`; while QEMU runs, show it (FROM: where its NIC came from) and run
# MORE (a function).  0 iff all that held and the guest saw 4 queues and
# pinged br0.
boot() {
	local log=$1 from=$2 more=$3 tpid qpid rc=0 seen=1
	guest_argv "$SCR/initrd" -smp 4
	# Root opens the console file; the serial console's CRs and terminal
	# escapes are stripped afterwards.
	(cd "$SCR" && exec timeout -k 5 "$GUEST_TIMEOUT" "${NOBODY[@]}" \
		"$SCR/vmtap" exec --nic br0,queues=4 -- "${GUEST_ARGV[@]}") \
		</dev/null >"$log.raw" 2>&1 &
	tpid=$!
	qpid=$(wait_qemu "$tpid" "$log.raw")
	if [ -n "$qpid" ]; then
		show_qemu "$qpid" "$from" || seen=0
		"$more" || seen=0
	else
		say "    (QEMU ended before the guest's NIC was up)"
		seen=0
	fi
	wait "$tpid" || rc=$?
	sed 's/\r$//; s/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1b[A-Za-z]//g' "$log.raw" >"$log"
	rm -f "$log.raw"
	say "  The guest's console:"
	show_console "$log"
	if [ "$seen" = 1 ] && [ "$rc" -eq 0 ] && guest_log_has "$log" GUEST_PING_OK &&
		guest_log_has "$log" "virtio-net, 4 queue(s)"; then
		return 0
	fi
	say "FAILED: see above; or the guest did not see 4 queues or could not ping"
	say "192.0.2.1 (QEMU's status $rc).  The end of what vmtap, QEMU and the guest said:"
	tail -n 20 "$log" | indent
	return 1
}

# After QEMU: the tap went with it.
show_left() {
	say "  QEMU has exited.  \$ ip link show master br0"
	if [ -z "$(tap_on_br0)" ]; then
		say "    (nothing: the tap went with QEMU's fds)"
	else
		ip -o link show master br0 | indent
		return 1
	fi
}

# vmtapd's grant for this NIC: to nobody, 4 queues.
show_grant() {
	local g
	g=$(grep -o 'grant uid=.*' "$SANDBOX_DIR/vmtapd.log" | tail -n 1)
	say "  vmtapd's log (syslog, and stderr here):"
	say "    ${g:-(no grant)}"
	[[ "$g" == "grant uid=65534 "*" bridge=br0 "*" queues=4 "* ]]
}

main_inside() {
	local dpid log ok=1 _
	mkdir -p "$REPO/build/demo"

	say ""
	say "[1/3] In a private network namespace: bridge br0 192.0.2.1/24.  The user:"
	sandbox_bridge br0 192.0.2.1/24
	say "  \$ setpriv --reuid=65534 --regid=65534 --clear-groups -- id"
	"${NOBODY[@]}" id | indent
	# nobody's files: on a tmpfs of this sandbox (no nosuid: the helper
	# copy must run setuid), gone with it.
	SCR=$(mktemp -d /tmp/vmtap-demo.XXXXXX)
	sandbox_tmpfs "$SCR"
	trap 'umount -l "$SCR" 2>/dev/null || true; rmdir "$SCR" 2>/dev/null || true' EXIT
	guest_build
	write_guest_script "$SANDBOX_DIR/demo-guest.sh"
	guest_initrd "$SANDBOX_DIR/demo-guest.sh" "$SCR/initrd"
	install -m 0644 "$GUEST_KERNEL" "$SCR/vmlinuz"
	GUEST_KERNEL=$SCR/vmlinuz
	chmod 0644 "$SCR/initrd"
	install -m 0755 "$VMTAP" "$SCR/vmtap"
	install -o root -g root -m 0755 "$HELPER" "$SCR/vmtap-bridge-helper"
	chmod 04755 "$SCR/vmtap-bridge-helper"
	say "  nobody runs \$S/vmtap, a copy of $(rel "$VMTAP") in a private tmpfs \$S"
	say "  (with the guest's kernel and initrd); QEMU is the system's."

	say ""
	say "[2/3] (a) The setuid helper.  \$S/vmtap-bridge-helper is a copy of"
	say "      $(rel "$HELPER"), root-owned, mode 4755; /etc/qemu/bridge.conf"
	sandbox_acl "allow br0"
	say "      (private copy) says: $(cat /etc/qemu/bridge.conf).  No vmtapd runs.  As nobody:"
	say "      \$ \$S/vmtap exec --nic br0,queues=4 -- qemu-system-x86_64 -M q35 -smp 4 …"
	say "      vmtap runs the helper found next to it, which makes the tap and passes"
	say "      its fds back; vmtap adds -netdev tap,fds=a:b:c:d and -device"
	say "      virtio-net-pci,…,mq=on,vectors=10 and becomes QEMU (same pid)."
	say "      Booting (software emulation, ~10-20 s) ..."
	boot "$REPO/build/demo/console-helper.log" \
		"the setuid-root helper copy (bridge.conf: allow br0)" show_tap || ok=0
	show_left || ok=0

	say ""
	say "[3/3] (b) The daemon.  No setuid binary now: \$S/vmtap-bridge-helper is deleted,"
	rm -f "$SCR/vmtap-bridge-helper"
	sandbox_acl "deny all"
	mkdir -p /etc/vmtap
	printf '%s\n' "allow br0 user nobody" "limit queues 4 user nobody" >/etc/vmtap/vmtapd.conf
	chmod 0644 /etc/vmtap/vmtapd.conf
	say "      bridge.conf says: deny all.  Root starts vmtapd (it keeps CAP_NET_ADMIN"
	say "      only); /etc/vmtap/vmtapd.conf (private copy) says:"
	indent </etc/vmtap/vmtapd.conf | indent
	"$VMTAPD" --foreground 2>"$SANDBOX_DIR/vmtapd.log" &
	dpid=$!
	# The socket appears (renamed into place) only once vmtapd accepts.
	for _ in $(seq 100); do
		[ -S /run/vmtap/vmtapd.sock ] && break
		kill -0 "$dpid" 2>/dev/null || break
		sleep 0.1
	done
	if [ ! -S /run/vmtap/vmtapd.sock ]; then
		say "FAILED: vmtapd did not start:"
		indent <"$SANDBOX_DIR/vmtapd.log"
		return 1
	fi
	say "      The same command, as nobody:"
	say "      \$ \$S/vmtap exec --nic br0,queues=4 -- qemu-system-x86_64 -M q35 -smp 4 …"
	say "      vmtap asks vmtapd (/run/vmtap/vmtapd.sock), which checks who is asking"
	say "      (SO_PEERCRED) against its policy.  Booting ..."
	boot "$REPO/build/demo/console-vmtapd.log" \
		"vmtapd (vmtapd.conf: allow br0 user nobody)" show_grant || ok=0
	show_left || ok=0
	kill -TERM "$dpid"
	wait "$dpid" || ok=0
	say "  vmtapd stopped (SIGTERM).  \$ ls -A /run/vmtap"
	if [ -z "$(ls -A /run/vmtap)" ]; then
		say "    (nothing: its socket is gone)"
	else
		ls -A /run/vmtap | indent
		ok=0
	fi

	say ""
	if [ "$ok" = 1 ]; then
		say "OK: both times an unprivileged QEMU got a 4-queue NIC on br0, the guest saw"
		say "4 queues and pinged the host side of br0.  Now the namespace goes, with the"
		say "bridge, bridge.conf, vmtapd.conf and \$S; nothing is left on the host.  The"
		say "consoles are in build/demo/console-helper.log and console-vmtapd.log."
		return 0
	fi
	say "FAILED (see above; vmtapd's log:)"
	indent <"$SANDBOX_DIR/vmtapd.log"
	return 1
}

if ! sandbox_inside; then
	preflight
	sandbox_enter "$0" "$@"
fi
main_inside
