#!/usr/bin/env bash
# test_hermetic.sh — the test sandbox (tests/lib/sandbox.sh) shuts the host's
# vmtap set-up out: a vmtapd on the host's /run/vmtap/vmtapd.sock, and the
# host's /etc/qemu/bridge.conf and /etc/vmtap/vmtapd.conf, are neither
# reached nor read by any test.
#
# The real host is never touched: a private mount, network and pid
# namespace stands in for "the host".  There, /run is a fresh tmpfs with a
# decoy vmtapd listening on /run/vmtap/vmtapd.sock (the programs'
# compiled-in path) that records every connection, and /etc/qemu and
# /etc/vmtap hold decoy policies (bridge.conf: "allow all").  The decoy is
# first shown to work (a connection from "the host" is recorded); then,
# through the sandbox as every test uses it:
#   - inside, /run/vmtap/vmtapd.sock, /etc/qemu/bridge.conf and
#     /etc/vmtap/vmtapd.conf do not exist, and /run is the sandbox's tmpfs
#   - `vmtap doctor` reports no ACL, no vmtapd policy, no vmtapd socket
#   - `vmtap create` as nobody (which asks vmtapd) fails: no daemon
#   - the suite's own tests that talk to a daemon or read the policies
#     (integration/test_helper, whose broker mode asks vmtapd, and
#     test_doctor, test_persist_daemon) pass
#   - afterwards the decoy saw no connection but the first, the "host's"
#     /run/vmtap holds only the decoy, and its policies are unchanged.
# Exit: 0 pass, 77 skipped, anything else fail.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# The build under test: $B (tests/run passes it; build/asan for the
# sanitizer run), relative to the top of the tree or absolute.
B=$(cd "$REPO" && readlink -m -- "${B:-build}")
export B
NAME=hermetic
SANDBOX=$REPO/tests/lib/sandbox.sh
. "$REPO/tests/lib/testlib.sh"


if [ "${1:-}" != --fake-host ]; then
	[ "$(id -u)" -eq 0 ] || skip "needs root (namespaces)"
	[ "${SANDBOX_INSIDE:-}" != 1 ] || { echo "FAIL: $NAME: must start outside a sandbox"; exit 1; }
	for t in python3 unshare setpriv; do
		command -v "$t" >/dev/null || skip "$t is not installed (make deps)"
	done
	for p in vmtap vmtapd vmtap-bridge-helper tests/integration/test_helper; do
		[ -x "$B/$p" ] || { echo "FAIL: $NAME: no $B/$p (run make test-bins)"; exit 1; }
	done
	# "The host": its own mounts (nothing propagates back), network and
	# pids (the decoy dies with it).
	exec unshare --mount --propagation private --net --pid --fork --kill-child \
		--mount-proc -- bash "$0" --fake-host
fi

# ---- the stand-in host --------------------------------------------------------

ip link set dev lo up
SCRATCH=$(mktemp -d /tmp/vmtap-hermetic.XXXXXX)
decoy=
# The namespaces take their mounts and the decoy with them; only the
# mount point is the real /tmp's.
trap '[ -z "$decoy" ] || kill "$decoy" 2>/dev/null; umount -l "$SCRATCH" 2>/dev/null; rmdir "$SCRATCH"' EXIT
mount -t tmpfs -o mode=0700 hermetic "$SCRATCH"
# An empty /run of the fake host's own: the real one is not written.
mount -t tmpfs -o mode=0755 fakehost-run /run
mkdir -p /run/vmtap /run/lock
# /etc copy-on-write, so the decoy policies do not reach the real /etc.
mkdir -p "$SCRATCH/etc.upper" "$SCRATCH/etc.work"
mount -t overlay overlay \
	-o "lowerdir=/etc,upperdir=$SCRATCH/etc.upper,workdir=$SCRATCH/etc.work" /etc
mkdir -p /etc/qemu /etc/vmtap
printf '# hermetic decoy: a test that reads this reads the host\nallow all\n' >/etc/qemu/bridge.conf
printf '# hermetic decoy: a test that reads this reads the host\n' >/etc/vmtap/vmtapd.conf
chmod 0644 /etc/qemu/bridge.conf /etc/vmtap/vmtapd.conf
policies=$(cat /etc/qemu/bridge.conf /etc/vmtap/vmtapd.conf)

