/* provision.h — the one path from a nic_spec to a nic.
 *
 * Two steps, because a setuid helper must open device files while
 * privileged and do the rest after dropping to CAP_NET_ADMIN:
 *
 *   nic_devs_open()  open /dev/net/tun once per queue, and /dev/vhost-net
 *                    once per queue as the spec's vhost mode says
 *   provision()      make the tap, make it a bridge port, hand back a nic
 *
 * provision() is all-or-nothing: on any failure every fd is closed, and
 * since the tap is not persistent the kernel removes it and its bridge
 * port with its last fd.  Nothing is left behind. */
#ifndef VMTAP_PROVISION_H
#define VMTAP_PROVISION_H

#include "err.h"
#include "nic.h"

struct nl_sock;

struct nic_devs {
	unsigned ntun;
	int tun[VMTAP_MAX_QUEUES];
	unsigned nvhost;
	int vhost[VMTAP_MAX_QUEUES];
	/* vhost=auto went on without vhost: why (for one line on stderr). */
	struct vmtap_err vhost_skipped;
};

int nic_devs_open(const struct nic_spec *spec, struct nic_devs *devs, struct vmtap_err *err);
void nic_devs_close(struct nic_devs *devs);

/* Range and name checks of a spec, with the message a user sees. */
int nic_spec_check(const struct nic_spec *spec, struct vmtap_err *err);

/* Consumes devs (its fds move into out, or are closed on failure).  sk may
 * be NULL (a socket is opened for this call) or a daemon's long-lived
 * NETLINK_ROUTE socket. */
int provision(struct nl_sock *sk, const struct nic_spec *spec, struct nic_devs *devs,
	      struct nic *out, struct vmtap_err *err);

#endif
