#!/usr/bin/env python3
"""vmtapd_client.py -- a reference client of vmtapd, in Python's standard
library only: what a program needs to get a NIC from the daemon and start
QEMU with it, written from the helper/wire/PROTOCOL.md.

    vmtapd_client.py [--socket PATH] hello
    vmtapd_client.py [--socket PATH] run --bridge BR [--queues N]
                     [--vhost auto|on|off] [--mac GUEST_MAC] -- QEMU ARGV...

`hello` prints what the daemon says you may do (bridges, VLANs, limits,
bandwidth, usage).  `run` asks for a NIC, appends

    -netdev tap,id=n0,fds=a:b[,vhost=on,vhostfds=c:d]
    -device virtio-net-pci,netdev=n0,mac=GUEST_MAC[,mq=on,vectors=2N+2]

to QEMU's argv and execs QEMU in its own place, the NIC's fds inherited
(they are the only fds made inheritable; the NIC lives as long as they are
open).  What it does is said on stderr, one line each.

The points a client must get right, each in one function below:
  - one JSON object per SOCK_SEQPACKET packet; a request is at most
    REQUEST_MAX bytes, a reply at most REPLY_MAX, with at most FDS_MAX fds
    (receive buffers sized from these: call());
  - the fds of a create-nic reply are the tap fds then the vhost fds, as
    many as its "queues" and "vhost" say: a reply with another count, a
    truncated control message (MSG_CTRUNC) or a cut packet (MSG_TRUNC) is
    refused and every fd that came with it closed (check_nic_reply());
  - the client chooses the guest's MAC; the tap gets fe and the guest MAC's
    last five bytes (guest_mac(), tap_mac()), so the bridge never sees the
    guest's own address on the host side of the link.
"""

import argparse
import array
import json
import os
import random
import re
import socket
import sys

DEFAULT_SOCKET = "/run/vmtap/vmtapd.sock"
# The protocol's limits (helper/wire/PROTOCOL.md; proto.h).
REQUEST_MAX = 4096          # the largest request vmtapd reads
REPLY_MAX = 2048            # the largest reply it sends (VMTAPD_REPLY_MAX)
MAX_QUEUES = 64             # queues per NIC (VMTAP_MAX_QUEUES)
FDS_MAX = 2 * MAX_QUEUES    # a tap fd and a vhost fd per queue
INT_SIZE = array.array("i").itemsize


class VmtapdError(Exception):
    """A refusal from vmtapd ("code" is the errno's name, e.g. EPERM), or a
    reply this client does not trust (code EPROTO)."""

    def __init__(self, code, message):
        super().__init__("%s: %s" % (code, message))
        self.code = code
        self.message = message


class Nic:
    """A NIC from create-nic: the reply's facts and its fds (ours to close,
    or to hand to QEMU)."""

    def __init__(self, reply, tapfds, vhostfds):
        self.ifname = reply["ifname"]
        self.ifindex = reply["ifindex"]
        self.mtu = reply["mtu"]
        self.mac = reply["mac"]           # the tap's MAC, as the daemon set it
        self.warning = reply.get("warning", "")
        self.tapfds = tapfds
        self.vhostfds = vhostfds

    @property
    def queues(self):
        return len(self.tapfds)

    def fds(self):
        return self.tapfds + self.vhostfds

    def close(self):
        for fd in self.fds():
            os.close(fd)
        self.tapfds, self.vhostfds = [], []


def close_all(fds):
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


def connect(path=DEFAULT_SOCKET):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET | socket.SOCK_CLOEXEC)
    try:
        s.connect(path)
    except OSError:
        s.close()
        raise
    return s


def call(sock, request):
    """Sends one request, receives its reply: (bytes, [fds]).  Every fd is
    received close-on-exec; a cut packet or control message is an error, and
    its fds are closed first."""
    data = json.dumps(request, separators=(",", ":")).encode()
    if len(data) > REQUEST_MAX:
        raise ValueError("request of %d bytes; vmtapd reads at most %d" % (len(data), REQUEST_MAX))
    if sock.send(data) != len(data):  # one packet, whole or not at all
        raise VmtapdError("EMSGSIZE", "the request went out cut")
    # One byte more than the limit, so that a longer reply shows as MSG_TRUNC
    # on every kernel, not as a reply that happens to fit.
    msg, anc, flags, _ = sock.recvmsg(REPLY_MAX + 1, socket.CMSG_SPACE(FDS_MAX * INT_SIZE),
                                      socket.MSG_CMSG_CLOEXEC)
    fds = array.array("i")
    for level, kind, payload in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[:len(payload) - len(payload) % INT_SIZE])
    fds = list(fds)
    if flags & socket.MSG_CTRUNC:
        close_all(fds)
        raise VmtapdError("EPROTO", "the fds of vmtapd's reply did not fit (MSG_CTRUNC); "
                          "received ones closed")
    if flags & socket.MSG_TRUNC or len(msg) > REPLY_MAX:
        close_all(fds)
        raise VmtapdError("EPROTO", "vmtapd's reply is longer than %d bytes" % REPLY_MAX)
    if not msg:
        close_all(fds)
        raise VmtapdError("ECONNRESET", "vmtapd closed the connection without a reply")
    return msg, fds


