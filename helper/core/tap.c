/* tap.c — create a (multiqueue) tap on fds the caller opened; make, take
 * over and mark persistent tun/tap devices (owner, group, persist).
 *
 * Why vmtap names the tap itself: asking the kernel for "tap%d" makes it
 * scan every interface (O(n) per NIC).  IFF_TUN_EXCL turns "that name is
 * taken" into EBUSY instead of silently attaching to somebody else's
 * device.  Never sets offloads, vnet header size or sndbuf: QEMU does that
 * on the fds it receives. */
#include "helper/core/tap.h"

#include <errno.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>

#include "helper/core/nic.h"

int tap_check_features(int tunfd, unsigned queues, bool vnet_hdr, struct vmtap_err *err)
{
	unsigned int feat = 0;
	/* TUNGETFEATURES never reports IFF_TUN_EXCL (it is not in the
	 * kernel's TUN_FEATURES), though TUNSETIFF honours it. */
	unsigned int need = IFF_TAP | IFF_NO_PI;

	if (ioctl(tunfd, TUNGETFEATURES, &feat) < 0)
		return vmtap_fail(err, -errno, "%s: TUNGETFEATURES failed: %s", TUN_DEVICE,
				  strerror(errno));
	if (vnet_hdr && !(feat & IFF_VNET_HDR))
		return vmtap_fail(err, -EOPNOTSUPP,
				  "this kernel's tun driver has no IFF_VNET_HDR (virtio-net header)");
	if (queues > 1 && !(feat & IFF_MULTI_QUEUE))
		return vmtap_fail(err, -EOPNOTSUPP,
				  "this kernel's tun driver has no IFF_MULTI_QUEUE; use queues=1");
	if ((feat & need) != need)
		return vmtap_fail(err, -EOPNOTSUPP,
				  "this kernel's tun driver lacks IFF_TAP or IFF_NO_PI");
	return 0;
}

static int pick_name(char name[IFNAMSIZ])
{
	unsigned int r;

	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		return -errno ? -errno : -EIO;
	snprintf(name, IFNAMSIZ, VMTAP_IFNAME_PREFIX "%08x", r);
	return 0;
}

bool tap_name_is_chosen(const char *name)
{
	size_t k = sizeof(VMTAP_IFNAME_PREFIX) - 1, i;

	if (strncmp(name, VMTAP_IFNAME_PREFIX, k) || strlen(name) != k + 8)
		return false;
	for (i = k; i < k + 8; i++)
		if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
			return false;
	return true;
}

static int setiff(int fd, const char *name, short flags)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = flags;
	/* The name was validated to be shorter than IFNAMSIZ. */
	memcpy(ifr.ifr_name, name, strnlen(name, IFNAMSIZ - 1));
	return ioctl(fd, TUNSETIFF, &ifr) < 0 ? -errno : 0;
}

int tap_create(const int *fds, unsigned n, bool vnet_hdr, char name[IFNAMSIZ],
	       struct vmtap_err *err)
{
	short flags = IFF_TAP | IFF_NO_PI;
	bool chosen = !name[0];
	unsigned i;
	int r = -EBUSY, tries;

	if (vnet_hdr)
		flags |= IFF_VNET_HDR;
	if (n > 1)
		flags |= IFF_MULTI_QUEUE;

	for (tries = 0; tries < 8 && r == -EBUSY; tries++) {
		if (chosen && (r = pick_name(name)) < 0)
			return vmtap_fail(err, r, "cannot pick a tap name: %s", strerror(-r));
		r = setiff(fds[0], name, flags | IFF_TUN_EXCL);
		if (!chosen)
			break;
	}
	if (r == -EBUSY && !chosen)
		return vmtap_fail(err, -EEXIST, "interface %s already exists", name);
	if (r < 0)
		return vmtap_fail(err, r, "cannot create tap %s: %s", name, strerror(-r));

