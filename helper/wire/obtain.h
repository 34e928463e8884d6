/* obtain.h — how an unprivileged front end gets a NIC: from vmtapd when
 * its socket answers, else by running vmtap-bridge-helper in its extended
 * mode over a socketpair.  Either way the result is a nic whose fds are
 * this process's (CLOEXEC), checked against the header that came with
 * them. */
#ifndef VMTAP_OBTAIN_H
#define VMTAP_OBTAIN_H

#include "helper/core/err.h"
#include "helper/core/nic.h"

#define VMTAPD_SOCKET "/run/vmtap/vmtapd.sock"

/* Broker mode: while vmtapd answers on VMTAPD_SOCKET, vmtap-bridge-helper
 * gets every tap from it, under vmtapd's policy, and bridge.conf does not
 * apply.  The admin turns that off by creating this file (any content;
 * root-owned, not writable by group or others, like every policy file).
 * Only a file in root's /etc decides it, never the caller's environment or
 * argv: switching between two policies the admin wrote is the admin's
 * choice, since either may be the wider one for a given user. */
#ifndef VMTAP_NO_BROKER_FILE
#define VMTAP_NO_BROKER_FILE "/etc/vmtap/no-broker"
#endif

/* 1 when VMTAP_NO_BROKER_FILE turns broker mode off, 0 when it is absent,
 * -errno with one line in err when it exists but is not to be trusted (not
 * root's, writable by others, unreadable): then neither policy is
 * guessed. */
int broker_mode_off(struct vmtap_err *err);

struct obtain_opts {
	const char *socket_path; /* vmtapd; NULL = VMTAPD_SOCKET */
	const char *helper_path; /* NULL = helper_default_path() */
	/* A macvtap deleted when the process of watch_pidfd exits (the QEMU
	 * that will hold its fds), not this one: only vmtapd watches a
	 * process, so then there is no fallback to the helper or to root's
	 * own rights (nobody would delete the macvtap). */
	bool watch;
	int watch_pidfd;
};

/* --helper, else a vmtap-bridge-helper next to this program (running
 * from the build tree), else the compiled-in libexec path. */
const char *helper_default_path(void);

/* warn receives a line the provider printed without failing (e.g. vhost
 * auto going on without /dev/vhost-net), for main to print. */
int nic_obtain(const struct obtain_opts *o, const struct nic_spec *spec, struct nic *out,
	       struct vmtap_err *warn, struct vmtap_err *err);

int nic_from_helper(const char *helper, const struct nic_spec *spec, struct nic *out,
		    struct vmtap_err *warn, struct vmtap_err *err);

#endif
