/* provision.c — nic_spec -> nic, all or nothing (see provision.h).
 *
 * Order matters for cost (README, "Why noqueue"): the tap is made down, gets its MAC,
 * IPv6 addr_gen_mode none and the noqueue root qdisc while down, and only
 * then master + MTU + up in one message.  A multiqueue tap brought up with
 * the default qdisc would first get 256 pfifo_fast children. */
#include "helper/core/provision.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "helper/core/field.h"
#include "helper/core/ifname.h"
#include "helper/core/macvtap.h"
#include "helper/core/parse.h"
#include "bridge/port.h"
#include "helper/core/tap.h"
#include "vhost/vhost.h"

int nic_spec_check(const struct nic_spec *spec, struct vmtap_err *err)
{
	char mac[18], word[16] = "?";
	int r;

	if (spec->macvtap[0])
		return macvtap_spec_check(spec, err);
	if (spec->mode != NIC_MODE_TAP && spec->mode != NIC_MODE_TUN) {
		nic_field_format(spec, nic_field_by_key("mode"), word, sizeof(word));
		return vmtap_fail(err, -EINVAL, "mode=%s is a macvtap's; expected tap or tun, or a "
				  "parent (macvtap=DEV)", word);
	}
	if (spec->mode == NIC_MODE_TUN) {
		if (!spec->persist)
			return vmtap_fail(err, -EINVAL, "mode=tun: only persistent devices may be "
					  "tun (L3) devices");
		if (spec->bridge[0])
			return vmtap_fail(err, -EINVAL, "mode=tun makes an L3 device, which cannot be "
					  "a port of bridge %s; use mode=tap, or no bridge",
					  spec->bridge);
		if (spec->inbound.rate || spec->outbound.rate)
			return vmtap_fail(err, -EINVAL, "mode=tun: inbound and outbound limits are a "
					  "tap's on a bridge; use mode=tap");
	} else if ((r = ifname_check_err(spec->bridge, "bridge name", err)) < 0)
		return r;
	if (spec->ifname[0] && (r = ifname_check_err(spec->ifname, NULL, err)) < 0)
		return r;
	if (spec->queues < 1 || spec->queues > VMTAP_MAX_QUEUES)
		return vmtap_fail(err, -ERANGE, "queues=%u: expected 1..%d", spec->queues,
				  VMTAP_MAX_QUEUES);
	if (spec->mtu && (spec->mtu < VMTAP_MTU_MIN || spec->mtu > VMTAP_MTU_MAX))
		return vmtap_fail(err, -ERANGE, "mtu=%u: expected %d..%d", spec->mtu, VMTAP_MTU_MIN,
				  VMTAP_MTU_MAX);
	if (spec->has_mac && spec->has_guest_mac && !memcmp(spec->mac, spec->guest_mac, 6))
		return vmtap_fail(err, -EINVAL, "mac=%s is also guest_mac: the tap's MAC must differ "
				  "from the guest's, or the bridge takes the guest's frames for its "
				  "own; leave mac out (it follows guest_mac)", format_mac(spec->mac, mac));
	return nic_spec_check_port(spec, err);
}

/* The vhost-net fds of nic as spec->vhost says: none (off), one per queue
 * or an error (on), one per queue or none with the reason in skipped
 * (auto). */
static int vhost_part(const struct nic_spec *spec, struct nic *nic, struct vmtap_err *skipped,
		      struct vmtap_err *err)
{
	struct vmtap_err verr = { "" };
	int r;

	if (spec->vhost == VHOST_OFF)
		return 0;
	r = vhost_open(spec->queues, nic->vhostfd, &verr);
	if (r == 0) {
		nic->nvhost = spec->queues;
		return 0;
	}
	if (spec->vhost == VHOST_ON)
		return vmtap_fail(err, r, "vhost=on: %s", verr.msg);
	if (skipped)
		*skipped = verr;
	return 0;
}

int nic_devs_open(const struct nic_spec *spec, struct nic *nic, struct vmtap_err *skipped,
		  struct vmtap_err *err)
{
	unsigned i;
	int r;

