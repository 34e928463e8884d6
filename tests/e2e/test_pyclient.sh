#!/usr/bin/env bash
# test_pyclient.sh — the reference Python client (examples/python/
# vmtapd_client.py) against a real vmtapd and a real guest:
#   1. its fd-count check, on fake replies over a socketpair: a reply whose
#      fds differ from its "queues" + "vhost" is refused and every fd that
#      came with it closed; so is one whose fds did not fit (MSG_CTRUNC);
#      and the guest MAC rule (fe + the guest MAC's last five bytes);
#   2. as nobody: hello shows the bridges the policy grants (a VLAN grant
#      too) and the usage; then `run --queues 2` gets a NIC and execs QEMU
#      with the fds it inherited: the guest sees 2 RX queues and pings the
#      bridge, the client said the QEMU arguments it built (fds=a:b,
#      mq=on,vectors=6), and the tap has the MAC the rule gives.
# Exit: 0 pass, 77 skipped, anything else fail.  Runs as root in its own
# sandbox (tests/lib/sandbox.sh).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
NAME=pyclient
B=$REPO/build
CLIENT=$REPO/examples/python/vmtapd_client.py
# The system's Python: one in root's home (pyenv) is not nobody's to run.
PY=/usr/bin/python3
. "$REPO/tests/lib/sandbox.sh"
. "$REPO/tests/lib/testlib.sh"
. "$REPO/tests/lib/guest.sh"

if ! sandbox_inside; then
	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, taps, a daemon)"
	[ -x "$PY" ] || skip "$PY is not installed"
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed"
	command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
	[ -x "$B/vmtapd" ] || { echo "FAIL: $NAME: no $B/vmtapd (run make first)"; exit 1; }
	guest_build
	sandbox_enter "$0" "$@"
fi

LOGDIR=${TEST_LOG_DIR:-$REPO/build/test-logs}/e2e
mkdir -p "$LOGDIR"
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --)

