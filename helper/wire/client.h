/* client.h — the C client of vmtapd (protocol: proto.h).
 * Used by vmtap exec (through obtain.h), by vmtap create/delete without
 * CAP_NET_ADMIN, by the bridge helper's broker mode and by the benchmark; any front end that wants NICs from the
 * daemon starts here.
 *
 * One connection per handle, blocking calls, one request at a time.  The
 * daemon knows the caller by the credentials the kernel recorded at
 * connect() (SO_PEERCRED: the *effective* ids at that moment), never by
 * anything sent: open the handle as the user the NICs are for.  Every fd
 * received is CLOEXEC; every fd of a reply that is refused is closed
 * here. */
#ifndef VMTAP_VMTAPD_CLIENT_H
#define VMTAP_VMTAPD_CLIENT_H

#include "helper/core/err.h"
#include "helper/core/nic.h"
#include "helper/wire/proto.h"

/* How long a call waits for the daemon before giving up (-ETIMEDOUT). */
#define VMTAPD_CLIENT_TIMEOUT_S 30

struct vmtapd_client;

/* Connects to the daemon's socket at path.  -ENOENT or -ECONNREFUSED when
 * no daemon is there (nothing at path, or a socket nobody listens on): a
 * caller may then fall back to the helper.  Any other failure is an
 * error. */
int vmtapd_client_open(const char *path, struct vmtapd_client **out, struct vmtap_err *err);

int vmtapd_client_hello(struct vmtapd_client *c, struct vmtapd_hello *out,
			struct vmtap_err *err);

/* One NIC as spec says; out's fds are the caller's (CLOEXEC).  An error
 * reply is returned as its -errno with the daemon's one-line message. */
int vmtapd_client_create_nic(struct vmtapd_client *c, const struct nic_spec *spec,
			     struct nic *out, struct vmtap_err *err);

/* The same for a macvtap (spec->macvtap) that is deleted when the process
 * of pidfd exits, not when the caller does: pidfd (pidfd_open,
 * SO_PEERPIDFD) goes with the request ("watch", proto.h) and stays the
 * caller's.  The daemon refuses a pidfd of a process that is gone, of
 * another user's (but for a uid 0 caller), or an fd that is no pidfd.
 * pidfd < 0: vmtapd_client_create_nic. */
int vmtapd_client_create_nic_watched(struct vmtapd_client *c, const struct nic_spec *spec,
				     int pidfd, struct nic *out, struct vmtap_err *err);

/* A persistent tap as spec says (spec->persist; the daemon makes only tap
 * mode), owned by the caller's uid — the daemon sets that, so spec's owner
 * is not sent.  No fd comes back: the owner opens the device by name.  out
 * (may be NULL) receives what the daemon made. */
int vmtapd_client_create_persistent(struct vmtapd_client *c, const struct nic_spec *spec,
				    struct vmtapd_persistent *out, struct vmtap_err *err);

/* Deletes n (1..VMTAPD_DELETE_MAX) persistent taps the caller owns; the
 * daemon checks every name before deleting any. */
int vmtapd_client_delete_persistent(struct vmtapd_client *c, const char *const *names,
				    unsigned n, struct vmtap_err *err);

/* Deletes now the macvtap ifname that vmtapd made for the caller's uid
 * and watches (release-nic, proto.h), instead of when its process exits:
 * once QEMU has let go of it (`vmtap unplug`), so its MAC is free at once.
 * In vmtapd's own network namespace only.  A daemon before the op answers
 * -EOPNOTSUPP. */
int vmtapd_client_release_nic(struct vmtapd_client *c, const char *ifname,
			      struct vmtap_err *err);

/* The warning of the last successful create-nic ("" if none): vhost=auto
 * went on without vhost-net, and why. */
const char *vmtapd_client_warning(const struct vmtapd_client *c);

void vmtapd_client_close(struct vmtapd_client *c);

#endif
