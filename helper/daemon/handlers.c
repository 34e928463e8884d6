/* handlers.c — vmtapd's requests, each to an outcome (see handlers.h).
 *
 * Every request that makes a device takes the same steps: the decisions
 * (bridge and queues, then a group of the client's own, then room under
 * `limit nics`), the device files, provision() (or a NIC from the pool),
 * then the reply.  A refusal is a line "deny WHO: MESSAGE" (the policy
 * said no) or "fail WHO: MESSAGE" (it could not be done) and the same
 * message as the error reply; the loop logs it within the client's budget.
 *
 * Persistent taps (create-persistent, delete-persistent) take the same
 * path as NICs — policy, provision() with persist set, the same limits —
 * but no fd goes back: the device outlives the daemon's fd and is the
 * client's by TUNSETOWNER, always to the client's own uid.  A client
 * deletes, or makes again, only devices vmtap made that it owns (uid 0:
 * any vmtap made); provision() checks that next to the kernel
 * call.  A persistent tap made here counts toward `limit nics` of the uid
 * that made it for as long as it exists, in the same record as handed-out
 * NICs (quota.h).
 *
 * release-nic deletes a macvtap before its process exits: only one the
 * daemon made and watches, in its own namespace, resolved from the name
 * to the watch's ifindex and deleted by it while still marked; only for
 * the uid it was made for, or uid 0.  Its place under `limit nics` goes
 * with it (the record counts what the kernel still has). */
#include "helper/daemon/handlers.h"

#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "bridge/link.h"
#include "bridge/port.h"
#include "helper/core/field.h"
#include "helper/core/ids.h"
#include "helper/core/ifname.h"
#include "helper/core/macvtap.h"
#include "helper/core/netns.h"
#include "helper/core/provision.h"
#include "helper/daemon/watch.h"

void outcome_init(struct outcome *o)
{
	o->kind = OUTCOME_REPLY;
	o->prio = LOG_INFO;
	o->line[0] = '\0';
	o->outlen = 0;
	nic_init(&o->nic);
	o->has_nic = false;
	o->macvtap = false;
	o->owner = 0;
	o->owner_sent = false;
	o->grant[0] = '\0';
	o->r = 0;
	o->err.msg[0] = '\0';
}

/* The fields a granted NIC has that confine it (" vlan=10 isolated=on
 * inbound=10mbit"), as the policy left them (require and default applied),
 * for the grant line: what an audit of the log needs to know of its port.
 * A trunk too long for the line is counted, not listed. */
static const char *tenant_words(const struct nic_spec *spec, char *buf, size_t cap)
{
	char v[64];
	size_t off = 0;
	unsigned i;
	int k;

	buf[0] = '\0';
	for (i = 0; i < nic_nfields && off < cap; i++) {
		const struct nic_field *f = &nic_fields[i];
		int r;

		if (!f->audited || (r = nic_field_format(spec, f, v, sizeof(v))) == 0)
			continue;
		if (r < 0)
			snprintf(v, sizeof(v), "(%u VLANs)", vlan_set_count(&spec->trunk));
		k = snprintf(buf + off, cap - off, " %s=%s", f->key, v);
		if (k < 0)
			break;
		off += (size_t)k;
	}
	return buf;
}

/* A refusal: "deny" (the policy said no) or "fail" (it could not be
 * done), logged and answered with the same one line. */
static void refuse(struct outcome *o, const char *what, const char *who, int r,
		   const struct vmtap_err *err)
{
	o->kind = OUTCOME_REFUSE;
	o->prio = !strcmp(what, "deny") ? LOG_WARNING : LOG_NOTICE;
	o->r = r;
	snprintf(o->err.msg, sizeof(o->err.msg), "%s", vmtap_err_text(err, r));
	snprintf(o->line, sizeof(o->line), "%s %s: %s", what, who, o->err.msg);
}

void handle_bad_request(const struct client_id *who, int r, const struct vmtap_err *err,
			struct outcome *o)
{
	o->kind = OUTCOME_REFUSE;
	o->prio = LOG_NOTICE;
	o->r = r;
	snprintf(o->err.msg, sizeof(o->err.msg), "%s", vmtap_err_text(err, r));
	snprintf(o->line, sizeof(o->line), "bad request uid=%u pid=%d: %s",
		 (unsigned)who->peer.uid, (int)who->pid, o->err.msg);
}

