/* server.h — vmtapd's event loop: one thread, one epoll, every
 * client served a request at a time in turn.
 *
 * It owns the connections (non-blocking SOCK_SEQPACKET, peer credentials
 * from SO_PEERCRED and SO_PEERGROUPS taken at accept), the policy, the
 * long-lived NETLINK_ROUTE socket handed to provision(), and the record of
 * which NICs it handed to which uid (quota.h, for `limit nics`; the daemon
 * keeps no fd of a NIC it handed out, so a NIC dies with its client's last
 * fd and the record is pruned when its ifindex is gone).  The requests
 * themselves are handlers.h's.
 *
 * Promises: a request is answered, or its client dropped, and the loop goes
 * on; a NIC is either handed over or closed (then the kernel removes the tap
 * and its bridge port); a persistent tap is made owned by the client's uid
 * (never another), and a client deletes or takes over only persistent taps
 * vmtap made that it owns; every grant, denial and failure is logged to
 * syslog with uid, pid, bridge, ifname and queues.  Requests over
 * VMTAPD_REQUEST_MAX bytes, requests carrying fds, clients that stay idle
 * or do not read their replies, and fd exhaustion (EMFILE on accept, with
 * a reserve fd) are each answered or dropped without stopping the loop.
 * A connection has at most one reply with fds unread; a client of another
 * network namespace is refused; refusal lines are rate-limited per uid.
 *
 * With --pool (pool.h) it also owns the pools: their fds are in its epoll
 * set, and a create-nic a pool serves takes a ready-made NIC, which
 * provision_ready() finishes (MAC, vhost fds) before it is handed over like
 * any other.
 *
 * Must never: block on one client; trust anything a client says about who
 * it is; keep an fd of a NIC after handing it over. */
#ifndef VMTAP_VMTAPD_SERVER_H
#define VMTAP_VMTAPD_SERVER_H

#include "helper/core/acl.h"
#include "helper/core/err.h"
#include "helper/daemon/pool.h"

#define VMTAPD_IDLE_TIMEOUT_S 60 /* a connection with no request in flight */
#define VMTAPD_SEND_TIMEOUT_S 10 /* a reply its client does not read */

struct vmtapd_server_opts {
	int listen_fd;           /* a listening SOCK_SEQPACKET socket (taken) */
	int signal_fd;           /* signalfd: TERM/INT stop, HUP reloads (taken) */
	const char *config_path; /* the policy file, for messages and reloads */
	struct acl *acl;         /* the policy, loaded from it (taken) */
	unsigned idle_timeout_s; /* 0 = VMTAPD_IDLE_TIMEOUT_S */
	unsigned send_timeout_s; /* 0 = VMTAPD_SEND_TIMEOUT_S */
	const struct pool_cfg *pools; /* --pool: NICs made ahead (pool.h) */
	unsigned npools;
};

struct vmtapd_server;

/* On failure every fd in o has been closed and the acl freed. */
int vmtapd_server_new(const struct vmtapd_server_opts *o, struct vmtapd_server **out,
		      struct vmtap_err *err);

/* Serves until SIGTERM or SIGINT arrives; returns that signal's number, or
 * -errno if the loop itself broke (epoll failing). */
int vmtapd_server_run(struct vmtapd_server *s, struct vmtap_err *err);

/* Drops every client (closing any NIC not yet handed over) and closes
 * everything the server holds. */
void vmtapd_server_free(struct vmtapd_server *s);

#endif
