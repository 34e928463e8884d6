/* link.c — link queries (see link.h): one request by name, one dump, and
 * the one reader of an RTM_NEWLINK's attributes that both fill.
 *
 * Promises: every query reads the kernel's answer through parse_link()
 * alone, so a field is read from the kernel in one place; a lookup by name
 * is one round trip (bridge_lookup runs once per NIC).  Never changes a
 * link, never prints. */
#include "bridge/link.h"

#include "bridge/rtnl.h"
#include "helper/core/ifname.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

/* tun's own view of its device; tun says "tun" as the kind of both its
 * kinds of device, so this also tells a tap by its name. */
static void parse_tun(struct nlattr *data, struct link_detail *out)
{
	static struct nla_policy tun_policy[IFLA_TUN_MAX + 1] = {
		[IFLA_TUN_OWNER] = { .type = NLA_U32 },
		[IFLA_TUN_GROUP] = { .type = NLA_U32 },
		[IFLA_TUN_TYPE] = { .type = NLA_U8 },
		[IFLA_TUN_PI] = { .type = NLA_U8 },
		[IFLA_TUN_VNET_HDR] = { .type = NLA_U8 },
		[IFLA_TUN_PERSIST] = { .type = NLA_U8 },
		[IFLA_TUN_MULTI_QUEUE] = { .type = NLA_U8 },
		[IFLA_TUN_NUM_QUEUES] = { .type = NLA_U32 },
		[IFLA_TUN_NUM_DISABLED_QUEUES] = { .type = NLA_U32 },
	};
	struct nlattr *tb[IFLA_TUN_MAX + 1];
	struct tun_state *t = &out->tun;

	if (nla_parse_nested(tb, IFLA_TUN_MAX, data, tun_policy) < 0)
		return;
	if (tb[IFLA_TUN_TYPE] && nla_get_u8(tb[IFLA_TUN_TYPE]) == IFF_TAP)
		strcpy(out->st.kind, "tap");
	t->tun = tb[IFLA_TUN_TYPE] && nla_get_u8(tb[IFLA_TUN_TYPE]) == IFF_TUN;
	t->pi = tb[IFLA_TUN_PI] && nla_get_u8(tb[IFLA_TUN_PI]);
	t->vnet_hdr = tb[IFLA_TUN_VNET_HDR] && nla_get_u8(tb[IFLA_TUN_VNET_HDR]);
	t->persist = tb[IFLA_TUN_PERSIST] && nla_get_u8(tb[IFLA_TUN_PERSIST]);
	t->multi_queue = tb[IFLA_TUN_MULTI_QUEUE] && nla_get_u8(tb[IFLA_TUN_MULTI_QUEUE]);
	if ((t->has_owner = tb[IFLA_TUN_OWNER] != NULL))
		t->owner = nla_get_u32(tb[IFLA_TUN_OWNER]);
	if ((t->has_group = tb[IFLA_TUN_GROUP] != NULL))
		t->group = nla_get_u32(tb[IFLA_TUN_GROUP]);
	if (tb[IFLA_TUN_NUM_QUEUES])
		t->queues = nla_get_u32(tb[IFLA_TUN_NUM_QUEUES]);
	if (tb[IFLA_TUN_NUM_DISABLED_QUEUES])
		t->disabled_queues = nla_get_u32(tb[IFLA_TUN_NUM_DISABLED_QUEUES]);
}

/* A bridge's VLAN settings.  Every kernel reports VLAN_FILTERING (0 when
 * it cannot filter); only one built with CONFIG_BRIDGE_VLAN_FILTERING
 * reports VLAN_DEFAULT_PVID, which is how "supported" is told. */
static void parse_bridge(struct nlattr *data, struct link_detail *out)
{
	static struct nla_policy br_policy[IFLA_BR_MAX + 1] = {
		[IFLA_BR_VLAN_FILTERING] = { .type = NLA_U8 },
		[IFLA_BR_VLAN_DEFAULT_PVID] = { .type = NLA_U16 },
	};
	struct nlattr *tb[IFLA_BR_MAX + 1];
	struct bridge_vlan_state *b = &out->br;

	if (nla_parse_nested(tb, IFLA_BR_MAX, data, br_policy) < 0)
		return;
	b->filtering = tb[IFLA_BR_VLAN_FILTERING] && nla_get_u8(tb[IFLA_BR_VLAN_FILTERING]);
	if ((b->supported = tb[IFLA_BR_VLAN_DEFAULT_PVID] != NULL))
		b->default_pvid = nla_get_u16(tb[IFLA_BR_VLAN_DEFAULT_PVID]);
}

