/* tc.c — the traffic-control requests behind a NIC's bandwidth limits (see
 * tc.h).  Each request is built here and sent through rtnl_do(), which
 * words its failure.  Never prints; undoes only what tc_limit_outbound made
 * itself when it fails (the ingress qdisc, the IFB). */
#include "bridge/tc.h"

#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/tc_act/tc_mirred.h>
#include <linux/rtnetlink.h>

#include "bridge/ifb.h"
#include "bridge/rtnl.h"

#define TBF_HANDLE TC_H_MAKE(1u << 16, 0)
#define INGRESS_HANDLE TC_H_MAKE(TC_H_INGRESS, 0)
#define FILTER_PRIO 1u

/* The kernel's scheduler tick is 64 ns (PSCHED_SHIFT 6): what tc_police
 * keeps its burst in. */
static uint32_t ticks(uint64_t bytes, uint64_t rate)
{
	unsigned __int128 ns = (unsigned __int128)bytes * 1000000000u / rate;
	uint64_t t = (uint64_t)(ns >> 6);

	return t > UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

/* A ratespec of rate bytes/s: the u32 field saturates and rate64 carries
 * the rest.  Ethernet link layer, so the kernel needs no rate table to
 * guess it. */
static struct tc_ratespec ratespec(uint64_t rate)
{
	struct tc_ratespec s = { 0 };

	s.rate = rate > UINT32_MAX ? UINT32_MAX : (uint32_t)rate;
	s.linklayer = TC_LINKLAYER_ETHERNET;
	s.cell_log = 3; /* only read from a rate table (police's) */
	return s;
}

/* tbf as the root of ifindex: the tap's own (to the guest), or, with tap
 * given, the root of the tap's IFB (from the guest). */
static int tbf_root(struct nl_sock *sk, int ifindex, const char *ifname, const char *tap,
		    const struct nic_rate *r, struct vmtap_err *err)
{
	struct tcmsg tcm = {
		.tcm_family = AF_UNSPEC, .tcm_ifindex = ifindex,
		.tcm_handle = TBF_HANDLE, .tcm_parent = TC_H_ROOT,
	};
	struct rtnl_req req = { .what = "qdisc", .name = ifname };
	struct tc_tbf_qopt q = { 0 };
	uint32_t burst = nic_rate_burst(r);
	uint64_t limit = r->rate * TC_TBF_LATENCY_MS / 1000 + burst;
	struct nlattr *opt;
	char rate[32];

	if (!r->rate)
		return vmtap_fail(err, -EINVAL, "internal: a tbf without a rate on %s", ifname);
	q.rate = ratespec(r->rate);
	if (r->peak)
		q.peakrate = ratespec(r->peak);
	q.limit = limit > UINT32_MAX ? UINT32_MAX : (uint32_t)limit;
	rtnl_begin(&req, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE, &tcm, sizeof(tcm));
	rtnl_put_str(&req, TCA_KIND, "tbf");
	opt = rtnl_nest(&req, TCA_OPTIONS);
	rtnl_put(&req, TCA_TBF_PARMS, &q, sizeof(q));
	if (r->rate > UINT32_MAX)
		rtnl_put(&req, TCA_TBF_RATE64, &r->rate, sizeof(r->rate));
	rtnl_put_u32(&req, TCA_TBF_BURST, burst);
	if (r->peak) {
		if (r->peak > UINT32_MAX)
			rtnl_put(&req, TCA_TBF_PRATE64, &r->peak, sizeof(r->peak));
		rtnl_put_u32(&req, TCA_TBF_PBURST, TC_MAX_FRAME);
	}
	rtnl_nest_end(&req, opt);
	rate_format_one(r->rate, rate);
	if (tap)
		return rtnl_do(sk, &req, 0, err, "cannot limit %s from the guest (outbound=%s; root "
			       "qdisc tbf on its IFB %s)", tap, rate, ifname);
	return rtnl_do(sk, &req, 0, err, "cannot limit %s to the guest (inbound=%s; root qdisc tbf)",
		       ifname, rate);
}

int tc_shape_root(struct nl_sock *sk, int ifindex, const char *ifname,
		  const struct nic_rate *r, struct vmtap_err *err)
{
	return tbf_root(sk, ifindex, ifname, NULL, r, err);
}

static int ingress_qdisc(struct nl_sock *sk, int ifindex, const char *ifname,
			 struct vmtap_err *err)
{
	struct tcmsg tcm = {
		.tcm_family = AF_UNSPEC, .tcm_ifindex = ifindex,
		.tcm_handle = INGRESS_HANDLE, .tcm_parent = TC_H_INGRESS,
	};
	struct rtnl_req req = { .what = "qdisc", .name = ifname };

	rtnl_begin(&req, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE, &tcm, sizeof(tcm));
	rtnl_put_str(&req, TCA_KIND, "ingress");
	return rtnl_do(sk, &req, 0, err, "cannot add the ingress qdisc to %s", ifname);
}

/* The police action's rate table: the kernel insists on one (1 KiB), but
 * with the link layer given reads only its ratespec. */
static void rate_table(uint32_t tab[256], uint64_t rate)
{
	unsigned i;

	for (i = 0; i < 256; i++)
		tab[i] = ticks((uint64_t)(i + 1) << 3, rate);
}

/* The u32 filter on the tap's ingress that matches every frame, with one
 * action of KIND; its options are the caller's, between the two calls. */
struct u32_all {
	struct rtnl_req req;
	struct nlattr *opt, *acts, *act, *aopt;
};

static void u32_all_begin(struct u32_all *f, int ifindex, const char *ifname, const char *kind)
{
	struct tcmsg tcm = {
		.tcm_family = AF_UNSPEC, .tcm_ifindex = ifindex,
		.tcm_parent = INGRESS_HANDLE,
		.tcm_info = TC_H_MAKE(FILTER_PRIO << 16, htons(ETH_P_ALL)),
	};
	/* A selector and its one key, all zero (a union, not a struct with
	 * the key after it: keys[] is a flexible array). */
	union {
		struct tc_u32_sel sel;
		unsigned char room[sizeof(struct tc_u32_sel) + sizeof(struct tc_u32_key)];
	} sel = { .sel = { .flags = TC_U32_TERMINAL, .nkeys = 1 } };

	f->req = (struct rtnl_req){ .what = "filter", .name = ifname };
	rtnl_begin(&f->req, RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL, &tcm, sizeof(tcm));
	rtnl_put_str(&f->req, TCA_KIND, "u32");
	f->opt = rtnl_nest(&f->req, TCA_OPTIONS);
	rtnl_put(&f->req, TCA_U32_SEL, &sel, sizeof(sel)); /* match u32 0 0: every frame */
	f->acts = rtnl_nest(&f->req, TCA_U32_ACT);
	f->act = rtnl_nest(&f->req, 1);
	rtnl_put_str(&f->req, TCA_ACT_KIND, kind);
	f->aopt = rtnl_nest(&f->req, TCA_ACT_OPTIONS);
}

static void u32_all_end(struct u32_all *f)
{
	rtnl_nest_end(&f->req, f->aopt);
	rtnl_nest_end(&f->req, f->act);
	rtnl_nest_end(&f->req, f->acts);
	rtnl_nest_end(&f->req, f->opt);
}

/* A kernel without the action answers ENOENT (no module to load) or
 * EOPNOTSUPP: both come back unworded, for the caller's next step. */
static int police_filter(struct nl_sock *sk, int ifindex, const char *ifname,
			 const struct nic_rate *r, struct vmtap_err *err)
{
	struct u32_all f;
	struct tc_police p = { 0 };
	uint32_t rtab[256], ptab[256];
	char rate[32];
	int k;

	p.action = TC_ACT_SHOT;
	p.rate = ratespec(r->rate);
	p.burst = ticks(nic_rate_burst(r), r->rate);
	p.mtu = TC_MAX_FRAME;
	rate_table(rtab, r->rate);
	if (r->peak) {
		p.peakrate = ratespec(r->peak);
		rate_table(ptab, r->peak);
	}
	u32_all_begin(&f, ifindex, ifname, "police");
	rtnl_put(&f.req, TCA_POLICE_TBF, &p, sizeof(p));
	rtnl_put(&f.req, TCA_POLICE_RATE, rtab, sizeof(rtab));
	if (r->rate > UINT32_MAX)
		rtnl_put(&f.req, TCA_POLICE_RATE64, &r->rate, sizeof(r->rate));
	if (r->peak) {
		rtnl_put(&f.req, TCA_POLICE_PEAKRATE, ptab, sizeof(ptab));
		if (r->peak > UINT32_MAX)
			rtnl_put(&f.req, TCA_POLICE_PEAKRATE64, &r->peak, sizeof(r->peak));
	}
	rtnl_put_u32(&f.req, TCA_POLICE_RESULT, TC_ACT_OK);
	u32_all_end(&f);
	k = rtnl_do(sk, &f.req, -ENOENT, err, "cannot limit %s from the guest (outbound=%s; "
		    "ingress u32 filter with police)", ifname, rate_format_one(r->rate, rate));
	return k == -ENOENT ? -EOPNOTSUPP : k;
}

/* Every frame of the tap's ingress to the IFB's egress (tc's "action
 * mirred egress redirect dev IFB"); the IFB gives it back to the tap's
 * ingress past this filter once its tbf lets it go. */
static int mirred_filter(struct nl_sock *sk, int ifindex, const char *ifname, int ifb_ifindex,
			 const char *ifb, const struct nic_rate *r, struct vmtap_err *err)
{
	struct u32_all f;
	struct tc_mirred m = {
		.action = TC_ACT_STOLEN, .eaction = TCA_EGRESS_REDIR,
		.ifindex = (uint32_t)ifb_ifindex,
	};
	char rate[32];
	int k;

	u32_all_begin(&f, ifindex, ifname, "mirred");
	rtnl_put(&f.req, TCA_MIRRED_PARMS, &m, sizeof(m));
	u32_all_end(&f);
	k = rtnl_do(sk, &f.req, -ENOENT, err, "cannot limit %s from the guest (outbound=%s; "
		    "ingress u32 filter with mirred to IFB %s)", ifname,
		    rate_format_one(r->rate, rate), ifb);
	return k == -ENOENT ? -EOPNOTSUPP : k;
}

static int neither(const char *ifname, const struct nic_rate *r, struct vmtap_err *err)
{
	char rate[32];

	return vmtap_fail(err, -EOPNOTSUPP, "cannot limit %s from the guest (outbound=%s): this "
			  "kernel has neither the police action (CONFIG_NET_ACT_POLICE; module "
			  "act_police) nor ifb and the mirred action (CONFIG_IFB, "
			  "CONFIG_NET_ACT_MIRRED)", ifname, rate_format_one(r->rate, rate));
}

/* The IFB way: its reaping first (this provisioning is also the one that
 * cleans up after taps gone while no vmtapd ran; not through vmtapd's own
 * socket, whose monitor does it), then the IFB, its tbf, the redirect.  A
 * failure deletes the IFB. */
static int ifb_way(struct nl_sock *sk, int ifindex, const char *ifname,
		   const struct nic_rate *r, struct vmtap_err *err)
{
	char ifb[16];
	unsigned reaped;
	int ifb_ifindex, k;

	if ((!ifb_is_watched(sk) && (k = ifb_reap(sk, true, &reaped, NULL, 0, err)) < 0) ||
	    (k = ifb_make(sk, ifindex, ifname, &ifb_ifindex, err)) < 0)
		return k;
	ifb_name(ifindex, ifb);
	if ((k = tbf_root(sk, ifb_ifindex, ifb, ifname, r, err)) == 0)
		k = mirred_filter(sk, ifindex, ifname, ifb_ifindex, ifb, r, err);
	if (k < 0)
		ifb_delete_for(sk, ifindex, ifname, NULL);
	return k;
}

int tc_limit_outbound(struct nl_sock *sk, int ifindex, const char *ifname,
		      const struct nic_rate *r, enum tc_outbound_way *way,
		      struct vmtap_err *err)
{
	struct vmtap_err why = { "" };
	int k;

	if (!r->rate)
		return vmtap_fail(err, -EINVAL, "internal: an outbound limit without a rate on %s",
				  ifname);
	if ((k = ingress_qdisc(sk, ifindex, ifname, err)) < 0)
		return k;
	/* Each way words its failure apart: a missing action is no failure
	 * yet (err keeps the first line it gets). */
	if ((k = police_filter(sk, ifindex, ifname, r, &why)) == 0) {
		if (way)
			*way = TC_OUTBOUND_POLICE;
		return 0;
	}
	if (k == -EOPNOTSUPP) {
		why.msg[0] = '\0';
		k = ifb_way(sk, ifindex, ifname, r, &why);
		if (k == 0 && way)
			*way = TC_OUTBOUND_IFB;
		if (k == -EOPNOTSUPP)
			k = neither(ifname, r, err);
	}
	if (k < 0 && err && !err->msg[0])
		*err = why;
	/* A device that outlives this failure (a persistent one taken over)
	 * keeps no half-made limit: the ingress qdisc goes too. */
	if (k < 0)
		tc_ingress_clear(sk, ifindex, ifname, NULL);
	return k;
}

int tc_ingress_clear(struct nl_sock *sk, int ifindex, const char *ifname,
		     struct vmtap_err *err)
{
	struct tcmsg tcm = {
		.tcm_family = AF_UNSPEC, .tcm_ifindex = ifindex,
		.tcm_handle = INGRESS_HANDLE, .tcm_parent = TC_H_INGRESS,
	};
	struct rtnl_req req = { .what = "qdisc", .name = ifname };
	int k;

	rtnl_begin(&req, RTM_DELQDISC, 0, &tcm, sizeof(tcm));
	k = rtnl_do(sk, &req, -EINVAL, err, "cannot remove the ingress qdisc of %s", ifname);
	return k == -EINVAL || k == -ENOENT ? 0 : k;
}
