/* server.c — vmtapd's event loop (see server.h): connections, the one
 * place an outcome is logged, encoded and sent, accepting, signals and
 * timeouts.  What a request does is handlers.c's; the record of NICs by
 * uid and the refusal-line budget are quota.c's.
 *
 * Theory of operation.  One epoll set holds the listening socket, the
 * signalfd and every connection.  A readable connection gets one request
 * handled to the end (policy, provision(), reply) before the loop looks at
 * the next event, so clients take turns and no request waits behind more
 * than one other per client; provision() is about a millisecond and the
 * kernel serialises on RTNL anyway, so a thread pool would buy nothing.
 *
 * SOCK_SEQPACKET keeps request boundaries, so there is no partial request
 * to keep: a connection is either idle (waiting for its next request,
 * level-triggered EPOLLIN) or parked: its reply did not fit the socket
 * buffer, or it carries fds and an earlier reply is unread, or a reply
 * with fds went out and the client has not taken it yet.  A parked
 * connection is not read; it waits, edge-triggered, for EPOLLOUT alone:
 * the client reading wakes it, and a client that shut its sending side
 * cannot make it spin.  Each state has a list in deadline order (every
 * member got the same timeout, so appending keeps it sorted), and
 * epoll_wait's timeout is the earliest deadline.
 *
 * Why at most one reply with fds unread per connection: fds in flight
 * (sent, not yet received) are charged by the kernel to the sender's uid,
 * and past the sender's RLIMIT_NOFILE every SCM_RIGHTS send fails with
 * ETOOMANYREFS — for every client.  What is unread on a connection is what
 * the kernel still charges to our end (SIOCOUTQ).  What a uid can hold in
 * flight is then bounded by its `limit nics` (a NIC in an unread reply is
 * alive and counts).
 *
 * A client whose socket was made in another network namespace is refused
 * at accept: the NICs are made in ours.  The accepted socket is created in
 * the connecting socket's namespace, so SO_NETNS_COOKIE on it tells,
 * without /proc and without a race on a pid.
 *
 * The policy is read at start and on SIGHUP (a policy that fails to load
 * leaves the old one in force).  Every decision uses the credentials the
 * kernel recorded when the client connected.
 *
 * Logging: syslog(3), which main opened (with LOG_PERROR under
 * --foreground).  Text that came from a client is cleaned of control bytes
 * first, so a client cannot forge log lines; refusals are logged within a
 * per-uid budget (quota.h), so a client refused in a loop cannot flood
 * the log. */
#include "helper/daemon/server.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <linux/sockios.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "helper/core/clock.h"
#include "helper/core/err.h"
#include "helper/core/fdpass.h"
#include "helper/daemon/handlers.h"
#include "helper/daemon/pool.h"
#include "helper/daemon/quota.h"
#include "helper/daemon/watch.h"
#include "helper/core/macvtap.h"
#include "bridge/port.h"
#include "helper/wire/proto.h"

struct conn {
	int fd;
	pid_t pid;             /* at connect time; for logs and macvtap marks */
	int pidfd;             /* SO_PEERPIDFD (Linux 6.5), or -1: whose exit
	                        * deletes a macvtap made for it (watch.h) */
	struct acl_peer peer;  /* peer.groups points at groups */
	gid_t *groups;
	uint64_t deadline;     /* ms on CLOCK_MONOTONIC */
	struct conn *prev, *next;
	bool sending;          /* parked: see the top */
	bool pending;          /* out is not sent yet */
	bool fds_unread;       /* a reply with fds went out; not read yet */
	bool foreign_netns;    /* its socket is of another network namespace */
	struct outcome o;      /* the reply, and the NIC that goes with it */
};

struct list {
	struct conn *head, *tail;
};

struct vmtapd_server {
	int epfd, listen_fd, signal_fd;
	int reserve_fd;        /* /dev/null, given up to accept under EMFILE */
	int ioctl_fd;          /* for SIOCGIFNAME: is a handed-out NIC alive? */
	bool listen_paused;
	struct handler_env env; /* its nl is the daemon's NETLINK_ROUTE socket */
	struct pool *pool;     /* NICs made ahead (--pool), or NULL */
	struct acl *acl;
	const char *config_path;
	uint64_t idle_ms, send_ms;
	struct list idle, sending;
	unsigned nconns;
	uint64_t netns_cookie; /* the daemon's network namespace */
	struct quota quota;    /* NICs handed out and made, by uid */
	struct watch_set *watch; /* macvtaps, by the process they are for */
	int ifb_fd;            /* link events: a tap's IFB goes with it (ifb.h) */
	struct loglimit loglimit;
};

