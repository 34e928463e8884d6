# guest.sh — a tiny real Linux guest for QEMU, for vmtap's end-to-end tests.
# Source it:  . tests/lib/guest.sh
#
# The guest is Debian's own kernel (linux-image-amd64 → linux-image-6.1.0-N)
# and busybox-static, fetched once with apt-get and cached under
# build/guest/.  Its /init (tests/lib/guest/init) loads the virtio-net
# modules, runs /test.sh, prints "GUEST_EXIT=N" and powers off.  Each run
# appends its test script as a second cpio archive (the kernel unpacks
# concatenated archives), so nothing is rebuilt per test.
#
# Functions
#   guest_build                     fetch + build once; later calls are free.
#                                   Needs the network the first time, so call
#                                   it before entering a sandbox.
#   guest_run SCRIPT LOG [QEMU ARGS...]
#                                   boot with SCRIPT as /test.sh, console to
#                                   LOG; 0 iff the script exited 0.
#   guest_initrd SCRIPT OUT         base initramfs + SCRIPT as /test.sh
#   guest_argv INITRD [QEMU ARGS...]
#                                   set array GUEST_ARGV to the QEMU argv
#   guest_cmdline INITRD [QEMU ARGS...]
#                                   print that argv, shell-quoted, one line
#   guest_exit_status LOG           print the script's exit status from LOG
#   guest_log_has LOG MARKER        grep -q -F MARKER in LOG
#   guest_log_tail LOG [N]          the last N (30) console lines, indented
#   guest_make_initramfs NAME MOD...
#                                   build/guest/NAME.cpio: busybox, /init and
#                                   MODs with their dependencies (cached).
#                                   guest_build makes "base" with virtio-net;
#                                   a test-host VM can make its own.
#   guest_copy_modules DEST MOD...  copy MODs + dependencies, decompressed,
#                                   into DEST/lib/modules, appending the
#                                   load order to DEST/lib/modules/load-order
#
# Environment
#   GUEST_DIR          cache (default: REPO/build/guest)
#   GUEST_TIMEOUT      seconds before a run's QEMU is killed (120)
#   GUEST_MEM          guest memory in MiB (256)
#   GUEST_APPEND       extra kernel command line
#   GUEST_QEMU         QEMU binary (qemu-system-x86_64)
#   GUEST_QEMU_PREFIX  command to run QEMU through, e.g.
#                        GUEST_QEMU_PREFIX=(build/vmtap exec --nic br=br0 --)
#                      an array; a plain string is split on whitespace
#   GUEST_FILES_DIR    a directory whose contents are added to the run's
#                      initramfs next to /test.sh (helper binaries, data)
#
# After guest_build: GUEST_KVER, GUEST_KERNEL (vmlinuz), GUEST_KERNEL_TREE
# (the extracted kernel package, with lib/modules/GUEST_KVER),
# GUEST_BASE_INITRD.
#
# Inside the guest, test scripts may `. /lib/guest.sh` for wait_iface,
# net_up and ping_ok (tests/lib/guest/lib.sh).

GUEST_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
GUEST_REPO=$(cd "$GUEST_LIB_DIR/../.." && pwd)
: "${GUEST_DIR:=$GUEST_REPO/build/guest}"
: "${GUEST_TIMEOUT:=120}"
: "${GUEST_MEM:=256}"
: "${GUEST_APPEND:=}"
: "${GUEST_QEMU:=qemu-system-x86_64}"

# Bump when the layout of build/guest changes, to force a rebuild.
GUEST_CACHE_FORMAT=1
# Load order is resolved from each module's depends=, so this list only
# names what the guest needs.
GUEST_BASE_MODULES=(virtio_pci virtio_net)

guest_msg() { echo "guest: $*" >&2; }

# ---- building ------------------------------------------------------------

# The real kernel package behind the linux-image-amd64 metapackage.
_guest_kernel_pkg() {
	local pkg
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | sed -n 1p)
	if [ -z "$pkg" ] && [ "$(id -u)" -eq 0 ]; then
		# A fresh machine may have no package lists yet.
		guest_msg "no package lists; running apt-get update"
		apt-get update -q >&2 || return 1
		pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
			sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | sed -n 1p)
	fi
	[ -n "$pkg" ] || { guest_msg "cannot resolve linux-image-amd64 (apt-get update?)"; return 1; }
	echo "$pkg"
}

