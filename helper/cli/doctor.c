/* doctor.c — the checks of `vmtap doctor` and the isolated vhost self-test
 * (see doctor.h).
 *
 * Every check says what it found in words a user can act on, and a fix
 * that is one command or one sentence.  Checks that need privileges the
 * caller lacks (opening a root-only device, reading a root-only file) are
 * warnings that say so, never guesses.
 *
 * Must never change the host: no modprobe, no chmod, no interface in the
 * caller's namespace.  The self-test makes its bridge and NIC only after
 * unshare(CLONE_NEWNET) in a child of its own. */
#include "helper/cli/doctor.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/if_tun.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>

#include "helper/core/acl.h"
#include "helper/core/filesafe.h"
#include "helper/core/macvtap.h"
#include "helper/core/nic.h"
#include "helper/wire/obtain.h"
#include "bridge/port.h"
#include "helper/core/provision.h"
#include "helper/core/tap.h"
#include "vhost/vhost.h"

#ifndef VMTAP_ACL_FILE
#define VMTAP_ACL_FILE "/etc/qemu/bridge.conf"
#endif

/* Supplementary groups doctor counts for a user (a policy's group rules
 * beyond them are not seen). */
#define DOCTOR_MAX_GROUPS 1024

/* What later checks need to know from earlier ones. */
struct facts {
	bool helper_setuid;     /* setuid root: opens devices as root */
	bool helper_filecap;    /* cap_net_admin+ep: opens them as the caller */
	bool policy_present;
	struct acl *acl;        /* NULL when missing or broken */
	struct acl *dacl;       /* vmtapd's policy as vmtapd parses it; NULL likewise */
	bool broker;            /* vmtapd answers and broker mode is on: the helper
				 * relays, vmtapd's policy decides, bridge.conf does not */
	bool who_known;         /* peer below is filled in */
	struct acl_peer peer;   /* whose policy: --user, else the caller */
	gid_t groups[DOCTOR_MAX_GROUPS];
	char who[96];           /* "uid 1000 (alice)" */
	struct acl_grant *grants; /* in broker mode: what vmtapd's policy grants peer */
	size_t ngrants;
};

struct doctor_check *doctor_add(struct doctor_report *rep, const char *name,
			       enum doctor_status st, const char *fix, const char *fmt, ...)
{
	struct doctor_check *c;
	va_list ap;

	if (rep->n == DOCTOR_MAX_CHECKS)
		return NULL;
	c = &rep->check[rep->n++];
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->status = st;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
	snprintf(c->fix, sizeof(c->fix), "%s", st == DOCTOR_OK || !fix ? "" : fix);
	return c;
}

const char *doctor_status_name(enum doctor_status s)
{
	return s == DOCTOR_OK ? "ok" : s == DOCTOR_WARN ? "warn" : "fail";
}

enum doctor_status doctor_worst(const struct doctor_report *rep)
{
	enum doctor_status w = DOCTOR_OK;
	unsigned i;

	for (i = 0; i < rep->n; i++)
		if (rep->check[i].status > w)
			w = rep->check[i].status;
	return w;
}

/* "crw-rw---- root:kvm" */
static const char *describe_mode(const struct stat *st, char *buf, size_t n)
{
	static const char rwx[] = "rwxrwxrwx";
	char perms[11], uname[32], gname[32];
	struct passwd *pw = getpwuid(st->st_uid);
	struct group *gr = getgrgid(st->st_gid);
	int i;

	perms[0] = S_ISCHR(st->st_mode) ? 'c' : S_ISREG(st->st_mode) ? '-' :
		   S_ISDIR(st->st_mode) ? 'd' : S_ISSOCK(st->st_mode) ? 's' : '?';
	for (i = 0; i < 9; i++)
		perms[1 + i] = (st->st_mode & (0400 >> i)) ? rwx[i] : '-';
	if (st->st_mode & S_ISUID)
		perms[3] = (st->st_mode & S_IXUSR) ? 's' : 'S';
	if (st->st_mode & S_ISGID)
		perms[6] = (st->st_mode & S_IXGRP) ? 's' : 'S';
	perms[10] = '\0';
	if (pw)
		snprintf(uname, sizeof(uname), "%s", pw->pw_name);
	else
		snprintf(uname, sizeof(uname), "%u", (unsigned)st->st_uid);
	if (gr)
		snprintf(gname, sizeof(gname), "%s", gr->gr_name);
	else
		snprintf(gname, sizeof(gname), "%u", (unsigned)st->st_gid);
	snprintf(buf, n, "%s %s:%s", perms, uname, gname);
	return buf;
}

/* ---- the helper ------------------------------------------------------- */

/* security.capability (struct vfs_cap_data, linux/capability.h): does it
 * grant cap_net_admin in the permitted set with the effective bit? */
static bool has_net_admin_filecap(const char *path)
{
	struct vfs_ns_cap_data d; /* revision 3 is the largest layout */
	ssize_t n = getxattr(path, "security.capability", &d, sizeof(d));
	uint32_t magic;

	if (n < (ssize_t)XATTR_CAPS_SZ_2)
		return false;
	magic = le32toh(d.magic_etc);
	if ((magic & VFS_CAP_REVISION_MASK) != VFS_CAP_REVISION_2 &&
	    (magic & VFS_CAP_REVISION_MASK) != VFS_CAP_REVISION_3)
		return false;
	return (magic & VFS_CAP_FLAGS_EFFECTIVE) &&
	       (le32toh(d.data[CAP_TO_INDEX(CAP_NET_ADMIN)].permitted) &
		CAP_TO_MASK(CAP_NET_ADMIN));
}