/* epoll tags of the fds that are not connections. */
static char tag_listen, tag_signal, tag_watch, tag_ifb;

static void say(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(int prio, const char *fmt, ...)
{
	char line[768], shown[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* A client's text is in the line: it must not forge a log line. */
	syslog(prio, "%s", vmtap_show(shown, sizeof(shown), line, sizeof(line), 0));
}

/* say() for a line a client's refusal causes: within uid's budget
 * (quota.h), so a client refused in a loop cannot flood the log; what was
 * left out is said in a later line. */
static void say_refusal(struct vmtapd_server *s, uid_t uid, int prio, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void say_refusal(struct vmtapd_server *s, uid_t uid, int prio, const char *fmt, ...)
{
	char line[768];
	unsigned unsaid;
	uid_t unsaid_uid;
	bool allow = loglimit_allow(&s->loglimit, uid, mono_ms(), &unsaid, &unsaid_uid);
	va_list ap;

	if (unsaid)
		say(LOG_WARNING, "uid=%u: %u more refusals not logged (at most %d lines in %d s)",
		    (unsigned)unsaid_uid, unsaid, LOGLIMIT_BURST, LOGLIMIT_WINDOW_MS / 1000);
	if (!allow)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	say(prio, "%s", line);
}

/* ---- lists ----------------------------------------------------------- */

static void list_del(struct list *l, struct conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		l->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		l->tail = c->prev;
	c->prev = c->next = NULL;
}

static void list_add(struct list *l, struct conn *c, uint64_t deadline)
{
	c->deadline = deadline;
	c->next = NULL;
	c->prev = l->tail;
	if (l->tail)
		l->tail->next = c;
	else
		l->head = c;
	l->tail = c;
}

static struct list *list_of(struct vmtapd_server *s, struct conn *c)
{
	return c->sending ? &s->sending : &s->idle;
}

/* ---- connections ----------------------------------------------------- */

static void listen_resume(struct vmtapd_server *s)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &tag_listen };

	if (s->listen_paused && epoll_ctl(s->epfd, EPOLL_CTL_MOD, s->listen_fd, &ev) == 0)
		s->listen_paused = false;
}

static void conn_drop(struct vmtapd_server *s, struct conn *c)
{
	list_del(list_of(s, c), c);
	/* close() takes it out of the epoll set: the fd is never dup'ed. */
	close(c->fd);
	if (c->pidfd >= 0)
		close(c->pidfd);
	if (c->o.has_nic)
		nic_close(&c->o.nic);
	free(c->groups);
	free(c);
	s->nconns--;
	if (s->reserve_fd < 0)
		s->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	listen_resume(s);
}

/* Idle: a request (or the client's hang-up), level-triggered. */
static int conn_watch_idle(struct vmtapd_server *s, struct conn *c)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = c };

	return epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0 ? -errno : 0;
}

/* Parked: only the client reading (room, or its fds taken), and only when
 * that happens (edge-triggered).  Not EPOLLIN or EPOLLRDHUP: a client that
 * shut its sending side stays readable and hung up for as long as it is
 * parked, and level-triggered interest in that is a busy loop.  EPOLLHUP
 * and EPOLLERR come anyway. */
static int conn_watch_parked(struct vmtapd_server *s, struct conn *c)
{
	struct epoll_event ev = { .events = EPOLLOUT | EPOLLET, .data.ptr = c };

	return epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0 ? -errno : 0;
}

static void conn_idle(struct vmtapd_server *s, struct conn *c)
{
	list_del(list_of(s, c), c);
	c->sending = false;
	list_add(&s->idle, c, mono_ms() + s->idle_ms);
}

/* Whether the client has not read everything sent to it yet.  SIOCOUTQ is
 * what the kernel still charges to our end: a message stays charged until
 * the client has received it.  At most 1 is "read": the kernel wakes a
 * writer just before it gives back its last unit. */
static bool unread(const struct conn *c)
{
	int n = 0;

	return ioctl(c->fd, SIOCOUTQ, &n) == 0 && n > 1;
}

/* Sends out (with the NIC's fds when nic) now, or parks it until the
 * client reads: -EAGAIN then.  Any other failure: the client is gone. */
static int send_out(struct conn *c)
{
	int fds[NIC_FDS_MAX];
	unsigned n = c->o.has_nic ? nic_fds_flatten(&c->o.nic, fds) : 0;

	return fd_send(c->fd, c->o.out, c->o.outlen, fds, n);
}

