#!/bin/sh
# One virtio-net NIC on bridge br0 — what `-netdev bridge,br=br0` gives you,
# with vhost-net when the host has it.
#
#   BRIDGE=br0 examples/qemu/single-nic.sh -drive file=disk.img,if=virtio
#
# vmtap makes the tap (through vmtap-bridge-helper, or vmtapd when it runs),
# adds "-netdev tap,id=net0,fds=N[,vhost=on,vhostfds=M]" and
# "-device virtio-net-pci,netdev=net0,mac=52:54:00:…", and becomes QEMU:
# same pid, and QEMU's exit status is this script's.  The tap vanishes when
# QEMU exits.  Anything after the script name goes to QEMU.
set -eu
exec "${VMTAP:-vmtap}" exec --nic "${BRIDGE:-br0}" -- \
	"${QEMU:-qemu-system-x86_64}" -m 1G "$@"
