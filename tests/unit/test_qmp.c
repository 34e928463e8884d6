/* The QMP client and the hot-plug sequences against a scripted fake QEMU.
 *
 * The fake peer is a forked child on the other end of a socketpair.  It
 * sends a greeting, then for each step of its script reads one command,
 * checks its bytes (substrings that must and must not be there) and how
 * many fds came with it, and answers as the step says — a reply, nothing,
 * a storm of events, a byte at a time, with a stray fd, or by hanging up.
 * It is strict: a command beyond the script fails it.  This is the
 * legitimate mock of the project: real QEMU cannot be made to send
 * garbage, hang up mid-command or drop an event; tests/e2e/test_hotplug.sh
 * runs the same code against a real QEMU and guest.
 *
 * Every test counts this process's open fds before and after, so a leak
 * on any path fails it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "qmp/hotplug.h"
#include "qmp/qmp.h"

#define T_OK 5000    /* ms: never reached when things work */
#define T_SHORT 300  /* ms: for the tests that must time out */

#define GREETING                                                                            \
	"{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7}, "   \
	"\"package\": \"Debian 1:7.2+dfsg-7+deb12u18\"}, \"capabilities\": [\"oob\"]}}\r\n"
#define RET_OK "{\"return\": {}, \"id\": %ID%}\r\n"
#define ERR(cls, desc) "{\"id\": %ID%, \"error\": {\"class\": \"" cls "\", \"desc\": \"" desc "\"}}\r\n"
#define EVENT(name, data)                                                                   \
	"{\"timestamp\": {\"seconds\": 1700000000, \"microseconds\": 1}, \"event\": \"" name  \
	"\", \"data\": " data "}\r\n"

enum act {
	ACT_REPLY,    /* send reply */
	ACT_NOREPLY,  /* send nothing, go on with the next step */
	ACT_CLOSE,    /* send reply (if any), then hang up */
	ACT_STORM,    /* STORM_EVENTS events, then reply */
	ACT_BYTEWISE, /* reply a byte at a time */
	ACT_WITH_FD,  /* reply with an fd of ours attached */
	ACT_HUGE,     /* an object that never ends, then hang up */
};

#define STORM_EVENTS 3000

/* A step whose expect[0] is NULL reads no command: it only acts. */
struct step {
	const char *expect[6]; /* substrings the command must contain */
	const char *reject[3]; /* ... and must not */
	unsigned fds;          /* fds that must come with it */
	enum act act;
	const char *reply;     /* %ID% is this command's id, %PREV% the one before */
};

#define CAPS { { "\"execute\":\"qmp_capabilities\"" }, { "\"arguments\"" }, 0, ACT_REPLY, RET_OK }

/* ---- the fake peer (child side) ------------------------------------------ */

static char pbuf[1 << 16];
static size_t plen;

static int peer_send(int s, const char *text, bool bytewise, int fd)
{
	size_t n = strlen(text), off = 0;

	if (fd >= 0) {
		union {
			struct cmsghdr a;
			char b[CMSG_SPACE(sizeof(int))];
		} cb;
		struct iovec iov = { (void *)text, n };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cb.b,
				    .msg_controllen = sizeof(cb.b) };
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);

		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
		return sendmsg(s, &m, MSG_NOSIGNAL) == (ssize_t)n ? 0 : -1;
	}
	while (off < n) {
		ssize_t w = send(s, text + off, bytewise ? 1 : n - off, MSG_NOSIGNAL);

		if (w <= 0)
			return -1;
		off += (size_t)w;
	}
	return 0;
}

/* One command (up to '\n') into line; the fds that came with its bytes
 * are counted and closed.  0 at end of stream. */
static ssize_t peer_read(int s, char *line, size_t cap, unsigned *nfds)
{
	*nfds = 0;
	for (;;) {
		char *nl = memchr(pbuf, '\n', plen);
		union {
			struct cmsghdr a;
			char b[CMSG_SPACE(sizeof(int) * 8)];
		} cb;
		struct iovec iov;
		struct msghdr m;
		struct cmsghdr *c;
		ssize_t n;

		if (nl) {
			size_t l = (size_t)(nl - pbuf) + 1;

			if (l >= cap)
				return -1;
			memcpy(line, pbuf, l);
			line[l] = '\0';
			memmove(pbuf, pbuf + l, plen - l);
			plen -= l;
			return (ssize_t)l;
		}
		iov.iov_base = pbuf + plen;
		iov.iov_len = sizeof(pbuf) - plen;
		memset(&m, 0, sizeof(m));
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = cb.b;
		m.msg_controllen = sizeof(cb.b);
		n = recvmsg(s, &m, MSG_CMSG_CLOEXEC);
		if (n <= 0)
			return n;
		for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
			size_t k, cnt = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			for (k = 0; k < cnt; k++) {
				int fd;

				memcpy(&fd, CMSG_DATA(c) + k * sizeof(int), sizeof(int));
				close(fd);
				(*nfds)++;
			}
		}
		plen += (size_t)n;
	}
}

static void subst(const char *tmpl, long long id, char *out, size_t cap)
{
	size_t o = 0;

	while (*tmpl && o + 24 < cap) {
		if (!strncmp(tmpl, "%ID%", 4)) {
			o += (size_t)snprintf(out + o, cap - o, "%lld", id);
			tmpl += 4;
		} else if (!strncmp(tmpl, "%PREV%", 6)) {
			o += (size_t)snprintf(out + o, cap - o, "%lld", id - 1);
			tmpl += 6;
		} else {
			out[o++] = *tmpl++;
		}
	}
	out[o] = '\0';
}

