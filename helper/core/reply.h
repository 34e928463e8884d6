/* reply.h — the extended helper reply: one message whose bytes are a small
 * JSON header and whose SCM_RIGHTS carry the tap fds then the vhost fds.
 *
 *   {"version":1,"ifname":"vmt1a2b3c4d","ifindex":7,"mtu":1500,
 *    "mac":"fe:54:00:12:34:56","queues":4,"vhost":4}
 *
 * "queues" tap fds come first, then "vhost" vhost-net fds (0 or queues).
 * Decoding checks every field's type and range and that the fd count
 * matches, so a client never trusts a peer blindly. */
#ifndef VMTAP_REPLY_H
#define VMTAP_REPLY_H

#include <stddef.h>

#include "helper/core/err.h"
#include "helper/core/nic.h"

#define REPLY_VERSION 1
#define REPLY_MAX 1024

/* Dumps o (which it consumes; NULL is -ENOMEM) into buf as one compact
 * line, NUL-terminated; *len excludes the NUL.  -EMSGSIZE if it does not
 * fit.  The helper's reply and vmtapd's messages are both written so. */
typedef struct json_t json_t;
int json_to_buf(json_t *o, char *buf, size_t cap, size_t *len);

/* Writes the header of nic into buf (NUL-terminated; *len excludes it). */
int reply_encode(const struct nic *nic, char *buf, size_t cap, size_t *len);

/* Parses a header into nic's facts (ifname, ifindex, mtu, mac, queues,
 * nvhost); the fds are not touched.  nfds is how many fds came with it. */
int reply_decode(const char *buf, size_t len, unsigned nfds, struct nic *nic,
		 struct vmtap_err *err);

#endif