# Download PKG... into DIR.  Running as root, apt wants to drop to _apt,
# which cannot write into the repo; root downloading its own files is fine.
_guest_download() {
	local dir=$1; shift
	mkdir -p "$dir"
	(cd "$dir" && apt-get download -q -o APT::Sandbox::User=root "$@" >&2)
}

# Fetch and unpack the kernel and busybox once.  Sets GUEST_KVER etc.
_guest_fetch() {
	local kpkg debs tmp
	if [ ! -f "$GUEST_DIR/fetched" ]; then
		guest_msg "fetching Debian's kernel and busybox once into ${GUEST_DIR#"$GUEST_REPO"/} (~75 MB download)"
		kpkg=$(_guest_kernel_pkg) || return 1
		debs="$GUEST_DIR/debs"
		rm -rf "$debs" "$GUEST_DIR/kernel" "$GUEST_DIR/busybox"
		_guest_download "$debs" "$kpkg" busybox-static || return 1
		tmp="$GUEST_DIR/unpack.tmp"
		rm -rf "$tmp"
		mkdir -p "$tmp/kernel" "$tmp/busybox"
		dpkg-deb -x "$debs/${kpkg}_"*.deb "$tmp/kernel" &&
			dpkg-deb -x "$debs"/busybox-static_*.deb "$tmp/busybox" || return 1
		mv "$tmp/kernel" "$GUEST_DIR/kernel" &&
			mv "$tmp/busybox" "$GUEST_DIR/busybox" || return 1
		rm -rf "$tmp" "$debs"
		# The marker goes last: a fetch cut short is redone, not trusted.
		echo "$kpkg" >"$GUEST_DIR/fetched"
	fi
	GUEST_KERNEL_TREE="$GUEST_DIR/kernel"
	GUEST_KVER=$(find "$GUEST_KERNEL_TREE/lib/modules" -mindepth 1 -maxdepth 1 -printf '%f\n' | sed -n 1p)
	GUEST_KERNEL="$GUEST_KERNEL_TREE/boot/vmlinuz-$GUEST_KVER"
	[ -n "$GUEST_KVER" ] && [ -f "$GUEST_KERNEL" ] ||
		{ guest_msg "broken cache in $GUEST_DIR; remove it and retry"; return 1; }
}

