/* fdpass.c — SCM_RIGHTS send and receive (see fdpass.h).
 *
 * The control buffer is a union with struct cmsghdr so it is aligned for
 * it, and sized with CMSG_SPACE for the largest message we allow.  On
 * receive, fds of a message we reject are closed here, so no caller can
 * forget to. */
#include "helper/core/fdpass.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

union cmsgbuf {
	struct cmsghdr align;
	char buf[CMSG_SPACE(sizeof(int) * FDPASS_MAX)];
};

int fd_send(int sock, const void *buf, size_t len, const int *fds, unsigned nfds)
{
	union cmsgbuf cb;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (len == 0 || nfds > FDPASS_MAX)
		return -EINVAL;
	if (nfds) {
		struct cmsghdr *c;

		memset(&cb, 0, sizeof(cb));
		msg.msg_control = cb.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EMSGSIZE;
}

void fd_close_rights(struct msghdr *msg)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			size_t k, cnt = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			int fd;

			for (k = 0; k < cnt; k++) {
				memcpy(&fd, CMSG_DATA(c) + k * sizeof(int), sizeof(int));
				close(fd);
			}
		}
	}
}

int fd_recv(int sock, void *buf, size_t cap, size_t *len, int *fds, unsigned maxfds,
	    unsigned *nfds)
{
	union cmsgbuf cb;
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cb.buf, .msg_controllen = sizeof(cb.buf) };
	struct cmsghdr *c;
	unsigned got = 0;
	ssize_t n;

	*nfds = 0;
	*len = 0;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;

	if (msg.msg_flags & (MSG_CTRUNC | MSG_TRUNC)) {
		fd_close_rights(&msg);
		return msg.msg_flags & MSG_TRUNC ? -EMSGSIZE : -EPROTO;
	}
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		size_t cnt;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			goto reject;
		cnt = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		if (cnt > maxfds - got)
			goto reject;
		memcpy(fds + got, CMSG_DATA(c), cnt * sizeof(int));
		got += cnt;
	}
	*nfds = got;
	*len = (size_t)n;
	return 0;
reject:
	fd_close_rights(&msg);
	return -EPROTO;
}
