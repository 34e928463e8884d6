/* proto.h — vmtapd's wire protocol, version 1: one JSON object per
 * SOCK_SEQPACKET message in each direction, one reply per request, in
 * order.  Pure encoding and decoding: no socket, no policy, no printing.
 *
 * Requests (unknown keys are refused, so a typo is an error, not a default).
 * The keys of create-nic and create-persistent are the NIC fields of the
 * table that claim FRONT_NIC and FRONT_PERSIST (field.h), each in its
 * JSON type; today:
 *
 *   {"op":"hello"[,"version":1]}
 *   {"op":"create-nic","bridge":"br0"[,"queues":4][,"vhost":"auto"]
 *    [,"mac":"fe:54:00:12:34:56"][,"mtu":1500][,"ifname":"vmt-a"]
 *    [,"qdisc":"noqueue"][,"vnet_hdr":true][,"version":1]}
 *   {"op":"create-nic","macvtap":"eth0"[,"watch":"pidfd"]...}
 *   {"op":"create-persistent","ifname":"t1","bridge":"br0"[,"queues":2]
 *    [,"mac":"fe:54:00:12:34:56"][,"mtu":1500][,"qdisc":"noqueue"]
 *    [,"vnet_hdr":false][,"group":100][,"mode":"tap"][,"version":1]}
 *   {"op":"delete-persistent","ifnames":["t1","t2"][,"version":1]}
 *   {"op":"release-nic","ifname":"vmt5e6f7a8b"[,"version":1]}
 *
 * release-nic deletes now a macvtap the daemon made and watches (in its
 * own network namespace), instead of when its process exits: the client
 * whose uid it was made for, or uid 0, after QEMU let go of it (`vmtap
 * unplug`).  The name is kept in names[0] (nnames 1).
 *
 * "watch" is the request's, not the NIC's (no row of the table): with a
 * macvtap only, it says a pidfd rides with the request (SCM_RIGHTS, after
 * the "netns" fd when both are there), of the process whose exit deletes
 * the macvtap instead of the client's (the daemon checks it: watch.h).
 *
 * A persistent device is always the caller's (its owner is the uid the
 * daemon takes the client for), so there is no "owner" key; "mode" may only
 * be "tap": a tun device has no bridge, and the policy speaks of bridges.
 *
 * Replies:
 *
 *   hello       {"version":1,"versions":[1],"server":"vmtapd 0.2.0",
 *                "ops":["hello","create-nic","create-persistent",
 *                       "delete-persistent","release-nic"],"uid":1000,"gid":1000,
 *                "limits":{"queues":8,"nics":32,"connections":64},
 *                "bridges":[{"bridge":"br0","untagged":true,"vlans":"",
 *                            "require":[]},
 *                           {"bridge":"all","untagged":false,
 *                            "vlans":"10,20-29","require":["isolated"]}],
 *                "bridges_truncated":false,
 *                "usage":{"nics":1,"connections":1},
 *                "bandwidth":{"inbound":{"max":"100mbit","default":"10mbit"},
 *                             "outbound":{"max":null,"default":null}}}
 *               (a limit that does not apply is null; "bridges" is
 *               acl_grants' list for the client, "all" standing for every
 *               bridge not named, cut past VMTAPD_HELLO_BRIDGES entries or
 *               VMTAPD_REPLY_MAX bytes; "usage": NICs counted against the
 *               uid as `limit nics` counts them, connections of the uid;
 *               "bandwidth": per direction, the `limit` maximum and the
 *               limit a NIC that asks for none gets (the `default` cut to
 *               the maximum, else the maximum), in a request's words
 *               (RATE[:PEAK][:BURST]), null for none.
 *               The keys after "limits" are new in 0.2.0: a decoder takes a
 *               reply without them, and ignores keys it does not know)
 *   create-nic  the helper's extended reply header (reply.h), plus
 *               "warning" when vhost=auto went on without vhost-net; its
 *               SCM_RIGHTS carry the "queues" tap fds then the "vhost"
 *               vhost-net fds
 *   create-persistent
 *               {"version":1,"ifname":"t1","ifindex":7,"mtu":1500,
 *                "mac":"fe:54:00:12:34:56","multi_queue":true,
 *                "owner":1000,"group":null}   (no fds)
 *   delete-persistent
 *               {"version":1,"deleted":["t1","t2"]}
 *   release-nic {"version":1,"deleted":["vmt5e6f7a8b"]} (as delete-persistent's)
 *   any error   {"version":1,"error":{"code":"EPERM","message":"..."}}
 *               code is the errno's symbolic name; message is the one line
 *               the CLI would print; no fds
 *
 * What a client sizes its buffers by: a request of at most
 * VMTAPD_REQUEST_MAX (4096) bytes, a reply of at most VMTAPD_REPLY_MAX
 * (2048) bytes with at most NIC_FDS_MAX (2 x VMTAP_MAX_QUEUES = 128) fds.
 * MSG_TRUNC and MSG_CTRUNC on a reply are errors, and every fd of a
 * refused reply is closed; a create-nic reply's fd count must be its
 * "queues" + "vhost" exactly.
 *
 * The client chooses the guest's MAC; the tap's ("mac") is by vmtap's rule
 * fe + the guest MAC's last five bytes (nic_host_mac).  QEMU takes the NIC
 * as -netdev tap,id=ID,fds=a:b[,vhost=on,vhostfds=c:d] and -device
 * virtio-net-pci,netdev=ID,mac=GUEST_MAC[,mq=on,vectors=2N+2] (N > 1
 * queues), as qemu-argv.h builds them.
 */
