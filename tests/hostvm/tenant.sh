# shellcheck shell=sh
# tenant.sh — VLANs through vmtap's front ends, in the test-host VM (whose
# kernel has bridge VLAN filtering; the build machine's has not).  Run by
# inside.sh in a network and mount namespace of its own, with /sys and
# /run fresh.
#
#   - policy refusals of a VLAN nothing granted: the setuid helper in plain
#     bridge.conf mode (no vmtapd), then with vmtapd running: create-nic,
#     `vmtap exec` (through vmtapd), the setuid helper in broker mode and
#     `vmtap create` as nobody (through vmtapd).  Each is one line naming
#     the VLAN, and leaves no tap and no FDB entry for the MAC it asked to
#     lock.
#   - frames on a vlan_filtering bridge: `vmtap exec --nic
#     brv,vlan=10,mac_lock=on,mac=...` runs tests/helpers/tenant_frames, which takes a VLAN-10 and a trunk
#     (10, 20) NIC from vmtapd's create-nic and opens the VLAN-20 tap
#     `vmtap create vtx --bridge brv --vlan 20` made; it writes and reads
#     frames on the fds.
#
# Prints "hostvm: PASS tenant: LABEL" / "hostvm: FAIL tenant: LABEL" lines,
# then "hostvm: PASS tenant networks" or "hostvm: FAIL tenant networks";
# exits non-zero when anything failed.

B=/vmtap/build
SOCK=/run/vmtap/vmtapd.sock
LOCKMAC=52:54:00:00:00:33
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups --"
failed=0

pass() { echo "hostvm: PASS tenant: $1"; }
fail() {
	echo "hostvm: FAIL tenant: $1"
	failed=1
}

links() { ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort | tr '\n' ' '; }
fdb_has_lockmac() { bridge fdb show br brv | grep -qi "$LOCKMAC"; }

