# hostvm.sh — the test-host VM: Debian's own kernel booted under QEMU (TCG)
# as a *host* for vmtap, because the machines that build vmtap run a
# kernel without vhost-net.  Source it after tests/lib/guest.sh:
#
#   hostvm_build OUT      write the VM's initramfs to OUT (needs guest_build
#                         first, and the test binaries: make test-bins)
#   hostvm_run LOG        build, boot with 1 GiB and 2 vCPUs, console to LOG;
#                         0 iff everything inside passed
#
# The initramfs is two concatenated cpio archives (the kernel unpacks
# both):
#   build/guest/hostvm.cpio  busybox, the guest /init and the modules tun,
#                            tap, bridge (+ stp, llc), vhost, vhost_iotlb,
#                            vhost_net, overlay, veth — built once, cached
#   a payload made per run   the built vmtap binaries and test programs
#                            under /vmtap/build, ip, tc and setpriv from the
#                            build machine, dash as /bin/sh, every shared
#                            library they load (from ldd), a minimal
#                            passwd/group, and
#                            tests/hostvm/inside.sh as /test.sh and
#                            tests/hostvm/tenant.sh as /tenant.sh
#
# Environment: HOSTVM_TIMEOUT (seconds, default 540), HOSTVM_MEM (MiB,
# default 1024).

HOSTVM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HOSTVM_REPO=$(cd "$HOSTVM_DIR/../.." && pwd)
: "${HOSTVM_TIMEOUT:=540}"
: "${HOSTVM_MEM:=1024}"

# What the VM's kernel must load.  tap is vhost_net's dependency; overlay
# gives the tests their throwaway /etc; veth is one of test_helper's
# "not a bridge" cases.
# sch_tbf, sch_ingress, cls_u32 and act_police are test_bandwidth's (the
# police action this build machine's kernel lacks).
HOSTVM_MODULES=(tun bridge vhost_net overlay veth sch_tbf sch_ingress cls_u32 act_police)
# Run inside; all must exist after make test-bins.
HOSTVM_BINARIES=(
	build/vmtap
	build/vmtap-bridge-helper
	build/tests/vmtap-bridge-helper-testhook
	build/tests/integration/test_port
	build/tests/integration/test_brport
	build/tests/integration/test_helper
	build/tests/integration/test_setuid
	build/vmtapd
	build/tests/helpers/tenant_frames
	build/tests/integration/test_bandwidth
)
# From the build machine: the tests call tc, ip (veth, MTU) and setpriv
# with options busybox lacks; bridge shows VLANs and the FDB (tenant.sh).
HOSTVM_TOOLS=(tc ip setpriv bridge)

hostvm_msg() { echo "hostvm: $*" >&2; }

# Copy FILE to STAGE at the same path, following symlinks.
_hostvm_copy_at() {
	local stage=$1 f=$2
	mkdir -p "$stage$(dirname "$f")" && cp -L "$f" "$stage$f"
}

# Every shared library ELF needs (and the dynamic loader), at the paths
# ldd resolves them to.
_hostvm_copy_libs() {
	local stage=$1 elf=$2 lib
	for lib in $(ldd "$elf" | sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p'); do
		[ -e "$stage$lib" ] || _hostvm_copy_at "$stage" "$lib" || return 1
	done
}

_hostvm_stage() {
	local stage=$1 b t p
	mkdir -p "$stage/vmtap" "$stage/etc" || return 1
	for b in "${HOSTVM_BINARIES[@]}"; do
		[ -x "$HOSTVM_REPO/$b" ] || { hostvm_msg "missing $b (run make test-bins)"; return 1; }
		mkdir -p "$stage/vmtap/$(dirname "$b")" &&
			cp "$HOSTVM_REPO/$b" "$stage/vmtap/$b" &&
			_hostvm_copy_libs "$stage" "$HOSTVM_REPO/$b" || return 1
	done
	for t in "${HOSTVM_TOOLS[@]}"; do
		p=$(PATH=/usr/sbin:/usr/bin:/sbin:/bin command -v "$t") ||
			{ hostvm_msg "no $t on this machine (make deps)"; return 1; }
		p=$(readlink -f "$p")
		_hostvm_copy_at "$stage" "$p" && _hostvm_copy_libs "$stage" "$p" || return 1
	done
	# The tests popen() and system() "tc ..." and "ip ...": through busybox
	# sh those run busybox's own applets (it prefers them to PATH), which
	# lack options the tests use.  dash runs what PATH names.
	p=$(readlink -f /bin/dash) && [ -x "$p" ] ||
		{ hostvm_msg "no /bin/dash on this machine"; return 1; }
	mkdir -p "$stage/bin" && cp "$p" "$stage/bin/dash" && ln -s dash "$stage/bin/sh" &&
		_hostvm_copy_libs "$stage" "$p" || return 1
	# Names for ids (doctor prints owners), and nobody for test_setuid.
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' \
		>"$stage/etc/passwd"
	printf 'root:x:0:\nkvm:x:104:\nnogroup:x:65534:\n' >"$stage/etc/group"
	install -m 0755 "$HOSTVM_DIR/inside.sh" "$stage/test.sh" &&
		install -m 0755 "$HOSTVM_DIR/tenant.sh" "$stage/tenant.sh"
}

hostvm_build() {
	local out=$1 stage rc=0
	guest_build || return 1
	# The cached part: built once per kernel and module list (flock as
	# guest_build does, since several tests share build/guest).
	exec {_hostvm_lock}>"$GUEST_DIR/.lock"
	flock "$_hostvm_lock"
	guest_make_initramfs hostvm "${HOSTVM_MODULES[@]}" || rc=1
	flock -u "$_hostvm_lock"
	exec {_hostvm_lock}>&-
	[ "$rc" -eq 0 ] || { hostvm_msg "cannot build the VM's base initramfs"; return 1; }

	stage=$(mktemp -d) || return 1
	if _hostvm_stage "$stage"; then
		{ cat "$GUEST_DIR/hostvm.cpio" && _guest_cpio "$stage"; } >"$out" || rc=1
	else
		rc=1
	fi
	rm -rf "$stage"
	return "$rc"
}

# hostvm_run LOG — boots the VM; its console goes to LOG (CRs and terminal
# escapes stripped, as guest_run does).
hostvm_run() {
	local log=$1 tmp qrc status
	tmp=$(mktemp -d) || return 1
	if ! hostvm_build "$tmp/initrd"; then
		rm -rf "$tmp"
		return 1
	fi
	GUEST_MEM=$HOSTVM_MEM guest_argv "$tmp/initrd" -smp 2
	{
		timeout -k 5 "$HOSTVM_TIMEOUT" "${GUEST_ARGV[@]}" 2>&1
		echo $? >"$tmp/qemu-status"
	} </dev/null | sed -u 's/\r$//; s/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1b[A-Za-z]//g' >"$log" || true
	qrc=$(cat "$tmp/qemu-status" 2>/dev/null || echo 255)
	rm -rf "$tmp"
	status=$(guest_exit_status "$log")
	if [ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ]; then
		hostvm_msg "QEMU killed after ${HOSTVM_TIMEOUT}s: the VM did not finish"
		return 1
	fi
	if [ -z "$status" ]; then
		hostvm_msg "QEMU exited ($qrc) before the VM's tests finished"
		return 1
	fi
	[ "$status" = 0 ]
}
