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

/* What later checks need to know from earlier ones. */
struct facts {
	bool helper_setuid;     /* setuid root: opens devices as root */
	bool helper_filecap;    /* cap_net_admin+ep: opens them as the caller */
	bool policy_present;
	struct acl *acl;        /* NULL when missing or broken */
};

static struct doctor_check *add(struct doctor_report *rep, const char *name,
				enum doctor_status st, const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static struct doctor_check *add(struct doctor_report *rep, const char *name,
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
		add(rep, "helper", DOCTOR_FAIL,
		    "install it (make install), or name it with --helper PATH",
		    "%s: %s", path, strerror(errno));
		return;
	}
	describe_mode(&st, m, sizeof(m));
	if (!S_ISREG(st.st_mode)) {
		add(rep, "helper", DOCTOR_FAIL, "reinstall it (make install)",
		    "%s is not a regular file (%s)", path, m);
		return;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(fix, sizeof(fix), "chmod go-w %s", path);
		add(rep, "helper", DOCTOR_FAIL, fix,
		    "%s (%s) is writable by group or others: anyone could replace a privileged "
		    "program", path, m);
		return;
	}
	if (st.st_uid == 0 && (st.st_mode & S_ISUID)) {
		if (statvfs(path, &sv) == 0 && (sv.f_flag & ST_NOSUID)) {
			add(rep, "helper", DOCTOR_WARN,
			    "install it on a file system mounted without nosuid, or give it "
			    "cap_net_admin+ep (setcap)",
			    "%s (%s) is setuid root, but its file system is mounted nosuid, so the "
			    "bit does nothing", path, m);
			return;
		}
		f->helper_setuid = true;
		add(rep, "helper", DOCTOR_OK, NULL, "%s (%s): setuid root", path, m);
		return;
	}
	if (has_net_admin_filecap(path)) {
		f->helper_filecap = true;
		add(rep, "helper", DOCTOR_OK, NULL, "%s (%s): file capability cap_net_admin+ep",
		    path, m);
		return;
	}
	snprintf(fix, sizeof(fix),
		 "make install SETUID=1 (setuid root, as Debian installs qemu-bridge-helper), or "
		 "setcap cap_net_admin+ep %s", path);
	add(rep, "helper", DOCTOR_WARN, fix,
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
		add(rep, "tun", DOCTOR_FAIL,
		    "modprobe tun; if the node is still missing: mkdir -p /dev/net && "
		    "mknod -m 0666 /dev/net/tun c 10 200",
		    "%s: %s", TUN_DEVICE, strerror(errno));
		return;
	}
	describe_mode(&st, m, sizeof(m));
	if (!S_ISCHR(st.st_mode)) {
		add(rep, "tun", DOCTOR_FAIL, "rm it, then modprobe tun (udev makes the node)",
		    "%s is not a character device (%s)", TUN_DEVICE, m);
		return;
	}
	if (world_rw(&st))
		add(rep, "tun", DOCTOR_OK, NULL, "%s %s (%u:%u)", TUN_DEVICE, m, major(st.st_rdev),
		    minor(st.st_rdev));
	else if (f->helper_setuid)
		add(rep, "tun", DOCTOR_OK, NULL, "%s %s (%u:%u); the setuid helper opens it as root",
		    TUN_DEVICE, m, major(st.st_rdev), minor(st.st_rdev));
	else
		add(rep, "tun", DOCTOR_WARN,
		    "chmod 0666 " TUN_DEVICE " (Debian's default; tun checks CAP_NET_ADMIN itself), "
		    "or install the helper setuid (make install SETUID=1)",
		    "%s %s: only root can open it, so a helper with file capabilities works only "
		    "with cap_dac_override too", TUN_DEVICE, m);

	fd = open(TUN_DEVICE, O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int e = errno;

		if (e == EACCES || e == EPERM)
			add(rep, "tun features", DOCTOR_WARN, "run vmtap doctor as root",
			    "cannot open %s as uid %u to ask TUNGETFEATURES: %s", TUN_DEVICE,
			    (unsigned)getuid(), strerror(e));
		else
			add(rep, "tun features", DOCTOR_FAIL, "modprobe tun",
			    "cannot open %s: %s", TUN_DEVICE, strerror(e));
		return;
	}
	if (ioctl(fd, TUNGETFEATURES, &feat) < 0) {
		add(rep, "tun features", DOCTOR_FAIL, "use a kernel newer than 2.6.27",
		    "TUNGETFEATURES on %s: %s", TUN_DEVICE, strerror(errno));
	} else if (!(feat & IFF_VNET_HDR) || !(feat & IFF_MULTI_QUEUE) || !(feat & IFF_TAP) ||
		   !(feat & IFF_NO_PI)) {
		add(rep, "tun features", DOCTOR_FAIL,
		    "use a kernel with multiqueue tun (Linux 3.8 or later)",
		    "TUNGETFEATURES 0x%x lacks%s%s%s%s", feat, feat & IFF_TAP ? "" : " IFF_TAP",
		    feat & IFF_NO_PI ? "" : " IFF_NO_PI",
		    feat & IFF_VNET_HDR ? "" : " IFF_VNET_HDR (virtio-net header)",
		    feat & IFF_MULTI_QUEUE ? "" : " IFF_MULTI_QUEUE (queues>1)");
	} else {
		add(rep, "tun features", DOCTOR_OK, NULL,
		    "TUNGETFEATURES 0x%x: IFF_TAP, IFF_NO_PI, IFF_VNET_HDR, IFF_MULTI_QUEUE", feat);
	}
	close(fd);
}