/* A reply is done: the NIC (if any) is the client's now, and the
 * connection reads no more requests until the client has taken it. */
static void sent(struct conn *c)
{
	c->pending = false;
	if (c->o.has_nic) {
		say(LOG_INFO, "%s", c->o.grant);
		nic_close(&c->o.nic);
		c->o.has_nic = false;
		c->fds_unread = true;
	}
}

/* Tries to send c->o.out: 0 sent (or not yet: pending stays set), -1 when c
 * was dropped.  A reply with fds waits until every earlier reply was
 * read, so a connection has at most one reply with fds unread (fds in
 * flight are charged to the daemon's uid; see the top). */
static int try_send(struct vmtapd_server *s, struct conn *c)
{
	int r;

	if (c->o.has_nic && unread(c))
		return 0;
	r = send_out(c);
	if (r == 0) {
		sent(c);
		return 0;
	}
	if (r == -EAGAIN)
		return 0;
	if (c->o.has_nic && (r == -ETOOMANYREFS || r == -EMFILE || r == -ENFILE)) {
		/* The kernel refuses more fds in flight from our uid: the
		 * connection is fine, the hand-over is not. */
		char msg[256];

		snprintf(msg, sizeof(msg), "cannot hand over the NIC: the kernel refuses more file "
			 "descriptors in flight from vmtapd (%s: clients hold replies they have "
			 "not read); try again later", vmtapd_errno_name(r));
		say_refusal(s, c->peer.uid, LOG_WARNING, "fail uid=%u pid=%d ifname=%s: %s; closed it",
			    (unsigned)c->peer.uid, (int)c->pid, c->o.nic.ifname, msg);
		nic_close(&c->o.nic);
		c->o.has_nic = false;
		if (vmtapd_error_encode(r, msg, c->o.out, sizeof(c->o.out), &c->o.outlen) == 0)
			return try_send(s, c);
	} else if (c->o.has_nic) {
		say(LOG_NOTICE, "fail uid=%u pid=%d ifname=%s: the client went away before taking "
		    "its NIC (%s); closed it", (unsigned)c->peer.uid, (int)c->pid, c->o.nic.ifname,
		    vmtapd_errno_name(r));
	}
	conn_drop(s, c);
	return -1;
}

/* The reply in c->o.out (and c->o.nic when has_nic) goes out, or waits.
 * Returns -1 when c was dropped. */
static int reply(struct vmtapd_server *s, struct conn *c)
{
	c->pending = true;
	if (try_send(s, c) < 0)
		return -1;
	if (!c->pending && !c->fds_unread)
		return 0;
	if (conn_watch_parked(s, c) < 0) {
		conn_drop(s, c);
		return -1;
	}
	list_del(list_of(s, c), c);
	c->sending = true;
	list_add(&s->sending, c, mono_ms() + s->send_ms);
	return 0;
}

/* ---- the record of handed-out NICs ----------------------------------- */

static bool nic_alive(void *ctx, int ifindex)
{
	struct vmtapd_server *s = ctx;
	struct ifreq ifr = { .ifr_ifindex = ifindex };

	/* ENODEV is the only "gone"; on any other failure count it, so an
	 * error cannot lift a limit. */
	return ioctl(s->ioctl_fd, SIOCGIFNAME, &ifr) == 0 || errno != ENODEV;
}

/* ---- requests -------------------------------------------------------- */

/* The one place a request's outcome is logged, encoded and sent. */
static void finish(struct vmtapd_server *s, struct conn *c)
{
	struct outcome *o = &c->o;

	switch (o->kind) {
	case OUTCOME_DROP:
		if (o->line[0])
			say(o->prio, "%s", o->line);
		conn_drop(s, c);
		return;
	case OUTCOME_REFUSE:
		say_refusal(s, c->peer.uid, o->prio, "%s", o->line);
		o->has_nic = false;
		if (vmtapd_error_encode(o->r, o->err.msg, o->out, sizeof(o->out), &o->outlen) < 0) {
			conn_drop(s, c);
			return;
		}
		break;
	case OUTCOME_REPLY:
		if (o->line[0])
			say(o->prio, "%s", o->line);
		break;
	}
	reply(s, c);
}

/* Connections uid has open (idle or sending: every one it has). */
static unsigned conns_of(struct vmtapd_server *s, uid_t uid)
{
	const struct list *lists[2] = { &s->idle, &s->sending };
	unsigned n = 0, i;
	struct conn *c;

	for (i = 0; i < 2; i++)
		for (c = lists[i]->head; c; c = c->next)
			n += c->peer.uid == uid;
	return n;
}

