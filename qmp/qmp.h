/* qmp.h — a client for QEMU's machine protocol (QMP) over a unix socket.
 *
 * Owns: the connection, the greeting and capabilities negotiation, framing
 * of the JSON stream, commands (with at most one fd attached to a
 * command's bytes, as `getfd` wants), matching each reply to its command
 * by "id", and a bounded queue of asynchronous events.
 *
 * Promises: every wait is bounded by a deadline; every fd it opens is
 * CLOEXEC and closed by qmp_close (or on a failed connect); fds a peer
 * sends it are closed at once; whatever the peer sends — error replies,
 * garbage, a closed socket, a storm of events — ends in a negative errno
 * and one line in a vmtap_err, never a hang or a leak.  Arguments are
 * built by the caller as typed jansson values (booleans and numbers, not
 * strings: QEMU >= 5.0 refuses "vhost":"on" in netdev_add and >= 9.2
 * refuses string-typed device_add properties).
 *
 * Never: prints, creates taps, or enables out-of-band execution. */
#ifndef VMTAP_QMP_H
#define VMTAP_QMP_H

#include <stdbool.h>
#include <jansson.h>

#include "helper/core/err.h"

/* Events kept while nobody waits for them; beyond this the oldest go
 * (qmp_events_dropped counts them), so a storm cannot exhaust memory. */
#define QMP_EVENTS_MAX 256
/* One JSON message from QEMU, at most. */
#define QMP_MSG_MAX (1024 * 1024)

struct qmp;

/* Connect to PATH, read the greeting and negotiate capabilities, each
 * wait at most timeout_ms.  On failure nothing is left open. */
int qmp_connect(const char *path, int timeout_ms, struct qmp **out, struct vmtap_err *err);

/* The same over an already connected stream socket, which is taken over:
 * closed by qmp_close, or here on failure.  (For tests and for callers
 * that inherit a monitor socket.) */
int qmp_attach(int fd, int timeout_ms, struct qmp **out, struct vmtap_err *err);

void qmp_close(struct qmp *q);

/* QEMU's version as the greeting said it (0.0.0 when it did not). */
void qmp_version(const struct qmp *q, int *major, int *minor, int *micro);

/* What QEMU said when a command failed. */
struct qmp_error {
	char cls[64];   /* "GenericError", "DeviceNotFound", ... */
	char desc[256];
};

#define QMP_NO_FD (-1)

/* Run command cmd with arguments args (reference stolen; NULL for none).
 * fd >= 0 travels with the command's bytes (SCM_RIGHTS); the caller keeps
 * its own copy.  Waits at most timeout_ms for the reply carrying this
 * command's id; events that arrive meanwhile are queued.
 *
 * 0: *ret (when ret is not NULL) holds the "return" value (json_decref it).
 * -EREMOTEIO: QEMU answered with an error; *qe (when not NULL) has its class
 *   and text, err says "CMD: TEXT".
 * -ETIMEDOUT, -ECONNRESET (QEMU closed the socket), -EPROTO (not QMP):
 *   err says which.  After -ECONNRESET or -EPROTO the connection is dead and
 *   every later call fails at once; after -ETIMEDOUT a late reply is
 *   recognised by its id and skipped. */
int qmp_execute(struct qmp *q, const char *cmd, json_t *args, int fd, int timeout_ms,
		json_t **ret, struct qmp_error *qe, struct vmtap_err *err);

/* true when event (an object with "event", "data", "timestamp") is the
 * one a caller waits for. */
typedef bool (*qmp_event_match)(const json_t *event, void *ctx);

/* Take the first queued or arriving event that match accepts, waiting at
 * most timeout_ms.  *event (when not NULL) gets it (json_decref it). */
int qmp_wait_event(struct qmp *q, qmp_event_match match, void *ctx, int timeout_ms,
		   json_t **event, struct vmtap_err *err);

/* Events dropped because the queue was full. */
unsigned long qmp_events_dropped(const struct qmp *q);

/* A pidfd (CLOEXEC, the caller's to close) of the process that listened
 * on the monitor's socket: QEMU, when it made the socket itself (-qmp
 * unix:PATH,server=on).  For what must go when QEMU does (a macvtap). */
int qmp_peer_pidfd(const struct qmp *q, int *out, struct vmtap_err *err);

/* QEMU's rule for ids (device, netdev) and names: a letter first, then
 * letters, digits, '-', '.' or '_'; here at most 63 bytes. */
bool qmp_id_valid(const char *s);

#endif
