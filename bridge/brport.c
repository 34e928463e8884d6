/* brport.c — a bridge port's tenant settings (see brport.h): the AF_BRIDGE
 * messages that isolate a port, lock it to its guest's MACs and put it in
 * VLANs; the FDB entries the lock checks against; reading both back.
 *
 * Every message is built here and sent through rtnl_do(), which words the
 * failure; link.c reads a bridge's and a port's IFLA_LINKINFO.  The kernel
 * parses IFLA_PROTINFO liberally: an IFLA_BRPORT_* attribute newer than
 * the kernel is dropped without a word, so a flag that guards a tenant
 * (isolated, locked) is read back once per process before it is trusted.
 *
 * Never undoes a step (the caller closes the tap: its port, its settings
 * and its FDB entries go with it), never prints. */
#include "bridge/brport.h"

#include "bridge/rtnl.h"
#include "helper/core/parse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

static const char *name_or(const char *name, const char *fallback)
{
	return name && *name ? name : fallback;
}

bool port_tenant_has_vlans(const struct port_tenant *t)
{
	return t->has_pvid || !vlan_set_empty(&t->tagged);
}

static void put_vlan(struct rtnl_req *req, uint16_t flags, unsigned vid)
{
	struct bridge_vlan_info v = { .flags = flags, .vid = (uint16_t)vid };

	rtnl_put(req, IFLA_BRIDGE_VLAN_INFO, &v, sizeof(v));
}

/* IFLA_AF_SPEC: the PVID untagged, then the tagged set by runs (a lone VID
 * is one entry, a run a RANGE_BEGIN/RANGE_END pair: the kernel refuses a
 * PVID inside a range, so the PVID always goes alone). */
static void put_vlans(struct rtnl_req *req, const struct port_tenant *t)
{
	struct nlattr *af = rtnl_nest(req, IFLA_AF_SPEC);
	unsigned from = VLAN_VID_MIN, lo, hi;

	if (t->has_pvid)
		put_vlan(req, BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED, t->pvid);
	while (vlan_set_next_range(&t->tagged, &from, &lo, &hi)) {
		if (lo == hi) {
			put_vlan(req, 0, lo);
			continue;
		}
		put_vlan(req, BRIDGE_VLAN_INFO_RANGE_BEGIN, lo);
		put_vlan(req, BRIDGE_VLAN_INFO_RANGE_END, hi);
	}
	rtnl_nest_end(req, af);
}

/* Step 1: the VLAN every new port gets (the bridge's default PVID; a
 * bridge whose default is 0 gives none).  Deleting a VLAN the port is not
 * in is no error for the kernel. */
static int drop_default_vlan(struct nl_sock *sk, int ifindex, const char *name, unsigned vid,
			     struct vmtap_err *err)
{
	struct ifinfomsg ifi = { .ifi_family = AF_BRIDGE, .ifi_index = ifindex };
	struct rtnl_req req = { .what = "VLAN removal", .name = name };
	struct nlattr *af;

	rtnl_begin(&req, RTM_DELLINK, 0, &ifi, sizeof(ifi));
	af = rtnl_nest(&req, IFLA_AF_SPEC);
	put_vlan(&req, 0, vid);
	rtnl_nest_end(&req, af);
	return rtnl_do(sk, &req, 0, err, "cannot remove VLAN %u from %s", vid, name);
}

/* Step 2.  Only the flags asked are sent: a port starts unisolated,
 * unlocked and learning. */
