/* acl.h — who may put a tap on which bridge.
 *
 * The file grammar is qemu-bridge-helper's (/etc/qemu/bridge.conf):
 *   allow NAME | allow all | deny NAME | deny all | include PATH | # comment
 * Default deny; deny wins over allow.  Stricter than QEMU: every file must
 * be a regular file owned by root and not group/world-writable (checked
 * with fstat on the opened fd) on a real filesystem (fstatfs: not procfs,
 * sysfs, FUSE or another whose owner and mode mean nothing); an include that fails is an error (QEMU
 * skips every failing include), except the one QEMU case that is a feature,
 * below; includes nest at most ACL_MAX_DEPTH deep; every error names
 * file:line.
 *
 * Also stricter: a line is whitespace-separated tokens, and a keyword takes
 * exactly one argument (a bridge name that passes ifname_check, "all", or
 * an absolute path), so anything after it is an error, not part of the name.
 * Comments are whole lines whose first non-blank byte is '#'.  Keywords and
 * names are case-sensitive and compared exactly.
 *
 * Files are opened with the caller's credentials: the helper reads them
 * after it has become the real user, so a per-user include readable only
 * by that user works as it does in QEMU: an include whose open() fails with
 * EACCES is skipped (it applies to the users who can read it, and only to
 * them: a deny in it binds no one else).  The top file must open. */
#ifndef VMTAP_ACL_H
#define VMTAP_ACL_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "helper/core/err.h"
#include "helper/core/rate.h"
#include "helper/core/vlanset.h"

/* How many include levels below the top file (a loop ends here). */
#define ACL_MAX_DEPTH 8
/* Longest line, not counting its '\n' (QEMU reads lines with a 4096-byte
 * fgets buffer and silently splits longer ones; we refuse them). */
#define ACL_MAX_LINE 4095
/* Largest policy file we read. */
#define ACL_MAX_FILE_SIZE (1024 * 1024)
/* Most files (the top one and every include) one load may read, so a file
 * that includes another many times cannot make the work grow without end. */
#define ACL_MAX_FILES 128

struct acl;

/* Opens path (O_RDONLY|O_CLOEXEC|O_NOCTTY|O_NONBLOCK), checks with fstat
 * that it is a regular file owned by uid 0 and not writable by group or
 * others, and with fstatfs that it is on no pseudo filesystem, reads it whole and hands it to acl_parse_buffer.  Includes are
 * opened and checked the same way (one that is EACCES to open is skipped).
 * Returns 0 and sets *out, or a negative errno with a one-line message in
 * err (*out is left alone).  No fd stays open on return. */
int acl_load(const char *path, struct acl **out, struct vmtap_err *err);

/* What acl_load does after the file checks: parses len bytes of buf as the
 * contents of a file called name (used only in messages).  Include lines
 * are still followed, through the same checked open as acl_load.  buf need
 * not be NUL-terminated; a NUL byte inside it is an error. */
int acl_parse_buffer(const char *name, const char *buf, size_t len,
		     struct acl **out, struct vmtap_err *err);

/* True only if some rule allows bridge and none denies it.  A name that
 * fails ifname_check is never allowed, even by "allow all".  acl may be
 * NULL (then nothing is allowed). */
bool acl_allows(const struct acl *acl, const char *bridge);

void acl_free(struct acl *acl);

/* ---- vmtapd's grammar ---------------------------------------------------
 *
 * The daemon decides by its peer's credentials (SO_PEERCRED and
 * SO_PEERGROUPS), so its policy file takes QEMU's grammar plus subjects
 * and limits:
 *
 *   allow BRIDGE|all [user NAME | group NAME]
 *   deny  BRIDGE|all [user NAME | group NAME]
 *   limit queues|nics|connections N [user NAME | group NAME]
 *   include PATH
 *   (and the VLAN and require lines below, "tenant networks")
 *
 * A rule without a subject is for everyone.  NAME is looked up when the
 * file is read (a name that is not known, and is not a decimal id, is an
 * error).  Deny wins over allow, as above.  Of the limits that apply to a
 * peer, one for its user beats one for any of its groups, which beats one
 * for everyone; at the same level the last line wins.  The same file checks
 * apply, except that an include the daemon cannot open is an error (the
 * daemon reads as root, and per-user includes are what subjects replace).
 *
 * The plain functions above keep QEMU's grammar exactly: "user", "group"
 * and "limit" are errors there. */

enum acl_limit {
	ACL_LIMIT_QUEUES,      /* queues per NIC; default VMTAP_MAX_QUEUES */
	ACL_LIMIT_NICS,        /* NICs alive at once per uid; default none */
	ACL_LIMIT_CONNECTIONS, /* open connections per uid; default 64 */
	ACL_LIMIT_COUNT
};
#define ACL_NO_LIMIT ((unsigned)-1)
#define ACL_DEFAULT_CONNECTIONS 64
/* Largest N a limit line takes (nics and connections). */
#define ACL_LIMIT_MAX 65535

/* Who asks: the credentials the kernel recorded at connect(). */
struct acl_peer {
	uid_t uid;
	gid_t gid;
	const gid_t *groups; /* supplementary groups */
	size_t ngroups;
};

int acl_load_daemon(const char *path, struct acl **out, struct vmtap_err *err);
int acl_parse_buffer_daemon(const char *name, const char *buf, size_t len,
			    struct acl **out, struct vmtap_err *err);

