/* port.c — rtnetlink for vmtap: look up a bridge, make a tap its port,
 * create and delete links, list bridges, read what tun says of its
 * devices (see port.h).
 *
 * Theory of operation.  Every request is one netlink message sent with
 * NLM_F_ACK, and talk() reads until that request's ACK or error, so each
 * function costs exactly the round trips its contract names.  Messages are
 * built with libnl-3's core (nlmsg_*, nla_*) and nothing from
 * libnl-route-3: linking the route library into the setuid helper would run
 * its constructors before main, and one of them opens $NLSYSCONFDIR/classid
 * as root.
 *
 * Errors.  libnl folds the kernel's errno into its own NLE_* codes and loses
 * it (EXFULL from a full bridge becomes NLE_FAILURE), so talk() installs its
 * own NL_CB_ERR callback that keeps nlmsgerr->error and the kernel's
 * extended-ack text; the functions return the kernel's -errno and name it in
 * their message.
 *
 * Environment.  libnl reads NLCB and NLDBG in a constructor.  rtnl_open()
 * resets nl_debug and every callback set here comes from
 * nl_cb_alloc(NL_CB_DEFAULT), never from the NLCB-chosen default, so no
 * caller of a setuid helper can make it dump messages.
 *
 * Never prints, never knows about QEMU. */
#include "bridge/port.h"

#include "helper/core/ifname.h"
#include "helper/core/parse.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include <netlink/attr.h>
#include <netlink/handlers.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* What one request got back. */
struct answer {
	int error;              /* the kernel's -errno, 0 after an ACK */
	int done;
	char extack[160];       /* the kernel's extended-ack text, if any */
	int (*parse)(struct nlmsghdr *h, void *arg);  /* for replies with data */
	void *arg;
	int parse_error;        /* first -errno parse returned */
};

static int libnl_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_INTR:
		return -EINTR;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_BAD_SOCK:
		return -EBADF;
	case NLE_MSGSIZE:
		return -EMSGSIZE;
	case NLE_PERM:
		return -EPERM;
	default:
		return -EPROTO;
	}
}

/* The extended ack sits behind the nlmsgerr, and behind the echoed request
 * unless the kernel capped it (we ask for NETLINK_CAP_ACK, but do not rely
 * on it). */
static void read_extack(const struct nlmsgerr *e, struct answer *a)
{
	const struct nlmsghdr *h = (const void *)((const char *)e - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t payload = sizeof(*e), off;

	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(h->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < NLMSG_HDRLEN)
			return;
		payload += e->msg.nlmsg_len - NLMSG_HDRLEN;
	}
	off = NLMSG_HDRLEN + NLMSG_ALIGN(payload);
	if (off >= h->nlmsg_len)
		return;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)h + off),
		      (int)(h->nlmsg_len - off), NULL) < 0)
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		nla_strlcpy(a->extack, tb[NLMSGERR_ATTR_MSG], sizeof(a->extack));
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct answer *a = arg;

	(void)nla;
	a->error = e->error < 0 ? e->error : -EPROTO;
	a->done = 1;
	read_extack(e, a);
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct answer *a = arg;

	(void)msg;
	a->done = 1;
	return NL_STOP;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct answer *a = arg;
	int r;

	if (a->parse_error)
		return NL_OK;
	r = a->parse(nlmsg_hdr(msg), a->arg);
	if (r < 0)
		a->parse_error = r;
	return NL_OK;
}

/* Sends msg (the caller frees it) and reads the answers up to its ACK.
 * 0, the kernel's -errno (a->extack may explain), or -errno for a local
 * failure with a message in err. */
/* A fresh answer, and a callback set of libnl's defaults (never NLCB's)
 * whose error callback records into it. */
static struct nl_cb *answer_cb(struct answer *a, struct vmtap_err *err)
{
	struct nl_cb *cb;

	a->error = 0;
	a->done = 0;
	a->extack[0] = '\0';
	a->parse_error = 0;
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		vmtap_fail(err, -ENOMEM, "cannot allocate a netlink callback set");
		return NULL;
	}
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, a);
	return cb;
}

static int talk(struct nl_sock *sk, struct nl_msg *msg, struct answer *a,
		struct vmtap_err *err)
{
	struct nl_cb *cb;
	int r, reads = 0;

