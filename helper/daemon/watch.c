/* watch.c — macvtaps deleted when their process exits (see watch.h).
 *
 * A pidfd polls readable once its process has exited (Linux 5.3), and
 * SO_PEERPIDFD (6.5) gives the daemon one for the process that connected,
 * with no race on a reused pid.  `vmtap exec` asks for its NICs and then
 * execs QEMU in the same process, so QEMU's exit (a kill -9 too) is what
 * the pidfd reports. */
#include "helper/daemon/watch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "helper/core/macvtap.h"
#include "helper/core/netns.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

struct watch {
	int pidfd;
	pid_t pid;
	int ifindex;
	int netns_fd;         /* the macvtap's network namespace, or -1: ours */
	struct watch *prev, *next;
};

struct watch_set {
	int epfd;
	struct watch *head;   /* every watch, to free them */
};

static void unlink_watch(struct watch_set *w, struct watch *x)
{
	if (x->prev)
		x->prev->next = x->next;
	else
		w->head = x->next;
	if (x->next)
		x->next->prev = x->prev;
	/* Out of the set first: close() alone does not take it out while
	 * another fd of the same pidfd (every watch of one client is a dup
	 * of its connection's) is open, and the set would then report a
	 * freed watch. */
	epoll_ctl(w->epfd, EPOLL_CTL_DEL, x->pidfd, NULL);
	close(x->pidfd);
	if (x->netns_fd >= 0)
		close(x->netns_fd);
	free(x);
}

int watch_new(struct watch_set **out, struct vmtap_err *err)
{
	struct watch_set *w = calloc(1, sizeof(*w));

	if (!w)
		return vmtap_fail(err, -ENOMEM, "out of memory");
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (w->epfd < 0) {
		free(w);
		return vmtap_fail(err, -errno, "epoll: %s", strerror(errno));
	}
	*out = w;
	return 0;
}

int watch_fd(const struct watch_set *w)
{
	return w->epfd;
}

static int add_taken(struct watch_set *w, int fd, pid_t pid, int ifindex)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct watch *x = malloc(sizeof(*x));

	if (!x) {
		close(fd);
		return -ENOMEM;
	}
	*x = (struct watch){ .pidfd = fd, .pid = pid, .ifindex = ifindex, .netns_fd = -1 };
	ev.data.ptr = x;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int r = -errno;

		close(fd);
		free(x);
		return r;
	}
	x->next = w->head;
	if (w->head)
		w->head->prev = x;
	w->head = x;
	return 0;
}

int watch_add(struct watch_set *w, int pidfd, pid_t pid, int ifindex)
{
	int fd = fcntl(pidfd, F_DUPFD_CLOEXEC, 3);

	if (fd < 0)
		return -errno;
	return add_taken(w, fd, pid, ifindex);
}

int watch_add_netns(struct watch_set *w, int pidfd, pid_t pid, int ifindex, int netns_fd)
{
	int ns, r;

	if (netns_fd < 0)
		return watch_add(w, pidfd, pid, ifindex);
	if ((ns = fcntl(netns_fd, F_DUPFD_CLOEXEC, 3)) < 0)
		return -errno;
	if ((r = watch_add(w, pidfd, pid, ifindex)) < 0) {
		close(ns);
		return r;
	}
	w->head->netns_fd = ns; /* add_taken put it first */
	return 0;
}

int watch_delete_now(struct nl_sock *nl, pid_t pid, int ifindex, int netns_fd,
		     struct vmtap_err *err)
{
	return netns_fd >= 0 ? netns_macvtap_delete_owned(netns_fd, ifindex, pid, err)
			     : macvtap_delete_owned(nl, ifindex, pid, err);
}

void watch_event(struct watch_set *w, struct nl_sock *nl, watch_note_fn *note, void *arg)
{
	struct epoll_event ev[32];
	char line[512];
	int n, i, r;

	n = epoll_wait(w->epfd, ev, 32, 0);
	for (i = 0; i < n; i++) {
		struct watch *x = ev[i].data.ptr;
		struct vmtap_err err = { "" };

		r = watch_delete_now(nl, x->pid, x->ifindex, x->netns_fd, &err);
		if (r < 0)
			snprintf(line, sizeof(line), "pid=%d exited; cannot delete its macvtap "
				 "(ifindex %d): %s", (int)x->pid, x->ifindex, err.msg);
		else
			snprintf(line, sizeof(line), "pid=%d exited; deleted its macvtap (ifindex %d)",
				 (int)x->pid, x->ifindex);
		note(r, line, arg);
		unlink_watch(w, x);
	}
}

struct reap_ctx {
	struct watch_set *w;
	int r;
};

/* A marked macvtap whose process lives: watch it.  The pidfd is opened
 * after the start time was read, so it is checked again: the same pid
 * with the same start time is the same process. */
static void alive(int ifindex, const char *name, pid_t pid, void *arg)
{
	struct reap_ctx *c = arg;
	unsigned long long before, after;
	int fd;

	(void)name;
	if (macvtap_proc_start(pid, &before) < 0)
		return;
	fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0) {
		c->r = -errno;
		return;
	}
	if (macvtap_proc_start(pid, &after) < 0 || after != before) {
		close(fd);
		return; /* it went meanwhile: the next start reaps it */
	}
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 || add_taken(c->w, fd, pid, ifindex) < 0)
		c->r = -ENOMEM;
}

int watch_reap(struct watch_set *w, struct nl_sock *nl, unsigned *deleted,
	       struct vmtap_err *err)
{
	struct reap_ctx c = { .w = w, .r = 0 };
	int r = macvtap_reap(nl, alive, &c, deleted, err);

	if (r == 0 && c.r < 0)
		r = vmtap_fail(err, c.r, "cannot watch the owner of a macvtap: %s", strerror(-c.r));
	return r;
}

void watch_free(struct watch_set *w)
{
	if (!w)
		return;
	/* What is still watched is left alone: its macvtaps stay marked, and
	 * the next start watches or reaps them. */
	while (w->head)
		unlink_watch(w, w->head);
	close(w->epfd);
	free(w);
}