/* A macvtap made for a process (c's, or the one whose pidfd came with
 * "watch": watch_fd) is deleted when that process exits, in the namespace
 * it was made in (netns_fd, -1 for ours); one that cannot be watched is
 * not handed out. */
static void watch_macvtap(struct vmtapd_server *s, struct conn *c, int watch_fd, int netns_fd)
{
	struct outcome *o = &c->o;
	int r = watch_add_netns(s->watch, o->owner_sent ? watch_fd : c->pidfd, o->owner,
				o->nic.ifindex, c->peer.uid, netns_fd);

	if (r == 0)
		return;
	watch_delete_now(s->env.nl, o->owner, o->nic.ifindex, netns_fd, NULL);
	nic_close(&o->nic);
	o->has_nic = false;
	o->kind = OUTCOME_REFUSE;
	o->prio = LOG_ERR;
	o->r = r;
	vmtap_fail(&o->err, r, "cannot watch pid %d for its macvtap: %s; deleted it",
		   (int)o->owner, strerror(-r));
	snprintf(o->line, sizeof(o->line), "fail uid=%u pid=%d: %s", (unsigned)c->peer.uid,
		 (int)c->pid, o->err.msg);
}

/* The fds a request carries are exactly those its keys announce, in this
 * order: a create-nic's "netns" (that namespace's), then its "watch" (a
 * pidfd; proto.h). */
static int request_fds_match(const struct vmtapd_request *req, unsigned nfds,
			     struct vmtap_err *err)
{
	bool netns = req->op == VMTAPD_OP_CREATE_NIC && req->spec.netns[0];
	bool watch = req->op == VMTAPD_OP_CREATE_NIC && req->watch;
	unsigned want = (unsigned)netns + (unsigned)watch;

	if (nfds == want)
		return 0;
	if (!want)
		return vmtap_fail(err, -EPROTO, "request carried %u file descriptor%s; only a "
				  "create-nic with \"netns\" (that namespace's) or \"watch\" (a pidfd) "
				  "carries one", nfds, nfds == 1 ? "" : "s");
	if (!watch)
		return vmtap_fail(err, -EPROTO, "create-nic: \"netns\" needs an fd of that network "
				  "namespace with the request (SCM_RIGHTS); it came with %u", nfds);
	if (!netns)
		return vmtap_fail(err, -EPROTO, "create-nic: \"watch\" needs a pidfd with the "
				  "request (SCM_RIGHTS); it came with %u fds", nfds);
	return vmtap_fail(err, -EPROTO, "create-nic: \"netns\" and \"watch\" need 2 fds with "
			  "the request (SCM_RIGHTS: the namespace's, then a pidfd); it came with %u",
			  nfds);
}

static void request(struct vmtapd_server *s, struct conn *c)
{
	struct client_id who = { .peer = c->peer, .pid = c->pid, .pidfd = c->pidfd,
				 .conns = conns_of(s, c->peer.uid), .netns_fd = -1, .watch_fd = -1 };
	char buf[VMTAPD_REQUEST_MAX + 1];
	struct vmtap_err err = { "" };
	struct vmtapd_request req;
	unsigned nfds = 0, i;
	size_t len = 0;
	int fds[2] = { -1, -1 }, r;
	bool netns;

	/* Room for two fds, a create-nic's network namespace ("netns") and
	 * a pidfd ("watch"); fd_recv closes any more.  Whatever the request,
	 * they are closed here once it is handled. */
	r = fd_recv(c->fd, buf, VMTAPD_REQUEST_MAX, &len, fds, 2, &nfds);
	if (r == -EAGAIN || r == -EINTR)
		return;
	if (r == -EPROTO)
		vmtap_fail(&err, r, "request carried more than 2 file descriptors or other control "
			   "data; expected none, or those of a create-nic's \"netns\" and "
			   "\"watch\"");
	else if (r == -EMSGSIZE)
		vmtap_fail(&err, r, "request is larger than %d bytes", VMTAPD_REQUEST_MAX);
	if (r < 0 && !err.msg[0]) {
		conn_drop(s, c); /* the connection itself failed */
		return;
	}
	if (r == 0 && len == 0) {
		/* recvmsg says 0 both for a message of no bytes and for end of
		 * file; only the hang-up flag tells them apart (a 0-byte
		 * message followed by a hang-up is taken for the hang-up). */
		struct pollfd p = { .fd = c->fd, .events = POLLRDHUP };

		if (poll(&p, 1, 0) != 0) {
			conn_drop(s, c); /* the client closed it (or poll broke) */
			return;
		}
		r = vmtap_fail(&err, -EPROTO, "request is empty (0 bytes); expected one JSON object");
	}
	/* Activity: the idle clock starts again after this request. */
	conn_idle(s, c);
	if (r == 0)
		r = vmtapd_request_decode(buf, len, &req, &err);
	if (r == 0)
		r = request_fds_match(&req, nfds, &err);
	netns = r == 0 && req.op == VMTAPD_OP_CREATE_NIC && req.spec.netns[0];
	who.netns_fd = netns ? fds[0] : -1;
	who.watch_fd = r == 0 && req.op == VMTAPD_OP_CREATE_NIC && req.watch ? fds[netns] : -1;
	outcome_init(&c->o);
	if (r < 0)
		handle_bad_request(&who, r, &err, &c->o);
	else if (c->foreign_netns && !(req.op == VMTAPD_OP_CREATE_NIC && req.spec.netns[0]))
		handle_denied(&who, vmtap_fail(&err, -EPERM, "your network namespace differs from "
					       "vmtapd's; a NIC from it would live in vmtapd's "
					       "namespace, not yours: name yours (\"netns\", with "
					       "its fd), or ask a vmtapd that runs in your own"),
			      &err, &c->o);
	else
		handle_request(&s->env, &who, &req, &c->o);
	if (c->o.has_nic && c->o.macvtap)
		watch_macvtap(s, c, who.watch_fd, who.netns_fd);
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	finish(s, c);
}