# expect_refused LABEL NEEDLE CMD...: CMD fails with one line containing
# NEEDLE and leaves no interface and no FDB entry for LOCKMAC.
expect_refused() {
	label=$1 needle=$2
	shift 2
	out=$("$@" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" -ne 0 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] &&
		printf '%s\n' "$out" | grep -qF -- "$needle" && [ "$(links)" = "$base_links" ] &&
		! fdb_has_lockmac; then
		pass "$label: \"$out\""
	else
		fail "$label: exit $rc, output \"$out\" (want one line with \"$needle\"), links: $(links) (want $base_links), FDB: $(bridge fdb show br brv | grep -i "$LOCKMAC")"
	fi
}

ip link add brv type bridge vlan_filtering 1 && ip link set dev brv up ||
	{ fail "a vlan_filtering bridge"; echo "hostvm: FAIL tenant networks"; exit 1; }
base_links=$(links)

mkdir -p /etc/qemu /etc/vmtap /run/vmtap
# Plain mode grants brv untagged: what is refused is the VLAN.
echo 'allow brv' >/etc/qemu/bridge.conf
cat >/etc/vmtap/vmtapd.conf <<'EOF'
allow brv vlan 10,20 user root
allow brv user nobody
allow brv vlan 10,20 user nobody
EOF
chown root:root /etc/qemu /etc/vmtap /etc/qemu/bridge.conf /etc/vmtap/vmtapd.conf
chmod 0644 /etc/qemu/bridge.conf /etc/vmtap/vmtapd.conf

# A setuid-root copy of the helper, for nobody's `vmtap exec`.
cp "$B/vmtap-bridge-helper" /tmp/suid-helper && chmod 4755 /tmp/suid-helper

# 1. The setuid helper with no vmtapd: bridge.conf grants no VLAN.
expect_refused "setuid helper, bridge.conf mode: VLAN 10 refused" \
	"VLANs are granted only by vmtapd's policy" \
	$NOBODY "$B/vmtap" exec --socket /run/vmtap/none.sock --helper /tmp/suid-helper \
	--nic "brv,vlan=10,mac_lock=on,mac=$LOCKMAC" -- /bin/true
expect_refused "setuid helper, bridge.conf mode: trunk refused" \
	"VLANs are granted only by vmtapd's policy" \
	$NOBODY "$B/vmtap" exec --socket /run/vmtap/none.sock --helper /tmp/suid-helper \
	--nic "brv,trunk=10:20,mac_lock=on,mac=$LOCKMAC" -- /bin/true

# 2. vmtapd.
"$B/vmtapd" --foreground 2>/tmp/tenant-vmtapd.log &
daemon=$!
n=0
while [ ! -S "$SOCK" ] && [ "$n" -lt 100 ] && kill -0 "$daemon" 2>/dev/null; do
	sleep 0.1
	n=$((n + 1))
done
if [ ! -S "$SOCK" ]; then
	cat /tmp/tenant-vmtapd.log
	fail "vmtapd started"
	echo "hostvm: FAIL tenant networks"
	exit 1
fi

if out=$("$B/tests/helpers/tenant_frames" refuse "$SOCK" \
	"brv,vlan=30,mac_lock=on,mac=$LOCKMAC" "VLAN 30" 2>&1) &&
	[ "$(links)" = "$base_links" ] && ! fdb_has_lockmac; then
	pass "vmtapd create-nic vlan=30 (root): ${out#PASS: }"
else
	fail "vmtapd create-nic vlan=30 (root): $out; links: $(links)"
fi
if out=$($NOBODY "$B/tests/helpers/tenant_frames" refuse "$SOCK" \
	"brv,vlan=10,trunk=20:30,mac_lock=on,mac=$LOCKMAC" "VLAN 30" 2>&1) &&
	[ "$(links)" = "$base_links" ] && ! fdb_has_lockmac; then
	pass "vmtapd create-nic trunk=20:30 (nobody): ${out#PASS: }"
else
	fail "vmtapd create-nic trunk=20:30 (nobody): $out; links: $(links)"
fi
expect_refused "vmtap exec through vmtapd: VLAN 30 refused" "VLAN 30" \
	$NOBODY "$B/vmtap" exec --nic "brv,vlan=30,mac_lock=on,mac=$LOCKMAC" -- /bin/true
expect_refused "setuid helper, broker mode: VLAN 30 refused by vmtapd" "VLAN 30" \
	$NOBODY "$B/vmtap" exec --socket /run/vmtap/none.sock --helper /tmp/suid-helper \
	--nic "brv,vlan=30,mac_lock=on,mac=$LOCKMAC" -- /bin/true
expect_refused "vmtap create through vmtapd: VLAN 30 refused" "VLAN 30" \
	$NOBODY "$B/vmtap" create vtn --bridge brv --vlan 30
# What the policy grants goes through the same paths (the refusals above
# are about the VLAN, nothing else).
if $NOBODY "$B/vmtap" exec --socket /run/vmtap/none.sock --helper /tmp/suid-helper \
	--nic "brv,vlan=20" -- /bin/true && [ "$(links)" = "$base_links" ]; then
	pass "setuid helper, broker mode: granted VLAN 20 is made (and gone after)"
else
	fail "setuid helper, broker mode: granted VLAN 20 (links: $(links))"
fi

# 3. Frames.
if "$B/vmtap" create vtx --bridge brv --vlan 20 >/tmp/tenant-create.txt 2>&1; then
	pass "vmtap create vtx --bridge brv --vlan 20"
else
	fail "vmtap create vtx --bridge brv --vlan 20: $(cat /tmp/tenant-create.txt)"
fi
bridge vlan show dev vtx
"$B/vmtap" exec --no-device --nic brv,vlan=10,mac_lock=on,mac=52:54:00:10:00:0a -- \
	"$B/tests/helpers/tenant_frames" vlans "$SOCK" brv,vlan=10 brv,trunk=10:20 vtx \
	>/tmp/tenant-frames.txt 2>&1
rc=$?
sed -nE 's/^(PASS|FAIL): /hostvm: \1 tenant: /p' /tmp/tenant-frames.txt
grep -vE '^(PASS|FAIL): ' /tmp/tenant-frames.txt | sed 's/^/  tenant_frames: /'
if [ "$rc" -eq 0 ] && grep -q '^PASS: ' /tmp/tenant-frames.txt; then
	pass "frames stay in their VLANs (vmtap exec, vmtapd create-nic, vmtap create)"
else
	fail "tenant_frames vlans (exit $rc)"
fi
"$B/vmtap" delete vtx >/dev/null 2>&1 || fail "vmtap delete vtx"

kill -TERM "$daemon"
wait "$daemon" || fail "vmtapd exit status"
grep -E 'deny|grant' /tmp/tenant-vmtapd.log | sed 's/^/  /' | head -n 20
if [ "$(links)" = "$base_links" ]; then
	pass "nothing left on brv"
else
	fail "interfaces left: $(links)"
fi

if [ "$failed" -eq 0 ]; then
	echo "hostvm: PASS tenant networks"
else
	echo "hostvm: FAIL tenant networks"
fi
exit "$failed"
