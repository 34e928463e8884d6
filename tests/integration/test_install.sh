#!/usr/bin/env bash
# test_install.sh — `make install` and `make uninstall` into a DESTDIR under
# a temporary directory (never /), with PREFIX=/usr, built in a build
# directory of its own (the paths compiled in differ from build/'s):
#
#   - every file a host needs is there with its mode (the helper 4755 and
#     root's with SETUID=1 when run as root), and nothing else;
#   - the units and the man pages name the installed paths;
#   - each man page renders without a warning and names every option its
#     program's --help lists (and vmtap(1) every NIC SPEC key);
#   - the completion script loads, and completes subcommands, each
#     command's options exactly as its --help lists them, NIC SPEC keys
#     and a key's words;
#   - a second install keeps an example policy the user changed;
#   - uninstall leaves nothing but that changed policy.
set -uo pipefail
cd "$(dirname "$0")/../.."

if ! command -v scdoc >/dev/null; then
	echo "skipped: scdoc is not installed (make deps installs it)"
	exit 77
fi
if ! command -v man >/dev/null; then
	echo "skipped: man is not installed (Debian: man-db)"
	exit 77
fi

tmp=$(mktemp -d /tmp/vmtap-install.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
D=$tmp/root
B=$tmp/build
setuid=0
[ "$(id -u)" -eq 0 ] && setuid=1
MAKE=(make --no-print-directory -s B="$B" PREFIX=/usr DESTDIR="$D" SETUID=$setuid)

fails=0 before=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { # a section passed when it added no failure
	[ "$fails" -eq "$before" ] && echo "ok: $*"
	before=$fails
}

if ! nice "${MAKE[@]}" -j2 install >"$tmp/install.log" 2>&1; then
	cat "$tmp/install.log"
	echo "FAIL: make install"
	exit 1
fi

# --- the files, their modes, and nothing else
expect() { # PATH MODE
	local m
	if [ ! -f "$D$1" ]; then
		fail "$1 not installed"
		return
	fi
	m=$(stat -c %a "$D$1")
	[ "$m" = "$2" ] || fail "$1 has mode $m, expected $2"
}
helper_mode=755
[ $setuid = 1 ] && helper_mode=4755
expected=(
	"/usr/libexec/vmtap-bridge-helper $helper_mode"
	"/usr/bin/vmtap 755"
	"/usr/sbin/vmtapd 755"
	"/usr/share/man/man1/vmtap.1 644"
	"/usr/share/man/man5/vmtapd.conf.5 644"
	"/usr/share/man/man8/vmtap-bridge-helper.8 644"
	"/usr/share/man/man8/vmtapd.8 644"
	"/usr/share/bash-completion/completions/vmtap 644"
	"/usr/lib/systemd/system/vmtapd.service 644"
	"/usr/lib/systemd/system/vmtapd.socket 644"
	"/etc/qemu/bridge.conf 644"
	"/etc/vmtap/vmtapd.conf 644"
)
for e in "${expected[@]}"; do
	expect $e
done
if [ $setuid = 1 ]; then
	o=$(stat -c %U:%G "$D/usr/libexec/vmtap-bridge-helper")
	[ "$o" = root:root ] || fail "setuid helper owned by $o, expected root:root"
fi
want=$(printf '%s\n' "${expected[@]}" | cut -d' ' -f1 | sort)
have=$(cd "$D" && find . -type f | sed 's|^\.||' | sort)
[ "$want" = "$have" ] || fail "installed files differ: $(diff <(echo "$want") <(echo "$have") | grep '^[<>]' | tr '\n' ' ')"
cmp -s examples/bridge.conf "$D/etc/qemu/bridge.conf" || fail "bridge.conf is not the example"
cmp -s examples/vmtapd.conf "$D/etc/vmtap/vmtapd.conf" || fail "vmtapd.conf is not the example"
ok "files and modes (helper $helper_mode)"

# --- installed paths inside
grep -qx 'ExecStart=/usr/sbin/vmtapd --config /etc/vmtap/vmtapd.conf' \
	"$D/usr/lib/systemd/system/vmtapd.service" || fail "vmtapd.service's ExecStart does not name /usr/sbin/vmtapd"
grep -rl /usr/local "$D/usr/lib/systemd" "$D/usr/share/man" && fail "a unit or man page names /usr/local"
"$B/vmtap" --version | grep -qx 'vmtap [0-9.]*' || fail "vmtap --version"
ok "installed paths in units and pages"

# --- man pages: no warnings; every option of --help, every SPEC key
render() { MANWIDTH=400 LC_ALL=C.UTF-8 man -l "$D/usr/share/man/$1"; }
for p in man1/vmtap.1 man5/vmtapd.conf.5 man8/vmtap-bridge-helper.8 man8/vmtapd.8; do
	warn=$(MANWIDTH=80 man -l --warnings "$D/usr/share/man/$p" 2>&1 >/dev/null)
	[ -z "$warn" ] || fail "man -l --warnings $p: $warn"
	grep -q '^EXAMPLES' <(render $p) || fail "$p has no EXAMPLES"
	grep -q '^FILES' <(render $p) || fail "$p has no FILES"
	grep -q '^SEE ALSO' <(render $p) || fail "$p has no SEE ALSO"
done
opts_of() { grep -o -- '--[a-z][a-z-]*' | sort -u; }
page_has() { # PAGE WORD...
	local page text w
	page=$1
	shift
	text=$(render "$page")
	for w; do
		# An option as a whole word (--nic is not --nic-foo); a KEY= as is.
		if [[ $w == --* ]]; then
			grep -qwF -- "$w" <<<"$text" || fail "$page does not mention $w"
		else
			grep -qF -- "$w" <<<"$text" || fail "$page does not mention $w"
		fi
	done
}
cmds=$("$B/vmtap" --help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')
[ -n "$cmds" ] || fail "no commands in vmtap --help"
page_has man1/vmtap.1 $("$B/vmtap" --help | opts_of)
for c in $cmds; do
	page_has man1/vmtap.1 "vmtap $c" $("$B/vmtap" "$c" --help | opts_of)
done
spec_keys=$("$B/vmtap" exec --help | sed -n '/^SPEC = /,/^$/p' | grep -o '^  [a-z_]*=' | tr -d ' ')
[ -n "$spec_keys" ] || fail "no SPEC keys in vmtap exec --help"
page_has man1/vmtap.1 $spec_keys
page_has man8/vmtap-bridge-helper.8 $("$B/vmtap-bridge-helper" --help | opts_of) allow deny include
page_has man8/vmtapd.8 $("$B/vmtapd" --help | opts_of) hello create-nic create-persistent delete-persistent
page_has man5/vmtapd.conf.5 allow deny limit include queues nics connections user group
ok "man pages render cleanly and name every option and key"

# --- bash completion
comp=$D/usr/share/bash-completion/completions/vmtap
c=$(bash -c 'source "$1" && complete -p vmtap' _ "$comp" 2>&1)
[[ $c == *"-F _vmtap vmtap"* ]] || fail "completion does not register for vmtap: $c"
# Completes LINE as bash would: bash splits the current word at '=' and
# ':' (COMP_WORDBREAKS) and replaces only the last piece; the candidates are
# printed as whole arguments, one a line.
complete_line() {
	bash -c '
		source "$1" || exit 1
		COMP_LINE=$2 COMP_POINT=${#2}
		read -ra COMP_WORDS <<<"$2"
		[[ $2 == *[[:blank:]] ]] && COMP_WORDS+=("")
		last=${COMP_WORDS[-1]}
		cur=${last##*[=:]}
		[[ $last == *[=:] ]] && cur=${last: -1}
		COMP_WORDS[-1]=$cur
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_vmtap
		for r in "${COMPREPLY[@]}"; do echo "${last:0:${#last}-${#cur}}$r"; done
	' _ "$comp" "$1"
}
expect_comp() { # LINE CANDIDATE...: each among the candidates
	local out w
	out=$(complete_line "$1")
	shift
	for w; do
		grep -qxF -- "$w" <<<"$out" || fail "completing '$line': no $w among: $(echo $out)"
	done
}
line="vmtap cr"; [ "$(complete_line "$line")" = create ] || fail "vmtap cr<TAB> gives '$(complete_line "$line")', expected create"
line="vmtap "; expect_comp "$line" $cmds --help --version
for c in $cmds; do
	want=$( ( "$B/vmtap" "$c" --help | opts_of; echo --help ) | sort -u)
	line="vmtap $c --"
	have=$(complete_line "vmtap $c --" | sort -u)
	[ "$want" = "$have" ] || fail "vmtap $c --<TAB>: completion offers '$(echo $have)', --help lists '$(echo $want)'"
done
line="vmtap exec --nic br0,"; expect_comp "$line" $(sed 's/^/br0,/' <<<"$spec_keys")
line="vmtap exec --nic br0,vh"; [ "$(complete_line "$line")" = "br0,vhost=" ] || fail "'$line' gives '$(complete_line "$line")'"
line="vmtap exec --nic br0,mac_lock="; expect_comp "$line" br0,mac_lock=on br0,mac_lock=off
line="vmtap exec --nic br0,queues=2,vhost="; expect_comp "$line" br0,queues=2,vhost=on br0,queues=2,vhost=off br0,queues=2,vhost=auto
line="vmtap hotplug --qmp q.sock --nic b=br0,qdisc=n"; expect_comp "$line" b=br0,qdisc=noqueue
line="vmtap create vm1 --qdisc "; expect_comp "$line" noqueue default
line="vmtap create vm1 --mode t"; expect_comp "$line" tap tun
line="vmtap exec --nic br0 -- qemu-system-x86_64 --"; [ -z "$(complete_line "$line")" ] || fail "completes QEMU's argv after --"
ok "bash completion: commands, options as --help lists them, SPEC keys and words"

# --- a changed policy survives a second install and uninstall
echo 'allow br-test' >>"$D/etc/qemu/bridge.conf"
cp "$D/etc/qemu/bridge.conf" "$tmp/changed.conf"
"${MAKE[@]}" install >"$tmp/install2.log" 2>&1 || { cat "$tmp/install2.log"; fail "second make install"; }
cmp -s "$tmp/changed.conf" "$D/etc/qemu/bridge.conf" || fail "second install overwrote the changed bridge.conf"
grep -q "kept $D/etc/qemu/bridge.conf" "$tmp/install2.log" || fail "second install did not say it kept bridge.conf"
"${MAKE[@]}" uninstall >"$tmp/uninstall.log" 2>&1 || { cat "$tmp/uninstall.log"; fail "make uninstall"; }
left=$(cd "$D" && find . -type f | sed 's|^\.||')
[ "$left" = /etc/qemu/bridge.conf ] || fail "after uninstall, left: $(echo $left) (expected only the changed /etc/qemu/bridge.conf)"
cmp -s "$tmp/changed.conf" "$D/etc/qemu/bridge.conf" || fail "uninstall changed the changed bridge.conf"
[ -e "$D/etc/vmtap" ] && fail "uninstall left /etc/vmtap"
ok "a changed policy is kept by install and uninstall; nothing else is left"

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "test_install: all passed"
