#!/usr/bin/env python3
# macvtap-many.py SOCKET NS_PATH PARENT N — asks vmtapd, over one
# connection, for N one-queue macvtaps on PARENT in the network namespace
# NS_PATH (its fd sent with each create-nic), keeps every fd, prints
# "made N", and exits once stdin closes: N macvtaps whose one process
# exits at once (vmtapd's watch, tests/integration/test_netns.sh).
import array
import json
import os
import socket
import sys

path, ns_path, parent, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
ns = os.open(ns_path, os.O_RDONLY | os.O_CLOEXEC)
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET | socket.SOCK_CLOEXEC)
s.connect(path)
held = []
for i in range(n):
    req = json.dumps({"op": "create-nic", "version": 1, "macvtap": parent, "queues": 1,
                      "vhost": "off", "netns": ns_path}).encode()
    s.sendmsg([req], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [ns]))])
    msg, anc, flags, _ = s.recvmsg(65536, socket.CMSG_SPACE(64 * 4), socket.MSG_CMSG_CLOEXEC)
    for level, kind, payload in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            held += array.array("i", payload[:len(payload) - len(payload) % 4]).tolist()
    if b'"error"' in msg:
        print("error %d %s" % (i, msg.decode()), flush=True)
        sys.exit(1)
print("made %d" % n, flush=True)
sys.stdin.read()