DECOY=/run/vmtap/vmtapd.sock
DLOG=$SCRATCH/decoy.log
: >"$DLOG"
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.bind(sys.argv[1]); s.listen(64)
open(sys.argv[3], "w").close()
while True:
    c, _ = s.accept()
    with open(sys.argv[2], "a") as f:
        f.write("connection\n")
    c.close()
' "$DECOY" "$DLOG" "$SCRATCH/ready" &
decoy=$!
while [ ! -e "$SCRATCH/ready" ] && kill -0 "$decoy" 2>/dev/null; do sleep 0.1; done
connections() { wc -l <"$DLOG"; }

# The decoy works: a client on "the host" reaches it, and it says so.
python3 -c '
import socket, sys
c = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
c.connect(sys.argv[1]); c.recv(1)
' "$DECOY" || true
check "the decoy on the host's $DECOY records a connection from the host" test "$(connections)" -eq 1

# ---- through the sandbox ------------------------------------------------------

probe() { # LABEL CMD... — CMD run inside a fresh sandbox
	local label=$1; shift
	check "$label" "$SANDBOX" "$@"
}
probe "inside: no $DECOY" test ! -e "$DECOY"
probe "inside: /run is the sandbox's own tmpfs" \
	bash -c '[ "$(findmnt -n -o SOURCE --target /run | tail -n 1)" = sandbox-run ] && [ -z "$(ls /run/vmtap)" ]'
probe "inside: no /etc/qemu/bridge.conf (the host's is hidden)" test ! -e /etc/qemu/bridge.conf
probe "inside: no /etc/vmtap/vmtapd.conf (the host's is hidden)" test ! -e /etc/vmtap/vmtapd.conf
probe "inside: vmtap doctor sees no ACL, no vmtapd policy, no vmtapd socket" bash -c '
	out=$("$1/vmtap" doctor 2>&1) || true
	grep -qE "^warn +acl .*missing" <<<"$out" &&
	grep -qE "^ok +vmtapd policy .*absent" <<<"$out" &&
	grep -qE "^ok +vmtapd socket .*not running" <<<"$out"' _ "$B"
probe "inside: vmtap create as nobody (asks vmtapd) finds no daemon" bash -c '
	ip link add br0 type bridge
	! setpriv --reuid=65534 --regid=65534 --clear-groups -- \
		"$1/vmtap" create hermetic0 --bridge br0 2>/dev/null &&
	! ip link show dev hermetic0 >/dev/null 2>&1' _ "$B"
logged() { # LOG CMD... — CMD's output to $SCRATCH/LOG.log
	local log=$SCRATCH/$1.log; shift
	"$@" >"$log" 2>&1
}
check "integration/test_helper (its broker mode asks vmtapd) passes in a sandbox here" \
	logged test_helper "$SANDBOX" "$B/tests/integration/test_helper"
check "integration/test_doctor passes here" \
	logged test_doctor "$REPO/tests/integration/test_doctor.sh"
check "integration/test_persist_daemon passes here" \
	logged test_persist_daemon "$REPO/tests/integration/test_persist_daemon.sh"

# ---- nothing reached the host ------------------------------------------------

check "the decoy saw no connection from any sandbox" test "$(connections)" -eq 1
check "the host's /run/vmtap holds only the decoy's socket" test "$(ls -A /run/vmtap)" = vmtapd.sock
check "the host's policies are unchanged" test "$(cat /etc/qemu/bridge.conf /etc/vmtap/vmtapd.conf)" = "$policies"

if [ "$failed" -ne 0 ]; then
	for l in "$SCRATCH"/*.log; do
		[ "$l" = "$DLOG" ] && continue
		grep -q 'FAIL\|ERROR\|sandbox:' "$l" || continue
		echo "---- $(basename "$l"):"
		grep 'FAIL\|ERROR\|sandbox:' "$l" | head -n 20
	done
fi
exit "$failed"
