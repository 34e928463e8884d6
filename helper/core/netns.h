/* netns.h — NICs made in another network namespace (nic_spec's netns=;
 * README, "NICs in another network namespace").
 *
 * The kernel makes a tun device in the namespace of whoever opened
 * /dev/net/tun (tun_chr_open records current's netns), and a
 * NETLINK_ROUTE socket speaks to the namespace it was made in.  So
 * netns_make_nic() does nic_devs_open + rtnl_open + provision + rtnl_close
 * on a short-lived thread of its own that setns()'d into the target
 * first: setns is per thread, so the caller's thread — vmtapd's event
 * loop — never leaves its namespace, and there is nothing to "come back"
 * from on any failure (the thread's namespace goes with the thread).  The
 * fds come back to the caller as usual: an fd works from any namespace.
 *
 * setns(CLONE_NEWNET) needs CAP_SYS_ADMIN over the target (and in our own
 * user namespace).  A process that holds it in its permitted set only
 * (vmtapd --netns, priv.h) gets it effective on that thread alone, for
 * that thread's life.
 *
 * Who may: netns_open() is for a caller that opens the path itself, with
 * its own rights (root's local front ends, and any vmtapd client, which
 * sends the fd).  netns_client_may() is vmtapd's rule for an fd a client
 * sent: never a path the daemon opens on a client's behalf.
 *
 * A macvtap (macvtap=) goes there too, on a parent of that namespace:
 * its queues are opened by the MAJ:MIN a sysfs of that namespace shows
 * (macvtap.h), and vmtapd deletes it there (netns_macvtap_delete_owned)
 * when its process exits.
 *
 * Must never: print; leave a device or an fd behind on failure. */
#ifndef VMTAP_NETNS_H
#define VMTAP_NETNS_H

#include <stdint.h>
#include <sys/types.h>

#include "helper/core/err.h"
#include "helper/core/nic.h"

/* Where a netns= text lives: a name is /run/netns/NAME (ip netns); a path
 * is itself.  -ENAMETOOLONG for no room. */
int netns_path(const char *text, char *buf, size_t cap);

/* Opens netns= text (netns_path) O_RDONLY|O_CLOEXEC as the caller, and
 * checks it is a network namespace (netns_check).  *fd is the caller's. */
int netns_open(const char *text, int *fd, struct vmtap_err *err);

/* 0 when fd is a namespace file of a network namespace (NS_GET_NSTYPE);
 * -EINVAL naming what (the client's text) when it is anything else. */
int netns_check(int fd, const char *what, struct vmtap_err *err);

/* vmtapd's rule for a namespace fd a client sent with its request: a
 * network namespace whose owning user namespace is owned by the client's
 * uid (NS_GET_USERNS, then NS_GET_OWNER_UID) — a namespace the client made
 * with unshare -Urn has all the client's rights there already — or any
 * network namespace for uid 0.  -EPERM naming both uids otherwise. */
int netns_client_may(int fd, uid_t client, const char *what, struct vmtap_err *err);

/* nic_devs_open + provision(spec, as) inside the network namespace fd, on
 * a thread of its own (see the top).  Same contract as the two: on
 * success nic is the made NIC, its fds this process's; on failure nothing
 * is left, in either namespace.  skipped as nic_devs_open's. */
int netns_make_nic(int fd, const struct nic_spec *spec, uint32_t as, struct nic *nic,
		   struct vmtap_err *skipped, struct vmtap_err *err);

/* netns_make_nic for a spec that may name a parent (macvtap=): the
 * macvtap is made on that namespace's parent, marked for owner (0: this
 * process; macvtap.h), and its queues opened by the MAJ:MIN a sysfs of
 * that namespace shows (macvtap_sysfs_open: one more use of
 * CAP_SYS_ADMIN on the same thread).  All or nothing as the other. */
int netns_make_macvtap(int fd, const struct nic_spec *spec, uint32_t as, pid_t owner,
		       struct nic *nic, struct vmtap_err *skipped, struct vmtap_err *err);

/* macvtap_delete_owned inside the network namespace fd: what vmtapd's
 * watch does when the owner of a macvtap it made there exits. */
int netns_macvtap_delete_owned(int fd, int ifindex, pid_t pid, struct vmtap_err *err);

#endif
