/* macvtap.c — a NIC on an uplink (see macvtap.h).
 *
 * Order: the parent is looked up first (the common mistake costs
 * nothing), then one RTM_NEWLINK makes the macvtap down with its mode,
 * MAC and MTU; one RTM_SETLINK marks it (alias) and brings it up; then
 * its character device is opened once per queue.  From the RTM_NEWLINK on,
 * a failure deletes the link: no fd would.
 *
 * The character device.  udev makes /dev/tapIFINDEX; a container has no
 * udev.  So: /dev/tapIFINDEX when it is there and is the device (fstat's
 * st_rdev equals sysfs's /sys/class/net/NAME/macvtap/tapIFINDEX/dev), else
 * a node of our own: a fresh mkdtemp directory (0700) under /dev — the
 * one directory certain not to be mounted nodev, and writable by root
 * alone — a mknod 0600 in it, every queue opened O_CLOEXEC, then the node
 * and the directory removed at once.  Nobody else can reach the node
 * while it exists, and every fd is checked to be the device by st_rdev
 * all the same.
 *
 * In another network namespace (netns.c's thread) /sys is no help: a
 * sysfs shows the network namespace of whoever mounted it, so the
 * macvtap is not under /sys/class/net there (or, worse, another one of
 * the same name and index is).  macvtap_sysfs_open gives a sysfs of the
 * calling thread's namespace that is mounted nowhere (fsopen + fsmount:
 * a detached mount, gone with its fd), and MAJ:MIN is read through it. */
#include "helper/core/macvtap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/mount.h>

#include "bridge/macvtap.h"
#include "bridge/port.h"
#include "helper/core/field.h"
#include "helper/core/ifname.h"
#include "helper/core/parse.h"

#define NAME_TRIES 8

int macvtap_spec_check(const struct nic_spec *spec, struct vmtap_err *err)
{
	char a[18], b[18];
	int r;

	if ((r = ifname_check_err(spec->macvtap, "macvtap parent", err)) < 0)
		return r;
	if (spec->bridge[0])
		return vmtap_fail(err, -EINVAL, "macvtap=%s and bridge=%s: a NIC is a macvtap on a "
				  "parent or a tap on a bridge; expected one of them",
				  spec->macvtap, spec->bridge);
	if (spec->mode == NIC_MODE_TUN)
		return vmtap_fail(err, -EINVAL, "mode=tun with macvtap=%s: expected a macvtap mode "
				  "(bridge, vepa, private or passthru)", spec->macvtap);
	if (nic_spec_has_port_fields(spec))
		return vmtap_fail(err, -EINVAL, "vlan, trunk, isolated, mac_lock and announce are a "
				  "bridge port's; macvtap=%s has no bridge", spec->macvtap);
	/* The limits are the tap's qdiscs (port_setup): not made here yet. */
	if (spec->inbound.rate || spec->outbound.rate)
		return vmtap_fail(err, -EOPNOTSUPP, "macvtap= with inbound=/outbound=: not "
				  "supported yet");
	if (spec->has_owner || spec->has_group)
		return vmtap_fail(err, -EINVAL, "owner and group are a tun device's (TUNSETOWNER); a "
				  "macvtap's /dev/tapN has none: only root opens it");
	if (spec->ifname[0] && (r = ifname_check_err(spec->ifname, NULL, err)) < 0)
		return r;
	if (spec->queues < 1 || spec->queues > VMTAP_MAX_QUEUES)
		return vmtap_fail(err, -ERANGE, "queues=%u: expected 1..%d", spec->queues,
				  VMTAP_MAX_QUEUES);
	if (spec->mtu && (spec->mtu < VMTAP_MTU_MIN || spec->mtu > VMTAP_MTU_MAX))
		return vmtap_fail(err, -ERANGE, "mtu=%u: expected %d..%d", spec->mtu, VMTAP_MTU_MIN,
				  VMTAP_MTU_MAX);
	if (spec->has_mac && spec->has_guest_mac && memcmp(spec->mac, spec->guest_mac, 6))
		return vmtap_fail(err, -EINVAL, "mac=%s and guest_mac=%s: a macvtap's MAC is the "
				  "guest's; give one of them", format_mac(spec->mac, a),
				  format_mac(spec->guest_mac, b));
	return 0;
}

