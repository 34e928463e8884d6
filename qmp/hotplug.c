/* hotplug.c — the plug and unplug sequences (see hotplug.h).
 *
 * Why the undo steps are what they are: a name given to getfd holds its fd
 * in QEMU until closefd or until netdev_add takes it over, so a failure
 * before the netdev exists is undone with closefd of every name sent (a
 * name netdev_add already took, or a getfd QEMU refused, answers "not
 * found", which is fine).  Once the netdev exists it owns the fds, so a
 * failed device_add is undone with netdev_del, which closes them.  With
 * QEMU's copies closed and the caller's closed, the tap vanishes.
 *
 * A broken connection cannot be undone through; the message says so. */
#include "qmp/hotplug.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "helper/core/parse.h"

#define NAME_MAX_LEN 96

/* True when r means the connection can carry no more commands. */
static bool conn_lost(int r)
{
	return r == -ECONNRESET || r == -EPROTO || r == -EMSGSIZE;
}

static void fd_name(char *buf, const char *id, const char *kind, unsigned i)
{
	snprintf(buf, NAME_MAX_LEN, "vmtap-%s-%s%u", id, kind, i);
}

/* "a:b:c" of names[from .. from+n) */
static int join(char (*names)[NAME_MAX_LEN], unsigned from, unsigned n, char *out, size_t cap)
{
	size_t off = 0;
	unsigned i;

	for (i = 0; i < n; i++) {
		int w = snprintf(out + off, cap - off, "%s%s", i ? ":" : "", names[from + i]);

		if (w < 0 || (size_t)w >= cap - off)
			return -ENOSPC;
		off += (size_t)w;
	}
	return 0;
}

/* closefd every name sent, last first; QEMU errors mean it does not hold
 * that name (anymore), which is what we want. */
static int undo_fds(struct qmp *q, char (*names)[NAME_MAX_LEN], unsigned sent, int timeout_ms,
		    struct vmtap_err *why)
{
	while (sent > 0) {
		int r = qmp_execute(q, "closefd", json_pack("{s:s}", "fdname", names[--sent]),
				    QMP_NO_FD, timeout_ms, NULL, NULL, why);

		if (r < 0 && r != -EREMOTEIO)
			return r;
	}
	return 0;
}

static int failed(struct vmtap_err *err, int r, const char *id, const char *step,
		  const struct vmtap_err *cause, int undo_r, const char *undone,
		  const struct vmtap_err *undo_why)
{
	if (undo_r < 0)
		return vmtap_fail(err, r, "hot-plug of %s failed at %s: %s; could not undo: %s", id,
				  step, vmtap_err_text(cause, r), vmtap_err_text(undo_why, undo_r));
	return vmtap_fail(err, r, "hot-plug of %s failed at %s: %s; %s", id, step,
			  vmtap_err_text(cause, r), undone);
}

int hotplug_nic(struct qmp *q, const struct nic *nic, const struct hotplug_req *req,
		int timeout_ms, struct vmtap_err *err)
{
	char names[2 * VMTAP_MAX_QUEUES][NAME_MAX_LEN];
	char fds[VMTAP_MAX_QUEUES * NAME_MAX_LEN], vfds[VMTAP_MAX_QUEUES * NAME_MAX_LEN];
	struct vmtap_err cause = { "" }, undo_why = { "" };
	char step[NAME_MAX_LEN + 16], undone[96], mac[18];
	unsigned i, sent = 0, n;
	json_t *args;
	int r, u;

	if (!qmp_id_valid(req->id))
		return vmtap_fail(err, -EINVAL, "id %s: expected a letter then letters, digits, "
				  "'-', '.' or '_' (at most 63 bytes)", req->id ? req->id : "(none)");
	if (req->bus && !qmp_id_valid(req->bus))
		return vmtap_fail(err, -EINVAL, "bus %s: expected a QEMU bus id such as rp1 or "
				  "pcie.0", req->bus);
	if (!req->driver || !*req->driver)
		return vmtap_fail(err, -EINVAL, "no device driver given");
	if (nic->queues < 1 || nic->queues > VMTAP_MAX_QUEUES ||
	    (nic->nvhost != 0 && nic->nvhost != nic->queues))
		return vmtap_fail(err, -EINVAL, "NIC with %u queues and %u vhost fds: expected "
				  "1..%d queues and 0 or as many vhost fds", nic->queues,
				  nic->nvhost, VMTAP_MAX_QUEUES);

	n = nic->queues + nic->nvhost;
	for (i = 0; i < n; i++) {
		bool tap = i < nic->queues;
		int fd = tap ? nic->tapfd[i] : nic->vhostfd[i - nic->queues];

		fd_name(names[i], req->id, tap ? "tap" : "vhost", tap ? i : i - nic->queues);
		r = qmp_execute(q, "getfd", json_pack("{s:s}", "fdname", names[i]), fd, timeout_ms,
				NULL, NULL, &cause);
		/* Without an answer, QEMU may hold this one too. */
		if (r < 0 && r != -EREMOTEIO)
			sent++;
		if (r < 0) {
			snprintf(step, sizeof(step), "getfd %s", names[i]);
			u = conn_lost(r) ? r : undo_fds(q, names, sent, timeout_ms, &undo_why);
			if (conn_lost(r))
				vmtap_fail(&undo_why, r, "the QMP connection is gone");
			snprintf(undone, sizeof(undone), sent ? "undone: closefd of %u fd names" :
				 "nothing to undo", sent);
			return failed(err, r, req->id, step, &cause, u, undone, &undo_why);
		}
		sent++;
	}

	if (join(names, 0, nic->queues, fds, sizeof(fds)) < 0 ||
	    join(names, nic->queues, nic->nvhost, vfds, sizeof(vfds)) < 0)
		return vmtap_fail(err, -ENOSPC, "internal: fd name list too long");
	args = json_pack("{s:s, s:s, s:s}", "type", "tap", "id", req->id, "fds", fds);
	if (args && nic->nvhost) {
		/* Typed: QEMU >= 5.0 refuses "vhost":"on". */
		json_object_set_new(args, "vhost", json_true());
		json_object_set_new(args, "vhostfds", json_string(vfds));
	}
	r = qmp_execute(q, "netdev_add", args, QMP_NO_FD, timeout_ms, NULL, NULL, &cause);
	if (r < 0) {
		snprintf(step, sizeof(step), "netdev_add %s", req->id);
		u = conn_lost(r) ? r : undo_fds(q, names, sent, timeout_ms, &undo_why);
		if (conn_lost(r))
			vmtap_fail(&undo_why, r, "the QMP connection is gone");
		snprintf(undone, sizeof(undone), "undone: closefd of %u fd names", sent);
		return failed(err, r, req->id, step, &cause, u, undone, &undo_why);
	}

	args = json_pack("{s:s, s:s, s:s, s:s}", "driver", req->driver, "id", req->id, "netdev",
			 req->id, "mac", format_mac(req->mac, mac));
	if (args && nic->queues > 1) {
		/* One MSI-X vector per RX and per TX queue, one for config and
		 * one for the control queue. */
		json_object_set_new(args, "mq", json_true());
		json_object_set_new(args, "vectors", json_integer(2 * (json_int_t)nic->queues + 2));
	}
	if (args && req->bus)
		json_object_set_new(args, "bus", json_string(req->bus));
	r = qmp_execute(q, "device_add", args, QMP_NO_FD, timeout_ms, NULL, NULL, &cause);
	if (r < 0) {
		snprintf(step, sizeof(step), "device_add %s", req->id);
		if (conn_lost(r)) {
			u = r;
			vmtap_fail(&undo_why, r, "the QMP connection is gone");
		} else {
			u = qmp_execute(q, "netdev_del", json_pack("{s:s}", "id", req->id), QMP_NO_FD,
					timeout_ms, NULL, NULL, &undo_why);
		}
		snprintf(undone, sizeof(undone), "undone: netdev_del %s", req->id);
		return failed(err, r, req->id, step, &cause, u, undone, &undo_why);
	}
	return 0;
}