static void conn_event(struct vmtapd_server *s, struct conn *c, uint32_t events)
{
	/* Gone for good (both directions shut): whatever it sent last can no
	 * longer be answered, so it is not worth a tap. */
	if (events & (EPOLLHUP | EPOLLERR)) {
		if (c->o.has_nic)
			say(LOG_NOTICE, "fail uid=%u pid=%d ifname=%s: the client went away before "
			    "taking its NIC; closed it", (unsigned)c->peer.uid, (int)c->pid,
			    c->o.nic.ifname);
		conn_drop(s, c);
		return;
	}
	if (c->sending) {
		/* The client read something: the parked reply may go now, or
		 * the reply with fds sent before was taken. */
		if (c->pending && (try_send(s, c) < 0 || c->pending))
			return;
		if (c->fds_unread) {
			if (unread(c))
				return;
			c->fds_unread = false;
		}
		if (conn_watch_idle(s, c) < 0) {
			conn_drop(s, c);
			return;
		}
		conn_idle(s, c);
		return;
	}
	if (events & (EPOLLIN | EPOLLRDHUP))
		request(s, c);
}

/* ---- accepting ------------------------------------------------------- */

/* Tells a client we cannot serve it why, if its socket takes it now. */
static void refuse(int fd, int r, const char *msg)
{
	char buf[VMTAPD_REPLY_MAX];
	size_t len;

	if (vmtapd_error_encode(r, msg, buf, sizeof(buf), &len) == 0)
		fd_send(fd, buf, len, NULL, 0);
}

/* Out of fds: give up the reserve for a moment to accept and refuse one
 * client, so the listening socket does not stay readable for ever (a busy
 * loop) and the client hears why. */
static void accept_emfile(struct vmtapd_server *s)
{
	struct epoll_event ev = { .events = 0, .data.ptr = &tag_listen };
	int fd;

	if (s->reserve_fd >= 0) {
		close(s->reserve_fd);
		s->reserve_fd = -1;
		fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			refuse(fd, -EMFILE, "vmtapd is out of file descriptors; try again later");
			close(fd);
		}
		s->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		say(LOG_WARNING, "out of file descriptors (%u clients): refused a connection",
		    s->nconns);
		if (s->reserve_fd >= 0)
			return;
	}
	/* No reserve either: stop listening until a client leaves. */
	if (!s->listen_paused && epoll_ctl(s->epfd, EPOLL_CTL_MOD, s->listen_fd, &ev) == 0)
		s->listen_paused = true;
}

static int peer_credentials(int fd, struct conn *c)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);
	gid_t *groups = NULL;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0)
		return -errno;
	c->pid = uc.pid;
	c->peer.uid = uc.uid;
	c->peer.gid = uc.gid;
	/* Supplementary groups as they were at connect() (Linux 4.13+); the
	 * first call may say how much room they need. */
	len = 32 * sizeof(gid_t);
	for (;;) {
		gid_t *g = realloc(groups, len ? len : sizeof(gid_t));

		if (!g) {
			free(groups);
			return -ENOMEM;
		}
		groups = g;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == 0)
			break;
		if (errno != ERANGE) {
			free(groups);
			return -errno;
		}
	}
	c->groups = groups;
	c->peer.groups = groups;
	c->peer.ngroups = len / sizeof(gid_t);
	return 0;
}

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77 /* Linux 6.5 */
#endif

