/* ifname.h — the one interface-name validator.  Every name that comes from
 * a user, a policy file or a peer goes through it before it is used. */
#ifndef VMTAP_IFNAME_H
#define VMTAP_IFNAME_H

#include <stdbool.h>

#include "helper/core/err.h"

/* 0 if name is a usable Linux interface name, else -EINVAL.
 * Rejects (never truncates): empty, IFNAMSIZ bytes or longer, "." and "..",
 * all digits, and any '/', ':', '%', whitespace, control or non-ASCII byte. */
int ifname_check(const char *name);

/* What ifname_check wants, for messages: "NAME: expected " IFNAME_EXPECTED */
#define IFNAME_EXPECTED \
	"an interface name of 1-15 bytes, no '/', ':', '%', whitespace or non-ASCII, not all digits"

/* ifname_check, and when it refuses name, the one message for a bad name
 * into err:  bad WHAT "NAME"; expected IFNAME_EXPECTED
 * (NAME shown through vmtap_show; what is "interface name" when NULL, or
 * says which name: "bridge name", "--dev").  Returns 0 or -EINVAL. */
int ifname_check_err(const char *name, const char *what, struct vmtap_err *err);

/* The ifindex of the device NAME in this network namespace, by a
 * SIOCGIFINDEX on a socket of its own: 0, -ENODEV when there is none, or
 * the errno of the socket (-EMFILE under fd exhaustion, which is not the
 * device being absent).  Not if_nametoindex: when it cannot open a socket,
 * glibc's (2.36) tries other families and leaves the errno of its last try
 * (ENOENT), so a caller would report a missing device. */
int ifname_index(const char *name, int *ifindex);

static inline bool ifname_valid(const char *name)
{
	return ifname_check(name) == 0;
}

#endif