/* A VXLAN device as vxlan_fill_info() reports it. */
static void parse_vxlan(struct nlattr *data, struct link_detail *out)
{
	static struct nla_policy vx_policy[IFLA_VXLAN_MAX + 1] = {
		[IFLA_VXLAN_ID] = { .type = NLA_U32 },
		[IFLA_VXLAN_LINK] = { .type = NLA_U32 },
		[IFLA_VXLAN_LEARNING] = { .type = NLA_U8 },
		[IFLA_VXLAN_PORT] = { .type = NLA_U16 },
		[IFLA_VXLAN_COLLECT_METADATA] = { .type = NLA_U8 },
		[IFLA_VXLAN_VNIFILTER] = { .type = NLA_U8 },
	};
	struct nlattr *tb[IFLA_VXLAN_MAX + 1];
	struct vxlan_state *v = &out->vx;

	if (nla_parse_nested(tb, IFLA_VXLAN_MAX, data, vx_policy) < 0)
		return;
	if (tb[IFLA_VXLAN_ID])
		v->vni = nla_get_u32(tb[IFLA_VXLAN_ID]);
	if (tb[IFLA_VXLAN_LINK])
		v->link = (int)nla_get_u32(tb[IFLA_VXLAN_LINK]);
	v->learning = tb[IFLA_VXLAN_LEARNING] && nla_get_u8(tb[IFLA_VXLAN_LEARNING]);
	v->external = tb[IFLA_VXLAN_COLLECT_METADATA] &&
		      nla_get_u8(tb[IFLA_VXLAN_COLLECT_METADATA]);
	v->vnifilter = tb[IFLA_VXLAN_VNIFILTER] && nla_get_u8(tb[IFLA_VXLAN_VNIFILTER]);
	/* The port goes out in network order (nla_put_be16). */
	if (tb[IFLA_VXLAN_PORT])
		v->port = ntohs(nla_get_u16(tb[IFLA_VXLAN_PORT]));
	if (tb[IFLA_VXLAN_LOCAL] && nla_len(tb[IFLA_VXLAN_LOCAL]) == 4) {
		v->local_family = AF_INET;
		memcpy(v->local, nla_data(tb[IFLA_VXLAN_LOCAL]), 4);
	} else if (tb[IFLA_VXLAN_LOCAL6] && nla_len(tb[IFLA_VXLAN_LOCAL6]) == 16) {
		v->local_family = AF_INET6;
		memcpy(v->local, nla_data(tb[IFLA_VXLAN_LOCAL6]), 16);
	}
}

/* A bridge port's flags, as br_port_fill_attrs() reports them. */
static void parse_brport(struct nlattr *data, struct link_detail *out)
{
	static struct nla_policy port_policy[IFLA_BRPORT_MAX + 1] = {
		[IFLA_BRPORT_LEARNING] = { .type = NLA_U8 },
		[IFLA_BRPORT_ISOLATED] = { .type = NLA_U8 },
		[IFLA_BRPORT_LOCKED] = { .type = NLA_U8 },
		[IFLA_BRPORT_NEIGH_SUPPRESS] = { .type = NLA_U8 },
	};
	struct nlattr *tb[IFLA_BRPORT_MAX + 1];
	struct brport_flags *f = &out->port;

	if (nla_parse_nested(tb, IFLA_BRPORT_MAX, data, port_policy) < 0)
		return;
	f->learning = tb[IFLA_BRPORT_LEARNING] && nla_get_u8(tb[IFLA_BRPORT_LEARNING]);
	if ((f->has_isolated = tb[IFLA_BRPORT_ISOLATED] != NULL))
		f->isolated = nla_get_u8(tb[IFLA_BRPORT_ISOLATED]);
	if ((f->has_locked = tb[IFLA_BRPORT_LOCKED] != NULL))
		f->locked = nla_get_u8(tb[IFLA_BRPORT_LOCKED]);
	if ((f->has_neigh_suppress = tb[IFLA_BRPORT_NEIGH_SUPPRESS] != NULL))
		f->neigh_suppress = nla_get_u8(tb[IFLA_BRPORT_NEIGH_SUPPRESS]);
}

