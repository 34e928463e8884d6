/* priv.c — privilege life cycle (see priv.h).
 *
 * Decisions are made from the ids recorded at entry, never from geteuid()
 * later (bubblewrap's CVE-2020-5291 came from asking again after the ids
 * had changed).  libcap-ng does the capability bookkeeping. */
#include "helper/core/priv.h"

#include <cap-ng.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef VMTAP_LIBEXECDIR
#define VMTAP_LIBEXECDIR "/usr/local/libexec"
#endif

static int close_from(unsigned lo, unsigned hi)
{
	if (lo > hi)
		return 0;
	return close_range(lo, hi, 0) < 0 ? -errno : 0;
}

/* Names the program that lacks the privilege: a user who ran the build
 * tree's copy (not setuid) learns that, and where the installed one is. */
static int no_net_admin(struct vmtap_err *err)
{
	static const char installed[] = VMTAP_LIBEXECDIR "/vmtap-bridge-helper";
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0)
		snprintf(self, sizeof(self), "this helper");
	else
		self[n] = '\0';
	if (strcmp(self, installed) && access(installed, X_OK) == 0)
		return vmtap_fail(err, -EPERM,
				  "no CAP_NET_ADMIN: %s is not setuid root and has no file capability "
				  "cap_net_admin; the installed one is at %s", self, installed);
	return vmtap_fail(err, -EPERM,
			  "no CAP_NET_ADMIN: %s is not setuid root and has no file capability "
			  "cap_net_admin; install it setuid root (make install SETUID=1) or with "
			  "file capability cap_net_admin", self);
}

int priv_std_fds(void)
{
	int fd, n;

	/* Lowest free fd first: each open fills the lowest hole, so a closed
	 * 0, 1 or 2 is what it gets.  Not CLOEXEC: these are stdio, which
	 * children inherit as they would have inherited the real ones. */
	for (fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		n = open("/dev/null", O_RDWR | O_NOCTTY);

		if (n < 0)
			return -errno;
		if (n != fd) {
			close(n);
			return -EBADF;
		}
	}
	return 0;
}

int priv_enter(struct priv *p, int keep_fd, struct vmtap_err *err)
{
	int r = priv_enter_unchecked(p, keep_fd, err);

	return r < 0 ? r : priv_check_net_admin(err);
}

int priv_check_net_admin(struct vmtap_err *err)
{
	/* Say so now: without it the first thing to fail would be opening
	 * /dev/net/tun (mode 0600 on many hosts), with a bare EACCES that
	 * does not tell the user what to fix. */
	capng_get_caps_process();
	if (!capng_have_capability(CAPNG_PERMITTED, CAP_NET_ADMIN))
		return no_net_admin(err);
	return 0;
}

