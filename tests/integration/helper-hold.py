#!/usr/bin/env python3
# helper-hold.py HELPER ARGS... — what QEMU does with -netdev
# tap,helper="HELPER ARGS": a socket pair, /bin/sh -c "HELPER ARGS
# --use-vnet --fd=N" (dash does not exec the command: the helper's parent
# is the shell), one byte and one fd back.  Prints "got N fd(s), helper
# exit S, pid P" and holds the fd until stdin closes.  The helper's
# broker-mode macvtap test in test_macvtap.sh.
import os
import socket
import subprocess
import sys

a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
cmd = " ".join(sys.argv[1:]) + " --use-vnet --fd=%d" % b.fileno()
p = subprocess.Popen(["/bin/sh", "-c", cmd], pass_fds=[b.fileno()])
b.close()
msg, fds, flags, _ = socket.recv_fds(a, 1, 1)
rc = p.wait()
print("got %d fd(s), helper exit %d, pid %d" % (len(fds), rc, os.getpid()), flush=True)
sys.stdin.read()