void handle_denied(const struct client_id *who, int r, const struct vmtap_err *err,
		   struct outcome *o)
{
	handle_bad_request(who, r, err, o);
	snprintf(o->line, sizeof(o->line), "deny uid=%u pid=%d: %s", (unsigned)who->peer.uid,
		 (int)who->pid, o->err.msg);
}

/* ---- decisions --------------------------------------------------------- */

int decide_bridge_queues(const struct acl *acl, const char *config_path,
			 struct nic_spec *spec, const struct acl_peer *peer,
			 struct vmtap_err *err)
{
	unsigned limit;
	int r;

	(void)config_path; /* acl_check_nic names the policy file itself */
	/* The bridge and its VLANs are the peer's; spec gets what require adds. */
	if ((r = acl_check_nic(acl, peer, spec, peer->uid, err)) < 0)
		return r;
	limit = acl_limit(acl, ACL_LIMIT_QUEUES, peer);
	if (spec->queues > limit)
		return vmtap_fail(err, -EPERM, "queues=%u: %s allows uid %u at most %u queues per NIC",
				  spec->queues, config_path, (unsigned)peer->uid, limit);
	return 0;
}

int decide_group(const struct nic_spec *spec, const struct acl_peer *peer,
		 struct vmtap_err *err)
{
	/* TUNSETGROUP lets members of the group open the device: only a
	 * group the client is in itself, as chgrp(1) would allow. */
	if (spec->has_group && !id_in_groups(spec->group, peer->gid, peer->groups, peer->ngroups))
		return vmtap_fail(err, -EPERM, "group=%u: uid %u is not in group %u; through vmtapd "
				  "a device gets only a group of its client's", spec->group,
				  (unsigned)peer->uid, spec->group);
	return 0;
}

int decide_nics(struct quota *q, const struct acl *acl, const char *config_path,
		const struct acl_peer *peer, bool persistent, struct vmtap_err *err)
{
	unsigned limit = acl_limit(acl, ACL_LIMIT_NICS, peer), live;

	if (quota_admits(q, peer->uid, limit, &live))
		return 0;
	return vmtap_fail(err, -EDQUOT, "uid %u has %u NICs alive%s; %s allows at most %u",
			  (unsigned)peer->uid, live, persistent ? " (persistent taps count)" : "",
			  config_path, limit);
}

/* ---- requests ---------------------------------------------------------- */

/* After a failed provision(): a netlink socket left out of step would fail
 * every later request, so start again with a fresh one. */
static void nl_renew(struct handler_env *env, int r)
{
	struct nl_sock *fresh = NULL;

	if ((r == -ENOBUFS || r == -EBADF || r == -EPROTO) && rtnl_open(&fresh, NULL) == 0) {
		rtnl_close(env->nl);
		env->nl = fresh;
	}
}

/* What the client may do (its grants, limits and bandwidth policy) and
 * what it uses now.
 * Its NICs are counted as `limit nics` counts them, so the number is the
 * one a refusal would name. */
static void hello(struct handler_env *env, const struct client_id *who, struct outcome *o)
{
	struct vmtapd_hello h = {
		.version = VMTAPD_PROTO_VERSION,
		.uid = (unsigned)who->peer.uid,
		.gid = (unsigned)who->peer.gid,
		.max_queues = acl_limit(env->acl, ACL_LIMIT_QUEUES, &who->peer),
		.max_nics = acl_limit(env->acl, ACL_LIMIT_NICS, &who->peer),
		.max_connections = acl_limit(env->acl, ACL_LIMIT_CONNECTIONS, &who->peer),
		.has_bridges = true,
		.used_nics = quota_live(env->quota, who->peer.uid, UINT_MAX - 1),
		.used_connections = who->conns,
	};
	struct acl_grant *grants;
	size_t n;

	if (acl_grants(env->acl, &who->peer, &grants, &n) < 0) {
		o->kind = OUTCOME_DROP;
		return;
	}
	h.has_bandwidth = true;
	acl_bandwidth(env->acl, &who->peer, false, &h.bandwidth[0].max, &h.bandwidth[0].dflt);
	acl_bandwidth(env->acl, &who->peer, true, &h.bandwidth[1].max, &h.bandwidth[1].dflt);
	h.nbridges = n < VMTAPD_HELLO_BRIDGES ? (unsigned)n : VMTAPD_HELLO_BRIDGES;
	h.bridges_truncated = n > VMTAPD_HELLO_BRIDGES;
	memcpy(h.bridges, grants, h.nbridges * sizeof(*grants));
	free(grants);
	snprintf(h.server, sizeof(h.server), "vmtapd %s", VMTAP_VERSION);
	if (vmtapd_hello_encode(&h, o->out, sizeof(o->out), &o->outlen) < 0)
		o->kind = OUTCOME_DROP;
}

