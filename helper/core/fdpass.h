/* fdpass.h — file descriptors over AF_UNIX sockets (SCM_RIGHTS). */
#ifndef VMTAP_FDPASS_H
#define VMTAP_FDPASS_H

#include <stddef.h>

/* The kernel's SCM_MAX_FD: at most this many fds travel in one message. */
#define FDPASS_MAX 253

/* Sends buf (len >= 1: a stream socket carries fds only with data) and
 * nfds fds in one sendmsg, MSG_NOSIGNAL.  Returns 0 or -errno
 * (-EMSGSIZE for a short write). */
int fd_send(int sock, const void *buf, size_t len, const int *fds, unsigned nfds);

/* Receives one message into buf (at most cap bytes) and at most maxfds fds
 * (MSG_CMSG_CLOEXEC).  *len is 0 at end of stream.  A message whose control
 * data was cut short (MSG_CTRUNC) or that carries more than maxfds fds or
 * anything but SCM_RIGHTS is -EPROTO, a datagram longer than cap is
 * -EMSGSIZE, and every fd such a message brought is closed. */
int fd_recv(int sock, void *buf, size_t cap, size_t *len, int *fds, unsigned maxfds,
	    unsigned *nfds);

/* Closes every fd an SCM_RIGHTS message in msg carries: for a receiver
 * that refuses a message (or, like the QMP client, never wants fds). */
struct msghdr;
void fd_close_rights(struct msghdr *msg);

#endif
