/* server.c — vmtapd's event loop (see server.h).
 *
 * Theory of operation.  One epoll set holds the listening socket, the
 * signalfd and every connection.  A readable connection gets one request
 * handled to the end (policy, provision(), reply) before the loop looks at
 * the next event, so clients take turns and no request waits behind more
 * than one other per client; provision() is about a millisecond and the
 * kernel serialises on RTNL anyway, so a thread pool would buy nothing.
 *
 * SOCK_SEQPACKET keeps request boundaries, so there is no partial request
 * to keep: a connection is either idle (waiting for its next request) or
 * sending (its reply did not fit the socket buffer; the reply and the NIC's
 * fds wait, reading stops).  Each state has a list in deadline order (every
 * member got the same timeout, so appending keeps it sorted), and
 * epoll_wait's timeout is the earliest deadline.
 *
 * The policy is read at start and on SIGHUP (a policy that fails to load
 * leaves the old one in force).  Every decision uses the credentials the
 * kernel recorded when the client connected.
 *
 * Persistent taps (create-persistent, delete-persistent) take the same
 * path as NICs — policy, provision() with persist set, the same limits —
 * but no fd goes back: the device outlives the daemon's fd and is the
 * client's by TUNSETOWNER, always to the client's own uid.  A client
 * deletes, or makes again, only devices vmtap made that it owns (uid 0:
 * any vmtap made); provision.c's *_for checks that next to the kernel call.
 * A persistent tap made here counts toward its owner's `limit nics` for as
 * long as it exists, in the same record as handed-out NICs.
 *
 * Logging: syslog(3), which main opened (with LOG_PERROR under
 * --foreground).  Text that came from a client is cleaned of control bytes
 * first, so a client cannot forge log lines. */
#include "helper/daemon/server.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "helper/core/fdpass.h"
#include "helper/daemon/pool.h"
#include "bridge/port.h"
#include "helper/core/provision.h"
#include "helper/wire/proto.h"

struct conn {
	int fd;
	pid_t pid;             /* at connect time; for logs only */
	struct acl_peer peer;  /* peer.groups points at groups */
	gid_t *groups;
	uint64_t deadline;     /* ms on CLOCK_MONOTONIC */
	struct conn *prev, *next;
	bool sending;          /* a reply waits for room: see the top */
	char out[VMTAPD_REPLY_MAX];
	size_t outlen;
	struct nic nic;        /* the NIC that goes with out, if any */
	bool has_nic;
	char grant[256];       /* its "grant ..." log line */
};

struct list {
	struct conn *head, *tail;
};

struct vmtapd_server {
	int epfd, listen_fd, signal_fd;
	int reserve_fd;        /* /dev/null, given up to accept under EMFILE */
	int ioctl_fd;          /* for SIOCGIFNAME: is a handed-out NIC alive? */
	bool listen_paused;
	struct nl_sock *nl;
	struct pool *pool;     /* NICs made ahead (--pool), or NULL */
	struct acl *acl;
	const char *config_path;
	uint64_t idle_ms, send_ms;
	struct list idle, sending;
	unsigned nconns;
	/* NICs handed out: to whom, by ifindex (never reused in a netns
	 * until the 31-bit counter wraps). */
	struct grant {
		uid_t uid;
		int ifindex;
	} *grants;
	size_t ngrants, grants_cap;
};

/* epoll tags of the two fds that are not connections. */
static char tag_listen, tag_signal;

