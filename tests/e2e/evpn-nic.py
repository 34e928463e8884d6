#!/usr/bin/python3
# evpn-nic.py — stands in for QEMU behind `vmtap exec` in test_evpn.sh: it
# takes the NIC's tap fd and the guest MAC from the arguments vmtap adds
# (-netdev tap,...,fds=N:... and -device ...,mac=M) and is the "guest":
#
#   evpn-nic.py MODE READY [PEER_MAC] [QEMU ARGS vmtap added...]
#
#   hold   write READY, then keep the NIC (send nothing) until killed
#   first  send one broadcast ARP request from the guest MAC at once, then
#          write READY (holding the time it was sent) and hold
#   send   write READY, wait for the file READY.go, then every 0.2 s one
#          frame to PEER_MAC, ethertype 0x88b5, payload "vmtap-evpn <guest
#          MAC>", until killed
#   recv   write READY, then print "got <src MAC> <payload>" for every such
#          frame read, until killed
# With IFF_VNET_HDR (vmtap's default) each frame carries the tap's
# virtio-net header, zeroed here.
import fcntl
import os
import select
import struct
import sys
import time

TUNGETIFF = 0x800454D2
TUNGETVNETHDRSZ = 0x800454D7
IFF_VNET_HDR = 0x4000


def mac_bytes(s):
    return bytes.fromhex(s.replace(':', ''))


def mac_text(b):
    return ':'.join('%02x' % x for x in b)


mode, ready = sys.argv[1], sys.argv[2]
peer = sys.argv[3] if mode == 'send' else None
fd = mac = None
for a in sys.argv[3:]:
    for part in a.split(','):
        if part.startswith('fds='):
            fd = int(part[4:].split(':')[0])
        elif part.startswith('mac='):
            mac = mac_bytes(part[4:])
if fd is None or mac is None:
    sys.exit('evpn-nic.py: no fds= or mac= in %r' % sys.argv)

flags = struct.unpack('16sH', fcntl.ioctl(fd, TUNGETIFF, bytes(18)))[1]
hdr = 0
if flags & IFF_VNET_HDR:
    hdr = struct.unpack('i', fcntl.ioctl(fd, TUNGETVNETHDRSZ, bytes(4)))[0]


def send(frame):
    os.write(fd, bytes(hdr) + frame.ljust(60, b'\0'))


def done(text=''):
    with open(ready + '.tmp', 'w') as f:
        f.write(text)
    os.rename(ready + '.tmp', ready)


if mode == 'first':
    arp = struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, 1, mac, bytes([192, 0, 2, 10]),
                      bytes(6), bytes([192, 0, 2, 11]))
    send(b'\xff' * 6 + mac + b'\x08\x06' + arp)
    done('%.6f' % time.time())
else:
    done()
if mode in ('hold', 'first'):
    while True:
        time.sleep(3600)
elif mode == 'send':
    while not os.path.exists(ready + '.go'):
        time.sleep(0.02)
    while True:
        send(mac_bytes(peer) + mac + b'\x88\xb5' + b'vmtap-evpn ' + mac_text(mac).encode())
        time.sleep(0.2)
elif mode == 'recv':
    while True:
        select.select([fd], [], [])
        f = os.read(fd, 65536)[hdr:]
        if f[12:14] == b'\x88\xb5':
            print('got', mac_text(f[6:12]), f[14:].split(b'\0')[0].decode(errors='replace'),
                  flush=True)
else:
    sys.exit('evpn-nic.py: unknown mode ' + mode)