/* A pidfd of the process that connected, or -1 (an older kernel: then no
 * macvtap is made for it). */
static int peer_pidfd(int fd)
{
	socklen_t len = sizeof(int);
	int pidfd = -1;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) < 0)
		return -1;
	/* The kernel makes it O_CLOEXEC already (pidfd_prepare). */
	return pidfd;
}

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71 /* Linux 5.14 */
#endif

/* The cookie of the network namespace fd's socket lives in; 0 when the
 * kernel cannot say (never a namespace's cookie: they start at 1). */
static uint64_t netns_cookie(int fd)
{
	uint64_t cookie = 0;
	socklen_t len = sizeof(cookie);

	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len) < 0)
		return 0;
	return cookie;
}

static void accept_one(struct vmtapd_server *s, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };
	struct vmtap_err err = { "" };
	unsigned limit, have;
	struct conn *c = calloc(1, sizeof(*c));
	int r;

	if (!c) {
		refuse(fd, -ENOMEM, "vmtapd is out of memory");
		close(fd);
		return;
	}
	nic_init(&c->o.nic);
	c->fd = fd;
	c->pidfd = peer_pidfd(fd);
	if ((r = peer_credentials(fd, c)) < 0) {
		say(LOG_WARNING, "cannot read a client's credentials: %s; dropped it", strerror(-r));
		goto drop;
	}
	limit = acl_limit(s->acl, ACL_LIMIT_CONNECTIONS, &c->peer);
	if (limit != ACL_NO_LIMIT && (have = conns_of(s, c->peer.uid)) >= limit) {
		vmtap_fail(&err, -EDQUOT, "uid %u has %u connections open; %s allows at most %u",
			   (unsigned)c->peer.uid, have, s->config_path, limit);
		say_refusal(s, c->peer.uid, LOG_WARNING, "deny uid=%u pid=%d: %s",
			    (unsigned)c->peer.uid, (int)c->pid, err.msg);
		refuse(fd, -EDQUOT, err.msg);
		goto drop;
	}
	/* The accepted socket is made in the network namespace of the socket
	 * that connected (unix_stream_connect), so its cookie is the
	 * client's, fixed when the client made its socket: no /proc lookup,
	 * no race with a pid.  A NIC made here lives in the daemon's
	 * namespace, so a client in another one would get a port on a
	 * bridge it cannot otherwise reach: its every request is refused
	 * (request()) but a create-nic that names its namespace ("netns",
	 * judged by netns_client_may). */
	c->foreign_netns = netns_cookie(fd) != s->netns_cookie;
	ev.data.ptr = c;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		goto drop;
	list_add(&s->idle, c, mono_ms() + s->idle_ms);
	s->nconns++;
	return;
drop:
	close(fd);
	if (c->pidfd >= 0)
		close(c->pidfd);
	free(c->groups);
	free(c);
}

static void accept_some(struct vmtapd_server *s)
{
	int i, fd;

	/* A bounded batch, so a flood of connections cannot starve the
	 * clients already connected. */
	for (i = 0; i < 32; i++) {
		fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			accept_one(s, fd);
			continue;
		}
		switch (errno) {
		case EINTR:
		case ECONNABORTED:
		case EPROTO:
			continue;
		case EMFILE:
		case ENFILE:
			accept_emfile(s);
			return;
		case EAGAIN:
			return;
		default:
			say(LOG_ERR, "accept: %s", strerror(errno));
			return;
		}
	}
}

/* ---- signals, timeouts, the loop ------------------------------------ */

static void reload(struct vmtapd_server *s)
{
	struct vmtap_err err = { "" };
	struct acl *acl = NULL;
	int r = acl_load_daemon(s->config_path, &acl, &err);

	if (r < 0) {
		say(LOG_ERR, "reload: %s; keeping the policy in force", vmtap_err_text(&err, r));
		return;
	}
	acl_free(s->acl);
	s->acl = acl;
	s->env.acl = acl;
	say(LOG_NOTICE, "reloaded the policy from %s", s->config_path);
}

