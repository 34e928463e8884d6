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
 *                   none, Debian's has it as a module) is refused with
 *                   -EOPNOTSUPP naming the option; no IFB redirect (an IFB
 *                   device outlives the tap, and nothing would delete it).
 *
 * Contract: each call is a fixed number of requests (named below), returns
 * 0 or the kernel's -errno with one line naming the tap and the step, and
 * undoes nothing: the qdiscs, the filter and its action go with the tap.
 * A limit with rate 0 is a caller's mistake (-EINVAL). */
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

/* Two requests: RTM_NEWQDISC ingress, RTM_NEWTFILTER u32 match-all with
 * police.  -EOPNOTSUPP "...: this kernel has no police action
 * (CONFIG_NET_ACT_POLICE)" when the action is missing. */
int tc_police_ingress(struct nl_sock *sk, int ifindex, const char *ifname,
		      const struct nic_rate *r, struct vmtap_err *err);

/* One RTM_DELQDISC of the ingress qdisc (and its filters); none there is
 * not an error.  For a persistent device taken over without outbound=. */
int tc_ingress_clear(struct nl_sock *sk, int ifindex, const char *ifname,
		     struct vmtap_err *err);

#endif
