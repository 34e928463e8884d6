/* tcread.h — a device's bandwidth limits as the kernel has them, read back
 * over rtnetlink (no tc fork): what tc.h sets, for `vmtap list`.
 *
 *   inbound   (to the guest) the rate of a tbf root qdisc on the device
 *   outbound  (from the guest) on the device's ingress qdisc, the first
 *             filter whose actions limit: a police action (its rate), or a
 *             mirred redirect to another device (an IFB), whose own tbf
 *             root qdisc's rate is the limit
 *
 * Whoever set them (vmtap, or tc by hand): this reports what is there,
 * not whether vmtap put it.  Reading needs no privilege.  Never prints. */
#ifndef VMTAP_BRIDGE_TCREAD_H
#define VMTAP_BRIDGE_TCREAD_H

#include <stddef.h>
#include <stdint.h>

#include "helper/core/err.h"
#include "helper/core/rate.h"

struct nl_sock;

struct tc_limits {
	struct nic_rate inbound;  /* rate 0: none */
	struct nic_rate outbound; /* rate 0: none (peak and burst not read) */
};

/* Fills out[i] for ifindex[i], i < n: one qdisc dump of the namespace,
 * then one filter dump per device of them that has an ingress qdisc.  0
 * or -errno with one line (a dump the kernel kept interrupting is tried
 * three times, then -EAGAIN). */
int tc_limits_read(struct nl_sock *sk, const int *ifindex, size_t n, struct tc_limits *out,
		   struct vmtap_err *err);

#endif
