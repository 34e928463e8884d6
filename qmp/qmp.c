/* qmp.c — the QMP client (see qmp.h).
 *
 * Theory of operation.  QEMU writes a stream of JSON objects: the
 * greeting, then replies and events in any order.  We frame the stream
 * ourselves (a brace counter that knows strings and escapes), so an object
 * may arrive a byte at a time or several per read, pretty-printed or not,
 * and anything that does not start with '{' is garbage the moment we see
 * it.  Only a complete frame is handed to jansson, with duplicate keys
 * refused.
 *
 * One command is in flight at a time.  Each carries a fresh integer id;
 * a reply with another id is a late answer to a command that timed out and
 * is skipped, and a reply without an id is QEMU failing to parse what we
 * sent, so it belongs to the command in flight.  Events go to a bounded
 * queue that qmp_wait_event searches before it reads.
 *
 * Every wait polls against one deadline taken when the call starts, so a
 * peer that trickles bytes or events cannot stretch it.  Once the stream
 * is broken (closed, garbage, oversized) the connection is marked dead and
 * says why on every later call; a timeout leaves it usable. */
#include "qmp/qmp.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "helper/core/clock.h"
#include "helper/core/fdpass.h"

struct qmp {
	int fd;
	bool dead;
	struct vmtap_err why; /* why it is dead */
	char *buf;
	size_t len, cap;
	/* Framing state over buf[0..scan). */
	size_t scan;
	int depth;
	bool in_str, esc;
	json_t *events[QMP_EVENTS_MAX];
	unsigned ev_head, ev_count;
	unsigned long dropped;
	json_int_t seq;
	int major, minor, micro;
};

/* "10 s" or "250 ms", as the user gave it. */
static const char *span(int ms, char buf[32])
{
	if (ms % 1000 == 0)
		snprintf(buf, 32, "%d s", ms / 1000);
	else
		snprintf(buf, 32, "%d ms", ms);
	return buf;
}

/* What the peer sent, for a message: the one sanitiser (err.h), quoted,
 * cut with "...". */
static const char *excerpt(const char *p, size_t n, char out[200])
{
	return vmtap_show(out, VMTAP_SHOW_CAP, p, n, VMTAP_SHOW_QUOTED);
}

static int kill_conn(struct qmp *q, int r, struct vmtap_err *err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Mark the connection dead with one reason, and report it. */
static int kill_conn(struct qmp *q, int r, struct vmtap_err *err, const char *fmt, ...)
{
	va_list ap;

	if (!q->dead) {
		q->dead = true;
		va_start(ap, fmt);
		vsnprintf(q->why.msg, sizeof(q->why.msg), fmt, ap);
		va_end(ap);
	}
	return vmtap_fail(err, r, "%s", q->why.msg);
}

/* Read what is there, waiting until deadline.  0, -ETIMEDOUT,
 * -ECONNRESET (end of stream) or another -errno.  QEMU never sends fds on
 * a monitor; any that come are closed here, so none can leak. */
static int read_some(struct qmp *q, long long deadline)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * 16)];
	} cb;
	struct iovec iov;
	struct msghdr msg;
	ssize_t n;

	if (q->cap - q->len < 4096) {
		size_t ncap = q->cap ? q->cap * 2 : 8192;
		char *nb;

		if (ncap > QMP_MSG_MAX + 8192)
			ncap = QMP_MSG_MAX + 8192;
		if (ncap <= q->len)
			return -EMSGSIZE;
		nb = realloc(q->buf, ncap);
		if (!nb)
			return -ENOMEM;
		q->buf = nb;
		q->cap = ncap;
	}
	for (;;) {
		long long left = deadline - (long long)mono_ms();
		struct pollfd p = { .fd = q->fd, .events = POLLIN };
		int r;

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			continue; /* the loop re-reads the clock */

		iov.iov_base = q->buf + q->len;
		iov.iov_len = q->cap - q->len;
		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cb.buf;
		msg.msg_controllen = sizeof(cb.buf);
		n = recvmsg(q->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return errno == ECONNRESET ? -ECONNRESET : -errno;
		fd_close_rights(&msg);
		if (n == 0)
			return -ECONNRESET;
		q->len += (size_t)n;
		return 0;
	}
}

/* 1 and *end when buf[0..*end) is one complete object, 0 when more bytes
 * are needed, -EPROTO when the stream is not a sequence of objects. */