/* 1 with a ready-made NIC for spec in *nic; 0 when no pool has one (the
 * caller takes provision()'s path); -errno with a message.  The vhost fds
 * are opened before a NIC leaves the pool, so a refusal (vhost=on without
 * vhost-net) costs no pooled NIC. */
static int from_pool(struct handler_env *env, const struct nic_spec *spec, struct nic *nic,
		     struct vmtap_err *skipped, struct vmtap_err *err)
{
	struct nic vh;
	int r;

	if (!env->pool || !pool_has(env->pool, spec))
		return 0;
	if ((r = nic_vhost_open(spec, &vh, skipped, err)) < 0)
		return r;
	if (pool_take(env->pool, spec, nic) < 0) {
		nic_close(&vh);
		return 0;
	}
	if ((r = provision_ready(env->nl, spec, &vh, nic, err)) < 0) {
		nl_renew(env, r);
		return r;
	}
	return 1;
}

/* A macvtap for the client's process, or for the process whose pidfd
 * came with the request ("watch": the QEMU that will hold the fds), since
 * its exit is what deletes the macvtap (the loop watches it, watch.h);
 * never from the pool. */
static int create_macvtap(struct handler_env *env, const struct client_id *who,
			  const struct nic_spec *spec, struct outcome *o, struct vmtap_err *skipped,
			  struct vmtap_err *err)
{
	pid_t owner = who->pid;
	int r;

	/* Its rules first (macvtap.h), so a refusal costs
	 * nothing and says what is wrong before what is missing. */
	if ((r = macvtap_spec_check(spec, err)) < 0)
		return r;
	if (who->watch_fd >= 0) {
		if ((r = watch_check_pidfd(who->watch_fd, who->peer.uid, &owner, err)) < 0)
			return r;
	} else if (who->pidfd < 0) {
		return vmtap_fail(err, -EOPNOTSUPP, "macvtap=%s: vmtapd cannot watch your process "
				  "(SO_PEERPIDFD needs Linux 6.5), and a macvtap it cannot delete "
				  "when you exit is not made", spec->macvtap);
	}
	/* Another namespace (netns.h): made on its parent, there; the loop
	 * watches it with that namespace's fd (watch.h). */
	if (spec->netns[0]) {
		r = netns_make_macvtap(who->netns_fd, spec, who->peer.uid, owner, &o->nic, skipped,
				       err);
	} else if ((r = nic_devs_open(spec, &o->nic, skipped, err)) == 0 &&
		   (r = provision_macvtap(env->nl, spec, who->peer.uid, owner, &o->nic, err)) < 0) {
		nl_renew(env, r);
	}
	if (r < 0)
		return r;
	o->macvtap = true;
	o->owner = owner;
	o->owner_sent = who->watch_fd >= 0;
	return 0;
}

static void create_nic(struct handler_env *env, const struct client_id *who_,
		       struct nic_spec *spec, struct outcome *o)
{
	const struct acl_peer *peer = &who_->peer;
	struct vmtap_err err = { "" }, skipped;
	char who[160 + VMTAP_NETNS_MAX], warning[sizeof(err.msg) + 40], tenant[160];
	char where[VMTAP_NETNS_MAX + 40];
	const char *ready = "";
	int r;

	snprintf(who, sizeof(who), "uid=%u pid=%d %s=%s ifname=%s queues=%u%s%s%s",
		 (unsigned)peer->uid, (int)who_->pid, spec->macvtap[0] ? "macvtap" : "bridge",
		 spec->macvtap[0] ? spec->macvtap : spec->bridge,
		 spec->ifname[0] ? spec->ifname : "-", spec->queues,
		 spec->netns[0] ? " netns=" : "", spec->netns,
		 who_->watch_fd >= 0 ? " watch=pidfd" : "");

