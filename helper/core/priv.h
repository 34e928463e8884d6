/* priv.h — the privilege life cycle of a helper that may be setuid root or
 * carry file capabilities:
 *
 *   priv_std_fds    first thing in main: 0-2 open (on /dev/null if not)
 *   priv_enter      record who called us; close inherited fds; 0-2 open
 *   (open /dev/net/tun and /dev/vhost-net while still privileged)
 *   priv_keep_net_admin   become the real user with CAP_NET_ADMIN only,
 *                   no_new_privs, not dumpable
 *   (read the policy as that user, make the tap)
 *   priv_drop_all   no capabilities left, before talking to QEMU
 */
#ifndef VMTAP_PRIV_H
#define VMTAP_PRIV_H

#include <stdbool.h>
#include <sys/types.h>

#include "helper/core/err.h"

/* Opens each of fds 0-2 that is closed on /dev/null, so that no socket,
 * signalfd or policy file opened later becomes "stdin" or "stderr" (and a
 * later dup2 of /dev/null over 0-2, or a message to stderr, lands on it).
 * Every main calls it first, before anything opens an fd.  0 or -errno;
 * with stdio closed there is nobody to tell, so a main just exits. */
int priv_std_fds(void);

struct priv {
	uid_t uid;     /* the caller: real ids, recorded once at entry */
	gid_t gid;
	uid_t euid;    /* what we were started with, recorded at entry too */
	gid_t egid;
	bool setuid;   /* euid 0 and real uid not 0 */
};

/* Records ids, makes sure fds 0-2 are open (on /dev/null if not, so that a
 * later open cannot become "stderr"), and closes every other fd except
 * keep_fd (-1 for none).  -EPERM, with the message that says how to
 * install the helper, when CAP_NET_ADMIN is not in the permitted set. */
int priv_enter(struct priv *p, int keep_fd, struct vmtap_err *err);

/* priv_enter without the CAP_NET_ADMIN check, for a helper that may not
 * need it (broker mode: vmtapd does the privileged work). */
int priv_enter_unchecked(struct priv *p, int keep_fd, struct vmtap_err *err);

/* -EPERM, with the message that says how to install the helper, when
 * CAP_NET_ADMIN is not in the permitted set. */
int priv_check_net_admin(struct vmtap_err *err);

/* fd must be > 2 and an AF_UNIX socket. */
int priv_check_unix_fd(int fd, struct vmtap_err *err);

/* Keeps CAP_NET_ADMIN only (effective + permitted), clears the bounding set
 * where we may, becomes the real uid/gid (supplementary groups are the
 * caller's own and stay, so a group-readable policy include works), sets
 * PR_SET_NO_NEW_PRIVS and keeps the process non-dumpable.  -EPERM with a
 * message when the program was given no way to get CAP_NET_ADMIN. */
int priv_keep_net_admin(const struct priv *p, struct vmtap_err *err);

/* Drops every capability. */
int priv_drop_all(struct vmtap_err *err);

/* A setuid-root helper acting as its caller for a moment: the kernel
 * records a unix socket peer's *effective* ids at connect() (SO_PEERCRED),
 * so a connect to vmtapd must happen between priv_as_caller and
 * priv_as_self, or the daemon would see root.  Effective ids only (the
 * saved uid stays 0, so priv_as_self can return); no-ops unless setuid. */
int priv_as_caller(const struct priv *p, struct vmtap_err *err);
int priv_as_self(const struct priv *p, struct vmtap_err *err);

/* Becomes the caller for good (real, effective and saved ids), with no
 * capabilities left (bounding set emptied where we may) and no_new_privs. */
int priv_drop_to_caller(const struct priv *p, struct vmtap_err *err);

/* vmtapd: keeps its uid but only CAP_NET_ADMIN (effective + permitted),
 * empties the bounding set when it may (CAP_SETPCAP), and sets
 * no_new_privs.  -EPERM with a
 * message when CAP_NET_ADMIN is not effective to begin with.  With netns
 * (vmtapd --netns) CAP_SYS_ADMIN stays permitted, never effective: setns
 * into a client's namespace needs it, and netns.c raises it on a thread
 * of its own for that alone. */
int priv_daemon_keep_net_admin(bool netns, struct vmtap_err *err);

#endif
