/* nic.h — the two values every front end passes through the core:
 *
 *   nic_spec  what was asked for (parsed by a front end from its own input)
 *   nic       what was made: the tap queue fds, the vhost fds, and the facts
 *             QEMU and the user need (name, index, MTU, MAC, counts)
 *
 * A front end fills a nic_spec, asks the policy, opens the device files
 * into a nic (nic_devs_open), calls provision() on that same nic and
 * delivers it.  It never talks to the kernel itself. */
#ifndef VMTAP_NIC_H
#define VMTAP_NIC_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "helper/core/rate.h"
#include "helper/core/vlanset.h"

#define VMTAP_MAX_QUEUES 64
/* The MTUs a tap takes (the kernel's tun limits). */
#define VMTAP_MTU_MIN 68
#define VMTAP_MTU_MAX 65521
/* The name prefix of every tap vmtap names itself. */
#define VMTAP_IFNAME_PREFIX "vmt"
/* Room for a netns= value with its NUL: a name under /run/netns or an
 * absolute path (/proc/PID/ns/net, /var/run/netns/cni-...). */
#define VMTAP_NETNS_MAX 128

enum vhost_mode {
	VHOST_OFF,
	VHOST_ON,   /* no vhost-net fd is an error */
	VHOST_AUTO, /* use it when it opens, else go on without */
};

enum qdisc_mode {
	QDISC_NOQUEUE, /* default: tun never stops its queues (README, "Why noqueue") */
	QDISC_KERNEL,  /* keep what the kernel attaches (qdisc=default) */
};

/* What kind of device a spec asks for.  A tun device is L3 (no Ethernet
 * header, no bridge): the VPN use of a persistent device.  The one key
 * `mode` also carries a macvtap's mode (README, "macvtap: a NIC on an
 * uplink"): its words are checked against the device kind (nic_spec_check),
 * and tap, the default, is bridge on a macvtap. */
enum nic_mode {
	NIC_MODE_TAP,
	NIC_MODE_TUN,
	NIC_MODE_BRIDGE,   /* macvtap: MACVLAN_MODE_BRIDGE */
	NIC_MODE_VEPA,     /* macvtap: MACVLAN_MODE_VEPA */
	NIC_MODE_PRIVATE,  /* macvtap: MACVLAN_MODE_PRIVATE */
	NIC_MODE_PASSTHRU, /* macvtap: MACVLAN_MODE_PASSTHRU */
};

/* The interface alias (IFLA_IFALIAS) vmtap gives every persistent device
 * it makes: `vmtap delete` and the libvirt hook touch only devices that
 * carry it, unless forced. */
#define VMTAP_ALIAS "vmtap"

/* Every member is a row of the table of NIC fields (field.h), which is
 * how every front end reads, writes and words it: a new member is a new
 * row there. */
