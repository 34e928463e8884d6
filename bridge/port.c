/* port.c — port set-up (see port.h): the requests that make a fresh tap a
 * bridge port, change a port's MAC, or bring up a tun device that is no
 * port.
 *
 * Each step is one request built here and sent through rtnl_do(), which
 * words its failure; port_setup() runs the steps in the order the header
 * names.  Bridge-port settings (IFLA_BRPORT_* flags, bridge VLANs) are
 * brport.c's, a step after the attach: the kernel checks them against the
 * port's current master, so they cannot ride in the message that makes the
 * tap a port.
 *
 * Never undoes a step (the caller closes the tap), never prints, never
 * knows about QEMU. */
#include "bridge/port.h"

#include "helper/core/parse.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

static const char *name_or(const char *name, const char *fallback)
{
	return name && *name ? name : fallback;
}

/* Step 1: MAC, and addr_gen_mode none so the port never gets a link-local
 * address nor runs DAD.  Without IPv6 (not in the kernel, or no IPv6
 * device on the tap) the kernel refuses the whole message with EAFNOSUPPORT
 * before changing anything, which comes back unworded for a retry with the
 * MAC alone (v6 false). */
static int set_mac(struct nl_sock *sk, const struct port_setup *p, bool v6,
		   struct vmtap_err *err)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = p->ifindex };
	struct rtnl_req req = { .what = "set-up", .name = name_or(p->ifname, "the tap") };
	struct nlattr *af, *in6;
	char mac[18];

	rtnl_begin(&req, RTM_SETLINK, 0, &ifi, sizeof(ifi));
	rtnl_put(&req, IFLA_ADDRESS, p->mac, 6);
	if (p->alias)
		rtnl_put_str(&req, IFLA_IFALIAS, p->alias);
	if (v6) {
		af = rtnl_nest(&req, IFLA_AF_SPEC);
		in6 = rtnl_nest(&req, AF_INET6);
		rtnl_put_u8(&req, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
		rtnl_nest_end(&req, in6);
		rtnl_nest_end(&req, af);
	}
	return rtnl_do(sk, &req, v6 ? -EAFNOSUPPORT : 0, err, "cannot set MAC %s on %s",
		       format_mac(p->mac, mac), req.name);
}

/* IPv6 off on a link (port.h); for a tap: a bridge port carries the guest's IPv6 at layer 2
 * and needs none of its own.  addr_gen_mode none (step 1) spares the
 * link-local address and DAD, but an IPv6-enabled device still gets an
 * ff00::/8 route and a walk of the IPv6 routing table when it comes up,
 * which grows with the number of ports (measured: `make bench`, scaling).
 * There is no netlink attribute for it, only the sysctl; writing it needs
 * CAP_NET_ADMIN in the namespace, which is what the caller holds.  No IPv6
 * in the kernel (no such file) is fine. */
int link_disable_ipv6(const char *ifname, struct vmtap_err *err)
{
	char path[96];
	int fd, r = 0;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname);
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 || write(fd, "1", 1) != 1)
		r = vmtap_fail(err, -errno, "cannot turn IPv6 off on %s: %s", ifname,
			       strerror(errno));
	if (fd >= 0)
		close(fd);
	return r;
}

/* Step 2.  The tap is down, its root is the placeholder noop qdisc
 * (handle 0), so this creates; REPLACE also covers a tap someone already
 * gave a qdisc. */
static int set_noqueue(struct nl_sock *sk, const struct port_setup *p, struct vmtap_err *err)
{
	struct tcmsg tcm = {
		.tcm_family = AF_UNSPEC,
		.tcm_ifindex = p->ifindex,
		.tcm_handle = 0,
		.tcm_parent = TC_H_ROOT,
	};
	struct rtnl_req req = { .what = "qdisc", .name = name_or(p->ifname, "the tap") };

	rtnl_begin(&req, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE, &tcm, sizeof(tcm));
	rtnl_put_str(&req, TCA_KIND, "noqueue");
	return rtnl_do(sk, &req, 0, err, "cannot set root qdisc noqueue on %s", req.name);
}

/* Step 3.  The kernel applies MTU, group, IFF_UP, then master, in that
 * order: a tap the bridge refuses is left up with its new MTU, unattached
 * (the caller closes it anyway). */
