/* vhost.h — /dev/vhost-net fds, one per queue, for QEMU to own.
 *
 * vmtap only opens the device.  It never calls VHOST_SET_OWNER on an fd it
 * hands out: the owner is the process that calls it, and that must be QEMU. */
#ifndef VMTAP_VHOST_H
#define VMTAP_VHOST_H

#include <stdbool.h>
#include <stddef.h>

#include "helper/core/err.h"

#define VHOST_NET_DEVICE "/dev/vhost-net"

/* Opens the device n times into fds[0..n-1].  On failure every fd opened
 * so far is closed and the message names the device, the reason and the
 * fix (module not loaded vs permission). */
int vhost_open(unsigned n, int *fds, struct vmtap_err *err);

/* How to get VHOST_NET_DEVICE on this machine, in one line: mknod when the
 * module is loaded, modprobe when this kernel has the module, else that
 * this kernel lacks CONFIG_VHOST_NET (diagnose.c).  The one diagnosis
 * that vhost_open's error and `vmtap doctor` both give. */
void vhost_missing_fix(char *fix, size_t n);

#endif
