/* macvtap.h — a macvtap link made on a parent (an uplink): one
 * RTM_NEWLINK of kind "macvtap".  Knows nothing about QEMU, policies or
 * who owns the link (helper/core/macvtap.c decides all of that).
 *
 * Contract.  One round trip; 0 or the kernel's own -errno with one line
 * naming the link, its parent and the kernel's extended-ack text.  A name
 * that fails ifname_check is -EINVAL before any request.  Nothing here
 * undoes anything: on a later failure the caller deletes the link
 * (link_delete, bridge.h). */
#ifndef VMTAP_BRIDGE_MACVTAP_H
#define VMTAP_BRIDGE_MACVTAP_H

#include <stdint.h>

#include "helper/core/err.h"

struct nl_sock;

struct macvtap_link {
	const char *name;     /* the new link's name */
	int parent_ifindex;   /* IFLA_LINK */
	const char *parent;   /* for messages */
	uint32_t mode;        /* MACVLAN_MODE_* (linux/if_link.h) */
	uint8_t mac[6];       /* IFLA_ADDRESS: the guest's MAC */
	unsigned mtu;         /* 0: the parent's */
};

/* Makes the link, down.  -EEXIST when its name is taken; -EADDRINUSE
 * (the kernel's) when a macvlan/macvtap on that parent has the MAC, or
 * passthru is asked on a parent that has one already. */
int macvtap_create(struct nl_sock *sk, const struct macvtap_link *m, struct vmtap_err *err);

#endif
