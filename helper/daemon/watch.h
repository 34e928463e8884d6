/* watch.h — vmtapd's macvtaps and the processes they belong to.
 *
 * Owns: for every macvtap the daemon made (or found marked at start), a
 * pidfd of the process it was made for, in an epoll set of its own whose
 * one fd sits in the loop's set (so the loop's events stay typed: one tag
 * for all of this).  When that process exits, its macvtaps are deleted:
 * a macvtap, unlike a tap, is not removed by closing its fds
 * (helper/core/macvtap.h).
 *
 * The process is the client's own (SO_PEERPIDFD), or one the client names
 * with a pidfd ("watch": the QEMU that will hold the fds, for `vmtap
 * hotplug` and the helper's broker mode, which exit once they have passed
 * them on), checked by watch_check_pidfd.
 *
 * A macvtap made in another network namespace (netns=) is watched with
 * an fd of that namespace, and deleted there; the fd keeps the namespace
 * alive until the process exits.
 *
 * A watch also records the uid the macvtap was made for (the client's),
 * so that uid (or uid 0) may have it deleted before the process exits
 * (release-nic: `vmtap unplug` once QEMU let go of it); a macvtap watched
 * again after a restart has no uid recorded (WATCH_UID_UNKNOWN): only uid
 * 0 may release it.
 *
 * Promises: a macvtap is deleted only while it still carries the mark
 * for that pid (macvtap_delete_owned); a process that cannot be watched
 * (no SO_PEERPIDFD: Linux < 6.5, and no pidfd sent) gets no macvtap (the
 * handler refuses).
 *
 * Must never: delete a device by name alone; block the loop. */
#ifndef VMTAP_VMTAPD_WATCH_H
#define VMTAP_VMTAPD_WATCH_H

#include <stdbool.h>
#include <sys/types.h>

#include "helper/core/err.h"

struct nl_sock;
struct watch_set;

int watch_new(struct watch_set **out, struct vmtap_err *err);
void watch_free(struct watch_set *w);

/* The fd for the loop's epoll set (EPOLLIN: some watched process exited). */
int watch_fd(const struct watch_set *w);

/* A pidfd a client sent with a create-nic ("watch", proto.h): whose exit
 * is to delete the macvtap instead of the client's.  0 with its pid in
 * vmtapd's pid namespace when fd is a pidfd of a process (not of a
 * thread: PIDFD_THREAD) that lives, is in this pid namespace, and runs as
 * uid (its real or effective uid), or any process when uid is 0; else
 * -errno and one line naming what came and what was expected: -EBADF not
 * a pidfd, -ESRCH exited, -EINVAL a thread's or another pid namespace's,
 * -EPERM another user's. */
int watch_check_pidfd(int fd, uid_t uid, pid_t *pid, struct vmtap_err *err);

/* The uid of a watch taken up at start (watch_reap): not recorded. */
#define WATCH_UID_UNKNOWN ((uid_t)-1)

/* Watches pid through pidfd (dup'ed: the caller keeps its own) for the
 * macvtap ifindex, made for uid.  0 or -errno. */
int watch_add(struct watch_set *w, int pidfd, pid_t pid, int ifindex, uid_t uid);

/* watch_add for a macvtap in another network namespace: netns_fd (dup'ed)
 * is kept with the watch, and the macvtap is deleted there
 * (netns_macvtap_delete_owned).  -1: watch_add. */
int watch_add_netns(struct watch_set *w, int pidfd, pid_t pid, int ifindex, uid_t uid,
		    int netns_fd);

/* Whether a watch is for the macvtap ifindex of vmtapd's own network
 * namespace (a watch of another namespace's ifindex never matches: that
 * number means another device there); *pid and *uid: its process and
 * the uid it was made for. */
bool watch_find(const struct watch_set *w, int ifindex, pid_t *pid, uid_t *uid);

/* Deletes now the macvtap ifindex of vmtapd's namespace that a watch is
 * for, if still marked for its pid (macvtap_delete_owned), and drops the
 * watch; -ENOENT when no watch is for it.  On a failure to delete the
 * watch stays.  Who may is the caller's decision (watch_find). */
int watch_release(struct watch_set *w, struct nl_sock *nl, int ifindex, struct vmtap_err *err);

/* What a watch does when pid exits, done now: deletes macvtap ifindex if
 * still marked for pid, in netns_fd's namespace (-1: nl's). */
int watch_delete_now(struct nl_sock *nl, pid_t pid, int ifindex, int netns_fd,
		     struct vmtap_err *err);

/* Deletes the macvtaps of every watched process that exited; a line for
 * each into note (called per line), with its -errno (0: deleted). */
typedef void watch_note_fn(int r, const char *line, void *arg);
void watch_event(struct watch_set *w, struct nl_sock *nl, watch_note_fn *note, void *arg);

/* At start: deletes the marked macvtaps whose process is gone and
 * watches the others, in nl's namespace only: after a restart the daemon
 * holds no fd of another, so a macvtap made in one (netns=) is not
 * watched again; it goes with its namespace.  *deleted: how many went. */
int watch_reap(struct watch_set *w, struct nl_sock *nl, unsigned *deleted,
	       struct vmtap_err *err);

#endif
