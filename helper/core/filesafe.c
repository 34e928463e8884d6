/* filesafe.c — the privilege-granting file rule (see filesafe.h).  Owns
 * the list of pseudo filesystems; keeps no state, never prints. */
#include "helper/core/filesafe.h"

#include <errno.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/vfs.h>

const char *file_kind(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR:
		return "a directory";
	case S_IFIFO:
		return "a FIFO";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	case S_IFSOCK:
		return "a socket";
	default:
		return "not a regular file";
	}
}

/* A pseudo filesystem's files say root-owned and read-only whatever they
 * hold: a non-dumpable process's /proc/self files are root's, and their
 * text (comm, cmdline, environ) is the caller's to choose; a FUSE mount
 * says what its user-space server says.  Only a real filesystem's owner
 * and mode mean that root wrote the file. */
static int real_fs(int fd, const char *path, struct vmtap_err *err)
{
	static const struct {
		unsigned long magic;
		const char *name;
	} pseudo[] = {
		{ PROC_SUPER_MAGIC, "procfs" }, { SYSFS_MAGIC, "sysfs" },
		{ DEBUGFS_MAGIC, "debugfs" }, { TRACEFS_MAGIC, "tracefs" },
		{ SECURITYFS_MAGIC, "securityfs" }, { CGROUP_SUPER_MAGIC, "cgroupfs" },
		{ CGROUP2_SUPER_MAGIC, "cgroup2fs" }, { BPF_FS_MAGIC, "bpffs" },
		{ EFIVARFS_MAGIC, "efivarfs" }, { PSTOREFS_MAGIC, "pstorefs" },
		{ DEVPTS_SUPER_MAGIC, "devpts" }, { BINFMTFS_MAGIC, "binfmt_misc" },
		{ FUSE_SUPER_MAGIC, "a FUSE filesystem" },
	};
	struct statfs sf;
	size_t i;

	if (fstatfs(fd, &sf) < 0)
		return vmtap_fail(err, -errno, "%s: cannot statfs: %s", path, strerror(errno));
	for (i = 0; i < sizeof(pseudo) / sizeof(pseudo[0]); i++)
		if ((unsigned long)sf.f_type == pseudo[i].magic)
			return vmtap_fail(err, -EPERM, "%s: is on %s, whose owner and mode say nothing "
					  "of who wrote it; expected a file on a real filesystem",
					  path, pseudo[i].name);
	return 0;
}

static int fault(enum file_fault *why, enum file_fault f, int r)
{
	if (why)
		*why = f;
	return r;
}

int file_safe_check(int fd, const char *path, struct stat *st, enum file_fault *why,
		    struct vmtap_err *err)
{
	struct stat own;
	int r;

	if (!st)
		st = &own;
	if (fstat(fd, st) < 0)
		return fault(why, FILE_STAT_FAILED,
			     vmtap_fail(err, -errno, "%s: cannot stat: %s", path, strerror(errno)));
	if ((r = real_fs(fd, path, err)) < 0)
		return fault(why, r == -EPERM ? FILE_PSEUDO_FS : FILE_STAT_FAILED, r);
	if (!S_ISREG(st->st_mode))
		return fault(why, FILE_NOT_REGULAR,
			     vmtap_fail(err, -EINVAL, "%s: is %s; expected a regular file", path,
					file_kind(st->st_mode)));
	if (st->st_uid != 0)
		return fault(why, FILE_NOT_ROOT,
			     vmtap_fail(err, -EPERM, "%s: is owned by uid %lu; expected root-owned, "
					"not group/world-writable (fix: chown root:root %s)", path,
					(unsigned long)st->st_uid, path));
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return fault(why, FILE_WRITABLE,
			     vmtap_fail(err, -EPERM, "%s: is writable by group or others (mode %04o); "
					"expected root-owned, not group/world-writable (fix: chmod go-w %s)",
					path, (unsigned)(st->st_mode & 07777), path));
	return fault(why, FILE_OK, 0);
}
