/* port.h — rtnetlink through libnl-3: everything vmtap asks of the kernel's
 * link and qdisc tables.  Knows nothing about QEMU.  Built on libnl-3's
 * core only, not libnl-route-3, whose constructors would run in the setuid
 * helper (see port.c). */
#ifndef VMTAP_BRIDGE_PORT_H
#define VMTAP_BRIDGE_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include "helper/core/err.h"

struct nl_sock;

/* A NETLINK_ROUTE socket, CLOEXEC, connected.  Its callbacks are always
 * libnl's defaults, whatever NLCB says in the environment, and libnl's debug
 * level (NLDBG) is reset to 0 (a setuid helper must not let the caller turn
 * on libnl's message dumps).  Every function below returns the kernel's own
 * -errno, not libnl's translation, and the kernel's extended-ack text
 * appears in the message when it sent one. */
int rtnl_open(struct nl_sock **out, struct vmtap_err *err);
void rtnl_close(struct nl_sock *sk);

struct bridge_info {
	int ifindex;
	unsigned mtu;
};

/* Looks up NAME (one RTM_GETLINK): -ENODEV "bridge NAME does not exist"
 * when there is no such link, -EINVAL "NAME is not a bridge (it is a KIND)"
 * when it is something else (KIND as in struct link_state, "device" when
 * the link has none), -EINVAL when NAME fails ifname_check. */
int bridge_lookup(struct nl_sock *sk, const char *name, struct bridge_info *out,
		  struct vmtap_err *err);

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
	uint32_t group;       /* interface group, set in step 3 (also when the
	                       * attach fails); 0 leaves it */
	const char *alias;    /* IFLA_IFALIAS, set in step 1; NULL leaves it */
};

/* Makes the (down) tap a bridge port, in this order, so that nothing runs
 * on the tap that it does not need:
 *   1. one RTM_SETLINK: MAC, IPv6 addr_gen_mode none (no link-local, no DAD)
 *      (+ alias); then IPv6 off on the tap (the disable_ipv6 sysctl: no
 *      multicast route and no routing-table walk when it comes up)
 *   2. RTM_NEWQDISC root noqueue (when p->noqueue)
 *   3. one RTM_SETLINK: master + MTU + IFF_UP (+ group)
 * A bridge with no free port number is -EXFULL "bridge NAME is full (1023
 * ports)"; any other failure is the kernel's -errno with a message naming
 * the tap and the step.  Without IPv6 in the kernel (or on the tap) step 1
 * is resent without addr_gen_mode.  Does not undo anything: the caller
 * closes the tap, which removes the port with it. */
int port_setup(struct nl_sock *sk, const struct port_setup *p, struct vmtap_err *err);

/* The MAC of a link, alone (one RTM_SETLINK): for a tap that is already a
 * port (vmtapd's pool, pool.h).  The bridge moves the port's local FDB
 * entry with it. */
int link_set_mac(struct nl_sock *sk, int ifindex, const char *ifname, const uint8_t mac[6],
		 struct vmtap_err *err);

/* For tests, the demo and later front ends.
 * bridge_create: a bridge, up, with MTU unless 0.  Two requests when an MTU
 * is given, so that the bridge keeps it rather than following its smallest
 * port (an MTU equal to the kernel's default, 1500, still follows). */
int bridge_create(struct nl_sock *sk, const char *name, unsigned mtu, struct vmtap_err *err);
int link_delete(struct nl_sock *sk, const char *name, struct vmtap_err *err);

/* Deletes every link in interface GROUP (not 0, the default group) with one
 * RTM_DELLINK: the kernel unregisters them as one batch, which for taps
 * costs a fraction of closing each one's fds (an RCU grace period per queue
 * and per device, under RTNL).  Open fds of a deleted tap stay valid but
 * detached; closing them afterwards is cheap.  -ENODEV "no link in group N"
 * when the group is empty; -EOPNOTSUPP when one of its links cannot be
 * deleted (then none is). */
int link_delete_group(struct nl_sock *sk, uint32_t group, struct vmtap_err *err);

/* Creates a link of KIND ("bridge", "veth", ...; one that needs no
 * IFLA_INFO_DATA), with MTU unless 0, and brings it up.  -EEXIST when NAME
 * is taken. */
int link_create(struct nl_sock *sk, const char *name, const char *kind, unsigned mtu,
		struct vmtap_err *err);

/* What the kernel says about one link (one RTM_GETLINK). */
struct link_state {
	int ifindex;
	int master;           /* ifindex of its master, 0 when none */
	unsigned mtu;
	unsigned flags;       /* IFF_* from ifi_flags */
	uint8_t mac[6];       /* zero when the link has no 6-byte address */
	char kind[24];        /* IFLA_INFO_KIND, but "tap" for a tap; "" for none */
};

/* -ENODEV "link NAME does not exist" when there is none. */
int link_get(struct nl_sock *sk, const char *name, struct link_state *out,
	     struct vmtap_err *err);

/* One bridge as `vmtap doctor` reports it. */
struct bridge_summary {
	char name[16];        /* IFNAMSIZ */
	int ifindex;
	unsigned mtu;
	unsigned flags;       /* IFF_* */
	unsigned ports;       /* links whose master it is */
};

/* Every bridge in the caller's network namespace with its port count, from
 * one RTM_GETLINK dump: at most max of them into out (in ifindex order),
 * and how many there are in *n (which may exceed max). */
int bridge_list(struct nl_sock *sk, struct bridge_summary *out, unsigned max, unsigned *n,
		struct vmtap_err *err);

/* ---- tun/tap devices in detail (vmtap create/delete/list) ------------- */

/* What tun says of one of its devices (IFLA_INFO_DATA of kind "tun"). */
struct tun_state {
	bool tun;             /* IFF_TUN (L3); false for a tap */
	bool pi, vnet_hdr, persist, multi_queue;
	bool has_owner;       /* the kernel reports none when never set */
	uint32_t owner;
	bool has_group;
	uint32_t group;
	unsigned queues;      /* attached queues (multi_queue devices only) */
	unsigned disabled_queues; /* queues detached with IFF_DETACH_QUEUE: their
				   * fds may attach again without any check */
};

struct link_detail {
	struct link_state st;  /* st.kind is "tap" or "tun" for a tun device */
	char name[16];         /* IFNAMSIZ */
	char alias[128];       /* IFLA_IFALIAS, "" when none */
	uint8_t operstate;     /* IF_OPER_* */
	uint32_t group;        /* IFLA_GROUP */
	bool is_tun;           /* a tun/tap device: tun below is valid */
	struct tun_state tun;
};

/* One RTM_GETLINK: -ENODEV "link NAME does not exist" when there is none. */
int link_get_detail(struct nl_sock *sk, const char *name, struct link_detail *out,
		    struct vmtap_err *err);

/* Every link of the caller's namespace, from one RTM_GETLINK dump, into a
 * malloc'ed array (*out, *n) the caller frees. */
int link_dump_detail(struct nl_sock *sk, struct link_detail **out, size_t *n,
		     struct vmtap_err *err);

/* For a device that is no bridge port (a tun device): alias (unless NULL),
 * MTU (unless 0) and IFF_UP, in one RTM_SETLINK. */
int link_setup_plain(struct nl_sock *sk, int ifindex, const char *ifname, const char *alias,
		     unsigned mtu, struct vmtap_err *err);

#endif
