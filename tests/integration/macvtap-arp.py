#!/usr/bin/env python3
# macvtap-arp.py MODE [TARGET_IP SOURCE_IP] -NETDEV... — run by `vmtap exec`
# in QEMU's place: it finds its NIC's fds in the -netdev tap,fds=A:B,...
# argument vmtap adds, prints "queues N", then
#   arp   writes an ARP request for TARGET_IP (from SOURCE_IP, with the MAC
#         of the -device argument) on the first queue, each frame behind
#         the 10-byte virtio-net header a macvtap queue starts with, and
#         reads every queue until the answer comes: "ARP_REPLY MAC"; exit 0
#         (exit 1 after 20 s without one: a bound, not a measured time)
#   hold  prints "held" and keeps the fds until stdin closes
# The frame path of the macvtap tests (test_macvtap.sh).
import os
import re
import select
import socket
import struct
import sys
import time

mode = sys.argv[1]
args = " ".join(sys.argv[2:])
fds = [int(x) for x in re.search(r"fds=([0-9:]+)", args).group(1).split(":")]
print("queues %d" % len(fds), flush=True)
if mode == "hold":
    print("held", flush=True)
    sys.stdin.read()
    sys.exit(0)

target, source = sys.argv[2], sys.argv[3]
mac = bytes.fromhex(re.search(r"mac=([0-9a-f:]{17})", args).group(1).replace(":", ""))
VNET = b"\0" * 10
arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, mac, socket.inet_aton(source),
                  b"\0" * 6, socket.inet_aton(target))
frame = b"\xff" * 6 + mac + b"\x08\x06" + arp
os.write(fds[0], VNET + frame)
deadline = time.monotonic() + 20
while time.monotonic() < deadline:
    ready, _, _ = select.select(fds, [], [], 1)
    for fd in ready:
        data = os.read(fd, 65536)[10:]
        if len(data) >= 42 and data[12:14] == b"\x08\x06" and \
                struct.unpack("!H", data[20:22])[0] == 2 and data[28:32] == socket.inet_aton(target):
            print("ARP_REPLY " + ":".join("%02x" % b for b in data[22:28]), flush=True)
            sys.exit(0)
    os.write(fds[0], VNET + frame)
print("no ARP reply", flush=True)
sys.exit(1)
