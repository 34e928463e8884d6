/* tc.h — a tap's bandwidth limits as traffic-control messages (README,
 * "Bandwidth limits"), over the rtnl.h transport: no tc fork.
 *
 *   to the guest    the tap's egress: a tbf root qdisc, handle 1:, in the
 *                   place of noqueue (port_setup's step 2 chooses).  One
 *                   qdisc for every TX queue: a multiqueue tap's queues
 *                   share the one bucket, as the limit is the NIC's.
 *   from the guest  the tap's ingress: the ingress qdisc, and on it one u32
 *                   filter that matches every frame, with a police action
 *                   that drops what exceeds.  A kernel without the police
 *                   action (CONFIG_NET_ACT_POLICE; this machine's 6.18 has
 *                   none, Debian's has it as a module) gets the same filter
 *                   with a mirred action instead, which redirects every
 *                   frame to an IFB device of the tap's own (ifb.h) whose
 *                   root qdisc is tbf at the rate; the IFB hands the frames
 *                   back to the tap's ingress, on to the bridge.  Police is
 *                   tried first (it drops, and costs no device); which one
 *                   the kernel took is the kernel's answer to the police
 *                   filter (ENOENT or EOPNOTSUPP: no such action).
 *
 * Contract: each call is a fixed number of requests (named below), returns
 * 0 or the kernel's -errno with one line naming the tap and the step.  The
 * qdiscs, the filter and its action go with the tap; the IFB does not: a
 * failure inside tc_limit_outbound deletes the IFB it made, and a later
 * failure is the caller's to undo (ifb_delete_for).  A limit with rate 0
 * is a caller's mistake (-EINVAL). */
#ifndef VMTAP_BRIDGE_TC_H
#define VMTAP_BRIDGE_TC_H

#include <stdint.h>

#include "helper/core/err.h"
#include "helper/core/rate.h"

struct nl_sock;

/* The largest frame either limit lets through whole: a 64 KiB GSO frame
 * and its headers (the guest's virtio-net sends TSO frames that large;
 * tbf splits larger ones, the policer would drop them). */
#define TC_MAX_FRAME 66000u

/* tbf's queue: 50 ms at the rate on top of the burst, then tail drop. */
#define TC_TBF_LATENCY_MS 50

/* One RTM_NEWQDISC (create or replace) of tbf as the root of ifindex. */
int tc_shape_root(struct nl_sock *sk, int ifindex, const char *ifname,
		  const struct nic_rate *r, struct vmtap_err *err);

/* How an outbound limit was made. */
enum tc_outbound_way {
	TC_OUTBOUND_POLICE = 1, /* ingress u32 + police */
	TC_OUTBOUND_IFB,        /* ingress u32 + mirred to the tap's IFB, tbf there */
};

/* The outbound limit of the (down) tap ifindex/ifname.  Two requests
 * where the kernel polices: RTM_NEWQDISC ingress, RTM_NEWTFILTER u32
 * match-all with police.  Where the police action is missing: that failed
 * filter, then ifb_reap() (two dumps: IFBs of taps gone go first; not
 * through a socket ifb_watched() names),
 * ifb_make() (RTM_NEWLINK, the sysctl, RTM_SETLINK mark + up), RTM_NEWQDISC
 * tbf on the IFB, RTM_NEWTFILTER u32 match-all with mirred egress redirect
 * to it.  *way (unless NULL): which.  -EOPNOTSUPP "...: this kernel has
 * neither the police action (CONFIG_NET_ACT_POLICE) nor ifb and mirred
 * (CONFIG_IFB, CONFIG_NET_ACT_MIRRED)" when neither works.  On failure the
 * ingress qdisc is removed and the IFB deleted. */
int tc_limit_outbound(struct nl_sock *sk, int ifindex, const char *ifname,
		      const struct nic_rate *r, enum tc_outbound_way *way,
		      struct vmtap_err *err);

/* One RTM_DELQDISC of the ingress qdisc (and its filters); none there is
 * not an error.  For a persistent device taken over without outbound=. */
int tc_ingress_clear(struct nl_sock *sk, int ifindex, const char *ifname,
		     struct vmtap_err *err);

#endif
