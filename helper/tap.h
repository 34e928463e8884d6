/* tap.h — tap devices through /dev/net/tun.  One fd per queue. */
#ifndef VMTAP_TAP_H
#define VMTAP_TAP_H

#include <net/if.h>
#include <stdbool.h>

#include "err.h"

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
int tap_create(const int *fds, unsigned n, bool vnet_hdr, char name[IFNAMSIZ],
	       struct vmtap_err *err);

#endif
