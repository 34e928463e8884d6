/* macvtap.c — the RTM_NEWLINK of a macvtap (see macvtap.h).
 *
 * Everything rides in the one message: parent, mode, MAC and MTU, so the
 * link never exists with another MAC (a MAC change on a macvtap up in
 * bridge mode would move the parent's filter under traffic).  The link
 * is made down: its user brings it up once it is marked (alias). */
#include "bridge/macvtap.h"

#include <errno.h>
#include <net/if.h>
#include <sys/socket.h>

#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "bridge/rtnl.h"
#include "helper/core/ifname.h"

int macvtap_create(struct nl_sock *sk, const struct macvtap_link *m, struct vmtap_err *err)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct rtnl_req req = { .what = "macvtap creation", .name = m->name };
	struct nlattr *info, *data;
	int r;

	if ((r = ifname_check_err(m->name, NULL, err)) < 0)
		return r;
	if (m->parent_ifindex <= 0)
		return vmtap_fail(err, -EINVAL, "cannot create macvtap %s: no parent interface index",
				  m->name);
	rtnl_begin(&req, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi));
	rtnl_put_str(&req, IFLA_IFNAME, m->name);
	rtnl_put_u32(&req, IFLA_LINK, (uint32_t)m->parent_ifindex);
	rtnl_put(&req, IFLA_ADDRESS, m->mac, 6);
	if (m->mtu)
		rtnl_put_u32(&req, IFLA_MTU, m->mtu);
	info = rtnl_nest(&req, IFLA_LINKINFO);
	rtnl_put_str(&req, IFLA_INFO_KIND, "macvtap");
	data = rtnl_nest(&req, IFLA_INFO_DATA);
	rtnl_put_u32(&req, IFLA_MACVLAN_MODE, m->mode);
	rtnl_nest_end(&req, data);
	rtnl_nest_end(&req, info);
	return rtnl_do(sk, &req, 0, err, "cannot create macvtap %s on %s", m->name,
		       m->parent ? m->parent : "its parent");
}