static void check_helper(struct doctor_report *rep, const char *path, struct facts *f)
{
	struct statvfs sv;
	struct stat st;
	char m[80], fix[320];

	if (stat(path, &st) < 0) {
		doctor_add(rep, "helper", DOCTOR_FAIL,
		    "install it (make install), or name it with --helper PATH",
		    "%s: %s", path, strerror(errno));
		return;
	}
	describe_mode(&st, m, sizeof(m));
	if (!S_ISREG(st.st_mode)) {
		doctor_add(rep, "helper", DOCTOR_FAIL, "reinstall it (make install)",
		    "%s is not a regular file (%s)", path, m);
		return;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(fix, sizeof(fix), "chmod go-w %s", path);
		doctor_add(rep, "helper", DOCTOR_FAIL, fix,
		    "%s (%s) is writable by group or others: anyone could replace a privileged "
		    "program", path, m);
		return;
	}
	if (st.st_uid == 0 && (st.st_mode & S_ISUID)) {
		if (statvfs(path, &sv) == 0 && (sv.f_flag & ST_NOSUID)) {
			doctor_add(rep, "helper", DOCTOR_WARN,
			    "install it on a file system mounted without nosuid, or give it "
			    "cap_net_admin+ep (setcap)",
			    "%s (%s) is setuid root, but its file system is mounted nosuid, so the "
			    "bit does nothing", path, m);
			return;
		}
		f->helper_setuid = true;
		doctor_add(rep, "helper", DOCTOR_OK, NULL, "%s (%s): setuid root", path, m);
		return;
	}
	if (has_net_admin_filecap(path)) {
		f->helper_filecap = true;
		doctor_add(rep, "helper", DOCTOR_OK, NULL, "%s (%s): file capability cap_net_admin+ep",
		    path, m);
		return;
	}
	snprintf(fix, sizeof(fix),
		 "make install SETUID=1 (setuid root, as Debian installs qemu-bridge-helper), or "
		 "setcap cap_net_admin+ep %s", path);
	doctor_add(rep, "helper", DOCTOR_WARN, fix,
	    "%s (%s) is neither setuid root nor has cap_net_admin: only root can make NICs "
	    "with it", path, m);
}

/* ---- /dev/net/tun ------------------------------------------------------ */

static bool world_rw(const struct stat *st)
{
	return (st->st_mode & (S_IROTH | S_IWOTH)) == (S_IROTH | S_IWOTH);
}

static void check_tun(struct doctor_report *rep, const struct facts *f)
{
	struct stat st;
	unsigned int feat = 0;
	char m[80];
	int fd;

	if (stat(TUN_DEVICE, &st) < 0) {
		doctor_add(rep, "tun", DOCTOR_FAIL,
		    "modprobe tun; if the node is still missing: mkdir -p /dev/net && "
		    "mknod -m 0666 /dev/net/tun c 10 200",
		    "%s: %s", TUN_DEVICE, strerror(errno));
		return;
	}
	describe_mode(&st, m, sizeof(m));
	if (!S_ISCHR(st.st_mode)) {
		doctor_add(rep, "tun", DOCTOR_FAIL, "rm it, then modprobe tun (udev makes the node)",
		    "%s is not a character device (%s)", TUN_DEVICE, m);
		return;
	}
	if (world_rw(&st))
		doctor_add(rep, "tun", DOCTOR_OK, NULL, "%s %s (%u:%u)", TUN_DEVICE, m, major(st.st_rdev),
		    minor(st.st_rdev));
	else if (f->helper_setuid)
		doctor_add(rep, "tun", DOCTOR_OK, NULL, "%s %s (%u:%u); the setuid helper opens it as root",
		    TUN_DEVICE, m, major(st.st_rdev), minor(st.st_rdev));
	else
		doctor_add(rep, "tun", DOCTOR_WARN,
		    "chmod 0666 " TUN_DEVICE " (Debian's default; tun checks CAP_NET_ADMIN itself), "
		    "or install the helper setuid (make install SETUID=1)",
		    "%s %s: only root can open it, so a helper with file capabilities works only "
		    "with cap_dac_override too", TUN_DEVICE, m);

	fd = open(TUN_DEVICE, O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int e = errno;

		if (e == EACCES || e == EPERM)
			doctor_add(rep, "tun features", DOCTOR_WARN, "run vmtap doctor as root",
			    "cannot open %s as uid %u to ask TUNGETFEATURES: %s", TUN_DEVICE,
			    (unsigned)getuid(), strerror(e));
		else
			doctor_add(rep, "tun features", DOCTOR_FAIL, "modprobe tun",
			    "cannot open %s: %s", TUN_DEVICE, strerror(e));
		return;
	}
	if (ioctl(fd, TUNGETFEATURES, &feat) < 0) {
		doctor_add(rep, "tun features", DOCTOR_FAIL, "use a kernel newer than 2.6.27",
		    "TUNGETFEATURES on %s: %s", TUN_DEVICE, strerror(errno));
	} else if (!(feat & IFF_VNET_HDR) || !(feat & IFF_MULTI_QUEUE) || !(feat & IFF_TAP) ||
		   !(feat & IFF_NO_PI)) {
		doctor_add(rep, "tun features", DOCTOR_FAIL,
		    "use a kernel with multiqueue tun (Linux 3.8 or later)",
		    "TUNGETFEATURES 0x%x lacks%s%s%s%s", feat, feat & IFF_TAP ? "" : " IFF_TAP",
		    feat & IFF_NO_PI ? "" : " IFF_NO_PI",
		    feat & IFF_VNET_HDR ? "" : " IFF_VNET_HDR (virtio-net header)",
		    feat & IFF_MULTI_QUEUE ? "" : " IFF_MULTI_QUEUE (queues>1)");
	} else {
		doctor_add(rep, "tun features", DOCTOR_OK, NULL,
		    "TUNGETFEATURES 0x%x: IFF_TAP, IFF_NO_PI, IFF_VNET_HDR, IFF_MULTI_QUEUE", feat);
	}
	close(fd);
}

/* ---- /dev/vhost-net ---------------------------------------------------- */

