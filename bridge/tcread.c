/* tcread.c — bandwidth limits read back from the kernel (see tcread.h).
 *
 * Two kinds of dump: RTM_GETQDISC of the whole namespace (every root tbf
 * and every ingress qdisc, by ifindex), then RTM_GETTFILTER on the ingress
 * of each device asked about that has one.  A filter's actions are found
 * under the attribute its classifier keeps them in (u32, matchall,
 * flower); a police action gives its rate, a mirred redirect the device
 * whose root tbf is the limit (the IFB way round a kernel without
 * police). */
#include "bridge/tcread.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "bridge/rtnl.h"

/* One device's qdiscs as the dump shows them. */
struct qrow {
	int ifindex;
	uint64_t tbf_rate, tbf_peak; /* a root tbf's, 0 when none */
	bool ingress;
};

struct qrows {
	struct qrow *v;
	size_t n, cap;
};

static struct qrow *qrow_of(struct qrows *q, int ifindex, bool add)
{
	size_t i;

	for (i = 0; i < q->n; i++)
		if (q->v[i].ifindex == ifindex)
			return &q->v[i];
	if (!add)
		return NULL;
	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 16;
		struct qrow *v = realloc(q->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		q->v = v;
		q->cap = cap;
	}
	memset(&q->v[q->n], 0, sizeof(q->v[q->n]));
	q->v[q->n].ifindex = ifindex;
	return &q->v[q->n++];
}

/* A tbf's TCA_OPTIONS: the u32 rates, or their 64-bit forms. */
static void tbf_rates(struct nlattr *opts, struct qrow *row)
{
	struct nlattr *tb[TCA_TBF_MAX + 1];
	const struct tc_tbf_qopt *q;

	if (nla_parse_nested(tb, TCA_TBF_MAX, opts, NULL) < 0 || !tb[TCA_TBF_PARMS] ||
	    nla_len(tb[TCA_TBF_PARMS]) < (int)sizeof(*q))
		return;
	q = nla_data(tb[TCA_TBF_PARMS]);
	row->tbf_rate = q->rate.rate;
	row->tbf_peak = q->peakrate.rate;
	if (tb[TCA_TBF_RATE64] && nla_len(tb[TCA_TBF_RATE64]) >= 8)
		row->tbf_rate = nla_get_u64(tb[TCA_TBF_RATE64]);
	if (tb[TCA_TBF_PRATE64] && nla_len(tb[TCA_TBF_PRATE64]) >= 8)
		row->tbf_peak = nla_get_u64(tb[TCA_TBF_PRATE64]);
}

static int parse_qdisc(struct nlmsghdr *h, void *arg)
{
	struct nlattr *tb[TCA_MAX + 1];
	struct tcmsg *tcm = nlmsg_data(h);
	struct qrows *q = arg;
	struct qrow *row;
	const char *kind;
	bool root, ingress;

	if (h->nlmsg_type != RTM_NEWQDISC || nlmsg_parse(h, sizeof(*tcm), tb, TCA_MAX, NULL) < 0 ||
	    !tb[TCA_KIND])
		return 0;
	kind = nla_get_string(tb[TCA_KIND]);
	root = tcm->tcm_parent == TC_H_ROOT && !strcmp(kind, "tbf") && tb[TCA_OPTIONS];
	ingress = tcm->tcm_parent == TC_H_INGRESS && !strcmp(kind, "ingress");
	if (!root && !ingress)
		return 0;
	if (!(row = qrow_of(q, tcm->tcm_ifindex, true)))
		return -ENOMEM;
	if (root)
		tbf_rates(tb[TCA_OPTIONS], row);
	row->ingress |= ingress;
	return 0;
}

/* What one filter's actions say of the outbound limit: *rate from a
 * police action, else *redirect the ifindex a mirred action sends to. */
struct outbound {
	uint64_t rate;
	int redirect;
};

static void police_rate(struct nlattr *opts, struct outbound *o)
{
	struct nlattr *tb[TCA_POLICE_MAX + 1];
	const struct tc_police *p;

	if (nla_parse_nested(tb, TCA_POLICE_MAX, opts, NULL) < 0 || !tb[TCA_POLICE_TBF] ||
	    nla_len(tb[TCA_POLICE_TBF]) < (int)sizeof(*p))
		return;
	p = nla_data(tb[TCA_POLICE_TBF]);
	o->rate = p->rate.rate;
	if (tb[TCA_POLICE_RATE64] && nla_len(tb[TCA_POLICE_RATE64]) >= 8)
		o->rate = nla_get_u64(tb[TCA_POLICE_RATE64]);
}

static void mirred_target(struct nlattr *opts, struct outbound *o)
{
	struct nlattr *tb[TCA_MIRRED_MAX + 1];
	const struct tc_mirred *m;

	if (nla_parse_nested(tb, TCA_MIRRED_MAX, opts, NULL) < 0 || !tb[TCA_MIRRED_PARMS] ||
	    nla_len(tb[TCA_MIRRED_PARMS]) < (int)sizeof(*m))
		return;
	m = nla_data(tb[TCA_MIRRED_PARMS]);
	if (m->eaction == TCA_EGRESS_REDIR || m->eaction == TCA_INGRESS_REDIR)
		o->redirect = (int)m->ifindex;
}