static void say(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(int prio, const char *fmt, ...)
{
	char line[768];
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	for (i = 0; line[i]; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	syslog(prio, "%s", line);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
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
	if (c->has_nic)
		nic_close(&c->nic);
	free(c->groups);
	free(c);
	s->nconns--;
	if (s->reserve_fd < 0)
		s->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	listen_resume(s);
}

static int conn_watch(struct vmtapd_server *s, struct conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events | EPOLLRDHUP, .data.ptr = c };

	return epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0 ? -errno : 0;
}

static void conn_idle(struct vmtapd_server *s, struct conn *c)
{
	list_del(list_of(s, c), c);
	c->sending = false;
	list_add(&s->idle, c, now_ms() + s->idle_ms);
}

/* Sends out (with the NIC's fds when nic) now, or parks it until the
 * client reads: -EAGAIN then.  Any other failure: the client is gone. */
static int send_out(struct conn *c)
{
	int fds[2 * VMTAP_MAX_QUEUES];
	unsigned i, n = 0;

	if (c->has_nic) {
		for (i = 0; i < c->nic.queues; i++)
			fds[n++] = c->nic.tapfd[i];
		for (i = 0; i < c->nic.nvhost; i++)
			fds[n++] = c->nic.vhostfd[i];
	}
	return fd_send(c->fd, c->out, c->outlen, fds, n);
}

/* A reply is done: the NIC (if any) is the client's now. */
static void sent(struct conn *c)
{
	if (c->has_nic) {
		say(LOG_INFO, "%s", c->grant);
		nic_close(&c->nic);
		c->has_nic = false;
	}
}

/* The reply in c->out (and c->nic when has_nic) goes out, or waits.
 * Returns -1 when c was dropped. */
static int reply(struct vmtapd_server *s, struct conn *c)
{
	int r = send_out(c);

	if (r == 0) {
		sent(c);
		return 0;
	}
	if (r == -EAGAIN) {
		if (conn_watch(s, c, EPOLLOUT) < 0)
			goto gone;
		list_del(&s->idle, c);
		c->sending = true;
		list_add(&s->sending, c, now_ms() + s->send_ms);
		return 0;
	}
gone:
	if (c->has_nic)
		say(LOG_NOTICE, "fail uid=%u pid=%d ifname=%s: the client went away before taking "
		    "its NIC; closed it", (unsigned)c->peer.uid, (int)c->pid, c->nic.ifname);
	conn_drop(s, c);
	return -1;
}

static int reply_error(struct vmtapd_server *s, struct conn *c, int r, const char *msg)
{
	if (vmtapd_error_encode(r, msg, c->out, sizeof(c->out), &c->outlen) < 0) {
		conn_drop(s, c);
		return -1;
	}
	c->has_nic = false;
	return reply(s, c);
}

/* Logs a refusal ("deny": the policy said no; "fail": it could not be
 * done) and answers it with the same one line. */
static void refuse_request(struct vmtapd_server *s, struct conn *c, const char *what,
			   const char *who, const struct vmtap_err *err, int r)
{
	say(!strcmp(what, "deny") ? LOG_WARNING : LOG_NOTICE, "%s %s: %s", what, who,
	    vmtap_err_text(err, r));
	reply_error(s, c, r, vmtap_err_text(err, r));
}

/* ---- the record of handed-out NICs ----------------------------------- */

static bool nic_alive(struct vmtapd_server *s, int ifindex)
{
	struct ifreq ifr = { .ifr_ifindex = ifindex };

	/* ENODEV is the only "gone"; on any other failure count it, so an
	 * error cannot lift a limit. */
	return ioctl(s->ioctl_fd, SIOCGIFNAME, &ifr) == 0 || errno != ENODEV;
}

static void grants_prune(struct vmtapd_server *s)
{
	size_t i = 0;

	while (i < s->ngrants) {
		if (nic_alive(s, s->grants[i].ifindex))
			i++;
		else
			s->grants[i] = s->grants[--s->ngrants];
	}
}

static int grant_add(struct vmtapd_server *s, uid_t uid, int ifindex)
{
	if (s->ngrants == s->grants_cap) {
		struct grant *g;
		size_t cap;

		/* Most of the record may be dead NICs: prune before growing,
		 * so it stays about as large as what is alive. */
		grants_prune(s);
		cap = s->ngrants * 2 > 64 ? s->ngrants * 2 : 64;
		if (cap > s->grants_cap) {
			g = realloc(s->grants, cap * sizeof(*g));
			if (!g)
				return -ENOMEM;
			s->grants = g;
			s->grants_cap = cap;
		}
	}
	s->grants[s->ngrants++] = (struct grant){ uid, ifindex };
	return 0;
}

/* NICs of uid still alive, counting no further than stop; dead ones of
 * uid are forgotten on the way. */
static unsigned grants_live(struct vmtapd_server *s, uid_t uid, unsigned stop)
{
	unsigned live = 0;
	size_t i = 0;

	while (i < s->ngrants && live < stop) {
		if (s->grants[i].uid != uid) {
			i++;
		} else if (nic_alive(s, s->grants[i].ifindex)) {
			live++;
			i++;
		} else {
			s->grants[i] = s->grants[--s->ngrants];
		}
	}
	return live;
}

/* Whether the record already counts ifindex for uid. */
static bool grant_has(const struct vmtapd_server *s, uid_t uid, int ifindex)
{
	size_t i;

	for (i = 0; i < s->ngrants; i++)
		if (s->grants[i].uid == uid && s->grants[i].ifindex == ifindex)
			return true;
	return false;
}

/* ---- requests -------------------------------------------------------- */

/* After a failed provision(): a netlink socket left out of step would fail
 * every later request, so start again with a fresh one. */
static void nl_renew(struct vmtapd_server *s, int r)
{
	struct nl_sock *fresh = NULL;

	if ((r == -ENOBUFS || r == -EBADF || r == -EPROTO) && rtnl_open(&fresh, NULL) == 0) {
		rtnl_close(s->nl);
		s->nl = fresh;
	}
}

/* The two checks every request that makes a device passes first: the
 * bridge is the peer's, and so many queues. */
static int policy_check(struct vmtapd_server *s, struct conn *c, struct nic_spec *spec,
			struct vmtap_err *err)
{
	unsigned limit;
	int r;

	/* The bridge and its VLANs are the peer's; spec gets what require adds. */
	if ((r = acl_check_nic(s->acl, &c->peer, spec, c->peer.uid, err)) < 0)
		return r;
	limit = acl_limit(s->acl, ACL_LIMIT_QUEUES, &c->peer);
	if (spec->queues > limit)
		return vmtap_fail(err, -EPERM, "queues=%u: %s allows uid %u at most %u queues per NIC",
				  spec->queues, s->config_path, (unsigned)c->peer.uid, limit);
	return 0;
}

static void hello(struct vmtapd_server *s, struct conn *c)
{
	struct vmtapd_hello h = {
		.version = VMTAPD_PROTO_VERSION,
		.uid = (unsigned)c->peer.uid,
		.gid = (unsigned)c->peer.gid,
		.max_queues = acl_limit(s->acl, ACL_LIMIT_QUEUES, &c->peer),
		.max_nics = acl_limit(s->acl, ACL_LIMIT_NICS, &c->peer),
		.max_connections = acl_limit(s->acl, ACL_LIMIT_CONNECTIONS, &c->peer),
	};

	snprintf(h.server, sizeof(h.server), "vmtapd %s", VMTAP_VERSION);
	if (vmtapd_hello_encode(&h, c->out, sizeof(c->out), &c->outlen) < 0) {
		conn_drop(s, c);
		return;
	}
	c->has_nic = false;
	reply(s, c);
}

/* 1 with a ready-made NIC for spec in *nic; 0 when no pool has one (the
 * caller takes provision()'s path); -errno with a message.  The vhost fds
 * are opened before a NIC leaves the pool, so a refusal (vhost=on without
 * vhost-net) costs no pooled NIC. */
static int from_pool(struct vmtapd_server *s, const struct nic_spec *spec, struct nic *nic,
		     struct vmtap_err *skipped, struct vmtap_err *err)
{
	struct nic_devs devs;
	int r;

	if (!s->pool || !pool_has(s->pool, spec))
		return 0;
	if ((r = nic_vhost_open(spec, &devs, err)) < 0)
		return r;
	if (pool_take(s->pool, spec, nic) < 0) {
		nic_devs_close(&devs);
		return 0;
	}
	*skipped = devs.vhost_skipped;
	if ((r = provision_ready(s->nl, spec, &devs, nic, err)) < 0) {
		nl_renew(s, r);
		return r;
	}
	return 1;
}

static void create_nic(struct vmtapd_server *s, struct conn *c, struct nic_spec *spec)
{
	struct vmtap_err err = { "" }, skipped;
	char who[160], warning[sizeof(err.msg) + 40];
	struct nic_devs devs;
	unsigned limit, live;
	const char *ready = "";
	int r;

	snprintf(who, sizeof(who), "uid=%u pid=%d bridge=%s ifname=%s queues=%u",
		 (unsigned)c->peer.uid, (int)c->pid, spec->bridge,
		 spec->ifname[0] ? spec->ifname : "-", spec->queues);

	if ((r = policy_check(s, c, spec, &err)) < 0)
		goto deny;
	limit = acl_limit(s->acl, ACL_LIMIT_NICS, &c->peer);
	if (limit != ACL_NO_LIMIT && (live = grants_live(s, c->peer.uid, limit)) >= limit) {
		r = vmtap_fail(&err, -EDQUOT, "uid %u has %u NICs alive; %s allows at most %u",
			       (unsigned)c->peer.uid, live, s->config_path, limit);
		goto deny;
	}

	if ((r = from_pool(s, spec, &c->nic, &skipped, &err)) < 0)
		goto fail;
	if (r == 1) {
		ready = " ready-made";
	} else {
		if ((r = nic_devs_open(spec, &devs, &err)) < 0)
			goto fail;
		skipped = devs.vhost_skipped;
		if ((r = provision(s->nl, spec, c->peer.uid, &devs, &c->nic, &err)) < 0) {
			nl_renew(s, r);
			goto fail;
		}
	}
	c->has_nic = true;
	snprintf(warning, sizeof(warning), "%s%s", skipped.msg,
		 skipped.msg[0] ? "; going on without vhost-net" : "");
	if ((r = vmtapd_nic_encode(&c->nic, warning, c->out, sizeof(c->out), &c->outlen)) < 0 ||
	    (r = grant_add(s, c->peer.uid, c->nic.ifindex)) < 0) {
		nic_close(&c->nic);
		c->has_nic = false;
		vmtap_fail(&err, r, "internal: cannot answer: %s", strerror(-r));
		goto fail;
	}
	snprintf(c->grant, sizeof(c->grant), "grant uid=%u pid=%d bridge=%s ifname=%s queues=%u vhost=%u%s",
		 (unsigned)c->peer.uid, (int)c->pid, spec->bridge, c->nic.ifname, c->nic.queues,
		 c->nic.nvhost, ready);
	reply(s, c);
	return;
deny:
	refuse_request(s, c, "deny", who, &err, r);
	return;
fail:
	refuse_request(s, c, "fail", who, &err, r);
}

static bool peer_in_group(const struct acl_peer *p, uint32_t gid)
{
	size_t i;

	if (p->gid == gid)
		return true;
	for (i = 0; i < p->ngroups; i++)
		if (p->groups[i] == gid)
			return true;
	return false;
}

/* A persistent tap owned by the client's uid.  spec comes from the
 * decoder (persist set, tap mode, no owner). */
static void create_persistent(struct vmtapd_server *s, struct conn *c, struct nic_spec *spec)
{
	struct vmtap_err err = { "" };
	struct vmtapd_persistent p;
	char who[160], group[24] = "";
	struct nic_devs devs;
	struct nic nic;
	unsigned limit, live;
	bool counted;
	int before, r;

	snprintf(who, sizeof(who), "create-persistent uid=%u pid=%d bridge=%s ifname=%s queues=%u",
		 (unsigned)c->peer.uid, (int)c->pid, spec->bridge, spec->ifname, spec->queues);

	if ((r = policy_check(s, c, spec, &err)) < 0)
		goto deny;
	/* TUNSETGROUP lets members of the group open the device: only a
	 * group the client is in itself, as chgrp(1) would allow. */
	if (spec->has_group && !peer_in_group(&c->peer, spec->group)) {
		r = vmtap_fail(&err, -EPERM, "group=%u: uid %u is not in group %u; through vmtapd a "
			       "device gets only a group of its client's", spec->group,
			       (unsigned)c->peer.uid, spec->group);
		goto deny;
	}
	/* Only a new device can go over the limit.  Making one again that
	 * exists makes nothing new: it is the client's own (else
	 * provision_for refuses it, and that is the error to see), and counts
	 * from now on if it did not yet. */
	before = (int)if_nametoindex(spec->ifname);
	counted = before > 0 && grant_has(s, c->peer.uid, before);
	limit = acl_limit(s->acl, ACL_LIMIT_NICS, &c->peer);
	if (before <= 0 && limit != ACL_NO_LIMIT &&
	    (live = grants_live(s, c->peer.uid, limit)) >= limit) {
		r = vmtap_fail(&err, -EDQUOT, "uid %u has %u NICs alive (persistent taps count); %s "
			       "allows at most %u", (unsigned)c->peer.uid, live, s->config_path,
			       limit);
		goto deny;
	}

	spec->has_owner = true;
	spec->owner = c->peer.uid;
	if ((r = nic_devs_open(spec, &devs, &err)) < 0)
		goto fail;
	if ((r = provision(s->nl, spec, c->peer.uid, &devs, &nic, &err)) < 0) {
		nl_renew(s, r);
		if (r == -EPERM)
			goto deny; /* not its device */
		goto fail;
	}
	memset(&p, 0, sizeof(p));
	memcpy(p.ifname, nic.ifname, sizeof(p.ifname));
	p.ifindex = nic.ifindex;
	p.mtu = nic.mtu;
	memcpy(p.mac, nic.mac, 6);
	p.multi_queue = spec->queues > 1;
	p.owner = spec->owner;
	p.has_group = spec->has_group;
	p.group = spec->group;
	/* The device is persistent: it stays without our fd. */
	nic_close(&nic);
	if ((!counted && (r = grant_add(s, c->peer.uid, p.ifindex)) < 0) ||
	    (r = vmtapd_persistent_encode(&p, c->out, sizeof(c->out), &c->outlen)) < 0) {
		/* Nothing left behind: undo a device made just now. */
		if (before != p.ifindex)
			persistent_delete(s->nl, p.ifname, c->peer.uid, false, NULL);
		vmtap_fail(&err, r, "internal: cannot answer: %s", strerror(-r));
		goto fail;
	}
	if (p.has_group)
		snprintf(group, sizeof(group), " group=%u", p.group);
	say(LOG_INFO, "grant %s owner=%u%s", who, p.owner, group);
	c->has_nic = false;
	reply(s, c);
	return;
deny:
	refuse_request(s, c, "deny", who, &err, r);
	return;
fail:
	refuse_request(s, c, "fail", who, &err, r);
}

/* Every name is checked before any is deleted, as `vmtap delete` does. */
static void delete_persistent(struct vmtapd_server *s, struct conn *c,
			      const struct vmtapd_request *req)
{
	struct vmtap_err err = { "" };
	char who[96 + VMTAPD_DELETE_MAX * IFNAMSIZ];
	size_t n;
	unsigned i;
	int r;

	n = (size_t)snprintf(who, sizeof(who), "delete-persistent uid=%u pid=%d ifnames=",
			     (unsigned)c->peer.uid, (int)c->pid);
	for (i = 0; i < req->nnames && n < sizeof(who); i++)
		n += (size_t)snprintf(who + n, sizeof(who) - n, "%s%s", i ? "," : "",
				      req->names[i]);

	for (i = 0; i < req->nnames; i++) {
		if ((r = persistent_check(s->nl, req->names[i], c->peer.uid, false, &err)) < 0) {
			nl_renew(s, r);
			goto refuse;
		}
	}
	for (i = 0; i < req->nnames; i++) {
		if ((r = persistent_delete(s->nl, req->names[i], c->peer.uid, false, &err)) < 0) {
			struct vmtap_err e = { "" };

			nl_renew(s, r);
			if (i > 0) {
				vmtap_fail(&e, r, "%s; deleted before it: %u of the %u names",
					   vmtap_err_text(&err, r), i, req->nnames);
				err = e;
			}
			goto refuse;
		}
	}
	if (vmtapd_deleted_encode(req, c->out, sizeof(c->out), &c->outlen) < 0) {
		say(LOG_ERR, "grant %s, but cannot answer; dropped the client", who);
		conn_drop(s, c);
		return;
	}
	say(LOG_INFO, "grant %s", who);
	c->has_nic = false;
	reply(s, c);
	return;
refuse:
	say(r == -EPERM ? LOG_WARNING : LOG_NOTICE, "%s %s: %s", r == -EPERM ? "deny" : "fail",
	    who, vmtap_err_text(&err, r));
	reply_error(s, c, r, vmtap_err_text(&err, r));
}

static void request(struct vmtapd_server *s, struct conn *c)
{
	char buf[VMTAPD_REQUEST_MAX + 1];
	struct vmtap_err err = { "" };
	struct vmtapd_request req;
	unsigned nfds = 0;
	size_t len = 0;
	int none[1], r;

	/* Room for no fd: fd_recv closes any fd a client sends. */
	r = fd_recv(c->fd, buf, VMTAPD_REQUEST_MAX, &len, none, 0, &nfds);
	if (r == -EAGAIN || r == -EINTR)
		return;
	if (r == -EPROTO)
		vmtap_fail(&err, r, "request carried file descriptors or other control data; "
			   "expected none");
	else if (r == -EMSGSIZE)
		vmtap_fail(&err, r, "request is larger than %d bytes", VMTAPD_REQUEST_MAX);
	if (r < 0 && !err.msg[0]) {
		conn_drop(s, c); /* the connection itself failed */
		return;
	}
	if (r == 0 && len == 0) {
		conn_drop(s, c); /* the client closed it */
		return;
	}
	/* Activity: the idle clock starts again after this request. */
	conn_idle(s, c);
	if (r == 0)
		r = vmtapd_request_decode(buf, len, &req, &err);
	if (r < 0) {
		say(LOG_NOTICE, "bad request uid=%u pid=%d: %s", (unsigned)c->peer.uid, (int)c->pid,
		    vmtap_err_text(&err, r));
		reply_error(s, c, r, vmtap_err_text(&err, r));
		return;
	}
	switch (req.op) {
	case VMTAPD_OP_HELLO:
		hello(s, c);
		break;
	case VMTAPD_OP_CREATE_NIC:
		create_nic(s, c, &req.spec);
		break;
	case VMTAPD_OP_CREATE_PERSISTENT:
		create_persistent(s, c, &req.spec);
		break;
	case VMTAPD_OP_DELETE_PERSISTENT:
		delete_persistent(s, c, &req);
		break;
	}
}

static void conn_event(struct vmtapd_server *s, struct conn *c, uint32_t events)
{
	int r;

	/* Gone for good (both directions shut): whatever it sent last can no
	 * longer be answered, so it is not worth a tap. */
	if (events & (EPOLLHUP | EPOLLERR)) {
		if (c->has_nic)
			say(LOG_NOTICE, "fail uid=%u pid=%d ifname=%s: the client went away before "
			    "taking its NIC; closed it", (unsigned)c->peer.uid, (int)c->pid,
			    c->nic.ifname);
		conn_drop(s, c);
		return;
	}
	if (c->sending) {
		if (!(events & EPOLLOUT))
			return;
		r = send_out(c);
		if (r == -EAGAIN)
			return;
		if (r < 0 || conn_watch(s, c, EPOLLIN) < 0) {
			conn_drop(s, c);
			return;
		}
		sent(c);
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
	nic_init(&c->nic);
	c->fd = fd;
	if ((r = peer_credentials(fd, c)) < 0) {
		say(LOG_WARNING, "cannot read a client's credentials: %s; dropped it", strerror(-r));
		goto drop;
	}
	limit = acl_limit(s->acl, ACL_LIMIT_CONNECTIONS, &c->peer);
	if (limit != ACL_NO_LIMIT && (have = conns_of(s, c->peer.uid)) >= limit) {
		vmtap_fail(&err, -EDQUOT, "uid %u has %u connections open; %s allows at most %u",
			   (unsigned)c->peer.uid, have, s->config_path, limit);
		say(LOG_WARNING, "deny uid=%u pid=%d: %s", (unsigned)c->peer.uid, (int)c->pid, err.msg);
		refuse(fd, -EDQUOT, err.msg);
		goto drop;
	}
	ev.data.ptr = c;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		goto drop;
	list_add(&s->idle, c, now_ms() + s->idle_ms);
	s->nconns++;
	return;
drop:
	close(fd);
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
	uint64_t now = now_ms();

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
		    c->has_nic ? " ifname=" : "", c->has_nic ? c->nic.ifname : "",
		    (unsigned long long)(s->send_ms / 1000));
		conn_drop(s, c);
	}
}