static int set_port(struct nl_sock *sk, int ifindex, const char *name,
		    const struct port_tenant *t, struct vmtap_err *err)
{
	struct ifinfomsg ifi = { .ifi_family = AF_BRIDGE, .ifi_index = ifindex };
	struct rtnl_req req = { .what = "bridge port", .name = name };
	bool vlans = port_tenant_has_vlans(t);
	struct nlattr *pi;
	int r;

	rtnl_begin(&req, RTM_SETLINK, 0, &ifi, sizeof(ifi));
	if (t->isolated || t->locked || t->learning_off) {
		/* Without NLA_F_NESTED the kernel reads IFLA_PROTINFO as the
		 * old one-byte port state. */
		pi = rtnl_nest(&req, IFLA_PROTINFO | NLA_F_NESTED);
		if (t->isolated)
			rtnl_put_u8(&req, IFLA_BRPORT_ISOLATED, 1);
		if (t->locked)
			rtnl_put_u8(&req, IFLA_BRPORT_LOCKED, 1);
		if (t->learning_off)
			rtnl_put_u8(&req, IFLA_BRPORT_LEARNING, 0);
		rtnl_nest_end(&req, pi);
	}
	if (vlans)
		put_vlans(&req, t);
	r = rtnl_do(sk, &req, vlans ? -EOPNOTSUPP : 0, err, "cannot set bridge port %s%s%s%s",
		    name, t->isolated ? " isolated" : "", t->locked ? " locked" : "",
		    vlans ? " with VLANs" : "");
	/* bridge_vlan_check passed on the state the caller read; should the
	 * kernel refuse VLANs all the same, this names what it lacks. */
	if (r == -EOPNOTSUPP)
		return vmtap_fail(err, r, "cannot put bridge port %s in VLANs: the kernel has no "
				  "bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING)", name);
	return r;
}

/* Step 3.  A kernel does not grow an attribute while a process runs: once
 * read back, a flag is trusted for the rest of it. */
static bool kernel_keeps_isolated, kernel_keeps_locked;

static int check_flags(struct nl_sock *sk, int ifindex, const char *name,
		       const struct port_tenant *t, struct vmtap_err *err)
{
	struct link_detail d;
	int r;

	if ((!t->isolated || kernel_keeps_isolated) && (!t->locked || kernel_keeps_locked))
		return 0;
	if ((r = link_get_detail_index(sk, ifindex, name, &d, err)) < 0)
		return r;
	if (!d.is_brport)
		return vmtap_fail(err, -EPROTO, "%s is not a bridge port", name);
	if (t->isolated && !d.port.has_isolated)
		return vmtap_fail(err, -EOPNOTSUPP, "cannot isolate bridge port %s: the kernel "
				  "ignores IFLA_BRPORT_ISOLATED (isolated ports need Linux 4.18)",
				  name);
	if (t->locked && !d.port.has_locked)
		return vmtap_fail(err, -EOPNOTSUPP, "cannot lock bridge port %s: the kernel "
				  "ignores IFLA_BRPORT_LOCKED (locked ports need Linux 5.18)", name);
	if ((t->isolated && !d.port.isolated) || (t->locked && !d.port.locked))
		return vmtap_fail(err, -EIO, "bridge port %s did not keep its %s flag", name,
				  t->locked && !d.port.locked ? "locked" : "isolated");
	kernel_keeps_isolated |= t->isolated;
	kernel_keeps_locked |= t->locked;
	return 0;
}

int port_tenant_apply(struct nl_sock *sk, int ifindex, const char *ifname,
		      const struct port_tenant *t, struct vmtap_err *err)
{
	const char *name = name_or(ifname, "the tap");
	bool vlans = port_tenant_has_vlans(t);
	unsigned def;
	int r;

	if (ifindex <= 0)
		return vmtap_fail(err, -EINVAL, "cannot set bridge port %s: no interface index",
				  name);
	if (t->has_pvid && (t->pvid < VLAN_VID_MIN || t->pvid > VLAN_VID_MAX))
		return vmtap_fail(err, -ERANGE, "VLAN %u of %s is not in 1..4094", t->pvid, name);
	if (t->has_pvid && vlan_set_has(&t->tagged, t->pvid))
		return vmtap_fail(err, -EINVAL, "VLAN %u of %s is asked both untagged and tagged",
				  t->pvid, name);
	if (vlans && !t->bridge_vlan)
		return vmtap_fail(err, -EINVAL, "VLANs asked of %s without its bridge's VLAN state",
				  name);
	if (vlans && (r = bridge_vlan_check(t->bridge_vlan, name_or(t->bridge, "the bridge"),
					    err)) < 0)
		return r;
	if (!vlans && !t->isolated && !t->locked && !t->learning_off)
		return 0;
	def = vlans ? t->bridge_vlan->default_pvid : 0;
	if (def && !(t->has_pvid && t->pvid == def) && !vlan_set_has(&t->tagged, def) &&
	    (r = drop_default_vlan(sk, ifindex, name, def, err)) < 0)
		return r;
	if ((r = set_port(sk, ifindex, name, t, err)) < 0)
		return r;
	return check_flags(sk, ifindex, name, t, err);
}