/* 0, or the number of a signal that ends the loop. */
static int on_signal(struct vmtapd_server *s)
{
	struct signalfd_siginfo si;

	while (read(s->signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			reload(s);
		else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			return (int)si.ssi_signo;
	}
	return 0;
}

static void expire(struct vmtapd_server *s)
{
	uint64_t now = mono_ms();
	unsigned unsaid;
	uid_t uid;

	while (loglimit_due(&s->loglimit, now, &uid, &unsaid))
		say(LOG_WARNING, "uid=%u: %u more refusals not logged (at most %d lines in %d s)",
		    (unsigned)uid, unsaid, LOGLIMIT_BURST, LOGLIMIT_WINDOW_MS / 1000);

	while (s->idle.head && s->idle.head->deadline <= now) {
		struct conn *c = s->idle.head;

		say(LOG_DEBUG, "closing a connection idle for %llu s (uid=%u pid=%d)",
		    (unsigned long long)(s->idle_ms / 1000), (unsigned)c->peer.uid, (int)c->pid);
		conn_drop(s, c);
	}
	while (s->sending.head && s->sending.head->deadline <= now) {
		struct conn *c = s->sending.head;

		say(LOG_NOTICE, "fail uid=%u pid=%d%s%s: the client did not read its reply "
		    "within %llu s; dropped it", (unsigned)c->peer.uid, (int)c->pid,
		    c->o.has_nic ? " ifname=" : "", c->o.has_nic ? c->o.nic.ifname : "",
		    (unsigned long long)(s->send_ms / 1000));
		conn_drop(s, c);
	}
}

static int next_timeout(struct vmtapd_server *s)
{
	uint64_t next = loglimit_next(&s->loglimit), now;

	if (s->idle.head && s->idle.head->deadline < next)
		next = s->idle.head->deadline;
	if (s->sending.head && s->sending.head->deadline < next)
		next = s->sending.head->deadline;
	if (next == UINT64_MAX)
		return -1;
	now = mono_ms();
	if (next <= now)
		return 0;
	return next - now > 60000 ? 60000 : (int)(next - now);
}

static void watch_note(int r, const char *line, void *arg)
{
	(void)arg;
	say(r < 0 ? LOG_ERR : LOG_INFO, "%s", line);
}

/* A tap went: its IFB (an outbound limit's, on a kernel without police)
 * goes too; bridge/ifb.c does the work. */
static void ifb_event(struct vmtapd_server *s)
{
	struct vmtap_err e = { "" };
	unsigned n;
	int r = ifb_monitor_event(s->ifb_fd, s->env.nl, &n, &e);

	if (r < 0)
		say(LOG_ERR, "%s", e.msg);
	if (n)
		say(LOG_INFO, "deleted %u IFB%s of taps that are gone", n, n == 1 ? "" : "s");
}

int vmtapd_server_run(struct vmtapd_server *s, struct vmtap_err *err)
{
	struct epoll_event ev[64];
	int n, i, sig, r;

	/* Here, not in _new: main has dropped to CAP_NET_ADMIN by now, and
	 * the pool's thread starts with what this thread has. */
	if (s->pool && (r = pool_start(s->pool, err)) < 0)
		return r;
	for (;;) {
		n = epoll_wait(s->epfd, ev, 64, next_timeout(s));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return vmtap_fail(err, -errno, "epoll_wait: %s", strerror(errno));
		}
		for (i = 0; i < n; i++) {
			if (ev[i].data.ptr == &tag_listen) {
				accept_some(s);
			} else if (ev[i].data.ptr == &tag_signal) {
				if ((sig = on_signal(s)) > 0)
					return sig;
			} else if (ev[i].data.ptr == &tag_watch) {
				watch_event(s->watch, s->env.nl, watch_note, s);
			} else if (ev[i].data.ptr == &tag_ifb) {
				ifb_event(s);
			} else if (s->pool && pool_owns(s->pool, ev[i].data.ptr)) {
				struct vmtap_err note = { "" };

				if ((r = pool_event(s->pool, ev[i].data.ptr, &note)))
					say(r == 1 ? LOG_WARNING : LOG_NOTICE, "%s", note.msg);
			} else {
				conn_event(s, ev[i].data.ptr, ev[i].events);
			}
		}
		expire(s);
	}
}

/* ---- life cycle ------------------------------------------------------ */

