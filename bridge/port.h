/* port.h — setting up a vmtap NIC's link: a tap made a bridge port, its
 * MAC changed, a tun device that is no port brought up.  Knows nothing
 * about QEMU.
 *
 * Contract.  Every function is a fixed number of requests (named below),
 * returns 0 or the kernel's own -errno, and on failure writes one line
 * naming the device and the step, with the kernel's extended-ack text when
 * it sent one.  Nothing here undoes a step: a tap closed by its caller
 * takes its port with it.
 *
 * This header also brings the rest of bridge/ (rtnl.h: the socket,
 * link.h: queries, bridge.h: links made and removed, brport.h: a port's
 * isolation, MAC lock and VLANs, tc.h and ifb.h: bandwidth limits and an
 * outbound limit's IFB), so a front end names one header. */
#ifndef VMTAP_BRIDGE_PORT_H
#define VMTAP_BRIDGE_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include "bridge/bridge.h"
#include "bridge/brport.h"
#include "bridge/ifb.h"
#include "bridge/link.h"
#include "bridge/rtnl.h"
#include "bridge/tc.h"
#include "helper/core/err.h"

/* Port numbers are 10 bits and 0 is reserved (BR_MAX_PORTS in the kernel's
 * br_private.h): a bridge takes 1023 ports, and the 1024th is EXFULL. */
#define BRIDGE_MAX_PORTS 1023

struct port_setup {
	int ifindex;          /* the tap */
	const char *ifname;   /* for messages */
	int bridge_ifindex;
	const char *bridge;   /* for messages */
	unsigned mtu;         /* 0 leaves the tap's MTU as it is */
	uint8_t mac[6];
	bool noqueue;         /* attach noqueue as root qdisc before up */
	/* Bandwidth limits (tc.h), NULL or rate 0 for none: inbound makes the
	 * root qdisc tbf whatever noqueue says; outbound adds the ingress
	 * policer, or the IFB redirect where the kernel has no police action
	 * (tc_limit_outbound).  Both in step 2, before up. */
	const struct nic_rate *inbound;
	const struct nic_rate *outbound;
	uint32_t group;       /* interface group, set in step 3 (also when the
	                       * attach fails); 0 leaves it */
	const char *alias;    /* IFLA_IFALIAS, set in step 1; NULL leaves it */
};

/* The disable_ipv6 sysctl of a (down) link set to 1: no IPv6 device state,
 * no ff00::/8 route and no routing-table walk when it comes up (a bridge
 * port, an IFB).  No IPv6 in the kernel is fine (0). */
int link_disable_ipv6(const char *ifname, struct vmtap_err *err);

/* Makes the (down) tap a bridge port, in this order, so that nothing runs
 * on the tap that it does not need:
 *   1. one RTM_SETLINK: MAC, IPv6 addr_gen_mode none (no link-local, no DAD)
 *      (+ alias); then IPv6 off on the tap (the disable_ipv6 sysctl: no
 *      multicast route and no routing-table walk when it comes up)
 *   2. RTM_NEWQDISC root tbf (p->inbound) or noqueue (when p->noqueue);
 *      with p->outbound, tc_limit_outbound (police, or an IFB)
 *   3. one RTM_SETLINK: master + MTU + IFF_UP (+ group)
 * A bridge with no free port number is -EXFULL "bridge NAME is full (1023
 * ports)"; any other failure is the kernel's -errno with a message naming
 * the tap and the step.  Isolation, MAC lock and VLANs are a step after
 * it, port_tenant_apply() (brport.h).  Without IPv6 in the kernel (or on the tap) step 1
 * is resent without addr_gen_mode.  Does not undo anything: the caller
 * closes the tap, which removes the port with it — and, with outbound,
 * deletes the tap's IFB (ifb_delete_for, ifb.h), which a closed tap does
 * not take along. */
int port_setup(struct nl_sock *sk, const struct port_setup *p, struct vmtap_err *err);

/* The MAC of a link, alone (one RTM_SETLINK): for a tap that is already a
 * port (vmtapd's pool, pool.h).  The bridge moves the port's local FDB
 * entry with it. */
int link_set_mac(struct nl_sock *sk, int ifindex, const char *ifname, const uint8_t mac[6],
		 struct vmtap_err *err);

/* Takes a link off its bridge (one RTM_SETLINK, IFLA_MASTER 0): its port,
 * and with it the port's flags, VLANs and FDB entries, is gone, so a
 * device taken over (provision.c) is made a port anew. */
int link_set_nomaster(struct nl_sock *sk, int ifindex, const char *ifname,
		      struct vmtap_err *err);

/* For a device that is no bridge port (a tun device): alias (unless NULL),
 * MTU (unless 0) and IFF_UP, in one RTM_SETLINK. */
int link_setup_plain(struct nl_sock *sk, int ifindex, const char *ifname, const char *alias,
		     unsigned mtu, struct vmtap_err *err);

#endif