/* An action list: nested entries 1..N, each a kind and its options. */
static void actions(struct nlattr *list, struct outbound *o)
{
	struct nlattr *a;
	int rem;

	nla_for_each_nested(a, list, rem) {
		struct nlattr *tb[TCA_ACT_MAX + 1];
		const char *kind;

		if (nla_parse_nested(tb, TCA_ACT_MAX, a, NULL) < 0 || !tb[TCA_ACT_KIND] ||
		    !tb[TCA_ACT_OPTIONS])
			continue;
		kind = nla_get_string(tb[TCA_ACT_KIND]);
		if (!strcmp(kind, "police") && !o->rate)
			police_rate(tb[TCA_ACT_OPTIONS], o);
		else if (!strcmp(kind, "mirred") && !o->redirect)
			mirred_target(tb[TCA_ACT_OPTIONS], o);
	}
}

static int parse_filter(struct nlmsghdr *h, void *arg)
{
	struct nlattr *tb[TCA_MAX + 1], *opt[TCA_U32_MAX + 1];
	struct tcmsg *tcm = nlmsg_data(h);
	struct outbound *o = arg;
	const char *kind;
	int act;

	if (h->nlmsg_type != RTM_NEWTFILTER || nlmsg_parse(h, sizeof(*tcm), tb, TCA_MAX, NULL) < 0 ||
	    !tb[TCA_KIND] || !tb[TCA_OPTIONS] || o->rate || o->redirect)
		return 0;
	/* Where each classifier keeps its actions. */
	kind = nla_get_string(tb[TCA_KIND]);
	act = !strcmp(kind, "u32") ? TCA_U32_ACT : !strcmp(kind, "matchall") ? TCA_MATCHALL_ACT :
	      !strcmp(kind, "flower") ? TCA_FLOWER_ACT : 0;
	/* Each of those is below TCA_U32_MAX: one table parses them all. */
	if (!act)
		return 0;
	if (nla_parse_nested(opt, TCA_U32_MAX, tb[TCA_OPTIONS], NULL) < 0 || !opt[act])
		return 0;
	actions(opt[act], o);
	return 0;
}

static int dump_qdiscs(struct nl_sock *sk, struct qrows *q, struct vmtap_err *err)
{
	struct tcmsg tcm = { .tcm_family = AF_UNSPEC };
	int r = -EAGAIN, tries;

	for (tries = 0; tries < 3 && r == -EAGAIN; tries++) {
		struct rtnl_req req = { .what = "dump", .name = "qdiscs", .parse = parse_qdisc,
					.arg = q };

		q->n = 0;
		rtnl_begin(&req, RTM_GETQDISC, NLM_F_DUMP, &tcm, sizeof(tcm));
		r = rtnl_do(sk, &req, -EAGAIN, err, "cannot list qdiscs");
	}
	if (r == -EAGAIN)
		r = vmtap_fail(err, r, "the qdiscs kept changing during three dumps");
	return r;
}

/* The outbound limit of a device with an ingress qdisc. */
static int read_outbound(struct nl_sock *sk, struct qrows *q, int ifindex,
			 struct nic_rate *out, struct vmtap_err *err)
{
	struct tcmsg tcm = {
		.tcm_family = AF_UNSPEC, .tcm_ifindex = ifindex,
		.tcm_parent = TC_H_MAKE(TC_H_INGRESS, TC_H_MIN_INGRESS),
	};
	struct outbound o;
	const struct qrow *ifb;
	int r = -EAGAIN, tries;

	for (tries = 0; tries < 3 && r == -EAGAIN; tries++) {
		struct rtnl_req req = { .what = "dump", .name = "filters", .parse = parse_filter,
					.arg = &o };

		memset(&o, 0, sizeof(o));
		rtnl_begin(&req, RTM_GETTFILTER, NLM_F_DUMP, &tcm, sizeof(tcm));
		r = rtnl_do(sk, &req, -EAGAIN, err, "cannot list the ingress filters of ifindex %d",
			    ifindex);
	}
	if (r == -EAGAIN)
		r = vmtap_fail(err, r, "the ingress filters of ifindex %d kept changing during "
			       "three dumps", ifindex);
	if (r < 0)
		return r;
	if (!o.rate && o.redirect && o.redirect != ifindex &&
	    (ifb = qrow_of(q, o.redirect, false)))
		o.rate = ifb->tbf_rate;
	out->rate = o.rate;
	return 0;
}

int tc_limits_read(struct nl_sock *sk, const int *ifindex, size_t n, struct tc_limits *out,
		   struct vmtap_err *err)
{
	struct qrows q = { NULL, 0, 0 };
	size_t i;
	int r;

	memset(out, 0, n * sizeof(*out));
	if ((r = dump_qdiscs(sk, &q, err)) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		const struct qrow *row = qrow_of(&q, ifindex[i], false);

		if (!row)
			continue;
		out[i].inbound.rate = row->tbf_rate;
		out[i].inbound.peak = row->tbf_peak;
		if (row->ingress && (r = read_outbound(sk, &q, ifindex[i], &out[i].outbound, err)) < 0)
			goto out;
	}
	r = 0;
out:
	free(q.v);
	return r;
}
