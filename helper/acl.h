/* acl.h — who may put a tap on which bridge.
 *
 * The file grammar is qemu-bridge-helper's (/etc/qemu/bridge.conf):
 *   allow NAME | allow all | deny NAME | deny all | include PATH | # comment
 * Default deny; deny wins over allow.  Stricter than QEMU: every file must
 * be a regular file owned by root and not group/world-writable (checked
 * with fstat on the opened fd); an include that fails is an error; includes
 * nest at most ACL_MAX_DEPTH deep; every error names file:line.
 *
 * Files are opened with the caller's credentials: the helper reads them
 * after it has become the real user, so a per-user include readable only
 * by that user works as it does in QEMU. */
#ifndef VMTAP_ACL_H
#define VMTAP_ACL_H

#include <stdbool.h>

#include "err.h"

#define ACL_MAX_DEPTH 8

struct acl;

int acl_load(const char *path, struct acl **out, struct vmtap_err *err);
bool acl_allows(const struct acl *acl, const char *bridge);
void acl_free(struct acl *acl);

#endif