static void feature_names(uint64_t f, char *buf, size_t n)
{
	static const struct {
		unsigned bit;
		const char *name;
	} known[] = {
		{ VIRTIO_NET_F_MRG_RXBUF, "MRG_RXBUF" },
		{ VIRTIO_F_VERSION_1, "VERSION_1" },
		{ VHOST_NET_F_VIRTIO_NET_HDR, "VIRTIO_NET_HDR" },
		{ VIRTIO_RING_F_EVENT_IDX, "EVENT_IDX" },
		{ VIRTIO_RING_F_INDIRECT_DESC, "INDIRECT_DESC" },
		{ VIRTIO_F_ACCESS_PLATFORM, "ACCESS_PLATFORM" },
		{ VHOST_F_LOG_ALL, "LOG_ALL" },
	};
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(known) / sizeof(known[0]) && len < n; i++)
		if (f & (1ULL << known[i].bit))
			len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? ", " : "",
						known[i].name);
}

static void check_vhost(struct doctor_report *rep, const struct facts *f)
{
	struct stat st;
	struct group *gr;
	uint64_t feat = 0;
	char m[80], fix[320], names[160];
	int fd;

	if (stat(VHOST_NET_DEVICE, &st) < 0) {
		int e = errno;

		vhost_missing_fix(fix, sizeof(fix));
		doctor_add(rep, "vhost-net", DOCTOR_WARN, fix,
		    "%s: %s; NICs work without vhost-net, slower (vhost=auto goes on without it, "
		    "vhost=on fails)", VHOST_NET_DEVICE, strerror(e));
		return;
	}
	describe_mode(&st, m, sizeof(m));
	if (!S_ISCHR(st.st_mode)) {
		doctor_add(rep, "vhost-net", DOCTOR_FAIL, "rm it, then modprobe vhost_net",
		    "%s is not a character device (%s)", VHOST_NET_DEVICE, m);
		return;
	}
	gr = getgrgid(st.st_gid);
	if (world_rw(&st))
		doctor_add(rep, "vhost-net", DOCTOR_OK, NULL, "%s %s: anyone may open it", VHOST_NET_DEVICE,
		    m);
	else if ((st.st_mode & (S_IRGRP | S_IWGRP)) == (S_IRGRP | S_IWGRP) && st.st_gid != 0)
		doctor_add(rep, "vhost-net", DOCTOR_OK, NULL, "%s %s: members of group %s may open it",
		    VHOST_NET_DEVICE, m, gr ? gr->gr_name : "?");
	else if (f->helper_setuid)
		doctor_add(rep, "vhost-net", DOCTOR_OK, NULL, "%s %s; the setuid helper opens it as root",
		    VHOST_NET_DEVICE, m);
	else
		doctor_add(rep, "vhost-net", DOCTOR_WARN,
		    "chgrp kvm " VHOST_NET_DEVICE " && chmod 0660 " VHOST_NET_DEVICE
		    " (Debian's udev rule) and add VM users to group kvm, or install the helper "
		    "setuid (make install SETUID=1)",
		    "%s %s: only root can open it, so unprivileged users get no vhost-net",
		    VHOST_NET_DEVICE, m);

	fd = open(VHOST_NET_DEVICE, O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int e = errno;

		doctor_add(rep, "vhost features", e == EACCES || e == EPERM ? DOCTOR_WARN : DOCTOR_FAIL,
		    e == EACCES || e == EPERM ? "run vmtap doctor as root" : "modprobe vhost_net",
		    "cannot open %s as uid %u: %s", VHOST_NET_DEVICE, (unsigned)getuid(),
		    strerror(e));
		return;
	}
	/* Asking features needs no owner: this fd is closed unowned. */
	if (ioctl(fd, VHOST_GET_FEATURES, &feat) < 0) {
		doctor_add(rep, "vhost features", DOCTOR_FAIL, "use a kernel whose vhost_net works",
		    "VHOST_GET_FEATURES on %s: %s", VHOST_NET_DEVICE, strerror(errno));
	} else if (!(feat & (1ULL << VIRTIO_NET_F_MRG_RXBUF))) {
		doctor_add(rep, "vhost features", DOCTOR_WARN, "use a newer kernel",
		    "VHOST_GET_FEATURES 0x%llx lacks MRG_RXBUF (mergeable RX buffers)",
		    (unsigned long long)feat);
	} else {
		feature_names(feat, names, sizeof(names));
		doctor_add(rep, "vhost features", DOCTOR_OK, NULL, "VHOST_GET_FEATURES 0x%llx: %s",
		    (unsigned long long)feat, names);
	}
	close(fd);
}

/* ---- policy files ------------------------------------------------------ */

/* Opens path as the helper does and checks what the helper checks.  Sets
 * *present; returns true when the file is fit to be read. */
static bool check_policy_file(struct doctor_report *rep, const char *name, const char *path,
			      const char *missing_fix, enum doctor_status missing_status,
			      const char *missing_text, bool *present)
{
	struct vmtap_err err = { "" };
	enum file_fault why;
	struct stat st;
	char m[80], fix[320];
	int fd, r;

	*present = false;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;

		if (e == ENOENT)
			doctor_add(rep, name, missing_status, missing_fix, "%s: %s", path, missing_text);
		else if (e == EACCES)
			doctor_add(rep, name, DOCTOR_WARN, "run vmtap doctor as root",
			    "cannot read %s as uid %u: %s", path, (unsigned)getuid(), strerror(e));
		else
			doctor_add(rep, name, DOCTOR_FAIL, "make it a regular file", "%s: %s", path,
			    strerror(e));
		return false;
	}
	*present = true;
	/* The programs' own rule (filesafe.h); the fix is the doctor's. */
	r = file_safe_check(fd, path, &st, &why, &err);
	close(fd);
	if (r == 0)
		return true;
	if (why != FILE_STAT_FAILED)
		describe_mode(&st, m, sizeof(m));
	switch (why) {
	case FILE_STAT_FAILED:
		doctor_add(rep, name, DOCTOR_FAIL, "check the file system", "%s", err.msg);
		break;
	case FILE_PSEUDO_FS:
		doctor_add(rep, name, DOCTOR_FAIL, "make it a regular file on a real filesystem", "%s",
		    err.msg);
		break;
	case FILE_NOT_REGULAR:
		doctor_add(rep, name, DOCTOR_FAIL, "make it a regular file",
		    "%s (%s) is not a regular file", path, m);
		break;
	case FILE_NOT_ROOT:
		snprintf(fix, sizeof(fix), "chown root:root %s", path);
		doctor_add(rep, name, DOCTOR_FAIL, fix, "%s (%s) is not owned by root: it is refused",
		    path, m);
		break;
	case FILE_WRITABLE:
	case FILE_OK: /* never with r < 0 */
		snprintf(fix, sizeof(fix), "chmod go-w %s", path);
		doctor_add(rep, name, DOCTOR_FAIL, fix,
		    "%s (%s) is writable by group or others: it is refused", path, m);
		break;
	}
	return false;
}

