/* ifb.h — the IFB device behind an outbound limit on a kernel without the
 * police action (README, "Bandwidth limits"; tc.h makes the limit).
 *
 * Owns: the IFB's name and mark, making one, deleting one, finding the
 * ones whose tap is gone (reaping), and the RTNLGRP_LINK monitor with
 * which vmtapd deletes an IFB as soon as its tap goes.
 *
 * Why a mark and a reaper: a tap goes with its last fd, an IFB does not.
 * The IFB of the tap with ifindex N is named IFB_NAME_PREFIX "N" (at most
 * 15 bytes for any ifindex; never a name vmtap gives a tap, "vmt" + 8 hex
 * digits, as 'i' is no hex digit) and marked (IFLA_IFALIAS)
 * IFB_MARK_PREFIX "N:TAPNAME": the tap's ifindex and name, so that a tap
 * made later with a reused ifindex is not taken for its owner.  An IFB is
 * stale when no tap has that ifindex and that name.
 *
 * Promises: only an IFB (kind "ifb") that carries the mark is ever
 * deleted, and only by its own ifindex; a link without the mark, whatever
 * its name or kind, is never touched.  Every function returns 0 or the
 * kernel's -errno with one line in err; never prints.
 *
 * The one window: the mark is a second request after the RTM_NEWLINK (the
 * kernel ignores IFLA_IFALIAS in a new link's message), so a process
 * killed between the two leaves an unmarked IFB, which nothing deletes;
 * the next tap with that ifindex is refused (-EEXIST naming it). */
#ifndef VMTAP_BRIDGE_IFB_H
#define VMTAP_BRIDGE_IFB_H

#include <stdbool.h>

#include "helper/core/err.h"

struct nl_sock;

#define IFB_NAME_PREFIX "vmtib"
#define IFB_MARK_PREFIX "vmtap:ifb:"

/* IFB_NAME_PREFIX + tap_ifindex (buf of IFNAMSIZ). */
void ifb_name(int tap_ifindex, char buf[16]);

/* The tap an IFB's alias marks: true for IFB_MARK_PREFIX "N:NAME" with a
 * valid interface name. */
bool ifb_mark_owner(const char *alias, int *tap_ifindex, char tap_name[16]);

/* Makes the tap's IFB: RTM_NEWLINK kind ifb (down), its IPv6 off (the
 * sysctl, as a port's), one RTM_SETLINK with the mark and IFF_UP.  A
 * marked IFB of that name left by a tap that had this ifindex (a stale
 * one, or this persistent tap's own from before) is deleted first; one
 * without the mark is -EEXIST naming it.  -EOPNOTSUPP when the kernel has
 * no ifb (CONFIG_IFB).  On failure nothing is left.  *ifindex: the IFB's. */
int ifb_make(struct nl_sock *sk, int tap_ifindex, const char *tap_name, int *ifindex,
	     struct vmtap_err *err);

/* Deletes the tap's IFB if there is one and it is marked for that tap
 * (ifindex and name): a provisioning that failed, a persistent tap deleted
 * or taken over without outbound=.  0 also when there is none.  Two
 * requests at most. */
int ifb_delete_for(struct nl_sock *sk, int tap_ifindex, const char *tap_name,
		   struct vmtap_err *err);

/* Every marked IFB of sk's namespace whose tap is gone (two dumps: the
 * IFBs, then the tun devices — in that order, so that an IFB made during
 * the dumps is never taken for stale).  With del, each is deleted (one
 * RTM_DELLINK each; one that vanished meanwhile is not an error).  *n:
 * how many; names: the first of them, ", "-separated, for messages (NULL
 * for none). */
int ifb_reap(struct nl_sock *sk, bool del, unsigned *n, char *names, size_t cap,
	     struct vmtap_err *err);

/* ---- vmtapd: the tap's RTM_DELLINK deletes its IFB --------------------- */

/* A NETLINK_ROUTE socket in RTNLGRP_LINK, CLOEXEC and non-blocking, with a
 * socket filter that lets RTM_DELLINK alone through (a host with many VMs
 * sends many RTM_NEWLINKs).  *fd: the caller's, for its epoll set. */
int ifb_monitor_open(int *fd, struct vmtap_err *err);

/* sk's namespace has a monitor in this process (vmtapd's socket, in the
 * daemon's own namespace): tc_limit_outbound through sk skips its reap,
 * two link dumps that grow with the host's NICs, since the monitor
 * deletes each IFB as its tap goes.  Every other socket (the setuid
 * helper's, vmtap's, a netns= thread's) still reaps. */
void ifb_watched(struct nl_sock *sk);
bool ifb_is_watched(const struct nl_sock *sk);

/* Reads every pending notification of fd: for the RTM_DELLINK of a tun
 * device, ifb_delete_for() its IFB; when the socket overran (ENOBUFS:
 * notifications were lost), ifb_reap() instead.  *deleted: how many IFBs
 * went.  Never blocks. */
int ifb_monitor_event(int fd, struct nl_sock *sk, unsigned *deleted, struct vmtap_err *err);

#endif
