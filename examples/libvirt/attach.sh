#!/bin/sh
# Hot-plug a vmtap NIC into a running libvirt domain, and take it out again.
#
#   examples/libvirt/attach.sh DOMAIN [SPEC]     prints the new tap's name
#   examples/libvirt/attach.sh --detach DOMAIN TAP
#
#   URI=qemu:///system (default) VMTAP=vmtap SPEC=br0,queues=2 (default)
#
# attach makes a persistent 2-queue tap on br0 and has libvirt plug
#   <interface type='ethernet'><target dev='TAP' managed='no'/>
#     <model type='virtio'/><driver queues='2'/></interface>
# into the running domain (live only; the domain's definition is not
# changed).  --detach unplugs it, waits for the guest to let it go, and
# deletes the tap.  Both need root (CAP_NET_ADMIN).  On q35 the domain
# needs a free pcie-root-port (see domain.xml).
set -eu
VMTAP=${VMTAP:-vmtap}
URI=${URI:-qemu:///system}

if [ "${1:-}" = --detach ]; then
	[ $# -eq 3 ] || { echo "usage: $0 --detach DOMAIN TAP" >&2; exit 2; }
	exec "$VMTAP" detach --connect "$URI" --domain "$2" --dev "$3"
fi
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: $0 DOMAIN [SPEC]" >&2; exit 2; }
exec "$VMTAP" attach --connect "$URI" --domain "$1" --nic "${2:-${SPEC:-br0,queues=2}}"
