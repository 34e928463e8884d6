#!/bin/sh
# Install vmtap as a libvirt qemu hook: /etc/libvirt/hooks/qemu.d/vmtap.
#
#   sudo VMTAP=/usr/local/bin/vmtap OWNER=libvirt-qemu examples/libvirt/install-hook.sh
#   sudo systemctl restart libvirtd    # or virtqemud: hooks are found at start
#   (without systemd: sudo service libvirtd restart)
#
# libvirt runs every executable in qemu.d/ with DOMAIN OP SUBOP EXTRA and
# the domain XML on stdin.  The installed file is two lines: it runs
# `vmtap libvirt-hook` with the owner baked in, because libvirt gives hooks
# an almost empty environment.  vmtap then makes, before the domain starts,
# the taps its <vmtap:port> metadata lists (see domain.xml next to this
# file), and deletes them when the domain is released.
#
# Variables (README, "libvirt"):
#   OWNER      required: who may open the taps, the user libvirt runs QEMU
#              as (the user line of /etc/libvirt/qemu.conf; Debian's
#              libvirt runs QEMU as libvirt-qemu).  OWNER=root sets no
#              owner (only root may open the taps): say so explicitly.
#   GROUP      optional group of the taps
#   VMTAP      the vmtap binary (default /usr/local/bin/vmtap)
#   HOOKS_DIR  libvirt's hook directory (default /etc/libvirt/hooks)
set -eu
VMTAP=${VMTAP:-/usr/local/bin/vmtap}
HOOKS_DIR=${HOOKS_DIR:-/etc/libvirt/hooks}
if [ -z "${OWNER:-}" ]; then
	echo "install-hook: set OWNER= to the user libvirt runs QEMU as (qemu.conf's user;" \
		"libvirt-qemu on Debian), or OWNER=root for taps only root may open" >&2
	exit 2
fi

[ -x "$VMTAP" ] || { echo "install-hook: no executable $VMTAP (set VMTAP=)" >&2; exit 1; }
# Resolved now, so a typo fails here and not at the next domain start.
"$VMTAP" libvirt-hook --owner "$OWNER" ${GROUP:+--group "$GROUP"} \
	install-check check begin - </dev/null

install -d -m 0755 "$HOOKS_DIR/qemu.d"
tmp=$(mktemp "$HOOKS_DIR/qemu.d/.vmtap.XXXXXX")
{
	echo '#!/bin/sh'
	echo "exec '$VMTAP' libvirt-hook --owner '$OWNER'${GROUP:+ --group '$GROUP'} \"\$@\""
} >"$tmp"
chmod 0755 "$tmp"
mv -f "$tmp" "$HOOKS_DIR/qemu.d/vmtap"
echo "installed $HOOKS_DIR/qemu.d/vmtap (taps owned by $OWNER${GROUP:+, group $GROUP});" \
	"restart libvirtd (or virtqemud) to use it"
