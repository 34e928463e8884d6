#!/bin/sh
# One host's side of a BGP EVPN / VXLAN overlay, for VNI $VNI: a bridge
# br$VNI with one VXLAN port vx$VNI, made for FRR to drive (README, "Across
# hosts").  Run it once per VNI at boot, before FRR starts or at any time
# after (FRR picks VXLAN devices up as they appear).
#
#   VNI=100 LOCAL=198.51.100.1 examples/evpn/host-setup.sh
#
#   VNI       the VXLAN network identifier (1..16777215)
#   LOCAL     this host's VTEP address: an address on the underlay, the
#             one FRR's router-id / update-source uses
#   DEV       the underlay device (optional: set it when LOCAL is on a
#             device whose MTU should be checked; the kernel then sizes
#             vx$VNI from it)
#   MTU       the guests' MTU, default 1500; the underlay needs MTU + 50
#
# What it sets, and why:
#   - vx$VNI nolearning: remote MACs come from EVPN type-2 routes, which
#     FRR installs in the FDB, not from the frames that arrive;
#   - its bridge port learning off, neigh_suppress on (FRR's recommendation
#     for EVPN: the bridge answers ARP/ND for what EVPN knows);
#   - dstport 4789, the IANA VXLAN port (the kernel's default is 8472);
#   - MTU: vx$VNI and br$VNI carry $MTU-byte guest frames; each becomes a
#     $MTU + 50 byte packet on the underlay (+70 over IPv6).
# A NIC then lands in the VNI by joining br$VNI: vmtap exec --nic
# br$VNI,mac=52:54:00:..,announce=on (examples/evpn/vm.sh).
set -eu
: "${VNI:?VNI=N}" "${LOCAL:?LOCAL=this host's underlay address}"
MTU=${MTU:-1500}
BR=br$VNI VX=vx$VNI

if [ -n "${DEV:-}" ]; then
	have=$(ip -o link show dev "$DEV" | sed -n 's/.* mtu \([0-9]*\) .*/\1/p')
	if [ "$have" -lt $((MTU + 50)) ]; then
		echo "host-setup: $DEV has MTU $have; VXLAN needs $((MTU + 50)) for $MTU-byte guest" \
			"frames: ip link set $DEV mtu $((MTU + 50)) (and on the underlay network)" >&2
		exit 1
	fi
fi

ip link show "$BR" >/dev/null 2>&1 || ip link add "$BR" type bridge
ip link show "$VX" >/dev/null 2>&1 ||
	ip link add "$VX" type vxlan id "$VNI" local "$LOCAL" dstport 4789 nolearning \
		${DEV:+dev "$DEV"}
ip link set "$VX" mtu "$MTU"
ip link set "$VX" master "$BR"
bridge link set dev "$VX" learning off neigh_suppress on
ip link set "$BR" mtu "$MTU"
ip link set "$VX" up
ip link set "$BR" up
