# shellcheck shell=sh
# /lib/guest.sh inside the test guest: helpers for test scripts (busybox sh).
# A test script uses them with:  . /lib/guest.sh

# wait_iface IF [SECONDS] — a hot-plugged NIC appears some time after the
# host asked for it; poll instead of guessing a sleep.
wait_iface() {
	n=$(( ${2:-10} * 10 ))
	while [ ! -e "/sys/class/net/$1" ]; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || { echo "guest: no interface $1"; return 1; }
		usleep 100000
	done
}

# net_up IF ADDR/PREFIX — address and up, waiting for the interface first.
net_up() {
	wait_iface "$1" && ip addr add "$2" dev "$1" && ip link set dev "$1" up
}

# ping_ok ADDR [COUNT] — bounded in count and time: a test never floods and
# never waits longer than COUNT+5 seconds.
ping_ok() {
	ping -c "${2:-3}" -w "$(( ${2:-3} + 5 ))" "$1"
}