static int frame(struct qmp *q, size_t *end)
{
	size_t i, skip = 0;

	if (q->depth == 0 && q->scan == 0) {
		/* JSON's whitespace only: strchr would also match a NUL. */
		while (skip < q->len && q->buf[skip] && strchr(" \t\r\n", q->buf[skip]))
			skip++;
		if (skip) {
			memmove(q->buf, q->buf + skip, q->len - skip);
			q->len -= skip;
		}
		if (q->len == 0)
			return 0;
		if (q->buf[0] != '{')
			return -EPROTO;
	}
	for (i = q->scan; i < q->len; i++) {
		char c = q->buf[i];

		if (q->in_str) {
			if (q->esc)
				q->esc = false;
			else if (c == '\\')
				q->esc = true;
			else if (c == '"')
				q->in_str = false;
		} else if (c == '"') {
			q->in_str = true;
		} else if (c == '{' || c == '[') {
			q->depth++;
		} else if (c == '}' || c == ']') {
			if (--q->depth == 0) {
				*end = i + 1;
				q->scan = 0;
				q->in_str = q->esc = false;
				return 1;
			}
		}
	}
	q->scan = q->len;
	return 0;
}

/* The next message from the peer, waiting until deadline.  what says
 * what we were waiting for, for the message. */
static int next_msg(struct qmp *q, long long deadline, const char *what, int timeout_ms,
		    json_t **out, struct vmtap_err *err)
{
	char ex[200], sp[32];
	json_error_t je;
	size_t end = 0;
	int r;

	*out = NULL;
	if (q->dead)
		return vmtap_fail(err, -ECONNRESET, "%s", q->why.msg);
	for (;;) {
		r = frame(q, &end);
		if (r < 0)
			return kill_conn(q, -EPROTO, err, "QMP peer sent something that is not a JSON "
					 "object while %s: \"%s\"", what,
					 excerpt(q->buf, q->len, ex));
		if (r == 1)
			break;
		if (q->len >= QMP_MSG_MAX)
			return kill_conn(q, -EMSGSIZE, err, "QMP message longer than %d bytes while %s",
					 QMP_MSG_MAX, what);
		r = read_some(q, deadline);
		if (r == -ETIMEDOUT)
			return vmtap_fail(err, r, "no answer from QEMU within %s while %s",
					  span(timeout_ms, sp), what);
		if (r == -ECONNRESET)
			return kill_conn(q, r, err, "QEMU closed the QMP connection while %s", what);
		if (r == -EMSGSIZE)
			return kill_conn(q, r, err, "QMP message longer than %d bytes while %s",
					 QMP_MSG_MAX, what);
		if (r < 0)
			return kill_conn(q, r, err, "QMP socket: %s while %s", strerror(-r), what);
	}
	*out = json_loadb(q->buf, end, JSON_REJECT_DUPLICATES, &je);
	if (!*out || !json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return kill_conn(q, -EPROTO, err, "QMP peer sent malformed JSON while %s (%s): \"%s\"",
				 what, je.text, excerpt(q->buf, end, ex));
	}
	memmove(q->buf, q->buf + end, q->len - end);
	q->len -= end;
	return 0;
}

static void queue_event(struct qmp *q, json_t *ev)
{
	if (q->ev_count == QMP_EVENTS_MAX) {
		json_decref(q->events[q->ev_head]);
		q->ev_head = (q->ev_head + 1) % QMP_EVENTS_MAX;
		q->ev_count--;
		q->dropped++;
	}
	q->events[(q->ev_head + q->ev_count) % QMP_EVENTS_MAX] = ev;
	q->ev_count++;
}

enum kind { K_EVENT, K_REPLY, K_OTHER };

static enum kind classify(const json_t *m)
{
	if (json_object_get(m, "event"))
		return K_EVENT;
	if (json_object_get(m, "return") || json_object_get(m, "error"))
		return K_REPLY;
	return K_OTHER;
}

/* Check an event's shape before anyone matches on it. */
static int check_event(struct qmp *q, const json_t *m, struct vmtap_err *err)
{
	const json_t *data = json_object_get(m, "data");
	char ex[200];

	if (!json_is_string(json_object_get(m, "event")) || (data && !json_is_object(data))) {
		char *s = json_dumps(m, JSON_COMPACT);
		int r = kill_conn(q, -EPROTO, err, "QMP event with a bad \"event\" or \"data\": \"%s\"",
				  excerpt(s ? s : "", s ? strlen(s) : 0, ex));

		free(s);
		return r;
	}
	return 0;
}

