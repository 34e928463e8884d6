/* bridge.h — links made and removed: a bridge (for tests, the demo and
 * later front ends), any link of a kind that needs no IFLA_INFO_DATA (a
 * veth for a test), one link by name, every link of an interface group.
 *
 * Contract.  Each function is the round trips named below, returns 0 or the
 * kernel's own -errno, and on failure writes one line naming the link.  A
 * name that fails ifname_check is -EINVAL before any request.  Nothing
 * here looks at what a link is: the caller decides what may be removed. */
#ifndef VMTAP_BRIDGE_BRIDGE_H
#define VMTAP_BRIDGE_BRIDGE_H

#include <stdint.h>

#include "helper/core/err.h"

struct nl_sock;

/* A link of KIND ("bridge", "veth", ...; one that needs no IFLA_INFO_DATA),
 * with MTU unless 0, brought up: one RTM_NEWLINK.  -EEXIST when NAME is
 * taken. */
int link_create(struct nl_sock *sk, const char *name, const char *kind, unsigned mtu,
		struct vmtap_err *err);

/* A bridge, up, with MTU unless 0.  Two requests when an MTU is given, so
 * that the bridge keeps it rather than following its smallest port (an MTU
 * equal to the kernel's default, 1500, still follows). */
int bridge_create(struct nl_sock *sk, const char *name, unsigned mtu, struct vmtap_err *err);

/* One RTM_DELLINK: -ENODEV "link NAME does not exist" when there is none. */
int link_delete(struct nl_sock *sk, const char *name, struct vmtap_err *err);

/* Deletes every link in interface GROUP (not 0, the default group) with one
 * RTM_DELLINK: the kernel unregisters them as one batch, which for taps
 * costs a fraction of closing each one's fds (an RCU grace period per queue
 * and per device, under RTNL).  Open fds of a deleted tap stay valid but
 * detached; closing them afterwards is cheap.  -ENODEV "no link in group N"
 * when the group is empty; -EOPNOTSUPP when one of its links cannot be
 * deleted (then none is). */
int link_delete_group(struct nl_sock *sk, uint32_t group, struct vmtap_err *err);

#endif