static void check_acl(struct doctor_report *rep, const char *path, struct facts *f)
{
	struct vmtap_err err = { "" };
	char fix[320];
	bool present;
	int r;

	snprintf(fix, sizeof(fix),
		 "write the bridges users may use into it (\"allow br0\"), root-owned, mode 0644");
	if (!check_policy_file(rep, "acl", path, fix, DOCTOR_WARN,
			       "missing: the helper allows no bridge to anyone", &present))
		return;
	r = acl_load(path, &f->acl, &err);
	if (r < 0) {
		f->acl = NULL;
		doctor_add(rep, "acl", DOCTOR_FAIL, "correct the file and line named",
		    "%s", vmtap_err_text(&err, r));
		return;
	}
	doctor_add(rep, "acl", DOCTOR_OK, NULL, "%s: root-owned, not writable by others, parses", path);
}

/* Works with and without systemd: vmtapd detaches by itself. */
#define START_VMTAPD "start vmtapd: systemctl start vmtapd, or without systemd run vmtapd as " \
		     "root (it detaches; /etc/init.d or your init system can start it at boot)"

/* Broker mode (obtain.h): whether vmtap-bridge-helper relays to the
 * vmtapd that answers, so that its policy and not bridge.conf applies. */
static void check_broker(struct doctor_report *rep, const char *sock, struct facts *f)
{
	struct vmtap_err err = { "" };
	char fix[320];
	int r = broker_mode_off(&err);

	if (r < 0) {
		snprintf(fix, sizeof(fix), "make %s root-owned and not writable by others, or "
			 "remove it", VMTAP_NO_BROKER_FILE);
		doctor_add(rep, "broker mode", DOCTOR_FAIL, fix,
		    "%s; the helper refuses every NIC until it is fixed", err.msg);
	} else if (r == 1) {
		doctor_add(rep, "broker mode", DOCTOR_OK, NULL,
		    "off (%s exists): vmtap-bridge-helper decides by %s even while vmtapd runs",
		    VMTAP_NO_BROKER_FILE, VMTAP_ACL_FILE);
	} else {
		f->broker = true;
		doctor_add(rep, "broker mode", DOCTOR_OK, NULL,
		    "on: vmtapd answers on %s, so every vmtap-bridge-helper run on this host gets "
		    "its tap from vmtapd under vmtapd's policy; %s does not apply (create %s to "
		    "turn broker mode off)", sock, VMTAP_ACL_FILE, VMTAP_NO_BROKER_FILE);
	}
}

static void check_vmtapd(struct doctor_report *rep, const char *policy, const char *sock,
			 struct facts *f)
{
	static const int types[] = { SOCK_STREAM, SOCK_SEQPACKET };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct vmtap_err err = { "" };
	char fix[320];
	size_t i;
	int e = 0, r;

	if (check_policy_file(rep, "vmtapd policy", policy, NULL, DOCTOR_OK,
			      "absent (vmtapd is not set up; vmtap uses the helper)",
			      &f->policy_present)) {
		/* The daemon's own parser: what it refuses at start, doctor fails. */
		if ((r = acl_load_daemon(policy, &f->dacl, &err)) < 0) {
			f->dacl = NULL;
			doctor_add(rep, "vmtapd policy", DOCTOR_FAIL,
			    "correct the file and line named (vmtapd refuses to start with it)",
			    "%s", vmtap_err_text(&err, r));
		} else {
			doctor_add(rep, "vmtapd policy", DOCTOR_OK, NULL,
			    "%s: root-owned, not writable by others, parses as vmtapd reads it",
			    policy);
		}
	}

	if (strlen(sock) >= sizeof(sa.sun_path)) {
		doctor_add(rep, "vmtapd socket", DOCTOR_FAIL, "use a shorter socket path",
		    "socket path %s is longer than %zu bytes", sock, sizeof(sa.sun_path) - 1);
		return;
	}
	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	/* Either socket type vmtapd may use: a wrong guess is EPROTOTYPE. */
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		int fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0);

		if (fd < 0) {
			e = errno;
			break;
		}
		e = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 ? 0 : errno;
		close(fd);
		if (e != EPROTOTYPE)
			break;
	}
	if (e == 0) {
		doctor_add(rep, "vmtapd socket", DOCTOR_OK, NULL, "%s answers: vmtap exec gets NICs from vmtapd",
		    sock);
		/* The helper relays only to its compiled-in socket. */
		if (!strcmp(sock, VMTAPD_SOCKET))
			check_broker(rep, sock, f);
	} else if (e == ENOENT) {
		if (f->policy_present)
			doctor_add(rep, "vmtapd socket", DOCTOR_WARN, START_VMTAPD,
			    "%s does not exist: vmtapd is configured but not running", sock);
		else
			doctor_add(rep, "vmtapd socket", DOCTOR_OK, NULL,
			    "not running (no %s): vmtap exec uses the helper", sock);
	} else if (e == ECONNREFUSED) {
		doctor_add(rep, "vmtapd socket", DOCTOR_WARN, START_VMTAPD "; it replaces the stale socket",
		    "%s exists but nothing listens on it (a stale socket): vmtap exec uses the "
		    "helper", sock);
	} else {
		snprintf(fix, sizeof(fix), "%s",
			 e == EACCES ? "ask for access to vmtapd's socket (its group), or run as root"
				     : "check the path");
		doctor_add(rep, "vmtapd socket", DOCTOR_WARN, fix, "cannot connect to %s as uid %u: %s", sock,
		    (unsigned)getuid(), strerror(e));
	}
}