/* The one reader of an RTM_NEWLINK: every field of struct link_detail. */
static int parse_link(struct nlmsghdr *h, struct link_detail *out)
{
	static struct nla_policy policy[IFLA_MAX + 1] = {
		[IFLA_IFNAME] = { .type = NLA_STRING },
		[IFLA_IFALIAS] = { .type = NLA_STRING },
		[IFLA_MTU] = { .type = NLA_U32 },
		[IFLA_MASTER] = { .type = NLA_U32 },
		[IFLA_OPERSTATE] = { .type = NLA_U8 },
		[IFLA_CARRIER] = { .type = NLA_U8 },
		[IFLA_GROUP] = { .type = NLA_U32 },
		[IFLA_LINKINFO] = { .type = NLA_NESTED },
	};
	static struct nla_policy info_policy[IFLA_INFO_MAX + 1] = {
		[IFLA_INFO_KIND] = { .type = NLA_STRING },
		[IFLA_INFO_DATA] = { .type = NLA_NESTED },
		[IFLA_INFO_SLAVE_KIND] = { .type = NLA_STRING },
		[IFLA_INFO_SLAVE_DATA] = { .type = NLA_NESTED },
	};
	char slave[16];
	struct nlattr *tb[IFLA_MAX + 1], *info[IFLA_INFO_MAX + 1];
	struct ifinfomsg *ifi = nlmsg_data(h);

	memset(out, 0, sizeof(*out));
	if (nlmsg_parse(h, sizeof(*ifi), tb, IFLA_MAX, policy) < 0)
		return -EBADMSG;
	out->st.ifindex = ifi->ifi_index;
	out->st.flags = ifi->ifi_flags;
	if (tb[IFLA_MTU])
		out->st.mtu = nla_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_MASTER])
		out->st.master = (int)nla_get_u32(tb[IFLA_MASTER]);
	if (tb[IFLA_ADDRESS] && nla_len(tb[IFLA_ADDRESS]) == 6)
		memcpy(out->st.mac, nla_data(tb[IFLA_ADDRESS]), 6);
	if (tb[IFLA_IFNAME])
		nla_strlcpy(out->name, tb[IFLA_IFNAME], sizeof(out->name));
	if (tb[IFLA_IFALIAS])
		nla_strlcpy(out->alias, tb[IFLA_IFALIAS], sizeof(out->alias));
	if (tb[IFLA_OPERSTATE])
		out->operstate = nla_get_u8(tb[IFLA_OPERSTATE]);
	out->carrier = tb[IFLA_CARRIER] && nla_get_u8(tb[IFLA_CARRIER]);
	if (tb[IFLA_GROUP])
		out->group = nla_get_u32(tb[IFLA_GROUP]);
	if (!tb[IFLA_LINKINFO] ||
	    nla_parse_nested(info, IFLA_INFO_MAX, tb[IFLA_LINKINFO], info_policy) < 0)
		return 0;
	if (info[IFLA_INFO_KIND]) {
		nla_strlcpy(out->st.kind, info[IFLA_INFO_KIND], sizeof(out->st.kind));
		out->is_tun = !strcmp(out->st.kind, "tun");
		out->is_bridge = !strcmp(out->st.kind, "bridge");
		if (out->is_tun && info[IFLA_INFO_DATA])
			parse_tun(info[IFLA_INFO_DATA], out);
		out->is_vxlan = !strcmp(out->st.kind, "vxlan");
		if (out->is_bridge && info[IFLA_INFO_DATA])
			parse_bridge(info[IFLA_INFO_DATA], out);
		if (out->is_vxlan && info[IFLA_INFO_DATA])
			parse_vxlan(info[IFLA_INFO_DATA], out);
	}
	if (info[IFLA_INFO_SLAVE_KIND]) {
		nla_strlcpy(slave, info[IFLA_INFO_SLAVE_KIND], sizeof(slave));
		out->is_brport = !strcmp(slave, "bridge");
		if (out->is_brport && info[IFLA_INFO_SLAVE_DATA])
			parse_brport(info[IFLA_INFO_SLAVE_DATA], out);
	}
	return 0;
}

static int parse_one(struct nlmsghdr *h, void *arg)
{
	return h->nlmsg_type == RTM_NEWLINK ? parse_link(h, arg) : 0;
}

/* One RTM_GETLINK by name (statistics skipped).  BRIDGE words the failure
 * for a bridge ("bridge NAME does not exist") rather than a link. */
static int get_link(struct nl_sock *sk, const char *name, bool bridge, struct link_detail *out,
		    struct vmtap_err *err)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct rtnl_req req = { .what = "lookup", .name = name, .parse = parse_one, .arg = out };
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = ifname_check_err(name, NULL, err)) < 0)
		return r;
	rtnl_begin(&req, RTM_GETLINK, 0, &ifi, sizeof(ifi));
	rtnl_put_str(&req, IFLA_IFNAME, name);
	rtnl_put_u32(&req, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	r = rtnl_do(sk, &req, -ENODEV, err, "cannot look up %s%s", bridge ? "bridge " : "", name);
	if (r == -ENODEV)
		return vmtap_fail(err, r, "%s %s does not exist", bridge ? "bridge" : "link", name);
	if (r == 0 && out->st.ifindex <= 0)
		return vmtap_fail(err, -EPROTO, "the kernel sent no link for %s", name);
	return r;
}

