#!/bin/sh
# A VM whose NIC is in VNI $VNI of the overlay (README, "Across hosts"):
# its tap joins br$VNI (examples/evpn/host-setup.sh), and announce=on puts
# the guest's MAC in the bridge's FDB as a static entry, which FRR
# advertises to every other host before the guest has sent a frame.
#
#   VNI=100 MAC=52:54:00:00:01:0a examples/evpn/vm.sh -drive file=disk.img,if=virtio
#
# MAC is the guest's MAC (the orchestrator's: it must be unique in the
# VNI).  The MAC stays announced while the NIC exists: it is withdrawn
# when QEMU exits and the tap goes.  mac_lock=on instead of announce=on
# also drops every frame from another source MAC.  Anything after the
# script name goes to QEMU.
set -eu
exec "${VMTAP:-vmtap}" exec --nic "br${VNI:?VNI=N},mac=${MAC:?MAC=the guest MAC},announce=on" -- \
	"${QEMU:-qemu-system-x86_64}" -m 1G "$@"