	if ((r = decide_bridge_queues(env->acl, env->config_path, spec, peer, &err)) < 0 ||
	    (r = decide_nics(env->quota, env->acl, env->config_path, peer, false, &err)) < 0)
		goto deny;
	/* Another namespace: the fd the client sent, judged by the kernel's
	 * own facts (netns.h); its bridge, or a macvtap's parent, is that
	 * namespace's, named by the same policy.  Never pooled (the pool's
	 * NICs are ours). */
	if (spec->netns[0] &&
	    (r = netns_client_may(who_->netns_fd, peer->uid, spec->netns, &err)) < 0)
		goto deny;
	snprintf(where, sizeof(where), "%s%s%s", spec->macvtap[0] ? " macvtap" : "",
		 spec->netns[0] ? " netns=" : "", spec->netns);
	if (spec->macvtap[0]) {
		if ((r = create_macvtap(env, who_, spec, o, &skipped, &err)) == -EPERM)
			goto deny; /* another user's process to watch */
		if (r < 0)
			goto fail;
		if (o->owner_sent)
			snprintf(where + strlen(where), sizeof(where) - strlen(where), " watched=%d",
				 (int)o->owner);
		ready = where;
		goto made;
	}
	if (spec->netns[0]) {
		if ((r = netns_make_nic(who_->netns_fd, spec, peer->uid, &o->nic, &skipped,
					&err)) < 0)
			goto fail;
		ready = where;
	} else if ((r = from_pool(env, spec, &o->nic, &skipped, &err)) < 0) {
		goto fail;
	} else if (r == 1) {
		ready = " ready-made";
	} else {
		if ((r = nic_devs_open(spec, &o->nic, &skipped, &err)) < 0)
			goto fail;
		if ((r = provision(env->nl, spec, peer->uid, &o->nic, &err)) < 0) {
			nl_renew(env, r);
			goto fail;
		}
	}
made:
	o->has_nic = true;
	snprintf(warning, sizeof(warning), "%s%s", skipped.msg,
		 skipped.msg[0] ? "; going on without vhost-net" : "");
	if ((r = vmtapd_nic_encode(&o->nic, warning, o->out, sizeof(o->out), &o->outlen)) < 0 ||
	    /* The record is by ifindex in our namespace (quota.h); a NIC in
	     * another one is not counted: its client has CAP_NET_ADMIN there
	     * (netns_client_may) and could make it without us. */
	    (!spec->netns[0] && (r = quota_add(env->quota, peer->uid, o->nic.ifindex)) < 0)) {
		nic_close(&o->nic);
		o->has_nic = false;
		vmtap_fail(&err, r, "internal: cannot answer: %s", strerror(-r));
		goto fail;
	}
	snprintf(o->grant, sizeof(o->grant), "grant uid=%u pid=%d %s=%s ifname=%s queues=%u "
		 "vhost=%u%s%s", (unsigned)peer->uid, (int)who_->pid,
		 spec->macvtap[0] ? "macvtap" : "bridge",
		 spec->macvtap[0] ? spec->macvtap : spec->bridge, o->nic.ifname, o->nic.queues,
		 o->nic.nvhost, tenant_words(spec, tenant, sizeof(tenant)), ready);
	return;
deny:
	refuse(o, "deny", who, r, &err);
	return;
fail:
	refuse(o, "fail", who, r, &err);
}

/* A persistent tap owned by the client's uid.  spec comes from the
 * decoder (persist set, tap mode, no owner). */
static void create_persistent(struct handler_env *env, const struct client_id *who_,
			      struct nic_spec *spec, struct outcome *o)
{
	const struct acl_peer *peer = &who_->peer;
	struct vmtap_err err = { "" };
	struct vmtapd_persistent p;
	char who[160], group[24] = "";
	struct nic nic;
	bool counted;
	int before, r;

	snprintf(who, sizeof(who), "create-persistent uid=%u pid=%d bridge=%s ifname=%s queues=%u",
		 (unsigned)peer->uid, (int)who_->pid, spec->bridge, spec->ifname, spec->queues);
	/* A persistent macvtap has no owner the kernel checks (its node is
	 * root's): nothing a client could be given. */
	if (spec->macvtap[0]) {
		r = vmtap_fail(&err, -EOPNOTSUPP, "create-persistent: macvtap=%s is not offered by "
			       "vmtapd: a persistent macvtap's /dev/tapN has no owner but root; "
			       "make it as root (vmtap create NAME --macvtap %s)", spec->macvtap,
			       spec->macvtap);
		goto deny;
	}