/* ---- the policy that applies to a user ------------------------------------ */

/* Whose policy: --user NAME (or a decimal uid), else the caller with its
 * real groups.  False, with a failed check, for a user that is not known. */
static bool resolve_who(struct doctor_report *rep, const char *user, struct facts *f)
{
	struct passwd *pw = NULL;
	int ng = DOCTOR_MAX_GROUPS;
	char *end;

	if (user) {
		unsigned long id;

		pw = getpwnam(user);
		if (!pw) {
			errno = 0;
			id = strtoul(user, &end, 10);
			if (*user >= '0' && *user <= '9' && !*end && !errno && id < (uid_t)-1)
				pw = getpwuid((uid_t)id);
		}
		if (!pw) {
			doctor_add(rep, "policy", DOCTOR_FAIL, "name a user in /etc/passwd (or its uid)",
			    "--user %s: no such user", user);
			return false;
		}
		f->peer.uid = pw->pw_uid;
		f->peer.gid = pw->pw_gid;
		/* On overflow the array holds the first DOCTOR_MAX_GROUPS. */
		if (getgrouplist(pw->pw_name, pw->pw_gid, f->groups, &ng) < 0 &&
		    ng > DOCTOR_MAX_GROUPS)
			ng = DOCTOR_MAX_GROUPS;
	} else {
		pw = getpwuid(getuid());
		f->peer.uid = getuid();
		f->peer.gid = getgid();
		ng = getgroups(DOCTOR_MAX_GROUPS, f->groups);
		if (ng < 0)
			ng = 0;
	}
	f->peer.groups = f->groups;
	f->peer.ngroups = (size_t)ng;
	f->who_known = true;
	if (pw)
		snprintf(f->who, sizeof(f->who), "uid %u (%.64s)", (unsigned)f->peer.uid,
			 pw->pw_name);
	else
		snprintf(f->who, sizeof(f->who), "uid %u", (unsigned)f->peer.uid);
	return true;
}

/* "br0 (untagged, VLANs 10-20; isolated required), all (untagged)" */
static void describe_grants(const struct acl_grant *g, size_t n, char *buf, size_t cap)
{
	char vl[96];
	size_t len = 0, i;

	buf[0] = '\0';
	for (i = 0; i < n && len < cap; i++) {
		bool vlans = !vlan_set_empty(&g[i].vlans);

		if (vlans && vlan_set_format(&g[i].vlans, vl, sizeof(vl), ',') < 0)
			snprintf(vl, sizeof(vl), "many");
		len += (size_t)snprintf(buf + len, cap - len, "%s%s (%s%s%s%s%s%s)", i ? ", " : "",
					g[i].bridge,
					!g[i].untagged && !vlans ? "nothing" : "",
					g[i].untagged ? "untagged" : "",
					g[i].untagged && vlans ? ", " : "",
					vlans ? "VLANs " : "", vlans ? vl : "",
					g[i].isolated && g[i].mac_lock ? "; isolated, mac_lock required"
					: g[i].isolated	     ? "; isolated required"
					: g[i].mac_lock	     ? "; mac_lock required"
								     : "");
	}
}

/* Which policy decides for f->who, and what it grants (kept in f for the
 * bridges' verdicts in broker mode). */
static void check_policy_for(struct doctor_report *rep, const char *acl_path,
			     const char *policy_path, struct facts *f)
{
	struct acl_grant *g = NULL;
	char list[320];
	size_t n = 0;

	if (!f->who_known)
		return;
	if (f->broker) {
		if (!f->dacl) {
			doctor_add(rep, "policy", DOCTOR_WARN, "run vmtap doctor as root, or fix the policy",
			    "%s: vmtapd's policy applies (broker mode), but %s could not be read "
			    "here", f->who, policy_path);
			return;
		}
		if (acl_grants(f->dacl, &f->peer, &g, &n) < 0) {
			doctor_add(rep, "policy", DOCTOR_FAIL, "retry", "out of memory");
			return;
		}
		describe_grants(g, n, list, sizeof(list));
		doctor_add(rep, "policy", n ? DOCTOR_OK : DOCTOR_WARN,
		    "grant it in vmtapd's policy (allow BRIDGE user NAME)",
		    "%s: vmtapd's policy %s applies (broker mode; %s does not): %s", f->who,
		    policy_path, acl_path, n ? list : "no bridge");
		f->grants = g;
		f->ngrants = n;
		return;
	}
	if (!f->acl) {
		doctor_add(rep, "policy", DOCTOR_WARN, "write the bridges users may use into it",
		    "%s: %s applies (no vmtapd answers), and grants nothing", f->who, acl_path);
		return;
	}
	if (acl_grants(f->acl, NULL, &g, &n) < 0) {
		doctor_add(rep, "policy", DOCTOR_FAIL, "retry", "out of memory");
		return;
	}
	describe_grants(g, n, list, sizeof(list));
	doctor_add(rep, "policy", n ? DOCTOR_OK : DOCTOR_WARN, "allow a bridge in it (allow br0)",
	    "%s: %s applies (no vmtapd answers; the same for every user): %s", f->who, acl_path,
	    n ? list : "no bridge");
	free(g);
}

