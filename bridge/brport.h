/* brport.h — a bridge port's tenant settings: isolation, the MAC lock
 * (locked port + learning off + one static FDB entry per guest MAC) and
 * its 802.1Q VLANs; reading them back; and what a bridge says about VLAN
 * filtering.  The layer under issue 13 ("Tenant networks on one bridge").
 *
 * Contract.  Every function is the round trips named below, returns 0 or
 * the kernel's own -errno, and on failure writes one line naming the port
 * (or bridge) and the step, with the kernel's extended-ack text when it
 * sent one.  A feature the running kernel lacks is an error naming it:
 * isolated ports need Linux 4.18, locked ports 5.18, bridge VLANs
 * CONFIG_BRIDGE_VLAN_FILTERING.  Nothing here undoes a step: the settings
 * and the FDB entries of a port go with it when its tap is closed.
 *
 * Never: validates a VLAN against a policy (helper/core's job), prints,
 * knows about QEMU. */
#ifndef VMTAP_BRIDGE_BRPORT_H
#define VMTAP_BRIDGE_BRPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bridge/link.h"
#include "helper/core/err.h"
#include "helper/core/vlanset.h"

struct nl_sock;

/* What a NIC asks of its port.  A zero-initialised one asks nothing.
 * VLANs: access = has_pvid alone (VLAN pvid, untagged both ways); trunk =
 * tagged alone (untagged frames are dropped); native + trunk = both (the
 * native VLAN untagged, the others tagged).  pvid must not be in tagged. */
struct port_tenant {
	bool isolated;        /* IFLA_BRPORT_ISOLATED: no traffic to other isolated ports */
	bool locked;          /* IFLA_BRPORT_LOCKED: only source MACs the FDB puts on this port */
	bool learning_off;    /* IFLA_BRPORT_LEARNING 0 */
	bool has_pvid;
	unsigned pvid;        /* 1..4094, when has_pvid */
	struct vlan_set tagged;
	/* Required when a VLAN is asked: the bridge's VLAN state, read by
	 * bridge_vlan_filtering() (once per bridge), and its name.  A bridge
	 * without vlan_filtering would take the VLANs and not enforce them,
	 * so they are refused there (bridge_vlan_check); the bridge's default
	 * PVID is the VLAN dropped from the port. */
	const struct bridge_vlan_state *bridge_vlan;
	const char *bridge;
};

/* Whether t asks for any VLAN (and so needs a vlan_filtering bridge). */
bool port_tenant_has_vlans(const struct port_tenant *t);

/* Applies t to the port ifindex (already a port: after port_setup).
 * Refused before any request: a pvid outside 1..4094 (-ERANGE), pvid
 * also in tagged (-EINVAL), VLANs without t->bridge_vlan (-EINVAL) or on
 * a bridge that cannot filter them (bridge_vlan_check's -EOPNOTSUPP).
 * Then:
 *   1. when VLANs are asked and the bridge's default PVID is not among
 *      them: one AF_BRIDGE RTM_DELLINK removing it, so the port is never
 *      in a VLAN it was not given (a port in no VLAN passes nothing);
 *   2. one AF_BRIDGE RTM_SETLINK: IFLA_PROTINFO with the flags asked (and
 *      only those), IFLA_AF_SPEC with the VLANs (runs as RANGE_BEGIN/END
 *      pairs), no AF_SPEC when no VLAN is asked; nothing at all when t asks
 *      nothing;
 *   3. the first time in this process that isolated or locked is asked: one
 *      RTM_GETLINK reading the flags back, since a kernel older than the
 *      attribute ignores it silently (-EOPNOTSUPP naming the version).
 * ifname is for messages. */
int port_tenant_apply(struct nl_sock *sk, int ifindex, const char *ifname,
		      const struct port_tenant *t, struct vmtap_err *err);

/* ---- the FDB: a guest MAC pinned to its port --------------------------- */