	nic_init(nic);
	if (skipped)
		skipped->msg[0] = '\0';
	/* A persistent device needs one fd to be made: its users attach
	 * their own queues later.  A macvtap's queues are its own character
	 * device, opened once it exists (provision_macvtap). */
	for (i = 0; !spec->macvtap[0] && i < (spec->persist ? 1 : spec->queues); i++) {
		nic->tapfd[i] = open(TUN_DEVICE, O_RDWR | O_CLOEXEC | O_NOCTTY);
		if (nic->tapfd[i] < 0) {
			r = -errno;
			nic_close(nic);
			return vmtap_fail(err, r, "%s: %s%s", TUN_DEVICE, strerror(-r),
					  r == -ENOENT ? "; load the tun module (modprobe tun)" : "");
		}
		nic->queues++;
	}
	if (spec->persist)
		return 0;
	if ((r = vhost_part(spec, nic, skipped, err)) < 0)
		nic_close(nic);
	return r;
}

static void random_mac(uint8_t mac[6])
{
	if (getrandom(mac, 6, 0) != 6)
		memset(mac, 0x5a, 6);
	nic_host_mac(mac, mac);
}

static bool unrestricted(uint32_t as)
{
	return as == PROVISION_ROOT || as == 0;
}

/* The bridge spec names, looked up before anything is made.  The kernel
 * sizes a bridge to its smallest port's MTU, so a port below the bridge's
 * MTU shrinks it for everyone on it (and drops the host's IPv6 addresses
 * on it): only a caller acting for root may do that.  At or above is
 * harmless.  A spec that asks for a VLAN also has the bridge's VLAN state
 * read here (br->vlan) and refused when it cannot filter VLANs, so that
 * mistake too costs no tap. */
struct bridge_for {
	struct bridge_info info;
	struct bridge_vlan_state vlan;
};

static int bridge_for(struct nl_sock *sk, const struct nic_spec *spec, uint32_t as,
		      struct bridge_for *br, struct vmtap_err *err)
{
	int r;

	memset(br, 0, sizeof(*br));
	if ((r = bridge_lookup(sk, spec->bridge, &br->info, err)) < 0)
		return r;
	if (spec->mtu && spec->mtu < br->info.mtu && !unrestricted(as))
		return vmtap_fail(err, -EPERM, "mtu=%u: below %s's MTU %u; a port's MTU would "
				  "lower the whole bridge, which only root may do; ask for %u or "
				  "more, or leave mtu out", spec->mtu, spec->bridge, br->info.mtu,
				  br->info.mtu);
	if (!spec->vlan && vlan_set_empty(&spec->trunk))
		return 0;
	if ((r = bridge_vlan_filtering(sk, br->info.ifindex, spec->bridge, &br->vlan, err)) < 0)
		return r;
	return bridge_vlan_check(&br->vlan, spec->bridge, err);
}

/* The tenant-network fields (README, "Tenant networks") on a tap that is a
 * port already (port_setup): its flags and VLANs in one AF_BRIDGE
 * RTM_SETLINK, then, for mac_lock and announce, the guest's MAC as a
 * static, sticky FDB entry on it (vid 0: the kernel puts it in each of the
 * port's VLANs; static, not permanent, is what an EVPN speaker advertises).
 * Undoes nothing: the port and its FDB entry go with the tap. */
static int tenant_apply(struct nl_sock *sk, const struct nic_spec *spec,
			const struct bridge_for *br, int ifindex, const char *ifname,
			struct vmtap_err *err)
{
	struct port_tenant t = {
		.isolated = spec->isolated,
		.locked = spec->mac_lock,
		.learning_off = spec->mac_lock || spec->announce,
		.has_pvid = spec->vlan != 0,
		.pvid = spec->vlan,
		.tagged = spec->trunk,
		.bridge_vlan = &br->vlan,
		.bridge = spec->bridge,
	};
	int r;

	if (!nic_spec_has_port_fields(spec))
		return 0;
	if ((r = port_tenant_apply(sk, ifindex, ifname, &t, err)) < 0)
		return r;
	if (spec->mac_lock || spec->announce)
		r = fdb_add_static(sk, ifindex, ifname, spec->guest_mac, 0, err);
	return r;
}

