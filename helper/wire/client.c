/* client.c — talking to vmtapd (see client.h). */
#include "helper/wire/client.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "helper/core/fdpass.h"
#include "helper/core/netns.h"

struct vmtapd_client {
	int fd;
	struct vmtap_err warning;
};

int vmtapd_client_open(const char *path, struct vmtapd_client **out, struct vmtap_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = VMTAPD_CLIENT_TIMEOUT_S };
	struct vmtapd_client *c;
	int s, r;

	*out = NULL;
	if (!path || !*path || strlen(path) >= sizeof(sa.sun_path))
		return vmtap_fail(err, -ENAMETOOLONG, "vmtapd socket path \"%s\": expected 1-%zu bytes",
				  path ? path : "", sizeof(sa.sun_path) - 1);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0)
		return vmtap_fail(err, -errno, "socket: %s", strerror(errno));
	/* A daemon that stops answering must not hang a VM's start for ever. */
	if (setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
	    connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		close(s);
		if (r == -ENOENT || r == -ECONNREFUSED)
			return vmtap_fail(err, r, "no vmtapd at %s: %s", path, strerror(-r));
		return vmtap_fail(err, r, "vmtapd socket %s: %s", path, strerror(-r));
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(s);
		return vmtap_fail(err, -ENOMEM, "out of memory");
	}
	c->fd = s;
	*out = c;
	return 0;
}

void vmtapd_client_close(struct vmtapd_client *c)
{
	if (!c)
		return;
	close(c->fd);
	free(c);
}

const char *vmtapd_client_warning(const struct vmtapd_client *c)
{
	return c->warning.msg;
}

static void close_fds(int *fds, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		close(fds[i]);
}

/* Sends req, receives one reply into buf (NUL-terminated) and its fds.
 * A request with netns carries an fd of that namespace, opened here with
 * our own rights (netns.h): the daemon never opens a path for us; one
 * with watch carries watch_fd after it (proto.h). */
static int call(struct vmtapd_client *c, const struct vmtapd_request *req, int watch_fd,
		char *buf, size_t cap, size_t *len, int *fds, unsigned maxfds, unsigned *nfds,
		struct vmtap_err *err)
{
	int send[2], nsend = 0, nsfd = -1;
	char out[VMTAPD_REQUEST_MAX];
	size_t n;
	int r, sr;

	*nfds = 0;
	if ((r = vmtapd_request_encode(req, out, sizeof(out), &n)) < 0)
		return vmtap_fail(err, r, "vmtapd request: %s", strerror(-r));
	if (req->op == VMTAPD_OP_CREATE_NIC && req->spec.netns[0]) {
		if ((r = netns_open(req->spec.netns, &nsfd, err)) < 0)
			return r;
		send[nsend++] = nsfd;
	}
	if (req->watch)
		send[nsend++] = watch_fd;
	sr = fd_send(c->fd, out, n, nsend ? send : NULL, (unsigned)nsend);
	if (nsfd >= 0)
		close(nsfd);
	if (sr < 0 && sr != -EPIPE && sr != -ECONNRESET)
		return vmtap_fail(err, sr, "cannot send to vmtapd: %s", strerror(-sr));
	/* A daemon that turns a connection away (too many for this uid, out
	 * of fds) answers and hangs up without reading our request, so its
	 * answer may wait behind a broken pipe or a reset: read it anyway. */
	r = fd_recv(c->fd, buf, cap - 1, len, fds, maxfds, nfds);
	if (r == -ECONNRESET)
		r = fd_recv(c->fd, buf, cap - 1, len, fds, maxfds, nfds);
	if (r == -EAGAIN || r == -EWOULDBLOCK)
		return vmtap_fail(err, -ETIMEDOUT, "vmtapd did not answer within %d s",
				  VMTAPD_CLIENT_TIMEOUT_S);
	if (r < 0)
		return vmtap_fail(err, r, "no reply from vmtapd: %s", strerror(-r));
	if (*len == 0) {
		close_fds(fds, *nfds);
		*nfds = 0;
		return vmtap_fail(err, -ECONNRESET, "vmtapd closed the connection without a reply");
	}
	buf[*len] = '\0';
	return 0;
}

int vmtapd_client_hello(struct vmtapd_client *c, struct vmtapd_hello *out,
			struct vmtap_err *err)
{
	struct vmtapd_request req = { .op = VMTAPD_OP_HELLO };
	char buf[VMTAPD_REPLY_MAX];
	int fds[FDPASS_MAX];
	unsigned nfds;
	size_t len;
	int r;

	if ((r = call(c, &req, -1, buf, sizeof(buf), &len, fds, FDPASS_MAX, &nfds, err)) < 0)
		return r;
	if (nfds) {
		close_fds(fds, nfds);
		return vmtap_fail(err, -EPROTO, "vmtapd sent %u fds with its hello", nfds);
	}
	return vmtapd_hello_decode(buf, len, out, err);
}

