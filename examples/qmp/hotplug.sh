#!/bin/sh
# Boot a VM with a QMP socket, plug a 2-queue NIC into it while it runs,
# then unplug it.
#
#   BRIDGE=br0 examples/qmp/hotplug.sh -drive file=disk.img,if=virtio
#
# QEMU starts with a free PCIe root port (rp1, where the NIC goes) and a
# QMP socket; then this script runs
#   vmtap hotplug --qmp SOCKET --nic br0,queues=2,id=hot0 --bus rp1
#   (waits for Enter)
#   vmtap unplug --qmp SOCKET --id hot0
# and waits for the VM to exit.  Inside a Linux guest the NIC appears as a
# new interface with 2 RX/TX queue pairs, and goes away again on unplug;
# on the host the tap goes away with it.
#
# Environment (all optional):
#   VMTAP, QEMU      the programs (vmtap, qemu-system-x86_64)
#   BRIDGE, QUEUES   bridge and queue count (br0, 2); the VM gets QUEUES vCPUs
#   ID               the NIC's netdev and device id (hot0)
#   QMP              the QMP socket (default: in a temporary directory)
#   CONSOLE          file for QEMU's output (default: this terminal)
#   BEFORE_PLUG, AFTER_PLUG, AFTER_UNPLUG
#                    shell commands run at those points, with QEMU_PID and
#                    QMP in their environment; AFTER_PLUG defaults to
#                    waiting for Enter
set -eu

VMTAP=${VMTAP:-vmtap}
QEMU=${QEMU:-qemu-system-x86_64}
BRIDGE=${BRIDGE:-br0}
QUEUES=${QUEUES:-2}
ID=${ID:-hot0}
tmp=$(mktemp -d)
QMP=${QMP:-$tmp/qmp.sock}
QEMU_PID=
export QMP QEMU_PID

# If this script stops early, the VM stops with it.
cleanup() {
	[ -z "$QEMU_PID" ] || kill "$QEMU_PID" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# wait=off: QEMU boots without waiting for a QMP client; server=on: it
# listens on QMP.  stdin is not QEMU's, so the terminal stays ours.
"$QEMU" -M q35 -smp "$QUEUES" -m 1G -nic none \
	-device pcie-root-port,id=rp1,chassis=1 \
	-qmp "unix:$QMP,server=on,wait=off" "$@" \
	</dev/null >"${CONSOLE:-/dev/stdout}" 2>&1 &
QEMU_PID=$!

# QEMU makes the socket while it starts; give up if QEMU dies first.
n=0
while [ ! -S "$QMP" ]; do
	kill -0 "$QEMU_PID" 2>/dev/null || { echo "hotplug.sh: QEMU exited" >&2; exit 1; }
	n=$((n + 1))
	[ "$n" -lt 300 ] || { echo "hotplug.sh: no QMP socket $QMP after 30 s" >&2; exit 1; }
	sleep 0.1
done

[ -z "${BEFORE_PLUG:-}" ] || sh -c "$BEFORE_PLUG"
"$VMTAP" hotplug --qmp "$QMP" --nic "$BRIDGE,queues=$QUEUES,id=$ID" --bus rp1

if [ -n "${AFTER_PLUG:-}" ]; then
	sh -c "$AFTER_PLUG"
else
	echo "hotplug.sh: NIC $ID plugged; press Enter to unplug it" >&2
	read -r _
fi

"$VMTAP" unplug --qmp "$QMP" --id "$ID"
[ -z "${AFTER_UNPLUG:-}" ] || sh -c "$AFTER_UNPLUG"

echo "hotplug.sh: waiting for the VM to exit" >&2
status=0
wait "$QEMU_PID" || status=$?
QEMU_PID=
exit "$status"
