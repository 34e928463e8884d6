/* spec-set.h — one field of a nic_spec from the text a user typed.  The
 * helper's argv (--queues=4), vmtap's NIC SPECs (queues=4) and any later
 * front end share it, so a value is accepted or refused, with the same
 * words, wherever it is typed. */
#ifndef VMTAP_SPEC_SET_H
#define VMTAP_SPEC_SET_H

#include "helper/core/err.h"
#include "helper/core/nic.h"

/* KEY is one of bridge, ifname, queues, vhost, mac, mtu, qdisc; AS is how
 * the user spelled it ("--br", "queues"), for the refusal, which reads
 * "AS=VALUE: expected ...".  -ENOENT, with no message, for a key it does
 * not know. */
int nic_spec_set(struct nic_spec *s, const char *key, const char *as, const char *value,
		 struct vmtap_err *err);

#endif
