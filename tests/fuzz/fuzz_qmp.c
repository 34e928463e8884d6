/* fuzz_qmp.c — fuzz harness for the QMP client's reading of what QEMU
 * sends (qmp/qmp.c): framing the byte stream into JSON objects, then the
 * greeting, replies (matched by id, late ones skipped), errors and events.
 *
 * The input plays QEMU through the client's public API, so the code under
 * test is exactly what runs against a real monitor: a thread writes the
 * input into one end of a socketpair and then shuts its side down, while
 * the harness, on the other end, does what vmtap does — qmp_attach (reads
 * the greeting, sends qmp_capabilities, id 1), qmp_execute("query-status",
 * id 2), waits for DEVICE_DELETED events until the stream ends, then takes
 * what is still queued.  The end of input is the end of the stream, so no
 * wait ever runs into its deadline.
 *
 * Where a read splits the stream matters to the framer, so the input
 * chooses it: the first byte is the size of each write (1..254; 0 means
 * 4096), and the socket is SOCK_SEQPACKET so that every read returns
 * exactly one write.  (A stream socket may split or join writes any way;
 * each split chosen here is one of those.  The client never reads less
 * than 4096 bytes at a time, so no write is cut.)  A long input gets
 * longer writes, at most 256 of them, so that no input costs the fuzzer
 * much time.  A first byte of 255 writes 4096 bytes at a time and repeats
 * the input's last byte QMP_MSG_MAX times after it, so that a small input
 * reaches the size cap (a huge string, a deep nest, a flood of
 * whitespace) without every input the fuzzer tries being huge.
 *
 * Besides the sanitizers' findings it aborts when a promise in qmp.h is
 * broken: every failure is a negative errno with a one-line message; an
 * error reply gives -EREMOTEIO; a successful command gives its "return";
 * an event handed out has a string "event" and "data" absent or an object;
 * after a failure that kills the connection every later call fails at
 * once; no fd is left open (fds the peer might send are closed). */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "promise.h"
#include "qmp/qmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Never reached (the stream always ends); only bounds a broken client. */
#define WAIT_MS 60000

struct peer {
	int fd;
	const uint8_t *data;
	size_t len, chunk;
	size_t repeat; /* times the last byte follows */
};

/* false once the client has gone (EPIPE). */
static bool write_all(int fd, const uint8_t *data, size_t len, size_t chunk)
{
	size_t off = 0;

	while (off < len) {
		size_t n = len - off < chunk ? len - off : chunk;
		ssize_t w = send(fd, data + off, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return false;
		off += (size_t)w;
	}
	return true;
}

static void *play_qemu(void *arg)
{
	struct peer *p = arg;
	uint8_t fill[4096];
	size_t left = p->repeat;

	if (write_all(p->fd, p->data, p->len, p->chunk) && left) {
		memset(fill, p->data[p->len - 1], sizeof(fill));
		while (left) {
			size_t n = left < sizeof(fill) ? left : sizeof(fill);

			if (!write_all(p->fd, fill, n, n))
				break;
			left -= n;
		}
	}
	shutdown(p->fd, SHUT_WR);
	return NULL;
}

static bool is_deleted(const json_t *ev, void *ctx)
{
	(void)ctx;
	return !strcmp(json_string_value(json_object_get(ev, "event")), "DEVICE_DELETED");
}

static bool any(const json_t *ev, void *ctx)
{
	(void)ev;
	(void)ctx;
	return true;
}

static void check_event(json_t *ev)
{
	const json_t *data = json_object_get(ev, "data");

	if (!json_is_object(ev) || !json_is_string(json_object_get(ev, "event")) ||
	    (data && !json_is_object(data)))
		abort();
	json_decref(ev);
}

/* A failure: negative, one line; *dead when it ended the connection. */
static void check_failure(int r, const struct vmtap_err *err, bool *dead)
{
	if (r >= 0)
		abort();
	promise_one_line(err->msg);
	if (r != -ETIMEDOUT && r != -EREMOTEIO)
		*dead = true;
}

static void run_client(int fd)
{
	struct vmtap_err err = { { 0 } };
	struct qmp_error qe;
	struct qmp *q = NULL;
	bool dead = false;
	json_t *ret = NULL, *ev;
	unsigned long dropped;
	int r, major, minor, micro;

	r = qmp_attach(fd, WAIT_MS, &q, &err);
	if (r < 0) {
		promise_one_line(err.msg);
		if (q)
			abort();
		return;
	}
	qmp_version(q, &major, &minor, &micro);

	memset(&err, 0, sizeof(err));
	r = qmp_execute(q, "query-status", NULL, QMP_NO_FD, WAIT_MS, &ret, &qe, &err);
	if (r == 0) {
		if (!ret)
			abort();
		json_decref(ret);
	} else {
		check_failure(r, &err, &dead);
		if (r == -EREMOTEIO && !strstr(err.msg, "query-status: "))
			abort();
	}

	/* Events until the stream ends; those that do not match queue up
	 * (and the oldest are dropped past QMP_EVENTS_MAX). */
	while (!dead) {
		memset(&err, 0, sizeof(err));
		r = qmp_wait_event(q, is_deleted, NULL, WAIT_MS, &ev, &err);
		if (r < 0) {
			check_failure(r, &err, &dead);
			break;
		}
		check_event(ev);
	}
	dropped = qmp_events_dropped(q);
	(void)dropped;
	/* What is still queued comes out without reading. */
	for (;;) {
		memset(&err, 0, sizeof(err));
		r = qmp_wait_event(q, any, NULL, WAIT_MS, &ev, &err);
		if (r < 0) {
			check_failure(r, &err, &dead);
			break;
		}
		check_event(ev);
	}
	/* The connection is dead now: a command fails at once. */
	memset(&err, 0, sizeof(err));
	r = qmp_execute(q, "query-status", NULL, QMP_NO_FD, WAIT_MS, NULL, NULL, &err);
	if (r != -ECONNRESET)
		abort();
	promise_one_line(err.msg);
	qmp_close(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct peer p;
	pthread_t t;
	int sv[2], mark = promise_fd_mark();

	if (size < 1)
		return 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	p.fd = sv[1];
	p.data = data + 1;
	p.len = size - 1;
	p.chunk = data[0] && data[0] != 255 ? data[0] : 4096;
	p.repeat = data[0] == 255 && p.len ? QMP_MSG_MAX : 0;
	if (p.chunk < (p.len + 255) / 256)
		p.chunk = (p.len + 255) / 256;
	if (pthread_create(&t, NULL, play_qemu, &p) != 0)
		abort();
	run_client(sv[0]); /* takes sv[0] over */
	pthread_join(t, NULL);
	close(sv[1]);
	if (promise_fd_mark() != mark)
		abort();
	return 0;
}