	if (!(cb = answer_cb(a, err)))
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, a);
	if (a->parse)
		nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, a);

	r = nl_send_auto(sk, msg);
	if (r < 0) {
		r = vmtap_fail(err, libnl_errno(r), "cannot send a rtnetlink request: %s",
			       nl_geterror(r));
		goto out;
	}
	while (!a->done) {
		r = nl_recvmsgs(sk, cb);
		if (a->done)
			break;
		if (r < 0) {
			r = vmtap_fail(err, libnl_errno(r),
				       "cannot read the rtnetlink answer: %s", nl_geterror(r));
			goto out;
		}
		/* A request that is not a dump gets a reply and an ACK at
		 * most: never spin on a socket that says nothing more. */
		if (++reads == 8) {
			r = vmtap_fail(err, -EPROTO, "the kernel never acknowledged a request");
			goto out;
		}
	}
	r = a->error ? a->error : a->parse_error;
out:
	nl_cb_put(cb);
	return r;
}

/* "Invalid argument" or "Invalid argument (kernel: MTU too large)". */
static const char *reason(const struct answer *a, int r, char *buf, size_t n)
{
	if (a->extack[0])
		snprintf(buf, n, "%s (kernel: %s)", strerror(-r), a->extack);
	else
		snprintf(buf, n, "%s", strerror(-r));
	return buf;
}

/* A name that failed ifname_check() may hold anything: show it tamed. */
static const char *tame(const char *s, char buf[40])
{
	size_t i;

	if (!s)
		return "(null)";
	for (i = 0; s[i] && i < 32; i++)
		buf[i] = (s[i] > ' ' && s[i] < 0x7f) ? s[i] : '?';
	strcpy(buf + i, s[i] ? "..." : "");
	return buf;
}

static const char *name_or(const char *name, const char *fallback)
{
	return name && *name ? name : fallback;
}

int rtnl_open(struct nl_sock **out, struct vmtap_err *err)
{
	struct nl_sock *sk;
	struct nl_cb *cb;
	int one = 1, fd, fl, r;

	*out = NULL;
	nl_debug = 0;

	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb)
		return vmtap_fail(err, -ENOMEM, "cannot allocate a netlink callback set");
	sk = nl_socket_alloc_cb(cb);
	nl_cb_put(cb);
	if (!sk)
		return vmtap_fail(err, -ENOMEM, "cannot allocate a netlink socket");

	errno = 0;
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0) {
		int e = errno ? -errno : libnl_errno(r);

		nl_socket_free(sk);
		return vmtap_fail(err, e, "cannot open a rtnetlink socket: %s", strerror(-e));
	}
	fd = nl_socket_get_fd(sk);
	/* libnl 3.7 opens it with SOCK_CLOEXEC; older versions did not. */
	fl = fcntl(fd, F_GETFD);
	if (fl < 0 || (!(fl & FD_CLOEXEC) && fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0)) {
		r = -errno;
		nl_socket_free(sk);
		return vmtap_fail(err, r, "cannot make the rtnetlink socket close-on-exec: %s",
				  strerror(-r));
	}
	/* Best effort: kernels before 4.12 have no extended acks, and then
	 * messages just lack the kernel's explanation. */
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));

	*out = sk;
	return 0;
}

void rtnl_close(struct nl_sock *sk)
{
	if (sk)
		nl_socket_free(sk);
}