def parse_reply(data, fds):
    """The reply as a dict; an error reply raises VmtapdError (its fds, if
    any came, are closed: an error carries none)."""
    try:
        reply = json.loads(data)
    except ValueError as e:
        close_all(fds)
        raise VmtapdError("EPROTO", "vmtapd's reply is not JSON: %s" % e) from None
    if not isinstance(reply, dict):
        close_all(fds)
        raise VmtapdError("EPROTO", "vmtapd's reply is not a JSON object")
    err = reply.get("error")
    if err is not None:
        close_all(fds)
        if not isinstance(err, dict):
            raise VmtapdError("EPROTO", "malformed error reply")
        raise VmtapdError(str(err.get("code", "EIO")), str(err.get("message", "")))
    if reply.get("version") != 1:
        close_all(fds)
        raise VmtapdError("EPROTO", "vmtapd's reply: \"version\" missing or not 1")
    return reply


def _count(reply, key, lo, hi):
    v = reply.get(key)
    if type(v) is not int or not lo <= v <= hi:
        raise VmtapdError("EPROTO", "create-nic reply: \"%s\" is %r; expected %d..%d"
                          % (key, v, lo, hi))
    return v


def check_nic_reply(data, fds):
    """The fd-count check: a create-nic reply says how many tap fds
    ("queues") and vhost-net fds ("vhost": 0 or one per queue) follow, in
    that order.  Anything else -- another number of fds, a bad count, a
    missing key -- is refused and every fd received is closed, so a
    confused or hostile peer cannot leave fds behind in the client."""
    reply = parse_reply(data, fds)
    try:
        queues = _count(reply, "queues", 1, MAX_QUEUES)
        vhost = _count(reply, "vhost", 0, MAX_QUEUES)
        if vhost not in (0, queues):
            raise VmtapdError("EPROTO", "create-nic reply: vhost=%d with queues=%d; expected "
                              "0 or %d" % (vhost, queues, queues))
        if len(fds) != queues + vhost:
            raise VmtapdError("EPROTO", "create-nic reply says %d queue fds and %d vhost fds "
                              "follow, but %d came; all closed" % (queues, vhost, len(fds)))
        for key in ("ifname", "mac"):
            if not isinstance(reply.get(key), str):
                raise VmtapdError("EPROTO", "create-nic reply: \"%s\" missing" % key)
        for key in ("ifindex", "mtu"):
            if type(reply.get(key)) is not int:
                raise VmtapdError("EPROTO", "create-nic reply: \"%s\" missing" % key)
    except VmtapdError:
        close_all(fds)
        raise
    return Nic(reply, fds[:queues], fds[queues:])


def hello(sock):
    data, fds = call(sock, {"op": "hello", "version": 1})
    if fds:
        close_all(fds)
        raise VmtapdError("EPROTO", "vmtapd sent %d fds with its hello" % len(fds))
    return parse_reply(data, fds)


def create_nic(sock, bridge, queues=1, vhost="auto", tap_mac=None):
    request = {"op": "create-nic", "version": 1, "bridge": bridge, "queues": queues,
               "vhost": vhost}
    if tap_mac:
        request["mac"] = tap_mac
    data, fds = call(sock, request)
    return check_nic_reply(data, fds)


# ---- the guest MAC rule -------------------------------------------------

def guest_mac(rng=random):
    """A guest MAC of QEMU's own prefix 52:54:00 and three random bytes."""
    return "52:54:00:%02x:%02x:%02x" % tuple(rng.randrange(256) for _ in range(3))


def tap_mac(guest):
    """The tap's MAC for a guest MAC: fe and the guest MAC's last five bytes
    (as vmtap and libvirt do): unicast, locally administered, and never the
    guest's own, which the bridge would otherwise learn on the host's port."""
    if not re.fullmatch(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}", guest.lower()):
        raise ValueError("MAC %r; expected six hex bytes like 52:54:00:12:34:56" % guest)
    parts = guest.lower().split(":")
    if int(parts[0], 16) & 1:
        raise ValueError("MAC %s is multicast; expected a unicast MAC" % guest)
    return ":".join(["fe"] + parts[1:])


