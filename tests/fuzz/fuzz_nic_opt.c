/* fuzz_nic_opt.c — fuzz harness for the NIC SPEC parser (helper/cli/nic-opt.c),
 * what `vmtap exec --nic`, `vmtap hotplug` and `vmtap attach` take from
 * the command line.  The input, up to its first NUL byte, is the SPEC.
 *
 * Besides the sanitizers' findings it aborts when a promise is broken: a
 * refusal comes with a one-line message; an accepted SPEC names a valid
 * bridge, and its id, model, queues, MTU, vhost and qdisc modes and guest
 * MAC, VLANs and switches are each one the parser's rules allow; the tap MAC derived from it
 * is fe + the guest MAC's last five bytes; and the accepted SPEC, written
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

	if (!ifname_valid(s->bridge) || s->ifname[0] || s->has_mac)
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

/* The parsed SPEC in keyed form: the SPEC's own keys by hand, then every
 * other row of the table the SPEC takes, as the table writes it, so a new
 * field is round-tripped without a change here. */
static void write_back(const struct nic_opt *o, char *buf, size_t cap)
{
	static const char *const by_hand[] = { "bridge", "queues", "mac", NULL };
	char mac[18], name[64];
	unsigned i, j;
	int n;

	n = snprintf(buf, cap, "bridge=%s,model=%s", o->spec.bridge, o->model);
	if (o->id[0])
		n += snprintf(buf + n, cap - (size_t)n, ",id=%s", o->id);
	if (o->queues_auto)
		n += snprintf(buf + n, cap - (size_t)n, ",queues=auto");
	else
		n += snprintf(buf + n, cap - (size_t)n, ",queues=%u", o->spec.queues);
	if (o->has_guest_mac)
		n += snprintf(buf + n, cap - (size_t)n, ",mac=%s", format_mac(o->guest_mac, mac));
	for (i = 0; i < nic_nfields; i++) {
		const struct nic_field *f = &nic_fields[i];
		int k = n;

		if (!(f->fronts & FRONT_SPEC))
			continue;
		for (j = 0; by_hand[j] && strcmp(by_hand[j], f->key); j++)
			;
		if (by_hand[j])
			continue;
		k += snprintf(buf + k, cap - (size_t)k, ",%s=", nic_field_name(f, FRONT_SPEC, name));
		if (nic_field_format(&o->spec, f, buf + k, cap - (size_t)k) == 1)
			n = k + (int)strlen(buf + k);
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
		if (nic_opt_fill_macs(&o) < 0 || !o.spec.has_mac || o.spec.mac[0] != 0xfe ||
		    memcmp(o.spec.mac + 1, o.guest_mac + 1, 5))
			abort();
	}
	free(spec);
	if (promise_fd_mark() != mark)
		abort();
	return 0;
}