/* An RTM_*LINK message with its ifinfomsg; NULL only when out of memory. */
static struct nl_msg *link_msg(int type, int nlflags, int ifindex, unsigned flags,
			       unsigned change)
{
	struct ifinfomsg ifi = {
		.ifi_family = AF_UNSPEC,
		.ifi_index = ifindex,
		.ifi_flags = flags,
		.ifi_change = change,
	};
	struct nl_msg *msg = nlmsg_alloc_simple(type, nlflags);

	if (msg && nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

static int no_memory(struct vmtap_err *err)
{
	return vmtap_fail(err, -ENOMEM, "cannot allocate a netlink message");
}

/* Attributes that do not fit a fresh 4 KiB message: a bug, not a state. */
static int too_big(struct vmtap_err *err, const char *what, const char *name)
{
	return vmtap_fail(err, -EMSGSIZE, "cannot build the %s message for %s", what, name);
}

/* ---- link_get, bridge_lookup ----------------------------------------- */

static int parse_link(struct nlmsghdr *h, void *arg)
{
	static struct nla_policy link_policy[IFLA_MAX + 1] = {
		[IFLA_MTU] = { .type = NLA_U32 },
		[IFLA_MASTER] = { .type = NLA_U32 },
		[IFLA_LINKINFO] = { .type = NLA_NESTED },
	};
	static struct nla_policy info_policy[IFLA_INFO_MAX + 1] = {
		[IFLA_INFO_KIND] = { .type = NLA_STRING },
		[IFLA_INFO_DATA] = { .type = NLA_NESTED },
	};
	struct nlattr *tb[IFLA_MAX + 1], *info[IFLA_INFO_MAX + 1];
	struct link_state *out = arg;
	struct ifinfomsg *ifi;

	if (h->nlmsg_type != RTM_NEWLINK)
		return 0;
	if (nlmsg_parse(h, sizeof(*ifi), tb, IFLA_MAX, link_policy) < 0)
		return -EBADMSG;
	ifi = nlmsg_data(h);
	memset(out, 0, sizeof(*out));
	out->ifindex = ifi->ifi_index;
	out->flags = ifi->ifi_flags;
	if (tb[IFLA_MTU])
		out->mtu = nla_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_MASTER])
		out->master = (int)nla_get_u32(tb[IFLA_MASTER]);
	if (tb[IFLA_ADDRESS] && nla_len(tb[IFLA_ADDRESS]) == 6)
		memcpy(out->mac, nla_data(tb[IFLA_ADDRESS]), 6);
	if (tb[IFLA_LINKINFO] &&
	    nla_parse_nested(info, IFLA_INFO_MAX, tb[IFLA_LINKINFO], info_policy) == 0 &&
	    info[IFLA_INFO_KIND]) {
		nla_strlcpy(out->kind, info[IFLA_INFO_KIND], sizeof(out->kind));
		/* tun says "tun" for both kinds of device; say which. */
		if (!strcmp(out->kind, "tun") && info[IFLA_INFO_DATA]) {
			struct nlattr *tun[IFLA_TUN_MAX + 1];

			if (nla_parse_nested(tun, IFLA_TUN_MAX, info[IFLA_INFO_DATA], NULL) == 0 &&
			    tun[IFLA_TUN_TYPE] && nla_len(tun[IFLA_TUN_TYPE]) >= 1 &&
			    nla_get_u8(tun[IFLA_TUN_TYPE]) == IFF_TAP)
				strcpy(out->kind, "tap");
		}
	}
	return 0;
}

/* One RTM_GETLINK by name.  A kernel -errno comes back without a message
 * (callers word ENODEV their own way); a->extack may explain it.  The
 * kernel also matches alternative names (ip link property add altname). */
static int get_link(struct nl_sock *sk, const char *name, struct link_state *out,
		    struct answer *a, struct vmtap_err *err)
{
	struct nl_msg *msg;
	char buf[40];
	int r;

	if (ifname_check(name) < 0)
		return vmtap_fail(err, -EINVAL, "\"%s\" is not a valid interface name",
				  tame(name, buf));
	a->parse = parse_link;
	a->arg = out;
	out->ifindex = 0;
	msg = link_msg(RTM_GETLINK, 0, 0, 0, 0);
	if (!msg)
		return no_memory(err);
	if (nla_put_string(msg, IFLA_IFNAME, name) < 0 ||
	    nla_put_u32(msg, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS) < 0)
		r = too_big(err, "lookup", name);
	else
		r = talk(sk, msg, a, err);
	nlmsg_free(msg);
	if (r == 0 && out->ifindex <= 0)
		r = vmtap_fail(err, -EPROTO, "the kernel sent no link for %s", name);
	return r;
}

int link_get(struct nl_sock *sk, const char *name, struct link_state *out,
	     struct vmtap_err *err)
{
	struct answer a = { .parse = NULL };
	char buf[200];
	int r;

	r = get_link(sk, name, out, &a, err);
	if (r == -ENODEV)
		return vmtap_fail(err, r, "link %s does not exist", name);
	if (r < 0)
		return vmtap_fail(err, r, "cannot look up %s: %s", name,
				  reason(&a, r, buf, sizeof(buf)));
	return 0;
}

int bridge_lookup(struct nl_sock *sk, const char *name, struct bridge_info *out,
		  struct vmtap_err *err)
{
	struct answer a = { .parse = NULL };
	struct link_state link;
	char buf[200];
	int r;

	r = get_link(sk, name, &link, &a, err);
	if (r == -ENODEV)
		return vmtap_fail(err, r, "bridge %s does not exist", name);
	if (r < 0)
		return vmtap_fail(err, r, "cannot look up bridge %s: %s", name,
				  reason(&a, r, buf, sizeof(buf)));
	if (strcmp(link.kind, "bridge"))
		return vmtap_fail(err, -EINVAL, "%s is not a bridge (it is a %s)", name,
				  link.kind[0] ? link.kind : "device");
	out->ifindex = link.ifindex;
	out->mtu = link.mtu;
	return 0;
}

