/* ifb.c — an outbound limit's IFB device: made, marked, deleted, reaped,
 * and deleted when vmtapd hears its tap go (see ifb.h).
 *
 * Every deletion goes through one of two gates: del_marked() (an IFB
 * looked up by name whose mark names the tap) or reap_one() (an IFB of a
 * dump whose mark names a tap that is gone), and both delete by the IFB's
 * own ifindex, never by a name that someone may have reused since. */
#include "bridge/ifb.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "bridge/bridge.h"
#include "bridge/port.h"
#include "helper/core/ifname.h"

void ifb_name(int tap_ifindex, char buf[16])
{
	snprintf(buf, 16, IFB_NAME_PREFIX "%d", tap_ifindex);
}

static void ifb_mark(int tap_ifindex, const char *tap_name, char *buf, size_t cap)
{
	snprintf(buf, cap, IFB_MARK_PREFIX "%d:%s", tap_ifindex, tap_name);
}

bool ifb_mark_owner(const char *alias, int *tap_ifindex, char tap_name[16])
{
	size_t k = sizeof(IFB_MARK_PREFIX) - 1;
	const char *p = alias + k;
	char *end;
	long n;

	if (strncmp(alias, IFB_MARK_PREFIX, k) || *p < '1' || *p > '9')
		return false;
	n = strtol(p, &end, 10);
	if (*end != ':' || n <= 0 || n > 0x7fffffff || !ifname_valid(end + 1))
		return false;
	*tap_ifindex = (int)n;
	snprintf(tap_name, 16, "%s", end + 1);
	return true;
}

static int dellink_index(struct nl_sock *sk, int ifindex, const char *name,
			 struct vmtap_err *err)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
	struct rtnl_req req = { .what = "deletion", .name = name };
	int r;

	rtnl_begin(&req, RTM_DELLINK, 0, &ifi, sizeof(ifi));
	r = rtnl_do(sk, &req, -ENODEV, err, "cannot delete IFB %s", name);
	return r == -ENODEV ? 0 : r;
}

/* d is the link named after tap_ifindex: deleted when it is an IFB marked
 * for that ifindex (and, when tap_name is given, that name).  1 when it
 * was, 0 when it is not ours. */
static int del_marked(struct nl_sock *sk, const struct link_detail *d, int tap_ifindex,
		      const char *tap_name, struct vmtap_err *err)
{
	char owner[16];
	int idx, r;

	if (strcmp(d->st.kind, "ifb") || !ifb_mark_owner(d->alias, &idx, owner) ||
	    idx != tap_ifindex || (tap_name && strcmp(owner, tap_name)))
		return 0;
	r = dellink_index(sk, d->st.ifindex, d->name, err);
	return r < 0 ? r : 1;
}

/* ifb_delete_for, and 1 when it deleted one. */
static int delete_for(struct nl_sock *sk, int tap_ifindex, const char *tap_name,
		      struct vmtap_err *err)
{
	struct link_detail d;
	char name[16];
	int r;

	ifb_name(tap_ifindex, name);
	r = link_get_detail(sk, name, &d, err);
	if (r == -ENODEV)
		return 0;
	if (r < 0)
		return r;
	return del_marked(sk, &d, tap_ifindex, tap_name, err);
}

int ifb_delete_for(struct nl_sock *sk, int tap_ifindex, const char *tap_name,
		   struct vmtap_err *err)
{
	int r = delete_for(sk, tap_ifindex, tap_name, err);

	return r < 0 ? r : 0;
}

static int newlink(struct nl_sock *sk, const char *name, const char *tap_name,
		   struct vmtap_err *err)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct rtnl_req req = { .what = "IFB creation", .name = name };
	struct vmtap_err why = { "" };
	struct nlattr *info;
	int r;

	rtnl_begin(&req, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi));
	rtnl_put_str(&req, IFLA_IFNAME, name);
	info = rtnl_nest(&req, IFLA_LINKINFO);
	rtnl_put_str(&req, IFLA_INFO_KIND, "ifb");
	rtnl_nest_end(&req, info);
	r = rtnl_do(sk, &req, -EEXIST, &why, "cannot create IFB %s for %s", name, tap_name);
	/* No such kind: EOPNOTSUPP ("Unknown device type"), worded here. */
	if (r == -EOPNOTSUPP)
		return vmtap_fail(err, r, "cannot create IFB %s for %s: this kernel has no ifb "
				  "(CONFIG_IFB)", name, tap_name);
	if (r < 0 && r != -EEXIST && err && !err->msg[0])
		*err = why;
	return r;
}

int ifb_make(struct nl_sock *sk, int tap_ifindex, const char *tap_name, int *ifindex,
	     struct vmtap_err *err)
{
	struct link_detail d;
	char name[16], mark[64];
	int r, tries;

