/* link.h — what the kernel says about links: one link by name, a bridge by
 * name, every link, every bridge.
 *
 * Contract.  Each lookup by name is one RTM_GETLINK, each listing one
 * RTM_GETLINK dump (tried again, at most three times, while the link table
 * changes under it).  Functions return 0 or -errno with one line in err;
 * a name that fails ifname_check is -EINVAL "\"NAME\" is not a valid
 * interface name" before any request.  The kernel also matches alternative
 * names (ip link property add altname).  Nothing here changes a link. */
#ifndef VMTAP_BRIDGE_LINK_H
#define VMTAP_BRIDGE_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "helper/core/err.h"

struct nl_sock;

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

struct bridge_info {
	int ifindex;
	unsigned mtu;
};

/* Looks up NAME (one RTM_GETLINK): -ENODEV "bridge NAME does not exist"
 * when there is no such link, -EINVAL "NAME is not a bridge (it is a KIND)"
 * when it is something else (KIND as in struct link_state, "device" when
 * the link has none). */
int bridge_lookup(struct nl_sock *sk, const char *name, struct bridge_info *out,
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

/* A bridge's VLAN settings (IFLA_INFO_DATA of kind "bridge"). */
struct bridge_vlan_state {
	bool supported;        /* IFLA_BR_VLAN_DEFAULT_PVID is reported only by a
	                        * kernel with CONFIG_BRIDGE_VLAN_FILTERING */
	bool filtering;        /* IFLA_BR_VLAN_FILTERING */
	unsigned default_pvid;
};

/* A bridge port's flags (IFLA_INFO_SLAVE_DATA of slave kind "bridge");
 * has_X is false when the kernel does not report X (it predates it). */
struct brport_flags {
	bool learning;
	bool has_neigh_suppress, neigh_suppress; /* Linux 4.15: ARP/ND answered
	                                          * by the bridge, not flooded */
	bool has_isolated, isolated;   /* Linux 4.18 */
	bool has_locked, locked;       /* Linux 5.18 */
};

/* A VXLAN device (IFLA_INFO_DATA of kind "vxlan"). */
struct vxlan_state {
	uint32_t vni;          /* IFLA_VXLAN_ID; 0 for an external one */
	bool external;         /* IFLA_VXLAN_COLLECT_METADATA: the VNI comes with
	                        * each frame (one device for many VNIs) */
	bool vnifilter;        /* IFLA_VXLAN_VNIFILTER: its VNIs in `bridge vni` */
	bool learning;         /* IFLA_VXLAN_LEARNING: learns remote MACs from
	                        * the frames it receives */
	int link;              /* IFLA_VXLAN_LINK: the underlay device, 0 none */
	int local_family;      /* AF_INET or AF_INET6 (IFLA_VXLAN_LOCAL/6), 0 none */
	uint8_t local[16];
	uint16_t port;         /* IFLA_VXLAN_PORT, host order */
};

struct link_detail {
	struct link_state st;  /* st.kind is "tap" or "tun" for a tun device */
	char name[16];         /* IFNAMSIZ */
	char alias[128];       /* IFLA_IFALIAS, "" when none */
	uint8_t operstate;     /* IF_OPER_* */
	bool carrier;          /* IFLA_CARRIER, up or down: a tun device has carrier
				* while a queue is attached */
	uint32_t group;        /* IFLA_GROUP */
	bool is_tun;           /* a tun/tap device: tun below is valid */
	struct tun_state tun;
	bool is_bridge;        /* st.kind "bridge": br below is valid */
	struct bridge_vlan_state br;
	bool is_vxlan;         /* st.kind "vxlan": vx below is valid */
	struct vxlan_state vx;
	bool is_brport;        /* a bridge's port: port below is valid */
	struct brport_flags port;
};

/* One RTM_GETLINK: -ENODEV "link NAME does not exist" when there is none. */
int link_get_detail(struct nl_sock *sk, const char *name, struct link_detail *out,
		    struct vmtap_err *err);

/* The same by ifindex (NAME in messages, "link N" when NULL). */
int link_get_detail_index(struct nl_sock *sk, int ifindex, const char *name,
			  struct link_detail *out, struct vmtap_err *err);

/* Every link of the caller's namespace, from one RTM_GETLINK dump, into a
 * malloc'ed array (*out, *n) the caller frees. */
int link_dump_detail(struct nl_sock *sk, struct link_detail **out, size_t *n,
		     struct vmtap_err *err);

#endif
