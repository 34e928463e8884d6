/* rtnl.c — the rtnetlink transport (see rtnl.h): open the socket, build a
 * request, send it and read its answer, recover the kernel's errno and
 * extended-ack text, and word the failure once for every operation.
 *
 * Theory of operation.  Every request is one netlink message; exchange()
 * reads until that request's ACK, error or NLMSG_DONE, so each operation
 * costs exactly the round trips its contract names.  Messages are built
 * with libnl-3's core (nlmsg_*, nla_*) and nothing from libnl-route-3:
 * linking the route library into the setuid helper would run its
 * constructors before main, and one of them opens $NLSYSCONFDIR/classid as
 * root.
 *
 * Errors.  libnl folds the kernel's errno into its own NLE_* codes and loses
 * it (EXFULL from a full bridge becomes NLE_FAILURE), so exchange() installs
 * its own NL_CB_ERR callback that keeps nlmsgerr->error and the kernel's
 * extended-ack text.
 *
 * Environment.  libnl reads NLCB and NLDBG in a constructor.  rtnl_open()
 * resets nl_debug and every callback set here comes from
 * nl_cb_alloc(NL_CB_DEFAULT), never from the NLCB-chosen default, so no
 * caller of a setuid helper can make it dump messages.
 *
 * Never prints, never knows what a request means: the operations live in
 * link.c, port.c and bridge.c. */
#include "bridge/rtnl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>

#include <netlink/attr.h>
#include <netlink/handlers.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* What one request got back. */
struct answer {
	int error;              /* the kernel's -errno, 0 after an ACK */
	int done;
	char extack[160];       /* the kernel's extended-ack text, if any */
	rtnl_parse_fn *parse;   /* for replies with data */
	void *arg;
	int parse_error;        /* first -errno parse returned */
};

static int libnl_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_INTR:
		return -EINTR;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_BAD_SOCK:
		return -EBADF;
	case NLE_MSGSIZE:
		return -EMSGSIZE;
	case NLE_PERM:
		return -EPERM;
	default:
		return -EPROTO;
	}
}

int rtnl_open(struct nl_sock **out, struct vmtap_err *err)
{
	struct nl_sock *sk;
	struct nl_cb *cb;
	int one = 1, fd, fl, r;

	*out = NULL;
	nl_debug = 0;

	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb)
		return vmtap_fail(err, -ENOMEM, "cannot allocate a netlink callback set");
	sk = nl_socket_alloc_cb(cb);
	nl_cb_put(cb);
	if (!sk)
		return vmtap_fail(err, -ENOMEM, "cannot allocate a netlink socket");

	errno = 0;
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0) {
		int e = errno ? -errno : libnl_errno(r);

		nl_socket_free(sk);
		return vmtap_fail(err, e, "cannot open a rtnetlink socket: %s", strerror(-e));
	}
	fd = nl_socket_get_fd(sk);
	/* libnl 3.7 opens it with SOCK_CLOEXEC; older versions did not. */
	fl = fcntl(fd, F_GETFD);
	if (fl < 0 || (!(fl & FD_CLOEXEC) && fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0)) {
		r = -errno;
		nl_socket_free(sk);
		return vmtap_fail(err, r, "cannot make the rtnetlink socket close-on-exec: %s",
				  strerror(-r));
	}
	/* Best effort: kernels before 4.12 have no extended acks, and then
	 * messages just lack the kernel's explanation. */
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));

	*out = sk;
	return 0;
}

void rtnl_close(struct nl_sock *sk)
{
	if (sk)
		nl_socket_free(sk);
}

/* ---- building a request ------------------------------------------------ */

void rtnl_begin(struct rtnl_req *req, int type, int nlflags, const void *hdr, size_t len)
{
	req->error = 0;
	req->msg = nlmsg_alloc_simple(type, nlflags);
	if (!req->msg)
		req->error = -ENOMEM;
	else if (nlmsg_append(req->msg, (void *)hdr, len, NLMSG_ALIGNTO) < 0)
		req->error = -EMSGSIZE;
}

/* Attributes that do not fit a fresh 4 KiB message: a bug, not a state. */
void rtnl_put(struct rtnl_req *req, int type, const void *data, size_t len)
{
	if (!req->error && nla_put(req->msg, type, (int)len, data) < 0)
		req->error = -EMSGSIZE;
}

void rtnl_put_u8(struct rtnl_req *req, int type, uint8_t v)
{
	rtnl_put(req, type, &v, sizeof(v));
}

void rtnl_put_u32(struct rtnl_req *req, int type, uint32_t v)
{
	rtnl_put(req, type, &v, sizeof(v));
}

void rtnl_put_str(struct rtnl_req *req, int type, const char *s)
{
	rtnl_put(req, type, s, strlen(s) + 1);
}

struct nlattr *rtnl_nest(struct rtnl_req *req, int type)
{
	struct nlattr *nest = req->error ? NULL : nla_nest_start(req->msg, type);