/* As acl_allows, with rules for peer's user and groups counted too (peer
 * NULL: only rules for everyone). */
bool acl_allows_peer(const struct acl *acl, const char *bridge, const struct acl_peer *peer);

/* The limit that applies to peer (ACL_NO_LIMIT for none). */
unsigned acl_limit(const struct acl *acl, enum acl_limit which, const struct acl_peer *peer);

/* "queues", "nics", "connections" */
const char *acl_limit_name(enum acl_limit which);

/* The bandwidth policy for peer in one direction (`limit` and `default
 * inbound|outbound`), as acl_check_nic applies it: *max the maximum that
 * applies (rate 0: none); *dflt what a NIC that asks for no limit gets
 * (the default cut to the maximum, else the maximum itself; rate 0: no
 * limit).  For vmtapd's hello and vmtap doctor. */
void acl_bandwidth(const struct acl *acl, const struct acl_peer *peer, bool outbound,
		   struct nic_rate *max, struct nic_rate *dflt);

/* ---- tenant networks (README, "Tenant networks") ------------------------
 *
 * vmtapd's grammar also takes:
 *
 *   allow BRIDGE|all vlan LIST [user NAME | group NAME]
 *   deny  BRIDGE|all vlan LIST [user NAME | group NAME]
 *   require BRIDGE|all isolated|mac_lock|isolated,mac_lock [user NAME | group NAME]
 *
 * LIST is a VLAN list (vlanset.h) with ',' or ':' between items
 * ("100-199", "10,20-29").  A rule with a vlan list is only about those
 * VLANs and a rule without one only about untagged use: `allow br0` grants
 * no VLAN and `allow br0 vlan 10` no untagged port.  QEMU's grammar (the
 * helper's bridge.conf) keeps no VLAN and no require: there a NIC with a
 * VLAN is refused.
 *
 * macvtap (README, "macvtap: a NIC on an uplink"), vmtapd's grammar only:
 *
 *   allow macvtap DEV|all [user NAME | group NAME]
 *   deny  macvtap DEV|all [user NAME | group NAME]
 *
 * DEV is the parent (the uplink).  Default deny, deny wins.  A bridge
 * called "macvtap" keeps its meaning: `allow macvtap`, `allow macvtap user
 * bob` and `allow macvtap vlan 10` are about it (so a parent called user,
 * group or vlan cannot be named: rename it).  Any mode but passthru is
 * granted with the parent; passthru only to uid 0 (it hands the parent
 * itself to the guest).  bridge.conf grants no macvtap.
 *
 * One check for every front end that makes a NIC on someone's behalf. */
struct nic_spec;

/* Whether caller (peer: the credentials the rules' subjects are matched
 * against; NULL for rules for everyone only, as in QEMU's bridge.conf) may
 * have the NIC spec asks for, and spec as the policy makes it:
 *
 *  - nic_spec_check_port first (a vlan= inside trunk=, a VLAN without a
 *    bridge);
 *  - a macvtap (spec->macvtap): only as the allow/deny macvtap rules say,
 *    above, and nothing else is checked;
 *  - no vlan and no trunk: the bridge must be allowed (acl_allows_peer);
 *  - a vlan or a trunk: only vmtapd's policy can grant it (an acl loaded
 *    by acl_load refuses it); a deny of the bridge itself still binds, and
 *    every VLAN asked (the access / native one and every trunk VLAN) must
 *    be in an allow ... vlan that applies and in no deny ... vlan that
 *    applies (deny wins); the untagged allow is not needed then;
 *  - every require that applies is put into spec: isolated and mac_lock
 *    become on, and a request that asked them off is refused naming the
 *    require line.
 *
 * isolated and mac_lock only restrict the caller's own port, so they need
 * no grant.  Returns 0, -EPERM with one line naming the VLAN or the
 * bridge, the uid and the policy file ("uid 1000 may not use VLAN 30 on
 * br0 (policy /etc/vmtap/vmtapd.conf)"), or -EINVAL from
 * nic_spec_check_port.  spec is changed only when the answer is 0. */
int acl_check_nic(const struct acl *acl, const struct acl_peer *peer, struct nic_spec *spec,
		  uid_t caller, struct vmtap_err *err);

/* ---- what a peer may do (vmtapd's hello) --------------------------------
 *
 * The same rules as acl_check_nic, turned round: for each bridge the
 * rules that apply to peer name, what a NIC on it may be.  A named
 * bridge's entry is the whole answer for it (allows of "all" included,
 * denies subtracted); the entry "all" is the answer for every bridge not
 * listed by name.  So `allow all` + `deny br1` lists "all" (untagged) and
 * "br1" (nothing: an exception), and a peer no rule grants anything gets
 * no entry at all. */
struct acl_grant {
	char bridge[IFNAMSIZ];  /* a bridge name, or "all" (last, when listed) */
	bool untagged;          /* a port without a VLAN */
	struct vlan_set vlans;  /* the VLANs it may use there (allowed minus denied) */
	bool isolated;          /* required on (a require line applies) */
	bool mac_lock;
};

/* Fills *out (malloc'd, the caller frees it; NULL when *n is 0) with
 * peer's grants: named bridges in the order the policy first names them,
 * then "all".  A named bridge is listed only where it differs from "all";
 * "all" only when it grants something.  Requires are listed only on an
 * entry that grants something.  0 or -ENOMEM. */
int acl_grants(const struct acl *acl, const struct acl_peer *peer, struct acl_grant **out,
	       size_t *n);

#endif