/* The device just made: its index, or why not (ifname_index says why it
 * is its own lookup: EMFILE is not the device vanishing). */
static int ifindex_of(const char *name, int *ifindex, struct vmtap_err *err)
{
	int r = ifname_index(name, ifindex);

	if (r == -ENODEV)
		return vmtap_fail(err, r, "%s vanished after creation", name);
	if (r < 0)
		return vmtap_fail(err, r, "cannot look up %s's ifindex: %s", name, strerror(-r));
	return 0;
}

/* An outbound limit on a kernel without the police action made the tap an
 * IFB (bridge/ifb.h), which closing the tap does not remove: a failure
 * after port_setup deletes it here.  Nothing when there is none. */
static void undo_ifb(struct nl_sock *sk, const struct nic_spec *spec, const struct nic *out)
{
	if (spec->outbound.rate && out->ifindex > 0)
		ifb_delete_for(sk, out->ifindex, out->ifname, NULL);
}

/* ---- persistent devices ------------------------------------------------ */

/* The kernel refused to attach to an existing device (EINVAL): name the
 * flags that differ, from what the kernel says the device is. */
static int mismatch(const char *name, const struct link_detail *have, const struct tun_flags *f,
		    unsigned queues, struct vmtap_err *err)
{
	char diff[160] = "";
	size_t n = 0;

	if (have->tun.tun != f->tun)
		n += (size_t)snprintf(diff + n, sizeof(diff) - n, "IFF_%s there, IFF_%s asked",
				      have->tun.tun ? "TUN" : "TAP", f->tun ? "TUN" : "TAP");
	if (have->tun.multi_queue != f->multi_queue && n < sizeof(diff))
		snprintf(diff + n, sizeof(diff) - n, "%sIFF_MULTI_QUEUE %s there, queues=%u needs it %s",
			 n ? "; " : "", have->tun.multi_queue ? "on" : "off", queues,
			 f->multi_queue ? "on" : "off");
	if (!diff[0])
		snprintf(diff, sizeof(diff), "none that vmtap can see");
	return vmtap_fail(err, -EINVAL, "%s exists with other flags (%s): the kernel refuses to "
			  "attach to it (EINVAL); delete it first (vmtap delete %s)", name, diff, name);
}

/* The uid a caller acts for may touch only a device it owns; root any.  d
 * is a device vmtap made. */
static int client_may(const struct link_detail *d, const char *name, uint32_t as,
		      struct vmtap_err *err)
{
	char owner[32] = "no owner";

	if (unrestricted(as) || (d->tun.has_owner && d->tun.owner == as))
		return 0;
	if (d->tun.has_owner)
		snprintf(owner, sizeof(owner), "owner uid %u", d->tun.owner);
	return vmtap_fail(err, -EPERM, "%s %s has %s, not uid %u: through vmtapd a client may "
			  "take over or delete only its own devices", d->st.kind, name, owner,
			  as);
}

static void describe_ids(char *buf, size_t len, bool has_owner, uint32_t owner, bool has_group,
			 uint32_t group)
{
	char o[24] = "no owner", g[24] = "no group";

	if (has_owner)
		snprintf(o, sizeof(o), "owner uid %u", owner);
	if (has_group)
		snprintf(g, sizeof(g), "group gid %u", group);
	snprintf(buf, len, "%s, %s", o, g);
}

/* Taking over hands the device to the spec's owner and group.  Whoever
 * holds a queue of it keeps reading and writing its frames, and whoever
 * owns it now may attach later, so neither may differ from the new
 * owner: no queue attached (a queue detached with IFF_DETACH_QUEUE
 * attaches again with no check, so it counts) and the very same owner
 * and group. */