	if (!nest && !req->error)
		req->error = -EMSGSIZE;
	return nest;
}

void rtnl_nest_end(struct rtnl_req *req, struct nlattr *nest)
{
	if (!req->error)
		nla_nest_end(req->msg, nest);
}

/* ---- one exchange ------------------------------------------------------ */

/* The extended ack sits behind the nlmsgerr, and behind the echoed request
 * unless the kernel capped it (we ask for NETLINK_CAP_ACK, but do not rely
 * on it). */
static void read_extack(const struct nlmsgerr *e, struct answer *a)
{
	const struct nlmsghdr *h = (const void *)((const char *)e - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t payload = sizeof(*e), off;

	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(h->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < NLMSG_HDRLEN)
			return;
		payload += e->msg.nlmsg_len - NLMSG_HDRLEN;
	}
	off = NLMSG_HDRLEN + NLMSG_ALIGN(payload);
	if (off >= h->nlmsg_len)
		return;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)h + off),
		      (int)(h->nlmsg_len - off), NULL) < 0)
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		nla_strlcpy(a->extack, tb[NLMSGERR_ATTR_MSG], sizeof(a->extack));
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct answer *a = arg;

	(void)nla;
	a->error = e->error < 0 ? e->error : -EPROTO;
	a->done = 1;
	read_extack(e, a);
	return NL_STOP;
}

/* The ACK of a request, or the NLMSG_DONE of a dump. */
static int on_done(struct nl_msg *msg, void *arg)
{
	struct answer *a = arg;

	(void)msg;
	a->done = 1;
	return NL_STOP;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct answer *a = arg;
	int r;

	if (a->parse_error)
		return NL_OK;
	r = a->parse(nlmsg_hdr(msg), a->arg);
	if (r < 0)
		a->parse_error = r;
	return NL_OK;
}

/* Sends msg and reads the answers to its end into a.  0 when the answer
 * came (a->error then holds the kernel's verdict), or -errno with a message
 * in err for a local failure. */
static int exchange(struct nl_sock *sk, struct nl_msg *msg, struct answer *a,
		    struct vmtap_err *err)
{
	bool dump = (nlmsg_hdr(msg)->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int r, reads = 0;

	if (!cb)
		return vmtap_fail(err, -ENOMEM, "cannot allocate a netlink callback set");
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, a);
	nl_cb_set(cb, dump ? NL_CB_FINISH : NL_CB_ACK, NL_CB_CUSTOM, on_done, a);
	if (a->parse)
		nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, a);

	/* A dump ends with NLMSG_DONE; it asks for no ACK. */
	if (dump)
		nl_socket_disable_auto_ack(sk);
	r = nl_send_auto(sk, msg);
	if (dump)
		nl_socket_enable_auto_ack(sk);
	if (r < 0) {
		r = vmtap_fail(err, libnl_errno(r), "cannot send a rtnetlink request: %s",
			       nl_geterror(r));
		goto out;
	}
	r = 0;
	while (!a->done) {
		int got = nl_recvmsgs(sk, cb);

		if (a->done)
			break;
		if (got == -NLE_DUMP_INTR) {
			a->error = -EAGAIN;
			break;
		}
		if (got < 0) {
			r = vmtap_fail(err, libnl_errno(got), "cannot read the rtnetlink %s: %s",
				       dump ? "dump" : "answer", nl_geterror(got));
			break;
		}
		/* A request that is not a dump gets a reply and an ACK at
		 * most: never spin on a socket that says nothing more. */
		if (!dump && ++reads == 8) {
			r = vmtap_fail(err, -EPROTO, "the kernel never acknowledged a request");
			break;
		}
	}
out:
	nl_cb_put(cb);
	return r;
}

int rtnl_do(struct nl_sock *sk, struct rtnl_req *req, int own_errno, struct vmtap_err *err,
	    const char *fmt, ...)
{
	struct answer a = { .parse = req->parse, .arg = req->arg };
	char doing[sizeof(err->msg)];
	va_list ap;
	int r = req->error;

	if (r == -ENOMEM)
		vmtap_fail(err, r, "cannot allocate a netlink message");
	else if (r < 0)
		vmtap_fail(err, r, "cannot build the %s message for %s", req->what, req->name);
	else
		r = exchange(sk, req->msg, &a, err);
	if (req->msg)
		nlmsg_free(req->msg);
	req->msg = NULL;
	if (r < 0)
		return r;

	r = a.error ? a.error : a.parse_error;
	if (r == 0 || r == own_errno)
		return r;
	va_start(ap, fmt);
	vsnprintf(doing, sizeof(doing), fmt, ap);
	va_end(ap);
	if (a.extack[0])
		return vmtap_fail(err, r, "%s: %s (kernel: %s)", doing, strerror(-r), a.extack);
	return vmtap_fail(err, r, "%s: %s", doing, strerror(-r));
}
