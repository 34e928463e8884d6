/* provision.h — the one path from a nic_spec to a nic.
 *
 * Two steps on one struct nic, because a setuid helper must open device
 * files while privileged and do the rest after dropping to CAP_NET_ADMIN:
 *
 *   nic_devs_open()  open /dev/net/tun once per queue into nic's tapfd[]
 *                    (not yet attached to any device), and /dev/vhost-net
 *                    once per queue into its vhostfd[] as the spec's vhost
 *                    mode says
 *   provision()      make the tap from those fds, make it a bridge port,
 *                    and fill in the rest of the same nic
 *
 * Between the two, nic holds only fds and counts: nic_close() releases
 * them.  provision() is all-or-nothing: on any failure every fd is closed,
 * and since the tap is not persistent the kernel removes it and its bridge
 * port with its last fd.  Nothing is left behind.
 *
 * The tenant-network fields (vlan, trunk, isolated, mac_lock, announce:
 * README, "Tenant networks") are a step after the port exists: one
 * AF_BRIDGE RTM_SETLINK with the port's flags and VLANs, and for mac_lock
 * and announce the guest's MAC (spec->guest_mac, required) as a static,
 * sticky FDB entry (announce: learning off, not locked).
 * A VLAN on a bridge that cannot filter VLANs is refused before anything
 * is made.  A persistent device taken over that is a bridge port is taken
 * off its bridge first, so its port has exactly the fields asked now.
 *
 * A spec with persist set (vmtap create, the libvirt hook) takes the same
 * path to a device that outlives its fds: one /dev/net/tun fd, owner and
 * group, the same port set-up (or, for a tun device, alias + MTU + up),
 * the alias VMTAP_ALIAS, and TUNSETPERSIST last, so a device made and
 * failing half-way still vanishes.  persistent_delete and tun_list are its
 * other half. */
#ifndef VMTAP_PROVISION_H
#define VMTAP_PROVISION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "helper/core/err.h"
#include "helper/core/nic.h"

struct nl_sock;

/* Starts nic afresh (nic_init) and opens its device files: nic->queues
 * tun fds (1 for a persistent spec, whose users attach their own queues
 * later), and nic->nvhost vhost-net fds (0 or spec->queues; none for a
 * persistent spec).  When vhost=auto goes on without vhost-net, skipped
 * (may be NULL) gets why, for one line on stderr; else it is emptied.  On
 * failure nothing is left open. */
int nic_devs_open(const struct nic_spec *spec, struct nic *nic, struct vmtap_err *skipped,
		  struct vmtap_err *err);

/* Range and name checks of a spec, with the message a user sees. */
int nic_spec_check(const struct nic_spec *spec, struct vmtap_err *err);

/* Who a call acts for.  A uid is a caller acting for that user: the setuid
 * helper's real uid, a vmtapd client's SO_PEERCRED uid.  PROVISION_ROOT is
 * a local caller that holds CAP_NET_ADMIN itself (vmtap create, the
 * libvirt hook, doctor, vmtapd's pool): no restriction.  uid 0 is as
 * unrestricted, except that force (persistent_check) is PROVISION_ROOT's
 * alone.  (uid_t)-1 is no user: the kernel refuses it as an id. */
#define PROVISION_ROOT UINT32_MAX

/* nic is as nic_devs_open() left it for this spec.  On success it is the
 * made NIC, holding the same fds; on failure every fd is closed and nic is
 * as nic_init() leaves it.  sk is the caller's NETLINK_ROUTE socket
 * (rtnl_open), never NULL.
 *
 * For as other than 0 and PROVISION_ROOT, checked inside, next to where
 * the kernel is asked:
 *   - an MTU below the bridge's current MTU is refused (the kernel sizes
 *     a bridge to its smallest port: one user would shrink it for all);
 *   - an existing device is taken over only when vmtap made it and its
 *     owner (TUNSETOWNER) is as.
 * For every caller, an existing vmtap-made persistent device is taken
 * over only when no queue is attached to it (enabled or detached with
 * IFF_DETACH_QUEUE) and its owner and group are exactly the spec's
 * (both unset when the spec sets none): otherwise whoever holds a queue,
 * or owns it, would read and write the new owner's traffic. */
int provision(struct nl_sock *sk, const struct nic_spec *spec, uint32_t as, struct nic *nic,
	      struct vmtap_err *err);

/* For a NIC made before it was asked for (vmtapd's pool, pool.h), in two
 * steps, so that a refusal (vhost=on without vhost-net) costs no NIC:
 *   nic_vhost_open()   only the vhost-net fds of nic_devs_open(), into a
 *                      nic vh of its own (no tap fds), skipped as there
 *   provision_ready()  the spec's MAC if it asked for one, and vh's vhost
 *                      fds moved into nic
 * provision_ready consumes vh (on failure too); on failure it closes nic
 * as well (the tap vanishes). */
int nic_vhost_open(const struct nic_spec *spec, struct nic *vh, struct vmtap_err *skipped,
		   struct vmtap_err *err);
int provision_ready(struct nl_sock *sk, const struct nic_spec *spec, struct nic *vh,
		    struct nic *nic, struct vmtap_err *err);

/* 0 when NAME is a tun/tap device that vmtap made (any tun/tap device when
 * force) and, for as other than 0 and PROVISION_ROOT, owned by as: what
 * `vmtap delete` checks of every name before deleting any.  force is
 * honoured only for PROVISION_ROOT (a broker never forces). */
int persistent_check(struct nl_sock *sk, const char *name, uint32_t as, bool force,
		     struct vmtap_err *err);

/* persistent_check, then RTM_DELLINK. */
int persistent_delete(struct nl_sock *sk, const char *name, uint32_t as, bool force,
		      struct vmtap_err *err);

/* One tun/tap device as `vmtap list` shows it. */
struct tun_info {
	char name[IFNAMSIZ];
	int ifindex;
	enum nic_mode mode;
	bool multi_queue, persist, vnet_hdr;
	bool by_vmtap;          /* carries the alias VMTAP_ALIAS, or a name tap_create
				 * chose (tap_name_is_chosen) */
	bool has_owner;
	uint32_t owner;
	bool has_group;
	uint32_t group;
	char bridge[IFNAMSIZ];  /* its master's name, "" when none */
	const char *state;      /* "up", "no-carrier" (up, nobody attached), "down" */
	unsigned mtu;
	uint8_t mac[6];         /* zero for a tun device */
	unsigned queues;        /* queues attached now (a single-queue device: 1 while
				 * its queue is attached, from its carrier) */
	/* Its bridge port as the bridge sees it (README, "Tenant networks");
	 * all false and empty when it is no port. */
	bool is_port;
	bool isolated, locked, learning;
	bool has_pvid;
	unsigned pvid;          /* the PVID: untagged frames enter this VLAN */
	struct vlan_set untagged; /* egress untagged (the PVID usually among them) */
	struct vlan_set tagged; /* egress tagged: the trunk */
};

/* Every tun/tap device of sk's namespace, from one RTM_GETLINK dump, into
 * a malloc'ed array the caller frees; the port state of those that are
 * bridge ports from one AF_BRIDGE dump more (port_tenant_dump), only when
 * one is. */
int tun_list(struct nl_sock *sk, struct tun_info **out, size_t *n, struct vmtap_err *err);

#endif