static int takeover_safe(const struct link_detail *d, const char *name,
			 const struct nic_spec *spec, struct vmtap_err *err)
{
	unsigned q = d->tun.queues + d->tun.disabled_queues;
	char have[64], want[64];

	if (q)
		return vmtap_fail(err, -EBUSY, "%s %s exists with %u queue%s attached: some process "
				  "holds it, and vmtap does not hand a device in use to a new owner; "
				  "if it is stale, delete it as root first (vmtap delete %s)",
				  d->st.kind, name, q, q == 1 ? "" : "s", name);
	describe_ids(have, sizeof(have), d->tun.has_owner, d->tun.owner, d->tun.has_group,
		     d->tun.group);
	describe_ids(want, sizeof(want), spec->has_owner, spec->owner, spec->has_group,
		     spec->group);
	if (d->tun.has_owner != spec->has_owner || d->tun.has_group != spec->has_group ||
	    (spec->has_owner && d->tun.owner != spec->owner) ||
	    (spec->has_group && d->tun.group != spec->group))
		return vmtap_fail(err, -EPERM, "%s %s exists with %s, but %s was asked; vmtap does "
				  "not hand a device to a new owner; delete it as root first "
				  "(vmtap delete %s)", d->st.kind, name, have, want, name);
	return 0;
}

/* NAME exists: take it over when it is a tun/tap device vmtap made (and,
 * for a caller acting for a user, that user's own), takeover_safe() says
 * so, and the kernel accepts fd as one more of its queues. */
static int adopt(struct nl_sock *sk, int fd, const char *name, const struct tun_flags *f,
		 const struct nic_spec *spec, uint32_t as, struct link_detail *have,
		 struct vmtap_err *err)
{
	int r;

	if ((r = link_get_detail(sk, name, have, err)) < 0)
		return r;
	if (!have->is_tun)
		return vmtap_fail(err, -EEXIST, "interface %s already exists and is a %s, not a %s "
				  "device", name, have->st.kind[0] ? have->st.kind : "plain",
				  f->tun ? "tun" : "tap");
	if (strcmp(have->alias, VMTAP_ALIAS))
		return vmtap_fail(err, -EEXIST, "%s %s already exists and vmtap did not make it (its "
				  "alias is not \"" VMTAP_ALIAS "\"); pick another name or delete it",
				  have->st.kind, name);
	if ((r = client_may(have, name, as, err)) < 0 ||
	    (r = takeover_safe(have, name, spec, err)) < 0)
		return r;
	r = tun_attach_existing(fd, name, f, err);
	if (r == -EINVAL)
		return mismatch(name, have, f, spec->queues, err);
	return r;
}

/* Order: make (or take over) the device, owner and group, the port set-up
 * (or alias + MTU + up for tun) and its tenant fields, and TUNSETPERSIST
 * last, so that a device made here and failing half-way still vanishes
 * with its fd (its port and FDB entry with it).  A device taken over is
 * not deleted on failure: it was there before. */
static int provision_persistent(struct nl_sock *sk, const struct nic_spec *spec, uint32_t as,
				struct nic *out, struct vmtap_err *err)
{
	struct tun_flags f = {
		.tun = spec->mode == NIC_MODE_TUN,
		.multi_queue = spec->queues > 1,
		.vnet_hdr = spec->vnet_hdr,
	};
	struct link_detail have;
	struct bridge_for br;
	struct link_state now;
	bool made = false;
	int fd, r;

	if (out->queues != 1 || out->nvhost) {
		r = vmtap_fail(err, -EINVAL, "internal: %u tun and %u vhost fds for a persistent "
			       "device", out->queues, out->nvhost);
		goto fail;
	}
	fd = out->tapfd[0];
	if ((r = tun_check_features(fd, &f, err)) < 0)
		goto fail;
	memset(&br, 0, sizeof(br));
	if (!f.tun && (r = bridge_for(sk, spec, as, &br, err)) < 0)
		goto fail;

	memcpy(out->ifname, spec->ifname, sizeof(out->ifname));
	r = tun_make(fd, out->ifname, &f, err);
	if (r == 0)
		made = true;
	else if (r == -EEXIST)
		r = adopt(sk, fd, out->ifname, &f, spec, as, &have, err);
	if (r < 0)
		goto fail;
	if (spec->has_owner && (r = tun_set_owner(fd, out->ifname, spec->owner, err)) < 0)
		goto fail;
	if (spec->has_group && (r = tun_set_group(fd, out->ifname, spec->group, err)) < 0)
		goto fail;
	if ((r = ifindex_of(out->ifname, &out->ifindex, err)) < 0)
		goto fail;