int vmtapd_client_create_nic(struct vmtapd_client *c, const struct nic_spec *spec,
			     struct nic *out, struct vmtap_err *err)
{
	return vmtapd_client_create_nic_watched(c, spec, -1, out, err);
}

int vmtapd_client_create_nic_watched(struct vmtapd_client *c, const struct nic_spec *spec,
				     int pidfd, struct nic *out, struct vmtap_err *err)
{
	struct vmtapd_request req = { .op = VMTAPD_OP_CREATE_NIC, .spec = *spec,
				      .watch = pidfd >= 0 };
	int fds[NIC_FDS_MAX];
	char buf[VMTAPD_REPLY_MAX];
	struct vmtap_err warn = { "" };
	unsigned nfds;
	size_t len;
	int r;

	nic_init(out);
	if ((r = call(c, &req, pidfd, buf, sizeof(buf), &len, fds, NIC_FDS_MAX, &nfds, err)) < 0)
		return r;
	if ((r = vmtapd_nic_decode(buf, len, nfds, out, &warn, err)) < 0) {
		close_fds(fds, nfds);
		nic_init(out);
		return r;
	}
	nic_fds_take(out, fds);
	c->warning = warn;
	return 0;
}

/* A call whose reply carries no fds: any that come are closed, and the
 * decoder refuses the reply for them. */
static int call_plain(struct vmtapd_client *c, const struct vmtapd_request *req, char *buf,
		      size_t cap, size_t *len, unsigned *nfds, struct vmtap_err *err)
{
	int fds[FDPASS_MAX];
	int r = call(c, req, -1, buf, cap, len, fds, FDPASS_MAX, nfds, err);

	if (r == 0)
		close_fds(fds, *nfds);
	return r;
}

int vmtapd_client_create_persistent(struct vmtapd_client *c, const struct nic_spec *spec,
				    struct vmtapd_persistent *out, struct vmtap_err *err)
{
	struct vmtapd_request req = { .op = VMTAPD_OP_CREATE_PERSISTENT, .spec = *spec };
	struct vmtapd_persistent p;
	char buf[VMTAPD_REPLY_MAX];
	unsigned nfds;
	size_t len;
	int r;

	if ((r = call_plain(c, &req, buf, sizeof(buf), &len, &nfds, err)) < 0)
		return r;
	return vmtapd_persistent_decode(buf, len, nfds, out ? out : &p, err);
}

int vmtapd_client_delete_persistent(struct vmtapd_client *c, const char *const *names,
				    unsigned n, struct vmtap_err *err)
{
	struct vmtapd_request req = { .op = VMTAPD_OP_DELETE_PERSISTENT };
	char buf[VMTAPD_REPLY_MAX];
	unsigned i, nfds, deleted;
	size_t len;
	int r;

	if (n < 1 || n > VMTAPD_DELETE_MAX)
		return vmtap_fail(err, -E2BIG, "%u names: vmtapd deletes 1..%d at once", n,
				  VMTAPD_DELETE_MAX);
	for (i = 0; i < n; i++) {
		/* Never truncated: the daemon checks the rest of the name rule. */
		if (strlen(names[i]) >= IFNAMSIZ)
			return vmtap_fail(err, -EINVAL, "bad interface name \"%s\"; expected %d bytes "
					  "at most", names[i], IFNAMSIZ - 1);
		memcpy(req.names[i], names[i], strlen(names[i]) + 1);
	}
	req.nnames = n;
	if ((r = call_plain(c, &req, buf, sizeof(buf), &len, &nfds, err)) < 0)
		return r;
	if ((r = vmtapd_deleted_decode("delete-persistent", buf, len, nfds, &deleted, err)) < 0)
		return r;
	if (deleted != n)
		return vmtap_fail(err, -EPROTO, "vmtapd says it deleted %u of %u names", deleted, n);
	return 0;
}

int vmtapd_client_release_nic(struct vmtapd_client *c, const char *ifname,
			      struct vmtap_err *err)
{
	struct vmtapd_request req = { .op = VMTAPD_OP_RELEASE_NIC, .nnames = 1 };
	char buf[VMTAPD_REPLY_MAX];
	unsigned nfds, deleted;
	size_t len;
	int r;

	/* Never truncated: the daemon checks the rest of the name rule. */
	if (strlen(ifname) >= IFNAMSIZ)
		return vmtap_fail(err, -EINVAL, "bad interface name \"%s\"; expected %d bytes at "
				  "most", ifname, IFNAMSIZ - 1);
	memcpy(req.names[0], ifname, strlen(ifname) + 1);
	if ((r = call_plain(c, &req, buf, sizeof(buf), &len, &nfds, err)) < 0)
		return r;
	if ((r = vmtapd_deleted_decode("release-nic", buf, len, nfds, &deleted, err)) < 0)
		return r;
	if (deleted != 1)
		return vmtap_fail(err, -EPROTO, "vmtapd says it released %u names of 1", deleted);
	return 0;
}