# Index the kernel's modules by name ("-" and "_" are the same to the
# kernel) once per shell.
_guest_index_modules() {
	[ "${_GUEST_INDEXED:-}" = "$GUEST_KERNEL_TREE" ] && return 0
	declare -gA _GUEST_MODPATH=() _GUEST_BUILTIN=()
	local mdir="$GUEST_KERNEL_TREE/lib/modules/$GUEST_KVER" p n
	while read -r p; do
		n=${p##*/}; n=${n%%.ko*}; n=${n//-/_}
		_GUEST_MODPATH[$n]=$p
	done <"$mdir/modules.order"
	while read -r p; do
		n=${p##*/}; n=${n%%.ko*}; n=${n//-/_}
		_GUEST_BUILTIN[$n]=1
	done <"$mdir/modules.builtin"
	_GUEST_INDEXED=$GUEST_KERNEL_TREE
}

# Write module NAME to OUT, decompressing whatever the package used.
_guest_extract_module() {
	local name=$1 out=$2 base
	base="$GUEST_KERNEL_TREE/lib/modules/$GUEST_KVER/${_GUEST_MODPATH[$name]}"
	base=${base%%.ko*}.ko
	if [ -f "$base" ]; then cp "$base" "$out"
	elif [ -f "$base.xz" ]; then xz -dc "$base.xz" >"$out"
	elif [ -f "$base.zst" ]; then zstd -q -dc "$base.zst" >"$out"
	elif [ -f "$base.gz" ]; then gzip -dc "$base.gz" >"$out"
	else guest_msg "module $name: no file at ${base}[.xz|.zst|.gz]"; return 1
	fi
}

# Depth-first: dependencies are appended to the load order before the
# module that needs them.  Dependencies come from the depends= string in
# the module's .modinfo (there is no modinfo/depmod on the host).
_guest_add_module() {
	local name=${1//-/_} dest=$2 ko deps d
	[ -n "${_GUEST_ADDED[$name]:-}" ] && return 0
	_GUEST_ADDED[$name]=1
	[ -n "${_GUEST_BUILTIN[$name]:-}" ] && return 0
	[ -n "${_GUEST_MODPATH[$name]:-}" ] ||
		{ guest_msg "kernel $GUEST_KVER has no module $name"; return 1; }
	ko="$dest/lib/modules/$name.ko"
	_guest_extract_module "$name" "$ko" || return 1
	deps=$(grep -a -o -m1 'depends=[^[:cntrl:]]*' "$ko" || true)
	deps=${deps%%$'\n'*}
	deps=${deps#depends=}
	for d in ${deps//,/ }; do
		_guest_add_module "$d" "$dest" || return 1
	done
	echo "$name" >>"$dest/lib/modules/load-order"
}

guest_copy_modules() {
	local dest=$1 m; shift
	_guest_fetch || return 1
	_guest_index_modules
	mkdir -p "$dest/lib/modules"
	declare -gA _GUEST_ADDED=()
	if [ -f "$dest/lib/modules/load-order" ]; then
		while read -r m; do _GUEST_ADDED[$m]=1; done <"$dest/lib/modules/load-order"
	fi
	for m in "$@"; do
		_guest_add_module "$m" "$dest" || return 1
	done
}

# A newc cpio of the directory DIR on stdout, owned by root, in a stable
# order.
_guest_cpio() {
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet)
}

# What decides an initramfs's content; a change means a rebuild.
_guest_recipe() {
	echo "format=$GUEST_CACHE_FORMAT kernel=$(cat "$GUEST_DIR/fetched") modules=$*"
	cat "$GUEST_LIB_DIR/guest/init" "$GUEST_LIB_DIR/guest/lib.sh"
}

guest_make_initramfs() {
	local name=$1 out stage rc=0; shift
	out="$GUEST_DIR/$name.cpio"
	_guest_fetch || return 1
	if [ -f "$out" ] && [ -f "$out.recipe" ] &&
		[ "$(_guest_recipe "$@")" = "$(cat "$out.recipe")" ]; then
		return 0
	fi
	stage=$(mktemp -d "$GUEST_DIR/stage.XXXXXX") || return 1
	if _guest_stage "$stage" "$@" && _guest_cpio "$stage" >"$out.tmp"; then
		mv "$out.tmp" "$out" && _guest_recipe "$@" >"$out.recipe" || rc=1
	else
		rc=1
	fi
	rm -rf "$stage" "$out.tmp"
	return "$rc"
}

# The initramfs tree in STAGE: busybox, /init, the guest-side helpers and
# MODULES.  Every step is checked: callers may run without set -e.
_guest_stage() {
	local stage=$1 a; shift
	mkdir -p "$stage"/{bin,dev,proc,sys,tmp,run,etc,root,lib/modules} &&
		cp "$GUEST_DIR/busybox/bin/busybox" "$stage/bin/busybox" || return 1
	# Applet links made here rather than by `busybox --install` at boot:
	# every boot is a TCG boot, and the list never changes.
	for a in $("$stage/bin/busybox" --list); do
		[ "$a" = busybox ] || ln -s busybox "$stage/bin/$a" || return 1
	done
	install -m 0755 "$GUEST_LIB_DIR/guest/init" "$stage/init" &&
		install -m 0644 "$GUEST_LIB_DIR/guest/lib.sh" "$stage/lib/guest.sh" &&
		guest_copy_modules "$stage" "$@"
}

# Cold: download, unpack, build (tens of seconds).  Warm: a few stat()s.
# Serialised with flock so parallel tests build it once.
guest_build() {
	local rc=0
	mkdir -p "$GUEST_DIR"
	exec {_guest_lock}>"$GUEST_DIR/.lock"
	flock "$_guest_lock"
	{ _guest_fetch && guest_make_initramfs base "${GUEST_BASE_MODULES[@]}"; } || rc=$?
	flock -u "$_guest_lock"
	exec {_guest_lock}>&-
	[ "$rc" -eq 0 ] || { guest_msg "guest_build failed"; return "$rc"; }
	GUEST_BASE_INITRD="$GUEST_DIR/base.cpio"
}

# ---- running -------------------------------------------------------------

# guest_initrd SCRIPT OUT — OUT = base initramfs + SCRIPT as /test.sh (and
# GUEST_FILES_DIR's files), as two concatenated archives.
guest_initrd() {
	local script=$1 out=$2 stage rc=0
	[ -n "${GUEST_BASE_INITRD:-}" ] && [ -f "$GUEST_BASE_INITRD" ] ||
		{ guest_msg "no guest built: call guest_build first (outside the sandbox: it downloads)"; return 1; }
	[ -f "$script" ] || { guest_msg "no script $script"; return 1; }
	stage=$(mktemp -d)
	install -m 0755 "$script" "$stage/test.sh"
	if [ -n "${GUEST_FILES_DIR:-}" ]; then
		cp -a "$GUEST_FILES_DIR"/. "$stage"/ || rc=1
	fi
	{ cat "$GUEST_BASE_INITRD" && _guest_cpio "$stage"; } >"$out" || rc=1
	rm -rf "$stage"
	return "$rc"
}

# guest_argv INITRD [QEMU ARGS...] — the QEMU argv into array GUEST_ARGV.
# TCG only: KVM hangs on these machines.  -nic none: without it QEMU adds
# a default NIC and the test's NIC is no longer the guest's eth0.
# panic=-1 with -no-reboot turns any guest panic into a QEMU exit.
guest_argv() {
	local initrd=$1; shift
	GUEST_ARGV=("$GUEST_QEMU" -M q35 -accel tcg -m "$GUEST_MEM"
		-nographic -vga none -no-reboot -nic none
		-kernel "$GUEST_KERNEL" -initrd "$initrd"
		-append "console=ttyS0 panic=-1 quiet${GUEST_APPEND:+ $GUEST_APPEND}"
		"$@")
}

guest_cmdline() {
	guest_argv "$@"
	printf '%q ' "${GUEST_ARGV[@]}" | sed 's/ $//'
	echo
}

# The prefix as an array, whether the caller set an array or a string.
_guest_prefix() {
	_GUEST_PREFIX=()
	if declare -p GUEST_QEMU_PREFIX 2>/dev/null | grep -q '^declare -a'; then
		_GUEST_PREFIX=("${GUEST_QEMU_PREFIX[@]}")
	elif [ -n "${GUEST_QEMU_PREFIX:-}" ]; then
		read -r -a _GUEST_PREFIX <<<"$GUEST_QEMU_PREFIX"
	fi
}

guest_exit_status() {
	sed -n 's/^.*GUEST_EXIT=\([0-9][0-9]*\).*$/\1/p' "$1" 2>/dev/null | tail -n 1
}

guest_log_has() {
	grep -q -F -- "$2" "$1" 2>/dev/null
}

guest_log_tail() {
	echo "---- last ${2:-30} lines of $1 ----"
	tail -n "${2:-30}" "$1" | sed 's/^/  | /'
	echo "----"
}

# guest_run SCRIPT LOG [QEMU ARGS...]
guest_run() {
	local script=$1 log=$2 tmp qrc=0 status; shift 2
	guest_build || return 1
	tmp=$(mktemp -d)
	if ! guest_initrd "$script" "$tmp/initrd"; then
		rm -rf "$tmp"
		return 1
	fi
	guest_argv "$tmp/initrd" "$@"
	_guest_prefix
	# stdin from /dev/null: QEMU's stdio console would otherwise put a
	# terminal in raw mode.  The serial console writes CRLF and the BIOS
	# writes terminal escapes; strip both so tests match whole lines.
	# sed -u: LOG is readable while the guest runs.
	# QEMU's status goes through a file: a failing pipeline would end a
	# caller running under set -e before the log tail is printed.
	{
		timeout -k 5 "$GUEST_TIMEOUT" "${_GUEST_PREFIX[@]}" "${GUEST_ARGV[@]}" 2>&1
		echo $? >"$tmp/qemu-status"
	} </dev/null | sed -u 's/\r$//; s/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1b[A-Za-z]//g' >"$log" || true
	qrc=$(cat "$tmp/qemu-status" 2>/dev/null || echo 255)
	rm -rf "$tmp"
	status=$(guest_exit_status "$log")
	if [ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ]; then
		guest_msg "QEMU killed after ${GUEST_TIMEOUT}s (GUEST_TIMEOUT)"
	elif [ -z "$status" ]; then
		guest_msg "QEMU exited ($qrc) before the guest script finished"
	fi
	if [ "$status" != 0 ]; then
		[ -z "$status" ] || guest_msg "guest script exited $status"
		guest_log_tail "$log" >&2
		return 1
	fi
	return 0
}