	*ifindex = 0;
	ifb_name(tap_ifindex, name);
	for (tries = 0; tries < 2; tries++) {
		if ((r = newlink(sk, name, tap_name, err)) != -EEXIST)
			break;
		/* Named after this tap's ifindex: a marked one is a stale
		 * IFB of a tap gone with that ifindex, or this (persistent)
		 * tap's own from an earlier provisioning.  Either goes. */
		if ((r = link_get_detail(sk, name, &d, err)) == -ENODEV)
			continue;
		if (r < 0)
			return r;
		if ((r = del_marked(sk, &d, tap_ifindex, NULL, err)) < 0)
			return r;
		if (r == 0)
			return vmtap_fail(err, -EEXIST, "cannot create IFB %s for %s: a link (%s) of that "
					  "name exists and vmtap did not mark it (its alias is not "
					  "\"" IFB_MARK_PREFIX "%d:...\"); vmtap leaves it alone: "
					  "delete it (ip link del %s)", name, tap_name,
					  d.st.kind[0] ? d.st.kind : "link", tap_ifindex, name);
	}
	if (r == -EEXIST)
		return vmtap_fail(err, r, "cannot create IFB %s for %s: the name stays taken",
				  name, tap_name);
	if (r < 0)
		return r;
	/* Just made, with NLM_F_EXCL: the name is ours to delete by. */
	if ((r = link_get_detail(sk, name, &d, err)) < 0) {
		link_delete(sk, name, NULL);
		return r;
	}
	*ifindex = d.st.ifindex;
	/* Nothing of IPv6 on it (a port's reason: no ff00::/8 route, no
	 * routing-table walk as it comes up), then the mark and up. */
	ifb_mark(tap_ifindex, tap_name, mark, sizeof(mark));
	if ((r = link_disable_ipv6(name, err)) < 0 ||
	    (r = link_setup_plain(sk, *ifindex, name, mark, 0, err)) < 0) {
		dellink_index(sk, *ifindex, name, NULL);
		*ifindex = 0;
	}
	return r;
}

/* ---- reaping ----------------------------------------------------------- */

struct lite {
	int ifindex;
	char name[16], alias[128];
};

struct lites {
	const char *kind;
	struct lite *v;
	size_t n, cap;
};

static int collect(struct nlmsghdr *h, void *arg)
{
	static struct nla_policy policy[IFLA_MAX + 1] = {
		[IFLA_IFNAME] = { .type = NLA_STRING },
		[IFLA_IFALIAS] = { .type = NLA_STRING },
		[IFLA_LINKINFO] = { .type = NLA_NESTED },
	};
	static struct nla_policy info_policy[IFLA_INFO_MAX + 1] = {
		[IFLA_INFO_KIND] = { .type = NLA_STRING },
	};
	struct nlattr *tb[IFLA_MAX + 1], *info[IFLA_INFO_MAX + 1];
	struct lites *l = arg;
	struct lite *x;
	char kind[16];

	if (h->nlmsg_type != RTM_NEWLINK)
		return 0;
	if (nlmsg_parse(h, sizeof(struct ifinfomsg), tb, IFLA_MAX, policy) < 0)
		return -EBADMSG;
	/* The kernel filters by kind since 4.19 or so; an older one sends
	 * every link, which this check sorts out. */
	if (!tb[IFLA_LINKINFO] || !tb[IFLA_IFNAME] ||
	    nla_parse_nested(info, IFLA_INFO_MAX, tb[IFLA_LINKINFO], info_policy) < 0 ||
	    !info[IFLA_INFO_KIND])
		return 0;
	nla_strlcpy(kind, info[IFLA_INFO_KIND], sizeof(kind));
	if (strcmp(kind, l->kind))
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct lite *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	x = &l->v[l->n++];
	memset(x, 0, sizeof(*x));
	x->ifindex = ((struct ifinfomsg *)nlmsg_data(h))->ifi_index;
	nla_strlcpy(x->name, tb[IFLA_IFNAME], sizeof(x->name));
	if (tb[IFLA_IFALIAS])
		nla_strlcpy(x->alias, tb[IFLA_IFALIAS], sizeof(x->alias));
	return 0;
}

/* The links of one kind: one RTM_GETLINK dump the kernel filters by kind,
 * again while the table changes under it (at most three times). */
static int dump_kind(struct nl_sock *sk, struct lites *l, struct vmtap_err *err)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	int r = -EAGAIN, tries;

	for (tries = 0; tries < 3 && r == -EAGAIN; tries++) {
		struct rtnl_req req = { .what = "dump", .name = "links", .parse = collect,
					.arg = l };
		struct nlattr *info;

		l->n = 0;
		rtnl_begin(&req, RTM_GETLINK, NLM_F_DUMP, &ifi, sizeof(ifi));
		rtnl_put_u32(&req, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
		info = rtnl_nest(&req, IFLA_LINKINFO);
		rtnl_put_str(&req, IFLA_INFO_KIND, l->kind);
		rtnl_nest_end(&req, info);
		r = rtnl_do(sk, &req, -EAGAIN, err, "cannot list the %s links", l->kind);
	}
	if (r == -EAGAIN)
		r = vmtap_fail(err, r, "the link table kept changing during three dumps");
	return r;
}

int ifb_reap(struct nl_sock *sk, bool del, unsigned *n, char *names, size_t cap,
	     struct vmtap_err *err)
{
	struct lites ifbs = { .kind = "ifb" }, taps = { .kind = "tun" };
	size_t i, j, off = 0;
	char owner[16];
	int idx, r;

