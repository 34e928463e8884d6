/* ids.h — users and groups: the one rule for reading a user or group
 * given by name or number, and the one group-membership test. */
#ifndef VMTAP_IDS_H
#define VMTAP_IDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "helper/core/err.h"

/* s as a uid (group false) or gid (group true), POSIX chown's rule: a name
 * the user/group database (NSS) knows wins, even an all-digit one; else a
 * decimal number 0..4294967294 is taken as the id itself, with or without
 * an account (containers, ids made for a VM).  4294967295 is (uid_t)-1,
 * "no change" to the kernel, never an id.  (iproute2's `ip tuntap user`
 * reads digits first; chown and the policy files read names first, and
 * an account named like a number is then the one meant.)
 * Returns 0, or -ENOENT with one line in err:
 *   no user "x"; expected a user name or a numeric uid
 * (x shown through vmtap_show; "group"/"gid" for a group).  Never prints;
 * safe in threads (the _r lookups). */
int id_resolve(bool group, const char *s, unsigned *out, struct vmtap_err *err);

/* True when gid is primary or one of the n supplementary groups: the one
 * membership test (policy subjects, --group through vmtapd). */
bool id_in_groups(uint32_t gid, gid_t primary, const gid_t *groups, size_t n);

/* id_in_groups for this process: its effective gid and supplementary
 * groups (what the kernel records for it at connect(), so what vmtapd
 * will see).  False when the groups cannot be read. */
bool id_self_in_group(uint32_t gid);

#endif
