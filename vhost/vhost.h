/* vhost.h — /dev/vhost-net fds, one per queue, for QEMU to own.
 *
 * vmtap only opens the device.  It never calls VHOST_SET_OWNER on an fd it
 * hands out: the owner is the process that calls it, and that must be QEMU. */
#ifndef VMTAP_VHOST_H
#define VMTAP_VHOST_H

#include "helper/core/err.h"

#define VHOST_NET_DEVICE "/dev/vhost-net"

/* Opens the device n times into fds[0..n-1].  On failure every fd opened
 * so far is closed and the message names the device, the reason and the
 * fix (module not loaded vs permission). */
int vhost_open(unsigned n, int *fds, struct vmtap_err *err);

#endif