/* ---- port_setup ------------------------------------------------------- */

/* Step 1: MAC, and addr_gen_mode none so the port never gets a link-local
 * address nor runs DAD.  Without IPv6 (not in the kernel, or no IPv6
 * device on the tap) the kernel refuses the whole message with EAFNOSUPPORT
 * before changing anything; then the MAC goes alone. */
static int set_mac_no_v6(struct nl_sock *sk, const struct port_setup *p, bool v6,
			 struct answer *a, struct vmtap_err *err)
{
	struct nl_msg *msg = link_msg(RTM_SETLINK, 0, p->ifindex, 0, 0);
	struct nlattr *af, *in6;
	int r;

	if (!msg)
		return no_memory(err);
	if (nla_put(msg, IFLA_ADDRESS, 6, p->mac) < 0 ||
	    (p->alias && nla_put_string(msg, IFLA_IFALIAS, p->alias) < 0) ||
	    (v6 && (!(af = nla_nest_start(msg, IFLA_AF_SPEC)) ||
		    !(in6 = nla_nest_start(msg, AF_INET6)) ||
		    nla_put_u8(msg, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE) < 0))) {
		r = too_big(err, "set-up", name_or(p->ifname, "the tap"));
	} else {
		if (v6) {
			nla_nest_end(msg, in6);
			nla_nest_end(msg, af);
		}
		r = talk(sk, msg, a, err);
	}
	nlmsg_free(msg);
	return r;
}

/* Step 2.  The tap is down, its root is the placeholder noop qdisc
 * (handle 0), so this creates; REPLACE also covers a tap someone already
 * gave a qdisc. */
static int set_noqueue(struct nl_sock *sk, const struct port_setup *p, struct answer *a,
		       struct vmtap_err *err)
{
	struct tcmsg tcm = {
		.tcm_family = AF_UNSPEC,
		.tcm_ifindex = p->ifindex,
		.tcm_handle = 0,
		.tcm_parent = TC_H_ROOT,
	};
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE);
	int r;

	if (!msg)
		return no_memory(err);
	if (nlmsg_append(msg, &tcm, sizeof(tcm), NLMSG_ALIGNTO) < 0 ||
	    nla_put_string(msg, TCA_KIND, "noqueue") < 0)
		r = too_big(err, "qdisc", name_or(p->ifname, "the tap"));
	else
		r = talk(sk, msg, a, err);
	nlmsg_free(msg);
	return r;
}

/* Step 3.  The kernel applies MTU, group, IFF_UP, then master, in that
 * order: a tap the bridge refuses is left up with its new MTU, unattached
 * (the caller closes it anyway). */
static int attach_up(struct nl_sock *sk, const struct port_setup *p, struct answer *a,
		     struct vmtap_err *err)
{
	struct nl_msg *msg = link_msg(RTM_SETLINK, 0, p->ifindex, IFF_UP, IFF_UP);
	int r;

	if (!msg)
		return no_memory(err);
	if (nla_put_u32(msg, IFLA_MASTER, (uint32_t)p->bridge_ifindex) < 0 ||
	    (p->mtu && nla_put_u32(msg, IFLA_MTU, p->mtu) < 0) ||
	    (p->group && nla_put_u32(msg, IFLA_GROUP, p->group) < 0))
		r = too_big(err, "attach", name_or(p->ifname, "the tap"));
	else
		r = talk(sk, msg, a, err);
	nlmsg_free(msg);
	return r;
}

/* IPv6 off on the tap: a bridge port carries the guest's IPv6 at layer 2
 * and needs none of its own.  addr_gen_mode none (step 1) spares the
 * link-local address and DAD, but an IPv6-enabled device still gets an
 * ff00::/8 route and a walk of the IPv6 routing table when it comes up,
 * which grows with the number of ports (measured: `make bench`, scaling).
 * There is no netlink attribute for it, only the sysctl; writing it needs
 * CAP_NET_ADMIN in the namespace, which is what the caller holds.  No IPv6
 * in the kernel (no such file) is fine. */
static int disable_ipv6(const char *ifname)
{
	char path[96];
	int fd, r = 0;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname);
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (write(fd, "1", 1) != 1)
		r = -errno;
	close(fd);
	return r;
}

