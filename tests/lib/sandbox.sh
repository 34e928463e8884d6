#!/usr/bin/env bash
# sandbox.sh — a throwaway network + mount (+ pid) namespace for vmtap tests.
#
# As a program:   tests/lib/sandbox.sh CMD ARGS...
#   runs CMD inside fresh namespaces and exits with CMD's status.  Every
#   bridge, tap and address a test makes lives in a network namespace that
#   has no name (nothing in `ip netns list`) and dies with its last process;
#   the pid namespace guarantees that last process is gone when CMD returns,
#   even if a test leaked a QEMU or a daemon.  So nothing is ever left in the
#   host's namespace, pass or fail.
#
#   Inside: loopback is up, /sys shows the sandbox's own interfaces, and /etc
#   is a private copy-on-write overlay, so a test may write
#   /etc/qemu/bridge.conf (the helper's compiled-in ACL path) without
#   touching the host.  After CMD, the host's /etc is checked to be unchanged.
#
#   Hermetic: nothing of the host's vmtap or QEMU set-up is reachable from
#   inside, so a vmtapd or a policy on the host cannot change a test's
#   outcome, and a test cannot reach (or make taps through) the host's
#   daemon.  /run is an empty tmpfs of the sandbox's own (so
#   /run/vmtap/vmtapd.sock, the compiled-in socket path, is whatever the
#   test put there, and the host's /run/libvirt, syslog socket and the rest
#   are out of reach); /etc/qemu and /etc/vmtap start empty (the host's
#   bridge.conf and vmtapd.conf are hidden, not just copy-on-write).
#   tests/integration/test_hermetic.sh proves it against a decoy "host".
#
# As a library:   . tests/lib/sandbox.sh
#   sandbox_enter "$0" "$@"     re-run the calling script inside a sandbox
#                               (returns when already inside)
#   sandbox_bridge NAME ADDR/PREFIX [MTU]
#   sandbox_acl LINE...         write /etc/qemu/bridge.conf, root 0644
#   sandbox_private_run         ensure /run/vmtap exists (/run is always
#                               private; kept for the scripts that call it)
#   sandbox_overlay DIR         private copy-on-write view of DIR
#   sandbox_tmpfs DIR           empty private tmpfs on DIR
#   sandbox_assert_inside       fail unless running inside a sandbox
#
# Environment inside: SANDBOX_INSIDE=1, SANDBOX_DIR (private scratch tmpfs).
# Test addresses come from 192.0.2.0/24 (RFC 5737): bridge 192.0.2.1,
# guests 192.0.2.2 and up.  There is no route out of the namespace.

SANDBOX_SELF=$(readlink -f "${BASH_SOURCE[0]}")

sandbox_die() {
	echo "sandbox: $*" >&2
	exit 1
}

# True when this process runs inside a sandbox made by this file.
sandbox_inside() {
	[ "${SANDBOX_INSIDE:-}" = 1 ]
}

# sandbox_top FIELD DIR — FIELD (FSTYPE, SOURCE) of the mount on top at
# DIR: mounts stack (the sandbox's /etc overlay may sit on a host's, or on
# test_hermetic.sh's stand-in host's), and findmnt lists them all, lowest
# first.
sandbox_top() {
	findmnt -n -o "$1" --target "$2" 2>/dev/null | tail -n 1
}

# Helpers that write to /etc or make interfaces call this first: run
# outside a sandbox they would change the host.
sandbox_assert_inside() {
	sandbox_inside || sandbox_die "refusing to run outside a sandbox (${FUNCNAME[1]:-?})"
	[ "$(sandbox_top FSTYPE /etc)" = overlay ] ||
		sandbox_die "/etc is not the sandbox's overlay; refusing to write to it"
}

# ---- inside: helpers for tests -------------------------------------------

# Mount an empty tmpfs on DIR (created if missing) for this sandbox only.
sandbox_tmpfs() {
	local dir=$1
	sandbox_inside || sandbox_die "sandbox_tmpfs outside a sandbox"
	mkdir -p "$dir"
	mount -t tmpfs -o mode=0755 tmpfs "$dir"
}

# Give DIR a private copy-on-write layer: reads see the host's files,
# writes land in the sandbox's scratch tmpfs and vanish with it.
sandbox_overlay() {
	local dir=$1 tag
	sandbox_inside || sandbox_die "sandbox_overlay outside a sandbox"
	[ -d "$dir" ] || sandbox_die "sandbox_overlay: no directory $dir"
	tag=$(printf '%s' "$dir" | tr -c 'A-Za-z0-9' '_')
	mkdir -p "$SANDBOX_DIR/$tag.upper" "$SANDBOX_DIR/$tag.work"
	mount -t overlay overlay \
		-o "lowerdir=$dir,upperdir=$SANDBOX_DIR/$tag.upper,workdir=$SANDBOX_DIR/$tag.work" \
		"$dir"
}

# /run is the sandbox's own from the start (sandbox_inner); this only
# makes sure /run/vmtap is there, and refuses to run where /run could be
# the host's.
sandbox_private_run() {
	sandbox_inside || sandbox_die "sandbox_private_run outside a sandbox"
	[ "$(sandbox_top SOURCE /run)" = sandbox-run ] ||
		sandbox_die "/run is not the sandbox's own tmpfs"
	mkdir -p /run/vmtap
}