/* ---- /dev/vhost-net ---------------------------------------------------- */

/* "y", "m", "n" from /boot/config-RELEASE, or 0 when unknown. */
static char kernel_config(const char *release, const char *option)
{
	char path[128], line[256];
	size_t n = strlen(option);
	char v = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "/boot/config-%s", release);
	fp = fopen(path, "re");
	if (!fp)
		return 0;
	while (!v && fgets(line, sizeof(line), fp)) {
		if (!strncmp(line, option, n) && line[n] == '=')
			v = line[n + 1];
		else if (!strncmp(line, "# ", 2) && !strncmp(line + 2, option, n) &&
			 !strcmp(line + 2 + n, " is not set\n"))
			v = 'n';
	}
	fclose(fp);
	return v;
}

static bool module_file_exists(const char *release, const char *dir, const char *name)
{
	static const char *const ext[] = { "", ".xz", ".zst", ".gz" };
	char path[256];
	size_t i;

	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		snprintf(path, sizeof(path), "/lib/modules/%s/kernel/%s/%s.ko%s", release, dir, name,
			 ext[i]);
		if (access(path, F_OK) == 0)
			return true;
	}
	return false;
}

/* How to get /dev/vhost-net on this machine: one line. */
static void vhost_missing_fix(char *fix, size_t n)
{
	struct utsname u;
	char cfg, moddir[80];

	if (uname(&u) < 0)
		snprintf(u.release, sizeof(u.release), "?");
	snprintf(moddir, sizeof(moddir), "/lib/modules/%.64s", u.release);
	cfg = kernel_config(u.release, "CONFIG_VHOST_NET");
	if (access("/sys/module/vhost_net", F_OK) == 0)
		snprintf(fix, n, "the vhost_net module is loaded but the node is missing: "
			 "mknod -m 0660 %s c 10 238 (udev or devtmpfs normally make it)",
			 VHOST_NET_DEVICE);
	else if (module_file_exists(u.release, "drivers/vhost", "vhost_net") || cfg == 'm')
		snprintf(fix, n, "modprobe vhost_net (and add vhost_net to /etc/modules to load it "
			 "at boot)");
	else if (cfg == 'n' || access(moddir, F_OK) == 0)
		snprintf(fix, n, "this kernel (%s) was built without CONFIG_VHOST_NET (it has no "
			 "vhost_net module): boot one that has it (Debian's linux-image-amd64 has "
			 "vhost_net as a module), then modprobe vhost_net", u.release);
	else
		snprintf(fix, n, "%s is missing, so this kernel (%s) has no vhost_net module: "
			 "install its modules, or boot a kernel with CONFIG_VHOST_NET (Debian's "
			 "linux-image-amd64), then modprobe vhost_net", moddir, u.release);
}

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
		add(rep, "vhost-net", DOCTOR_WARN, fix,
		    "%s: %s; NICs work without vhost-net, slower (vhost=auto goes on without it, "
		    "vhost=on fails)", VHOST_NET_DEVICE, strerror(e));
		return;
	}
	describe_mode(&st, m, sizeof(m));
	if (!S_ISCHR(st.st_mode)) {
		add(rep, "vhost-net", DOCTOR_FAIL, "rm it, then modprobe vhost_net",
		    "%s is not a character device (%s)", VHOST_NET_DEVICE, m);
		return;
	}
	gr = getgrgid(st.st_gid);
	if (world_rw(&st))
		add(rep, "vhost-net", DOCTOR_OK, NULL, "%s %s: anyone may open it", VHOST_NET_DEVICE,
		    m);
	else if ((st.st_mode & (S_IRGRP | S_IWGRP)) == (S_IRGRP | S_IWGRP) && st.st_gid != 0)
		add(rep, "vhost-net", DOCTOR_OK, NULL, "%s %s: members of group %s may open it",
		    VHOST_NET_DEVICE, m, gr ? gr->gr_name : "?");
	else if (f->helper_setuid)
		add(rep, "vhost-net", DOCTOR_OK, NULL, "%s %s; the setuid helper opens it as root",
		    VHOST_NET_DEVICE, m);
	else
		add(rep, "vhost-net", DOCTOR_WARN,
		    "chgrp kvm " VHOST_NET_DEVICE " && chmod 0660 " VHOST_NET_DEVICE
		    " (Debian's udev rule) and add VM users to group kvm, or install the helper "
		    "setuid (make install SETUID=1)",
		    "%s %s: only root can open it, so unprivileged users get no vhost-net",
		    VHOST_NET_DEVICE, m);

	fd = open(VHOST_NET_DEVICE, O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int e = errno;

		add(rep, "vhost features", e == EACCES || e == EPERM ? DOCTOR_WARN : DOCTOR_FAIL,
		    e == EACCES || e == EPERM ? "run vmtap doctor as root" : "modprobe vhost_net",
		    "cannot open %s as uid %u: %s", VHOST_NET_DEVICE, (unsigned)getuid(),
		    strerror(e));
		return;
	}
	/* Asking features needs no owner: this fd is closed unowned. */
	if (ioctl(fd, VHOST_GET_FEATURES, &feat) < 0) {
		add(rep, "vhost features", DOCTOR_FAIL, "use a kernel whose vhost_net works",
		    "VHOST_GET_FEATURES on %s: %s", VHOST_NET_DEVICE, strerror(errno));
	} else if (!(feat & (1ULL << VIRTIO_NET_F_MRG_RXBUF))) {
		add(rep, "vhost features", DOCTOR_WARN, "use a newer kernel",
		    "VHOST_GET_FEATURES 0x%llx lacks MRG_RXBUF (mergeable RX buffers)",
		    (unsigned long long)feat);
	} else {
		feature_names(feat, names, sizeof(names));
		add(rep, "vhost features", DOCTOR_OK, NULL, "VHOST_GET_FEATURES 0x%llx: %s",
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
			add(rep, name, missing_status, missing_fix, "%s: %s", path, missing_text);
		else if (e == EACCES)
			add(rep, name, DOCTOR_WARN, "run vmtap doctor as root",
			    "cannot read %s as uid %u: %s", path, (unsigned)getuid(), strerror(e));
		else
			add(rep, name, DOCTOR_FAIL, "make it a regular file", "%s: %s", path,
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
		add(rep, name, DOCTOR_FAIL, "check the file system", "%s", err.msg);
		break;
	case FILE_PSEUDO_FS:
		add(rep, name, DOCTOR_FAIL, "make it a regular file on a real filesystem", "%s",
		    err.msg);
		break;
	case FILE_NOT_REGULAR:
		add(rep, name, DOCTOR_FAIL, "make it a regular file",
		    "%s (%s) is not a regular file", path, m);
		break;
	case FILE_NOT_ROOT:
		snprintf(fix, sizeof(fix), "chown root:root %s", path);
		add(rep, name, DOCTOR_FAIL, fix, "%s (%s) is not owned by root: it is refused",
		    path, m);
		break;
	case FILE_WRITABLE:
	case FILE_OK: /* never with r < 0 */
		snprintf(fix, sizeof(fix), "chmod go-w %s", path);
		add(rep, name, DOCTOR_FAIL, fix,
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
		add(rep, "acl", DOCTOR_FAIL, "correct the file and line named",
		    "%s", vmtap_err_text(&err, r));
		return;
	}
	add(rep, "acl", DOCTOR_OK, NULL, "%s: root-owned, not writable by others, parses", path);
}

static void check_vmtapd(struct doctor_report *rep, const char *policy, const char *sock,
			 struct facts *f)
{
	static const int types[] = { SOCK_STREAM, SOCK_SEQPACKET };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char fix[320];
	size_t i;
	int e = 0;

	if (check_policy_file(rep, "vmtapd policy", policy, NULL, DOCTOR_OK,
			      "absent (vmtapd is not set up; vmtap uses the helper)",
			      &f->policy_present))
		add(rep, "vmtapd policy", DOCTOR_OK, NULL,
		    "%s: root-owned, not writable by others", policy);

	if (strlen(sock) >= sizeof(sa.sun_path)) {
		add(rep, "vmtapd socket", DOCTOR_FAIL, "use a shorter socket path",
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
		add(rep, "vmtapd socket", DOCTOR_OK, NULL, "%s answers: vmtap exec gets NICs from vmtapd",
		    sock);
	} else if (e == ENOENT) {
		if (f->policy_present)
			add(rep, "vmtapd socket", DOCTOR_WARN, "start vmtapd (systemctl start vmtapd)",
			    "%s does not exist: vmtapd is configured but not running", sock);
		else
			add(rep, "vmtapd socket", DOCTOR_OK, NULL,
			    "not running (no %s): vmtap exec uses the helper", sock);
	} else if (e == ECONNREFUSED) {
		add(rep, "vmtapd socket", DOCTOR_WARN,
		    "start vmtapd (systemctl start vmtapd); it replaces the stale socket",
		    "%s exists but nothing listens on it (a stale socket): vmtap exec uses the "
		    "helper", sock);
	} else {
		snprintf(fix, sizeof(fix), "%s",
			 e == EACCES ? "ask for access to vmtapd's socket (its group), or run as root"
				     : "check the path");
		add(rep, "vmtapd socket", DOCTOR_WARN, fix, "cannot connect to %s as uid %u: %s", sock,
		    (unsigned)getuid(), strerror(e));
	}
}

/* ---- bridges ----------------------------------------------------------- */

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
		add(rep, "bridges", DOCTOR_FAIL, "check that rtnetlink works here",
		    "cannot list bridges: %s", vmtap_err_text(&err, r));
		rtnl_close(sk);
		return;
	}
	rtnl_close(sk);
	if (n == 0) {
		add(rep, "bridges", DOCTOR_WARN,
		    "ip link add br0 type bridge && ip link set br0 up (and allow it in the ACL)",
		    "no bridge in this network namespace: vmtap has nothing to attach taps to");
		return;
	}
	for (i = 0; i < n && i < DOCTOR_MAX_BRIDGES; i++) {
		const char *acl = !f->acl                     ? ""
				  : acl_allows(f->acl, b[i].name) ? ", allowed by the ACL"
								  : ", not allowed by the ACL";

		snprintf(name, sizeof(name), "bridge %.15s", b[i].name);
		if (b[i].ports >= BRIDGE_MAX_PORTS) {
			add(rep, name, DOCTOR_FAIL, "use another bridge for new NICs",
			    "%s: %u ports (full: a bridge takes %d), MTU %u%s", b[i].name,
			    b[i].ports, BRIDGE_MAX_PORTS, b[i].mtu, acl);
		} else if (!(b[i].flags & IFF_UP)) {
			snprintf(fix, sizeof(fix), "ip link set %.15s up", b[i].name);
			add(rep, name, DOCTOR_WARN, fix, "%s: %u port%s, MTU %u, down%s", b[i].name,
			    b[i].ports, b[i].ports == 1 ? "" : "s", b[i].mtu, acl);
		} else {
			add(rep, name, DOCTOR_OK, NULL, "%s: %u port%s, MTU %u, up%s", b[i].name,
			    b[i].ports, b[i].ports == 1 ? "" : "s", b[i].mtu, acl);
		}
	}
	if (n > DOCTOR_MAX_BRIDGES)
		add(rep, "bridges", DOCTOR_OK, NULL, "and %u more bridges not shown",
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
		add(rep, "qdisc", DOCTOR_OK, NULL,
		    "net.core.default_qdisc is not visible in this network namespace; vmtap gives "
		    "its taps root qdisc noqueue before they go up (qdisc=noqueue, the default)");
		return;
	}
	if (!fp || !fgets(q, sizeof(q), fp)) {
		if (fp)
			fclose(fp);
		add(rep, "qdisc", DOCTOR_WARN, "mount /proc",
		    "cannot read net.core.default_qdisc (/proc/sys/net/core/default_qdisc)");
		return;
	}
	fclose(fp);
	q[strcspn(q, "\n")] = '\0';
	add(rep, "qdisc", DOCTOR_OK, NULL,
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
		add(rep, "macvtap", DOCTOR_WARN, "modprobe macvtap (CONFIG_MACVTAP)",
		    "no macvtap in this kernel (/sys/class/macvtap): --nic macvtap=DEV fails");
		return;
	}
	if (uname(&u) == 0 && sscanf(u.release, "%u.%u", &major, &minor) == 2 &&
	    (major < 6 || (major == 6 && minor < 5))) {
		add(rep, "macvtap", DOCTOR_WARN, "a kernel 6.5 or later",
		    "kernel %s has no SO_PEERPIDFD: vmtapd cannot watch its clients and makes no "
		    "macvtap", u.release);
		return;
	}
	if ((r = rtnl_open(&sk, &err)) == 0)
		r = link_dump_detail(sk, &links, &n, &err);
	rtnl_close(sk);
	if (r < 0) {
		add(rep, "macvtap", DOCTOR_WARN, "check that rtnetlink works here",
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
		add(rep, "macvtap", DOCTOR_WARN, "restart vmtapd (it deletes them at start), or "
		    "ip link del NAME",
		    "%u macvtap%s left by processes that are gone: %s", nstale,
		    nstale == 1 ? "" : "s", stale);
	else
		add(rep, "macvtap", DOCTOR_OK, NULL,
		    "macvtap and SO_PEERPIDFD are here (kernel %s): vmtapd can make macvtap NICs "
		    "and delete each when its process exits", u.release);
}

void doctor_run(const struct doctor_opts *o, struct doctor_report *rep)
{
	struct facts f = { false, false, false, NULL };

	rep->n = 0;
	check_helper(rep, o->helper_path ? o->helper_path : helper_default_path(), &f);
	check_tun(rep, &f);
	check_vhost(rep, &f);
	check_acl(rep, o->acl_path ? o->acl_path : VMTAP_ACL_FILE, &f);
	check_vmtapd(rep, o->policy_path ? o->policy_path : VMTAPD_POLICY_FILE,
		     o->socket_path ? o->socket_path : VMTAPD_SOCKET, &f);
	check_bridges(rep, &f);
	check_qdisc(rep);
	check_macvtap(rep);
	acl_free(f.acl);
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