#ifndef VMTAP_VMTAPD_PROTO_H
#define VMTAP_VMTAPD_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "helper/core/acl.h"
#include "helper/core/err.h"
#include "helper/core/nic.h"

#define VMTAPD_PROTO_VERSION 1
/* The largest request the daemon reads; a longer one is refused whole. */
#define VMTAPD_REQUEST_MAX 4096
/* The largest reply a client must be ready for. */
#define VMTAPD_REPLY_MAX 2048

enum vmtapd_op {
	VMTAPD_OP_HELLO = 1,
	VMTAPD_OP_CREATE_NIC,
	VMTAPD_OP_CREATE_PERSISTENT,
	VMTAPD_OP_DELETE_PERSISTENT,
	VMTAPD_OP_RELEASE_NIC,
};

/* Names one delete-persistent request takes (they fit VMTAPD_REQUEST_MAX
 * with room to spare). */
#define VMTAPD_DELETE_MAX 64

struct vmtapd_request {
	enum vmtapd_op op;
	/* create-nic; create-persistent (persist set, vhost off, owner not
	 * set: the daemon sets it) */
	struct nic_spec spec;
	/* create-nic with "watch":"pidfd": a pidfd comes with the request */
	bool watch;
	/* delete-persistent: distinct, valid names; release-nic: its one */
	unsigned nnames;
	char names[VMTAPD_DELETE_MAX][IFNAMSIZ];
};

/* What a create-persistent reply says the daemon made. */
struct vmtapd_persistent {
	char ifname[IFNAMSIZ];
	int ifindex;
	unsigned mtu;
	uint8_t mac[6];
	bool multi_queue;
	uint32_t owner;
	bool has_group;
	uint32_t group;
};

/* What a hello reply says.  limits: VMTAPD_NO_LIMIT when null. */
#define VMTAPD_NO_LIMIT ((unsigned)-1)
/* Most grants a hello lists; past that (or past VMTAPD_REPLY_MAX) the list
 * is cut and "bridges_truncated" says so. */
#define VMTAPD_HELLO_BRIDGES 32
struct vmtapd_hello {
	unsigned version;
	char server[64];
	unsigned uid, gid; /* who the daemon takes the client for */
	unsigned max_queues, max_nics, max_connections;
	/* What the policy grants the client (acl_grants), and whether the
	 * list was cut.  has_bridges: the reply had the list (a daemon before
	 * it did not). */
	bool has_bridges, bridges_truncated;
	unsigned nbridges;
	struct acl_grant bridges[VMTAPD_HELLO_BRIDGES];
	/* Its usage now: NICs counted against its uid (quota.h), connections
	 * open for its uid (this one included); VMTAPD_NO_LIMIT when not said. */
	unsigned used_nics, used_connections;
	/* Its bandwidth policy (acl_bandwidth), [0] inbound, [1] outbound:
	 * the maximum and what a NIC that asks for no limit gets; rate 0 = no
	 * limit.  has_bandwidth: the reply had it (a daemon before it did
	 * not). */
	bool has_bandwidth;
	struct vmtapd_bandwidth {
		struct nic_rate max, dflt;
	} bandwidth[2];
};

/* Server side.  The defaults of an absent key are nic_spec_init's, with
 * vhost "auto".  Errors: -EPROTO (not JSON, no op, bad version),
 * -EOPNOTSUPP (unknown op), -EINVAL/-ERANGE (a key's type or value); the
 * message names the key and the value and says what was expected, in the
 * same words as the command line (field.h).  Which keys each op takes, and
 * the C client's encoding of a nic_spec, are the table's (field.h). */
int vmtapd_request_decode(const char *buf, size_t len, struct vmtapd_request *req,
			  struct vmtap_err *err);
int vmtapd_hello_encode(const struct vmtapd_hello *h, char *buf, size_t cap, size_t *len);
/* nic's header; warning may be NULL or "". */
int vmtapd_nic_encode(const struct nic *nic, const char *warning, char *buf, size_t cap,
		      size_t *len);
int vmtapd_persistent_encode(const struct vmtapd_persistent *p, char *buf, size_t cap,
			     size_t *len);
int vmtapd_deleted_encode(const struct vmtapd_request *req, char *buf, size_t cap, size_t *len);
/* neg_errno's name as the code; message cut to fit. */
int vmtapd_error_encode(int neg_errno, const char *message, char *buf, size_t cap, size_t *len);

/* Client side.  An error reply comes back as its -errno with its message
 * in err (control bytes shown as '?').  vmtapd_nic_decode fills nic's
 * facts, not its fds; nfds is how many fds came with the reply. */
int vmtapd_request_encode(const struct vmtapd_request *req, char *buf, size_t cap, size_t *len);
int vmtapd_hello_decode(const char *buf, size_t len, struct vmtapd_hello *h,
			struct vmtap_err *err);
int vmtapd_nic_decode(const char *buf, size_t len, unsigned nfds, struct nic *nic,
		      struct vmtap_err *warn, struct vmtap_err *err);
/* A create-persistent reply (which comes with no fds: nfds must be 0). */
int vmtapd_persistent_decode(const char *buf, size_t len, unsigned nfds,
			     struct vmtapd_persistent *p, struct vmtap_err *err);
/* A delete-persistent or release-nic reply (op: which, for messages); *n:
 * how many names it says were deleted. */
int vmtapd_deleted_decode(const char *op, const char *buf, size_t len, unsigned nfds,
			  unsigned *n, struct vmtap_err *err);

/* "EPERM" for -EPERM (or EPERM); "EIO" when the number has no name.  And
 * back: -errno, or -EIO for a name it does not know. */
const char *vmtapd_errno_name(int e);
int vmtapd_errno_parse(const char *name);

#endif