static int attach_up(struct nl_sock *sk, const struct port_setup *p, struct vmtap_err *err)
{
	struct ifinfomsg ifi = {
		.ifi_family = AF_UNSPEC,
		.ifi_index = p->ifindex,
		.ifi_flags = IFF_UP,
		.ifi_change = IFF_UP,
	};
	struct rtnl_req req = { .what = "attach", .name = name_or(p->ifname, "the tap") };
	const char *br = name_or(p->bridge, "the bridge");
	int r;

	rtnl_begin(&req, RTM_SETLINK, 0, &ifi, sizeof(ifi));
	rtnl_put_u32(&req, IFLA_MASTER, (uint32_t)p->bridge_ifindex);
	if (p->mtu)
		rtnl_put_u32(&req, IFLA_MTU, p->mtu);
	if (p->group)
		rtnl_put_u32(&req, IFLA_GROUP, p->group);
	r = rtnl_do(sk, &req, -EXFULL, err, "cannot attach %s to %s (MTU %u, up)", req.name, br,
		    p->mtu);
	if (r == -EXFULL)
		return vmtap_fail(err, r, "bridge %s is full (%d ports)", br, BRIDGE_MAX_PORTS);
	return r;
}

int port_setup(struct nl_sock *sk, const struct port_setup *p, struct vmtap_err *err)
{
	int r;

	if (p->ifindex <= 0 || p->bridge_ifindex <= 0)
		return vmtap_fail(err, -EINVAL, "cannot attach %s to %s: no interface index",
				  name_or(p->ifname, "the tap"), name_or(p->bridge, "the bridge"));
	r = set_mac(sk, p, true, err);
	if (r == -EAFNOSUPPORT)
		r = set_mac(sk, p, false, err);
	if (r == 0 && p->ifname)
		r = link_disable_ipv6(p->ifname, err);
	if (r == 0 && p->inbound && p->inbound->rate)
		r = tc_shape_root(sk, p->ifindex, name_or(p->ifname, "the tap"), p->inbound, err);
	else if (r == 0 && p->noqueue)
		r = set_noqueue(sk, p, err);
	if (r == 0 && p->outbound && p->outbound->rate)
		r = tc_limit_outbound(sk, p->ifindex, name_or(p->ifname, "the tap"), p->outbound,
				      NULL, err);
	if (r == 0)
		r = attach_up(sk, p, err);
	return r;
}

int link_set_mac(struct nl_sock *sk, int ifindex, const char *ifname, const uint8_t mac[6],
		 struct vmtap_err *err)
{
	struct port_setup p = { .ifindex = ifindex, .ifname = ifname };

	memcpy(p.mac, mac, 6);
	return set_mac(sk, &p, false, err);
}

int link_setup_plain(struct nl_sock *sk, int ifindex, const char *ifname, const char *alias,
		     unsigned mtu, struct vmtap_err *err)
{
	struct ifinfomsg ifi = {
		.ifi_family = AF_UNSPEC,
		.ifi_index = ifindex,
		.ifi_flags = IFF_UP,
		.ifi_change = IFF_UP,
	};
	struct rtnl_req req = { .what = "set-up", .name = name_or(ifname, "the device") };

	if (ifindex <= 0)
		return vmtap_fail(err, -EINVAL, "cannot set up %s: no interface index", req.name);
	rtnl_begin(&req, RTM_SETLINK, 0, &ifi, sizeof(ifi));
	if (alias)
		rtnl_put_str(&req, IFLA_IFALIAS, alias);
	if (mtu)
		rtnl_put_u32(&req, IFLA_MTU, mtu);
	if (!mtu)
		return rtnl_do(sk, &req, 0, err, "cannot bring %s up", req.name);
	return rtnl_do(sk, &req, 0, err, "cannot set up %s (MTU %u, up)", req.name, mtu);
}

int link_set_nomaster(struct nl_sock *sk, int ifindex, const char *ifname,
		      struct vmtap_err *err)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
	struct rtnl_req req = { .what = "detach", .name = name_or(ifname, "the port") };

	rtnl_begin(&req, RTM_SETLINK, 0, &ifi, sizeof(ifi));
	rtnl_put_u32(&req, IFLA_MASTER, 0);
	return rtnl_do(sk, &req, 0, err, "cannot take %s off its bridge", req.name);
}
