#!/usr/bin/env python3
# vmtapd-watch.py SOCK PARENT WHAT [ARG] — one create-nic of a macvtap on
# PARENT with "watch":"pidfd", spoken raw on vmtapd's socket as
# helper/wire/PROTOCOL.md says (the fd after the JSON, SCM_RIGHTS), with
# WHAT as the fd sent:
#   pid PID   a pidfd of PID (pidfd_open)
#   file PATH an fd of PATH, which is no pidfd
#   reaped    a pidfd of a child that has exited and been reaped
#   zombie    a pidfd of a child that has exited, not yet reaped
#   thread    a pidfd of a thread of this process (PIDFD_THREAD)
#   none      no fd at all
#   release IFNAME  no create-nic: {"op":"release-nic","ifname":IFNAME}
# With MAC=... in the environment the create-nic asks for that MAC.
# Prints "NIC IFNAME QUEUES NFDS" (and closes the fds: the NIC is the
# watched process's now), "DELETED IFNAME" (release-nic) or "ERROR CODE
# MESSAGE"; exit 0 either way, 1 when the daemon's answer was none of them.
# The watch and release tests of test_macvtap.sh.
import array
import json
import os
import socket
import sys
import threading

sock_path, parent, what = sys.argv[1], sys.argv[2], sys.argv[3]
arg = sys.argv[4] if len(sys.argv) > 4 else None
PIDFD_THREAD = os.O_EXCL

fds = []
if what == "pid":
    fds = [os.pidfd_open(int(arg))]
elif what == "file":
    fds = [os.open(arg, os.O_RDONLY | os.O_CLOEXEC)]
elif what in ("reaped", "zombie"):
    child = os.fork()
    if child == 0:
        os._exit(0)
    fds = [os.pidfd_open(child)]
    if what == "reaped":
        os.waitpid(child, 0)
    else:
        # Exited, not reaped: its pidfd polls readable.
        while not __import__("select").select([fds[0]], [], [], 5)[0]:
            pass
elif what == "thread":
    stop = threading.Event()
    tid = []
    t = threading.Thread(target=lambda: (tid.append(threading.get_native_id()), stop.wait()))
    t.start()
    while not tid:
        pass
    fds = [os.pidfd_open(tid[0], PIDFD_THREAD)]
elif what not in ("none", "release"):
    sys.exit("unknown WHAT " + what)

if what == "release":
    req = json.dumps({"op": "release-nic", "ifname": arg})
else:
    spec = {"op": "create-nic", "macvtap": parent, "vhost": "off", "watch": "pidfd"}
    if os.environ.get("MAC"):
        spec["mac"] = os.environ["MAC"]
    req = json.dumps(spec)
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sock_path)
socket.send_fds(s, [req.encode()], fds)
msg, got, flags, _ = socket.recv_fds(s, 4096, 128)
for fd in got:
    os.close(fd)
reply = json.loads(msg)
if what == "thread":
    stop.set()
if "error" in reply:
    print("ERROR %s %s" % (reply["error"]["code"], reply["error"]["message"]))
elif what == "release" and reply.get("deleted") == [arg]:
    print("DELETED %s" % arg)
elif "ifname" in reply:
    print("NIC %s %d %d" % (reply["ifname"], reply["queues"], len(got)))
else:
    print("neither a NIC nor an error: " + msg.decode(errors="replace"))
    sys.exit(1)
