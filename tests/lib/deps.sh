#!/usr/bin/env bash
# deps.sh — install the Debian packages vmtap needs to build, test and demo,
# and only those that are missing.  As root it runs apt-get; otherwise it
# prints the command to run.
set -euo pipefail

pkgs=(
	gcc make pkg-config
	libnl-3-dev libjansson-dev libcap-ng-dev                     # build
	libcmocka-dev                                                # unit tests
	iproute2 util-linux                                          # ip, unshare, setpriv
	qemu-system-x86 cpio                                         # guest tests, demo
	jq python3-minimal libcap2-bin                               # test_doctor: JSON, a socket, setcap
	libvirt-dev libxml2-dev                                      # build: vmtap libvirt-hook/attach/detach
	libvirt-clients libvirt-daemon-driver-qemu libxml2-utils     # test_libvirt: virsh, embedded QEMU driver, xmllint
	clang libclang-rt-dev                                        # make check's fuzzing: libFuzzer (not pulled in without recommends)
	scdoc man-db                                                 # build: man pages; test_install: man -l
	frr                                                          # test_evpn: zebra + bgpd for BGP EVPN between two namespaces
)

# Extra packages for one target (make bench: gnuplot-nox) come as arguments.
pkgs+=("$@")

missing=()
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$st" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "vmtap: missing packages; run: sudo apt-get install ${missing[*]}" >&2
	exit 1
fi
echo "vmtap: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
