/* netns.c — NICs made in another network namespace (see netns.h). */
#include "helper/core/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/nsfs.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bridge/rtnl.h"
#include "helper/core/macvtap.h"
#include "helper/core/provision.h"

#define NETNS_RUN_DIR "/run/netns"

int netns_path(const char *text, char *buf, size_t cap)
{
	int n = text[0] == '/' ? snprintf(buf, cap, "%s", text)
			       : snprintf(buf, cap, NETNS_RUN_DIR "/%s", text);

	return n >= 0 && (size_t)n < cap ? 0 : -ENAMETOOLONG;
}

int netns_check(int fd, const char *what, struct vmtap_err *err)
{
	int t = ioctl(fd, NS_GET_NSTYPE);

	if (t < 0)
		return vmtap_fail(err, -EINVAL, "netns=%s: not a namespace file (%s); expected a "
				  "network namespace", what, strerror(errno));
	if (t != CLONE_NEWNET)
		return vmtap_fail(err, -EINVAL, "netns=%s: a namespace of another kind; expected a "
				  "network namespace", what);
	return 0;
}

int netns_open(const char *text, int *fd, struct vmtap_err *err)
{
	char path[VMTAP_NETNS_MAX + sizeof(NETNS_RUN_DIR)];
	int r;

	*fd = -1;
	if (netns_path(text, path, sizeof(path)) < 0)
		return vmtap_fail(err, -ENAMETOOLONG, "netns=%s: name too long", text);
	if ((*fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		r = -errno;
		return vmtap_fail(err, r, "netns=%s: %s: %s%s", text, path, strerror(-r),
				  r == -ENOENT && text[0] != '/' ? " (ip netns add makes it)" : "");
	}
	if ((r = netns_check(*fd, text, err)) < 0) {
		close(*fd);
		*fd = -1;
	}
	return r;
}

int netns_client_may(int fd, uid_t client, const char *what, struct vmtap_err *err)
{
	uid_t owner = (uid_t)-1;
	int userns, r;

	if ((r = netns_check(fd, what, err)) < 0)
		return r;
	if (client == 0)
		return 0;
	/* The user namespace that owns it, and who made that one.  EPERM
	 * from NS_GET_USERNS: it is owned by a user namespace above ours,
	 * the initial one: the host's, nobody's but root's. */
	userns = ioctl(fd, NS_GET_USERNS);
	if (userns < 0 && errno != EPERM)
		return vmtap_fail(err, -errno, "netns=%s: cannot read its owning user namespace: "
				  "%s", what, strerror(errno));
	if (userns >= 0) {
		r = ioctl(userns, NS_GET_OWNER_UID, &owner);
		close(userns);
		if (r < 0)
			return vmtap_fail(err, -errno, "netns=%s: cannot read the owner of its user "
					  "namespace: %s", what, strerror(errno));
	}
	if (userns >= 0 && owner == client)
		return 0;
	if (userns >= 0 && owner != (uid_t)-1)
		return vmtap_fail(err, -EPERM, "netns=%s: its user namespace is owned by uid %u, "
				  "not uid %u: a NIC goes only into a network namespace whose user "
				  "namespace you made", what, (unsigned)owner, (unsigned)client);
	return vmtap_fail(err, -EPERM, "netns=%s: owned by the initial user namespace, not by "
			  "uid %u: a NIC goes only into a network namespace whose user namespace "
			  "you made", what, (unsigned)client);
}

/* CAP_SYS_ADMIN effective on the calling thread, when it is permitted
 * and not effective yet (vmtapd --netns).  capset with pid 0 is the
 * calling thread's own; the thread ends with the job, so nothing lowers
 * it again. */
static void raise_sys_admin(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[2];
	unsigned bit = CAP_SYS_ADMIN % 32, word = CAP_SYS_ADMIN / 32;

	if (syscall(SYS_capget, &h, d) < 0 || !(d[word].permitted & (1u << bit)) ||
	    (d[word].effective & (1u << bit)))
		return;
	d[word].effective |= 1u << bit;
	syscall(SYS_capset, &h, d);
}

/* One job on a thread in the namespace fd: fn, whose -errno and message
 * come back. */
struct job {
	int fd;
	const char *what;            /* "netns=TEXT", for messages */
	int (*fn)(void *arg, struct vmtap_err *err);
	void *arg;
	struct vmtap_err err;
	int r;
};

static void *in_netns(void *arg)
{
	struct job *j = arg;

	raise_sys_admin();
	if (setns(j->fd, CLONE_NEWNET) < 0) {
		j->r = -errno;
		vmtap_fail(&j->err, j->r, "%s: cannot enter it: %s%s", j->what,
			   strerror(-j->r), j->r == -EPERM ? " (needs CAP_SYS_ADMIN over it; "
			   "vmtapd: start it with --netns)" : "");
		return NULL;
	}
	/* From here on this thread, and every fd and socket it opens, is of
	 * the target namespace. */
	j->r = j->fn(j->arg, &j->err);
	return NULL;
}

static int run_in(int fd, const char *what, int (*fn)(void *arg, struct vmtap_err *err),
		  void *arg, struct vmtap_err *err)
{
	struct job j = { .fd = fd, .what = what, .fn = fn, .arg = arg, .err = { "" },
			 .r = -EIO };
	pthread_t t;
	int r;

	if ((r = pthread_create(&t, NULL, in_netns, &j)) != 0)
		return vmtap_fail(err, -r, "%s: cannot start a thread: %s", what,
				  strerror(r));
	pthread_join(t, NULL);
	if (j.r < 0)
		return vmtap_fail(err, j.r, "%s", j.err.msg);
	return 0;
}

struct make {
	const struct nic_spec *spec;
	uint32_t as;
	pid_t owner;
	struct nic *nic;
	struct vmtap_err *skipped;
};

/* A macvtap's queues are opened by MAJ:MIN read under a sysfs of this
 * namespace (macvtap.h): /sys is the mounter's. */
static int make_here(void *arg, struct vmtap_err *err)
{
	struct make *m = arg;
	struct nl_sock *sk = NULL;
	int sysfs = -1, r;

	if ((r = nic_devs_open(m->spec, m->nic, m->skipped, err)) < 0)
		return r;
	if ((r = rtnl_open(&sk, err)) < 0)
		goto out;
	if (!m->spec->macvtap[0])
		r = provision(sk, m->spec, m->as, m->nic, err);
	else if (m->spec->persist || (r = macvtap_sysfs_open(&sysfs, err)) == 0)
		r = provision_macvtap_at(sk, m->spec, m->as, m->owner, sysfs, m->nic, err);
	rtnl_close(sk);
out:
	if (sysfs >= 0)
		close(sysfs);
	if (r < 0)
		nic_close(m->nic);
	return r;
}

int netns_make_macvtap(int fd, const struct nic_spec *spec, uint32_t as, pid_t owner,
		       struct nic *nic, struct vmtap_err *skipped, struct vmtap_err *err)
{
	struct make m = { .spec = spec, .as = as, .owner = owner, .nic = nic,
			  .skipped = skipped };
	char what[VMTAP_NETNS_MAX + 8];

	nic_init(nic);
	if (skipped)
		skipped->msg[0] = '\0';
	snprintf(what, sizeof(what), "netns=%s", spec->netns);
	return run_in(fd, what, make_here, &m, err);
}

int netns_make_nic(int fd, const struct nic_spec *spec, uint32_t as, struct nic *nic,
		   struct vmtap_err *skipped, struct vmtap_err *err)
{
	return netns_make_macvtap(fd, spec, as, 0, nic, skipped, err);
}

struct unmake {
	int ifindex;
	pid_t pid;
};

static int delete_here(void *arg, struct vmtap_err *err)
{
	struct unmake *u = arg;
	struct nl_sock *sk = NULL;
	int r;

	if ((r = rtnl_open(&sk, err)) < 0)
		return r;
	r = macvtap_delete_owned(sk, u->ifindex, u->pid, err);
	rtnl_close(sk);
	return r;
}

int netns_macvtap_delete_owned(int fd, int ifindex, pid_t pid, struct vmtap_err *err)
{
	struct unmake u = { .ifindex = ifindex, .pid = pid };
	char what[64];

	snprintf(what, sizeof(what), "the network namespace of macvtap %d", ifindex);
	return run_in(fd, what, delete_here, &u, err);
}