	*n = 0;
	if (names && cap)
		names[0] = '\0';
	/* IFBs first: each one seen was made after its tap, so a tap that
	 * lives is in the second dump. */
	if ((r = dump_kind(sk, &ifbs, err)) < 0 || (r = dump_kind(sk, &taps, err)) < 0)
		goto out;
	for (i = 0; i < ifbs.n; i++) {
		if (!ifb_mark_owner(ifbs.v[i].alias, &idx, owner))
			continue;
		for (j = 0; j < taps.n; j++)
			if (taps.v[j].ifindex == idx && !strcmp(taps.v[j].name, owner))
				break;
		if (j < taps.n)
			continue;
		if (del && (r = dellink_index(sk, ifbs.v[i].ifindex, ifbs.v[i].name, err)) < 0)
			goto out;
		(*n)++;
		if (names && off < cap)
			off += (size_t)snprintf(names + off, cap - off, "%s%s", off ? ", " : "",
						ifbs.v[i].name);
	}
out:
	free(ifbs.v);
	free(taps.v);
	return r;
}

/* ---- the monitor ------------------------------------------------------- */

static const struct nl_sock *watched;

void ifb_watched(struct nl_sock *sk)
{
	watched = sk;
}

bool ifb_is_watched(const struct nl_sock *sk)
{
	return sk && sk == watched;
}

int ifb_monitor_open(int *fd, struct vmtap_err *err)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	/* One notification per packet: pass it when nlmsg_type (host
	 * order; a BPF half-word load reads network order) is
	 * RTM_DELLINK. */
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, offsetof(struct nlmsghdr, nlmsg_type)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htons(RTM_DELLINK), 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = { .len = sizeof(code) / sizeof(code[0]), .filter = code };
	int s, size = 1 << 20;

	*fd = -1;
	s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	if (s < 0)
		return vmtap_fail(err, -errno, "cannot open a netlink socket for link events: %s",
				  strerror(errno));
	/* Without the filter it still works, only wakes more often; a
	 * smaller buffer only overruns sooner (then a reap). */
	setsockopt(s, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
	setsockopt(s, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(s);
		return vmtap_fail(err, -e, "cannot listen to link events (RTNLGRP_LINK): %s",
				  strerror(e));
	}
	*fd = s;
	return 0;
}

/* A tun device's RTM_DELLINK: its ifindex and name, else false. */
static bool tap_gone(struct nlmsghdr *h, int *ifindex, char name[16])
{
	static struct nla_policy policy[IFLA_MAX + 1] = {
		[IFLA_IFNAME] = { .type = NLA_STRING },
		[IFLA_LINKINFO] = { .type = NLA_NESTED },
	};
	static struct nla_policy info_policy[IFLA_INFO_MAX + 1] = {
		[IFLA_INFO_KIND] = { .type = NLA_STRING },
	};
	struct nlattr *tb[IFLA_MAX + 1], *info[IFLA_INFO_MAX + 1];
	char kind[16];

	if (h->nlmsg_type != RTM_DELLINK || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)) ||
	    nlmsg_parse(h, sizeof(struct ifinfomsg), tb, IFLA_MAX, policy) < 0 ||
	    !tb[IFLA_IFNAME] || !tb[IFLA_LINKINFO] ||
	    nla_parse_nested(info, IFLA_INFO_MAX, tb[IFLA_LINKINFO], info_policy) < 0 ||
	    !info[IFLA_INFO_KIND])
		return false;
	nla_strlcpy(kind, info[IFLA_INFO_KIND], sizeof(kind));
	if (strcmp(kind, "tun"))
		return false;
	*ifindex = ((struct ifinfomsg *)NLMSG_DATA(h))->ifi_index;
	nla_strlcpy(name, tb[IFLA_IFNAME], 16);
	return *ifindex > 0;
}

int ifb_monitor_event(int fd, struct nl_sock *sk, unsigned *deleted, struct vmtap_err *err)
{
	static char buf[32768] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct sockaddr_nl from;
	bool overrun = false;
	char name[16];
	int ifindex, r = 0, k;
	unsigned n;

	*deleted = 0;
	for (;;) {
		socklen_t fl = sizeof(from);
		ssize_t len = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from,
				       &fl);
		struct nlmsghdr *h;

		if (len < 0 && errno == EINTR)
			continue;
		if (len < 0 && errno == ENOBUFS) {
			overrun = true;
			continue;
		}
		if (len <= 0)
			break;
		/* Only the kernel's word counts. */
		if (fl != sizeof(from) || from.nl_pid != 0)
			continue;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)len); h = NLMSG_NEXT(h, len)) {
			if (!tap_gone(h, &ifindex, name))
				continue;
			k = delete_for(sk, ifindex, name, err);
			if (k < 0)
				r = k;
			else
				*deleted += (unsigned)k;
		}
	}
	if (overrun) {
		k = ifb_reap(sk, true, &n, NULL, 0, err);
		if (k < 0)
			r = k;
		else
			*deleted += n;
	}
	return r;
}
