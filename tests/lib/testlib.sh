# testlib.sh — what every test script of vmtap says the same way.
# Source it after setting NAME (the test's name in its output lines):
#
#   skip REASON...   print "SKIP: NAME: REASON" and exit 77 (tests/run counts
#                    it as skipped, with the reason in the log)
#   pass LABEL       print "PASS: NAME: LABEL"
#   fail LABEL       print "FAIL: NAME: LABEL" and remember it: the script
#                    ends with `exit "$failed"`
#   check LABEL CMD...  pass LABEL when CMD succeeds, else fail it
#   expect_failure [--status N] LABEL NEEDLE CMD...
#                    pass when CMD fails (with exit status N, if given)
#                    printing one line on stderr that contains NEEDLE,
#                    and leaves the links of this namespace as they were
#                    (the rule for bad input: a clear line, nothing left)
#   netns_holder VAR a process (sleep) in a network namespace of its own,
#                    its pid in VAR once it is there: an uplink's far end;
#                    the caller kills it, and the namespace goes with it
#   links            the interface names of this namespace, sorted, on one
#                    line: compare before and after to prove nothing is left

failed=0

skip() {
	echo "SKIP: $NAME: $*"
	exit 77
}

pass() { echo "PASS: $NAME: $1"; }

fail() {
	echo "FAIL: $NAME: $1"
	failed=1
}

check() {
	local label=$1; shift
	if "$@"; then pass "$label"; else fail "$label"; fi
}

expect_failure() {
	local want= label needle out rc=0 before
	if [ "$1" = --status ]; then
		want=$2
		shift 2
	fi
	label=$1 needle=$2
	shift 2
	before=$(links)
	out=$("$@" 2>&1 >/dev/null) || rc=$?
	if [ "$rc" -ne 0 ] && [ -z "$want" ] || [ "$rc" = "$want" ]; then
		if [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] && [[ "$out" == *"$needle"* ]] &&
			[ "$(links)" = "$before" ]; then
			pass "$label: \"$out\""
			return
		fi
	fi
	fail "$label: exit $rc${want:+ (want $want)}, output \"$out\" (want one line with \"$needle\"), links $(links) (before: $before)"
}

netns_holder() {
	local pid i
	unshare --net sleep infinity &
	pid=$!
	printf -v "$1" %s "$pid"
	# unshare execs sleep in the new namespace: same pid, new namespace.
	for i in $(seq 200); do
		[ "$(readlink "/proc/$pid/ns/net")" != "$(readlink /proc/self/ns/net)" ] && return 0
		sleep 0.05
	done
	return 1
}

links() { ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort | tr '\n' ' '; }