struct nic_spec {
	char bridge[IFNAMSIZ];
	/* A macvtap on this parent (an uplink) instead of a tap on a bridge:
	 * exactly one of bridge and macvtap is given.  Its MAC is the guest's
	 * (guest_mac, else mac): there is no host side. */
	char macvtap[IFNAMSIZ];
	char ifname[IFNAMSIZ]; /* "" = vmtap picks vmtXXXXXXXX */
	unsigned queues;       /* 1 .. VMTAP_MAX_QUEUES */
	enum vhost_mode vhost;
	bool has_mac;
	uint8_t mac[6];        /* the tap's own MAC (default: nic_spec_tap_mac) */
	/* The guest's MAC (the VM's NIC, behind the tap): what mac_lock pins
	 * in the bridge's FDB, and what the tap's MAC follows when mac is not
	 * given (fe: + its last five bytes, nic_host_mac). */
	bool has_guest_mac;
	uint8_t guest_mac[6];
	unsigned mtu;          /* 0 = the bridge's */
	enum qdisc_mode qdisc;
	bool vnet_hdr;         /* IFF_VNET_HDR (QEMU's --use-vnet) */
	/* Persistent devices (vmtap create, the libvirt hook).  The device
	 * outlives its fds (TUNSETPERSIST); queues only decides
	 * IFF_MULTI_QUEUE (exactly when > 1), since whoever opens the device
	 * later attaches its own queues.  A marked device of that name that
	 * the kernel would attach to is taken over, not an error. */
	bool persist;
	enum nic_mode mode;    /* tun: persist only, and no bridge */
	bool has_owner;        /* TUNSETOWNER: this uid may open it */
	uint32_t owner;
	bool has_group;        /* TUNSETGROUP: members of this gid may open it */
	uint32_t group;
	/* Tenant networks (README, "Tenant networks"): the port's VLANs on a
	 * VLAN-filtering bridge and its bridge port flags.  vlan alone is an
	 * access port (PVID, egress untagged, nothing else); trunk is carried
	 * tagged, with vlan as its native VLAN (never a member of trunk);
	 * trunk alone has no PVID, so untagged frames are dropped.  A VLAN
	 * needs vmtapd's policy to grant it (acl_check_nic); isolated and
	 * mac_lock only restrict the port and need no grant.  The has_ flags
	 * tell "off" asked for from not asked (a policy's require refuses the
	 * first, fills in the second). */
	unsigned vlan;           /* 0 = none; 1..4094: PVID, egress untagged */
	struct vlan_set trunk;   /* empty = none; carried tagged */
	bool has_isolated;
	bool isolated;           /* BR_ISOLATED: no traffic to other isolated ports */
	bool has_mac_lock;
	bool mac_lock;           /* only frames from the guest's MAC enter the bridge */
	/* mac_lock without the lock (mac_lock implies it): learning off and
	 * guest_mac as a static FDB entry on the port, which FRR advertises
	 * as an EVPN type-2 route while the port exists. */
	bool has_announce;
	bool announce;
	/* The network namespace the NIC is made in (README, "NICs in another
	 * network namespace"; netns.h): "" = the caller's.  A name under
	 * /run/netns or an absolute path; its bridge is that namespace's. */
	char netns[VMTAP_NETNS_MAX];
	/* Bandwidth limits (README, "Bandwidth limits"), in the guest's
	 * terms as libvirt has them: inbound is to the guest (the tap's
	 * egress: a tbf root qdisc instead of noqueue), outbound from it (the
	 * tap's ingress: a police action).  rate 0 = none. */
	struct nic_rate inbound;
	struct nic_rate outbound;
};

/* Before provision() (provision.h) a nic holds only the opened device
 * files: tapfd[0..queues) not yet attached to any device, the vhost fds,
 * and the counts; the facts are empty. */
struct nic {
	char ifname[IFNAMSIZ];
	int ifindex;
	unsigned mtu;
	uint8_t mac[6];
	unsigned queues;
	int tapfd[VMTAP_MAX_QUEUES];
	unsigned nvhost; /* 0 or queues */
	int vhostfd[VMTAP_MAX_QUEUES];
};

/* A spec with the defaults: one queue, vhost off, vnet header, noqueue,
 * no bridge. */
void nic_spec_init(struct nic_spec *spec);

/* Sets every fd to -1 and every count to 0. */
void nic_init(struct nic *nic);

/* The host side's MAC for a NIC whose guest MAC (or 6 random bytes) is
 * src: fe: then src's last five bytes — libvirt's rule for the taps it
 * makes.  0xfe is locally administered and unicast, never the guest's own
 * MAC, and high, so a bridge (which takes its lowest port MAC unless given
 * one) does not take ours.  out may be src. */
void nic_host_mac(uint8_t out[6], const uint8_t src[6]);

/* The tap's MAC a spec asks for: mac when given, else nic_host_mac of
 * guest_mac when that is given: true.  false: neither, and the caller
 * picks one at random.  The one place that rule lives. */
bool nic_spec_tap_mac(const struct nic_spec *spec, uint8_t out[6]);

/* The nic's fds in the order SCM_RIGHTS carries them (every tap queue,
 * then every vhost fd): the one wire order, for the helper's reply and
 * vmtapd's.  nic_fds_flatten copies them into fds (room for
 * NIC_FDS_MAX) and returns how many; they stay the nic's.
 * nic_fds_take is the reverse, for a receiver whose decoder has set
 * out->queues and out->nvhost and checked that nfds == queues + nvhost:
 * out takes fds[0..nfds). */
#define NIC_FDS_MAX (2 * VMTAP_MAX_QUEUES)
unsigned nic_fds_flatten(const struct nic *nic, int fds[NIC_FDS_MAX]);
void nic_fds_take(struct nic *out, const int *fds);

/* Closes every fd the nic holds; the tap vanishes with its last queue. */
void nic_close(struct nic *nic);

#endif