static int peer_fail(int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fake QEMU: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

static int peer(int s, const char *greeting, bool bytewise_greeting, const struct step *steps,
		size_t n)
{
	static char line[8192], reply[8192];
	unsigned nfds;
	size_t i, k;

	if (greeting && peer_send(s, greeting, bytewise_greeting, -1) < 0)
		return peer_fail(2, "cannot send the greeting");
	for (i = 0; i < n; i++) {
		const struct step *st = &steps[i];
		long long id = 0;
		json_t *cmd;
		ssize_t l;

		if (!st->expect[0])
			goto act;
		l = peer_read(s, line, sizeof(line), &nfds);
		if (l <= 0)
			return peer_fail(10, "step %zu: client hung up instead of sending a command", i);
		for (k = 0; k < 6 && st->expect[k]; k++)
			if (!strstr(line, st->expect[k]))
				return peer_fail(11, "step %zu: %s lacks %s", i, line, st->expect[k]);
		for (k = 0; k < 3 && st->reject[k]; k++)
			if (strstr(line, st->reject[k]))
				return peer_fail(12, "step %zu: %s has %s", i, line, st->reject[k]);
		if (nfds != st->fds)
			return peer_fail(13, "step %zu: %u fds with %s, expected %u", i, nfds, line,
					 st->fds);
		cmd = json_loads(line, 0, NULL);
		if (!json_is_integer(json_object_get(cmd, "id")))
			return peer_fail(14, "step %zu: no integer id in %s", i, line);
		id = json_integer_value(json_object_get(cmd, "id"));
		json_decref(cmd);
act:
		if (st->reply)
			subst(st->reply, id, reply, sizeof(reply));
		switch (st->act) {
		case ACT_NOREPLY:
			break;
		case ACT_STORM:
			for (k = 0; k < STORM_EVENTS; k++)
				if (peer_send(s, EVENT("RTC_CHANGE", "{\"offset\": 1}"), false, -1) < 0)
					return peer_fail(15, "storm cut short");
			/* fall through */
		case ACT_REPLY:
		case ACT_CLOSE:
			if (st->reply && peer_send(s, reply, false, -1) < 0)
				return peer_fail(16, "step %zu: cannot reply", i);
			if (st->act == ACT_CLOSE)
				return 0;
			break;
		case ACT_BYTEWISE:
			if (peer_send(s, reply, true, -1) < 0)
				return peer_fail(16, "step %zu: cannot reply", i);
			break;
		case ACT_HUGE: {
			static char chunk[65536];
			size_t sent = 0;

			memset(chunk, 'x', sizeof(chunk));
			memcpy(chunk, "{\"return\": \"", 12);
			/* Until the client gives up and hangs up (or well past its limit). */
			while (sent < 2 * QMP_MSG_MAX &&
			       send(s, chunk, sizeof(chunk), MSG_NOSIGNAL) == (ssize_t)sizeof(chunk))
				sent += sizeof(chunk);
			return 0;
		}
		case ACT_WITH_FD: {
			int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

			if (peer_send(s, reply, false, fd) < 0)
				return peer_fail(16, "step %zu: cannot reply", i);
			close(fd);
			break;
		}
		}
	}
	/* Strict: the client must send nothing more. */
	if (peer_read(s, line, sizeof(line), &nfds) != 0)
		return peer_fail(20, "command beyond the script: %s", line);
	return 0;
}

/* ---- the harness (parent side) -------------------------------------------- */

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory's own fd */
}

struct peer_run {
	pid_t pid;
	int fd; /* the client's end */
};

static struct peer_run start_ex(const char *greeting, bool bytewise, const struct step *steps,
				size_t n)
{
	struct peer_run p;
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	p.pid = fork();
	assert_true(p.pid >= 0);
	if (p.pid == 0) {
		close(sv[0]);
		_exit(peer(sv[1], greeting, bytewise, steps, n));
	}
	close(sv[1]);
	p.fd = sv[0];
	return p;
}
#define start(g, steps) start_ex((g), false, (steps), sizeof(steps) / sizeof((steps)[0]))

static void finish(struct peer_run p)
{
	int st;

	assert_int_equal(waitpid(p.pid, &st, 0), p.pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("the fake QEMU's script failed (status 0x%x; see its line above)", st);
}

static void assert_has(const char *msg, const char *needle)
{
	if (!strstr(msg, needle))
		fail_msg("message \"%s\" does not contain \"%s\"", msg, needle);
}

/* Connect through the fake peer; the script must start with CAPS. */
static struct qmp *connect_ok(struct peer_run p)
{
	struct vmtap_err e = { "" };
	struct qmp *q = NULL;
	int r = qmp_attach(p.fd, T_OK, &q, &e);

	if (r < 0)
		fail_msg("qmp_attach: %d %s", r, e.msg);
	return q;
}

/* ---- greeting ---------------------------------------------------------------- */

static void greeting_variants(void **state)
{
	static const struct step caps[] = { CAPS };
	static const char *const greetings[] = {
		GREETING,
		/* no version, no capabilities: still a monitor */
		"{\"QMP\": {}}\n",
		/* pretty-printed (-mon mode=control,pretty=on), CRLF */
		"{\r\n    \"QMP\": {\r\n        \"version\": {\r\n            \"qemu\": {\r\n"
		"                \"micro\": 0,\r\n                \"minor\": 2,\r\n"
		"                \"major\": 9\r\n            },\r\n            \"package\": \"\"\r\n"
		"        },\r\n        \"capabilities\": [\r\n            \"oob\"\r\n        ]\r\n"
		"    }\r\n}\r\n",
		/* version of the wrong type: ignored, not trusted */
		"{\"QMP\": {\"version\": {\"qemu\": {\"major\": \"7\"}}, \"capabilities\": []}}",
		/* leading whitespace and braces inside strings */
		"\r\n  {\"QMP\": {\"version\": {\"package\": \"}{\\\"x\\\"\"}, \"capabilities\": []}}\n",
	};
	static const int major[] = { 7, 0, 9, 0, 0 };
	int fds0 = count_fds();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(greetings) / sizeof(greetings[0]); i++) {
		struct peer_run p = start(greetings[i], caps);
		struct qmp *q = connect_ok(p);
		int a, b, c;

		qmp_version(q, &a, &b, &c);
		assert_int_equal(a, major[i]);
		qmp_close(q);
		finish(p);
	}
	/* The standard greeting a byte at a time. */
	{
		struct peer_run p = start_ex(GREETING, true, caps, 1);
		struct qmp *q = connect_ok(p);

		qmp_close(q);
		finish(p);
	}
	assert_int_equal(count_fds(), fds0);
}