	if ((r = decide_bridge_queues(env->acl, env->config_path, spec, peer, &err)) < 0 ||
	    (r = decide_group(spec, peer, &err)) < 0)
		goto deny;
	/* Only a new device can go over the limit.  Making one again that
	 * exists makes nothing new: it is the client's own (else
	 * provision() refuses it, and that is the error to see), and counts
	 * from now on if the record does not count it yet.  A device the
	 * record counts stays counted against the uid that made it, even when
	 * its kernel owner has since given it to this client (TUNSETOWNER by
	 * the attached owner: the kernel allows it): the record, not the
	 * device's owner, says whose it is to count. */
	if ((r = ifname_index(spec->ifname, &before)) < 0 && r != -ENODEV) {
		vmtap_fail(&err, r, "cannot look up %s: %s", spec->ifname, strerror(-r));
		goto fail;
	}
	counted = before > 0 && quota_counted(env->quota, before);
	if (before <= 0 &&
	    (r = decide_nics(env->quota, env->acl, env->config_path, peer, true, &err)) < 0)
		goto deny;

	spec->has_owner = true;
	spec->owner = peer->uid;
	if ((r = nic_devs_open(spec, &nic, NULL, &err)) < 0)
		goto fail;
	if ((r = provision(env->nl, spec, peer->uid, &nic, &err)) < 0) {
		nl_renew(env, r);
		if (r == -EPERM)
			goto deny; /* not its device */
		goto fail;
	}
	memset(&p, 0, sizeof(p));
	memcpy(p.ifname, nic.ifname, sizeof(p.ifname));
	p.ifindex = nic.ifindex;
	p.mtu = nic.mtu;
	memcpy(p.mac, nic.mac, 6);
	p.multi_queue = spec->queues > 1;
	p.owner = spec->owner;
	p.has_group = spec->has_group;
	p.group = spec->group;
	/* The device is persistent: it stays without our fd. */
	nic_close(&nic);
	if ((!counted && (r = quota_add(env->quota, peer->uid, p.ifindex)) < 0) ||
	    (r = vmtapd_persistent_encode(&p, o->out, sizeof(o->out), &o->outlen)) < 0) {
		/* Nothing left behind: undo a device made just now. */
		if (before != p.ifindex)
			persistent_delete(env->nl, p.ifname, peer->uid, false, NULL);
		vmtap_fail(&err, r, "internal: cannot answer: %s", strerror(-r));
		goto fail;
	}
	if (p.has_group)
		snprintf(group, sizeof(group), " group=%u", p.group);
	o->prio = LOG_INFO;
	snprintf(o->line, sizeof(o->line), "grant %s owner=%u%s", who, p.owner, group);
	return;
deny:
	refuse(o, "deny", who, r, &err);
	return;
fail:
	refuse(o, "fail", who, r, &err);
}

/* The reply to a delete-persistent or release-nic that deleted every name
 * (the names are the request's), and the grant line, with more at its end;
 * a reply that cannot be encoded drops the client. */
static void grant_deleted(struct outcome *o, const struct vmtapd_request *req, const char *who,
			  const char *more)
{
	if (vmtapd_deleted_encode(req, o->out, sizeof(o->out), &o->outlen) < 0) {
		o->kind = OUTCOME_DROP;
		o->prio = LOG_ERR;
		snprintf(o->line, sizeof(o->line), "grant %s%s, but cannot answer; dropped the client",
			 who, more);
		return;
	}
	o->prio = LOG_INFO;
	snprintf(o->line, sizeof(o->line), "grant %s%s", who, more);
}

/* Every name is checked before any is deleted, as `vmtap delete` does. */
static void delete_persistent(struct handler_env *env, const struct client_id *who_,
			      const struct vmtapd_request *req, struct outcome *o)
{
	uid_t uid = who_->peer.uid;
	struct vmtap_err err = { "" };
	char who[96 + VMTAPD_DELETE_MAX * IFNAMSIZ];
	size_t n;
	unsigned i;
	int r;

	n = (size_t)snprintf(who, sizeof(who), "delete-persistent uid=%u pid=%d ifnames=",
			     (unsigned)uid, (int)who_->pid);
	for (i = 0; i < req->nnames && n < sizeof(who); i++)
		n += (size_t)snprintf(who + n, sizeof(who) - n, "%s%s", i ? "," : "",
				      req->names[i]);

	for (i = 0; i < req->nnames; i++) {
		if ((r = persistent_check(env->nl, req->names[i], uid, false, &err)) < 0) {
			nl_renew(env, r);
			goto refuse;
		}
	}
	for (i = 0; i < req->nnames; i++) {
		if ((r = persistent_delete(env->nl, req->names[i], uid, false, &err)) < 0) {
			struct vmtap_err e = { "" };

			nl_renew(env, r);
			if (i > 0) {
				vmtap_fail(&e, r, "%s; deleted before it: %u of the %u names",
					   vmtap_err_text(&err, r), i, req->nnames);
				err = e;
			}
			goto refuse;
		}
	}
	grant_deleted(o, req, who, "");
	return;
refuse:
	refuse(o, r == -EPERM ? "deny" : "fail", who, r, &err);
}

