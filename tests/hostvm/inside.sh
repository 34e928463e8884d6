# shellcheck shell=sh
# inside.sh — /test.sh of the test-host VM (busybox sh, run by the guest's
# /init after it loaded tun, bridge, vhost_net and their dependencies).
#
# Debian's kernel here is a *host*: it runs the core's integration tests
# (taps, bridge ports, isolation / MAC lock / VLANs on them, the helper
# driven as QEMU drives it, the setuid helper) against a second kernel,
# VLANs through vmtap's front ends (tenant.sh), and the vhost-net data-path self-test
# through `vmtap doctor --vhost-selftest`, which the machines that build
# vmtap cannot run (their kernel has no vhost-net).
#
# Prints "kernel 6.1.N", then one "hostvm: PASS NAME" or "hostvm: FAIL NAME"
# line per test and the self-test's own "vhost-selftest: tx ok, rx ok";
# exits non-zero when anything failed.  tests/e2e/test_hostvm.sh reads the
# console.  Nothing here can reach the machine that runs QEMU: the VM has
# no NIC (-nic none).

export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export LD_LIBRARY_PATH=/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu
failed=0

pass() { echo "hostvm: PASS $1"; }
fail() {
	echo "hostvm: FAIL $1"
	failed=1
}

# "Linux version 6.1.0-56-amd64 (...) #1 SMP PREEMPT_DYNAMIC Debian 6.1.158-1 (...)":
# the package's ABI name is uname -r, the upstream version is in the banner.
ver=$(sed -n 's/.* Debian \([0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*\).*/\1/p' /proc/version)
echo "kernel ${ver:-unknown} ($(uname -r))"

for m in tun bridge vhost_net vhost overlay sch_tbf sch_ingress cls_u32 act_police; do
	if [ -d "/sys/module/$m" ]; then
		pass "module $m loaded"
	else
		fail "module $m loaded"
	fi
done
if [ -c /dev/vhost-net ]; then pass "/dev/vhost-net exists"; else fail "/dev/vhost-net exists"; fi

# The tests want what tests/lib/sandbox.sh gives them on the build
# machine: root, SANDBOX_INSIDE=1 and /etc as a throwaway overlay (they
# write /etc/qemu/bridge.conf).  The VM is the sandbox: it has no NIC and
# vanishes when the tests end.
mkdir -p /run/etc.upper /run/etc.work
if ! mount -t overlay overlay -o lowerdir=/etc,upperdir=/run/etc.upper,workdir=/run/etc.work /etc; then
	fail "overlay on /etc"
fi
export SANDBOX_INSIDE=1

# Each test in a network and mount namespace of its own, as tests/run
# does, so that one test's leftovers cannot touch the next (test_port
# refuses to start unless its namespace holds only lo); a fresh sysfs shows
# the namespace's own interfaces.  test_port holds over a thousand tap fds
# at once: more than the default limit of 1024.
# test_brport's VLAN test must run here (this kernel has bridge VLAN
# filtering): VMTAP_TEST_NEED_VLAN turns its skip into a failure.
cd /vmtap || exit 1
ulimit -n 4096
export VMTAP_TEST_NEED_VLAN=1
# test_bandwidth's outbound rows need the police action, which this kernel
# has: a missing one is a failure here.
export VMTAP_TEST_NEED_POLICE=1
for t in test_port test_brport test_helper test_setuid test_bandwidth; do
	echo "hostvm: running $t"
	unshare -n -m sh -c "mount -t sysfs sysfs /sys && ip link set dev lo up &&
		exec build/tests/integration/$t"
	rc=$?
	if [ "$rc" -eq 0 ]; then pass "integration/$t"; else fail "integration/$t (exit $rc)"; fi
done

# Tenant networks through the front ends (vmtapd, vmtap exec, vmtap
# create, the setuid helper): VLAN refusals and frames, in a namespace of
# its own with a private /run (vmtapd's socket) — tenant.sh.
# Through dash, by path: busybox's unshare runs its own sh for "sh", which
# prefers busybox's applets (ip without vlan_filtering, setpriv without
# --reuid) to the build machine's tools on PATH.
echo "hostvm: running tenant.sh"
unshare -n -m /bin/dash -c "mount -t sysfs sysfs /sys && mount -t tmpfs tmpfs /run &&
	ip link set dev lo up && exec /bin/dash /tenant.sh"
rc=$?
if [ "$rc" -eq 0 ]; then pass "tenant.sh"; else fail "tenant.sh (exit $rc)"; fi

# doctor on a host that has vhost-net: it must see the device answer.
build/vmtap doctor >/tmp/doctor.txt 2>&1
cat /tmp/doctor.txt
if grep -q '^ok    vhost features ' /tmp/doctor.txt; then
	pass "doctor sees vhost-net answer VHOST_GET_FEATURES"
else
	fail "doctor sees vhost-net answer VHOST_GET_FEATURES"
fi

# The data-path self-test, in the namespace doctor makes for it.
build/vmtap doctor --vhost-selftest >/tmp/selftest.txt 2>&1
rc=$?
grep '^vhost-selftest:' /tmp/selftest.txt
if [ "$rc" -eq 0 ] && grep -qx 'vhost-selftest: tx ok, rx ok' /tmp/selftest.txt; then
	pass "vmtap doctor --vhost-selftest"
else
	cat /tmp/selftest.txt
	fail "vmtap doctor --vhost-selftest (exit $rc)"
fi
build/vmtap doctor --json --vhost-selftest >/tmp/selftest.json 2>&1
if grep -q '"tx": true' /tmp/selftest.json && grep -q '"rx": true' /tmp/selftest.json; then
	pass "vmtap doctor --json --vhost-selftest"
else
	cat /tmp/selftest.json
	fail "vmtap doctor --json --vhost-selftest"
fi

# Nothing left in the VM's own namespace by the self-test.
left=$(ip -o link show | grep -v ': lo:' || true)
if [ -z "$left" ]; then pass "no interface left"; else fail "interfaces left: $left"; fi

echo "hostvm: done, failed=$failed"
exit "$failed"