# An empty directory over DIR: what the host keeps there is not seen (a
# copy-on-write overlay would still show it).  The directory is made in the
# /etc overlay when the host has none, so the host's /etc is not written.
sandbox_hide() {
	local dir=$1
	mkdir -p "$dir"
	mount -t tmpfs -o mode=0755 sandbox-hide "$dir"
}

# sandbox_bridge NAME ADDR/PREFIX [MTU] — a bridge that is up, with an
# address, inside the sandbox.
sandbox_bridge() {
	local name=$1 addr=$2 mtu=${3:-}
	sandbox_assert_inside
	ip link add name "$name" type bridge
	[ -z "$mtu" ] || ip link set dev "$name" mtu "$mtu"
	ip addr add "$addr" dev "$name"
	ip link set dev "$name" up
}

# sandbox_acl LINE... — the helper refuses a policy file that is not
# root-owned or is group/world-writable, so set both explicitly.
sandbox_acl() {
	sandbox_assert_inside
	mkdir -p /etc/qemu
	chown root:root /etc/qemu
	chmod 0755 /etc/qemu
	printf '%s\n' "$@" >/etc/qemu/bridge.conf
	chown root:root /etc/qemu/bridge.conf
	chmod 0644 /etc/qemu/bridge.conf
}

# ---- outside: entering ---------------------------------------------------

# A listing of /etc that changes when anything in it is written.
sandbox_etc_fingerprint() {
	find /etc -xdev -printf '%P %y %s %m %U %G %T@\n' 2>/dev/null | LC_ALL=C sort
}

# sandbox_run CMD ARGS... — run CMD in a new sandbox, return its status.
sandbox_run() {
	local dir before after rc=0
	[ "$(id -u)" -eq 0 ] || {
		echo "sandbox: needs root (it creates network and mount namespaces)" >&2
		return 77
	}
	command -v unshare >/dev/null || sandbox_die "unshare (util-linux) not found"
	dir=$(mktemp -d /tmp/vmtap-sandbox.XXXXXX)
	before=$(sandbox_etc_fingerprint)

	# --fork --pid --kill-child: CMD's world ends when CMD (or unshare)
	# does; no process can keep the network namespace alive.
	unshare --net --mount --propagation private --pid --fork --kill-child \
		--mount-proc -- \
		env SANDBOX_DIR="$dir" bash "$SANDBOX_SELF" --sandbox-inner "$@" || rc=$?

	rm -rf -- "$dir"
	after=$(sandbox_etc_fingerprint)
	if [ "$before" != "$after" ]; then
		echo "sandbox: the host's /etc changed while the sandbox ran:" >&2
		diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") | head -n 20 >&2
		[ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] || rc=1
	fi
	return "$rc"
}

# sandbox_enter "$0" "$@" — for a test script: the first time through,
# run the script again inside a sandbox and exit with its status; inside,
# return so the script goes on.
sandbox_enter() {
	sandbox_inside && return 0
	local rc=0
	# Through bash, so a script run as `bash test.sh` (no exec bit) works.
	sandbox_run "$BASH" "$@" || rc=$?
	exit "$rc"
}

# First thing run inside the new namespaces (as their pid 1).
sandbox_inner() {
	set -euo pipefail
	[ -n "${SANDBOX_DIR:-}" ] && [ -d "$SANDBOX_DIR" ] || sandbox_die "no SANDBOX_DIR"
	export SANDBOX_INSIDE=1 SANDBOX_DIR

	# Overlay upper dirs on tmpfs: nothing a test writes reaches the disk,
	# and the mount vanishes with the namespace.
	mount -t tmpfs -o mode=0700 sandbox "$SANDBOX_DIR"
	ip link set dev lo up
	# sysfs shows the net devices of the namespace that mounted it; a fresh
	# mount makes /sys/class/net the sandbox's own.
	mount -t sysfs sysfs /sys
	sandbox_overlay /etc
	[ "$(sandbox_top FSTYPE /etc)" = overlay ] || sandbox_die "/etc overlay failed"
	# The policies the programs read by default (bridge.conf, vmtapd.conf,
	# and what they include) start empty: a test writes its own.
	sandbox_hide /etc/qemu
	sandbox_hide /etc/vmtap
	# A /run of its own, empty: the host's vmtapd socket (the programs'
	# compiled-in default), libvirtd, syslog and D-Bus are not reachable by
	# path.  Abstract unix sockets are per network namespace already.
	mount -t tmpfs -o mode=0755 sandbox-run /run
	mkdir -p /run/vmtap
	mkdir -m 1777 /run/lock

	# Not exec: bash stays pid 1 so CMD is an ordinary process (pid 1
	# ignores signals it has no handler for).
	local rc=0
	"$@" || rc=$?
	return "$rc"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -euo pipefail
	if [ "${1:-}" = --sandbox-inner ]; then
		shift
		rc=0
		sandbox_inner "$@" || rc=$?
		exit "$rc"
	fi
	[ $# -gt 0 ] || { echo "usage: $0 CMD [ARGS...]" >&2; exit 2; }
	if sandbox_inside; then
		exec "$@"
	fi
	rc=0
	sandbox_run "$@" || rc=$?
	exit "$rc"
fi
