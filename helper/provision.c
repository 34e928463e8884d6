/* provision.c — nic_spec -> nic, all or nothing (see provision.h).
 *
 * Order matters for cost (design.md): the tap is made down, gets its MAC,
 * IPv6 addr_gen_mode none and the noqueue root qdisc while down, and only
 * then master + MTU + up in one message.  A multiqueue tap brought up with
 * the default qdisc would first get 256 pfifo_fast children. */
#include "provision.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "ifname.h"
#include "port.h"
#include "tap.h"
#include "vhost.h"

static void devs_reset(struct nic_devs *d)
{
	unsigned i;

	memset(d, 0, sizeof(*d));
	for (i = 0; i < VMTAP_MAX_QUEUES; i++)
		d->tun[i] = d->vhost[i] = -1;
}

void nic_devs_close(struct nic_devs *d)
{
	unsigned i;

	for (i = 0; i < VMTAP_MAX_QUEUES; i++) {
		if (d->tun[i] >= 0)
			close(d->tun[i]);
		if (d->vhost[i] >= 0)
			close(d->vhost[i]);
	}
	devs_reset(d);
}

int nic_spec_check(const struct nic_spec *spec, struct vmtap_err *err)
{
	if (ifname_check(spec->bridge) < 0)
		return vmtap_fail(err, -EINVAL, "bad bridge name \"%s\"; expected %s", spec->bridge,
				  IFNAME_EXPECTED);
	if (spec->ifname[0] && ifname_check(spec->ifname) < 0)
		return vmtap_fail(err, -EINVAL, "bad interface name \"%s\"; expected %s",
				  spec->ifname, IFNAME_EXPECTED);
	if (spec->queues < 1 || spec->queues > VMTAP_MAX_QUEUES)
		return vmtap_fail(err, -ERANGE, "queues=%u: expected 1..%d", spec->queues,
				  VMTAP_MAX_QUEUES);
	if (spec->mtu && (spec->mtu < VMTAP_MTU_MIN || spec->mtu > VMTAP_MTU_MAX))
		return vmtap_fail(err, -ERANGE, "mtu=%u: expected %d..%d", spec->mtu, VMTAP_MTU_MIN,
				  VMTAP_MTU_MAX);
	return 0;
}

int nic_devs_open(const struct nic_spec *spec, struct nic_devs *devs, struct vmtap_err *err)
{
	unsigned i;
	int r;

	devs_reset(devs);
	for (i = 0; i < spec->queues; i++) {
		devs->tun[i] = open(TUN_DEVICE, O_RDWR | O_CLOEXEC | O_NOCTTY);
		if (devs->tun[i] < 0) {
			r = -errno;
			nic_devs_close(devs);
			return vmtap_fail(err, r, "%s: %s%s", TUN_DEVICE, strerror(-r),
					  r == -ENOENT ? "; load the tun module (modprobe tun)" : "");
		}
		devs->ntun++;
	}
	if (spec->vhost == VHOST_OFF)
		return 0;

	struct vmtap_err verr = { "" };

	r = vhost_open(spec->queues, devs->vhost, &verr);
	if (r == 0) {
		devs->nvhost = spec->queues;
		return 0;
	}
	if (spec->vhost == VHOST_ON) {
		nic_devs_close(devs);
		return vmtap_fail(err, r, "vhost=on: %s", verr.msg);
	}
	devs->vhost_skipped = verr;
	return 0;
}

static void random_mac(uint8_t mac[6])
{
	if (getrandom(mac, 6, 0) != 6)
		memset(mac, 0x5a, 6);
	/* 0xfe: locally administered, unicast, and high, so the bridge (which
	 * takes the lowest port MAC unless given one) does not take ours. */
	mac[0] = 0xfe;
}

int provision(struct nl_sock *sk, const struct nic_spec *spec, struct nic_devs *devs,
	      struct nic *out, struct vmtap_err *err)
{
	struct nl_sock *own = NULL;
	struct bridge_info br;
	struct port_setup ps;
	unsigned i;
	int r;

	nic_init(out);
	if ((r = nic_spec_check(spec, err)) < 0)
		goto fail;
	if (devs->ntun != spec->queues) {
		r = vmtap_fail(err, -EINVAL, "internal: %u tun fds for %u queues", devs->ntun,
			       spec->queues);
		goto fail;
	}
	if (!sk) {
		if ((r = rtnl_open(&own, err)) < 0)
			goto fail;
		sk = own;
	}
	if ((r = tap_check_features(devs->tun[0], spec->queues, spec->vnet_hdr, err)) < 0)
		goto fail;
	/* Look the bridge up before making anything: the common mistake
	 * costs no tap at all. */
	if ((r = bridge_lookup(sk, spec->bridge, &br, err)) < 0)
		goto fail;

	memcpy(out->ifname, spec->ifname, sizeof(out->ifname));
	if ((r = tap_create(devs->tun, spec->queues, spec->vnet_hdr, out->ifname, err)) < 0)
		goto fail;
	out->ifindex = (int)if_nametoindex(out->ifname);
	if (out->ifindex <= 0) {
		r = vmtap_fail(err, -ENODEV, "tap %s vanished after creation", out->ifname);
		goto fail;
	}
	out->mtu = spec->mtu ? spec->mtu : br.mtu;
	if (spec->has_mac)
		memcpy(out->mac, spec->mac, 6);
	else
		random_mac(out->mac);

	ps = (struct port_setup){
		.ifindex = out->ifindex, .ifname = out->ifname,
		.bridge_ifindex = br.ifindex, .bridge = spec->bridge,
		.mtu = out->mtu, .noqueue = spec->qdisc == QDISC_NOQUEUE,
	};
	memcpy(ps.mac, out->mac, 6);
	if ((r = port_setup(sk, &ps, err)) < 0)
		goto fail;

	out->queues = spec->queues;
	out->nvhost = devs->nvhost;
	for (i = 0; i < VMTAP_MAX_QUEUES; i++) {
		out->tapfd[i] = devs->tun[i];
		out->vhostfd[i] = devs->vhost[i];
	}
	devs_reset(devs);
	rtnl_close(own);
	return 0;
fail:
	nic_devs_close(devs);
	rtnl_close(own);
	nic_init(out);
	return r;
}