int port_setup(struct nl_sock *sk, const struct port_setup *p, struct vmtap_err *err)
{
	const char *tap = name_or(p->ifname, "the tap");
	const char *br = name_or(p->bridge, "the bridge");
	struct answer a = { .parse = NULL };
	char mac[18], buf[200];
	int r;

	if (p->ifindex <= 0 || p->bridge_ifindex <= 0)
		return vmtap_fail(err, -EINVAL, "cannot attach %s to %s: no interface index",
				  tap, br);

	r = set_mac_no_v6(sk, p, true, &a, err);
	if (r == -EAFNOSUPPORT)
		r = set_mac_no_v6(sk, p, false, &a, err);
	if (r < 0)
		return vmtap_fail(err, r, "cannot set MAC %s on %s: %s", format_mac(p->mac, mac),
				  tap, reason(&a, r, buf, sizeof(buf)));
	if (p->ifname && (r = disable_ipv6(p->ifname)) < 0)
		return vmtap_fail(err, r, "cannot turn IPv6 off on %s: %s", tap, strerror(-r));

	if (p->noqueue) {
		r = set_noqueue(sk, p, &a, err);
		if (r < 0)
			return vmtap_fail(err, r, "cannot set root qdisc noqueue on %s: %s", tap,
					  reason(&a, r, buf, sizeof(buf)));
	}

	r = attach_up(sk, p, &a, err);
	if (r == -EXFULL)
		return vmtap_fail(err, r, "bridge %s is full (%d ports)", br, BRIDGE_MAX_PORTS);
	if (r < 0)
		return vmtap_fail(err, r, "cannot attach %s to %s (MTU %u, up): %s", tap, br,
				  p->mtu, reason(&a, r, buf, sizeof(buf)));
	return 0;
}

int link_set_mac(struct nl_sock *sk, int ifindex, const char *ifname, const uint8_t mac[6],
		 struct vmtap_err *err)
{
	struct port_setup p = { .ifindex = ifindex, .ifname = ifname };
	struct answer a = { .parse = NULL };
	char text[18], buf[200];
	int r;

	memcpy(p.mac, mac, 6);
	r = set_mac_no_v6(sk, &p, false, &a, err);
	if (r < 0)
		return vmtap_fail(err, r, "cannot set MAC %s on %s: %s", format_mac(mac, text),
				  name_or(ifname, "the tap"), reason(&a, r, buf, sizeof(buf)));
	return 0;
}

/* ---- link_create, bridge_create, link_delete, link_delete_group ------- */

int link_create(struct nl_sock *sk, const char *name, const char *kind, unsigned mtu,
		struct vmtap_err *err)
{
	struct answer a = { .parse = NULL };
	struct nlattr *info;
	struct nl_msg *msg;
	char buf[200];
	int r;

	if (ifname_check(name) < 0)
		return vmtap_fail(err, -EINVAL, "\"%s\" is not a valid interface name",
				  tame(name, buf));
	if (!kind || !*kind)
		return vmtap_fail(err, -EINVAL, "no kind of link given for %s", name);
	msg = link_msg(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0, IFF_UP, IFF_UP);
	if (!msg)
		return no_memory(err);
	if (nla_put_string(msg, IFLA_IFNAME, name) < 0 ||
	    (mtu && nla_put_u32(msg, IFLA_MTU, mtu) < 0) ||
	    !(info = nla_nest_start(msg, IFLA_LINKINFO)) ||
	    nla_put_string(msg, IFLA_INFO_KIND, kind) < 0) {
		r = too_big(err, "creation", name);
	} else {
		nla_nest_end(msg, info);
		r = talk(sk, msg, &a, err);
		if (r < 0)
			r = vmtap_fail(err, r, "cannot create %s %s: %s", kind, name,
				       reason(&a, r, buf, sizeof(buf)));
	}
	nlmsg_free(msg);
	return r;
}

/* A bridge follows its smallest port's MTU unless its MTU was changed on
 * the live device (br_change_mtu sets BROPT_MTU_SET_BY_USER): IFLA_MTU at
 * creation does not count, nor does setting the MTU it already has.  So
 * create it with the default MTU and change it afterwards. */