/* "at most 100mbit, 10mbit when none is asked" for one direction. */
static void describe_bandwidth(const struct acl *acl, const struct acl_peer *peer,
			       bool outbound, char *buf, size_t cap)
{
	struct nic_rate max, dflt;
	char m[RATE_FORMAT_MAX], d[RATE_FORMAT_MAX];

	acl_bandwidth(acl, peer, outbound, &max, &dflt);
	if (max.rate && nic_rate_format(&max, m, sizeof(m)) < 0)
		snprintf(m, sizeof(m), "?");
	if (dflt.rate && nic_rate_format(&dflt, d, sizeof(d)) < 0)
		snprintf(d, sizeof(d), "?");
	if (!max.rate && !dflt.rate)
		snprintf(buf, cap, "no limit");
	else
		snprintf(buf, cap, "%s%s, %s when a NIC asks for none",
			 max.rate ? "at most " : "no maximum", max.rate ? m : "",
			 dflt.rate ? d : "no limit");
}

/* The bandwidth limits vmtapd's policy sets for f->who (README, "Bandwidth
 * limits"): its maximum and what a NIC asking for none gets, each way.
 * Only vmtapd's grammar has them: without its policy, nothing to say. */
static void check_bandwidth_for(struct doctor_report *rep, const char *policy_path,
				const struct facts *f)
{
	char in[2 * RATE_FORMAT_MAX + 64], out[sizeof(in)];

	if (!f->who_known || !f->dacl)
		return;
	describe_bandwidth(f->dacl, &f->peer, false, in, sizeof(in));
	describe_bandwidth(f->dacl, &f->peer, true, out, sizeof(out));
	doctor_add(rep, "bandwidth", DOCTOR_OK, NULL,
	    "%s: by vmtapd's policy %s, inbound (to the guest) %s; outbound (from the guest) %s",
	    f->who, policy_path, in, out);
}

/* ---- bridges ----------------------------------------------------------- */

/* In broker mode, what vmtapd's policy lets f->who do on bridge: its own
 * entry, else the one for "all" (acl_grants' shape). */
static const char *broker_verdict(const struct facts *f, const char *bridge, char *buf,
				  size_t cap)
{
	const struct acl_grant *g = NULL;
	char vl[64];
	size_t i;

	for (i = 0; i < f->ngrants && !g; i++)
		if (!strcmp(f->grants[i].bridge, bridge))
			g = &f->grants[i];
	for (i = 0; i < f->ngrants && !g; i++)
		if (!strcmp(f->grants[i].bridge, "all"))
			g = &f->grants[i];
	if (g && !g->untagged && !vlan_set_empty(&g->vlans) &&
	    vlan_set_format(&g->vlans, vl, sizeof(vl), ',') < 0)
		snprintf(vl, sizeof(vl), "some");
	if (!g || (!g->untagged && vlan_set_empty(&g->vlans)))
		snprintf(buf, cap, ", not allowed for %s by vmtapd's policy (broker mode)", f->who);
	else if (g->untagged)
		snprintf(buf, cap, ", allowed for %s by vmtapd's policy (broker mode)", f->who);
	else
		snprintf(buf, cap, ", VLANs %s only for %s by vmtapd's policy (broker mode)", vl,
			 f->who);
	return buf;
}

static void check_bridges(struct doctor_report *rep, const struct facts *f)
{
	struct bridge_summary b[DOCTOR_MAX_BRIDGES];
	struct vmtap_err err = { "" };
	struct nl_sock *sk = NULL;
	unsigned n = 0, i;
	char name[32], fix[320];
	int r;

	if ((r = rtnl_open(&sk, &err)) < 0 ||
	    (r = bridge_list(sk, b, DOCTOR_MAX_BRIDGES, &n, &err)) < 0) {
		doctor_add(rep, "bridges", DOCTOR_FAIL, "check that rtnetlink works here",
		    "cannot list bridges: %s", vmtap_err_text(&err, r));
		rtnl_close(sk);
		return;
	}
	rtnl_close(sk);
	if (n == 0) {
		doctor_add(rep, "bridges", DOCTOR_WARN,
		    "ip link add br0 type bridge && ip link set br0 up (and allow it in the ACL)",
		    "no bridge in this network namespace: vmtap has nothing to attach taps to");
		return;
	}
	for (i = 0; i < n && i < DOCTOR_MAX_BRIDGES; i++) {
		/* The policy that decides: vmtapd's in broker mode, for whom
		 * doctor asks about. */
		char verdict[320];
		const char *acl = f->broker
			? !f->dacl || !f->who_known ? ""
			  : broker_verdict(f, b[i].name, verdict, sizeof(verdict))
			: !f->acl			? ""
			: acl_allows(f->acl, b[i].name) ? ", allowed by the ACL"
							: ", not allowed by the ACL";

		snprintf(name, sizeof(name), "bridge %.15s", b[i].name);
		if (b[i].ports >= BRIDGE_MAX_PORTS) {
			doctor_add(rep, name, DOCTOR_FAIL, "use another bridge for new NICs",
			    "%s: %u ports (full: a bridge takes %d), MTU %u%s", b[i].name,
			    b[i].ports, BRIDGE_MAX_PORTS, b[i].mtu, acl);
		} else if (!(b[i].flags & IFF_UP)) {
			snprintf(fix, sizeof(fix), "ip link set %.15s up", b[i].name);
			doctor_add(rep, name, DOCTOR_WARN, fix, "%s: %u port%s, MTU %u, down%s", b[i].name,
			    b[i].ports, b[i].ports == 1 ? "" : "s", b[i].mtu, acl);
		} else {
			doctor_add(rep, name, DOCTOR_OK, NULL, "%s: %u port%s, MTU %u, up%s", b[i].name,
			    b[i].ports, b[i].ports == 1 ? "" : "s", b[i].mtu, acl);
		}
	}
	if (n > DOCTOR_MAX_BRIDGES)
		doctor_add(rep, "bridges", DOCTOR_OK, NULL, "and %u more bridges not shown",
		    n - DOCTOR_MAX_BRIDGES);
}

