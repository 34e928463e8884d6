/* bridge.c — links made and removed (see bridge.h): RTM_NEWLINK for a
 * bridge or another simple kind, RTM_DELLINK by name or by interface group.
 *
 * Each operation is one request built here and sent through rtnl_do().
 * Never decides whether a link may be removed (the caller's policy does),
 * never prints. */
#include "bridge/bridge.h"

#include "bridge/link.h"
#include "bridge/rtnl.h"
#include "helper/core/ifname.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <sys/socket.h>

#include <linux/if_link.h>
#include <linux/rtnetlink.h>

int link_create(struct nl_sock *sk, const char *name, const char *kind, unsigned mtu,
		struct vmtap_err *err)
{
	struct ifinfomsg ifi = {
		.ifi_family = AF_UNSPEC,
		.ifi_flags = IFF_UP,
		.ifi_change = IFF_UP,
	};
	struct rtnl_req req = { .what = "creation", .name = name };
	struct nlattr *info;
	int r;

	if ((r = ifname_check_err(name, NULL, err)) < 0)
		return r;
	if (!kind || !*kind)
		return vmtap_fail(err, -EINVAL, "no kind of link given for %s", name);
	rtnl_begin(&req, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi));
	rtnl_put_str(&req, IFLA_IFNAME, name);
	if (mtu)
		rtnl_put_u32(&req, IFLA_MTU, mtu);
	info = rtnl_nest(&req, IFLA_LINKINFO);
	rtnl_put_str(&req, IFLA_INFO_KIND, kind);
	rtnl_nest_end(&req, info);
	return rtnl_do(sk, &req, 0, err, "cannot create %s %s", kind, name);
}

/* A bridge follows its smallest port's MTU unless its MTU was changed on
 * the live device (br_change_mtu sets BROPT_MTU_SET_BY_USER): IFLA_MTU at
 * creation does not count, nor does setting the MTU it already has.  So
 * create it with the default MTU and change it afterwards. */
int bridge_create(struct nl_sock *sk, const char *name, unsigned mtu, struct vmtap_err *err)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct rtnl_req req = { .what = "MTU", .name = name };
	int r;

	r = link_create(sk, name, "bridge", 0, err);
	if (r < 0 || mtu == 0)
		return r;
	rtnl_begin(&req, RTM_SETLINK, 0, &ifi, sizeof(ifi));
	rtnl_put_str(&req, IFLA_IFNAME, name);
	rtnl_put_u32(&req, IFLA_MTU, mtu);
	return rtnl_do(sk, &req, 0, err, "cannot set MTU %u on bridge %s", mtu, name);
}

/* One RTM_DELLINK, selecting by name (NAME) or else by GROUP: NONE says
 * there was nothing to delete (no such link, or an empty group), any other
 * failure names WHAT. */
static int dellink(struct nl_sock *sk, const char *name, uint32_t group, const char *what,
		   const char *none, struct vmtap_err *err)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct rtnl_req req = { .what = "deletion", .name = what };
	int r;

	rtnl_begin(&req, RTM_DELLINK, 0, &ifi, sizeof(ifi));
	if (name)
		rtnl_put_str(&req, IFLA_IFNAME, name);
	else
		rtnl_put_u32(&req, IFLA_GROUP, group);
	r = rtnl_do(sk, &req, -ENODEV, err, "cannot delete %s", what);
	if (r == -ENODEV)
		return vmtap_fail(err, r, "%s", none);
	return r;
}

int link_delete(struct nl_sock *sk, const char *name, struct vmtap_err *err)
{
	char none[64];
	int r;

	if ((r = ifname_check_err(name, NULL, err)) < 0)
		return r;
	snprintf(none, sizeof(none), "link %s does not exist", name);
	return dellink(sk, name, 0, name, none, err);
}

int link_delete_group(struct nl_sock *sk, uint32_t group, struct vmtap_err *err)
{
	char what[48], none[48];

	/* Group 0 holds every link that was never given one. */
	if (group == 0)
		return vmtap_fail(err, -EINVAL, "will not delete interface group 0 (every link)");
	snprintf(what, sizeof(what), "the links of group %u", group);
	snprintf(none, sizeof(none), "no link in group %u", group);
	return dellink(sk, NULL, group, what, none, err);
}
