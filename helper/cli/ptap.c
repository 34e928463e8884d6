/* ptap.c — persistent taps, locally or through vmtapd (ptap.h).
 *
 * The local way is provision()'s as root (PROVISION_ROOT); the daemon's
 * is the client's create-persistent and delete-persistent.  What the
 * daemon would refuse for sure is refused here first, in words that say
 * what to do instead; what it decides (policy, quota) is its to say. */
#include "helper/cli/ptap.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <cap-ng.h>
#include <linux/capability.h>

#include "bridge/port.h"
#include "helper/core/ids.h"
#include "helper/core/ifname.h"
#include "helper/core/netns.h"
#include "helper/core/provision.h"
#include "helper/wire/client.h"
#include "helper/wire/proto.h"

/* The daemon, or the one line that says neither way is open. */
static int daemon_open(const struct ptap *p, struct vmtapd_client **c, struct vmtap_err *err)
{
	struct vmtap_err why = { "" };
	int r = vmtapd_client_open(p->sock, c, &why);

	/* The first message recorded wins (err.h): the client's goes inside. */
	if (r < 0)
		return vmtap_fail(err, r, "%s needs CAP_NET_ADMIN (run it as root) or a vmtapd to "
				  "ask; %s", p->cmd, vmtap_err_text(&why, r));
	return 0;
}

int ptap_init(struct ptap *p, const char *cmd, const char *sock, struct vmtap_err *err)
{
	struct vmtapd_client *c;
	int r;

	p->cmd = cmd;
	p->sock = sock;
	capng_get_caps_process();
	p->local = capng_have_capability(CAPNG_EFFECTIVE, CAP_NET_ADMIN);
	if (p->local)
		return 0;
	/* A connection per request (the daemon may close an idle one while
	 * a caller waits on libvirt): this one only asks whether it answers. */
	if ((r = daemon_open(p, &c, err)) < 0)
		return r;
	vmtapd_client_close(c);
	return 0;
}

/* Whether a device of that name exists, as any user may ask. */
static bool exists(struct nl_sock *sk, const char *name)
{
	return link_get_detail(sk, name, &(struct link_detail){ 0 }, NULL) != -ENODEV;
}

static int make_local(struct nic_spec *spec, char name[IFNAMSIZ], bool *made,
		      struct vmtap_err *err)
{
	struct nl_sock *sk = NULL;
	struct nic nic;
	int r, fd;

	if (spec->netns[0]) {
		/* Opened with our own rights (netns.h). */
		if ((r = netns_open(spec->netns, &fd, err)) < 0)
			return r;
		/* Another namespace's names are not ours to look up; no caller
		 * undoes one there (attach refuses netns=). */
		r = netns_make_nic(fd, spec, PROVISION_ROOT, &nic, NULL, err);
		close(fd);
	} else if ((r = rtnl_open(&sk, err)) == 0) {
		*made = !spec->ifname[0] || !exists(sk, spec->ifname);
		if ((r = nic_devs_open(spec, &nic, NULL, err)) == 0)
			r = provision(sk, spec, PROVISION_ROOT, &nic, err);
	}
	rtnl_close(sk);
	if (r < 0)
		return r;
	memcpy(name, nic.ifname, IFNAMSIZ);
	/* The device is persistent: closing our fd leaves it in place. */
	nic_close(&nic);
	return 0;
}

/* A name as tap_create picks one; the daemon is sent a name, always. */
static int pick_name(char name[IFNAMSIZ], struct vmtap_err *err)
{
	uint32_t v;

	if (getrandom(&v, sizeof(v), 0) != sizeof(v))
		return vmtap_fail(err, -errno, "cannot pick a tap name: getrandom: %s",
				  strerror(errno));
	snprintf(name, IFNAMSIZ, VMTAP_IFNAME_PREFIX "%08x", v);
	return 0;
}

static int make_by_daemon(const struct ptap *p, struct nic_spec *spec, const char *owner_arg,
			  const char *group_arg, char name[IFNAMSIZ], bool *made,
			  struct vmtap_err *err)
{
	struct vmtapd_persistent out;
	struct vmtapd_client *c;
	struct nl_sock *sk = NULL;
	char id[16];
	int r;

