#!/usr/bin/env bash
# test_hostvm.sh — the test-host VM (tests/hostvm/): Debian's kernel 6.1
# booted under QEMU TCG as a host that has vhost-net, running the core's
# integration tests (a second kernel in the test matrix), VLANs through
# vmtap's front ends on a vlan_filtering bridge (tests/hostvm/tenant.sh:
# this machine's kernel has no bridge VLAN filtering) and the vhost-net
# data-path self-test (`vmtap doctor --vhost-selftest`) inside.
#
# Passes when the VM finished, printed "kernel 6.1.N", every test inside
# passed and the self-test printed "vhost-selftest: tx ok, rx ok".  Fails
# if anything inside failed or the VM did not finish (killed after
# HOSTVM_TIMEOUT, 540 s).  Exit: 0 pass, 77 skipped, anything else fail.
#
# The VM has no NIC (-nic none) and makes nothing on this machine; it runs
# inside a sandbox anyway, like every test here.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
NAME=hostvm
. "$REPO/tests/lib/sandbox.sh"
. "$REPO/tests/lib/testlib.sh"
. "$REPO/tests/lib/guest.sh"
. "$REPO/tests/hostvm/hostvm.sh"

if ! sandbox_inside; then
	[ "$(id -u)" -eq 0 ] || skip "needs root (the tests inside run as root; sandbox)"
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed"
	for b in "${HOSTVM_BINARIES[@]}"; do
		[ -x "$REPO/$b" ] || { echo "FAIL: $NAME: no $REPO/$b (run make test-bins first)"; exit 1; }
	done
	# Downloads the kernel package the first time: outside the sandbox.
	guest_build
	sandbox_enter "$0" "$@"
fi

LOGDIR=${TEST_LOG_DIR:-$REPO/build/test-logs}/e2e
mkdir -p "$LOGDIR"
log=$LOGDIR/$NAME.log

vm_ok=0
hostvm_run "$log" || vm_ok=$?

# What the VM said, for whoever reads the test output.
grep -E '^(kernel |hostvm: |vhost-selftest: |\[  (PASSED|FAILED) \]|\[  FAILED  \])' "$log" | sed 's/^/  | /' || true

if [ "$vm_ok" -eq 0 ]; then
	pass "the VM finished and every test inside passed"
else
	fail "the VM failed or did not finish (console: $log)"
	guest_log_tail "$log" 40
fi
if grep -qE '^kernel 6\.1\.[0-9]+ ' "$log"; then
	pass "ran on $(grep -oE '^kernel 6\.1\.[0-9]+' "$log")"
else
	fail "no \"kernel 6.1.N\" line on the console"
fi
for t in test_port test_helper test_setuid; do
	if grep -qx "hostvm: PASS integration/$t" "$log"; then
		pass "integration/$t on kernel 6.1"
	else
		fail "integration/$t on kernel 6.1 ($(grep -m1 "hostvm: FAIL integration/$t" "$log" || echo "no result"))"
	fi
done
# VLANs through the front ends (tests/hostvm/tenant.sh): its summary line.
if grep -qx 'hostvm: PASS tenant networks' "$log"; then
	pass "tenant networks: VLANs through vmtapd, vmtap exec, vmtap create and the setuid helper"
else
	fail "tenant networks ($(grep -m1 -E '^hostvm: FAIL tenant' "$log" || echo "no result"))"
fi
if grep -qx 'vhost-selftest: tx ok, rx ok' "$log"; then
	pass "vhost-selftest: tx ok, rx ok"
else
	fail "no \"vhost-selftest: tx ok, rx ok\" ($(grep -m1 '^vhost-selftest:' "$log" || echo "no self-test line"))"
fi
exit "$failed"