bool macvtap_spec_mac(const struct nic_spec *spec, uint8_t out[6])
{
	if (spec->has_guest_mac)
		memcpy(out, spec->guest_mac, 6);
	else if (spec->has_mac)
		memcpy(out, spec->mac, 6);
	return spec->has_guest_mac || spec->has_mac;
}

static uint32_t kernel_mode(enum nic_mode m)
{
	switch (m) {
	case NIC_MODE_VEPA:
		return MACVLAN_MODE_VEPA;
	case NIC_MODE_PRIVATE:
		return MACVLAN_MODE_PRIVATE;
	case NIC_MODE_PASSTHRU:
		return MACVLAN_MODE_PASSTHRU;
	default:
		return MACVLAN_MODE_BRIDGE;
	}
}

enum nic_mode macvtap_nic_mode(uint32_t m)
{
	switch (m) {
	case MACVLAN_MODE_VEPA:
		return NIC_MODE_VEPA;
	case MACVLAN_MODE_PRIVATE:
		return NIC_MODE_PRIVATE;
	case MACVLAN_MODE_PASSTHRU:
		return NIC_MODE_PASSTHRU;
	default:
		return NIC_MODE_BRIDGE;
	}
}

int macvtap_proc_start(pid_t pid, unsigned long long *start)
{
	char path[48], buf[1024], *p;
	unsigned i;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -ESRCH;
	buf[n] = '\0';
	/* comm may hold spaces and ')': the fields start after the last ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return -EBADMSG;
	/* Field 3 (state) follows ") "; starttime is field 22. */
	for (i = 3, p++; i < 22 && p; i++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p, " %llu", start) != 1)
		return -EBADMSG;
	return 0;
}

bool macvtap_alias_owner(const char *alias, pid_t *pid, unsigned long long *start)
{
	const size_t k = sizeof(MACVTAP_ALIAS_PREFIX) - 1;
	unsigned long p;
	char *end;

	if (strncmp(alias, MACVTAP_ALIAS_PREFIX, k))
		return false;
	errno = 0;
	p = strtoul(alias + k, &end, 10);
	if (errno || end == alias + k || *end != ':' || p == 0 || p > 0x3fffffff)
		return false;
	errno = 0;
	*start = strtoull(end + 1, &end, 10);
	if (errno || *end)
		return false;
	*pid = (pid_t)p;
	return true;
}

int macvtap_sysfs_open(int *fd, struct vmtap_err *err)
{
	int fs, r;

	*fd = -1;
	fs = (int)syscall(SYS_fsopen, "sysfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return vmtap_fail(err, -errno, "cannot open a sysfs of the target namespace (fsopen: "
				  "%s; needs CAP_SYS_ADMIN)", strerror(errno));
	if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0 ||
	    (*fd = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY |
				MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)) < 0) {
		r = -errno;
		close(fs);
		*fd = -1;
		return vmtap_fail(err, r, "cannot mount a sysfs of the target namespace: %s",
				  strerror(-r));
	}
	close(fs);
	return 0;
}

/* "MAJ:MIN" of the macvtap's character device, from sysfs: the one under
 * sysfs (a sysfs root, macvtap_sysfs_open) or, for -1, /sys. */
static int chardev_of(int sysfs, const char *name, int ifindex, dev_t *dev,
		      struct vmtap_err *err)
{
	char path[96], buf[32];
	unsigned maj, min;
	ssize_t n;
	int fd, r;

	snprintf(path, sizeof(path), "%sclass/net/%s/macvtap/tap%d/dev", sysfs < 0 ? "/sys/" : "",
		 name, ifindex);
	fd = openat(sysfs < 0 ? AT_FDCWD : sysfs, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		r = -errno;
		return vmtap_fail(err, r, "%s%s: %s%s", sysfs < 0 ? "" : "sysfs:", path,
				  strerror(-r), sysfs < 0 ? " (is /sys this network namespace's?)" : "");
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0 || (buf[n] = '\0', sscanf(buf, "%u:%u", &maj, &min) != 2))
		return vmtap_fail(err, -EBADMSG, "%s: expected MAJOR:MINOR", path);
	*dev = makedev(maj, min);
	return 0;
}