static int next_timeout(struct vmtapd_server *s)
{
	uint64_t next = UINT64_MAX, now;

	if (s->idle.head)
		next = s->idle.head->deadline;
	if (s->sending.head && s->sending.head->deadline < next)
		next = s->sending.head->deadline;
	if (next == UINT64_MAX)
		return -1;
	now = now_ms();
	if (next <= now)
		return 0;
	return next - now > 60000 ? 60000 : (int)(next - now);
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
	int r;

	if (!s) {
		close(o->listen_fd);
		close(o->signal_fd);
		acl_free(o->acl);
		return vmtap_fail(err, -ENOMEM, "out of memory");
	}
	s->listen_fd = o->listen_fd;
	s->signal_fd = o->signal_fd;
	s->acl = o->acl;
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
	if ((r = rtnl_open(&s->nl, err)) < 0)
		goto fail;
	if (o->npools && (r = pool_new(o->pools, o->npools, s->epfd, &s->pool, err)) < 0)
		goto fail;
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
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	if (s->signal_fd >= 0)
		close(s->signal_fd);
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->reserve_fd >= 0)
		close(s->reserve_fd);
	if (s->ioctl_fd >= 0)
		close(s->ioctl_fd);
	rtnl_close(s->nl);
	acl_free(s->acl);
	free(s->grants);
	free(s);
}