static int unexpected(struct qmp *q, const json_t *m, const char *what, struct vmtap_err *err)
{
	char *s = json_dumps(m, JSON_COMPACT);
	char ex[200];
	int r = kill_conn(q, -EPROTO, err, "unexpected QMP message while %s: \"%s\"", what,
			  excerpt(s ? s : "", s ? strlen(s) : 0, ex));

	free(s);
	return r;
}

/* Send text (with fd when >= 0) before deadline. */
static int send_text(struct qmp *q, const char *text, size_t len, int fd, long long deadline)
{
	long long left = deadline - (long long)mono_ms();
	struct timeval tv;
	size_t off = 0;

	if (left <= 0)
		return -ETIMEDOUT;
	tv.tv_sec = left / 1000;
	tv.tv_usec = (left % 1000) * 1000;
	/* A peer that stops reading must not block us past the deadline. */
	if (setsockopt(q->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		return -errno;
	if (fd >= 0) {
		int r = fd_send(q->fd, text, len, &fd, 1);

		return r == -EAGAIN || r == -EWOULDBLOCK ? -ETIMEDOUT : r;
	}
	while (off < len) {
		ssize_t n = send(q->fd, text + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
		off += (size_t)n;
	}
	return 0;
}

int qmp_execute(struct qmp *q, const char *cmd, json_t *args, int fd, int timeout_ms,
		json_t **ret, struct qmp_error *qe, struct vmtap_err *err)
{
	long long deadline = (long long)mono_ms() + timeout_ms;
	json_t *req = NULL, *m = NULL, *id;
	char what[96], sp[32];
	char *text = NULL;
	json_int_t myid;
	int r;

	if (ret)
		*ret = NULL;
	if (qe)
		qe->cls[0] = qe->desc[0] = '\0';
	if (q->dead) {
		json_decref(args);
		return vmtap_fail(err, -ECONNRESET, "%s", q->why.msg);
	}
	myid = ++q->seq;
	req = json_pack("{s:s, s:I}", "execute", cmd, "id", myid);
	if (!req) {
		r = vmtap_fail(err, -ENOMEM, "%s: out of memory", cmd);
		goto out;
	}
	if (args) {
		/* json_object_set_new takes the reference even when it fails. */
		int s = json_object_set_new(req, "arguments", args);

		args = NULL;
		if (s < 0) {
			r = vmtap_fail(err, -ENOMEM, "%s: out of memory", cmd);
			goto out;
		}
	}
	text = json_dumps(req, JSON_COMPACT);
	if (!text) {
		r = vmtap_fail(err, -ENOMEM, "%s: out of memory", cmd);
		goto out;
	}
	/* A newline ends each command, as a human at the monitor would. */
	{
		size_t n = strlen(text);
		char *t = realloc(text, n + 2);

		if (!t) {
			r = vmtap_fail(err, -ENOMEM, "%s: out of memory", cmd);
			goto out;
		}
		text = t;
		memcpy(text + n, "\n", 2);
		r = send_text(q, text, n + 1, fd, deadline);
	}
	if (r == -ETIMEDOUT) {
		r = vmtap_fail(err, r, "QEMU did not take %s within %s", cmd, span(timeout_ms, sp));
		goto out;
	}
	if (r == -EPIPE || r == -ECONNRESET) {
		r = kill_conn(q, -ECONNRESET, err, "QEMU closed the QMP connection before %s", cmd);
		goto out;
	}
	if (r < 0) {
		r = kill_conn(q, r, err, "sending %s: %s", cmd, strerror(-r));
		goto out;
	}

	snprintf(what, sizeof(what), "waiting for the reply to %s", cmd);
	for (;;) {
		if ((r = next_msg(q, deadline, what, timeout_ms, &m, err)) < 0)
			goto out;
		switch (classify(m)) {
		case K_EVENT:
			if ((r = check_event(q, m, err)) < 0)
				goto out;
			queue_event(q, m);
			m = NULL;
			continue;
		case K_OTHER:
			r = unexpected(q, m, what, err);
			goto out;
		case K_REPLY:
			break;
		}
		id = json_object_get(m, "id");
		if (!id || (json_is_integer(id) && json_integer_value(id) == myid))
			break;
		/* A late reply to a command that timed out. */
		json_decref(m);
		m = NULL;
	}

	if (json_object_get(m, "error")) {
		const json_t *e = json_object_get(m, "error");
		const char *cls = json_string_value(json_object_get(e, "class"));
		const char *desc = json_string_value(json_object_get(e, "desc"));

		if (!json_is_object(e) || !cls || !desc) {
			r = unexpected(q, m, what, err);
			goto out;
		}
		if (qe) {
			snprintf(qe->cls, sizeof(qe->cls), "%s", cls);
			snprintf(qe->desc, sizeof(qe->desc), "%s", desc);
		}
		if (strcmp(cls, "GenericError"))
			r = vmtap_fail(err, -EREMOTEIO, "%s: %s (%s)", cmd, desc, cls);
		else
			r = vmtap_fail(err, -EREMOTEIO, "%s: %s", cmd, desc);
		goto out;
	}
	if (ret)
		*ret = json_incref(json_object_get(m, "return"));
	r = 0;
out:
	json_decref(args);
	json_decref(req);
	json_decref(m);
	free(text);
	return r;
}

int qmp_wait_event(struct qmp *q, qmp_event_match match, void *ctx, int timeout_ms,
		   json_t **event, struct vmtap_err *err)
{
	long long deadline = (long long)mono_ms() + timeout_ms;
	unsigned i;
	json_t *m;
	int r;

	if (event)
		*event = NULL;
	for (i = 0; i < q->ev_count; i++) {
		unsigned k = (q->ev_head + i) % QMP_EVENTS_MAX;

		if (!match(q->events[k], ctx))
			continue;
		m = q->events[k];
		/* Close the gap, keeping the order of the rest. */
		for (; i + 1 < q->ev_count; i++)
			q->events[(q->ev_head + i) % QMP_EVENTS_MAX] =
				q->events[(q->ev_head + i + 1) % QMP_EVENTS_MAX];
		q->ev_count--;
		goto found;
	}
	for (;;) {
		if ((r = next_msg(q, deadline, "waiting for an event", timeout_ms, &m, err)) < 0)
			return r;
		switch (classify(m)) {
		case K_EVENT:
			if ((r = check_event(q, m, err)) < 0) {
				json_decref(m);
				return r;
			}
			if (match(m, ctx))
				goto found;
			queue_event(q, m);
			continue;
		case K_REPLY: /* late, for a command that timed out */
			json_decref(m);
			continue;
		case K_OTHER:
			r = unexpected(q, m, "waiting for an event", err);
			json_decref(m);
			return r;
		}
	}
found:
	if (event)
		*event = m;
	else
		json_decref(m);
	return 0;
}

static int greet(struct qmp *q, const char *peer, int timeout_ms, struct vmtap_err *err)
{
	long long deadline = (long long)mono_ms() + timeout_ms;
	struct vmtap_err e = { "" };
	const json_t *g, *v;
	char what[160];
	json_t *m = NULL;
	int r;

	snprintf(what, sizeof(what), "waiting for the QMP greeting from %s", peer);
	if ((r = next_msg(q, deadline, what, timeout_ms, &m, &e)) < 0) {
		if (r == -ETIMEDOUT) {
			char sp[32];

			/* QEMU serves one monitor client at a time: a second one is
			 * accepted by the kernel and then hears nothing. */
			return vmtap_fail(err, r, "no QMP greeting from %s within %s (is another "
					  "client connected to this monitor?)", peer, span(timeout_ms, sp));
		}
		return vmtap_fail(err, r, "%s", vmtap_err_text(&e, r));
	}
	g = json_object_get(m, "QMP");
	if (!json_is_object(g)) {
		char *s = json_dumps(m, JSON_COMPACT);
		char ex[200];

		r = kill_conn(q, -EPROTO, err, "%s is not a QMP monitor: expected a greeting "
			      "{\"QMP\": ...}, got \"%s\"", peer,
			      excerpt(s ? s : "", s ? strlen(s) : 0, ex));
		free(s);
		json_decref(m);
		return r;
	}
	/* Informational only: a greeting without a version is still QMP. */
	v = json_object_get(json_object_get(g, "version"), "qemu");
	if (json_is_integer(json_object_get(v, "major")) &&
	    json_is_integer(json_object_get(v, "minor")) &&
	    json_is_integer(json_object_get(v, "micro"))) {
		q->major = (int)json_integer_value(json_object_get(v, "major"));
		q->minor = (int)json_integer_value(json_object_get(v, "minor"));
		q->micro = (int)json_integer_value(json_object_get(v, "micro"));
	}
	json_decref(m);
	/* No arguments: out-of-band execution stays off, so replies come in
	 * command order. */
	return qmp_execute(q, "qmp_capabilities", NULL, QMP_NO_FD, timeout_ms, NULL, NULL, err);
}

static int attach(int fd, const char *peer, int timeout_ms, struct qmp **out,
		  struct vmtap_err *err)
{
	struct qmp *q = calloc(1, sizeof(*q));
	int r;

	*out = NULL;
	if (!q) {
		close(fd);
		return vmtap_fail(err, -ENOMEM, "out of memory");
	}
	q->fd = fd;
	if ((r = greet(q, peer, timeout_ms, err)) < 0) {
		qmp_close(q);
		return r;
	}
	*out = q;
	return 0;
}

int qmp_attach(int fd, int timeout_ms, struct qmp **out, struct vmtap_err *err)
{
	return attach(fd, "the QMP peer", timeout_ms, out, err);
}

int qmp_connect(const char *path, int timeout_ms, struct qmp **out, struct vmtap_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char peer[sizeof(sa.sun_path) + 16];
	int fd, r;

	*out = NULL;
	if (!path || !*path)
		return vmtap_fail(err, -EINVAL, "empty QMP socket path");
	if (strlen(path) >= sizeof(sa.sun_path))
		return vmtap_fail(err, -ENAMETOOLONG, "QMP socket path %s: longer than %zu bytes",
				  path, sizeof(sa.sun_path) - 1);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	/* Non-blocking connect: a monitor whose backlog is full (clients
	 * queued behind the one QEMU serves) is EAGAIN, not a hang. */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return vmtap_fail(err, -errno, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		close(fd);
		if (r == -EAGAIN)
			return vmtap_fail(err, r, "QMP socket %s is busy: other clients are waiting "
					  "for this monitor", path);
		if (r == -ENOENT || r == -ECONNREFUSED)
			return vmtap_fail(err, r, "QMP socket %s: %s (is QEMU running with -qmp "
					  "unix:%s,server=on,wait=off?)", path, strerror(-r), path);
		return vmtap_fail(err, r, "QMP socket %s: %s", path, strerror(-r));
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		r = -errno;
		close(fd);
		return vmtap_fail(err, r, "QMP socket %s: %s", path, strerror(-r));
	}
	snprintf(peer, sizeof(peer), "%s", path);
	return attach(fd, peer, timeout_ms, out, err);
}

void qmp_close(struct qmp *q)
{
	unsigned i;

	if (!q)
		return;
	for (i = 0; i < q->ev_count; i++)
		json_decref(q->events[(q->ev_head + i) % QMP_EVENTS_MAX]);
	if (q->fd >= 0)
		close(q->fd);
	free(q->buf);
	free(q);
}

void qmp_version(const struct qmp *q, int *major, int *minor, int *micro)
{
	*major = q->major;
	*minor = q->minor;
	*micro = q->micro;
}

unsigned long qmp_events_dropped(const struct qmp *q)
{
	return q->dropped;
}

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77 /* Linux 6.5 */
#endif

int qmp_peer_pidfd(const struct qmp *q, int *out, struct vmtap_err *err)
{
	socklen_t len = sizeof(int);

	*out = -1;
	if (getsockopt(q->fd, SOL_SOCKET, SO_PEERPIDFD, out, &len) < 0) {
		*out = -1;
		return vmtap_fail(err, -errno, "cannot get a pidfd of QEMU from its QMP socket "
				  "(SO_PEERPIDFD, Linux 6.5): %s", strerror(errno));
	}
	return 0;
}

bool qmp_id_valid(const char *s)
{
	size_t i, n = s ? strlen(s) : 0;

	if (n == 0 || n > 63)
		return false;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return false;
	for (i = 1; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.' || c == '_'))
			return false;
	}
	return true;
}