	if (f.tun) {
		r = link_setup_plain(sk, out->ifindex, out->ifname, VMTAP_ALIAS, spec->mtu, err);
	} else {
		struct port_setup ps = {
			.ifindex = out->ifindex, .ifname = out->ifname,
			.bridge_ifindex = br.info.ifindex, .bridge = spec->bridge,
			.mtu = spec->mtu ? spec->mtu : br.info.mtu,
			.noqueue = spec->qdisc == QDISC_NOQUEUE,
			.inbound = &spec->inbound, .outbound = &spec->outbound,
			.alias = VMTAP_ALIAS,
		};

		/* A device taken over keeps its MAC unless one was asked for:
		 * the guest's peers may have learnt it. */
		/* A device taken over that is a port still is taken off its
		 * bridge first: its port is made anew, so nothing of a previous
		 * user's port (VLANs, isolated, locked, FDB entries) carries
		 * over, and what the spec asks is all it has.  (On a failure
		 * after this it is left off the bridge.) */
		if (!made && have.st.master &&
		    (r = link_set_nomaster(sk, out->ifindex, out->ifname, err)) < 0)
			goto fail;
		/* Nor a previous user's outbound limit: the ingress qdisc and
		 * the IFB, if it had one (the root qdisc is replaced in
		 * port_setup). */
		if (!made && ((r = tc_ingress_clear(sk, out->ifindex, out->ifname, err)) < 0 ||
			      (r = ifb_delete_for(sk, out->ifindex, out->ifname, err)) < 0))
			goto fail;
		if (!nic_spec_tap_mac(spec, ps.mac)) {
			if (made)
				random_mac(ps.mac);
			else
				memcpy(ps.mac, have.st.mac, 6);
		}
		if ((r = port_setup(sk, &ps, err)) == 0)
			r = tenant_apply(sk, spec, &br, out->ifindex, out->ifname, err);
	}
	if (r < 0)
		goto fail;
	if ((r = link_get(sk, out->ifname, &now, err)) < 0 ||
	    (r = tun_set_persist(fd, out->ifname, true, err)) < 0)
		goto fail;
	out->mtu = now.mtu;
	memcpy(out->mac, now.mac, 6);
	return 0;
fail:
	undo_ifb(sk, spec, out);
	nic_close(out);
	return r;
}

int provision(struct nl_sock *sk, const struct nic_spec *spec, uint32_t as, struct nic *out,
	      struct vmtap_err *err)
{
	struct bridge_for br;
	struct port_setup ps;
	int r;

	if (!sk) {
		r = vmtap_fail(err, -EINVAL, "internal: provision() without a netlink socket");
		goto fail;
	}
	if ((r = nic_spec_check(spec, err)) < 0)
		goto fail;
	if (spec->macvtap[0])
		return provision_macvtap(sk, spec, as, 0, out, err);
	if (spec->persist)
		return provision_persistent(sk, spec, as, out, err);
	if (out->queues != spec->queues) {
		r = vmtap_fail(err, -EINVAL, "internal: %u tun fds for %u queues", out->queues,
			       spec->queues);
		goto fail;
	}
	if ((r = tap_check_features(out->tapfd[0], spec->queues, spec->vnet_hdr, err)) < 0)
		goto fail;
	/* Look the bridge up before making anything: the common mistake
	 * costs no tap at all. */
	if ((r = bridge_for(sk, spec, as, &br, err)) < 0)
		goto fail;

	memcpy(out->ifname, spec->ifname, sizeof(out->ifname));
	if ((r = tap_create(out->tapfd, spec->queues, spec->vnet_hdr, out->ifname, err)) < 0)
		goto fail;
	if ((r = ifindex_of(out->ifname, &out->ifindex, err)) < 0)
		goto fail;
	out->mtu = spec->mtu ? spec->mtu : br.info.mtu;
	if (!nic_spec_tap_mac(spec, out->mac))
		random_mac(out->mac);

