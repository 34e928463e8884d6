/* selftest.h — the vhost-net data-path self-test: does a NIC that vmtap
 * made actually move frames through /dev/vhost-net?
 *
 * The test plays QEMU's role on one queue of a NIC from provision(): it
 * becomes the vhost owner (VHOST_SET_OWNER), negotiates features, gives
 * vhost a memory table over a buffer of its own, sets up an RX and a TX
 * split virtqueue with kick and call eventfds, sets the tap's vnet header
 * size and offloads as QEMU would, and binds the tap as backend.  Then:
 *
 *   tx  one Ethernet frame, with its virtio-net header, on the TX ring;
 *       kick; the exact frame must arrive on the bridge (a packet socket
 *       bound to it) and the descriptor must come back in the used ring;
 *   rx  a frame sent through the bridge to the tap's MAC must appear,
 *       intact behind its virtio-net header, in an RX buffer, with the RX
 *       call eventfd signalled.
 *
 * This is the one place vmtap calls VHOST_SET_OWNER: the self-test is the
 * owner because it is the one using the fd.  A NIC whose vhost fd went
 * through the self-test is spent: close it, never hand it out.
 *
 * Never prints.  Waits are bounded (VHOST_SELFTEST_WAIT_MS per direction),
 * so a broken data path is a failure with a message, not a hang. */
#ifndef VMTAP_VHOST_SELFTEST_H
#define VMTAP_VHOST_SELFTEST_H

#include <stdbool.h>
#include <stdint.h>

#include "helper/core/err.h"
#include "helper/core/nic.h"

/* Generous: under TCG emulation a vhost worker can be slow to run. */
#define VHOST_SELFTEST_WAIT_MS 15000

struct vhost_selftest_result {
	uint64_t offered;   /* VHOST_GET_FEATURES */
	uint64_t acked;     /* what the test gave VHOST_SET_FEATURES */
	unsigned hdr_len;   /* virtio-net header length in use (10 or 12) */
	bool tx_ok;
	bool rx_ok;
	char tx_why[160];   /* when !tx_ok, what was seen instead */
	char rx_why[160];
};

/* Runs the test on queue 0 of nic (which needs nvhost >= 1), a port of
 * the bridge named bridge.  0 when both directions held; otherwise a
 * negative errno with one line in err: the set-up step that failed, or
 * which direction failed and why (also in res).  res is filled as far as
 * the test got.  The caller's process must be allowed to open a packet
 * socket (CAP_NET_RAW). */
int vhost_selftest(const struct nic *nic, const char *bridge, struct vhost_selftest_result *res,
		   struct vmtap_err *err);

#endif