	for (i = 1; i < n; i++) {
		r = setiff(fds[i], name, flags);
		if (r < 0)
			return vmtap_fail(err, r, "cannot attach queue %u of tap %s: %s", i, name,
					  strerror(-r));
	}
	return 0;
}

/* ---- persistent devices ---------------------------------------------- */

static short tun_iff(const struct tun_flags *f)
{
	short flags = (f->tun ? IFF_TUN : IFF_TAP) | IFF_NO_PI;

	if (f->vnet_hdr)
		flags |= IFF_VNET_HDR;
	if (f->multi_queue)
		flags |= IFF_MULTI_QUEUE;
	return flags;
}

int tun_check_features(int tunfd, const struct tun_flags *f, struct vmtap_err *err)
{
	unsigned int feat = 0;
	unsigned int need = (f->tun ? IFF_TUN : IFF_TAP) | IFF_NO_PI;

	if (ioctl(tunfd, TUNGETFEATURES, &feat) < 0)
		return vmtap_fail(err, -errno, "%s: TUNGETFEATURES failed: %s", TUN_DEVICE,
				  strerror(errno));
	if (f->vnet_hdr && !(feat & IFF_VNET_HDR))
		return vmtap_fail(err, -EOPNOTSUPP,
				  "this kernel's tun driver has no IFF_VNET_HDR (virtio-net header)");
	if (f->multi_queue && !(feat & IFF_MULTI_QUEUE))
		return vmtap_fail(err, -EOPNOTSUPP,
				  "this kernel's tun driver has no IFF_MULTI_QUEUE; use queues=1");
	if ((feat & need) != need)
		return vmtap_fail(err, -EOPNOTSUPP, "this kernel's tun driver lacks %s or IFF_NO_PI",
				  f->tun ? "IFF_TUN" : "IFF_TAP");
	return 0;
}

int tun_make(int fd, char name[IFNAMSIZ], const struct tun_flags *f, struct vmtap_err *err)
{
	bool chosen = !name[0];
	int r = -EBUSY, tries;

	for (tries = 0; tries < 8 && r == -EBUSY; tries++) {
		if (chosen && (r = pick_name(name)) < 0)
			return vmtap_fail(err, r, "cannot pick a device name: %s", strerror(-r));
		r = setiff(fd, name, tun_iff(f) | IFF_TUN_EXCL);
		if (!chosen)
			break;
	}
	if (r == -EBUSY && !chosen)
		return -EEXIST;
	if (r < 0)
		return vmtap_fail(err, r, "cannot create %s %s: %s", f->tun ? "tun" : "tap", name,
				  strerror(-r));
	return 0;
}

int tun_attach_existing(int fd, const char *name, const struct tun_flags *f,
			struct vmtap_err *err)
{
	int r = setiff(fd, name, tun_iff(f));

	if (r == -EINVAL)
		return r;
	if (r == -EBUSY)
		return vmtap_fail(err, r, "%s is in use (a single-queue device takes one user)", name);
	if (r < 0)
		return vmtap_fail(err, r, "cannot attach to %s: %s", name, strerror(-r));
	return 0;
}

int tun_set_owner(int fd, const char *name, uint32_t uid, struct vmtap_err *err)
{
	if (ioctl(fd, TUNSETOWNER, (unsigned long)uid) < 0)
		return vmtap_fail(err, -errno, "cannot make uid %u the owner of %s: %s", uid, name,
				  strerror(errno));
	return 0;
}

int tun_set_group(int fd, const char *name, uint32_t gid, struct vmtap_err *err)
{
	if (ioctl(fd, TUNSETGROUP, (unsigned long)gid) < 0)
		return vmtap_fail(err, -errno, "cannot make gid %u the group of %s: %s", gid, name,
				  strerror(errno));
	return 0;
}

int tun_set_persist(int fd, const char *name, bool on, struct vmtap_err *err)
{
	if (ioctl(fd, TUNSETPERSIST, (unsigned long)on) < 0)
		return vmtap_fail(err, -errno, "cannot make %s %spersistent: %s", name, on ? "" : "non-",
				  strerror(errno));
	return 0;
}
