#!/usr/bin/env python3
# tun-hold.py NAME [detach] — attach one queue to the existing multiqueue
# tap NAME (TUNSETIFF, as an unprivileged owner may), optionally detach it
# again (TUNSETQUEUE IFF_DETACH_QUEUE: the fd stays bound and may attach
# again later with no check), print "held", and keep the fd until stdin
# closes.  The attacker of the persistent-tap takeover tests
# (test_persist_daemon.sh, test_libvirt_hook.sh).
import fcntl
import os
import struct
import sys

TUNSETIFF = 0x400454CA
TUNSETQUEUE = 0x400454D9
IFF_TAP, IFF_NO_PI, IFF_VNET_HDR, IFF_MULTI_QUEUE = 0x0002, 0x1000, 0x4000, 0x0100
IFF_DETACH_QUEUE = 0x0400

fd = os.open("/dev/net/tun", os.O_RDWR | os.O_CLOEXEC)
flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_MULTI_QUEUE
fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH22x", sys.argv[1].encode(), flags))
if len(sys.argv) > 2 and sys.argv[2] == "detach":
    fcntl.ioctl(fd, TUNSETQUEUE, struct.pack("16sH22x", b"", IFF_DETACH_QUEUE))
print("held", flush=True)
sys.stdin.read()
