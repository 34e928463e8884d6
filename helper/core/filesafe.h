/* filesafe.h — the one rule for a file that grants privilege: the bridge
 * ACL and its includes, vmtapd.conf (acl.c reads them; `vmtap doctor`
 * judges them by the same function, so it cannot pass a file the
 * programs refuse, nor the reverse). */
#ifndef VMTAP_FILESAFE_H
#define VMTAP_FILESAFE_H

#include <sys/stat.h>

#include "helper/core/err.h"

/* Which part of the rule a file breaks, for a caller that suggests a fix. */
enum file_fault {
	FILE_OK,
	FILE_STAT_FAILED,  /* fstat or fstatfs failed (-errno) */
	FILE_PSEUDO_FS,    /* procfs, sysfs, FUSE...: owner and mode mean nothing */
	FILE_NOT_REGULAR,  /* a directory, FIFO, device, socket */
	FILE_NOT_ROOT,     /* not owned by uid 0 */
	FILE_WRITABLE,     /* writable by group or others */
};

/* Checks the opened fd, never the path (what is checked is what is read):
 * a regular file on a real filesystem, owned by root, not writable by
 * group or others — in that order, the first fault wins.  Returns 0, or
 * -EPERM (-EINVAL for not a regular file, -errno when fstat/fstatfs fail)
 * with one line in err that names path and the fault.  st (may be NULL)
 * gets fstat's answer, why (may be NULL) the fault.  Never prints. */
int file_safe_check(int fd, const char *path, struct stat *st, enum file_fault *why,
		    struct vmtap_err *err);

/* "a directory", "a FIFO"... for a mode that is not a regular file. */
const char *file_kind(mode_t mode);

#endif