/* ---- the FDB -------------------------------------------------------------- */

/* An AF_BRIDGE neighbour message about MAC in VLAN vid, for the bridge of
 * port ifindex (NTF_MASTER: the bridge's FDB, not the port's own). */
static void begin_neigh(struct rtnl_req *req, int type, int nlflags, int ifindex,
			uint16_t state, uint8_t flags, const uint8_t mac[6], unsigned vid)
{
	struct ndmsg ndm = {
		.ndm_family = AF_BRIDGE,
		.ndm_ifindex = ifindex,
		.ndm_state = state,
		.ndm_flags = NTF_MASTER | flags,
	};
	uint16_t v = (uint16_t)vid;

	rtnl_begin(req, type, nlflags, &ndm, sizeof(ndm));
	rtnl_put(req, NDA_LLADDR, mac, 6);
	if (vid)
		rtnl_put(req, NDA_VLAN, &v, sizeof(v));
}

static const char *in_vlan(unsigned vid, char buf[24])
{
	if (!vid)
		return "";
	snprintf(buf, 24, " (VLAN %u)", vid);
	return buf;
}

int fdb_add_static(struct nl_sock *sk, int port_ifindex, const char *ifname,
		   const uint8_t mac[6], unsigned vid, struct vmtap_err *err)
{
	struct rtnl_req req = { .what = "FDB", .name = name_or(ifname, "the port") };
	char m[18], v[24];
	int r;

	if (port_ifindex <= 0 || vid > VLAN_VID_MAX)
		return vmtap_fail(err, -EINVAL, "cannot add MAC %s%s to the FDB of %s: %s",
				  format_mac(mac, m), in_vlan(vid, v), req.name,
				  vid > VLAN_VID_MAX ? "VLAN not in 1..4094" : "no interface index");
	/* Sticky: a frame from this MAC on another (unlocked, learning)
	 * port would otherwise move even a static entry there (br_fdb_update),
	 * taking the guest's MAC and traffic and locking the guest out. */
	begin_neigh(&req, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_EXCL, port_ifindex, NUD_NOARP,
		    NTF_STICKY, mac, vid);
	r = rtnl_do(sk, &req, -EEXIST, err, "cannot add MAC %s%s to the FDB of %s",
		    format_mac(mac, m), in_vlan(vid, v), req.name);
	if (r == -EEXIST)
		return vmtap_fail(err, r, "MAC %s%s is already in the FDB of the bridge of %s",
				  m, in_vlan(vid, v), req.name);
	return r;
}

int fdb_del_static(struct nl_sock *sk, int port_ifindex, const char *ifname,
		   const uint8_t mac[6], unsigned vid, struct vmtap_err *err)
{
	struct rtnl_req req = { .what = "FDB", .name = name_or(ifname, "the port") };
	char m[18], v[24];

	begin_neigh(&req, RTM_DELNEIGH, 0, port_ifindex, 0, 0, mac, vid);
	return rtnl_do(sk, &req, 0, err, "cannot remove MAC %s%s from the FDB of %s",
		       format_mac(mac, m), in_vlan(vid, v), req.name);
}

