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
#include <poll.h>
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
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL /* Linux 6.9 */
#endif

struct watch {
	int pidfd;
	pid_t pid;
	int ifindex;
	int netns_fd;         /* the macvtap's network namespace, or -1: ours */
	uid_t uid;            /* made for; WATCH_UID_UNKNOWN after a restart */
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

static int add_taken(struct watch_set *w, int fd, pid_t pid, int ifindex, uid_t uid)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct watch *x = malloc(sizeof(*x));

	if (!x) {
		close(fd);
		return -ENOMEM;
	}
	*x = (struct watch){ .pidfd = fd, .pid = pid, .ifindex = ifindex, .netns_fd = -1,
			     .uid = uid };
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

/* ---- a pidfd a client sent -------------------------------------------- */

/* What fd is, for a refusal: "/dev/null", "socket:[1234]", ... */
static const char *fd_what(int fd, char *buf, size_t cap)
{
	char path[48];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, buf, cap - 1);
	if (n <= 0)
		snprintf(buf, cap, "fd %d", fd);
	else
		buf[n] = '\0';
	return buf;
}

/* The "Pid:" its fdinfo shows (in our procfs's pid namespace: -1 once the
 * process is gone, 0 when it is not in ours): 0 or -ENOENT. */
static int pidfd_pid(int fd, pid_t *pid)
{
	char path[48], line[128];
	FILE *f;
	int r = -ENOENT, v;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	if (!(f = fopen(path, "re")))
		return -ENOENT;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Pid: %d", &v) == 1) {
			*pid = (pid_t)v;
			r = 0;
			break;
		}
	fclose(f);
	return r;
}

/* Its real and effective uid, from /proc/PID/status. */
static int proc_uids(pid_t pid, unsigned *ruid, unsigned *euid)
{
	char path[48], line[256];
	int r = -ESRCH;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "re")))
		return -ESRCH;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Uid: %u %u", ruid, euid) == 2) {
			r = 0;
			break;
		}
	fclose(f);
	return r;
}

/* A pidfd polls readable once its process has exited (a zombie too). */
static bool exited(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) != 0;
}

int watch_check_pidfd(int fd, uid_t uid, pid_t *pid, struct vmtap_err *err)
{
	static const char want[] = "expected a pidfd (pidfd_open(2) or SO_PEERPIDFD) of the "
				   "live process whose exit is to delete the macvtap";
	char what[128];
	unsigned ruid = 0, euid = 0;
	pid_t again = 0;
	int fl;

	/* Signal 0 is the kernel's own test of a pidfd: EBADF for any
	 * other fd, ESRCH once the process is reaped, EINVAL for one of
	 * another pid namespace; EPERM only says we may not signal it (no
	 * CAP_KILL), which is no refusal. */
	if (syscall(SYS_pidfd_send_signal, fd, 0, NULL, 0) < 0 && errno != EPERM) {
		switch (errno) {
		case EBADF:
			return vmtap_fail(err, -EBADF, "\"watch\": the fd sent is %s, not a pidfd; %s",
					  fd_what(fd, what, sizeof(what)), want);
		case ESRCH:
			return vmtap_fail(err, -ESRCH, "\"watch\": the pidfd sent is of a process "
					  "that has exited; %s", want);
		case EINVAL:
			return vmtap_fail(err, -EINVAL, "\"watch\": the pidfd sent is of a process "
					  "outside vmtapd's pid namespace; %s", want);
		default:
			return vmtap_fail(err, -errno, "\"watch\": cannot test the pidfd sent: %s",
					  strerror(errno));
		}
	}
	/* A thread's pidfd reports the thread's exit, not the process's. */
	if ((fl = fcntl(fd, F_GETFL)) >= 0 && (fl & PIDFD_THREAD))
		return vmtap_fail(err, -EINVAL, "\"watch\": the pidfd sent is a thread's "
				  "(PIDFD_THREAD); %s", want);
	if (exited(fd) || pidfd_pid(fd, pid) < 0 || *pid < 0)
		return vmtap_fail(err, -ESRCH, "\"watch\": the pidfd sent is of a process that "
				  "has exited; %s", want);
	if (*pid == 0)
		return vmtap_fail(err, -EINVAL, "\"watch\": the pidfd sent is of a process "
				  "outside vmtapd's pid namespace; %s", want);
	/* /proc/PID is this process's only while it lives: what was read
	 * counts once it is seen alive, with the same pid, afterwards. */
	if (proc_uids(*pid, &ruid, &euid) < 0 || exited(fd) || pidfd_pid(fd, &again) < 0 ||
	    again != *pid)
		return vmtap_fail(err, -ESRCH, "\"watch\": the pidfd sent is of a process (pid %d) "
				  "that has exited; %s", (int)*pid, want);
	/* A process of its own is one the client can kill or trace anyway:
	 * tying a macvtap's life to it tells the client nothing and gives it
	 * nothing new.  Another user's would let it learn when that process
	 * exits and keep a MAC on the parent for that process's lifetime.
	 * Root manages everyone's QEMU (libvirt runs it as another user). */
	if (uid != 0 && ruid != uid && euid != uid)
		return vmtap_fail(err, -EPERM, "\"watch\": the pidfd sent is of pid %d, which runs "
				  "as uid %u (effective %u); expected a process of your own uid %u "
				  "(any, for uid 0)", (int)*pid, ruid, euid, (unsigned)uid);
	return 0;
}

int watch_add(struct watch_set *w, int pidfd, pid_t pid, int ifindex, uid_t uid)
{
	int fd = fcntl(pidfd, F_DUPFD_CLOEXEC, 3);

	if (fd < 0)
		return -errno;
	return add_taken(w, fd, pid, ifindex, uid);
}

int watch_add_netns(struct watch_set *w, int pidfd, pid_t pid, int ifindex, uid_t uid,
		    int netns_fd)
{
	int ns, r;

	if (netns_fd < 0)
		return watch_add(w, pidfd, pid, ifindex, uid);
	if ((ns = fcntl(netns_fd, F_DUPFD_CLOEXEC, 3)) < 0)
		return -errno;
	if ((r = watch_add(w, pidfd, pid, ifindex, uid)) < 0) {
		close(ns);
		return r;
	}
	w->head->netns_fd = ns; /* add_taken put it first */
	return 0;
}

static struct watch *find_own(const struct watch_set *w, int ifindex)
{
	struct watch *x;

	for (x = w->head; x; x = x->next)
		if (x->ifindex == ifindex && x->netns_fd < 0)
			return x;
	return NULL;
}

bool watch_find(const struct watch_set *w, int ifindex, pid_t *pid, uid_t *uid)
{
	struct watch *x = find_own(w, ifindex);

	if (!x)
		return false;
	*pid = x->pid;
	*uid = x->uid;
	return true;
}

int watch_release(struct watch_set *w, struct nl_sock *nl, int ifindex, struct vmtap_err *err)
{
	struct watch *x = find_own(w, ifindex);
	int r;

	if (!x)
		return -ENOENT;
	/* Still by the mark: the same checks as when the process exits. */
	if ((r = macvtap_delete_owned(nl, ifindex, x->pid, err)) < 0)
		return r;
	unlink_watch(w, x);
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
	/* Whose it was is not in the mark: only uid 0 may release it. */
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 ||
	    add_taken(c->w, fd, pid, ifindex, WATCH_UID_UNKNOWN) < 0)
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
