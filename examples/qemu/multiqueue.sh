#!/bin/sh
# A 4-vCPU guest with a multiqueue NIC: queues=auto gives one tap queue per
# vCPU (from -smp, at most 8), so each vCPU has its own RX/TX queue pair.
#
#   BRIDGE=br0 examples/qemu/multiqueue.sh -drive file=disk.img,if=virtio
#
# QEMU gets "-netdev tap,id=net0,fds=a:b:c:d" and
# "-device virtio-net-pci,netdev=net0,mac=…,mq=on,vectors=10" (2 vectors per
# queue pair, plus config and control).  Inside the guest,
# /sys/class/net/eth0/queues/ shows rx-0..rx-3; Linux guests use all queues
# by default (ethtool -L eth0 combined 4 otherwise).
set -eu
exec "${VMTAP:-vmtap}" exec --nic "${BRIDGE:-br0},queues=auto" -- \
	"${QEMU:-qemu-system-x86_64}" -smp 4 -m 1G "$@"