/* One RTM_NEWNEIGH (AF_BRIDGE, NTF_MASTER, NLM_F_EXCL): MAC on port
 * ifindex, in VLAN vid (0: no VLAN), `static` (NUD_NOARP) — not
 * `permanent`, which the bridge takes as its own address (delivered to the
 * host, refused by a locked port) and which EVPN does not advertise — and
 * `sticky` (NTF_STICKY, Linux 4.19): a static entry is moved by a frame
 * from its MAC on any learning port, so without it a guest on an unlocked
 * port could take a locked guest's MAC (and lock that guest out).
 * -EEXIST "MAC M (VLAN V) is already in the FDB of the bridge of P" when
 * any port holds it: a MAC is never taken from another port.  A locked
 * port in VLANs needs the entry in each VLAN the guest sends in; vid 0 on
 * a port that has VLANs makes the kernel add it in every one of them too. */
int fdb_add_static(struct nl_sock *sk, int port_ifindex, const char *ifname,
		   const uint8_t mac[6], unsigned vid, struct vmtap_err *err);

/* One RTM_DELNEIGH: the entry fdb_add_static made.  -ENOENT when none. */
int fdb_del_static(struct nl_sock *sk, int port_ifindex, const char *ifname,
		   const uint8_t mac[6], unsigned vid, struct vmtap_err *err);

/* What the FDB of port_ifindex's bridge holds for MAC in VLAN vid (one
 * RTM_GETNEIGH): the port it points at and its NUD_* state (NUD_NOARP for
 * static, NUD_PERMANENT for permanent/local, NUD_REACHABLE for learned).
 * -ENOENT (no message) when there is no entry. */
struct fdb_entry {
	int port;             /* ifindex */
	uint16_t state;       /* ndm_state */
	uint8_t flags;        /* ndm_flags (NTF_*) */
};
int fdb_lookup(struct nl_sock *sk, int port_ifindex, const uint8_t mac[6], unsigned vid,
	       struct fdb_entry *out, struct vmtap_err *err);

/* ---- reading back (vmtap list --json) ---------------------------------- */

/* A port as the bridge sees it. */
struct port_tenant_state {
	int ifindex;
	int master;
	bool isolated, locked, learning;
	bool has_pvid;
	unsigned pvid;
	struct vlan_set untagged;  /* egress untagged (the PVID usually among them) */
	struct vlan_set tagged;    /* egress tagged */
};

/* Every bridge port of the namespace, from one AF_BRIDGE RTM_GETLINK dump
 * (IFLA_EXT_MASK RTEXT_FILTER_BRVLAN_COMPRESSED), into a malloc'ed array
 * the caller frees.  Tried again, at most three times, while the table
 * changes under it. */
int port_tenant_dump(struct nl_sock *sk, struct port_tenant_state **out, size_t *n,
		     struct vmtap_err *err);

/* One port's row of that dump: -ENODEV "NAME is not a bridge port". */
int port_tenant_read(struct nl_sock *sk, int ifindex, const char *ifname,
		     struct port_tenant_state *out, struct vmtap_err *err);

/* ---- the bridge ---------------------------------------------------------- */

/* One RTM_GETLINK of the bridge, its IFLA_INFO_DATA read by link.c
 * (struct bridge_vlan_state: supported, filtering, default_pvid).
 * -EINVAL "NAME is not a bridge" for another link. */
int bridge_vlan_filtering(struct nl_sock *sk, int bridge_ifindex, const char *bridge,
			  struct bridge_vlan_state *out, struct vmtap_err *err);

/* 0 when VLANs can be asked of the bridge; else -EOPNOTSUPP and one line:
 * "VLAN asked of bridge BR, which has no vlan_filtering: ip link set BR
 * type bridge vlan_filtering 1", or, when the kernel cannot filter, that
 * it needs CONFIG_BRIDGE_VLAN_FILTERING. */
int bridge_vlan_check(const struct bridge_vlan_state *v, const char *bridge, struct vmtap_err *err);

#endif