# ---- QEMU's argv --------------------------------------------------------

def qemu_args(nic, guest, netdev_id="n0", model="virtio-net-pci"):
    """The -netdev/-device pair for nic, whose fds QEMU inherits under the
    same numbers.  vectors=2N+2: a vector per queue each way, plus config
    and control; mq=on only for more than one queue."""
    netdev = "tap,id=%s,fds=%s" % (netdev_id, ":".join(map(str, nic.tapfds)))
    if nic.vhostfds:
        netdev += ",vhost=on,vhostfds=" + ":".join(map(str, nic.vhostfds))
    device = "%s,netdev=%s,mac=%s" % (model, netdev_id, guest)
    if nic.queues > 1:
        device += ",mq=on,vectors=%d" % (2 * nic.queues + 2)
    return ["-netdev", netdev, "-device", device]


def exec_qemu(argv, nic):
    """Replaces this process with QEMU; only the NIC's fds are inherited
    (everything else here is close-on-exec: the socket, the received fds
    until now)."""
    for fd in nic.fds():
        os.set_inheritable(fd, True)
    os.execvp(argv[0], argv)


# ---- command line -------------------------------------------------------

def describe_hello(h):
    lim, use = h.get("limits", {}), h.get("usage", {})
    shown = lambda v: "none" if v is None else str(v)
    lines = ["%s, uid %s gid %s" % (h.get("server"), h.get("uid"), h.get("gid")),
             "limits: queues %s, nics %s, connections %s" % tuple(
                 shown(lim.get(k)) for k in ("queues", "nics", "connections"))]
    if "usage" in h:
        lines.append("usage: nics %s, connections %s" % (shown(use.get("nics")),
                                                         shown(use.get("connections"))))
    for b in h.get("bridges", []):
        what = (["untagged"] if b["untagged"] else []) + \
               (["vlans " + b["vlans"]] if b["vlans"] else [])
        req = " (requires %s)" % ",".join(b["require"]) if b["require"] else ""
        lines.append("bridge %s: %s%s" % (b["bridge"], ", ".join(what) or "nothing", req))
    if h.get("bridges_truncated"):
        lines.append("(more bridges than fit in a reply)")
    for d, bw in sorted(h.get("bandwidth", {}).items()):
        lines.append("bandwidth %s: at most %s, default %s" % (
            d, bw.get("max") or "no limit", bw.get("default") or "no limit"))
    return lines


def say(msg):
    print("vmtapd_client: " + msg, file=sys.stderr, flush=True)


def main(argv):
    ap = argparse.ArgumentParser(description="A reference client of vmtapd.")
    ap.add_argument("--socket", default=DEFAULT_SOCKET)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("hello", help="what the daemon lets you do")
    run = sub.add_parser("run", help="get a NIC and exec QEMU with it")
    run.add_argument("--bridge", required=True)
    run.add_argument("--queues", type=int, default=1)
    run.add_argument("--vhost", choices=("auto", "on", "off"), default="auto")
    run.add_argument("--mac", help="the guest's MAC (default 52:54:00 and 3 random bytes)")
    run.add_argument("qemu", nargs=argparse.REMAINDER, help="-- QEMU ARGV...")
    args = ap.parse_args(argv)

    try:
        with connect(args.socket) as sock:
            h = hello(sock)
            if args.cmd == "hello":
                print(json.dumps(h, indent=2))
                return 0
            for line in describe_hello(h):
                say("hello: " + line)
            qemu = args.qemu[1:] if args.qemu[:1] == ["--"] else args.qemu
            if not qemu:
                ap.error("run: expected -- QEMU ARGV...")
            guest = args.mac or guest_mac()
            nic = create_nic(sock, args.bridge, args.queues, args.vhost, tap_mac(guest))
        if nic.warning:
            say("warning: " + nic.warning)
        extra = qemu_args(nic, guest)
        say("NIC %s (tap MAC %s, %d queue fds, %d vhost fds); guest MAC %s"
            % (nic.ifname, nic.mac, len(nic.tapfds), len(nic.vhostfds), guest))
        say("QEMU args: " + " ".join(extra))
        exec_qemu(qemu + extra, nic)
    except VmtapdError as e:
        say(str(e))
        return 1
    except (OSError, ValueError) as e:
        say(str(e))
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
