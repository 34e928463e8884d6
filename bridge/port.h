/* port.h — rtnetlink through libnl-route-3: everything vmtap asks of the
 * kernel's link and qdisc tables.  Knows nothing about QEMU. */
#ifndef VMTAP_BRIDGE_PORT_H
#define VMTAP_BRIDGE_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"

struct nl_sock;

/* A NETLINK_ROUTE socket, CLOEXEC, connected.  Its callbacks are always
 * libnl's defaults, whatever NLCB says in the environment (a setuid helper
 * must not let the caller turn on libnl's message dumps). */
int rtnl_open(struct nl_sock **out, struct vmtap_err *err);
void rtnl_close(struct nl_sock *sk);

struct bridge_info {
	int ifindex;
	unsigned mtu;
};

/* Looks up NAME: -ENODEV "bridge NAME does not exist" when there is no such
 * link, -EINVAL "NAME is not a bridge (it is a KIND)" when it is something
 * else. */
int bridge_lookup(struct nl_sock *sk, const char *name, struct bridge_info *out,
		  struct vmtap_err *err);

struct port_setup {
	int ifindex;          /* the tap */
	const char *ifname;   /* for messages */
	int bridge_ifindex;
	const char *bridge;   /* for messages */
	unsigned mtu;
	uint8_t mac[6];
	bool noqueue;         /* attach noqueue as root qdisc before up */
};

/* Makes the (down) tap a bridge port, in this order, so that nothing runs
 * on the tap that it does not need:
 *   1. one RTM_SETLINK: MAC, IPv6 addr_gen_mode none (no link-local, no DAD)
 *   2. RTM_NEWQDISC root noqueue (when p->noqueue)
 *   3. one RTM_SETLINK: master + MTU + IFF_UP
 * A bridge with no free port number (1024 ports) is -EXFULL "bridge NAME is
 * full (1024 ports)".  Does not undo anything: the caller closes the tap,
 * which removes the port with it. */
int port_setup(struct nl_sock *sk, const struct port_setup *p, struct vmtap_err *err);

/* For tests, the demo and later front ends. */
int bridge_create(struct nl_sock *sk, const char *name, unsigned mtu, struct vmtap_err *err);
int link_delete(struct nl_sock *sk, const char *name, struct vmtap_err *err);

#endif