/* fd is the character device dev. */
static bool is_dev(int fd, dev_t dev)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == dev;
}

/* Opens path n times into fds, each checked to be dev: 0, -ENOENT with
 * nothing opened (no such node), or -errno with a message. */
static int open_n(const char *path, dev_t dev, unsigned n, int *fds, struct vmtap_err *err)
{
	unsigned i, j;
	int r;

	for (i = 0; i < n; i++) {
		fds[i] = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
		if (fds[i] >= 0 && is_dev(fds[i], dev))
			continue;
		r = fds[i] < 0 ? -errno : -ENOENT;
		for (j = 0; j <= i; j++) {
			if (fds[j] >= 0)
				close(fds[j]);
			fds[j] = -1;
		}
		if (r == -ENOENT)
			return r; /* not there, or not this device: our own node */
		return vmtap_fail(err, r, "%s: %s", path, strerror(-r));
	}
	return 0;
}

/* The queues of macvtap name (ifindex) into fds, as the top says. */
static int open_queues(int sysfs, const char *name, int ifindex, unsigned n, int *fds,
		       struct vmtap_err *err)
{
	char path[48], dir[] = "/dev/.vmtap-XXXXXX", node[sizeof(dir) + 8];
	dev_t dev = 0;
	int r;

	if ((r = chardev_of(sysfs, name, ifindex, &dev, err)) < 0)
		return r;
	snprintf(path, sizeof(path), "/dev/tap%d", ifindex);
	if ((r = open_n(path, dev, n, fds, err)) != -ENOENT)
		return r;
	if (!mkdtemp(dir))
		return vmtap_fail(err, -errno, "cannot make a private directory for %s's device "
				  "node (%s): %s", name, dir, strerror(errno));
	snprintf(node, sizeof(node), "%s/tap", dir);
	if (mknod(node, S_IFCHR | 0600, dev) < 0) {
		r = vmtap_fail(err, -errno, "cannot make %s's device node %u:%u: %s", name,
			       major(dev), minor(dev), strerror(errno));
	} else {
		r = open_n(node, dev, n, fds, err);
		if (r == -ENOENT)
			r = vmtap_fail(err, -EIO, "%s is not %s's device %u:%u", node, name,
				       major(dev), minor(dev));
		unlink(node);
	}
	rmdir(dir);
	return r;
}

/* Without IFF_VNET_HDR (a macvtap's queue starts with it). */
static int no_vnet_hdr(const int *fds, unsigned n, const char *name, struct vmtap_err *err)
{
	struct ifreq ifr;
	unsigned i;

	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	for (i = 0; i < n; i++)
		if (ioctl(fds[i], TUNSETIFF, &ifr) < 0)
			return vmtap_fail(err, -errno, "cannot turn IFF_VNET_HDR off on %s: %s", name,
					  strerror(errno));
	return 0;
}

static void random_guest_mac(uint8_t mac[6])
{
	if (getrandom(mac + 3, 3, 0) != 3)
		memset(mac + 3, 0x5a, 3);
	memcpy(mac, "\x52\x54\x00", 3);
}

int provision_macvtap(struct nl_sock *sk, const struct nic_spec *spec, uint32_t as,
		      pid_t owner, struct nic *out, struct vmtap_err *err)
{
	return provision_macvtap_at(sk, spec, as, owner, -1, out, err);
}