int priv_enter_unchecked(struct priv *p, int keep_fd, struct vmtap_err *err)
{
	int r;

	p->uid = getuid();
	p->gid = getgid();
	p->euid = geteuid();
	p->egid = getegid();
	p->setuid = p->euid == 0 && p->uid != 0;

	/* Not dumpable while privileged: a core or ptrace would expose fds
	 * and memory of a process running with more rights than its caller.
	 * Setuid exec already does this; file capabilities may not. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return vmtap_fail(err, -errno, "cannot make the process non-dumpable: %s",
				  strerror(errno));

	if ((r = priv_std_fds()) < 0)
		return vmtap_fail(err, r, "cannot open fds 0-2 on /dev/null: %s", strerror(-r));
	if (keep_fd < 0)
		r = close_from(3, ~0U);
	else if ((r = close_from(3, (unsigned)keep_fd - 1)) == 0)
		r = close_from((unsigned)keep_fd + 1, ~0U);
	if (r < 0)
		return vmtap_fail(err, r, "cannot close inherited file descriptors: %s", strerror(-r));
	return 0;
}

int priv_check_unix_fd(int fd, struct vmtap_err *err)
{
	struct stat st;
	int domain = -1;
	socklen_t len = sizeof(domain);

	if (fd <= 2)
		return vmtap_fail(err, -EINVAL, "--fd=%d: expected a socket fd above 2", fd);
	if (fstat(fd, &st) < 0)
		return vmtap_fail(err, -EBADF, "--fd=%d: not an open file descriptor", fd);
	if (!S_ISSOCK(st.st_mode) ||
	    getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0 || domain != AF_UNIX)
		return vmtap_fail(err, -ENOTSOCK, "--fd=%d: not an AF_UNIX socket", fd);
	return 0;
}

int priv_keep_net_admin(const struct priv *p, struct vmtap_err *err)
{
	int r;

	capng_get_caps_process();
	if (!capng_have_capability(CAPNG_PERMITTED, CAP_NET_ADMIN))
		return no_net_admin(err);

	capng_clear(CAPNG_SELECT_BOTH);
	capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_NET_ADMIN);
	if (p->euid == 0) {
		/* root or setuid root: become the caller, keeping only
		 * CAP_NET_ADMIN; the bounding set is emptied too. */
		r = capng_change_id(p->uid, p->gid, CAPNG_CLEAR_BOUNDING);
		if (r < 0)
			return vmtap_fail(err, -EPERM, "cannot drop to uid %u with CAP_NET_ADMIN (libcap-ng %d)",
					  (unsigned)p->uid, r);
	} else {
		/* file capabilities: already the caller's uid; we may not
		 * touch the bounding set without CAP_SETPCAP. */
		if (capng_apply(CAPNG_SELECT_CAPS) < 0)
			return vmtap_fail(err, -EPERM, "cannot drop capabilities to CAP_NET_ADMIN");
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return vmtap_fail(err, -errno, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
	/* Changing ids can reset the dumpable flag: set it again. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return vmtap_fail(err, -errno, "PR_SET_DUMPABLE: %s", strerror(errno));
	return 0;
}

int priv_drop_all(struct vmtap_err *err)
{
	capng_clear(CAPNG_SELECT_CAPS);
	if (capng_apply(CAPNG_SELECT_CAPS) < 0)
		return vmtap_fail(err, -EPERM, "cannot drop all capabilities");
	return 0;
}

/* Only the effective ids move; the saved set-user-ID stays 0, so the
 * permitted capabilities survive and priv_as_self can come back (the
 * kernel clears the effective set on the way out and refills it from the
 * permitted set on the way back). */
int priv_as_caller(const struct priv *p, struct vmtap_err *err)
{
	if (p->euid != 0 || p->uid == 0)
		return 0;
	if (p->egid != p->gid && setresgid((gid_t)-1, p->gid, (gid_t)-1) < 0)
		return vmtap_fail(err, -errno, "cannot act as gid %u: %s", (unsigned)p->gid,
				  strerror(errno));
	if (setresuid((uid_t)-1, p->uid, (uid_t)-1) < 0)
		return vmtap_fail(err, -errno, "cannot act as uid %u: %s", (unsigned)p->uid,
				  strerror(errno));
	return 0;
}

int priv_as_self(const struct priv *p, struct vmtap_err *err)
{
	if (p->euid != 0 || p->uid == 0)
		return 0;
	if (setresuid((uid_t)-1, p->euid, (uid_t)-1) < 0 ||
	    (p->egid != p->gid && setresgid((gid_t)-1, p->egid, (gid_t)-1) < 0))
		return vmtap_fail(err, -errno, "cannot return to euid %u: %s", (unsigned)p->euid,
				  strerror(errno));
	return 0;
}

int priv_drop_to_caller(const struct priv *p, struct vmtap_err *err)
{
	int r;

	capng_clear(CAPNG_SELECT_BOTH);
	if (p->euid == 0) {
		/* Real, effective and saved ids all become the caller's. */
		r = capng_change_id(p->uid, p->gid, CAPNG_CLEAR_BOUNDING);
		if (r < 0)
			return vmtap_fail(err, -EPERM, "cannot become uid %u (libcap-ng %d)",
					  (unsigned)p->uid, r);
	} else if (capng_apply(CAPNG_SELECT_CAPS) < 0) {
		return vmtap_fail(err, -EPERM, "cannot drop capabilities");
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return vmtap_fail(err, -errno, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
	return 0;
}

int priv_daemon_keep_net_admin(bool netns, struct vmtap_err *err)
{
	bool setpcap, sys_admin;

	capng_get_caps_process();
	if (!capng_have_capability(CAPNG_EFFECTIVE, CAP_NET_ADMIN))
		return vmtap_fail(err, -EPERM, "no CAP_NET_ADMIN: run vmtapd as root, or with "
				  "AmbientCapabilities=CAP_NET_ADMIN");
	/* The bounding set only when we may (CAP_SETPCAP: started as root);
	 * under systemd, CapabilityBoundingSet= has done it already. */
	setpcap = capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP);
	sys_admin = capng_have_capability(CAPNG_PERMITTED, CAP_SYS_ADMIN);
	capng_clear(CAPNG_SELECT_BOTH);
	capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_NET_ADMIN);
	if (netns) {
		if (!sys_admin)
			return vmtap_fail(err, -EPERM, "--netns: no CAP_SYS_ADMIN to keep (setns "
					  "needs it): run vmtapd as root");
		/* Permitted only: netns.c raises it on its own short-lived
		 * thread, for setns alone. */
		capng_update(CAPNG_ADD, CAPNG_PERMITTED, CAP_SYS_ADMIN);
	}
	if (capng_apply(setpcap ? CAPNG_SELECT_BOTH : CAPNG_SELECT_CAPS) < 0)
		return vmtap_fail(err, -EPERM, "cannot drop capabilities to CAP_NET_ADMIN");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return vmtap_fail(err, -errno, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
	return 0;
}