	ps = (struct port_setup){
		.ifindex = out->ifindex, .ifname = out->ifname,
		.bridge_ifindex = br.info.ifindex, .bridge = spec->bridge,
		.mtu = out->mtu, .noqueue = spec->qdisc == QDISC_NOQUEUE,
		.inbound = &spec->inbound, .outbound = &spec->outbound,
	};
	memcpy(ps.mac, out->mac, 6);
	if ((r = port_setup(sk, &ps, err)) < 0 ||
	    (r = tenant_apply(sk, spec, &br, out->ifindex, out->ifname, err)) < 0)
		goto fail;
	return 0;
fail:
	undo_ifb(sk, spec, out);
	nic_close(out);
	return r;
}

int nic_vhost_open(const struct nic_spec *spec, struct nic *vh, struct vmtap_err *skipped,
		   struct vmtap_err *err)
{
	int r;

	nic_init(vh);
	if (skipped)
		skipped->msg[0] = '\0';
	if ((r = vhost_part(spec, vh, skipped, err)) < 0)
		nic_close(vh);
	return r;
}

int provision_ready(struct nl_sock *sk, const struct nic_spec *spec, struct nic *vh,
		    struct nic *nic, struct vmtap_err *err)
{
	uint8_t mac[6];
	unsigned i;
	int r;

	if (nic_spec_tap_mac(spec, mac) && memcmp(mac, nic->mac, 6)) {
		if ((r = link_set_mac(sk, nic->ifindex, nic->ifname, mac, err)) < 0) {
			nic_close(vh);
			nic_close(nic);
			return r;
		}
		memcpy(nic->mac, mac, 6);
	}
	nic->nvhost = vh->nvhost;
	for (i = 0; i < vh->nvhost; i++)
		nic->vhostfd[i] = vh->vhostfd[i];
	nic_init(vh);
	return 0;
}

/* ---- deleting and listing persistent devices ---------------------------- */

int persistent_check(struct nl_sock *sk, const char *name, uint32_t as, bool force,
		     struct vmtap_err *err)
{
	struct link_detail d;
	int r;

	force = force && as == PROVISION_ROOT;
	if ((r = ifname_check_err(name, NULL, err)) < 0)
		return r;
	if ((r = link_get_detail(sk, name, &d, err)) < 0)
		return r;
	if (!d.is_tun && !d.is_macvtap)
		return vmtap_fail(err, -EINVAL, "%s is a %s, not a tun/tap device; vmtap deletes only "
				  "tun/tap devices and macvtaps", name,
				  d.st.kind[0] ? d.st.kind : "plain device");
	if (!force && strcmp(d.alias, VMTAP_ALIAS))
		return vmtap_fail(err, -EPERM, "%s %s was not made by vmtap (its alias is not \""
				  VMTAP_ALIAS "\"); %s", d.st.kind, name,
				  as != PROVISION_ROOT ? "vmtapd deletes only devices vmtap made"
						       : "use --force to delete it anyway");
	return client_may(&d, name, as, err);
}

int persistent_delete(struct nl_sock *sk, const char *name, uint32_t as, bool force,
		      struct vmtap_err *err)
{
	struct link_state st;
	int r;

	/* RTM_DELLINK removes a persistent device at once; fds a QEMU still
	 * holds stay valid but detached.  Its IFB (an outbound limit's) does
	 * not go with it: deleted here, by the ifindex it had (vmtapd, when
	 * it runs, does the same on the RTM_DELLINK; the second finds none). */
	if ((r = persistent_check(sk, name, as, force, err)) < 0 ||
	    (r = link_get(sk, name, &st, err)) < 0 || (r = link_delete(sk, name, err)) < 0)
		return r;
	return ifb_delete_for(sk, st.ifindex, name, err);
}

/* <linux/if.h> has it, but clashes with <net/if.h>. */
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif

