/* ptap.h — a persistent tap made or deleted the one way this process may:
 * itself when it has CAP_NET_ADMIN (provision.h, as root), else by asking
 * vmtapd (create-persistent, delete-persistent: the daemon's policy
 * decides by our uid, quota and defaults apply, and the tap is always
 * ours).  vmtap create/delete and attach/detach all go through here, so
 * the rules of the daemon's way (--owner only us, --group only one of
 * ours, no --netns, no --force) are worded once.
 *
 * Never prints: 0 or -errno with one line in err.  With neither
 * CAP_NET_ADMIN nor a daemon answering, the line names the command and
 * says it needs one of them, before anything is made. */
#ifndef VMTAP_CLI_PTAP_H
#define VMTAP_CLI_PTAP_H

#include <net/if.h>
#include <stdbool.h>

#include "helper/core/err.h"
#include "helper/core/nic.h"

struct ptap {
	const char *cmd;  /* "vmtap create": who is speaking, in messages */
	const char *sock; /* vmtapd's socket */
	bool local;       /* CAP_NET_ADMIN (effective): the kernel, not vmtapd */
};

/* Decides the way once, from our effective capabilities; without
 * CAP_NET_ADMIN it also knocks at the daemon's socket, so that a command
 * with more to do (attach: libvirt) says first that neither way is open
 * (-ENOENT or -ECONNREFUSED with the one line). */
int ptap_init(struct ptap *p, const char *cmd, const char *sock, struct vmtap_err *err);

/* Makes spec's persistent tap (spec->persist set), or brings one vmtap
 * made back to spec.  spec->ifname "" picks a fresh VMTAP_IFNAME_PREFIX +
 * 8 hex digits name.  owner_arg / group_arg are the words the user typed
 * for spec's owner and group (NULL or "": say the id), for messages.
 * name receives the device's name; *made whether it did not exist before
 * this call, so a caller that undoes exactly what it made deletes it only
 * then.  spec may be changed (the daemon's way clears its owner: the
 * daemon sets it). */
int ptap_make(const struct ptap *p, struct nic_spec *spec, const char *owner_arg,
	      const char *group_arg, char name[IFNAMSIZ], bool *made, struct vmtap_err *err);

/* Whether name is one ptap_delete would delete: locally persistent_check
 * as root; the daemon's way the check the daemon makes for our uid (it
 * reads only what any user may read), so a caller may ask before doing
 * what cannot be undone (detach unplugs, then deletes). */
int ptap_check(const struct ptap *p, const char *name, bool force, struct vmtap_err *err);

/* Deletes n persistent taps: every name is checked before any is deleted
 * (the daemon does the same with the names it is sent).  Locally, once
 * all passed, every one is tried and the first failure is returned. */
int ptap_delete(const struct ptap *p, const char *const *names, unsigned n, bool force,
		struct vmtap_err *err);

#endif