static int parse_neigh(struct nlmsghdr *h, void *arg)
{
	struct fdb_entry *out = arg;
	struct ndmsg *ndm = nlmsg_data(h);

	if (h->nlmsg_type != RTM_NEWNEIGH || nlmsg_datalen(h) < (int)sizeof(*ndm))
		return 0;
	out->port = ndm->ndm_ifindex;
	out->state = ndm->ndm_state;
	out->flags = ndm->ndm_flags;
	return 0;
}

int fdb_lookup(struct nl_sock *sk, int port_ifindex, const uint8_t mac[6], unsigned vid,
	       struct fdb_entry *out, struct vmtap_err *err)
{
	struct rtnl_req req = { .what = "FDB lookup", .name = "an FDB entry",
				.parse = parse_neigh, .arg = out };
	char m[18], v[24];

	memset(out, 0, sizeof(*out));
	/* The kernel wants a bare header in a get: no state. */
	begin_neigh(&req, RTM_GETNEIGH, 0, port_ifindex, 0, 0, mac, vid);
	return rtnl_do(sk, &req, -ENOENT, err, "cannot look up MAC %s%s in the FDB",
		       format_mac(mac, m), in_vlan(vid, v));
}

/* ---- reading back ------------------------------------------------------- */

struct port_rows {
	struct port_tenant_state *v;
	size_t n, cap;
};

/* IFLA_AF_SPEC of a compressed dump: lone VIDs, and RANGE_BEGIN/RANGE_END
 * pairs whose flags say the same of every VID between. */
static void parse_vlans(struct nlattr *af, struct port_tenant_state *s)
{
	struct nlattr *a;
	unsigned lo = 0;
	int rem;

	nla_for_each_nested(a, af, rem) {
		const struct bridge_vlan_info *vi;

		if (nla_type(a) != IFLA_BRIDGE_VLAN_INFO || nla_len(a) < (int)sizeof(*vi))
			continue;
		vi = nla_data(a);
		if (vi->flags & BRIDGE_VLAN_INFO_RANGE_BEGIN) {
			lo = vi->vid;
			continue;
		}
		if (!(vi->flags & BRIDGE_VLAN_INFO_RANGE_END))
			lo = vi->vid;
		vlan_set_add_range(vi->flags & BRIDGE_VLAN_INFO_UNTAGGED ? &s->untagged : &s->tagged,
				   lo, vi->vid);
		if (vi->flags & BRIDGE_VLAN_INFO_PVID) {
			s->has_pvid = true;
			s->pvid = vi->vid;
		}
		lo = 0;
	}
}