int provision_macvtap_at(struct nl_sock *sk, const struct nic_spec *spec, uint32_t as,
			 pid_t owner, int sysfs, struct nic *out, struct vmtap_err *err)
{
	struct macvtap_link m = { .parent = spec->macvtap, .mode = kernel_mode(spec->mode),
				  .mtu = spec->mtu };
	char alias[64];
	struct link_state parent, now;
	unsigned long long start = 0;
	unsigned tries, i;
	bool made = false;
	int r;

	(void)as; /* the kernel keeps a macvtap's MTU at most its parent's */
	if ((r = macvtap_spec_check(spec, err)) < 0)
		goto fail;
	if (!spec->persist) {
		if (owner <= 0)
			owner = getpid();
		if ((r = macvtap_proc_start(owner, &start)) < 0) {
			r = vmtap_fail(err, r, "cannot read the start time of pid %d, whose exit "
				       "removes the macvtap: %s", (int)owner, strerror(-r));
			goto fail;
		}
		snprintf(alias, sizeof(alias), MACVTAP_ALIAS_PREFIX "%d:%llu", (int)owner, start);
	} else {
		snprintf(alias, sizeof(alias), "%s", VMTAP_ALIAS);
	}
	if ((r = link_get(sk, spec->macvtap, &parent, err)) < 0)
		goto fail;
	if (!strcmp(parent.kind, "bridge")) {
		r = vmtap_fail(err, -EINVAL, "macvtap=%s: %s is a bridge; put a tap on it "
			       "(bridge=%s) instead", spec->macvtap, spec->macvtap, spec->macvtap);
		goto fail;
	}
	m.parent_ifindex = parent.ifindex;
	if (!macvtap_spec_mac(spec, m.mac))
		random_guest_mac(m.mac);

	memcpy(out->ifname, spec->ifname, sizeof(out->ifname));
	for (tries = 0; tries < NAME_TRIES; tries++) {
		if (!spec->ifname[0]) {
			uint32_t x;

			if (getrandom(&x, sizeof(x), 0) != sizeof(x))
				x = (uint32_t)getpid() ^ (uint32_t)tries;
			snprintf(out->ifname, sizeof(out->ifname), VMTAP_IFNAME_PREFIX "%08x", x);
		}
		m.name = out->ifname;
		r = macvtap_create(sk, &m, err);
		if (r != -EEXIST || spec->ifname[0])
			break;
	}
	if (r < 0)
		goto fail;
	made = true;
	if ((r = link_get(sk, out->ifname, &now, err)) < 0 ||
	    (r = link_setup_plain(sk, now.ifindex, out->ifname, alias, 0, err)) < 0)
		goto fail;
	out->ifindex = now.ifindex;
	out->mtu = now.mtu;
	memcpy(out->mac, now.mac, 6);
	if (spec->persist) {
		out->queues = 0;
		return 0;
	}
	for (i = 0; i < VMTAP_MAX_QUEUES; i++)
		out->tapfd[i] = -1;
	if ((r = open_queues(sysfs, out->ifname, out->ifindex, spec->queues, out->tapfd,
			     err)) < 0)
		goto fail;
	out->queues = spec->queues;
	if (!spec->vnet_hdr && (r = no_vnet_hdr(out->tapfd, out->queues, out->ifname, err)) < 0)
		goto fail;
	return 0;
fail:
	if (made)
		link_delete(sk, out->ifname, NULL);
	nic_close(out);
	return r;
}

int macvtap_delete_owned(struct nl_sock *sk, int ifindex, pid_t pid, struct vmtap_err *err)
{
	struct link_detail d;
	unsigned long long start;
	pid_t p;
	int r;

	r = link_get_detail_index(sk, ifindex, NULL, &d, err);
	if (r == -ENODEV)
		return 0;
	if (r < 0)
		return r;
	if (!d.is_macvtap || !macvtap_alias_owner(d.alias, &p, &start) || p != pid)
		return 0; /* not ours any more: the ifindex was reused */
	r = link_delete(sk, d.name, err);
	return r == -ENODEV ? 0 : r;
}

int macvtap_reap(struct nl_sock *sk, macvtap_alive_fn *alive, void *arg, unsigned *deleted,
		 struct vmtap_err *err)
{
	struct link_detail *links = NULL;
	unsigned long long start, now;
	size_t n = 0, i;
	pid_t pid;
	int r;

	*deleted = 0;
	if ((r = link_dump_detail(sk, &links, &n, err)) < 0)
		return r;
	for (i = 0; i < n; i++) {
		if (!links[i].is_macvtap || !macvtap_alias_owner(links[i].alias, &pid, &start))
			continue;
		if (macvtap_proc_start(pid, &now) == 0 && now == start) {
			if (alive)
				alive(links[i].st.ifindex, links[i].name, pid, arg);
			continue;
		}
		if ((r = link_delete(sk, links[i].name, err)) < 0 && r != -ENODEV)
			break;
		r = 0;
		(*deleted)++;
	}
	free(links);
	return r;
}