/* Why name (ifindex) is not a macvtap a watch is for: -EINVAL no macvtap
 * (a tap goes with its last fd), -EPERM a macvtap vmtapd does not watch. */
static int not_watched(struct handler_env *env, const char *name, struct vmtap_err *err)
{
	struct link_detail d;
	int r;

	if ((r = link_get_detail(env->nl, name, &d, err)) < 0) {
		nl_renew(env, r);
		return r;
	}
	if (!d.is_macvtap)
		return vmtap_fail(err, -EINVAL, "release-nic: %s is a %s, not a macvtap; expected a "
				  "macvtap vmtapd made (a tap goes with its last fd)", name,
				  d.st.kind[0] ? d.st.kind : "device");
	return vmtap_fail(err, -EPERM, "release-nic: macvtap %s was not made by vmtapd (or not "
			  "for a process it watches); expected one vmtapd made through create-nic",
			  name);
}

static void release_nic(struct handler_env *env, const struct client_id *who_,
			const struct vmtapd_request *req, struct outcome *o)
{
	const char *name = req->names[0];
	uid_t uid = who_->peer.uid, made_for;
	struct vmtap_err err = { "" };
	char who[96 + IFNAMSIZ], watched[24];
	int ifindex, r;
	pid_t pid;

	snprintf(who, sizeof(who), "release-nic uid=%u pid=%d ifname=%s", (unsigned)uid,
		 (int)who_->pid, name);
	if ((r = ifname_index(name, &ifindex)) < 0) {
		if (r == -ENODEV)
			vmtap_fail(&err, r, "release-nic: no device %s in vmtapd's network namespace; "
				   "expected a macvtap vmtapd made for you there", name);
		else
			vmtap_fail(&err, r, "release-nic: cannot look up %s: %s", name, strerror(-r));
		goto fail;
	}
	if (!watch_find(env->watch, ifindex, &pid, &made_for)) {
		r = not_watched(env, name, &err);
		goto refuse;
	}
	if (uid != 0 && made_for != uid) {
		if (made_for == WATCH_UID_UNKNOWN)
			r = vmtap_fail(&err, -EPERM, "release-nic: macvtap %s was made before vmtapd "
				       "last started, for a uid it did not keep; only uid 0 may "
				       "release it (or it goes when pid %d exits)", name, (int)pid);
		else
			r = vmtap_fail(&err, -EPERM, "release-nic: macvtap %s was made for uid %u, "
				       "not for uid %u; expected one of your own", name,
				       (unsigned)made_for, (unsigned)uid);
		goto refuse;
	}
	if ((r = watch_release(env->watch, env->nl, ifindex, &err)) < 0) {
		nl_renew(env, r);
		goto fail;
	}
	snprintf(watched, sizeof(watched), " watched=%d", (int)pid);
	grant_deleted(o, req, who, watched);
	return;
refuse:
	refuse(o, r == -EPERM ? "deny" : "fail", who, r, &err);
	return;
fail:
	refuse(o, "fail", who, r, &err);
}

void handle_request(struct handler_env *env, const struct client_id *who,
		    struct vmtapd_request *req, struct outcome *o)
{
	switch (req->op) {
	case VMTAPD_OP_HELLO:
		hello(env, who, o);
		break;
	case VMTAPD_OP_CREATE_NIC:
		create_nic(env, who, &req->spec, o);
		break;
	case VMTAPD_OP_CREATE_PERSISTENT:
		create_persistent(env, who, &req->spec, o);
		break;
	case VMTAPD_OP_DELETE_PERSISTENT:
		delete_persistent(env, who, req, o);
		break;
	case VMTAPD_OP_RELEASE_NIC:
		release_nic(env, who, req, o);
		break;
	}
}
