/* tap.h — tap devices through /dev/net/tun.  One fd per queue. */
#ifndef VMTAP_TAP_H
#define VMTAP_TAP_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "helper/core/err.h"

#define TUN_DEVICE "/dev/net/tun"

/* Asks the kernel (TUNGETFEATURES on an open /dev/net/tun fd) whether it
 * has what a tap with these options needs; the message says what is
 * missing. */
int tap_check_features(int tunfd, unsigned queues, bool vnet_hdr, struct vmtap_err *err);

/* Makes the tap on fds[0..n-1] (each an open /dev/net/tun): the first fd
 * creates it with IFF_TUN_EXCL, the others attach as further queues
 * (IFF_MULTI_QUEUE exactly when n > 1).  name "" means: pick a fresh
 * "vmt" + 8 hex digits name, retrying if taken; the chosen name is written
 * back.  A name given by the caller that exists is -EEXIST.  The tap is
 * left down.  On failure the fds are still the caller's to close (which
 * removes whatever was made). */
/* Whether name has the shape tap_create gives a name it chooses:
 * VMTAP_IFNAME_PREFIX and 8 lowercase hex digits.  For display only (vmtap
 * list's VMTAP column): anyone may name a device so, so it decides
 * nothing. */
bool tap_name_is_chosen(const char *name);

int tap_create(const int *fds, unsigned n, bool vnet_hdr, char name[IFNAMSIZ],
	       struct vmtap_err *err);

/* ---- persistent devices (vmtap create, the libvirt hook) ----------- */

struct tun_flags {
	bool tun;          /* IFF_TUN (L3) rather than IFF_TAP */
	bool multi_queue;  /* IFF_MULTI_QUEUE */
	bool vnet_hdr;     /* IFF_VNET_HDR */
};

/* As tap_check_features, for a device of these flags. */
int tun_check_features(int tunfd, const struct tun_flags *f, struct vmtap_err *err);

/* TUNSETIFF NAME with IFF_TUN_EXCL on fd: 0 when made (down, not yet
 * persistent, so closing fd removes it), -EEXIST with no message when the
 * name is taken (the caller looks at what is there), else -errno with a
 * message.  name "" means: pick a fresh "vmt" + 8 hex digits name, as
 * tap_create does, and write it back. */
int tun_make(int fd, char name[IFNAMSIZ], const struct tun_flags *f, struct vmtap_err *err);

/* TUNSETIFF NAME without IFF_TUN_EXCL: attach fd to an existing device.
 * The kernel refuses with -EINVAL when the device's type (tun/tap) or its
 * IFF_MULTI_QUEUE differ from f; that comes back with no message, for a
 * caller that knows what is there to word it.  -EBUSY "in use" for a
 * single-queue device some process holds open. */
int tun_attach_existing(int fd, const char *name, const struct tun_flags *f,
			struct vmtap_err *err);

/* TUNSETOWNER / TUNSETGROUP: who may open the device without
 * CAP_NET_ADMIN.  The kernel cannot clear either once set. */
int tun_set_owner(int fd, const char *name, uint32_t uid, struct vmtap_err *err);
int tun_set_group(int fd, const char *name, uint32_t gid, struct vmtap_err *err);

/* TUNSETPERSIST: the device outlives its fds (on) or goes with the last
 * one (off). */
int tun_set_persist(int fd, const char *name, bool on, struct vmtap_err *err);

#endif