static void attach_fails(const char *greeting, const struct step *steps, size_t n, int timeout,
			 int want, const char *needle)
{
	struct peer_run p = start_ex(greeting, false, steps, n);
	struct vmtap_err e = { "" };
	struct qmp *q = (struct qmp *)1;

	assert_int_equal(qmp_attach(p.fd, timeout, &q, &e), want);
	assert_null(q);
	assert_has(e.msg, needle);
	finish(p);
}

static void bad_greetings(void **state)
{
	static const struct step caps_err[] = {
		{ { "qmp_capabilities" }, { NULL }, 0, ACT_REPLY,
		  ERR("CommandNotFound", "Capabilities negotiation is already complete, command ignored") },
	};
	static const struct step hangup[] = { { { NULL }, { NULL }, 0, ACT_CLOSE, NULL } };
	static const struct step caps_close[] = { { { "qmp_capabilities" }, { NULL }, 0, ACT_CLOSE, NULL } };
	int fds0 = count_fds();

	(void)state;
	attach_fails("hello\n", NULL, 0, T_OK, -EPROTO, "not a JSON object");
	attach_fails("hello\n", NULL, 0, T_OK, -EPROTO, "\"hello\\x0a\"");
	attach_fails("[1, 2]\n", NULL, 0, T_OK, -EPROTO, "not a JSON object");
	attach_fails("{\"return\": {}}\n", NULL, 0, T_OK, -EPROTO, "is not a QMP monitor");
	attach_fails("{\"QMP\": 1}\n", NULL, 0, T_OK, -EPROTO, "is not a QMP monitor");
	attach_fails("{\"QMP\": {}, \"QMP\": {}}\n", NULL, 0, T_OK, -EPROTO, "malformed JSON");
	attach_fails("{\"QMP\": {\"a\": tru}}\n", NULL, 0, T_OK, -EPROTO, "malformed JSON");
	/* Hangs up before, during, after the greeting. */
	attach_fails(NULL, hangup, 1, T_OK, -ECONNRESET, "QEMU closed the QMP connection");
	attach_fails("{\"QMP\": {\"vers", hangup, 1, T_OK, -ECONNRESET, "closed the QMP connection");
	attach_fails(GREETING, caps_close, 1, T_OK, -ECONNRESET, "closed the QMP connection");
	/* Never greets: a monitor busy with another client looks like this. */
	attach_fails("", NULL, 0, T_SHORT, -ETIMEDOUT, "is another client connected");
	attach_fails(GREETING, caps_err, 1, T_OK, -EREMOTEIO,
		     "qmp_capabilities: Capabilities negotiation is already complete, command "
		     "ignored (CommandNotFound)");
	assert_int_equal(count_fds(), fds0);
}

