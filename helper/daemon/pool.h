/* pool.h — NICs made before anyone asks for them (vmtapd --pool).
 *
 * Why: making a tap a bridge port costs the kernel time that grows with
 * the bridge's port count.  Adding a port walks the bridge's other ports
 * (promiscuity, the adjacency lists, port-state selection and, with
 * multicast snooping on, a timer per port), so on one bridge the 1000th
 * NIC costs the kernel 2-4x what the first did (`make bench`, scaling).
 * No order of requests avoids that; only doing it before the request does.
 *
 * A pool keeps SIZE NICs of QUEUES queues ready on BRIDGE.  Its own thread
 * makes them with provision() on its own netlink socket, exactly as a
 * request would have (noqueue, IPv6 off, up, a port of the bridge), and
 * makes the next one whenever one is taken or lost.  A request the pool
 * serves costs a hand-over and no RTNL at all, unless it asks for a MAC
 * (one RTM_SETLINK) — whatever the bridge's size.
 *
 * A pooled NIC is a live bridge port: frames the bridge floods reach it.
 * The daemon holds its queue fds (non-blocking, in the daemon's epoll set)
 * and reads and drops what arrives, so nothing from before the hand-over
 * reaches the NIC's owner and no ring fills with kernel memory.  At the
 * hand-over its fds leave the epoll set and become blocking again, as
 * provision() hands them out.
 *
 * What a pool serves: a create-nic for its bridge and its queue count,
 * with no ifname, no MTU or the bridge's current one, qdisc noqueue and
 * the vnet header (the defaults).  Anything else, and any request while
 * the pool is empty, takes provision()'s path as before.
 *
 * Threads: pool_new, pool_owns, pool_event, pool_take and pool_free belong
 * to the caller's one thread (the event loop); the pool's thread shares
 * with it only a mutex-guarded hand-off list. */
#ifndef VMTAP_POOL_H
#define VMTAP_POOL_H

#include <net/if.h>
#include <stdbool.h>

#include "helper/core/err.h"
#include "helper/core/nic.h"

#define POOL_MAX 8           /* --pool options */
#define POOL_SIZE_MAX 256    /* NICs kept ready per pool */
#define POOL_SIZE_DEFAULT 8
/* After a failure to make a NIC (no such bridge, bridge full, ...) the
 * thread tries that pool again this much later. */
#define POOL_RETRY_MS 5000

struct pool_cfg {
	char bridge[IFNAMSIZ];
	unsigned queues;   /* 1 .. VMTAP_MAX_QUEUES, default 1 */
	unsigned size;     /* 1 .. POOL_SIZE_MAX, default POOL_SIZE_DEFAULT */
};

#define POOL_CFG_EXPECTED "BRIDGE[,queues=1..64][,size=1..256]"

/* "br0,queues=4,size=16" -> cfg; -EINVAL with a message naming the bad
 * part and POOL_CFG_EXPECTED. */
int pool_cfg_parse(const char *arg, struct pool_cfg *out, struct vmtap_err *err);

/* -EINVAL naming the first (bridge, queues) pair that cfg[0..n-1] gives
 * twice. */
int pool_cfg_unique(const struct pool_cfg *cfg, unsigned n, struct vmtap_err *err);

struct pool;

/* The pools, not yet making NICs.  Every fd the pool holds goes into epfd
 * with a data.ptr for which pool_owns() is true.  cfg[0..n-1] name
 * distinct (bridge, queues) pairs (-EINVAL otherwise). */
int pool_new(const struct pool_cfg *cfg, unsigned n, int epfd, struct pool **out,
	     struct vmtap_err *err);

/* Starts the thread that makes the NICs.  Capabilities are per thread: a
 * daemon calls this after dropping its own, so the thread has no more
 * than the loop has. */
int pool_start(struct pool *p, struct vmtap_err *err);

/* Whether an epoll data.ptr is one of the pool's. */
bool pool_owns(const struct pool *p, const void *tag);

/* An event on one of the pool's fds: takes in NICs the thread made, reads
 * and drops frames that reached a pooled NIC.  Returns 1 with *note set
 * when a pool cannot make NICs (a warning to log), 2 when it can again (a
 * notice), else 0. */
int pool_event(struct pool *p, const void *tag, struct vmtap_err *note);

/* Whether a pool serves spec and has a NIC ready for it now (one that
 * pool_take may still find stale). */
bool pool_has(struct pool *p, const struct nic_spec *spec);

/* A ready NIC for spec, moved into *out (its tap fds only: vhost and MAC
 * are provision_ready()'s), or -ENOENT when no pool serves spec or its
 * pool is empty. */
int pool_take(struct pool *p, const struct nic_spec *spec, struct nic *out);

/* Stops the thread and closes every pooled NIC (the kernel removes them). */
void pool_free(struct pool *p);

#endif