	if (spec->has_owner && spec->owner != geteuid()) {
		snprintf(id, sizeof(id), "%u", (unsigned)spec->owner);
		return vmtap_fail(err, -EPERM, "--owner %s: through vmtapd the tap is always owned "
				  "by its caller (uid %u); giving it to another user needs "
				  "CAP_NET_ADMIN", owner_arg && *owner_arg ? owner_arg : id,
				  (unsigned)geteuid());
	}
	if (spec->has_group && !id_self_in_group(spec->group)) {
		snprintf(id, sizeof(id), "%u", (unsigned)spec->group);
		return vmtap_fail(err, -EPERM, "--group %s: through vmtapd the group must be one of "
				  "the caller's (gid %u or a supplementary group); another group "
				  "needs CAP_NET_ADMIN", group_arg && *group_arg ? group_arg : id,
				  (unsigned)getegid());
	}
	if (spec->netns[0])
		return vmtap_fail(err, -EPERM, "--netns %s: vmtapd makes persistent devices only in "
				  "its own namespace; one in another namespace needs CAP_NET_ADMIN "
				  "(run %s as root)", spec->netns, p->cmd);
	spec->has_owner = false; /* the daemon sets it: us */
	if (!spec->ifname[0] && (r = pick_name(spec->ifname, err)) < 0)
		return r;
	if ((r = daemon_open(p, &c, err)) < 0)
		return r;
	/* Asked as any user may ask; the daemon reuses a device of ours. */
	if ((r = rtnl_open(&sk, err)) == 0) {
		*made = !exists(sk, spec->ifname);
		rtnl_close(sk);
		r = vmtapd_client_create_persistent(c, spec, &out, err);
	}
	vmtapd_client_close(c);
	if (r < 0)
		return r;
	memcpy(name, out.ifname, IFNAMSIZ);
	return 0;
}

int ptap_make(const struct ptap *p, struct nic_spec *spec, const char *owner_arg,
	      const char *group_arg, char name[IFNAMSIZ], bool *made, struct vmtap_err *err)
{
	*made = false;
	spec->persist = true;
	if (p->local)
		return make_local(spec, name, made, err);
	return make_by_daemon(p, spec, owner_arg, group_arg, name, made, err);
}

int ptap_check(const struct ptap *p, const char *name, bool force, struct vmtap_err *err)
{
	struct nl_sock *sk = NULL;
	int r;

	if (!p->local && force)
		return vmtap_fail(err, -EPERM, "--force: vmtapd deletes only devices vmtap made; "
				  "forcing needs CAP_NET_ADMIN");
	if ((r = rtnl_open(&sk, err)) == 0)
		r = persistent_check(sk, name, p->local ? PROVISION_ROOT : (uint32_t)geteuid(),
				     force, err);
	rtnl_close(sk);
	return r;
}

static int delete_local(const char *const *names, unsigned n, bool force,
			struct vmtap_err *err)
{
	struct nl_sock *sk = NULL;
	unsigned i;
	int r, first = 0;

	if ((r = rtnl_open(&sk, err)) < 0)
		return r;
	for (i = 0; i < n; i++)
		if ((r = persistent_check(sk, names[i], PROVISION_ROOT, force, err)) < 0)
			goto out;
	for (i = 0; i < n; i++) {
		struct vmtap_err e = { "" };

		if ((r = persistent_delete(sk, names[i], PROVISION_ROOT, force, &e)) < 0 && !first) {
			first = r;
			*err = e;
		}
	}
	r = first;
out:
	rtnl_close(sk);
	return r;
}

static int delete_by_daemon(const struct ptap *p, const char *const *names, unsigned n,
			    bool force, struct vmtap_err *err)
{
	struct vmtapd_client *c;
	unsigned i;
	int r;

	if (force)
		return vmtap_fail(err, -EPERM, "delete --force: vmtapd deletes only devices vmtap "
				  "made; forcing needs CAP_NET_ADMIN");
	if (n > VMTAPD_DELETE_MAX)
		return vmtap_fail(err, -E2BIG, "delete: %u names; through vmtapd at most %d at once",
				  n, VMTAPD_DELETE_MAX);
	for (i = 0; i < n; i++)
		if ((r = ifname_check_err(names[i], NULL, err)) < 0)
			return r;
	if ((r = daemon_open(p, &c, err)) < 0)
		return r;
	r = vmtapd_client_delete_persistent(c, names, n, err);
	vmtapd_client_close(c);
	return r;
}

int ptap_delete(const struct ptap *p, const char *const *names, unsigned n, bool force,
		struct vmtap_err *err)
{
	if (p->local)
		return delete_local(names, n, force, err);
	return delete_by_daemon(p, names, n, force, err);
}