static void connect_errors(void **state)
{
	struct vmtap_err e = { "" };
	struct qmp *q = NULL;
	char path[200], dir[] = "/tmp/vmtap-qmp-test.XXXXXX";
	int fds0 = count_fds();

	(void)state;
	assert_int_equal(qmp_connect("/nonexistent/qmp.sock", T_OK, &q, &e), -ENOENT);
	assert_has(e.msg, "QMP socket /nonexistent/qmp.sock: No such file or directory");
	assert_has(e.msg, "server=on,wait=off");
	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	e.msg[0] = '\0';
	assert_int_equal(qmp_connect(path, T_OK, &q, &e), -ENAMETOOLONG);
	assert_has(e.msg, "longer than 107 bytes");
	/* A regular file is not a listening socket. */
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/file", dir);
	close(open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
	e.msg[0] = '\0';
	assert_int_equal(qmp_connect(path, T_OK, &q, &e), -ECONNREFUSED);
	assert_has(e.msg, "Connection refused");
	unlink(path);
	rmdir(dir);
	assert_null(q);
	assert_int_equal(count_fds(), fds0);
}

/* ---- commands ------------------------------------------------------------------ */

static bool match_any(const json_t *ev, void *ctx)
{
	(void)ev;
	(void)ctx;
	return true;
}

static void replies_and_events(void **state)
{
	static const struct step steps[] = {
		CAPS,
		/* events first, a late reply to another id, then ours */
		{ { "\"execute\":\"query-cpus-fast\"" }, { "\"arguments\"" }, 0, ACT_REPLY,
		  EVENT("NIC_RX_FILTER_CHANGED", "{\"path\": \"/x\"}")
		  "{\"return\": {}, \"id\": 99999}\r\n"
		  EVENT("RESUME", "{}")
		  "{\"return\": [{\"cpu-index\": 0}, {\"cpu-index\": 1}], \"id\": %ID%}\r\n" },
		/* QEMU could not parse the command: the reply has no id */
		{ { "\"execute\":\"bogus\"" }, { NULL }, 0, ACT_REPLY,
		  "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, invalid keyword 'x'\"}}\r\n" },
		/* arguments are sent as given, typed */
		{ { "\"execute\":\"x-typed\"", "\"arguments\":{\"b\":true,\"n\":6,\"s\":\"on\"}" },
		  { NULL }, 0, ACT_BYTEWISE, RET_OK },
		/* a stray fd from the peer is closed, not kept */
		{ { "\"execute\":\"query-status\"" }, { NULL }, 0, ACT_WITH_FD,
		  "{\"return\": {\"status\": \"running\", \"running\": true}, \"id\": %ID%}\n" },
	};
	int fds0 = count_fds();
	struct peer_run p = start(GREETING, steps);
	struct qmp *q = connect_ok(p);
	struct vmtap_err e = { "" };
	struct qmp_error qe;
	json_t *ret = NULL, *ev = NULL;

	(void)state;
	assert_int_equal(qmp_execute(q, "query-cpus-fast", NULL, QMP_NO_FD, T_OK, &ret, &qe, &e), 0);
	assert_true(json_is_array(ret));
	assert_int_equal(json_array_size(ret), 2);
	json_decref(ret);

	assert_int_equal(qmp_execute(q, "bogus", NULL, QMP_NO_FD, T_OK, NULL, &qe, &e), -EREMOTEIO);
	assert_string_equal(qe.cls, "GenericError");
	assert_string_equal(e.msg, "bogus: JSON parse error, invalid keyword 'x'");

	assert_int_equal(qmp_execute(q, "x-typed", json_pack("{s:b, s:i, s:s}", "b", 1, "n", 6, "s", "on"),
				     QMP_NO_FD, T_OK, NULL, NULL, NULL), 0);
	assert_int_equal(qmp_execute(q, "query-status", NULL, QMP_NO_FD, T_OK, &ret, NULL, NULL), 0);
	assert_true(json_is_true(json_object_get(ret, "running")));
	json_decref(ret);

	/* Both events were queued while waiting; they come out in order. */
	assert_int_equal(qmp_wait_event(q, match_any, NULL, T_OK, &ev, &e), 0);
	assert_string_equal(json_string_value(json_object_get(ev, "event")), "NIC_RX_FILTER_CHANGED");
	json_decref(ev);
	assert_int_equal(qmp_wait_event(q, match_any, NULL, T_OK, &ev, &e), 0);
	assert_string_equal(json_string_value(json_object_get(ev, "event")), "RESUME");
	json_decref(ev);
	assert_int_equal(qmp_events_dropped(q), 0);
	qmp_close(q);
	finish(p);
	assert_int_equal(count_fds(), fds0);
}

static bool is_rtc(const json_t *ev, void *ctx)
{
	(void)ctx;
	return !strcmp(json_string_value(json_object_get(ev, "event")), "RTC_CHANGE");
}

static void event_storm(void **state)
{
	static const struct step steps[] = {
		CAPS,
		{ { "query-status" }, { NULL }, 0, ACT_STORM, RET_OK },
	};
	int fds0 = count_fds();
	struct peer_run p = start(GREETING, steps);
	struct qmp *q = connect_ok(p);
	struct vmtap_err e = { "" };
	unsigned n = 0;

	(void)state;
	assert_int_equal(qmp_execute(q, "query-status", NULL, QMP_NO_FD, T_OK, NULL, NULL, &e), 0);
	/* Memory stays bounded: the oldest went, the newest are kept. */
	assert_int_equal(qmp_events_dropped(q), STORM_EVENTS - QMP_EVENTS_MAX);
	while (qmp_wait_event(q, is_rtc, NULL, 50, NULL, &e) == 0)
		n++;
	assert_int_equal(n, QMP_EVENTS_MAX);
	qmp_close(q);
	finish(p);
	assert_int_equal(count_fds(), fds0);
}

static void broken_streams(void **state)
{
	static const struct step garbage[] = {
		CAPS,
		{ { "query-status" }, { NULL }, 0, ACT_REPLY, "{\"return\": {}, \"id\": %ID%}\r\nQEMU 7.2.0 monitor\r\n" },
		{ { "query-name" }, { NULL }, 0, ACT_NOREPLY, NULL },
	};
	static const struct step hangup[] = {
		CAPS,
		{ { "device_add" }, { NULL }, 0, ACT_CLOSE, "{\"return\": " },
	};
	static const struct step silent[] = {
		CAPS,
		{ { "query-status" }, { NULL }, 0, ACT_NOREPLY, NULL },
		/* the late answer to the first command comes before ours */
		{ { "query-name" }, { NULL }, 0, ACT_REPLY,
		  "{\"return\": {\"status\": \"late\"}, \"id\": %PREV%}\r\n{\"return\": {\"name\": \"vm\"}, \"id\": %ID%}\r\n" },
	};
	static const struct step bad_error[] = {
		CAPS,
		{ { "query-status" }, { NULL }, 0, ACT_REPLY, "{\"error\": \"no\", \"id\": %ID%}\n" },
	};
	static const struct step bad_event[] = {
		CAPS,
		{ { "query-status" }, { NULL }, 0, ACT_REPLY, "{\"event\": 5}\n" },
	};
	static const struct step unknown[] = {
		CAPS,
		{ { "query-status" }, { NULL }, 0, ACT_REPLY, "{\"hello\": 1}\n" },
	};
	int fds0 = count_fds();
	struct vmtap_err e = { "" };
	struct peer_run p;
	struct qmp *q;
	json_t *ret;

	(void)state;
	/* Garbage after a good reply: the next command fails, and so does
	 * every later one, without touching the socket. */
	p = start(GREETING, garbage);
	q = connect_ok(p);
	assert_int_equal(qmp_execute(q, "query-status", NULL, QMP_NO_FD, T_OK, NULL, NULL, &e), 0);
	assert_int_equal(qmp_execute(q, "query-name", NULL, QMP_NO_FD, T_OK, NULL, NULL, &e), -EPROTO);
	assert_has(e.msg, "not a JSON object while waiting for the reply to query-name: \"QEMU 7.2.0 monitor");
	e.msg[0] = '\0';
	assert_int_equal(qmp_execute(q, "query-kvm", NULL, QMP_NO_FD, T_OK, NULL, NULL, &e), -ECONNRESET);
	assert_has(e.msg, "not a JSON object");
	qmp_close(q);
	finish(p);

	/* Hang-up in the middle of a reply. */
	p = start(GREETING, hangup);
	q = connect_ok(p);
	e.msg[0] = '\0';
	assert_int_equal(qmp_execute(q, "device_add", NULL, QMP_NO_FD, T_OK, NULL, NULL, &e), -ECONNRESET);
	assert_string_equal(e.msg, "QEMU closed the QMP connection while waiting for the reply to device_add");
	qmp_close(q);
	finish(p);

	/* No reply: a timeout, and the connection still works; the late
	 * reply is recognised by its id and skipped. */
	p = start(GREETING, silent);
	q = connect_ok(p);
	e.msg[0] = '\0';
	assert_int_equal(qmp_execute(q, "query-status", NULL, QMP_NO_FD, T_SHORT, NULL, NULL, &e), -ETIMEDOUT);
	assert_string_equal(e.msg, "no answer from QEMU within 300 ms while waiting for the reply to query-status");
	assert_int_equal(qmp_execute(q, "query-name", NULL, QMP_NO_FD, T_OK, &ret, NULL, NULL), 0);
	assert_string_equal(json_string_value(json_object_get(ret, "name")), "vm");
	json_decref(ret);
	qmp_close(q);
	finish(p);

	p = start(GREETING, bad_error);
	q = connect_ok(p);
	e.msg[0] = '\0';
	assert_int_equal(qmp_execute(q, "query-status", NULL, QMP_NO_FD, T_OK, NULL, NULL, &e), -EPROTO);
	assert_has(e.msg, "unexpected QMP message while waiting for the reply to query-status");
	qmp_close(q);
	finish(p);

	p = start(GREETING, bad_event);
	q = connect_ok(p);
	e.msg[0] = '\0';
	assert_int_equal(qmp_execute(q, "query-status", NULL, QMP_NO_FD, T_OK, NULL, NULL, &e), -EPROTO);
	assert_has(e.msg, "QMP event with a bad \"event\"");
	qmp_close(q);
	finish(p);

	p = start(GREETING, unknown);
	q = connect_ok(p);
	e.msg[0] = '\0';
	assert_int_equal(qmp_execute(q, "query-status", NULL, QMP_NO_FD, T_OK, NULL, NULL, &e), -EPROTO);
	assert_has(e.msg, "unexpected QMP message");
	qmp_close(q);
	finish(p);
	assert_int_equal(count_fds(), fds0);
}

static void oversized_message(void **state)
{
	static const struct step steps[] = { CAPS, { { "query-status" }, { NULL }, 0, ACT_HUGE, NULL } };
	int fds0 = count_fds();
	struct peer_run p = start(GREETING, steps);
	struct qmp *q = connect_ok(p);
	struct vmtap_err e = { "" };

	(void)state;
	assert_int_equal(qmp_execute(q, "query-status", NULL, QMP_NO_FD, T_OK, NULL, NULL, &e), -EMSGSIZE);
	assert_has(e.msg, "QMP message longer than 1048576 bytes while waiting for the reply to query-status");
	qmp_close(q);
	finish(p);
	assert_int_equal(count_fds(), fds0);
}

/* ---- hot-plug ------------------------------------------------------------------- */

static void fake_nic(struct nic *nic, unsigned queues, bool vhost)
{
	unsigned i;

	nic_init(nic);
	strcpy(nic->ifname, "vmt0a1b2c3d");
	nic->queues = queues;
	nic->nvhost = vhost ? queues : 0;
	for (i = 0; i < queues; i++) {
		nic->tapfd[i] = eventfd(0, EFD_CLOEXEC);
		if (vhost)
			nic->vhostfd[i] = eventfd(0, EFD_CLOEXEC);
	}
}

static const struct hotplug_req REQ = { "net0", "virtio-net-pci", "rp1",
					{ 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 } };

#define GETFD(name) { { "\"execute\":\"getfd\"", "\"arguments\":{\"fdname\":\"" name "\"}" }, { NULL }, 1, ACT_REPLY, RET_OK }
#define GETFD_ERR(name) { { "\"execute\":\"getfd\"", "\"fdname\":\"" name "\"" }, { NULL }, 1, ACT_REPLY, ERR("GenericError", "too many fds") }
#define CLOSEFD(name, reply) { { "\"execute\":\"closefd\"", "\"arguments\":{\"fdname\":\"" name "\"}" }, { NULL }, 0, ACT_REPLY, reply }
#define NOTFOUND ERR("GenericError", "File descriptor named 'x' not found")
#define NETDEV_ADD_MQ_VHOST(act, reply)                                                       \
	{ { "\"execute\":\"netdev_add\"", "\"type\":\"tap\"", "\"id\":\"net0\"",              \
	    "\"fds\":\"vmtap-net0-tap0:vmtap-net0-tap1\"", "\"vhost\":true",                  \
	    "\"vhostfds\":\"vmtap-net0-vhost0:vmtap-net0-vhost1\"" },                         \
	  { "\"vhost\":\"on\"" }, 0, act, reply }
#define DEVICE_ADD_MQ(act, reply)                                                             \
	{ { "\"execute\":\"device_add\"", "\"driver\":\"virtio-net-pci\"", "\"id\":\"net0\"",  \
	    "\"netdev\":\"net0\",\"mac\":\"52:54:00:12:34:56\",\"mq\":true,\"vectors\":6",   \
	    "\"bus\":\"rp1\"" },                                                              \
	  { "\"mq\":\"on\"", "\"vectors\":\"6\"" }, 0, act, reply }
#define NETDEV_DEL(reply) { { "\"execute\":\"netdev_del\"", "\"arguments\":{\"id\":\"net0\"}" }, { NULL }, 0, ACT_REPLY, reply }

/* Run hotplug_nic of a 2-queue vhost NIC against steps; returns its
 * result and message. */
static int plug(const struct step *steps, size_t n, int timeout, struct vmtap_err *e)
{
	int fds0 = count_fds();
	struct peer_run p = start_ex(GREETING, false, steps, n);
	struct qmp *q = connect_ok(p);
	struct nic nic;
	int r;

	fake_nic(&nic, 2, true);
	r = hotplug_nic(q, &nic, &REQ, timeout, e);
	/* The caller's copies are never hotplug_nic's to close. */
	assert_true(fcntl(nic.tapfd[1], F_GETFD) >= 0 && fcntl(nic.vhostfd[1], F_GETFD) >= 0);
	nic_close(&nic);
	qmp_close(q);
	finish(p);
	assert_int_equal(count_fds(), fds0);
	return r;
}
#define PLUG(steps, e) plug((steps), sizeof(steps) / sizeof((steps)[0]), T_OK, (e))

static void hotplug_ok(void **state)
{
	static const struct step mq[] = {
		CAPS,
		GETFD("vmtap-net0-tap0"), GETFD("vmtap-net0-tap1"),
		GETFD("vmtap-net0-vhost0"), GETFD("vmtap-net0-vhost1"),
		NETDEV_ADD_MQ_VHOST(ACT_REPLY, RET_OK),
		DEVICE_ADD_MQ(ACT_REPLY, EVENT("NIC_RX_FILTER_CHANGED", "{\"name\": \"net0\"}") RET_OK),
	};
	static const struct step single[] = {
		CAPS,
		GETFD("vmtap-hot1-tap0"),
		{ { "\"execute\":\"netdev_add\"", "\"fds\":\"vmtap-hot1-tap0\"" }, { "vhost" }, 0, ACT_REPLY, RET_OK },
		{ { "\"execute\":\"device_add\"", "\"driver\":\"e1000e\"", "\"netdev\":\"hot1\"" },
		  { "\"mq\"", "\"vectors\"", "\"bus\"" }, 0, ACT_REPLY, RET_OK },
	};
	struct hotplug_req one = { "hot1", "e1000e", NULL, { 0x52, 0x54, 0, 0, 0, 1 } };
	struct vmtap_err e = { "" };
	int fds0 = count_fds();
	struct peer_run p;
	struct qmp *q;
	struct nic nic;

	(void)state;
	assert_int_equal(PLUG(mq, &e), 0);

	p = start(GREETING, single);
	q = connect_ok(p);
	fake_nic(&nic, 1, false);
	assert_int_equal(hotplug_nic(q, &nic, &one, T_OK, &e), 0);
	nic_close(&nic);
	qmp_close(q);
	finish(p);
	assert_int_equal(count_fds(), fds0);
}

/* A QEMU error at each step, and the undo that follows. */
static void hotplug_errors(void **state)
{
	static const struct step at_getfd0[] = {
		CAPS, GETFD_ERR("vmtap-net0-tap0"),
	};
	static const struct step at_getfd2[] = {
		CAPS, GETFD("vmtap-net0-tap0"), GETFD("vmtap-net0-tap1"), GETFD_ERR("vmtap-net0-vhost0"),
		CLOSEFD("vmtap-net0-tap1", RET_OK), CLOSEFD("vmtap-net0-tap0", RET_OK),
	};
	static const struct step at_netdev[] = {
		CAPS, GETFD("vmtap-net0-tap0"), GETFD("vmtap-net0-tap1"),
		GETFD("vmtap-net0-vhost0"), GETFD("vmtap-net0-vhost1"),
		NETDEV_ADD_MQ_VHOST(ACT_REPLY, ERR("GenericError", "vhost-net requested but could not be initialized")),
		/* netdev_add may have taken some names already: "not found" is fine */
		CLOSEFD("vmtap-net0-vhost1", NOTFOUND), CLOSEFD("vmtap-net0-vhost0", RET_OK),
		CLOSEFD("vmtap-net0-tap1", NOTFOUND), CLOSEFD("vmtap-net0-tap0", RET_OK),
	};
	static const struct step at_device[] = {
		CAPS, GETFD("vmtap-net0-tap0"), GETFD("vmtap-net0-tap1"),
		GETFD("vmtap-net0-vhost0"), GETFD("vmtap-net0-vhost1"),
		NETDEV_ADD_MQ_VHOST(ACT_REPLY, RET_OK),
		DEVICE_ADD_MQ(ACT_REPLY, ERR("GenericError", "Bus 'rp1' does not support hotplugging")),
		NETDEV_DEL(RET_OK),
	};
	static const struct step undo_fails[] = {
		CAPS, GETFD("vmtap-net0-tap0"), GETFD("vmtap-net0-tap1"),
		GETFD("vmtap-net0-vhost0"), GETFD("vmtap-net0-vhost1"),
		NETDEV_ADD_MQ_VHOST(ACT_REPLY, RET_OK),
		DEVICE_ADD_MQ(ACT_REPLY, ERR("DeviceNotFound", "Bus 'rp1' not found")),
		NETDEV_DEL(ERR("GenericError", "Device 'net0' is in use")),
	};
	struct vmtap_err e = { "" };

	(void)state;
	assert_int_equal(PLUG(at_getfd0, &e), -EREMOTEIO);
	assert_string_equal(e.msg, "hot-plug of net0 failed at getfd vmtap-net0-tap0: getfd: too many "
			    "fds; nothing to undo");

	e.msg[0] = '\0';
	assert_int_equal(PLUG(at_getfd2, &e), -EREMOTEIO);
	assert_string_equal(e.msg, "hot-plug of net0 failed at getfd vmtap-net0-vhost0: getfd: too many "
			    "fds; undone: closefd of 2 fd names");

	e.msg[0] = '\0';
	assert_int_equal(PLUG(at_netdev, &e), -EREMOTEIO);
	assert_string_equal(e.msg, "hot-plug of net0 failed at netdev_add net0: netdev_add: vhost-net "
			    "requested but could not be initialized; undone: closefd of 4 fd names");

	e.msg[0] = '\0';
	assert_int_equal(PLUG(at_device, &e), -EREMOTEIO);
	assert_string_equal(e.msg, "hot-plug of net0 failed at device_add net0: device_add: Bus 'rp1' "
			    "does not support hotplugging; undone: netdev_del net0");

	e.msg[0] = '\0';
	assert_int_equal(PLUG(undo_fails, &e), -EREMOTEIO);
	assert_string_equal(e.msg, "hot-plug of net0 failed at device_add net0: device_add: Bus 'rp1' "
			    "not found (DeviceNotFound); could not undo: netdev_del: Device 'net0' is in use");
}

/* The connection breaks or goes quiet in the middle of a plug. */
static void hotplug_broken(void **state)
{
	static const struct step hangup_netdev[] = {
		CAPS, GETFD("vmtap-net0-tap0"), GETFD("vmtap-net0-tap1"),
		GETFD("vmtap-net0-vhost0"), GETFD("vmtap-net0-vhost1"),
		NETDEV_ADD_MQ_VHOST(ACT_CLOSE, NULL),
	};
	static const struct step garbage_getfd[] = {
		CAPS, GETFD("vmtap-net0-tap0"),
		{ { "getfd" }, { NULL }, 1, ACT_REPLY, "<html>\n" },
	};
	static const struct step quiet_device[] = {
		CAPS, GETFD("vmtap-net0-tap0"), GETFD("vmtap-net0-tap1"),
		GETFD("vmtap-net0-vhost0"), GETFD("vmtap-net0-vhost1"),
		NETDEV_ADD_MQ_VHOST(ACT_REPLY, RET_OK),
		DEVICE_ADD_MQ(ACT_NOREPLY, NULL),
		/* the undo still goes out, and the late device_add reply is skipped */
		NETDEV_DEL("{\"return\": {}, \"id\": %PREV%}\r\n" RET_OK),
	};
	static const struct step quiet_getfd[] = {
		CAPS, GETFD("vmtap-net0-tap0"),
		{ { "getfd", "vmtap-net0-tap1" }, { NULL }, 1, ACT_NOREPLY, NULL },
		/* QEMU may hold the unanswered one too: both are closed */
		CLOSEFD("vmtap-net0-tap1", RET_OK), CLOSEFD("vmtap-net0-tap0", RET_OK),
	};
	struct vmtap_err e = { "" };

	(void)state;
	assert_int_equal(PLUG(hangup_netdev, &e), -ECONNRESET);
	assert_string_equal(e.msg, "hot-plug of net0 failed at netdev_add net0: QEMU closed the QMP "
			    "connection while waiting for the reply to netdev_add; could not undo: the "
			    "QMP connection is gone");

	e.msg[0] = '\0';
	assert_int_equal(PLUG(garbage_getfd, &e), -EPROTO);
	assert_has(e.msg, "hot-plug of net0 failed at getfd vmtap-net0-tap1: QMP peer sent something "
		   "that is not a JSON object");
	assert_has(e.msg, "could not undo");

	e.msg[0] = '\0';
	assert_int_equal(plug(quiet_device, sizeof(quiet_device) / sizeof(quiet_device[0]), T_SHORT, &e),
			 -ETIMEDOUT);
	assert_string_equal(e.msg, "hot-plug of net0 failed at device_add net0: no answer from QEMU "
			    "within 300 ms while waiting for the reply to device_add; undone: netdev_del net0");

	e.msg[0] = '\0';
	assert_int_equal(plug(quiet_getfd, sizeof(quiet_getfd) / sizeof(quiet_getfd[0]), T_SHORT, &e),
			 -ETIMEDOUT);
	assert_has(e.msg, "failed at getfd vmtap-net0-tap1: no answer from QEMU within 300 ms");
	assert_has(e.msg, "undone: closefd of 2 fd names");
}

static void hotplug_bad_requests(void **state)
{
	struct hotplug_req r = REQ;
	struct vmtap_err e = { "" };
	struct nic nic;

	(void)state;
	/* Refused before a byte is sent: q is never touched. */
	fake_nic(&nic, 2, true);
	r.id = "0net";
	assert_int_equal(hotplug_nic(NULL, &nic, &r, T_OK, &e), -EINVAL);
	assert_has(e.msg, "id 0net: expected a letter");
	r = REQ;
	r.bus = "rp1,addr=3";
	e.msg[0] = '\0';
	assert_int_equal(hotplug_nic(NULL, &nic, &r, T_OK, &e), -EINVAL);
	assert_has(e.msg, "bus rp1,addr=3");
	nic.nvhost = 1;
	e.msg[0] = '\0';
	assert_int_equal(hotplug_nic(NULL, &nic, &REQ, T_OK, &e), -EINVAL);
	assert_has(e.msg, "2 queues and 1 vhost fds");
	nic.nvhost = 2;
	nic_close(&nic);
}

/* ---- unplug ------------------------------------------------------------------------ */

#define DEVICE_DEL(reply) { { "\"execute\":\"device_del\"", "\"arguments\":{\"id\":\"net0\"}" }, { NULL }, 0, ACT_REPLY, reply }
#define BACKEND_DELETED EVENT("DEVICE_DELETED", "{\"path\": \"/machine/peripheral/net0/virtio-backend\"}")
#define DEVICE_DELETED EVENT("DEVICE_DELETED", "{\"device\": \"net0\", \"path\": \"/machine/peripheral/net0\"}")
#define OTHER_DELETED EVENT("DEVICE_DELETED", "{\"device\": \"net1\", \"path\": \"/machine/peripheral/net1\"}")

static int unplug(const struct step *steps, size_t n, int timeout, struct vmtap_err *e)
{
	int fds0 = count_fds();
	struct peer_run p = start_ex(GREETING, false, steps, n);
	struct qmp *q = connect_ok(p);
	int r = unplug_nic(q, "net0", timeout, e);

	qmp_close(q);
	finish(p);
	assert_int_equal(count_fds(), fds0);
	return r;
}
#define UNPLUG(steps, e) unplug((steps), sizeof(steps) / sizeof((steps)[0]), T_OK, (e))

static void unplug_cases(void **state)
{
	/* The usual order: reply, the backend's event, the device's. */
	static const struct step usual[] = {
		CAPS, DEVICE_DEL(RET_OK OTHER_DELETED BACKEND_DELETED DEVICE_DELETED), NETDEV_DEL(RET_OK),
	};
	/* Events before the reply (queued while waiting for it). */
	static const struct step early[] = {
		CAPS, DEVICE_DEL(BACKEND_DELETED DEVICE_DELETED RET_OK), NETDEV_DEL(RET_OK),
	};
	/* Only the backend goes: the guest never lets go of the device. */
	static const struct step missing[] = {
		CAPS, DEVICE_DEL(RET_OK BACKEND_DELETED OTHER_DELETED),
	};
	/* The device went in an earlier unplug; its netdev did not. */
	static const struct step gone[] = {
		CAPS, DEVICE_DEL(ERR("DeviceNotFound", "Device 'net0' not found")), NETDEV_DEL(RET_OK),
	};
	static const struct step nothing[] = {
		CAPS, DEVICE_DEL(ERR("DeviceNotFound", "Device 'net0' not found")),
		NETDEV_DEL(ERR("GenericError", "Device 'net0' not found")),
	};
	static const struct step refused[] = {
		CAPS, DEVICE_DEL(ERR("GenericError", "Bus 'pcie.0' does not support hotplugging")),
	};
	static const struct step hangup[] = {
		CAPS, DEVICE_DEL(RET_OK BACKEND_DELETED), { { NULL }, { NULL }, 0, ACT_CLOSE, NULL },
	};
	struct vmtap_err e = { "" };

	(void)state;
	assert_int_equal(UNPLUG(usual, &e), 0);
	assert_int_equal(UNPLUG(early, &e), 0);
	assert_int_equal(UNPLUG(gone, &e), 0);

	assert_int_equal(unplug(missing, sizeof(missing) / sizeof(missing[0]), T_SHORT, &e), -ETIMEDOUT);
	assert_has(e.msg, "unplug of net0: the guest did not release the device within 300 ms");
	assert_has(e.msg, "no DEVICE_DELETED");

	e.msg[0] = '\0';
	assert_int_equal(UNPLUG(nothing, &e), -ENOENT);
	assert_string_equal(e.msg, "unplug of net0: QEMU has no device and no netdev with id net0 "
			    "(Device 'net0' not found)");

	e.msg[0] = '\0';
	assert_int_equal(UNPLUG(refused, &e), -EREMOTEIO);
	assert_string_equal(e.msg, "unplug of net0 failed at device_del: device_del: Bus 'pcie.0' "
			    "does not support hotplugging");

	e.msg[0] = '\0';
	assert_int_equal(UNPLUG(hangup, &e), -ECONNRESET);
	assert_string_equal(e.msg, "unplug of net0 failed waiting for DEVICE_DELETED: QEMU closed the "
			    "QMP connection while waiting for an event");
}

static void ids(void **state)
{
	(void)state;
	assert_true(qmp_id_valid("net0"));
	assert_true(qmp_id_valid("pcie.0"));
	assert_true(qmp_id_valid("a-b_c.d"));
	assert_true(qmp_id_valid("vmt0a1b2c3d"));
	assert_false(qmp_id_valid(""));
	assert_false(qmp_id_valid(NULL));
	assert_false(qmp_id_valid("0net"));
	assert_false(qmp_id_valid("-net"));
	assert_false(qmp_id_valid("net 0"));
	assert_false(qmp_id_valid("net,bus=x"));
	assert_false(qmp_id_valid("n\xc3\xa9t"));
	assert_false(qmp_id_valid("a123456789012345678901234567890123456789012345678901234567890123"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(greeting_variants),
		cmocka_unit_test(bad_greetings),
		cmocka_unit_test(connect_errors),
		cmocka_unit_test(replies_and_events),
		cmocka_unit_test(event_storm),
		cmocka_unit_test(broken_streams),
		cmocka_unit_test(oversized_message),
		cmocka_unit_test(hotplug_ok),
		cmocka_unit_test(hotplug_errors),
		cmocka_unit_test(hotplug_broken),
		cmocka_unit_test(hotplug_bad_requests),
		cmocka_unit_test(unplug_cases),
		cmocka_unit_test(ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