struct deleted_ctx {
	const char *id;
	char path[128];
};

/* DEVICE_DELETED for the device itself.  virtio-net's backend child goes
 * first, with only a path (".../ID/virtio-backend"); it is not ours. */
static bool is_deleted(const json_t *ev, void *p)
{
	const struct deleted_ctx *c = p;
	const json_t *data = json_object_get(ev, "data");
	const char *dev = json_string_value(json_object_get(data, "device"));
	const char *path = json_string_value(json_object_get(data, "path"));

	if (strcmp(json_string_value(json_object_get(ev, "event")), "DEVICE_DELETED"))
		return false;
	return dev && !strcmp(dev, c->id) && (!path || !strcmp(path, c->path));
}

int unplug_nic(struct qmp *q, const char *id, int timeout_ms, struct vmtap_err *err)
{
	struct vmtap_err e = { "" };
	struct deleted_ctx ctx;
	struct qmp_error qe;
	bool gone = false;
	int r;

	if (!qmp_id_valid(id))
		return vmtap_fail(err, -EINVAL, "id %s: expected a letter then letters, digits, "
				  "'-', '.' or '_' (at most 63 bytes)", id ? id : "(none)");
	ctx.id = id;
	snprintf(ctx.path, sizeof(ctx.path), "/machine/peripheral/%s", id);

	r = qmp_execute(q, "device_del", json_pack("{s:s}", "id", id), QMP_NO_FD, timeout_ms, NULL,
			&qe, &e);
	if (r == -EREMOTEIO && !strcmp(qe.cls, "DeviceNotFound"))
		gone = true; /* an earlier unplug's device went; its netdev may not have */
	else if (r < 0)
		return vmtap_fail(err, r, "unplug of %s failed at device_del: %s", id,
				  vmtap_err_text(&e, r));

	if (!gone) {
		char sp[32];

		r = qmp_wait_event(q, is_deleted, &ctx, timeout_ms, NULL, &e);
		if (timeout_ms % 1000 == 0)
			snprintf(sp, sizeof(sp), "%d s", timeout_ms / 1000);
		else
			snprintf(sp, sizeof(sp), "%d ms", timeout_ms);
		if (r == -ETIMEDOUT)
			return vmtap_fail(err, r, "unplug of %s: the guest did not release the device "
					  "within %s (no DEVICE_DELETED; a guest must acknowledge the "
					  "unplug); its netdev stays until it does: run unplug again "
					  "later", id, sp);
		if (r < 0)
			return vmtap_fail(err, r, "unplug of %s failed waiting for DEVICE_DELETED: %s",
					  id, vmtap_err_text(&e, r));
	}

	r = qmp_execute(q, "netdev_del", json_pack("{s:s}", "id", id), QMP_NO_FD, timeout_ms, NULL,
			&qe, &e);
	if (r < 0 && gone && r == -EREMOTEIO)
		return vmtap_fail(err, -ENOENT, "unplug of %s: QEMU has no device and no netdev "
				  "with id %s (%s)", id, id, qe.desc);
	if (r < 0)
		return vmtap_fail(err, r, "unplug of %s failed at netdev_del: %s", id,
				  vmtap_err_text(&e, r));
	return 0;
}