int bridge_create(struct nl_sock *sk, const char *name, unsigned mtu, struct vmtap_err *err)
{
	struct answer a = { .parse = NULL };
	struct nl_msg *msg;
	char buf[200];
	int r;

	r = link_create(sk, name, "bridge", 0, err);
	if (r < 0 || mtu == 0)
		return r;
	msg = link_msg(RTM_SETLINK, 0, 0, 0, 0);
	if (!msg)
		return no_memory(err);
	if (nla_put_string(msg, IFLA_IFNAME, name) < 0 || nla_put_u32(msg, IFLA_MTU, mtu) < 0) {
		r = too_big(err, "MTU", name);
	} else {
		r = talk(sk, msg, &a, err);
		if (r < 0)
			r = vmtap_fail(err, r, "cannot set MTU %u on bridge %s: %s", mtu, name,
				       reason(&a, r, buf, sizeof(buf)));
	}
	nlmsg_free(msg);
	return r;
}

/* One RTM_DELLINK, selecting by name or by group: -ENODEV says none (no
 * such link, or an empty group), any other failure names what. */
static int dellink(struct nl_sock *sk, const char *name, const uint32_t *group, const char *what,
		   const char *none, struct vmtap_err *err)
{
	struct answer a = { .parse = NULL };
	struct nl_msg *msg = link_msg(RTM_DELLINK, 0, 0, 0, 0);
	char buf[200];
	int r;

	if (!msg)
		return no_memory(err);
	if (name ? nla_put_string(msg, IFLA_IFNAME, name) < 0
		 : nla_put_u32(msg, IFLA_GROUP, *group) < 0) {
		r = too_big(err, "deletion", what);
	} else {
		r = talk(sk, msg, &a, err);
		if (r == -ENODEV)
			r = vmtap_fail(err, r, "%s", none);
		else if (r < 0)
			r = vmtap_fail(err, r, "cannot delete %s: %s", what,
				       reason(&a, r, buf, sizeof(buf)));
	}
	nlmsg_free(msg);
	return r;
}

int link_delete(struct nl_sock *sk, const char *name, struct vmtap_err *err)
{
	char buf[200], none[64];

	if (ifname_check(name) < 0)
		return vmtap_fail(err, -EINVAL, "\"%s\" is not a valid interface name",
				  tame(name, buf));
	snprintf(none, sizeof(none), "link %s does not exist", name);
	return dellink(sk, name, NULL, name, none, err);
}

int link_delete_group(struct nl_sock *sk, uint32_t group, struct vmtap_err *err)
{
	char what[48], none[48];

	/* Group 0 holds every link that was never given one. */
	if (group == 0)
		return vmtap_fail(err, -EINVAL, "will not delete interface group 0 (every link)");
	snprintf(what, sizeof(what), "the links of group %u", group);
	snprintf(none, sizeof(none), "no link in group %u", group);
	return dellink(sk, NULL, &group, what, none, err);
}

/* ---- bridge_list ------------------------------------------------------ */

static int dump(struct nl_sock *sk, struct nl_msg *msg, struct answer *a, struct vmtap_err *err);

/* One RTM_GETLINK dump (statistics skipped) into a->parse, tried again
 * from scratch (*rows_n = 0) while the kernel says the table changed under
 * it (-EAGAIN), at most three times. */
static int dump_links(struct nl_sock *sk, struct answer *a, size_t *rows_n, struct vmtap_err *err)
{
	struct nl_msg *msg;
	char buf[200];
	int r = -EAGAIN, tries;

	for (tries = 0; tries < 3 && r == -EAGAIN; tries++) {
		*rows_n = 0;
		msg = link_msg(RTM_GETLINK, NLM_F_DUMP, 0, 0, 0);
		if (!msg)
			return no_memory(err);
		if (nla_put_u32(msg, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS) < 0)
			r = too_big(err, "dump", "links");
		else
			r = dump(sk, msg, a, err);
		nlmsg_free(msg);
	}
	if (r == -EAGAIN)
		return vmtap_fail(err, r, "the link table kept changing during three dumps");
	if (r < 0)
		return vmtap_fail(err, r, "cannot list links: %s", reason(a, r, buf, sizeof(buf)));
	return 0;
}

struct link_rows {
	struct bridge_summary *v; /* every link; ports counted afterwards */
	bool *is_bridge;
	int *master;
	size_t n, cap;
};