int link_get_detail(struct nl_sock *sk, const char *name, struct link_detail *out,
		    struct vmtap_err *err)
{
	return get_link(sk, name, false, out, err);
}

int link_get_detail_index(struct nl_sock *sk, int ifindex, const char *name,
			  struct link_detail *out, struct vmtap_err *err)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
	struct rtnl_req req = { .what = "lookup", .name = name, .parse = parse_one, .arg = out };
	char num[24];
	int r;

	memset(out, 0, sizeof(*out));
	if (!name) {
		snprintf(num, sizeof(num), "link %d", ifindex);
		req.name = name = num;
	}
	if (ifindex <= 0)
		return vmtap_fail(err, -EINVAL, "cannot look up %s: no interface index", name);
	rtnl_begin(&req, RTM_GETLINK, 0, &ifi, sizeof(ifi));
	rtnl_put_u32(&req, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	r = rtnl_do(sk, &req, -ENODEV, err, "cannot look up %s", name);
	if (r == -ENODEV)
		return vmtap_fail(err, r, "%s does not exist", name);
	if (r == 0 && out->st.ifindex != ifindex)
		return vmtap_fail(err, -EPROTO, "the kernel sent no link for %s", name);
	return r;
}

int link_get(struct nl_sock *sk, const char *name, struct link_state *out,
	     struct vmtap_err *err)
{
	struct link_detail d;
	int r = get_link(sk, name, false, &d, err);

	*out = d.st;
	return r;
}

int bridge_lookup(struct nl_sock *sk, const char *name, struct bridge_info *out,
		  struct vmtap_err *err)
{
	struct link_detail d;
	int r = get_link(sk, name, true, &d, err);

	if (r < 0)
		return r;
	if (strcmp(d.st.kind, "bridge"))
		return vmtap_fail(err, -EINVAL, "%s is not a bridge (it is a %s)", name,
				  d.st.kind[0] ? d.st.kind : "device");
	out->ifindex = d.st.ifindex;
	out->mtu = d.st.mtu;
	return 0;
}

struct link_rows {
	struct link_detail *v;
	size_t n, cap;
};

static int collect(struct nlmsghdr *h, void *arg)
{
	struct link_rows *rows = arg;
	int r;

	if (h->nlmsg_type != RTM_NEWLINK)
		return 0;
	if (rows->n == rows->cap) {
		size_t cap = rows->cap ? rows->cap * 2 : 32;
		struct link_detail *v = realloc(rows->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		rows->v = v;
		rows->cap = cap;
	}
	if ((r = parse_link(h, &rows->v[rows->n])) < 0)
		return r;
	rows->n++;
	return 0;
}

/* The one dump: every link (statistics skipped) into a malloc'ed array,
 * started again from scratch while the kernel says the table changed under
 * it, at most three times. */
int link_dump_detail(struct nl_sock *sk, struct link_detail **out, size_t *n,
		     struct vmtap_err *err)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct link_rows rows = { NULL, 0, 0 };
	int r = -EAGAIN, tries;

	for (tries = 0; tries < 3 && r == -EAGAIN; tries++) {
		struct rtnl_req req = { .what = "dump", .name = "links", .parse = collect,
					.arg = &rows };

		rows.n = 0;
		rtnl_begin(&req, RTM_GETLINK, NLM_F_DUMP, &ifi, sizeof(ifi));
		rtnl_put_u32(&req, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
		r = rtnl_do(sk, &req, -EAGAIN, err, "cannot list links");
	}
	if (r == -EAGAIN)
		r = vmtap_fail(err, r, "the link table kept changing during three dumps");
	if (r < 0) {
		free(rows.v);
		rows.v = NULL;
		rows.n = 0;
	}
	*out = rows.v;
	*n = rows.n;
	return r;
}

int bridge_list(struct nl_sock *sk, struct bridge_summary *out, unsigned max, unsigned *n,
		struct vmtap_err *err)
{
	struct link_detail *v;
	size_t count, i, j;
	int r;

	*n = 0;
	if ((r = link_dump_detail(sk, &v, &count, err)) < 0)
		return r;
	for (i = 0; i < count; i++) {
		struct bridge_summary b = { .ifindex = v[i].st.ifindex, .mtu = v[i].st.mtu,
					    .flags = v[i].st.flags };

		if (strcmp(v[i].st.kind, "bridge"))
			continue;
		memcpy(b.name, v[i].name, sizeof(b.name));
		for (j = 0; j < count; j++)
			if (v[j].st.master == b.ifindex)
				b.ports++;
		if (*n < max)
			out[*n] = b;
		(*n)++;
	}
	free(v);
	return 0;
}