/* ---- qdisc ------------------------------------------------------------- */

static void check_qdisc(struct doctor_report *rep)
{
	char q[64] = "";
	FILE *fp = fopen("/proc/sys/net/core/default_qdisc", "re");

	if (!fp && errno == ENOENT && access("/proc/sys/net/core", F_OK) == 0) {
		/* The setting is global, and the kernel shows it only in the
		 * initial network namespace. */
		doctor_add(rep, "qdisc", DOCTOR_OK, NULL,
		    "net.core.default_qdisc is not visible in this network namespace; vmtap gives "
		    "its taps root qdisc noqueue before they go up (qdisc=noqueue, the default)");
		return;
	}
	if (!fp || !fgets(q, sizeof(q), fp)) {
		if (fp)
			fclose(fp);
		doctor_add(rep, "qdisc", DOCTOR_WARN, "mount /proc",
		    "cannot read net.core.default_qdisc (/proc/sys/net/core/default_qdisc)");
		return;
	}
	fclose(fp);
	q[strcspn(q, "\n")] = '\0';
	doctor_add(rep, "qdisc", DOCTOR_OK, NULL,
	    "net.core.default_qdisc = %s; vmtap gives its taps root qdisc noqueue before they "
	    "go up (qdisc=noqueue, the default), where the kernel would give a multiqueue tap "
	    "mq with 256 %s children (qdisc=default keeps that)", q, q);
}

/* macvtap NICs (README, "macvtap"): the kernel has macvtap, vmtapd can
 * watch its clients (SO_PEERPIDFD, Linux 6.5), and no macvtap is left
 * marked for a process that is gone. */
static void check_macvtap(struct doctor_report *rep)
{
	struct link_detail *links = NULL;
	struct vmtap_err err = { "" };
	struct nl_sock *sk = NULL;
	unsigned long long start, now;
	char stale[160] = "";
	unsigned major = 0, minor = 0, nstale = 0;
	struct utsname u;
	size_t n = 0, i, off = 0;
	pid_t pid;
	int r;

	if (access("/sys/class/macvtap", F_OK) < 0) {
		doctor_add(rep, "macvtap", DOCTOR_WARN, "modprobe macvtap (CONFIG_MACVTAP)",
		    "no macvtap in this kernel (/sys/class/macvtap): --nic macvtap=DEV fails");
		return;
	}
	if (uname(&u) == 0 && sscanf(u.release, "%u.%u", &major, &minor) == 2 &&
	    (major < 6 || (major == 6 && minor < 5))) {
		doctor_add(rep, "macvtap", DOCTOR_WARN, "a kernel 6.5 or later",
		    "kernel %s has no SO_PEERPIDFD: vmtapd cannot watch its clients and makes no "
		    "macvtap", u.release);
		return;
	}
	if ((r = rtnl_open(&sk, &err)) == 0)
		r = link_dump_detail(sk, &links, &n, &err);
	rtnl_close(sk);
	if (r < 0) {
		doctor_add(rep, "macvtap", DOCTOR_WARN, "check that rtnetlink works here",
		    "cannot list links: %s", vmtap_err_text(&err, r));
		return;
	}
	for (i = 0; i < n; i++) {
		if (!links[i].is_macvtap || !macvtap_alias_owner(links[i].alias, &pid, &start) ||
		    (macvtap_proc_start(pid, &now) == 0 && now == start))
			continue;
		nstale++;
		if (off < sizeof(stale))
			off += (size_t)snprintf(stale + off, sizeof(stale) - off, "%s%s",
						off ? ", " : "", links[i].name);
	}
	free(links);
	if (nstale)
		doctor_add(rep, "macvtap", DOCTOR_WARN, "restart vmtapd (it deletes them at start), or "
		    "ip link del NAME",
		    "%u macvtap%s left by processes that are gone: %s", nstale,
		    nstale == 1 ? "" : "s", stale);
	else
		doctor_add(rep, "macvtap", DOCTOR_OK, NULL,
		    "macvtap and SO_PEERPIDFD are here (kernel %s): vmtapd can make macvtap NICs "
		    "and delete each when its process exits", u.release);
}

/* In a child in a network namespace of its own: an outbound limit made
 * on its lo the way provisioning makes one (bridge/tc.h), and the way the
 * kernel took as the exit status: 10 police, 11 IFB, 12 neither, 13 the
 * probe itself failed. */