int vmtapd_server_new(const struct vmtapd_server_opts *o, struct vmtapd_server **out,
		      struct vmtap_err *err)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct vmtapd_server *s = calloc(1, sizeof(*s));
	unsigned reaped = 0;
	int r;

	if (!s) {
		close(o->listen_fd);
		close(o->signal_fd);
		acl_free(o->acl);
		return vmtap_fail(err, -ENOMEM, "out of memory");
	}
	s->listen_fd = o->listen_fd;
	s->signal_fd = o->signal_fd;
	s->ifb_fd = -1;
	s->acl = o->acl;
	s->env.acl = o->acl;
	s->config_path = o->config_path;
	s->idle_ms = 1000ULL * (o->idle_timeout_s ? o->idle_timeout_s : VMTAPD_IDLE_TIMEOUT_S);
	s->send_ms = 1000ULL * (o->send_timeout_s ? o->send_timeout_s : VMTAPD_SEND_TIMEOUT_S);
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	s->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	s->ioctl_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s->epfd < 0 || s->reserve_fd < 0 || s->ioctl_fd < 0) {
		r = vmtap_fail(err, -errno, "cannot set up the event loop: %s", strerror(errno));
		goto fail;
	}
	quota_init(&s->quota, nic_alive, s);
	/* ioctl_fd is a socket of the daemon's own namespace, where it makes
	 * every NIC. */
	if (!(s->netns_cookie = netns_cookie(s->ioctl_fd))) {
		r = vmtap_fail(err, -ENOPROTOOPT, "cannot read the network namespace of a socket "
			       "(SO_NETNS_COOKIE, Linux 5.14): expected a kernel that tells, so "
			       "clients of other namespaces can be refused");
		goto fail;
	}
	if (fcntl(s->listen_fd, F_SETFL, fcntl(s->listen_fd, F_GETFL) | O_NONBLOCK) < 0) {
		r = vmtap_fail(err, -errno, "listening socket: %s", strerror(errno));
		goto fail;
	}
	ev.data.ptr = &tag_listen;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->listen_fd, &ev) < 0) {
		r = vmtap_fail(err, -errno, "epoll: %s", strerror(errno));
		goto fail;
	}
	ev.data.ptr = &tag_signal;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->signal_fd, &ev) < 0) {
		r = vmtap_fail(err, -errno, "epoll: %s", strerror(errno));
		goto fail;
	}
	/* One NETLINK_ROUTE socket for the daemon's life: provision() then
	 * costs its messages and nothing else. */
	if ((r = rtnl_open(&s->env.nl, err)) < 0)
		goto fail;
	/* Marked macvtaps of a previous run: those whose process is gone are
	 * deleted, the others watched. */
	if ((r = watch_new(&s->watch, err)) < 0 || (r = watch_reap(s->watch, s->env.nl, &reaped,
								     err)) < 0)
		goto fail;
	if (reaped)
		say(LOG_NOTICE, "deleted %u macvtap%s left by processes that are gone", reaped,
		    reaped == 1 ? "" : "s");
	ev.data.ptr = &tag_watch;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, watch_fd(s->watch), &ev) < 0) {
		r = vmtap_fail(err, -errno, "epoll: %s", strerror(errno));
		goto fail;
	}
	/* IFBs of taps gone while no vmtapd ran, then every tap's
	 * RTM_DELLINK (opened first: a tap gone between the two is reaped). */
	if ((r = ifb_monitor_open(&s->ifb_fd, err)) < 0 ||
	    (r = ifb_reap(s->env.nl, true, &reaped, NULL, 0, err)) < 0)
		goto fail;
	if (reaped)
		say(LOG_NOTICE, "deleted %u IFB%s of taps that are gone", reaped,
		    reaped == 1 ? "" : "s");
	ifb_watched(s->env.nl);
	ev.data.ptr = &tag_ifb;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->ifb_fd, &ev) < 0) {
		r = vmtap_fail(err, -errno, "epoll: %s", strerror(errno));
		goto fail;
	}
	if (o->npools && (r = pool_new(o->pools, o->npools, s->epfd, &s->pool, err)) < 0)
		goto fail;
	s->env.config_path = s->config_path;
	s->env.pool = s->pool;
	s->env.quota = &s->quota;
	s->env.watch = s->watch;
	*out = s;
	return 0;
fail:
	vmtapd_server_free(s);
	return r;
}

void vmtapd_server_free(struct vmtapd_server *s)
{
	if (!s)
		return;
	while (s->idle.head)
		conn_drop(s, s->idle.head);
	while (s->sending.head)
		conn_drop(s, s->sending.head);
	pool_free(s->pool);
	watch_free(s->watch);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	if (s->signal_fd >= 0)
		close(s->signal_fd);
	if (s->ifb_fd >= 0)
		close(s->ifb_fd);
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->reserve_fd >= 0)
		close(s->reserve_fd);
	if (s->ioctl_fd >= 0)
		close(s->ioctl_fd);
	rtnl_close(s->env.nl);
	acl_free(s->acl);
	quota_free(&s->quota);
	free(s);
}
