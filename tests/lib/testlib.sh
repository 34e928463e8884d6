# testlib.sh — what every test script of vmtap says the same way.
# Source it after setting NAME (the test's name in its output lines):
#
#   skip REASON...   print "SKIP: NAME: REASON" and exit 77 (tests/run counts
#                    it as skipped, with the reason in the log)
#   pass LABEL       print "PASS: NAME: LABEL"
#   fail LABEL       print "FAIL: NAME: LABEL" and remember it: the script
#                    ends with `exit "$failed"`
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

links() { ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort | tr '\n' ' '; }
