/* hotplug.h — add a NIC that vmtap made to a running QEMU, and take one
 * away, over QMP.
 *
 * Plug:   getfd (one per tap fd, then one per vhost fd, each under its own
 *         name "vmtap-ID-tapN" / "vmtap-ID-vhostN"), netdev_add (type tap,
 *         fds and vhostfds as colon-separated names, vhost a boolean),
 *         device_add (driver, id, netdev, mac; mq and vectors 2N+2 when
 *         N > 1; bus when given).
 * Unplug: device_del, the DEVICE_DELETED event for the device itself
 *         (not the one virtio sends first for its backend), netdev_del.
 *
 * All or nothing: when a step fails, the earlier ones are undone
 * (closefd, netdev_del) and err names the step, QEMU's words, and what
 * was undone.  The caller's copies of the nic's fds are never closed here.
 * Never prints. */
#ifndef VMTAP_HOTPLUG_H
#define VMTAP_HOTPLUG_H

#include <stdint.h>

#include "helper/core/err.h"
#include "helper/core/nic.h"
#include "qmp/qmp.h"

struct hotplug_req {
	const char *id;     /* the netdev's and the device's id (qmp_id_valid) */
	const char *driver; /* "virtio-net-pci" */
	const char *bus;    /* NULL: QEMU picks (q35 needs a free pcie-root-port) */
	uint8_t mac[6];     /* the guest's MAC */
};

int hotplug_nic(struct qmp *q, const struct nic *nic, const struct hotplug_req *req,
		int timeout_ms, struct vmtap_err *err);

/* Waits at most timeout_ms for the guest to let the device go; a guest
 * that does not is -ETIMEDOUT and the netdev stays (run unplug again once
 * the guest has let go).  A device already gone (DeviceNotFound) goes
 * straight to netdev_del. */
int unplug_nic(struct qmp *q, const char *id, int timeout_ms, struct vmtap_err *err);

#endif