static int collect_link(struct nlmsghdr *h, void *arg)
{
	struct link_rows *rows = arg;
	struct bridge_summary *row;
	struct link_state st;
	struct nlattr *name;
	int r;

	if (h->nlmsg_type != RTM_NEWLINK)
		return 0;
	if ((r = parse_link(h, &st)) < 0)
		return r;
	if (rows->n == rows->cap) {
		size_t cap = rows->cap ? rows->cap * 2 : 64;
		struct bridge_summary *v = realloc(rows->v, cap * sizeof(*v));
		bool *b = v ? realloc(rows->is_bridge, cap * sizeof(*b)) : NULL;
		int *m = b ? realloc(rows->master, cap * sizeof(*m)) : NULL;

		/* Each realloc that worked is kept, so nothing leaks. */
		if (v)
			rows->v = v;
		if (b)
			rows->is_bridge = b;
		if (!v || !b || !m)
			return -ENOMEM;
		rows->master = m;
		rows->cap = cap;
	}
	row = &rows->v[rows->n];
	memset(row, 0, sizeof(*row));
	name = nlmsg_find_attr(h, sizeof(struct ifinfomsg), IFLA_IFNAME);
	if (name)
		nla_strlcpy(row->name, name, sizeof(row->name));
	row->ifindex = st.ifindex;
	row->mtu = st.mtu;
	row->flags = st.flags;
	rows->is_bridge[rows->n] = !strcmp(st.kind, "bridge");
	rows->master[rows->n] = st.master;
	rows->n++;
	return 0;
}

static int on_finish(struct nl_msg *msg, void *arg)
{
	struct answer *a = arg;

	(void)msg;
	a->done = 1;
	return NL_STOP;
}

/* Sends a dump request (no ACK asked: a dump ends with NLMSG_DONE) and
 * hands every answer to a->parse until the end. */
static int dump(struct nl_sock *sk, struct nl_msg *msg, struct answer *a, struct vmtap_err *err)
{
	struct nl_cb *cb;
	int r;

	if (!(cb = answer_cb(a, err)))
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, a);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, a);

	nl_socket_disable_auto_ack(sk);
	r = nl_send_auto(sk, msg);
	nl_socket_enable_auto_ack(sk);
	if (r < 0) {
		r = vmtap_fail(err, libnl_errno(r), "cannot send a rtnetlink request: %s",
			       nl_geterror(r));
		goto out;
	}
	while (!a->done) {
		r = nl_recvmsgs(sk, cb);
		if (a->done)
			break;
		if (r == -NLE_DUMP_INTR) {
			/* The table changed under the dump: the caller retries. */
			r = -EAGAIN;
			goto out;
		}
		if (r < 0) {
			r = vmtap_fail(err, libnl_errno(r), "cannot read the rtnetlink dump: %s",
				       nl_geterror(r));
			goto out;
		}
	}
	r = a->error ? a->error : a->parse_error;
out:
	nl_cb_put(cb);
	return r;
}

int bridge_list(struct nl_sock *sk, struct bridge_summary *out, unsigned max, unsigned *n,
		struct vmtap_err *err)
{
	struct link_rows rows = { NULL, NULL, NULL, 0, 0 };
	struct answer a = { .parse = collect_link, .arg = &rows };
	size_t i, j;
	int r;

	*n = 0;
	r = dump_links(sk, &a, &rows.n, err);
	for (i = 0; r == 0 && i < rows.n; i++) {
		struct bridge_summary b;

		if (!rows.is_bridge[i])
			continue;
		b = rows.v[i];
		for (j = 0; j < rows.n; j++)
			if (rows.master[j] == b.ifindex)
				b.ports++;
		if (*n < max)
			out[*n] = b;
		(*n)++;
	}
	free(rows.v);
	free(rows.is_bridge);
	free(rows.master);
	return r;
}

/* ---- link_get_detail, link_dump_detail, link_setup_plain -------------- */

static void parse_tun(struct nlattr *data, struct tun_state *t)
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

	memset(t, 0, sizeof(*t));
	if (nla_parse_nested(tb, IFLA_TUN_MAX, data, tun_policy) < 0)
		return;
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

