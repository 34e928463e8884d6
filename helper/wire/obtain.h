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

struct obtain_opts {
	const char *socket_path; /* vmtapd; NULL = VMTAPD_SOCKET */
	const char *helper_path; /* NULL = helper_default_path() */
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
