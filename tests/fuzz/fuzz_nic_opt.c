/* fuzz_nic_opt.c — fuzz harness for the NIC SPEC parser (helper/cli/nic-opt.c),
 * what `vmtap exec --nic`, `vmtap hotplug` and `vmtap attach` take from
 * the command line.  The input, up to its first NUL byte, is the SPEC.
 *
 * Besides the sanitizers' findings it aborts when a promise is broken: a
 * refusal comes with a one-line message; an accepted SPEC names a valid
 * bridge or macvtap parent, and its id, model, queues, MTU, vhost and qdisc modes and guest
 * MAC, VLANs and switches are each one the parser's rules allow; the tap MAC derived from it
 * is fe + the guest MAC's last five bytes (a macvtap gets none: its MAC is
 * the guest's); and the accepted SPEC, written
 * back out in keyed form, parses to the same values. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helper/core/ifname.h"
#include "helper/cli/nic-opt.h"
#include "helper/core/field.h"
#include "helper/core/parse.h"
#include "promise.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool id_chars(const char *s)
{
	return s[strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._")] == '\0';
}

static void check(const struct nic_opt *o)
{
	const struct nic_spec *s = &o->spec;

	if ((!ifname_valid(s->bridge) && !ifname_valid(s->macvtap)) || s->ifname[0] || s->has_mac)
		abort();
	if ((s->bridge[0] && !ifname_valid(s->bridge)) ||
	    (s->macvtap[0] && !ifname_valid(s->macvtap)))
		abort();
	if (s->queues < 1 || s->queues > VMTAP_MAX_QUEUES)
		abort();
	if (s->mtu && (s->mtu < VMTAP_MTU_MIN || s->mtu > VMTAP_MTU_MAX))
		abort();
	if (s->vhost != VHOST_OFF && s->vhost != VHOST_ON && s->vhost != VHOST_AUTO)
		abort();
	if (s->qdisc != QDISC_NOQUEUE && s->qdisc != QDISC_KERNEL)
		abort();
	if (strnlen(o->id, NIC_ID_MAX) >= NIC_ID_MAX || !id_chars(o->id) ||
	    (o->id[0] && !((o->id[0] | 0x20) >= 'a' && (o->id[0] | 0x20) <= 'z')))
		abort();
	if (!o->model[0] || strnlen(o->model, NIC_MODEL_MAX) >= NIC_MODEL_MAX || !id_chars(o->model))
		abort();
	if (o->has_guest_mac &&
	    ((o->guest_mac[0] & 1) || !memcmp(o->guest_mac, "\0\0\0\0\0\0", 6)))
		abort();
	if (s->vlan > VLAN_VID_MAX || vlan_set_has(&s->trunk, 0) || vlan_set_has(&s->trunk, 4095) ||
	    (!s->has_isolated && s->isolated) || (!s->has_mac_lock && s->mac_lock) ||
	    (!s->has_announce && s->announce))
		abort();
}

/* The parsed SPEC in keyed form, every key given. */
static void write_back(const struct nic_opt *o, char *buf, size_t cap)
{
	/* netns is no tenant field, but written the same way (the table's). */
	static const char *const tenant[] = { "vlan", "trunk", "isolated", "mac_lock",
					      "announce", "netns" };
	char mac[18], vhost[16], qdisc[16], mode[16];
	size_t i;
	int n;

	nic_field_format(&o->spec, nic_field_by_key("vhost"), vhost, sizeof(vhost));
	nic_field_format(&o->spec, nic_field_by_key("qdisc"), qdisc, sizeof(qdisc));
	nic_field_format(&o->spec, nic_field_by_key("mode"), mode, sizeof(mode));
	n = snprintf(buf, cap, "vhost=%s,qdisc=%s,model=%s,mode=%s", vhost, qdisc, o->model, mode);
	if (o->spec.bridge[0])
		n += snprintf(buf + n, cap - (size_t)n, ",bridge=%s", o->spec.bridge);
	if (o->spec.macvtap[0])
		n += snprintf(buf + n, cap - (size_t)n, ",macvtap=%s", o->spec.macvtap);
	if (o->id[0])
		n += snprintf(buf + n, cap - (size_t)n, ",id=%s", o->id);
	if (o->queues_auto)
		n += snprintf(buf + n, cap - (size_t)n, ",queues=auto");
	else
		n += snprintf(buf + n, cap - (size_t)n, ",queues=%u", o->spec.queues);
	if (o->spec.mtu)
		n += snprintf(buf + n, cap - (size_t)n, ",mtu=%u", o->spec.mtu);
	if (o->has_guest_mac)
		n += snprintf(buf + n, cap - (size_t)n, ",mac=%s", format_mac(o->guest_mac, mac));
	/* The tenant-network rows, as the table writes them. */
	for (i = 0; i < sizeof(tenant) / sizeof(tenant[0]); i++) {
		const struct nic_field *f = nic_field_by_key(tenant[i]);

		n += snprintf(buf + n, cap - (size_t)n, ",%s=", f->key);
		if (nic_field_format(&o->spec, f, buf + n, cap - (size_t)n) == 1)
			n += (int)strlen(buf + n);
		else
			n -= (int)strlen(f->key) + 2;
		buf[n] = '\0';
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmtap_err err = { { 0 } };
	struct nic_opt o, again;
	size_t len = strnlen((const char *)data, size);
	char *spec = malloc(len + 1), back[VLAN_SET_FORMAT_MAX + 1024];
	int mark = promise_fd_mark(), r;

	if (!spec)
		return 0;
	memcpy(spec, data, len);
	spec[len] = '\0';
	r = nic_opt_parse(spec, &o, &err);
	if (r < 0) {
		promise_one_line(err.msg);
	} else {
		check(&o);
		write_back(&o, back, sizeof(back));
		if (nic_opt_parse(back, &again, &err) < 0 ||
		    memcmp(&o.spec, &again.spec, sizeof(o.spec)) || strcmp(o.id, again.id) ||
		    strcmp(o.model, again.model) || o.queues_auto != again.queues_auto ||
		    o.has_guest_mac != again.has_guest_mac ||
		    (o.has_guest_mac && memcmp(o.guest_mac, again.guest_mac, 6)))
			abort();
		if (nic_opt_fill_macs(&o) < 0)
			abort();
		if (o.spec.macvtap[0] ? o.spec.has_mac :
		    (!o.spec.has_mac || o.spec.mac[0] != 0xfe ||
		     memcmp(o.spec.mac + 1, o.guest_mac + 1, 5)))
			abort();
	}
	free(spec);
	if (promise_fd_mark() != mark)
		abort();
	return 0;
}
