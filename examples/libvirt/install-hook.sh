#!/bin/sh
# Install vmtap as a libvirt qemu hook: /etc/libvirt/hooks/qemu.d/vmtap.
#
#   sudo VMTAP=/usr/local/bin/vmtap OWNER=libvirt-qemu examples/libvirt/install-hook.sh
#   sudo systemctl restart libvirtd    # or virtqemud: hooks are found at start
#
# libvirt runs every executable in qemu.d/ with DOMAIN OP SUBOP EXTRA and
# the domain XML on stdin.  The installed file is two lines: it runs
# `vmtap libvirt-hook` with the owner baked in, because libvirt gives hooks
# an almost empty environment.  vmtap then makes, before the domain starts,
# the taps its <vmtap:port> metadata lists (see domain.xml next to this
# file), and deletes them when the domain is released.
#
#   VMTAP      the vmtap binary (default /usr/local/bin/vmtap)
#   OWNER      who may open the taps: the user libvirt runs QEMU as
#              (qemu.conf's user; default root, i.e. no owner set)
#   GROUP      optional group of the taps
#   HOOKS_DIR  libvirt's hook directory (default /etc/libvirt/hooks)
set -eu
VMTAP=${VMTAP:-/usr/local/bin/vmtap}
OWNER=${OWNER:-root}
HOOKS_DIR=${HOOKS_DIR:-/etc/libvirt/hooks}

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
echo "installed $HOOKS_DIR/qemu.d/vmtap; restart libvirtd (or virtqemud) to use it"