# 1. The client's checks, without a daemon: fake replies with real fds.
if out=$(PYTHONPATH=$REPO/examples/python "$PY" - 2>&1 <<'EOF'
import array, json, os, socket
import vmtapd_client as vc

def open_fds():
    return set(os.listdir("/proc/self/fd"))

def pipes(n):
    fds = []
    for _ in range(n):
        fds.extend(os.pipe())
    return fds[:n], fds[n:]  # n fds to send, the rest closed below

def closed(fds):
    for fd in fds:
        try:
            os.fstat(fd)
            return False
        except OSError:
            pass
    return True

reply = lambda **kw: json.dumps(dict(version=1, ifname="vmt1", ifindex=7, mtu=1500,
                                     mac="fe:54:00:12:34:56", **kw)).encode()

# The right count: 2 tap fds, 2 vhost fds, in that order.
send, spare = pipes(4)
for fd in spare: os.close(fd)
nic = vc.check_nic_reply(reply(queues=2, vhost=2), send)
assert nic.tapfds == send[:2] and nic.vhostfds == send[2:], "fds split tap then vhost"
nic.close()
print("ok: a reply with queues+vhost fds is taken, tap fds first")

# Another count: refused, every fd received closed.
for kw, n in ((dict(queues=2, vhost=2), 3), (dict(queues=2, vhost=0), 3),
              (dict(queues=2, vhost=1), 3), (dict(queues=0, vhost=0), 0),
              (dict(queues="2", vhost=0), 2), (dict(vhost=0), 1)):
    send, spare = pipes(n)
    for fd in spare: os.close(fd)
    try:
        vc.check_nic_reply(reply(**kw), send)
        raise SystemExit("accepted %r with %d fds" % (kw, n))
    except vc.VmtapdError as e:
        assert e.code == "EPROTO", e
        assert closed(send), "fds left open after refusing %r" % kw
print("ok: a reply whose fd count differs (or is not a count) is refused, its fds closed")

# An error reply closes whatever came with it.
send, spare = pipes(1)
for fd in spare: os.close(fd)
try:
    vc.check_nic_reply(b'{"version":1,"error":{"code":"EPERM","message":"no"}}', send)
    raise SystemExit("accepted an error reply")
except vc.VmtapdError as e:
    assert e.code == "EPERM" and closed(send)
print("ok: an error reply raises its code and closes its fds")

# MSG_CTRUNC through call(): more fds than a reply may carry (FDS_MAX).
before = open_fds()
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
fds = []
for _ in range((vc.FDS_MAX + 2 + 1) // 2):
    fds.extend(os.pipe())
fds = fds[:vc.FDS_MAX + 2]
b.sendmsg([reply(queues=1, vhost=0)],
          [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])
for fd in fds: os.close(fd)
try:
    vc.call(a, {"op": "hello"})
    raise SystemExit("accepted a truncated control message")
except vc.VmtapdError as e:
    assert "MSG_CTRUNC" in e.message, e
a.close(); b.close()
assert open_fds() == before, "fds left: %s" % (open_fds() - before)
print("ok: MSG_CTRUNC is an error and no received fd stays open")

# The guest MAC rule.
assert vc.tap_mac("52:54:00:aB:cd:ef") == "fe:54:00:ab:cd:ef"
g = vc.guest_mac()
assert g.startswith("52:54:00:") and vc.tap_mac(g) == "fe" + g[2:]
for bad in ("01:54:00:00:00:01", "52:54:00:00:00", "52-54-00-00-00-01"):
    try:
        vc.tap_mac(bad)
        raise SystemExit("took MAC " + bad)
    except ValueError:
        pass
print("ok: the tap's MAC is fe + the guest MAC's last five bytes")
EOF
); then
	pass "client checks: $(printf '%s\n' "$out" | sed 's/^ok: //' | paste -sd ';' | sed 's/;/; /g')"
else
	fail "client checks: $out"
fi

# 2. A real vmtapd with its own socket and policy, and nobody as the client.
SCR=$(mktemp -d /tmp/vmtap-pyclient.XXXXXX)
sandbox_tmpfs "$SCR"
chmod 0755 "$SCR"
SOCK=$SCR/run/vmtapd.sock
CONF=$SCR/vmtapd.conf
DLOG=$LOGDIR/$NAME-vmtapd.log
mkdir -m 0755 "$SCR/run"
sandbox_bridge br0 192.0.2.1/25
sandbox_bridge br1 192.0.2.129/25
printf '%s\n' "allow br0 user nobody" "allow br1 vlan 10,20-29 user nobody" \
	"limit nics 4 user nobody" >"$CONF"
chmod 0644 "$CONF"
base_links=$(links)

daemon_pid=
cleanup() {
	if [ -n "$daemon_pid" ]; then
		kill -TERM "$daemon_pid" 2>/dev/null || true
		wait "$daemon_pid" 2>/dev/null || true
	fi
	umount -l "$SCR" 2>/dev/null || true
	rmdir "$SCR" 2>/dev/null || true
}
trap cleanup EXIT
"$B/vmtapd" --foreground --socket "$SOCK" --config "$CONF" 2>"$DLOG" &
daemon_pid=$!
for _ in $(seq 100); do
	[ -S "$SOCK" ] && break
	kill -0 "$daemon_pid" 2>/dev/null || break
	sleep 0.1
done
[ -S "$SOCK" ] || { echo "FAIL: $NAME: vmtapd did not start:"; cat "$DLOG"; exit 1; }

# hello, as nobody
if out=$("${NOBODY[@]}" "$PY" "$CLIENT" --socket "$SOCK" hello 2>&1) &&
	"$PY" -c '
import json, sys
h = json.loads(sys.argv[1])
want = [{"bridge": "br0", "untagged": True, "vlans": "", "require": []},
        {"bridge": "br1", "untagged": False, "vlans": "10,20-29", "require": []}]
assert h["uid"] == 65534, h["uid"]
assert h["bridges"] == want, h["bridges"]
assert h["bridges_truncated"] is False
assert h["limits"]["nics"] == 4 and h["usage"]["nics"] == 0, (h["limits"], h["usage"])
assert h["usage"]["connections"] == 1, h["usage"]
' "$out"; then
	pass "hello as nobody: br0 untagged, br1 VLANs 10,20-29, limit nics 4, usage 0 NICs 1 connection"
else
	fail "hello as nobody: $out"
fi

# run: a 2-queue NIC on br0, and the guest with it.
cat >"$SCR/guest.sh" <<'EOF'
set -e
. /lib/guest.sh
wait_iface eth0
echo GUEST_RXQ=$(ls -d /sys/class/net/eth0/queues/rx-* | wc -l)
echo GUEST_MAC=$(cat /sys/class/net/eth0/address)
net_up eth0 192.0.2.2/25
ping_ok 192.0.2.1 3
echo GUEST_PING_OK
EOF
guest_build # cached: sets GUEST_KERNEL
install -m 0644 "$GUEST_KERNEL" "$SCR/vmlinuz"
GUEST_KERNEL=$SCR/vmlinuz
guest_initrd "$SCR/guest.sh" "$SCR/guest.initrd"
chmod 0644 "$SCR/guest.initrd"
guest_argv "$SCR/guest.initrd" -smp 2
log=$LOGDIR/$NAME-guest.log
GMAC=52:54:00:7a:1c:05
{ timeout -k 5 "$GUEST_TIMEOUT" "${NOBODY[@]}" "$PY" "$CLIENT" --socket "$SOCK" run \
	--bridge br0 --queues 2 --vhost off --mac "$GMAC" -- "${GUEST_ARGV[@]}" 2>&1 || true; } \
	</dev/null | sed -u 's/\r$//; s/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1b[A-Za-z]//g' >"$log"

if guest_log_has "$log" "GUEST_RXQ=2" && guest_log_has "$log" "GUEST_PING_OK"; then
	pass "guest booted by the client as nobody sees 2 RX queues and pings the bridge"
else
	fail "guest booted by the client as nobody sees 2 RX queues and pings the bridge (console: $log)"
	guest_log_tail "$log" 15
fi
if guest_log_has "$log" "GUEST_MAC=$GMAC"; then
	pass "the guest has the MAC the client chose ($GMAC)"
else
	fail "the guest has the MAC the client chose ($GMAC; console: $log)"
fi
if grep -Eq "^vmtapd_client: QEMU args: -netdev tap,id=n0,fds=[0-9]+:[0-9]+ -device virtio-net-pci,netdev=n0,mac=$GMAC,mq=on,vectors=6\$" "$log"; then
	pass "the client built -netdev tap,fds=a:b and -device ...,mq=on,vectors=6"
else
	fail "the QEMU arguments the client built: $(grep 'QEMU args' "$log" || echo none)"
fi
if grep -q "^vmtapd_client: NIC vmt[0-9a-f]* (tap MAC fe:54:00:7a:1c:05, 2 queue fds, 0 vhost fds)" "$log" &&
	grep -q "grant uid=65534 pid=[0-9]* bridge=br0 ifname=vmt[0-9a-f]* queues=2 vhost=0" "$DLOG"; then
	pass "vmtapd granted nobody a 2-queue NIC whose tap MAC is fe + the guest MAC's last five bytes"
else
	fail "the NIC's grant and tap MAC (log: $DLOG; console: $log)"
fi
if [ "$(links)" = "$base_links" ]; then
	pass "no tap left after QEMU exits"
else
	fail "interfaces left: $(links) (expected $base_links)"
fi

# A refusal reaches the client's user as the daemon's one line.
out=$("${NOBODY[@]}" "$PY" "$CLIENT" --socket "$SOCK" run --bridge br1 -- /bin/true 2>&1) &&
	rc=0 || rc=$?
if [ "$rc" -eq 1 ] && [[ "$out" == *"EPERM: bridge br1 is not allowed for uid 65534"* ]]; then
	pass "untagged br1 (only VLANs granted) is refused: \"$(tail -n1 <<<"$out")\""
else
	fail "untagged br1: exit $rc, \"$out\""
fi

exit "$failed"