static const char *link_state_name(const struct link_detail *d)
{
	if (!(d->st.flags & IFF_UP))
		return "down";
	return d->st.flags & IFF_LOWER_UP ? "up" : "no-carrier";
}

/* The bridge-port state of every device of v that is a port. */
static int port_states(struct nl_sock *sk, struct tun_info *v, size_t n, struct vmtap_err *err)
{
	struct port_tenant_state *ps = NULL;
	size_t nps = 0, i, j;
	int r;

	if ((r = port_tenant_dump(sk, &ps, &nps, err)) < 0)
		return r;
	for (i = 0; i < n; i++)
		for (j = 0; j < nps; j++) {
			if (ps[j].ifindex != v[i].ifindex)
				continue;
			v[i].is_port = true;
			v[i].isolated = ps[j].isolated;
			v[i].locked = ps[j].locked;
			v[i].learning = ps[j].learning;
			v[i].has_pvid = ps[j].has_pvid;
			v[i].pvid = ps[j].pvid;
			v[i].untagged = ps[j].untagged;
			v[i].tagged = ps[j].tagged;
		}
	free(ps);
	return 0;
}

int tun_list(struct nl_sock *sk, struct tun_info **out, size_t *n, struct vmtap_err *err)
{
	struct link_detail *links = NULL;
	struct tun_info *v;
	size_t nlinks = 0, i, j;
	bool ports = false;
	int r;

	*out = NULL;
	*n = 0;
	if ((r = link_dump_detail(sk, &links, &nlinks, err)) < 0)
		return r;
	v = calloc(nlinks ? nlinks : 1, sizeof(*v));
	if (!v) {
		free(links);
		return vmtap_fail(err, -ENOMEM, "out of memory listing %zu links", nlinks);
	}
	for (i = 0; i < nlinks; i++) {
		const struct link_detail *d = &links[i];
		struct tun_info *t = &v[*n];

		if (!d->is_tun && !d->is_macvtap)
			continue;
		memcpy(t->name, d->name, sizeof(t->name));
		t->mode = d->tun.tun ? NIC_MODE_TUN : NIC_MODE_TAP;
		t->multi_queue = d->tun.multi_queue;
		t->persist = d->tun.persist;
		t->vnet_hdr = d->tun.vnet_hdr;
		/* Persistent devices carry the alias, a macvtap made for a
		 * process its owner's mark; the helper's and vmtapd's taps
		 * live only as long as their fds and carry the name vmtap
		 * chose for them instead. */
		t->by_vmtap = !strcmp(d->alias, VMTAP_ALIAS) || tap_name_is_chosen(d->name) ||
			      !strncmp(d->alias, MACVTAP_ALIAS_PREFIX, strlen(MACVTAP_ALIAS_PREFIX));
		t->has_owner = d->tun.has_owner;
		t->owner = d->tun.owner;
		t->has_group = d->tun.has_group;
		t->group = d->tun.group;
		/* The kernel counts queues only for a multiqueue device; a
		 * single-queue one has carrier while its one queue is attached. */
		t->queues = d->tun.multi_queue ? d->tun.queues : d->carrier ? 1 : 0;
		t->mtu = d->st.mtu;
		memcpy(t->mac, d->st.mac, 6);
		t->state = link_state_name(d);
		for (j = 0; d->st.master && j < nlinks; j++)
			if (links[j].st.ifindex == d->st.master)
				memcpy(t->bridge, links[j].name, sizeof(t->bridge));
		t->ifindex = d->st.ifindex;
		if (d->is_macvtap) {
			t->mode = macvtap_nic_mode(d->macvlan_mode);
			/* Persistent: made by vmtap create, not for a process. */
			t->persist = !strcmp(d->alias, VMTAP_ALIAS);
			for (j = 0; j < nlinks; j++)
				if (links[j].st.ifindex == d->link)
					memcpy(t->parent, links[j].name, sizeof(t->parent));
		}
		if (d->st.master)
			ports = true;
		(*n)++;
	}
	free(links);
	if (ports && (r = port_states(sk, v, *n, err)) < 0) {
		free(v);
		*n = 0;
		return r;
	}
	*out = v;
	return 0;
}