/* parse_link, plus name, alias, operstate, group and tun's own view. */
static int parse_link_detail(struct nlmsghdr *h, struct link_detail *out)
{
	static struct nla_policy policy[IFLA_MAX + 1] = {
		[IFLA_IFNAME] = { .type = NLA_STRING },
		[IFLA_IFALIAS] = { .type = NLA_STRING },
		[IFLA_OPERSTATE] = { .type = NLA_U8 },
		[IFLA_GROUP] = { .type = NLA_U32 },
		[IFLA_LINKINFO] = { .type = NLA_NESTED },
	};
	struct nlattr *tb[IFLA_MAX + 1], *info[IFLA_INFO_MAX + 1];
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = parse_link(h, &out->st)) < 0)
		return r;
	if (nlmsg_parse(h, sizeof(struct ifinfomsg), tb, IFLA_MAX, policy) < 0)
		return -EBADMSG;
	if (tb[IFLA_IFNAME])
		nla_strlcpy(out->name, tb[IFLA_IFNAME], sizeof(out->name));
	if (tb[IFLA_IFALIAS])
		nla_strlcpy(out->alias, tb[IFLA_IFALIAS], sizeof(out->alias));
	if (tb[IFLA_OPERSTATE])
		out->operstate = nla_get_u8(tb[IFLA_OPERSTATE]);
	if (tb[IFLA_GROUP])
		out->group = nla_get_u32(tb[IFLA_GROUP]);
	out->is_tun = !strcmp(out->st.kind, "tap") || !strcmp(out->st.kind, "tun");
	if (out->is_tun && tb[IFLA_LINKINFO] &&
	    nla_parse_nested(info, IFLA_INFO_MAX, tb[IFLA_LINKINFO], NULL) == 0 &&
	    info[IFLA_INFO_DATA])
		parse_tun(info[IFLA_INFO_DATA], &out->tun);
	return 0;
}

static int parse_one_detail(struct nlmsghdr *h, void *arg)
{
	if (h->nlmsg_type != RTM_NEWLINK)
		return 0;
	return parse_link_detail(h, arg);
}

int link_get_detail(struct nl_sock *sk, const char *name, struct link_detail *out,
		    struct vmtap_err *err)
{
	struct answer a = { .parse = parse_one_detail, .arg = out };
	struct nl_msg *msg;
	char buf[200];
	int r;

	if (ifname_check(name) < 0)
		return vmtap_fail(err, -EINVAL, "\"%s\" is not a valid interface name",
				  tame(name, buf));
	memset(out, 0, sizeof(*out));
	msg = link_msg(RTM_GETLINK, 0, 0, 0, 0);
	if (!msg)
		return no_memory(err);
	if (nla_put_string(msg, IFLA_IFNAME, name) < 0 ||
	    nla_put_u32(msg, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS) < 0)
		r = too_big(err, "lookup", name);
	else
		r = talk(sk, msg, &a, err);
	nlmsg_free(msg);
	if (r == -ENODEV)
		return vmtap_fail(err, r, "link %s does not exist", name);
	if (r < 0)
		return vmtap_fail(err, r, "cannot look up %s: %s", name,
				  reason(&a, r, buf, sizeof(buf)));
	if (out->st.ifindex <= 0)
		return vmtap_fail(err, -EPROTO, "the kernel sent no link for %s", name);
	return 0;
}

struct detail_rows {
	struct link_detail *v;
	size_t n, cap;
};

static int collect_detail(struct nlmsghdr *h, void *arg)
{
	struct detail_rows *rows = arg;

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
	if (parse_link_detail(h, &rows->v[rows->n]) < 0)
		return -EBADMSG;
	rows->n++;
	return 0;
}

int link_dump_detail(struct nl_sock *sk, struct link_detail **out, size_t *n,
		     struct vmtap_err *err)
{
	struct detail_rows rows = { NULL, 0, 0 };
	struct answer a = { .parse = collect_detail, .arg = &rows };
	int r;

	*out = NULL;
	*n = 0;
	r = dump_links(sk, &a, &rows.n, err);
	if (r < 0) {
		free(rows.v);
		return r;
	}
	*out = rows.v;
	*n = rows.n;
	return 0;
}

int link_setup_plain(struct nl_sock *sk, int ifindex, const char *ifname, const char *alias,
		     unsigned mtu, struct vmtap_err *err)
{
	const char *name = name_or(ifname, "the device");
	struct answer a = { .parse = NULL };
	struct nl_msg *msg;
	char buf[200];
	int r;

	if (ifindex <= 0)
		return vmtap_fail(err, -EINVAL, "cannot set up %s: no interface index", name);
	msg = link_msg(RTM_SETLINK, 0, ifindex, IFF_UP, IFF_UP);
	if (!msg)
		return no_memory(err);
	if ((alias && nla_put_string(msg, IFLA_IFALIAS, alias) < 0) ||
	    (mtu && nla_put_u32(msg, IFLA_MTU, mtu) < 0)) {
		r = too_big(err, "set-up", name);
	} else {
		r = talk(sk, msg, &a, err);
		if (r < 0)
			r = vmtap_fail(err, r, "cannot set up %s (MTU %u, up): %s", name, mtu,
				       reason(&a, r, buf, sizeof(buf)));
	}
	nlmsg_free(msg);
	return r;
}
