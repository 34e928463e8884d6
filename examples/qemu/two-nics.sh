#!/bin/sh
# Two NICs on two bridges, with fixed guest MACs and ids of your choosing.
#
#   BRIDGE=br0 BRIDGE2=br1 examples/qemu/two-nics.sh -drive file=disk.img,if=virtio
#
# The guest sees them in --nic order (eth0 on br0, eth1 on br1).  The taps
# get MACs fe:54:00:… derived from the guest's, never the guest's own (a
# bridge would otherwise take the guest's frames for its own).
set -eu
exec "${VMTAP:-vmtap}" exec \
	--nic "bridge=${BRIDGE:-br0},id=lan,mac=52:54:00:00:00:0a,queues=2" \
	--nic "bridge=${BRIDGE2:-br1},id=wan,mac=52:54:00:00:00:0b" \
	-- "${QEMU:-qemu-system-x86_64}" -smp 2 -m 1G "$@"