static int parse_port(struct nlmsghdr *h, void *arg)
{
	static struct nla_policy port_policy[IFLA_BRPORT_MAX + 1] = {
		[IFLA_BRPORT_LEARNING] = { .type = NLA_U8 },
		[IFLA_BRPORT_ISOLATED] = { .type = NLA_U8 },
		[IFLA_BRPORT_LOCKED] = { .type = NLA_U8 },
	};
	struct nlattr *tb[IFLA_MAX + 1], *pt[IFLA_BRPORT_MAX + 1];
	struct ifinfomsg *ifi = nlmsg_data(h);
	struct port_rows *rows = arg;
	struct port_tenant_state *s;

	if (h->nlmsg_type != RTM_NEWLINK || nlmsg_parse(h, sizeof(*ifi), tb, IFLA_MAX, NULL) < 0)
		return 0;
	if (!tb[IFLA_MASTER] || (int)nla_get_u32(tb[IFLA_MASTER]) == ifi->ifi_index)
		return 0;
	if (rows->n == rows->cap) {
		size_t cap = rows->cap ? rows->cap * 2 : 16;
		struct port_tenant_state *v = realloc(rows->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		rows->v = v;
		rows->cap = cap;
	}
	s = &rows->v[rows->n++];
	memset(s, 0, sizeof(*s));
	s->ifindex = ifi->ifi_index;
	s->master = (int)nla_get_u32(tb[IFLA_MASTER]);
	if (tb[IFLA_PROTINFO] &&
	    nla_parse_nested(pt, IFLA_BRPORT_MAX, tb[IFLA_PROTINFO], port_policy) == 0) {
		s->learning = pt[IFLA_BRPORT_LEARNING] && nla_get_u8(pt[IFLA_BRPORT_LEARNING]);
		s->isolated = pt[IFLA_BRPORT_ISOLATED] && nla_get_u8(pt[IFLA_BRPORT_ISOLATED]);
		s->locked = pt[IFLA_BRPORT_LOCKED] && nla_get_u8(pt[IFLA_BRPORT_LOCKED]);
	}
	if (tb[IFLA_AF_SPEC])
		parse_vlans(tb[IFLA_AF_SPEC], s);
	return 0;
}

int port_tenant_dump(struct nl_sock *sk, struct port_tenant_state **out, size_t *n,
		     struct vmtap_err *err)
{
	struct ifinfomsg ifi = { .ifi_family = AF_BRIDGE };
	struct port_rows rows = { NULL, 0, 0 };
	int r = -EAGAIN, tries;

	for (tries = 0; tries < 3 && r == -EAGAIN; tries++) {
		struct rtnl_req req = { .what = "dump", .name = "bridge ports",
					.parse = parse_port, .arg = &rows };

		rows.n = 0;
		rtnl_begin(&req, RTM_GETLINK, NLM_F_DUMP, &ifi, sizeof(ifi));
		rtnl_put_u32(&req, IFLA_EXT_MASK, RTEXT_FILTER_BRVLAN_COMPRESSED);
		r = rtnl_do(sk, &req, -EAGAIN, err, "cannot list bridge ports");
	}
	if (r == -EAGAIN)
		r = vmtap_fail(err, r, "the bridge ports kept changing during three dumps");
	if (r < 0) {
		free(rows.v);
		rows.v = NULL;
		rows.n = 0;
	}
	*out = rows.v;
	*n = rows.n;
	return r;
}

int port_tenant_read(struct nl_sock *sk, int ifindex, const char *ifname,
		     struct port_tenant_state *out, struct vmtap_err *err)
{
	struct port_tenant_state *v;
	size_t n, i;
	int r;

	if ((r = port_tenant_dump(sk, &v, &n, err)) < 0)
		return r;
	for (i = 0; i < n && v[i].ifindex != ifindex; i++)
		;
	if (i < n)
		*out = v[i];
	free(v);
	if (i == n)
		return vmtap_fail(err, -ENODEV, "%s is not a bridge port",
				  name_or(ifname, "the link"));
	return 0;
}

/* ---- the bridge ------------------------------------------------------------ */

int bridge_vlan_filtering(struct nl_sock *sk, int bridge_ifindex, const char *bridge,
			  struct bridge_vlan_state *out, struct vmtap_err *err)
{
	struct link_detail d;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = link_get_detail_index(sk, bridge_ifindex, bridge, &d, err)) < 0)
		return r;
	if (!d.is_bridge)
		return vmtap_fail(err, -EINVAL, "%s is not a bridge", name_or(bridge, d.name));
	*out = d.br;
	return 0;
}

int bridge_vlan_check(const struct bridge_vlan_state *v, const char *bridge,
		      struct vmtap_err *err)
{
	if (!v->supported)
		return vmtap_fail(err, -EOPNOTSUPP, "VLAN asked of bridge %s, but the kernel has "
				  "no bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING)", bridge);
	if (!v->filtering)
		return vmtap_fail(err, -EOPNOTSUPP, "VLAN asked of bridge %s, which has no "
				  "vlan_filtering: ip link set %s type bridge vlan_filtering 1",
				  bridge, bridge);
	return 0;
}