static int outbound_probe(void)
{
	struct nic_rate r = { .rate = 125000000 };
	enum tc_outbound_way way = 0;
	struct nl_sock *sk = NULL;
	int k;

	if (unshare(CLONE_NEWNET) < 0 && unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
		return 13;
	if (rtnl_open(&sk, NULL) < 0)
		return 13;
	k = tc_limit_outbound(sk, 1, "lo", &r, &way, NULL);
	rtnl_close(sk);
	if (k == -EOPNOTSUPP)
		return 12;
	return k < 0 ? 13 : way == TC_OUTBOUND_POLICE ? 10 : 11;
}

/* outbound= (README, "Bandwidth limits"): police or an IFB on this
 * kernel, and no marked IFB left by a tap that is gone. */
static void check_outbound(struct doctor_report *rep)
{
	struct vmtap_err err = { "" };
	struct nl_sock *sk = NULL;
	char stale[160];
	unsigned n = 0;
	int status = 0, r;
	pid_t pid = fork();

	if (pid == 0)
		_exit(outbound_probe());
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	r = pid > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : 13;
	if (r == 10)
		doctor_add(rep, "outbound", DOCTOR_OK, NULL, "outbound= limits are policed at the "
		    "tap's ingress (this kernel has the police action)");
	else if (r == 11)
		doctor_add(rep, "outbound", DOCTOR_OK, NULL, "outbound= limits go through an IFB "
		    "device per limited NIC (" IFB_NAME_PREFIX "N, tbf; this kernel has no police "
		    "action): vmtapd deletes each when its tap goes");
	else if (r == 12)
		doctor_add(rep, "outbound", DOCTOR_WARN, "a kernel with CONFIG_NET_ACT_POLICE, or "
		    "CONFIG_IFB and CONFIG_NET_ACT_MIRRED", "this kernel has neither the police "
		    "action nor ifb and mirred: NICs with outbound= are refused");
	else
		doctor_add(rep, "outbound", DOCTOR_WARN, "run vmtap doctor as root",
		    "cannot tell whether outbound= polices or uses an IFB here (the probe needs a "
		    "network namespace of its own)");
	if ((r = rtnl_open(&sk, &err)) == 0)
		r = ifb_reap(sk, false, &n, stale, sizeof(stale), &err);
	rtnl_close(sk);
	if (r < 0)
		doctor_add(rep, "outbound", DOCTOR_WARN, "check that rtnetlink works here",
		    "cannot list IFBs: %s", vmtap_err_text(&err, r));
	else if (n)
		doctor_add(rep, "outbound", DOCTOR_WARN, "start vmtapd (it deletes them at start); "
		    "any NIC made with outbound= also does; or ip link del NAME",
		    "%u IFB%s left by taps that are gone: %s", n, n == 1 ? "" : "s", stale);
}

void doctor_run(const struct doctor_opts *o, struct doctor_report *rep)
{
	const char *acl_path = o->acl_path ? o->acl_path : VMTAP_ACL_FILE;
	const char *policy_path = o->policy_path ? o->policy_path : VMTAPD_POLICY_FILE;
	struct facts f;

	memset(&f, 0, sizeof(f));
	rep->n = 0;
	check_helper(rep, o->helper_path ? o->helper_path : helper_default_path(), &f);
	check_tun(rep, &f);
	check_vhost(rep, &f);
	check_acl(rep, acl_path, &f);
	check_vmtapd(rep, policy_path, o->socket_path ? o->socket_path : VMTAPD_SOCKET, &f);
	if (resolve_who(rep, o->user, &f)) {
		check_policy_for(rep, acl_path, policy_path, &f);
		check_bandwidth_for(rep, policy_path, &f);
	}
	check_bridges(rep, &f);
	doctor_overlay(rep);
	check_qdisc(rep);
	check_macvtap(rep);
	check_outbound(rep);
	acl_free(f.acl);
	acl_free(f.dacl);
	free(f.grants);
}

/* ---- the isolated vhost self-test -------------------------------------- */

struct selftest_answer {
	int r;
	struct vhost_selftest_result res;
	char msg[sizeof(((struct vmtap_err *)0)->msg)];
};

/* In the child, inside its own network namespace. */
static int selftest_inside(struct vhost_selftest_result *res, struct vmtap_err *err)
{
	struct vmtap_err why = { "" };
	struct nl_sock *sk = NULL;
	struct nic_spec spec;
	struct nic nic;
	int r;

	if (unshare(CLONE_NEWNET) < 0)
		return vmtap_fail(err, -errno,
				  "vhost self-test: cannot make a network namespace of its own (%s); "
				  "run it as root", strerror(errno));
	nic_init(&nic);
	nic_spec_init(&spec);
	snprintf(spec.bridge, sizeof(spec.bridge), "%s", DOCTOR_SELFTEST_BRIDGE);
	spec.queues = 1;
	spec.vhost = VHOST_ON;
	spec.vnet_hdr = true;
	if ((r = rtnl_open(&sk, &why)) < 0 ||
	    (r = bridge_create(sk, DOCTOR_SELFTEST_BRIDGE, 0, &why)) < 0 ||
	    (r = nic_devs_open(&spec, &nic, NULL, &why)) < 0 ||
	    (r = provision(sk, &spec, PROVISION_ROOT, &nic, &why)) < 0) {
		r = vmtap_fail(err, r, "vhost self-test: cannot make its NIC: %s",
			       vmtap_err_text(&why, r));
		goto out;
	}
	r = vhost_selftest(&nic, DOCTOR_SELFTEST_BRIDGE, res, err);
out:
	nic_close(&nic);
	rtnl_close(sk);
	return r;
}

int doctor_vhost_selftest(struct vhost_selftest_result *res, struct vmtap_err *err)
{
	struct selftest_answer a;
	char fix[320];
	size_t got = 0;
	int p[2], status;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	if (access(VHOST_NET_DEVICE, F_OK) < 0) {
		vhost_missing_fix(fix, sizeof(fix));
		return vmtap_fail(err, -ENOENT, "vhost self-test: %s is missing; %s",
				  VHOST_NET_DEVICE, fix);
	}
	if (pipe2(p, O_CLOEXEC) < 0)
		return vmtap_fail(err, -errno, "vhost self-test: pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(p[0]);
		close(p[1]);
		return vmtap_fail(err, -e, "vhost self-test: fork: %s", strerror(e));
	}
	if (pid == 0) {
		struct vmtap_err e = { "" };
		ssize_t k;
		size_t off = 0;

		close(p[0]);
		memset(&a, 0, sizeof(a));
		a.r = selftest_inside(&a.res, &e);
		memcpy(a.msg, e.msg, sizeof(a.msg));
		while (off < sizeof(a) &&
		       ((k = write(p[1], (char *)&a + off, sizeof(a) - off)) > 0 || errno == EINTR))
			if (k > 0)
				off += (size_t)k;
		_exit(0);
	}
	close(p[1]);
	while (got < sizeof(a)) {
		ssize_t k = read(p[0], (char *)&a + got, sizeof(a) - got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (got != sizeof(a))
		return vmtap_fail(err, -EIO, "vhost self-test: its process died (%s %d)",
				  WIFSIGNALED(status) ? "signal" : "exit status",
				  WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	*res = a.res;
	a.msg[sizeof(a.msg) - 1] = '\0';
	if (a.r < 0)
		return vmtap_fail(err, a.r, "%s", a.msg[0] ? a.msg : strerror(-a.r));
	return 0;
}
